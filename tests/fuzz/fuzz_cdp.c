/*
 * fuzz_cdp.c — the DevTools pipe reader (crawler/browser/browser.c) on arbitrary
 * bytes as if chromium had sent them: NUL-delimited messages, jansson
 * parsing, the page's event handling (requests in flight, load, status).
 * It must never crash, leak or accept a message past its bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "browser/browser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arc_error_t err;
	memset(&err, 0, sizeof err);
	int n = crawl_cdp_replay(data, size, &err);
	/* every handled message ended with a NUL */
	size_t nuls = 0;
	for (size_t i = 0; i < size; i++)
		nuls += data[i] == 0;
	if (n > 0 && (size_t)n > nuls)
		abort();
	if (n < 0 && !err.msg[0])
		abort();
	return 0;
}
