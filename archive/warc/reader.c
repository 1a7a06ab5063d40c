/*
 * reader.c — the bounded WARC reader: .warc.zst (one zstd frame per record,
 * the IIPC "Zstandard Compression for WARC Files" layout), .warc.gz (one
 * gzip member per record, the layout every WARC tool writes and custody
 * exports) and plain .warc. A range of a file (a STORED .warc.gz inside a
 * WACZ zip) is read as if it were the whole file.
 *
 * The compressed reader decodes one frame at a time with
 * ZSTD_decompressStream, which stops exactly at a frame's end, so each
 * record's compressed offset and length are exact (the CDXJ index and the
 * verifier's error messages depend on that). Skippable frames are skipped; a
 * dictionary frame (magic 0x184D2A5D) at the start of the file is loaded. In
 * strict mode (the verifier's) every byte must belong to a record: a
 * skippable or dictionary frame, a frame without content checksum, a gzip
 * member header with FEXTRA, FNAME or FCOMMENT, or CR/LF between plain
 * records is an error naming its offset.
 * Each frame must hold exactly one whole record: a version line, named
 * fields, a Content-Length-sized block and CRLF CRLF — a frame that holds
 * less (truncation) or more (two records) is an error, because a record
 * must be reachable alone by its offset.
 *
 * The input is hostile (a court exhibit may have been tampered with, or be
 * a crafted file), so this must never trust a length it read: the header is
 * bounded by WARC_MAX_HEADER and WARC_MAX_FIELDS, Content-Length by
 * opts->max_record before any allocation, and buffers grow only as
 * decompressed bytes actually arrive (a file may declare 2 GiB and hold 10
 * bytes). It never prints, never loops without consuming input, and after an
 * error it stays finished.
 */
#include "archive_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define ZSTD_FRAME_MAGIC    0xFD2FB528u
#define ZSTD_SKIP_MASK      0xFFFFFFF0u
#define ZSTD_SKIP_MAGIC     0x184D2A50u
#define WARC_DICT_MAGIC     0x184D2A5Du /* IIPC spec: dictionary skippable frame */
#define WARC_MAX_DICT       (32u << 20) /* a larger dictionary is hostile */
#define READER_IN_SIZE      (128u * 1024u)

struct warc_reader {
	char name[256];
	FILE *f;                  /* NULL when reading memory */
	unsigned char *inbuf;     /* file mode: owned input buffer */
	size_t in_cap;
	const unsigned char *in;  /* current input window */
	size_t in_len, in_pos;
	uint64_t in_off;          /* file offset of in[0] */
	int eof;                  /* nothing more after in[in_len] */
	int compressed;           /* 0 plain, 1 zstd, 2 gzip */
	int dict_loaded;
	z_stream zs;              /* gzip members */
	int zs_init;
	uint64_t base;            /* file offset of the range read (0: the file) */
	uint64_t range;           /* bytes of the range; UINT64_MAX: to the end */
	ZSTD_DCtx *dctx;
	uint64_t max_record;
	int strict;               /* warc_reader_opts_t.strict */
	uint64_t block_keep;      /* opts->block_keep */
	unsigned char *scratch;   /* block bytes past block_keep land here and are dropped */

	unsigned char *rec;       /* the current record's bytes (decompressed) */
	size_t rec_len, rec_cap;
	char *fieldbuf;           /* NUL-terminated names and values */
	size_t fieldbuf_cap;
	warc_field_t *fields;
	size_t nfields;
	const char *version;
	char record_id[96];

	int failed;
	arc_error_t last;
};

/* ---------------------------------------------------------------- errors */

/* Record an error naming the file, the offset and (when known) the record;
 * the reader is finished afterwards. */
__attribute__((format(printf, 5, 6)))
static int rfail(warc_reader_t *r, arc_error_t *err, int code, uint64_t off, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (r->record_id[0])
		arc_fail(&r->last, code, r->name, off, r->record_id, "%s: offset %llu, record %s: %s",
		         r->name, (unsigned long long)off, r->record_id, what);
	else
		arc_fail(&r->last, code, r->name, off, NULL, "%s: offset %llu: %s", r->name,
		         (unsigned long long)off, what);
	r->failed = 1;
	if (err)
		*err = r->last;
	return code;
}

/* ---------------------------------------------------------------- input */

static uint64_t in_tell(const warc_reader_t *r)
{
	return r->in_off + r->in_pos;
}

static size_t in_avail(const warc_reader_t *r)
{
	return r->in_len - r->in_pos;
}

/* Read more file input after what is buffered. ARC_OK (check eof) or ARC_EIO. */
static int in_fill(warc_reader_t *r)
{
	size_t n;

	if (!r->f || r->eof)
		return ARC_OK;
	if (r->in_pos > 0) {
		memmove(r->inbuf, r->inbuf + r->in_pos, r->in_len - r->in_pos);
		r->in_off += r->in_pos;
		r->in_len -= r->in_pos;
		r->in_pos = 0;
	}
	if (r->in_len == r->in_cap)
		return ARC_OK;
	n = r->in_cap - r->in_len;
	if (r->range - (r->in_off + r->in_len) < n) /* in_off + in_len <= range */
		n = (size_t)(r->range - (r->in_off + r->in_len));
	n = n ? fread(r->inbuf + r->in_len, 1, n, r->f) : 0;
	if (n == 0) {
		if (ferror(r->f))
			return ARC_EIO;
		r->eof = 1;
	}
	r->in_len += n;
	return ARC_OK;
}

