/*
 * memory.c — the single-host frontier backend: the crawl's queue of URLs and
 * its seen set, in this process's memory (rebuilt from the case on --resume).
 * It sits behind the one frontier interface (frontier.h); crawl.c never knows
 * which backend it has.
 *
 * A binary heap ordered by (priority, then insertion order) so that equal
 * priorities are breadth-first and the --focus hook can move links found on
 * doxing pages ahead; a map (archive's arc_map) from every normalized URL
 * ever queued to what the crawl knows of it, so each URL is fetched at most
 * once per crawl.
 *
 * --focus may learn that a queued URL deserves more (a doxing page links to
 * it) after it was queued. Rather than moving it inside a heap (it may
 * already sit in an origin's queue), crawl_frontier_raise queues a second,
 * higher entry and the set remembers the best priority; crawl_frontier_claim
 * then lets only that entry through, once.
 *
 * Must never queue a URL twice through crawl_frontier_push, or let two
 * entries of one URL both be claimed.
 */
#include <stdlib.h>
#include <string.h>

#include "crawl_int.h"
#include "frontier_int.h"

typedef struct {
	crawl_item_t it;
	uint64_t seq;
} heap_ent_t;

/* What the set knows of one URL (the map's value, owned by the frontier). */
typedef struct {
	int best;         /* highest priority it was queued with */
	int depth;        /* smallest depth it was queued with */
	int claimed;      /* fetched (or in the case already): never again */
} seen_t;

typedef struct {
	crawl_frontier_t base;  /* first: a mem_t is a crawl_frontier_t */
	heap_ent_t *heap;
	size_t n, cap;
	uint64_t seq;
	arc_map_t *set;   /* url -> seen_t*; made on the first push */
} mem_t;


static void mem_free(crawl_frontier_t *base)
{
	mem_t *f = (mem_t *)base;

	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->heap[i].it.url);
	free(f->heap);
	arc_map_free(f->set, free);
	free(f);
}

static seen_t *seen_get(const mem_t *f, const char *url)
{
	return f->set ? arc_map_get(f->set, url) : NULL;
}

static int mem_seen(const crawl_frontier_t *base, const char *url)
{
	const mem_t *f = (const mem_t *)base;

	return seen_get(f, url) != NULL;
}

/* a before b: higher priority, then older */
static int before(const heap_ent_t *a, const heap_ent_t *b)
{
	if (a->it.priority != b->it.priority)
		return a->it.priority > b->it.priority;
	return a->seq < b->seq;
}

/* Room for one more heap entry, so that a push after it cannot fail. */
static int heap_reserve(mem_t *f)
{
	void *v = f->heap;
	int rc = arc_vec_reserve(&v, &f->cap, f->n + 1, sizeof *f->heap, 0);
	f->heap = v;
	return rc ? ARC_ENOMEM : 0;
}

static int heap_push(mem_t *f, const crawl_item_t *it)
{
	if (heap_reserve(f))
		return ARC_ENOMEM;
	size_t i = f->n++;
	f->heap[i].it = *it;
	f->heap[i].seq = f->seq++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!before(&f->heap[i], &f->heap[p]))
			break;
		heap_ent_t t = f->heap[p];
		f->heap[p] = f->heap[i];
		f->heap[i] = t;
		i = p;
	}
	return 0;
}

/* Enter url in the seen set with what is known of it: 1 (new), 0 (already
 * seen: nothing changed), or ARC_ENOMEM (nothing changed). */
static int set_add(mem_t *f, const char *url, int best, int depth, int claimed)
{
	if (!f->set && !(f->set = arc_map_new(0)))
		return ARC_ENOMEM;
	if (arc_map_find(f->set, url, NULL))
		return 0;
	seen_t *e = malloc(sizeof *e);
	if (!e)
		return ARC_ENOMEM;
	*e = (seen_t){best, depth, claimed};
	if (arc_map_put(f->set, url, e, NULL) != 0) {
		free(e);
		return ARC_ENOMEM;
	}
	return 1;
}

static int mem_push(crawl_frontier_t *base, const char *url, int depth, int hops,
                        int priority, int kind)
{
	mem_t *f = (mem_t *)base;

	if (seen_get(f, url))
		return 0;
	char *copy = strdup(url);
	if (!copy || heap_reserve(f)) {
		free(copy);
		return ARC_ENOMEM;
	}
	int rc = set_add(f, url, priority, depth, 0);
	if (rc <= 0) {
		free(copy);
		return rc;
	}
	crawl_item_t it = {copy, depth, hops, priority, kind, 0, 0};
	heap_push(f, &it); /* cannot fail: room was reserved */
	/* copy is owned by the heap entry now */
	/* cppcheck-suppress memleak */
	return 1;
}

static int mem_raise(crawl_frontier_t *base, const char *url, int depth, int hops,
                         int priority, int kind)
{
	mem_t *f = (mem_t *)base;

	seen_t *e = seen_get(f, url);
	if (!e)
		return mem_push(base, url, depth, hops, priority, kind);
	if (e->claimed || priority <= e->best)
		return 0;
	char *copy = strdup(url);
	if (!copy)
		return ARC_ENOMEM;
	int d = depth < e->depth ? depth : e->depth;
	crawl_item_t it = {copy, d, hops, priority, kind, 0, 0};
	if (heap_push(f, &it)) {
		free(copy);
		return ARC_ENOMEM;
	}
	e->best = priority;
	e->depth = d;
	/* copy is owned by the heap entry now */
	/* cppcheck-suppress memleak */
	return 1;
}

static int mem_claim(crawl_frontier_t *base, const char *url, int priority)
{
	mem_t *f = (mem_t *)base;

	seen_t *e = seen_get(f, url);
	if (!e)
		return 1;
	if (e->claimed || priority < e->best)
		return 0;
	e->claimed = 1;
	return 1;
}

static int mem_mark_seen(crawl_frontier_t *base, const char *url)
{
	mem_t *f = (mem_t *)base;

	int rc = set_add(f, url, 0, 0, 1);
	return rc < 0 ? rc : 0;
}

static int mem_requeue(crawl_frontier_t *base, crawl_item_t *it)
{
	mem_t *f = (mem_t *)base;

	return heap_push(f, it);
}

static int mem_pop(crawl_frontier_t *base, crawl_item_t *it)
{
	mem_t *f = (mem_t *)base;

	if (!f->n)
		return 0;
	*it = f->heap[0].it;
	f->heap[0] = f->heap[--f->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < f->n && before(&f->heap[l], &f->heap[m]))
			m = l;
		if (r < f->n && before(&f->heap[r], &f->heap[m]))
			m = r;
		if (m == i)
			break;
		heap_ent_t t = f->heap[m];
		f->heap[m] = f->heap[i];
		f->heap[i] = t;
		i = m;
	}
	return 1;
}

static size_t mem_size(const crawl_frontier_t *base)
{
	const mem_t *f = (const mem_t *)base;

	return f->n;
}

static size_t mem_seen_count(const crawl_frontier_t *base)
{
	const mem_t *f = (const mem_t *)base;

	return arc_map_count(f->set);
}

static const crawl_frontier_ops_t mem_ops = {
	"memory", mem_push, mem_raise, mem_requeue, mem_pop, mem_mark_seen, mem_claim,
	mem_seen, mem_size, mem_seen_count, mem_free, NULL, NULL, NULL,
};

crawl_frontier_t *crawl_frontier_new(void)
{
	/* the seen set is allocated on the first push: a frontier used only
	 * as a queue (crawl_frontier_requeue, the per-origin queues) costs
	 * no set */
	mem_t *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->base.ops = &mem_ops;
	return &f->base;
}
