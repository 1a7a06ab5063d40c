/*
 * crawler.h — the public header of the crawl library (the .c files of crawler/): fetch with
 * libcurl, frontier, scope, robots.txt, links, and the capture records. The
 * detector it runs on each page is a library of its own (crawler/detect/,
 * public header detect.h); the command-line front ends live in crawler/cli/.
 *
 * Library code here never prints or exits (progress goes through a callback);
 * errors come back as arc_code values with an arc_error_t naming the URL or file.
 */
#ifndef CUSTODY_CRAWLER_H
#define CUSTODY_CRAWLER_H

#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "detect.h"

/* ================================================================ crawl */

/* Filled by crawler/crawl.c: options, stats, crawl_run(). */

typedef enum {
	CRAWL_SCOPE_HOST = 0,   /* same host as a seed (default) */
	CRAWL_SCOPE_DOMAIN,     /* the seed's host and its subdomains ("www." dropped) */
	CRAWL_SCOPE_PREFIX,     /* URLs starting with the seed's directory */
	CRAWL_SCOPE_SEEDS       /* only the given URLs (and their redirects) */
} crawl_scope_mode_t;

typedef struct crawl_stats crawl_stats_t;
typedef struct {
	const char *const *seeds;   /* absolute http(s) URLs */
	size_t nseeds;
	const char *case_dir;
	int depth;                  /* link hops from a seed (default 5) */
	uint64_t max_pages;         /* pages fetched at most, 0 unlimited (default) */
	int concurrency;            /* transfers at once (default 8) */
	int per_host;               /* connections per host (default 4) */
	uint64_t max_body;          /* body bytes kept per response (default 100 MiB) */
	long timeout_s;             /* per request (default 60) */
	long connect_timeout_s;     /* default 15 */
	int max_redirects;          /* redirect hops followed from one URL (default 10) */
	size_t max_links;           /* links taken from one page (default 5000) */
	crawl_scope_mode_t scope;
	int ignore_robots;          /* default 0: robots.txt obeyed */
	int insecure;               /* capture even when TLS verification fails */
	int http2;                  /* allow HTTP/2 (default: HTTP/1.1 so the record holds the wire bytes) */
	int focus;                  /* fetch first the links most likely to lead to exposing pages:
	                               found on doxing pages, dox keywords in their anchor text,
	                               on pages with findings (crawl_focus_priority) */
	int resume;                 /* continue a crawl into case_dir: URLs already captured there
	                               are not fetched again; their links are queued again */
	int requisites;             /* also fetch what pages embed (img, script, css, iframe)
	                               outside the scope, without following links from there */
	int no_detect;              /* no findings records */
	const char *ca_file;
	const char *user_agent;     /* NULL: "custody/VERSION (+evidence capture)" */
	const char *rules_path;     /* NULL: built-in rules */
	const char *watch_path;     /* NULL: no watchlist */
	const char *command_line;   /* for warcinfo */
	const char *note;           /* case note for warcinfo */
	uint64_t max_file_size;     /* rotate capture files (0: archive default) */
	int level;                  /* zstd level (0: default) */
	int threads;                /* worker threads decoding, detecting and extracting links
	                               (-1: CPUs - 1, at most 4, the default; 0: on the main thread) */
	const volatile int *stop;   /* nonzero (e.g. set by a SIGINT handler): stop fetching,
	                               close the case cleanly; NULL: never */
	/* sealing (archive.h, "sealing"): with a signer or a TSA the case is sealed
	 * every seal_every records / seal_interval seconds, at rotation and at the end */
	const seal_signer_t *signer;     /* NULL: seals are not signed */
	const char *const *tsa_urls;     /* RFC 3161 time-stamp authorities, each asked per seal */
	size_t ntsa;
	uint64_t seal_every;             /* 0: 1000 */
	int64_t seal_interval;           /* seconds, 0: 60 */
	/* memory */
	uint64_t scan_max;          /* decoded bytes of one response scanned and searched for links,
	                               and body bytes held in memory for it (0: 1.5 MiB); the rest of
	                               a body streams to disk and the findings record says
	                               "complete": false */
	/* pages behind a login */
	const char *const *headers; /* extra request headers "Name: value" (--header) */
	size_t nheaders;
	const char *cookie_file;    /* Netscape cookie file (--cookies) */
	const char *const *secret_headers; /* further header names whose values request records
	                               hash (Cookie, Authorization, Proxy-Authorization always) */
	size_t nsecret_headers;
	int keep_secrets;           /* request records keep secret values verbatim */
	/* scope and politeness */
	const char *const *include; /* POSIX extended regexes: a followed link must match one */
	size_t ninclude;
	const char *const *exclude; /* ... and none of these (seeds are always fetched) */
	size_t nexclude;
	long delay_ms;              /* at least this long between two requests to one origin */
	int retries;                /* 429/503 answers retried (Retry-After honoured), default 2 */
	uint64_t max_per_host;      /* pages fetched from one origin at most, 0 unlimited */
	/* --browser: each page (seeds and followed links) is rendered by chromium,
	 * whose every request goes through custody's own proxy and fetcher */
	int browser;
	int pdf;                    /* also print each rendered page to PDF */
	long browser_settle_s;      /* bound on waiting for the network to go idle (0: 15) */
	int browser_scrolls;        /* scroll steps for lazy content (0: 10, -1: none) */
	const char *chromium;       /* executable (NULL: $CUSTODY_CHROMIUM, else chromium on PATH) */
	/* a crawl shared by several hosts (crawler/frontier/pg.c): the frontier, the
	 * seen set and the leases live in PostgreSQL; each host still writes and
	 * seals its own case. NULL: the single-host frontier in memory. */
	const char *state;          /* libpq connection string (no password: PGPASSFILE) */
	const char *crawl_name;     /* the shared crawl's name (--crawl) */
	const char *host_id;        /* NULL: the case's id */
	int create_crawl;           /* --create-crawl: make crawl_name (refused if it exists) */
	long lease_s;               /* a claimed URL goes back to the others after this (0: 120) */
	/* the capture environment (environment.c), recorded before the first capture */
	int private_env;            /* --private-environment: host/user names, local addresses hashed */
	const unsigned char *env_salt; /* its HMAC key (>= 16 bytes) */
	size_t env_salt_len;
	int no_tls_probe;           /* do not shake hands with https seed hosts beforehand */
	/* custody watch (crawler/watch/): a watch round is a crawl into the same case */
	int revisit_all;            /* with resume: URLs the case holds are fetched again (an
	                               unchanged payload is written as a revisit); only the
	                               payloads are read back from the case, not the frontier */
	int lean_revisits;          /* a revisit holds the response's headers only (its payload is
	                               the original's, named by digest) and its capture record is
	                               compact JSON: bytes per unchanged visit (custody watch) */
	struct crawl_dedup **dedup_keep; /* a watch: the payloads known, kept between rounds (NULL
	                               at first: read from the case, then left here; set: used,
	                               the case's payloads are not read again) */
	arc_case_state_t *case_state; /* a watch: the case's log between rounds (arc_case_opts_t) */
	int skip_index;             /* a watch: the close leaves index.cdxj alone (arc_case_opts_t) */
	int (*round_end)(void *ctx, arc_case_t *cas, const crawl_stats_t *st, arc_error_t *err);
	void *round_end_ctx;        /* round_end: called once every URL is written, before the
	                               case is closed (its records get the closing seal); <0 is
	                               the crawl's result */
} crawl_opts_t;

