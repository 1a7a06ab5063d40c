#!/usr/bin/env python3
"""test_crawl.py — `custody crawl` and `custody ls` end to end, against real servers on 127.0.0.1.

1. nginx serving a $SHARED/corpus/mksite.py site: every page captured, one zstd frame per
   record, check-warc and check-cdxj pass, `custody ls` lists the pages.
2. tests/e2e/servers/httpd.py: gzip and chunked bodies kept as received, payload digests over
   the dechunked body, each redirect hop its own pair, a body cut mid-way flagged incomplete,
   DNS failure and refused port reported while the crawl goes on, robots.txt obeyed, revisits,
   --max-body truncation.
3. TLS with `openssl s_server -WWW` and a self-signed certificate: refused without --ca-file,
   captured with --ca-file (cipher suite, PEM chain), captured with --insecure (verification
   failure recorded).
4. Usage and output errors: exit 2 with a clear message.
Prints "N passed, N failed".
"""
import gzip, json, os, random, re, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

sys.path.insert(0, os.path.join(lib.HERE, "servers"))
import httpd  # noqa: E402

T = lib.Tally()
# no-such-host.invalid must fail to resolve the same way with or without a reachable DNS
# server: without one, glibc waits 5 s a try, two tries, for A and AAAA, which can outlast
# the 15 s connect timeout, and curl then says "Resolving timed out" instead of "Could not
# resolve host". One 1 s try keeps a missing DNS server a resolve failure.
os.environ["RES_OPTIONS"] = "timeout:1 attempts:1"


def by_uri(recs, typ):
    out = {}
    for r in recs:
        if r.type == typ:
            out.setdefault(r.uri, []).append(r)
    return out


def meta_for(recs, resp_id, ctype):
    for r in recs:
        if r.type == "metadata" and (r.get("Content-Type") or "").startswith(ctype) and \
                resp_id in (r.get("WARC-Concurrent-To"), r.get("WARC-Refers-To")):
            return json.loads(r.block)
    return None


def common_record_checks(case, recs, label):
    files = lib.capture_files(case)
    T.check(files, f"{label}: capture files written")
    for f in files:
        n = len(lib.read_warc(f))
        T.check(lib.zstd_frames(f) == n, f"{label}: {os.path.basename(f)}: one zstd frame per record "
                                          f"({lib.zstd_frames(f)} frames, {n} records)")
    ok, out = lib.check_warc(*files)
    T.check(ok and " 0 failed" in out, f"{label}: check-warc: {out.strip()[-800:]}")
    ok, out = lib.check_cdxj(case)
    T.check(ok, f"{label}: check-cdxj: {out.strip()[-800:]}")
    # the verifier accepts what the crawl wrote (unsigned case: "intact", exit 3)
    if os.path.exists(lib.CUSTODY_VERIFY):
        rc, v = lib.verify(case)
        T.check(rc == 3 and v.get("verdict") == "intact" and not v.get("errors"),
                f"{label}: custody-verify: exit {rc} {str(v)[:800]}")
    # every request points at its response, every response has its capture metadata
    ids = {r.id for r in recs}
    for r in recs:
        if r.type == "request" and r.get("WARC-Concurrent-To"):
            T.check(r.get("WARC-Concurrent-To") in ids, f"{label}: request {r.uri} Concurrent-To dangling")
        if r.type in ("response", "revisit"):
            T.check(meta_for(recs, r.id, "application/vnd.custody.capture+json") is not None,
                    f"{label}: {r.uri}: no capture metadata record")
    # custody's metadata records name themselves, never the page (a replay tool
    # would serve them in place of the page), and are linked to the response
    by_id = {r.id: r for r in recs}
    for r in recs:
        if r.type != "metadata":
            continue
        ct = r.get("Content-Type") or ""
        if "environment+json" in ct:  # the capture environment: about the case, not a page
            T.check(re.match(r"urn:custody:environment(-clock)?:urn:uuid:", r.uri or ""),
                    f"{label}: environment record target {r.uri}")
            continue
        link = r.get("WARC-Concurrent-To") if "capture+json" in ct else r.get("WARC-Refers-To")
        prefix = "urn:custody:capture:" if "capture+json" in ct else "urn:custody:findings:"
        if not T.check((r.uri or "").startswith(prefix), f"{label}: metadata target {r.uri} starts {prefix}"):
            continue
        if link:
            resp = by_id.get(link)
            T.check(resp is not None and r.uri == prefix + resp.uri,
                    f"{label}: {r.uri} names the URL of the response it links to")


