/*
 * kit.c — the small containers every part of custody uses, written once:
 * a growable array with a hard cap (arc_vec_reserve), a string-keyed hash map
 * (arc_map_*, also used as a set), and a bounded read of a whole file
 * (arc_read_file). Like curl's dynbuf and hash.c: one careful copy instead of
 * one per module.
 *
 * The map: open addressing with linear probing, FNV-1a over the key, capacity
 * a power of two kept at most half full; keys are copied and owned by the
 * map, values are the caller's (a pointer, or an integer cast to one).
 *
 * Must never: grow past the cap it was given, overflow a size computation,
 * read more of a file than asked, or print.
 */
#include "archive.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- growable arrays */

int arc_vec_reserve(void **v, size_t *cap, size_t need, size_t elem, size_t max)
{
	size_t nc;
	void *nv;

	if (need <= *cap)
		return ARC_OK;
	if ((max && need > max) || elem == 0 || need > SIZE_MAX / elem)
		return ARC_ELIMIT;
	nc = *cap ? *cap : 8;
	while (nc < need)
		nc = nc > SIZE_MAX / 2 ? need : nc * 2;
	if (max && nc > max)
		nc = max;
	if (nc > SIZE_MAX / elem)
		nc = need;
	nv = realloc(*v, nc * elem);
	if (!nv)
		return ARC_ENOMEM;
	*v = nv;
	*cap = nc;
	return ARC_OK;
}

/* ---------------------------------------------------------------- string map */

typedef struct {
	char *key;      /* NULL: empty slot */
	uint64_t hash;
	void *val;
} map_slot_t;

struct arc_map {
	map_slot_t *s;
	size_t cap;     /* a power of two */
	size_t n;
	size_t max;     /* 0: unbounded */
};

static uint64_t fnv1a(const char *k)
{
	uint64_t h = 1469598103934665603ull;
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ull;
	return h;
}

arc_map_t *arc_map_new(size_t max_entries)
{
	arc_map_t *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->cap = 64;
	m->max = max_entries;
	m->s = calloc(m->cap, sizeof *m->s);
	if (!m->s) {
		free(m);
		return NULL;
	}
	return m;
}

void arc_map_free(arc_map_t *m, void (*free_val)(void *))
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->s[i].key)
			continue;
		free(m->s[i].key);
		if (free_val)
			free_val(m->s[i].val);
	}
	free(m->s);
	free(m);
}

static map_slot_t *slot_of(map_slot_t *s, size_t cap, const char *key, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);
	while (s[i].key && (s[i].hash != h || strcmp(s[i].key, key)))
		i = (i + 1) & (cap - 1);
	return &s[i];
}

int arc_map_find(const arc_map_t *m, const char *key, void **val)
{
	map_slot_t *e;
	if (!m || !key)
		return 0;
	e = slot_of(m->s, m->cap, key, fnv1a(key));
	if (!e->key)
		return 0;
	if (val)
		*val = e->val;
	return 1;
}

void *arc_map_get(const arc_map_t *m, const char *key)
{
	void *v = NULL;
	return arc_map_find(m, key, &v) ? v : NULL;
}

static int grow(arc_map_t *m)
{
	size_t cap = m->cap * 2;
	map_slot_t *ns;
	if (cap < m->cap || cap > SIZE_MAX / sizeof *ns)
		return ARC_ENOMEM;
	ns = calloc(cap, sizeof *ns);
	if (!ns)
		return ARC_ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].key)
			*slot_of(ns, cap, m->s[i].key, m->s[i].hash) = m->s[i];
	free(m->s);
	m->s = ns;
	m->cap = cap;
	return ARC_OK;
}

int arc_map_put(arc_map_t *m, const char *key, void *val, void **old)
{
	uint64_t h;
	map_slot_t *e;
	size_t kl;

	if (!m || !key)
		return ARC_EINVAL;
	h = fnv1a(key);
	e = slot_of(m->s, m->cap, key, h);
	if (e->key) {
		if (old)
			*old = e->val;
		return 1;
	}
	if (m->max && m->n >= m->max)
		return ARC_ELIMIT;
	if ((m->n + 1) * 2 > m->cap) {
		if (grow(m) != ARC_OK)
			return ARC_ENOMEM;
		e = slot_of(m->s, m->cap, key, h);
	}
	kl = strlen(key);
	e->key = malloc(kl + 1);
	if (!e->key)
		return ARC_ENOMEM;
	memcpy(e->key, key, kl + 1);
	e->hash = h;
	e->val = val;
	m->n++;
	return ARC_OK;
}

size_t arc_map_count(const arc_map_t *m)
{
	return m ? m->n : 0;
}

/* ---------------------------------------------------------------- bounded file read */

int arc_read_file(const char *path, size_t max, arc_buf_t *out, int *truncated, arc_error_t *err)
{
	FILE *f;
	int is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "standard input" : path;
	unsigned char chunk[65536];
	size_t n;

	if (truncated)
		*truncated = 0;
	f = is_stdin ? stdin : fopen(path, "rb");
	if (!f) {
		int e = errno;
		return arc_fail(err, ARC_EIO, path, 0, NULL, "%s: cannot open: %s", path, strerror(e));
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		size_t room = out->len < max ? max - out->len : 0;
		if (n > room) {
			if (arc_buf_append(out, chunk, room) != ARC_OK)
				goto oom;
			if (truncated)
				*truncated = 1;
			if (!is_stdin)
				fclose(f);
			if (!truncated)
				return arc_fail(err, ARC_ELIMIT, path, max, NULL, "%s: larger than %zu bytes", name, max);
			return ARC_OK;
		}
		if (arc_buf_append(out, chunk, n) != ARC_OK)
			goto oom;
	}
	if (ferror(f)) {
		int e = errno;
		if (!is_stdin)
			fclose(f);
		return arc_fail(err, ARC_EIO, path, out->len, NULL, "%s: read error: %s", name, strerror(e));
	}
	if (!is_stdin)
		fclose(f);
	return ARC_OK;
oom:
	if (!is_stdin)
		fclose(f);
	return arc_fail(err, ARC_ENOMEM, path, 0, NULL, "%s: out of memory", name);
}

/* ---------------------------------------------------------------- directories */

int arc_mkdirs(const char *dir, unsigned mode)
{
	char tmp[PATH_MAX];
	size_t n = dir ? strlen(dir) : 0, i;

	if (n == 0 || n >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(tmp, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST)
			return -1;
		tmp[i] = dir[i];
	}
	return 0;
}
