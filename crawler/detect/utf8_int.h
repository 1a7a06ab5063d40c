/*
 * utf8_int.h — the detector's one UTF-8 decoder (and encoder), private to
 * crawler/detect/. Every module that walks UTF-8 text (charset decoding, the
 * tokenizers, the scanner, the rules, findings' text) uses these, so "what is
 * a valid character" has a single answer: shortest form, no surrogates,
 * nothing above U+10FFFF.
 *
 * Must never: read past n, or accept an overlong or surrogate sequence.
 */
#ifndef CUSTODY_UTF8_INT_H
#define CUSTODY_UTF8_INT_H

#include <stddef.h>
#include <stdint.h>

/* One UTF-8 character at p[0,n): its length (1..4) and *cp, or 0 when the
 * bytes are not a valid, shortest-form, non-surrogate sequence. */
static inline size_t u8_dec(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xC2)
		return 0;
	if (c < 0xE0) {
		if (n < 2 || (p[1] & 0xC0) != 0x80)
			return 0;
		*cp = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
		return 2;
	}
	if (c < 0xF0) {
		if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
			return 0;
		*cp = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
		return 3;
	}
	if (c < 0xF5) {
		if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
			return 0;
		*cp = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
		return 4;
	}
	return 0;
}

/* UTF-8 bytes of cp (<= 0x10FFFF, not a surrogate) into out[4]; returns 1..4. */
static inline size_t u8_enc(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The character at s[i] (i < n): its code point and *adv its length, or
 * U+FFFD with *adv = 1 for a byte that does not start a valid sequence. */
static inline uint32_t dt_utf8_at(const char *s, size_t n, size_t i, size_t *adv)
{
	uint32_t cp;
	size_t k = u8_dec((const unsigned char *)s + i, n - i, &cp);
	if (!k) {
		*adv = 1;
		return 0xFFFD;
	}
	*adv = k;
	return cp;
}

#endif
