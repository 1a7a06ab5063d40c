/*
 * pg.c — the shared frontier backend: one crawl spread over several hosts,
 * its queue, seen set and leases in PostgreSQL (libpq), behind frontier.h.
 *
 * The database holds coordination only, never evidence: each host writes and
 * seals its own case folder. A URL row goes queued -> leased (by one host,
 * until lease_until, with a fresh lease_token) -> done. Claims take a batch
 * with FOR UPDATE SKIP LOCKED, so hosts never wait on each other's rows;
 * an expired lease is claimable again by any host (that is the reaping: no
 * separate step, nothing to run twice). A host completes a URL only while its
 * lease token still matches; a host presumed dead that comes back finds the
 * token moved on: its capture stays in its own case and the URL is entered in
 * custody_duplicate. Nothing is lost, duplicates are kept and labelled.
 *
 * Round trips: pushes are buffered and sent as one INSERT ... unnest() per
 * batch; claims are batched; one UPDATE per completed URL; one UPDATE every
 * lease/3 seconds renews all of this host's leases (its heartbeat). A query
 * that fails (database down) leaves the buffers as they are and is tried
 * again after a pause: the crawl waits, nothing is dropped.
 *
 * Politeness (delay, robots.txt) stays per host, in crawl.c; the database does
 * not order origins across hosts.
 *
 * Must never: complete a URL without its lease token, drop a buffered push or
 * completion on a failed query, put a password in a message, or block the
 * crawl loop for longer than libpq's connect timeout.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "crawl_int.h"
#include "frontier_int.h"

#define PG_CLAIM_BATCH 16      /* URLs leased per claim */
#define PG_PUSH_BATCH 512      /* pushes sent in one INSERT */
#define PG_RETRY_S 1.0         /* after a failed query */
#define PG_EMPTY_S 0.5         /* after a claim that found nothing */
#define PG_COUNT_S 1.0         /* the remote count is refreshed at most this often */

typedef struct {
	char *url;
	int depth, hops, priority, kind;
} pg_push_t;

typedef struct {
	char *url, *record;
} pg_done_t;

/* The lease this host holds on one URL (the leases map's value; arc_map keeps
 * the first value put, so the entry is updated in place, never replaced). */
typedef struct {
	char token[24];          /* decimal lease token */
	int held;                /* 1 while leased to this host and not yet done */
	int depth;               /* the depth it was leased at: fetched deeper than the
	                            database now knows it, it is queued again */
} pg_lease_t;

typedef struct {
	crawl_frontier_t base;   /* first: a pg_t is a crawl_frontier_t */
	PGconn *db;
	char *conninfo, *crawl, *host;
	long lease_s;
	/* leased to this host, not yet handed to the crawl */
	crawl_item_t *ready;
	size_t nready, capready;
	/* url -> pg_lease_t (owned): what this host holds */
	arc_map_t *leases;
	/* seen by this host (pushed, leased or marked), for crawl_frontier_seen */
	arc_map_t *seen;
	pg_push_t *push;
	size_t npush, cappush;
	pg_done_t *done;         /* completions not yet acknowledged by the database */
	size_t ndone, capdone;
	double retry_at, claim_at, count_at, beat_at;
	size_t remote;           /* URLs of the crawl not done, as last counted */
	long long first_token;   /* the first lease token this process got (0: none yet): the
	                          * heartbeat renews only leases from then on, never those a
	                          * killed earlier run of the same host left (they must expire) */
	uint64_t roundtrips, duplicates;
	int down;                /* the last query found no connection (the crawl waits) */
	char last_error[256];
} pg_t;

static double pg_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void url_key(const char *url, char out[ARC_DIGEST_LEN])
{
	arc_sha256_hex(url, strlen(url), out);
}

/* One statement with text parameters. NULL on failure (the connection is
 * reset next time, and the caller keeps what it would have sent). */
