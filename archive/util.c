/*
 * util.c — small shared utilities of the archive library: error values,
 * random UUIDs, UTC timestamps, SHA-256 (OpenSSL EVP) and a growable buffer.
 *
 * Everything else in archive/ links against this file, so it stays small and
 * dependency-free beyond libcrypto. It must never print, exit, or let a size
 * computation wrap: every growth is overflow-checked.
 */
#include "archive_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

const char *arc_strerror(int code)
{
	switch (code) {
	case ARC_OK: return "success";
	case ARC_ENOMEM: return "out of memory";
	case ARC_EIO: return "I/O error";
	case ARC_EFORMAT: return "malformed input";
	case ARC_ELIMIT: return "limit exceeded";
	case ARC_EZSTD: return "zstd frame corrupt or truncated";
	case ARC_EDIGEST: return "digest mismatch";
	case ARC_EINVAL: return "invalid argument";
	case ARC_ENOSPC: return "no space left on device";
	case ARC_EBUSY: return "the case is being written by another process";
	default: return "unknown error";
	}
}

static void copy_bounded(char *dst, size_t dstsz, const char *src)
{
	size_t n;

	if (!src)
		src = "";
	n = strlen(src);
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int arc_fail(arc_error_t *err, int code, const char *file, uint64_t offset,
             const char *record_id, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	copy_bounded(err->file, sizeof err->file, file);
	err->offset = offset;
	copy_bounded(err->record_id, sizeof err->record_id, record_id);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

int arc_uuid(char out[ARC_UUID_LEN])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof b) != 1) {
		out[0] = '\0';
		return ARC_EIO;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, ARC_UUID_LEN,
	         "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	         "%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	         b[10], b[11], b[12], b[13], b[14], b[15]);
	return ARC_OK;
}

int arc_now(char out[ARC_DATE_LEN])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm)) {
		out[0] = '\0';
		return ARC_EIO;
	}
	/* strftime bounds the calendar part (it fails past year 9999) */
	n = strftime(out, ARC_DATE_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n != 19) {
		out[0] = '\0';
		return ARC_EIO;
	}
	snprintf(out + n, ARC_DATE_LEN - n, ".%06uZ",
	         (unsigned)((unsigned long)ts.tv_nsec / 1000u % 1000000u));
	return ARC_OK;
}

/* Accepts W3C-DTF as WARC allows: "YYYY-MM-DDThh:mm:ss" with optional
 * fraction, then "Z". Only the digits are checked, not the calendar. */
int arc_date14(const char *d, char out[15])
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	size_t i, o = 0;

	out[0] = '\0';
	if (!d)
		return ARC_EFORMAT;
	for (i = 0; pat[i]; i++) {
		if (pat[i] == 'd') {
			if (d[i] < '0' || d[i] > '9')
				return ARC_EFORMAT;
			out[o++] = d[i];
		} else if (d[i] != pat[i]) {
			return ARC_EFORMAT;
		}
	}
	if (d[i] == '.') {
		i++;
		if (d[i] < '0' || d[i] > '9')
			return ARC_EFORMAT;
		while (d[i] >= '0' && d[i] <= '9')
			i++;
	}
	if (d[i] != 'Z' || d[i + 1] != '\0') {
		out[0] = '\0';
		return ARC_EFORMAT;
	}
	out[14] = '\0';
	return ARC_OK;
}

/* ---------------------------------------------------------------- SHA-256 */

struct arc_sha256 {
	EVP_MD_CTX *ctx;
	int failed; /* an EVP call failed: final yields "" rather than a wrong digest */
};

arc_sha256_t *arc_sha256_new(void)
{
	arc_sha256_t *h = calloc(1, sizeof *h);

	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		free(h);
		return NULL;
	}
	return h;
}

void arc_sha256_update(arc_sha256_t *h, const void *buf, size_t len)
{
	if (len && EVP_DigestUpdate(h->ctx, buf, len) != 1)
		h->failed = 1;
}

static void hex_digest(const unsigned char *md, char out[ARC_DIGEST_LEN])
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	memcpy(out, "sha256:", 7);
	for (i = 0; i < 32; i++) {
		out[7 + 2 * i] = hx[md[i] >> 4];
		out[8 + 2 * i] = hx[md[i] & 15];
	}
	out[71] = '\0';
}

void arc_sha256_final(arc_sha256_t *h, char out[ARC_DIGEST_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (h->failed || EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != 32) {
		out[0] = '\0';
		h->failed = 1;
		return;
	}
	hex_digest(md, out);
}

void arc_sha256_reset(arc_sha256_t *h)
{
	h->failed = EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1;
}

void arc_sha256_free(arc_sha256_t *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void arc_sha256_raw(const void *buf, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(len ? buf : "", len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
		memset(out, 0, 32);
}

void arc_sha256_hex(const void *buf, size_t len, char out[ARC_DIGEST_LEN])
{
	unsigned char md[32];
	unsigned int n = 0;

	if (EVP_Digest(len ? buf : "", len, md, &n, EVP_sha256(), NULL) != 1 || n != 32) {
		out[0] = '\0';
		return;
	}
	hex_digest(md, out);
}

/* ---------------------------------------------------------------- buffer */

static int buf_reserve(arc_buf_t *b, size_t extra)
{
	size_t need, cap;
	unsigned char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return ARC_ENOMEM;
	need = b->len + extra + 1; /* +1 keeps room for a NUL after text */
	if (need <= b->cap)
		return ARC_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p)
		return ARC_ENOMEM;
	b->data = p;
	b->cap = cap;
	return ARC_OK;
}

int arc_buf_append(arc_buf_t *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) != ARC_OK)
		return ARC_ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return ARC_OK;
}

int arc_buf_printf(arc_buf_t *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t room;

	if (buf_reserve(b, 0) != ARC_OK)
		return ARC_ENOMEM;
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf((char *)b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ARC_EINVAL;
	if ((size_t)n >= room) {
		if (buf_reserve(b, (size_t)n) != ARC_OK)
			return ARC_ENOMEM;
		va_start(ap, fmt);
		n = vsnprintf((char *)b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return ARC_EINVAL;
	}
	b->len += (size_t)n;
	return ARC_OK;
}

void arc_buf_free(arc_buf_t *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int arc_ct_is(const char *ct, const char *mt)
{
	size_t n, m;
	if (!ct || !mt)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	m = strcspn(mt, ";");
	return n == m && !strncasecmp(ct, mt, n);
}

FILE *arc_fopen_regular(const char *path)
{
	struct stat st = {0};
	FILE *f;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), fl;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int e = errno;
		close(fd);
		errno = S_ISREG(st.st_mode) ? e : EINVAL;
		return NULL;
	}
	if (!(f = fdopen(fd, "rb"))) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}
