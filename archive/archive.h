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
	ARC_ENOSPC = -8   /* disk full: what was written before stays readable */
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

/* ---------------------------------------------------------------- HTTP messages */

/* Find the end of an HTTP header block ("\r\n\r\n", tolerating bare "\n\n").
 * Returns the length of the header block including the blank line, or 0 if
 * not found within min(len, HTTP_MAX_HEADER). */
size_t http_header_end(const unsigned char *msg, size_t len);
/* Value of the first header NAME (case-insensitive) in a header block; copied
 * NUL-terminated and trimmed into out. 1 found, 0 absent. */
int http_header_get(const unsigned char *hdr, size_t hdr_len, const char *name,
                    char *out, size_t outsz);
/* Status code from "HTTP/x.y NNN ..." or 0. */
int http_status(const unsigned char *hdr, size_t hdr_len);

/* Streaming chunked-transfer decoder: feed wire bytes, get entity bytes via
 * the callback. Bounded: chunk-size lines and trailers have length limits. */
typedef int (*http_out_fn)(void *ctx, const unsigned char *buf, size_t len);
typedef struct http_dechunk http_dechunk_t;
http_dechunk_t *http_dechunk_new(http_out_fn out, void *ctx);
/* 0 ok, ARC_EFORMAT on malformed framing (then stays in error) */
int http_dechunk_feed(http_dechunk_t *d, const unsigned char *buf, size_t len);
/* 1 if the terminating 0-size chunk (and trailers) was seen */
int http_dechunk_done(const http_dechunk_t *d);
void http_dechunk_free(http_dechunk_t *d);

/* The entity body of an HTTP response/request block (header + body as on the
 * wire): transfer coding removed, content coding kept. *out is malloc'd (caller
 * frees) — or, when no transfer coding applies, points into msg with *owned=0.
 * Returns 0, or ARC_EFORMAT (then *out holds what could be decoded, flagged). */
int http_entity(const unsigned char *msg, size_t len, unsigned char **out,
                size_t *out_len, int *owned);
/* Remove content coding (gzip, x-gzip, deflate, identity) from an entity body.
 * Output bounded by max_out (ARC_ELIMIT past it). *out malloc'd. */
int http_decode_content(const char *content_encoding, const unsigned char *in,
                        size_t in_len, size_t max_out, unsigned char **out,
                        size_t *out_len);
/* Same, with err (may be NULL) naming the coding and what went wrong
 * ("unknown content coding \"br\"", "decoded body exceeds N bytes"). Also
 * decodes "zstd"; a list "gzip, deflate" is undone last coding first. */
int http_decode_content_ex(const char *content_encoding, const unsigned char *in,
                           size_t in_len, size_t max_out, unsigned char **out,
                           size_t *out_len, arc_error_t *err);
/* 1 if the header block's Transfer-Encoding ends in "chunked" (RFC 9112 6.1):
 * the one rule http_entity and the digester share for delimiting payloads. */
int http_is_chunked(const unsigned char *hdr, size_t hdr_len);
/* The payload findings' [start,end) offsets refer to, computed the one way the
 * crawler and the verifier must share: http_entity (a malformed or truncated
 * chunked body yields what could be decoded), then the first Content-Encoding
 * header (value cut at 127 bytes) undone as http_decode_content_ex does,
 * bounded by max_out; without content coding (or "identity") the first
 * max_out bytes of the entity. What is returned is always a prefix of the
 * whole decoded payload: a truncated or corrupt compressed stream yields the
 * bytes decoded before the break, a stream decoding past max_out its first
 * max_out bytes, and *partial says so (HTTP_PARTIAL_* bits, 0: the whole
 * payload). So findings made on a cut message (the crawler scans a bounded
 * window) are re-checked on the very same bytes. *out malloc'd. 0, or <0
 * with err naming what failed (no header end, unknown coding, no memory). */
#define HTTP_PARTIAL_FRAMING 1   /* chunked framing cut or malformed */
#define HTTP_PARTIAL_CODING  2   /* compressed stream truncated or corrupt */
#define HTTP_PARTIAL_LIMIT   4   /* decoded payload longer than max_out */
int http_decoded_payload(const unsigned char *msg, size_t len, size_t max_out,
                         unsigned char **out, size_t *out_len, int *partial,
                         arc_error_t *err);
/* A sentence for the first HTTP_PARTIAL_* bit set ("" for 0). */
const char *http_partial_str(int partial);

/* ---------------------------------------------------------------- digests while streaming */

/* Feed an HTTP message (or any block) as it arrives; at the end get the block
 * digest (over every byte) and, for HTTP messages, the payload digest (over the
 * entity body with transfer coding removed, content coding kept: WARC 1.1). */
typedef struct warc_digester warc_digester_t;
/* is_http: parse the bytes as an HTTP message (status/request line, headers,
 * body). Otherwise the payload digest equals the block digest. */
warc_digester_t *warc_digester_new(int is_http);
int warc_digester_feed(warc_digester_t *d, const void *buf, size_t len);
/* 0; payload_out gets "" if the payload could not be delimited (malformed
 * chunking): the caller then omits WARC-Payload-Digest. */
