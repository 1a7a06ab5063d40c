/*
 * test_proxy.c — the browser proxy (crawler/browser/proxy.c): its request parser
 * (crawl_proxy_parse_head, crawl_proxy_target_url) on what a browser sends
 * and on what a hostile or broken client sends; then the proxy itself on
 * 127.0.0.1 with real sockets and real TLS: requests reach the crawl's side
 * and its refusals reach the client, malformed, oversized, chunked and
 * WebSocket requests are refused, CONNECT ends in TLS with a leaf the
 * per-crawl CA signed (ALPN http/1.1), a non-loopback address gets nothing,
 * connections beyond the bound and idle ones are closed, and stopping never
 * hangs on a client. Answers with captured responses are tested end to end
 * (tests/e2e/test_crawl_browser.py).
 */
#include <errno.h>
#include <ifaddrs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "browser/browser.h"
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


/* ---------------------------------------------------------------- the proxy on 127.0.0.1 */

/* The crawl's side, played by a thread: every request is refused with 403
 * and its URL kept. */
static struct {
	crawl_proxy_t *p;
	pthread_mutex_t mu;
	int quit;
	char last_url[4096];
	char last_method[24];
	int seen;
} side = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void *side_main(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&side.mu);
		int quit = side.quit;
		pthread_mutex_unlock(&side.mu);
		if (quit)
			break;
		crawl_proxy_req_t *r = crawl_proxy_next(side.p);
		if (!r) {
			usleep(2000);
			continue;
		}
		pthread_mutex_lock(&side.mu);
		snprintf(side.last_url, sizeof side.last_url, "%s", crawl_proxy_req_url(r));
		snprintf(side.last_method, sizeof side.last_method, "%s", crawl_proxy_req_method(r));
		side.seen++;
		pthread_mutex_unlock(&side.mu);
		crawl_proxy_refuse(r, 403, "test refusal");
	}
	return NULL;
}

