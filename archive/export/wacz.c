/*
 * wacz.c — export a case, or some of its pages, for the tools archivists
 * replay with: .warc.gz files plus index.cdxj (pywb's `wb-manager add`), or
 * one WACZ 1.1.1 file (ReplayWeb.page opens it from disk).
 *
 * The evidence stays .warc.zst; an export is a faithful re-compression: every
 * record is copied byte for byte (header, block, CRLF CRLF) into its own gzip
 * member, so every WARC-Block-Digest and WARC-Payload-Digest still holds and
 * custody-verify reads the export as it reads the case. Each capture file
 * gives one .warc.gz of the same name (capture-...warc.gz), which keeps
 * names of different cases apart in one pywb collection.
 *
 * A selection (--url, --record) takes each chosen response or revisit with
 * what belongs to it: its request (WARC-Concurrent-To), its capture metadata
 * (WARC-Concurrent-To) and findings (WARC-Refers-To), the original of a
 * revisit, and the warcinfo record of every file something came from. A
 * failed attempt (capture metadata without a response) is chosen by its URL.
 *
 * WACZ layout: archive/<capture-...>.warc.gz, indexes/index.cdxj (offsets of
 * gzip members in those files), pages/pages.jsonl (a header line, then one
 * line per HTML page: id, url, ts, title, and "doxing"/"findings" from the
 * page's findings record), datapackage.json (every other entry with its
 * sha256 and size) and datapackage-digest.json (the sha256 of
 * datapackage.json). Every zip entry is STORED (zip.c).
 *
 * Must never: change a byte of a record, write a partial export under the
 * name asked for (the WACZ is built under a temporary name, then linked to
 * it), replace an existing file, or touch the case directory.
 */
#include "archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#define EXPORT_MAX_TITLE   300      /* bytes of a page title kept */
#define EXPORT_MAX_DECODE  (8u << 20) /* payload decoded to find a title */

/* ---------------------------------------------------------------- case files */

/* The case's capture files in numeric order (archive's one listing). */
static int list_case(const char *dir, arc_case_files_t *l, arc_error_t *err)
{
	int rc = arc_case_files(dir, l, err);

	if (rc == ARC_OK && l->n == 0) {
		arc_case_files_free(l);
		return arc_fail(err, ARC_EINVAL, dir, 0, NULL,
		                "%s holds no capture-*.warc.zst files: not a case directory?", dir);
	}
	return rc;
}

/* ---------------------------------------------------------------- what each record is */

typedef struct {
	char *id, *type, *uri, *conc, *refers;
	size_t file;
	int selected;
} rinfo_t;

typedef struct {
	rinfo_t *v;
	size_t n, cap;
} rtable_t;

static char *bare(const char *id)
{
	size_t n;
	char *d;

	if (!id)
		return NULL;
	while (*id == ' ' || *id == '<')
		id++;
	n = strcspn(id, "> \t");
	if (!(d = malloc(n + 1)))
		return NULL;
	memcpy(d, id, n);
	d[n] = '\0';
	return d;
}

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void rtable_free(rtable_t *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].id);
		free(t->v[i].type);
		free(t->v[i].uri);
		free(t->v[i].conc);
		free(t->v[i].refers);
	}
	free(t->v);
	memset(t, 0, sizeof *t);
}

