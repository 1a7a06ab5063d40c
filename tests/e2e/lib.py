"""lib.py — shared helpers for custody's end-to-end tests (python3 stdlib only).

Import from a test in tests/e2e/ with:

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import lib

What it offers:
  Tally()                     CHECK-style counter; .check(cond, msg), .finish() prints
                              "N passed, N failed" and exits 1 on failure
  closed_port()               a port on 127.0.0.1 that refuses connections (held, never listening)
  wait_port(port, timeout)    wait until something listens on 127.0.0.1:port
  start(cmd, port=None, ...)  start a server process (killed by stop_all / at exit)
  start_reporting(cmd, rx)    start a server that binds port 0 itself and prints the port it
                              got (rx's group 1) -> (proc, port)
  start_python_server()       tests/e2e/servers/httpd.py on a port of its own -> (proc, port)
  start_http_server(dir)      python's http.server serving dir on a port of its own -> (proc, port)
  start_tls_server(cert, key, www)  openssl s_server -WWW on a port of its own -> (proc, port)
  start_nginx(root)           nginx serving root on a free port -> (proc_like, port)
  hits(port, path)            how many requests httpd.py on port has answered for path
  wait_until(cond, what)      poll cond() until true (RuntimeError after a generous bound)

Ports: a server never gets a port picked here and bound later (another process may take it
in between, e.g. a second test run in parallel). Servers bind port 0 and report what they
got (httpd.py, openssl s_server, python's http.server in the tests); nginx cannot, so
start_nginx retries with another port when its bind fails.
  make_site(dir, pages)       $SHARED/corpus/mksite.py site
  custody(*args)              run $CUSTODY, return CompletedProcess (text)
  read_warc(path)             records of a .warc.zst/.warc file: list of Record
  zstd_frames(path)           number of zstd frames in a file (zstd -lv)
  check_warc(*paths)          $SHARED/interop/check-warc -> (ok, output)
  check_cdxj(case_dir)        $SHARED/interop/check-cdxj -> (ok, output)
  verify(*paths)              $CUSTODY_VERIFY --json -> (exit status, parsed JSON)
  case_records(case_dir)      records of every capture-*.warc.zst in order
  http_split(block)           (header_bytes, body_bytes) of an HTTP message
  dechunk(body)               chunked transfer coding removed (None if malformed)
  sha256(data)                "sha256:<hex>"
  make_cert(dir, cn)          self-signed cert for 127.0.0.1 -> (cert_path, key_path)
"""
import atexit, glob, hashlib, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("SHARED") or os.path.join(os.path.dirname(TOP), "shared")
CUSTODY = os.environ.get("CUSTODY") or os.path.join(TOP, "bin", "custody")
CUSTODY_VERIFY = os.environ.get("CUSTODY_VERIFY") or os.path.join(TOP, "bin", "custody-verify")

_procs = []
_tmpdirs = []
_nginxes = []
_held = []


class Tally:
    def __init__(self, name=""):
        self.passed = self.failed = 0
        self.name = name

    def check(self, cond, msg):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL", msg, flush=True)
        return bool(cond)

    def finish(self):
        stop_all()
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)


def tmpdir(prefix="custody-e2e-"):
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)  # nginx workers must read it
    _tmpdirs.append(d)
    return d


def free_port():
    """A port free now: only for a server that detects its bind failure and retries
    (start_nginx); anything else binds port 0 itself."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def closed_port():
    """A port on 127.0.0.1 where connections are refused: bound here and never listening,
    held until the test ends, so no other process can start listening on it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    _held.append(s)
    return s.getsockname()[1]


def wait_until(cond, what, bound=120.0):
    """Poll cond() until it is true. The bound only turns a hang into a failure; it is
    never what a check depends on."""
    end = time.time() + bound
    while not cond():
        if time.time() > end:
            raise RuntimeError(f"gave up waiting for {what} after {bound:.0f} s")
        time.sleep(0.05)


