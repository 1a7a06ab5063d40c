/*
 * test_textmap.c — unit tests of crawler/textmap: charset detection and
 * decoding, HTML/JSON/plain text extraction, normalization, xpaths, and above
 * all the byte map: a match in the text must map back to exactly the payload
 * bytes that show it. Legacy-charset payloads are produced with iconv here so
 * the expected offsets come from an encoder independent of the decoder.
 */
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "textmap_int.h"
#include "tu.h"

/* ------------------------------------------------------------ helpers */

/* Payload under construction, with the offsets of marked pieces. */
typedef struct {
	unsigned char buf[8192];
	size_t len;
} pay_t;

/* Append s (UTF-8) converted to charset cs; returns the start offset. */
static size_t add(pay_t *p, const char *cs, const char *s)
{
	size_t start = p->len;
	if (!cs) {
		memcpy(p->buf + p->len, s, strlen(s));
		p->len += strlen(s);
		return start;
	}
	iconv_t cd = iconv_open(cs, "UTF-8");
	if (cd == (iconv_t)-1) {
		printf("iconv_open %s failed\n", cs);
		return start;
	}
	char *in = (char *)(uintptr_t)s, *out = (char *)p->buf + p->len;
	size_t inl = strlen(s), outl = sizeof p->buf - p->len;
	size_t r = iconv(cd, &in, &inl, &out, &outl);
	if (r == (size_t)-1)
		printf("iconv to %s failed on '%s'\n", cs, s);
	p->len = (size_t)(out - (char *)p->buf);
	iconv_close(cd);
	return start;
}

static void add_raw(pay_t *p, const void *b, size_t n)
{
	memcpy(p->buf + p->len, b, n);
	p->len += n;
}

/* Text offset of needle in the map's text, or (size_t)-1. */
static size_t find(const textmap_t *m, const char *needle)
{
	const char *h = m->text ? memmem(m->text, m->len, needle, strlen(needle)) : NULL;
	return h ? (size_t)(h - m->text) : (size_t)-1;
}

/* Payload range of the text match of needle; 0 if found. */
static int range_of(const textmap_t *m, const char *needle, uint64_t *s, uint64_t *e)
{
	size_t a = find(m, needle);
	if (a == (size_t)-1)
		return -1;
	*s = m->src_start[a];
	*e = m->src_end[a + strlen(needle) - 1];
	return 0;
}

/* xpath of the segment holding needle, or "". */
static const char *xpath_of(const textmap_t *m, const char *needle)
{
	size_t a = find(m, needle);
	if (a == (size_t)-1)
		return "(not found)";
	long s = textmap_seg_at(m, a);
	return s < 0 ? "(no segment)" : m->seg[s].xpath;
}