/* Make at least n (small) bytes available unless the input ends first. */
static int in_need(warc_reader_t *r, size_t n)
{
	while (in_avail(r) < n && !r->eof && r->f) {
		size_t before = in_avail(r);
		int rc = in_fill(r);

		if (rc)
			return rc;
		if (in_avail(r) == before && !r->eof)
			break; /* buffer full: cannot happen for small n */
	}
	return ARC_OK;
}

static int io_fail(warc_reader_t *r, arc_error_t *err)
{
	return rfail(r, err, ARC_EIO, in_tell(r), "read error: %s", strerror(errno));
}

/* ---------------------------------------------------------------- record buffer */

/* Make room for at least one more byte of record, never beyond limit bytes in
 * all; grows by doubling as data arrives. Returns bytes of room (0: limit). */
static size_t rec_room(warc_reader_t *r, size_t limit, int *nomem)
{
	size_t cap;
	unsigned char *p;

	*nomem = 0;
	if (r->rec_len >= limit)
		return 0;
	if (r->rec_len == r->rec_cap) {
		cap = r->rec_cap ? r->rec_cap : 64 * 1024;
		if (r->rec_cap)
			cap = r->rec_cap > SIZE_MAX / 2 ? SIZE_MAX : r->rec_cap * 2;
		if (cap > limit)
			cap = limit;
		p = realloc(r->rec, cap);
		if (!p) {
			*nomem = 1;
			return 0;
		}
		r->rec = p;
		r->rec_cap = cap;
	}
	cap = r->rec_cap < limit ? r->rec_cap : limit;
	return cap - r->rec_len;
}

/* Before each step of a decoder (zstd frames, gzip members): compressed input
 * at hand and room for output in the record buffer. 0 and *room, or <0 with
 * err: the input ends inside the unit (code, naming it "zstd frame" / "gzip
 * member"), no memory, or the record is larger than declared. */
static int decode_ready(warc_reader_t *r, arc_error_t *err, uint64_t start, size_t hl, size_t limit,
                        int code, const char *unit, size_t *room)
{
	int nomem;

	if (in_avail(r) == 0) {
		if (in_fill(r))
			return io_fail(r, err);
		if (in_avail(r) == 0)
			return rfail(r, err, code, start, "%s truncated: the file ends %llu bytes into it%s",
			             unit, (unsigned long long)(in_tell(r) - start),
			             hl ? "" : " (before the end of the WARC header)");
	}
	*room = rec_room(r, limit, &nomem);
	if (nomem)
		return rfail(r, err, ARC_ENOMEM, start, "out of memory for the record");
	if (*room == 0) /* cannot happen: exceeding expected is caught after the step */
		return rfail(r, err, ARC_ELIMIT, start, "record larger than declared");
	return 0;
}

/* ---------------------------------------------------------------- header parsing */

static int ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int x = (unsigned char)*a, y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

const char *warc_rec_get(const warc_rec_t *rec, const char *name)
{
	size_t i;

	if (!rec || !name)
		return NULL;
	for (i = 0; i < rec->nfields; i++)
		if (ieq(rec->fields[i].name, name))
			return rec->fields[i].value;
	return NULL;
}

