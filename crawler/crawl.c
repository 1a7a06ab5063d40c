/*
 * crawl.c — crawl_run(): seeds in, a case directory out.
 *
 * One loop on the main thread: keep up to --concurrency transfers running
 * (fetch.c); a finished transfer goes to a worker thread that decodes its
 * payload, runs detection and extracts links (crawl_capture_prepare, no
 * shared state), then back to the main thread, which writes all its records
 * together (crawl_capture_write) and queues what it leads to: the Location
 * of a redirect (the same page, one hop more, up to --max-redirects) and, for
 * HTML within --depth, its in-scope links (scope.c, links.c). The frontier
 * (frontier.c) makes sure each URL is queued once; from there URLs move to
 * their origin's own queue, which starts them as --per-host and robots.txt
 * allow (the first URL of an origin first fetches and archives its
 * robots.txt: the policy applied is part of the evidence). With --focus each
 * link gets a priority from its source page and anchor text (focus.c) and a
 * link found again with a better one is queued again (crawl_frontier_raise);
 * the frontier's claim makes sure only one of its entries is fetched.
 *
 * With --browser a page taken from the frontier is not fetched here but
 * handed to a render thread, where chromium loads it through custody's proxy
 * (proxy.c, browser.c): one page at a time, the render thread blocking on
 * chromium while this loop goes on running libcurl. Each request the browser
 * makes arrives on this thread (crawl_proxy_next), is refused when out of
 * scope (listed with the page, counted as blocked) or fetched and recorded
 * like any URL, and the transfer is then handed back to the proxy, which
 * relays it to the browser. When the page is rendered this thread writes its
 * derived records (render.c); the links of its raw HTML and of its DOM join
 * the frontier, and its verdict is the union of its main response's, its API
 * responses' and its DOM's.
 *
 * Per-URL failures are recorded and counted and the crawl goes on; only a
 * case that cannot be written stops it (what was written stays readable).
 * --resume rebuilds the seen set and the queue from the case itself.
 *
 * Must never print, exit, fetch a URL twice (a retry on a fresh connection
 * after a broken kept-alive one is the one exception, and both attempts are
 * recorded), write from two threads, or fetch outside the scope except a
 * seed's own redirects and, with --requisites, what a page embeds.
 */
#include <dirent.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/parser.h>

#include "browser/browser.h"
#include "crawl_int.h"

#define ROBOTS_AGENT "custody"

void crawl_opts_init(crawl_opts_t *o)
{
	memset(o, 0, sizeof *o);
	o->depth = 5;
	o->concurrency = 8;
	o->per_host = 4;
	o->max_body = (uint64_t)100 << 20;
	o->timeout_s = 60;
	o->connect_timeout_s = 15;
	o->max_redirects = 10;
	o->max_links = 5000;
	o->scope = CRAWL_SCOPE_HOST;
	o->threads = -1;
	o->scan_max = CRAWL_SCAN_MAX;
	o->retries = 2;
}

enum { HOST_PENDING = 1, HOST_READY = 2 };

/* One origin (scheme://host:port): its robots.txt state and its own queue.
 * URLs wait here, in priority order, until the origin has a free connection
 * (--per-host) and its robots.txt is known: a transfer libcurl queues
 * internally would have its --timeout running while it waits. */
typedef struct {
	char *origin;
	int state;
	crawl_robots_t *robots;
	const char *robots_why;     /* static: why its URLs may be refused */
	crawl_frontier_t *waiting;  /* only its heap is used */
	int active;                 /* transfers running for this origin */
	double next_ok;             /* --delay, Retry-After: no request starts before (now_s) */
	uint64_t pages;             /* pages started (--max-per-host) */
} host_t;

typedef struct {
	const crawl_opts_t *o;
	crawl_stats_t *st;
	crawl_progress_fn fn;
	void *fnctx;
	crawl_frontier_t *fr;
	crawl_scope_t *scope;
	crawl_fetch_t *fetch;
	crawl_capture_ctx_t cc;
	int dedup_kept;                /* cc.dedup is the watcher's (crawl_opts_t.dedup_keep) */
	host_t *hosts;
	size_t nhosts, caphosts;
	arc_map_t *hidx;         /* origin -> host index + 1 */
	uint64_t pages_started;
	int fatal;               /* <0: the case cannot be written */
	arc_error_t fatal_err;
	/* post-processing (decode, detect, links) on worker threads; records are
	 * written by the main thread only, all of one URL together */
	pthread_t *workers;
	int nworkers;
	int pool;                /* mu and cv are initialized */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *todo, *todo_tail, *done, *done_tail;
	int pending;             /* jobs handed to workers and not yet written */
	int quit;
	pthread_mutex_t big_scan; /* one large scan at a time (crawl_capture_ctx_t.big_scan) */
	int big_scan_init;
	crawl_filter_t *filter;  /* --include / --exclude, NULL: none */
	struct curl_slist *headers; /* --header */
	/* --browser: the proxy's requests are served on this thread; one page at
	 * a time is rendered by chromium on the render thread (it blocks there
	 * for up to --browser-settle; this loop keeps libcurl running) */
	crawl_proxy_t *proxy;
	crawl_browser_t *browser;   /* the render thread's while it runs */
	crawl_browser_opts_t bopts;
	char *extra_info;           /* warcinfo fields: chromium, its flags, the proxy CA */
	int rthread_on;
	pthread_t rthread;
	pthread_mutex_t rmu;
	pthread_cond_t rcv;
	int r_quit;
	char *r_url;                /* the page handed to the render thread, NULL: none */
	int r_done;                 /* its result (r_rc, r_err, r_out) is ready */
	int r_rc;
	arc_error_t r_err;
	crawl_rendered_t r_out;
	crawl_frontier_t *render_q; /* pages waiting for the browser (its heap only) */
	crawl_item_t *page;         /* the page being rendered (owned), NULL: none */
	char *page_main;            /* normalized URL its main document is expected at */
	char page_main_id[ARC_UUID_LEN + 8]; /* that document's response record */
	arc_map_t *page_caps;       /* normalized URL -> response record id, captured for it */
	arc_map_t *page_origins;    /* origins of what was fetched for it (a set) */
	char **page_links;          /* links of its main document's HTML */
	size_t npage_links, cappage_links;
	json_t *page_blocked;       /* [{url, reason}] refused while rendering it */
	uint64_t page_nblocked;
	int page_findings, page_personal, page_doxing;
	/* the case and its seals (crawl_open_case) */
	seal_writer_t *sealer;      /* NULL: neither signed nor time-stamped */
	crawl_tsa_t tsa;
	crawl_env_t *env;           /* the capture environment (environment.c) */
	char versions[256];         /* client versions (c.cc.versions points here) */
	char soft[384];             /* warcinfo software */
	char robots_policy[160];    /* warcinfo robots */
	double t0;                  /* when the crawl began */
} crawl_t;

/* A browser request in flight: the item (freed as one) and whom to answer. */
typedef struct {
	crawl_item_t it;
	crawl_proxy_req_t *req;
	int main_doc;               /* the page's main document: its links are kept */
} proxy_item_t;

typedef struct job {
	crawl_xfer_t *x;
	crawl_item_t *it;
	size_t max_links;
	int prep_rc;
	crawl_captured_t cap;
	struct job *next;
} job_t;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void emit(crawl_t *c, crawl_event_kind_t kind, const char *url, int status,
                 uint64_t bytes, int findings, int doxing, const char *msg)
{
	if (!c->fn)
		return;
	c->st->queued = crawl_frontier_size(c->fr);
	for (size_t i = 0; i < c->nhosts; i++)
		c->st->queued += crawl_frontier_size(c->hosts[i].waiting);
	c->st->seen = crawl_frontier_seen_count(c->fr);
	crawl_event_t ev = {kind, url, status, bytes, findings, doxing, msg, c->st,
	                    NULL, NULL, NULL, NULL, NULL, 0, 0, -1, 0};
	c->fn(c->fnctx, &ev);
}

/* The event that closes one URL (--log). */
static void emit_url(crawl_t *c, crawl_event_kind_t kind, const crawl_xfer_t *x,
                     const crawl_captured_t *cap, const char *outcome, const char *final_url,
                     const char *msg)
{
	if (!c->fn)
		return;
	c->st->queued = crawl_frontier_size(c->fr);
	for (size_t i = 0; i < c->nhosts; i++)
		c->st->queued += crawl_frontier_size(c->hosts[i].waiting);
	c->st->seen = crawl_frontier_seen_count(c->fr);
	int revisit = cap->wrote_response == 2 && cap->revisit_personal >= 0;
	crawl_event_t ev = {kind, x->url, cap->status, cap->bytes, cap->nfindings,
	                    revisit ? cap->revisit_doxing : cap->doxing, msg, c->st,
	                    outcome, final_url ? final_url : x->url,
	                    cap->request_id[0] ? cap->request_id : NULL,
	                    cap->response_id[0] ? cap->response_id : NULL,
	                    cap->response_file[0] ? cap->response_file : NULL, cap->response_offset,
	                    (double)x->t_total / 1000.0,
	                    revisit ? cap->revisit_personal : cap->nfindings >= 0 ? cap->personal : -1, 0};
	c->fn(c->fnctx, &ev);
}

/* An URL that ends without a transfer (robots.txt, --max-per-host, scope);
 * own: a request chromium made by itself, blocked by the proxy. */
static void emit_skip_ev(crawl_t *c, const char *url, const char *outcome, const char *msg, int own)
{
	if (!c->fn)
		return;
	crawl_event_t ev = {CRAWL_EV_SKIPPED, url, 0, 0, -1, 0, msg, c->st, outcome, url,
	                    NULL, NULL, NULL, 0, 0, -1, own};
	c->fn(c->fnctx, &ev);
}