static PGresult *pg_exec(pg_t *p, const char *sql, int n, const char *const *params,
                         ExecStatusType want)
{
	PGresult *r;

	if (PQstatus(p->db) != CONNECTION_OK) {
		if (pg_now() < p->retry_at)
			return NULL;
		PQreset(p->db);
		if (PQstatus(p->db) != CONNECTION_OK) {
			snprintf(p->last_error, sizeof p->last_error, "the database does not answer: %s",
			         PQerrorMessage(p->db));
			p->retry_at = pg_now() + PG_RETRY_S;
			p->down = 1;
			return NULL;
		}
	}
	p->roundtrips++;
	r = PQexecParams(p->db, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != want) {
		snprintf(p->last_error, sizeof p->last_error, "%s", PQresultErrorMessage(r));
		PQclear(r);
		p->retry_at = pg_now() + PG_RETRY_S;
		p->down = PQstatus(p->db) != CONNECTION_OK;
		return NULL;
	}
	p->down = 0;
	return r;
}

/* Seen by this host, at the smallest depth it was pushed or leased with
 * (PG_ANY_DEPTH: marked seen, never pushed again). 1 new or shallower than
 * before (to be sent), 0 known, <0 error. */
#define PG_ANY_DEPTH (-1)
static int seen_add(pg_t *p, const char *url, int depth)
{
	int *d = arc_map_get(p->seen, url);
	if (d) {
		if (*d == PG_ANY_DEPTH || depth == PG_ANY_DEPTH || depth >= *d)
			return 0;
		*d = depth; /* a shorter way to it: the database learns its depth */
		return 1;
	}
	if (!(d = malloc(sizeof *d)))
		return ARC_ENOMEM;
	*d = depth;
	if (arc_map_put(p->seen, url, d, NULL)) {
		free(d);
		return ARC_ENOMEM;
	}
	return 1;
}

/* "{\"a\",\"b\"}": a text[] literal; elements double-quoted, " and \ escaped. */
static int array_add(arc_buf_t *b, const char *s, int first)
{
	if (arc_buf_append(b, first ? "{\"" : ",\"", 2))
		return ARC_ENOMEM;
	for (; *s; s++) {
		if ((*s == '"' || *s == '\\') && arc_buf_append(b, "\\", 1))
			return ARC_ENOMEM;
		if (arc_buf_append(b, s, 1))
			return ARC_ENOMEM;
	}
	return arc_buf_append(b, "\"", 1) ? ARC_ENOMEM : 0;
}

/* Send the buffered pushes in one statement. 0 sent (or nothing to send),
 * 1 kept for later (the database did not answer), <0 arc_code. */
static int pg_flush(pg_t *p)
{
	arc_buf_t a[6] = {{0}};
	int rc = 0;
	char num[32];

	if (!p->npush)
		return 0;
	for (size_t i = 0; i < p->npush && !rc; i++) {
		char key[ARC_DIGEST_LEN];
		url_key(p->push[i].url, key);
		rc = array_add(&a[0], key, i == 0);
		if (!rc)
			rc = array_add(&a[1], p->push[i].url, i == 0);
		int v[4] = {p->push[i].depth, p->push[i].hops, p->push[i].priority, p->push[i].kind};
		for (int k = 0; k < 4 && !rc; k++) {
			snprintf(num, sizeof num, "%d", v[k]);
			rc = array_add(&a[2 + k], num, i == 0);
		}
	}
	for (int k = 0; k < 6 && !rc; k++)
		if (arc_buf_append(&a[k], "}", 2)) /* with the NUL */
			rc = ARC_ENOMEM;
	if (!rc) {
		const char *params[7] = {p->crawl, (char *)a[0].data, (char *)a[1].data, (char *)a[2].data,
		                         (char *)a[3].data, (char *)a[4].data, (char *)a[5].data};
		PGresult *r = pg_exec(p,
			"INSERT INTO custody_url (crawl, url_sha256, url, depth, hops, priority, kind) "
			"SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[]) "
			"ON CONFLICT (crawl, url_sha256) DO UPDATE SET "
			"priority = GREATEST(custody_url.priority, EXCLUDED.priority), "
			"depth = LEAST(custody_url.depth, EXCLUDED.depth), "
			/* a shorter way to a page done already: its links were followed
			 * from too deep (some cut by --depth), so it is fetched again */
			"state = CASE WHEN custody_url.state = 'done' THEN 'queued' ELSE custody_url.state END "
			"WHERE EXCLUDED.depth < custody_url.depth OR "
			"(custody_url.state = 'queued' AND EXCLUDED.priority > custody_url.priority)",
			7, params, PGRES_COMMAND_OK);
		if (!r) {
			rc = 1;
		} else {
			PQclear(r);
			for (size_t i = 0; i < p->npush; i++)
				free(p->push[i].url);
			p->npush = 0;
			p->count_at = 0; /* the remote count changed */
		}
	}
	for (int k = 0; k < 6; k++)
		arc_buf_free(&a[k]);
	return rc;
}

