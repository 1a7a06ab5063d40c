#!/usr/bin/env python3
"""test_bundle.py — custody bundle and the rebuilt report on a signed, stamped case of the
sample site (served on 127.0.0.1; the local test TSA of servers/tsa.py; one doxing page
rendered by Debian's chromium with --browser, so it has a screenshot).

For each of court, platform and police, in zh and en: the bundle is written; SHA256SUMS holds
with `sha256sum -c`; every exhibit verifies alone ("verified" with the anchors); page one of
each PDF (pdftotext) holds the verdict, the signer and the first doxing URL; page one of each
PDF and the report are rendered to PNG (pdftoppm, chromium) and kept in build/bundle-shots/;
the Chinese text is real glyphs: the same text drawn with a font without CJK glyphs
(DejaVu Sans only) gives a different picture. The redaction scan: every redacted output (HTML,
PDF text, CSV, letters, JSON) is searched for every finding value of the case, as seen and
normalized, and for every run of 4 digits of an identifier's digits: none may appear.
Last line: "N passed, N failed".
"""
import glob, json, os, re, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

T = lib.Tally("bundle")
SITE = os.path.join(lib.TOP, "samples", "site")
SHOTS = os.path.join(lib.TOP, "build", "bundle-shots")
NOTE = "Case note: posts about a fabricated person, captured for the test"


def chromium():
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    return None


def start_tsa(d):
    p = subprocess.Popen([sys.executable, os.path.join(lib.HERE, "servers", "tsa.py"), "--dir", d],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         text=True, start_new_session=True)
    lib._procs.append(p)
    port = int(p.stdout.readline().split()[-1])
    lib.wait_port(port)
    return port


def names_url(text, url):
    """The page text names url: its host and each path part in order, wherever a table cell
    broke the line."""
    flat = re.sub(r"\s+", "", text)
    pos = 0
    for part in url.split("/")[2:]:
        pos = flat.find(part, pos)
        if pos < 0:
            return False
    return True


def pdftext(pdf, first=1, last=1):
    r = subprocess.run(["pdftotext", "-f", str(first), "-l", str(last), pdf, "-"],
                       capture_output=True, text=True)
    return r.stdout


def png_of_pdf(pdf, out_prefix):
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", pdf,
                    out_prefix], capture_output=True)
    return out_prefix + ".png" if os.path.exists(out_prefix + ".png") else None


def case_findings(case):
    """Every finding (type, value, text) in the case's findings records."""
    out = []
    for rec in lib.case_records(case):
        if "vnd.custody.findings+json" in rec.get("Content-Type", ""):
            for f in json.loads(rec.block).get("findings", []):
                out.append(f)
    return out


def leaks(text, findings):
    """What of the case's identifiers appears in text: values, texts, 4-digit runs."""
    found = []
    # digests and record ids are hex and uuids; they are proof, not the data
    clean = re.sub(r"sha256:[0-9a-f]{64}|urn:uuid:[0-9a-f-]{36}|[0-9a-f]{40,}|capture-[0-9a-f]{8}-\d{5}",
                   " ", text)
    # and their pieces where a PDF's table cell broke the line inside one (lower-case hex
    # with a letter and a dash, or 12+ hex digits with a letter: no identifier looks so)
    clean = re.sub(r"(?=[0-9a-f-]*[a-f])[0-9a-f]{2,}(?:-[0-9a-f]{2,})+>?|(?=[0-9a-f]*[a-f])[0-9a-f]{12,}",
                   " ", clean)
    clean = re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?", " ", clean)  # times
    clean = re.sub(r"127\.0\.0\.1:\d+", " ", clean)  # the test server's port
    # byte offsets and sizes custody computed (a proof's "offset 48173", "@48173", "6562 bytes"):
    # a 4-digit run of an identifier there is chance, not a leak
    clean = re.sub(r"(?:字节偏移|offset|@)\s*\d+|\d+\s*(?:字节|bytes)|\d{5}\.warc\.zst", " ", clean)
    digits_only = re.sub(r"[\s\-\.]", "", clean)
    for f in findings:
        if f["type"] == "dox_keyword":
            continue
        for v in (f.get("value", ""), f.get("text", "")):
            if len(v) >= 3 and v in clean:
                found.append((f["type"], v))
        d = re.sub(r"\D", "", f.get("value", ""))
        if len(d) >= 7:
            for i in range(len(d) - 3):
                run = d[i:i + 4]
                # a 6-digit run across line breaks (never a shorter tail of one)
                if run in clean or (len(d) >= 11 and i + 6 <= len(d) and d[i:i + 6] in digits_only):
                    found.append((f["type"], f"digits {run} of {f['value'][:2]}..."))
                    break
    return found


