/*
 * verdict.c — the page verdict: is this a doxing page? The one rule a reader
 * of the README (section "The page verdict") should be able to check here.
 *
 * Page verdict (README "The page verdict"): identifier types are weighted
 * strong (resident ID, bank card, passport, HK/TW ID: 1.0), medium (mobile,
 * landline, an address with a personal context: 0.8) or weak (e-mail, QQ,
 * WeChat, handle, plate, foreign phone, any other address: 0.5). A page is
 * doxing when it holds (a) a strong dox keyword and a strong or medium
 * identifier, or (b) a name or a strong dox keyword and a strong identifier
 * (a weak keyword only beside two identifier types: it never tips a page
 * alone), or (c) a person's name and two medium-or-strong identifier types,
 * or (d) >= verdict_min_types (rules, default 3) identifier types one of them
 * strong, or min_types + 2 types of any strength (a shop's contact page with
 * phone, address and e-mail is not doxing by itself). Score: strength = 1 -
 * prod(1 - weight * best score of the type) over the types present, signal =
 * best person_name/dox_keyword score, score = strength * (0.5 + 0.5 *
 * signal), raised to 0.5 for a doxing page and capped at 0.49 otherwise.
 *
 * Must never: call a page doxing on identifiers of one weak kind alone, or
 * let a score cross 0.5 without the verdict.
 */
#include "detect_int.h"

static double type_weight(int t)
{
	switch (t) {
	case DT_RESIDENT_ID: case DT_BANK_CARD: case DT_PASSPORT: case DT_HK_ID: case DT_TW_ID:
		return 1.0;
	case DT_MOBILE: case DT_LANDLINE:
		return 0.8;
	case DT_NAME: case DT_DOX:
		return 0.0;
	default:
		return 0.5;
	}
}

void dt_verdict(const detect_rules_t *r, const scan_match_t *m, size_t n,
                    int *doxing, double *score)
{
	double best[DT__COUNT] = {0};
	for (size_t i = 0; i < n; i++)
		if (m[i].type >= 0 && m[i].type < DT__COUNT && m[i].score > best[m[i].type])
			best[m[i].type] = m[i].score;
	/* an address weighs as a medium identifier only with a personal context
	 * (住址, 家住); a company's or an office's address is a weak one */
	double addr_w = best[DT_ADDRESS] >= DETECT_SCORE_ADDR_PERSONAL ? 0.8 : 0.5;
	double keep = 1.0, signal = best[DT_NAME] > best[DT_DOX] ? best[DT_NAME] : best[DT_DOX];
	int types = 0, strong = 0, medium = 0, heavy = 0;
	for (int t = 0; t < DT__COUNT; t++) {
		double w = t == DT_ADDRESS ? addr_w : type_weight(t);
		if (w == 0.0 || best[t] == 0.0)
			continue;
		types++;
		strong |= w >= 1.0;
		medium |= w >= 0.8;
		heavy += w >= 0.8;
		keep *= 1.0 - w * best[t];
	}
	double strength = 1.0 - keep;
	double s = strength * (0.5 + 0.5 * signal);
	int min_types = r ? dt_rules_settings(r)->verdict_min_types : 3;
	int dox_kw = best[DT_DOX] >= DETECT_SCORE_DOX;  /* a strong dox keyword */
	/* a weak keyword (户籍, 曝光) alone never tips a page: it counts with a
	 * strong identifier only beside another identifier type */
	int named = best[DT_NAME] > 0 || dox_kw || (best[DT_DOX] > 0 && types >= 2);
	int dox = (dox_kw && medium) ||                  /* "开盒" + a phone, an ID, an address */
	          (named && strong) ||                   /* a name or keyword + ID/card/passport */
	          (best[DT_NAME] > 0 && heavy >= 2) ||   /* a name + phone + home address */
	          (types >= min_types && strong) ||      /* a full profile without words */
	          types >= min_types + 2;                /* (shop pages list phone, address, mail) */
	if (dox && s < 0.5)
		s = 0.5;
	if (!dox && s > 0.49)
		s = 0.49;
	*doxing = dox;
	*score = s;
}
