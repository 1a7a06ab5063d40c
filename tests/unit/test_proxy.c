/*
 * test_proxy.c — unit tests of the browser proxy's request parser
 * (crawl_proxy_parse_head, crawl_proxy_target_url): what a browser sends
 * parses, what a hostile or broken client sends is refused with a reason,
 * and nothing reads past the head. The proxy's network side is tested end
 * to end (tests/e2e/test_browser.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "tu.h"

static crawl_proxy_head_t h;

static int parse(const char *s)
{
	arc_error_t err;
	/* a copy of exactly the head, so that ASan sees any read past it */
	size_t n = strlen(s);
	unsigned char *b = malloc(n ? n : 1);
	memcpy(b, s, n);
	int rc = crawl_proxy_parse_head(b, n, &h, &err);
	free(b);
	return rc;
}

static const char *header_value(const char *buf, const char *name, char *out, size_t outsz)
{
	for (size_t i = 0; i < h.nheaders; i++)
		if (h.h[i].name_len == strlen(name) && !strncasecmp(buf + h.h[i].name_off, name, h.h[i].name_len)) {
			snprintf(out, outsz, "%.*s", (int)h.h[i].value_len, buf + h.h[i].value_off);
			return out;
		}
	return NULL;
}

static void test_good(void)
{
	const char *get = "GET http://127.0.0.1:8080/a/b?c=1 HTTP/1.1\r\n"
	                  "Host: 127.0.0.1:8080\r\n"
	                  "Proxy-Connection: keep-alive\r\n"
	                  "Accept-Encoding: gzip, deflate, br\r\n"
	                  "X-Empty:\r\n"
	                  "User-Agent:  Mozilla/5.0 (X11)  \r\n\r\n";
	CHECK(parse(get) == 0, "a browser's GET parses");
	CHECK(!strcmp(h.method, "GET"), "method %s", h.method);
	CHECK(h.minor == 1 && !h.close && !h.upgrade && !h.chunked && h.content_length == -1, "flags");
	CHECK(h.nheaders == 5, "5 headers, got %zu", h.nheaders);
	char v[200], url[300];
	CHECK_STR(header_value(get, "user-agent", v, sizeof v), "Mozilla/5.0 (X11)");
	CHECK_STR(header_value(get, "x-empty", v, sizeof v), "");
	CHECK(crawl_proxy_target_url((const unsigned char *)get, &h, NULL, url, sizeof url) == 0, "target");
	CHECK(!strcmp(url, "http://127.0.0.1:8080/a/b?c=1"), "url %s", url);
	CHECK(crawl_proxy_target_url((const unsigned char *)get, &h, "x.example", url, sizeof url) != 0,
	      "absolute-form inside a tunnel refused");

	const char *post = "POST /api/v1/user HTTP/1.1\r\nHost: x.example\r\nContent-Length: 17\r\n"
	                   "Content-Length: 17\r\nConnection: close\r\n\r\n";
	CHECK(parse(post) == 0, "POST with a repeated equal Content-Length");
	CHECK(h.content_length == 17 && h.close, "length 17, close");
	CHECK(crawl_proxy_target_url((const unsigned char *)post, &h, "x.example:8443", url, sizeof url) == 0,
	      "origin-form in a tunnel");
	CHECK(!strcmp(url, "https://x.example:8443/api/v1/user"), "url %s", url);
	CHECK(crawl_proxy_target_url((const unsigned char *)post, &h, NULL, url, sizeof url) != 0,
	      "origin-form outside a tunnel refused");

	CHECK(parse("CONNECT x.example:443 HTTP/1.1\r\nHost: x.example:443\r\n\r\n") == 0, "CONNECT");
	CHECK(!strcmp(h.method, "CONNECT"), "method %s", h.method);
	CHECK(parse("GET http://a/ HTTP/1.0\r\n\r\n") == 0 && h.close, "HTTP/1.0 closes by default");
	CHECK(parse("GET http://a/ HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") == 0 && !h.close,
	      "HTTP/1.0 keep-alive");
	CHECK(parse("GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n") == 0 &&
	      h.upgrade, "a WebSocket upgrade is seen (the proxy refuses it)");
	CHECK(parse("PUT http://a/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == 0 && h.chunked,
	      "chunked body seen (the proxy answers 411)");
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"",
		"\r\n\r\n",
		"GET http://a/ HTTP/1.1\r\n",                       /* no blank line */
		"GET http://a/ HTTP/1.1\n\n",                       /* bare LF */
		"GET  http://a/ HTTP/1.1\r\n\r\n",                  /* two spaces */
		"G(T http://a/ HTTP/1.1\r\n\r\n",                   /* not a token */
		"GET http://a/ HTTP/2.0\r\n\r\n",
		"GET http://a/ HTTP/1.1x\r\n\r\n",
		"GET http://a/\x01 HTTP/1.1\r\n\r\n",
		"GET http://a/ HTTP/1.1\r\n folded: x\r\n\r\n",     /* obs-fold */
		"GET http://a/ HTTP/1.1\r\nNo colon\r\n\r\n",
		"GET http://a/ HTTP/1.1\r\n: empty name\r\n\r\n",
		"GET http://a/ HTTP/1.1\r\nX: a\x01b\r\n\r\n",
		"GET http://a/ HTTP/1.1\r\nX: a\rb\r\n\r\n",
		"POST http://a/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"POST http://a/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST http://a/ HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n",
		"POST http://a/ HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"POST http://a/ HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST http://a/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET http://a/ HTTP/1.1\r\n\r\nGET http://b/ HTTP/1.1\r\n\r\n", /* a second request in the head */
		"VERYLONGMETHODNAMEOVERTWENTYFOUR http://a/ HTTP/1.1\r\n\r\n",
		NULL,
	};
	for (int i = 0; bad[i]; i++)
		CHECK(parse(bad[i]) != 0, "accepted bad head #%d", i);

	/* bounds: too many headers, a head over the limit, an overlong target */
	char *big = malloc(CRAWL_PROXY_MAX_HEAD + 100);
	size_t n = (size_t)snprintf(big, 64, "GET http://a/ HTTP/1.1\r\n");
	for (int i = 0; i <= CRAWL_PROXY_MAX_HEADERS; i++)
		n += (size_t)snprintf(big + n, 32, "X-H%d: v\r\n", i);
	memcpy(big + n, "\r\n", 3);
	arc_error_t err;
	CHECK(crawl_proxy_parse_head((unsigned char *)big, n + 2, &h, &err) == ARC_ELIMIT,
	      "more than %d headers: ARC_ELIMIT", CRAWL_PROXY_MAX_HEADERS);
	memset(big, 'a', CRAWL_PROXY_MAX_HEAD + 100);
	memcpy(big, "GET http://a/", 13);
	memcpy(big + CRAWL_PROXY_MAX_HEAD + 96, "\r\n\r\n", 4);
	CHECK(crawl_proxy_parse_head((unsigned char *)big, CRAWL_PROXY_MAX_HEAD + 100, &h, &err) == ARC_ELIMIT,
	      "head over the limit");
	size_t tl = CRAWL_MAX_URL + 10;
	memcpy(big + 13 + tl, " HTTP/1.1\r\n\r\n", 13);
	CHECK(crawl_proxy_parse_head((unsigned char *)big, 13 + tl + 13, &h, &err) == ARC_EFORMAT,
	      "target longer than CRAWL_MAX_URL");
	free(big);

	CHECK(parse("GET https://a/ HTTP/1.1\r\n\r\n") == 0, "parses");
	char url[64];
	CHECK(crawl_proxy_target_url((const unsigned char *)"GET https://a/ HTTP/1.1\r\n\r\n", &h, NULL, url,
	                             sizeof url) != 0, "https:// absolute-form refused (CONNECT it)");
	CHECK(parse("GET http:///x HTTP/1.1\r\n\r\n") == 0 &&
	      crawl_proxy_target_url((const unsigned char *)"GET http:///x HTTP/1.1\r\n\r\n", &h, NULL, url,
	                             sizeof url) != 0, "no host refused");
}

int main(void)
{
	test_good();
	test_bad();
	TU_END();
}
