"""End-to-end: sealing — signed, RFC 3161-stamped cases and what custody-verify says of them.

Servers on 127.0.0.1: the sample site (python http.server), the test TSA
(servers/tsa.py, a throwaway CA made on the spot) and, for the kill test, httpd.py's /slow.
  - keygen puts the default key in $XDG_CONFIG_HOME/custody and crawl uses it by itself
  - a signed, stamped crawl -> verified with --trust/--tsa-trust, intact without them
  - README's "Check a seal without custody" recipe, run exactly as written, on every seal
  - TSA down -> unstamped seals, intact -> custody stamp -> verified
  - kill -9 mid-crawl, --resume -> the tail is sealed, verified; a torn last frame is cut off
  - export one page -> the exhibit verifies alone; a flipped byte -> failed
  - a WARC-Date edited in a sealed record (frame recompressed) -> failed, naming the seal root
  - an unsigned crawl says so and is intact
Last line: "N passed, N failed".
"""
import glob, json, os, re, shutil, signal, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib

T = lib.Tally("seal")
check = T.check
SITE = os.path.join(lib.TOP, "samples", "site")


def run(*args, env=None, timeout=300):
    return subprocess.run([lib.CUSTODY, *args], capture_output=True, text=True, env=env, timeout=timeout)


def verify(*args):
    p = subprocess.run([lib.CUSTODY_VERIFY, "--json", *args], capture_output=True, text=True, timeout=300)
    try:
        j = json.loads(p.stdout)
    except ValueError:
        j = {"verdict": "?", "errors": [], "raw": p.stdout + p.stderr}
    return p.returncode, j


def start_tsa(d):
    p = subprocess.Popen([sys.executable, os.path.join(lib.HERE, "servers", "tsa.py"), "--dir", d],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         text=True, start_new_session=True)
    lib._procs.append(p)
    port = int(p.stdout.readline().split()[-1])
    lib.wait_port(port)
    return p, port


def recompress(warc_bytes):
    """Plain WARC -> one zstd frame per record (as custody writes it)."""
    out, pos = b"", 0
    while pos < len(warc_bytes):
        end = warc_bytes.index(b"\r\n\r\n", pos) + 4
        size = int(re.search(rb"(?im)^Content-Length: *(\d+)", warc_bytes[pos:end]).group(1))
        rec = warc_bytes[pos:end + size + 4]
        out += subprocess.run(["zstd", "-q", "-c", "--content-size"], input=rec, capture_output=True,
                              check=True).stdout
        pos = end + size + 4
    return out


