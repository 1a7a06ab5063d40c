#!/usr/bin/env python3
"""test_i18n.py — the Chinese interface (issue 27).

The catalogue is complete: a .pot made afresh from the programs' own option tables
(custody --dump-strings, custody-verify --dump-strings) and the cli_tr() messages
(xgettext), merged with po/zh_CN.po, has no untranslated and no fuzzy entry; msgfmt -c
passes; every translation keeps the option names of its English text. Then, as a user
would see it: a Chinese locale gives Chinese help (also when the zh_CN locale was never
generated, and with LANGUAGE over C.UTF-8), --lang en English, --lang zh_TW traditional
script, C and a missing catalogue English; Chinese help is wrapped to the terminal by
display width; `lang = zh` in the settings file; a Chinese-locale crawl of a loopback site,
custody-verify's verdict in Chinese and its --report in Chinese."""
import os, re, subprocess, sys, tempfile, unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib
from test_seal import start_tsa

T = lib.Tally("i18n")
PO = os.path.join(lib.TOP, "po", "zh_CN.po")
COMMANDS = ["crawl", "ls", "scan", "watch-hash", "watch", "timeline", "keygen", "stamp", "export", "bundle"]
work = lib.tmpdir("custody-i18n-")
# a clean environment: no settings file, no language of the caller's
BASE = {k: v for k, v in os.environ.items()
        if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "CUSTODY_LANG", "CUSTODY_CONFIG")}
BASE["XDG_CONFIG_HOME"] = os.path.join(work, "config")


def run(prog, *args, env=None, **kw):
    e = dict(BASE, **(env or {}))
    return subprocess.run([prog, *args], capture_output=True, text=True, env=e, timeout=300, **kw)


def cjk(s):
    return len(re.findall(r"[\u4e00-\u9fff]", s))


def width(line):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


# ---------------------------------------------------------------- the catalogue is complete
pot = os.path.join(work, "custody.pot")
parts = []
for prog in (lib.CUSTODY, lib.CUSTODY_VERIFY):
    p = run(prog, "--dump-strings")
    T.check(p.returncode == 0 and 'msgid ""' in p.stdout, f"{prog} --dump-strings: {p.stderr}")
    path = os.path.join(work, os.path.basename(prog) + ".pot")
    open(path, "w").write(p.stdout)
    parts.append(path)
code = os.path.join(work, "code.pot")
srcs = [os.path.join(lib.TOP, "crawler", "cli", f) for f in sorted(os.listdir(os.path.join(lib.TOP, "crawler", "cli")))
        if f.endswith(".c")] + [os.path.join(lib.TOP, "verify", "verify.c")]
p = subprocess.run(["xgettext", "-k", "-kcli_tr", "-kxerr:1", "--flag=xerr:1:c-format", "-kbad:4", "--from-code=UTF-8",
                    "-o", code, *srcs], capture_output=True, text=True)
T.check(p.returncode == 0, f"xgettext: {p.stderr}")
p = subprocess.run(["msgcat", "--use-first", "-o", pot, *parts, code], capture_output=True, text=True)
T.check(p.returncode == 0, f"msgcat: {p.stderr}")
n_help = sum(open(x).read().count("\nmsgid ") for x in parts)
T.check(n_help > 150, f"the tables give every help text: {n_help} strings")
merged = os.path.join(work, "merged.po")
p = subprocess.run(["msgmerge", "-q", "--no-fuzzy-matching", "-o", merged, PO, pot], capture_output=True, text=True)
T.check(p.returncode == 0, f"msgmerge: {p.stderr}")
p = subprocess.run(["msgfmt", "-c", "--statistics", "-o", os.devnull, merged], capture_output=True, text=True)
stats = p.stderr.strip()
print("zh_CN:", stats)
T.check(p.returncode == 0, f"msgfmt -c: {stats}")
T.check(re.fullmatch(r"\d+ translated messages?\.", stats) is not None,
        f"every help text and message is translated, none fuzzy: {stats} "
        "(run make pot, translate what is new in po/zh_CN.po)")
p = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", merged], capture_output=True, text=True)
T.check("msgid" not in p.stdout.replace('msgid ""', ""), f"untranslated: {p.stdout[:800]}")


def entries(path):
    """(msgid, msgstr) of a .po, header left out."""
    out, cur, key = [], None, None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        m = re.match(r'(msgid|msgstr) (".*")$', line)
        if m:
            if m.group(1) == "msgid":
                cur = {"msgid": "", "msgstr": ""}
                out.append(cur)
            key = m.group(1)
            cur[key] += eval(m.group(2))
        elif line.startswith('"') and cur is not None:
            cur[key] += eval(line)
    return [(e["msgid"], e["msgstr"]) for e in out if e["msgid"]]


bad = []
for mid, mstr in entries(merged):
    want = set(re.findall(r"--[a-z][a-z0-9-]*", mid))
    got = set(re.findall(r"--[a-z][a-z0-9-]*", mstr))
    if want - got:
        bad.append((mid[:60], sorted(want - got)))
T.check(not bad, f"every translation names the options its English names: {bad[:5]}")

# ---------------------------------------------------------------- help in the user's language
zh_env = {"LANG": "zh_CN.UTF-8"}  # whether or not the zh_CN locale was generated
for c in COMMANDS:
    p = run(lib.CUSTODY, c, "--help-all", env=zh_env)
    T.check(p.returncode == 0 and p.stdout.startswith("名称\n") and "选项\n" in p.stdout,
            f"custody {c} --help-all in Chinese: {p.stdout[:200]!r}")
    en = run(lib.CUSTODY, c, "--help-all", env={"LANG": "C"}).stdout
    # no option's text left in English: every option line is followed by Chinese
    lines = p.stdout.split("\n")
    opts = [i for i, l in enumerate(lines) if re.match(r"    (-\w, )?--[a-z]", l)]
    untranslated = [lines[i] for i in opts if i + 1 < len(lines) and cjk(lines[i + 1]) == 0
                    and not lines[i + 1].startswith("    -")]
    T.check(not untranslated, f"custody {c}: every option explained in Chinese: {untranslated[:3]}")
    zh_opts = re.findall(r"^    (?:-\w, )?(--[a-z-]+)", p.stdout.split("\n选项\n")[-1].split("\n示例\n")[0], re.M)
    en_opts = re.findall(r"^    (?:-\w, )?(--[a-z-]+)", en.split("\nOPTIONS\n")[-1].split("\nEXAMPLES\n")[0], re.M)
    T.check(zh_opts == en_opts, f"custody {c}: the same options in both: {set(zh_opts) ^ set(en_opts)}")

p = run(lib.CUSTODY, "crawl", "--help", env=zh_env)
T.check("常用选项" in p.stdout and "案件目录" in p.stdout and "示例" in p.stdout,
        f"LANG=zh_CN.UTF-8 custody crawl --help is Chinese: {p.stdout[:300]!r}")
short_zh = p.stdout
p = run(lib.CUSTODY, "crawl", "--help", env={"LANGUAGE": "zh_CN", "LANG": "C.UTF-8"})
T.check(p.stdout == short_zh, "LANGUAGE=zh_CN over C.UTF-8: the same Chinese help")
p = run(lib.CUSTODY, "crawl", "--help", "--lang", "en", env=zh_env)
T.check(p.stdout.startswith("NAME\n") and "THE OPTIONS MOST USED" in p.stdout and cjk(p.stdout) == 0,
        "--lang en: English in a Chinese locale")
p = run(lib.CUSTODY, "--lang", "en", "crawl", "--help", env=zh_env)
T.check(p.stdout.startswith("NAME\n"), "custody --lang en crawl --help (the global form): English")
p = run(lib.CUSTODY, "crawl", "--help", "--lang", "zh_TW")
T.check("常用選項" in p.stdout and "採集" in p.stdout and "采集" not in p.stdout,
        f"--lang zh_TW: traditional script: {p.stdout[:300]!r}")
