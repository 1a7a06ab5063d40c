/*
 * test_browser.c — crawler/browser/browser.c against the real chromium (no proxy),
 * and a driver for tests/e2e/test_browser.py.
 *
 *   test_browser                      the unit tests (data: pages, no server)
 *   test_browser render URL DIR [SETTLE_MS SCROLLS IDLE_MS PDF]
 *                                     render URL once with a browser of its own and
 *                                     write DIR/shot.png, DIR/dom.html, DIR/page.pdf and
 *                                     DIR/info.json ({settled, note, status, final_url,
 *                                     version, flags, ms}); exit 0, or 1 with the error;
 *                                     $TEST_BROWSER_PROXY: opts.proxy
 *   test_browser bench URL N          start once, render URL N times; one line per
 *                                     render "ms N"
 *   test_browser case DIR URL         write a response record and the derived records
 *                                     of a made-up rendering of URL into a new case DIR
 *                                     (crawl_capture_rendered), for the verifier tests
 *
 * Must never: leave a chromium process or profile directory behind, or use an
 * address other than loopback.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "browser/browser.h"
#include "tu.h"

static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Processes (besides us) whose command line mentions s. */
static int procs_with(const char *s, pid_t *first)
{
	DIR *d = opendir("/proc");
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char p[300], buf[8192];
		snprintf(p, sizeof p, "/proc/%s/cmdline", e->d_name);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		size_t k = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		for (size_t i = 0; i < k; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[k] = '\0';
		pid_t pid = (pid_t)strtol(e->d_name, NULL, 10);
		if (pid != getpid() && strstr(buf, s)) {
			if (first && !n)
				*first = pid;
			n++;
		}
	}
	if (d)
		closedir(d);
	return n;
}

static int dir_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n == 0;
}

static int has(const unsigned char *p, size_t n, const char *s)
{
	return p && memmem(p, n, s, strlen(s)) != NULL;
}

static void test_missing(void)
{
	crawl_browser_opts_t o;
	memset(&o, 0, sizeof o);
	o.chromium = "/nonexistent/chromium";
	crawl_browser_t *b = (crawl_browser_t *)1;
	arc_error_t err;
	memset(&err, 0, sizeof err);
	int rc = crawl_browser_start(&o, &b, &err);
	CHECK(rc < 0 && b == NULL, "a missing chromium must fail (rc %d)", rc);
	CHECK(strstr(err.msg, "/nonexistent/chromium") && strstr(err.msg, "install") &&
	      strstr(err.msg, "chromium"), "clear message: %s", err.msg);
	crawl_browser_stop(NULL); /* NULL is fine */
}

static const char SHADOW_PAGE[] =
	"data:text/html,<!doctype html><title>t</title><div id=h></div><p>light-text</p>"
	"<script>document.getElementById('h').attachShadow({mode:'open'}).innerHTML="
	"'<b>shadow-text</b>';</script>";

static void test_render_and_stop(void)
{
	char parent[512];
	tu_tmp(parent, sizeof parent, "custody-test-browser-XXXXXX");
	if (!mkdtemp(parent)) {
		CHECK(0, "mkdtemp %s: %s", parent, strerror(errno));
		return;
	}
	crawl_browser_opts_t o;
	memset(&o, 0, sizeof o);
	o.profile_parent = parent;
	o.idle_ms = 200;
	o.settle_ms = 5000;
	o.scrolls = -1;
	crawl_browser_t *b = NULL;
	arc_error_t err;
	memset(&err, 0, sizeof err);
	int rc = crawl_browser_start(&o, &b, &err);
	CHECK(rc == 0 && b, "start: %s", err.msg);
	if (rc)
		return;
	CHECK(!strncmp(crawl_browser_version(b), "Chromium ", 9), "version: %s", crawl_browser_version(b));
	const char *fl = crawl_browser_flags(b);
	CHECK(strstr(fl, "--headless=new") && strstr(fl, "--remote-debugging-pipe") &&
	      strstr(fl, "--user-data-dir=") && !strstr(fl, "--proxy-server"), "flags: %s", fl);
	CHECK(dir_empty(parent) == 0, "the profile is made under profile_parent");
	CHECK(procs_with(parent, NULL) >= 1, "chromium runs with its profile under %s", parent);

	crawl_rendered_t r;
	rc = crawl_browser_render(b, SHADOW_PAGE, &r, &err);
	CHECK(rc == 0, "render: %s", err.msg);
	if (rc == 0) {
		CHECK(r.settled == 1, "a static page settles (note: %s)", r.note);
		CHECK(has(r.dom, r.dom_len, "light-text"), "DOM has the page's text");
		CHECK(has(r.dom, r.dom_len, "shadowrootmode=\"open\"") && has(r.dom, r.dom_len, "shadow-text"),
		      "DOM has the open shadow root: %.*s", (int)(r.dom_len > 400 ? 400 : r.dom_len), r.dom);
		CHECK(r.png_len > 8 && !memcmp(r.png, "\x89PNG\r\n\x1a\n", 8), "a PNG (%zu bytes)", r.png_len);
		CHECK(r.pdf == NULL, "no PDF unless asked");
		CHECK(r.final_url && !strncmp(r.final_url, "data:text/html", 14), "final URL %s",
		      r.final_url ? r.final_url : "(null)");
		CHECK(r.started[0] && r.finished[0], "times");
		crawl_rendered_free(&r);
	}
	/* a page that opens alert(): dismissed, the page goes on, the note says so */
	rc = crawl_browser_render(b, "data:text/html,<p id=a>before</p><script>alert('x');"
	                             "document.getElementById('a').textContent='after-alert'</script>", &r, &err);
	CHECK(rc == 0 && has(r.dom, r.dom_len, "after-alert") && strstr(r.note, "dismissed 1 JavaScript dialog"),
	      "alert dismissed: rc %d note '%s' %s", rc, rc ? "" : r.note, err.msg);
	if (rc == 0)
		crawl_rendered_free(&r);
	/* a script that never returns: collected within the bound, said so, and the
	 * browser still serves the next page */
	rc = crawl_browser_render(b, "data:text/html,<p>busy</p><script>for(;;){}</script>", &r, &err);
	CHECK(rc == 0 && strstr(r.note, "stopped answering") && !r.dom && r.final_url,
	      "a hung page: rc %d note '%s' %s", rc, rc ? "" : r.note, err.msg);
	if (rc == 0)
		crawl_rendered_free(&r);
	/* a second page with the same browser */
	rc = crawl_browser_render(b, "data:text/html,<p>second</p>", &r, &err);
	CHECK(rc == 0 && has(r.dom, r.dom_len, "second"), "second render: %s", err.msg);
	if (rc == 0)
		crawl_rendered_free(&r);

	crawl_browser_stop(b);
	CHECK(procs_with(parent, NULL) == 0, "no chromium process left after stop");
	CHECK(dir_empty(parent) == 1, "the profile is removed at stop");
	rmdir(parent);
}

