#!/usr/bin/env python3
"""Seeded evasion corpus for custody's detector (issue 21): posts in the style of
Weibo / Tieba / Douyin comments where each identifier is disguised one way.

  gen.py OUTDIR [--seed N] [--pages-per-category N]

Writes OUTDIR/pages/*.html|json and OUTDIR/labels.jsonl, one line per planted item:
  {"page": "pages/x.html", "cat": CATEGORY, "type": T, "value": V}
types "decoy:T" must NOT be reported; {"page":..., "type": "page", "value": bool} says
whether the page exposes a person (a doxing page).  Every person is fabricated: names
from a small list, numbers random with valid check digits.  score.py reads the labels.
"""
import argparse, json, os, random

SURN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建子轩梦瑶浩然欣怡"
PINYIN_S = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"]
PINYIN_G = ["Mengyao", "Zixuan", "Haoran", "Xinyi", "Jianjun", "Yuting", "Junjie", "Shuang"]
REGIONS = ["110105", "310104", "440106", "330106", "510107", "420106", "320102", "370102"]
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CN = "〇一二三四五六七八九"
CN2 = "零一二三四五六七八九"
FIN = "零壹贰叁肆伍陆柒捌玖"
SPOKEN = {"0": "洞", "1": "幺", "2": "两", "7": "拐", "9": "勾"}
SPOKEN_ALT = {"1": "腰"}
CIRCLED = "⓪①②③④⑤⑥⑦⑧⑨"
PAREN = [None] + [chr(0x2474 + i) for i in range(9)]
SEPS = [" ", "-", "–", "—", ".", "·", "•", "/", "_", "~", "|", "丨", "+", ",", "\u3000",
        "\u2002", "\u2009", "\u00a0"]
EMOJI = ["❤️", "🔥", "⭐", "👉", "✨", "🌸", "😊", "★", "♥"]
ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "&#8203;", "&#x200B;", "&zwj;",
      "&#8288;", "&#xFEFF;"]
FILLER = ["今天在{p}刷到的，大家评评理。", "楼主说的是真的吗？", "这事已经闹了好几天了。",
          "转发扩散，别让他跑了。", "有知道后续的吗", "评论区炸了。", "原帖已经删了，搬运一下。"]
PLAT = ["微博", "贴吧", "抖音"]


def rid(r):
    while True:
        y = r.randint(1965, 2003); m = r.randint(1, 12); d = r.randint(1, 28)
        body = r.choice(REGIONS) + f"{y:04d}{m:02d}{d:02d}" + f"{r.randint(0, 999):03d}"
        s = sum(int(c) * w for c, w in zip(body, W)) % 11
        chk = "10X98765432"[s]
        if chk != "X":
            return body + chk


def rid_bad(r):
    v = rid(r)
    return v[:17] + str((int(v[17]) + 1 + r.randint(0, 7)) % 10)


def rid15(r):
    y = r.randint(65, 99); m = r.randint(1, 12); d = r.randint(1, 28)
    return r.choice(REGIONS) + f"{y:02d}{m:02d}{d:02d}" + f"{r.randint(0, 999):03d}"


def mobile(r):
    pre = r.choice(["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                    "152", "155", "156", "157", "158", "159", "176", "177", "178", "180", "181",
                    "182", "183", "185", "186", "187", "188", "189", "191", "198", "199"])
    return pre + "".join(str(r.randint(0, 9)) for _ in range(8))


def luhn_card(r):
    body = "622202" + "".join(str(r.randint(0, 9)) for _ in range(9))
    tot = 0
    for i, c in enumerate(reversed(body)):
        k = int(c)
        if i % 2 == 0:
            k *= 2
            k -= 9 if k > 9 else 0
        tot += k
    return body + str((10 - tot % 10) % 10)


def name(r):
    return r.choice(SURN) + "".join(r.choice(GIVEN) for _ in range(r.choice([1, 2, 2])))


def qq(r):
    return str(r.randint(1, 9)) + "".join(str(r.randint(0, 9)) for _ in range(r.randint(6, 9)))


def wxid(r):
    base = "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(4, 7)))
    return base + r.choice(["_", "", "-"]) + str(r.randint(100, 9999))


# ---------------------------------------------------------------- disguises of digits

