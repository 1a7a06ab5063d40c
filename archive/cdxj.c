/*
 * cdxj.c — the CDXJ index of a case (index.cdxj), as pywb reads it.
 *
 * One line per response and revisit record:
 *   SURT-KEY TIMESTAMP14 {"url": ..., "mime": ..., "status": ..., "digest": ...,
 *                         "length": ..., "offset": ..., "filename": ...[, extra]}
 * sorted bytewise by key, then timestamp. length/offset are the record's zstd
 * frame in filename, so one ranged read plus `zstd -d` yields the record.
 * Numbers are written as JSON strings, as pywb's indexer does. Revisit lines
 * carry mime "warc/revisit" (what pywb and warcio's indexers write, and what
 * pywb keys on to resolve a revisit) and the status of the HTTP header the
 * revisit carries. A findings metadata record (application/vnd.custody.
 * findings+json) adds "doxing" and "findings" to the line of the response it
 * refers to (WARC-Refers-To).
 *
 * The index is derived data: cdxj_rebuild reads every capture file with the
 * streaming reader and replaces index.cdxj atomically (temp file + rename),
 * so a crash never leaves a half-written index.
 *
 * Must never: index a record it could not read, write an unsorted file, or
 * leave index.cdxj partially written.
 */
#include "archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

/* ---------------------------------------------------------------- SURT */