p = run(lib.CUSTODY, "crawl", "--help", env={"LANG": "zh_TW.UTF-8"})
T.check("常用選項" in p.stdout, "LANG=zh_TW.UTF-8: traditional script")
p = run(lib.CUSTODY, "crawl", "--help", env={"LANG": "C", "LANGUAGE": "zh_CN"})
T.check(p.stdout.startswith("NAME\n"), "the C locale is English (LANGUAGE is not read there)")
p = run(lib.CUSTODY, "crawl", "--help", env=dict(zh_env, CUSTODY_LOCALEDIR=os.path.join(work, "none")))
T.check(p.stdout.startswith("NAME\n") and p.returncode == 0, "a missing catalogue means English")
p = run(lib.CUSTODY, "crawl", "--help", "--lang", "fr")
T.check(p.returncode == 2 and "--lang" in p.stderr, f"--lang fr: a usage error: {p.returncode} {p.stderr}")
p = run(lib.CUSTODY, "--help", env=zh_env)
T.check("命令：" in p.stdout and "将网页采集到案件目录" in p.stdout, f"custody --help in Chinese: {p.stdout[:300]!r}")
p = run(lib.CUSTODY, "crawl", "--no-such-option", env=zh_env)
T.check(p.returncode == 2 and "未知选项 --no-such-option" in p.stderr, f"an unknown option said in Chinese: {p.stderr}")

# wrapped to the terminal by display width (two columns a CJK character), examples excepted
for cols in (60, 100):
    p = run(lib.CUSTODY, "crawl", "--help-all", env=dict(zh_env, COLUMNS=str(cols)))
    body = p.stdout.split("\n示例\n")[0]
    wide = [l for l in body.split("\n") if width(l) > cols and cjk(l)]
    T.check(not wide, f"COLUMNS={cols}: no line of Chinese help wider than the terminal: {wide[:2]}")
    starts = [l for l in body.split("\n") if re.match(r"\s+[，。；：、）]", l)]
    T.check(not starts, f"COLUMNS={cols}: no line starts with a closing mark: {starts[:2]}")

# the settings file: lang = zh; --lang wins over it; the man pages stay English
os.makedirs(os.path.join(work, "config", "custody"), exist_ok=True)
cfg = os.path.join(work, "config", "custody", "config")
with open(cfg, "w") as f:
    f.write("# 界面语言\nlang = zh\n")
p = run(lib.CUSTODY, "ls", "--help", env={"LANG": "C.UTF-8"})
T.check(p.stdout.startswith("名称\n"), "lang = zh in the settings file: Chinese in an English locale")
p = run(lib.CUSTODY_VERIFY, "--help", env={"LANG": "C.UTF-8"})
T.check(p.stdout.startswith("名称\n"), "custody-verify reads lang = zh too")
p = run(lib.CUSTODY, "ls", "--help", "--lang", "en")
T.check(p.stdout.startswith("NAME\n"), "--lang en wins over the settings file")
p = run(lib.CUSTODY, "ls", "--help", env={"CUSTODY_LANG": "en"})
T.check(p.stdout.startswith("NAME\n"), "CUSTODY_LANG=en wins over the settings file")
os.unlink(cfg)
with open(cfg, "w") as f:
    f.write("lang = klingon\n")
p = run(lib.CUSTODY, "crawl", "-o", os.path.join(work, "never"), "http://127.0.0.1:9/")
T.check(p.returncode == 2 and "lang wants zh, zh_TW or en" in p.stderr, f"a bad lang line is an error: {p.stderr}")
with open(cfg, "w") as f:
    f.write("tsa = ftp://nowhere\n")
p = run(lib.CUSTODY, "crawl", "-o", os.path.join(work, "never"), "http://127.0.0.1:9/", env=zh_env)
T.check(p.returncode == 2 and "tsa 应为 http:// 或 https:// 开头的 URL" in p.stderr and "请改正设置文件中的这一行" in p.stderr,
        f"a settings file's error in Chinese, with file and line: {p.stderr}")
