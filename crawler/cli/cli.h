/*
 * cli.h — option tables shared by the custody subcommands (private to crawler/).
 *
 * Each command declares its options once, in a cli_opt_t table; the same table
 * drives getopt_long parsing and the --help text (as curl builds its help from
 * docs/cmdline-opts). The README's option lists are copied from --help output.
 */
#ifndef CUSTODY_CLI_H
#define CUSTODY_CLI_H

#include <stdio.h>

typedef struct {
	const char *name;  /* long name without "--" */
	char short_name;   /* 0 if none */
	const char *arg;   /* argument placeholder ("DIR"), NULL for a flag */
	const char *help;  /* one or more sentences; wrapped when printed */
} cli_opt_t;

typedef struct {
	const char *name;        /* "crawl" */
	const char *synopsis;    /* "custody crawl [options] -o CASE_DIR URL... | --seeds FILE" */
	const char *description; /* paragraphs separated by "\n\n" */
	const cli_opt_t *opts;   /* terminated by {0} */
	const char *examples;    /* lines, may be NULL; printed as they are, never wrapped */
	const char *common;      /* names of the options --help shows, space-separated;
	                          * NULL: --help shows every option */
} cli_cmd_t;

/* Print the man-page-like help of cmd to f: all of it (full, as --help-all
 * and the man page), or the short form --help prints (what it does, the
 * options people use, the examples, where the rest is). Text is wrapped to
 * cli_width(f). */
void cli_help(FILE *f, const cli_cmd_t *cmd, int full);

/* The width help is wrapped to: $COLUMNS when set (40 to 400), else the
 * terminal's when f is one, else 78 (so that text made for files, such as the
 * README's reference and the man pages, does not depend on who made it). */
int cli_width(FILE *f);

/* Parse argv against cmd's table. For each option found, calls
 * on_opt(ctx, long_name, optarg_or_NULL); returns nonzero from on_opt to stop
 * with that code. "--help"/"-h" print the short help, "--help-all" the whole
 * help, to stdout and return 1 (caller exits 0). Unknown options print a one-line error plus "try 'custody CMD --help'" to
 * stderr and return 2. On success returns 0 and sets *first_arg to the index of
 * the first operand in argv. */
int cli_parse(const cli_cmd_t *cmd, int argc, char **argv,
              int (*on_opt)(void *ctx, const char *name, const char *arg),
              void *ctx, int *first_arg);

/* With f set, cli_help writes the .pot entries of each command's help texts
 * to f instead of the help (custody --dump-strings); NULL: help again. */
void cli_dump_strings(FILE *f);

/* Whether stderr is a terminal (progress lines only then). */
int cli_stderr_is_tty(void);

#endif