def fullwidth(r, v):
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() and r.random() < 0.7 else c for c in v)


def separators(r, v):
    s = r.choice(SEPS)
    if r.random() < 0.5 or len(v) != 11:
        return s.join(v)
    return v[:3] + s + v[3:7] + s + v[7:]


def zero_width(r, v):
    z = r.choice(ZW)
    return "".join(c + (z if i % r.choice([1, 2, 3]) == 0 and i < len(v) - 1 else "")
                   for i, c in enumerate(v))


def circled(r, v):
    mode = r.choice(["circ", "paren", "keycap", "mix"])
    out = []
    for c in v:
        k = int(c) if c.isdigit() else None
        m = mode if mode != "mix" else r.choice(["circ", "paren", "keycap", "plain"])
        if k is None or m == "plain":
            out.append(c)
        elif m == "circ":
            out.append(CIRCLED[k])
        elif m == "paren" and k > 0:
            out.append(PAREN[k])
        else:
            out.append(c + "\ufe0f\u20e3")
    return "".join(out)


def emoji_between(r, v):
    e = r.choice(EMOJI)
    if r.random() < 0.5:
        return e.join(v)
    return v[:3] + e + v[3:7] + e + v[7:]


def cn_numerals(r, v):
    t = r.choice([CN, CN2, FIN, "mix"])
    if t == "mix":
        return "".join(CN[int(c)] if c.isdigit() and r.random() < 0.6 else c for c in v)
    return "".join(t[int(c)] if c.isdigit() else c for c in v)


def spoken(r, v):
    out = []
    for c in v:
        if c in SPOKEN and r.random() < 0.8:
            out.append(SPOKEN_ALT.get(c, SPOKEN[c]) if r.random() < 0.3 else SPOKEN[c])
        elif c.isdigit() and r.random() < 0.5:
            out.append(CN[int(c)])
        else:
            out.append(c)
    return "".join(out)


def split_markup(r, v):
    cuts = sorted(r.sample(range(2, len(v) - 1), 2))
    parts = [v[:cuts[0]], v[cuts[0]:cuts[1]], v[cuts[1]:]]
    j = r.choice(["<br>", "<wbr>", "</span><span>", "<b></b>", "<!-- x -->", "\n", "<br/>\n",
                  "<i>", "<span style=\"color:red\">"])
    s = j.join(parts)
    if j == "<i>":
        s += "</i>" * 2
    if j.startswith("<span style"):
        s += "</span>" * 2
    return s


DRESS = {"fullwidth": fullwidth, "separators": separators, "zero_width": zero_width,
         "circled": circled, "emoji_between": emoji_between, "cn_numerals": cn_numerals,
         "spoken_digits": spoken, "split_markup": split_markup}

MOB_CTX = ["电话：", "手机：", "联系方式：", "手机号 ", "电话号码是"]
ID_CTX = ["身份证号：", "身份证：", "证件号码 ", "身份证号码是"]
NAME_CTX = ["姓名：", "真名：", "本名：", "名字叫"]


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Page:
    def __init__(self, cat):
        self.cat = cat; self.body = []; self.labels = []

    def add(self, html, typ=None, value=None, cat=None):
        self.body.append(html)
        if typ:
            self.labels.append((cat or self.cat, typ, value))


def html_doc(r, parts):
    p = r.choice(PLAT)
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + p + "帖子</title></head>"
            "<body><div class=\"post\"><p>" + r.choice(FILLER).format(p=p) + "</p><p>"
            + "</p><p>".join(parts) + "</p><p>" + r.choice(FILLER).format(p=p)
            + "</p></div></body></html>\n")


def digit_page(r, cat):
    pg = Page(cat)
    nm = name(r)
    pg.add(r.choice(NAME_CTX) + nm, "person_name", nm, "plain")
    d = DRESS[cat]
    m = mobile(r)
    i = rid(r)
    if cat == "zero_width":
        pg.add(r.choice(MOB_CTX) + d(r, m), "cn_mobile", m)
        pg.add(r.choice(ID_CTX) + d(r, i), "cn_resident_id", i)
    else:
        pg.add(esc(r.choice(MOB_CTX)) + (d(r, m) if cat == "split_markup" else esc(d(r, m))),
               "cn_mobile", m)
        pg.add(esc(r.choice(ID_CTX)) + (d(r, i) if cat == "split_markup" else esc(d(r, i))),
               "cn_resident_id", i)
    if cat == "fullwidth":
        c = luhn_card(r)
        pg.add("银行卡：" + fullwidth(r, c), "cn_bank_card", c)
    return pg, True


