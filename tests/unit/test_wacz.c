/*
 * test_wacz.c — archive/export/zip.c and archive/export/wacz.c: gzip members read back by
 * zlib, STORED zip entries listed back (with CRC-32 recomputed here by zlib),
 * the ZIP64 end records past 65535 entries, a damaged zip refused, and an
 * export of a small case (whole, and one page) whose records come back
 * byte-identical from the WACZ and the .warc.gz directory. python3's zipfile
 * reads the zips too when it is installed (an independent reader).
 */
#include "archive.h"
#include "tu.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[128];

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	arc_buf_t b = { 0 };
	char tmp[65536];
	size_t k;

	*n = 0;
	if (!f)
		return NULL;
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
		arc_buf_append(&b, tmp, k);
	fclose(f);
	*n = b.len;
	return b.data;
}

static void test_gzip_member(void)
{
	static const char text[] = "WARC/1.1\r\nWARC-Type: resource\r\n\r\nhello hello hello";
	arc_buf_t m = { 0 };
	unsigned char out[256];
	uLongf outn = sizeof out;
	z_stream z;

	CHECK(arc_gzip_member(text, sizeof text - 1, &m) == 0 && m.len > 18, "member made");
	CHECK(m.data[0] == 0x1f && m.data[1] == 0x8b && m.data[2] == 8, "gzip header");
	memset(&z, 0, sizeof z);
	inflateInit2(&z, 16 + MAX_WBITS);
	z.next_in = m.data;
	z.avail_in = (uInt)m.len;
	z.next_out = out;
	z.avail_out = (uInt)outn;
	CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END && z.avail_in == 0 &&
	      sizeof out - z.avail_out == sizeof text - 1 && !memcmp(out, text, sizeof text - 1),
	      "zlib reads it back, one member, nothing after");
	inflateEnd(&z);
	m.len = 0;
	CHECK(arc_gzip_member("", 0, &m) == 0 && m.len == 20, "empty member: %zu bytes", m.len);
	arc_buf_free(&m);
}