/* Position of "\r\n\r\n" end (index after it) in buf[from..len), or 0. */
static size_t find_header_end(const unsigned char *buf, size_t len, size_t from)
{
	size_t i;

	for (i = from; i + 4 <= len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
			return i + 4;
	return 0;
}

/* Does buf (len bytes so far) still look like the start of a WARC record? */
static int warc_prefix_ok(const unsigned char *buf, size_t len)
{
	static const char v0[] = "WARC/1.0\r\n", v1[] = "WARC/1.1\r\n";
	size_t n = len < 10 ? len : 10;

	return !memcmp(buf, v0, n) || !memcmp(buf, v1, n);
}

static void field_trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/* Parse the header block rec[0..hl) into fields; set *content_length. */
static int parse_header(warc_reader_t *r, size_t hl, uint64_t off, uint64_t *content_length,
                        arc_error_t *err)
{
	const char *h = (const char *)r->rec, *p, *end;
	const char *cl = NULL;
	char *w;
	size_t line_no = 1, i;

	r->nfields = 0;
	r->record_id[0] = '\0';
	if (hl >= 10 && !memcmp(h, "WARC/1.1\r\n", 10))
		r->version = "WARC/1.1";
	else if (hl >= 10 && !memcmp(h, "WARC/1.0\r\n", 10))
		r->version = "WARC/1.0";
	else
		return rfail(r, err, ARC_EFORMAT, off,
		             "expected a \"WARC/1.0\" or \"WARC/1.1\" version line");
	if (memchr(h, '\0', hl))
		return rfail(r, err, ARC_EFORMAT, off, "NUL byte in the WARC header");
	if (r->fieldbuf_cap < hl + 1) {
		char *nb = realloc(r->fieldbuf, hl + 1);
		if (!nb)
			return rfail(r, err, ARC_ENOMEM, off, "out of memory for the header");
		r->fieldbuf = nb;
		r->fieldbuf_cap = hl + 1;
	}
	if (!r->fields) {
		r->fields = calloc(WARC_MAX_FIELDS, sizeof *r->fields);
		if (!r->fields)
			return rfail(r, err, ARC_ENOMEM, off, "out of memory for the header");
	}
	w = r->fieldbuf;
	p = h + 10;
	end = h + hl - 2; /* the blank line */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p) + 1);
		const char *le, *colon, *vs, *ve;
		size_t n;

		line_no++;
		if (!eol || eol == p || eol[-1] != '\r')
			return rfail(r, err, ARC_EFORMAT, off,
			             "header line %zu does not end with CRLF", line_no);
		le = eol - 1;
		if (*p == ' ' || *p == '\t') {
			/* folded continuation of the previous value (WARC 1.0 allows it) */
			if (r->nfields == 0)
				return rfail(r, err, ARC_EFORMAT, off,
				             "header line %zu continues no field", line_no);
			vs = p;
			ve = le;
			field_trim(&vs, &ve);
			if (ve > vs) {
				w--; /* over the previous value's NUL */
				*w++ = ' ';
				memcpy(w, vs, (size_t)(ve - vs));
				w += ve - vs;
				*w++ = '\0';
			}
			p = eol + 1;
			continue;
		}
		colon = memchr(p, ':', (size_t)(le - p));
		if (!colon || colon == p)
			return rfail(r, err, ARC_EFORMAT, off,
			             "header line %zu is not \"Name: value\"", line_no);
		for (i = 0; p + i < colon; i++)
			if ((unsigned char)p[i] <= ' ' || p[i] == 127)
				return rfail(r, err, ARC_EFORMAT, off,
				             "header line %zu: field name contains a space or control byte",
				             line_no);
		if (r->nfields == WARC_MAX_FIELDS)
			return rfail(r, err, ARC_ELIMIT, off, "more than %u header fields",
			             WARC_MAX_FIELDS);
		n = (size_t)(colon - p);
		r->fields[r->nfields].name = w;
		memcpy(w, p, n);
		w += n;
		*w++ = '\0';
		vs = colon + 1;
		ve = le;
		field_trim(&vs, &ve);
		r->fields[r->nfields].value = w;
		memcpy(w, vs, (size_t)(ve - vs));
		w += ve - vs;
		*w++ = '\0';
		r->nfields++;
		p = eol + 1;
	}

	{
		warc_rec_t view = { .nfields = r->nfields, .fields = r->fields };
		const char *id = warc_rec_get(&view, "WARC-Record-ID");

		if (id) {
			size_t n = strlen(id);

			if (n >= sizeof r->record_id)
				n = sizeof r->record_id - 1;
			memcpy(r->record_id, id, n);
			r->record_id[n] = '\0';
		}
	}
	for (i = 0; i < r->nfields; i++) {
		if (!ieq(r->fields[i].name, "Content-Length"))
			continue;
		if (cl && strcmp(cl, r->fields[i].value) != 0)
			return rfail(r, err, ARC_EFORMAT, off, "two different Content-Length fields");
		cl = r->fields[i].value;
	}
	if (!cl)
		return rfail(r, err, ARC_EFORMAT, off, "no Content-Length field");
	{
		uint64_t v = 0;
		const char *q = cl;

		if (!*q)
			return rfail(r, err, ARC_EFORMAT, off, "empty Content-Length");
		for (; *q; q++) {
			if (*q < '0' || *q > '9')
				return rfail(r, err, ARC_EFORMAT, off,
				             "Content-Length \"%.40s\" is not a decimal number", cl);
			if (v > (UINT64_MAX - 9) / 10)
				return rfail(r, err, ARC_ELIMIT, off, "Content-Length %.40s is too large", cl);
			v = v * 10 + (uint64_t)(*q - '0');
		}
		if (v > r->max_record)
			return rfail(r, err, ARC_ELIMIT, off,
			             "Content-Length %llu exceeds the limit of %llu bytes",
			             (unsigned long long)v, (unsigned long long)r->max_record);
		if (v > SIZE_MAX - hl - 4)
			return rfail(r, err, ARC_ELIMIT, off, "Content-Length %llu too large for memory",
			             (unsigned long long)v);
		*content_length = v;
	}
	return ARC_OK;
}

static void fill_rec(warc_reader_t *r, warc_rec_t *rec, uint64_t off, uint64_t len, size_t hl,
                     uint64_t cl)
{
	memset(rec, 0, sizeof *rec);
	rec->offset = off;
	rec->length = len;
	rec->header = r->rec;
	rec->header_len = hl;
	rec->block = r->rec + hl;
	rec->block_len = cl;
	rec->version = r->version;
	rec->nfields = r->nfields;
	rec->fields = r->fields;
	rec->compressed = r->compressed;
	rec->block_total = cl;
}

/* ---------------------------------------------------------------- zstd frames */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Consume n input bytes; 0 or ARC_EZSTD-style shortfall reported by caller. */
static int in_skip(warc_reader_t *r, uint64_t n, uint64_t *skipped)
{
	*skipped = 0;
	while (n > 0) {
		size_t a = in_avail(r);

		if (a == 0) {
			int rc = in_fill(r);
			if (rc)
				return rc;
			a = in_avail(r);
			if (a == 0)
				return ARC_OK; /* EOF: caller compares *skipped */
		}
		if ((uint64_t)a > n)
			a = (size_t)n;
		r->in_pos += a;
		n -= a;
		*skipped += a;
	}
	return ARC_OK;
}

/* Copy n input bytes to dst; returns bytes copied (short at EOF) or -1 on I/O error. */
static long long in_read(warc_reader_t *r, unsigned char *dst, size_t n)
{
	size_t got = 0;

	while (got < n) {
		size_t a = in_avail(r);

		if (a == 0) {
			if (in_fill(r))
				return -1;
			a = in_avail(r);
			if (a == 0)
				break;
		}
		if (a > n - got)
			a = n - got;
		memcpy(dst + got, r->in + r->in_pos, a);
		r->in_pos += a;
		got += a;
	}
	return (long long)got;
}

