/*
 * disguise.c — the de-disguising pass (issue 21): reads a text map the way a
 * person reads a post and writes a second map whose text has the disguises
 * undone, every byte still mapped to the payload bytes it came from.
 *
 * Undone: digits written as Chinese numerals (一三八, 〇/零), financial forms
 * (壹贰叁), spoken readings (幺 腰 洞 两 拐 勾), circled / parenthesized /
 * keycap / mathematical digits; separators, emoji and line breaks between the
 * digits of one number (1–8–5–0…, 178•0327•1951, 175<br>0488<br>6598); emoji
 * and fillers between single Chinese characters (身❤️份❤️证, 张·子·轩,
 * 黄丶建丶军); spelled-out e-mail (name at qq dot com, (at), 艾特, #, 点).
 * The scanner then runs on that text unchanged, so check digits still
 * decide; a digit dropped here is never invented: only characters that read
 * as digits become digits, and a chain of them is joined only when it looks
 * like one number (rules in dg_chain()).
 *
 * Every output byte carries the disguise bits (DG_*) of what produced it, so
 * a finding can say how it was written.
 *
 * Must never: map an output byte to payload bytes it did not come from, make
 * the map decrease within a segment, or read outside the input text.
 */
#include "disguise_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	const textmap_t *in;
	textmap_t *out;
	uint16_t *dis;
	size_t cap;
	size_t *bnd, *bout;   /* segment edges in the input (in order), their output positions */
	size_t nb, bi;
	int lazy;             /* nothing changed yet: out->len counts input bytes, nothing stored */
	int oom;
} dg_t;

static int dg_reserve(dg_t *g, size_t more)
{
	textmap_t *o = g->out;
	if (o->len + more + 1 <= g->cap)
		return 0;
	size_t nc = g->cap ? g->cap : 256;
	while (nc < o->len + more + 1)
		nc *= 2;
	char *t = realloc(o->text, nc);
	if (!t)
		return g->oom = 1, -1;
	o->text = t;
	uint32_t *s = realloc(o->src_start, nc * sizeof *s);
	if (!s)
		return g->oom = 1, -1;
	o->src_start = s;
	uint32_t *e = realloc(o->src_end, nc * sizeof *e);
	if (!e)
		return g->oom = 1, -1;
	o->src_end = e;
	uint16_t *d = realloc(g->dis, nc * sizeof *d);
	if (!d)
		return g->oom = 1, -1;
	g->dis = d;
	g->cap = nc;
	return 0;
}

/* The first change: store what was copied so far (input [0, out->len)). */
static int materialize(dg_t *g)
{
	if (!g->lazy)
		return g->oom ? -1 : 0;
	g->lazy = 0;
	size_t n = g->out->len;
	g->out->len = 0;
	if (dg_reserve(g, g->in->len + 16))
		return -1;
	textmap_t *o = g->out;
	memcpy(o->text, g->in->text, n);
	memcpy(o->src_start, g->in->src_start, n * sizeof *o->src_start);
	memcpy(o->src_end, g->in->src_end, n * sizeof *o->src_end);
	memset(g->dis, 0, n * sizeof *g->dis);
	o->len = n;
	return 0;
}

/* Emit bytes p[0,n) standing for input text bytes [a,b), with disguise bits. */
static void put(dg_t *g, const char *p, size_t n, size_t a, size_t b, uint16_t bits)
{
	if (g->oom || materialize(g) || dg_reserve(g, n))
		return;
	textmap_t *o = g->out;
	uint32_t ss = g->in->src_start[a], se = g->in->src_end[b - 1];
	for (size_t k = 0; k < n; k++) {
		o->text[o->len] = p[k];
		o->src_start[o->len] = ss;
		o->src_end[o->len] = se;
		g->dis[o->len] = bits;
		o->len++;
	}
}

