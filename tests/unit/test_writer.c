/*
 * test_writer.c — the writing side of archive/: header formatting, header
 * injection refused, writer -> reader round trips of every record type
 * (empty, binary, 5 MiB), one zstd frame per record tiling the file, `zstd
 * -dc` yielding the plain WARC, digests (chunked payloads included), the
 * header size bound, case rotation with warcinfo first, and a failed write
 * leaving the file readable. Runs check-warc on a written file when $SHARED
 * is set and node is installed.
 */
#include "archive.h"
#include "archive_int.h"
#include "tu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zstd.h>

static const char *S(const char *s)
{
	return s;
}

static char tmpdir[128];

static unsigned char *pattern(size_t n, uint32_t seed)
{
	unsigned char *p = malloc(n ? n : 1);
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
	return p;
}

static int read_file(const char *path, arc_buf_t *b)
{
	FILE *f = fopen(path, "rb");
	unsigned char tmp[65536];
	size_t n;

	b->len = 0;
	if (!f)
		return -1;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		arc_buf_append(b, tmp, n);
	fclose(f);
	return 0;
}

/* ---------------------------------------------------------------- header */

static void test_format(void)
{
	arc_buf_t b = { 0 };
	warc_field_t f[] = { { "WARC-IP-Address", "127.0.0.1" }, { "WARC-Protocol", "http/1.1" } };
	warc_record_t r;
	int rc;

	memset(&r, 0, sizeof r);
	r.type = "response";
	r.target_uri = "http://example.com/a?b=c";
	r.content_type = "application/http; msgtype=response";
	r.fields = f;
	r.nfields = 2;
	r.block = "HTTP/1.1 200 OK\r\n\r\nhi";
	r.block_len = 21;
	rc = warc_format_header(&r, "<urn:uuid:1>", "2026-11-25T17:06:23.123456Z", "sha256:aa",
	                        "sha256:bb", &b);
	CHECK(rc == 0, "format rc %d", rc);
	CHECK_STR(S((char *)b.data),
	          "WARC/1.1\r\n"
	          "WARC-Type: response\r\n"
	          "WARC-Record-ID: <urn:uuid:1>\r\n"
	          "WARC-Date: 2026-11-25T17:06:23.123456Z\r\n"
	          "WARC-Target-URI: http://example.com/a?b=c\r\n"
	          "Content-Type: application/http; msgtype=response\r\n"
	          "WARC-Block-Digest: sha256:aa\r\n"
	          "WARC-Payload-Digest: sha256:bb\r\n"
	          "WARC-IP-Address: 127.0.0.1\r\n"
	          "WARC-Protocol: http/1.1\r\n"
	          "Content-Length: 21\r\n"
	          "\r\n");
	/* empty block: no Content-Type; "" payload digest: omitted */
	r.block = NULL;
	r.block_len = 0;
	r.nfields = 0;
	r.target_uri = NULL;
	rc = warc_format_header(&r, "<urn:uuid:2>", "2026-11-25T17:06:23Z", "sha256:cc", "", &b);
	CHECK(rc == 0, "format rc %d", rc);
	CHECK_STR(S((char *)b.data),
	          "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:2>\r\n"
	          "WARC-Date: 2026-11-25T17:06:23Z\r\nWARC-Block-Digest: sha256:cc\r\n"
	          "Content-Length: 0\r\n\r\n");
	arc_buf_free(&b);
}

static void test_injection(void)
{
	static const char *const bad_uris[] = {
		"http://x/\r\nWARC-Type: resource", "http://x/\nX: y", "http://x/\r", "http://x/\x01",
		"http://x/\x7f",
	};
	arc_buf_t mem = { 0 };
	arc_sink_t s;
	warc_writer_t *w;
	warc_record_t r;
	warc_written_t out;
	arc_error_t e;
	warc_field_t f[1];
	size_t i;

	arc_sink_mem(&s, &mem);
	w = warc_writer_new(&s, NULL);
	CHECK(w != NULL, "writer");
	memset(&r, 0, sizeof r);
	r.type = "resource";
	r.content_type = "text/plain";
	r.block = "x";
	r.block_len = 1;
	for (i = 0; i < sizeof bad_uris / sizeof bad_uris[0]; i++) {
		r.target_uri = bad_uris[i];
		CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "URI %zu accepted", i);
		CHECK(strstr(e.msg, "CR, LF") != NULL, "message says why: %s", e.msg);
	}
	r.target_uri = "http://x/é"; /* UTF-8 is fine */
	CHECK(warc_writer_write(w, &r, &out, &e) == 0, "UTF-8 URI refused: %s", e.msg);
	mem.len = 0;
	r.target_uri = "http://x/";
	r.content_type = "text/html\r\nX-Evil: 1";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "content type injection");
	r.content_type = "text/plain";
	r.fields = f;
	r.nfields = 1;
	f[0].name = "X-Note";
	f[0].value = "a\nb";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "field value injection");
	f[0].value = "ok";
	f[0].name = "X Bad";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "field name with space");
	f[0].name = "X:Bad";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "field name with colon");
	f[0].name = "";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "empty field name");
	f[0].name = "content-length";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "reserved field name");
	f[0].name = "WARC-Payload-Digest";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "reserved field name 2");
	r.nfields = 0;
	r.record_id = "<urn:uuid:a>\r\nX: y";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "record id injection");
	r.record_id = NULL;
	r.date = "2026-11-25T17:06:23Z\r\nX: y";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "date injection");
	r.date = "yesterday";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "bad date");
	r.date = NULL;
	r.type = "resource\r\n";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "type injection");
	r.type = "resource";
	r.block_digest = "sha256:00\r\nX: y";
	CHECK(warc_writer_write(w, &r, &out, &e) == ARC_EINVAL, "digest injection");
	CHECK(mem.len == 0, "nothing written by refused records (%zu bytes)", mem.len);
	warc_writer_free(w);
	arc_buf_free(&mem);
}

