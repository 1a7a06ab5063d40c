/*
 * test_timeline.c — removal-notice rules and the timeline from records
 * (archive/timeline.c): records written with the WARC writer into memory,
 * read back and fed in order, as custody timeline and the report do.
 */
#include "tu.h"

#include "archive.h"

static void test_rules(void)
{
	arc_error_t err;
	tl_rules_t *r = tl_rules_load(NULL, &err);
	CHECK(r != NULL, "built-in rules: %s", r ? "" : err.msg);
	CHECK(tl_rules_count(r, 0) >= 30 && tl_rules_count(r, 1) >= 5, "phrases %zu, login rules %zu",
	      tl_rules_count(r, 0), tl_rules_count(r, 1));
	const char *zh = "<p>抱歉，该内容已被删除</p>";
	const char *p = tl_rules_notice(r, (const unsigned char *)zh, strlen(zh));
	CHECK(p != NULL, "zh notice found");
	const char *zh2 = "<div>帖子不存在或已被删除</div>";
	CHECK(tl_rules_notice(r, (const unsigned char *)zh2, strlen(zh2)) != NULL, "帖子不存在");
	const char *en = "<h2>this POST has been Deleted.</h2>";
	CHECK(tl_rules_notice(r, (const unsigned char *)en, strlen(en)) != NULL, "en notice, case folded");
	const char *none = "<p>今天天气很好 This post is great</p>";
	CHECK(tl_rules_notice(r, (const unsigned char *)none, strlen(none)) == NULL, "no notice");
	CHECK(tl_rules_notice(r, NULL, 0) == NULL, "NULL text");
	/* redirects */
	CHECK(tl_rules_redirect(r, "/login?next=/t/1") == 1, "relative login");
	CHECK(tl_rules_redirect(r, "https://bbs.example/member.php?mod=logging&action=login") == 1, "discuz login");
	CHECK(tl_rules_redirect(r, "https://bbs.example/") == 2, "home page");
	CHECK(tl_rules_redirect(r, "https://bbs.example") == 2, "home page without a slash");
	CHECK(tl_rules_redirect(r, "/") == 2 && tl_rules_redirect(r, "/?from=404") == 2, "root");
	CHECK(tl_rules_redirect(r, "/index.php") == 2, "index page");
	CHECK(tl_rules_redirect(r, "/t/2") == 0, "another thread is a move");
	CHECK(tl_rules_redirect(r, "") == 0 && tl_rules_redirect(r, NULL) == 0, "no Location");
	tl_rules_free(r);

	/* the sample file is the built-in copy */
	arc_buf_t b = {0};
	int rc = arc_read_file("samples/rules/removal.rules", 1 << 20, &b, NULL, &err);
	CHECK(rc == 0 && b.len == strlen(tl_rules_builtin()) && !memcmp(b.data, tl_rules_builtin(), b.len),
	      "samples/rules/removal.rules equals the built-in rules");
	arc_buf_free(&b);

	/* parse errors name the line */
	const char *bad = "# ok\nnotice fine\nremove this\n";
	r = tl_rules_parse(bad, strlen(bad), "x.rules", &err);
	CHECK(!r && err.code == ARC_EFORMAT && strstr(err.msg, "line 3"), "unknown keyword: %s", err.msg);
	const char *empty = "notice   \n";
	r = tl_rules_parse(empty, strlen(empty), "x.rules", &err);
	CHECK(!r, "an empty phrase is refused");
	char big[600];
	memset(big, 'a', sizeof big);
	memcpy(big, "notice ", 7);
	r = tl_rules_parse(big, sizeof big, "x.rules", &err);
	CHECK(!r && err.code == ARC_ELIMIT, "a phrase past 256 bytes is refused");
	const char *ok = "notice Gone for good\r\nlogin /enter\n";
	r = tl_rules_parse(ok, strlen(ok), "x.rules", &err);
	CHECK(r && tl_rules_count(r, 0) == 1 && tl_rules_count(r, 1) == 1, "CRLF lines");
	CHECK(r && tl_rules_redirect(r, "/enter?x") == 1, "own login rule");
	tl_rules_free(r);
	tl_rules_free(NULL);
}

/* ---------------------------------------------------------------- records */

static warc_writer_t *w;
static char last_id[ARC_UUID_LEN + 8];