/* Copy input bytes [a,b) as they are (maps kept byte by byte). */
static void copy(dg_t *g, size_t a, size_t b)
{
	if (b <= a || g->oom)
		return;
	if (g->lazy) {
		g->out->len += b - a;  /* == b: nothing dropped before the first change */
		return;
	}
	if (dg_reserve(g, b - a))
		return;
	textmap_t *o = g->out;
	size_t n = b - a;
	memcpy(o->text + o->len, g->in->text + a, n);
	memcpy(o->src_start + o->len, g->in->src_start + a, n * sizeof *o->src_start);
	memcpy(o->src_end + o->len, g->in->src_end + a, n * sizeof *o->src_end);
	memset(g->dis + o->len, 0, n * sizeof *g->dis);
	o->len += n;
}

/* Input bytes [a,b) produced nothing of their own (a gap, a filler). */
static void mark(dg_t *g, size_t a, size_t b)
{
	(void)g;
	(void)a;
	(void)b;
}

/* Segment edges at or before input position i are at the output's end now. */
static void sync(dg_t *g, size_t i)
{
	while (g->bi < g->nb && g->bnd[g->bi] <= i)
		g->bout[g->bi++] = g->out->len;
}

/* copy() split at segment edges, each edge synced where it falls. */
static void copy_sync(dg_t *g, size_t a, size_t b)
{
	while (a < b && !g->oom) {
		sync(g, a);
		size_t e = g->bi < g->nb && g->bnd[g->bi] < b ? g->bnd[g->bi] : b;
		if (e <= a)
			e = b;
		copy(g, a, e);
		a = e;
	}
}

static uint32_t cp_at(const textmap_t *m, size_t i, size_t *adv)
{
	if (i >= m->len) {
		*adv = 0;
		return 0;
	}
	return dt_utf8_at(m->text, m->len, i, adv);
}

/* ---------------------------------------------------------------- characters */

/* The digit a character reads as (0..9) and its kind (DG_* bit, 0 for ASCII), or -1. */
static int digit_of(uint32_t c, uint16_t *kind)
{
	*kind = 0;
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	*kind = DG_CIRCLED;
	if (c >= 0x2460 && c <= 0x2468) return (int)(c - 0x2460 + 1);
	if (c == 0x24EA || c == 0x24FF || c == 0x1F100 || c == 0x1F101) return 0;
	if (c >= 0x2474 && c <= 0x247C) return (int)(c - 0x2474 + 1);
	if (c >= 0x2488 && c <= 0x2490) return (int)(c - 0x2488 + 1);
	if (c >= 0x24F5 && c <= 0x24FD) return (int)(c - 0x24F5 + 1);
	if (c >= 0x2776 && c <= 0x277E) return (int)(c - 0x2776 + 1);
	if (c >= 0x2780 && c <= 0x2788) return (int)(c - 0x2780 + 1);
	if (c >= 0x278A && c <= 0x2792) return (int)(c - 0x278A + 1);
	if (c >= 0x1D7CE && c <= 0x1D7FF) return (int)((c - 0x1D7CE) % 10);
	if (c >= 0x1F102 && c <= 0x1F10A) return (int)(c - 0x1F102 + 1);
	*kind = DG_CN_NUMERALS;
	switch (c) {
	case 0x3007: case 0x96F6: return 0;          /* 〇 零 */
	case 0x4E00: case 0x58F9: case 0x5F0C: return 1; /* 一 壹 弌 */
	case 0x4E8C: case 0x8D30: case 0x8CB3: return 2; /* 二 贰 貳 */
	case 0x4E09: case 0x53C1: case 0x53C3: return 3; /* 三 叁 參 */
	case 0x56DB: case 0x8086: return 4;           /* 四 肆 */
	case 0x4E94: case 0x4F0D: return 5;           /* 五 伍 */
	case 0x516D: case 0x9646: case 0x9678: return 6; /* 六 陆 陸 */
	case 0x4E03: case 0x67D2: return 7;           /* 七 柒 */
	case 0x516B: case 0x634C: return 8;           /* 八 捌 */
	case 0x4E5D: case 0x7396: return 9;           /* 九 玖 */
	default: break;
	}
	*kind = DG_SPOKEN;
	switch (c) {
	case 0x6D1E: return 0;                        /* 洞 */
	case 0x5E7A: case 0x8170: return 1;           /* 幺 腰 */
	case 0x4E24: case 0x5169: return 2;           /* 两 兩 */
	case 0x62D0: return 7;                        /* 拐 */
	case 0x52FE: return 9;                        /* 勾 */
	default: break;
	}
	*kind = 0;
	return -1;
}