/* ---------------------------------------------------------------- round trip */

typedef struct {
	const char *type, *uri, *ct;
	unsigned char *block;
	size_t len;
	warc_field_t fields[4];
	size_t nfields;
	const char *want_payload; /* NULL: no WARC-Payload-Digest; "block": = block digest */
	warc_written_t out;
	arc_buf_t header;         /* copy of out.header */
} rt_rec_t;

static void set(rt_rec_t *r, const char *type, const char *uri, const char *ct,
                const void *block, size_t len, const char *want_payload)
{
	memset(r, 0, sizeof *r);
	r->type = type;
	r->uri = uri;
	r->ct = ct;
	r->block = malloc(len ? len : 1);
	if (len)
		memcpy(r->block, block, len);
	r->len = len;
	r->want_payload = want_payload;
}

static char chunked_payload[ARC_DIGEST_LEN], plain_payload[ARC_DIGEST_LEN],
	empty_digest[ARC_DIGEST_LEN];

static const char CHUNKED[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	"Transfer-Encoding: chunked\r\n\r\n"
	"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
static const char PLAIN[] =
	"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found";
static const char BADCHUNK[] =
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n";
static const char REQUEST[] =
	"GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: custody\r\n\r\n";

static size_t build_records(rt_rec_t *r, unsigned char *big, size_t big_len)
{
	unsigned char bin[1024];
	size_t i, n = 0;
	static const char info[] = "software: custody-test\r\nformat: WARC File Format 1.1\r\n";
	static const char findings[] = "{\"verdict\":{\"doxing\":true,\"score\":0.9},\"findings\":[]}";

	for (i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)(i * 7);
	memcpy(bin + 100, "\r\n\r\nWARC/1.1\r\n", 14); /* framing lookalikes in the block */
	set(&r[n++], "warcinfo", NULL, "application/warc-fields", info, sizeof info - 1, NULL);
	set(&r[n++], "request", "http://example.com/a?b=c", "application/http; msgtype=request",
	    REQUEST, sizeof REQUEST - 1, empty_digest);
	set(&r[n++], "response", "http://example.com/a?b=c", "application/http; msgtype=response",
	    CHUNKED, sizeof CHUNKED - 1, chunked_payload);
	set(&r[n++], "response", "http://example.com/missing", "application/http; msgtype=response",
	    PLAIN, sizeof PLAIN - 1, plain_payload);
	set(&r[n++], "response", "http://example.com/bad", "application/http; msgtype=response",
	    BADCHUNK, sizeof BADCHUNK - 1, NULL);
	set(&r[n++], "metadata", "http://example.com/a?b=c", "application/vnd.custody.findings+json",
	    findings, sizeof findings - 1, NULL);
	set(&r[n++], "resource", "http://example.com/bin", "application/octet-stream", bin,
	    sizeof bin, "block");
	set(&r[n++], "resource", "http://example.com/empty", "text/plain", "", 0, "block");
	set(&r[n++], "metadata", "http://example.com/empty-meta", "application/warc-fields", "", 0,
	    NULL);
	set(&r[n++], "resource", "http://example.com/big", "application/octet-stream", big, big_len,
	    "block");
	/* self-contained revisit: the whole response, digest of its (identical) payload */
	set(&r[n], "revisit", "http://example.com/a?b=c", "application/http; msgtype=response",
	    CHUNKED, sizeof CHUNKED - 1, chunked_payload);
	r[n].fields[0] = (warc_field_t){ "WARC-Profile",
	                                 "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest" };
	r[n].fields[1] = (warc_field_t){ "WARC-Refers-To-Target-URI", "http://example.com/a?b=c" };
	r[n].fields[2] = (warc_field_t){ "WARC-Refers-To-Date", "2026-11-25T17:06:23Z" };
	r[n].nfields = 3;
	n++;
	return n;
}

static int write_all(warc_writer_t *w, rt_rec_t *r, size_t n)
{
	size_t i;
	int fails = 0;

	for (i = 0; i < n; i++) {
		warc_record_t rec;
		arc_error_t e;
		memset(&rec, 0, sizeof rec);
		rec.type = r[i].type;
		rec.target_uri = r[i].uri;
		rec.content_type = r[i].ct;
		rec.block = r[i].block;
		rec.block_len = r[i].len;
		rec.fields = r[i].fields;
		rec.nfields = r[i].nfields;
		if (warc_writer_write(w, &rec, &r[i].out, &e) != 0) {
			printf("write %zu (%s): %s\n", i, r[i].type, e.msg);
			fails++;
			continue;
		}
		r[i].header.len = 0;
		arc_buf_append(&r[i].header, r[i].out.header.data, r[i].out.header.len);
	}
	return fails;
}

/* Read back what was written and compare everything. */
static void check_read_back(warc_reader_t *rd, rt_rec_t *r, size_t n, const char *name)
{
	warc_rec_t rec;
	arc_error_t e;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		char bd[ARC_DIGEST_LEN];
		const char *pd;
		rc = warc_reader_next(rd, &rec, &e);
		CHECK(rc == 1, "%s: record %zu: rc %d %s", name, i, rc, rc < 0 ? e.msg : "");
		if (rc != 1)
			return;
		CHECK(rec.offset == r[i].out.offset && rec.length == r[i].out.length,
		      "%s #%zu: offset/length %llu/%llu vs written %llu/%llu", name, i,
		      (unsigned long long)rec.offset, (unsigned long long)rec.length,
		      (unsigned long long)r[i].out.offset, (unsigned long long)r[i].out.length);
		CHECK(rec.header_len == r[i].header.len &&
		      !memcmp(rec.header, r[i].header.data, rec.header_len),
		      "%s #%zu: header bytes differ", name, i);
		CHECK(rec.block_len == r[i].len && (!r[i].len || !memcmp(rec.block, r[i].block, r[i].len)),
		      "%s #%zu: block differs (%llu vs %zu)", name, i,
		      (unsigned long long)rec.block_len, r[i].len);
		CHECK(rec.compressed == 1, "%s #%zu: compressed", name, i);
		CHECK_STR(warc_rec_get(&rec, "WARC-Type"), r[i].type);
		CHECK_STR(warc_rec_get(&rec, "WARC-Record-ID"), r[i].out.record_id);
		CHECK_STR(warc_rec_get(&rec, "WARC-Date"), r[i].out.date);
		arc_sha256_hex(rec.block, (size_t)rec.block_len, bd);
		CHECK_STR(warc_rec_get(&rec, "WARC-Block-Digest"), bd);
		CHECK_STR(S(r[i].out.block_digest), bd);
		pd = warc_rec_get(&rec, "WARC-Payload-Digest");
		if (!r[i].want_payload) {
			CHECK(pd == NULL && r[i].out.payload_digest[0] == '\0',
			      "%s #%zu (%s): unexpected payload digest %s", name, i, r[i].type, pd);
		} else {
			const char *want = strcmp(r[i].want_payload, "block") ? r[i].want_payload : bd;
			CHECK_STR(pd, want);
			CHECK_STR(S(r[i].out.payload_digest), want);
		}
		if (r[i].len == 0)
			CHECK(warc_rec_get(&rec, "Content-Type") == NULL, "%s #%zu: Content-Type on empty", name, i);
		rc = warc_check_record(&rec, name, &e);
		CHECK(rc == 0, "%s #%zu: warc_check_record: %s", name, i, e.msg);
	}
	rc = warc_reader_next(rd, &rec, &e);
	CHECK(rc == 0, "%s: clean end expected, rc %d", name, rc);
}

