/*
 * json_text.c — the string and number values of a JSON body, one segment
 * each, with a JSONPath-like xpath ("$.user.phone", "$.items[3].id";
 * 0-based indices; keys that are not plain names as $['a.b']).
 *
 * A bounded, iterative tokenizer (no recursion, nesting to TM_MAX_DEPTH) that
 * keeps byte offsets, which a DOM library would not. Escapes are decoded
 * (\" \\ \/ \b \f \n \r \t \uXXXX with surrogate pairs), each produced
 * character mapped to its whole escape. Numbers are emitted as written (phone
 * and QQ numbers often travel as JSON numbers). Keys, true/false/null are not
 * text. Several top-level values in a row (NDJSON) are accepted. A string
 * value holding HTML markup (rich-text fields of an API) is decoded into a
 * text of its own, still mapped byte for byte to the payload, and extracted
 * by html_text.c with xpaths "$.post.body/p[2]" (nesting to TM_MAX_NEST).
 *
 * It must never accept what is not JSON: on any syntax error it returns -1 and
 * the caller maps the payload as plain text instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textmap_int.h"

#define KEY_MAX 128 /* decoded key bytes kept in a path step */

typedef struct {
	int arr;
	size_t idx;    /* array: current index */
	size_t ka, kb; /* object: formatted step of the current key in keys[] */
} jframe_t;

typedef struct {
	tm_builder_t *b;
	const unsigned char *d;
	size_t n;
	jframe_t st[TM_MAX_DEPTH];
	size_t depth;
	char *keys;
	size_t klen, kcap;
	const char *prefix; /* xpath of the element holding this JSON, or NULL */
} json_t;

static char *json_xpath(void *ctx)
{
	json_t *j = ctx;
	size_t fl = j->prefix ? strlen(j->prefix) : 0;
	size_t cap = 2;
	for (size_t k = 0; k < j->depth; k++)
		cap += j->st[k].arr ? 24 : j->st[k].kb - j->st[k].ka;
	if (cap > TM_MAX_XPATH)
		cap = TM_MAX_XPATH;
	char *x = malloc(fl + cap + 8);
	if (!x)
		return NULL;
	if (fl)
		memcpy(x, j->prefix, fl);
	size_t w = fl;
	cap += fl;
	x[w++] = '$';
	for (size_t k = 0; k < j->depth; k++) {
		char step[24];
		const char *p;
		size_t l;
		if (j->st[k].arr) {
			l = (size_t)snprintf(step, sizeof step, "[%zu]", j->st[k].idx);
			p = step;
		} else {
			p = j->keys + j->st[k].ka;
			l = j->st[k].kb - j->st[k].ka;
		}
		if (w + l > cap) {
			memcpy(x + w, "...", 3); /* absurdly deep: keep the head, say so */
			w += 3;
			break;
		}
		memcpy(x + w, p, l);
		w += l;
	}
	x[w] = 0;
	return x;
}

static int key_put(json_t *j, const void *p, size_t l)
{
	if (j->klen + l > j->kcap) {
		size_t nc = j->kcap ? j->kcap * 2 : 256;
		while (nc < j->klen + l)
			nc *= 2;
		char *nk = realloc(j->keys, nc);
		if (!nk) {
			j->b->oom = 1;
			return -1;
		}
		j->keys = nk;
		j->kcap = nc;
	}
	memcpy(j->keys + j->klen, p, l);
	j->klen += l;
	return 0;
}

static int hex4(const unsigned char *d, size_t i, size_t n, uint32_t *v)
{
	if (i + 4 > n)
		return -1;
	uint32_t x = 0;
	for (size_t k = 0; k < 4; k++) {
		unsigned c = d[i + k];
		int h = (c >= '0' && c <= '9') ? (int)(c - '0')
		        : (c >= 'a' && c <= 'f') ? (int)(c - 'a' + 10)
		        : (c >= 'A' && c <= 'F') ? (int)(c - 'A' + 10)
		                                 : -1;
		if (h < 0)
			return -1;
		x = x << 4 | (uint32_t)h;
	}
	*v = x;
	return 0;
}

