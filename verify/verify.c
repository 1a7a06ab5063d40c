/*
 * verify.c — custody-verify: check a custody case (or single .warc.zst,
 * .warc.gz or .warc files, or a WACZ exported by custody) and say exactly
 * what holds.
 *
 * Modelled on OpenBSD signify: usage(), main() with getopt_long, small
 * x-helpers that fail loudly, one pass over the input, no network. It links
 * only archive/'s reading and checking code, libcrypto, libzstd, jansson and
 * zlib, and stays small enough for a court-side expert to read in a sitting.
 *
 * Checks, per record: zstd frame integrity, WARC framing and Content-Length,
 * one record per frame (the reader enforces these), the block digest, the
 * payload digest, mandatory fields, unique record ids, a warcinfo record
 * first in every file, no capture file missing from a case, a revisit's
 * original present with the same payload digest, and for findings records
 * every finding's [start,end) and sha256 against the target response's
 * decoded payload (re-read from its offset), which proves each fragment
 * comes from the captured bytes. After a damaged frame reading resumes at the
 * next frame magic, so one bad record does not hide the state of the others.
 *
 * Sealing (Merkle tree heads, CMS signatures, RFC 3161 tokens) is not written
 * by custody yet, so the best verdict today is "intact": the output always
 * says what was not checked. It must never report a check it did not run as
 * passed, never crash or hang on hostile files (the reader bounds every
 * length), and never write anything but the report it was asked for.
 *
 * Exit status: 0 verified, 1 failed, 2 usage or I/O error, 3 intact.
 */
#include "archive.h"
#include "verify.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define VF_EXIT_VERIFIED 0
#define VF_EXIT_FAILED   1
#define VF_EXIT_ERROR    2
#define VF_EXIT_INTACT   3

/* A decoded payload larger than this is not decoded for the findings check. */
#define VF_MAX_DECODED ((size_t)512 << 20)

#define CT_FINDINGS ARC_CT_FINDINGS
#define CT_SEAL     ARC_CT_SEAL

static const char *progname = "custody-verify";

/* ---------------------------------------------------------------- x-helpers */

static void __attribute__((noreturn, format(printf, 1, 2))) xerr(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(VF_EXIT_ERROR);
}

static void *xrealloc(void *p, size_t n, size_t size)
{
	size_t total;

	if (size && n > SIZE_MAX / size)
		xerr("out of memory");
	total = n * size;
	p = realloc(p, total ? total : 1);
	if (!p)
		xerr("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		xerr("out of memory");
	return d;
}

/* A copy that is valid UTF-8 (JSON and HTML output need it): archive bytes
 * that are not become '?'. */
static char *xstrdup_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char *d = xstrdup((const char *)p), *w = d;

	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
		size_t k;

		for (k = 1; k < n; k++)
			if ((p[k] & 0xC0) != 0x80)
				n = 0;
		if (n == 0) {
			*w++ = '?';
			p++;
			continue;
		}
		memcpy(w, p, n);
		w += n;
		p += n;
	}
	*w = '\0';
	return d;
}

/* Append one element to a growable array (cap doubles). */
#define PUSH(arr, n, cap)                                                     \
	(((n) == (cap) ? ((cap) = (cap) ? (cap) * 2 : 16,                     \
	                  (arr) = xrealloc((arr), (cap), sizeof *(arr))) : 0), \
	 &(arr)[(n)++])

/* ---------------------------------------------------------------- state */

/* Where each record lives, by WARC-Record-ID: findings point at responses. */
typedef struct {
	char *id;       /* NULL: empty slot */
	size_t file;    /* index into vf.files */
	uint64_t offset;
	long exhibit;   /* index into vf.exhibits or -1 */
	char *payload_digest; /* response/revisit: for revisits that refer to it */
} loc_t;

/* A check that needs another record of the case: done once all are read. */
typedef struct {
	size_t file;
	uint64_t offset;
	char *id, *target;
	json_t *body;          /* findings record: its parsed body */
	char *payload_digest;  /* revisit record (body NULL): its WARC-Payload-Digest */
} pending_t;

static struct {
	vf_result_t res;
	size_t cap_files, cap_failures, cap_exhibits;
	loc_t *map;
	size_t map_cap, map_len;
	pending_t *pending;
	size_t npending, cap_pending;
	int quiet, json, io_error;
	int progress; /* stderr is a terminal: show progress on big cases */
	/* per file: where its bytes are when it is an archive/ entry of a WACZ */
	struct { char *zip; uint64_t off, len; } *parts;
	size_t cap_parts;
} vf;