static char lc(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static int put(char *out, size_t outsz, size_t *o, const char *p, size_t n, int lower)
{
	size_t i;

	if (n >= outsz - *o)
		return ARC_ELIMIT;
	for (i = 0; i < n; i++)
		out[*o + i] = lower ? lc(p[i]) : p[i];
	*o += n;
	out[*o] = '\0';
	return ARC_OK;
}

int cdxj_surt(const char *url, char *out, size_t outsz)
{
	const char *p, *auth, *aend, *host, *hend, *port = NULL, *at, *rest, *frag, *seg;
	size_t slen, o = 0;
	int is_http = 0, is_https = 0, rc;

	if (!url || !out || outsz < 2)
		return ARC_EINVAL;
	out[0] = '\0';
	p = strstr(url, "://");
	if (!p) /* no authority (dns:, urn:, ...): the URL itself, lower-cased */
		return put(out, outsz, &o, url, strlen(url), 1);
	slen = (size_t)(p - url);
	is_http = slen == 4 && !strncasecmp(url, "http", 4);
	is_https = slen == 5 && !strncasecmp(url, "https", 5);
	auth = p + 3;
	aend = auth + strcspn(auth, "/?#");
	/* user:pass@ never belongs in a key */
	at = NULL;
	for (p = auth; p < aend; p++)
		if (*p == '@')
			at = p;
	host = at ? at + 1 : auth;
	if (*host == '[') { /* IPv6 literal: kept as is, not reversed */
		hend = memchr(host, ']', (size_t)(aend - host));
		if (!hend)
			return ARC_EINVAL;
		hend++;
		if (hend < aend && *hend == ':')
			port = hend + 1;
	} else {
		hend = memchr(host, ':', (size_t)(aend - host));
		if (hend)
			port = hend + 1;
		else
			hend = aend;
	}
	/* a trailing dot names the same host */
	while (hend > host && hend[-1] == '.' && *host != '[')
		hend--;
	if (hend == host)
		return ARC_EINVAL;

	if (*host == '[') {
		if ((rc = put(out, outsz, &o, host, (size_t)(hend - host), 1)))
			return rc;
	} else {
		/* drop "www." / "www2." etc. (surt's host massage) */
		const char *h = host;
		if (hend - h > 4 && !strncasecmp(h, "www", 3)) {
			const char *q = h + 3;
			while (q < hend && *q >= '0' && *q <= '9')
				q++;
			if (q < hend - 1 && *q == '.')
				h = q + 1;
		}
		/* labels in reverse order, comma-separated */
		seg = hend;
		while (seg > h) {
			const char *s = seg;
			while (s > h && s[-1] != '.')
				s--;
			if ((rc = put(out, outsz, &o, s, (size_t)(seg - s), 1)))
				return rc;
			if (s > h && (rc = put(out, outsz, &o, ",", 1, 0)))
				return rc;
			seg = s > h ? s - 1 : h;
		}
	}
	if (port && port < aend) {
		size_t pl = (size_t)(aend - port);
		int dflt = (is_http && pl == 2 && !strncmp(port, "80", 2)) ||
		           (is_https && pl == 3 && !strncmp(port, "443", 3));
		if (!dflt && ((rc = put(out, outsz, &o, ":", 1, 0)) ||
		              (rc = put(out, outsz, &o, port, pl, 0))))
			return rc;
	}
	if ((rc = put(out, outsz, &o, ")", 1, 0)))
		return rc;
	rest = aend;
	frag = strchr(rest, '#');
	if (!frag)
		frag = rest + strlen(rest);
	if (rest == frag || *rest != '/')
		if ((rc = put(out, outsz, &o, "/", 1, 0)))
			return rc;
	return put(out, outsz, &o, rest, (size_t)(frag - rest), 0);
}

/* ---------------------------------------------------------------- one line */

/* JSON string body: escapes quotes, backslashes and control bytes; bytes
 * that are not valid UTF-8 become U+FFFD so the line stays valid JSON. */
static int json_str(arc_buf_t *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (arc_buf_append(b, "\"", 1))
		return ARC_ENOMEM;
	while (*p) {
		int rc;
		size_t n = 1;
		if (*p == '"' || *p == '\\') {
			char e[2] = { '\\', (char)*p };
			rc = arc_buf_append(b, e, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			rc = arc_buf_printf(b, "\\u%04x", *p);
		} else if (*p < 0x80) {
			rc = arc_buf_append(b, p, 1);
		} else {
			/* length of a well-formed UTF-8 sequence starting here, or 0 */
			size_t want = (*p >= 0xc2 && *p <= 0xdf) ? 2 : (*p >= 0xe0 && *p <= 0xef) ? 3
			            : (*p >= 0xf0 && *p <= 0xf4) ? 4 : 0, i;
			for (i = 1; i < want; i++)
				if ((p[i] & 0xc0) != 0x80)
					want = 0;
			if (want) {
				n = want;
				rc = arc_buf_append(b, p, n);
			} else {
				rc = arc_buf_append(b, "\\ufffd", 6);
			}
		}
		if (rc)
			return ARC_ENOMEM;
		p += n;
	}
	return arc_buf_append(b, "\"", 1) ? ARC_ENOMEM : ARC_OK;
}

static int json_kv(arc_buf_t *b, const char *k, const char *v)
{
	if (arc_buf_printf(b, ", \"%s\": ", k))
		return ARC_ENOMEM;
	return json_str(b, v);
}

/* Appends the line (no newline) to out. */
int cdxj_format_line(const char *url, const char *warc_date, const char *mime,
                     int status, const char *digest, uint64_t length,
                     uint64_t offset, const char *filename,
                     const char *extra_json, arc_buf_t *out)
{
	char key[8192], ts[15], num[32];
	size_t start;
	int rc;

	if (!url || !warc_date || !filename || !out)
		return ARC_EINVAL;
	if ((rc = cdxj_surt(url, key, sizeof key)) != ARC_OK)
		return rc;
	if (strpbrk(key, " \t\r\n"))
		return ARC_EINVAL; /* the key must be one token */
	if (arc_date14(warc_date, ts) != ARC_OK)
		return ARC_EFORMAT;
	start = out->len;
	rc = arc_buf_printf(out, "%s %s {\"url\": ", key, ts) || json_str(out, url);
	if (!rc && mime && *mime)
		rc = json_kv(out, "mime", mime);
	if (!rc && status > 0) {
		snprintf(num, sizeof num, "%d", status);
		rc = json_kv(out, "status", num);
	}
	if (!rc && digest && *digest)
		rc = json_kv(out, "digest", digest);
	if (!rc) {
		snprintf(num, sizeof num, "%llu", (unsigned long long)length);
		rc = json_kv(out, "length", num);
	}
	if (!rc) {
		snprintf(num, sizeof num, "%llu", (unsigned long long)offset);
		rc = json_kv(out, "offset", num);
	}
	if (!rc)
		rc = json_kv(out, "filename", filename);
	if (!rc && extra_json && *extra_json)
		rc = arc_buf_printf(out, ", %s", extra_json);
	if (!rc)
		rc = arc_buf_append(out, "}", 1);
	if (rc) {
		out->len = start;
		return ARC_ENOMEM;
	}
	return ARC_OK;
}

/* ---------------------------------------------------------------- rebuild */

typedef struct {
	char *line;      /* "KEY TS {json" without the closing brace */
	size_t keylen;   /* bytes of "KEY TS" */
	char *id;        /* WARC-Record-ID, angle brackets stripped */
	unsigned file;   /* file number, then offset: a stable tie-break */
	uint64_t offset;
} entry_t;

typedef struct {
	char *refers;    /* record id the findings are about, brackets stripped */
	int doxing;
	size_t findings;
	size_t seq;      /* order read: the last findings record wins */
} finding_t;

typedef struct {
	entry_t *e;
	size_t n, cap;
	finding_t *f;
	size_t nf, capf;
} index_t;

static char *strip_id(const char *s)
{
	size_t n;
	char *d;

	while (*s == ' ' || *s == '<')
		s++;
	n = strcspn(s, "> \t");
	d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t nc;

	if (n < *cap)
		return ARC_OK;
	nc = *cap ? *cap * 2 : 64;
	if (nc > SIZE_MAX / elem)
		return ARC_ENOMEM;
	p = realloc(*v, nc * elem);
	if (!p)
		return ARC_ENOMEM;
	*v = p;
	*cap = nc;
	return ARC_OK;
}

/* HTTP status and media type (no parameters, lower-cased) of a block. */
static void http_facts(const warc_rec_t *rec, int *status, char *mime, size_t mimesz)
{
	size_t hl;
	char *semi;

	*status = 0;
	mime[0] = '\0';
	if (!rec->block || rec->block_len == 0)
		return;
	hl = http_header_end(rec->block, rec->block_len > SIZE_MAX ? SIZE_MAX : (size_t)rec->block_len);
	if (!hl)
		return;
	*status = http_status(rec->block, hl);
	if (http_header_get(rec->block, hl, "Content-Type", mime, mimesz)) {
		size_t i;
		semi = strchr(mime, ';');
		if (semi)
			*semi = '\0';
		for (i = strlen(mime); i > 0 && (mime[i - 1] == ' ' || mime[i - 1] == '\t'); i--)
			mime[i - 1] = '\0';
		for (i = 0; mime[i]; i++)
			mime[i] = lc(mime[i]);
	}
}

static int add_entry(index_t *ix, const warc_rec_t *rec, const char *fname,
                     unsigned fileno, int revisit)
{
	const char *url = warc_rec_get(rec, "WARC-Target-URI");
	const char *date = warc_rec_get(rec, "WARC-Date");
	const char *id = warc_rec_get(rec, "WARC-Record-ID");
	const char *pd = warc_rec_get(rec, "WARC-Payload-Digest");
	const char *ct = warc_rec_get(rec, "Content-Type");
	char mime[256];
	int status = 0, rc;
	arc_buf_t line = { 0 };
	entry_t *e;

	if (!url || !date)
		return ARC_EFORMAT;
	mime[0] = '\0';
	if (ct && !strncasecmp(ct, "application/http", 16)) {
		http_facts(rec, &status, mime, sizeof mime);
	} else if (ct) {
		size_t n = strcspn(ct, "; \t");
		if (n >= sizeof mime)
			n = sizeof mime - 1;
		memcpy(mime, ct, n);
		mime[n] = '\0';
	}
	if (revisit)
		memcpy(mime, "warc/revisit", sizeof "warc/revisit");
	rc = cdxj_format_line(url, date, mime, status, pd, rec->length, rec->offset,
	                      fname, NULL, &line);
	if (rc != ARC_OK) {
		arc_buf_free(&line);
		return rc;
	}
	if (grow((void **)&ix->e, &ix->cap, ix->n, sizeof *ix->e)) {
		arc_buf_free(&line);
		return ARC_ENOMEM;
	}
	e = &ix->e[ix->n];
	line.data[--line.len] = '\0'; /* drop "}": findings may extend it */
	e->line = (char *)line.data;
	e->keylen = strcspn(e->line, " ");
	e->keylen += 1 + strcspn(e->line + e->keylen + 1, " ");
	e->id = strip_id(id ? id : "");
	e->file = fileno;
	e->offset = rec->offset;
	if (!e->id) {
		free(e->line);
		return ARC_ENOMEM;
	}
	ix->n++;
	return ARC_OK;
}

/* {"verdict":{"doxing":bool,"score":S},"findings":[...]} */
static int add_findings(index_t *ix, const warc_rec_t *rec)
{
	const char *refers = warc_rec_get(rec, "WARC-Refers-To");
	json_t *root, *v, *d, *fs;
	json_error_t je;
	finding_t *f;

	if (!rec->block || rec->block_len > SIZE_MAX)
		return ARC_OK;
	root = json_loadb((const char *)rec->block, (size_t)rec->block_len, 0, &je);
	if (!root)
		return ARC_OK; /* not ours to judge here; the verifier reports it */
	if (!refers) {
		json_t *t = json_object_get(root, "target");
		refers = json_is_string(t) ? json_string_value(t) : NULL;
	}
	v = json_object_get(root, "verdict");
	d = json_is_object(v) ? json_object_get(v, "doxing") : NULL;
	fs = json_object_get(root, "findings");
	if (!refers || !json_is_boolean(d)) {
		json_decref(root);
		return ARC_OK;
	}
	if (grow((void **)&ix->f, &ix->capf, ix->nf, sizeof *ix->f)) {
		json_decref(root);
		return ARC_ENOMEM;
	}
	f = &ix->f[ix->nf];
	f->refers = strip_id(refers);
	f->doxing = json_is_true(d);
	f->findings = json_is_array(fs) ? json_array_size(fs) : 0;
	f->seq = ix->nf;
	json_decref(root);
	if (!f->refers)
		return ARC_ENOMEM;
	ix->nf++;
	return ARC_OK;
}

static int index_file(index_t *ix, const char *dir, const char *fname, unsigned fileno,
                      arc_error_t *err)
{
	char path[PATH_MAX];
	warc_reader_t *r;
	warc_rec_t rec;
	int rc;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, fname) >= sizeof path)
		return arc_fail(err, ARC_EINVAL, dir, 0, NULL, "%s/%s: path too long", dir, fname);
	r = warc_reader_open(path, NULL, err);
	if (!r)
		return err ? err->code : ARC_EIO;
	while ((rc = warc_reader_next(r, &rec, err)) == 1) {
		const char *type = warc_rec_get(&rec, "WARC-Type");
		const char *ct = warc_rec_get(&rec, "Content-Type");
		int a = ARC_OK;
		if (!type)
			continue;
		if (!strcmp(type, "response") || !strcmp(type, "revisit")) {
			a = add_entry(ix, &rec, fname, fileno, !strcmp(type, "revisit"));
			if (a == ARC_EFORMAT)
				a = ARC_OK; /* no URI or date: nothing a replay tool could look up */
		} else if (!strcmp(type, "metadata") && ct &&
		           !strncasecmp(ct, "application/vnd.custody.findings+json", 37)) {
			a = add_findings(ix, &rec);
		}
		if (a != ARC_OK) {
			rc = arc_fail(err, a, path, rec.offset, "", "%s: indexing the record at offset %llu: %s",
			              path, (unsigned long long)rec.offset, arc_strerror(a));
			break;
		}
	}
	warc_reader_free(r);
	return rc < 0 ? rc : ARC_OK;
}

