/*
 * capture.c — the WARC records written for one fetched URL.
 *
 * In this order, each its own zstd frame through arc_case_write():
 *   request   application/http; msgtype=request — the exact bytes sent,
 *             WARC-Concurrent-To the response;
 *   response  application/http; msgtype=response — status line, headers and
 *             body as received, digests from the streaming digester,
 *             WARC-IP-Address, WARC-Protocol, WARC-Cipher-Suite, WARC-Truncated;
 *             or a revisit (identical-payload-digest profile, WARC-Refers-To
 *             the first record) when the same payload is already in the case,
 *             kept self-contained (whole message in the block, as
 *             archive/warc/writer.c documents) so every digest stays checkable;
 *             with lean_revisits (custody watch) the block is the headers as
 *             received (not chunked only) and the payload digest, computed over
 *             the body received this time, names the original's identical
 *             payload (WARC 1.1 identical-payload-digest): the verifier checks
 *             the block digest here and the payload digest on the original;
 *   metadata  application/vnd.custody.capture+json, WARC-Concurrent-To the
 *             response: address, TLS chain and verification, timings, client
 *             versions, whether the message is complete and why not;
 *   metadata  application/vnd.custody.findings+json, WARC-Refers-To the
 *             response: detection results over the decoded payload (HTML,
 *             JSON and text responses; not for revisits, whose original
 *             carries them, nor for payloads that cannot be delimited).
 * A URL that produced no response at all still gets its request (if one was
 * sent) and a capture metadata record saying what failed: the attempt itself
 * is part of the record.
 *
 * The two metadata records carry target URIs of their own,
 * "urn:custody:capture:<url>" and "urn:custody:findings:<url>" (as
 * Browsertrix names its page records "urn:pageinfo:<url>"), never the page's
 * URL: pywb indexes metadata records under their target URI and would replay
 * the capture JSON instead of the page. What a metadata record is about is
 * said by WARC-Concurrent-To / WARC-Refers-To, and readers use those.
 *
 * Must never alter the received bytes or write a digest it did not compute
 * over exactly the bytes in the record.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "crawl_int.h"

#define CAPTURE_TYPE ARC_CT_CAPTURE
#define FINDINGS_TYPE ARC_CT_FINDINGS
#define REVISIT_PROFILE "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"

/* ---------------------------------------------------------------- dedup */

/* What a revisit needs of the record that first stored a payload. */
typedef struct {
	char *id, *uri, *date;
} dedup_ent_t;

/* payload digest -> dedup_ent_t* (archive's arc_map) */
struct crawl_dedup {
	arc_map_t *m;
};

static void dedup_ent_free(void *p)
{
	dedup_ent_t *e = p;
	if (!e)
		return;
	free(e->id);
	free(e->uri);
	free(e->date);
	free(e);
}

crawl_dedup_t *crawl_dedup_new(void)
{
	crawl_dedup_t *d = calloc(1, sizeof *d);
	if (d && !(d->m = arc_map_new(0))) {
		free(d);
		return NULL;
	}
	return d;
}

void crawl_dedup_free(crawl_dedup_t *d)
{
	if (!d)
		return;
	arc_map_free(d->m, dedup_ent_free);
	free(d);
}

static const dedup_ent_t *dedup_find(const crawl_dedup_t *d, const char *digest)
{
	return arc_map_get(d->m, digest);
}

int crawl_dedup_add(crawl_dedup_t *d, const char *digest, const char *id, const char *uri,
                    const char *date)
{
	if (arc_map_find(d->m, digest, NULL))
		return 0; /* the first record of a payload stays the one revisits point at */
	dedup_ent_t *e = calloc(1, sizeof *e);
	if (!e || !(e->id = strdup(id)) || !(e->uri = strdup(uri)) || !(e->date = strdup(date)) ||
	    arc_map_put(d->m, digest, e, NULL) != 0) {
		dedup_ent_free(e);
		return ARC_ENOMEM;
	}
	return 0;
}

/* ---------------------------------------------------------------- helpers */