/* chromium killed under us: a clear error, and stop still cleans up */
static void test_crash(void)
{
	char parent[512];
	tu_tmp(parent, sizeof parent, "custody-test-browser-XXXXXX");
	if (!mkdtemp(parent)) {
		CHECK(0, "mkdtemp");
		return;
	}
	crawl_browser_opts_t o;
	memset(&o, 0, sizeof o);
	o.profile_parent = parent;
	o.scrolls = -1;
	crawl_browser_t *b = NULL;
	arc_error_t err;
	memset(&err, 0, sizeof err);
	if (crawl_browser_start(&o, &b, &err)) {
		CHECK(0, "start: %s", err.msg);
		return;
	}
	/* the browser process: our child whose command line has the profile and --remote-debugging-pipe */
	pid_t pid = 0;
	char want[600];
	snprintf(want, sizeof want, "--remote-debugging-pipe --user-data-dir=%s", parent);
	CHECK(procs_with(want, &pid) >= 1 && pid > 0, "found chromium");
	if (pid > 0)
		kill(pid, SIGKILL);
	crawl_rendered_t r;
	int rc = crawl_browser_render(b, "data:text/html,<p>x</p>", &r, &err);
	CHECK(rc < 0 && strstr(err.msg, "chromium") && (strstr(err.msg, "crashed") ||
	      strstr(err.msg, "closed") || strstr(err.msg, "exited") || strstr(err.msg, "no longer")),
	      "crash reported clearly: %s", err.msg);
	crawl_browser_stop(b);
	CHECK(procs_with(parent, NULL) == 0, "no process left after a crash");
	CHECK(dir_empty(parent) == 1, "profile removed after a crash");
	rmdir(parent);
}

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = n ? fwrite(p, 1, n, f) : 0;
	return fclose(f) || w != n ? -1 : 0;
}