/* Emoji and pictographs people put between characters. */
static int is_emoji(uint32_t c)
{
	return (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF) ||
	       (c >= 0x2B00 && c <= 0x2BFF) || (c >= 0x2190 && c <= 0x21FF) ||
	       (c >= 0x25A0 && c <= 0x25FF) || c == 0x2764 || c == 0x3297 || c == 0x3299;
}

/* Invisible inside a chain (variation selectors, keycap, joiners left over). */
static int is_ignorable(uint32_t c)
{
	return c == 0xFE0F || c == 0xFE0E || c == 0x20E3 || (c >= 0x200B && c <= 0x200F) ||
	       (c >= 0x2060 && c <= 0x2064) || c == 0x180E || c == 0x034F ||
	       (c >= 0x1F3FB && c <= 0x1F3FF);
}

/* Separators written between the digits of one number. usual: the ones
 * people group numbers with anyway (blank, '-', '.'). */
static int is_digit_sep(uint32_t c, int *usual)
{
	*usual = c == ' ' || c == '-' || c == '.' || c == '\t';
	if (*usual)
		return 1;
	return c == 0xB7 || c == 0x2022 || c == '/' || c == '_' || c == '~' || c == '|' ||
	       c == 0x4E28 || c == '+' || c == ',' || c == '\n' || c == 0x2219 || c == 0x30FB ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000 ||
	       c == 0xA0 || c == 0x2027 || c == 0x00A6 || c == 0xFF5C || c == 0x3001 || c == ':' ||
	       c == ';' || c == '=' || c == '^' || c == 0x2026;
}

