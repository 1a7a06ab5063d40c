#!/usr/bin/env python3
"""Score `custody scan --json` output on the evasion corpus (gen.py).

  score.py LABELS.jsonl FINDINGS.jsonl [--check]

Prints recall per category and per type, precision (every finding that is not a
planted item of the same type on its page is a false positive; dox_keyword signals
are scored by type only), doxing-page recall and precision.  --check: exit 1 unless
recall >= 0.95 in every category, precision >= 0.97 and page recall >= 0.97.
"""
import argparse, collections, difflib, json, re, sys

FUZZY = {"cn_address", "person_name"}


def norm(t, v):
    v = str(v)
    if t == "email":
        return v.strip().lower()
    if t in FUZZY:
        return re.sub(r"\s+", "", v).lower()
    v = v.translate({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
    v = re.sub(r"[^0-9A-Za-z\u4e00-\u9fff]", "", v).upper()
    if t == "cn_mobile" and v.startswith("86") and len(v) == 13:
        v = v[2:]
    return v


def same(t, a, b):
    if t == "dox_keyword":
        return True
    if t not in FUZZY:
        return a == b
    return a in b or b in a or difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("labels"); ap.add_argument("findings")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    labels = collections.defaultdict(list)
    truth = {}
    for line in open(a.labels, encoding="utf-8"):
        l = json.loads(line)
        if l["type"] == "page":
            truth[l["page"]] = bool(l["value"])
        else:
            t = l["type"]
            labels[l["page"]].append((l["cat"], t, norm(t.split(":")[-1], l["value"])))
    pages = sorted(set(labels) | set(truth), key=len, reverse=True)

    def page_of(f):
        for p in pages:
            if f.endswith("/" + p) or f == p:
                return p
        return None

    found = collections.defaultdict(list)
    verdict = {}
    for line in open(a.findings, encoding="utf-8"):
        if not line.startswith("{"):
            continue
        o = json.loads(line)
        p = page_of(o.get("file", ""))
        if p is None:
            continue
        if o.get("kind") in ("finding", "signal"):
            found[p].append((o["type"], norm(o["type"], o.get("value", "")), o.get("disguise", "")))
        elif o.get("kind") == "page":
            verdict[p] = bool(o.get("doxing"))
    ctp, cfn = collections.Counter(), collections.Counter()
    ttp, tfn = collections.Counter(), collections.Counter()
    fp = collections.Counter()
    tp_all = 0
    missed = collections.defaultdict(list)
    dis = collections.Counter()
    for p in pages:
        want = [(c, t, v) for c, t, v in labels[p] if not t.startswith("decoy:")]
        hits = set()
        for c, t, v in want:
            k = next((i for i, f in enumerate(found[p]) if f[0] == t and same(t, v, f[1])), None)
            if k is not None:
                ctp[c] += 1; ttp[t] += 1; tp_all += 1; hits.add(k)
                if found[p][k][2]:
                    dis[(c, found[p][k][2])] += 1
            else:
                cfn[c] += 1; tfn[t] += 1
                if len(missed[c]) < 3:
                    missed[c].append(f"{p} {t} {v}")
        for i, f in enumerate(found[p]):
            if i in hits or any(f[0] == t and same(t, v, f[1]) for _, t, v in want):
                continue
            fp[f[0]] += 1
            if len(missed["FP"]) < 8:
                missed["FP"].append(f"{p} {f[0]} {f[1]}")
    bad = 0
    print(f"{'category':18} {'recall':>6}   tp   fn")
    for c in sorted(set(ctp) | set(cfn)):
        R = ctp[c] / (ctp[c] + cfn[c])
        bad |= R < 0.95
        print(f"{c:18} {R:6.3f} {ctp[c]:4} {cfn[c]:4}")
    print(f"{'type':18} {'recall':>6}   tp   fn   fp")
    for t in sorted(set(ttp) | set(tfn) | set(fp)):
        R = ttp[t] / (ttp[t] + tfn[t]) if ttp[t] + tfn[t] else 1.0
        print(f"{t:18} {R:6.3f} {ttp[t]:4} {tfn[t]:4} {fp[t]:4}")
    F = sum(fp.values())
    P = tp_all / (tp_all + F) if tp_all + F else 0.0
    ptp = sum(1 for p, v in truth.items() if v and verdict.get(p))
    pfp = sum(1 for p, v in truth.items() if not v and verdict.get(p))
    pfn = sum(1 for p, v in truth.items() if v and not verdict.get(p))
    PR = ptp / (ptp + pfn) if ptp + pfn else 0.0
    PP = ptp / (ptp + pfp) if ptp + pfp else 0.0
    R = tp_all / (tp_all + sum(cfn.values()))
    print(f"micro recall {R:.3f} precision {P:.3f} (tp {tp_all} fp {F})")
    print(f"pages: doxing recall {PR:.3f} precision {PP:.3f} (tp {ptp} fp {pfp} fn {pfn})")
    if dis:
        print("disguise named:", ", ".join(f"{c}:{d}={n}" for (c, d), n in sorted(dis.items())))
    for c, l in sorted(missed.items()):
        for s in l:
            print(f"  missed[{c}] {s}")
    bad |= P < 0.97 or PR < 0.97
    sys.exit(1 if a.check and bad else 0)


if __name__ == "__main__":
    main()
