"""The mutation oracle (issue 19): thousands of structure-aware edits of a signed, stamped case
and of an exhibit; any edit that changes what the sealed evidence says while custody-verify
still answers `verified` fails the suite and is printed.

Servers on 127.0.0.1: the sample site and the test TSA. Two cases of the same operator (A and
B, A rotated into several files, interim seals) and one exhibit of A are made once; then, from a
seeded generator (MUTATE_SEED, default 19; MUTATE_BUDGET, default 1500 edits, 200 under the
sanitizer build), each edit is
one of:
  records   delete, duplicate, swap with the next, insert a record of case B
  headers   edit, delete or add a WARC header field (Content-Length and WARC-Block-Digest
            recomputed, as an attacker holding only the files would, or left stale)
  bodies    flip a byte of a block (digest recomputed); edit any field of a seal, stamp or
            proof body (string, number, list, null), digest recomputed
  files     delete, rename to another number, swap two, truncate at a record boundary
  cases     a record, a seal or a whole file of case B put into A
  kind      a case switched into an exhibit (Custody-Exhibit-Of added) and an exhibit back
The oracle: the evidence is every record's exact bytes in log order, except the header of the
case's last seal record (a closing seal's own WARC header is sealed by nothing and says
nothing about the capture: its body's signed head, signature and tokens are compared
instead, as canonical JSON). For an exhibit, the records it discloses (the exhibit's own
warcinfo and proof record are not evidence): a verified exhibit must disclose a subset of
the original's records and say how many. The edit counts as caught when the verdict is not
`verified`, and as harmless when the evidence is unchanged.
Last line: "N passed, N failed" (one check per class of edit, one for the whole run).
"""
import collections, hashlib, json, os, random, re, shutil, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib
import zwarc

T = lib.Tally("mutate")
SITE = os.path.join(lib.TOP, "samples", "site")
STH = "application/vnd.custody.sth"
STAMP = "application/vnd.custody.stamp"
PROOF = "application/vnd.custody.proof+json"


def run(*args, env=None):
    return subprocess.run([lib.CUSTODY, *args], capture_output=True, text=True, env=env, timeout=300)


def verdict(anchors, path):
    p = subprocess.run([lib.CUSTODY_VERIFY, "--json", *anchors, path], capture_output=True, text=True,
                       timeout=120)
    try:
        j = json.loads(p.stdout)
    except ValueError:
        return "?", p.returncode, {}
    return j.get("verdict"), p.returncode, j


def start_tsa(d):
    p = subprocess.Popen([sys.executable, os.path.join(lib.HERE, "servers", "tsa.py"), "--dir", d],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         text=True, start_new_session=True)
    lib._procs.append(p)
    port = int(p.stdout.readline().split()[-1])
    lib.wait_port(port)
    return p, port


# ---------------------------------------------------------------- what the evidence says

def der(b, pos):
    """(tag, start of content, end) of the DER element at pos."""
    tag, n = b[pos], b[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[pos:pos + k], "big")
        pos += k
    return tag, pos, pos + n


def children(b, start, end):
    out = []
    while start < end:
        t, s, e = der(b, start)
        out.append((t, s, e))
        start = e
    return out


def token_semantics(tsr_b64):
    """What a TimeStampResp vouches for: its TSTInfo and its signer infos. The status and the
    certificates it carries are not signed by the token (a certificate edit that matters breaks
    the chain and is caught by the verifier)."""
    try:
        import base64
        b = base64.b64decode(tsr_b64, validate=True)
        _, s, e = der(b, 0)
        resp = children(b, s, e)
        _, s, e = resp[1]                       # TimeStampToken (ContentInfo)
        ci = children(b, s, e)
        _, s, e = ci[1]                         # [0]
        _, s, e = der(b, s)                     # SignedData
        sd = children(b, s, e)
        _, s, e = sd[2]                         # encapContentInfo
        eci = children(b, s, e)
        _, s, e = eci[1]                        # [0]
        _, s, e = der(b, s)                     # OCTET STRING: TSTInfo
        tst = b[s:e]
        si = b[sd[-1][1]:sd[-1][2]]             # signerInfos
        return (tst + b"|" + si).hex()
    except Exception:
        return "unreadable:" + tsr_b64


def seal_semantics(r):
    """A seal or stamp body as evidence: its fields, each token by what it vouches for; the
    TSA URL each token was fetched from is not evidence (nothing signs it)."""
    try:
        b = json.loads(r.block)
    except ValueError:
        return b"unparsable:" + r.block
    if isinstance(b, dict) and isinstance(b.get("timestamps"), list):
        b = dict(b)
        b["timestamps"] = [token_semantics(t.get("tsr", "")) if isinstance(t, dict) else t
                           for t in b["timestamps"]]
    return json.dumps(b, sort_keys=True).encode()