static int is_cjk(uint32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

/* ---------------------------------------------------------------- digit chains */

#define DG_MAX_DIGITS 19
#define DG_MAX_GAP 12      /* bytes of one gap */

typedef struct {
	size_t a, b;        /* input bytes of the digit character (plus ignorables) */
	char d;
	uint16_t kind;
} dg_dig_t;

/* A gap between two digits at i: its end, and whether it holds a usual
 * separator only / an emoji / a line break. Returns i when there is none. */
static size_t gap_at(const textmap_t *m, size_t i, int *usual, int *emoji, int *nl)
{
	size_t q = i, chars = 0;
	*usual = 1;
	*emoji = 0;
	*nl = 0;
	while (q < m->len && q - i < DG_MAX_GAP && chars < 4) {
		size_t adv;
		uint32_t c = cp_at(m, q, &adv);
		int u;
		if (is_ignorable(c)) {
			q += adv;
			continue;
		}
		if (is_emoji(c)) {
			*emoji = 1;
			*usual = 0;
		} else if (is_digit_sep(c, &u)) {
			if (!u)
				*usual = 0;
			if (c == '\n')
				*nl = 1;
		} else {
			break;
		}
		q += adv;
		chars++;
	}
	return q;
}

static int valid_joined(const char *d, size_t n)
{
	if (n == 11)
		return dt_valid_mobile(d, n);
	if (n == 18 || (n == 17))
		return 1;
	if (n == 15)
		return dt_valid_resident_id(d, n, dt_today());
	if (n >= 16 && n <= 19)
		return dt_valid_bank_card(d, n);
	return 0;
}

/* The digit chain starting at input byte i (a digit-like character): emits it
 * (joined when it reads as one number) and returns where to go on. */
static size_t dg_chain(dg_t *g, size_t i)
{
	const textmap_t *m = g->in;
	dg_dig_t dv[DG_MAX_DIGITS + 2];
	size_t nd = 0, ngaps = 0, singles = 0, grp = 0, maxgrp = 0, ngroups = 1;
	size_t nonascii = 0, spoken = 0, keycaps = 0;
	int all_usual = 1, any_emoji = 0, any_nl = 0, any_space_only = 1;
	char gap0[DG_MAX_GAP + 1];
	size_t gap0n = 0;
	int consistent = 1;
	size_t q = i, last_end = i;
	for (;;) {
		size_t adv;
		uint32_t c = cp_at(m, q, &adv);
		uint16_t kind;
		int v = adv ? digit_of(c, &kind) : -1;
		if (v < 0 || nd > DG_MAX_DIGITS)
			break;
		size_t b = q + adv;
		for (;;) {  /* keycap and variation selectors belong to the digit */
			size_t a2;
			uint32_t c2 = cp_at(m, b, &a2);
			if (!a2 || !is_ignorable(c2))
				break;
			b += a2;
		}
		if (b > q + adv && !kind) {
			kind = DG_CIRCLED;  /* 1️⃣: a keycap, or a digit with a variation selector */
			keycaps++;
		}
		dv[nd++] = (dg_dig_t){q, b, (char)('0' + v), kind};
		if (kind)
			nonascii++;
		if (kind == DG_SPOKEN)
			spoken++;
		grp++;
		last_end = b;
		int u, e, nl;
		size_t ge = gap_at(m, b, &u, &e, &nl);
		size_t a3;
		uint16_t k3;
		uint32_t nc = cp_at(m, ge, &a3);
		if (ge > b && a3 && digit_of(nc, &k3) >= 0) {
			/* a gap then another digit */
			size_t gl = ge - b;
			if (!ngaps) {
				memcpy(gap0, m->text + b, gl);
				gap0n = gl;
			} else if (gl != gap0n || memcmp(gap0, m->text + b, gl)) {
				consistent = 0;
			}
			if (!consistent)
				break;
			for (size_t k = b; k < ge; k++)
				if (m->text[k] != ' ')
					any_space_only = 0;
			ngaps++;
			all_usual &= u;
			any_emoji |= e;
			any_nl |= nl;
			if (grp == 1)
				singles++;
			if (grp > maxgrp)
				maxgrp = grp;
			grp = 0;
			ngroups++;
			q = ge;
			continue;
		}
		if (ge == b && a3 && digit_of(nc, &k3) >= 0) {
			q = b;  /* the next digit right after this one */
			continue;
		}
		break;
	}
	if (grp == 1 && ngaps)
		singles++;
	if (grp > maxgrp)
		maxgrp = grp;
	(void)any_space_only;
	char d[DG_MAX_DIGITS + 3];
	size_t n = nd < DG_MAX_DIGITS + 1 ? nd : DG_MAX_DIGITS + 1;
	for (size_t k = 0; k < n; k++)
		d[k] = dv[k].d;
	d[n] = 0;
	int join = 0;
	uint16_t bits = 0;
	if (nd <= DG_MAX_DIGITS && nd >= 5) {
		if (nonascii && nonascii == keycaps + (nd - nonascii) && keycaps) {
			join = 1;  /* ASCII digits dressed as keycaps */
			if (ngaps)
				bits |= all_usual ? 0 : (any_emoji ? DG_EMOJI : DG_SEPARATORS);
		} else if (nonascii) {
			/* Chinese or spoken numerals: a run long enough to be a number, not
			 * 一二 or 两三 in a sentence (and not spoken readings alone) */
			join = nd >= 7 && (nonascii >= 3 || nd - nonascii >= 4) && spoken < nd;
			if (join && ngaps && !all_usual)
				bits |= DG_SEPARATORS;
		} else if (ngaps) {
			/* blanks, '-' and '.' group numbers anyway (the scanner reads
			 * 138 0013 8000 and rejects 1-866-673-6996 and 199.232.28.133
			 * itself): joined only between every digit (1-8-5-0…); a line
			 * break (175<br>0488<br>6598) when the whole reads as one
			 * identifier with its check */
			if (any_nl)
				join = (nd >= 7 && singles * 2 >= ngroups) || (ngaps >= 2 && valid_joined(d, nd));
			else if (all_usual)
				join = nd >= 7 && singles * 2 >= ngroups;
			else
				join = nd >= 7 && ngaps >= 1 && (maxgrp <= 8 || any_emoji) &&
				       (ngaps >= 2 || valid_joined(d, nd));
			if (join)
				bits |= any_emoji ? DG_EMOJI : DG_SEPARATORS;
			if (join && any_nl)
				bits |= DG_SPLIT_MARKUP;
		}
	}
	if (!join) {
		/* as written, the whole chain (never joined from its middle) */
		copy_sync(g, i, last_end > i ? last_end : i + 1);
		return last_end > i ? last_end : i + 1;
	}
	for (size_t k = 0; k < nd; k++) {
		size_t a = dv[k].a, b = dv[k].b;
		mark(g, a, b);
		put(g, &dv[k].d, 1, a, b, (uint16_t)(bits | dv[k].kind));
		if (k + 1 < nd)
			mark(g, b, dv[k + 1].a);  /* the gap: after this digit */
	}
	/* an ID's check character after 17 digits */
	if (nd == 17) {
		int u, e, nl;
		size_t ge = gap_at(m, last_end, &u, &e, &nl);
		size_t adv;
		uint32_t c = cp_at(m, ge, &adv);
		if (adv && (c == 'X' || c == 'x' || c == 0x53C9 /* 叉 */)) {
			mark(g, last_end, ge + adv);
			put(g, "X", 1, ge, ge + adv, bits);
			return ge + adv;
		}
	}
	return last_end;
}

/* ---------------------------------------------------------------- fillers between characters */

/* A filler run at i (emoji, or one of · 丶 • * ❤ ★ and blanks): its end, or i. */
static size_t filler_at(const textmap_t *m, size_t i, int *emoji)
{
	size_t q = i, chars = 0;
	*emoji = 0;
	while (q < m->len && chars < 4) {
		size_t adv;
		uint32_t c = cp_at(m, q, &adv);
		if (is_ignorable(c)) {
			q += adv;
			continue;
		}
		if (is_emoji(c))
			*emoji = 1;
		else if (!(c == 0xB7 || c == 0x4E36 || c == 0x2022 || c == 0x3001 || c == ' ' ||
		           c == 0x30FB || c == 0x2027 || c == '~' || c == '_' || c == '-' || c == '.' ||
		           c == '/' || c == '|' || c == '^' || c == 0x2219))
			break;
		q += adv;
		chars++;
	}
	return q;
}

/* At a CJK character at i (length adv): 身❤份❤证, 张·子·轩 — single
 * characters alternating with the same filler. Emits the characters without
 * the fillers and returns where to go on, or 0 when this is no such chain. */
static size_t dg_fillers(dg_t *g, size_t i, size_t adv)
{
	const textmap_t *m = g->in;
	size_t pos[16], len[16], k = 0;
	pos[0] = i;
	len[0] = adv;
	k = 1;
	int emoji_any = 0;
	char f0[32];
	size_t f0n = 0;
	size_t q = i + adv;
	while (k < 16) {
		int em;
		size_t fe = filler_at(m, q, &em);
		if (fe == q || fe - q > sizeof f0)
			break;
		size_t a2;
		uint32_t c2 = cp_at(m, fe, &a2);
		if (!a2 || !is_cjk(c2))
			break;
		if (k == 1) {
			memcpy(f0, m->text + q, fe - q);
			f0n = fe - q;
		} else if (fe - q != f0n || memcmp(f0, m->text + q, f0n)) {
			break;
		}
		emoji_any |= em;
		pos[k] = fe;
		len[k] = a2;
		k++;
		q = fe + a2;
		/* the next filler must follow a single character */
	}
	if (k < 2)
		return 0;
	/* a blank-or-dot filler needs at least three single characters, every
	 * part one character (约翰·史密斯 is a name written properly) */
	if (!emoji_any) {
		size_t a3;
		uint32_t c3 = cp_at(m, q, &a3);
		int runs_on = a3 && is_cjk(c3);
		/* 陈·丽 (two parts) when nothing follows; not 约翰·史密斯 */
		if (k == 2 && (runs_on || f0[0] == ' '))
			return 0;
		if (k >= 3 && runs_on)
			k--;  /* the last part runs on: 张·子轩 style, keep to the parts before */
		if (k < 2)
			return 0;
	}
	for (size_t j = 0; j < k; j++) {
		mark(g, pos[j], pos[j] + len[j]);
		put(g, m->text + pos[j], len[j], pos[j], pos[j] + len[j],
		    emoji_any ? DG_EMOJI : DG_SEPARATORS);
		if (j + 1 < k)
			mark(g, pos[j] + len[j], pos[j + 1]);
	}
	/* the map of a multi-byte character is whole per byte; fine-grained o2n is not needed */
	return pos[k - 1] + len[k - 1];
}

/* ---------------------------------------------------------------- spelled-out e-mail */

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int lc_is(const textmap_t *m, size_t i, const char *w)
{
	size_t n = strlen(w);
	if (i + n > m->len)
		return 0;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)m->text[i + k];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c | 0x20);
		if (c != (unsigned char)w[k])
			return 0;
	}
	return 1;
}

