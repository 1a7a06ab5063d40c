/*
 * fetch.c — the crawl's fetcher: libcurl's multi interface, many transfers at
 * once, and everything a court may ask about each one captured as it happens.
 *
 * The record must hold the message as it crossed the wire, so libcurl's
 * content and transfer decoding are off and redirects are not followed (each
 * hop is its own request/response pair, queued by the crawl). The exact
 * request bytes come from the debug callback (CURLINFO_HEADER_OUT/DATA_OUT),
 * the response's status line and headers from the header callback (raw lines)
 * and the body from the write callback; the header block and body are fed to a
 * warc_digester_t as they arrive, so digests need no second pass. HTTP/1.1 is
 * the default because only then are the recorded bytes the bytes on the wire
 * (HTTP/2 headers are HPACK-coded; libcurl shows them re-serialized).
 *
 * TLS facts (protocol version, cipher, peer chain) are read from the OpenSSL
 * SSL* when the first response header arrives, while the connection is
 * certainly live: libcurl's CURLOPT_CERTINFO is not filled again on a reused
 * connection. The peer chain is also verified here, against the same anchors
 * (--ca-file or the system store) and independently of libcurl, so that the
 * result is recorded even with --insecure, when libcurl loads no CA at all.
 *
 * Memory stays bounded whatever the server sends: the header block is capped
 * (HTTP_MAX_HEADER), and of the body only the first scan_max bytes (the scan
 * window detection and link extraction read) stay in memory; the rest streams
 * to an unlinked spool file in the case directory, already hashed, and is read
 * once more only to be compressed into the record. The windows of all
 * transfers together stay under mem_budget: past it a body goes to the spool
 * from the first CRAWL_SCAN_MIN bytes on, and the scan says it stopped there.
 *
 * A transfer may carry a browser's request (proxy.c: method, the browser's
 * own headers, a body); it is sent with those headers only (libcurl's
 * User-Agent, Accept, Expect and form Content-Type suppressed) and always as
 * HTTP/1.1, and is captured exactly like the crawl's own GETs.
 *
 * Must never decode, reorder or re-serialize what was received, keep more
 * than max_body body bytes, or print.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/xmlversion.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <zstd.h>

#include "crawl_int.h"

#define FETCH_MAX_REQUEST (1u << 20)

struct crawl_fetch {
	CURLM *multi;
	crawl_fetch_opts_t o;
	char *ua;
	char *ca_file;
	int active;
	X509_STORE *store;     /* trust anchors for our own check of peer chains */
	crawl_xfer_t **act;    /* transfers started and not handed back */
	size_t nact, capact;
	char *spool_dir;
	CURLSH *share;         /* the cookie jar (--cookies), NULL without one */
	uint64_t held;         /* bytes of resp buffers held by transfers (crawl_fetch_held) */
};

uint64_t crawl_fetch_held(const crawl_fetch_t *f)
{
	return f->held;
}

/* Count n more bytes of x->resp in the owner's budget. */
static void hold(crawl_xfer_t *x, size_t n)
{
	x->held += n;
	if (x->owner)
		x->owner->held += n;
}

/* Load a Netscape cookie file (what browsers export and `curl -c` writes)
 * into a jar every transfer shares: libcurl then sends each cookie only
 * where its domain, path and secure flag allow, and keeps the cookies the
 * server sets, as a browser's session would. The values never leave the
 * jar except in requests (capture.c hashes them in the records). */
static int load_cookies(crawl_fetch_t *f, const char *path, arc_error_t *err)
{
	FILE *probe = fopen(path, "r");
	if (!probe)
		return arc_fail(err, ARC_EIO, path, 0, "", "cannot read the cookie file %s: %s", path,
		                strerror(errno));
	fclose(probe);
	f->share = curl_share_init();
	CURL *e = curl_easy_init();
	struct curl_slist *list = NULL;
	int rc = 0;
	if (!f->share || !e ||
	    curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE) != CURLSHE_OK) {
		rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		goto out;
	}
	curl_easy_setopt(e, CURLOPT_SHARE, f->share);
	curl_easy_setopt(e, CURLOPT_COOKIEFILE, path);
	curl_easy_setopt(e, CURLOPT_COOKIELIST, "RELOAD");
	if (curl_easy_getinfo(e, CURLINFO_COOKIELIST, &list) != CURLE_OK || !list)
		rc = arc_fail(err, ARC_EFORMAT, path, 0, "",
		              "%s: no cookie read (a Netscape cookie file has one cookie per line: domain, "
		              "subdomains TRUE/FALSE, path, secure TRUE/FALSE, expiry, name, value, "
		              "separated by tabs)", path);