static void emit_skip(crawl_t *c, const char *url, const char *outcome, const char *msg)
{
	emit_skip_ev(c, url, outcome, msg, 0);
}


/* What the log says happened to a URL that was fetched. */
static const char *outcome_of(const crawl_xfer_t *x, const crawl_captured_t *cap, int failed)
{
	if (!failed)
		return x->truncated ? "truncated" : cap->status >= 400 ? "http_error" : "ok";
	if (x->truncated || x->headers_cut)
		return x->truncated == CRAWL_TRUNC_TIME ? "timeout" : "truncated";
	switch ((CURLcode)x->result) {
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_COULDNT_RESOLVE_HOST:
		return "dns";
	case CURLE_COULDNT_CONNECT:
		return "refused";
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
		return "tls";
	default:
		return "failed";
	}
}

static host_t *host_find(crawl_t *c, const char *origin, int create)
{
	uintptr_t k = (uintptr_t)arc_map_get(c->hidx, origin);
	if (k)
		return &c->hosts[k - 1];
	if (!create)
		return NULL;
	if (!c->hidx && !(c->hidx = arc_map_new(0)))
		return NULL;
	void *v = c->hosts;
	if (arc_vec_reserve(&v, &c->caphosts, c->nhosts + 1, sizeof *c->hosts, 0))
		return NULL;
	c->hosts = v;
	host_t *h = &c->hosts[c->nhosts];
	memset(h, 0, sizeof *h);
	h->origin = strdup(origin);
	h->waiting = crawl_frontier_new();
	if (!h->origin || !h->waiting ||
	    arc_map_put(c->hidx, origin, (void *)(uintptr_t)(c->nhosts + 1), NULL) != 0) {
		free(h->origin);
		crawl_frontier_free(h->waiting);
		return NULL;
	}
	if (c->o->ignore_robots)
		h->state = HOST_READY;
	c->nhosts++;
	return h;
}

/* "/path?query" of a normalized absolute URL */
static const char *path_query(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	p += strcspn(p, "/?");
	return p;
}

static int start(crawl_t *c, crawl_item_t *it)
{
	crawl_item_t *held = malloc(sizeof *held);
	if (!held)
		return ARC_ENOMEM;
	*held = *it;
	crawl_xfer_t *x = crawl_xfer_new(it->url, held);
	arc_error_t err;
	if (x)
		x->fresh = it->retry;
	if (!x || crawl_fetch_add(c->fetch, x, &err)) {
		crawl_xfer_free(x);
		free(held);
		return ARC_ENOMEM;
	}
	return 0;
}

static int concurrency(const crawl_t *c)
{
	return c->o->concurrency > 0 ? c->o->concurrency : 1;
}

static int per_host(const crawl_t *c)
{
	return c->o->per_host > 0 ? c->o->per_host : 1;
}

/* Too many finished transfers wait for the workers: fetch no more until
 * they catch up. At most 2 x --concurrency bodies are held in memory. */
static int backlogged(const crawl_t *c)
{
	return c->pending >= concurrency(c) || crawl_fetch_held(c->fetch) >= CRAWL_MEM_BUDGET;
}

static int polite(const crawl_t *c, const host_t *h);

/* Start what this origin's queue allows: free connections, robots.txt known.
 * Items disallowed by robots.txt or beyond --max-pages are dropped here. */
static int host_pump(crawl_t *c, host_t *h)
{
	crawl_item_t it;
	while (h->active < per_host(c) && crawl_fetch_active(c->fetch) < concurrency(c) &&
	       !backlogged(c) && h->state == HOST_READY && polite(c, h) &&
	       crawl_frontier_pop(h->waiting, &it)) {
		if (!it.retry && !crawl_frontier_claim(c->fr, it.url, it.priority)) {
			free(it.url); /* --focus queued a higher copy, or it was fetched already */
			continue;
		}
		if (c->o->max_per_host && it.hops == 0 && !it.retry && h->pages >= c->o->max_per_host) {
			c->st->skipped++;
			emit_skip(c, it.url, "skipped", "not fetched: --max-per-host pages already fetched from this site");
			crawl_frontier_done(c->fr, it.url, NULL);
			free(it.url);
			continue;
		}
		if (c->o->max_pages && it.hops == 0 && c->pages_started >= c->o->max_pages) {
			c->st->skipped++;
			crawl_frontier_done(c->fr, it.url, NULL);
			free(it.url);
			continue;
		}
		if (h->robots && !crawl_robots_allowed(h->robots, path_query(it.url))) {
			c->st->robots_blocked++;
			emit_skip(c, it.url, "robots",
			          h->robots_why ? h->robots_why
			                        : "disallowed by robots.txt (--ignore-robots captures it anyway)");
			crawl_frontier_done(c->fr, it.url, NULL);
			free(it.url);
			continue;
		}
		if (it.hops == 0)
			c->pages_started++;
		if (it.hops == 0 && !it.retry)
			h->pages++;
		if (c->o->browser && it.kind == CRAWL_ITEM_PAGE && it.depth <= c->o->depth) {
			/* a page: chromium loads it (and what it embeds) through the proxy */
			if (crawl_frontier_requeue(c->render_q, &it)) {
				free(it.url);
				return ARC_ENOMEM;
			}
			continue;
		}
		if (start(c, &it)) {
			free(it.url);
			return ARC_ENOMEM;
		}
		h->active++;
		if (c->o->delay_ms > 0)
			h->next_ok = now_s() + (double)c->o->delay_ms / 1000.0;
	}
	return 0;
}

/* --delay and Retry-After: may this origin get a new request now? */
static int polite(const crawl_t *c, const host_t *h)
{
	(void)c;
	return h->next_ok <= 0 || now_s() >= h->next_ok;
}

/* URLs waiting in the origins' own queues (for --delay or Retry-After). */
static size_t hosts_waiting(const crawl_t *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nhosts; i++)
		n += crawl_frontier_size(c->hosts[i].waiting);
	return n;
}

/* 429 Too Many Requests or 503 with retries left: the answer is recorded;
 * ask again after Retry-After (or 1, 2, 4... seconds without one), at most
 * CRAWL_MAX_RETRY_AFTER away. 1 when queued again. */
#define CRAWL_MAX_RETRY_AFTER 300
static int retry_later(crawl_t *c, crawl_xfer_t *x, crawl_item_t *it, int status)
{
	char msg[400], ra[128] = "";
	if ((status != 429 && status != 503) || it->attempts >= c->o->retries || !x->hdr_len)
		return 0;
	long wait = 1L << (it->attempts < 8 ? it->attempts : 8);
	if (http_header_get(x->resp.data, x->hdr_len, "Retry-After", ra, sizeof ra)) {
		long w = crawl_retry_after(ra, time(NULL));
		if (w >= 0)
			wait = w;
	}
	if (wait > CRAWL_MAX_RETRY_AFTER) {
		snprintf(msg, sizeof msg, "HTTP %d with Retry-After %ld s, more than %d s: not asked again",
		         status, wait, CRAWL_MAX_RETRY_AFTER);
		emit(c, CRAWL_EV_ERROR, x->url, status, 0, -1, 0, msg);
		return 0;
	}
	char origin[1200];
	host_t *h = crawl_url_origin(x->url, origin, sizeof origin) ? NULL : host_find(c, origin, 0);
	char *u = h ? strdup(x->url) : NULL;
	crawl_item_t again = {u, it->depth, it->hops, it->priority, CRAWL_ITEM_PAGE, 1, it->attempts + 1};
	if (!u || crawl_frontier_requeue(h->waiting, &again)) {
		free(u);
		return 0;
	}
	double t = now_s() + (double)wait;
	if (t > h->next_ok)
		h->next_ok = t;
	if (it->hops == 0 && c->pages_started)
		c->pages_started--; /* the retry is the same page */
	snprintf(msg, sizeof msg, "HTTP %d: asking again in %ld s (%s), attempt %d of %d; this answer is recorded",
	         status, wait, ra[0] ? "Retry-After" : "no Retry-After", it->attempts + 2, c->o->retries + 1);
	emit(c, CRAWL_EV_FETCHED, x->url, status, 0, -1, 0, msg);
	return 1;
}

/* An item popped from the frontier goes to its origin's queue; the first URL
 * of an origin also starts the fetch of its robots.txt. Takes it->url. */
static int dispatch(crawl_t *c, crawl_item_t *it)
{
	char origin[1200];
	if (crawl_url_origin(it->url, origin, sizeof origin)) {
		free(it->url); /* normalized URLs always have one; be safe */
		return 0;
	}
	host_t *h = host_find(c, origin, 1);
	if (!h) {
		free(it->url);
		return ARC_ENOMEM;
	}
	if (h->state == 0) {
		char robots_url[1300];
		char *norm = NULL;
		snprintf(robots_url, sizeof robots_url, "%s/robots.txt", origin);
		if (crawl_url_normalize(NULL, robots_url, &norm) == 0) {
			crawl_item_t r = {norm, 0, 0, 0, CRAWL_ITEM_ROBOTS, 0, 0};
			h->state = HOST_PENDING;
			if (start(c, &r)) {
				free(norm);
				free(it->url);
				return ARC_ENOMEM;
			}
			h->active++;
			if (c->o->delay_ms > 0) /* robots.txt is a request to the site too */
				h->next_ok = now_s() + (double)c->o->delay_ms / 1000.0;
		} else {
			h->state = HOST_READY; /* no robots.txt URL: nothing to obey */
		}
	}
	if (crawl_frontier_requeue(h->waiting, it)) {
		free(it->url);
		return ARC_ENOMEM;
	}
	return host_pump(c, h);
}

