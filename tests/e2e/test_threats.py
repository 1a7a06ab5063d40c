"""End-to-end: the threats of issue 19 that test_structure.py and test_mutate.py do not cover
(classes 5-8 and 12-15; docs/THREATS.md names the test of every class).

Servers on 127.0.0.1: the sample site and the test TSA (servers/tsa.py). Each attack is made the
way someone holding only the files (or a certificate of a trusted CA, or the capture machine's
clock) would make it. One named check per class (docs/THREATS.md maps them to the attackers):
  class 13  a certificate subject with C1 (U+009B CSI) and bidi (U+202E) controls, a file name
            with ESC: text output carries no raw control, JSON is ASCII, the report shows
            [U+009B]
  class 14  a FIFO in a case or given as a file is refused, not waited on; a WACZ listing an
            entry 2 000 more times is refused; 120 KB record ids fail (VF_MAX_RECORD_ID) and
            the output stays small
  class 7   certificates of a trusted CA: a signing one verifies and its chain is shown; a TLS
            server one (serverAuth, keyEncipherment), a serverAuth+clientAuth one and one
            without keyUsage fail; keygen's certificate and CSR request the signing purpose
  class 8   WARC-Date not W3C-DTF -> failed; a crawl under faketime +400d -> "record time"
            failed and the clock reported; the same with the TSA down and a later custody stamp
            -> failed against the stamp's time; the trusted capture window shown
  class 5   a WACZ (honest, and with index.cdxj lying): every unchecked part is named and
            'verified' is never about the WACZ as a whole
  class 12  recompressed files verify and the words say content, not compression; intact says
            "nothing proves they were not rewritten"; a page after the last seal: NOT sealed
  class 15  the README's stock-openssl recipe: passes the honest case, reports a body edit, a
            body edit with digests recomputed, that plus the JSON root rewritten, a removed record
  class 6   a .warc.gz member with FEXTRA / FNAME / FCOMMENT -> failed, named
Set THREATS_ONLY=13,6 to run some classes only. Last line: "N passed, N failed".
"""
import gzip, hashlib, json, os, re, shutil, stat, subprocess, sys, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib
import zwarc

T = lib.Tally("threats")
check = T.check
SITE = os.path.join(lib.TOP, "samples", "site")
ONLY = [c for c in os.environ.get("THREATS_ONLY", "").split(",") if c]


def want(cls):
    return not ONLY or str(cls) in ONLY


def run(*args, env=None, timeout=300):
    return subprocess.run([lib.CUSTODY, *args], capture_output=True, text=True, env=env, timeout=timeout)


def verify(*args):
    p = subprocess.run([lib.CUSTODY_VERIFY, "--json", *args], capture_output=True, timeout=300)
    try:
        j = json.loads(p.stdout)
    except ValueError:
        j = {"verdict": "?", "errors": [], "raw": (p.stdout + p.stderr).decode("utf-8", "replace")}
    j.setdefault("errors", [])
    j.setdefault("not_checked", [])
    j["_raw"] = p.stdout
    return p.returncode, j


def text(*args, timeout=300):
    """Exit status and the raw bytes of stdout + stderr (not decoded: controls must show)."""
    p = subprocess.run([lib.CUSTODY_VERIFY, *args], capture_output=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def start_tsa(d):
    p = subprocess.Popen([sys.executable, os.path.join(lib.HERE, "servers", "tsa.py"), "--dir", d],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         text=True, start_new_session=True)
    lib._procs.append(p)
    port = int(p.stdout.readline().split()[-1])
    lib.wait_port(port)
    return p, port


def openssl(*args, **kw):
    p = subprocess.run(["openssl", *args], capture_output=True, **kw)
    check(p.returncode == 0, f"openssl {' '.join(args[:2])}: {p.stderr[-300:]}")
    return p


def operator_cert(cfg, subject, exts=(), ca=None):
    """A P-256 key and certificate in cfg/custody/ as custody crawl reads them: self-signed,
    or issued by ca = (ca.crt, ca.key)."""
    d = os.path.join(cfg, "custody")
    os.makedirs(d, mode=0o700, exist_ok=True)
    key, crt = os.path.join(d, "operator.key"), os.path.join(d, "operator.crt")
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
    os.chmod(key, 0o600)
    ext = []
    for e in exts:
        ext += ["-addext", e]
    if ca is None:
        openssl("req", "-new", "-x509", "-utf8", "-key", key, "-subj", subject, "-days", "30",
                "-out", crt, *ext)
    else:
        csr = os.path.join(d, "x.csr")
        openssl("req", "-new", "-utf8", "-key", key, "-subj", subject, "-out", csr, *ext)
        openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
                "-days", "30", "-out", crt, "-copy_extensions", "copyall")
    return crt