static void put(const char *type, const char *uri, const char *ct, const char *block,
                const warc_field_t *f, size_t nf, const char *date)
{
	warc_record_t rec;
	warc_written_t out;
	arc_error_t err;
	memset(&rec, 0, sizeof rec);
	memset(&out, 0, sizeof out);
	rec.type = type;
	rec.target_uri = uri;
	rec.content_type = ct;
	rec.block = block;
	rec.block_len = strlen(block);
	rec.fields = f;
	rec.nfields = nf;
	rec.date = date;
	int rc = warc_writer_write(w, &rec, &out, &err);
	CHECK(rc == 0, "write %s: %s", type, err.msg);
	snprintf(last_id, sizeof last_id, "%s", out.record_id);
}

static char *resp(int status, const char *extra, const char *body)
{
	static char b[4096];
	snprintf(b, sizeof b, "HTTP/1.1 %d X\r\nContent-Type: text/html; charset=utf-8\r\n%sContent-Length: %zu\r\n\r\n%s",
	         status, extra, strlen(body), body);
	return b;
}

static void findings(const char *target, int doxing, const char *types_json)
{
	char b[1024];
	snprintf(b, sizeof b, "{\"target\": \"%s\", \"verdict\": {\"doxing\": %s, \"score\": 0.9}, \"findings\": %s}",
	         target, doxing ? "true" : "false", types_json);
	warc_field_t f[1] = {{"WARC-Refers-To", target}};
	put("metadata", "urn:custody:findings:http://f.example/t/1", ARC_CT_FINDINGS, b, f, 1, NULL);
}