/* "HTTP/1.1 200 OK" -> "http/1.1"; "HTTP/2 200" -> "h2" */
static void http_protocol(const unsigned char *hdr, size_t len, char *out, size_t outsz)
{
	out[0] = '\0';
	if (len < 6 || memcmp(hdr, "HTTP/", 5))
		return;
	size_t n = 5;
	while (n < len && n < 12 && hdr[n] != ' ' && hdr[n] != '\r' && hdr[n] != '\n')
		n++;
	if (n == 6 && hdr[5] == '2')
		snprintf(out, outsz, "h2");
	else if (n == 6 && hdr[5] == '3')
		snprintf(out, outsz, "h3");
	else
		snprintf(out, outsz, "http/%.*s", (int)(n - 5), (const char *)hdr + 5);
}

/* "TLSv1.3" -> "tls/1.3" */
static void tls_protocol(const char *v, char *out, size_t outsz)
{
	if (!strncmp(v, "TLSv", 4))
		snprintf(out, outsz, "tls/%s", v + 4);
	else if (!strncmp(v, "SSLv", 4))
		snprintf(out, outsz, "ssl/%s", v + 4);
	else {
		snprintf(out, outsz, "%s", v);
		for (char *p = out; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
}

static const char *trunc_name(int t)
{
	switch (t) {
	case CRAWL_TRUNC_LENGTH:
		return "length";
	case CRAWL_TRUNC_TIME:
		return "time";
	case CRAWL_TRUNC_DISCONNECT:
		return "disconnect";
	case CRAWL_TRUNC_UNSPECIFIED:
	case CRAWL_TRUNC_FRAMING:
		return "unspecified";
	default:
		return NULL;
	}
}

static void set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v && *v ? json_string(v) : json_null());
}

char *crawl_urn(const char *prefix, const char *url)
{
	size_t a = strlen(prefix), b = strlen(url);
	char *s = malloc(a + b + 1);

	if (s) {
		memcpy(s, prefix, a);
		memcpy(s + a, url, b + 1);
	}
	return s;
}

/* The capture metadata body. */
static json_t *hex_string(const unsigned char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char *s = malloc(n * 2 + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = hx[p[i] >> 4];
		s[2 * i + 1] = hx[p[i] & 15];
	}
	json_t *v = json_stringn(s, n * 2);
	free(s);
	return v;
}

/* The capture metadata body. secrets: the request headers whose values the
 * request record holds as sha256:<hex> ("Cookie, Authorization"), or NULL. */
