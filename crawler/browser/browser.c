/*
 * browser.c — Debian's chromium, headless, driven over the DevTools pipe for
 * browser capture (custody crawl --browser).
 *
 * chromium is started with --remote-debugging-pipe: it reads commands from
 * fd 3 and writes replies and events to fd 4, each message one JSON text
 * ended by a NUL byte (parsed and built with jansson). We give it two
 * socketpairs rather than pipes so that writing to a chromium that died is an
 * error (send with MSG_NOSIGNAL), not a SIGPIPE for the whole crawl. It runs in
 * a process group of its own (so stop can kill its helpers too), with a
 * throw-away profile made by mkdtemp and removed at stop, and with every other
 * descriptor of ours closed (the proxy's sockets must not live on in it).
 *
 * Per page (crawl_browser_render): a new target, attached with a flat
 * session; Page and Network events tell when the load event fired and which
 * requests are in flight; "settled" means no request in flight for idle_ms
 * within settle_ms of the navigation. Then a bounded number of scroll steps
 * (lazy content), back to the top, and the collection: a full-page PNG
 * (height bounded by BROWSER_MAX_SHOT_PX), the DOM with shadow roots
 * (DOM.getOuterHTML includeShadowDOM, which writes them as <template
 * shadowrootmode="open">), optionally a PDF. Every wait has a deadline; every
 * message is bounded by BROWSER_MAX_MSG.
 *
 * Threading: a crawl_browser_t belongs to one thread at a time; nothing here
 * is global. render() blocks: the crawl calls it from a thread of its own.
 *
 * Must never: print, exit, leave a chromium process or its profile behind
 * after crawl_browser_stop, wait without a deadline, or accept a message
 * larger than BROWSER_MAX_MSG.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "browser.h"

extern char **environ;

/* Largest DevTools message accepted: a full-page screenshot of
 * BROWSER_MAX_SHOT_PX arrives base64-encoded in one message. */
#define BROWSER_MAX_MSG ((size_t)64 << 20)
/* Tallest screenshot taken (CSS pixels); taller pages are cut and flagged. */
#define BROWSER_MAX_SHOT_PX 16384
/* Longest the DOM or PDF is allowed to be once decoded. */
#define BROWSER_MAX_DOM ((size_t)48 << 20)
/* Requests tracked in flight per page (more count, unnamed). */
#define BROWSER_MAX_INFLIGHT 4096
/* Waiting for chromium to start and answer its first command. */
#define BROWSER_START_MS 60000
/* A single command (besides navigation waits) must be answered within this;
 * the screenshot, DOM and PDF of one page share one such deadline. */
#define BROWSER_CMD_MS 60000
/* A page must answer a trivial script within this, or it counts as hung. */
#define BROWSER_PROBE_MS 15000
/* What chromium is given at stop to exit by itself before it is killed. */
#define BROWSER_STOP_MS 3000

struct crawl_browser {
	pid_t pid;             /* 0 once reaped */
	pid_t pgid;            /* its process group (helpers included), 0 none */
	int to_chrome;         /* our end of fd 3 */
	int from_chrome;       /* our end of fd 4 */
	char *profile;         /* mkdtemp'd, removed at stop */
	char *tmpdir;          /* chromium's TMPDIR when the profile's path is too long for it
	                          (chromium_env), mkdtemp'd under /tmp, removed at stop; or NULL */
	char *flags;           /* the command line, for warcinfo */
	char version[128];
	long next_id;
	int dead;              /* the pipe broke or chromium exited */
	unsigned char *rbuf;   /* bytes read, not yet split into messages */
	size_t rlen, rcap;
	crawl_browser_opts_t o;
};

/* What the events of one page tell. */
typedef struct {
	crawl_browser_t *b;      /* to answer dialogs (NULL: replay, no answers) */
	const char *session;
	char frame[128];         /* main frame id */
	char **ids;              /* requestIds in flight (owned), at most BROWSER_MAX_INFLIGHT */
	size_t nids;
	size_t unnamed;          /* in flight beyond BROWSER_MAX_INFLIGHT */
	int load_fired;
	int dialogs;             /* alert/confirm/prompt dismissed */
	int status;
	long long last_change;   /* ms: a request started or ended */
} page_state_t;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- messages */

/* The next complete message in b->rbuf (NUL-terminated), parsed. 1 got one,
 * 0 none complete yet, <0 malformed. */
static int take_message(crawl_browser_t *b, json_t **out, arc_error_t *err)
{
	unsigned char *nul = b->rlen ? memchr(b->rbuf, '\0', b->rlen) : NULL;
	if (!nul) {
		if (b->rlen > BROWSER_MAX_MSG)
			return arc_fail(err, ARC_ELIMIT, "", 0, "", "chromium sent a DevTools message "
			                "larger than %zu MiB", BROWSER_MAX_MSG >> 20);
		return 0;
	}
	size_t n = (size_t)(nul - b->rbuf);
	json_error_t je;
	json_t *j = json_loadb((const char *)b->rbuf, n, JSON_ALLOW_NUL, &je);
	memmove(b->rbuf, nul + 1, b->rlen - n - 1);
	b->rlen -= n + 1;
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return arc_fail(err, ARC_EFORMAT, "", 0, "", "chromium sent a DevTools message that "
		                "is not a JSON object: %s", je.text);
	}
	*out = j;
	return 1;
}