/* Fill o with the defaults above. */
void crawl_opts_init(crawl_opts_t *o);

struct crawl_stats {
	uint64_t duplicates;     /* --state: captures of URLs whose lease had moved to another host
	                            (kept in this case, and listed in the database) */
	uint64_t fetched;        /* URLs with an HTTP response captured (any status) */
	uint64_t failed;         /* URLs with no complete response (network, TLS, cut off) */
	uint64_t http_errors;    /* responses with status >= 400 (captured, counted in fetched) */
	uint64_t truncated;      /* responses cut at --max-body or by the server */
	uint64_t queued;         /* URLs waiting */
	uint64_t seen;           /* distinct URLs ever queued */
	uint64_t robots_blocked; /* URLs not fetched because robots.txt disallows them */
	uint64_t skipped;        /* URLs dropped by --max-pages */
	uint64_t bytes;          /* bytes received (headers + bodies, as on the wire) */
	uint64_t records;        /* WARC records written by the crawl */
	uint64_t revisits;
	uint64_t findings;       /* findings over all pages */
	uint64_t doxing_pages;
	uint64_t undetected;     /* pages the detector could not read (their findings record says why) */
	uint64_t resumed;        /* URLs found already captured in the case (--resume) */
	uint64_t damaged_files;  /* capture files found damaged (torn) when the index was rebuilt */
	uint64_t seals;          /* seal records written */
	uint64_t unstamped;      /* of which without any time-stamp token */
	/* --browser */
	uint64_t rendered;       /* pages rendered (derived records written) */
	uint64_t unsettled;      /* of them, the network never went idle within --browser-settle */
	uint64_t render_failed;  /* pages chromium could not render (crashed: a new one was started) */
	uint64_t blocked;        /* browser requests the proxy refused (out of scope), never fetched */
	uint64_t env_anomalies;  /* anomalies of the capture environment (each also an event at the end) */
	int clock_checked;       /* the local clock was compared with the opening seal's genTime */
	int64_t clock_offset_ms; /* genTime - local clock; > 0: this machine was behind */
	double seconds;
};