/* The IIPC dictionary frame: the dictionary, itself possibly a zstd frame. */
static int load_dictionary(warc_reader_t *r, uint64_t off, uint32_t size, arc_error_t *err)
{
	unsigned char *raw, *dict = NULL;
	size_t dict_len = 0;
	long long got;
	int rc = ARC_OK;

	if (size > WARC_MAX_DICT)
		return rfail(r, err, ARC_ELIMIT, off, "dictionary frame of %u bytes exceeds %u", size,
		             WARC_MAX_DICT);
	/* grow as the bytes arrive: the declared size may be a lie */
	{
		size_t have = 0, cap = 0;

		raw = NULL;
		while (have < size) {
			size_t want = size - have > 65536 ? 65536 : size - have;
			unsigned char *nb;

			if (have + want > cap) {
				cap = cap ? (cap * 2 < size ? cap * 2 : size) : (size < 65536 ? size : 65536);
				if (cap < have + want)
					cap = have + want;
				nb = realloc(raw, cap);
				if (!nb) {
					free(raw);
					return rfail(r, err, ARC_ENOMEM, off, "out of memory for the dictionary");
				}
				raw = nb;
			}
			got = in_read(r, raw + have, want);
			if (got < 0) {
				free(raw);
				return io_fail(r, err);
			}
			have += (size_t)got;
			if ((size_t)got < want)
				break;
		}
		got = (long long)have;
		if (!raw && !(raw = malloc(1)))
			return rfail(r, err, ARC_ENOMEM, off, "out of memory for the dictionary");
	}
	if ((uint64_t)got < size) {
		free(raw);
		return rfail(r, err, ARC_EZSTD, off,
		             "dictionary frame truncated: %u bytes declared, %lld present", size, got);
	}
	if (size >= 4 && le32(raw) == ZSTD_FRAME_MAGIC) {
		unsigned long long fcs = ZSTD_getFrameContentSize(raw, size);

		if (fcs == ZSTD_CONTENTSIZE_ERROR || fcs == ZSTD_CONTENTSIZE_UNKNOWN ||
		    fcs > WARC_MAX_DICT) {
			rc = rfail(r, err, ARC_EZSTD, off,
			           "compressed dictionary has no usable content size");
		} else {
			size_t zr;

			dict = malloc(fcs ? (size_t)fcs : 1);
			if (!dict) {
				rc = rfail(r, err, ARC_ENOMEM, off, "out of memory for the dictionary");
			} else {
				zr = ZSTD_decompress(dict, (size_t)fcs, raw, size);
				if (ZSTD_isError(zr) || zr != fcs)
					rc = rfail(r, err, ARC_EZSTD, off, "compressed dictionary is corrupt: %s",
					           ZSTD_isError(zr) ? ZSTD_getErrorName(zr) : "short");
				dict_len = (size_t)fcs;
			}
		}
		free(raw);
	} else {
		dict = raw;
		dict_len = size;
	}
	if (rc == ARC_OK && ZSTD_isError(ZSTD_DCtx_loadDictionary(r->dctx, dict, dict_len)))
		rc = rfail(r, err, ARC_EZSTD, off, "dictionary frame is not a usable zstd dictionary");
	free(dict);
	if (rc == ARC_OK)
		r->dict_loaded = 1;
	return rc;
}

/* The end of a record, compressed or plain: the block must be whole and
 * followed by CRLF CRLF. "container" names what ended early ("frame", "file"). */
static int finish_record(warc_reader_t *r, warc_rec_t *rec, arc_error_t *err,
                         uint64_t start, size_t hl, uint64_t cl, size_t expected,
                         const char *container)
{
	if (r->rec_len < hl + cl)
		return rfail(r, err, ARC_EFORMAT, start,
		             "Content-Length says %llu but the %s ends after %llu bytes (truncated?)",
		             (unsigned long long)cl, container, (unsigned long long)(r->rec_len - hl));
	if (r->rec_len < expected || memcmp(r->rec + hl + cl, "\r\n\r\n", 4) != 0)
		return rfail(r, err, ARC_EFORMAT, start,
		             "the %llu-byte block is not followed by CRLF CRLF (Content-Length wrong?)",
		             (unsigned long long)cl);
	fill_rec(r, rec, start, in_tell(r) - start, hl, cl);
	return 1;
}

/* Strict mode: a frame must carry its content checksum (custody's writer
 * always sets it), so that no byte of the record escapes zstd's own check. */
static int require_checksum(warc_reader_t *r, uint64_t start, arc_error_t *err)
{
	/* Frame_Header_Descriptor, the byte after the magic: bit 2 is
	 * Content_Checksum_flag, bit 3 reserved (RFC 8878 3.1.1.1.1) */
	if (in_need(r, 5))
		return io_fail(r, err);
	if (in_avail(r) < 5)
		return rfail(r, err, ARC_EZSTD, start, "file ends inside a zstd frame header");
	if (!(r->in[r->in_pos + 4] & 0x04))
		return rfail(r, err, ARC_EZSTD, start,
		             "zstd frame has no content checksum: its bytes are not checked by zstd");
	return ARC_OK;
}

/* After a decode step added bytes to r->rec (zstd frame or gzip member):
 * until the WARC header's end is found, check the record's first line, look
 * for the blank line (scanning only what is new) and, once found, parse the
 * header and set *cl and *expected; then refuse a unit that holds more than
 * its one record. first/unit name the unit in messages ("frame", "member").
 * 0, or the error (rfail). */
static int after_step(warc_reader_t *r, arc_error_t *err, uint64_t start, const char *first,
                      const char *unit, size_t *hl, size_t *scanned, uint64_t *cl,
                      size_t *expected)
{
	int rc;

	if (!*hl && r->rec_len) {
		if (!warc_prefix_ok(r->rec, r->rec_len))
			return rfail(r, err, ARC_EFORMAT, start,
			             "%s does not start with a \"WARC/1.0\" or \"WARC/1.1\" line", first);
		*hl = find_header_end(r->rec, r->rec_len, *scanned);
		*scanned = r->rec_len > 3 ? r->rec_len - 3 : 0;
		if (*hl) {
			if ((rc = parse_header(r, *hl, start, cl, err)) != 0)
				return rc;
			*expected = *hl + (size_t)*cl + 4;
		} else if (r->rec_len > WARC_MAX_HEADER) {
			return rfail(r, err, ARC_ELIMIT, start,
			             "WARC header longer than %u bytes", WARC_MAX_HEADER);
		}
	}
	if (*hl && r->rec_len > *expected)
		return rfail(r, err, ARC_EFORMAT, start,
		             "%s holds more than one record: data continues after the "
		             "Content-Length of %llu bytes and CRLF CRLF", unit,
		             (unsigned long long)*cl);
	return 0;
}

