/*
 * digester.c — WARC block and payload digests computed while bytes stream in.
 *
 * The crawler feeds every byte libcurl hands it; at the end it has the block
 * digest (SHA-256 over every byte, exactly as received) and, for HTTP
 * messages, the payload digest WARC 1.1 asks for: over the entity body with
 * the transfer coding removed and the content coding kept. Only the HTTP
 * header block is held in memory (bounded by HTTP_MAX_HEADER); body bytes go
 * straight to the hash, through the streaming chunked decoder when the message
 * says "Transfer-Encoding: chunked". One pass, no copy of the body.
 *
 * The payload is "every byte after the header block" (a response is delimited
 * by the end of the block: the crawler stores one message per record). When it
 * cannot be delimited — no end of headers within the bound, malformed or
 * unterminated chunking, or a transfer coding other than chunked — the payload
 * digest comes back "" and the writer omits WARC-Payload-Digest rather than
 * state something wrong. For requests the same rule applies, so a GET gets the
 * digest of the empty body (as warcio does).
 *
 * Must never: buffer the body, trust a length from the message, or report a
 * payload digest it is not sure of.
 */
#include "archive.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { DG_HEADER, DG_BODY, DG_UNDELIMITED };

struct warc_digester {
	int is_http;
	int state;
	arc_sha256_t *block;
	arc_sha256_t *payload;
	arc_buf_t hdr;            /* header bytes so far (DG_HEADER only) */
	size_t scanned;           /* hdr bytes already searched for the end */
	http_dechunk_t *dechunk;  /* non-NULL: body is chunked */
	int dechunk_bad;
};

static int payload_out(void *ctx, const unsigned char *buf, size_t len)
{
	arc_sha256_update(ctx, buf, len);
	return ARC_OK;
}

warc_digester_t *warc_digester_new(int is_http)
{
	warc_digester_t *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->is_http = is_http;
	d->state = DG_HEADER;
	d->block = arc_sha256_new();
	d->payload = is_http ? arc_sha256_new() : NULL;
	if (!d->block || (is_http && !d->payload)) {
		warc_digester_free(d);
		return NULL;
	}
	return d;
}

/* Strip spaces/tabs in place and lower-case. */
static void trim_lower(char *s)
{
	size_t a = 0, n = strlen(s), i;

	while (a < n && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (i = a; i < n; i++) {
		char c = s[i];
		s[i - a] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	s[n - a] = '\0';
}

/* The header block is complete (hdr_len bytes): decide how the body is framed. */
static int start_body(warc_digester_t *d, size_t hdr_len)
{
	char te[256];

	d->state = DG_BODY;
	if (http_header_get(d->hdr.data, hdr_len, "Transfer-Encoding", te, sizeof te)) {
		trim_lower(te);
		if (te[0] && strcmp(te, "identity") != 0 && strcmp(te, "chunked") != 0) {
			/* e.g. "gzip, chunked": removing it means decompressing,
			 * which a digester must not do; say nothing rather than
			 * something wrong */
			d->state = DG_UNDELIMITED;
			return ARC_OK;
		}
	}
	/* the same rule the verifier's http_entity applies */
	if (!http_is_chunked(d->hdr.data, hdr_len))
		return ARC_OK;
	d->dechunk = http_dechunk_new(payload_out, d->payload);
	if (!d->dechunk)
		return ARC_ENOMEM;
	return ARC_OK;
}

static void feed_body(warc_digester_t *d, const unsigned char *p, size_t len)
{
	if (!len || d->state != DG_BODY)
		return;
	if (!d->dechunk) {
		arc_sha256_update(d->payload, p, len);
	} else if (!d->dechunk_bad && http_dechunk_feed(d->dechunk, p, len) != ARC_OK) {
		d->dechunk_bad = 1;
	}
}

/* Accumulate header bytes; once the blank line shows up, hand the rest on. */
static int feed_header(warc_digester_t *d, const unsigned char *p, size_t len)
{
	size_t room = HTTP_MAX_HEADER - d->hdr.len;
	size_t take = len < room ? len : room;
	size_t i, end = 0;
	int rc;

	if (arc_buf_append(&d->hdr, p, take) != ARC_OK)
		return ARC_ENOMEM;
	/* Cheap scan for a candidate "\n\n" or "\n\r\n"; http_header_end has the
	 * final word, so the digester and the verifier agree on the boundary. */
	for (i = d->scanned; i < d->hdr.len; i++) {
		const unsigned char *h = d->hdr.data;
		if (h[i] != '\n' || i == 0)
			continue;
		if (h[i - 1] == '\n' || (i >= 2 && h[i - 1] == '\r' && h[i - 2] == '\n')) {
			end = http_header_end(h, i + 1);
			if (end)
				break;
		}
	}
	d->scanned = i;
	if (!end) {
		if (d->hdr.len >= HTTP_MAX_HEADER) {
			d->state = DG_UNDELIMITED;
			arc_buf_free(&d->hdr);
		}
		return ARC_OK;
	}
	rc = start_body(d, end);
	if (rc != ARC_OK)
		return rc;
	feed_body(d, d->hdr.data + end, d->hdr.len - end);
	feed_body(d, p + take, len - take);
	arc_buf_free(&d->hdr);
	return ARC_OK;
}

int warc_digester_feed(warc_digester_t *d, const void *buf, size_t len)
{
	if (!d || (!buf && len))
		return ARC_EINVAL;
	if (!len)
		return ARC_OK;
	arc_sha256_update(d->block, buf, len);
	if (!d->is_http)
		return ARC_OK;
	if (d->state == DG_HEADER)
		return feed_header(d, buf, len);
	feed_body(d, buf, len);
	return ARC_OK;
}

int warc_digester_final(warc_digester_t *d, char block_out[ARC_DIGEST_LEN],
                        char payload_out_[ARC_DIGEST_LEN])
{
	if (!d)
		return ARC_EINVAL;
	arc_sha256_final(d->block, block_out);
	if (!d->is_http) {
		memcpy(payload_out_, block_out, ARC_DIGEST_LEN);
		return ARC_OK;
	}
	payload_out_[0] = '\0';
	if (d->state != DG_BODY)
		return ARC_OK;
	if (d->dechunk && (d->dechunk_bad || !http_dechunk_done(d->dechunk)))
		return ARC_OK;
	arc_sha256_final(d->payload, payload_out_);
	return ARC_OK;
}

void warc_digester_free(warc_digester_t *d)
{
	if (!d)
		return;
	arc_sha256_free(d->block);
	arc_sha256_free(d->payload);
	http_dechunk_free(d->dechunk);
	arc_buf_free(&d->hdr);
	free(d);
}
