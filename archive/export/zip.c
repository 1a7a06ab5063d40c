/*
 * zip.c — the two containers an export needs: gzip members (one per WARC
 * record, the layout of every .warc.gz) and a zip file whose entries are
 * STORED, never deflated (WACZ 1.1.1 asks for that, so a replay tool reads
 * archive/ .warc.gz files by HTTP range without unpacking). Also the read side:
 * the list of a zip's entries with the offset of each entry's bytes, which
 * is all custody-verify needs to read the WARC inside a WACZ.
 *
 * Writing: arc_zip_add_file copies a file into the zip, computing CRC-32 and
 * SHA-256 as the bytes pass, then seeks back to put the CRC in the local
 * header (sizes are known from the file before it is copied). ZIP64 records
 * (extra fields, the ZIP64 end of central directory and its locator) are
 * written only when an entry, an offset or the entry count needs them.
 *
 * Reading: arc_zip_list trusts nothing it reads: the central directory must
 * lie inside the file and before the end record, is bounded by
 * ARC_ZIP_MAX_CD bytes and ARC_ZIP_MAX_ENTRIES entries, names by 1024
 * bytes, and every entry's data must lie inside the file.
 *
 * Must never: compress an entry, write an entry whose CRC or size it did not
 * compute over the bytes written, or read outside the file.
 */
#include "archive_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#define ZIP_LOCAL_SIG   0x04034b50u
#define ZIP_CENTRAL_SIG 0x02014b50u
#define ZIP_EOCD_SIG    0x06054b50u
#define ZIP64_EOCD_SIG  0x06064b50u
#define ZIP64_LOC_SIG   0x07064b50u
#define ZIP_MAX32       0xffffffffu
#define ZIP_MAX_NAME    1024u

/* ---------------------------------------------------------------- gzip */

int arc_gzip_member(const void *src, size_t n, arc_buf_t *out)
{
	z_stream z;
	unsigned char tmp[65536];
	int zr;

	memset(&z, 0, sizeof z);
	/* 16 + MAX_WBITS: a gzip header (mtime 0) and trailer around the deflate data */
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return ARC_ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)src;
	do {
		size_t chunk = n > 1u << 30 ? 1u << 30 : n;
		int flush = chunk == n ? Z_FINISH : Z_NO_FLUSH;

		z.avail_in = (uInt)chunk;
		n -= chunk;
		do {
			z.next_out = tmp;
			z.avail_out = sizeof tmp;
			zr = deflate(&z, flush);
			if (zr == Z_STREAM_ERROR ||
			    arc_buf_append(out, tmp, sizeof tmp - z.avail_out)) {
				deflateEnd(&z);
				return ARC_ENOMEM;
			}
		} while (z.avail_out == 0);
	} while (n > 0);
	deflateEnd(&z);
	return zr == Z_STREAM_END ? ARC_OK : ARC_ENOMEM;
}

/* ---------------------------------------------------------------- little endian */

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---------------------------------------------------------------- writer */

typedef struct {
	char *name;
	uint32_t crc;
	uint64_t size;
	uint64_t header_offset;
} zentry_t;

struct arc_zip {
	FILE *f;
	char *path;
	uint64_t pos;
	unsigned dos_time, dos_date;
	zentry_t *e;
	size_t n, cap;
	int failed;
};

static int zfail(arc_zip_t *z, arc_error_t *err, int code, const char *what)
{
	z->failed = 1;
	return arc_fail(err, code, z->path, z->pos, NULL, "%s: %s: %s", z->path, what,
	                code == ARC_ENOMEM ? "out of memory" : strerror(errno));
}

static int zwrite(arc_zip_t *z, const void *p, size_t n, arc_error_t *err)
{
	if (n && fwrite(p, 1, n, z->f) != n)
		return zfail(z, err, errno == ENOSPC ? ARC_ENOSPC : ARC_EIO, "write failed");
	z->pos += n;
	return ARC_OK;
}

