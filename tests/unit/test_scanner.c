/*
 * test_scanner.c — the single-pass scanner (scanner.c), the rules parser
 * (rules.c), the verdict and the watchlist on plain UTF-8 strings; then
 * detect_payload() on GB18030, UTF-16 and JSON payloads: offsets in the
 * original encoding, hashes, the findings body, watchlist marks.
 * Fabricated identifiers only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "detect_int.h"
#include "textmap.h"
#include "tu.h"

static detect_rules_t *R;

/* Index of the first match of type with value in text, or -1; prints misses. */
static long find(const scan_result_t *s, int type, const char *value)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].type == type && (!value || !strcmp(s->v[i].value, value)))
			return (long)i;
	return -1;
}

static void scan(const char *text, scan_result_t *s)
{
	int rc = dt_scan(R, text, strlen(text), s);
	CHECK(rc == 0, "scan failed: %d", rc);
}

/* text must yield exactly one finding of type with value, spanning want_text. */
static void one(const char *text, int type, const char *value, const char *want_text)
{
	scan_result_t s;
	scan(text, &s);
	long i = find(&s, type, value);
	CHECK(i >= 0, "%s: no %s %s", text, dt_type_name(type), value);
	if (i >= 0 && want_text) {
		size_t ts = s.v[i].ts, te = s.v[i].te;
		CHECK(te - ts == strlen(want_text) && !memcmp(text + ts, want_text, te - ts),
		      "%s: span '%.*s', want '%s'", text, (int)(te - ts), text + ts, want_text);
	}
	size_t ids = 0;
	for (size_t k = 0; k < s.n; k++)
		ids += s.v[k].type != DT_DOX && s.v[k].type != DT_NAME;
	CHECK(ids == 1 || type == DT_NAME || type == DT_DOX, "%s: %zu identifier findings, want 1", text, ids);
	dt_scan_free(&s);
}

/* text must yield no identifier finding at all. */
static void none(const char *text)
{
	scan_result_t s;
	scan(text, &s);
	size_t ids = 0;
	for (size_t k = 0; k < s.n; k++)
		if (s.v[k].type != DT_DOX) {
			ids++;
			printf("  unexpected %s '%s' in: %s\n", dt_type_name(s.v[k].type), s.v[k].value, text);
		}
	CHECK(ids == 0, "hard negative reported: %s", text);
	dt_scan_free(&s);
}

static void rules_error(const char *text, const char *want)
{
	arc_error_t err;
	memset(&err, 0, sizeof err);
	detect_rules_t *r = dt_rules_parse(text, strlen(text), "x.rules", &err);
	CHECK(!r && strstr(err.msg, want), "rules error '%s', want '%s'", err.msg, want);
	detect_rules_free(r);
}

/* ---------------------------------------------------------------- detect_payload (textmap + scan + offsets) */

/* The finding of type in r, or NULL. */
static const detect_finding_t *finding(const detect_result_t *r, const char *type)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].type, type))
			return &r->v[i];
	return NULL;
}

/* [start,end) must be exactly want (bytes in the payload's own encoding) and hash to sha256. */
static void offsets_are(const unsigned char *p, const detect_finding_t *f, const char *want, size_t wn)
{
	char h[ARC_DIGEST_LEN];
	CHECK(f && f->end - f->start == wn && !memcmp(p + f->start, want, wn), "%s: bytes at [%llu,%llu)",
	      f ? f->type : "(none)", f ? (unsigned long long)f->start : 0ULL, f ? (unsigned long long)f->end : 0ULL);
	if (f) {
		arc_sha256_hex(p + f->start, (size_t)(f->end - f->start), h);
		CHECK(!strcmp(h, f->sha256), "%s: sha256 over payload[start,end)", f->type);
	}
}


/* Count of findings of type in text (any value). */
static size_t count_type(const char *text, int type)
{
	scan_result_t s;
	scan(text, &s);
	size_t n = 0;
	for (size_t k = 0; k < s.n; k++)
		n += s.v[k].type == type;
	dt_scan_free(&s);
	return n;
}

/* Score of the first finding of type in text, 0 if none. */
static double score_of(const char *text, int type)
{
	scan_result_t s;
	scan(text, &s);
	double sc = 0;
	for (size_t k = 0; k < s.n && sc == 0; k++)
		if (s.v[k].type == type)
			sc = s.v[k].score;
	dt_scan_free(&s);
	return sc;
}

static int verdict_of(const char *text)
{
	scan_result_t s;
	int dox;
	double score;
	scan(text, &s);
	dt_verdict(R, s.v, s.n, &dox, &score);
	dt_scan_free(&s);
	return dox;
}

