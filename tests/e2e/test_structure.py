"""End-to-end: the structure of a sealed case (issue 19, classes 1-4, 9-11; issue 25's stamp slips).

Servers on 127.0.0.1: the sample site and the test TSA (servers/tsa.py). One named check per
class; each attack is made the way someone holding only the files would make it (records
re-framed, Content-Length and WARC-Block-Digest recomputed: tests/e2e/zwarc.py).
  class 2   opening and closing seals: kinds in the signed heads; the last file deleted, a
            file cut after an interim seal, the opening seal removed -> never verified
  class 3   a file of another case (same operator) put into the case -> failed
  class 1   an exhibit says "exhibit of case X: N of the M records ..."; a case relabelled as an
            exhibit (page deleted, proofs appended) says so too, never a full-case check
  class 3   B's exhibit relabelled as A's, A's exhibit + B's seal and proof -> failed
  class 4   an exhibit past 100 000 records -> failed, the limit named
  class 9   without --tsa-trust no token time is the headline ("claims ... (not checked)")
  class 10  a case completed by `custody stamp` still verifies after the operator's
            certificate expired (--at), the signer checked at the stamp's time
  class 11  a closing seal's certificate field rewritten -> failed; its tokens stripped ->
            not verified, "no time stamp"
  issue 25  stamp without a key: tokens only, verified; a stamp attempt with no TSA: nothing
            written; a wrong --trust says "signed by CN=..., not by the certificate you gave"
Last line: "N passed, N failed".
"""
import hashlib, json, os, re, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib
import zwarc

T = lib.Tally("structure")
check = T.check
SITE = os.path.join(lib.TOP, "samples", "site")
STH = "application/vnd.custody.sth"


def run(*args, env=None, timeout=300):
    return subprocess.run([lib.CUSTODY, *args], capture_output=True, text=True, env=env, timeout=timeout)


def verify(*args):
    p = subprocess.run([lib.CUSTODY_VERIFY, "--json", *args], capture_output=True, text=True, timeout=300)
    try:
        j = json.loads(p.stdout)
    except ValueError:
        j = {"verdict": "?", "errors": [], "raw": p.stdout + p.stderr}
    j.setdefault("errors", [])
    j.setdefault("not_checked", [])
    return p.returncode, j


