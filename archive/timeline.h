/*
 * timeline.h — how long each page of a case stayed up (custody timeline,
 * custody watch, the verifier's report): read from the case's own records.
 *
 * Part of archive/ (included at the end of archive.h) so that custody-verify,
 * which links neither libcurl nor libxml2, builds the same timeline the
 * crawler does. Nothing here fetches, prints or trusts a length it read.
 *
 * A visit is one response or revisit record of a page's URL (robots.txt and
 * custody's own urn: records are not pages), or one URL a `custody watch`
 * round could not reach (listed in that round's watch record). Its state:
 *   present      2xx whose payload carries no removal notice
 *   removed      404, 410 or 451; a redirect to a login or home page; a 2xx
 *                whose text says it was removed (the removal rules) and shows
 *                no personal data any more
 *   moved        another redirect (the target is a URL of its own)
 *   unavailable  any other 4xx/5xx (403, 429, 500, 503 ...): not "removed"
 *   unreachable  no answer at all (DNS, refused, timeout): not "removed"
 * Each visit's trusted time is the seal that covers it (the first seal record
 * whose tree size counts it): the tree head's time and, when the seal carries
 * an RFC 3161 token, the token's genTime (read, not judged: custody-verify
 * judges the TSA's chain); a seal stamped later (a stamp record, custody
 * stamp) gives that genTime to every visit it covers that had none or a later
 * one. A removal notice is matched in the payload as UTF-8, a GB18030 (gbk,
 * gb2312) or Big5 page decoded first by its declared charset.
 */
#ifndef CUSTODY_TIMELINE_H
#define CUSTODY_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

/* The record custody watch writes at the end of each round, and the alert record. */
#define TL_CT_WATCH "application/vnd.custody.watch+json"
#define TL_CT_ALERT "application/vnd.custody.alert+json"
#define TL_WATCH_URN "urn:custody:watch:"
#define TL_ALERT_URN "urn:custody:alert:"

/* bounds on outside input */
#define TL_MAX_URL      8192u        /* bytes of one URL followed */
#define TL_MAX_URLS     1000000u     /* distinct URLs in one timeline */
#define TL_MAX_VERSIONS 4096u        /* distinct payloads counted per URL */
#define TL_MAX_SCAN     ((size_t)1 << 20) /* decoded payload bytes searched for a notice */
#define TL_MAX_PHRASES  512u
#define TL_MAX_PHRASE   256u         /* bytes of one phrase */
#define TL_MAX_JSON     ((size_t)16 << 20) /* bytes of a watch/alert/findings body read */

/* ---------------------------------------------------------------- removal rules */

/* A rules file (samples/rules/removal.rules): one rule a line, '#' comments.
 *   notice PHRASE   the page says it was removed (matched case-insensitively
 *                   for ASCII, anywhere in the decoded payload, UTF-8 text)
 *   login  TEXT     a redirect whose target path contains TEXT is a redirect
 *                   to a login page
 * A redirect to "/" (or the site's root with only a query) is a redirect to
 * the home page: removed, without a rule. */
typedef struct tl_rules tl_rules_t;
/* path NULL: the built-in copy of samples/rules/removal.rules. */
tl_rules_t *tl_rules_load(const char *path, arc_error_t *err);
tl_rules_t *tl_rules_parse(const char *text, size_t len, const char *name, arc_error_t *err);
void tl_rules_free(tl_rules_t *r);
/* The built-in rules text (the same bytes as samples/rules/removal.rules). */
const char *tl_rules_builtin(void);
size_t tl_rules_count(const tl_rules_t *r, int login);
/* The notice phrase found in text (borrowed from r), or NULL. */
const char *tl_rules_notice(const tl_rules_t *r, const unsigned char *text, size_t len);
/* 1 login page, 2 home page, 0 neither: where a redirect's Location leads
 * (absolute or relative; only its path is looked at). */
int tl_rules_redirect(const tl_rules_t *r, const char *location);

/* ---------------------------------------------------------------- the timeline */

typedef enum {
	TL_NONE = 0, TL_PRESENT, TL_REMOVED, TL_MOVED, TL_UNAVAILABLE, TL_UNREACHABLE
} tl_state_t;
const char *tl_state_name(tl_state_t s);

