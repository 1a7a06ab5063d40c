#!/usr/bin/env python3
"""test_politeness.py — scope filters, politeness and requisites of `custody crawl`.

A loopback server logs every request with its own clock. Checks:
  - --exclude REGEX: matching links are never requested; --include REGEX: only matching links are;
  - --delay MS: requests to the site start at least MS apart (server timestamps; lower bound only,
    less 250 ms: the server sees a request when its thread gets to it, which on a loaded machine
    can lag one request and not the next; without the delay the gaps are milliseconds);
  - 429 + Retry-After: 2: the URL is asked again no sooner than 2 s later (less 500 ms, as above),
    both answers recorded,
    the --log line says ok; --retries 0 leaves the 429 as the answer;
  - --max-per-host N: at most N pages from the site;
  - --requisites: srcset, url() in style= and <style>, <video>/<audio>/<source>, a style sheet's
    url() and @import are all captured.
Prints "N passed, N failed".
"""
import json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

T = lib.Tally()
log = []
busy_hits = {"n": 0}
lock = threading.Lock()

PAGES = {
    "/": '<a href="/a">a</a> <a href="/b">b</a> <a href="/skip/x">x</a> <a href="/keep/y">y</a>',
    "/a": '<a href="/c">c</a>', "/b": "b", "/c": "c", "/skip/x": "x", "/keep/y": "y",
    "/img.html": ('<html><head><style>body { background: url("/st.png") }</style>'
                  '<link rel="stylesheet" href="/s.css"></head><body>'
                  '<img src="/i1.jpg" srcset="/i2.jpg 2x, /i3.jpg 3x">'
                  '<div style="background-image: url(/bg.png)">x</div>'
                  '<video src="/v.mp4" poster="/poster.jpg"></video>'
                  '<audio><source src="/a.mp3" type="audio/mpeg"></audio>'
                  '<picture><source srcset="/p1.webp"></picture></body></html>'),
}
CSS = {"/s.css": '@import "/more.css";\nbody { font: url(/font.woff) }', "/more.css": "p { background: url('/m.png') }"}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        with lock:
            log.append((time.monotonic(), self.path))
        status, ctype, extra = 200, "text/html", {}
        if self.path == "/busy":
            with lock:
                busy_hits["n"] += 1
                n = busy_hits["n"]
            if n % 2 == 1:
                status, extra = 429, {"Retry-After": "2"}
            body = b"busy" if status == 429 else b"<p>now</p>"
        elif self.path in PAGES:
            body = ("<html><body>" + PAGES[self.path] + "</body></html>").encode()
        elif self.path in CSS:
            body, ctype = CSS[self.path].encode(), "text/css"
        elif self.path == "/robots.txt":
            status, body, ctype = 404, b"none", "text/plain"
        else:
            body, ctype = b"\x89PNG fake", "application/octet-stream"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{srv.server_address[1]}"
work = lib.tmpdir()


def crawl(name, *args):
    del log[:]
    r = lib.custody("crawl", "-o", os.path.join(work, name), *args)
    return r, [p for _, p in log], list(log)


r, paths, _ = crawl("ex", "--exclude", "/skip/", "--depth", "2", base + "/")
T.check(r.returncode == 0 and "/a" in paths and "/c" in paths and "/skip/x" not in paths,
        f"--exclude: /skip/x never requested: {paths}")
r, paths, _ = crawl("inc", "--include", "/keep/", "--depth", "2", base + "/")
T.check(r.returncode == 0 and "/keep/y" in paths and "/a" not in paths and "/b" not in paths,
        f"--include: only matching links followed: {paths}")
r = lib.custody("crawl", "--include", "(", "-o", os.path.join(work, "bad"), base + "/")
T.check(r.returncode == 2 and "--include" in r.stderr, f"a bad regex is refused: {r.stderr[-200:]}")

r, paths, stamped = crawl("delay", "--delay", "1000", "--depth", "1", base + "/")
times = [t for t, _ in stamped]
gaps = [b - a for a, b in zip(times, times[1:])]
T.check(r.returncode == 0 and len(times) >= 5 and min(gaps) >= 0.75,
        f"--delay 1000: requests at least 1 s apart (server clock, 250 ms for its lag): "
        f"{[round(g, 3) for g in gaps]}")

logf = os.path.join(work, "busy.log")
r, paths, stamped = crawl("busy", "--depth", "0", "--log", logf, base + "/busy")
bt = [t for t, p in stamped if p == "/busy"]
T.check(r.returncode == 0 and len(bt) == 2 and bt[1] - bt[0] >= 1.5,
        f"429 Retry-After: 2: asked again after >= 2 s (server clock, 500 ms for its lag): "
        f"{[round(b - bt[0], 3) for b in bt]} {r.stderr[-300:]}")
recs = lib.case_records(os.path.join(work, "busy"))
st = [x.status() for x in recs if x.type in ("response", "revisit") and x.uri == base + "/busy"]
T.check(st == [429, 200], f"both answers recorded: {st}")
lines = [json.loads(x) for x in open(logf)]
T.check([(x["url"], x["outcome"], x["status"]) for x in lines] == [(base + "/busy", "ok", 200)],
        f"--log: one line for the URL when it ends: {lines}")
r, paths, _ = crawl("busy0", "--depth", "0", "--retries", "0", base + "/busy")
T.check(r.returncode == 0 and paths.count("/busy") == 1, f"--retries 0: asked once: {paths}")

r, paths, _ = crawl("mph", "--max-per-host", "2", "--depth", "2", base + "/")
T.check(r.returncode == 0 and len([p for p in paths if p != "/robots.txt"]) == 2,
        f"--max-per-host 2: two pages: {paths}")

r, paths, _ = crawl("req", "--requisites", "--depth", "0", base + "/img.html")
want = ["/i1.jpg", "/i2.jpg", "/i3.jpg", "/bg.png", "/st.png", "/v.mp4", "/poster.jpg", "/a.mp3", "/p1.webp",
        "/s.css", "/font.woff", "/more.css", "/m.png"]
T.check(r.returncode == 0 and all(w in paths for w in want),
        f"--requisites: srcset, style url(), video/audio/source, a style sheet's url() and @import: "
        f"missing {[w for w in want if w not in paths]}")
recs = lib.case_records(os.path.join(work, "req"))
T.check(base + "/font.woff" in {x.uri for x in recs if x.type in ("response", "revisit")},
        "the font a style sheet loads is in the case")

srv.shutdown()
T.finish()
