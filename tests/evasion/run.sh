#!/bin/sh
# tests/evasion/run.sh [BIN] — generate the evasion corpus, scan it, score it.
# CHECK=1: fail unless the issue-21 goals hold.
set -e
BIN=${1:-bin}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
python3 "$(dirname "$0")/gen.py" "$D" --seed "${SEED:-21}"
"$BIN/custody" scan --json "$D"/pages/* > "$D/findings.jsonl"
python3 "$(dirname "$0")/score.py" ${CHECK:+--check} "$D/labels.jsonl" "$D/findings.jsonl"
