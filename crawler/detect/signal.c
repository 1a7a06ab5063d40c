/*
 * signal.c — how strongly a short text (a link's anchor text, title or alt)
 * points at doxing, for the crawl's --focus ordering.
 *
 * It asks the loaded rules (dt_rules_match in rules.c, the same trie the
 * scanner uses) for dox keywords at each character of the text; no finding
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
			if (cats & DR_BIT(DR_DOX_WEAK))
				best = 0.5;
			i += L;
			continue;
		}
		i++;
		while (i < n && ((unsigned char)t[i] & 0xC0) == 0x80)
			i++; /* next character */
	}
	return best;
}