def case_evidence(files):
    """files: [(name, [Rec])] in file order -> bytes describing the sealed evidence."""
    recs = [r for _, fr in files for r in fr]
    last = max((i for i, r in enumerate(recs) if r.get("Content-Type") == STH
                and r.get("WARC-Type") == "metadata"), default=-1)
    h = hashlib.sha256()
    for i, r in enumerate(recs):
        if i == last:
            h.update(b"seal:" + seal_semantics(r))
        else:
            h.update(b"rec:" + hashlib.sha256(r.bytes()).digest())
    return h.hexdigest()


def exhibit_evidence(recs):
    out = []
    for r in recs:
        ct = r.get("Content-Type")
        if r.get("WARC-Type") == "warcinfo" or ct == PROOF:
            continue
        if ct == STH:
            out.append(b"seal:" + seal_semantics(r))
        else:
            out.append(r.bytes())
    return out


# ---------------------------------------------------------------- edits

def edit_value(rng, v):
    if not v:
        return "x"
    k = rng.randrange(len(v))
    c = v[k]
    n = chr(ord(c) ^ 1) if c.isascii() and c.isprintable() and chr(ord(c) ^ 1).isprintable() else "0"
    return v[:k] + n + v[k + 1:]


def edit_json(rng, o):
    """One edit somewhere inside a JSON value; returns the new value and a description."""
    if isinstance(o, dict) and o:
        k = rng.choice(sorted(o))
        r = rng.random()
        if r < 0.15:
            o = dict(o)
            del o[k]
            return o, f"del {k}"
        if r < 0.25:
            o = dict(o)
            o[k] = None
            return o, f"{k}=null"
        v, d = edit_json(rng, o[k])
        o = dict(o)
        o[k] = v
        return o, f"{k}.{d}"
    if isinstance(o, list):
        if o and rng.random() < 0.4:
            o = list(o)
            i = rng.randrange(len(o))
            if rng.random() < 0.5:
                del o[i]
                return o, f"[{i}] deleted"
            o.insert(i, o[i])
            return o, f"[{i}] duplicated"
        if not o:
            return [{"tsa": "x", "tsr": "AAAA"}], "added an element"
        i = rng.randrange(len(o))
        v, d = edit_json(rng, o[i])
        o = list(o)
        o[i] = v
        return o, f"[{i}].{d}"
    if isinstance(o, bool):
        return (not o), "flipped"
    if isinstance(o, int):
        return o + rng.choice((-1, 1)), "±1"
    if isinstance(o, str):
        return edit_value(rng, o), "char changed"
    return "x", "set"


