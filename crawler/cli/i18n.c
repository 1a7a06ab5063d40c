/*
 * i18n.c — the interface language (see i18n.h): which language, where its
 * catalogue is, and the look-up (glibc's gettext, dgettext over the text
 * domain "custody").
 *
 * Only LC_MESSAGES is set from the environment, never LC_ALL: numbers, times
 * and the bytes written into a case must not depend on the locale (glibc's
 * own messages, strerror's, are kept English for the same reason). The
 * catalogue is read as UTF-8 whatever LC_CTYPE says.
 *
 * Catalogue folders, first that holds one: $CUSTODY_LOCALEDIR; next to the
 * program as built (bin/../build/locale, build/asan/bin/../locale); as
 * installed (PREFIX/bin/../share/locale); /usr/share/locale.
 *
 * The language, first that says: --lang; $CUSTODY_LANG; `lang = zh|zh_TW|en` in the
 * settings file (crawler/cli/config.h; read here too, as custody-verify has no
 * config.c); the locale.
 *
 * Must never: print, exit, or change what the programs record; a missing or
 * broken catalogue means English, not an error.
 */
#include "i18n.h"

#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define I18N_DOMAIN "custody"
#define I18N_MAX_POT 4096 /* distinct msgids one --dump-strings can list */

static int tr_on;
static const char *tr_lang = "en";

/* zh_CN, zh_TW or en for a language or locale name (zh, zh_CN.UTF-8, zh-TW,
 * zh_HK, C, POSIX, en_US ...); NULL for any other language. */
static const char *norm(const char *v)
{
	if (!strcmp(v, "C") || !strncmp(v, "C.", 2) || !strcmp(v, "POSIX") || !strncmp(v, "en", 2))
		return "en";
	if (strncmp(v, "zh", 2) || (v[2] && v[2] != '_' && v[2] != '-' && v[2] != '.'))
		return NULL;
	if (v[2] == '_' || v[2] == '-') {
		const char *r = v + 3;
		if (!strncmp(r, "TW", 2) || !strncmp(r, "HK", 2) || !strncmp(r, "MO", 2) ||
		    !strncmp(r, "Hant", 4))
			return "zh_TW";
	}
	return "zh_CN";
}

static int has_catalogue(const char *dir)
{
	char p[PATH_MAX];
	int n = snprintf(p, sizeof p, "%s/zh_CN/LC_MESSAGES/" I18N_DOMAIN ".mo", dir);
	return n > 0 && (size_t)n < sizeof p && access(p, R_OK) == 0;
}

/* The folder of the catalogues into buf, or 0 when there is none. */
static int locale_dir(char *buf, size_t bufsz)
{
	const char *env = getenv("CUSTODY_LOCALEDIR");
	if (env && *env) {
		snprintf(buf, bufsz, "%s", env);
		return has_catalogue(buf);
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			static const char *const rel[] = {"/../build/locale", "/../locale", "/../share/locale"};
			for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
				int k = snprintf(buf, bufsz, "%s%s", exe, rel[i]);
				if (k > 0 && (size_t)k < bufsz && has_catalogue(buf))
					return 1;
			}
		}
	}
	snprintf(buf, bufsz, "/usr/share/locale");
	return has_catalogue(buf);
}

/* The language the environment asks for, as gettext reads it: the locale of
 * messages (LC_ALL, LC_MESSAGES, LANG); when that is not C, LANGUAGE's list
 * first. */
static const char *env_lang(void)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	const char *loc = NULL;
	for (size_t i = 0; i < sizeof vars / sizeof *vars && !loc; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			loc = v;
	}
	if (!loc || !strcmp(loc, "C") || !strcmp(loc, "POSIX"))
		return "en"; /* LANGUAGE is not read in the C locale (it is in C.UTF-8) */
	const char *list = getenv("LANGUAGE");
	if (list && *list) {
		char item[64];
		for (const char *p = list; *p;) {
			size_t w = strcspn(p, ":");
			if (w && w < sizeof item) {
				memcpy(item, p, w);
				item[w] = '\0';
				const char *l = norm(item);
				if (l)
					return l;
			}
			p += w;
			if (*p)
				p++;
		}
	}
	const char *l = norm(loc);
	return l ? l : "en";
}

/* `lang = X` in the user's settings file, into out ("" when none). The file
 * is config.c's to check (a bad line is its error, for the commands that read
 * it); here a line that does not parse is skipped. */
static void config_lang(char *out, size_t outsz)
{
	char path[PATH_MAX];
	const char *env = getenv("CUSTODY_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME"),
	           *home = getenv("HOME");
	out[0] = '\0';
	if (env && *env)
		snprintf(path, sizeof path, "%s", env);
	else if (xdg && *xdg == '/')
		snprintf(path, sizeof path, "%s/custody/config", xdg);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.config/custody/config", home);
	else
		return;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[256];
	for (int n = 0; n < 1024 && fgets(line, sizeof line, f); n++) {
		char *p = line;
		if (!n && !memcmp(p, "\xEF\xBB\xBF", 3))
			p += 3;
		p += strspn(p, " \t");
		if (strncmp(p, "lang", 4))
			continue;
		p += 4;
		p += strspn(p, " \t");
		if (*p++ != '=')
			continue;
		p += strspn(p, " \t");
		p[strcspn(p, " \t\r\n#")] = '\0';
		snprintf(out, outsz, "%s", p);
	}
	fclose(f);
}