static int dial(const char *ip, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, ip, &a.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = {.tv_sec = 60};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send req (len bytes), read until the peer closes or a whole response with
 * Content-Length is in; out gets it NUL-terminated. */
static size_t exchange(int fd, const char *req, size_t len, char *out, size_t outsz)
{
	size_t got = 0;
	if (len && send(fd, req, len, MSG_NOSIGNAL) < 0)
		return 0;
	for (;;) {
		ssize_t n = recv(fd, out + got, outsz - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		out[got] = '\0';
		const char *end = strstr(out, "\r\n\r\n"), *cl = strstr(out, "Content-Length: ");
		if (end && cl && cl < end && got >= (size_t)(end + 4 - out) + strtoul(cl + 16, NULL, 10))
			break;
		if (got + 1 >= outsz)
			break;
	}
	out[got] = '\0';
	return got;
}

static int closed_by_peer(int fd)
{
	char b[64];
	ssize_t n = recv(fd, b, sizeof b, 0);
	return n == 0 || (n < 0 && errno == ECONNRESET);
}

static void test_proxy_plain(int port)
{
	char resp[8192];
	int fd = dial("127.0.0.1", port);
	const char *get = "GET http://127.0.0.1:1/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nProxy-Connection: keep-alive\r\n\r\n";
	exchange(fd, get, strlen(get), resp, sizeof resp);
	CHECK(!strncmp(resp, "HTTP/1.1 403 ", 13) && strstr(resp, "test refusal"), "GET refused by the crawl's side: %.80s", resp);
	pthread_mutex_lock(&side.mu);
	CHECK(!strcmp(side.last_url, "http://127.0.0.1:1/x?y=1") && !strcmp(side.last_method, "GET"),
	      "the crawl saw GET %s", side.last_url);
	pthread_mutex_unlock(&side.mu);
	/* the same connection carries the next request (keep-alive) */
	const char *post = "POST http://127.0.0.1:1/api HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Length: 5\r\n\r\nhello";
	exchange(fd, post, strlen(post), resp, sizeof resp);
	CHECK(!strncmp(resp, "HTTP/1.1 403 ", 13), "POST on the kept-alive connection: %.40s", resp);
	pthread_mutex_lock(&side.mu);
	CHECK(!strcmp(side.last_method, "POST"), "the crawl saw POST");
	pthread_mutex_unlock(&side.mu);
	close(fd);

	static const struct {
		const char *req;
		const char *want;
	} bad[] = {
		{"GARBAGE\r\n\r\n", "HTTP/1.1 400 "},
		{"GET /relative HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 400 "},
		{"GET http://a/ HTTP/1.1\r\nX: a\x01\r\n\r\n", "HTTP/1.1 400 "},
		{"GET http://a/ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "HTTP/1.1 403 "},
		{"POST http://a/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "HTTP/1.1 411 "},
		{"POST http://a/ HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n", "HTTP/1.1 413 "},
		{"CONNECT nohost HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "},
		{"CONNECT a:99999 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "},
		{"CONNECT a,DNS:b:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fd = dial("127.0.0.1", port);
		exchange(fd, bad[i].req, strlen(bad[i].req), resp, sizeof resp);
		CHECK(!strncmp(resp, bad[i].want, strlen(bad[i].want)) && strstr(resp, "Connection: close") &&
		      closed_by_peer(fd), "bad request #%zu: want %s, got %.60s", i, bad[i].want, resp);
		close(fd);
	}
	/* a head that never ends: 431 once the bound is reached */
	fd = dial("127.0.0.1", port);
	char *big = malloc(CRAWL_PROXY_MAX_HEAD + 10);
	memset(big, 'a', CRAWL_PROXY_MAX_HEAD + 10);
	memcpy(big, "GET http://a/", 13);
	exchange(fd, big, CRAWL_PROXY_MAX_HEAD + 10, resp, sizeof resp);
	CHECK(!strncmp(resp, "HTTP/1.1 431 ", 13), "oversized head: 431 (%.40s)", resp);
	free(big);
	close(fd);
}

static void test_proxy_tls(crawl_proxy_t *p, int port, const char *host, const char *authority)
{
	char resp[8192], req[512];
	int fd = dial("127.0.0.1", port);
	snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", authority, authority);
	send(fd, req, strlen(req), MSG_NOSIGNAL);
	/* read exactly the 200 head: the TLS handshake follows on the same socket */
	size_t got = 0;
	while (got < sizeof resp - 1 && !(got >= 4 && !memcmp(resp + got - 4, "\r\n\r\n", 4)) &&
	       recv(fd, resp + got, 1, 0) == 1)
		got++;
	resp[got] = '\0';
	CHECK(!strncmp(resp, "HTTP/1.1 200 ", 13), "CONNECT %s: 200 (%.40s)", authority, resp);

	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	BIO *b = BIO_new_mem_buf(crawl_proxy_ca_pem(p), -1);
	X509 *ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	CHECK(ca != NULL, "the CA PEM parses");
	X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	static const unsigned char alpn[] = "\x02h2\x08http/1.1";
	SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1);
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, host);
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
	if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1)
		X509_VERIFY_PARAM_set1_host(vp, host, 0);
	int hs = SSL_connect(ssl);
	CHECK(hs == 1 && SSL_get_verify_result(ssl) == X509_V_OK,
	      "TLS to %s: the leaf verifies against the per-crawl CA for that name (%d, %ld)", host, hs,
	      SSL_get_verify_result(ssl));
	const unsigned char *sel = NULL;
	unsigned int sl = 0;
	SSL_get0_alpn_selected(ssl, &sel, &sl);
	CHECK(sl == 8 && !memcmp(sel, "http/1.1", 8), "ALPN: http/1.1 only, even when h2 is offered");
	X509 *leaf = SSL_get1_peer_certificate(ssl);
	BASIC_CONSTRAINTS *bc = leaf ? X509_get_ext_d2i(leaf, NID_basic_constraints, NULL, NULL) : NULL;
	CHECK(bc && !bc->ca, "the leaf is not a CA");
	BASIC_CONSTRAINTS_free(bc);
	X509_free(leaf);
	bc = X509_get_ext_d2i(ca, NID_basic_constraints, NULL, NULL);
	CHECK(bc && bc->ca, "the CA has basicConstraints CA:TRUE");
	BASIC_CONSTRAINTS_free(bc);
	char subj[512];
	X509_NAME_oneline(X509_get_subject_name(ca), subj, sizeof subj);
	CHECK(strstr(subj, "custody") && strstr(subj, "case unit-case"), "CA subject names custody and the case: %s", subj);
	if (hs == 1) {
		snprintf(req, sizeof req, "GET /api/v1?x=2 HTTP/1.1\r\nHost: %s\r\n\r\n", authority);
		SSL_write(ssl, req, (int)strlen(req));
		int n = SSL_read(ssl, resp, sizeof resp - 1);
		resp[n > 0 ? n : 0] = '\0';
		CHECK(!strncmp(resp, "HTTP/1.1 403 ", 13), "GET inside the tunnel: 403 from the crawl's side (%.40s)", resp);
		char want[300];
		snprintf(want, sizeof want, "https://%s/api/v1?x=2", strstr(authority, ":443") ? host : authority);
		pthread_mutex_lock(&side.mu);
		CHECK(!strcmp(side.last_url, want), "the crawl saw %s (want %s)", side.last_url, want);
		pthread_mutex_unlock(&side.mu);
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	X509_free(ca);
	close(fd);
}

static void test_proxy(void)
{
	crawl_proxy_opts_t o = {.case_id = "unit-case"};
	arc_error_t err;
	CHECK(crawl_proxy_start(&o, &side.p, &err) == 0, "proxy starts: %s", err.msg);
	if (!side.p)
		return;
	int port = crawl_proxy_port(side.p);
	CHECK(port > 0 && strstr(crawl_proxy_addr(side.p), "127.0.0.1:"), "listens on 127.0.0.1:%d", port);
	CHECK(strlen(crawl_proxy_ca_spki(side.p)) == 44 && strchr(crawl_proxy_spki_list(side.p), ','),
	      "SPKI hashes: %s", crawl_proxy_spki_list(side.p));
	CHECK(!strstr(crawl_proxy_ca_pem(side.p), "PRIVATE"), "no key in the CA PEM");
	pthread_t t;
	pthread_create(&t, NULL, side_main, NULL);
	test_proxy_plain(port);
	test_proxy_tls(side.p, port, "127.0.0.1", "127.0.0.1:8443");
	test_proxy_tls(side.p, port, "localhost", "localhost:443");
	test_proxy_tls(side.p, port, "localhost", "localhost:443"); /* the cached leaf */

	/* a non-loopback address of this machine gets nothing */
	struct ifaddrs *ifs = NULL, *i;
	char ip[64] = "";
	if (getifaddrs(&ifs) == 0) {
		for (i = ifs; i && !ip[0]; i = i->ifa_next)
			if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET) {
				struct sockaddr_in *a = (struct sockaddr_in *)i->ifa_addr;
				if ((ntohl(a->sin_addr.s_addr) >> 24) != 127)
					inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
			}
		freeifaddrs(ifs);
	}
	if (ip[0]) {
		int fd = dial(ip, port);
		CHECK(fd < 0 || closed_by_peer(fd), "a client on %s (not loopback) gets nothing", ip);
		if (fd >= 0)
			close(fd);
	} else {
		printf("skip: this machine has no non-loopback IPv4 address to connect from\n");
	}
	pthread_mutex_lock(&side.mu);
	side.quit = 1;
	pthread_mutex_unlock(&side.mu);
	pthread_join(t, NULL);
	crawl_proxy_stats_t st;
	crawl_proxy_stats(side.p, &st);
	CHECK(st.requests >= 5 && st.bad_requests >= 9, "stats: %llu requests, %llu bad",
	      (unsigned long long)st.requests, (unsigned long long)st.bad_requests);
	crawl_proxy_stop(side.p);
	side.p = NULL;

	/* bounds: a connection over max_conns is closed at once; an idle one
	 * after idle_s; stop does not wait for a client whose request nobody
	 * answers */
	crawl_proxy_t *p = NULL;
	crawl_proxy_opts_t o2 = {.case_id = "unit-case", .max_conns = 2, .idle_s = 1};
	CHECK(crawl_proxy_start(&o2, &p, &err) == 0, "second proxy starts");
	if (!p)
		return;
	port = crawl_proxy_port(p);
	int a = dial("127.0.0.1", port);
	const char *get = "GET http://127.0.0.1:1/wait HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n";
	send(a, get, strlen(get), MSG_NOSIGNAL); /* waits: nobody takes it */
	int b = dial("127.0.0.1", port);
	int c = dial("127.0.0.1", port);
	CHECK(closed_by_peer(c), "a third connection over max_conns 2 is closed");
	CHECK(closed_by_peer(b), "an idle connection is closed after idle_s");
	crawl_proxy_stop(p);
	CHECK(closed_by_peer(a), "stop closes a connection waiting for its answer");
	close(a);
	close(b);
	close(c);
}

int main(void)
{
	test_good();
	test_bad();
	test_proxy();
	TU_END();
}
