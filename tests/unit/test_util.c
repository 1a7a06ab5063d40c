/*
 * test_util.c — archive/util.c: UUIDs, dates, SHA-256 (checked against the
 * openssl command line on real files, empty and multi-MiB), the growable
 * buffer and error values.
 */
#include "archive.h"
#include "tu.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* CHECK_STR on an array would warn that its address is never NULL */
static const char *S(const char *s)
{
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void test_uuid(void)
{
	enum { N = 2000 };
	char **ids = calloc(N, sizeof *ids);
	size_t i, dup = 0, bad = 0;

	for (i = 0; i < N; i++) {
		char u[ARC_UUID_LEN];
		size_t j;
		if (arc_uuid(u) != 0)
			bad++;
		if (strlen(u) != 45 || strncmp(u, "urn:uuid:", 9))
			bad++;
		for (j = 9; j < 45; j++) {
			int dash = (j == 17 || j == 22 || j == 27 || j == 32);
			if (dash ? u[j] != '-' : !is_hex(u[j]))
				bad++;
		}
		if (u[23] != '4' || !strchr("89ab", u[28]))
			bad++;
		ids[i] = strdup(u);
	}
	CHECK(bad == 0, "%zu malformed v4 UUIDs", bad);
	qsort(ids, N, sizeof *ids, cmp_str);
	for (i = 1; i < N; i++)
		if (!strcmp(ids[i - 1], ids[i]))
			dup++;
	CHECK(dup == 0, "%zu duplicate UUIDs in %d", dup, N);
	for (i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
}

static void test_dates(void)
{
	char d[ARC_DATE_LEN], d14[15], want[16], want2[16];
	time_t t = time(NULL), t2;
	struct tm tm;
	size_t i;
	static const char *const bad[] = {
		"", "2026-11-25 17:06:23Z", "2026-11-25T17:06:23", "2026-11-25T17:06:23.Z",
		"2026-11-25T17:06:23Zx", "2026-1-25T17:06:23Z", "20261125170623",
		"2026-11-25T17:06:23+01:00", "2026-11-25T17:06:2aZ",
	};

	CHECK(arc_now(d) == 0, "arc_now");
	t2 = time(NULL); /* the day may change between the two readings of the clock */
	CHECK(strlen(d) == 27 && d[10] == 'T' && d[19] == '.' && d[26] == 'Z',
	      "arc_now format: %s", d);
	CHECK(strspn(d + 20, "0123456789") == 6, "microseconds in %s", d);
	CHECK(arc_date14(d, d14) == 0, "arc_date14(%s)", d);
	gmtime_r(&t, &tm);
	strftime(want, sizeof want, "%Y%m%d", &tm);
	gmtime_r(&t2, &tm);
	strftime(want2, sizeof want2, "%Y%m%d", &tm);
	CHECK(!strncmp(d14, want, 8) || !strncmp(d14, want2, 8), "arc_now is UTC today: %s vs %s..%s", d14,
	      want, want2);
	CHECK(arc_date14("2026-11-25T17:06:23Z", d14) == 0, "plain date");
	CHECK_STR(S(d14), "20261125170623");
	CHECK(arc_date14("2026-11-25T17:06:23.123456Z", d14) == 0, "fraction");
	CHECK_STR(S(d14), "20261125170623");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(arc_date14(bad[i], d14) == ARC_EFORMAT, "accepted bad date '%s'", bad[i]);
	CHECK(arc_date14(NULL, d14) == ARC_EFORMAT, "NULL date");
}

/* sha256 of a file as the openssl command line computes it */
static int openssl_dgst(const char *path, char out[ARC_DIGEST_LEN])
{
	char cmd[1024], line[256];
	FILE *p;
	int ok = 0;

	snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -r '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	if (fgets(line, sizeof line, p) && strlen(line) > 64) {
		memcpy(out, "sha256:", 7);
		memcpy(out + 7, line, 64);
		out[71] = '\0';
		ok = 1;
	}
	pclose(p);
	return ok;
}

static void check_sha_file(const char *dir, const char *name, const unsigned char *data,
                           size_t len)
{
	char path[512], want[ARC_DIGEST_LEN], one[ARC_DIGEST_LEN], st[ARC_DIGEST_LEN];
	unsigned char raw[32];
	FILE *f;
	arc_sha256_t *h;
	size_t off = 0, step = 1;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f != NULL, "create %s", path);
	if (!f)
		return;
	if (len)
		fwrite(data, 1, len, f);
	fclose(f);
	CHECK(openssl_dgst(path, want), "openssl dgst on %s", path);
	arc_sha256_hex(data, len, one);
	CHECK_STR(S(one), want);
	/* streaming in uneven pieces, then again after reset */
	h = arc_sha256_new();
	CHECK(h != NULL, "arc_sha256_new");
	if (!h)
		return;
	arc_sha256_update(h, "garbage", 7);
	arc_sha256_reset(h);
	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		arc_sha256_update(h, data + off, n);
		off += n;
		step = step * 3 + 1;
	}
	arc_sha256_final(h, st);
	CHECK_STR(S(st), want);
	arc_sha256_free(h);
	arc_sha256_raw(data, len, raw);
	CHECK(raw[0] >> 4 == (unsigned)strtol((char[]){ want[7], 0 }, NULL, 16),
	      "raw digest agrees with hex for %s", name);
	unlink(path);
}

