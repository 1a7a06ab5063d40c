#!/usr/bin/env python3
"""test_crawl_browser.py — custody crawl --browser end to end, with the real chromium.

A loopback site (served by this test, over HTTP and over HTTPS with a test CA given by
--ca-file) whose fabricated person (samples/site/api/user.json: 柯晓彤, a resident ID with a
valid check digit, a 1380013800x mobile) reaches the page only through JavaScript: the HTML
is an empty shell, app.js (sent chunked) POSTs to a JSON API (sent gzip-compressed) and
writes the answer into the page, and adds a link that exists only in the rendered DOM. The
shell also embeds an image from another host (localhost instead of 127.0.0.1): out of scope.

With --browser:
  - the API's response record has findings, and so has the rendered DOM's record;
  - every response the site sent (the server logs the exact bytes it wrote per request) is
    in a response record byte for byte: the browser got nothing from anywhere else;
  - the request record of the POST holds the body the browser sent;
  - the screenshot is a PNG that decodes (zlib) and is not blank;
  - the out-of-scope image is never requested from the site, counted as blocked and listed;
  - the link only the DOM has is followed (--depth 1);
  - custody-verify calls the case intact, check-warc passes; warcinfo names the proxy CA,
    its SPKI hash, the chromium version and flags and the WebSocket/service-worker policy.
Without --browser the same site yields no findings: only the shell is there.

The proxy's refusals (non-loopback clients, malformed and oversized requests, WebSockets,
bounds, TLS leaves) are tested in tests/unit/test_proxy.c with real sockets.
"""
import gzip, http.server, json, os, shutil, socketserver, ssl, struct, sys, threading, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib

T = lib.Tally("browser")
USER = json.load(open(os.path.join(lib.TOP, "samples", "site", "api", "user.json"), encoding="utf-8"))
NAME, IDNO, PHONE = USER["user"]["real_name"], USER["user"]["id_card"], USER["user"]["phone"]