out:
	curl_slist_free_all(list);
	if (e)
		curl_easy_cleanup(e);
	return rc;
}

crawl_fetch_t *crawl_fetch_new(const crawl_fetch_opts_t *o, arc_error_t *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		arc_fail(err, ARC_EINVAL, "", 0, "", "libcurl could not be initialized");
		return NULL;
	}
	crawl_fetch_t *f = calloc(1, sizeof *f);
	if (!f) {
		arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		return NULL;
	}
	f->o = *o;
	if (f->o.concurrency < 1)
		f->o.concurrency = 1;
	if (f->o.per_host < 1)
		f->o.per_host = 1;
	f->ua = strdup(o->user_agent ? o->user_agent : "custody/" CUSTODY_VERSION " (+evidence capture)");
	f->ca_file = o->ca_file ? strdup(o->ca_file) : NULL;
	f->spool_dir = strdup(o->spool_dir ? o->spool_dir : ".");
	f->multi = curl_multi_init();
	if (!f->o.scan_max)
		f->o.scan_max = CRAWL_SCAN_MAX;
	if (!f->o.mem_budget)
		f->o.mem_budget = CRAWL_MEM_BUDGET;
	if (!f->ua || (o->ca_file && !f->ca_file) || !f->spool_dir || !f->multi) {
		crawl_fetch_free(f);
		arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		return NULL;
	}
	f->o.user_agent = f->ua;
	f->o.ca_file = f->ca_file;
	/* The same anchors libcurl uses, for a verification result that is
	 * recorded even with --insecure (libcurl then loads no CA at all). */
	f->store = X509_STORE_new();
	if (!f->store || (f->ca_file ? X509_STORE_load_file(f->store, f->ca_file) != 1
	                             : X509_STORE_set_default_paths(f->store) != 1)) {
		arc_fail(err, ARC_EINVAL, f->ca_file ? f->ca_file : "", 0, "",
		         "cannot load CA certificates from %s", f->ca_file ? f->ca_file : "the system store");
		crawl_fetch_free(f);
		return NULL;
	}
	if (o->cookie_file && load_cookies(f, o->cookie_file, err)) {
		crawl_fetch_free(f);
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)f->o.per_host);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)f->o.concurrency);
	curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)f->o.concurrency * 2);
	if (!f->o.http2)
		curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
	return f;
}

void crawl_fetch_free(crawl_fetch_t *f)
{
	if (!f)
		return;
	if (f->multi)
		curl_multi_cleanup(f->multi);
	if (f->share)
		curl_share_cleanup(f->share);
	free(f->ua);
	free(f->ca_file);
	free(f->spool_dir);
	free(f->act);
	X509_STORE_free(f->store);
	free(f);
	curl_global_cleanup();
}

crawl_xfer_t *crawl_xfer_new(const char *url, void *user)
{
	crawl_xfer_t *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->url = strdup(url);
	x->dig = warc_digester_new(1);
	if (!x->url || !x->dig) {
		crawl_xfer_free(x);
		return NULL;
	}
	x->user = user;
	x->host_match = -1;
	x->ossl_verify = -1;
	return x;
}

void crawl_xfer_free(crawl_xfer_t *x)
{
	if (!x)
		return;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	if (x->owner)
		x->owner->held -= x->held;
	if (x->spool)
		fclose(x->spool);
	free(x->url);
	arc_buf_free(&x->req);
	arc_buf_free(&x->resp);
	arc_buf_free(&x->interim);
	warc_digester_free(x->dig);
	free(x->chain_pem);
	free(x->method);
	curl_slist_free_all(x->req_headers);
	free(x->req_body);
	free(x);
}

void crawl_xfer_detach(crawl_xfer_t *x)
{
	if (x->owner)
		x->owner->held -= x->held;
	x->owner = NULL;
	x->held = 0;
}

int crawl_fetch_active(const crawl_fetch_t *f)
{
	return f->active;
}

/* ---------------------------------------------------------------- TLS facts */

