"""End-to-end: the capture environment, recorded before the first capture and sealed (issue 24).

Servers on 127.0.0.1: the sample site (python http.server) and the test TSA (servers/tsa.py,
once as it is and once with a clock 10 minutes ahead, through faketime).
  - a signed, stamped crawl: the environment record is the record right after warcinfo, the
    first seal covers it, it matches docs/environment.schema.json (so does the clock
    record), custody-verify --trust/--tsa-trust says verified and "sealed", no anomaly
  - http_proxy set (with credentials): flagged in the record and at the end of the crawl,
    the credentials never written
  - an https seed whose certificate does not verify (self-signed): flagged; with --ca-file not
  - a hosts-file entry for the seed host, in a private mount namespace (unshare -m and a
    bind mount over /etc/hosts): flagged, and so is the loopback answer for a public name.
    NEEDS ROOT (or an unprivileged user namespace); skipped, and said so, without
  - a TSA 10 minutes ahead: the crawl says at start that the clock was 10 min behind, the
    clock record holds the offset, custody-verify (--at later) reads the same offset off
    the seal itself, and the report says it in words
  - --private-environment: no host name, user name or local address in the decompressed
    case (the host name is a distinctive one, set in a private UTS namespace: NEEDS ROOT;
    without it the machine's own name is checked)
Last line: "N passed, N failed".
"""
import getpass, json, os, re, shutil, socket, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib

T = lib.Tally("environment")
check = T.check
SITE = os.path.join(lib.TOP, "samples", "site")
SCHEMA = os.path.join(lib.TOP, "docs", "environment.schema.json")
CT = "application/vnd.custody.environment+json"