static void robots_done(crawl_t *c, crawl_item_t *it, const crawl_captured_t *cap)
{
	char origin[1200];
	if (crawl_url_origin(it->url, origin, sizeof origin))
		return;
	host_t *h = host_find(c, origin, 0);
	if (!h)
		return;
	/* RFC 9309: 4xx means no rules; 5xx means disallow everything. A
	 * transfer with no answer at all allows: the pages' own fetches will then
	 * fail with the real reason, which is the more useful message. A
	 * redirected robots.txt is not followed (no rules). */
	if (cap->status >= 200 && cap->status < 300 && cap->complete)
		h->robots = crawl_robots_parse((const char *)cap->payload, cap->payload ? cap->payload_len : 0,
		                               ROBOTS_AGENT);
	else if (cap->status >= 500) {
		h->robots = crawl_robots_fixed(0);
		h->robots_why = "robots.txt answered with a server error, which RFC 9309 reads as "
		                "\"disallow everything\" (--ignore-robots captures it anyway)";
	}
	h->state = HOST_READY;
}

/* The counts one captured transfer adds to the stats (a page's or the
 * browser's); doxing pages and failures are counted by the callers. */
static void count_capture(crawl_stats_t *st, const crawl_xfer_t *x, const crawl_captured_t *cap)
{
	if (cap->wrote_response)
		st->fetched++;
	if (cap->wrote_response && cap->status >= 400)
		st->http_errors++;
	if (x->truncated)
		st->truncated++;
	if (cap->wrote_response == 2)
		st->revisits++;
	if (cap->nfindings > 0)
		st->findings += (uint64_t)cap->nfindings;
	if (cap->undetected)
		st->undetected++;
}

static void page_done(crawl_t *c, crawl_xfer_t *x, crawl_item_t *it, const crawl_captured_t *cap)
{
	char msg[CURL_ERROR_SIZE + 512];
	crawl_stats_t *st = c->st;
	if (cap->wrote_response && retry_later(c, x, it, cap->status))
		return; /* this answer is recorded; the URL is counted when it ends */
	count_capture(st, x, cap);
	if (cap->doxing)
		st->doxing_pages++;
	int failed = !cap->complete && x->truncated != CRAWL_TRUNC_LENGTH;
	if (failed && !cap->wrote_response && !it->retry && x->num_connects == 0 &&
	    (x->result == CURLE_UNSUPPORTED_PROTOCOL || x->result == CURLE_WEIRD_SERVER_REPLY ||
	     x->result == CURLE_GOT_NOTHING || x->result == CURLE_RECV_ERROR)) {
		/* garbage or nothing on a kept-alive connection: usually the previous
		 * response left bytes behind (a server that sent more than it
		 * declared). The failed attempt is recorded; try once more on a new
		 * connection. */
		char origin[1200];
		host_t *h = crawl_url_origin(x->url, origin, sizeof origin) ? NULL : host_find(c, origin, 0);
		char *u = h ? strdup(x->url) : NULL;
		crawl_item_t again = {u, it->depth, it->hops, it->priority, CRAWL_ITEM_PAGE, 1, it->attempts};
		if (u && crawl_frontier_requeue(h->waiting, &again) == 0) {
			if (it->hops == 0 && c->pages_started)
				c->pages_started--; /* the retry is the same page */
			return;
		}
		free(u);
	}
	if (failed) {
		st->failed++;
		if (x->truncated == CRAWL_TRUNC_DISCONNECT)
			snprintf(msg, sizeof msg, "incomplete: the server closed the connection after %llu body bytes "
			         "(what arrived is recorded, flagged incomplete)", (unsigned long long)x->body_len);
		else if (x->truncated == CRAWL_TRUNC_UNSPECIFIED)
			snprintf(msg, sizeof msg, "incomplete: the crawl was stopped after %llu body bytes "
			         "(what arrived is recorded, flagged incomplete)", (unsigned long long)x->body_len);
		else if (x->truncated == CRAWL_TRUNC_TIME)
			snprintf(msg, sizeof msg, "incomplete: timed out after %llu body bytes (--timeout; what arrived "
			         "is recorded, flagged incomplete)", (unsigned long long)x->body_len);
		else
			crawl_xfer_error(x, msg, sizeof msg);
	}
	/* a redirect: the target is the same page, one hop further */
	char *final = NULL;
	if (cap->status >= 300 && cap->status < 400 && cap->location[0])
		crawl_url_normalize(x->url, cap->location, &final);
	if (failed) {
		crawl_captured_t nof = *cap;
		nof.nfindings = -1;
		emit_url(c, CRAWL_EV_ERROR, x, &nof, outcome_of(x, cap, 1), final, msg);
	} else {
		emit_url(c, CRAWL_EV_FETCHED, x, cap, outcome_of(x, cap, 0), final,
		         x->truncated == CRAWL_TRUNC_LENGTH ? "truncated at --max-body" : NULL);
	}
	free(final);
	if (cap->links_too_long) {
		snprintf(msg, sizeof msg, "%zu link%s longer than %d bytes not followed (counted in the capture "
		         "metadata)", cap->links_too_long, cap->links_too_long == 1 ? "" : "s", CRAWL_MAX_URL);
		emit(c, CRAWL_EV_ERROR, x->url, cap->status, 0, -1, 0, msg);
	}

	if (cap->status >= 300 && cap->status < 400 && cap->location[0]) {
		char *target = NULL;
		if (crawl_url_normalize(x->url, cap->location, &target) != 0) {
			snprintf(msg, sizeof msg, "redirect not followed: \"%.300s%s\" is not an http(s) URL "
			         "custody fetches (the redirect itself is recorded)",
			         cap->location, strlen(cap->location) > 300 ? "..." : "");
			emit(c, CRAWL_EV_ERROR, x->url, cap->status, 0, -1, 0, msg);
		} else {
			if (it->hops + 1 > c->o->max_redirects) {
				snprintf(msg, sizeof msg, "redirect limit (%d) reached; not following %s",
				         c->o->max_redirects, target);
				emit(c, CRAWL_EV_ERROR, x->url, cap->status, 0, -1, 0, msg);
			} else {
				if (it->depth == 0 && !crawl_scope_match(c->scope, target))
					crawl_scope_add_seed(c->scope, target); /* a seed's redirect defines scope too */
				if (crawl_scope_match(c->scope, target))
					crawl_frontier_push(c->fr, target, it->depth, it->hops + 1, it->priority,
					                    CRAWL_ITEM_PAGE);
				else if (!crawl_frontier_seen(c->fr, target))
					emit_skip(c, target, "out_of_scope",
					          "redirect target outside the scope (--scope): not fetched");
			}
			free(target);
		}
	}
	/* links (extracted by crawl_capture_prepare when the depth allowed);
	 * without --focus every priority stays 0: breadth-first */
	int focus = c->o->focus && cap->link_sig;
	int (*queue)(crawl_frontier_t *, const char *, int, int, int, int) =
		focus ? crawl_frontier_raise : crawl_frontier_push;
	for (size_t i = 0; i < cap->nlinks; i++) {
		int prio = focus ? crawl_focus_priority(it->priority, cap->doxing, cap->page_signal,
		                                        cap->link_sig[i])
		                 : it->priority;
		if (!crawl_filter_match(c->filter, cap->links[i]))
			continue; /* --include / --exclude */
		if (it->depth < c->o->depth && crawl_scope_match(c->scope, cap->links[i]))
			queue(c->fr, cap->links[i], it->depth + 1, 0, prio, CRAWL_ITEM_PAGE);
		else if (c->o->requisites && cap->link_req[i] && !c->o->browser)
			/* part of the page as it was shown, wherever it is hosted;
			 * beyond --depth so that nothing is followed from there */
			queue(c->fr, cap->links[i], c->o->depth + 1, 0, prio, CRAWL_ITEM_PAGE);
	}
	/* a shared frontier learns the URL is captured (or failed, as far as it
	 * got: recorded either way), once the case is on disk (crawl_sync_shared) */
	crawl_frontier_done(c->fr, x->url, cap->response_id[0] ? cap->response_id : NULL);
}

static void proxy_done(crawl_t *c, crawl_xfer_t *x, proxy_item_t *pi, const crawl_captured_t *cap);

/* Write one prepared URL and queue what it leads to (main thread). */
static void finish_job(crawl_t *c, job_t *j)
{
	crawl_xfer_t *x = j->x;
	crawl_item_t *it = j->it;
	if (!c->fatal) {
		arc_error_t err;
		j->cap.depth = it->kind == CRAWL_ITEM_PAGE ? it->depth : -1;
		int rc = j->prep_rc ? arc_fail(&err, j->prep_rc, "", 0, "", "%s: out of memory", x->url)
		                    : crawl_capture_write(&c->cc, x, &j->cap, &err);
		c->st->records += (uint64_t)j->cap.records;
		c->st->bytes += j->cap.bytes;
		if (rc < 0) {
			c->fatal = rc;
			c->fatal_err = err;
		} else if (it->kind == CRAWL_ITEM_ROBOTS) {
			robots_done(c, it, &j->cap);
		} else if (it->kind == CRAWL_ITEM_PROXY) {
			proxy_done(c, x, (proxy_item_t *)it, &j->cap);
			crawl_proxy_answer(((proxy_item_t *)it)->req, x); /* the browser gets it now */
			x = NULL;
		} else {
			page_done(c, x, it, &j->cap);
		}
	}
	if (x && it->kind == CRAWL_ITEM_PROXY) /* not recorded: the browser does not get it */
		crawl_proxy_refuse(((proxy_item_t *)it)->req, 502,
		                   "custody's proxy: the response could not be recorded");
	crawl_captured_free(&j->cap);
	free(it->url);
	free(it);
	crawl_xfer_free(x);
	free(j);
}

