/*
 * test_kit.c — archive/kit.c: the growable array's cap and overflow guard,
 * the string map (growth, duplicates, NULL values, a bound), the bounded file
 * read (whole, truncated at the bound, refused past it, missing file named).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "tu.h"

static void test_vec(void)
{
	int *v = NULL;
	size_t cap = 0;
	void *p = v;

	CHECK(arc_vec_reserve(&p, &cap, 1, sizeof *v, 0) == 0 && cap >= 1, "first reserve");
	CHECK(arc_vec_reserve(&p, &cap, 1000, sizeof *v, 0) == 0 && cap >= 1000, "grow to 1000: %zu", cap);
	v = p;
	for (int i = 0; i < 1000; i++)
		v[i] = i;
	CHECK(arc_vec_reserve(&p, &cap, 2000, sizeof *v, 1500) == ARC_ELIMIT, "past the cap refused");
	CHECK(p == v && cap >= 1000 && v[999] == 999, "kept on refusal");
	CHECK(arc_vec_reserve(&p, &cap, 1500, sizeof *v, 1500) == 0 && cap == 1500, "exactly the cap: %zu", cap);
	CHECK(arc_vec_reserve(&p, &cap, SIZE_MAX / 2, 16, 0) == ARC_ELIMIT, "overflowing size refused");
	v = p;
	CHECK(v[999] == 999, "contents kept");
	free(p);
}

static void test_map(void)
{
	arc_map_t *m = arc_map_new(0);
	char k[32];
	void *old = NULL, *val = (void *)1;

	CHECK(m != NULL, "new");
	if (!m)
		return;
	int puts = 1;
	for (uintptr_t i = 0; i < 10000; i++) {
		snprintf(k, sizeof k, "key-%lu", (unsigned long)i);
		puts &= arc_map_put(m, k, (void *)(i + 1), NULL) == 0;
	}
	CHECK(puts, "10000 puts");
	CHECK(arc_map_count(m) == 10000, "count %zu", arc_map_count(m));
	int all = 1;
	for (uintptr_t i = 0; i < 10000; i++) {
		snprintf(k, sizeof k, "key-%lu", (unsigned long)i);
		all &= (uintptr_t)arc_map_get(m, k) == i + 1;
	}
	CHECK(all, "every key finds its value after growth");
	CHECK(arc_map_put(m, "key-42", (void *)7, &old) == 1 && (uintptr_t)old == 43, "duplicate: old value");
	CHECK((uintptr_t)arc_map_get(m, "key-42") == 43, "duplicate changes nothing");
	CHECK(!arc_map_find(m, "key-10000", NULL) && arc_map_get(m, "") == NULL, "absent keys");
	CHECK(arc_map_put(m, "", NULL, NULL) == 0 && arc_map_find(m, "", &val) && val == NULL,
	      "empty key, NULL value: found");
	CHECK(arc_map_put(m, NULL, NULL, NULL) == ARC_EINVAL, "NULL key refused");
	arc_map_free(m, NULL);

	m = arc_map_new(3);
	CHECK(m && arc_map_put(m, "a", NULL, NULL) == 0 && arc_map_put(m, "b", NULL, NULL) == 0 &&
	      arc_map_put(m, "c", NULL, NULL) == 0 && arc_map_put(m, "d", NULL, NULL) == ARC_ELIMIT,
	      "bounded map refuses the 4th");
	CHECK(arc_map_put(m, "a", NULL, NULL) == 1, "a key already there is not refused by the bound");
	arc_map_free(m, NULL);

	m = arc_map_new(0);
	CHECK(m && arc_map_put(m, "owned", strdup("value"), NULL) == 0, "owned value");
	arc_map_free(m, free); /* ASan: no leak */
	arc_map_free(NULL, free);
	CHECK(arc_map_get(NULL, "x") == NULL && arc_map_count(NULL) == 0, "NULL map");
}

static void test_read_file(void)
{
	char path[256];
	tu_tmp(path, sizeof path, "custody-kit-XXXXXX");
	int fd = mkstemp(path);
	arc_buf_t b = {0};
	arc_error_t e;
	int cut = -1;

	CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	static char data[200000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)('a' + i % 26);
	CHECK(write(fd, data, sizeof data) == (ssize_t)sizeof data, "write");
	close(fd);

	CHECK(arc_read_file(path, sizeof data, &b, &cut, &e) == 0 && b.len == sizeof data && cut == 0 &&
	      !memcmp(b.data, data, sizeof data), "whole file at exactly the bound");
	b.len = 0;
	CHECK(arc_read_file(path, 70000, &b, &cut, &e) == 0 && b.len == 70000 && cut == 1 &&
	      !memcmp(b.data, data, 70000), "cut at the bound, and says so");
	b.len = 0;
	CHECK(arc_read_file(path, 70000, &b, NULL, &e) == ARC_ELIMIT && strstr(e.msg, path),
	      "refused past the bound without truncated: %s", e.msg);
	b.len = 0;
	CHECK(arc_read_file("/nonexistent/custody-kit", 10, &b, &cut, &e) == ARC_EIO &&
	      strstr(e.msg, "/nonexistent/custody-kit") && strstr(e.msg, "No such file"),
	      "missing file named: %s", e.msg);
	arc_buf_free(&b);
	unlink(path);
}

int main(void)
{
	test_vec();
	test_map();
	test_read_file();
	TU_END();
}
