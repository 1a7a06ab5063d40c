/*
 * fuzz_digester.c — libFuzzer target for archive/warc/digester.c: the streaming
 * digester must agree with the verifier's one-shot view of the same bytes.
 *
 * Input: byte 0 seeds the piece sizes, the rest is an HTTP message as
 * received. The message is fed to warc_digester (is_http=1) in pieces whose
 * sizes come from the seed (1 byte up to a few KiB, with empty feeds mixed
 * in), so every header/chunk boundary split gets tried. Then:
 *   - the block digest must be SHA-256 of the whole message;
 *   - when the digester states a payload digest, http_entity must delimit
 *     the same entity without error and the digest must be SHA-256 of it.
 * A disagreement means a record whose WARC-Payload-Digest the verifier
 * would reject (or, worse, accept for other bytes): abort().
 * The digester may say "" where http_entity succeeds (a transfer coding it
 * will not undo): omitting the field is allowed, stating a wrong one is not.
 */
#include "archive.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char block[ARC_DIGEST_LEN], payload[ARC_DIGEST_LEN], want[ARC_DIGEST_LEN];
	const unsigned char *msg;
	unsigned char *ent;
	size_t len, off = 0, ent_len;
	uint32_t r;
	int owned, rc;
	warc_digester_t *d;

	if (size < 1)
		return 0;
	r = 0x9e3779b9u ^ ((uint32_t)data[0] * 0x01000193u);
	msg = data + 1;
	len = size - 1;

	d = warc_digester_new(1);
	if (!d)
		return 0;
	while (off < len) {
		size_t n;
		/* xorshift32: cheap, and fixed by the input so a crash replays */
		r ^= r << 13;
		r ^= r >> 17;
		r ^= r << 5;
		switch (r & 3) {
		case 0: n = 1 + (r >> 8) % 4; break;       /* tiny: splits CRLFs and sizes */
		case 1: n = 1 + (r >> 8) % 64; break;
		case 2: n = 1 + (r >> 8) % 4096; break;
		default: n = (r >> 8) % 2 ? 0 : len; break; /* an empty feed, or the rest */
		}
		if (n > len - off)
			n = len - off;
		if (warc_digester_feed(d, n ? msg + off : NULL, n) != ARC_OK)
			abort(); /* feed only fails on NULL with a length, or ENOMEM */
		off += n;
	}
	if (warc_digester_final(d, block, payload) != ARC_OK)
		abort();
	warc_digester_free(d);

	arc_sha256_hex(msg, len, want);
	if (strcmp(block, want) != 0)
		abort();
	if (!payload[0])
		return 0;
	if (strncmp(payload, "sha256:", 7) != 0 || strlen(payload) != ARC_DIGEST_LEN - 1)
		abort();
	rc = http_entity(msg, len, &ent, &ent_len, &owned);
	if (rc == ARC_ENOMEM)
		return 0;
	if (rc != 0)
		abort(); /* the digester delimited a payload the verifier cannot */
	arc_sha256_hex(ent, ent_len, want);
	if (owned)
		free(ent);
	if (strcmp(payload, want) != 0)
		abort();
	return 0;
}
