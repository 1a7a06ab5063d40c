/*
 * cli.c — option tables to getopt_long and to man-page-like --help text.
 *
 * One table per command is the single source of its options: the parser and
 * the help are generated from it, so they cannot drift apart. The help is
 * translated as it is printed (i18n.c): the tables stay English, and
 * `custody --dump-strings` lists them for the catalogues (po/).
 */
#include "cli.h"
#include "i18n.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define CLI_MAX_OPTS 64
#define CLI_LANG_VAL 250 /* getopt value of --lang (options are 256 + index) */
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

/* The bytes of the UTF-8 sequence at p (1 for a stray byte) and its code point. */
static size_t u8(const char *p, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t n = u[0] < 0xC0 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
	unsigned c = n == 1 ? u[0] : u[0] & (0x3F >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80) {
			*cp = u[0];
			return 1;
		}
		c = c << 6 | (u[i] & 0x3F);
	}
	*cp = c;
	return n;
}

/* Characters two columns wide (CJK, fullwidth forms): a line may break
 * between two of them, as Chinese text has no spaces. */
static int wide(unsigned c)
{
	return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
	       (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
	       (c >= 0xFFE0 && c <= 0xFFE6);
}

/* No line begins with a closing mark, nor ends with an opening one. */
static int no_break_before(unsigned c)
{
	static const unsigned marks[] = {0x3001, 0x3002, 0xFF0C, 0xFF1B, 0xFF1A, 0xFF09, 0x300D,
	                                 0x300F, 0xFF01, 0xFF1F, 0x3011, 0x300B, 0xFF0E};
	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
		if (c == marks[i])
			return 1;
	return c < 0x80 && c && strchr(")],.;:!?'\"", (int)c);
}

static int no_break_after(unsigned c)
{
	return c == 0xFF08 || c == 0x300C || c == 0x300E || c == 0x3010 || c == 0x300A ||
	       (c < 0x80 && c && strchr("([\"'", (int)c));
}

/* The next unit that cannot be broken at p: a word (a run of narrow
 * characters), or one wide character with the marks that stick to it. Its
 * width in *cols (a narrow character counts its bytes, as it always has, so
 * that English help is wrapped as before), 1 in *mixed when it has a wide one. */
static size_t unit(const char *p, int *cols, int *mixed)
{
	size_t n = 0;
	unsigned prev = 0;
	int prev_wide = 0;
	*cols = 0;
	*mixed = 0;
	while (p[n] && p[n] != ' ' && p[n] != '\n') {
		unsigned c;
		size_t l = u8(p + n, &c);
		int w = wide(c);
		if (n && (w || prev_wide) && !no_break_before(c) && !no_break_after(prev))
			break;
		*cols += w ? 2 : (int)l;
		*mixed |= w;
		n += l;
		prev = c;
		prev_wide = w;
	}
	return n;
}

/* Print text wrapped at width with the given indent; "\n\n" keeps paragraphs. */
static void wrap(FILE *f, const char *text, int indent, int width)
{
	int col = 0, gap = 0;
	const char *p = text;

	while (*p) {
		if (p[0] == '\n') {
			fputc('\n', f);
			col = 0;
			gap = 0;
			p++;
			continue;
		}
		if (*p == ' ') {
			p++;
			gap = 1;
			continue;
		}
		int cols, mixed;
		size_t w = unit(p, &cols, &mixed);
		int sep = col && gap;
		if (col == 0) {
			fprintf(f, "%*s", indent, "");
			col = indent;
		} else if (col + sep + cols > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (sep) {
			fputc(' ', f);
			col++;
		}
		/* a path or URL wider than the line breaks after a / ? & */
		while (!mixed && col + (int)w > width) {
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
			cols -= (int)cut;
		}
		fwrite(p, 1, w, f);
		col += cols;
		p += w;
		gap = 0;
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

/* The help of the --lang every command has (cli_parse) */
static const char lang_help[] = "The language of the help and messages (default: the locale's, or lang in "
                                "the settings file; English in the C locale).";

/* Where cli_help writes the .pot entries instead of the help
 * (`custody --dump-strings`), or NULL. */
static FILE *dump_to;

void cli_dump_strings(FILE *f)
{
	dump_to = f;
	if (!f)
		return;
	/* cli_help's own words (xgettext finds them too; listed for the check
	 * that every help string is translated) */
	static const char *const own[] = {
		"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "THE OPTIONS MOST USED", "EXAMPLES", "MORE",
		"Print the short help (the options most used) and exit.", "Print this help and exit.",
		"Print every option, and the details.", "every option, and the details",
		"the same, as a manual page",
		lang_help,
	};
	for (size_t i = 0; i < sizeof own / sizeof *own; i++)
		cli_pot_entry(f, own[i], "crawler/cli/cli.c");
}

static void dump_cmd(const cli_cmd_t *cmd)
{
	char ref[128];
	snprintf(ref, sizeof ref, "custody %s", cmd->name);
	cli_pot_entry(dump_to, cmd->description, ref);
	for (const cli_opt_t *o = cmd->opts; o && o->name; o++) {
		snprintf(ref, sizeof ref, "custody %s --%s", cmd->name, o->name);
		cli_pot_entry(dump_to, o->help, ref);
	}
	snprintf(ref, sizeof ref, "custody %s: examples (translate the notes only)", cmd->name);
	cli_pot_entry(dump_to, cmd->examples, ref);
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
	wrap(f, cli_tr(o->help), 8, width);
}

void cli_help(FILE *f, const cli_cmd_t *cmd, int full)
{
	int width = cli_width(f);
	int all = full || !cmd->common;

	if (dump_to) {
		dump_cmd(cmd);
		return;
	}
	fprintf(f, "%s\n    custody %s\n\n%s\n    %s\n\n%s\n", cli_tr("NAME"), cmd->name,
	        cli_tr("SYNOPSIS"), cmd->synopsis, cli_tr("DESCRIPTION"));
	const char *desc = cli_tr(cmd->description);
	if (all) {
		wrap(f, desc, 4, width);
	} else {
		/* the first two sentences of the first paragraph say what the
		 * command does; the details are --help-all's */
		const char *d = desc, *end = strstr(d, "\n\n");
		size_t n = end ? (size_t)(end - d) : strlen(d);
		int sentences = 0;
		for (size_t i = 0; i + 2 < n; i++) {
			int en = d[i] == '.' && d[i + 1] == ' ' && d[i + 2] >= 'A' && d[i + 2] <= 'Z';
			int zh = !memcmp(d + i, "\xe3\x80\x82", 3) && i + 3 < n; /* 。 */
			if ((en || zh) && ++sentences == 2) {
				n = i + (zh ? 3 : 1);
				break;
			}
		}
		char *first = strndup(desc, n);
		wrap(f, first ? first : desc, 4, width);
		free(first);
	}
	if (cmd->opts && cmd->opts[0].name) {
		fprintf(f, "\n%s\n", all ? cli_tr("OPTIONS") : cli_tr("THE OPTIONS MOST USED"));
		for (const cli_opt_t *o = cmd->opts; o->name; o++)
			if (all || listed(cmd->common, o->name))
				help_opt(f, o, width);
		fputs("    -h, --help\n", f);
		wrap(f, all && cmd->common ? cli_tr("Print the short help (the options most used) and exit.")
		                           : cli_tr("Print this help and exit."), 8, width);
		if (cmd->common) {
			fputs("    --help-all\n", f);
			wrap(f, all ? cli_tr("Print this help and exit.") : cli_tr("Print every option, and the details."),
			     8, width);
		}
		int own_lang = 0; /* bundle's --lang is its own (the report's), listed above */
		for (const cli_opt_t *o = cmd->opts; o->name; o++)
			own_lang |= !strcmp(o->name, "lang");
		if (all && !own_lang) {
			fputs("    --lang zh|zh_TW|en\n", f);
			wrap(f, cli_tr(lang_help), 8, width);
		}
	}
	if (cmd->examples) {
		fprintf(f, "\n%s\n", cli_tr("EXAMPLES"));
		verbatim(f, cli_tr(cmd->examples), 4);
	}
	if (!all) {
		fprintf(f, "\n%s\n", cli_tr("MORE"));
		char a[96], b[96];
		snprintf(a, sizeof a, "custody %s --help-all", cmd->name);
		snprintf(b, sizeof b, "man custody-%s", cmd->name);
		fprintf(f, "    %-*s  %s\n", (int)strlen(a), a, cli_tr("every option, and the details"));
		fprintf(f, "    %-*s  %s\n", (int)strlen(a), b, cli_tr("the same, as a manual page"));
	}
}

int cli_parse(const cli_cmd_t *cmd, int argc, char **argv,
              int (*on_opt)(void *ctx, const char *name, const char *arg),
              void *ctx, int *first_arg)
{
	struct option lo[CLI_MAX_OPTS + 4];
	char so[CLI_MAX_OPTS * 2 + 4];
	size_t n = 0, sn = 0;

	int own_lang = 0; /* a command whose table has --lang (bundle's report) */
	so[sn++] = ':';
	for (const cli_opt_t *o = cmd->opts; o && o->name && n < CLI_MAX_OPTS; o++, n++) {
		own_lang |= !strcmp(o->name, "lang");
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
	/* --lang: the interface's language, read by cli_i18n_init before this */
	lo[n + 2].name = own_lang ? NULL : "lang";
	lo[n + 2].has_arg = required_argument;
	lo[n + 2].flag = NULL;
	lo[n + 2].val = CLI_LANG_VAL;
	memset(&lo[n + 3], 0, sizeof lo[n + 3]);
	so[sn++] = 'h';
	so[sn] = '\0';

	optind = 1;
	opterr = 0;
	for (;;) {
		int idx = -1;
		int c = getopt_long(argc, argv, so, lo, &idx);
		if (c == -1)
			break;
		if (c == CLI_LANG_VAL)
			continue;
		if (c == 'h' || c == 'H') {
			cli_help(stdout, cmd, c == 'H');
			return 1;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			if (c == ':')
				fprintf(stderr, cli_tr("custody %s: option %s needs an argument\n"), cmd->name, bad);
			else
				fprintf(stderr, cli_tr("custody %s: unknown option %s\n"), cmd->name, bad);
			fprintf(stderr, cli_tr("Try 'custody %s --help' for the options.\n"), cmd->name);
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
