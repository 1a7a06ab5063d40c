/*
 * fuzz_environment.c — libFuzzer target for the environment record parser
 * custody-verify runs on hostile input (verify/environment.c, vf_env_parse):
 * JSON of any shape, strings of any length and bytes, both kinds
 * ("environment" and "clock"); then the report section rendered from what was
 * parsed, so the HTML writer sees every value the parser keeps.
 */
#include "verify.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vf_env_t *e = calloc(1, sizeof *e);
	char why[300];
	FILE *f;

	if (!e)
		return 0;
	if (vf_env_parse(data, size, e, why, sizeof why) == 0 && (f = fopen("/dev/null", "w"))) {
		vf_env_html(f, e, size & 1 ? "zh" : "en");
		fclose(f);
	}
	free(e);
	return 0;
}
