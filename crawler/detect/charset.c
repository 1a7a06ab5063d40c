/*
 * charset.c — which charset a payload is in, and its decoding to UTF-8 with,
 * for every decoded byte, the payload range of its source character.
 *
 * Detection follows the browser's order (WHATWG "encoding sniffing"): a BOM,
 * then the HTTP Content-Type charset, then for markup an XML declaration or a
 * <meta charset> / <meta http-equiv content="...charset=..."> in the first
 * 4096 bytes, then UTF-16 recognised by NUL patterns (JSON without BOM), then
 * sniffing: valid UTF-8, else GB18030 or Big5 by their byte structure, else
 * windows-1252. Labels map as in the WHATWG Encoding standard (gbk, gb2312 ->
 * GB18030; big5 -> Big5-HKSCS; latin1, us-ascii -> windows-1252; ...).
 *
 * Decoding: UTF-8 is not decoded at all (the payload is its own text; the
 * builder replaces bad bytes). UTF-16 is decoded here. Legacy multi-byte
 * charsets are cut into characters by their byte structure, each run of
 * non-ASCII characters converted by one iconv call and matched one to one
 * with the cut; if iconv disagrees (an unmapped code, or a code that maps to
 * two code points as a few Big5-HKSCS ones do) the run is redone one
 * character per call. Single-byte charsets use a 128-entry table built with
 * iconv. Undecodable bytes become U+FFFD mapped to exactly those bytes.
 *
 * It must never guess an offset: every decoded byte carries the payload range
 * of the character it came from, and ranges never overlap or go backwards.
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textmap_int.h"

/* decoded maps keep payload offsets in 32 bits */
_Static_assert(TEXTMAP_MAX_INPUT <= UINT32_MAX, "TEXTMAP_MAX_INPUT must fit the uint32_t maps");

enum { CS_UTF8, CS_UTF16LE, CS_UTF16BE, CS_SINGLE, CS_MULTI };
enum { MB_NONE, MB_GB18030, MB_BIG5, MB_SJIS, MB_EUCJP, MB_EUCKR };

typedef struct {
	const char *name;        /* reported name */
	int kind, model;
	const char *iconv1, *iconv2; /* iconv names, second as fallback */
} cs_def_t;

static const cs_def_t CS_DEFS[] = {
	{"UTF-8", CS_UTF8, MB_NONE, NULL, NULL},
	{"UTF-16LE", CS_UTF16LE, MB_NONE, NULL, NULL},
	{"UTF-16BE", CS_UTF16BE, MB_NONE, NULL, NULL},
	{"GB18030", CS_MULTI, MB_GB18030, "GB18030", "GBK"},
	{"BIG5-HKSCS", CS_MULTI, MB_BIG5, "BIG5-HKSCS", "BIG5"},
	{"SHIFT_JIS", CS_MULTI, MB_SJIS, "CP932", "SHIFT_JIS"},
	{"EUC-JP", CS_MULTI, MB_EUCJP, "EUC-JP", NULL},
	{"EUC-KR", CS_MULTI, MB_EUCKR, "CP949", "EUC-KR"},
	{"WINDOWS-1252", CS_SINGLE, MB_NONE, "CP1252", "ISO-8859-1"},
	{"ISO-8859-2", CS_SINGLE, MB_NONE, "ISO-8859-2", NULL},
	{"ISO-8859-3", CS_SINGLE, MB_NONE, "ISO-8859-3", NULL},
	{"ISO-8859-4", CS_SINGLE, MB_NONE, "ISO-8859-4", NULL},
	{"ISO-8859-5", CS_SINGLE, MB_NONE, "ISO-8859-5", NULL},
	{"ISO-8859-6", CS_SINGLE, MB_NONE, "ISO-8859-6", NULL},
	{"ISO-8859-7", CS_SINGLE, MB_NONE, "ISO-8859-7", NULL},
	{"ISO-8859-8", CS_SINGLE, MB_NONE, "ISO-8859-8", NULL},
	{"ISO-8859-9", CS_SINGLE, MB_NONE, "ISO-8859-9", NULL},
	{"ISO-8859-10", CS_SINGLE, MB_NONE, "ISO-8859-10", NULL},
	{"ISO-8859-11", CS_SINGLE, MB_NONE, "ISO-8859-11", NULL},
	{"ISO-8859-13", CS_SINGLE, MB_NONE, "ISO-8859-13", NULL},
	{"ISO-8859-14", CS_SINGLE, MB_NONE, "ISO-8859-14", NULL},
	{"ISO-8859-15", CS_SINGLE, MB_NONE, "ISO-8859-15", NULL},
	{"ISO-8859-16", CS_SINGLE, MB_NONE, "ISO-8859-16", NULL},
	{"WINDOWS-1250", CS_SINGLE, MB_NONE, "CP1250", NULL},
	{"WINDOWS-1251", CS_SINGLE, MB_NONE, "CP1251", NULL},
	{"WINDOWS-1253", CS_SINGLE, MB_NONE, "CP1253", NULL},
	{"WINDOWS-1254", CS_SINGLE, MB_NONE, "CP1254", NULL},
	{"WINDOWS-1255", CS_SINGLE, MB_NONE, "CP1255", NULL},
	{"WINDOWS-1256", CS_SINGLE, MB_NONE, "CP1256", NULL},
	{"WINDOWS-1257", CS_SINGLE, MB_NONE, "CP1257", NULL},
	{"WINDOWS-1258", CS_SINGLE, MB_NONE, "CP1258", NULL},
	{"KOI8-R", CS_SINGLE, MB_NONE, "KOI8-R", NULL},
	{"KOI8-U", CS_SINGLE, MB_NONE, "KOI8-U", NULL},
	{"IBM866", CS_SINGLE, MB_NONE, "CP866", NULL},
};

