/*
 * cmd_ls.c — `custody ls CASE_DIR`: one line per captured URL.
 *
 * Reads the capture files themselves (not index.cdxj, which can be rebuilt
 * and may be missing or stale): each response or revisit record gives a line
 * with its time, status, body size and URL; the findings record that refers
 * to it adds the number of findings and a DOXING mark when its verdict says
 * so; the capture metadata record marks incomplete responses. URLs that got
 * no response at all (DNS, refused, TLS) are listed with status ERR and the
 * recorded error. Metadata records are tied to their response only through
 * WARC-Refers-To / WARC-Concurrent-To, never by target URI (theirs is
 * urn:custody:capture:<url> / urn:custody:findings:<url>).
 *
 * Must never modify the case. Output columns stay aligned for humans;
 * --json gives one JSON object per line for scripts.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "archive.h"
#include "cli.h"
#include "cmd.h"

static const cli_opt_t ls_opts[] = {
	{"json", 0, NULL, "One JSON object per line: date, status, size, url, type, record, file, offset, "
	                  "complete, findings, doxing (and error for failed URLs)."},
	{0},
};

static const cli_cmd_t ls_cmd = {
	"ls",
	"custody ls [--json] CASE_DIR",
	"List what a case holds: one line per captured URL, in capture order, with the capture time (UTC), "
	"the HTTP status, the body size in bytes as received, the findings (the number of personal-data findings, dox keywords not counted, and DOXING when the "
	"page verdict says so) and the URL. Redirects appear as their own lines (3xx). Responses cut short are "
	"marked INCOMPLETE; URLs that got no response at all show status ERR and the error recorded. The "
	"listing is read from the capture files themselves; it checks nothing (use custody-verify for that).",
	ls_opts,
	"custody ls case1\ncustody ls --json case1 | grep '\"doxing\": true'\n",
	NULL, /* few options: --help shows them all */
};

typedef struct {
	char *date, *url, *type, *id, *file, *error;
	char *refers;   /* revisit: the original record */
	char *location; /* a redirect's Location, resolved only by the reader */
	char *request;  /* request record id (capture metadata) */
	char *truncated; /* WARC-Truncated value */
	long long curl_result;
	int64_t bytes;  /* bytes received (capture metadata), -1 unknown */
	int64_t ms;     /* transfer time (capture metadata), -1 unknown */
	int status;
	uint64_t size, offset;
	int complete;   /* 1, 0, -1 unknown */
	int findings;   /* -1 none */
	int doxing;
} ls_ent_t;

typedef struct {
	ls_ent_t *v;
	size_t n, cap;
	int json;
} ls_t;

static int ls_on_opt(void *ctx, const char *name, const char *arg)
{
	ls_t *l = ctx;
	(void)arg;
	if (!strcmp(name, "json"))
		l->json = 1;
	return 0;
}

static char *dupn(const char *s)
{
	return strdup(s ? s : "");
}

static ls_ent_t *find_id(ls_t *l, const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = l->n; i-- > 0;)  /* the referring record follows closely */
		if (!strcmp(l->v[i].id, id))
			return &l->v[i];
	return NULL;
}

static ls_ent_t *add(ls_t *l)
{
	void *v = l->v;
	int rc = arc_vec_reserve(&v, &l->cap, l->n + 1, sizeof *l->v, 0);
	l->v = v;
	if (rc)
		return NULL;
	ls_ent_t *e = &l->v[l->n++];
	memset(e, 0, sizeof *e);
	e->complete = -1;
	e->findings = -1;
	e->bytes = -1;
	e->ms = -1;
	return e;
}

/* A redirect's Location resolved against the URL (RFC 3986), as the crawl
 * logged it; the Location as written when it does not resolve. */
static char *resolve(const char *base, const char *loc)
{
	CURLU *u = curl_url();
	char *out = NULL, *s = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, loc, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = dupn(s);
	curl_free(s);
	curl_url_cleanup(u);
	return out ? out : dupn(loc);
}

/* The capture metadata facts the --log shape carries. */
static void take_capture(ls_ent_t *e, json_t *j)
{
	json_t *v;
	if (json_is_string(v = json_object_get(j, "request_record")) && !e->request)
		e->request = dupn(json_string_value(v));
	if (json_is_integer(v = json_object_get(j, "bytes_received")))
		e->bytes = json_integer_value(v);
	if (json_is_integer(v = json_object_get(json_object_get(j, "timings_us"), "total")))
		e->ms = (json_integer_value(v) + 500) / 1000;
	if (json_is_integer(v = json_object_get(j, "curl_result")))
		e->curl_result = json_integer_value(v);
	if (json_is_string(v = json_object_get(j, "truncated")) && !e->truncated)
		e->truncated = dupn(json_string_value(v));
}