/* Reap chromium if it exited; a message saying how. */
static void exit_status(crawl_browser_t *b, char *out, size_t outsz)
{
	int st = 0;
	snprintf(out, outsz, "chromium closed the DevTools pipe");
	if (b->pid <= 0)
		return;
	for (int i = 0; i < 50; i++) { /* it closes the pipe as it exits: give it 0.5 s */
		pid_t r = waitpid(b->pid, &st, WNOHANG);
		if (r == b->pid) {
			b->pid = 0;
			if (WIFSIGNALED(st))
				snprintf(out, outsz, "chromium crashed (signal %d)", WTERMSIG(st));
			else
				snprintf(out, outsz, "chromium exited with status %d", WEXITSTATUS(st));
			return;
		}
		if (r < 0)
			return;
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
}

/* Read what chromium has sent, waiting until deadline (ms, monotonic) at most.
 * 0 read something or the deadline passed (*timeout set), <0 pipe broken. */
static int read_some(crawl_browser_t *b, long long deadline, int *timeout, arc_error_t *err)
{
	*timeout = 0;
	long long left = deadline - now_ms();
	if (left <= 0) {
		*timeout = 1;
		return 0;
	}
	struct pollfd p = {.fd = b->from_chrome, .events = POLLIN};
	int pr = poll(&p, 1, left > 1000 ? 1000 : (int)left);
	if (pr < 0 && errno == EINTR)
		return 0;
	if (pr < 0)
		return arc_fail(err, ARC_EIO, "", 0, "", "poll on the DevTools pipe: %s", strerror(errno));
	if (pr == 0)
		return 0;
	if (b->rcap - b->rlen < 65536) {
		size_t cap = b->rcap ? b->rcap * 2 : 1 << 20;
		if (cap > BROWSER_MAX_MSG + (1 << 20))
			cap = BROWSER_MAX_MSG + (1 << 20);
		if (cap <= b->rlen + 1)
			return arc_fail(err, ARC_ELIMIT, "", 0, "", "chromium sent a DevTools message "
			                "larger than %zu MiB", BROWSER_MAX_MSG >> 20);
		unsigned char *nb = realloc(b->rbuf, cap);
		if (!nb)
			return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory reading from chromium");
		b->rbuf = nb;
		b->rcap = cap;
	}
	ssize_t r = read(b->from_chrome, b->rbuf + b->rlen, b->rcap - b->rlen);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0) {
		char why[128];
		b->dead = 1;
		exit_status(b, why, sizeof why);
		return arc_fail(err, ARC_EIO, "", 0, "", "%s%s%s", why, r < 0 ? ": " : "",
		                r < 0 ? strerror(errno) : "");
	}
	b->rlen += (size_t)r;
	return 0;
}

static int send_all(crawl_browser_t *b, const char *s, size_t n, long long deadline,
                    arc_error_t *err)
{
	size_t off = 0;
	while (off < n) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return arc_fail(err, ARC_EIO, "", 0, "", "chromium does not read its DevTools pipe");
		struct pollfd p = {.fd = b->to_chrome, .events = POLLOUT};
		int pr = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (pr <= 0)
			continue;
		ssize_t w = send(b->to_chrome, s + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w < 0) {
			char why[128];
			b->dead = 1;
			exit_status(b, why, sizeof why);
			return arc_fail(err, ARC_EIO, "", 0, "", "%s: %s", why, strerror(errno));
		}
		off += (size_t)w;
	}
	return 0;
}

static void page_event(page_state_t *ps, json_t *m);

/* Send method(params) in session (NULL: the browser), wait for its answer
 * until deadline; events met meanwhile go to ps (may be NULL). params is
 * stolen. *result (may be NULL) gets the "result" object (caller decrefs).
 * An error answer gives ARC_EINVAL with chromium's message. */
static int cdp_call(crawl_browser_t *b, page_state_t *ps, const char *session, const char *method,
                    json_t *params, long long deadline, json_t **result, arc_error_t *err)
{
	if (result)
		*result = NULL;
	if (b->dead) {
		json_decref(params);
		return arc_fail(err, ARC_EIO, "", 0, "", "chromium is no longer running");
	}
	long id = ++b->next_id;
	json_t *msg = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "method", method,
	                        "params", params ? params : json_object());
	if (msg && session)
		json_object_set_new(msg, "sessionId", json_string(session));
	char *s = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	if (!s)
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory building %s", method);
	int rc = send_all(b, s, strlen(s) + 1, deadline, err); /* the NUL ends the message */
	free(s);
	if (rc)
		return rc;
	for (;;) {
		json_t *m = NULL;
		rc = take_message(b, &m, err);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			int timeout;
			if ((rc = read_some(b, deadline, &timeout, err)))
				return rc;
			if (timeout)
				return arc_fail(err, ARC_EIO, "", 0, "", "chromium did not answer %s in time",
				                method);
			continue;
		}
		json_t *jid = json_object_get(m, "id");
		if (!jid) {
			if (ps)
				page_event(ps, m);
			json_decref(m);
			continue;
		}
		if (json_integer_value(jid) != id) {
			json_decref(m);
			continue;
		}
		rc = 0;
		json_t *e = json_object_get(m, "error");
		if (e) {
			rc = arc_fail(err, ARC_EINVAL, "", 0, "", "chromium refused %s: %s", method,
			              json_string_value(json_object_get(e, "message"))
			                  ? json_string_value(json_object_get(e, "message")) : "error");
		} else if (result) {
			*result = json_object_get(m, "result");
			json_incref(*result);
		}
		json_decref(m);
		return rc;
	}
}

/* Handle the events already received or, when there are none, wait for more
 * until deadline (ms) at most: the callers loop on what they wait for.
 * 0, or <0 when the pipe broke. */
static int pump(crawl_browser_t *b, page_state_t *ps, long long deadline, arc_error_t *err)
{
	int got = 0;
	for (;;) {
		json_t *m = NULL;
		int rc = take_message(b, &m, err);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			if (!json_object_get(m, "id"))
				page_event(ps, m);
			json_decref(m);
			got = 1;
			continue;
		}
		if (got)
			return 0;
		int timeout;
		if ((rc = read_some(b, deadline, &timeout, err)) || timeout)
			return rc;
		got = 1; /* whatever came is handled, then back to the caller */
	}
}

/* ---------------------------------------------------------------- page events */

static size_t inflight(const page_state_t *ps)
{
	return ps->nids + ps->unnamed;
}

/* Index of a requestId in flight, or nids. */
static size_t find_id(const page_state_t *ps, const char *id)
{
	size_t i = 0;
	while (i < ps->nids && strcmp(ps->ids[i], id))
		i++;
	return i;
}

static void ids_free(page_state_t *ps)
{
	for (size_t i = 0; i < ps->nids; i++)
		free(ps->ids[i]);
	free(ps->ids);
	ps->ids = NULL;
	ps->nids = 0;
}