arc_zip_t *arc_zip_create(const char *path, arc_error_t *err)
{
	arc_zip_t *z = calloc(1, sizeof *z);
	time_t now = time(NULL);
	struct tm tm;

	if (!z || !(z->path = strdup(path))) {
		free(z);
		arc_fail(err, ARC_ENOMEM, path, 0, NULL, "%s: out of memory", path);
		return NULL;
	}
	z->f = fopen(path, "wb");
	if (!z->f) {
		arc_fail(err, ARC_EIO, path, 0, NULL, "cannot create %s: %s", path, strerror(errno));
		free(z->path);
		free(z);
		return NULL;
	}
	gmtime_r(&now, &tm);
	if (tm.tm_year < 80)
		tm.tm_year = 80;
	z->dos_time = (unsigned)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	z->dos_date = (unsigned)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
	return z;
}

/* Local header for an entry of known size; the CRC is patched afterwards. */
static int local_header(arc_zip_t *z, zentry_t *e, arc_error_t *err)
{
	unsigned char h[30 + 20];
	size_t nl = strlen(e->name), hl = 30;
	int z64 = e->size >= ZIP_MAX32;

	memset(h, 0, sizeof h);
	put32(h, ZIP_LOCAL_SIG);
	put16(h + 4, z64 ? 45 : 20);  /* version needed */
	put16(h + 6, 0x0800);         /* UTF-8 names */
	put16(h + 8, 0);              /* STORED */
	put16(h + 10, z->dos_time);
	put16(h + 12, z->dos_date);
	put32(h + 14, e->crc);
	put32(h + 18, z64 ? ZIP_MAX32 : (uint32_t)e->size);
	put32(h + 22, z64 ? ZIP_MAX32 : (uint32_t)e->size);
	put16(h + 26, (unsigned)nl);
	put16(h + 28, z64 ? 20 : 0);
	if (z64) {
		put16(h + 30, 1);
		put16(h + 32, 16);
		put64(h + 34, e->size);
		put64(h + 42, e->size);
		hl += 20;
	}
	e->header_offset = z->pos;
	if (zwrite(z, h, 30, err) || zwrite(z, e->name, nl, err) || zwrite(z, h + 30, hl - 30, err))
		return ARC_EIO;
	return ARC_OK;
}

static zentry_t *new_entry(arc_zip_t *z, const char *name, uint64_t size, arc_error_t *err)
{
	zentry_t *e;

	if (z->failed) {
		arc_fail(err, ARC_EINVAL, z->path, z->pos, NULL, "%s: an earlier write failed", z->path);
		return NULL;
	}
	if (!name || !*name || strlen(name) > ZIP_MAX_NAME) {
		arc_fail(err, ARC_EINVAL, z->path, z->pos, NULL, "%s: bad entry name", z->path);
		return NULL;
	}
	if (z->n == z->cap) {
		size_t nc = z->cap ? z->cap * 2 : 16;
		zentry_t *v = realloc(z->e, nc * sizeof *v);
		if (!v) {
			zfail(z, err, ARC_ENOMEM, name);
			return NULL;
		}
		z->e = v;
		z->cap = nc;
	}
	e = &z->e[z->n];
	memset(e, 0, sizeof *e);
	if (!(e->name = strdup(name))) {
		zfail(z, err, ARC_ENOMEM, name);
		return NULL;
	}
	e->size = size;
	z->n++;
	return e;
}

int arc_zip_add_mem(arc_zip_t *z, const char *name, const void *buf, size_t n,
                    arc_error_t *err)
{
	zentry_t *e = new_entry(z, name, n, err);

	if (!e)
		return err ? err->code : ARC_EINVAL;
	e->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	{
		const unsigned char *p = buf;
		size_t left = n;
		while (left) {
			uInt c = left > (1u << 30) ? (1u << 30) : (uInt)left;
			e->crc = (uint32_t)crc32(e->crc, p, c);
			p += c;
			left -= c;
		}
	}
	if (local_header(z, e, err) || zwrite(z, buf, n, err))
		return ARC_EIO;
	return ARC_OK;
}

