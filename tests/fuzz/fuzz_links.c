/*
 * fuzz_links.c — link extraction (crawler/links.c) on arbitrary bytes as HTML:
 * libxml2's recovering parser, <base href>, URL resolution and normalization
 * through libcurl's URL API. Every reported link must be an absolute
 * http(s) URL and the count must respect the bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crawl_int.h"

static int check_link(void *ctx, const char *url, const char *tag)
{
	size_t *n = ctx;
	(void)tag;
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		abort();
	if (strlen(url) > CRAWL_MAX_URL)
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	int rc = crawl_links_html(data, size, "http://fuzz.example/dir/page.html?q=1", 64, check_link, &n);
	if (rc < 0 || n > 64 || (size_t)rc != n)
		abort();
	return 0;
}
