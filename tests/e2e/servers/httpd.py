#!/usr/bin/env python3
"""httpd.py — the test HTTP server for custody's end-to-end tests (stdlib only).

  httpd.py PORT        (0: pick a free port) — prints "listening on 127.0.0.1 PORT" first

Routes (HTTP/1.1, keep-alive), each sending exactly the bytes a test expects:
  /                     HTML index linking to every route below
  /robots.txt           User-agent: * / Disallow: /private/
  /private/secret       must never be fetched while robots.txt is obeyed
  /page.html            plain HTML with Content-Length
  /chunked              HTML in three chunks (Transfer-Encoding: chunked)
  /gzip                 HTML, Content-Encoding: gzip, Content-Length
  /chunked-gzip         HTML gzip'd, then chunked
  /redirect/1           301 -> absolute /redirect/2
  /redirect/2           302 -> relative "final"
  /redirect/final       200 HTML
  /redirect/loop        302 -> itself?n+1 (endless)
  /404  /500            those statuses with a small HTML body
  /cut                  Content-Length 100000, sends 1000 bytes, closes
  /cut-chunked          one chunk, then closes without the last chunk
  /slow?s=N             waits N seconds (default 3) then answers
  /bin                  40000 bytes of binary data (application/octet-stream)
  /dup1 /dup2           identical HTML payloads (revisit)
  /big                  3 MiB of text (for --max-body)
  /json                 application/json
  /double-end           chunked, then a stray second "0\r\n\r\n" (breaks the next response on
                        that connection)
  /untyped              HTML without Content-Type (links still followed)
  /bad-coding           HTML whose Content-Encoding nobody knows (not linked from /): the
                        detector cannot read it, and the findings record must say so
  /req.html             embeds http://localhost:PORT/bin and links http://localhost:PORT/page.html
  /_hits?path=P         how many requests for path P this server has started answering
                        (not counted itself): lets a test wait for the crawler to get somewhere
                        instead of sleeping and hoping
The served bodies are in BODIES / body_for() so tests can compare.
"""
import collections, gzip, socketserver, sys, threading, time
from urllib.parse import parse_qs
from http.server import BaseHTTPRequestHandler, HTTPServer

PAGE = b"<html><head><title>page</title></head><body><p>A plain page.</p><a href=\"/chunked\">c</a></body></html>\n"
CHUNKED = [b"<html><body><p>first chunk</p>", b"<p>second chunk</p><a href=\"/page.html\">p</a>", b"</body></html>\n"]
GZIP_HTML = b"<html><body><p>" + b"gzip me " * 200 + b"</p><a href=\"/page.html\">p</a></body></html>\n"
CHUNKED_GZIP_HTML = b"<html><body><p>" + b"chunked and gzip " * 300 + b"</p></body></html>\n"
DUP = b"<html><body><p>the same payload twice</p></body></html>\n"
BIN = bytes((i * 7919 + (i >> 8)) & 0xFF for i in range(40000))
BIG = (b"0123456789abcdef" * 64 + b"\n") * 3072
JSON = b'{"user": "test", "posts": [1, 2, 3]}\n'
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
INDEX_LINKS = ["/page.html", "/chunked", "/gzip", "/chunked-gzip", "/redirect/1", "/404", "/500", "/cut",
               "/cut-chunked", "/bin", "/dup1", "/dup2", "/json", "/private/secret", "mailto:x@example.com",
               "javascript:void(0)"]
INDEX = ("<html><body>" + "".join(f'<a href="{u}">{u}</a>\n' for u in INDEX_LINKS) + "</body></html>\n").encode()


def body_for(path):
    return {"/": INDEX, "/page.html": PAGE, "/chunked": b"".join(CHUNKED), "/gzip": GZIP_HTML,
            "/chunked-gzip": CHUNKED_GZIP_HTML, "/dup1": DUP, "/dup2": DUP, "/bin": BIN, "/big": BIG,
            "/json": JSON, "/robots.txt": ROBOTS}.get(path)


HITS = collections.Counter()
HITS_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "custody-test/1"

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype="text/html; charset=utf-8", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def chunked(self, parts, ctype="text/html; charset=utf-8", extra=(), finish=True):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for p in parts:
            if not p:
                continue  # an empty chunk would be the terminating one
            self.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
            self.wfile.flush()
        if finish:
            self.wfile.write(b"0\r\n\r\n")

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/_hits":
            with HITS_LOCK:
                n = HITS[parse_qs(query).get("path", [""])[0]]
            return self.send(200, b"%d" % n, ctype="text/plain")
        with HITS_LOCK:
            HITS[path] += 1
        if path == "/chunked":
            return self.chunked(CHUNKED)
        if path == "/gzip":
            return self.send(200, gzip.compress(GZIP_HTML, mtime=0), extra=[("Content-Encoding", "gzip")])
        if path == "/chunked-gzip":
            z = gzip.compress(CHUNKED_GZIP_HTML, mtime=0)
            return self.chunked([z[:len(z) // 2], z[len(z) // 2:]], extra=[("Content-Encoding", "gzip")])
        if path == "/redirect/1":
            host = self.headers.get("Host")
            return self.send(301, b"moved", extra=[("Location", f"http://{host}/redirect/2")])
        if path == "/redirect/2":
            return self.send(302, b"found", extra=[("Location", "final")])
        if path == "/redirect/loop":
            n = int(parse_qs(query).get("n", ["0"])[0])
            return self.send(302, b"again", extra=[("Location", f"/redirect/loop?n={n + 1}")])
        if path == "/redirect/final":
            return self.send(200, b"<html><body>final</body></html>\n")
        if path == "/404":
            return self.send(404, b"<html><body>not here</body></html>\n")
        if path == "/500":
            return self.send(500, b"<html><body>broken</body></html>\n")
        if path == "/cut":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"<html><body>" + b"x" * 988)
            self.wfile.flush()
            self.close_connection = True
            return
        if path == "/cut-chunked":
            self.chunked([b"<html><body>partial"], finish=False)
            self.wfile.flush()
            self.close_connection = True
            return
        if path == "/slow":
            secs = float(parse_qs(query).get("s", ["3"])[0])
            time.sleep(secs)
            return self.send(200, b"<html><body>slow</body></html>\n")
        if path == "/bin":
            return self.send(200, BIN, ctype="application/octet-stream")
        if path == "/big":
            return self.send(200, BIG, ctype="text/plain")
        if path == "/req.html":  # embeds a resource from another host name (same server)
            other = "localhost:" + self.headers.get("Host", "").rsplit(":", 1)[-1]
            return self.send(200, (f'<html><body><img src="http://{other}/bin">'
                                   f'<a href="http://{other}/page.html">elsewhere</a></body></html>\n').encode())
        if path == "/untyped":  # HTML without a Content-Type header
            body = b'<!DOCTYPE html><html><body><a href="/page.html">p</a></body></html>\n'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path == "/double-end":  # a broken server: a second terminating chunk, a bit later
            self.chunked([b"<html><body>double end</body></html>\n"])
            self.wfile.flush()
            time.sleep(0.05)
            self.wfile.write(b"0\r\n\r\n")
            return
        if path == "/json":
            return self.send(200, JSON, ctype="application/json")
        if path == "/bad-coding":
            return self.send(200, b"\x8b\x00 not any coding custody knows", extra=[("Content-Encoding", "x-unknown")])
        if path == "/robots.txt":
            return self.send(200, ROBOTS, ctype="text/plain")
        b = body_for(path)
        if b is not None:
            return self.send(200, b)
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
