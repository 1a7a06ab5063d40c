/*
 * fuzz_rules.c — the rules parser and the scanner on arbitrary bytes: the
 * input is parsed as a rules file (and, when it parses, scanned with its own
 * rules), and scanned as page text with the built-in rules.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "detect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static detect_rules_t *builtin;
	arc_error_t err;
	if (!builtin)
		builtin = detect_rules_load(NULL, &err);
	detect_rules_t *r = dt_rules_parse((const char *)data, size, "fuzz.rules", &err);
	scan_result_t s;
	if (r && dt_scan(r, (const char *)data, size, &s) == 0) {
		int dox;
		double score;
		dt_verdict(r, s.v, s.n, &dox, &score);
		dt_scan_free(&s);
	}
	detect_rules_free(r);
	if (builtin && dt_scan(builtin, (const char *)data, size, &s) == 0) {
		for (size_t i = 0; i < s.n; i++)
			if (s.v[i].te > size || s.v[i].ts >= s.v[i].te)
				__builtin_trap();  /* a match outside the text */
		dt_scan_free(&s);
	}
	return 0;
}
