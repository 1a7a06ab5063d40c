#!/usr/bin/env python3
"""test_safety.py — slips an advocate makes, each reproduced on a loopback site; nothing
custody does after the slip may lose or alter evidence, and the message names the problem
(issue 25):

  - two crawls into one case at once: the second is refused at once, naming the process
    that holds the case; the first finishes and its case verifies as it would alone
  - kill -9 leaves no stale lock: --resume afterwards takes the case
  - a second crawl into a case without --resume: refused, nothing written, says --resume
  - -o naming a regular file: said so, the file untouched
  - custody-verify --report onto a capture file (--report taken for a switch), onto the
    index, into the case folder, onto an existing file: refused before anything is read,
    every byte of the case as before; --force replaces an ordinary existing file only
  - a seed list saved by Windows Notepad (BOM, CRLF) with a bad line: the good URLs are
    captured, the bad line named by its number and skipped, the run ends non-zero
Last line: "N passed, N failed"."""
import glob, hashlib, os, signal, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

T = lib.Tally("safety")
SITE = os.path.join(lib.TOP, "samples", "site")


def digest_case(case):
    h = {}
    for f in sorted(glob.glob(os.path.join(case, "*"))):
        if os.path.isfile(f) and not f.endswith(".lock"):
            h[os.path.basename(f)] = hashlib.sha256(open(f, "rb").read()).hexdigest()
    return h


work = lib.tmpdir("custody-safety-")
_, port = lib.start_http_server(SITE)
_, slow_port = lib.start_python_server()
seed = f"http://127.0.0.1:{port}/index.html"

# -- two crawls at once
case = os.path.join(work, "case")
first = subprocess.Popen([lib.CUSTODY, "crawl", "-q", "-o", case, seed,
                          f"http://127.0.0.1:{slow_port}/slow?s=3"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
lib.wait_until(lambda: glob.glob(os.path.join(case, "capture-*.warc.zst")), "the first crawl started", 60)
t0 = time.time()
second = subprocess.run([lib.CUSTODY, "crawl", "-q", "-o", case, "--resume", seed], capture_output=True,
                        text=True, timeout=120)
T.check(second.returncode == 2 and "another custody process" in second.stderr
        and f"pid {first.pid}" in second.stderr and "nothing was written" in second.stderr,
        f"a second writer is refused, naming the first: {second.returncode} {second.stderr[-300:]}")
T.check(time.time() - t0 < 20, "refused at once, not after waiting")
out, err = first.communicate(timeout=300)
T.check(first.returncode in (0, 1), f"the first crawl finishes: {first.returncode} {err[-300:]}")
code, v = lib.verify(case)
T.check(code in (0, 3) and v and v.get("errors_total") == 0,
        f"the case verifies after the attempt: {code} {v.get('errors') if v else ''}")

# -- a second crawl without --resume
before = digest_case(case)
r = subprocess.run([lib.CUSTODY, "crawl", "-q", "-o", case, seed], capture_output=True, text=True, timeout=120)
T.check(r.returncode == 2 and "--resume" in r.stderr and "already holds a case" in r.stderr,
        f"a crawl into an existing case without --resume is refused: {r.returncode} {r.stderr[-300:]}")
T.check(digest_case(case) == before, "nothing written by the refused crawl")

# -- kill -9 leaves no stale lock
case2 = os.path.join(work, "case2")
p = subprocess.Popen([lib.CUSTODY, "crawl", "-q", "-o", case2, seed, f"http://127.0.0.1:{slow_port}/slow?s=600"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
lib.wait_until(lambda: glob.glob(os.path.join(case2, "capture-*.warc.zst")), "the crawl started", 60)
time.sleep(1)
os.killpg(p.pid, signal.SIGKILL)
p.wait()
r = subprocess.run([lib.CUSTODY, "crawl", "-q", "-o", case2, "--resume", seed], capture_output=True,
                   text=True, timeout=300)
T.check(r.returncode in (0, 1) and "another custody process" not in r.stderr,
        f"after kill -9 the case is free: --resume works: {r.returncode} {r.stderr[-300:]}")
code, v = lib.verify(case2)
T.check(code in (0, 3), f"the resumed case verifies: {code} {v.get('errors') if v else ''}")

# -- -o a regular file
afile = os.path.join(work, "notes.txt")
open(afile, "w").write("my notes\n")
r = subprocess.run([lib.CUSTODY, "crawl", "-q", "-o", afile, seed], capture_output=True, text=True, timeout=60)
T.check(r.returncode == 2 and "is a file, not a folder" in r.stderr and open(afile).read() == "my notes\n",
        f"-o a file: said so, the file untouched: {r.returncode} {r.stderr[-200:]}")

# -- --report onto evidence, into the case, onto an existing file
before = digest_case(case)
cap = sorted(glob.glob(os.path.join(case, "capture-*.warc.zst")))
for target, what in ((cap[0], "a capture file"), (os.path.join(case, "index.cdxj"), "the index"),
                     (os.path.join(case, "report.html"), "a file inside the case folder")):
    for inputs in (cap, [case]):  # the capture files given, or their folder
        r = subprocess.run([lib.CUSTODY_VERIFY, "--report", target, *inputs], capture_output=True, text=True,
                           timeout=120)
        T.check(r.returncode == 2 and "refused" in r.stderr, f"--report onto {what} ({len(inputs)} input"
                f"s): refused ({r.returncode} {r.stderr[-200:]})")
    T.check(digest_case(case) == before and not os.path.exists(os.path.join(case, "report.html")),
            f"--report onto {what}: every byte of the case as before")
existing = os.path.join(work, "report.html")
open(existing, "w").write("an earlier report\n")
r = subprocess.run([lib.CUSTODY_VERIFY, "--report", existing, case], capture_output=True, text=True, timeout=120)
T.check(r.returncode == 2 and "--force" in r.stderr and open(existing).read() == "an earlier report\n",
        f"--report onto an existing file: refused, says --force ({r.returncode} {r.stderr[-200:]})")
r = subprocess.run([lib.CUSTODY_VERIFY, "--force", "--report", existing, case], capture_output=True, text=True,
                   timeout=120)
T.check(r.returncode in (0, 3) and "<html" in open(existing).read(), f"--force replaces it ({r.returncode})")
r = subprocess.run([lib.CUSTODY_VERIFY, "--force", "--report", cap[0], *cap], capture_output=True, text=True,
                   timeout=120)
T.check(r.returncode == 2 and digest_case(case) == before, "--force never replaces evidence")
# -- a seed list saved by Notepad: BOM, CRLF, blank lines, comments; a bad line named and skipped
seeds = os.path.join(work, "seeds.txt")
with open(seeds, "wb") as fh:
    fh.write(b"\xef\xbb\xbf" + f"{seed}\r\n\r\n# a comment\r\nwww.example.com/no-scheme\r\n"
             f"http://127.0.0.1:{port}/forum.html\r\n".encode())
case3 = os.path.join(work, "case3")
r = subprocess.run([lib.CUSTODY, "crawl", "-q", "--depth", "0", "-o", case3, "--seeds", seeds],
                   capture_output=True, text=True, timeout=300)
got = {rec.uri for rec in lib.case_records(case3) if rec.type == "response"}
T.check(seed in got and f"http://127.0.0.1:{port}/forum.html" in got,
        f"a BOM/CRLF seed list: both URLs captured ({sorted(got)})")
T.check(r.returncode == 1 and "line 4" in r.stderr and "no-scheme" in r.stderr and "--resume" in r.stderr,
        f"the bad line is named by its number and skipped, the run ends non-zero: {r.returncode} {r.stderr[-300:]}")
T.finish()