static int cmp_entry(const void *a, const void *b)
{
	const entry_t *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c;

	/* "KEY TS": compare the key alone first so "a)/ ..." < "a)/x ..." holds
	 * whatever byte follows the shorter key */
	size_t kx = strcspn(x->line, " "), ky = strcspn(y->line, " ");
	size_t k = kx < ky ? kx : ky;
	c = memcmp(x->line, y->line, k);
	if (c || kx != ky)
		return c ? c : (kx < ky ? -1 : 1);
	c = memcmp(x->line, y->line, n);
	if (c)
		return c;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

static int cmp_refers(const void *a, const void *b)
{
	return strcmp(((const finding_t *)a)->refers, ((const finding_t *)b)->refers);
}

static int cmp_finding(const void *a, const void *b)
{
	const finding_t *x = a, *y = b;
	int c = strcmp(x->refers, y->refers);

	return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

typedef struct {
	long num;
	char name[64];
} capfile_t;

static int cmp_capfile(const void *a, const void *b)
{
	const capfile_t *x = a, *y = b;
	int c = x->num < y->num ? -1 : x->num > y->num;

	return c ? c : strcmp(x->name, y->name);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_index(const index_t *ix, const char *dir, arc_error_t *err)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	arc_buf_t b = { 0 };
	size_t i;
	int fd, rc = ARC_OK;

	if ((size_t)snprintf(dst, sizeof dst, "%s/index.cdxj", dir) >= sizeof dst ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s/.index.cdxj.tmp", dir) >= sizeof tmp)
		return arc_fail(err, ARC_EINVAL, dir, 0, NULL, "%s: path too long", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		return arc_fail(err, ARC_EIO, tmp, 0, NULL, "cannot create %s: %s", tmp, strerror(e));
	}
	for (i = 0; i < ix->n && rc == ARC_OK; i++) {
		const entry_t *e = &ix->e[i];
		finding_t key, *f = NULL;
		key.refers = e->id;
		if (ix->nf)
			f = bsearch(&key, ix->f, ix->nf, sizeof *ix->f, cmp_refers);
		while (f && f + 1 < ix->f + ix->nf && !strcmp(f[1].refers, e->id))
			f++;
		if (arc_buf_append(&b, e->line, strlen(e->line)) ||
		    (f && arc_buf_printf(&b, ", \"doxing\": %s, \"findings\": %zu",
		                         f->doxing ? "true" : "false", f->findings)) ||
		    arc_buf_append(&b, "}\n", 2))
			rc = ARC_ENOMEM;
		if (rc == ARC_OK && (b.len >= (1u << 20) || i + 1 == ix->n)) {
			if (write_all(fd, b.data, b.len) != 0)
				rc = errno == ENOSPC ? ARC_ENOSPC : ARC_EIO;
			b.len = 0;
		}
	}
	arc_buf_free(&b);
	if (rc == ARC_OK && fsync(fd) != 0)
		rc = ARC_EIO;
	if (close(fd) != 0 && rc == ARC_OK)
		rc = ARC_EIO;
	if (rc == ARC_OK && rename(tmp, dst) != 0)
		rc = ARC_EIO;
	if (rc != ARC_OK) {
		int e = errno;
		unlink(tmp);
		return arc_fail(err, rc, dst, 0, NULL, "cannot write %s: %s", dst,
		                rc == ARC_ENOMEM ? "out of memory" : strerror(e));
	}
	/* make the rename itself durable */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return ARC_OK;
}

static long capture_number(const char *s)
{
	static const char pre[] = "capture-", suf[] = ".warc.zst";
	size_t n = strlen(s), i;
	long v = 0;

	if (n <= 8 + 9 || strncmp(s, pre, 8) || strcmp(s + n - 9, suf) || n - 17 > 9)
		return -1;
	for (i = 8; i < n - 9; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int cdxj_rebuild(const char *dir, arc_error_t *err)
{
	DIR *dh;
	struct dirent *de;
	capfile_t *files = NULL;
	size_t nn = 0, capn = 0, i;
	index_t ix;
	int rc = ARC_OK, first_err = ARC_OK;
	arc_error_t e1;

	if (!dir)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "cdxj_rebuild: no directory");
	memset(&ix, 0, sizeof ix);
	memset(&e1, 0, sizeof e1);
	dh = opendir(dir);
	if (!dh) {
		int e = errno;
		return arc_fail(err, ARC_EIO, dir, 0, NULL, "cannot read %s: %s", dir, strerror(e));
	}
	while ((de = readdir(dh)) != NULL) {
		long n = capture_number(de->d_name);
		if (n < 0)
			continue;
		if (grow((void **)&files, &capn, nn, sizeof *files)) {
			rc = ARC_ENOMEM;
			break;
		}
		files[nn].num = n;
		snprintf(files[nn].name, sizeof files[nn].name, "%s", de->d_name);
		nn++;
	}
	closedir(dh);
	if (rc == ARC_OK)
		qsort(files, nn, sizeof *files, cmp_capfile);
	/* numeric order: capture-100000 comes after capture-99999 */
	for (i = 0; i < nn && rc == ARC_OK; i++) {
		int r = index_file(&ix, dir, files[i].name, (unsigned)i, &e1);
		if (r == ARC_ENOMEM)
			rc = r;
		else if (r != ARC_OK && first_err == ARC_OK)
			first_err = r; /* a damaged file: index what could be read, say so */
	}
	if (rc == ARC_OK) {
		qsort(ix.e, ix.n, sizeof *ix.e, cmp_entry);
		if (ix.nf)
			qsort(ix.f, ix.nf, sizeof *ix.f, cmp_finding);
		rc = write_index(&ix, dir, err);
	} else {
		arc_fail(err, rc, dir, 0, NULL, "%s: out of memory while indexing", dir);
	}
	for (i = 0; i < ix.n; i++) {
		free(ix.e[i].line);
		free(ix.e[i].id);
	}
	for (i = 0; i < ix.nf; i++)
		free(ix.f[i].refers);
	free(ix.e);
	free(ix.f);
	free(files);
	if (rc == ARC_OK && first_err != ARC_OK) {
		if (err)
			*err = e1;
		return first_err;
	}
	return rc;
}
