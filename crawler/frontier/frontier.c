/*
 * frontier.c — the frontier interface (frontier.h): each call goes to the
 * backend the frontier was made with. Nothing else lives here, so that what
 * the crawl loop may rely on is read in one place and each backend in its own.
 *
 * Must never: be bypassed by a caller reaching into a backend.
 */
#include "crawl_int.h"
#include "frontier_int.h"

int crawl_frontier_push(crawl_frontier_t *f, const char *url, int depth, int hops,
                        int priority, int kind)
{
	return f->ops->push(f, url, depth, hops, priority, kind);
}

int crawl_frontier_raise(crawl_frontier_t *f, const char *url, int depth, int hops,
                         int priority, int kind)
{
	return f->ops->raise(f, url, depth, hops, priority, kind);
}

int crawl_frontier_requeue(crawl_frontier_t *f, crawl_item_t *it)
{
	return f->ops->requeue(f, it);
}

int crawl_frontier_pop(crawl_frontier_t *f, crawl_item_t *it)
{
	return f->ops->pop(f, it);
}

int crawl_frontier_mark_seen(crawl_frontier_t *f, const char *url)
{
	return f->ops->mark_seen(f, url);
}

int crawl_frontier_claim(crawl_frontier_t *f, const char *url, int priority)
{
	return f->ops->claim(f, url, priority);
}

int crawl_frontier_seen(const crawl_frontier_t *f, const char *url)
{
	return f->ops->seen(f, url);
}

size_t crawl_frontier_size(const crawl_frontier_t *f)
{
	return f->ops->size(f);
}

size_t crawl_frontier_seen_count(const crawl_frontier_t *f)
{
	return f->ops->seen_count(f);
}

const char *crawl_frontier_backend(const crawl_frontier_t *f)
{
	return f->ops->name;
}

int crawl_frontier_done(crawl_frontier_t *f, const char *url, const char *record_id)
{
	return f->ops->done ? f->ops->done(f, url, record_id) : 0;
}

int crawl_frontier_durable(crawl_frontier_t *f)
{
	return f->ops->durable ? f->ops->durable(f) : 0;
}

int crawl_frontier_set_host(crawl_frontier_t *f, const char *host_id, arc_error_t *err)
{
	return f->ops->set_host ? f->ops->set_host(f, host_id, err) : 0;
}

void crawl_frontier_free(crawl_frontier_t *f)
{
	if (f)
		f->ops->free(f);
}
