#!/usr/bin/env python3
"""test_scan.py — `custody scan` and `custody watch-hash` end to end.

1. The shared synthetic corpus (mksite.py, 200 pages, seed 7) scored by score.py
   with precision and recall floors of 0.97, and the page verdict >= 0.95.
2. Every finding's [start,end) bytes of the file hash to its "sha256" (UTF-8 and
   GB18030 pages of the corpus, and the fixtures: GB18030, UTF-16, Big5, JSON).
3. Fixtures under tests/data/detect/ (expect.json): hk_id, tw_id, passport,
   plate, qq, wechat, landline, JSON bodies (keys as context), inline script
   state (spa.html), identifiers split across inline tags and written
   full-width, and hard negatives; issue 12's real-page classes: an ordinary page
   (unboxing 开盒, wx in host names, ad ids, foreign numbers, datelines, stock
   tables, IPs, words that are no names) that is quiet, a doxing page in real
   layouts (slash lists, courier phones, HK ids with a space, JCB, rare and
   traditional-script surnames, glued WeChat:/Twitter@ context), a page whose
   declared gb2312 is a lie (valid UTF-8), and names in JSON bodies.
4. Watchlist: watch-hash writes 0600 exactly a salt and SHA-256(salt || value) per identifier,
   no identifier or 8-character piece of one in clear; scan --watch marks matches.
5. Masking in the human output, --reveal, stdin, exit statuses, --rules errors.
6. The page line's "scanned" (a file past the 32 MiB bound is marked incomplete),
   and JSON keys as context ([json_key.<type>] in a --rules file).
7. The sample site (samples/site vs samples/labels.jsonl): precision and recall
   1.000 for every type and for the page verdict, offsets re-checked, and no two
   dox_keyword signals of a file overlapping (nested keywords report the longest).
Uses $CUSTODY and $SHARED; prints "N passed, N failed".
"""
import hashlib, json, os, re, shutil, stat, subprocess, sys, tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CUSTODY = os.environ.get("CUSTODY", os.path.join(TOP, "bin", "custody"))
SHARED = os.environ.get("SHARED", os.path.join(TOP, "..", "shared"))
DATA = os.path.join(TOP, "tests", "data", "detect")
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def run(args, stdin=None):
    return subprocess.run([CUSTODY] + args, input=stdin, capture_output=True, timeout=300)


def jsonl(out):
    return [json.loads(l) for l in out.decode("utf-8").splitlines() if l.startswith("{")]


def check_offsets(lines, label):
    """Re-check every finding against the file bytes, not the scanner's word."""
    bad = 0
    cache = {}
    for o in lines:
        if o.get("kind") not in ("finding", "signal"):
            continue
        f = o["file"]
        if f not in cache:
            with open(f, "rb") as fh:
                cache[f] = fh.read()
        b = cache[f][o["start"]:o["end"]]
        if not b or "sha256:" + hashlib.sha256(b).hexdigest() != o["sha256"]:
            bad += 1
            if bad < 5:
                print("  offset/hash mismatch:", f, o["type"], o["start"], o["end"])
    check(bad == 0, f"{label}: every finding's bytes hash to its sha256 ({bad} bad)")


def corpus(tmp):
    site = os.path.join(tmp, "site")
    subprocess.run([sys.executable, os.path.join(SHARED, "corpus", "mksite.py"), site,
                    "--pages", "200", "--seed", "7"], check=True)
    pages = sorted(os.path.join(site, "p", f) for f in os.listdir(os.path.join(site, "p")))
    r = run(["scan", "--json"] + pages)
    check(r.returncode == 0, f"scan of the corpus exits 0 (got {r.returncode}: {r.stderr[:200]!r})")
    fj = os.path.join(tmp, "f.jsonl")
    with open(fj, "wb") as fh:
        fh.write(r.stdout)
    lines = jsonl(r.stdout)
    check(sum(1 for o in lines if o.get("kind") == "page") == len(pages), "one page line per file")
    s = subprocess.run([sys.executable, os.path.join(SHARED, "corpus", "score.py"),
                        os.path.join(site, "labels.jsonl"), fj,
                        "--min-precision", "0.97", "--min-recall", "0.97"], capture_output=True, text=True)
    print(s.stdout)
    check(s.returncode == 0, "score.py: micro precision and recall >= 0.97")
    m = re.search(r"pages: doxing precision ([0-9.]+) recall ([0-9.]+)", s.stdout)
    check(m and float(m.group(1)) >= 0.95 and float(m.group(2)) >= 0.95, "page verdict >= 0.95 both ways")
    check_offsets(lines, "corpus")
    gb = [o for o in lines if o.get("kind") == "finding" and o["file"].endswith("7.html")]
    check(len(gb) > 0, "findings on the GB18030 pages of the corpus")


