#!/usr/bin/env python3
"""End-to-end: custody-verify against hand-built cases and tampered copies.

Cases are built here, independently of custody's writer: each WARC/1.1 record is
compressed on its own by the stock `zstd` CLI and the frames are concatenated (the
IIPC one-frame-per-record layout). A case holds warcinfo, request, a chunked and
gzip-coded response, and a findings metadata record whose offsets and sha256 refer to
the decoded payload. Then:
  - clean case -> `intact`, exit 3, says what was not checked; --json shape; -q;
  - one byte flipped inside the response body (frame decompressed, flipped,
    recompressed, spliced back) -> exit 1 naming the record and "block digest";
  - an HTTP header value changed -> exit 1; Content-Length changed -> exit 1;
  - the file truncated mid-frame -> exit 1 ("zstd frame");
  - a missing file -> exit 2 with "cannot open X: No such file or directory";
  - a findings hash or range that does not match the payload -> exit 1 ("findings");
  - no warcinfo first, a gap in the capture numbering -> exit 1;
  - --report writes self-contained HTML with archive text escaped;
  - plain .warc (zstd -d of the case file) -> intact.
When `$CUSTODY crawl` works, a python http.server on 127.0.0.1 is crawled into a case
and verified too (skipped with a message until then).
Last line: "N passed, N failed"; exit 1 on failure.
"""
import functools, gzip, hashlib, http.server, json, os, random, shutil, subprocess, sys, tempfile
import threading

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CUSTODY = os.environ.get("CUSTODY", os.path.join(TOP, "bin", "custody"))
VERIFY = os.environ.get("CUSTODY_VERIFY", os.path.join(TOP, "bin", "custody-verify"))

passed = failed = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok    {what}")
    else:
        failed += 1
        print(f"FAIL  {what}")
        if detail:
            print("      " + detail.replace("\n", "\n      ")[:3000])
    return cond


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def zstd_compress(data):
    return subprocess.run(["zstd", "-q", "-c", "--no-progress"], input=data,
                          capture_output=True, check=True).stdout


def zstd_decompress(data):
    return subprocess.run(["zstd", "-q", "-d", "-c"], input=data, capture_output=True,
                          check=True).stdout


def record(wtype, rid, block, content_type, extra=(), payload=None):
    """A WARC/1.1 record with a correct block digest (and payload digest if given)."""
    fields = [("WARC-Type", wtype), ("WARC-Record-ID", f"<{rid}>"),
              ("WARC-Date", "2026-11-25T17:06:23.123456Z")]
    fields += list(extra)
    fields += [("Content-Type", content_type), ("WARC-Block-Digest", sha256(block))]
    if payload is not None:
        fields.append(("WARC-Payload-Digest", sha256(payload)))
    fields.append(("Content-Length", str(len(block))))
    head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


PAGE = ("<html><body><h1>人肉 dox</h1><p>电话 13800138000, "
        "mail zhang.san@example.com</p></body></html>").encode("utf-8")
RESP_ID = "urn:uuid:11111111-1111-4111-8111-111111111111"
URL = "http://127.0.0.1:9/<script>alert(1)</script>"


def chunked(data, size=17):
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += b"%x;ext=1\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\nX-Trailer: yes\r\n\r\n"


def findings_body(target, payload, spans, tamper=None):
    items = []
    for typ, text in spans:
        raw = text.encode("utf-8")
        start = payload.index(raw)
        end = start + len(raw)
        items.append({"type": typ, "value": text, "text": text, "start": start, "end": end,
                      "sha256": sha256(payload[start:end]), "xpath": "/html/body/p",
                      "context": "电话 13800138000, mail <b>" + text, "score": 0.9})
    if tamper:
        tamper(items)
    return json.dumps({"target": f"<{target}>", "verdict": {"doxing": True, "score": 0.95},
                       "findings": items}, ensure_ascii=False).encode("utf-8")