class Mutator:
    def __init__(self, rng, a_files, b_files):
        self.rng = rng
        self.a = a_files     # [(name, [Rec])]
        self.b = b_files

    def pick(self, files):
        f = self.rng.randrange(len(files))
        return f, self.rng.randrange(len(files[f][1]))

    def records_op(self, files):
        f, i = self.pick(files)
        name, recs = files[f]
        recs = list(recs)
        op = self.rng.choice(("delete", "duplicate", "swap", "insert-B"))
        if op == "delete":
            del recs[i]
        elif op == "duplicate":
            recs.insert(i, zwarc.copy_rec(recs[i]))
        elif op == "swap":
            if i + 1 >= len(recs):
                return None
            recs[i], recs[i + 1] = recs[i + 1], recs[i]
        else:
            bf, bi = self.pick(self.b)
            recs.insert(i, zwarc.copy_rec(self.b[bf][1][bi]))
        files[f] = (name, recs)
        return f"records: {op} record {i} of file {f}"

    def header_op(self, files):
        f, i = self.pick(files)
        name, recs = files[f]
        recs = list(recs)
        r = zwarc.copy_rec(recs[i])
        names = re.findall(rb"(?m)^([A-Za-z][A-Za-z0-9-]*):", r.head)
        fld = self.rng.choice(names).decode()
        op = self.rng.choice(("edit", "edit", "delete", "add"))
        if op == "edit":
            r.set(fld, edit_value(self.rng, r.get(fld) or ""))
        elif op == "delete":
            r.set(fld, None)
        else:
            fld = self.rng.choice(("Custody-Exhibit-Of", "WARC-Refers-To", "X-Note", "WARC-Truncated"))
            r.set(fld, "urn:uuid:00000000-0000-4000-8000-000000000000")
        fix = fld not in ("Content-Length", "WARC-Block-Digest") and self.rng.random() < 0.8
        if fix:
            r.fix()
        recs[i] = r
        files[f] = (name, recs)
        return f"header: {op} {fld} of record {i} of file {f}{' (digest recomputed)' if fix else ''}"

    def body_op(self, files):
        special = [(f, i) for f, (_, recs) in enumerate(files) for i, r in enumerate(recs)
                   if r.get("Content-Type") in (STH, STAMP, PROOF)]
        if special and self.rng.random() < 0.7:
            f, i = self.rng.choice(special)
            name, recs = files[f]
            r = zwarc.copy_rec(recs[i])
            try:
                o = json.loads(r.block)
            except ValueError:
                return None
            o, d = edit_json(self.rng, o)
            r.block = json.dumps(o, separators=(",", ":")).encode()
            what = f"{r.get('Content-Type').rsplit('.', 1)[-1]} body field {d}"
        else:
            f, i = self.pick(files)
            name, recs = files[f]
            r = zwarc.copy_rec(recs[i])
            if not r.block:
                return None
            k = self.rng.randrange(len(r.block))
            r.block = r.block[:k] + bytes([r.block[k] ^ (1 << self.rng.randrange(8))]) + r.block[k + 1:]
            what = f"block byte {k} flipped"
        r.fix()
        recs = list(recs)
        recs[i] = r
        files[f] = (name, recs)
        return f"body: {what} in record {i} of file {f} (digest recomputed)"

    def file_op(self, files):
        op = self.rng.choice(("delete", "rename", "swap", "truncate", "B-file"))
        f = self.rng.randrange(len(files))
        if op == "delete":
            if len(files) == 1:
                return None
            del files[f]
        elif op == "rename":
            name, recs = files[f]
            m = re.match(r"(.*-)(\d{5})(\.warc\.zst)$", name)
            files[f] = (f"{m.group(1)}{int(m.group(2)) + len(files) + 1:05d}{m.group(3)}", recs)
            files.sort(key=lambda x: x[0])
        elif op == "swap":
            g = self.rng.randrange(len(files))
            if g == f:
                return None
            (nf, rf), (ng, rg) = files[f], files[g]
            files[f], files[g] = (nf, rg), (ng, rf)
        elif op == "truncate":
            name, recs = files[f]
            k = self.rng.randrange(1, len(recs))
            files[f] = (name, recs[:k])
            op = f"truncate after record {k}"
        else:
            name = files[-1][0]
            m = re.match(r"(.*-)(\d{5})(\.warc\.zst)$", name)
            files.append((f"{m.group(1)}{int(m.group(2)) + 1:05d}{m.group(3)}",
                          [zwarc.copy_rec(r) for r in self.rng.choice(self.b)[1]]))
        return f"files: {op} file {f}"

    def cross_op(self, files):
        f, i = self.pick(files)
        name, recs = files[f]
        recs = list(recs)
        b_seals = [r for _, br in self.b for r in br if r.get("Content-Type") == STH]
        if self.rng.random() < 0.5 and b_seals:
            recs[i] = zwarc.copy_rec(self.rng.choice(b_seals))
            what = "a seal of B replaces"
        else:
            bf, bi = self.pick(self.b)
            recs[i] = zwarc.copy_rec(self.b[bf][1][bi])
            what = "a record of B replaces"
        files[f] = (name, recs)
        return f"cases: {what} record {i} of file {f}"

    def kind_op(self, files):
        name, recs = files[0]
        recs = list(recs)
        r = zwarc.copy_rec(recs[0])
        if r.get("Custody-Exhibit-Of"):
            r.set("Custody-Exhibit-Of", None)
            what = "exhibit -> case (Custody-Exhibit-Of removed)"
        else:
            r.set("Custody-Exhibit-Of", r.get("Custody-Case-ID") or "urn:uuid:x")
            what = "case -> exhibit (Custody-Exhibit-Of added)"
        if self.rng.random() < 0.8:
            r.fix()
        recs[0] = r
        files[0] = (name, recs)
        return f"kind: {what}"

    OPS = ("records_op", "header_op", "body_op", "file_op", "cross_op", "kind_op")


def write_case(d, files, originals):
    os.makedirs(d)
    for name, recs in files:
        path = os.path.join(d, name)
        orig = originals.get(name)
        if orig is not None and orig[1] is recs:
            os.link(orig[0], path)
        else:
            zwarc.write(path, recs)