static int rtable_read(rtable_t *t, const char *dir, const arc_case_file_t *files, size_t nfiles,
                       arc_error_t *err)
{
	char path[PATH_MAX];
	size_t fi;

	for (fi = 0; fi < nfiles; fi++) {
		warc_reader_t *r;
		warc_rec_t rec;
		int rc;

		if ((size_t)snprintf(path, sizeof path, "%s", files[fi].path) >= sizeof path)
			return arc_fail(err, ARC_EINVAL, dir, 0, NULL, "%s: path too long", dir);
		if (!(r = warc_reader_open(path, NULL, err)))
			return err ? err->code : ARC_EIO;
		while ((rc = warc_reader_next(r, &rec, err)) == 1) {
			rinfo_t *x;
			if (arc_vec_reserve((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v, 0)) {
				rc = arc_fail(err, ARC_ENOMEM, path, rec.offset, NULL, "out of memory");
				break;
			}
			x = &t->v[t->n++];
			memset(x, 0, sizeof *x);
			x->file = fi;
			x->id = bare(warc_rec_get(&rec, "WARC-Record-ID"));
			x->type = dup0(warc_rec_get(&rec, "WARC-Type"));
			x->uri = dup0(warc_rec_get(&rec, "WARC-Target-URI"));
			x->conc = bare(warc_rec_get(&rec, "WARC-Concurrent-To"));
			x->refers = bare(warc_rec_get(&rec, "WARC-Refers-To"));
			if (!x->id || !x->type) {
				rc = arc_fail(err, ARC_EFORMAT, path, rec.offset, NULL,
				              "%s: record at offset %llu has no WARC-Record-ID or WARC-Type",
				              path, (unsigned long long)rec.offset);
				break;
			}
		}
		warc_reader_free(r);
		if (rc < 0)
			return rc; /* an export of a damaged case would hide the damage */
	}
	return ARC_OK;
}

static int is_capture(const rinfo_t *x)
{
	return !strcmp(x->type, "response") || !strcmp(x->type, "revisit");
}

/* record id -> rinfo_t *, built once the table is complete */
static arc_map_t *id_map(rtable_t *t, arc_error_t *err, const char *dir)
{
	arc_map_t *m = arc_map_new(0);
	size_t i;

	for (i = 0; m && i < t->n; i++)
		if (arc_map_put(m, t->v[i].id, &t->v[i], NULL) < 0)
			break;
	if (!m || i < t->n) {
		arc_map_free(m, NULL);
		arc_fail(err, ARC_ENOMEM, dir, 0, NULL, "%s: out of memory", dir);
		return NULL;
	}
	return m;
}

/*
 * Selection in three passes: the chosen responses and revisits are marked
 * anchors (selected = 2); then every request and metadata record linked to
 * an anchor (WARC-Concurrent-To, or a metadata record's WARC-Refers-To) and
 * every revisit's original are taken; then the warcinfo of every file that
 * gives something.
 */
static int select_records(rtable_t *t, const arc_export_opts_t *o, const char *dir,
                          arc_error_t *err)
{
	size_t i, k, pl = strlen(ARC_CAPTURE_URN), nfiles = 0;
	unsigned char *files;
	arc_map_t *ids;
	int rc = ARC_OK;

	if (!o || (!o->nurls && !o->nrecords)) {
		for (i = 0; i < t->n; i++)
			t->v[i].selected = 1;
		return ARC_OK;
	}
	if (!(ids = id_map(t, err, dir)))
		return ARC_ENOMEM;
	for (k = 0; k < o->nurls && rc == ARC_OK; k++) {
		size_t hits = 0;
		for (i = 0; i < t->n; i++) {
			rinfo_t *x = &t->v[i];
			if (!x->uri)
				continue;
			if (is_capture(x) && !strcmp(x->uri, o->urls[k])) {
				x->selected = 2;
				hits++;
			} else if (!strcmp(x->type, "metadata") && !x->conc &&
			           !strncmp(x->uri, ARC_CAPTURE_URN, pl) && !strcmp(x->uri + pl, o->urls[k])) {
				x->selected = x->selected ? x->selected : 1; /* an attempt without a response */
				hits++;
			}
		}
		if (!hits)
			rc = arc_fail(err, ARC_EINVAL, dir, 0, NULL, "--url %s: no capture of this URL in %s",
			              o->urls[k], dir);
	}
	for (k = 0; k < o->nrecords && rc == ARC_OK; k++) {
		char *id = bare(o->records[k]);
		rinfo_t *x = id ? arc_map_get(ids, id) : NULL, *a;
		free(id);
		if (!x) {
			rc = arc_fail(err, ARC_EINVAL, dir, 0, NULL, "--record %s: no such record in %s",
			              o->records[k], dir);
			break;
		}
		x->selected = x->selected ? x->selected : 1;
		a = is_capture(x) ? x : arc_map_get(ids, x->conc ? x->conc : x->refers ? x->refers : "");
		if (a && is_capture(a))
			a->selected = 2;
	}
	/* what belongs to an anchor */
	for (i = 0; i < t->n && rc == ARC_OK; i++) {
		rinfo_t *x = &t->v[i], *p = NULL;
		if (x->conc && !is_capture(x))
			p = arc_map_get(ids, x->conc);
		else if (x->refers && !strcmp(x->type, "metadata"))
			p = arc_map_get(ids, x->refers);
		if (p && p->selected == 2)
			x->selected = x->selected ? x->selected : 1;
		if (x->selected == 2 && !strcmp(x->type, "revisit") && x->refers &&
		    (p = arc_map_get(ids, x->refers)) != NULL)
			p->selected = p->selected ? p->selected : 1;
	}
	arc_map_free(ids, NULL);
	/* each file's warcinfo travels with anything taken from that file */
	for (i = 0; i < t->n; i++)
		if (t->v[i].file + 1 > nfiles)
			nfiles = t->v[i].file + 1;
	files = calloc(nfiles ? nfiles : 1, 1);
	if (!files)
		return rc ? rc : arc_fail(err, ARC_ENOMEM, dir, 0, NULL, "%s: out of memory", dir);
	for (i = 0; i < t->n; i++)
		if (t->v[i].selected)
			files[t->v[i].file] = 1;
	for (i = 0; i < t->n; i++)
		if (files[t->v[i].file] && !strcmp(t->v[i].type, "warcinfo"))
			t->v[i].selected = 1;
	free(files);
	return rc;
}

/* ---------------------------------------------------------------- pages */

typedef struct {
	char *url, *ts, *title, *id;
	char *refers;   /* a revisit's original: its findings are the page's */
	int doxing;
	long findings;  /* -1: no findings record */
} page_t;

typedef struct {
	page_t *v;
	size_t n, cap;
	/* findings by response id */
	char **fid;
	int *fdox;
	long *fcount;
	size_t nf, capf;
} pages_t;

static void pages_free(pages_t *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].url);
		free(p->v[i].ts);
		free(p->v[i].title);
		free(p->v[i].id);
		free(p->v[i].refers);
	}
	for (i = 0; i < p->nf; i++)
		free(p->fid[i]);
	free(p->v);
	free(p->fid);
	free(p->fdox);
	free(p->fcount);
	memset(p, 0, sizeof *p);
}

