#!/bin/bash
# verify.sh — `make bench` part (d): custody-verify beside the work it cannot avoid.
#
#   tests/bench/verify.sh [PAGES] [ROUNDS]      (defaults 3000 and 5; env BIN, SHARED, BENCH_KIB)
#
# A PAGES-page site from $SHARED/corpus/mksite.py (pages padded to BENCH_KIB KiB, default
# 20) is served by python's http.server on 127.0.0.1 and crawled once by bin/custody into a
# case. Then, alternating in each round, the same bytes go through:
#   verify   custody-verify -q CASE                    (every check)
#   stock    cat *.warc.zst | zstd -dc | tee >(sha256sum >/dev/null) | sha256sum
#            (decompressed once and hashed twice: the floor for block + payload digests)
#   warcio   $SHARED/interop/check-warc *.warc.zst    (warcio.js digest and framing check;
#            BENCH_WARCIO_ROUNDS rounds, default 1: it is slow)
# and prints the median wall time of each, the ratios verify/stock (goal <= 1.0, at most
# 1.25) and verify/warcio, and the peak RSS of each (/usr/bin/time %M).
# Quote ratios, not absolute times: the machines are shared and noisy.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$top/../shared}
bin=${BIN:-$top/bin}
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
pages=${1:-3000}
rounds=${2:-5}
kib=${BENCH_KIB:-20}
wrounds=${BENCH_WARCIO_ROUNDS:-1}
work=$(mktemp -d /tmp/custody-vbench.XXXXXX)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

for b in "$bin/custody" "$bin/custody-verify"; do
	[ -x "$b" ] || { echo "bench: $b is missing; run 'make' first" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (Debian package time)" >&2; exit 2; }

python3 "$SHARED/corpus/mksite.py" "$work/site" --pages "$pages" --kib "$kib" >/dev/null ||
	{ echo "bench: mksite.py failed" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 "$port" --directory "$work/site" >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do
	python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
	sleep 0.1
done
echo "   crawling $pages pages of $kib KiB into a case (once) ..."
"$bin/custody" crawl -q -o "$work/case" "http://127.0.0.1:$port/index.html" >"$work/crawl.log" 2>&1
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; server=""
ls "$work"/case/capture-*.warc.zst >/dev/null 2>&1 || { echo "bench: the crawl wrote no case" >&2; tail -5 "$work/crawl.log" >&2; exit 1; }
nrec=$("$bin/custody-verify" --json "$work/case" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
zbytes=$(cat "$work"/case/capture-*.warc.zst | wc -c)
echo "   case: $nrec records, $(ls "$work"/case/capture-*.warc.zst | wc -l) files, $zbytes compressed bytes"

timed() { # name cmd... -> "seconds rss_kb"
	local t0 t1 name=$1; shift
	t0=$(date +%s.%N)
	/usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>"$work/err"
	local rc=$?
	t1=$(date +%s.%N)
	[ $rc -eq 0 ] || [ "$name" = verify ] || echo "note: $name exited $rc: $(tail -2 "$work/err")" >&2
	echo "$(echo "$t1 - $t0" | bc) $(grep -E '^[0-9]+$' "$work/rss" | tail -1)"
}
stock='cat "$0"/capture-*.warc.zst | zstd -dc | tee >(sha256sum >/dev/null) | sha256sum'
tv=(); ts=(); tw=(); rv=0; rs=0; rw=0
for r in $(seq "$rounds"); do
	read -r t m < <(timed verify "$bin/custody-verify" -q "$work/case"); tv+=("$t"); rv=$m
	read -r t m < <(timed stock bash -c "$stock" "$work/case"); ts+=("$t"); rs=$m
	if [ "$r" -le "$wrounds" ] && [ -x "$SHARED/interop/check-warc" ]; then
		read -r t m < <(timed warcio "$SHARED/interop/check-warc" "$work"/case/capture-*.warc.zst); tw+=("$t"); rw=$m
	fi
	printf '   round %d  verify %6.3fs   stock %6.3fs%s\n' "$r" "${tv[-1]}" "${ts[-1]}" \
		"$( [ "$r" -le "$wrounds" ] && [ ${#tw[@]} -gt 0 ] && printf '   check-warc %6.3fs' "${tw[-1]}")"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mv=$(median "${tv[@]}"); ms=$(median "${ts[@]}")
printf '   median: custody-verify %.3fs (peak RSS %d KB), stock zstd|tee|sha256sum x2 %.3fs (peak RSS %d KB)\n' "$mv" "$rv" "$ms" "$rs"
printf 'ratio verify/stock: %.2f  (goal <= 1.0, at most 1.25)\n' "$(echo "$mv / $ms" | bc -l)"
if [ ${#tw[@]} -gt 0 ]; then
	mw=$(median "${tw[@]}")
	printf '   check-warc (warcio.js) %.3fs (peak RSS %d KB)\n' "$mw" "$rw"
	printf 'ratio verify/check-warc: %.2f\n' "$(echo "$mv / $mw" | bc -l)"
fi
