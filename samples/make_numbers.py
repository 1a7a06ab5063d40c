#!/usr/bin/env python3
"""Compute (and re-check) the fabricated identifiers planted in samples/site/.

Run once to get check digits right; the pages were then written by hand. Every person
in the sample site is invented: mobile numbers follow the 1380013800x "example number"
pattern, bank cards are mostly zeros, e-mails use example.com, and the ID numbers use
real region codes only so that a validator accepts them.

  python3 samples/make_numbers.py          print every planted identifier
  python3 samples/make_numbers.py --check  re-validate the values in samples/labels.jsonl
"""
import json, os, sys

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def id_check(body17):
    """ISO 7064 MOD 11-2 check character of an 18-digit resident ID."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS)) % 11]


def luhn_digit(body):
    total = 0
    for i, c in enumerate(reversed(body)):
        v = int(c) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return str((10 - total % 10) % 10)


def luhn_ok(num):
    return luhn_digit(num[:-1]) == num[-1]


def hk_check(prefix, digits6):
    """HKID check character: letters A=10..Z=35, a leading space (36) for one-letter
    prefixes, weights 9..2, check = 11 - sum mod 11 (10 -> 'A', 11 -> '0')."""
    chars = prefix.rjust(2)
    vals = [36 if c == " " else ord(c) - ord("A") + 10 for c in chars] + [int(d) for d in digits6]
    r = 11 - sum(v * w for v, w in zip(vals, range(9, 1, -1))) % 11
    return "0" if r == 11 else "A" if r == 10 else str(r)


TW_LETTERS = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36)))


def tw_ok(tid):
    n = TW_LETTERS[tid[0]]
    total = n // 10 + (n % 10) * 9 + sum(int(c) * w for c, w in zip(tid[1:9], range(8, 0, -1))) + int(tid[9])
    return total % 10 == 0


def tw_make(letter, body8):
    for d in "0123456789":
        if tw_ok(letter + body8 + d):
            return letter + body8 + d
    raise ValueError


def isbn13_digit(body12):
    return str((10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body12)) % 10) % 10)


def resident_id(region, birth, seq):
    body = f"{region}{birth}{seq}"
    return body + id_check(body)


def main():
    if "--check" in sys.argv:
        return check()
    people = {
        "A 柯晓彤 (thread/101, api/user.json)": dict(
            id=resident_id("110105", "19980412", "062"), mobile="13800138001",
            card="621700000000000" + "123", qq="800012345", wechat="kexiaotong_98"),
        "B 郝思远 (thread/102, GB18030)": dict(
            id=resident_id("440305", "19870923", "031"), mobile="13800138002", card=None),
        "C 范雨晴 (thread/103, split tags)": dict(
            id=resident_id("310115", "20010117", "084"), mobile="13800138003", card=None),
        "D 蒋一鸣 (thread/104, full-width)": dict(
            id=resident_id("510107", "19931130", "015"), mobile="13800138004", card=None),
        "E 乔丹 Daniel Qiao (thread/105, English)": dict(
            id=resident_id("330106", "19760305", "097"), mobile="13800138005", card=None),
    }
    for who, p in people.items():
        print(who)
        for k, v in p.items():
            if v is None:
                continue
            if k == "card":
                v = v + luhn_digit(v)
            print(f"  {k:8} {v}")
    print("hk_id   ", "E" + "364912" + "(" + hk_check("E", "364912") + ")")
    print("tw_id   ", tw_make("F", "22817364"))
    print("passport E12345678 (no check digit)")
    bad = "11010519980412062"
    good = id_check(bad)
    wrong = ID_CHECK[(ID_CHECK.index(good) + 3) % 11]
    print("decoy ID, wrong check digit:", bad + wrong, "(valid would be", good + ")")
    card = "621700000000000456"
    print("decoy card, bad Luhn:", card + str((int(luhn_digit(card)) + 5) % 10))
    print("ISBN", "978750860000" + isbn13_digit("978750860000"))
    print("ISBN", "978710000000" + isbn13_digit("978710000000"))
    return 0


def check():
    """Validate every check-digit identifier listed in samples/labels.jsonl."""
    here = os.path.dirname(os.path.abspath(__file__))
    bad = 0
    for line in open(os.path.join(here, "labels.jsonl"), encoding="utf-8"):
        l = json.loads(line)
        t, v = l["type"], str(l["value"])
        ok = True
        if t == "cn_resident_id":
            ok = len(v) == 18 and id_check(v[:17]) == v[17]
        elif t == "decoy:bad_id_checksum":
            ok = len(v) == 18 and id_check(v[:17]) != v[17]
        elif t == "cn_bank_card":
            ok = luhn_ok(v)
        elif t == "decoy:bad_luhn":
            ok = not luhn_ok(v)
        elif t == "hk_id":
            ok = hk_check(v[:-7], v[-7:-1]) == v[-1]
        elif t == "tw_id":
            ok = tw_ok(v)
        elif t == "cn_mobile":
            ok = len(v) == 11 and v[0] == "1"
        if not ok:
            print("bad label:", l)
            bad += 1
    print("labels ok" if not bad else f"{bad} bad labels")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
