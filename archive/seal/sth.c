/*
 * sth.c — the signed tree head: the exact text a seal signs and timestamps.
 *
 *     custody-sth-v1\n
 *     tree-size: 1234\n
 *     root: <64 lower-case hex>\n
 *     time: 2026-11-30T10:42:07Z\n
 *     case: urn:uuid:<lower-case uuid>\n
 *     previous-root: <64 lower-case hex> | none\n
 *
 * Six lines, each ending in one "\n", in this order, nothing else. The text
 * is small enough to read aloud in court and to feed unchanged to stock
 * `openssl cms -verify -content` and `openssl ts -verify -data`. There is
 * exactly one spelling of each head: the parser rebuilds the text from what
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

#define STH_MAGIC "custody-sth-v1"

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

int seal_sth_parse(const void *data, size_t len, seal_sth_t *s, arc_error_t *err)
{
	const char *buf = data, *v;
	size_t pos = 0, vl, i;
	uint64_t size = 0;
	int64_t t;
	arc_buf_t again = { 0 };
	int same;

	memset(s, 0, sizeof *s);
	if (!data || len == 0 || len > SEAL_STH_MAX)
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: %zu bytes (expected 1..%u)",
		                len, SEAL_STH_MAX);
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
	if (seal_sth_format(s, &again) != ARC_OK) {
		arc_buf_free(&again);
		return arc_fail(err, ARC_ENOMEM, "", 0, NULL, "tree head: out of memory");
	}
	same = again.len == len && !memcmp(again.data, buf, len);
	arc_buf_free(&again);
	if (!same)
		return arc_fail(err, ARC_EFORMAT, "", 0, NULL, "tree head: not in canonical form");
	return ARC_OK;
}
