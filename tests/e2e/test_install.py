#!/usr/bin/env python3
"""test_install.py — `make install` / `make uninstall` (issue 27) into a DESTDIR: both
programs, a man page per command made from the same option tables as --help, the default
rules, samples and docs; every man page renders without a warning and holds every option
of --help-all; the installed programs run from PATH; help is wrapped to the width asked
($COLUMNS) and examples are never wrapped; uninstall removes every file install made."""
import os, re, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib

T = lib.Tally("install")
top = lib.TOP
binary = os.environ.get("CUSTODY", os.path.join(top, "bin", "custody"))
bindir = os.path.dirname(binary)
build = os.environ.get("CUSTODY_BUILD") or os.path.join(top, "build")
dest = lib.tmpdir("custody-install-")
san = ["SAN=1"] if "asan" in build else []
make = ["make", "--no-print-directory", "-C", top, f"BUILD={build}", f"BIN={bindir}",
        f"DESTDIR={dest}", "PREFIX=/usr", *san]

r = subprocess.run([*make, "install"], capture_output=True, text=True, timeout=600)
T.check(r.returncode == 0, f"make install: exit {r.returncode}: {r.stderr[-2000:]}")
usr = os.path.join(dest, "usr")
cmds = ["crawl", "ls", "scan", "watch-hash", "keygen", "stamp", "export"]
pages = ["custody.1", "custody-verify.1"] + [f"custody-{c}.1" for c in cmds]
for p in ["bin/custody", "bin/custody-verify", "share/custody/rules/default.rules",
          "share/doc/custody/README.md", "share/doc/custody/samples/site/index.html",
          "share/doc/custody/samples/seeds.txt"] + [f"share/man/man1/{m}" for m in pages]:
    T.check(os.path.isfile(os.path.join(usr, p)), f"installed {p}")
for p in ("bin/custody", "bin/custody-verify"):
    path = os.path.join(usr, p)
    T.check(os.path.exists(path) and os.stat(path).st_mode & 0o111, f"{p} is executable")
installed = sorted(os.path.relpath(os.path.join(d, f), dest)
                   for d, _, fs in os.walk(dest) for f in fs)

# the installed programs work from PATH, as the README's commands are written
env = dict(os.environ, PATH=os.path.join(usr, "bin") + ":" + os.environ.get("PATH", ""))
for argv in (["custody", "--help"], ["custody", "crawl", "--help"], ["custody-verify", "--help"]):
    r = subprocess.run(argv, capture_output=True, text=True, env=env)
    T.check(r.returncode == 0 and r.stdout, f"{' '.join(argv)} from PATH: exit {r.returncode}")
# the catalogues under PREFIX/share/locale, found by the installed programs (not the build's)
for lang, word in (("zh_CN", "常用选项"), ("zh_TW", "常用選項")):
    T.check(os.path.isfile(os.path.join(usr, "share", "locale", lang, "LC_MESSAGES", "custody.mo")),
            f"installed the {lang} catalogue")
    r = subprocess.run(["custody", "crawl", "--help"], capture_output=True, text=True,
                       env=dict(env, LANG=f"{lang}.UTF-8", LANGUAGE="", LC_ALL="", CUSTODY_LANG=""))
    T.check(word in r.stdout, f"the installed custody speaks {lang}")

# every man page renders without a warning, and holds what --help-all says
man1 = os.path.join(usr, "share", "man", "man1")
for m in pages:
    path = os.path.join(man1, m)
    if not os.path.exists(path):
        continue
    g = subprocess.run(["groff", "-man", "-ww", "-z", path], capture_output=True, text=True)
    T.check(g.returncode == 0 and not g.stderr.strip(), f"{m}: groff warnings: {g.stderr[:500]}")
    out = subprocess.run(["man", "-l", path], capture_output=True, text=True,
                         env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0")).stdout
    out = re.sub(r".\x08", "", out)
    T.check("NAME" in out and "SYNOPSIS" in out, f"{m}: renders NAME and SYNOPSIS")
    if m.startswith("custody-") and m != "custody-verify.1":
        cmd = m[len("custody-"):-2]
        full = subprocess.run([binary, cmd, "--help-all"], capture_output=True, text=True).stdout
        opts = re.findall(r"^    (?:-\w, )?(--[a-z0-9-]+)", full, re.M)
        flat = re.sub(r"\s+", " ", out.replace("\u2010", "-").replace("\u2011", "-"))
        missing = [o for o in opts if o not in flat]
        T.check(opts and not missing, f"{m}: every option of --help-all ({len(opts)}), missing {missing}")

# the short help: what it does, the options most used, the examples, where the rest is
short = subprocess.run([binary, "crawl", "--help"], capture_output=True, text=True,
                       env=dict(os.environ, COLUMNS="80")).stdout
full = subprocess.run([binary, "crawl", "--help-all"], capture_output=True, text=True,
                      env=dict(os.environ, COLUMNS="80")).stdout
T.check(len(short.splitlines()) < len(full.splitlines()) / 2,
        f"crawl --help is short ({len(short.splitlines())} lines, --help-all {len(full.splitlines())})")
T.check("--help-all" in short and "man custody-crawl" in short, "--help says where the rest is")
T.check(short.index("EXAMPLES") < short.index("MORE"), "--help ends with the examples and where the rest is")

# wrapped to the width asked; examples never wrapped
for width in (50, 120):
    txt = subprocess.run([binary, "crawl", "--help-all"], capture_output=True, text=True,
                         env=dict(os.environ, COLUMNS=str(width))).stdout
    sec, long_lines, examples = "", [], []
    for line in txt.splitlines():
        if re.match(r"^[A-Z][A-Z ]*$", line):
            sec = line
        elif sec == "EXAMPLES":
            examples.append(line.strip())
        elif sec != "SYNOPSIS" and len(line) > width:
            long_lines.append(line)
    T.check(not long_lines, f"COLUMNS={width}: no line wider than {width}: {long_lines[:2]}")
    T.check("custody crawl -o case1 --ca-file corp-ca.pem https://intranet.example/" in examples,
            f"COLUMNS={width}: an example longer than the width stays whole")
wide = subprocess.run([binary, "crawl", "--help-all"], capture_output=True, text=True,
                      env=dict(os.environ, COLUMNS="120")).stdout
T.check(max(len(l) for l in wide.splitlines()) > 80, "a wide terminal gets wide lines")

r = subprocess.run([*make, "uninstall"], capture_output=True, text=True, timeout=300)
T.check(r.returncode == 0, f"make uninstall: exit {r.returncode}: {r.stderr[-1000:]}")
left = [os.path.relpath(os.path.join(d, f), dest) for d, _, fs in os.walk(dest) for f in fs]
T.check(installed and not left, f"uninstall removed all {len(installed)} files, left {left[:5]}")
T.finish()