static void test_zip(void)
{
	char path[300], src[300], sha[ARC_DIGEST_LEN], want[ARC_DIGEST_LEN], cmd[800];
	arc_zip_t *z;
	arc_zip_entry_t *e = NULL;
	arc_error_t err;
	size_t n = 0, i, flen;
	uint64_t size = 0;
	unsigned char *file;
	FILE *f;

	snprintf(src, sizeof src, "%s/data.bin", tmpdir);
	f = fopen(src, "wb");
	for (i = 0; i < 200000; i++)
		fputc((int)(i * 7 % 251), f);
	fclose(f);
	snprintf(path, sizeof path, "%s/a.zip", tmpdir);
	z = arc_zip_create(path, &err);
	CHECK(z != NULL, "create: %s", err.msg);
	if (!z)
		return;
	CHECK(arc_zip_add_file(z, "archive/data.warc.gz", src, sha, &size, &err) == 0 && size == 200000,
	      "add file: %s", err.msg);
	CHECK(arc_zip_add_mem(z, "pages/pages.jsonl", "{}\n", 3, &err) == 0, "add mem");
	CHECK(arc_zip_add_mem(z, "empty", "", 0, &err) == 0, "add empty");
	CHECK(arc_zip_add_mem(z, "", "x", 1, &err) == ARC_EINVAL, "no name refused");
	CHECK(arc_zip_close(z, &err) == 0, "a refused name leaves the zip usable: %s", err.msg);
	arc_zip_free(z);
	z = arc_zip_create(path, &err);
	CHECK(arc_zip_add_file(z, "archive/data.warc.gz", src, sha, &size, &err) == 0, "add file");
	CHECK(arc_zip_add_mem(z, "pages/pages.jsonl", "{}\n", 3, &err) == 0, "add mem");
	CHECK(arc_zip_close(z, &err) == 0, "close: %s", err.msg);
	arc_zip_free(z);

	file = slurp(src, &flen);
	arc_sha256_hex(file, flen, want);
	CHECK(!strcmp(sha, want), "sha256 of the copied bytes");
	CHECK(arc_zip_list(path, &e, &n, &err) == 0 && n == 2, "list: %s", err.msg);
	if (n == 2) {
		size_t zl;
		unsigned char *zip = slurp(path, &zl);
		CHECK(!strcmp(e[0].name, "archive/data.warc.gz") && e[0].method == 0 &&
		      e[0].size == 200000 && e[0].offset + e[0].size <= zl &&
		      !memcmp(zip + e[0].offset, file, flen), "entry 0 stored in place");
		CHECK(e[0].crc == (uint32_t)crc32(0, file, (uInt)flen), "crc 0");
		CHECK(!strcmp(e[1].name, "pages/pages.jsonl") && e[1].size == 3 &&
		      !memcmp(zip + e[1].offset, "{}\n", 3) && e[1].crc == (uint32_t)crc32(0, (const Bytef *)"{}\n", 3),
		      "entry 1");
		/* a cut file is refused, not misread */
		snprintf(src, sizeof src, "%s/cut.zip", tmpdir);
		f = fopen(src, "wb");
		fwrite(zip, 1, zl - 30, f);
		fclose(f);
		free(e);
		e = NULL;
		CHECK(arc_zip_list(src, &e, &n, &err) == ARC_EFORMAT, "cut zip: %s", err.msg);
		/* a central directory pointing past the end */
		zip[zl - 6] = 0xff;
		snprintf(src, sizeof src, "%s/bad.zip", tmpdir);
		f = fopen(src, "wb");
		fwrite(zip, 1, zl, f);
		fclose(f);
		CHECK(arc_zip_list(src, &e, &n, &err) == ARC_EFORMAT, "bad cd offset: %s", err.msg);
		free(zip);
	}
	free(e);
	free(file);
	snprintf(cmd, sizeof cmd,
	         "command -v python3 >/dev/null || exit 0; python3 -c \"import zipfile,sys; "
	         "z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; "
	         "assert all(i.compress_type==0 for i in z.infolist())\" '%s'", path);
	CHECK(system(cmd) == 0, "python zipfile reads it, every entry STORED");

	/* 70000 entries: ZIP64 end of central directory and locator */
	snprintf(path, sizeof path, "%s/many.zip", tmpdir);
	z = arc_zip_create(path, &err);
	for (i = 0; z && i < 70000; i++) {
		char name[32];
		snprintf(name, sizeof name, "e/%zu", i);
		if (arc_zip_add_mem(z, name, name, strlen(name), &err))
			break;
	}
	CHECK(z && i == 70000 && arc_zip_close(z, &err) == 0, "70000 entries: %s", err.msg);
	arc_zip_free(z);
	e = NULL;
	CHECK(arc_zip_list(path, &e, &n, &err) == 0 && n == 70000 && !strcmp(e[69999].name, "e/69999"),
	      "zip64 listing: %s", err.msg);
	free(e);
	snprintf(cmd, sizeof cmd,
	         "command -v python3 >/dev/null || exit 0; python3 -c \"import zipfile,sys; "
	         "z=zipfile.ZipFile(sys.argv[1]); assert len(z.infolist())==70000; "
	         "assert z.read('e/69999')==b'e/69999'\" '%s'", path);
	CHECK(system(cmd) == 0, "python zipfile reads the zip64 end records");
}

/* ---------------------------------------------------------------- export */

