/*
 * scanner.c — one pass over a page's normalized text that finds every
 * finding type at once.
 *
 * The scan walks the text left to right exactly once. At each character it
 * asks the rules trie for a keyword starting there (dox keywords, context
 * words, platforms, provinces), records the hit, and dispatches on the
 * character: a digit run (numbers: IDs, cards, phones, QQ), an ASCII word
 * (URLs to skip, e-mail, passport, HK/TW ids, WeChat ids), '@' (handles), a
 * province character (plates, addresses). A candidate is validated
 * (validate.c), then scored from its validation strength and the context
 * words recorded in the bytes before it (never past the previous finding, so
 * "手机 139..., 身份证 ..." does not lend one's context to the other).
 * Lookahead is bounded (an identifier, an address of a few segments), and the
 * scan resumes after each accepted candidate, so the cost stays linear.
 * Dox keywords nest (人肉搜索 holds 肉搜): only the leftmost longest one is
 * reported. Digit groups share one separator, except a landline's subscriber
 * number grouped apart from its area code ("0755-2600 0002").
 *
 * Hard negatives: digits glued to letters or other digits (hex, longer
 * numbers) or to letters and a dash (ca-pub-..., ad and tracking ids),
 * numbers inside URLs, host names and file names, numbers after order/
 * tracking/invoice/ISBN words (unless a phone word of their own follows that
 * word), decimals and versions ("2.449489742783178": groups joined by dots
 * count only as 3+ groups of 2-8 digits), IPv4 addresses, a bare number in a
 * column of numbers, a "+" number with a country code other than 86
 * (intl_phone), and any number whose check digit fails, are never reported
 * as Chinese identifiers.
 *
 * Words that look like names, keywords in ordinary senses and addresses of
 * offices are told apart with the rules' lexicon (dt_rules_lex: a second
 * trie generated from a dictionary, looked up only at a candidate).
 *
 * The page verdict is in verdict.c.
 *
 * Must never: read past len, keep per-type lists of its own (they are rules),
 * or rescan the page per type.
 */
#include "detect_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_MAX_GROUPS 8
#define SCAN_MAX_DIGITS 24
#define SCAN_VALUE_MAX  1024

/* Scores: validation strength first, context raises it. README documents them. */
#define S_ID18       0.95
#define S_ID18_CTX   0.99
#define S_ID15_CTX   0.85
#define S_CARD_CTX   0.95
#define S_CARD_62    0.8    /* UnionPay prefix, or digits grouped by four */
#define S_CARD       0.6
#define S_MOB_CTX    0.9
#define S_MOB_CC     0.85   /* written with +86 / 0086 */
#define S_MOB        0.75
#define S_LAND_CTX   0.9
#define S_LAND_SEP   0.75   /* area code set off by a separator or parentheses */
#define S_QQ_CTX     0.85
#define S_WX_CTX     0.85
#define S_PASS_CTX   0.9
#define S_HK_CTX     0.95
#define S_HK_PAREN   0.85
#define S_HK         0.7
#define S_TW_CTX     0.95
#define S_TW         0.85
#define S_PLATE_CTX  0.9
#define S_PLATE      0.7
#define S_MAIL_CTX   0.95
#define S_MAIL       0.9
#define S_HANDLE     0.8
#define S_ADDR       0.8
#define S_NAME_CTX   0.85
#define S_NAME_DOX   0.8
#define S_NAME_ADJ   0.6    /* next to an ID, phone or card, no context word */
#define S_DOX        DETECT_SCORE_DOX
#define S_DOX_WEAK   0.5    /* below S_DOX: the verdict tells them apart */
#define S_NEG_PENALTY 0.3
#define S_INTL       0.7    /* +CC other than 86 with 8-15 digits */
#define S_ADDR_PERS  DETECT_SCORE_ADDR_PERSONAL /* street-level structure and a personal context (住址, 家住) */

typedef struct {
	size_t s, e;
	uint32_t cats;
	size_t lim;           /* counts as context only before lim (a JSON key: its value's end) */
} hit_t;

typedef struct {
	const detect_rules_t *r;
	const detect_settings_t *set;
	const char *t;
	size_t n;
	hit_t *hit;
	size_t nhit, caphit;
	scan_result_t *out;
	size_t barrier;       /* end of the last finding: context is not looked for before it */
	long today;
	int oom;
	size_t dox_end;       /* end of the last dox_keyword finding (dox_idx into out->v) */
	size_t dox_idx;
	int have_dox;
	size_t last_neg, last_phone;  /* ctx_before: ends of the nearest negative and
	                                 phone context words (0: none) */
} scan_t;

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_letter(unsigned char c) { return is_upper(c) || (c >= 'a' && c <= 'z'); }
static int is_alnum(unsigned char c) { return is_digit(c) || is_letter(c); }

static unsigned char at(const scan_t *sc, size_t i)
{
	return i < sc->n ? (unsigned char)sc->t[i] : 0;
}

static int is_cjk(uint32_t cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	       (cp >= 0x20000 && cp <= 0x2FFFF);
}

/* dt_utf8_at with the common case inline: a 3-byte character whose lead
 * (E1..EC, EE, EF) cannot start an overlong form or a surrogate. */
static inline uint32_t utf8_fast(const char *s, size_t n, size_t i, size_t *adv)
{
	const unsigned char *u = (const unsigned char *)s + i;
	if (u[0] >= 0xE1 && u[0] <= 0xEF && u[0] != 0xED && i + 2 < n &&
	    (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80) {
		*adv = 3;
		return (u[0] & 0x0Fu) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu);
	}
	return dt_utf8_at(s, n, i, adv);
}

static uint32_t cp_at(const scan_t *sc, size_t i, size_t *adv)
{
	if (i >= sc->n) {
		*adv = 0;
		return 0;
	}
	return utf8_fast(sc->t, sc->n, i, adv);
}

/* ---------------------------------------------------------------- output */

static void name_before(scan_t *sc, size_t start);
static int is_sep(uint32_t cp);
static size_t scan_handle(scan_t *sc, size_t i);

static void emit(scan_t *sc, int type, size_t s, size_t e, double score, const char *value)
{
	if (score > 1.0)
		score = 1.0;
	if (score < sc->set->min_score || e <= s)
		return;
	char buf[SCAN_VALUE_MAX];
	if (!value) {
		long vl = dt_normalize(type, sc->t + s, e - s, buf, sizeof buf);
		if (vl <= 0)
			return;
		value = buf;
	}
	scan_result_t *o = sc->out;
	if (o->n == o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 32;
		scan_match_t *nv = realloc(o->v, nc * sizeof *nv);
		if (!nv) {
			sc->oom = 1;
			return;
		}
		o->v = nv;
		o->cap = nc;
	}
	char *v = strdup(value);
	if (!v) {
		sc->oom = 1;
		return;
	}
	o->v[o->n++] = (scan_match_t){.type = type, .ts = s, .te = e, .value = v, .score = score};
	if (type != DT_DOX && e > sc->barrier)
		sc->barrier = e;
	if (type == DT_RESIDENT_ID || type == DT_MOBILE || type == DT_BANK_CARD ||
	    type == DT_PASSPORT || type == DT_HK_ID || type == DT_TW_ID)
		name_before(sc, s);
}

/* A dox keyword [s,e). Keywords nest ("人肉搜索" holds "肉搜", "住址曝光" holds
 * "曝光"): one inside or overlapping the last reported one is not reported
 * again (the leftmost, longest word stands for the text), but its strength
 * carries over, so a strong keyword inside a weak one keeps the page's verdict. */