def crawl(case, seed, tsa, env, *extra):
    p = run("crawl", "-o", case, "--tsa", tsa, *extra, seed, env=env)
    check(p.returncode == 0, f"crawl {os.path.basename(case)}: {p.stderr[-300:]}")
    return p


def edit_response(case):
    """One response body byte changed, its digests recomputed (the seal alone catches it)."""
    f = lib.capture_files(case)[0]
    recs = zwarc.read(f)
    for r in recs:
        if r.get("WARC-Type") == "response" and len(r.block) > 200:
            b = bytearray(r.block)
            b[-3] ^= 0x20
            r.block = bytes(b)
            r.set("WARC-Payload-Digest", None)
            r.fix()
            break
    zwarc.write(f, recs)


C1 = "\u009b"     # CSI on an 8-bit terminal
BIDI = "\u202e"   # RIGHT-TO-LEFT OVERRIDE


def raw_controls(b):
    """The controls in bytes b that a terminal would act on (ESC, C1 as UTF-8 or raw, bidi)."""
    s = b.decode("utf-8", "replace")
    bad = [c for c in s if (ord(c) < 0x20 and c not in "\n\t\r") or 0x7f <= ord(c) <= 0x9f
           or 0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069 or c in "\u200e\u200f\u061c"]
    return bad


def class13(work, seed, tsa, tsa_ca):
    """Terminal injection: controls from a certificate subject never reach the output raw."""
    cfg = os.path.join(work, "cfg13")
    env = dict(os.environ, XDG_CONFIG_HOME=cfg)
    crt = operator_cert(cfg, f"/CN=Demo{C1}2K{C1}1G Operator{BIDI}/O=custody tests",
                        ["keyUsage=critical,digitalSignature,nonRepudiation"])
    case = os.path.join(work, "case13")
    crawl(case, seed, tsa, env)
    edit_response(case)
    rc, out = text("--trust", crt, "--tsa-trust", tsa_ca, case)
    # progress is written to stderr only on a terminal; \r there is ours
    check(rc == 1 and b"FAILED" in out and not raw_controls(out.replace(b"\r", b"")),
          f"class 13: text output has no raw control ({rc}, {raw_controls(out)[:5]})")
    check(b"\\u{009B}" in out and b"\\u{202E}" in out,
          f"class 13: the controls are written visibly as \\u{{009B}} / \\u{{202E}}: {out[:400]!r}")
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, case)
    check(rc == 1 and all(b < 0x80 for b in j["_raw"]),
          f"class 13: --json output is ASCII (every control JSON-escaped) ({rc})")
    subj = " ".join(s["subject"] for s in j.get("seal", {}).get("signers", []))
    check(C1 not in subj and BIDI not in subj and "\\u{009B}" in subj,
          f"class 13: the JSON subject shows the control visibly: {subj!r}")
    rep = os.path.join(work, "report13.html")
    rc, out = text("--trust", crt, "--tsa-trust", tsa_ca, "--report", rep, case)
    html = open(rep, "rb").read() if os.path.exists(rep) else b""
    check(html and not raw_controls(html) and (b"[U+009B]" in html or b"\\u{009B}" in html),
          f"class 13: the HTML report shows the controls visibly ({len(html)} bytes, "
          f"{raw_controls(html)[:5]})")
    # a file name with an escape sequence, given on the command line
    evil = os.path.join(work, "x\x1b[2Kverified\u202e.warc.zst")
    shutil.copy(lib.capture_files(case)[0], evil)
    rc, out = text(evil)
    check(not raw_controls(out.replace(b"\r", b"")),
          f"class 13: a file name's controls are escaped too: {out[:300]!r}")


