/*
 * html_text.c — the text of an HTML (or XML) page as a browser would show it,
 * fed to the textmap builder with each character's source range.
 *
 * A small tokenizer, not a tree builder: tags, attributes (quoted, unquoted,
 * unterminated), comments (also unclosed), doctype, processing instructions,
 * CDATA (its text kept), '<' that starts no tag (text), and character
 * references (&amp; &#x4E00; &#19968; common named ones; legacy forms without
 * ';'). Bodies of script, style, iframe, noembed, noframes are skipped; title
 * and textarea are text (references decoded, no tags); a script whose type is
 * JSON (application/json, application/ld+json, ...+json) is data and goes
 * through json_text.c, xpaths "/html/body/script[1]/$.name"; a JavaScript
 * one (no type, text/javascript, module) gives its string literals and JSON
 * literals (js_text.c: window.__INITIAL_STATE__ = {...}), bounded per page.
 *
 * Text of inline elements (a, b, span, font, img, ...) runs on, so
 * 138<b>0013</b>8000 is one string; every other element, and <br>, starts a
 * new segment ('\n' separator). Attribute text (alt, title, placeholder,
 * aria-label; <meta name=description|keywords|author content>, og:title and
 * og:description) is a segment of its own: for block elements right at the
 * tag, for inline elements after the block text they sit in, so they never cut
 * an inline run (those segments then step back in the payload: ranges are
 * monotonic within a segment, not across such a segment).
 *
 * XPath: an element stack with per-parent sibling counts by tag name; the
 * path of a text segment is its nearest non-inline ancestor. Every step has a
 * 1-based [n] except html, head and body, which occur once ("/html/body/
 * div[2]/p[1]"); attributes add "/@name". Paths follow the markup as written:
 * no implied tbody or body is inserted (as libxml2's xmlGetNodePath on its own
 * parse), while the usual end-tag omissions (p, li, dt/dd, tr, td/th, option,
 * head) close the element as a browser would.
 *
 * It must never read past the text, recurse, or rescan: one forward pass,
 * nesting tracked to TM_MAX_DEPTH, sibling counts in one hash table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textmap_int.h"

/* ------------------------------------------------------ character refs */

static const struct {
	const char *name;
	uint32_t cp;
	int legacy; /* also recognised without ';' */
} ENTITIES[] = {
	{"amp", '&', 1}, {"lt", '<', 1}, {"gt", '>', 1}, {"quot", '"', 1}, {"apos", '\'', 0},
	{"nbsp", 0xA0, 1}, {"copy", 0xA9, 1}, {"reg", 0xAE, 1}, {"trade", 0x2122, 0},
	{"times", 0xD7, 1}, {"divide", 0xF7, 1}, {"middot", 0xB7, 1}, {"hellip", 0x2026, 0},
	{"mdash", 0x2014, 0}, {"ndash", 0x2013, 0}, {"hyphen", 0x2010, 0}, {"minus", 0x2212, 0},
	{"dash", 0x2010, 0}, {"lsquo", 0x2018, 0}, {"rsquo", 0x2019, 0}, {"sbquo", 0x201A, 0},
	{"ldquo", 0x201C, 0}, {"rdquo", 0x201D, 0}, {"bdquo", 0x201E, 0}, {"laquo", 0xAB, 1},
	{"raquo", 0xBB, 1}, {"bull", 0x2022, 0}, {"yen", 0xA5, 1}, {"euro", 0x20AC, 0},
	{"pound", 0xA3, 1}, {"cent", 0xA2, 1}, {"sect", 0xA7, 1}, {"para", 0xB6, 1},
	{"deg", 0xB0, 1}, {"plusmn", 0xB1, 1}, {"micro", 0xB5, 1}, {"shy", 0xAD, 1},
	{"ensp", 0x2002, 0}, {"emsp", 0x2003, 0}, {"thinsp", 0x2009, 0}, {"zwj", 0x200D, 0},
	{"zwnj", 0x200C, 0}, {"lrm", 0x200E, 0}, {"rlm", 0x200F, 0}, {"larr", 0x2190, 0},
	{"rarr", 0x2192, 0}, {"uarr", 0x2191, 0}, {"darr", 0x2193, 0}, {"frac12", 0xBD, 1},
	{"frac14", 0xBC, 1}, {"frac34", 0xBE, 1}, {"sup1", 0xB9, 1}, {"sup2", 0xB2, 1},
	{"sup3", 0xB3, 1}, {"iexcl", 0xA1, 1}, {"iquest", 0xBF, 1}, {"ordm", 0xBA, 1},
	{"ordf", 0xAA, 1}, {"macr", 0xAF, 1}, {"acute", 0xB4, 1}, {"cedil", 0xB8, 1},
	{"uml", 0xA8, 1}, {"brvbar", 0xA6, 1}, {"curren", 0xA4, 1}, {"not", 0xAC, 1},
	{"commat", '@', 0}, {"period", '.', 0}, {"num", '#', 0}, {"colon", ':', 0},
	{"lowbar", '_', 0}, {"plus", '+', 0}, {"lpar", '(', 0}, {"rpar", ')', 0},
	{"Tab", '\t', 0}, {"NewLine", '\n', 0}, {"star", 0x2606, 0}, {"check", 0x2713, 0},
};