static void emit_dox(scan_t *sc, size_t s, size_t e, double score)
{
	if (sc->have_dox && s < sc->dox_end) {
		scan_match_t *p = &sc->out->v[sc->dox_idx];
		if (score > p->score)
			p->score = score;
		return;
	}
	size_t n0 = sc->out->n;
	emit(sc, DT_DOX, s, e, score, NULL);
	if (sc->out->n > n0) {
		sc->have_dox = 1;
		sc->dox_idx = n0;
		sc->dox_end = e;
	}
}

static void record_hit(scan_t *sc, size_t s, size_t e, uint32_t cats, size_t lim)
{
	if (sc->nhit == sc->caphit) {
		size_t nc = sc->caphit ? sc->caphit * 2 : 64;
		hit_t *nh = realloc(sc->hit, nc * sizeof *nh);
		if (!nh) {
			sc->oom = 1;
			return;
		}
		sc->hit = nh;
		sc->caphit = nc;
	}
	sc->hit[sc->nhit++] = (hit_t){s, e, cats, lim};
}

/* Categories of keywords ending in the window before pos (and after the last finding). */
static uint32_t ctx_before(scan_t *sc, size_t pos)
{
	uint32_t m = 0;
	size_t w = (size_t)sc->set->context_window;
	const uint32_t phone = DR_CTX_BIT(DT_MOBILE) | DR_CTX_BIT(DT_LANDLINE);
	sc->last_neg = sc->last_phone = 0;
	for (size_t k = sc->nhit; k-- > 0;) {
		const hit_t *h = &sc->hit[k];
		if (h->s < sc->barrier || h->e + w < pos)
			break;
		if (h->e <= pos && pos < h->lim) {
			m |= h->cats;
			if ((h->cats & DR_BIT(DR_NEG)) && h->e > sc->last_neg)
				sc->last_neg = h->e;
			if ((h->cats & phone) && h->e > sc->last_phone)
				sc->last_phone = h->e;
		}
	}
	return m;
}

/* A context word of bits ending right before pos, with nothing but blanks and
 * punctuation between ("微信：abc", "WeChat:abc", "wx abc"): WeChat ids are
 * ordinary words, so a word farther away is not taken for one. */