def fixtures():
    with open(os.path.join(DATA, "expect.json"), encoding="utf-8") as fh:
        expect = json.load(fh)
    for name, e in sorted(expect.items()):
        path = os.path.join(DATA, name)
        r = run(["scan", "--json", path])
        check(r.returncode == 0, f"{name}: exit 0")
        lines = jsonl(r.stdout)
        got = {(o["type"], o["value"]) for o in lines if o.get("kind") == "finding"}
        for t, v in e.get("find", []):
            check((t, v) in got, f"{name}: {t} {v} found (got {sorted(got)})")
        for t, v in e.get("absent", []):
            check((t, v) not in got, f"{name}: {t} {v} must not be reported")
        if e.get("only"):
            check(not got, f"{name}: nothing reported (got {sorted(got)})")
        if "only_types" in e:
            extra = sorted((t, v) for t, v in got if t not in e["only_types"])
            check(not extra, f"{name}: only {e['only_types']} reported (got {extra})")
        if name == "charset_lie.html":
            page = [o for o in lines if o.get("kind") == "page"]
            check(page and page[0].get("charset") == "UTF-8",
                  f"{name}: declared gb2312 but valid UTF-8 is read as UTF-8 (got {page and page[0].get('charset')})")
        page = [o for o in lines if o.get("kind") == "page"]
        if "doxing" in e:
            check(page and page[0]["doxing"] == e["doxing"], f"{name}: doxing == {e['doxing']}")
        check_offsets(lines, name)


WATCH_HEX = re.compile(rb"[0-9a-f]{64}")


def parse_watchlist(body):
    """A watch-hash file split by its format (crawler/detect/watch.c): the line "custody-watch 1",
    then "salt <64 hex>", then "TYPE <64 hex>" lines; '#' lines are comments. Returns
    (salt bytes or None, [(type, hex digest)], [problems], skeleton) where skeleton is the
    file with every salt and digest field replaced by "<hex>": the only bytes that could
    hold a value in clear once the fields are shown to be what they claim to be."""
    problems, entries, salt, skel = [], [], None, []
    if not body.endswith(b"\n"):
        problems.append("does not end with a newline")
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    state = "magic"
    for no, line in enumerate(lines, 1):
        if line.startswith(b"#"):
            skel.append(line)
            continue
        if state == "magic":
            if line != b"custody-watch 1":
                problems.append(f"line {no}: want 'custody-watch 1', got {line[:80]!r}")
            state = "salt"
            skel.append(line)
        elif state == "salt":
            m = re.fullmatch(rb"salt ([0-9a-f]{64})", line)
            if m:
                salt = bytes.fromhex(m.group(1).decode())
            else:
                problems.append(f"line {no}: want 'salt <64 hex>', got {line[:80]!r}")
            state = "entries"
            skel.append(WATCH_HEX.sub(b"<hex>", line) if m else line)
        else:
            m = re.fullmatch(rb"([a-z_]+|\*) ([0-9a-f]{64})", line)
            if m:
                entries.append((m.group(1).decode(), m.group(2).decode()))
                skel.append(m.group(1) + b" <hex>")
            else:
                problems.append(f"line {no}: want 'TYPE <64 hex>', got {line[:80]!r}")
                skel.append(line)
    return salt, entries, problems, b"\n".join(skel)


def plaintext_pieces(values, n=8):
    """Every value, and every substring of at least n characters of it (the n-character
    ones are enough: a longer piece contains one)."""
    out = set()
    for v in values:
        b = v.encode("utf-8")
        out.add(b)
        out.update(b[i:i + n] for i in range(len(b) - n + 1))
    return out


