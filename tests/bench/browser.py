"""browser.py — part (f) of `make bench`: custody crawl --browser against the plain crawl of
the same loopback site (../shared/corpus/mksite.py, BENCH_BROWSER_PAGES pages, default 200,
served by nginx): pages per second of each and their ratio, and the peak RSS of custody and
of chromium (all of chromium's processes together, sampled from /proc every 50 ms; custody's
own peak is its VmHWM).

    python3 tests/bench/browser.py CUSTODY TMPDIR PAGES

--browser renders one page at a time, so its rate is bound by chromium's work per page
(load, scripts, network idle, scrolling, a full-page screenshot); quote the ratio.
"""
import json, os, shutil, subprocess, sys, time

custody, tmp, pages = sys.argv[1], sys.argv[2], int(sys.argv[3])
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(top, "tests", "e2e"))
import lib  # noqa: E402

site = os.path.join(tmp, "browsersite")
subprocess.run([sys.executable, os.path.join(lib.SHARED, "corpus", "mksite.py"), site, "--pages", str(pages),
                "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
os.chmod(tmp, 0o755)
_, port = lib.start_nginx(site)
seed = f"http://127.0.0.1:{port}/index.html"
env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(tmp, "nokey"))


def run(kind, extra):
    case = os.path.join(tmp, f"case-{kind}")
    t = time.perf_counter()
    outf, errf = open(case + ".out", "w+"), open(case + ".err", "w+", errors="replace")
    p = subprocess.Popen([custody, "crawl", "-q", "--json", "--depth", "1000", "-o", case, *extra, seed],
                         env=env, stdout=outf, stderr=errf)
    hwm = chrome = 0
    while p.poll() is None:
        hwm = max(hwm, lib.status_kb(p.pid, "VmHWM"))
        chrome = max(chrome, sum(lib.status_kb(d, "VmRSS") for d in lib.descendants(p.pid)))
        time.sleep(0.05)
    dt = time.perf_counter() - t
    outf.seek(0)
    errf.seek(0)
    out, err = outf.read(), errf.read()
    try:
        j = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        sys.exit(f"custody crawl {kind} failed: {err[-2000:]}")
    shutil.rmtree(case, ignore_errors=True)
    return j, dt, hwm, chrome


plain, tp, hp, _ = run("plain", [])
br, tb, hb, cb = run("browser", ["--browser"])
rp, rb = plain["fetched"] / tp, br["rendered"] / tb
print(f"plain crawl    {plain['fetched']:5d} pages in {tp:7.1f} s  {rp:8.2f} pages/s  custody peak RSS {hp / 1024:6.1f} MB")
print(f"--browser      {br['rendered']:5d} pages in {tb:7.1f} s  {rb:8.2f} pages/s  custody peak RSS {hb / 1024:6.1f} MB,"
      f" chromium peak RSS (all processes) {cb / 1024:6.1f} MB")
print(f"               {br['fetched']} responses recorded for the browser, {br['unsettled']} pages did not settle,"
      f" {br['render_failed']} failed to render, {br['blocked']} requests blocked")
print(f"cost per page with --browser: {1000 * tb / max(1, br['rendered']):.0f} ms (plain: {1000 * tp / max(1, plain['fetched']):.1f} ms)")
print(f"ratio browser/plain pages/s: {rb / rp:.4f}")
lib.stop_all()
