"""End-to-end: `custody watch` and `custody timeline` against a loopback forum this test controls.

The forum (a thread server in this process) moves through states, each only once a watch round
has seen the one before (the log says so), with rounds of one second:
  s0 thread 1 exposes a (fabricated) person          -> present, version 1
  s1 thread 1 edited                                 -> present, version 2
  s2 thread 1 replaced by a deletion notice          -> removed (notice)
  s3 thread 1 answers 404; thread 2 appears on the board with the watched phone number
                                                     -> exactly one alert, via --on-alert
  s4 the forum is down (nothing listens)             -> unreachable, not "removed"
  s5 the forum is back
Then: timeline --json reports each state with its time (and trusted time: signed, TSA-stamped);
custody-verify says verified with the anchors; no plaintext phone number in the alert, the
log, the --on-alert input or custody's own metadata records; a second watcher is refused;
kill -9 mid-round and the same command again -> the case continues (next round number, no
round twice) and verifies.
Last line: "N passed, N failed".
"""
import glob, http.server, json, os, signal, socket, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib

T = lib.Tally("watch")
check = T.check
WATCHED = "13822223333"          # fabricated: the "victim's" number
OTHER = "13911112222"

T1 = ("<html><head><meta charset=\"utf-8\"><title>开盒 张小明</title></head><body><h1>人肉开盒：张小明</h1>"
      "<p>手机号 " + OTHER + "，住址 北京市朝阳区建国路88号。</p>{extra}</body></html>")
T2 = ("<html><head><meta charset=\"utf-8\"><title>开盒 李小红</title></head><body><h1>人肉开盒：李小红</h1>"
      "<p>她的手机号 " + WATCHED + "，大家去打电话。住址 上海市浦东新区世纪大道100号。</p></body></html>")
NOTICE = "<html><head><meta charset=\"utf-8\"></head><body><p>抱歉，该内容已被删除</p></body></html>"

state = {"s": 0, "slow": 0.0}


class Forum(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="text/html; charset=utf-8"):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        s = state["s"]
        if self.path == "/board":
            links = '<a href="/t/1">帖子一</a>'
            if s >= 3:
                links += ' <a href="/t/2">帖子二</a>'
            return self.send(200, f"<html><body><h1>板块</h1>{links}</body></html>")
        if self.path == "/t/1":
            if state["slow"]:
                time.sleep(state["slow"])
            if s == 0:
                return self.send(200, T1.format(extra=""))
            if s == 1:
                return self.send(200, T1.format(extra="<p>补充：他每天七点出门。</p>"))
            if s == 2:
                return self.send(200, NOTICE)
            return self.send(404, "<html><body>Not Found</body></html>")
        if self.path == "/t/2" and s >= 3:
            return self.send(200, T2)
        if self.path in ("/gbk/1", "/gbk/2"):  # removal notices in GBK, charset in the header / the page
            hdr = self.path == "/gbk/1"
            b = (("<html><head>" + ("" if hdr else "<meta http-equiv=\"Content-Type\" content=\"text/html; "
                  "charset=gb2312\">") + "</head><body><p>" + ("该帖子已被删除" if hdr else "帖子不存在") +
                  "</p></body></html>").encode("gbk"))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=GBK" if hdr else "text/html")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            return self.wfile.write(b)
        return self.send(404, "<html><body>Not Found</body></html>")


class Server:
    def __init__(self, port=0):
        self.port = port
        self.start()

    def start(self):
        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Forum)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        self.th = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.th.start()

    def down(self):
        self.srv.shutdown()
        self.srv.server_close()


def run(*args, env=None, timeout=300, inp=None):
    return subprocess.run([lib.CUSTODY, *args], capture_output=True, text=True, env=env, timeout=timeout,
                          input=inp)


def start_tsa(d):
    p = subprocess.Popen([sys.executable, os.path.join(lib.HERE, "servers", "tsa.py"), "--dir", d],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         text=True, start_new_session=True)
    lib._procs.append(p)
    port = int(p.stdout.readline().split()[-1])
    lib.wait_port(port)
    return port


def log_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []


def visits_of(path, url):
    return [l for l in log_lines(path) if l.get("kind") == "visit" and l.get("url") == url]


def rounds_done(path):
    return [l["round"] for l in log_lines(path) if l.get("kind") == "round"]


