/*
 * fuzz_seal.c — libFuzzer target for the seal parsers custody-verify runs on
 * hostile input: the tree-head text (sth.c), seal and stamp bodies (seal.c,
 * base64 and JSON), CMS signatures and RFC 3161 replies (sign.c, tsp.c) and
 * the Merkle proof checks over hashes taken from the input.
 *
 * Input: byte 0 picks the parser; the rest is its input.
 */
#include "archive.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sth[] = "custody-sth-v1\ntree-size: 1\n";
	seal_sth_t s;
	seal_body_t b;
	seal_cms_info_t ci;
	seal_tsr_info_t ti;
	arc_buf_t out = { 0 };

	if (size < 1)
		return 0;
	switch (data[0] % 6) {
	case 0:
		if (seal_sth_parse(data + 1, size - 1, &s, NULL) == ARC_OK) {
			seal_sth_format(&s, &out); /* must give the same bytes back */
			if (out.len != size - 1 || memcmp(out.data, data + 1, out.len))
				__builtin_trap();
		}
		break;
	case 1:
	case 2:
		if (seal_body_parse(data + 1, size - 1, data[0] % 6 == 2, &b, NULL) == ARC_OK) {
			seal_body_format(&b, data[0] % 6 == 2, &out);
			seal_body_free(&b);
		}
		break;
	case 3:
		seal_cms_verify(data + 1, size - 1, sth, sizeof sth - 1, NULL, -1, &ci, NULL);
		break;
	case 4:
		seal_tsr_verify(data + 1, size - 1, sth, sizeof sth - 1, NULL, -1, &ti, NULL);
		break;
	case 5: {
		/* leaf, root, then proof hashes; index and size from the first bytes */
		size_t n = (size - 1) / MERKLE_HASH_LEN;
		const unsigned char(*h)[MERKLE_HASH_LEN] = (const void *)(data + 1);
		if (n >= 2 && size > 9) {
			uint64_t idx = data[1], tsize = (uint64_t)data[2] << 8 | data[3];
			merkle_verify_inclusion(idx, tsize, h[0], h + 2, n - 2 > MERKLE_MAX_PROOF ? MERKLE_MAX_PROOF : n - 2, h[1]);
			merkle_verify_consistency(idx + 1, tsize, h[0], h[1], h + 2,
			                          n - 2 > MERKLE_MAX_PROOF ? MERKLE_MAX_PROOF : n - 2);
		}
		break;
	}
	}
	arc_buf_free(&out);
	return 0;
}