int warc_digester_final(warc_digester_t *d, char block_out[ARC_DIGEST_LEN],
                        char payload_out[ARC_DIGEST_LEN]);
void warc_digester_free(warc_digester_t *d);

/* ---------------------------------------------------------------- output sinks */

/* Where compressed frames go: a file or memory. tell() gives the current byte
 * offset (the offset of the next frame). truncate() cuts back to an offset
 * after a failed write so the file stays readable. */
typedef struct arc_sink {
	int (*write)(void *ctx, const void *buf, size_t len);
	int (*flush)(void *ctx);
	int (*sync)(void *ctx);
	int (*truncate)(void *ctx, uint64_t offset);
	uint64_t (*tell)(void *ctx);
	void *ctx;
} arc_sink_t;

/* A file sink appending to path (created 0644). */
int arc_sink_file_open(arc_sink_t *s, const char *path, arc_error_t *err);
void arc_sink_file_close(arc_sink_t *s);
/* A memory sink; bytes accumulate in *buf (caller frees with arc_buf_free). */
void arc_sink_mem(arc_sink_t *s, arc_buf_t *buf);

/* ---------------------------------------------------------------- WARC writer */

typedef struct {
	const char *name;
	const char *value;
} warc_field_t;

/* One record to write. Everything is borrowed for the duration of the call. */
typedef struct {
	const char *type;           /* "warcinfo" "request" "response" "metadata" "resource" "revisit" */
	const char *target_uri;     /* WARC-Target-URI or NULL */
	const char *content_type;   /* Content-Type or NULL (omitted when the block is empty) */
	const char *record_id;      /* NULL: a fresh urn:uuid */
	const char *date;           /* NULL: now (microseconds) */
	const warc_field_t *fields; /* further named fields, written in order after the standard ones */
	size_t nfields;
	const void *block;          /* record block, block_len bytes (may be NULL when 0) */
	size_t block_len;
	/* Precomputed digests ("sha256:<hex>") from a warc_digester fed while the
	 * bytes arrived; NULL: the writer computes them in its single pass over the
	 * block. The payload digest is written for request/response/resource/
	 * revisit records of HTTP messages; payload_digest "" means "omit". */
	const char *block_digest;
	const char *payload_digest;
	/* A block too large to hold in memory (a response body streamed to a
	 * spool file while it arrived): after the block_len bytes of block come
	 * block_rest_len bytes read from block_rest, from its current position.
	 * Content-Length is block_len + block_rest_len; both digests must then
	 * be given (from the digester fed as the bytes arrived): the file is read
	 * once, to compress it. NULL/0: the block is all in memory. */
	FILE *block_rest;
	uint64_t block_rest_len;
} warc_record_t;

/* What a write produced. */
typedef struct {
	char record_id[ARC_UUID_LEN + 8];
	char date[ARC_DATE_LEN];
	char block_digest[ARC_DIGEST_LEN];
	char payload_digest[ARC_DIGEST_LEN]; /* "" if none */
	uint64_t offset;       /* offset of the record's zstd frame in the sink */
	uint64_t length;       /* compressed frame length */
	arc_buf_t header;      /* exact WARC header block (WARC/1.1 ... blank line); freed by the next write */
} warc_written_t;
/* Notes on warc_written_t (writer.c):
 * - record_id is written as WARC 1.1 does, in angle brackets: "<urn:uuid:...>",
 *   ready to be used as the value of WARC-Concurrent-To / WARC-Refers-To.
 *   warc_record_t.record_id may be given with or without the brackets.
 * - header is a view of the writer's own buffer (cap 0): do not arc_buf_free
 *   it; copy it if it must outlive the next write on the same writer/case.
 *
 * Revisit records (custody's layout, WARC 1.1 identical-payload-digest
 * profile, chosen so that the records also pass ../shared/interop/check-warc):
 * the block is the complete HTTP response as received, exactly as in a
 * response record, with Content-Type "application/http; msgtype=response";
 * fields WARC-Profile: http://netpreserve.org/warc/1.1/revisit/identical-payload-digest,
 * WARC-Refers-To (original record id), WARC-Refers-To-Target-URI and
 * WARC-Refers-To-Date. Leave payload_digest NULL (or pass the digester's):
 * it is the digest of this body, which by the profile equals the original's.
 * A headers-only revisit carrying the original's payload digest would be
 * WARC-valid but fails check-warc (it hashes the body after the HTTP header). */

typedef struct warc_writer warc_writer_t;
typedef struct {
	int level;        /* zstd level, default 3 (0 means default) */
} warc_writer_opts_t;

warc_writer_t *warc_writer_new(arc_sink_t *sink, const warc_writer_opts_t *opts);
/* Writes one record as one zstd frame (content size and checksum in the frame
 * header). On failure the sink is truncated back to the record's start. */
int warc_writer_write(warc_writer_t *w, const warc_record_t *rec,
                      warc_written_t *out, arc_error_t *err);
void warc_writer_free(warc_writer_t *w);

/* ---------------------------------------------------------------- case directory */