def class14(work, case):
    """Cost: a FIFO named like a capture file is refused at once, never read."""
    d = os.path.join(work, "case14")
    shutil.copytree(case, d)
    fifo = os.path.join(d, "zz-fifo.warc.zst")
    last = lib.capture_files(d)[-1]
    os.remove(last)
    os.mkfifo(last)
    try:
        rc, out = text(d, timeout=60)
        timed_out = False
    except subprocess.TimeoutExpired:
        rc, out, timed_out = None, b"", True
    check(not timed_out and rc not in (0, 3) and b"regular file" in out,
          f"class 14: a FIFO in the case is refused, not waited on ({rc}, timed out: {timed_out}, "
          f"{out[-300:]!r})")
    os.remove(last)
    os.mkfifo(fifo)
    try:
        rc, out = text(fifo, timeout=60)
        timed_out = False
    except subprocess.TimeoutExpired:
        rc, out, timed_out = None, b"", True
    check(not timed_out and rc == 2 and b"regular file" in out,
          f"class 14: a FIFO given as a file is refused ({rc}, timed out: {timed_out}, {out[-200:]!r})")


def gz_member(data, flags=0, extra=b"", name=b"", comment=b""):
    """One gzip member (RFC 1952) holding data, with the optional header fields given."""
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    head = b"\x1f\x8b\x08" + bytes([flags]) + b"\0\0\0\0\0\xff"
    if flags & 4:
        head += len(extra).to_bytes(2, "little") + extra
    if flags & 8:
        head += name + b"\0"
    if flags & 16:
        head += comment + b"\0"
    return head + body + zlib.crc32(data).to_bytes(4, "little") + (len(data) & 0xffffffff).to_bytes(4, "little")


def class6(work, case, anchors):
    """Hidden bytes in .warc.gz: member headers with FEXTRA / FNAME / FCOMMENT are refused."""
    first = lib.capture_files(case)[0]
    recs = zwarc.read(first)
    name = os.path.basename(first)   # the name WARC-Filename says; the reader goes by the magic
    os.makedirs(os.path.join(work, "gz6"), exist_ok=True)
    honest = os.path.join(work, "gz6", name)
    with open(honest, "wb") as f:
        for r in recs:
            f.write(gz_member(r.bytes()))
    rc, j = verify(honest)
    check(rc in (0, 3) and not j["errors"], f"class 6: plain gzip members pass ({rc} {j['errors'][:2]})")
    hidden = b"secret payload outside every record " * 100
    for flag, kw, word in ((4, {"extra": hidden[:3000]}, "FEXTRA"), (8, {"name": hidden}, "FNAME"),
                           (16, {"comment": hidden}, "FCOMMENT")):
        os.makedirs(os.path.join(work, "gz6-" + word), exist_ok=True)
        evil = os.path.join(work, "gz6-" + word, name)
        with open(evil, "wb") as f:
            for i, r in enumerate(recs):
                f.write(gz_member(r.bytes(), flag, **kw) if i == 2 else gz_member(r.bytes()))
        rc, j = verify(evil)
        check(rc == 1 and any(word in e["message"] for e in j["errors"]),
              f"class 6: a member header with {word} -> failed, named ({rc} {j['errors'][:2]})")


