/*
 * fuzz_link_text.c — link extraction with link texts (crawl --focus:
 * crawl_links_html_text in crawler/links.c) and their dox signal
 * (detect_text_signal, crawler/signal.c) on arbitrary bytes as HTML. Every
 * text must stay within CRAWL_LINK_TEXT_MAX, be NUL-terminated at its
 * length, and the signal must be 0, 0.5 or 1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crawl_int.h"

static detect_rules_t *rules;

static int check_link(void *ctx, const char *url, const char *tag, const char *text, size_t len)
{
	size_t *n = ctx;
	(void)tag;
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		abort();
	if (len >= CRAWL_LINK_TEXT_MAX || strlen(text) != len)
		abort();
	double s = detect_text_signal(rules, text, len);
	if (s != 0.0 && s != 0.5 && s != 1.0)
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rules) {
		arc_error_t err;
		if (!(rules = detect_rules_load(NULL, &err)))
			abort();
	}
	size_t n = 0;
	int rc = crawl_links_html_text(data, size, "http://fuzz.example/dir/page.html", 64, check_link, &n);
	if (rc < 0 || n > 64 || (size_t)rc != n)
		abort();
	/* the signal on raw bytes too (not only what libxml2 made UTF-8) */
	double s = detect_text_signal(rules, (const char *)data, size);
	if (s != 0.0 && s != 0.5 && s != 1.0)
		abort();
	return 0;
}
