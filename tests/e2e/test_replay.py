#!/usr/bin/env python3
"""test_replay.py — a custody case seen as it was, in a real browser, offline.

The sample site plus httpd.py's chunked/gzip pages (test_export.build_case) is exported
with `custody export --wacz` and opened in ReplayWeb.page 2.5.3 (its prebuilt ui.js and
sw.js from `npm pack`, checked against the registry's pinned sha512) inside Debian's
chromium, headless, driven by puppeteer-core (tests/replay/package-lock.json) — see
tests/replay/replay_test.mjs. Everything is served from 127.0.0.1 and every other
request is aborted. Asserted: a doxing page's archived text shows in the replay frame,
the chunked+gzip, chunked and gzip pages render their text, a 301->302->200 chain
ends on the final page, a 404 shows its own body, and an address that was never captured shows ReplayWeb.page's "Archived Page Not Found". Screenshots go to
$CUSTODY_ARTIFACTS/replay/ when set (tests/repeat.sh sets one per run), else
$CUSTODY_BUILD/replay/ (build/replay/ by default).

If chromium, node/npm or the npm packages are not there and cannot be installed, the
test FAILS saying what is missing: it never passes without having replayed.
npm packages are installed on first use into tests/replay/node_modules and
tests/replay/.cache (both ignored by git).
"""
import base64, fcntl, hashlib, json, os, shutil, subprocess, sys, tarfile

import lib
import test_export

TOP = test_export.TOP
REPLAY = os.path.join(TOP, "tests", "replay")
CACHE = os.path.join(REPLAY, ".cache")
RWP_VERSION = "2.5.3"
# `npm view replaywebpage@2.5.3 dist.integrity`
RWP_INTEGRITY = "sha512-nCj2PSON3BxeSJKE8AsYPyULv0XPZKJWfy4l9PyQre9SqwLZ+WKZVs/sfLqPOQ4GrH+0YkjbwOhr8cSTH08gsQ=="


def npm_env():
    env = dict(os.environ)
    env["PUPPETEER_SKIP_DOWNLOAD"] = "1"   # never a browser download: Debian's chromium
    env["npm_config_audit"] = "false"
    env["npm_config_fund"] = "false"
    return env


def setup():
    """node_modules and ReplayWeb.page's ui.js/sw.js: (rwp dir, None) or (None, why)."""
    if not shutil.which("node") or not shutil.which("npm"):
        return None, "node and npm are needed (Debian packages nodejs, npm; tests/bootstrap.sh installs them)"
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, ".lock"), "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        if not os.path.exists(os.path.join(REPLAY, "node_modules", "puppeteer-core", "package.json")):
            p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=REPLAY, env=npm_env(),
                               capture_output=True, text=True, timeout=900)
            if p.returncode != 0:
                return None, f"npm ci in tests/replay failed: {(p.stdout + p.stderr)[-800:]}"
        rwp = os.path.join(CACHE, f"replaywebpage-{RWP_VERSION}")
        if not (os.path.exists(os.path.join(rwp, "ui.js")) and os.path.exists(os.path.join(rwp, "sw.js"))):
            tgz = os.path.join(CACHE, f"replaywebpage-{RWP_VERSION}.tgz")
            if not os.path.exists(tgz):
                # only the prebuilt files: its dependency tree is not installed (nor needed)
                p = subprocess.run(["npm", "pack", f"replaywebpage@{RWP_VERSION}", "--pack-destination", CACHE],
                                   env=npm_env(), capture_output=True, text=True, timeout=600)
                if p.returncode != 0 or not os.path.exists(tgz):
                    return None, f"npm pack replaywebpage@{RWP_VERSION} failed: {(p.stdout + p.stderr)[-800:]}"
            digest = "sha512-" + base64.b64encode(hashlib.sha512(open(tgz, "rb").read()).digest()).decode()
            if digest != RWP_INTEGRITY:
                os.unlink(tgz)
                return None, f"replaywebpage-{RWP_VERSION}.tgz: sha512 {digest} is not the pinned {RWP_INTEGRITY}"
            os.makedirs(rwp, exist_ok=True)
            with tarfile.open(tgz) as t:
                for name in ("ui.js", "sw.js"):
                    data = t.extractfile(f"package/{name}").read()
                    with open(os.path.join(rwp, name + ".tmp"), "wb") as f:
                        f.write(data)
                    os.replace(os.path.join(rwp, name + ".tmp"), os.path.join(rwp, name))
    return rwp, None