def class7(work, seed, tsa, tsa_ca, keygen_cfg):
    """Certificate purpose: a TLS server certificate of the trusted CA does not sign seals."""
    ca = os.path.join(work, "org-ca.crt"), os.path.join(work, "org-ca.key")
    openssl("req", "-new", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", ca[1], "-out", ca[0], "-subj", "/CN=Org Test CA/O=custody tests", "-days", "60",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    kinds = {
        "signer": (["keyUsage=critical,digitalSignature,nonRepudiation",
                    "extendedKeyUsage=1.3.6.1.5.5.7.3.36,emailProtection"], True),
        "tls": (["keyUsage=critical,keyEncipherment", "extendedKeyUsage=serverAuth",
                 "subjectAltName=DNS:www.example.org"], False),
        "tls-ds": (["keyUsage=critical,digitalSignature,keyEncipherment", "extendedKeyUsage=serverAuth,clientAuth"], False),
        "no-ku": ([], False),
    }
    for name, (exts, good) in kinds.items():
        cfg = os.path.join(work, "cfg7-" + name)
        operator_cert(cfg, f"/CN=Purpose {name}/O=custody tests", exts, ca=ca)
        case = os.path.join(work, "case7-" + name)
        crawl(case, seed, tsa, dict(os.environ, XDG_CONFIG_HOME=cfg))
        rc, j = verify("--trust", ca[0], "--tsa-trust", tsa_ca, case)
        if good:
            chain = [s.get("chain", "") for s in j.get("seal", {}).get("signers", [])]
            check(rc == 0 and j["verdict"] == "verified",
                  f"class 7: a signing certificate of the trusted CA verifies ({rc} {j['errors'][:2]})")
            check(chain and "CN=Purpose signer" in chain[0] and "CN=Org Test CA" in chain[0],
                  f"class 7: the signer's chain is shown: {chain}")
            rc, out = text("--trust", ca[0], "--tsa-trust", tsa_ca, case)
            check(b"signer's chain: CN=Purpose signer" in out and b"<- CN=Org Test CA" in out,
                  f"class 7: the text output shows the chain: {out[-600:]!r}")
        else:
            check(rc == 1 and j["verdict"] == "failed" and
                  any("not a certificate for signing" in e["message"] for e in j["errors"]),
                  f"class 7: a {name} certificate of the trusted CA -> failed, named "
                  f"({rc} {j['verdict']} {[e['message'][:160] for e in j['errors'][:2]]})")
    # keygen's certificate and CSR ask for the signing purpose
    d = os.path.join(keygen_cfg, "custody")
    for what, args in (("certificate", ["x509", "-in", os.path.join(d, "operator.crt")]),
                       ("CSR", ["req", "-in", os.path.join(d, "operator.csr")])):
        p = openssl(*args, "-noout", "-text")
        t = p.stdout.decode()
        check("Digital Signature" in t and "Non Repudiation" in t and "E-mail Protection" in t
              and ("1.3.6.1.5.5.7.3.36" in t or "Document Signing" in t),
              f"class 7: keygen's {what} requests keyUsage and extendedKeyUsage for signing: {t[-700:]}")