def hidden_page(r, cat):
    pg = Page(cat)
    nm = name(r)
    pg.add("姓名：" + nm, "person_name", nm, "plain")
    m, i = mobile(r), rid(r)
    how = r.choice(["comment", "title", "alt", "data", "input", "noscript"])
    for typ, v, ctx in (("cn_mobile", m, "电话：" + m), ("cn_resident_id", i, "身份证：" + i)):
        if how == "comment":
            h = "<!-- " + ctx + " -->"
        elif how == "title":
            h = "<span title=\"" + ctx + "\">悬停查看</span>"
        elif how == "alt":
            h = "<img src=\"a.png\" alt=\"" + ctx + "\">"
        elif how == "data":
            h = "<button data-copy=\"" + v + "\">点击复制" + ("电话" if typ == "cn_mobile" else "身份证") + "</button>"
        elif how == "input":
            h = "<input type=\"hidden\" name=\"" + ("phone" if typ == "cn_mobile" else "idcard") + "\" value=\"" + v + "\">"
        else:
            h = "<noscript>" + ctx + "</noscript>"
        pg.add(h, typ, v)
    return pg, True


WX_ALIAS = ["薇信：", "威信：", "V信：", "卫星：", "绿泡泡：", "vx：", "VX ", "v：", "微❤信：", "wei信："]
QQ_ALIAS = ["扣扣：", "企鹅号：", "Q号：", "扣扣号 ", "qq：", "球球：", "Q：", "企鹅："]
HANDLE_ALIAS = [("抖音号：", ""), ("小红书号：", ""), ("微博@", ""), ("快手号：", ""), ("B站：@", "")]


def alias_page(r, cat):
    pg = Page(cat)
    nm = name(r)
    pg.add("开盒了，姓名：" + nm, "person_name", nm, "plain")
    pg.labels.append(("plain", "dox_keyword", "开盒"))
    if cat == "alias_wechat":
        w = wxid(r)
        pg.add(esc(r.choice(WX_ALIAS)) + w, "wechat", w)
        m = mobile(r)
        pg.add("手机：" + m, "cn_mobile", m, "plain")
    elif cat == "alias_qq":
        q = qq(r)
        pg.add(r.choice(QQ_ALIAS) + q, "qq", q)
        m = mobile(r)
        pg.add("手机：" + m, "cn_mobile", m, "plain")
    elif cat == "handles":
        h = wxid(r).replace("-", "_")
        a, _ = r.choice(HANDLE_ALIAS)
        pg.add(a + h, "social_handle", h)
        m = mobile(r)
        pg.add("手机：" + m, "cn_mobile", m, "plain")
    elif cat == "obfuscated_email":
        local = wxid(r).replace("-", ".")
        dom = r.choice(["qq", "163", "126", "gmail", "foxmail", "sina"])
        tld = "com"
        at = r.choice([" at ", "(at)", "[at]", " 艾特 ", "＠", "#", " AT "])
        dot = r.choice([" dot ", "(dot)", "[dot]", " 点 ", "．", "."])
        pg.add("邮箱：" + local + at + dom + dot + tld, "email", local + "@" + dom + "." + tld)
        m = mobile(r)
        pg.add("手机：" + m, "cn_mobile", m, "plain")
    return pg, True


def context_page(r, cat):
    pg = Page(cat)
    nm = name(r)
    pg.add("姓名：" + nm, "person_name", nm, "plain")
    e = r.choice(EMOJI + ["·", " "])
    i = rid15(r)
    pg.add(e.join("身份证") + "：" + i, "cn_resident_id", i)
    q = qq(r)
    pg.add(r.choice(["Q" + e + "Q", "扣" + e + "扣", "q" + e + "q号"]) + "：" + q, "qq", q)
    return pg, True