static void test_timeline(void)
{
	arc_buf_t mem = {0};
	arc_sink_t sink;
	arc_error_t err;
	arc_sink_mem(&sink, &mem);
	w = warc_writer_new(&sink, NULL);
	CHECK(w != NULL, "writer");
	if (!w)
		return;
	const char *u = "http://f.example/t/1";
	const char *dox = "<p>手机 13800000000</p>";
	const char *dox2 = "<p>手机 13800000000 再补充</p>";
	const char *notice = "<p>该内容已被删除</p>";
	const char *fs = "[{\"type\": \"cn_mobile\", \"watch\": true}, {\"type\": \"dox_keyword\"}]";
	put("warcinfo", NULL, ARC_CT_WARC_FIELDS, "software: t\r\n", NULL, 0, NULL);
	/* 1 present */
	put("response", u, ARC_CT_HTTP_RESPONSE, resp(200, "", dox), NULL, 0, "2026-12-01T10:00:00Z");
	char first[ARC_UUID_LEN + 8];
	snprintf(first, sizeof first, "%s", last_id);
	findings(first, 1, fs);
	/* 2 unchanged: a revisit, facts from the original */
	warc_field_t rf[2] = {{"WARC-Refers-To", first}, {"WARC-Profile",
	                      "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"}};
	put("revisit", u, ARC_CT_HTTP_RESPONSE, resp(200, "", dox), rf, 2, "2026-12-01T11:00:00Z");
	/* 3 edited: a second version */
	put("response", u, ARC_CT_HTTP_RESPONSE, resp(200, "", dox2), NULL, 0, "2026-12-01T12:00:00Z");
	findings(last_id, 1, fs);
	/* 4 could not reach: a capture record without a response */
	put("metadata", "urn:custody:capture:http://f.example/t/1", ARC_CT_CAPTURE,
	    "{\"error\": \"connection refused\"}", NULL, 0, "2026-12-01T13:00:00Z");
	/* 5 503: unavailable */
	put("response", u, ARC_CT_HTTP_RESPONSE, resp(503, "Retry-After: 5\r\n", "busy"), NULL, 0,
	    "2026-12-01T14:00:00Z");
	/* 6 the deletion notice, no personal data left */
	put("response", u, ARC_CT_HTTP_RESPONSE, resp(200, "", notice), NULL, 0, "2026-12-01T15:00:00Z");
	findings(last_id, 0, "[]");
	/* 7 404 */
	put("response", u, ARC_CT_HTTP_RESPONSE, resp(404, "", "nf"), NULL, 0, "2026-12-01T16:00:00Z");
	/* another page: a notice beside personal data is not a removal; a login redirect is */
	const char *u2 = "http://f.example/t/2";
	put("response", u2, ARC_CT_HTTP_RESPONSE, resp(200, "", "<p>This post has been deleted 13800000000</p>"),
	    NULL, 0, "2026-12-01T10:00:00Z");
	findings(last_id, 1, "[{\"type\": \"cn_mobile\"}]");
	put("response", u2, ARC_CT_HTTP_RESPONSE, resp(302, "Location: /login?next=%2Ft%2F2\r\n", ""), NULL, 0,
	    "2026-12-01T11:00:00Z");
	/* robots.txt and custody's own records are not pages */
	put("response", "http://f.example/robots.txt", ARC_CT_HTTP_RESPONSE, resp(404, "", ""), NULL, 0, NULL);
	/* a watch record and an alert record */
	put("metadata", "urn:custody:watch:x", TL_CT_WATCH, "{\"round\": 7, \"unreached\": []}", NULL, 0, NULL);
	put("metadata", "urn:custody:alert:http://f.example/t/1", TL_CT_ALERT,
	    "{\"url\": \"http://f.example/t/1\", \"types\": [\"cn_mobile\"], \"reason\": \"watched\"}", NULL, 0, NULL);
	/* hostile bodies are skipped, never fatal */
	put("metadata", "urn:custody:watch:x", TL_CT_WATCH, "{\"round\": \"x\", \"unreached\": 5", NULL, 0, NULL);
	put("metadata", "urn:custody:alert:x", TL_CT_ALERT, "[1,2]", NULL, 0, NULL);
	warc_writer_free(w);

	tl_rules_t *rules = tl_rules_load(NULL, &err);
	tl_t *t = tl_new(rules, 1);
	warc_reader_t *r = warc_reader_open_mem(mem.data, mem.len, "mem", NULL, &err);
	warc_rec_t rec;
	int n, bad = 0;
	while (r && (n = warc_reader_next(r, &rec, &err)) == 1)
		bad |= tl_feed(t, &rec, &err) != 0;
	CHECK(!bad && tl_end(t) == 0, "fed every record");
	warc_reader_free(r);
	CHECK(tl_count(t) == 2, "two pages (robots.txt and urn: records left out): %zu", tl_count(t));
	CHECK(tl_last_round(t) == 7, "last round %u", tl_last_round(t));
	const tl_url_t *a = tl_find(t, u);
	CHECK(a != NULL, "t/1 known");
	if (a) {
		CHECK(a->visits == 7 && a->unreachable == 1, "visits %llu unreachable %llu",
		      (unsigned long long)a->visits, (unsigned long long)a->unreachable);
		CHECK(a->nversions == 2, "versions %u", a->nversions);
		CHECK_STR(a->first_present.date, "2026-12-01T10:00:00Z");
		CHECK_STR(a->last_present.date, "2026-12-01T12:00:00Z");
		CHECK(a->has_removed && !strcmp(a->removed.date, "2026-12-01T15:00:00Z") &&
		      !strncmp(a->removed.how, "notice: ", 8), "removed by the notice: %s %s", a->removed.date,
		      a->removed.how);
		CHECK(a->last.state == TL_REMOVED && a->last.status == 404, "last: 404");
		CHECK(a->nhist == 7 && a->hist[1].doxing == 1 && a->hist[1].watched == 1u << tl_type_bit("cn_mobile"),
		      "the revisit has the original's findings");
		CHECK(a->nhist == 7 && a->hist[3].state == TL_UNREACHABLE && !strcmp(a->hist[3].how, "connection refused"),
		      "refused: unreachable, not removed");
		CHECK(a->nhist == 7 && a->hist[4].state == TL_UNAVAILABLE, "503: unavailable");
		CHECK(a->alerted == 1u << tl_type_bit("cn_mobile"), "alert record read");
		CHECK(!a->first_present.sealed, "no seal: not sealed");
	}
	const tl_url_t *b = tl_find(t, u2);
	CHECK(b && b->last_present.state == TL_PRESENT && b->has_removed &&
	      !strncmp(b->removed.how, "redirect to login: ", 19),
	      "t/2: notice beside personal data is present, then a login redirect removes it");
	arc_buf_t js = {0};
	CHECK(tl_json(t, NULL, &js) == 0 && js.len > 100, "json");
	arc_buf_append(&js, "", 1);
	CHECK(strstr((char *)js.data, "\"state\": \"unreachable\"") && strstr((char *)js.data, "\"rounds\": 7"),
	      "json states");
	arc_buf_free(&js);
	CHECK(tl_json(t, "http://nowhere/", &js) == 0, "json of an unknown URL");
	arc_buf_free(&js);
	CHECK(tl_type_bit("nonsense") == 31 && !strcmp(tl_type_name(31), "other") && tl_type_bit(NULL) == -1,
	      "unknown finding types");
	tl_free(t);
	tl_rules_free(rules);
	arc_buf_free(&mem);
}

