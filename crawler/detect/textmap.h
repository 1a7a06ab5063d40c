/*
 * textmap.h — a payload as normalized UTF-8 text with a byte map back to the
 * payload's original bytes (private to crawler/; used by detect.c).
 *
 * Detection matches on one normalized text per page (single pass, all types);
 * every byte of that text knows which payload bytes it came from, so a match
 * [a,b) in the text is the payload range [src_start[a], src_end[b-1]) in the
 * original encoding: the offsets a court can re-check against the archive.
 *
 * Normalization: charset decoded to UTF-8 (BOM, HTTP header, <meta>, sniffing;
 * GBK/GB18030/Big5/UTF-16 via iconv), HTML markup removed (style bodies and
 * script code dropped, the data in scripts kept: see below; entities decoded), full-width ASCII (U+FF01..U+FF5E) folded to ASCII,
 * U+3000 and NBSP to ' '. Text of inline elements (span, b, i, a, em, strong,
 * font, ...) runs together, so an identifier split across inline tags stays
 * one string; block boundaries, attribute values (alt, title) and JSON string
 * values are separated by '\n'. Separator bytes map to the position where the
 * boundary sits (src_start == src_end).
 *
 * Details of the implementation (d2; crawler/textmap.c, charset.c,
 * html_text.c, json_text.c — read before relying on more than the above):
 * - Map a text match [a,b) to the payload as [src_start[a], src_end[b-1]).
 *   Ranges are non-decreasing WITHIN a segment. Only match within one
 *   segment (never across a '\n' separator): attribute segments of inline
 *   elements (<img alt>, <a title>) are emitted after the text of the block
 *   they sit in, so that they never cut an inline run; those step back.
 * - Segments never contain '\n' in html/json (HTML: every run of white space,
 *   incl. NBSP/U+3000, is one ' ' mapped to the whole run, none at segment
 *   edges; JSON: \n \r \t become ' '). Plain text is one segment (xpath "")
 *   with its newlines. No separator at the end of the text.
 * - Also folded: U+2010..U+2015, U+2212, U+FE63 -> '-'; dropped (the
 *   neighbours' ranges then span them): U+200B..U+200D, U+2060, U+FEFF,
 *   U+00AD, NUL. Bad bytes -> U+FFFD mapped to exactly those bytes.
 * - charset: "UTF-8", "UTF-16LE", "UTF-16BE", "GB18030" (gbk, gb2312...),
 *   "BIG5-HKSCS" (big5), "SHIFT_JIS", "EUC-JP", "EUC-KR", "WINDOWS-1252"
 *   (latin1, us-ascii), "ISO-8859-n", "WINDOWS-125n", "KOI8-R", ... Order:
 *   BOM, Content-Type charset, <?xml encoding?>, <meta> (first 4096 bytes),
 *   UTF-16 NUL pattern, sniffing (UTF-8, GB18030, Big5, windows-1252).
 * - kind: "html" (text/html, xhtml, text/xml, application/xml, any +xml,
 *   or sniffed '<'), "json" (application/json, any +json, or sniffed '{' or
 *   '['; invalid JSON -> "text"), else "text".
 * - xpath: HTML "/html/body/div[2]/p[1]" (1-based [n] on every step but
 *   html/head/body; paths as written, no implied tbody/body); text in inline
 *   children gets the nearest block ancestor's path; attributes
 *   ".../img[1]/@alt" (alt, title, placeholder, aria-label, and <meta
 *   name=description|keywords|author / property=og:title|og:description>
 *   ".../meta[1]/@content"); also (issue 21) data-* attributes (names up to
 *   15 bytes) ".../span[1]/@data-copy", value ".../input[1][@name='phone']/@value"
 *   (the name, when plain, as an XPath predicate: detect.c takes it as the
 *   value's key), and comment text ".../p[2]/comment()" (5 to 4096 bytes),
 *   emitted after the block's text like inline attributes;
 *   a document-root text "/". JSON: "$.user.phone",
 *   "$.items[3].id" (0-based), odd keys "$['a.b']"; JSON numbers are
 *   segments too (as written); keys are not text, the key of a value is the
 *   last step of its xpath (context for qq/wechat: "$.user.qq").
 *   xpaths are valid UTF-8, at most ~1 KiB (+ a nesting prefix).
 * - Nested data, mapped to the payload all the same: a JSON string value
 *   holding HTML (rich-text API fields) is extracted as HTML, xpaths
 *   "$.post.body/p[2]"; <script type=application/json|ld+json|...+json>
 *   bodies are JSON, xpaths "/html/body/script[1]/$.name" (a JSON script
 *   that does not parse is left out). JavaScript scripts (no type,
 *   text/javascript, module; js_text.c): JSON literals such as
 *   window.__INITIAL_STATE__ = {...} the same way, other string literals of
 *   5+ bytes as segments with the script's xpath, or ".../script[1]/$.key"
 *   after a property key; code, numbers and comments are not text; at most
 *   TM_MAX_SCRIPT_TEXT (4 MiB) of script per page. Other types are skipped.
 */
#ifndef CUSTODY_TEXTMAP_H
#define CUSTODY_TEXTMAP_H

#include <stddef.h>
#include <stdint.h>

#include "detect.h"

/* A run of text from one element (or attribute, or JSON string). */
typedef struct {
	size_t text_start, text_end; /* [start,end) in textmap_t.text */
	char *xpath;                 /* e.g. "/html/body/div[2]/p[1]", "@title" appended for attributes; "$.a.b[2]" for JSON; "" for plain text (owned) */
} textmap_seg_t;

typedef struct {
	char *text;            /* normalized UTF-8, NUL-terminated (owned) */
	size_t len;
	uint32_t *src_start;   /* per text byte: first payload byte of its source character */
	uint32_t *src_end;     /* per text byte: one past the last payload byte of its source character */
	textmap_seg_t *seg;    /* segments in text order, non-overlapping */
	size_t nseg;
	char charset[32];      /* charset decoded from, e.g. "UTF-8", "GB18030" */
	char kind[8];          /* "html", "json", "text" */
	size_t src_len;        /* payload bytes mapped: min(len, TEXTMAP_MAX_INPUT); less than
	                          the payload's length means the rest was not looked at */
} textmap_t;

/* Bound on the payload bytes mapped (larger payloads are mapped up to this,
 * and the caller is told through src_len). The maps cost about 9 bytes per
 * text byte (text + two uint32_t offsets), and decoding a legacy charset up
 * to 8 more per decoded byte, so the bound is what keeps one page's memory
 * in the hundreds of MiB; offsets are uint32_t because of it. */
#define TEXTMAP_MAX_INPUT DETECT_MAX_INPUT

/* Build the map of a decoded payload (transfer and content coding removed).
 * content_type: HTTP Content-Type header value or NULL (sniff). 0 or arc_code. */
int textmap_build(const char *content_type, const unsigned char *payload, size_t len,
                  textmap_t *out, arc_error_t *err);
/* Segment index holding text byte pos (binary search), or -1. */
long textmap_seg_at(const textmap_t *m, size_t pos);
void textmap_free(textmap_t *m);

#endif
