/*
 * signal.c — how strongly a short text (a link's anchor text, title or alt)
 * points at doxing, for the crawl's --focus ordering.
 *
 * It asks the loaded rules (dt_rules_match in rules.c, the same trie the
 * scanner uses) for dox keywords at each character of the text; ambiguous
 * ones (开盒) are judged as the scanner judges them (nothing inside 开盒发现,
 * strong alone or beside a dox context word, weak otherwise); no finding
 * is made and nothing is recorded: this only ranks links. Full-width ASCII
 * is folded first, as textmap.c does for pages.
 *
 * Must never read past len, allocate, or keep state between calls (it runs
 * on the crawl's worker threads).
 */
#include <stdint.h>
#include <string.h>

#include "detect_int.h"

/* Anchor texts are short; a longer text is judged on its start. */
#define SIGNAL_MAX_TEXT 1024

static int cjk_at(const char *t, size_t n, size_t i)
{
	size_t adv;
	uint32_t cp = i < n ? dt_utf8_at(t, n, i, &adv) : 0;
	return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

/* An ambiguous keyword (开盒, 人肉) at [s,e) of a short text, as the scanner
 * judges it: 0 inside an ordinary word ([dox_not]: 开盒发现), 1.0 set off on
 * both sides or with a [dox_context] word anywhere in the text, else 0.5. */
static double ambiguous(const detect_rules_t *r, const char *t, size_t n, size_t s, size_t e)
{
	size_t b = s;
	for (int k = 0; k < 4; k++) {
		size_t w = dt_rules_lex(r, t, n, b, DL_DOX_NOT);
		if (w && b + w > s && (b < s || w > e - s))
			return 0.0;
		if (b == 0)
			break;
		b--;
		while (b > 0 && ((unsigned char)t[b] & 0xC0) == 0x80)
			b--;
	}
	size_t p = s ? s - 1 : 0;  /* the character before the keyword */
	while (p > 0 && ((unsigned char)t[p] & 0xC0) == 0x80)
		p--;
	if ((s == 0 || !cjk_at(t, n, p)) && !cjk_at(t, n, e))
		return 1.0;
	for (size_t q = 0; q < n; q++)
		if ((q < s || q >= e) && ((unsigned char)t[q] & 0xC0) != 0x80 && dt_rules_lex(r, t, n, q, DL_DOX_CTX))
			return 1.0;
	return 0.5;
}

double detect_text_signal(const detect_rules_t *rules, const char *utf8, size_t len)
{
	if (!rules || !utf8 || !len)
		return 0.0;
	char t[SIGNAL_MAX_TEXT];
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		size_t adv;
		uint32_t cp = dt_utf8_at(utf8, len, i, &adv);
		if (cp >= 0xFF01 && cp <= 0xFF5E) { /* full-width ASCII */
			if (n + 1 > sizeof t)
				break;
			t[n++] = (char)(cp - 0xFF01 + 0x21);
		} else if (cp == 0x3000) { /* ideographic space */
			if (n + 1 > sizeof t)
				break;
			t[n++] = ' ';
		} else {
			if (n + adv > sizeof t)
				break;
			memcpy(t + n, utf8 + i, adv);
			n += adv;
		}
		i += adv;
	}
	double best = 0.0;
	for (size_t i = 0; i < n;) {
		uint32_t cats = 0;
		size_t L = dt_rules_match(rules, t, n, i, DR_DOX_ANY, &cats);
		if (L) {
			if (cats & DR_BIT(DR_DOX))
				return 1.0;
			if (cats & DR_BIT(DR_DOX_AMB)) {
				double a = ambiguous(rules, t, n, i, i + L);
				if (a == 1.0)
					return 1.0;
				if (a > best)
					best = a;
			} else if (cats & DR_BIT(DR_DOX_WEAK)) {
				best = 0.5;
			}
			i += L;
			continue;
		}
		i++;
		while (i < n && ((unsigned char)t[i] & 0xC0) == 0x80)
			i++; /* next character */
	}
	return best;
}
