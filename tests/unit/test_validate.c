/*
 * test_validate.c — the identifier validators and normalization (validate.c).
 * Every number here is fabricated: check-digit-valid, belonging to nobody.
 */
#include <string.h>

#include "detect_int.h"
#include "tu.h"

#define V(fn, s) fn(s, strlen(s))
#define ID(s) dt_valid_resident_id(s, strlen(s), 20261125L)

static void norm(int type, const char *in, const char *want)
{
	char out[256];
	long n = dt_normalize(type, in, strlen(in), out, sizeof out);
	CHECK(n >= 0 && !strcmp(out, want), "normalize(%s, \"%s\") = \"%s\", want \"%s\"",
	      dt_type_name(type), in, n >= 0 ? out : "(err)", want);
}

int main(void)
{
	/* resident ID: check digit (incl. X), region, real past date, leap years */
	CHECK(ID("11010519491231002X"), "valid 18-digit with X");
	CHECK(ID("110105198001011238"), "valid 18-digit");
	CHECK(!ID("110105198001011239"), "wrong check digit");
	CHECK(!ID("11010519491231002Y"), "bad last char");
	CHECK(ID("440106200002291238"), "Feb 29 2000 (leap)");
	CHECK(!ID("110105200102291232"), "Feb 29 2001 is no date");
	CHECK(!ID("110105198002301237"), "Feb 30");
	CHECK(!ID("110105209912311232"), "birth date in the future");
	CHECK(!ID("110105189912311237"), "year before 1900");
	CHECK(!ID("990105198001011231"), "province 99 does not exist");
	CHECK(ID("110105800101123"), "15-digit old form");
	CHECK(!ID("110105801301123"), "15-digit, month 13");
	CHECK(!ID("11010519800101123"), "17 digits");
	CHECK(dt_valid_date(2024, 2, 29, 20261125L) && !dt_valid_date(1900, 2, 29, 20261125L) &&
	      dt_valid_date(2026, 11, 25, 20261125L) && !dt_valid_date(2026, 11, 26, 20261125L),
	      "leap centuries and today's edge");

	/* bank cards: Luhn + issuer */
	CHECK(V(dt_valid_bank_card, "6217000000000000004"), "UnionPay 19");
	CHECK(V(dt_valid_bank_card, "6222021234567890128"), "UnionPay 19 (2)");
	CHECK(V(dt_valid_bank_card, "4111111111111111"), "Visa 16");
	CHECK(V(dt_valid_bank_card, "5100000000000008"), "Mastercard 16");
	CHECK(V(dt_valid_bank_card, "3530000000000003"), "JCB 16");
	CHECK(!V(dt_valid_bank_card, "4111111111111112"), "Luhn fails");
	CHECK(!V(dt_valid_bank_card, "1111111111111117"), "no issuer 1");
	CHECK(!V(dt_valid_bank_card, "411111111111"), "too short");
	CHECK(V(dt_luhn, "79927398713") && !V(dt_luhn, "79927398710"), "Luhn reference");

	/* mobile segments */
	CHECK(V(dt_valid_mobile, "13912345678"), "139");
	CHECK(V(dt_valid_mobile, "19912345678"), "199");
	CHECK(V(dt_valid_mobile, "16612345678"), "166");
	CHECK(!V(dt_valid_mobile, "10012345678"), "100 not a segment");
	CHECK(!V(dt_valid_mobile, "12012345678"), "120 not a segment");
	CHECK(!V(dt_valid_mobile, "15412345678"), "154 not allocated");
	CHECK(!V(dt_valid_mobile, "19412345678"), "194 not allocated");
	CHECK(!V(dt_valid_mobile, "1391234567"), "10 digits");

	/* landlines */
	size_t area = 0;
	CHECK(dt_valid_landline("01062345678", 11, &area) && area == 3, "Beijing 010 + 8");
	CHECK(dt_valid_landline("075583456789", 12, &area) && area == 4, "Shenzhen 0755 + 8");
	CHECK(dt_valid_landline("02187654321", 11, &area) && area == 3, "Shanghai 021 + 8");
	CHECK(!dt_valid_landline("01001234567", 11, NULL) && !dt_valid_landline("01012345678", 11, NULL), "subscriber starts with 0 or 1");
	CHECK(!dt_valid_landline("00012345678", 11, NULL), "area 000");
	CHECK(!dt_valid_landline("0755123", 7, NULL), "too short");

	/* passports, HK, TW */
	CHECK(V(dt_valid_passport, "E12345678") && V(dt_valid_passport, "G12345678"), "E/G + 8");
	CHECK(V(dt_valid_passport, "EA1234567"), "E + letter + 7");
	CHECK(!V(dt_valid_passport, "EI1234567") && !V(dt_valid_passport, "K12345678"), "bad passports");
	CHECK(V(dt_valid_hk_id, "A1234563"), "HK A123456(3)");
	CHECK(V(dt_valid_hk_id, "AB9876543"), "HK two letters");
	CHECK(V(dt_valid_hk_id, "C6686689"), "HK C668668(9)");
	CHECK(!V(dt_valid_hk_id, "A1234564"), "HK wrong check");
	CHECK(V(dt_valid_tw_id, "A123456789") && V(dt_valid_tw_id, "F234567898"), "TW valid");
	CHECK(!V(dt_valid_tw_id, "A123456788") && !V(dt_valid_tw_id, "A323456789"), "TW invalid");

	/* QQ, WeChat, e-mail */
	CHECK(V(dt_valid_qq, "10001") && V(dt_valid_qq, "12345678901"), "QQ 5..11");
	CHECK(!V(dt_valid_qq, "01234") && !V(dt_valid_qq, "1234") && !V(dt_valid_qq, "123456789012"), "QQ bad");
	CHECK(V(dt_valid_wechat, "wxid_abc123") && V(dt_valid_wechat, "Zhang-San99"), "WeChat ok");
	CHECK(!V(dt_valid_wechat, "1abcdef") && !V(dt_valid_wechat, "abc") && !V(dt_valid_wechat, "abc.def"), "WeChat bad");
	CHECK(V(dt_valid_email, "user_1.x+tag@mail.example.com"), "email ok");
	CHECK(!V(dt_valid_email, "user@localhost") && !V(dt_valid_email, ".a@b.com") &&
	      !V(dt_valid_email, "a@b.c0m") && !V(dt_valid_email, "a@@b.com"), "email bad");

	/* normalization: full-width, separators, country code, case */
	norm(DT_MOBILE, "+86 139-1234-5678", "13912345678");
	norm(DT_MOBILE, "0086 13912345678", "13912345678");
	norm(DT_MOBILE, "\xEF\xBC\x91\xEF\xBC\x93\xEF\xBC\x99 1234 5678", "13912345678"); /* １３９ */
	norm(DT_RESIDENT_ID, "110105 19491231 002x", "11010519491231002X");
	norm(DT_RESIDENT_ID, "11010519491231002\xEF\xBD\x98", "11010519491231002X");          /* ｘ */
	norm(DT_BANK_CARD, "6222.0212.3456.7890.128", "6222021234567890128");
	norm(DT_EMAIL, "User@Example.COM", "user@example.com");
	norm(DT_HK_ID, "a123456(3)", "A1234563");
	norm(DT_ADDRESS, "北京市 东城区\u3000中山路12号", "北京市东城区中山路12号");
	norm(DT_SOCIAL, "@WeiboUser", "@weibouser");
	norm(DT_PLATE, "粤B·12345", "粤B12345");

	/* type guessing (watch-hash) */
	CHECK(dt_guess_type("11010519491231002X", 18) == DT_RESIDENT_ID, "guess id");
	CHECK(dt_guess_type("13912345678", 11) == DT_MOBILE, "guess mobile");
	CHECK(dt_guess_type("6222021234567890128", 19) == DT_BANK_CARD, "guess card");
	CHECK(dt_guess_type("a@b.com", 7) == DT_EMAIL, "guess email");
	CHECK(dt_guess_type("12", 2) == -1, "guess nothing");
	CHECK(!strcmp(dt_type_name(DT_DOX), "dox_keyword") && dt_type_index("cn_plate") == DT_PLATE &&
	      dt_type_index("nope") == -1 && dt_type_name(DT__COUNT) == NULL, "type names");
	TU_END();
}
