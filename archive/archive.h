/*
 * archive.h — custody's archive library: the one public header of archive/.
 *
 * What it offers: WARC/1.1 records written one zstd frame each (the IIPC
 * "Zstandard Compression for WARC Files" layout), a case directory of rotated
 * capture-NNNNN.warc.zst files, a bounded streaming reader, SHA-256 digests
 * fed as bytes stream through, HTTP message helpers (header split, chunked
 * decoding, content decoding), the integrity checks the verifier runs, and the
 * CDXJ index.
 *
 * Its three parts are folders, each with its header included at the end of
 * this one: warc/ (the format: reader, writer, HTTP, digests, sinks, checks,
 * case files; warc/warc.h), seal/ (Merkle log, tree heads, signatures, time
 * stamps, seal records; seal/sealing.h) and export/ (CDXJ, WACZ, zip;
 * export/export.h). Common to all three, here: errors, media types and target
 * URIs, limits, small utilities (util.c) and containers (kit.c).
 *
 * What it must never do: print, exit, or trust a length it read. Every function
 * returns 0 (ARC_OK) or a negative arc_code and, where it takes an arc_error_t,
 * fills it with a message that names the input (file, byte offset, record id).
 * Ownership: x_new/x_open allocate and x_free/x_close release; pointers inside a
 * returned record are borrowed and stay valid until the next call on the same
 * object.
 */
#ifndef CUSTODY_ARCHIVE_H
#define CUSTODY_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The one version of custody and custody-verify (--version, User-Agent, warcinfo). */
#define CUSTODY_VERSION "0.1.0"

/* ---------------------------------------------------------------- errors */

typedef enum {
	ARC_OK = 0,
	ARC_ENOMEM = -1,  /* allocation failed */
	ARC_EIO = -2,     /* read/write/fsync failed (errno kept in message) */
	ARC_EFORMAT = -3, /* malformed input: not WARC, bad header, bad framing */
	ARC_ELIMIT = -4,  /* a bound was exceeded (header size, record size, ...) */
	ARC_EZSTD = -5,   /* zstd frame corrupt or truncated */
	ARC_EDIGEST = -6, /* a digest did not match */
	ARC_EINVAL = -7,  /* caller passed something unusable */
	ARC_ENOSPC = -8,  /* disk full: what was written before stays readable */
	ARC_EBUSY = -9    /* the case is being written by another process (its lock) */
} arc_code;

typedef struct {
	int code;              /* arc_code */
	char msg[512];         /* human message naming the input */
	char file[256];        /* file concerned, "" if none */
	uint64_t offset;       /* byte offset in that file (compressed file offset) */
	char record_id[96];    /* WARC-Record-ID concerned, "" if none */
} arc_error_t;

