/*
 * fuzz_environment.c — libFuzzer target for what custody-verify does with the
 * capture environment (verify/environment.c) on hostile input:
 *   - input that starts like a capture file (zstd magic or "WARC/"): the whole
 *     check run with the environment hook (record found, parsed, sealed or not,
 *     the clock read off the seal after it), then the report with its section;
 *   - anything else: vf_env_parse on it as a record body (JSON of any shape,
 *     strings of any length and bytes, both kinds), then the section rendered
 *     from what was parsed, so the HTML writer sees every value the parser keeps.
 */
#include "verify.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void whole_run(const uint8_t *data, size_t size)
{
	vf_opts_t o = { .collect_pages = 1, .max_record = 1u << 20 };
	vf_ctx_t *c = vf_new(&o);
	vf_env_hook_t *h = vf_env_hook_new();
	vf_report_opts_t ro = { 0 };

	if (c && h && vf_env_hook_add(h, c) == 0) {
		vf_add_mem(c, data, size, "fuzz.warc.zst");
		vf_run(c);
		ro.env = vf_env_hook_result(h);
		vf_report_html("/dev/null", vf_result(c), &ro);
	}
	vf_free(c);
	vf_env_hook_free(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zst[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	vf_env_t *e;
	char why[300];
	FILE *f;

	if ((size >= 4 && !memcmp(data, zst, 4)) || (size >= 5 && !memcmp(data, "WARC/", 5))) {
		whole_run(data, size);
		return 0;
	}
	if (!(e = calloc(1, sizeof *e)))
		return 0;
	if (vf_env_parse(data, size, e, why, sizeof why) == 0 && (f = fopen("/dev/null", "w"))) {
		vf_env_html(f, e, size & 1 ? "zh" : "en");
		fclose(f);
	}
	free(e);
	return 0;
}