/* Every record is exactly one zstd frame with content size and checksum; the
 * frames tile the file. */
static void check_frames(const arc_buf_t *file, rt_rec_t *r, size_t n, const char *name)
{
	size_t pos = 0, i = 0;
	int bad = 0;

	while (pos < file->len && i < n) {
		size_t fl = ZSTD_findFrameCompressedSize(file->data + pos, file->len - pos);
		unsigned long long cs = ZSTD_getFrameContentSize(file->data + pos, file->len - pos);
		unsigned char fhd = file->data[pos + 4];
		size_t want = r[i].header.len + r[i].len + 4;
		unsigned char *d;
		if (ZSTD_isError(fl) || fl != r[i].out.length || pos != r[i].out.offset) {
			bad++;
			break;
		}
		if (cs != want || !(fhd & 0x04)) /* content size known, checksum flag set */
			bad++;
		d = malloc(want);
		if (ZSTD_decompress(d, want, file->data + pos, fl) != want ||
		    memcmp(d, r[i].header.data, r[i].header.len) ||
		    (r[i].len && memcmp(d + r[i].header.len, r[i].block, r[i].len)) ||
		    memcmp(d + want - 4, "\r\n\r\n", 4))
			bad++;
		free(d);
		pos += fl;
		i++;
	}
	CHECK(bad == 0 && pos == file->len && i == n, "%s: frames do not tile the file "
	      "(pos %zu of %zu, %zu of %zu frames, %d bad)", name, pos, file->len, i, n, bad);
}

static void check_zstd_cli(const char *path, rt_rec_t *r, size_t n)
{
	char cmd[2048];
	FILE *p;
	arc_buf_t got = { 0 }, want = { 0 };
	unsigned char tmp[65536];
	size_t k, i;

	for (i = 0; i < n; i++) {
		arc_buf_append(&want, r[i].header.data, r[i].header.len);
		arc_buf_append(&want, r[i].block, r[i].len);
		arc_buf_append(&want, "\r\n\r\n", 4);
	}
	snprintf(cmd, sizeof cmd, "zstd -q -dc '%s'", path);
	p = popen(cmd, "r");
	CHECK(p != NULL, "popen zstd");
	if (!p)
		return;
	while ((k = fread(tmp, 1, sizeof tmp, p)) > 0)
		arc_buf_append(&got, tmp, k);
	CHECK(pclose(p) == 0, "zstd -dc exit status");
	CHECK(got.len == want.len && !memcmp(got.data, want.data, want.len),
	      "zstd -dc output (%zu bytes) is not the concatenated records (%zu)", got.len, want.len);
	snprintf(cmd, sizeof cmd, "zstd -q -t '%s'", path);
	CHECK(system(cmd) == 0, "zstd -t");
	arc_buf_free(&got);
	arc_buf_free(&want);
}

static void check_warc_tool(const char *path)
{
	const char *shared = getenv("SHARED");
	char cmd[2048];
	int rc;

	if (!shared || system("command -v node >/dev/null 2>&1") != 0) {
		printf("note: $SHARED or node missing: check-warc skipped\n");
		return;
	}
	snprintf(cmd, sizeof cmd, "'%s/interop/check-warc' '%s' >%s/check-warc.log 2>&1", shared,
	         path, tmpdir);
	rc = system(cmd);
	if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 2) {
		printf("note: check-warc could not install warcio: skipped\n");
		return;
	}
	if (rc != 0) {
		snprintf(cmd, sizeof cmd, "cat %s/check-warc.log", tmpdir);
		(void)!system(cmd);
	}
	CHECK(rc == 0, "check-warc %s", path);
}