/* A case directory: capture-<id8>-NNNNN.warc.zst files, rotated by size, each
 * starting with a warcinfo record. Writes the CDXJ index on close. */
typedef struct arc_case arc_case_t;
typedef struct {
	uint64_t max_file_size;   /* rotate when a file reaches this (default 1 GiB) */
	int level;                /* zstd level */
	const char *software;     /* "custody/0.1 (libcurl/x; OpenSSL/y; zstd/z)" */
	const char *command_line; /* recorded in warcinfo */
	const char *operator_;    /* may be NULL */
	const char *robots;       /* robots policy, e.g. "obey" or "ignore" */
	const char *note;         /* case note, may be NULL */
	const char *extra_info;   /* further warcinfo fields, "name: value" lines separated by
	                             '\n' (names under 64 bytes), or NULL */
	int cut_torn_tail;        /* --resume: a last file that ends inside a frame (a write cut
	                             by a crash) is cut back to its last whole record */
} arc_case_opts_t;

/* Creates dir if needed (0755); new files continue the numbering of any already there. */
arc_case_t *arc_case_open(const char *dir, const arc_case_opts_t *opts, arc_error_t *err);
/* Write one record; rotates first if the current file is full. out->offset is
 * within the file named by arc_case_filename() after the call. */
int arc_case_write(arc_case_t *c, const warc_record_t *rec, warc_written_t *out,
                   arc_error_t *err);
/* Basename of the file the last record went to, e.g. "capture-6f1c2a9e-00000.warc.zst". */
const char *arc_case_filename(const arc_case_t *c);
/* The case id, "urn:uuid:...": made when a case's first file is created, read
 * back from the newest warcinfo carrying Custody-Case-ID when a case is opened
 * again (a case from before case ids gets a fresh one). Every warcinfo record
 * carries it as the field Custody-Case-ID; its first 8 hex digits name the files. */
const char *arc_case_id(const arc_case_t *c);
/* flush + fsync the current file. */
int arc_case_sync(arc_case_t *c, arc_error_t *err);
/* Sync, close and write index.cdxj (rebuilt from the files). */
int arc_case_close(arc_case_t *c, arc_error_t *err);

/* ---------------------------------------------------------------- listing a case (read side) */

/* Capture file names: "capture-<id8>-NNNNN.warc.zst" (<id8>: the first 8 hex
 * digits of the case id; NNNNN: 5 to 9 digits) or, in cases written before
 * case ids, "capture-NNNNN.warc.zst". */
#define ARC_CASE_NAME_MAX 64
/* 0 and the sequence number (and short id, "" for the old form; may be NULL),
 * or -1 when name is not a capture file name. */
int arc_case_name_parse(const char *name, unsigned long *num, char short_id[9]);

typedef struct {
	char name[ARC_CASE_NAME_MAX]; /* basename */
	char *path;                   /* dir "/" name (owned by the list) */
	unsigned long num;            /* sequence number */
	char short_id[9];             /* 8 hex digits, "" in an old-style name */
} arc_case_file_t;

typedef struct {
	arc_case_file_t *v;  /* in numeric order (capture-x-100000 after capture-x-99999) */
	size_t n;
	long gap_missing;    /* first sequence number missing from 0..last, -1 none */
	long gap_after;      /* index in v of the file before that gap, -1 when it is file 0 */
	int mixed;           /* the names carry more than one short id, or a number twice */
} arc_case_files_t;

/* Every capture file of dir. 0 (an empty list when there are none), or
 * ARC_EIO (no such directory, unreadable) / ARC_ENOMEM with err naming dir. */
int arc_case_files(const char *dir, arc_case_files_t *out, arc_error_t *err);
void arc_case_files_free(arc_case_files_t *l);

/* ---------------------------------------------------------------- WARC reader */

typedef struct {
	uint64_t max_record;    /* bound on a record block (default WARC_MAX_RECORD) */
	/* strict (the verifier): every byte of the file must belong to a checked
	 * record, so these are errors naming their offset instead of being
	 * skipped: skippable zstd frames (the IIPC dictionary frame included),
	 * zstd frames without a content checksum, and CR/LF bytes between the
	 * records of a plain WARC. */
	int strict;
	uint64_t block_keep;    /* 0: whole blocks. Else the blocks of request, response,
	                           revisit and resource records longer than this are kept only
	                           up to it (rec->block_len; rec->block_total is the whole
	                           length): the rest is decompressed, checked (frame checksum,
	                           length, CRLF CRLF) and dropped. For readers that need headers
	                           and a bounded start of bodies (index, resume) in bounded memory. */
} warc_reader_opts_t;

/* One record read. All pointers are borrowed until the next warc_reader_next. */
typedef struct {
	uint64_t offset;                 /* frame (or, for plain WARC, record) start in the file */
	uint64_t length;                 /* compressed frame length (plain: record length incl. trailing CRLFCRLF) */
	const unsigned char *header;     /* exact header block, WARC/1.1 through the blank line */
	size_t header_len;
	const unsigned char *block;      /* the record block, Content-Length bytes */
	uint64_t block_len;
	const char *version;             /* "WARC/1.1" */
	size_t nfields;
	const warc_field_t *fields;      /* parsed named fields (names as written) */
	int compressed;                  /* 1: .warc.zst frame, 2: .warc.gz member */
	uint64_t block_total;            /* Content-Length; more than block_len only with block_keep */
} warc_rec_t;