typedef enum {
	CRAWL_EV_PROGRESS = 0,   /* periodic; stats only */
	CRAWL_EV_FETCHED,        /* url captured: status, bytes, findings */
	CRAWL_EV_ERROR,          /* url failed: message says why and what to do */
	CRAWL_EV_SKIPPED         /* url not fetched (robots.txt): message says why */
} crawl_event_kind_t;

typedef struct {
	crawl_event_kind_t kind;
	const char *url;
	int status;
	uint64_t bytes;
	int findings;            /* -1 when no detection ran */
	int doxing;
	const char *message;
	const crawl_stats_t *stats;
	/* The end of one URL (--log): set on the FETCHED, ERROR or SKIPPED event
	 * that closes it; outcome NULL on every other event. */
	const char *outcome;        /* ok, http_error, timeout, truncated, refused, dns, tls, robots,
	                               out_of_scope, skipped, failed */
	const char *final_url;      /* where it led (a redirect's target), else url */
	const char *request_record; /* "<urn:uuid:...>", or NULL */
	const char *response_record;
	const char *file;           /* capture file holding the response record, or NULL */
	uint64_t offset;            /* its offset there */
	double ms;                  /* transfer time */
	int personal;               /* findings that are personal data (dox keywords, which are
	                               signals, not counted), -1 when no detection ran */
	int browser_own;            /* SKIPPED: a request chromium made by itself (update checks,
	                               sign-in; no Referer or Origin), blocked by the proxy */
} crawl_event_t;

typedef void (*crawl_progress_fn)(void *ctx, const crawl_event_t *ev);

/* Crawl opts->seeds into opts->case_dir. Per-URL failures are recorded and
 * counted (stats->failed) and the crawl goes on; returns 0 then. Returns <0
 * (arc_code, err filled) when the case cannot be written or the options are
 * unusable: what was written before stays readable. */
int crawl_run(const crawl_opts_t *opts, crawl_stats_t *stats, crawl_progress_fn fn,
              void *ctx, arc_error_t *err);

/* ================================================================ RFC 3161 over HTTP (tsa.c) */

typedef struct {
	const char *const *urls;     /* the TSAs, asked in order */
	size_t nurls;
	long connect_timeout_s;      /* 0: 5 */
	long timeout_s;              /* whole exchange, 0: 15 */
	const char *ca_file;         /* for https TSAs, NULL: system store */
	uint64_t failures;           /* requests that gave no usable token */
	char last_error[400];        /* why the last one failed */
	int64_t resume_at[SEAL_MAX_TOKENS]; /* a TSA that failed is not asked again before this
	                                       (5 minutes later), so one slow TSA stalls a crawl once */
	/* the first token of the session (the opening seal's): the clock check (environment.c) */
	char first_tsa[256];         /* "" until a token arrived */
	int64_t first_gen_time;      /* its genTime, seconds */
	int64_t first_sent_ms, first_recv_ms; /* the local clock when the request went out / the reply came */
} crawl_tsa_t;
/* seal_stamp_fn over HTTP POST (ctx: crawl_tsa_t): one token per TSA that
 * answered with a reply that checks out. */
size_t crawl_tsa_stamp(void *ctx, const void *sth, size_t len, seal_token_t *out, size_t max);

/* ================================================================ the capture environment (environment.c) */

/* What the machine said about itself before the first capture, written as one
 * metadata record (ARC_CT_ENVIRONMENT, urn:custody:environment:<case>) right
 * after warcinfo so that the opening seal covers it. See environment.c. */
#define CRAWL_ENV_MAX_FILE     ((size_t)256 << 10)   /* bytes of hosts/resolv.conf copied */
#define CRAWL_ENV_MAX_HASHED   ((uint64_t)1 << 30)   /* bytes of one file hashed */
#define CRAWL_ENV_MAX_HOSTS    32                    /* seed hosts resolved, routed, probed */
#define CRAWL_ENV_MAX_ADDRS    16                    /* addresses kept per host */
#define CRAWL_ENV_MAX_IFS      64                    /* interface addresses kept */
#define CRAWL_ENV_MAX_ANOMALIES 64
#define CRAWL_ENV_MAX_RECORD   ((size_t)2 << 20)     /* bytes of the record body */
#define CRAWL_ENV_CLOCK_TOLERANCE 120                /* seconds of clock offset before it is flagged */
#define CRAWL_ENV_PROBE_BUDGET 30                    /* seconds for all TLS probes (each: 5 s to connect, 10 s) */

