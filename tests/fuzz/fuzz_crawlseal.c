/*
 * fuzz_crawlseal.c — libFuzzer target for the crawl seal head parser
 * custody-verify runs on hostile input (verify/crawlseal.c): the input is
 * written to a file (the checker reads a path, as custody-verify gives it)
 * and checked with no host folders and no signature beside it.
 */
#include "crawlseal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	arc_buf_t out = { 0 };
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof path, "/tmp/fuzz-crawlseal-%ld", (long)getpid());
	if (!(f = fopen(path, "wb")))
		return 0;
	if (size)
		fwrite(data, 1, size, f);
	fclose(f);
	(void)vf_crawl_seal_is(path);
	if (vf_crawl_seal_check(path, NULL, 0, NULL, NULL, -1, &out) == VF_CS_VERIFIED)
		__builtin_trap(); /* no signature beside it: never verified */
	arc_buf_free(&out);
	unlink(path);
	return 0;
}