/* WHATWG: numeric references 0x80-0x9F mean windows-1252. */
static const uint16_t C1_1252[32] = {
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
};

static int is_alpha(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(unsigned c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static int hexval(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

size_t tm_entity(const unsigned char *d, size_t i, size_t n, int in_attr, uint32_t *cp)
{
	size_t j = i + 1;
	if (j >= n)
		return 0;
	if (d[j] == '#') {
		j++;
		int hex = 0;
		if (j < n && (d[j] == 'x' || d[j] == 'X')) {
			hex = 1;
			j++;
		}
		size_t digits = 0;
		uint32_t v = 0;
		while (j < n) {
			int h = hex ? hexval(d[j]) : (d[j] >= '0' && d[j] <= '9' ? d[j] - '0' : -1);
			if (h < 0)
				break;
			if (v <= 0x10FFFF)
				v = v * (hex ? 16u : 10u) + (uint32_t)h;
			digits++;
			j++;
		}
		if (!digits)
			return 0;
		if (j < n && d[j] == ';')
			j++;
		if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
			v = 0xFFFD;
		else if (v >= 0x80 && v <= 0x9F)
			v = C1_1252[v - 0x80];
		*cp = v;
		return j;
	}
	size_t a = j;
	while (j < n && j - a < 16 && is_alnum(d[j]))
		j++;
	size_t len = j - a;
	if (!len)
		return 0;
	int semi = j < n && d[j] == ';';
	for (size_t k = 0; k < sizeof ENTITIES / sizeof ENTITIES[0]; k++) {
		const char *nm = ENTITIES[k].name;
		if ((unsigned char)nm[0] != d[a])
			continue;
		size_t nl = strlen(nm);
		if (semi && nl == len && !memcmp(nm, d + a, len)) {
			*cp = ENTITIES[k].cp;
			return j + 1;
		}
		/* legacy: "&amp" / "&copy2023" without ';' (not in attributes before
		 * an alphanumeric or '=') */
		if (ENTITIES[k].legacy && nl <= len && !memcmp(nm, d + a, nl)) {
			size_t after = a + nl;
			if (nl == len && semi)
				continue;
			if (in_attr && after < n && (is_alnum(d[after]) || d[after] == '='))
				continue;
			*cp = ENTITIES[k].cp;
			return after;
		}
	}
	return 0;
}

/* ---------------------------------------------------------- element kinds */

enum {
	F_INLINE = 1 << 0,  /* text runs through it */
	F_VOID = 1 << 1,    /* no end tag, not pushed */
	F_SKIP = 1 << 2,    /* body skipped */
	F_RCDATA = 1 << 3,  /* body is text with references, no tags */
	F_RAWEMIT = 1 << 4, /* body is text as is (xmp) */
	F_PLAIN = 1 << 5,   /* the rest of the document is text */
	F_BREAK = 1 << 6,   /* <br>: a line break without being a block */
	F_NOPRED = 1 << 7,  /* html/head/body: no [n] in paths */
	F_CLOSEP = 1 << 8,  /* opening it closes an open <p> */
	F_INHEAD = 1 << 9   /* may sit in <head> */
};

enum { G_NONE, G_P, G_LI, G_DDT, G_TR, G_TD, G_TSEC, G_TABLE, G_LIST, G_DL, G_OPTION,
       G_OPTGROUP, G_SELECT, G_H, G_HTML, G_HEAD, G_BODY, G_DIVLIKE };

typedef struct {
	const char *name;
	unsigned flags;
	int group;
} elem_t;

#define INL F_INLINE
static const elem_t ELEMS[] = {
	{"a", INL, 0}, {"abbr", INL, 0}, {"acronym", INL, 0}, {"b", INL, 0}, {"bdi", INL, 0},
	{"bdo", INL, 0}, {"big", INL, 0}, {"cite", INL, 0}, {"code", INL, 0}, {"data", INL, 0},
	{"del", INL, 0}, {"dfn", INL, 0}, {"em", INL, 0}, {"font", INL, 0}, {"i", INL, 0},
	{"img", INL | F_VOID, 0}, {"ins", INL, 0}, {"kbd", INL, 0}, {"label", INL, 0},
	{"mark", INL, 0}, {"nobr", INL, 0}, {"q", INL, 0}, {"rb", INL, 0}, {"rp", INL, 0},
	{"rt", INL, 0}, {"rtc", INL, 0}, {"ruby", INL, 0}, {"s", INL, 0}, {"samp", INL, 0},
	{"small", INL, 0}, {"span", INL, 0}, {"strike", INL, 0}, {"strong", INL, 0},
	{"sub", INL, 0}, {"sup", INL, 0}, {"time", INL, 0}, {"tt", INL, 0}, {"u", INL, 0},
	{"var", INL, 0}, {"wbr", INL | F_VOID, 0},
	{"br", INL | F_VOID | F_BREAK, 0},
	{"area", F_VOID, 0}, {"base", F_VOID | F_INHEAD, 0}, {"col", F_VOID, 0},
	{"embed", F_VOID, 0}, {"hr", F_VOID | F_CLOSEP, 0}, {"input", F_VOID, 0},
	{"keygen", F_VOID, 0}, {"link", F_VOID | F_INHEAD, 0}, {"meta", F_VOID | F_INHEAD, 0},
	{"param", F_VOID, 0}, {"source", F_VOID, 0}, {"track", F_VOID, 0}, {"frame", F_VOID, 0},
	{"basefont", F_VOID | F_INHEAD, 0}, {"bgsound", F_VOID | F_INHEAD, 0},
	/* invisible, and no break in the text around them */
	{"script", F_INLINE | F_SKIP | F_INHEAD, 0}, {"style", F_INLINE | F_SKIP | F_INHEAD, 0},
	{"iframe", F_INLINE | F_SKIP, 0},
	{"noembed", F_SKIP, 0}, {"noframes", F_SKIP | F_INHEAD, 0},
	{"title", F_RCDATA | F_INHEAD, 0}, {"textarea", F_RCDATA, 0},
	{"xmp", F_RAWEMIT | F_CLOSEP, 0}, {"plaintext", F_PLAIN | F_CLOSEP, 0},
	{"noscript", F_INHEAD, 0}, {"template", F_INHEAD, 0},
	{"html", F_NOPRED, G_HTML}, {"head", F_NOPRED, G_HEAD}, {"body", F_NOPRED, G_BODY},
	{"p", F_CLOSEP, G_P}, {"li", F_CLOSEP, G_LI}, {"dd", F_CLOSEP, G_DDT},
	{"dt", F_CLOSEP, G_DDT}, {"tr", 0, G_TR}, {"td", 0, G_TD}, {"th", 0, G_TD},
	{"tbody", 0, G_TSEC}, {"thead", 0, G_TSEC}, {"tfoot", 0, G_TSEC},
	{"table", F_CLOSEP, G_TABLE}, {"ul", F_CLOSEP, G_LIST}, {"ol", F_CLOSEP, G_LIST},
	{"menu", F_CLOSEP, G_LIST}, {"dl", F_CLOSEP, G_DL}, {"option", 0, G_OPTION},
	{"optgroup", 0, G_OPTGROUP}, {"select", 0, G_SELECT},
	{"h1", F_CLOSEP, G_H}, {"h2", F_CLOSEP, G_H}, {"h3", F_CLOSEP, G_H},
	{"h4", F_CLOSEP, G_H}, {"h5", F_CLOSEP, G_H}, {"h6", F_CLOSEP, G_H},
	{"div", F_CLOSEP, G_DIVLIKE}, {"address", F_CLOSEP, G_DIVLIKE},
	{"article", F_CLOSEP, 0}, {"aside", F_CLOSEP, 0}, {"blockquote", F_CLOSEP, 0},
	{"center", F_CLOSEP, 0}, {"details", F_CLOSEP, 0}, {"dialog", F_CLOSEP, 0},
	{"dir", F_CLOSEP, G_LIST}, {"fieldset", F_CLOSEP, 0}, {"figcaption", F_CLOSEP, 0},
	{"figure", F_CLOSEP, 0}, {"footer", F_CLOSEP, 0}, {"form", F_CLOSEP, 0},
	{"header", F_CLOSEP, 0}, {"hgroup", F_CLOSEP, 0}, {"main", F_CLOSEP, 0},
	{"nav", F_CLOSEP, 0}, {"pre", F_CLOSEP, 0}, {"section", F_CLOSEP, 0},
	{"listing", F_CLOSEP, 0}, {"summary", F_CLOSEP, 0}, {"search", F_CLOSEP, 0},
};
#undef INL

static const elem_t *elem_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof ELEMS / sizeof ELEMS[0]; i++)
		if (ELEMS[i].name[0] == name[0] && strlen(ELEMS[i].name) == len &&
		    !memcmp(ELEMS[i].name, name, len))
			return &ELEMS[i];
	return NULL;
}

/* ------------------------------------------------------------- state */

#define NAME_MAX_XP 32 /* bytes of a tag name kept for paths and lookups */

typedef struct {
	uint64_t h;          /* hash of the full lower-case name */
	const elem_t *e;     /* NULL: unknown element */
	uint64_t serial;     /* identifies this element in the sibling table */
	size_t pathlen;      /* path bytes up to and including this element */
	size_t blk;          /* frame index of the nearest non-inline ancestor-or-self */
} frame_t;

typedef struct {
	uint64_t parent, name; /* parent serial, child name hash */
	uint32_t count;
	int used;
} kid_t;

typedef struct {
	size_t va, vb;
	char *xpath;
} pend_t;

typedef struct {
	tm_builder_t *b;
	const unsigned char *d;
	size_t n;
	frame_t fr[TM_MAX_DEPTH + 1]; /* fr[0]: the document */
	size_t depth;                 /* index of the top frame */
	size_t overflow;              /* elements opened past TM_MAX_DEPTH */
	uint64_t next_serial;
	char path[TM_MAX_DEPTH * (NAME_MAX_XP + 16) + 64];
	kid_t *kids;
	size_t kcap, kused;
	pend_t pend[TM_MAX_PENDING_ATTR];
	size_t npend;
	const char *prefix;           /* prepended to every xpath (NULL: none) */
} html_t;

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x7F4A7C159E3779B9ull + (a << 6) + (a >> 2));
	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 29;
	return x;
}