static const struct {
	const char *label, *name;
} LABELS[] = {
	{"utf-8", "UTF-8"}, {"utf8", "UTF-8"}, {"unicode-1-1-utf-8", "UTF-8"},
	{"unicode11utf8", "UTF-8"}, {"unicode20utf8", "UTF-8"}, {"x-unicode20utf8", "UTF-8"},
	{"gb18030", "GB18030"}, {"gbk", "GB18030"}, {"gb2312", "GB18030"}, {"x-gbk", "GB18030"},
	{"chinese", "GB18030"}, {"csgb2312", "GB18030"}, {"csiso58gb231280", "GB18030"},
	{"gb_2312", "GB18030"}, {"gb_2312-80", "GB18030"}, {"iso-ir-58", "GB18030"},
	{"cp936", "GB18030"}, {"windows-936", "GB18030"}, {"euc-cn", "GB18030"},
	{"big5", "BIG5-HKSCS"}, {"big5-hkscs", "BIG5-HKSCS"}, {"cn-big5", "BIG5-HKSCS"},
	{"csbig5", "BIG5-HKSCS"}, {"x-x-big5", "BIG5-HKSCS"}, {"cp950", "BIG5-HKSCS"},
	{"shift_jis", "SHIFT_JIS"}, {"shift-jis", "SHIFT_JIS"}, {"sjis", "SHIFT_JIS"},
	{"csshiftjis", "SHIFT_JIS"}, {"ms932", "SHIFT_JIS"}, {"ms_kanji", "SHIFT_JIS"},
	{"windows-31j", "SHIFT_JIS"}, {"x-sjis", "SHIFT_JIS"}, {"cp932", "SHIFT_JIS"},
	{"euc-jp", "EUC-JP"}, {"x-euc-jp", "EUC-JP"}, {"cseucpkdfmtjapanese", "EUC-JP"},
	{"euc-kr", "EUC-KR"}, {"cseuckr", "EUC-KR"}, {"csksc56011987", "EUC-KR"},
	{"iso-ir-149", "EUC-KR"}, {"korean", "EUC-KR"}, {"ks_c_5601-1987", "EUC-KR"},
	{"ks_c_5601-1989", "EUC-KR"}, {"ksc5601", "EUC-KR"}, {"ksc_5601", "EUC-KR"},
	{"windows-949", "EUC-KR"}, {"cp949", "EUC-KR"}, {"uhc", "EUC-KR"},
	{"windows-1252", "WINDOWS-1252"}, {"cp1252", "WINDOWS-1252"}, {"x-cp1252", "WINDOWS-1252"},
	{"iso-8859-1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"}, {"iso88591", "WINDOWS-1252"},
	{"iso_8859-1", "WINDOWS-1252"}, {"iso_8859-1:1987", "WINDOWS-1252"}, {"latin1", "WINDOWS-1252"},
	{"l1", "WINDOWS-1252"}, {"cp819", "WINDOWS-1252"}, {"ibm819", "WINDOWS-1252"},
	{"csisolatin1", "WINDOWS-1252"}, {"iso-ir-100", "WINDOWS-1252"}, {"us-ascii", "WINDOWS-1252"},
	{"ascii", "WINDOWS-1252"}, {"ansi_x3.4-1968", "WINDOWS-1252"},
	{"utf-16", "UTF-16LE"}, {"utf-16le", "UTF-16LE"}, {"unicode", "UTF-16LE"},
	{"ucs-2", "UTF-16LE"}, {"csunicode", "UTF-16LE"}, {"iso-10646-ucs-2", "UTF-16LE"},
	{"unicodefeff", "UTF-16LE"}, {"utf-16be", "UTF-16BE"}, {"unicodefffe", "UTF-16BE"},
	{"koi8-r", "KOI8-R"}, {"koi8", "KOI8-R"}, {"koi", "KOI8-R"}, {"cskoi8r", "KOI8-R"},
	{"koi8_r", "KOI8-R"}, {"koi8-u", "KOI8-U"}, {"koi8-ru", "KOI8-U"},
	{"ibm866", "IBM866"}, {"cp866", "IBM866"}, {"866", "IBM866"}, {"csibm866", "IBM866"},
};

