/*
 * test_verify.c — custody-verify's checks called as a library (verify.h):
 * cases written in memory by archive/'s writer, checked by vf_run in a
 * context of their own (no global state: two contexts run side by side),
 * then damaged in one way each. Also vf_printable and vf_mask.
 */
#include "archive.h"
#include "verify.h"
#include "tu.h"

#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#define RESP "<urn:uuid:11111111-1111-4111-8111-111111111111>"

static const char page[] = "<html><body>tel 13800138000 end</body></html>";

/* warcinfo, request, response, findings; extra_findings more findings records. */
static void build(arc_buf_t *out, int extra_findings, const char *revisit_to)
{
	arc_sink_t sink;
	warc_writer_t *w;
	warc_written_t wr;
	arc_error_t e;
	char resp[512], fbody[512], dig[ARC_DIGEST_LEN];
	const char *p13 = strstr(page, "13800138000");
	size_t start = (size_t)(p13 - page);
	warc_field_t info_f[] = { { "WARC-Filename", "mem.warc.zst" },
	                          { "Custody-Case-ID", "urn:uuid:abcdef01-0000-4000-8000-000000000000" } };
	warc_field_t req_f[] = { { "WARC-Concurrent-To", RESP } };
	warc_field_t fin_f[] = { { "WARC-Refers-To", RESP } };
	warc_field_t rv_f[] = { { "WARC-Refers-To", revisit_to ? revisit_to : "" } };
	int i;

	memset(out, 0, sizeof *out);
	arc_sink_mem(&sink, out);
	w = warc_writer_new(&sink, NULL);
	snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n\r\n%s",
	         strlen(page), page);
	arc_sha256_hex(p13, 11, dig);
	snprintf(fbody, sizeof fbody,
	         "{\"target\": \"%s\", \"verdict\": {\"doxing\": true, \"score\": 0.9}, \"findings\": "
	         "[{\"type\": \"cn_mobile\", \"value\": \"13800138000\", \"text\": \"13800138000\", "
	         "\"start\": %zu, \"end\": %zu, \"sha256\": \"%s\", \"context\": \"tel 13800138000\"}]}",
	         RESP, start, start + 11, dig);
	{
		warc_record_t r = { .type = "warcinfo", .content_type = "application/warc-fields",
		                    .fields = info_f, .nfields = 2, .block = "software: t\r\n", .block_len = 13 };
		warc_writer_write(w, &r, &wr, &e);
	}
	{
		warc_record_t r = { .type = "request", .target_uri = "http://127.0.0.1/",
		                    .content_type = "application/http; msgtype=request", .fields = req_f,
		                    .nfields = 1, .block = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
		                    .block_len = 35 };
		warc_writer_write(w, &r, &wr, &e);
	}
	{
		warc_record_t r = { .type = "response", .target_uri = "http://127.0.0.1/",
		                    .record_id = RESP, .content_type = "application/http; msgtype=response",
		                    .block = resp, .block_len = strlen(resp) };
		warc_writer_write(w, &r, &wr, &e);
	}
	for (i = 0; i <= extra_findings; i++) {
		warc_record_t r = { .type = "metadata", .target_uri = "urn:custody:findings:http://127.0.0.1/",
		                    .content_type = "application/vnd.custody.findings+json",
		                    .fields = fin_f, .nfields = 1, .block = fbody, .block_len = strlen(fbody) };
		warc_writer_write(w, &r, &wr, &e);
	}
	if (revisit_to) {
		warc_record_t r = { .type = "revisit", .target_uri = "http://127.0.0.1/again",
		                    .content_type = "application/http; msgtype=response", .fields = rv_f,
		                    .nfields = 1, .block = resp, .block_len = strlen(resp) };
		warc_writer_write(w, &r, &wr, &e);
	}
	warc_writer_free(w);
}

static const vf_result_t *run(vf_ctx_t **c, const void *buf, size_t len, int pages)
{
	vf_opts_t o = { .collect_pages = pages };

	*c = vf_new(&o);
	vf_add_mem(*c, buf, len, "mem.warc.zst");
	vf_run(*c);
	return vf_result(*c);
}

static int has_failure(const vf_result_t *r, const char *check)
{
	size_t i;

	for (i = 0; i < r->nfailures; i++)
		if (!strcmp(r->failures[i].check, check))
			return 1;
	return 0;
}

/* A stand-in for the seal checker: counts records in case order and, at the
 * group's end, fills the seal summary as a checker that verified one seal would. */
typedef struct {
	uint64_t records, groups, begun;
	int anchored, fail;
} fake_seal_t;

static void fake_record(void *st, vf_ctx_t *c, size_t file, const warc_rec_t *rec)
{
	fake_seal_t *s = st;

	(void)c;
	(void)file;
	s->records += rec->header_len > 0;
}