static int pg_queue(pg_t *p, const char *url, int depth, int hops, int priority, int kind,
                    int again)
{
	int rc = seen_add(p, url, depth);
	if (rc < 0)
		return rc;
	if (rc == 0 && !again)
		return 0;
	void *v = p->push;
	if (arc_vec_reserve(&v, &p->cappush, p->npush + 1, sizeof *p->push, 0))
		return ARC_ENOMEM;
	p->push = v;
	char *copy = strdup(url);
	if (!copy)
		return ARC_ENOMEM;
	p->push[p->npush].url = copy; /* owned by the push buffer from here */
	p->push[p->npush].depth = depth;
	p->push[p->npush].hops = hops;
	p->push[p->npush].priority = priority;
	p->push[p->npush].kind = kind;
	p->npush++;
	if (p->npush >= PG_PUSH_BATCH && pg_flush(p) < 0)
		return ARC_ENOMEM;
	/* cppcheck-suppress memleak */
	return 1;
}

static int pg_push(crawl_frontier_t *base, const char *url, int depth, int hops, int priority,
                   int kind)
{
	return pg_queue((pg_t *)base, url, depth, hops, priority, kind, 0);
}

/* --focus: a higher priority for a URL already seen goes to the database,
 * which raises it while the URL is still queued (on any host). */
static int pg_raise(crawl_frontier_t *base, const char *url, int depth, int hops, int priority,
                    int kind)
{
	return pg_queue((pg_t *)base, url, depth, hops, priority, kind, priority > 0);
}

static int pg_requeue(crawl_frontier_t *base, crawl_item_t *it)
{
	pg_t *p = (pg_t *)base;
	void *v = p->ready;
	if (arc_vec_reserve(&v, &p->capready, p->nready + 1, sizeof *p->ready, 0))
		return ARC_ENOMEM;
	p->ready = v;
	p->ready[p->nready++] = *it; /* takes it->url; the lease stays this host's */
	return 0;
}

/* Renew this host's leases and heartbeat, at most every lease/3 s. */
static void pg_beat(pg_t *p)
{
	char lease[32];
	double t = pg_now();

	if (!p->host || t < p->beat_at)
		return;
	p->beat_at = t + (double)p->lease_s / 3.0;
	char first[32];
	snprintf(lease, sizeof lease, "%ld", p->lease_s);
	snprintf(first, sizeof first, "%lld", p->first_token ? p->first_token : LLONG_MAX);
	const char *params[4] = {p->crawl, p->host, lease, first};
	PGresult *r = pg_exec(p,
		"WITH b AS (UPDATE custody_host SET last_heartbeat = now() WHERE crawl = $1 AND host_id = $2) "
		"UPDATE custody_url SET lease_until = now() + make_interval(secs => $3::int) "
		"WHERE crawl = $1 AND leased_by = $2 AND state = 'leased' AND lease_token >= $4::bigint",
		4, params, PGRES_COMMAND_OK);
	if (r)
		PQclear(r);
	else
		p->beat_at = t + PG_RETRY_S;
}

