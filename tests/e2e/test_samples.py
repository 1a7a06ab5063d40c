#!/usr/bin/env python3
"""End-to-end: crawl the hand-made sample site (samples/site) and check the case.

Serves samples/site with python's http.server on 127.0.0.1 (free port), runs
`$CUSTODY crawl`, then reads the archive back with `zstd -dc` and a small WARC parser
here (not custody's reader) and checks:
  - every file of samples/site reachable from index.html has a 200 response record
    whose payload equals the file on disk;
  - `custody ls` lists every page; `$CUSTODY_VERIFY` exits 3 (intact: no anchors given);
  - samples/seeds.txt, its port rewritten, works with `crawl --seeds`;
  - `$SHARED/interop/check-warc` passes on every capture file, `check-cdxj` on the index;
  - detection (skipped with a message while `custody scan --help` says "not available"):
    each doxing page of samples/labels.jsonl has a findings record with verdict doxing,
    the other pages are not doxing, index.cdxj carries each verdict, the hard-negative page
    has no finding, the GB18030 page and the split-phone page yield their
    identifiers, and every finding's [start,end) and sha256 match the archived payload.
Also prints (does not assert) score.py's precision/recall of `custody scan --json` over the
site against samples/labels.jsonl. Last line: "N passed, N failed"; exit 1 on failure.
"""
import functools, glob, gzip, hashlib, http.server, json, os, re, shutil, socket, subprocess
import sys, tempfile, threading, zlib

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SITE = os.path.join(TOP, "samples", "site")
LABELS = os.path.join(TOP, "samples", "labels.jsonl")
SHARED = os.environ.get("SHARED", os.path.join(TOP, "..", "shared"))
CUSTODY = os.environ.get("CUSTODY", os.path.join(TOP, "bin", "custody"))
VERIFY = os.environ.get("CUSTODY_VERIFY", os.path.join(TOP, "bin", "custody-verify"))

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok    {what}")
    else:
        failed += 1
        print(f"FAIL  {what}")
    return cond


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=directory))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


# ------------------------------------------------------------------ WARC reading (independent of custody)
def warc_records(case_dir):
    """Yield (headers dict with lower-case keys, block bytes) for every record of every capture file."""
    for path in sorted(glob.glob(os.path.join(case_dir, "*.warc.zst"))):
        data = subprocess.run(["zstd", "-dcq", path], capture_output=True, check=True).stdout
        pos = 0
        while pos < len(data):
            end = data.index(b"\r\n\r\n", pos)
            lines = data[pos:end].decode("utf-8", "replace").split("\r\n")
            if not lines[0].startswith("WARC/"):
                raise ValueError(f"{path}: no WARC version line at offset {pos}")
            h = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                h[k.strip().lower()] = v.strip()
            n = int(h["content-length"])
            yield h, data[end + 4:end + 4 + n]
            pos = end + 4 + n + 4


def dechunk(body):
    out, pos = bytearray(), 0
    while True:
        eol = body.index(b"\r\n", pos)
        size = int(body[pos:eol].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += body[eol + 2:eol + 2 + size]
        pos = eol + 2 + size + 2


def http_payload(block):
    """(status, headers, entity body with transfer and content coding removed) of a response block."""
    head, _, body = block.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdr = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdr[k.strip().lower()] = v.strip()
    if "chunked" in hdr.get("transfer-encoding", "").lower():
        body = dechunk(body)
    ce = hdr.get("content-encoding", "").lower()
    if ce in ("gzip", "x-gzip"):
        body = gzip.decompress(body)
    elif ce == "deflate":
        body = zlib.decompress(body)
    return status, hdr, body


def site_files():
    """Paths (relative, '/'-separated) of every file the crawl should reach: all but robots.txt."""
    out = []
    for root, _, files in os.walk(SITE):
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), SITE).replace(os.sep, "/")
            if rel not in ("robots.txt",) and not rel.endswith(".md"):
                out.append(rel)
    return sorted(out)


def detection_available():
    p = subprocess.run([CUSTODY, "scan", "--help"], capture_output=True, text=True)
    return "not available" not in (p.stdout + p.stderr)


