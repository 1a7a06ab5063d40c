/*
 * verify.h — custody-verify as a library: the checker (checks.c), the
 * seal checker's hook (seal.c), the HTML report (report.c) and the program
 * (verify.c) share it; tests and fuzzers call it directly. Private to verify/.
 *
 * A run is one vf_ctx_t: options in, inputs added, vf_run(), then the result
 * read as plain data. There is no global state: two contexts never share
 * anything, so a fuzzer can run a context per input. The result holds copies
 * of archive bytes made printable (valid UTF-8; any other byte and every
 * control byte written as the four characters \xNN), so JSON and HTML output
 * never has to drop or guess; HTML output still escapes them.
 *
 * Must never: print, exit, read the network, or report a check that did not
 * run as passed.
 */
#ifndef CUSTODY_VERIFY_H
#define CUSTODY_VERIFY_H

#include "archive.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---------------------------------------------------------------- limits
 * Whatever the files hold, memory stays under these (plus the record-id
 * index, ~100 bytes per record, and one record as the reader bounds it) and
 * work stays linear in the input. */
#define VF_MAX_DECODED     ((size_t)64 << 20)   /* a target's decoded payload (= crawler's bound) */
#define VF_CACHE_BYTES     ((size_t)192 << 20)  /* decoded payloads kept for findings, all entries */
#define VF_CACHE_ENTRIES   4                    /* decoded payloads kept (most recent first) */
#define VF_MAX_JSON        ((size_t)8 << 20)    /* a findings or capture body parsed as JSON */
#define VF_MAX_FINDINGS    100000u              /* findings in one findings record */
#define VF_WORK_FACTOR     16u                  /* decoded+hashed bytes per input byte ... */
#define VF_WORK_BASE       ((uint64_t)1 << 30)  /* ... plus this, for the whole run */
#define VF_EAGER_BASE      ((uint64_t)256 << 20) /* payloads decoded as responses are read
                                                  * (so findings need no re-read): this plus
                                                  * VF_WORK_FACTOR x input, never a failure */
#define VF_MAX_RESYNC      64                   /* damaged frames skipped per file */
#define VF_MAX_ID_SHOWN  200  /* bytes of a record id kept in a failure or page; more: "..." */
#define VF_MAX_RECORD_ID 1024 /* a longer WARC-Record-ID fails ("record id") */
#define VF_MAX_FAILURES    100000u              /* failures kept (the count goes on) */
#define VF_MAX_NOT_CHECKED 16
#define VF_REPORT_FINDINGS 500u                 /* findings kept per page for the report */
#define VF_REPORT_CONTEXT  400u                 /* bytes of a finding's context kept */
#define VF_REPORT_PNG_MAX  ((size_t)8 << 20)    /* a screenshot embedded in the report */
#define VF_REPORT_PNG_ALL  ((size_t)96 << 20)   /* screenshots kept for the report, together */

/* ---------------------------------------------------------------- result */

/* One finding, as re-checked against the payload (report only). */
typedef struct {
	char *type, *value, *text, *context, *sha256;
	char *disguise;  /* how it was written ("cn_numerals,separators"), NULL when plain */
	uint64_t start, end;
	int ok;          /* 1: inside the payload and sha256 matched; -1 failed */
} vf_finding_t;

/* One captured page (response or revisit record), kept only when
 * vf_opts_t.collect_pages is set (for the report). Check states: 1 passed,
 * 0 not present / not checked, -1 failed. */
typedef struct {
	char *file;
	uint64_t offset;
	char *record_id, *url, *date, *ip, *protocol;
	int status;
	char *block_digest, *payload_digest;
	int block_ok, payload_ok;
	int revisit;
	/* from the capture metadata record (WARC-Concurrent-To this record) */
	int has_capture;
	char *tls_subject, *tls_issuer, *tls_version;
	int tls;          /* 1 TLS connection, 0 plain HTTP */
	int tls_verified; /* 1 chain and host name verified at capture, 0 not, -1 unknown */
	/* from the findings record (WARC-Refers-To this record) */
	int has_findings, findings_ok, doxing;
	double score;
	vf_finding_t *findings;
	size_t nfindings;
	uint64_t findings_total; /* findings in the record (> nfindings when capped) */
	uint64_t findings_omitted; /* found by the crawler but not written ("findings_omitted") */
	/* browser capture: this "page" is the rendered DOM (a resource record,
	 * urn:custody:dom:<url>; url is the page's URL), with what its rendering
	 * metadata record (application/vnd.custody.rendered+json) says */
	int rendered;
	int has_rendering;      /* the rendering metadata was found */
	char *browser;          /* "Chromium 156.0.8078.108" */
	char *render_note;      /* "" or why it did not settle, what was cut */
	int settled;
	unsigned char *png;     /* the screenshot's bytes, when at most VF_REPORT_PNG_MAX */
	size_t png_len;
	uint64_t png_total;     /* the screenshot record's size (0: none found) */
	int png_ok;             /* its block digest: 1 passed, -1 failed */
	char *png_record;
	char *mime;             /* the response's Content-Type (report: page or resource) */
	uint64_t seq;           /* the response's position among the records read (0-based) */
} vf_page_t;