static void page_event(page_state_t *ps, json_t *m)
{
	const char *method = json_string_value(json_object_get(m, "method"));
	const char *sid = json_string_value(json_object_get(m, "sessionId"));
	if (!method || !sid || strcmp(sid, ps->session))
		return;
	json_t *p = json_object_get(m, "params");
	const char *rid = json_string_value(json_object_get(p, "requestId"));
	if (!strcmp(method, "Page.loadEventFired")) {
		ps->load_fired = 1;
	} else if (!strcmp(method, "Page.javascriptDialogOpening")) {
		/* an open alert() stops the page's scripts, and every evaluate with
		 * them: dismiss it at once; the answer is not waited for */
		ps->dialogs++;
		if (ps->b && !ps->b->dead) {
			json_t *msg = json_pack("{s:I, s:s, s:{s:b}, s:s}", "id", (json_int_t)++ps->b->next_id,
			                        "method", "Page.handleJavaScriptDialog", "params", "accept", 0,
			                        "sessionId", ps->session);
			char *txt = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
			arc_error_t e;
			if (txt)
				send_all(ps->b, txt, strlen(txt) + 1, now_ms() + BROWSER_CMD_MS, &e);
			free(txt);
			json_decref(msg);
		}
	} else if (!strcmp(method, "Network.requestWillBeSent") && rid) {
		/* a redirect keeps its requestId: the set counts it once */
		if (find_id(ps, rid) == ps->nids) {
			if (!ps->ids)
				ps->ids = calloc(BROWSER_MAX_INFLIGHT, sizeof *ps->ids);
			if (ps->ids && ps->nids < BROWSER_MAX_INFLIGHT && (ps->ids[ps->nids] = strdup(rid)))
				ps->nids++;
			else
				ps->unnamed++; /* counted, so idle is never declared too early */
		}
		ps->last_change = now_ms();
	} else if ((!strcmp(method, "Network.loadingFinished") ||
	            !strcmp(method, "Network.loadingFailed")) && rid) {
		size_t i = find_id(ps, rid);
		if (i < ps->nids) {
			free(ps->ids[i]);
			ps->ids[i] = ps->ids[--ps->nids];
		} else if (ps->unnamed) {
			ps->unnamed--;
		}
		ps->last_change = now_ms();
	} else if (!strcmp(method, "Network.responseReceived")) {
		const char *type = json_string_value(json_object_get(p, "type"));
		const char *fr = json_string_value(json_object_get(p, "frameId"));
		json_t *st = json_object_get(json_object_get(p, "response"), "status");
		if (type && !strcmp(type, "Document") && fr && !strcmp(fr, ps->frame) && st)
			ps->status = (int)json_number_value(st);
	}
}

/* ---------------------------------------------------------------- start / stop */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Is path an executable file? */
static int executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Which chromium to run: o->chromium, $CUSTODY_CHROMIUM, Debian's binary
 * (/usr/lib/chromium/chromium: the /usr/bin/chromium wrapper script adds flags
 * of its own from /etc/chromium.d, and then the flags we record would not be
 * the ones used), else chromium on PATH. */
static int find_chromium(const crawl_browser_opts_t *o, char *out, size_t outsz, arc_error_t *err)
{
	const char *want = o->chromium;
	if (!want || !*want)
		want = getenv("CUSTODY_CHROMIUM");
	if (want && *want) {
		if (!executable(want))
			return arc_fail(err, ARC_EINVAL, want, 0, "", "%s: no chromium there (%s): "
			                "install Debian's chromium (make bootstrap, or apt-get install "
			                "chromium)", want, access(want, F_OK) ? "not found" : "not executable");
		snprintf(out, outsz, "%s", want);
		return 0;
	}
	if (executable("/usr/lib/chromium/chromium")) {
		snprintf(out, outsz, "%s", "/usr/lib/chromium/chromium");
		return 0;
	}
	const char *path = getenv("PATH");
	while (path && *path) {
		const char *c = strchr(path, ':');
		size_t n = c ? (size_t)(c - path) : strlen(path);
		if (n && (size_t)snprintf(out, outsz, "%.*s/chromium", (int)n, path) < outsz && executable(out))
			return 0;
		path = c ? c + 1 : NULL;
	}
	out[0] = '\0';
	return arc_fail(err, ARC_EINVAL, "chromium", 0, "", "chromium is not installed: install "
	                "Debian's chromium (make bootstrap, or apt-get install chromium)");
}

/* argv, also joined with spaces into b->flags. */
typedef struct {
	char *v[48];
	int n;
	char *own[48]; /* strings to free */
	int nown;
} argv_t;

static int arg(argv_t *a, const char *s)
{
	if (a->n >= (int)(sizeof a->v / sizeof a->v[0]) - 1)
		return ARC_ELIMIT;
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
	return 0;
}

static int argf(argv_t *a, const char *name, const char *val)
{
	size_t n = strlen(name) + strlen(val) + 1;
	char *s = malloc(n);
	if (!s || a->nown >= (int)(sizeof a->own / sizeof a->own[0])) {
		free(s);
		return ARC_ENOMEM;
	}
	snprintf(s, n, "%s%s", name, val);
	a->own[a->nown++] = s;
	return arg(a, s);
}

static void argv_free(argv_t *a)
{
	for (int i = 0; i < a->nown; i++)
		free(a->own[i]);
}

