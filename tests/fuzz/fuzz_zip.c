/*
 * fuzz_zip.c — libFuzzer target: arc_zip_list over hostile bytes (the part of
 * a WACZ custody-verify trusts least), then a WARC reader over every entry's
 * range, as the verifier reads archive/ entries in place. Must never crash,
 * read outside the file or allocate what a hostile count asks for.
 */
#include "archive.h"

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/custody-fuzz-zip-XXXXXX";
	arc_zip_entry_t *e = NULL;
	arc_error_t err;
	size_t n = 0, i;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (arc_zip_list(path, &e, &n, &err) == 0) {
		for (i = 0; i < n && i < 8; i++) {
			warc_reader_opts_t opts = { .max_record = 1u << 20 };
			warc_reader_t *r = warc_reader_open_range(path, e[i].offset, e[i].size, e[i].name,
			                                          &opts, &err);
			warc_rec_t rec;
			int k = 0;
			while (r && k++ < 100 && warc_reader_next(r, &rec, &err) == 1)
				;
			warc_reader_free(r);
		}
		free(e);
	}
	unlink(path);
	return 0;
}
