/*
 * textmap.c — builds a textmap_t: the normalized UTF-8 text of a payload with,
 * for every text byte, the payload range of the character it came from.
 *
 * This file holds the builder (text + map arrays + segments), the character
 * normalization (full-width ASCII folded, U+3000/NBSP to ' ', dashes to '-',
 * zero-width characters dropped, NUL dropped) and textmap_build, which picks
 * the charset (charset.c), the kind (content type, then sniffing) and the
 * tokenizer (html_text.c, json_text.c, or plain text here).
 *
 * It must never lose the link between a text byte and its source bytes:
 * every byte appended goes through put_byte with its payload range, and
 * nothing rewrites text after the fact. It never prints, never aborts on bad
 * input (undecodable bytes become U+FFFD mapped to those bytes) and allocates
 * in proportion to the input only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textmap_int.h"

/* --------------------------------------------------------------- builder */

static int builder_reserve(tm_builder_t *b, size_t more)
{
	if (b->oom)
		return -1;
	if (more <= b->cap - b->len)
		return 0;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap - b->len < more) {
		if (ncap > SIZE_MAX / 2 / sizeof(uint32_t))
			goto fail;
		ncap *= 2;
	}
	char *t = realloc(b->text, ncap + 1); /* +1: the final NUL */
	if (!t)
		goto fail;
	b->text = t;
	uint32_t *s = realloc(b->ss, ncap * sizeof *s);
	if (!s)
		goto fail;
	b->ss = s;
	uint32_t *e = realloc(b->se, ncap * sizeof *e);
	if (!e)
		goto fail;
	b->se = e;
	b->cap = ncap;
	return 0;
fail:
	b->oom = 1;
	return -1;
}

static inline void put_byte(tm_builder_t *b, unsigned char c, uint32_t s, uint32_t e)
{
	b->text[b->len] = (char)c;
	b->ss[b->len] = s;
	b->se[b->len] = e;
	b->len++;
}

static void open_seg(tm_builder_t *b)
{
	if (b->nseg >= TM_MAX_SEGS || b->xpath_bytes > TM_MAX_XPATH_BYTES) {
		/* past the bounds the last segment simply grows */
		free(b->next_xpath);
		b->next_xpath = NULL;
		b->seg_open = 1;
		return;
	}
	char *x = b->next_xpath;
	b->next_xpath = NULL;
	if (!x && b->xpath_cb) {
		x = b->xpath_cb(b->xpath_ctx);
	} else if (!x) {
		x = malloc(1);
		if (x)
			x[0] = 0;
	}
	if (!x) {
		b->oom = 1;
		return;
	}
	if (b->nseg == b->segcap) {
		size_t nc = b->segcap ? b->segcap * 2 : 64;
		textmap_seg_t *ns = realloc(b->seg, nc * sizeof *ns);
		if (!ns) {
			free(x);
			b->oom = 1;
			return;
		}
		b->seg = ns;
		b->segcap = nc;
	}
	b->seg[b->nseg].text_start = b->len;
	b->seg[b->nseg].text_end = b->len;
	b->seg[b->nseg].xpath = x;
	b->xpath_bytes += strlen(x) + 1;
	b->nseg++;
	b->seg_open = 1;
}

/* Before a visible character: open the segment, release a pending space. */
static inline void prologue(tm_builder_t *b)
{
	if (!b->seg_open)
		open_seg(b);
	if (b->pend_space) {
		b->pend_space = 0;
		put_byte(b, ' ', b->ps, b->pe);
	}
}

void tm_set_next_xpath(tm_builder_t *b, char *xpath)
{
	free(b->next_xpath);
	b->next_xpath = xpath;
}

void tm_rollback(tm_builder_t *b, size_t len, size_t nseg)
{
	for (size_t k = nseg; k < b->nseg; k++) {
		b->xpath_bytes -= strlen(b->seg[k].xpath) + 1;
		free(b->seg[k].xpath);
	}
	if (nseg < b->nseg)
		b->nseg = nseg;
	if (len < b->len)
		b->len = len;
	if (b->nseg && b->seg[b->nseg - 1].text_end > b->len)
		b->seg[b->nseg - 1].text_end = b->len; /* grown past a bound */
	b->seg_open = 0;
	b->pend_space = 0;
	free(b->next_xpath);
	b->next_xpath = NULL;
}

uint32_t tm_src_pos(const tm_src_t *s, size_t pos)
{
	if (!s->ms)
		return pos;
	if (pos < s->n)
		return s->ms[pos];
	return s->n ? s->me[s->n - 1] : 0;
}