/* The chromium command line (see README "Browser capture"). */
static int build_argv(crawl_browser_t *b, const char *exe, argv_t *a)
{
	char size[64];
	snprintf(size, sizeof size, "%d,%d", b->o.width, b->o.height);
	int rc = arg(a, exe) || arg(a, "--headless=new") || arg(a, "--remote-debugging-pipe") ||
	         argf(a, "--user-data-dir=", b->profile) || arg(a, "--no-first-run") ||
	         arg(a, "--no-default-browser-check") || arg(a, "--disable-background-networking") ||
	         arg(a, "--disable-component-update") || arg(a, "--disable-sync") ||
	         arg(a, "--disable-extensions") || arg(a, "--disable-default-apps") ||
	         arg(a, "--disable-breakpad") || arg(a, "--disable-crash-reporter") ||
	         arg(a, "--disable-domain-reliability") || arg(a, "--no-pings") ||
	         arg(a, "--disable-client-side-phishing-detection") ||
	         arg(a, "--metrics-recording-only") || arg(a, "--no-service-autorun") ||
	         arg(a, "--password-store=basic") || arg(a, "--use-mock-keychain") ||
	         arg(a, "--mute-audio") || arg(a, "--hide-scrollbars") ||
	         arg(a, "--disable-dev-shm-usage") ||
	         /* things that phone home, prefetch, or talk to other hosts on their own */
	         arg(a, "--disable-features=Translate,OptimizationHints,MediaRouter,"
	                "DialMediaRouteProvider,InterestFeedContentSuggestions,AutofillServerCommunication,"
	                "CertificateTransparencyComponentUpdater,NetworkPrediction,PrivacySandboxSettings4,"
	                "SafeBrowsing,BackForwardCache,DnsOverHttps,NetworkTimeServiceQuerying,"
	                "OptimizationGuideModelDownloading,OnDeviceModelService,MediaEngagementBypassAutoplayPolicies,"
	                "AccountConsistency,ChromeSignin,SigninInterceptBubble,ServiceWorker") ||
	         arg(a, "--disable-field-trial-config") ||
	         arg(a, "--disable-component-extensions-with-background-pages") ||
	         arg(a, "--dns-prefetch-disable") || arg(a, "--disable-ipc-flooding-protection") ||
	         argf(a, "--window-size=", size);
	if (rc)
		return ARC_ENOMEM;
	/* chromium's sandbox needs user namespaces that root does not get here; as
	 * root it refuses to start at all without --no-sandbox. The page still runs
	 * in its own renderer process, just not a sandboxed one. */
	if (geteuid() == 0 && arg(a, "--no-sandbox"))
		return ARC_ENOMEM;
	if (b->o.proxy) {
		/* <-loopback>: chromium sends 127.0.0.1 and localhost to the proxy too
		 * (it bypasses them by default), so loopback pages are captured as well */
		if (argf(a, "--proxy-server=", b->o.proxy) || arg(a, "--proxy-bypass-list=<-loopback>"))
			return ARC_ENOMEM;
	}
	if (b->o.spki && argf(a, "--ignore-certificate-errors-spki-list=", b->o.spki))
		return ARC_ENOMEM;
	if (arg(a, "about:blank"))
		return ARC_ENOMEM;
	arc_buf_t f = {0};
	for (int i = 0; i < a->n; i++)
		if (arc_buf_printf(&f, "%s%s", i ? " " : "", a->v[i])) {
			arc_buf_free(&f);
			return ARC_ENOMEM;
		}
	if (arc_buf_append(&f, "", 1)) {
		arc_buf_free(&f);
		return ARC_ENOMEM;
	}
	b->flags = (char *)f.data;
	return 0;
}

/* chromium's environment: the crawl's, with TMPDIR set to dir, a directory
 * of ours short enough for the Unix socket chromium makes there
 * (TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket must fit the 108 bytes
 * of sun_path, or chromium aborts) and removed at stop, so nothing chromium
 * leaves there outlives it. Returns a malloc'd array of borrowed strings but
 * the last, tmpdir_kv (owned by the caller), or NULL. */
#define BROWSER_MAX_TMPDIR 60
static char **chromium_env(const char *dir, char **tmpdir_kv)
{
	size_t n = 0, k = 0;
	while (environ && environ[n])
		n++;
	char **env = calloc(n + 2, sizeof *env);
	size_t len = strlen(dir) + sizeof "TMPDIR=";
	*tmpdir_kv = malloc(len);
	if (!env || !*tmpdir_kv) {
		free(env);
		free(*tmpdir_kv);
		*tmpdir_kv = NULL;
		return NULL;
	}
	snprintf(*tmpdir_kv, len, "TMPDIR=%s", dir);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "TMPDIR=", 7) != 0)
			env[k++] = environ[i];
	env[k] = *tmpdir_kv;
	return env;
}

/* What chromium wrote to its stderr log that says why it stopped, for an error
 * message: its last FATAL line, else its last line (D-Bus noise skipped). */
static void stderr_tail(const crawl_browser_t *b, char *out, size_t outsz)
{
	out[0] = '\0';
	char path[4096];
	snprintf(path, sizeof path, "%s/chromium-stderr.log", b->profile);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[512];
	int fatal = 0;
	while (fgets(line, sizeof line, f)) {
		size_t n = strcspn(line, "\r\n");
		line[n] = '\0';
		int is_fatal = strstr(line, ":FATAL:") != NULL;
		if (n && (is_fatal || !fatal) && !strstr(line, "dbus") && !strstr(line, "DBus")) {
			snprintf(out, outsz, "%s", line);
			fatal |= is_fatal;
		}
	}
	fclose(f);
}

