/*
 * proxy.c — the HTTP/HTTPS forward proxy the browser must use (custody crawl
 * --browser): every byte the browser receives comes from the origin through
 * the crawl's own libcurl path, so each body it shows is a wire-exact
 * response record.
 *
 * Threads: one listener (poll on the socket and a stop pipe) and one thread
 * per browser connection, at most max_conns. A connection thread reads a
 * request head (bounded), parses it strictly, reads the body (bounded by
 * Content-Length; chunked request bodies are refused with 411), and puts a
 * request on a locked queue; the wakeup callback makes the crawl's main loop
 * return from crawl_fetch_run() and take it with crawl_proxy_next(). The main
 * thread either refuses it (out of scope: 403, never fetched) or fetches it
 * like any URL, writes its records, and hands the finished transfer back with
 * crawl_proxy_answer(); the connection thread then writes the response to the
 * browser and frees the transfer. The main thread never blocks on a browser.
 *
 * TLS: CONNECT host:port is answered 200 and the browser's TLS is terminated
 * here with a leaf certificate for host (SAN DNS or IP) minted on demand and
 * cached, signed by a CA made at start (EC P-256; both keys exist only in
 * memory). ALPN offers http/1.1 only. The browser trusts the CA through
 * --ignore-certificate-errors-spki-list, nothing system-wide.
 *
 * Framing to the browser: the status line, the headers but the hop-by-hop
 * ones (Connection and what it names, Keep-Alive, Proxy-*, TE, Trailer,
 * Upgrade) and the body bytes exactly as received (Content-Encoding and
 * chunked framing kept), the spooled part read back from the spool file.
 * The connection stays open when the response is HTTP/1.1, complete and
 * delimited (Content-Length, chunked, or no body by its status); otherwise
 * the proxy adds "Connection: close" and closes it after the body.
 *
 * Must never: accept a peer that is not loopback, send the browser a byte of
 * a response that did not come from the origin (its own refusals aside),
 * write or log a private key, block the main thread, or let a client hold a
 * connection thread past the idle timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "browser.h"

#define PROXY_MAX_LEAVES 4096   /* hosts with a cached leaf certificate */
#define PROXY_MAX_AUTHORITY 300 /* "host:port" of a CONNECT */

/* ---------------------------------------------------------------- parser */

static int is_tchar(unsigned char ch)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
		return 1;
	return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static int ieq(const unsigned char *a, size_t alen, const char *b)
{
	size_t bl = strlen(b);
	if (alen != bl)
		return 0;
	for (size_t i = 0; i < bl; i++) {
		unsigned char x = a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

/* Does the comma-separated list v contain token tok (case-insensitive)? */
static int has_token(const unsigned char *v, size_t len, const char *tok)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < len && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && ieq(v + s, e - s, tok))
			return 1;
	}
	return 0;
}

int crawl_proxy_parse_head(const unsigned char *buf, size_t len, crawl_proxy_head_t *h,
                           arc_error_t *err)
{
	memset(h, 0, sizeof *h);
	h->content_length = -1;
	if (len > CRAWL_PROXY_MAX_HEAD)
		return arc_fail(err, ARC_ELIMIT, "", 0, "", "request head longer than %u bytes",
		                CRAWL_PROXY_MAX_HEAD);
	if (len < 4 || memcmp(buf + len - 4, "\r\n\r\n", 4))
		return arc_fail(err, ARC_EFORMAT, "", 0, "", "request head does not end in CRLF CRLF");
	/* request-line: method SP target SP HTTP/1.x CRLF */
	size_t i = 0;
	while (i < len && is_tchar(buf[i]))
		i++;
	if (i == 0 || i >= sizeof h->method || buf[i] != ' ')
		return arc_fail(err, ARC_EFORMAT, "", 0, "", "bad request method");
	memcpy(h->method, buf, i);
	h->method[i] = '\0';
	h->target_off = ++i;
	while (i < len && buf[i] > 0x20 && buf[i] < 0x7f)
		i++;
	h->target_len = i - h->target_off;
	if (!h->target_len || h->target_len >= CRAWL_MAX_URL || i >= len || buf[i] != ' ')
		return arc_fail(err, ARC_EFORMAT, "", 0, "", "bad request target");
	i++;
	if (len - i < 10 || memcmp(buf + i, "HTTP/1.", 7) || buf[i + 7] < '0' || buf[i + 7] > '1' ||
	    buf[i + 8] != '\r' || buf[i + 9] != '\n')
		return arc_fail(err, ARC_EFORMAT, "", 0, "", "not an HTTP/1.0 or HTTP/1.1 request line");
	h->minor = buf[i + 7] - '0';
	i += 10;
	int keep_alive = 0, has_te = 0;
	while (i + 2 <= len && !(buf[i] == '\r' && buf[i + 1] == '\n')) {
		size_t ns = i;
		while (i < len && is_tchar(buf[i]))
			i++;
		if (i == ns || i >= len || buf[i] != ':')
			return arc_fail(err, ARC_EFORMAT, "", 0, "", "bad header name (or obsolete line folding)");
		size_t nl = i - ns;
		i++;
		while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		size_t vs = i;
		while (i < len && buf[i] != '\r') {
			if ((buf[i] < 0x20 && buf[i] != '\t') || buf[i] == 0x7f)
				return arc_fail(err, ARC_EFORMAT, "", 0, "", "control byte in a header value");
			i++;
		}
		if (i + 1 >= len || buf[i + 1] != '\n')
			return arc_fail(err, ARC_EFORMAT, "", 0, "", "header line not ended by CRLF");
		size_t ve = i;
		while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
			ve--;
		i += 2;
		if (h->nheaders == CRAWL_PROXY_MAX_HEADERS)
			return arc_fail(err, ARC_ELIMIT, "", 0, "", "more than %d headers",
			                CRAWL_PROXY_MAX_HEADERS);
		h->h[h->nheaders].name_off = ns;
		h->h[h->nheaders].name_len = nl;
		h->h[h->nheaders].value_off = vs;
		h->h[h->nheaders].value_len = ve - vs;
		h->nheaders++;
		const unsigned char *name = buf + ns, *val = buf + vs;
		size_t vl = ve - vs;
		if (ieq(name, nl, "content-length")) {
			int64_t n = 0;
			if (!vl || vl > 15)
				return arc_fail(err, ARC_EFORMAT, "", 0, "", "bad Content-Length");
			for (size_t k = 0; k < vl; k++) {
				if (val[k] < '0' || val[k] > '9')
					return arc_fail(err, ARC_EFORMAT, "", 0, "", "bad Content-Length");
				n = n * 10 + (val[k] - '0');
			}
			if (h->content_length >= 0 && h->content_length != n)
				return arc_fail(err, ARC_EFORMAT, "", 0, "", "two different Content-Length values");
			h->content_length = n;
		} else if (ieq(name, nl, "transfer-encoding")) {
			if (has_te || !ieq(val, vl, "chunked"))
				return arc_fail(err, ARC_EFORMAT, "", 0, "",
				                "Transfer-Encoding other than a single \"chunked\"");
			has_te = 1;
			h->chunked = 1;
		} else if (ieq(name, nl, "connection") || ieq(name, nl, "proxy-connection")) {
			if (has_token(val, vl, "close"))
				h->close = 1;
			if (has_token(val, vl, "keep-alive"))
				keep_alive = 1;
		} else if (ieq(name, nl, "upgrade")) {
			h->upgrade = 1;
		}
	}
	if (i + 2 != len)
		return arc_fail(err, ARC_EFORMAT, "", 0, "", "bytes after the blank line of the head");
	if (h->chunked && h->content_length >= 0)
		return arc_fail(err, ARC_EFORMAT, "", 0, "", "both Content-Length and Transfer-Encoding");
	if (h->minor == 0 && !keep_alive)
		h->close = 1;
	return 0;
}