static int ctx_adjacent(const scan_t *sc, size_t pos, uint32_t bits)
{
	for (size_t k = sc->nhit; k-- > 0;) {
		const hit_t *h = &sc->hit[k];
		if (h->e + 12 < pos)
			break;
		if (!(h->cats & bits) || h->e > pos)
			continue;
		size_t q = h->e;
		while (q < pos) {
			size_t adv;
			uint32_t cp = cp_at(sc, q, &adv);
			if (!is_sep(cp) && cp != 0x3000 && cp != '\t')
				break;
			q += adv ? adv : 1;
		}
		if (q == pos)
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- numbers */

typedef struct {
	size_t gs[SCAN_MAX_GROUPS], ge[SCAN_MAX_GROUPS];
	int ng;
	int plus;          /* written with a leading '+' */
	unsigned char sep; /* the separator between groups (' ', '-', '.'), 0: one group */
	int mixed;         /* "0755-2600 0002": area code, then another separator (landline only) */
	int xflag;         /* 18-digit ID ending in X */
	size_t xend;
} numtok_t;

static void join(const scan_t *sc, const numtok_t *tk, int k, int with_x, char *d, size_t *nd)
{
	size_t o = 0;
	for (int g = 0; g < k; g++)
		for (size_t i = tk->gs[g]; i < tk->ge[g] && o < SCAN_MAX_DIGITS; i++)
			d[o++] = sc->t[i];
	if (with_x && o < SCAN_MAX_DIGITS + 1)
		d[o++] = 'X';
	d[o] = '\0';
	*nd = o;
}

/* A bare number standing in a column of numbers ("18461647373  12.50  3.2%"):
 * the nearest non-blank character on either side is a digit, a decimal point
 * or a percent sign. */
static int in_table(const scan_t *sc, size_t s, size_t e)
{
	size_t b = s;
	for (int k = 0; k < 8 && b > 0; k++) {
		unsigned char c = at(sc, b - 1);
		if (c == ' ' || c == '\t' || c == '|' || c == '\n')
			b--;
		else
			break;
	}
	if (b < s && b > 0 && (is_digit(at(sc, b - 1)) || at(sc, b - 1) == '%'))
		return 1;
	size_t q = e;
	for (int k = 0; k < 8 && q < sc->n; k++) {
		unsigned char c = at(sc, q);
		if (c == ' ' || c == '\t' || c == '|' || c == '\n')
			q++;
		else
			break;
	}
	unsigned char c = at(sc, q);
	return q > e && (is_digit(c) || c == '%' || ((c == '-' || c == '+') && is_digit(at(sc, q + 1))));
}

/* Try the first k groups as one identifier. Returns 1 when something was emitted. */
static int classify(scan_t *sc, size_t start, const numtok_t *tk, int k, uint32_t ctx)
{
	char d[SCAN_MAX_DIGITS + 2];
	size_t nd;
	int with_x = k == tk->ng && tk->xflag;
	/* dots: "139.1234.5678" is grouped, "2.449489742783178" and "1.2" are decimals
	 * or versions: two dots at least, every group 2-8 digits */
	if (k >= 2 && tk->sep == '.') {
		if (k < 3 || tk->ng == 4)
			return 0;  /* "199.232.28.133": an IPv4 address, never a phone */
		for (int g = 0; g < k; g++)
			if (tk->ge[g] - tk->gs[g] < 2 || tk->ge[g] - tk->gs[g] > 8)
				return 0;
	}
	join(sc, tk, k, with_x, d, &nd);
	size_t end = with_x ? tk->xend : tk->ge[k - 1];
	int neg = (ctx & DR_BIT(DR_NEG)) != 0;
	double pen = neg ? S_NEG_PENALTY : 0;
	/* "快递员电话：139...": an order/courier word before a phone word of its
	 * own suppresses order numbers, not the phone */
	int pneg = neg && !(sc->last_phone > sc->last_neg);

	if (tk->mixed && k >= 3) {
		/* "0755-2600 0002", "010 2600-0002": the separator changes after the
		 * area code, so the token is a landline (area code, then 3-4 + 4
		 * subscriber digits) taken whole, or nothing */
		size_t area, g1 = tk->ge[1] - tk->gs[1], g2 = tk->ge[2] - tk->gs[2];
		if (k != 3 || tk->ng != 3 || with_x || tk->plus || pneg || g1 < 3 || g1 > 4 || g2 != 4 ||
		    !dt_valid_landline(d, nd, &area) || area != tk->ge[0] - tk->gs[0])
			return 0;
		emit(sc, DT_LANDLINE, start, end,
		     (ctx & DR_CTX_BIT(DT_LANDLINE)) ? S_LAND_CTX : S_LAND_SEP, d);
		return 1;
	}

	if (with_x)
		return nd == 18 && dt_valid_resident_id(d, nd, sc->today) ?
		       (emit(sc, DT_RESIDENT_ID, start, end,
		             ((ctx & DR_CTX_BIT(DT_RESIDENT_ID)) ? S_ID18_CTX : S_ID18) - pen, d), 1) : 0;
	if (tk->plus && !(nd >= 12 && d[0] == '8' && d[1] == '6'))
		return 0;  /* +NN other than +86: a foreign number we do not validate */

	if ((ctx & DR_CTX_BIT(DT_QQ)) && !neg && dt_valid_qq(d, nd)) {
		emit(sc, DT_QQ, start, end, S_QQ_CTX, d);
		return 1;
	}
	if ((nd == 18 || nd == 15) && dt_valid_resident_id(d, nd, sc->today)) {
		int idctx = (ctx & DR_CTX_BIT(DT_RESIDENT_ID)) != 0;
		if (!idctx && (ctx & DR_CTX_BIT(DT_BANK_CARD)) && dt_valid_bank_card(d, nd)) {
			emit(sc, DT_BANK_CARD, start, end, S_CARD_CTX - pen, d);
			return 1;
		}
		if (nd == 18 || idctx) {
			double s = nd == 18 ? (idctx ? S_ID18_CTX : S_ID18) : S_ID15_CTX;
			emit(sc, DT_RESIDENT_ID, start, end, s - pen, d);
			return 1;
		}
	}
	if (nd >= 15 && nd <= 19 && dt_valid_bank_card(d, nd) && !neg) {
		double s = S_CARD;
		if (ctx & DR_CTX_BIT(DT_BANK_CARD))
			s = S_CARD_CTX;
		else if ((d[0] == '6' && d[1] == '2') || (k >= 4 && tk->ge[0] - tk->gs[0] == 4))
			s = S_CARD_62;
		emit(sc, DT_BANK_CARD, start, end, s, d);
		return 1;
	}
	const char *m = d;
	size_t mn = nd;
	int cc = 0;
	if (nd == 13 && d[0] == '8' && d[1] == '6') {
		m += 2;
		mn -= 2;
		cc = 1;
	} else if (nd == 15 && !memcmp(d, "0086", 4)) {
		m += 4;
		mn -= 4;
		cc = 1;
	}
	if (dt_valid_mobile(m, mn) && !pneg) {
		if (cc && !tk->plus && nd == 13 && tk->ng == 1 && !(ctx & DR_CTX_BIT(DT_MOBILE)))
			return 0;  /* a bare 13-digit run starting 86 is more likely something else */
		/* "1-866-673-6996": Chinese mobiles are grouped from a 3-digit prefix
		 * (138 0013 8000) or after a country code */
		if (!cc && k >= 2 && tk->ge[0] - tk->gs[0] < 3)
			return 0;
		if (!cc && k == 1 && !(ctx & DR_CTX_BIT(DT_MOBILE)) && in_table(sc, start, end))
			return 0;
		double s = (ctx & DR_CTX_BIT(DT_MOBILE)) ? S_MOB_CTX : cc ? S_MOB_CC : S_MOB;
		emit(sc, DT_MOBILE, start, end, s, m);
		return 1;
	}
	size_t area;
	if (d[0] == '0' && !cc && dt_valid_landline(d, nd, &area) && !pneg) {
		int lctx = (ctx & DR_CTX_BIT(DT_LANDLINE)) != 0;
		int sep = tk->ng >= 2 && tk->ge[0] - tk->gs[0] == area;
		if (lctx || sep) {
			emit(sc, DT_LANDLINE, start, end, lctx ? S_LAND_CTX : S_LAND_SEP, d);
			return 1;
		}
	}
	return 0;
}

/* Skip an alphanumeric run (a hard negative: hex, a longer code). */
static size_t skip_alnum(const scan_t *sc, size_t i)
{
	while (i < sc->n && (is_alnum(at(sc, i)) || at(sc, i) == '_'))
		i++;
	return i;
}

/* Digits glued to URL or path syntax before them ("?id=", "/p/12", "v1.2"). */
static int urlish_before(const scan_t *sc, size_t i)
{
	if (i == 0)
		return 0;
	unsigned char p = at(sc, i - 1);
	/* "13518346281/18283510188": a slash right after a phone just found
	 * separates a list of numbers, not a path */
	if (p == '/' && i >= 2 && is_digit(at(sc, i - 2)) && sc->barrier == i - 1)
		return 0;
	if (p && strchr("/=?&#%_\\", p))
		return 1;
	/* "ca-pub-4027289328990288", "UA-12345-1": digits after letters and a dash
	 * are an identifier's tail (ads, tracking), not a card or a phone */
	if (p == '-' && i >= 2 && is_letter(at(sc, i - 2)))
		return 1;
	/* "v1.2", "a.b.123", "12:34" (a time); "QQ:123" is context, not a port */
	if (p == '.' && i >= 2 && is_alnum(at(sc, i - 2)))
		return 1;
	if (p == ':' && i >= 2 && is_digit(at(sc, i - 2)))
		return 1;
	return 0;
}

/* A number token at i (a digit, or '+' before a digit). forced: called for the
 * digits after a context word glued to them ("QQ123456"). Returns where to go on. */
static size_t scan_number(scan_t *sc, size_t i, int forced)
{
	numtok_t tk;
	memset(&tk, 0, sizeof tk);
	size_t p = i;
	if (at(sc, p) == '+') {
		tk.plus = 1;
		p++;
	}
	if (!forced && !tk.plus && urlish_before(sc, i))
		return skip_alnum(sc, i);
	size_t total = 0;
	unsigned char sep = 0;
	for (;;) {
		size_t q = p;
		while (q < sc->n && is_digit(at(sc, q)))
			q++;
		tk.gs[tk.ng] = p;
		tk.ge[tk.ng] = q;
		tk.ng++;
		total += q - p;
		unsigned char c = at(sc, q);
		/* the one separator change allowed: after a 3-4 digit area code
		 * ("0755-2600 0002"), between blanks and dashes only */
		int mix = tk.ng == 2 && sep && c != sep && sep != '.' && (c == ' ' || c == '-') &&
		          tk.ge[0] - tk.gs[0] >= 3 && tk.ge[0] - tk.gs[0] <= 4 && at(sc, tk.gs[0]) == '0';
		if (tk.ng < SCAN_MAX_GROUPS && total < SCAN_MAX_DIGITS && (c == ' ' || c == '-' || c == '.') &&
		    (sep == 0 || c == sep || mix) && is_digit(at(sc, q + 1))) {
			tk.mixed |= mix;
			sep = c;
			if (!tk.mixed)
				tk.sep = c;
			p = q + 1;
			continue;
		}
		break;
	}
	size_t end = tk.ge[tk.ng - 1];
	unsigned char c = at(sc, end);
	if ((c == 'X' || c == 'x') && !is_alnum(at(sc, end + 1)) && at(sc, end + 1) != '_') {
		tk.xflag = 1;
		tk.xend = end + 1;
		end++;
		c = at(sc, end);
	}
	/* glued to letters or '_' (hex, codes), or a file name / host ("12.html", "123.com") */
	if (is_letter(c) || c == '_' || c == '@' ||
	    ((c == '.' || c == '/') && is_letter(at(sc, end + 1))))
		return skip_alnum(sc, end);
	if (total > SCAN_MAX_DIGITS)
		return end;
	uint32_t ctx = ctx_before(sc, i);
	if (tk.plus && !tk.xflag) {
		/* "+1-866-673-6996", "+44 20 7946 0000": a country code other than 86
		 * makes the whole token a foreign number (intl_phone), never a Chinese one */
		char d[SCAN_MAX_DIGITS + 2];
		size_t nd;
		join(sc, &tk, tk.ng, 0, d, &nd);
		if (!(nd >= 2 && d[0] == '8' && d[1] == '6')) {
			if (nd >= 8 && nd <= 15 && d[0] != '0' && !(ctx & DR_BIT(DR_NEG)) &&
			    (tk.ng == 1 || tk.ge[0] - tk.gs[0] <= 3))
				emit(sc, DT_INTL_PHONE, i, end, S_INTL, d);  /* value: the digits, as watch-hash normalizes */
			return end;
		}
	}
	for (int k = tk.ng; k >= 1; k--)
		if (classify(sc, i, &tk, k, ctx))
			return k == tk.ng && tk.xflag ? tk.xend : tk.ge[k - 1];
	return tk.ge[0];
}

/* "(010)12345678", "(0755) 1234-5678": the area code in parentheses */
static size_t scan_paren_landline(scan_t *sc, size_t i)
{
	size_t p = i + 1, q = p;
	while (q < sc->n && is_digit(at(sc, q)) && q - p < 5)
		q++;
	size_t area_n = q - p;
	if (at(sc, q) != ')' || area_n < 3 || area_n > 4)
		return 0;
	char d[SCAN_MAX_DIGITS + 1];
	size_t nd = area_n;
	memcpy(d, sc->t + p, nd);
	q++;
	if (at(sc, q) == ' ' || at(sc, q) == '-')
		q++;
	size_t s = q;
	while (q < sc->n && nd < SCAN_MAX_DIGITS) {
		unsigned char c = at(sc, q);
		if (is_digit(c))
			d[nd++] = (char)c;
		else if (!((c == ' ' || c == '-') && q > s && is_digit(at(sc, q + 1))))
			break;
		q++;
	}
	d[nd] = '\0';
	size_t area;
	if (q == s || is_alnum(at(sc, q)) || !dt_valid_landline(d, nd, &area) || area != area_n)
		return 0;
	uint32_t ctx = ctx_before(sc, i);
	if (ctx & DR_BIT(DR_NEG))
		return 0;
	emit(sc, DT_LANDLINE, i, q, (ctx & DR_CTX_BIT(DT_LANDLINE)) ? S_LAND_CTX : S_LAND_SEP, d);
	return q;
}

/* ---------------------------------------------------------------- words */

static int email_local(unsigned char c)
{
	return is_alnum(c) || (c && strchr("._%+-_", c));
}

/* An e-mail address starting at i; returns its end or 0. */
static size_t scan_email(scan_t *sc, size_t i)
{
	size_t q = i;
	while (q < sc->n && q - i <= 64 && email_local(at(sc, q)))
		q++;
	if (at(sc, q) != '@' || q == i)
		return 0;
	size_t ds = q + 1, e = ds;
	while (e < sc->n && e - ds <= 253 && (is_alnum(at(sc, e)) || at(sc, e) == '.' || at(sc, e) == '-'))
		e++;
	while (e > ds && (at(sc, e - 1) == '.' || at(sc, e - 1) == '-'))
		e--;
	if (is_alnum(at(sc, e)) || e - i > 320)
		return 0;
	char v[330];
	for (size_t k = i; k < e; k++) {
		unsigned char c = at(sc, k);
		v[k - i] = (char)(is_upper(c) ? c - 'A' + 'a' : c);
	}
	v[e - i] = '\0';
	if (!dt_valid_email(v, e - i))
		return 0;
	uint32_t ctx = ctx_before(sc, i);
	emit(sc, DT_EMAIL, i, e, (ctx & DR_CTX_BIT(DT_EMAIL)) ? S_MAIL_CTX : S_MAIL, v);
	return e;
}

static int starts_ci(const scan_t *sc, size_t i, const char *w)
{
	size_t n = strlen(w);
	if (i + n > sc->n)
		return 0;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = at(sc, i + k);
		if (is_upper(c))
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)w[k])
			return 0;
	}
	return 1;
}