static const cs_def_t *cs_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof CS_DEFS / sizeof CS_DEFS[0]; i++)
		if (!strcmp(CS_DEFS[i].name, name))
			return &CS_DEFS[i];
	return NULL;
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

const char *tm_charset_for_label(const char *label, size_t len)
{
	while (len && (is_space((unsigned char)*label) || *label == '"' || *label == '\'')) {
		label++;
		len--;
	}
	while (len && (is_space((unsigned char)label[len - 1]) || label[len - 1] == '"' ||
	               label[len - 1] == '\''))
		len--;
	char l[48];
	if (len == 0 || len >= sizeof l)
		return NULL;
	for (size_t i = 0; i < len; i++)
		l[i] = (char)lower((unsigned char)label[i]);
	l[len] = 0;
	for (size_t i = 0; i < sizeof LABELS / sizeof LABELS[0]; i++)
		if (!strcmp(LABELS[i].label, l))
			return LABELS[i].name;
	/* iso-8859-N, iso8859-N, iso_8859-N, windows-125N, cp125N */
	static const char *const iso[] = {"iso-8859-", "iso8859-", "iso_8859-", "iso8859"};
	for (size_t k = 0; k < 4; k++) {
		size_t pl = strlen(iso[k]);
		if (len > pl && len <= pl + 2 && !memcmp(l, iso[k], pl)) {
			char nm[16];
			snprintf(nm, sizeof nm, "ISO-8859-%s", l + pl);
			const cs_def_t *d = cs_by_name(nm);
			return d ? d->name : NULL;
		}
	}
	const char *num = NULL;
	if (len == 12 && !memcmp(l, "windows-125", 11))
		num = l + 11;
	else if (len == 6 && !memcmp(l, "cp125", 5))
		num = l + 5;
	else if (len == 8 && !memcmp(l, "x-cp125", 7))
		num = l + 7;
	if (num) {
		char nm[16];
		snprintf(nm, sizeof nm, "WINDOWS-125%c", *num);
		const cs_def_t *d = cs_by_name(nm);
		return d ? d->name : NULL;
	}
	return NULL;
}

static const cs_def_t *cs_for_label(const unsigned char *l, size_t len)
{
	const char *name = tm_charset_for_label((const char *)l, len);
	return name ? cs_by_name(name) : NULL;
}

/* ------------------------------------------------------------ detection */

static int ieq(const unsigned char *p, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	if (n < l)
		return 0;
	for (size_t i = 0; i < l; i++)
		if (lower(p[i]) != (unsigned char)lit[i])
			return 0;
	return 1;
}

/* The value after "charset" [ws] "=" in s[0,n) ("...; charset=gbk"), per the
 * WHATWG "extracting a character encoding from a meta element" algorithm. */
