#!/usr/bin/env python3
"""test_tamper.py — the tamper suite: a real, signed and stamped case of the sample site
(samples/site served on 127.0.0.1, crawled by bin/custody into rotated files with a key
from `custody keygen` and the test TSA of servers/tsa.py, sealed every 10 records), then one
tampered copy per attack, verified with --trust and --tsa-trust. Each must give `failed`
(exit 1) naming the right check, never a crash:

  flipped body byte                       block digest
  flipped body byte, block digest redone  payload digest
  a page removed (response + findings)    references
  header field edited (WARC-Date, WARC-Target-URI)   seal root (only a seal binds them)
  two records swapped                     seal root (only a seal orders them)
  a record appended after the last seal   unsealed tail: never verified
  another --trust certificate             seal signature
  file truncated mid-frame                zstd frame
  corrupted zstd frame                    zstd frame
  changed findings offset (digest redone) findings
  skippable frame inserted                zstd frame
  frame without checksum                  zstd frame
  duplicate digest field                  unique fields
  CR/LF between records (plain WARC)      warc framing
  renumbered files (one deleted)          case identity / file sequence
  random bytes                            exit 1 or 2

The clean case gives `verified` with the anchors and `intact` without them. The attacks only
a seal can catch expect `failed` when the case holds seal records (they say "waiting for
sealing" on a build that writes none).
Frames are found by parsing the zstd frame format (RFC 8878), records re-compressed with
the stock `zstd` CLI. Last line: "N passed, N failed".
"""
import os, random, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

T = lib.Tally("tamper")
SITE = os.path.join(lib.TOP, "samples", "site")


def zc(plain, *opts):
    return subprocess.run(["zstd", "-q", "-c", *opts], input=plain, capture_output=True,
                          check=True).stdout


def zd(frame):
    return subprocess.run(["zstd", "-q", "-d", "-c"], input=frame, capture_output=True,
                          check=True).stdout


class Case:
    """A copy of the clean case; records of one file as (offset, length, plain)."""

    def __init__(self, src, dst):
        shutil.copytree(src, dst)
        self.dir = dst
        self.files = sorted(f for f in os.listdir(dst) if f.startswith("capture-"))

    def path(self, i):
        return os.path.join(self.dir, self.files[i])

    def records(self, i):
        data = open(self.path(i), "rb").read()
        return [(o, n, zd(data[o:o + n])) for o, n in lib.zframes(data)]

    def rewrite(self, i, frames):
        with open(self.path(i), "wb") as f:
            f.write(b"".join(frames))

    def frames(self, i):
        data = open(self.path(i), "rb").read()
        return [data[o:o + n] for o, n in lib.zframes(data)]


def header(plain):
    h, _, rest = plain.partition(b"\r\n\r\n")
    return h, rest


def field(plain, name):
    h, _ = header(plain)
    for line in h.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower().encode():
            return v.strip().decode()
    return None


def set_field(plain, name, value):
    h, rest = header(plain)
    lines = [ln if ln.split(b":", 1)[0].strip().lower() != name.lower().encode()
             else name.encode() + b": " + value.encode() for ln in h.split(b"\r\n")]
    return b"\r\n".join(lines) + b"\r\n\r\n" + rest


def block_of(plain):
    h, rest = header(plain)
    n = int(field(plain, "Content-Length"))
    return rest[:n]


def with_block(plain, block, redo_payload=False):
    """Replace the block, fix Content-Length and the block digest (and payload digest)."""
    h, _ = header(plain)
    out = h + b"\r\n\r\n" + block + b"\r\n\r\n"
    out = set_field(out, "Content-Length", str(len(block)))
    out = set_field(out, "WARC-Block-Digest", lib.sha256(block))
    if redo_payload and field(out, "WARC-Payload-Digest"):
        _, body = lib.http_split(block)
        out = set_field(out, "WARC-Payload-Digest", lib.sha256(body))
    return out


ANCHORS = []  # --trust CERT --tsa-trust CA once the key and the TSA exist