static void name_line(X509_NAME *n, char *out, size_t outsz)
{
	out[0] = '\0';
	if (!n || !outsz)
		return;
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
		int len = BIO_read(b, out, (int)(outsz > INT_MAX ? INT_MAX : outsz - 1));
		out[len > 0 ? len : 0] = '\0';
	}
	BIO_free(b);
}

static void grab_tls(crawl_xfer_t *x)
{
	struct curl_tlssessioninfo *ti = NULL;
	if (x->tls || curl_easy_getinfo(x->easy, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
	    ti->backend != CURLSSLBACKEND_OPENSSL || !ti->internals)
		return;
	SSL *ssl = ti->internals;
	x->tls = 1;
	snprintf(x->tls_version, sizeof x->tls_version, "%s", SSL_get_version(ssl));
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	const char *cn = c ? SSL_CIPHER_standard_name(c) : NULL;
	snprintf(x->cipher, sizeof x->cipher, "%s", cn ? cn : (c ? SSL_CIPHER_get_name(c) : ""));
	x->curl_ossl_verify = SSL_get_verify_result(ssl);

	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	BIO *b = BIO_new(BIO_s_mem());
	if (chain && b) {
		for (int i = 0; i < sk_X509_num(chain) && i < 16; i++)
			PEM_write_bio_X509(b, sk_X509_value(chain, i));
		char *p = NULL;
		long n = BIO_get_mem_data(b, &p);
		if (n > 0 && (x->chain_pem = malloc((size_t)n + 1))) {
			memcpy(x->chain_pem, p, (size_t)n);
			x->chain_pem[n] = '\0';
		}
	}
	BIO_free(b);

	X509 *leaf = SSL_get1_peer_certificate(ssl);
	if (leaf && x->store) {
		X509_STORE_CTX *vc = X509_STORE_CTX_new();
		if (vc && X509_STORE_CTX_init(vc, x->store, leaf, chain) == 1) {
			X509_STORE_CTX_set_purpose(vc, X509_PURPOSE_SSL_SERVER);
			x->ossl_verify = X509_verify_cert(vc) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(vc);
		}
		X509_STORE_CTX_free(vc);
	}
	if (leaf) {
		char host[1024];
		if (crawl_url_host(x->url, host, sizeof host) == 0) {
			size_t hl = strlen(host);
			if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
				memmove(host, host + 1, hl - 2);
				host[hl - 2] = '\0';
			}
			int r = X509_check_ip_asc(leaf, host, 0);
			if (r == -2 || r < 0) /* not an IP literal */
				r = X509_check_host(leaf, host, 0, 0, NULL);
			x->host_match = r == 1 ? 1 : (r == 0 ? 0 : -1);
		}
		name_line(X509_get_subject_name(leaf), x->peer_subject, sizeof x->peer_subject);
		name_line(X509_get_issuer_name(leaf), x->peer_issuer, sizeof x->peer_issuer);
		X509_free(leaf);
	}
}

/* ---------------------------------------------------------------- callbacks */

static size_t on_header(char *buf, size_t size, size_t nmemb, void *ud)
{
	crawl_xfer_t *x = ud;
	size_t len = size * nmemb;
	if (x->hdr_len)
		return len; /* trailers or anything after the final header block: the body has them */
	if (!x->tls)
		grab_tls(x);
	if (x->resp.len + len > HTTP_MAX_HEADER) {
		x->header_overflow = 1;
		return 0;
	}
	if (arc_buf_append(&x->resp, buf, len))
		return 0;
	hold(x, len);
	if ((len == 2 && buf[0] == '\r' && buf[1] == '\n') || (len == 1 && buf[0] == '\n')) {
		int st = http_status(x->resp.data, x->resp.len);
		if (st >= 100 && st < 200 && st != 101) {
			/* an interim response (103 Early Hints...): kept for the capture
			 * metadata, as received; the final response follows */
			if (x->interim.len + x->resp.len <= CRAWL_MAX_INTERIM)
				arc_buf_append(&x->interim, x->resp.data, x->resp.len);
			else
				x->interim_cut = 1;
			x->resp.len = 0;
			return len;
		}
		x->status = st;
		x->hdr_len = x->resp.len;
		warc_digester_feed(x->dig, x->resp.data, x->resp.len);
	}
	return len;
}

/* An unlinked file in the spool directory: gone by itself when closed, even
 * after a crash. */
