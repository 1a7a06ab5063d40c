/*
 * verify.h — what custody-verify found, shared by its checker (verify.c) and
 * its HTML report (report.c). Private to verify/.
 *
 * The result is plain data: the report must be able to show exactly what the
 * checks saw and nothing more, so every string here is a copy of archive
 * bytes (to be HTML-escaped by whoever prints it) or a fixed text.
 */
#ifndef CUSTODY_VERIFY_H
#define CUSTODY_VERIFY_H

#include <stddef.h>
#include <stdint.h>

/* One finding of a findings record, as re-checked against the payload. */
typedef struct {
	char *type, *value, *text, *context;
	uint64_t start, end;
	int ok;          /* 1: offsets inside the payload and sha256 matched */
} vf_finding_t;

/* One response record, for the report. Check states: 1 passed, 0 not
 * present (nothing to check), -1 failed. */
typedef struct {
	char *file;
	uint64_t offset;
	char *record_id, *url, *date, *ip;
	int status;
	char *block_digest, *payload_digest;
	int block_ok, payload_ok;
	int revisit;     /* a revisit: same payload as an earlier capture */
	int has_findings, findings_ok, doxing;
	double score;
	vf_finding_t *findings;
	size_t nfindings;
} vf_exhibit_t;

/* One failed check. */
typedef struct {
	char *file;
	uint64_t offset;
	char *record;   /* "" if unknown */
	char *check;    /* "zstd frame", "block digest", "findings", ... */
	char *message;
} vf_failure_t;

typedef struct {
	char *path;
	char *path_utf8; /* for JSON and HTML */
	uint64_t records, passed, failed;
} vf_file_t;

#define VF_MAX_NOT_CHECKED 8

typedef struct {
	vf_file_t *files;
	size_t nfiles;
	vf_failure_t *failures;
	size_t nfailures;
	vf_exhibit_t *exhibits;
	size_t nexhibits;
	uint64_t records, sealed, findings_checked;
	const char *not_checked[VF_MAX_NOT_CHECKED];
	size_t nnot_checked;
	const char *verdict;   /* "verified" "intact" "failed" */
	const char *at;        /* --at TIME or NULL */
} vf_result_t;

/* Write the self-contained HTML report. 0, or -1 with errno set. */
int vf_report_html(const char *path, const vf_result_t *res);

#endif
