#!/usr/bin/env python3
"""test_login.py — pages behind a login, captured without leaking the session.

A loopback server shows its pages only with the right session cookie (/private/...), the right
Authorization header (/api) or the right X-Api-Key (/key). custody crawl gets them through
--cookies (a Netscape cookie file), --header and --secret-header. Checks:
  - the pages are captured (200), the server saw the secrets;
  - request records hold sha256:<hex> of each secret value, say so (Custody-Hashed-Headers,
    capture metadata "request_headers_hashed"), and custody-verify accepts the case;
  - the secret bytes appear nowhere: no file of the case directory (capture files decompressed),
    not the --log file, not stdout (--json) or stderr;
  - --keep-secrets keeps them verbatim (the operator's choice);
  - a cookie file with no cookie is refused with a clear message.
Prints "N passed, N failed".
"""
import glob, hashlib, json, os, subprocess, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

T = lib.Tally()
COOKIE = "s3cr3t-cookie-7f2a9e41"
TOKEN = "tok-9b8c7d6e5f4a3b2c"
APIKEY = "key-abcdef1234567890"
SECRETS = [COOKIE, TOKEN, APIKEY]
PAGE = ("<html><head><meta charset='utf-8'></head><body><p>开盒 人肉 张伟 身份证号 11010519491231002X</p>"
        "<a href='/private/2'>next</a> <a href='/api'>api</a> <a href='/key'>key</a></body></html>").encode()
seen = []


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        seen.append((self.path, dict(self.headers)))
        ok = True
        if self.path.startswith("/private"):
            ok = f"session={COOKIE}" in (self.headers.get("Cookie") or "")
        elif self.path == "/api":
            ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
        elif self.path == "/key":
            ok = self.headers.get("X-Api-Key") == APIKEY
        elif self.path == "/robots.txt":
            ok = False
        body = PAGE if ok else b"<html><body>log in first</body></html>"
        self.send_response(200 if ok else 403)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
port = srv.server_address[1]
base = f"http://127.0.0.1:{port}"

work = lib.tmpdir()
cookies = os.path.join(work, "cookies.txt")
with open(cookies, "w") as f:
    f.write("# Netscape HTTP Cookie File\n")
    f.write(f"127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t{COOKIE}\n")
case = os.path.join(work, "case")
log = os.path.join(work, "urls.log")
r = lib.custody("crawl", "--json", "--depth", "2", "--cookies", cookies,
                "--header", f"Authorization: Bearer {TOKEN}", "--header", f"X-Api-Key: {APIKEY}",
                "--secret-header", "x-api-key", "--log", log, "-o", case, base + "/private/1")
T.check(r.returncode == 0, f"crawl behind the login: exit {r.returncode} {r.stderr[-500:]}")
got = {p: h for p, h in seen}
T.check(f"session={COOKIE}" in (got.get("/private/1", {}).get("Cookie") or ""), "the server got the cookie")
T.check(got.get("/api", {}).get("Authorization") == f"Bearer {TOKEN}", "the server got the Authorization header")

recs = lib.case_records(case)
resp = {r_.uri: r_ for r_ in recs if r_.type in ("response", "revisit")}
for path in ["/private/1", "/private/2", "/api", "/key"]:
    rr = resp.get(base + path)
    T.check(rr is not None and rr.status() == 200, f"{path}: captured with status 200")


def sha(v):
    return "sha256:" + hashlib.sha256(v.encode()).hexdigest()


reqs = [r_ for r_ in recs if r_.type == "request"]
req1 = next((r_ for r_ in reqs if r_.uri == base + "/private/1"), None)
T.check(req1 is not None and f"Cookie: {sha('session=' + COOKIE)}".encode() in req1.block,
        f"request record: Cookie: sha256:<hex> of the value sent: {req1 and req1.block[:400]}")
T.check(req1 is not None and f"Authorization: {sha('Bearer ' + TOKEN)}".encode() in req1.block
        and f"X-Api-Key: {sha(APIKEY)}".encode() in req1.block,
        "request record: Authorization and the --secret-header hashed")
T.check(req1 is not None and "Cookie" in (req1.get("Custody-Hashed-Headers") or "")
        and "X-Api-Key" in (req1.get("Custody-Hashed-Headers") or ""),
        f"request record says which headers are hashed: {req1 and req1.get('Custody-Hashed-Headers')}")
metas = [json.loads(r_.block) for r_ in recs if r_.type == "metadata"
         and (r_.get("Content-Type") or "").startswith("application/vnd.custody.capture+json")]
T.check(any("Authorization" in (m.get("request_headers_hashed") or "") for m in metas),
        "capture metadata: request_headers_hashed")
if os.path.exists(lib.CUSTODY_VERIFY):
    vrc, v = lib.verify(case)
    T.check(vrc == 3 and not v.get("errors"), f"custody-verify accepts the case: {str(v)[:400]}")


def leaks(blob, where):
    for s in SECRETS:
        T.check(s.encode() not in blob, f"secret {s[:6]}... not in {where}")


for path in sorted(glob.glob(os.path.join(case, "*"))):
    data = open(path, "rb").read()
    if path.endswith(".zst"):
        data = subprocess.run(["zstd", "-dc", path], capture_output=True).stdout
        T.check(b"WARC/1.1" in data, f"{os.path.basename(path)} decompressed")
    leaks(data, os.path.basename(path))
leaks(open(log, "rb").read(), "the --log file")
leaks(r.stdout.encode(), "stdout (--json)")
leaks(r.stderr.encode(), "stderr")
lines = [json.loads(x) for x in open(log)]
T.check({l_["url"] for l_ in lines} >= {base + p for p in ["/private/1", "/private/2", "/api", "/key"]},
        "--log: one line per URL")
T.check(all(l_["outcome"] in ("ok", "http_error") for l_ in lines), "--log outcomes")

# custody ls --json prints the shape of the --log lines, with the same values
lsj = lib.custody("ls", "--json", case)
objs = {o["url"]: o for o in (json.loads(x) for x in lsj.stdout.splitlines() if x.strip())}
keys = ["url", "final_url", "status", "bytes", "outcome", "request_record", "response_record", "file",
        "offset", "findings", "doxing"]
for l_ in lines:
    o = objs.get(l_["url"], {})
    T.check(set(l_) <= set(o) | {"ms"} and "ms" in o, f"ls --json has every --log key: {sorted(set(l_) - set(o))}")
    T.check(all(o.get(k) == l_.get(k) for k in keys),
            f"ls --json agrees with --log for {l_['url']}: {[(k, o.get(k), l_.get(k)) for k in keys if o.get(k) != l_.get(k)]}")
leaks(lsj.stdout.encode(), "ls --json")

# --keep-secrets: the operator's choice, verbatim
case2 = os.path.join(work, "case2")
r = lib.custody("crawl", "--depth", "0", "--keep-secrets", "--cookies", cookies, "-o", case2, base + "/private/1")
reqs2 = [r_ for r_ in lib.case_records(case2) if r_.type == "request" and r_.uri.endswith("/private/1")]
T.check(r.returncode == 0 and reqs2 and f"session={COOKIE}".encode() in reqs2[0].block,
        "--keep-secrets keeps the cookie verbatim in the request record")

# a cookie file without cookies
empty = os.path.join(work, "empty.txt")
open(empty, "w").write("# nothing\n")
r = lib.custody("crawl", "--cookies", empty, "-o", os.path.join(work, "case3"), base + "/private/1")
T.check(r.returncode == 2 and "no cookie" in r.stderr, f"an empty cookie file is refused: {r.stderr[-300:]}")

srv.shutdown()
T.finish()
