/*
 * config.h — the user's settings file for the front ends (private to
 * crawler/cli/): ~/.config/custody/config (or $XDG_CONFIG_HOME/custody/config,
 * or the file $CUSTODY_CONFIG names), so that a user sets her time-stamp
 * authorities and key once instead of on every command line.
 *
 * The format, one setting a line (blank lines and lines starting with # are
 * skipped; a UTF-8 BOM and CRLF line ends, as Windows editors write, are fine):
 *
 *     tsa  = https://tsa.example/tsr     (repeatable: independent authorities)
 *     key  = /home/jane/keys/operator.key
 *     cert = /home/jane/keys/operator.crt
 *     lang = zh                          (zh, zh_TW or en: the interface's language;
 *                                         read by i18n.c, --lang wins, then this, then the locale)
 *
 * A command-line option always wins over the file. An unknown name or a bad
 * line is an error naming the file and line number: a typo must never be
 * silently ignored.
 */
#ifndef CUSTODY_CONFIG_H
#define CUSTODY_CONFIG_H

#include <stddef.h>

#include "archive.h"

#define CFG_MAX_BYTES (64u * 1024u) /* a settings file larger than this is refused */

typedef struct {
	char *tsa[SEAL_MAX_TOKENS];  /* owned */
	size_t ntsa;
	char *key, *cert;            /* owned, NULL: not set */
	char path[4096];             /* the file read ("" when there is none) */
} cfg_t;

/* Read the user's settings into cfg (zeroed first). A missing file is no
 * error (cfg stays empty). 0, or 2 with the reason printed as
 * "custody CMD: FILE:LINE: ..." and what to do. */
int cfg_load(const char *cmd, cfg_t *cfg);
void cfg_free(cfg_t *cfg);
/* Fill in what the command line left unset from cfg: key and cert when unset,
 * the TSA list when empty (pointers borrowed from cfg, which must outlive
 * them), and say so on stderr unless quiet. */
void cfg_apply(const cfg_t *cfg, const char *cmd, int quiet, const char **key, const char **cert,
               const char **tsa, size_t *ntsa);

#endif