/* 1-based position of a new child named h under parent serial p. */
static uint32_t kid_next(html_t *s, uint64_t p, uint64_t h)
{
	if (s->kused * 2 >= s->kcap) {
		size_t nc = s->kcap ? s->kcap * 2 : 256;
		kid_t *nk = calloc(nc, sizeof *nk);
		if (!nk) {
			s->b->oom = 1;
			return 0;
		}
		for (size_t i = 0; i < s->kcap; i++) {
			if (!s->kids[i].used)
				continue;
			size_t j = mix(s->kids[i].parent, s->kids[i].name) & (nc - 1);
			while (nk[j].used)
				j = (j + 1) & (nc - 1);
			nk[j] = s->kids[i];
		}
		free(s->kids);
		s->kids = nk;
		s->kcap = nc;
	}
	size_t j = mix(p, h) & (s->kcap - 1);
	while (s->kids[j].used) {
		if (s->kids[j].parent == p && s->kids[j].name == h)
			return ++s->kids[j].count;
		j = (j + 1) & (s->kcap - 1);
	}
	s->kids[j].used = 1;
	s->kids[j].parent = p;
	s->kids[j].name = h;
	s->kids[j].count = 1;
	s->kused++;
	return 1;
}

/* prefix (the JSON path of a string holding HTML, or "") + path[0,len) + suffix */
static char *xpath_dup(const char *prefix, const char *p, size_t len, const char *suffix)
{
	size_t fl = prefix ? strlen(prefix) : 0;
	size_t sl = suffix ? strlen(suffix) : 0;
	const char *more = "";
	if (len == 0 && !sl && !fl) {
		p = "/";
		len = 1;
	}
	if (len + sl > TM_MAX_XPATH) { /* absurdly deep: keep the head, say so */
		len = TM_MAX_XPATH;
		more = "/...";
	}
	size_t ml = strlen(more);
	char *x = malloc(fl + len + ml + sl + 1);
	if (!x)
		return NULL;
	if (fl)
		memcpy(x, prefix, fl);
	memcpy(x + fl, p, len);
	memcpy(x + fl + len, more, ml);
	if (sl)
		memcpy(x + fl + len + ml, suffix, sl);
	x[fl + len + ml + sl] = 0;
	return x;
}