/* An "at" or "dot" written out at i: its end, or i. */
static size_t spelled(const textmap_t *m, size_t i, int at)
{
	size_t q = i;
	while (q < m->len && m->text[q] == ' ')
		q++;
	int blank_before = q > i;
	static const char *const at_w[] = {"(at)", "[at]", "{at}", "<at>", "#", "@", "\xE8\x89\xBE\xE7\x89\xB9", "at"};
	static const char *const dot_w[] = {"(dot)", "[dot]", "{dot}", "<dot>", ".", "\xE7\x82\xB9", "\xE3\x80\x82", "dot"};
	const char *const *w = at ? at_w : dot_w;
	for (int k = 0; k < 8; k++) {
		size_t n = strlen(w[k]);
		if (!lc_is(m, q, w[k]))
			continue;
		size_t e = q + n;
		int word = is_alnum((unsigned char)w[k][0]);
		size_t z = e;
		while (z < m->len && m->text[z] == ' ')
			z++;
		if (word && (!blank_before || z == e))
			continue;  /* "at" / "dot" only as a word of its own */
		return z;
	}
	return i;
}

static size_t label_end(const textmap_t *m, size_t i)
{
	size_t q = i;
	while (q < m->len && q - i < 63 && (is_alnum((unsigned char)m->text[q]) || m->text[q] == '-'))
		q++;
	return q;
}

