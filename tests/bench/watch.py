"""watch.py — part (g) of `make bench`: `custody watch` rounds against a plain crawl.

    python3 tests/bench/watch.py CUSTODY TMPDIR [PAGES [RSS_ROUNDS]]   (defaults 1000, 1000)

  1. A loopback nginx site of PAGES small pages linked from one index. A plain crawl of it
     (depth 1) against a watch round of the same pages with the same politeness (the median
     of three each, alternating): round time / crawl time (goal <= 1.1).
  2. Bytes the case grows per unchanged visit (request, revisit, capture metadata, plus the
     round's share of warcinfo, watch record and seals): goal <= 1.5 KiB.
  3. RSS of one watch process over RSS_ROUNDS back-to-back rounds of 50 pages: VmRSS after
     round 10 and during the last (flat: the ratio near 1), and at exit (the index rebuild).
Prints one line per figure; exits non-zero only when a step is broken.
"""
import json, os, statistics, subprocess, sys, time

custody, tmp = sys.argv[1], sys.argv[2]
pages = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
rss_rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(top, "tests", "e2e"))
import lib  # noqa: E402

env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(tmp, "nokey"))
POLITE = ["--delay", "0", "--per-host", "4", "--concurrency", "8", "--depth", "1"]


def make_site(d, n):
    os.makedirs(d, exist_ok=True)
    links = "".join(f'<li><a href="p{i}.html">page {i}</a></li>' for i in range(n))
    with open(os.path.join(d, "index.html"), "w") as f:
        f.write(f"<html><body><ul>{links}</ul></body></html>")
    for i in range(n):
        with open(os.path.join(d, f"p{i}.html"), "w") as f:
            f.write(f"<html><head><title>page {i}</title></head><body><p>"
                    + ("Nothing to see here, an ordinary forum post about the weather. " * 12)
                    + f"</p><p>post {i}</p></body></html>")
    os.chmod(d, 0o755)


def case_bytes(d):
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".warc.zst"))


def log_rounds(path):
    with open(path) as f:
        return [json.loads(l) for l in f if '"kind":"round"' in l]


os.chmod(tmp, 0o755)
site = os.path.join(tmp, "watchsite")
make_site(site, pages)
_, port = lib.start_nginx(site)
seed = f"http://127.0.0.1:{port}/index.html"

# 1 and 2
wcase = os.path.join(tmp, "watchcase")
wlog = os.path.join(tmp, "watch.log")
p = subprocess.run([custody, "watch", "-q", "-o", wcase, "--every", "0s", "--rounds", "1", "--log", wlog,
                    *POLITE, seed], env=env, capture_output=True, text=True)
if p.returncode:
    sys.exit(f"watch round 1 failed: {p.stderr}")
crawl_t, round_t, per_visit = [], [], []
for r in range(3):
    case = os.path.join(tmp, f"crawl-{r}")
    t = time.perf_counter()
    p = subprocess.run([custody, "crawl", "-q", "-o", case, *POLITE, seed], env=env, capture_output=True,
                       text=True)
    crawl_t.append(time.perf_counter() - t)
    if p.returncode:
        sys.exit(f"crawl failed: {p.stderr}")
    before = case_bytes(wcase)
    t = time.perf_counter()
    p = subprocess.run([custody, "watch", "-q", "-o", wcase, "--every", "0s", "--rounds", "1", "--log", wlog,
                        *POLITE, seed], env=env, capture_output=True, text=True)
    round_t.append(time.perf_counter() - t)
    if p.returncode:
        sys.exit(f"watch round failed: {p.stderr}")
    last = log_rounds(wlog)[-1]
    visits = last["fetched"]
    per_visit.append((case_bytes(wcase) - before) / max(visits, 1))
    if last["revisits"] < pages:
        print(f"watch: round {last['round']}: only {last['revisits']} revisits of {pages + 1} pages")
# the same rounds inside one running watcher (no start-up read of the case), against the
# crawl's own "seconds" (crawl_run: open, fetch, write, seal, close)
crawl_s = []
for r in range(3):
    p = subprocess.run([custody, "crawl", "-q", "--json", "-o", os.path.join(tmp, f"crawlj-{r}"), *POLITE, seed],
                       env=env, capture_output=True, text=True)
    crawl_s.append(json.loads(p.stdout.strip().splitlines()[-1])["seconds"])
n0 = len(log_rounds(wlog))
p = subprocess.run([custody, "watch", "-q", "-o", wcase, "--every", "0s", "--rounds", "3", "--log", wlog,
                    *POLITE, seed], env=env, capture_output=True, text=True)
inproc = [l["seconds"] for l in log_rounds(wlog)[n0:]]
if inproc:
    print(f"watch: in one running watcher a round took {statistics.median(inproc):.2f} s vs the crawl's own "
          f"{statistics.median(crawl_s):.2f} s: ratio {statistics.median(inproc) / statistics.median(crawl_s):.2f}")
cm, rm = statistics.median(crawl_t), statistics.median(round_t)
print(f"watch: {pages + 1} unchanged pages: watch round {rm:.2f} s (whole process: reads the case, "
      f"revisits, seals, closes) vs plain crawl {cm:.2f} s: ratio {rm / cm:.2f} (goal <= 1.1)")
print(f"watch: bytes added per unchanged visit {statistics.median(per_visit):.0f} B "
      f"({statistics.median(per_visit) / 1024:.2f} KiB; goal <= 1.5 KiB; pages of "
      f"{os.path.getsize(os.path.join(site, 'p0.html'))} B)")

# 3
small = os.path.join(site, "small")
os.makedirs(small, exist_ok=True)
with open(os.path.join(small, "index.html"), "w") as f:
    f.write("<html><body>" + "".join(f'<a href="/p{i}.html">{i}</a>' for i in range(49)) + "</body></html>")
rcase = os.path.join(tmp, "rsscase")
rlog = os.path.join(tmp, "rss.log")
w = subprocess.Popen([custody, "watch", "-q", "-o", rcase, "--every", "0s", "--rounds", str(rss_rounds),
                      "--log", rlog, *POLITE, f"http://127.0.0.1:{port}/small/index.html"], env=env,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
rss = {}
t0 = time.time()
while w.poll() is None:
    n = len(log_rounds(rlog)) if os.path.exists(rlog) else 0
    kb = lib.status_kb(w.pid, "VmRSS")
    if kb:
        rss[n] = kb
    time.sleep(0.2)
dt = time.time() - t0
r10 = next((rss[k] for k in sorted(rss) if k >= 10), None)
# during the last round (its close included), and the peak after it: the watch's exit rebuilds
# index.cdxj from every file (a derived index, left out of the rounds), which costs memory
# that grows with the case, once
during = [k for k in rss if k < rss_rounds]
rl = rss[max(during)] if during else None
print(f"watch: RSS after round 10 {r10} KiB, during round {max(during) + 1 if during else 0} {rl} KiB "
      f"(ratio {rl / r10:.2f}); {rss_rounds} rounds of 50 pages in {dt:.0f} s; at exit (index.cdxj "
      f"rebuilt from the whole case) {rss.get(rss_rounds, '?')} KiB" if r10 and rl else
      "watch: RSS not sampled")
points = [k for k in (10, 50, 100, 200, 500, 1000, 2000, 5000, 10000) if k < max(rss or [0])]
print("watch: RSS by round: " + ", ".join(
    f"{k}: {next(rss[j] for j in sorted(rss) if j >= k)} KiB" for k in points))
lib.stop_all()
