/*
 * config.c — read the user's settings file (see config.h for the format).
 *
 * Must never: read more than CFG_MAX_BYTES, follow a setting it does not know,
 * or print a value (a path is fine; nothing here is secret, but the rule keeps
 * it that way if a setting ever is).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "i18n.h"
#include "keys.h"

static int cfg_path(char *out, size_t outsz)
{
	const char *env = getenv("CUSTODY_CONFIG");
	char dir[3000];
	int n;

	if (env && *env)
		n = snprintf(out, outsz, "%s", env);
	else if (keys_config_dir(dir, sizeof dir) == 0)
		n = snprintf(out, outsz, "%s/config", dir);
	else
		return -1;
	return n > 0 && (size_t)n < outsz ? 0 : -1;
}

static char *trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*end = '\0';
	return s;
}

static int bad(const char *cmd, const cfg_t *cfg, unsigned long line, const char *why)
{
	/* why is one of the literal reasons below (xgettext -kbad:4) or unknown_setting's */
	fprintf(stderr, cli_tr("custody %s: %s:%lu: %s\n"
	                       "Correct that line of the settings file (or move the file away) and run the command again.\n"),
	        cmd, cfg->path, line, cli_tr(why));
	return 2;
}

static int set_line(const char *cmd, cfg_t *cfg, unsigned long line, char *name, char *value)
{
	char **slot = NULL;

	if (!*value)
		return bad(cmd, cfg, line, "the setting has no value after '='");
	if (!strcmp(name, "lang")) { /* read by i18n.c, before any command */
		if (strcmp(value, "zh") && strcmp(value, "zh_CN") && strcmp(value, "zh_TW") && strcmp(value, "en"))
			return bad(cmd, cfg, line, "lang wants zh, zh_TW or en");
		return 0;
	}
	if (!strcmp(name, "tsa")) {
		if (strncmp(value, "http://", 7) && strncmp(value, "https://", 8))
			return bad(cmd, cfg, line, "tsa wants an http:// or https:// URL");
		if (cfg->ntsa >= SEAL_MAX_TOKENS)
			return bad(cmd, cfg, line, "too many tsa lines (at most 8)");
		slot = &cfg->tsa[cfg->ntsa];
	} else if (!strcmp(name, "key")) {
		slot = &cfg->key;
	} else if (!strcmp(name, "cert")) {
		slot = &cfg->cert;
	} else {
		char why[200];
		snprintf(why, sizeof why, cli_tr("unknown setting '%.60s' (known: tsa, key, cert, lang)"), name);
		return bad(cmd, cfg, line, why);
	}
	free(*slot);
	if (!(*slot = strdup(value))) {
		fprintf(stderr, cli_tr("custody %s: out of memory reading %s\n"), cmd, cfg->path);
		return 2;
	}
	if (slot == &cfg->tsa[cfg->ntsa])
		cfg->ntsa++;
	return 0;
}

int cfg_load(const char *cmd, cfg_t *cfg)
{
	arc_buf_t b = {0};
	arc_error_t err;
	int truncated = 0, rc = 0;
	unsigned long line = 0;
	struct stat st;

	memset(cfg, 0, sizeof *cfg);
	if (cfg_path(cfg->path, sizeof cfg->path))
		return 0; /* no HOME: no settings */
	if (stat(cfg->path, &st) != 0 && errno == ENOENT) {
		cfg->path[0] = '\0';
		return 0; /* no settings file: nothing set */
	}
	if (stat(cfg->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fprintf(stderr, cli_tr("custody %s: the settings file %s is not a regular file\n"), cmd, cfg->path);
		return 2;
	}
	int r = arc_read_file(cfg->path, CFG_MAX_BYTES, &b, &truncated, &err);
	if (r != 0 || truncated) {
		arc_buf_free(&b);
		fprintf(stderr, cli_tr("custody %s: cannot read the settings file %s: %s\n"), cmd, cfg->path,
		        truncated ? "it is larger than 64 KiB" : err.msg);
		return 2;
	}
	char *p = (char *)b.data, *end = p + b.len;
	if (b.len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3; /* a BOM, as Notepad writes */
	while (p < end && !rc) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;
		line++;
		if (memchr(p, '\0', (size_t)(le - p))) {
			rc = bad(cmd, cfg, line, "the line holds a NUL byte (is this a text file?)");
			break;
		}
		char *s = trim(p, le);
		if (*s && *s != '#') {
			char *eq = strchr(s, '=');
			if (!eq)
				rc = bad(cmd, cfg, line, "expected 'name = value'");
			else {
				char *vend = s + strlen(s);
				char *name = trim(s, eq); /* ends the name at '=' or before */
				rc = set_line(cmd, cfg, line, name, trim(eq + 1, vend));
			}
		}
		p = nl ? nl + 1 : end;
	}
	arc_buf_free(&b);
	if (rc)
		cfg_free(cfg);
	return rc;
}

void cfg_free(cfg_t *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->ntsa; i++)
		free(cfg->tsa[i]);
	free(cfg->key);
	free(cfg->cert);
	cfg->ntsa = 0;
	cfg->key = cfg->cert = NULL;
}

void cfg_apply(const cfg_t *cfg, const char *cmd, int quiet, const char **key, const char **cert,
               const char **tsa, size_t *ntsa)
{
	if (!*key && cfg->key) {
		*key = cfg->key;
		if (!*cert && cfg->cert)
			*cert = cfg->cert;
	}
	if (!*ntsa && cfg->ntsa) {
		for (size_t i = 0; i < cfg->ntsa; i++)
			tsa[i] = cfg->tsa[i];
		*ntsa = cfg->ntsa;
		if (!quiet) {
			fprintf(stderr, cfg->ntsa > 1 ? cli_tr("custody %s: time-stamp authorities from %s:")
			                              : cli_tr("custody %s: time-stamp authority from %s:"),
			        cmd, cfg->path);
			for (size_t i = 0; i < cfg->ntsa; i++)
				fprintf(stderr, " %s", cfg->tsa[i]);
			fputc('\n', stderr);
		}
	}
}