static void *worker_main(void *arg)
{
	crawl_t *c = arg;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->todo && !c->quit)
			pthread_cond_wait(&c->cv, &c->mu);
		if (!c->todo)
			break;
		job_t *j = c->todo;
		c->todo = j->next;
		if (!c->todo)
			c->todo_tail = NULL;
		pthread_mutex_unlock(&c->mu);
		j->prep_rc = crawl_capture_prepare(&c->cc, j->x, j->it->kind == CRAWL_ITEM_ROBOTS,
		                                   j->max_links, &j->cap);
		pthread_mutex_lock(&c->mu);
		j->next = NULL;
		if (c->done_tail)
			c->done_tail->next = j;
		else
			c->done = j;
		c->done_tail = j;
		crawl_fetch_wakeup(c->fetch);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* Write every job the workers have finished, in the order they finished. */
static void drain_done(crawl_t *c)
{
	if (!c->pool)
		return;
	pthread_mutex_lock(&c->mu);
	job_t *j = c->done;
	c->done = c->done_tail = NULL;
	pthread_mutex_unlock(&c->mu);
	while (j) {
		job_t *next = j->next;
		c->pending--;
		finish_job(c, j);
		j = next;
	}
}

static void on_done(void *ctx, crawl_xfer_t *x)
{
	crawl_t *c = ctx;
	crawl_item_t *it = x->user;
	char origin[1200];
	host_t *h = it->kind == CRAWL_ITEM_PROXY || crawl_url_origin(x->url, origin, sizeof origin)
	                ? NULL
	                : host_find(c, origin, 0);
	if (h && h->active > 0)
		h->active--;
	job_t *j = calloc(1, sizeof *j);
	if (!j) {
		if (!c->fatal) {
			c->fatal = ARC_ENOMEM;
			arc_fail(&c->fatal_err, ARC_ENOMEM, "", 0, "", "out of memory");
		}
		if (it->kind == CRAWL_ITEM_PROXY)
			crawl_proxy_refuse(((proxy_item_t *)it)->req, 502, "custody's proxy: out of memory");
		free(it->url);
		free(it);
		crawl_xfer_free(x);
		return;
	}
	j->x = x;
	j->it = it;
	if (it->kind == CRAWL_ITEM_PROXY)
		j->max_links = ((proxy_item_t *)it)->main_doc && it->depth < c->o->depth ? c->o->max_links : 0;
	else
		j->max_links = it->kind == CRAWL_ITEM_PAGE &&
		                       (it->depth < c->o->depth || (c->o->requisites && it->depth <= c->o->depth + 1))
		                   ? c->o->max_links : 0;
	/* a requisite beyond --depth: only a style sheet's own requisites (fonts,
	 * images, @import) are taken, never an embedded page's links */
	x->css_only = it->depth > c->o->depth;
	if (!c->nworkers || c->fatal) {
		j->prep_rc = c->fatal ? 0 : crawl_capture_prepare(&c->cc, x, it->kind == CRAWL_ITEM_ROBOTS,
		                                                   j->max_links, &j->cap);
		finish_job(c, j);
		return;
	}
	pthread_mutex_lock(&c->mu);
	if (c->todo_tail)
		c->todo_tail->next = j;
	else
		c->todo = j;
	c->todo_tail = j;
	c->pending++;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static void workers_start(crawl_t *c)
{
	xmlInitParser(); /* libxml2 must be initialized before threads use it */
	long n = c->o->threads;
	if (n < 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN) - 1;
		if (n > 4)
			n = 4;
	}
	if (n < 1)
		return; /* one CPU, or asked for: post-process on the main thread */
	if (n > 64)
		n = 64;
	if (pthread_mutex_init(&c->mu, NULL))
		return;
	if (pthread_cond_init(&c->cv, NULL)) {
		pthread_mutex_destroy(&c->mu);
		return;
	}
	c->pool = 1;
	c->workers = calloc((size_t)n, sizeof *c->workers);
	if (!c->workers)
		return;
	for (long i = 0; i < n; i++) {
		if (pthread_create(&c->workers[c->nworkers], NULL, worker_main, c))
			break;
		c->nworkers++;
	}
}

static void workers_stop(crawl_t *c)
{
	if (!c->pool)
		return;
	pthread_mutex_lock(&c->mu);
	c->quit = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	for (int i = 0; i < c->nworkers; i++)
		pthread_join(c->workers[i], NULL);
	c->nworkers = 0;
	drain_done(c); /* nothing is left: the crawl waited for pending jobs */
	free(c->workers);
	c->workers = NULL;
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	c->pool = 0;
}

/* ---------------------------------------------------------------- --browser */

/* A browser request the proxy refused: counted, listed with the page. */
static void proxy_block(crawl_t *c, const char *url, const char *reason, int own)
{
	c->st->blocked++;
	if (c->page) {
		c->page_nblocked++;
		if (c->page_blocked && json_array_size(c->page_blocked) < 1000)
			json_array_append_new(c->page_blocked, json_pack("{s:s, s:s}", "url", url, "reason", reason));
	}
	char msg[600];
	snprintf(msg, sizeof msg, "blocked by the browser proxy, not fetched: %s", reason);
	emit_skip_ev(c, url, "out_of_scope", msg, own);
}

/* Does the request's Referer (or Origin) name the page being rendered: an
 * origin in scope, or one of a document fetched for this page (a frame)? */
static int from_page(crawl_t *c, const crawl_proxy_req_t *r, const char *name)
{
	char v[CRAWL_MAX_URL], origin[1200], root[1300];
	if (!crawl_proxy_req_header(r, name, v, sizeof v) || crawl_url_origin(v, origin, sizeof origin))
		return 0;
	snprintf(root, sizeof root, "%s/", origin);
	char *norm = NULL;
	int ok = crawl_url_normalize(NULL, root, &norm) == 0 &&
	         (crawl_scope_match(c->scope, norm) || arc_map_find(c->page_origins, origin, NULL));
	free(norm);
	return ok;
}

/* Take the requests browser connections wait on: refuse what is out of
 * scope, fetch the rest like any URL (answered in finish_job). */
static void proxy_take(crawl_t *c, int stopping)
{
	crawl_proxy_req_t *r;
	while (c->proxy && (r = crawl_proxy_next(c->proxy))) {
		char *norm = NULL;
		if (stopping || c->fatal) {
			crawl_proxy_refuse(r, 502, "custody's proxy: the crawl is stopping");
			continue;
		}
		if (crawl_url_normalize(NULL, crawl_proxy_req_url(r), &norm)) {
			crawl_proxy_refuse(r, 400, "custody's proxy: not an http(s) URL custody fetches");
			continue;
		}
		int main_doc = c->page && c->page_main && !strcmp(norm, c->page_main);
		int in_scope = crawl_scope_match(c->scope, norm);
		if (main_doc && !in_scope && c->page->depth == 0) {
			crawl_scope_add_seed(c->scope, norm); /* a seed's redirect defines scope too */
			in_scope = 1;
		}
		/* what a page loads says where from (Referer or Origin); what chromium
		 * asks for by itself (updates, sign-in, time) does not, and is never
		 * fetched outside the scope, --requisites or not */
		int of_page = main_doc || (c->page && (from_page(c, r, "Referer") || from_page(c, r, "Origin")));
		if (!in_scope && (!c->o->requisites || !of_page)) {
			proxy_block(c, norm, !of_page ? "outside the crawl's scope and not asked for by the page "
			                                "(no Referer or Origin: the browser's own traffic)"
			                              : "outside the crawl's scope (--scope); the browser's requests to "
			                                "other sites are fetched only with --requisites",
			            !of_page);
			crawl_proxy_refuse(r, 403, "custody's proxy: outside the crawl's scope, not fetched "
			                           "(listed as blocked with the page)");
			free(norm);
			continue;
		}
		proxy_item_t *pi = calloc(1, sizeof *pi);
		crawl_xfer_t *x = pi ? crawl_proxy_req_xfer(r, pi) : NULL;
		arc_error_t err;
		if (!x || crawl_fetch_add(c->fetch, x, &err)) {
			crawl_xfer_free(x);
			free(pi);
			free(norm);
			crawl_proxy_refuse(r, 502, "custody's proxy: cannot start the transfer (out of memory)");
			continue;
		}
		pi->it.url = norm;
		pi->it.kind = CRAWL_ITEM_PROXY;
		pi->it.depth = main_doc ? c->page->depth : c->o->depth + 1;
		pi->it.priority = c->page ? c->page->priority : 0;
		pi->req = r;
		pi->main_doc = main_doc;
	}
}

/* A browser request recorded (main thread): count it, remember its record
 * for the page, follow the main document's redirects. */
