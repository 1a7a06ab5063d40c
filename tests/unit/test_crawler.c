/*
 * test_crawler.c — unit tests of the crawl's pure parts: URL normalization,
 * scope, frontier (dedup, priority, --focus raise/claim), link extraction
 * from tricky HTML (and link texts, srcset, CSS url(), NUL references),
 * --focus link scoring, robots.txt rules, --include/--exclude filters,
 * Retry-After and the hashing of secret request headers. The network parts are tested end to end
 * (tests/e2e/test_crawl.py) against real servers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawl_int.h"
#include "tu.h"

static void check_norm(const char *base, const char *href, const char *want)
{
	char *out = NULL;
	int rc = crawl_url_normalize(base, href, &out);
	if (want) {
		CHECK(rc == 0, "normalize(%s, %s) failed: %d", base ? base : "-", href, rc);
		if (rc == 0)
			CHECK_STR(out, want);
	} else {
		CHECK(rc != 0, "normalize(%s, %s) accepted: %s", base ? base : "-", href, out ? out : "");
	}
	free(out);
}

static void test_normalize(void)
{
	const char *b = "http://example.com/dir/page.html?x=1";
	check_norm(b, "other.html", "http://example.com/dir/other.html");
	check_norm(b, "../up.html", "http://example.com/up.html");
	check_norm(b, "/abs#frag", "http://example.com/abs");
	check_norm(b, "?q=2", "http://example.com/dir/page.html?q=2");
	check_norm(b, "//cdn.example.org/a.js", "http://cdn.example.org/a.js");
	check_norm(b, "  spaced.html \n", "http://example.com/dir/spaced.html");
	check_norm(NULL, "HTTP://EXAMPLE.COM:80/Path?B=1&a=2", "http://example.com/Path?B=1&a=2");
	check_norm(NULL, "https://Example.com:443/", "https://example.com/");
	check_norm(NULL, "https://example.com:8443/x", "https://example.com:8443/x");
	check_norm(NULL, "http://user:pw@example.com/x", "http://example.com/x");
	check_norm(b, "#only-fragment", "http://example.com/dir/page.html?x=1");
	check_norm(b, "javascript:alert(1)", NULL);
	check_norm(b, "mailto:a@b.c", NULL);
	check_norm(b, "ftp://example.com/f", NULL);
	check_norm(b, "data:text/html,hi", NULL);
	check_norm(NULL, "relative/only", NULL);
	check_norm(NULL, "http://", NULL);

	char buf[256];
	const char *bufp = buf; /* CHECK_STR tests for NULL */
	CHECK(crawl_url_host("http://WWW.Example.com:8080/x", buf, sizeof buf) == 0, "host");
	CHECK_STR(bufp, "www.example.com");
	CHECK(crawl_url_origin("https://example.com/x/y?z", buf, sizeof buf) == 0, "origin");
	CHECK_STR(bufp, "https://example.com:443");
	CHECK(crawl_url_origin("http://127.0.0.1:8080/", buf, sizeof buf) == 0, "origin port");
	CHECK_STR(bufp, "http://127.0.0.1:8080");

	/* a URL over the bound is refused, not truncated */
	size_t n = CRAWL_MAX_URL + 100;
	char *longu = malloc(n + 1);
	memcpy(longu, "http://e.com/", 13);
	memset(longu + 13, 'a', n - 13);
	longu[n] = '\0';
	check_norm(NULL, longu, NULL);
	free(longu);
}

static void test_scope(void)
{
	crawl_scope_t *s = crawl_scope_new(CRAWL_SCOPE_HOST);
	crawl_scope_add_seed(s, "http://www.example.com/a/b.html");
	CHECK(crawl_scope_match(s, "http://www.example.com/zzz"), "same host");
	CHECK(crawl_scope_match(s, "https://www.example.com:8443/zzz"), "same host, other scheme/port");
	CHECK(!crawl_scope_match(s, "http://example.com/"), "other host");
	CHECK(!crawl_scope_match(s, "http://evil.com/www.example.com"), "host in path");
	crawl_scope_free(s);

	s = crawl_scope_new(CRAWL_SCOPE_DOMAIN);
	crawl_scope_add_seed(s, "http://www.example.com/a/b.html");
	CHECK(crawl_scope_match(s, "http://example.com/"), "domain apex");
	CHECK(crawl_scope_match(s, "http://img.example.com/x"), "subdomain");
	CHECK(!crawl_scope_match(s, "http://badexample.com/"), "suffix without dot");
	CHECK(!crawl_scope_match(s, "http://example.com.evil.org/"), "prefix trick");
	crawl_scope_free(s);

	s = crawl_scope_new(CRAWL_SCOPE_PREFIX);
	crawl_scope_add_seed(s, "http://example.com/forum/thread.php?id=3");
	CHECK(crawl_scope_match(s, "http://example.com/forum/thread.php?id=4"), "prefix");
	CHECK(crawl_scope_match(s, "http://example.com/forum/x/y"), "prefix deeper");
	CHECK(!crawl_scope_match(s, "http://example.com/other/"), "outside prefix");
	crawl_scope_free(s);

	s = crawl_scope_new(CRAWL_SCOPE_SEEDS);
	crawl_scope_add_seed(s, "http://example.com/a");
	CHECK(crawl_scope_match(s, "http://example.com/a"), "seed itself");
	CHECK(!crawl_scope_match(s, "http://example.com/b"), "not a seed");
	crawl_scope_free(s);
}