def build_records(tamper_findings=None, first_type="warcinfo", revisit_of=RESP_ID):
    """The records of a small case, as (name, bytes)."""
    gz = gzip.compress(PAGE, mtime=0)
    http_resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                 b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(gz))
    http_req = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:9\r\nUser-Agent: custody-test\r\n\r\n"
    info = b"software: test_verify.py\r\nformat: WARC File Format 1.1\r\n"
    recs = [
        ("warcinfo", record(first_type, "urn:uuid:00000000-0000-4000-8000-000000000000", info,
                            "application/warc-fields")),
        ("request", record("request", "urn:uuid:22222222-2222-4222-8222-222222222222", http_req,
                           "application/http; msgtype=request", [("WARC-Target-URI", URL)],
                           payload=b"")),
        ("response", record("response", RESP_ID, http_resp, "application/http; msgtype=response",
                            [("WARC-Target-URI", URL), ("WARC-IP-Address", "127.0.0.1")],
                            payload=gz)),
        ("findings", record("metadata", "urn:uuid:33333333-3333-4333-8333-333333333333",
                            findings_body(RESP_ID, PAGE, [("cn_mobile", "13800138000"),
                                                          ("email", "zhang.san@example.com")],
                                          tamper_findings),
                            "application/vnd.custody.findings+json",
                            [("WARC-Refers-To", f"<{RESP_ID}>")])),
        # custody's self-contained revisit: the whole response again
        ("revisit", record("revisit", "urn:uuid:44444444-4444-4444-8444-444444444444", http_resp,
                           "application/http; msgtype=response",
                           [("WARC-Target-URI", URL + "?again"),
                            ("WARC-Profile",
                             "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"),
                            ("WARC-Refers-To", f"<{revisit_of}>")], payload=gz)),
    ]
    return recs


def write_case(dirpath, recs, name="capture-00000.warc.zst"):
    """Compress each record alone, concatenate; return [(name, offset, length, plain)]."""
    os.makedirs(dirpath, exist_ok=True)
    layout, blob = [], b""
    for rname, plain in recs:
        fr = zstd_compress(plain)
        layout.append((rname, len(blob), len(fr), plain))
        blob += fr
    with open(os.path.join(dirpath, name), "wb") as f:
        f.write(blob)
    return layout


