/*
 * custody.c — the `custody` command: dispatch to subcommands.
 *
 * Thin on purpose: every subcommand lives in its own cmd_*.c over the crawler
 * and archive libraries, and decides its own output and exit status.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "crawler.h"
#include "i18n.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
} cmds[] = {
	{"crawl", cmd_crawl, "capture pages into a case directory (WARC + zstd)"},
	{"scan", cmd_scan, "find exposed personal data in local files"},
	{"ls", cmd_ls, "list the captures in a case directory"},
	{"export", cmd_export, "take pages out of a case: a sealed exhibit, or WACZ / .warc.gz for replay tools"},
	{"bundle", cmd_bundle, "hand a case over: exhibits, report (HTML, PDF), letters and checksums for a court, a platform or the police"},
	{"watch-hash", cmd_watch_hash, "hash a victim's identifiers for --watch"},
	{"keygen", cmd_keygen, "make the operator's signing key and certificate"},
	{"watch", cmd_watch, "revisit pages on a schedule into one case; alert on watched data"},
	{"timeline", cmd_timeline, "how long each page of a case stayed up, and when it was removed"},
	{"stamp", cmd_stamp, "time-stamp the seals a TSA could not stamp during the crawl"},
	{"crawl-seal", cmd_crawl_seal, "seal a crawl shared by several hosts (--state)"},
};

static void usage(FILE *f)
{
	fprintf(f, cli_tr("custody %s — evidence-preserving archival crawler\n\n"
	                  "Usage: custody COMMAND [options] ...\n\nCommands:\n"),
	        CUSTODY_VERSION);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(f, "  %-11s %s\n", cmds[i].name, cli_tr(cmds[i].what));
	fputs(cli_tr("\n'custody COMMAND --help' explains one command (the options most used);\n"
	             "'custody COMMAND --help-all' or 'man custody-COMMAND' gives every option.\n"
	             "'custody-verify --help' explains how to check a case.\n"
	             "'--lang zh', '--lang zh_TW' or '--lang en' chooses the language (default: the locale's).\n"),
	      f);
}

/* custody --dump-strings: the .pot of every help text of every command, from
 * the option tables themselves (make pot), so the catalogue misses none. */
static int dump_strings(void)
{
	cli_pot_header(stdout);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		cli_pot_entry(stdout, cmds[i].what, "custody --help");
	cli_dump_strings(stdout);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		char name[32], help[] = "--help-all";
		snprintf(name, sizeof name, "%s", cmds[i].name);
		char *av[] = {name, help, NULL};
		cmds[i].fn(2, av);
	}
	cli_dump_strings(NULL);
	return fflush(stdout) ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (cli_i18n_init(argc, argv)) {
		fprintf(stderr, "custody: --lang: expected zh, zh_TW or en\n");
		return 2;
	}
	/* custody --lang X COMMAND ...: the global form */
	while (argc >= 2 && (!strcmp(argv[1], "--lang") || !strncmp(argv[1], "--lang=", 7))) {
		int k = strcmp(argv[1], "--lang") ? 1 : 2;
		if (argc < 1 + k) {
			fprintf(stderr, "custody: --lang: expected zh, zh_TW or en\n");
			return 2;
		}
		argc -= k;
		argv += k;
		argv[0] = argv[-k];
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--dump-strings"))
		return dump_strings();
	if (!strcmp(argv[1], "--version")) {
		printf("custody %s\n", CUSTODY_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, cli_tr("custody: unknown command '%s'\n\n"), argv[1]);
	usage(stderr);
	return 2;
}