def check_watchlist(body, want, given, label):
    """body must be exactly a salt and the digests SHA-256(salt || normalized value) of
    want [(type, normalized value)], and hold none of the identifiers in clear."""
    salt, entries, problems, skel = parse_watchlist(body)
    check(not problems and salt is not None, f"{label}: structure is magic, salt, TYPE digest lines {problems}")
    expect = sorted((t, hashlib.sha256((salt or b"") + v.encode("utf-8")).hexdigest()) for t, v in want)
    check(sorted(entries) == expect,
          f"{label}: exactly one digest per identifier, SHA-256(salt || normalized value) "
          f"(got {[t for t, _ in entries]}, want {[t for t, _ in want]})")
    # The salt and the digests are now known to be a salt and digests; a hex field cannot
    # carry a value by construction, so the search for plaintext covers every other byte.
    # (Searching the hex as well would fail by chance: any 8 digits occur in random hex.)
    leaked = sorted(p.decode("utf-8", "replace") for p in plaintext_pieces(
        [v for _, v in want] + list(given)) if p in skel)
    check(not leaked, f"{label}: no identifier or 8-character piece of one in clear ({leaked[:5]})")
    return salt


def watch(tmp):
    src = os.path.join(tmp, "victim.txt")
    # the identifiers as written in the input and in the forms a page may show them
    given = ["11010519491231002X", "+86 139-1234-5678", "139-1234-5678", "8613912345678"]
    want = [("cn_resident_id", "11010519491231002X"), ("cn_mobile", "13912345678")]
    with open(src, "w") as fh:
        fh.write("# the victim\n11010519491231002X\ncn_mobile +86 139-1234-5678\n")
    wf = os.path.join(tmp, "victim.watch")
    r = run(["watch-hash", "-o", wf, src])
    check(r.returncode == 0, f"watch-hash exits 0 ({r.stderr!r})")
    check(stat.S_IMODE(os.stat(wf).st_mode) == 0o600, "watchlist is mode 0600")
    with open(wf, "rb") as fh:
        body = fh.read()
    salt = check_watchlist(body, want, given, "watchlist")
    out = (r.stderr + r.stdout).replace(wf.encode(), b"<watchfile>")  # its name is random
    check(not [p for p in plaintext_pieces([v for _, v in want] + given) if p in out],
          "watch-hash does not echo values")
    r = run(["scan", "--json", "--watch", wf, os.path.join(DATA, "split.html")])
    lines = [o for o in jsonl(r.stdout) if o.get("kind") == "finding"]
    w = {(o["type"], o["value"]) for o in lines if o.get("watch")}
    check(("cn_resident_id", "11010519491231002X") in w and ("cn_mobile", "13912345678") in w,
          f"watched values marked (got {sorted(w)})")
    check(("cn_mobile", "13987654321") not in w, "other values not marked")
    run(["watch-hash", "-o", wf + "2", src])
    with open(wf + "2", "rb") as fh:
        salt2 = check_watchlist(fh.read(), want, given, "second watchlist")
    check(salt is not None and salt2 is not None and salt != salt2, "a fresh salt each time")
    r = run(["scan", "--watch", os.path.join(DATA, "expect.json"), os.path.join(DATA, "types.html")])
    check(r.returncode == 2, "a file that is not a watchlist is an error (exit 2)")