def text(*args):
    p = subprocess.run([lib.CUSTODY_VERIFY, *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def start_tsa(d):
    p = subprocess.Popen([sys.executable, os.path.join(lib.HERE, "servers", "tsa.py"), "--dir", d],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         text=True, start_new_session=True)
    lib._procs.append(p)
    port = int(p.stdout.readline().split()[-1])
    lib.wait_port(port)
    return p, port


def heads(case):
    """The signed tree-head texts of a case's seals, in order."""
    out = []
    for f in lib.capture_files(case):
        for r in zwarc.read(f):
            if r.get("Content-Type") == STH:
                out.append(json.loads(r.block)["sth"])
    return out


def field(sth, name):
    for line in sth.splitlines():
        if line.startswith(name + ": "):
            return line[len(name) + 2:]
    return None


def main():
    work = lib.tmpdir("custody-structure-")
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "config"))
    env_nokey = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "empty"))
    _, web_port = lib.start_http_server(SITE)
    seed = f"http://127.0.0.1:{web_port}/index.html"
    tsa_dir = os.path.join(work, "tsa")
    _, tsa_port = start_tsa(tsa_dir)
    tsa = f"http://127.0.0.1:{tsa_port}/"
    ca = os.path.join(tsa_dir, "tsa-ca.pem")
    p = run("keygen", "--subject", "/CN=Structure Operator/O=custody tests", "--days", "30", env=env)
    crt = os.path.join(work, "config", "custody", "operator.crt")
    check(p.returncode == 0, f"keygen: {p.stderr}")
    anchors = ("--trust", crt, "--tsa-trust", ca)

    # ---------------------------------------------------------------- class 2: open and close
    case = os.path.join(work, "case")
    p = run("crawl", "-o", case, "--tsa", tsa, "--seal-every", "15", "--max-file-size", "16K", seed, env=env)
    check(p.returncode == 0, f"signed crawl: {p.stderr[-300:]}")
    files = lib.capture_files(case)
    hs = heads(case)
    check(len(files) >= 3, f"the case rotated into several files ({len(files)})")
    recs0 = lib.case_records(case)
    before = next((i for i, r in enumerate(recs0) if r.get("Content-Type") == "application/vnd.custody.sth"), -1)
    check([r.type for r in recs0[:before]] == ["warcinfo", "metadata"]
          and recs0[1].get("Content-Type") == "application/vnd.custody.environment+json",
          f"class 2: before the opening seal only the warcinfo and the environment record: "
          f"{[(r.type, r.get('Content-Type')) for r in recs0[:before]]}")
    check(hs and hs[0].startswith("custody-sth-v2\n") and field(hs[0], "kind") == "opening"
          and field(hs[0], "tree-size") == str(before) and field(hs[0], "previous-root") == "none",
          f"class 2: the first seal is the opening seal over the warcinfo and the environment: {hs[:1]}")
    check(hs and field(hs[-1], "kind") == "closing" and field(hs[-1], "files") == str(len(files))
          and int(field(hs[-1], "records")) == int(field(hs[-1], "tree-size")) + 1,
          f"class 2: the last seal is closing and names {len(files)} files: {hs[-1:]}")
    check(all(field(h, "kind") == "interim" for h in hs[1:-1]), "class 2: the seals between are interim")
    rc, j = verify(*anchors, case)
    check(rc == 0 and j["verdict"] == "verified", f"the closed case verifies: {rc} {j['errors']} {j['not_checked']}")

    def variant(name, edit):
        d = os.path.join(work, name)
        shutil.copytree(case, d)
        edit(d)
        return d

    # the last capture file deleted
    d = variant("cut-last", lambda d: os.remove(lib.capture_files(d)[-1]))
    rc, j = verify(*anchors, d)
    check(rc != 0 and j["verdict"] != "verified" and
          any("not closed" in n for n in j["not_checked"] + [e["message"] for e in j["errors"]]),
          f"class 2: last file deleted -> not verified, 'not closed' ({rc} {j['verdict']})")

    # a file cut right after an interim seal, everything after it deleted
    def cut_after_interim(d):
        fs = lib.capture_files(d)
        for n, f in enumerate(fs):  # the file holding the case's last interim seal
            recs = zwarc.read(f)
            ks = [i for i, r in enumerate(recs) if r.get("Content-Type") == STH
                  and field(json.loads(r.block)["sth"], "kind") == "interim"]
            if ks:
                at, cut = n, (f, recs[:ks[-1] + 1])
        zwarc.write(*cut)
        for f in fs[at + 1:]:
            os.remove(f)
    d = variant("cut-interim", cut_after_interim)
    rc, j = verify(*anchors, d)
    check(rc == 3 and j["verdict"] == "intact" and any("not closed" in n for n in j["not_checked"]),
          f"class 2: cut after an interim seal -> intact, 'the case was not closed' ({rc} {j['verdict']})")
    rc, out = text(*anchors, d)
    check("cut short" in out and "--resume" in out, f"class 2: the words say cut short and --resume: {out[-500:]}")

    # the opening seal removed (and the rest left as it was)
    def drop_opening(d):
        f0 = lib.capture_files(d)[0]
        recs = zwarc.read(f0)
        k = min(i for i, r in enumerate(recs) if r.get("Content-Type") == STH)
        zwarc.write(f0, recs[:k] + recs[k + 1:])
    d = variant("no-opening", drop_opening)
    rc, j = verify(*anchors, d)
    check(rc == 1, f"class 2: opening seal removed -> failed ({rc} {[e['check'] for e in j['errors']][:4]})")

    # --resume reopens and closes again
    d = variant("resumed", lambda d: None)
    p = run("crawl", "-o", d, "--resume", "--tsa", tsa, seed, env=env)
    hs2 = heads(d)
    kinds = [field(h, "kind") for h in hs2[len(hs):]]
    check(p.returncode == 0 and kinds[:1] == ["reopening"] and kinds[-1:] == ["closing"],
          f"class 2: --resume reopens and closes again: {kinds}")
    rc, j = verify(*anchors, d)
    check(rc == 0, f"class 2: the resumed case verifies ({rc} {j['errors']} {j['not_checked']})")

    # ---------------------------------------------------------------- class 3: another case's file
    other = os.path.join(work, "other")
    run("crawl", "-o", other, "--tsa", tsa, seed, env=env)
    def mix(d):
        src = lib.capture_files(other)[0]
        last = lib.capture_files(d)[-1]
        n = int(last.rsplit("-", 1)[1].split(".")[0]) + 1
        shutil.copy(src, last.rsplit("-", 1)[0] + f"-{n:05d}.warc.zst")
    d = variant("mixed", mix)
    rc, j = verify(*anchors, d)
    check(rc == 1, f"class 3: a file of another case of the same operator -> failed ({rc} {j['verdict']})")

    # ---------------------------------------------------------------- class 1: exhibit wording
    exhibit = os.path.join(work, "ex.warc.zst")
    p = run("export", case, "--url", f"http://127.0.0.1:{web_port}/thread/101.html", "-o", exhibit)
    rc, out = text(*anchors, exhibit)
    m = re.search(r"exhibit of case (urn:uuid:[0-9a-f-]+): (\d+) of the (\d+) records in its sealed log are "
                  r"disclosed here", out)
    sizes = {field(h, "tree-size") for h in hs}
    check(rc == 0 and m and m.group(1) in hs[0] and m.group(3) in sizes and int(m.group(2)) == 4,
          f"class 1: the exhibit says what it is (4 page records of a sealed log): {out[:600]}")
    rc, out = text(*anchors, case)
    check("exhibit of" not in out and "case urn:uuid:" in out, "class 1: a case says it is a case and which")

    # class 3: B's exhibit relabelled as A's; A's exhibit followed by B's seal, records and proof
    ex_b = os.path.join(work, "ex-b.warc.zst")
    run("export", other, "--url", f"http://127.0.0.1:{web_port}/thread/101.html", "-o", ex_b)
    recs = zwarc.read(ex_b)
    a_id = field(hs[0], "case")
    recs[0].set("Custody-Exhibit-Of", a_id)
    recs[0].fix()
    relabelled = os.path.join(work, "ex-b-as-a.warc.zst")
    zwarc.write(relabelled, recs)
    rc, j = verify(*anchors, relabelled)
    check(rc == 1 and any(e["check"] in ("exhibit case", "case identity") for e in j["errors"]),
          f"class 3: B's exhibit relabelled as A's -> failed ({rc} {[e['check'] for e in j['errors']]})")
    joined = os.path.join(work, "ex-a-plus-b.warc.zst")
    zwarc.write(joined, zwarc.read(exhibit) + zwarc.read(ex_b)[1:])
    rc, j = verify(*anchors, joined)
    check(rc == 1, f"class 3: A's exhibit followed by B's seal, records and proof -> failed ({rc})")

    # class 1: a one-file case relabelled as an exhibit, a page deleted, proofs of the rest appended
    def leaf(r):
        return hashlib.sha256(b"\0" + r.head).digest()

    def node(a, b):
        return hashlib.sha256(b"\1" + a + b).digest()

    def mth(ls):
        if len(ls) == 1:
            return ls[0]
        k = 1 << ((len(ls) - 1).bit_length() - 1)
        return node(mth(ls[:k]), mth(ls[k:]))

    def path(m, ls):
        if len(ls) == 1:
            return []
        k = 1 << ((len(ls) - 1).bit_length() - 1)
        return path(m, ls[:k]) + [mth(ls[k:])] if m < k else path(m - k, ls[k:]) + [mth(ls[:k])]
    recs = zwarc.read(lib.capture_files(other)[0])
    last = max(i for i, r in enumerate(recs) if r.get("Content-Type") == STH)
    seal = json.loads(recs[last].block)
    n = seal["tree_size"]
    leaves = [leaf(r) for r in recs[:n]]
    victim = next(i for i, r in enumerate(recs) if r.get("WARC-Type") == "response" and i > 3)
    keep = [i for i in range(1, n) if i != victim and recs[i].get("Content-Type") != STH]
    proof = {"seal": recs[last].get("WARC-Record-ID").strip("<>"), "tree_size": n, "root": seal["root"],
             "records": [{"id": recs[i].get("WARC-Record-ID"), "index": i, "leaf": leaves[i].hex(),
                          "path": [h.hex() for h in path(i, leaves)]} for i in keep]}
    info = zwarc.copy_rec(recs[0])
    info.set("Custody-Exhibit-Of", field(heads(other)[0], "case"))
    info.set("WARC-Filename", "case-as-exhibit.warc.zst")
    info.block = info.block.replace(b"robots:", b"robots: ignore; was:")
    info.fix()
    pr = zwarc.copy_rec(recs[last])
    pr.set("Content-Type", "application/vnd.custody.proof+json")
    pr.set("WARC-Record-ID", "<urn:uuid:11111111-2222-4333-8444-555555555555>")
    pr.block = json.dumps(proof).encode()
    pr.fix()
    forged = os.path.join(work, "case-as-exhibit.warc.zst")
    zwarc.write(forged, [info] + [r for i, r in enumerate(recs[1:], 1) if i != victim] + [pr])
    rc, out = text(*anchors, forged)
    print(f"class 1: a one-file case relabelled as an exhibit -> exit {rc}: "
          f"{(re.search(r'exhibit of case.*', out) or re.search(r'FAILED.*', out) or re.search('.*', out)).group(0)[:200]}")
    m = re.search(r"exhibit of case \S+: (\d+) of the (\d+) records in its sealed log are disclosed here", out)
    check(rc != 0 or (m and int(m.group(1)) == len(keep) and int(m.group(2)) == n
                      and "records sealed" not in out),
          f"class 1: a case relabelled as an exhibit says 'exhibit of case X: {len(keep)} of the {n} records', "
          f"never a full-case check ({rc}): {out[:700]}")

    # class 4: an exhibit past the verifier's 100 000-record limit names the limit, never verified
    recs = zwarc.read(exhibit)
    extra = []
    for k in range(100_001):
        r = zwarc.Rec(b"WARC/1.1\r\nWARC-Type: metadata\r\nWARC-Record-ID: <urn:uuid:%08x-0000-4000-8000-000000000000>"
                      b"\r\nWARC-Date: 2026-11-30T10:00:00Z\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nx\r\n\r\n" % k)
        r.fix()
        extra.append(r)
    big = os.path.join(work, "big-exhibit.warc.zst")
    zwarc.write(big, recs[:-2] + extra + recs[-2:])
    rc, j = verify(*anchors, big)
    check(rc == 1 and any("VF_SEAL_MAX_EXHIBIT" in e["message"] for e in j["errors"]),
          f"class 4: an exhibit past 100 000 records fails naming the limit ({rc} {j['errors'][:1]})")

    # ---------------------------------------------------------------- class 9: untrusted token times
    rc, out = text("--trust", crt, case)
    check("claims to come from" in out and "(not checked" in out and "existed no later than" not in out,
          f"class 9: without --tsa-trust the token time is a claim, never the headline: {out[:500]}")

    rc, j = verify("--trust", crt, "--at", "2031-01-01", case)
    check(rc == 3 and any("--tsa-trust" in n for n in j["not_checked"]),
          f"class 9: --trust alone, after the operator's certificate expired: intact, never checked at a "
          f"claimed token time, never failed ({rc} {j['errors'][:1]})")

    # ---------------------------------------------------------------- class 10 + issue 25: custody stamp
    late = os.path.join(work, "late")
    p = run("crawl", "-o", late, "--tsa", tsa + "fail", seed, env=env)
    before = sorted(os.listdir(late))
    p = run("stamp", late, "--tsa", f"http://127.0.0.1:{lib.closed_port()}/", env=env_nokey)
    check(p.returncode == 1 and sorted(os.listdir(late)) == before,
          f"issue 25: a stamp attempt that gets no token writes nothing ({p.returncode} {p.stdout} {p.stderr})")
    p = run("stamp", late, "--tsa", tsa, env=env_nokey)
    check(p.returncode == 0, f"issue 25: stamp without a key: {p.stdout} {p.stderr}")
    recs = lib.case_records(late)
    added = recs[len(recs) - 1 - [r.get("WARC-Type") for r in reversed(recs)].index("warcinfo"):]
    check(all(r.get("Content-Type") in ("application/vnd.custody.stamp", None) or r.get("WARC-Type") == "warcinfo"
              for r in added) and not any(r.get("Content-Type") == STH for r in added),
          "issue 25: without a key only stamp records are added, no unsigned seal")
    rc, j = verify(*anchors, late)
    check(rc == 0, f"issue 25: a case completed by custody stamp without a key: verified ({rc} {j['errors']} {j['not_checked']})")
    rc, j = verify(*anchors, "--at", "2031-01-01", late)
    check(rc == 0, f"class 10: after the operator's certificate expired, checked at the stamp's time: "
          f"verified ({rc} {j['errors']})")
    late2 = os.path.join(work, "late2")
    run("crawl", "-o", late2, "--tsa", tsa + "fail", seed, env=env)
    p = run("stamp", late2, "--tsa", tsa, env=env)
    rc, j = verify(*anchors, late2)
    kinds = [field(h, "kind") for h in heads(late2)]
    check(p.returncode == 0 and rc == 0 and kinds[-2:] == ["reopening", "closing"],
          f"issue 25: stamp with the key reopens and closes: verified ({rc} {kinds[-3:]} {j['errors']})")

    # ---------------------------------------------------------------- issue 25: another --trust
    run("keygen", "-o", os.path.join(work, "else"), "--subject", "/CN=Someone Else")
    rc, out = text("--trust", os.path.join(work, "else.crt"), "--tsa-trust", ca, case)
    check(rc == 1 and "the records are consistent, but the seals are signed by CN=Structure Operator" in out
          and "not by the certificate you gave" in out, f"issue 25: a wrong --trust is named as such: {out[-600:]}")

    # ---------------------------------------------------------------- class 11: seal body fields
    def edit_closing(d, fn):
        last = lib.capture_files(d)[-1]
        recs = zwarc.read(last)
        k = max(i for i, r in enumerate(recs) if r.get("Content-Type") == STH)
        b = json.loads(recs[k].block)
        fn(b)
        recs[k].block = json.dumps(b, separators=(",", ":")).encode()
        recs[k].fix()
        zwarc.write(last, recs)
    other_crt = open(os.path.join(work, "else.crt")).read()
    d = variant("cert-field", lambda d: edit_closing(d, lambda b: b.__setitem__("certificate", other_crt)))
    rc, j = verify(*anchors, d)
    check(rc == 1 and any(e["check"] == "seal certificate" for e in j["errors"]),
          f"class 11: the closing seal's certificate field names someone else -> failed ({rc} {j['errors'][:2]})")
    d = variant("no-tokens", lambda d: edit_closing(d, lambda b: b.__setitem__("timestamps", [])))
    rc, j = verify(*anchors, d)
    check(rc != 0 and any("no time stamp" in n for n in j["not_checked"]),
          f"class 11: the closing seal's tokens stripped -> not verified, says no time stamp ({rc} {j['not_checked']})")
    d = variant("extra-field", lambda d: edit_closing(d, lambda b: b.__setitem__("note", "added")))
    rc, j = verify(*anchors, d)
    check(rc == 1, f"class 11: an unknown field in a seal body -> failed ({rc})")

    T.finish()


if __name__ == "__main__":
    main()