static const char RESP[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
                           "<html><head><title>A &amp; B</title></head><body>hi</body></html>";

static int write_rec(arc_case_t *c, const char *type, const char *uri, const char *ct,
                     const char *body, const warc_field_t *f, size_t nf, warc_written_t *out)
{
	warc_record_t r;
	arc_error_t e;

	memset(&r, 0, sizeof r);
	r.type = type;
	r.target_uri = uri;
	r.content_type = ct;
	r.block = body;
	r.block_len = strlen(body);
	r.fields = f;
	r.nfields = nf;
	return arc_case_write(c, &r, out, &e);
}

/* Every record of a file, as its exact bytes, concatenated. */
static size_t all_records(const char *path, arc_buf_t *out, uint64_t off, uint64_t len)
{
	arc_error_t e;
	warc_reader_t *r = warc_reader_open_range(path, off, len, NULL, NULL, &e);
	warc_rec_t rec;
	size_t n = 0;

	while (r && warc_reader_next(r, &rec, &e) == 1) {
		arc_buf_append(out, rec.header, rec.header_len + (size_t)rec.block_len + 4);
		n++;
	}
	warc_reader_free(r);
	return n;
}

static void test_export(void)
{
	char dir[300], out[300], path[400], refers[ARC_UUID_LEN + 8], findings[300];
	char gzname[80], zname[100];
	arc_case_opts_t o;
	arc_case_t *c;
	arc_error_t e;
	warc_written_t w, resp;
	warc_field_t f[1];
	arc_export_opts_t xo;
	arc_export_stats_t st;
	arc_buf_t a = { 0 }, b = { 0 };
	arc_zip_entry_t *ze = NULL;
	size_t nz = 0, i, na, nb, len;
	unsigned char *zip;
	const char *url = "http://example.com/p";

	snprintf(dir, sizeof dir, "%s/case", tmpdir);
	memset(&o, 0, sizeof o);
	o.software = "custody/test";
	c = arc_case_open(dir, &o, &e);
	CHECK(c != NULL, "open: %s", e.msg);
	if (!c)
		return;
	write_rec(c, "response", url, "application/http; msgtype=response", RESP, NULL, 0, &resp);
	memcpy(refers, resp.record_id, sizeof refers);
	f[0] = (warc_field_t){ "WARC-Concurrent-To", refers };
	write_rec(c, "request", url, "application/http; msgtype=request",
	          "GET /p HTTP/1.1\r\nHost: example.com\r\n\r\n", f, 1, &w);
	write_rec(c, "metadata", ARC_CAPTURE_URN "http://example.com/p", "application/vnd.custody.capture+json",
	          "{\"complete\": true}", f, 1, &w);
	f[0] = (warc_field_t){ "WARC-Refers-To", refers };
	snprintf(findings, sizeof findings, "{\"target\": \"%s\", \"verdict\": {\"doxing\": true}, "
	         "\"findings\": [{\"type\": \"phone\"}, {\"type\": \"dox_keyword\"}]}", refers);
	write_rec(c, "metadata", ARC_FINDINGS_URN "http://example.com/p", "application/vnd.custody.findings+json",
	          findings, f, 1, &w);
	write_rec(c, "response", "http://example.com/other", "application/http; msgtype=response",
	          "HTTP/1.1 404 Not Found\r\n\r\n", NULL, 0, &w);
	CHECK(arc_case_close(c, &e) == 0, "close: %s", e.msg);

	/* whole case as WACZ: the records come back byte for byte */
	snprintf(out, sizeof out, "%s/case.wacz", tmpdir);
	memset(&xo, 0, sizeof xo);
	xo.software = "custody/test";
	CHECK(arc_export_wacz(dir, out, &xo, &st, &e) == 0, "wacz: %s", e.msg);
	CHECK(st.records == 6 && st.files == 1 && st.pages == 1 && st.doxing_pages == 1,
	      "stats %zu records %zu files %zu pages %zu doxing", st.records, st.files, st.pages,
	      st.doxing_pages);
	{
		arc_case_files_t l;
		CHECK(arc_case_files(dir, &l, &e) == 0 && l.n == 1, "one capture file");
		snprintf(path, sizeof path, "%s", l.n ? l.v[0].path : "");
		/* its .warc.gz twin: same name, .gz for .zst */
		snprintf(gzname, sizeof gzname, "%.*s.gz", l.n ? (int)strlen(l.v[0].name) - 4 : 0,
		         l.n ? l.v[0].name : "");
		arc_case_files_free(&l);
	}
	snprintf(zname, sizeof zname, "archive/%s", gzname);
	na = all_records(path, &a, 0, UINT64_MAX);
	CHECK(arc_zip_list(out, &ze, &nz, &e) == 0 && nz == 5, "5 entries: %s", e.msg);
	zip = slurp(out, &len);
	for (i = 0; i < nz && zip; i++) {
		const char *x = (const char *)zip + ze[i].offset;
		if (!strcmp(ze[i].name, zname)) {
			nb = all_records(out, &b, ze[i].offset, ze[i].size);
			CHECK(nb == na && a.len == b.len && !memcmp(a.data, b.data, a.len),
			      "WARC bytes identical (%zu/%zu records)", nb, na);
		} else if (!strcmp(ze[i].name, "pages/pages.jsonl")) {
			CHECK(!strncmp(x, "{\"format\": \"json-pages-1.0\"", 27), "pages header");
			CHECK(memmem(x, (size_t)ze[i].size, "\"title\": \"A & B\"", 16) &&
			      memmem(x, (size_t)ze[i].size, "\"doxing\": true, \"findings\": 1", 29),
			      "page line: %.*s", (int)ze[i].size, x);
		} else if (!strcmp(ze[i].name, "indexes/index.cdxj")) {
			CHECK(memmem(x, (size_t)ze[i].size, "com,example)/other ", 19) &&
			      memmem(x, (size_t)ze[i].size, gzname, strlen(gzname)) &&
			      !memmem(x, (size_t)ze[i].size, ".zst", 4),
			      "index: %.*s", (int)ze[i].size, x);
		} else if (!strcmp(ze[i].name, "datapackage.json")) {
			CHECK(memmem(x, (size_t)ze[i].size, "\"wacz_version\": \"1.1.1\"", 23) != NULL, "datapackage");
		}
		CHECK(ze[i].method == 0, "%s STORED", ze[i].name);
	}
	free(zip);
	free(ze);
	CHECK(arc_export_wacz(dir, "/nonexistent/x.wacz", &xo, &st, &e) != 0, "bad output refused");

	/* one page: the 404 stays behind */
	{
		const char *urls[1] = { url };
		xo.urls = urls;
		xo.nurls = 1;
		snprintf(out, sizeof out, "%s/gz", tmpdir);
		CHECK(arc_export_warcgz(dir, out, &xo, &st, &e) == 0 && st.records == 5,
		      "one page: %zu records: %s", st.records, e.msg);
		snprintf(path, sizeof path, "%s/%s", out, gzname);
		b.len = 0;
		CHECK(all_records(path, &b, 0, UINT64_MAX) == 5 && !memmem(b.data, b.len, "/other", 6),
		      "warcinfo, response, request, capture, findings; not the other page");
		CHECK(arc_export_warcgz(dir, out, &xo, &st, &e) != 0 && strstr(e.msg, "exists"),
		      "no overwrite: %s", e.msg);
		urls[0] = "http://example.com/never";
		snprintf(out, sizeof out, "%s/gz2", tmpdir);
		CHECK(arc_export_warcgz(dir, out, &xo, &st, &e) == ARC_EINVAL && strstr(e.msg, "no capture"),
		      "unknown URL: %s", e.msg);
	}
	{
		const char *recs[1] = { refers };
		memset(&xo, 0, sizeof xo);
		xo.records = recs;
		xo.nrecords = 1;
		snprintf(out, sizeof out, "%s/rec.wacz", tmpdir);
		CHECK(arc_export_wacz(dir, out, &xo, &st, &e) == 0 && st.records == 5, "by record: %zu: %s",
		      st.records, e.msg);
	}
	arc_buf_free(&a);
	arc_buf_free(&b);
}

int main(void)
{
	char cmd[200];

	tu_tmp(tmpdir, sizeof tmpdir, "custody-test-wacz-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_gzip_member();
	test_zip();
	test_export();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (tu_fail == 0 && !getenv("KEEP_TMP"))
		(void)!system(cmd);
	else
		printf("files kept in %s\n", tmpdir);
	TU_END();
}