static int cmd_render(int argc, char **argv)
{
	const char *url = argv[2], *dir = argv[3];
	crawl_browser_opts_t o;
	memset(&o, 0, sizeof o);
	if (argc > 4)
		o.settle_ms = strtol(argv[4], NULL, 10);
	if (argc > 5)
		o.scrolls = (int)strtol(argv[5], NULL, 10);
	if (argc > 6)
		o.idle_ms = strtol(argv[6], NULL, 10);
	if (argc > 7)
		o.pdf = (int)strtol(argv[7], NULL, 10);
	if (getenv("TEST_BROWSER_CHROMIUM"))
		o.chromium = getenv("TEST_BROWSER_CHROMIUM");
	o.proxy = getenv("TEST_BROWSER_PROXY"); /* "127.0.0.1:PORT" */
	crawl_browser_t *b = NULL;
	arc_error_t err;
	memset(&err, 0, sizeof err);
	if (crawl_browser_start(&o, &b, &err)) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	crawl_rendered_t r;
	long long t0 = ms_now();
	int rc = crawl_browser_render(b, url, &r, &err);
	long long ms = ms_now() - t0;
	if (rc) {
		printf("error: %s\n", err.msg);
		crawl_browser_stop(b);
		return 1;
	}
	json_t *info = json_pack("{s:i, s:s, s:i, s:s, s:s, s:s, s:I, s:s, s:s}", "settled", r.settled,
	                         "note", r.note, "status", r.status, "final_url", r.final_url,
	                         "version", crawl_browser_version(b), "flags", crawl_browser_flags(b),
	                         "ms", (json_int_t)ms, "started", r.started, "finished", r.finished);
	char *s = info ? json_dumps(info, JSON_INDENT(1)) : NULL;
	json_decref(info);
	int bad = !s || write_file(dir, "info.json", s, strlen(s)) ||
	          write_file(dir, "shot.png", r.png, r.png_len) ||
	          write_file(dir, "dom.html", r.dom, r.dom_len) ||
	          (r.pdf && write_file(dir, "page.pdf", r.pdf, r.pdf_len));
	free(s);
	crawl_rendered_free(&r);
	crawl_browser_stop(b);
	if (bad)
		printf("error: cannot write into %s\n", dir);
	return bad;
}

static int cmd_bench(char **argv)
{
	crawl_browser_opts_t o;
	memset(&o, 0, sizeof o);
	crawl_browser_t *b = NULL;
	arc_error_t err;
	memset(&err, 0, sizeof err);
	long long t0 = ms_now();
	if (crawl_browser_start(&o, &b, &err)) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	printf("start ms %lld\n", ms_now() - t0);
	long n = strtol(argv[3], NULL, 10);
	for (long i = 0; i < n; i++) {
		crawl_rendered_t r;
		t0 = ms_now();
		if (crawl_browser_render(b, argv[2], &r, &err)) {
			printf("error: %s\n", err.msg);
			crawl_browser_stop(b);
			return 1;
		}
		printf("ms %lld settled %d png %zu dom %zu\n", ms_now() - t0, r.settled, r.png_len, r.dom_len);
		fflush(stdout);
		crawl_rendered_free(&r);
	}
	crawl_browser_stop(b);
	return 0;
}

/* A response record for url (a made-up shell page, as the proxy would have
 * captured it) and the derived records of a real rendering of url. */
static int cmd_case(char **argv)
{
	const char *dir = argv[2], *url = argv[3];
	arc_error_t err;
	memset(&err, 0, sizeof err);
	crawl_browser_opts_t o;
	memset(&o, 0, sizeof o);
	o.idle_ms = 300;
	crawl_browser_t *b = NULL;
	crawl_rendered_t r;
	if (crawl_browser_start(&o, &b, &err) || crawl_browser_render(b, url, &r, &err)) {
		printf("error: %s\n", err.msg);
		crawl_browser_stop(b);
		return 1;
	}
	crawl_browser_stop(b);
	detect_rules_t *rules = detect_rules_load(NULL, &err);
	arc_case_opts_t co = {.software = "test_browser", .command_line = "test_browser case",
	                      .robots = "obey"};
	crawl_capture_ctx_t c;
	memset(&c, 0, sizeof c);
	c.rules = rules;
	c.cas = rules ? arc_case_open(dir, &co, &err) : NULL;
	if (!c.cas) {
		printf("error: %s\n", err.msg);
		crawl_rendered_free(&r);
		detect_rules_free(rules);
		return 1;
	}
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	                           "Content-Length: 40\r\n\r\n<html><body>loading...</body></html>\n\n\n\n";
	warc_record_t rec = {.type = "response", .target_uri = url, .content_type = ARC_CT_HTTP_RESPONSE,
	                     .block = resp, .block_len = sizeof resp - 1};
	warc_written_t w;
	memset(&w, 0, sizeof w);
	crawl_rendered_out_t out;
	memset(&out, 0, sizeof out);
	int rc = arc_case_write(c.cas, &rec, &w, &err);
	char resp_id[ARC_UUID_LEN + 8];
	snprintf(resp_id, sizeof resp_id, "%s", w.record_id);
	if (!rc)
		rc = crawl_capture_rendered(&c, &r, resp_id, 100, &out, &err);
	if (!rc)
		printf("records %d findings %d personal %d doxing %d links %zu\n", out.records, out.nfindings,
		       out.personal, out.doxing, out.nlinks);
	else
		printf("error: %s\n", err.msg);
	arc_error_t cerr;
	if (arc_case_close(c.cas, &cerr) && !rc) {
		printf("error: %s\n", cerr.msg);
		rc = 1;
	}
	crawl_rendered_out_free(&out);
	crawl_rendered_free(&r);
	detect_rules_free(rules);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "case"))
		return cmd_case(argv);
	if (argc >= 4 && !strcmp(argv[1], "render"))
		return cmd_render(argc, argv);
	if (argc >= 4 && !strcmp(argv[1], "bench"))
		return cmd_bench(argv);
	test_missing();
	test_render_and_stop();
	test_crash();
	TU_END();
}