def test_site():
    work = lib.tmpdir()
    site = lib.make_site(os.path.join(work, "site"), pages=60)
    _, port = lib.start_nginx(site)
    case = os.path.join(work, "case")
    base = f"http://127.0.0.1:{port}"
    t0 = time.time()
    r = lib.custody("crawl", "-o", case, "--json", "--depth", "50", base + "/index.html")
    dt = time.time() - t0
    T.check(r.returncode == 0, f"site crawl exit {r.returncode}: {r.stderr[-500:]}")
    try:
        summary = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        summary = {}
    recs = lib.case_records(case)
    resp = by_uri(recs, "response")
    want = [base + "/index.html"] + [f"{base}/p/{n}.html" for n in range(60)]
    missing = [u for u in want if u not in resp and u not in by_uri(recs, "revisit")]
    T.check(not missing, f"site: pages not captured: {missing[:5]}")
    T.check(summary.get("fetched") == 61 and summary.get("failed") == 0, f"site: summary {summary}")
    T.check(base + "/robots.txt" in resp, "site: robots.txt fetched and archived")
    T.check(recs and recs[0].type == "warcinfo", "site: warcinfo first")
    info = recs[0].block.decode() if recs else ""
    T.check("robots: obey" in info and "custody crawl" in info, "site: warcinfo has robots policy and command line")
    for u in want[:3]:
        rr = (resp.get(u) or [None])[0]
        if rr:
            body = open(os.path.join(site, u[len(base) + 1:]), "rb").read()
            T.check(rr.http()[1] == body, f"site: {u}: body as served")
            T.check(rr.get("WARC-Payload-Digest") == lib.sha256(body), f"site: {u}: payload digest")
            T.check(rr.get("WARC-IP-Address") == "127.0.0.1", f"site: {u}: WARC-IP-Address")
            T.check(rr.get("WARC-Protocol") == "http/1.1", f"site: {u}: WARC-Protocol")
    reqs = by_uri(recs, "request")
    T.check(all(u in reqs for u in want), "site: a request record per page")
    req0 = (reqs.get(want[0]) or [None])[0]
    T.check(req0 is not None and req0.block.startswith(b"GET /index.html HTTP/1.1\r\n") and
            b"User-Agent: custody/" in req0.block, "site: request bytes as sent")
    common_record_checks(case, recs, "site")
    ls = lib.custody("ls", case)
    T.check(ls.returncode == 0, f"ls exit {ls.returncode}: {ls.stderr}")
    lines = ls.stdout.splitlines()
    T.check(len(lines) >= 63 and lines[0].startswith("TIME"), f"ls: {len(lines)} lines")
    T.check(all(any(l.endswith(u) or (u + "  ") in l for l in lines) for u in want), "ls: every page listed")
    lj = lib.custody("ls", "--json", case)
    try:
        objs = [json.loads(l) for l in lj.stdout.splitlines()]
    except ValueError:
        objs = []
    T.check(len(objs) == len(lines) - 1 and all("url" in o and "status" in o for o in objs), "ls --json")
    # ls's findings column says what each page's findings record says
    verdicts = {}
    for rr in recs:
        if rr.type == "response":
            f = meta_for(recs, rr.id, "application/vnd.custody.findings+json")
            if f is not None:
                # ls counts personal data; dox keywords are verdict signals, not counted
                pd = [x for x in f.get("findings", []) if x.get("type") != "dox_keyword"]
                verdicts[rr.uri] = (len(pd), bool((f.get("verdict") or {}).get("doxing")))
    lsv = {o["url"]: (o.get("findings"), o.get("doxing")) for o in objs if o.get("type") == "response"}
    T.check(verdicts and all(lsv.get(u) == v for u, v in verdicts.items()),
            f"ls: findings and DOXING as recorded ({sum(1 for v in verdicts.values() if v[1])} doxing pages)")
    T.check(sum(1 for l in lines if " DOXING " in l) == sum(1 for v in verdicts.values() if v[1]),
            "ls: one DOXING mark per doxing verdict")
    print(f"site: 61 pages in {dt:.2f}s ({61 / dt:.0f} pages/s incl. startup)", flush=True)

    # rotation: small capture files, each starting with warcinfo; index and checks across files
    caserot = os.path.join(work, "caserot")
    r = lib.custody("crawl", "-q", "-o", caserot, "--max-file-size", "64K", "--depth", "50", base + "/index.html")
    files = lib.capture_files(caserot)
    T.check(r.returncode == 0 and len(files) >= 2 and all(lib.read_warc(f)[0].type == "warcinfo" for f in files),
            f"rotation: {len(files)} files, each starting with warcinfo")
    common_record_checks(caserot, lib.case_records(caserot), "rotation")

    # --threads 0 (everything on the main thread) captures the same pages and findings
    case0 = os.path.join(work, "case0")
    r0 = lib.custody("crawl", "-q", "--json", "-o", case0, "--threads", "0", "--depth", "50", base + "/index.html")
    recs0 = lib.case_records(case0)
    T.check(r0.returncode == 0 and set(by_uri(recs0, "response")) == set(resp), "--threads 0: same pages")
    try:
        s0 = json.loads(r0.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        s0 = {}
    T.check(s0.get("findings") == summary.get("findings") and s0.get("doxing_pages") == summary.get("doxing_pages"),
            f"--threads 0: same findings ({s0.get('findings')} vs {summary.get('findings')})")

    # --resume: a crawl stopped early (--max-pages) is completed; nothing is fetched twice
    caser = os.path.join(work, "caser")
    r1 = lib.custody("crawl", "-q", "--json", "-o", caser, "--max-pages", "20", "--depth", "50", base + "/index.html")
    r2 = lib.custody("crawl", "-q", "--json", "-o", caser, "--resume", "--depth", "50", base + "/index.html")
    try:
        s1, s2 = json.loads(r1.stdout.splitlines()[-1]), json.loads(r2.stdout.splitlines()[-1])
    except (ValueError, IndexError):
        s1, s2 = {}, {}
    recsr = lib.case_records(caser)
    uris = [rr.uri for rr in recsr if rr.type in ("response", "revisit") and not rr.uri.endswith("/robots.txt")]
    T.check(r2.returncode == 0 and s1.get("fetched") == 20 and s2.get("resumed") == 20 and
            s2.get("fetched") == 41 and len(lib.capture_files(caser)) == 2,
            f"--resume: 20 then 41 pages ({s1.get('fetched')}, {s2.get('resumed')}, {s2.get('fetched')})")
    T.check(sorted(uris) == sorted(want) and len(uris) == len(set(uris)), "--resume: every page once")
    ok, out = lib.check_cdxj(caser)
    T.check(ok, f"--resume: check-cdxj {out[-300:]}")

    # a second crawl into the same case without --resume is refused, nothing written (issue 25);
    # with --resume it continues the numbering and leaves the first file alone
    first = lib.capture_files(case)[0]
    before = open(first, "rb").read()
    r2 = lib.custody("crawl", "-q", "-o", case, "--depth", "0", base + "/p/1.html")
    T.check(r2.returncode == 2 and "--resume" in r2.stderr and len(lib.capture_files(case)) == 1
            and open(first, "rb").read() == before,
            f"site: a second crawl without --resume is refused, nothing written ({r2.returncode}, {r2.stderr[-200:]})")
    r2 = lib.custody("crawl", "-q", "-o", case, "--resume", "--depth", "0", base + "/p/1.html")
    T.check(r2.returncode == 0 and len(lib.capture_files(case)) == 2 and open(first, "rb").read() == before,
            f"site: --resume appends a new file ({r2.returncode}, {lib.capture_files(case)})")


def test_python_server():
    work = lib.tmpdir()
    _, port = lib.start_python_server()
    base = f"http://127.0.0.1:{port}"
    closed = lib.closed_port()  # held by this test, so nobody else can be listening there
    case = os.path.join(work, "case")
    r = lib.custody("crawl", "-o", case, "--depth", "1", "--timeout", "20", "--json", base + "/",
                    base + "/redirect/loop", "http://no-such-host.invalid/", f"http://127.0.0.1:{closed}/",
                    base + "/dup1", "--max-redirects", "3")
    T.check(r.returncode == 1, f"faulty: exit {r.returncode} (1: some URLs failed): {r.stderr[-800:]}")
    err = r.stderr
    T.check("no-such-host.invalid" in err and "resolve" in err.lower(), f"faulty: DNS failure reported: {err[-600:]}")
    T.check(f"127.0.0.1:{closed}" in err, "faulty: refused port reported")
    T.check("/cut" in err and "incomplete" in err, "faulty: cut body reported")
    T.check("redirect limit" in err, "faulty: redirect limit reported")
    recs = lib.case_records(case)
    resp = by_uri(recs, "response")
    resp.update({k: v for k, v in by_uri(recs, "revisit").items() if k not in resp})

    def one(path):
        return (resp.get(base + path) or [None])[0]

    # gzip: kept as received, decompresses to the served file
    g = one("/gzip")
    if T.check(g is not None, "gzip: captured"):
        head, body = g.http()
        T.check(b"Content-Encoding: gzip" in head, "gzip: header kept")
        T.check(gzip.decompress(body) == httpd.GZIP_HTML, "gzip: record body decompresses to the served file")
        T.check(g.get("WARC-Payload-Digest") == lib.sha256(body), "gzip: payload digest over the gzip bytes")
    # chunked: framing kept; payload digest over the dechunked body
    c = one("/chunked")
    if T.check(c is not None, "chunked: captured"):
        head, body = c.http()
        T.check(b"Transfer-Encoding: chunked" in head and body.endswith(b"0\r\n\r\n"), "chunked: framing kept")
        T.check(lib.dechunk(body) == b"".join(httpd.CHUNKED), "chunked: dechunks to the served body")
        T.check(c.get("WARC-Payload-Digest") == lib.sha256(b"".join(httpd.CHUNKED)),
                "chunked: payload digest = sha256 of dechunked body")
    cg = one("/chunked-gzip")
    if T.check(cg is not None, "chunked+gzip: captured"):
        body = lib.dechunk(cg.http()[1])
        T.check(body is not None and gzip.decompress(body) == httpd.CHUNKED_GZIP_HTML, "chunked+gzip: decodes")
        T.check(cg.get("WARC-Payload-Digest") == lib.sha256(body or b""), "chunked+gzip: payload digest")
    # redirects: every hop its own pair
    for path, st in (("/redirect/1", 301), ("/redirect/2", 302), ("/redirect/final", 200)):
        rr = one(path)
        T.check(rr is not None and rr.status() == st, f"redirect: {path} captured with {st}")
        T.check(base + path in by_uri(recs, "request"), f"redirect: {path} has its request record")
    T.check(sum(1 for u in resp if "/redirect/loop" in u) == 4, "redirect: loop stops after --max-redirects 3")
    # statuses
    T.check(one("/404") is not None and one("/404").status() == 404,
            f"404 captured: {one('/404').block[:200] if one('/404') else sorted(resp)}; stderr: {err[-1500:]}")
    T.check(one("/500") is not None and one("/500").status() == 500, "500 captured")
    # cut mid-body: what arrived is recorded, flagged incomplete
    for path in ("/cut", "/cut-chunked"):
        cr = one(path)
        if T.check(cr is not None, f"{path}: partial response recorded"):
            m = meta_for(recs, cr.id, "application/vnd.custody.capture+json") or {}
            T.check(m.get("complete") is False and m.get("incomplete_reason"), f"{path}: flagged incomplete: {m}")
            T.check(cr.get("WARC-Truncated") == "disconnect", f"{path}: WARC-Truncated disconnect")
    # failures without a response: a capture metadata record says what happened
    fails = [r for r in recs if r.type == "metadata" and r.uri == "urn:custody:capture:http://no-such-host.invalid/"]
    T.check(fails and json.loads(fails[0].block).get("complete") is False, "DNS failure recorded in metadata")
    # binary
    b = one("/bin")
    T.check(b is not None and b.http()[1] == httpd.BIN and b.get("WARC-Payload-Digest") == lib.sha256(httpd.BIN),
            "binary: body and digest")
    # revisit: same payload at a second URL
    revs = [r for r in recs if r.type == "revisit"]
    T.check(any(r.uri in (base + "/dup1", base + "/dup2") for r in revs), "revisit for an identical payload")
    for rv in revs:
        T.check(rv.get("WARC-Refers-To") and "identical-payload-digest" in (rv.get("WARC-Profile") or ""),
                f"revisit {rv.uri}: profile and Refers-To")
    # robots
    T.check(base + "/private/secret" not in resp and "robots.txt" in err, "robots.txt obeyed and reported")
    # json findings records refer to their response
    pj = one("/page.html")
    if pj is not None:
        f = meta_for(recs, pj.id, "application/vnd.custody.findings+json")
        T.check(f is not None and "verdict" in f, "findings record for an HTML page")
    # request/response pairing
    for rq in recs:
        if rq.type == "request" and rq.uri == base + "/gzip":
            T.check(rq.get("WARC-Concurrent-To") == g.id if g else False, "request Concurrent-To its response")
    common_record_checks(case, recs, "faulty")
    ls = lib.custody("ls", case)
    T.check("INCOMPLETE" in ls.stdout and "ERR" in ls.stdout and " 404 " in ls.stdout, f"ls marks: {ls.stdout[-800:]}")

    # --max-body: cut at the bound, WARC-Truncated: length, not a failure
    case2 = os.path.join(work, "case2")
    r = lib.custody("crawl", "-q", "-o", case2, "--max-body", "100K", "--depth", "0", base + "/big")
    T.check(r.returncode == 0, f"max-body: exit {r.returncode}: {r.stderr}")
    big = (by_uri(lib.case_records(case2), "response").get(base + "/big") or [None])[0]
    T.check(big is not None and big.get("WARC-Truncated") == "length" and len(big.http()[1]) == 100 * 1024,
            "max-body: body cut at 100 KiB with WARC-Truncated: length")
    ok, out = lib.check_warc(*lib.capture_files(case2))
    T.check(ok, f"max-body: check-warc: {out[-300:]}")

    # --timeout: a slow route is cut and the crawl finishes. The route would answer after
    # 600 s, so a crawl that waited for it would have captured it whole and exited 0 (and
    # run into lib.custody's own bound): no stopwatch needed to tell the two apart.
    case3 = os.path.join(work, "case3")
    r = lib.custody("crawl", "-q", "-o", case3, "--timeout", "1", "--depth", "0", base + "/slow?s=600",
                    base + "/page.html")
    recs3 = lib.case_records(case3)
    T.check(r.returncode == 1 and "slow" in r.stderr and base + "/slow?s=600" not in by_uri(recs3, "response")
            and base + "/page.html" in by_uri(recs3, "response"),
            f"timeout: the slow URL is cut, the other captured: {r.returncode} {r.stderr}")

    # --per-host 1: URLs wait in the crawl's own per-origin queue, not in libcurl's, so a
    # waiting URL's --timeout does not run while the one before it is slow. Each answers in
    # 1.5 s, 4.5 s inside the 6 s timeout (room for a loaded machine); together they take 9 s,
    # so the later ones would time out if their clocks ran while they waited.
    case6 = os.path.join(work, "case6")
    r = lib.custody("crawl", "-q", "-o", case6, "--per-host", "1", "--timeout", "6", "--depth", "0",
                    "--ignore-robots", *[f"{base}/slow?s=1.5&n={i}" for i in range(6)])
    T.check(r.returncode == 0, f"per-host queue: slow URLs one after another, none timed out: {r.stderr[-300:]}")

    # a server leaving stray bytes on a kept-alive connection: the next URL's failed attempt is
    # recorded and it is fetched again on a new connection
    cd = os.path.join(work, "double")
    r = lib.custody("crawl", "-q", "-o", cd, "--depth", "0", "--ignore-robots", "--concurrency", "1",
                    "--per-host", "1", base + "/double-end", base + "/404")
    recsd = lib.case_records(cd)
    T.check(r.returncode == 0 and base + "/404" in by_uri(recsd, "response"),
            f"stray bytes: next URL retried on a new connection ({r.returncode}: {r.stderr[-300:]})")

    # HTML served without a Content-Type is sniffed: its links are followed
    cu = os.path.join(work, "untyped")
    r = lib.custody("crawl", "-q", "-o", cu, "--depth", "1", "--ignore-robots", base + "/untyped")
    T.check(base + "/page.html" in by_uri(lib.case_records(cu), "response"), "untyped HTML: links followed")

    # --requisites: an image on another host is captured, a link there is not followed
    other = f"http://localhost:{port}"
    for flag, want in (([], False), (["--requisites"], True)):
        cr = os.path.join(work, "req" + "".join(flag))
        r = lib.custody("crawl", "-q", "-o", cr, "--depth", "0", *flag, base + "/req.html")
        got = by_uri(lib.case_records(cr), "response")
        T.check(r.returncode == 0 and (other + "/bin" in got) == want and other + "/page.html" not in got,
                f"requisites {flag}: {sorted(got)} {r.stderr[-300:]}")

    # SIGINT: the crawl stops at once and closes the case cleanly (index written, records whole).
    # The signal is sent once the server has the slow request (so the crawl is running, its
    # handler installed), not after a guessed sleep; that request would take 600 s, so
    # finishing at all means the crawl stopped without waiting for it.
    case5 = os.path.join(work, "case5")
    slow0 = lib.hits(port, "/slow")
    p = subprocess.Popen([lib.CUSTODY, "crawl", "-q", "-o", case5, "--depth", "0", base + "/slow?s=600",
                          base + "/page.html"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lib.wait_until(lambda: lib.hits(port, "/slow") > slow0 or p.poll() is not None,
                       "the crawl to request /slow")
    except RuntimeError as e:
        T.check(False, f"SIGINT: {e}")
    p.send_signal(2)
    try:
        out, errs = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        out, errs = p.communicate()
    T.check(p.returncode == 130 and "interrupted" in errs and "--resume" in errs,
            f"SIGINT: exit 130, says how to go on (issue 25): {p.returncode}: {errs[-300:]}")
    T.check(os.path.exists(os.path.join(case5, "index.cdxj")), "SIGINT: index.cdxj written")
    ok, out = lib.check_warc(*lib.capture_files(case5))
    T.check(ok, f"SIGINT: records whole: {out[-300:]}")

    # --ignore-robots captures the disallowed page; --depth 0 only the seed
    case4 = os.path.join(work, "case4")
    r = lib.custody("crawl", "-q", "-o", case4, "--ignore-robots", "--depth", "0", base + "/private/secret")
    recs4 = lib.case_records(case4)
    T.check(r.returncode == 0 and base + "/private/secret" in by_uri(recs4, "response") and
            base + "/robots.txt" not in by_uri(recs4, "response"), "--ignore-robots")
    T.check("robots: ignore" in recs4[0].block.decode(), "warcinfo records --ignore-robots")


def test_tls():
    work = lib.tmpdir()
    www = os.path.join(work, "www")
    os.makedirs(www)
    with open(os.path.join(www, "index.html"), "wb") as f:
        f.write(b"<html><body>tls page</body></html>\n")
    cert, key = lib.make_cert(work)
    _, port = lib.start_tls_server(cert, key, www)
    url = f"https://127.0.0.1:{port}/index.html"
    case = os.path.join(work, "c1")
    r = lib.custody("crawl", "-o", case, "--ignore-robots", "--depth", "0", url)
    T.check(r.returncode == 1 and "--ca-file" in r.stderr and "--insecure" in r.stderr,
            f"tls: unverified certificate refused with a hint: {r.returncode} {r.stderr[-400:]}")
    T.check(url not in by_uri(lib.case_records(case), "response"), "tls: nothing captured without trust")

    case = os.path.join(work, "c2")
    r = lib.custody("crawl", "-o", case, "--ignore-robots", "--depth", "0", "--ca-file", cert, url)
    T.check(r.returncode == 0, f"tls --ca-file: exit {r.returncode}: {r.stderr[-400:]}")
    recs = lib.case_records(case)
    rr = (by_uri(recs, "response").get(url) or [None])[0]
    if T.check(rr is not None, "tls --ca-file: captured"):
        T.check(rr.get("WARC-Cipher-Suite", "").startswith("TLS_"), f"tls: cipher suite {rr.get('WARC-Cipher-Suite')}")
        T.check(any(p.startswith("tls/") for p in rr.get_all("WARC-Protocol")), f"tls: protocol {rr.get_all('WARC-Protocol')}")
        m = meta_for(recs, rr.id, "application/vnd.custody.capture+json") or {}
        tls = m.get("tls") or {}
        T.check("-----BEGIN CERTIFICATE-----" in (tls.get("chain_pem") or ""), "tls: PEM chain in metadata")
        T.check(tls.get("verified") is True and tls.get("verify_result") == 0, f"tls: verified {tls}")
        T.check(rr.http()[1] == b"<html><body>tls page</body></html>\n", "tls: body")
    ok, out = lib.check_warc(*lib.capture_files(case))
    T.check(ok, f"tls: check-warc {out[-300:]}")

    case = os.path.join(work, "c3")
    r = lib.custody("crawl", "-o", case, "--ignore-robots", "--depth", "0", "--insecure", url)
    recs = lib.case_records(case)
    rr = (by_uri(recs, "response").get(url) or [None])[0]
    if T.check(r.returncode == 0 and rr is not None, f"tls --insecure: captured ({r.returncode})"):
        tls = (meta_for(recs, rr.id, "application/vnd.custody.capture+json") or {}).get("tls") or {}
        T.check(tls.get("verified") is False and tls.get("verify_result") != 0 and tls.get("insecure") is True,
                f"tls --insecure: failed verification recorded: {tls.get('verify_message')}")

    # --insecure with --ca-file: captured, and the chain still checked against that CA
    case = os.path.join(work, "c4")
    r = lib.custody("crawl", "-o", case, "--ignore-robots", "--depth", "0", "--insecure", "--ca-file", cert, url)
    recs = lib.case_records(case)
    rr = (by_uri(recs, "response").get(url) or [None])[0]
    tls = ((meta_for(recs, rr.id, "application/vnd.custody.capture+json") or {}).get("tls") or {}) if rr else {}
    T.check(r.returncode == 0 and tls.get("verified") is True and tls.get("host_match") is True,
            f"tls --insecure --ca-file: verification against the CA recorded: {tls.get('verify_message')}")
    r = lib.custody("crawl", "-o", os.path.join(work, "c5"), "--ca-file", os.path.join(work, "nope.pem"), url)
    T.check(r.returncode == 2 and "nope.pem" in r.stderr, f"missing --ca-file: exit 2 ({r.returncode} {r.stderr})")


def test_usage():
    work = lib.tmpdir()
    r = lib.custody("crawl", "--help")
    T.check(r.returncode == 0 and "SYNOPSIS" in r.stdout and "--depth" in r.stdout and "EXAMPLES" in r.stdout
            and "--help-all" in r.stdout, "crawl --help")
    r = lib.custody("crawl", "--help-all")
    T.check(r.returncode == 0 and "SYNOPSIS" in r.stdout and "--max-body" in r.stdout and "EXAMPLES" in r.stdout,
            "crawl --help-all")
    r = lib.custody("crawl", "http://127.0.0.1:1/")
    T.check(r.returncode == 2 and "-o" in r.stderr, "crawl without -o: exit 2")
    r = lib.custody("crawl", "-o", os.path.join(work, "x"), "ftp://example.com/")
    T.check(r.returncode == 2 and "ftp://example.com/" in r.stderr, f"crawl bad URL: exit 2 {r.stderr}")
    r = lib.custody("crawl", "--bogus")
    T.check(r.returncode == 2, "unknown option: exit 2")
    blocker = os.path.join(work, "file")
    open(blocker, "w").write("not a directory")
    r = lib.custody("crawl", "-o", os.path.join(blocker, "case"), "http://127.0.0.1:1/")
    T.check(r.returncode == 2 and "case" in r.stderr, f"unwritable -o: exit 2 with message: {r.returncode} {r.stderr}")
    seeds = os.path.join(work, "seeds.txt")
    open(seeds, "w").write("# comment\n\nftp://bad/\n")
    r = lib.custody("crawl", "-o", os.path.join(work, "s"), "--seeds", seeds)
    T.check(r.returncode == 2 and "ftp://bad/" in r.stderr, "seeds file read, bad seed refused")
    r = lib.custody("ls", os.path.join(work, "nothing"))
    T.check(r.returncode == 2, "ls of a missing case: exit 2")


def test_disk_full():
    """A full disk stops the crawl with exit 2 and a clear message; what was written stays
    readable. Needs a small tmpfs, so it runs only where mount works (root); else skipped."""
    work = lib.tmpdir()
    mnt = os.path.join(work, "small")
    os.makedirs(mnt)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", mnt],
                                           capture_output=True).returncode != 0:
        print("skip: disk-full test needs to mount a tmpfs")
        return
    try:
        site = os.path.join(work, "rnd")
        os.makedirs(site)
        for i in range(5):
            with open(os.path.join(site, f"r{i}.bin"), "wb") as f:
                f.write(random.Random(i).randbytes(12000))  # incompressible, the same every run
        _, port = lib.start_nginx(site)
        urls = [f"http://127.0.0.1:{port}/r{i}.bin" for i in range(5)]
        case = os.path.join(mnt, "case")
        r = lib.custody("crawl", "-o", case, "--ignore-robots", "--depth", "0", "--concurrency", "1", *urls)
        T.check(r.returncode == 2 and "No space left" in r.stderr and "stay" in r.stderr,
                f"disk full: exit 2 with a clear message ({r.returncode}: {r.stderr[-300:]})")
        files = lib.capture_files(case)
        ok, out = lib.check_warc(*files) if files else (False, "no file")
        T.check(ok, f"disk full: what was written stays readable: {out[-300:]}")
        T.check(any(rec.type == "response" for rec in lib.case_records(case)), "disk full: earlier responses kept")
    finally:
        subprocess.run(["umount", mnt], capture_output=True)


def test_torn_file():
    """A capture file torn by an earlier crash: a new crawl into the case still
    captures (into a new file), leaves the torn file untouched, says which file
    is damaged and exits 1 (usable case with a problem), not 2."""
    work = lib.tmpdir()
    _, port = lib.start_python_server()
    case = os.path.join(work, "case")
    r = lib.custody("crawl", "-q", "--depth", "0", "-o", case, f"http://127.0.0.1:{port}/page.html")
    T.check(r.returncode == 0, f"torn: first crawl {r.returncode} {r.stderr}")
    files = lib.capture_files(case)
    T.check(len(files) == 1 and re.fullmatch(r"capture-[0-9a-f]{8}-00000\.warc\.zst", os.path.basename(files[0])),
            f"torn: the first file is named capture-<case id>-00000: {files}")
    first = files[0]
    name0 = os.path.basename(first)
    size = os.path.getsize(first)
    with open(first, "r+b") as f:
        f.truncate(size - 50)
    # a crawl into it without --resume is refused (issue 25): nothing written, the torn file as it is
    r = lib.custody("crawl", "--depth", "0", "-o", case, f"http://127.0.0.1:{port}/chunked")
    T.check(r.returncode == 2 and "--resume" in r.stderr, f"torn: a crawl without --resume is refused: "
            f"{r.returncode} {r.stderr[-300:]}")
    T.check(os.path.getsize(first) == size - 50 and len(lib.capture_files(case)) == 1,
            "torn: the torn file is left as it is, nothing added")
    v = subprocess.run([os.environ.get("CUSTODY_VERIFY", "custody-verify"), case], capture_output=True, text=True)
    T.check(v.returncode == 1 and name0 in v.stdout + v.stderr,
            "torn: custody-verify reports the torn file")
    # --resume cuts the torn frame off and captures into a new, clean file
    r = lib.custody("crawl", "--resume", "--depth", "0", "-o", case, f"http://127.0.0.1:{port}/chunked")
    T.check(r.returncode in (0, 1), f"torn: --resume captures: {r.returncode} {r.stderr[-300:]}")
    second = os.path.join(case, name0.replace("-00000.", "-00001."))
    T.check(os.path.exists(second) and lib.check_warc(second)[0], "torn: the new capture is in a new, clean file")
    index = open(os.path.join(case, "index.cdxj"), encoding="utf-8").read()
    T.check("/chunked" in index, "torn: the new capture is indexed")


def test_undetected():
    """A page the detector cannot read (a content coding nobody knows) gets a
    findings record that says so, and the crawl's summary counts it: "no
    findings" is never silent."""
    work = lib.tmpdir()
    _, port = lib.start_python_server()
    case = os.path.join(work, "case")
    r = lib.custody("crawl", "--json", "--depth", "0", "-o", case, f"http://127.0.0.1:{port}/bad-coding")
    T.check(r.returncode == 0, f"undetected: crawl exits 0 (the page is captured): {r.returncode} {r.stderr[-300:]}")
    summary = json.loads(r.stdout or "{}")
    T.check(summary.get("undetected") == 1, f"undetected: --json counts it: {r.stdout}")
    T.check("could not read" in r.stderr, f"undetected: the summary says so: {r.stderr[-300:]}")
    recs = lib.case_records(case)
    resp = [x for x in recs if x.get("WARC-Type") == "response" and x.get("WARC-Target-URI", "").endswith("/bad-coding")]
    fnd = [x for x in recs if x.get("Content-Type", "").startswith("application/vnd.custody.findings+json")]
    T.check(len(resp) == 1 and len(fnd) == 1, f"undetected: one response, one findings record ({len(resp)}, {len(fnd)})")
    if resp and fnd:
        body = json.loads(fnd[0].block)
        sc = body.get("scanned", {})
        T.check(body.get("target") == resp[0].get("WARC-Record-ID") and body.get("verdict") is None
                and body.get("findings") == [], f"undetected: no verdict, no findings: {body}")
        T.check(sc.get("complete") is False and "x-unknown" in sc.get("error", ""),
                f"undetected: scanned.complete false and the reason: {sc}")
    rc, out = lib.verify(case)
    T.check(rc == 3 and out.get("verdict") == "intact", f"undetected: the case verifies intact ({rc})")


for t in (test_usage, test_site, test_python_server, test_tls, test_disk_full, test_torn_file, test_undetected):
    try:
        t()
    except Exception as e:  # a crashed test is a failure, the others still run
        import traceback
        traceback.print_exc()
        T.check(False, f"{t.__name__} raised {e!r}")
T.finish()