static void proxy_done(crawl_t *c, crawl_xfer_t *x, proxy_item_t *pi, const crawl_captured_t *cap)
{
	crawl_stats_t *st = c->st;
	char msg[CURL_ERROR_SIZE + 512];
	int failed = !cap->complete && x->truncated != CRAWL_TRUNC_LENGTH;
	count_capture(st, x, cap);
	if (failed) {
		st->failed++;
		crawl_xfer_error(x, msg, sizeof msg);
		crawl_captured_t nof = *cap;
		nof.nfindings = -1;
		emit_url(c, CRAWL_EV_ERROR, x, &nof, outcome_of(x, cap, 1), NULL, msg);
	} else {
		emit_url(c, CRAWL_EV_FETCHED, x, cap, outcome_of(x, cap, 0), NULL, NULL);
	}
	if (!c->page)
		return; /* chromium's own traffic between pages */
	int revisit = cap->wrote_response == 2 && cap->revisit_personal >= 0;
	if (cap->nfindings > 0)
		c->page_findings += cap->nfindings;
	if (revisit ? cap->revisit_doxing : cap->doxing)
		c->page_doxing = 1;
	char origin[1200];
	if (cap->wrote_response && !crawl_url_origin(pi->it.url, origin, sizeof origin))
		arc_map_put(c->page_origins, origin, NULL, NULL);
	if (cap->response_id[0]) {
		char *id = strdup(cap->response_id);
		if (id && arc_map_put(c->page_caps, pi->it.url, id, NULL) != 0)
			free(id); /* the first capture of a URL stands for it */
	}
	if (!pi->main_doc)
		return;
	if (cap->status >= 300 && cap->status < 400 && cap->location[0]) {
		char *target = NULL;
		if (crawl_url_normalize(x->url, cap->location, &target) == 0) {
			free(c->page_main);
			c->page_main = target; /* the browser follows: that is the page now */
		}
		return;
	}
	if (cap->response_id[0] && !c->page_main_id[0])
		snprintf(c->page_main_id, sizeof c->page_main_id, "%s", cap->response_id);
	for (size_t i = 0; i < cap->nlinks; i++) {
		if (arc_vec_reserve((void **)&c->page_links, &c->cappage_links, c->npage_links + 1,
		                    sizeof *c->page_links, c->o->max_links ? c->o->max_links * 2 : 0))
			break;
		if (!(c->page_links[c->npage_links] = strdup(cap->links[i])))
			break;
		c->npage_links++;
	}
}

/* Links of a rendered page (its raw HTML's and its DOM's) join the frontier;
 * what the browser already fetched for it (scripts, images, API calls) is
 * marked seen, not rendered as a page of its own. */
static void render_links(crawl_t *c, char **links, size_t n)
{
	const crawl_item_t *it = c->page;
	for (size_t i = 0; i < n; i++) {
		if (arc_map_find(c->page_caps, links[i], NULL)) {
			crawl_frontier_mark_seen(c->fr, links[i]);
			continue;
		}
		if (!crawl_filter_match(c->filter, links[i]))
			continue;
		if (it->depth < c->o->depth && crawl_scope_match(c->scope, links[i]))
			crawl_frontier_push(c->fr, links[i], it->depth + 1, 0, it->priority, CRAWL_ITEM_PAGE);
	}
}

static void page_reset(crawl_t *c)
{
	if (c->page)
		free(c->page->url);
	free(c->page);
	c->page = NULL;
	free(c->page_main);
	c->page_main = NULL;
	c->page_main_id[0] = '\0';
	arc_map_free(c->page_caps, free);
	c->page_caps = NULL;
	arc_map_free(c->page_origins, NULL);
	c->page_origins = NULL;
	for (size_t i = 0; i < c->npage_links; i++)
		free(c->page_links[i]);
	free(c->page_links);
	c->page_links = NULL;
	c->npage_links = c->cappage_links = 0;
	json_decref(c->page_blocked);
	c->page_blocked = NULL;
	c->page_nblocked = 0;
	c->page_findings = c->page_personal = c->page_doxing = 0;
}

/* The render thread: one page at a time; a chromium that failed is stopped
 * and the next page starts a new one. Writes nothing. */
static void *render_main(void *arg)
{
	crawl_t *c = arg;
	pthread_mutex_lock(&c->rmu);
	for (;;) {
		while (!c->r_url && !c->r_quit)
			pthread_cond_wait(&c->rcv, &c->rmu);
		if (!c->r_url)
			break;
		char *url = c->r_url;
		pthread_mutex_unlock(&c->rmu);
		crawl_rendered_t out;
		arc_error_t err;
		memset(&out, 0, sizeof out);
		memset(&err, 0, sizeof err);
		int rc = 0;
		if (!c->browser)
			rc = crawl_browser_start(&c->bopts, &c->browser, &err);
		if (!rc && (rc = crawl_browser_render(c->browser, url, &out, &err)) < 0) {
			crawl_browser_stop(c->browser);
			c->browser = NULL;
		}
		pthread_mutex_lock(&c->rmu);
		c->r_out = out;
		c->r_rc = rc;
		c->r_err = err;
		c->r_url = NULL;
		c->r_done = 1;
		crawl_fetch_wakeup(c->fetch);
	}
	pthread_mutex_unlock(&c->rmu);
	return NULL;
}

/* The render thread finished a page: write its derived records (main thread). */
static void render_collect(crawl_t *c)
{
	crawl_rendered_t *r = &c->r_out;
	crawl_stats_t *st = c->st;
	char msg[sizeof c->r_err.msg + 600];
	const char *url = c->page->url;
	if (c->r_rc < 0) {
		st->render_failed++;
		snprintf(msg, sizeof msg, "chromium could not render this page (%s): it is recorded as "
		         "failed to render (the requests it made are recorded); the next page starts a new "
		         "chromium", c->r_err.msg);
		emit(c, CRAWL_EV_ERROR, url, 0, 0, -1, 0, msg);
	} else if (!c->fatal) {
		/* the main response: where the browser ended up, else the page's
		 * address, else the first document the proxy captured for it */
		const char *main_id = NULL;
		char *fin = NULL;
		if (r->final_url && crawl_url_normalize(NULL, r->final_url, &fin) == 0)
			main_id = arc_map_get(c->page_caps, fin);
		free(fin);
		if (!main_id)
			main_id = arc_map_get(c->page_caps, url);
		if (!main_id && c->page_main_id[0])
			main_id = c->page_main_id;
		free(r->blocked_json);
		r->blocked_json = c->page_blocked ? json_dumps(c->page_blocked, JSON_COMPACT) : NULL;
		r->blocked = c->page_nblocked;
		crawl_rendered_out_t out;
		arc_error_t err;
		memset(&out, 0, sizeof out);
		size_t ml = c->page->depth < c->o->depth ? c->o->max_links : 0;
		int rc = crawl_capture_rendered(&c->cc, r, main_id, ml, &out, &err);
		st->records += (uint64_t)out.records;
		if (rc < 0) {
			c->fatal = rc;
			c->fatal_err = err;
		} else {
			st->rendered++;
			if (!r->settled)
				st->unsettled++;
			int doxing = c->page_doxing || out.doxing;
			int findings = c->page_findings + (out.nfindings > 0 ? out.nfindings : 0);
			if (out.nfindings > 0)
				st->findings += (uint64_t)out.nfindings;
			if (doxing)
				st->doxing_pages++;
			snprintf(msg, sizeof msg, "rendered in chromium%s%s%s", r->settled ? "" : ", did not settle",
			         r->note[0] ? ": " : "", r->note);
			emit(c, CRAWL_EV_FETCHED, url, r->status, 0, findings, doxing, msg);
			render_links(c, c->page_links, c->npage_links);
			render_links(c, out.links, out.nlinks);
		}
		crawl_rendered_out_free(&out);
	}
	free(r->blocked_json);
	r->blocked_json = NULL;
	crawl_rendered_free(r);
	memset(r, 0, sizeof *r);
	page_reset(c);
}

/* One turn of the browser's side of the loop (main thread). */
static void browser_step(crawl_t *c, int stopping)
{
	if (!c->proxy)
		return;
	proxy_take(c, stopping);
	pthread_mutex_lock(&c->rmu);
	int done = c->r_done;
	c->r_done = 0;
	pthread_mutex_unlock(&c->rmu);
	if (done && c->page)
		render_collect(c);
	if (c->page || stopping || c->fatal || !crawl_frontier_size(c->render_q))
		return;
	crawl_item_t it;
	if (!crawl_frontier_pop(c->render_q, &it))
		return;
	c->page = malloc(sizeof *c->page);
	c->page_main = strdup(it.url);
	c->page_caps = arc_map_new(0);
	c->page_origins = arc_map_new(0);
	c->page_blocked = json_array();
	if (!c->page || !c->page_main || !c->page_caps || !c->page_origins || !c->page_blocked) {
		free(it.url);
		page_reset(c);
		c->fatal = ARC_ENOMEM;
		arc_fail(&c->fatal_err, ARC_ENOMEM, "", 0, "", "out of memory");
		return;
	}
	*c->page = it;
	pthread_mutex_lock(&c->rmu);
	c->r_url = c->page->url;
	pthread_cond_signal(&c->rcv);
	pthread_mutex_unlock(&c->rmu);
}

/* Pages waiting for or in the browser. */
static int browser_busy(const crawl_t *c)
{
	return c->proxy && (c->page || crawl_frontier_size(c->render_q));
}

static void wake_loop(void *ctx)
{
	crawl_t *c = ctx;
	crawl_fetch_wakeup(c->fetch);
}

/* One warcinfo field "name: value", the value on one line. */
static int info_line(arc_buf_t *b, const char *name, const char *value)
{
	if (arc_buf_printf(b, "%s: ", name))
		return ARC_ENOMEM;
	for (const char *p = value; p && *p; p++)
		if (*p != '\r' && arc_buf_append(b, *p == '\n' ? " " : p, 1))
			return ARC_ENOMEM;
	return arc_buf_append(b, "\n", 1);
}

/* The proxy, chromium and the render thread, before the case opens: what
 * they are goes into warcinfo. */