static void test_frontier(void)
{
	crawl_frontier_t *f = crawl_frontier_new();
	CHECK(crawl_frontier_push(f, "http://a/1", 0, 0, 0, CRAWL_ITEM_PAGE) == 1, "push");
	CHECK(crawl_frontier_push(f, "http://a/1", 3, 0, 5, CRAWL_ITEM_PAGE) == 0, "dedup");
	CHECK(crawl_frontier_push(f, "http://a/2", 1, 0, 0, CRAWL_ITEM_PAGE) == 1, "push 2");
	CHECK(crawl_frontier_push(f, "http://a/3", 1, 0, 2, CRAWL_ITEM_PAGE) == 1, "push 3 prio");
	CHECK(crawl_frontier_push(f, "http://a/4", 1, 0, 0, CRAWL_ITEM_PAGE) == 1, "push 4");
	CHECK(crawl_frontier_size(f) == 4, "size");
	crawl_item_t it;
	const char *order[] = {"http://a/3", "http://a/1", "http://a/2", "http://a/4"};
	for (int i = 0; i < 4; i++) {
		CHECK(crawl_frontier_pop(f, &it) == 1, "pop %d", i);
		CHECK_STR(it.url, order[i]);
		free(it.url);
	}
	CHECK(crawl_frontier_pop(f, &it) == 0, "empty");
	CHECK(crawl_frontier_seen(f, "http://a/2"), "seen after pop");
	CHECK(crawl_frontier_push(f, "http://a/2", 0, 0, 0, CRAWL_ITEM_PAGE) == 0, "no re-queue after pop");

	/* many URLs: the set grows, FIFO order among equals holds */
	char u[64];
	int ok = 1;
	for (int i = 0; i < 20000; i++) {
		snprintf(u, sizeof u, "http://b/%d", i);
		if (crawl_frontier_push(f, u, 0, 0, 0, CRAWL_ITEM_PAGE) != 1)
			ok = 0;
		if (crawl_frontier_push(f, u, 0, 0, 0, CRAWL_ITEM_PAGE) != 0)
			ok = 0;
	}
	CHECK(ok, "20000 distinct pushes, each once");
	CHECK(crawl_frontier_seen_count(f) == 20004, "seen count %zu", crawl_frontier_seen_count(f));
	for (int i = 0; i < 20000 && ok; i++) {
		snprintf(u, sizeof u, "http://b/%d", i);
		if (crawl_frontier_pop(f, &it) != 1 || strcmp(it.url, u))
			ok = 0;
		free(ok ? it.url : NULL);
	}
	CHECK(ok, "FIFO among equal priorities");
	crawl_frontier_free(f);
}

typedef struct {
	char *v[64];
	int n;
	int total;
} links_t;

static int collect(void *ctx, const char *url, const char *tag)
{
	links_t *l = ctx;
	(void)tag;
	if (l->n < 64)
		l->v[l->n++] = strdup(url);
	l->total++;
	return 0;
}

static int has(const links_t *l, const char *url)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], url))
			return 1;
	return 0;
}

static void links_free(links_t *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	memset(l, 0, sizeof *l);
}