/* Issue 12: classes seen on real, ordinary pages (fabricated text, fabricated people). */
static void real_page_tests(void)
{
	/* dox keywords in ordinary senses */
	CHECK(count_type("开盒发现屏幕有划痕，打开盒子一看配件齐全", DT_DOX) == 0, "unboxing 开盒 is no keyword");
	CHECK(count_type("和敌人肉搏了三回合", DT_DOX) == 0, "敌人肉搏 is no keyword");
	CHECK(score_of("她被开盒了，个人信息全网都是", DT_DOX) >= 0.7, "开盒 beside 个人信息 is strong");
	CHECK(score_of("【开盒】", DT_DOX) >= 0.7, "开盒 standing alone is strong");
	CHECK(score_of("开盒后续 手机 13912345678", DT_DOX) < 0.7, "开盒 glued to text, no context: weak");
	CHECK(count_type("户籍制度改革的新闻", DT_DOX) == 0, "a weak keyword alone on a page is dropped");
	CHECK(!verdict_of("开盒后续：身份证 11010519491231002X"), "a weak keyword does not tip a page alone");
	/* WeChat context inside URLs and host names */
	CHECK(count_type("<img src=//res.wx.qq.com/mmbizwap/zh_CN/a.png> //res.wx.qq.com/mmbizwap/x", DT_WECHAT) == 0,
	      "wx inside a host name is no WeChat context");
	one("WeChat:pengli_88 联系", DT_WECHAT, "pengli_88", "pengli_88");
	one("Tel/WeChat: pengli_88", DT_WECHAT, "pengli_88", "pengli_88");
	one("WeChatID:pengli_88", DT_WECHAT, "pengli_88", "pengli_88");
	one("微信pengli_88 好", DT_WECHAT, "pengli_88", "pengli_88");
	none("see qq.com/wx/pengli_88 and mp.weixin.qq.com/wx/13912345678");
	one("微信 wxabc_2024", DT_WECHAT, "wxabc_2024", NULL);
	/* ad and tracking ids */
	none("google_ad_client = \"ca-pub-4027289328990288\"");
	none("UA-4111111111111111-1");
	/* foreign numbers */
	none("Call 1-866-673-6996 toll free");
	none("UK freephone 0800 912 2901");
	one("Call +1-866-673-6996 now", DT_INTL_PHONE, "18666736996", "+1-866-673-6996");
	one("London +44 20 7946 0958", DT_INTL_PHONE, "442079460958", NULL);
	one("手机 +86 139 1234 5678", DT_MOBILE, "13912345678", NULL);
	/* datelines and organisation addresses */
	none("本报北京6月10日讯（记者 王小明）");
	none("上海市道路交通管理条例 上海轨道交通21号线");
	none("取道香港仔隧道的70号巴士");
	one("上海店位于上海市静安区南京西路1266号", DT_ADDRESS, NULL, "上海市静安区南京西路1266号");
	CHECK(score_of("公司地址：北京市朝阳区建国路88号", DT_ADDRESS) < DETECT_SCORE_ADDR_PERSONAL,
	      "an office address is not weighed as personal");
	CHECK(score_of("家住浙江省杭州市西湖区文三路100号2栋1单元502室", DT_ADDRESS) >= DETECT_SCORE_ADDR_PERSONAL,
	      "a home address is personal");
	CHECK(!verdict_of("联系人：王伟 电话 13912345678 地址：北京市朝阳区建国路88号"),
	      "a contact with an office address is not doxing");
	CHECK(verdict_of("姓名：王伟 手机 13912345678 住址：北京市朝阳区幸福路8号3单元201室"),
	      "a name, a phone and a home address are doxing");
	/* names from non-name text */
	CHECK(count_type("户籍地址：江苏省", DT_NAME) == 0, "a province is not a name");
	CHECK(count_type("本人曾多次访华", DT_NAME) == 0, "曾多次 is not a name");
	CHECK(count_type("当事人应当申请撤销", DT_NAME) == 0, "应当申 is not a name");
	CHECK(count_type("当事人陈述了事实", DT_NAME) == 0, "陈述 is not a name");
	one("姓名：欧阳娜娜，手机 13912345678", DT_NAME, "欧阳娜娜", "欧阳娜娜");
	one("姓名：佘小雨，手机 13912345678", DT_NAME, "佘小雨", "佘小雨");     /* beyond the old list */
	one("姓名：覃晓，手机 13912345678", DT_NAME, "覃晓", "覃晓");
	one("姓名：冼雅婷", DT_NAME, "冼雅婷", "冼雅婷");
	one("姓名：陳大文", DT_NAME, "陳大文", "陳大文");                      /* traditional script */
	/* stock tables and IP addresses */
	none("600519  18461647373  12.50  3.2%");
	none("服务器 199.232.28.133 已上线");
	none("1.2.3.4 and 139.123.45.67");
	/* misses: slash lists, courier phones, HK ids with a space, JCB */
	{
		scan_result_t s;
		scan("联系电话：13518346281/18283510188", &s);
		CHECK(find(&s, DT_MOBILE, "13518346281") >= 0 && find(&s, DT_MOBILE, "18283510188") >= 0,
		      "slash-joined mobiles both found");
		dt_scan_free(&s);
		scan("电话 0555-2494343/0555-2494344 或 13518346281/0555-2494345", &s);
		CHECK(find(&s, DT_LANDLINE, "05552494343") >= 0 && find(&s, DT_LANDLINE, "05552494344") >= 0 &&
		      find(&s, DT_MOBILE, "13518346281") >= 0 && find(&s, DT_LANDLINE, "05552494345") >= 0,
		      "slash-joined landlines found");
		dt_scan_free(&s);
	}
	none("日期 2023/10/12 与 /p/13912345678/");
	one("快递员电话：13912345678", DT_MOBILE, "13912345678", NULL);
	one("物流师傅手机：13912345678", DT_MOBILE, "13912345678", NULL);
	one("发票抬头 王伟 联系电话 13912345678", DT_MOBILE, "13912345678", NULL);
	none("快递单号：13912345678");
	one("香港身份证 A123456 (3)", DT_HK_ID, "A1234563", "A123456 (3)");
	one("JCB 3530111333300000", DT_BANK_CARD, "3530111333300000", NULL);
	one("卡号 3566-0020-2036-0505", DT_BANK_CARD, "3566002020360505", NULL);
	/* glued platform context */
	one("Twitter@handle_x 关注", DT_SOCIAL, "@handle_x", "@handle_x");
}

