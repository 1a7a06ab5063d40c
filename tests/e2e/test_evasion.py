#!/usr/bin/env python3
"""test_evasion.py — issue 21's goals held by `make test`: the seeded evasion corpus
(tests/evasion/gen.py: fabricated people, one category per disguise, decoys of every kind)
scanned by custody scan and scored by tests/evasion/score.py --check, for three seeds:
recall >= 0.95 in every category, precision >= 0.97, doxing-page recall >= 0.97.
Last line: "N passed, N failed"."""
import os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

T = lib.Tally("evasion")
run = os.path.join(lib.TOP, "tests", "evasion", "run.sh")
for seed in ("21", "7", "3"):
    r = subprocess.run(["sh", run, os.path.dirname(lib.CUSTODY)], capture_output=True, text=True,
                       env=dict(os.environ, SEED=seed, CHECK="1"), timeout=600)
    summary = [l for l in r.stdout.splitlines() if l.startswith(("micro", "pages:"))]
    print(f"seed {seed}: " + "; ".join(summary))
    T.check(r.returncode == 0, f"seed {seed}: the issue-21 goals hold: {r.stdout[-1500:]} {r.stderr[-300:]}")
T.finish()
