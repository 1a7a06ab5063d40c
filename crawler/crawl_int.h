/*
 * crawl_int.h — private declarations of the crawl (crawler/ only): URL
 * normalization and scope, the frontier, link extraction, robots.txt, the
 * libcurl multi fetcher and the records written per fetched URL.
 *
 * Nothing outside crawler/ includes this header; the public API is the
 * "crawl" section of crawler.h. Like the rest of the library, nothing here
 * prints or exits.
 */
#ifndef CUSTODY_CRAWL_INT_H
#define CUSTODY_CRAWL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include <curl/curl.h>

#include "archive.h"
#include "crawler.h"

/* Longest URL the crawl keeps (longer links are skipped, not truncated). */
#define CRAWL_MAX_URL 8192

/* ---------------------------------------------------------------- scope.c */

/* Resolve href against base (base may be NULL for an absolute href), drop the
 * fragment, lower-case scheme and host, drop the default port. Only http and
 * https URLs are accepted. out is malloc'd (caller frees).
 * 0, or ARC_EINVAL (not an http(s) URL, malformed, longer than CRAWL_MAX_URL). */
int crawl_url_normalize(const char *base, const char *href, char **out);
/* Host (lower case, no port) of an absolute URL into out. 0 or ARC_EINVAL. */
int crawl_url_host(const char *url, char *out, size_t outsz);
/* "scheme://host:port" of an absolute URL (the robots.txt origin). */
int crawl_url_origin(const char *url, char *out, size_t outsz);

/* Which URLs a crawl follows; built from the seeds. */
typedef struct crawl_scope crawl_scope_t;
crawl_scope_t *crawl_scope_new(crawl_scope_mode_t mode);
/* Add a seed (normalized URL): its host, domain or prefix joins the scope. */
int crawl_scope_add_seed(crawl_scope_t *s, const char *url);
/* 1 in scope, 0 not. */
int crawl_scope_match(const crawl_scope_t *s, const char *url);
void crawl_scope_free(crawl_scope_t *s);

/* --include / --exclude: POSIX extended regular expressions over the
 * normalized URL. A URL passes when it matches one include (or none are
 * given) and no exclude. */
typedef struct crawl_filter crawl_filter_t;
/* NULL with err naming the expression that does not compile. */
crawl_filter_t *crawl_filter_new(const char *const *include, size_t ninclude,
                                 const char *const *exclude, size_t nexclude, arc_error_t *err);
/* 1 passes, 0 filtered out (f NULL: everything passes). */
int crawl_filter_match(const crawl_filter_t *f, const char *url);
void crawl_filter_free(crawl_filter_t *f);

/* Seconds from a Retry-After value (delay-seconds or an HTTP-date; RFC 9110
 * 10.2.3), relative to now; -1 when unusable. */
long crawl_retry_after(const char *value, time_t now);

/* ---------------------------------------------------------------- frontier/ */

/* The frontier (one interface, a backend per kind of crawl state). */
#include "frontier/frontier.h"

/* ---------------------------------------------------------------- links.c */

/* Called per link found, url absolute and normalized; tag is the element name.
 * Return nonzero to stop. */
typedef int (*crawl_link_fn)(void *ctx, const char *url, const char *tag);
/* Longest link text reported by crawl_links_html_text, NUL included. */
#define CRAWL_LINK_TEXT_MAX 256
/* The same with the link's text: UTF-8, whitespace collapsed, at most
 * CRAWL_LINK_TEXT_MAX - 1 bytes (cut at a character boundary), "" if none. */
typedef int (*crawl_link_text_fn)(void *ctx, const char *url, const char *tag,
                                  const char *text, size_t text_len);
/* Links of an HTML document (content and transfer coding already removed):
 * a/link/area[href], img/script/iframe/frame/embed/source/video/audio[src],
 * meta refresh URLs, honouring <base href>. javascript:, mailto:, data: and other non-http(s) links are
 * skipped. At most max_links callbacks. Returns the number of links reported,
 * or <0 arc_code. */
int crawl_links_html(const unsigned char *html, size_t len, const char *page_url,
                     size_t max_links, crawl_link_fn fn, void *ctx);
