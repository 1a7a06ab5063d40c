#!/usr/bin/env python3
"""test_docs.py — the README's command reference is exactly what --help prints, and the
README shows the two set-up commands and every command. Regenerate with
`tests/readme-help.sh bin --update` after changing an option table."""
import os, subprocess, sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
custody = os.environ.get("CUSTODY", os.path.join(top, "bin", "custody"))
bindir = os.path.dirname(custody)
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


readme = open(os.path.join(top, "README.md"), encoding="utf-8").read()
gen = subprocess.run(["sh", os.path.join(top, "tests", "readme-help.sh"), bindir],
                     capture_output=True, text=True)
check(gen.returncode == 0, f"readme-help.sh failed: {gen.stderr}")
begin, end = "<!-- help:begin -->\n", "<!-- help:end -->"
check(begin in readme and end in readme, "README has the help markers")
if begin in readme and end in readme:
    section = readme.split(begin, 1)[1].split(end, 1)[0]
    check(section.strip() == gen.stdout.strip(),
          "README command reference differs from --help: run tests/readme-help.sh bin --update")
for cmd in ("make demo", "make test", "custody crawl", "custody scan", "custody ls",
            "custody watch-hash", "custody-verify"):
    check(cmd in readme, f"README mentions {cmd}")
for c in ("crawl", "ls", "scan", "watch-hash"):
    r = subprocess.run([custody, c, "--help"], capture_output=True, text=True)
    check(r.returncode == 0 and "SYNOPSIS" in r.stdout and "EXAMPLES" in r.stdout,
          f"custody {c} --help reads like a man page")
r = subprocess.run([custody, "nosuchcommand"], capture_output=True, text=True)
check(r.returncode == 2 and "Usage" in r.stderr and "--help" in r.stderr,
      "unknown command says what to do next")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