/* One failed check. */
typedef struct {
	char *file;
	uint64_t offset;
	char *record;   /* "" if unknown */
	char *check;    /* "zstd frame", "block digest", "references", ... */
	char *message;  /* what was expected and what was found */
} vf_failure_t;

typedef struct {
	char *path;      /* as given (for opening) */
	char *name;      /* printable */
	uint64_t records, passed, failed;
	uint64_t bytes;  /* compressed bytes read */
	uint64_t last;   /* offset of its last whole record */
} vf_file_t;

/*
 * What the seal checker (seal.c, sealing issue) found, filled by its hook
 * through vf_anchors(); all zero when the case has no seal or no seal
 * checker is attached. The summary line reads from it:
 *   "N records in F files verified: signed by <signers[0].subject> (and ...);
 *    existed no later than <times[0].time> according to <times[0].tsa>
 *    (and <times[1].tsa>); 0 failures"
 * Failures the seal checker finds go through vf_fail() like every other
 * check, with check names "seal root", "seal signature", "seal timestamp",
 * "seal consistency" ...
 */
#define VF_MAX_SIGNERS 8
#define VF_MAX_TIMES   8
typedef struct {
	char subject[SEAL_SUBJECT_MAX]; /* signer certificate subject, one line: "CN=..., O=..." */
	char chain[SEAL_CHAIN_MAX];     /* the chain checked: "CN=Op <- CN=Org CA (in ca.pem)"; "" */
	int trusted;        /* 1 chains to --trust at the token's time, 0 not checked, -1 failed */
	uint64_t seals;     /* seals signed by this certificate */
} vf_signer_t;

typedef struct {
	char time[40];      /* the token's genTime: "2026-11-30 10:42:07 UTC" */
	char tsa[SEAL_SUBJECT_MAX]; /* the TSA's subject, one line */
	int trusted;        /* 1 chains to --tsa-trust at genTime, 0 not checked, -1 failed */
} vf_time_t;

typedef struct {
	uint64_t seals;            /* seal records read */
	uint64_t seals_ok;         /* seals whose root, signature and (if any) tokens verified */
	uint64_t records_sealed;   /* records covered by the last verified seal */
	uint64_t unsealed_tail;    /* records after the last seal (never "verified") */
	vf_signer_t signers[VF_MAX_SIGNERS];
	size_t nsigners;
	vf_time_t times[VF_MAX_TIMES]; /* the latest stamped seal's tokens: the case existed by then */
	size_t ntimes;
	char first_time[40];       /* the earliest trusted time (opening seal), as times[].time */
	/* 1: every seal verified, every signer chains to --trust and every token to
	 * --tsa-trust: with no failures and no unsealed tail the verdict is "verified" */
	int anchored;
	/* what was verified, from the signed tree heads: "case urn:uuid:... (N records
	 * in its sealed log)" or "exhibit of case X: N of the M records in its
	 * sealed log are disclosed here"; "" without a seal */
	char scope[320];
	/* a token time not checked against --tsa-trust: "a token that claims to come
	 * from ... says ... (not checked)"; never shown as the time */
	char claimed[SEAL_SUBJECT_MAX + 160];
	/* the trusted capture window: "2026-11-30 10:42:07 UTC to 2026-11-30 11:02:31 UTC"
	 * (the first and last genTime of tokens that chain to --tsa-trust); "" none */
	char window[120];
} vf_anchors_t;