/* Escape at d[i] == '\\': code point and index after it, or 0 if invalid. */
static size_t escape(const unsigned char *d, size_t i, size_t n, uint32_t *cp)
{
	if (i + 1 >= n)
		return 0;
	switch (d[i + 1]) {
	case '"': *cp = '"'; return i + 2;
	case '\\': *cp = '\\'; return i + 2;
	case '/': *cp = '/'; return i + 2;
	case 'b': *cp = 8; return i + 2;
	case 'f': *cp = 12; return i + 2;
	case 'n': *cp = '\n'; return i + 2;
	case 'r': *cp = '\r'; return i + 2;
	case 't': *cp = '\t'; return i + 2;
	case 'u': break;
	default: return 0;
	}
	uint32_t u;
	if (hex4(d, i + 2, n, &u))
		return 0;
	if (u >= 0xD800 && u <= 0xDBFF && i + 12 <= n && d[i + 6] == '\\' && d[i + 7] == 'u') {
		uint32_t v;
		if (!hex4(d, i + 8, n, &v) && v >= 0xDC00 && v <= 0xDFFF) {
			*cp = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
			return i + 12;
		}
	}
	*cp = (u >= 0xD800 && u <= 0xDFFF) ? 0xFFFD : u;
	return i + 6;
}

/* Does the string starting after d[i] == '"' hold HTML markup ('<' and a
 * letter or '/', raw or as \u003c)? Sets *close to its closing quote; 0 if
 * unterminated. */
static int string_has_markup(const unsigned char *d, size_t i, size_t n, size_t *close)
{
	int markup = 0;
	for (i++; i < n; i++) {
		if (d[i] == '"') {
			*close = i;
			return markup;
		}
		size_t lt = 0;
		if (d[i] == '<') {
			lt = i + 1;
		} else if (d[i] == '\\' && i + 6 <= n && d[i + 1] == 'u' && d[i + 2] == '0' &&
		           d[i + 3] == '0' && d[i + 4] == '3' && (d[i + 5] == 'c' || d[i + 5] == 'C')) {
			lt = i + 6;
		}
		if (lt && lt < n) {
			unsigned c = d[lt];
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!')
				markup = 1;
		}
		if (d[i] == '\\')
			i++;
	}
	*close = n;
	return 0;
}

typedef struct {
	unsigned char *d;
	uint32_t *ms, *me;
	size_t len;
} sub_t;

static void sub_put(sub_t *u, uint32_t cp, uint32_t s, uint32_t e)
{
	unsigned char buf[4];
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	size_t k = u8_enc(cp, buf);
	for (size_t t = 0; t < k; t++) {
		u->d[u->len] = buf[t];
		u->ms[u->len] = (uint32_t)s;
		u->me[u->len] = (uint32_t)e;
		u->len++;
	}
}

/* A string value holding HTML: decode its escapes into a text of its own
 * (each byte still mapped to the payload) and extract that as HTML, the
 * xpaths prefixed by the value's JSON path ("$.post.body/p[2]"). */
static size_t string_html(json_t *j, size_t i, size_t close)
{
	const tm_src_t *par = j->b->src;
	const unsigned char *d = j->d;
	size_t cap = (close - i) * 3 + 8;
	sub_t u = {malloc(cap), malloc(cap * sizeof(uint32_t)), malloc(cap * sizeof(uint32_t)), 0};
	char *prefix = json_xpath(j);
	if (!u.d || !u.ms || !u.me || !prefix) {
		j->b->oom = 1;
		goto out;
	}
	for (size_t k = i + 1; k < close;) {
		uint32_t cp;
		if (d[k] == '\\') {
			size_t e = escape(d, k, close, &cp);
			if (!e) {
				close = 0; /* invalid JSON */
				goto out;
			}
			sub_put(&u, cp, tm_src_pos(par, k), par->ms ? par->me[e - 1] : e);
			k = e;
			continue;
		}
		size_t l = u8_dec(d + k, close - k, &cp);
		if (!l) { /* only in an undecoded UTF-8 payload */
			sub_put(&u, 0xFFFD, tm_src_pos(par, k), par->ms ? par->me[k] : k + 1);
			k++;
			continue;
		}
		uint32_t cs = (uint32_t)tm_src_pos(par, k);
		uint32_t ce = (uint32_t)(par->ms ? par->me[k] : k + l);
		for (size_t t = 0; t < l; t++) {
			u.d[u.len] = d[k + t];
			u.ms[u.len] = cs;
			u.me[u.len] = ce;
			u.len++;
		}
		k += l;
	}
	tm_sep(j->b, i);
	tm_src_t sub;
	memset(&sub, 0, sizeof sub);
	sub.d = u.d;
	sub.n = u.len;
	sub.ms = u.ms;
	sub.me = u.me;
	j->b->src = &sub;
	j->b->nest++;
	j->b->nested->html_in_json(j->b, prefix);
	j->b->nest--;
	j->b->src = par;
	j->b->xpath_cb = json_xpath;
	j->b->xpath_ctx = j;
	tm_sep(j->b, close + 1);
out:
	free(prefix);
	free(u.d);
	free(u.ms);
	free(u.me);
	return close ? close + 1 : 0;
}

