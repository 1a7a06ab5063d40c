/*
 * js_text.c — the data an inline <script> carries, for the text map:
 * server-rendered state (window.__INITIAL_STATE__ = {...}) and string
 * literals, which is where single-page sites put the profile a doxing page
 * shows. Called by html_text.c for scripts whose type is JavaScript.
 *
 * A small lexer, one forward pass: comments, string and template literals,
 * regular-expression literals (by the previous token, as a lexer must
 * guess), identifiers and numbers skipped. An object or array literal after
 * '=', '(', ',', ':' or at the start that parses as JSON goes through
 * json_text.c (segments "<script path>/$.user.qq", so keys lend context);
 * otherwise its string literals are read like the rest. Every string literal
 * of 5 bytes or more is a segment of its own (escapes decoded, each character
 * mapped to its escape); a string right before ':' is a property key and
 * becomes the path step of the literal that follows ("<script path>/$.qq"),
 * the same way a JSON key does. Numbers, identifiers and code are never text:
 * "var n=12;" yields nothing.
 *
 * Must never: read past the script body, recurse, or spend more than
 * TM_MAX_SCRIPT_TEXT bytes of a page on scripts (the rest is skipped).
 */
#include <stdlib.h>
#include <string.h>

#include "textmap_int.h"

#define JS_MIN_STRING 5   /* bytes of a literal as written: shorter ones hold no identifier */
#define JS_MAX_KEY    64  /* bytes of a property key kept for the path */

