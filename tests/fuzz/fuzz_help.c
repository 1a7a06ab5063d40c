/*
 * fuzz_help.c — the help printer (crawler/cli/cli.c: wrap, unit, u8) on
 * arbitrary bytes as a translated description, option help and examples: what
 * a broken or hostile catalogue (po/, a .mo under share/locale) could hand it.
 * It must never read past a string's end, loop, or print a line of wrapped
 * text wider than the width asked for, unless that line is one unit that
 * cannot be broken (a word, or a character with the marks that stick to it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../crawler/cli/i18n.c"
#include "../../crawler/cli/cli.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	int width = CLI_MIN_WIDTH + data[0] % 80;
	char *text = strndup((const char *)data + 1, size - 1);
	if (!text)
		return 0;
	/* wrap straight into memory, then check every line's width */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	wrap(f, text, 8, width);
	fclose(f);
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		int cols = 0, units = 0;
		for (size_t i = 0; i < n;) {
			if (line[i] == ' ') {
				i++;
				continue;
			}
			int mixed;
			size_t u = unit(line + i, &cols, &mixed);
			if (!u || i + u > n)
				u = n - i; /* the rest of the line, as wrap printed it */
			units++;
			i += u;
		}
		/* a line of more than one unit fits (wide characters count two) */
		int w = 0;
		for (size_t i = 0; i < n;) {
			unsigned cp;
			size_t l = u8(line + i, &cp);
			if (i + l > n)
				l = n - i;
			w += wide(cp) ? 2 : (int)l;
			i += l;
		}
		if (units > 1 && w > width + 2)
			abort();
		(void)cols;
		line = nl ? nl + 1 : line + n;
	}
	free(buf);

	/* the whole help, short and full, with the bytes in every place */
	cli_opt_t opts[] = {{"alpha", 'a', "N", text}, {"beta", 0, NULL, text}, {0}};
	cli_cmd_t cmd = {"fuzz", "custody fuzz [options]", text, opts, text, "alpha"};
	FILE *null = fopen("/dev/null", "w");
	if (!null)
		abort();
	cli_help(null, &cmd, 0);
	cli_help(null, &cmd, 1);
	fclose(null);
	free(text);
	return 0;
}