def class8(work, seed, tsa, tsa_ca, env, anchors):
    """Time: WARC-Date must be W3C-DTF; no record may be dated after the seal covering it."""
    # an unsealed case (no key, no TSA): a WARC-Date that is not a time
    plain = os.path.join(work, "case8-plain")
    p = run("crawl", "-o", plain, seed, env=dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "nokey")))
    check(p.returncode == 0, f"class 8: an unsealed crawl: {p.stderr[-200:]}")
    for bad in ("yesterday, around noon", "2026-02-30T12:00:00Z", "2026-11-30T25:00:00Z", "2026-11-30 12:00:00"):
        d = os.path.join(work, "case8-date-" + re.sub(r"\W", "", bad))
        shutil.copytree(plain, d)
        f = lib.capture_files(d)[0]
        recs = zwarc.read(f)
        r = next(r for r in recs if r.get("WARC-Type") == "response")
        r.set("WARC-Date", bad)
        zwarc.write(f, recs)
        rc, j = verify(d)
        check(rc == 1 and any(e["check"] == "WARC-Date" for e in j["errors"]),
              f"class 8: WARC-Date {bad!r} -> failed ({rc} {j['verdict']} {[e['check'] for e in j['errors'][:3]]})")
    # the capture machine's clock 400 days ahead of the time-stamp authority's
    ahead = os.path.join(work, "case8-ahead")
    p = subprocess.run(["faketime", "-f", "+400d", lib.CUSTODY, "crawl", "-o", ahead, "--tsa", tsa, seed],
                       capture_output=True, text=True, timeout=300,
                       # faketime preloads its library before ASan's runtime (the sanitizer build)
                       env=dict(env, ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                                                   ":verify_asan_link_order=0").lstrip(":")))
    check(p.returncode == 0, f"class 8: a crawl with the clock 400 days ahead: {p.stderr[-300:]}")
    rc, j = verify(*anchors, ahead)
    check(rc == 1 and any(e["check"] == "record time" and "VF_SEAL_TIME_TOLERANCE" in e["message"]
                          for e in j["errors"]),
          f"class 8: records dated 400 days after their seal's trusted time -> failed "
          f"({rc} {j['verdict']} {[e['message'][:200] for e in j['errors'][:2]]})")
    check(any("clock" in n and "VF_SEAL_TIME_TOLERANCE" in n for n in j["not_checked"]),
          f"class 8: the tree heads' time far from the tokens' is reported: {j['not_checked']}")
    # the same clock, the TSA down during the crawl: `custody stamp` adds the trusted time later
    late = os.path.join(work, "case8-stamped")
    p = subprocess.run(["faketime", "-f", "+400d", lib.CUSTODY, "crawl", "-o", late, "--tsa", tsa + "fail", seed],
                       capture_output=True, text=True, timeout=300,
                       env=dict(env, ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                                                   ":verify_asan_link_order=0").lstrip(":")))
    check(p.returncode == 0, f"class 8: a crawl 400 days ahead with the TSA down: {p.stderr[-300:]}")
    p = run("stamp", late, "--tsa", tsa, env=env)
    check(p.returncode == 0, f"class 8: custody stamp: {p.stderr[-300:]}")
    rc, j = verify(*anchors, late)
    check(rc == 1 and any(e["check"] == "record time" and "stamp" in e["message"] for e in j["errors"]),
          f"class 8: records dated 400 days after the stamp that gives their seal its time -> failed "
          f"({rc} {j['verdict']} {[e['message'][:200] for e in j['errors'][:2]]})")
    return ahead


def zip_relist(src, dst, copies):
    """dst: the zip src with its first archive/ entry listed copies more times in the central
    directory (the local header and data once): a 65 534-times listing in small."""
    import struct
    b = open(src, "rb").read()
    e = b.rindex(b"PK\x05\x06")
    n, cd_size, cd_start = struct.unpack("<HII", b[e + 10:e + 20])
    cd = b[cd_start:cd_start + cd_size]
    ents, p = [], 0
    while p < len(cd):
        nl, xl, cl = struct.unpack("<HHH", cd[p + 28:p + 34])
        ents.append(cd[p:p + 46 + nl + xl + cl])
        p += 46 + nl + xl + cl
    target = next(x for x in ents if x[46:].startswith(b"archive/"))
    new_cd = b"".join(ents) + target * copies
    total = n + copies
    eocd = b[e:e + 4] + b[e + 4:e + 8] + struct.pack("<HHII", total, total, len(new_cd), cd_start) + b[e + 20:]
    open(dst, "wb").write(b[:cd_start] + new_cd + eocd)


def class14_zip(work, case):
    """Cost: a WACZ listing one stored entry many times is refused, not read again and again."""
    wacz = os.path.join(work, "case14.wacz")
    r = run("export", case, "--wacz", "-o", wacz)
    check(r.returncode == 0, f"class 14: export --wacz: {r.stderr[-200:]}")
    evil = os.path.join(work, "case14-relisted.wacz")
    zip_relist(wacz, evil, 2000)
    try:
        rc, out = text(evil, timeout=120)
        timed_out = False
    except subprocess.TimeoutExpired:
        rc, out, timed_out = None, b"", True
    check(not timed_out and rc in (1, 2) and (b"more than once" in out or b"overlap" in out),
          f"class 14: a WACZ entry listed 2 000 more times is refused ({rc}, timed out: {timed_out}, "
          f"{out[-300:]!r})")