/* Valid UTF-8 copy of n bytes (invalid bytes become U+FFFD), white space
 * runs collapsed to one space, the five common entities undone. */
static char *clean_text(const unsigned char *s, size_t n)
{
	static const struct { const char *e; char c; } ent[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' },
	};
	arc_buf_t b = { 0 };
	size_t i = 0, k;
	int space = 0, rc = 0;

	while (i < n && !rc) {
		unsigned char c = s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
			space = b.len > 0;
			i++;
			continue;
		}
		if (space) {
			rc |= arc_buf_append(&b, " ", 1);
			space = 0;
		}
		if (c == '&') {
			for (k = 0; k < sizeof ent / sizeof ent[0]; k++) {
				size_t el = strlen(ent[k].e);
				if (n - i >= el && !strncasecmp((const char *)s + i, ent[k].e, el)) {
					rc |= arc_buf_append(&b, &ent[k].c, 1);
					i += el;
					break;
				}
			}
			if (k < sizeof ent / sizeof ent[0])
				continue;
		}
		if (c < 0x80) {
			rc |= c < 0x20 ? 0 : arc_buf_append(&b, &c, 1);
			i++;
		} else {
			size_t want = (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3
			            : (c >= 0xf0 && c <= 0xf4) ? 4 : 0, j;
			for (j = 1; j < want; j++)
				if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
					want = 0;
			if (want && ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0) ||
			             (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90)))
				want = 0;
			if (want) {
				rc |= arc_buf_append(&b, s + i, want);
				i += want;
			} else {
				rc |= arc_buf_append(&b, "\xef\xbf\xbd", 3);
				i++;
			}
		}
	}
	rc |= arc_buf_append(&b, "", 1);
	if (rc) {
		arc_buf_free(&b);
		return NULL;
	}
	return (char *)b.data;
}