def verify(*args):
    p = subprocess.run([VERIFY, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def splice(path, layout, rname, change):
    """Decompress one frame, change its plain bytes, recompress that frame only, splice back."""
    data = open(path, "rb").read()
    for name, off, length, plain in layout:
        if name == rname:
            new = zstd_compress(change(plain))
            open(path, "wb").write(data[:off] + new + data[off + length:])
            return
    raise KeyError(rname)


def crawl_part(tmp):
    """A real crawl of a python http.server into a case, then verify it."""
    if not os.access(CUSTODY, os.X_OK):
        print(f"skip  crawl part: {CUSTODY} not built")
        return
    site = os.path.join(tmp, "site")
    os.makedirs(site)
    with open(os.path.join(site, "index.html"), "wb") as f:
        f.write(b"<html><body><a href='p.html'>p</a></body></html>")
    with open(os.path.join(site, "p.html"), "wb") as f:
        f.write(PAGE)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                          functools.partial(Quiet, directory=site))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        case = os.path.join(tmp, "crawled")
        p = subprocess.run([CUSTODY, "crawl", "-o", case,
                            f"http://127.0.0.1:{srv.server_address[1]}/"],
                           capture_output=True, text=True, timeout=120)
        caps = sorted(f for f in os.listdir(case) if f.endswith(".warc.zst")) \
            if os.path.isdir(case) else []
        if p.returncode != 0 or not caps:
            print(f"skip  crawl part: `custody crawl` does not work yet (exit {p.returncode}: "
                  f"{(p.stderr or p.stdout).strip()[:200]})")
            return
        rc, out, err = verify(case)
        check(rc == 3 and "intact" in out, "crawled case verifies intact (exit 3)",
              f"exit {rc}\n{out}{err}")
        rc, out, err = verify("--json", case)
        try:
            j = json.loads(out)
        except ValueError:
            j = {}
        check(j.get("verdict") == "intact" and j.get("records", 0) >= 3 and j.get("errors") == [],
              "crawled case --json", out + err)
        # flip one byte inside the first response body of the crawled case
        path = os.path.join(case, caps[0])
        data = open(path, "rb").read()
        rc2 = None
        off = 0
        while off < len(data):
            fsize = frame_size(data, off)
            plain = zstd_decompress(data[off:off + fsize])
            if b"WARC-Type: response" in plain and PAGE[:20] in plain:
                i = plain.index(PAGE[:20]) + 5
                bad = plain[:i] + bytes([plain[i] ^ 1]) + plain[i + 1:]
                open(path, "wb").write(data[:off] + zstd_compress(bad) + data[off + fsize:])
                rc2, out, err = verify(case)
                break
            off += fsize
        check(rc2 == 1 and "block digest" in out, "crawled case: flipped body byte -> failed",
              f"exit {rc2}\n{out}")
    finally:
        srv.shutdown()
        srv.server_close()


def frame_size(data, off):
    """Compressed size of the zstd frame at off (for cases this script did not build):
    the shortest prefix ending at a later frame magic that decompresses on its own."""
    magic = b"\x28\xb5\x2f\xfd"
    nxt = data.find(magic, off + 4)
    while nxt != -1:
        try:
            zstd_decompress(data[off:nxt])
            return nxt - off
        except subprocess.CalledProcessError:
            nxt = data.find(magic, nxt + 1)
    return len(data) - off


def main():
    tmp = tempfile.mkdtemp(prefix="custody-verify-test.")
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def fresh(tmp, name, **kw):
    case = os.path.join(tmp, name)
    layout = write_case(case, build_records(**kw))
    return case, os.path.join(case, "capture-00000.warc.zst"), layout


def run(tmp):
    if not check(os.access(VERIFY, os.X_OK), f"{VERIFY} is built"):
        return

    # --- clean case
    case, path, layout = fresh(tmp, "clean")
    rc, out, err = verify(case)
    check(rc == 3, "clean case: exit 3", f"exit {rc}\n{out}{err}")
    check("verdict: intact" in out, "clean case: verdict intact", out)
    check("not checked: no seal" in out and "--tsa-trust had nothing to check" in out,
          "clean case: says what was not checked", out)
    check("5 records" in out and "findings: 2 fragments checked" in out,
          "clean case: per-file summary and findings count", out)
    rc, out, err = verify(path)
    check(rc == 3, "single file: exit 3", out + err)
    rc, out, err = verify("-q", case)
    check(rc == 3 and out.strip() == "intact", "-q prints only the verdict", out)

    rc, out, err = verify("--json", case)
    try:
        j = json.loads(out)
    except ValueError:
        j = None
    check(j is not None and out.count("\n") == 1, "--json prints exactly one object", out)
    j = j or {}
    check(j.get("verdict") == "intact" and j.get("records") == 5 and j.get("sealed") == 0
          and j.get("errors") == [] and isinstance(j.get("not_checked"), list)
          and j.get("findings_checked") == 2, "--json shape on a clean case", out)

    # --- report (escapes archive text)
    rep = os.path.join(tmp, "report.html")
    rc, out, err = verify("--report", rep, case)
    html = open(rep, encoding="utf-8").read() if os.path.exists(rep) else ""
    check(rc == 3 and "<script>alert" not in html and "&lt;script&gt;alert(1)" in html,
          "--report: written, archive text escaped", html[:500])
    check("<mark>zhang.san@example.com</mark>" in html and "13800138000" in html,
          "--report: findings highlighted in context")
    check("http" not in html.split("<body>")[0].replace("http-equiv", ""),
          "--report: self-contained (nothing loaded from elsewhere)")

    # --- plain WARC
    plain = os.path.join(tmp, "plain.warc")
    with open(plain, "wb") as f:
        f.write(zstd_decompress(open(path, "rb").read()))
    rc, out, err = verify(plain)
    check(rc == 3, "plain .warc (zstd -d of the case): intact", out + err)

    # --- one byte flipped inside the response body
    case, path, layout = fresh(tmp, "flip")
    def flip(p):
        # inside the first chunk's data (after "11;ext=1\r\n"), i.e. the gzip body
        i = p.index(b"\r\n\r\n", p.index(b"HTTP/1.1 200")) + 4 + 10 + 5
        return p[:i] + bytes([p[i] ^ 0x01]) + p[i + 1:]
    splice(path, layout, "response", flip)
    rc, out, err = verify(case)
    check(rc == 1 and "verdict: failed" in out, "flipped body byte: exit 1, failed", out + err)
    check(any(RESP_ID in l and "block digest" in l for l in out.splitlines()),
          "flipped body byte: names the record and the block digest", out)
    _, off, _, _ = [x for x in layout if x[0] == "response"][0]
    check(f"offset {off}" in out, "flipped body byte: names the offset", out)
    rc, out, err = verify("--json", case)
    j = json.loads(out) if rc == 1 else {}
    e = j.get("errors", [{}])
    check(j.get("verdict") == "failed" and any(
        x.get("check") == "block digest" and x.get("record") == f"<{RESP_ID}>"
        and x.get("offset") == off and x.get("file", "").endswith("capture-00000.warc.zst")
        and x.get("message") for x in e), "--json errors name file, offset, record, check", out)

    # --- an HTTP header value changed (same length)
    case, path, layout = fresh(tmp, "header")
    splice(path, layout, "response", lambda p: p.replace(b"charset=utf-8", b"charset=gbk!!", 1))
    rc, out, err = verify(case)
    check(rc == 1 and "block digest" in out, "changed HTTP header: exit 1", out + err)

    # --- WARC Content-Length changed
    case, path, layout = fresh(tmp, "clen")
    def clen(p):
        h, _, rest = p.partition(b"\r\n\r\n")
        lines = [l if not l.startswith(b"Content-Length:") else
                 b"Content-Length: %d" % (int(l.split(b":")[1]) - 2) for l in h.split(b"\r\n")]
        return b"\r\n".join(lines) + b"\r\n\r\n" + rest
    splice(path, layout, "request", clen)
    rc, out, err = verify(case)
    check(rc == 1 and "warc framing" in out, "changed Content-Length: exit 1 (framing)", out + err)

    # --- truncated mid-frame
    case, path, layout = fresh(tmp, "trunc")
    _, off, length, _ = layout[-1]
    with open(path, "r+b") as f:
        f.truncate(off + length // 2)
    rc, out, err = verify(case)
    check(rc == 1 and "zstd frame" in out and f"offset {off}" in out,
          "truncated mid-frame: exit 1 naming the frame", out + err)

    # --- a damaged frame in the middle: reported, and the records after it still checked
    case, path, layout = fresh(tmp, "midframe")
    _, off, length, _ = [x for x in layout if x[0] == "request"][0]
    data = bytearray(open(path, "rb").read())
    data[off + length // 2] ^= 0xff
    open(path, "wb").write(bytes(data))
    rc, out, err = verify(case)
    check(rc == 1 and f"offset {off}" in out and "zstd frame" in out and "resumed" in out
          and "findings: 2 fragments checked" in out,
          "damaged middle frame: named, and reading resumes at the next frame", out + err)

    # --- missing file
    missing = os.path.join(tmp, "nope.warc.zst")
    rc, out, err = verify(missing)
    check(rc == 2 and f"custody-verify: cannot open {missing}: No such file or directory" in err,
          "missing file: exit 2 with a clear message", f"exit {rc}\n{err}")

    # --- findings hash mismatch and out of range
    def bad_hash(items):
        items[0]["sha256"] = sha256(b"something else")
    case, path, layout = fresh(tmp, "fhash", tamper_findings=bad_hash)
    rc, out, err = verify(case)
    check(rc == 1 and "findings" in out and "hash to" in out and "33333333" in out,
          "findings hash mismatch: exit 1", out + err)

    def bad_range(items):
        items[1]["start"] += 10000
        items[1]["end"] += 10000
    case, path, layout = fresh(tmp, "frange", tamper_findings=bad_range)
    rc, out, err = verify(case)
    check(rc == 1 and "outside" in out, "findings out of range: exit 1", out + err)

    def shifted(items):
        items[0]["start"] += 1
        items[0]["end"] += 1
    case, path, layout = fresh(tmp, "fshift", tamper_findings=shifted)
    rc, out, err = verify(case)
    check(rc == 1 and "findings" in out, "findings shifted by one byte: exit 1", out + err)

    # --- a capture cut off mid-body (chunking unterminated): findings refer to the bytes
    # that arrived, and still verify; the payload digest is absent (cannot be delimited)
    cut = PAGE[:60]
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunked(PAGE, size=len(PAGE))[:10 + 60])
    recs = build_records()[:1] + [
        ("response", record("response", RESP_ID, resp, "application/http; msgtype=response",
                            [("WARC-Target-URI", "http://127.0.0.1:9/cut")])),
        ("findings", record("metadata", "urn:uuid:55555555-5555-4555-8555-555555555555",
                            findings_body(RESP_ID, cut,
                                          [("cn_mobile", "13800138000")]),
                            "application/vnd.custody.findings+json",
                            [("WARC-Refers-To", f"<{RESP_ID}>")]))]
    case = os.path.join(tmp, "cutoff")
    write_case(case, recs)
    rc, out, err = verify(case)
    check(rc == 3 and "findings: 1 fragments checked" in out,
          "truncated capture: findings over the partial payload verify", out + err)

    # --- a revisit whose original is not in the case
    case, path, layout = fresh(tmp, "revisit", revisit_of="urn:uuid:99999999-9999-4999-8999-999999999999")
    rc, out, err = verify(case)
    check(rc == 1 and "references" in out and "not in the case" in out,
          "revisit referring to a missing record: exit 1", out + err)

    # --- first record not warcinfo
    case, path, layout = fresh(tmp, "noinfo", first_type="resource")
    rc, out, err = verify(case)
    check(rc == 1 and "warcinfo first" in out, "no warcinfo first: exit 1", out + err)

    # --- a gap in the capture numbering
    case, path, layout = fresh(tmp, "gap")
    write_case(case, build_records()[:1], name="capture-00002.warc.zst")
    rc, out, err = verify(case)
    check(rc == 1 and "capture-00001.warc.zst is missing" in out, "gap in capture files: exit 1",
          out + err)
    # two files: both read in order, duplicate ids caught
    case, path, layout = fresh(tmp, "dup")
    write_case(case, build_records()[:1], name="capture-00001.warc.zst")
    rc, out, err = verify(case)
    check(rc == 1 and "duplicate WARC-Record-ID" in out, "duplicate record id across files: exit 1",
          out + err)

    # --- garbage appended, empty file
    case, path, layout = fresh(tmp, "garbage")
    with open(path, "ab") as f:
        f.write(b"not a frame at all")
    rc, out, err = verify(case)
    check(rc == 1 and "magic" in out, "garbage after the last frame: exit 1", out + err)
    empty = os.path.join(tmp, "empty.warc.zst")
    open(empty, "wb").close()
    rc, out, err = verify(empty)
    check(rc == 1, "empty file: exit 1", out + err)

    # --- usage
    rc, out, err = verify("--help")
    check(rc == 0 and "EXIT STATUS" in out and "intact" in out, "--help: man-page-like, exit 0")
    rc, out, err = verify("--bogus", case)
    check(rc == 2 and "usage" in err, "unknown option: exit 2", err)
    rc, out, err = verify()
    check(rc == 2, "no PATH: exit 2", err)
    rc, out, err = verify("--at", "yesterday", case)
    check(rc == 2, "--at with a bad time: exit 2", err)
    rc, out, err = verify("--trust", missing, case)
    check(rc == 2 and "cannot open" in err, "--trust missing file: exit 2", err)

    hostile(tmp)
    mutations(tmp)
    crawl_part(tmp)


CASE_ID = "urn:uuid:abcdef01-2345-4678-9abc-def012345678"


def info_record(name, case_id=CASE_ID, rid="urn:uuid:00000000-0000-4000-8000-000000000000"):
    extra = [("WARC-Filename", name)]
    if case_id:
        extra.append(("Custody-Case-ID", case_id))
    return ("warcinfo", record("warcinfo", rid, b"software: test\r\n", "application/warc-fields",
                               extra))


def failed_with(out, check, text=""):
    return any(l.startswith("FAILED") and f": {check}: " in l and text in l
               for l in out.splitlines())


def hostile(tmp):
    """The hostile review of issue 9: each of these passed as `intact` before."""
    recs = build_records()
    name = "capture-abcdef01-00000.warc.zst"

    # a clean case with a case id and file names of the new form
    case = os.path.join(tmp, "h-clean")
    write_case(case, [info_record(name)] + recs[1:], name=name)
    rc, out, err = verify(case)
    check(rc == 3 and out.startswith("5 records in 1 file intact; 0 failures")
          and "case: " + CASE_ID in out and "no Custody-Case-ID" not in out,
          "case id and WARC-Filename: summary line first, intact", out + err)

    # revisits referring to a request, a metadata record, itself, nothing
    for what, target in [("a request", "urn:uuid:22222222-2222-4222-8222-222222222222"),
                         ("a metadata record", "urn:uuid:33333333-3333-4333-8333-333333333333"),
                         ("itself", "urn:uuid:44444444-4444-4444-8444-444444444444")]:
        case = os.path.join(tmp, "h-rv-" + what.split()[-1])
        write_case(case, build_records(revisit_of=target))
        rc, out, err = verify(case)
        check(rc == 1 and failed_with(out, "references"), f"revisit referring to {what}: failed",
              out + err)
    r = build_records()
    r[4] = ("revisit", r[4][1].replace(b"WARC-Refers-To: <" + RESP_ID.encode() + b">\r\n", b""))
    case = os.path.join(tmp, "h-rv-none")
    write_case(case, r)
    rc, out, err = verify(case)
    check(rc == 1 and failed_with(out, "references", "found none"),
          "revisit referring to nothing: failed", out + err)

    # the response removed: the request's WARC-Concurrent-To and the findings name nothing
    case = os.path.join(tmp, "h-removed")
    write_case(case, [x for x in build_records() if x[0] != "response"])
    rc, out, err = verify(case)
    check(rc == 1 and failed_with(out, "references", "not in the case"),
          "response removed: the references to it fail", out + err)

    # a request's WARC-Concurrent-To naming a metadata record
    r = build_records()
    r[1] = ("request", r[1][1].replace(b"WARC-Type: request\r\n", b"WARC-Type: request\r\n"
                                       b"WARC-Concurrent-To: <urn:uuid:33333333-3333-4333-8333-"
                                       b"333333333333>\r\n"))
    case = os.path.join(tmp, "h-conc-type")
    write_case(case, r)
    rc, out, err = verify(case)
    check(rc == 1 and failed_with(out, "references", "is a metadata record"),
          "WARC-Concurrent-To of a request naming a metadata record: failed", out + err)

    # a dictionary frame at the start of the file
    case, path, layout = fresh(tmp, "h-dict")
    data = open(path, "rb").read()
    open(path, "wb").write((0x184D2A5D).to_bytes(4, "little") + (8).to_bytes(4, "little")
                           + b"\x37\xa4\x30\xec\x00\x00\x00\x00" + data)
    rc, out, err = verify(case)
    check(rc == 1 and failed_with(out, "zstd frame", "dictionary frame") and "offset 0" in out,
          "dictionary frame: failed naming offset 0", out + err)

    # a plain WARC renamed .warc.zst
    case, path, layout = fresh(tmp, "h-renamed")
    open(path, "wb").write(b"".join(p for _, _, _, p in layout))
    rc, out, err = verify(case)
    check(rc == 1 and failed_with(out, "zstd frame", "holds no zstd frames"),
          "plain WARC renamed .warc.zst: failed", out + err)

    # two cases in one folder; two cases concatenated into one file
    case = os.path.join(tmp, "h-two")
    write_case(case, [info_record(name)] + build_records()[1:], name=name)
    other = "urn:uuid:99999999-2345-4678-9abc-def012345678"
    write_case(case, [info_record("capture-99999999-00000.warc.zst", other,
                                  rid="urn:uuid:00000000-0000-4000-8000-00000000000f")],
               name="capture-99999999-00000.warc.zst")
    rc, out, err = verify(case)
    check(rc == 1 and failed_with(out, "case identity", "more than one case")
          and failed_with(out, "case identity", "files of two cases"),
          "two cases in one folder: failed", out + err)
    case = os.path.join(tmp, "h-concat")
    write_case(case, [info_record(name)] + build_records()[1:]
               + [info_record(name, other, rid="urn:uuid:00000000-0000-4000-8000-00000000000e")],
               name=name)
    rc, out, err = verify(case)
    check(rc == 1 and failed_with(out, "case identity", "second warcinfo"),
          "two cases concatenated into one file: failed", out + err)

    # renamed file: WARC-Filename names the old name
    case = os.path.join(tmp, "h-rename")
    write_case(case, [info_record("capture-abcdef01-00003.warc.zst")] + build_records()[1:],
               name=name)
    rc, out, err = verify(case)
    check(rc == 1 and failed_with(out, "case identity", "capture-abcdef01-00003.warc.zst"),
          "renamed file: WARC-Filename differs: failed", out + err)

    # rotation split a URL's records: file 1 starts with the findings of file 0's response
    case = os.path.join(tmp, "h-split")
    r = build_records()
    n0, n1 = "capture-abcdef01-00000.warc.zst", "capture-abcdef01-00001.warc.zst"
    write_case(case, [info_record(n0)] + r[1:3], name=n0)
    write_case(case, [info_record(n1, rid="urn:uuid:00000000-0000-4000-8000-000000000001")]
               + r[3:], name=n1)
    rc, out, err = verify(case)
    check(rc == 3, "split case verified whole: intact", out + err)
    rc, out, err = verify(os.path.join(case, n1))
    check(rc == 3 and "target outside the files given" in out and "FAILED" not in out,
          "one file alone whose findings target lies in another file: 'target outside the "
          "files given', not a failure", out + err)
    rc, out, err = verify(os.path.join(case, n0), os.path.join(case, n1))
    check(rc == 3 and "outside" not in out, "both files given: intact, nothing outside", out + err)
    os.remove(os.path.join(case, n0))
    write_case(case, [info_record(n0)], name=n0)
    rc, out, err = verify(case)
    check(rc == 1 and failed_with(out, "references", "not in the case"),
          "the same target missing from a whole case folder: failed", out + err)

    # --json carries every failure, also with a record id that is not UTF-8
    r = build_records()
    bad_id = b"<urn:uuid:\xff\xfe-not-utf8>"
    r[1] = ("request", r[1][1].replace(b"<urn:uuid:22222222-2222-4222-8222-222222222222>", bad_id))
    r[1] = ("request", r[1][1].replace(b"WARC-Block-Digest: sha256:", b"WARC-Block-Digest: sha256:0"))
    case = os.path.join(tmp, "h-utf8")
    write_case(case, r)
    rc, out, err = verify(case)
    nfail = sum(1 for l in out.splitlines() if l.startswith("FAILED"))
    rc2, jout, err2 = verify("--json", case)
    try:
        j = json.loads(jout)
    except ValueError:
        j = {}
    check(rc == 1 and rc2 == 1 and nfail >= 1 and len(j.get("errors", [])) == nfail
          and any("\\xFF\\xFE" in e.get("record", "") for e in j["errors"]),
          "--json: every failure, a non-UTF-8 record id escaped as \\xNN", out + jout)

    # a findings body larger than VF_MAX_JSON: refused by name, quickly
    big = json.dumps({"target": f"<{RESP_ID}>", "findings": [],
                      "pad": "x" * (9 << 20)}).encode()
    r = build_records()
    r[3] = ("findings", record("metadata", "urn:uuid:33333333-3333-4333-8333-333333333333", big,
                               "application/vnd.custody.findings+json",
                               [("WARC-Refers-To", f"<{RESP_ID}>")]))
    case = os.path.join(tmp, "h-bigjson")
    write_case(case, r)
    rc, out, err = verify(case)
    check(rc == 1 and failed_with(out, "findings", "VF_MAX_JSON"),
          "a 9 MiB findings body: failed by the named limit", out + err)

    # many findings records on one large page: decoded once (cache), memory bounded
    page = b"<html><body>" + b"13800138000 " * (2 << 20) + b"</body></html>"
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
            % len(page)) + page
    fbody = findings_body(RESP_ID, page, [("cn_mobile", "13800138000")])
    r = [build_records()[0],
         ("response", record("response", RESP_ID, resp, "application/http; msgtype=response",
                             [("WARC-Target-URI", "http://127.0.0.1:9/big")], payload=page))]
    for x in range(8):
        r.append((f"f{x}", record("metadata", f"urn:uuid:33333333-3333-4333-8333-33333333333{x}",
                                  fbody, "application/vnd.custody.findings+json",
                                  [("WARC-Refers-To", f"<{RESP_ID}>")])))
    case = os.path.join(tmp, "h-bigpage")
    write_case(case, r)
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rc, out, err = verify(case)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    check(rc == 3 and "findings: 8 fragments" in out, "8 findings records on one 24 MiB page: "
          "intact", out + err)
    if "asan" not in os.environ.get("CUSTODY_BUILD", ""):
        check(peak < 200 * 1024 or peak <= before,
              f"8 findings records on one 24 MiB page: peak RSS {peak // 1024} MiB < 200 MiB")


def mutations(tmp):
    """Hostile variants of a good case: custody-verify must always answer 1 (failed) or
    3 (intact), never crash, hang or trip a sanitizer (run with the ASan build too)."""
    rnd = random.Random(20261125)
    case, path, layout = fresh(tmp, "mut")
    good = open(path, "rb").read()
    bad_runs = []
    n = 0

    def run_one(data, what):
        nonlocal n
        n += 1
        with open(path, "wb") as f:
            f.write(data)
        try:
            p = subprocess.run([VERIFY, "--json", case], capture_output=True, text=True,
                               timeout=30)
        except subprocess.TimeoutExpired:
            bad_runs.append(f"{what}: timeout")
            return
        if p.returncode not in (1, 3) or "Sanitizer" in p.stderr or "runtime error" in p.stderr:
            bad_runs.append(f"{what}: exit {p.returncode} {p.stderr[-300:]}")
            return
        try:
            json.loads(p.stdout)
        except ValueError:
            bad_runs.append(f"{what}: output is not JSON: {p.stdout[:200]}")

    # raw byte damage to the compressed file
    for i in range(40):
        d = bytearray(good)
        for _ in range(rnd.randint(1, 4)):
            d[rnd.randrange(len(d))] = rnd.randrange(256)
        run_one(bytes(d), f"compressed flip {i}")
    for i in range(10):
        run_one(good[:rnd.randrange(len(good))], f"truncate {i}")
    # damage inside the records (valid frames, hostile WARC/HTTP/JSON content)
    for i in range(50):
        name, off, length, plain = layout[rnd.randrange(len(layout))]
        d = bytearray(plain)
        for _ in range(rnd.randint(1, 3)):
            op = rnd.randrange(3)
            j = rnd.randrange(len(d))
            if op == 0:
                d[j] = rnd.randrange(256)
            elif op == 1:
                del d[j:j + rnd.randint(1, 40)]
            else:
                d[j:j] = rnd.choice([b"\r\n", b"999999999", b"-1", b"{", b"\x00", b"\"", b"0\r\n"])
        run_one(good[:off] + zstd_compress(bytes(d)) + good[off + length:],
                f"record {name} mutation {i}")
    check(not bad_runs, f"{n} hostile variants: always exit 1 or 3 with JSON, no crash or hang",
          "\n".join(bad_runs[:10]))


if __name__ == "__main__":
    main()
