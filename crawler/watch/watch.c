/*
 * watch.c — one `custody watch` round: a crawl round (crawl_run, with
 * --resume's reading of the case and every URL fetched again, so that an
 * unchanged page is written as a revisit) into the same case, the round's
 * watch record and its alerts written before the case is closed.
 *
 * State lives in the case, not beside it: at open the case is read once
 * (timeline.c) for the last round recorded and the alerts already raised;
 * after each round only that round's records are read (the timeline keeps
 * its place), so memory and time per round do not grow with the rounds. A
 * round cut by a crash has no watch record: the next run does it again
 * under the same number (its captures stay, as captures).
 *
 * Politeness beyond the crawl's (--delay, --per-host, Retry-After): an
 * origin none of whose URLs could be reached in k rounds in a row is left out
 * of the next 2^(k-1) - 1 rounds (at most 63), and the watch record lists it.
 *
 * Must never print, exit, run commands, or write an identifier's value.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "crawl_int.h"
#include "watch/watch.h"

typedef struct {
	char *origin;
	uint32_t fails;      /* rounds in a row with nothing reached */
	uint32_t skip;       /* rounds still left out */
	int reached, missed; /* this round */
} origin_t;

typedef struct {
	char *url, *outcome, *message;
} unreached_t;

struct watch {
	const watch_opts_t *o;
	tl_rules_t *rules;
	tl_t *tl;
	int lockfd;
	uint32_t next_round;
	origin_t *orig;
	size_t norig, caporig;
	/* alerts recorded in the case but not yet delivered (watch.delivered
	 * does not name them): a watcher killed between a round's close and the
	 * delivery delivers them when it starts again */
	watch_alert_t *pending;
	size_t npending, cappending;
	arc_map_t *delivered;       /* only while watch_open reads the case */
	/* kept between rounds, so a round does not read the whole case again */
	crawl_dedup_t *dedup;       /* the payloads the case holds */
	arc_case_state_t cstate;    /* the case's log as the last round's close left it */
	time_t indexed;             /* index.cdxj last rebuilt (0: not by this run) */
	int index_stale;            /* a round's close left it out */
	int scan_err;
};

/* one round in progress */
typedef struct {
	watch_t *w;
	watch_round_t *out;
	crawl_progress_fn fn;
	void *fnctx;
	unreached_t *un;
	size_t nun, capun;
	uint64_t unlisted;
	char **backoff;
	size_t nbackoff;
	char started[ARC_DATE_LEN];
	int wrote;           /* the watch record is written */
	uint64_t gen;
} round_t;

/* ---------------------------------------------------------------- the lock */

int watch_lock(const char *dir, int *fd, arc_error_t *err)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/watch.lock", dir) >= (int)sizeof path)
		return arc_fail(err, ARC_EINVAL, dir, 0, "", "%s: path too long", dir);
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0)
		return arc_fail(err, ARC_EIO, path, 0, "", "%s: %s", path, strerror(errno));
	if (flock(f, LOCK_EX | LOCK_NB)) {
		char pid[32] = "";
		ssize_t n = pread(f, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(f);
		return arc_fail(err, ARC_EINVAL, path, 0, "",
		                "%s is being watched already (by process %s): one watcher per case",
		                dir, pid[0] ? pid : "?");
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(f, 0) || pwrite(f, pid, (size_t)n, 0) != n) {
		close(f);
		return arc_fail(err, ARC_EIO, path, 0, "", "%s: %s", path, strerror(errno));
	}
	*fd = f;
	return 0;
}

void watch_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* the lock goes with the descriptor */
}

/* ---------------------------------------------------------------- delivery */

#define WATCH_DELIVERED "watch.delivered"
#define WATCH_MAX_DELIVERED_FILE ((off_t)64 << 20)

