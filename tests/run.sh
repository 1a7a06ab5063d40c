#!/bin/sh
# run.sh — run every test against one or more builds and print the closing line.
#
#   tests/run.sh BUILD BIN [BUILD BIN ...]
#
# For each build: the unit test binaries BUILD/tests/test_*, the fuzz corpus
# replays BUILD/tests/fuzz_* over tests/fuzz/corpus/NAME/, and the end-to-end
# tests tests/e2e/test_*.py (real servers on 127.0.0.1) with CUSTODY and
# CUSTODY_VERIFY pointing at BIN; then, once, the lint (banned calls,
# cppcheck). Each suite prints "N passed, N failed" last; the sums follow as
# the final line. Exit 1 if anything failed.
# Set TESTS=pattern to run only suites whose name contains pattern.
# Each suite's output goes to a log of its own in a fresh directory under $TMPDIR
# (or in $TEST_LOGDIR when set, e.g. by tests/repeat.sh), never a fixed path.
top=$(cd "$(dirname "$0")/.." && pwd)
export SHARED="${SHARED:-$top/../shared}"
# The tests talk to servers on 127.0.0.1 only: a proxy from the environment (libcurl and
# python's urllib both honour these) would stand between them, or refuse.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
# Python's files and pipes in UTF-8 whatever the machine's locale (the tests write and
# read Chinese text; under a Latin-1 locale open(..., "w") could not even write it).
export PYTHONUTF8=1
total_p=0; total_f=0
if [ -n "${TEST_LOGDIR:-}" ]; then
	log=$TEST_LOGDIR; mkdir -p "$log" || exit 2
else
	log=$(mktemp -d "${TMPDIR:-/tmp}/custody-tests.XXXXXX") || exit 2
fi

suite() { # label command...
	label=$1; shift
	case "$label" in *"${TESTS:-}"*) ;; *) return ;; esac
	out="$log/$(echo "$label" | tr '/ ' '__').log"
	"$@" >"$out" 2>&1; rc=$?
	last=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	p=$(echo "$last" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/'); f=$(echo "$last" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	[ -n "$last" ] || { p=0; f=1; last="no result line (exit $rc)"; }
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { f=1; last="$last, but exit status $rc"; }
	total_p=$((total_p + p)); total_f=$((total_f + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL  $label: $last"; grep -E 'FAIL|ERROR|error|Sanitizer|runtime error' "$out" | head -20 | sed 's/^/      /'
		echo "      (full log: $out)"
	else
		echo "ok    $label: $last"
	fi
}

while [ $# -ge 2 ]; do
	build=$1; bin=$2; shift 2
	case "$build" in /*) ;; *) build="$top/$build" ;; esac
	case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
	echo "== build $build (binaries in $bin)"
	export CUSTODY="$bin/custody" CUSTODY_VERIFY="$bin/custody-verify" CUSTODY_BUILD="$build"
	# files a test keeps for people to look at (screenshots): beside the logs when
	# TEST_LOGDIR is given (one per run), else in the build directory
	if [ -n "${TEST_LOGDIR:-}" ]; then
		export CUSTODY_ARTIFACTS="$log/artifacts/$(echo "$build" | tr '/ ' '__')"
		mkdir -p "$CUSTODY_ARTIFACTS"
	fi
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] && suite "$build unit $(basename "$t")" "$t"
	done
	for t in "$build"/tests/fuzz_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t" | sed 's/^fuzz_//')
		suite "$build fuzz-replay $name" "$t" "$top/tests/fuzz/corpus/$name"
	done
	for t in "$top"/tests/e2e/test_*.py; do
		[ -f "$t" ] && suite "$build e2e $(basename "$t")" python3 "$t"
	done
done
suite "lint" sh "$top/tests/lint.sh"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
