/*
 * watch.h — `custody watch` as a library (crawler/watch/): one watch round
 * is one crawl round (crawl_run) into the same case, which the round leaves
 * closed; the front end (crawler/cli/cmd_watch.c) schedules the rounds.
 *
 * What a round adds to the case beyond the crawl's own records:
 *   - a watch record (metadata, urn:custody:watch:<case id>, TL_CT_WATCH):
 *     {"round": N, "started", "ended", "fetched", "revisits", "failed",
 *      "unreached": [{"url", "outcome", "message"}], "backoff": [URL...]}
 *     so that a round the network failed is on record as such, and the
 *     next run after a crash knows which round comes next;
 *   - per alert an alert record (metadata, urn:custody:alert:<url>,
 *     TL_CT_ALERT, WARC-Refers-To the page's response):
 *     {"url", "record", "round", "reason": "watched"|"doxing", "types": [...]}
 *     finding types only: never an identifier's value.
 * Both are written before the case is closed, so the round's closing seal
 * covers them.
 *
 * Must never print, exit, run a command (the front end runs --on-alert),
 * or put the value of a watched identifier anywhere.
 */
#ifndef CUSTODY_WATCH_H
#define CUSTODY_WATCH_H

#include "crawler.h"

#define WATCH_MAX_UNREACHED 10000u   /* URLs listed in one watch record */
#define WATCH_MAX_ALERTS    10000u   /* alerts in one round */
#define WATCH_INDEX_EVERY   600      /* s between two rebuilds of index.cdxj while watching */

typedef struct {
	crawl_opts_t crawl;           /* seeds, case_dir, depth, scope, politeness, sealing, watch_path */
	const char *removal_rules;    /* NULL: built-in (samples/rules/removal.rules) */
} watch_opts_t;

typedef struct {
	char *url;
	char record[ARC_UUID_LEN + 8];  /* the response that exposes it */
	char alert_record[ARC_UUID_LEN + 8];
	const char *reason;             /* "watched" or "doxing" (static) */
	uint32_t types;                 /* tl_type_bit bits */
	char time[ARC_DATE_LEN];        /* WARC-Date of the response */
	char seal_time[24];             /* the round's seal covering it ("" none) */
	char stamp_time[24];            /* its RFC 3161 genTime ("" none) */
	uint32_t round;
	int late;                       /* recorded by an earlier run that was killed before delivering it */
} watch_alert_t;

typedef struct {
	uint32_t round;
	crawl_stats_t crawl;
	uint64_t present, removed, moved, unavailable, unreachable, backoff;
	watch_alert_t *alerts;
	size_t nalerts, capalerts;
	int damaged;                    /* reading the case back found a damaged file */
	int ran;                        /* 0: every site was backing off, nothing fetched or
	                                   written, the round number not used */
} watch_round_t;

typedef struct watch watch_t;
/* Lock the case (a second watcher is refused: ARC_EINVAL, err says who holds
 * it), read what it holds (the round to continue from, alerts already
 * raised). opts is borrowed for the watch's lifetime. */
watch_t *watch_open(const watch_opts_t *opts, arc_error_t *err);
/* One round. 0 (per-URL failures are recorded, not errors) or <0 when the
 * case could not be written. out is filled either way (watch_round_free). */
int watch_round(watch_t *w, watch_round_t *out, crawl_progress_fn fn, void *ctx, arc_error_t *err);
void watch_round_free(watch_round_t *r);
/* Releases the lock. */
void watch_close(watch_t *w);
/* The next round's number. */
uint32_t watch_next_round(const watch_t *w);

/* Delivery: an alert is recorded in the case (and sealed) before its event
 * goes out; once it went out (stdout, --log, --on-alert) the front end calls
 * watch_delivered, which appends its alert record id to CASE/watch.delivered
 * (fsync'd). Alerts of the case that file does not name, found by
 * watch_open, are the undelivered ones (watch_undelivered: borrowed until
 * watch_close): the front end delivers them first. At least once: a watcher
 * killed between delivering and watch_delivered delivers that one again. */
int watch_delivered(watch_t *w, const watch_alert_t *a, arc_error_t *err);
size_t watch_undelivered(const watch_t *w, const watch_alert_t **v);

/* The alert event (one JSON object, no newline): {"kind":"alert", "url",
 * "reason", "types", "record", "alert_record", "round", "time", "sealed",
 * "trusted_time"} and "late": true for an alert an earlier run recorded but
 * did not deliver. */
int watch_alert_json(const watch_alert_t *a, arc_buf_t *out);

/* The URLs of case dir whose last present capture was judged doxing
 * (--doxing-of). *urls malloc'd, each string too. */
int watch_doxing_urls(const char *dir, char ***urls, size_t *n, arc_error_t *err);

/* The per-case lock (one function, so that the project's case lock can
 * take its place): 0 and *fd held, or ARC_EINVAL when another process holds
 * it (err names its pid), ARC_EIO. */
int watch_lock(const char *dir, int *fd, arc_error_t *err);
void watch_unlock(int fd);

#endif