static const cs_def_t *charset_in(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i + 7 <= n; i++) {
		if (!ieq(s + i, n - i, "charset"))
			continue;
		size_t j = i + 7;
		while (j < n && is_space(s[j]))
			j++;
		if (j >= n || s[j] != '=')
			continue;
		j++;
		while (j < n && is_space(s[j]))
			j++;
		if (j >= n)
			return NULL;
		size_t a, b;
		if (s[j] == '"' || s[j] == '\'') {
			unsigned char q = s[j];
			a = j + 1;
			for (b = a; b < n && s[b] != q; b++)
				;
			if (b >= n)
				return NULL;
		} else {
			a = j;
			for (b = a; b < n && !is_space(s[b]) && s[b] != ';' && s[b] != ',' &&
			            s[b] != '"' && s[b] != '\'';
			     b++)
				;
		}
		return cs_for_label(s + a, b - a);
	}
	return NULL;
}

/* One attribute of a tag at p[*i]: name [na,nb), value [va,vb). 0 at '>' or end. */
static int prescan_attr(const unsigned char *p, size_t n, size_t *i, size_t *na, size_t *nb,
                        size_t *va, size_t *vb)
{
	size_t j = *i;
	while (j < n && (is_space(p[j]) || p[j] == '/'))
		j++;
	if (j >= n || p[j] == '>') {
		*i = j;
		return 0;
	}
	*na = j;
	while (j < n && !is_space(p[j]) && p[j] != '/' && p[j] != '>' && (p[j] != '=' || j == *na))
		j++;
	*nb = j;
	while (j < n && is_space(p[j]))
		j++;
	*va = *vb = j;
	if (j < n && p[j] == '=') {
		j++;
		while (j < n && is_space(p[j]))
			j++;
		if (j < n && (p[j] == '"' || p[j] == '\'')) {
			unsigned char q = p[j++];
			*va = j;
			while (j < n && p[j] != q)
				j++;
			*vb = j;
			if (j < n)
				j++;
		} else {
			*va = j;
			while (j < n && !is_space(p[j]) && p[j] != '>')
				j++;
			*vb = j;
		}
	}
	*i = j;
	return 1;
}

static const cs_def_t *meta_prescan(const unsigned char *p, size_t n)
{
	size_t lim = n < 4096 ? n : 4096;
	size_t i = 0;
	while (i < lim) {
		if (p[i] != '<') {
			i++;
			continue;
		}
		if (ieq(p + i, lim - i, "<!--")) {
			size_t j = i + 4;
			while (j + 3 <= lim && memcmp(p + j, "-->", 3))
				j++;
			i = j + 3;
			continue;
		}
		if (ieq(p + i, lim - i, "<meta") && i + 5 < lim && (is_space(p[i + 5]) || p[i + 5] == '/')) {
			size_t j = i + 5, na, nb, va, vb;
			int got_pragma = 0, need_pragma = -1;
			const cs_def_t *cs = NULL;
			while (prescan_attr(p, lim, &j, &na, &nb, &va, &vb)) {
				size_t nl = nb - na;
				if (nl == 10 && ieq(p + na, nl, "http-equiv")) {
					if (vb - va == 12 && ieq(p + va, 12, "content-type"))
						got_pragma = 1;
				} else if (nl == 7 && ieq(p + na, nl, "content")) {
					if (!cs && need_pragma != 0) {
						cs = charset_in(p + va, vb - va);
						if (cs)
							need_pragma = 1;
					}
				} else if (nl == 7 && ieq(p + na, nl, "charset")) {
					const cs_def_t *c = cs_for_label(p + va, vb - va);
					if (c) {
						cs = c;
						need_pragma = 0;
					}
				}
			}
			if (cs && (need_pragma == 0 || got_pragma)) {
				/* a page read as ASCII cannot really be UTF-16 */
				if (cs->kind == CS_UTF16LE || cs->kind == CS_UTF16BE)
					cs = cs_by_name("UTF-8");
				return cs;
			}
			i = j + 1;
			continue;
		}
		/* other markup: skip to its end so attribute values are not read as tags */
		size_t j = i + 1;
		if (j < lim && ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z') || p[j] == '/')) {
			size_t na, nb, va, vb;
			while (j < lim && !is_space(p[j]) && p[j] != '>')
				j++;
			while (prescan_attr(p, lim, &j, &na, &nb, &va, &vb))
				;
		} else {
			while (j < lim && p[j] != '>')
				j++;
		}
		i = j + 1;
	}
	return NULL;
}