static void test_sha256(void)
{
	char dir[256];
	size_t big = 5u << 20, i;
	unsigned char *data = malloc(big);
	uint32_t x = 12345;

	tu_tmp(dir, sizeof dir, "custody-test-util.XXXXXX");
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	for (i = 0; i < big; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (unsigned char)(x >> 16);
	}
	check_sha_file(dir, "empty", data, 0);
	check_sha_file(dir, "abc", (const unsigned char *)"abc", 3);
	check_sha_file(dir, "one-block", data, 64);
	check_sha_file(dir, "big", data, big);
	check_sha_file(dir, "odd", data, big - 12345);
	free(data);
	rmdir(dir);
}

static void test_buf(void)
{
	arc_buf_t b = { 0 };
	char big[5000];
	size_t i, n;

	for (i = 0, n = 0; i < 10000; i++)
		n += arc_buf_printf(&b, "%zu,", i) != 0;
	CHECK(n == 0, "%zu printf calls failed", n);
	CHECK(b.len < b.cap && b.data[b.len] == '\0', "NUL kept after text");
	CHECK(!strncmp((char *)b.data, "0,1,2,3,", 8), "content start");
	CHECK(!strcmp((char *)b.data + b.len - 5, "9999,"), "content end");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	n = b.len;
	CHECK(arc_buf_printf(&b, "[%s]", big) == 0, "long printf");
	CHECK(b.len == n + sizeof big + 1 && b.data[b.len - 1] == ']', "long printf length");
	n = b.len;
	CHECK(arc_buf_append(&b, "abc", (size_t)-1) == ARC_ENOMEM, "overflowing append refused");
	CHECK(arc_buf_append(&b, "abc", (size_t)-1 - b.len) == ARC_ENOMEM, "wrap refused");
	CHECK(b.len == n, "refused append leaves the buffer alone");
	CHECK(arc_buf_append(&b, NULL, 0) == 0, "empty append");
	arc_buf_free(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0, "free resets");
	arc_buf_free(&b); /* twice is fine */
	CHECK(arc_buf_append(&b, "\0x", 2) == 0 && b.len == 2 && b.data[1] == 'x', "binary append");
	arc_buf_free(&b);
}

static void test_errors(void)
{
	arc_error_t e;
	char longname[1000];
	int c;

	for (c = 0; c >= -8; c--)
		CHECK(arc_strerror(c) && *arc_strerror(c) && strcmp(arc_strerror(c), "unknown error"),
		      "strerror(%d)", c);
	CHECK(arc_fail(NULL, ARC_EIO, "f", 1, "r", "x") == ARC_EIO, "NULL err");
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	CHECK(arc_fail(&e, ARC_EDIGEST, longname, 77, "<urn:uuid:x>", "bad %s at %d", longname, 77) ==
	      ARC_EDIGEST, "returns code");
	CHECK(e.code == ARC_EDIGEST && e.offset == 77, "code and offset");
	CHECK(strlen(e.file) == sizeof e.file - 1 && strlen(e.msg) == sizeof e.msg - 1,
	      "long strings truncated");
	CHECK_STR(S(e.record_id), "<urn:uuid:x>");
	arc_fail(&e, ARC_EIO, NULL, 0, NULL, "plain");
	CHECK_STR(S(e.file), "");
	CHECK_STR(S(e.msg), "plain");
}

int main(void)
{
	test_uuid();
	test_dates();
	test_sha256();
	test_buf();
	test_errors();
	TU_END();
}