/* Does block_keep apply to the record whose header was just parsed? */
static int keep_type(const warc_reader_t *r)
{
	static const char *const types[] = {"request", "response", "revisit", "resource"};
	for (size_t i = 0; i < r->nfields; i++)
		if (ieq(r->fields[i].name, "WARC-Type")) {
			for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
				if (ieq(r->fields[i].value, types[k]))
					return 1;
			return 0;
		}
	return 0;
}

static int next_frame(warc_reader_t *r, warc_rec_t *rec, arc_error_t *err)
{
	uint64_t start, cl = 0;
	size_t hl = 0, expected = 0, scanned = 0;
	int rc, had_hl, stalls = 0;

	r->record_id[0] = '\0'; /* errors before this frame's header must not name the previous record */
	for (;;) { /* skip skippable frames */
		uint32_t magic;

		if ((rc = in_need(r, 8)) != 0)
			return io_fail(r, err);
		start = in_tell(r);
		if (in_avail(r) == 0)
			return 0; /* clean end */
		if (in_avail(r) < 4)
			return rfail(r, err, ARC_EZSTD, start,
			             "file ends inside a zstd frame header (%zu stray bytes)", in_avail(r));
		magic = le32(r->in + r->in_pos);
		if ((magic & ZSTD_SKIP_MASK) == ZSTD_SKIP_MAGIC) {
			uint64_t size, skipped;

			if (in_avail(r) < 8)
				return rfail(r, err, ARC_EZSTD, start, "truncated skippable frame header");
			size = le32(r->in + r->in_pos + 4);
			if (r->strict)
				return rfail(r, err, ARC_EZSTD, start,
				             "%s frame of %llu bytes (magic 0x%08x): bytes that belong to "
				             "no record", magic == WARC_DICT_MAGIC ? "dictionary" : "skippable",
				             (unsigned long long)size + 8, (unsigned)magic);
			if (magic == WARC_DICT_MAGIC && start != 0)
				return rfail(r, err, ARC_EFORMAT, start,
				             "dictionary frame not at the start of the file");
			if (magic == WARC_DICT_MAGIC && !r->dict_loaded) {
				r->in_pos += 8;
				if ((rc = load_dictionary(r, start, (uint32_t)size, err)) != 0)
					return rc;
				continue;
			}
			if ((rc = in_skip(r, 8 + size, &skipped)) != 0)
				return io_fail(r, err);
			if (skipped < 8 + size)
				return rfail(r, err, ARC_EZSTD, start,
				             "skippable frame truncated: %llu bytes declared, %llu present",
				             (unsigned long long)size,
				             (unsigned long long)(skipped - 8));
			continue;
		}
		if (magic != ZSTD_FRAME_MAGIC)
			return rfail(r, err, ARC_EZSTD, start,
			             "expected a zstd frame, found magic 0x%08x (not .warc.zst, or "
			             "bytes inserted)", (unsigned)magic);
		if (r->strict && (rc = require_checksum(r, start, err)) != 0)
			return rc;
		break;
	}

	ZSTD_DCtx_reset(r->dctx, ZSTD_reset_session_only);
	r->rec_len = 0;
	r->record_id[0] = '\0';
	size_t keep_end = 0;      /* block_keep: record bytes kept; the rest is dropped */
	uint64_t dropped = 0;
	unsigned char tail[4] = {0};
	for (;;) {
		size_t limit = keep_end ? keep_end : hl ? expected + 1 : (size_t)WARC_MAX_HEADER + 1;
		size_t room, zr;
		ZSTD_inBuffer ib;
		ZSTD_outBuffer ob;

		if (keep_end && r->rec_len >= keep_end) {
			/* past what is kept: decompress into scratch, remember the last
			 * four bytes (CRLF CRLF) and the count */
			if (in_avail(r) == 0) {
				if (in_fill(r))
					return io_fail(r, err);
				if (in_avail(r) == 0)
					return rfail(r, err, ARC_EZSTD, start,
					             "zstd frame truncated: the file ends %llu bytes into it",
					             (unsigned long long)(in_tell(r) - start));
			}
			ib.src = r->in + r->in_pos;
			ib.size = in_avail(r);
			ib.pos = 0;
			ob.dst = r->scratch;
			ob.size = 64 * 1024;
			ob.pos = 0;
			zr = ZSTD_decompressStream(r->dctx, &ob, &ib);
			if (ZSTD_isError(zr))
				return rfail(r, err, ARC_EZSTD, start, "zstd frame is corrupt: %s",
				             ZSTD_getErrorName(zr));
			r->in_pos += ib.pos;
			for (size_t i = 0; i < ob.pos; i++) {
				memmove(tail, tail + 1, 3);
				tail[3] = r->scratch[i];
			}
			dropped += ob.pos;
			if (r->rec_len + dropped > expected)
				return rfail(r, err, ARC_EFORMAT, start,
				             "frame holds more than one record: data continues after the "
				             "Content-Length of %llu bytes and CRLF CRLF",
				             (unsigned long long)cl);
			if (zr == 0)
				break;
			stalls = (ib.pos == 0 && ob.pos == 0) ? stalls + 1 : 0;
			if (stalls > 2)
				return rfail(r, err, ARC_EZSTD, start, "zstd decoder made no progress");
			continue;
		}

		if ((rc = decode_ready(r, err, start, hl, limit, ARC_EZSTD, "zstd frame", &room)) != 0)
			return rc;
		ib.src = r->in + r->in_pos;
		ib.size = in_avail(r);
		ib.pos = 0;
		ob.dst = r->rec + r->rec_len;
		ob.size = room;
		ob.pos = 0;
		zr = ZSTD_decompressStream(r->dctx, &ob, &ib);
		if (ZSTD_isError(zr))
			return rfail(r, err, ARC_EZSTD, start, "zstd frame is corrupt: %s%s",
			             ZSTD_getErrorName(zr),
			             ZSTD_getErrorCode(zr) == ZSTD_error_dictionary_wrong
			                     ? " (file needs a dictionary)" : "");
		r->in_pos += ib.pos;
		r->rec_len += ob.pos;
		had_hl = hl != 0;
		if ((rc = after_step(r, err, start, "frame", "frame", &hl, &scanned, &cl,
		                     &expected)) != 0)
			return rc;
		if (hl && !had_hl && r->block_keep && cl > r->block_keep + 4 && keep_type(r)) {
			/* the header just ended: keep block_keep bytes of the block */
			if (!r->scratch && !(r->scratch = malloc(64 * 1024)))
				return rfail(r, err, ARC_ENOMEM, start, "out of memory");
			keep_end = hl + (size_t)r->block_keep;
			if (r->rec_len >= keep_end && expected - r->rec_len < 4)
				keep_end = 0; /* nearly all here already: read it whole */
		}
		if (zr == 0)
			break; /* frame complete (and its checksum, if any, verified) */
		stalls = (ib.pos == 0 && ob.pos == 0) ? stalls + 1 : 0;
		if (stalls > 2) /* never loop without consuming input */
			return rfail(r, err, ARC_EZSTD, start, "zstd decoder made no progress");
	}
	if (!hl)
		return rfail(r, err, ARC_EFORMAT, start,
		             "frame ends inside the WARC header (no blank line)");
	if (keep_end && dropped) {
		if (r->rec_len + dropped != expected || memcmp(tail, "\r\n\r\n", 4) != 0)
			return rfail(r, err, ARC_EFORMAT, start,
			             "Content-Length says %llu but the frame holds %llu bytes of block "
			             "and end (truncated?)", (unsigned long long)cl,
			             (unsigned long long)(r->rec_len + dropped - hl));
		fill_rec(r, rec, start, in_tell(r) - start, hl, cl);
		rec->block_len = r->rec_len - hl;
		return 1;
	}
	return finish_record(r, rec, err, start, hl, cl, expected, "frame");
}

