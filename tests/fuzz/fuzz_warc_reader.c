/*
 * fuzz_warc_reader.c — libFuzzer target: read every record of an in-memory
 * .warc.zst or .warc with warc_reader_open_mem and run warc_check_record on
 * each, as custody-verify does; then again in strict mode (the verifier's:
 * skippable frames, frames without checksum and stray CR/LF are errors). The
 * reader must never crash, hang or allocate past its bounds, whatever the bytes.
 */
#include "archive.h"

#include <stdint.h>
#include <stddef.h>

static unsigned read_all(const uint8_t *data, size_t size, int strict)
{
	/* a small bound keeps hostile Content-Lengths from looking like leaks */
	warc_reader_opts_t opts = { .max_record = 1u << 20, .strict = strict };
	arc_error_t err;
	warc_reader_t *r = warc_reader_open_mem(data, size, "fuzz.warc.zst", &opts, &err);
	warc_rec_t rec;
	unsigned sum = 0;
	int n = 0;

	if (!r)
		return 0;
	while (n++ < 10000 && warc_reader_next(r, &rec, &err) == 1) {
		/* touch the borrowed views end to end so ASan sees any overrun */
		if (rec.header_len)
			sum += rec.header[0] + rec.header[rec.header_len - 1];
		if (rec.block_len)
			sum += rec.block[0] + rec.block[rec.block_len - 1];
		sum += warc_rec_get(&rec, "WARC-Type") != NULL;
		warc_check_record(&rec, "fuzz.warc.zst", &err);
	}
	/* seeking back must work after an error or the end */
	if (warc_reader_seek(r, 0, &err) == 0)
		warc_reader_next(r, &rec, &err);
	sum += (unsigned)warc_reader_is_zstd(r);
	warc_reader_free(r);
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sum = read_all(data, size, 0) + read_all(data, size, 1);

	return (int)(sum & 0);
}