static void detect_tests(void)
{
	arc_error_t err;
	detect_result_t r;
	/* GB18030 page, full-width digits: offsets are GB18030 byte offsets */
	static const char gb[] = "\x3c\x68\x74\x6d\x6c\x3e\x3c\x68\x65\x61\x64\x3e\x3c\x6d\x65\x74\x61\x20\x63\x68\x61\x72\x73\x65\x74\x3d\x22\x67\x62\x31\x38\x30\x33\x30\x22\x3e\x3c\x2f\x68\x65\x61\x64\x3e\x3c\x62\x6f\x64\x79\x3e\x3c\x70\x3e\xbf\xaa\xba\xd0\xa3\xa1\xc0\xee\xc4\xc8\xa3\xac\xca\xd6\xbb\xfa\x20\xa3\xb1\xa3\xb3\xa3\xb9\xa3\xb1\xa3\xb2\xa3\xb3\xa3\xb4\xa3\xb5\xa3\xb6\xa3\xb7\xa3\xb8\x3c\x2f\x70\x3e\x3c\x2f\x62\x6f\x64\x79\x3e\x3c\x2f\x68\x74\x6d\x6c\x3e";
	static const char gb_mob[] = "\xa3\xb1\xa3\xb3\xa3\xb9\xa3\xb1\xa3\xb2\xa3\xb3\xa3\xb4\xa3\xb5\xa3\xb6\xa3\xb7\xa3\xb8";
	int rc = detect_payload(R, NULL, "text/html", (const unsigned char *)gb, sizeof gb - 1, &r, &err);
	CHECK(rc == 0, "detect GB18030: %s", rc ? err.msg : "");
	if (!rc) {
		const detect_finding_t *m = finding(&r, "cn_mobile");
		offsets_are((const unsigned char *)gb, m, gb_mob, sizeof gb_mob - 1);
		CHECK(m && !strcmp(m->value, "13912345678") && !strcmp(m->text, "１３９１２３４５６７８"),
		      "GB18030 mobile value/text");
		CHECK(m && !strcmp(m->xpath, "/html/body/p[1]"), "xpath %s", m ? m->xpath : "");
		CHECK(m && strstr(m->context, "李娜"), "context around the finding");
		const detect_finding_t *n = finding(&r, "person_name");
		offsets_are((const unsigned char *)gb, n, "\xc0\xee\xc4\xc8", 4);
		CHECK(r.doxing && !strcmp(r.charset, "GB18030"), "GB18030 page doxing (charset %s)", r.charset);
		arc_buf_t b = {0};
		CHECK(detect_findings_json(&r, "urn:uuid:1", &b) == 0, "findings body");
		json_error_t je;
		json_t *j = json_loadb((const char *)b.data, b.len, 0, &je);
		CHECK(j && json_is_true(json_object_get(json_object_get(j, "verdict"), "doxing")) &&
		      json_array_size(json_object_get(j, "findings")) == r.n &&
		      !strcmp(json_string_value(json_object_get(j, "target")), "urn:uuid:1"),
		      "findings body parses back");
		json_t *f0 = json_array_get(json_object_get(j, "findings"), 0);
		const char *keys[] = {"type", "value", "text", "start", "end", "sha256", "xpath", "context", "score"};
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
			CHECK(json_object_get(f0, keys[k]) != NULL, "finding has %s", keys[k]);
		json_decref(j);
		arc_buf_free(&b);
		detect_result_free(&r);
	}
	/* UTF-16LE with BOM */
	static const char u16[] = "\xff\xfe\x3c\x00\x70\x00\x3e\x00\xba\x4e\x89\x80\x1a\xff\x20\x5f\x1f\x4f\x0c\xff\xab\x8e\xfd\x4e\xc1\x8b\x20\x00\x34\x00\x34\x00\x30\x00\x31\x00\x30\x00\x36\x00\x32\x00\x30\x00\x30\x00\x30\x00\x30\x00\x32\x00\x32\x00\x39\x00\x31\x00\x32\x00\x33\x00\x38\x00\x3c\x00\x2f\x00\x70\x00\x3e\x00";
	static const char id16[] = "\x34\x00\x34\x00\x30\x00\x31\x00\x30\x00\x36\x00\x32\x00\x30\x00\x30\x00\x30\x00\x30\x00\x32\x00\x32\x00\x39\x00\x31\x00\x32\x00\x33\x00\x38\x00";
	rc = detect_payload(R, NULL, NULL, (const unsigned char *)u16, sizeof u16 - 1, &r, &err);
	CHECK(rc == 0, "detect UTF-16: %s", rc ? err.msg : "");
	if (!rc) {
		const detect_finding_t *id = finding(&r, "cn_resident_id");
		offsets_are((const unsigned char *)u16, id, id16, sizeof id16 - 1);
		CHECK(id && !strcmp(id->text, "440106200002291238"), "UTF-16 text converted to UTF-8");
		offsets_are((const unsigned char *)u16, finding(&r, "person_name"), "\x20\x5f\x1f\x4f", 4);
		CHECK(r.doxing, "UTF-16 page doxing");
		detect_result_free(&r);
	}
	/* JSON body; watchlist */
	{
		const char *js = "{\"a\":{\"id\":\"11010519491231002X\",\"tel\":\"\\u624b\\u673a 13912345678\"}}";
		char path[256];
		tu_tmp(path, sizeof path, "test_scanner_watch.XXXXXX");
		int fd = mkstemp(path);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		unsigned char salt[32] = {7};
		char h[65];
		if (f) {
			fputs("custody-watch 1\nsalt 07", f);
			for (int k = 1; k < 32; k++)
				fputs("00", f);
			dt_watch_digest(salt, 32, "13912345678", h);
			fprintf(f, "\ncn_mobile %s\n", h);
			dt_watch_digest(salt, 32, "11010519491231002X", h);
			fprintf(f, "* %s\n", h);
			fclose(f);
		}
		detect_watch_t *w = detect_watch_load(path, &err);
		CHECK(w != NULL, "watch load: %s", w ? "" : err.msg);
		CHECK(w && detect_watch_match(w, "cn_mobile", "13912345678") && !detect_watch_match(w, "qq", "13912345678") &&
		      detect_watch_match(w, "qq", "11010519491231002X") && !detect_watch_match(w, "cn_mobile", "13912345679"),
		      "watch match by type and '*'");
		rc = detect_payload(R, w, "application/json", (const unsigned char *)js, strlen(js), &r, &err);
		CHECK(rc == 0, "detect JSON: %s", rc ? err.msg : "");
		if (!rc) {
			const detect_finding_t *m = finding(&r, "cn_mobile");
			CHECK(m && m->watch && finding(&r, "cn_resident_id") && finding(&r, "cn_resident_id")->watch,
			      "JSON string values scanned, watchlist marks them");
			CHECK(m && !strcmp(m->xpath, "$.a.tel"), "JSON path %s", m ? m->xpath : "");
			detect_result_free(&r);
		}
		detect_watch_free(w);
		unlink(path);
		const char *bad = "custody-watch 1\nsalt zz\n";
		FILE *g = fopen(path, "w");
		if (g) {
			fputs(bad, g);
			fclose(g);
		}
		w = detect_watch_load(path, &err);
		CHECK(!w && strstr(err.msg, ":2:"), "bad watchlist names file:line (%s)", err.msg);
		detect_watch_free(w);
		unlink(path);
	}
	/* a payload past TEXTMAP_MAX_INPUT: scanned up to the bound, and the result says so */
	{
		static const char head[] = "<p>\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81 11010519491231002X</p><p>";
		static const char tail[] = "</p><p>\xe6\x89\x8b\xe6\x9c\xba 13912345678</p>";
		size_t big = TEXTMAP_MAX_INPUT + 4096;
		unsigned char *p = malloc(big);
		CHECK(p != NULL, "malloc %zu", big);
		if (p) {
			memset(p, ' ', big);
			memcpy(p, head, sizeof head - 1);
			memcpy(p + big - (sizeof tail - 1), tail, sizeof tail - 1);
			rc = detect_payload(R, NULL, "text/html", p, big, &r, &err);
			CHECK(rc == 0, "detect big: %s", rc ? err.msg : "");
			if (!rc) {
				CHECK(r.truncated && r.scanned_bytes == TEXTMAP_MAX_INPUT,
				      "big payload: truncated %d, scanned %llu", r.truncated,
				      (unsigned long long)r.scanned_bytes);
				CHECK(finding(&r, "cn_resident_id") && !finding(&r, "cn_mobile"),
				      "found before the bound, nothing claimed after it");
				arc_buf_t b = {0};
				json_t *j = NULL;
				if (detect_findings_json(&r, "urn:uuid:2", &b) == 0)
					j = json_loadb((const char *)b.data, b.len, 0, NULL);
				json_t *sc = json_object_get(j, "scanned");
				CHECK(json_is_false(json_object_get(sc, "complete")) &&
				      json_integer_value(json_object_get(sc, "bytes")) == (json_int_t)TEXTMAP_MAX_INPUT,
				      "findings body: scanned {bytes, complete:false}");
				json_decref(j);
				arc_buf_free(&b);
				detect_result_free(&r);
			}
			/* within the bound: complete */
			rc = detect_payload(R, NULL, "text/html", p, 4096, &r, &err);
			CHECK(rc == 0 && !r.truncated && r.scanned_bytes == 4096, "small payload complete");
			if (!rc) {
				arc_buf_t b = {0};
				json_t *j = NULL;
				if (detect_findings_json(&r, "urn:uuid:3", &b) == 0)
					j = json_loadb((const char *)b.data, b.len, 0, NULL);
				CHECK(json_is_true(json_object_get(json_object_get(j, "scanned"), "complete")),
				      "findings body: complete:true");
				json_decref(j);
				arc_buf_free(&b);
				detect_result_free(&r);
			}
			free(p);
		}
	}
}