/* ---------------------------------------------------------------- gzip members */

/* One gzip member holding exactly one record, as next_frame does for zstd:
 * inflate stops at the member's end (Z_STREAM_END), so offset and length
 * are the member's, and the CRC-32 and size in its trailer are checked. */
static int next_member(warc_reader_t *r, warc_rec_t *rec, arc_error_t *err)
{
	uint64_t start, cl = 0;
	size_t hl = 0, expected = 0, scanned = 0;
	int rc, zr = Z_OK, stalls = 0;

	r->record_id[0] = '\0';
	if (in_need(r, 2))
		return io_fail(r, err);
	start = in_tell(r);
	if (in_avail(r) == 0)
		return 0; /* clean end */
	if (in_avail(r) < 2 || r->in[r->in_pos] != 0x1f || r->in[r->in_pos + 1] != 0x8b)
		return rfail(r, err, ARC_EFORMAT, start,
		             "expected a gzip member (1f 8b), found other bytes (bytes inserted?)");
	/* In strict mode every byte belongs to a record: a member header with an
	 * extra field, a file name or a comment carries bytes outside every record
	 * (kilobytes each), as a zstd skippable frame does; FHCRC (2 bytes, a CRC)
	 * and FTEXT are allowed. FLG is the header's fourth byte (RFC 1952). */
	if (r->strict) {
		unsigned flg;

		if (in_need(r, 10))
			return io_fail(r, err);
		if (in_avail(r) < 10)
			return rfail(r, err, ARC_EFORMAT, start, "file ends inside a gzip member header");
		flg = r->in[r->in_pos + 3];
		if (flg & (0x04 | 0x08 | 0x10 | 0xE0)) {
			char what[120];
			size_t o = 0;

			what[0] = '\0';
			if (flg & 0x04)
				o += (size_t)snprintf(what + o, sizeof what - o, "an extra field (FEXTRA)");
			if (flg & 0x08)
				o += (size_t)snprintf(what + o, sizeof what - o, "%sa file name (FNAME)", o ? ", " : "");
			if (flg & 0x10)
				o += (size_t)snprintf(what + o, sizeof what - o, "%sa comment (FCOMMENT)", o ? ", " : "");
			if (flg & 0xE0)
				snprintf(what + o, sizeof what - o, "%sreserved flags", o ? ", " : "");
			return rfail(r, err, ARC_EFORMAT, start,
			             "gzip member header carries %s: bytes that belong to no record", what);
		}
	}
	if (inflateReset(&r->zs) != Z_OK)
		return rfail(r, err, ARC_EFORMAT, start, "gzip decoder reset failed");
	r->rec_len = 0;
	while (zr != Z_STREAM_END) {
		size_t limit = hl ? expected + 1 : (size_t)WARC_MAX_HEADER + 1;
		size_t room, in_n, out_n;

		if ((rc = decode_ready(r, err, start, hl, limit, ARC_EFORMAT, "gzip member", &room)) != 0)
			return rc;
		in_n = in_avail(r) > UINT_MAX ? UINT_MAX : in_avail(r);
		out_n = room > UINT_MAX ? UINT_MAX : room;
		r->zs.next_in = (Bytef *)(uintptr_t)(r->in + r->in_pos);
		r->zs.avail_in = (uInt)in_n;
		r->zs.next_out = r->rec + r->rec_len;
		r->zs.avail_out = (uInt)out_n;
		zr = inflate(&r->zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return rfail(r, err, ARC_EFORMAT, start, "gzip member is corrupt: %s",
			             r->zs.msg ? r->zs.msg : "inflate failed");
		r->in_pos += in_n - r->zs.avail_in;
		r->rec_len += out_n - r->zs.avail_out;
		if ((rc = after_step(r, err, start, "member", "gzip member", &hl, &scanned, &cl,
		                     &expected)) != 0)
			return rc;
		stalls = (in_n == r->zs.avail_in && out_n == r->zs.avail_out) ? stalls + 1 : 0;
		if (stalls > 2)
			return rfail(r, err, ARC_EFORMAT, start, "gzip decoder made no progress");
	}
	if (!hl)
		return rfail(r, err, ARC_EFORMAT, start,
		             "member ends inside the WARC header (no blank line)");
	return finish_record(r, rec, err, start, hl, cl, expected, "gzip member");
}

/* ---------------------------------------------------------------- plain WARC */

static int next_plain(warc_reader_t *r, warc_rec_t *rec, arc_error_t *err)
{
	uint64_t start, cl = 0;
	size_t hl = 0, expected;
	int nomem, rc;

	/* tolerate stray line ends between records (strict: name them) */
	start = in_tell(r);
	for (;;) {
		if (in_need(r, 1))
			return io_fail(r, err);
		if (in_avail(r) == 0) {
			if (r->strict && in_tell(r) != start)
				return rfail(r, err, ARC_EFORMAT, start,
				             "%llu stray CR/LF bytes after the last record",
				             (unsigned long long)(in_tell(r) - start));
			return 0;
		}
		if (r->in[r->in_pos] != '\r' && r->in[r->in_pos] != '\n')
			break;
		r->in_pos++;
	}
	if (r->strict && in_tell(r) != start)
		return rfail(r, err, ARC_EFORMAT, start,
		             "%llu stray CR/LF bytes between records: bytes that belong to no record",
		             (unsigned long long)(in_tell(r) - start));
	start = in_tell(r);
	r->rec_len = 0;
	r->record_id[0] = '\0';
	/* the header, byte by byte up to CRLF CRLF (bounded) */
	while (!hl) {
		size_t room;

		if (in_avail(r) == 0) {
			if (in_fill(r))
				return io_fail(r, err);
			if (in_avail(r) == 0)
				return rfail(r, err, ARC_EFORMAT, start,
				             "file ends inside the WARC header (truncated?)");
		}
		room = rec_room(r, (size_t)WARC_MAX_HEADER + 1, &nomem);
		if (nomem)
			return rfail(r, err, ARC_ENOMEM, start, "out of memory for the record");
		if (room == 0)
			return rfail(r, err, ARC_ELIMIT, start, "WARC header longer than %u bytes",
			             WARC_MAX_HEADER);
		r->rec[r->rec_len++] = r->in[r->in_pos++];
		if (!warc_prefix_ok(r->rec, r->rec_len))
			return rfail(r, err, ARC_EFORMAT, start,
			             "expected a \"WARC/1.0\" or \"WARC/1.1\" version line");
		if (r->rec_len >= 4 && !memcmp(r->rec + r->rec_len - 4, "\r\n\r\n", 4))
			hl = r->rec_len;
	}
	if ((rc = parse_header(r, hl, start, &cl, err)) != 0)
		return rc;
	expected = hl + (size_t)cl + 4;
	while (r->rec_len < expected) {
		size_t room = rec_room(r, expected, &nomem);
		long long got;

		if (nomem)
			return rfail(r, err, ARC_ENOMEM, start, "out of memory for the record");
		got = in_read(r, r->rec + r->rec_len, room);
		if (got < 0)
			return io_fail(r, err);
		r->rec_len += (size_t)got;
		if (got == 0)
			break;
	}
	return finish_record(r, rec, err, start, hl, cl, expected, "file");
}

/* ---------------------------------------------------------------- public */

static warc_reader_t *reader_new(const char *name, const warc_reader_opts_t *opts)
{
	warc_reader_t *r = calloc(1, sizeof *r);
	size_t n;

	if (!r)
		return NULL;
	n = strlen(name);
	if (n >= sizeof r->name)
		n = sizeof r->name - 1;
	memcpy(r->name, name, n);
	r->name[n] = '\0';
	r->max_record = opts && opts->max_record ? opts->max_record : WARC_MAX_RECORD;
	r->strict = opts ? opts->strict : 0;
	r->range = UINT64_MAX;
	r->block_keep = opts ? opts->block_keep : 0;
	r->dctx = ZSTD_createDCtx();
	if (!r->dctx) {
		free(r);
		return NULL;
	}
	/* a hostile frame may ask for a huge window: refuse past 128 MiB */
	ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax, 27);
	return r;
}

