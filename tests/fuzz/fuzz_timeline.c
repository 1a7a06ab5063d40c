/*
 * fuzz_timeline.c — the removal-notice rules parser and the timeline's
 * reading of records (archive/timeline.c) on arbitrary bytes: the first byte
 * picks which. Records come through the WARC reader as custody timeline and
 * the verifier's report read a case. It must never crash, leak, or read past
 * a bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arc_error_t err;
	memset(&err, 0, sizeof err);
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		tl_rules_t *r = tl_rules_parse((const char *)data + 1, size - 1, "fuzz", &err);
		if (!r && !err.msg[0])
			abort();
		if (r) {
			tl_rules_notice(r, data + 1, size - 1);
			char loc[256];
			size_t n = size - 1 < sizeof loc - 1 ? size - 1 : sizeof loc - 1;
			memcpy(loc, data + 1, n);
			loc[n] = '\0';
			tl_rules_redirect(r, loc);
		}
		tl_rules_free(r);
		return 0;
	}
	tl_rules_t *rules = tl_rules_load(NULL, &err);
	tl_t *t = rules ? tl_new(rules, 1) : NULL;
	warc_reader_opts_t ro = {.max_record = 1 << 20};
	warc_reader_t *rd = t ? warc_reader_open_mem(data + 1, size - 1, "fuzz", &ro, &err) : NULL;
	warc_rec_t rec;
	while (rd && warc_reader_next(rd, &rec, &err) == 1)
		if (tl_feed(t, &rec, &err))
			break;
	if (t) {
		tl_end(t);
		arc_buf_t js = {0};
		tl_json(t, NULL, &js);
		arc_buf_free(&js);
	}
	warc_reader_free(rd);
	tl_free(t);
	tl_rules_free(rules);
	return 0;
}
