#!/usr/bin/env python3
"""test_shared.py — one crawl over several hosts through a shared frontier in a real
PostgreSQL (issue 23), started here from Debian's packages: initdb into a temp folder and
pg_ctl on 127.0.0.1, as the unprivileged user postgres when the test runs as root.

  - three crawler processes with the same seeds on a site of 3 origins (mksite pages on
    three nginx ports); one is killed with kill -9 mid-crawl and restarted (--resume):
    every URL is captured at least once, none lost, each host's case verifies
  - a host stopped past its lease (SIGSTOP) while another takes its URL over: when it
    comes back its capture is kept and listed as a duplicate, in its summary and the database
  - the database stopped for 4 s mid-crawl: the hosts say they wait, go on when it is back,
    nothing lost
  - the crawl seal (custody crawl-seal) over the three hosts: verifies with every folder,
    intact and MISSING with one left out, failed when its head is altered
  - bad input: the database down at start, a crawl name that does not exist, a second
    --create-crawl of the same name, a password in the connection string (refused: it would
    show in the process list and the case)"""
import glob, json, os, pwd, re, shutil, signal, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib

T = lib.Tally("shared")
PAGES = int(os.environ.get("SHARED_PAGES", "1000"))  # per origin; 3 origins


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def as_pg(cmd, **kw):
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def start_postgres(work):
    data, sock = os.path.join(work, "pgdata"), os.path.join(work, "pgsock")
    os.makedirs(sock)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        for d in (work, sock):
            os.chown(d, pw.pw_uid, pw.pw_gid)
    r = as_pg([pg_bin("initdb"), "-D", data, "-A", "trust", "-U", "custody", "--no-sync"])
    if r.returncode:
        raise RuntimeError("initdb: " + r.stderr)
    port = lib.free_port()
    r = as_pg([pg_bin("pg_ctl"), "-D", data, "-l", os.path.join(work, "pg.log"), "-w", "-o",
               f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
    if r.returncode:
        raise RuntimeError("pg_ctl start: " + r.stderr + open(os.path.join(work, "pg.log")).read())
    return data, port


def restart_postgres(work, data, port):
    sock = os.path.join(work, "pgsock")
    return as_pg([pg_bin("pg_ctl"), "-D", data, "-l", os.path.join(work, "pg.log"), "-w", "-o",
                  f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]).returncode


def stop_postgres(data):
    as_pg([pg_bin("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"])


def psql(port, sql):
    r = subprocess.run([pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "custody", "-d",
                        "postgres", "-At", "-c", sql], capture_output=True, text=True)
    return r.stdout.strip()


def crawl(*args, **kw):
    return subprocess.Popen([lib.CUSTODY, "crawl", "--json", "-q", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def captured_urls(case):
    urls = set()
    for rec in lib.case_records(case):
        # the three origins serve the same bytes: a page already stored is a revisit
        if rec.type in ("response", "revisit") and rec.status() == 200:
            urls.add(rec.uri)
    return urls


work = lib.tmpdir("custody-shared-")
os.chmod(work, 0o755)
pgwork = os.path.join(work, "pg")
os.makedirs(pgwork)
data, port = start_postgres(pgwork)
conn = f"host=127.0.0.1 port={port} user=custody dbname=postgres connect_timeout=5"

# the site: one mksite tree on three origins
site = lib.make_site(os.path.join(work, "site"), pages=PAGES, seed=7)
ports = [lib.start_nginx(site)[1] for _ in range(3)]
seeds = [f"http://127.0.0.1:{p}/" for p in ports]
expected = set()
for d, _, fs in os.walk(site):
    for f in fs:
        if f.endswith(".html"):
            rel = os.path.relpath(os.path.join(d, f), site)
            rel = "" if rel == "index.html" else rel  # the seed is the origin's /
            for p in ports:
                expected.add(f"http://127.0.0.1:{p}/{rel}")

# -- bad input first (nothing must be written)
bad = os.path.join(work, "bad")
r = subprocess.run([lib.CUSTODY, "crawl", "-o", bad, "--state",
                    f"host=127.0.0.1 port={lib.closed_port()} user=custody connect_timeout=3",
                    "--crawl", "x", *seeds], capture_output=True, text=True, timeout=60)
T.check(r.returncode == 2 and "cannot reach the shared crawl's database" in r.stderr,
        f"database down at start: exit 2 and a clear message: {r.returncode} {r.stderr[-300:]}")
r = subprocess.run([lib.CUSTODY, "crawl", "-o", bad, "--state", conn, "--crawl", "nosuch", *seeds],
                   capture_output=True, text=True, timeout=60)
T.check(r.returncode == 2 and "no shared crawl named 'nosuch'" in r.stderr and "--create-crawl" in r.stderr,
        f"unknown crawl name: {r.returncode} {r.stderr[-300:]}")
r = subprocess.run([lib.CUSTODY, "crawl", "-o", bad, "--state", conn + " password=hunter2", "--crawl", "x",
                    *seeds], capture_output=True, text=True, timeout=60)
T.check(r.returncode == 2 and "password" in r.stderr and "hunter2" not in r.stderr,
        f"a password in the connection string is refused, and not repeated: {r.stderr[-300:]}")
T.check(not os.path.exists(bad) or not glob.glob(os.path.join(bad, "*.warc.zst")),
        "nothing written on bad input")

# the crawl seal's key and a TSA (the hosts time-stamp their seals too)
env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "config"))
r = subprocess.run([lib.CUSTODY, "keygen", "--subject", "/CN=Crawl Lead/O=custody tests"], env=env,
                   capture_output=True, text=True, timeout=60)
T.check(r.returncode == 0, f"keygen for the crawl seal: {r.stderr[-200:]}")
crt = glob.glob(os.path.join(work, "config", "custody", "*.crt"))[0]
tsa_dir = os.path.join(work, "tsa")
tp = subprocess.Popen([sys.executable, os.path.join(lib.HERE, "servers", "tsa.py"), "--dir", tsa_dir],
                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                      text=True, start_new_session=True)
lib._procs.append(tp)
tsa_port = int(tp.stdout.readline().split()[-1])
lib.wait_port(tsa_port)
tsa, tsa_ca = f"http://127.0.0.1:{tsa_port}/", os.path.join(tsa_dir, "tsa-ca.pem")
# -- three hosts, one killed and restarted; each its own key (the crawl seal names their closing seals)
cases = [os.path.join(work, f"host{i}") for i in range(3)]
keys = [os.path.join(work, f"key{i}") for i in range(3)]
for i, k in enumerate(keys):
    subprocess.run([lib.CUSTODY, "keygen", "-o", k, "--subject", f"/CN=Host {i}/O=custody tests"],
                   capture_output=True, timeout=60, check=True)
common = ["--state", conn, "--crawl", "big", "--lease-seconds", "10", "--concurrency", "4", "--tsa", tsa,
          *seeds]
t0 = time.time()
procs = [crawl("-o", cases[0], "--key", keys[0] + ".key", "--create-crawl", *common)]
time.sleep(1.0)
procs += [crawl("-o", cases[i], "--key", keys[i] + ".key", *common) for i in (1, 2)]
r = subprocess.run([lib.CUSTODY, "crawl", "-o", bad, "--state", conn, "--crawl", "big", "--create-crawl",
                    *seeds], capture_output=True, text=True, timeout=60)
T.check(r.returncode == 2 and "exists already" in r.stderr, f"a second --create-crawl: {r.stderr[-200:]}")
# kill host 1 once it has captured something
lib.wait_until(lambda: int(psql(port, "SELECT count(*) FROM custody_url WHERE done_by IS NOT NULL") or 0) > len(expected) // 6,
               "a sixth of the URLs done", 300)
os.killpg(procs[1].pid, signal.SIGKILL)
procs[1].wait()
killed_done = int(psql(port, "SELECT count(*) FROM custody_url WHERE state = 'done'") or 0)
T.check(killed_done < 3 * (PAGES + 1), f"host 1 was killed mid-crawl ({killed_done} URLs done then)")
time.sleep(1)
procs[1] = crawl("-o", cases[1], "--key", keys[1] + ".key", "--resume", *common)
outs = []
for p in procs:
    out, err = p.communicate(timeout=900)
    outs.append((p.returncode, out, err))
seconds = time.time() - t0
for i, (rc, out, err) in enumerate(outs):
    T.check(rc == 0, f"host {i} exit {rc}: {err[-400:]}")
summaries = []
for rc, out, err in outs:
    try:
        summaries.append(json.loads(out.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        summaries.append({})
got = set()
per_host = []
for c in cases:
    u = captured_urls(c)
    per_host.append(len(u))
    got |= u
missing = expected - got
T.check(not missing, f"every URL captured at least once: {len(expected - got)} of {len(expected)} missing "
        f"(e.g. {sorted(missing)[:3]})")
for u in sorted(missing)[:3]:  # what became of them: the database's word and the cases' records
    print("missing:", u, psql(port, "SELECT state, done_by, done_record, depth, hops, kind FROM custody_url "
                                     f"WHERE crawl = 'big' AND url = '{u}'"),
          [(os.path.basename(c), r.type, r.status() if r.type in ("response", "revisit") else "")
           for c in cases for r in lib.case_records(c) if r.uri == u])
T.check(all(n > 0 for n in per_host), f"every host captured pages: {per_host}")
left = psql(port, "SELECT count(*) FROM custody_url WHERE crawl = 'big' AND state <> 'done'")
T.check(left == "0", f"the database has nothing left to do ({left})")
for c in cases:
    v = subprocess.run([lib.CUSTODY_VERIFY, "--json", c], capture_output=True, text=True, timeout=600)
    try:
        verdict = json.loads(v.stdout)["verdict"]
    except (ValueError, KeyError):
        verdict = "?"
    T.check(verdict in ("intact", "verified"), f"{os.path.basename(c)}'s case verifies ({verdict}): {v.stdout[-300:]}")
rt = int(psql(port, "SELECT count(*) FROM custody_url WHERE crawl = 'big'") or 1)
print(f"shared crawl: {len(expected)} URLs on 3 origins, 3 hosts (one killed, restarted): "
      f"{seconds:.1f} s, per host {per_host}")

# -- the crawl seal over the three hosts: every folder -> no less than the cases; one left out -> never verified
for i, (rc, out, err) in enumerate(outs):
    print("host", i, "stderr:", err[-300:]) if os.environ.get("SHARED_DEBUG") else None
seal_file = os.path.join(work, "big.crawlseal")
r = subprocess.run([lib.CUSTODY, "crawl-seal", "--state", conn, "--crawl", "big", "-o", seal_file,
                    "--tsa", tsa], env=env, capture_output=True, text=True, timeout=120)
T.check(r.returncode == 0 and all(os.path.exists(seal_file + x) for x in ("", ".p7s", ".tsr")),
        f"crawl-seal writes FILE, FILE.p7s, FILE.tsr: {r.returncode} {r.stdout} {r.stderr[-300:]}")
head = open(seal_file).read() if os.path.exists(seal_file) else ""
T.check(head.startswith("custody-crawl-seal-v1\n") and head.count("\nhost: ") == 3,
        f"the crawl seal names the three hosts: {head[:400]}")
r = subprocess.run([lib.CUSTODY, "crawl-seal", "--state", conn, "--crawl", "big", "-o", seal_file],
                   env=env, capture_output=True, text=True, timeout=60)
T.check(r.returncode == 2 and "exists already" in r.stderr, f"crawl-seal never overwrites: {r.stderr[-200:]}")
r = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", seal_file + ".p7s",
                    "-content", seal_file, "-noverify", "-out", "/dev/null"], capture_output=True, text=True)
T.check(r.returncode == 0, f"openssl alone checks the crawl seal's signature: {r.stderr[-200:]}")
anchors = os.path.join(work, "anchors.pem")
open(anchors, "w").write("".join(open(f).read() for f in [crt] + [k + ".crt" for k in keys]))
trust = ["--trust", anchors, "--tsa-trust", tsa_ca]
v = subprocess.run([lib.CUSTODY_VERIFY, *trust, *cases, seal_file], capture_output=True, text=True, timeout=900)
print(v.stdout[-1500:])
T.check(v.returncode == 0 and "verdict: verified" in v.stdout and "3 of 3 hosts present" in v.stdout
        and "FAILED" not in v.stdout
        and "signed by CN=Crawl Lead" in v.stdout,
        f"every folder with the crawl seal: verified, three hosts ({v.returncode}): {v.stdout[-600:]}")
for c in cases:
    T.check(f": {c}: " in v.stdout and re.search(re.escape(c) + r": [1-9]\d* URLs", v.stdout) is not None,
            f"{os.path.basename(c)} is reported with its URLs")
v = subprocess.run([lib.CUSTODY_VERIFY, "--json", *trust, cases[0], cases[2], seal_file], capture_output=True,
                   text=True, timeout=900)
try:
    verdict = json.loads(v.stdout)["verdict"]
except (ValueError, KeyError):
    verdict = "?"
T.check(verdict == "intact" and v.returncode == 3, f"host 1's folder left out: intact, never verified "
        f"({verdict}, {v.returncode})")
v = subprocess.run([lib.CUSTODY_VERIFY, *trust, cases[0], cases[2], seal_file], capture_output=True,
                   text=True, timeout=900)
T.check("MISSING" in v.stdout and "1 host folder missing" in v.stdout and "verdict: verified" not in v.stdout,
        f"... and says which host is missing: {v.stdout[-600:]}")
forged = os.path.join(work, "forged.crawlseal")
shutil.copy(seal_file + ".p7s", forged + ".p7s")
shutil.copy(seal_file + ".tsr", forged + ".tsr")
open(forged, "w").write(re.sub(r"records=(\d+)", lambda m: f"records={int(m.group(1)) + 1}", head, count=1))
v = subprocess.run([lib.CUSTODY_VERIFY, *trust, *cases, forged], capture_output=True, text=True, timeout=900)
T.check(v.returncode == 1 and "FAILED" in v.stdout, f"a crawl seal head altered: failed ({v.returncode})")

# -- the database down mid-crawl: two hosts wait while it is away and finish when it is back, nothing lost
pcases = [os.path.join(work, f"pause{i}") for i in range(2)]
pcommon = ["--state", conn, "--crawl", "pause", "--lease-seconds", "10", "--concurrency", "4", *seeds]
pp = [crawl("-o", pcases[0], "--key", keys[0] + ".key", "--create-crawl", *pcommon)]
time.sleep(1.0)
pp.append(crawl("-o", pcases[1], "--key", keys[1] + ".key", *pcommon))
lib.wait_until(lambda: int(psql(port, "SELECT count(*) FROM custody_url WHERE crawl = 'pause' AND state = 'done'")
                           or 0) > len(expected) // 5, "a fifth of the URLs done", 300)
stop_postgres(data)
time.sleep(4)
T.check(all(p.poll() is None for p in pp), "with the database down, the hosts wait (neither exits)")
T.check(restart_postgres(pgwork, data, port) == 0, "the database is back")
pouts = [p.communicate(timeout=900) for p in pp]
for i, p in enumerate(pp):
    T.check(p.returncode == 0, f"pause host {i} finished after the database came back: {pouts[i][1][-300:]}")
T.check(any("database does not answer: this host waits" in e and "answers again" in e for _, e in pouts),
        f"the hosts say they wait for the database, and when it is back: {pouts[0][1][-300:]}")
pgot = set()
for c in pcases:
    pgot |= captured_urls(c)
T.check(not (expected - pgot), f"database down mid-crawl: nothing lost ({len(expected - pgot)} missing)")
left = psql(port, "SELECT count(*) FROM custody_url WHERE crawl = 'pause' AND state <> 'done'")
T.check(left == "0", f"the database has nothing left to do after the outage ({left})")

# -- a host that comes back after its lease moved on: its capture is a duplicate
_, hport = lib.start_reporting([sys.executable, os.path.join(lib.HERE, "servers", "httpd.py"), "0"],
                               r"127\.0\.0\.1 (\d+)")
slow = f"http://127.0.0.1:{hport}/slow?s=4"
dx, dy = os.path.join(work, "dupX"), os.path.join(work, "dupY")
dup_common = ["--state", conn, "--crawl", "dup", "--lease-seconds", "10", "--depth", "0",
              "--ignore-robots", slow]
px = crawl("-o", dx, "--create-crawl", *dup_common)
lib.wait_until(lambda: psql(port, "SELECT state FROM custody_url WHERE crawl = 'dup'") == "leased",
               "host X leased the URL", 60)
time.sleep(0.5)
os.killpg(px.pid, signal.SIGSTOP)  # X stops answering, its lease runs out
time.sleep(12)
py = crawl("-o", dy, *dup_common)
out_y, err_y = py.communicate(timeout=120)
T.check(py.returncode == 0, f"host Y took the URL over and finished: {err_y[-300:]}")
done_by = psql(port, "SELECT done_by FROM custody_url WHERE crawl = 'dup'")
T.check(done_by and done_by == psql(port, "SELECT host_id FROM custody_host WHERE crawl = 'dup' "
                                          "ORDER BY started_at DESC LIMIT 1"),
        f"the URL is done by Y ({done_by})")
os.killpg(px.pid, signal.SIGCONT)
out_x, err_x = px.communicate(timeout=120)
try:
    sx = json.loads(out_x.strip().splitlines()[-1])
except (ValueError, IndexError):
    sx = {}
T.check(sx.get("duplicates") == 1, f"X says its capture is a duplicate: {sx.get('duplicates')} {err_x[-300:]}")
T.check(slow in captured_urls(dx) and slow in captured_urls(dy),
        "both captures are kept: X's in its case, Y's in its own")
rows = psql(port, "SELECT count(*) FROM custody_duplicate WHERE crawl = 'dup'")
T.check(rows == "1", f"the database lists one duplicate ({rows})")
stop_postgres(data)
T.finish()
