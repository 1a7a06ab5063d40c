#!/bin/sh
# run.sh — `make bench`: custody's speed and detection quality beside standard tools, same run.
#
#   (a) crawl: $SHARED/bench/crawl-vs-wget (custody vs wget --warc-file vs wget2 x16) on a
#       loopback nginx site: pages/s ratios.
#   (a2) memory: custody alone on 2000- and 20000-page sites (BENCH_RSS_PAGES): peak RSS flat.
#   (b) detection: a 1000-page corpus from $SHARED/corpus/mksite.py --seed 1 (pages padded to
#       BENCH_KIB KiB with filler text; the planted labels do not depend on the padding),
#       `custody scan --json` over it, per-type precision/recall from score.py, and scan
#       throughput in MB/s beside `sha256sum` over the same files (hyperfine medians).
#   (b2) real text (`make realtext`, tests/bench/realtext.py): 73 MB of real, public,
#       non-doxing Chinese pages (laws, news, Wikipedia, and forum-like dialogues and
#       business listings full of phone numbers and addresses) assembled from git mirrors into a
#       cache outside the repository: pages judged doxing per 1 000 pages (goal <= 1),
#       findings per MB per type, the hand-labelled sample's precision
#       (tests/data/realtext-sample/) and scan throughput beside sha256sum on those bytes.
#       Skipped with what to fetch when a mirror is missing.
#   (c) verify: custody-verify on a 3000-page case beside `zstd -dc | tee >(sha256sum) |
#       sha256sum` (the work it cannot avoid) and ../shared/interop/check-warc, medians of
#       rounds and peak RSS (tests/bench/verify.sh).
#   (d) a short summary of the ratios.
#
# Quote ratios, not absolute times: the machines are shared and noisy.
# Env: SHARED (default ../shared next to the repo), BIN (default bin/), CUSTODY_ARGS (extra
# crawl options), BENCH_PAGES/BENCH_KIB/BENCH_ROUNDS for the crawl (2000/20/3),
# BENCH_SCAN_KIB (32), BENCH_RUNS (5), BENCH_VERIFY_PAGES (3000), BENCH_VERIFY_ROUNDS (5),
#   (d) sealing: a signed + stamped crawl vs the unsigned crawl of the same site (tests/bench/seal.py).
#   (f) browser capture: crawl --browser vs the plain crawl, BENCH_BROWSER_PAGES (200) pages.
#   (g) custody watch: round vs crawl, bytes per unchanged visit, RSS over rounds (tests/bench/watch.py).
# BENCH_ONLY=crawl|detect|realtext|verify|seal|browser|watch to run one part; REALTEXT_CACHE /
# REALTEXT_MIRRORS for the real-text corpus (see tests/bench/realtext.py).
# Exits non-zero when a step is broken (a tool missing, a command failing), never for a low score.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$top/../shared}
bin=${BIN:-$top/bin}
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
custody="$bin/custody"
only=${BENCH_ONLY:-all}
runs=${BENCH_RUNS:-5}
tmp=$(mktemp -d /tmp/custody-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
status=0
sum_crawl="" sum_detect="" sum_speed="" sum_verify="" sum_real=""

[ -x "$custody" ] || { echo "bench: $custody is missing; run 'make' first" >&2; exit 2; }
[ -d "$SHARED/bench" ] || { echo "bench: shared directory not found at $SHARED (set SHARED)" >&2; exit 2; }

# ---------------------------------------------------------------- (a) crawl
if [ "$only" = all ] || [ "$only" = crawl ]; then
	echo "== (a) crawl speed: custody vs wget --warc-file vs wget2 (loopback nginx," \
		"${BENCH_PAGES:-2000} pages of ${BENCH_KIB:-20} KiB, ${BENCH_ROUNDS:-3} rounds)"
	[ -n "${CUSTODY_ARGS:-}" ] && echo "   CUSTODY_ARGS=$CUSTODY_ARGS"
	if bash "$SHARED/bench/crawl-vs-wget" "$custody" "${BENCH_PAGES:-2000}" "${BENCH_KIB:-20}" \
		"${BENCH_ROUNDS:-3}" >"$tmp/crawl.log" 2>&1; then
		cat "$tmp/crawl.log"
		sum_crawl=$(grep '^median pages/s ratio' "$tmp/crawl.log" |
			sed -e 's/^median pages\/s ratio /   crawl pages\/s /' -e 's/wget2:/wget2 (16 threads, no WARC):/' \
				-e 's/wget:/wget --warc-file:/')
		grep -q 'note: custody exited non-zero' "$tmp/crawl.log" && {
			echo "bench: custody crawl failed in the crawl benchmark (see above)" >&2; status=1; }
	else
		cat "$tmp/crawl.log"
		echo "bench: crawl-vs-wget failed" >&2
		status=1
	fi
	echo ""
fi

# ---------------------------------------------------------------- (a2) memory stays flat
if [ "$only" = all ] || [ "$only" = crawl ]; then
	echo "== (a2) peak RSS as the crawl grows (custody alone, default options)"
	if sh "$top/tests/bench/crawl-rss.sh" "$custody" ${BENCH_RSS_PAGES:-2000 20000} >"$tmp/rss.log" 2>&1; then
		cat "$tmp/rss.log"
		sum_crawl="$sum_crawl
$(sed -n 's/^custody crawl: \([0-9]*\)-page site: .*peak RSS \(.*\)$/   crawl peak RSS at \1 pages: \2/p' "$tmp/rss.log")"
	else
		cat "$tmp/rss.log"
		echo "bench: crawl-rss.sh failed" >&2
		status=1
	fi
	echo ""
fi

# ---------------------------------------------------------------- (b) detection
median_of() { # hyperfine JSON file, command index -> median seconds
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["median"])' "$1" "$2"
}

