#!/usr/bin/env python3
"""test_export.py — `custody export` end to end, on a real case: the sample site
(samples/site, served on 127.0.0.1) plus chunked, gzip and chunked+gzip pages from
tests/e2e/servers/httpd.py added with --resume.

  - --wacz: tests/e2e/wacz_check.py (an independent reader) passes, with --case so the
    index's offsets are compared with the case's own records;
  - --warc-gz: one gzip member per record, the WARC bytes of every record identical to
    the case's, index.cdxj beside them; ../shared/interop/check-warc passes on them;
  - custody-verify gives the same verdict and record count on the case, the WACZ and the
    .warc.gz files, and fails a WACZ whose archive was altered;
  - --url / --record take one page with its request, metadata, findings and warcinfo;
    an unknown URL, a missing -o and a .warc.zst exhibit (sealing not there yet) are
    refused with exit 2 and a message.
build_case() is shared with test_replay.py.
"""
import functools, gzip, http.server, json, os, subprocess, sys, threading, zipfile, zlib

import lib

TOP = os.path.dirname(os.path.dirname(lib.HERE))
SITE = os.path.join(TOP, "samples", "site")
DOX_PAGE = "thread/101.html"        # samples/LABELS.md: doxing, UTF-8
HTTPD_PAGES = ["/chunked-gzip", "/chunked", "/gzip", "/page.html", "/redirect/1", "/404"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def serve_site():
    h = functools.partial(_Quiet, directory=SITE)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"


def build_case(work):
    """Crawl the sample site, then add the httpd pages: (case dir, site base, httpd base)."""
    srv, site = serve_site()
    _, port = lib.start_python_server()
    httpd = f"http://127.0.0.1:{port}"
    case = os.path.join(work, "case")
    r1 = lib.custody("crawl", "-q", "-o", case, site)
    r2 = lib.custody("crawl", "-q", "--resume", "-d", "0", "-o", case, *[httpd + p for p in HTTPD_PAGES])
    srv.shutdown()
    srv.server_close()
    if r1.returncode != 0 or r2.returncode != 0:
        raise RuntimeError(f"crawl failed: {r1.stderr[-500:]} {r2.stderr[-500:]}")
    return case, site, httpd


def gz_members(path):
    """The decompressed members of a .warc.gz, in order (each must be whole)."""
    data, pos, out = open(path, "rb").read(), 0, []
    while pos < len(data):
        d = zlib.decompressobj(31)
        out.append(d.decompress(data[pos:]) + d.flush())
        if not d.eof:
            raise ValueError(f"{path}: truncated member at {pos}")
        pos = len(data) - len(d.unused_data)
    return out


def record_bytes(case):
    """Every record of the case as its exact bytes, in file order."""
    out = []
    for f in lib.capture_files(case):
        data = subprocess.run(["zstd", "-dcq", f], capture_output=True, check=True).stdout
        out += [r for r in split_records(data)]
    return out


def split_records(data):
    pos, out = 0, []
    while pos < len(data):
        end = data.index(b"\r\n\r\n", pos) + 4
        head = data[pos:end].decode("latin1")
        cl = int([l.split(":", 1)[1] for l in head.split("\r\n") if l.lower().startswith("content-length:")][0])
        out.append(data[pos:end + cl + 4])
        pos = end + cl + 4
    return out


def main():
    T = lib.Tally("export")
    work = lib.tmpdir()
    case, site, httpd = build_case(work)
    wacz = os.path.join(work, "case.wacz")
    gzdir = os.path.join(work, "gz")

    r = lib.custody("export", case, "--wacz", "-o", wacz)
    T.check(r.returncode == 0 and os.path.exists(wacz), f"export --wacz: {r.stdout}{r.stderr}")
    r = lib.custody("export", case, "--warc-gz", "-o", gzdir)
    T.check(r.returncode == 0, f"export --warc-gz: {r.stdout}{r.stderr}")

    # sizes, for the report
    zst = sum(os.path.getsize(f) for f in lib.capture_files(case))
    print(f"size: .warc.zst case {zst} bytes, WACZ {os.path.getsize(wacz)} bytes "
          f"({os.path.getsize(wacz) / zst:.2f}x), .warc.gz {sum(os.path.getsize(os.path.join(gzdir, f)) for f in os.listdir(gzdir) if f.endswith('.gz'))} bytes")

    # the independent checker
    p = subprocess.run([sys.executable, os.path.join(lib.HERE, "wacz_check.py"), wacz, "--case", case],
                       capture_output=True, text=True, timeout=300)
    T.check(p.returncode == 0, f"wacz_check: {p.stdout[-1500:]}{p.stderr[-500:]}")

    # the same records, byte for byte, one gzip member each
    want = record_bytes(case)
    gzfiles = sorted(os.path.join(gzdir, f) for f in os.listdir(gzdir) if f.endswith(".warc.gz"))
    got = [m for f in gzfiles for m in gz_members(f)]
    T.check(len(got) == len(want) and got == want, f".warc.gz: {len(got)} members = the case's {len(want)} records, "
            "byte for byte")
    T.check([os.path.basename(f)[:-3] for f in gzfiles] == [os.path.basename(f)[:-4] for f in lib.capture_files(case)],
            "one .warc.gz per capture file, same names")
    with zipfile.ZipFile(wacz) as z:
        inner = [n for n in z.namelist() if n.startswith("archive/")]
        T.check(inner == ["archive/" + os.path.basename(f) for f in gzfiles], f"WACZ archives: {inner}")
        T.check(all(z.read(n) == open(os.path.join(gzdir, n[8:]), "rb").read() for n in inner),
                "the WACZ holds the same .warc.gz bytes")
        pages = [json.loads(l) for l in z.read("pages/pages.jsonl").decode().splitlines()[1:]]
        dox = {p["url"] for p in pages if p.get("doxing")}
        T.check(site + DOX_PAGE in dox, f"pages.jsonl marks {DOX_PAGE} doxing ({len(dox)} doxing pages)")
        T.check(any(p["url"] == httpd + "/chunked-gzip" for p in pages), "the chunked+gzip page is a page")
    idx = open(os.path.join(gzdir, "index.cdxj"), encoding="utf-8").read()
    T.check('"filename": "capture-' in idx and ".warc.gz\"" in idx and ".warc.zst" not in idx,
            "index.cdxj names the .warc.gz files")
    ok, out = lib.check_warc(*gzfiles)
    T.check(ok and " 0 failed" in out, f"check-warc on the .warc.gz: {out.strip()[-600:]}")

    # custody-verify: same verdict everywhere
    rc0, v0 = lib.verify(case)
    rc1, v1 = lib.verify(wacz)
    rc2, v2 = lib.verify(*gzfiles)
    T.check(rc0 == 3 and v0.get("verdict") == "intact", f"verify case: {rc0} {str(v0)[:300]}")
    for label, rc, v in (("WACZ", rc1, v1), (".warc.gz", rc2, v2)):
        T.check(rc == rc0 and v.get("verdict") == v0.get("verdict") and v.get("records") == v0.get("records")
                and v.get("findings_checked") == v0.get("findings_checked") and not v.get("errors"),
                f"verify {label}: exit {rc}, {v.get('verdict')}, {v.get('records')} records, "
                f"{v.get('findings_checked')} findings (case: {v0.get('records')}, {v0.get('findings_checked')}) "
                f"{str(v.get('errors'))[:300]}")
    # an altered WACZ fails: one byte inside the archive entry
    bad = os.path.join(work, "bad.wacz")
    data = bytearray(open(wacz, "rb").read())
    with zipfile.ZipFile(wacz) as z:
        info = z.getinfo(inner[0])
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.file_size // 2] ^= 0x20
    open(bad, "wb").write(data)
    rc, v = lib.verify(bad)
    T.check(rc == 1 and v.get("verdict") == "failed", f"verify altered WACZ: exit {rc} {str(v)[:200]}")

    # selections
    one = os.path.join(work, "one.wacz")
    r = lib.custody("export", case, "--wacz", "--url", site + DOX_PAGE, "-o", one)
    T.check(r.returncode == 0, f"export --url: {r.stdout}{r.stderr}")
    if os.path.exists(one):
        with zipfile.ZipFile(one) as z:
            recs = gz_members_bytes(z.read([n for n in z.namelist() if n.startswith("archive/")][0]))
        types = sorted(lib.parse_warc(b"".join(recs))[i].type for i in range(len(recs)))
        uris = {r.uri for r in lib.parse_warc(b"".join(recs)) if r.type != "warcinfo"}
        T.check(types == ["metadata", "metadata", "request", "response", "warcinfo"],
                f"--url: warcinfo, request, response, capture and findings metadata: {types}")
        T.check(uris == {site + DOX_PAGE, "urn:custody:capture:" + site + DOX_PAGE,
                         "urn:custody:findings:" + site + DOX_PAGE}, f"--url: only that page: {uris}")
        p = subprocess.run([sys.executable, os.path.join(lib.HERE, "wacz_check.py"), one], capture_output=True,
                           text=True)
        T.check(p.returncode == 0, f"wacz_check on the one-page WACZ: {p.stdout[-800:]}")
        rc, v = lib.verify(one)
        T.check(rc == 3 and v.get("records") == 5 and v.get("findings_checked", 0) > 0,
                f"verify the one-page WACZ: {rc} {str(v)[:300]}")
    recs = lib.case_records(case)
    resp = [x for x in recs if x.type == "response" and x.uri == httpd + "/chunked-gzip"][0]
    byrec = os.path.join(work, "byrec")
    r = lib.custody("export", case, "--warc-gz", "--record", resp.id, "-o", byrec)
    T.check(r.returncode == 0 and "5 records" in r.stdout, f"export --record: {r.stdout}{r.stderr}")
    r = lib.custody("export", case, "--wacz", "--url", site + "never-captured.html", "-o", os.path.join(work, "x.wacz"))
    T.check(r.returncode == 2 and "no capture" in r.stderr and not os.path.exists(os.path.join(work, "x.wacz")),
            f"unknown URL refused: {r.returncode} {r.stderr}")
    r = lib.custody("export", case, "--url", site + DOX_PAGE, "-o", os.path.join(work, "exhibit.warc.zst"))
    # an exhibit (.warc.zst) needs a seal covering the page: this case is unsigned and
    # unsealed, so nothing is written and the message says what to do (test_seal.py
    # exports from a sealed case)
    T.check(r.returncode == 1 and "not sealed yet" in r.stderr and "custody stamp" in r.stderr
            and not os.path.exists(os.path.join(work, "exhibit.warc.zst")),
            f".warc.zst exhibit of an unsealed case: refused, nothing written: {r.returncode} {r.stderr}")
    r = lib.custody("export", case, "-o", os.path.join(work, "what"))
    T.check(r.returncode == 2 and "--wacz" in r.stderr, f"no output kind: {r.returncode} {r.stderr}")
    r = lib.custody("export", case, "--wacz", "-o", wacz)
    T.check(r.returncode != 0 and "exists" in r.stderr and os.path.getsize(wacz) > 0,
            f"an existing WACZ is not replaced: {r.stderr}")
    r = lib.custody("export", case, "--warc-gz", "-o", gzdir)
    T.check(r.returncode != 0 and "exists" in r.stderr, f"--warc-gz does not overwrite: {r.stderr}")
    T.finish()


def gz_members_bytes(data):
    pos, out = 0, []
    while pos < len(data):
        d = zlib.decompressobj(31)
        out.append(d.decompress(data[pos:]) + d.flush())
        pos = len(data) - len(d.unused_data)
    return out


if __name__ == "__main__":
    main()