def wait_port(port, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def start(cmd, port=None, cwd=None, timeout=60.0, stdout=subprocess.DEVNULL):
    """Start a server process in its own process group; wait for its port."""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    _procs.append(p)
    if port is not None and not wait_port(port, timeout):
        stop(p)
        raise RuntimeError(f"server {cmd[0]} did not listen on port {port}")
    return p


def stop(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


def stop_all():
    while _nginxes:
        _nginxes.pop().stop()
    while _procs:
        stop(_procs.pop())
    while _held:
        _held.pop().close()
    while _tmpdirs:  # CUSTODY_KEEP_TMP=1 keeps them, to look at what a failed test left
        d = _tmpdirs.pop()
        if os.environ.get("CUSTODY_KEEP_TMP"):
            print(f"kept {d}", file=sys.stderr)
        else:
            shutil.rmtree(d, ignore_errors=True)


atexit.register(stop_all)


def _drain(f):
    try:
        while f.read(65536):
            pass
    except (OSError, ValueError):
        pass


def start_reporting(cmd, rx, cwd=None, timeout=60.0):
    """Start a server that binds port 0 itself and prints the port it got: the first
    stdout line matching rx (group 1 is the port). The rest of stdout is drained so
    the server never blocks on a full pipe. -> (proc, port)"""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    _procs.append(p)
    killer = threading.Timer(timeout, stop, [p])  # a server that never says turns into a failure
    killer.start()
    port = None
    try:
        for line in p.stdout:
            m = re.search(rx, line.decode("latin1"))
            if m:
                port = int(m.group(1))
                break
    finally:
        killer.cancel()
    if port is None:
        stop(p)
        raise RuntimeError(f"server {cmd[0]} did not report its port")
    threading.Thread(target=_drain, args=(p.stdout,), daemon=True).start()
    if not wait_port(port, timeout):
        stop(p)
        raise RuntimeError(f"server {cmd[0]} did not listen on port {port}")
    return p, port


def start_python_server():
    """tests/e2e/servers/httpd.py on a port it binds itself (it prints the port)."""
    return start_reporting([sys.executable, os.path.join(HERE, "servers", "httpd.py"), "0"],
                           r"^listening on 127\.0\.0\.1 (\d+)")


def start_http_server(directory):
    """python3 -m http.server serving directory; it binds port 0 and prints
    "Serving HTTP on 127.0.0.1 port N ..." (-u: unbuffered, the line comes at once)."""
    return start_reporting([sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0",
                            "--directory", directory], r"^Serving HTTP on \S+ port (\d+)")


def start_tls_server(cert, key, www):
    """openssl s_server -WWW serving www; it binds port 0 and prints "ACCEPT 127.0.0.1:N"
    (so not -quiet, which would hide that line)."""
    return start_reporting(["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key,
                            "-WWW"], r"^ACCEPT 127\.0\.0\.1:(\d+)", cwd=www)


def hits(port, path):
    """How many requests for path httpd.py on port has started answering."""
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    with direct.open(f"http://127.0.0.1:{port}/_hits?path={path}", timeout=30) as r:
        return int(r.read())


class _Nginx:
    """A daemonized nginx: stopped by its master pid, read once it started."""

    def __init__(self, work):
        self.work = work
        self.pid = None

    def poll(self):
        return None

    def read_pid(self, timeout=60.0):
        end = time.time() + timeout
        while self.pid is None and time.time() < end:
            try:
                self.pid = int(open(os.path.join(self.work, "nginx.pid")).read().strip())
            except (OSError, ValueError):
                time.sleep(0.05)

    def stop(self):
        if self.pid is None:
            self.read_pid(0)
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except OSError:
                pass
            for _ in range(100):  # wait for it to go before its directory is removed
                try:
                    os.kill(self.pid, 0)
                except OSError:
                    break
                time.sleep(0.02)
            self.pid = None


def start_nginx(root):
    """nginx (nginx-light) serving root on 127.0.0.1:<free port>, config in a temp dir.
    nginx cannot bind port 0 and say which port it got, so a port taken between
    free_port() and nginx's bind (by another process) means: try again with another."""
    work = tmpdir("custody-nginx-")
    conf = os.path.join(work, "nginx.conf")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    # Run as root, nginx's workers would be "nobody" and need the served tree (and every
    # directory above it) world-readable, which depends on the umask and on TMPDIR. The
    # workers run as the user who made the files instead.
    user = ""
    if os.geteuid() == 0:
        import grp, pwd
        user = f"user {pwd.getpwuid(0).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    for attempt in range(50):
        port = free_port()
        with open(conf, "w") as f:
            f.write(f"""worker_processes 1; pid {work}/nginx.pid; error_log {work}/nginx.err; daemon on; {user}
events {{ worker_connections 1024; }}
http {{ access_log off; types {{ text/html html; text/plain txt; }}
  client_body_temp_path {work}/cb; proxy_temp_path {work}/px; fastcgi_temp_path {work}/fc;
  uwsgi_temp_path {work}/uw; scgi_temp_path {work}/sc;
  server {{ listen 127.0.0.1:{port}; root {root}; keepalive_requests 100000; }} }}
""")
        r = subprocess.run([nginx, "-c", conf, "-p", work], capture_output=True, text=True)
        if r.returncode == 0:
            break
        try:
            log = open(os.path.join(work, "nginx.err")).read()
        except OSError:
            log = ""
        if "Address already in use" not in r.stderr + log:
            raise RuntimeError("nginx failed: " + r.stderr)
    else:
        raise RuntimeError("nginx: no free port after 50 tries")
    n = _Nginx(work)
    _nginxes.append(n)
    n.read_pid()
    if not wait_port(port):
        raise RuntimeError("nginx did not listen")
    return n, port


def make_site(outdir, pages=60, kib=0, seed=1):
    cmd = [sys.executable, os.path.join(SHARED, "corpus", "mksite.py"), outdir, "--pages", str(pages),
           "--seed", str(seed)]
    if kib:
        cmd += ["--kib", str(kib)]
    subprocess.run(cmd, check=True)
    os.chmod(outdir, 0o755)
    return outdir


def custody(*args, timeout=300, binary=None):
    return subprocess.run([binary or CUSTODY] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout)


class Record:
    def __init__(self, header_bytes, block, offset=None):
        self.header_bytes = header_bytes
        self.block = block
        self.fields = []
        lines = header_bytes.split(b"\r\n")
        self.version = lines[0].decode("latin1")
        for line in lines[1:]:
            if not line:
                continue
            k, _, v = line.partition(b":")
            self.fields.append((k.strip().decode("latin1"), v.strip().decode("utf-8", "replace")))

    def get(self, name, default=None):
        for k, v in self.fields:
            if k.lower() == name.lower():
                return v
        return default

    def get_all(self, name):
        return [v for k, v in self.fields if k.lower() == name.lower()]

    @property
    def type(self):
        return self.get("WARC-Type")

    @property
    def id(self):
        return self.get("WARC-Record-ID")

    @property
    def uri(self):
        return self.get("WARC-Target-URI")

    def http(self):
        return http_split(self.block)

    def status(self):
        head, _ = http_split(self.block)
        try:
            return int(head.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return 0

    def http_header(self, name):
        head, _ = http_split(self.block)
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == name.lower().encode():
                return v.strip().decode("latin1")
        return None


def parse_warc(data):
    recs, pos = [], 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0 or not data.startswith(b"WARC/", pos):
            raise ValueError(f"no WARC record at byte {pos}")
        r = Record(data[pos:end + 4], b"")
        n = int(r.get("Content-Length", "0"))
        r.block = data[end + 4:end + 4 + n]
        if data[end + 4 + n:end + 8 + n] != b"\r\n\r\n":
            raise ValueError(f"record at {pos} does not end with CRLFCRLF")
        recs.append(r)
        pos = end + 8 + n
    return recs


def read_warc(path):
    if path.endswith(".zst"):
        data = subprocess.run(["zstd", "-dcq", path], capture_output=True, check=True).stdout
    else:
        data = open(path, "rb").read()
    return parse_warc(data)


def capture_files(case_dir):
    """The case's capture files in numeric order (capture-<id8>-NNNNN.warc.zst)."""
    def num(p):
        m = re.search(r"-(\d{5,9})\.warc\.zst$", p)
        return int(m.group(1)) if m else -1
    return sorted(glob.glob(os.path.join(case_dir, "capture-*.warc.zst")), key=lambda p: (num(p), p))


def case_records(case_dir):
    out = []
    for f in capture_files(case_dir):
        out += read_warc(f)
    return out


def zstd_frames(path):
    r = subprocess.run(["zstd", "-lv", path], capture_output=True, text=True)
    for line in (r.stdout + r.stderr).splitlines():
        if "Zstandard Frames:" in line:
            return int(line.split(":")[1].strip())
    return -1


def zframes(data):
    """[(offset, length)] of the zstd frames (and skippable frames) in data, read from the
    frame headers (RFC 8878) so a test can cut, swap or damage one frame."""
    out, pos = [], 0
    while pos + 4 <= len(data):
        magic = int.from_bytes(data[pos:pos + 4], "little")
        if magic & 0xFFFFFFF0 == 0x184D2A50:
            size = int.from_bytes(data[pos + 4:pos + 8], "little")
            out.append((pos, 8 + size))
            pos += 8 + size
            continue
        if magic != 0xFD2FB528:
            raise ValueError(f"no frame at {pos}")
        fhd = data[pos + 4]
        single, fcs_flag, did_flag, csum = fhd >> 5 & 1, fhd >> 6, fhd & 3, fhd >> 2 & 1
        p = pos + 5 + (0 if single else 1) + [0, 1, 2, 4][did_flag]
        p += [1 if single else 0, 2, 4, 8][fcs_flag]
        while True:
            bh = int.from_bytes(data[p:p + 3], "little")
            last, btype, bsize = bh & 1, bh >> 1 & 3, bh >> 3
            p += 3 + (1 if btype == 1 else bsize)
            if last:
                break
        p += 4 if csum else 0
        out.append((pos, p - pos))
        pos = p
    return out


def descendants(pid):
    """pids of every process below pid (read from /proc), e.g. chromium's helpers."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def status_kb(pid, field):
    """A kB field of /proc/PID/status (VmRSS, VmHWM), 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def check_warc(*paths):
    r = subprocess.run([os.path.join(SHARED, "interop", "check-warc")] + list(paths), capture_output=True,
                       text=True, timeout=600)
    return r.returncode == 0, r.stdout + r.stderr


def check_cdxj(case_dir):
    r = subprocess.run([sys.executable, os.path.join(SHARED, "interop", "check-cdxj"), case_dir],
                       capture_output=True, text=True, timeout=600)
    return r.returncode == 0, r.stdout + r.stderr


def verify(*paths, args=()):
    """$CUSTODY_VERIFY --json PATH...: (exit status, parsed JSON or {})."""
    r = subprocess.run([CUSTODY_VERIFY, "--json", *args, *paths], capture_output=True, text=True, timeout=600)
    try:
        return r.returncode, json.loads(r.stdout)
    except ValueError:
        return r.returncode, {"raw": r.stdout + r.stderr}


def http_split(block):
    i = block.find(b"\r\n\r\n")
    if i < 0:
        return block, b""
    return block[:i + 4], block[i + 4:]


def dechunk(body):
    out, pos = [], 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            return None
        try:
            size = int(body[pos:eol].split(b";")[0], 16)
        except ValueError:
            return None
        if size == 0:
            return b"".join(out)
        out.append(body[eol + 2:eol + 2 + size])
        pos = eol + 2 + size + 2


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_cert(d, cn="127.0.0.1"):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={cn}/O=custody test",
                    "-addext", f"subjectAltName=IP:{cn}"], check=True, capture_output=True)
    return cert, key