def name_page(r, cat):
    pg = Page(cat)
    if cat == "name_separators":
        nm = name(r)
        s = r.choice(["❤", "·", "丶", "•", " ", "🔥", "、"])  # not '*': 高*敏 may be masked
        pg.add(esc(r.choice(NAME_CTX) + s.join(nm)), "person_name", nm)
    else:
        py = r.choice(PINYIN_S) + " " + r.choice(PINYIN_G)
        pg.add(r.choice(["姓名：", "真名：", "本名："]) + py, "person_name", py)
    i, m = rid(r), mobile(r)
    pg.add("身份证：" + i, "cn_resident_id", i, "plain")
    pg.add("电话：" + m, "cn_mobile", m, "plain")
    return pg, True


TW_CITY = [("臺北市", "大安區", "信義路"), ("新北市", "板橋區", "文化路"), ("臺中市", "西屯區", "臺灣大道"),
           ("高雄市", "苓雅區", "四維路"), ("桃園市", "中壢區", "中正路")]
TC_CN = [("廣東省", "廣州市", "天河區", "體育西路"), ("浙江省", "杭州市", "西湖區", "文三路"),
         ("江蘇省", "南京市", "鼓樓區", "中山北路"), ("湖北省", "武漢市", "洪山區", "珞喻路")]


def address_page(r, cat):
    pg = Page(cat)
    nm = name(r)
    pg.add("姓名：" + nm, "person_name", nm, "plain")
    k = r.random()
    if k < 0.4:
        c, d, s = r.choice(TW_CITY)
        a = c + d + s + r.choice(["一", "二", "三", "四"]) + "段" + str(r.randint(1, 300)) + "巷" + \
            str(r.randint(1, 30)) + "弄" + str(r.randint(1, 99)) + "號" + str(r.randint(2, 15)) + "樓"
    elif k < 0.75:
        p, c, d, s = r.choice(TC_CN)
        a = p + c + d + s + str(r.randint(1, 500)) + "號" + r.choice(["", str(r.randint(1, 20)) + "棟"])
    else:
        p, c, d, s = r.choice(TC_CN)
        a = "\u3000".join([p, c, d, s + str(r.randint(1, 500)) + "號"])
    pg.add(r.choice(["住址：", "家住", "现住址：", "家庭住址："]) + a, "cn_address", a.replace("\u3000", ""))
    m = mobile(r)
    pg.add("電話：" + m, "cn_mobile", m, "plain")
    return pg, True


def json_page(r, cat):
    nm, i, m = name(r), rid15(r), mobile(r)
    p, c, d, s = r.choice(TC_CN)
    addr = (p + c + d + s + str(r.randint(1, 500)) + "号").translate(str.maketrans("廣東蘇漢區體鼓樓", "广东苏汉区体鼓楼"))
    obj = {"user": {"realname": nm, "idcard": i, "phone": m, "address": addr,
                    "uid": r.randint(10**9, 10**10), "created": 1700000000 + r.randint(0, 10**7)}}
    pg = Page(cat)
    pg.labels = [(cat, "person_name", nm), (cat, "cn_resident_id", i), ("plain", "cn_mobile", m),
                 (cat, "cn_address", addr)]
    return pg, True, json.dumps(obj, ensure_ascii=False)


DOXKW = [("开❤盒", "开盒"), ("k盒", "开盒"), ("人r肉", "人肉"), ("rou搜", "肉搜"), ("开🔥盒", "开盒"),
         ("人❤肉", "人肉"), ("kai盒", "开盒")]


def dox_page(r, cat):
    pg = Page(cat)
    kw, canon = r.choice(DOXKW)
    pg.add("今天" + kw + "一个人，" + "手机：" + (m := mobile(r)), "dox_keyword", canon)
    pg.labels.append(("plain", "cn_mobile", m))
    nm = name(r)
    return pg, True


# ---------------------------------------------------------------- decoys (not personal data)