/* Removal notices in GBK/GB2312/GB18030 and Big5: decoded by the charset the
 * header or the page declares (or, declaring none, tried as GB18030). */
static void test_legacy_charsets(void)
{
	arc_buf_t mem = {0};
	arc_sink_t sink;
	arc_error_t err;
	arc_sink_mem(&sink, &mem);
	w = warc_writer_new(&sink, NULL);
	CHECK(w != NULL, "writer");
	if (!w)
		return;
	/* 该帖子已被删除 in GBK */
	static const char gbk_notice[] = "\xb8\xc3\xcc\xfb\xd7\xd3\xd2\xd1\xb1\xbb\xc9\xbe\xb3\xfd";
	/* 帖子不存在 in GBK */
	static const char gbk_notice2[] = "\xcc\xfb\xd7\xd3\xb2\xbb\xb4\xe6\xd4\xda";
	/* 此內容已被刪除 in Big5 */
	static const char big5_notice[] = "\xa6\xb9\xa4\xba\xae\x65\xa4\x77\xb3\x51\xa7\x52\xb0\xa3";
	char b[2048];
	put("warcinfo", NULL, ARC_CT_WARC_FIELDS, "software: t\r\n", NULL, 0, NULL);
	snprintf(b, sizeof b, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=GBK\r\n\r\n<p>%s</p>", gbk_notice);
	put("response", "http://g.example/1", ARC_CT_HTTP_RESPONSE, b, NULL, 0, NULL);
	snprintf(b, sizeof b, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<meta http-equiv=\"Content-Type\" "
	         "content=\"text/html; charset=gb2312\"><p>%s</p>", gbk_notice2);
	put("response", "http://g.example/2", ARC_CT_HTTP_RESPONSE, b, NULL, 0, NULL);
	snprintf(b, sizeof b, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>%s</p>", gbk_notice);
	put("response", "http://g.example/3", ARC_CT_HTTP_RESPONSE, b, NULL, 0, NULL);
	snprintf(b, sizeof b, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=big5\r\n\r\n<p>%s</p>", big5_notice);
	put("response", "http://g.example/4", ARC_CT_HTTP_RESPONSE, b, NULL, 0, NULL);
	/* windows-1252 declared: not decoded as GBK, no notice read into it */
	snprintf(b, sizeof b, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=windows-1252\r\n\r\n<p>%s!</p>",
	         gbk_notice);
	put("response", "http://g.example/5", ARC_CT_HTTP_RESPONSE, b, NULL, 0, NULL);
	/* a truncated GBK sequence at the end is skipped, not fatal */
	snprintf(b, sizeof b, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=gb18030\r\n\r\n<p>%s</p>\xb8",
	         gbk_notice2);
	put("response", "http://g.example/6", ARC_CT_HTTP_RESPONSE, b, NULL, 0, NULL);
	warc_writer_free(w);

	tl_rules_t *rules = tl_rules_load(NULL, &err);
	tl_t *t = tl_new(rules, 0);
	warc_reader_t *r = warc_reader_open_mem(mem.data, mem.len, "mem", NULL, &err);
	warc_rec_t rec;
	int n, bad = 0;
	while (r && (n = warc_reader_next(r, &rec, &err)) == 1)
		bad |= tl_feed(t, &rec, &err) != 0;
	CHECK(!bad && tl_end(t) == 0, "fed every record");
	warc_reader_free(r);
	static const struct {
		const char *url, *how;
	} want[] = {
		{"http://g.example/1", "帖子已被删除"},
		{"http://g.example/2", "notice: 帖子不存在"},
		{"http://g.example/3", "帖子已被删除"},
		{"http://g.example/4", "notice: 此內容已被刪除"},
		{"http://g.example/6", "notice: 帖子不存在"},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const tl_url_t *u = tl_find(t, want[i].url);
		CHECK(u && u->last.state == TL_REMOVED && strstr(u->last.how, want[i].how), "%s: %s", want[i].url,
		      u ? u->last.how : "(missing)");
	}
	const tl_url_t *u5 = tl_find(t, "http://g.example/5");
	CHECK(u5 && u5->last.state == TL_PRESENT, "windows-1252 page: present (%s %s)", u5 ? tl_state_name(u5->last.state) : "-", u5 ? u5->last.how : "");
	tl_free(t);
	tl_rules_free(rules);
	arc_buf_free(&mem);
}

int main(void)
{
	test_rules();
	test_timeline();
	test_legacy_charsets();
	TU_END();
}