/* An ASCII word at i (prev is not alphanumeric). */
static size_t scan_word(scan_t *sc, size_t i)
{
	if (starts_ci(sc, i, "http://") || starts_ci(sc, i, "https://") || starts_ci(sc, i, "www.")) {
		size_t q = i;
		while (q < sc->n) {
			unsigned char c = at(sc, q);
			if (c <= ' ' || c >= 0x80 || c == '"' || c == '\'' || c == '<' || c == '>')
				break;
			q++;
		}
		return q;
	}
	size_t e = scan_email(sc, i);
	if (e)
		return e;
	size_t ja = i;
	while (ja < sc->n && is_alnum(at(sc, ja)))
		ja++;
	size_t jw = ja;
	while (jw < sc->n && (is_alnum(at(sc, jw)) || at(sc, jw) == '_' || at(sc, jw) == '-'))
		jw++;
	while (jw > ja && at(sc, jw - 1) == '-')
		jw--;
	uint32_t ctx = ctx_before(sc, i);
	size_t n = ja - i;
	char u[32];
	if (n < sizeof u) {
		for (size_t k = 0; k < n; k++) {
			unsigned char c = at(sc, i + k);
			u[k] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
		}
		u[n] = '\0';
		int glued = is_alnum(at(sc, ja)) || at(sc, ja) == '_';
		if (!glued && jw == ja) {
			if (n == 9 && (ctx & DR_CTX_BIT(DT_PASSPORT)) && dt_valid_passport(u, n)) {
				emit(sc, DT_PASSPORT, i, ja, S_PASS_CTX, u);
				return ja;
			}
			if (n == 10 && dt_valid_tw_id(u, n)) {
				emit(sc, DT_TW_ID, i, ja, (ctx & DR_CTX_BIT(DT_TW_ID)) ? S_TW_CTX : S_TW, u);
				return ja;
			}
			/* HK: A123456(7), A123456 (7) — the check digit in parentheses */
			size_t o = at(sc, ja) == ' ' ? 1 : 0;
			if ((n == 7 || n == 8) && at(sc, ja + o) == '(' && at(sc, ja + o + 2) == ')' &&
			    (is_digit(at(sc, ja + o + 1)) || at(sc, ja + o + 1) == 'A')) {
				u[n] = (char)at(sc, ja + o + 1);
				u[n + 1] = '\0';
				if (dt_valid_hk_id(u, n + 1)) {
					emit(sc, DT_HK_ID, i, ja + o + 3,
					     (ctx & DR_CTX_BIT(DT_HK_ID)) ? S_HK_CTX : S_HK_PAREN, u);
					return ja + o + 3;
				}
				u[n] = '\0';
			}
			if ((n == 8 || n == 9) && dt_valid_hk_id(u, n)) {
				emit(sc, DT_HK_ID, i, ja, (ctx & DR_CTX_BIT(DT_HK_ID)) ? S_HK_CTX : S_HK, u);
				return ja;
			}
		}
	}
	/* "Twitter@handle": a platform word glued to its handle */
	if (at(sc, ja) == '@' && ja > i &&
	    dt_rules_match(sc->r, sc->t, sc->n, i, DR_BIT(DR_PLATFORM), NULL) == ja - i)
		return scan_handle(sc, ja);
	if ((ctx & DR_CTX_BIT(DT_WECHAT)) && !is_alnum(at(sc, jw)) && ctx_adjacent(sc, i, DR_CTX_BIT(DT_WECHAT)) &&
	    dt_valid_wechat(sc->t + i, jw - i)) {
		char v[32];
		memcpy(v, sc->t + i, jw - i);
		v[jw - i] = '\0';
		emit(sc, DT_WECHAT, i, jw, S_WX_CTX, v);
		return jw;
	}
	/* "抖音号：abc_123": a platform's account after its name (context.social_handle) */
	if ((ctx & DR_CTX_BIT(DT_SOCIAL)) && !is_alnum(at(sc, jw)) && jw - i >= 3 && jw - i <= 30 &&
	    ctx_adjacent(sc, i, DR_CTX_BIT(DT_SOCIAL))) {
		emit(sc, DT_SOCIAL, i, jw, S_HANDLE, NULL);
		return jw;
	}
	/* a context word glued to its number: "QQ12345678", "tel13912345678" */
	size_t lw = i;
	while (lw < ja && is_letter(at(sc, lw)))
		lw++;
	if (lw > i && lw < ja) {
		uint32_t cats;
		size_t L = dt_rules_match(sc->r, sc->t, sc->n, i, DR_RECORD_MASK, &cats);
		if (L == lw - i && (cats & ~(DR_DOX_ANY | DR_BIT(DR_PROVINCE)))) {
			size_t q = lw;
			while (q < ja && is_digit(at(sc, q)))
				q++;
			if (q == ja)
				return scan_number(sc, lw, 1);
		}
	}
	return skip_alnum(sc, i);
}