static void test_round_trip(void)
{
	rt_rec_t r[16];
	size_t n, i, big_len = 5u << 20;
	unsigned char *big = pattern(big_len, 7);
	arc_buf_t mem = { 0 }, filebuf = { 0 };
	arc_sink_t s;
	warc_writer_t *w;
	warc_reader_t *rd;
	arc_error_t e;
	char path[256];
	warc_writer_opts_t o = { 19 };

	arc_sha256_hex("hello world", 11, chunked_payload);
	arc_sha256_hex("not found", 9, plain_payload);
	arc_sha256_hex("", 0, empty_digest);
	n = build_records(r, big, big_len);

	/* memory sink */
	arc_sink_mem(&s, &mem);
	w = warc_writer_new(&s, NULL);
	CHECK(write_all(w, r, n) == 0, "memory writes");
	warc_writer_free(w);
	rd = warc_reader_open_mem(mem.data, mem.len, "mem", NULL, &e);
	CHECK(rd != NULL, "open mem: %s", e.msg);
	if (rd) {
		check_read_back(rd, r, n, "mem");
		warc_reader_free(rd);
	}
	check_frames(&mem, r, n, "mem");

	/* file sink, another level; appended to an existing file */
	snprintf(path, sizeof path, "%s/rt.warc.zst", tmpdir);
	CHECK(arc_sink_file_open(&s, path, &e) == 0, "file sink: %s", e.msg);
	w = warc_writer_new(&s, &o);
	CHECK(write_all(w, r, 3) == 0, "file writes 1");
	warc_writer_free(w);
	arc_sink_file_close(&s);
	CHECK(arc_sink_file_open(&s, path, &e) == 0, "file sink reopen: %s", e.msg);
	CHECK(s.tell(s.ctx) == r[2].out.offset + r[2].out.length, "reopen tells the end");
	w = warc_writer_new(&s, &o);
	CHECK(write_all(w, r + 3, n - 3) == 0, "file writes 2");
	CHECK(s.sync(s.ctx) == 0 && s.flush(s.ctx) == 0, "sync");
	warc_writer_free(w);
	arc_sink_file_close(&s);
	rd = warc_reader_open(path, NULL, &e);
	CHECK(rd != NULL, "open file: %s", e.msg);
	if (rd) {
		check_read_back(rd, r, n, path);
		warc_reader_free(rd);
	}
	read_file(path, &filebuf);
	check_frames(&filebuf, r, n, path);
	check_zstd_cli(path, r, n);
	check_warc_tool(path);

	/* the digester fed one byte at a time agrees with the writer */
	for (i = 0; i < n; i++) {
		warc_digester_t *d;
		char bd[ARC_DIGEST_LEN], pd[ARC_DIGEST_LEN];
		size_t k;
		int http = r[i].ct && !strncmp(r[i].ct, "application/http", 16);
		if (r[i].len > 65536)
			continue;
		d = warc_digester_new(http);
		for (k = 0; k < r[i].len; k++)
			warc_digester_feed(d, r[i].block + k, 1);
		CHECK(warc_digester_final(d, bd, pd) == 0, "digester final");
		CHECK_STR(S(bd), r[i].out.block_digest);
		if (r[i].want_payload)
			CHECK_STR(S(pd), r[i].out.payload_digest);
		warc_digester_free(d);
	}

	for (i = 0; i < n; i++) {
		free(r[i].block);
		arc_buf_free(&r[i].header);
	}
	free(big);
	arc_buf_free(&mem);
	arc_buf_free(&filebuf);
}

/* ---------------------------------------------------------------- digester */

static void digest_of(int http, const char *msg, char pd[ARC_DIGEST_LEN])
{
	warc_digester_t *d = warc_digester_new(http);
	char bd[ARC_DIGEST_LEN];

	warc_digester_feed(d, msg, strlen(msg));
	warc_digester_final(d, bd, pd);
	warc_digester_free(d);
}

