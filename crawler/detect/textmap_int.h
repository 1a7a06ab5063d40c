/*
 * textmap_int.h — private plumbing shared by the textmap modules
 * (tm_build.c: builder and normalization, the bottom layer; charset.c:
 * detection and decoding; html_text.c, json_text.c, js_text.c: the
 * tokenizers, which use only the builder and reach each other's kinds through
 * the tm_nested_t table that textmap.c, the top, hands them). Not for use
 * outside them.
 *
 * Two stages. charset.c turns the payload into a tm_src_t: UTF-8 text with,
 * per byte, the payload range of the source character. For UTF-8 payloads the
 * "decoded" text is the payload itself (identity: no copy, no map arrays; bad
 * bytes are replaced while emitting). The tokenizers then walk that text and
 * feed characters, with their decoded range, to the builder, which normalizes
 * and records for every output byte the payload range it came from.
 */
#ifndef CUSTODY_TEXTMAP_INT_H
#define CUSTODY_TEXTMAP_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "textmap.h"
#include "utf8_int.h"

typedef struct {
	const unsigned char *d; /* UTF-8 text (identity: the payload) */
	size_t n;               /* bytes in d */
	size_t start;           /* first byte to tokenize (after a BOM) */
	uint32_t *ms, *me;      /* per byte of d: source char [ms,me); NULL = identity */
	unsigned char *own;     /* d when allocated (freed by tm_src_free) */
	char charset[32];       /* name reported in textmap_t.charset */
} tm_src_t;

/* Detect the charset of payload p[0,n) and decode it into *src.
 * markup: the payload is (or sniffs as) HTML/XML, so <meta> and <?xml ?> count.
 * 0 or ARC_ENOMEM. */
int tm_decode(const char *content_type, const unsigned char *p, size_t n, int markup,
              tm_src_t *src);
void tm_src_free(tm_src_t *src);
/* Charset name for a WHATWG-style label ("gbk" -> "GB18030"), or NULL if unknown.
 * Exposed for the tests. */
const char *tm_charset_for_label(const char *label, size_t len);

/* Emission modes for tm_emit_run. */
enum {
	TM_TEXT_PLAIN = 0, /* characters as they are (plain text: newlines kept) */
	TM_TEXT_HTML = 1,  /* runs of white space become one ' ', none at segment edges */
	TM_TEXT_JSON = 2   /* TAB/CR/LF become ' ' (no collapsing) */
};

#define TM_MAX_PENDING_ATTR 64

typedef struct tm_builder tm_builder_t;

/* Nested content a tokenizer meets, read by another tokenizer: filled by
 * textmap.c (the dispatcher), so tokenizers never call each other by name. */
typedef struct {
	/* HTML inside a JSON string value: b->src is that text, xpaths prefixed */
	int (*html_in_json)(tm_builder_t *b, const char *xpath_prefix);
	/* d[a,z) as a JSON text with prefixed xpaths (JSON inside a script or a
	 * JSON script element): 1 when it was JSON, 0 when not (rolled back) */
	int (*json_window)(tm_builder_t *b, size_t a, size_t z, const char *xpath_prefix);
	/* the data in inline JavaScript d[a,e) */
	void (*js)(tm_builder_t *b, size_t a, size_t e, const char *xpath, const char *json_prefix);
} tm_nested_t;

/* Grow a text and its two map arrays (payload start and end offsets per text
 * byte) to ncap entries, the text by extra bytes more (a final NUL): the one
 * way the charset decoder and the builder grow. 0, or -1 (what was grown
 * stays valid and owned by the caller). */
static inline int tm_grow_map(unsigned char **d, uint32_t **ms, uint32_t **me, size_t ncap, size_t extra)
{
	unsigned char *nd = realloc(*d, ncap + extra);
	if (!nd)
		return -1;
	*d = nd;
	uint32_t *ns = realloc(*ms, ncap * sizeof *ns);
	if (!ns)
		return -1;
	*ms = ns;
	uint32_t *ne = realloc(*me, ncap * sizeof *ne);
	if (!ne)
		return -1;
	*me = ne;
	return 0;
}

