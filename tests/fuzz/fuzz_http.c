/*
 * fuzz_http.c — libFuzzer target for archive/warc/http.c: header helpers, the
 * streaming chunked decoder fed in pieces, http_entity, and content decoding
 * with a small output bound (a decompression bomb must end in ARC_ELIMIT).
 *
 * Input: byte 0 picks the content coding to try, byte 1 the feed step for the
 * chunked decoder; the rest is an HTTP message (header and body as on the wire).
 */
#include "archive.h"

#include <stdint.h>
#include <stdlib.h>

static int count(void *ctx, const unsigned char *buf, size_t len)
{
	size_t *n = ctx;

	if (len)
		*n += buf[0] + buf[len - 1];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const codings[] = { NULL, "gzip", "deflate", "zstd", "identity",
		                               "gzip, deflate", "br", "x-gzip" };
	const unsigned char *msg;
	unsigned char *ent, *dec;
	size_t len, hl, ent_len, dec_len, step, i, sink = 0;
	int owned;
	char ce[128];
	http_dechunk_t *d;

	if (size < 2)
		return 0;
	msg = data + 2;
	len = size - 2;
	step = (size_t)data[1] + 1;

	hl = http_header_end(msg, len);
	http_status(msg, hl ? hl : len);
	http_header_get(msg, hl ? hl : len, "Content-Encoding", ce, sizeof ce);
	http_is_chunked(msg, hl ? hl : len);

	/* the streaming decoder over the body, in pieces of `step` bytes */
	d = http_dechunk_new(count, &sink);
	if (d) {
		for (i = hl; i < len; i += step)
			if (http_dechunk_feed(d, msg + i, len - i < step ? len - i : step) != 0)
				break;
		http_dechunk_done(d);
		http_dechunk_free(d);
	}

	if (http_entity(msg, len, &ent, &ent_len, &owned) == 0 || owned) {
		const char *coding = data[0] & 0x80 ? ce : codings[data[0] & 7];

		if (http_decode_content_ex(coding, ent, ent_len, 64 * 1024, &dec, &dec_len, NULL) == 0)
			free(dec);
		if (owned)
			free(ent);
	}
	return (int)(sink & 0);
}