static const cs_def_t *xml_decl(const unsigned char *p, size_t n)
{
	if (!ieq(p, n, "<?xml"))
		return NULL;
	size_t lim = n < 512 ? n : 512, end = 5;
	while (end + 1 < lim && !(p[end] == '?' && p[end + 1] == '>'))
		end++;
	for (size_t i = 5; i + 8 <= end; i++) {
		if (!ieq(p + i, end - i, "encoding"))
			continue;
		size_t j = i + 8;
		while (j < end && is_space(p[j]))
			j++;
		if (j >= end || p[j] != '=')
			return NULL;
		j++;
		while (j < end && is_space(p[j]))
			j++;
		if (j >= end || (p[j] != '"' && p[j] != '\''))
			return NULL;
		unsigned char q = p[j++];
		size_t a = j;
		while (j < end && p[j] != q)
			j++;
		const cs_def_t *cs = cs_for_label(p + a, j - a);
		if (cs && (cs->kind == CS_UTF16LE || cs->kind == CS_UTF16BE))
			cs = cs_by_name("UTF-8");
		return cs;
	}
	return NULL;
}

/* UTF-16 without BOM: ASCII-range text has a NUL in every other byte. */
static const cs_def_t *nul_pattern(const unsigned char *p, size_t n)
{
	size_t lim = n < 512 ? n & ~(size_t)1 : 512;
	if (lim < 4)
		return NULL;
	size_t even = 0, odd = 0;
	for (size_t i = 0; i < lim; i += 2) {
		even += p[i] == 0;
		odd += p[i + 1] == 0;
	}
	size_t pairs = lim / 2;
	if (odd * 10 >= pairs * 4 && even * 20 < pairs)
		return cs_by_name("UTF-16LE");
	if (even * 10 >= pairs * 4 && odd * 20 < pairs)
		return cs_by_name("UTF-16BE");
	return NULL;
}

static size_t mb_charlen(int model, const unsigned char *p, size_t n);

static const cs_def_t *sniff(const unsigned char *p, size_t n)
{
	size_t lim = n < 65536 ? n : 65536;
	size_t i = 0;
	int utf8 = 1;
	while (i < lim) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t k = u8_dec(p + i, n - i, &cp);
		if (!k) {
			/* a character cut by the window is not evidence against UTF-8 */
			if (i + 4 > lim && lim < n)
				break;
			utf8 = 0;
			break;
		}
		i += k;
	}
	if (utf8)
		return cs_by_name("UTF-8");
	size_t gb_ok = 0, gb_bad = 0, b5_ok = 0, b5_bad = 0, b5_low = 0;
	for (i = 0; i < lim;) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = mb_charlen(MB_GB18030, p + i, lim - i);
		if (k)
			gb_ok++;
		else
			gb_bad++;
		i += k ? k : 1;
	}
	for (i = 0; i < lim;) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = mb_charlen(MB_BIG5, p + i, lim - i);
		if (k) {
			b5_ok++;
			b5_low += p[i + 1] < 0x80;
		} else {
			b5_bad++;
		}
		i += k ? k : 1;
	}
	/* Big5 puts ~40% of common characters on trail bytes 0x40-0x7E; GBK text
	 * (GB2312 characters) almost never does. */
	if (b5_ok && b5_bad * 50 <= b5_ok && b5_low * 5 > b5_ok)
		return cs_by_name("BIG5-HKSCS");
	if (gb_ok && gb_bad * 50 <= gb_ok)
		return cs_by_name("GB18030");
	return cs_by_name("WINDOWS-1252");
}

/* A payload that holds non-ASCII text and is valid UTF-8 throughout. */
static int utf8_clean(const unsigned char *p, size_t n)
{
	int high = 0;
	for (size_t i = 0; i < n;) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t k = u8_dec(p + i, n - i, &cp);
		if (!k)
			return 0;
		high = 1;
		i += k;
	}
	return high;
}

