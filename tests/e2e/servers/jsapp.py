#!/usr/bin/env python3
"""jsapp.py — a loopback site whose personal data only JavaScript shows (browser capture tests).

  jsapp.py PORT        (0: pick a free port) — prints "listening on 127.0.0.1 PORT" first

Every person here is made up; the resident ID has a valid check digit so the detector
takes it for one.
  /app.html            an empty shell: its script fetches /api/user.json and writes the
                       name, resident ID and mobile into the page; a <profile-card> element
                       puts text in an open shadow root; the page is 4000 px tall and its
                       bottom sentinel, once scrolled into view, loads /api/lazy.json
  /api/user.json       the fabricated person (JSON)
  /api/lazy.json       the lazy content (JSON)
  /poll.html           keeps a long poll (/api/hang, answered after 120 s) open forever: never settles
  /api/hang            waits 120 s, then answers
  /_log                JSON list of every path answered so far, in order, with the sha256 of the
                       body sent (for tests that compare what the browser received)
"""
import hashlib, json, socketserver, sys, threading, time
from http.server import BaseHTTPRequestHandler, HTTPServer

USER = {"name": "\u738b\u5c0f\u660e", "resident_id": "11010519491231002X", "mobile": "13912345678",
        "address": "\u5317\u4eac\u5e02\u671d\u9633\u533a\u67d0\u67d0\u8def1\u53f7"}
LAZY = {"comment": "lazy-marker: \u4ed6\u7684\u624b\u673a 139 1234 5678"}

APP = """<!doctype html>
<html><head><meta charset="utf-8"><title>profile</title>
<style>
 body { margin: 0; font: 16px sans-serif; background: #fff; }
 #top { height: 120px; background: #2a6; color: #fff; }
 #spacer { height: 4000px; background: linear-gradient(#fff, #88c); }
 #sentinel { height: 40px; background: #c33; }
</style></head>
<body>
<div id="top">loading...</div>
<profile-card id="card"></profile-card>
<div id="spacer"></div>
<div id="sentinel"></div>
<div id="lazy"></div>
<script>
customElements.define("profile-card", class extends HTMLElement {
  connectedCallback() {
    const r = this.attachShadow({mode: "open"});
    r.innerHTML = "<p id='in-shadow'>shadow-marker: \\u8054\\u7cfb\\u7535\\u8bdd 13912345678</p>";
  }
});
fetch("/api/user.json").then(r => r.json()).then(u => {
  document.getElementById("top").textContent =
    "\\u59d3\\u540d " + u.name + " \\u8eab\\u4efd\\u8bc1 " + u.resident_id + " \\u624b\\u673a " + u.mobile +
    " \\u4f4f\\u5740 " + u.address;
});
new IntersectionObserver((es, obs) => {
  if (!es.some(e => e.isIntersecting)) return;
  obs.disconnect();
  fetch("/api/lazy.json").then(r => r.json()).then(j => {
    document.getElementById("lazy").textContent = j.comment;
  });
}).observe(document.getElementById("sentinel"));
</script>
</body></html>
"""

POLL = """<!doctype html>
<html><head><meta charset="utf-8"><title>poll</title></head><body><p id="p">polling</p>
<script>
function poll() { fetch("/api/hang").then(r => r.text()).then(t => { poll(); }); }
poll();
</script></body></html>
"""

log = []
log_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="text/html; charset=utf-8"):
        with log_lock:
            log.append({"path": self.path, "sha256": hashlib.sha256(body).hexdigest()})
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/app.html":
            return self.send(200, APP.encode())
        if path == "/poll.html":
            return self.send(200, POLL.encode())
        if path == "/api/user.json":
            return self.send(200, json.dumps(USER, ensure_ascii=False).encode(), "application/json")
        if path == "/api/lazy.json":
            return self.send(200, json.dumps(LAZY, ensure_ascii=False).encode(), "application/json")
        if path == "/api/hang":
            time.sleep(120)
            return self.send(200, b"tick", "text/plain")
        if path == "/_log":
            with log_lock:
                body = json.dumps(log).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        return self.send(404, b"<html><body>no such route</body></html>\n")


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    srv = Server(("127.0.0.1", port), Handler)
    print(f"listening on 127.0.0.1 {srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