def main():
    if not os.access(lib.CUSTODY, os.X_OK) or not os.access(lib.CUSTODY_VERIFY, os.X_OK):
        print("skip: binaries not built")
        T.finish()
    exe = chromium()
    if not exe or not shutil.which("pdftotext") or not shutil.which("pdftoppm"):
        print("skip  chromium or poppler-utils not installed (tests/bootstrap.sh installs them)")
        T.finish()
    os.makedirs(SHOTS, exist_ok=True)
    tmp = lib.tmpdir("custody-bundle-")
    _, port = lib.start_http_server(SITE)
    keys = os.path.join(tmp, "keys")
    os.makedirs(keys)
    tsa_port = start_tsa(os.path.join(keys, "tsa"))
    key = os.path.join(keys, "operator")
    lib.custody("keygen", "-o", key, "--subject", "/CN=Bundle Test Operator/O=custody tests")
    trust, tsa_trust = key + ".crt", os.path.join(keys, "tsa", "tsa-ca.pem")
    base = f"http://127.0.0.1:{port}"
    case = os.path.join(tmp, "case")
    # the forum with the browser: the doxing threads are rendered by chromium (screenshots)
    p = lib.custody("crawl", "-o", case, "--key", key + ".key", "--cert", trust,
                    "--tsa", f"http://127.0.0.1:{tsa_port}/", "--note", NOTE, "--browser",
                    "--depth", "1", f"{base}/forum.html", timeout=600)
    if not T.check(lib.capture_files(case), f"crawl: {p.stderr[-600:]}"):
        T.finish()
    code, v = lib.verify(case, args=("--trust", trust, "--tsa-trust", tsa_trust))
    T.check(code == 0, f"the case verifies: {code} {v.get('errors', '')[:3] if v else ''}")
    findings = case_findings(case)
    T.check(any(f["type"] == "cn_resident_id" for f in findings), "the case has findings")
    recs = lib.case_records(case)
    T.check(any(r.get("WARC-Target-URI", "").startswith("urn:custody:screenshot:") for r in recs),
            "a browser-rendered page with a screenshot")

    # the report itself, both languages, before and after: printed page count
    for lang in ("en", "zh"):
        rep = os.path.join(tmp, f"report-{lang}.html")
        r = subprocess.run([lib.CUSTODY_VERIFY, "--trust", trust, "--tsa-trust", tsa_trust,
                            "--lang", lang, "--report", rep, case], capture_output=True, text=True)
        html = open(rep, encoding="utf-8").read()
        T.check(r.returncode == 0 and NOTE in html, f"report {lang}: verified, the note shown")
        T.check(f"{base}/forum.html" in html and ("captured" in html or "已采集" in html),
                f"report {lang}: the page asked for is shown")
        T.check(("resident ID number" if lang == "en" else "居民身份证号码") in html,
                f"report {lang}: kinds named in words")
        i_id = html.find("cn_resident_id")
        i_kw = html.find("Doxing wording" if lang == "en" else "开盒用语")
        T.check(i_id > 0 and (i_kw < 0 or i_id < i_kw), f"report {lang}: identifiers before dox wording")
        png = os.path.join(SHOTS, f"report-{lang}.png")
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp}/prof",
                        "--window-size=1000,1400", f"--screenshot={png}", "file://" + rep],
                       capture_output=True, timeout=180, env=dict(os.environ, HOME=tmp))
        T.check(os.path.exists(png) and os.path.getsize(png) > 20000, f"report {lang}: rendered to {png}")

    # the CJK glyphs are real: the same text in a font without CJK glyphs looks different
    probe = os.path.join(tmp, "probe-%s.html")
    text = "居民身份证号码 开盒页面 证据报告"
    for name, font in (("cjk", "'Noto Sans CJK SC'"), ("nocjk", "'DejaVu Sans'")):
        with open(probe % name, "w", encoding="utf-8") as fh:
            fh.write(f"<html><body style=\"font:40px {font}\"><p>{text}</p></body></html>")
    sizes = {}
    for name in ("cjk", "nocjk"):
        png = os.path.join(SHOTS, f"cjk-probe-{name}.png")
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp}/prof",
                        "--window-size=900,200", f"--screenshot={png}", "file://" + probe % name],
                       capture_output=True, timeout=120, env=dict(os.environ, HOME=tmp))
        sizes[name] = open(png, "rb").read() if os.path.exists(png) else b""
    fc = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    T.check("Noto Sans CJK" in fc, f"a CJK font is installed (fonts-noto-cjk): {fc[:80]}")
    T.check(sizes["cjk"] and sizes["cjk"] != sizes["nocjk"],
            "CJK text renders differently from the no-CJK font (real glyphs, not boxes)")

    sj = os.path.join(tmp, "summary.json")
    subprocess.run([lib.CUSTODY_VERIFY, "--summary", sj, case], capture_output=True)
    first_url = [p for p in json.load(open(sj))["pages"] if p["doxing"]][0]["url"]
    for who in ("court", "platform", "police"):
        for lang in ("zh", "en"):
            out = os.path.join(tmp, f"{who}-{lang}")
            r = lib.custody("bundle", case, "-o", out, "--for", who, "--lang", lang,
                            "--trust", trust, "--tsa-trust", tsa_trust, timeout=600)
            label = f"{who} {lang}"
            if not T.check(r.returncode == 0, f"{label}: bundle written: {r.stderr[-500:]}"):
                continue
            s = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=out,
                               capture_output=True, text=True)
            listed = open(os.path.join(out, "SHA256SUMS")).read()
            files = [os.path.relpath(f, out) for f in glob.glob(out + "/**", recursive=True)
                     if os.path.isfile(f) and not f.endswith("SHA256SUMS")]
            T.check(s.returncode == 0 and all(("  " + f + "\n") in listed for f in files),
                    f"{label}: sha256sum -c SHA256SUMS, every file listed {s.stdout[-200:]}")
            exhibits = sorted(glob.glob(os.path.join(out, "exhibits", "*.warc.zst")))
            if who != "platform":
                T.check(len(exhibits) >= 1, f"{label}: exhibits")
                for ex in exhibits:
                    c, vv = lib.verify(ex, args=("--trust", trust, "--tsa-trust", tsa_trust))
                    T.check(c == 0 and vv.get("verdict") == "verified",
                            f"{label}: {os.path.basename(ex)} verifies alone: {c}")
                vt = open(os.path.join(out, "VERIFY.txt"), encoding="utf-8").read()
                T.check("如何核验" in vt and "How to verify" in vt and "openssl cms -verify" in vt,
                        f"{label}: VERIFY.txt in zh and en with the openssl commands")
                ex0 = os.path.relpath(exhibits[0], out)[:-len(".warc.zst")] if exhibits else ""
                o1 = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
                                     ex0 + ".seal.p7s", "-content", ex0 + ".seal.sth.txt", "-CAfile",
                                     "certs/operator.crt", "-purpose", "any", "-out", "/dev/null"],
                                    cwd=out, capture_output=True, text=True)
                o2 = subprocess.run(["openssl", "ts", "-verify", "-data", ex0 + ".seal.sth.txt", "-in",
                                     ex0 + ".seal.tsr", "-CAfile", "certs/tsa-ca.pem"],
                                    cwd=out, capture_output=True, text=True)
                T.check(o1.returncode == 0 and o2.returncode == 0 and "Verification: OK" in o2.stdout,
                        f"{label}: the stock openssl commands of VERIFY.txt pass {o1.stderr[-200:]}")
            pdfs = {"court": ["report.pdf"], "platform": [f"complaint-{lang}.pdf", "report.pdf"],
                    "police": [f"police-report-{lang}.pdf", "report.pdf"]}[who]
            for pdf in pdfs:
                path = os.path.join(out, pdf)
                if not T.check(os.path.exists(path), f"{label}: {pdf} written"):
                    continue
                pg1 = pdftext(path)
                shot = png_of_pdf(path, os.path.join(SHOTS, f"{who}-{lang}-{pdf[:-4]}-p1"))
                T.check(shot is not None, f"{label}: {pdf} page one rendered to PNG")
                if pdf == "report.pdf":
                    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
                    T.check(re.search(r"Page size:\s+59[45](\.\d+)? x 84[12]", info) is not None, f"{label}: A4 ({info[-200:]})")
                    verdict = "Verified" if lang == "en" else "核验通过"
                    T.check(verdict in pg1 and "Bundle Test Operator" in pg1 and
                            names_url(pg1, first_url), f"{label}: page one holds verdict, signer, first "
                            f"doxing URL {first_url}: {pg1[:600]}")
                else:
                    T.check(names_url(pdftext(path, 1, 99), first_url), f"{label}: {pdf} names the first doxing page")
            if who == "platform":
                csv = open(os.path.join(out, "pages.csv"), encoding="utf-8").read()
                T.check(csv.startswith("url,first_captured,types,findings\n") and csv.count("\n") >= 2,
                        f"{label}: pages.csv")
                letter = open(os.path.join(out, f"complaint-{lang}.html"), encoding="utf-8").read()
                T.check("PLACEHOLDER" in letter or "待填写" in letter,
                        f"{label}: laws cited only as marked placeholders")
                T.check(not os.path.isdir(os.path.join(out, "screenshots")),
                        f"{label}: redacted by default: no screenshots")
            if who == "police":
                T.check(len(glob.glob(os.path.join(out, "screenshots", "*.png"))) >= 1,
                        f"{label}: screenshots included")
                pol = open(os.path.join(out, f"police-report-{lang}.html"), encoding="utf-8").read()
                # <wbr> lets a long URL break after a '/': the reader sees it whole
                T.check(("报案材料" in pol) and (f"{base}/" in pol.replace("<wbr>", "")),
                        f"{label}: 报案材料 with the URLs")

    # redaction that holds: every redacted output scanned for every identifier
    red_outputs = []
    for who in ("platform",):
        for lang in ("zh", "en"):
            red_outputs.append(os.path.join(tmp, f"{who}-{lang}"))
    for who in ("court", "police"):
        out = os.path.join(tmp, f"{who}-red")
        r = lib.custody("bundle", case, "-o", out, "--for", who, "--lang", "zh", "--redact",
                        "--trust", trust, "--tsa-trust", tsa_trust, timeout=600)
        T.check(r.returncode == 0, f"{who} --redact: written {r.stderr[-300:]}")
        red_outputs.append(out)
    redrep = os.path.join(tmp, "redacted.html")
    subprocess.run([lib.CUSTODY_VERIFY, "--redact", "--report", redrep, "--summary",
                    os.path.join(tmp, "redacted.json"), case], capture_output=True)
    scanned = 0
    for item in red_outputs + [redrep, os.path.join(tmp, "redacted.json")]:
        paths = [item] if os.path.isfile(item) else glob.glob(item + "/**", recursive=True)
        for path in paths:
            if not os.path.isfile(path) or path.endswith((".warc.zst", ".p7s", ".tsr", ".png", ".crt", ".pem")):
                continue
            if path.endswith(".pdf"):
                text = pdftext(path, 1, 9999)
            else:
                text = open(path, encoding="utf-8", errors="replace").read()
            bad = leaks(text, findings)
            scanned += 1
            T.check(not bad, f"redaction scan: {os.path.relpath(path, tmp)}: {bad[:5]}")
    T.check(scanned >= 10, f"redaction scan covered {scanned} files")
    hb = open(redrep, encoding="utf-8").read()
    T.check("data:image/png" not in hb, "redacted report: no screenshot")
    print(f"first doxing URL: {first_url}; PNGs in {SHOTS}")
    T.finish()


if __name__ == "__main__":
    main()