static char *capture_json(const crawl_capture_ctx_t *c, const crawl_xfer_t *x,
                          const char *req_id, const char *resp_id, int complete,
                          const char *why, int depth, const char *secrets, size_t too_long, int compact)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	char msg[CURL_ERROR_SIZE + 512];
	/* compact (a lean revisit's): what the revisit's own WARC fields say
	 * (URL, date, protocol, address), the request id (its request record's
	 * WARC-Concurrent-To links the two) and nulls are left out */
	if (!compact)
		set_str(o, "url", x->url);
	/* link hops from a seed: lets --resume rebuild the frontier from the case */
	json_object_set_new(o, "depth", depth >= 0 ? json_integer(depth) : json_null());
	if (!compact)
		set_str(o, "date", x->started);
	if (!compact) /* a lean revisit's request names it by WARC-Concurrent-To */
		set_str(o, "request_record", req_id);
	set_str(o, "response_record", resp_id);
	json_object_set_new(o, "complete", json_boolean(complete));
	if (!compact || why)
		set_str(o, "incomplete_reason", why);
	if (!compact || trunc_name(x->truncated))
		set_str(o, "truncated", trunc_name(x->truncated));
	json_object_set_new(o, "curl_result", json_integer(x->result));
	if (x->result) {
		crawl_xfer_error(x, msg, sizeof msg);
		set_str(o, "error", msg);
	} else if (!compact) {
		json_object_set_new(o, "error", json_null());
	}
	json_object_set_new(o, "status", x->status ? json_integer(x->status) : json_null());
	char proto[16];
	http_protocol(x->resp.data, x->hdr_len, proto, sizeof proto);
	if (!compact)
		set_str(o, "http_version", proto);
	json_object_set_new(o, "bytes_received", json_integer((json_int_t)(x->resp.len + x->spool_len)));
	json_object_set_new(o, "body_bytes", json_integer((json_int_t)x->body_len));
	if (x->interim.len) {
		/* 1xx responses before the final one (103 Early Hints...), as received */
		json_t *v = json_stringn((const char *)x->interim.data, x->interim.len);
		json_object_set_new(o, v ? "interim_responses" : "interim_responses_hex",
		                    v ? v : hex_string(x->interim.data, x->interim.len));
		json_object_set_new(o, "interim_responses_complete", json_boolean(!x->interim_cut));
	}
	if (secrets && *secrets)
		set_str(o, "request_headers_hashed", secrets);
	if (too_long) /* links custody does not follow, said rather than dropped */
		json_object_set_new(o, "links_not_followed_too_long", json_integer((json_int_t)too_long));
	if (!compact)
		set_str(o, "ip", x->ip);
	json_object_set_new(o, "port", x->port ? json_integer(x->port) : json_null());

	if (x->tls) {
		json_t *t = json_object();
		set_str(t, "version", x->tls_version);
		set_str(t, "cipher_suite", x->cipher);
		json_object_set_new(t, "verify_result", json_integer(x->ossl_verify));
		set_str(t, "verify_message", X509_verify_cert_error_string(x->ossl_verify));
		json_object_set_new(t, "handshake_verify_result", json_integer(x->curl_ossl_verify));
		json_object_set_new(t, "curl_verify_result", json_integer(x->ssl_verifyresult));
		json_object_set_new(t, "host_match", x->host_match < 0 ? json_null() : json_boolean(x->host_match));
		json_object_set_new(t, "verified", json_boolean(x->ossl_verify == X509_V_OK && x->host_match == 1));
		json_object_set_new(t, "insecure", json_boolean(c->insecure));
		set_str(t, "peer_subject", x->peer_subject);
		set_str(t, "peer_issuer", x->peer_issuer);
		/* kept on every visit, lean or not: a renewed certificate must be on record */
		set_str(t, "chain_pem", x->chain_pem);
		json_object_set_new(o, "tls", t);
	} else if (!compact) {
		json_object_set_new(o, "tls", json_null());
	}
	json_t *tm = json_object();
	json_object_set_new(tm, "namelookup", json_integer(x->t_namelookup));
	json_object_set_new(tm, "connect", json_integer(x->t_connect));
	json_object_set_new(tm, "appconnect", json_integer(x->t_appconnect));
	json_object_set_new(tm, "starttransfer", json_integer(x->t_starttransfer));
	json_object_set_new(tm, "total", json_integer(x->t_total));
	json_object_set_new(o, "timings_us", tm);
	if (!compact) /* a lean revisit's: the warcinfo's software line names it */
		set_str(o, "client", c->versions);
	char *s = json_dumps(o, (compact ? JSON_COMPACT : JSON_INDENT(1)) | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

void crawl_captured_free(crawl_captured_t *c)
{
	free(c->payload);
	c->payload = NULL;
	c->payload_len = 0;
	arc_buf_free(&c->findings);
	for (size_t i = 0; i < c->nlinks; i++)
		free(c->links[i]);
	free(c->links);
	free(c->link_req);
	free(c->link_sig);
	c->links = NULL;
	c->link_req = NULL;
	c->link_sig = NULL;
	c->nlinks = c->caplinks = 0;
}

/* Entity body with transfer and content coding removed; malloc'd into out.
 * http_decoded_payload is the very function the verifier re-decodes with, so
 * findings offsets mean the same bytes on both sides. A partial body (cut
 * chunking) is fine: it is flagged in the capture metadata. */
/* The payload as the detector and the verifier see it; *why (size whysz)
 * says why there is none when decoding failed. */
static void decode_payload(const crawl_capture_ctx_t *c, const crawl_xfer_t *x,
                           crawl_captured_t *out, char *why, size_t whysz)
{
	unsigned char *p = NULL;
	size_t n = 0;
	int partial = 0;
	arc_error_t e;
	memset(&e, 0, sizeof e);
	uint64_t max = c->max_decoded ? c->max_decoded : CRAWL_SCAN_MAX;
	if (http_decoded_payload(x->resp.data, x->resp.len, (size_t)max, &p, &n, &partial, &e) != 0 &&
	    !p)
		snprintf(why, whysz, "payload could not be decoded: %s",
		         e.msg[0] ? e.msg : arc_strerror(e.code));
	out->payload = p;
	out->payload_len = n;
	out->partial = partial;
}

/* Why what was scanned is not the whole payload, or NULL: then "no findings"
 * speaks for the whole page. Static strings or out->scan_why. */
static const char *scan_incomplete(const crawl_capture_ctx_t *c, const crawl_xfer_t *x,
                                   crawl_captured_t *out)
{
	unsigned long long max = (unsigned long long)(c->max_decoded ? c->max_decoded : CRAWL_SCAN_MAX);
	if (x->window_cut == CRAWL_CUT_BUDGET) {
		snprintf(out->scan_why, sizeof out->scan_why,
		         "the crawl's memory budget for scan windows was spent while this body arrived: "
		         "the part decoded from its first %llu bytes was scanned (the whole body is recorded)",
		         (unsigned long long)(x->resp.len - x->hdr_len));
		return out->scan_why;
	}
	if (x->window_cut == CRAWL_CUT_WINDOW || (out->partial & HTTP_PARTIAL_LIMIT)) {
		snprintf(out->scan_why, sizeof out->scan_why,
		         "the body is longer than the scan window (--scan-max %llu bytes): only the first "
		         "%zu decoded bytes were scanned (the whole body is recorded)", max, out->payload_len);
		return out->scan_why;
	}
	if (!out->complete) {
		snprintf(out->scan_why, sizeof out->scan_why,
		         "the response is incomplete (%s): what arrived was scanned",
		         x->truncated == CRAWL_TRUNC_LENGTH ? "cut at --max-body" : "cut by the server or the network");
		return out->scan_why;
	}
	if (out->partial)
		return http_partial_str(out->partial);
	return NULL;
}

/* The detector's findings body, with the crawl's own reason when the scan did
 * not cover the whole payload: "scanned": {"complete": false, "reason": ...}. */
static int mark_incomplete(arc_buf_t *findings, const char *why)
{
	json_t *root = json_loadb((const char *)findings->data, findings->len, 0, NULL);
	json_t *sc = root ? json_object_get(root, "scanned") : NULL;
	if (!json_is_object(sc)) {
		json_decref(root);
		return ARC_ENOMEM;
	}
	json_object_set_new(sc, "complete", json_false());
	json_object_set_new(sc, "reason", json_string(why));
	char *s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!s)
		return ARC_ENOMEM;
	findings->len = 0;
	int rc = arc_buf_append(findings, s, strlen(s)) ? ARC_ENOMEM : 0;
	free(s);
	return rc;
}