static int valid_utf8(const char *t, size_t n)
{
	const unsigned char *p = (const unsigned char *)t;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t k = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3
		         : c >= 0xF0 && c < 0xF5 ? 4 : 0;
		if (!k || i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

/* The invariants every map must keep; returns 1 when all hold. */
static int invariants(const textmap_t *m, size_t payload_len, int strict_monotonic)
{
	if (!m->text || m->text[m->len] != 0 || !valid_utf8(m->text, m->len))
		return 0;
	for (size_t i = 0; i < m->len; i++) {
		if (m->src_start[i] > m->src_end[i] || m->src_end[i] > payload_len)
			return 0;
		if (strict_monotonic && i && m->src_start[i] < m->src_start[i - 1])
			return 0;
	}
	size_t prev_end = 0;
	for (size_t k = 0; k < m->nseg; k++) {
		const textmap_seg_t *s = &m->seg[k];
		if (s->text_start < prev_end || s->text_end <= s->text_start || s->text_end > m->len ||
		    !s->xpath)
			return 0;
		for (size_t i = s->text_start + 1; i < s->text_end; i++)
			if (m->src_start[i] < m->src_start[i - 1] || m->src_end[i] < m->src_end[i - 1])
				return 0;
		if (textmap_seg_at(m, s->text_start) != (long)k ||
		    textmap_seg_at(m, s->text_end - 1) != (long)k)
			return 0;
		prev_end = s->text_end;
	}
	return 1;
}

static int build(const char *ct, const void *p, size_t n, textmap_t *m)
{
	arc_error_t err;
	return textmap_build(ct, p, n, m, &err);
}

/* -------------------------------------------------------------- tests */

static void test_utf8_html(void)
{
	const char *h = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>帖子 1</title>"
	                "<style>p{color:red} .x{content:'13800138000'}</style>"
	                "<script>var phone=13900139000; if (a<b) {}</script></head>"
	                "<body><div class=post><p>姓名：张三，手机 138<b>0013</b>8000。</p>"
	                "<p>second</p></div><div><p>third <!-- 13700137000 --> text</p></div></body></html>";
	textmap_t m;
	CHECK(build("text/html; charset=utf-8", h, strlen(h), &m) == 0, "build");
	CHECK_STR(m.charset, "UTF-8");
	CHECK_STR(m.kind, "html");
	/* comment text is read (issue 21: pages hide data there) as its own
	 * segment after its block, like an inline attribute, so the map steps back
	 * there: monotonic within every segment, and strictly up to the comment */
	CHECK(invariants(&m, strlen(h), 0), "invariants");
	size_t cpos = find(&m, "13700137000");
	CHECK(cpos != (size_t)-1, "comment text read: %s", m.text);
	for (size_t i = 1; cpos != (size_t)-1 && i < cpos; i++)
		CHECK(m.src_start[i] >= m.src_start[i - 1], "monotonic before the comment at %zu", i);
	long csg = cpos == (size_t)-1 ? -1 : textmap_seg_at(&m, cpos);
	CHECK(csg >= 0 && strstr(m.seg[csg].xpath, "/comment()"), "comment xpath: %s",
	      csg >= 0 ? m.seg[csg].xpath : "");
	CHECK(find(&m, "13800138000") != (size_t)-1, "split identifier joined: %s", m.text);
	CHECK(find(&m, "13900139000") == (size_t)-1, "script code skipped");
	CHECK(find(&m, "color") == (size_t)-1, "style skipped");
	CHECK(find(&m, "third text") != (size_t)-1, "text around a comment: %s", m.text);
	uint64_t s, e;
	CHECK(range_of(&m, "13800138000", &s, &e) == 0, "range");
	const char *p1 = strstr(h, "138<b>");
	const char *p2 = strstr(h, "8000。");
	CHECK(s == (uint64_t)(p1 - h) && e == (uint64_t)(p2 + 4 - h), "split range covers the tags %llu %llu",
	      (unsigned long long)s, (unsigned long long)e);
	CHECK(range_of(&m, "张三", &s, &e) == 0 && e - s == 6 && !memcmp(h + s, "张三", 6), "张三 maps to 6 bytes");
	CHECK_STR(xpath_of(&m, "张三"), "/html/body/div[1]/p[1]");
	CHECK_STR(xpath_of(&m, "second"), "/html/body/div[1]/p[2]");
	CHECK_STR(xpath_of(&m, "third"), "/html/body/div[2]/p[1]");
	CHECK_STR(xpath_of(&m, "帖子 1"), "/html/head/title[1]");
	/* block boundaries separate, inline ones do not */
	CHECK(find(&m, "。\nsecond") != (size_t)-1, "block separator: %s", m.text);
	textmap_free(&m);
}

static void test_entities(void)
{
	const char *h = "<p>A&#x31;&#50;3&amp;&lt;x&gt;&nbsp;&quot;&copy;&unknown;&amp &#0; &#x110000;</p>";
	textmap_t m;
	CHECK(build("text/html", h, strlen(h), &m) == 0, "build");
	CHECK(invariants(&m, strlen(h), 1), "invariants");
	CHECK(find(&m, "A123&<x> \"©&unknown;& \xEF\xBF\xBD \xEF\xBF\xBD") != (size_t)-1 ||
	      find(&m, "A123&<x> \"©&unknown;& \xEF\xBF\xBD") != (size_t)-1, "decoded: '%s'", m.text);
	size_t a = find(&m, "1");
	const char *ent = strstr(h, "&#x31;");
	CHECK(a != (size_t)-1 && m.src_start[a] == (uint64_t)(ent - h) &&
	      m.src_end[a] == (uint64_t)(ent - h + 6), "&#x31; maps to the whole entity");
	a = find(&m, "2");
	ent = strstr(h, "&#50;");
	CHECK(a != (size_t)-1 && m.src_start[a] == (uint64_t)(ent - h) && m.src_end[a] == (uint64_t)(ent - h + 5),
	      "&#50; maps to the whole entity");
	uint64_t s, e;
	CHECK(range_of(&m, "123", &s, &e) == 0 && s == (uint64_t)(strstr(h, "&#x31;") - h) &&
	      e == (uint64_t)(strstr(h, "3&amp;") - h + 1), "digit run across entities");
	a = find(&m, "©");
	ent = strstr(h, "&copy;");
	CHECK(a != (size_t)-1 && m.src_start[a] == (uint64_t)(ent - h) && m.src_start[a + 1] == (uint64_t)(ent - h) &&
	      m.src_end[a + 1] == (uint64_t)(ent - h + 6), "both bytes of © map to &copy;");
	textmap_free(&m);

	/* numeric reference to a full-width digit folds too; nbsp separates */
	const char *h2 = "<p>1&#xFF13;8&nbsp;0013</p>";
	CHECK(build("text/html", h2, strlen(h2), &m) == 0, "build");
	CHECK(find(&m, "138 0013") != (size_t)-1, "folded: %s", m.text);
	textmap_free(&m);
}

static void test_fullwidth(void)
{
	const char *h = "<p>手机：１３８００１３８０００，ＱＱ　１２３４５ x\xE2\x80\x94y 9\xE2\x80\x8B" "7</p>";
	textmap_t m;
	CHECK(build(NULL, h, strlen(h), &m) == 0, "build");
	CHECK(invariants(&m, strlen(h), 1), "invariants");
	size_t a = find(&m, "13800138000");
	CHECK(a != (size_t)-1, "full-width digits folded: %s", m.text);
	const char *src = strstr(h, "１３８");
	for (size_t k = 0; a != (size_t)-1 && k < 11; k++)
		CHECK(m.src_start[a + k] == (uint64_t)(src - h) + 3 * k &&
		      m.src_end[a + k] == (uint64_t)(src - h) + 3 * k + 3, "digit %zu maps to its 3 bytes", k);
	CHECK(find(&m, "QQ 12345") != (size_t)-1, "U+3000 is a space: %s", m.text);
	CHECK(find(&m, "x-y") != (size_t)-1, "em dash folded: %s", m.text);
	CHECK(find(&m, "97") != (size_t)-1, "zero-width space dropped: %s", m.text);
	uint64_t s, e;
	CHECK(range_of(&m, "97", &s, &e) == 0 && e - s == 5, "range covers the zero-width space");
	textmap_free(&m);
}

static void test_gb18030(void)
{
	pay_t p = {.len = 0};
	add(&p, NULL, "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"
	              "<title>x</title></head><body><p>");
	size_t name = add(&p, "GB18030", "姓名：");
	size_t zhang = add(&p, "GB18030", "张三");
	add(&p, "GB18030", "，身份证");
	size_t rare = add(&p, "GB18030", "𠮷");
	size_t id = add(&p, NULL, "11010519491231002X");
	add(&p, NULL, "</p></body></html>");
	(void)name;
	textmap_t m;
	CHECK(build("text/html", p.buf, p.len, &m) == 0, "build");
	CHECK_STR(m.charset, "GB18030");
	CHECK(invariants(&m, p.len, 1), "invariants");
	uint64_t s, e;
	CHECK(range_of(&m, "张三", &s, &e) == 0 && s == zhang && e == zhang + 4, "张三 -> 4 GB bytes (%llu,%llu) want %zu",
	      (unsigned long long)s, (unsigned long long)e, zhang);
	size_t a = find(&m, "张");
	CHECK(a != (size_t)-1 && m.src_start[a + 2] == zhang && m.src_end[a + 2] == zhang + 2,
	      "every UTF-8 byte of 张 maps to its 2 GB bytes");
	CHECK(range_of(&m, "𠮷", &s, &e) == 0 && s == rare && e == rare + 4, "4-byte GB18030 char");
	CHECK(range_of(&m, "11010519491231002X", &s, &e) == 0 && s == id && e == id + 18, "ASCII id in GB page");
	CHECK(range_of(&m, "𠮷11010519491231002X", &s, &e) == 0 && s == rare && e == id + 18, "mixed run");
	CHECK_STR(xpath_of(&m, "张三"), "/html/body/p[1]");
	textmap_free(&m);

	/* no declaration at all: sniffed */
	CHECK(build(NULL, p.buf + 0, p.len, &m) == 0 && !strcmp(m.charset, "GB18030"), "still GB18030: %s", m.charset);
	textmap_free(&m);
	pay_t q = {.len = 0};
	add(&q, NULL, "<p>");
	zhang = add(&q, "GB18030", "今天的讨论非常热烈，网友们纷纷发表自己的看法。张三");
	add(&q, NULL, "</p>");
	CHECK(build(NULL, q.buf, q.len, &m) == 0, "build");
	CHECK_STR(m.charset, "GB18030");
	CHECK(find(&m, "纷纷发表") != (size_t)-1, "sniffed GB text decoded");
	textmap_free(&m);

	/* bad GB bytes: U+FFFD mapped to them, the rest decodes */
	pay_t r = {.len = 0};
	add(&r, NULL, "<meta charset=gbk><p>");
	add_raw(&r, "\x81\x20", 2); /* lead byte without a trail */
	zhang = add(&r, "GB18030", "张三");
	add_raw(&r, "\xFF", 1);
	add(&r, NULL, "</p>");
	CHECK(build(NULL, r.buf, r.len, &m) == 0, "build");
	CHECK(invariants(&m, r.len, 1), "invariants");
	CHECK(range_of(&m, "张三", &s, &e) == 0 && s == zhang && e == zhang + 4, "decodes after a bad byte");
	a = find(&m, "\xEF\xBF\xBD");
	CHECK(a != (size_t)-1 && m.src_end[a] - m.src_start[a] == 1, "U+FFFD maps to the one bad byte");
	textmap_free(&m);
}

static void test_big5(void)
{
	pay_t p = {.len = 0};
	add(&p, NULL, "<html><head><meta charset=big5></head><body><div>");
	size_t w = add(&p, "BIG5-HKSCS", "身分證字號");
	size_t id = add(&p, NULL, "A123456789");
	add(&p, "BIG5-HKSCS", "，電話");
	add(&p, NULL, "</div></body></html>");
	textmap_t m;
	CHECK(build(NULL, p.buf, p.len, &m) == 0, "build");
	CHECK_STR(m.charset, "BIG5-HKSCS");
	CHECK(invariants(&m, p.len, 1), "invariants");
	uint64_t s, e;
	CHECK(range_of(&m, "身分證字號", &s, &e) == 0 && s == w && e == w + 10, "Big5 word -> 10 bytes");
	CHECK(range_of(&m, "A123456789", &s, &e) == 0 && s == id && e == id + 10, "id after Big5");
	CHECK(find(&m, "電話") != (size_t)-1, "trailing Big5 text");
	textmap_free(&m);

	/* undeclared Big5 text is told from GBK */
	pay_t q = {.len = 0};
	add(&q, NULL, "<p>");
	add(&q, "BIG5-HKSCS", "網友們紛紛發表自己的看法，有人認為平台應當加強管理，也有人覺得這只是一次普通的爭論。");
	add(&q, NULL, "</p>");
	CHECK(build("text/html", q.buf, q.len, &m) == 0, "build");
	CHECK_STR(m.charset, "BIG5-HKSCS");
	CHECK(find(&m, "紛紛發表") != (size_t)-1, "sniffed Big5 decoded: %s", m.text);
	textmap_free(&m);
}

static void test_utf16(void)
{
	for (int be = 0; be < 2; be++) {
		const char *cs = be ? "UTF-16BE" : "UTF-16LE";
		pay_t p = {.len = 0};
		add_raw(&p, be ? "\xFE\xFF" : "\xFF\xFE", 2);
		add(&p, cs, "<html><body><p>手机 ");
		size_t ph = add(&p, cs, "13800138000");
		size_t emoji = add(&p, cs, "😀");
		size_t zw = add(&p, cs, "张");
		add(&p, cs, "</p></body></html>");
		textmap_t m;
		CHECK(build("text/html; charset=utf-8", p.buf, p.len, &m) == 0, "build");
		CHECK_STR(m.charset, cs); /* the BOM beats the header */
		CHECK(invariants(&m, p.len, 1), "invariants %s", cs);
		uint64_t s, e;
		CHECK(range_of(&m, "13800138000", &s, &e) == 0 && s == ph && e == ph + 22, "%s digits 2 bytes each", cs);
		CHECK(range_of(&m, "😀", &s, &e) == 0 && s == emoji && e == emoji + 4, "%s surrogate pair", cs);
		CHECK(range_of(&m, "张", &s, &e) == 0 && s == zw && e == zw + 2, "%s BMP char", cs);
		CHECK_STR(xpath_of(&m, "13800138000"), "/html/body/p[1]");
		textmap_free(&m);
	}
	/* JSON in UTF-16LE without BOM: NUL pattern */
	pay_t j = {.len = 0};
	add(&j, "UTF-16LE", "{\"phone\": \"13800138000\"}");
	textmap_t m;
	CHECK(build("application/json", j.buf, j.len, &m) == 0, "build");
	CHECK_STR(m.charset, "UTF-16LE");
	CHECK(find(&m, "13800138000") != (size_t)-1, "UTF-16 JSON value");
	CHECK_STR(xpath_of(&m, "13800138000"), "$.phone");
	textmap_free(&m);
	/* lone surrogate and odd length */
	const unsigned char bad[] = {0xFF, 0xFE, 'a', 0, 0x00, 0xD8, 'b', 0, 'c'};
	CHECK(build("text/plain", bad, sizeof bad, &m) == 0, "build");
	CHECK(invariants(&m, sizeof bad, 1), "invariants");
	CHECK(find(&m, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD") != (size_t)-1, "bad UTF-16 -> U+FFFD: %s", m.text);
	textmap_free(&m);
}

static void test_precedence(void)
{
	pay_t p = {.len = 0};
	add(&p, NULL, "<html><head><meta charset=\"utf-8\"></head><body><p>");
	size_t z = add(&p, "GB18030", "张三");
	add(&p, NULL, "</p></body></html>");
	textmap_t m;
	CHECK(build("text/html; charset=GBK", p.buf, p.len, &m) == 0, "build");
	CHECK_STR(m.charset, "GB18030"); /* header over meta */
	uint64_t s, e;
	CHECK(range_of(&m, "张三", &s, &e) == 0 && s == z && e == z + 4, "decoded with the header's charset");
	textmap_free(&m);
	CHECK(build("text/html", p.buf, p.len, &m) == 0, "build");
	CHECK_STR(m.charset, "UTF-8"); /* meta when the header has none */
	CHECK(invariants(&m, p.len, 1), "invariants");
	textmap_free(&m);
	CHECK(build("text/html; charset=\"no-such-charset\"", p.buf, p.len, &m) == 0, "build");
	CHECK_STR(m.charset, "UTF-8"); /* unknown label: next source */
	textmap_free(&m);
	const char *x = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>caf\xE9</r>";
	CHECK(build("application/xml", x, strlen(x), &m) == 0, "build");
	CHECK_STR(m.charset, "WINDOWS-1252");
	CHECK(find(&m, "café") != (size_t)-1, "latin1 decoded: %s", m.text);
	textmap_free(&m);
}

static void test_json(void)
{
	const char *j = "{\"user\": {\"name\": \"\\u5f20\\u4e09\", \"phone\": \"138\\u00300138000\", \"qq\": 12345678,"
	                " \"ok\": true, \"none\": null, \"a.b\": \"dot\"},"
	                " \"items\": [{\"id\": \"x1\"}, {\"id\": -1.5e3}, [], {}, \"\\ud83d\\ude00\\n\\\"q\\\"\"]}";
	textmap_t m;
	CHECK(build("application/json; charset=utf-8", j, strlen(j), &m) == 0, "build");
	CHECK_STR(m.kind, "json");
	CHECK(invariants(&m, strlen(j), 1), "invariants");
	CHECK_STR(xpath_of(&m, "张三"), "$.user.name");
	CHECK_STR(xpath_of(&m, "13800138000"), "$.user.phone");
	CHECK_STR(xpath_of(&m, "12345678"), "$.user.qq");
	CHECK_STR(xpath_of(&m, "dot"), "$.user['a.b']");
	CHECK_STR(xpath_of(&m, "x1"), "$.items[0].id");
	CHECK_STR(xpath_of(&m, "-1.5e3"), "$.items[1].id");
	CHECK_STR(xpath_of(&m, "😀"), "$.items[4]");
	CHECK(find(&m, "user") == (size_t)-1 && find(&m, "true") == (size_t)-1, "keys and literals are not text");
	CHECK(find(&m, "😀 \"q\"") != (size_t)-1, "escapes decoded, \\n as space: %s", m.text);
	size_t a = find(&m, "张");
	const char *esc = strstr(j, "\\u5f20");
	CHECK(a != (size_t)-1 && m.src_start[a] == (uint64_t)(esc - j) && m.src_end[a] == (uint64_t)(esc - j + 6),
	      "\\u5f20 maps to its 6 bytes");
	a = find(&m, "😀");
	esc = strstr(j, "\\ud83d");
	CHECK(a != (size_t)-1 && m.src_start[a] == (uint64_t)(esc - j) && m.src_end[a] == (uint64_t)(esc - j + 12),
	      "surrogate pair maps to 12 bytes");
	uint64_t s, e;
	esc = strstr(j, "138\\u0030");
	CHECK(range_of(&m, "13800138000", &s, &e) == 0 && s == (uint64_t)(esc - j) && e == (uint64_t)(esc - j + 16),
	      "value across an escape");
	textmap_free(&m);

	/* sniffed JSON, and invalid JSON falls back to text */
	const char *arr = "  [\"13800138000\", 13900139000]";
	CHECK(build(NULL, arr, strlen(arr), &m) == 0 && !strcmp(m.kind, "json") && m.nseg == 2, "sniffed json");
	CHECK_STR(xpath_of(&m, "13900139000"), "$[1]");
	textmap_free(&m);
	const char *bad = "{\"a\": \"13800138000\", oops}";
	CHECK(build("application/json", bad, strlen(bad), &m) == 0, "build");
	CHECK_STR(m.kind, "text");
	CHECK(m.nseg == 1 && !strcmp(m.seg[0].xpath, "") && m.len == strlen(bad), "plain fallback");
	CHECK(invariants(&m, strlen(bad), 1), "invariants");
	textmap_free(&m);
	char deep[1200];
	memset(deep, '[', 600);
	memset(deep + 600, ']', 600);
	CHECK(build("application/json", deep, sizeof deep, &m) == 0 && !strcmp(m.kind, "text"), "too deep: text");
	textmap_free(&m);
}

static void test_json_html(void)
{
	/* rich-text fields: HTML inside a JSON string is extracted as HTML */
	const char *j = "{\"post\": {\"body\": \"<p>\\u59d3\\u540d \\u5f20\\u4e09</p><p>\\u624b\\u673a 138<b>0013</b>8000"
	                "<img alt=\\\"\\u7167\\u7247\\\"></p>\", \"n\": \"x < y\"}}";
	textmap_t m;
	CHECK(build("application/json", j, strlen(j), &m) == 0, "build");
	CHECK_STR(m.kind, "json");
	CHECK(invariants(&m, strlen(j), 0), "invariants");
	CHECK(find(&m, "13800138000") != (size_t)-1, "inline tags in a JSON string: %s", m.text);
	CHECK(find(&m, "<b>") == (size_t)-1, "tags removed");
	CHECK_STR(xpath_of(&m, "张三"), "$.post.body/p[1]");
	CHECK_STR(xpath_of(&m, "13800138000"), "$.post.body/p[2]");
	CHECK_STR(xpath_of(&m, "照片"), "$.post.body/p[2]/img[1]/@alt");
	CHECK_STR(xpath_of(&m, "x < y"), "$.post.n");
	uint64_t s, e;
	const char *ph = strstr(j, "138<b>");
	CHECK(range_of(&m, "13800138000", &s, &e) == 0 && s == (uint64_t)(ph - j) &&
	      e == (uint64_t)(strstr(j, "8000<img") - j + 4), "range in the payload");
	size_t a = find(&m, "张");
	const char *esc = strstr(j, "\\u5f20");
	CHECK(a != (size_t)-1 && m.src_start[a] == (uint64_t)(esc - j) && m.src_end[a + 2] == (uint64_t)(esc - j + 6),
	      "escaped char maps to its escape: %llu %llu want %zu",
	      a != (size_t)-1 ? (unsigned long long)m.src_start[a] : 0ull,
	      a != (size_t)-1 ? (unsigned long long)m.src_end[a + 2] : 0ull, (size_t)(esc - j));
	textmap_free(&m);
}

static void test_json_script(void)
{
	/* JSON data islands are data: application/json, ld+json */
	const char *h = "<html><body><p>x</p><script type=\"application/ld+json\">{\"name\": \"张三\", "
	                "\"telephone\": \"138 0013 8000\"}</script><script type=application/json>not json "
	                "13900139000</script><script>var a=13700137000;</script><p>y</p></body></html>";
	textmap_t m;
	CHECK(build("text/html", h, strlen(h), &m) == 0, "build");
	CHECK(invariants(&m, strlen(h), 1), "invariants");
	CHECK_STR(xpath_of(&m, "张三"), "/html/body/script[1]/$.name");
	CHECK_STR(xpath_of(&m, "138 0013 8000"), "/html/body/script[1]/$.telephone");
	CHECK(find(&m, "13900139000") == (size_t)-1, "invalid JSON script left out: %s", m.text);
	CHECK(find(&m, "13700137000") == (size_t)-1, "code is not text (a number literal)");
	CHECK_STR(xpath_of(&m, "y"), "/html/body/p[2]");
	uint64_t s, e;
	const char *t = strstr(h, "138 0013");
	CHECK(range_of(&m, "138 0013 8000", &s, &e) == 0 && s == (uint64_t)(t - h) && e == (uint64_t)(t - h + 13),
	      "range");
	textmap_free(&m);
}

static void test_js_script(void)
{
	/* inline JavaScript: string literals and JSON literals are data, code is not */
	const char *h = "<html><body><p>x</p><script>var n=12; var big=13800138000; // '13911112222'\n"
	                "/* \"13922223333\" */ var re = /\"[0-9]+/g; var s = 'abc \\u5f20\\u4e09 13933334444';\n"
	                "window.__INITIAL_STATE__ = {\"user\": {\"qq\": \"12345678\", \"phone\": \"13944445555\"}};\n"
	                "var cfg = {wechat: 'kexi_98', \"real-name\": \"\\u67ef\\u5e0c\", t: `pre ${x} 13955556666`};"
	                "</script><script type=text/template>13966667777 tpl</script>"
	                "<script src=a.js></script><p>y</p></body></html>";
	textmap_t m;
	CHECK(build("text/html", h, strlen(h), &m) == 0, "build");
	CHECK(invariants(&m, strlen(h), 1), "invariants");
	CHECK(find(&m, "13800138000") == (size_t)-1, "number literal not text: %s", m.text);
	CHECK(find(&m, "13911112222") == (size_t)-1 && find(&m, "13922223333") == (size_t)-1,
	      "comments are not text");
	CHECK(find(&m, "[0-9]") == (size_t)-1, "a regular expression is not a string");
	CHECK_STR(xpath_of(&m, "abc 张三 13933334444"), "/html/body/script[1]");
	CHECK_STR(xpath_of(&m, "12345678"), "/html/body/script[1]/$.user.qq");
	CHECK_STR(xpath_of(&m, "13944445555"), "/html/body/script[1]/$.user.phone");
	CHECK(find(&m, "user") == (size_t)-1 && find(&m, "wechat") == (size_t)-1, "keys are not text");
	CHECK_STR(xpath_of(&m, "kexi_98"), "/html/body/script[1]/$.wechat");
	CHECK_STR(xpath_of(&m, "柯希"), "/html/body/script[1]/$.real-name");
	CHECK_STR(xpath_of(&m, "13955556666"), "/html/body/script[1]/$.t");
	CHECK(find(&m, "pre 13955556666") == (size_t)-1 && find(&m, "x") != (size_t)-1,
	      "a template's ${...} is code and cuts the text");
	CHECK(find(&m, "13966667777") == (size_t)-1, "non-JavaScript script types are skipped");
	CHECK_STR(xpath_of(&m, "y"), "/html/body/p[2]");
	uint64_t s, e;
	const char *t = strstr(h, "\\u5f20");
	CHECK(range_of(&m, "张三", &s, &e) == 0 && s == (uint64_t)(t - h) && e == (uint64_t)(t - h + 12),
	      "escaped characters map to their escapes");
	t = strstr(h, "13944445555");
	CHECK(range_of(&m, "13944445555", &s, &e) == 0 && s == (uint64_t)(t - h) && e == (uint64_t)(t - h + 11),
	      "JSON literal value range");
	textmap_free(&m);

	/* an object literal that is not JSON is read for its strings; one that never
	 * closes, and the per-page bound, keep the work linear */
	const char *h2 = "<script>x = {a: [1, 2, {b: \"13977778888\"}], c: 'unclosed\n}; y = [[[[ \"13988889999\"</script>";
	CHECK(build("text/html", h2, strlen(h2), &m) == 0, "build 2");
	CHECK(invariants(&m, strlen(h2), 1), "invariants 2");
	CHECK_STR(xpath_of(&m, "13977778888"), "/script[1]/$.b");
	CHECK(find(&m, "unclosed") != (size_t)-1 && find(&m, "13988889999") != (size_t)-1,
	      "unterminated string and unclosed literal: strings still read: %s", m.text);
	textmap_free(&m);
	size_t n = TM_MAX_SCRIPT_TEXT / 4 * 5 + 64 * 1024;  /* 12 of every 15 bytes are literal */
	char *big = malloc(n + 64);
	CHECK(big != NULL, "malloc");
	if (big) {
		size_t k = (size_t)snprintf(big, 64, "<script>");
		while (k + 16 < n) {
			memcpy(big + k, "'abcdefghijk', ", 15);
			k += 15;
		}
		memcpy(big + k, "'13999990000'</script>", 22);
		k += 22;
		CHECK(build("text/html", big, k, &m) == 0, "build big script");
		CHECK(m.len < TM_MAX_SCRIPT_TEXT + 4096 && find(&m, "13999990000") == (size_t)-1,
		      "script text bounded per page (%zu bytes)", m.len);
		textmap_free(&m);
		free(big);
	}
}

static void test_attributes(void)
{
	const char *h = "<html><body><div title=\"divtitle\"><p>电话 138<img alt=\"图 &amp; 文\" src=a.png>0013"
	                "<a href=/x title=主页>8000</a></p><input placeholder='请输入手机号' aria-label=phone></div>"
	                "<meta name=description content=\"页面描述\"></body></html>";
	textmap_t m;
	CHECK(build("text/html", h, strlen(h), &m) == 0, "build");
	CHECK(invariants(&m, strlen(h), 0), "invariants");
	CHECK(find(&m, "13800138000") != (size_t)-1, "inline attributes do not cut the text: %s", m.text);
	CHECK_STR(xpath_of(&m, "图 & 文"), "/html/body/div[1]/p[1]/img[1]/@alt");
	CHECK_STR(xpath_of(&m, "主页"), "/html/body/div[1]/p[1]/a[1]/@title");
	CHECK_STR(xpath_of(&m, "divtitle"), "/html/body/div[1]/@title");
	CHECK_STR(xpath_of(&m, "请输入手机号"), "/html/body/div[1]/input[1]/@placeholder");
	CHECK_STR(xpath_of(&m, "phone"), "/html/body/div[1]/input[1]/@aria-label");
	CHECK_STR(xpath_of(&m, "页面描述"), "/html/body/meta[1]/@content");
	uint64_t s, e;
	const char *alt = strstr(h, "图 &amp; 文");
	CHECK(range_of(&m, "图 & 文", &s, &e) == 0 && s == (uint64_t)(alt - h) && e == (uint64_t)(alt - h) + 13,
	      "attribute value range");
	textmap_free(&m);
}

static void test_malformed(void)
{
	const char *cases[] = {
		"<p>a < b and c<d e</p>",
		"<p>unclosed <b>bold <i>italic",
		"<div><p>one<p>two<div>three</span></p></div>",
		"<p title=\"never closed>text</p>",
		"<p>x</p><!-- unclosed comment 13800138000",
		"<p>x<",
		"<p>x</",
		"<p>x<!",
		"<p a=b c d=\"e\" f='g'>y</p>",
		"</p></p></div>text</b>",
		"<<<>>><a<b>c</>",
		"<![CDATA[cdata 1]]><p>z</p>",
		"<textarea><b>not a tag</b> &amp;</textarea>",
		"<svg><path d='x'/><path/><text>svg text</text></svg>",
		"&#xFFFFFFFFFFFF; &#99999999999; &#; &#x; &",
		"\xfd\xff\xfe<p>\xc3</p>\xe4\xb8",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		textmap_t m;
		int rc = build("text/html", cases[i], strlen(cases[i]), &m);
		CHECK(rc == 0 && invariants(&m, strlen(cases[i]), 1), "case %zu", i);
		textmap_free(&m);
	}
	textmap_t m;
	CHECK(build("text/html", cases[0], strlen(cases[0]), &m) == 0 && find(&m, "a < b and c") != (size_t)-1,
	      "'<' as text: %s", m.text);
	textmap_free(&m);
	CHECK(build("text/html", cases[2], strlen(cases[2]), &m) == 0, "build");
	CHECK_STR(xpath_of(&m, "two"), "/div[1]/p[2]");
	CHECK_STR(xpath_of(&m, "three"), "/div[1]/div[1]");
	textmap_free(&m);
	CHECK(build("text/html", cases[11], strlen(cases[11]), &m) == 0 && find(&m, "cdata 1") != (size_t)-1, "cdata");
	textmap_free(&m);
	CHECK(build("text/html", cases[12], strlen(cases[12]), &m) == 0 && find(&m, "<b>not a tag</b> &") != (size_t)-1,
	      "textarea is text: %s", m.text);
	textmap_free(&m);
	CHECK(build("text/html", cases[13], strlen(cases[13]), &m) == 0, "build");
	CHECK_STR(xpath_of(&m, "svg text"), "/svg[1]/text[1]");
	textmap_free(&m);
	CHECK(build("text/html; charset=utf-8", cases[15], strlen(cases[15]), &m) == 0, "build");
	size_t a = find(&m, "\xEF\xBF\xBD");
	CHECK(a != (size_t)-1 && m.src_start[a] == 0 && m.src_end[a] == 1, "invalid UTF-8 byte -> U+FFFD of that byte");
	textmap_free(&m);

	/* deep nesting stays bounded */
	static char deep[40000];
	size_t l = 0;
	for (int i = 0; i < 5000 && l + 8 < sizeof deep; i++)
		l += (size_t)snprintf(deep + l, sizeof deep - l, "<div>");
	memcpy(deep + l, "deep", 4);
	l += 4;
	CHECK(build("text/html", deep, l, &m) == 0 && find(&m, "deep") != (size_t)-1, "deep nesting");
	CHECK(invariants(&m, l, 1), "deep invariants");
	CHECK(m.nseg == 1 && strlen(m.seg[0].xpath) <= 1100, "xpath bounded (%zu)", m.nseg ? strlen(m.seg[0].xpath) : 0);
	textmap_free(&m);
}

static void test_plain_and_misc(void)
{
	const char *t = "line one 13800138000\r\nline two\tx\n";
	textmap_t m;
	CHECK(build("text/plain", t, strlen(t), &m) == 0, "build");
	CHECK_STR(m.kind, "text");
	CHECK(m.nseg == 1 && m.len == strlen(t) && !memcmp(m.text, t, m.len), "plain text kept as is");
	CHECK(m.src_start[5] == 5 && m.src_end[5] == 6, "identity map");
	CHECK(invariants(&m, strlen(t), 1), "invariants");
	textmap_free(&m);
	CHECK(build(NULL, "", 0, &m) == 0 && m.len == 0 && m.nseg == 0 && m.text && !m.text[0], "empty");
	CHECK(textmap_seg_at(&m, 0) == -1, "no segment");
	textmap_free(&m);
	CHECK(build(NULL, NULL, 0, &m) == 0, "NULL empty payload");
	textmap_free(&m);
	arc_error_t err;
	CHECK(textmap_build(NULL, NULL, 5, &m, &err) == ARC_EINVAL, "NULL payload with length");
	/* UTF-8 BOM is not text and offsets stay payload offsets */
	const char *b = "\xEF\xBB\xBF<p>hi</p>";
	CHECK(build(NULL, b, strlen(b), &m) == 0 && !strcmp(m.kind, "html") && m.len == 2 && m.src_start[0] == 6,
	      "BOM skipped: %s", m.text);
	textmap_free(&m);
	/* windows-1252 sniffed for bytes that are neither UTF-8 nor CJK */
	const char *w = "<p>na\xEFve caf\xE9 \x80 5</p>";
	CHECK(build(NULL, w, strlen(w), &m) == 0, "build");
	CHECK_STR(m.charset, "WINDOWS-1252");
	CHECK(find(&m, "naïve café € 5") != (size_t)-1, "1252: %s", m.text);
	CHECK(invariants(&m, strlen(w), 1), "invariants");
	textmap_free(&m);
	/* labels */
	extern const char *tm_charset_for_label(const char *, size_t);
	CHECK_STR(tm_charset_for_label(" GBK ", 5), "GB18030");
	CHECK_STR(tm_charset_for_label("x-gbk", 5), "GB18030");
	CHECK_STR(tm_charset_for_label("Big5", 4), "BIG5-HKSCS");
	CHECK_STR(tm_charset_for_label("iso-8859-2", 10), "ISO-8859-2");
	CHECK_STR(tm_charset_for_label("windows-1251", 12), "WINDOWS-1251");
	CHECK_STR(tm_charset_for_label("latin1", 6), "WINDOWS-1252");
	CHECK(tm_charset_for_label("bogus", 5) == NULL, "unknown label");
}

static void test_fixture(void)
{
	/* tests/data/textmap/gb18030.html: written by python's gb18030 codec */
	FILE *f = fopen("tests/data/textmap/gb18030.html", "rb");
	if (!f) {
		printf("note: tests/data/textmap/gb18030.html not found from this directory; skipped\n");
		return;
	}
	static unsigned char buf[65536];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	textmap_t m;
	CHECK(build("text/html", buf, n, &m) == 0, "build");
	CHECK_STR(m.charset, "GB18030");
	CHECK(invariants(&m, n, 1), "invariants");
	/* the fixture spells 王小明 in GB18030 as CD F5 D0 A1 C3 F7 */
	const unsigned char want[] = {0xCD, 0xF5, 0xD0, 0xA1, 0xC3, 0xF7};
	uint64_t s, e;
	CHECK(range_of(&m, "王小明", &s, &e) == 0 && e - s == 6 && !memcmp(buf + s, want, 6), "fixture name bytes");
	CHECK(range_of(&m, "110105199003071239", &s, &e) == 0 && !memcmp(buf + s, "110105199003071239", 18),
	      "fixture id bytes");
	textmap_free(&m);
}

int main(void)
{
	test_utf8_html();
	test_entities();
	test_fullwidth();
	test_gb18030();
	test_big5();
	test_utf16();
	test_precedence();
	test_json();
	test_json_html();
	test_json_script();
	test_js_script();
	test_attributes();
	test_malformed();
	test_plain_and_misc();
	test_fixture();
	TU_END();
}