/* crawl_links_html, each link with its text (--focus): the title and alt of
 * the element and, for <a>, the text and image alts inside it. */
int crawl_links_html_text(const unsigned char *html, size_t len, const char *page_url,
                          size_t max_links, crawl_link_text_fn fn, void *ctx);

/* crawl_links_html (fn) or crawl_links_html_text (tfn), one of them NULL,
 * also counting into *too_long the links longer than CRAWL_MAX_URL, which
 * are not followed (too_long may be NULL). */
int crawl_links_walk(const unsigned char *html, size_t len, const char *page_url, size_t max_links,
                     crawl_link_fn fn, crawl_link_text_fn tfn, void *ctx, size_t *too_long);
/* url(...) and @import of a style sheet (text/css), reported with tag
 * "style" (a requisite). Returns the number of links reported. */
int crawl_links_css(const unsigned char *css, size_t len, const char *page_url, size_t max_links,
                    crawl_link_fn fn, void *ctx);

/* ---------------------------------------------------------------- focus.c */

/* Highest priority --focus gives; seeds and the plain crawl use 0. */
#define CRAWL_FOCUS_MAX 6
/* How much a link says by itself: from its anchor text's detect_text_signal
 * 0 none, 1 weak, 2 strong; CRAWL_FOCUS_CODE for a style sheet or script
 * (tag link, script), which hold no one's data and get no priority. */
#define CRAWL_FOCUS_CODE (-1)
int crawl_focus_anchor(const char *tag, double text_signal);
/* Priority of a link under --focus, from what is known before fetching it:
 * parent (the source page's own priority), src_doxing (its verdict),
 * src_signal (it has findings without a doxing verdict), anchor
 * (crawl_focus_anchor of the link). Always in 0..CRAWL_FOCUS_MAX. */
int crawl_focus_priority(int parent, int src_doxing, int src_signal, int anchor);

/* Does a link from this element load part of the page (img, script, link,
 * iframe, ...) rather than lead to another page (a, area, meta refresh)? */
int crawl_link_is_requisite(const char *tag);
/* Is this Content-Type one detection and link extraction read (HTML, JSON,
 * text)? (links.c) */
int crawl_is_text_type(const char *content_type);
/* text/html or application/xhtml+xml */
int crawl_is_html_type(const char *content_type);

/* ---------------------------------------------------------------- robots.c */

/* robots.txt rules for one user agent (RFC 9309: groups, Allow/Disallow,
 * longest match, '*' and '$'). */
typedef struct crawl_robots crawl_robots_t;
/* Parse body (bounded to 512 KiB); agent is our product token ("custody"). */
crawl_robots_t *crawl_robots_parse(const char *body, size_t len, const char *agent);
/* A policy without a file: allow_all 1 (4xx, missing) or 0 (disallow all: 5xx). */
crawl_robots_t *crawl_robots_fixed(int allow_all);
/* 1 allowed, 0 disallowed. path_query: "/path?query" of the URL. */
int crawl_robots_allowed(const crawl_robots_t *r, const char *path_query);
void crawl_robots_free(crawl_robots_t *r);

/* ---------------------------------------------------------------- fetch.c */

typedef struct {
	int concurrency;        /* transfers at once */
	int per_host;           /* connections per host */
	long timeout_s;         /* whole transfer */
	long connect_timeout_s;
	uint64_t max_body;      /* body bytes kept; the transfer stops past it */
	int insecure;           /* capture even when TLS verification fails */
	const char *ca_file;
	const char *user_agent;
	int http2;              /* allow HTTP/2 (default: HTTP/1.1 only) */
	/* memory bounds (crawl_mem_*: the defaults) */
	const char *spool_dir;  /* where body bytes past the scan window wait (the case dir) */
	uint64_t scan_max;      /* body bytes kept in memory per transfer (the scan window) */
	uint64_t mem_budget;    /* scan windows of all transfers held at once, together */
	const struct curl_slist *headers; /* extra request headers (--header), borrowed */
	const char *cookie_file;  /* Netscape cookie file loaded into a cookie jar all transfers
	                             share (cookies the server sets join it), or NULL */
} crawl_fetch_opts_t;

