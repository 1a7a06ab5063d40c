/*
 * mkrules.c — a build tool: compiles a rules file (samples/rules/default.rules)
 * into the flat image (rules.c, dt_rules_image) that bin/custody embeds, so
 * the built-in rules cost no parsing when custody starts.
 *
 *     mkrules RULES-FILE IMAGE-OUT
 *
 * Must never: be linked into custody (it is a program of the build, with its
 * own main), or write a partial image (it writes IMAGE-OUT.tmp and renames).
 */
#include "detect_int.h"

#include <stdio.h>
#include <stdlib.h>

/* rules.c refers to the embedded image this tool makes: here it has length
 * 0, so detect_rules_load(NULL) parses the embedded text. */
_Alignas(8) const unsigned char detect_default_image[8] = {0};
const size_t detect_default_image_len = 0;

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: mkrules RULES-FILE IMAGE-OUT\n");
		return 2;
	}
	arc_error_t err = {0};
	detect_rules_t *r = detect_rules_load(argv[1], &err);
	if (!r) {
		fprintf(stderr, "mkrules: %s\n", err.msg);
		return 1;
	}
	unsigned char *img = NULL;
	size_t len = 0;
	char tmp[4096];
	int n = snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
	int rc = n > 0 && (size_t)n < sizeof tmp ? dt_rules_image(r, &img, &len) : ARC_ELIMIT;
	detect_rules_free(r);
	FILE *f = rc ? NULL : fopen(tmp, "wb");
	if (!f || fwrite(img, 1, len, f) != len || fclose(f) != 0 || rename(tmp, argv[2]) != 0) {
		fprintf(stderr, "mkrules: cannot write %s\n", argv[2]);
		free(img);
		return 1;
	}
	free(img);
	return 0;
}
