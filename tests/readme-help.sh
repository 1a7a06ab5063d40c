#!/bin/sh
# readme-help.sh — the README's command reference, generated from each command's --help-all
# (the option tables in crawler/cmd_*.c and verify/verify.c are the single source).
#
#   tests/readme-help.sh BIN            print the reference (markdown)
#   tests/readme-help.sh BIN --update   rewrite README.md between the help markers
#
# tests/e2e/test_docs.py fails when README.md and --help drift apart.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$1
LC_ALL=C; LANGUAGE=; CUSTODY_LANG=en; export LC_ALL LANGUAGE CUSTODY_LANG # the reference is the English help
gen() {
	for c in crawl ls scan watch-hash watch timeline keygen stamp export bundle; do
		printf '### custody %s\n\n```\n' "$c"
		"$bin/custody" "$c" --help-all
		printf '```\n\n'
	done
	printf '### custody-verify\n\n```\n'
	"$bin/custody-verify" --help
	printf '```\n'
}
if [ "${2:-}" = "--update" ]; then
	tmp=$(mktemp)
	gen >"$tmp.help"
	awk -v help="$tmp.help" '
		/<!-- help:begin -->/ { print; while ((getline l < help) > 0) print l; skip = 1; next }
		/<!-- help:end -->/ { skip = 0 }
		!skip { print }' "$top/README.md" >"$tmp"
	cat "$tmp" >"$top/README.md" # keeps README.md's mode (mktemp made $tmp 0600)
	rm -f "$tmp" "$tmp.help"
else
	gen
fi