int crawl_browser_start(const crawl_browser_opts_t *o, crawl_browser_t **out, arc_error_t *err)
{
	*out = NULL;
	char exe[4096];
	int rc = find_chromium(o, exe, sizeof exe, err);
	if (rc)
		return rc;
	crawl_browser_t *b = calloc(1, sizeof *b);
	if (!b)
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory starting chromium");
	b->o = *o;
	b->to_chrome = b->from_chrome = -1;
	if (b->o.settle_ms <= 0)
		b->o.settle_ms = 15000;
	if (b->o.idle_ms <= 0)
		b->o.idle_ms = 500;
	if (b->o.scrolls == 0)
		b->o.scrolls = 10;
	if (b->o.width <= 0 || b->o.height <= 0) {
		b->o.width = 1280;
		b->o.height = 800;
	}
	b->o.chromium = NULL; /* borrowed strings are not kept beyond start */
	b->o.profile_parent = NULL;
	const char *parent = o->profile_parent;
	if (!parent || !*parent)
		parent = getenv("TMPDIR");
	if (!parent || !*parent)
		parent = "/tmp";
	size_t pl = strlen(parent) + 32;
	if (!(b->profile = malloc(pl))) {
		free(b);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory starting chromium");
	}
	snprintf(b->profile, pl, "%s/custody-chromium-XXXXXX", parent);
	if (!mkdtemp(b->profile)) {
		rc = arc_fail(err, ARC_EIO, parent, 0, "", "%s: cannot make chromium's profile "
		              "directory: %s", parent, strerror(errno));
		free(b->profile);
		free(b);
		return rc;
	}
	argv_t a;
	memset(&a, 0, sizeof a);
	int cmd[2] = {-1, -1}, evt[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int fa_ok = 0, at_ok = 0;
	if ((rc = build_argv(b, exe, &a))) {
		rc = arc_fail(err, rc, "", 0, "", "out of memory starting chromium");
		goto fail;
	}
	/* [0] ours, [1] chromium's; its ends moved above 10 so dup2 onto 3 and 4
	 * cannot clobber one another */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cmd) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, evt)) {
		rc = arc_fail(err, ARC_EIO, "", 0, "", "socketpair for chromium: %s", strerror(errno));
		goto fail;
	}
	int c3 = fcntl(cmd[1], F_DUPFD_CLOEXEC, 10), c4 = fcntl(evt[1], F_DUPFD_CLOEXEC, 10);
	close(cmd[1]);
	close(evt[1]);
	cmd[1] = c3;
	evt[1] = c4;
	if (c3 < 0 || c4 < 0) {
		rc = arc_fail(err, ARC_EIO, "", 0, "", "fcntl for chromium: %s", strerror(errno));
		goto fail;
	}
	/* chromium only reads the one and writes the other */
	shutdown(cmd[0], SHUT_RD);
	shutdown(evt[0], SHUT_WR);
	char logp[4096];
	snprintf(logp, sizeof logp, "%s/chromium-stderr.log", b->profile);
	if (posix_spawn_file_actions_init(&fa) || (fa_ok = 1, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 2, logp, O_WRONLY | O_CREAT | O_TRUNC, 0600) ||
	    posix_spawn_file_actions_adddup2(&fa, cmd[1], 3) ||
	    posix_spawn_file_actions_adddup2(&fa, evt[1], 4) ||
	    posix_spawn_file_actions_addclosefrom_np(&fa, 5) ||
	    posix_spawnattr_init(&at) || (at_ok = 1, 0) ||
	    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                  POSIX_SPAWN_SETSIGDEF) ||
	    posix_spawnattr_setpgroup(&at, 0)) {
		rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "cannot prepare to start chromium");
		goto fail;
	}
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	/* the crawl may ignore SIGPIPE or block signals: chromium starts clean */
	posix_spawnattr_setsigdefault(&at, &all);
	if (strlen(b->profile) > BROWSER_MAX_TMPDIR &&
	    (!(b->tmpdir = strdup("/tmp/custody-chromium-XXXXXX")) || !mkdtemp(b->tmpdir))) {
		rc = arc_fail(err, ARC_EIO, "/tmp", 0, "", "/tmp: cannot make a directory for chromium's "
		              "sockets (the profile's path is too long for them): %s", strerror(errno));
		goto fail;
	}
	char *tmpdir_kv = NULL;
	char **env = chromium_env(b->tmpdir ? b->tmpdir : b->profile, &tmpdir_kv);
	int se = env ? posix_spawn(&b->pid, exe, &fa, &at, a.v, env) : ENOMEM;
	free(env);
	free(tmpdir_kv);
	if (se) {
		b->pid = 0;
		rc = arc_fail(err, ARC_EINVAL, exe, 0, "", "%s: cannot start chromium: %s: install "
		              "Debian's chromium (make bootstrap)", exe, strerror(se));
		goto fail;
	}
	b->pgid = b->pid;
	close(cmd[1]);
	close(evt[1]);
	cmd[1] = evt[1] = -1;
	b->to_chrome = cmd[0];
	b->from_chrome = evt[0];
	cmd[0] = evt[0] = -1;
	fcntl(b->from_chrome, F_SETFL, fcntl(b->from_chrome, F_GETFL) | O_NONBLOCK);
	fcntl(b->to_chrome, F_SETFL, fcntl(b->to_chrome, F_GETFL) | O_NONBLOCK);
	json_t *res = NULL;
	if ((rc = cdp_call(b, NULL, NULL, "Browser.getVersion", NULL, now_ms() + BROWSER_START_MS,
	                   &res, err))) {
		char tail[512];
		stderr_tail(b, tail, sizeof tail);
		char first[sizeof err->msg];
		snprintf(first, sizeof first, "%s", err->msg);
		rc = arc_fail(err, rc, exe, 0, "", "%s: chromium did not start: %s%s%s", exe, first,
		              tail[0] ? "; it said: " : "", tail);
		goto fail;
	}
	const char *prod = json_string_value(json_object_get(res, "product"));
	/* "Chrome/156.0.8078.108" -> "Chromium 156.0.8078.108" */
	if (prod && !strncmp(prod, "Chrome/", 7))
		snprintf(b->version, sizeof b->version, "Chromium %s", prod + 7);
	else
		snprintf(b->version, sizeof b->version, "%s", prod ? prod : "Chromium (unknown version)");
	json_decref(res);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (at_ok)
		posix_spawnattr_destroy(&at);
	argv_free(&a);
	*out = b;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (cmd[i] >= 0)
			close(cmd[i]);
		if (evt[i] >= 0)
			close(evt[i]);
	}
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (at_ok)
		posix_spawnattr_destroy(&at);
	argv_free(&a);
	crawl_browser_stop(b);
	return rc;
}

const char *crawl_browser_version(const crawl_browser_t *b)
{
	return b ? b->version : "";
}

const char *crawl_browser_flags(const crawl_browser_t *b)
{
	return b && b->flags ? b->flags : "";
}

/* Wait for pid to exit for up to ms; 1 reaped. */
static int reap_within(pid_t pid, long ms)
{
	long long end = now_ms() + ms;
	for (;;) {
		pid_t r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return 1;
		if (now_ms() >= end)
			return 0;
		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
	}
}