/* The text of the first <title> of an HTML response, or NULL. */
static char *html_title(const warc_rec_t *rec)
{
	unsigned char *body = NULL;
	size_t len = 0, i, s, e;
	int partial = 0;
	char *t = NULL;

	if (http_decoded_payload(rec->block, (size_t)rec->block_len, EXPORT_MAX_DECODE, &body, &len,
	                         &partial, NULL) != 0) {
		free(body);
		return NULL;
	}
	for (i = 0; i + 7 <= len; i++)
		if (!strncasecmp((const char *)body + i, "<title", 6) &&
		    (body[i + 6] == '>' || body[i + 6] == ' ' || body[i + 6] == '\t' || body[i + 6] == '\n'))
			break;
	if (i + 7 <= len) {
		for (s = i + 6; s < len && body[s] != '>'; s++)
			;
		s++;
		for (e = s; e + 8 <= len && strncasecmp((const char *)body + e, "</title", 7); e++)
			;
		if (s < len && e + 8 <= len) {
			if (e - s > EXPORT_MAX_TITLE)
				e = s + EXPORT_MAX_TITLE;
			t = clean_text(body + s, e - s);
		}
	}
	free(body);
	return t;
}

static int is_html_page(const warc_rec_t *rec, int *status)
{
	size_t hl = http_header_end(rec->block, (size_t)rec->block_len);
	char ct[128];

	*status = hl ? http_status(rec->block, hl) : 0;
	if (!hl || *status < 200 || *status > 299)
		return 0;
	if (!http_header_get(rec->block, hl, "Content-Type", ct, sizeof ct))
		return 0;
	return !strncasecmp(ct, "text/html", 9) || !strncasecmp(ct, "application/xhtml+xml", 21);
}

static int add_page(pages_t *p, const warc_rec_t *rec, const char *url)
{
	page_t *x;
	size_t i;
	int status;
	const char *ts = warc_rec_get(rec, "WARC-Date");

	if (!url || !ts || !is_html_page(rec, &status))
		return ARC_OK;
	for (i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].url, url))
			return ARC_OK; /* one line per page: its first capture */
	if (arc_vec_reserve((void **)&p->v, &p->cap, p->n + 1, sizeof *p->v, 0))
		return ARC_ENOMEM;
	x = &p->v[p->n];
	memset(x, 0, sizeof *x);
	x->url = strdup(url);
	x->ts = strdup(ts);
	x->id = bare(warc_rec_get(rec, "WARC-Record-ID"));
	x->refers = bare(warc_rec_get(rec, "WARC-Refers-To"));
	x->title = html_title(rec);
	x->findings = -1;
	p->n++;
	return x->url && x->ts && x->id ? ARC_OK : ARC_ENOMEM;
}

static int add_findings(pages_t *p, const warc_rec_t *rec)
{
	json_t *root = json_loadb((const char *)rec->block, (size_t)rec->block_len, 0, NULL);
	json_t *v, *f, *it;
	long count = 0;
	size_t k;
	char *id = bare(warc_rec_get(rec, "WARC-Refers-To"));

	if (!root || !id) {
		json_decref(root);
		free(id);
		return ARC_OK;
	}
	if (p->nf == p->capf) {
		size_t nc = p->capf ? p->capf * 2 : 64;
		char **a = realloc(p->fid, nc * sizeof *a);
		int *b = a ? realloc(p->fdox, nc * sizeof *b) : NULL;
		long *c = b ? realloc(p->fcount, nc * sizeof *c) : NULL;
		if (a)
			p->fid = a;
		if (b)
			p->fdox = b;
		if (!c) {
			json_decref(root);
			free(id);
			return ARC_ENOMEM;
		}
		p->fcount = c;
		p->capf = nc;
	}
	v = json_object_get(root, "verdict");
	f = json_object_get(root, "findings");
	/* as custody ls counts: personal data, not the dox keywords */
	json_array_foreach(f, k, it) {
		const char *t = json_string_value(json_object_get(it, "type"));
		if (!t || strcmp(t, "dox_keyword"))
			count++;
	}
	p->fid[p->nf] = id;
	p->fdox[p->nf] = json_is_true(json_object_get(v, "doxing"));
	p->fcount[p->nf] = count;
	p->nf++;
	json_decref(root);
	return ARC_OK;
}