int arc_zip_add_file(arc_zip_t *z, const char *name, const char *src,
                     char sha256[ARC_DIGEST_LEN], uint64_t *size, arc_error_t *err)
{
	struct stat st;
	FILE *in;
	zentry_t *e;
	arc_sha256_t *h;
	unsigned char buf[65536], c4[4];
	uint64_t left;
	uLong crc = crc32(0L, Z_NULL, 0);
	int rc = ARC_OK;

	in = fopen(src, "rb");
	if (!in || fstat(fileno(in), &st) != 0) {
		int e0 = errno;
		if (in)
			fclose(in);
		return arc_fail(err, ARC_EIO, src, 0, NULL, "cannot read %s: %s", src, strerror(e0));
	}
	e = new_entry(z, name, (uint64_t)st.st_size, err);
	h = arc_sha256_new();
	if (!e || !h) {
		fclose(in);
		arc_sha256_free(h);
		if (e)
			z->failed = 1; /* listed, never written: the zip cannot be closed */
		return e ? arc_fail(err, ARC_ENOMEM, src, 0, NULL, "out of memory")
		         : (err ? err->code : ARC_EINVAL);
	}
	if (local_header(z, e, err)) {
		fclose(in);
		arc_sha256_free(h);
		return ARC_EIO;
	}
	for (left = e->size; left > 0 && rc == ARC_OK;) {
		size_t want = left > sizeof buf ? sizeof buf : (size_t)left;
		size_t got = fread(buf, 1, want, in);
		if (got == 0) {
			rc = arc_fail(err, ARC_EIO, src, e->size - left, NULL,
			              "%s: ends early or cannot be read (changed while exporting?)", src);
			break;
		}
		crc = crc32(crc, buf, (uInt)got);
		arc_sha256_update(h, buf, got);
		rc = zwrite(z, buf, got, err);
		left -= got;
	}
	fclose(in);
	if (rc == ARC_OK) {
		/* the CRC into the local header, then back to the end */
		e->crc = (uint32_t)crc;
		put32(c4, e->crc);
		if (fseeko(z->f, (off_t)(e->header_offset + 14), SEEK_SET) != 0 ||
		    fwrite(c4, 1, 4, z->f) != 4 || fseeko(z->f, (off_t)z->pos, SEEK_SET) != 0)
			rc = zfail(z, err, ARC_EIO, "cannot patch a local header");
	}
	if (rc == ARC_OK) {
		if (sha256)
			arc_sha256_final(h, sha256);
		if (size)
			*size = e->size;
	} else {
		z->failed = 1;
	}
	arc_sha256_free(h);
	return rc;
}