void crawl_browser_stop(crawl_browser_t *b)
{
	if (!b)
		return;
	if (b->pid > 0) {
		if (!b->dead) { /* ask first: chromium then takes its helpers down itself */
			arc_error_t e;
			cdp_call(b, NULL, NULL, "Browser.close", NULL, now_ms() + BROWSER_STOP_MS, NULL, &e);
		}
		if (!reap_within(b->pid, BROWSER_STOP_MS)) {
			kill(-b->pid, SIGKILL);
			kill(b->pid, SIGKILL);
			reap_within(b->pid, 10000);
		}
		b->pid = 0;
	}
	if (b->pgid > 0) {
		/* helpers left in its group (zygote, renderers, crashpad), also after a
		 * crash: not our children, so not ours to reap, but not to outlive the
		 * crawl either. A group id is not reused while a member lives. */
		kill(-b->pgid, SIGKILL);
		long long end = now_ms() + 5000;
		while (kill(-b->pgid, 0) == 0 && now_ms() < end) {
			struct timespec ts = {0, 20000000};
			nanosleep(&ts, NULL);
		}
		b->pgid = 0;
	}
	if (b->to_chrome >= 0)
		close(b->to_chrome);
	if (b->from_chrome >= 0)
		close(b->from_chrome);
	/* the helpers may still be writing to them for a moment after SIGKILL */
	for (int i = 0; i < 20 && (b->profile || b->tmpdir); i++) {
		if (b->profile)
			rm_tree(b->profile);
		if (b->tmpdir)
			rm_tree(b->tmpdir);
		if ((!b->profile || access(b->profile, F_OK)) && (!b->tmpdir || access(b->tmpdir, F_OK)))
			break;
		struct timespec ts = {0, 50000000};
		nanosleep(&ts, NULL);
	}
	free(b->profile);
	free(b->tmpdir);
	free(b->flags);
	free(b->rbuf);
	free(b);
}

/* ---------------------------------------------------------------- render */

void crawl_rendered_free(crawl_rendered_t *r)
{
	if (!r)
		return;
	free(r->url);
	free(r->final_url);
	free(r->png);
	free(r->dom);
	free(r->pdf);
	free(r->blocked_json);
	memset(r, 0, sizeof *r);
}

