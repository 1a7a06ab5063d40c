#!/bin/sh
# repeat.sh — run the whole test suite N times, JOBS runs at a time, to catch tests that
# pass or fail by chance (timing, ports, randomness, load). `make test-repeat N=20`.
#
#   tests/repeat.sh [N [JOBS]]          N runs (default 20), JOBS in parallel (default 2)
#   tests/repeat.sh --report DIR        the summary again, of DIR (also of an interrupted repeat:
#                                       the runs that finished count, the others are named)
#
# Builds once (plain and ASan+UBSan, as `make test` does), then each run is
# `tests/run.sh build bin build/asan build/asan/bin` with everything of its own: its own
# TMPDIR (every test's temporary files and servers' work directories), its own log
# directory (TEST_LOGDIR), ports bound by the servers themselves. Every log is kept in
# build/repeat/<date>/run-<i>/ (run.log: the runner's output; logs/: one log per suite).
# At the end: every check that failed in any run, with its run and log path, then the
# closing line "N passed, N failed" counting runs. Exit 1 if any run failed.
#
# Must never: share a temporary path, port or output directory between two runs, or
# hide a failure (a run without a result line counts as failed).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" = "--one" ]; then # internal: --one I DIR — one run, called by xargs below
	i=$2; dir=$3/run-$(printf %02d "$i")
	mkdir -p "$dir/tmp" "$dir/logs" || exit 2
	chmod 755 "$dir" "$dir/tmp"
	start=$(date +%s)
	echo "run $i: started $(date -u +%H:%M:%S)"
	(cd "$top" && TMPDIR="$dir/tmp" TEST_LOGDIR="$dir/logs" \
		sh tests/run.sh build bin build/asan build/asan/bin) >"$dir/run.log" 2>&1
	rc=$?
	echo "$rc" >"$dir/exit"
	# whatever a test left behind in its TMPDIR (never a log: those are in logs/)
	left=$(find "$dir/tmp" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	[ "$left" -eq 0 ] || echo "$left" >"$dir/tmp-leftovers"
	rm -rf "$dir/tmp"
	echo "run $i: exit $rc after $(($(date +%s) - start)) s: $(tail -1 "$dir/run.log")"
	exit 0
fi

summary() { # DIR: every failed check of every finished run, then "N passed, N failed"
	out=$1
	ok=0; bad=0; report="$out/failed-checks.txt"
	: >"$report"
	for d in "$out"/run-*; do
		[ -d "$d" ] || continue
		i=${d##*/run-}
		if [ ! -f "$d/exit" ]; then
			echo "run $i: did not finish (not counted)  ($d/run.log)" >>"$report"
			continue
		fi
		rc=$(cat "$d/exit")
		last=$(tail -1 "$d/run.log" 2>/dev/null)
		if [ "$rc" = 0 ] && echo "$last" | grep -qE '^[0-9]+ passed, 0 failed$'; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
			echo "run $i: exit $rc: ${last:-no output}  ($d/run.log)" >>"$report"
			# each failed suite: its failed checks (lines starting FAIL), else the runner's words
			grep -E '^FAIL  ' "$d/run.log" | while IFS= read -r line; do
				label=$(echo "$line" | sed -E 's/^FAIL  ([^:]*): .*/\1/')
				slog="$d/logs/$(echo "$label" | tr '/ ' '__').log"
				checks=$(grep -E '^FAIL' "$slog" 2>/dev/null | cut -c1-300)
				if [ -n "$checks" ]; then
					echo "$checks" | sed "s|^|    $label: |"
				else
					echo "    $line"
				fi
				echo "      log: $slog"
			done >>"$report"
		fi
		[ -f "$d/tmp-leftovers" ] && echo "run $i: note: $(cat "$d/tmp-leftovers") entries left in its TMPDIR" >>"$report"
	done
	echo ""
	if [ -s "$report" ]; then
		echo "repeat: failed checks and notes (also in $report):"
		cat "$report"
	else
		echo "repeat: no check failed in any run"
	fi
	echo "logs: $out"
	echo "$ok passed, $bad failed"
	[ "$bad" -eq 0 ] && [ "$ok" -gt 0 ]
}

if [ "${1:-}" = "--report" ]; then
	[ -d "${2:-}" ] || { echo "usage: tests/repeat.sh --report DIR" >&2; exit 2; }
	summary "$2"
	exit
fi

n=${1:-${N:-20}}
jobs=${2:-${JOBS:-2}}
case "$n$jobs" in *[!0-9]*|'') echo "usage: tests/repeat.sh [N [JOBS]]" >&2; exit 2 ;; esac
[ "$n" -ge 1 ] && [ "$jobs" -ge 1 ] || { echo "usage: tests/repeat.sh [N [JOBS]]" >&2; exit 2; }

cd "$top" || exit 2
echo "repeat: building once (plain and ASan+UBSan)"
make --no-print-directory -j2 tests >/dev/null || { echo "repeat: plain build failed" >&2; exit 2; }
make --no-print-directory -j2 BUILD=build/asan BIN=build/asan/bin SAN=1 tests >/dev/null ||
	{ echo "repeat: ASan build failed" >&2; exit 2; }

mkdir -p build/repeat || exit 2
out=$(mktemp -d "$top/build/repeat/$(date -u +%Y%m%d-%H%M%S).XXXX") || exit 2
echo "repeat: $n runs, $jobs at a time; logs in $out"
seq 1 "$n" | xargs -P "$jobs" -I{} sh "$top/tests/repeat.sh" --one {} "$out"

summary "$out"
