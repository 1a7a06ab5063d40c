#!/bin/sh
# run.sh — build every libFuzzer target and run each briefly from its seed corpus.
#
#   tests/fuzz/run.sh BUILD SECONDS
#
# BUILD holds libarchive.a, libdetect.a and libcrawler.a compiled by clang with
# -fsanitize=fuzzer-no-link,address,undefined (the Makefile's `fuzz` target
# does that). Each tests/fuzz/fuzz_NAME.c is linked with
# -fsanitize=fuzzer,address,undefined and run for SECONDS from a scratch copy
# of tests/fuzz/corpus/NAME/ (the saved corpus is never modified; new inputs
# stay in the copy). A crash, leak, sanitizer report or timeout fails the
# target; its reproducer is kept as BUILD/fuzz/NAME-crash-* and its log as
# BUILD/fuzz/NAME.log. Prints "N passed, N failed" last.
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build-fuzz}
secs=${2:-30}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
CC=${FUZZ_CC:-clang}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
pkgs="libcurl libxml-2.0 libcrypto libssl libzstd jansson zlib"
cflags="-std=c11 -g -O1 -D_GNU_SOURCE -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -I$top/archive -I$top/crawler -I$top/crawler/detect -I$top/verify $($PKG_CONFIG --cflags $pkgs 2>/dev/null)"
libs=$($PKG_CONFIG --libs $pkgs 2>/dev/null)
out="$build/fuzz"
mkdir -p "$out"
p=0; f=0

for src in "$top"/tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c | sed 's/^fuzz_//')
	bin="$out/fuzz_$name"
	log="$out/$name.log"
	if ! $CC $cflags -o "$bin" "$src" "$build/libverify.a" "$build/libcrawler.a" "$build/libdetect.a" "$build/libarchive.a" $libs >"$log" 2>&1; then
		echo "FAIL  fuzz $name: does not build (see $log)"
		sed 's/^/      /' "$log" | head -20
		f=$((f + 1)); continue
	fi
	work=$(mktemp -d "/tmp/custody-fuzz-$name.XXXXXX")
	[ -d "$top/tests/fuzz/corpus/$name" ] && cp -R "$top/tests/fuzz/corpus/$name/." "$work/"
	# rss_limit: a reader that allocates what a hostile length asks for fails here;
	# timeout: a parser that loops fails here.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$out/$name-" "$work" >"$log" 2>&1
	rc=$?
	runs=$(grep -E '^stat::number_of_executed_units' "$log" | sed 's/.*: *//')
	if [ "$rc" -eq 0 ]; then
		echo "ok    fuzz $name: ${runs:-?} runs in ${secs}s, corpus $(ls "$work" | wc -l) inputs"
		p=$((p + 1))
	else
		echo "FAIL  fuzz $name: exit $rc after ${runs:-?} runs (log $log)"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -10 | sed 's/^/      /'
		f=$((f + 1))
	fi
	rm -rf "$work"
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