/* ---------------------------------------------------------------- handles, plates */

static size_t scan_handle(scan_t *sc, size_t i)
{
	size_t q = i + 1, chars = 0, ascii = 0;
	while (q < sc->n && chars < 30) {
		size_t adv;
		uint32_t cp = cp_at(sc, q, &adv);
		if (cp < 0x80 ? !(is_alnum((unsigned char)cp) || cp == '_' || cp == '-' || cp == '.') : !is_cjk(cp))
			break;
		if (cp < 0x80)
			ascii++;
		q += adv;
		chars++;
	}
	while (q > i + 1 && (at(sc, q - 1) == '.' || at(sc, q - 1) == '-'))
		q--;
	if (q - (i + 1) < 2)
		return i + 1;
	uint32_t ctx = ctx_before(sc, i);
	if (!(ctx & DR_BIT(DR_PLATFORM)))
		return q;
	emit(sc, DT_SOCIAL, i, q, S_HANDLE, NULL);
	return q;
}

/* 粤A12345, 京A·D12345 (new energy: 6) */
static size_t scan_plate(scan_t *sc, size_t i, size_t adv)
{
	size_t q = i + adv;
	if (!is_upper(at(sc, q)))
		return 0;
	char v[16];
	memcpy(v, sc->t + i, adv);
	size_t o = adv;
	v[o++] = (char)at(sc, q);
	q++;
	if (at(sc, q) == ' ' || at(sc, q) == '-')
		q++;
	else if (at(sc, q) == 0xC2 && at(sc, q + 1) == 0xB7)  /* U+00B7 middle dot */
		q += 2;
	else if (at(sc, q) == 0xE2 && at(sc, q + 1) == 0x80 && at(sc, q + 2) == 0xA2)  /* bullet */
		q += 3;
	size_t s = q;
	int digits = 0;
	while (q < sc->n && q - s < 7) {
		unsigned char c = at(sc, q);
		if (!(is_digit(c) || (is_upper(c) && c != 'I' && c != 'O')))
			break;
		digits += is_digit(c);
		v[o++] = (char)c;
		q++;
	}
	size_t k = q - s;
	if ((k != 5 && k != 6) || !digits || is_alnum(at(sc, q)))
		return 0;
	v[o] = '\0';
	uint32_t ctx = ctx_before(sc, i);
	if (ctx & DR_BIT(DR_NEG))
		return 0;
	emit(sc, DT_PLATE, i, q, (ctx & DR_CTX_BIT(DT_PLATE)) ? S_PLATE_CTX : S_PLATE, v);
	return q;
}

/* ---------------------------------------------------------------- names, addresses */

static int addr_content(uint32_t cp)
{
	return is_cjk(cp) || (cp < 0x80 && (is_alnum((unsigned char)cp) || cp == '-' || cp == '#'));
}

/* A personal-address context word ([address_personal]: 住址, 家住, 户籍地址,
 * 现住) in the context window before s. */
static int addr_personal(const scan_t *sc, size_t s)
{
	size_t win = (size_t)sc->set->context_window;
	size_t from = s > win ? s - win : 0;
	if (from < sc->barrier && sc->barrier <= s)
		from = sc->barrier;
	while (from > 0 && from < s && ((unsigned char)sc->t[from] & 0xC0) == 0x80)
		from++;
	for (size_t q = from; q < s;) {
		if (dt_rules_lex(sc->r, sc->t, sc->n, q, DL_ADDR_PERSONAL))
			return 1;
		size_t adv;
		cp_at(sc, q, &adv);
		q += adv ? adv : 1;
	}
	return 0;
}

/* An address that starts with a province word [s,pe) (or, after an address
 * context word, at s == pe): segments of content followed by a level suffix,
 * taken as far as they go, at least min_segs of them. Street-level structure
 * is required: a house, building, unit or room number written with digits
 * ("12号", "3栋", "1203室"), or, after a personal context word (住址, 家住), a
 * street or number level. Datelines (本报北京6月10日讯), "21号线" and roads
 * named in regulations (上海市道路) are not addresses. The score says whose
 * it looks like: S_ADDR_PERS after a personal context word, else S_ADDR
 * (company and office addresses in news; the verdict weighs those lightly).
 * Returns its end or 0. */
static size_t scan_address(scan_t *sc, size_t s, size_t pe, int min_segs)
{
	const uint32_t mask = DR_BIT(DR_ADDR_ADMIN) | DR_BIT(DR_ADDR_STREET) | DR_BIT(DR_ADDR_NUMBER);
	size_t pos = pe, end = pe;
	int fine = 0, numbered = 0, street = 0, segs = 0;
	for (int seg = 0; seg < 16; seg++) {
		size_t q = pos, chars = 0, L = 0;
		uint32_t cats = 0;
		while (q < sc->n && chars <= 10) {
			if (chars >= 1 && (L = dt_rules_match(sc->r, sc->t, sc->n, q, mask, &cats)))
				break;
			size_t adv;
			uint32_t cp = cp_at(sc, q, &adv);
			/* a blank only next to a house number: "人民路 8 号" */
			if (cp == ' ' && ((q > 0 && is_digit(at(sc, q - 1))) || is_digit(at(sc, q + 1)))) {
				q++;
				continue;
			}
			/* "的" joins a phrase, never the parts of an address ("隧道的70号") */
			if (!addr_content(cp) || cp == 0x7684)
				break;
			/* "上海店位于上海市...": the address starts at the second province word */
			if (seg == 0 && s < pe && chars >= 1 &&
			    dt_rules_match(sc->r, sc->t, sc->n, q, DR_BIT(DR_PROVINCE), NULL))
				return 0;
			q += adv;
			chars++;
		}
		if (!L)
			break;
		size_t adv;
		uint32_t nx = cp_at(sc, q + L, &adv);
		if ((cats & DR_BIT(DR_ADDR_NUMBER)) && (nx == 0x7EBF || nx == 0x7DDA))
			break;  /* 号线 / 號線: a metro line */
		if ((cats & DR_BIT(DR_ADDR_NUMBER)) && q > pos && is_digit(at(sc, q - 1))) {
			size_t d = q;
			while (d > pos && (is_digit(at(sc, d - 1)) || at(sc, d - 1) == '-'))
				d--;
			/* "令第12号": an order's number, not a house's */
			if (!(d >= pos + 3 && !memcmp(sc->t + d - 3, "\xe7\xac\xac", 3)))
				numbered = 1;
		}
		if (cats & DR_BIT(DR_ADDR_STREET))
			street = 1;
		pos = q + L;
		end = pos;
		segs++;
		if (cats & (DR_BIT(DR_ADDR_STREET) | DR_BIT(DR_ADDR_NUMBER)))
			fine = 1;
	}
	if (!fine || segs < min_segs)
		return 0;
	int personal = addr_personal(sc, s);
	if (!numbered && !(personal && street && segs >= 3))
		return 0;
	emit(sc, DT_ADDRESS, s, end, personal ? S_ADDR_PERS : S_ADDR, NULL);
	return end;
}

