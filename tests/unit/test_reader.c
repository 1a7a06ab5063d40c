/*
 * test_reader.c — archive/warc/reader.c and archive/warc/check.c on hand-made inputs:
 * frames built with the zstd library (good, truncated frame, truncated
 * record, wrong Content-Length, two records in one frame, no Content-Length,
 * huge declared length, header over the limit, skippable and dictionary
 * frames), plain WARC, seeking, and the digest checks.
 */
#include "archive.h"
#include "tu.h"

#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* A WARC record with correct digests (unless block_digest is given). */
static void make_record(arc_buf_t *out, const char *type, const char *id, const char *ct,
                        const char *block, size_t block_len, const char *extra)
{
	char bd[ARC_DIGEST_LEN];

	arc_sha256_hex(block, block_len, bd);
	arc_buf_printf(out,
	               "WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: <%s>\r\n"
	               "WARC-Date: 2026-11-25T17:06:23.123456Z\r\nContent-Type: %s\r\n"
	               "WARC-Block-Digest: %s\r\n%sContent-Length: %zu\r\n\r\n",
	               type, id, ct, bd, extra ? extra : "", block_len);
	arc_buf_append(out, block, block_len);
	arc_buf_append(out, "\r\n\r\n", 4);
}

/* Compress src as one frame (optionally with a raw-content dictionary) onto out. */
static size_t add_frame(arc_buf_t *out, const void *src, size_t n, const void *dict,
                        size_t dict_len)
{
	size_t cap = ZSTD_compressBound(n), r;
	ZSTD_CCtx *c = ZSTD_createCCtx();
	unsigned char *tmp = malloc(cap);

	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	if (dict)
		ZSTD_CCtx_loadDictionary(c, dict, dict_len);
	r = ZSTD_compress2(c, tmp, cap, src, n);
	arc_buf_append(out, tmp, r);
	free(tmp);
	ZSTD_freeCCtx(c);
	return r;
}

static void add_skippable(arc_buf_t *out, unsigned magic, const void *data, uint32_t n)
{
	unsigned char h[8] = { (unsigned char)magic, (unsigned char)(magic >> 8),
		               (unsigned char)(magic >> 16), (unsigned char)(magic >> 24),
		               (unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16),
		               (unsigned char)(n >> 24) };
	arc_buf_append(out, h, 8);
	arc_buf_append(out, data, n);
}

/* src as one gzip member onto out (zlib itself, not the code under test). */
static size_t add_member(arc_buf_t *out, const void *src, size_t n)
{
	z_stream z;
	size_t cap = n + n / 100 + 64, before = out->len;
	unsigned char *tmp = malloc(cap);

	memset(&z, 0, sizeof z);
	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = (uInt)n;
	z.next_out = tmp;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	arc_buf_append(out, tmp, cap - z.avail_out);
	deflateEnd(&z);
	free(tmp);
	return out->len - before;
}

static const char *RESP =
	"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
	"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";

/* Read everything; returns the final status and counts records. */
static int read_all(const void *buf, size_t len, int *nrec, arc_error_t *err,
                    const warc_reader_opts_t *opts)
{
	warc_reader_t *r = warc_reader_open_mem(buf, len, "t.warc.zst", opts, err);
	warc_rec_t rec;
	int rc;

	*nrec = 0;
	if (!r)
		return err->code;
	while ((rc = warc_reader_next(r, &rec, err)) == 1)
		(*nrec)++;
	warc_reader_free(r);
	return rc;
}

