/*
 * writer.c — WARC/1.1 records, each compressed as one zstd frame.
 *
 * A record is the header block (WARC/1.1, named fields, blank line), the
 * block, and "\r\n\r\n"; all of it becomes exactly one zstd frame (the IIPC
 * "Zstandard Compression for WARC Files" layout without a dictionary), so a
 * record is addressable by (offset, length) and a stock `zstd -dc` yields the
 * plain WARC file. The frame header carries the content size (pledged up
 * front) and the frame ends with its XXH64 checksum.
 *
 * The header is written in a fixed order: WARC-Type, WARC-Record-ID,
 * WARC-Date, WARC-Target-URI, Content-Type, WARC-Block-Digest,
 * WARC-Payload-Digest, the caller's fields in order, Content-Length. Digests
 * not supplied by the caller (who normally computed them with a
 * warc_digester while the bytes arrived) are computed here in one pass over
 * the block before compression.
 *
 * WARC-Payload-Digest is written only for request, response, resource and
 * revisit records; never for warcinfo/metadata/conversion/continuation, whose
 * block has no separate payload (check-warc and warcio would compare it with
 * the block). Revisit records are digested like responses: custody writes
 * them "self-contained" (the whole HTTP response in the block, see
 * archive.h), so the payload digest both names the original's payload (WARC
 * 1.1 identical-payload-digest profile) and matches the record's own body.
 *
 * Must never: write a field value holding CR or LF (a hostile URL must not
 * inject header lines), write a Content-Length that differs from the block,
 * or leave a partial frame behind (on a sink error the sink is truncated
 * back to the frame's start).
 */
#include "archive_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zstd.h>

struct warc_writer {
	arc_sink_t *sink;
	ZSTD_CCtx *cctx;
	unsigned char *zout;   /* compressed output staging, zout_cap bytes */
	size_t zout_cap;
	arc_buf_t header;      /* the last record's header block (out->header views it) */
};

warc_writer_t *warc_writer_new(arc_sink_t *sink, const warc_writer_opts_t *opts)
{
	warc_writer_t *w;
	int level = (opts && opts->level) ? opts->level : 3;

	if (!sink || !sink->write || !sink->tell || !sink->truncate)
		return NULL;
	if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
		return NULL;
	w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->sink = sink;
	w->cctx = ZSTD_createCCtx();
	w->zout_cap = ZSTD_CStreamOutSize();
	w->zout = malloc(w->zout_cap);
	if (!w->cctx || !w->zout ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1))) {
		warc_writer_free(w);
		return NULL;
	}
	return w;
}

void warc_writer_free(warc_writer_t *w)
{
	if (!w)
		return;
	ZSTD_freeCCtx(w->cctx);
	free(w->zout);
	arc_buf_free(&w->header);
	free(w);
}

/* ---------------------------------------------------------------- header */

/* RFC 9110 token: what a field name (and a WARC-Type) may be made of. */
static int is_token(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s || !*s)
		return 0;
	for (; *p; p++) {
		if (*p <= 32 || *p >= 127 || strchr("()<>@,;:\\\"/[]?={}", *p))
			return 0;
	}
	return 1;
}

/* A field value: no CR, LF or other control bytes (TAB allowed), so no value
 * can end the line it is on. UTF-8 passes through (WARC 1.1 allows it). */
static int is_value(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return 0;
	for (; *p; p++) {
		if ((*p < 32 && *p != '\t') || *p == 127)
			return 0;
	}
	return 1;
}

/* Fields the writer owns: a caller's copy would contradict them. */
static int is_reserved(const char *name)
{
	static const char *const r[] = {
		"WARC-Type", "WARC-Record-ID", "WARC-Date", "WARC-Target-URI",
		"Content-Type", "WARC-Block-Digest", "WARC-Payload-Digest",
		"Content-Length",
	};
	size_t i;

	for (i = 0; i < sizeof r / sizeof r[0]; i++)
		if (!strcasecmp(name, r[i]))
			return 1;
	return 0;
}

