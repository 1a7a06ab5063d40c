/*
 * browser.h — private to the crawl library: browser capture (custody crawl --browser).
 *
 * Three parts, one contract:
 *   proxy.c   an HTTP/HTTPS proxy on 127.0.0.1 that the browser must use. The
 *             browser's TLS leg ends at a CA made per crawl (key only in memory);
 *             every request goes upstream through the crawl's own libcurl path,
 *             so each body the browser receives is a wire-exact response record.
 *   browser.c Debian's chromium, headless, throw-away profile, driven over the
 *             DevTools pipe (--remote-debugging-pipe: fds 3 and 4, NUL-delimited
 *             JSON, jansson): navigate, wait for network idle (bounded), scroll,
 *             then collect a full-page PNG, the rendered DOM as HTML (open shadow
 *             roots included) and optionally a PDF.
 *   render.c  the derived records of a rendered page (screenshot, DOM, PDF), with
 *             WARC-Refers-To the page's main response, detection on the DOM record
 *             and the links of the rendered DOM. Main thread only (it writes).
 *
 * Must never: let the browser see a byte that did not come through the proxy
 * from the origin (besides the proxy's own refusals), log or write the proxy
 * CA's private key, or block the thread that runs crawl_fetch_run().
 */
#ifndef CUSTODY_BROWSER_H
#define CUSTODY_BROWSER_H
#include <stddef.h>
#include "crawl_int.h"

/* ---------------------------------------------------------------- proxy.c */

/* Bounds on what a browser (or anything else on 127.0.0.1) may send. */
#define CRAWL_PROXY_MAX_HEAD (64u * 1024u)      /* request line + headers */
#define CRAWL_PROXY_MAX_HEADERS 128
#define CRAWL_PROXY_MAX_BODY ((size_t)16 << 20) /* request body (POST to an API) */
#define CRAWL_PROXY_MAX_CONNS 64                /* browser connections at once; more are closed */
#define CRAWL_PROXY_IDLE_S 30                   /* a connection silent this long is closed */

/* One parsed request head: offsets into the caller's buffer, nothing owned. */
typedef struct {
	char method[24];
	size_t target_off, target_len;   /* request-target as sent */
	int minor;                       /* HTTP/1.minor */
	size_t nheaders;
	struct {
		size_t name_off, name_len, value_off, value_len;
	} h[CRAWL_PROXY_MAX_HEADERS];
	int64_t content_length;          /* -1: none */
	int chunked;                     /* Transfer-Encoding: chunked */
	int upgrade;                     /* an Upgrade header (WebSocket...) */
	int close;                       /* the client wants the connection closed after this one */
} crawl_proxy_head_t;

/* Parse buf[0..len), a request head ending in the blank line (CRLF CRLF),
 * strictly: tokens, no obs-fold, no control bytes, one Content-Length value,
 * no Content-Length with Transfer-Encoding, only "chunked" as a coding, at
 * most CRAWL_PROXY_MAX_HEADERS headers. 0, ARC_EFORMAT or ARC_ELIMIT with err
 * saying what was wrong. Pure: safe anywhere (unit tests and a fuzz target). */
int crawl_proxy_parse_head(const unsigned char *buf, size_t len, crawl_proxy_head_t *h,
                           arc_error_t *err);
/* The absolute URL a parsed request asks for: absolute-form "http://..." when
 * authority is NULL (a plain proxy request), else origin-form "/..." under
 * "https://authority" (inside a CONNECT tunnel). 0 or ARC_EFORMAT. */
int crawl_proxy_target_url(const unsigned char *buf, const crawl_proxy_head_t *h,
                           const char *authority, char *out, size_t outsz);

typedef struct crawl_proxy crawl_proxy_t;
typedef struct crawl_proxy_req crawl_proxy_req_t;

typedef struct {
	const char *case_id;             /* named in the CA's subject */
	void (*wakeup)(void *ctx);       /* a request waits for crawl_proxy_next (any thread) */
	void *ctx;
	const struct curl_slist *extra;  /* --header lines added when the browser did not send
	                                    that header (borrowed; must outlive the proxy) */
	int max_conns;                   /* 0: CRAWL_PROXY_MAX_CONNS */
	long idle_s;                     /* 0: CRAWL_PROXY_IDLE_S */
	size_t max_body;                 /* 0: CRAWL_PROXY_MAX_BODY */
} crawl_proxy_opts_t;

