#!/usr/bin/env python3
"""realtext.py — `make realtext`: the real-text corpus for the detector's false-alarm benchmark.

Assembles at least 30 MB of real, public Chinese text that is NOT about doxing, with many
numbers (laws and regulations with dates, amounts and article numbers; news and finance
articles; Wikipedia paragraphs in simplified and traditional script), from git mirrors of
public repositories whose licences allow it, into a cache directory OUTSIDE the repository.
Nothing of it is committed: only this script and, in tests/data/realtext-sample/, labels
and offsets of a hand-checked sample of findings.

Sources (repository, commit, licence) — the commit is checked out of the mirror as is:

  LawRefBook/Laws               2f4c5c23716267af9dbebbbbd6cbbf732b101981
      Chinese laws, administrative and local regulations, judicial interpretations
      (Markdown). Official texts: not subject to copyright (PRC Copyright Law art. 5).
      The 案例 (court cases) folder is left out: it may name real parties.
  fuyaonews/fuyaonews-open-dataset  227ccb7446ec29d717f7b4d4d95e8e918cc6c7f1
      Chinese news: economy, finance, autos, technology (Markdown). Apache-2.0.
  ymcui/cmrc2018                c0eb1b6ba219847457e6af3180da722bbeb656af
      CMRC 2018 reading comprehension: Chinese Wikipedia paragraphs. CC BY-SA 4.0.
  DRCKnowledgeTeam/DRCD         b944790de5af02c5fbb7cd9cb1473d27d169eebf
      Delta Reading Comprehension Dataset: traditional-Chinese Wikipedia. CC BY-SA 3.0.
  thu-coai/CrossWOZ             df82c9fdff91b9b130f2d6b89110d3870ba6260e
      Crowd-written Chinese dialogues planning trips in Beijing (hotels, restaurants,
      attractions, taxis, metro: prices, times, addresses, phone numbers), validation and
      test sets, and its databases of real Beijing businesses (one page per hotel,
      restaurant and attraction: address, telephone, prices, ratings). Apache-2.0.
  thu-coai/KdConv               653db76432de09a004ba708a68f8bbd5500e6bec
      Crowd-written Chinese chat about films, music and travel (dev and test sets), and its
      travel knowledge base (one page per place: address, telephone, tickets, opening
      hours). Apache-2.0.
      These two are the forum-like part: people asking and answering, with many phone
      numbers, addresses, prices, dates and names of actors and singers.
  Toyhom/Chinese-medical-dialogue-data  26724a4357fcd142f0cab81188cacf1a2dd8a827
      Patients' questions and doctors' answers from a Chinese medical Q&A site (internal
      medicine; the sample file 样例_内科5000-6000.csv, GB18030), one page per question:
      people writing about themselves and their families, ages, doses, test values. MIT.

Mirrors are looked for under $REALTEXT_MIRRORS (default /work/.mirror) as
<owner>+<name>/repo (a bare git directory, or a work tree with .git); a missing one is
named with what to fetch (`git clone https://github.com/<owner>/<name>` into that path
also works). Every page becomes one small UTF-8 HTML file (<title>, <p> per paragraph) in
$REALTEXT_CACHE (default ~/.cache/custody-realtext)/pages/, plus sources.json.

Usage: realtext.py build          assemble (skipped when the cache is complete)
       realtext.py measure BIN    scan with BIN/custody, print pages judged doxing per
                                  1 000 pages and findings per MB per type; writes
                                  findings.jsonl in the cache
       realtext.py sample N SEED  print N findings (random, fixed seed) with a short context,
                                  for hand labelling (never written to the repository)
       realtext.py labels FILE    precision per type of a hand-labelled sample
                                  (tests/data/realtext-sample/labels.jsonl)
       realtext.py speed BIN RUNS scan throughput beside sha256sum on the corpus (medians)
Exit 2 when a mirror is missing, 1 when a command fails.
"""
import glob, html, json, os, random, subprocess, sys

MIRRORS = os.environ.get("REALTEXT_MIRRORS", "/work/.mirror")
CACHE = os.environ.get("REALTEXT_CACHE", os.path.expanduser("~/.cache/custody-realtext"))
VERSION = "4"

SOURCES = [
    ("LawRefBook/Laws", "2f4c5c23716267af9dbebbbbd6cbbf732b101981", "public domain (PRC Copyright Law art. 5: official texts)"),
    ("fuyaonews/fuyaonews-open-dataset", "227ccb7446ec29d717f7b4d4d95e8e918cc6c7f1", "Apache-2.0"),
    ("ymcui/cmrc2018", "c0eb1b6ba219847457e6af3180da722bbeb656af", "CC BY-SA 4.0"),
    ("DRCKnowledgeTeam/DRCD", "b944790de5af02c5fbb7cd9cb1473d27d169eebf", "CC BY-SA 3.0"),
    ("thu-coai/CrossWOZ", "df82c9fdff91b9b130f2d6b89110d3870ba6260e", "Apache-2.0"),
    ("thu-coai/KdConv", "653db76432de09a004ba708a68f8bbd5500e6bec", "Apache-2.0"),
    ("Toyhom/Chinese-medical-dialogue-data", "26724a4357fcd142f0cab81188cacf1a2dd8a827", "MIT"),
]