/* ---------------------------------------------------------------- secrets */

static int is_secret_name(const crawl_capture_ctx_t *c, const char *name, size_t n)
{
	static const char *const always[] = {"Cookie", "Authorization", "Proxy-Authorization"};
	for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
		if (strlen(always[i]) == n && !strncasecmp(always[i], name, n))
			return 1;
	for (size_t i = 0; i < c->nsecret_names; i++)
		if (strlen(c->secret_names[i]) == n && !strncasecmp(c->secret_names[i], name, n))
			return 1;
	return 0;
}

/* The request as custody stores it: the value of every secret header (Cookie,
 * Authorization, Proxy-Authorization, --secret-header names) replaced by
 * "sha256:<hex>" of the value as sent, so that the advocate's session never
 * enters the evidence while the record still proves which value was sent.
 * names gets the replaced header names ("Cookie, Authorization"). Returns 1
 * when something was replaced (out filled), 0 when the request is stored as
 * sent, <0 ARC_ENOMEM. */
int crawl_request_redact(const crawl_capture_ctx_t *c, const unsigned char *req, size_t len,
                         arc_buf_t *out, char *names, size_t namessz)
{
	size_t hl = http_header_end(req, len), pos = 0;
	int changed = 0;
	names[0] = '\0';
	if (!hl || c->keep_secrets)
		return 0;
	out->len = 0;
	while (pos < hl) {
		const unsigned char *line = req + pos;
		const unsigned char *nl = memchr(line, '\n', hl - pos);
		size_t ll = nl ? (size_t)(nl - line) + 1 : hl - pos;
		const unsigned char *colon = memchr(line, ':', ll);
		if (pos > 0 && colon && is_secret_name(c, (const char *)line, (size_t)(colon - line))) {
			size_t vs = (size_t)(colon - line) + 1, ve = ll;
			while (ve > vs && (line[ve - 1] == '\n' || line[ve - 1] == '\r'))
				ve--;
			while (vs < ve && (line[vs] == ' ' || line[vs] == '\t'))
				vs++;
			while (ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t'))
				ve--;
			char d[ARC_DIGEST_LEN];
			arc_sha256_hex(line + vs, ve - vs, d);
			if (arc_buf_append(out, line, (size_t)(colon - line)) ||
			    arc_buf_printf(out, ": %s\r\n", d))
				return ARC_ENOMEM;
			size_t nn = strlen(names), want = (size_t)(colon - line);
			if (nn + want + 3 < namessz)
				snprintf(names + nn, namessz - nn, "%s%.*s", nn ? ", " : "", (int)want,
				         (const char *)line);
			changed = 1;
		} else if (arc_buf_append(out, line, ll)) {
			return ARC_ENOMEM;
		}
		pos += ll;
	}
	if (!changed)
		return 0;
	if (arc_buf_append(out, req + hl, len - hl))
		return ARC_ENOMEM;
	return 1;
}

static int write_rec(crawl_capture_ctx_t *c, const warc_record_t *r, warc_written_t *w,
                     crawl_captured_t *out, arc_error_t *err)
{
	int rc = arc_case_write(c->cas, r, w, err);
	if (rc == 0)
		out->records++;
	return rc;
}

/* An untyped payload that starts (after blanks and a BOM) like HTML. */
static int looks_html(const unsigned char *p, size_t n)
{
	size_t i = 0;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	static const char *const starts[] = {"<!doctype html", "<html", "<head", "<body", "<!--"};
	for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
		size_t l = strlen(starts[k]);
		if (n - i >= l && !strncasecmp((const char *)p + i, starts[k], l))
			return 1;
	}
	return 0;
}

