/*
 * cli.c — option tables to getopt_long and to man-page-like --help text.
 *
 * One table per command is the single source of its options: the parser and
 * the help are generated from it, so they cannot drift apart.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLI_MAX_OPTS 64
#define CLI_WIDTH 78

/* Print text wrapped at CLI_WIDTH with the given indent; "\n\n" keeps paragraphs. */
static void wrap(FILE *f, const char *text, int indent)
{
	int col = 0;
	const char *p = text;

	while (*p) {
		if (p[0] == '\n') {
			fputc('\n', f);
			col = 0;
			p++;
			continue;
		}
		if (*p == ' ') {
			p++;
			continue;
		}
		size_t w = strcspn(p, " \n");
		if (col == 0) {
			fprintf(f, "%*s", indent, "");
			col = indent;
		} else if (col + 1 + (int)w > CLI_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, w, f);
		col += (int)w;
		p += w;
	}
	if (col)
		fputc('\n', f);
}

void cli_help(FILE *f, const cli_cmd_t *cmd)
{
	fprintf(f, "NAME\n    custody %s\n\nSYNOPSIS\n    %s\n\nDESCRIPTION\n",
	        cmd->name, cmd->synopsis);
	wrap(f, cmd->description, 4);
	if (cmd->opts && cmd->opts[0].name) {
		fputs("\nOPTIONS\n", f);
		for (const cli_opt_t *o = cmd->opts; o->name; o++) {
			fputs("    ", f);
			if (o->short_name)
				fprintf(f, "-%c, ", o->short_name);
			fprintf(f, "--%s", o->name);
			if (o->arg)
				fprintf(f, " %s", o->arg);
			fputc('\n', f);
			wrap(f, o->help, 8);
		}
		fputs("    -h, --help\n        Print this help and exit.\n", f);
	}
	if (cmd->examples) {
		fputs("\nEXAMPLES\n", f);
		wrap(f, cmd->examples, 4);
	}
}

int cli_parse(const cli_cmd_t *cmd, int argc, char **argv,
              int (*on_opt)(void *ctx, const char *name, const char *arg),
              void *ctx, int *first_arg)
{
	struct option lo[CLI_MAX_OPTS + 2];
	char so[CLI_MAX_OPTS * 2 + 4];
	size_t n = 0, sn = 0;

	so[sn++] = ':';
	for (const cli_opt_t *o = cmd->opts; o && o->name && n < CLI_MAX_OPTS; o++, n++) {
		lo[n].name = o->name;
		lo[n].has_arg = o->arg ? required_argument : no_argument;
		lo[n].flag = NULL;
		lo[n].val = 256 + (int)n;
		if (o->short_name) {
			so[sn++] = o->short_name;
			if (o->arg)
				so[sn++] = ':';
		}
	}
	lo[n].name = "help";
	lo[n].has_arg = no_argument;
	lo[n].flag = NULL;
	lo[n].val = 'h';
	memset(&lo[n + 1], 0, sizeof lo[n + 1]);
	so[sn++] = 'h';
	so[sn] = '\0';

	optind = 1;
	opterr = 0;
	for (;;) {
		int idx = -1;
		int c = getopt_long(argc, argv, so, lo, &idx);
		if (c == -1)
			break;
		if (c == 'h') {
			cli_help(stdout, cmd);
			return 1;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			if (c == ':')
				fprintf(stderr, "custody %s: option %s needs an argument\n", cmd->name, bad);
			else
				fprintf(stderr, "custody %s: unknown option %s\n", cmd->name, bad);
			fprintf(stderr, "Try 'custody %s --help' for the options.\n", cmd->name);
			return 2;
		}
		const cli_opt_t *o = NULL;
		if (c >= 256)
			o = &cmd->opts[c - 256];
		else
			for (const cli_opt_t *p = cmd->opts; p && p->name; p++)
				if (p->short_name == c)
					o = p;
		if (!o)
			return 2;
		int rc = on_opt(ctx, o->name, o->arg ? optarg : NULL);
		if (rc)
			return rc;
	}
	*first_arg = optind;
	return 0;
}

int cli_stderr_is_tty(void)
{
	return isatty(STDERR_FILENO);
}