typedef struct {
	const char *const *seeds;   /* URLs whose hosts are resolved, routed, TLS-probed */
	size_t nseeds;
	const char *command_line;   /* as for warcinfo (secrets already hashed) */
	int private_env;            /* --private-environment: names and local addresses as HMACs */
	const unsigned char *salt;  /* the HMAC key (>= 16 bytes) with private_env */
	size_t salt_len;
	const char *chromium;       /* the browser's version when one is used, else NULL */
	const char *ca_file;        /* as the crawl verifies TLS */
	int insecure;
	int tls_probe;              /* handshake with each https seed host (default 1) */
	long clock_tolerance_s;     /* 0: CRAWL_ENV_CLOCK_TOLERANCE */
	const char *hosts_path;     /* NULL: /etc/hosts (tests give fixtures) */
	const char *resolv_path;    /* NULL: /etc/resolv.conf */
	const char *nsswitch_path;  /* NULL: /etc/nsswitch.conf */
	const char *exe_path;       /* NULL: /proc/self/exe */
} crawl_env_opts_t;
void crawl_env_opts_init(crawl_env_opts_t *o);

typedef struct crawl_env crawl_env_t;
/* Collect everything (never fails on a fact it cannot read: the fact says
 * "error"); *out to crawl_env_free. 0, ARC_ENOMEM, ARC_EINVAL (no salt). */
int crawl_env_collect(const crawl_env_opts_t *o, crawl_env_t **out, arc_error_t *err);
/* Collect and write the record into c: call right after arc_case_open, before
 * the opening seal. 0 or <0 (the case could not be written). */
int crawl_env_write(arc_case_t *c, const crawl_env_opts_t *o, crawl_env_t **out, arc_error_t *err);
/* The two halves of crawl_env_write: collect before the case opens (the
 * warcinfo's host name is crawl_env_hostname, hashed under private_env),
 * put after. */
int crawl_env_put(arc_case_t *c, crawl_env_t *e, arc_error_t *err);
const char *crawl_env_hostname(const crawl_env_t *e);
/* The record body as JSON (malloc'd, caller frees) and the written record's id. */
char *crawl_env_json(const crawl_env_t *e);
const char *crawl_env_record_id(const crawl_env_t *e);
/* After the opening seal: compare the local clock with the genTime of t's
 * first token (1 compared, 0 no token yet); an offset over the tolerance is an
 * anomaly. crawl_env_write_clock then writes the clock record (Refers-To the
 * environment record); nothing when no token came. */
int crawl_env_clock(crawl_env_t *e, const crawl_tsa_t *t);
int crawl_env_write_clock(arc_case_t *c, crawl_env_t *e, const crawl_tsa_t *t, arc_error_t *err);
/* "this machine's clock was 3 min 12 s behind the time-stamp authority", NULL unchecked;
 * 1 when the offset is over the tolerance. */
const char *crawl_env_clock_line(const crawl_env_t *e);
int crawl_env_clock_off(const crawl_env_t *e);
/* The anomalies found, as sentences for the end of the crawl. */
size_t crawl_env_nanomalies(const crawl_env_t *e);
const char *crawl_env_anomaly(const crawl_env_t *e, size_t i);
void crawl_env_free(crawl_env_t *e);
/* 1: loopback, private, link-local, CGNAT or unspecified address. */
struct sockaddr;
int crawl_env_addr_private(const struct sockaddr *sa);

/* ---------------------------------------------------------------- shared crawl (frontier/pg.c) */

/* One host of a shared crawl, for custody crawl-seal. */
typedef struct {
	char host_id[256];
	int closed;               /* a closing head is recorded */
	seal_closing_t head;
	unsigned long long duplicates, done, not_done; /* not_done: the whole crawl's */
} crawl_pg_head_t;
/* Every host of the shared crawl crawl_name at conninfo (issue 23), in host_id
 * byte order (*out freed by the caller). */
int crawl_pg_heads(const char *conninfo, const char *crawl_name, crawl_pg_head_t **out, size_t *n,
                   arc_error_t *err);

#endif
