/*
 * closing.c — a case's closing tree head, as a crawl seal names it: the case
 * id, tree size and root of the last closing seal in a case folder, and the
 * SHA-256 of that seal record's exact block (its head, CMS signature and
 * tokens). The shared crawl (crawler/frontier/pg.c) records it when a host's
 * case closes; custody-verify compares a folder with the crawl seal by it.
 *
 * Read only: never writes, never trusts what it reads (the verifier checks
 * the seal's signature and the log; this only finds and names it).
 */
#include "archive.h"

#include <string.h>

int seal_case_closing(const char *dir, int last_file_only, const char *want_sha256,
                      seal_closing_t *out, arc_error_t *err)
{
	arc_case_files_t files;
	size_t i;
	int found = 0;

	memset(out, 0, sizeof *out);
	if (arc_case_files(dir, &files, err) != ARC_OK)
		return ARC_EIO;
	if (files.n == 0) {
		arc_case_files_free(&files);
		return arc_fail(err, ARC_EFORMAT, dir, 0, "", "%s holds no capture files", dir);
	}
	for (i = last_file_only ? files.n - 1 : 0; i < files.n; i++) {
		warc_reader_t *r = warc_reader_open(files.v[i].path, NULL, err);
		warc_rec_t rec;
		int rc = -1;
		while (r && (rc = warc_reader_next(r, &rec, err)) == 1) {
			const char *type = warc_rec_get(&rec, "WARC-Type");
			const char *ct = warc_rec_get(&rec, "Content-Type");
			seal_body_t b;
			char sha[ARC_DIGEST_LEN];
			if (!type || strcmp(type, "metadata") || !ct || strcmp(ct, SEAL_CT_STH))
				continue;
			if (seal_body_parse(rec.block, (size_t)rec.block_len, 0, &b, err) != ARC_OK)
				continue;
			if (b.sth_parsed.kind == SEAL_KIND_CLOSING) {
				arc_sha256_hex(rec.block, (size_t)rec.block_len, sha);
				if (want_sha256 && !strcmp(sha, want_sha256))
					out->wanted_found = 1;
				snprintf(out->case_id, sizeof out->case_id, "%s", b.sth_parsed.case_id);
				out->tree_size = b.sth_parsed.tree_size;
				out->records = b.sth_parsed.records;
				merkle_hex(b.sth_parsed.root, out->root);
				snprintf(out->seal_sha256, sizeof out->seal_sha256, "%s", sha);
				found = 1;
			} else if (b.sth_parsed.kind != SEAL_KIND_V1) {
				out->after_closing = found; /* a later session (--resume, stamp) opened it again */
			}
			seal_body_free(&b);
		}
		warc_reader_free(r);
	}
	arc_case_files_free(&files);
	if (!found)
		return arc_fail(err, ARC_EFORMAT, dir, 0, "", "%s has no closing seal (the case was "
		                "not closed: `custody crawl --resume` closes it)", dir);
	return ARC_OK;
}