/* Every non-ASCII byte sequence is a character of the multi-byte model. */
static int mb_clean(int model, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = mb_charlen(model, p + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

/* Which charset: BOM, then the declared one (HTTP, XML declaration, <meta>),
 * then sniffing. A declared legacy multi-byte charset (gb2312, big5, ...)
 * under which the bytes are not valid, while they are valid UTF-8 with
 * non-ASCII text, is a lie browsers' sniffers see through: UTF-8 is used. */
static const cs_def_t *detect(const char *ct, const unsigned char *p, size_t n, int markup,
                              size_t *bom)
{
	*bom = 0;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		*bom = 3;
		return cs_by_name("UTF-8");
	}
	if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
		*bom = 2;
		return cs_by_name("UTF-16LE");
	}
	if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
		*bom = 2;
		return cs_by_name("UTF-16BE");
	}
	const cs_def_t *cs = NULL;
	if (ct) {
		const char *semi = strchr(ct, ';');
		if (semi)
			cs = charset_in((const unsigned char *)semi, strlen(semi));
	}
	if (!cs)
		cs = xml_decl(p, n);
	if (!cs && markup)
		cs = meta_prescan(p, n);
	if (!cs)
		cs = nul_pattern(p, n);
	if (!cs)
		cs = sniff(p, n);
	else if (cs->kind == CS_MULTI && utf8_clean(p, n) && !mb_clean(cs->model, p, n))
		cs = cs_by_name("UTF-8");  /* the label lies: the bytes are UTF-8 */
	return cs;
}

/* ------------------------------------------------------------- decoding */

typedef struct {
	unsigned char *d;
	uint32_t *ms, *me;
	size_t len, cap;
	int oom;
} dbuf_t;

static int dreserve(dbuf_t *o, size_t more)
{
	if (o->oom)
		return -1;
	if (more <= o->cap - o->len)
		return 0;
	size_t nc = o->cap ? o->cap : 256;
	while (nc - o->len < more) {
		if (nc > SIZE_MAX / 8)
			goto fail;
		nc *= 2;
	}
	if (tm_grow_map(&o->d, &o->ms, &o->me, nc, 0))
		goto fail;
	o->cap = nc;
	return 0;
fail:
	o->oom = 1;
	return -1;
}

static inline void dput(dbuf_t *o, uint32_t cp, size_t s, size_t e)
{
	if (o->cap - o->len < 4 && dreserve(o, 4) != 0)
		return;
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	unsigned char buf[4];
	size_t k = u8_enc(cp, buf);
	for (size_t i = 0; i < k; i++) {
		o->d[o->len] = buf[i];
		o->ms[o->len] = (uint32_t)s;
		o->me[o->len] = (uint32_t)e;
		o->len++;
	}
}

static void decode_utf16(dbuf_t *o, const unsigned char *p, size_t n, size_t i, int be)
{
	if (dreserve(o, (n - i) / 2 * 3 + 8) != 0)
		return;
	while (i + 1 < n && !o->oom) {
		uint32_t u = be ? ((uint32_t)p[i] << 8 | p[i + 1]) : ((uint32_t)p[i + 1] << 8 | p[i]);
		if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
			uint32_t v = be ? ((uint32_t)p[i + 2] << 8 | p[i + 3])
			                : ((uint32_t)p[i + 3] << 8 | p[i + 2]);
			if (v >= 0xDC00 && v <= 0xDFFF) {
				dput(o, 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00), i, i + 4);
				i += 4;
				continue;
			}
		}
		dput(o, (u >= 0xD800 && u <= 0xDFFF) ? 0xFFFD : u, i, i + 2);
		i += 2;
	}
	if (i < n)
		dput(o, 0xFFFD, i, n);
}

static iconv_t open_cd(const cs_def_t *cs)
{
	iconv_t cd = iconv_open("UTF-32LE", cs->iconv1);
	if (cd == (iconv_t)-1 && cs->iconv2)
		cd = iconv_open("UTF-32LE", cs->iconv2);
	return cd;
}

/* Convert one character's bytes; returns the number of code points (<= max)
 * or 0 when iconv rejects them. */
