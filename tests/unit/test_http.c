/*
 * test_http.c — archive/warc/http.c: header helpers, the streaming chunked decoder
 * (normal, extensions, trailers, byte-by-byte feeds, malformed input, hex
 * overflow), http_entity, and content decoding with its output bound.
 */
#include "archive.h"
#include "tu.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

static int collect(void *ctx, const unsigned char *buf, size_t len)
{
	return arc_buf_append(ctx, buf, len);
}

/* Dechunk s fed in pieces of `step` bytes (0: all at once). Returns the feed
 * status; *done gets http_dechunk_done. */
static int dechunk(const char *s, size_t len, size_t step, arc_buf_t *out, int *done)
{
	http_dechunk_t *d = http_dechunk_new(collect, out);
	size_t i = 0;
	int rc = 0;

	if (!d)
		return ARC_ENOMEM;
	if (!step)
		step = len ? len : 1;
	while (i < len && rc == 0) {
		size_t n = len - i < step ? len - i : step;
		rc = http_dechunk_feed(d, (const unsigned char *)s + i, n);
		i += n;
	}
	*done = http_dechunk_done(d);
	http_dechunk_free(d);
	return rc;
}

static void test_headers(void)
{
	const char *m = "HTTP/1.1 404 Not Found\r\nContent-Type:  text/html; charset=gb2312 \r\n"
	                "X-Empty:\r\nTransfer-Encoding: gzip, chunked\r\n\r\nbody";
	char v[64];
	size_t hl = http_header_end((const unsigned char *)m, strlen(m));

	CHECK(hl == strlen(m) - 4, "header end %zu", hl);
	CHECK(http_status((const unsigned char *)m, hl) == 404, "status");
	CHECK(http_header_get((const unsigned char *)m, hl, "content-type", v, sizeof v) == 1, "get");
	CHECK(!strcmp(v, "text/html; charset=gb2312"), "got %s", v);
	CHECK(http_header_get((const unsigned char *)m, hl, "X-Empty", v, sizeof v) == 1 && !v[0],
	      "empty value");
	CHECK(http_header_get((const unsigned char *)m, hl, "Content-Length", v, sizeof v) == 0,
	      "absent");
	CHECK(http_header_get((const unsigned char *)m, hl, "Content-Type", v, 5) == 1, "small out");
	CHECK(!strcmp(v, "text"), "got %s", v);
	CHECK(http_is_chunked((const unsigned char *)m, hl) == 1, "chunked last");
	CHECK(http_is_chunked((const unsigned char *)"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
	                      52) == 0, "chunked not last");
	CHECK(http_header_end((const unsigned char *)"HTTP/1.0 200 OK\n\nx", 18) == 17, "bare LF");
	CHECK(http_header_end((const unsigned char *)"HTTP/1.0 200 OK\r\n", 17) == 0, "no end");
	CHECK(http_status((const unsigned char *)"HTTP/2 301\r\n\r\n", 14) == 301, "http/2");
	CHECK(http_status((const unsigned char *)"GET / HTTP/1.1\r\n\r\n", 18) == 0, "request");
	CHECK(http_status((const unsigned char *)"HTTP/1.1 20\r\n", 13) == 0, "short code");
	CHECK(http_status((const unsigned char *)"HTTP/1.1 2000\r\n", 15) == 0, "long code");
}