static void on_alert_record(void *ctx, const char *record, const char *url, const char *response,
                            uint32_t round, const char *reason, uint32_t types, const char *date)
{
	watch_t *w = ctx;
	if (w->scan_err || (w->delivered && arc_map_find(w->delivered, record, NULL) == 1))
		return;
	if (w->npending >= WATCH_MAX_ALERTS ||
	    arc_vec_reserve((void **)&w->pending, &w->cappending, w->npending + 1, sizeof *w->pending, 0)) {
		w->scan_err = ARC_ENOMEM;
		return;
	}
	watch_alert_t *a = &w->pending[w->npending];
	memset(a, 0, sizeof *a);
	if (!(a->url = strdup(url))) {
		w->scan_err = ARC_ENOMEM;
		return;
	}
	snprintf(a->record, sizeof a->record, "%s", response);
	snprintf(a->alert_record, sizeof a->alert_record, "%s", record);
	a->reason = !strcmp(reason, "doxing") ? "doxing" : "watched";
	a->types = types;
	a->round = round;
	a->late = 1;
	snprintf(a->time, sizeof a->time, "%s", date);
	w->npending++;
}

/* watch.delivered: one alert record id a line, each appended once its
 * event went out. Read into w->delivered. */
static int delivered_load(watch_t *w, arc_error_t *err)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/%s", w->o->crawl.case_dir, WATCH_DELIVERED) >= (int)sizeof path)
		return arc_fail(err, ARC_EINVAL, "", 0, "", "path too long");
	if (!(w->delivered = arc_map_new(0)))
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : arc_fail(err, ARC_EIO, path, 0, "", "%s: %s", path, strerror(errno));
	char line[256];
	int rc = 0;
	while (!rc && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] && arc_map_put(w->delivered, line, NULL, NULL) < 0)
			rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	}
	fclose(f);
	return rc;
}

int watch_delivered(watch_t *w, const watch_alert_t *a, arc_error_t *err)
{
	char path[4096];
	if (!a->alert_record[0])
		return 0;
	if (snprintf(path, sizeof path, "%s/%s", w->o->crawl.case_dir, WATCH_DELIVERED) >= (int)sizeof path)
		return arc_fail(err, ARC_EINVAL, "", 0, "", "path too long");
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return arc_fail(err, ARC_EIO, path, 0, "", "%s: %s", path, strerror(errno));
	char line[ARC_UUID_LEN + 16];
	int n = snprintf(line, sizeof line, "%s\n", a->alert_record);
	int rc = 0;
	if (n <= 0 || n >= (int)sizeof line || write(fd, line, (size_t)n) != n || fsync(fd))
		rc = arc_fail(err, ARC_EIO, path, 0, "", "%s: %s", path, strerror(errno));
	close(fd);
	return rc;
}

size_t watch_undelivered(const watch_t *w, const watch_alert_t **v)
{
	*v = w->pending;
	return w->npending;
}

/* ---------------------------------------------------------------- open, close */

watch_t *watch_open(const watch_opts_t *o, arc_error_t *err)
{
	if (!o->crawl.case_dir || !o->crawl.nseeds) {
		arc_fail(err, ARC_EINVAL, "", 0, "", "no URL to watch or no case directory");
		return NULL;
	}
	watch_t *w = calloc(1, sizeof *w);
	if (!w) {
		arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		return NULL;
	}
	w->o = o;
	w->lockfd = -1;
	if (arc_mkdirs(o->crawl.case_dir, 0755)) {
		arc_fail(err, ARC_EIO, o->crawl.case_dir, 0, "", "cannot create %s: %s", o->crawl.case_dir,
		         strerror(errno));
		goto fail;
	}
	if (watch_lock(o->crawl.case_dir, &w->lockfd, err))
		goto fail;
	if (!(w->rules = tl_rules_load(o->removal_rules, err)))
		goto fail;
	if (!(w->tl = tl_new(w->rules, 0))) {
		arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		goto fail;
	}
	if (delivered_load(w, err))
		goto fail;
	tl_set_alert_fn(w->tl, on_alert_record, w);
	int damaged = 0;
	int rc = tl_read_case(w->tl, o->crawl.case_dir, &damaged, err);
	tl_set_alert_fn(w->tl, NULL, NULL);
	arc_map_free(w->delivered, NULL);
	w->delivered = NULL;
	if (rc < 0)
		goto fail;
	if (w->scan_err) {
		arc_fail(err, w->scan_err, "", 0, "", "out of memory");
		goto fail;
	}
	/* the trusted time of the page each undelivered alert names */
	for (size_t i = 0; i < w->npending; i++) {
		watch_alert_t *a = &w->pending[i];
		const tl_url_t *u = tl_find(w->tl, a->url);
		const tl_visit_t *v = NULL;
		if (u && !strcmp(u->last.record, a->record))
			v = &u->last;
		else if (u && u->has_last && !strcmp(u->last_present.record, a->record))
			v = &u->last_present;
		if (v) {
			snprintf(a->time, sizeof a->time, "%s", v->date);
			if (v->sealed) {
				snprintf(a->seal_time, sizeof a->seal_time, "%s", v->seal_time);
				snprintf(a->stamp_time, sizeof a->stamp_time, "%s", v->stamp_time);
			}
		}
	}
	w->next_round = tl_last_round(w->tl) + 1;
	return w;
fail:
	watch_close(w);
	return NULL;
}