static int is_sep(uint32_t cp)
{
	return cp == ' ' || cp == ':' || cp == '!' || cp == ',' || cp == '-' || cp == '"' ||
	       cp == '(' || cp == ')' || cp == '\n' || cp == 0xFF01 || cp == 0xFF1A || cp == 0xFF0C ||
	       cp == 0xFF08 || cp == 0xFF09 || cp == 0x3001 || cp == 0x2014 || cp == 0x201C ||
	       cp == 0x201D || cp == 0x300C || cp == 0x300D || cp == 0x3010 || cp == 0x3011 ||
	       cp == 0x3002;
}

/* Skip up to four separator characters after p. */
static size_t skip_seps(const scan_t *sc, size_t p)
{
	for (int k = 0; k < 4 && p < sc->n; k++) {
		size_t adv;
		uint32_t cp = cp_at(sc, p, &adv);
		if (!is_sep(cp))
			break;
		p += adv;
	}
	return p;
}

/* Is the candidate [s,e) (surname of L bytes at s) a word rather than a name?
 * The lexicon ([common_word], generated from a dictionary with word
 * frequencies and parts of speech) holds words that start with a surname
 * character and are not person names — 应当, 陈述, 和其他, 江苏省 (places),
 * 曾多次 — and [frequent_word] frequent words a given name does not begin
 * with (人民, 其他). A candidate is a word when such a word starts at it and
 * reaches past its surname, or a frequent word starts at its given name and
 * reaches its end or beyond, or its last character ends place names
 * ([name_end_not]: 寺, 府, 市). */
static int not_a_name(const scan_t *sc, size_t s, size_t L, size_t e)
{
	size_t w = dt_rules_lex(sc->r, sc->t, sc->n, s, DL_COMMON);
	if (w > L)
		return 1;
	w = dt_rules_lex(sc->r, sc->t, sc->n, s + L, DL_WORD);
	if (w && s + L + w >= e)
		return 1;
	/* a temple, a mansion, a town or a shop (白瀑寺, 安府, 柴市) */
	size_t b = e - 1;
	while (b > s + L && ((unsigned char)sc->t[b] & 0xC0) == 0x80)
		b--;
	if (b >= s + L && dt_rules_lex(sc->r, sc->t, sc->n, b, DL_NAME_END_NOT) == e - b)
		return 1;
	/* the rules' own words are not names (江苏省 a province, 曝光 a keyword) */
	uint32_t cats;
	w = dt_rules_match(sc->r, sc->t, sc->n, s, DR_RECORD_MASK, &cats);
	if (w > L)
		return 1;
	return 0;
}

/* A name after a name-context word or dox keyword ending at p; whole_end:
 * the name must end exactly there (a JSON "name" value is the name or nothing);
 * need_sep: a separator must follow the context word (当事人：王伟); need_end:
 * the name must end where a word ends — before a non-CJK character, a
 * [name_stop]/[name_title] word or a context word — as after 名叫/叫做, which
 * name places and shops too (名叫郭守敬纪念馆的景点: no name). */
/* Common surnames in pinyin (Hanyu, capitalized as written in names). */
static const char *const pinyin_surnames[] = {
	"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun",
	"Ma", "Zhu", "Hu", "Guo", "He", "Gao", "Lin", "Luo", "Zheng", "Liang", "Xie", "Song", "Tang",
	"Han", "Feng", "Deng", "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong", "Yuan", "Pan", "Cai",
	"Jiang", "Yu", "Du", "Ye", "Cheng", "Wei", "Su", "Lu", "Ding", "Ren", "Shen", "Yao", "Jiao",
	"Jin", "Fu", "Qian", "Tan", "Fan", "Shi", "Bai", "Kong", "Cui", "Mao", "Qiu", "Qin", "Gu",
	"Hou", "Shao", "Meng", "Long", "Wan", "Duan", "Lei", "Qian", "Tang", "Yin", "Yan", "Xiong",
};

static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }

/* "姓名：Wu Mengyao": a pinyin surname, a blank, a capitalized given name
 * (2-14 letters, optionally a second syllable group after a blank or '-'),
 * right after a strict name context word. Returns the end, or 0. */
static size_t pinyin_name(const scan_t *sc, size_t q)
{
	size_t e = q;
	if (!is_upper(at(sc, e)))
		return 0;
	e++;
	while (e < sc->n && is_lower(at(sc, e)) && e - q < 7)
		e++;
	int ok = 0;
	for (size_t k = 0; k < sizeof pinyin_surnames / sizeof pinyin_surnames[0] && !ok; k++)
		ok = strlen(pinyin_surnames[k]) == e - q && !memcmp(sc->t + q, pinyin_surnames[k], e - q);
	if (!ok || at(sc, e) != ' ' || !is_upper(at(sc, e + 1)))
		return 0;
	size_t g = e + 2;
	while (g < sc->n && is_lower(at(sc, g)) && g - e < 15)
		g++;
	if (g - (e + 1) < 2 || is_letter(at(sc, g)) || is_digit(at(sc, g)))
		return 0;
	if ((at(sc, g) == '-' || at(sc, g) == ' ') && is_upper(at(sc, g + 1)) && is_lower(at(sc, g + 2))) {
		size_t h = g + 2;
		while (h < sc->n && is_lower(at(sc, h)) && h - g < 10)
			h++;
		if (!is_letter(at(sc, h)) && at(sc, h) != ' ')
			g = h;
	}
	return g;
}