int cli_i18n_init(int argc, char **argv)
{
	const char *forced = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--lang") && i + 1 < argc)
			forced = argv[++i];
		else if (!strncmp(argv[i], "--lang=", 7))
			forced = argv[i] + 7;
	}
	char conf[32];
	const char *env = getenv("CUSTODY_LANG");
	if (!forced && env && *env)
		forced = env;
	if (!forced) {
		config_lang(conf, sizeof conf);
		if (*conf && norm(conf))
			forced = conf;
	}
	const char *lang = forced ? norm(forced) : env_lang();
	if (!lang)
		return -1;
	tr_lang = lang;
	tr_on = 0;
	if (!strcmp(lang, "en"))
		return 0;
	char dir[PATH_MAX];
	if (!locale_dir(dir, sizeof dir))
		return 0;
	/* gettext reads LANGUAGE only when the locale of messages is not C: take
	 * the user's, else the C.UTF-8 glibc always has, and name the language in
	 * LANGUAGE so that it is the one chosen here (a zh_CN.UTF-8 locale that was
	 * never generated still gives Chinese). */
	const char *got = setlocale(LC_MESSAGES, "");
	if (!got || !strcmp(got, "C") || !strcmp(got, "POSIX"))
		got = setlocale(LC_MESSAGES, "C.UTF-8");
	if (!got || setenv("LANGUAGE", lang, 1) || !bindtextdomain(I18N_DOMAIN, dir) ||
	    !bind_textdomain_codeset(I18N_DOMAIN, "UTF-8"))
		return 0;
	/* glibc's own messages (strerror) stay English: they can end up in what a
	 * case records (an error's text), which must not depend on the locale */
	bindtextdomain("libc", "/nonexistent/custody-keeps-libc-english");
	tr_on = 1;
	return 0;
}

const char *cli_lang(void)
{
	return tr_lang;
}

const char *cli_tr(const char *msgid)
{
	if (!tr_on || !msgid || !*msgid)
		return msgid;
	return dgettext(I18N_DOMAIN, msgid);
}

/* Calls fn for each "\n\n"-separated paragraph of text (without its end). */
static void paragraphs(const char *text, void (*fn)(void *, const char *), void *ctx)
{
	for (const char *p = text; *p;) {
		const char *end = strstr(p, "\n\n");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *para = strndup(p, n);
		if (para) {
			fn(ctx, para);
			free(para);
		}
		p += n;
		if (end)
			p += 2;
	}
}

struct tr_ctx {
	FILE *f;
	int first;
	const char *ref;
};

static void tr_para(void *ctx, const char *para)
{
	struct tr_ctx *c = ctx;
	if (!c->first)
		fputs("\n\n", c->f);
	c->first = 0;
	/* a paragraph with its line end: "x\n" and "x" are one msgid */
	size_t n = strlen(para);
	if (n && para[n - 1] == '\n') {
		char *core = strndup(para, n - 1);
		if (core) {
			fputs(cli_tr(core), c->f);
			fputc('\n', c->f);
			free(core);
			return;
		}
	}
	fputs(cli_tr(para), c->f);
}

void cli_tr_text(FILE *f, const char *text)
{
	struct tr_ctx c = {f, 1, NULL};
	paragraphs(text, tr_para, &c);
}

void cli_pot_header(FILE *f)
{
	fputs("# custody's translatable strings: generated by make pot, do not edit.\n"
	      "msgid \"\"\nmsgstr \"\"\n"
	      "\"Project-Id-Version: custody\\n\"\n"
	      "\"MIME-Version: 1.0\\n\"\n"
	      "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
	      "\"Content-Transfer-Encoding: 8bit\\n\"\n\n", f);
}

static const char *pot_seen[I18N_MAX_POT];
static size_t pot_n;

static void pot_quote(FILE *f, const char *s)
{
	fputs("\"\"\n\"", f);
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs(p[1] ? "\\n\"\n\"" : "\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else
			fputc(*p, f);
	}
	fputs("\"\n", f);
}

void cli_pot_entry(FILE *f, const char *msgid, const char *ref)
{
	if (!msgid || !*msgid)
		return;
	for (size_t i = 0; i < pot_n; i++)
		if (!strcmp(pot_seen[i], msgid))
			return;
	if (pot_n < I18N_MAX_POT)
		pot_seen[pot_n++] = msgid;
	if (ref)
		fprintf(f, "#. %s\n", ref);
	/* help texts are printed with fputs, never as a format */
	if (strchr(msgid, '%'))
		fputs("#, no-c-format\n", f);
	fputs("msgid ", f);
	pot_quote(f, msgid);
	fputs("msgstr \"\"\n\n", f);
}

static void pot_para(void *ctx, const char *para)
{
	struct tr_ctx *c = ctx;
	size_t n = strlen(para);
	char *core = strndup(para, n && para[n - 1] == '\n' ? n - 1 : n);
	if (core) /* kept: the seen list points at it */
		cli_pot_entry(c->f, core, c->ref);
}

void cli_pot_text(FILE *f, const char *text, const char *ref)
{
	struct tr_ctx c = {f, 1, ref};
	paragraphs(text, pot_para, &c);
}