def run(*args, env=None, timeout=300, pre=()):
    return subprocess.run([*pre, lib.CUSTODY, *args], capture_output=True, text=True, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def start_tsa(d, ahead=0):
    cmd = [sys.executable, os.path.join(lib.HERE, "servers", "tsa.py"), "--dir", d]
    if ahead:
        cmd += ["--ahead", str(ahead)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         text=True, start_new_session=True)
    lib._procs.append(p)
    port = int(p.stdout.readline().split()[-1])
    lib.wait_port(port)
    return f"http://127.0.0.1:{port}/", os.path.join(d, "tsa-ca.pem")


def env_records(case):
    recs = lib.case_records(case)
    envs = [r for r in recs if r.get("Content-Type") == CT]
    out = []
    for r in envs:
        try:
            out.append((r, json.loads(r.block)))
        except ValueError:
            out.append((r, None))
    return recs, out


def schema_ok(body):
    try:
        import jsonschema
    except ImportError:
        return None
    with open(SCHEMA) as f:
        s = json.load(f)
    try:
        jsonschema.validate(body, s)
        return True
    except jsonschema.ValidationError as e:
        print("schema:", e.message, list(e.absolute_path))
        return False


def anomalies(body):
    return [a["kind"] for a in (body or {}).get("anomalies", [])]


def root_ok():
    return os.geteuid() == 0 and shutil.which("unshare") and subprocess.run(
        ["unshare", "-m", "-u", "true"], capture_output=True).returncode == 0


def main():
    work = lib.tmpdir("custody-env-")
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "config"))
    for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(k, None)
    _, web_port = lib.start_http_server(SITE)
    seed = f"http://127.0.0.1:{web_port}/index.html"
    tsa, tsa_ca = start_tsa(os.path.join(work, "tsa"))
    p = run("keygen", "--subject", "/CN=Test Operator/O=custody tests", env=env)
    crt = os.path.join(work, "config", "custody", "operator.crt")
    check(p.returncode == 0, f"keygen: {p.stderr}")

    # 1. a plain signed, stamped crawl
    case = os.path.join(work, "case")
    p = run("crawl", "-q", "--depth", "1", "-o", case, "--tsa", tsa, seed, env=env)
    check(p.returncode == 0, f"crawl: {p.returncode} {p.stderr[-600:]}")
    recs, envs = env_records(case)
    check(len(recs) > 2 and recs[0].type == "warcinfo" and recs[1].get("Content-Type") == CT,
          "the environment record comes right after warcinfo, before any capture")
    check(recs[1].uri and recs[1].uri.startswith("urn:custody:environment:urn:uuid:"),
          f"its own target URI ({recs[1].uri})")
    seals = [r for r in recs if r.get("Content-Type") == "application/vnd.custody.sth"]
    first_seal = json.loads(seals[0].block) if seals else {}
    m = re.search(r"tree-size: (\d+)", first_seal.get("sth", ""))
    check(m and int(m.group(1)) >= 2, "the first seal covers warcinfo and the environment record"
          f" (tree-size {m.group(1) if m else '?'}; opening seal of the seal work when merged)")
    check(recs.index(seals[0]) < next(i for i, r in enumerate(recs) if r.type == "request"),
          "that seal comes before the first capture")
    body = envs[0][1] if envs else None
    check(body and body["kind"] == "environment" and body["case"] == recs[0].get("Custody-Case-ID"),
          "the record names its case")
    sch = schema_ok(body)
    check(sch is not False, "the environment record matches docs/environment.schema.json"
          + (" (jsonschema not installed: not checked)" if sch is None else ""))
    clock = [b for _, b in envs if b and b.get("kind") == "clock"]
    check(len(clock) == 1 and abs(clock[0]["offset_ms"]) < 5000 and clock[0]["within_tolerance"],
          f"the clock record: offset small ({clock[0]['offset_ms'] if clock else '?'} ms)")
    check(not clock or schema_ok(clock[0]) is not False, "the clock record matches the schema")
    check(anomalies(body) == [], f"a clean environment has no anomaly ({anomalies(body)})")
    check(body and body["software"]["executable"]["sha256"] == lib.sha256(open(lib.CUSTODY, "rb").read()),
          "the executable's own SHA-256")
    with open("/etc/hosts", "rb") as f:
        check(body and body["hosts_file"]["sha256"] == lib.sha256(f.read()), "the hosts file's SHA-256")
    rc, j = lib.verify(case, args=("--trust", crt, "--tsa-trust", tsa_ca))
    check(rc == 0 and j.get("environment", {}).get("sealed") is True,
          f"custody-verify: verified, environment sealed ({rc} {j.get('environment')} {j.get('errors')})")
    check(j.get("environment", {}).get("clock_offset_s") is not None and abs(j["environment"]["clock_offset_s"]) <= 2,
          f"the verifier reads the clock off the seal ({j.get('environment')})")
    report = os.path.join(work, "report.html")
    subprocess.run([lib.CUSTODY_VERIFY, "--report", report, case], capture_output=True)
    html = open(report, encoding="utf-8").read() if os.path.exists(report) else ""
    check("Environment of the capture" in html and "No anomaly was found" in html
          and "covered by a verified seal" in html, "the report's environment section")

    # 2. http_proxy set, with credentials
    penv = dict(env, http_proxy="http://agent:hunter2secret@127.0.0.1:9/")
    case2 = os.path.join(work, "case-proxy")
    p = run("crawl", "--depth", "0", "-o", case2, seed, env=penv)
    _, envs2 = env_records(case2)
    b2 = envs2[0][1] if envs2 else None
    check("proxy" in anomalies(b2), f"a proxy in use is flagged ({anomalies(b2)})")
    check("environment: a proxy is in use" in p.stderr, f"... and said at the end: {p.stderr[-400:]}")
    raw = subprocess.run(["zstd", "-dc"] + lib.capture_files(case2), capture_output=True).stdout
    check(b"hunter2secret" not in raw and b"agent:" not in raw, "the proxy's credentials are never written")
    check(b2 and b2["proxy"].get("credentials_removed") is True, "... and the record says they were removed")

    # 2b. a TLS certificate that does not verify (self-signed, not in any store)
    tdir = os.path.join(work, "tls")
    os.makedirs(tdir)
    with open(os.path.join(tdir, "index.html"), "w") as f:
        f.write("<p>tls</p>")
    cert, key = lib.make_cert(tdir)
    _, tls_port = lib.start_tls_server(cert, key, tdir)
    case2b = os.path.join(work, "case-tls")
    p = run("crawl", "--depth", "0", "-k", "-o", case2b, f"https://127.0.0.1:{tls_port}/index.html", env=env)
    _, envs2b = env_records(case2b)
    b2b = envs2b[0][1] if envs2b else None
    check("tls" in anomalies(b2b) and b2b["seed_hosts"][0]["tls"]["result"] == "not verified",
          f"a TLS certificate that does not verify is flagged ({anomalies(b2b)})")
    check("environment: the TLS certificate of 127.0.0.1 does not verify" in p.stderr
          and "--insecure captures it anyway" in p.stderr, f"... and named at the end: {p.stderr[-300:]}")
    rc, j = lib.verify(case2b)
    check([a["kind"] for a in j.get("environment", {}).get("anomalies", [])] == ["tls"],
          f"custody-verify lists it ({j.get('environment')})")
    p = run("crawl", "--depth", "0", "-o", os.path.join(work, "case-tls-ca"), "--ca-file", cert,
            f"https://127.0.0.1:{tls_port}/index.html", env=env)
    _, envs2c = env_records(os.path.join(work, "case-tls-ca"))
    b2c = envs2c[0][1] if envs2c else None
    check(b2c and b2c["seed_hosts"][0]["tls"]["result"] == "verified" and "tls" not in anomalies(b2c),
          f"with --ca-file it verifies, no anomaly ({b2c and b2c['seed_hosts'][0].get('tls')})")

    have_root = root_ok()
    # 3. a hosts-file entry for the seed host, in a private mount namespace
    if have_root:
        hosts = os.path.join(work, "hosts")
        with open(hosts, "w") as f:
            f.write("127.0.0.1 localhost\n127.0.0.1 evidence-site.example\n")
        case3 = os.path.join(work, "case-hosts")
        url = f"http://evidence-site.example:{web_port}/index.html"
        sh = f'mount --bind "{hosts}" /etc/hosts && exec "{lib.CUSTODY}" crawl --depth 0 -o "{case3}" "{url}"'
        p = subprocess.run(["unshare", "-m", "sh", "-c", sh], capture_output=True, text=True, env=env,
                           timeout=300, stdin=subprocess.DEVNULL)
        _, envs3 = env_records(case3)
        b3 = envs3[0][1] if envs3 else None
        check("hosts_file" in anomalies(b3), f"hosts-file entry for the seed host flagged ({anomalies(b3)} {p.stderr[-300:]})")
        check("private_answer" in anomalies(b3), "the loopback answer for a public name flagged")
        check("environment: the hosts file maps the seed host evidence-site.example to 127.0.0.1" in p.stderr,
              "named at the end of the crawl")
        check(b3 and b3["seed_hosts"][0]["hosts_file_entries"][0]["line"] == 2, "the line is recorded")
        rc, j = lib.verify(case3)
        check(rc == 3 and [a["kind"] for a in j.get("environment", {}).get("anomalies", [])][:2] ==
              ["hosts_file", "private_answer"], f"custody-verify lists them ({j.get('environment')})")
    else:
        print("SKIP hosts-file entry: needs root for a private mount namespace (unshare -m)")

    # 4. a TSA whose clock is 10 minutes ahead
    if shutil.which("faketime"):
        tsa2, tsa2_ca = start_tsa(os.path.join(work, "tsa-ahead"), ahead=600)
        case4 = os.path.join(work, "case-clock")
        p = run("crawl", "--depth", "0", "-o", case4, "--tsa", tsa2, seed, env=env)
        check("environment: this machine's clock was 10 min 0 s behind the time-stamp authority" in p.stderr
              or "environment: this machine's clock was 9 min 59 s behind" in p.stderr,
              f"the crawl says so: {p.stderr[-500:]}")
        lines = p.stderr.splitlines()
        first = next((i for i, l in enumerate(lines) if "clock was" in l), None)
        check(first is not None and first < len(lines) - 3, "... at start (before the summary)")
        _, envs4 = env_records(case4)
        clk = [b for _, b in envs4 if b and b.get("kind") == "clock"]
        check(clk and 597000 <= clk[0]["offset_ms"] <= 603000 and not clk[0]["within_tolerance"],
              f"the clock record: +600 s ({clk[0]['offset_ms'] if clk else '?'})")
        later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1200))
        rc, j = lib.verify(case4, args=("--trust", crt, "--tsa-trust", tsa2_ca, "--at", later))
        off = j.get("environment", {}).get("clock_offset_s")
        check(off is not None and 598 <= off <= 602, f"the verifier reads +600 s off the seal ({rc} {j.get('environment')})")
        check("clock" in [a["kind"] for a in j.get("environment", {}).get("anomalies", [])],
              "... and lists it as an anomaly")
        report = os.path.join(work, "report-clock.html")
        subprocess.run([lib.CUSTODY_VERIFY, "--at", later, "--report", report, case4], capture_output=True)
        html = open(report, encoding="utf-8").read() if os.path.exists(report) else ""
        check(re.search(r"this machine's clock was (10 min 0|9 min 5\d) s behind", html),
              "the report says it in words")
        summ = html.split("<h2", 1)[0]  # page one, before the first section
        check("fact the reader should weigh" in summ and re.search(r"clock was (10 min 0|9 min 5\d) s behind", summ),
              "the anomaly is on the report's summary page, as a fact to weigh")
    else:
        print("SKIP clock skew: faketime is not installed (tests/bootstrap.sh installs it)")

    # 5. --private-environment
    case5 = os.path.join(work, "case-private")
    host = socket.gethostname()
    args = ["crawl", "--depth", "1", "--private-environment", "-o", case5, "--tsa", tsa, seed]
    if have_root:
        host = "custody-host-q7x9z"
        sh = f'hostname {host} && exec "{lib.CUSTODY}" ' + " ".join(f'"{a}"' for a in args)
        p = subprocess.run(["unshare", "-u", "sh", "-c", sh], capture_output=True, text=True, env=env,
                           timeout=300, stdin=subprocess.DEVNULL)
    else:
        print("NOTE --private-environment: not root, so the machine's own host name is checked")
        p = run(*args, env=env)
    check(p.returncode == 0, f"private crawl: {p.stderr[-400:]}")
    salt = os.path.join(work, "config", "custody", "environment.salt")
    check(os.path.exists(salt) and (os.stat(salt).st_mode & 0o777) == 0o600, "the salt is kept, mode 0600")
    raw = subprocess.run(["zstd", "-dc"] + lib.capture_files(case5), capture_output=True).stdout
    # the machine's own local addresses, from the plain crawl's record
    local = [i["address"] for i in body["interfaces"] if not i["loopback"]] if body else []
    user = getpass.getuser()
    check(host.encode() not in raw or len(host) < 3, f"no host name ({host}) in the decompressed case")
    # the seals have the field names "root:" and "previous-root:" (tree-head text) and
    # "root" (JSON key): a user called root would match them, so they are taken out first
    scrub = re.sub(rb"(\\n|\n)(previous-)?root: ", b"\n", raw).replace(b'"root":', b'')
    um = re.search(rb".{0,80}\b" + re.escape(user.encode()) + rb"\b.{0,40}", scrub, re.S)
    check(not um, f"no user name ({user}): {um.group(0) if um else ''}")
    leaked = [a for a in local if a.encode() in raw]
    check(local and not leaked, f"no local address ({local}; leaked {leaked})")
    _, envs5 = env_records(case5)
    b5 = envs5[0][1] if envs5 else {}
    check(b5.get("private") and b5["identity"]["hostname"].startswith("hmac-sha256:")
          and b5["identity"]["user"].startswith("hmac-sha256:"), "names are salted hashes")
    check(schema_ok(b5) is not False, "the private record matches the schema")
    rc, j = lib.verify(case5, args=("--trust", crt, "--tsa-trust", tsa_ca))
    check(rc == 0 and j.get("environment", {}).get("private") is True, f"a private case verifies ({rc})")
    T.finish()


if __name__ == "__main__":
    main()