static void test_good(void)
{
	arc_buf_t r1 = { 0 }, r2 = { 0 }, file = { 0 };
	char pd[ARC_DIGEST_LEN], extra[128];
	size_t l1, l2;
	warc_reader_t *r;
	warc_rec_t rec;
	arc_error_t err;
	int rc;

	make_record(&r1, "warcinfo", "urn:uuid:00000000-0000-4000-8000-000000000001",
	            "application/warc-fields", "software: t\r\n", 13, NULL);
	arc_sha256_hex("hello world", 11, pd);
	snprintf(extra, sizeof extra, "WARC-Payload-Digest: %s\r\nWARC-Target-URI: http://x/\r\n", pd);
	make_record(&r2, "response", "urn:uuid:00000000-0000-4000-8000-000000000002",
	            "application/http; msgtype=response", RESP, strlen(RESP), extra);
	l1 = add_frame(&file, r1.data, r1.len, NULL, 0);
	l2 = add_frame(&file, r2.data, r2.len, NULL, 0);

	r = warc_reader_open_mem(file.data, file.len, "good.warc.zst", NULL, &err);
	CHECK(r != NULL, "open");
	rc = warc_reader_next(r, &rec, &err);
	CHECK(rc == 1 && rec.offset == 0 && rec.length == l1 && rec.compressed, "rec 1 %d", rc);
	CHECK_STR(warc_rec_get(&rec, "warc-type"), "warcinfo");
	CHECK_STR(rec.version, "WARC/1.1");
	CHECK(rec.block_len == 13 && !memcmp(rec.block, "software: t\r\n", 13), "block 1");
	CHECK(rec.header_len == r1.len - 13 - 4 && !memcmp(rec.header, r1.data, rec.header_len),
	      "exact header");
	CHECK(warc_check_record(&rec, "good", &err) == 0, "check 1: %s", err.msg);
	rc = warc_reader_next(r, &rec, &err);
	CHECK(rc == 1 && rec.offset == l1 && rec.length == l2, "rec 2 %d", rc);
	CHECK_STR(warc_rec_get(&rec, "WARC-Target-URI"), "http://x/");
	CHECK(warc_check_block(&rec, "good", &err) == 0, "block 2: %s", err.msg);
	CHECK(warc_check_payload(&rec, "good", &err) == 0, "payload 2 (chunked): %s", err.msg);
	CHECK(warc_reader_next(r, &rec, &err) == 0, "clean end");
	CHECK(warc_reader_next(r, &rec, &err) == 0, "clean end again");
	/* seek back to the second record */
	CHECK(warc_reader_seek(r, l1, &err) == 0, "seek");
	rc = warc_reader_next(r, &rec, &err);
	CHECK(rc == 1 && rec.offset == l1 && !strcmp(warc_rec_get(&rec, "WARC-Type"), "response"),
	      "after seek");
	warc_reader_free(r);

	/* the same from a file */
	{
		char path[256], name[64];
		FILE *f;

		snprintf(name, sizeof name, "test_reader.%ld.warc.zst", (long)getpid());
		tu_tmp(path, sizeof path, name);
		f = fopen(path, "wb");
		fwrite(file.data, 1, file.len, f);
		fclose(f);
		r = warc_reader_open(path, NULL, &err);
		CHECK(r != NULL, "open file");
		CHECK(warc_reader_next(r, &rec, &err) == 1, "file rec 1");
		CHECK(warc_reader_next(r, &rec, &err) == 1 && rec.offset == l1 && rec.length == l2,
		      "file rec 2");
		CHECK(warc_reader_next(r, &rec, &err) == 0, "file end");
		CHECK(warc_reader_seek(r, 0, &err) == 0 && warc_reader_next(r, &rec, &err) == 1 &&
		      rec.offset == 0, "file seek");
		warc_reader_free(r);
		remove(path);
	}
	CHECK(warc_reader_open("/nonexistent/x.warc.zst", NULL, &err) == NULL &&
	      err.code == ARC_EIO && strstr(err.msg, "No such file"), "missing: %s", err.msg);

	/* truncated frame: cut the second frame short */
	{
		int n;
		rc = read_all(file.data, file.len - 7, &n, &err, NULL);
		CHECK(rc == ARC_EZSTD && n == 1 && err.offset == l1, "truncated frame %d: %s", rc,
		      err.msg);
		CHECK(strstr(err.msg, "t.warc.zst: offset ") != NULL, "names file: %s", err.msg);
		rc = read_all(file.data, l1 + 2, &n, &err, NULL);
		CHECK(rc == ARC_EZSTD && n == 1, "stray bytes %d", rc);
	}
	/* a flipped compressed byte: checksum or corruption error */
	{
		int n;
		unsigned char *copy = malloc(file.len);
		memcpy(copy, file.data, file.len);
		copy[l1 + l2 - 2] ^= 0x40;
		rc = read_all(copy, file.len, &n, &err, NULL);
		CHECK(rc == ARC_EZSTD && n == 1, "flipped byte %d: %s", rc, err.msg);
		free(copy);
	}
	arc_buf_free(&r1);
	arc_buf_free(&r2);
	arc_buf_free(&file);
}

