/*
 * checks.c — custody-verify's checks as a library (verify.h): read every
 * record of every file given, check each, and say exactly what holds.
 *
 * Per record: the reader (strict) enforces zstd frames with checksums, one
 * record per frame, WARC framing and Content-Length, and that every byte of
 * the file belongs to a record (no skippable or dictionary frame, no CR/LF
 * between plain records); here: mandatory fields, fields that must be unique
 * appear once, unique record ids, the block and payload digests, a warcinfo
 * record first in every file naming that file (WARC-Filename) and the case
 * (Custody-Case-ID), every reference a record makes (WARC-Concurrent-To,
 * WARC-Refers-To, WARC-Warcinfo-ID, the capture record's request_record and
 * response_record, the findings' target) resolving to a record of the right
 * type, a revisit's original carrying the same payload digest, and every
 * finding's [start,end) and sha256 against the target's decoded payload.
 *
 * Bounded: one record in memory as the reader bounds it, JSON bodies parsed
 * one at a time under VF_MAX_JSON and freed at once, decoded payloads cached
 * by record (VF_CACHE_*) so a page is decoded once however many findings
 * records point at it, and all decoding and hashing for findings under
 * VF_WORK_FACTOR x input + VF_WORK_BASE. What grows with the case: the
 * record-id index (~100 bytes a record), references not yet resolved, and,
 * only when a report is asked for, the pages it will show.
 *
 * Must never: print, exit, trust a length or an offset it read, keep what it
 * does not need, or let a check that did not run look like one that passed.
 */
#include "verify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>


/* record types, as bits so a reference can name the types it accepts */
enum {
	T_OTHER = 1, T_WARCINFO = 2, T_REQUEST = 4, T_RESPONSE = 8, T_REVISIT = 16,
	T_METADATA = 32, T_RESOURCE = 64, T_CONVERSION = 128, T_CONTINUATION = 256
};
#define T_ANY_BUT_INFO (~T_WARCINFO)

/* Where each record lives: the value of the record-id index (an arc_map
 * keyed by WARC-Record-ID without angle brackets). */
typedef struct {
	uint32_t file;
	uint32_t type;
	uint64_t offset;
	long page;            /* index into res.pages or -1 */
	char *payload_digest; /* response/revisit/resource */
} loc_t;

/* A reference whose target had not been read yet. */
typedef struct {
	uint32_t file, allowed;
	uint64_t offset;
	char *from, *target, *field, *payload_digest;
} ref_t;

/* A screenshot kept for the report until its rendering metadata names it. */
typedef struct {
	char *id;              /* bare record id */
	unsigned char *png;    /* NULL when larger than VF_REPORT_PNG_MAX or past VF_REPORT_PNG_ALL */
	size_t len;
	uint64_t total;
	int block_ok;
} shot_t;

/* A findings record whose target had not been read yet: re-read at the end. */
typedef struct {
	uint32_t file;
	uint64_t offset;
} later_t;

typedef struct {
	char *id;
	unsigned char *data;
	size_t len;
	char *why;   /* decoding failed: why (data NULL) */
} cached_t;

/* One input file: a path, memory, or a STORED entry of a WACZ (zip). */
typedef struct {
	const void *mem;
	size_t mem_len;
	size_t group;
	char *zip;            /* the WACZ holding it (owned), or NULL */
	uint64_t zoff, zlen;  /* where its bytes are in the zip */
} input_t;

typedef struct {
	size_t first, end;     /* files [first, end) */
	int whole;             /* a case directory: missing targets are failures */
	char *dir;
} group_t;

struct vf_ctx {
	vf_opts_t o;
	vf_result_t res;
	input_t *in;
	size_t cap_files, cap_failures, cap_pages;
	group_t *groups;
	size_t ngroups, cap_groups;
	int last_was_file;

	arc_map_t *map;        /* record id -> loc_t, for the current group */
	ref_t *refs;
	size_t nrefs, cap_refs;
	later_t *later;
	size_t nlater, cap_later;
	cached_t cache[VF_CACHE_ENTRIES];
	warc_reader_t *side;   /* re-reads targets */
	size_t side_file;
	char *group_case;      /* case id of the current group (first warcinfo) */
	size_t group_case_file;
	const char *outside_example_set;
	char outside_example[400];

	uint64_t input_bytes, work, eager;
	int work_exceeded, nomem, io_error;
	vf_hook_t hooks[4];
	size_t nhooks;
	shot_t *shots;         /* screenshots not yet claimed by a page (report only) */
	size_t nshots, cap_shots, shot_bytes;
};

/* ---------------------------------------------------------------- small helpers */

/* arc_vec_reserve (archive/'s one growable array), noting a failure. */
static void *grow(vf_ctx_t *c, void *arr, size_t *cap, size_t need, size_t size)
{
	void *v = arr;

	if (arc_vec_reserve(&v, cap, need, size, 0) != 0) {
		c->nomem = 1;
		return NULL;
	}
	return v;
}

static char *dup(vf_ctx_t *c, const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		c->nomem = 1;
	return d;
}

int vf_warc_date(const char *d, int64_t *out)
{
	char d14[15], t[SEAL_TIME_LEN];

	if (!d || arc_date14(d, d14) != ARC_OK)
		return ARC_EFORMAT;
	/* "YYYY-MM-DDThh:mm:ss" then "Z": the calendar checked by the seal's parser */
	snprintf(t, sizeof t, "%.19sZ", d);
	return seal_time_parse(t, strlen(t), out);
}

/* Code points a terminal or a text renderer acts on instead of showing:
 * C1 controls and the Unicode bidirectional controls (issue 19, class 13). */
int vf_is_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

char *vf_printable(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char *d, *w;
	size_t i = 0;

	if (!s)
		n = 0;
	if (n > (SIZE_MAX - 1) / 4 || !(d = malloc(n * 4 + 1)))
		return NULL;
	w = d;
	while (i < n) {
		unsigned char b = p[i];
		size_t k, len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
		uint32_t cp = len == 2 ? b & 0x1F : len == 3 ? b & 0x0F : b & 0x07;

		if (len > 1) {
			if (i + len > n)
				len = 0;
			for (k = 1; k < len; k++) {
				if ((p[i + k] & 0xC0) != 0x80) {
					len = 0;
					break;
				}
				cp = cp << 6 | (p[i + k] & 0x3F);
			}
			/* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
			if ((len == 2 && cp < 0x80) || (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000))) ||
			    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
				len = 0;
		}
		if (len > 1 && vf_is_control(cp)) {
			/* C1 controls (U+009B is CSI on an 8-bit terminal) and the bidirectional
			 * controls that reorder what a reader sees: shown as \u{XXXX} */
			static const char hx[] = "0123456789ABCDEF";

			*w++ = '\\';
			*w++ = 'u';
			*w++ = '{';
			*w++ = hx[(cp >> 12) & 15];
			*w++ = hx[(cp >> 8) & 15];
			*w++ = hx[(cp >> 4) & 15];
			*w++ = hx[cp & 15];
			*w++ = '}';
			i += len;
			continue;
		}
		if (len == 0 || (len == 1 && (b < 0x20 || b == 0x7F))) {
			static const char hx[] = "0123456789ABCDEF";

			*w++ = '\\';
			*w++ = 'x';
			*w++ = hx[b >> 4];
			*w++ = hx[b & 15];
			i++;
			continue;
		}
		memcpy(w, p + i, len);
		w += len;
		i += len;
	}
	*w = '\0';
	return d;
}

static char *pdup(vf_ctx_t *c, const char *s)
{
	char *d = vf_printable(s ? s : "", s ? strlen(s) : 0);

	if (!d)
		c->nomem = 1;
	return d;
}

/* A record id as it is kept and shown: at most VF_MAX_ID_SHOWN bytes, then
 * "..." (issue 19, class 14: a 200 KB id copied into every failure and page
 * made a 1.3 MB file take 1.1 GiB and print 1.2 GB). */
