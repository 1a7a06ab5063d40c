/*
 * test_disguise.c — the de-disguising pass (crawler/detect/disguise.c, issue
 * 21) through detect_payload: each disguise found with its normalized value,
 * the exact payload range as captured (sha256 over it), the disguise named;
 * masked numbers, failed check digits and ordinary numerals stay quiet.
 * Every person and number here is fabricated.
 */
#include "detect.h"
#include "tu.h"

static detect_rules_t *R;

/* The finding of type with value in html, or NULL (r filled). */
static const detect_finding_t *find(detect_result_t *r, const char *ct, const char *html,
                                    const char *type, const char *value)
{
	arc_error_t err;
	memset(r, 0, sizeof *r);
	if (detect_payload(R, NULL, ct, (const unsigned char *)html, strlen(html), r, &err))
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].type, type) && !strcmp(r->v[i].value, value))
			return &r->v[i];
	return NULL;
}

/* Found, covering exactly `seen` in the payload, with disguise names containing `dis`. */
static void expect(const char *html, const char *type, const char *value, const char *seen,
                   const char *dis)
{
	detect_result_t r;
	const detect_finding_t *f = find(&r, "text/html; charset=utf-8", html, type, value);
	CHECK(f != NULL, "%s %s not found in %s", type, value, html);
	if (f) {
		const char *at = strstr(html, seen);
		CHECK(at && f->start == (uint64_t)(at - html) && f->end == f->start + strlen(seen),
		      "%s: range [%llu,%llu) is not '%s'", value, (unsigned long long)f->start,
		      (unsigned long long)f->end, seen);
		char h[ARC_DIGEST_LEN];
		arc_sha256_hex((const unsigned char *)html + f->start, (size_t)(f->end - f->start), h);
		CHECK(!strcmp(h, f->sha256), "%s: sha256 over the range", value);
		CHECK(dis == NULL ? f->disguise[0] == 0 : strstr(f->disguise, dis) != NULL,
		      "%s: disguise '%s', want '%s'", value, f->disguise, dis ? dis : "");
	}
	detect_result_free(&r);
}

static void quiet(const char *html, const char *type)
{
	detect_result_t r;
	arc_error_t err;
	memset(&r, 0, sizeof r);
	int rc = detect_payload(R, NULL, "text/html; charset=utf-8", (const unsigned char *)html,
	                        strlen(html), &r, &err);
	CHECK(rc == 0, "scan");
	for (size_t i = 0; i < r.n; i++)
		CHECK(strcmp(r.v[i].type, type) != 0, "%s reported in %s: %s", type, html, r.v[i].value);
	detect_result_free(&r);
}