static void test_bad_records(void)
{
	arc_buf_t rec = { 0 }, file = { 0 };
	arc_error_t err;
	warc_reader_t *gz;
	warc_rec_t wr0;
	int n, rc;
	char *block = malloc(5000);

	memset(block, 'x', 5000);

	/* Content-Length says 5000 but the frame holds 4000 */
	make_record(&rec, "resource", "urn:uuid:1", "text/plain", block, 5000, NULL);
	add_frame(&file, rec.data, rec.len - 1004, NULL, 0);
	rc = read_all(file.data, file.len, &n, &err, NULL);
	CHECK(rc == ARC_EFORMAT && strstr(err.msg, "Content-Length says 5000 but the frame ends after 4000"),
	      "truncated record: %s", err.msg);
	CHECK(strstr(err.msg, "record <urn:uuid:1>") != NULL, "names record: %s", err.msg);
	CHECK(!strcmp(err.record_id, "<urn:uuid:1>"), "err.record_id %s", err.record_id);

	/* two records in one frame */
	file.len = 0;
	{
		arc_buf_t two = { 0 };
		arc_buf_append(&two, rec.data, rec.len);
		arc_buf_append(&two, rec.data, rec.len);
		add_frame(&file, two.data, two.len, NULL, 0);
		arc_buf_free(&two);
	}
	rc = read_all(file.data, file.len, &n, &err, NULL);
	CHECK(rc == ARC_EFORMAT && n == 0 && strstr(err.msg, "more than one record"), "two: %s",
	      err.msg);

	/* Content-Length smaller than the block: not followed by CRLF CRLF / extra data */
	file.len = 0;
	rec.len = 0;
	arc_buf_printf(&rec, "WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 3\r\n\r\nabcdef\r\n\r\n");
	add_frame(&file, rec.data, rec.len, NULL, 0);
	rc = read_all(file.data, file.len, &n, &err, NULL);
	CHECK(rc == ARC_EFORMAT, "CL too small: %s", err.msg);
	/* Content-Length larger than the block by 2: CRLF CRLF eaten */
	file.len = 0;
	rec.len = 0;
	arc_buf_printf(&rec, "WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 8\r\n\r\nabcdef\r\n\r\n");
	add_frame(&file, rec.data, rec.len, NULL, 0);
	rc = read_all(file.data, file.len, &n, &err, NULL);
	CHECK(rc == ARC_EFORMAT && strstr(err.msg, "CRLF CRLF"), "CL too large: %s", err.msg);

	/* missing Content-Length */
	file.len = 0;
	rec.len = 0;
	arc_buf_printf(&rec, "WARC/1.1\r\nWARC-Type: resource\r\n\r\nabc\r\n\r\n");
	add_frame(&file, rec.data, rec.len, NULL, 0);
	rc = read_all(file.data, file.len, &n, &err, NULL);
	CHECK(rc == ARC_EFORMAT && strstr(err.msg, "no Content-Length"), "no CL: %s", err.msg);

	/* bad Content-Length syntax, and two that disagree */
	file.len = 0;
	rec.len = 0;
	arc_buf_printf(&rec, "WARC/1.1\r\nContent-Length: -3\r\n\r\nabc\r\n\r\n");
	add_frame(&file, rec.data, rec.len, NULL, 0);
	CHECK(read_all(file.data, file.len, &n, &err, NULL) == ARC_EFORMAT, "CL -3");
	file.len = 0;
	rec.len = 0;
	arc_buf_printf(&rec, "WARC/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc\r\n\r\n");
	add_frame(&file, rec.data, rec.len, NULL, 0);
	CHECK(read_all(file.data, file.len, &n, &err, NULL) == ARC_EFORMAT, "two CLs");

	/* huge declared lengths: over the bound -> ARC_ELIMIT; under it but absent -> truncated */
	file.len = 0;
	rec.len = 0;
	arc_buf_printf(&rec, "WARC/1.1\r\nContent-Length: 99999999999999\r\n\r\nabc\r\n\r\n");
	add_frame(&file, rec.data, rec.len, NULL, 0);
	rc = read_all(file.data, file.len, &n, &err, NULL);
	CHECK(rc == ARC_ELIMIT && strstr(err.msg, "exceeds the limit"), "huge CL: %s", err.msg);
	file.len = 0;
	rec.len = 0;
	arc_buf_printf(&rec, "WARC/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\nabc\r\n\r\n");
	add_frame(&file, rec.data, rec.len, NULL, 0);
	CHECK(read_all(file.data, file.len, &n, &err, NULL) == ARC_ELIMIT, "CL overflow");
	file.len = 0;
	rec.len = 0;
	arc_buf_printf(&rec, "WARC/1.1\r\nContent-Length: 2000000000\r\n\r\nabc\r\n\r\n");
	add_frame(&file, rec.data, rec.len, NULL, 0);
	rc = read_all(file.data, file.len, &n, &err, NULL);
	CHECK(rc == ARC_EFORMAT && strstr(err.msg, "truncated"), "2 GB declared: %s", err.msg);
	{
		warc_reader_opts_t o = { .max_record = 100 };
		file.len = 0;
		rec.len = 0;
		make_record(&rec, "resource", "urn:uuid:2", "text/plain", block, 101, NULL);
		add_frame(&file, rec.data, rec.len, NULL, 0);
		CHECK(read_all(file.data, file.len, &n, &err, &o) == ARC_ELIMIT, "max_record option");
	}

	/* header over the limit */
	{
		size_t big = WARC_MAX_HEADER + 100, i;
		arc_buf_t h = { 0 };
		arc_buf_printf(&h, "WARC/1.1\r\nX-Long: ");
		for (i = 0; i < big; i++)
			arc_buf_append(&h, "a", 1);
		arc_buf_printf(&h, "\r\nContent-Length: 0\r\n\r\n\r\n\r\n");
		file.len = 0;
		add_frame(&file, h.data, h.len, NULL, 0);
		rc = read_all(file.data, file.len, &n, &err, NULL);
		CHECK(rc == ARC_ELIMIT && strstr(err.msg, "header longer"), "header limit: %s", err.msg);
		arc_buf_free(&h);
	}
	/* too many fields */
	{
		arc_buf_t h = { 0 };
		unsigned i;
		arc_buf_printf(&h, "WARC/1.1\r\n");
		for (i = 0; i < WARC_MAX_FIELDS + 1; i++)
			arc_buf_printf(&h, "X-%u: v\r\n", i);
		arc_buf_printf(&h, "Content-Length: 0\r\n\r\n\r\n\r\n");
		file.len = 0;
		add_frame(&file, h.data, h.len, NULL, 0);
		CHECK(read_all(file.data, file.len, &n, &err, NULL) == ARC_ELIMIT, "fields limit");
		arc_buf_free(&h);
	}
	/* not WARC */
	file.len = 0;
	add_frame(&file, "HTTP/1.1 200 OK\r\n\r\n", 19, NULL, 0);
	rc = read_all(file.data, file.len, &n, &err, NULL);
	CHECK(rc == ARC_EFORMAT && strstr(err.msg, "WARC/1.1"), "not WARC: %s", err.msg);
	/* WARC/1.1 without header end */
	file.len = 0;
	add_frame(&file, "WARC/1.1\r\nContent-Length: 0\r\n", 30, NULL, 0);
	CHECK(read_all(file.data, file.len, &n, &err, NULL) == ARC_EFORMAT, "no header end");
	/* malformed line, folded continuation ok */
	file.len = 0;
	rec.len = 0;
	arc_buf_printf(&rec, "WARC/1.0\r\nWARC-Type: resource\r\nbogus line\r\nContent-Length: 0\r\n\r\n\r\n\r\n");
	add_frame(&file, rec.data, rec.len, NULL, 0);
	CHECK(read_all(file.data, file.len, &n, &err, NULL) == ARC_EFORMAT, "bogus line");
	{
		warc_reader_t *r;
		warc_rec_t wr;
		file.len = 0;
		rec.len = 0;
		arc_buf_printf(&rec, "WARC/1.0\r\nX-Fold: one\r\n  two\r\n\tthree\r\nContent-Length: 0\r\n\r\n\r\n\r\n");
		add_frame(&file, rec.data, rec.len, NULL, 0);
		r = warc_reader_open_mem(file.data, file.len, "fold", NULL, &err);
		CHECK(r && warc_reader_next(r, &wr, &err) == 1, "folded");
		if (r) {
			CHECK_STR(warc_rec_get(&wr, "X-Fold"), "one two three");
			CHECK_STR(wr.version, "WARC/1.0");
		}
		warc_reader_free(r);
	}
	/* garbage between frames; stays in error */
	{
		warc_reader_t *r;
		warc_rec_t wr;
		file.len = 0;
		rec.len = 0;
		make_record(&rec, "resource", "urn:uuid:3", "text/plain", "abc", 3, NULL);
		add_frame(&file, rec.data, rec.len, NULL, 0);
		arc_buf_append(&file, "GARBAGE!", 8);
		add_frame(&file, rec.data, rec.len, NULL, 0);
		r = warc_reader_open_mem(file.data, file.len, "g", NULL, &err);
		CHECK(warc_reader_next(r, &wr, &err) == 1, "first ok");
		CHECK(warc_reader_next(r, &wr, &err) == ARC_EZSTD && strstr(err.msg, "magic"),
		      "garbage: %s", err.msg);
		CHECK(warc_reader_next(r, &wr, &err) == ARC_EZSTD, "stays in error");
		warc_reader_free(r);
	}
	/* a gzip header with nothing after it: opened, then a truncated member */
	gz = warc_reader_open_mem("\x1f\x8b\x08\x00", 4, "x.warc.gz", NULL, &err);
	CHECK(gz && warc_reader_next(gz, &wr0, &err) < 0 && strstr(err.msg, "gzip member truncated"),
	      "gzip truncated: %s", gz ? err.msg : "not opened");
	warc_reader_free(gz);
	/* empty input: no records */
	CHECK(read_all("", 0, &n, &err, NULL) == 0 && n == 0, "empty");

	arc_buf_free(&rec);
	arc_buf_free(&file);
	free(block);
}

