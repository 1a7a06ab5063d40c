/*
 * watch.c — the watchlist: salted SHA-256 hashes of a victim's normalized
 * identifiers, so findings can be flagged ("watch": true) without the
 * identifiers being stored in clear anywhere.
 *
 * File format (written by `custody watch-hash`, mode 0600):
 *
 *     custody-watch 1
 *     salt <64 hex: 32 random bytes>
 *     <type> <64 hex: SHA-256(salt || normalized value)>
 *     ...
 *
 * <type> is a finding type name, or "*" when watch-hash could not tell the
 * type (the value then matches a finding of any type). Lines starting with
 * '#' are comments.
 *
 * This file owns the format: the reader (detect_watch_load) and the writer
 * (detect_watch_writer_*, used by `custody watch-hash`) live together.
 *
 * Must never: print or keep a plaintext value, or trust the file's sizes.
 */
#include "detect_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WATCH_MAX_FILE    ((size_t)8 << 20)
#define WATCH_MAX_ENTRIES 100000u

typedef struct {
	unsigned char h[32];
	int type;            /* detect_type_t or -1 for any */
} watch_ent_t;

struct detect_watch {
	unsigned char salt[32];
	watch_ent_t *e;
	size_t n;
};

void dt_watch_digest(const unsigned char *salt, size_t salt_len, const char *value,
                         char out[65])
{
	unsigned char h[32];
	unsigned int hl = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
	         EVP_DigestUpdate(c, salt, salt_len) &&
	         EVP_DigestUpdate(c, value, strlen(value)) && EVP_DigestFinal_ex(c, h, &hl);
	EVP_MD_CTX_free(c);
	if (!ok) {
		out[0] = '\0';
		return;
	}
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static int unhex(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

static int by_hash(const void *a, const void *b)
{
	return memcmp(((const watch_ent_t *)a)->h, ((const watch_ent_t *)b)->h, 32);
}

void detect_watch_free(detect_watch_t *w)
{
	if (!w)
		return;
	OPENSSL_cleanse(w->salt, sizeof w->salt);
	free(w->e);
	free(w);
}

detect_watch_t *detect_watch_load(const char *path, arc_error_t *err)
{
	arc_buf_t in = {0};
	int cut = 0;
	detect_watch_t *w = NULL;
	if (arc_read_file(path, WATCH_MAX_FILE, &in, &cut, err) != 0)
		goto fail;
	if (cut) {
		arc_fail(err, ARC_ELIMIT, path, 0, NULL, "%s: watchlist larger than 8 MiB", path);
		goto fail;
	}
	if (!(w = calloc(1, sizeof *w))) {
		arc_fail(err, ARC_ENOMEM, path, 0, NULL, "%s: out of memory", path);
		goto fail;
	}
	char *buf = in.data ? (char *)in.data : (char *)"";
	size_t len = in.len;
	size_t lineno = 0, cap = 0;
	int have_magic = 0, have_salt = 0;
	for (size_t p = 0; p < len;) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t e = nl ? (size_t)(nl - buf) : len;
		char *s = buf + p;
		size_t n = e - p;
		p = nl ? e + 1 : len;
		lineno++;
		while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
			n--;
		if (!n || s[0] == '#')
			continue;
		if (!have_magic) {
			if (n != 15 || memcmp(s, "custody-watch 1", 15)) {
				arc_fail(err, ARC_EFORMAT, path, 0, NULL,
				         "%s:%zu: not a custody watchlist (want \"custody-watch 1\")", path, lineno);
				goto fail;
			}
			have_magic = 1;
			continue;
		}
		if (!have_salt) {
			if (n != 5 + 64 || memcmp(s, "salt ", 5) || unhex(s + 5, 32, w->salt)) {
				arc_fail(err, ARC_EFORMAT, path, 0, NULL, "%s:%zu: want \"salt <64 hex>\"",
				         path, lineno);
				goto fail;
			}
			have_salt = 1;
			continue;
		}
		const char *sp = memchr(s, ' ', n);
		size_t tl = sp ? (size_t)(sp - s) : 0;
		char tn[32];
		watch_ent_t ent;
		if (!sp || tl >= sizeof tn || n - tl - 1 != 64 || unhex(sp + 1, 32, ent.h)) {
			arc_fail(err, ARC_EFORMAT, path, 0, NULL, "%s:%zu: want \"TYPE <64 hex>\"",
			         path, lineno);
			goto fail;
		}
		memcpy(tn, s, tl);
		tn[tl] = '\0';
		ent.type = strcmp(tn, "*") ? dt_type_index(tn) : -1;
		if (strcmp(tn, "*") && ent.type < 0) {
			arc_fail(err, ARC_EFORMAT, path, 0, NULL, "%s:%zu: unknown type '%s'", path, lineno, tn);
			goto fail;
		}
		void *v = w->e;
		int grc = arc_vec_reserve(&v, &cap, w->n + 1, sizeof *w->e, WATCH_MAX_ENTRIES);
		w->e = v;
		if (grc) {
			arc_fail(err, grc, path, 0, NULL, grc == ARC_ELIMIT ? "%s:%zu: more than %u entries"
			                                                    : "%s:%zu: out of memory (%u entries)",
			         path, lineno, WATCH_MAX_ENTRIES);
			goto fail;
		}
		w->e[w->n++] = ent;
	}
	if (!have_salt) {
		arc_fail(err, ARC_EFORMAT, path, 0, NULL, "%s: no salt line", path);
		goto fail;
	}
	if (w->n > 1)
		qsort(w->e, w->n, sizeof w->e[0], by_hash);
	OPENSSL_cleanse(buf, len);
	arc_buf_free(&in);
	return w;
fail:
	if (in.data)
		OPENSSL_cleanse(in.data, in.len);
	arc_buf_free(&in);
	detect_watch_free(w);
	return NULL;
}

int detect_watch_match(const detect_watch_t *w, const char *type, const char *value)
{
	if (!w || !w->n || !value)
		return 0;
	char hex[65];
	watch_ent_t key;
	memset(&key, 0, sizeof key);
	dt_watch_digest(w->salt, sizeof w->salt, value, hex);
	if (!hex[0] || unhex(hex, 32, key.h))
		return 0;
	int t = type ? dt_type_index(type) : -1;
	watch_ent_t *hit = bsearch(&key, w->e, w->n, sizeof w->e[0], by_hash);
	if (!hit)
		return 0;
	/* equal hashes sit together: look at every entry with this hash for the type */
	while (hit > w->e && !memcmp(hit[-1].h, key.h, 32))
		hit--;
	for (; hit < w->e + w->n && !memcmp(hit->h, key.h, 32); hit++)
		if (hit->type < 0 || hit->type == t)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- writer */

struct detect_watch_writer {
	FILE *f;
	char *path;
	unsigned char salt[32];
	size_t count[DT__COUNT + 1];
	int werr;
};
typedef struct detect_watch_writer wh_t;

static void put(wh_t *w, int type, const char *v)
{
	char hex[65];
	dt_watch_digest(w->salt, sizeof w->salt, v, hex);
	if (!hex[0] || fprintf(w->f, "%s %s\n", type >= 0 ? dt_type_name(type) : "*", hex) < 0)
		w->werr = 1;
	w->count[type >= 0 ? type : DT__COUNT]++;
}

/* One input line: [TYPE blank] VALUE. Returns 0, or -1 for an unusable line. */
static int hash_line(wh_t *w, const char *line, size_t n)
{
	char norm[DETECT_WATCH_MAX_LINE];
	int type = -1;
	const char *sp = memchr(line, ' ', n);
	const char *tab = memchr(line, '\t', n);
	if (!sp || (tab && tab < sp))
		sp = tab;
	if (sp) {
		char tn[32];
		size_t tl = (size_t)(sp - line);
		if (tl < sizeof tn) {
			memcpy(tn, line, tl);
			tn[tl] = '\0';
			type = dt_type_index(tn);
			if (type == DT_DOX)
				type = -1;
			if (type >= 0) {
				size_t skip = tl + 1;
				line += skip;
				n -= skip;
			}
		}
	}
	if (type >= 0) {
		long l = dt_normalize(type, line, n, norm, sizeof norm);
		if (l <= 0)
			return -1;
		put(w, type, norm);
		OPENSSL_cleanse(norm, sizeof norm);
		return 0;
	}
	/* No type: recognise it. '@' values are e-mail or handles (lower case). */
	int has_at = memchr(line, '@', n) != NULL;
	long l = dt_normalize(has_at ? DT_EMAIL : DT_RESIDENT_ID, line, n, norm, sizeof norm);
	if (l <= 0)
		return -1;
	int t = dt_guess_type(norm, (size_t)l);
	if (t < 0 && !has_at && ((l == 13 && !memcmp(norm, "86", 2)) || (l == 15 && !memcmp(norm, "0086", 4)))) {
		l = dt_normalize(DT_MOBILE, line, n, norm, sizeof norm);
		t = l > 0 && dt_valid_mobile(norm, (size_t)l) ? DT_MOBILE : -1;
	}
	if (t >= 0) {
		l = dt_normalize(t, line, n, norm, sizeof norm);
		if (l > 0)
			put(w, t, norm);
	} else {
		/* every normalized form the detector could produce for an unknown type */
		static const int forms[] = {DT_RESIDENT_ID, DT_EMAIL, DT_ADDRESS, DT_WECHAT};
		char prev[4][DETECT_WATCH_MAX_LINE];
		int np = 0;
		for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
			l = dt_normalize(forms[k], line, n, norm, sizeof norm);
			if (l < 4)
				continue;  /* a fragment too short to be an identifier on its own */
			int dup = 0;
			for (int q = 0; q < np; q++)
				dup |= !strcmp(prev[q], norm);
			if (dup)
				continue;
			memcpy(prev[np++], norm, (size_t)l + 1);
			put(w, -1, norm);
		}
		OPENSSL_cleanse(prev, sizeof prev);
	}
	OPENSSL_cleanse(norm, sizeof norm);
	return 0;
}

detect_watch_writer_t *detect_watch_writer_new(const char *path, arc_error_t *err)
{
	wh_t *w = calloc(1, sizeof *w);
	if (!w || !(w->path = strdup(path))) {
		free(w);
		arc_fail(err, ARC_ENOMEM, path, 0, NULL, "%s: out of memory", path);
		return NULL;
	}
	if (RAND_bytes(w->salt, sizeof w->salt) != 1) {
		arc_fail(err, ARC_EIO, path, 0, NULL, "no randomness from OpenSSL for the salt");
		goto fail;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0 || !(w->f = fdopen(fd, "w"))) {
		arc_fail(err, ARC_EIO, path, 0, NULL, "%s: cannot create: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	fprintf(w->f, "custody-watch 1\n# salted SHA-256 of normalized identifiers (custody watch-hash)\nsalt ");
	for (size_t i = 0; i < sizeof w->salt; i++)
		fprintf(w->f, "%02x", w->salt[i]);
	fputc('\n', w->f);
	return w;
fail:
	OPENSSL_cleanse(w->salt, sizeof w->salt);
	free(w->path);
	free(w);
	return NULL;
}

int detect_watch_writer_add(detect_watch_writer_t *w, const char *line, size_t n)
{
	if (!w || !line || n > DETECT_WATCH_MAX_LINE)
		return -1;
	return hash_line(w, line, n) ? -1 : 0;
}

int detect_watch_writer_summary(const detect_watch_writer_t *w, arc_buf_t *out)
{
	for (int t = 0; t <= DT__COUNT; t++)
		if (w->count[t] &&
		    arc_buf_printf(out, " %s %zu", t < DT__COUNT ? dt_type_name(t) : "untyped", w->count[t]))
			return ARC_ENOMEM;
	return 0;
}

int detect_watch_writer_close(detect_watch_writer_t *w, int keep, arc_error_t *err)
{
	if (!w)
		return 0;
	int werr = w->werr;
	if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
		werr = 1;
	if (fclose(w->f) != 0)
		werr = 1;
	OPENSSL_cleanse(w->salt, sizeof w->salt);
	int rc = 0;
	if (werr)
		rc = arc_fail(err, ARC_EIO, w->path, 0, NULL, "%s: error writing the watchlist", w->path);
	if (werr || !keep)
		unlink(w->path);
	free(w->path);
	free(w);
	return rc;
}