static int browser_setup(crawl_t *c, arc_error_t *err)
{
	const crawl_opts_t *o = c->o;
	const char *base = strrchr(o->case_dir, '/');
	base = base && base[1] ? base + 1 : o->case_dir;
	crawl_proxy_opts_t po = {.case_id = base, .wakeup = wake_loop, .ctx = c, .extra = c->headers};
	int rc = crawl_proxy_start(&po, &c->proxy, err);
	if (rc)
		return rc;
	if (!(c->render_q = crawl_frontier_new()))
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	c->bopts.chromium = o->chromium;
	c->bopts.proxy = crawl_proxy_addr(c->proxy);
	c->bopts.spki = crawl_proxy_spki_list(c->proxy);
	c->bopts.settle_ms = o->browser_settle_s > 0 ? o->browser_settle_s * 1000 : 0;
	c->bopts.scrolls = o->browser_scrolls;
	c->bopts.pdf = o->pdf;
	if ((rc = crawl_browser_start(&c->bopts, &c->browser, err)))
		return rc;
	arc_buf_t b = {0};
	char ver[300];
	snprintf(ver, sizeof ver, "%s, headless, driven over the DevTools pipe, one page at a time",
	         crawl_browser_version(c->browser));
	if (info_line(&b, "browser", ver) || info_line(&b, "browser-flags", crawl_browser_flags(c->browser)) ||
	    info_line(&b, "browser-proxy", "custody's own HTTP/HTTPS proxy on 127.0.0.1: every request of "
	                                   "the browser fetched and recorded by custody, TLS to origins "
	                                   "verified as for every capture") ||
	    info_line(&b, "browser-proxy-ca", crawl_proxy_ca_pem(c->proxy)) ||
	    info_line(&b, "browser-proxy-ca-spki-sha256", crawl_proxy_ca_spki(c->proxy)) ||
	    info_line(&b, "browser-policy", "websockets: refused; service workers: bypassed") ||
	    arc_buf_append(&b, "", 1)) {
		arc_buf_free(&b);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	}
	c->extra_info = (char *)b.data;
	if (pthread_mutex_init(&c->rmu, NULL) || pthread_cond_init(&c->rcv, NULL))
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "cannot set up the render thread");
	if (pthread_create(&c->rthread, NULL, render_main, c)) {
		pthread_cond_destroy(&c->rcv);
		pthread_mutex_destroy(&c->rmu);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "cannot start the render thread");
	}
	c->rthread_on = 1;
	return 0;
}

/* Stop the render thread, chromium and the proxy (every request the proxy
 * handed over was answered: the loop waited for them). */
static void browser_teardown(crawl_t *c)
{
	if (c->rthread_on) {
		pthread_mutex_lock(&c->rmu);
		c->r_quit = 1;
		pthread_cond_signal(&c->rcv);
		pthread_mutex_unlock(&c->rmu);
		pthread_join(c->rthread, NULL);
		c->rthread_on = 0;
		free(c->r_out.blocked_json);
		c->r_out.blocked_json = NULL;
		crawl_rendered_free(&c->r_out);
		memset(&c->r_out, 0, sizeof c->r_out);
		pthread_cond_destroy(&c->rcv);
		pthread_mutex_destroy(&c->rmu);
	}
	crawl_browser_stop(c->browser);
	c->browser = NULL;
	crawl_proxy_stop(c->proxy);
	c->proxy = NULL;
	page_reset(c);
	crawl_frontier_free(c->render_q);
	c->render_q = NULL;
	free(c->extra_info);
	c->extra_info = NULL;
}

/* ---------------------------------------------------------------- --resume */

/* Hold for later what one captured page leads to, as page_done would have
 * queued it: URLs captured later in the files are not known to be seen yet. */
static void resume_add(crawl_frontier_t *later, const char *url, int depth, int hops)
{
	char *u = strdup(url);
	crawl_item_t it = {u, depth, hops, 0, CRAWL_ITEM_PAGE, 0, 0};
	if (u && crawl_frontier_requeue(later, &it))
		free(u);
}

static void resume_links(crawl_t *c, crawl_frontier_t *later, const char *url,
                         const crawl_captured_t *cap, int depth)
{
	if (cap->status >= 300 && cap->status < 400 && cap->location[0]) {
		char *target = NULL;
		if (crawl_url_normalize(url, cap->location, &target) == 0) {
			if (crawl_scope_match(c->scope, target))
				resume_add(later, target, depth, 1);
			free(target);
		}
	}
	for (size_t i = 0; i < cap->nlinks; i++) {
		if (depth < c->o->depth && crawl_scope_match(c->scope, cap->links[i]))
			resume_add(later, cap->links[i], depth + 1, 0);
		else if (c->o->requisites && cap->link_req[i] && !c->o->browser)
			resume_add(later, cap->links[i], c->o->depth + 1, 0);
	}
}

/* What the case already holds is the crawl state: every captured URL is
 * seen (not fetched again), every captured payload can be revisited, and the
 * links of captured pages are queued again at the depth their capture
 * metadata records. URLs that failed (no response) are tried again. Nothing
 * else is kept on the side, so nothing can disagree with the archive. */
static int resume_scan(crawl_t *c)
{
	arc_case_files_t files;
	arc_error_t lerr;
	if (arc_case_files(c->o->case_dir, &files, &lerr) != ARC_OK)
		return lerr.code == ARC_ENOMEM ? ARC_ENOMEM : 0; /* a new case: nothing to resume */
	int rc = 0;
	crawl_capture_ctx_t cc = c->cc;
	cc.rules = NULL; /* findings are already in the case */
	cc.watch = NULL;
	crawl_frontier_t *later = crawl_frontier_new();
	if (!later)
		rc = ARC_ENOMEM;
	for (size_t i = 0; i < files.n && !rc; i++) {
		const char *path = files.v[i].path;
		arc_error_t err;
		/* links come from the scan window, as in the crawl: bodies past it stay on disk */
		warc_reader_opts_t ro = {.block_keep = c->cc.max_decoded + HTTP_MAX_HEADER};
		warc_reader_t *r = warc_reader_open(path, &ro, &err);
		if (!r) {
			emit(c, CRAWL_EV_ERROR, path, 0, 0, -1, 0, err.msg);
			continue;
		}
		warc_rec_t rec;
		int n;
		char pending_id[ARC_UUID_LEN + 8] = "";
		char *pending_url = NULL;
		crawl_captured_t pend;
		memset(&pend, 0, sizeof pend);
		while ((n = warc_reader_next(r, &rec, &err)) == 1) {
			const char *type = warc_rec_get(&rec, "WARC-Type");
			const char *uri = warc_rec_get(&rec, "WARC-Target-URI");
			const char *ct = warc_rec_get(&rec, "Content-Type");
			if (!type || !uri)
				continue;
			if (c->o->revisit_all && !strcmp(type, "response")) {
				/* a watch round: every URL is fetched again; known payloads become revisits */
				const char *pd = warc_rec_get(&rec, "WARC-Payload-Digest");
				const char *id = warc_rec_get(&rec, "WARC-Record-ID");
				const char *date = warc_rec_get(&rec, "WARC-Date");
				if (pd && id && date && !warc_rec_get(&rec, "WARC-Truncated") &&
				    crawl_dedup_add(c->cc.dedup, pd, id, uri, date)) {
					rc = ARC_ENOMEM;
					break;
				}
				continue;
			}
			if (c->o->revisit_all)
				continue;
			if (!strcmp(type, "response") || !strcmp(type, "revisit")) {
				if (!strcmp(path_query(uri), "/robots.txt"))
					continue; /* robots.txt is fetched again: the policy as of now */
				if (crawl_frontier_mark_seen(c->fr, uri)) {
					rc = ARC_ENOMEM;
					break;
				}
				c->st->resumed++;
				const char *pd = warc_rec_get(&rec, "WARC-Payload-Digest");
				const char *id = warc_rec_get(&rec, "WARC-Record-ID");
				const char *date = warc_rec_get(&rec, "WARC-Date");
				if (!strcmp(type, "response") && pd && id && date && !warc_rec_get(&rec, "WARC-Truncated"))
					crawl_dedup_add(c->cc.dedup, pd, id, uri, date);
				/* its links, once its capture metadata tells the depth */
				crawl_captured_free(&pend);
				free(pending_url);
				pending_url = NULL;
				pending_id[0] = '\0';
				crawl_xfer_t fx;
				memset(&fx, 0, sizeof fx);
				fx.url = (char *)uri;
				fx.resp.data = (unsigned char *)rec.block;
				fx.resp.len = (size_t)rec.block_len;
				fx.hdr_len = http_header_end(rec.block, (size_t)rec.block_len);
				fx.status = http_status(rec.block, fx.hdr_len);
				if (fx.hdr_len && crawl_capture_prepare(&cc, &fx, 0, c->o->max_links, &pend) == 0 &&
				    id && (pending_url = strdup(uri)))
					snprintf(pending_id, sizeof pending_id, "%s", id);
			} else if (!strcmp(type, "metadata") && ct &&
			           arc_ct_is(ct, ARC_CT_CAPTURE) && pending_id[0]) {
				const char *to = warc_rec_get(&rec, "WARC-Concurrent-To");
				if (!to || strcmp(to, pending_id))
					continue;
				json_t *j = json_loadb((const char *)rec.block, (size_t)rec.block_len, 0, NULL);
				json_t *dj = j ? json_object_get(j, "depth") : NULL;
				int depth = json_is_integer(dj) ? (int)json_integer_value(dj) : 0;
				json_decref(j);
				resume_links(c, later, pending_url, &pend, depth);
				crawl_captured_free(&pend);
				free(pending_url);
				pending_url = NULL;
				pending_id[0] = '\0';
			}
		}
		if (n < 0)
			emit(c, CRAWL_EV_ERROR, files.v[i].name, 0, 0, -1, 0, err.msg);
		crawl_captured_free(&pend);
		free(pending_url);
		warc_reader_free(r);
	}
	/* now that every captured URL is seen, queue what they lead to */
	crawl_item_t it;
	while (later && crawl_frontier_pop(later, &it)) {
		if (!rc && crawl_frontier_push(c->fr, it.url, it.depth, it.hops, 0, CRAWL_ITEM_PAGE) < 0)
			rc = ARC_ENOMEM;
		free(it.url);
	}
	crawl_frontier_free(later);
	arc_case_files_free(&files);
	return rc;
}