/* Default scan window (--scan-max): what detection and link extraction read of
 * one response, decoded, and the body bytes held in memory for it. Detection
 * needs about 15 bytes of memory per byte scanned, so this is the main term
 * of the crawl's peak memory. */
#define CRAWL_SCAN_MAX ((uint64_t)1536 << 10)
/* Default budget of scan windows held by all transfers at once (running or
 * waiting for a worker): past it a body goes on to disk and is scanned only
 * as far as it got. Each transfer always keeps CRAWL_SCAN_MIN. */
#define CRAWL_MEM_BUDGET ((uint64_t)16 << 20)
#define CRAWL_SCAN_MIN ((uint64_t)256 << 10)
/* 1xx interim responses kept per transfer (all of them, up to this size). */
#define CRAWL_MAX_INTERIM (64u * 1024u)

enum { CRAWL_TRUNC_NONE = 0, CRAWL_TRUNC_LENGTH, CRAWL_TRUNC_TIME, CRAWL_TRUNC_DISCONNECT,
       CRAWL_TRUNC_UNSPECIFIED /* the crawl was stopped */,
       CRAWL_TRUNC_FRAMING /* malformed chunked framing (WARC-Truncated: unspecified) */ };

/* Why the scan window ends before the body does (crawl_xfer_t.window_cut). */
enum { CRAWL_CUT_NONE = 0, CRAWL_CUT_WINDOW /* --scan-max */, CRAWL_CUT_BUDGET /* memory budget */ };

/* One transfer and everything captured about it. */
typedef struct crawl_xfer {
	char *url;                  /* owned */
	void *user;                 /* caller's */
	CURL *easy;
	char errbuf[CURL_ERROR_SIZE];
	int result;                 /* CURLcode */
	arc_buf_t req;              /* exact request bytes sent */
	arc_buf_t resp;             /* status line, headers and the body's first bytes (the scan
	                               window) as received; the rest of the body is in spool */
	size_t hdr_len;             /* header block length in resp, 0 until complete */
	arc_buf_t interim;          /* 1xx interim responses (103 Early Hints...) as received, at most
	                               CRAWL_MAX_INTERIM bytes: recorded in the capture metadata */
	int interim_cut;            /* 1: more interim bytes came than were kept */
	FILE *spool;                /* body bytes past the scan window (unlinked file in spool_dir) */
	uint64_t spool_len;
	int window_cut;             /* CRAWL_CUT_*: why the in-memory window ends before the body */
	int spool_error;            /* the spool file could not be made or written (errno) */
	int headers_cut;            /* the connection ended inside the header block */
	int css_only;               /* links: only a style sheet's url()s (a requisite beyond --depth) */
	struct crawl_fetch *owner;  /* accounts resp's bytes in its memory budget (main thread) */
	uint64_t held;              /* bytes of resp counted there */
	uint64_t body_len;
	uint64_t max_body;          /* set by crawl_fetch_add */
	warc_digester_t *dig;       /* fed header block + body as they arrive */
	int truncated;              /* CRAWL_TRUNC_* */
	int header_overflow;        /* header block exceeded HTTP_MAX_HEADER */
	int status;
	int fresh;                  /* use a new connection (CURLOPT_FRESH_CONNECT) */
	long num_connects;          /* CURLINFO_NUM_CONNECTS: 0 when a kept-alive connection was reused */
	/* TLS, taken from the SSL* while the connection is live */
	int tls;
	char tls_version[32];       /* "TLSv1.3" */
	char cipher[128];           /* IANA name, "TLS_AES_256_GCM_SHA384" */
	char *chain_pem;            /* peer chain, leaf first (owned) */
	long ossl_verify;           /* our X509_verify_cert of the peer chain against the CA store */
	long curl_ossl_verify;      /* SSL_get_verify_result of libcurl's handshake */
	void *store;                /* X509_STORE borrowed from the fetcher */
	int host_match;             /* leaf matches the host: 1, 0, -1 unknown */
	char peer_subject[512];
	char peer_issuer[512];
	/* after completion */
	char ip[64];
	long port;
	long ssl_verifyresult;      /* CURLINFO_SSL_VERIFYRESULT */
	long http_version;          /* CURL_HTTP_VERSION_* */
	int64_t t_namelookup, t_connect, t_appconnect, t_starttransfer, t_total; /* microseconds */
	char started[ARC_DATE_LEN]; /* WARC-Date: when the request went out */
	/* A request made on the browser's behalf (proxy.c); all NULL for the
	 * crawl's own GETs, which send what they always sent. */
	char *method;               /* owned; NULL: GET */
	struct curl_slist *req_headers; /* owned: sent instead of --header, User-Agent and
	                               libcurl's Accept (the browser's own headers) */
	unsigned char *req_body;    /* owned; sent with method (POST, PUT...) */
	size_t req_body_len;
	int has_body;               /* 1: send req_body (even when empty) */
} crawl_xfer_t;