static int put_field(arc_buf_t *out, const char *name, const char *value)
{
	if (!is_value(value))
		return ARC_EINVAL;
	if (arc_buf_append(out, name, strlen(name)) || arc_buf_append(out, ": ", 2) ||
	    arc_buf_append(out, value, strlen(value)) || arc_buf_append(out, "\r\n", 2))
		return ARC_ENOMEM;
	return ARC_OK;
}

/* out is reset first; on error it holds nothing useful. */
int warc_format_header(const warc_record_t *rec, const char *record_id,
                       const char *date, const char *block_digest,
                       const char *payload_digest, arc_buf_t *out)
{
	size_t i;
	int rc;

	if (!rec || !out || !is_token(rec->type) || !record_id || !*record_id ||
	    !date || !*date || !block_digest || !*block_digest ||
	    rec->nfields > WARC_MAX_FIELDS - 8 || (rec->nfields && !rec->fields))
		return ARC_EINVAL;
	out->len = 0;
	if (arc_buf_append(out, "WARC/1.1\r\n", 10))
		return ARC_ENOMEM;
	if ((rc = put_field(out, "WARC-Type", rec->type)) ||
	    (rc = put_field(out, "WARC-Record-ID", record_id)) ||
	    (rc = put_field(out, "WARC-Date", date)))
		return rc;
	if (rec->target_uri && (rc = put_field(out, "WARC-Target-URI", rec->target_uri)))
		return rc;
	if (rec->content_type && (rec->block_len > 0 || rec->block_rest_len > 0) &&
	    (rc = put_field(out, "Content-Type", rec->content_type)))
		return rc;
	if ((rc = put_field(out, "WARC-Block-Digest", block_digest)))
		return rc;
	if (payload_digest && *payload_digest &&
	    (rc = put_field(out, "WARC-Payload-Digest", payload_digest)))
		return rc;
	for (i = 0; i < rec->nfields; i++) {
		const warc_field_t *f = &rec->fields[i];
		if (!is_token(f->name) || is_reserved(f->name))
			return ARC_EINVAL;
		if ((rc = put_field(out, f->name, f->value)))
			return rc;
	}
	if (arc_buf_printf(out, "Content-Length: %llu\r\n\r\n",
	                   (unsigned long long)rec->block_len + (rec->block_rest ? rec->block_rest_len : 0)))
		return ARC_ENOMEM;
	if (out->len > WARC_MAX_HEADER)
		return ARC_ELIMIT;
	return ARC_OK;
}

/* ---------------------------------------------------------------- compression */

static int payload_applies(const char *type)
{
	return !strcmp(type, "request") || !strcmp(type, "response") ||
	       !strcmp(type, "resource") || !strcmp(type, "revisit");
}

static int is_http_block(const char *content_type)
{
	return content_type && !strncasecmp(content_type, "application/http", 16);
}

/* Write what the compressor produced so far. */
static int drain(warc_writer_t *w, ZSTD_outBuffer *ob)
{
	int rc = ARC_OK;

	if (ob->pos > 0)
		rc = w->sink->write(w->sink->ctx, ob->dst, ob->pos);
	ob->pos = 0;
	return rc;
}

static int compress_part(warc_writer_t *w, ZSTD_outBuffer *ob, const void *p,
                         size_t n, ZSTD_EndDirective mode, const char **zerr)
{
	ZSTD_inBuffer ib = { p, n, 0 };
	size_t left;
	int rc;

	do {
		left = ZSTD_compressStream2(w->cctx, ob, &ib, mode);
		if (ZSTD_isError(left)) {
			*zerr = ZSTD_getErrorName(left);
			return ARC_EZSTD;
		}
		/* keep the output buffer from filling; write in big pieces */
		if (ob->pos == ob->size || (mode == ZSTD_e_end && left == 0)) {
			if ((rc = drain(w, ob)) != ARC_OK)
				return rc;
		}
	} while (ib.pos < ib.size || (mode == ZSTD_e_end && left != 0));
	return ARC_OK;
}