static void test_dechunk(void)
{
	static const char good[] = "4\r\nWiki\r\n5;name=\"v\"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
	                           "0\r\nExpires: never\r\nX-T: 1\r\n\r\n";
	const char *want = "Wikipedia in\r\n\r\nchunks.";
	arc_buf_t b = { 0 };
	int done, rc;
	size_t step;

	for (step = 0; step <= 3; step++) {
		b.len = 0;
		rc = dechunk(good, sizeof good - 1, step, &b, &done);
		CHECK(rc == 0 && done, "step %zu: rc %d done %d", step, rc, done);
		CHECK(b.len == strlen(want) && !memcmp(b.data, want, b.len), "step %zu: content", step);
	}

	b.len = 0;
	rc = dechunk("3 \r\nabc\r\n0\r\n\r\n", 15, 0, &b, &done);
	CHECK(rc == 0 && done && b.len == 3, "space after size");
	b.len = 0;
	rc = dechunk("3\nabc\n0\n\n", 10, 1, &b, &done);
	CHECK(rc == 0 && done && b.len == 3, "bare LF lines");
	b.len = 0;
	rc = dechunk("3\r\nabc\r\n0\r\n\r\nGARBAGE", 20, 0, &b, &done);
	CHECK(rc == 0 && done && b.len == 3, "bytes after the end ignored");
	b.len = 0;
	rc = dechunk("3\r\nabc\r\n", 8, 0, &b, &done);
	CHECK(rc == 0 && !done && b.len == 3, "unterminated: not done");

	/* malformed */
	b.len = 0;
	CHECK(dechunk("g\r\n", 3, 0, &b, &done) == ARC_EFORMAT, "bad hex");
	CHECK(dechunk("\r\n", 2, 0, &b, &done) == ARC_EFORMAT, "empty size line");
	CHECK(dechunk(";x\r\n", 4, 0, &b, &done) == ARC_EFORMAT, "extension without size");
	CHECK(dechunk("3\r\nabcX", 7, 0, &b, &done) == ARC_EFORMAT, "no CRLF after data");
	CHECK(dechunk("3\r\nabc\rX", 8, 0, &b, &done) == ARC_EFORMAT, "CR without LF");
	CHECK(dechunk("0\r\n\rX", 5, 0, &b, &done) == ARC_EFORMAT, "bad final line");
	CHECK(dechunk("-1\r\n", 4, 0, &b, &done) == ARC_EFORMAT, "negative");
	CHECK(dechunk("1 2\r\n", 5, 0, &b, &done) == ARC_EFORMAT, "digits after space");
	/* overflow: 17 hex digits */
	CHECK(dechunk("10000000000000000\r\n", 19, 0, &b, &done) == ARC_ELIMIT, "hex overflow");
	/* 16 f's is the largest representable size: accepted, then data is short */
	CHECK(dechunk("ffffffffffffffff\r\nab", 20, 0, &b, &done) == 0 && !done, "max size");

	/* long chunk-size line (extensions) bounded */
	{
		size_t n = 10000, i;
		char *s = malloc(n);
		s[0] = '1';
		s[1] = ';';
		for (i = 2; i < n; i++)
			s[i] = 'a';
		CHECK(dechunk(s, n, 7, &b, &done) == ARC_ELIMIT, "size line bound");
		/* endless trailers bounded */
		memcpy(s, "0\r\n", 3);
		for (i = 3; i < n; i++)
			s[i] = (i % 10 == 9) ? '\n' : 'x';
		{
			http_dechunk_t *d = http_dechunk_new(collect, &b);
			int r = 0, k;
			for (k = 0; k < 40 && r == 0; k++)
				r = http_dechunk_feed(d, (unsigned char *)s + (k ? 3 : 0), n - (k ? 3 : 0));
			CHECK(r == ARC_ELIMIT, "trailer bound: %d", r);
			http_dechunk_free(d);
		}
		free(s);
	}

	/* stays in error */
	{
		http_dechunk_t *d = http_dechunk_new(collect, &b);
		CHECK(http_dechunk_feed(d, (const unsigned char *)"zz", 2) == ARC_EFORMAT, "err");
		CHECK(http_dechunk_feed(d, (const unsigned char *)"0\r\n\r\n", 5) == ARC_EFORMAT,
		      "stays in error");
		CHECK(!http_dechunk_done(d), "not done after error");
		http_dechunk_free(d);
	}
	arc_buf_free(&b);
}

static void test_entity(void)
{
	const char *plain = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	const char *chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	                      "2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n";
	const char *broken = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\nZZ";
	unsigned char *e;
	size_t el;
	int owned, rc;

	rc = http_entity((const unsigned char *)plain, strlen(plain), &e, &el, &owned);
	CHECK(rc == 0 && !owned && el == 5 && !memcmp(e, "hello", 5), "plain entity");
	rc = http_entity((const unsigned char *)chunked, strlen(chunked), &e, &el, &owned);
	CHECK(rc == 0 && owned && el == 5 && !memcmp(e, "hello", 5), "chunked entity");
	if (owned)
		free(e);
	rc = http_entity((const unsigned char *)broken, strlen(broken), &e, &el, &owned);
	CHECK(rc == ARC_EFORMAT && owned && el == 2, "broken chunked: partial, flagged");
	if (owned)
		free(e);
	rc = http_entity((const unsigned char *)"HTTP/1.1 200 OK\r\n", 17, &e, &el, &owned);
	CHECK(rc == ARC_EFORMAT && !owned && el == 0, "no header end");
	rc = http_entity((const unsigned char *)"HTTP/1.1 204 No Content\r\n\r\n", 27, &e, &el, &owned);
	CHECK(rc == 0 && el == 0, "empty body");
}