/* Lease a batch: queued URLs, and leases that ran out (a host that died). */
static int pg_claim(pg_t *p)
{
	char lease[32], batch[32];
	PGresult *r;
	int n;

	if (!p->host || pg_now() < p->claim_at || pg_flush(p) != 0)
		return 0;
	snprintf(lease, sizeof lease, "%ld", p->lease_s);
	snprintf(batch, sizeof batch, "%d", PG_CLAIM_BATCH);
	const char *params[4] = {p->crawl, p->host, lease, batch};
	r = pg_exec(p,
		"WITH c AS (SELECT url_sha256 FROM custody_url WHERE crawl = $1 AND "
		"(state = 'queued' OR (state = 'leased' AND lease_until < now())) "
		"ORDER BY priority DESC, depth, seq LIMIT $4::int FOR UPDATE SKIP LOCKED) "
		"UPDATE custody_url u SET state = 'leased', leased_by = $2, "
		"lease_until = now() + make_interval(secs => $3::int), "
		"lease_token = nextval('custody_lease_token'), attempts = u.attempts + 1 "
		"FROM c WHERE u.crawl = $1 AND u.url_sha256 = c.url_sha256 "
		"RETURNING u.url, u.depth, u.hops, u.priority, u.kind, u.lease_token",
		4, params, PGRES_TUPLES_OK);
	if (!r)
		return 0;
	n = PQntuples(r);
	if (n == 0)
		p->claim_at = pg_now() + PG_EMPTY_S;
	for (int i = 0; i < n; i++) {
		crawl_item_t it = {0};
		const char *tok = PQgetvalue(r, i, 5);
		long long t = strtoll(tok, NULL, 10);
		if (!p->first_token || t < p->first_token)
			p->first_token = t;
		it.url = strdup(PQgetvalue(r, i, 0));
		it.depth = (int)strtol(PQgetvalue(r, i, 1), NULL, 10);
		it.hops = (int)strtol(PQgetvalue(r, i, 2), NULL, 10);
		it.priority = (int)strtol(PQgetvalue(r, i, 3), NULL, 10);
		it.kind = (int)strtol(PQgetvalue(r, i, 4), NULL, 10);
		pg_lease_t *l = it.url ? arc_map_get(p->leases, it.url) : NULL;
		if (it.url && !l) {
			if ((l = calloc(1, sizeof *l)) && arc_map_put(p->leases, it.url, l, NULL) != 0) {
				free(l);
				l = NULL;
			}
		}
		if (!l || seen_add(p, it.url, it.depth) < 0 || pg_requeue(&p->base, &it)) {
			free(it.url);
			PQclear(r);
			return ARC_ENOMEM; /* the lease runs out and another host takes it */
		}
		snprintf(l->token, sizeof l->token, "%s", tok);
		l->held = 1;
		l->depth = it.depth;
	}
	PQclear(r);
	p->count_at = 0;
	return n;
}

static int pg_pop(crawl_frontier_t *base, crawl_item_t *it)
{
	pg_t *p = (pg_t *)base;
	size_t best = 0;

	pg_beat(p);
	if (!p->nready && pg_claim(p) < 0)
		return 0;
	if (!p->nready)
		return 0;
	for (size_t i = 1; i < p->nready; i++)
		if (p->ready[i].priority > p->ready[best].priority)
			best = i;
	*it = p->ready[best];
	memmove(&p->ready[best], &p->ready[best + 1], (p->nready - best - 1) * sizeof *p->ready);
	p->nready--;
	return 1;
}

static int pg_mark_seen(crawl_frontier_t *base, const char *url)
{
	int rc = seen_add((pg_t *)base, url, PG_ANY_DEPTH);
	return rc < 0 ? rc : 0;
}

static int pg_claim_one(crawl_frontier_t *base, const char *url, int priority)
{
	(void)base, (void)url, (void)priority;
	return 1; /* leased to this host by the database: it is this host's to fetch */
}

static int pg_seen(const crawl_frontier_t *base, const char *url)
{
	return arc_map_find(((const pg_t *)base)->seen, url, NULL);
}