/* At an ASCII word start i: local (at) domain (dot) tld written out. Emits
 * the address as local@domain.tld and returns where to go on, or 0. */
static size_t dg_email(dg_t *g, size_t i)
{
	const textmap_t *m = g->in;
	size_t q = i;
	while (q < m->len && q - i < 64 &&
	       (is_alnum((unsigned char)m->text[q]) || m->text[q] == '.' || m->text[q] == '_' ||
	        m->text[q] == '-' || m->text[q] == '+'))
		q++;
	while (q > i && m->text[q - 1] == '.')
		q--;
	if (q == i)
		return 0;
	size_t le = q;
	size_t ae = spelled(m, le, 1);
	if (ae == le)
		return 0;
	int plain_at = m->text[le] == '@' && ae == le + 1;
	size_t labs[8], labe[8], dots[8], dote[8], nl = 0;
	size_t p = ae;
	int plain = plain_at;
	for (;;) {
		size_t e = label_end(m, p);
		if (e == p || nl == 8)
			break;
		labs[nl] = p;
		labe[nl] = e;
		nl++;
		size_t de = spelled(m, e, 0);
		if (de == e)
			break;
		size_t e2 = label_end(m, de);
		if (e2 == de)
			break;
		dots[nl - 1] = e;
		dote[nl - 1] = de;
		if (!(m->text[e] == '.' && de == e + 1))
			plain = 0;
		p = de;
	}
	if (nl < 2 || plain)
		return 0;
	/* the last label is a top-level domain: letters only, 2-6 */
	size_t tl = labe[nl - 1] - labs[nl - 1];
	if (tl < 2 || tl > 6)
		return 0;
	for (size_t k = labs[nl - 1]; k < labe[nl - 1]; k++)
		if (!((m->text[k] | 0x20) >= 'a' && (m->text[k] | 0x20) <= 'z'))
			return 0;
	size_t end = labe[nl - 1];
	if (end < m->len && (is_alnum((unsigned char)m->text[end]) || m->text[end] == '_'))
		return 0;
	if (materialize(g))
		return 0;
	size_t base0 = g->out->len;
	copy(g, i, le);
	for (size_t z = base0; z < g->out->len && !g->oom; z++)
		g->dis[z] = DG_EMAIL;
	mark(g, le, ae);
	put(g, "@", 1, le, ae, DG_EMAIL);
	for (size_t k = 0; k < nl; k++) {
		size_t base = g->out->len;
		copy(g, labs[k], labe[k]);
		for (size_t z = base; z < g->out->len && !g->oom; z++)
			g->dis[z] = DG_EMAIL;
		if (k + 1 < nl) {
			mark(g, dots[k], dote[k]);
			put(g, ".", 1, dots[k], dote[k], DG_EMAIL);
		}
	}
	return end;
}

