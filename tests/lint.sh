#!/bin/sh
# lint.sh — banned unbounded/unchecked calls, the layering of the tree, then
# cppcheck where installed. Prints "N passed, N failed".
#
# Layering (README, "Layout"): archive/ includes nothing of crawler/ or verify/;
# crawler/detect/ includes nothing of the crawl (crawler.h, crawl_int.h), of the
# front ends (crawler/cli/) or of libcurl; the crawl library includes nothing of
# the front ends; bin/custody-verify links neither libcurl nor libxml2.
top=$(cd "$(dirname "$0")/.." && pwd); cd "$top" || exit 2
p=0; f=0
ok() { p=$((p+1)); }
bad() { echo "FAIL $1"; [ -n "${2:-}" ] && echo "$2"; f=$((f+1)); }

srcs="archive/*.c archive/*.h archive/*/*.c archive/*/*.h crawler/*.c crawler/*.h crawler/*/*.c crawler/*/*.h verify/*.c verify/*.h"
# shellcheck disable=SC2086
banned=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atof|strtok|tmpnam)\s*\(' $srcs 2>/dev/null)
if [ -n "$banned" ]; then bad "banned calls:" "$banned"; else ok; fi

# the crawl library's folders (crawler/cli/ and crawler/detect/ are not part of it)
crawl_lib=$(ls -d crawler/frontier/*.[ch] crawler/browser/*.[ch] crawler/watch/*.[ch] 2>/dev/null)

layer() { # label pattern files...
	label=$1; pat=$2; shift 2
	hits=$(grep -nE "$pat" "$@" 2>/dev/null)
	if [ -n "$hits" ]; then bad "layering: $label" "$hits"; else ok; fi
}
layer "archive/ includes crawler/ or verify/ headers" \
	'#include "(crawler|crawl_int|detect|detect_int|textmap|textmap_int|cli|cmd|verify)\.h"' archive/*.c archive/*.h archive/*/*.c archive/*/*.h
layer "crawler/detect/ includes the crawl, the front ends or libcurl" \
	'#include ("(crawler|crawl_int|cli|cmd)\.h"|<curl/)' crawler/detect/*.c crawler/detect/*.h
layer "the crawl library includes the front ends" \
	'#include "(cli|cmd)\.h"' crawler/*.c crawler/*.h $crawl_lib
layer "libraries print or exit" \
	'\b(printf|puts|exit|abort)\s*\(|\bf?printf\s*\(\s*std(out|err)' archive/*.c archive/*/*.c crawler/*.c $crawl_lib crawler/detect/*.c
layer "a private header of archive/ used outside it" \
	'#include "archive_int\.h"' crawler/*.c crawler/*.h crawler/*/*.c crawler/*/*.h verify/*.c verify/*.h
layer "a private header of crawler/detect/ used outside it" \
	'#include "(detect_int|textmap|textmap_int|utf8_int)\.h"' archive/*.c archive/*/*.c crawler/*.c crawler/*.h $crawl_lib crawler/cli/*.c crawler/cli/*.h verify/*.c
layer "crawl_int.h used outside the crawl library" \
	'#include "crawl_int\.h"' archive/*.c archive/*/*.c crawler/detect/*.c crawler/cli/*.c verify/*.c
layer "a backend's header of crawler/frontier/ used outside it" \
	'#include "(frontier/)?frontier_int\.h"' archive/*.c archive/*/*.c crawler/*.c crawler/*.h crawler/browser/*.c crawler/cli/*.c verify/*.c
layer "archive/seal/'s private header used outside it" \
	'#include "(seal/)?seal_int\.h"' archive/*.c archive/warc/*.c archive/export/*.c crawler/*.c crawler/*/*.c verify/*.c
layer "verify/ includes crawler/ headers" \
	'#include "(crawler|crawl_int|detect|detect_int|textmap|textmap_int|cli|cmd)\.h"' verify/*.c verify/*.h

# What the verifier links: only libcrypto, zstd, jansson, zlib (and libc).
for v in "$top/bin/custody-verify" "$top/build/asan/bin/custody-verify"; do
	[ -x "$v" ] || continue
	libs=$(ldd "$v" 2>/dev/null | grep -E 'libcurl|libxml2|libssl\.so|libnghttp')
	if [ -n "$libs" ]; then bad "$v links network or HTML code:" "$libs"; else ok; fi
done

if command -v cppcheck >/dev/null 2>&1; then
	log=$(mktemp "${TMPDIR:-/tmp}/custody-cppcheck.XXXXXX")
	if cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,portability \
		--suppress=missingIncludeSystem --inline-suppr -Iarchive -Icrawler -Icrawler/detect -Icrawler/cli \
		archive crawler verify 2>"$log"; then
		ok
	else
		bad "cppcheck:" "$(cat "$log")"
	fi
	rm -f "$log"
fi
echo "lint: $p passed, $f failed"
[ "$f" -eq 0 ]
