/*
 * textmap.c — the top of the detector's text map: textmap_build picks the
 * charset (charset.c), the kind (detect_media_kind, then sniffing) and the
 * tokenizer (html_text.c, json_text.c, or plain text), and hands the
 * tokenizers a table of nested kinds (HTML inside a JSON string, JSON inside a
 * script, data in inline JavaScript) so that they never call each other:
 * every tokenizer depends only on the builder below it (tm_build.c).
 *
 * Layers, bottom up: utf8_int.h (the one UTF-8 decoder) -> tm_build.c (the
 * builder) -> html_text.c, json_text.c, js_text.c (tokenizers) -> textmap.c.
 *
 * Must never: print, abort on bad input, or read past TEXTMAP_MAX_INPUT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textmap_int.h"

/* The nested kinds a tokenizer may meet, and who reads each. */
static const tm_nested_t nested_kinds = {
	.html_in_json = tm_html_prefixed,
	.json_window = tm_json_window,
	.js = tm_js,
};

enum { KIND_UNKNOWN = DETECT_KIND_NONE, KIND_HTML = DETECT_KIND_HTML, KIND_JSON = DETECT_KIND_JSON,
       KIND_TEXT = DETECT_KIND_TEXT };

detect_kind_t detect_media_kind(const char *ct)
{
	if (!ct)
		return DETECT_KIND_NONE;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strcspn(ct, "; \t");
	char t[128];
	if (n == 0 || n >= sizeof t)
		return DETECT_KIND_NONE;
	for (size_t i = 0; i < n; i++) {
		char c = ct[i];
		t[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	t[n] = 0;
	if (!strcmp(t, "text/html") || !strcmp(t, "application/xhtml+xml") ||
	    !strcmp(t, "text/xml") || !strcmp(t, "application/xml") ||
	    (n > 4 && !strcmp(t + n - 4, "+xml")))
		return DETECT_KIND_HTML;
	if (!strcmp(t, "application/json") || !strcmp(t, "text/json") ||
	    !strcmp(t, "application/x-ndjson") || (n > 5 && !strcmp(t + n - 5, "+json")))
		return DETECT_KIND_JSON;
	if (!strncmp(t, "text/", 5) || !strcmp(t, "application/javascript"))
		return DETECT_KIND_TEXT;
	return DETECT_KIND_NONE;
}

/* First byte that is not ASCII white space (a UTF-8 BOM skipped), or -1. */
static int first_visible(const unsigned char *p, size_t n)
{
	size_t i = 0;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	for (; i < n && i < 4096; i++)
		if (!tm_is_ws(p[i]))
			return p[i];
	return -1;
}

static int kind_sniff(const unsigned char *p, size_t n)
{
	int c = first_visible(p, n);
	if (c == '<')
		return KIND_HTML;
	if (c == '{' || c == '[')
		return KIND_JSON;
	return KIND_TEXT;
}

static int fail(arc_error_t *err, int code, const char *msg)
{
	if (err) {
		memset(err, 0, sizeof *err);
		err->code = code;
		snprintf(err->msg, sizeof err->msg, "%s", msg);
	}
	return code;
}

int textmap_build(const char *content_type, const unsigned char *payload, size_t len,
                  textmap_t *out, arc_error_t *err)
{
	if (!out)
		return fail(err, ARC_EINVAL, "textmap_build: no output");
	memset(out, 0, sizeof *out);
	if (!payload && len)
		return fail(err, ARC_EINVAL, "textmap_build: NULL payload");
	size_t n = len < TEXTMAP_MAX_INPUT ? len : TEXTMAP_MAX_INPUT;
	static const unsigned char empty[1] = {0};
	if (!payload)
		payload = empty;

	int kind = (int)detect_media_kind(content_type);
	int raw_kind = kind != KIND_UNKNOWN ? kind : kind_sniff(payload, n);

	tm_src_t src;
	if (tm_decode(content_type, payload, n, raw_kind == KIND_HTML, &src) != 0)
		return fail(err, ARC_ENOMEM, "textmap_build: out of memory decoding the payload");
	if (kind == KIND_UNKNOWN) /* sniff again on the decoded text (UTF-16) */
		kind = kind_sniff(src.d + src.start, src.n - src.start);

	tm_builder_t b;
	memset(&b, 0, sizeof b);
	b.src = &src;
	b.nested = &nested_kinds;
	tm_builder_reserve(&b, src.n + src.n / 16 + 64);

	int rc = 0;
	if (kind == KIND_JSON) {
		rc = tm_json(&b);
		if (rc == -1 && !b.oom) { /* not JSON after all: plain text */
			tm_builder_reset(&b);
			kind = KIND_TEXT;
			rc = 0;
		}
	} else if (kind == KIND_HTML) {
		rc = tm_html(&b);
	}
	if (kind == KIND_TEXT) {
		tm_emit_run(&b, src.start, src.n, TM_TEXT_PLAIN);
	}
	if (b.seg_open && b.nseg)
		b.seg[b.nseg - 1].text_end = b.len;
	b.seg_open = 0;
	free(b.next_xpath);
	b.next_xpath = NULL;
	/* a separator closing the text separates nothing */
	while (b.len && b.text[b.len - 1] == '\n' && (!b.nseg || b.seg[b.nseg - 1].text_end < b.len))
		b.len--;
	if (rc == 0 && !b.oom && tm_builder_reserve(&b, 1) != 0)
		rc = ARC_ENOMEM;
	if (rc != 0 || b.oom) {
		tm_builder_free(&b);
		tm_src_free(&src);
		return fail(err, ARC_ENOMEM, "textmap_build: out of memory mapping the payload");
	}
	b.text[b.len] = 0;

	out->text = b.text;
	out->len = b.len;
	out->src_start = b.ss;
	out->src_end = b.se;
	out->src_len = n;
	out->seg = b.seg;
	out->nseg = b.nseg;
	memcpy(out->charset, src.charset, sizeof out->charset);
	out->charset[sizeof out->charset - 1] = 0;
	const char *k = kind == KIND_HTML ? "html" : kind == KIND_JSON ? "json" : "text";
	memcpy(out->kind, k, strlen(k) + 1);
	tm_src_free(&src);
	return 0;
}

long textmap_seg_at(const textmap_t *m, size_t pos)
{
	if (!m || !m->nseg)
		return -1;
	size_t lo = 0, hi = m->nseg;
	while (lo < hi) { /* first segment with text_end > pos */
		size_t mid = lo + (hi - lo) / 2;
		if (m->seg[mid].text_end > pos)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo < m->nseg && m->seg[lo].text_start <= pos && pos < m->seg[lo].text_end)
		return (long)lo;
	return -1;
}

void textmap_free(textmap_t *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nseg; i++)
		free(m->seg[i].xpath);
	free(m->seg);
	free(m->text);
	free(m->src_start);
	free(m->src_end);
	memset(m, 0, sizeof *m);
}