/* The --log outcome of one listed URL (crawl --log writes the same words). */
static const char *outcome(const ls_ent_t *e)
{
	if (!strcmp(e->type, "error")) {
		switch (e->curl_result) {
		case 28:
			return "timeout";
		case 6:
			return "dns";
		case 7:
			return "refused";
		case 35: case 51: case 53: case 54: case 58: case 59: case 60: case 66: case 77: case 80:
		case 82: case 83: case 90: case 91:
			return "tls";
		default:
			return "failed";
		}
	}
	if (e->complete == 0)
		return e->truncated && !strcmp(e->truncated, "time") ? "timeout" : "truncated";
	return e->status >= 400 ? "http_error" : "ok";
}

static int read_file(ls_t *l, const char *dir, const char *name)
{
	char path[4096];
	arc_error_t err;
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return -1;
	/* headers are enough: bodies past them are checked and dropped, not held */
	warc_reader_opts_t ro = {.block_keep = (uint64_t)HTTP_MAX_HEADER + 4096};
	warc_reader_t *r = warc_reader_open(path, &ro, &err);
	if (!r) {
		fprintf(stderr, "custody ls: %s\n", err.msg);
		return -1;
	}
	warc_rec_t rec;
	int rc;
	while ((rc = warc_reader_next(r, &rec, &err)) == 1) {
		const char *type = warc_rec_get(&rec, "WARC-Type");
		const char *ct = warc_rec_get(&rec, "Content-Type");
		if (type && (!strcmp(type, "response") || !strcmp(type, "revisit"))) {
			ls_ent_t *e = add(l);
			if (!e)
				break;
			size_t hl = http_header_end(rec.block, rec.block_len);
			e->date = dupn(warc_rec_get(&rec, "WARC-Date"));
			e->url = dupn(warc_rec_get(&rec, "WARC-Target-URI"));
			e->type = dupn(type);
			e->id = dupn(warc_rec_get(&rec, "WARC-Record-ID"));
			e->file = dupn(name);
			e->status = http_status(rec.block, hl ? hl : rec.block_len);
			e->size = hl ? rec.block_total - hl : rec.block_total;
			e->offset = rec.offset;
			if (warc_rec_get(&rec, "WARC-Truncated")) {
				e->complete = 0;
				e->truncated = dupn(warc_rec_get(&rec, "WARC-Truncated"));
			}
			char loc[8192];
			if (hl && e->status >= 300 && e->status < 400 &&
			    http_header_get(rec.block, hl, "Location", loc, sizeof loc))
				e->location = resolve(e->url, loc);
			if (!strcmp(type, "revisit") && warc_rec_get(&rec, "WARC-Refers-To"))
				e->refers = dupn(warc_rec_get(&rec, "WARC-Refers-To"));
		} else if (type && !strcmp(type, "metadata") && arc_ct_is(ct, ARC_CT_FINDINGS)) {
			ls_ent_t *e = find_id(l, warc_rec_get(&rec, "WARC-Refers-To"));
			json_t *j = e ? json_loadb((const char *)rec.block, rec.block_len, 0, NULL) : NULL;
			if (j) {
				/* count personal data only: dox keywords are signals for the
				 * verdict, and counting them would put numbers on harmless pages */
				json_t *f = json_object_get(j, "findings"), *x;
				size_t k;
				e->findings = 0;
				json_array_foreach(f, k, x) {
					const char *ft = json_string_value(json_object_get(x, "type"));
					if (!ft || strcmp(ft, "dox_keyword"))
						e->findings++;
				}
				e->doxing = json_is_true(json_object_get(json_object_get(j, "verdict"), "doxing"));
				json_decref(j);
			}
		} else if (type && !strcmp(type, "metadata") && arc_ct_is(ct, ARC_CT_CAPTURE)) {
			const char *to = warc_rec_get(&rec, "WARC-Concurrent-To");
			json_t *j = json_loadb((const char *)rec.block, rec.block_len, 0, NULL);
			if (!j)
				continue;
			if (to) {
				ls_ent_t *e = find_id(l, to);
				if (e && json_is_boolean(json_object_get(j, "complete")))
					e->complete = json_is_true(json_object_get(j, "complete"));
				if (e)
					take_capture(e, j);
			} else {
				/* no response at all: the attempt and its error */
				ls_ent_t *e = add(l);
				if (e) {
					e->date = dupn(warc_rec_get(&rec, "WARC-Date"));
					/* the page's URL follows the record's own prefix */
					const char *u = warc_rec_get(&rec, "WARC-Target-URI");
					if (u && !strncmp(u, ARC_CAPTURE_URN, strlen(ARC_CAPTURE_URN)))
						u += strlen(ARC_CAPTURE_URN);
					e->url = dupn(u);
					e->type = dupn("error");
					e->id = dupn(warc_rec_get(&rec, "WARC-Record-ID"));
					e->file = dupn(name);
					e->offset = rec.offset;
					e->complete = 0;
					e->error = dupn(json_string_value(json_object_get(j, "error")));
					take_capture(e, j);
				}
			}
			json_decref(j);
		}
	}
	if (rc < 0)
		fprintf(stderr, "custody ls: %s (listing what came before)\n", err.msg);
	warc_reader_free(r);
	return rc < 0 ? -1 : 0;
}

