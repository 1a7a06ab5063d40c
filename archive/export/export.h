/*
 * export.h — archive/export/: what replay tools read. Zip and gzip
 * containers (zip.c), the WACZ and .warc.gz exports (wacz.c) and the CDXJ
 * index with pywb-exact SURT keys (cdxj.c).
 *
 * Included through archive/archive.h, the one public header of archive/;
 * never on its own. Exports are derived from a case and never replace it.
 */
#ifndef CUSTODY_ARCHIVE_EXPORT_H
#define CUSTODY_ARCHIVE_EXPORT_H

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

#endif