static void test_links(void)
{
	links_t l = {0};
	const char *html =
	    "<html><head><base href=\"http://cdn.example.com/base/\">"
	    "<link rel=stylesheet href=\"s.css\"><script src='/js/app.js'></script></head>"
	    "<body><a href=\"page.html\">p</a><A HREF=\"../up.html#frag\">u</A>"
	    "<a href=\"javascript:void(0)\">j</a><a href=\" JavaScript:x()\">j2</a>"
	    "<a href=\"mailto:someone@example.com\">m</a><a href=\"data:text/html,x\">d</a>"
	    "<a href=\"tel:+8613800000000\">t</a><a href=\"\">empty</a><a>nohref</a>"
	    "<img src=\"img/1.png\"><iframe src=\"https://other.example.org/f\"></iframe>"
	    "<map><area href=\"area.html\"></map><frameset><frame src=\"fr.html\"></frameset>"
	    "<a href=\"http://example.com/x?a=1&amp;b=2\">amp</a>";
	int n = crawl_links_html((const unsigned char *)html, strlen(html), "http://example.com/dir/index.html",
	                         100, collect, &l);
	CHECK(n == l.total, "count %d vs %d", n, l.total);
	CHECK(has(&l, "http://cdn.example.com/base/s.css"), "link href via base");
	CHECK(has(&l, "http://cdn.example.com/js/app.js"), "script src via base");
	CHECK(has(&l, "http://cdn.example.com/base/page.html"), "a href via base");
	CHECK(has(&l, "http://cdn.example.com/up.html"), "../ via base, fragment dropped");
	CHECK(has(&l, "http://cdn.example.com/base/img/1.png"), "img src");
	CHECK(has(&l, "https://other.example.org/f"), "iframe src");
	CHECK(has(&l, "http://cdn.example.com/base/area.html"), "area href");
	CHECK(has(&l, "http://example.com/x?a=1&b=2"), "entity decoded in href");
	for (int i = 0; i < l.n; i++)
		CHECK(!strncmp(l.v[i], "http://", 7) || !strncmp(l.v[i], "https://", 8), "non-http link %s", l.v[i]);
	links_free(&l);

	/* no base: relative to the page; broken markup recovered */
	const char *broken = "<p><a href=sub/a.html>x<a href='../b.html'><div><a href=\"/c.html\"</div>"
	                     "<a href=\"d e.html\">sp</a>";
	crawl_links_html((const unsigned char *)broken, strlen(broken), "http://h.example/x/y/z.html", 100,
	                 collect, &l);
	CHECK(has(&l, "http://h.example/x/y/sub/a.html"), "unquoted relative");
	CHECK(has(&l, "http://h.example/x/b.html"), "dot-dot relative");
	CHECK(has(&l, "http://h.example/x/y/d%20e.html"), "space encoded");
	links_free(&l);

	/* meta refresh is a link too; requisites told apart from navigation */
	const char *meta = "<meta http-equiv=\"Refresh\" content=\"3; URL='/moved.html'\">"
	                   "<meta http-equiv=refresh content=\"0;url=next.html\"><meta name=x content=\"1; url=/no\">";
	crawl_links_html((const unsigned char *)meta, strlen(meta), "http://m.example/a/b.html", 100, collect, &l);
	CHECK(has(&l, "http://m.example/moved.html"), "meta refresh, quoted URL");
	CHECK(has(&l, "http://m.example/a/next.html"), "meta refresh, bare URL");
	CHECK(!has(&l, "http://m.example/no"), "meta without http-equiv refresh ignored");
	links_free(&l);
	CHECK(crawl_link_is_requisite("img") && crawl_link_is_requisite("SCRIPT") && crawl_link_is_requisite("link"),
	      "requisite tags");
	CHECK(!crawl_link_is_requisite("a") && !crawl_link_is_requisite("area") && !crawl_link_is_requisite("meta"),
	      "navigation tags");

	/* 10k links: bounded by max_links */
	size_t cap = 10000 * 40 + 64, len = 0;
	char *big = malloc(cap);
	len += (size_t)snprintf(big + len, cap - len, "<html><body>");
	for (int i = 0; i < 10000; i++)
		len += (size_t)snprintf(big + len, cap - len, "<a href=\"/p/%d.html\">%d</a>", i, i);
	n = crawl_links_html((const unsigned char *)big, len, "http://big.example/", 1000, collect, &l);
	CHECK(n == 1000 && l.total == 1000, "bounded to 1000, got %d/%d", n, l.total);
	links_free(&l);
	n = crawl_links_html((const unsigned char *)big, len, "http://big.example/", 20000, collect, &l);
	CHECK(n == 10000, "all 10000 when allowed, got %d", n);
	links_free(&l);
	free(big);

	/* deep nesting does not recurse */
	size_t dn = 200000;
	char *deep = malloc(dn * 5 + 64);
	len = 0;
	for (size_t i = 0; i < dn; i++) {
		memcpy(deep + len, "<div>", 5);
		len += 5;
	}
	len += (size_t)snprintf(deep + len, 64, "<a href=\"/deep\">d</a>");
	crawl_links_html((const unsigned char *)deep, len, "http://d.example/", 10, collect, &l);
	CHECK(1, "deep nesting survived");
	links_free(&l);
	free(deep);

	/* empty and binary input */
	CHECK(crawl_links_html((const unsigned char *)"", 0, "http://e/", 10, collect, &l) == 0, "empty");
	const unsigned char bin[] = {0, 1, 2, 0xff, 0xfe, '<', 'a', 0};
	CHECK(crawl_links_html(bin, sizeof bin, "http://e/", 10, collect, &l) >= 0, "binary");
	links_free(&l);
}

