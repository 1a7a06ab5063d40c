/*
 * fuzz_verify.c — libFuzzer target: custody-verify's whole check run
 * (verify/checks.c through vf_add_mem and vf_run) over one in-memory file,
 * plain WARC or .warc.zst, then the HTML report written to /dev/null. This
 * reaches every parser the verifier runs: the strict WARC reader, the HTTP
 * payload decoders, the findings and capture JSON bodies, the references and
 * case-identity checks, the cache and the report's escaping. It must never
 * crash, hang, leak or allocate past its named limits, whatever the bytes.
 */
#include "archive.h"
#include "verify.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a small record bound keeps hostile Content-Lengths from looking like leaks */
	vf_opts_t o = { .collect_pages = 1, .max_record = 1u << 20 };
	vf_ctx_t *c = vf_new(&o);

	if (!c)
		return 0;
	vf_add_mem(c, data, size, "fuzz.warc.zst");
	vf_run(c);
	vf_report_html("/dev/null", vf_result(c), NULL);
	vf_free(c);
	return 0;
}