static void software(char *out, size_t outsz)
{
	char v[256];
	crawl_versions(v, sizeof v);
	snprintf(out, outsz, "custody/%s (%s)", CUSTODY_VERSION, v);
}

/* ---------------------------------------------------------------- crawl_run's phases */

/* Phase 1: what the crawl is given, checked and set up: scope from the seeds,
 * --include/--exclude, --header, the detection rules and watchlist, and what
 * every capture shares (crawl_capture_ctx_t). Nothing is fetched or written. */
static int crawl_prepare(crawl_t *c, arc_error_t *err)
{
	const crawl_opts_t *o = c->o;

	if (o->state) {
		if (o->browser)
			return arc_fail(err, ARC_EINVAL, "", 0, "", "--browser does not work with --state yet: "
			                "crawl a shared frontier without it, or each page with --browser on one host");
		if (!(c->fr = crawl_frontier_pg_open(o->state, o->crawl_name, o->create_crawl, o->lease_s, err)))
			return err->code ? err->code : ARC_EIO;
	} else {
		c->fr = crawl_frontier_new();
	}
	c->scope = crawl_scope_new(o->scope);
	c->cc.dedup = o->dedup_keep && *o->dedup_keep ? *o->dedup_keep : crawl_dedup_new();
	c->dedup_kept = o->dedup_keep && *o->dedup_keep;
	c->cc.lean_revisits = o->lean_revisits;
	if (!c->fr || !c->scope || !c->cc.dedup)
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	for (size_t i = 0; i < o->nseeds; i++) {
		char *u = NULL;
		if (crawl_url_normalize(NULL, o->seeds[i], &u))
			return arc_fail(err, ARC_EINVAL, o->seeds[i], 0, "",
			                "%s: not an absolute http:// or https:// URL", o->seeds[i]);
		if (crawl_scope_add_seed(c->scope, u)) {
			free(u);
			return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		}
		free(u);
	}
	if ((o->ninclude || o->nexclude) &&
	    !(c->filter = crawl_filter_new(o->include, o->ninclude, o->exclude, o->nexclude, err)))
		return err->code ? err->code : ARC_EINVAL;
	for (size_t i = 0; i < o->nheaders; i++) {
		struct curl_slist *nl = curl_slist_append(c->headers, o->headers[i]);
		if (!nl)
			return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		c->headers = nl;
	}
	if (!o->no_detect) {
		detect_rules_t *rules = detect_rules_load(o->rules_path, err);
		if (!rules)
			return err->code ? err->code : ARC_EINVAL;
		c->cc.rules = rules;
		if (o->watch_path) {
			detect_watch_t *w = detect_watch_load(o->watch_path, err);
			if (!w)
				return err->code ? err->code : ARC_EINVAL;
			c->cc.watch = w;
		}
	}
	crawl_versions(c->versions, sizeof c->versions);
	software(c->soft, sizeof c->soft);
	c->cc.versions = c->versions;
	c->cc.insecure = o->insecure;
	c->cc.focus = o->focus;
	c->cc.max_decoded = o->scan_max ? o->scan_max : CRAWL_SCAN_MAX;
	c->cc.keep_secrets = o->keep_secrets;
	c->cc.secret_names = o->secret_headers;
	c->cc.nsecret_names = o->nsecret_headers;
	if (pthread_mutex_init(&c->big_scan, NULL) == 0) {
		c->big_scan_init = 1;
		c->cc.big_scan = &c->big_scan;
	}
	snprintf(c->robots_policy, sizeof c->robots_policy, "%s",
	         o->ignore_robots ? "ignore (--ignore-robots: robots.txt not fetched or obeyed)"
	                          : "obey (robots.txt fetched per origin, archived, obeyed as user-agent custody; RFC 9309)");
	return 0;
}

/* Phase 2: the frontier's first entries. With --resume the case's captures
 * come first, so that seeds already there are not fetched again. */
static int crawl_queue_seeds(crawl_t *c, arc_error_t *err)
{
	const crawl_opts_t *o = c->o;
	int rc;

	/* a watch round after the first: the payloads are known already */
	if (o->resume && !(o->revisit_all && c->dedup_kept) && (rc = resume_scan(c)) < 0)
		return arc_fail(err, rc, o->case_dir, 0, "", "%s: out of memory reading the case to resume",
		                o->case_dir);
	for (size_t i = 0; i < o->nseeds; i++) {
		char *u = NULL;
		if (crawl_url_normalize(NULL, o->seeds[i], &u) == 0 &&
		    crawl_frontier_push(c->fr, u, 0, 0, 0, CRAWL_ITEM_PAGE) < 0) {
			free(u);
			return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		}
		free(u);
	}
	return 0;
}

/* Phase 3: the fetcher (libcurl multi) and, with --browser, chromium and the
 * proxy it talks through. */
static int crawl_open_fetcher(crawl_t *c, arc_error_t *err)
{
	const crawl_opts_t *o = c->o;
	crawl_fetch_opts_t fo = {.concurrency = o->concurrency, .per_host = o->per_host,
	                         .timeout_s = o->timeout_s, .connect_timeout_s = o->connect_timeout_s,
	                         .max_body = o->max_body, .insecure = o->insecure, .ca_file = o->ca_file,
	                         .user_agent = o->user_agent, .http2 = o->http2,
	                         .spool_dir = o->case_dir, .scan_max = c->cc.max_decoded,
	                         .mem_budget = CRAWL_MEM_BUDGET, .headers = c->headers,
	                         .cookie_file = o->cookie_file};

	c->fetch = crawl_fetch_new(&fo, err);
	if (!c->fetch)
		return err->code ? err->code : ARC_ENOMEM;
	if (o->browser)
		return browser_setup(c, err);
	return 0;
}

/* Phase 4: the case directory (new, or reopened with --resume) and, when the
 * case is signed or time-stamped, the seal writer that seals it as it grows. */
static int crawl_open_case(crawl_t *c, arc_error_t *err)
{
	const crawl_opts_t *o = c->o;
	int rc;
	/* the capture environment, asked before the case opens (warcinfo's host
	 * name comes from it) and written as the first record after warcinfo */
	crawl_env_opts_t eo;
	crawl_env_opts_init(&eo);
	eo.seeds = o->seeds;
	eo.nseeds = o->nseeds;
	eo.command_line = o->command_line;
	eo.private_env = o->private_env;
	eo.salt = o->env_salt;
	eo.salt_len = o->env_salt_len;
	eo.chromium = c->browser ? crawl_browser_version(c->browser) : NULL;
	eo.ca_file = o->ca_file;
	eo.insecure = o->insecure;
	eo.tls_probe = !o->no_tls_probe;
	if ((rc = crawl_env_collect(&eo, &c->env, err)))
		return rc;
	arc_case_opts_t co = {.max_file_size = o->max_file_size, .level = o->level, .software = c->soft,
	                      .extra_info = c->extra_info,
	                      .hostname = o->private_env ? crawl_env_hostname(c->env) : NULL,
	                      .command_line = o->command_line, .robots = c->robots_policy, .note = o->note,
	                      .cut_torn_tail = o->resume, .state = o->case_state,
	                      .skip_index = o->skip_index,
	                      .operator_ = o->signer ? seal_signer_subject(o->signer) : NULL};

	c->cc.cas = arc_case_open(o->case_dir, &co, err);
	if (!c->cc.cas)
		return err->code ? err->code : ARC_EIO;
	/* a shared frontier knows this host by its case (or --host-id) from now on */
	if ((rc = crawl_frontier_set_host(c->fr, o->host_id ? o->host_id : arc_case_id(c->cc.cas), err)))
		return rc;
	if ((rc = crawl_env_put(c->cc.cas, c->env, err)))
		return rc;
	if (o->signer || o->ntsa) {
		c->tsa.urls = o->tsa_urls;
		c->tsa.nurls = o->ntsa;
		c->tsa.ca_file = o->ca_file;
		seal_writer_opts_t so = {.signer = o->signer, .stamp = o->ntsa ? crawl_tsa_stamp : NULL,
		                         .stamp_ctx = &c->tsa, .every = o->seal_every,
		                         .interval = o->seal_interval};
		c->sealer = seal_writer_new(&so);
		if (!c->sealer)
			return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		/* the opening (or, resumed, reopening) seal over warcinfo and the
		 * environment record, before the first capture; then the clock
		 * checked against its time-stamp token */
		if ((rc = seal_writer_open(c->sealer, c->cc.cas, err)))
			return rc;
		if (crawl_env_clock(c->env, &c->tsa)) {
			c->st->clock_checked = 1;
			c->st->clock_offset_ms = c->tsa.first_gen_time * 1000 -
			                         (c->tsa.first_sent_ms + c->tsa.first_recv_ms) / 2;
			if (crawl_env_clock_off(c->env)) {
				char msg[300];
				snprintf(msg, sizeof msg, "environment: %s", crawl_env_clock_line(c->env));
				emit(c, CRAWL_EV_ERROR, NULL, 0, 0, -1, 0, msg);
			}
			if ((rc = crawl_env_write_clock(c->cc.cas, c->env, &c->tsa, err)))
				return rc;
		}
	}
	return 0;
}