static void test_robots(void)
{
	const char *txt = "# comment\n"
	                  "User-agent: otherbot\nDisallow: /\n\n"
	                  "User-agent: *\nDisallow: /private/\nAllow: /private/ok\nDisallow: /*.pdf$\n"
	                  "Disallow: /tmp\n";
	crawl_robots_t *r = crawl_robots_parse(txt, strlen(txt), "custody");
	CHECK(crawl_robots_allowed(r, "/"), "root allowed");
	CHECK(!crawl_robots_allowed(r, "/private/x"), "private disallowed");
	CHECK(crawl_robots_allowed(r, "/private/ok/1"), "longer allow wins");
	CHECK(!crawl_robots_allowed(r, "/docs/a.pdf"), "wildcard + $");
	CHECK(crawl_robots_allowed(r, "/docs/a.pdf?x=1"), "$ anchors");
	CHECK(!crawl_robots_allowed(r, "/tmp/x"), "prefix");
	CHECK(!crawl_robots_allowed(r, "/tmpfile"), "prefix without slash");
	CHECK(crawl_robots_allowed(r, "/robots.txt"), "robots.txt itself");
	crawl_robots_free(r);

	const char *own = "User-agent: *\nDisallow: /\n\nUser-agent: Custody/1.0\nUser-agent: foo\nDisallow: /no\n";
	r = crawl_robots_parse(own, strlen(own), "custody");
	CHECK(crawl_robots_allowed(r, "/yes"), "own group replaces *");
	CHECK(!crawl_robots_allowed(r, "/no"), "own group rule");
	crawl_robots_free(r);

	const char *empty_own = "User-agent: custody\nDisallow:\n\nUser-agent: *\nDisallow: /\n";
	r = crawl_robots_parse(empty_own, strlen(empty_own), "custody");
	CHECK(crawl_robots_allowed(r, "/anything"), "empty own group allows all");
	crawl_robots_free(r);

	const char *stars = "User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n";
	r = crawl_robots_parse(stars, strlen(stars), "custody");
	char path[4096];
	path[0] = '/';
	memset(path + 1, 'a', sizeof path - 2);
	path[sizeof path - 1] = '\0';
	CHECK(crawl_robots_allowed(r, path), "many stars: no match, no blow-up");
	crawl_robots_free(r);

	r = crawl_robots_fixed(0);
	CHECK(!crawl_robots_allowed(r, "/"), "fixed disallow");
	crawl_robots_free(r);
	r = crawl_robots_fixed(1);
	CHECK(crawl_robots_allowed(r, "/"), "fixed allow");
	crawl_robots_free(r);
}

/* --focus: a link seen again with a higher priority is queued again; only
 * one entry of a URL is ever claimed. */
static void test_frontier_raise(void)
{
	crawl_frontier_t *f = crawl_frontier_new();
	crawl_item_t it;
	CHECK(crawl_frontier_raise(f, "http://a/1", 1, 0, 0, CRAWL_ITEM_PAGE) == 1, "raise of a new URL queues it");
	CHECK(crawl_frontier_push(f, "http://a/2", 1, 0, 0, CRAWL_ITEM_PAGE) == 1, "push 2");
	CHECK(crawl_frontier_raise(f, "http://a/2", 3, 0, 0, CRAWL_ITEM_PAGE) == 0, "same priority: nothing");
	CHECK(crawl_frontier_raise(f, "http://a/2", 3, 0, 4, CRAWL_ITEM_PAGE) == 1, "higher: queued again");
	CHECK(crawl_frontier_raise(f, "http://a/2", 1, 0, 2, CRAWL_ITEM_PAGE) == 0, "lower than best: nothing");
	CHECK(crawl_frontier_size(f) == 3, "two entries of a/2, size %zu", crawl_frontier_size(f));
	CHECK(crawl_frontier_seen_count(f) == 2, "seen once each");
	CHECK(crawl_frontier_pop(f, &it) == 1 && !strcmp(it.url, "http://a/2") && it.priority == 4,
	      "the raised entry first");
	CHECK(it.depth == 1, "raised entry keeps the smaller depth (%d)", it.depth);
	CHECK(crawl_frontier_claim(f, it.url, it.priority) == 1, "raised entry claimed");
	CHECK(crawl_frontier_claim(f, it.url, it.priority) == 0, "claimed once only");
	free(it.url);
	CHECK(crawl_frontier_raise(f, "http://a/2", 0, 0, 6, CRAWL_ITEM_PAGE) == 0, "claimed: never again");
	CHECK(crawl_frontier_pop(f, &it) == 1 && !strcmp(it.url, "http://a/1"), "then a/1");
	CHECK(crawl_frontier_claim(f, it.url, it.priority) == 1, "a/1 claimed");
	free(it.url);
	CHECK(crawl_frontier_pop(f, &it) == 1 && !strcmp(it.url, "http://a/2") && it.priority == 0,
	      "the stale a/2 entry");
	CHECK(crawl_frontier_claim(f, it.url, it.priority) == 0, "stale entry refused");
	free(it.url);
	CHECK(crawl_frontier_claim(f, "http://never/", 0) == 1, "unknown URL: go ahead");
	/* stale lower entry popped before the raised one (it had moved to an
	 * origin's queue): refused, the raised one is fetched */
	crawl_frontier_push(f, "http://a/3", 1, 0, 0, CRAWL_ITEM_PAGE);
	CHECK(crawl_frontier_pop(f, &it) == 1, "a/3 popped");
	crawl_frontier_raise(f, "http://a/3", 1, 0, 2, CRAWL_ITEM_PAGE);
	CHECK(crawl_frontier_claim(f, it.url, it.priority) == 0, "a/3 old entry stale after raise");
	free(it.url);
	CHECK(crawl_frontier_pop(f, &it) == 1 && it.priority == 2, "a/3 raised entry");
	CHECK(crawl_frontier_claim(f, it.url, it.priority) == 1, "a/3 raised entry claimed");
	free(it.url);
	/* resume: URLs already in the case are never fetched */
	crawl_frontier_mark_seen(f, "http://a/9");
	CHECK(crawl_frontier_raise(f, "http://a/9", 0, 0, 5, CRAWL_ITEM_PAGE) == 0, "in the case: not queued");
	CHECK(crawl_frontier_pop(f, &it) == 0, "empty");
	crawl_frontier_free(f);
}

