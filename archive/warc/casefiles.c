/*
 * casefiles.c — the read side of a case directory: which capture files it
 * holds, in which order, and whether one is missing. The crawl (--resume), the
 * index, `custody ls` and the verifier all list a case through this one file.
 *
 * Names: "capture-<id8>-NNNNN.warc.zst", where <id8> is the first 8 hex digits
 * of the case id (so cases pooled in one replay collection never collide) and
 * NNNNN the file's sequence number, 5 to 9 digits; older cases used
 * "capture-NNNNN.warc.zst" and are still read. Order is numeric, never by
 * strcmp: capture-x-100000 comes after capture-x-99999.
 *
 * Must never: trust a directory entry's length, follow a name that is not a
 * capture file, or sort by the name's bytes.
 */
#include "archive.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CF_PREFIX "capture-"
#define CF_SUFFIX ".warc.zst"

static int is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int arc_case_name_parse(const char *name, unsigned long *num, char short_id[9])
{
	size_t pl = sizeof CF_PREFIX - 1, sl = sizeof CF_SUFFIX - 1, n, i, d0;
	unsigned long v = 0;

	if (!name)
		return -1;
	n = strlen(name);
	if (n >= ARC_CASE_NAME_MAX || n <= pl + sl || strncmp(name, CF_PREFIX, pl) ||
	    strcmp(name + n - sl, CF_SUFFIX))
		return -1;
	d0 = pl;
	if (short_id)
		short_id[0] = '\0';
	if (n > pl + 9 && name[pl + 8] == '-') {
		for (i = 0; i < 8; i++)
			if (!is_hex_lower(name[pl + i]))
				return -1;
		if (short_id) {
			memcpy(short_id, name + pl, 8);
			short_id[8] = '\0';
		}
		d0 = pl + 9;
	}
	if (n - sl - d0 < 5 || n - sl - d0 > 9)
		return -1;
	for (i = d0; i < n - sl; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(name[i] - '0');
	}
	if (num)
		*num = v;
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	const arc_case_file_t *x = a, *y = b;
	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return strcmp(x->name, y->name); /* same number twice: a stable order, reported as mixed */
}

void arc_case_files_free(arc_case_files_t *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof *l);
}

int arc_case_files(const char *dir, arc_case_files_t *out, arc_error_t *err)
{
	DIR *dh;
	struct dirent *de;
	size_t cap = 0, dlen;
	int rc = ARC_OK;

	if (!dir || !out)
		return arc_fail(err, ARC_EINVAL, "", 0, NULL, "arc_case_files: bad arguments");
	memset(out, 0, sizeof *out);
	out->gap_missing = -1;
	out->gap_after = -1;
	dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--; /* "case/" must not give "case//capture-..." */
	dh = opendir(dir);
	if (!dh) {
		int e = errno;
		return arc_fail(err, ARC_EIO, dir, 0, NULL,
		                "cannot read %s: %s", dir, strerror(e));
	}
	while ((de = readdir(dh)) != NULL) {
		arc_case_file_t f;
		size_t nl = strlen(de->d_name);
		memset(&f, 0, sizeof f);
		if (arc_case_name_parse(de->d_name, &f.num, f.short_id))
			continue;
		if (out->n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			arc_case_file_t *nv = realloc(out->v, nc * sizeof *nv);
			if (!nv) {
				rc = ARC_ENOMEM;
				break;
			}
			out->v = nv;
			cap = nc;
		}
		memcpy(f.name, de->d_name, nl + 1); /* parse accepted it: nl < ARC_CASE_NAME_MAX */
		f.path = malloc(dlen + 1 + nl + 1);
		if (!f.path) {
			rc = ARC_ENOMEM;
			break;
		}
		memcpy(f.path, dir, dlen);
		f.path[dlen] = '/';
		memcpy(f.path + dlen + 1, de->d_name, nl + 1);
		out->v[out->n++] = f;
	}
	closedir(dh);
	if (rc != ARC_OK) {
		arc_case_files_free(out);
		out->gap_missing = out->gap_after = -1;
		return arc_fail(err, rc, dir, 0, NULL, "%s: out of memory listing the case", dir);
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, cmp_file);
	for (size_t i = 0; i < out->n; i++) {
		unsigned long expect = i ? out->v[i - 1].num + 1 : 0;
		if (i && strcmp(out->v[i].short_id, out->v[0].short_id))
			out->mixed = 1;
		if (i && out->v[i].num == out->v[i - 1].num)
			out->mixed = 1; /* two files claim one place in the sequence */
		else if (out->v[i].num != expect && out->gap_missing < 0) {
			out->gap_missing = (long)expect;
			out->gap_after = (long)i - 1;
		}
	}
	return ARC_OK;
}
