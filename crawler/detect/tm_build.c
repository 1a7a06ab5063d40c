/*
 * tm_build.c — the bottom layer of the detector's text map: the builder that
 * appends code points to the normalized UTF-8 text and records, for every
 * text byte, the payload range of the character it came from; and the
 * character normalization (full-width ASCII folded, U+3000/NBSP to ' ',
 * dashes to '-', zero-width characters and NUL dropped).
 *
 * The tokenizers (html_text.c, json_text.c, js_text.c) feed it; it calls
 * nothing above it. It must never lose the link between a text byte and its
 * source bytes: every byte appended goes through put_byte with its payload
 * range, and nothing rewrites text after the fact. Undecodable bytes become
 * U+FFFD mapped to those bytes; it allocates in proportion to the input only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textmap_int.h"

/* --------------------------------------------------------------- builder */

int tm_builder_reserve(tm_builder_t *b, size_t more)
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
	unsigned char *t = (unsigned char *)b->text;
	int grc = tm_grow_map(&t, &b->ss, &b->se, ncap, 1); /* +1: the final NUL */
	b->text = (char *)t;
	if (grc)
		goto fail;
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
	if (b->len && b->text[b->len - 1] != '\n' && tm_builder_reserve(b, 1) == 0) {
		uint32_t p = tm_src_pos(b->src, pos);
		put_byte(b, '\n', p, p);
	}
}

/* ---------------------------------------------------------- normalization */

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
				rawlen = u8_enc(cp, buf);
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
	if (tm_is_ws(cp)) {
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
	if (a >= e || tm_builder_reserve(b, (e - a) + 8) != 0)
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
			size_t k = u8_dec(d + i, e - i, &cp);
			if (k == 0) {
				if (tm_builder_reserve(b, (e - i) + 12) != 0)
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
		size_t k = u8_dec(d + i, e - i, &cp);
		if (k == 0) { /* cannot happen; stay safe */
			if (tm_builder_reserve(b, (e - i) + 12) != 0)
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
	if (a >= e || tm_builder_reserve(b, 8) != 0)
		return;
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	const tm_src_t *src = b->src;
	uint32_t s = src->ms ? src->ms[a] : a;
	uint32_t en = src->ms ? src->me[e - 1] : e;
	b->mode = mode;
	put_cp(b, cp, s, en, mode, NULL, 0);
}

/* ---------------------------------------------------------------- lifecycle */

void tm_builder_reset(tm_builder_t *b)
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

void tm_builder_free(tm_builder_t *b)
{
	tm_builder_reset(b);
	free(b->seg);
	free(b->text);
	free(b->ss);
	free(b->se);
	memset(b, 0, sizeof *b);
}