typedef struct {
	char url[256];
	char tag[16];
	char text[CRAWL_LINK_TEXT_MAX];
	size_t len;
} tlink_t;

typedef struct {
	tlink_t v[16];
	int n;
} tlinks_t;

static int collect_text(void *ctx, const char *url, const char *tag, const char *text, size_t len)
{
	tlinks_t *l = ctx;
	if (l->n < 16) {
		tlink_t *t = &l->v[l->n++];
		snprintf(t->url, sizeof t->url, "%s", url);
		snprintf(t->tag, sizeof t->tag, "%s", tag);
		if (len < sizeof t->text) {
			memcpy(t->text, text, len);
			t->text[len] = '\0';
		}
		t->len = len;
	}
	return 0;
}

static const tlink_t *tlink(const tlinks_t *l, const char *url)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].url, url))
			return &l->v[i];
	return NULL;
}

static void test_link_text(void)
{
	tlinks_t l;
	memset(&l, 0, sizeof l);
	const char *html =
	    "<html><head><link rel=stylesheet href=s.css></head><body>"
	    "<a href=t/101.html>【开盒】扒一扒<b>那个</b>\n   女生</a>"
	    "<a href=t/2.html title=\"人肉搜索\"><img src=x.png alt=\"照片\"></a>"
	    "<img src=id.jpg alt=\"身份证 照片\" title=曝光>"
	    "<a href=t/3.html>a<script>var x='开盒';</script>b</a>"
	    "<meta http-equiv=refresh content=\"0; url=r.html\">"
	    "<a href=t/1.html>周末去哪里爬山？</a></body></html>";
	int n = crawl_links_html_text((const unsigned char *)html, strlen(html), "http://h.example/",
	                              100, collect_text, &l);
	CHECK(n == l.n && n == 8, "links with text: %d (%d)", n, l.n);
	const tlink_t *t = tlink(&l, "http://h.example/t/101.html");
	CHECK(t && !strcmp(t->text, "【开盒】扒一扒那个 女生"), "anchor text, whitespace collapsed: '%s'", t ? t->text : "");
	t = tlink(&l, "http://h.example/t/2.html");
	CHECK(t && !strcmp(t->text, "人肉搜索 照片"), "title + image alt inside: '%s'", t ? t->text : "");
	t = tlink(&l, "http://h.example/id.jpg");
	CHECK(t && !strcmp(t->tag, "img") && !strcmp(t->text, "曝光 身份证 照片"), "img title + alt: '%s'", t ? t->text : "");
	t = tlink(&l, "http://h.example/t/3.html");
	CHECK(t && !strcmp(t->text, "ab"), "script text left out: '%s'", t ? t->text : "");
	t = tlink(&l, "http://h.example/s.css");
	CHECK(t && t->len == 0 && !strcmp(t->tag, "link"), "style sheet: no text");
	t = tlink(&l, "http://h.example/r.html");
	CHECK(t && t->len == 0 && !strcmp(t->tag, "meta"), "meta refresh: no text");

	/* a huge anchor: bounded, cut at a character boundary */
	size_t cap = 100000;
	char *big = malloc(cap);
	size_t len = (size_t)snprintf(big, cap, "<a href=big.html>");
	while (len + 16 < cap) {
		memcpy(big + len, "开盒 ", 7);
		len += 7;
	}
	memcpy(big + len, "</a>", 4);
	len += 4;
	memset(&l, 0, sizeof l);
	crawl_links_html_text((const unsigned char *)big, len, "http://h.example/", 10, collect_text, &l);
	CHECK(l.n == 1 && l.v[0].len > 0 && l.v[0].len < CRAWL_LINK_TEXT_MAX, "bounded text: %zu", l.v[0].len);
	int utf8_ok = l.n == 1;
	for (size_t i = 0; utf8_ok && i < l.v[0].len;) {
		unsigned char c = (unsigned char)l.v[0].text[i];
		size_t cl = c < 0x80 ? 1 : c >= 0xE0 ? 3 : 2;
		if (i + cl > l.v[0].len)
			utf8_ok = 0;
		i += cl;
	}
	CHECK(utf8_ok, "text ends on a character boundary");
	free(big);

	/* the plain entry point reports the same links */
	links_t pl = {0};
	CHECK(crawl_links_html((const unsigned char *)html, strlen(html), "http://h.example/", 100, collect, &pl) == 8,
	      "plain extraction: same count");
	links_free(&pl);

	/* issue 20 defect 3: only a <link> that embeds is a requisite */
	const char *rels = "<html><head><link rel=stylesheet href=a.css><link rel=\"shortcut ICON\" href=f.ico>"
	                   "<link rel=modulepreload href=m.js><link rel=manifest href=w.json>"
	                   "<link rel=canonical href=c.html><link rel=next href=n.html>"
	                   "<link rel=search href=s.xml><link rel=prefetch href=p.html><link href=norel.html>"
	                   "</head><body></body></html>";
	memset(&l, 0, sizeof l);
	crawl_links_html_text((const unsigned char *)rels, strlen(rels), "http://h.example/", 100, collect_text, &l);
	CHECK(l.n == 9, "link rels: %d links", l.n);
	static const char *const emb[] = {"a.css", "f.ico", "m.js", "w.json"};
	static const char *const nav[] = {"c.html", "n.html", "s.xml", "p.html", "norel.html"};
	char u[64];
	for (size_t i = 0; i < 4; i++) {
		snprintf(u, sizeof u, "http://h.example/%s", emb[i]);
		t = tlink(&l, u);
		CHECK(t && crawl_link_is_requisite(t->tag), "embedding link %s is a requisite (%s)", emb[i],
		      t ? t->tag : "-");
	}
	for (size_t i = 0; i < 5; i++) {
		snprintf(u, sizeof u, "http://h.example/%s", nav[i]);
		t = tlink(&l, u);
		CHECK(t && !crawl_link_is_requisite(t->tag), "hyperlink <link> %s is not a requisite (%s)", nav[i],
		      t ? t->tag : "-");
	}
}