def run(*args, anchors=True):
    p = subprocess.run([lib.CUSTODY_VERIFY, *(ANCHORS if anchors else []), *args],
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def expect_failed(what, case_dir, check, sealed_only=False, sealed=False):
    rc, out = run(case_dir)
    if sealed_only and not sealed:
        print(f"wait  {what}: only a seal catches this; the case is not sealed "
              f"(exit {rc}) — waiting for sealing")
        return
    ok = rc == 1 and any(l.startswith("FAILED") and f": {check}: " in l for l in out.splitlines())
    T.check(ok, f"{what}: expected exit 1 naming '{check}', got exit {rc}\n{out[:1500]}")
    if ok:
        print(f"ok    {what} -> failed ({check})")


def find(recs, pred):
    for i, (o, n, p) in enumerate(recs):
        if pred(p):
            return i
    raise LookupError("no such record")


def is_type(p, t, ct=None):
    return field(p, "WARC-Type") == t and (ct is None or (field(p, "Content-Type") or "").startswith(ct))


def main():
    if not os.access(lib.CUSTODY, os.X_OK) or not os.access(lib.CUSTODY_VERIFY, os.X_OK):
        print(f"skip: {lib.CUSTODY} or {lib.CUSTODY_VERIFY} not built")
        T.finish()
    tmp = lib.tmpdir("custody-tamper-")
    _, port = lib.start_http_server(SITE)
    # the signing key and a test TSA on 127.0.0.1 (servers/tsa.py, its CA made on the spot)
    key = os.path.join(tmp, "operator")
    lib.custody("keygen", "-o", key, "--subject", "/CN=Tamper Test/O=custody tests")
    tsa_dir = os.path.join(tmp, "tsa")
    tp = subprocess.Popen([sys.executable, os.path.join(lib.HERE, "servers", "tsa.py"), "--dir",
                           tsa_dir], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    lib._procs.append(tp)
    tsa_port = int(tp.stdout.readline().split()[-1])
    lib.wait_port(tsa_port)
    ANCHORS[:] = ["--trust", key + ".crt", "--tsa-trust", os.path.join(tsa_dir, "tsa-ca.pem")]
    clean = os.path.join(tmp, "clean")
    p = lib.custody("crawl", "-o", clean, "--max-file-size", "12000", "--key", key + ".key",
                    "--cert", key + ".crt", "--tsa", f"http://127.0.0.1:{tsa_port}/",
                    "--seal-every", "10", f"http://127.0.0.1:{port}/")
    if not T.check(p.returncode in (0, 1) and lib.capture_files(clean),
                   f"crawl of the sample site: exit {p.returncode} {p.stderr[-500:]}"):
        T.finish()
    files = lib.capture_files(clean)
    T.check(len(files) >= 3, f"the case spans at least 3 files ({len(files)})")
    sealed = any((r.get("Content-Type") or "").startswith("application/vnd.custody.sth")
                 for r in lib.case_records(clean))
    rc, out = run(clean)
    if sealed:
        T.check(rc == 0 and " verified: signed by " in out.splitlines()[0]
                and "existed no later than" in out.splitlines()[0],
                f"clean signed case with anchors: verified, exit 0, who and when on the first "
                f"line (got {rc})\n{out[:1500]}")
    rc, out = run(clean, anchors=False)
    T.check(rc == 3 and " intact" in out.splitlines()[0]
            and out.splitlines()[0].endswith("; 0 failures"),
            f"clean case without anchors: intact, exit 3 (got {rc})\n{out[:1500]}")
    # each file alone: rotation splits pages across files, so some targets lie outside the
    # files given; that is said, and is not a failure of the evidence
    for f in files:
        rc, out = run(f, anchors=False)
        T.check(rc == 3 and "FAILED" not in out, f"{os.path.basename(f)} alone: intact "
                f"(exit {rc})\n{out[:1200]}")
    rc, out = run(*files, anchors=False)
    T.check(rc == 3 and "outside" not in out, f"all files given one by one: intact, nothing "
            f"outside (exit {rc})\n{out[:1200]}")
    n = [0]

    def copy():
        n[0] += 1
        return Case(clean, os.path.join(tmp, f"t{n[0]}"))

    # the file holding the first doxing page (a findings record) and its response
    def doxing_file(c):
        for i in range(len(c.files)):
            recs = c.records(i)
            for j, (o, ln, pl) in enumerate(recs):
                if is_type(pl, "metadata", "application/vnd.custody.findings+json"):
                    target = field(pl, "WARC-Refers-To")
                    for k, (_, _, rp) in enumerate(recs):
                        if field(rp, "WARC-Record-ID") == target and is_type(rp, "response"):
                            return i, recs, k, j
        raise LookupError("no findings record next to its response")

    # 1. flipped body byte
    c = copy()
    i, recs, k, j = doxing_file(c)
    fr = c.frames(i)
    pl = recs[k][2]
    pos = len(pl) - 40
    fr[k] = zc(pl[:pos] + bytes([pl[pos] ^ 1]) + pl[pos + 1:])
    c.rewrite(i, fr)
    expect_failed("flipped body byte", c.dir, "block digest")

    # 2. flipped body byte, block digest recomputed: the payload digest still differs
    c = copy()
    i, recs, k, j = doxing_file(c)
    fr = c.frames(i)
    blk = bytearray(block_of(recs[k][2]))
    blk[-10] ^= 1
    fr[k] = zc(with_block(recs[k][2], bytes(blk)))
    c.rewrite(i, fr)
    expect_failed("flipped body byte, block digest recomputed", c.dir, "payload digest")

    # 2b. flipped byte inside a finding, both digests recomputed: the findings check catches it
    c = copy()
    i, recs, k, j = doxing_file(c)
    import json
    body = json.loads(block_of(recs[j][2]))
    f0 = body["findings"][0]
    _, resp_body = lib.http_split(block_of(recs[k][2]))
    blk = bytearray(block_of(recs[k][2]))
    at = len(blk) - len(resp_body) + f0["start"]
    if field(recs[k][2], "WARC-Payload-Digest") and lib.http_split(block_of(recs[k][2]))[0].lower().find(b"content-encoding") < 0 \
            and lib.http_split(block_of(recs[k][2]))[0].lower().find(b"chunked") < 0:
        blk[at] ^= 1
        fr = c.frames(i)
        fr[k] = zc(with_block(recs[k][2], bytes(blk), redo_payload=True))
        c.rewrite(i, fr)
        expect_failed("finding's bytes changed, both digests recomputed", c.dir, "findings")
    else:
        print("skip  finding's bytes changed: the page is content-coded")

    # 3. a page removed: its response and findings records
    c = copy()
    i, recs, k, j = doxing_file(c)
    fr = [f for x, f in enumerate(c.frames(i)) if x not in (k, j)]
    c.rewrite(i, fr)
    expect_failed("a doxing page removed (response and findings)", c.dir, "references")

    # 4. WARC-Date edited (same length)
    c = copy()
    i, recs, k, j = doxing_file(c)
    fr = c.frames(i)
    d = field(recs[k][2], "WARC-Date")
    fr[k] = zc(set_field(recs[k][2], "WARC-Date", "2020" + d[4:]))
    c.rewrite(i, fr)
    expect_failed("WARC-Date edited", c.dir, "seal root", sealed_only=True, sealed=sealed)

    # 5. two records swapped (two whole pages' request records)
    c = copy()
    recs = c.records(1)
    fr = c.frames(1)
    a = find(recs, lambda p: is_type(p, "request"))
    b = find(recs[a + 1:], lambda p: is_type(p, "request")) + a + 1
    fr[a], fr[b] = fr[b], fr[a]
    c.rewrite(1, fr)
    expect_failed("two records swapped", c.dir, "seal root", sealed_only=True, sealed=sealed)

    # 5b. WARC-Target-URI edited (same length)
    c = copy()
    i, recs, k, j = doxing_file(c)
    fr = c.frames(i)
    u = field(recs[k][2], "WARC-Target-URI")
    fr[k] = zc(set_field(recs[k][2], "WARC-Target-URI", u[:-1] + ("x" if u[-1] != "x" else "y")))
    c.rewrite(i, fr)
    expect_failed("WARC-Target-URI edited", c.dir, "seal root", sealed_only=True, sealed=sealed)

    # 5c. a record appended after the last seal: an unsealed tail is never verified
    c = copy()
    last = len(c.files) - 1
    recs = c.records(last)
    fr = c.frames(last)
    extra = find(recs, lambda p: is_type(p, "request"))
    plain = recs[extra][2].replace(field(recs[extra][2], "WARC-Record-ID").encode(),
                                   b"<urn:uuid:0badf00d-0000-4000-8000-000000000000>")
    c.rewrite(last, fr + [zc(plain)])
    rc, out = run(c.dir)
    if sealed:
        T.check(rc != 0 and "verified" not in out.splitlines()[0] and "unsealed" in out,
                f"a record appended after the last seal: not verified, the tail is named "
                f"(exit {rc})\n{out[:1200]}")
        print(f"ok    record appended after the last seal -> exit {rc}, unsealed tail named")
    else:
        print("wait  record appended after the last seal: the case is not sealed")

    # 5d. another --trust certificate
    if sealed:
        other = os.path.join(tmp, "other")
        lib.custody("keygen", "-o", other, "--subject", "/CN=Someone Else")
        p = subprocess.run([lib.CUSTODY_VERIFY, "--trust", other + ".crt", "--tsa-trust",
                            ANCHORS[3], clean], capture_output=True, text=True, timeout=300)
        T.check(p.returncode == 1 and ": seal signature: " in p.stdout,
                f"--trust another certificate: failed (seal signature), exit {p.returncode}\n"
                f"{p.stdout[:1200]}")

    # 6. truncated mid-frame
    c = copy()
    recs = c.records(0)
    o, ln, _ = recs[-1]
    with open(c.path(0), "r+b") as fh:
        fh.truncate(o + ln // 2)
    expect_failed("file truncated mid-frame", c.dir, "zstd frame")

    # 7. corrupted zstd frame (a byte in the middle of a compressed frame)
    c = copy()
    recs = c.records(0)
    o, ln, _ = recs[2]
    data = bytearray(open(c.path(0), "rb").read())
    data[o + ln // 2] ^= 0x55
    open(c.path(0), "wb").write(bytes(data))
    expect_failed("corrupted zstd frame", c.dir, "zstd frame")

    # 8. changed findings offset (the findings record's block digest recomputed)
    c = copy()
    i, recs, k, j = doxing_file(c)
    body = json.loads(block_of(recs[j][2]))
    body["findings"][0]["start"] += 1
    body["findings"][0]["end"] += 1
    fr = c.frames(i)
    fr[j] = zc(with_block(recs[j][2], json.dumps(body, ensure_ascii=False).encode()))
    c.rewrite(i, fr)
    expect_failed("changed findings offset", c.dir, "findings")

    # 9. skippable frame inserted between records
    c = copy()
    fr = c.frames(0)
    fr.insert(2, (0x184D2A50).to_bytes(4, "little") + (16).to_bytes(4, "little") + b"hidden evidence!")
    c.rewrite(0, fr)
    expect_failed("skippable frame inserted", c.dir, "zstd frame")

    # 10. a frame without its checksum
    c = copy()
    recs = c.records(0)
    fr = c.frames(0)
    fr[1] = zc(recs[1][2], "--no-check")
    c.rewrite(0, fr)
    expect_failed("frame without a checksum", c.dir, "zstd frame")

    # 11. a second, contradicting WARC-Block-Digest
    c = copy()
    i, recs, k, j = doxing_file(c)
    fr = c.frames(i)
    h, rest = header(recs[k][2])
    fr[k] = zc(h + b"\r\nWARC-Block-Digest: sha256:" + b"0" * 64 + b"\r\n\r\n" + rest)
    c.rewrite(i, fr)
    expect_failed("duplicate digest field", c.dir, "unique fields")

    # 12. CR/LF between the records of a plain WARC renamed .warc.zst
    c = copy()
    recs = c.records(0)
    open(c.path(0), "wb").write(b"\r\n".join(p for _, _, p in recs))
    expect_failed("plain WARC with CR/LF between records, renamed .warc.zst", c.dir, "zstd frame")
    plain = os.path.join(tmp, "crlf.warc")
    open(plain, "wb").write(b"\r\n".join(p for _, _, p in recs))
    rc, out = run(plain)
    T.check(rc == 1 and ": warc framing: " in out and "stray CR/LF" in out,
            f"plain WARC with CR/LF between records: exit {rc}\n{out[:800]}")

    # 13. renumbered files: one removed, the later ones renamed down
    c = copy()
    os.remove(c.path(1))
    for x in range(2, len(c.files)):
        os.rename(c.path(x), c.path(x - 1))
    expect_failed("renumbered files", c.dir, "case identity")

    # 14. random bytes
    rnd = random.Random(9)
    junk = os.path.join(tmp, "junk.warc.zst")
    bad = []
    for x in range(20):
        open(junk, "wb").write(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 4000))))
        rc, out = run(junk)
        if rc not in (1, 2) or "Sanitizer" in out or "runtime error" in out:
            bad.append(f"exit {rc}: {out[-300:]}")
    T.check(not bad, "random bytes: exit 1 or 2\n" + "\n".join(bad[:3]))
    T.finish()


if __name__ == "__main__":
    main()
