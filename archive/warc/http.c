/*
 * http.c — HTTP/1.x message helpers for reading archived requests and
 * responses: find the header block, read one header, the status code, remove
 * chunked transfer coding (streaming, so the writer's digester can feed bytes
 * as they arrive) and remove content coding (gzip, deflate, zstd) for the
 * findings check.
 *
 * Everything here parses bytes that came from a hostile server or a hostile
 * archive. So it must never trust a length it read: chunk-size lines, chunk
 * sizes and trailers are bounded and overflow-checked, the chunked decoder
 * stays in error after malformed input (it never resynchronises or loops), and
 * decompression output is capped by the caller's max_out so a decompression
 * bomb ends in ARC_ELIMIT, not in an exhausted machine. It never prints.
 */
#include "archive.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>
#include <zstd.h>

/* A chunk-size line ("1a2b;name=value") longer than this is hostile. */
#define HTTP_MAX_CHUNK_LINE 4096u
/* Content codings stacked in one Content-Encoding header. */
#define HTTP_MAX_CODINGS 4

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive equality of s[0..n) with the NUL-terminated word. */
static int token_eq(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!word[i] || lower((unsigned char)s[i]) != lower((unsigned char)word[i]))
			return 0;
	return word[n] == '\0';
}

/* ---------------------------------------------------------------- header block */

