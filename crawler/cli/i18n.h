/*
 * i18n.h — the interface language of custody and custody-verify (gettext, text
 * domain "custody", catalogues built from po/ by the Makefile).
 *
 * Translation happens at print time: the option tables in cmd_*.c and the
 * programs' messages stay English in the source (the msgids); cli_tr() gives
 * the words of the chosen language, or the msgid itself when the language is
 * English, the locale is C/POSIX, or no catalogue is found.
 */
#ifndef CUSTODY_I18N_H
#define CUSTODY_I18N_H

#include <stdio.h>

/* Choose the language, once, before anything is printed: --lang X (or
 * --lang=X) anywhere in argv before "--" wins; else $CUSTODY_LANG; else
 * `lang = X` in the settings file; else LANGUAGE, LC_ALL, LC_MESSAGES, LANG
 * as gettext reads them. X is zh (zh_CN), zh_TW or en.
 * Returns 0, or -1 when --lang names a language custody does not have (the
 * caller says so and exits 2). */
int cli_i18n_init(int argc, char **argv);

/* "zh_CN", "zh_TW" or "en": the language chosen. */
const char *cli_lang(void);

/* The translation of msgid in the chosen language, else msgid. For printf
 * formats too: the compiler checks the arguments against msgid. */
const char *cli_tr(const char *msgid) __attribute__((format_arg(1)));

/* Text pre-formatted in paragraphs ("\n\n" between them, as custody-verify's
 * help): each paragraph translated on its own, so that a change to one
 * leaves the others' translations standing. */
void cli_tr_text(FILE *f, const char *text);

/* The .pot of the strings the programs translate at print time
 * (`custody --dump-strings`, `custody-verify --dump-strings`; make pot): a
 * header, then one entry per distinct msgid, ref naming where it comes from. */
void cli_pot_header(FILE *f);
void cli_pot_entry(FILE *f, const char *msgid, const char *ref);
void cli_pot_text(FILE *f, const char *text, const char *ref); /* per paragraph */

#endif