static void test_skippable_and_dict(void)
{
	arc_buf_t rec = { 0 }, file = { 0 };
	arc_error_t err;
	warc_reader_t *r;
	warc_rec_t wr;
	size_t off2, dict_len = 4000, i;
	unsigned char *dict = malloc(dict_len);
	int n;

	make_record(&rec, "resource", "urn:uuid:4", "text/plain", "hello hello hello", 17, NULL);
	add_skippable(&file, 0x184D2A50, "skip", 4);
	add_frame(&file, rec.data, rec.len, NULL, 0);
	add_skippable(&file, 0x184D2A5F, "", 0);
	off2 = file.len;
	add_frame(&file, rec.data, rec.len, NULL, 0);
	r = warc_reader_open_mem(file.data, file.len, "s", NULL, &err);
	CHECK(r && warc_reader_next(r, &wr, &err) == 1 && wr.offset == 12, "after skippable %llu",
	      (unsigned long long)wr.offset);
	CHECK(warc_reader_next(r, &wr, &err) == 1 && wr.offset == off2, "second");
	CHECK(warc_reader_next(r, &wr, &err) == 0, "end");
	warc_reader_free(r);
	/* a skippable frame declaring more than is there */
	file.len = 0;
	add_skippable(&file, 0x184D2A50, "abc", 3);
	file.data[4] = 200;
	CHECK(read_all(file.data, file.len, &n, &err, NULL) == ARC_EZSTD, "truncated skippable");

	/* dictionary frame (raw content dictionary), then frames that need it */
	for (i = 0; i < dict_len; i++)
		dict[i] = (unsigned char)("WARC/1.1\r\nWARC-Type: resource\r\n"[i % 31]);
	file.len = 0;
	add_skippable(&file, 0x184D2A5D, dict, (uint32_t)dict_len);
	add_frame(&file, rec.data, rec.len, dict, dict_len);
	off2 = file.len;
	add_frame(&file, rec.data, rec.len, dict, dict_len);
	r = warc_reader_open_mem(file.data, file.len, "d", NULL, &err);
	CHECK(r != NULL, "dict open: %s", err.msg);
	CHECK(r && warc_reader_next(r, &wr, &err) == 1 && wr.offset == 8 + dict_len, "dict rec: %s",
	      err.msg);
	CHECK(r && warc_reader_next(r, &wr, &err) == 1 && wr.offset == off2, "dict rec 2");
	CHECK(r && warc_reader_seek(r, 0, &err) == 0 && warc_reader_next(r, &wr, &err) == 1,
	      "dict seek 0");
	CHECK(r && warc_reader_seek(r, off2, &err) == 0 && warc_reader_next(r, &wr, &err) == 1,
	      "dict seek");
	warc_reader_free(r);
	/* without the dictionary frame: a clear error */
	{
		int rc = read_all(file.data + 8 + dict_len, file.len - 8 - dict_len, &n, &err, NULL);
		CHECK(rc == ARC_EZSTD, "needs dict: %s", err.msg);
	}
	free(dict);
	arc_buf_free(&rec);
	arc_buf_free(&file);
}

static void test_plain(void)
{
	arc_buf_t file = { 0 }, rec = { 0 };
	arc_error_t err;
	warc_reader_t *r;
	warc_rec_t wr;
	size_t l1;
	int n, rc;

	make_record(&rec, "warcinfo", "urn:uuid:5", "application/warc-fields", "a: b\r\n", 6, NULL);
	arc_buf_append(&file, rec.data, rec.len);
	l1 = file.len;
	arc_buf_append(&file, rec.data, rec.len);
	r = warc_reader_open_mem(file.data, file.len, "p.warc", NULL, &err);
	CHECK(r && warc_reader_next(r, &wr, &err) == 1 && wr.offset == 0 && wr.length == l1 &&
	      !wr.compressed, "plain 1");
	CHECK(warc_check_record(&wr, "p.warc", &err) == 0, "plain check");
	CHECK(warc_reader_next(r, &wr, &err) == 1 && wr.offset == l1, "plain 2");
	CHECK(warc_reader_next(r, &wr, &err) == 0, "plain end");
	warc_reader_free(r);
	rc = read_all(file.data, file.len - 3, &n, &err, NULL);
	CHECK(rc == ARC_EFORMAT && n == 1, "plain truncated %d: %s", rc, err.msg);
	rc = read_all(file.data, file.len - 8, &n, &err, NULL);
	CHECK(rc == ARC_EFORMAT && n == 1 && strstr(err.msg, "Content-Length says 6"),
	      "plain truncated block: %s", err.msg);
	arc_buf_free(&file);
	arc_buf_free(&rec);
}