typedef struct crawl_fetch crawl_fetch_t;
crawl_fetch_t *crawl_fetch_new(const crawl_fetch_opts_t *o, arc_error_t *err);
/* A transfer for url (copied); user is the caller's. NULL on ENOMEM. */
crawl_xfer_t *crawl_xfer_new(const char *url, void *user);
void crawl_xfer_free(crawl_xfer_t *x);
/* Settle the fetcher's memory accounting of a handed-back x (main thread);
 * after it x may be freed on any thread. */
void crawl_xfer_detach(crawl_xfer_t *x);
/* Start x (the fetcher holds it until it is handed back as done). */
int crawl_fetch_add(crawl_fetch_t *f, crawl_xfer_t *x, arc_error_t *err);
/* Transfers started and not yet handed back. */
int crawl_fetch_active(const crawl_fetch_t *f);
/* Run transfers for up to timeout_ms; each finished transfer goes to done
 * (which takes ownership). Returns 0 or <0 arc_code. */
int crawl_fetch_run(crawl_fetch_t *f, int timeout_ms,
                    void (*done)(void *ctx, crawl_xfer_t *x), void *ctx);
/* Make a crawl_fetch_run() waiting in another thread return early
 * (thread-safe). */
void crawl_fetch_wakeup(crawl_fetch_t *f);
/* Bytes of scan windows held right now by transfers of this fetcher (running,
 * or handed back and not yet freed). Main thread only. */
uint64_t crawl_fetch_held(const crawl_fetch_t *f);
/* Stop every transfer still running and hand each to done (result
 * CURLE_ABORTED_BY_CALLBACK): used when the crawl must stop at once. */
void crawl_fetch_abort_all(crawl_fetch_t *f, void (*done)(void *ctx, crawl_xfer_t *x),
                           void *ctx);
void crawl_fetch_free(crawl_fetch_t *f);
/* "curl_easy_strerror + errbuf" style message and a hint for TLS failures. */
void crawl_xfer_error(const crawl_xfer_t *x, char *out, size_t outsz);
/* Versions of libcurl, OpenSSL, zstd, libxml2 as one string. */
void crawl_versions(char *out, size_t outsz);

/* ---------------------------------------------------------------- capture.c */

/* Payload digest -> the record that holds it (for revisit records). */
typedef struct crawl_dedup crawl_dedup_t;
crawl_dedup_t *crawl_dedup_new(void);
/* Remember that record id (at uri, date) holds the payload with this digest
 * (first one wins). 0 or ARC_ENOMEM. */
int crawl_dedup_add(crawl_dedup_t *d, const char *digest, const char *id, const char *uri,
                    const char *date);
void crawl_dedup_free(crawl_dedup_t *d);

typedef struct {
	arc_case_t *cas;
	crawl_dedup_t *dedup;
	const detect_rules_t *rules;   /* NULL: no detection */
	const detect_watch_t *watch;
	uint64_t max_decoded;          /* the scan window: decoded bytes scanned (--scan-max) */
	pthread_mutex_t *big_scan;     /* held while a window over CRAWL_SCAN_MIN is scanned (NULL: none) */
	int keep_secrets;              /* --keep-secrets: request records keep secret header values */
	const char *const *secret_names; /* further header names hashed in request records (--secret-header) */
	size_t nsecret_names;
	int focus;                     /* --focus: score links (link_sig, page_signal) */
	int insecure;                  /* recorded with the TLS facts */
	const char *versions;          /* crawl_versions() */
	int lean_revisits;             /* crawl_opts_t.lean_revisits */
} crawl_capture_ctx_t;

