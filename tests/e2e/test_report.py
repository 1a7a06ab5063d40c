#!/usr/bin/env python3
"""test_report.py — custody-verify --report on a real case of the sample site (served on
127.0.0.1, crawled by bin/custody): the HTML is self-contained (no script, nothing loaded
from elsewhere, print CSS), shows per page the URL, WARC-Date, server address, HTTP status,
digests and check results, every finding highlighted with type, byte range and SHA-256, and
what was verified and how; --redact masks the personal data; a damaged case's report names
the failure. Then Debian's headless chromium renders it: the PNG is not blank and the DOM
holds the verdict, a URL and the signer's name. Last line: "N passed, N failed".
"""
import os, re, shutil, struct, subprocess, sys, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

T = lib.Tally("report")
SITE = os.path.join(lib.TOP, "samples", "site")
PERSON_PHONE = "13800138001"  # the fabricated person of the sample site (README)


def chromium():
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    return None


def png_pixels(path):
    """(width, height, set of distinct row checksums, fraction of non-white samples)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat = 8, b""
    w = h = 0
    ctype = 0
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = {2: 3, 6: 4}.get(ctype, 3)
    stride = w * bpp + 1
    # un-filter is not needed to tell blank from not blank: a white page compresses to
    # identical rows; count rows that differ and non-0xff bytes in the raw scanlines
    rows = {raw[i * stride + 1:(i + 1) * stride] for i in range(0, h, max(1, h // 200))}
    nonwhite = sum(1 for b in raw[::97] if b not in (0, 0xff))
    return w, h, len(rows), nonwhite


def main():
    if not os.access(lib.CUSTODY, os.X_OK) or not os.access(lib.CUSTODY_VERIFY, os.X_OK):
        print("skip: binaries not built")
        T.finish()
    tmp = lib.tmpdir("custody-report-")
    _, port = lib.start_http_server(SITE)
    case = os.path.join(tmp, "case")
    key = os.path.join(tmp, "operator")
    lib.custody("keygen", "-o", key, "--subject", "/CN=Report Test Operator/O=custody tests")
    # signed, not stamped (no TSA here): the report names the signer, time not anchored
    p = lib.custody("crawl", "-o", case, "--key", key + ".key", "--cert", key + ".crt",
                    f"http://127.0.0.1:{port}/")
    if not T.check(lib.capture_files(case), f"crawl: {p.stderr[-400:]}"):
        T.finish()
    rep = os.path.join(tmp, "report.html")
    r = subprocess.run([lib.CUSTODY_VERIFY, "--trust", key + ".crt", "--report", rep, case],
                       capture_output=True, text=True)
    T.check(r.returncode == 3, f"report run: exit 3 (got {r.returncode}) {r.stderr}")
    html = open(rep, encoding="utf-8").read()
    head = html.split("<body>")[0]
    T.check("<script" not in html.lower(), "no script")
    T.check(not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.I)
            and "@import" not in html and "url(" not in html, "nothing loaded from elsewhere")
    T.check("default-src 'none'" in head and "@media print" in head, "CSP and print CSS")
    T.check("What was verified and how" in html and "block digest" in html
            and "references" in html, "what was verified and how")
    T.check(f"http://127.0.0.1:{port}/" in html, "page URLs")
    T.check("127.0.0.1" in html and "HTTP status</th><td>200" in html, "server address, status")
    T.check(re.search(r"Capture time[^<]*</th><td>\d{4}-\d\d-\d\dT", html) is not None,
            "WARC-Date per page")
    T.check(re.search(r"<mark>[^<]+</mark>", html) is not None and "cn_mobile" in html,
            "findings highlighted with their type")
    T.check(re.search(r"\[\d+, \d+\)", html) is not None
            and re.search(r"sha256:[0-9a-f]{64}", html) is not None, "byte ranges and SHA-256")
    T.check(PERSON_PHONE in html, "the person's number is shown (not redacted)")
    T.check("intact" in html and "not</b> anchored" in html, "verdict and what is not anchored")
    T.check("Report Test Operator" in html, "the signer's name")

    red = os.path.join(tmp, "redacted.html")
    subprocess.run([lib.CUSTODY_VERIFY, "--report", red, "--redact", case], capture_output=True)
    rhtml = open(red, encoding="utf-8").read()
    T.check(PERSON_PHONE not in rhtml and "hidden by --redact" in rhtml
            and "<mark>" in rhtml, "--redact masks values, text, context and hashes")
    r = subprocess.run([lib.CUSTODY_VERIFY, "--redact", case], capture_output=True, text=True)
    T.check(r.returncode == 2, "--redact without --report: usage error")

    # a damaged case: the report names the failure
    bad = os.path.join(tmp, "bad")
    shutil.copytree(case, bad)
    f0 = lib.capture_files(bad)[0]
    data = bytearray(open(f0, "rb").read())
    data[len(data) // 2] ^= 0x20
    open(f0, "wb").write(bytes(data))
    brep = os.path.join(tmp, "bad.html")
    r = subprocess.run([lib.CUSTODY_VERIFY, "--report", brep, bad], capture_output=True, text=True)
    bhtml = open(brep, encoding="utf-8").read()
    T.check(r.returncode == 1 and "<h2>Failures</h2>" in bhtml and "FAILED" in bhtml,
            "a damaged case: the report lists the failure")

    # a TLS page: the certificate's subject and issuer and whether it verified at capture
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    with open(os.path.join(www, "index.html"), "wb") as fh:
        fh.write(b"<html><body>tls page</body></html>\n")
    cert, key = lib.make_cert(tmp)
    _, tport = lib.start_tls_server(cert, key, www)
    tcase = os.path.join(tmp, "tls")
    r = lib.custody("crawl", "-o", tcase, "--ignore-robots", "--depth", "0", "--ca-file", cert,
                    f"https://127.0.0.1:{tport}/index.html")
    trep = os.path.join(tmp, "tls.html")
    subprocess.run([lib.CUSTODY_VERIFY, "--report", trep, tcase], capture_output=True)
    thtml = open(trep, encoding="utf-8").read() if os.path.exists(trep) else ""
    T.check("TLS certificate subject" in thtml and "custody test" in thtml
            and "<span class=ok>verified</span> (chain and host name)" in thtml,
            f"TLS page: certificate subject, issuer and verification shown (crawl exit "
            f"{r.returncode})")

    # issue 21: a number written in disguise is checked like any finding and the report
    # says how it was written (unsigned: exit 3, intact but not anchored)
    dwww = os.path.join(tmp, "dwww")
    os.makedirs(dwww)
    with open(os.path.join(dwww, "index.html"), "wb") as fh:
        fh.write("<html><head><meta charset=utf-8></head><body><p>姓名：张三</p>"
                 "<p>电话：一三八〇〇一三八〇〇一</p></body></html>\n".encode())
    _, dport = lib.start_http_server(dwww)
    dcase = os.path.join(tmp, "disguised")
    lib.custody("crawl", "-o", dcase, "--ignore-robots", "--depth", "0",
                f"http://127.0.0.1:{dport}/index.html")
    drep = os.path.join(tmp, "disguised.html")
    r = subprocess.run([lib.CUSTODY_VERIFY, "--report", drep, dcase], capture_output=True)
    dhtml = open(drep, encoding="utf-8").read() if os.path.exists(drep) else ""
    T.check(r.returncode == 3 and "written as: cn_numerals" in dhtml and PERSON_PHONE in dhtml
            and "一三八〇〇一三八〇〇一" in dhtml,
            f"a disguised number: checked, its value and the disguise shown (verify exit "
            f"{r.returncode}) {r.stderr[-300:]}")

    exe = chromium()
    if not exe:
        print("skip  chromium not installed (tests/bootstrap.sh installs it): no rendering check")
        T.finish()
    png = os.path.join(tmp, "report.png")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp}/profile",
             "--window-size=1200,1800"]
    env = dict(os.environ, HOME=tmp)
    r = subprocess.run([exe, *flags, f"--screenshot={png}", "file://" + rep],
                       capture_output=True, text=True, timeout=120, env=env)
    info = png_pixels(png) if os.path.exists(png) else None
    T.check(info is not None and info[0] > 0 and info[2] > 5 and info[3] > 50,
            f"chromium renders the report to a PNG that is not blank ({info}) {r.stderr[-300:]}")
    r = subprocess.run([exe, *flags, "--dump-dom", "file://" + rep],
                       capture_output=True, text=True, timeout=120, env=env)
    T.check("custody-verify report" in r.stdout and "intact" in r.stdout
            and f"http://127.0.0.1:{port}/" in r.stdout and "Report Test Operator" in r.stdout,
            f"chromium's DOM holds the verdict and the URLs {r.stderr[-300:]}")
    T.finish()


if __name__ == "__main__":
    main()
