#!/usr/bin/env python3
"""test_config.py — the user's settings file (issue 27): ~/.config/custody/config sets the
time-stamp authorities and the key once, so `custody crawl -o CASE URL` with no --tsa gets
a signed, time-stamped case that custody-verify calls verified; a Notepad file (BOM, CRLF)
reads; a typo is an error naming the file and line, and nothing is written; the command
line wins over the file; `custody stamp` takes its --tsa from the file too."""
import json, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib
from test_seal import start_tsa

T = lib.Tally("config")
SITE = os.path.join(lib.TOP, "samples", "site")


def run(*args, env):
    return subprocess.run([lib.CUSTODY, *args], capture_output=True, text=True, env=env, timeout=300)


def verify(*args):
    p = subprocess.run([lib.CUSTODY_VERIFY, "--json", *args], capture_output=True, text=True, timeout=300)
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        return p.returncode, {"verdict": "?", "raw": p.stdout + p.stderr}


work = lib.tmpdir("custody-config-")
conf_home = os.path.join(work, "config")
env = dict(os.environ, XDG_CONFIG_HOME=conf_home)
env.pop("CUSTODY_CONFIG", None)
_, web_port = lib.start_http_server(SITE)
seed = f"http://127.0.0.1:{web_port}/index.html"
tsa_dir = os.path.join(work, "tsa")
_, tsa_port = start_tsa(tsa_dir)
tsa = f"http://127.0.0.1:{tsa_port}/"
tsa_ca = os.path.join(tsa_dir, "tsa-ca.pem")

p = run("keygen", "--subject", "/CN=Config Tester/O=custody tests", env=env)
T.check(p.returncode == 0, f"keygen: {p.stderr}")
crt = os.path.join(conf_home, "custody", "operator.crt")
cfg = os.path.join(conf_home, "custody", "config")

# a settings file as Windows Notepad saves it: BOM, CRLF, a comment, spaces around '='
with open(cfg, "wb") as f:
    f.write(b"\xef\xbb\xbf# my time-stamp authority\r\n\r\ntsa =  " + tsa.encode() + b"  \r\n")
case1 = os.path.join(work, "case1")
p = run("crawl", "-o", case1, "--depth", "0", seed, env=env)
T.check(p.returncode == 0, f"crawl with the settings file: exit {p.returncode}: {p.stderr[-500:]}")
T.check(f"time-stamp authority from {cfg}: {tsa}" in p.stderr, f"the crawl says where its TSA comes from: {p.stderr[:400]}")
T.check("no --tsa" not in p.stderr, "no 'no --tsa' warning when the file gives one")
rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, case1)
T.check(rc == 0 and j.get("verdict") == "verified", f"the case is verified: {rc} {j.get('errors', j)}")

# the command line wins: an explicit --tsa that does not answer is the one asked
case2 = os.path.join(work, "case2")
p = run("crawl", "-o", case2, "--depth", "0", "--tsa", f"http://127.0.0.1:{lib.closed_port()}/", seed, env=env)
T.check("time-stamp authority from" not in p.stderr, "--tsa on the command line wins over the file")

# a typo: an error that names the file and the line, and no case is written
with open(cfg, "w") as f:
    f.write("tsa = " + tsa + "\ntsaa = http://x/\n")
case3 = os.path.join(work, "case3")
p = run("crawl", "-o", case3, "--depth", "0", seed, env=env)
T.check(p.returncode == 2, f"unknown setting: exit 2 ({p.returncode})")
T.check(f"{cfg}:2: unknown setting 'tsaa'" in p.stderr, f"the error names the file and line: {p.stderr}")
T.check(not os.path.exists(case3), "nothing is written on a bad settings file")
with open(cfg, "w") as f:
    f.write("tsa = ftp://x/\n")
p = run("crawl", "-o", case3, "--depth", "0", seed, env=env)
T.check(p.returncode == 2 and ":1: tsa wants an http://" in p.stderr, f"a bad URL is named: {p.stderr}")
with open(cfg, "w") as f:
    f.write("just some words\n")
p = run("crawl", "-o", case3, "--depth", "0", seed, env=env)
T.check(p.returncode == 2 and ":1: expected 'name = value'" in p.stderr, f"a line without '=': {p.stderr}")
with open(cfg, "wb") as f:
    f.write(b"#" * (70 * 1024))
p = run("crawl", "-o", case3, "--depth", "0", seed, env=env)
T.check(p.returncode == 2 and "larger than 64 KiB" in p.stderr, f"a huge file is refused: {p.stderr}")

# CUSTODY_CONFIG names another file; a key set there is used
other = os.path.join(work, "other.conf")
p = run("keygen", "-o", os.path.join(work, "second"), "--subject", "/CN=Second Key", env=env)
with open(other, "w") as f:
    f.write(f"key = {os.path.join(work, 'second.key')}\ncert = {os.path.join(work, 'second.crt')}\n")
case4 = os.path.join(work, "case4")
p = run("crawl", "-o", case4, "--depth", "0", seed, env=dict(env, CUSTODY_CONFIG=other))
T.check(p.returncode == 0 and "signed by CN=Second Key" in p.stderr,
        f"the key of the settings file signs: {p.returncode} {p.stderr[:300]}")

# custody stamp takes its TSA from the file
with open(cfg, "w") as f:
    f.write(f"tsa = {tsa}\n")
p = run("stamp", case2, env=env)
T.check(f"time-stamp authority from {cfg}" in p.stderr, f"stamp says where its TSA comes from: {p.stderr[:300]}")
T.finish()