/* Make the per-crawl CA (EC P-256, key in memory only), listen on
 * 127.0.0.1:0 and serve in threads of the proxy's own. */
int crawl_proxy_start(const crawl_proxy_opts_t *o, crawl_proxy_t **out, arc_error_t *err);
/* "127.0.0.1:PORT" (for chromium's --proxy-server). */
const char *crawl_proxy_addr(const crawl_proxy_t *p);
int crawl_proxy_port(const crawl_proxy_t *p);
/* The CA certificate, PEM. */
const char *crawl_proxy_ca_pem(const crawl_proxy_t *p);
/* base64 SHA-256 of the CA's SubjectPublicKeyInfo (warcinfo). */
const char *crawl_proxy_ca_spki(const crawl_proxy_t *p);
/* For --ignore-certificate-errors-spki-list: the CA's and the leaves' (all
 * leaves share one key) SPKI hashes, comma-separated. */
const char *crawl_proxy_spki_list(const crawl_proxy_t *p);

/* Main thread: the next request a browser connection waits on, or NULL. */
crawl_proxy_req_t *crawl_proxy_next(crawl_proxy_t *p);
/* The absolute URL it asks for (valid until it is answered). */
const char *crawl_proxy_req_url(const crawl_proxy_req_t *r);
const char *crawl_proxy_req_method(const crawl_proxy_req_t *r);
/* The value of header name as the browser sent it (before crawl_proxy_req_xfer):
 * 1 copied into out, 0 absent, empty or longer than outsz - 1. */
int crawl_proxy_req_header(const crawl_proxy_req_t *r, const char *name, char *out, size_t outsz);
/* A transfer sending the browser's request (method, headers without hop-by-hop
 * and Proxy-* ones, body) to the origin; user is the caller's. NULL on ENOMEM. */
crawl_xfer_t *crawl_proxy_req_xfer(crawl_proxy_req_t *r, void *user);
/* Answer r with status (403: out of scope, 502...) and a short text body
 * saying why; r is gone after. Any thread. */
void crawl_proxy_refuse(crawl_proxy_req_t *r, int status, const char *why);
/* Answer r with what x received (x is taken, written already: its spool is
 * read back from the start); without a response header block: 502 with
 * crawl_xfer_error's text. r is gone after. Any thread. */
void crawl_proxy_answer(crawl_proxy_req_t *r, crawl_xfer_t *x);

typedef struct {
	uint64_t connections;    /* accepted */
	uint64_t refused_peers;  /* not loopback */
	uint64_t bad_requests;   /* malformed, too large, WebSocket */
	uint64_t requests;       /* handed to the crawl */
} crawl_proxy_stats_t;
void crawl_proxy_stats(crawl_proxy_t *p, crawl_proxy_stats_t *out);
/* Close every connection, answer what still waits with 502, stop the
 * threads, wipe the keys. Every request taken with crawl_proxy_next must have
 * been answered before. NULL is fine. */
void crawl_proxy_stop(crawl_proxy_t *p);

/* ---------------------------------------------------------------- browser.c */

typedef struct crawl_browser crawl_browser_t;

typedef struct {
	const char *chromium;    /* executable; NULL: $CUSTODY_CHROMIUM, else chromium on PATH */
	const char *proxy;       /* "127.0.0.1:PORT" for --proxy-server; NULL: direct (tests only) */
	const char *spki;        /* base64 SHA-256 of the proxy CA's SubjectPublicKeyInfo, for
	                            --ignore-certificate-errors-spki-list; NULL: none */
	const char *profile_parent; /* where the throw-away profile is made; NULL: $TMPDIR or /tmp */
	long settle_ms;          /* bound on waiting for network idle after load (0: 15000) */
	long idle_ms;            /* no request in flight for this long counts as idle (0: 500) */
	int scrolls;             /* scroll steps for lazy content (0: 10; -1: none) */
	int pdf;                 /* also print a PDF */
	int width, height;       /* viewport (0: 1280 x 800) */
} crawl_browser_opts_t;