/* Send the completions not yet acknowledged. 0 all sent, 1 some kept. */
static int pg_send_done(pg_t *p)
{
	while (p->ndone) {
		pg_done_t *d = &p->done[0];
		char key[ARC_DIGEST_LEN];
		pg_lease_t *l = arc_map_get(p->leases, d->url);
		const char *tok = l && l->held ? l->token : "0";
		PGresult *r;

		url_key(d->url, key);
		char depth[16];
		snprintf(depth, sizeof depth, "%d", l ? l->depth : 0);
		const char *params[7] = {p->crawl, key, p->host, d->record ? d->record : "", tok,
		                         d->url, depth};
		/* found at a smaller depth while this host fetched it: queued again,
		 * so that its links are followed as far as --depth allows */
		r = pg_exec(p,
			"WITH d AS (UPDATE custody_url SET state = CASE WHEN depth < $7::int THEN 'queued' "
			"ELSE 'done' END, done_by = $3, done_record = $4, "
			"lease_until = NULL WHERE crawl = $1 AND url_sha256 = $2 AND state = 'leased' "
			"AND lease_token = $5::bigint RETURNING 1), "
			"x AS (INSERT INTO custody_duplicate (crawl, url_sha256, url, host_id, record_id) "
			"SELECT $1, $2, $6, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM d) RETURNING 1) "
			"SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM x)",
			7, params, PGRES_TUPLES_OK);
		if (!r)
			return 1;
		if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 1), "0") != 0)
			p->duplicates++;
		PQclear(r);
		if (l)
			l->held = 0;
		free(d->url);
		free(d->record);
		memmove(&p->done[0], &p->done[1], (p->ndone - 1) * sizeof *p->done);
		p->ndone--;
		p->count_at = 0;
	}
	return 0;
}

static int pg_done_op(crawl_frontier_t *base, const char *url, const char *record_id)
{
	pg_t *p = (pg_t *)base;
	void *v = p->done;

	pg_lease_t *l = arc_map_get(p->leases, url);
	if (!l || !l->held)
		return 0; /* not a URL this host leased (robots.txt, a page done already) */
	for (size_t i = 0; i < p->ndone; i++)
		if (!strcmp(p->done[i].url, url))
			return 0; /* its completion is waiting already */
	if (arc_vec_reserve(&v, &p->capdone, p->ndone + 1, sizeof *p->done, 0))
		return ARC_ENOMEM;
	p->done = v;
	pg_done_t d = {strdup(url), record_id ? strdup(record_id) : NULL};
	if (!d.url || (record_id && !d.record)) {
		free(d.url);
		free(d.record);
		return ARC_ENOMEM;
	}
	p->done[p->ndone++] = d; /* sent by pg_durable, once the records are on disk */
	return 0;
}

/* The case is on disk up to here: tell the database what is done. */
static int pg_durable(crawl_frontier_t *base)
{
	pg_t *p = (pg_t *)base;
	uint64_t before = p->duplicates;

	/* the links a page gave go in before the page is done: a host killed
	 * between the two must not leave a page done whose links nobody has */
	if (pg_flush(p) != 0)
		return 0; /* the completions wait for the next time */
	pg_send_done(p); /* what the database does not take now waits for the next time */
	return (int)(p->duplicates - before);
}

/* What is left of the crawl for this host to wait for: its own buffers, and
 * the URLs of the crawl not yet done on any host (counted at most once a
 * second; while the database does not answer, at least 1: wait). */
static size_t pg_size(const crawl_frontier_t *cbase)
{
	pg_t *p = (pg_t *)(uintptr_t)cbase; /* the count is a cache */
	double t = pg_now();

	if (p->host && t >= p->count_at) {
		pg_flush(p);
		const char *params[1] = {p->crawl};
		PGresult *r = pg_exec(p, "SELECT count(*) FROM custody_url WHERE crawl = $1 AND state <> 'done'",
		                      1, params, PGRES_TUPLES_OK);
		if (r) {
			p->remote = (size_t)strtoull(PQgetvalue(r, 0, 0), NULL, 10);
			PQclear(r);
			p->count_at = t + PG_COUNT_S;
		} else {
			p->remote = 1;
		}
	}
	return p->nready + p->npush + p->ndone + p->remote;
}

static size_t pg_seen_count(const crawl_frontier_t *base)
{
	return arc_map_count(((const pg_t *)base)->seen);
}

static void pg_free(crawl_frontier_t *base)
{
	pg_t *p = (pg_t *)base;

	if (p->db && PQstatus(p->db) == CONNECTION_OK)
		pg_flush(p); /* completions were sent by the last pg_durable, after the case closed */
	for (size_t i = 0; i < p->nready; i++)
		free(p->ready[i].url);
	for (size_t i = 0; i < p->npush; i++)
		free(p->push[i].url);
	for (size_t i = 0; i < p->ndone; i++) {
		free(p->done[i].url);
		free(p->done[i].record);
	}
	free(p->ready);
	free(p->push);
	free(p->done);
	arc_map_free(p->leases, free);
	arc_map_free(p->seen, free);
	if (p->db)
		PQfinish(p->db);
	free(p->conninfo);
	free(p->crawl);
	free(p->host);
	free(p);
}