def main():
    labels = [json.loads(line) for line in open(LABELS, encoding="utf-8")]
    verdict_want = {l["page"]: l["value"] for l in labels if l["type"] == "page"}
    tmp = tempfile.mkdtemp(prefix="custody-e2e-samples.")
    srv, port = serve(SITE)
    base = f"http://127.0.0.1:{port}/"
    try:
        case = os.path.join(tmp, "case")
        p = subprocess.run([CUSTODY, "crawl", "-o", case, base + "index.html"], capture_output=True, text=True,
                           timeout=300)
        if not check(p.returncode == 0, f"custody crawl exits 0 (got {p.returncode})"):
            print((p.stdout + p.stderr)[-2000:])
        files = sorted(glob.glob(os.path.join(case, "*.warc.zst")))
        if not check(files, "the case has capture files"):
            return

        try:
            records = list(warc_records(case))
            check(True, f"all {len(records)} records parse (own reader over zstd -dc)")
        except (ValueError, KeyError, subprocess.CalledProcessError) as e:
            check(False, f"records parse: {e}")
            return

        responses = {}   # relative path -> (record id, payload)
        by_id = {}
        for h, block in records:
            if h.get("warc-type") != "response":
                continue
            uri = h.get("warc-target-uri", "").strip("<>")
            if not uri.startswith(base):
                continue
            status, _, payload = http_payload(block)
            rel = uri[len(base):].split("?")[0].split("#")[0]
            if status == 200:
                responses[rel] = (h.get("warc-record-id"), payload)
                by_id[h.get("warc-record-id")] = rel
        want = site_files()
        missing = [f for f in want if f not in responses]
        check(not missing, f"every page of samples/site captured ({len(want)} files)"
              + (f"; missing: {missing}" if missing else ""))
        differ = [f for f in want if f in responses and responses[f][1] != open(os.path.join(SITE, f), "rb").read()]
        check(not differ, "every captured payload equals the served file byte for byte"
              + (f"; differ: {differ}" if differ else ""))

        p = subprocess.run([CUSTODY, "ls", case], capture_output=True, text=True)
        check(p.returncode == 0, f"custody ls exits 0 (got {p.returncode})")
        unlisted = [f for f in want if base + f not in p.stdout]
        check(not unlisted, "custody ls lists every page" + (f"; not listed: {unlisted}" if unlisted else ""))

        p = subprocess.run([VERIFY, case], capture_output=True, text=True)
        if not check(p.returncode == 3, f"custody-verify exits 3 'intact' (got {p.returncode})"):
            print((p.stdout + p.stderr)[-2000:])

        cw = os.path.join(SHARED, "interop", "check-warc")
        p = subprocess.run([cw] + files, capture_output=True, text=True)
        if not check(p.returncode == 0, f"check-warc passes on {len(files)} capture file(s)"):
            print((p.stdout + p.stderr)[-2000:])

        p = subprocess.run([sys.executable, os.path.join(SHARED, "interop", "check-cdxj"), case],
                           capture_output=True, text=True)
        if not check(p.returncode == 0, "check-cdxj passes on index.cdxj"):
            print((p.stdout + p.stderr)[-2000:])

        # samples/seeds.txt (written for port 8080) works with --seeds once its port is ours.
        seeds = os.path.join(tmp, "seeds.txt")
        with open(os.path.join(TOP, "samples", "seeds.txt"), encoding="utf-8") as f, open(seeds, "w") as g:
            g.write(f.read().replace("http://127.0.0.1:8080/", base))
        p = subprocess.run([CUSTODY, "crawl", "--depth", "0", "-o", os.path.join(tmp, "seeded"), "--seeds", seeds],
                           capture_output=True, text=True, timeout=120)
        idx = os.path.join(tmp, "seeded", "index.cdxj")
        check(p.returncode == 0 and os.path.exists(idx) and base + "index.html" in open(idx, encoding="utf-8").read(),
              f"crawl --seeds samples/seeds.txt (port rewritten) captures the seed (exit {p.returncode})")

        if not detection_available():
            print("SKIP  detection checks: `custody scan --help` says detection is not available in this build")
            return
        detection_checks(records, responses, by_id, verdict_want, tmp, case, base)
    finally:
        srv.shutdown()
        srv.server_close()
        shutil.rmtree(tmp, ignore_errors=True)


