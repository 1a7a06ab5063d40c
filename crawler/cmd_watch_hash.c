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
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "detect_int.h"

#define WH_MAX_LINE 4096

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
	"wechat, social_handle, cn_address, person_name); otherwise the type is recognised by its "
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

typedef struct {
	FILE *f;
	unsigned char salt[32];
	size_t count[DT__COUNT + 1];
	int werr;
} wh_t;

static void put(wh_t *w, int type, const char *v)
{
	char hex[65];
	detect_watch_digest(w->salt, sizeof w->salt, v, hex);
	if (!hex[0] || fprintf(w->f, "%s %s\n", type >= 0 ? detect_type_name(type) : "*", hex) < 0)
		w->werr = 1;
	w->count[type >= 0 ? type : DT__COUNT]++;
}

/* One input line: [TYPE blank] VALUE. Returns 0, or -1 for an unusable line. */
static int hash_line(wh_t *w, char *line, size_t n)
{
	char norm[WH_MAX_LINE];
	int type = -1;
	const char *sp = memchr(line, ' ', n);
	const char *tab = memchr(line, '\t', n);
	if (!sp || (tab && tab < sp))
		sp = tab;
	if (sp) {
		char tn[32];
		size_t tl = (size_t)(sp - line);
		if (tl < sizeof tn) {
			memcpy(tn, line, tl);
			tn[tl] = '\0';
			type = detect_type_index(tn);
			if (type == DT_DOX)
				type = -1;
			if (type >= 0) {
				size_t skip = tl + 1;
				line += skip;
				n -= skip;
			}
		}
	}
	if (type >= 0) {
		long l = detect_normalize(type, line, n, norm, sizeof norm);
		if (l <= 0)
			return -1;
		put(w, type, norm);
		OPENSSL_cleanse(norm, sizeof norm);
		return 0;
	}
	/* No type: recognise it. '@' values are e-mail or handles (lower case). */
	int has_at = memchr(line, '@', n) != NULL;
	long l = detect_normalize(has_at ? DT_EMAIL : DT_RESIDENT_ID, line, n, norm, sizeof norm);
	if (l <= 0)
		return -1;
	int t = detect_guess_type(norm, (size_t)l);
	if (t < 0 && !has_at && ((l == 13 && !memcmp(norm, "86", 2)) || (l == 15 && !memcmp(norm, "0086", 4)))) {
		l = detect_normalize(DT_MOBILE, line, n, norm, sizeof norm);
		t = l > 0 && detect_valid_mobile(norm, (size_t)l) ? DT_MOBILE : -1;
	}
	if (t >= 0) {
		l = detect_normalize(t, line, n, norm, sizeof norm);
		if (l > 0)
			put(w, t, norm);
	} else {
		/* every normalized form the detector could produce for an unknown type */
		static const int forms[] = {DT_RESIDENT_ID, DT_EMAIL, DT_ADDRESS, DT_WECHAT};
		char prev[4][WH_MAX_LINE];
		int np = 0;
		for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
			l = detect_normalize(forms[k], line, n, norm, sizeof norm);
			if (l < 4)
				continue;  /* a fragment too short to be an identifier on its own */
			int dup = 0;
			for (int q = 0; q < np; q++)
				dup |= !strcmp(prev[q], norm);
			if (dup)
				continue;
			memcpy(prev[np++], norm, (size_t)l + 1);
			put(w, -1, norm);
		}
		OPENSSL_cleanse(prev, sizeof prev);
	}
	OPENSSL_cleanse(norm, sizeof norm);
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
	wh_t w;
	memset(&w, 0, sizeof w);
	if (RAND_bytes(w.salt, sizeof w.salt) != 1) {
		fprintf(stderr, "custody watch-hash: no randomness from OpenSSL\n");
		if (in != stdin)
			fclose(in);
		return 2;
	}
	int fd = open(a.out, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0 || !(w.f = fdopen(fd, "w"))) {
		fprintf(stderr, "custody watch-hash: %s: cannot create: %s\n", a.out, strerror(errno));
		if (fd >= 0)
			close(fd);
		if (in != stdin)
			fclose(in);
		return 2;
	}
	fprintf(w.f, "custody-watch 1\n# salted SHA-256 of normalized identifiers (custody watch-hash)\nsalt ");
	for (size_t i = 0; i < sizeof w.salt; i++)
		fprintf(w.f, "%02x", w.salt[i]);
	fputc('\n', w.f);
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
		if (hash_line(&w, s, n)) {
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
	if (fflush(w.f) != 0 || fsync(fileno(w.f)) != 0)
		w.werr = 1;
	if (fclose(w.f) != 0)
		w.werr = 1;
	OPENSSL_cleanse(w.salt, sizeof w.salt);
	if (ioerr || w.werr) {
		fprintf(stderr, "custody watch-hash: %s\n", ioerr ? "error reading input" : "error writing output");
		unlink(a.out);
		return 2;
	}
	fprintf(stderr, "custody watch-hash: %zu identifier%s hashed into %s:", total, total == 1 ? "" : "s", a.out);
	for (int t = 0; t <= DT__COUNT; t++)
		if (w.count[t])
			fprintf(stderr, " %s %zu", t < DT__COUNT ? detect_type_name(t) : "untyped", w.count[t]);
	fputc('\n', stderr);
	return bad ? 2 : 0;
}
