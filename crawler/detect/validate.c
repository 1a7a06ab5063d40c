/*
 * validate.c — validators for the identifier types custody detects, and the
 * normalization of identifier values.
 *
 * Each validator answers one question about an already-normalized value
 * (ASCII digits and upper-case letters): does it have the structure and the
 * check digit that a real identifier of this kind has? They hold only the
 * structural facts of each numbering scheme (check-digit algorithms, province
 * codes of GB/T 2260, allocated mobile segments, card issuer ranges); keyword
 * lists and context words live in the rules file, never here.
 * Nothing here allocates, prints or looks at context.
 */
#include "detect_int.h"

#include <string.h>
#include <time.h>

static const char *const type_names[DT__COUNT] = {
	"cn_resident_id", "cn_mobile", "cn_landline", "cn_bank_card", "cn_passport",
	"hk_id", "tw_id", "cn_plate", "email", "qq", "wechat", "social_handle",
	"cn_address", "person_name", "dox_keyword", "intl_phone",
};

const char *dt_type_name(int t)
{
	return t >= 0 && t < DT__COUNT ? type_names[t] : NULL;
}

int dt_type_index(const char *name)
{
	for (int t = 0; t < DT__COUNT; t++)
		if (!strcmp(type_names[t], name))
			return t;
	return -1;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

static int num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

long dt_today(void)
{
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return 99991231L;
	return (long)(tm.tm_year + 1900) * 10000L + (tm.tm_mon + 1) * 100L + tm.tm_mday;
}

int dt_valid_date(int y, int m, int d, long today)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return 0;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	int max = mdays[m - 1] + (m == 2 && leap);
	if (d > max)
		return 0;
	return (long)y * 10000L + m * 100L + d <= today;
}

/* Province-level codes of GB/T 2260 (the first two digits of a region code). */
static int valid_province_code(int p)
{
	return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
	       (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) ||
	       p == 71 || p == 81 || p == 82;
}

int dt_valid_resident_id(const char *v, size_t n, long today)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	if (n == 18) {
		if (!all_digits(v, 17) || !((v[17] >= '0' && v[17] <= '9') || v[17] == 'X'))
			return 0;
		int sum = 0;
		for (int i = 0; i < 17; i++)
			sum += (v[i] - '0') * w[i];
		if (check[sum % 11] != v[17])
			return 0;
		int y = num2(v + 6) * 100 + num2(v + 8);
		if (!valid_province_code(num2(v)) || !dt_valid_date(y, num2(v + 10), num2(v + 12), today))
			return 0;
		return 1;
	}
	if (n == 15) {
		/* First-generation cards (before 1999): YYMMDD in the 20th century, no check digit. */
		if (!all_digits(v, 15))
			return 0;
		return valid_province_code(num2(v)) &&
		       dt_valid_date(1900 + num2(v + 6), num2(v + 8), num2(v + 10), today);
	}
	return 0;
}

int dt_luhn(const char *d, size_t n)
{
	if (!all_digits(d, n))
		return 0;
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int x = d[n - 1 - i] - '0';
		if (i % 2 == 1) {
			x *= 2;
			if (x > 9)
				x -= 9;
		}
		sum += x;
	}
	return sum % 10 == 0;
}

static int prefix_num(const char *d, int k)
{
	int x = 0;
	for (int i = 0; i < k; i++)
		x = x * 10 + (d[i] - '0');
	return x;
}

int dt_valid_bank_card(const char *d, size_t n)
{
	if (n < 15 || n > 19 || !dt_luhn(d, n))
		return 0;
	int p2 = prefix_num(d, 2), p3 = prefix_num(d, 3), p4 = prefix_num(d, 4);
	if (n == 15) /* American Express is the one 15-digit issuer we accept */
		return p2 == 34 || p2 == 37;
	if (n < 16)
		return 0;
	if (p2 == 62 || d[0] == '4')                     /* UnionPay, Visa */
		return 1;
	if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) /* Mastercard */
		return n == 16;
	if (p4 >= 3528 && p4 <= 3589)                     /* JCB */
		return 1;
	if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) /* Discover */
		return 1;
	if (p2 == 36 || p2 == 38 || p2 == 39 || (p3 >= 300 && p3 <= 305)) /* Diners */
		return 1;
	return 0;
}

