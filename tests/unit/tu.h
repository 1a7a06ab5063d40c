/*
 * tu.h — the tiny unit-test harness: CHECK counts, TU_END prints the closing
 * line "N passed, N failed" and returns the exit status.
 */
#ifndef CUSTODY_TU_H
#define CUSTODY_TU_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tu_pass, tu_fail;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (cond) {                                                  \
			tu_pass++;                                           \
		} else {                                                     \
			tu_fail++;                                           \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);          \
			printf(__VA_ARGS__);                                 \
			printf("\n");                                        \
		}                                                            \
	} while (0)

#define CHECK_STR(got, want)                                                 \
	CHECK((got) && !strcmp((got), (want)), "got '%s', want '%s'",         \
	      (got) ? (got) : "(null)", (want))

/* out = "$TMPDIR/name" (/tmp without TMPDIR): parallel test runs each set their own TMPDIR,
 * so no test shares a temporary path with another run. */
static inline void tu_tmp(char *out, size_t n, const char *name)
{
	const char *t = getenv("TMPDIR");
	snprintf(out, n, "%s/%s", t && *t ? t : "/tmp", name);
}

#define TU_END()                                                             \
	do {                                                                 \
		printf("%d passed, %d failed\n", tu_pass, tu_fail);          \
		return tu_fail ? 1 : 0;                                      \
	} while (0)

#endif