if [ "$only" = all ] || [ "$only" = detect ]; then
	kib=${BENCH_SCAN_KIB:-32}
	corpus="$tmp/corpus"
	echo "== (b) detection: 1000-page corpus (mksite.py --seed 1, pages padded to $kib KiB)"
	python3 "$SHARED/corpus/mksite.py" "$corpus" --pages 1000 --seed 1 --kib "$kib" ||
		{ echo "bench: mksite.py failed" >&2; exit 1; }
	bytes=$(cat "$corpus"/p/*.html | wc -c)
	mb=$(echo "scale=2; $bytes / 1000000" | bc)
	"$custody" scan --json "$corpus"/p/*.html >"$tmp/findings.jsonl" 2>"$tmp/scan.err"
	scan_rc=$?
	if grep -q 'not available in this build' "$tmp/scan.err"; then
		echo "   custody scan is not part of this build yet: detection benchmark skipped"
		sum_detect="   detection: not in this build"
	elif [ $scan_rc -ne 0 ] || ! grep -q '"kind" *: *"page"' "$tmp/findings.jsonl"; then
		echo "bench: custody scan --json failed (exit $scan_rc):" >&2
		head -5 "$tmp/scan.err" >&2
		status=1
	else
		# dox_keyword is a verdict signal, not personal data; the corpus labels only personal data.
		nkw=$(grep -c '"type" *: *"dox_keyword"' "$tmp/findings.jsonl")
		grep -v '"type" *: *"dox_keyword"' "$tmp/findings.jsonl" >"$tmp/scored.jsonl"
		echo "   precision/recall per type (score.py; $nkw dox_keyword signals not scored):"
		python3 "$SHARED/corpus/score.py" "$corpus/labels.jsonl" "$tmp/scored.jsonl" >"$tmp/score.log" 2>&1
		sed 's/^/   /' "$tmp/score.log"
		sum_detect=$(grep -E '^(micro|pages:)' "$tmp/score.log" |
			sed -e 's/^micro\(.*\)/   detection: micro\1  (goal >= 0.97 both)/' \
				-e 's/^pages:\(.*\)/   detection: pages,\1  (goal >= 0.95 both)/')

		echo ""
		echo "   throughput over the same $mb MB (1000 files, $runs runs after a warm-up):"
		if command -v hyperfine >/dev/null 2>&1; then
			hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$tmp/h.json" \
				-n "custody scan --json" "'$custody' scan --json '$corpus'/p/*.html" \
				-n "sha256sum" "sha256sum '$corpus'/p/*.html" >"$tmp/hf.log" 2>&1 ||
				{ cat "$tmp/hf.log"; echo "bench: hyperfine failed" >&2; exit 1; }
			t_scan=$(median_of "$tmp/h.json" 0); t_sha=$(median_of "$tmp/h.json" 1)
			how="hyperfine medians"
		else
			echo "   (hyperfine not installed: timing with python, median of $runs)"
			t_scan=$(python3 - "$runs" "$custody" "$corpus" <<'EOF'
import glob, statistics, subprocess, sys, time
n, exe, corpus = int(sys.argv[1]), sys.argv[2], sys.argv[3]
files = sorted(glob.glob(corpus + "/p/*.html"))
def once(cmd):
    t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL); return time.perf_counter() - t
once([exe, "scan", "--json"] + files)
print(statistics.median(once([exe, "scan", "--json"] + files) for _ in range(n)))
EOF
)
			t_sha=$(python3 - "$runs" "$corpus" <<'EOF'
import glob, statistics, subprocess, sys, time
n, corpus = int(sys.argv[1]), sys.argv[2]
files = sorted(glob.glob(corpus + "/p/*.html"))
def once(cmd):
    t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL); return time.perf_counter() - t
once(["sha256sum"] + files)
print(statistics.median(once(["sha256sum"] + files) for _ in range(n)))
EOF
)
			how="python timing medians"
		fi
		python3 - "$bytes" "$t_scan" "$t_sha" "$how" >"$tmp/speed.log" <<'EOF'
import sys
b, ts, th, how = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
s, h = b / ts / 1e6, b / th / 1e6
print(f"custody scan --json {s:8.1f} MB/s  ({ts:.3f} s)")
print(f"sha256sum           {h:8.1f} MB/s  ({th:.3f} s)")
print(f"ratio scan/sha256sum: {s / h:.3f}  ({how}; goal >= 0.25)")
EOF
		sed 's/^/   /' "$tmp/speed.log"
		sum_speed=$(grep '^ratio' "$tmp/speed.log" | sed 's/^ratio/   throughput: ratio/')
	fi
	echo ""
fi

# ---------------------------------------------------------------- (b2) real text
if [ "$only" = all ] || [ "$only" = realtext ]; then
	echo "== (b2) detection on real, ordinary Chinese text (make realtext)"
	python3 "$top/tests/bench/realtext.py" build
	rt=$?
	cache=${REALTEXT_CACHE:-$HOME/.cache/custody-realtext}
	if [ $rt -eq 2 ]; then
		echo "   real-text corpus not available (mirrors missing, see above): skipped"
		sum_real="   real text: skipped (no corpus)"
	elif [ $rt -ne 0 ]; then
		echo "bench: realtext.py build failed" >&2
		status=1
	elif python3 "$top/tests/bench/realtext.py" measure "$bin" >"$tmp/real.log"; then
		sed 's/^/   /' "$tmp/real.log"
		python3 "$top/tests/bench/realtext.py" labels "$top/tests/data/realtext-sample/labels.jsonl" |
			sed 's/^/   /'
		python3 "$top/tests/bench/realtext.py" speed "$bin" "$runs" >"$tmp/rspeed.log"
		sed 's/^/   /' "$tmp/rspeed.log"
		sum_real="   real text: $(grep '^pages judged' "$tmp/real.log"); $(grep '^ratio' "$tmp/rspeed.log")"
	else
		echo "bench: realtext.py measure failed" >&2
		status=1
	fi
	echo ""
fi

# ---------------------------------------------------------------- (c) verify
if [ "$only" = all ] || [ "$only" = verify ]; then
	echo "== (c) custody-verify on a ${BENCH_VERIFY_PAGES:-3000}-page case beside stock tools"
	if BIN="$bin" SHARED="$SHARED" bash "$top/tests/bench/verify.sh" "${BENCH_VERIFY_PAGES:-3000}" \
		"${BENCH_VERIFY_ROUNDS:-5}" >"$tmp/verify.log" 2>&1; then
		cat "$tmp/verify.log"
		sum_verify=$(grep '^ratio' "$tmp/verify.log" | sed 's/^ratio/   verify: ratio/')
	else
		cat "$tmp/verify.log"
		echo "bench: the verify benchmark failed" >&2
		status=1
	fi
	echo ""
fi

# ---------------------------------------------------------------- (d) sealing
# The same site crawled unsigned and then signed + stamped (a bench key, the local test TSA
# tests/e2e/servers/tsa.py), alternating, BENCH_ROUNDS rounds: median pages/s ratio (goal >= 0.9).
if [ "$only" = all ] || [ "$only" = seal ]; then
	pages=${BENCH_PAGES:-2000}
	echo "== (d) sealing: signed + RFC 3161-stamped crawl vs unsigned, same site ($pages pages of" \
		"${BENCH_KIB:-20} KiB, loopback nginx, ${BENCH_ROUNDS:-3} rounds)"
	if python3 "$SHARED/corpus/mksite.py" "$tmp/sealsite" --pages "$pages" --kib "${BENCH_KIB:-20}" --seed 1 \
		>/dev/null 2>&1 && python3 "$top/tests/bench/seal.py" "$custody" "$tmp" "${BENCH_ROUNDS:-3}" \
		>"$tmp/seal.log" 2>&1; then
		sed 's/^/   /' "$tmp/seal.log"
		sum_seal=$(grep '^ratio' "$tmp/seal.log" | sed 's/^ratio/   sealing: ratio/')
	else
		cat "$tmp/seal.log" 2>/dev/null
		echo "bench: the sealing benchmark failed" >&2
		status=1
	fi
	echo ""
fi

# ---------------------------------------------------------------- (f) browser capture
# custody crawl --browser vs the plain crawl of a BENCH_BROWSER_PAGES-page loopback site
# (default 200): pages/s ratio, peak RSS of custody and of chromium (tests/bench/browser.py).
if [ "$only" = all ] || [ "$only" = browser ]; then
	bp=${BENCH_BROWSER_PAGES:-200}
	echo "== (f) browser capture: crawl --browser vs the plain crawl ($bp pages, loopback nginx)"
	if python3 "$top/tests/bench/browser.py" "$custody" "$tmp" "$bp" >"$tmp/browser.log" 2>&1; then
		sed 's/^/   /' "$tmp/browser.log"
		sum_browser=$(grep '^ratio' "$tmp/browser.log" | sed 's/^ratio/   --browser: ratio/')
	else
		cat "$tmp/browser.log" 2>/dev/null
		echo "bench: the browser benchmark failed" >&2
		status=1
	fi
	echo ""
fi

# ---------------------------------------------------------------- (g) custody watch
# A watch round over BENCH_WATCH_PAGES unchanged pages (1000) vs a plain crawl of them, bytes
# per unchanged visit, RSS over BENCH_WATCH_ROUNDS rounds of 50 pages (tests/bench/watch.py).
if [ "$only" = all ] || [ "$only" = watch ]; then
	echo "== (g) custody watch: rounds of unchanged pages vs a plain crawl (loopback nginx)"
	if python3 "$top/tests/bench/watch.py" "$custody" "$tmp" "${BENCH_WATCH_PAGES:-1000}" \
		"${BENCH_WATCH_ROUNDS:-1000}" >"$tmp/watch.log" 2>&1; then
		sed 's/^/   /' "$tmp/watch.log"
		sum_watch=$(grep 'ratio' "$tmp/watch.log" | head -1 | sed 's/^/   /')
	else
		cat "$tmp/watch.log" 2>/dev/null
		echo "bench: the watch benchmark failed" >&2
		status=1
	fi
	echo ""
fi

# ---------------------------------------------------------------- (e) summary
echo "== summary (ratios from this run)"
[ -n "$sum_crawl" ] && echo "$sum_crawl"
[ -n "$sum_detect" ] && echo "$sum_detect"
[ -n "$sum_speed" ] && echo "$sum_speed"
[ -n "$sum_real" ] && echo "$sum_real"
[ -n "$sum_verify" ] && echo "$sum_verify"
[ -n "${sum_seal:-}" ] && echo "$sum_seal"
[ -n "${sum_watch:-}" ] && echo "$sum_watch"
[ -n "${sum_browser:-}" ] && echo "$sum_browser"
[ $status -eq 0 ] || echo "bench: some steps failed (see above)"
exit $status
