/*
 * fuzz_detect.c — detect_payload() on arbitrary bytes: the first byte picks
 * a content type (or sniffing), the rest is the payload. Every finding must
 * lie inside the payload and hash to its sha256; the findings body must build.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
		NULL, "text/html", "application/json", "text/plain", "text/html; charset=gb18030",
		"text/html; charset=utf-16", "text/plain; charset=big5", "application/xhtml+xml",
		"text/html; charset=x-no-such-charset",
	};
	static detect_rules_t *rules;
	arc_error_t err;
	if (!rules && !(rules = detect_rules_load(NULL, &err)))
		__builtin_trap();
	if (size < 1)
		return 0;
	const char *ct = types[data[0] % (sizeof types / sizeof types[0])];
	const unsigned char *p = data + 1;
	size_t n = size - 1;
	detect_result_t r;
	if (detect_payload(rules, NULL, ct, p, n, &r, &err) != 0)
		return 0;
	for (size_t i = 0; i < r.n; i++) {
		char h[ARC_DIGEST_LEN];
		if (r.v[i].start >= r.v[i].end || r.v[i].end > n)
			__builtin_trap();
		arc_sha256_hex(p + r.v[i].start, (size_t)(r.v[i].end - r.v[i].start), h);
		if (strcmp(h, r.v[i].sha256))
			__builtin_trap();
	}
	arc_buf_t b = {0};
	if (detect_findings_json(&r, "urn:uuid:00000000-0000-4000-8000-000000000000", &b) != 0)
		__builtin_trap();
	arc_buf_free(&b);
	detect_result_free(&r);
	return 0;
}
