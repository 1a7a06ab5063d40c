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
 * GBK/GB18030/Big5/UTF-16 via iconv), HTML markup removed (script/style bodies
 * dropped, entities decoded), full-width ASCII (U+FF01..U+FF5E) folded to ASCII,
 * U+3000 and NBSP to ' '. Text of inline elements (span, b, i, a, em, strong,
 * font, ...) runs together, so an identifier split across inline tags stays
 * one string; block boundaries, attribute values (alt, title) and JSON string
 * values are separated by '\n'. Separator bytes map to the position where the
 * boundary sits (src_start == src_end).
 */
#ifndef CUSTODY_TEXTMAP_H
#define CUSTODY_TEXTMAP_H

#include <stddef.h>
#include <stdint.h>

#include "archive.h"

/* A run of text from one element (or attribute, or JSON string). */
typedef struct {
	size_t text_start, text_end; /* [start,end) in textmap_t.text */
	char *xpath;                 /* e.g. "/html/body/div[2]/p[1]", "@title" appended for attributes; "$.a.b[2]" for JSON; "" for plain text (owned) */
} textmap_seg_t;

typedef struct {
	char *text;            /* normalized UTF-8, NUL-terminated (owned) */
	size_t len;
	uint64_t *src_start;   /* per text byte: first payload byte of its source character */
	uint64_t *src_end;     /* per text byte: one past the last payload byte of its source character */
	textmap_seg_t *seg;    /* segments in text order, non-overlapping */
	size_t nseg;
	char charset[32];      /* charset decoded from, e.g. "UTF-8", "GB18030" */
	char kind[8];          /* "html", "json", "text" */
} textmap_t;

/* Bound on the payload bytes mapped (larger payloads are mapped up to this). */
#define TEXTMAP_MAX_INPUT ((size_t)64 << 20)

/* Build the map of a decoded payload (transfer and content coding removed).
 * content_type: HTTP Content-Type header value or NULL (sniff). 0 or arc_code. */
int textmap_build(const char *content_type, const unsigned char *payload, size_t len,
                  textmap_t *out, arc_error_t *err);
/* Segment index holding text byte pos (binary search), or -1. */
long textmap_seg_at(const textmap_t *m, size_t pos);
void textmap_free(textmap_t *m);

#endif