static void scan_name(scan_t *sc, size_t p, double score, size_t whole_end, int need_sep,
                      int need_end)
{
	size_t q = whole_end ? p : skip_seps(sc, p);
	if (need_sep && q == p)
		return;  /* "当事人和证人": a loose context word needs "当事人：王伟" */
	if (score >= S_NAME_CTX && !need_sep && q > p) {
		size_t pe = pinyin_name(sc, q);
		if (pe) {
			emit(sc, DT_NAME, q, pe, score, NULL);
			return;
		}
	}
	size_t L = dt_rules_match(sc->r, sc->t, sc->n, q, DR_BIT(DR_SURNAME), NULL);
	if (!L)
		return;
	/* 和, 有, 但, 经: surnames far more often function words ("姓名和住所") */
	if (!whole_end && dt_rules_lex(sc->r, sc->t, sc->n, q, DL_SURNAME_WEAK) == L)
		return;
	if (q == p && p > 0 && !whole_end) {
		/* glued on: the context word's last character may start another
		 * word with what follows ("本名单" is 本 + 名单, a list, not 本名 + 单...);
		 * such words are in [name_stop] */
		size_t b = p - 1;
		while (b > 0 && ((unsigned char)sc->t[b] & 0xC0) == 0x80)
			b--;
		if (dt_rules_match(sc->r, sc->t, sc->n, b, DR_BIT(DR_NAME_STOP), NULL) > p - b)
			return;
	}
	size_t g = q + L, adv;
	if (!is_cjk(cp_at(sc, q, &adv)) ||
	    dt_rules_match(sc->r, sc->t, sc->n, g, DR_BIT(DR_NAME_TITLE), NULL))
		return;  /* 王经理, 李老师: a form of address, not a name */
	int given = 0;
	/* "姓名：罗 强": a surname, one blank, one given character ending the run
	 * (after a name context word only; the value drops the blank) */
	if (score >= S_NAME_CTX && !need_sep && at(sc, g) == ' ' && g + 1 < sc->n) {
		size_t a1, a2;
		uint32_t c1 = cp_at(sc, g + 1, &a1);
		size_t h = g + 1 + a1;
		if (is_cjk(c1) && !dt_rules_match(sc->r, sc->t, sc->n, g + 1,
		                                  DR_RECORD_MASK | DR_BIT(DR_NAME_STOP), NULL) &&
		    (h >= sc->n || !is_cjk(cp_at(sc, h, &a2)))) {
			if (!not_a_name(sc, q, L, h))
				emit(sc, DT_NAME, q, h, score, NULL);
			return;
		}
	}
	while (given < 2 && g < sc->n) {
		uint32_t cp = cp_at(sc, g, &adv);
		if (!is_cjk(cp) ||
		    dt_rules_match(sc->r, sc->t, sc->n, g, DR_RECORD_MASK | DR_BIT(DR_NAME_STOP), NULL))
			break;
		g += adv;
		given++;
	}
	/* 艾瑞克·马龙·毕夏普: the first piece of a transliterated name, not a
	 * Chinese surname and given name */
	uint32_t dot = g < sc->n ? cp_at(sc, g, &adv) : 0;
	if ((dot == 0xB7 || dot == 0x30FB || dot == 0x2022 || dot == 0xFF65) && g + adv < sc->n &&
	    is_cjk(cp_at(sc, g + adv, &adv)))
		return;
	if (need_end && given && g < sc->n && is_cjk(cp_at(sc, g, &adv)) &&
	    !dt_rules_match(sc->r, sc->t, sc->n, g,
	                    DR_RECORD_MASK | DR_BIT(DR_NAME_STOP) | DR_BIT(DR_NAME_TITLE), NULL))
		return;  /* the run goes on: a place or a shop, not a name that ends here */
	if (given && (!whole_end || g == whole_end) && !not_a_name(sc, q, L, g))
		emit(sc, DT_NAME, q, g, score, NULL);
}

/* A name written right before an identifier, without a context word:
 * "王伟 11010519491231002X", "王伟，手机 139...". The name must be a whole
 * run of 2-4 CJK characters (surname + 1-2 given) set off on its left. */
static size_t back_seps(const scan_t *sc, size_t q)
{
	for (int k = 0; k < 3 && q > 0; k++) {
		size_t b = q - 1, adv;
		while (b > 0 && ((unsigned char)sc->t[b] & 0xC0) == 0x80)
			b--;
		if (!is_sep(cp_at(sc, b, &adv)))
			break;
		q = b;
	}
	return q;
}

static void name_before(scan_t *sc, size_t start)
{
	size_t q = back_seps(sc, start);
	/* skip the identifier's own context word ("身份证号："); then a separator
	 * must set the name apart ("王伟，身份证号：" yes, "全角手机：" no) */
	for (size_t k = sc->nhit; k-- > 0;) {
		if (sc->hit[k].e < q)
			break;
		if (sc->hit[k].e == q && !(sc->hit[k].cats & (DR_DOX_ANY | DR_BIT(DR_NAMECTX)))) {
			size_t w = sc->hit[k].s;
			q = back_seps(sc, w);
			if (q == w)
				return;
			break;
		}
	}
	size_t e = q, s = q, chars = 0, adv;
	while (s > 0 && chars < 5) {
		size_t b = s - 1;
		while (b > 0 && ((unsigned char)sc->t[b] & 0xC0) == 0x80)
			b--;
		if (!is_cjk(cp_at(sc, b, &adv)))
			break;
		s = b;
		chars++;
	}
	if (chars < 2 || chars > 4)
		return;
	/* already found with its context? (names are among the last few emitted) */
	for (size_t k = sc->out->n, look = 0; k-- > 0 && look < 8; look++)
		if (sc->out->v[k].type == DT_NAME && sc->out->v[k].ts < e && sc->out->v[k].te > s)
			return;
	size_t L = dt_rules_match(sc->r, sc->t, sc->n, s, DR_BIT(DR_SURNAME), NULL);
	if (!L || L >= e - s || dt_rules_match(sc->r, sc->t, sc->n, s + L, DR_BIT(DR_NAME_TITLE), NULL))
		return;
	size_t given = 0;
	for (size_t g = s + L; g < e; g += adv, given++) {
		cp_at(sc, g, &adv);
		if (dt_rules_match(sc->r, sc->t, sc->n, g, DR_RECORD_MASK | DR_BIT(DR_NAME_STOP), NULL))
			return;
	}
	if (given >= 1 && given <= 2 && !not_a_name(sc, s, L, e))
		emit(sc, DT_NAME, s, e, S_NAME_ADJ, NULL);
}

/* ---------------------------------------------------------------- the pass */

/* An ASCII word at i that is a part of a host name or a path: right after '.'
 * or '/', or followed by '.' and a letter ("wx.qq.com"). */
static int hostish(const scan_t *sc, size_t i)
{
	if (i > 1 && at(sc, i - 1) == '.' && is_alnum(at(sc, i - 2)))
		return 1;
	if (i > 0 && at(sc, i - 1) == '/') {
		/* a path step ("qq.com/wx", "//wx"), not a list of words ("Tel/WeChat") */
		size_t b = i - 1;
		for (int k = 0; k < 128 && b > 0; k++) {
			unsigned char c = at(sc, b - 1);
			if (c == '.' || c == '/' || c == ':')
				return 1;
			if (!(is_alnum(c) || c == '-' || c == '_'))
				break;
			b--;
		}
		return b == i - 1;  /* a '/' after a blank or punctuation: "/mmbizwap" */
	}
	size_t q = i;
	while (q < sc->n && (is_alnum(at(sc, q)) || at(sc, q) == '-' || at(sc, q) == '_'))
		q++;
	return at(sc, q) == '.' && is_letter(at(sc, q + 1));
}

static size_t skip_host(const scan_t *sc, size_t i)
{
	while (i < sc->n) {
		unsigned char c = at(sc, i);
		if (!(is_alnum(c) || (c && strchr("._-/:?=&%#~+", c))))
			break;
		i++;
	}
	return i;
}

/* Start of the character before byte p (p > 0). */
static size_t prev_char(const scan_t *sc, size_t p)
{
	size_t b = p - 1;
	while (b > 0 && ((unsigned char)sc->t[b] & 0xC0) == 0x80)
		b--;
	return b;
}

/* An ambiguous dox keyword [s,e) (开盒, 人肉, 起底): nothing when it sits
 * inside an ordinary word ([dox_not]: 打开盒子, 敌人肉搏), the score of a strong
 * keyword when a [dox_context] word (挂人, 曝光, 个人信息, 户籍) stands within
 * the context window on either side or when it stands alone between
 * non-CJK characters, else a weak keyword's. */