typedef struct warc_reader warc_reader_t;
/* Opens .warc.zst (by zstd magic), .warc.gz (by gzip magic; one member per
 * record) or plain .warc; skips skippable frames (e.g. a zstd dictionary
 * frame, noted in the reader). */
warc_reader_t *warc_reader_open(const char *path, const warc_reader_opts_t *opts,
                                arc_error_t *err);
/* Opens length bytes of path from offset (a STORED zip entry) as if they
 * were the whole file; offsets in records and errors count from offset.
 * name (NULL: path) is used in messages. length UINT64_MAX: to the end. */
warc_reader_t *warc_reader_open_range(const char *path, uint64_t offset, uint64_t length,
                                      const char *name, const warc_reader_opts_t *opts,
                                      arc_error_t *err);
/* Same over memory (borrowed); name is used in messages. */
warc_reader_t *warc_reader_open_mem(const void *buf, size_t len, const char *name,
                                    const warc_reader_opts_t *opts, arc_error_t *err);
/* 1 record read, 0 clean end of input, <0 error (err names file, offset, record
 * id). After an error the reader is finished: further calls return the same error. */
int warc_reader_next(warc_reader_t *r, warc_rec_t *rec, arc_error_t *err);
void warc_reader_free(warc_reader_t *r);
/* 1 if the input is zstd-compressed (.warc.zst), 0 if plain WARC. */
int warc_reader_is_zstd(const warc_reader_t *r);
/* Continue reading at offset (a frame start, e.g. from the CDXJ index or a
 * previous rec->offset); clears a previous error. 0 or ARC_EIO/ARC_EINVAL. */
int warc_reader_seek(warc_reader_t *r, uint64_t offset, arc_error_t *err);

/* First field NAME (case-insensitive) or NULL. */
const char *warc_rec_get(const warc_rec_t *rec, const char *name);

/* ---------------------------------------------------------------- checks (verifier) */

/* Re-check one record read back: Content-Length already enforced by the reader;
 * WARC-Block-Digest over the block; WARC-Payload-Digest over the payload of
 * HTTP request/response records (transfer coding removed), or over the block
 * for others. Returns 0 or ARC_EDIGEST/ARC_EFORMAT with err naming the check. */
int warc_check_record(const warc_rec_t *rec, const char *file, arc_error_t *err);
/* The two halves of warc_check_record, for a verifier that reports each check:
 * 0 checked and equal, 1 the field is absent (nothing checked), <0 error.
 * Labels read: sha256:<hex>, sha256:<base32>, sha1:<base32>, sha1:<hex>; any
 * other algorithm is ARC_EFORMAT naming it. A revisit's payload digest is
 * recomputed only when its block carries a body (custody's self-contained
 * revisits); a headers-only revisit refers to an earlier body (returns 1). */
int warc_check_block(const warc_rec_t *rec, const char *file, arc_error_t *err);
int warc_check_payload(const warc_rec_t *rec, const char *file, arc_error_t *err);

/* ---------------------------------------------------------------- export containers (zip.c) */

/* src as one gzip member (deflate, mtime 0) appended to out: one per WARC
 * record makes a .warc.gz whose records are reachable by offset. */
int arc_gzip_member(const void *src, size_t n, arc_buf_t *out);

/* A zip file written entry by entry, every entry STORED; ZIP64 only when
 * needed. Entries are named with '/' and at most 1024 bytes. */
typedef struct arc_zip arc_zip_t;
arc_zip_t *arc_zip_create(const char *path, arc_error_t *err);
int arc_zip_add_mem(arc_zip_t *z, const char *name, const void *buf, size_t n,
                    arc_error_t *err);
/* Copies the file src in; sha256 (may be NULL) and size get what was copied. */
int arc_zip_add_file(arc_zip_t *z, const char *name, const char *src,
                     char sha256[ARC_DIGEST_LEN], uint64_t *size, arc_error_t *err);
/* Central directory and end records, flush and fsync; then arc_zip_free. */
int arc_zip_close(arc_zip_t *z, arc_error_t *err);
void arc_zip_free(arc_zip_t *z);

#define ARC_ZIP_MAX_CD      ((uint64_t)64 << 20) /* central directory bytes read */
#define ARC_ZIP_MAX_ENTRIES 1000000u
typedef struct {
	char name[1025];
	unsigned method;            /* 0 STORED, 8 deflated, ... */
	uint32_t crc;
	uint64_t offset;            /* where the entry's bytes start in the file */
	uint64_t size;              /* bytes stored there */
	uint64_t uncompressed_size;
} arc_zip_entry_t;
/* The entries of a zip file from its central directory (bounded, every
 * offset checked against the file). *entries malloc'd (caller frees). */