/* ---------------------------------------------------------------- driver */

/* The last character of an address part: 省 市 区 區 县 縣 镇 鎮 乡 鄉 路 街 道 段. */
static int addr_unit(uint32_t c)
{
	return c == 0x7701 || c == 0x5E02 || c == 0x533A || c == 0x5340 || c == 0x53BF ||
	       c == 0x7E23 || c == 0x9547 || c == 0x93AE || c == 0x4E61 || c == 0x9109 ||
	       c == 0x8DEF || c == 0x8857 || c == 0x9053 || c == 0x6BB5;
}

static int fix_segments(dg_t *g)
{
	const textmap_t *m = g->in;
	textmap_t *o = g->out;
	o->seg = calloc(m->nseg ? m->nseg : 1, sizeof *o->seg);
	if (!o->seg)
		return ARC_ENOMEM;
	size_t k = 0;
	for (size_t s = 0; s < m->nseg; s++) {
		size_t a = g->bout[2 * s], b = g->bout[2 * s + 1];
		if (k > 0 && (a == 0 || o->text[a - 1] != '\n') && o->seg[k - 1].text_end <= a) {
			/* its separator was joined into a number: one segment with the one before */
			o->seg[k - 1].text_end = b;
			continue;
		}
		o->seg[k].text_start = a;
		o->seg[k].text_end = b;
		o->seg[k].xpath = strdup(m->seg[s].xpath ? m->seg[s].xpath : "");
		if (!o->seg[k].xpath)
			return ARC_ENOMEM;
		k++;
		o->nseg = k;
	}
	return 0;
}