int crawl_proxy_target_url(const unsigned char *buf, const crawl_proxy_head_t *h,
                           const char *authority, char *out, size_t outsz)
{
	const char *t = (const char *)buf + h->target_off;
	size_t tl = h->target_len;
	int n;
	if (authority) {
		if (tl < 1 || t[0] != '/')
			return ARC_EFORMAT;
		n = snprintf(out, outsz, "https://%s%.*s", authority, (int)tl, t);
	} else {
		if (tl < 8 || strncasecmp(t, "http://", 7) || t[7] == '/')
			return ARC_EFORMAT;
		n = snprintf(out, outsz, "%.*s", (int)tl, t);
	}
	if (n < 0 || (size_t)n >= outsz)
		return ARC_EFORMAT;
	return 0;
}

/* ---------------------------------------------------------------- state */

struct crawl_proxy_req {
	crawl_proxy_t *p;
	char *url;
	char method[24];
	struct curl_slist *headers;
	unsigned char *body;
	size_t body_len;
	int has_body;
	int head;                  /* a HEAD request: no body in the answer */
	/* the answer, set under p->mu */
	int done;
	int refs;                  /* the connection thread and the queue/main thread */
	int status;                /* a refusal's status, 0: answered with x */
	char why[512];
	crawl_xfer_t *x;
	struct crawl_proxy_req *next;
};

struct crawl_proxy {
	crawl_proxy_opts_t o;
	int lfd;
	int stop_pipe[2];
	int port;
	char addr[32];
	pthread_t listener;
	int listening;
	pthread_mutex_t mu;
	pthread_cond_t cv;          /* requests answered, connections gone */
	int quit;
	int nconns;
	int *fds;                   /* open connections (shut down at stop) */
	crawl_proxy_req_t *q, *q_tail;
	crawl_proxy_stats_t st;
	/* TLS */
	EVP_PKEY *ca_key, *leaf_key;
	X509 *ca;
	SSL_CTX *ssl;
	char *ca_pem;
	char ca_spki[64];
	char spki_list[160];
	arc_map_t *leaves;          /* host -> X509* (under mu) */
};

typedef struct {
	crawl_proxy_t *p;
	int fd;
	SSL *ssl;
	char authority[PROXY_MAX_AUTHORITY]; /* inside a CONNECT tunnel */
	unsigned char *in;          /* bytes read and not consumed */
	size_t in_len;
} conn_t;

/* ---------------------------------------------------------------- certificates */

static int spki_b64(X509 *cert, char *out, size_t outsz)
{
	unsigned char *der = NULL, md[32];
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (n <= 0)
		return ARC_ENOMEM;
	arc_sha256_raw(der, (size_t)n, md);
	OPENSSL_free(der);
	unsigned char b64[64];
	EVP_EncodeBlock(b64, md, 32);
	snprintf(out, outsz, "%s", (const char *)b64);
	return 0;
}

