/*
 * cmd_watch_hash.c — `custody watch-hash`: turn a victim's identifiers into a
 * watchlist of salted SHA-256 hashes for `scan --watch` / `crawl --watch`.
 *
 * Input: one identifier per line, optionally preceded by its type and a
 * blank ("cn_mobile 139 1234 5678"). Without a type the value's type is
 * recognised by the validators; a value no validator accepts is hashed in
 * each normalized form (digits and letters, lower case, blanks removed) with
 * type "*". The output file (format in watch.c) is created with mode 0600.
 *
 * Must never: print, log or keep a value in clear (buffers are wiped; the
 * summary on stderr gives counts per type only).
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "detect.h"

#define WH_MAX_LINE DETECT_WATCH_MAX_LINE

static const cli_opt_t wh_opts[] = {
	{"output", 'o', "WATCHFILE", "Write the watchlist here (created or replaced, mode 0600). Required."},
	{0},
};

static const cli_cmd_t wh_cmd = {
	"watch-hash",
	"custody watch-hash -o WATCHFILE [FILE | -]",
	"Read identifiers of the person to watch for, one per line (from FILE or standard input), "
	"and write WATCHFILE: a random salt and SHA-256(salt || normalized value) per identifier, "
	"never the values themselves. A line may start with a type name and a blank (cn_resident_id, "
	"cn_mobile, cn_landline, cn_bank_card, cn_passport, hk_id, tw_id, cn_plate, email, qq, "
	"wechat, social_handle, cn_address, person_name, intl_phone); otherwise the type is recognised by its "
	"check digits and structure. Values are normalized as the detector does (full-width folded, "
	"separators and +86 dropped, letters upper-cased, e-mail lower-cased), so "
	"'139-1234-5678' matches '+86 139 1234 5678' on a page.\n\n"
	"Pass WATCHFILE to 'custody scan --watch' or 'custody crawl --watch': findings whose "
	"value is on it carry \"watch\": true. Keep the input file away from the case; the "
	"watchlist alone does not reveal the values (the salt stops precomputed tables, but short "
	"values such as phone numbers can be guessed by trying every number).",
	wh_opts,
	"custody watch-hash -o victim.watch victim.txt\n"
	"printf 'cn_mobile 13912345678\\n' | custody watch-hash -o victim.watch -",
	NULL, /* few options: --help shows them all */
};

typedef struct {
	const char *out;
} wh_args_t;

static int on_opt(void *ctx, const char *name, const char *arg)
{
	wh_args_t *a = ctx;
	if (!strcmp(name, "output"))
		a->out = arg;
	return 0;
}

int cmd_watch_hash(int argc, char **argv)
{
	wh_args_t a = {0};
	int first;
	int rc = cli_parse(&wh_cmd, argc, argv, on_opt, &a, &first);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (!a.out || argc - first > 1) {
		fprintf(stderr, "custody watch-hash: %s\nTry 'custody watch-hash --help' for the options.\n",
		        !a.out ? "-o WATCHFILE is required" : "at most one input file");
		return 2;
	}
	const char *in_path = first < argc ? argv[first] : "-";
	FILE *in = strcmp(in_path, "-") ? fopen(in_path, "r") : stdin;
	if (!in) {
		fprintf(stderr, "custody watch-hash: %s: cannot open: %s\n", in_path, strerror(errno));
		return 2;
	}
	arc_error_t err;
	detect_watch_writer_t *w = detect_watch_writer_new(a.out, &err);
	if (!w) {
		fprintf(stderr, "custody watch-hash: %s\n", err.msg);
		if (in != stdin)
			fclose(in);
		return 2;
	}
	char line[WH_MAX_LINE + 2];
	size_t lineno = 0, bad = 0, total = 0;
	while (fgets(line, sizeof line, in)) {
		lineno++;
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			fprintf(stderr, "custody watch-hash: %s:%zu: line too long, skipped\n", in_path, lineno);
			int c;
			while ((c = fgetc(in)) != EOF && c != '\n')
				;
			bad++;
			continue;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		char *s = line;
		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (!n || *s == '#')
			continue;
		if (detect_watch_writer_add(w, s, n)) {
			fprintf(stderr, "custody watch-hash: %s:%zu: nothing to hash on this line, skipped\n",
			        in_path, lineno);
			bad++;
		} else {
			total++;
		}
	}
	OPENSSL_cleanse(line, sizeof line);
	int ioerr = ferror(in);
	if (in != stdin)
		fclose(in);
	arc_buf_t summary = {0};
	detect_watch_writer_summary(w, &summary);
	int werr = detect_watch_writer_close(w, !ioerr, &err);
	if (ioerr || werr) {
		fprintf(stderr, "custody watch-hash: %s\n", ioerr ? "error reading input" : err.msg);
		arc_buf_free(&summary);
		return 2;
	}
	fprintf(stderr, "custody watch-hash: %zu identifier%s hashed into %s:%s\n", total, total == 1 ? "" : "s",
	        a.out, summary.data ? (const char *)summary.data : "");
	arc_buf_free(&summary);
	return bad ? 2 : 0;
}