static char *text_xpath(void *ctx)
{
	html_t *s = ctx;
	return xpath_dup(s->prefix, s->path, s->fr[s->fr[s->depth].blk].pathlen, NULL);
}

/* Push an element; returns its frame index, or 0 when past the depth bound. */
static size_t push(html_t *s, const char *name, size_t nlen, uint64_t h, const elem_t *e)
{
	uint32_t idx = kid_next(s, s->fr[s->depth].serial, h);
	if (s->depth >= TM_MAX_DEPTH) {
		s->overflow++;
		return 0;
	}
	frame_t *par = &s->fr[s->depth];
	frame_t *f = &s->fr[++s->depth];
	f->h = h;
	f->e = e;
	f->serial = ++s->next_serial;
	size_t pl = par->pathlen;
	char *w = s->path + pl;
	*w++ = '/';
	memcpy(w, name, nlen);
	w += nlen;
	if (!(e && (e->flags & F_NOPRED)))
		w += snprintf(w, 16, "[%u]", (unsigned)idx);
	f->pathlen = (size_t)(w - s->path);
	f->blk = (e && (e->flags & F_INLINE)) ? par->blk : s->depth;
	return s->depth;
}

static void pop_to(html_t *s, size_t depth)
{
	if (depth < s->depth)
		s->depth = depth;
}

static int group_of(const frame_t *f)
{
	return f->e ? f->e->group : G_NONE;
}

static int is_inline(const frame_t *f)
{
	return f->e && (f->e->flags & F_INLINE);
}

/* ------------------------------------------------------------ emission */

static void emit_value(html_t *s, size_t a, size_t e)
{
	size_t i = a;
	while (i < e) {
		size_t j = i;
		while (j < e && s->d[j] != '&')
			j++;
		if (j > i)
			tm_emit_run(s->b, i, j, TM_TEXT_HTML);
		if (j >= e)
			break;
		uint32_t cp;
		size_t k = tm_entity(s->d, j, e, 1, &cp);
		if (k) {
			tm_emit_cp(s->b, cp, j, k, TM_TEXT_HTML);
			i = k;
		} else {
			tm_emit_run(s->b, j, j + 1, TM_TEXT_HTML);
			i = j + 1;
		}
	}
}

static void emit_attr(html_t *s, char *xpath, size_t va, size_t vb, size_t seppos)
{
	tm_sep(s->b, seppos);
	tm_set_next_xpath(s->b, xpath);
	emit_value(s, va, vb);
	tm_sep(s->b, seppos > vb ? seppos : vb);
}

static void flush_pending(html_t *s, size_t pos)
{
	for (size_t i = 0; i < s->npend; i++)
		emit_attr(s, s->pend[i].xpath, s->pend[i].va, s->pend[i].vb, pos);
	s->npend = 0;
}

static void block_boundary(html_t *s, size_t pos)
{
	flush_pending(s, pos);
	tm_sep(s->b, pos);
}

/* -------------------------------------------------------------- tags */