/* Append to r->note ("; " between parts; cut when full). */
static void note_add(crawl_rendered_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_add(crawl_rendered_t *r, const char *fmt, ...)
{
	size_t n = strlen(r->note);
	if (n + 4 >= sizeof r->note)
		return;
	if (n)
		n += (size_t)snprintf(r->note + n, sizeof r->note - n, "; ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->note + n, sizeof r->note - n, fmt, ap);
	va_end(ap);
}

/* Runtime.evaluate of expr, by value; *val the value (caller decrefs). */
static int evaluate(crawl_browser_t *b, page_state_t *ps, const char *expr, long long deadline,
                    json_t **val, arc_error_t *err)
{
	json_t *res = NULL;
	*val = NULL;
	int rc = cdp_call(b, ps, ps->session, "Runtime.evaluate",
	                  json_pack("{s:s, s:b, s:b}", "expression", expr, "returnByValue", 1,
	                            "awaitPromise", 1), deadline, &res, err);
	if (rc)
		return rc;
	json_t *ex = json_object_get(res, "exceptionDetails");
	if (ex) {
		rc = arc_fail(err, ARC_EINVAL, "", 0, "", "script failed: %s",
		              json_string_value(json_object_get(ex, "text")) ?
		              json_string_value(json_object_get(ex, "text")) : "exception");
	} else {
		*val = json_object_get(json_object_get(res, "result"), "value");
		json_incref(*val);
	}
	json_decref(res);
	return rc;
}

/* Wait until no request has been in flight for idle_ms, starting now, or
 * until deadline. 1 idle, 0 not by then, <0 pipe broke. */
static int wait_idle(crawl_browser_t *b, page_state_t *ps, long long deadline, arc_error_t *err)
{
	long long since = now_ms();
	for (;;) {
		long long t = now_ms();
		long long quiet_from = ps->last_change > since ? ps->last_change : since;
		if (inflight(ps) == 0 && t - quiet_from >= b->o.idle_ms)
			return 1;
		if (t >= deadline)
			return 0;
		long long until = inflight(ps) ? deadline : quiet_from + b->o.idle_ms;
		if (until > deadline)
			until = deadline;
		if (until <= t)
			until = t + 1;
		int rc = pump(b, ps, until, err);
		if (rc)
			return rc;
	}
}

/* base64 string member of res into a buffer (bounded). */
static int take_b64(json_t *res, const char *name, size_t max, unsigned char **out, size_t *outlen,
                    arc_error_t *err)
{
	const char *s = json_string_value(json_object_get(res, name));
	if (!s)
		return arc_fail(err, ARC_EFORMAT, "", 0, "", "chromium's answer has no %s", name);
	arc_buf_t buf = {0};
	if (seal_b64_decode(s, json_string_length(json_object_get(res, name)), max, &buf)) {
		arc_buf_free(&buf);
		return arc_fail(err, ARC_EFORMAT, "", 0, "", "chromium's %s is not base64 or too large", name);
	}
	*out = buf.data;
	*outlen = buf.len;
	return 0;
}

static const char SCROLL_JS[] =
	"(() => { const y = window.scrollY; window.scrollBy(0, window.innerHeight);"
	" return window.scrollY > y; })()";

/* Scroll down a viewport at a time (lazy content), then back to the top. A
 * step that did not move the page ends it: at the bottom, and what the last
 * step loaded did not make the page longer. */
static int scroll_page(crawl_browser_t *b, page_state_t *ps, long long deadline, arc_error_t *err)
{
	int rc = 0;
	for (int i = 0; i < b->o.scrolls && now_ms() < deadline; i++) {
		json_t *v = NULL;
		if ((rc = evaluate(b, ps, SCROLL_JS, deadline, &v, err)))
			return rc;
		int moved = json_is_true(v);
		json_decref(v);
		if (!moved)
			break;
		/* what the scroll set off (IntersectionObserver, fetch) starts within idle_ms */
		long long step = now_ms() + b->o.idle_ms + 2000;
		if ((rc = wait_idle(b, ps, step < deadline ? step : deadline, err)) < 0)
			return rc;
	}
	json_t *v = NULL;
	if ((rc = evaluate(b, ps, "window.scrollTo(0, 0), true", deadline, &v, err)))
		return rc;
	json_decref(v);
	return 0;
}

static int screenshot(crawl_browser_t *b, page_state_t *ps, crawl_rendered_t *out,
                      long long deadline, arc_error_t *err)
{
	json_t *lm = NULL;
	int rc = cdp_call(b, ps, ps->session, "Page.getLayoutMetrics", NULL, deadline, &lm, err);
	if (rc)
		return rc;
	json_t *cs = json_object_get(lm, "cssContentSize");
	if (!cs)
		cs = json_object_get(lm, "contentSize");
	double w = json_number_value(json_object_get(cs, "width"));
	double h = json_number_value(json_object_get(cs, "height"));
	json_decref(lm);
	if (w < b->o.width)
		w = b->o.width;
	if (w > BROWSER_MAX_SHOT_PX)
		w = BROWSER_MAX_SHOT_PX;
	if (h < 1)
		h = b->o.height;
	if (h > BROWSER_MAX_SHOT_PX) {
		note_add(out, "screenshot cut at %d px of the page's %.0f px", BROWSER_MAX_SHOT_PX, h);
		h = BROWSER_MAX_SHOT_PX;
	}
	json_t *res = NULL;
	rc = cdp_call(b, ps, ps->session, "Page.captureScreenshot",
	              json_pack("{s:s, s:b, s:{s:f, s:f, s:f, s:f, s:f}}", "format", "png",
	                        "captureBeyondViewport", 1, "clip", "x", 0.0, "y", 0.0, "width", w,
	                        "height", h, "scale", 1.0), deadline, &res, err);
	if (rc)
		return rc;
	rc = take_b64(res, "data", BROWSER_MAX_MSG, &out->png, &out->png_len, err);
	json_decref(res);
	return rc;
}

static int outer_html(crawl_browser_t *b, page_state_t *ps, crawl_rendered_t *out,
                      long long deadline, arc_error_t *err)
{
	json_t *doc = NULL;
	int rc = cdp_call(b, ps, ps->session, "DOM.getDocument", json_pack("{s:i}", "depth", 0),
	                  deadline, &doc, err);
	if (rc)
		return rc;
	json_t *id = json_object_get(json_object_get(doc, "root"), "nodeId");
	json_t *html = NULL;
	/* includeShadowDOM writes shadow roots as declarative <template shadowrootmode> */
	rc = cdp_call(b, ps, ps->session, "DOM.getOuterHTML",
	              json_pack("{s:O, s:b}", "nodeId", id, "includeShadowDOM", 1), deadline, &html, err);
	json_decref(doc);
	if (rc)
		return rc;
	const char *s = json_string_value(json_object_get(html, "outerHTML"));
	size_t n = json_string_length(json_object_get(html, "outerHTML"));
	if (!s || n > BROWSER_MAX_DOM) {
		json_decref(html);
		return arc_fail(err, ARC_ELIMIT, "", 0, "", "the rendered DOM is %s", s ? "too large" : "missing");
	}
	if (!(out->dom = malloc(n + 1))) {
		json_decref(html);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	}
	memcpy(out->dom, s, n);
	out->dom[n] = '\0';
	out->dom_len = n;
	json_decref(html);
	return 0;
}

/* Everything after the target is attached: navigate, settle, scroll, collect.
 * A piece that cannot be collected is noted; only a broken pipe fails. */
static int render_page(crawl_browser_t *b, page_state_t *ps, const char *url, crawl_rendered_t *out,
                       arc_error_t *err)
{
	const char *s = ps->session;
	long long cmd = now_ms() + BROWSER_CMD_MS;
	int rc;
	if ((rc = cdp_call(b, ps, s, "Page.enable", NULL, cmd, NULL, err)) ||
	    (rc = cdp_call(b, ps, s, "Network.enable", NULL, cmd, NULL, err)) ||
	    (rc = cdp_call(b, ps, s, "DOM.enable", NULL, cmd, NULL, err)) ||
	    /* service workers would answer from their cache, not through the proxy */
	    (rc = cdp_call(b, ps, s, "Network.setBypassServiceWorker", json_pack("{s:b}", "bypass", 1),
	                   cmd, NULL, err)) ||
	    (rc = cdp_call(b, ps, s, "Emulation.setDeviceMetricsOverride",
	                   json_pack("{s:i, s:i, s:i, s:b}", "width", b->o.width, "height", b->o.height,
	                             "deviceScaleFactor", 1, "mobile", 0), cmd, NULL, err)))
		return rc;
	long long t0 = now_ms();
	long long settle_end = t0 + b->o.settle_ms;
	json_t *nav = NULL;
	if ((rc = cdp_call(b, ps, s, "Page.navigate", json_pack("{s:s}", "url", url), settle_end + 5000,
	                   &nav, err))) {
		if (b->dead)
			return rc;
		note_add(out, "navigation failed: %s", err->msg);
	} else {
		const char *fr = json_string_value(json_object_get(nav, "frameId"));
		if (fr)
			snprintf(ps->frame, sizeof ps->frame, "%s", fr);
		const char *et = json_string_value(json_object_get(nav, "errorText"));
		if (et && *et)
			note_add(out, "navigation failed: %s (what was collected is chromium's error page)", et);
	}
	json_decref(nav);
	/* the load event, then network idle, both within settle_ms */
	while (!ps->load_fired && now_ms() < settle_end)
		if ((rc = pump(b, ps, settle_end, err)) < 0)
			return rc;
	int idle = 0;
	if (ps->load_fired && (idle = wait_idle(b, ps, settle_end, err)) < 0)
		return idle;
	out->settled = ps->load_fired && idle == 1;
	if (!out->settled) {
		char what[160];
		snprintf(what, sizeof what, "did not settle in %ld ms: %s%zu request%s in flight",
		         b->o.settle_ms, ps->load_fired ? "" : "no load event, ", inflight(ps),
		         inflight(ps) == 1 ? "" : "s");
		note_add(out, "%s", what);
	}
	/* scrolling gets its own bound: settle_ms again at most */
	if (b->o.scrolls > 0) {
		rc = scroll_page(b, ps, now_ms() + b->o.settle_ms, err);
		if (rc && b->dead)
			return rc;
		if (rc)
			note_add(out, "scrolling stopped: %s", err->msg);
	}
	/* does the page still answer? a script in an endless loop holds the
	 * renderer, and every later command would wait for its whole deadline */
	json_t *v = NULL;
	rc = evaluate(b, ps, "document.URL", now_ms() + BROWSER_PROBE_MS, &v, err);
	if (rc == 0 && json_is_string(v))
		out->final_url = strdup(json_string_value(v));
	json_decref(v);
	if (b->dead)
		return ARC_EIO;
	if (!out->final_url && !(out->final_url = strdup(url)))
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	out->status = ps->status;
	if (rc == ARC_EIO) {
		note_add(out, "the page stopped answering (a script that never returns?): no screenshot, "
		              "DOM or PDF could be collected");
		return 0;
	}
	/* a piece that fails is noted; one that times out means the page stopped
	 * answering, and the rest would only wait out the same deadline */
	long long collect = now_ms() + BROWSER_CMD_MS;
	static const char *const what[] = {"screenshot", "DOM", "PDF"};
	for (int k = 0; k < 3; k++) {
		if (k == 0)
			rc = screenshot(b, ps, out, collect, err);
		else if (k == 1)
			rc = outer_html(b, ps, out, collect, err);
		else if (b->o.pdf) {
			json_t *res = NULL;
			rc = cdp_call(b, ps, s, "Page.printToPDF", json_pack("{s:b}", "printBackground", 1),
			              collect, &res, err);
			if (!rc)
				rc = take_b64(res, "data", BROWSER_MAX_DOM, &out->pdf, &out->pdf_len, err);
			json_decref(res);
		}
		if (rc && b->dead)
			return rc;
		if (rc == ARC_EIO) {
			note_add(out, "the page stopped answering while its %s was taken (a script that never "
			              "returns?): %s; nothing more was collected", what[k], err->msg);
			break;
		}
		if (rc)
			note_add(out, "no %s: %s", what[k], err->msg);
		rc = 0;
	}
	if (ps->dialogs)
		note_add(out, "dismissed %d JavaScript dialog%s", ps->dialogs, ps->dialogs == 1 ? "" : "s");
	out->status = ps->status;
	return 0;
}

int crawl_browser_render(crawl_browser_t *b, const char *url, crawl_rendered_t *out,
                         arc_error_t *err)
{
	memset(out, 0, sizeof *out);
	if (!b || !url)
		return arc_fail(err, ARC_EINVAL, "", 0, "", "no browser or no URL");
	if (b->dead)
		return arc_fail(err, ARC_EIO, "", 0, "", "chromium is no longer running");
	if (!(out->url = strdup(url)))
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	arc_now(out->started);
	snprintf(out->browser, sizeof out->browser, "%s", b->version);
	page_state_t ps;
	memset(&ps, 0, sizeof ps);
	json_t *res = NULL;
	char target[128] = "", session[128] = "";
	long long cmd = now_ms() + BROWSER_CMD_MS;
	int rc = cdp_call(b, NULL, NULL, "Target.createTarget", json_pack("{s:s}", "url", "about:blank"),
	                  cmd, &res, err);
	if (!rc) {
		const char *t = json_string_value(json_object_get(res, "targetId"));
		snprintf(target, sizeof target, "%s", t ? t : "");
		json_decref(res);
		res = NULL;
		rc = cdp_call(b, NULL, NULL, "Target.attachToTarget",
		              json_pack("{s:s, s:b}", "targetId", target, "flatten", 1), cmd, &res, err);
	}
	if (!rc) {
		const char *sid = json_string_value(json_object_get(res, "sessionId"));
		snprintf(session, sizeof session, "%s", sid ? sid : "");
		json_decref(res);
		ps.session = session;
		ps.b = b;
		/* a page's main frame has its target's id (the navigate answer, which
		 * comes after the document's response event, says it again) */
		snprintf(ps.frame, sizeof ps.frame, "%s", target);
		rc = render_page(b, &ps, url, out, err);
	}
	if (target[0] && !b->dead) {
		arc_error_t e;
		cdp_call(b, NULL, NULL, "Target.closeTarget", json_pack("{s:s}", "targetId", target),
		         now_ms() + BROWSER_CMD_MS, NULL, &e);
	}
	ids_free(&ps);
	arc_now(out->finished);
	if (rc) {
		char first[sizeof err->msg];
		snprintf(first, sizeof first, "%s", err->msg);
		arc_fail(err, rc, url, 0, "", "%s: browser capture failed: %s", url, first);
		crawl_rendered_free(out);
	}
	return rc;
}

int crawl_cdp_replay(const unsigned char *data, size_t len, arc_error_t *err)
{
	crawl_browser_t b;
	page_state_t ps;
	int n = 0, rc = 0;
	memset(&b, 0, sizeof b);
	memset(&ps, 0, sizeof ps);
	ps.session = "S";
	snprintf(ps.frame, sizeof ps.frame, "F");
	/* as read_some() does: bytes arrive in pieces, messages are taken as they complete */
	size_t off = 0;
	while (off < len && rc >= 0) {
		size_t piece = len - off < 4096 ? len - off : 4096;
		if (b.rcap - b.rlen < piece) {
			size_t cap = b.rlen + piece;
			if (cap > BROWSER_MAX_MSG + (1 << 20)) {
				rc = arc_fail(err, ARC_ELIMIT, "", 0, "", "message too large");
				break;
			}
			unsigned char *nb = realloc(b.rbuf, cap);
			if (!nb) {
				rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
				break;
			}
			b.rbuf = nb;
			b.rcap = cap;
		}
		memcpy(b.rbuf + b.rlen, data + off, piece);
		b.rlen += piece;
		off += piece;
		json_t *m = NULL;
		while ((rc = take_message(&b, &m, err)) == 1) {
			if (!json_object_get(m, "id"))
				page_event(&ps, m);
			json_decref(m);
			n++;
		}
	}
	free(b.rbuf);
	ids_free(&ps);
	return rc < 0 ? rc : n;
}