static inline int tm_is_ws(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

struct tm_builder {
	const tm_src_t *src;
	char *text;
	uint32_t *ss, *se;
	size_t len, cap;
	textmap_seg_t *seg;
	size_t nseg, segcap;
	int seg_open;
	int mode;               /* TM_TEXT_* of the current run */
	int pend_space;         /* html: a collapsed space waits for the next char */
	uint32_t ps, pe;
	char *next_xpath;       /* xpath for the next segment when set (owned) */
	char *(*xpath_cb)(void *ctx); /* otherwise asked here (malloc'd string) */
	void *xpath_ctx;
	size_t xpath_bytes;     /* sum of segment xpath lengths */
	int nest;               /* JSON in HTML in JSON ... depth */
	size_t script_bytes;    /* inline script bytes read for data (js_text.c) */
	const tm_nested_t *nested; /* readers of nested kinds (set by textmap.c) */
	int oom;
};

/* Builder lifecycle (tm_build.c): reserve room for more text bytes (0 or
 * ARC_ENOMEM, also sets oom), reset to empty keeping the arrays, free all. */
int tm_builder_reserve(tm_builder_t *b, size_t more);
void tm_builder_reset(tm_builder_t *b);
void tm_builder_free(tm_builder_t *b);

/* Source payload offset of decoded position pos (pos == n: end of the text). */
uint32_t tm_src_pos(const tm_src_t *s, size_t pos);
/* Emit decoded text d[a,b) in mode (one of TM_TEXT_*). */
void tm_emit_run(tm_builder_t *b, size_t a, size_t e, int mode);
/* Emit code point cp produced by decoded range [a,e) (an entity or escape). */
void tm_emit_cp(tm_builder_t *b, uint32_t cp, size_t a, size_t e, int mode);
/* End the current segment; a '\n' separator mapped to decoded position pos. */
void tm_sep(tm_builder_t *b, size_t pos);
/* The next segment opened gets this xpath (takes ownership). */
void tm_set_next_xpath(tm_builder_t *b, char *xpath);

/* Character reference at d[i] == '&': returns the index after it and sets *cp,
 * or returns 0 when it is not a reference (then '&' is text). */
size_t tm_entity(const unsigned char *d, size_t i, size_t n, int in_attr, uint32_t *cp);

/* Drop what was emitted after the text had len bytes and nseg segments
 * (a nested JSON body that turned out invalid). Call with no segment open. */
void tm_rollback(tm_builder_t *b, size_t len, size_t nseg);

/* Tokenizers, called by textmap.c only (nested kinds go through b->nested):
 * 0, ARC_ENOMEM (html), or -1 when the JSON is invalid. */
int tm_html(tm_builder_t *b);
/* The same on b->src, every xpath prefixed (HTML inside a JSON string). */
int tm_html_prefixed(tm_builder_t *b, const char *xpath_prefix);
int tm_json(tm_builder_t *b);
/* The same on b->src from src->start, every xpath prefixed (a JSON script). */
int tm_json_prefixed(tm_builder_t *b, const char *xpath_prefix);
/* d[a,z) of b->src as a JSON text with prefixed xpaths (JSON inside a script
 * or a JSON script element): 1 when it was JSON (its values are segments), 0
 * when not (anything emitted is rolled back) or when nested too deep. */
int tm_json_window(tm_builder_t *b, size_t a, size_t z, const char *xpath_prefix);
/* The data in inline JavaScript d[a,e) of b->src (js_text.c): string literals
 * as segments with xpath (copied), JSON literals through tm_json_prefixed
 * with json_prefix ("<script path>/"). Leaves b->xpath_cb to the caller. */
void tm_js(tm_builder_t *b, size_t a, size_t e, const char *xpath, const char *json_prefix);

/* Bounds. */
#define TM_MAX_DEPTH   256      /* element / JSON nesting tracked */
#define TM_MAX_SEGS    (1u << 20)
#define TM_MAX_XPATH_BYTES ((size_t)32 << 20) /* all segments' xpaths together */
#define TM_MAX_XPATH   1024     /* bytes of one xpath */
#define TM_MAX_NEST    3        /* HTML in JSON in HTML ... levels */
#define TM_MAX_SCRIPT_TEXT ((size_t)4 << 20) /* inline script bytes read for data, per page */

#endif