static int set_validity(X509 *c)
{
	/* around now: an hour back (clock skew) to two days on (a long crawl) */
	return X509_gmtime_adj(X509_getm_notBefore(c), -3600) &&
	       X509_gmtime_adj(X509_getm_notAfter(c), 2L * 24 * 3600);
}

static int rand_serial(X509 *c)
{
	unsigned char r[16];
	if (RAND_bytes(r, sizeof r) != 1)
		return 0;
	r[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(r, sizeof r, NULL);
	int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)) != NULL;
	BN_free(bn);
	return ok;
}

static int add_ext(X509 *c, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, c, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!e)
		return 0;
	int ok = X509_add_ext(c, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

static int make_ca(crawl_proxy_t *p, arc_error_t *err)
{
	p->ca_key = EVP_EC_gen("P-256");
	p->leaf_key = EVP_EC_gen("P-256");
	p->ca = X509_new();
	X509_NAME *n = X509_NAME_new();
	char ou[64];
	snprintf(ou, sizeof ou, "case %.50s", p->o.case_id ? p->o.case_id : "(none)");
	if (!p->ca_key || !p->leaf_key || !p->ca || !n || !X509_set_version(p->ca, 2) ||
	    !rand_serial(p->ca) || !set_validity(p->ca) ||
	    !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"custody", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8, (const unsigned char *)ou, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	                                (const unsigned char *)"custody per-crawl browser proxy CA", -1, -1, 0) ||
	    !X509_set_subject_name(p->ca, n) || !X509_set_issuer_name(p->ca, n) ||
	    !X509_set_pubkey(p->ca, p->ca_key) ||
	    !add_ext(p->ca, p->ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    !add_ext(p->ca, p->ca, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(p->ca, p->ca, NID_subject_key_identifier, "hash") ||
	    !X509_sign(p->ca, p->ca_key, EVP_sha256())) {
		X509_NAME_free(n);
		ERR_clear_error();
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "cannot make the proxy's CA certificate");
	}
	X509_NAME_free(n);
	BIO *b = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long len = 0;
	if (!b || !PEM_write_bio_X509(b, p->ca) || (len = BIO_get_mem_data(b, &pem)) <= 0 ||
	    !(p->ca_pem = malloc((size_t)len + 1))) {
		BIO_free(b);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	}
	memcpy(p->ca_pem, pem, (size_t)len);
	p->ca_pem[len] = '\0';
	BIO_free(b);
	if (spki_b64(p->ca, p->ca_spki, sizeof p->ca_spki))
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	/* the leaves' SPKI: any leaf will do, they share the key */
	X509 *probe = X509_new();
	char leaf_spki[64] = "";
	if (!probe || !X509_set_pubkey(probe, p->leaf_key) || spki_b64(probe, leaf_spki, sizeof leaf_spki)) {
		X509_free(probe);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	}
	X509_free(probe);
	snprintf(p->spki_list, sizeof p->spki_list, "%s,%s", p->ca_spki, leaf_spki);
	return 0;
}

/* A leaf for host (a DNS name or an IP literal without brackets), signed by
 * the CA. NULL when it cannot be made. */
static X509 *mint_leaf(crawl_proxy_t *p, const char *host)
{
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();
	unsigned char ip[16];
	int is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
	char san[PROXY_MAX_AUTHORITY + 8];
	snprintf(san, sizeof san, "%s:%s", is_ip ? "IP" : "DNS", host);
	int ok = c && n && X509_set_version(c, 2) && rand_serial(c) && set_validity(c) &&
	         X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	                                    (const unsigned char *)(strlen(host) <= 64 ? host : "custody proxy leaf"),
	                                    -1, -1, 0) &&
	         X509_set_subject_name(c, n) && X509_set_issuer_name(c, X509_get_subject_name(p->ca)) &&
	         X509_set_pubkey(c, p->leaf_key) && add_ext(c, p->ca, NID_basic_constraints, "critical,CA:FALSE") &&
	         add_ext(c, p->ca, NID_key_usage, "critical,digitalSignature") &&
	         add_ext(c, p->ca, NID_ext_key_usage, "serverAuth") &&
	         add_ext(c, p->ca, NID_authority_key_identifier, "keyid:always") &&
	         add_ext(c, p->ca, NID_subject_alt_name, san) && X509_sign(c, p->ca_key, EVP_sha256());
	X509_NAME_free(n);
	if (!ok) {
		ERR_clear_error();
		X509_free(c);
		return NULL;
	}
	return c;
}