static size_t conv_one(iconv_t cd, const unsigned char *p, size_t k, uint32_t *cps, size_t max)
{
	unsigned char out[32];
	char *in = (char *)(uintptr_t)p, *op = (char *)out;
	size_t inl = k, outl = max * 4 < sizeof out ? max * 4 : sizeof out;
	size_t r = iconv(cd, &in, &inl, &op, &outl);
	size_t made = (size_t)(op - (char *)out) / 4;
	iconv(cd, NULL, NULL, NULL, NULL);
	if (r == (size_t)-1 || inl != 0 || made == 0)
		return 0;
	for (size_t i = 0; i < made; i++)
		cps[i] = (uint32_t)out[4 * i] | (uint32_t)out[4 * i + 1] << 8 |
		         (uint32_t)out[4 * i + 2] << 16 | (uint32_t)out[4 * i + 3] << 24;
	return made;
}

static void decode_single(dbuf_t *o, const cs_def_t *cs, const unsigned char *p, size_t n, size_t i)
{
	uint32_t table[128];
	iconv_t cd = open_cd(cs);
	for (unsigned c = 0; c < 128; c++) {
		unsigned char byte = (unsigned char)(0x80 + c);
		uint32_t cp[2];
		if (cd != (iconv_t)-1 && conv_one(cd, &byte, 1, cp, 2) == 1)
			table[c] = cp[0];
		else if (cd == (iconv_t)-1 || !strcmp(cs->name, "WINDOWS-1252"))
			table[c] = byte; /* WHATWG: unmapped windows-1252 bytes are C1 controls */
		else
			table[c] = 0xFFFD;
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	if (dreserve(o, (n - i) * 3 + 8) != 0)
		return;
	for (; i < n; i++) {
		unsigned c = p[i];
		if (c < 0x80) {
			o->d[o->len] = (unsigned char)c;
			o->ms[o->len] = (uint32_t)i;
			o->me[o->len] = (uint32_t)i + 1;
			o->len++;
		} else {
			dput(o, table[c - 0x80], i, i + 1);
		}
	}
}

/* Bytes of the multi-byte character at p[0] (p[0] >= 0x80), 0 if malformed. */
static size_t mb_charlen(int model, const unsigned char *p, size_t n)
{
	unsigned c = p[0], t = n > 1 ? p[1] : 0;
	switch (model) {
	case MB_GB18030:
		if (c < 0x81 || c > 0xFE || n < 2)
			return 0;
		if (t >= 0x40 && t <= 0xFE && t != 0x7F)
			return 2;
		if (t >= 0x30 && t <= 0x39 && n >= 4 && p[2] >= 0x81 && p[2] <= 0xFE && p[3] >= 0x30 &&
		    p[3] <= 0x39)
			return 4;
		return 0;
	case MB_BIG5:
		if (c < 0x81 || c > 0xFE || n < 2)
			return 0;
		return ((t >= 0x40 && t <= 0x7E) || (t >= 0xA1 && t <= 0xFE)) ? 2 : 0;
	case MB_SJIS:
		if (c >= 0xA1 && c <= 0xDF)
			return 1;
		if (n < 2 || !((c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC)))
			return 0;
		return ((t >= 0x40 && t <= 0x7E) || (t >= 0x80 && t <= 0xFC)) ? 2 : 0;
	case MB_EUCJP:
		if (n < 2)
			return 0;
		if (c == 0x8E)
			return (t >= 0xA1 && t <= 0xDF) ? 2 : 0;
		if (c == 0x8F)
			return (n >= 3 && t >= 0xA1 && t <= 0xFE && p[2] >= 0xA1 && p[2] <= 0xFE) ? 3 : 0;
		return (c >= 0xA1 && c <= 0xFE && t >= 0xA1 && t <= 0xFE) ? 2 : 0;
	case MB_EUCKR:
		if (c < 0x81 || c > 0xFE || n < 2)
			return 0;
		return ((t >= 0x41 && t <= 0x5A) || (t >= 0x61 && t <= 0x7A) || (t >= 0x81 && t <= 0xFE))
		               ? 2
		               : 0;
	}
	return 0;
}

#define RUN_MAX 1024

static void decode_multi(dbuf_t *o, const cs_def_t *cs, const unsigned char *p, size_t n, size_t i)
{
	iconv_t cd = open_cd(cs);
	if (cd == (iconv_t)-1) {
		decode_single(o, cs_by_name("WINDOWS-1252"), p, n, i);
		return;
	}
	size_t bnd[RUN_MAX + 1];
	unsigned char out[RUN_MAX * 8];
	if (dreserve(o, (n - i) * 3 / 2 + 16) != 0)
		goto done;
	while (i < n && !o->oom) {
		if (p[i] < 0x80) {
			if (dreserve(o, 1) != 0)
				break;
			o->d[o->len] = p[i];
			o->ms[o->len] = (uint32_t)i;
			o->me[o->len] = (uint32_t)i + 1;
			o->len++;
			i++;
			continue;
		}
		size_t nb = 0, j = i;
		while (j < n && p[j] >= 0x80 && nb < RUN_MAX) {
			size_t k = mb_charlen(cs->model, p + j, n - j);
			if (!k)
				break;
			bnd[nb++] = j;
			j += k;
		}
		if (nb == 0) {
			/* WHATWG gb18030: a lone 0x80 is the euro sign */
			dput(o, (cs->model == MB_GB18030 && p[i] == 0x80) ? 0x20AC : 0xFFFD, i, i + 1);
			i++;
			continue;
		}
		bnd[nb] = j;
		char *in = (char *)(uintptr_t)(p + i), *op = (char *)out;
		size_t inl = j - i, outl = sizeof out;
		size_t r = iconv(cd, &in, &inl, &op, &outl);
		size_t made = (size_t)(op - (char *)out) / 4;
		if (r != (size_t)-1 && inl == 0 && made == nb) {
			for (size_t t = 0; t < nb; t++) {
				const unsigned char *q = out + 4 * t;
				uint32_t cp = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
				              (uint32_t)q[3] << 24;
				dput(o, cp, bnd[t], bnd[t + 1]);
			}
		} else {
			/* iconv and the byte structure disagree: one character at a time */
			iconv(cd, NULL, NULL, NULL, NULL);
			for (size_t t = 0; t < nb; t++) {
				uint32_t cps[4];
				size_t k = bnd[t + 1] - bnd[t];
				size_t m = conv_one(cd, p + bnd[t], k, cps, 4);
				if (m) {
					for (size_t u = 0; u < m; u++)
						dput(o, cps[u], bnd[t], bnd[t + 1]);
				} else if (k == 2 && p[bnd[t] + 1] < 0x80) {
					/* WHATWG: an ASCII trail byte of a bad pair stays ASCII */
					dput(o, 0xFFFD, bnd[t], bnd[t] + 1);
					dput(o, p[bnd[t] + 1], bnd[t] + 1, bnd[t] + 2);
				} else {
					dput(o, 0xFFFD, bnd[t], bnd[t + 1]);
				}
			}
		}
		i = j;
	}
done:
	iconv_close(cd);
}

int tm_decode(const char *content_type, const unsigned char *p, size_t n, int markup, tm_src_t *src)
{
	memset(src, 0, sizeof *src);
	size_t bom;
	const cs_def_t *cs = detect(content_type, p, n, markup, &bom);
	snprintf(src->charset, sizeof src->charset, "%s", cs->name);
	if (cs->kind == CS_UTF8) {
		src->d = p;
		src->n = n;
		src->start = bom;
		return 0;
	}
	dbuf_t o;
	memset(&o, 0, sizeof o);
	if (cs->kind == CS_UTF16LE || cs->kind == CS_UTF16BE)
		decode_utf16(&o, p, n, bom, cs->kind == CS_UTF16BE);
	else if (cs->kind == CS_SINGLE)
		decode_single(&o, cs, p, n, bom);
	else
		decode_multi(&o, cs, p, n, bom);
	if (o.oom || dreserve(&o, 1) != 0) {
		free(o.d);
		free(o.ms);
		free(o.me);
		return ARC_ENOMEM;
	}
	src->own = o.d;
	src->d = o.d;
	src->n = o.len;
	src->start = 0;
	src->ms = o.ms;
	src->me = o.me;
	return 0;
}

void tm_src_free(tm_src_t *src)
{
	if (!src)
		return;
	free(src->own);
	free(src->ms);
	free(src->me);
	memset(src, 0, sizeof *src);
}