def main():
    T = lib.Tally("replay")
    chromium = shutil.which("chromium")
    if not T.check(chromium is not None, "Debian's chromium is installed (apt-get install chromium; "
                                         "tests/bootstrap.sh installs it)"):
        T.finish()
    rwp, why = setup()
    if not T.check(rwp is not None, f"ReplayWeb.page {RWP_VERSION} and puppeteer-core available: {why}"):
        T.finish()

    work = lib.tmpdir()
    case, site, httpd = test_export.build_case(work)
    wacz = os.path.join(work, "case.wacz")
    r = lib.custody("export", case, "--wacz", "-o", wacz)
    if not T.check(r.returncode == 0, f"export --wacz: {r.stderr}"):
        T.finish()
    # $CUSTODY_ARTIFACTS (set per run by tests/repeat.sh: two runs never share it), else the build
    shots = os.path.join(os.environ.get("CUSTODY_ARTIFACTS") or os.environ.get("CUSTODY_BUILD")
                         or os.path.join(TOP, "build"), "replay")
    os.makedirs(shots, exist_ok=True)
    for old in ("doxing-page.png", "chunked-gzip.png", "not-found.png", "last.png"):
        try:  # so "screenshot saved" below means this run saved it
            os.unlink(os.path.join(shots, old))
        except FileNotFoundError:
            pass
    # what the doxing page says (samples/site/thread/101.html, a fabricated person)
    checks = [
        {"label": "doxing page", "url": site + test_export.DOX_PAGE,
         "expect": ["柯晓彤", "110105199804120627", "138 0013 8001"],
         "screenshot": os.path.join(shots, "doxing-page.png")},
        {"label": "chunked+gzip", "url": httpd + "/chunked-gzip", "expect": ["chunked and gzip chunked and gzip"],
         "screenshot": os.path.join(shots, "chunked-gzip.png")},
        {"label": "chunked", "url": httpd + "/chunked", "expect": ["first chunk", "second chunk"]},
        {"label": "gzip", "url": httpd + "/gzip", "expect": ["gzip me gzip me"]},
        {"label": "301 then 302, followed in the archive", "url": httpd + "/redirect/1",
         "lands": httpd + "/redirect/final", "expect": ["final"]},
        {"label": "a 404 page as it was sent", "url": httpd + "/404", "expect": ["not here"]},
        {"label": "never captured", "url": site + "never-captured.html",
         "expect": ["Archived Page Not Found", "Sorry, this page was not found in this archive"],
         "screenshot": os.path.join(shots, "not-found.png")},
    ]
    cfg = {"chromium": chromium, "rwp": rwp, "wacz": wacz, "screenshot": os.path.join(shots, "last.png"),
           "checks": checks}
    cfgpath = os.path.join(work, "replay.json")
    with open(cfgpath, "w") as f:
        json.dump(cfg, f)
    p = subprocess.run(["node", os.path.join(REPLAY, "replay_test.mjs"), cfgpath], cwd=REPLAY,
                       capture_output=True, text=True, timeout=900)
    out = p.stdout + p.stderr
    lines = [l for l in p.stdout.splitlines() if l.startswith(("ok ", "FAIL "))]
    for l in lines:
        T.check(l.startswith("ok "), "browser: " + l[5:].strip())
    T.check(len(lines) == len(checks) + 1 and p.returncode == 0,
            f"replay_test.mjs ran every check (exit {p.returncode}): {out[-1500:] if p.returncode else ''}")
    T.check(os.path.exists(os.path.join(shots, "doxing-page.png")), f"screenshot saved in {shots}")
    print(f"screenshots: {shots}")
    T.finish()


if __name__ == "__main__":
    main()