def cli(tmp):
    f = os.path.join(DATA, "split.html")
    r = run(["scan", f])
    out = r.stdout.decode()
    check(r.returncode == 0 and "110105********002X" in out and "11010519491231002X" not in out,
          f"human output masks identifiers: {out!r}")
    r = run(["scan", "--reveal", f])
    check("11010519491231002X" in r.stdout.decode(), "--reveal shows them")
    with open(os.path.join(DATA, "types.html"), "rb") as fh:
        r = run(["scan", "--json", "-"], stdin=fh.read())
    lines = jsonl(r.stdout)
    check(r.returncode == 0 and any(o.get("type") == "tw_id" for o in lines), "reads standard input")
    r = run(["scan", os.path.join(tmp, "missing.html")])
    check(r.returncode == 2, "missing file: exit 2")
    bad = os.path.join(tmp, "bad.rules")
    with open(bad, "w") as fh:
        fh.write("[dox_keyword]\n开盒\n[no_such_section]\n")
    r = run(["scan", "--rules", bad, f])
    check(r.returncode == 2 and b"bad.rules:3" in r.stderr, f"rules error names file:line ({r.stderr!r})")
    good = os.path.join(tmp, "only.rules")
    with open(good, "w") as fh:
        fh.write("[dox_keyword]\nzzzz\n[context.cn_resident_id]\n身份证\n")
    r = run(["scan", "--json", "--rules", good, f])
    types = {o["type"] for o in jsonl(r.stdout) if o.get("kind") == "finding"}
    check(r.returncode == 0 and "cn_resident_id" in types and "qq" not in types,
          f"--rules replaces the built-in rules (types {sorted(types)})")
    r = run(["scan", "--help"])
    check(r.returncode == 0 and b"Exit status" in r.stdout, "--help documents the exit status")


def bounds_and_keys(tmp):
    """The page line says how much was scanned; JSON keys come from the rules file."""
    r = run(["scan", "--json", os.path.join(DATA, "api.json")])
    page = [o for o in jsonl(r.stdout) if o.get("kind") == "page"]
    size = os.path.getsize(os.path.join(DATA, "api.json"))
    check(page and page[0].get("scanned") == {"bytes": size, "complete": True},
          f"page line: scanned {{bytes: {size}, complete: true}} ({page})")
    # one byte past the 32 MiB bound: the rest is not scanned, and the output says so
    big = os.path.join(tmp, "big.html")
    bound = 32 << 20
    with open(big, "wb") as fh:
        fh.write(b"<p>\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81 11010519491231002X</p><p>")
        fh.write(b" " * (bound - fh.tell()))
        fh.write(b"</p><p>\xe6\x89\x8b\xe6\x9c\xba 13912345678</p>")
    r = run(["scan", "--json", big])
    lines = jsonl(r.stdout)
    page = [o for o in lines if o.get("kind") == "page"]
    got = {o["type"] for o in lines if o.get("kind") == "finding"}
    check(r.returncode == 0 and page and page[0].get("scanned") == {"bytes": bound, "complete": False},
          f"larger than the bound: scanned {{bytes: {bound}, complete: false}} ({page})")
    check("cn_resident_id" in got and "cn_mobile" not in got, f"found before the bound only ({got})")
    check(b"scanned the first" in r.stderr, "stderr warns about the unscanned rest")
    r = run(["scan", big])
    check(b"INCOMPLETE" in r.stdout, "human output marks the page incomplete")
    os.unlink(big)
    # [json_key.<type>] from a --rules file: data, not code
    rules = os.path.join(tmp, "keys.rules")
    with open(rules, "w") as fh:
        fh.write("[dox_keyword]\nzzzz\n[json_key.qq]\nContact-No\n")
    doc = os.path.join(tmp, "k.json")
    with open(doc, "w") as fh:
        fh.write('{"a": {"contact_no": "12345678", "qq": "23456789"}}')
    r = run(["scan", "--json", "--rules", rules, doc])
    got = {(o["type"], o["value"]) for o in jsonl(r.stdout) if o.get("kind") == "finding"}
    check(got == {("qq", "12345678")}, f"json_key.qq from --rules: contact_no is QQ context, qq no longer ({got})")