static int js_ident(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

static int js_ws(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int hexv(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/* nd hex digits at d[i,e) as a number, or -1. */
static long hexn(const unsigned char *d, size_t i, size_t e, int nd)
{
	long v = 0;
	if (e - i < (size_t)nd)
		return -1;
	for (int k = 0; k < nd; k++) {
		int h = hexv(d[i + k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Where a quoted literal opened at d[q] ends (index of the closing quote,
 * or of the line end / e for an unterminated one). */
static size_t string_end(const unsigned char *d, size_t q, size_t e)
{
	unsigned char quote = d[q];
	size_t i = q + 1;
	while (i < e && d[i] != quote) {
		if (d[i] == '\\')
			i++;
		else if (quote != '`' && (d[i] == '\n' || d[i] == '\r'))
			break;
		i++;
	}
	return i < e ? i : e;
}

/* A property key usable as a path step: letters, digits, '_', '-', and
 * valid UTF-8 beyond ASCII (so the path stays valid UTF-8 and its last step
 * is the key for detect.c). */
static int key_ok(const unsigned char *k, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		if (k[i] >= 0x80) {
			size_t l = u8_dec(k + i, n - i, &cp);
			if (!l)
				return 0;
			i += l;
			continue;
		}
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '-'))
			return 0;
		i++;
	}
	return 1;
}

/* The next segment gets a copy of xpath x. */
static int next_xpath(tm_builder_t *b, const char *x)
{
	char *c = strdup(x);
	if (!c) {
		b->oom = 1;
		return -1;
	}
	tm_set_next_xpath(b, c);
	return 0;
}

/* Emit the literal body d[a,z) with escapes decoded, as a segment with
 * xpath x. In a template, ${...} parts are code: they end the text before
 * them, and the text after is a segment of its own. */
static void emit_string(tm_builder_t *b, size_t a, size_t z, unsigned char quote, size_t sep,
                        const char *x)
{
	if (next_xpath(b, x))
		return;
	const unsigned char *d = b->src->d;
	size_t i = a, run = a;
	while (i < z && !b->oom) {
		if (quote == '`' && d[i] == '$' && i + 1 < z && d[i + 1] == '{') {
			tm_emit_run(b, run, i, TM_TEXT_JSON);
			size_t k = i + 2;
			while (k < z && d[k] != '}')
				k++;
			tm_sep(b, i);
			if (next_xpath(b, x))
				return;
			i = run = k < z ? k + 1 : z;
			continue;
		}
		if (d[i] != '\\') {
			i++;
			continue;
		}
		tm_emit_run(b, run, i, TM_TEXT_JSON);
		if (i + 1 >= z) {
			i = run = z;
			break;
		}
		unsigned c = d[i + 1];
		size_t k = i + 2;
		long cp = -1;
		switch (c) {
		case 'n': case 'r': case 't': case 'f': case 'v': case 'b':
			cp = ' ';
			break;
		case '0':
			cp = 0;  /* dropped by the builder */
			break;
		case 'x':
			cp = hexn(d, k, z, 2);
			if (cp >= 0)
				k += 2;
			break;
		case 'u':
			if (k < z && d[k] == '{') {
				size_t m = k + 1;
				long v = 0;
				while (m < z && m - k <= 7 && hexv(d[m]) >= 0)
					v = v * 16 + hexv(d[m++]);
				if (m < z && d[m] == '}' && m > k + 1 && v <= 0x10FFFF) {
					cp = v;
					k = m + 1;
				}
			} else {
				cp = hexn(d, k, z, 4);
				if (cp >= 0) {
					k += 4;
					/* a surrogate pair written as two escapes is one character */
					if (cp >= 0xD800 && cp <= 0xDBFF && k + 6 <= z && d[k] == '\\' &&
					    d[k + 1] == 'u') {
						long lo = hexn(d, k + 2, z, 4);
						if (lo >= 0xDC00 && lo <= 0xDFFF) {
							cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
							k += 6;
						}
					}
				}
			}
			break;
		case '\n':
			cp = -2;  /* line continuation: nothing */
			break;
		case '\r':
			cp = -2;
			if (k < z && d[k] == '\n')
				k++;
			break;
		default:
			if (c < 0x80)
				cp = c;  /* \' \" \\ \/ and the like: the character itself */
			break;
		}
		if (cp >= 0)
			tm_emit_cp(b, (uint32_t)cp, i, k, TM_TEXT_JSON);
		else if (cp == -1)
			k = i + 1;  /* not an escape we know: the backslash is dropped, the rest is text */
		i = run = k;
	}
	tm_emit_run(b, run, z, TM_TEXT_JSON);
	tm_sep(b, sep);
}

/* The end (index after the closer) of the bracketed literal opened at d[i],
 * counting only brackets outside double-quoted strings (JSON's only kind),
 * or 0 when it does not close before e. */
static size_t literal_end(const unsigned char *d, size_t i, size_t e)
{
	size_t depth = 0;
	for (; i < e; i++) {
		unsigned c = d[i];
		if (c == '"') {
			i = string_end(d, i, e);
			if (i >= e || d[i] != '"')
				return 0;
		} else if (c == '{' || c == '[') {
			if (++depth > TM_MAX_DEPTH)
				return 0;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return 0;
}

void tm_js(tm_builder_t *b, size_t a, size_t e, const char *xpath, const char *json_prefix)
{
	const unsigned char *d = b->src->d;
	unsigned prev = 0;          /* last significant character; 0: start of the script */
	size_t no_json_until = a;   /* inside a literal that was not JSON: no retry */
	char key[JS_MAX_KEY + 1];
	size_t keylen = 0;
	int key_live = 0;           /* key names the value that comes next */
	size_t i = a;
	while (i < e && !b->oom && b->script_bytes < TM_MAX_SCRIPT_TEXT) {
		unsigned c = d[i];
		if (js_ws(c)) {
			i++;
			continue;
		}
		if (c == '/' && i + 1 < e && d[i + 1] == '/') {
			while (i < e && d[i] != '\n')
				i++;
			continue;
		}
		if (c == '/' && i + 1 < e && d[i + 1] == '*') {
			i += 2;
			while (i + 1 < e && !(d[i] == '*' && d[i + 1] == '/'))
				i++;
			i = i + 2 < e ? i + 2 : e;
			continue;
		}
		if (c == '/' && (prev == 0 || strchr("(,=:[!&|?{};+-*%<>~^", (int)prev))) {
			/* a regular expression literal: skip it, classes and escapes included */
			int cls = 0;
			for (i++; i < e && d[i] != '\n'; i++) {
				if (d[i] == '\\')
					i++;
				else if (d[i] == '[')
					cls = 1;
				else if (d[i] == ']')
					cls = 0;
				else if (d[i] == '/' && !cls)
					break;
			}
			if (i < e)
				i++;
			prev = 'a';
			key_live = 0;
			continue;
		}
		if (c == '"' || c == '\'' || c == '`') {
			size_t z = string_end(d, i, e);
			size_t after = z < e ? z + 1 : e;
			size_t k = after;
			while (k < e && js_ws(d[k]))
				k++;
			if (c != '`' && k < e && d[k] == ':' && prev != '?') {
				/* a property key: the path step of the next value */
				keylen = z - (i + 1) <= JS_MAX_KEY ? z - (i + 1) : 0;
				memcpy(key, d + i + 1, keylen);
				key_live = key_ok((const unsigned char *)key, keylen);
				i = k + 1;
				prev = ':';
				continue;
			}
			if (z - (i + 1) >= JS_MIN_STRING) {
				char *kx = NULL;
				if (key_live) {
					size_t xl = strlen(json_prefix);
					kx = malloc(xl + 2 + keylen + 1);
					if (!kx) {
						b->oom = 1;
						return;
					}
					memcpy(kx, json_prefix, xl);
					memcpy(kx + xl, "$.", 2);
					memcpy(kx + xl + 2, key, keylen);
					kx[xl + 2 + keylen] = 0;
				}
				b->script_bytes += z - i;
				tm_sep(b, i);
				emit_string(b, i + 1, z, (unsigned char)c, after, kx ? kx : xpath);
				free(kx);
			}
			key_live = 0;
			i = after;
			prev = '"';
			continue;
		}
		if ((c == '{' || c == '[') && i >= no_json_until &&
		    (prev == 0 || prev == '=' || prev == '(' || prev == ',' || prev == ':' || prev == ';')) {
			size_t z = literal_end(d, i, e);
			if (z) {
				b->script_bytes += z - i;
				tm_sep(b, i);
				if (b->nested->json_window(b, i, z, json_prefix)) {
					tm_sep(b, z);
					i = z;
					prev = '}';
					key_live = 0;
					continue;
				}
				no_json_until = z;
			} else {
				no_json_until = e;  /* never closes: no retry on every bracket inside */
			}
		}
		if (js_ident(c)) {
			size_t s0 = i;
			while (i < e && js_ident(d[i]))
				i++;
			size_t k = i;
			while (k < e && js_ws(d[k]))
				k++;
			if (k < e && d[k] == ':' && prev != '?' && i - s0 <= JS_MAX_KEY &&
			    !(d[s0] >= '0' && d[s0] <= '9')) {
				keylen = i - s0;
				memcpy(key, d + s0, keylen);
				key_live = key_ok((const unsigned char *)key, keylen);
				i = k + 1;
				prev = ':';
				continue;
			}
			key_live = 0;
			prev = 'a';
			continue;
		}
		if (c == ',' || c == ';' || c == '{' || c == '}')
			key_live = 0;
		prev = c;
		i++;
	}
}