static void pages_resolve(pages_t *p, size_t *doxing)
{
	size_t i, j;

	*doxing = 0;
	for (i = 0; i < p->n; i++) {
		page_t *x = &p->v[i];
		for (j = 0; j < p->nf; j++)
			if (!strcmp(p->fid[j], x->id) || (x->refers && !strcmp(p->fid[j], x->refers))) {
				x->doxing = p->fdox[j];
				x->findings = p->fcount[j];
			}
		*doxing += x->doxing != 0;
	}
}

static int pages_jsonl(const pages_t *p, arc_buf_t *out)
{
	size_t i;
	int rc = 0;
	char *line;

	rc |= arc_buf_append(out, "{\"format\": \"json-pages-1.0\", \"id\": \"pages\", \"title\": \"All Pages\"}\n",
	                     strlen("{\"format\": \"json-pages-1.0\", \"id\": \"pages\", \"title\": \"All Pages\"}\n"));
	for (i = 0; i < p->n && !rc; i++) {
		const page_t *x = &p->v[i];
		json_t *o = json_object();
		const char *id = strncmp(x->id, "urn:uuid:", 9) ? x->id : x->id + 9;
		char *url = clean_text((const unsigned char *)x->url, strlen(x->url));

		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "url", json_string(url ? url : ""));
		json_object_set_new(o, "ts", json_string(x->ts));
		if (x->title)
			json_object_set_new(o, "title", json_string(x->title));
		if (x->findings >= 0) {
			json_object_set_new(o, "doxing", json_boolean(x->doxing));
			json_object_set_new(o, "findings", json_integer(x->findings));
		}
		free(url);
		line = json_dumps(o, JSON_PRESERVE_ORDER);
		json_decref(o);
		if (!line)
			return ARC_ENOMEM;
		rc |= arc_buf_append(out, line, strlen(line));
		rc |= arc_buf_append(out, "\n", 1);
		free(line);
	}
	return rc ? ARC_ENOMEM : ARC_OK;
}

/* ---------------------------------------------------------------- writing .warc.gz */

static void gz_name(const char *zst, char *out, size_t outsz)
{
	size_t n = strlen(zst) - 4; /* ".zst" */
	snprintf(out, outsz, "%.*s.gz", (int)n, zst);
}

/* Every selected record of every file, one gzip member each, into
 * out_dir/<name>.warc.gz; names[] gets the files written. */