/* Start chromium. <0 with err saying what to do when it is missing or will not
 * start ("install Debian's chromium: make bootstrap"). */
int crawl_browser_start(const crawl_browser_opts_t *o, crawl_browser_t **out,
                        arc_error_t *err);

/* What the browser showed of one page. Every buffer is owned. */
typedef struct {
	char *url;               /* what was navigated to */
	char *final_url;         /* the main frame's URL when collected (after redirects) */
	unsigned char *png;      /* full-page screenshot */
	size_t png_len;
	unsigned char *dom;      /* rendered DOM serialized as HTML, UTF-8 */
	size_t dom_len;
	unsigned char *pdf;      /* with opts.pdf */
	size_t pdf_len;
	int settled;             /* 1: network idle reached within settle_ms */
	int status;              /* main document's HTTP status as the browser saw it, 0 unknown */
	char started[ARC_DATE_LEN];  /* WARC-Date form */
	char finished[ARC_DATE_LEN];
	char browser[128];       /* crawl_browser_version() of the browser that rendered it */
	char note[512];          /* "" or what was cut or went wrong ("did not settle in 15 s:
	                            3 requests in flight"); recorded with the derived records */
	char *blocked_json;      /* set by the crawl after render (owned, NULL: none): JSON array of
	                            {"url": ..., "reason": ...}, the browser's requests the proxy
	                            refused (never fetched); recorded in the rendered page's
	                            metadata. crawl_rendered_free frees it. */
	uint64_t blocked;        /* how many were refused (the array may stop at 1000) */
} crawl_rendered_t;

/* Navigate to url, wait, scroll, collect. Blocks for up to about settle_ms plus
 * the collection: call it from a thread of its own when the browser goes through
 * the proxy. 0 with out filled (settled or not), or <0 with err when chromium
 * crashed or the pipe broke (then stop b; a new one may be started). */
int crawl_browser_render(crawl_browser_t *b, const char *url, crawl_rendered_t *out,
                         arc_error_t *err);
void crawl_rendered_free(crawl_rendered_t *r);
/* "Chromium 156.0.8078.73" (valid while b lives). */
const char *crawl_browser_version(const crawl_browser_t *b);
/* The command line chromium was started with, flags joined by spaces (for warcinfo). */
const char *crawl_browser_flags(const crawl_browser_t *b);
/* Kill chromium (if still running), reap it, remove the profile. NULL is fine. */
void crawl_browser_stop(crawl_browser_t *b);

/* Fuzzing and tests: data as if chromium had sent it on the DevTools pipe,
 * split into NUL-terminated messages as they complete, each parsed (jansson)
 * and handled as an event of one page (session "S", main frame "F"). The
 * number of messages handled, or <0 at the first that is not a JSON object or
 * is larger than the reader's bound. */
int crawl_cdp_replay(const unsigned char *data, size_t len, arc_error_t *err);

/* ---------------------------------------------------------------- render.c */

/* What writing a rendered page produced. */
typedef struct {
	char screenshot_id[ARC_UUID_LEN + 8];  /* "<urn:uuid:...>" */
	char dom_id[ARC_UUID_LEN + 8];
	char pdf_id[ARC_UUID_LEN + 8];         /* "" without a PDF */
	int records;             /* records written */
	int nfindings;           /* findings in the DOM record, -1 when no detection ran */
	int personal;
	int doxing;
	char **links;            /* normalized links of the rendered DOM (owned) */
	size_t nlinks;
} crawl_rendered_out_t;

/* Write the derived records of r: screenshot (resource, image/png,
 * urn:custody:screenshot:<url>), DOM (resource, text/html,
 * urn:custody:dom:<url>), PDF, their metadata, and a findings record for the
 * DOM whose offsets point into the DOM record's block. main_response is the
 * "<urn:uuid:...>" of the page's main response record (WARC-Refers-To), or
 * NULL when the proxy captured none. max_links 0: no links. Main thread only. */
int crawl_capture_rendered(crawl_capture_ctx_t *c, const crawl_rendered_t *r,
                           const char *main_response, size_t max_links,
                           crawl_rendered_out_t *out, arc_error_t *err);
void crawl_rendered_out_free(crawl_rendered_out_t *o);

#endif