void tm_sep(tm_builder_t *b, size_t pos)
{
	if (b->seg_open && b->nseg)
		b->seg[b->nseg - 1].text_end = b->len;
	b->seg_open = 0;
	b->pend_space = 0;
	free(b->next_xpath);
	b->next_xpath = NULL;
	if (b->len && b->text[b->len - 1] != '\n' && builder_reserve(b, 1) == 0) {
		uint32_t p = tm_src_pos(b->src, pos);
		put_byte(b, '\n', p, p);
	}
}

/* ---------------------------------------------------------- normalization */

static inline int is_ws(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Append one source character (code point cp, payload range [s,e)) after
 * normalization; raw holds its UTF-8 bytes when unchanged (NULL: encode cp).
 * Capacity for 4 bytes + a pending space is reserved by the caller. */
static void put_cp(tm_builder_t *b, uint32_t cp, uint32_t s, uint32_t e, int mode,
                   const unsigned char *raw, size_t rawlen)
{
	if (cp >= 0x80) {
		if (cp >= 0xFF01 && cp <= 0xFF5E) {
			cp -= 0xFEE0; /* full-width ASCII */
		} else if (cp == 0x3000 || cp == 0xA0) {
			cp = ' ';
		} else if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xFE63) {
			cp = '-';
		} else if ((cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF ||
		           cp == 0xAD) {
			return; /* invisible: would split identifiers */
		} else {
			unsigned char buf[4];
			if (!raw) {
				rawlen = tm_u8enc(cp, buf);
				raw = buf;
			}
			prologue(b);
			for (size_t k = 0; k < rawlen; k++)
				put_byte(b, raw[k], s, e);
			return;
		}
	}
	if (cp == 0)
		return;
	if (is_ws(cp)) {
		if (mode == TM_TEXT_HTML) {
			if (!b->seg_open)
				return; /* no white space at the start of a segment */
			if (b->pend_space) {
				b->pe = e;
			} else {
				b->pend_space = 1;
				b->ps = s;
				b->pe = e;
			}
			return;
		}
		if (mode == TM_TEXT_JSON)
			cp = ' ';
	}
	prologue(b);
	put_byte(b, (unsigned char)cp, s, e);
}

void tm_emit_run(tm_builder_t *b, size_t a, size_t e, int mode)
{
	const tm_src_t *src = b->src;
	const unsigned char *d = src->d;
	/* Text is never longer than its source except for U+FFFD replacing one
	 * bad byte (3 bytes for 1): reserve 1:1 here, more when that happens. */
	if (a >= e || builder_reserve(b, (e - a) + 8) != 0)
		return;
	b->mode = mode;
	if (!src->ms) {
		size_t i = a;
		while (i < e) {
			unsigned c = d[i];
			if (c > 0x20 && c < 0x80) {
				if (!b->seg_open || b->pend_space) {
					prologue(b);
					if (b->oom)
						return;
				}
				put_byte(b, (unsigned char)c, i, i + 1);
				i++;
				continue;
			}
			/* 3-byte characters no normalization touches (CJK and most
			 * others; only leads E2, E3, EF hold folded characters) */
			if (c >= 0xE1 && c <= 0xEC && c != 0xE2 && c != 0xE3 && i + 2 < e &&
			    (d[i + 1] & 0xC0) == 0x80 && (d[i + 2] & 0xC0) == 0x80) {
				if (!b->seg_open || b->pend_space) {
					prologue(b);
					if (b->oom)
						return;
				}
				put_byte(b, (unsigned char)c, i, i + 3);
				put_byte(b, d[i + 1], i, i + 3);
				put_byte(b, d[i + 2], i, i + 3);
				i += 3;
				continue;
			}
			uint32_t cp;
			size_t k = tm_u8dec(d + i, e - i, &cp);
			if (k == 0) {
				if (builder_reserve(b, (e - i) + 12) != 0)
					return;
				put_cp(b, 0xFFFD, i, i + 1, mode, NULL, 0);
			} else
				put_cp(b, cp, i, i + k, mode, d + i, k);
			if (b->oom)
				return;
			i += k ? k : 1;
		}
		return;
	}
	/* decoded text: valid UTF-8 by construction, ranges from the map */
	size_t i = a;
	while (i < e) {
		unsigned c = d[i];
		if ((c > 0x20 && c < 0x80) || (c >= 0xE1 && c <= 0xEC && c != 0xE2 && c != 0xE3 &&
		                               i + 2 < e && (d[i + 1] & 0xC0) == 0x80 &&
		                               (d[i + 2] & 0xC0) == 0x80)) {
			if (!b->seg_open || b->pend_space) {
				prologue(b);
				if (b->oom)
					return;
			}
			size_t k = c < 0x80 ? 1 : 3;
			for (size_t t = 0; t < k; t++)
				put_byte(b, d[i + t], src->ms[i], src->me[i]);
			i += k;
			continue;
		}
		uint32_t cp;
		size_t k = tm_u8dec(d + i, e - i, &cp);
		if (k == 0) { /* cannot happen; stay safe */
			if (builder_reserve(b, (e - i) + 12) != 0)
				return;
			put_cp(b, 0xFFFD, src->ms[i], src->me[i], mode, NULL, 0);
			k = 1;
		} else {
			put_cp(b, cp, src->ms[i], src->me[i], mode, d + i, k);
		}
		if (b->oom)
			return;
		i += k;
	}
}

void tm_emit_cp(tm_builder_t *b, uint32_t cp, size_t a, size_t e, int mode)
{
	if (a >= e || builder_reserve(b, 8) != 0)
		return;
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	const tm_src_t *src = b->src;
	uint32_t s = src->ms ? src->ms[a] : a;
	uint32_t en = src->ms ? src->me[e - 1] : e;
	b->mode = mode;
	put_cp(b, cp, s, en, mode, NULL, 0);
}

/* ---------------------------------------------------------------- build */

static void builder_reset(tm_builder_t *b)
{
	for (size_t i = 0; i < b->nseg; i++)
		free(b->seg[i].xpath);
	b->nseg = 0;
	b->len = 0;
	b->seg_open = 0;
	b->pend_space = 0;
	free(b->next_xpath);
	b->next_xpath = NULL;
	b->xpath_cb = NULL;
	b->xpath_ctx = NULL;
}

static void builder_free(tm_builder_t *b)
{
	builder_reset(b);
	free(b->seg);
	free(b->text);
	free(b->ss);
	free(b->se);
	memset(b, 0, sizeof *b);
}

enum { KIND_UNKNOWN, KIND_HTML, KIND_JSON, KIND_TEXT };

/* Kind from the media type of a Content-Type value. */
static int kind_of_type(const char *ct)
{
	if (!ct)
		return KIND_UNKNOWN;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strcspn(ct, "; \t");
	char t[128];
	if (n == 0 || n >= sizeof t)
		return KIND_UNKNOWN;
	for (size_t i = 0; i < n; i++) {
		char c = ct[i];
		t[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	t[n] = 0;
	if (!strcmp(t, "text/html") || !strcmp(t, "application/xhtml+xml") ||
	    !strcmp(t, "text/xml") || !strcmp(t, "application/xml") ||
	    (n > 4 && !strcmp(t + n - 4, "+xml")))
		return KIND_HTML;
	if (!strcmp(t, "application/json") || !strcmp(t, "text/json") ||
	    !strcmp(t, "application/x-ndjson") || (n > 5 && !strcmp(t + n - 5, "+json")))
		return KIND_JSON;
	if (!strncmp(t, "text/", 5) || !strcmp(t, "application/javascript"))
		return KIND_TEXT;
	return KIND_UNKNOWN;
}

/* First byte that is not ASCII white space (a UTF-8 BOM skipped), or -1. */
static int first_visible(const unsigned char *p, size_t n)
{
	size_t i = 0;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	for (; i < n && i < 4096; i++)
		if (!is_ws(p[i]))
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

	int kind = kind_of_type(content_type);
	int raw_kind = kind != KIND_UNKNOWN ? kind : kind_sniff(payload, n);

	tm_src_t src;
	if (tm_decode(content_type, payload, n, raw_kind == KIND_HTML, &src) != 0)
		return fail(err, ARC_ENOMEM, "textmap_build: out of memory decoding the payload");
	if (kind == KIND_UNKNOWN) /* sniff again on the decoded text (UTF-16) */
		kind = kind_sniff(src.d + src.start, src.n - src.start);

	tm_builder_t b;
	memset(&b, 0, sizeof b);
	b.src = &src;
	builder_reserve(&b, src.n + src.n / 16 + 64);

	int rc = 0;
	if (kind == KIND_JSON) {
		rc = tm_json(&b);
		if (rc == -1 && !b.oom) { /* not JSON after all: plain text */
			builder_reset(&b);
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
	if (rc == 0 && !b.oom && builder_reserve(&b, 1) != 0)
		rc = ARC_ENOMEM;
	if (rc != 0 || b.oom) {
		builder_free(&b);
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
