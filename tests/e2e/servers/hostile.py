#!/usr/bin/env python3
"""hostile.py — a loopback HTTP server that misbehaves in every way at once (stdlib only).

  hostile.py PORT [LOG] (0: pick a free port) — prints "listening on 127.0.0.1 PORT" first;
                        each request's time and path go to LOG (default: stdout)

Raw sockets, so that it can send what no well-behaved library would. Each route is a trap a
crawler must survive with bounded memory and an honest record:
  /                 HTML index linking to every trap below
  /robots.txt       allows everything
  /drip             Content-Length 100000, then one byte per second
  /endless          200 text/html, no length, an endless body (until the client hangs up)
  /bigheader        one 4 MiB header line
  /manyheaders      200 000 header lines
  /loop?n=N         302 to /loop?n=N+1 (a redirect loop)
  /bomb             gzip of 1 GiB (a fabricated ID card number, then zeros), made on the fly:
                    the compressed block is built once and repeated (full flushes), so the
                    server never holds the decoded GiB
  /badchunk         chunked, one good chunk, then an invalid chunk size "zz"
  /noheaders        a status line, then nothing ever again (headers that never come)
  /midheaders       half a header block, then the connection closes
  /garbage          a garbage status line
  /neglen           Content-Length: -5
  /longurl          a page linking a 100 kB URL
  /chain/N          a page linking /chain/N+1 (an endless chain of links)
  /earlyhints       103 Early Hints, then 200
  /gzip-trunc       a doxing page, gzip'd, without its 8-byte gzip trailer
  /nul-link         a page linking /l2&#0;z
  /file-redirect    302 to file:///etc/passwd
  /gopher-redirect  302 to gopher://127.0.0.1/1
"""
import socket, socketserver, struct, sys, threading, time, zlib

DOX = ("<html><head><meta charset=\"utf-8\"><title>开盒</title></head><body><p>开盒 人肉 曝光："
       "张伟 身份证号 11010519491231002X 手机 13800138000 住址 北京市东城区某街道1号</p>"
       "</body></html>\n").encode()
TRAPS = ["/drip", "/endless", "/bigheader", "/manyheaders", "/loop?n=0", "/bomb", "/badchunk",
         "/noheaders", "/midheaders", "/garbage", "/neglen", "/longurl", "/chain/0", "/earlyhints",
         "/gzip-trunc", "/nul-link", "/file-redirect", "/gopher-redirect"]
INDEX = ("<html><body>" + "".join(f'<a href="{u}">{u}</a>\n' for u in TRAPS) + "</body></html>\n").encode()
BOMB_BLOCKS = 1024          # x 1 MiB of zeros = 1 GiB decoded
_bomb = None
_bomb_lock = threading.Lock()
_log_lock = threading.Lock()
LOG = sys.stdout


def bomb_parts():
    """(head, block, tail): gzip header + deflate(DOX), one repeatable deflate block of 1 MiB
    of zeros, and the final block + trailer. Built once (a few MB of work)."""
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            zeros = bytes(1 << 20)
            co = zlib.compressobj(9, zlib.DEFLATED, -15)
            head = co.compress(DOX) + co.flush(zlib.Z_FULL_FLUSH)
            blk = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
            blk2 = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
            assert blk == blk2, "a full flush must make blocks repeatable"
            fin = co.flush(zlib.Z_FINISH)
            crc = zlib.crc32(DOX)
            for _ in range(BOMB_BLOCKS):
                crc = zlib.crc32(zeros, crc)
            size = (len(DOX) + BOMB_BLOCKS * len(zeros)) & 0xFFFFFFFF
            gz_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
            _bomb = (gz_header + head, blk, fin + struct.pack("<II", crc, size))
        return _bomb


def gzip_trunc():
    co = zlib.compressobj(6, zlib.DEFLATED, 31)
    full = co.compress(DOX) + co.flush()
    return full[:-8]


def html_response(body, extra=b""):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body)