class Site:
    """A threaded HTTP(S) server on 127.0.0.1:0 that builds every response as bytes, writes
    them in one go and logs (method, path, request body, bytes sent)."""

    def __init__(self, tls=None):
        self.log = []
        self.lock = threading.Lock()
        site = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def respond(self, body_req):
                raw = site.page(self.command, self.path, dict(self.headers), body_req)
                self.wfile.write(raw)
                self.wfile.flush()
                with site.lock:
                    site.log.append((self.command, self.path, body_req, raw))

            def do_GET(self):
                self.respond(b"")

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.respond(self.rfile.read(n) if n else b"")

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.httpd = S(("127.0.0.1", 0), H)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.scheme = "https" if tls else "http"
        self.base = f"{self.scheme}://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def page(self, method, path, headers, body):
        extra, status, chunked = [], "200 OK", False
        if path == "/":
            ctype = "text/html; charset=utf-8"
            out = (f'<!doctype html><html><head><meta charset="utf-8"><title>帖子</title></head><body>'
                   f'<h1>帖子</h1><div id="app">加载中…</div>'
                   f'<img src="{self.scheme}://localhost:{self.port}/out.png" alt="">'
                   f'<script src="/app.js"></script></body></html>').encode()
        elif path == "/app.js":
            ctype, chunked = "application/javascript", True
            out = (b"fetch('/api/post', {method: 'POST', headers: {'Content-Type': 'application/json'},"
                   b" body: JSON.stringify({thread: 101})})"
                   b".then(function (r) { return r.json(); }).then(function (d) {"
                   b" var u = d.user; document.getElementById('app').textContent ="
                   b" '\xe7\x9c\x9f\xe5\x90\x8d ' + u.real_name + '\xef\xbc\x8c\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81\xe5\x8f\xb7 ' + u.id_card +"
                   b" '\xef\xbc\x8c\xe6\x89\x8b\xe6\x9c\xba ' + u.phone;"
                   b" var a = document.createElement('a'); a.href = '/more.html'; a.textContent = 'more';"
                   b" document.body.appendChild(a); });\n")
        elif path == "/api/post" and method == "POST":
            ctype = "application/json; charset=utf-8"
            out = json.dumps(USER, ensure_ascii=False).encode()
            if "gzip" in headers.get("Accept-Encoding", ""):
                out = gzip.compress(out, mtime=0)
                extra.append("Content-Encoding: gzip")
        elif path == "/more.html":
            ctype = "text/html; charset=utf-8"
            out = b"<!doctype html><html><body><p>more: a page only the rendered DOM links to</p></body></html>"
        else:
            status, ctype = "404 Not Found", "text/plain"
            out = f"not found: {path}\n".encode()
        head = [f"HTTP/1.1 {status}", f"Content-Type: {ctype}", "Cache-Control: no-store"] + extra
        if chunked:
            head.append("Transfer-Encoding: chunked")
            half = len(out) // 2
            out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (out[:half], out[half:])) + b"0\r\n\r\n"
        else:
            head.append(f"Content-Length: {len(out)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + out


def png_pixels(data):
    """(width, height, rows of bytes) of an 8-bit RGB/RGBA PNG, filters undone; None if not one."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat, ihdr = 8, b"", None
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
        pos += 12 + n
    if not ihdr or ihdr[2] != 8 or ihdr[3] not in (2, 6) or ihdr[6]:
        return None
    w, h, bpp = ihdr[0], ihdr[1], 3 if ihdr[3] == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows


def findings_of(recs, rid):
    for r in recs:
        if r.type == "metadata" and (r.get("Content-Type") or "").startswith(
                "application/vnd.custody.findings+json") and rid in (r.get("WARC-Refers-To"),
                                                                     r.get("WARC-Concurrent-To")):
            return json.loads(r.block)
    return None


def personal(f):
    return [x for x in (f or {}).get("findings", []) if x.get("type") != "dox_keyword"]


def crawl(case, site, *extra):
    args = ["crawl", "-o", case, "--depth", "1", "--timeout", "60", "--json", "--threads", "1"]
    if site.scheme == "https":
        args += ["--ca-file", CERT]
    return lib.custody(*args, *extra, site.base + "/", timeout=600)


def check_browser_case(label, site, case, r):
    try:
        summary = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        summary = {}
    T.check(r.returncode in (0, 1) and summary.get("ok"), f"{label}: crawl ran: {r.stderr[-1500:]}")
    T.check(summary.get("rendered", 0) >= 2, f"{label}: the page and the DOM-only link rendered: {summary}")
    T.check(summary.get("blocked", 0) >= 1, f"{label}: the out-of-scope image blocked: {summary}")
    own = [l for l in r.stderr.splitlines() if "the browser's own traffic" in l]
    T.check(len(own) <= 1, f"{label}: chromium's own requests named once, not a line each: {own[:3]}")
    recs = lib.case_records(case)
    resp = [x for x in recs if x.type == "response"]

    # every response the site sent is a response record, byte for byte
    with site.lock:
        log = list(site.log)
    T.check(any(p == "/api/post" for _, p, _, _ in log), f"{label}: the browser called the API ({len(log)} requests)")
    for method, path, body, raw in log:
        uri = site.base + path
        T.check(any(x.uri == uri and x.block == raw for x in resp),
                f"{label}: {method} {path}: a response record holds exactly the {len(raw)} bytes sent")
    T.check(not any(p == "/out.png" for _, p, _, _ in log), f"{label}: the out-of-scope image was never fetched")
    T.check(any(x.type == "metadata" and b"/out.png" in x.block for x in recs),
            f"{label}: the blocked image is listed in the case")

    # the POST's request record holds the body the browser sent
    posts = [x for x in recs if x.type == "request" and x.uri == site.base + "/api/post"]
    T.check(posts and posts[0].block.startswith(b"POST /api/post HTTP/1.1\r\n")
            and posts[0].block.endswith(b'{"thread":101}'), f"{label}: the POST request record with its body")

    # findings: in the API's response (gzip, decoded for detection) and in the rendered DOM
    api = [x for x in resp if x.uri == site.base + "/api/post"]
    fa = findings_of(recs, api[0].id) if api else None
    vals = {x.get("value") for x in personal(fa)}
    T.check(IDNO in vals and PHONE in vals, f"{label}: the API response's findings: {sorted(vals)}")
    shell = [x for x in resp if x.uri == site.base + "/"]
    T.check(shell and not personal(findings_of(recs, shell[0].id)), f"{label}: the shell itself has no findings")
    doms = [x for x in recs if x.type in ("resource", "conversion") and (x.uri or "").startswith("urn:custody:dom:")]
    T.check(any((x.uri or "").endswith(site.base + "/") for x in doms), f"{label}: a DOM record for the page")
    fd = None
    for d in doms:
        if (d.uri or "").endswith(site.base + "/"):
            fd = findings_of(recs, d.id)
            T.check(IDNO.encode() in d.block and NAME.encode() in d.block, f"{label}: the DOM holds what JavaScript wrote")
            T.check(shell and d.get("WARC-Refers-To") == shell[0].id, f"{label}: the DOM refers to the page's main response")
    dvals = {x.get("value") for x in personal(fd)}
    T.check(IDNO in dvals, f"{label}: the DOM record's findings: {sorted(dvals)}")

    # the screenshot
    shots = [x for x in recs if (x.uri or "").startswith("urn:custody:screenshot:") and x.type in ("resource", "conversion")]
    T.check(shots, f"{label}: a screenshot record")
    if shots:
        px = png_pixels(shots[0].block)
        T.check(px is not None and px[0] > 100 and px[1] > 100, f"{label}: the screenshot decodes as a PNG")
        if px:
            colours = set()
            for row in px[2][::max(1, len(px[2]) // 200)]:
                colours.update(row[i:i + 3] for i in range(0, len(row) - 2, 3 * 7))
            T.check(len(colours) > 2, f"{label}: the screenshot is not blank ({len(colours)} colours)")

    # the link only the DOM has was followed
    T.check(any(x.uri == site.base + "/more.html" for x in resp), f"{label}: the DOM-only link followed")

    # warcinfo says how the browser was connected
    info = [x for x in recs if x.type == "warcinfo"]
    wi = info[0].block.decode("utf-8", "replace") if info else ""
    for field in ("browser:", "browser-flags:", "browser-proxy-ca: -----BEGIN CERTIFICATE-----",
                  "browser-proxy-ca-spki-sha256:", "websockets: refused; service workers: bypassed"):
        T.check(field in wi, f"{label}: warcinfo has {field!r}")
    T.check("PRIVATE KEY" not in wi, f"{label}: no private key in warcinfo")
    T.check(not any(b"PRIVATE KEY" in x.block for x in recs), f"{label}: no private key in any record")

    files = lib.capture_files(case)
    ok, out = lib.check_warc(*files)
    T.check(ok and " 0 failed" in out, f"{label}: check-warc: {out.strip()[-800:]}")
    rc, v = lib.verify(case)
    T.check(rc == 3 and v.get("verdict") == "intact", f"{label}: custody-verify: intact ({rc}, {str(v)[:600]})")


def main():
    global CERT
    if not shutil.which(os.environ.get("CUSTODY_CHROMIUM") or "chromium"):
        T.check(False, "chromium is not installed (make bootstrap installs Debian's chromium)")
        T.finish()
    d = lib.tmpdir()
    CERT, key = lib.make_cert(d)
    for label, tls in (("http", None), ("https", (CERT, key))):
        site = Site(tls)
        case = os.path.join(d, f"case-{label}")
        r = crawl(case, site, "--browser", "--browser-settle", "10")
        check_browser_case(label, site, case, r)
        # without --browser: the shell, no findings
        plain = os.path.join(d, f"plain-{label}")
        r = crawl(plain, site)
        try:
            s = json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            s = {}
        T.check(s.get("fetched", 0) >= 1 and s.get("findings") == 0 and s.get("doxing_pages") == 0,
                f"{label}: without --browser the same site has no findings: {s}")
        if label == "http":
            # --requisites: what the page embeds from another host is fetched (it names the
            # page in Referer); chromium's own traffic (no Referer/Origin of the page) never is
            req = os.path.join(d, "case-requisites")
            r = crawl(req, site, "--browser", "--requisites", "--depth", "0")
            recs = lib.case_records(req)
            img = f"http://localhost:{site.port}/out.png"
            T.check(any(x.type == "response" and x.uri == img for x in recs),
                    f"--requisites: the other host's image is fetched and recorded: {r.stderr[-800:]}")
            T.check(not any(x.type == "response" and "google" in (x.uri or "") for x in recs),
                    "--requisites: none of chromium's own traffic is fetched")
        site.stop()
    # chromium missing: a clear error, exit 2
    r = lib.custody("crawl", "-o", os.path.join(d, "nochromium"), "--browser", "--chromium",
                    os.path.join(d, "no-such-chromium"), "http://127.0.0.1:1/")
    T.check(r.returncode == 2 and "chromium" in r.stderr, f"missing chromium: exit 2 and says so: {r.stderr[-400:]}")
    T.finish()


if __name__ == "__main__":
    main()
