/*
 * frontier_int.h — what a frontier backend implements: the operations table
 * frontier.c dispatches through. Only the files of crawler/frontier/ include
 * it. A backend's state struct starts with a crawl_frontier_t, so a pointer
 * to one is a pointer to the other.
 *
 * The contract of each operation is that of the crawl_frontier_* function of
 * the same name in frontier.h.
 */
#ifndef CUSTODY_CRAWL_FRONTIER_INT_H
#define CUSTODY_CRAWL_FRONTIER_INT_H

#include "frontier.h"

typedef struct {
	const char *name;
	int (*push)(crawl_frontier_t *f, const char *url, int depth, int hops, int priority,
	            int kind);
	int (*raise)(crawl_frontier_t *f, const char *url, int depth, int hops, int priority,
	             int kind);
	int (*requeue)(crawl_frontier_t *f, crawl_item_t *it);
	int (*pop)(crawl_frontier_t *f, crawl_item_t *it);
	int (*mark_seen)(crawl_frontier_t *f, const char *url);
	int (*claim)(crawl_frontier_t *f, const char *url, int priority);
	int (*seen)(const crawl_frontier_t *f, const char *url);
	size_t (*size)(const crawl_frontier_t *f);
	size_t (*seen_count)(const crawl_frontier_t *f);
	void (*free)(crawl_frontier_t *f);
	int (*done)(crawl_frontier_t *f, const char *url, const char *record_id); /* NULL: 1 */
	int (*set_host)(crawl_frontier_t *f, const char *host_id, arc_error_t *err); /* NULL: 0 */
	int (*durable)(crawl_frontier_t *f); /* NULL: 0 */
} crawl_frontier_ops_t;

struct crawl_frontier {
	const crawl_frontier_ops_t *ops;
};

#endif