static void test_focus_score(void)
{
	arc_error_t err;
	detect_rules_t *r = detect_rules_load(NULL, &err);
	CHECK(r != NULL, "built-in rules load");
	if (!r)
		return;
	const char *strong = "【开盒】扒一扒那个在群里骂人的女生";
	CHECK(detect_text_signal(r, strong, strlen(strong)) == 1.0, "开盒: strong");
	CHECK(detect_text_signal(r, "人肉搜索：插队男", strlen("人肉搜索：插队男")) == 1.0, "人肉: strong");
	CHECK(detect_text_signal(r, "扒皮某网红", strlen("扒皮某网红")) == 1.0, "扒皮: strong");
	CHECK(detect_text_signal(r, "扒一扒", strlen("扒一扒")) == 0.5, "扒一扒: weak");
	CHECK(detect_text_signal(r, "开盒发现屏幕有划痕", strlen("开盒发现屏幕有划痕")) == 0.0, "unboxing: no signal");
	CHECK(detect_text_signal(r, "她被开盒了，个人信息全网都是", strlen("她被开盒了，个人信息全网都是")) == 1.0,
	      "开盒 beside 个人信息: strong");
	CHECK(detect_text_signal(r, "Doxed again", 11) == 1.0, "English, any case");
	CHECK(detect_text_signal(r, "ｄｏｘｅｄ", strlen("ｄｏｘｅｄ")) == 1.0, "full-width folded");
	CHECK(detect_text_signal(r, "a paradox", 9) == 0.0, "no keyword inside a word");
	CHECK(detect_text_signal(r, "周末去哪里爬山？", strlen("周末去哪里爬山？")) == 0.0, "none");
	CHECK(detect_text_signal(r, "", 0) == 0.0 && detect_text_signal(NULL, "开盒", 6) == 0.0, "empty, no rules");
	const char bad[] = {'\xe5', '\xbc', 'x', '\xff', '\0'};
	CHECK(detect_text_signal(r, bad, 4) == 0.0, "invalid UTF-8: no crash, no signal");
	detect_rules_free(r);

	CHECK(crawl_focus_anchor("a", 1.0) == 2 && crawl_focus_anchor("a", 0.5) == 1 &&
	      crawl_focus_anchor("a", 0.0) == 0, "anchor levels");
	CHECK(crawl_focus_anchor("LINK", 1.0) == CRAWL_FOCUS_CODE && crawl_focus_anchor("script", 0.0) == CRAWL_FOCUS_CODE,
	      "style sheets and scripts");
	CHECK(crawl_focus_anchor("img", 1.0) == 2, "images are scored");

	/* the order the scores give: doxing source > keyword anchor > page with findings > nothing */
	int on_dox = crawl_focus_priority(0, 1, 1, 0);
	int kw = crawl_focus_priority(0, 0, 0, 2);
	int sig = crawl_focus_priority(0, 0, 1, 0);
	int none = crawl_focus_priority(0, 0, 0, 0);
	CHECK(on_dox == 4 && kw == 2 && sig == 1 && none == 0, "scores %d %d %d %d", on_dox, kw, sig, none);
	CHECK(crawl_focus_priority(0, 0, 1, 2) == 3 && crawl_focus_priority(0, 0, 0, 1) == 1, "sums");
	CHECK(crawl_focus_priority(0, 1, 0, 2) == CRAWL_FOCUS_MAX, "the most: doxing source + strong anchor");
	CHECK(crawl_focus_priority(6, 1, 1, CRAWL_FOCUS_CODE) == 0, "style sheet of a doxing page: 0");
	/* inherited: half the parent's, never added to the link's own score */
	CHECK(crawl_focus_priority(6, 0, 0, 0) == 3 && crawl_focus_priority(6, 0, 1, 0) == 3 &&
	      crawl_focus_priority(6, 0, 0, 2) == 3 && crawl_focus_priority(6, 1, 0, 0) == 4,
	      "inheritance: max(own, parent/2)");
	int p = CRAWL_FOCUS_MAX, steps = 0;
	while (p > 0 && steps < 10) {
		p = crawl_focus_priority(p, 0, 0, 0);
		steps++;
	}
	CHECK(p == 0 && steps <= 3, "without new evidence the weight fades (%d steps)", steps);
	/* a long chain of doxing pages with keyword links never grows past the cap */
	int ok = 1;
	p = 0;
	for (int i = 0; i < 1000; i++) {
		p = crawl_focus_priority(p, 1, 1, 2);
		if (p < 0 || p > CRAWL_FOCUS_MAX)
			ok = 0;
	}
	CHECK(ok && p == CRAWL_FOCUS_MAX, "bounded along a chain: %d", p);
	CHECK(crawl_focus_priority(1000000, 0, 0, 0) <= CRAWL_FOCUS_MAX && crawl_focus_priority(-5, 0, 0, 0) == 0,
	      "out-of-range parents");
}