void watch_close(watch_t *w)
{
	if (!w)
		return;
	if (w->index_stale) {
		arc_error_t e;
		cdxj_rebuild(w->o->crawl.case_dir, &e); /* derived: a failure here loses nothing */
	}
	tl_free(w->tl);
	tl_rules_free(w->rules);
	arc_map_free(w->delivered, NULL);
	crawl_dedup_free(w->dedup);
	for (size_t i = 0; i < w->npending; i++)
		free(w->pending[i].url);
	free(w->pending);
	for (size_t i = 0; i < w->norig; i++)
		free(w->orig[i].origin);
	free(w->orig);
	watch_unlock(w->lockfd);
	free(w);
}

uint32_t watch_next_round(const watch_t *w)
{
	return w->next_round;
}

void watch_round_free(watch_round_t *r)
{
	for (size_t i = 0; i < r->nalerts; i++)
		free(r->alerts[i].url);
	free(r->alerts);
	r->alerts = NULL;
	r->nalerts = r->capalerts = 0;
}

/* ---------------------------------------------------------------- backoff */

static origin_t *origin_get(watch_t *w, const char *url)
{
	char o[1200];
	if (crawl_url_origin(url, o, sizeof o))
		return NULL;
	for (size_t i = 0; i < w->norig; i++)
		if (!strcmp(w->orig[i].origin, o))
			return &w->orig[i];
	if (w->norig >= 100000 ||
	    arc_vec_reserve((void **)&w->orig, &w->caporig, w->norig + 1, sizeof *w->orig, 0))
		return NULL;
	origin_t *h = &w->orig[w->norig];
	memset(h, 0, sizeof *h);
	if (!(h->origin = strdup(o)))
		return NULL;
	w->norig++;
	return h;
}

static void backoff_update(watch_t *w)
{
	for (size_t i = 0; i < w->norig; i++) {
		origin_t *h = &w->orig[i];
		if (h->reached)
			h->fails = 0;
		else if (h->missed && h->fails < 7)
			h->fails++;
		if (h->missed && !h->reached && h->fails > 1)
			h->skip = (1u << (h->fails - 1)) - 1;
		h->reached = h->missed = 0;
	}
}

/* ---------------------------------------------------------------- records of a round */

static int put_str(json_t *o, const char *k, const char *v)
{
	json_t *s = v ? json_string(v) : json_null();
	if (!s) /* not UTF-8: said so rather than dropped */
		s = json_string("(not UTF-8)");
	return json_object_set_new(o, k, s);
}

static int write_json_record(arc_case_t *cas, const char *urn_prefix, const char *what,
                             const char *ct, const char *refers, json_t *body,
                             char id_out[ARC_UUID_LEN + 8], arc_error_t *err)
{
	char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *uri = crawl_urn(urn_prefix, what);
	int rc = 0;
	if (!s || !uri) {
		rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	} else {
		warc_field_t f[1];
		size_t nf = 0;
		if (refers && refers[0])
			f[nf++] = (warc_field_t){"WARC-Refers-To", refers};
		warc_record_t r = {.type = "metadata", .target_uri = uri, .content_type = ct,
		                   .fields = f, .nfields = nf, .block = s, .block_len = strlen(s)};
		warc_written_t wr;
		memset(&wr, 0, sizeof wr);
		rc = arc_case_write(cas, &r, &wr, err);
		if (!rc && id_out)
			snprintf(id_out, ARC_UUID_LEN + 8, "%s", wr.record_id);
	}
	free(s);
	free(uri);
	return rc;
}