/* Decide zstd or plain from the first bytes and load a leading dictionary. */
static int reader_start(warc_reader_t *r, arc_error_t *err)
{
	uint32_t magic;

	if (in_need(r, 8))
		return io_fail(r, err);
	if (in_avail(r) >= 2 && r->in[r->in_pos] == 0x1f && r->in[r->in_pos + 1] == 0x8b) {
		memset(&r->zs, 0, sizeof r->zs);
		if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK) /* gzip only */
			return rfail(r, err, ARC_ENOMEM, 0, "cannot start the gzip decoder");
		r->zs_init = 1;
		r->compressed = 2;
		return ARC_OK;
	}
	if (in_avail(r) < 4) {
		r->compressed = 0;
		return ARC_OK;
	}
	magic = le32(r->in + r->in_pos);
	r->compressed = magic == ZSTD_FRAME_MAGIC || (magic & ZSTD_SKIP_MASK) == ZSTD_SKIP_MAGIC;
	if (magic == WARC_DICT_MAGIC && r->strict)
		return ARC_OK; /* next_frame names it as a frame that belongs to no record */
	if (magic == WARC_DICT_MAGIC && in_avail(r) >= 8) {
		r->in_pos += 8;
		return load_dictionary(r, 0, le32(r->in + r->in_pos - 4), err);
	}
	return ARC_OK;
}