static void test_types(void)
{
	CHECK(crawl_is_text_type("text/html; charset=gb18030"), "html");
	CHECK(crawl_is_text_type("application/json"), "json");
	CHECK(crawl_is_text_type("application/activity+json"), "+json");
	CHECK(crawl_is_text_type("TEXT/PLAIN"), "upper");
	CHECK(!crawl_is_text_type("image/png"), "png");
	CHECK(!crawl_is_text_type(""), "empty");
	CHECK(!crawl_is_text_type(NULL), "null");
	/* the crawl reads what `custody scan` reads: one classifier (detect_media_kind) */
	static const char *const alike[] = {"application/rss+xml", "application/atom+xml", "text/xml",
	                                    "application/xml", "application/x-ndjson", "text/json",
	                                    "application/ld+json", "text/html; charset=utf-8",
	                                    "application/xhtml+xml", "text/plain", "image/png",
	                                    "application/octet-stream", NULL};
	for (int i = 0; alike[i]; i++) {
		detect_kind_t k = detect_media_kind(alike[i]);
		CHECK(crawl_is_text_type(alike[i]) == (k != DETECT_KIND_NONE), "crawl and scan agree on %s", alike[i]);
		CHECK(crawl_is_html_type(alike[i]) == (k == DETECT_KIND_HTML), "links from %s as the scan reads it",
		      alike[i]);
	}
	CHECK(crawl_is_text_type("application/rss+xml") && crawl_is_html_type("application/rss+xml"),
	      "+xml is read and its links extracted");
	CHECK(crawl_is_text_type("application/x-ndjson") && !crawl_is_html_type("application/x-ndjson"),
	      "ndjson is read, no links");
}