static FILE *spool_open(const char *dir)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/.custody-spool-XXXXXX", dir) >= sizeof path) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	unlink(path);
	FILE *f = fdopen(fd, "w+b");
	if (!f)
		close(fd);
	return f;
}

/* Body bytes: into the scan window while it has room (and the budget
 * allows), then to the spool file. 0, or -1 (errno in spool_error). */
static int spool_body(crawl_xfer_t *x, const unsigned char *buf, size_t n)
{
	if (!x->spool) {
		const crawl_fetch_t *f = x->owner;
		uint64_t window = f ? f->o.scan_max : CRAWL_SCAN_MAX;
		uint64_t room = x->body_len < window ? window - x->body_len : 0;
		size_t keep = n < room ? n : (size_t)room;
		if (keep && f && x->body_len + keep > CRAWL_SCAN_MIN && f->held + keep > f->o.mem_budget) {
			/* the budget is spent: keep what the guaranteed minimum allows */
			keep = x->body_len < CRAWL_SCAN_MIN ? (size_t)(CRAWL_SCAN_MIN - x->body_len) : 0;
			if (keep > n)
				keep = n;
			if (keep < n)
				x->window_cut = CRAWL_CUT_BUDGET;
		}
		if (keep) {
			if (arc_buf_append(&x->resp, buf, keep))
				return -1;
			hold(x, keep);
			buf += keep;
			n -= keep;
		}
		if (!n)
			return 0;
		if (!x->window_cut)
			x->window_cut = CRAWL_CUT_WINDOW;
		if (!(x->spool = spool_open(f ? f->spool_dir : "."))) {
			x->spool_error = errno ? errno : EIO;
			return -1;
		}
	}
	if (fwrite(buf, 1, n, x->spool) != n) {
		x->spool_error = errno ? errno : EIO;
		return -1;
	}
	x->spool_len += n;
	return 0;
}

static size_t on_body(char *buf, size_t size, size_t nmemb, void *ud)
{
	crawl_xfer_t *x = ud;
	size_t len = size * nmemb, take = len;
	if (!x->hdr_len && x->resp.len) {
		/* body bytes after an unterminated header block (a broken server):
		 * what arrived so far counts as the header block */
		x->hdr_len = x->resp.len;
		warc_digester_feed(x->dig, x->resp.data, x->resp.len);
	}
	if (x->body_len + take > x->max_body) {
		take = (size_t)(x->max_body - x->body_len);
		x->truncated = CRAWL_TRUNC_LENGTH;
	}
	if (take) {
		if (spool_body(x, (const unsigned char *)buf, take))
			return 0;
		warc_digester_feed(x->dig, buf, take);
		x->body_len += take;
	}
	return take == len ? len : 0; /* short count: libcurl stops the transfer */
}

static int on_debug(CURL *h, curl_infotype t, char *data, size_t n, void *ud)
{
	crawl_xfer_t *x = ud;
	(void)h;
	if (t != CURLINFO_HEADER_OUT && t != CURLINFO_DATA_OUT)
		return 0;
	if (t == CURLINFO_HEADER_OUT && x->req.len >= 4 &&
	    !memcmp(x->req.data + x->req.len - 4, "\r\n\r\n", 4) && !x->resp.len) {
		/* a new request line after a whole request and no response: libcurl
		 * retried on a fresh connection. The bytes of the attempt that got
		 * the answer are the request. */
		x->req.len = 0;
	}
	if (x->req.len + n <= FETCH_MAX_REQUEST)
		arc_buf_append(&x->req, data, n);
	return 0;
}

/* ---------------------------------------------------------------- transfers */

static void finish(crawl_xfer_t *x, CURLcode result);

