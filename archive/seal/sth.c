/*
 * sth.c — the signed tree head: the exact text a seal signs and timestamps.
 *
 *     custody-sth-v2\n
 *     case: urn:uuid:<lower-case uuid>\n
 *     kind: opening | reopening | interim | closing\n
 *     tree-size: 1234\n
 *     root: <64 lower-case hex>\n
 *     previous-root: <64 lower-case hex> | none\n
 *     time: 2026-11-30T10:42:07Z\n
 *     files: 3\n
 *     records: 1235\n
 *
 * Nine lines, each ending in one "\n", in this order, nothing else. kind
 * says where the seal stands in the case's life: the opening seal covers the
 * first file's warcinfo (and what else is written before the first capture)
 * and starts the trusted capture window; a closing seal ends a session and
 * says, under signature, how many capture files (files, its own included)
 * and records (records, itself included: tree-size + 1) the case holds; a
 * reopening seal begins a later session (--resume, custody stamp with a key).
 * What kind of thing is verified and which case it is are read from here,
 * never from an unsigned field.
 *
 * custody-sth-v1 (six lines: tree-size, root, time, case, previous-root) is
 * still read, for cases written before v2; such a case has no closing seal
 * and is never "verified".
 *
 * The text is small enough to read aloud in court and to feed unchanged to
 * stock `openssl cms -verify -content` and `openssl ts -verify -data`. There
 * is exactly one spelling of each head: the parser rebuilds the text from what
 * it parsed and refuses input that differs from it by a single byte (leading
 * zeros, upper-case hex, CRLF, trailing bytes), so two byte strings never
 * claim the same head.
 *
 * Must never: accept more than SEAL_STH_MAX bytes, read past len, or accept a
 * calendar date that does not exist.
 */
#include "archive.h"

#include <string.h>
#include <time.h>

#define STH_MAGIC    "custody-sth-v1"
#define STH_MAGIC_V2 "custody-sth-v2"

static const char *const kind_names[] = { "", "opening", "reopening", "interim", "closing" };

const char *seal_kind_name(int kind)
{
	return kind >= 0 && kind <= SEAL_KIND_CLOSING ? kind_names[kind] : "";
}

int seal_time_format(int64_t t, char out[SEAL_TIME_LEN])
{
	struct tm tm;
	time_t tt = (time_t)t;

	out[0] = '\0';
	if (t < 0 || t > 253402300799LL || !gmtime_r(&tt, &tm)) /* 9999-12-31T23:59:59Z */
		return ARC_EINVAL;
	if (strftime(out, SEAL_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) != SEAL_TIME_LEN - 1) {
		out[0] = '\0';
		return ARC_EINVAL;
	}
	return ARC_OK;
}

