/*
 * detect.h — the public header of the detector (crawler/detect/): finds
 * exposed personal data (identifiers validated by check digits, names,
 * addresses, dox keywords) in one page's payload and records where each
 * fragment sits, as byte offsets a verifier can re-check.
 *
 * Used by the crawl (crawler/) and by `custody scan` / `custody watch-hash`
 * (crawler/cli/). It depends on archive/ (errors, digests, buffers), libxml2
 * (HTML), iconv and OpenSSL's libcrypto (hashes); never on libcurl.
 *
 * Layers inside (private headers *_int.h): textmap_int.h builds the text map
 * (code points with their byte ranges); html_text.c, json_text.c and
 * js_text.c are tokenizers on that map; textmap.c picks a tokenizer by media
 * type and for nested content; scanner.c matches every type in one pass;
 * validate.c checks digits; rules.c reads the rules; verdict.c decides
 * whether a page is a doxing page; watch.c owns the watchlist format.
 *
 * Must never: print, exit, or trust a size read from a page.
 */
#ifndef CUSTODY_DETECT_H
#define CUSTODY_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "archive.h"

/* Bytes of one payload the detector reads; a longer payload is scanned up to
 * here and its result says truncated (findings record "complete": false). */
#define DETECT_MAX_INPUT ((size_t)32 << 20)
/* Longest identifier line `custody watch-hash` accepts. */
#define DETECT_WATCH_MAX_LINE 4096


/* What the detector reads, by media type (the one classifier shared by the
 * crawl's detection and link extraction and by `custody scan`): HTML
 * (text/html, application/xhtml+xml, text/xml, application/xml, any +xml),
 * JSON (application/json, text/json, application/x-ndjson, any +json), TEXT
 * (any other text/ type, application/javascript), NONE (anything else, or no
 * type: the caller may sniff). Parameters (";charset=...") are ignored. */
typedef enum {
	DETECT_KIND_NONE = 0,
	DETECT_KIND_HTML,
	DETECT_KIND_JSON,
	DETECT_KIND_TEXT
} detect_kind_t;
detect_kind_t detect_media_kind(const char *content_type);

/* Rules: keywords, context words, surnames, region codes (data, not code).
 * path NULL: the built-in copy of samples/rules/default.rules (embedded at
 * build time from that file). */
typedef struct detect_rules detect_rules_t;
detect_rules_t *detect_rules_load(const char *path, arc_error_t *err);
void detect_rules_free(detect_rules_t *r);

/* Watchlist of salted SHA-256 hashes of normalized identifiers (custody watch-hash). */
typedef struct detect_watch detect_watch_t;
detect_watch_t *detect_watch_load(const char *path, arc_error_t *err);
/* 1 if the normalized value (with its type) is on the list. */
int detect_watch_match(const detect_watch_t *w, const char *type, const char *value);
void detect_watch_free(detect_watch_t *w);

/* Writing a watchlist (the format is in watch.c): created mode 0600 with a
 * fresh random salt. add() takes one line "[TYPE blank] VALUE": 0 hashed, -1
 * nothing usable on it. summary() appends " type count" pairs. close(keep=0)
 * removes the file (e.g. after an input error); nonzero when writing failed. */
typedef struct detect_watch_writer detect_watch_writer_t;
detect_watch_writer_t *detect_watch_writer_new(const char *path, arc_error_t *err);
int detect_watch_writer_add(detect_watch_writer_t *w, const char *line, size_t n);
int detect_watch_writer_summary(const detect_watch_writer_t *w, arc_buf_t *out);
int detect_watch_writer_close(detect_watch_writer_t *w, int keep, arc_error_t *err);

typedef struct {
	const char *type;     /* static: "cn_resident_id", ..., "dox_keyword" */
	char *value;          /* normalized value (owned) */
	char *text;           /* the exact source bytes, as UTF-8 (owned) */
	uint64_t start, end;  /* [start,end) byte offsets into the payload, original encoding */
	char sha256[ARC_DIGEST_LEN]; /* over payload[start,end) */
	char *xpath;          /* element holding it (owned), "" for non-HTML */
	char *context;        /* a short window of text around it, UTF-8 (owned) */
	double score;         /* 0..1 */
	int watch;            /* 1: matched the watchlist */
	char disguise[160];   /* how it was written to dodge filters: "" or comma-separated
	                         names (cn_numerals, spoken_digits, circled_digits, fullwidth,
	                         separators, emoji, zero_width, split_markup, hidden_markup,
	                         alias, obfuscated_email); docs/DETECTION.md */
} detect_finding_t;

typedef struct {
	detect_finding_t *v;
	size_t n;
	int doxing;           /* page verdict */
	double score;         /* page score 0..1 */
	char charset[32];     /* charset the payload was decoded from */
	uint64_t scanned_bytes; /* payload bytes looked at (from the start) */
	int truncated;        /* 1: the payload is longer than scanned_bytes (bounded by
	                         DETECT_MAX_INPUT): "no findings" then says nothing about the rest */
} detect_result_t;

/* Detect in one decoded payload (transfer and content coding removed, original
 * charset). content_type: the HTTP Content-Type value, or NULL to sniff (HTML,
 * JSON or text). watch may be NULL. */
int detect_payload(const detect_rules_t *rules, const detect_watch_t *watch,
                   const char *content_type, const unsigned char *payload,
                   size_t len, detect_result_t *out, arc_error_t *err);
void detect_result_free(detect_result_t *r);
/* Findings written into one findings record at most, and its JSON size at most:
 * a page with more (a leaked table of thousands of people) keeps the first ones
 * in page order and says how many were left out ("findings_omitted"), so the
 * record stays under the verifier's limits (VF_MAX_FINDINGS, VF_MAX_JSON). The
 * verdict is made on all of them. */
#define DETECT_MAX_FINDINGS 10000u
#define DETECT_MAX_FINDINGS_JSON ((size_t)6 << 20)

/* The findings record body (application/vnd.custody.findings+json, DESIGN.md). */
int detect_findings_json(const detect_result_t *r, const char *target_record_id,
                         arc_buf_t *out);
/* The findings record body for a page the detector could not read (its
 * payload could not be decoded, or detection failed): no verdict, no
 * findings, and "scanned": {"bytes": 0, "complete": false, "error": why}, so
 * that "no findings" is never mistaken for "nothing there". */
int detect_findings_error_json(const char *target_record_id, const char *why, arc_buf_t *out);
/* How strongly a short UTF-8 text (a link's anchor text, title or alt) points
 * at doxing, from the rules' dox keywords: 1.0 a strong keyword (开盒, 人肉),
 * 0.5 only weak ones (曝光, 户籍), 0 none. Full-width ASCII is folded; only the
 * first 1 KiB is read. Records nothing: used to order the crawl (--focus). */
double detect_text_signal(const detect_rules_t *rules, const char *utf8, size_t len);

#endif