/* The cached leaf for host, one more reference for the caller. */
static X509 *leaf_for(crawl_proxy_t *p, const char *host)
{
	pthread_mutex_lock(&p->mu);
	X509 *c = arc_map_get(p->leaves, host);
	if (c)
		X509_up_ref(c);
	pthread_mutex_unlock(&p->mu);
	if (c)
		return c;
	if (!(c = mint_leaf(p, host)))
		return NULL;
	pthread_mutex_lock(&p->mu);
	void *old = NULL;
	int r = arc_map_put(p->leaves, host, c, &old);
	if (r == 0) {
		X509_up_ref(c); /* the cache's */
	} else if (r == 1 && old) {
		X509_free(c);   /* another connection minted it first */
		c = old;
		X509_up_ref(c);
	}
	pthread_mutex_unlock(&p->mu);
	return c;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	for (unsigned int i = 0; i < inlen;) {
		unsigned int l = in[i];
		if (i + 1 + l > inlen)
			break;
		if (l == 8 && !memcmp(in + i + 1, "http/1.1", 8)) {
			*out = in + i + 1;
			*outlen = 8;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + l;
	}
	return SSL_TLSEXT_ERR_NOACK; /* h2 only: go on without ALPN, HTTP/1.1 */
}

/* ---------------------------------------------------------------- connection I/O */

static int io_read(conn_t *c, void *buf, size_t n)
{
	if (c->ssl) {
		size_t got = 0;
		int r = SSL_read_ex(c->ssl, buf, n, &got);
		return r == 1 ? (int)got : -1;
	}
	ssize_t r;
	do
		r = recv(c->fd, buf, n, 0);
	while (r < 0 && errno == EINTR);
	return r > 0 ? (int)r : -1;
}

static int io_write(conn_t *c, const void *buf, size_t n)
{
	const unsigned char *b = buf;
	while (n) {
		size_t chunk = n > (1u << 20) ? (1u << 20) : n, done = 0;
		if (c->ssl) {
			if (SSL_write_ex(c->ssl, b, chunk, &done) != 1)
				return -1;
		} else {
			ssize_t r = send(c->fd, b, chunk, MSG_NOSIGNAL);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
			done = (size_t)r;
		}
		b += done;
		n -= done;
	}
	return 0;
}

/* Read until a whole head is buffered. Its length, 0 when the client
 * closed or went idle before sending anything, -1 broken, -2 too large. */
static long read_head(conn_t *c)
{
	size_t from = 3; /* where the search for CRLF CRLF goes on: a slow drip stays linear */
	for (;;) {
		size_t end = 0;
		for (size_t i = from; i < c->in_len; i++)
			if (c->in[i] == '\n' && c->in[i - 1] == '\r' && c->in[i - 2] == '\n' && c->in[i - 3] == '\r') {
				end = i + 1;
				break;
			}
		if (end)
			return (long)end;
		if (c->in_len >= CRAWL_PROXY_MAX_HEAD)
			return -2;
		from = c->in_len > 3 ? c->in_len : 3;
		int r = io_read(c, c->in + c->in_len, CRAWL_PROXY_MAX_HEAD - c->in_len);
		if (r <= 0)
			return c->in_len ? -1 : 0;
		c->in_len += (size_t)r;
	}
}

static void consume(conn_t *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

static void send_text(conn_t *c, int status, const char *reason, const char *text, int close)
{
	arc_buf_t b = {0};
	if (arc_buf_printf(&b, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	                       "Content-Length: %zu\r\nCache-Control: no-store\r\n%s\r\n%s",
	                   status, reason, strlen(text) + 1, close ? "Connection: close\r\n" : "",
	                   text) == 0 && arc_buf_append(&b, "\n", 1) == 0)
		io_write(c, b.data, b.len);
	arc_buf_free(&b);
}

static const char *reason_of(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	default: return "Error";
	}
}

/* Is this header one that belongs to the hop (not forwarded either way)? */
static int hop_by_hop(const unsigned char *name, size_t nl, const unsigned char *conn_v, size_t conn_l)
{
	static const char *const hop[] = {"connection", "keep-alive", "te", "trailer", "upgrade",
	                                  "transfer-encoding", NULL};
	for (int i = 0; hop[i]; i++)
		if (ieq(name, nl, hop[i]))
			return 1;
	if (nl >= 6 && ieq(name, 6, "proxy-"))
		return 1;
	if (conn_v && nl < 64) {
		char tok[64];
		memcpy(tok, name, nl);
		tok[nl] = '\0';
		if (has_token(conn_v, conn_l, tok))
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- the answer */

/* Write x's response to the browser. 1 the connection may carry another
 * request, 0 it must close, -1 the browser went away. */
static int relay(conn_t *c, crawl_proxy_req_t *r, crawl_xfer_t *x)
{
	const unsigned char *hdr = x->resp.data;
	size_t hl = x->hdr_len;
	/* the Connection header's value names further hop-by-hop headers */
	char connv[1024] = "";
	http_header_get(hdr, hl, "Connection", connv, sizeof connv);
	size_t cvl = strlen(connv);
	int complete = x->result == CURLE_OK && !x->truncated && !x->headers_cut;
	int status = x->status;
	char te[256] = "", cl[64] = "";
	int chunked = http_header_get(hdr, hl, "Transfer-Encoding", te, sizeof te) && strstr(te, "chunked");
	int has_cl = http_header_get(hdr, hl, "Content-Length", cl, sizeof cl);
	int no_body = r->head || (status >= 100 && status < 200) || status == 204 || status == 304;
	int keep = complete && hl > 8 && !memcmp(hdr, "HTTP/1.1", 8) && (no_body || chunked || has_cl);

	arc_buf_t out = {0};
	size_t i = 0;
	/* the status line as received */
	while (i < hl && hdr[i] != '\n')
		i++;
	if (i < hl)
		i++;
	int rc = arc_buf_append(&out, hdr, i);
	while (!rc && i < hl) {
		size_t s = i;
		while (i < hl && hdr[i] != '\n')
			i++;
		if (i < hl)
			i++;
		size_t e = i;
		if (e - s <= 2 && (hdr[s] == '\r' || hdr[s] == '\n'))
			break; /* the blank line */
		size_t k = s;
		while (k < e && hdr[k] != ':')
			k++;
		if (k < e && hop_by_hop(hdr + s, k - s, (const unsigned char *)connv, cvl) &&
		    !ieq(hdr + s, k - s, "transfer-encoding"))
			continue; /* dropped: this hop's business; chunked framing stays as received */
		rc = arc_buf_append(&out, hdr + s, e - s);
	}
	if (!rc && !keep)
		rc = arc_buf_append(&out, "Connection: close\r\n", 19);
	if (!rc)
		rc = arc_buf_append(&out, "\r\n", 2);
	if (!rc && x->resp.len > hl)
		rc = arc_buf_append(&out, x->resp.data + hl, x->resp.len - hl);
	if (rc || io_write(c, out.data, out.len)) {
		arc_buf_free(&out);
		return -1;
	}
	arc_buf_free(&out);
	if (x->spool && x->spool_len) {
		unsigned char buf[64 * 1024];
		uint64_t left = x->spool_len;
		if (fseek(x->spool, 0, SEEK_SET))
			return -1;
		while (left) {
			size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
			size_t got = fread(buf, 1, want, x->spool);
			if (!got || io_write(c, buf, got))
				return -1;
			left -= got;
		}
	}
	return keep;
}

/* ---------------------------------------------------------------- requests */

static void req_release(crawl_proxy_req_t *r)
{
	crawl_proxy_t *p = r->p;
	pthread_mutex_lock(&p->mu);
	int left = --r->refs;
	pthread_mutex_unlock(&p->mu);
	if (left)
		return;
	free(r->url);
	curl_slist_free_all(r->headers);
	free(r->body);
	crawl_xfer_free(r->x);
	free(r);
}

static void req_finish(crawl_proxy_req_t *r, int status, const char *why, crawl_xfer_t *x)
{
	crawl_proxy_t *p = r->p;
	pthread_mutex_lock(&p->mu);
	r->done = 1;
	r->status = status;
	size_t wl = why ? strnlen(why, sizeof r->why - 1) : 0;
	memcpy(r->why, why ? why : "", wl);
	r->why[wl] = '\0';
	r->x = x;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	req_release(r);
}

crawl_proxy_req_t *crawl_proxy_next(crawl_proxy_t *p)
{
	pthread_mutex_lock(&p->mu);
	crawl_proxy_req_t *r = p->q;
	if (r) {
		p->q = r->next;
		if (!p->q)
			p->q_tail = NULL;
		r->next = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	return r;
}

const char *crawl_proxy_req_url(const crawl_proxy_req_t *r)
{
	return r->url;
}

const char *crawl_proxy_req_method(const crawl_proxy_req_t *r)
{
	return r->method;
}

int crawl_proxy_req_header(const crawl_proxy_req_t *r, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	for (const struct curl_slist *e = r->headers; e; e = e->next)
		if (!strncasecmp(e->data, name, nl) && e->data[nl] == ':' && e->data[nl + 1]) {
			const char *v = e->data + nl + 1;
			while (*v == ' ')
				v++;
			if (strlen(v) >= outsz)
				return 0; /* a value longer than the caller takes counts as absent */
			snprintf(out, outsz, "%s", v);
			return 1;
		}
	return 0;
}

crawl_xfer_t *crawl_proxy_req_xfer(crawl_proxy_req_t *r, void *user)
{
	crawl_xfer_t *x = crawl_xfer_new(r->url, user);
	if (!x || !(x->method = strdup(r->method))) {
		crawl_xfer_free(x);
		return NULL;
	}
	x->req_headers = r->headers;
	r->headers = NULL;
	x->req_body = r->body;
	x->req_body_len = r->body_len;
	x->has_body = r->has_body;
	r->body = NULL;
	return x;
}

void crawl_proxy_refuse(crawl_proxy_req_t *r, int status, const char *why)
{
	req_finish(r, status, why, NULL);
}

void crawl_proxy_answer(crawl_proxy_req_t *r, crawl_xfer_t *x)
{
	crawl_xfer_detach(x); /* the fetcher's accounting is the main thread's: settle it here */
	if (!x->hdr_len) {
		char msg[CURL_ERROR_SIZE + 512];
		crawl_xfer_error(x, msg, sizeof msg);
		char why[512];
		snprintf(why, sizeof why, "custody's proxy: the origin gave no response (%.400s)", msg);
		crawl_xfer_free(x);
		req_finish(r, 502, why, NULL);
		return;
	}
	req_finish(r, 0, NULL, x);
}

/* Build the upstream header list from the browser's headers. 0 or ARC_ENOMEM. */
static int upstream_headers(crawl_proxy_t *p, const unsigned char *buf, const crawl_proxy_head_t *h,
                            crawl_proxy_req_t *r)
{
	const unsigned char *connv = NULL;
	size_t connl = 0;
	int accept = 0, ctype = 0;
	for (size_t i = 0; i < h->nheaders; i++)
		if (ieq(buf + h->h[i].name_off, h->h[i].name_len, "connection")) {
			connv = buf + h->h[i].value_off;
			connl = h->h[i].value_len;
		}
	for (size_t i = 0; i < h->nheaders; i++) {
		const unsigned char *n = buf + h->h[i].name_off;
		size_t nl = h->h[i].name_len, vl = h->h[i].value_len;
		if (hop_by_hop(n, nl, connv, connl) || ieq(n, nl, "content-length") || ieq(n, nl, "expect"))
			continue; /* libcurl states the body's length itself */
		accept |= ieq(n, nl, "accept");
		ctype |= ieq(n, nl, "content-type");
		char *line = malloc(nl + vl + 3);
		if (!line)
			return ARC_ENOMEM;
		memcpy(line, n, nl);
		/* "Name;" is libcurl's way to send a header with an empty value */
		if (vl) {
			memcpy(line + nl, ": ", 2);
			memcpy(line + nl + 2, buf + h->h[i].value_off, vl);
			line[nl + 2 + vl] = '\0';
		} else {
			line[nl] = ';';
			line[nl + 1] = '\0';
		}
		struct curl_slist *nlst = curl_slist_append(r->headers, line);
		free(line);
		if (!nlst)
			return ARC_ENOMEM;
		r->headers = nlst;
	}
	for (const struct curl_slist *e = p->o.extra; e; e = e->next) {
		const char *colon = strchr(e->data, ':');
		if (!colon)
			continue;
		int sent = 0;
		for (size_t i = 0; i < h->nheaders && !sent; i++)
			sent = h->h[i].name_len == (size_t)(colon - e->data) &&
			       !strncasecmp((const char *)buf + h->h[i].name_off, e->data, (size_t)(colon - e->data));
		if (sent)
			continue;
		struct curl_slist *nlst = curl_slist_append(r->headers, e->data);
		if (!nlst)
			return ARC_ENOMEM;
		r->headers = nlst;
	}
	/* nothing libcurl would add on its own: what went upstream is what the browser sent */
	static const char *const off[] = {"Expect:", "Accept:", "Content-Type:"};
	for (int i = 0; i < 3; i++) {
		if ((i == 1 && accept) || (i == 2 && (ctype || !r->has_body)))
			continue;
		struct curl_slist *nlst = curl_slist_append(r->headers, off[i]);
		if (!nlst)
			return ARC_ENOMEM;
		r->headers = nlst;
	}
	return 0;
}

/* One request on c: 1 go on, 0 close. */
static int serve_one(conn_t *c)
{
	crawl_proxy_t *p = c->p;
	long hl = read_head(c);
	if (hl == 0)
		return 0;
	if (hl == -2) {
		send_text(c, 431, reason_of(431), "custody's proxy: request head too large", 1);
		goto bad;
	}
	if (hl < 0)
		return 0;
	crawl_proxy_head_t *h = malloc(sizeof *h);
	if (!h)
		return 0;
	arc_error_t err;
	if (crawl_proxy_parse_head(c->in, (size_t)hl, h, &err)) {
		char msg[600];
		snprintf(msg, sizeof msg, "custody's proxy: malformed request: %s", err.msg);
		send_text(c, err.code == ARC_ELIMIT ? 431 : 400,
		          reason_of(err.code == ARC_ELIMIT ? 431 : 400), msg, 1);
		free(h);
		goto bad;
	}
	if (!strcmp(h->method, "CONNECT")) {
		const char *t = (const char *)c->in + h->target_off;
		size_t tl = h->target_len;
		const char *colon = memrchr(t, ':', tl);
		if (c->ssl || !colon || tl >= PROXY_MAX_AUTHORITY || colon == t) {
			send_text(c, 400, reason_of(400), "custody's proxy: bad CONNECT", 1);
			free(h);
			goto bad;
		}
		long port = 0;
		for (const char *k = colon + 1; k < t + tl; k++)
			port = (*k >= '0' && *k <= '9' && port < 65536) ? port * 10 + (*k - '0') : 1L << 20;
		char host[PROXY_MAX_AUTHORITY];
		size_t hlen = (size_t)(colon - t);
		if (hlen >= 2 && t[0] == '[' && t[hlen - 1] == ']') {
			memcpy(host, t + 1, hlen - 2);
			host[hlen - 2] = '\0';
		} else {
			memcpy(host, t, hlen);
			host[hlen] = '\0';
		}
		int bad_host = !host[0];
		for (const char *k = host; *k; k++)
			bad_host |= !((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
			              (*k >= '0' && *k <= '9') || *k == '.' || *k == '-' || *k == '_' || *k == ':');
		if (port < 1 || port > 65535 || bad_host) {
			send_text(c, 400, reason_of(400), "custody's proxy: bad CONNECT host or port", 1);
			free(h);
			goto bad;
		}
		if (port == 443)
			snprintf(c->authority, sizeof c->authority, "%.*s", (int)hlen, t);
		else
			snprintf(c->authority, sizeof c->authority, "%.*s", (int)tl, t);
		consume(c, (size_t)hl);
		free(h);
		if (c->in_len) /* the client must wait for our 200 */
			return 0;
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
		if (io_write(c, ok, sizeof ok - 1))
			return 0;
		X509 *leaf = leaf_for(p, host);
		if (!leaf || !(c->ssl = SSL_new(p->ssl))) {
			X509_free(leaf);
			return 0;
		}
		int ok_tls = SSL_use_certificate(c->ssl, leaf) == 1 &&
		             SSL_use_PrivateKey(c->ssl, p->leaf_key) == 1 &&
		             SSL_add1_chain_cert(c->ssl, p->ca) == 1 && SSL_set_fd(c->ssl, c->fd) == 1 &&
		             SSL_accept(c->ssl) == 1;
		X509_free(leaf);
		ERR_clear_error();
		return ok_tls;
	}
	int status = 0;
	const char *why = NULL;
	char url[CRAWL_MAX_URL + PROXY_MAX_AUTHORITY + 16];
	if (h->upgrade) {
		status = 403;
		why = "custody's proxy: WebSockets and other protocol upgrades are refused in this version";
	} else if (crawl_proxy_target_url(c->in, h, c->ssl ? c->authority : NULL, url, sizeof url)) {
		status = 400;
		why = c->ssl ? "custody's proxy: expected an origin-form target (/path) inside the tunnel"
		             : "custody's proxy: expected an absolute http:// URL (https goes through CONNECT)";
	} else if (h->chunked) {
		status = 411;
		why = "custody's proxy: chunked request bodies are not accepted; send Content-Length";
	} else if (h->content_length > (int64_t)p->o.max_body) {
		status = 413;
		why = "custody's proxy: request body too large";
	}
	if (status) {
		send_text(c, status, reason_of(status), why, 1);
		free(h);
		goto bad;
	}
	crawl_proxy_req_t *r = calloc(1, sizeof *r);
	if (!r || !(r->url = strdup(url))) {
		free(r);
		free(h);
		return 0;
	}
	r->p = p;
	r->refs = 2;
	snprintf(r->method, sizeof r->method, "%s", h->method);
	r->head = !strcmp(h->method, "HEAD");
	r->has_body = h->content_length >= 0 && strcmp(h->method, "GET") && !r->head;
	int close_after = h->close;
	int rc = upstream_headers(p, c->in, h, r);
	size_t body = h->content_length > 0 ? (size_t)h->content_length : 0;
	free(h);
	consume(c, (size_t)hl);
	if (!rc && body && !(r->body = malloc(body)))
		rc = ARC_ENOMEM;
	/* the body: what is buffered, then the rest from the socket */
	while (!rc && r->body_len < body) {
		if (c->in_len) {
			size_t take = c->in_len < body - r->body_len ? c->in_len : body - r->body_len;
			memcpy(r->body + r->body_len, c->in, take);
			r->body_len += take;
			consume(c, take);
			continue;
		}
		int n = io_read(c, c->in, CRAWL_PROXY_MAX_HEAD);
		if (n <= 0)
			rc = ARC_EIO;
		else
			c->in_len = (size_t)n;
	}
	if (rc) {
		r->refs = 1;
		req_release(r);
		return 0;
	}
	/* to the main loop, and wait for its answer */
	pthread_mutex_lock(&p->mu);
	if (p->quit) {
		pthread_mutex_unlock(&p->mu);
		r->refs = 1;
		req_release(r);
		return 0;
	}
	if (p->q_tail)
		p->q_tail->next = r;
	else
		p->q = r;
	p->q_tail = r;
	p->st.requests++;
	pthread_mutex_unlock(&p->mu);
	if (p->o.wakeup)
		p->o.wakeup(p->o.ctx);
	pthread_mutex_lock(&p->mu);
	while (!r->done && !p->quit)
		pthread_cond_wait(&p->cv, &p->mu);
	int done = r->done;
	crawl_xfer_t *x = r->x;
	r->x = NULL;
	pthread_mutex_unlock(&p->mu);
	int more = 0;
	if (done && x)
		more = relay(c, r, x) == 1;
	else if (done)
		send_text(c, r->status, reason_of(r->status), r->why, close_after), more = 1;
	crawl_xfer_free(x);
	req_release(r);
	return more && !close_after;
bad:
	pthread_mutex_lock(&p->mu);
	p->st.bad_requests++;
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static int is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		static const unsigned char v4map[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr) ||
		       (!memcmp(a->sin6_addr.s6_addr, v4map, 12) && a->sin6_addr.s6_addr[12] == 127);
	}
	return 0;
}

static void conn_forget(crawl_proxy_t *p, int fd)
{
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < p->o.max_conns; i++)
		if (p->fds[i] == fd) {
			p->fds[i] = -1;
			break;
		}
	p->nconns--;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void *conn_main(void *arg)
{
	conn_t *c = arg;
	crawl_proxy_t *p = c->p;
	struct timeval tv = {.tv_sec = p->o.idle_s};
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	c->in = malloc(CRAWL_PROXY_MAX_HEAD);
	if (c->in)
		while (serve_one(c))
			;
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	ERR_clear_error();
	OPENSSL_thread_stop();
	free(c->in);
	int fd = c->fd;
	free(c);
	close(fd);
	conn_forget(p, fd);
	return NULL;
}

static void *listen_main(void *arg)
{
	crawl_proxy_t *p = arg;
	for (;;) {
		struct pollfd pf[2] = {{.fd = p->lfd, .events = POLLIN}, {.fd = p->stop_pipe[0], .events = POLLIN}};
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(p->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		/* the peer as the kernel sees it: anything not loopback is refused */
		sl = sizeof ss;
		if (getpeername(fd, (struct sockaddr *)&ss, &sl) || !is_loopback(&ss)) {
			pthread_mutex_lock(&p->mu);
			p->st.refused_peers++;
			pthread_mutex_unlock(&p->mu);
			close(fd);
			continue;
		}
		pthread_mutex_lock(&p->mu);
		int slot = -1;
		for (int i = 0; i < p->o.max_conns && slot < 0 && !p->quit; i++)
			if (p->fds[i] < 0)
				slot = i;
		if (slot >= 0) {
			p->fds[slot] = fd;
			p->nconns++;
			p->st.connections++;
		}
		pthread_mutex_unlock(&p->mu);
		conn_t *c = slot >= 0 ? calloc(1, sizeof *c) : NULL;
		pthread_t t;
		pthread_attr_t at;
		int started = 0;
		if (c) {
			c->p = p;
			c->fd = fd;
			if (pthread_attr_init(&at) == 0) {
				pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
				started = pthread_create(&t, &at, conn_main, c) == 0;
				pthread_attr_destroy(&at);
			}
		}
		if (!started) {
			free(c);
			close(fd);
			if (slot >= 0)
				conn_forget(p, fd);
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- lifecycle */

int crawl_proxy_start(const crawl_proxy_opts_t *o, crawl_proxy_t **out, arc_error_t *err)
{
	*out = NULL;
	crawl_proxy_t *p = calloc(1, sizeof *p);
	if (!p)
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
	p->o = *o;
	if (p->o.max_conns <= 0)
		p->o.max_conns = CRAWL_PROXY_MAX_CONNS;
	if (p->o.idle_s <= 0)
		p->o.idle_s = CRAWL_PROXY_IDLE_S;
	if (!p->o.max_body)
		p->o.max_body = CRAWL_PROXY_MAX_BODY;
	p->lfd = p->stop_pipe[0] = p->stop_pipe[1] = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	int rc;
	p->fds = malloc((size_t)p->o.max_conns * sizeof *p->fds);
	p->leaves = arc_map_new(PROXY_MAX_LEAVES);
	if (!p->fds || !p->leaves) {
		rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		goto fail;
	}
	for (int i = 0; i < p->o.max_conns; i++)
		p->fds[i] = -1;
	if ((rc = make_ca(p, err)))
		goto fail;
	p->ssl = SSL_CTX_new(TLS_server_method());
	if (!p->ssl || !SSL_CTX_set_min_proto_version(p->ssl, TLS1_2_VERSION)) {
		rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "cannot make the proxy's TLS context");
		goto fail;
	}
	SSL_CTX_set_alpn_select_cb(p->ssl, alpn_select, NULL);
	SSL_CTX_set_mode(p->ssl, SSL_MODE_AUTO_RETRY);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->lfd < 0 || bind(p->lfd, (struct sockaddr *)&a, sizeof a) || listen(p->lfd, 64) ||
	    getsockname(p->lfd, (struct sockaddr *)&a, &al) || pipe2(p->stop_pipe, O_CLOEXEC)) {
		rc = arc_fail(err, ARC_EIO, "", 0, "", "the browser proxy cannot listen on 127.0.0.1: %s",
		              strerror(errno));
		goto fail;
	}
	p->port = ntohs(a.sin_port);
	snprintf(p->addr, sizeof p->addr, "127.0.0.1:%d", p->port);
	if (pthread_create(&p->listener, NULL, listen_main, p)) {
		rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "cannot start the proxy's thread");
		goto fail;
	}
	p->listening = 1;
	*out = p;
	return 0;
fail:
	crawl_proxy_stop(p);
	return rc;
}

const char *crawl_proxy_addr(const crawl_proxy_t *p)
{
	return p->addr;
}

int crawl_proxy_port(const crawl_proxy_t *p)
{
	return p->port;
}

const char *crawl_proxy_ca_pem(const crawl_proxy_t *p)
{
	return p->ca_pem;
}

const char *crawl_proxy_ca_spki(const crawl_proxy_t *p)
{
	return p->ca_spki;
}

const char *crawl_proxy_spki_list(const crawl_proxy_t *p)
{
	return p->spki_list;
}

void crawl_proxy_stats(crawl_proxy_t *p, crawl_proxy_stats_t *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->st;
	pthread_mutex_unlock(&p->mu);
}

static void leaf_free(void *v)
{
	X509_free(v);
}

void crawl_proxy_stop(crawl_proxy_t *p)
{
	if (!p)
		return;
	if (p->listening) {
		if (write(p->stop_pipe[1], "x", 1) < 0) {
			/* the pipe is ours and empty: cannot fail short of a bug */
		}
		pthread_join(p->listener, NULL);
	}
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	for (int i = 0; p->fds && i < p->o.max_conns; i++)
		if (p->fds[i] >= 0)
			shutdown(p->fds[i], SHUT_RDWR);
	/* requests nobody took: their connection threads leave on quit */
	crawl_proxy_req_t *q = p->q;
	p->q = p->q_tail = NULL;
	pthread_cond_broadcast(&p->cv);
	while (p->nconns > 0)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	while (q) {
		crawl_proxy_req_t *next = q->next;
		req_release(q);
		q = next;
	}
	if (p->lfd >= 0)
		close(p->lfd);
	if (p->stop_pipe[0] >= 0)
		close(p->stop_pipe[0]);
	if (p->stop_pipe[1] >= 0)
		close(p->stop_pipe[1]);
	arc_map_free(p->leaves, leaf_free);
	SSL_CTX_free(p->ssl);
	X509_free(p->ca);
	EVP_PKEY_free(p->ca_key); /* OpenSSL clears key material when it frees it */
	EVP_PKEY_free(p->leaf_key);
	free(p->ca_pem);
	free(p->fds);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
