/*
 * disguise_int.h — the de-disguising pass over a text map (disguise.c) and
 * the names of the disguises a finding reports (private to crawler/detect/).
 */
#ifndef CUSTODY_DISGUISE_INT_H
#define CUSTODY_DISGUISE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "detect_int.h"
#include "textmap.h"

enum {
	DG_CN_NUMERALS = 1 << 0,  /* 一三八 〇 零 壹贰叁 */
	DG_SPOKEN = 1 << 1,       /* 幺 腰 洞 两 拐 勾 */
	DG_CIRCLED = 1 << 2,      /* ① ⑴ 1️⃣ 𝟏 */
	DG_FULLWIDTH = 1 << 3,    /* １３８ */
	DG_SEPARATORS = 1 << 4,   /* 1–8–5…, 178•0327, 张·子·轩 */
	DG_EMOJI = 1 << 5,        /* 身❤️份❤️证, 138🔥0013 */
	DG_ZERO_WIDTH = 1 << 6,   /* U+200B.. and their entities */
	DG_SPLIT_MARKUP = 1 << 7, /* 175<br>0488, <span> inside the number */
	DG_HIDDEN = 1 << 8,       /* comments, data-*, <input value>, <noscript> */
	DG_ALIAS = 1 << 9,        /* 薇信, 扣扣, 企鹅号 */
	DG_EMAIL = 1 << 10        /* name at qq dot com */
};

/* The de-disguised map of in: out's text has the disguises undone, its maps
 * point at in's payload bytes, its segments are in's (joined where a number
 * ran across a break). *dis: per output byte, the DG_* bits (malloc'd).
 * 0, 1 when nothing was disguised (out left empty, *dis NULL: read in
 * itself), or ARC_ENOMEM (out then empty). */
int dg_normalize(const textmap_t *in, textmap_t *out, uint16_t **dis);
/* "cn_numerals,separators" for bits into out; returns the length. */
size_t dg_names_of(uint16_t bits, char *out, size_t outsz);

#endif