static int write_gz(const char *dir, const arc_case_file_t *files, size_t nfiles, const rtable_t *t,
                    const char *out_dir, char ***names, size_t *nnames, pages_t *pages,
                    arc_export_stats_t *st, arc_error_t *err)
{
	char path[PATH_MAX], opath[PATH_MAX], gz[300];
	arc_buf_t m = { 0 };
	size_t fi, ri = 0, i;
	int rc = ARC_OK;

	*names = calloc(nfiles ? nfiles : 1, sizeof **names);
	*nnames = 0;
	if (!*names)
		return arc_fail(err, ARC_ENOMEM, dir, 0, NULL, "out of memory");
	for (fi = 0; fi < nfiles && rc == ARC_OK; fi++) {
		warc_reader_t *r;
		warc_rec_t rec;
		int fd = -1, nr;
		size_t any = 0;

		for (i = ri; i < t->n && t->v[i].file == fi; i++)
			any += t->v[i].selected;
		if (!any) {
			ri = i;
			continue;
		}
		gz_name(files[fi].name, gz, sizeof gz);
		if ((size_t)snprintf(path, sizeof path, "%s", files[fi].path) >= sizeof path ||
		    (size_t)snprintf(opath, sizeof opath, "%s/%s", out_dir, gz) >= sizeof opath)
			return arc_fail(err, ARC_EINVAL, out_dir, 0, NULL, "%s: path too long", out_dir);
		fd = open(opath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return arc_fail(err, ARC_EIO, opath, 0, NULL, "cannot create %s: %s", opath,
			                strerror(errno));
		(*names)[(*nnames)++] = strdup(gz);
		if (!(r = warc_reader_open(path, NULL, err))) {
			close(fd);
			return err ? err->code : ARC_EIO;
		}
		/* the same order as pass one, so record i of this file is t->v[ri] */
		while (rc == ARC_OK && (nr = warc_reader_next(r, &rec, err)) == 1) {
			const rinfo_t *x = ri < t->n ? &t->v[ri] : NULL;
			const char *type = warc_rec_get(&rec, "WARC-Type");
			ri++;
			if (!x || x->file != fi) {
				rc = arc_fail(err, ARC_EIO, path, rec.offset, NULL,
				              "%s changed while exporting", path);
				break;
			}
			if (!x->selected)
				continue;
			m.len = 0;
			/* header, block and CRLF CRLF lie together in the reader's buffer */
			if (arc_gzip_member(rec.header, rec.header_len + (size_t)rec.block_len + 4, &m)) {
				rc = arc_fail(err, ARC_ENOMEM, path, rec.offset, NULL, "out of memory");
				break;
			}
			{
				const unsigned char *p = m.data;
				size_t left = m.len;
				while (left) {
					ssize_t w = write(fd, p, left);
					if (w < 0 && errno == EINTR)
						continue;
					if (w <= 0) {
						rc = arc_fail(err, errno == ENOSPC ? ARC_ENOSPC : ARC_EIO, opath, 0,
						              NULL, "cannot write %s: %s", opath, strerror(errno));
						break;
					}
					p += w;
					left -= (size_t)w;
				}
			}
			if (st) {
				st->records++;
				st->bytes += m.len;
			}
			if (rc == ARC_OK && pages && type && (!strcmp(type, "response") || !strcmp(type, "revisit")))
				rc = add_page(pages, &rec, warc_rec_get(&rec, "WARC-Target-URI"));
			else if (rc == ARC_OK && pages && type && !strcmp(type, "metadata")) {
				if (arc_ct_is(warc_rec_get(&rec, "Content-Type"), ARC_CT_FINDINGS))
					rc = add_findings(pages, &rec);
			}
			if (rc == ARC_ENOMEM)
				arc_fail(err, rc, path, rec.offset, NULL, "out of memory");
		}
		warc_reader_free(r);
		if (rc == ARC_OK && nr < 0)
			rc = nr;
		if (fsync(fd) != 0 && rc == ARC_OK)
			rc = arc_fail(err, ARC_EIO, opath, 0, NULL, "cannot sync %s: %s", opath, strerror(errno));
		if (close(fd) != 0 && rc == ARC_OK)
			rc = arc_fail(err, ARC_EIO, opath, 0, NULL, "cannot write %s: %s", opath, strerror(errno));
		if (st)
			st->files++;
	}
	for (i = 0; i < *nnames; i++)
		if (!(*names)[i] && rc == ARC_OK)
			rc = arc_fail(err, ARC_ENOMEM, dir, 0, NULL, "out of memory");
	arc_buf_free(&m);
	return rc;
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

static int write_file(const char *path, const void *buf, size_t n, arc_error_t *err)
{
	FILE *f = fopen(path, "wbx");

	if (!f)
		return arc_fail(err, ARC_EIO, path, 0, NULL, "cannot create %s: %s", path, strerror(errno));
	if ((n && fwrite(buf, 1, n, f) != n) || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		int e = errno;
		fclose(f);
		return arc_fail(err, e == ENOSPC ? ARC_ENOSPC : ARC_EIO, path, 0, NULL,
		                "cannot write %s: %s", path, strerror(e));
	}
	return fclose(f) == 0 ? ARC_OK
	       : arc_fail(err, ARC_EIO, path, 0, NULL, "cannot write %s: %s", path, strerror(errno));
}

/* Both exports: read, select, write the .warc.gz files into out_dir and
 * build their index. */
static int export_gz(const char *case_dir, const char *out_dir, const arc_export_opts_t *o,
                     char ***names, size_t *nnames, arc_buf_t *index, pages_t *pages,
                     arc_export_stats_t *st, arc_error_t *err)
{
	arc_case_files_t files;
	rtable_t t;
	int rc;

	memset(&t, 0, sizeof t);
	*names = NULL;
	*nnames = 0;
	rc = list_case(case_dir, &files, err);
	if (rc != ARC_OK)
		return rc;
	rc = rtable_read(&t, case_dir, files.v, files.n, err);
	if (rc == ARC_OK)
		rc = select_records(&t, o, case_dir, err);
	if (rc == ARC_OK)
		rc = write_gz(case_dir, files.v, files.n, &t, out_dir, names, nnames, pages, st, err);
	if (rc == ARC_OK)
		rc = cdxj_build(out_dir, (const char *const *)*names, *nnames, index, err);
	rtable_free(&t);
	arc_case_files_free(&files);
	return rc;
}

int arc_export_warcgz(const char *case_dir, const char *out_dir, const arc_export_opts_t *o,
                      arc_export_stats_t *st, arc_error_t *err)
{
	char **names = NULL, path[PATH_MAX];
	size_t nnames = 0;
	arc_buf_t index = { 0 };
	int rc;

	if (st)
		memset(st, 0, sizeof *st);
	if (!case_dir || !out_dir)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "export: no case or no output");
	if (mkdir(out_dir, 0755) != 0 && errno != EEXIST)
		return arc_fail(err, ARC_EIO, out_dir, 0, NULL, "cannot create %s: %s", out_dir,
		                strerror(errno));
	if ((size_t)snprintf(path, sizeof path, "%s/index.cdxj", out_dir) >= sizeof path)
		return arc_fail(err, ARC_EINVAL, out_dir, 0, NULL, "%s: path too long", out_dir);
	rc = export_gz(case_dir, out_dir, o, &names, &nnames, &index, NULL, st, err);
	if (rc == ARC_OK)
		rc = write_file(path, index.data ? (const void *)index.data : "", index.len, err);
	free_names(names, nnames);
	arc_buf_free(&index);
	return rc;
}

/* ---------------------------------------------------------------- WACZ */

static int add_resource(json_t *res, const char *zpath, const char *sha, uint64_t size)
{
	const char *name = strrchr(zpath, '/');
	json_t *r = json_object();

	json_object_set_new(r, "name", json_string(name ? name + 1 : zpath));
	json_object_set_new(r, "path", json_string(zpath));
	json_object_set_new(r, "hash", json_string(sha));
	json_object_set_new(r, "bytes", json_integer((json_int_t)size));
	return json_array_append_new(res, r) ? ARC_ENOMEM : ARC_OK;
}

static void remove_tree(const char *dir, char **names, size_t n)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; names && i < n; i++)
		if (names[i] && (size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) < sizeof path)
			unlink(path);
	if ((size_t)snprintf(path, sizeof path, "%s/index.cdxj", dir) < sizeof path)
		unlink(path);
	rmdir(dir);
}