def class5(work, case, anchors):
    """WACZ: every part a reader uses that is not checked is named; the verdict is about the
    records only. The attack: index.cdxj points a URL at another page's record."""
    import zipfile
    wacz = os.path.join(work, "case5.wacz")
    r = run("export", case, "--wacz", "-o", wacz)
    check(r.returncode == 0, f"class 5: export --wacz: {r.stderr[-200:]}")
    evil = os.path.join(work, "case5-lying-index.wacz")
    with zipfile.ZipFile(wacz) as zin, zipfile.ZipFile(evil, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("index.cdxj"):
                lines = data.decode().splitlines()
                if len(lines) >= 2:   # the first URL's line now points at the second's record
                    a, b = lines[0].split(" {", 1), lines[1].split(" {", 1)
                    lines[0] = a[0] + " {" + b[1]
                data = ("\n".join(lines) + "\n").encode()
            zout.writestr(info, data)
    rc, j = verify(*anchors, evil)
    check(rc == 1 and any(e["check"] == "wacz datapackage" and "index.cdxj" in e["message"]
                          for e in j["errors"]),
          f"class 5: index.cdxj changed, datapackage.json not -> failed ({rc} {[e['message'][:120] for e in j['errors'][:2]]})")
    # the attack: the datapackage hashes recomputed over the lying index
    evil2 = os.path.join(work, "case5-lying-index-rehashed.wacz")
    with zipfile.ZipFile(evil) as zin:
        parts = {i.filename: (i, zin.read(i.filename)) for i in zin.infolist()}
    dp = json.loads(parts["datapackage.json"][1])
    for r in dp["resources"]:
        r["hash"] = "sha256:" + hashlib.sha256(parts[r["path"]][1]).hexdigest()
        r["bytes"] = len(parts[r["path"]][1])
    dpb = json.dumps(dp, indent=2).encode()
    ddb = json.dumps({"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(dpb).hexdigest()}).encode()
    with zipfile.ZipFile(evil2, "w") as zout:
        for name, (info, data) in parts.items():
            zout.writestr(info, dpb if name == "datapackage.json" else ddb if name == "datapackage-digest.json" else data)
    for w in (wacz, evil2):
        rc, j = verify(*anchors, w)
        nc = " ".join(j["not_checked"])
        check(all(part in nc for part in ("index.cdxj", "pages.jsonl", "datapackage.json"))
              and "not about the WACZ as a whole" in nc and j.get("wacz_unchecked", 0) >= 2
              and "datapackage.json and datapackage-digest.json checked" in nc,
              f"class 5: {os.path.basename(w)}: the datapackage is checked, every unchecked part "
              f"named ({rc} {[e['message'][:100] for e in j['errors'][:2]]} {nc[:300]})")
        rc, out = text(*anchors, w)
        check(b"verdict: verified" not in out or b"index and page list are not checked" in out,
              f"class 5: {os.path.basename(w)}: 'verified' never about the WACZ as a whole: {out[-300:]!r}")


def class12(work, case, anchors):
    """Words: intact says what holds; per page whether its time is sealed; the seal covers the
    records' content, not the file's compression."""
    # recompressed at another level: another file SHA-256, the same records
    d = os.path.join(work, "case12-recompressed")
    shutil.copytree(case, d)
    for f in lib.capture_files(d):
        recs = zwarc.read(f)
        with open(f, "wb") as out:
            for r in recs:
                out.write(subprocess.run(["zstd", "-q", "-c", "-1", "--check"], input=r.bytes(),
                                         capture_output=True).stdout)
    rep = os.path.join(work, "report12.html")
    rc, out = text(*anchors, "--report", rep, d)
    html = open(rep, encoding="utf-8").read() if os.path.exists(rep) else ""
    check(rc == 0 and b"not the file's compression" in out and "not the file's compression" in html,
          f"class 12: recompressed files verify, and the words say the seal covers content, not "
          f"compression ({rc}, {out[-300:]!r})")
    # intact: anchors not given -> no claim that every byte is what was captured
    rc, out = text(d)
    check(rc == 3 and b"nothing proves they were not rewritten" in out and b"Every byte" not in out,
          f"class 12: intact says the records agree with their digests and nothing more ({rc} {out[-300:]!r})")
    rep = os.path.join(work, "report12-intact.html")
    text("--report", rep, d)
    html = open(rep, encoding="utf-8").read() if os.path.exists(rep) else ""
    check("nothing proves they were not rewritten" in html and "Every byte is what was captured" not in html,
          "class 12: the intact report says what holds")
    # a response after the closing seal: its time is not sealed
    d = os.path.join(work, "case12-tail")
    shutil.copytree(case, d)
    f = lib.capture_files(d)[-1]
    recs = zwarc.read(f)
    resp = [r for f0 in lib.capture_files(d) for r in zwarc.read(f0) if r.get("WARC-Type") == "response"]
    extra = zwarc.copy_rec(resp[0])
    extra.set("WARC-Record-ID", "<urn:uuid:12121212-1212-4212-8212-121212121212>")
    extra.set("WARC-Target-URI", "http://127.0.0.1/appended-after-the-last-seal.html")
    recs.append(extra)
    zwarc.write(f, recs)
    rep = os.path.join(work, "report12-tail.html")
    rc, out = text(*anchors, "--report", rep, d)
    html = open(rep, encoding="utf-8").read() if os.path.exists(rep) else ""
    sec = html[html.find("appended-after-the-last-seal") - 2000:html.find("appended-after-the-last-seal") + 800]
    check(rc != 0 and "NOT sealed" in sec and "a verified seal covers this record" in html,
          f"class 12: a page after the last seal is labelled not sealed, the others sealed ({rc})")


def merkle_root(hs):
    if len(hs) == 1:
        return hs[0]
    k = 1
    while k * 2 < len(hs):
        k *= 2
    return hashlib.sha256(b"\x01" + merkle_root(hs[:k]) + merkle_root(hs[k:])).digest()


def class15(work, case, crt, tsa_ca):
    """The stock-openssl recipe in the README recomputes block digests and leaves and compares
    with the signed tree-head text: it reports every tampered case below."""
    readme = open(os.environ.get("THREATS_README") or os.path.join(lib.TOP, "README.md")).read()
    m = re.search(r"<!-- seal-recipe:begin -->\n```sh\n(.*?)```\n<!-- seal-recipe:end -->", readme, re.S)
    check(m is not None, "class 15: README has the seal recipe")
    if not m:
        return

    def recipe(name, edit):
        d = os.path.join(work, "recipe15-" + name)
        os.makedirs(d)
        shutil.copytree(case, os.path.join(d, "case1"))
        shutil.copy(crt, os.path.join(d, "operator.crt"))
        shutil.copy(tsa_ca, os.path.join(d, "tsa-ca.pem"))
        if edit:
            edit(os.path.join(d, "case1"))
        p = subprocess.run(["sh", "-e", "-c", m.group(1)], cwd=d, capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    rc, out = recipe("honest", None)
    check(rc == 0 and "DIFFERS" not in out and "CMS Verification successful" in out,
          f"class 15: the recipe passes the honest case ({rc} {out[-300:]})")

    def body(d, fix_digest, fix_json_root):
        f = lib.capture_files(d)[0]
        recs = zwarc.read(f)
        k = next(i for i, r in enumerate(recs) if r.get("WARC-Type") == "response" and len(r.block) > 200)
        b = bytearray(recs[k].block)
        b[-5] ^= 0x01
        recs[k].block = bytes(b)
        recs[k].frame = None
        if fix_digest:
            recs[k].set("WARC-Payload-Digest", None)
            recs[k].fix()
        if fix_json_root:   # the next seal's unsigned JSON root rewritten to the new tree's
            leaves = []
            for f0 in lib.capture_files(d):
                for i, r in enumerate(recs if f0 == f else zwarc.read(f0)):
                    if r.get("Content-Type") == "application/vnd.custody.sth" and (f0 != f or i > k):
                        j = json.loads(r.block)
                        j["root"] = merkle_root(leaves).hex()
                        r.block = json.dumps(j).encode()
                        r.fix()
                        break
                    leaves.append(hashlib.sha256(b"\x00" + r.head).digest())
                else:
                    continue
                break
        zwarc.write(f, recs)

    for name, fd, fj in (("body", False, False), ("body+digest", True, False),
                         ("body+digest+json-root", True, True)):
        rc, out = recipe(name, lambda d: body(d, fd, fj))
        check(rc != 0 and "DIFFERS" in out and "CMS Verification successful" not in out,
              f"class 15: the recipe reports a {name} edit ({rc} {out[-300:]})")

    def drop(d):   # a record removed from the middle
        f = lib.capture_files(d)[0]
        recs = zwarc.read(f)
        del recs[len(recs) // 2]
        zwarc.write(f, recs)
    rc, out = recipe("removed", drop)
    check(rc != 0 and "DIFFERS" in out, f"class 15: the recipe reports a removed record ({rc} {out[-200:]})")


def class14_ids(work):
    """Cost: record ids of 120 KB are refused and shown cut, not copied into every failure."""
    def rec(wtype, rid, block, extra=b""):
        head = (b"WARC/1.1\r\nWARC-Type: " + wtype + b"\r\nWARC-Record-ID: <" + rid + b">\r\n"
                b"WARC-Date: 2026-11-25T17:06:23Z\r\n" + extra + b"Content-Type: text/plain\r\n"
                b"WARC-Block-Digest: sha256:" + b"0" * 64 + b"\r\nContent-Length: " +
                str(len(block)).encode() + b"\r\n\r\n")
        return head + block + b"\r\n\r\n"
    path = os.path.join(work, "long-ids.warc")
    with open(path, "wb") as f:
        f.write(rec(b"warcinfo", b"urn:uuid:" + b"a" * 100, b"software: x\r\n"))
        for i in range(6):
            rid = b"urn:x:" + bytes([97 + i]) * 120000
            f.write(rec(b"resource", rid, b"hello", b"WARC-Target-URI: http://x/\r\nWARC-Refers-To: <" + rid + b"9>\r\n"))
    rc, out = text(path, timeout=120)
    check(rc == 1 and b"VF_MAX_RECORD_ID" in out and len(out) < 200000,
          f"class 14: 120 KB record ids fail, named, and the output stays small ({rc}, {len(out)} bytes)")


def main():
    work = lib.tmpdir("custody-threats-")
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "config"))
    _, web_port = lib.start_http_server(SITE)
    seed = f"http://127.0.0.1:{web_port}/index.html"
    tsa_dir = os.path.join(work, "tsa")
    _, tsa_port = start_tsa(tsa_dir)
    tsa = f"http://127.0.0.1:{tsa_port}/"
    tsa_ca = os.path.join(tsa_dir, "tsa-ca.pem")
    p = run("keygen", "--subject", "/CN=Threats Operator/O=custody tests", "--days", "30", env=env)
    crt = os.path.join(work, "config", "custody", "operator.crt")
    check(p.returncode == 0, f"keygen: {p.stderr}")
    anchors = ("--trust", crt, "--tsa-trust", tsa_ca)
    case = os.path.join(work, "case")
    crawl(case, seed, tsa, env)
    rc, j = verify(*anchors, case)
    check(rc == 0 and j["verdict"] == "verified", f"the honest case verifies: {rc} {j['errors'][:3]}")

    if want(13):
        class13(work, seed, tsa, tsa_ca)
    if want(7):
        class7(work, seed, tsa, tsa_ca, os.path.join(work, "config"))
    if want(8):
        class8(work, seed, tsa, tsa_ca, env, anchors)
        rc, j = verify(*anchors, case)
        w = j.get("seal", {}).get("window", "")
        check(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", w),
              f"class 8: the trusted capture window is shown: {w!r}")
        rc, out = text(*anchors, case)
        check(b"trusted capture window: " in out, f"class 8: the text output shows the window")
    if want(5):
        class5(work, case, anchors)
    if want(12):
        class12(work, case, anchors)
    if want(15):
        class15(work, case, crt, tsa_ca)
    if want(6):
        class6(work, case, anchors)
    if want(14):
        class14(work, case)
        class14_zip(work, case)
        class14_ids(work)
    T.finish()


if __name__ == "__main__":
    main()
