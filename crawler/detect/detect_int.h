/*
 * detect_int.h — private interfaces of the detector (crawler/ only):
 * finding types, validators (validate.c), the rules object (rules.c) and the
 * single-pass scanner (scanner.c) that detect.c drives.
 *
 * Everything here works on normalized UTF-8 text (textmap.h) and text offsets;
 * only detect.c knows about payload bytes. Nothing here prints or allocates
 * behind the caller's back: scanner results are owned by a scan_result_t.
 */
#ifndef CUSTODY_DETECT_INT_H
#define CUSTODY_DETECT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "detect.h"
#include "utf8_int.h"

/* ---------------------------------------------------------------- types */

typedef enum {
	DT_RESIDENT_ID = 0,
	DT_MOBILE,
	DT_LANDLINE,
	DT_BANK_CARD,
	DT_PASSPORT,
	DT_HK_ID,
	DT_TW_ID,
	DT_PLATE,
	DT_EMAIL,
	DT_QQ,
	DT_WECHAT,
	DT_SOCIAL,
	DT_ADDRESS,
	DT_NAME,
	DT_DOX,
	DT_INTL_PHONE,         /* +CC other than 86 (after DT_DOX: type order is API) */
	DT__COUNT
} detect_type_t;

/* "cn_resident_id", ... (static strings); NULL for an out-of-range value. */
const char *dt_type_name(int t);
/* Index of a type name, or -1. */
int dt_type_index(const char *name);

/* ---------------------------------------------------------------- validators
 * Inputs are normalized values: ASCII digits and upper-case letters only. */

/* Today's date as YYYYMMDD (UTC), used for "birth date not in the future". */
long dt_today(void);
/* 18-digit (last may be 'X') or 15-digit form; today: YYYYMMDD. */
int dt_valid_resident_id(const char *v, size_t n, long today);
int dt_luhn(const char *d, size_t n);
int dt_valid_bank_card(const char *d, size_t n);
int dt_valid_mobile(const char *d, size_t n);       /* 11 digits, no prefix */
/* Landline with area code, digits only (e.g. "01012345678"); area_len, if not
 * NULL, gets the length of the area code (3 or 4). */
int dt_valid_landline(const char *d, size_t n, size_t *area_len);
int dt_valid_passport(const char *v, size_t n);
int dt_valid_hk_id(const char *v, size_t n);        /* "A1234567" or "AB1234567" (check last) */
int dt_valid_tw_id(const char *v, size_t n);
int dt_valid_qq(const char *d, size_t n);
int dt_valid_wechat(const char *v, size_t n);       /* as written (case kept) */
int dt_valid_email(const char *v, size_t n);
/* A real calendar date, year >= 1900 and not after today (YYYYMMDD). */
int dt_valid_date(int y, int m, int d, long today);

/* Normalize an identifier as the detector and watch-hash do: digits and
 * letters kept (full-width folded, letters upper-cased), everything else
 * dropped; for cn_mobile a leading 86/0086 country code dropped; email and
 * social_handle lower-cased; address and name: whitespace dropped.
 * Writes at most outsz-1 bytes + NUL; returns the length, or -1 if it does not fit. */
long dt_normalize(int type, const char *in, size_t n, char *out, size_t outsz);
/* Guess the type of a bare identifier (watch-hash input): a validating type or -1. */
int dt_guess_type(const char *norm, size_t n);

/* ---------------------------------------------------------------- rules */

/* Keyword categories (bits in a trie word's mask). Categories below
 * DR_RECORD_MASK are recorded as context hits during the scan; the others
 * are looked up on demand (surnames, address suffixes...). */
enum {
	DR_DOX = 0,            /* strong dox keywords (开盒, 人肉): a signal on their own */
	DR_DOX_WEAK,           /* weak ones (曝光, 户籍): a signal next to other evidence */
	DR_NAMECTX,
	DR_NEG,
	DR_PLATFORM,
	DR_PROVINCE,
	DR_DOX_AMB,            /* ambiguous dox keywords (开盒, 人肉): strong next to a
	                          [dox_context] word, weak alone, nothing inside a
	                          [dox_not] word (打开盒子, 敌人肉搏) */
	DR_CTX0,               /* DR_CTX0 + detect_type_t: context words of a type */
	DR_SURNAME = DR_CTX0 + DT__COUNT,
	DR_NAME_STOP,
	DR_NAME_TITLE,
	DR_ADDR_ADMIN,
	DR_ADDR_STREET,
	DR_ADDR_NUMBER,
	DR_PLATE_PROV,
	DR__COUNT
};
#define DR_BIT(c) (1u << (c))
#define DR_RECORD_MASK ((1u << DR_SURNAME) - 1u)
#define DR_CTX_BIT(t) DR_BIT(DR_CTX0 + (t))
#define DR_DOX_ANY (DR_BIT(DR_DOX) | DR_BIT(DR_DOX_WEAK) | DR_BIT(DR_DOX_AMB))
_Static_assert(DR__COUNT <= 32, "rule categories are bits of a uint32_t");