int arc_zip_list(const char *path, arc_zip_entry_t **entries, size_t *n, arc_error_t *err);

/* ---------------------------------------------------------------- export (wacz.c) */

/* What leaves the case: everything (no urls, no records), or the captures
 * of the given URLs / records with what belongs to them (request, capture
 * metadata, findings, a revisit's original, each file's warcinfo). */
typedef struct {
	const char *const *urls;     /* WARC-Target-URI values, exact */
	size_t nurls;
	const char *const *records;  /* WARC-Record-IDs, with or without <> */
	size_t nrecords;
	const char *software;        /* datapackage.json "software" */
	const char *title;           /* datapackage.json "title"; NULL: the case's name */
} arc_export_opts_t;

typedef struct {
	size_t files, records, pages, doxing_pages;
	uint64_t bytes;              /* gzip bytes written for the records */
} arc_export_stats_t;

/* out_dir (created if needed) gets one capture-...warc.gz per capture file
 * that contributes records (one gzip member per record, WARC bytes
 * unchanged) and index.cdxj over them. Existing files are not overwritten. */
int arc_export_warcgz(const char *case_dir, const char *out_dir, const arc_export_opts_t *o,
                      arc_export_stats_t *st, arc_error_t *err);
/* One WACZ 1.1.1 file at out_path (built as out_path.tmp, then linked to
 * out_path; an existing out_path is not replaced). */
int arc_export_wacz(const char *case_dir, const char *out_path, const arc_export_opts_t *o,
                    arc_export_stats_t *st, arc_error_t *err);

/* ---------------------------------------------------------------- CDXJ */

/* Target URIs of custody's own metadata records: the prefix, then the URL
 * of the page they describe. Never the page's URL itself, which replay tools
 * would serve in place of the page; the link to the response is
 * WARC-Concurrent-To (capture) / WARC-Refers-To (findings). */
#define ARC_CAPTURE_URN "urn:custody:capture:"
#define ARC_FINDINGS_URN "urn:custody:findings:"
/* Browser capture (crawler/render.c): a page's screenshot, rendered DOM and
 * printed PDF (resource records, WARC-Refers-To the page's response) and the
 * metadata of the rendering. */
#define ARC_SCREENSHOT_URN "urn:custody:screenshot:"
#define ARC_DOM_URN "urn:custody:dom:"
#define ARC_PDF_URN "urn:custody:pdf:"
#define ARC_RENDERED_URN "urn:custody:rendered:"

/* SURT key of a URL as pywb computes it (python surt.surt(url) defaults):
 * "com,example)/path?a=1&b=2". Scheme, user:pass, "www\d*.", default port,
 * fragment, session ids and a trailing '/' or '?' dropped; host labels
 * reversed with ',' and closed by ')'; the whole key lower-cased; "." and
 * ".." resolved; query arguments sorted. Percent escapes are decoded
 * repeatedly ("%7E" -> "~", "%2541" -> "a"), then spaces, control, non-ASCII
 * bytes, '#' and '%' escaped once as %xx; a non-ASCII host becomes punycode.
 * "" gives "-"; a URL without a host (dns:, mailto:) keeps
 * its scheme. 0, ARC_ELIMIT (outsz too small), ARC_EINVAL (an authority
 * without a host, NULL). Details and the list of steps in cdxj.c. */
int cdxj_surt(const char *url, char *out, size_t outsz);
/* One index line (no newline) for a response/revisit record, appended to out.
 * extra_json: NULL or a fragment like "\"doxing\": true" added to the JSON
 * object. mime NULL/"", status 0 and digest NULL/"" are left out. */
int cdxj_format_line(const char *url, const char *warc_date, const char *mime,
                     int status, const char *digest, uint64_t length,
                     uint64_t offset, const char *filename,
                     const char *extra_json, arc_buf_t *out);
/* Rebuild DIR/index.cdxj from every capture file in DIR (sorted lines). */
int cdxj_rebuild(const char *dir, arc_error_t *err);
/* The sorted index text of the named files of dir (any WARC the reader
 * opens: .warc.zst, .warc.gz), appended to out; "filename" is each name as
 * given, offsets are frame or member offsets. Fails on the first file that
 * cannot be read whole. */
int cdxj_build(const char *dir, const char *const *names, size_t n, arc_buf_t *out,
               arc_error_t *err);

/* ================================================================ sealing (merkle.c, sth.c, sign.c, tsp.c)
 *
 * The case is one append-only log: leaf i = SHA-256(0x00 || exact WARC header
 * block of record i), the tree per RFC 9162 §2.1. A seal is a tree head
 * (seal_sth_t, exact text below) signed with CMS and timestamped per RFC 3161.
 * Writer and verifier share all of it. Times are seconds since the epoch,
 * UTC (int64_t).
 */

/* ---------------------------------------------------------------- Merkle tree (merkle.c) */

#define MERKLE_HASH_LEN  32
#define MERKLE_MAX_PROOF 64   /* hashes in any proof of a tree < 2^64 leaves */

/* The tree as its frontier: frontier[k] is the root of a complete subtree of
 * 2^k leaves when bit k of size is set. Plain data, 2 KiB, copyable. */