static double dox_ambiguous(const scan_t *sc, size_t s, size_t e)
{
	size_t b = s;
	for (int k = 0; k < 4; k++) {
		size_t w = dt_rules_lex(sc->r, sc->t, sc->n, b, DL_DOX_NOT);
		if (w && b + w > s && (b < s || w > e - s))
			return 0;
		if (b == 0)
			break;
		b = prev_char(sc, b);
	}
	/* standing alone, set off on both sides ("【开盒】", "开盒！李娜"): a word of its own */
	size_t adv;
	if ((s == 0 || !is_cjk(cp_at(sc, prev_char(sc, s), &adv))) && !is_cjk(cp_at(sc, e, &adv)))
		return S_DOX;
	size_t win = (size_t)sc->set->context_window;
	size_t from = s > win ? s - win : 0, to = e + win < sc->n ? e + win : sc->n;
	while (from > 0 && ((unsigned char)sc->t[from] & 0xC0) == 0x80)
		from++;
	for (size_t q = from; q < to;) {
		if (q < s || q >= e) {
			if (dt_rules_lex(sc->r, sc->t, sc->n, q, DL_DOX_CTX))
				return S_DOX;
		}
		cp_at(sc, q, &adv);
		q += adv ? adv : 1;
	}
	return S_DOX_WEAK;
}

static int by_start(const void *a, const void *b)
{
	const scan_match_t *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->te < y->te ? -1 : x->te > y->te;
}

/* Weak dox keywords (户籍, 曝光, an ambiguous 开盒 without a dox context) are
 * ordinary words on most pages: they are kept only on a page that also holds
 * an identifier (a number, an e-mail, a handle), where they support the verdict. */
static void drop_lone_weak(scan_result_t *out)
{
	for (size_t k = 0; k < out->n; k++)
		if (out->v[k].type != DT_DOX && out->v[k].type != DT_NAME && out->v[k].type != DT_ADDRESS)
			return;
	size_t o = 0;
	for (size_t k = 0; k < out->n; k++) {
		if (out->v[k].type == DT_DOX && out->v[k].score < S_DOX) {
			free(out->v[k].value);
			continue;
		}
		out->v[o++] = out->v[k];
	}
	out->n = o;
}

int dt_scan(const detect_rules_t *r, const char *text, size_t len, scan_result_t *out)
{
	return dt_scan_keys(r, text, len, NULL, 0, out);
}

int dt_scan_keys(const detect_rules_t *r, const char *text, size_t len,
                     const scan_key_t *keys, size_t nkeys, scan_result_t *out)
{
	scan_t sc = {.r = r, .set = dt_rules_settings(r), .t = text, .n = len,
	             .out = out, .today = dt_today()};
	memset(out, 0, sizeof *out);
	size_t i = 0, kc = 0;
	while (i < len && !sc.oom) {
		unsigned char c = (unsigned char)text[i];
		size_t adv = 1;
		/* a JSON value starts: its key is a context word just before it */
		if (keys && kc < nkeys && keys[kc].s <= i) {
			const scan_key_t *k = &keys[kc++];
			if (k->e <= k->s || k->e > len || k->s != i)
				continue;  /* not where the scan stands (or empty): no context */
			record_hit(&sc, i, i, k->cats, k->e);
			if (k->cats & DR_BIT(DR_NAMECTX))
				scan_name(&sc, i, S_NAME_CTX, k->e, 0, 0);
			if ((k->cats & DR_CTX_BIT(DT_ADDRESS)) &&
			    !dt_rules_match(r, text, len, i, DR_BIT(DR_PROVINCE), NULL)) {
				size_t e = scan_address(&sc, i, i, 2);
				if (e) {
					i = e;
					continue;
				}
			}
		}
		if (is_letter(c) && hostish(&sc, i)) {
			/* "//res.wx.qq.com/mmbizwap/...": a host or path part is not a
			 * context word (wx) and holds no identifier; an e-mail address
			 * (first.last@host) is still one */
			size_t e = scan_email(&sc, i);
			i = e ? e : skip_host(&sc, i);
			continue;
		}
		if (c >= 0x80 || is_letter(c)) {
			uint32_t cats;
			size_t L = dt_rules_match(r, text, len, i, DR_RECORD_MASK, &cats);
			if (L) {
				record_hit(&sc, i, i + L, cats, SIZE_MAX);
				double ds = 0;
				if (cats & DR_BIT(DR_DOX))
					ds = S_DOX;
				else if (cats & DR_BIT(DR_DOX_AMB))
					ds = dox_ambiguous(&sc, i, i + L);
				else if (cats & DR_BIT(DR_DOX_WEAK))
					ds = S_DOX_WEAK;
				if (ds > 0)
					emit_dox(&sc, i, i + L, ds);
				if ((cats & DR_BIT(DR_NAMECTX)) || ds >= S_DOX)
					scan_name(&sc, i + L, (cats & DR_BIT(DR_NAMECTX)) ? S_NAME_CTX : S_NAME_DOX, 0,
					          (cats & DR_BIT(DR_NAMECTX)) &&
					          dt_rules_lex(r, text, len, i, DL_NAMECTX_LOOSE) == L,
					          (cats & DR_BIT(DR_NAMECTX)) &&
					          dt_rules_lex(r, text, len, i, DL_NAMECTX_CALLED) == L);
				if (cats & DR_BIT(DR_PROVINCE)) {
					size_t e = scan_address(&sc, i, i + L, 1);
					if (e) {
						i = e;
						continue;
					}
				}
				if (cats & DR_CTX_BIT(DT_ADDRESS)) {
					/* "住址：天河区中山路12号" — no province, so two levels at least;
					 * "地址是在…", "地址：位于…": the address starts after 是在/位于 */
					size_t q = skip_seps(&sc, i + L);
					size_t w = dt_rules_lex(r, text, len, q, DL_ADDR_LEAD);
					if (w)
						q = skip_seps(&sc, q + w);
					if (!dt_rules_match(r, text, len, q, DR_BIT(DR_PROVINCE), NULL)) {
						size_t e = scan_address(&sc, q, q, 2);
						if (e) {
							i = e;
							continue;
						}
					}
				}
			}
		}
		int boundary = i == 0 || !is_alnum((unsigned char)text[i - 1]);
		if (is_digit(c) || (c == '+' && is_digit(at(&sc, i + 1)))) {
			if (boundary || c == '+') {
				i = scan_number(&sc, i, 0);
				continue;
			}
			i = skip_alnum(&sc, i);
			continue;
		}
		if (is_letter(c)) {
			i = boundary ? scan_word(&sc, i) : skip_alnum(&sc, i);
			continue;
		}
		if (c == '(' && at(&sc, i + 1) == '0') {
			size_t e = scan_paren_landline(&sc, i);
			if (e) {
				i = e;
				continue;
			}
		} else if (c == '@' && !(i > 0 && email_local((unsigned char)text[i - 1]))) {
			i = scan_handle(&sc, i);
			continue;
		} else if (c >= 0x80) {
			uint32_t cp = utf8_fast(text, len, i, &adv);
			if (is_cjk(cp) && is_upper(at(&sc, i + adv)) &&
			    dt_rules_match(r, text, len, i, DR_BIT(DR_PLATE_PROV), NULL) == adv) {
				size_t e = scan_plate(&sc, i, adv);
				if (e) {
					i = e;
					continue;
				}
			}
		}
		i += adv;
	}
	free(sc.hit);
	drop_lone_weak(out);
	if (!sc.oom && out->n > 1)
		qsort(out->v, out->n, sizeof out->v[0], by_start);
	if (sc.oom) {
		dt_scan_free(out);
		return ARC_ENOMEM;
	}
	return 0;
}

void dt_scan_free(scan_result_t *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].value);
	free(s->v);
	memset(s, 0, sizeof *s);
}