/* A reader over input file fidx: the file, or its range inside a WACZ. */
static warc_reader_t *open_input(size_t fidx, arc_error_t *e)
{
	if (fidx < vf.cap_parts && vf.parts[fidx].zip)
		return warc_reader_open_range(vf.parts[fidx].zip, vf.parts[fidx].off, vf.parts[fidx].len,
		                              vf.res.files[fidx].path, NULL, e);
	return warc_reader_open(vf.res.files[fidx].path, NULL, e);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static loc_t *map_slot(const char *id)
{
	size_t i = (size_t)(hash_str(id) & (vf.map_cap - 1));

	while (vf.map[i].id && strcmp(vf.map[i].id, id) != 0)
		i = (i + 1) & (vf.map_cap - 1);
	return &vf.map[i];
}

static loc_t *map_get(const char *id)
{
	loc_t *l;

	if (!vf.map_cap)
		return NULL;
	l = map_slot(id);
	return l->id ? l : NULL;
}

static void map_clear(void)
{
	size_t i;

	for (i = 0; i < vf.map_cap; i++) {
		free(vf.map[i].id);
		free(vf.map[i].payload_digest);
		vf.map[i].id = NULL;
		vf.map[i].payload_digest = NULL;
	}
	vf.map_len = 0;
}

/* Insert; returns NULL if the id is already there (a duplicate). */
static loc_t *map_put(const char *id)
{
	loc_t *l;

	if (vf.map_len * 2 >= vf.map_cap) {
		loc_t *old = vf.map;
		size_t oldcap = vf.map_cap, i;

		vf.map_cap = oldcap ? oldcap * 2 : 1024;
		vf.map = xrealloc(NULL, vf.map_cap, sizeof *vf.map);
		memset(vf.map, 0, vf.map_cap * sizeof *vf.map);
		for (i = 0; i < oldcap; i++)
			if (old[i].id)
				*map_slot(old[i].id) = old[i];
		free(old);
	}
	l = map_slot(id);
	if (l->id)
		return NULL;
	l->id = xstrdup(id);
	l->exhibit = -1;
	vf.map_len++;
	return l;
}

/* ---------------------------------------------------------------- failures */

/* The library's messages start "FILE: offset N, record ID: CHECK: "; the
 * report prints those parts in their own columns, so drop them here. */
static const char *short_message(const char *msg, const char *file, uint64_t off,
                                 const char *record, const char *check)
{
	char pre[600];
	size_t n;

	if (record && *record)
		snprintf(pre, sizeof pre, "%s: offset %llu, record %s: ", file,
		         (unsigned long long)off, record);
	else
		snprintf(pre, sizeof pre, "%s: offset %llu: ", file, (unsigned long long)off);
	n = strlen(pre);
	if (!strncmp(msg, pre, n))
		msg += n;
	n = strlen(check);
	if (!strncmp(msg, check, n) && msg[n] == ':' && msg[n + 1] == ' ')
		msg += n + 2;
	return msg;
}

static void fail(vf_file_t *f, uint64_t off, const char *record, const char *check,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void fail(vf_file_t *f, uint64_t off, const char *record, const char *check,
                 const char *fmt, ...)
{
	vf_failure_t *x = PUSH(vf.res.failures, vf.res.nfailures, vf.cap_failures);
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	x->file = xstrdup_utf8(f->path);
	x->offset = off;
	x->record = xstrdup_utf8(record ? record : "");
	x->check = xstrdup(check);
	x->message = xstrdup_utf8(short_message(msg, f->path, off, record, check));
	f->failed++;
}

static void fail_err(vf_file_t *f, const arc_error_t *e, const char *check)
{
	fail(f, e->offset, e->record_id, check, "%s", e->msg);
}

static void note_not_checked(const char *what)
{
	size_t i;

	for (i = 0; i < vf.res.nnot_checked; i++)
		if (!strcmp(vf.res.not_checked[i], what))
			return;
	if (vf.res.nnot_checked < VF_MAX_NOT_CHECKED)
		vf.res.not_checked[vf.res.nnot_checked++] = what;
}

/* ---------------------------------------------------------------- one file */

static int has_prefix_ci(const char *s, const char *prefix)
{
	return s && !strncasecmp(s, prefix, strlen(prefix));
}

/* "<urn:uuid:x>" and "urn:uuid:x" name the same record. */
static char *bare_id(const char *id)
{
	size_t n;
	char *s;

	if (!id)
		return NULL;
	if (*id == '<')
		id++;
	s = xstrdup(id);
	n = strlen(s);
	if (n && s[n - 1] == '>')
		s[n - 1] = '\0';
	return s;
}

static const char *sfield(const warc_rec_t *rec, const char *name)
{
	const char *v = warc_rec_get(rec, name);
	return v ? v : "";
}

static void add_exhibit(vf_file_t *f, const warc_rec_t *rec, loc_t *loc, int block_ok,
                        int payload_ok)
{
	vf_exhibit_t *x;
	size_t hl;

	if (loc)
		loc->exhibit = (long)vf.res.nexhibits;
	x = PUSH(vf.res.exhibits, vf.res.nexhibits, vf.cap_exhibits);
	memset(x, 0, sizeof *x);
	x->file = xstrdup_utf8(f->path);
	x->offset = rec->offset;
	x->record_id = xstrdup_utf8(sfield(rec, "WARC-Record-ID"));
	x->url = xstrdup_utf8(sfield(rec, "WARC-Target-URI"));
	x->date = xstrdup_utf8(sfield(rec, "WARC-Date"));
	x->ip = xstrdup_utf8(sfield(rec, "WARC-IP-Address"));
	hl = http_header_end(rec->block, (size_t)rec->block_len);
	x->status = hl ? http_status(rec->block, hl) : 0;
	x->block_digest = xstrdup_utf8(sfield(rec, "WARC-Block-Digest"));
	x->payload_digest = xstrdup_utf8(sfield(rec, "WARC-Payload-Digest"));
	x->block_ok = block_ok;
	x->payload_ok = payload_ok;
	x->revisit = !strcmp(sfield(rec, "WARC-Type"), "revisit");
}

/* Checks that need only the record itself. */
static void check_record(vf_file_t *f, size_t fidx, const warc_rec_t *rec, int is_first)
{
	const char *type = warc_rec_get(rec, "WARC-Type");
	const char *id = warc_rec_get(rec, "WARC-Record-ID");
	const char *ct = warc_rec_get(rec, "Content-Type");
	const char *rid = id ? id : "";
	static const char *const mandatory[] = { "WARC-Record-ID", "WARC-Type", "WARC-Date" };
	arc_error_t e;
	loc_t *loc = NULL;
	int block_ok, payload_ok, rc;
	size_t i;

	f->passed++; /* framing, Content-Length and zstd frame: the reader enforced them */
	for (i = 0; i < sizeof mandatory / sizeof *mandatory; i++) {
		if (!warc_rec_get(rec, mandatory[i]))
			fail(f, rec->offset, rid, "mandatory fields", "no %s field", mandatory[i]);
		else
			f->passed++;
	}
	if (is_first) {
		if (type && !strcmp(type, "warcinfo"))
			f->passed++;
		else
			fail(f, rec->offset, rid, "warcinfo first",
			     "the file does not start with a warcinfo record (first record is %s)",
			     type ? type : "untyped");
	}
	if (id) {
		char *bid = bare_id(id);

		loc = map_put(bid);
		if (!loc) {
			loc_t *first = map_get(bid);
			fail(f, rec->offset, rid, "record id",
			     "duplicate WARC-Record-ID (first seen in %s at offset %llu)",
			     vf.res.files[first->file].path, (unsigned long long)first->offset);
		} else {
			const char *pd = warc_rec_get(rec, "WARC-Payload-Digest");

			loc->file = fidx;
			loc->offset = rec->offset;
			if (pd && type && (!strcmp(type, "response") || !strcmp(type, "revisit")))
				loc->payload_digest = xstrdup(pd);
			f->passed++;
		}
		free(bid);
	}

	rc = warc_check_block(rec, f->path, &e);
	if (rc == 0) {
		block_ok = 1;
		f->passed++;
	} else if (rc == 1) {
		block_ok = -1;
		fail(f, rec->offset, rid, "block digest", "no WARC-Block-Digest field");
	} else {
		block_ok = -1;
		fail_err(f, &e, "block digest");
	}
	rc = warc_check_payload(rec, f->path, &e);
	if (rc == 0) {
		payload_ok = 1;
		f->passed++;
	} else if (rc == 1) {
		payload_ok = 0;
	} else {
		payload_ok = -1;
		fail_err(f, &e, "payload digest");
	}

	if (type && (!strcmp(type, "response") || !strcmp(type, "revisit")))
		add_exhibit(f, rec, loc, block_ok, payload_ok);
	if (type && !strcmp(type, "revisit")) {
		const char *refers = warc_rec_get(rec, "WARC-Refers-To");
		const char *pd = warc_rec_get(rec, "WARC-Payload-Digest");

		if (refers) {
			pending_t *p = PUSH(vf.pending, vf.npending, vf.cap_pending);

			memset(p, 0, sizeof *p);
			p->file = fidx;
			p->offset = rec->offset;
			p->id = xstrdup(rid);
			p->target = bare_id(refers);
			p->payload_digest = pd ? xstrdup(pd) : NULL;
		}
	}
	if (type && !strcmp(type, "metadata") && has_prefix_ci(ct, CT_SEAL)) {
		vf.res.sealed++;
		note_not_checked("seal records are present but this custody-verify cannot check "
		                 "seals (Merkle root, signature, timestamp)");
	}
	if (type && !strcmp(type, "metadata") && has_prefix_ci(ct, CT_FINDINGS)) {
		json_error_t je;
		json_t *body = json_loadb((const char *)rec->block, (size_t)rec->block_len, 0, &je);
		const char *refers = warc_rec_get(rec, "WARC-Refers-To");
		pending_t *p;

		if (!body || !json_is_object(body)) {
			fail(f, rec->offset, rid, "findings", "the findings body is not a JSON object: %s",
			     body ? "wrong type" : je.text);
			json_decref(body);
			return;
		}
		p = PUSH(vf.pending, vf.npending, vf.cap_pending);
		memset(p, 0, sizeof *p);
		p->file = fidx;
		p->offset = rec->offset;
		p->id = xstrdup(rid);
		p->target = refers ? bare_id(refers) : NULL;
		p->body = body;
	}
}

/* Offset of the next zstd frame magic in path after `from`, or -1. Used to
 * go on past a damaged frame so that one bad record does not hide the state
 * of all the others; a false match inside compressed data just fails again
 * further on, so every step moves forward. */
static long long next_magic(const char *path, uint64_t from)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	unsigned char buf[65536 + 3];
	size_t keep = 0, n, i;
	uint64_t base = from;
	FILE *fp = fopen(path, "rb");

	if (!fp)
		return -1;
	if (fseeko(fp, (off_t)from, SEEK_SET) != 0) {
		fclose(fp);
		return -1;
	}
	while ((n = fread(buf + keep, 1, sizeof buf - keep, fp)) > 0) {
		n += keep;
		for (i = 0; i + 4 <= n; i++) {
			if (!memcmp(buf + i, magic, 4)) {
				fclose(fp);
				return (long long)(base + i);
			}
		}
		keep = n < 3 ? n : 3;
		memmove(buf, buf + n - keep, keep);
		base += n - keep;
	}
	fclose(fp);
	return -1;
}

/* Per file, at most this many framing failures are listed. */
#define VF_MAX_RESYNC 100

/* Read every record of one file. */
static void check_file(size_t fidx)
{
	vf_file_t *f = &vf.res.files[fidx];
	warc_reader_t *r;
	warc_rec_t rec;
	arc_error_t e;
	int rc, compressed = 0, resyncs = 0;

	r = open_input(fidx, &e);
	if (!r) {
		if (e.code == ARC_EIO) {
			fprintf(stderr, "%s: %s\n", progname, e.msg);
			vf.io_error = 1;
		}
		fail_err(f, &e, e.code == ARC_EIO ? "read" : e.code == ARC_EZSTD ? "zstd frame"
		                                                               : "warc framing");
		return;
	}
	for (;;) {
		long long next;
		uint64_t bad;

		while ((rc = warc_reader_next(r, &rec, &e)) == 1) {
			compressed = rec.compressed;
			check_record(f, fidx, &rec, f->records == 0 && resyncs == 0);
			f->records++;
			if (vf.progress && (f->records & 1023) == 0)
				fprintf(stderr, "\r%s: %llu records...", f->path,
				        (unsigned long long)f->records);
		}
		if (rc == 0)
			break;
		if (e.code == ARC_EIO) {
			fprintf(stderr, "%s: %s\n", progname, e.msg);
			vf.io_error = 1;
			fail_err(f, &e, "read");
			break;
		}
		fail_err(f, &e, e.code == ARC_EZSTD ? "zstd frame" : "warc framing");
		if (f->records == 0 && !compressed) {
			/* the very first record is broken: is this zstd at all? */
			unsigned char m[4] = { 0 };
			FILE *fp = fopen(f->path, "rb");

			if (fp) {
				compressed = fread(m, 1, 4, fp) == 4 && m[0] == 0x28 && m[1] == 0xb5 &&
				             m[2] == 0x2f && m[3] == 0xfd;
				fclose(fp);
			}
		}
		/* plain WARC has no frame boundary to find again; gzip (2) is not searched */
		if (compressed != 1 || ++resyncs > VF_MAX_RESYNC)
			break;
		bad = e.offset;
		next = next_magic(f->path, bad + 1);
		if (next < 0)
			break;
		if (warc_reader_seek(r, (uint64_t)next, &e) != 0)
			break;
		{
			/* say so on the failure line just added */
			vf_failure_t *x = &vf.res.failures[vf.res.nfailures - 1];
			char more[1200];

			snprintf(more, sizeof more, "%s (%llu bytes skipped; reading resumed at the "
			         "next frame, offset %lld)", x->message,
			         (unsigned long long)((uint64_t)next - bad), next);
			free(x->message);
			x->message = xstrdup(more);
		}
	}
	if (vf.progress && f->records >= 1024)
		fputs("\r\033[K", stderr);
	if (f->records == 0 && rc == 0)
		fail(f, 0, "", "warcinfo first", "the file holds no records");
	warc_reader_free(r);
}

/* ---------------------------------------------------------------- findings */

/* The decoded payload of a response: transfer and content coding removed,
 * exactly as the crawler computed it (http_decoded_payload is shared). */
static int decoded_payload(const warc_rec_t *rec, unsigned char **out, size_t *out_len,
                           char *why, size_t whysz)
{
	arc_error_t e;
	int partial;

	if (http_decoded_payload(rec->block, (size_t)rec->block_len, VF_MAX_DECODED, out, out_len,
	                         &partial, &e) != 0) {
		snprintf(why, whysz, "the target's payload cannot be decoded: %s", e.msg);
		return -1;
	}
	return 0;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

static void check_findings(pending_t *p, warc_reader_t **readers)
{
	vf_file_t *f = &vf.res.files[p->file];
	const char *target_field = jstr(p->body, "target");
	json_t *list = json_object_get(p->body, "findings"), *item;
	char *target = NULL, why[700];
	loc_t *loc;
	warc_rec_t rec;
	arc_error_t e;
	unsigned char *payload = NULL;
	const char *ttype;
	uint64_t hash_budget;
	size_t payload_len = 0, i;
	vf_exhibit_t *x = NULL;
	int all_ok = 1;

	if (!p->target) {
		fail(f, p->offset, p->id, "findings", "no WARC-Refers-To field");
		return;
	}
	target = bare_id(target_field);
	if (strcmp(target, p->target) != 0) {
		fail(f, p->offset, p->id, "findings",
		     "the body's \"target\" (%.100s) differs from WARC-Refers-To (%.100s)", target,
		     p->target);
		free(target);
		return;
	}
	free(target);
	if (!json_is_array(list)) {
		fail(f, p->offset, p->id, "findings", "no \"findings\" array");
		return;
	}
	loc = map_get(p->target);
	if (!loc) {
		fail(f, p->offset, p->id, "findings", "the target record <%.100s> is not in the case",
		     p->target);
		return;
	}
	if (!readers[loc->file]) {
		readers[loc->file] = open_input(loc->file, &e);
		if (!readers[loc->file]) {
			fail(f, p->offset, p->id, "findings", "cannot re-read the target: %s", e.msg);
			return;
		}
	}
	if (warc_reader_seek(readers[loc->file], loc->offset, &e) != 0 ||
	    warc_reader_next(readers[loc->file], &rec, &e) != 1) {
		fail(f, p->offset, p->id, "findings", "cannot re-read the target: %s", e.msg);
		return;
	}
	ttype = sfield(&rec, "WARC-Type");
	if (!strcmp(ttype, "resource")) {
		/* a resource's payload is its block, stored as is */
		payload = malloc(rec.block_len ? (size_t)rec.block_len : 1);
		if (!payload)
			xerr("out of memory");
		memcpy(payload, rec.block, (size_t)rec.block_len);
		payload_len = (size_t)rec.block_len;
	} else if (strcmp(ttype, "response") != 0 && strcmp(ttype, "revisit") != 0) {
		fail(f, p->offset, p->id, "findings",
		     "the target <%.100s> is a %.20s record, not a response", p->target, ttype);
		return;
	} else if (json_array_size(list) == 0) {
		/* nothing to re-check: a page the detector could not read says so in
		 * "scanned" and claims no fragment of the payload */
		return;
	} else if (decoded_payload(&rec, &payload, &payload_len, why, sizeof why) != 0) {
		fail(f, p->offset, p->id, "findings", "%s", why);
		return;
	}
	if (loc->exhibit >= 0) {
		json_t *verdict = json_object_get(p->body, "verdict");

		x = &vf.res.exhibits[loc->exhibit];
		x->has_findings = 1;
		x->doxing = json_is_true(json_object_get(verdict, "doxing"));
		x->score = json_number_value(json_object_get(verdict, "score"));
	}
	/* overlapping ranges could make a small findings body hash gigabytes */
	hash_budget = 8 * (uint64_t)payload_len + ((uint64_t)64 << 20);
	json_array_foreach(list, i, item) {
		json_t *js = json_object_get(item, "start"), *je = json_object_get(item, "end");
		const char *want = jstr(item, "sha256");
		char got[ARC_DIGEST_LEN];
		json_int_t s, en;
		int ok = 0;

		vf.res.findings_checked++;
		if (!json_is_integer(js) || !json_is_integer(je)) {
			fail(f, p->offset, p->id, "findings", "finding %zu: no integer start/end", i);
		} else if ((s = json_integer_value(js)) < 0 || (en = json_integer_value(je)) < s ||
		           (uint64_t)en > payload_len) {
			fail(f, p->offset, p->id, "findings",
			     "finding %zu (%.40s): [%lld,%lld) is outside the %zu-byte payload", i,
			     jstr(item, "type"), (long long)json_integer_value(js),
			     (long long)json_integer_value(je), payload_len);
		} else if ((uint64_t)(en - s) > hash_budget) {
			fail(f, p->offset, p->id, "findings",
			     "finding %zu: the findings' ranges add up to more than 8 times the payload; "
			     "the rest is not checked", i);
			all_ok = 0;
			break;
		} else {
			hash_budget -= (uint64_t)(en - s);
			arc_sha256_hex(payload + s, (size_t)(en - s), got);
			if (strcasecmp(got, want) != 0) {
				fail(f, p->offset, p->id, "findings",
				     "finding %zu (%.40s) [%lld,%lld): the finding says %.80s but those "
				     "payload bytes hash to %s", i, jstr(item, "type"), (long long)s,
				     (long long)en, *want ? want : "(no sha256)", got);
			} else {
				ok = 1;
				f->passed++;
			}
		}
		if (!ok)
			all_ok = 0;
		if (x) {
			vf_finding_t *fd;
			size_t cap = x->nfindings;

			/* exact-size growth: findings per page are few */
			x->findings = xrealloc(x->findings, cap + 1, sizeof *x->findings);
			fd = &x->findings[x->nfindings++];
			fd->type = xstrdup(jstr(item, "type"));
			fd->value = xstrdup(jstr(item, "value"));
			fd->text = xstrdup(jstr(item, "text"));
			fd->context = xstrdup(jstr(item, "context"));
			fd->start = json_is_integer(js) && json_integer_value(js) >= 0
			                    ? (uint64_t)json_integer_value(js) : 0;
			fd->end = json_is_integer(je) && json_integer_value(je) >= 0
			                  ? (uint64_t)json_integer_value(je) : 0;
			fd->ok = ok;
		}
	}
	if (x)
		x->findings_ok = all_ok ? 1 : -1;
	free(payload);
}

/* A revisit names the earlier record holding the same payload: it must be in
 * the case and carry the same payload digest, or a capture was removed. */
static void check_revisit_ref(const pending_t *p)
{
	vf_file_t *f = &vf.res.files[p->file];
	loc_t *loc = map_get(p->target);

	if (!loc) {
		fail(f, p->offset, p->id, "references",
		     "WARC-Refers-To <%.100s> is not in the case", p->target);
		return;
	}
	if (p->payload_digest && loc->payload_digest &&
	    strcasecmp(p->payload_digest, loc->payload_digest) != 0) {
		fail(f, p->offset, p->id, "references",
		     "WARC-Payload-Digest %.80s differs from the referred record's %.80s",
		     p->payload_digest, loc->payload_digest);
		return;
	}
	f->passed++;
}

/* ---------------------------------------------------------------- inputs */

static void add_file(const char *path)
{
	vf_file_t *f = PUSH(vf.res.files, vf.res.nfiles, vf.cap_files);

	memset(f, 0, sizeof *f);
	f->path = xstrdup(path);
	f->path_utf8 = xstrdup_utf8(path);
}

/* A WACZ: every archive/ WARC entry is one input file, read in place (the
 * entries are STORED); the WACZ is one case. Returns the number added. */
static size_t add_wacz(const char *path)
{
	arc_zip_entry_t *e = NULL;
	arc_error_t err;
	size_t n = 0, i, added = 0;
	char name[4096];

	if (arc_zip_list(path, &e, &n, &err) != 0)
		xerr("%s", err.msg);
	for (i = 0; i < n; i++) {
		size_t nl = strlen(e[i].name), fidx = vf.res.nfiles;
		if (strncmp(e[i].name, "archive/", 8) ||
		    !(( nl > 8 && !strcmp(e[i].name + nl - 8, ".warc.gz")) ||
		      (nl > 5 && !strcmp(e[i].name + nl - 5, ".warc"))))
			continue;
		snprintf(name, sizeof name, "%s#%s", path, e[i].name);
		add_file(name);
		added++;
		if (e[i].method != 0) {
			fail(&vf.res.files[fidx], 0, "", "wacz entry",
			     "%s is compressed in the zip (method %u): WACZ archives must be STORED",
			     e[i].name, e[i].method);
			continue;
		}
		if (vf.cap_parts < vf.res.nfiles) {
			size_t nc = vf.res.nfiles * 2;
			vf.parts = xrealloc(vf.parts, nc, sizeof *vf.parts);
			memset(vf.parts + vf.cap_parts, 0, (nc - vf.cap_parts) * sizeof *vf.parts);
			vf.cap_parts = nc;
		}
		vf.parts[fidx].zip = xstrdup(path);
		vf.parts[fidx].off = e[i].offset;
		vf.parts[fidx].len = e[i].size;
	}
	free(e);
	return added;
}

/* A case directory: every capture file in numeric order (archive/'s one
 * listing); a gap in the numbering means a file was removed. Returns the
 * number of files added; *missing gets the name of the first missing file. */
static size_t add_case_dir(const char *dir, long *gap_after, char *missing, size_t missing_sz)
{
	arc_case_files_t l;
	arc_error_t e;
	size_t i;

	missing[0] = '\0';
	if (arc_case_files(dir, &l, &e) != ARC_OK)
		xerr("%s", e.msg);
	for (i = 0; i < l.n; i++)
		add_file(l.v[i].path);
	if (l.gap_missing >= 0) {
		const char *id = l.n ? l.v[l.gap_after >= 0 ? (size_t)l.gap_after : 0].short_id : "";
		*gap_after = l.gap_after;
		snprintf(missing, missing_sz, "capture-%s%s%05ld.warc.zst", id, *id ? "-" : "",
		         l.gap_missing);
	}
	i = l.n;
	arc_case_files_free(&l);
	return i;
}

/* Load PEM certificates only to make sure the anchors given are usable. */
static void load_anchors(const char *path, const char *opt)
{
	FILE *fp = fopen(path, "r");
	X509 *x;
	int n = 0;

	if (!fp)
		xerr("cannot open %s: %s", path, strerror(errno));
	while ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	fclose(fp);
	if (n == 0)
		xerr("%s %s: no PEM certificate in the file", opt, path);
}

/* --at: "YYYY-MM-DD" or a full "YYYY-MM-DDThh:mm:ss[.f]Z". */
static int valid_time(const char *s)
{
	char d14[15], buf[64];

	if (strlen(s) == 10) {
		snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
		s = buf;
	}
	return arc_date14(s, d14) == 0;
}

/* ---------------------------------------------------------------- output */

static void print_human(void)
{
	size_t i;

	if (vf.quiet) {
		printf("%s\n", vf.res.verdict);
		return;
	}
	for (i = 0; i < vf.res.nfiles; i++) {
		vf_file_t *f = &vf.res.files[i];
		printf("%s: %llu records, %llu checks passed, %llu failed\n", f->path,
		       (unsigned long long)f->records, (unsigned long long)f->passed,
		       (unsigned long long)f->failed);
	}
	for (i = 0; i < vf.res.nfailures; i++) {
		vf_failure_t *x = &vf.res.failures[i];
		printf("FAILED %s: offset %llu%s%s: %s: %s\n", x->file, (unsigned long long)x->offset,
		       *x->record ? ", record " : "", x->record, x->check, x->message);
	}
	if (vf.res.findings_checked)
		printf("findings: %llu fragments checked against the captured payloads\n",
		       (unsigned long long)vf.res.findings_checked);
	for (i = 0; i < vf.res.nnot_checked; i++)
		printf("not checked: %s\n", vf.res.not_checked[i]);
	if (!strcmp(vf.res.verdict, "failed"))
		printf("verdict: failed (%zu check%s failed; see the lines above)\n", vf.res.nfailures,
		       vf.res.nfailures == 1 ? "" : "s");
	else if (!strcmp(vf.res.verdict, "intact"))
		printf("verdict: intact (%llu records: every integrity check passed; identity and "
		       "time are not anchored)\n", (unsigned long long)vf.res.records);
	else
		printf("verdict: %s\n", vf.res.verdict);
}

static void print_json(void)
{
	json_t *o = json_object(), *errs = json_array(), *nc = json_array(), *files = json_array();
	char *s;
	size_t i;

	if (!o || !errs || !nc || !files)
		xerr("out of memory");
	json_object_set_new(o, "verdict", json_string(vf.res.verdict));
	json_object_set_new(o, "records", json_integer((json_int_t)vf.res.records));
	json_object_set_new(o, "sealed", json_integer((json_int_t)vf.res.sealed));
	json_object_set_new(o, "findings_checked",
	                    json_integer((json_int_t)vf.res.findings_checked));
	for (i = 0; i < vf.res.nfailures; i++) {
		vf_failure_t *x = &vf.res.failures[i];
		json_array_append_new(errs, json_pack("{s:s, s:I, s:s, s:s, s:s}", "file", x->file,
		                                      "offset", (json_int_t)x->offset, "record",
		                                      x->record, "check", x->check, "message",
		                                      x->message));
	}
	json_object_set_new(o, "errors", errs);
	for (i = 0; i < vf.res.nnot_checked; i++)
		json_array_append_new(nc, json_string(vf.res.not_checked[i]));
	json_object_set_new(o, "not_checked", nc);
	for (i = 0; i < vf.res.nfiles; i++) {
		vf_file_t *f = &vf.res.files[i];
		json_array_append_new(files, json_pack("{s:s, s:I, s:I, s:I}", "file", f->path_utf8,
		                                       "records", (json_int_t)f->records,
		                                       "checks_passed", (json_int_t)f->passed,
		                                       "checks_failed", (json_int_t)f->failed));
	}
	json_object_set_new(o, "files", files);
	if (vf.res.at)
		json_object_set_new(o, "at", json_string(vf.res.at));
	s = json_dumps(o, JSON_ENSURE_ASCII);
	if (!s)
		xerr("cannot format the JSON output");
	printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
	fprintf(stderr,
	        "usage: %s [--trust CERT.pem] [--tsa-trust CERT.pem] [--json]\n"
	        "       [--report FILE.html] [--at TIME] [-q] PATH...\n"
	        "try '%s --help'\n", progname, progname);
	exit(VF_EXIT_ERROR);
}

static void help(void)
{
	fputs(
"NAME\n"
"    custody-verify - check a custody capture and say exactly what holds\n"
"\n"
"SYNOPSIS\n"
"    custody-verify [--trust CERT.pem] [--tsa-trust CERT.pem] [--json]\n"
"                   [--report FILE.html] [--at TIME] [-q] PATH...\n"
"\n"
"DESCRIPTION\n"
"    PATH is a case directory (every capture-*.warc.zst in it, in numeric order),\n"
"    a .warc.zst, .warc.gz (one gzip member per record) or .warc file, or a\n"
"    WACZ made by 'custody export --wacz' (its archive/*.warc.gz entries, read\n"
"    in place). custody-verify reads every record and checks, reporting each\n"
"    failure with its file, byte offset, record id and check:\n"
"\n"
"    zstd frame       each record is one intact zstd frame (checksum included)\n"
"    warc framing     WARC/1.0 or WARC/1.1 header, Content-Length matches the\n"
"                     block, CRLF CRLF after it, one record per frame\n"
"    mandatory fields WARC-Record-ID, WARC-Type and WARC-Date are present\n"
"    record id        no WARC-Record-ID appears twice\n"
"    references       a revisit's WARC-Refers-To record is in the case and has\n"
"                     the same payload digest\n"
"    warcinfo first   every file starts with a warcinfo record\n"
"    file sequence    no capture file is missing from a case directory\n"
"    block digest     WARC-Block-Digest matches the block\n"
"    payload digest   WARC-Payload-Digest matches the payload (HTTP entity\n"
"                     with transfer coding removed)\n"
"    findings         every finding's [start,end) lies inside the target\n"
"                     response's decoded payload and the SHA-256 of those bytes\n"
"                     equals the finding's sha256: each fragment provably comes\n"
"                     from the captured bytes\n"
"\n"
"    Sealing (signed Merkle tree heads and RFC 3161 timestamps) is not yet\n"
"    written by custody, so identity and time cannot be anchored: the output\n"
"    says so on its \"not checked\" lines.\n"
"\n"
"OPTIONS\n"
"    --trust CERT.pem\n"
"        Certificates a seal's signer must chain to.\n"
"    --tsa-trust CERT.pem\n"
"        Certificates a timestamp authority must chain to.\n"
"    --at TIME\n"
"        Verify as of TIME (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ).\n"
"    --json\n"
"        Print one JSON object: {\"verdict\", \"records\", \"sealed\", \"errors\":\n"
"        [{\"file\", \"offset\", \"record\", \"check\", \"message\"}],\n"
"        \"not_checked\", \"files\", \"findings_checked\"}.\n"
"    --report FILE.html\n"
"        Also write a self-contained HTML report: per captured page the URL,\n"
"        time, server address, status, digests, check results and the\n"
"        findings highlighted in their context.\n"
"    -q, --quiet\n"
"        Print only the verdict.\n"
"    -h, --help\n"
"        Print this help.\n"
"\n"
"VERDICTS AND EXIT STATUS\n"
"    0  verified  every check passed and every seal chains to --trust and\n"
"                 every timestamp to --tsa-trust\n"
"    1  failed    something did not verify (see the FAILED lines)\n"
"    2            usage or I/O error (e.g. a PATH that cannot be opened)\n"
"    3  intact    every integrity check passed, but who captured it and when\n"
"                 is not anchored (no seal, or no anchors given)\n"
"\n"
"EXAMPLES\n"
"    custody-verify case-2026-001/\n"
"    custody-verify --json case-2026-001/ > verify.json\n"
"    custody-verify --report report.html case-2026-001/capture-6f1c2a9e-00000.warc.zst\n",
	      stdout);
	exit(0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "tsa-trust", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "report", required_argument, NULL, 'r' },
		{ "at", required_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trust = NULL, *tsa_trust = NULL, *report = NULL;
	warc_reader_t **readers;
	size_t i, g, ngroups = 0, *group_start;
	int ch, exit_code, prev_dir = 1;

	while ((ch = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 't': trust = optarg; break;
		case 'T': tsa_trust = optarg; break;
		case 'j': vf.json = 1; break;
		case 'r': report = optarg; break;
		case 'a': vf.res.at = optarg; break;
		case 'q': vf.quiet = 1; break;
		case 'h': help(); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	vf.progress = !vf.quiet && isatty(STDERR_FILENO);
	if (vf.res.at && !valid_time(vf.res.at))
		xerr("--at %s: expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", vf.res.at);
	if (trust)
		load_anchors(trust, "--trust");
	if (tsa_trust)
		load_anchors(tsa_trust, "--tsa-trust");

	/* Resolve every PATH first: a missing input is an I/O error (2), not a
	 * verification failure. Each directory is one case (record ids are unique
	 * within it and findings point inside it); files named one after the other
	 * are taken as parts of one case. */
	group_start = xrealloc(NULL, (size_t)argc + 1, sizeof *group_start);
	for (i = 0; i < (size_t)argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0)
			xerr("cannot open %s: %s", argv[i], strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			size_t first = vf.res.nfiles;
			long gap_after = -1;
			char missing[ARC_CASE_NAME_MAX + 16];

			group_start[ngroups++] = first;
			if (add_case_dir(argv[i], &gap_after, missing, sizeof missing) == 0)
				xerr("%s: no capture-*.warc.zst files in this directory", argv[i]);
			if (missing[0]) {
				vf_file_t *f = &vf.res.files[gap_after >= 0 ? first + (size_t)gap_after
				                                            : first];
				fail(f, 0, "", "file sequence", "%s is missing from %s", missing, argv[i]);
			}
			prev_dir = 1;
		} else if (strlen(argv[i]) > 5 && !strcmp(argv[i] + strlen(argv[i]) - 5, ".wacz")) {
			group_start[ngroups++] = vf.res.nfiles;
			if (add_wacz(argv[i]) == 0)
				xerr("%s: no archive/*.warc.gz entries in this WACZ", argv[i]);
			prev_dir = 1;
		} else {
			if (prev_dir || ngroups == 0)
				group_start[ngroups++] = vf.res.nfiles;
			add_file(argv[i]);
			prev_dir = 0;
		}
	}
	group_start[ngroups] = vf.res.nfiles;

	readers = xrealloc(NULL, vf.res.nfiles, sizeof *readers);
	memset(readers, 0, vf.res.nfiles * sizeof *readers);
	for (g = 0; g < ngroups; g++) {
		map_clear();
		for (i = group_start[g]; i < group_start[g + 1]; i++) {
			check_file(i);
			vf.res.records += vf.res.files[i].records;
		}
		for (i = 0; i < vf.npending; i++) {
			if (vf.pending[i].body)
				check_findings(&vf.pending[i], readers);
			else
				check_revisit_ref(&vf.pending[i]);
			json_decref(vf.pending[i].body);
			free(vf.pending[i].id);
			free(vf.pending[i].target);
			free(vf.pending[i].payload_digest);
		}
		vf.npending = 0;
	}
	map_clear();
	for (i = 0; i < vf.res.nfiles; i++)
		warc_reader_free(readers[i]);
	free(readers);
	for (i = 0; i < vf.cap_parts; i++)
		free(vf.parts[i].zip);
	free(vf.parts);
	free(group_start);

	if (vf.res.sealed == 0) {
		note_not_checked("no seal: who captured it and when is not anchored; --trust and "
		                 "--tsa-trust had nothing to check");
		note_not_checked("WARC header fields (WARC-Date, WARC-Target-URI, WARC-IP-Address, "
		                 "...) are bound by no digest until a seal covers them");
	}
	if (vf.res.at)
		note_not_checked("--at: there is no seal or timestamp to evaluate at that time");

	if (vf.res.nfailures) {
		vf.res.verdict = "failed";
		exit_code = VF_EXIT_FAILED;
	} else {
		/* "verified" needs checked seals; this version checks none */
		vf.res.verdict = "intact";
		exit_code = VF_EXIT_INTACT;
	}
	if (report && vf_report_html(report, &vf.res) != 0)
		xerr("cannot write %s: %s", report, strerror(errno));
	if (vf.json)
		print_json();
	else
		print_human();
	if (fflush(stdout) != 0)
		xerr("cannot write the output: %s", strerror(errno));
	return vf.io_error ? VF_EXIT_ERROR : exit_code;
}
