/*
 * keys.h — the operator's signing key for the front ends (private to
 * crawler/cli/): where keygen puts it by default and how crawl, stamp and
 * export find and load it.
 */
#ifndef CUSTODY_KEYS_H
#define CUSTODY_KEYS_H

#include <stddef.h>

#include "archive.h"

/* $XDG_CONFIG_HOME/custody, else $HOME/.config/custody. 0, or -1 (no HOME). */
int keys_config_dir(char *out, size_t outsz);
/* Prefix of the default key: "<config dir>/operator". */
int keys_default_prefix(char *out, size_t outsz);
/* Read a passphrase file: its first line, without the line end, at most 1023
 * bytes. 0, or -1 with why filled. out must hold 1024 bytes. */
int keys_read_pass(const char *path, char *out, size_t *len, char *why, size_t whysz);
/* The signer for a command: key/cert as given, or the default key when key is
 * NULL and it exists (*used_default = 1). *signer NULL and 0 returned when
 * there is no key at all. <0 with a message printed as "custody CMD: ..." on
 * a key that cannot be used. */
int keys_load(const char *cmd, const char *key, const char *cert, const char *pass_file,
              seal_signer_t **signer, int *used_default);

#endif
