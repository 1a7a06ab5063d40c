/*
 * frontier.h — the crawl's frontier: the one interface the crawl loop uses
 * for its queue of URLs and its seen set, whatever keeps them. Each backend is
 * a file of this folder behind the operations table in frontier_int.h (as
 * curl's vtls.h hides OpenSSL from GnuTLS): memory.c, this process's memory
 * for a crawl on one host (the default; rebuilt from the case on --resume).
 * A shared backend (several hosts, one crawl) goes beside it and crawl.c
 * does not change.
 *
 * Included through crawl_int.h. Must never: let a URL be claimed twice, or
 * make the crawl loop know which backend it has.
 */
#ifndef CUSTODY_CRAWL_FRONTIER_H
#define CUSTODY_CRAWL_FRONTIER_H

#include <stddef.h>


enum { CRAWL_ITEM_PAGE = 0, CRAWL_ITEM_ROBOTS = 1,
       CRAWL_ITEM_PROXY = 2 /* a browser's request through the proxy (--browser) */ };

typedef struct {
	char *url;      /* normalized (owned) */
	int depth;      /* link hops from a seed */
	int hops;       /* redirect hops leading here */
	int priority;   /* higher first; ties in insertion order */
	int kind;       /* CRAWL_ITEM_* */
	int retry;      /* 1: a second attempt on a fresh connection */
	int attempts;   /* answers 429/503 so far (--retries) */
} crawl_item_t;

/* Priority queue of URLs plus the seen set: each normalized URL enters once. */
typedef struct crawl_frontier crawl_frontier_t;
/* A new, empty frontier in memory (memory.c); NULL when out of memory. Also
 * the plain priority queue the crawl uses for per-origin and browser queues. */
crawl_frontier_t *crawl_frontier_new(void);
/* The backend's name ("memory", "postgresql"), for logs. */
const char *crawl_frontier_backend(const crawl_frontier_t *f);
/* The URL's capture is written (record_id: its response record, or NULL when
 * it was not fetched: robots.txt, limits). A shared frontier holds this back
 * until crawl_frontier_durable: the records are in the case's buffers, not yet
 * on disk. 0, or <0 arc_code. */
int crawl_frontier_done(crawl_frontier_t *f, const char *url, const char *record_id);
/* The case is synced (fsync) up to here: what was done may be told to the
 * others. Returns how many of those captures turned out to be duplicates (a
 * shared frontier gave the URL to another host after this host's lease ran
 * out; the capture stays in this case and is listed in the database), or <0.
 * The memory backend: 0. */
int crawl_frontier_durable(crawl_frontier_t *f);
/* The host's name in a shared frontier, once the case is open (its case id
 * unless --host-id). No-op for the memory backend. 0 or <0 arc_code. */
int crawl_frontier_set_host(crawl_frontier_t *f, const char *host_id, arc_error_t *err);

/* The PostgreSQL backend (pg.c): open the shared crawl o->crawl_name at
 * o->state (created when o->create_crawl). NULL with err filled: the database
 * cannot be reached, the crawl does not exist (or exists, with create), or the
 * connection string holds a password. */
crawl_frontier_t *crawl_frontier_pg_open(const char *conninfo, const char *crawl_name,
                                         int create, long lease_s, arc_error_t *err);
/* The case at dir is closed: a shared frontier records its closing head
 * (seal_case_closing) for the crawl seal. Any other backend: 0. */
int crawl_frontier_pg_closed(crawl_frontier_t *f, const char *dir, arc_error_t *err);
/* 1 while a shared frontier's database does not answer (its last query
 * failed; the host is waiting to try again), else 0. */
int crawl_frontier_pg_waiting(const crawl_frontier_t *f);
/* Queue url (copied) unless already seen. 1 queued, 0 already seen, <0 arc_code. */
int crawl_frontier_push(crawl_frontier_t *f, const char *url, int depth, int hops,
                        int priority, int kind);
/* Queue an item regardless of the seen set (re-queueing parked items); takes
 * ownership of it->url. 0 or ARC_ENOMEM. */
int crawl_frontier_requeue(crawl_frontier_t *f, crawl_item_t *it);
/* Highest-priority item, oldest first. 1 got one (caller owns it->url), 0 empty. */
int crawl_frontier_pop(crawl_frontier_t *f, crawl_item_t *it);
/* Mark url seen without queueing it (--resume: already in the case). 0 or ARC_ENOMEM. */
int crawl_frontier_mark_seen(crawl_frontier_t *f, const char *url);
/* --focus: like crawl_frontier_push, and a URL seen but not yet claimed is
 * queued again when priority beats its best so far (the older entry goes
 * stale; depth becomes the smaller of the two). 1 queued, 0 not, <0 arc_code. */
int crawl_frontier_raise(crawl_frontier_t *f, const char *url, int depth, int hops,
                         int priority, int kind);
/* An entry popped (from this frontier or a per-origin queue filled from it)
 * is about to be fetched: 1 go ahead (url is claimed from now on), 0 stale
 * (already claimed, or a higher-priority copy is queued): drop it. A URL this
 * frontier never saw is always 1. Retries must not ask. */
int crawl_frontier_claim(crawl_frontier_t *f, const char *url, int priority);
/* 1 if url was ever pushed. */
int crawl_frontier_seen(const crawl_frontier_t *f, const char *url);
size_t crawl_frontier_size(const crawl_frontier_t *f);
size_t crawl_frontier_seen_count(const crawl_frontier_t *f);
void crawl_frontier_free(crawl_frontier_t *f);

#endif