warc_reader_t *warc_reader_open(const char *path, const warc_reader_opts_t *opts,
                                arc_error_t *err)
{
	return warc_reader_open_range(path, 0, UINT64_MAX, NULL, opts, err);
}

warc_reader_t *warc_reader_open_range(const char *path, uint64_t offset, uint64_t length,
                                      const char *name, const warc_reader_opts_t *opts,
                                      arc_error_t *err)
{
	warc_reader_t *r;

	if (!path) {
		arc_fail(err, ARC_EINVAL, NULL, 0, NULL, "no path given");
		return NULL;
	}
	r = reader_new(name ? name : path, opts);
	if (!r) {
		arc_fail(err, ARC_ENOMEM, path, 0, NULL, "%s: out of memory", path);
		return NULL;
	}
	r->f = arc_fopen_regular(path);
	if (!r->f) {
		arc_fail(err, ARC_EIO, path, 0, NULL, "cannot open %s: %s", path,
		         errno == EINVAL ? "not a regular file (refused: it could block or never end)"
		                         : strerror(errno));
		warc_reader_free(r);
		return NULL;
	}
	r->base = offset;
	r->range = length;
	if (offset && (offset > (uint64_t)INT64_MAX || fseeko(r->f, (off_t)offset, SEEK_SET) != 0)) {
		arc_fail(err, ARC_EIO, path, offset, NULL, "cannot seek %s to %llu: %s", path,
		         (unsigned long long)offset, strerror(errno));
		warc_reader_free(r);
		return NULL;
	}
	r->in_cap = READER_IN_SIZE;
	r->inbuf = malloc(r->in_cap);
	if (!r->inbuf) {
		arc_fail(err, ARC_ENOMEM, path, 0, NULL, "%s: out of memory", path);
		warc_reader_free(r);
		return NULL;
	}
	r->in = r->inbuf;
	if (reader_start(r, err) != ARC_OK) {
		warc_reader_free(r);
		return NULL;
	}
	return r;
}

warc_reader_t *warc_reader_open_mem(const void *buf, size_t len, const char *name,
                                    const warc_reader_opts_t *opts, arc_error_t *err)
{
	warc_reader_t *r;

	if (!name)
		name = "(memory)";
	if (!buf && len) {
		arc_fail(err, ARC_EINVAL, name, 0, NULL, "%s: no buffer", name);
		return NULL;
	}
	r = reader_new(name, opts);
	if (!r) {
		arc_fail(err, ARC_ENOMEM, name, 0, NULL, "%s: out of memory", name);
		return NULL;
	}
	r->in = buf ? buf : (const unsigned char *)"";
	r->in_len = len;
	r->eof = 1;
	if (reader_start(r, err) != ARC_OK) {
		warc_reader_free(r);
		return NULL;
	}
	return r;
}

int warc_reader_next(warc_reader_t *r, warc_rec_t *rec, arc_error_t *err)
{
	if (!r || !rec)
		return arc_fail(err, ARC_EINVAL, NULL, 0, NULL, "warc_reader_next: no reader");
	if (r->failed) {
		if (err)
			*err = r->last;
		return r->last.code;
	}
	return r->compressed == 2 ? next_member(r, rec, err)
	       : r->compressed ? next_frame(r, rec, err) : next_plain(r, rec, err);
}

int warc_reader_seek(warc_reader_t *r, uint64_t offset, arc_error_t *err)
{
	if (!r)
		return arc_fail(err, ARC_EINVAL, NULL, 0, NULL, "warc_reader_seek: no reader");
	r->failed = 0;
	r->record_id[0] = '\0';
	if (r->f) {
		if (offset > r->range || r->base + offset > (uint64_t)INT64_MAX ||
		    fseeko(r->f, (off_t)(r->base + offset), SEEK_SET) != 0)
			return rfail(r, err, ARC_EIO, offset, "cannot seek: %s", strerror(errno));
		clearerr(r->f);
		r->in_off = offset;
		r->in_pos = r->in_len = 0;
		r->eof = 0;
	} else {
		if (offset > r->in_off + r->in_len)
			return rfail(r, err, ARC_EINVAL, offset, "seek past the end (%zu bytes)",
			             r->in_len);
		r->in_pos = (size_t)offset;
	}
	ZSTD_DCtx_reset(r->dctx, ZSTD_reset_session_only);
	return ARC_OK;
}

int warc_reader_is_zstd(const warc_reader_t *r)
{
	return r ? r->compressed : 0;
}

void warc_reader_free(warc_reader_t *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->inbuf);
	ZSTD_freeDCtx(r->dctx);
	if (r->zs_init)
		inflateEnd(&r->zs);
	free(r->scratch);
	free(r->rec);
	free(r->fieldbuf);
	free(r->fields);
	free(r);
}