def detection_checks(records, responses, by_id, verdict_want, tmp, case, base):
    findings = {}    # relative path -> findings body
    for h, block in records:
        if h.get("warc-type") != "metadata" or "vnd.custody.findings+json" not in h.get("content-type", ""):
            continue
        rel = by_id.get(h.get("warc-refers-to"))
        if rel is None:
            continue
        try:
            findings[rel] = json.loads(block)
        except ValueError as e:
            check(False, f"findings record for {rel} is JSON: {e}")
    for page, dox in sorted(verdict_want.items()):
        f = findings.get(page)
        if dox:
            check(f is not None and f.get("verdict", {}).get("doxing") is True,
                  f"{page}: findings record with verdict doxing")
        else:
            check(f is None or f.get("verdict", {}).get("doxing") is False, f"{page}: not judged doxing")

    # The CDXJ index carries each page's verdict.
    cdx = {}
    for line in open(os.path.join(case, "index.cdxj"), encoding="utf-8"):
        j = json.loads(line.split(" ", 2)[2])
        cdx[j["url"]] = j.get("doxing")
    wrong = [pg for pg, dox in verdict_want.items() if cdx.get(base + pg) is not dox]
    check(not wrong, "index.cdxj carries every page's verdict" + (f"; wrong or missing: {wrong}" if wrong else ""))

    def values(page, typ):
        return {re.sub(r"[^0-9A-Za-z]", "", str(x.get("value", ""))).upper()
                for x in findings.get(page, {}).get("findings", []) if x.get("type") == typ}
    check("440305198709230310" in values("thread/102.html", "cn_resident_id"),
          "GB18030 page: resident ID found")
    check("13800138002" in values("thread/102.html", "cn_mobile"), "GB18030 page: mobile found")
    check("13800138003" in values("thread/103.html", "cn_mobile"), "split-tag page: phone split over <span>s found")
    check("13800138004" in values("thread/104.html", "cn_mobile"), "full-width page: mobile found")
    check("800012345" in values("api/user.json", "qq") or "110105199804120627" in values("api/user.json", "cn_resident_id"),
          "JSON API body: identifiers found")
    order = findings.get("shop/order-20240315.html", {}).get("findings", [])
    noisy = [x.get("type") + ":" + str(x.get("value")) for x in order if x.get("type") != "dox_keyword"]
    check(not noisy, "hard negatives page: no finding" + (f"; got {noisy}" if noisy else ""))

    # Offsets and hashes against the archived payload, not the scanner's word.
    bad, n = [], 0
    for page, body in findings.items():
        payload = responses[page][1]
        for x in body.get("findings", []):
            n += 1
            s, e = x.get("start", -1), x.get("end", -1)
            ok = isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(payload)
            ok = ok and x.get("sha256") == "sha256:" + hashlib.sha256(payload[s:e]).hexdigest()
            if not ok:
                bad.append(f"{page} {x.get('type')} [{s},{e})")
    check(n > 0 and not bad, f"{n} findings: offsets and sha256 match the archived payload"
          + (f"; bad: {bad[:5]}" if bad else ""))
    gb = [x for x in findings.get("thread/102.html", {}).get("findings", []) if x.get("type") == "cn_resident_id"]
    check(gb and responses["thread/102.html"][1][gb[0]["start"]:gb[0]["end"]].decode("gb18030", "replace")
          .replace("-", "").replace(" ", "") == "440305198709230310",
          "GB18030 page: the ID's offsets select the ID's bytes in the original encoding")

    # Informational: precision/recall of `custody scan --json` over the site files.
    pages = sorted({l for l in verdict_want})
    p = subprocess.run([CUSTODY, "scan", "--json"] + [os.path.join(SITE, x) for x in pages],
                       capture_output=True, text=True)
    out = os.path.join(tmp, "scan.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in p.stdout.splitlines() if '"dox_keyword"' not in line))
    s = subprocess.run([sys.executable, os.path.join(SHARED, "corpus", "score.py"), LABELS, out],
                       capture_output=True, text=True)
    print("info  custody scan --json over samples/site vs samples/labels.jsonl (dox_keyword not scored):")
    print("".join("      " + line + "\n" for line in s.stdout.splitlines()), end="")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a crash is a failure with its reason, not a traceback without a result line
        import traceback
        traceback.print_exc()
        check(False, f"test crashed: {e!r}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
