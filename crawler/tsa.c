/*
 * tsa.c — RFC 3161 over HTTP: post a time-stamp request to each TSA and hand
 * back the replies that check out (archive/seal/tsp.c checks them).
 *
 * One POST of application/timestamp-query per TSA per seal, with a short
 * connect timeout and a bounded total time, so a TSA that is down or slow
 * costs a crawl at most a few seconds per seal and never stops it: the seal
 * is written with the tokens that did arrive (none: unstamped, and `custody
 * stamp` completes it later). A TSA that could not be reached is left alone
 * for five minutes, so a slow one stalls a crawl once, not at every seal.
 * Replies are capped at SEAL_MAX_TSR bytes.
 *
 * Must never: follow redirects to other schemes (http and https only), keep
 * a reply it could not check, or print (the last failure is kept in
 * crawl_tsa_t.last_error for the front end to show).
 */
#include "crawler.h"

#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define TSA_RETRY_AFTER 300 /* seconds a failed TSA is left alone */

#include <curl/curl.h>

typedef struct {
	arc_buf_t *buf;
	int over;
} sink_t;

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	sink_t *s = ud;
	size_t len = size * n;

	if (s->buf->len + len > SEAL_MAX_TSR) {
		s->over = 1;
		return 0;
	}
	return arc_buf_append(s->buf, p, len) ? 0 : len;
}

static int64_t now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The session's first token: its genTime against the local clock around the
 * exchange (the clock check of environment.c). */
static void note_first(crawl_tsa_t *t, const char *url, const seal_token_t *k, const void *sth,
                       size_t len, int64_t sent, int64_t recv)
{
	seal_tsr_info_t info;
	arc_error_t err;
	if (t->first_tsa[0])
		return;
	/* "now" far ahead: a genTime in the future is exactly what is measured here */
	seal_tsr_verify(k->tsr.data, k->tsr.len, sth, len, NULL, INT64_MAX / 4, &info, &err);
	if (info.gen_time < 0)
		return;
	t->first_gen_time = info.gen_time;
	t->first_sent_ms = sent;
	t->first_recv_ms = recv;
	snprintf(t->first_tsa, sizeof t->first_tsa, "%s", url);
}

/* POST der to url; 0 and the reply body, or -1 with why filled. */
static int post(const crawl_tsa_t *t, const char *url, const arc_buf_t *der, arc_buf_t *reply,
                char *why, size_t whysz)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hd = NULL;
	sink_t s = { reply, 0 };
	long code = 0;
	CURLcode cc;

	if (!h) {
		snprintf(why, whysz, "cannot start libcurl");
		return -1;
	}
	hd = curl_slist_append(hd, "Content-Type: application/timestamp-query");
	hd = curl_slist_append(hd, "Accept: application/timestamp-reply");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)der->data);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)der->len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t->connect_timeout_s > 0 ? t->connect_timeout_s : 5L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, t->timeout_s > 0 ? t->timeout_s : 15L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "custody/" CUSTODY_VERSION " (RFC 3161 client)");
	if (t->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_file);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	if (cc != CURLE_OK) {
		snprintf(why, whysz, "%s", s.over ? "reply larger than 64 KiB" : curl_easy_strerror(cc));
		return -1;
	}
	if (code != 200) {
		snprintf(why, whysz, "HTTP status %ld", code);
		return -1;
	}
	return 0;
}

size_t crawl_tsa_stamp(void *ctx, const void *sth, size_t len, seal_token_t *out, size_t max)
{
	crawl_tsa_t *t = ctx;
	size_t i, n = 0;

	for (i = 0; i < t->nurls && n < max; i++) {
		seal_tsq_t q;
		arc_error_t err;
		char why[300];
		seal_token_t *k = &out[n];
		int64_t now = (int64_t)time(NULL);

		if (i < SEAL_MAX_TOKENS && now < t->resume_at[i]) {
			t->failures++; /* still down: the seal goes unstamped at once */
			continue;
		}

		memset(k, 0, sizeof *k);
		if (seal_tsq_make(sth, len, &q, &err) != ARC_OK) {
			snprintf(t->last_error, sizeof t->last_error, "%.300s", err.msg);
			continue;
		}
		int64_t sent = now_ms();
		if (post(t, t->urls[i], &q.der, &k->tsr, why, sizeof why) != 0) {
			snprintf(t->last_error, sizeof t->last_error, "time-stamp authority %.100s: %.250s",
			         t->urls[i], why);
			arc_buf_free(&k->tsr);
			seal_tsq_free(&q);
			t->failures++;
			if (i < SEAL_MAX_TOKENS)
				t->resume_at[i] = now + TSA_RETRY_AFTER;
			continue;
		}
		if (seal_tsr_check_reply(&q, sth, len, k->tsr.data, k->tsr.len, &err) != ARC_OK) {
			snprintf(t->last_error, sizeof t->last_error, "time-stamp authority %.100s: %.250s",
			         t->urls[i], err.msg);
			arc_buf_free(&k->tsr);
			seal_tsq_free(&q);
			t->failures++;
			continue;
		}
		seal_tsq_free(&q);
		note_first(t, t->urls[i], k, sth, len, sent, now_ms());
		snprintf(k->tsa, sizeof k->tsa, "%s", t->urls[i]);
		n++;
	}
	return n;
}