static int digits(const char *s, size_t n, int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int seal_time_parse(const char *s, size_t len, int64_t *out)
{
	int y, mo, d, h, mi, se;
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	time_t t;

	if (!s || len != SEAL_TIME_LEN - 1 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z' || digits(s, 4, &y) ||
	    digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return ARC_EFORMAT;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
		return ARC_EFORMAT;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return ARC_EFORMAT;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return ARC_EFORMAT;
	*out = (int64_t)t;
	return ARC_OK;
}

/* "urn:uuid:" + 8-4-4-4-12 lower-case hex */
static int valid_case_id(const char *s, size_t n)
{
	size_t i;

	if (n != 45 || memcmp(s, "urn:uuid:", 9) != 0)
		return 0;
	for (i = 9; i < n; i++) {
		int dash = (i == 17 || i == 22 || i == 27 || i == 32);
		char c = s[i];
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return 1;
}

int seal_sth_format(const seal_sth_t *s, arc_buf_t *out)
{
	char root[2 * MERKLE_HASH_LEN + 1], prev[2 * MERKLE_HASH_LEN + 1];
	int64_t t;

	if (!s || !out || seal_time_parse(s->time, strlen(s->time), &t) != ARC_OK ||
	    !valid_case_id(s->case_id, strlen(s->case_id)))
		return ARC_EINVAL;
	merkle_hex(s->root, root);
	if (s->has_previous)
		merkle_hex(s->previous_root, prev);
	else
		memcpy(prev, "none", 5);
	if (s->version == SEAL_STH_V2) {
		if (s->kind < SEAL_KIND_OPENING || s->kind > SEAL_KIND_CLOSING || s->files == 0 ||
		    s->tree_size == UINT64_MAX || s->records != s->tree_size + 1)
			return ARC_EINVAL;
		return arc_buf_printf(out, STH_MAGIC_V2 "\ncase: %s\nkind: %s\ntree-size: %llu\nroot: %s\n"
		                      "previous-root: %s\ntime: %s\nfiles: %llu\nrecords: %llu\n",
		                      s->case_id, kind_names[s->kind], (unsigned long long)s->tree_size,
		                      root, prev, s->time, (unsigned long long)s->files,
		                      (unsigned long long)s->records) ? ARC_ENOMEM : ARC_OK;
	}
	if (s->version != 0)
		return ARC_EINVAL;
	return arc_buf_printf(out, STH_MAGIC "\ntree-size: %llu\nroot: %s\ntime: %s\ncase: %s\n"
	                      "previous-root: %s\n", (unsigned long long)s->tree_size, root,
	                      s->time, s->case_id, prev) ? ARC_ENOMEM : ARC_OK;
}

/* Next line of buf starting at *pos, which must begin with key; value is
 * what follows up to (not including) "\n". */
static int take_line(const char *buf, size_t len, size_t *pos, const char *key,
                     const char **val, size_t *vlen)
{
	size_t kl = strlen(key), p = *pos, e;

	if (len - p < kl || memcmp(buf + p, key, kl) != 0)
		return -1;
	p += kl;
	for (e = p; e < len && buf[e] != '\n'; e++)
		;
	if (e >= len)
		return -1;
	*val = buf + p;
	*vlen = e - p;
	*pos = e + 1;
	return 0;
}

/* A decimal without leading zeros, at most 20 digits, no overflow. */
static int take_u64(const char *v, size_t vl, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (vl == 0 || vl > 20 || (vl > 1 && v[0] == '0'))
		return -1;
	for (i = 0; i < vl; i++) {
		unsigned d = (unsigned)(v[i] - '0');
		if (d > 9 || n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

static int canonical(const void *data, size_t len, const seal_sth_t *s, arc_error_t *err)
{
	arc_buf_t again = { 0 };
	int same;

	if (seal_sth_format(s, &again) != ARC_OK) {
		arc_buf_free(&again);
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: fields that do not agree "
		                "(records must be tree-size + 1, files at least 1)");
	}
	same = again.len == len && !memcmp(again.data, data, len);
	arc_buf_free(&again);
	if (!same)
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: not in canonical form");
	return ARC_OK;
}

static int parse_v2(const char *buf, size_t len, seal_sth_t *s, arc_error_t *err)
{
	const char *v;
	size_t pos = 0, vl;
	int64_t t;
	int k;

	s->version = SEAL_STH_V2;
	if (take_line(buf, len, &pos, STH_MAGIC_V2, &v, &vl) || vl != 0)
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: bad first line");
	if (take_line(buf, len, &pos, "case: ", &v, &vl) || !valid_case_id(v, vl))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: bad or missing case line (urn:uuid:...)");
	memcpy(s->case_id, v, vl);
	s->case_id[vl] = '\0';
	if (take_line(buf, len, &pos, "kind: ", &v, &vl))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: missing kind line");
	for (k = SEAL_KIND_OPENING; k <= SEAL_KIND_CLOSING; k++)
		if (strlen(kind_names[k]) == vl && !memcmp(v, kind_names[k], vl))
			s->kind = k;
	if (!s->kind)
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: kind is not opening, reopening, interim or closing");
	if (take_line(buf, len, &pos, "tree-size: ", &v, &vl) || take_u64(v, vl, &s->tree_size))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: bad or missing tree-size line");
	if (take_line(buf, len, &pos, "root: ", &v, &vl) || merkle_unhex(v, vl, s->root))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: bad or missing root line (64 lower-case hex digits)");
	if (take_line(buf, len, &pos, "previous-root: ", &v, &vl))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: missing previous-root line");
	if (vl == 4 && !memcmp(v, "none", 4))
		s->has_previous = 0;
	else if (merkle_unhex(v, vl, s->previous_root) == ARC_OK)
		s->has_previous = 1;
	else
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: bad previous-root (64 lower-case hex digits or none)");
	if (take_line(buf, len, &pos, "time: ", &v, &vl) || seal_time_parse(v, vl, &t))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: bad or missing time line (YYYY-MM-DDThh:mm:ssZ)");
	memcpy(s->time, v, vl);
	s->time[vl] = '\0';
	if (take_line(buf, len, &pos, "files: ", &v, &vl) || take_u64(v, vl, &s->files))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: bad or missing files line");
	if (take_line(buf, len, &pos, "records: ", &v, &vl) || take_u64(v, vl, &s->records))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: bad or missing records line");
	if (pos != len)
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: %zu bytes after the records line", len - pos);
	return canonical(buf, len, s, err);
}

int seal_sth_parse(const void *data, size_t len, seal_sth_t *s, arc_error_t *err)
{
	const char *buf = data, *v;
	size_t pos = 0, vl, i;
	uint64_t size = 0;
	int64_t t;

	memset(s, 0, sizeof *s);
	if (!data || len == 0 || len > SEAL_STH_MAX)
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: %zu bytes (expected 1..%u)",
		                len, SEAL_STH_MAX);
	if (len > sizeof STH_MAGIC_V2 && !memcmp(buf, STH_MAGIC_V2 "\n", sizeof STH_MAGIC_V2)) {
		int rc = parse_v2(buf, len, s, err);
		if (rc != ARC_OK)
			memset(s, 0, sizeof *s);
		return rc;
	}
	if (take_line(buf, len, &pos, STH_MAGIC, &v, &vl) || vl != 0)
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: does not start with the line \"" STH_MAGIC "\"");
	if (take_line(buf, len, &pos, "tree-size: ", &v, &vl) || vl == 0 || vl > 20 ||
	    (vl > 1 && v[0] == '0'))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: bad or missing tree-size line");
	for (i = 0; i < vl; i++) {
		unsigned d = (unsigned)(v[i] - '0');
		if (d > 9 || size > (UINT64_MAX - d) / 10)
			return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: bad tree-size");
		size = size * 10 + d;
	}
	s->tree_size = size;
	if (take_line(buf, len, &pos, "root: ", &v, &vl) || merkle_unhex(v, vl, s->root))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: bad or missing root line (64 lower-case hex digits)");
	if (take_line(buf, len, &pos, "time: ", &v, &vl) || seal_time_parse(v, vl, &t))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: bad or missing time line (YYYY-MM-DDThh:mm:ssZ)");
	memcpy(s->time, v, vl);
	s->time[vl] = '\0';
	if (take_line(buf, len, &pos, "case: ", &v, &vl) || !valid_case_id(v, vl))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: bad or missing case line (urn:uuid:...)");
	memcpy(s->case_id, v, vl);
	s->case_id[vl] = '\0';
	if (take_line(buf, len, &pos, "previous-root: ", &v, &vl))
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: missing previous-root line");
	if (vl == 4 && !memcmp(v, "none", 4))
		s->has_previous = 0;
	else if (merkle_unhex(v, vl, s->previous_root) == ARC_OK)
		s->has_previous = 1;
	else
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: bad previous-root (64 lower-case hex digits or none)");
	if (pos != len)
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL,
		                "tree head: %zu bytes after the previous-root line", len - pos);
	/* one spelling only: what we would write must be what we read */
	return canonical(buf, len, s, err);
}