int crawl_fetch_add(crawl_fetch_t *f, crawl_xfer_t *x, arc_error_t *err)
{
	CURL *e = curl_easy_init();
	if (!e)
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "%s: cannot create a transfer", x->url);
	x->easy = e;
	x->owner = f;
	x->max_body = f->o.max_body;
	x->store = f->store;
	arc_now(x->started);
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_TRANSFER_DECODING, 0L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(e, CURLOPT_DEBUGDATA, x);
	curl_easy_setopt(e, CURLOPT_VERBOSE, 1L); /* the debug callback runs only then */
	if (!x->req_headers)
		curl_easy_setopt(e, CURLOPT_USERAGENT, f->o.user_agent);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, f->o.timeout_s > 0 ? f->o.timeout_s : 0L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, f->o.connect_timeout_s > 0 ? f->o.connect_timeout_s : 0L);
	/* the browser's requests stay HTTP/1.1: the proxy relays the status line as received */
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, f->o.http2 && !x->req_headers
	                                              ? (long)CURL_HTTP_VERSION_2TLS
	                                              : (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, f->o.insecure ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, f->o.insecure ? 0L : 2L);
	if (f->o.ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, f->o.ca_file);
	if (x->fresh)
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	if (x->req_headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->req_headers);
	else if (f->o.headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->o.headers);
	if (x->method && !strcmp(x->method, "HEAD")) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (x->has_body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->req_body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->req_body ? (char *)x->req_body : "");
	}
	if (x->method && strcmp(x->method, "GET") && strcmp(x->method, "HEAD") &&
	    !(x->has_body && !strcmp(x->method, "POST")))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
	int browser_cookies = 0; /* the browser keeps its own jar: never send two Cookie headers */
	for (const struct curl_slist *h = x->req_headers; h && !browser_cookies; h = h->next)
		browser_cookies = !strncasecmp(h->data, "Cookie:", 7);
	if (f->share && !browser_cookies) {
		curl_easy_setopt(e, CURLOPT_SHARE, f->share);
		curl_easy_setopt(e, CURLOPT_COOKIEFILE, ""); /* the cookie engine on, jar from the share */
	}
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
		x->easy = NULL;
		curl_easy_cleanup(e);
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "%s: cannot start the transfer", x->url);
	}
	if (f->nact == f->capact) {
		size_t cap = f->capact ? f->capact * 2 : 16;
		crawl_xfer_t **na = realloc(f->act, cap * sizeof *na);
		if (!na) {
			curl_multi_remove_handle(f->multi, e);
			x->easy = NULL;
			curl_easy_cleanup(e);
			return arc_fail(err, ARC_ENOMEM, "", 0, "", "out of memory");
		}
		f->act = na;
		f->capact = cap;
	}
	f->act[f->nact++] = x;
	f->active++;
	return 0;
}

static void forget(crawl_fetch_t *f, crawl_xfer_t *x)
{
	for (size_t i = 0; i < f->nact; i++)
		if (f->act[i] == x) {
			f->act[i] = f->act[--f->nact];
			break;
		}
	curl_multi_remove_handle(f->multi, x->easy);
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	f->active--;
}

void crawl_fetch_abort_all(crawl_fetch_t *f, void (*done)(void *ctx, crawl_xfer_t *x),
                           void *ctx)
{
	while (f->nact) {
		crawl_xfer_t *x = f->act[f->nact - 1];
		snprintf(x->errbuf, sizeof x->errbuf, "the crawl was stopped before this transfer ended");
		finish(x, CURLE_ABORTED_BY_CALLBACK);
		forget(f, x);
		done(ctx, x);
	}
}

/* Facts libcurl knows once the transfer is over. */
static void finish(crawl_xfer_t *x, CURLcode result)
{
	CURL *e = x->easy;
	char *ip = NULL;
	curl_off_t t;
	x->result = (int)result;
	if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
		snprintf(x->ip, sizeof x->ip, "%s", ip);
	curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &x->port);
	curl_easy_getinfo(e, CURLINFO_SSL_VERIFYRESULT, &x->ssl_verifyresult);
	curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &x->http_version);
	curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &x->num_connects);
	if (curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &t) == CURLE_OK)
		x->t_namelookup = t;
	if (curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &t) == CURLE_OK)
		x->t_connect = t;
	if (curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &t) == CURLE_OK)
		x->t_appconnect = t;
	if (curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &t) == CURLE_OK)
		x->t_starttransfer = t;
	if (curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &t) == CURLE_OK)
		x->t_total = t;
	if (result != CURLE_OK && !x->truncated && x->hdr_len) {
		if (result == CURLE_OPERATION_TIMEDOUT)
			x->truncated = CRAWL_TRUNC_TIME;
		else if (result == CURLE_ABORTED_BY_CALLBACK)
			x->truncated = CRAWL_TRUNC_UNSPECIFIED;
		else if (result == CURLE_RECV_ERROR && strstr(x->errbuf, "chunk"))
			x->truncated = CRAWL_TRUNC_FRAMING; /* libcurl names the bad chunk size */
		else if (result != CURLE_WRITE_ERROR)
			x->truncated = CRAWL_TRUNC_DISCONNECT;
	}
	/* libcurl calls a connection closed inside the header block a success
	 * when at least a status line came: it is not */
	if (!x->hdr_len && x->resp.len && (result == CURLE_OK || result == CURLE_GOT_NOTHING ||
	                                   result == CURLE_RECV_ERROR || result == CURLE_PARTIAL_FILE))
		x->headers_cut = 1;
	if (x->spool)
		fflush(x->spool);
}