/* String at d[i] == '"'. emit: as a value segment; else as the key of the
 * top frame. Returns the index after the closing quote, or 0 if invalid. */
static size_t string(json_t *j, size_t i, int emit)
{
	const unsigned char *d = j->d;
	size_t n = j->n;
	unsigned char kb[KEY_MAX + 8];
	size_t kl = 0;
	if (emit) {
		size_t close;
		if (string_has_markup(d, i, n, &close) && j->b->nest < TM_MAX_NEST)
			return string_html(j, i, close);
		tm_sep(j->b, i);
	}
	i++;
	for (;;) {
		size_t a = i;
		while (i < n && d[i] != '"' && d[i] != '\\')
			i++;
		if (i >= n)
			return 0;
		if (i > a) {
			if (emit) {
				tm_emit_run(j->b, a, i, TM_TEXT_JSON);
			} else {
				for (size_t k = a; k < i && kl < KEY_MAX; k++)
					kb[kl++] = d[k];
			}
		}
		if (d[i] == '"')
			break;
		uint32_t cp;
		size_t e = escape(d, i, n, &cp);
		if (!e)
			return 0;
		if (emit) {
			tm_emit_cp(j->b, cp, i, e, TM_TEXT_JSON);
		} else if (kl < KEY_MAX) {
			if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
				cp = 0xFFFD;
			kl += u8_enc(cp, kb + kl);
		}
		i = e;
	}
	if (emit) {
		tm_sep(j->b, i + 1);
		return i + 1;
	}
	/* the key as a path step: .name, or ['any \' key'] */
	jframe_t *f = &j->st[j->depth - 1];
	j->klen = f->ka;
	int plain = kl > 0 && !(kb[0] >= '0' && kb[0] <= '9');
	for (size_t k = 0; k < kl && plain; k++) {
		unsigned c = kb[k];
		plain = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '_' || c == '$' || c == '-';
	}
	int rc = key_put(j, plain ? "." : "['", plain ? 1 : 2);
	for (size_t k = 0; k < kl && rc == 0;) {
		uint32_t cp;
		size_t l = u8_dec(kb + k, kl - k, &cp);
		if (!l) { /* keep the path valid UTF-8 */
			rc = key_put(j, "\xEF\xBF\xBD", 3);
			k++;
			continue;
		}
		if (!plain && (kb[k] == '\'' || kb[k] == '\\'))
			rc = key_put(j, "\\", 1);
		if (rc == 0)
			rc = key_put(j, kb[k] < 0x20 ? (const unsigned char *)" " : kb + k,
			             kb[k] < 0x20 ? 1 : l);
		k += l;
	}
	if (rc == 0 && !plain)
		rc = key_put(j, "']", 2);
	if (rc)
		return 0;
	f->kb = j->klen;
	return i + 1;
}

static size_t number(json_t *j, size_t i)
{
	const unsigned char *d = j->d;
	size_t n = j->n, a = i;
	if (i < n && d[i] == '-')
		i++;
	size_t ds = i;
	while (i < n && d[i] >= '0' && d[i] <= '9')
		i++;
	if (i == ds)
		return 0;
	if (i < n && d[i] == '.') {
		size_t f = ++i;
		while (i < n && d[i] >= '0' && d[i] <= '9')
			i++;
		if (i == f)
			return 0;
	}
	if (i < n && (d[i] == 'e' || d[i] == 'E')) {
		i++;
		if (i < n && (d[i] == '+' || d[i] == '-'))
			i++;
		size_t f = i;
		while (i < n && d[i] >= '0' && d[i] <= '9')
			i++;
		if (i == f)
			return 0;
	}
	tm_sep(j->b, a);
	tm_emit_run(j->b, a, i, TM_TEXT_JSON);
	tm_sep(j->b, i);
	return i;
}