int dg_normalize(const textmap_t *in, textmap_t *out, uint16_t **dis)
{
	memset(out, 0, sizeof *out);
	*dis = NULL;
	dg_t g = {in, out, NULL, 0, NULL, NULL, 2 * in->nseg, 0, 1, 0};
	g.bnd = malloc((g.nb + 1) * sizeof *g.bnd);
	g.bout = malloc((g.nb + 1) * sizeof *g.bout);
	for (size_t s = 0; g.bnd && s < in->nseg; s++) {
		g.bnd[2 * s] = in->seg[s].text_start;
		g.bnd[2 * s + 1] = in->seg[s].text_end;
	}
	if (!g.bnd || !g.bout) {
		free(g.bnd);
		free(g.bout);
		textmap_free(out);
		free(g.dis);
		return ARC_ENOMEM;
	}
	const char *t = in->text;
	size_t i = 0;
	while (i < in->len && !g.oom) {
		sync(&g, i);
		unsigned char c = (unsigned char)t[i];
		if (c < 0x80 && !is_alnum(c)) {
			size_t e = i + 1;
			while (e < in->len && (unsigned char)t[e] < 0x80 && !is_alnum((unsigned char)t[e]) &&
			       (g.bi >= g.nb || g.bnd[g.bi] > e))
				e++;
			copy(&g, i, e);
			i = e;
			continue;
		}
		if (c < 0x80 && is_alnum(c) && !(c >= '0' && c <= '9')) {
			/* an ASCII word: maybe a spelled-out e-mail; else copy the word */
			if (i == 0 || !(is_alnum((unsigned char)t[i - 1]) || t[i - 1] == '.' || t[i - 1] == '_' ||
			                t[i - 1] == '-')) {
				size_t e = dg_email(&g, i);
				if (e) {
					i = e;
					continue;
				}
			}
			size_t e = i;
			while (e < in->len && is_alnum((unsigned char)t[e]))
				e++;
			copy(&g, i, e);
			i = e;
			continue;
		}
		size_t adv;
		uint32_t cp = dt_utf8_at(t, in->len, i, &adv);
		uint16_t kind;
		if (digit_of(cp, &kind) >= 0) {
			i = dg_chain(&g, i);
			continue;
		}
		if (is_cjk(cp)) {
			/* 湖北省　武漢市　洪山區: an ideographic space (folded to ' ' by
			 * the text map, 2+ source bytes) after an address unit */
			if (i + adv + 1 < in->len && t[i + adv] == ' ' &&
			    in->src_end[i + adv] - in->src_start[i + adv] >= 2 && addr_unit(cp)) {
				size_t a2;
				uint32_t c2 = dt_utf8_at(t, in->len, i + adv + 1, &a2);
				if (is_cjk(c2) && !materialize(&g)) {
					copy(&g, i, i + adv);
					mark(&g, i + adv, i + adv + 1);
					g.dis[g.out->len - 1] |= DG_SEPARATORS;
					i += adv + 1;
					continue;
				}
			}
			size_t e = dg_fillers(&g, i, adv);
			if (e) {
				i = e;
				continue;
			}
		}
		copy(&g, i, i + adv);
		i += adv;
	}
	if (g.lazy && !g.oom) {
		/* nothing was disguised: the caller keeps reading in */
		free(g.bnd);
		free(g.bout);
		memset(out, 0, sizeof *out);
		return 1;
	}
	if (!g.oom) {
		sync(&g, in->len);
		out->text[out->len] = '\0';
	}
	int rc = g.oom ? ARC_ENOMEM : fix_segments(&g);
	free(g.bnd);
	free(g.bout);
	if (rc) {
		textmap_free(out);
		free(g.dis);
		return rc;
	}
	memcpy(out->charset, in->charset, sizeof out->charset);
	memcpy(out->kind, in->kind, sizeof out->kind);
	out->src_len = in->src_len;
	*dis = g.dis;
	return 0;
}

static const struct {
	uint16_t bit;
	const char *name;
} dg_names[] = {
	{DG_CN_NUMERALS, "cn_numerals"}, {DG_SPOKEN, "spoken_digits"}, {DG_CIRCLED, "circled_digits"},
	{DG_FULLWIDTH, "fullwidth"}, {DG_SEPARATORS, "separators"}, {DG_EMOJI, "emoji"},
	{DG_ZERO_WIDTH, "zero_width"}, {DG_SPLIT_MARKUP, "split_markup"},
	{DG_HIDDEN, "hidden_markup"}, {DG_ALIAS, "alias"}, {DG_EMAIL, "obfuscated_email"},
};

size_t dg_names_of(uint16_t bits, char *out, size_t outsz)
{
	size_t o = 0;
	if (outsz)
		out[0] = 0;
	for (size_t k = 0; k < sizeof dg_names / sizeof dg_names[0]; k++) {
		if (!(bits & dg_names[k].bit))
			continue;
		size_t l = strlen(dg_names[k].name);
		if (o + l + 2 > outsz)
			break;
		if (o)
			out[o++] = ',';
		memcpy(out + o, dg_names[k].name, l);
		o += l;
		out[o] = 0;
	}
	return o;
}