/* A page with more findings than one record holds keeps the first ones, says how
 * many were left out, and stays under the verifier's JSON limit. */
static void test_findings_cap(void)
{
	size_t n = DETECT_MAX_FINDINGS + 7;
	detect_result_t r = {0};
	r.v = calloc(n, sizeof *r.v);
	r.n = n;
	r.doxing = 1;
	CHECK(r.v != NULL, "alloc");
	if (!r.v)
		return;
	char ctx[2048];
	memset(ctx, 'x', sizeof ctx - 1);
	ctx[sizeof ctx - 1] = 0;
	for (size_t i = 0; i < n; i++) {
		r.v[i].type = "cn_mobile";
		r.v[i].start = i * 11;
		r.v[i].end = i * 11 + 11;
	}
	for (int round = 0; round < 2; round++) {
		/* round 0: short strings, cut by count; round 1: 2 KiB contexts, cut by size */
		for (size_t i = 0; i < n; i++) {
			r.v[i].value = r.v[i].text = (char *)"13912345678";
			r.v[i].xpath = (char *)"/html/body/p[1]";
			r.v[i].context = round ? ctx : (char *)"tel";
		}
		arc_buf_t b = {0};
		CHECK(detect_findings_json(&r, "urn:uuid:9", &b) == 0, "findings body (round %d)", round);
		json_t *j = json_loadb((const char *)b.data, b.len, 0, NULL);
		size_t kept = json_array_size(json_object_get(j, "findings"));
		json_int_t omitted = json_integer_value(json_object_get(j, "findings_omitted"));
		CHECK(j && kept > 0 && kept <= DETECT_MAX_FINDINGS && kept + (size_t)omitted == n,
		      "round %d: %zu kept + %lld omitted = %zu", round, kept, (long long)omitted, n);
		CHECK(b.len <= DETECT_MAX_FINDINGS_JSON, "round %d: %zu bytes within the limit", round, b.len);
		CHECK(json_integer_value(json_object_get(json_array_get(json_object_get(j, "findings"), 0),
		                                         "start")) == 0, "round %d: the first ones kept", round);
		if (round == 0)
			CHECK(kept == DETECT_MAX_FINDINGS, "round 0: cut by count (%zu)", kept);
		json_decref(j);
		arc_buf_free(&b);
	}
	/* under the cap: no findings_omitted key at all */
	r.n = 3;
	arc_buf_t b = {0};
	CHECK(detect_findings_json(&r, "urn:uuid:9", &b) == 0 && !memmem(b.data, b.len, "omitted", 7),
	      "a small page says nothing of omitted findings");
	arc_buf_free(&b);
	free(r.v);
}