int dt_valid_mobile(const char *d, size_t n)
{
	/* Segments allocated by MIIT for public mobile, data and virtual operators. */
	if (n != 11 || !all_digits(d, n) || d[0] != '1')
		return 0;
	int s = prefix_num(d + 1, 2);
	return (s >= 30 && s <= 39) || (s >= 45 && s <= 49) || (s >= 50 && s <= 53) ||
	       (s >= 55 && s <= 59) || s == 62 || (s >= 65 && s <= 67) ||
	       (s >= 70 && s <= 78) || (s >= 80 && s <= 89) || (s >= 90 && s <= 93) ||
	       (s >= 95 && s <= 99);
}

int dt_valid_landline(const char *d, size_t n, size_t *area_len)
{
	if (n < 10 || n > 12 || !all_digits(d, n) || d[0] != '0')
		return 0;
	size_t a;
	if (d[1] == '1' && d[2] == '0')
		a = 3;                   /* 010 Beijing */
	else if (d[1] == '2')
		a = 3;                   /* 020..029 */
	else if (d[1] >= '3' && d[1] <= '9')
		a = 4;                   /* 0311..0999 */
	else
		return 0;
	/* no Chinese 4-digit area code has 0 as its third digit but 0701
	 * (Yingtan) and 0901-0909 (Xinjiang): "0800 912 2901" is a UK
	 * freephone number, not a landline here */
	if (a == 4 && d[2] == '0' && !(d[1] == '7' && d[3] == '1') && d[1] != '9')
		return 0;
	size_t sub = n - a;
	if (sub < 7 || sub > 8 || d[a] < '2')
		return 0;
	if (area_len)
		*area_len = a;
	return 1;
}

int dt_valid_passport(const char *v, size_t n)
{
	if (n != 9)
		return 0;
	if ((v[0] == 'E' || v[0] == 'G') && all_digits(v + 1, 8))
		return 1;
	/* Since 2017: E + letter (not I or O) + 7 digits. */
	return v[0] == 'E' && v[1] >= 'A' && v[1] <= 'Z' && v[1] != 'I' && v[1] != 'O' &&
	       all_digits(v + 2, 7);
}

int dt_valid_hk_id(const char *v, size_t n)
{
	size_t nl = n == 8 ? 1 : n == 9 ? 2 : 0;
	if (!nl)
		return 0;
	for (size_t i = 0; i < nl; i++)
		if (v[i] < 'A' || v[i] > 'Z')
			return 0;
	if (!all_digits(v + nl, 6))
		return 0;
	char c = v[n - 1];
	if (!((c >= '0' && c <= '9') || c == 'A'))
		return 0;
	/* Weights 9..2 over [letter1] letter2 d1..d6; a missing first letter counts as space (36). */
	int sum = nl == 1 ? 36 * 9 + (v[0] - 'A' + 10) * 8
	                  : (v[0] - 'A' + 10) * 9 + (v[1] - 'A' + 10) * 8;
	for (int i = 0; i < 6; i++)
		sum += (v[nl + i] - '0') * (7 - i);
	int cv = c == 'A' ? 10 : c - '0';
	return (sum + cv) % 11 == 0;
}

int dt_valid_tw_id(const char *v, size_t n)
{
	/* Letter codes of the national ID (I, O, W, X, Y, Z are out of order by history). */
	static const int code[26] = {10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21,
	                             22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33};
	if (n != 10 || v[0] < 'A' || v[0] > 'Z' || !all_digits(v + 1, 9))
		return 0;
	if (v[1] != '1' && v[1] != '2' && v[1] != '8' && v[1] != '9')
		return 0;
	int c = code[v[0] - 'A'];
	int sum = c / 10 + (c % 10) * 9;
	for (int i = 1; i <= 8; i++)
		sum += (v[i] - '0') * (9 - i);
	sum += v[9] - '0';
	return sum % 10 == 0;
}

int dt_valid_qq(const char *d, size_t n)
{
	return n >= 5 && n <= 11 && all_digits(d, n) && d[0] != '0';
}