def gitdir(repo):
    base = os.path.join(MIRRORS, repo.replace("/", "+"), "repo")
    for d in (os.path.join(base, ".git"), base):
        if os.path.isdir(os.path.join(d, "objects")):
            return d
    return None


def git(d, *args):
    return subprocess.run(["git", "--git-dir", d] + list(args), capture_output=True, check=True).stdout


_batch = {}


def show(d, spec):
    """A blob's bytes through one `git cat-file --batch` per mirror; None when absent
    (a mirror may list its largest files without holding them)."""
    b = _batch.get(d)
    if b is None:
        b = _batch[d] = subprocess.Popen(["git", "--git-dir", d, "cat-file", "--batch"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    b.stdin.write(spec.encode() + b"\n")
    b.stdin.flush()
    head = b.stdout.readline().split()
    if len(head) != 3:
        return None
    data = b.stdout.read(int(head[2]))
    b.stdout.read(1)
    return data


def ls(d, commit):
    out = git(d, "-c", "core.quotepath=off", "ls-tree", "-r", "-z", "--name-only", commit)
    return [p.decode() for p in out.split(b"\0") if p]


def page(title, paras):
    body = "".join("<p>%s</p>\n" % html.escape(p) for p in paras if p.strip())
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>\n<body>\n%s</body></html>\n"
            % (html.escape(title), body)).encode()


def pages_laws(d, commit):
    for p in ls(d, commit):
        if not p.endswith(".md") or p.startswith(("案例/", "scripts/", ".github/")) or "/" not in p:
            continue
        text = (show(d, commit + ":" + p) or b"").decode("utf-8", "replace")
        yield "laws", p, text.splitlines()


def pages_news(d, commit):
    for p in ls(d, commit):
        if p.endswith(".md") and p[:4].isdigit():
            text = (show(d, commit + ":" + p) or b"").decode("utf-8", "replace")
            yield "news", p, text.splitlines()


def pages_squad(d, commit, files, kind):
    seen = set()
    for f in files:
        raw = show(d, commit + ":" + f)
        if raw is None:
            print("realtext: %s not in the mirror (large file left out): skipped" % f, file=sys.stderr)
            continue
        data = json.loads(raw)
        for art in data["data"]:
            paras = []
            for pa in art.get("paragraphs", []):
                c = pa.get("context", "")
                if c and c not in seen:
                    seen.add(c)
                    paras.append(c)
            if paras:
                title = art.get("title") or paras[0][:20]
                yield kind, f + "#" + str(art.get("id", title)), [title] + paras


def _flat(v):
    """A database value as one line: lists joined by 、, numbers as written."""
    if isinstance(v, list):
        return "、".join(_flat(x) for x in v)
    if isinstance(v, dict):
        return "；".join("%s：%s" % (k, _flat(x)) for k, x in v.items())
    return str(v)


def pages_crosswoz(d, commit):
    import io, zipfile
    for f in ("data/crosswoz/val.json.zip", "data/crosswoz/test.json.zip"):
        raw = show(d, commit + ":" + f)
        if raw is None:
            print("realtext: %s not in the mirror: skipped" % f, file=sys.stderr)
            continue
        z = zipfile.ZipFile(io.BytesIO(raw))
        data = json.loads(z.read(z.namelist()[0]))
        for k in sorted(data, key=lambda x: int(x) if x.isdigit() else x):
            msgs = [m.get("content", "") for m in data[k].get("messages", [])]
            if msgs:
                yield "dialog", f + "#" + k, ["对话 " + k] + msgs
    for db in ("attraction", "hotel", "restaurant", "metro"):
        raw = show(d, commit + ":data/crosswoz/database/%s_db.json" % db)
        if raw is None:
            continue
        for name, ent in json.loads(raw):
            yield "listing", db + "#" + name, [name] + ["%s：%s" % (k, _flat(v)) for k, v in ent.items()]


def pages_kdconv(d, commit):
    for dom in ("film", "music", "travel"):
        for part in ("dev", "test"):
            raw = show(d, commit + ":data/%s/%s.json" % (dom, part))
            if raw is None:
                continue
            for i, conv in enumerate(json.loads(raw)):
                msgs = [m.get("message", "") for m in conv.get("messages", [])]
                if msgs:
                    yield "chat", "%s/%s#%d" % (dom, part, i), [conv.get("name") or msgs[0][:20]] + msgs
    raw = show(d, commit + ":data/travel/kb_travel.json")
    if raw is not None:
        for name, triples in json.loads(raw).items():
            lines, seen = [name], set()
            for t in triples:
                if len(t) == 3 and tuple(t) not in seen:
                    seen.add(tuple(t))
                    lines.append("%s：%s" % (t[1], t[2]))
            yield "listing", "kb_travel#" + name, lines


def pages_medical(d, commit):
    import csv, io
    raw = show(d, commit + ":样例_内科5000-6000.csv")
    if raw is None:
        print("realtext: the medical Q&A sample is not in the mirror: skipped", file=sys.stderr)
        return
    rows = csv.reader(io.StringIO(raw.decode("gb18030", "replace")))
    next(rows, None)  # department,title,ask,answer
    for i, r in enumerate(rows):
        if len(r) == 4 and r[1].strip():
            yield "qa", "样例_内科5000-6000.csv#%d" % (i + 2), [r[1], r[0], r[2], r[3]]


def build():
    stamp = os.path.join(CACHE, "sources.json")
    if os.path.exists(stamp):
        try:
            if json.load(open(stamp)).get("version") == VERSION:
                print("realtext: corpus already in %s (remove it to rebuild)" % CACHE)
                return 0
        except ValueError:
            pass
    dirs = {}
    missing = []
    for repo, commit, _ in SOURCES:
        d = gitdir(repo)
        if not d:
            missing.append(repo)
            continue
        try:
            git(d, "cat-file", "-e", commit + "^{commit}")
        except subprocess.CalledProcessError:
            missing.append(repo + "@" + commit)
            continue
        dirs[repo] = d
    if missing:
        for m in missing:
            repo = m.split("@")[0]
            print("realtext: mirror missing: %s — fetch github:%s (the session's fetch tool), or\n"
                  "          git clone --bare https://github.com/%s %s/%s/repo"
                  % (m, repo, repo, MIRRORS, repo.replace("/", "+")), file=sys.stderr)
        return 2
    out = os.path.join(CACHE, "pages")
    os.makedirs(out, exist_ok=True)
    for f in glob.glob(os.path.join(out, "*.html")):
        os.unlink(f)
    gens = [
        pages_laws(dirs["LawRefBook/Laws"], SOURCES[0][1]),
        pages_news(dirs["fuyaonews/fuyaonews-open-dataset"], SOURCES[1][1]),
        pages_squad(dirs["ymcui/cmrc2018"], SOURCES[2][1],
                    ["squad-style-data/cmrc2018_train.json", "squad-style-data/cmrc2018_dev.json", "squad-style-data/cmrc2018_trial.json"], "wiki-zh"),
        pages_squad(dirs["DRCKnowledgeTeam/DRCD"], SOURCES[3][1], ["DRCD_dev.json", "DRCD_test.json"], "wiki-tw"),
        pages_crosswoz(dirs["thu-coai/CrossWOZ"], SOURCES[4][1]),
        pages_kdconv(dirs["thu-coai/KdConv"], SOURCES[5][1]),
        pages_medical(dirs["Toyhom/Chinese-medical-dialogue-data"], SOURCES[6][1]),
    ]
    index, n, total = [], 0, 0
    for g in gens:
        for kind, origin, lines in g:
            title = lines[0].lstrip("# ").strip() if lines else origin
            b = page(title, lines)
            n += 1
            name = "%05d-%s.html" % (n, kind)
            with open(os.path.join(out, name), "wb") as f:
                f.write(b)
            total += len(b)
            index.append({"file": name, "kind": kind, "origin": origin})
    with open(os.path.join(CACHE, "index.json"), "w") as f:
        json.dump(index, f, ensure_ascii=False)
    with open(stamp, "w") as f:
        json.dump({"version": VERSION, "pages": n, "bytes": total,
                   "sources": [{"repo": r, "commit": c, "licence": l} for r, c, l in SOURCES]}, f, indent=1)
    print("realtext: %d pages, %.1f MB in %s" % (n, total / 1e6, out))
    return 0


def scan(binary):
    pages = sorted(glob.glob(os.path.join(CACHE, "pages", "*.html")))
    out = os.path.join(CACHE, "findings.jsonl")
    with open(out, "wb") as f:
        for k in range(0, len(pages), 500):
            r = subprocess.run([os.path.join(binary, "custody"), "scan", "--json"] + pages[k:k + 500], stdout=f)
            if r.returncode not in (0, 1):
                print("realtext: custody scan failed (exit %d)" % r.returncode, file=sys.stderr)
                sys.exit(1)
    return pages, out


def measure(binary):
    if not os.path.exists(os.path.join(CACHE, "sources.json")):
        print("realtext: no corpus in %s: run `make realtext` first" % CACHE, file=sys.stderr)
        return 2
    pages, out = scan(binary)
    total = sum(os.path.getsize(p) for p in pages)
    dox, per_type, dox_pages = 0, {}, []
    for line in open(out, encoding="utf-8"):
        o = json.loads(line)
        if o.get("kind") == "page" and o.get("doxing"):
            dox += 1
            dox_pages.append(os.path.basename(o.get("file", o.get("path", "?"))))
        elif o.get("kind") in ("finding", "signal"):
            per_type[o["type"]] = per_type.get(o["type"], 0) + 1
    print("realtext: %d pages, %.1f MB" % (len(pages), total / 1e6))
    print("pages judged doxing: %d (%.2f per 1000 pages; goal <= 1)" % (dox, 1000.0 * dox / max(1, len(pages))))
    for p in dox_pages[:20]:
        print("   doxing: %s" % p)
    # per kind of page (the file name ends in -<kind>.html): the forum-like part apart
    kinds = {}
    for p in pages:
        k = os.path.basename(p).split("-", 1)[-1][:-5]
        v = kinds.setdefault(k, [0, 0, 0])
        v[0] += 1
        v[1] += os.path.getsize(p)
    for p in dox_pages:
        k = p.split("-", 1)[-1][:-5]
        if k in kinds:
            kinds[k][2] += 1
    print("per kind of page: " + "; ".join("%s %d pages %.1f MB %d doxing" % (k, v[0], v[1] / 1e6, v[2])
                                          for k, v in sorted(kinds.items())))
    print("findings per MB per type:")
    for t in sorted(per_type):
        print("   %-16s %6d  %8.2f/MB" % (t, per_type[t], per_type[t] / (total / 1e6)))
    return 0


def sample(n, seed):
    out = os.path.join(CACHE, "findings.jsonl")
    rows = [json.loads(l) for l in open(out, encoding="utf-8")]
    fs = [o for o in rows if o.get("kind") in ("finding", "signal")]
    random.Random(seed).shuffle(fs)
    for o in fs[:n]:
        print(json.dumps({"file": os.path.basename(o.get("file", "")), "type": o["type"], "start": o["start"],
                          "end": o["end"], "text": o.get("text"), "context": o.get("context")}, ensure_ascii=False))
    return 0


def labels(path):
    st = {}
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        s = st.setdefault((o["run"], o["type"]), [0, 0])
        s[0] += o["label"] == "tp"
        s[1] += 1
    for run in ("before", "after", "forum-before", "forum-after"):
        rows = [(t, v) for (r, t), v in sorted(st.items()) if r == run]
        tp, n = sum(v[0] for _, v in rows), sum(v[1] for _, v in rows)
        if n:
            print("hand-labelled precision, %s: %s; all %d/%d (%.2f)" % (
                run, ", ".join("%s %d/%d (%.2f)" % (t, v[0], v[1], v[0] / v[1]) for t, v in rows), tp, n, tp / n))
    return 0


def speed(binary, runs):
    import statistics, time
    pages = sorted(glob.glob(os.path.join(CACHE, "pages", "*.html")))
    total = sum(os.path.getsize(p) for p in pages)

    def once(cmd):
        t = time.perf_counter()
        for k in range(0, len(pages), 500):
            subprocess.run(cmd + pages[k:k + 500], stdout=subprocess.DEVNULL)
        return time.perf_counter() - t
    scan = [os.path.join(binary, "custody"), "scan", "--json"]
    once(scan)
    once(["sha256sum"])
    # scan and sha256sum alternate, so both see the same load; the ratio is the median
    # of the rounds' ratios (a loaded, shared machine moves both by seconds)
    pairs = [(once(scan), once(["sha256sum"])) for _ in range(runs)]
    ts = statistics.median(p[0] for p in pairs)
    th = statistics.median(p[1] for p in pairs)
    ratio = statistics.median(p[1] / p[0] for p in pairs)
    s, h = total / ts / 1e6, total / th / 1e6
    print("custody scan --json %8.1f MB/s  (%.3f s)" % (s, ts))
    print("sha256sum           %8.1f MB/s  (%.3f s)" % (h, th))
    print("ratio scan/sha256sum: %.3f  (median of %d alternating rounds, %d files; goal >= 0.25)"
          % (ratio, runs, len(pages)))
    return 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["build"]:
        sys.exit(build())
    if a[:1] == ["measure"] and len(a) == 2:
        sys.exit(measure(a[1]))
    if a[:1] == ["labels"] and len(a) == 2:
        sys.exit(labels(a[1]))
    if a[:1] == ["speed"] and len(a) == 3:
        sys.exit(speed(a[1], int(a[2])))
    if a[:1] == ["sample"] and len(a) == 3:
        sys.exit(sample(int(a[1]), int(a[2])))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