def main():
    work = lib.tmpdir()
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "config"))
    p = run("keygen", "--subject", "/CN=Test Operator/O=custody tests", env=env)
    check(p.returncode == 0, f"keygen: {p.stderr}")
    crt = os.path.join(work, "config", "custody", "operator.crt")
    tsa_dir = os.path.join(work, "tsa")
    tsa = f"http://127.0.0.1:{start_tsa(tsa_dir)}/"
    tsa_ca = os.path.join(tsa_dir, "tsa-ca.pem")
    ids = os.path.join(work, "victim.txt")
    with open(ids, "w") as f:
        f.write(f"cn_mobile {WATCHED}\n")
    wl = os.path.join(work, "victim.watch")
    p = run("watch-hash", "-o", wl, ids)
    check(p.returncode == 0, f"watch-hash: {p.stderr}")
    os.unlink(ids)

    srv = Server()
    base = f"http://127.0.0.1:{srv.port}"
    t1, t2, board = base + "/t/1", base + "/t/2", base + "/board"
    case = os.path.join(work, "case")
    log = os.path.join(work, "watch.log")
    alerts_in = os.path.join(work, "alerts-received")
    hook = f"cat >> '{alerts_in}'"
    cmd = [lib.CUSTODY, "watch", "-o", case, "--every", "1s", "--depth", "1", "--delay", "0",
           "--ignore-robots", "--tsa", tsa, "--watch", wl, "--on-alert", hook, "--log", log,
           "--timeout", "10", "--connect-timeout", "3", board, t1]
    w = subprocess.Popen(cmd + ["--rounds", "40"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env, start_new_session=True)
    lib._procs.append(w)

    # a second watcher of the same case is refused
    lib.wait_until(lambda: os.path.exists(os.path.join(case, "watch.lock")), "the lock")
    p2 = run("watch", "-o", case, "--every", "1s", "--rounds", "1", board, env=env, timeout=60)
    check(p2.returncode == 2 and "watched already" in p2.stderr, f"a second watcher is refused: {p2.stderr!r}")

    def seen(st_pred, after_round):
        """Wait until a round after after_round has visited t1 (or t2) and finished."""
        lib.wait_until(lambda: any(r > after_round for r in rounds_done(log)) or w.poll() is not None,
                       "a watch round", bound=120)
        return max(rounds_done(log) or [0])

    r = seen(None, 0)                 # s0 seen
    for s in (1, 2, 3):
        state["s"] = s
        r0 = max(rounds_done(log))
        r = seen(None, r0 + 1)        # a whole round after the change
    # s4: the forum is down for at least one whole round
    srv.down()
    r0 = max(rounds_done(log))
    r = seen(None, r0 + 1)
    srv.start()                        # s5: back, same port
    r0 = max(rounds_done(log))
    r = seen(None, r0 + 1)
    os.killpg(w.pid, signal.SIGTERM)
    out, err = w.communicate(timeout=120)
    check(w.returncode == 0, f"watch stopped by SIGTERM exits 0 ({w.returncode}): {err[-600:]}")
    check("closed cleanly" in err, "SIGTERM: the round ends, the case is closed")

    # exactly one alert, with no plaintext identifier anywhere
    alerts = [json.loads(l) for l in out.splitlines() if l.strip()]
    check(len(alerts) == 1, f"exactly one alert on stdout: {alerts}")
    if alerts:
        a = alerts[0]
        check(a["url"] == t2 and a["types"] == ["cn_mobile"] and a["reason"] == "watched",
              f"the alert names thread 2 and the type only: {a}")
        check(a["record"].startswith("<urn:uuid:") and a["trusted_time"], f"record id and trusted time: {a}")
    got = open(alerts_in).read().splitlines() if os.path.exists(alerts_in) else []
    check(len(got) == 1 and json.loads(got[0]) == alerts[0] if alerts and got else False,
          f"--on-alert got the same event once: {got}")
    check(len([l for l in log_lines(log) if l.get("kind") == "alert"]) == 1, "the log has the one alert")
    blobs = {"stdout": out, "stderr": err, "log": open(log).read(), "on-alert": "\n".join(got)}
    for rec in lib.case_records(case):
        ct = rec.get("Content-Type", "")
        if rec.type in ("metadata", "warcinfo") and "findings" not in ct:
            blobs.setdefault("case metadata", "")
            blobs["case metadata"] += rec.block.decode("utf-8", "replace")
        if rec.type in ("metadata",) and "alert" in ct:
            blobs.setdefault("alert records", "")
            blobs["alert records"] += rec.block.decode("utf-8", "replace")
    for name, text in blobs.items():
        check(WATCHED not in text and "138 2222 3333" not in text, f"no plaintext identifier in {name}")
    check("alert records" in blobs and blobs["alert records"].count('"reason"') == 1,
          "one alert record in the case")

    # the timeline
    p = run("timeline", "--json", case)
    check(p.returncode == 0, f"timeline --json: {p.stderr}")
    tl = json.loads(p.stdout) if p.returncode == 0 else {"urls": []}
    by = {u["url"]: u for u in tl["urls"]}
    u1 = by.get(t1, {})
    hist = [h["state"] + (":" + h.get("how", "")[:6] if h["state"] == "removed" else "") for h in u1.get("history", [])]
    check(u1.get("versions") == 2, f"thread 1: two versions ({u1.get('versions')})")
    check(u1.get("first_present") and u1["first_present"]["trusted_time"], "first present with a trusted time")
    check(u1.get("removed") and u1["removed"]["how"].startswith("notice: ") and u1["removed"]["trusted_time"],
          f"first removed: the notice, with its trusted time ({u1.get('removed')})")
    check(u1.get("first_present", {}).get("time", "") < u1.get("last_present", {}).get("time", "~") <
          (u1.get("removed") or {}).get("time", ""), "first present < last present < removed")
    # the order of states, each once at least
    order = []
    for h in hist:
        if not order or order[-1] != h:
            order.append(h)
    want = ["present", "removed:notice", "removed:404", "unreachable", "removed:404"]
    check(order == want, f"thread 1 went {order}, want {want}")
    unreach = [h for h in u1.get("history", []) if h["state"] == "unreachable"]
    check(unreach and u1["unreachable"] == len(unreach), "the round with the forum down: unreachable")
    check(all(h["state"] != "removed" or h.get("status") for h in u1.get("history", [])),
          "no removal without an answer from the server")
    check(by.get(board, {}).get("state") == "present" and by[board]["unreachable"] >= 1,
          "the board: present again after being unreachable, never removed")
    check(by.get(t2, {}).get("state") == "present", "thread 2 present")
    p = run("timeline", case)
    check(p.returncode == 0 and "removed by" in p.stdout and "notice: " in p.stdout, f"timeline text: {p.stdout[:300]}")

    rc, j = lib.verify(case, args=("--trust", crt, "--tsa-trust", tsa_ca))
    check(rc == 0 and j.get("verdict") == "verified", f"the case verifies with the anchors: {rc} {j.get('errors', j)}"[:800])

    # kill -9 mid-round, then the same command again
    rounds_before = max(rounds_done(log))
    state["slow"] = 4.0
    w = subprocess.Popen(cmd + ["--rounds", "5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env, start_new_session=True)
    lib._procs.append(w)
    lib.wait_until(lambda: len(visits_of(log, board)) > 0 and
                   max(l["round"] for l in visits_of(log, board)) > rounds_before, "the board visited")
    time.sleep(0.5)
    os.killpg(w.pid, signal.SIGKILL)
    w.wait()
    check(max(rounds_done(log)) == rounds_before, "killed before the round ended")
    state["slow"] = 0.0
    p = subprocess.run(cmd + ["--rounds", "2"], capture_output=True, text=True, env=env, timeout=300)
    check(p.returncode == 0, f"restarted after kill -9: {p.stderr[-500:]}")
    rr = rounds_done(log)
    check(rr[-2:] == [rounds_before + 1, rounds_before + 2] and len(rr) == len(set(rr)),
          f"the case continues with the next round, none twice: {rr} (before: {rounds_before})")
    rc, j = lib.verify(case, args=("--trust", crt, "--tsa-trust", tsa_ca))
    check(rc == 0 and j.get("verdict") == "verified", f"verified after kill -9 and restart: {rc} {j.get('errors', j)}"[:800])
    p = run("timeline", "--json", "--url", t1, case)
    j1 = json.loads(p.stdout)
    check(len(j1["urls"]) == 1 and j1["rounds"] == rounds_before + 2, f"--url: one URL; rounds {j1.get('rounds')}")

    # kill -9 between a round's close and the alert's delivery: the alert is in the case (sealed)
    # before it goes out, and the next start delivers it (the --on-alert hook kills the watcher
    # the first time, before it could mark the alert delivered)
    case2 = os.path.join(work, "case2")
    flag = os.path.join(work, "killed-once")
    got2 = os.path.join(work, "alerts2")
    hook2 = f"if [ -e '{flag}' ]; then cat >> '{got2}'; else touch '{flag}'; kill -9 $PPID; sleep 5; fi"
    state["s"] = 3
    cmd2 = [lib.CUSTODY, "watch", "-o", case2, "--every", "0s", "--delay", "0", "--ignore-robots", "--tsa", tsa,
            "--watch", wl, "--on-alert", hook2, "--timeout", "10", "--connect-timeout", "3", "-q", t2]
    p = subprocess.run(cmd2 + ["--rounds", "1"], capture_output=True, text=True, env=env, timeout=300)
    check(p.returncode == -9 and os.path.exists(flag), f"killed by -9 while delivering: rc {p.returncode} {p.stderr[-300:]}")
    check(not os.path.exists(got2), "nothing delivered before the kill")
    alert_ids = [rec.get("WARC-Record-ID") for rec in lib.case_records(case2)
                 if rec.type == "metadata" and "alert" in rec.get("Content-Type", "")]
    check(len(alert_ids) == 1, f"the alert was recorded in the case before the delivery: {alert_ids}")
    p = subprocess.run(cmd2 + ["--rounds", "1"], capture_output=True, text=True, env=env, timeout=300)
    check(p.returncode == 0, f"restarted: {p.stderr[-300:]}")
    got = open(got2).read().splitlines() if os.path.exists(got2) else []
    ev = json.loads(got[0]) if len(got) == 1 else {}
    check(len(got) == 1 and ev.get("late") is True and ev.get("url") == t2 and alert_ids and
          ev.get("alert_record") == alert_ids[0] and ev.get("trusted_time"),
          f"the undelivered alert is delivered at restart, once, with its trusted time: {got}")
    outl = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    check(len(outl) == 1 and outl[0].get("alert_record") == ev.get("alert_record"),
          f"stdout has it too, and no new alert for the same page: {outl}")
    check(WATCHED not in "\n".join(got) + p.stdout, "no plaintext identifier in the late alert")
    p = subprocess.run(cmd2 + ["--rounds", "1"], capture_output=True, text=True, env=env, timeout=300)
    got = open(got2).read().splitlines() if os.path.exists(got2) else []
    check(p.returncode == 0 and len(got) == 1 and not p.stdout.strip(), f"a delivered alert is not delivered again: {got}")
    rc, j = lib.verify(case2, args=("--trust", crt, "--tsa-trust", tsa_ca))
    check(rc == 0 and j.get("verdict") == "verified", f"case2 verifies: {rc} {j.get('errors', j)}"[:600])

    # GBK-encoded removal notices; a case watched without a TSA, stamped later (custody stamp):
    # the timeline's trusted times follow the stamps
    case3 = os.path.join(work, "case3")
    g1, g2 = base + "/gbk/1", base + "/gbk/2"
    p = run("watch", "-o", case3, "--every", "0s", "--delay", "0", "--ignore-robots", "-q", "--rounds", "2",
            g1, g2, env=env)
    check(p.returncode == 0, f"watch without --tsa: {p.stderr[-300:]}")
    p = run("timeline", "--json", case3)
    by3 = {u["url"]: u for u in json.loads(p.stdout)["urls"]} if p.returncode == 0 else {}
    for u, phrase in ((g1, "帖子已被删除"), (g2, "帖子不存在")):
        r3 = by3.get(u, {}).get("removed") or {}
        check(by3.get(u, {}).get("state") == "removed" and r3.get("how", "").startswith("notice: ") and phrase in r3.get("how", ""),
              f"GBK notice found ({u}): {by3.get(u)}")
        check(r3.get("sealed") and r3.get("trusted_time") is None, f"sealed, no trusted time yet: {r3}")
    p = run("stamp", case3, "--tsa", tsa, env=env)
    check(p.returncode == 0, f"custody stamp: {p.stdout} {p.stderr}")
    p = run("timeline", "--json", case3)
    by3 = {u["url"]: u for u in json.loads(p.stdout)["urls"]} if p.returncode == 0 else {}
    hist = [h for u in by3.values() for h in u.get("history", [])]
    check(hist and all(h.get("trusted_time") for h in hist) and
          all((by3[u].get("removed") or {}).get("trusted_time") for u in by3),
          f"after custody stamp every visit has its trusted time: {[h.get('trusted_time') for h in hist]}")
    rc, j = lib.verify(case3, args=("--trust", crt, "--tsa-trust", tsa_ca))
    check(rc == 0 and j.get("verdict") == "verified", f"case3 verifies after stamping: {rc} {j.get('errors', j)}"[:600])
    T.finish()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a broken step must not look like a pass
        import traceback
        traceback.print_exc()
        T.check(False, f"exception: {e}")
        T.finish()