typedef struct {
	vf_file_t *files;
	size_t nfiles;
	vf_failure_t *failures;
	size_t nfailures;          /* kept (at most VF_MAX_FAILURES) */
	uint64_t failures_total;   /* found */
	vf_page_t *pages;
	size_t npages;
	uint64_t records, findings_checked, references_checked;
	uint64_t outside;          /* references whose target lies outside the files given */
	uint64_t wacz_unchecked;   /* WACZ entries other than archive/ WARC files: not checked */
	vf_anchors_t anchors;      /* what the seal checker found (who and when) */
	char *not_checked[VF_MAX_NOT_CHECKED];
	size_t nnot_checked;
	const char *verdict;       /* "verified" "intact" "failed" */
	const char *at;            /* --at TIME or NULL */
	char *case_id;             /* Custody-Case-ID of the (first) case, "" if none */
	/* the first warcinfo's fields (collect_pages only; NULL when absent): what
	 * the capture says of itself, shown in the report, never checked */
	char *info_software, *info_host, *info_operator, *info_command, *info_note;
	char *info_extra;          /* its other "name: value" lines (chromium, proxy CA, ...) */
} vf_result_t;

/* ---------------------------------------------------------------- running */

typedef struct vf_ctx vf_ctx_t;

typedef struct {
	int collect_pages;  /* keep vf_page_t per captured page (the report) */
	const char *at;     /* --at, copied into the result */
	/* progress: called every 1024 records; may be NULL */
	void (*progress)(void *arg, const char *file, uint64_t records);
	void *progress_arg;
	uint64_t max_record; /* reader bound on one record block; 0: WARC_MAX_RECORD */
	uint64_t max_work;   /* 0: the work limit is VF_WORK_BASE + VF_WORK_FACTOR x input;
	                      * else this many bytes (tests) */
} vf_opts_t;

vf_ctx_t *vf_new(const vf_opts_t *opts);
void vf_free(vf_ctx_t *c);

/* Inputs. Each directory is one whole case (every capture file in it, in
 * numeric order): a record it names that is not there is a failure. Files
 * added one after the other form one group: a target outside them is
 * reported as "outside the files given", not as a failure. 0 or <0 with err
 * (the directory cannot be read: an I/O error, exit 2). */
int vf_add_dir(vf_ctx_t *c, const char *dir, arc_error_t *err);
int vf_add_file(vf_ctx_t *c, const char *path);
/* A WACZ (custody export --wacz): its archive/ .warc.gz entries, read in
 * place, as one group. 0 or <0 with err (not a zip, no WARC entries). */
int vf_add_wacz(vf_ctx_t *c, const char *path, arc_error_t *err);
/* A file held in memory (borrowed until vf_free): fuzzers and unit tests. */
int vf_add_mem(vf_ctx_t *c, const void *buf, size_t len, const char *name);

/* Every check, every group; sets the verdict. 0, or ARC_EIO when an input
 * could not be read (the failures say which), ARC_ENOMEM. */
int vf_run(vf_ctx_t *c);
const vf_result_t *vf_result(const vf_ctx_t *c);

/* ---------------------------------------------------------------- hooks (seal.c) */

/* A checker that needs every record in case order (the Merkle log): for each
 * group (one case: a folder, or files given one after another) group_begin(),
 * then record() for each record the reader returned, after verify's own
 * checks, with the index of its file; gap() when a frame could not be read
 * (the log cannot be followed past it); group_end() once the group's files
 * are read. Any function may be NULL. Hooks report through vf_fail() and
 * vf_pass() and fill vf_anchors().
 *
 * The seal checker of the sealing work (verify/seal.c: vf_seal_new,
 * vf_seal_begin_case, vf_seal_record, vf_seal_break, vf_seal_end_case,
 * vf_seal_verdict) plugs in as: group_begin -> vf_seal_begin_case; record ->
 * vf_seal_record with a ctx that carries (c, file) so its fail/pass callbacks
 * call vf_fail/vf_pass; gap -> vf_seal_break; group_end -> vf_seal_end_case,
 * then vf_seal_verdict's anchored/notes/headline into vf_anchors() (signer,
 * TSA and last trusted time into signers[0] and times[0], notes through
 * vf_not_checked). */
typedef struct {
	void *state;
	void (*group_begin)(void *state, vf_ctx_t *c);
	void (*record)(void *state, vf_ctx_t *c, size_t file, const warc_rec_t *rec);
	void (*gap)(void *state, vf_ctx_t *c, size_t file, uint64_t offset);
	void (*group_end)(void *state, vf_ctx_t *c);
} vf_hook_t;
int vf_add_hook(vf_ctx_t *c, const vf_hook_t *hook);

/* For hooks: report a failure (file index from the hook), a check that
 * passed, a "not checked" line, and the anchors summary to fill. */