static int is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

int dt_valid_wechat(const char *v, size_t n)
{
	if (n < 6 || n > 20 || !is_alpha(v[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!is_alnum(v[i]) && v[i] != '_' && v[i] != '-')
			return 0;
	return 1;
}

int dt_valid_email(const char *v, size_t n)
{
	const char *at = memchr(v, '@', n);
	if (!at)
		return 0;
	size_t ll = (size_t)(at - v), dl = n - ll - 1;
	if (ll < 1 || ll > 64 || dl < 4 || dl > 253)
		return 0;
	for (size_t i = 0; i < ll; i++)
		if (!is_alnum(v[i]) && !strchr("._%+-_", v[i]))
			return 0;
	if (v[0] == '.' || v[ll - 1] == '.')
		return 0;
	const char *d = at + 1;
	size_t label = 0, labels = 0, tld_alpha = 1;
	for (size_t i = 0; i <= dl; i++) {
		if (i == dl || d[i] == '.') {
			if (label == 0 || label > 63)
				return 0;
			labels++;
			if (i == dl && (label < 2 || !tld_alpha))
				return 0;
			label = 0;
			tld_alpha = 1;
			continue;
		}
		if (!is_alnum(d[i]) && d[i] != '-')
			return 0;
		if (!is_alpha(d[i]))
			tld_alpha = 0;
		label++;
	}
	return labels >= 2;
}

long dt_normalize(int type, const char *in, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	if (!outsz)
		return -1;
	int keep_all = type == DT_ADDRESS || type == DT_NAME || type == DT_DOX;
	int lower = type == DT_EMAIL || type == DT_SOCIAL || type == DT_DOX;
	int keep_punct = type == DT_EMAIL || type == DT_SOCIAL || type == DT_WECHAT;
	for (size_t i = 0; i < n;) {
		size_t adv;
		uint32_t cp = dt_utf8_at(in, n, i, &adv);
		if (cp >= 0xFF01 && cp <= 0xFF5E)
			cp -= 0xFEE0;         /* full-width ASCII */
		if (cp == 0x3000 || cp == 0xA0)
			cp = ' ';
		i += adv;
		if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r')
			continue;
		if (cp < 0x80) {
			char c = (char)cp;
			if (lower && c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			else if (!lower && !keep_punct && c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			if (!keep_all && !keep_punct && !is_alnum(c))
				continue;
			if (o + 1 >= outsz)
				return -1;
			out[o++] = c;
			continue;
		}
		if (!keep_all && type != DT_SOCIAL && !(type == DT_PLATE && cp >= 0x4E00 && cp <= 0x9FFF))
			continue;
		/* keep the original UTF-8 bytes of non-ASCII characters */
		if (cp == 0xFFFD && adv == 1)
			continue;
		if (o + adv >= outsz)
			return -1;
		memcpy(out + o, in + i - adv, adv);
		o += adv;
	}
	out[o] = '\0';
	if (type == DT_MOBILE) {
		size_t cut = 0;
		if (o == 13 && !memcmp(out, "86", 2))
			cut = 2;
		else if (o == 15 && !memcmp(out, "0086", 4))
			cut = 4;
		if (cut) {
			memmove(out, out + cut, o - cut + 1);
			o -= cut;
		}
	}
	return (long)o;
}

int dt_guess_type(const char *v, size_t n)
{
	long today = dt_today();
	if (memchr(v, '@', n))
		return dt_valid_email(v, n) ? DT_EMAIL : DT_SOCIAL;
	if (dt_valid_resident_id(v, n, today))
		return DT_RESIDENT_ID;
	if (dt_valid_mobile(v, n))
		return DT_MOBILE;
	if (dt_valid_bank_card(v, n))
		return DT_BANK_CARD;
	if (dt_valid_landline(v, n, NULL))
		return DT_LANDLINE;
	if (dt_valid_tw_id(v, n))
		return DT_TW_ID;
	if (dt_valid_hk_id(v, n))
		return DT_HK_ID;
	if (dt_valid_passport(v, n))
		return DT_PASSPORT;
	return -1;
}