static int write_watch_record(round_t *rd, arc_case_t *cas, const crawl_stats_t *st, arc_error_t *err)
{
	char ended[ARC_DATE_LEN];
	arc_now(ended);
	json_t *o = json_object();
	json_t *un = json_array();
	json_t *bo = json_array();
	if (!o || !un || !bo) {
		json_decref(o);
		json_decref(un);
		json_decref(bo);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	}
	json_object_set_new(o, "round", json_integer(rd->out->round));
	put_str(o, "started", rd->started);
	put_str(o, "ended", ended);
	json_object_set_new(o, "seeds", json_integer((json_int_t)rd->w->o->crawl.nseeds));
	json_object_set_new(o, "fetched", json_integer((json_int_t)st->fetched));
	json_object_set_new(o, "revisits", json_integer((json_int_t)st->revisits));
	json_object_set_new(o, "failed", json_integer((json_int_t)st->failed));
	for (size_t i = 0; i < rd->nun; i++) {
		json_t *e = json_object();
		put_str(e, "url", rd->un[i].url);
		put_str(e, "outcome", rd->un[i].outcome);
		put_str(e, "message", rd->un[i].message);
		json_array_append_new(un, e);
	}
	json_object_set_new(o, "unreached", un);
	if (rd->unlisted)
		json_object_set_new(o, "unreached_not_listed", json_integer((json_int_t)rd->unlisted));
	for (size_t i = 0; i < rd->nbackoff; i++)
		json_array_append_new(bo, json_string(rd->backoff[i]));
	json_object_set_new(o, "backoff", bo);
	int rc = write_json_record(cas, TL_WATCH_URN, arc_case_id(cas), TL_CT_WATCH, NULL, o, NULL, err);
	json_decref(o);
	return rc;
}

static int add_alert(round_t *rd, tl_url_t *u, const char *reason, uint32_t types)
{
	watch_round_t *out = rd->out;
	if (out->nalerts >= WATCH_MAX_ALERTS)
		return 0;
	if (arc_vec_reserve((void **)&out->alerts, &out->capalerts, out->nalerts + 1, sizeof *out->alerts, 0))
		return ARC_ENOMEM;
	watch_alert_t *a = &out->alerts[out->nalerts];
	memset(a, 0, sizeof *a);
	if (!(a->url = strdup(u->url)))
		return ARC_ENOMEM;
	a->reason = reason;
	a->types = types;
	a->round = out->round;
	snprintf(a->record, sizeof a->record, "%s", u->last.record);
	snprintf(a->time, sizeof a->time, "%s", u->last.date);
	out->nalerts++;
	return 0;
}

static int write_alerts(round_t *rd, arc_case_t *cas, arc_error_t *err)
{
	tl_t *tl = rd->w->tl;
	int rc = 0;
	for (size_t i = 0; i < tl_count(tl) && !rc; i++) {
		tl_url_t *u = tl_url(tl, i);
		if (u->touched != rd->gen || u->last.state != TL_PRESENT)
			continue;
		uint32_t fresh = u->last.watched & ~u->alerted;
		if (fresh) {
			rc = add_alert(rd, u, "watched", fresh);
			u->alerted |= fresh;
		} else if (u->last.doxing == 1 && u->prev_doxing == 0 && !u->alerted_doxing) {
			rc = add_alert(rd, u, "doxing", 0);
			u->alerted_doxing = 1;
		}
	}
	for (size_t i = 0; i < rd->out->nalerts && !rc; i++) {
		watch_alert_t *a = &rd->out->alerts[i];
		json_t *o = json_object();
		json_t *types = json_array();
		if (!o || !types) {
			json_decref(o);
			json_decref(types);
			return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		}
		put_str(o, "url", a->url);
		put_str(o, "record", a->record);
		json_object_set_new(o, "round", json_integer(a->round));
		put_str(o, "reason", a->reason);
		for (int b = 0; b < 32; b++)
			if (a->types & ((uint32_t)1 << b) && tl_type_name(b))
				json_array_append_new(types, json_string(tl_type_name(b)));
		json_object_set_new(o, "types", types);
		rc = write_json_record(cas, TL_ALERT_URN, a->url, TL_CT_ALERT, a->record, o, a->alert_record, err);
		json_decref(o);
	}
	return rc;
}