int arc_zip_close(arc_zip_t *z, arc_error_t *err)
{
	uint64_t cd_start, cd_size;
	unsigned char h[64];
	size_t i;
	int z64_end;

	if (!z)
		return ARC_EINVAL;
	if (z->failed)
		return arc_fail(err, ARC_EIO, z->path, z->pos, NULL, "%s: an earlier write failed",
		                z->path);
	cd_start = z->pos;
	for (i = 0; i < z->n; i++) {
		const zentry_t *e = &z->e[i];
		size_t nl = strlen(e->name), xl = 0;
		int zs = e->size >= ZIP_MAX32, zo = e->header_offset >= ZIP_MAX32;
		unsigned char x[28];

		if (zs || zo) {
			put16(x, 1);
			xl = 4;
			if (zs) {
				put64(x + xl, e->size);
				put64(x + xl + 8, e->size);
				xl += 16;
			}
			if (zo) {
				put64(x + xl, e->header_offset);
				xl += 8;
			}
			put16(x + 2, (unsigned)(xl - 4));
		}
		memset(h, 0, 46);
		put32(h, ZIP_CENTRAL_SIG);
		put16(h + 4, 0x0300 | 45);   /* made by: unix, 4.5 */
		put16(h + 6, xl ? 45 : 20);
		put16(h + 8, 0x0800);
		put16(h + 10, 0);            /* STORED */
		put16(h + 12, z->dos_time);
		put16(h + 14, z->dos_date);
		put32(h + 16, e->crc);
		put32(h + 20, zs ? ZIP_MAX32 : (uint32_t)e->size);
		put32(h + 24, zs ? ZIP_MAX32 : (uint32_t)e->size);
		put16(h + 28, (unsigned)nl);
		put16(h + 30, (unsigned)xl);
		put32(h + 38, 0100644u << 16); /* external attributes: a regular 0644 file */
		put32(h + 42, zo ? ZIP_MAX32 : (uint32_t)e->header_offset);
		if (zwrite(z, h, 46, err) || zwrite(z, e->name, nl, err) || zwrite(z, x, xl, err))
			return ARC_EIO;
	}
	cd_size = z->pos - cd_start;
	z64_end = z->n >= 0xffff || cd_start >= ZIP_MAX32 || cd_size >= ZIP_MAX32;
	if (z64_end) {
		uint64_t z64_at = z->pos;
		memset(h, 0, 56);
		put32(h, ZIP64_EOCD_SIG);
		put64(h + 4, 44);
		put16(h + 12, 0x0300 | 45);
		put16(h + 14, 45);
		put64(h + 24, z->n);
		put64(h + 32, z->n);
		put64(h + 40, cd_size);
		put64(h + 48, cd_start);
		if (zwrite(z, h, 56, err))
			return ARC_EIO;
		memset(h, 0, 20);
		put32(h, ZIP64_LOC_SIG);
		put64(h + 8, z64_at);
		put32(h + 16, 1);
		if (zwrite(z, h, 20, err))
			return ARC_EIO;
	}
	memset(h, 0, 22);
	put32(h, ZIP_EOCD_SIG);
	put16(h + 8, z64_end ? 0xffff : (unsigned)z->n);
	put16(h + 10, z64_end ? 0xffff : (unsigned)z->n);
	put32(h + 12, z64_end ? ZIP_MAX32 : (uint32_t)cd_size);
	put32(h + 16, z64_end ? ZIP_MAX32 : (uint32_t)cd_start);
	if (zwrite(z, h, 22, err))
		return ARC_EIO;
	if (fflush(z->f) != 0 || fsync(fileno(z->f)) != 0)
		return zfail(z, err, ARC_EIO, "flush failed");
	return ARC_OK;
}

void arc_zip_free(arc_zip_t *z)
{
	size_t i;

	if (!z)
		return;
	if (z->f)
		fclose(z->f);
	for (i = 0; i < z->n; i++)
		free(z->e[i].name);
	free(z->e);
	free(z->path);
	free(z);
}

/* ---------------------------------------------------------------- reader */

static int read_at(FILE *f, uint64_t off, void *buf, size_t n)
{
	return fseeko(f, (off_t)off, SEEK_SET) == 0 && fread(buf, 1, n, f) == n ? 0 : -1;
}

/* The end of central directory record: the last "PK\5\6" in the file's final
 * 64 KiB + 22 bytes whose comment length reaches exactly the end. */
static int find_eocd(FILE *f, uint64_t fsize, uint64_t *at, unsigned char eocd[22])
{
	size_t span = fsize < 65557 ? (size_t)fsize : 65557, i;
	unsigned char *tail = malloc(span ? span : 1);
	int found = -1;

	if (!tail || span < 22 || read_at(f, fsize - span, tail, span)) {
		free(tail);
		return -1;
	}
	for (i = span - 22 + 1; i-- > 0;) {
		if (get32(tail + i) == ZIP_EOCD_SIG && i + 22 + get16(tail + i + 20) == span) {
			memcpy(eocd, tail + i, 22);
			*at = fsize - span + i;
			found = 0;
			break;
		}
	}
	free(tail);
	return found;
}