/* Hand every finished transfer to done; returns how many. */
static int drain_msgs(crawl_fetch_t *f, void (*done)(void *ctx, crawl_xfer_t *x), void *ctx)
{
	CURLMsg *m;
	int left, n = 0;
	while ((m = curl_multi_info_read(f->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		crawl_xfer_t *x = NULL;
		CURLcode result = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		finish(x, result);
		forget(f, x);
		done(ctx, x);
		n++;
	}
	return n;
}

int crawl_fetch_run(crawl_fetch_t *f, int timeout_ms,
                    void (*done)(void *ctx, crawl_xfer_t *x), void *ctx)
{
	int running = 0;
	if (curl_multi_perform(f->multi, &running) != CURLM_OK)
		return ARC_ENOMEM;
	if (drain_msgs(f, done, ctx))
		return 0;
	/* nothing finished: wait for sockets, a timer or crawl_fetch_wakeup() */
	if (curl_multi_poll(f->multi, NULL, 0, timeout_ms, NULL) != CURLM_OK)
		return ARC_EIO;
	if (curl_multi_perform(f->multi, &running) != CURLM_OK)
		return ARC_ENOMEM;
	drain_msgs(f, done, ctx);
	return 0;
}

void crawl_fetch_wakeup(crawl_fetch_t *f)
{
	curl_multi_wakeup(f->multi);
}

void crawl_xfer_error(const crawl_xfer_t *x, char *out, size_t outsz)
{
	CURLcode r = (CURLcode)x->result;
	const char *hint = "";
	switch (r) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		hint = " (the server's TLS certificate did not verify: give its CA with --ca-file FILE, "
		       "or capture anyway with --insecure; the verification result is recorded either way)";
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		hint = " (DNS lookup failed)";
		break;
	case CURLE_COULDNT_CONNECT:
		hint = " (nothing accepts connections there)";
		break;
	default:
		break;
	}
	if (x->header_overflow)
		snprintf(out, outsz, "the response header block is larger than %u bytes: the transfer was "
		         "stopped there (the header bytes before it are recorded)", HTTP_MAX_HEADER);
	else if (x->spool_error)
		snprintf(out, outsz, "cannot spool the body to disk (%s): the transfer was stopped there",
		         strerror(x->spool_error));
	else if (x->headers_cut)
		snprintf(out, outsz, "the server closed the connection in the middle of the response header "
		         "(%zu bytes of whole header lines are recorded; libcurl does not hand over an "
		         "unterminated last line)", x->resp.len);
	else if (r == CURLE_OUT_OF_MEMORY && !x->hdr_len)
		snprintf(out, outsz, "the server sent a response header line longer than libcurl accepts "
		         "(100 KiB): refused (%s)", x->errbuf[0] ? x->errbuf : curl_easy_strerror(r));
	else if (r == CURLE_UNSUPPORTED_PROTOCOL && strstr(x->errbuf, "HTTP/0.9"))
		snprintf(out, outsz, "the server answered with something that is not an HTTP status line "
		         "(garbage, or HTTP/0.9): nothing recorded as a response");
	else if (r == CURLE_WEIRD_SERVER_REPLY && x->errbuf[0])
		snprintf(out, outsz, "the server's reply breaks HTTP: %s", x->errbuf);
	else
		snprintf(out, outsz, "%s%s%s%s", curl_easy_strerror(r), x->errbuf[0] ? ": " : "",
		         x->errbuf, hint);
}

void crawl_versions(char *out, size_t outsz)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	snprintf(out, outsz, "libcurl/%s %s zstd/%s libxml2/%s", v->version,
	         v->ssl_version ? v->ssl_version : "no-TLS", ZSTD_versionString(),
	         LIBXML_DOTTED_VERSION);
}