static void print_json(const ls_t *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const ls_ent_t *e = &l->v[i];
		json_t *o = json_object();
		json_object_set_new(o, "date", json_string(e->date));
		json_object_set_new(o, "status", e->status ? json_integer(e->status) : json_null());
		json_object_set_new(o, "size", json_integer((json_int_t)e->size));
		json_object_set_new(o, "url", json_string(e->url));
		json_object_set_new(o, "type", json_string(e->type));
		json_object_set_new(o, "record", json_string(e->id));
		json_object_set_new(o, "file", json_string(e->file));
		json_object_set_new(o, "offset", json_integer((json_int_t)e->offset));
		json_object_set_new(o, "complete", e->complete < 0 ? json_null() : json_boolean(e->complete));
		json_object_set_new(o, "findings", e->findings < 0 ? json_null() : json_integer(e->findings));
		json_object_set_new(o, "doxing", json_boolean(e->doxing));
		if (e->error)
			json_object_set_new(o, "error", json_string(e->error));
		/* the shape of `custody crawl --log` lines, so scripts read both alike */
		json_object_set_new(o, "final_url", json_string(e->location && *e->location ? e->location : e->url));
		json_object_set_new(o, "bytes", e->bytes >= 0 ? json_integer(e->bytes) : json_integer((json_int_t)e->size));
		json_object_set_new(o, "ms", e->ms >= 0 ? json_integer(e->ms) : json_null());
		json_object_set_new(o, "outcome", json_string(outcome(e)));
		json_object_set_new(o, "request_record", e->request && *e->request ? json_string(e->request) : json_null());
		json_object_set_new(o, "response_record", strcmp(e->type, "error") ? json_string(e->id) : json_null());
		json_object_set_new(o, "message", e->error && *e->error ? json_string(e->error) : json_null());
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s)
			puts(s);
		free(s);
		json_decref(o);
	}
}

static void print_table(const ls_t *l)
{
	printf("%-19s  %6s  %10s  %-17s  %s\n", "TIME (UTC)", "STATUS", "SIZE", "FINDINGS", "URL");
	for (size_t i = 0; i < l->n; i++) {
		const ls_ent_t *e = &l->v[i];
		char when[20], status[8], fnd[40];
		/* "2026-11-25T17:06:23.123456Z" -> "2026-11-25 17:06:23" */
		snprintf(when, sizeof when, "%.19s", e->date);
		if (strlen(when) > 10 && when[10] == 'T')
			when[10] = ' ';
		if (e->status)
			snprintf(status, sizeof status, "%d", e->status);
		else
			snprintf(status, sizeof status, "ERR");
		if (e->findings < 0)
			snprintf(fnd, sizeof fnd, "-");
		else
			snprintf(fnd, sizeof fnd, "%d%s", e->findings, e->doxing ? " DOXING" : "");
		printf("%-19s  %6s  %10llu  %-17s  %s", when, status, (unsigned long long)e->size, fnd, e->url);
		if (!strcmp(e->type, "revisit"))
			printf("  (revisit)");
		if (e->error)
			printf("  [%s]", e->error);
		else if (e->complete == 0)
			printf("  INCOMPLETE");
		putchar('\n');
	}
}

int cmd_ls(int argc, char **argv)
{
	ls_t l;
	memset(&l, 0, sizeof l);
	int first = 0;
	int rc = cli_parse(&ls_cmd, argc, argv, ls_on_opt, &l, &first);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (first != argc - 1) {
		fprintf(stderr, "custody ls: give one CASE_DIR\nTry 'custody ls --help' for the options.\n");
		return 2;
	}
	const char *dir = argv[first];
	arc_case_files_t files;
	arc_error_t err;
	if (arc_case_files(dir, &files, &err) != ARC_OK) {
		fprintf(stderr, "custody ls: %s\n", err.msg);
		return 2;
	}
	if (!files.n) {
		fprintf(stderr, "custody ls: %s holds no capture-*.warc.zst files: not a case directory?\n", dir);
		arc_case_files_free(&files);
		return 2;
	}
	int bad = 0;
	for (size_t i = 0; i < files.n; i++)
		if (read_file(&l, dir, files.v[i].name))
			bad = 1;
	/* a revisit's findings are those of the record holding the same payload */
	for (size_t i = 0; i < l.n; i++) {
		ls_ent_t *orig = l.v[i].refers ? find_id(&l, l.v[i].refers) : NULL;
		if (orig && l.v[i].findings < 0) {
			l.v[i].findings = orig->findings;
			l.v[i].doxing = orig->doxing;
		}
	}
	if (l.json)
		print_json(&l);
	else
		print_table(&l);
	arc_case_files_free(&files);
	for (size_t i = 0; i < l.n; i++) {
		ls_ent_t *e = &l.v[i];
		free(e->date);
		free(e->url);
		free(e->type);
		free(e->id);
		free(e->file);
		free(e->error);
		free(e->refers);
		free(e->location);
		free(e->request);
		free(e->truncated);
	}
	free(l.v);
	return bad ? 1 : 0;
}