/* An entry's bytes in the file, local header through data (arc_zip_list). */
typedef struct {
	uint64_t from, to;
	size_t idx;
} zip_span_t;

static int span_cmp(const void *a, const void *b)
{
	const zip_span_t *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int arc_zip_list(const char *path, arc_zip_entry_t **out, size_t *nout, arc_error_t *err)
{
	FILE *f;
	struct stat st;
	unsigned char eocd[22], *cd = NULL;
	uint64_t eocd_at = 0, cd_start, cd_size, n = 0, fsize, i, p;
	arc_zip_entry_t *v = NULL;
	zip_span_t *spans = NULL;
	const char **names = NULL;
	int rc = ARC_OK;

	*out = NULL;
	*nout = 0;
	f = arc_fopen_regular(path);
	if (!f || fstat(fileno(f), &st) != 0) {
		int e0 = errno;
		if (f)
			fclose(f);
		return arc_fail(err, ARC_EIO, path, 0, NULL, "cannot open %s: %s", path,
		                e0 == EINVAL ? "not a regular file (refused)" : strerror(e0));
	}
	fsize = (uint64_t)st.st_size;
#define ZBAD(off, ...) do { rc = arc_fail(err, ARC_EFORMAT, path, (off), NULL, __VA_ARGS__); goto done; } while (0)
	if (find_eocd(f, fsize, &eocd_at, eocd))
		ZBAD(0, "%s: not a zip file (no end of central directory record)", path);
	n = get16(eocd + 10);
	cd_size = get32(eocd + 12);
	cd_start = get32(eocd + 16);
	if (n == 0xffff || cd_size == ZIP_MAX32 || cd_start == ZIP_MAX32) {
		unsigned char loc[20], z64[56];
		uint64_t z64_at;
		if (eocd_at < 20 || read_at(f, eocd_at - 20, loc, 20) || get32(loc) != ZIP64_LOC_SIG)
			ZBAD(eocd_at, "%s: ZIP64 locator missing", path);
		z64_at = get64(loc + 8);
		if (z64_at > eocd_at - 20 || eocd_at - 20 - z64_at < 56 || read_at(f, z64_at, z64, 56) ||
		    get32(z64) != ZIP64_EOCD_SIG)
			ZBAD(z64_at, "%s: ZIP64 end of central directory record missing", path);
		n = get64(z64 + 32);
		cd_size = get64(z64 + 40);
		cd_start = get64(z64 + 48);
		eocd_at = z64_at;
	}
	if (cd_start > eocd_at || cd_size > eocd_at - cd_start)
		ZBAD(eocd_at, "%s: the central directory lies outside the file", path);
	if (cd_size > ARC_ZIP_MAX_CD || n > ARC_ZIP_MAX_ENTRIES)
		ZBAD(cd_start, "%s: central directory too large (%llu entries, %llu bytes)", path,
		     (unsigned long long)n, (unsigned long long)cd_size);
	cd = malloc(cd_size ? (size_t)cd_size : 1);
	v = calloc(n ? (size_t)n : 1, sizeof *v);
	spans = calloc(n ? (size_t)n : 1, sizeof *spans);
	names = calloc(n ? (size_t)n : 1, sizeof *names);
	if (!cd || !v || !spans || !names) {
		rc = arc_fail(err, ARC_ENOMEM, path, 0, NULL, "%s: out of memory", path);
		goto done;
	}
	if (read_at(f, cd_start, cd, (size_t)cd_size))
		ZBAD(cd_start, "%s: cannot read the central directory", path);
	for (i = 0, p = 0; i < n; i++) {
		arc_zip_entry_t *e = &v[i];
		unsigned char lh[30];
		unsigned nl, xl, cl, k;
		uint64_t csize, usize, lho;

		if (cd_size - p < 46 || get32(cd + p) != ZIP_CENTRAL_SIG)
			ZBAD(cd_start + p, "%s: central directory entry %llu is damaged", path,
			     (unsigned long long)i);
		nl = get16(cd + p + 28);
		xl = get16(cd + p + 30);
		cl = get16(cd + p + 32);
		if (cd_size - p - 46 < (uint64_t)nl + xl + cl || nl == 0 || nl > ZIP_MAX_NAME)
			ZBAD(cd_start + p, "%s: central directory entry %llu overruns", path,
			     (unsigned long long)i);
		e->method = get16(cd + p + 10);
		e->crc = get32(cd + p + 16);
		csize = get32(cd + p + 20);
		usize = get32(cd + p + 24);
		lho = get32(cd + p + 42);
		memcpy(e->name, cd + p + 46, nl);
		e->name[nl] = '\0';
		/* ZIP64 extra: the fields that were 0xffffffff, in order */
		for (k = 0; k + 4 <= xl;) {
			const unsigned char *x = cd + p + 46 + nl + k;
			unsigned id = get16(x), len = get16(x + 2), q = 4;
			if (k + 4 + len > xl)
				break;
			if (id == 1) {
				if (usize == ZIP_MAX32 && q + 8 <= 4u + len) {
					usize = get64(x + q);
					q += 8;
				}
				if (csize == ZIP_MAX32 && q + 8 <= 4u + len) {
					csize = get64(x + q);
					q += 8;
				}
				if (lho == ZIP_MAX32 && q + 8 <= 4u + len)
					lho = get64(x + q);
			}
			k += 4 + len;
		}
		e->size = csize;
		e->uncompressed_size = usize;
		if (lho > fsize || fsize - lho < 30 || read_at(f, lho, lh, 30) ||
		    get32(lh) != ZIP_LOCAL_SIG)
			ZBAD(lho, "%s: the local header of %s is missing", path, e->name);
		e->offset = lho + 30 + get16(lh + 26) + get16(lh + 28);
		if (e->offset > fsize || csize > fsize - e->offset)
			ZBAD(lho, "%s: the data of %s lies outside the file", path, e->name);
		if (e->offset + csize > cd_start)
			ZBAD(lho, "%s: the data of %s runs into the central directory", path, e->name);
		spans[i].from = lho;
		spans[i].to = e->offset + csize;
		spans[i].idx = (size_t)i;
		p += 46 + (uint64_t)nl + xl + cl;
	}
	/* Each entry once, each byte in at most one entry (issue 19, class 14): a
	 * directory that lists one stored entry 65 534 times, or entries sharing
	 * bytes, makes a reader do the same work again and again, and lets two
	 * names show one content. Sorted: linear after n log n. */
	if (n > 1) {
		qsort(spans, (size_t)n, sizeof *spans, span_cmp);
		for (i = 1; i < n; i++)
			if (spans[i].from < spans[i - 1].to)
				ZBAD(spans[i].from, "%s: entries %s and %s overlap (one local header or its "
				     "data inside another entry's): refused", path, v[spans[i - 1].idx].name,
				     v[spans[i].idx].name);
		for (i = 0; i < n; i++)
			names[i] = v[i].name;
		qsort(names, (size_t)n, sizeof *names, name_cmp);
		for (i = 1; i < n; i++)
			if (!strcmp(names[i], names[i - 1]))
				ZBAD(cd_start, "%s: the entry %s is listed more than once: refused", path, names[i]);
	}
#undef ZBAD
done:
	fclose(f);
	free(cd);
	free(spans);
	free(names);
	if (rc != ARC_OK) {
		free(v);
		return rc;
	}
	*out = v;
	*nout = (size_t)n;
	return ARC_OK;
}