typedef struct {
	uint64_t size;
	unsigned char frontier[64][MERKLE_HASH_LEN];
} merkle_tree_t;

void merkle_leaf_hash(const void *data, size_t len, unsigned char out[MERKLE_HASH_LEN]);
void merkle_node_hash(const unsigned char left[MERKLE_HASH_LEN],
                      const unsigned char right[MERKLE_HASH_LEN],
                      unsigned char out[MERKLE_HASH_LEN]);
/* Root of the empty tree: SHA-256 of nothing. */
void merkle_empty_root(unsigned char out[MERKLE_HASH_LEN]);
void merkle_init(merkle_tree_t *t);
/* Append one leaf hash (or the data to hash as a leaf). 0 or ARC_ELIMIT. */
int merkle_append(merkle_tree_t *t, const unsigned char leaf[MERKLE_HASH_LEN]);
int merkle_append_data(merkle_tree_t *t, const void *data, size_t len);
/* Root at the current size. */
void merkle_root(const merkle_tree_t *t, unsigned char out[MERKLE_HASH_LEN]);
/* Root over an array of n leaf hashes. */
int merkle_root_of(const unsigned char (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                   unsigned char out[MERKLE_HASH_LEN]);
/* RFC 9162 §2.1.3 inclusion proof of leaf index in the tree of the first n
 * leaves; proof has room for MERKLE_MAX_PROOF hashes, leaf-first. 0 or ARC_EINVAL. */
int merkle_inclusion_proof(const unsigned char (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                           uint64_t index, unsigned char (*proof)[MERKLE_HASH_LEN],
                           size_t *proof_len);
/* RFC 9162 §2.1.4 consistency proof from the tree of m leaves to that of n
 * (0 < m <= n; m == n gives an empty proof). */
int merkle_consistency_proof(const unsigned char (*leaves)[MERKLE_HASH_LEN], uint64_t n,
                             uint64_t m, unsigned char (*proof)[MERKLE_HASH_LEN],
                             size_t *proof_len);
/* 0 if the proof leads from leaf to root, else ARC_EDIGEST. */
int merkle_verify_inclusion(uint64_t index, uint64_t tree_size,
                            const unsigned char leaf[MERKLE_HASH_LEN],
                            const unsigned char (*proof)[MERKLE_HASH_LEN], size_t proof_len,
                            const unsigned char root[MERKLE_HASH_LEN]);
/* 0 if the tree of `second` leaves extends the tree of `first`, else ARC_EDIGEST. */
int merkle_verify_consistency(uint64_t first, uint64_t second,
                              const unsigned char first_root[MERKLE_HASH_LEN],
                              const unsigned char second_root[MERKLE_HASH_LEN],
                              const unsigned char (*proof)[MERKLE_HASH_LEN], size_t proof_len);
/* 64 lower-case hex digits + NUL; parse exactly 64 lower-case hex digits. */
void merkle_hex(const unsigned char h[MERKLE_HASH_LEN], char out[2 * MERKLE_HASH_LEN + 1]);
int merkle_unhex(const char *s, size_t len, unsigned char out[MERKLE_HASH_LEN]);

/* ---------------------------------------------------------------- tree head text (sth.c) */

#define SEAL_STH_MAX  512   /* bytes of a tree head text */
#define SEAL_TIME_LEN 21    /* "YYYY-MM-DDThh:mm:ssZ" + NUL */

typedef struct {
	uint64_t tree_size;
	unsigned char root[MERKLE_HASH_LEN];
	char time[SEAL_TIME_LEN];                     /* "2026-11-30T10:42:07Z" */
	char case_id[ARC_UUID_LEN];                   /* "urn:uuid:..." */
	int has_previous;                             /* 0: "previous-root: none" */
	unsigned char previous_root[MERKLE_HASH_LEN];
} seal_sth_t;

/* Appends the exact text (six "\n"-ended lines) to out. 0, ARC_EINVAL, ARC_ENOMEM. */
int seal_sth_format(const seal_sth_t *s, arc_buf_t *out);
/* Strict: only the text seal_sth_format writes is accepted. 0 or ARC_EFORMAT. */
int seal_sth_parse(const void *data, size_t len, seal_sth_t *s, arc_error_t *err);
/* Seconds since the epoch <-> "YYYY-MM-DDThh:mm:ssZ" (a real calendar date). */
int seal_time_format(int64_t t, char out[SEAL_TIME_LEN]);
int seal_time_parse(const char *s, size_t len, int64_t *out);

/* ---------------------------------------------------------------- operator keys and CMS (sign.c) */

#define SEAL_SUBJECT_MAX 512          /* subject text "CN=...,O=..." */
#define SEAL_MAX_CMS     (64u * 1024u) /* bytes of one CMS signature */

typedef enum { SEAL_ALG_P256 = 0, SEAL_ALG_SM2 = 1, SEAL_ALG_ED25519 = 2 } seal_alg_t;

/* "p256" | "sm2" | "ed25519". */
int seal_alg_parse(const char *name, seal_alg_t *alg, arc_error_t *err);
const char *seal_alg_name(seal_alg_t alg);
/* 0 if this OpenSSL's CMS signs and verifies with alg (tried with a
 * throwaway key), else ARC_EINVAL with a message saying what to use instead. */
int seal_alg_usable(seal_alg_t alg, arc_error_t *err);
/* Strict "/CN=.../O=.../OU=.../C=XX/ST=.../L=.../emailAddress=..." (CN required). */
int seal_subject_check(const char *subject, arc_error_t *err);

typedef struct seal_signer seal_signer_t;
/* New key pair, self-signed certificate valid `days` from now, and a CSR. */
int seal_keygen(seal_alg_t alg, const char *subject, int days, seal_signer_t **out,
                arc_error_t *err);
/* PREFIX.key (PEM PKCS#8, created 0600 with O_EXCL; AES-256-CBC encrypted
 * when pass_len > 0), PREFIX.crt, PREFIX.csr (keygen'd signers). Refuses to
 * overwrite any of them. */
int seal_signer_write(const seal_signer_t *s, const char *prefix, const char *pass,
                      size_t pass_len, arc_error_t *err);
/* Load a key (pass may be NULL; an encrypted key then fails, never prompts)
 * and its certificate file (the signer's certificate first, then any chain). */
int seal_signer_load(const char *key_path, const char *cert_path, const char *pass,
                     size_t pass_len, seal_signer_t **out, arc_error_t *err);
void seal_signer_free(seal_signer_t *s);
const char *seal_signer_subject(const seal_signer_t *s); /* "CN=...,O=..." */
seal_alg_t seal_signer_alg(const seal_signer_t *s);
int seal_signer_cert_pem(const seal_signer_t *s, arc_buf_t *out);
/* Detached CMS SignedData (DER) over data: binary, signer certificate and
 * chain included, signingTime. Appended to cms_der. */
int seal_sign(const seal_signer_t *s, const void *data, size_t len, arc_buf_t *cms_der,
              arc_error_t *err);

/* Trust anchors: every certificate of a PEM file. */
typedef struct seal_trust seal_trust_t;
int seal_trust_load(const char *pem_path, seal_trust_t **out, arc_error_t *err);
void seal_trust_free(seal_trust_t *t);
const char *seal_trust_path(const seal_trust_t *t);

typedef struct {
	int signature_ok;          /* the signature holds over the bytes */
	int chain_checked;         /* a trust store was given */
	int chain_ok;              /* the signer chains to it at the time asked */
	char subject[SEAL_SUBJECT_MAX];
	char issuer[SEAL_SUBJECT_MAX];
	char fingerprint[ARC_DIGEST_LEN]; /* sha256 of the signer certificate (DER) */
	int64_t signing_time;      /* the signer's claim, -1 if absent */
	int64_t not_before, not_after;
} seal_cms_info_t;
/* Check a detached CMS signature over data; with trust, also the signer's
 * chain as of time at (seconds; <0: now). 0 only if everything asked holds;
 * ARC_EDIGEST (signature or chain), ARC_EFORMAT (not a one-signer detached
 * SignedData). info says how far it got. */
int seal_cms_verify(const void *cms_der, size_t cms_len, const void *data, size_t len,
                    const seal_trust_t *trust, int64_t at, seal_cms_info_t *info,
                    arc_error_t *err);

/* ---------------------------------------------------------------- RFC 3161 time stamps (tsp.c) */

#define SEAL_MAX_TSR (64u * 1024u)   /* bytes of one TimeStampResp */

/* A TimeStampReq: SHA-256 imprint of the bytes, random 64-bit nonce, certReq. */
typedef struct {
	arc_buf_t der;               /* the request to POST as application/timestamp-query */
	unsigned char nonce[8];
} seal_tsq_t;
int seal_tsq_make(const void *data, size_t len, seal_tsq_t *q, arc_error_t *err);
void seal_tsq_free(seal_tsq_t *q);
/* Check a reply the moment it arrives: granted, imprint = SHA-256(data), the
 * request's nonce, the TSA certificate inside the token and the token's
 * signature holding with it. 0; ARC_EINVAL (not granted), ARC_EDIGEST,
 * ARC_EFORMAT. Trust in the TSA is not judged here. */
int seal_tsr_check_reply(const seal_tsq_t *q, const void *data, size_t len, const void *tsr,
                         size_t tsr_len, arc_error_t *err);

typedef struct {
	int64_t gen_time;                     /* the time the TSA vouches for; -1 unknown */
	char gen_time_text[SEAL_TIME_LEN];
	char serial[64];                      /* token serial, hex */
	char tsa_subject[SEAL_SUBJECT_MAX];
	char tsa_issuer[SEAL_SUBJECT_MAX];
	char tsa_fingerprint[ARC_DIGEST_LEN];
	int64_t tsa_not_before, tsa_not_after;
	int imprint_ok, signature_ok, chain_checked, chain_ok;
} seal_tsr_info_t;
/* Verify a stored TimeStampResp over data: granted, SHA-256 imprint, the
 * signature, and with trust the TSA's chain at the token's genTime (an
 * expired TSA certificate still vouches for times inside its validity; a
 * genTime outside it is refused). A genTime later than now (+5 min; now < 0:
 * the clock) is refused. 0 only if all asked holds. */
int seal_tsr_verify(const void *tsr, size_t tsr_len, const void *data, size_t len,
                    const seal_trust_t *trust, int64_t now, seal_tsr_info_t *info,
                    arc_error_t *err);

/* ---------------------------------------------------------------- seal, stamp and proof records (seal.c) */

#define SEAL_CT_STH     ARC_CT_SEAL
#define SEAL_CT_STAMP   ARC_CT_STAMP
#define SEAL_CT_PROOF   ARC_CT_PROOF
#define SEAL_MAX_TOKENS 8                    /* timestamps in one seal or stamp */
#define SEAL_MAX_BODY   (1024u * 1024u)      /* bytes of a seal/stamp/proof body */

/* Standard base64 without line breaks (EVP_EncodeBlock); decoding refuses
 * whitespace and more than max bytes. Appends to out. */
int seal_b64_encode(const void *data, size_t len, arc_buf_t *out);
int seal_b64_decode(const char *s, size_t len, size_t max, arc_buf_t *out);

typedef struct {
	char tsa[512];          /* the TSA's URL */
	arc_buf_t tsr;          /* DER TimeStampResp */
} seal_token_t;

/* A seal record's body (or, with stamp, a stamp record's). */
typedef struct {
	arc_buf_t sth;                  /* exact tree-head text (seal) */
	seal_sth_t sth_parsed;          /* parsed; for a stamp only tree_size and root */
	arc_buf_t cms;                  /* DER CMS, len 0: unsigned */
	arc_buf_t cert_pem;             /* signer certificate, len 0: none */
	seal_token_t tokens[SEAL_MAX_TOKENS];
	size_t ntokens;
	char *seal_id;                  /* stamp: the seal's record id */
} seal_body_t;
/* JSON body (see seal.c). stamp: a stamp record's body. Appends to out. */
int seal_body_format(const seal_body_t *b, int stamp, arc_buf_t *out);
/* Strict, bounded parse; a seal's sth is parsed and must agree with
 * tree_size/root. 0 or ARC_EFORMAT/ARC_ELIMIT; b freed on failure. */
int seal_body_parse(const void *data, size_t len, int stamp, seal_body_t *b, arc_error_t *err);
void seal_body_free(seal_body_t *b);

/* The case's Merkle log, kept by arc_case: every record written (warcinfo
 * included) is a leaf; opening an existing case rebuilds it from the files. */
const merkle_tree_t *arc_case_tree(const arc_case_t *c);
/* 1 and the size and root of the tree the last seal covered, 0 if none. */
int arc_case_last_seal(const arc_case_t *c, uint64_t *size, unsigned char root[MERKLE_HASH_LEN]);
void arc_case_set_last_seal(arc_case_t *c, uint64_t size, const unsigned char root[MERKLE_HASH_LEN]);
/* A hook the case calls after each write, before a rotation (so the file
 * ends sealed) and at close; never while the hook itself writes. */
enum { ARC_CASE_AFTER_WRITE = 1, ARC_CASE_BEFORE_ROTATE = 2, ARC_CASE_CLOSING = 3 };
typedef int (*arc_case_hook_fn)(void *ctx, arc_case_t *c, int event, arc_error_t *err);
void arc_case_set_hook(arc_case_t *c, arc_case_hook_fn fn, void *ctx);

/* Ask time-stamp authorities for tokens over the sth bytes: fill at most max
 * tokens (each reply already checked with seal_tsr_check_reply) and return
 * how many; 0 leaves the seal unstamped. */
typedef size_t (*seal_stamp_fn)(void *ctx, const void *sth, size_t len, seal_token_t *out, size_t max);

typedef struct {
	const seal_signer_t *signer;   /* borrowed; NULL: seals are not signed */
	seal_stamp_fn stamp;           /* NULL: no TSA */
	void *stamp_ctx;
	uint64_t every;                /* seal after this many records (0: 1000) */
	int64_t interval;              /* or this many seconds (0: 60) */
} seal_writer_opts_t;
typedef struct {
	uint64_t seals, unstamped;
} seal_writer_stats_t;
typedef struct seal_writer seal_writer_t;
seal_writer_t *seal_writer_new(const seal_writer_opts_t *o);
void seal_writer_free(seal_writer_t *s);
/* Seal the case as it grows (sets the case's hook). */
void seal_writer_attach(seal_writer_t *s, arc_case_t *c);
/* Seal now unless nothing was written since the last seal; fsyncs. */
int seal_now(seal_writer_t *s, arc_case_t *c, arc_error_t *err);
const seal_writer_stats_t *seal_writer_stats(const seal_writer_t *s);
/* Write a seal (stamp=0) or stamp record (stamp=1, refers_to the seal id) with body b. */
int seal_write_body(arc_case_t *c, const seal_body_t *b, int stamp, const char *refers_to,
                    warc_written_t *out, arc_error_t *err);

#endif
