#!/usr/bin/env python3
"""tsa.py — a TEST RFC 3161 time-stamp authority on 127.0.0.1 (python3 stdlib + openssl CLI).

    python3 tsa.py [--port N] [--dir DIR] [--fail] [--reject]

On start it makes, in DIR (default: a fresh temp dir), a test CA and a TSA
certificate issued by it (extendedKeyUsage critical timeStamping), both
clearly named "custody TEST ... - not trusted", and prints

    listening on 127.0.0.1 PORT
    ca DIR/tsa-ca.pem

Every POST of an application/timestamp-query is answered with
`openssl ts -reply` (a real, signed TimeStampResp). For tests:
  --fail          answer every request with HTTP 503 (the TSA is "down")
  --reject        answer with a TimeStampResp whose status is rejection
  --ahead SECONDS sign with a clock SECONDS ahead of this machine's (genTime in the
                  future; negative: behind), through faketime(1): a skewed TSA for
                  the clock check of the environment record
  POST /fail      -> 503 for that request; POST /reject -> a rejection
  GET  /ca.pem    -> the CA certificate (what --tsa-trust needs)
  GET  /mode?fail=1|0  switch --fail on or off while running
It is a test and demo authority only: its CA must never be trusted for anything else.
"""
import argparse, http.server, os, socketserver, subprocess, sys, tempfile, threading

CONF = """
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ tsa_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/tsa-serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa-ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.3161.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def run(*args, cwd):
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True)
    if p.returncode != 0:
        sys.stderr.write("tsa.py: openssl %s failed: %s\n" % (args[0], p.stderr.decode(errors="replace")))
        sys.exit(2)
    return p.stdout


def make_pki(d, days):
    with open(os.path.join(d, "tsa.cnf"), "w") as f:
        f.write(CONF.replace("{dir}", d))
    with open(os.path.join(d, "tsa-serial"), "w") as f:
        f.write("01\n")
    cnf = os.path.join(d, "tsa.cnf")
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "tsa-ca.key", cwd=d)
    run("req", "-new", "-x509", "-config", cnf, "-key", "tsa-ca.key", "-sha256", "-days", str(days),
        "-subj", "/CN=custody TEST timestamp CA - not trusted/O=custody tests", "-extensions", "ca_ext",
        "-out", "tsa-ca.pem", cwd=d)
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "tsa.key", cwd=d)
    run("req", "-new", "-config", cnf, "-key", "tsa.key",
        "-subj", "/CN=custody TEST timestamp authority - not trusted/O=custody tests", "-out", "tsa.csr", cwd=d)
    run("x509", "-req", "-in", "tsa.csr", "-CA", "tsa-ca.pem", "-CAkey", "tsa-ca.key", "-CAcreateserial",
        "-sha256", "-days", str(days), "-extfile", cnf, "-extensions", "tsa_ext", "-out", "tsa.pem", cwd=d)


class State:
    fail = False
    reject = False
    lock = threading.Lock()
    dir = ""
    count = 0
    ahead = 0


def reply(query, reject):
    d = State.dir
    with State.lock:  # openssl ts -reply updates the serial file
        State.count += 1
        q = os.path.join(d, "q%d.tsq" % State.count)
        r = os.path.join(d, "r%d.tsr" % State.count)
        with open(q, "wb") as f:
            f.write(query)
        if reject:
            # a real TimeStampResp with status rejection (badRequest): DER by hand,
            # as openssl has no switch for it: SEQUENCE { PKIStatusInfo { status 2, failInfo } }
            os.unlink(q)
            return bytes.fromhex("3009300702010203020780")  # status rejection, failInfo badAlg
        pre = ["faketime", "-f", "%+ds" % State.ahead] if State.ahead else []
        p = subprocess.run(pre + ["openssl", "ts", "-reply", "-config", os.path.join(d, "tsa.cnf"),
                            "-queryfile", q, "-out", r], capture_output=True)
        os.unlink(q)
        if p.returncode != 0 or not os.path.exists(r):
            return None
        with open(r, "rb") as f:
            data = f.read()
        os.unlink(r)
        return data


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body, ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/ca.pem":
            with open(os.path.join(State.dir, "tsa-ca.pem"), "rb") as f:
                return self.send(200, f.read(), "application/x-pem-file")
        if self.path.startswith("/mode?fail="):
            State.fail = self.path.endswith("=1")
            return self.send(200, b"ok\n")
        self.send(404, b"not found\n")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if 0 < n <= 65536 else b""
        if State.fail or self.path == "/fail":
            return self.send(503, b"test TSA told to fail\n")
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/timestamp-query" or not body:
            return self.send(400, b"expected application/timestamp-query\n")
        data = reply(body, State.reject or self.path == "/reject")
        if data is None:
            return self.send(500, b"openssl ts -reply failed\n")
        self.send(200, data, "application/timestamp-reply")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="custody TEST time-stamp authority (not trusted)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--dir", default="")
    ap.add_argument("--days", type=int, default=3650)
    ap.add_argument("--fail", action="store_true")
    ap.add_argument("--reject", action="store_true")
    ap.add_argument("--ahead", type=int, default=0)
    a = ap.parse_args()
    State.dir = os.path.abspath(a.dir or tempfile.mkdtemp(prefix="custody-tsa-"))
    os.makedirs(State.dir, exist_ok=True)
    State.fail, State.reject, State.ahead = a.fail, a.reject, a.ahead
    if not os.path.exists(os.path.join(State.dir, "tsa.pem")):
        make_pki(State.dir, a.days)
    srv = Server(("127.0.0.1", a.port), Handler)
    print("listening on 127.0.0.1 %d" % srv.server_address[1], flush=True)
    print("ca %s" % os.path.join(State.dir, "tsa-ca.pem"), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