def main():
    seed = int(os.environ.get("MUTATE_SEED", "19"))
    # the sanitizer build's verifier is about 3x slower: a smaller fixed budget there
    asan = "asan" in (lib.CUSTODY_VERIFY or "")
    budget = int(os.environ.get("MUTATE_BUDGET", "200" if asan else "1500"))
    work = lib.tmpdir("custody-mutate-")
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "config"))
    _, web_port = lib.start_http_server(SITE)
    seed_url = f"http://127.0.0.1:{web_port}/index.html"
    _, tsa_port = start_tsa(os.path.join(work, "tsa"))
    tsa = f"http://127.0.0.1:{tsa_port}/"
    run("keygen", "--subject", "/CN=Mutation Operator/O=custody tests", env=env)
    crt = os.path.join(work, "config", "custody", "operator.crt")
    anchors = ("--trust", crt, "--tsa-trust", os.path.join(work, "tsa", "tsa-ca.pem"))
    case_a, case_b = os.path.join(work, "A"), os.path.join(work, "B")
    p = run("crawl", "-q", "-o", case_a, "--tsa", tsa, "--seal-every", "25", "--max-file-size", "24K",
            seed_url, env=env)
    run("crawl", "-q", "-o", case_b, "--tsa", tsa, "--seal-every", "25", seed_url, env=env)
    exhibit = os.path.join(work, "ex.warc.zst")
    run("export", case_a, "--url", f"http://127.0.0.1:{web_port}/thread/101.html", "-o", exhibit)
    v_a, _, _ = verdict(anchors, case_a)
    v_x, _, _ = verdict(anchors, exhibit)
    if not T.check(p.returncode == 0 and v_a == "verified" and v_x == "verified",
                   f"the originals verify (case {v_a}, exhibit {v_x})"):
        T.finish()
    a_files = [(os.path.basename(f), zwarc.read(f)) for f in lib.capture_files(case_a)]
    b_files = [(os.path.basename(f), zwarc.read(f)) for f in lib.capture_files(case_b)]
    originals = {os.path.basename(f): (f, recs) for f, (_, recs) in zip(lib.capture_files(case_a), a_files)}
    x_recs = zwarc.read(exhibit)
    a_ev = case_evidence(a_files)
    x_ev = exhibit_evidence(x_recs)

    rng = random.Random(seed)
    tried = collections.Counter()
    caught = collections.Counter()
    harmless = collections.Counter()
    escaped = []
    t0 = time.time()
    for n in range(budget):
        on_exhibit = rng.random() < 0.25
        op = rng.choice(Mutator.OPS)
        if on_exhibit:
            files = [(os.path.basename(exhibit), x_recs)]
            m = Mutator(rng, files, b_files)
            if op == "file_op":
                op = "records_op"
            what = getattr(m, op)(files)
        else:
            files = list(a_files)
            m = Mutator(rng, files, b_files)
            what = getattr(m, op)(files)
            if what and rng.random() < 0.1:  # now and then two edits at once
                what += " + " + (getattr(m, rng.choice(Mutator.OPS))(files) or "nothing")
        if not what:
            continue
        label = op.replace("_op", "")
        tried[label] += 1
        d = os.path.join(work, f"m{n}")
        if on_exhibit:
            os.makedirs(d)
            target = os.path.join(d, "ex.warc.zst")
            zwarc.write(target, [r for _, rs in files for r in rs])
            ev = exhibit_evidence([r for _, rs in files for r in rs])
            same = ev == x_ev
        else:
            write_case(d, files, originals)
            target = d
            same = case_evidence(files) == a_ev
        v, rc, j = verdict(anchors, target)
        if v != "verified":
            caught[label] += 1
        elif same:
            harmless[label] += 1
        elif on_exhibit:
            # fewer records disclosed, said so: a subset of the original, counted in the verdict
            orig = collections.Counter(x_ev)
            now = collections.Counter(ev)
            said = re.search(r"(\d+) of the \d+ records", " ".join(j.get("not_checked", [])) + json.dumps(j))
            if all(now[k] <= orig[k] for k in now):
                harmless[label] += 1
            else:
                escaped.append(f"seed {seed} #{n} exhibit: {what} -> verified ({said.group(0) if said else ''})")
        else:
            escaped.append(f"seed {seed} #{n} case: {what} -> verified")
        shutil.rmtree(d)
    secs = time.time() - t0
    total = sum(tried.values())
    for label in sorted(tried):
        T.check(not [e for e in escaped if f": {label}:" in e.split(" -> ")[0] or e.split(": ", 1)[1].startswith(label)],
                f"{label}: {tried[label]} edits, {caught[label]} caught, {harmless[label]} left the evidence as it was")
    print(f"mutation oracle: {total} mutations in {secs:.1f} s ({total / max(secs, 0.001):.0f}/s), "
          f"seed {seed}: {sum(caught.values())} caught, {sum(harmless.values())} harmless, "
          f"{len(escaped)} escaped")
    for e in escaped[:40]:
        print("ESCAPED", e)
    T.check(not escaped and total >= budget * 0.9,
            f"no mutation that changes the sealed evidence is verified ({len(escaped)} escaped of {total})")
    T.finish()


if __name__ == "__main__":
    main()