/* crawl_opts_t.round_end: the round's records are written; the case is
 * still open (its closing seal comes next and covers what is written here). */
static int round_end(void *ctx, arc_case_t *cas, const crawl_stats_t *st, arc_error_t *err)
{
	round_t *rd = ctx;
	int rc = write_watch_record(rd, cas, st, err);
	if (rc)
		return rc;
	rd->wrote = 1;
	if ((rc = arc_case_sync(cas, err)))
		return rc;
	int damaged = 0;
	if ((rc = tl_read_case(rd->w->tl, rd->w->o->crawl.case_dir, &damaged, err)) < 0)
		return rc;
	rd->out->damaged |= damaged;
	return write_alerts(rd, cas, err);
}

static void on_event(void *ctx, const crawl_event_t *ev)
{
	round_t *rd = ctx;
	if (ev->outcome && ev->url && ev->kind == CRAWL_EV_FETCHED) {
		origin_t *h = origin_get(rd->w, ev->url);
		if (h)
			h->reached = 1;
	}
	if (ev->outcome && ev->url && ev->kind == CRAWL_EV_ERROR && !ev->response_record) {
		origin_t *h = origin_get(rd->w, ev->url);
		if (h)
			h->missed = 1;
		if (rd->nun >= WATCH_MAX_UNREACHED) {
			rd->unlisted++;
		} else if (!arc_vec_reserve((void **)&rd->un, &rd->capun, rd->nun + 1, sizeof *rd->un, 0)) {
			unreached_t *u = &rd->un[rd->nun];
			u->url = strdup(ev->url);
			u->outcome = strdup(ev->outcome);
			u->message = ev->message ? strndup(ev->message, 400) : NULL;
			if (u->url && u->outcome)
				rd->nun++;
			else {
				free(u->url);
				free(u->outcome);
				free(u->message);
			}
		}
	} else if (ev->outcome && ev->url && ev->kind == CRAWL_EV_ERROR) {
		origin_t *h = origin_get(rd->w, ev->url);
		if (h)
			h->reached = 1; /* an answer came, even if cut short */
	}
	if (rd->fn)
		rd->fn(rd->fnctx, ev);
}

int watch_round(watch_t *w, watch_round_t *out, crawl_progress_fn fn, void *fnctx, arc_error_t *err)
{
	memset(out, 0, sizeof *out);
	out->round = w->next_round;
	round_t rd;
	memset(&rd, 0, sizeof rd);
	rd.w = w;
	rd.out = out;
	rd.fn = fn;
	rd.fnctx = fnctx;
	rd.gen = tl_next_generation(w->tl);
	arc_now(rd.started);

	crawl_opts_t o = w->o->crawl;
	const char **seeds = calloc(o.nseeds, sizeof *seeds);
	rd.backoff = calloc(o.nseeds, sizeof *rd.backoff);
	if (!seeds || !rd.backoff) {
		free(seeds);
		free(rd.backoff);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	}
	size_t ns = 0;
	for (size_t i = 0; i < o.nseeds; i++) {
		origin_t *h = origin_get(w, o.seeds[i]);
		if (h && h->skip) {
			rd.backoff[rd.nbackoff++] = (char *)o.seeds[i];
			continue;
		}
		seeds[ns++] = o.seeds[i];
	}
	for (size_t i = 0; i < w->norig; i++)
		if (w->orig[i].skip)
			w->orig[i].skip--;
	out->backoff = rd.nbackoff;
	o.seeds = seeds;
	o.nseeds = ns;
	o.resume = 1;          /* continue the case: torn tail cut, payloads known */
	o.revisit_all = 1;     /* but fetch every URL again */
	o.lean_revisits = 1;   /* an unchanged page: headers and a compact capture record */
	o.dedup_keep = &w->dedup;
	/* index.cdxj (derived, never evidence) is rebuilt from every file: at most
	 * every WATCH_INDEX_EVERY s while watching, and when the watch stops */
	time_t now = time(NULL);
	o.skip_index = w->indexed && now - w->indexed < WATCH_INDEX_EVERY;
	o.case_state = &w->cstate;
	o.round_end = round_end;
	o.round_end_ctx = &rd;
	/* every origin backing off: nothing is fetched, nothing written, the
	 * round number is not used */
	int rc = ns ? crawl_run(&o, &out->crawl, on_event, &rd, err) : 0;
	if (rc >= 0 && ns) {
		/* the closing seal and the alert records: trusted times for the alerts */
		int damaged = 0;
		if (tl_read_case(w->tl, o.case_dir, &damaged, err) < 0 && !rc)
			rc = err->code ? err->code : ARC_EIO;
		out->damaged |= damaged;
		for (size_t i = 0; i < out->nalerts; i++) {
			watch_alert_t *a = &out->alerts[i];
			const tl_url_t *u = tl_find(w->tl, a->url);
			const tl_visit_t *v = u && !strcmp(u->last.record, a->record) ? &u->last : NULL;
			if (v && v->sealed) {
				snprintf(a->seal_time, sizeof a->seal_time, "%s", v->seal_time);
				snprintf(a->stamp_time, sizeof a->stamp_time, "%s", v->stamp_time);
			}
		}
	}
	for (size_t i = 0; i < tl_count(w->tl); i++) {
		tl_url_t *u = tl_url(w->tl, i);
		if (u->touched != rd.gen)
			continue;
		switch (u->last.state) {
		case TL_PRESENT: out->present++; break;
		case TL_REMOVED: out->removed++; break;
		case TL_MOVED: out->moved++; break;
		case TL_UNAVAILABLE: out->unavailable++; break;
		case TL_UNREACHABLE: out->unreachable++; break;
		default: break;
		}
	}
	out->ran = ns > 0;
	if (ns && o.skip_index)
		w->index_stale = 1;
	else if (ns) {
		w->indexed = now;
		w->index_stale = 0;
	}
	if (rd.wrote)
		w->next_round++;
	backoff_update(w);
	for (size_t i = 0; i < rd.nun; i++) {
		free(rd.un[i].url);
		free(rd.un[i].outcome);
		free(rd.un[i].message);
	}
	free(rd.un);
	free(rd.backoff);
	free(seeds);
	return rc;
}