class Handler(socketserver.BaseRequestHandler):
    def read_request(self):
        data = b""
        self.request.settimeout(30)
        while b"\r\n\r\n" not in data:
            try:
                got = self.request.recv(65536)
            except OSError:
                return None
            if not got:
                return None
            data += got
            if len(data) > 1 << 20:
                return None
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        return parts[1] if len(parts) >= 2 else None

    def send(self, b):
        try:
            self.request.sendall(b)
            return True
        except OSError:
            return False

    def handle(self):
        # one request per connection: every answer closes (traps leave the connection unusable)
        path = self.read_request()
        if path is None:
            return
        s = self.send
        with _log_lock:
            LOG.write(f"{time.time():.3f} {path[:80]}\n")
            LOG.flush()
        if path == "/":
            s(html_response(INDEX, b"Connection: close\r\n"))
        elif path == "/robots.txt":
            s(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 25\r\nConnection: close\r\n\r\n"
              b"User-agent: *\nDisallow:\n\n")
        elif path == "/drip":
            if s(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"):
                for _ in range(100000):
                    if not s(b"a"):
                        break
                    time.sleep(1)
        elif path == "/endless":
            if s(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html><body>"):
                chunk = b"<p>endless page, endless text</p>\n" * 2000
                while s(chunk):
                    pass
        elif path == "/bigheader":
            s(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (4 << 20) + b"\r\nContent-Length: 2\r\n\r\nok")
        elif path == "/manyheaders":
            hdr = b"".join(b"X-H%d: v\r\n" % i for i in range(200000))
            s(b"HTTP/1.1 200 OK\r\n" + hdr + b"Content-Length: 2\r\n\r\nok")
        elif path.startswith("/loop"):
            try:
                n = int(path.split("=", 1)[1])
            except (IndexError, ValueError):
                n = 0
            s(b"HTTP/1.1 302 Found\r\nLocation: /loop?n=%d\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
              % (n + 1))
        elif path == "/bomb":
            head, blk, tail = bomb_parts()
            if s(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n"
                 b"Content-Length: " + str(len(head) + BOMB_BLOCKS * len(blk) + len(tail)).encode()
                 + b"\r\n\r\n" + head):
                for _ in range(BOMB_BLOCKS):
                    if not s(blk):
                        return
                s(tail)
        elif path == "/badchunk":
            s(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"10\r\n<html><body>ok.\r\nzz\r\nnot a chunk\r\n")
        elif path == "/noheaders":
            if s(b"HTTP/1.1 200 OK\r\n"):
                time.sleep(3600)
        elif path == "/midheaders":
            s(b"HTTP/1.1 200 OK\r\nContent-Type: text/ht")
        elif path == "/garbage":
            s(b"\x00\x01\x02GARBAGE \xff\xfe not http at all\r\n\r\nmore garbage")
        elif path == "/neglen":
            s(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: -5\r\n\r\n<html>neg</html>")
        elif path == "/longurl":
            s(html_response(b'<html><body><a href="/x?' + b"a" * 100000 + b'">long</a></body></html>\n',
                            b"Connection: close\r\n"))
        elif path.startswith("/chain/"):
            try:
                n = int(path[7:])
            except ValueError:
                n = 0
            s(html_response(b'<html><body><a href="/chain/%d">next</a></body></html>\n' % (n + 1),
                            b"Connection: close\r\n"))
        elif path == "/earlyhints":
            s(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
              + html_response(b"<html><body>after early hints</body></html>\n", b"Connection: close\r\n"))
        elif path == "/gzip-trunc":
            body = gzip_trunc()
            s(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n"
              b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        elif path == "/nul-link":
            s(html_response(b'<html><body><a href="/l2&#0;z">nul</a></body></html>\n', b"Connection: close\r\n"))
        elif path == "/file-redirect":
            s(b"HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        elif path == "/gopher-redirect":
            s(b"HTTP/1.1 302 Found\r\nLocation: gopher://127.0.0.1/1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        else:
            s(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
              b"not found\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global LOG
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if len(sys.argv) > 2:
        LOG = open(sys.argv[2], "a")
    srv = Server(("127.0.0.1", port), Handler)
    sys.stdout.write(f"listening on 127.0.0.1 {srv.server_address[1]}\n")
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