/* Add a link; with_sig (--focus): sig is its crawl_focus_anchor. */
static int add_link(crawl_captured_t *out, const char *url, const char *tag, int with_sig, int sig)
{
	if (out->nlinks == out->caplinks) {
		size_t cap = out->caplinks ? out->caplinks * 2 : 32;
		char **nl = realloc(out->links, cap * sizeof *nl);
		if (!nl)
			return 1;
		out->links = nl;
		unsigned char *nr = realloc(out->link_req, cap);
		if (!nr)
			return 1;
		out->link_req = nr;
		if (with_sig) {
			signed char *ns = realloc(out->link_sig, cap);
			if (!ns)
				return 1;
			out->link_sig = ns;
		}
		out->caplinks = cap;
	}
	if (!(out->links[out->nlinks] = strdup(url)))
		return 1;
	out->link_req[out->nlinks] = (unsigned char)crawl_link_is_requisite(tag);
	if (with_sig)
		out->link_sig[out->nlinks] = (signed char)sig;
	out->nlinks++;
	return 0;
}

static int collect_link(void *ctx, const char *url, const char *tag)
{
	return add_link(ctx, url, tag, 0, 0);
}

/* --focus: what a style sheet loads holds no one's data */
static int collect_link_code(void *ctx, const char *url, const char *tag)
{
	return add_link(ctx, url, tag, 1, CRAWL_FOCUS_CODE);
}

typedef struct {
	crawl_captured_t *out;
	const detect_rules_t *rules;
} focus_links_t;

static int collect_link_text(void *ctx, const char *url, const char *tag, const char *text,
                             size_t text_len)
{
	focus_links_t *fl = ctx;
	double s = fl->rules ? detect_text_signal(fl->rules, text, text_len) : 0.0;
	return add_link(fl->out, url, tag, 1, crawl_focus_anchor(tag, s));
}

/* --focus: does a page without a doxing verdict still carry findings (dox
 * keywords, identifiers) worth following a little sooner? */
static int page_signal(const detect_result_t *r)
{
	return !r->doxing && r->n > 0;
}

