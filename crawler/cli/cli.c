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
#include <sys/ioctl.h>
#include <unistd.h>

#define CLI_MAX_OPTS 64
#define CLI_WIDTH 78      /* when the width is not known: files, pipes */
#define CLI_MIN_WIDTH 40
#define CLI_MAX_WIDTH 400

int cli_width(FILE *f)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;

	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (!*end && v >= CLI_MIN_WIDTH && v <= CLI_MAX_WIDTH)
			return (int)v;
	}
	if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= CLI_MIN_WIDTH)
		return ws.ws_col > CLI_MAX_WIDTH ? CLI_MAX_WIDTH : ws.ws_col;
	return CLI_WIDTH;
}

/* Print text wrapped at width with the given indent; "\n\n" keeps paragraphs. */
static void wrap(FILE *f, const char *text, int indent, int width)
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
		} else if (col + 1 + (int)w > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		/* a path or URL wider than the line breaks after a / ? & */
		while (col + (int)w > width) {
			size_t cut = 0;
			for (size_t i = 0; i < w && col + (int)i + 1 <= width; i++)
				if (p[i] == '/' || p[i] == '?' || p[i] == '&')
					cut = i + 1;
			if (!cut)
				break;
			fwrite(p, 1, cut, f);
			fprintf(f, "\n%*s", indent, "");
			col = indent;
			p += cut;
			w -= cut;
		}
		fwrite(p, 1, w, f);
		col += (int)w;
		p += w;
	}
	if (col)
		fputc('\n', f);
}

/* Lines as they are, indented: examples are copied whole, never wrapped. */
static void verbatim(FILE *f, const char *text, int indent)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		if (n)
			fprintf(f, "%*s%.*s", indent, "", (int)n, p);
		fputc('\n', f);
		p += n;
		if (*p)
			p++;
	}
}

/* 1 when name is one of the space-separated names in list. */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		size_t w = strcspn(p, " ");
		if (w == n && !strncmp(p, name, n))
			return 1;
		p += w;
		while (*p == ' ')
			p++;
	}
	return 0;
}

static void help_opt(FILE *f, const cli_opt_t *o, int width)
{
	fputs("    ", f);
	if (o->short_name)
		fprintf(f, "-%c, ", o->short_name);
	fprintf(f, "--%s", o->name);
	if (o->arg)
		fprintf(f, " %s", o->arg);
	fputc('\n', f);
	wrap(f, o->help, 8, width);
}

void cli_help(FILE *f, const cli_cmd_t *cmd, int full)
{
	int width = cli_width(f);
	int all = full || !cmd->common;

	fprintf(f, "NAME\n    custody %s\n\nSYNOPSIS\n    %s\n\nDESCRIPTION\n",
	        cmd->name, cmd->synopsis);
	if (all) {
		wrap(f, cmd->description, 4, width);
	} else {
		/* the first two sentences of the first paragraph say what the
		 * command does; the details are --help-all's */
		const char *d = cmd->description, *end = strstr(d, "\n\n");
		size_t n = end ? (size_t)(end - d) : strlen(d);
		int sentences = 0;
		for (size_t i = 0; i + 2 < n; i++)
			if (d[i] == '.' && d[i + 1] == ' ' && d[i + 2] >= 'A' && d[i + 2] <= 'Z' &&
			    ++sentences == 2) {
				n = i + 1;
				break;
			}
		char *first = strndup(cmd->description, n);
		wrap(f, first ? first : cmd->description, 4, width);
		free(first);
	}
	if (cmd->opts && cmd->opts[0].name) {
		fputs(all ? "\nOPTIONS\n" : "\nTHE OPTIONS MOST USED\n", f);
		for (const cli_opt_t *o = cmd->opts; o->name; o++)
			if (all || listed(cmd->common, o->name))
				help_opt(f, o, width);
		fputs("    -h, --help\n", f);
		wrap(f, all && cmd->common ? "Print the short help (the options most used) and exit."
		                           : "Print this help and exit.", 8, width);
		if (cmd->common) {
			fputs("    --help-all\n", f);
			wrap(f, all ? "Print this help and exit." : "Print every option, and the details.",
			     8, width);
		}
	}
	if (cmd->examples) {
		fputs("\nEXAMPLES\n", f);
		verbatim(f, cmd->examples, 4);
	}
	if (!all) {
		fputs("\nMORE\n", f);
		char a[96], b[96];
		snprintf(a, sizeof a, "custody %s --help-all", cmd->name);
		snprintf(b, sizeof b, "man custody-%s", cmd->name);
		fprintf(f, "    %-*s  every option, and the details\n", (int)strlen(a), a);
		fprintf(f, "    %-*s  the same, as a manual page\n", (int)strlen(a), b);
	}
}

int cli_parse(const cli_cmd_t *cmd, int argc, char **argv,
              int (*on_opt)(void *ctx, const char *name, const char *arg),
              void *ctx, int *first_arg)
{
	struct option lo[CLI_MAX_OPTS + 3];
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
	lo[n + 1].name = "help-all";
	lo[n + 1].has_arg = no_argument;
	lo[n + 1].flag = NULL;
	lo[n + 1].val = 'H';
	memset(&lo[n + 2], 0, sizeof lo[n + 2]);
	so[sn++] = 'h';
	so[sn] = '\0';

	optind = 1;
	opterr = 0;
	for (;;) {
		int idx = -1;
		int c = getopt_long(argc, argv, so, lo, &idx);
		if (c == -1)
			break;
		if (c == 'h' || c == 'H') {
			cli_help(stdout, cmd, c == 'H');
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
