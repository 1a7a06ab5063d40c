/*
 * cmd_watch.c — `custody watch`: revisit pages on a schedule into one case
 * (crawler/watch/ does a round; this file schedules rounds, prints, logs and
 * runs --on-alert).
 *
 * Output: one JSON line per alert on stdout (and in --log), a line per round
 * on stderr. Exit status: 0 the rounds ran (pages that could not be reached
 * are recorded, not errors), 2 usage error, the case is being watched
 * already, or the case could not be written.
 *
 * Must never print or log the value of a watched identifier (only finding
 * types leave the library), write to the case itself, or run --on-alert
 * with anything but the event on its standard input.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cmd.h"
#include "crawler.h"
#include "keys.h"
#include "watch/watch.h"

static const cli_opt_t watch_opts[] = {
	{"output", 'o', "CASE_DIR", "The case to watch into (created if missing). Restarting the same command "
	                            "continues it with the next round. Required."},
	{"every", 0, "DURATION", "Start a round every DURATION: a number with s, m, h or d (30s, 10m, 1h, 1d; "
	                         "0s: one round after the other, for tests). Required."},
	{"jitter", 0, "PERCENT", "Vary each wait by up to PERCENT of --every, at random (default 10), so that "
	                         "the visits do not fall on the same second each time."},
	{"rounds", 0, "N", "Stop after N rounds of this run (default: no limit)."},
	{"until", 0, "TIME", "Start no round after TIME (UTC, YYYY-MM-DDThh:mm:ssZ)."},
	{"seeds", 0, "FILE", "Watch the URLs in FILE, one per line (# comments)."},
	{"doxing-of", 0, "CASE2", "Watch every page of CASE2 whose last capture was judged doxing."},
	{"depth", 'd', "N", "Follow links up to N hops from a URL each round, as crawl does (default 0: only the "
	                    "URLs given; 1 picks up a board's or a search page's new threads)."},
	{"scope", 0, "MODE", "Which links to follow: host (default), domain, prefix, seeds (as in crawl)."},
	{"include", 0, "REGEX", "Follow only links matching REGEX (repeatable)."},
	{"exclude", 0, "REGEX", "Do not follow links matching REGEX (repeatable)."},
	{"max-pages", 0, "N", "Fetch at most N pages per round (default no limit)."},
	{"delay", 0, "MS", "Wait at least MS milliseconds between two requests to one site (default 500)."},
	{"per-host", 0, "N", "Requests to one site at once (default 1)."},
	{"concurrency", 'c', "N", "Transfers at once over all sites (default 8)."},
	{"retries", 0, "N", "Ask again at most N times after 429 or 503, after the server's Retry-After "
	                    "(default 2). A site none of whose pages answered is also left out of the next "
	                    "1, 3, 7 ... rounds (backoff; the watch record lists it)."},
	{"timeout", 0, "SECONDS", "Give up one request after SECONDS (default 60)."},
	{"connect-timeout", 0, "SECONDS", "Give up connecting after SECONDS (default 15)."},
	{"threads", 0, "N", "Detection threads (as in crawl)."},
	{"ignore-robots", 0, NULL, "Do not fetch or obey robots.txt."},
	{"insecure", 'k', NULL, "Capture even when TLS verification fails (recorded either way)."},
	{"ca-file", 0, "FILE", "Verify TLS servers against FILE (PEM)."},
	{"user-agent", 'A', "STRING", "User-Agent header."},
	{"rules", 0, "FILE", "Detection rules (default: built in)."},
	{"removal-rules", 0, "FILE", "Removal-notice rules (default: the built-in copy of "
	                             "samples/rules/removal.rules)."},
	{"watch", 0, "FILE", "Watchlist of salted hashes (`custody watch-hash`): a page that newly exposes one "
	                     "of its identifiers raises an alert. Without it, only a page that turns from "
	                     "not doxing to doxing does."},
	{"on-alert", 0, "CMD", "Run CMD (with /bin/sh -c) for every alert, the alert's JSON on its standard "
	                       "input: mail, SMS or a messenger. It gets at most 60 s."},
	{"log", 0, "FILE", "Append one JSON line per URL visited (as crawl --log, with the round), per round "
	                   "and per alert to FILE."},
	{"key", 0, "FILE", "Sign the seals with this key (default: the key `custody keygen` made)."},
	{"cert", 0, "FILE", "The key's certificate."},
	{"pass-file", 0, "FILE", "The key's passphrase file."},
	{"tsa", 0, "URL", "RFC 3161 time-stamp authority for every seal (repeatable): each round's visits get "
	                  "their trusted time from it."},
	{"note", 0, "TEXT", "A case note for the warcinfo records."},
	{"quiet", 'q', NULL, "No line per round."},
	{0},
};

static const cli_cmd_t watch_cmd = {
	"watch",
	"custody watch -o CASE_DIR --every DURATION [--rounds N | --until TIME] (URL... | --seeds FILE | --doxing-of CASE2)",
	"Revisit pages on a schedule into one case, to prove how long a page stayed up and when it was "
	"removed, and to warn when watched data appears somewhere new. Each round is a crawl round into the "
	"same case: an unchanged page is written as a revisit record (small), a changed page as a new response "
	"with its findings, a removed page as what the server answered (404, 410, a redirect to a login or home "
	"page, or a page whose text says it was removed). Each round ends with the case closed (a closing "
	"seal); the next round reopens it. A round the network failed is recorded as such (a watch record), "
	"never as a removal. `custody timeline CASE_DIR` tells the story per URL.\n\n"
	"One watcher per case: a second one is refused. Stopping (Ctrl-C, SIGTERM) ends the current round "
	"cleanly; after a crash (kill -9, power loss) the same command continues the case.\n\n"
	"Exit status: 0 done, 2 usage error, the case is watched already or could not be written.",
	watch_opts,
	"custody watch -o case1 --every 1h https://forum.example/thread/123\n"
	"custody watch -o case1 --every 10m --depth 1 --watch victim.watch --on-alert 'mail -s alert me@example.org' https://forum.example/board/7\n"
	"custody timeline case1\n",
	"output every rounds seeds depth scope watch on-alert tsa",
};

typedef struct {
	const char **v;
	size_t n, cap;
} strlist_t;

static int strlist_add(strlist_t *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		const char **nv = realloc(l->v, cap * sizeof *nv);
		if (!nv)
			return 2;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return 0;
}

typedef struct {
	watch_opts_t wo;
	strlist_t seeds, owned, include, exclude;
	const char *doxing_of, *on_alert, *key, *cert, *pass_file;
	const char *tsa[SEAL_MAX_TOKENS];
	size_t ntsa;
	int64_t every, until;
	long long rounds;
	int jitter, quiet;
	FILE *log;
	uint32_t round;
	char *cmdline;
} watch_cli_t;

static volatile int g_stop;

static void on_sig(int sig)
{
	g_stop = 1;
	signal(sig, SIG_DFL);
}

static int parse_num(const char *opt, const char *s, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "custody watch: --%s wants a number from %lld to %lld, not '%s'\n", opt, min, max, s);
		return 2;
	}
	*out = v;
	return 0;
}

static int parse_duration(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	long long mul = 1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mul = 60, end++;
	else if (*end == 'h')
		mul = 3600, end++;
	else if (*end == 'd')
		mul = 86400, end++;
	if (errno || end == s || *end || v < 0 || v > 366LL * 86400 / mul) {
		fprintf(stderr, "custody watch: --every wants a duration like 30s, 10m, 1h or 1d, not '%s'\n", s);
		return 2;
	}
	*out = v * mul;
	return 0;
}

static int read_seeds(watch_cli_t *c, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "custody watch: cannot read seeds file %s: %s\n", path, strerror(errno));
		return 2;
	}
	char line[8192];
	int rc = 0;
	while (fgets(line, sizeof line, f)) {
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, "\r\n");
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		p[len] = '\0';
		if (!*p || *p == '#')
			continue;
		char *u = strdup(p);
		if (!u || strlist_add(&c->seeds, u) || strlist_add(&c->owned, u)) {
			rc = 2;
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

static int on_opt(void *ctx, const char *name, const char *arg)
{
	watch_cli_t *c = ctx;
	crawl_opts_t *o = &c->wo.crawl;
	long long v;
	int rc = 0;
	if (!strcmp(name, "output"))
		o->case_dir = arg;
	else if (!strcmp(name, "every"))
		rc = parse_duration(arg, &c->every);
	else if (!strcmp(name, "jitter") && !(rc = parse_num(name, arg, 0, 50, &v)))
		c->jitter = (int)v;
	else if (!strcmp(name, "rounds") && !(rc = parse_num(name, arg, 1, INT64_MAX, &v)))
		c->rounds = v;
	else if (!strcmp(name, "until")) {
		if (seal_time_parse(arg, strlen(arg), &c->until)) {
			fprintf(stderr, "custody watch: --until wants YYYY-MM-DDThh:mm:ssZ (UTC), not '%s'\n", arg);
			rc = 2;
		}
	} else if (!strcmp(name, "seeds"))
		rc = read_seeds(c, arg);
	else if (!strcmp(name, "doxing-of"))
		c->doxing_of = arg;
	else if (!strcmp(name, "depth") && !(rc = parse_num(name, arg, 0, 1000, &v)))
		o->depth = (int)v;
	else if (!strcmp(name, "scope")) {
		if (!strcmp(arg, "host"))
			o->scope = CRAWL_SCOPE_HOST;
		else if (!strcmp(arg, "domain"))
			o->scope = CRAWL_SCOPE_DOMAIN;
		else if (!strcmp(arg, "prefix"))
			o->scope = CRAWL_SCOPE_PREFIX;
		else if (!strcmp(arg, "seeds"))
			o->scope = CRAWL_SCOPE_SEEDS;
		else {
			fprintf(stderr, "custody watch: --scope is host, domain, prefix or seeds, not '%s'\n", arg);
			rc = 2;
		}
	} else if (!strcmp(name, "include"))
		rc = strlist_add(&c->include, arg);
	else if (!strcmp(name, "exclude"))
		rc = strlist_add(&c->exclude, arg);
	else if (!strcmp(name, "max-pages") && !(rc = parse_num(name, arg, 0, INT64_MAX, &v)))
		o->max_pages = (uint64_t)v;
	else if (!strcmp(name, "delay") && !(rc = parse_num(name, arg, 0, 3600000, &v)))
		o->delay_ms = (long)v;
	else if (!strcmp(name, "per-host") && !(rc = parse_num(name, arg, 1, 256, &v)))
		o->per_host = (int)v;
	else if (!strcmp(name, "concurrency") && !(rc = parse_num(name, arg, 1, 256, &v)))
		o->concurrency = (int)v;
	else if (!strcmp(name, "retries") && !(rc = parse_num(name, arg, 0, 20, &v)))
		o->retries = (int)v;
	else if (!strcmp(name, "timeout") && !(rc = parse_num(name, arg, 1, 86400, &v)))
		o->timeout_s = (long)v;
	else if (!strcmp(name, "connect-timeout") && !(rc = parse_num(name, arg, 1, 3600, &v)))
		o->connect_timeout_s = (long)v;
	else if (!strcmp(name, "threads") && !(rc = parse_num(name, arg, 0, 64, &v)))
		o->threads = (int)v;
	else if (!strcmp(name, "ignore-robots"))
		o->ignore_robots = 1;
	else if (!strcmp(name, "insecure"))
		o->insecure = 1;
	else if (!strcmp(name, "ca-file"))
		o->ca_file = arg;
	else if (!strcmp(name, "user-agent"))
		o->user_agent = arg;
	else if (!strcmp(name, "rules"))
		o->rules_path = arg;
	else if (!strcmp(name, "removal-rules"))
		c->wo.removal_rules = arg;
	else if (!strcmp(name, "watch"))
		o->watch_path = arg;
	else if (!strcmp(name, "on-alert"))
		c->on_alert = arg;
	else if (!strcmp(name, "log")) {
		if (c->log && c->log != stdout)
			fclose(c->log);
		c->log = strcmp(arg, "-") ? fopen(arg, "a") : stdout;
		if (!c->log) {
			fprintf(stderr, "custody watch: cannot write the log %s: %s\n", arg, strerror(errno));
			rc = 2;
		}
	} else if (!strcmp(name, "key"))
		c->key = arg;
	else if (!strcmp(name, "cert"))
		c->cert = arg;
	else if (!strcmp(name, "pass-file"))
		c->pass_file = arg;
	else if (!strcmp(name, "tsa")) {
		if (c->ntsa >= SEAL_MAX_TOKENS || (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))) {
			fprintf(stderr, "custody watch: --tsa wants an http:// or https:// URL (at most %d), not '%s'\n",
			        SEAL_MAX_TOKENS, arg);
			rc = 2;
		} else {
			c->tsa[c->ntsa++] = arg;
		}
	} else if (!strcmp(name, "note"))
		o->note = arg;
	else if (!strcmp(name, "quiet"))
		c->quiet = 1;
	return rc;
}

static void log_line(watch_cli_t *c, json_t *o)
{
	char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line && c->log) {
		fprintf(c->log, "%s\n", line);
		fflush(c->log);
	}
	free(line);
}

static void on_event(void *ctx, const crawl_event_t *ev)
{
	watch_cli_t *c = ctx;
	if (c->log && ev->outcome && ev->url) {
		json_t *o = json_object();
		json_object_set_new(o, "kind", json_string("visit"));
		json_object_set_new(o, "round", json_integer(c->round));
		json_object_set_new(o, "url", json_string(ev->url));
		json_object_set_new(o, "status", ev->status ? json_integer(ev->status) : json_null());
		json_object_set_new(o, "outcome", json_string(ev->outcome));
		json_object_set_new(o, "response_record",
		                    ev->response_record ? json_string(ev->response_record) : json_null());
		json_object_set_new(o, "findings", ev->personal >= 0 ? json_integer(ev->personal) : json_null());
		json_object_set_new(o, "doxing", json_boolean(ev->doxing));
		json_object_set_new(o, "message", ev->message ? json_string(ev->message) : json_null());
		log_line(c, o);
		json_decref(o);
	}
	if (ev->kind == CRAWL_EV_ERROR && !ev->url && !c->quiet)
		fprintf(stderr, "custody watch: %s\n", ev->message ? ev->message : "failed");
}

/* --on-alert: the event on the command's standard input; 60 s at most. */
static void run_on_alert(const char *cmd, const char *event, size_t len)
{
	int p[2];
	if (pipe(p)) {
		fprintf(stderr, "custody watch: --on-alert: %s\n", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "custody watch: --on-alert: %s\n", strerror(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[1]);
		if (dup2(p[0], 0) < 0)
			_exit(127);
		close(p[0]);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(p[1], event + off, len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	(void)!write(p[1], "\n", 1);
	close(p[1]);
	int status = 0;
	for (int i = 0; i < 600; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0)
			return;
		if (i == 599) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fprintf(stderr, "custody watch: --on-alert command killed after 60 s\n");
			return;
		}
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "custody watch: --on-alert command failed (status %d)\n",
		        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* One alert out (stdout, --log, --on-alert), then marked delivered: it is in
 * the case already, so a kill before the mark delivers it again at restart. */
static void deliver(watch_cli_t *c, watch_t *w, const watch_alert_t *a)
{
	arc_buf_t ev = {0};
	if (watch_alert_json(a, &ev) == 0) {
		fwrite(ev.data, 1, ev.len, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		if (c->log) {
			fwrite(ev.data, 1, ev.len, c->log);
			fputc('\n', c->log);
			fflush(c->log);
		}
		if (c->on_alert)
			run_on_alert(c->on_alert, (const char *)ev.data, ev.len);
		arc_error_t err;
		memset(&err, 0, sizeof err);
		if (watch_delivered(w, a, &err))
			fprintf(stderr, "custody watch: %s (the alert may be delivered again at restart)\n", err.msg);
	}
	arc_buf_free(&ev);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep until t (wall clock), waking for Ctrl-C / SIGTERM. */
static void sleep_until(double t)
{
	while (!g_stop) {
		double left = t - now_s();
		if (left <= 0)
			break;
		if (left > 0.2)
			left = 0.2;
		struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
		nanosleep(&ts, NULL);
	}
}

static char *join_args(int argc, char **argv)
{
	arc_buf_t b = {0};
	arc_buf_printf(&b, "custody");
	for (int i = 0; i < argc; i++) {
		if (strpbrk(argv[i], " \t'\"\n\r") || !argv[i][0]) {
			arc_buf_printf(&b, " '");
			for (const char *p = argv[i]; *p; p++)
				if (*p == '\'')
					arc_buf_printf(&b, "'\\''");
				else if (*p == '\n' || *p == '\r')
					arc_buf_printf(&b, " ");
				else
					arc_buf_append(&b, p, 1);
			arc_buf_printf(&b, "'");
		} else {
			arc_buf_printf(&b, " %s", argv[i]);
		}
	}
	if (arc_buf_append(&b, "", 1)) {
		arc_buf_free(&b);
		return NULL;
	}
	return (char *)b.data;
}

int cmd_watch(int argc, char **argv)
{
	watch_cli_t c;
	memset(&c, 0, sizeof c);
	crawl_opts_init(&c.wo.crawl);
	crawl_opts_t *o = &c.wo.crawl;
	/* gentle by default: one request at a time per site, half a second apart */
	o->depth = 0;
	o->per_host = 1;
	o->delay_ms = 500;
	c.jitter = 10;
	c.every = -1;
	int first = 0, rc = cli_parse(&watch_cmd, argc, argv, on_opt, &c, &first);
	seal_signer_t *signer = NULL;
	watch_t *w = NULL;
	if (rc) {
		rc = rc == 1 ? 0 : 2;
		goto out;
	}
	for (int i = first; i < argc; i++)
		strlist_add(&c.seeds, argv[i]);
	if (c.doxing_of) {
		char **urls = NULL;
		size_t n = 0;
		arc_error_t err;
		if (watch_doxing_urls(c.doxing_of, &urls, &n, &err)) {
			fprintf(stderr, "custody watch: --doxing-of: %s\n", err.msg);
			rc = 2;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			strlist_add(&c.seeds, urls[i]);
			strlist_add(&c.owned, urls[i]);
		}
		free(urls);
	}
	if (!o->case_dir || !c.seeds.n || c.every < 0) {
		fprintf(stderr, "custody watch: %s\nTry 'custody watch --help' for the options.\n",
		        !o->case_dir ? "-o CASE_DIR is required" : c.every < 0 ? "--every DURATION is required"
		                                                         : "no URL given (URL..., --seeds or --doxing-of)");
		rc = 2;
		goto out;
	}
	c.cmdline = join_args(argc, argv);
	o->command_line = c.cmdline;
	o->seeds = c.seeds.v;
	o->nseeds = c.seeds.n;
	o->include = c.include.v;
	o->ninclude = c.include.n;
	o->exclude = c.exclude.v;
	o->nexclude = c.exclude.n;
	o->stop = &g_stop;
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	signal(SIGPIPE, SIG_IGN);
	int used_default = 0;
	if (keys_load("watch", c.key, c.cert, c.pass_file, &signer, &used_default)) {
		rc = 2;
		goto out;
	}
	o->signer = signer;
	o->tsa_urls = c.tsa;
	o->ntsa = c.ntsa;
	if (!c.quiet && !signer)
		fprintf(stderr, "custody watch: no signing key: the case will be UNSIGNED (run `custody keygen` "
		                "once to sign every case)\n");
	if (!c.quiet && signer && !c.ntsa)
		fprintf(stderr, "custody watch: no --tsa: the visits get no trusted time\n");

	arc_error_t err;
	memset(&err, 0, sizeof err);
	if (!(w = watch_open(&c.wo, &err))) {
		fprintf(stderr, "custody watch: %s\n", err.msg);
		rc = 2;
		goto out;
	}
	const watch_alert_t *late = NULL;
	size_t nlate = watch_undelivered(w, &late);
	if (nlate && !c.quiet)
		fprintf(stderr, "custody watch: %zu alert%s recorded by an earlier run but not delivered: "
		        "delivering now\n", nlate, nlate == 1 ? "" : "s");
	for (size_t i = 0; i < nlate; i++)
		deliver(&c, w, &late[i]);
	srandom((unsigned)(getpid() ^ (unsigned)time(NULL)));
	for (long long done = 0; !g_stop && (!c.rounds || done < c.rounds); done++) {
		double start = now_s();
		if (c.until && start >= (double)c.until)
			break;
		watch_round_t r;
		c.round = watch_next_round(w);
		int wrc = watch_round(w, &r, on_event, &c, &err);
		if (wrc < 0) {
			fprintf(stderr, "custody watch: round %" PRIu32 ": %s\n", c.round,
			        err.msg[0] ? err.msg : arc_strerror(wrc));
			watch_round_free(&r);
			rc = 2;
			break;
		}
		for (size_t i = 0; i < r.nalerts; i++)
			deliver(&c, w, &r.alerts[i]);
		if (c.log) {
			json_t *lo = json_object();
			json_object_set_new(lo, "kind", json_string(r.ran ? "round" : "backoff"));
			json_object_set_new(lo, "round", json_integer(r.round));
			json_object_set_new(lo, "fetched", json_integer((json_int_t)r.crawl.fetched));
			json_object_set_new(lo, "revisits", json_integer((json_int_t)r.crawl.revisits));
			json_object_set_new(lo, "present", json_integer((json_int_t)r.present));
			json_object_set_new(lo, "removed", json_integer((json_int_t)r.removed));
			json_object_set_new(lo, "unreachable", json_integer((json_int_t)r.unreachable));
			json_object_set_new(lo, "unavailable", json_integer((json_int_t)r.unavailable));
			json_object_set_new(lo, "backoff", json_integer((json_int_t)r.backoff));
			json_object_set_new(lo, "alerts", json_integer((json_int_t)r.nalerts));
			json_object_set_new(lo, "seconds", json_real(r.crawl.seconds));
			log_line(&c, lo);
			json_decref(lo);
		}
		if (!c.quiet && !r.ran)
			fprintf(stderr, "custody watch: every site is backing off after failing; nothing fetched "
			                "this time\n");
		else if (!c.quiet)
			fprintf(stderr, "custody watch: round %" PRIu32 ": %" PRIu64 " present, %" PRIu64 " removed, %"
			        PRIu64 " moved, %" PRIu64 " unavailable, %" PRIu64 " unreachable%s; %" PRIu64
			        " fetched, %" PRIu64 " revisits; %zu alert%s; %.1fs\n",
			        r.round, r.present, r.removed, r.moved, r.unavailable, r.unreachable,
			        r.backoff ? " (some sites backing off)" : "", r.crawl.fetched, r.crawl.revisits,
			        r.nalerts, r.nalerts == 1 ? "" : "s", r.crawl.seconds);
		watch_round_free(&r);
		if (c.rounds && done + 1 >= c.rounds)
			break;
		double j = c.jitter ? ((double)random() / RAND_MAX * 2 - 1) * c.jitter / 100.0 : 0;
		sleep_until(start + (double)c.every * (1 + j));
	}
	if (g_stop && !c.quiet)
		fprintf(stderr, "custody watch: stopped; the case was closed cleanly\n");
out:
	watch_close(w);
	seal_signer_free(signer);
	for (size_t i = 0; i < c.owned.n; i++)
		free((char *)c.owned.v[i]);
	free(c.owned.v);
	free(c.seeds.v);
	free(c.include.v);
	free(c.exclude.v);
	free(c.cmdline);
	if (c.log && c.log != stdout)
		fclose(c.log);
	return rc;
}