int crawl_capture_prepare(const crawl_capture_ctx_t *c, crawl_xfer_t *x, int want_payload,
                          size_t max_links, crawl_captured_t *out)
{
	memset(out, 0, sizeof *out);
	out->nfindings = -1;
	out->depth = -1;
	out->status = x->status;
	out->bytes = x->resp.len + x->spool_len;
	out->want_payload = want_payload;
	out->complete = x->result == CURLE_OK && x->hdr_len > 0 && !x->truncated;
	if (arc_uuid(out->resp_uuid))
		return ARC_ENOMEM;
	snprintf(out->resp_id, sizeof out->resp_id, "<%s>", out->resp_uuid); /* as WARC-Record-ID writes it */
	/* the digester saw the bytes only once the header block was whole */
	if (x->hdr_len && x->dig)
		warc_digester_final(x->dig, out->block_d, out->payload_d);
	if (x->hdr_len) {
		http_header_get(x->resp.data, x->hdr_len, "Content-Type", out->content_type,
		                sizeof out->content_type);
		if (x->status >= 300 && x->status < 400)
			http_header_get(x->resp.data, x->hdr_len, "Location", out->location,
			                sizeof out->location);
	}
	/* no Content-Type at all: decode and let detection sniff (HTML, JSON, text) */
	int untyped = !out->content_type[0];
	int text = crawl_is_text_type(out->content_type) || untyped;
	char why[sizeof ((arc_error_t *)0)->msg + 64] = "";
	if (x->hdr_len && (text || want_payload))
		decode_payload(c, x, out, why, sizeof why);
	/* A large scan runs alone: detection needs ~15 bytes of memory per byte
	 * scanned, and workers scanning big windows side by side would add up. */
	int big = c->big_scan && out->payload_len > CRAWL_SCAN_MIN;
	if (big)
		pthread_mutex_lock(c->big_scan);
	/* Findings on whatever could be decoded: http_decoded_payload, which the
	 * verifier re-checks them with, yields the same prefix of a cut, broken
	 * or oversized body, so every offset stays checkable; the record says
	 * what the scan did not cover. Revisits drop them at write time (their
	 * original carries the same findings). */
	if (text && !want_payload && c->rules && out->payload) {
		detect_result_t res;
		arc_error_t derr;
		memset(&res, 0, sizeof res);
		memset(&derr, 0, sizeof derr);
		const char *scan_why = scan_incomplete(c, x, out);
		if (detect_payload(c->rules, c->watch, untyped ? NULL : out->content_type, out->payload,
		                   out->payload_len, &res, &derr) == 0 &&
		    detect_findings_json(&res, out->resp_id, &out->findings) == 0 &&
		    (!scan_why || mark_incomplete(&out->findings, scan_why) == 0)) {
			out->nfindings = (int)res.n;
			out->doxing = res.doxing;
			out->page_signal = page_signal(&res);
			out->scan_complete = !scan_why && !res.truncated;
			for (size_t i = 0; i < res.n; i++)
				out->personal += strcmp(res.v[i].type, "dox_keyword") != 0;
		} else {
			arc_buf_free(&out->findings);
			snprintf(why, sizeof why, "detection failed: %s", derr.msg[0] ? derr.msg : "out of memory");
		}
		detect_result_free(&res);
	}
	/* a page the detector could not read says so: never a silent "nothing found" */
	if (why[0] && text && !want_payload && c->rules && out->nfindings < 0) {
		arc_buf_free(&out->findings);
		if (detect_findings_error_json(out->resp_id, why, &out->findings) == 0) {
			out->nfindings = 0;
			out->undetected = 1;
		} else {
			arc_buf_free(&out->findings);
		}
	}
	int css = !strncasecmp(out->content_type, "text/css", 8);
	if (max_links && out->payload && css) {
		crawl_links_css(out->payload, out->payload_len, x->url, max_links,
		                c->focus ? collect_link_code : collect_link, out);
	} else if (max_links && out->payload && !x->css_only &&
	    (crawl_is_html_type(out->content_type) || (untyped && looks_html(out->payload, out->payload_len)))) {
		if (c->focus) {
			focus_links_t fl = {out, c->rules};
			crawl_links_walk(out->payload, out->payload_len, x->url, max_links, NULL,
			                 collect_link_text, &fl, &out->links_too_long);
		} else {
			crawl_links_walk(out->payload, out->payload_len, x->url, max_links, collect_link, NULL,
			                 out, &out->links_too_long);
		}
	}
	if (big)
		pthread_mutex_unlock(c->big_scan);
	return 0;
}