/* The part of a block that waits in a file: read in pieces, never whole. A
 * file shorter than promised is an error (the frame would not match its
 * Content-Length). */
static int compress_file(warc_writer_t *w, ZSTD_outBuffer *ob, FILE *f, uint64_t n,
                         const char **zerr)
{
	unsigned char buf[64 * 1024];
	int rc = ARC_OK;

	while (n && rc == ARC_OK) {
		size_t want = n < sizeof buf ? (size_t)n : sizeof buf;
		size_t got = fread(buf, 1, want, f);
		if (got != want) {
			*zerr = ferror(f) ? "cannot read the spooled block" : "the spooled block is shorter than its length";
			return ARC_EIO;
		}
		rc = compress_part(w, ob, buf, got, ZSTD_e_continue, zerr);
		n -= got;
	}
	return rc;
}

static void copy_str(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Accept "urn:uuid:..." or "<urn:uuid:...>"; WARC 1.1 writes it in angle brackets. */
static int make_record_id(const char *given, char *out, size_t outsz)
{
	char u[ARC_UUID_LEN];
	size_t n;

	if (!given) {
		if (arc_uuid(u) != ARC_OK)
			return ARC_EIO;
		given = u;
	}
	n = strlen(given);
	if (n == 0 || !is_value(given) || strchr(given, ' '))
		return ARC_EINVAL;
	if (given[0] == '<') {
		if (given[n - 1] != '>' || n + 1 > outsz)
			return ARC_EINVAL;
		memcpy(out, given, n + 1);
		return ARC_OK;
	}
	if (n + 3 > outsz)
		return ARC_EINVAL;
	out[0] = '<';
	memcpy(out + 1, given, n);
	out[n + 1] = '>';
	out[n + 2] = '\0';
	return ARC_OK;
}

int warc_writer_write(warc_writer_t *w, const warc_record_t *rec,
                      warc_written_t *out, arc_error_t *err)
{
	char id[ARC_UUID_LEN + 8], date[ARC_DATE_LEN], d14[15];
	char bd[ARC_DIGEST_LEN] = "", pd[ARC_DIGEST_LEN] = "";
	const char *block_digest, *payload_digest = NULL;
	const char *zerr = NULL;
	ZSTD_outBuffer ob;
	uint64_t start, total, rest;
	int rc, want_payload, saved_errno;

	if (!w || !rec || !rec->type || (!rec->block && rec->block_len))
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "warc_writer_write: bad arguments");
	rest = rec->block_rest ? rec->block_rest_len : 0;
	if ((uint64_t)rec->block_len > WARC_MAX_RECORD || rest > WARC_MAX_RECORD - rec->block_len)
		return arc_fail(err, ARC_ELIMIT, "", 0, NULL,
		                "%s record of %llu bytes exceeds the %llu-byte record bound",
		                rec->type, (unsigned long long)rec->block_len + rest,
		                (unsigned long long)WARC_MAX_RECORD);
	if (rest && (!rec->block_digest || (payload_applies(rec->type) && !rec->payload_digest)))
		return arc_fail(err, ARC_EINVAL, "", 0, NULL,
		                "warc_writer_write: a block read from a file needs its digests");
	if (make_record_id(rec->record_id, id, sizeof id) != ARC_OK)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL,
		                "unusable WARC-Record-ID for %s record", rec->type);
	if (rec->date) {
		if (strlen(rec->date) >= sizeof date || arc_date14(rec->date, d14) != ARC_OK)
			return arc_fail(err, ARC_EINVAL, "", 0, id,
			                "unusable WARC-Date for record %s", id);
		copy_str(date, sizeof date, rec->date);
	} else if (arc_now(date) != ARC_OK) {
		return arc_fail(err, ARC_EIO, "", 0, id, "cannot read the clock");
	}

	/* Digests: the caller's, or one pass over the block here. */
	want_payload = payload_applies(rec->type);
	block_digest = rec->block_digest;
	if (want_payload)
		payload_digest = rec->payload_digest;
	if (!block_digest || (want_payload && !payload_digest)) {
		warc_digester_t *d = warc_digester_new(is_http_block(rec->content_type));
		if (!d)
			return arc_fail(err, ARC_ENOMEM, "", 0, id, "out of memory");
		rc = warc_digester_feed(d, rec->block, rec->block_len);
		if (rc == ARC_OK)
			rc = warc_digester_final(d, bd, pd);
		warc_digester_free(d);
		if (rc != ARC_OK || !bd[0])
			return arc_fail(err, rc ? rc : ARC_EIO, "", 0, id,
			                "cannot digest record %s", id);
		if (!block_digest)
			block_digest = bd;
		if (want_payload && !payload_digest)
			payload_digest = pd;
	}

	rc = warc_format_header(rec, id, date, block_digest, payload_digest, &w->header);
	if (rc == ARC_ELIMIT)
		return arc_fail(err, rc, "", 0, id,
		                "WARC header of record %s is %zu bytes, over the %u-byte bound",
		                id, w->header.len, WARC_MAX_HEADER);
	if (rc == ARC_EINVAL)
		return arc_fail(err, rc, "", 0, id,
		                "record %s (%s%s%s): a field name or value is unusable "
		                "(CR, LF or control byte in a value, bad or reserved name)",
		                id, rec->type, rec->target_uri ? " " : "",
		                rec->target_uri && is_value(rec->target_uri) ? rec->target_uri : "");
	if (rc != ARC_OK)
		return arc_fail(err, rc, "", 0, id, "cannot format the header of record %s", id);

	/* One frame: pledge its size so the frame header carries it. */
	total = (uint64_t)w->header.len + rec->block_len + rest + 4;
	ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
	if (ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(w->cctx, total)))
		return arc_fail(err, ARC_EZSTD, "", 0, id, "zstd refused the frame size");
	start = w->sink->tell(w->sink->ctx);
	ob.dst = w->zout;
	ob.size = w->zout_cap;
	ob.pos = 0;
	rc = compress_part(w, &ob, w->header.data, w->header.len, ZSTD_e_continue, &zerr);
	if (rc == ARC_OK)
		rc = compress_part(w, &ob, rec->block, rec->block_len, ZSTD_e_continue, &zerr);
	if (rc == ARC_OK && rest)
		rc = compress_file(w, &ob, rec->block_rest, rest, &zerr);
	if (rc == ARC_OK)
		rc = compress_part(w, &ob, "\r\n\r\n", 4, ZSTD_e_end, &zerr);
	if (rc != ARC_OK) {
		saved_errno = errno;
		ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
		/* cut the partial frame so every frame in the file stays whole */
		if (w->sink->truncate(w->sink->ctx, start) != ARC_OK)
			return arc_fail(err, rc, "", start, id,
			                "writing record %s at offset %llu failed (%s) and the "
			                "partial frame could not be removed: the file needs repair",
			                id, (unsigned long long)start,
			                zerr ? zerr : strerror(saved_errno));
		return arc_fail(err, rc, "", start, id,
		                "cannot write record %s at offset %llu: %s", id,
		                (unsigned long long)start, zerr ? zerr : strerror(saved_errno));
	}

	if (out) {
		memset(out, 0, sizeof *out);
		copy_str(out->record_id, sizeof out->record_id, id);
		copy_str(out->date, sizeof out->date, date);
		copy_str(out->block_digest, sizeof out->block_digest, block_digest);
		if (payload_digest)
			copy_str(out->payload_digest, sizeof out->payload_digest, payload_digest);
		out->offset = start;
		out->length = w->sink->tell(w->sink->ctx) - start;
		/* a view of the writer's buffer: valid until the next write */
		out->header.data = w->header.data;
		out->header.len = w->header.len;
		out->header.cap = 0;
	}
	return ARC_OK;
}