static void fake_begin(void *st, vf_ctx_t *c)
{
	(void)c;
	((fake_seal_t *)st)->begun++;
}

static void fake_end(void *st, vf_ctx_t *c)
{
	fake_seal_t *s = st;
	vf_anchors_t *sum = vf_anchors(c);

	s->groups++;
	sum->seals = sum->seals_ok = 1;
	sum->records_sealed = s->records;
	snprintf(sum->signers[0].subject, sizeof sum->signers[0].subject, "CN=Test Operator, O=Test");
	sum->signers[0].trusted = 1;
	sum->nsigners = 1;
	snprintf(sum->times[0].time, sizeof sum->times[0].time, "2026-11-30 10:42:07 UTC");
	snprintf(sum->times[0].tsa, sizeof sum->times[0].tsa, "CN=Test TSA");
	sum->ntimes = 1;
	sum->anchored = s->anchored;
	if (s->fail)
		vf_fail(c, 0, 0, "", "seal root", "expected root %s, found %s", "aa", "bb");
}

int main(void)
{
	arc_buf_t a, b;
	vf_ctx_t *c1, *c2;
	const vf_result_t *r1, *r2;
	char *s;

	/* a clean case, and a second context over another case at the same time */
	build(&a, 3, NULL);
	build(&b, 0, "<urn:uuid:22222222-0000-4000-8000-000000000000>");
	r1 = run(&c1, a.data, a.len, 1);
	r2 = run(&c2, b.data, b.len, 0);
	CHECK_STR(r1->verdict, "intact");
	CHECK(r1->records == 7, "records %llu", (unsigned long long)r1->records);
	CHECK(r1->findings_checked == 4, "findings %llu", (unsigned long long)r1->findings_checked);
	CHECK(r1->npages == 1 && r1->pages[0].nfindings == 4 && r1->pages[0].findings_ok == 1,
	      "page collected with its findings");
	CHECK(r1->case_id && !strcmp(r1->case_id, "urn:uuid:abcdef01-0000-4000-8000-000000000000"),
	      "case id");
	/* the revisit names an unknown record: within files given, that is outside */
	CHECK_STR(r2->verdict, "intact");
	CHECK(r2->outside == 1, "outside %llu", (unsigned long long)r2->outside);
	vf_free(c2);
	vf_free(c1);
	arc_buf_free(&b);

	/* a revisit naming its original response, same payload digest */
	build(&b, 0, RESP);
	r2 = run(&c2, b.data, b.len, 0);
	CHECK_STR(r2->verdict, "intact");
	vf_free(c2);
	arc_buf_free(&b);

	/* one byte of the compressed stream changed: failed, named */
	a.data[a.len / 2] ^= 0x40;
	r1 = run(&c1, a.data, a.len, 0);
	CHECK_STR(r1->verdict, "failed");
	CHECK(r1->nfailures >= 1 && r1->failures[0].offset > 0, "failure with an offset");
	vf_free(c1);
	a.data[a.len / 2] ^= 0x40;

	/* bytes appended after the last record */
	{
		unsigned char *more = malloc(a.len + 8);
		memcpy(more, a.data, a.len);
		memcpy(more + a.len, "\x50\x2a\x4d\x18\0\0\0\0", 8); /* an empty skippable frame */
		r1 = run(&c1, more, a.len + 8, 0);
		CHECK_STR(r1->verdict, "failed");
		CHECK(has_failure(r1, "zstd frame"), "skippable frame named");
		vf_free(c1);
		free(more);
	}
	arc_buf_free(&a);

	/* the work limit: decoding and hashing for findings beyond it is a named failure */
	build(&a, 40, NULL);
	{
		vf_opts_t o = { .max_work = 100 };

		c1 = vf_new(&o);
		vf_add_mem(c1, a.data, a.len, "mem.warc.zst");
		vf_run(c1);
		r1 = vf_result(c1);
		CHECK_STR(r1->verdict, "failed");
		CHECK(has_failure(r1, "work limit") && r1->failures_total == 1,
		      "work limit named once (%llu failures)", (unsigned long long)r1->failures_total);
		CHECK(r1->findings_checked < 41, "findings after the limit are not checked (%llu)",
		      (unsigned long long)r1->findings_checked);
		vf_free(c1);
	}
	arc_buf_free(&a);

	/* the seal hook: sees every record, fills the summary; anchored -> verified */
	build(&a, 0, NULL);
	{
		fake_seal_t st = { .anchored = 1 };
		vf_hook_t h = { .state = &st, .group_begin = fake_begin, .record = fake_record,
		                .group_end = fake_end };

		c1 = vf_new(NULL);
		CHECK(vf_add_hook(c1, &h) == 0, "hook added");
		vf_add_mem(c1, a.data, a.len, "mem.warc.zst");
		vf_run(c1);
		r1 = vf_result(c1);
		CHECK(st.records == 4 && st.groups == 1 && st.begun == 1, "hook saw %llu records",
		      (unsigned long long)st.records);
		CHECK_STR(r1->verdict, "verified");
		CHECK(r1->anchors.nsigners == 1 && r1->nnot_checked == 0, "anchored: nothing left unchecked");
		vf_free(c1);

		st = (fake_seal_t){ .anchored = 0 };
		c1 = vf_new(NULL);
		vf_add_hook(c1, &h);
		vf_add_mem(c1, a.data, a.len, "mem.warc.zst");
		vf_run(c1);
		CHECK_STR(vf_result(c1)->verdict, "intact");
		vf_free(c1);

		st = (fake_seal_t){ .anchored = 1, .fail = 1 };
		c1 = vf_new(NULL);
		vf_add_hook(c1, &h);
		vf_add_mem(c1, a.data, a.len, "mem.warc.zst");
		vf_run(c1);
		r1 = vf_result(c1);
		CHECK_STR(r1->verdict, "failed");
		CHECK(has_failure(r1, "seal root"), "a hook's failure is reported");
		vf_free(c1);
	}
	arc_buf_free(&a);

	/* the strict reader: hidden bytes are errors naming their offset; the
	 * default reader (crawl, ls, cdxj) still skips them */
	{
		static const char rec1[] = "WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 2\r\n\r\nhi\r\n\r\n";
		unsigned char buf[512], skip[12] = { 0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 'x', 'x', 'x', 'x' };
		warc_reader_opts_t lax = { 0 }, strict = { .strict = 1 };
		warc_reader_t *r;
		warc_rec_t rec;
		arc_error_t e;
		ZSTD_CCtx *z = ZSTD_createCCtx();
		size_t n1, n2;
		int rc, nrec;

		ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
		n1 = ZSTD_compress2(z, buf, 200, rec1, sizeof rec1 - 1);
		memcpy(buf + n1, skip, sizeof skip);
		memcpy(buf + n1 + sizeof skip, buf, n1);
		n2 = 2 * n1 + sizeof skip;
		r = warc_reader_open_mem(buf, n2, "t.warc.zst", &lax, &e);
		for (nrec = 0; (rc = warc_reader_next(r, &rec, &e)) == 1; nrec++)
			;
		CHECK(rc == 0 && nrec == 2, "lax: skippable frame skipped (%d records, rc %d)", nrec, rc);
		warc_reader_free(r);
		r = warc_reader_open_mem(buf, n2, "t.warc.zst", &strict, &e);
		for (nrec = 0; (rc = warc_reader_next(r, &rec, &e)) == 1; nrec++)
			;
		CHECK(rc == ARC_EZSTD && nrec == 1 && e.offset == n1 && strstr(e.msg, "skippable"),
		      "strict: the skippable frame is an error at its offset (%s)", e.msg);
		warc_reader_free(r);

		ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 0);
		n1 = ZSTD_compress2(z, buf, sizeof buf, rec1, sizeof rec1 - 1);
		r = warc_reader_open_mem(buf, n1, "t.warc.zst", &strict, &e);
		rc = warc_reader_next(r, &rec, &e);
		CHECK(rc == ARC_EZSTD && strstr(e.msg, "no content checksum"), "strict: no checksum (%s)",
		      e.msg);
		warc_reader_free(r);
		ZSTD_freeCCtx(z);

		memcpy(buf, rec1, sizeof rec1 - 1);
		memcpy(buf + sizeof rec1 - 1, "\r\n", 2);
		memcpy(buf + sizeof rec1 + 1, rec1, sizeof rec1 - 1);
		r = warc_reader_open_mem(buf, 2 * (sizeof rec1 - 1) + 2, "t.warc", &strict, &e);
		rc = warc_reader_next(r, &rec, &e);
		rc = warc_reader_next(r, &rec, &e);
		CHECK(rc == ARC_EFORMAT && e.offset == sizeof rec1 - 1 && strstr(e.msg, "stray CR/LF"),
		      "strict: CR/LF between plain records (%s)", e.msg);
		CHECK(!warc_reader_is_zstd(r), "plain input is not zstd");
		warc_reader_free(r);
	}

	/* vf_printable: UTF-8 kept, everything else escaped */
	s = vf_printable("a\xff\xc3\xa9\x01z", 6);
	CHECK_STR(s, "a\\xFF\xc3\xa9\\x01z");
	free(s);
	s = vf_printable("\xed\xa0\x80", 3); /* a surrogate is not UTF-8 */
	CHECK_STR(s, "\\xED\\xA0\\x80");
	free(s);
	s = vf_mask("110105199804120627");
	CHECK_STR(s, "11**************27"); /* no run of 4 of its digits left (issue 22) */
	free(s);
	s = vf_mask("abc");
	CHECK_STR(s, "***");
	free(s);
	TU_END();
}