void vf_fail(vf_ctx_t *c, size_t file, uint64_t offset, const char *record, const char *check,
             const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void vf_pass(vf_ctx_t *c, size_t file);
void vf_not_checked(vf_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
vf_anchors_t *vf_anchors(vf_ctx_t *c);

/* s as printable UTF-8 (see the top comment): C0 controls, DEL and bytes that are
 * not UTF-8 as \xNN, C1 and bidirectional controls (vf_is_control) as \u{XXXX};
 * malloc'd, NULL only without memory. */
char *vf_printable(const char *s, size_t n);
int vf_is_control(uint32_t cp);
/* A WARC-Date as seconds since the epoch: W3C-DTF "YYYY-MM-DDThh:mm:ss[.f]Z"
 * with a real calendar date (seconds 00-59); ARC_EFORMAT otherwise. */
int vf_warc_date(const char *warc_date, int64_t *out);

/* ---------------------------------------------------------------- output */

/* ---------------------------------------------------------------- the capture environment (environment.c) */

#define VF_ENV_MAX_BODY      ((size_t)2 << 20)  /* an environment record parsed (= crawler's bound) */
#define VF_ENV_MAX_HOSTS     32
#define VF_ENV_MAX_ANOMALIES 64

typedef struct {
	char host[256];
	char addresses[512];     /* "a, b, c" */
	char route[300];         /* "source via interface" of the first address */
	char tls[32];            /* "verified", "not verified", "no handshake", "" */
	size_t hosts_entries;    /* lines of the hosts file naming it */
} vf_env_host_t;

/* The environment record and its clock record, as read back. */
typedef struct {
	int present;             /* an environment record was read */
	int failed;              /* one did not parse (a failure was reported) */
	int sealed;              /* 1: covered by a verified seal */
	char collected[40];
	int private_env;
	char hostname[128], user[128], system[256], software[300], chromium[128], exe_sha256[80];
	char hosts_sha256[80];
	int64_t hosts_size;
	int hosts_truncated;
	char proxy_vars[200];    /* names of the proxy variables set */
	vf_env_host_t hosts[VF_ENV_MAX_HOSTS];
	size_t nhosts;
	struct { char kind[32]; char message[600]; } anomalies[VF_ENV_MAX_ANOMALIES];
	size_t nanomalies;
	uint64_t anomalies_omitted;
	/* the crawler's clock record */
	int has_clock;
	char clock_tsa[256], clock_gen_time[40], clock_summary[200];
	int64_t clock_offset_ms, clock_tolerance_s;
	int clock_within;
	/* the first seal after the record, by itself: genTime - its tree head's local time */
	int seal_clock;
	int64_t seal_offset_s;
	char seal_time[SEAL_TIME_LEN], seal_gen_time[SEAL_TIME_LEN];
} vf_env_t;

/* Parse one body (kind "environment" fills the facts, kind "clock" the
 * clock); bounded by VF_ENV_MAX_BODY. 0, or -1 with why. */
int vf_env_parse(const void *body, size_t len, vf_env_t *out, char *why, size_t whysz);
/* The checker hook: parses the first case's environment record ("environment"
 * failures), checks it is covered by a verified seal, and reads the clock off
 * the first seal after it. Add it after the seal checker's hook. */
typedef struct vf_env_hook vf_env_hook_t;
vf_env_hook_t *vf_env_hook_new(void);
int vf_env_hook_add(vf_env_hook_t *h, vf_ctx_t *c);
/* After vf_run: what was found, NULL when the case has no environment record. */
const vf_env_t *vf_env_hook_result(const vf_env_hook_t *h);
void vf_env_hook_free(vf_env_hook_t *h);
/* The report's "Environment of the capture" section; lang "en" or "zh"; e NULL: none. */
void vf_env_html(FILE *f, const vf_env_t *e, const char *lang);

typedef struct {
	int redact;            /* mask personal identifiers (findings values, text, context, hashes) */
	const char *generated; /* "2026-11-30 10:42 UTC" or NULL */
	const char *version;   /* custody-verify's version line */
	const vf_env_t *env;   /* the capture environment (environment.c), NULL: none */
	const char *lang;      /* "zh" or "en" (NULL: en) */
} vf_report_opts_t;

/* The self-contained HTML report. 0, or -1 with errno set. */
int vf_report_html(const char *path, const vf_result_t *res, const vf_report_opts_t *o);
/* The doxing pages as JSON for custody bundle (url, times, kinds, counts,
 * masked values, records), redacted like the report. 0, or -1 with errno. */
int vf_report_json(const char *path, const vf_result_t *res, const vf_report_opts_t *o);
/* Mask an identifier for --redact: keeps at most the first two and last two
 * characters ("11**************27"), so no run of 4 of its characters is
 * left; values of 4 characters or fewer all '*'. malloc'd. */
char *vf_mask(const char *s);

#endif