static void test_requisites(void)
{
	links_t l = {0};
	const char *html =
	    "<html><head><style>body{background:url(\"/st.png\")} @import 'imp.css';</style></head><body>"
	    "<img src=a.jpg srcset=\"b.jpg 2x, c.jpg 3x,d.jpg\"><picture><source srcset=\"p.webp\"></picture>"
	    "<div style=\"background-image: url( 'bg.png' )\">x</div><video src=v.mp4 poster=po.jpg></video>"
	    "<a href=\"/l2&#0;z\">nul</a><a href=\"/l3&#x00;\">nul2</a></body></html>";
	crawl_links_html((const unsigned char *)html, strlen(html), "http://ex.com/d/p.html", 100, collect, &l);
	const char *want[] = {"http://ex.com/st.png", "http://ex.com/d/imp.css", "http://ex.com/d/a.jpg",
	                      "http://ex.com/d/b.jpg", "http://ex.com/d/c.jpg", "http://ex.com/d/d.jpg",
	                      "http://ex.com/d/p.webp", "http://ex.com/d/bg.png", "http://ex.com/d/v.mp4",
	                      "http://ex.com/d/po.jpg"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		CHECK(has(&l, want[i]), "requisite %s", want[i]);
	CHECK(!has(&l, "http://ex.com/l2"), "/l2&#0;z is not /l2");
	int nul = 0;
	for (int i = 0; i < l.n; i++)
		nul += !strncmp(l.v[i], "http://ex.com/l2", 16) && strlen(l.v[i]) > 16;
	CHECK(nul == 1, "/l2&#0;z kept as one URL with U+FFFD");
	links_free(&l);
	links_t c = {0};
	const char *css = "@import \"a.css\";\n@import url(b.css);\nx{src:url(data:font/woff,xx)}"
	                  "y{background:url(/img/i.png)} z{background:url(unterminated";
	int n = crawl_links_css((const unsigned char *)css, strlen(css), "http://ex.com/s/main.css", 100,
	                        collect, &c);
	CHECK(n == 3 && has(&c, "http://ex.com/s/a.css") && has(&c, "http://ex.com/s/b.css") &&
	      has(&c, "http://ex.com/img/i.png"), "style sheet: @import and url(), data: skipped (%d)", n);
	CHECK(crawl_link_is_requisite("style"), "a style link is a requisite");
	links_free(&c);
}

static void test_filter_retry(void)
{
	const char *inc[] = {"/keep/", "^https://"};
	const char *exc[] = {"logout|delete"};
	arc_error_t err;
	crawl_filter_t *f = crawl_filter_new(inc, 2, exc, 1, &err);
	CHECK(f != NULL, "filter compiles");
	CHECK(crawl_filter_match(f, "http://ex.com/keep/1"), "include matches");
	CHECK(crawl_filter_match(f, "https://ex.com/x"), "second include matches");
	CHECK(!crawl_filter_match(f, "http://ex.com/other"), "no include matches");
	CHECK(!crawl_filter_match(f, "http://ex.com/keep/logout"), "exclude wins");
	CHECK(crawl_filter_match(NULL, "http://x/"), "no filter: everything");
	crawl_filter_free(f);
	const char *bad[] = {"("};
	CHECK(crawl_filter_new(bad, 1, NULL, 0, &err) == NULL && strstr(err.msg, "--include"),
	      "a bad expression names its option: %s", err.msg);
	CHECK(crawl_retry_after("120", 0) == 120, "Retry-After seconds");
	CHECK(crawl_retry_after(" 7 ", 0) == 7, "Retry-After with blanks");
	CHECK(crawl_retry_after("-1", 0) == -1 && crawl_retry_after("soon", 0) == -1, "unusable Retry-After");
	CHECK(crawl_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30) == 30, "Retry-After date");
	CHECK(crawl_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 5) == 0, "a past date: now");
}

static void test_redact(void)
{
	const char *names[] = {"X-Api-Key"};
	crawl_capture_ctx_t c;
	memset(&c, 0, sizeof c);
	c.secret_names = names;
	c.nsecret_names = 1;
	const char *req = "GET / HTTP/1.1\r\nHost: ex.com\r\nCookie: a=b; c=d\r\n"
	                  "authorization:  Bearer t  \r\nX-API-KEY: k\r\nAccept: */*\r\n\r\n";
	arc_buf_t out = {0};
	char list[256];
	int rc = crawl_request_redact(&c, (const unsigned char *)req, strlen(req), &out, list, sizeof list);
	char d1[ARC_DIGEST_LEN], d2[ARC_DIGEST_LEN], d3[ARC_DIGEST_LEN], want[1024];
	arc_sha256_hex("a=b; c=d", 8, d1);
	arc_sha256_hex("Bearer t", 8, d2);
	arc_sha256_hex("k", 1, d3);
	snprintf(want, sizeof want, "GET / HTTP/1.1\r\nHost: ex.com\r\nCookie: %s\r\nauthorization: %s\r\n"
	         "X-API-KEY: %s\r\nAccept: */*\r\n\r\n", d1, d2, d3);
	CHECK(rc == 1 && out.len == strlen(want) && !memcmp(out.data, want, out.len),
	      "secrets hashed, the rest as sent: %.*s", (int)out.len, (const char *)out.data);
	CHECK(!strcmp(list, "Cookie, authorization, X-API-KEY"), "hashed names: %s", list);
	c.keep_secrets = 1;
	CHECK(crawl_request_redact(&c, (const unsigned char *)req, strlen(req), &out, list, sizeof list) == 0,
	      "--keep-secrets: stored as sent");
	c.keep_secrets = 0;
	const char *plain = "GET / HTTP/1.1\r\nHost: ex.com\r\n\r\n";
	CHECK(crawl_request_redact(&c, (const unsigned char *)plain, strlen(plain), &out, list, sizeof list) == 0,
	      "nothing secret: stored as sent");
	arc_buf_free(&out);
}

int main(void)
{
	test_requisites();
	test_filter_retry();
	test_redact();
	test_normalize();
	test_scope();
	test_frontier();
	test_frontier_raise();
	test_links();
	test_link_text();
	test_focus_score();
	test_robots();
	test_types();
	TU_END();
}