static void test_digester(void)
{
	char pd[ARC_DIGEST_LEN], want[ARC_DIGEST_LEN];
	char *hdr;
	size_t n = HTTP_MAX_HEADER + 10;

	digest_of(1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", pd);
	CHECK_STR(S(pd), "");
	digest_of(1, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n", pd); /* no end of headers */
	CHECK_STR(S(pd), "");
	digest_of(1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", pd);
	CHECK_STR(S(pd), ""); /* unterminated chunking */
	digest_of(1, "HTTP/1.1 200 OK\nServer: x\n\nbody", pd); /* bare LF tolerated */
	arc_sha256_hex("body", 4, want);
	CHECK_STR(S(pd), want);
	digest_of(1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked \r\n\r\n4\r\nbody\r\n0\r\n\r\n", pd);
	CHECK_STR(S(pd), want);
	digest_of(0, "body", pd);
	CHECK_STR(S(pd), want);
	/* a header block over the bound: the payload cannot be delimited */
	hdr = malloc(n + 1);
	memset(hdr, 'a', n);
	memcpy(hdr, "HTTP/1.1 200 OK\r\nX: ", 20);
	memcpy(hdr + n - 8, "\r\n\r\nabcd", 8);
	hdr[n] = '\0';
	digest_of(1, hdr, pd);
	CHECK_STR(S(pd), "");
	free(hdr);
	CHECK(warc_digester_feed(NULL, "x", 1) == ARC_EINVAL, "NULL digester");
}

/* A 1 MiB body in random chunk sizes (with extensions and a trailer), fed in
 * random pieces: the payload digest is that of the body, the block digest
 * that of the wire bytes, and the writer computes the same. */
static void test_digester_random(void)
{
	size_t body_len = 1u << 20, pos = 0, k;
	unsigned char *body = pattern(body_len, 99);
	arc_buf_t wire = { 0 }, mem = { 0 };
	char want_pd[ARC_DIGEST_LEN], want_bd[ARC_DIGEST_LEN], bd[ARC_DIGEST_LEN], pd[ARC_DIGEST_LEN];
	uint32_t x = 4242;
	warc_digester_t *d;
	arc_sink_t s;
	warc_writer_t *w;
	warc_record_t r;
	warc_written_t out;
	arc_error_t e;

	arc_buf_printf(&wire, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	while (pos < body_len) {
		size_t n;
		x = x * 1103515245u + 12345u;
		n = (x >> 8) % 70000 + 1;
		if (n > body_len - pos)
			n = body_len - pos;
		arc_buf_printf(&wire, (x & 1) ? "%zx;name=val\r\n" : "%zX\r\n", n);
		arc_buf_append(&wire, body + pos, n);
		arc_buf_append(&wire, "\r\n", 2);
		pos += n;
	}
	arc_buf_printf(&wire, "0\r\nX-Checksum: none\r\n\r\n");
	arc_sha256_hex(body, body_len, want_pd);
	arc_sha256_hex(wire.data, wire.len, want_bd);
	d = warc_digester_new(1);
	for (pos = 0; pos < wire.len; pos += k) {
		x = x * 1103515245u + 12345u;
		k = (x >> 8) % 5000 + 1;
		if (k > wire.len - pos)
			k = wire.len - pos;
		warc_digester_feed(d, wire.data + pos, k);
	}
	warc_digester_final(d, bd, pd);
	warc_digester_free(d);
	CHECK_STR(S(bd), want_bd);
	CHECK_STR(S(pd), want_pd);

	arc_sink_mem(&s, &mem);
	w = warc_writer_new(&s, NULL);
	memset(&r, 0, sizeof r);
	r.type = "response";
	r.target_uri = "http://example.com/big";
	r.content_type = "application/http; msgtype=response";
	r.block = wire.data;
	r.block_len = wire.len;
	CHECK(warc_writer_write(w, &r, &out, &e) == 0, "write: %s", e.msg);
	CHECK_STR(S(out.block_digest), want_bd);
	CHECK_STR(S(out.payload_digest), want_pd);
	/* precomputed digests are written as given, with no second pass */
	r.block_digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	r.payload_digest = "";
	CHECK(warc_writer_write(w, &r, &out, &e) == 0, "write: %s", e.msg);
	CHECK(memmem(out.header.data, out.header.len, r.block_digest, strlen(r.block_digest)) &&
	      !memmem(out.header.data, out.header.len, "WARC-Payload-Digest", 19),
	      "given digests used, \"\" omits the payload digest");
	/* metadata never carries a payload digest, even when one is offered */
	r.type = "metadata";
	r.block_digest = NULL;
	r.payload_digest = want_pd;
	CHECK(warc_writer_write(w, &r, &out, &e) == 0, "write: %s", e.msg);
	CHECK(!memmem(out.header.data, out.header.len, "WARC-Payload-Digest", 19) &&
	      out.payload_digest[0] == '\0', "no payload digest on metadata");
	warc_writer_free(w);
	arc_buf_free(&mem);
	arc_buf_free(&wire);
	free(body);
}

/* ---------------------------------------------------------------- header bound */

static void test_header_limit(void)
{
	arc_buf_t mem = { 0 }, h = { 0 };
	arc_sink_t s;
	warc_writer_t *w;
	warc_record_t r;
	warc_written_t out;
	warc_field_t f[1];
	arc_error_t e;
	warc_reader_t *rd;
	warc_rec_t rec;
	char *pad;
	size_t base;
	int rc;

	memset(&r, 0, sizeof r);
	r.type = "resource";
	r.target_uri = "http://example.com/";
	r.content_type = "text/plain";
	r.record_id = "<urn:uuid:00000000-0000-4000-8000-000000000000>";
	r.date = "2026-11-25T17:06:23.000000Z";
	r.block = "abc";
	r.block_len = 3;
	r.fields = f;
	r.nfields = 1;
	f[0].name = "X-Pad";
	f[0].value = "";
	CHECK(warc_format_header(&r, r.record_id, r.date, "sha256:x", "sha256:y", &h) == 0, "base");
	/* the writer computes real digests: measure with the same lengths */
	arc_sha256_hex("abc", 3, (char[ARC_DIGEST_LEN]){ 0 });
	base = h.len + 2 * (ARC_DIGEST_LEN - 1 - strlen("sha256:x"));
	pad = malloc(WARC_MAX_HEADER + 2);
	memset(pad, 'p', WARC_MAX_HEADER + 1);
	pad[WARC_MAX_HEADER - base] = '\0';
	f[0].value = pad;
	arc_sink_mem(&s, &mem);
	w = warc_writer_new(&s, NULL);
	rc = warc_writer_write(w, &r, &out, &e);
	CHECK(rc == 0, "header of exactly %u bytes: %s", WARC_MAX_HEADER, e.msg);
	CHECK(out.header.len == WARC_MAX_HEADER, "header length %zu", out.header.len);
	rd = warc_reader_open_mem(mem.data, mem.len, "limit", NULL, &e);
	rc = rd ? warc_reader_next(rd, &rec, &e) : -1;
	CHECK(rc == 1 && rec.header_len == WARC_MAX_HEADER, "reader takes a header at the bound: %s",
	      rc == 1 ? "" : e.msg);
	warc_reader_free(rd);
	pad[WARC_MAX_HEADER - base] = 'p';
	pad[WARC_MAX_HEADER - base + 1] = '\0';
	mem.len = 0;
	rc = warc_writer_write(w, &r, &out, &e);
	CHECK(rc == ARC_ELIMIT, "header one byte over: rc %d", rc);
	CHECK(strstr(e.msg, "262145") != NULL, "message gives the size: %s", e.msg);
	CHECK(mem.len == 0, "nothing written");
	/* the writer still works after a refusal */
	r.nfields = 0;
	CHECK(warc_writer_write(w, &r, &out, &e) == 0, "write after refusal");
	warc_writer_free(w);
	free(pad);
	arc_buf_free(&mem);
	arc_buf_free(&h);
}

/* ---------------------------------------------------------------- failing sink */

/* A file sink that runs out of room after `budget` bytes, as a full disk does:
 * it writes what fits, then fails with ENOSPC. */
typedef struct {
	arc_sink_t inner;
	uint64_t budget;
} tight_t;

static int tight_write(void *ctx, const void *buf, size_t len)
{
	tight_t *t = ctx;
	size_t n = len < t->budget ? len : (size_t)t->budget;
	int rc = n ? t->inner.write(t->inner.ctx, buf, n) : 0;

	if (rc)
		return rc;
	t->budget -= n;
	if (n < len) {
		errno = ENOSPC;
		return ARC_ENOSPC;
	}
	return 0;
}
static int tight_flush(void *ctx) { tight_t *t = ctx; return t->inner.flush(t->inner.ctx); }
static int tight_sync(void *ctx) { tight_t *t = ctx; return t->inner.sync(t->inner.ctx); }
static int tight_trunc(void *ctx, uint64_t o) { tight_t *t = ctx; return t->inner.truncate(t->inner.ctx, o); }
static uint64_t tight_tell(void *ctx) { tight_t *t = ctx; return t->inner.tell(t->inner.ctx); }

static void test_failed_write(void)
{
	char path[256];
	tight_t t;
	arc_sink_t s = { tight_write, tight_flush, tight_sync, tight_trunc, tight_tell, &t };
	warc_writer_t *w;
	warc_record_t r;
	warc_written_t out;
	arc_error_t e;
	warc_reader_t *rd;
	warc_rec_t rec;
	struct stat st;
	unsigned char *big = pattern(300000, 3);
	uint64_t end_ok;
	int rc, nrec = 0;

	snprintf(path, sizeof path, "%s/full.warc.zst", tmpdir);
	CHECK(arc_sink_file_open(&t.inner, path, &e) == 0, "open: %s", e.msg);
	t.budget = UINT64_MAX;
	w = warc_writer_new(&s, NULL);
	memset(&r, 0, sizeof r);
	r.type = "resource";
	r.target_uri = "http://example.com/x";
	r.content_type = "application/octet-stream";
	r.block = big;
	r.block_len = 1000;
	CHECK(warc_writer_write(w, &r, &out, &e) == 0, "first record");
	end_ok = s.tell(s.ctx);
	/* the disk fills in the middle of the next (incompressible) frame */
	t.budget = 50000;
	r.block_len = 300000;
	rc = warc_writer_write(w, &r, &out, &e);
	CHECK(rc == ARC_ENOSPC, "ENOSPC reported: rc %d", rc);
	CHECK(strstr(e.msg, "No space left") && e.offset == end_ok && e.record_id[0] == '<',
	      "message names offset and record: %s", e.msg);
	CHECK(stat(path, &st) == 0 && (uint64_t)st.st_size == end_ok,
	      "partial frame cut: size %lld, want %llu", (long long)st.st_size,
	      (unsigned long long)end_ok);
	/* room again: writing goes on, and everything reads */
	t.budget = UINT64_MAX;
	CHECK(warc_writer_write(w, &r, &out, &e) == 0, "write after ENOSPC: %s", e.msg);
	CHECK(out.offset == end_ok, "next frame where the cut one began");
	warc_writer_free(w);
	arc_sink_file_close(&t.inner);
	rd = warc_reader_open(path, NULL, &e);
	while (rd && (rc = warc_reader_next(rd, &rec, &e)) == 1)
		nrec++;
	CHECK(rd && rc == 0 && nrec == 2, "file reads cleanly: %d records, rc %d %s", nrec, rc,
	      rc < 0 ? e.msg : "");
	warc_reader_free(rd);
	free(big);
}

/* ---------------------------------------------------------------- case */

static int count_files(const char *dir, const char *prefix)
{
	char cmd[2048];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof cmd, "ls '%s' | grep -c '^%s'", dir, prefix);
	p = popen(cmd, "r");
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void check_case_file(const char *path, int want_records, const char *case_name)
{
	warc_reader_t *rd;
	warc_rec_t rec;
	arc_error_t e;
	int rc, n = 0;

	rd = warc_reader_open(path, NULL, &e);
	CHECK(rd != NULL, "open %s: %s", path, e.msg);
	if (!rd)
		return;
	while ((rc = warc_reader_next(rd, &rec, &e)) == 1) {
		if (n == 0) {
			const char *fn = warc_rec_get(&rec, "WARC-Filename");
			CHECK_STR(warc_rec_get(&rec, "WARC-Type"), "warcinfo");
			CHECK_STR(warc_rec_get(&rec, "Content-Type"), "application/warc-fields");
			CHECK(fn && strstr(path, fn), "WARC-Filename %s in %s", fn ? fn : "(none)", path);
			CHECK(warc_rec_get(&rec, "WARC-Payload-Digest") == NULL, "no payload digest on warcinfo");
			CHECK(rec.block_len && memmem(rec.block, rec.block_len, "zstd-framing: one frame per record\r\n", 36),
			      "warcinfo body names the framing");
			CHECK(memmem(rec.block, rec.block_len, "command-line: custody crawl \\x0aevil", 36) != NULL,
			      "control bytes escaped in warcinfo");
			CHECK(memmem(rec.block, rec.block_len, case_name, strlen(case_name)) != NULL,
			      "isPartOf names the case");
		}
		CHECK(warc_check_record(&rec, path, &e) == 0, "check: %s", e.msg);
		n++;
	}
	CHECK(rc == 0 && n == want_records, "%s: %d records (want %d), rc %d", path, n, want_records, rc);
	warc_reader_free(rd);
}

/* "capture-<id8>-NNNNN.warc.zst" of the case c, the name its files get. */
static const char *cap_name(const arc_case_t *c, int n)
{
	static char name[ARC_CASE_NAME_MAX];
	const char *id = arc_case_id(c);
	snprintf(name, sizeof name, "capture-%.8s-%05d.warc.zst", strlen(id) > 9 ? id + 9 : "", n);
	return name;
}

static void test_case(void)
{
	char dir[256], path[400], cmd[2048];
	arc_case_opts_t o;
	arc_case_t *c;
	arc_error_t e;
	warc_record_t r;
	warc_written_t out;
	struct stat st;
	mode_t um = umask(022);
	int i;

	umask(um);
	snprintf(dir, sizeof dir, "%s/case/sub", tmpdir);
	memset(&o, 0, sizeof o);
	o.max_file_size = 1; /* every file: warcinfo + one record */
	o.software = "custody/test";
	o.command_line = "custody crawl \nevil";
	o.robots = "obey";
	o.note = "test case";
	c = arc_case_open(dir, &o, &e);
	CHECK(c != NULL, "case open: %s", e.msg);
	if (!c)
		return;
	memset(&r, 0, sizeof r);
	r.type = "response";
	r.content_type = "application/http; msgtype=response";
	r.block = PLAIN;
	r.block_len = sizeof PLAIN - 1;
	for (i = 0; i < 3; i++) {
		char uri[64];
		snprintf(uri, sizeof uri, "http://example.com/p%d", i);
		r.target_uri = uri;
		CHECK(arc_case_write(c, &r, &out, &e) == 0, "case write %d: %s", i, e.msg);
		snprintf(path, sizeof path, "%s", cap_name(c, i));
		CHECK_STR(arc_case_filename(c), path);
		CHECK(out.offset > 0, "record after warcinfo");
	}
	CHECK(arc_case_sync(c, &e) == 0, "sync");
	char id[ARC_UUID_LEN];
	snprintf(id, sizeof id, "%s", arc_case_id(c));
	CHECK(strlen(id) == 45 && !strncmp(id, "urn:uuid:", 9), "case id %s", id);
	CHECK(arc_case_close(c, &e) == 0, "close: %s", e.msg);
	CHECK(count_files(dir, "capture-") == 3, "3 files");
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/capture-%.8s-%05d.warc.zst", dir, id + 9, i);
		check_case_file(path, 2, "sub");
		CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == (0644 & ~um),
		      "mode %o", (unsigned)(st.st_mode & 0777));
	}
	snprintf(path, sizeof path, "%s/index.cdxj", dir);
	CHECK(stat(path, &st) == 0 && st.st_size > 0, "index.cdxj written");

	/* reopened: numbering continues; a big max keeps records together */
	o.max_file_size = 0;
	c = arc_case_open(dir, &o, &e);
	CHECK(c != NULL, "reopen: %s", e.msg);
	if (c) {
		r.target_uri = "http://example.com/again";
		CHECK(arc_case_write(c, &r, &out, &e) == 0, "write");
		CHECK(arc_case_write(c, &r, &out, &e) == 0, "write");
		CHECK_STR(arc_case_id(c), id); /* the id is read back, not made anew */
		CHECK_STR(arc_case_filename(c), cap_name(c, 3));
		CHECK(arc_case_close(c, &e) == 0, "close: %s", e.msg);
	}
	snprintf(path, sizeof path, "%s/capture-%.8s-00003.warc.zst", dir, id + 9);
	check_case_file(path, 3, "sub");
	if (getenv("SHARED")) {
		snprintf(cmd, sizeof cmd, "'%s/interop/check-cdxj' '%s' >/dev/null", getenv("SHARED"), dir);
		CHECK(system(cmd) == 0, "check-cdxj %s", dir);
	}

	/* a directory nobody may write to */
	if (geteuid() != 0) {
		snprintf(dir, sizeof dir, "%s/ro", tmpdir);
		mkdir(dir, 0555);
		snprintf(path, sizeof path, "%s/case", dir);
		c = arc_case_open(path, &o, &e);
		CHECK(c == NULL, "case in a read-only directory");
		CHECK(strstr(e.msg, "Permission denied") && strstr(e.msg, "choose another -o directory") &&
		      strstr(e.msg, path), "clear message: %s", e.msg);
		c = arc_case_open(dir, &o, &e);
		CHECK(c == NULL && strstr(e.msg, "Permission denied"), "existing read-only dir: %s", e.msg);
		chmod(dir, 0755);
	}
}


/* A process killed mid-write leaves a torn last frame. The reader must say
 * which file and where; the index must keep every record before it; and a
 * later arc_case_open must never append to that file. */
static void test_case_torn(void)
{
	char dir[256], path[400], want[64], name0[ARC_CASE_NAME_MAX];
	arc_case_opts_t o;
	arc_case_t *c;
	arc_error_t e;
	warc_record_t r;
	warc_written_t out;
	warc_reader_t *rd;
	warc_rec_t rec;
	uint64_t last_off = 0, last_len = 0;
	struct stat st;
	arc_buf_t idx = { 0 };
	int i, rc, n = 0, cut;

	snprintf(dir, sizeof dir, "%s/torn", tmpdir);
	memset(&o, 0, sizeof o);
	o.software = "custody/test";
	o.command_line = "custody crawl \nevil";
	memset(&r, 0, sizeof r);
	r.type = "response";
	r.content_type = "application/http; msgtype=response";
	r.block = PLAIN;
	r.block_len = sizeof PLAIN - 1;
	/* cut 7 bytes into the last frame (past its header), 2 bytes into it
	 * (inside the zstd magic) and half-way through it */
	for (cut = 0; cut < 3; cut++) {
		char cmd[600];
		uint64_t keep;

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		(void)!system(cmd);
		c = arc_case_open(dir, &o, &e);
		CHECK(c != NULL, "open: %s", e.msg);
		if (!c)
			return;
		for (i = 0; i < 3; i++) {
			char uri[64];
			snprintf(uri, sizeof uri, "http://example.com/torn%d", i);
			r.target_uri = uri;
			CHECK(arc_case_write(c, &r, &out, &e) == 0, "write %d: %s", i, e.msg);
			last_off = out.offset;
			last_len = out.length;
		}
		snprintf(path, sizeof path, "%s/%s", dir, cap_name(c, 0));
		snprintf(name0, sizeof name0, "%s", cap_name(c, 0));
		CHECK(arc_case_close(c, &e) == 0, "close: %s", e.msg);
		keep = cut == 0 ? last_len - 7 : cut == 1 ? 2 : last_len / 2;
		CHECK(truncate(path, (off_t)(last_off + keep)) == 0, "truncate %s", path);

		/* the reader: warcinfo and two responses, then an error naming
		 * the file and the torn frame's offset */
		rd = warc_reader_open(path, NULL, &e);
		CHECK(rd != NULL, "open torn: %s", e.msg);
		if (!rd)
			return;
		n = 0;
		while ((rc = warc_reader_next(rd, &rec, &e)) == 1)
			n++;
		snprintf(want, sizeof want, "offset %llu", (unsigned long long)last_off);
		CHECK(n == 3 && rc < 0, "cut %d: %d records before the torn one, rc %d", cut, n, rc);
		CHECK(e.offset == last_off && strstr(e.file, name0),
		      "cut %d: error at %llu in %s, want %llu", cut, (unsigned long long)e.offset, e.file,
		      (unsigned long long)last_off);
		CHECK(strstr(e.msg, path) && strstr(e.msg, want) &&
		      (strstr(e.msg, "truncated") || strstr(e.msg, "file ends inside")),
		      "cut %d: message names file, %s and the tear: %s", cut, want, e.msg);
		warc_reader_free(rd);

		/* the index: what precedes the tear, and an error that says where */
		memset(&e, 0, sizeof e);
		rc = cdxj_rebuild(dir, &e);
		CHECK(rc < 0 && strstr(e.msg, name0) && strstr(e.msg, want),
		      "cut %d: rebuild reports the tear: rc %d %s", cut, rc, e.msg);
		snprintf(path, sizeof path, "%s/index.cdxj", dir);
		idx.len = 0;
		CHECK(read_file(path, &idx) == 0, "read %s", path);
		arc_buf_append(&idx, "", 0);
		CHECK(idx.data && strstr((char *)idx.data, "com,example)/torn0 ") &&
		      strstr((char *)idx.data, "com,example)/torn1 ") &&
		      !strstr((char *)idx.data, "torn2"), "cut %d: index keeps torn0, torn1: %s", cut,
		      idx.data ? (char *)idx.data : "");
		snprintf(path, sizeof path, "%s/%s", dir, name0);
	}

	/* reopening never appends to the torn file: a new file takes the writes */
	CHECK(stat(path, &st) == 0, "stat");
	c = arc_case_open(dir, &o, &e);
	CHECK(c != NULL, "reopen: %s", e.msg);
	if (c) {
		uint64_t before = (uint64_t)st.st_size;
		r.target_uri = "http://example.com/after";
		CHECK(arc_case_write(c, &r, &out, &e) == 0, "write after: %s", e.msg);
		CHECK_STR(arc_case_filename(c), cap_name(c, 1));
		CHECK(!strncmp(name0 + 8, cap_name(c, 1) + 8, 8), "same case id after a tear: %s", cap_name(c, 1));
		CHECK(arc_case_sync(c, &e) == 0, "sync: %s", e.msg);
		CHECK(stat(path, &st) == 0 && (uint64_t)st.st_size == before, "torn file untouched");
		rc = arc_case_close(c, &e);
		CHECK(rc < 0 && strstr(e.msg, name0), "close still reports the torn file: %s",
		      e.msg);
		snprintf(path, sizeof path, "%s/capture-%.8s-00001.warc.zst", dir, name0 + 8);
		check_case_file(path, 2, "torn");
	}
	/* a name that already exists (here a directory) is skipped, never opened */
	snprintf(path, sizeof path, "%s/capture-%.8s-00002.warc.zst", dir, name0 + 8);
	CHECK(mkdir(path, 0755) == 0, "mkdir %s", path);
	c = arc_case_open(dir, &o, &e);
	CHECK(c != NULL, "reopen 2: %s", e.msg);
	if (c) {
		CHECK(arc_case_write(c, &r, &out, &e) == 0, "write: %s", e.msg);
		CHECK_STR(arc_case_filename(c), cap_name(c, 3));
		arc_case_close(c, &e);
	}
	arc_buf_free(&idx);
}

int main(void)
{
	char cmd[200];

	tu_tmp(tmpdir, sizeof tmpdir, "custody-test-writer.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_format();
	test_injection();
	test_digester();
	test_digester_random();
	test_round_trip();
	test_header_limit();
	test_failed_write();
	test_case();
	test_case_torn();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (tu_fail == 0 && !getenv("KEEP_TMP"))
		(void)!system(cmd);
	else
		printf("files kept in %s\n", tmpdir);
	TU_END();
}