/* ---------------------------------------------------------------- events, --doxing-of */

int watch_alert_json(const watch_alert_t *a, arc_buf_t *out)
{
	json_t *o = json_object();
	json_t *types = json_array();
	if (!o || !types) {
		json_decref(o);
		json_decref(types);
		return ARC_ENOMEM;
	}
	json_object_set_new(o, "kind", json_string("alert"));
	put_str(o, "url", a->url);
	put_str(o, "reason", a->reason);
	for (int b = 0; b < 32; b++)
		if (a->types & ((uint32_t)1 << b) && tl_type_name(b))
			json_array_append_new(types, json_string(tl_type_name(b)));
	json_object_set_new(o, "types", types);
	put_str(o, "record", a->record);
	put_str(o, "alert_record", a->alert_record);
	json_object_set_new(o, "round", json_integer(a->round));
	put_str(o, "time", a->time);
	put_str(o, "sealed", a->seal_time[0] ? a->seal_time : NULL);
	put_str(o, "trusted_time", a->stamp_time[0] ? a->stamp_time : NULL);
	if (a->late)
		json_object_set_new(o, "late", json_true());
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return ARC_ENOMEM;
	int rc = arc_buf_append(out, s, strlen(s));
	free(s);
	return rc ? ARC_ENOMEM : 0;
}

int watch_doxing_urls(const char *dir, char ***urls, size_t *n, arc_error_t *err)
{
	*urls = NULL;
	*n = 0;
	tl_t *t = tl_new(NULL, 0);
	if (!t)
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	int damaged = 0;
	int rc = tl_read_case(t, dir, &damaged, err);
	size_t cap = 0;
	for (size_t i = 0; !rc && i < tl_count(t); i++) {
		tl_url_t *u = tl_url(t, i);
		if (!u->has_last || u->last_present.doxing != 1)
			continue;
		char *s = strdup(u->url);
		if (!s || arc_vec_reserve((void **)urls, &cap, *n + 1, sizeof **urls, 0)) {
			free(s);
			rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
			break;
		}
		(*urls)[(*n)++] = s;
	}
	tl_free(t);
	if (!rc && !*n)
		rc = arc_fail(err, ARC_EINVAL, dir, 0, "", "%s holds no page judged doxing", dir);
	return rc;
}