static size_t gzip_buf(const unsigned char *in, size_t n, unsigned char *out, size_t cap, int wbits)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, wbits, 9, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	n = z.total_out;
	deflateEnd(&z);
	return n;
}

static void test_decode(void)
{
	static unsigned char text[100000], comp[200000];
	unsigned char *out;
	size_t n, outl, i;
	arc_error_t err;
	int rc;

	for (i = 0; i < sizeof text; i++)
		text[i] = (unsigned char)("张三 13800138000 "[i % 20]);

	n = gzip_buf(text, sizeof text, comp, sizeof comp, 16 + 15);
	rc = http_decode_content("gzip", comp, n, 1 << 20, &out, &outl);
	CHECK(rc == 0 && outl == sizeof text && !memcmp(out, text, outl), "gzip %d", rc);
	free(out);
	rc = http_decode_content("X-GZIP", comp, n, 1 << 20, &out, &outl);
	CHECK(rc == 0 && outl == sizeof text, "x-gzip");
	free(out);
	/* exactly at the bound: allowed; one byte under: ARC_ELIMIT */
	rc = http_decode_content("gzip", comp, n, sizeof text, &out, &outl);
	CHECK(rc == 0 && outl == sizeof text, "exactly max_out %d", rc);
	free(out);
	rc = http_decode_content_ex("gzip", comp, n, sizeof text - 1, &out, &outl, &err);
	CHECK(rc == ARC_ELIMIT && out == NULL, "bomb bound %d", rc);
	CHECK(strstr(err.msg, "exceeds") != NULL, "bomb message: %s", err.msg);
	/* truncated */
	rc = http_decode_content("gzip", comp, n / 2, 1 << 20, &out, &outl);
	CHECK(rc == ARC_EFORMAT, "truncated gzip %d", rc);

	n = gzip_buf(text, sizeof text, comp, sizeof comp, 15);
	rc = http_decode_content("deflate", comp, n, 1 << 20, &out, &outl);
	CHECK(rc == 0 && outl == sizeof text && !memcmp(out, text, outl), "deflate zlib");
	free(out);
	n = gzip_buf(text, sizeof text, comp, sizeof comp, -15);
	rc = http_decode_content("deflate", comp, n, 1 << 20, &out, &outl);
	CHECK(rc == 0 && outl == sizeof text && !memcmp(out, text, outl), "deflate raw");
	free(out);

	n = ZSTD_compress(comp, sizeof comp, text, sizeof text, 3);
	rc = http_decode_content("zstd", comp, n, 1 << 20, &out, &outl);
	CHECK(rc == 0 && outl == sizeof text && !memcmp(out, text, outl), "zstd");
	free(out);
	rc = http_decode_content("zstd", comp, n, 1000, &out, &outl);
	CHECK(rc == ARC_ELIMIT, "zstd bound");

	/* a real bomb: 64 MiB of zeros compresses to ~64 KiB; bound 1 MiB */
	{
		size_t big = 64u << 20;
		unsigned char *zeros = calloc(1, big), *bomb = malloc(big / 100);
		n = gzip_buf(zeros, big, bomb, big / 100, 16 + 15);
		rc = http_decode_content("gzip", bomb, n, 1 << 20, &out, &outl);
		CHECK(rc == ARC_ELIMIT, "gzip bomb %d (compressed %zu)", rc, n);
		free(zeros);
		free(bomb);
	}

	rc = http_decode_content(NULL, text, 10, 100, &out, &outl);
	CHECK(rc == 0 && outl == 10, "no coding");
	free(out);
	rc = http_decode_content("identity", text, 10, 5, &out, &outl);
	CHECK(rc == ARC_ELIMIT, "identity bound");
	rc = http_decode_content_ex("compress", text, 10, 100, &out, &outl, &err);
	CHECK(rc == ARC_EFORMAT && strstr(err.msg, "\"compress\""), "unknown coding: %s", err.msg);
	rc = http_decode_content_ex("br", text, 10, 100, &out, &outl, &err);
	CHECK(rc == ARC_EFORMAT && strstr(err.msg, "br"), "br: %s", err.msg);
	rc = http_decode_content("gzip", text, 10, 100, &out, &outl);
	CHECK(rc == ARC_EFORMAT, "not gzip");

	/* stacked: gzip applied first, then deflate */
	{
		unsigned char c2[200000];
		size_t n2;
		n = gzip_buf(text, 1000, comp, sizeof comp, 16 + 15);
		n2 = gzip_buf(comp, n, c2, sizeof c2, 15);
		rc = http_decode_content("gzip, deflate", c2, n2, 1 << 20, &out, &outl);
		CHECK(rc == 0 && outl == 1000 && !memcmp(out, text, 1000), "stacked codings %d", rc);
		free(out);
	}
}