def decoy_page(r, cat):
    pg = Page(cat)
    out = []
    for _ in range(3):
        k = r.choice(["order", "track", "ts", "price", "isbn", "link", "mid", "nick", "mask_m",
                      "mask_id", "bad_id", "ts_ms", "date"])
        if k == "order":
            v = "2024" + "".join(str(r.randint(0, 9)) for _ in range(14))
            out.append("订单号：" + separators(r, v) if r.random() < 0.3 else "订单号：" + v)
        elif k == "track":
            v = r.choice(["SF", "YT", "JT"]) + "".join(str(r.randint(0, 9)) for _ in range(13))
            out.append("快递单号 " + v)
        elif k == "ts":
            out.append("发布于 2024-0" + str(r.randint(1, 9)) + "-1" + str(r.randint(0, 9)) + " 1" +
                       str(r.randint(0, 9)) + ":" + str(r.randint(10, 59)) + ":" + str(r.randint(10, 59)))
        elif k == "ts_ms":
            out.append("<span data-ts=\"" + str(1700000000000 + r.randint(0, 10**10)) + "\">3小时前</span>")
        elif k == "price":
            out.append("到手价 ¥" + f"{r.randint(1000, 99999):,}" + ".00，原价" + "一万三千八百元")
        elif k == "isbn":
            out.append("ISBN 978-7-" + str(r.randint(100, 999)) + "-" + str(r.randint(10000, 99999)) + "-" + str(r.randint(0, 9)))
        elif k == "link":
            out.append("<a href=\"/u/" + mobile(r) + "\">主页</a> <a href=\"https://weibo.com/u/" +
                       str(r.randint(10**9, 10**10 - 1)) + "\">@某用户</a>")
        elif k == "mid":
            out.append("<div class=\"card\" mid=\"" + str(r.randint(10**15, 10**16 - 1)) + "\">转发微博</div>")
        elif k == "nick":
            out.append("用户" + str(r.randint(10**9, 10**10 - 1)) + "：支持楼主")
        elif k == "mask_m":
            m = mobile(r)
            out.append("尾号" + m[-4:] + "，手机 " + m[:3] + "****" + m[-4:])
            pg.labels.append((cat, "decoy:cn_mobile", m))
        elif k == "mask_id":
            i = rid(r)
            out.append("身份证 " + i[:6] + "********" + i[-4:])
            pg.labels.append((cat, "decoy:cn_resident_id", i))
        elif k == "bad_id":
            i = rid_bad(r)
            out.append("编号：" + cn_numerals(r, i))
            pg.labels.append((cat, "decoy:cn_resident_id", i))
        elif k == "date":
            out.append("二〇二四年三月五日 一二三四五六七八九十 第一二三四五六七章")
    for o in out:
        pg.add(o)
    return pg, False


CATS = {"plain": None, "fullwidth": digit_page, "separators": digit_page, "zero_width": digit_page,
        "circled": digit_page, "emoji_between": digit_page, "split_markup": digit_page,
        "hidden_markup": hidden_page, "cn_numerals": digit_page, "spoken_digits": digit_page,
        "alias_wechat": alias_page, "alias_qq": alias_page, "handles": alias_page,
        "obfuscated_email": alias_page, "disguised_context": context_page,
        "name_separators": name_page, "pinyin_name": name_page, "trad_address": address_page,
        "json_keys": json_page, "dox_keyword": dox_page, "decoy": decoy_page}


def plain_page(r, cat):
    pg = Page(cat)
    nm, m, i = name(r), mobile(r), rid(r)
    pg.add("姓名：" + nm, "person_name", nm)
    pg.add("电话：" + m, "cn_mobile", m)
    pg.add("身份证号：" + i, "cn_resident_id", i)
    return pg, True


CATS["plain"] = plain_page


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out"); ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--pages-per-category", type=int, default=40)
    a = ap.parse_args()
    r = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, "pages"), exist_ok=True)
    with open(os.path.join(a.out, "labels.jsonl"), "w", encoding="utf-8") as lf:
        for cat, fn in CATS.items():
            for n in range(a.pages_per_category * (3 if cat == "decoy" else 1)):
                res = fn(r, cat)
                pg, dox = res[0], res[1]
                if len(res) == 3:
                    rel = f"pages/{cat}-{n:03d}.json"; body = res[2]
                else:
                    rel = f"pages/{cat}-{n:03d}.html"; body = html_doc(r, pg.body)
                with open(os.path.join(a.out, rel), "w", encoding="utf-8") as f:
                    f.write(body)
                for c, t, v in pg.labels:
                    lf.write(json.dumps({"page": rel, "cat": c, "type": t, "value": v},
                                        ensure_ascii=False) + "\n")
                lf.write(json.dumps({"page": rel, "cat": cat, "type": "page", "value": dox}) + "\n")


if __name__ == "__main__":
    main()