int main(void)
{
	arc_error_t err;
	R = detect_rules_load(NULL, &err);
	CHECK(R != NULL, "rules: %s", err.msg);
	if (!R)
		TU_END();
	/* the examples */
	expect("<p>电话：腰拐三洞五五四八六腰三</p>", "cn_mobile", "17305548613", "腰拐三洞五五四八六腰三",
	       "spoken_digits");
	expect("<p>身份证号:一一〇一〇五一九八五〇八三〇一〇六六</p>", "cn_resident_id",
	       "110105198508301066", "一一〇一〇五一九八五〇八三〇一〇六六", "cn_numerals");
	expect("<p>手机 1–8–5–0–2–2–7–6–3–2–8</p>", "cn_mobile", "18502276328",
	       "1–8–5–0–2–2–7–6–3–2–8", "separators");
	expect("<p>电话 178•0327•1951</p>", "cn_mobile", "17803271951", "178•0327•1951", "separators");
	expect("<p>电话 175<br>0488<br>6598</p>", "cn_mobile", "17504886598", "175<br>0488<br>6598",
	       "split_markup");
	expect("<p>薇信：yangyl_7409</p>", "wechat", "yangyl_7409", "yangyl_7409", "alias");
	expect("<p>姓名：Wu Mengyao，手机 13800138000</p>", "person_name", "WUMENGYAO", "Wu Mengyao", NULL);
	expect("<p>真名：黄丶建丶军</p>", "person_name", "黄建军", "黄丶建丶军", "separators");
	/* more dress */
	expect("<p>手机：壹叁捌零零壹叁捌零零零</p>", "cn_mobile", "13800138000", "壹叁捌零零壹叁捌零零零",
	       "cn_numerals");
	expect("<p>手机：①③⑧⓪⓪①③⑧⓪⓪⓪</p>", "cn_mobile", "13800138000", "①③⑧⓪⓪①③⑧⓪⓪⓪",
	       "circled_digits");
	expect("<p>手机：1\xef\xb8\x8f\xe2\x83\xa3" "3\xef\xb8\x8f\xe2\x83\xa3" "8\xef\xb8\x8f\xe2\x83\xa3"
	       "00138000</p>", "cn_mobile", "13800138000",
	       "1\xef\xb8\x8f\xe2\x83\xa3" "3\xef\xb8\x8f\xe2\x83\xa3" "8\xef\xb8\x8f\xe2\x83\xa3" "00138000",
	       "circled_digits");
	expect("<p>手机：138🔥0013🔥8000</p>", "cn_mobile", "13800138000", "138🔥0013🔥8000", "emoji");
	expect("<p>手机：138&#8203;0013&zwj;8000</p>", "cn_mobile", "13800138000",
	       "138&#8203;0013&zwj;8000", "zero_width");
	expect("<p>手机：１３８0013８000</p>", "cn_mobile", "13800138000", "１３８0013８000", "fullwidth");
	expect("<p>邮箱：zhang.san at qq dot com</p>", "email", "zhang.san@qq.com",
	       "zhang.san at qq dot com", "obfuscated_email");
	expect("<p>邮箱：lisi_88 艾特 163 点 com</p>", "email", "lisi_88@163.com",
	       "lisi_88 艾特 163 点 com", "obfuscated_email");
	expect("<p>身❤️份❤️证：110105491231002</p>", "cn_resident_id", "110105491231002",
	       "110105491231002", NULL);
	expect("<div><span data-copy=\"13800138000\">复制</span></div>", "cn_mobile", "13800138000",
	       "13800138000", "hidden_markup");
	expect("<p><input name=\"phone\" value=\"13800138000\"></p><p><input name=idcard "
	       "value=\"110105491231002\"></p>", "cn_resident_id", "110105491231002", "110105491231002",
	       "hidden_markup");
	expect("<div><input type=hidden value=\"13800138000\"></div>", "cn_mobile", "13800138000",
	       "13800138000", "hidden_markup");
	expect("<p>住址<!-- 手机 13800138000 --></p>", "cn_mobile", "13800138000", "13800138000",
	       "hidden_markup");
	expect("<p>电话 138<!-- x -->0013<!-- y -->8000</p>", "cn_mobile", "13800138000",
	       "138<!-- x -->0013<!-- y -->8000", "split_markup");
	expect("<p>今天开❤盒一个人，手机 13800138000</p>", "dox_keyword", "开盒", "开❤盒", "emoji");
	expect("<p>扣扣：12345678</p>", "qq", "12345678", "12345678", "alias");
	expect("<p>抖音号：dy_zhang88</p>", "social_handle", "dy_zhang88", "dy_zhang88", NULL);
	/* precision: masked, failed checks, ordinary numerals, usual grouping left to the scanner */
	quiet("<p>手机 138****8000，身份证 110105********0627</p>", "cn_mobile");
	quiet("<p>身份证 110105********0627</p>", "cn_resident_id");
	quiet("<p>编号：一一〇一〇五一九八五〇八三〇一〇六七</p>", "cn_resident_id");
	/* 420106198712288831 fails the ID check but passes Luhn: not a card either */
	quiet("<p>编号：四二〇一〇六一九八七一二二八八八三一</p>", "cn_bank_card");
	quiet("<p>二〇二四年三月五日，第一二三四五六七章，三五成群</p>", "cn_mobile");
	quiet("<p>Customer service (US): 1-866-673-6996, CDN 199.232.28.133</p>", "cn_mobile");
	quiet("<p>订单号：2024030512345678901 发布于 2024-03-05 12:30:45</p>", "cn_mobile");
	quiet("<p>约翰·史密斯和张·子轩</p>", "person_name");
	quiet("<p>姓名：高*敏</p>", "person_name");
	/* a platform's own numbers in data-* attributes (6222020000000007: Luhn-valid) */
	quiet("<div data-mid=\"6222020000000007\" data-uid=\"13800138000\" data-ts=\"13800138000\">x</div>",
	      "cn_bank_card");
	quiet("<div data-uid=\"13800138000\" data-ts=\"13800138000\">x</div>", "cn_mobile");
	quiet("<form><input type=hidden name=csrf_token value=\"6222020000000007\">"
	      "<input name=user_id value=\"13800138000\"></form>", "cn_bank_card");
	quiet("<form><input name=user_id value=\"13800138000\"></form>", "cn_mobile");  /* may be masked: never completed */
	expect("<p>名字叫刘·子·磊</p>", "person_name", "刘子磊", "刘·子·磊", "separators");
	expect("<p>真名：罗 强</p>", "person_name", "罗强", "罗 强", NULL);
	expect("<p>姓名：王、艳</p>", "person_name", "王艳", "王、艳", "separators");
	detect_rules_free(R);
	TU_END();
}