/* Stopping (Ctrl-C, or the case cannot be written): no new fetch starts;
 * what the workers hold is still written; a page in the browser ends (its
 * requests are refused now) and is written too. */
static void crawl_wind_down(crawl_t *c)
{
	crawl_fetch_abort_all(c->fetch, on_done, c);
	while (c->pending > 0 || c->page) {
		crawl_fetch_run(c->fetch, 100, on_done, c);
		drain_done(c);
		browser_step(c, 1);
		crawl_fetch_abort_all(c->fetch, on_done, c);
	}
}

/* A shared frontier (--state) is told which URLs are captured only once their
 * records are on disk: sync the case, then tell it. A capture the database had
 * given to another host meanwhile is a duplicate: kept, counted, said. */
static void crawl_sync_shared(crawl_t *c, int synced)
{
	arc_error_t e;
	int dups;

	if (!c->o->state || (!synced && arc_case_sync(c->cc.cas, &e) != 0))
		return; /* not synced: nothing is told */
	if ((dups = crawl_frontier_durable(c->fr)) > 0) {
		char msg[200];
		c->st->duplicates += (uint64_t)dups;
		snprintf(msg, sizeof msg, "%d capture%s of this host came after its lease had run out: another "
		         "host has %s too (both are kept; the database lists %s as duplicate%s)", dups,
		         dups == 1 ? "" : "s", dups == 1 ? "it" : "them", dups == 1 ? "it" : "them",
		         dups == 1 ? "" : "s");
		emit(c, CRAWL_EV_ERROR, NULL, 0, 0, -1, 0, msg);
	}
}

/* Phase 5: the loop, until the frontier, the origins' queues, the workers and
 * the browser are all empty, or the crawl is stopped. Failures that end the
 * crawl are kept in c->fatal / c->fatal_err. */
static void crawl_loop(crawl_t *c)
{
	const crawl_opts_t *o = c->o;
	double last = 0, last_sync = 0;
	int db_down = 0; /* the shared crawl's database did not answer at the last look */
	int rc = 0;

	workers_start(c);
	for (;;) {
		drain_done(c);
		int stop = c->fatal || (o->stop && *o->stop);
		browser_step(c, stop);
		/* origins with free connections first (their queues hold older
		 * URLs), then new URLs from the frontier into their origins' queues */
		for (size_t i = 0; !stop && i < c->nhosts; i++)
			if ((rc = host_pump(c, &c->hosts[i])) < 0)
				stop = 1;
		while (!stop && crawl_fetch_active(c->fetch) < concurrency(c) && !backlogged(c)) {
			crawl_item_t it;
			if (!crawl_frontier_pop(c->fr, &it))
				break;
			if ((rc = dispatch(c, &it)) < 0)
				stop = 1;
		}
		if (rc < 0 && !c->fatal) {
			c->fatal = rc;
			arc_fail(&c->fatal_err, rc, "", 0, "", "out of memory");
		}
		if (stop) {
			crawl_wind_down(c);
			break;
		}
		if (!crawl_fetch_active(c->fetch) && !c->pending && !crawl_frontier_size(c->fr) &&
		    !hosts_waiting(c) && !browser_busy(c))
			break;
		if ((rc = crawl_fetch_run(c->fetch, 250, on_done, c)) < 0) {
			c->fatal = rc;
			arc_fail(&c->fatal_err, rc, "", 0, "", "libcurl's multi interface failed");
		}
		double t = now_s();
		if (o->state && t - last_sync >= 1.0) {
			last_sync = t;
			crawl_sync_shared(c, 0);
			if (crawl_frontier_pg_waiting(c->fr) != db_down) { /* said once each way */
				db_down = !db_down;
				emit(c, CRAWL_EV_ERROR, NULL, 0, 0, -1, 0, db_down
				     ? "the shared crawl's database does not answer: this host waits and tries "
				       "again every second (nothing is lost)"
				     : "the shared crawl's database answers again: the crawl goes on");
			}
		}
		if (t - last >= 0.25) {
			last = t;
			c->st->seconds = t - c->t0;
			emit(c, CRAWL_EV_PROGRESS, NULL, 0, 0, -1, 0, NULL);
		}
	}
	workers_stop(c);
	browser_teardown(c);
}

/* Phase 6: the last seal, the case closed (index rebuilt), what the seals
 * lacked said. rc is the crawl's result so far; the result after closing is
 * returned (a close failure is reported only when nothing failed before). */
static int crawl_close_case(crawl_t *c, int rc, arc_error_t *err)
{
	const crawl_opts_t *o = c->o;
	crawl_stats_t *st = c->st;
	arc_error_t cerr;
	if (o->round_end && !rc && (rc = o->round_end(o->round_end_ctx, c->cc.cas, st, err)) > 0)
		rc = 0;
	int crc = arc_case_close(c->cc.cas, &cerr);

	c->cc.cas = NULL;
	if (!crc)
		crawl_sync_shared(c, 1); /* closed means synced */
	if (!crc && crawl_frontier_pg_closed(c->fr, o->case_dir, &cerr)) /* the crawl seal's input */
		emit(c, CRAWL_EV_ERROR, NULL, 0, 0, -1, 0, cerr.msg);
	if (c->sealer) {
		st->seals = seal_writer_stats(c->sealer)->seals;
		st->unstamped = o->ntsa ? seal_writer_stats(c->sealer)->unstamped : st->seals;
		if (c->tsa.failures) {
			char msg[sizeof c->tsa.last_error + 200];
			snprintf(msg, sizeof msg, "%" PRIu64 " of %" PRIu64 " seals have no time stamp (%s); "
			         "complete them later with `custody stamp %s --tsa URL`",
			         seal_writer_stats(c->sealer)->unstamped, st->seals, c->tsa.last_error,
			         o->case_dir);
			emit(c, CRAWL_EV_ERROR, NULL, 0, 0, -1, 0, msg);
		}
		seal_writer_free(c->sealer);
		c->sealer = NULL;
	}
	if (crc == ARC_EZSTD || crc == ARC_EFORMAT) {
		/* Everything was written and synced; rebuilding the index found a
		 * damaged capture file (torn by an earlier crash, or altered). That
		 * file is left as it is, it may be evidence too: say so, and let
		 * the exit status say "usable case with a problem", not "could not
		 * be written". */
		char msg[sizeof cerr.msg + 200];
		snprintf(msg, sizeof msg,
		         "a capture file is damaged: %s (index.cdxj holds every record that "
		         "could be read; the file is left as it is; custody-verify reports it)",
		         cerr.msg);
		st->damaged_files++;
		emit(c, CRAWL_EV_ERROR, NULL, 0, 0, -1, 0, msg);
	} else if (crc && !rc) {
		rc = crc;
		*err = cerr;
	}
	/* what the environment check found, named once more at the end */
	st->env_anomalies = crawl_env_nanomalies(c->env);
	for (size_t i = 0; i < st->env_anomalies; i++) {
		char msg[700];
		snprintf(msg, sizeof msg, "environment: %s", crawl_env_anomaly(c->env, i));
		emit(c, CRAWL_EV_ERROR, NULL, 0, 0, -1, 0, msg);
	}
	return rc;
}

/* Phase 7: the last counts, and everything the crawl held released. */
static void crawl_cleanup(crawl_t *c)
{
	crawl_stats_t *st = c->st;

	st->seconds = now_s() - c->t0;
	st->queued = c->fr ? crawl_frontier_size(c->fr) : 0;
	st->seen = c->fr ? crawl_frontier_seen_count(c->fr) : 0;
	for (size_t i = 0; i < c->nhosts; i++) {
		st->queued += crawl_frontier_size(c->hosts[i].waiting);
		crawl_frontier_free(c->hosts[i].waiting);
		free(c->hosts[i].origin);
		crawl_robots_free(c->hosts[i].robots);
	}
	browser_teardown(c);
	free(c->hosts);
	arc_map_free(c->hidx, NULL);
	crawl_fetch_free(c->fetch);
	crawl_frontier_free(c->fr);
	crawl_scope_free(c->scope);
	if (c->o->dedup_keep && c->cc.dedup)
		*c->o->dedup_keep = c->cc.dedup; /* the watcher's, for its next round */
	else
		crawl_dedup_free(c->cc.dedup);
	detect_rules_free((detect_rules_t *)c->cc.rules);
	detect_watch_free((detect_watch_t *)c->cc.watch);
	if (c->big_scan_init)
		pthread_mutex_destroy(&c->big_scan);
	crawl_filter_free(c->filter);
	curl_slist_free_all(c->headers);
	crawl_env_free(c->env);
}

int crawl_run(const crawl_opts_t *o, crawl_stats_t *st, crawl_progress_fn fn, void *fnctx,
              arc_error_t *err)
{
	crawl_t c;
	int rc;

	memset(&c, 0, sizeof c);
	memset(st, 0, sizeof *st);
	c.o = o;
	c.st = st;
	c.fn = fn;
	c.fnctx = fnctx;
	c.t0 = now_s();
	if (!o->nseeds || !o->case_dir)
		return arc_fail(err, ARC_EINVAL, "", 0, "", "no URL to crawl or no case directory");

	if ((rc = crawl_prepare(&c, err)) == 0 && (rc = crawl_queue_seeds(&c, err)) == 0 &&
	    (rc = crawl_open_fetcher(&c, err)) == 0) {
		if ((rc = crawl_open_case(&c, err)) == 0) {
			crawl_loop(&c);
			if (c.fatal) {
				rc = c.fatal;
				*err = c.fatal_err;
			}
		}
		if (c.cc.cas)
			rc = crawl_close_case(&c, rc, err);
	}
	crawl_cleanup(&c);
	return rc;
}