int arc_export_wacz(const char *case_dir, const char *out_path, const arc_export_opts_t *o,
                    arc_export_stats_t *st, arc_error_t *err)
{
	char tmpdir[PATH_MAX], tmpzip[PATH_MAX], src[PATH_MAX], zname[PATH_MAX];
	char sha[ARC_DIGEST_LEN], now[ARC_DATE_LEN];
	char **names = NULL;
	size_t nnames = 0, i, ndox = 0;
	arc_buf_t index = { 0 }, pj = { 0 };
	pages_t pages;
	arc_zip_t *z = NULL;
	json_t *dp = NULL, *res;
	char *dps = NULL, *dds = NULL;
	uint64_t size;
	int rc;

	if (st)
		memset(st, 0, sizeof *st);
	memset(&pages, 0, sizeof pages);
	if (!case_dir || !out_path)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "export: no case or no output");
	if ((size_t)snprintf(tmpdir, sizeof tmpdir, "%s.parts-XXXXXX", out_path) >= sizeof tmpdir ||
	    (size_t)snprintf(tmpzip, sizeof tmpzip, "%s.tmp", out_path) >= sizeof tmpzip)
		return arc_fail(err, ARC_EINVAL, out_path, 0, NULL, "%s: path too long", out_path);
	if (access(out_path, F_OK) == 0)
		return arc_fail(err, ARC_EIO, out_path, 0, NULL, "cannot create %s: the file exists", out_path);
	if (!mkdtemp(tmpdir))
		return arc_fail(err, ARC_EIO, out_path, 0, NULL, "cannot create a work directory next to %s: %s",
		                out_path, strerror(errno));
	rc = export_gz(case_dir, tmpdir, o, &names, &nnames, &index, &pages, st, err);
	if (rc == ARC_OK) {
		pages_resolve(&pages, &ndox);
		if (st) {
			st->pages = pages.n;
			st->doxing_pages = ndox;
		}
		rc = pages_jsonl(&pages, &pj);
		if (rc)
			arc_fail(err, rc, out_path, 0, NULL, "out of memory");
	}
	if (rc == ARC_OK && !(z = arc_zip_create(tmpzip, err)))
		rc = err ? err->code : ARC_EIO;
	dp = json_object();
	res = json_array();
	/* archives first, as in every WACZ: a reader finds them by the index */
	for (i = 0; rc == ARC_OK && i < nnames; i++) {
		if ((size_t)snprintf(src, sizeof src, "%s/%s", tmpdir, names[i]) >= sizeof src ||
		    (size_t)snprintf(zname, sizeof zname, "archive/%s", names[i]) >= sizeof zname) {
			rc = arc_fail(err, ARC_EINVAL, tmpdir, 0, NULL, "%s: path too long", tmpdir);
			break;
		}
		rc = arc_zip_add_file(z, zname, src, sha, &size, err);
		if (rc == ARC_OK)
			rc = add_resource(res, zname, sha, size);
	}
	if (rc == ARC_OK) {
		arc_sha256_hex(index.data ? (const void *)index.data : "", index.len, sha);
		rc = arc_zip_add_mem(z, "indexes/index.cdxj", index.data, index.len, err);
		if (rc == ARC_OK)
			rc = add_resource(res, "indexes/index.cdxj", sha, index.len);
	}
	if (rc == ARC_OK) {
		arc_sha256_hex(pj.data, pj.len, sha);
		rc = arc_zip_add_mem(z, "pages/pages.jsonl", pj.data, pj.len, err);
		if (rc == ARC_OK)
			rc = add_resource(res, "pages/pages.jsonl", sha, pj.len);
	}
	if (rc == ARC_OK) {
		const char *title = o && o->title ? o->title : strrchr(case_dir, '/');
		title = title ? (title[0] == '/' ? title + 1 : title) : case_dir;
		arc_now(now);
		json_object_set_new(dp, "profile", json_string("data-package"));
		json_object_set_new(dp, "wacz_version", json_string("1.1.1"));
		json_object_set_new(dp, "title", json_string(*title ? title : case_dir));
		json_object_set_new(dp, "software", json_string(o && o->software ? o->software : "custody"));
		json_object_set_new(dp, "created", json_string(now));
		if (pages.n) {
			json_object_set_new(dp, "mainPageURL", json_string(pages.v[0].url));
			json_object_set_new(dp, "mainPageDate", json_string(pages.v[0].ts));
		}
		json_object_set(dp, "resources", res);
		dps = json_dumps(dp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (!dps)
			rc = arc_fail(err, ARC_ENOMEM, out_path, 0, NULL,
			              "cannot make datapackage.json (a title or URL that is not UTF-8?)");
	}
	if (rc == ARC_OK)
		rc = arc_zip_add_mem(z, "datapackage.json", dps, strlen(dps), err);
	if (rc == ARC_OK) {
		json_t *dd = json_object();
		arc_sha256_hex(dps, strlen(dps), sha);
		json_object_set_new(dd, "path", json_string("datapackage.json"));
		json_object_set_new(dd, "hash", json_string(sha));
		dds = json_dumps(dd, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(dd);
		rc = dds ? arc_zip_add_mem(z, "datapackage-digest.json", dds, strlen(dds), err)
		         : arc_fail(err, ARC_ENOMEM, out_path, 0, NULL, "out of memory");
	}
	if (rc == ARC_OK)
		rc = arc_zip_close(z, err);
	arc_zip_free(z);
	/* link, not rename: an existing file of that name is never replaced */
	if (rc == ARC_OK && link(tmpzip, out_path) != 0)
		rc = arc_fail(err, ARC_EIO, out_path, 0, NULL, "cannot create %s: %s", out_path,
		              errno == EEXIST ? "the file exists" : strerror(errno));
	unlink(tmpzip);
	remove_tree(tmpdir, names, nnames);
	free_names(names, nnames);
	json_decref(res);
	json_decref(dp);
	free(dps);
	free(dds);
	arc_buf_free(&index);
	arc_buf_free(&pj);
	pages_free(&pages);
	return rc;
}