static size_t skip_ws(const unsigned char *d, size_t i, size_t n)
{
	while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r'))
		i++;
	return i;
}

/* After '{' or ',' in an object: a key and its ':'. Index of the value or 0. */
static size_t member_key(json_t *j, size_t i)
{
	i = skip_ws(j->d, i, j->n);
	if (i >= j->n || j->d[i] != '"')
		return 0;
	i = string(j, i, 0);
	if (!i)
		return 0;
	i = skip_ws(j->d, i, j->n);
	if (i >= j->n || j->d[i] != ':')
		return 0;
	return i + 1;
}

static int parse(json_t *j)
{
	const unsigned char *d = j->d;
	size_t n = j->n, i = j->b->src->start;
	int values = 0;
	for (;;) {
		/* a value */
		i = skip_ws(d, i, n);
		if (i >= n)
			return (values && j->depth == 0) ? 0 : -1;
		unsigned c = d[i];
		if (c == '{' || c == '[') {
			if (j->depth >= TM_MAX_DEPTH)
				return -1;
			jframe_t *f = &j->st[j->depth++];
			f->arr = c == '[';
			f->idx = 0;
			f->ka = f->kb = j->klen;
			i = skip_ws(d, i + 1, n);
			if (i < n && d[i] == (c == '{' ? '}' : ']')) {
				j->depth--;
				j->klen = f->ka;
				i++;
			} else if (c == '{') {
				i = member_key(j, i);
				if (!i)
					return -1;
				continue;
			} else {
				continue;
			}
		} else if (c == '"') {
			i = string(j, i, 1);
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			i = number(j, i);
		} else if (n - i >= 4 && (!memcmp(d + i, "true", 4) || !memcmp(d + i, "null", 4))) {
			i += 4;
		} else if (n - i >= 5 && !memcmp(d + i, "false", 5)) {
			i += 5;
		} else {
			return -1;
		}
		if (!i || j->b->oom)
			return -1;
		/* after a value: ',' or the end of containers */
		for (;;) {
			i = skip_ws(d, i, n);
			if (j->depth == 0) {
				values++;
				break;
			}
			if (i >= n)
				return -1;
			jframe_t *f = &j->st[j->depth - 1];
			if (d[i] == ',') {
				if (f->arr) {
					f->idx++;
					i++;
				} else {
					i = member_key(j, i + 1);
					if (!i)
						return -1;
				}
				break;
			}
			if (d[i] == (f->arr ? ']' : '}')) {
				j->depth--;
				j->klen = f->ka;
				i++;
				continue;
			}
			return -1;
		}
	}
}

int tm_json_window(tm_builder_t *b, size_t a, size_t z, const char *xpath_prefix)
{
	if (b->nest >= TM_MAX_NEST)
		return 0;
	size_t len = b->len, nseg = b->nseg;
	const tm_src_t *par = b->src;
	tm_src_t view = *par; /* same positions, a window of them */
	view.own = NULL;
	view.start = a;
	view.n = z;
	b->src = &view;
	b->nest++;
	int rc = tm_json_prefixed(b, xpath_prefix);
	b->nest--;
	b->src = par;
	if (rc == -1 && !b->oom)
		tm_rollback(b, len, nseg);
	return rc == 0;
}

int tm_json(tm_builder_t *b)
{
	return tm_json_prefixed(b, NULL);
}

int tm_json_prefixed(tm_builder_t *b, const char *xpath_prefix)
{
	json_t *j = calloc(1, sizeof *j);
	if (!j) {
		b->oom = 1;
		return ARC_ENOMEM;
	}
	j->prefix = xpath_prefix;
	j->b = b;
	j->d = b->src->d;
	j->n = b->src->n;
	b->xpath_cb = json_xpath;
	b->xpath_ctx = j;
	int rc = parse(j);
	b->xpath_cb = NULL;
	b->xpath_ctx = NULL;
	free(j->keys);
	free(j);
	if (b->oom)
		return ARC_ENOMEM;
	return rc;
}