def sample_site(tmp):
    site = os.path.join(TOP, "samples", "site")
    files = []
    for d, _, names in os.walk(site):
        files += [os.path.join(d, n) for n in names
                  if n.endswith(".html") or (n.endswith(".json") and os.path.basename(d) == "api")]
    files.sort()
    r = run(["scan", "--json"] + files)
    check(r.returncode == 0, f"scan of the sample site exits 0 (got {r.returncode})")
    fj = os.path.join(tmp, "site.jsonl")
    with open(fj, "wb") as fh:
        fh.write(r.stdout)
    s = subprocess.run([sys.executable, os.path.join(SHARED, "corpus", "score.py"),
                        os.path.join(TOP, "samples", "labels.jsonl"), fj,
                        "--min-precision", "1", "--min-recall", "1"], capture_output=True, text=True)
    print(s.stdout)
    check(s.returncode == 0, "sample site: micro precision and recall 1.000")
    bad = [l for l in s.stdout.splitlines() if re.match(r"\S+\s+[0-9.]+\s+[0-9.]+\s+\d", l)
           and not re.match(r"\S+\s+1\.000\s+1\.000\s", l)]
    check(not bad, f"sample site: every type at 1.000 ({bad})")
    check("pages: doxing precision 1.000 recall 1.000" in s.stdout, "sample site: page verdicts all right")
    lines = jsonl(r.stdout)
    check_offsets(lines, "sample site")
    spans = {}
    for o in lines:
        if o.get("type") == "dox_keyword":
            spans.setdefault(o["file"], []).append((o["start"], o["end"], o["value"]))
    over = []
    for f, l in spans.items():
        l.sort()
        over += [(f, a, b) for a, b in zip(l, l[1:]) if b[0] < a[1]]
    check(spans and not over, f"sample site: no overlapping dox_keyword signals ({over[:3]})")


def disguises(tmp):
    """Issue 21: the seeded evasion corpus (tests/evasion/gen.py) scanned with its goals,
    every finding's range re-checked against the file bytes, the disguise named, and a
    GB18030 page with a disguised number mapped in its own bytes."""
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    d = os.path.join(tmp, "evasion")
    g = subprocess.run([sys.executable, os.path.join(top, "tests", "evasion", "gen.py"), d,
                        "--pages-per-category", "20"], capture_output=True, timeout=120)
    check(g.returncode == 0, f"evasion corpus generated: {g.stderr[-300:]}")
    pages = sorted(os.path.join(d, "pages", n) for n in os.listdir(os.path.join(d, "pages")))
    r = run(["scan", "--json"] + pages)
    check(r.returncode == 0, "scan of the evasion corpus")
    lines = jsonl(r.stdout)
    check_offsets(lines, "evasion corpus")
    with open(os.path.join(d, "findings.jsonl"), "wb") as f:
        f.write(r.stdout)
    sc = subprocess.run([sys.executable, os.path.join(top, "tests", "evasion", "score.py"), "--check",
                         os.path.join(d, "labels.jsonl"), os.path.join(d, "findings.jsonl")],
                        capture_output=True, timeout=120)
    out = sc.stdout.decode()
    check(sc.returncode == 0, "evasion goals (recall >= 0.95 per category, precision >= 0.97, "
          "page recall >= 0.97):\n" + "\n".join(l for l in out.splitlines() if "missed" not in l))
    named = {o.get("disguise") for o in lines if o.get("kind") == "finding"}
    for want in ("cn_numerals", "spoken_digits", "separators", "split_markup", "alias",
                 "obfuscated_email", "hidden_markup", "emoji", "circled_digits", "zero_width"):
        check(any(n and want in n.split(",") for n in named), f"disguise {want} named")
    # a disguised number in a GB18030 page: offsets in GB18030 bytes
    page = "<html><head><meta charset=gb18030></head><body><p>电话：幺三八洞洞幺三八洞洞洞</p></body></html>"
    p = os.path.join(tmp, "gb.html")
    with open(p, "wb") as f:
        f.write(page.encode("gb18030"))
    lines = jsonl(run(["scan", "--json", p]).stdout)
    hit = [o for o in lines if o.get("type") == "cn_mobile"]
    check(len(hit) == 1 and hit[0]["value"] == "13800138000" and hit[0]["text"] == "幺三八洞洞幺三八洞洞洞"
          and "spoken_digits" in hit[0].get("disguise", ""), f"GB18030 spoken digits: {hit}")
    check_offsets(lines, "GB18030 disguised page")


def main():
    tmp = tempfile.mkdtemp(prefix="custody-scan-")
    try:
        for step in (corpus, fixtures, watch, cli, bounds_and_keys, sample_site, disguises):
            try:
                step(tmp) if step is not fixtures else step()
            except Exception as e:  # a crash of one step is a failure, not the end
                check(False, f"{step.__name__}: {type(e).__name__}: {e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
