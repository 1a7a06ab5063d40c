/*
 * frontier.c — the crawl's queue of URLs and its seen set.
 *
 * A binary heap ordered by (priority, then insertion order) so that equal
 * priorities are breadth-first and the --focus hook can move links found on
 * doxing pages ahead; a hash set (open addressing, FNV-1a) of every normalized
 * URL ever queued, so each URL is fetched at most once per crawl.
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

typedef struct {
	crawl_item_t it;
	uint64_t seq;
} heap_ent_t;

/* What the set knows of one URL. */
typedef struct {
	char *url;        /* NULL = empty slot */
	int best;         /* highest priority it was queued with */
	int depth;        /* smallest depth it was queued with */
	int claimed;      /* fetched (or in the case already): never again */
} seen_t;

struct crawl_frontier {
	heap_ent_t *heap;
	size_t n, cap;
	uint64_t seq;
	seen_t *set;      /* open addressing */
	size_t set_n, set_cap;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

crawl_frontier_t *crawl_frontier_new(void)
{
	/* the seen set is allocated on the first push: a frontier used only
	 * as a queue (crawl_frontier_requeue, the per-origin queues) costs
	 * no set */
	return calloc(1, sizeof(crawl_frontier_t));
}

void crawl_frontier_free(crawl_frontier_t *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->heap[i].it.url);
	free(f->heap);
	for (size_t i = 0; i < f->set_cap; i++)
		free(f->set[i].url);
	free(f->set);
	free(f);
}

static size_t set_slot(const seen_t *set, size_t cap, const char *url)
{
	size_t i = (size_t)fnv1a(url) & (cap - 1);
	while (set[i].url && strcmp(set[i].url, url))
		i = (i + 1) & (cap - 1);
	return i;
}

static int set_grow(crawl_frontier_t *f)
{
	size_t cap = f->set_cap ? f->set_cap * 2 : 1024;
	seen_t *ns = calloc(cap, sizeof *ns);
	if (!ns)
		return ARC_ENOMEM;
	for (size_t i = 0; i < f->set_cap; i++)
		if (f->set[i].url)
			ns[set_slot(ns, cap, f->set[i].url)] = f->set[i];
	free(f->set);
	f->set = ns;
	f->set_cap = cap;
	return 0;
}

int crawl_frontier_seen(const crawl_frontier_t *f, const char *url)
{
	return f->set && f->set[set_slot(f->set, f->set_cap, url)].url != NULL;
}

/* a before b: higher priority, then older */
static int before(const heap_ent_t *a, const heap_ent_t *b)
{
	if (a->it.priority != b->it.priority)
		return a->it.priority > b->it.priority;
	return a->seq < b->seq;
}

static int heap_push(crawl_frontier_t *f, const crawl_item_t *it)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 256;
		heap_ent_t *nh = realloc(f->heap, cap * sizeof *nh);
		if (!nh)
			return ARC_ENOMEM;
		f->heap = nh;
		f->cap = cap;
	}
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

/* The free slot for url in the seen set: 1 (url is new, *slot is where it
 * goes), 0 (already seen), or ARC_ENOMEM. The set grows first, so a failed
 * allocation never leaves it over-full. */
static int set_reserve(crawl_frontier_t *f, const char *url, size_t *slot)
{
	if (!f->set && set_grow(f))
		return ARC_ENOMEM;
	*slot = set_slot(f->set, f->set_cap, url);
	if (f->set[*slot].url)
		return 0;
	if ((f->set_n + 1) * 2 > f->set_cap) {
		if (set_grow(f))
			return ARC_ENOMEM;
		*slot = set_slot(f->set, f->set_cap, url);
	}
	return 1;
}

int crawl_frontier_push(crawl_frontier_t *f, const char *url, int depth, int hops,
                        int priority, int kind)
{
	size_t slot;
	int rc = set_reserve(f, url, &slot);
	if (rc <= 0)
		return rc;
	char *key = strdup(url);
	char *copy = strdup(url);
	if (!key || !copy) {
		free(key);
		free(copy);
		return ARC_ENOMEM;
	}
	crawl_item_t it = {copy, depth, hops, priority, kind, 0};
	if (heap_push(f, &it)) {
		free(key);
		free(copy);
		return ARC_ENOMEM;
	}
	f->set[slot] = (seen_t){key, priority, depth, 0};
	f->set_n++;
	/* copy is owned by the heap entry now */
	/* cppcheck-suppress memleak */
	return 1;
}

int crawl_frontier_raise(crawl_frontier_t *f, const char *url, int depth, int hops,
                         int priority, int kind)
{
	seen_t *e = f->set ? &f->set[set_slot(f->set, f->set_cap, url)] : NULL;
	if (!e || !e->url)
		return crawl_frontier_push(f, url, depth, hops, priority, kind);
	if (e->claimed || priority <= e->best)
		return 0;
	char *copy = strdup(url);
	if (!copy)
		return ARC_ENOMEM;
	int d = depth < e->depth ? depth : e->depth;
	crawl_item_t it = {copy, d, hops, priority, kind, 0};
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

int crawl_frontier_claim(crawl_frontier_t *f, const char *url, int priority)
{
	seen_t *e = f->set ? &f->set[set_slot(f->set, f->set_cap, url)] : NULL;
	if (!e || !e->url)
		return 1;
	if (e->claimed || priority < e->best)
		return 0;
	e->claimed = 1;
	return 1;
}

int crawl_frontier_mark_seen(crawl_frontier_t *f, const char *url)
{
	size_t slot;
	int rc = set_reserve(f, url, &slot);
	if (rc <= 0)
		return rc;
	char *key = strdup(url);
	if (!key)
		return ARC_ENOMEM;
	f->set[slot].url = key;
	f->set[slot].best = 0;
	f->set[slot].depth = 0;
	f->set[slot].claimed = 1;
	f->set_n++;
	return 0;
}

int crawl_frontier_requeue(crawl_frontier_t *f, crawl_item_t *it)
{
	return heap_push(f, it);
}

int crawl_frontier_pop(crawl_frontier_t *f, crawl_item_t *it)
{
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

size_t crawl_frontier_size(const crawl_frontier_t *f)
{
	return f->n;
}

size_t crawl_frontier_seen_count(const crawl_frontier_t *f)
{
	return f->set_n;
}