typedef struct {
	tl_state_t state;
	int status;                  /* HTTP status, 0 unreachable */
	char how[200];               /* removed/unavailable/unreachable: "404", "notice: 帖子不存在",
	                                "redirect to login: /login?...", "refused" ... */
	char date[ARC_DATE_LEN];     /* WARC-Date (the capturing machine's clock) */
	char record[ARC_UUID_LEN + 4]; /* the response/revisit (or watch) record id */
	char digest[ARC_DIGEST_LEN]; /* payload digest, "" unknown */
	uint64_t index;              /* the record's place in the case's log (leaf index) */
	uint32_t round;              /* watch round (0: not a watch round) */
	int doxing;                  /* the page verdict of its findings (-1 unknown) */
	int personal;                /* personal-data findings (-1 unknown) */
	uint32_t watched;            /* bit per finding type (tl_type_bit) that matched --watch */
	int sealed;                  /* a seal covers it */
	char seal_time[24];          /* the tree head's time */
	char stamp_time[24];         /* the first RFC 3161 token's genTime, "" none */
} tl_visit_t;

typedef struct {
	char *url;
	uint64_t visits, unreachable;
	uint32_t nversions;          /* distinct payloads among present visits */
	int has_first, has_last, has_removed;
	tl_visit_t first_present, last_present;
	tl_visit_t removed;          /* first removed visit after the last present one */
	tl_visit_t last;             /* the latest visit */
	uint32_t alerted;            /* finding-type bits an alert record already named */
	int alerted_doxing;
	int prev_doxing;             /* the verdict of the present visit before the latest, -1 none */
	uint64_t touched;            /* tl_generation when last visited */
	unsigned pend_mask;          /* summary slots waiting for a seal (one entry each) */
	/* history (tl_new keep_history) */
	tl_visit_t *hist;
	size_t nhist, caphist;
	char (*versions)[ARC_DIGEST_LEN];
	size_t capversions;
} tl_url_t;

typedef struct tl tl_t;
/* rules borrowed (NULL: no notices, redirects to "/" still count);
 * keep_history: every visit kept (custody timeline), else only the summary
 * (custody watch: memory stays flat however many rounds). */
tl_t *tl_new(const tl_rules_t *rules, int keep_history);
void tl_free(tl_t *t);
/* Feed one record, in log order. Unknown and malformed custody bodies are
 * skipped (the verifier judges them), never fatal. 0 or ARC_ENOMEM/ARC_ELIMIT. */
int tl_feed(tl_t *t, const warc_rec_t *rec, arc_error_t *err);
/* The last visit fed is complete (tl_read_case does this itself). */
int tl_end(tl_t *t);
/* Read the case directory's records not read yet (all at the first call):
 * the position is kept (file, offset), so calling this after each round
 * reads only that round. A torn or damaged tail stops the read there
 * (*damaged = 1, err says where); 0 or <0 (no such case, no memory). */
int tl_read_case(tl_t *t, const char *dir, int *damaged, arc_error_t *err);
/* Called for every alert record fed (custody watch finds the alerts it has
 * not delivered yet): record its id, the URL, the response it names, round,
 * reason ("watched"/"doxing"), finding-type bits, WARC-Date. All borrowed
 * for the call. NULL: none. */
typedef void (*tl_alert_fn)(void *ctx, const char *record, const char *url, const char *response,
                            uint32_t round, const char *reason, uint32_t types, const char *date);
void tl_set_alert_fn(tl_t *t, tl_alert_fn fn, void *ctx);
/* Start a new generation: visits fed from now on mark their URLs touched. */
uint64_t tl_next_generation(tl_t *t);
size_t tl_count(const tl_t *t);
tl_url_t *tl_url(tl_t *t, size_t i);
const tl_url_t *tl_find(const tl_t *t, const char *url);
/* The highest watch round recorded, 0 none. */
uint32_t tl_last_round(const tl_t *t);
/* Records fed. */
uint64_t tl_records(const tl_t *t);
/* Finding types as bits (for tl_visit_t.watched), and back. -1 unknown type. */
int tl_type_bit(const char *type);
const char *tl_type_name(int bit);
/* The timeline as JSON (README "custody timeline"); url NULL: every URL. */
int tl_json(const tl_t *t, const char *url, arc_buf_t *out);

#endif