os.unlink(cfg)

# ---------------------------------------------------------------- custody-verify
p = run(lib.CUSTODY_VERIFY, "--help", env=zh_env)
T.check(p.stdout.startswith("名称\n") and "结论与退出状态" in p.stdout and "--tsa-trust" in p.stdout,
        f"custody-verify --help in Chinese: {p.stdout[:200]!r}")
p = run(lib.CUSTODY_VERIFY, "--help", "--lang", "en", env=zh_env)
T.check(p.stdout.startswith("NAME\n"), "custody-verify --lang en: English")
p = run(lib.CUSTODY_VERIFY, "--help", "--lang", "zh_TW")
T.check("結論與退出狀態" in p.stdout, "custody-verify --lang zh_TW: traditional script")

# ---------------------------------------------------------------- a Chinese-locale case, start to end
site = os.path.join(lib.TOP, "samples", "site")
_, web_port = lib.start_http_server(site)
seed = f"http://127.0.0.1:{web_port}/index.html"
tsa_dir = os.path.join(work, "tsa")
_, tsa_port = start_tsa(tsa_dir)
p = run(lib.CUSTODY, "keygen", "--subject", "/CN=张三/O=示例律师事务所", env=zh_env)
T.check(p.returncode == 0, f"keygen in a Chinese locale: {p.stderr}")
crt = os.path.join(work, "config", "custody", "operator.crt")
case = os.path.join(work, "案件1")
p = run(lib.CUSTODY, "crawl", "-o", case, "--depth", "1", "--tsa", f"http://127.0.0.1:{tsa_port}/", seed, env=zh_env)
T.check(p.returncode == 0, f"crawl in a Chinese locale: exit {p.returncode}: {p.stderr[-400:]}")
p = run(lib.CUSTODY, "ls", case, env=zh_env)
T.check(p.returncode == 0 and "index.html" in p.stdout, "ls in a Chinese locale")
report = os.path.join(work, "报告.html")
p = run(lib.CUSTODY_VERIFY, "--trust", crt, "--tsa-trust", os.path.join(tsa_dir, "tsa-ca.pem"),
        "--report", report, case, env=zh_env)
out = p.stdout
T.check(p.returncode == 0, f"verified: exit {p.returncode}: {out[-400:]} {p.stderr[-300:]}")
first = out.split("\n")[0]
T.check(re.match(r"[\d ]+ 条记录，\d+ 个文件，已验证", first) is not None and "签名者" in first and "不晚于" in first,
        f"the first line in Chinese: {first}")
T.check("结论：已验证（" in out, f"the verdict in Chinese: {out[-300:]}")
html = open(report, encoding="utf-8").read()
T.check("<html lang=zh" in html and "证据报告" in html, "the report follows the locale: Chinese")
p = run(lib.CUSTODY_VERIFY, "-q", case, env=zh_env)
T.check(p.stdout.strip() == "intact", f"-q prints the verdict's word as it is, for scripts: {p.stdout!r}")
p = run(lib.CUSTODY_VERIFY, "--json", case, env=zh_env)
T.check('"verdict": "intact"' in p.stdout or '"verdict":"intact"' in p.stdout, "--json stays English")
p = run(lib.CUSTODY_VERIFY, "--lang", "en", "--force", "--report", report, case, env=zh_env)  # replaces the first
T.check(p.stdout.split("\n")[0].endswith("; 0 failures") and "<html lang=en" in open(report).read(),
        f"--lang en: English verdict and report: {p.stdout[:200]}")
p = run(lib.CUSTODY_VERIFY, os.path.join(work, "不存在"), env=zh_env)
T.check(p.returncode == 2 and "无法打开" in p.stderr, f"an error in Chinese: {p.stderr}")
T.check("No such file or directory" in p.stderr, f"glibc's strerror stays English (it can be recorded): {p.stderr}")

T.finish()