static int is_ws(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Tag name at d[i]: lower-case, path-safe copy (<= NAME_MAX_XP bytes) and hash
 * of the whole name. Returns the index after the name. */
static size_t tag_name(const unsigned char *d, size_t i, size_t n, char *name, size_t *nlen,
                       uint64_t *h)
{
	uint64_t x = 0xcbf29ce484222325ull;
	size_t k = 0;
	while (i < n && !is_ws(d[i]) && d[i] != '/' && d[i] != '>') {
		unsigned char c = lower(d[i]);
		x = (x ^ c) * 0x100000001b3ull;
		if (k < NAME_MAX_XP)
			name[k++] = (is_alnum(c) || c == '-' || c == '_' || c == '.' || c == ':') ? (char)c : '_';
		i++;
	}
	name[k] = 0;
	*nlen = k;
	*h = x;
	return i;
}

/* Position of "</name" closing a raw-text element opened before i, or n. */
static size_t find_end_tag(const unsigned char *d, size_t i, size_t n, const char *name, size_t nlen)
{
	while (i + 1 < n) {
		const unsigned char *lt = memchr(d + i, '<', n - i);
		if (!lt)
			return n;
		size_t j = (size_t)(lt - d);
		if (j + 2 + nlen <= n && d[j + 1] == '/') {
			size_t k = 0;
			while (k < nlen && lower(d[j + 2 + k]) == (unsigned char)name[k])
				k++;
			if (k == nlen && (j + 2 + nlen == n || is_ws(d[j + 2 + nlen]) ||
			                  d[j + 2 + nlen] == '>' || d[j + 2 + nlen] == '/'))
				return j;
		}
		i = j + 1;
	}
	return n;
}

/* Close what a new element implies closed (end-tag omission rules). */
static void auto_close(html_t *s, const elem_t *e)
{
	if (!e)
		return;
	int g = e->group;
	if (e->flags & F_CLOSEP) {
		for (size_t k = s->depth; k >= 1; k--) {
			if (group_of(&s->fr[k]) == G_P) {
				pop_to(s, k - 1);
				break;
			}
			if (!is_inline(&s->fr[k]))
				break;
		}
	}
	if (g == G_LI || g == G_DDT) {
		for (size_t k = s->depth; k >= 1; k--) {
			int fg = group_of(&s->fr[k]);
			if (fg == g) {
				pop_to(s, k - 1);
				break;
			}
			if (!is_inline(&s->fr[k]) && fg != G_P && fg != G_DIVLIKE)
				break;
		}
	} else if (g == G_TR || g == G_TD || g == G_TSEC) {
		/* a new row/cell/section closes the open one of its table */
		for (size_t k = s->depth; k >= 1; k--) {
			int fg = group_of(&s->fr[k]);
			if (fg == g) {
				pop_to(s, k - 1);
				break;
			}
			if (fg == G_TABLE || fg == G_BODY || fg == G_HTML || (g == G_TD && fg == G_TR) ||
			    (g == G_TR && fg == G_TSEC))
				break;
		}
	} else if (g == G_OPTION || g == G_OPTGROUP) {
		if (group_of(&s->fr[s->depth]) == G_OPTION)
			pop_to(s, s->depth - 1);
		if (g == G_OPTGROUP && group_of(&s->fr[s->depth]) == G_OPTGROUP)
			pop_to(s, s->depth - 1);
	} else if (g == G_H) {
		if (group_of(&s->fr[s->depth]) == G_H)
			pop_to(s, s->depth - 1);
	}
	/* a body element closes an open head */
	if (!(e->flags & F_INHEAD) && g != G_HTML && g != G_HEAD) {
		for (size_t k = s->depth; k >= 1; k--)
			if (group_of(&s->fr[k]) == G_HEAD) {
				pop_to(s, k - 1);
				break;
			}
	}
}

static int has_group(const html_t *s, int g)
{
	for (size_t k = 1; k <= s->depth; k++)
		if (group_of(&s->fr[k]) == g)
			return 1;
	return 0;
}

#define MAX_TEXT_ATTRS 8

typedef struct {
	char name[16];
	size_t va, vb;
} tattr_t;

static int name_is(const unsigned char *d, size_t a, size_t b, const char *lit)
{
	size_t l = strlen(lit);
	if (b - a != l)
		return 0;
	for (size_t i = 0; i < l; i++)
		if (lower(d[a + i]) != (unsigned char)lit[i])
			return 0;
	return 1;
}

/* <script type=application/json | application/ld+json | ...+json>: data. */
static int is_json_type(const unsigned char *d, size_t a, size_t b)
{
	while (a < b && is_ws(d[a]))
		a++;
	size_t e = a;
	while (e < b && d[e] != ';' && !is_ws(d[e]))
		e++;
	return name_is(d, a, e, "application/json") || name_is(d, a, e, "text/json") ||
	       (e - a > 5 && name_is(d, e - 5, e, "+json"));
}

/* <script> with no type, or a JavaScript one: code whose literals may hold data. */
static int is_js_type(const unsigned char *d, size_t a, size_t b)
{
	while (a < b && is_ws(d[a]))
		a++;
	size_t e = a;
	while (e < b && d[e] != ';' && !is_ws(d[e]))
		e++;
	return e == a || name_is(d, a, e, "text/javascript") ||
	       name_is(d, a, e, "application/javascript") || name_is(d, a, e, "module") ||
	       name_is(d, a, e, "text/ecmascript") || name_is(d, a, e, "application/ecmascript") ||
	       name_is(d, a, e, "application/x-javascript") || name_is(d, a, e, "text/jscript");
}

/* The body d[a,e) of an inline JavaScript element (frame f): its string
 * literals and JSON literals (js_text.c), xpaths the script's own path or
 * "<script path>/$.key". */
static void js_script(html_t *s, size_t f, size_t a, size_t e)
{
	tm_builder_t *b = s->b;
	char *path = xpath_dup(s->prefix, s->path, s->fr[f].pathlen, NULL);
	char *prefix = xpath_dup(s->prefix, s->path, s->fr[f].pathlen, "/");
	if (!path || !prefix) {
		free(path);
		free(prefix);
		b->oom = 1;
		return;
	}
	flush_pending(s, a);
	tm_sep(b, a);
	b->nested->js(b, a, e, path, prefix);
	b->xpath_cb = text_xpath;
	b->xpath_ctx = s;
	tm_sep(b, e);
	free(path);
	free(prefix);
}

/* The body d[a,e) of a JSON script element (frame f): its values as JSON
 * segments, xpaths "<script path>/$.key"; left out if it is not JSON. */
static void json_script(html_t *s, size_t f, size_t a, size_t e)
{
	tm_builder_t *b = s->b;
	char *prefix = xpath_dup(s->prefix, s->path, s->fr[f].pathlen, "/");
	if (!prefix) {
		b->oom = 1;
		return;
	}
	flush_pending(s, a);
	tm_sep(b, a);
	b->nested->json_window(b, a, e, prefix);
	b->xpath_cb = text_xpath;
	b->xpath_ctx = s;
	tm_sep(b, e);
	free(prefix);
}

/* Start tag at d[j] == '<'; returns the index to continue at. */
static size_t start_tag(html_t *s, size_t j)
{
	const unsigned char *d = s->d;
	size_t n = s->n;
	char name[NAME_MAX_XP + 1];
	size_t nlen;
	uint64_t h;
	size_t i = tag_name(d, j + 1, n, name, &nlen, &h);

	tattr_t ta[MAX_TEXT_ATTRS];
	size_t nta = 0;
	size_t meta_name_a = 0, meta_name_b = 0, content_a = 0, content_b = 0;
	int has_content = 0, has_meta_name = 0, json_type = 0, js_type = 1;
	int selfclose = 0;
	for (;;) {
		while (i < n && (is_ws(d[i]) || d[i] == '/')) {
			selfclose = d[i] == '/';
			i++;
		}
		if (i >= n)
			return n; /* EOF inside a tag: the tag is dropped */
		if (d[i] == '>') {
			i++;
			break;
		}
		selfclose = 0;
		size_t na = i;
		while (i < n && !is_ws(d[i]) && d[i] != '/' && d[i] != '>' && (d[i] != '=' || i == na))
			i++;
		size_t nb = i, va = i, vb = i;
		while (i < n && is_ws(d[i]))
			i++;
		if (i < n && d[i] == '=') {
			i++;
			while (i < n && is_ws(d[i]))
				i++;
			if (i < n && (d[i] == '"' || d[i] == '\'')) {
				unsigned char q = d[i++];
				va = i;
				const unsigned char *qe = memchr(d + i, q, n - i);
				if (!qe)
					return n;
				vb = (size_t)(qe - d);
				i = vb + 1;
			} else {
				va = i;
				while (i < n && !is_ws(d[i]) && d[i] != '>')
					i++;
				vb = i;
			}
		} else {
			va = vb = nb; /* no value */
		}
		/* and what pages hide or hand to copy buttons (issue 21): data-*
		 * attributes (names up to 15 bytes), value (<input>, <button>, <option>) */
		if (name_is(d, na, nb, "alt") || name_is(d, na, nb, "title") ||
		    name_is(d, na, nb, "placeholder") || name_is(d, na, nb, "aria-label") ||
		    name_is(d, na, nb, "value") ||
		    (nb - na > 5 && nb - na < 16 && name_is(d, na, na + 5, "data-"))) {
			if (nta < MAX_TEXT_ATTRS && vb > va) {
				size_t l = nb - na;
				for (size_t k = 0; k < l; k++)
					ta[nta].name[k] = (char)lower(d[na + k]);
				ta[nta].name[l] = 0;
				ta[nta].va = va;
				ta[nta].vb = vb;
				nta++;
			}
		} else if (name_is(d, na, nb, "content")) {
			has_content = 1;
			content_a = va;
			content_b = vb;
		} else if (name_is(d, na, nb, "name") || name_is(d, na, nb, "property")) {
			has_meta_name = 1;
			meta_name_a = va;
			meta_name_b = vb;
		} else if (name_is(d, na, nb, "type")) {
			json_type = is_json_type(d, va, vb);
			js_type = is_js_type(d, va, vb);
		}
	}
	const elem_t *e = nlen ? elem_lookup(name, nlen) : NULL;
	unsigned fl = e ? e->flags : 0;
	if (e && !strcmp(e->name, "meta") && has_content && has_meta_name && nta < MAX_TEXT_ATTRS &&
	    content_b > content_a &&
	    (name_is(d, meta_name_a, meta_name_b, "description") ||
	     name_is(d, meta_name_a, meta_name_b, "keywords") ||
	     name_is(d, meta_name_a, meta_name_b, "author") ||
	     name_is(d, meta_name_a, meta_name_b, "og:title") ||
	     name_is(d, meta_name_a, meta_name_b, "og:description"))) {
		memcpy(ta[nta].name, "content", 8);
		ta[nta].va = content_a;
		ta[nta].vb = content_b;
		nta++;
	}
	/* a second html/head/body merges into the first */
	if (e && (e->group == G_HTML || e->group == G_HEAD || e->group == G_BODY) &&
	    has_group(s, e->group))
		return i;

	auto_close(s, e);
	if (!(fl & F_INLINE))
		block_boundary(s, j);
	else if (fl & F_BREAK)
		block_boundary(s, j);

	size_t f = push(s, name, nlen, h, e);
	if (s->b->oom)
		return n;
	for (size_t k = 0; k < nta && f; k++) {
		char suffix[72] = "/@";
		size_t so = 0;
		/* <input name="phone" value="...">: the name as an XPath predicate
		 * ("input[1][@name='phone']/@value"), read by detect.c as the
		 * value's key (context, as a JSON key is) */
		if (!strcmp(ta[k].name, "value") && has_meta_name && meta_name_b > meta_name_a &&
		    meta_name_b - meta_name_a <= 32) {
			int plain = 1;
			for (size_t z = meta_name_a; z < meta_name_b; z++)
				plain &= (d[z] >= 'a' && d[z] <= 'z') || (d[z] >= 'A' && d[z] <= 'Z') ||
				         (d[z] >= '0' && d[z] <= '9') || d[z] == '_' || d[z] == '-';
			if (plain) {
				memcpy(suffix, "[@name='", 8);
				memcpy(suffix + 8, d + meta_name_a, meta_name_b - meta_name_a);
				so = 8 + meta_name_b - meta_name_a;
				memcpy(suffix + so, "']", 2);
				so += 2;
			}
		}
		size_t al = strlen(ta[k].name); /* <= 15: "data-..." */
		suffix[so] = '/';
		suffix[so + 1] = '@';
		memcpy(suffix + so + 2, ta[k].name, al);
		suffix[so + 2 + al] = 0;
		char *x = xpath_dup(s->prefix, s->path, s->fr[f].pathlen, suffix);
		if (!x) {
			s->b->oom = 1;
			return n;
		}
		if (fl & F_INLINE) {
			if (s->npend == TM_MAX_PENDING_ATTR)
				flush_pending(s, j);
			s->pend[s->npend].va = ta[k].va;
			s->pend[s->npend].vb = ta[k].vb;
			s->pend[s->npend].xpath = x;
			s->npend++;
		} else {
			emit_attr(s, x, ta[k].va, ta[k].vb, j);
		}
	}
	/* void elements, and self-closed elements HTML does not know (svg, xml) */
	if ((fl & F_VOID) || (selfclose && !e)) {
		if (f)
			pop_to(s, f - 1);
		else if (s->overflow)
			s->overflow--;
		if (!(fl & F_INLINE))
			tm_sep(s->b, i);
		return i;
	}
	if (fl & (F_SKIP | F_RCDATA | F_RAWEMIT)) {
		size_t end = find_end_tag(d, i, n, name, nlen);
		if (json_type && f && !strcmp(name, "script") && s->b->nest < TM_MAX_NEST)
			json_script(s, f, i, end);
		else if (js_type && f && !strcmp(name, "script") && end > i)
			js_script(s, f, i, end);
		if (fl & F_RCDATA)
			emit_value(s, i, end);
		else if (fl & F_RAWEMIT)
			tm_emit_run(s->b, i, end, TM_TEXT_HTML);
		return end;
	}
	if (fl & F_PLAIN) {
		tm_emit_run(s->b, i, n, TM_TEXT_HTML);
		return n;
	}
	return i;
}

static void end_tag(html_t *s, size_t j, const char *name, size_t nlen, uint64_t h)
{
	const elem_t *e = nlen ? elem_lookup(name, nlen) : NULL;
	unsigned fl = e ? e->flags : 0;
	if (fl & F_BREAK) { /* </br> is <br> */
		block_boundary(s, j);
		return;
	}
	if (!(fl & F_INLINE))
		block_boundary(s, j);
	if (e && (e->group == G_HTML || e->group == G_BODY))
		return; /* text after </body> still belongs to the body */
	if (s->overflow) {
		s->overflow--;
		return;
	}
	for (size_t k = s->depth; k >= 1; k--) {
		if (s->fr[k].h == h) {
			pop_to(s, k - 1);
			return;
		}
		/* an inline end tag does not close the block it sits in */
		if ((fl & F_INLINE) && !is_inline(&s->fr[k]))
			return;
	}
}

/* The text of a comment d[a,b) (the comment starts at j): pages hide data
 * there (issue 21). Emitted like an inline attribute, after the text of the
 * block it sits in, so a comment inside a number never cuts it; xpath
 * ".../comment()". Short comments and huge ones (templates) are skipped. */
#define MAX_COMMENT_TEXT 4096
static void comment_text(html_t *s, size_t j, size_t a, size_t b)
{
	if (b < a + 5 || b - a > MAX_COMMENT_TEXT || s->b->oom)
		return;
	size_t blk = s->fr[s->depth].blk;
	char *x = xpath_dup(s->prefix, s->path, s->fr[blk].pathlen, "/comment()");
	if (!x) {
		s->b->oom = 1;
		return;
	}
	if (s->npend == TM_MAX_PENDING_ATTR)
		flush_pending(s, j);
	s->pend[s->npend].va = a;
	s->pend[s->npend].vb = b;
	s->pend[s->npend].xpath = x;
	s->npend++;
}

/* Markup at d[j] == '<'; returns the index to continue at. */
static size_t markup(html_t *s, size_t j)
{
	const unsigned char *d = s->d;
	size_t n = s->n;
	if (j + 1 >= n) {
		tm_emit_run(s->b, j, n, TM_TEXT_HTML);
		return n;
	}
	unsigned c = d[j + 1];
	if (c == '!') {
		if (j + 4 <= n && d[j + 2] == '-' && d[j + 3] == '-') {
			size_t k = j + 4;
			if (k < n && d[k] == '>')
				return k + 1; /* <!--> */
			if (k + 1 < n && d[k] == '-' && d[k + 1] == '>')
				return k + 2; /* <!---> */
			while (k + 2 < n) {
				const unsigned char *m = memchr(d + k, '-', n - k);
				if (!m)
					return n;
				k = (size_t)(m - d);
				if (k + 2 < n && d[k + 1] == '-' && d[k + 2] == '>') {
					comment_text(s, j, j + 4, k);
					return k + 3;
				}
				if (k + 3 < n && d[k + 1] == '-' && d[k + 2] == '!' && d[k + 3] == '>')
					return k + 4;
				k++;
			}
			return n; /* unclosed comment runs to the end */
		}
		if (j + 9 <= n && !memcmp(d + j + 2, "[CDATA[", 7)) {
			size_t k = j + 9;
			while (k + 2 < n && !(d[k] == ']' && d[k + 1] == ']' && d[k + 2] == '>'))
				k++;
			size_t end = k + 2 < n ? k : n;
			tm_emit_run(s->b, j + 9, end, TM_TEXT_HTML);
			return end < n ? end + 3 : n;
		}
		const unsigned char *gt = memchr(d + j, '>', n - j);
		return gt ? (size_t)(gt - d) + 1 : n;
	}
	if (c == '?') {
		const unsigned char *gt = memchr(d + j, '>', n - j);
		return gt ? (size_t)(gt - d) + 1 : n;
	}
	if (c == '/') {
		if (j + 2 < n && is_alpha(d[j + 2])) {
			char name[NAME_MAX_XP + 1];
			size_t nlen;
			uint64_t h;
			size_t k = tag_name(d, j + 2, n, name, &nlen, &h);
			const unsigned char *gt = memchr(d + k, '>', n - k);
			if (!gt)
				return n;
			end_tag(s, j, name, nlen, h);
			return (size_t)(gt - d) + 1;
		}
		if (j + 2 < n && d[j + 2] == '>')
			return j + 3;
		const unsigned char *gt = memchr(d + j, '>', n - j);
		return gt ? (size_t)(gt - d) + 1 : n;
	}
	if (is_alpha(c))
		return start_tag(s, j);
	tm_emit_run(s->b, j, j + 1, TM_TEXT_HTML); /* a '<' that starts nothing */
	return j + 1;
}

int tm_html(tm_builder_t *b)
{
	return tm_html_prefixed(b, NULL);
}

int tm_html_prefixed(tm_builder_t *b, const char *xpath_prefix)
{
	html_t *s = calloc(1, sizeof *s);
	if (!s) {
		b->oom = 1;
		return ARC_ENOMEM;
	}
	s->prefix = xpath_prefix;
	s->b = b;
	s->d = b->src->d;
	s->n = b->src->n;
	s->fr[0].serial = 0;
	s->next_serial = 0;
	b->xpath_cb = text_xpath;
	b->xpath_ctx = s;

	const unsigned char *d = s->d;
	size_t n = s->n, i = b->src->start;
	while (i < n && !b->oom) {
		size_t j = i;
		while (j < n && d[j] != '<' && d[j] != '&')
			j++;
		if (j > i)
			tm_emit_run(b, i, j, TM_TEXT_HTML);
		if (j >= n)
			break;
		if (d[j] == '&') {
			uint32_t cp;
			size_t k = tm_entity(d, j, n, 0, &cp);
			if (k) {
				tm_emit_cp(b, cp, j, k, TM_TEXT_HTML);
				i = k;
			} else {
				tm_emit_run(b, j, j + 1, TM_TEXT_HTML);
				i = j + 1;
			}
			continue;
		}
		i = markup(s, j);
	}
	flush_pending(s, n);
	b->xpath_cb = NULL;
	b->xpath_ctx = NULL;
	free(s->kids);
	free(s);
	return b->oom ? ARC_ENOMEM : 0;
}