const char *arc_strerror(int code);
/* Fill err (may be NULL) and return code. printf-style message. */
int arc_fail(arc_error_t *err, int code, const char *file, uint64_t offset,
             const char *record_id, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* ---------------------------------------------------------------- media types */

/* The Content-Type of custody's own records (README, "What a case holds").
 * Compare with arc_ct_is(), which ignores case and parameters. */
#define ARC_CT_CAPTURE  "application/vnd.custody.capture+json"  /* capture metadata */
#define ARC_CT_FINDINGS "application/vnd.custody.findings+json" /* findings of one page */
#define ARC_CT_SEAL     "application/vnd.custody.sth"           /* a signed tree head */
#define ARC_CT_STAMP    "application/vnd.custody.stamp"         /* a later timestamp of a seal */
#define ARC_CT_PROOF    "application/vnd.custody.proof+json"    /* inclusion proofs of an exhibit */
#define ARC_CT_RENDERED "application/vnd.custody.rendered+json" /* how a browser rendered a page */
#define ARC_CT_ENVIRONMENT "application/vnd.custody.environment+json" /* the capture environment */
/* The derived records of a rendered page (resource records) */
#define ARC_CT_SCREENSHOT "image/png"
#define ARC_CT_DOM        "text/html; charset=utf-8"
#define ARC_CT_PDF        "application/pdf"
#define ARC_CT_HTTP_REQUEST  "application/http; msgtype=request"
#define ARC_CT_HTTP_RESPONSE "application/http; msgtype=response"
#define ARC_CT_WARC_FIELDS   "application/warc-fields"
/* 1 when the Content-Type value ct names media type mt (case-insensitive,
 * parameters after ';' and blanks ignored); 0 otherwise or when ct is NULL. */
int arc_ct_is(const char *ct, const char *mt);

/* ---------------------------------------------------------------- target URIs */

/* Target URIs of custody's own metadata records: the prefix, then the URL
 * of the page they describe. Never the page's URL itself, which replay tools
 * would serve in place of the page; the link to the response is
 * WARC-Concurrent-To (capture) / WARC-Refers-To (findings). */
#define ARC_CAPTURE_URN "urn:custody:capture:"
#define ARC_FINDINGS_URN "urn:custody:findings:"
/* Browser capture (crawler/browser/render.c): a page's screenshot, rendered DOM and
 * printed PDF (resource records, WARC-Refers-To the page's response) and the
 * metadata of the rendering. */
#define ARC_SCREENSHOT_URN "urn:custody:screenshot:"
#define ARC_DOM_URN "urn:custody:dom:"
#define ARC_PDF_URN "urn:custody:pdf:"
#define ARC_RENDERED_URN "urn:custody:rendered:"

/* ---------------------------------------------------------------- limits */

#define WARC_MAX_HEADER   (256u * 1024u)            /* WARC header block, bytes */
#define WARC_MAX_FIELDS   512u                      /* named fields per record */
#define WARC_MAX_RECORD   ((uint64_t)2 << 30)       /* default bound on one record block */
#define HTTP_MAX_HEADER   (256u * 1024u)            /* HTTP header block */

/* ---------------------------------------------------------------- small utilities */

/* "sha256:" + 64 lower-case hex + NUL */
#define ARC_DIGEST_LEN 72
/* "urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" + NUL */
#define ARC_UUID_LEN 48
/* "2026-11-25T17:06:23.123456Z" + NUL */
#define ARC_DATE_LEN 32

/* Random v4 UUID from OpenSSL's RNG as "urn:uuid:..." */
int arc_uuid(char out[ARC_UUID_LEN]);
/* Now, UTC, microseconds: "YYYY-MM-DDThh:mm:ss.uuuuuuZ" */
int arc_now(char out[ARC_DATE_LEN]);
/* "YYYYMMDDhhmmss" from a WARC-Date; 0 or ARC_EFORMAT */
int arc_date14(const char *warc_date, char out[15]);

/* Streaming SHA-256. */
typedef struct arc_sha256 arc_sha256_t;
arc_sha256_t *arc_sha256_new(void);
void arc_sha256_update(arc_sha256_t *h, const void *buf, size_t len);
/* Writes "sha256:<hex>"; the object can be reused after arc_sha256_reset. */
void arc_sha256_final(arc_sha256_t *h, char out[ARC_DIGEST_LEN]);
void arc_sha256_reset(arc_sha256_t *h);
void arc_sha256_free(arc_sha256_t *h);
/* One shot: "sha256:<hex>" of buf. */
void arc_sha256_hex(const void *buf, size_t len, char out[ARC_DIGEST_LEN]);
/* One shot, raw 32 bytes. */
void arc_sha256_raw(const void *buf, size_t len, unsigned char out[32]);

/* Growable byte buffer; owns data. */
typedef struct {
	unsigned char *data;
	size_t len, cap;
} arc_buf_t;
int arc_buf_append(arc_buf_t *b, const void *p, size_t n);
int arc_buf_printf(arc_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arc_buf_free(arc_buf_t *b);

/* ---------------------------------------------------------------- containers (kit.c) */

/* Make room for need elements of elem bytes in *v (capacity *cap, grown by
 * doubling); max: at most this many elements (0: no bound). 0, ARC_ELIMIT
 * (need > max, or the size overflows) or ARC_ENOMEM; *v is kept on failure. */
int arc_vec_reserve(void **v, size_t *cap, size_t need, size_t elem, size_t max);

/* A string-keyed hash map (also a set: values may be NULL). Keys are copied
 * and owned by the map; values belong to the caller (free_val, when given,
 * is called on each at arc_map_free). max_entries: 0 unbounded. */
typedef struct arc_map arc_map_t;
arc_map_t *arc_map_new(size_t max_entries);
void arc_map_free(arc_map_t *m, void (*free_val)(void *));
/* 0 inserted; 1 the key was there (nothing changed; *old, if given, gets its
 * value); ARC_ELIMIT (full), ARC_ENOMEM, ARC_EINVAL. */
int arc_map_put(arc_map_t *m, const char *key, void *val, void **old);
/* 1 and *val (may be NULL) when key is there, else 0. */
int arc_map_find(const arc_map_t *m, const char *key, void **val);
/* The value, or NULL when absent (use arc_map_find when NULL is a value). */
void *arc_map_get(const arc_map_t *m, const char *key);
size_t arc_map_count(const arc_map_t *m);

/* mkdir -p: dir and every missing parent with mode (0755, or 0700 for a
 * private one). 0, or -1 with errno (ENAMETOOLONG past PATH_MAX). */
int arc_mkdirs(const char *dir, unsigned mode);

/* Append the whole file path ("-": standard input) to out, at most max bytes.
 * Longer: with truncated non-NULL, the first max bytes and *truncated = 1;
 * with truncated NULL, ARC_ELIMIT. 0, ARC_EIO, ARC_ENOMEM; err names the file. */
int arc_read_file(const char *path, size_t max, arc_buf_t *out, int *truncated, arc_error_t *err);

/* The three parts of archive/, each in its folder. */
#include "warc/warc.h"
#include "seal/sealing.h"
#include "export/export.h"
/* how long each page stayed up, from the records (custody timeline, watch, the report) */
#include "timeline.h"

#endif