/* Lexicon categories (a second trie, looked up on demand): words that are
 * not names ([common_word]: words starting with a surname character, places;
 * [frequent_word]: frequent words a given name is not), words a dox keyword
 * sits inside in an ordinary sense ([dox_not]), words that make an ambiguous
 * dox keyword mean doxing ([dox_context]), words that make an address a
 * person's ([address_personal]), and name context words that are ordinary
 * terms too (当事人, 本人: [name_context_loose]) and need a separator before
 * the name, and surnames that are far more often function words (和, 有, 但:
 * [surname_weak]), taken for a name only as a whole JSON value; name context
 * words meaning "called" (名叫, 叫做: [name_context_called]), after which the
 * name must end where a word ends (not 名叫郭守敬纪念馆), and characters a
 * given name does not end with (寺, 府, 市: [name_end_not]), and words between
 * an address context word and the address (是在, 位于: [address_lead]). */
enum { DL_COMMON = 0, DL_WORD, DL_DOX_NOT, DL_DOX_CTX, DL_ADDR_PERSONAL, DL_NAMECTX_LOOSE,
       DL_SURNAME_WEAK, DL_NAMECTX_CALLED, DL_NAME_END_NOT, DL_ADDR_LEAD };
/* Longest lexicon word of category cat (DL_*) at pos, in bytes (0: none). */
size_t dt_rules_lex(const detect_rules_t *r, const char *text, size_t len, size_t pos, int cat);

/* Tunable numbers from the [setting] section. */
typedef struct {
	int verdict_min_types;  /* distinct identifier types that alone make a page doxing */
	int context_window;     /* bytes before a candidate searched for context words */
	double min_score;       /* findings below are dropped */
} detect_settings_t;

/* Longest rule word matching text at pos whose categories intersect mask
 * (ASCII case-insensitive; ASCII-letter edges need a non-letter neighbour).
 * Returns its byte length (0: none) and in *cats the categories of it and of
 * the shorter words matched on the way (a prefix's meaning carries over). */
size_t dt_rules_match(const detect_rules_t *r, const char *text, size_t len,
                          size_t pos, uint32_t mask, uint32_t *cats);
const detect_settings_t *dt_rules_settings(const detect_rules_t *r);
/* Context categories a JSON key lends to its value ([json_key.<type>]
 * sections: DR_CTX_BIT(type), DR_BIT(DR_NAMECTX) for person_name), or 0.
 * The key is compared whole, ASCII case and '_' '-' '.' blanks ignored. */
uint32_t dt_rules_json_key(const detect_rules_t *r, const char *key, size_t n);
/* Parse rules text (name is used in error messages as "name:line"). */
detect_rules_t *dt_rules_parse(const char *buf, size_t len, const char *name,
                                   arc_error_t *err);
/* The parsed rules as one flat image (*out malloc'd, host byte order; see
 * rules.c), and back: the image must stay alive and unchanged while the rules
 * object lives (its node arrays are used in place), and be 8-byte aligned. */
int dt_rules_image(const detect_rules_t *r, unsigned char **out, size_t *len);
detect_rules_t *dt_rules_from_image(const unsigned char *img, size_t len, const char *name,
                                    arc_error_t *err);

/* ---------------------------------------------------------------- scanner */

typedef struct {
	int type;             /* detect_type_t */
	size_t ts, te;        /* [ts,te) in the normalized text */
	char *value;          /* normalized value (owned) */
	double score;
} scan_match_t;

typedef struct {
	scan_match_t *v;
	size_t n, cap;
} scan_result_t;

/* One pass over text for every type; matches come back sorted by ts.
 * 0 or ARC_ENOMEM. */
int dt_scan(const detect_rules_t *r, const char *text, size_t len, scan_result_t *out);

/* A JSON value at text [s,e) whose key lends it context (dt_rules_json_key). */
typedef struct {
	size_t s, e;
	uint32_t cats;
} scan_key_t;

/* dt_scan with key context: keys sorted by s, non-overlapping (one per
 * JSON value segment). Each acts as a context word right before its value
 * that reaches no further than the value's end; a person_name key takes the
 * value as a name only when the whole value is one. */
int dt_scan_keys(const detect_rules_t *r, const char *text, size_t len,
                     const scan_key_t *keys, size_t nkeys, scan_result_t *out);
void dt_scan_free(scan_result_t *s);

/* The page verdict from a set of matches (rule documented in detect.c). */
void dt_verdict(const detect_rules_t *r, const scan_match_t *m, size_t n,
                    int *doxing, double *score);

/* ---------------------------------------------------------------- watchlist */

/* hex of SHA-256(salt || value) into out[65]. */
void dt_watch_digest(const unsigned char *salt, size_t salt_len, const char *value,
                         char out[65]);

/* The score of a strong dox keyword (scanner.c); the verdict (verdict.c)
 * tells strong keywords from weak ones by it. */
#define DETECT_SCORE_DOX 0.7
/* The score of an address with a personal context (住址, 家住): the verdict
 * weighs only those as a medium identifier. */
#define DETECT_SCORE_ADDR_PERSONAL 0.9

#endif