static int pg_set_host(crawl_frontier_t *base, const char *host_id, arc_error_t *err)
{
	pg_t *p = (pg_t *)base;
	PGresult *r;

	free(p->host);
	if (!(p->host = strdup(host_id)))
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	const char *params[2] = {p->crawl, p->host};
	r = pg_exec(p, "INSERT INTO custody_host (crawl, host_id) VALUES ($1, $2) "
	               "ON CONFLICT (crawl, host_id) DO UPDATE SET last_heartbeat = now()",
	            2, params, PGRES_COMMAND_OK);
	if (!r)
		return arc_fail(err, ARC_EIO, "", 0, "", "the shared crawl's database: %s", p->last_error);
	PQclear(r);
	return 0;
}

/* The server's notices ("relation already exists, skipping") are not the user's. */
static void pg_quiet(void *arg, const char *message)
{
	(void)arg, (void)message;
}

static const crawl_frontier_ops_t pg_ops = {
	"postgresql", pg_push, pg_raise, pg_requeue, pg_pop, pg_mark_seen, pg_claim_one,
	pg_seen, pg_size, pg_seen_count, pg_free, pg_done_op, pg_set_host, pg_durable,
};

static const char *const pg_schema[] = {
	"CREATE TABLE IF NOT EXISTS custody_crawl (name text PRIMARY KEY, "
	"created_at timestamptz NOT NULL DEFAULT now())",
	"CREATE TABLE IF NOT EXISTS custody_host (crawl text NOT NULL REFERENCES custody_crawl(name), "
	"host_id text NOT NULL, started_at timestamptz NOT NULL DEFAULT now(), "
	"last_heartbeat timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (crawl, host_id))",
	"CREATE SEQUENCE IF NOT EXISTS custody_lease_token",
	"CREATE TABLE IF NOT EXISTS custody_url (crawl text NOT NULL REFERENCES custody_crawl(name), "
	"url_sha256 text NOT NULL, url text NOT NULL, "
	"state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'leased', 'done')), "
	"priority int NOT NULL DEFAULT 0, depth int NOT NULL DEFAULT 0, hops int NOT NULL DEFAULT 0, "
	"kind int NOT NULL DEFAULT 0, seq bigserial, attempts int NOT NULL DEFAULT 0, "
	"leased_by text, lease_until timestamptz, lease_token bigint, done_by text, done_record text, "
	"PRIMARY KEY (crawl, url_sha256))",
	"CREATE INDEX IF NOT EXISTS custody_url_claim ON custody_url (crawl, state, priority DESC, depth, seq)",
	"CREATE TABLE IF NOT EXISTS custody_duplicate (crawl text NOT NULL, url_sha256 text NOT NULL, "
	"url text NOT NULL, host_id text NOT NULL, record_id text, at timestamptz NOT NULL DEFAULT now())",
	/* each host's closing tree head, written when its case closes (the crawl seal's input) */
	"CREATE TABLE IF NOT EXISTS custody_closing (crawl text NOT NULL, host_id text NOT NULL, "
	"case_id text NOT NULL, tree_size bigint NOT NULL, records bigint NOT NULL, root text NOT NULL, "
	"seal_sha256 text NOT NULL, closed_at timestamptz NOT NULL DEFAULT now(), "
	"PRIMARY KEY (crawl, host_id))",
};

/* 1 when the connection string carries a password (key=value or URI form). */
static int has_password(const char *conninfo)
{
	char *e = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &e), *o;
	int pw = 0;

	PQfreemem(e);
	for (o = opts; o && o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val)
			pw = 1;
	PQconninfoFree(opts);
	return pw;
}

int crawl_frontier_pg_waiting(const crawl_frontier_t *f)
{
	return f && f->ops == &pg_ops && ((const pg_t *)f)->down;
}

/* The case at dir is closed: its closing head goes in custody_closing (a
 * --resume that closes it again replaces it). A frontier that is not this
 * backend: nothing to do. Tried until the database answers or PG_CLOSE_TRIES
 * pass (the case is closed either way; crawl-seal then names the host as not
 * closed, and a --resume records it). */
