"""seal.py — part (d) of `make bench`: a signed + RFC 3161-stamped crawl against the unsigned
crawl of the same site, same run, alternating rounds; prints the median pages/s of each and
their ratio (goal >= 0.9).

    python3 tests/bench/seal.py CUSTODY TMPDIR ROUNDS     (TMPDIR/sealsite: the mksite.py site)

The site is served by nginx on loopback (tests/e2e/lib.py), the TSA is the local test TSA
(tests/e2e/servers/tsa.py, `openssl ts -reply` per request), the key a throwaway made here.
"""
import json, os, shutil, statistics, subprocess, sys, time

custody, tmp, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(top, "tests", "e2e"))
import lib  # noqa: E402

os.chmod(tmp, 0o755)  # nginx workers read the site
_, port = lib.start_nginx(os.path.join(tmp, "sealsite"))
tsa = subprocess.Popen([sys.executable, os.path.join(top, "tests", "e2e", "servers", "tsa.py"),
                        "--dir", os.path.join(tmp, "tsa")], stdout=subprocess.PIPE, text=True,
                       start_new_session=True)
lib._procs.append(tsa)
tsa_port = int(tsa.stdout.readline().split()[-1])
env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(tmp, "nokey"))
subprocess.run([custody, "keygen", "-o", os.path.join(tmp, "op"), "--subject", "/CN=Bench Operator"],
               check=True, stdout=subprocess.DEVNULL)
seed = f"http://127.0.0.1:{port}/index.html"
rates = {"unsigned": [], "sealed": []}
for r in range(rounds):
    for kind in ("unsigned", "sealed"):
        case = os.path.join(tmp, f"case-{kind}-{r}")
        extra = [] if kind == "unsigned" else ["--key", os.path.join(tmp, "op.key"),
                                                "--tsa", f"http://127.0.0.1:{tsa_port}/"]
        t = time.perf_counter()
        p = subprocess.run([custody, "crawl", "-q", "--json", "-o", case, *extra, seed], env=env,
                           capture_output=True, text=True)
        dt = time.perf_counter() - t
        j = json.loads(p.stdout.strip().splitlines()[-1])
        rates[kind].append(j["fetched"] / dt)
        if kind == "sealed":
            print(f"round {r + 1}: {j['fetched']} pages, {j['seals']} seals, {j['unstamped']} unstamped")
        shutil.rmtree(case, ignore_errors=True)
u, s = statistics.median(rates["unsigned"]), statistics.median(rates["sealed"])
print(f"unsigned          {u:8.1f} pages/s")
print(f"signed + stamped  {s:8.1f} pages/s")
print(f"ratio sealed/unsigned: {s / u:.3f}  (goal >= 0.9)")
lib.stop_all()