static void test_checks(void)
{
	arc_buf_t rec = { 0 }, file = { 0 };
	arc_error_t err;
	warc_reader_t *r;
	warc_rec_t wr;
	char extra[200];

	/* wrong block digest */
	arc_buf_printf(&rec, "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:6>\r\n"
	                     "WARC-Block-Digest: sha256:%064d\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n", 0);
	add_frame(&file, rec.data, rec.len, NULL, 0);
	r = warc_reader_open_mem(file.data, file.len, "c", NULL, &err);
	CHECK(warc_reader_next(r, &wr, &err) == 1, "read");
	CHECK(warc_check_block(&wr, "c", &err) == ARC_EDIGEST &&
	      strstr(err.msg, "block digest") && strstr(err.msg, "<urn:uuid:6>") &&
	      strstr(err.msg, "sha256:ba7816bf"), "block mismatch: %s", err.msg);
	CHECK(warc_check_payload(&wr, "c", &err) == 1, "no payload digest: not checked");
	warc_reader_free(r);

	/* sha1 base32 (as wget/heritrix write), sha256 base32, unknown algorithm */
	{
		/* sha1("abc") = a9993e36...; base32 VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5 */
		const char *labels[] = { "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5",
			                 "SHA1:a9993e364706816aba3e25717850c26c9cd0d89d",
			                 "sha256:XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ====",
			                 "md5:900150983cd24fb0d6963f7d28e17f72",
			                 "sha256:zz" };
		int want[] = { 0, 0, 0, ARC_EFORMAT, ARC_EFORMAT };
		size_t i;
		for (i = 0; i < 5; i++) {
			rec.len = 0;
			file.len = 0;
			arc_buf_printf(&rec, "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Block-Digest: %s\r\n"
			                     "WARC-Payload-Digest: %s\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n",
			               labels[i], labels[i]);
			add_frame(&file, rec.data, rec.len, NULL, 0);
			r = warc_reader_open_mem(file.data, file.len, "c", NULL, &err);
			CHECK(warc_reader_next(r, &wr, &err) == 1, "read %zu", i);
			CHECK(warc_check_record(&wr, "c", &err) == want[i], "label %s: %s", labels[i],
			      err.msg);
			if (want[i])
				CHECK(strstr(err.msg, labels[i]) != NULL, "names the label: %s", err.msg);
			warc_reader_free(r);
		}
	}

	/* payload digest over the dechunked entity: a digest over the chunked
	 * bytes must fail, one over the entity must pass */
	{
		char pd[ARC_DIGEST_LEN];
		const char *body = strstr(RESP, "\r\n\r\n") + 4;
		arc_sha256_hex(body, strlen(body), pd);
		snprintf(extra, sizeof extra, "WARC-Payload-Digest: %s\r\n", pd);
		rec.len = 0;
		file.len = 0;
		make_record(&rec, "response", "urn:uuid:7", "application/http;msgtype=response", RESP,
		            strlen(RESP), extra);
		add_frame(&file, rec.data, rec.len, NULL, 0);
		r = warc_reader_open_mem(file.data, file.len, "c", NULL, &err);
		CHECK(warc_reader_next(r, &wr, &err) == 1, "read");
		CHECK(warc_check_payload(&wr, "c", &err) == ARC_EDIGEST, "chunked bytes digest fails");
		warc_reader_free(r);
		/* a revisit's payload digest is not recomputed */
		rec.len = 0;
		file.len = 0;
		make_record(&rec, "revisit", "urn:uuid:8", "application/http;msgtype=response",
		            "HTTP/1.1 200 OK\r\n\r\n", 19, extra);
		add_frame(&file, rec.data, rec.len, NULL, 0);
		r = warc_reader_open_mem(file.data, file.len, "c", NULL, &err);
		CHECK(warc_reader_next(r, &wr, &err) == 1, "read");
		CHECK(warc_check_payload(&wr, "c", &err) == 1, "revisit not recomputed");
		CHECK(warc_check_record(&wr, "c", &err) == 0, "revisit record");
		warc_reader_free(r);
		/* a self-contained revisit (custody's layout) is checked */
		rec.len = 0;
		file.len = 0;
		make_record(&rec, "revisit", "urn:uuid:8", "application/http;msgtype=response",
		            RESP, strlen(RESP), "WARC-Payload-Digest: sha256:0000000000000000000000000000000000000000000000000000000000000000\r\n");
		add_frame(&file, rec.data, rec.len, NULL, 0);
		r = warc_reader_open_mem(file.data, file.len, "c", NULL, &err);
		CHECK(warc_reader_next(r, &wr, &err) == 1, "read");
		CHECK(warc_check_payload(&wr, "c", &err) == ARC_EDIGEST, "self-contained revisit checked");
		warc_reader_free(r);
		/* broken chunking with a payload digest */
		rec.len = 0;
		file.len = 0;
		make_record(&rec, "response", "urn:uuid:9", "application/http;msgtype=response",
		            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ", 49, extra);
		add_frame(&file, rec.data, rec.len, NULL, 0);
		r = warc_reader_open_mem(file.data, file.len, "c", NULL, &err);
		CHECK(warc_reader_next(r, &wr, &err) == 1, "read");
		CHECK(warc_check_payload(&wr, "c", &err) == ARC_EFORMAT &&
		      strstr(err.msg, "chunked"), "broken chunking: %s", err.msg);
		warc_reader_free(r);
	}
	arc_buf_free(&rec);
	arc_buf_free(&file);
}

/* Records written by archive/warc/writer.c read back and check clean: the writer's
 * digester and this reader/checker agree on framing and payloads. */
static void test_writer_roundtrip(void)
{
	arc_buf_t mem = { 0 };
	arc_sink_t sink;
	warc_writer_t *w;
	warc_written_t out;
	warc_record_t rec;
	warc_rec_t wr;
	warc_reader_t *r;
	arc_error_t err;
	uint64_t offs[3], lens[3];
	int i, rc;
	const char *types[3] = { "warcinfo", "response", "revisit" };

	memset(&out, 0, sizeof out);
	arc_sink_mem(&sink, &mem);
	w = warc_writer_new(&sink, NULL);
	CHECK(w != NULL, "writer");
	if (!w)
		return;
	for (i = 0; i < 3; i++) {
		memset(&rec, 0, sizeof rec);
		rec.type = types[i];
		rec.target_uri = i ? "http://example.com/a" : NULL;
		rec.content_type = i ? "application/http; msgtype=response" : "application/warc-fields";
		rec.block = i ? RESP : "software: t\r\n";
		rec.block_len = strlen(rec.block);
		rc = warc_writer_write(w, &rec, &out, &err);
		CHECK(rc == 0, "write %d: %s", i, err.msg);
		offs[i] = out.offset;
		lens[i] = out.length;
	}
	r = warc_reader_open_mem(mem.data, mem.len, "written", NULL, &err);
	for (i = 0; r && i < 3; i++) {
		rc = warc_reader_next(r, &wr, &err);
		CHECK(rc == 1 && wr.offset == offs[i] && wr.length == lens[i], "read back %d: %s", i,
		      rc == 1 ? "offset/length" : err.msg);
		if (rc != 1)
			break;
		CHECK(warc_check_block(&wr, "written", &err) == 0, "block %d: %s", i, err.msg);
		rc = warc_check_payload(&wr, "written", &err);
		CHECK(i == 0 ? rc == 1 : rc == 0, "payload %d: %d %s", i, rc, err.msg);
	}
	CHECK(r && warc_reader_next(r, &wr, &err) == 0, "written: clean end");
	warc_reader_free(r);
	warc_writer_free(w);
	arc_buf_free(&mem);
}

/* A block that continues in a file (the crawler's spooled bodies) reads back
 * whole and checks; with block_keep the reader keeps the start only and still
 * checks the frame's length and end. */
static void test_block_rest_keep(void)
{
	arc_buf_t mem = { 0 }, whole = { 0 };
	arc_sink_t sink;
	warc_written_t out;
	warc_rec_t wr;
	arc_error_t err;
	size_t body = 300 * 1024, i;
	char bd[ARC_DIGEST_LEN], pd[ARC_DIGEST_LEN];
	const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 307200\r\n\r\n";
	FILE *f = tmpfile();
	CHECK(f != NULL, "tmpfile");
	if (!f)
		return;
	arc_buf_append(&whole, head, strlen(head));
	for (i = 0; i < body; i++) {
		unsigned char b = (unsigned char)(i * 7 + (i >> 9));
		arc_buf_append(&whole, &b, 1);
	}
	/* memory part: the header and 1000 body bytes; the rest in the file */
	size_t mem_part = strlen(head) + 1000;
	fwrite(whole.data + mem_part, 1, whole.len - mem_part, f);
	rewind(f);
	warc_digester_t *d = warc_digester_new(1);
	warc_digester_feed(d, whole.data, whole.len);
	warc_digester_final(d, bd, pd);
	warc_digester_free(d);
	arc_sink_mem(&sink, &mem);
	warc_writer_t *w = warc_writer_new(&sink, NULL);
	warc_record_t rec;
	memset(&rec, 0, sizeof rec);
	rec.type = "response";
	rec.target_uri = "http://example.com/big";
	rec.content_type = "application/http; msgtype=response";
	rec.block = whole.data;
	rec.block_len = mem_part;
	rec.block_rest = f;
	rec.block_rest_len = whole.len - mem_part;
	rec.block_digest = bd;
	rec.payload_digest = pd;
	CHECK(warc_writer_write(w, &rec, &out, &err) == 0, "write with block_rest: %s", err.msg);
	rec.block_digest = NULL;
	rewind(f);
	CHECK(warc_writer_write(w, &rec, &out, &err) == ARC_EINVAL, "block_rest without digests refused");
	warc_reader_t *r = warc_reader_open_mem(mem.data, mem.len, "rest", NULL, &err);
	CHECK(r && warc_reader_next(r, &wr, &err) == 1 && wr.block_len == whole.len &&
	      !memcmp(wr.block, whole.data, whole.len) && warc_check_block(&wr, "rest", &err) == 0 &&
	      warc_check_payload(&wr, "rest", &err) == 0, "whole block read back and checked");
	warc_reader_free(r);
	warc_reader_opts_t ro = { .block_keep = 4096 };
	r = warc_reader_open_mem(mem.data, mem.len, "rest", &ro, &err);
	CHECK(r && warc_reader_next(r, &wr, &err) == 1 && wr.block_len >= 4096 && wr.block_len < whole.len &&
	      wr.block_total == whole.len && !memcmp(wr.block, whole.data, wr.block_len),
	      "block_keep: the start kept, the total known");
	CHECK(r && warc_reader_next(r, &wr, &err) == 0, "block_keep: clean end");
	warc_reader_free(r);
	/* a frame cut short is still caught with block_keep */
	r = warc_reader_open_mem(mem.data, mem.len - 10, "cut", &ro, &err);
	CHECK(r && warc_reader_next(r, &wr, &err) < 0, "block_keep: a truncated frame is an error");
	warc_reader_free(r);
	warc_writer_free(w);
	fclose(f);
	arc_buf_free(&mem);
	arc_buf_free(&whole);
}

/* Records larger than the reader's input buffer, from files: the refill
 * paths of both the zstd and the plain reader. */
static void test_big_files(void)
{
	size_t n = 700 * 1024, i;
	char *big = malloc(n);
	arc_buf_t rec = { 0 }, z = { 0 };
	warc_reader_t *r;
	warc_rec_t wr;
	arc_error_t err;
	FILE *f;
	int k;

	for (i = 0; i < n; i++)
		big[i] = (char)("0123456789abcdefghij"[(i * 7 + i / 1000) % 20]);
	make_record(&rec, "resource", "urn:uuid:big", "text/plain", big, n, NULL);
	add_frame(&z, rec.data, rec.len, NULL, 0);
	add_frame(&z, rec.data, rec.len, NULL, 0);
	for (k = 0; k < 2; k++) {
		char path[256], name[64];

		snprintf(name, sizeof name, "test_reader_big.%ld.%s", (long)getpid(), k ? "warc" : "warc.zst");
		tu_tmp(path, sizeof path, name);
		f = fopen(path, "wb");
		fwrite(k ? rec.data : z.data, 1, k ? rec.len : z.len, f);
		if (k)
			fwrite(rec.data, 1, rec.len, f);
		fclose(f);
		r = warc_reader_open(path, NULL, &err);
		CHECK(r != NULL, "open big %d", k);
		CHECK(r && warc_reader_next(r, &wr, &err) == 1 && wr.block_len == n &&
		      !memcmp(wr.block, big, n), "big record 1 (%s): %s", path, err.msg);
		CHECK(r && warc_check_record(&wr, path, &err) == 0, "big check: %s", err.msg);
		CHECK(r && warc_reader_next(r, &wr, &err) == 1 && wr.block_len == n &&
		      wr.offset == (k ? rec.len : z.len / 2), "big record 2 (%s)", path);
		CHECK(r && warc_reader_next(r, &wr, &err) == 0, "big end");
		warc_reader_free(r);
		remove(path);
	}
	arc_buf_free(&rec);
	arc_buf_free(&z);
	free(big);
}

/* A case written by archive/warc/case.c reads back: warcinfo first in every file,
 * every record checks. */
static void test_case_dir(void)
{
	char dir[256];
	arc_case_opts_t o;
	arc_case_t *c;
	warc_record_t rec;
	warc_written_t out;
	arc_error_t err;
	int i, files = 0, total = 0;

	tu_tmp(dir, sizeof dir, "test_reader_case.XXXXXX");
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	memset(&o, 0, sizeof o);
	o.max_file_size = 2000; /* rotate often */
	o.software = "test_reader";
	o.command_line = "test_reader";
	o.robots = "obey";
	c = arc_case_open(dir, &o, &err);
	CHECK(c != NULL, "case open: %s", c ? "" : err.msg);
	if (!c)
		return;
	memset(&out, 0, sizeof out);
	for (i = 0; i < 6; i++) {
		memset(&rec, 0, sizeof rec);
		rec.type = "response";
		rec.target_uri = "http://example.com/";
		rec.content_type = "application/http; msgtype=response";
		rec.block = RESP;
		rec.block_len = strlen(RESP);
		CHECK(arc_case_write(c, &rec, &out, &err) == 0, "case write %d: %s", i, err.msg);
	}
	CHECK(arc_case_close(c, &err) == 0, "case close: %s", err.msg);
	arc_case_files_t list;
	CHECK(arc_case_files(dir, &list, &err) == 0, "list: %s", err.msg);
	CHECK(list.gap_missing < 0 && !list.mixed, "no gap, one case");
	for (i = 0; (size_t)i < list.n; i++) {
		const char *path = list.v[i].path;
		warc_reader_t *r;
		warc_rec_t wr;
		int n = 0, rc;

		CHECK(list.v[i].num == (unsigned long)i, "file %d in order: %s", i, list.v[i].name);
		r = warc_reader_open(path, NULL, &err);
		if (!r)
			break;
		files++;
		while ((rc = warc_reader_next(r, &wr, &err)) == 1) {
			if (n == 0)
				CHECK_STR(warc_rec_get(&wr, "WARC-Type"), "warcinfo");
			CHECK(warc_check_record(&wr, path, &err) == 0, "case record: %s", err.msg);
			n++;
			total++;
		}
		CHECK(rc == 0, "case file %d reads to the end: %s", i, err.msg);
		warc_reader_free(r);
		remove(path);
	}
	arc_case_files_free(&list);
	CHECK(files >= 2 && total == 6 + files, "case: %d files, %d records", files, total);
	{
		char p[512];
		snprintf(p, sizeof p, "%s/index.cdxj", dir);
		remove(p);
	}
	rmdir(dir);
}

/* The one listing of a case: numeric order (never strcmp's, which puts
 * capture-100000 before capture-99999), gaps, two cases in one folder. */
static void test_case_files(void)
{
	char dir[256], p[512];
	static const char *names[] = {
		"capture-abcdef01-100000.warc.zst", "capture-abcdef01-99999.warc.zst",
		"capture-abcdef01-00000.warc.zst", "capture-abcdef01-00001.warc.zst",
		"index.cdxj", "capture-ABCDEF01-00002.warc.zst", "capture-abcdef01-0002.warc.zst",
		"capture-abcdef01-00002.warc", "capture-1234567890.warc.zst", NULL,
	};
	arc_case_files_t l;
	arc_error_t err;
	unsigned long num;
	char id[9];

	tu_tmp(dir, sizeof dir, "custody-test-files-XXXXXX");
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	for (int i = 0; names[i]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		FILE *f = fopen(p, "w");
		CHECK(f != NULL, "create %s", p);
		if (f)
			fclose(f);
	}
	CHECK(arc_case_files(dir, &l, &err) == 0, "list: %s", err.msg);
	CHECK(l.n == 4, "4 capture files, got %zu", l.n);
	if (l.n == 4) {
		CHECK(l.v[0].num == 0 && l.v[1].num == 1 && l.v[2].num == 99999 && l.v[3].num == 100000,
		      "numeric order: %s %s %s %s", l.v[0].name, l.v[1].name, l.v[2].name, l.v[3].name);
		CHECK_STR(l.v[3].name, "capture-abcdef01-100000.warc.zst");
		CHECK_STR(l.v[0].short_id, "abcdef01");
	}
	CHECK(l.gap_missing == 2 && l.gap_after == 1, "first gap: %ld after %ld", l.gap_missing, l.gap_after);
	CHECK(!l.mixed, "one case");
	arc_case_files_free(&l);
	snprintf(p, sizeof p, "%s/capture-00000001-00003.warc.zst", dir);
	FILE *f = fopen(p, "w");
	if (f)
		fclose(f);
	CHECK(arc_case_files(dir, &l, &err) == 0 && l.mixed, "two cases in one folder are flagged");
	arc_case_files_free(&l);
	/* the old form is still read */
	CHECK(arc_case_name_parse("capture-00042.warc.zst", &num, id) == 0 && num == 42 && !id[0],
	      "old name");
	CHECK(arc_case_name_parse("capture-0042.warc.zst", &num, id) < 0, "4 digits refused");
	CHECK(arc_case_name_parse("capture-abcdef01-.warc.zst", &num, id) < 0, "no number refused");
	CHECK(arc_case_files("/nonexistent/custody", &l, &err) < 0 && strstr(err.msg, "/nonexistent/custody"),
	      "missing dir named: %s", err.msg);
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	CHECK(system(p) == 0, "cleanup");
}

/* .warc.gz: one member per record, offsets are member offsets; a member with
 * two records, a damaged member and a range inside a bigger file */
static void test_gzip(void)
{
	arc_buf_t r1 = { 0 }, r2 = { 0 }, file = { 0 }, two = { 0 };
	warc_reader_t *r;
	warc_rec_t wr;
	arc_error_t err;
	size_t l1, l2;
	char path[256];
	int fd;

	make_record(&r1, "warcinfo", "urn:uuid:g1", "application/warc-fields", "a: b\r\n", 6, NULL);
	make_record(&r2, "response", "urn:uuid:g2", "application/http;msgtype=response", RESP,
	            strlen(RESP), NULL);
	l1 = add_member(&file, r1.data, r1.len);
	l2 = add_member(&file, r2.data, r2.len);
	r = warc_reader_open_mem(file.data, file.len, "x.warc.gz", NULL, &err);
	CHECK(r != NULL, "open: %s", err.msg);
	CHECK(warc_reader_next(r, &wr, &err) == 1 && wr.offset == 0 && wr.length == l1 &&
	      wr.compressed == 2 && wr.header_len + wr.block_len + 4 == r1.len, "member 1");
	CHECK(warc_reader_next(r, &wr, &err) == 1 && wr.offset == l1 && wr.length == l2 &&
	      !strcmp(warc_rec_get(&wr, "WARC-Type"), "response") &&
	      warc_check_record(&wr, "x", &err) == 0, "member 2: %s", err.msg);
	CHECK(warc_reader_next(r, &wr, &err) == 0, "end");
	CHECK(warc_reader_seek(r, l1, &err) == 0 && warc_reader_next(r, &wr, &err) == 1 &&
	      wr.offset == l1, "seek to a member");
	warc_reader_free(r);

	/* two records in one member: refused, as for zstd frames */
	arc_buf_append(&two, r1.data, r1.len);
	arc_buf_append(&two, r2.data, r2.len);
	file.len = 0;
	add_member(&file, two.data, two.len);
	r = warc_reader_open_mem(file.data, file.len, "two.warc.gz", NULL, &err);
	CHECK(r && warc_reader_next(r, &wr, &err) == ARC_EFORMAT && strstr(err.msg, "more than one record"),
	      "two in one member: %s", err.msg);
	warc_reader_free(r);

	/* a flipped byte inside the deflate data or the CRC: an error naming the member */
	file.len = 0;
	add_member(&file, r1.data, r1.len);
	l1 = file.len;
	add_member(&file, r2.data, r2.len);
	file.data[file.len - 6] ^= 0x55; /* CRC-32 of the second member */
	r = warc_reader_open_mem(file.data, file.len, "bad.warc.gz", NULL, &err);
	CHECK(r && warc_reader_next(r, &wr, &err) == 1, "first member fine");
	CHECK(warc_reader_next(r, &wr, &err) == ARC_EFORMAT && err.offset == l1 && strstr(err.msg, "corrupt"),
	      "bad crc: %s", err.msg);
	warc_reader_free(r);
	file.data[file.len - 6] ^= 0x55;

	/* a range of a file: 7 bytes before, 5 after */
	tu_tmp(path, sizeof path, "custody-gz-XXXXXX");
	fd = mkstemp(path);
	if (fd >= 0) {
		CHECK(write(fd, "PREFIX!", 7) == 7 && write(fd, file.data, file.len) == (ssize_t)file.len &&
		      write(fd, "AFTER", 5) == 5, "write");
		close(fd);
		r = warc_reader_open_range(path, 7, file.len, "x.wacz#archive/a.warc.gz", NULL, &err);
		CHECK(r && warc_reader_next(r, &wr, &err) == 1 && wr.offset == 0, "range: first");
		CHECK(r && warc_reader_next(r, &wr, &err) == 1 && wr.offset == l1, "range: second");
		CHECK(r && warc_reader_next(r, &wr, &err) == 0, "range: ends before AFTER: %s", err.msg);
		CHECK(r && warc_reader_seek(r, l1, &err) == 0 && warc_reader_next(r, &wr, &err) == 1 &&
		      !strcmp(warc_rec_get(&wr, "WARC-Type"), "response"), "range: seek");
		warc_reader_free(r);
		unlink(path);
	}
	arc_buf_free(&r1);
	arc_buf_free(&r2);
	arc_buf_free(&file);
	arc_buf_free(&two);
}

int main(void)
{
	test_case_files();
	test_big_files();
	test_case_dir();
	test_writer_roundtrip();
	test_block_rest_keep();
	test_good();
	test_bad_records();
	test_skippable_and_dict();
	test_plain();
	test_gzip();
	test_checks();
	TU_END();
}