#define PG_CLOSE_TRIES 30
int crawl_frontier_pg_closed(crawl_frontier_t *f, const char *dir, arc_error_t *err)
{
	pg_t *p = (pg_t *)f;
	seal_closing_t h;
	char size[32], recs[32];
	PGresult *r = NULL;

	if (!f || f->ops != &pg_ops || !p->host)
		return 0;
	if (seal_case_closing(dir, 1, NULL, &h, err) != ARC_OK)
		return arc_fail(err, ARC_EFORMAT, dir, 0, "", "the case has no closing seal (crawled "
		                "without a key?): custody crawl-seal cannot name this host");
	snprintf(size, sizeof size, "%llu", (unsigned long long)h.tree_size);
	snprintf(recs, sizeof recs, "%llu", (unsigned long long)h.records);
	const char *params[7] = {p->crawl, p->host, h.case_id, size, recs, h.root, h.seal_sha256};
	for (int i = 0; i < PG_CLOSE_TRIES && !r; i++) {
		r = pg_exec(p, "INSERT INTO custody_closing (crawl, host_id, case_id, tree_size, records, "
		               "root, seal_sha256) VALUES ($1, $2, $3, $4::bigint, $5::bigint, $6, $7) "
		               "ON CONFLICT (crawl, host_id) DO UPDATE SET case_id = EXCLUDED.case_id, "
		               "tree_size = EXCLUDED.tree_size, records = EXCLUDED.records, "
		               "root = EXCLUDED.root, seal_sha256 = EXCLUDED.seal_sha256, closed_at = now()",
		            7, params, PGRES_COMMAND_OK);
		if (!r) {
			struct timespec ts = {1, 0};
			nanosleep(&ts, NULL);
		}
	}
	if (!r)
		return arc_fail(err, ARC_EIO, "", 0, "", "the closing head could not be recorded in the "
		                "shared crawl's database (%s): `custody crawl --resume` records it",
		                p->last_error);
	PQclear(r);
	return 0;
}

/* Every host of the crawl with its closing head (closed = 0: none recorded)
 * and its duplicates, in host_id order, for custody crawl-seal. */
int crawl_pg_heads(const char *conninfo, const char *crawl_name, crawl_pg_head_t **out, size_t *n,
                   arc_error_t *err)
{
	crawl_frontier_t *f = crawl_frontier_pg_open(conninfo, crawl_name, 0, 0, err);
	pg_t *p = (pg_t *)f;
	PGresult *r;
	const char *params[1] = {crawl_name};

	*out = NULL;
	*n = 0;
	if (!f)
		return ARC_EIO;
	r = pg_exec(p,
		"SELECT h.host_id, c.case_id, c.tree_size, c.records, c.root, c.seal_sha256, "
		"(SELECT count(*) FROM custody_duplicate d WHERE d.crawl = h.crawl AND d.host_id = h.host_id), "
		"(SELECT count(*) FROM custody_url u WHERE u.crawl = h.crawl AND u.done_by = h.host_id), "
		"(SELECT count(*) FROM custody_url u WHERE u.crawl = h.crawl AND u.state <> 'done') "
		"FROM custody_host h LEFT JOIN custody_closing c ON c.crawl = h.crawl AND c.host_id = h.host_id "
		"WHERE h.crawl = $1 ORDER BY h.host_id COLLATE \"C\"",
		1, params, PGRES_TUPLES_OK);
	if (!r) {
		arc_fail(err, ARC_EIO, "", 0, "", "the shared crawl's database: %s", p->last_error);
		pg_free(f);
		return ARC_EIO;
	}
	int rows = PQntuples(r);
	crawl_pg_head_t *v = rows ? calloc((size_t)rows, sizeof *v) : NULL;
	if (rows && !v) {
		PQclear(r);
		pg_free(f);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	}
	for (int i = 0; i < rows; i++) {
		crawl_pg_head_t *h = &v[i];
		snprintf(h->host_id, sizeof h->host_id, "%s", PQgetvalue(r, i, 0));
		h->closed = !PQgetisnull(r, i, 1);
		if (h->closed) {
			snprintf(h->head.case_id, sizeof h->head.case_id, "%s", PQgetvalue(r, i, 1));
			h->head.tree_size = strtoull(PQgetvalue(r, i, 2), NULL, 10);
			h->head.records = strtoull(PQgetvalue(r, i, 3), NULL, 10);
			snprintf(h->head.root, sizeof h->head.root, "%s", PQgetvalue(r, i, 4));
			snprintf(h->head.seal_sha256, sizeof h->head.seal_sha256, "%s", PQgetvalue(r, i, 5));
		}
		h->duplicates = strtoull(PQgetvalue(r, i, 6), NULL, 10);
		h->done = strtoull(PQgetvalue(r, i, 7), NULL, 10);
		h->not_done = strtoull(PQgetvalue(r, i, 8), NULL, 10);
	}
	PQclear(r);
	pg_free(f);
	*out = v;
	*n = (size_t)rows;
	return 0;
}

