/*
 * warc.h — archive/warc/: the WARC format. HTTP message helpers (header
 * split, chunked and content decoding), digests fed as bytes stream through,
 * output sinks, the WARC/1.1 writer (one zstd frame per record), a case
 * directory of rotated capture files (write and list), the bounded streaming
 * reader and the record integrity checks the verifier runs.
 *
 * Included through archive/archive.h, the one public header of archive/;
 * never on its own. Its contracts are archive.h's: no printing, no exit,
 * every length read is bounded.
 */
#ifndef CUSTODY_ARCHIVE_WARC_H
#define CUSTODY_ARCHIVE_WARC_H

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
	const char *hostname;     /* warcinfo's hostname (NULL: gethostname(); a hash with
	                             --private-environment) */
	struct arc_case_state *state; /* in/out (custody watch, sealing.h): the log as the last
	                             close left it, so the next open need not read every file
	                             again; used only if the files are as that close left them */
	int skip_index;           /* close does not rebuild index.cdxj (custody watch rebuilds it
	                             at most every few minutes and when it stops) */
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

#endif
