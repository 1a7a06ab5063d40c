#!/bin/sh
# lint.sh — banned unbounded/unchecked calls, then cppcheck where installed.
# Prints "N passed, N failed".
top=$(cd "$(dirname "$0")/.." && pwd); cd "$top" || exit 2
p=0; f=0
banned=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atof|strtok|tmpnam)\s*\(' \
	archive/*.c archive/*.h crawler/*.c crawler/*.h verify/*.c verify/*.h 2>/dev/null)
if [ -n "$banned" ]; then echo "FAIL banned calls:"; echo "$banned"; f=$((f+1)); else p=$((p+1)); fi
if command -v cppcheck >/dev/null 2>&1; then
	if cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,portability \
		--suppress=missingIncludeSystem --inline-suppr -Iarchive -Icrawler archive crawler verify 2>"${TMPDIR:-/tmp}/custody-cppcheck.log"; then
		p=$((p+1))
	else
		echo "FAIL cppcheck:"; cat "${TMPDIR:-/tmp}/custody-cppcheck.log"; f=$((f+1))
	fi
fi
echo "lint: $p passed, $f failed"
[ "$f" -eq 0 ]