crawl_frontier_t *crawl_frontier_pg_open(const char *conninfo, const char *crawl_name, int create,
                                         long lease_s, arc_error_t *err)
{
	pg_t *p;
	PGresult *r;

	if (!conninfo || !crawl_name || !*crawl_name) {
		arc_fail(err, ARC_EINVAL, "", 0, "", "--state needs --crawl NAME (the shared crawl's name)");
		return NULL;
	}
	if (has_password(conninfo)) {
		arc_fail(err, ARC_EINVAL, "", 0, "",
		         "the --state connection string holds a password, which would show in the process "
		         "list and the case's command line: remove it and put it in a password file "
		         "(PGPASSFILE, or ~/.pgpass: host:port:database:user:password, mode 0600)");
		return NULL;
	}
	if (!(p = calloc(1, sizeof *p)) || !(p->leases = arc_map_new(0)) || !(p->seen = arc_map_new(0)) ||
	    !(p->conninfo = strdup(conninfo)) || !(p->crawl = strdup(crawl_name))) {
		if (p) {
			arc_map_free(p->leases, NULL);
			arc_map_free(p->seen, NULL);
			free(p->conninfo);
			free(p);
		}
		arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		return NULL;
	}
	p->base.ops = &pg_ops;
	p->lease_s = lease_s > 0 ? lease_s : 120;
	p->db = PQconnectdb(conninfo);
	PQsetNoticeProcessor(p->db, pg_quiet, NULL);
	if (PQstatus(p->db) != CONNECTION_OK) {
		arc_fail(err, ARC_EIO, "", 0, "",
		         "cannot reach the shared crawl's database (--state): %s"
		         "Check that PostgreSQL runs and accepts this host, and the connection string "
		         "(host=, port=, dbname=, user=, sslmode=).", PQerrorMessage(p->db));
		pg_free(&p->base);
		return NULL;
	}
	for (size_t i = 0; i < sizeof pg_schema / sizeof pg_schema[0]; i++) {
		if (!(r = pg_exec(p, pg_schema[i], 0, NULL, PGRES_COMMAND_OK))) {
			arc_fail(err, ARC_EIO, "", 0, "", "setting up the shared crawl's tables: %s", p->last_error);
			pg_free(&p->base);
			return NULL;
		}
		PQclear(r);
	}
	const char *params[1] = {crawl_name};
	r = pg_exec(p, create ? "INSERT INTO custody_crawl (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING name"
	                      : "SELECT name FROM custody_crawl WHERE name = $1",
	            1, params, PGRES_TUPLES_OK);
	if (!r || PQntuples(r) != 1) {
		if (!r)
			arc_fail(err, ARC_EIO, "", 0, "", "the shared crawl's database: %s", p->last_error);
		else if (create)
			arc_fail(err, ARC_EINVAL, "", 0, "", "a shared crawl named '%s' exists already: join it "
			         "without --create-crawl, or choose another name", crawl_name);
		else
			arc_fail(err, ARC_EINVAL, "", 0, "", "there is no shared crawl named '%s' in this "
			         "database: start it once, on one host, with --create-crawl", crawl_name);
		PQclear(r);
		pg_free(&p->base);
		return NULL;
	}
	PQclear(r);
	return &p->base;
}