size_t http_header_end(const unsigned char *msg, size_t len)
{
	size_t i, n = len < HTTP_MAX_HEADER ? len : HTTP_MAX_HEADER;

	/* A blank line ends the block: "\n\r\n" or "\n\n" after a line end. */
	for (i = 0; i < n; i++) {
		if (msg[i] != '\n')
			continue;
		if (i + 1 < n && msg[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && msg[i + 1] == '\r' && msg[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Calls fn for each header line after the start line: name and value
 * (trimmed) as spans. Stops when fn returns nonzero and returns that. */
typedef int (*header_fn)(void *ctx, const char *name, size_t nlen,
                         const char *value, size_t vlen);

static int each_header(const unsigned char *hdr, size_t hdr_len, header_fn fn, void *ctx)
{
	const char *p = (const char *)hdr, *end = p + hdr_len;
	const char *nl = memchr(p, '\n', hdr_len);
	int rc;

	if (!nl)
		return 0;
	p = nl + 1; /* skip the status or request line */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *colon, *v, *ve;

		if (le > p && le[-1] == '\r')
			le--;
		if (le == p)
			break; /* blank line: end of headers */
		colon = memchr(p, ':', (size_t)(le - p));
		if (colon && colon > p) {
			v = colon + 1;
			ve = le;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			rc = fn(ctx, p, (size_t)(colon - p), v, (size_t)(ve - v));
			if (rc)
				return rc;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return 0;
}

struct get_ctx {
	const char *name;
	char *out;
	size_t outsz;
};

static int get_one(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen)
{
	struct get_ctx *g = ctx;

	if (!token_eq(name, nlen, g->name))
		return 0;
	if (g->outsz) {
		if (vlen >= g->outsz)
			vlen = g->outsz - 1;
		memcpy(g->out, value, vlen);
		g->out[vlen] = '\0';
	}
	return 1;
}

int http_header_get(const unsigned char *hdr, size_t hdr_len, const char *name,
                    char *out, size_t outsz)
{
	struct get_ctx g = { name, out, outsz };

	if (outsz)
		out[0] = '\0';
	if (!hdr || !name)
		return 0;
	return each_header(hdr, hdr_len, get_one, &g);
}

int http_status(const unsigned char *hdr, size_t hdr_len)
{
	size_t i = 5;
	int code = 0, k;

	if (!hdr || hdr_len < 5 || memcmp(hdr, "HTTP/", 5) != 0)
		return 0;
	/* "HTTP/1.1 200", "HTTP/2 200" */
	while (i < hdr_len && hdr[i] != ' ' && hdr[i] != '\r' && hdr[i] != '\n')
		i++;
	while (i < hdr_len && hdr[i] == ' ')
		i++;
	for (k = 0; k < 3; k++, i++) {
		if (i >= hdr_len || hdr[i] < '0' || hdr[i] > '9')
			return 0;
		code = code * 10 + (hdr[i] - '0');
	}
	if (i < hdr_len && hdr[i] >= '0' && hdr[i] <= '9')
		return 0;
	return code;
}

/* Transfer-Encoding may repeat and list several codings; the message is
 * chunked when the last coding listed is "chunked" (RFC 9112 6.1). */
static int last_coding_chunked(void *ctx, const char *name, size_t nlen,
                               const char *value, size_t vlen)
{
	int *chunked = ctx;
	const char *e = value + vlen, *q;

	if (!token_eq(name, nlen, "transfer-encoding"))
		return 0;
	while (e > value && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == ','))
		e--;
	q = e;
	while (q > value && q[-1] != ',' && q[-1] != ' ' && q[-1] != '\t')
		q--;
	if (e > q)
		*chunked = token_eq(q, (size_t)(e - q), "chunked");
	return 0;
}

int http_is_chunked(const unsigned char *hdr, size_t hdr_len)
{
	int chunked = 0;

	if (hdr)
		each_header(hdr, hdr_len, last_coding_chunked, &chunked);
	return chunked;
}

/* ---------------------------------------------------------------- chunked decoding */

enum dechunk_state {
	DC_SIZE,      /* hex digits of the chunk size */
	DC_SIZE_WS,   /* whitespace after the size, before ';' or the line end */
	DC_EXT,       /* chunk extensions: skipped up to the line end */
	DC_SIZE_LF,   /* saw CR after the size line, expect LF */
	DC_DATA,      /* chunk data, `left` bytes to go */
	DC_DATA_CR,   /* CRLF after chunk data */
	DC_DATA_LF,
	DC_TRAILER,   /* start of a trailer line (or the final blank line) */
	DC_TRAILER_LINE,
	DC_TRAILER_LF, /* CR seen at the start of a line: the final blank line */
	DC_DONE,
	DC_ERROR
};

struct http_dechunk {
	http_out_fn out;
	void *ctx;
	enum dechunk_state st;
	uint64_t size;     /* chunk size being parsed */
	uint64_t left;     /* data bytes left in the current chunk */
	size_t line;       /* bytes in the current size line */
	size_t ndigits;
	size_t trailer;    /* trailer bytes so far */
	int err;
};

http_dechunk_t *http_dechunk_new(http_out_fn out, void *ctx)
{
	http_dechunk_t *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->out = out;
	d->ctx = ctx;
	d->st = DC_SIZE;
	return d;
}

void http_dechunk_free(http_dechunk_t *d)
{
	free(d);
}

int http_dechunk_done(const http_dechunk_t *d)
{
	return d && d->st == DC_DONE;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int dc_fail(http_dechunk_t *d, int code)
{
	d->st = DC_ERROR;
	d->err = code;
	return code;
}

/* The size line ended: start the chunk, or the trailers after a 0 chunk. */
static int dc_size_line_done(http_dechunk_t *d)
{
	if (d->ndigits == 0)
		return dc_fail(d, ARC_EFORMAT);
	d->left = d->size;
	d->st = d->size ? DC_DATA : DC_TRAILER;
	return 0;
}

int http_dechunk_feed(http_dechunk_t *d, const unsigned char *buf, size_t len)
{
	size_t i = 0;

	if (!d)
		return ARC_EINVAL;
	if (d->st == DC_ERROR)
		return d->err;
	while (i < len) {
		unsigned char c = buf[i];

		switch (d->st) {
		case DC_SIZE:
		case DC_SIZE_WS:
		case DC_EXT:
			if (++d->line > HTTP_MAX_CHUNK_LINE)
				return dc_fail(d, ARC_ELIMIT);
			if (d->st == DC_SIZE && hexval(c) >= 0) {
				if (d->size > (UINT64_MAX >> 4))
					return dc_fail(d, ARC_ELIMIT); /* hex overflow */
				d->size = (d->size << 4) | (uint64_t)hexval(c);
				d->ndigits++;
			} else if (c == '\r') {
				d->st = DC_SIZE_LF;
			} else if (c == '\n') {
				/* bare LF tolerated as a line end, as most clients do */
				if (dc_size_line_done(d))
					return d->err;
			} else if (d->st == DC_EXT) {
				/* extension bytes: skipped, only the length is bounded */
			} else if (c == ';') {
				if (d->ndigits == 0)
					return dc_fail(d, ARC_EFORMAT);
				d->st = DC_EXT;
			} else if (c == ' ' || c == '\t') {
				if (d->ndigits == 0)
					return dc_fail(d, ARC_EFORMAT);
				d->st = DC_SIZE_WS;
			} else {
				return dc_fail(d, ARC_EFORMAT);
			}
			i++;
			break;
		case DC_SIZE_LF:
			if (c != '\n')
				return dc_fail(d, ARC_EFORMAT);
			i++;
			if (dc_size_line_done(d))
				return d->err;
			break;
		case DC_DATA: {
			size_t n = len - i;
			int rc;

			if ((uint64_t)n > d->left)
				n = (size_t)d->left;
			rc = d->out ? d->out(d->ctx, buf + i, n) : 0;
			if (rc)
				return dc_fail(d, rc < 0 ? rc : ARC_EINVAL);
			d->left -= n;
			i += n;
			if (d->left == 0)
				d->st = DC_DATA_CR;
			break;
		}
		case DC_DATA_CR:
			if (c == '\r') {
				d->st = DC_DATA_LF;
			} else if (c == '\n') {
				goto next_chunk;
			} else {
				return dc_fail(d, ARC_EFORMAT);
			}
			i++;
			break;
		case DC_DATA_LF:
			if (c != '\n')
				return dc_fail(d, ARC_EFORMAT);
		next_chunk:
			i++;
			d->st = DC_SIZE;
			d->size = 0;
			d->ndigits = 0;
			d->line = 0;
			break;
		case DC_TRAILER:
		case DC_TRAILER_LINE:
		case DC_TRAILER_LF:
			if (++d->trailer > HTTP_MAX_HEADER)
				return dc_fail(d, ARC_ELIMIT);
			if (d->st == DC_TRAILER) {
				if (c == '\r')
					d->st = DC_TRAILER_LF;
				else if (c == '\n')
					d->st = DC_DONE;
				else
					d->st = DC_TRAILER_LINE;
			} else if (d->st == DC_TRAILER_LF) {
				if (c != '\n')
					return dc_fail(d, ARC_EFORMAT);
				d->st = DC_DONE;
			} else if (c == '\n') {
				d->st = DC_TRAILER; /* trailer field ended; next line */
			}
			i++;
			break;
		case DC_DONE:
			/* Bytes after the last chunk are not part of the entity. */
			return 0;
		case DC_ERROR:
			return d->err;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- entity body */

static int buf_out(void *ctx, const unsigned char *buf, size_t len)
{
	return arc_buf_append(ctx, buf, len);
}

int http_entity(const unsigned char *msg, size_t len, unsigned char **out,
                size_t *out_len, int *owned)
{
	size_t hl;
	http_dechunk_t *d;
	arc_buf_t b = { 0 };
	int rc;

	*out = NULL;
	*out_len = 0;
	*owned = 0;
	if (!msg)
		return ARC_EINVAL;
	hl = http_header_end(msg, len);
	if (hl == 0) {
		/* no end of headers: no entity can be delimited */
		*out = (unsigned char *)msg + len;
		return ARC_EFORMAT;
	}
	if (!http_is_chunked(msg, hl)) {
		*out = (unsigned char *)msg + hl;
		*out_len = len - hl;
		return 0;
	}
	d = http_dechunk_new(buf_out, &b);
	if (!d)
		return ARC_ENOMEM;
	rc = http_dechunk_feed(d, msg + hl, len - hl);
	if (rc == 0 && !http_dechunk_done(d))
		rc = ARC_EFORMAT; /* the message ends inside the chunked body */
	http_dechunk_free(d);
	if (rc == ARC_ENOMEM) {
		arc_buf_free(&b);
		return rc;
	}
	if (!b.data && arc_buf_append(&b, "", 0) != 0)
		return ARC_ENOMEM;
	*out = b.data;
	*out_len = b.len;
	*owned = 1;
	return rc ? ARC_EFORMAT : 0;
}

/* ---------------------------------------------------------------- content coding */

/* Output of a decoder: grows as data actually arrives, never past max. When
 * max is reached, one probe byte tells "the stream ends exactly at max" from
 * "there is more" (a bomb). */
struct bounded {
	unsigned char *p;
	size_t len, cap, max;
	unsigned char probe;
	int probing;
};

/* Where the decoder may write next and how much. */
static int bounded_room(struct bounded *o, size_t hint, unsigned char **dst, size_t *room)
{
	size_t cap;
	unsigned char *np;

	if (o->len == o->cap && o->cap < o->max) {
		if (o->cap)
			cap = o->cap > SIZE_MAX / 2 ? SIZE_MAX : o->cap * 2;
		else
			cap = hint < 4096 ? 4096 : hint;
		if (cap > o->max)
			cap = o->max;
		np = realloc(o->p, cap);
		if (!np)
			return ARC_ENOMEM;
		o->p = np;
		o->cap = cap;
	}
	if (o->len < o->cap) {
		*dst = o->p + o->len;
		*room = o->cap - o->len;
		o->probing = 0;
	} else {
		*dst = &o->probe;
		*room = 1;
		o->probing = 1;
	}
	if (*room > (1u << 30))
		*room = 1u << 30; /* zlib counts in uInt */
	return 0;
}

/* Account for n bytes the decoder wrote at the place bounded_room gave. */
static int bounded_wrote(struct bounded *o, size_t n)
{
	if (o->probing)
		return n ? ARC_ELIMIT : 0;
	o->len += n;
	return 0;
}

static size_t size_hint(size_t in_len)
{
	return in_len > SIZE_MAX / 4 ? SIZE_MAX : in_len * 4;
}

static int decode_identity(const unsigned char *in, size_t in_len, struct bounded *o)
{
	if (in_len > o->max)
		return ARC_ELIMIT;
	o->p = malloc(in_len ? in_len : 1);
	if (!o->p)
		return ARC_ENOMEM;
	if (in_len)
		memcpy(o->p, in, in_len);
	o->len = o->cap = in_len;
	return 0;
}

/* zlib: wbits 16+15 gzip, 15 zlib, -15 raw deflate. Concatenated gzip members
 * are decoded one after the other, as gzip(1) does. */
static int decode_zlib(const unsigned char *in, size_t in_len, int wbits, struct bounded *o,
                       const char **why)
{
	z_stream z;
	int zr, rc = 0;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, wbits) != Z_OK)
		return ARC_ENOMEM;
	z.next_in = (unsigned char *)in;
	for (;;) {
		size_t rest = in_len - (size_t)(z.next_in - in), room;
		unsigned char *dst;

		z.avail_in = rest > (1u << 30) ? (1u << 30) : (uInt)rest;
		rc = bounded_room(o, size_hint(in_len), &dst, &room);
		if (rc)
			break;
		z.next_out = dst;
		z.avail_out = (uInt)room;
		zr = inflate(&z, Z_NO_FLUSH);
		rc = bounded_wrote(o, room - z.avail_out);
		if (rc)
			break;
		rest = in_len - (size_t)(z.next_in - in);
		if (zr == Z_STREAM_END) {
			if (wbits > 15 && rest >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
				if (inflateReset(&z) != Z_OK) {
					rc = ARC_EFORMAT;
					break;
				}
				continue;
			}
			break; /* trailing bytes after the stream are ignored, as browsers do */
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			*why = z.msg ? z.msg : "corrupt compressed stream";
			rc = zr == Z_MEM_ERROR ? ARC_ENOMEM : ARC_EFORMAT;
			break;
		}
		if (rest == 0 && z.avail_out > 0) {
			/* all input consumed, room left, no stream end */
			*why = "truncated compressed stream";
			rc = ARC_EFORMAT;
			break;
		}
	}
	inflateEnd(&z);
	return rc;
}

static int decode_zstd(const unsigned char *in, size_t in_len, struct bounded *o, const char **why)
{
	ZSTD_DStream *zs = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, in_len, 0 };
	size_t zr = 1;
	int rc = 0;

	if (!zs)
		return ARC_ENOMEM;
	/* a hostile frame may ask for a huge window: refuse past 128 MiB */
	ZSTD_DCtx_setParameter(zs, ZSTD_d_windowLogMax, 27);
	while (ib.pos < ib.size || zr != 0) {
		ZSTD_outBuffer ob;
		unsigned char *dst;
		size_t room;

		rc = bounded_room(o, size_hint(in_len), &dst, &room);
		if (rc)
			break;
		ob.dst = dst;
		ob.size = room;
		ob.pos = 0;
		zr = ZSTD_decompressStream(zs, &ob, &ib);
		if (ZSTD_isError(zr)) {
			*why = ZSTD_getErrorName(zr);
			rc = ARC_EFORMAT;
			break;
		}
		rc = bounded_wrote(o, ob.pos);
		if (rc)
			break;
		if (zr != 0 && ib.pos == ib.size && ob.pos < ob.size) {
			*why = "truncated compressed stream";
			rc = ARC_EFORMAT;
			break;
		}
	}
	ZSTD_freeDStream(zs);
	return rc;
}

/* RFC 9110 "deflate" is zlib-wrapped, but many servers send raw deflate:
 * the zlib header check (CMF/FLG) tells them apart. */
static int is_zlib_header(const unsigned char *in, size_t in_len)
{
	return in_len >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 &&
	       ((unsigned)in[0] * 256u + in[1]) % 31u == 0;
}

/* cut NULL: strict (a truncated stream or one past max_out is an error).
 * Otherwise what was decoded before the stream broke or reached max_out is
 * kept and *cut says which (HTTP_PARTIAL_CODING, HTTP_PARTIAL_LIMIT): the
 * bytes are a prefix of what the whole stream decodes to. */
static int decode_one(const char *coding, size_t clen, const unsigned char *in, size_t in_len,
                      size_t max_out, unsigned char **out, size_t *out_len, int *cut,
                      arc_error_t *err)
{
	struct bounded o = { .max = max_out };
	const char *why = NULL;
	int rc;

	if (cut && (clen == 0 || token_eq(coding, clen, "identity")) && in_len > max_out) {
		in_len = max_out;
		*cut |= HTTP_PARTIAL_LIMIT;
	}
	if (clen == 0 || token_eq(coding, clen, "identity"))
		rc = decode_identity(in, in_len, &o);
	else if (token_eq(coding, clen, "gzip") || token_eq(coding, clen, "x-gzip"))
		rc = decode_zlib(in, in_len, 16 + MAX_WBITS, &o, &why);
	else if (token_eq(coding, clen, "deflate"))
		rc = decode_zlib(in, in_len, is_zlib_header(in, in_len) ? MAX_WBITS : -MAX_WBITS,
		                 &o, &why);
	else if (token_eq(coding, clen, "zstd"))
		rc = decode_zstd(in, in_len, &o, &why);
	else if (token_eq(coding, clen, "br"))
		return arc_fail(err, ARC_EFORMAT, NULL, 0, NULL,
		                "content coding \"br\" (Brotli) is not supported by this build");
	else
		return arc_fail(err, ARC_EFORMAT, NULL, 0, NULL,
		                "unknown content coding \"%.*s\"", (int)(clen > 64 ? 64 : clen),
		                coding);
	if (cut && (rc == ARC_ELIMIT || rc == ARC_EFORMAT)) {
		*cut |= rc == ARC_ELIMIT ? HTTP_PARTIAL_LIMIT : HTTP_PARTIAL_CODING;
		rc = 0;
	}
	if (rc) {
		free(o.p);
		if (rc == ARC_ELIMIT)
			return arc_fail(err, rc, NULL, 0, NULL,
			                "content coding \"%.*s\": decoded body exceeds %zu bytes",
			                (int)(clen > 64 ? 64 : clen), coding, max_out);
		return arc_fail(err, rc, NULL, 0, NULL, "content coding \"%.*s\": %s",
		                (int)(clen > 64 ? 64 : clen), coding,
		                why ? why : arc_strerror(rc));
	}
	if (!o.p) {
		o.p = malloc(1);
		if (!o.p)
			return ARC_ENOMEM;
	}
	*out = o.p;
	*out_len = o.len;
	return 0;
}

static int decode_codings(const char *content_encoding, const unsigned char *in,
                          size_t in_len, size_t max_out, unsigned char **out,
                          size_t *out_len, int *cut, arc_error_t *err)
{
	const char *ce = content_encoding ? content_encoding : "";
	const char *start[HTTP_MAX_CODINGS];
	size_t clen[HTTP_MAX_CODINGS], n = 0;
	const char *p = ce;
	unsigned char *cur = NULL;
	size_t cur_len = 0;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (!in && in_len)
		return ARC_EINVAL;
	/* "gzip, identity": codings in the order applied, so undo from the last */
	while (*p) {
		size_t l;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		l = strcspn(p, ", \t");
		if (l == 0)
			break;
		if (n == HTTP_MAX_CODINGS)
			return arc_fail(err, ARC_ELIMIT, NULL, 0, NULL,
			                "more than %d content codings in \"%.100s\"",
			                HTTP_MAX_CODINGS, ce);
		start[n] = p;
		clen[n++] = l;
		p += l;
	}
	if (n == 0)
		return decode_one("identity", 8, in, in_len, max_out, out, out_len, cut, err);
	while (n-- > 0) {
		unsigned char *next = NULL;
		size_t next_len = 0;

		rc = decode_one(start[n], clen[n], cur ? cur : in, cur ? cur_len : in_len,
		                max_out, &next, &next_len, cut, err);
		free(cur);
		if (rc)
			return rc;
		cur = next;
		cur_len = next_len;
	}
	*out = cur;
	*out_len = cur_len;
	return 0;
}

int http_decode_content_ex(const char *content_encoding, const unsigned char *in,
                           size_t in_len, size_t max_out, unsigned char **out,
                           size_t *out_len, arc_error_t *err)
{
	return decode_codings(content_encoding, in, in_len, max_out, out, out_len, NULL, err);
}

int http_decode_content(const char *content_encoding, const unsigned char *in,
                        size_t in_len, size_t max_out, unsigned char **out,
                        size_t *out_len)
{
	return http_decode_content_ex(content_encoding, in, in_len, max_out, out, out_len, NULL);
}

/* ---------------------------------------------------------------- decoded payload */

const char *http_partial_str(int partial)
{
	if (partial & HTTP_PARTIAL_CODING)
		return "the compressed stream is truncated or corrupt: the bytes decoded before "
		       "the break are the payload";
	if (partial & HTTP_PARTIAL_FRAMING)
		return "the chunked framing is cut or malformed: the chunks before the break are "
		       "the payload";
	if (partial & HTTP_PARTIAL_LIMIT)
		return "the decoded payload is longer than the bound: its first bytes are the payload";
	return "";
}

int http_decoded_payload(const unsigned char *msg, size_t len, size_t max_out,
                         unsigned char **out, size_t *out_len, int *partial, arc_error_t *err)
{
	unsigned char *ent = NULL;
	size_t ent_len = 0, hl;
	int owned = 0, rc;
	/* the same bound as every caller so far: a value cut differently here and
	 * in the crawler would decode differently */
	char enc[128];

	*out = NULL;
	*out_len = 0;
	*partial = 0;
	if (!msg)
		return arc_fail(err, ARC_EINVAL, NULL, 0, NULL, "no message");
	hl = http_header_end(msg, len);
	if (!hl)
		return arc_fail(err, ARC_EFORMAT, NULL, 0, NULL, "the HTTP header has no end");
	rc = http_entity(msg, len, &ent, &ent_len, &owned);
	if (rc == ARC_ENOMEM)
		return arc_fail(err, rc, NULL, 0, NULL, "out of memory for the payload");
	/* a malformed or truncated chunked body: what could be decoded counts */
	*partial = rc != 0 ? HTTP_PARTIAL_FRAMING : 0;
	http_header_get(msg, hl, "Content-Encoding", enc, sizeof enc);
	if (enc[0] && strcasecmp(enc, "identity") != 0) {
		rc = decode_codings(enc, ent, ent_len, max_out, out, out_len, partial, err);
	} else {
		size_t n = ent_len > max_out ? max_out : ent_len;

		if (ent_len > max_out)
			*partial |= HTTP_PARTIAL_LIMIT;

		*out = malloc(n ? n : 1);
		if (*out) {
			if (n)
				memcpy(*out, ent, n);
			*out_len = n;
			rc = 0;
		} else {
			rc = arc_fail(err, ARC_ENOMEM, NULL, 0, NULL, "out of memory for the payload");
		}
	}
	if (owned)
		free(ent);
	return rc;
}