static void test_decoded_payload(void)
{
	static unsigned char gz[4096];
	const char *page = "<p>13800138000</p>";
	arc_buf_t m = { 0 };
	unsigned char *out;
	size_t outl, n;
	int partial, rc;
	arc_error_t err;

	n = gzip_buf((const unsigned char *)page, strlen(page), gz, sizeof gz, 16 + 15);
	arc_buf_printf(&m, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n", n);
	arc_buf_append(&m, gz, n);
	arc_buf_printf(&m, "\r\n0\r\n\r\n");
	rc = http_decoded_payload(m.data, m.len, 1 << 20, &out, &outl, &partial, &err);
	CHECK(rc == 0 && !partial && outl == strlen(page) && !memcmp(out, page, outl),
	      "chunked+gzip payload: %s", rc ? err.msg : "");
	free(out);
	/* truncated chunking: the partial entity, flagged (here the gzip is cut too) */
	rc = http_decoded_payload(m.data, m.len - 20, 1 << 20, &out, &outl, &partial, &err);
	CHECK(rc == 0 && (partial & HTTP_PARTIAL_FRAMING) && (partial & HTTP_PARTIAL_CODING) &&
	      outl <= strlen(page) && !memcmp(out, page, outl), "truncated: %d %d %zu", rc, partial, outl);
	free(out);
	/* gzip without its 8-byte trailer: every byte decodes, flagged */
	m.len = 0;
	arc_buf_printf(&m, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n");
	arc_buf_append(&m, gz, n - 8);
	rc = http_decoded_payload(m.data, m.len, 1 << 20, &out, &outl, &partial, &err);
	CHECK(rc == 0 && partial == HTTP_PARTIAL_CODING && outl == strlen(page) && !memcmp(out, page, outl),
	      "gzip without trailer: %d %d %zu", rc, partial, outl);
	free(out);
	/* a stream decoding past max_out: its first max_out bytes */
	m.len = 0;
	arc_buf_printf(&m, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n");
	arc_buf_append(&m, gz, n);
	rc = http_decoded_payload(m.data, m.len, 5, &out, &outl, &partial, &err);
	CHECK(rc == 0 && partial == HTTP_PARTIAL_LIMIT && outl == 5 && !memcmp(out, page, 5),
	      "gzip past max_out: %d %d %zu", rc, partial, outl);
	CHECK(*http_partial_str(partial) && !*http_partial_str(0), "http_partial_str");
	free(out);
	m.len = 0;
	arc_buf_printf(&m, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nwo");
	rc = http_decoded_payload(m.data, m.len, 1 << 20, &out, &outl, &partial, &err);
	CHECK(rc == 0 && partial && outl == 7 && !memcmp(out, "hellowo", 7), "partial identity");
	free(out);
	rc = http_decoded_payload(m.data, m.len, 3, &out, &outl, &partial, &err);
	CHECK(rc == 0 && outl == 3 && (partial & HTTP_PARTIAL_LIMIT), "identity cut at max_out");
	free(out);
	rc = http_decoded_payload((const unsigned char *)"HTTP/1.1 200 OK\r\n", 17, 100, &out, &outl,
	                          &partial, &err);
	CHECK(rc == ARC_EFORMAT && strstr(err.msg, "no end"), "no header end: %s", err.msg);
	m.len = 0;
	arc_buf_printf(&m, "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\nxx");
	rc = http_decoded_payload(m.data, m.len, 100, &out, &outl, &partial, &err);
	CHECK(rc == ARC_EFORMAT && strstr(err.msg, "br"), "br: %s", err.msg);
	arc_buf_free(&m);
}

int main(void)
{
	test_decoded_payload();
	test_headers();
	test_dechunk();
	test_entity();
	test_decode();
	TU_END();
}