int main(void)
{
	arc_error_t err;
	R = detect_rules_load(NULL, &err);
	CHECK(R != NULL, "built-in rules: %s", err.msg);
	if (!R)
		TU_END();
	test_findings_cap();

	/* identifiers, with and without context, separators, offsets */
	one("身份证号：11010519491231002X，", DT_RESIDENT_ID, "11010519491231002X", "11010519491231002X");
	one("ID 110105 19491231 002x.", DT_RESIDENT_ID, "11010519491231002X", "110105 19491231 002x");
	one("手机 13912345678", DT_MOBILE, "13912345678", "13912345678");
	one("phone +86 139 1234 5678, ok", DT_MOBILE, "13912345678", "+86 139 1234 5678");
	one("tel: 0086-139-1234-5678", DT_MOBILE, "13912345678", "0086-139-1234-5678");
	one("call 139.1234.5678", DT_MOBILE, "13912345678", "139.1234.5678");
	one("银行卡 6222 0212 3456 7890 128", DT_BANK_CARD, "6222021234567890128", "6222 0212 3456 7890 128");
	one("card 4111111111111111 end", DT_BANK_CARD, "4111111111111111", NULL);
	one("电话 (010)62345678", DT_LANDLINE, "01062345678", "(010)62345678");
	one("办公 0755-83456789 转", DT_LANDLINE, "075583456789", "0755-83456789");
	one("座机 01062345678", DT_LANDLINE, "01062345678", NULL);
	one("护照号：E12345678", DT_PASSPORT, "E12345678", "E12345678");
	one("passport EA1234567", DT_PASSPORT, "EA1234567", NULL);
	one("香港身份证 A123456(3)", DT_HK_ID, "A1234563", "A123456(3)");
	one("HKID AB9876543", DT_HK_ID, "AB9876543", NULL);
	one("身分證 A123456789", DT_TW_ID, "A123456789", "A123456789");
	one("车牌粤B12345停在", DT_PLATE, "粤B12345", "粤B12345");
	one("京A·D12345", DT_PLATE, "京AD12345", NULL);
	one("mail: Zhang.San_1@Example.COM.", DT_EMAIL, "zhang.san_1@example.com", "Zhang.San_1@Example.COM");
	one("QQ：12345678", DT_QQ, "12345678", "12345678");
	one("QQ12345678 ", DT_QQ, "12345678", "12345678");
	one("加扣扣 987654321", DT_QQ, "987654321", NULL);
	one("微信号: wxid_abc123 速加", DT_WECHAT, "wxid_abc123", "wxid_abc123");
	one("vx Zhang-San99", DT_WECHAT, "Zhang-San99", NULL);
	one("微博 @微博用户12345，", DT_SOCIAL, "@微博用户12345", "@微博用户12345");
	one("Twitter: @John_Doe.", DT_SOCIAL, "@john_doe", "@John_Doe");
	one("家庭住址：广东省广州市天河区中山路12号3栋2单元1203室，电话", DT_ADDRESS,
	    "广东省广州市天河区中山路12号3栋2单元1203室", "广东省广州市天河区中山路12号3栋2单元1203室");
	one("住在北京市东城区人民路 8 号", DT_ADDRESS, "北京市东城区人民路8号", "北京市东城区人民路 8 号");
	one("开盒！王伟，", DT_NAME, "王伟", "王伟");
	one("姓名：欧阳娜娜 身份证", DT_NAME, "欧阳娜娜", NULL);
	one("Doxing 张三丰: ", DT_NAME, "张三丰", NULL);
	one("名叫李娜的人", DT_NAME, "李娜", "李娜");
	one("住址：天河区中山路12号3栋，", DT_ADDRESS, "天河区中山路12号3栋", "天河区中山路12号3栋");
	one("王伟 11010519491231002X", DT_NAME, "王伟", "王伟");
	one("，欧阳娜娜，身份证号：11010519491231002X", DT_NAME, "欧阳娜娜", "欧阳娜娜");
	one("扒皮这个人", DT_DOX, "扒皮", NULL);
	one("got doxxed", DT_DOX, "doxxed", NULL);

	/* hard negatives */
	none("Order 20231105123456 shipped on time.");
	none("参考编号 110101199003071235");          /* check digit wrong */
	none("参考编号 621234567890123458");          /* Luhn fails */
	none("参考编号 10123456789");                 /* 101 is no mobile segment */
	none("订单号 13912345678");                   /* order number context */
	none("快递单号：6217000000000000004");
	none("invoice 4111111111111111");
	none("https://example.com/u/13912345678?id=11010519491231002X");
	none("see www.example.com/13912345678 there");
	none("/p/13912345678.html");
	none("?id=13912345678&x=1");
	none("hash deadbeef13912345678 and 13912345678abc and a13912345678");
	none("sha 3f2a13912345678ff");
	none("1391234567890 (13 digits) and 139123456789");
	none("ISBN 978-7-111-12345-6");
	none("E12345678 is a part number");           /* passport needs context */
	none("12345678 is no QQ without the word");
	none("@someone said hi");                     /* no platform */
	none("北京大学 广东省的天气");                 /* province without street/number */
	none("01062345678");                          /* bare landline without context */
	none("v1.13912345678");
	none("时间 12:13912345678");

	/* landlines grouped inside the subscriber number, the separator changing
	 * after the area code: 4+4 and 3+4 digits, either separator first */
	one("家里座机 0755-2600 0002。", DT_LANDLINE, "075526000002", "0755-2600 0002");
	one("家里座机 0755-2600 0002 转", DT_LANDLINE, "075526000002", "0755-2600 0002");
	one("电话 010-6234 5678", DT_LANDLINE, "01062345678", "010-6234 5678");
	one("电话 0755-260 0002，", DT_LANDLINE, "07552600002", "0755-260 0002");
	one("tel 010 6234-5678.", DT_LANDLINE, "01062345678", "010 6234-5678");
	one("call 0755-2600 0002 now", DT_LANDLINE, "075526000002", "0755-2600 0002");
	none("订单 0755-2600 0002");                  /* order context */
	none("编号 0755-2600 0002 1234");             /* a longer run of groups */
	none("编号 0755-26000 002");                  /* 5+3: not a subscriber grouping */
	none("编号 0755-2600 00021");                 /* 4+5 */
	none("编号 0755-26 000002");                  /* 2+6 */
	none("编号 0755-2600.0002");                  /* a dot does not group */
	none("版本 0755.2600 0002");
	none("编号 1755-2600 0002");                  /* no area code */
	none("编号 0155-2600 0002");                  /* 01x other than 010 is no area code */
	none("编号 0755-1600 0002");                  /* subscriber numbers do not start with 0/1 */
	none("2023-11-05 1234 5678");
	none("编号 0755-2600 0002X");

	/* an address after 地址 + 是在/在/位于 starts after them (fabricated addresses) */
	one("这家店的地址是在北京市海淀区学院路188号。", DT_ADDRESS, NULL, "北京市海淀区学院路188号");
	one("地址在西城区德胜门外大街77号(近地铁)", DT_ADDRESS, NULL, "西城区德胜门外大街77号");
	one("地址：位于宣武区白云路乙18号", DT_ADDRESS, NULL, "宣武区白云路乙18号");

	/* name context words: 本名, 原名, 实名, 全名, 叫做, real/full name */
	one("扒皮贴。这位网红本名范雨晴，直播间里", DT_NAME, "范雨晴", "范雨晴");
	{
		const char *ctx[] = {"本名", "原名", "实名", "實名", "全名", "叫做", "名叫", "真名",
		                     "real name: ", "Full name ", "legal name：", "birth name "};
		for (size_t k = 0; k < sizeof ctx / sizeof ctx[0]; k++) {
			char t[128];
			snprintf(t, sizeof t, "他%s王伟，", ctx[k]);
			one(t, DT_NAME, "王伟", "王伟");
		}
		/* after 名叫/叫做 ("called") a name ends where a word ends: places and
		 * shops named after people, or whose names start like one, are not names
		 * (fabricated place names) */
		const char *called_no[] = {"明天我想去名叫赵明远纪念馆的景点看看", "我要去名叫钱多福火锅的店吃饭",
		                           "这条胡同古时叫做“孙德卫营”，因驻军得名", "你好，我要去名叫周家湾部落的餐馆"};
		for (size_t k = 0; k < sizeof called_no / sizeof called_no[0]; k++) {
			scan_result_t s;
			scan(called_no[k], &s);
			CHECK(find(&s, DT_NAME, NULL) < 0, "no name in %s", called_no[k]);
			dt_scan_free(&s);
		}
		const char *place_no[] = {"这里古时候叫做钱市，是卖柴的地方", "相传这里名叫\"孙府\"。",
		                           "<p>周山寺</p><p>电话：13912345678</p>",
		                           /* pieces of transliterated names */
		                           "知道啊，他本名叫艾瑞克·马龙·毕夏普。", "原名叫詹姆斯・希里尔・布朗特"};
		for (size_t k = 0; k < sizeof place_no / sizeof place_no[0]; k++) {
			scan_result_t s;
			scan(place_no[k], &s);
			CHECK(find(&s, DT_NAME, NULL) < 0, "no name in %s", place_no[k]);
			dt_scan_free(&s);
		}
		one("楼下住着一个名叫孙德卫的男子", DT_NAME, "孙德卫", "孙德卫");
		one("她本名叫做赵明远。", DT_NAME, "赵明远", "赵明远");
		one("他名叫钱多福，手机号码13912345678", DT_NAME, "钱多福", "钱多福");
		one("名叫李娜电话13912345678", DT_NAME, "李娜", "李娜");
		/* but not a word that starts on the context word's last character */
		const char *no[] = {"本名单共有三人", "全名单如下", "原名单作废", "实名制购票", "实名认证"};
		for (size_t k = 0; k < sizeof no / sizeof no[0]; k++) {
			scan_result_t s;
			scan(no[k], &s);
			CHECK(find(&s, DT_NAME, NULL) < 0, "no name in %s", no[k]);
			dt_scan_free(&s);
		}
	}

	/* nested dox keywords: the longest match only, no overlapping findings */
	{
		static const struct {
			const char *text, *want;
			double score;
		} v[] = {
			{"人肉搜索这个人", "人肉搜索", 0.7},
			{"住址曝光了", "住址曝光", 0.7},     /* holds the weak 曝光: the strong score stays */
			{"人肉搜尋", "人肉搜尋", 0.7},
			{"户籍信息 手机 13912345678", "户籍信息", 0.5},  /* weak: kept beside personal data */
			{"開盒", "開盒", 0.7},
		};
		for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
			scan_result_t s;
			scan(v[k].text, &s);
			size_t n = 0;
			long at = -1;
			for (size_t j = 0; j < s.n; j++)
				if (s.v[j].type == DT_DOX) {
					n++;
					at = (long)j;
				}
			CHECK(n == 1 && at >= 0 && !strcmp(s.v[at].value, v[k].want) && s.v[at].score >= v[k].score,
			      "%s: %zu dox findings, want one %s (%.2f)", v[k].text, n, v[k].want, v[k].score);
			dt_scan_free(&s);
		}
		/* two separate keywords are two findings; a strong word nested in a weak
		 * one lends its strength (the verdict does not change) */
		scan_result_t s;
		scan("人肉搜索，住址曝光，人肉", &s);
		size_t n = 0;
		for (size_t j = 0; j < s.n; j++)
			if (s.v[j].type == DT_DOX) {
				n++;
				for (size_t i2 = j + 1; i2 < s.n; i2++)
					CHECK(s.v[i2].type != DT_DOX || s.v[i2].ts >= s.v[j].te, "dox findings overlap");
			}
		CHECK(n == 3, "three keywords: %zu dox findings", n);
		dt_scan_free(&s);
		const char *rt = "[dox_keyword]\n人肉\n[dox_keyword_weak]\n大人肉包\n[surname]\n王\n";
		detect_rules_t *r = dt_rules_parse(rt, strlen(rt), "nest.rules", &err);
		CHECK(r != NULL, "nest rules: %s", r ? "" : err.msg);
		if (r) {
			const char *t = "大人肉包 身份证 11010519491231002X";
			int rc = dt_scan(r, t, strlen(t), &s);
			CHECK(rc == 0 && s.n == 2 && s.v[0].type == DT_DOX && !strcmp(s.v[0].value, "大人肉包") &&
			      s.v[0].score >= 0.7, "a strong word inside a weak one: one finding, strong score");
			dt_scan_free(&s);
			detect_rules_free(r);
		}
	}

	/* no name without a surname-led run of 2-4 characters set off on its left */
	{
		const char *t[] = {"我的手机13912345678", "请拨打客服电话：13912345678", "住址：不详",
		                   "联系我们 13912345678", "张家口市民13912345678", "全角手机：13987654321",
		                   "联系人：王经理", "李老师 13912345678"};
		for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
			scan_result_t s;
			scan(t[k], &s);
			CHECK(find(&s, DT_NAME, NULL) < 0 && find(&s, DT_ADDRESS, NULL) < 0, "no name/address in %s", t[k]);
			dt_scan_free(&s);
		}
	}

	/* context does not leak past the previous finding */
	{
		scan_result_t s;
		scan("QQ 12345678, 13912345678", &s);
		CHECK(find(&s, DT_QQ, "12345678") >= 0 && find(&s, DT_MOBILE, "13912345678") >= 0,
		      "QQ context stops at the first finding");
		dt_scan_free(&s);
	}
	/* ID-valid 18 digits under bank context that is also a card */
	{
		scan_result_t s;
		const char *t = "开盒！王伟，身份证号：11010519491231002X，手机 13912345678，家庭住址：北京市东城区中山路12号3栋2单元1203室";
		scan(t, &s);
		CHECK(s.n == 5, "dox post: %zu matches, want 5 (dox, name, id, mobile, address)", s.n);
		int dox;
		double score;
		dt_verdict(R, s.v, s.n, &dox, &score);
		CHECK(dox && score >= 0.8, "verdict doxing, score %.2f", score);
		dt_verdict(R, s.v + 3, 2, &dox, &score);  /* mobile + address only */
		CHECK(!dox && score < 0.5, "two medium types without a name: not doxing (%.2f)", score);
		dt_verdict(R, NULL, 0, &dox, &score);
		CHECK(!dox && score == 0, "empty page");
		dt_scan_free(&s);
	}
	{
		static const struct {
			const char *text;
			int dox;
		} v[] = {
			{"身份证 11010519491231002X 邮箱 a@b.com QQ 12345678", 1},     /* 3 types, one strong */
			{"手机 13912345678 邮箱 a@b.com QQ 12345678", 0},             /* 3 weak/medium types */
			{"联系人：王经理 13912345678", 0},                            /* a contact, not a dox */
			{"联系人：王伟 13912345678", 0},                              /* a name and one phone */
			{"警方曝光 13912345678 地址 北京市东城区中山路12号", 0},         /* weak keyword + 2 types */
			{"曝光 13912345678", 0},                                    /* weak keyword + phone */
			{"开盒 13912345678", 1},                                    /* strong keyword + phone */
			{"户籍 身份证 11010519491231002X", 0},                       /* a weak keyword never tips alone */
			{"户籍 身份证 11010519491231002X 手机 13912345678", 1},      /* weak keyword + ID + phone */
			{"姓名：王伟 手机 13912345678 住址：北京市东城区中山路12号", 1}, /* name + 2 types */
			{"电话 13912345678 地址 北京市东城区中山路12号 邮箱 a@b.com", 0},  /* a shop page */
			{"手机 13912345678 a@b.com QQ 12345678 微信 wxid_abc123 粤B12345", 1},
		};
		for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
			scan_result_t s;
			int dox;
			double score;
			scan(v[k].text, &s);
			dt_verdict(R, s.v, s.n, &dox, &score);
			CHECK(dox == v[k].dox && (dox ? score >= 0.5 : score < 0.5),
			      "verdict of '%s': %d (%.2f), want %d", v[k].text, dox, score, v[k].dox);
			dt_scan_free(&s);
		}
	}

	/* rules parsing */
	{
		const char *ok = "# c\n[dox_keyword]\n  开盒  \n[surname]\n王\n[name_context]\n姓名\n[setting]\nverdict_min_types = 2\n";
		detect_rules_t *r = dt_rules_parse(ok, strlen(ok), "ok.rules", &err);
		CHECK(r != NULL, "small rules: %s", r ? "" : err.msg);
		if (r) {
			uint32_t cats = 0;
			const char *t = "xx开盒yy";
			CHECK(dt_rules_match(r, t, strlen(t), 2, DR_RECORD_MASK, &cats) == 6 &&
			      (cats & DR_BIT(DR_DOX)), "trie finds a keyword");
			CHECK(dt_rules_settings(r)->verdict_min_types == 2, "setting read");
			detect_rules_free(r);
		}
	}
	/* the built-in rules image (mkrules at build time) is exactly the image of
	 * samples/rules/default.rules parsed now, and a damaged image is refused */
	{
		extern const unsigned char detect_default_image[];
		extern const size_t detect_default_image_len;
		arc_buf_t txt = {0};
		int cut = 0;
		if (arc_read_file("samples/rules/default.rules", 8u << 20, &txt, &cut, &err) != 0) {
			printf("note: samples/rules/default.rules not found from this directory; skipped\n");
		} else {
			detect_rules_t *p = dt_rules_parse((const char *)txt.data, txt.len, "default.rules", &err);
			unsigned char *img = NULL;
			size_t n = 0;
			CHECK(p && dt_rules_image(p, &img, &n) == 0, "image of default.rules");
			CHECK(img && n == detect_default_image_len &&
			      !memcmp(img, detect_default_image, n),
			      "built-in image (%zu bytes) is default.rules compiled (%zu bytes)",
			      detect_default_image_len, n);
			detect_rules_t *q = img ? dt_rules_from_image(img, n, "img", &err) : NULL;
			unsigned char *img2 = NULL;
			size_t n2 = 0;
			CHECK(q && dt_rules_image(q, &img2, &n2) == 0 && n2 == n && !memcmp(img, img2, n),
			      "an image read back writes the same image");
			const char *t = "姓名：王伟 户籍地址";
			uint32_t c1 = 0, c2 = 0;
			CHECK(q && dt_rules_match(p, t, strlen(t), 0, DR_RECORD_MASK, &c1) ==
			               dt_rules_match(q, t, strlen(t), 0, DR_RECORD_MASK, &c2) && c1 == c2 && c1,
			      "parsed and image rules match alike");
			detect_rules_free(q);
			free(img2);
			if (img && n > 200) {
				unsigned char *bad = malloc(n);
				memcpy(bad, img, n);
				bad[0] ^= 1;  /* magic */
				CHECK(dt_rules_from_image(bad, n, "bad", &err) == NULL &&
				      strstr(err.msg, "not a rules image"), "bad magic refused: %s", err.msg);
				bad[0] ^= 1;
				CHECK(dt_rules_from_image(bad, n / 2, "cut", &err) == NULL, "truncated image refused");
				/* the first node's child index pointing past the nodes */
				/* (layout in rules.c: header 40 bytes, jkey_t[njkey], nnode + has_lex,
				 * root[256], then the nodes: {first, cats, sub, n}) */
				uint64_t nj;
				uint32_t jsz;
				memcpy(&nj, bad + 32, 8);
				memcpy(&jsz, bad + 12, 4);
				size_t t0 = 40 + (size_t)((nj * jsz + 7) & ~(uint64_t)7) + 8 + 1024;
				uint32_t huge = 0xFFFFFFF0u;
				memcpy(bad + t0, &huge, 4);
				CHECK(dt_rules_from_image(bad, n, "bad", &err) == NULL, "node out of range refused");
				free(bad);
			}
			free(img);
			detect_rules_free(p);
		}
		arc_buf_free(&txt);
	}
	rules_error("[dox_keyword]\nx\n[nope]\n", "x.rules:3: unknown section");
	rules_error("word\n", "x.rules:1: entry before any [section]");
	rules_error("[setting]\nverdict_min_types = many\n", "x.rules:2: bad setting");
	rules_error("[surname]\n\xff\xfe\n", "x.rules:2: not UTF-8");
	rules_error("# only comments\n", "no entries");
	rules_error("[dox_keyword\n", "x.rules:1: bad section header");
	rules_error("[json_key.qq]\n___\n", "x.rules:2: JSON key empty");
	rules_error("[json_key.no_type]\nqq\n", "x.rules:1: unknown section");
	/* JSON keys: compared whole, case and _ - . ignored */
	CHECK(dt_rules_json_key(R, "idCard", 6) & DR_CTX_BIT(DT_RESIDENT_ID), "idCard is ID context");
	CHECK(dt_rules_json_key(R, "ID-Card", 7) & DR_CTX_BIT(DT_RESIDENT_ID), "ID-Card is ID context");
	CHECK(dt_rules_json_key(R, "qq", 2) == DR_CTX_BIT(DT_QQ), "qq is QQ context only");
	CHECK(dt_rules_json_key(R, "name", 4) & DR_BIT(DR_NAMECTX), "name is name context");
	CHECK(dt_rules_json_key(R, "nickname", 8) == 0 && dt_rules_json_key(R, "qqq", 3) == 0 &&
	      dt_rules_json_key(R, "", 0) == 0, "other keys lend nothing");
	/* key context through detect_payload: values, whole names, no spill to the next value */
	{
		const char *js = "{\"u\":{\"qq\":\"abc\",\"n\":\"12345678\",\"name\":\"\u738b\u4f1f\u5f88\u597d\","
		                 "\"wx\":[\"kexi_98\"],\"realName\":\"\u67ef\u5e0c\"}}";
		detect_result_t r;
		arc_error_t kerr;
		int rc = detect_payload(R, NULL, "application/json", (const unsigned char *)js, strlen(js), &r, &kerr);
		CHECK(rc == 0, "detect JSON keys: %s", rc ? kerr.msg : "");
		if (!rc) {
			const detect_finding_t *w = finding(&r, "wechat"), *n = finding(&r, "person_name");
			CHECK(!finding(&r, "qq"), "a key's context stops at its value's end");
			CHECK(w && !strcmp(w->value, "kexi_98") && !strcmp(w->xpath, "$.u.wx[0]"), "list of a key");
			CHECK(n && !strcmp(n->value, "\xe6\x9f\xaf\xe5\xb8\x8c") && r.n == 2,
			      "name only when the whole value is one (%zu findings)", r.n);
			detect_result_free(&r);
		}
	}
	/* odd keys: quoted path steps, brackets and quotes inside keys, lists */
	{
		const char *js = "{\"a.b\":{\"qq\":\"12345678\"},\"phon[\":\"23456789\",\"x\":{\"q'q\":\"34567890\"},"
		                 "\"QQ\":[[\"45678901\"]],\"['qq']\":\"56789012\"}";
		detect_result_t r;
		arc_error_t kerr;
		int rc = detect_payload(R, NULL, "application/json", (const unsigned char *)js, strlen(js), &r, &kerr);
		CHECK(rc == 0, "detect odd keys: %s", rc ? kerr.msg : "");
		if (!rc) {
			int q1 = 0, q4 = 0, other = 0;
			for (size_t k = 0; k < r.n; k++) {
				if (!strcmp(r.v[k].value, "12345678") && !strcmp(r.v[k].xpath, "$['a.b'].qq"))
					q1 = 1;
				else if (!strcmp(r.v[k].value, "45678901") && !strcmp(r.v[k].xpath, "$.QQ[0][0]"))
					q4 = 1;
				else
					other++;
			}
			CHECK(q1 && q4 && other == 0, "key after a quoted step, key of nested lists, no others "
			      "(%zu findings)", r.n);
			detect_result_free(&r);
		}
	}
	{
		uint32_t cats;
		const char *t = "paradox doxing";
		CHECK(dt_rules_match(R, t, strlen(t), 4, DR_RECORD_MASK, &cats) == 0,
		      "ASCII keywords match whole words only");
		CHECK(dt_rules_match(R, t, strlen(t), 8, DR_RECORD_MASK, &cats) == 6, "doxing matches");
	}

	/* watchlist digests are salted */
	{
		unsigned char s1[32] = {1}, s2[32] = {2};
		char a[65], b[65];
		dt_watch_digest(s1, 32, "13912345678", a);
		dt_watch_digest(s2, 32, "13912345678", b);
		CHECK(strlen(a) == 64 && strcmp(a, b), "salt changes the digest");
	}
	real_page_tests();
	detect_tests();
	detect_rules_free(R);
	TU_END();
}