def main():
    work = lib.tmpdir("custody-seal-")
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "config"))
    _, web_port = lib.start_http_server(SITE)
    seed = f"http://127.0.0.1:{web_port}/index.html"
    tsa_dir = os.path.join(work, "tsa")
    _, tsa_port = start_tsa(tsa_dir)
    tsa = f"http://127.0.0.1:{tsa_port}/"
    tsa_ca = os.path.join(tsa_dir, "tsa-ca.pem")

    # keygen: the default key, used by crawl without --key
    p = run("keygen", "--subject", "/CN=Test Operator/O=custody tests", env=env)
    key = os.path.join(work, "config", "custody", "operator.key")
    crt = os.path.join(work, "config", "custody", "operator.crt")
    check(p.returncode == 0 and os.path.exists(key), f"keygen into the config dir: {p.stderr}")
    check(os.path.exists(key) and (os.stat(key).st_mode & 0o777) == 0o600, "the key is mode 0600")
    check(run("keygen", "--subject", "/CN=Again", env=env).returncode == 2, "keygen never overwrites")
    p = run("keygen", "-o", os.path.join(work, "ed"), "--subject", "/CN=x", "--alg", "ed25519")
    check(p.returncode == 0 or "p256" in p.stderr, f"ed25519 works or is refused clearly: {p.stderr}")

    # 1. signed and stamped
    case1 = os.path.join(work, "case1")
    p = run("crawl", "-o", case1, "--tsa", tsa, "--seal-every", "20", seed, env=env)
    check(p.returncode == 0, f"signed crawl exit {p.returncode}: {p.stderr[-400:]}")
    check("sealing signed by CN=Test Operator" in p.stderr, "crawl says it signs with the default key")
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, case1)
    check(rc == 0 and j["verdict"] == "verified", f"signed+stamped case verified: {rc} {j.get('errors')}")
    rc, j = verify(case1)
    check(rc == 3 and j["verdict"] == "intact", f"without anchors: intact ({rc})")
    other = os.path.join(work, "other")
    run("keygen", "-o", other, "--subject", "/CN=Someone Else")
    rc, j = verify("--trust", other + ".crt", "--tsa-trust", tsa_ca, case1)
    check(rc == 1 and any(e["check"] == "seal signature" for e in j["errors"]),
          f"another --trust: failed on the seal signature ({rc})")
    rc, j = verify("--trust", crt, "--tsa-trust", crt, case1)
    check(rc == 1 and any(e["check"] == "seal timestamp" for e in j["errors"]),
          f"another --tsa-trust: failed on the timestamp ({rc})")
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, "--at", "2036-12-01", case1)
    check(rc == 0, f"--at ten years on, after the test certificates expired: still verified ({rc} {j.get('errors')})")
    nseals = sum(1 for r in lib.case_records(case1) if r.get("Content-Type") == "application/vnd.custody.sth")
    check(nseals >= 3, f"seals every 20 records and at the end ({nseals})")

    # 2. README's recipe, exactly as written, on every seal
    readme = open(os.path.join(lib.TOP, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- seal-recipe:begin -->\n```sh\n(.*?)```\n<!-- seal-recipe:end -->", readme, re.S)
    check(m is not None, "README has the seal recipe")
    if m:
        rdir = os.path.join(work, "recipe")
        os.makedirs(rdir)
        os.symlink(case1, os.path.join(rdir, "case1"))
        shutil.copy(crt, os.path.join(rdir, "operator.crt"))
        shutil.copy(tsa_ca, os.path.join(rdir, "tsa-ca.pem"))
        p = subprocess.run(["sh", "-e", "-c", m.group(1)], cwd=rdir, capture_output=True, text=True)
        out = p.stdout + p.stderr
        check(p.returncode == 0 and out.count("root matches") == nseals and "DIFFERS" not in out
              and "CMS Verification successful" in out and "Verification: OK" in out,
              f"the README recipe passes: {out[-600:]}")
        ok = 0
        for n in range(2, nseals + 1):  # the other seals, same commands
            cmds = m.group(1).split("\nEOF\n", 1)[1].replace("seal1", f"seal{n}")
            q = subprocess.run(["sh", "-e", "-c", cmds], cwd=rdir, capture_output=True, text=True)
            ok += q.returncode == 0 and "CMS Verification successful" in q.stdout + q.stderr
        check(ok == nseals - 1, f"the stock openssl checks pass on every seal ({ok + 1}/{nseals})")

    # 3. TSA down -> unstamped -> custody stamp -> verified
    case2 = os.path.join(work, "case2")
    p = run("crawl", "-o", case2, "--tsa", tsa + "fail", seed, env=env)
    check(p.returncode == 0 and "custody stamp" in p.stderr, f"TSA down: crawl goes on and says so: {p.stderr[-300:]}")
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, case2)
    check(rc == 3, f"unstamped seals: not verified ({rc})")
    p = run("stamp", case2, "--tsa", tsa, env=env)
    check(p.returncode == 0, f"custody stamp: {p.stdout} {p.stderr}")
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, case2)
    check(rc == 0, f"after custody stamp: verified ({rc} {j.get('errors')} {j.get('not_checked')})")
    stamps = [r for r in lib.case_records(case2) if r.get("Content-Type") == "application/vnd.custody.stamp"]
    check(len(stamps) >= 1 and all(r.get("WARC-Refers-To") for r in stamps), "stamp records refer to their seals")

    # 4. kill -9 mid-crawl, then --resume
    _, slow_port = lib.start_python_server()
    case3 = os.path.join(work, "case3")
    # /slow answers after 600 s: whatever the load, the kill comes while the crawl still runs
    proc = subprocess.Popen([lib.CUSTODY, "crawl", "-q", "-o", case3, "--tsa", tsa, "--seal-every", "7",
                             seed, f"http://127.0.0.1:{slow_port}/slow?s=600"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def sths_so_far():
        """Tree heads in the case so far. The crawl is writing the last file while this reads
        it: a frame or record not yet whole there means "not yet", not a failure."""
        try:
            return sum(1 for r in lib.case_records(case3)
                       if r.get("Content-Type") == "application/vnd.custody.sth")
        except (subprocess.CalledProcessError, ValueError):
            return 0

    end = time.time() + 60
    while time.time() < end:  # the sample site is captured (and sealed) while /slow waits
        if sths_so_far() >= 5:
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, case3)
    check(rc in (0, 3), f"killed case: intact or verified, never failed ({rc} {j.get('errors')})")
    p = run("crawl", "-o", case3, "--resume", "--tsa", tsa, seed, env=env)
    check(p.returncode == 0, f"--resume: {p.stderr[-300:]}")
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, case3)
    check(rc == 0, f"kill -9 + --resume: verified ({rc} {j.get('errors')} {j.get('not_checked')})")

    # a torn tail (the last frame cut short, as a crash mid-write leaves it) is cut off by --resume
    case3b = os.path.join(work, "case3b")
    shutil.copytree(case3, case3b)
    last = sorted(glob.glob(os.path.join(case3b, "capture-*.warc.zst")))[-1]
    os.truncate(last, os.path.getsize(last) - 25)
    rc, j = verify(case3b)
    check(rc == 1, f"a torn last frame: failed before the resume ({rc})")
    p = run("crawl", "-o", case3b, "--resume", "--tsa", tsa, seed, env=env)
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, case3b)
    check(rc == 0, f"torn tail + --resume: cut off, sealed, verified ({rc} {j.get('errors')})")

    # a crawl stopped between a request and its response (kill -9 there) leaves a request
    # with no response at the end of its file: honest, so never "failed"; and the same
    # request without its response in the middle of a file still fails
    first = sorted(glob.glob(os.path.join(case1, "capture-*.warc.zst")))[0]
    data = open(first, "rb").read()
    frames = lib.zframes(data)
    req_end = None
    for o, n in frames:
        rec = subprocess.run(["zstd", "-dc"], input=data[o:o + n], capture_output=True).stdout
        if b"WARC-Type: request" in rec.split(b"\r\n\r\n", 1)[0]:
            req_end = o + n
            if len([f for f in frames if f[0] < o]) > 4:
                break
    cut = os.path.join(work, "cut")
    os.makedirs(cut)
    with open(os.path.join(cut, os.path.basename(first)), "wb") as f:
        f.write(data[:req_end])
    rc, j = verify(cut)
    check(rc == 3 and j["verdict"] == "intact" and any("a capture cut short" in n for n in j["not_checked"]),
          f"a request with no response at the end of the case: intact, said ({rc} {j.get('errors')})")
    mid = os.path.join(work, "mid")
    os.makedirs(mid)
    nxt = [f for f in frames if f[0] == req_end][0]
    with open(os.path.join(mid, os.path.basename(first)), "wb") as f:
        f.write(data[:req_end] + data[nxt[0] + nxt[1]:])
    rc, j = verify(mid)
    check(rc == 1 and any(e["check"] == "references" for e in j["errors"]),
          f"a response removed from the middle of a file: failed on references ({rc})")

    # 5. export one page; it verifies alone; a flipped byte fails
    exhibit = os.path.join(work, "thread101.warc.zst")
    url = f"http://127.0.0.1:{web_port}/thread/101.html"
    p = run("export", case1, "--url", url, "-o", exhibit)
    check(p.returncode == 0, f"export: {p.stdout} {p.stderr}")
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, exhibit)
    check(rc == 0, f"the exhibit verifies alone ({rc} {j.get('errors')} {j.get('not_checked')})")
    check(not [n for n in j.get("not_checked", []) if "case identity" in n],
          f"the exhibit's Custody-Exhibit-Of names its case ({j.get('not_checked')})")
    recs = lib.read_warc(exhibit)
    uris = {r.get("WARC-Target-URI") for r in recs if r.get("WARC-Type") in ("response", "request")}
    check(uris == {url}, f"the exhibit holds that page only ({uris})")
    data = bytearray(open(exhibit, "rb").read())
    data[len(data) // 2] ^= 0x01
    flipped = os.path.join(work, "flipped.warc.zst")
    open(flipped, "wb").write(bytes(data))
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, flipped)
    check(rc == 1, f"a flipped byte in the exhibit: failed ({rc})")

    # the stored example exhibit still verifies (its certificates are checked at its token's time)
    ex = os.path.join(lib.TOP, "tests", "data", "exhibit")
    rc, j = verify("--trust", os.path.join(ex, "operator.crt"), "--tsa-trust", os.path.join(ex, "tsa-ca.pem"),
                   os.path.join(ex, "thread-101.warc.zst"))
    check(rc == 0, f"tests/data/exhibit verifies ({rc} {j.get('errors')})")

    # 6. a WARC-Date edited in a sealed record, the frame recompressed so zstd and digests hold
    case4 = os.path.join(work, "case4")
    shutil.copytree(case1, case4)
    f0 = sorted(glob.glob(os.path.join(case4, "capture-*.warc.zst")))[0]
    plain = subprocess.run(["zstd", "-dc", f0], capture_output=True, check=True).stdout
    i = plain.index(b"WARC-Type: response")
    d = plain.index(b"WARC-Date: ", i) + len(b"WARC-Date: ")
    edited = plain[:d] + (b"2019" if plain[d:d + 4] != b"2019" else b"2018") + plain[d + 4:]
    open(f0, "wb").write(recompress(edited))
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, case4)
    check(rc == 1 and any(e["check"] == "seal root" for e in j["errors"]),
          f"an edited WARC-Date: failed on the seal root ({rc} {[e['check'] for e in j['errors']]})")
    rc, j = verify(case4)
    check(rc == 1, f"... even without anchors ({rc})")

    # 7. no key at all: the crawl says so, the verifier says intact
    env_nokey = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "empty"))
    case5 = os.path.join(work, "case5")
    p = run("crawl", "-o", case5, seed, env=env_nokey)
    check(p.returncode == 0 and p.stderr.count("UNSIGNED") >= 2, f"unsigned crawl says so at start and end: {p.stderr[-300:]}")
    rc, j = verify("--trust", crt, "--tsa-trust", tsa_ca, case5)
    check(rc == 3, f"unsigned case: intact ({rc})")

    T.finish()


if __name__ == "__main__":
    main()