int crawl_capture_write(crawl_capture_ctx_t *c, crawl_xfer_t *x, crawl_captured_t *out,
                        arc_error_t *err)
{
	int have_resp = x->resp.len > 0;
	int complete = out->complete;
	const char *why = NULL;
	char errmsg[CURL_ERROR_SIZE + 512];
	if (!complete) {
		if (x->truncated == CRAWL_TRUNC_LENGTH)
			why = "body longer than --max-body: kept the first bytes";
		else if (x->truncated == CRAWL_TRUNC_TIME)
			why = "transfer timed out (--timeout) before the body ended";
		else if (x->truncated == CRAWL_TRUNC_DISCONNECT)
			why = "the server closed the connection before the body ended";
		else if (x->truncated == CRAWL_TRUNC_UNSPECIFIED)
			why = "the crawl was stopped (interrupted) before the body ended";
		else if (x->truncated == CRAWL_TRUNC_FRAMING) {
			snprintf(errmsg, sizeof errmsg, "the server sent malformed chunked framing (%s): the "
			         "bytes up to it are recorded", x->errbuf[0] ? x->errbuf : "bad chunk size");
			why = errmsg;
		} else {
			crawl_xfer_error(x, errmsg, sizeof errmsg);
			why = errmsg;
		}
	}
	const char *resp_id = out->resp_id;
	const char *payload_d = out->payload_d;
	char req_id[ARC_UUID_LEN + 8] = "";
	warc_written_t w;
	memset(&w, 0, sizeof w);
	int rc = 0;

	/* revisit? only for a whole, non-empty payload already stored in this case */
	const dedup_ent_t *prev = NULL;
	if (have_resp && complete && x->body_len > 0 && payload_d[0] && c->dedup)
		prev = dedup_find(c->dedup, payload_d);

	/* 1. request, secret header values hashed (crawl_request_redact) */
	char secrets[256] = "";
	if (x->req.len) {
		warc_field_t f[3];
		size_t nf = 0;
		arc_buf_t red = {0};
		int redacted = crawl_request_redact(c, x->req.data, x->req.len, &red, secrets, sizeof secrets);
		if (redacted < 0) {
			arc_buf_free(&red);
			rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "%s: out of memory", x->url);
			goto out;
		}
		if (have_resp)
			f[nf++] = (warc_field_t){"WARC-Concurrent-To", resp_id};
		if (x->ip[0])
			f[nf++] = (warc_field_t){"WARC-IP-Address", x->ip};
		if (redacted)
			f[nf++] = (warc_field_t){"Custody-Hashed-Headers", secrets};
		warc_record_t r = {.type = "request", .target_uri = x->url,
		                   .content_type = ARC_CT_HTTP_REQUEST,
		                   .date = x->started, .fields = f, .nfields = nf,
		                   .block = redacted ? red.data : x->req.data,
		                   .block_len = redacted ? red.len : x->req.len};
		rc = write_rec(c, &r, &w, out, err);
		arc_buf_free(&red);
		if (rc)
			goto out;
		snprintf(req_id, sizeof req_id, "%s", w.record_id);
		snprintf(out->request_id, sizeof out->request_id, "%s", w.record_id);
	}

	/* 2. response or revisit */
	if (have_resp) {
		warc_field_t f[10];
		size_t nf = 0;
		char proto[16], tlsp[32];
		if (x->ip[0])
			f[nf++] = (warc_field_t){"WARC-IP-Address", x->ip};
		http_protocol(x->resp.data, x->hdr_len, proto, sizeof proto);
		if (proto[0])
			f[nf++] = (warc_field_t){"WARC-Protocol", proto};
		if (x->tls) {
			tls_protocol(x->tls_version, tlsp, sizeof tlsp);
			f[nf++] = (warc_field_t){"WARC-Protocol", tlsp};
			if (x->cipher[0])
				f[nf++] = (warc_field_t){"WARC-Cipher-Suite", x->cipher};
		}
		if (trunc_name(x->truncated))
			f[nf++] = (warc_field_t){"WARC-Truncated", trunc_name(x->truncated)};
		warc_record_t r = {.target_uri = x->url, .content_type = ARC_CT_HTTP_RESPONSE,
		                   .record_id = out->resp_uuid, .date = x->started, .fields = f};
		if (prev) {
			/* self-contained revisit (archive/warc/writer.c): the whole response
			 * stays in the block, so its payload digest is both the
			 * original's and checkable against this record */
			f[nf++] = (warc_field_t){"WARC-Profile", REVISIT_PROFILE};
			f[nf++] = (warc_field_t){"WARC-Refers-To", prev->id};
			f[nf++] = (warc_field_t){"WARC-Refers-To-Target-URI", prev->uri};
			f[nf++] = (warc_field_t){"WARC-Refers-To-Date", prev->date};
		}
		r.type = prev ? "revisit" : "response";
		r.block = x->resp.data;
		r.block_len = x->resp.len;
		int lean = prev && c->lean_revisits && x->hdr_len && x->hdr_len <= x->resp.len &&
		           !http_is_chunked(x->resp.data, x->hdr_len);
		if (lean) {
			/* --lean revisits (custody watch): the headers as received; the
			 * payload is the original's (same digest), the block digest is
			 * over what is stored */
			r.block_len = x->hdr_len;
		} else if (x->spool && x->spool_len) {
			/* the body past the scan window waits on disk: read once, compressed */
			if (fseek(x->spool, 0, SEEK_SET)) {
				rc = arc_fail(err, ARC_EIO, "", 0, "", "%s: cannot read the spooled body back: %s",
				              x->url, strerror(errno));
				goto out;
			}
			r.block_rest = x->spool;
			r.block_rest_len = x->spool_len;
		}
		r.block_digest = x->hdr_len && !lean ? out->block_d : NULL;
		r.payload_digest = payload_d; /* "" = omit: payload not delimited */
		r.nfields = nf;
		if ((rc = write_rec(c, &r, &w, out, err)))
			goto out;
		out->wrote_response = prev ? 2 : 1;
		snprintf(out->response_id, sizeof out->response_id, "%s", w.record_id);
		snprintf(out->response_file, sizeof out->response_file, "%s", arc_case_filename(c->cas));
		out->response_offset = w.offset;
		if (!prev && complete && x->body_len > 0 && payload_d[0] && c->dedup &&
		    (rc = crawl_dedup_add(c->dedup, payload_d, w.record_id, x->url, w.date)))
			goto out;
	}

	/* 3. capture metadata */
	{
		char *body = capture_json(c, x, req_id, out->response_id, complete, why, out->depth, secrets,
		                          out->links_too_long, c->lean_revisits && out->wrote_response == 2);
		if (!body) {
			rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "%s: out of memory", x->url);
			goto out;
		}
		warc_field_t f[1];
		size_t nf = 0;
		if (out->response_id[0])
			f[nf++] = (warc_field_t){"WARC-Concurrent-To", out->response_id};
		char *uri = crawl_urn(ARC_CAPTURE_URN, x->url);
		if (!uri) {
			free(body);
			rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "%s: out of memory", x->url);
			goto out;
		}
		warc_record_t r = {.type = "metadata", .target_uri = uri,
		                   .content_type = CAPTURE_TYPE, .fields = f, .nfields = nf,
		                   .block = body, .block_len = strlen(body)};
		rc = write_rec(c, &r, &w, out, err);
		free(body);
		free(uri);
		if (rc)
			goto out;
	}

	/* 4. findings, for a response (a revisit's are its original's) */
	if (out->wrote_response == 1 && out->findings.len) {
		warc_field_t f[1] = {{"WARC-Refers-To", out->response_id}};
		char *uri = crawl_urn(ARC_FINDINGS_URN, x->url);
		if (!uri) {
			rc = arc_fail(err, ARC_ENOMEM, "", 0, "", "%s: out of memory", x->url);
			goto out;
		}
		warc_record_t r = {.type = "metadata", .target_uri = uri,
		                   .content_type = FINDINGS_TYPE, .fields = f, .nfields = 1,
		                   .block = out->findings.data, .block_len = out->findings.len};
		rc = write_rec(c, &r, &w, out, err);
		free(uri);
	} else {
		/* a revisit: its original holds the findings; the log and ls still
		 * say what the page showed */
		if (out->wrote_response == 2 && out->nfindings >= 0) {
			out->revisit_personal = out->personal;
			out->revisit_doxing = out->doxing;
		} else {
			out->revisit_personal = -1;
		}
		out->nfindings = -1;
		out->doxing = 0;
	}
out:
	return rc; /* w.header is a view of the writer's buffer: not ours to free */
}

int crawl_capture(crawl_capture_ctx_t *c, crawl_xfer_t *x, int want_payload,
                  crawl_captured_t *out, arc_error_t *err)
{
	if (crawl_capture_prepare(c, x, want_payload, 0, out))
		return arc_fail(err, ARC_ENOMEM, "", 0, "", "%s: out of memory", x->url);
	return crawl_capture_write(c, x, out, err);
}