static char *pdup_id(vf_ctx_t *c, const char *id)
{
	char cut[VF_MAX_ID_SHOWN + 4];
	size_t n = id ? strlen(id) : 0;

	if (n <= VF_MAX_ID_SHOWN)
		return pdup(c, id ? id : "");
	memcpy(cut, id, VF_MAX_ID_SHOWN);
	memcpy(cut + VF_MAX_ID_SHOWN, "...", 4);
	return pdup(c, cut);
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

static const char *sfield(const warc_rec_t *rec, const char *name)
{
	const char *v = warc_rec_get(rec, name);
	return v ? v : "";
}

/* "<urn:uuid:x>" and "urn:uuid:x" name the same record; NULL stays NULL. */
static char *bare_id(vf_ctx_t *c, const char *id)
{
	size_t n;
	char *s;

	if (!id)
		return NULL;
	if (*id == '<')
		id++;
	s = dup(c, id);
	if (!s)
		return NULL;
	n = strlen(s);
	if (n && s[n - 1] == '>')
		s[n - 1] = '\0';
	return s;
}

static uint32_t type_bit(const char *t)
{
	static const struct { const char *name; uint32_t bit; } tab[] = {
		{ "warcinfo", T_WARCINFO }, { "request", T_REQUEST }, { "response", T_RESPONSE },
		{ "revisit", T_REVISIT }, { "metadata", T_METADATA }, { "resource", T_RESOURCE },
		{ "conversion", T_CONVERSION }, { "continuation", T_CONTINUATION },
	};
	size_t i;

	for (i = 0; t && i < sizeof tab / sizeof *tab; i++)
		if (!strcmp(t, tab[i].name))
			return tab[i].bit;
	return T_OTHER;
}

static const char *type_name(uint32_t bit)
{
	switch (bit) {
	case T_WARCINFO: return "warcinfo";
	case T_REQUEST: return "request";
	case T_RESPONSE: return "response";
	case T_REVISIT: return "revisit";
	case T_METADATA: return "metadata";
	case T_RESOURCE: return "resource";
	case T_CONVERSION: return "conversion";
	case T_CONTINUATION: return "continuation";
	default: return "untyped";
	}
}

/* "a response or revisit" */
static void types_text(uint32_t mask, char *out, size_t outsz)
{
	static const uint32_t bits[] = { T_REQUEST, T_RESPONSE, T_REVISIT, T_RESOURCE, T_METADATA,
	                                 T_WARCINFO };
	size_t i, n = 0, o = 0;

	if (mask == (uint32_t)T_ANY_BUT_INFO) {
		snprintf(out, outsz, "a record other than warcinfo");
		return;
	}
	out[0] = '\0';
	for (i = 0; i < sizeof bits / sizeof *bits; i++) {
		if (!(mask & bits[i]))
			continue;
		o += (size_t)snprintf(out + o, o < outsz ? outsz - o : 0, "%s%s", n ? " or " : "a ",
		                      type_name(bits[i]));
		if (o >= outsz)
			return;
		n++;
	}
}

/* ---------------------------------------------------------------- failures */

static void fail_v(vf_ctx_t *c, size_t fidx, uint64_t off, const char *record, const char *check,
                   const char *fmt, va_list ap)
{
	vf_failure_t *x;
	char msg[1400];

	c->res.failures_total++;
	if (fidx < c->res.nfiles)
		c->res.files[fidx].failed++;
	if (c->res.nfailures >= VF_MAX_FAILURES)
		return;
	x = grow(c, c->res.failures, &c->cap_failures, c->res.nfailures + 1, sizeof *x);
	if (!x)
		return;
	c->res.failures = (vf_failure_t *)x;
	x = &c->res.failures[c->res.nfailures++];
	vsnprintf(msg, sizeof msg, fmt, ap);
	x->file = pdup(c, fidx < c->res.nfiles ? c->res.files[fidx].path : "");
	x->offset = off;
	x->record = pdup_id(c, record);
	x->check = pdup(c, check);
	x->message = pdup(c, msg);
}

void vf_fail(vf_ctx_t *c, size_t fidx, uint64_t off, const char *record, const char *check,
             const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_v(c, fidx, off, record, check, fmt, ap);
	va_end(ap);
}

/* The library's messages start "FILE: offset N, record ID: "; the output
 * prints those parts in their own columns, so drop them. */
static void fail_err(vf_ctx_t *c, size_t fidx, const arc_error_t *e, const char *check)
{
	const char *m = e->msg, *p;
	char pre[700];
	size_t n;

	if (e->record_id[0])
		snprintf(pre, sizeof pre, "%s: offset %llu, record %s: ", e->file,
		         (unsigned long long)e->offset, e->record_id);
	else
		snprintf(pre, sizeof pre, "%s: offset %llu: ", e->file, (unsigned long long)e->offset);
	n = strlen(pre);
	if (!strncmp(m, pre, n))
		m += n;
	n = strlen(check);
	if (!strncmp(m, check, n) && m[n] == ':' && m[n + 1] == ' ')
		m += n + 2;
	p = m;
	vf_fail(c, fidx, e->offset, e->record_id, check, "%s", p);
}

void vf_not_checked(vf_ctx_t *c, const char *fmt, ...)
{
	char msg[700];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (i = 0; i < c->res.nnot_checked; i++)
		if (!strcmp(c->res.not_checked[i], msg))
			return;
	if (c->res.nnot_checked < VF_MAX_NOT_CHECKED && (c->res.not_checked[c->res.nnot_checked] = pdup(c, msg)))
		c->res.nnot_checked++;
}

void vf_pass(vf_ctx_t *c, size_t fidx)
{
	if (fidx < c->res.nfiles)
		c->res.files[fidx].passed++;
}

vf_anchors_t *vf_anchors(vf_ctx_t *c)
{
	return &c->res.anchors;
}

/* ---------------------------------------------------------------- record-id index */

static loc_t *map_get(vf_ctx_t *c, const char *id)
{
	return c->map && id ? arc_map_get(c->map, id) : NULL;
}

static void loc_free(void *v)
{
	loc_t *l = v;

	if (l)
		free(l->payload_digest);
	free(l);
}

static void map_clear(vf_ctx_t *c)
{
	arc_map_free(c->map, loc_free);
	c->map = NULL;
}

/* Insert id; NULL if already there (*dup_of set) or out of memory. */
static loc_t *map_put(vf_ctx_t *c, const char *id, loc_t **dup_of)
{
	loc_t *l;
	void *old = NULL;
	int rc;

	*dup_of = NULL;
	if (!c->map && !(c->map = arc_map_new(0))) {
		c->nomem = 1;
		return NULL;
	}
	if (!(l = calloc(1, sizeof *l))) {
		c->nomem = 1;
		return NULL;
	}
	l->page = -1;
	rc = arc_map_put(c->map, id, l, &old);
	if (rc == 0)
		return l;
	free(l);
	if (rc == 1)
		*dup_of = old;
	else
		c->nomem = 1;
	return NULL;
}

/* ---------------------------------------------------------------- references */

/* Check that target (bare id) names a record of an allowed type; when it is
 * not read yet, keep it for the end of the group. */
static void check_ref(vf_ctx_t *c, size_t fidx, uint64_t off, const char *from, const char *field,
                      const char *target, uint32_t allowed, const char *payload_digest)
{
	loc_t *loc = map_get(c, target);
	char want[120];
	ref_t *r;

	if (!loc) {
		r = grow(c, c->refs, &c->cap_refs, c->nrefs + 1, sizeof *r);
		if (!r)
			return;
		c->refs = r;
		r = &c->refs[c->nrefs++];
		r->file = (uint32_t)fidx;
		r->offset = off;
		r->allowed = allowed;
		r->from = dup(c, from);
		r->target = dup(c, target);
		r->field = dup(c, field);
		r->payload_digest = payload_digest ? dup(c, payload_digest) : NULL;
		return;
	}
	c->res.references_checked++;
	if (!(loc->type & allowed)) {
		types_text(allowed, want, sizeof want);
		vf_fail(c, fidx, off, from, "references",
		        "%s <%.100s> is a %s record (in %s at offset %llu); expected %s", field, target,
		        type_name(loc->type), c->res.files[loc->file].name,
		        (unsigned long long)loc->offset, want);
		return;
	}
	if (payload_digest && loc->payload_digest && strcasecmp(payload_digest, loc->payload_digest)) {
		vf_fail(c, fidx, off, from, "references",
		        "WARC-Payload-Digest %.80s differs from the referred record's %.80s",
		        payload_digest, loc->payload_digest);
		return;
	}
	if (fidx < c->res.nfiles)
		c->res.files[fidx].passed++;
}

static void ref_missing(vf_ctx_t *c, const group_t *g, size_t fidx, uint64_t off, const char *from,
                        const char *field, const char *target)
{
	if (g->whole && !strcmp(field, "WARC-Concurrent-To") && fidx < c->res.nfiles &&
	    c->res.files[fidx].records && off == c->res.files[fidx].last) {
		/* a request that ends its file, its response never written: the
		 * crawl was stopped between the two (kill -9, power cut). A rotated
		 * file ends with a seal, so only a stop leaves a request there; what
		 * it holds is what was sent. Said, not failed. */
		char *bid = bare_id(c, from);
		loc_t *l = bid ? map_get(c, bid) : NULL;
		free(bid);
		if (l && l->type == T_REQUEST) {
			vf_not_checked(c, "a capture cut short: the request at the end of %s (offset %llu) has "
			                  "no response, the crawl was stopped between the two; the request "
			                  "is what was sent", c->res.files[fidx].name, (unsigned long long)off);
			return;
		}
	}
	if (g->whole) {
		vf_fail(c, fidx, off, from, "references",
		        "%s <%.100s>: expected a record of the case, found none (not in the case)",
		        field, target);
		return;
	}
	c->res.outside++;
	if (!c->outside_example[0])
		snprintf(c->outside_example, sizeof c->outside_example,
		         "e.g. %.60s of %.60s in %.100s names <%.60s>", field, from,
		         c->res.files[fidx].name, target);
}

/* ---------------------------------------------------------------- decoded payloads */

static void cache_drop(cached_t *e)
{
	free(e->id);
	free(e->data);
	free(e->why);
	memset(e, 0, sizeof *e);
}

static void cache_clear(vf_ctx_t *c)
{
	size_t i;

	for (i = 0; i < VF_CACHE_ENTRIES; i++)
		cache_drop(&c->cache[i]);
}

static int work(vf_ctx_t *c, uint64_t n)
{
	uint64_t cap = c->o.max_work ? c->o.max_work : VF_WORK_BASE + VF_WORK_FACTOR * c->input_bytes;

	if (c->work_exceeded)
		return -1;
	c->work += n;
	if (c->work > cap) {
		c->work_exceeded = 1;
		return -1;
	}
	return 0;
}

/* A reader over input fidx: memory, a byte range of a WACZ, or the file. */
static warc_reader_t *open_input(vf_ctx_t *c, size_t fidx, const warc_reader_opts_t *ro, arc_error_t *e)
{
	const input_t *in = &c->in[fidx];
	if (in->mem)
		return warc_reader_open_mem(in->mem, in->mem_len, c->res.files[fidx].path, ro, e);
	if (in->zip)
		return warc_reader_open_range(in->zip, in->zoff, in->zlen, c->res.files[fidx].path, ro, e);
	return warc_reader_open(c->res.files[fidx].path, ro, e);
}

/* Read the record at (file, offset) with the side reader. */
static int reread(vf_ctx_t *c, size_t fidx, uint64_t off, warc_rec_t *rec, arc_error_t *e)
{
	warc_reader_opts_t ro = { .max_record = c->o.max_record, .strict = 1 };

	if (!c->side || c->side_file != fidx) {
		warc_reader_free(c->side);
		c->side = open_input(c, fidx, &ro, e);
		c->side_file = fidx;
		if (!c->side)
			return -1;
	}
	if (warc_reader_seek(c->side, off, e) != 0 || warc_reader_next(c->side, rec, e) != 1)
		return -1;
	return 0;
}

/* Put fresh (its data or its why) first in the cache, under a copy of id,
 * dropping the oldest entries until the byte budget holds. */
static void cache_put(vf_ctx_t *c, const char *id, const cached_t *fresh)
{
	size_t i, total;

	cache_drop(&c->cache[VF_CACHE_ENTRIES - 1]);
	memmove(&c->cache[1], &c->cache[0], (VF_CACHE_ENTRIES - 1) * sizeof *c->cache);
	c->cache[0] = *fresh;
	c->cache[0].id = dup(c, id);
	for (total = fresh->len, i = 1; i < VF_CACHE_ENTRIES; i++) {
		total += c->cache[i].len;
		if (total > VF_CACHE_BYTES)
			cache_drop(&c->cache[i]);
	}
}

/* A response read in the main pass: its findings record usually follows, so
 * decode its payload now, while the record is in memory, instead of reading
 * and decompressing it again. Only text-like payloads (what the crawler scans),
 * only while the eager budget (VF_EAGER_BASE + VF_WORK_FACTOR x input) allows a
 * whole VF_MAX_DECODED, and only a success is cached: whatever goes wrong here
 * is found again, and reported, by the findings check's own decoding. */
static void decode_eagerly(vf_ctx_t *c, const char *id, const warc_rec_t *rec)
{
	static const char *const binary[] = { "image/", "audio/", "video/", "font/",
	                                      "application/octet-stream", "application/zip",
	                                      "application/pdf", "application/gzip" };
	size_t hl = http_header_end(rec->block, (size_t)rec->block_len), i;
	char ct[128] = "";
	cached_t fresh;
	int partial;

	if (!hl || c->eager + VF_MAX_DECODED > VF_EAGER_BASE + VF_WORK_FACTOR * c->input_bytes)
		return;
	http_header_get(rec->block, hl, "Content-Type", ct, sizeof ct);
	for (i = 0; i < sizeof binary / sizeof *binary; i++)
		if (!strncasecmp(ct, binary[i], strlen(binary[i])))
			return;
	memset(&fresh, 0, sizeof fresh);
	if (http_decoded_payload(rec->block, (size_t)rec->block_len, VF_MAX_DECODED, &fresh.data,
	                         &fresh.len, &partial, NULL) != 0 || !fresh.data) {
		free(fresh.data);
		return;
	}
	c->eager += fresh.len;
	cache_put(c, id, &fresh);
}

/* The decoded payload of the record loc names (transfer and content coding
 * removed, exactly as the crawler computed it: http_decoded_payload), from
 * the cache or decoded once and cached. NULL with *why on failure. */
static const cached_t *payload_of(vf_ctx_t *c, const char *id, const loc_t *loc, char *why,
                                  size_t whysz)
{
	cached_t fresh;
	warc_rec_t rec;
	arc_error_t err;
	size_t i;
	int partial;

	for (i = 0; i < VF_CACHE_ENTRIES; i++) {
		if (c->cache[i].id && !strcmp(c->cache[i].id, id)) {
			cached_t hit = c->cache[i];

			memmove(&c->cache[1], &c->cache[0], i * sizeof *c->cache);
			c->cache[0] = hit;
			if (!hit.data)
				snprintf(why, whysz, "%s", hit.why ? hit.why : "cannot decode the target");
			return hit.data ? &c->cache[0] : NULL;
		}
	}
	memset(&fresh, 0, sizeof fresh);
	if (reread(c, loc->file, loc->offset, &rec, &err) != 0) {
		snprintf(why, whysz, "cannot re-read the target: %s", err.msg);
		return NULL;
	}
	if (work(c, rec.block_len) != 0) {
		snprintf(why, whysz, "work limit reached");
		return NULL;
	}
	if (loc->type == T_RESOURCE) {
		/* a resource's payload is its block, stored as is */
		size_t n = rec.block_len > VF_MAX_DECODED ? VF_MAX_DECODED : (size_t)rec.block_len;

		if ((fresh.data = malloc(n ? n : 1)))
			memcpy(fresh.data, rec.block, n);
		fresh.len = n;
	} else if (http_decoded_payload(rec.block, (size_t)rec.block_len, VF_MAX_DECODED, &fresh.data,
	                                &fresh.len, &partial, &err) != 0) {
		free(fresh.data);
		fresh.data = NULL;
		snprintf(why, whysz, "the target's payload cannot be decoded: %s", err.msg);
		fresh.why = dup(c, why);
	} else if (work(c, fresh.len) != 0) {
		free(fresh.data);
		snprintf(why, whysz, "work limit reached");
		return NULL;
	}
	if (rec.block_len > ((uint64_t)8 << 20)) {
		/* do not keep a second copy of a large record beside the main reader's */
		warc_reader_free(c->side);
		c->side = NULL;
	}
	if (!fresh.data && !fresh.why) {
		c->nomem = 1;
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	cache_put(c, id, &fresh);
	if (!fresh.data)
		return NULL;
	return &c->cache[0];
}

/* ---------------------------------------------------------------- JSON bodies */

static json_t *load_json(vf_ctx_t *c, size_t fidx, const warc_rec_t *rec, const char *rid,
                         const char *check)
{
	json_error_t je;
	json_t *body;

	if (rec->block_len > VF_MAX_JSON) {
		vf_fail(c, fidx, rec->offset, rid, check,
		        "the %llu-byte JSON body exceeds the verifier's limit of %zu bytes (VF_MAX_JSON); "
		        "not checked", (unsigned long long)rec->block_len, VF_MAX_JSON);
		return NULL;
	}
	body = json_loadb((const char *)rec->block, (size_t)rec->block_len, JSON_REJECT_DUPLICATES, &je);
	if (!body || !json_is_object(body)) {
		vf_fail(c, fidx, rec->offset, rid, check, "the body is not a JSON object: %s",
		        body ? "wrong type" : je.text);
		json_decref(body);
		return NULL;
	}
	return body;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static vf_page_t *page_of(vf_ctx_t *c, const loc_t *loc)
{
	return loc && loc->page >= 0 && (size_t)loc->page < c->res.npages ? &c->res.pages[loc->page]
	                                                                    : NULL;
}

/* Findings: every [start,end) inside the target's decoded payload and its
 * sha256 equal to those bytes. The body is parsed, checked and freed here.
 * Returns 1 when the target has not been read (yet): the caller decides. */
static int check_findings(vf_ctx_t *c, size_t fidx, const warc_rec_t *rec, const char *rid,
                           const char *refers)
{
	json_t *body, *list, *item;
	char *target = NULL, *btarget = NULL, why[700];
	const cached_t *pl;
	loc_t *loc;
	vf_page_t *pg;
	uint64_t budget;
	size_t i, bad = 0;
	int deferred = 0;

	if (c->work_exceeded)
		return 0; /* named once, with "this and later findings are not checked" */
	if (!(body = load_json(c, fidx, rec, rid, "findings")))
		return 0;
	target = bare_id(c, refers);
	btarget = bare_id(c, jstr(body, "target"));
	list = json_object_get(body, "findings");
	if (!target) {
		vf_fail(c, fidx, rec->offset, rid, "findings", "no WARC-Refers-To field");
		goto out;
	}
	if (!btarget || strcmp(target, btarget) != 0) {
		vf_fail(c, fidx, rec->offset, rid, "findings",
		        "the body's \"target\" (%.100s) differs from WARC-Refers-To (%.100s)",
		        btarget ? btarget : "absent", target);
		goto out;
	}
	if (!json_is_array(list)) {
		vf_fail(c, fidx, rec->offset, rid, "findings", "no \"findings\" array");
		goto out;
	}
	if (json_array_size(list) > VF_MAX_FINDINGS) {
		vf_fail(c, fidx, rec->offset, rid, "findings",
		        "%zu findings exceed the verifier's limit of %u (VF_MAX_FINDINGS); not checked",
		        json_array_size(list), VF_MAX_FINDINGS);
		goto out;
	}
	if (!(loc = map_get(c, target))) {
		deferred = 1; /* the caller decides: later in the group, or outside */
		goto out;
	}
	if (!(loc->type & (T_RESPONSE | T_REVISIT | T_RESOURCE))) {
		vf_fail(c, fidx, rec->offset, rid, "references",
		        "the findings' target <%.100s> is a %s record; expected a response, revisit or "
		        "resource", target, type_name(loc->type));
		goto out;
	}
	c->res.references_checked++;
	if (json_array_size(list) == 0) {
		/* nothing to re-check: a page the detector could not read says so
		 * ("scanned") and claims no fragment of the payload */
		c->res.files[fidx].passed++;
		goto out;
	}
	pg = page_of(c, loc);
	if (!(pl = payload_of(c, target, loc, why, sizeof why))) {
		if (pg) {
			pg->has_findings = 1;
			pg->findings_ok = -1;
		}
		if (c->work_exceeded)
			goto work_limit;
		vf_fail(c, fidx, rec->offset, rid, "findings", "%s", why);
		goto out;
	}
	if (pg) {
		json_t *verdict = json_object_get(body, "verdict");

		pg->has_findings = 1;
		pg->doxing = json_is_true(json_object_get(verdict, "doxing"));
		pg->score = json_number_value(json_object_get(verdict, "score"));
		pg->findings_total += json_array_size(list);
		json_t *om = json_object_get(body, "findings_omitted");
		if (json_is_integer(om) && json_integer_value(om) > 0)
			pg->findings_omitted += (uint64_t)json_integer_value(om);
	}
	/* overlapping ranges could make a small findings body hash gigabytes */
	budget = 8 * (uint64_t)pl->len + ((uint64_t)64 << 20);
	json_array_foreach(list, i, item) {
		json_t *js = json_object_get(item, "start"), *je = json_object_get(item, "end");
		const char *want = jstr(item, "sha256"), *type = jstr(item, "type");
		char got[ARC_DIGEST_LEN] = "";
		json_int_t s = json_is_integer(js) ? json_integer_value(js) : -1;
		json_int_t en = json_is_integer(je) ? json_integer_value(je) : -1;
		int ok = 0;

		c->res.findings_checked++;
		if (!type)
			type = "?";
		if (!json_is_object(item) || s < 0 || en < 0) {
			vf_fail(c, fidx, rec->offset, rid, "findings",
			        "finding %zu: no non-negative integer start and end", i);
		} else if (en < s || (uint64_t)en > pl->len) {
			vf_fail(c, fidx, rec->offset, rid, "findings",
			        "finding %zu (%.40s): expected [%lld,%lld) inside the target's %zu-byte "
			        "decoded payload, found it outside", i, type, (long long)s, (long long)en,
			        pl->len);
		} else if ((uint64_t)(en - s) > budget || work(c, (uint64_t)(en - s)) != 0) {
			if (c->work_exceeded)
				goto work_limit;
			vf_fail(c, fidx, rec->offset, rid, "findings",
			        "finding %zu: the ranges add up to more than 8 times the payload; the rest "
			        "are not checked", i);
			bad++;
			break;
		} else {
			budget -= (uint64_t)(en - s);
			arc_sha256_hex(pl->data + s, (size_t)(en - s), got);
			if (!want || strcasecmp(got, want) != 0)
				vf_fail(c, fidx, rec->offset, rid, "findings",
				        "finding %zu (%.40s) [%lld,%lld): expected %.80s (the finding's sha256), "
				        "found that those payload bytes hash to %s", i, type, (long long)s,
				        (long long)en, want ? want : "a sha256", got);
			else
				ok = 1;
		}
		if (!ok)
			bad++;
		if (pg && pg->nfindings < VF_REPORT_FINDINGS) {
			/* exact-size growth: bounded by VF_REPORT_FINDINGS */
			vf_finding_t *fd = realloc(pg->findings, (pg->nfindings + 1) * sizeof *fd);
			const char *ctx = jstr(item, "context");
			size_t cl = ctx ? strlen(ctx) : 0;

			if (!fd) {
				c->nomem = 1;
				continue;
			}
			pg->findings = fd;
			fd = &pg->findings[pg->nfindings++];
			if (cl > VF_REPORT_CONTEXT)
				cl = VF_REPORT_CONTEXT;
			fd->type = pdup(c, type);
			fd->value = pdup(c, jstr(item, "value"));
			fd->text = pdup(c, jstr(item, "text"));
			fd->context = vf_printable(ctx ? ctx : "", cl);
			fd->sha256 = pdup(c, want ? want : "");
			fd->disguise = jstr(item, "disguise") ? pdup(c, jstr(item, "disguise")) : NULL;
			fd->start = s > 0 ? (uint64_t)s : 0;
			fd->end = en > 0 ? (uint64_t)en : 0;
			fd->ok = ok ? 1 : -1;
		}
	}
	if (!bad)
		c->res.files[fidx].passed++;
	if (pg)
		pg->findings_ok = pg->findings_ok < 0 || bad ? -1 : 1;
	goto out;
work_limit:
	vf_fail(c, fidx, rec->offset, rid, "work limit",
	        "the findings records ask for more decoding and hashing than %u times the input "
	        "plus %llu MiB (VF_WORK_FACTOR, VF_WORK_BASE); this and later findings are not "
	        "checked", VF_WORK_FACTOR, (unsigned long long)(VF_WORK_BASE >> 20));
out:
	free(target);
	free(btarget);
	json_decref(body);
	return deferred;
}

/* The capture record: request_record and response_record name records of the
 * right type, response_record agrees with WARC-Concurrent-To; TLS facts go to
 * the page for the report. */
static void check_capture(vf_ctx_t *c, size_t fidx, const warc_rec_t *rec, const char *rid,
                          const char *concurrent)
{
	json_t *body = load_json(c, fidx, rec, rid, "references"), *tls;
	char *req = NULL, *resp = NULL, *conc = NULL;
	vf_page_t *pg;

	if (!body)
		return;
	req = bare_id(c, jstr(body, "request_record"));
	resp = bare_id(c, jstr(body, "response_record"));
	conc = bare_id(c, concurrent);
	if (resp && conc && strcmp(resp, conc) != 0)
		vf_fail(c, fidx, rec->offset, rid, "references",
		        "response_record <%.100s> differs from WARC-Concurrent-To <%.100s>", resp, conc);
	if (req)
		check_ref(c, fidx, rec->offset, rid, "the capture's request_record", req, T_REQUEST, NULL);
	if (resp)
		check_ref(c, fidx, rec->offset, rid, "the capture's response_record", resp,
		          T_RESPONSE | T_REVISIT, NULL);
	if (resp && (pg = page_of(c, map_get(c, resp))) && !pg->has_capture) {
		pg->has_capture = 1;
		tls = json_object_get(body, "tls");
		pg->tls = json_is_object(tls);
		pg->tls_verified = -1;
		if (pg->tls) {
			json_t *v = json_object_get(tls, "verified");

			pg->tls_subject = pdup(c, jstr(tls, "peer_subject"));
			pg->tls_issuer = pdup(c, jstr(tls, "peer_issuer"));
			pg->tls_version = pdup(c, jstr(tls, "version"));
			pg->tls_verified = json_is_boolean(v) ? json_is_true(v) : -1;
		}
	}
	free(req);
	free(resp);
	free(conc);
	json_decref(body);
}

/* ---------------------------------------------------------------- browser capture */

/* For the report: a screenshot resource (urn:custody:screenshot:) is kept
 * until its rendering metadata names it; a rendered DOM resource
 * (urn:custody:dom:) becomes a page of its own, so its findings are shown
 * like a response's. */
static void collect_rendered(vf_ctx_t *c, const vf_file_t *f, const warc_rec_t *rec, const char *rid,
                             const char *bid, loc_t *loc, int block_ok)
{
	const char *uri = sfield(rec, "WARC-Target-URI");
	size_t ls = strlen(ARC_SCREENSHOT_URN), ld = strlen(ARC_DOM_URN);

	if (!strncmp(uri, ARC_SCREENSHOT_URN, ls) && bid) {
		shot_t *sh = grow(c, c->shots, &c->cap_shots, c->nshots + 1, sizeof *sh);

		if (!sh)
			return;
		c->shots = sh;
		sh = &c->shots[c->nshots];
		memset(sh, 0, sizeof *sh);
		if (!(sh->id = dup(c, bid)))
			return;
		sh->total = rec->block_len;
		sh->block_ok = block_ok;
		if (rec->block_len <= VF_REPORT_PNG_MAX &&
		    c->shot_bytes + (size_t)rec->block_len <= VF_REPORT_PNG_ALL &&
		    (sh->png = malloc((size_t)rec->block_len ? (size_t)rec->block_len : 1))) {
			memcpy(sh->png, rec->block, (size_t)rec->block_len);
			sh->len = (size_t)rec->block_len;
			c->shot_bytes += sh->len;
		}
		c->nshots++;
	} else if (!strncmp(uri, ARC_DOM_URN, ld)) {
		vf_page_t *p = grow(c, c->res.pages, &c->cap_pages, c->res.npages + 1, sizeof *p);

		if (!p)
			return;
		c->res.pages = p;
		if (loc)
			loc->page = (long)c->res.npages;
		p = &c->res.pages[c->res.npages++];
		memset(p, 0, sizeof *p);
		p->rendered = 1;
		p->file = pdup(c, f->name);
		p->offset = rec->offset;
		p->seq = c->res.records;
		p->record_id = pdup_id(c, rid);
		p->url = pdup(c, uri + ld);
		p->date = pdup(c, sfield(rec, "WARC-Date"));
		p->block_digest = pdup(c, sfield(rec, "WARC-Block-Digest"));
		p->payload_digest = pdup(c, sfield(rec, "WARC-Payload-Digest"));
		p->block_ok = block_ok;
		p->tls_verified = -1;
	}
}

/* The rendering metadata (application/vnd.custody.rendered+json): the
 * records it names exist and are of the right type; for the report, what it
 * says goes to the DOM's page with the screenshot. */
static void check_rendered(vf_ctx_t *c, size_t fidx, const warc_rec_t *rec, const char *rid)
{
	static const struct { const char *key; uint32_t allowed; } refs[] = {
		{ "screenshot", T_RESOURCE }, { "dom", T_RESOURCE }, { "pdf", T_RESOURCE },
		{ "main_response", T_RESPONSE | T_REVISIT },
	};
	json_t *body = load_json(c, fidx, rec, rid, "references");
	char *dom = NULL, *shot = NULL;
	char field[64];
	vf_page_t *pg;
	size_t i;

	if (!body)
		return;
	for (i = 0; i < sizeof refs / sizeof *refs; i++) {
		char *t = bare_id(c, jstr(body, refs[i].key));

		if (t) {
			snprintf(field, sizeof field, "the rendering's %s", refs[i].key);
			check_ref(c, fidx, rec->offset, rid, field, t, refs[i].allowed, NULL);
		}
		free(t);
	}
	dom = bare_id(c, jstr(body, "dom"));
	shot = bare_id(c, jstr(body, "screenshot"));
	if (c->o.collect_pages && dom && (pg = page_of(c, map_get(c, dom))) && pg->rendered &&
	    !pg->has_rendering) {
		json_t *settled = json_object_get(body, "settled");

		pg->has_rendering = 1;
		pg->browser = pdup(c, jstr(body, "browser"));
		pg->render_note = pdup(c, jstr(body, "note"));
		pg->settled = json_is_true(settled) ? 1 : json_is_false(settled) ? 0 : -1;
		for (i = c->nshots; shot && i-- > 0;) {
			shot_t *sh = &c->shots[i];

			if (!sh->id || strcmp(sh->id, shot))
				continue;
			pg->png = sh->png;
			pg->png_len = sh->len;
			pg->png_total = sh->total;
			pg->png_ok = sh->block_ok;
			pg->png_record = pdup(c, jstr(body, "screenshot"));
			sh->png = NULL; /* the page owns it now */
			c->shot_bytes -= sh->len;
			free(sh->id);
			*sh = c->shots[--c->nshots];
			break;
		}
	}
	free(dom);
	free(shot);
	json_decref(body);
}

/* ---------------------------------------------------------------- one record */

/* Fields WARC 1.1 allows once per record (WARC-Concurrent-To and
 * WARC-Protocol may repeat), and custody's own. */
static const char *const unique_fields[] = {
	"WARC-Record-ID", "Content-Length", "WARC-Date", "WARC-Type", "Content-Type",
	"WARC-Block-Digest", "WARC-Payload-Digest", "WARC-Target-URI", "WARC-Refers-To",
	"WARC-Refers-To-Target-URI", "WARC-Refers-To-Date", "WARC-IP-Address", "WARC-Truncated",
	"WARC-Warcinfo-ID", "WARC-Filename", "WARC-Profile", "WARC-Identified-Payload-Type",
	"WARC-Segment-Number", "WARC-Segment-Origin-ID", "WARC-Segment-Total-Length",
	"WARC-Cipher-Suite", "Custody-Case-ID",
};

static void check_unique(vf_ctx_t *c, size_t fidx, const warc_rec_t *rec, const char *rid)
{
	size_t i, j, k, bad = 0;

	for (k = 0; k < sizeof unique_fields / sizeof *unique_fields; k++) {
		size_t n = 0;

		for (i = 0; i < rec->nfields; i++)
			n += !strcasecmp(rec->fields[i].name, unique_fields[k]);
		if (n > 1) {
			char vals[400];
			size_t o = 0;

			for (i = 0, j = 0; i < rec->nfields && o < sizeof vals; i++)
				if (!strcasecmp(rec->fields[i].name, unique_fields[k]))
					o += (size_t)snprintf(vals + o, sizeof vals - o, "%s\"%.80s\"",
					                      j++ ? ", " : "", rec->fields[i].value);
			vf_fail(c, fidx, rec->offset, rid, "unique fields",
			        "expected one %s field, found %zu: %s", unique_fields[k], n, vals);
			bad++;
		}
	}
	if (!bad)
		c->res.files[fidx].passed++;
}

/* The file's name is the one its warcinfo gives, up to the compression: an
 * export re-compresses "x.warc.zst" as "x.warc.gz" with the same records. */
static int same_capture_name(const char *fname, const char *base)
{
	static const char *const ext[] = {".warc.zst", ".warc.gz", ".warc"};
	size_t fl = strlen(fname), bl = strlen(base), i, j;

	if (!strcmp(fname, base))
		return 1;
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			size_t a = strlen(ext[i]), b = strlen(ext[j]);
			if (fl > a && bl > b && !strcmp(fname + fl - a, ext[i]) && !strcmp(base + bl - b, ext[j]) &&
			    fl - a == bl - b && !strncmp(fname, base, fl - a))
				return 1;
		}
	return 0;
}

static void check_warcinfo(vf_ctx_t *c, size_t fidx, const warc_rec_t *rec, const char *rid,
                           int first)
{
	vf_file_t *f = &c->res.files[fidx];
	const char *fname = warc_rec_get(rec, "WARC-Filename");
	/* an exhibit (custody export) names the case it was cut from instead */
	const char *cid = warc_rec_get(rec, "Custody-Case-ID") ? warc_rec_get(rec, "Custody-Case-ID")
	                                                       : warc_rec_get(rec, "Custody-Exhibit-Of");
	const char *base = base_name(f->path);
	char shortname[9] = "";
	unsigned long num;

	if (!first)
		vf_fail(c, fidx, rec->offset, rid, "case identity",
		        "a second warcinfo record inside the file (two files joined into one?): expected "
		        "one warcinfo, at the start");
	if (!fname)
		vf_not_checked(c, "file names: a warcinfo record has no WARC-Filename");
	else if (c->in[fidx].mem == NULL && !same_capture_name(fname, base))
		vf_fail(c, fidx, rec->offset, rid, "case identity",
		        "expected WARC-Filename %.200s (the file's name), found %.200s (renamed or "
		        "renumbered file?)", base, fname);
	else
		f->passed++;
	if (!cid) {
		if (c->group_case && *c->group_case)
			vf_fail(c, fidx, rec->offset, rid, "case identity",
			        "expected Custody-Case-ID %.100s (as in %s), found none", c->group_case,
			        c->res.files[c->group_case_file].name);
		else
			vf_not_checked(c, "case identity: no Custody-Case-ID in the warcinfo records (a case "
			                  "written before case ids); the files' names alone say they belong "
			                  "together");
		if (!c->group_case) {
			c->group_case = dup(c, "");
			c->group_case_file = fidx;
		}
		return;
	}
	if (!c->group_case) {
		c->group_case = dup(c, cid);
		c->group_case_file = fidx;
		if (!c->res.case_id || !*c->res.case_id) {
			free(c->res.case_id);
			c->res.case_id = pdup(c, cid);
		}
	} else if (strcmp(c->group_case, cid) != 0) {
		vf_fail(c, fidx, rec->offset, rid, "case identity",
		        "expected Custody-Case-ID %.100s (as in %s), found %.100s: files of two cases",
		        *c->group_case ? c->group_case : "(none)", c->res.files[c->group_case_file].name, cid);
		return;
	}
	/* the short id in the file name is the case uuid's first 8 hex digits */
	if (arc_case_name_parse(base, &num, shortname) != 0)
		shortname[0] = '\0';
	if (*shortname && c->in[fidx].mem == NULL &&
	    (strncasecmp(cid, "urn:uuid:", 9) != 0 || strncasecmp(cid + 9, shortname, strlen(shortname))))
		vf_fail(c, fidx, rec->offset, rid, "case identity",
		        "the file name says case %s, its warcinfo says %.100s", shortname, cid);
	else
		f->passed++;
}

/* The report's view of the first warcinfo: "name: value" lines, each kept
 * printable and bounded; never checked, only shown. */
static void collect_info(vf_ctx_t *c, const warc_rec_t *rec)
{
	const char *b = (const char *)rec->block, *end;
	arc_buf_t extra = { 0 };

	if (!b || rec->block_len > ((uint64_t)1 << 20))
		return;
	end = b + (size_t)rec->block_len;
	c->res.info_software = pdup(c, "");
	while (b < end) {
		const char *nl = memchr(b, '\n', (size_t)(end - b)), *le = nl ? nl : end;
		const char *colon = memchr(b, ':', (size_t)(le - b));
		size_t vl;

		if (le > b && le[-1] == '\r')
			le--;
		if (colon && colon > b && colon - b < 64) {
			const char *v = colon + 1;
			char **slot = NULL;

			while (v < le && *v == ' ')
				v++;
			vl = (size_t)(le - v) > 4096 ? 4096 : (size_t)(le - v);
			if (!strncmp(b, "software:", 9)) slot = &c->res.info_software;
			else if (!strncmp(b, "hostname:", 9)) slot = &c->res.info_host;
			else if (!strncmp(b, "operator:", 9)) slot = &c->res.info_operator;
			else if (!strncmp(b, "command-line:", 13)) slot = &c->res.info_command;
			else if (!strncmp(b, "note:", 5)) slot = &c->res.info_note;
			if (slot) {
				free(*slot);
				*slot = vf_printable(v, vl);
			} else if (extra.len < 16384) {
				char *p = vf_printable(b, (size_t)(v - b) + vl);

				if (p && (arc_buf_append(&extra, p, strlen(p)) || arc_buf_append(&extra, "\n", 1)))
					c->nomem = 1;
				free(p);
			}
		}
		b = nl ? nl + 1 : end;
	}
	if (extra.len && !arc_buf_append(&extra, "", 1))
		c->res.info_extra = (char *)extra.data;
	else
		arc_buf_free(&extra);
}

static void check_record(vf_ctx_t *c, const group_t *g, size_t fidx, const warc_rec_t *rec,
                         int first)
{
	vf_file_t *f = &c->res.files[fidx];
	const char *type = warc_rec_get(rec, "WARC-Type");
	const char *ct = warc_rec_get(rec, "Content-Type");
	const char *id = warc_rec_get(rec, "WARC-Record-ID");
	const char *rid = id ? id : "";
	const char *refers = warc_rec_get(rec, "WARC-Refers-To");
	const char *pd = warc_rec_get(rec, "WARC-Payload-Digest");
	static const char *const mandatory[] = { "WARC-Record-ID", "WARC-Type", "WARC-Date" };
	uint32_t tb = type_bit(type);
	char *bid = bare_id(c, id), *bref = bare_id(c, refers);
	loc_t *loc = NULL, *dup_of = NULL;
	arc_error_t e;
	int block_ok = 0, payload_ok = 0, rc;
	size_t i;

	(void)g;
	f->passed++; /* framing, Content-Length and zstd frame: the reader enforced them */
	for (i = 0; i < sizeof mandatory / sizeof *mandatory; i++)
		if (!warc_rec_get(rec, mandatory[i]))
			vf_fail(c, fidx, rec->offset, rid, "mandatory fields", "expected a %s field, found none",
			        mandatory[i]);
	check_unique(c, fidx, rec, rid);
	if (strlen(rid) > VF_MAX_RECORD_ID)
		vf_fail(c, fidx, rec->offset, rid, "record id", "expected a record id of at most %d bytes "
		        "(VF_MAX_RECORD_ID; custody writes 47), found %zu bytes", VF_MAX_RECORD_ID, strlen(rid));
	{
		const char *wd = warc_rec_get(rec, "WARC-Date");
		int64_t when;

		if (wd && vf_warc_date(wd, &when) != ARC_OK)
			vf_fail(c, fidx, rec->offset, rid, "WARC-Date",
			        "expected a W3C-DTF time in UTC (YYYY-MM-DDThh:mm:ss[.fraction]Z, a real "
			        "calendar date), found \"%.60s\"", wd);
		else if (wd)
			f->passed++;
	}
	if (first && tb != T_WARCINFO)
		vf_fail(c, fidx, rec->offset, rid, "warcinfo first",
		        "expected a warcinfo record at the start of the file, found %.20s",
		        type ? type : "an untyped record");
	if (tb == T_WARCINFO)
		check_warcinfo(c, fidx, rec, rid, first);
	if (tb == T_WARCINFO && c->o.collect_pages && !c->res.info_software)
		collect_info(c, rec);

	if (bid) {
		loc = map_put(c, bid, &dup_of);
		if (dup_of) {
			vf_fail(c, fidx, rec->offset, rid, "record id",
			        "duplicate WARC-Record-ID: expected a new id, found one already used in %s at "
			        "offset %llu",
			        c->res.files[dup_of->file].name, (unsigned long long)dup_of->offset);
		} else if (loc) {
			loc->file = (uint32_t)fidx;
			loc->offset = rec->offset;
			loc->type = tb;
			if (pd && (tb & (T_RESPONSE | T_REVISIT | T_RESOURCE)))
				loc->payload_digest = dup(c, pd);
			f->passed++;
		}
	}

	rc = warc_check_block(rec, f->path, &e);
	if (rc == 0) {
		block_ok = 1;
		f->passed++;
	} else if (rc == 1) {
		block_ok = -1;
		vf_fail(c, fidx, rec->offset, rid, "block digest",
		        "expected a WARC-Block-Digest field, found none");
	} else {
		block_ok = -1;
		fail_err(c, fidx, &e, "block digest");
	}
	rc = warc_check_payload(rec, f->path, &e);
	if (rc == 0) {
		payload_ok = 1;
		f->passed++;
	} else if (rc < 0) {
		payload_ok = -1;
		fail_err(c, fidx, &e, "payload digest");
	}

	if (tb == T_RESPONSE && loc && bid)
		decode_eagerly(c, bid, rec);
	if (c->o.collect_pages && (tb & (T_RESPONSE | T_REVISIT))) {
		vf_page_t *p = grow(c, c->res.pages, &c->cap_pages, c->res.npages + 1, sizeof *p);
		size_t hl = http_header_end(rec->block, (size_t)rec->block_len);
		char proto[200] = "";

		if (p) {
			c->res.pages = p;
			if (loc)
				loc->page = (long)c->res.npages;
			p = &c->res.pages[c->res.npages++];
			memset(p, 0, sizeof *p);
			for (i = 0; i < rec->nfields; i++)
				if (!strcasecmp(rec->fields[i].name, "WARC-Protocol"))
					snprintf(proto + strlen(proto), sizeof proto - strlen(proto), "%s%.60s",
					         *proto ? ", " : "", rec->fields[i].value);
			p->file = pdup(c, f->name);
			p->offset = rec->offset;
			p->seq = c->res.records;
			p->record_id = pdup_id(c, rid);
			p->url = pdup(c, sfield(rec, "WARC-Target-URI"));
			p->date = pdup(c, sfield(rec, "WARC-Date"));
			p->ip = pdup(c, sfield(rec, "WARC-IP-Address"));
			p->protocol = pdup(c, proto);
			p->status = hl ? http_status(rec->block, hl) : 0;
			p->block_digest = pdup(c, sfield(rec, "WARC-Block-Digest"));
			p->payload_digest = pdup(c, sfield(rec, "WARC-Payload-Digest"));
			p->block_ok = block_ok;
			p->payload_ok = payload_ok;
			p->revisit = tb == T_REVISIT;
			p->tls_verified = -1;
			{
				char mime[200];

				p->mime = pdup(c, hl && http_header_get(rec->block, hl, "Content-Type", mime,
				                                        sizeof mime) ? mime : "");
			}
		}
	}

	if (c->o.collect_pages && tb == T_RESOURCE)
		collect_rendered(c, f, rec, rid, bid, loc, block_ok);

	/* references */
	for (i = 0; i < rec->nfields; i++) {
		char *t;
		uint32_t allowed;

		if (strcasecmp(rec->fields[i].name, "WARC-Concurrent-To"))
			continue;
		t = bare_id(c, rec->fields[i].value);
		allowed = (tb & (T_REQUEST | T_METADATA)) ? (uint32_t)(T_RESPONSE | T_REVISIT)
		                                          : (uint32_t)T_ANY_BUT_INFO;
		if (tb == T_METADATA && !arc_ct_is(ct, ARC_CT_CAPTURE))
			allowed = T_ANY_BUT_INFO;
		if (t && bid && !strcmp(t, bid))
			vf_fail(c, fidx, rec->offset, rid, "references",
			        "WARC-Concurrent-To names the record itself");
		else if (t)
			check_ref(c, fidx, rec->offset, rid, "WARC-Concurrent-To", t, allowed, NULL);
		free(t);
	}
	if (warc_rec_get(rec, "WARC-Warcinfo-ID")) {
		char *t = bare_id(c, warc_rec_get(rec, "WARC-Warcinfo-ID"));

		if (t)
			check_ref(c, fidx, rec->offset, rid, "WARC-Warcinfo-ID", t, T_WARCINFO, NULL);
		free(t);
	}
	if (tb == T_REVISIT) {
		if (!bref)
			vf_fail(c, fidx, rec->offset, rid, "references",
			        "a revisit must name its original: expected WARC-Refers-To, found none");
		else if (bid && !strcmp(bref, bid))
			vf_fail(c, fidx, rec->offset, rid, "references",
			        "the revisit's WARC-Refers-To names the record itself");
		else
			check_ref(c, fidx, rec->offset, rid, "WARC-Refers-To", bref,
			          T_RESPONSE | T_REVISIT | T_RESOURCE, pd);
	} else if (tb == T_METADATA && arc_ct_is(ct, ARC_CT_FINDINGS)) {
		if (bref && bid && !strcmp(bref, bid)) {
			vf_fail(c, fidx, rec->offset, rid, "references",
			        "the findings' WARC-Refers-To names the record itself");
		} else {
			if (check_findings(c, fidx, rec, rid, refers) == 1) {
				later_t *l = grow(c, c->later, &c->cap_later, c->nlater + 1, sizeof *l);

				if (l) {
					c->later = l;
					c->later[c->nlater].file = (uint32_t)fidx;
					c->later[c->nlater++].offset = rec->offset;
				}
			}
		}
	} else if (bref) {
		if (bid && !strcmp(bref, bid))
			vf_fail(c, fidx, rec->offset, rid, "references",
			        "WARC-Refers-To names the record itself");
		else
			check_ref(c, fidx, rec->offset, rid, "WARC-Refers-To", bref, T_ANY_BUT_INFO, NULL);
	}
	if (tb == T_METADATA && arc_ct_is(ct, ARC_CT_CAPTURE))
		check_capture(c, fidx, rec, rid, warc_rec_get(rec, "WARC-Concurrent-To"));
	if (tb == T_METADATA && arc_ct_is(ct, ARC_CT_RENDERED))
		check_rendered(c, fidx, rec, rid);
	if (tb == T_METADATA && arc_ct_is(ct, ARC_CT_SEAL) && c->nhooks == 0) {
		c->res.anchors.seals++;
		vf_not_checked(c, "seal records are present but this custody-verify was built without "
		                  "the seal checker (Merkle root, signature, timestamp)");
	}
	free(bid);
	free(bref);
	for (i = 0; i < c->nhooks; i++)
		if (c->hooks[i].record)
			c->hooks[i].record(c->hooks[i].state, c, fidx, rec);
}

/* ---------------------------------------------------------------- one file */

/* Offset of the next zstd frame magic at or after from, or -1. */
static long long next_magic(vf_ctx_t *c, size_t fidx, uint64_t from)
{
	static const unsigned char m[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	unsigned char buf[65536];
	uint64_t pos = from;
	FILE *fp;
	size_t n, i;

	if (c->in[fidx].mem) {
		const unsigned char *d = c->in[fidx].mem;

		for (i = (size_t)from; from < c->in[fidx].mem_len && i + 4 <= c->in[fidx].mem_len; i++)
			if (!memcmp(d + i, m, 4))
				return (long long)i;
		return -1;
	}
	if (!(fp = fopen(c->res.files[fidx].path, "rb")) || fseeko(fp, (off_t)from, SEEK_SET) != 0) {
		if (fp)
			fclose(fp);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof buf, fp)) >= 4) {
		for (i = 0; i + 4 <= n; i++)
			if (!memcmp(buf + i, m, 4)) {
				fclose(fp);
				return (long long)(pos + i);
			}
		pos += n - 3;
		if (fseeko(fp, (off_t)pos, SEEK_SET) != 0)
			break;
	}
	fclose(fp);
	return -1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

static void check_file(vf_ctx_t *c, const group_t *g, size_t fidx)
{
	vf_file_t *f = &c->res.files[fidx];
	warc_reader_opts_t ro = { .max_record = c->o.max_record, .strict = 1 };
	warc_reader_t *r;
	warc_rec_t rec;
	arc_error_t e;
	int rc = 0, resyncs = 0, zstd;
	size_t h;

	r = open_input(c, fidx, &ro, &e);
	if (!r) {
		if (e.code == ARC_EIO)
			c->io_error = 1;
		fail_err(c, fidx, &e, e.code == ARC_EIO ? "read" : "warc framing");
		return;
	}
	zstd = warc_reader_is_zstd(r);
	if (!zstd && ends_with(f->path, ".zst"))
		vf_fail(c, fidx, 0, "", "zstd frame",
		        "the file is named .zst but holds no zstd frames (a plain WARC renamed?): its "
		        "bytes are not covered by zstd checksums");
	for (;;) {
		long long next;
		uint64_t bad;

		while ((rc = warc_reader_next(r, &rec, &e)) == 1) {
			c->input_bytes += rec.header_len + rec.block_len;
			f->bytes += rec.length;
			check_record(c, g, fidx, &rec, f->records == 0 && resyncs == 0);
			f->last = rec.offset;
			f->records++;
			c->res.records++;
			if (c->o.progress && (f->records & 1023) == 0)
				c->o.progress(c->o.progress_arg, f->name, f->records);
		}
		if (rc == 0)
			break;
		if (e.code == ARC_EIO || e.code == ARC_ENOMEM) {
			c->io_error |= e.code == ARC_EIO;
			c->nomem |= e.code == ARC_ENOMEM;
			fail_err(c, fidx, &e, "read");
			break;
		}
		fail_err(c, fidx, &e, e.code == ARC_EZSTD ? "zstd frame" : "warc framing");
		for (h = 0; h < c->nhooks; h++)
			if (c->hooks[h].gap)
				c->hooks[h].gap(c->hooks[h].state, c, fidx, e.offset);
		/* plain WARC has no frame boundary to find again */
		if (!zstd || ++resyncs > VF_MAX_RESYNC)
			break;
		bad = e.offset;
		next = next_magic(c, fidx, bad + 1);
		if (next < 0 || warc_reader_seek(r, (uint64_t)next, &e) != 0)
			break;
		if (c->res.nfailures) {
			vf_failure_t *x = &c->res.failures[c->res.nfailures - 1];
			char more[1700];

			snprintf(more, sizeof more, "%s (%llu bytes skipped; reading resumed at the next "
			         "frame, offset %lld)", x->message ? x->message : "",
			         (unsigned long long)((uint64_t)next - bad), next);
			free(x->message);
			x->message = dup(c, more);
		}
	}
	if (f->records == 0 && rc == 0)
		vf_fail(c, fidx, 0, "", "warcinfo first", "expected a warcinfo record, found an empty file");
	warc_reader_free(r);
}

/* ---------------------------------------------------------------- groups */

/* References to records read after the referring one: check those whose
 * target has been read by now (after every file, so the list holds only
 * references that cross a file's end); at the group's end (final) the rest
 * name nothing. */
static void resolve_refs(vf_ctx_t *c, const group_t *g, int final)
{
	size_t i, keep = 0;

	for (i = 0; i < c->nrefs; i++) {
		ref_t *r = &c->refs[i];

		if (!map_get(c, r->target) && !final) {
			c->refs[keep++] = *r;
			continue;
		}
		if (!map_get(c, r->target))
			ref_missing(c, g, r->file, r->offset, r->from, r->field, r->target);
		else
			check_ref(c, r->file, r->offset, r->from, r->field, r->target, r->allowed,
			          r->payload_digest);
		free(r->from);
		free(r->target);
		free(r->field);
		free(r->payload_digest);
	}
	c->nrefs = keep;
}

static void end_group(vf_ctx_t *c, const group_t *g)
{
	size_t i, h;

	resolve_refs(c, g, 1);
	/* findings records read before their target: read them again */
	for (i = 0; i < c->nlater; i++) {
		warc_rec_t rec;
		arc_error_t e;
		const char *refers, *rid;
		char *t, *ridc;

		if (reread(c, c->later[i].file, c->later[i].offset, &rec, &e) != 0)
			continue; /* reported when it was first read */
		/* rec is the side reader's: re-reading the target overwrites it */
		refers = warc_rec_get(&rec, "WARC-Refers-To");
		rid = sfield(&rec, "WARC-Record-ID");
		t = bare_id(c, refers);
		ridc = dup(c, rid);
		if (t && ridc && check_findings(c, c->later[i].file, &rec, ridc, refers) == 1)
			ref_missing(c, g, c->later[i].file, c->later[i].offset, ridc, "the findings' target", t);
		free(t);
		free(ridc);
	}
	c->nlater = 0;
	for (h = 0; h < c->nhooks; h++)
		if (c->hooks[h].group_end)
			c->hooks[h].group_end(c->hooks[h].state, c);
	map_clear(c);
	cache_clear(c);
	warc_reader_free(c->side);
	c->side = NULL;
	free(c->group_case);
	c->group_case = NULL;
}

/* ---------------------------------------------------------------- inputs */

static int add_input(vf_ctx_t *c, const char *path, const void *mem, size_t len, int new_group,
                     int whole)
{
	vf_file_t *f = grow(c, c->res.files, &c->cap_files, c->res.nfiles + 1, sizeof *f);
	input_t *in;
	group_t *g;

	if (!f)
		return ARC_ENOMEM;
	c->res.files = f;
	in = realloc(c->in, c->cap_files * sizeof *in); /* same capacity as res.files */
	if (!in) {
		c->nomem = 1;
		return ARC_ENOMEM;
	}
	c->in = in;
	if (new_group || c->ngroups == 0) {
		g = grow(c, c->groups, &c->cap_groups, c->ngroups + 1, sizeof *g);
		if (!g)
			return ARC_ENOMEM;
		c->groups = g;
		g = &c->groups[c->ngroups++];
		memset(g, 0, sizeof *g);
		g->first = c->res.nfiles;
		g->whole = whole;
	}
	g = &c->groups[c->ngroups - 1];
	f = &c->res.files[c->res.nfiles];
	memset(f, 0, sizeof *f);
	f->path = dup(c, path);
	f->name = pdup(c, path);
	memset(&c->in[c->res.nfiles], 0, sizeof c->in[c->res.nfiles]);
	c->in[c->res.nfiles].mem = mem;
	c->in[c->res.nfiles].mem_len = len;
	c->in[c->res.nfiles].group = c->ngroups - 1;
	c->res.nfiles++;
	g->end = c->res.nfiles;
	return c->nomem ? ARC_ENOMEM : 0;
}

int vf_add_file(vf_ctx_t *c, const char *path)
{
	int rc = add_input(c, path, NULL, 0, !c->last_was_file, 0);

	c->last_was_file = 1;
	return rc;
}

#define VF_WACZ_MAX_DATAPACKAGE (16u << 20) /* bytes of datapackage.json read */

/* The "sha256:<hex>" of a STORED entry's bytes, streamed; 0 or -1 (unreadable). */
static int zip_entry_sha256(const char *path, const arc_zip_entry_t *e, char out[ARC_DIGEST_LEN])
{
	unsigned char buf[65536];
	uint64_t left = e->size;
	arc_sha256_t *h = arc_sha256_new();
	FILE *f = fopen(path, "rb");
	int rc = 0;

	if (!h || !f || e->offset > (uint64_t)INT64_MAX || fseeko(f, (off_t)e->offset, SEEK_SET) != 0)
		rc = -1;
	while (!rc && left) {
		size_t want = left < sizeof buf ? (size_t)left : sizeof buf, got = fread(buf, 1, want, f);
		if (got != want)
			rc = -1;
		arc_sha256_update(h, buf, got);
		left -= got;
	}
	if (!rc)
		arc_sha256_final(h, out);
	if (f)
		fclose(f);
	arc_sha256_free(h);
	return rc;
}

/* A STORED entry read whole (at most VF_WACZ_MAX_DATAPACKAGE bytes); malloc'd, NUL-ended. */
static char *zip_entry_read(const char *path, const arc_zip_entry_t *e)
{
	FILE *f;
	char *b;

	if (e->method != 0 || e->size > VF_WACZ_MAX_DATAPACKAGE || !(b = malloc((size_t)e->size + 1)))
		return NULL;
	f = fopen(path, "rb");
	if (!f || fseeko(f, (off_t)e->offset, SEEK_SET) != 0 || fread(b, 1, (size_t)e->size, f) != e->size) {
		if (f)
			fclose(f);
		free(b);
		return NULL;
	}
	fclose(f);
	b[e->size] = '\0';
	return b;
}

static const arc_zip_entry_t *zip_find(const arc_zip_entry_t *e, size_t n, const char *name)
{
	size_t i;

	for (i = 0; name && i < n; i++)
		if (!strcmp(e[i].name, name))
			return &e[i];
	return NULL;
}

/* datapackage-digest.json names the SHA-256 of datapackage.json; datapackage.json
 * names every other entry with its SHA-256 and size: each checked against the
 * bytes (issue 19, class 5). Failures go to fidx (the WACZ's first WARC input).
 * Returns 1 if both hold. Entries are few (a WACZ has a handful besides
 * archive/), so the lookups scan. */
static int check_datapackage(vf_ctx_t *c, size_t fidx, const char *path, const arc_zip_entry_t *e,
                             size_t n)
{
	const arc_zip_entry_t *dp = zip_find(e, n, "datapackage.json");
	const arc_zip_entry_t *dd = zip_find(e, n, "datapackage-digest.json");
	char *dpb = NULL, *ddb = NULL, sha[ARC_DIGEST_LEN];
	json_t *dpj = NULL, *ddj = NULL, *res;
	size_t i, listed = 0;
	int ok = 1;

#define DPFAIL(...) do { vf_fail(c, fidx, 0, "", "wacz datapackage", __VA_ARGS__); ok = 0; } while (0)
	if (!dp || !dd) {
		DPFAIL("expected datapackage.json and datapackage-digest.json, found %s missing",
		       !dp ? "datapackage.json" : "datapackage-digest.json");
		return 0;
	}
	dpb = zip_entry_read(path, dp);
	ddb = zip_entry_read(path, dd);
	dpj = dpb ? json_loads(dpb, JSON_REJECT_DUPLICATES, NULL) : NULL;
	ddj = ddb ? json_loads(ddb, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!dpj || !ddj) {
		DPFAIL("datapackage.json or datapackage-digest.json is not STORED JSON of at most %u bytes",
		       VF_WACZ_MAX_DATAPACKAGE);
		goto done;
	}
	arc_sha256_hex(dpb, (size_t)dp->size, sha);
	if (!json_is_string(json_object_get(ddj, "hash")) ||
	    strcmp(json_string_value(json_object_get(ddj, "hash")), sha) != 0)
		DPFAIL("datapackage-digest.json: expected the hash of datapackage.json, %s, found %.80s", sha,
		       json_is_string(json_object_get(ddj, "hash")) ? json_string_value(json_object_get(ddj, "hash"))
		                                                      : "none");
	res = json_object_get(dpj, "resources");
	if (!json_is_array(res)) {
		DPFAIL("datapackage.json has no \"resources\" list");
		goto done;
	}
	for (i = 0; i < json_array_size(res); i++) {
		json_t *r = json_array_get(res, i);
		const char *rp = json_string_value(json_object_get(r, "path"));
		const char *rh = json_string_value(json_object_get(r, "hash"));
		json_t *rb = json_object_get(r, "bytes");
		const arc_zip_entry_t *x = zip_find(e, n, rp);

		if (!x || !rh || !json_is_integer(rb)) {
			DPFAIL("datapackage.json resource %zu (%.200s): no such entry, or no hash and bytes", i,
			       rp ? rp : "no path");
			continue;
		}
		listed++;
		if (x->method != 0 || (uint64_t)json_integer_value(rb) != x->size ||
		    zip_entry_sha256(path, x, sha) != 0 || strcmp(sha, rh) != 0)
			DPFAIL("datapackage.json: %.200s: expected %.80s and %lld bytes, found %s and %llu bytes "
			       "(method %u)", rp, rh, (long long)json_integer_value(rb),
			       x->method ? "(not STORED)" : sha, (unsigned long long)x->size, x->method);
	}
	if (listed + 2 != n)
		DPFAIL("datapackage.json lists %zu of the %zu other entries of the WACZ", listed, n - 2);
done:
#undef DPFAIL
	json_decref(dpj);
	json_decref(ddj);
	free(dpb);
	free(ddb);
	return ok;
}

/* A WACZ: each archive/ WARC entry (.warc.gz or .warc) is one input, read in
 * place (entries must be STORED); the WACZ is a group of its own, and what
 * its records name outside it (an export of some pages) is "outside the
 * files given", not a failure. */
int vf_add_wacz(vf_ctx_t *c, const char *path, arc_error_t *err)
{
	arc_zip_entry_t *e = NULL;
	size_t n = 0, i, added = 0;
	char *name;
	int rc = 0, first = 1;

	char others[600] = "";
	size_t on = 0, nothers = 0, first_fidx = 0;

	if (arc_zip_list(path, &e, &n, err) != 0)
		return err ? err->code : ARC_EFORMAT;
	for (i = 0; i < n && !rc; i++) {
		size_t nl = strlen(e[i].name), fidx = c->res.nfiles;
		if (strncmp(e[i].name, "archive/", 8) || !(ends_with(e[i].name, ".warc.gz") ||
		                                           ends_with(e[i].name, ".warc"))) {
			if (!strcmp(e[i].name, "datapackage.json") || !strcmp(e[i].name, "datapackage-digest.json"))
				continue; /* check_datapackage: checked, or a failure */
			/* issue 19, class 5: what a reader of the WACZ also uses (the index a
			 * replay tool follows, the page list, the datapackage and its digest)
			 * is not checked here: name each part, never count it as verified */
			nothers++;
			if (on + 1 < sizeof others)
				on += (size_t)snprintf(others + on, sizeof others - on, "%s%.120s",
				                       on ? ", " : "", e[i].name);
			continue;
		}
		name = malloc(strlen(path) + 1 + nl + 1);
		if (!name) {
			rc = ARC_ENOMEM;
			break;
		}
		snprintf(name, strlen(path) + 1 + nl + 1, "%s#%s", path, e[i].name);
		if (first)
			first_fidx = fidx;
		rc = add_input(c, name, NULL, 0, first, 0);
		free(name);
		first = 0;
		if (rc)
			break;
		added++;
		if (e[i].method != 0) {
			vf_fail(c, fidx, 0, "", "wacz entry",
			        "%.300s is compressed in the zip (method %u): WACZ archives must be STORED, "
			        "so that every WARC byte is read as it was written", e[i].name, e[i].method);
			c->in[fidx].mem = ""; /* nothing to read in place */
			continue;
		}
		if (!(c->in[fidx].zip = dup(c, path))) {
			rc = ARC_ENOMEM;
			break;
		}
		c->in[fidx].zoff = e[i].offset;
		c->in[fidx].zlen = e[i].size;
	}
	if (!rc && added && check_datapackage(c, first_fidx, path, e, n)) {
		/* the datapackage and its digest hold: every entry's bytes are the ones it names */
		c->res.files[first_fidx].passed++;
		vf_not_checked(c, "WACZ %s: datapackage.json and datapackage-digest.json checked (every "
		               "entry's SHA-256 and size); the lines of index.cdxj and pages.jsonl are not "
		               "checked against the records they name", path);
	}
	free(e);
	c->last_was_file = 0;
	if (nothers) {
		c->res.wacz_unchecked += nothers;
		vf_not_checked(c, "WACZ %s: %zu part%s not checked: %s%s. Only the WARC records in its "
		               "archive/ are verified; a replay tool follows index.cdxj and shows "
		               "pages.jsonl, which may say anything: the verdict is about the records, "
		               "not about the WACZ as a whole", path, nothers, nothers == 1 ? "" : "s",
		               others, on + 1 >= sizeof others ? ", ..." : "");
	}
	if (!rc && !added)
		return arc_fail(err, ARC_EFORMAT, path, 0, NULL, "%s: no archive/*.warc.gz entries in this WACZ",
		                path);
	return rc;
}

int vf_add_mem(vf_ctx_t *c, const void *buf, size_t len, const char *name)
{
	int rc = add_input(c, name ? name : "(memory)", buf ? buf : "", len, !c->last_was_file, 0);

	c->last_was_file = 1;
	return rc;
}

/* A case folder: every capture file in numeric order (archive/'s one listing,
 * arc_case_files); a gap in the numbering means a file was removed, two short
 * ids (or one number twice) mean two cases. */
int vf_add_dir(vf_ctx_t *c, const char *dir, arc_error_t *err)
{
	arc_case_files_t l;
	size_t i, first = c->res.nfiles;
	int rc = 0;

	if ((rc = arc_case_files(dir, &l, err)) != 0)
		return rc;
	if (l.n == 0) {
		arc_case_files_free(&l);
		return arc_fail(err, ARC_EIO, dir, 0, NULL,
		                "%s: no capture-*.warc.zst files in this directory", dir);
	}
	for (i = 0; !rc && i < l.n; i++)
		rc = add_input(c, l.v[i].path, NULL, 0, i == 0, 1);
	if (!rc && l.mixed) {
		for (i = 1; i < l.n; i++)
			if (strcmp(l.v[i].short_id, l.v[0].short_id) != 0 || l.v[i].num == l.v[i - 1].num)
				break;
		if (i == l.n)
			i = l.n - 1;
		vf_fail(c, first + i, 0, "", "case identity",
		        "the folder holds the files of more than one case (%s and %s)", l.v[0].name,
		        l.v[i].name);
	} else if (!rc && l.gap_missing >= 0) {
		const char *id = l.v[l.gap_after >= 0 ? (size_t)l.gap_after : 0].short_id;
		size_t at = l.gap_after + 1 < (long)l.n ? (size_t)(l.gap_after + 1) : l.n - 1;

		vf_fail(c, first + at, 0, "", "file sequence",
		        "capture-%s%s%05ld.warc.zst is missing from the folder (expected before this file)",
		        id, *id ? "-" : "", l.gap_missing);
	}
	arc_case_files_free(&l);
	c->last_was_file = 0;
	if (!rc && c->ngroups)
		c->groups[c->ngroups - 1].dir = dup(c, dir);
	return rc;
}

/* ---------------------------------------------------------------- run */

vf_ctx_t *vf_new(const vf_opts_t *opts)
{
	vf_ctx_t *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	if (opts)
		c->o = *opts;
	c->res.at = c->o.at;
	c->res.verdict = "failed";
	return c;
}

int vf_add_hook(vf_ctx_t *c, const vf_hook_t *hook)
{
	if (c->nhooks == sizeof c->hooks / sizeof *c->hooks)
		return ARC_ELIMIT;
	c->hooks[c->nhooks++] = *hook;
	return 0;
}

int vf_run(vf_ctx_t *c)
{
	size_t g, i;

	for (g = 0; g < c->ngroups; g++) {
		for (i = 0; i < c->nhooks; i++)
			if (c->hooks[i].group_begin)
				c->hooks[i].group_begin(c->hooks[i].state, c);
		for (i = c->groups[g].first; i < c->groups[g].end; i++) {
			check_file(c, &c->groups[g], i);
			resolve_refs(c, &c->groups[g], 0);
		}
		end_group(c, &c->groups[g]);
	}
	if (c->res.outside)
		vf_not_checked(c, "target outside the files given: %llu reference%s name records in other "
		                  "files of the case (%s); not a failure of the evidence: verify the whole "
		                  "case folder to check them", (unsigned long long)c->res.outside,
		               c->res.outside == 1 ? "" : "s", c->outside_example);
	if (c->res.anchors.seals == 0) {
		vf_not_checked(c, "no seal: who captured it and when is not anchored; --trust and "
		                  "--tsa-trust had nothing to check");
		vf_not_checked(c, "WARC header fields (WARC-Date, WARC-Target-URI, WARC-IP-Address, ...) "
		                  "are bound by no digest until a seal covers them");
		if (c->res.at)
			vf_not_checked(c, "--at: there is no seal or timestamp to evaluate at that time");
	} else if (!c->res.anchors.anchored) {
		vf_not_checked(c, "identity and time: %llu of %llu seals verified, not every signer and "
		                  "timestamp chains to --trust and --tsa-trust", (unsigned long long)
		               c->res.anchors.seals_ok, (unsigned long long)c->res.anchors.seals);
	}
	if (c->res.anchors.seals && c->res.anchors.unsealed_tail) {
		vf_not_checked(c, "unsealed tail: the last %llu records come after the last seal",
		               (unsigned long long)c->res.anchors.unsealed_tail);
	}
	if (c->res.failures_total)
		c->res.verdict = "failed";
	else if (c->res.anchors.anchored && c->res.anchors.seals && !c->res.anchors.unsealed_tail)
		c->res.verdict = "verified";
	else
		c->res.verdict = "intact";
	if (c->nomem)
		return ARC_ENOMEM;
	return c->io_error ? ARC_EIO : 0;
}

const vf_result_t *vf_result(const vf_ctx_t *c)
{
	return &c->res;
}

void vf_free(vf_ctx_t *c)
{
	size_t i, j;

	if (!c)
		return;
	map_clear(c);
	cache_clear(c);
	warc_reader_free(c->side);
	for (i = 0; i < c->nrefs; i++) {
		free(c->refs[i].from);
		free(c->refs[i].target);
		free(c->refs[i].field);
		free(c->refs[i].payload_digest);
	}
	free(c->refs);
	free(c->later);
	free(c->group_case);
	for (i = 0; i < c->res.nfiles; i++) {
		free(c->res.files[i].path);
		free(c->res.files[i].name);
	}
	free(c->res.files);
	for (size_t k = 0; c->in && k < c->res.nfiles; k++)
		free(c->in[k].zip);
	free(c->in);
	for (i = 0; i < c->res.nfailures; i++) {
		vf_failure_t *x = &c->res.failures[i];
		free(x->file);
		free(x->record);
		free(x->check);
		free(x->message);
	}
	free(c->res.failures);
	for (i = 0; i < c->res.npages; i++) {
		vf_page_t *p = &c->res.pages[i];

		for (j = 0; j < p->nfindings; j++) {
			free(p->findings[j].type);
			free(p->findings[j].value);
			free(p->findings[j].text);
			free(p->findings[j].context);
			free(p->findings[j].sha256);
			free(p->findings[j].disguise);
		}
		free(p->findings);
		free(p->file);
		free(p->record_id);
		free(p->url);
		free(p->date);
		free(p->ip);
		free(p->protocol);
		free(p->block_digest);
		free(p->payload_digest);
		free(p->tls_subject);
		free(p->tls_issuer);
		free(p->tls_version);
		free(p->browser);
		free(p->render_note);
		free(p->png);
		free(p->png_record);
		free(p->mime);
	}
	free(c->res.pages);
	free(c->res.info_software);
	free(c->res.info_host);
	free(c->res.info_operator);
	free(c->res.info_command);
	free(c->res.info_note);
	free(c->res.info_extra);
	for (i = 0; i < c->nshots; i++) {
		free(c->shots[i].id);
		free(c->shots[i].png);
	}
	free(c->shots);
	for (i = 0; i < c->res.nnot_checked; i++)
		free(c->res.not_checked[i]);
	for (i = 0; i < c->ngroups; i++)
		free(c->groups[i].dir);
	free(c->groups);
	free(c->res.case_id);
	free(c);
}
