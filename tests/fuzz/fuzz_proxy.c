/*
 * fuzz_proxy.c — libFuzzer target for the browser proxy's request parser
 * (crawler/browser/proxy.c): crawl_proxy_parse_head on any bytes, and on success
 * crawl_proxy_target_url both outside and inside a CONNECT tunnel. The
 * offsets it returns must stay inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "browser/browser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static crawl_proxy_head_t h;
	arc_error_t err;
	if (crawl_proxy_parse_head(data, size, &h, &err))
		return 0;
	if (h.target_off + h.target_len > size)
		abort();
	for (size_t i = 0; i < h.nheaders; i++)
		if (h.h[i].name_off + h.h[i].name_len > size || h.h[i].value_off + h.h[i].value_len > size)
			abort();
	char url[CRAWL_MAX_URL + 400];
	crawl_proxy_target_url(data, &h, NULL, url, sizeof url);
	crawl_proxy_target_url(data, &h, "x.example:8443", url, sizeof url);
	return 0;
}