/* What capturing one transfer produced. */
typedef struct {
	/* filled by crawl_capture_prepare (thread-safe: no writing, no shared state) */
	char resp_uuid[ARC_UUID_LEN];         /* the response's record id, chosen up front */
	char resp_id[ARC_UUID_LEN + 4];       /* the same as "<urn:uuid:...>" */
	char block_d[ARC_DIGEST_LEN];         /* from the streaming digester */
	char payload_d[ARC_DIGEST_LEN];       /* "" when the payload cannot be delimited */
	int complete;              /* whole message received */
	int status;
	uint64_t bytes;            /* bytes received (headers + body) */
	unsigned char *payload;    /* decoded payload (transfer + content coding removed), owned, may be NULL */
	size_t payload_len;
	int partial;               /* HTTP_PARTIAL_* of that payload */
	int scan_complete;         /* findings cover the whole payload */
	char scan_why[400];
	char content_type[256];
	char location[CRAWL_MAX_URL];
	arc_buf_t findings;        /* findings record body ("" when no detection ran) */
	int nfindings;             /* -1: no findings record */
	int personal;              /* of them, personal data (not dox_keyword) */
	int revisit_personal;      /* a revisit: personal and doxing as prepared (its original */
	int revisit_doxing;        /* carries the record), -1 unknown */
	int undetected;            /* 1: the findings record says the page could not be read */
	int doxing;
	char **links;              /* normalized links of an HTML payload (owned) */
	unsigned char *link_req;   /* per link: 1 a page requisite (crawl_link_is_requisite) */
	signed char *link_sig;     /* per link, --focus only (else NULL): crawl_focus_anchor */
	int page_signal;           /* --focus: findings (dox keywords, identifiers) on the page */
	size_t links_too_long;     /* links longer than CRAWL_MAX_URL, not followed */
	size_t nlinks, caplinks;
	int want_payload;
	int depth;                 /* set by the crawl before writing: recorded in the capture metadata (-1: null) */
	/* filled by crawl_capture_write */
	int wrote_response;        /* 1 response, 2 revisit, 0 none */
	char response_id[ARC_UUID_LEN + 8];
	char request_id[ARC_UUID_LEN + 8];
	char response_file[256];   /* capture file of the response record */
	uint64_t response_offset;
	int records;               /* records written */
} crawl_captured_t;

/* Everything about one finished transfer that needs no shared state: digests,
 * the decoded payload, detection and the findings body, the links of an HTML
 * page (at most max_links; 0: none). Safe to run on a worker thread. 0 or
 * ARC_ENOMEM. want_payload: decode whatever the type (robots.txt), no detection. */
int crawl_capture_prepare(const crawl_capture_ctx_t *c, crawl_xfer_t *x, int want_payload,
                          size_t max_links, crawl_captured_t *out);
/* Write the records of a prepared transfer, in order: request, response (or
 * revisit), capture metadata, findings. Main thread only. 0, or <0 when the
 * case could not be written (the crawl must stop). */
int crawl_capture_write(crawl_capture_ctx_t *c, crawl_xfer_t *x, crawl_captured_t *out,
                        arc_error_t *err);
/* Both, one after the other (no links). */
int crawl_capture(crawl_capture_ctx_t *c, crawl_xfer_t *x, int want_payload,
                  crawl_captured_t *out, arc_error_t *err);
void crawl_captured_free(crawl_captured_t *c);
/* prefix + url ("urn:custody:capture:" + url), malloc'd; NULL when out of memory. */
char *crawl_urn(const char *prefix, const char *url);
/* The request bytes as stored: values of Cookie, Authorization,
 * Proxy-Authorization and c->secret_names replaced by "sha256:<hex>" of the
 * value (unless c->keep_secrets); names gets "Cookie, Authorization". 1
 * replaced (out filled), 0 nothing to replace, ARC_ENOMEM. */
int crawl_request_redact(const crawl_capture_ctx_t *c, const unsigned char *req, size_t len,
                         arc_buf_t *out, char *names, size_t namessz);

#endif
