/*
 * crawler.h — the public header of crawler/: the crawl, and detection of
 * exposed personal data (used by `custody crawl` and `custody scan`).
 *
 * Library code here never prints or exits (progress goes through a callback);
 * errors come back as arc_code values with an arc_error_t naming the URL or file.
 */
#ifndef CUSTODY_CRAWLER_H
#define CUSTODY_CRAWLER_H

#include <stddef.h>
#include <stdint.h>

#include "archive.h"

#define CUSTODY_VERSION "0.1.0"

/* ================================================================ detection */

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
} detect_finding_t;

typedef struct {
	detect_finding_t *v;
	size_t n;
	int doxing;           /* page verdict */
	double score;         /* page score 0..1 */
	char charset[32];     /* charset the payload was decoded from */
} detect_result_t;

/* Detect in one decoded payload (transfer and content coding removed, original
 * charset). content_type: the HTTP Content-Type value, or NULL to sniff (HTML,
 * JSON or text). watch may be NULL. */
int detect_payload(const detect_rules_t *rules, const detect_watch_t *watch,
                   const char *content_type, const unsigned char *payload,
                   size_t len, detect_result_t *out, arc_error_t *err);
void detect_result_free(detect_result_t *r);
/* The findings record body (application/vnd.custody.findings+json, DESIGN.md). */
int detect_findings_json(const detect_result_t *r, const char *target_record_id,
                         arc_buf_t *out);

/* ================================================================ crawl */

/* Filled by crawler/crawl.c: options, stats, crawl_run(). */

#endif
