/*
 * archive_int.h — archive/'s private interfaces: what the library's own files
 * share and what its unit tests reach, but no other part of custody may use
 * (as sqlite pairs btree.h with btreeInt.h). Programs include archive.h only.
 */
#ifndef CUSTODY_ARCHIVE_INT_H
#define CUSTODY_ARCHIVE_INT_H

#include "archive.h"

/* Format the WARC header block of rec into out (no compression). Used by the
 * writer and by the unit tests. */
int warc_format_header(const warc_record_t *rec, const char *record_id,
                       const char *date, const char *block_digest,
                       const char *payload_digest, arc_buf_t *out);

/* fopen(path, "rb") for reading evidence: refuses anything but a regular file
 * (a FIFO or a device would block or never end; issue 19, class 14) without
 * ever waiting on it. NULL with errno set (EINVAL: not a regular file). */
FILE *arc_fopen_regular(const char *path);
#endif
