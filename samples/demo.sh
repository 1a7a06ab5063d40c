#!/bin/sh
# demo.sh — `make demo`: serve the sample forum on loopback, capture it with custody,
# list the capture, verify it, and show the personal data found on one doxing page.
#
# Everything on the sample site is fabricated (see samples/LABELS.md). The case goes to
# ./demo-case (replaced on every run; env DEMO_CASE moves it). Binaries: $BIN (default bin/
# at the top of the repo).
# The web server is a loopback-only python3 http.server stopped on exit; any failing step
# stops the demo with a non-zero exit status and says which step failed.
# Sealing: a demo operator key (demo-case.keys/, made on the spot) signs the case and a local
# TEST time-stamp authority (tests/e2e/servers/tsa.py, its own throwaway CA, labelled "not
# trusted") stamps it, so the demo ends in "verified". Neither is trusted outside this demo.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# loopback only: no proxy from the environment between custody and the sample server
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
bin=${BIN:-$top/bin}
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac
custody="$bin/custody"
verify="$bin/custody-verify"
case_dir=${DEMO_CASE:-$top/demo-case}
site="$top/samples/site"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/custody-demo.XXXXXX")
server=""
tsa=""
keys="$case_dir.keys"

cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	[ -n "$tsa" ] && kill "$tsa" 2>/dev/null && wait "$tsa" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { # message [log]
	echo "" >&2
	echo "demo FAILED: $1" >&2
	[ -n "${2:-}" ] && [ -s "$2" ] && sed 's/^/    /' "$2" | tail -20 >&2
	exit 1
}
indent() { sed 's/^/    /'; }

for b in "$custody" "$verify"; do
	[ -x "$b" ] || fail "$b is missing; build first with 'make'"
done

echo "custody demo: capture a small forum with fabricated doxing posts as court evidence"
echo ""

# 1. Serve the site on a loopback port. The server binds port 0 itself and writes the port
# it got to a file: a port picked here and bound later could be taken by then.
python3 -c '
import functools, http.server, os, sys
srv = http.server.ThreadingHTTPServer(
    ("127.0.0.1", 0), functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1]))
with open(sys.argv[2] + ".new", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(sys.argv[2] + ".new", sys.argv[2])
srv.serve_forever()
' "$site" "$tmp/port" >"$tmp/server.log" 2>&1 &
server=$!
python3 - "$tmp/port" <<'EOF' || fail "the sample web server did not start" "$tmp/server.log"
import sys, time, urllib.request
for _ in range(600):  # up to a minute on a loaded machine; done as soon as it answers
    try:
        port = open(sys.argv[1]).read().strip()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5).read()
        sys.exit(0)
    except (OSError, ValueError):
        time.sleep(0.1)
sys.exit(1)
EOF
port=$(cat "$tmp/port")
echo "1. Sample site (samples/site) served at http://127.0.0.1:$port/"

# The seed list is written for port 8080; point it at the port we got.
sed "s#http://127.0.0.1:8080/#http://127.0.0.1:$port/#" "$top/samples/seeds.txt" >"$tmp/seeds.txt"
seeds=$(grep -v '^[[:space:]]*#' "$tmp/seeds.txt" | grep -v '^[[:space:]]*$')
[ -n "$seeds" ] || fail "samples/seeds.txt lists no URL"

# 2. A demo operator key and a local test time-stamp authority.
rm -rf "$case_dir" "$keys"
mkdir -p "$keys"
"$custody" keygen -o "$keys/operator" --subject "/CN=Demo Operator/O=custody demo (not trusted)" \
	--days 30 >"$tmp/keygen.log" 2>&1 || fail "custody keygen exited with status $?" "$tmp/keygen.log"
python3 "$top/tests/e2e/servers/tsa.py" --dir "$keys/tsa" >"$tmp/tsa.log" 2>&1 &
tsa=$!
for _ in $(seq 1 100); do grep -q '^listening' "$tmp/tsa.log" && break; sleep 0.1; done
tsa_port=$(awk '/^listening/ {print $4}' "$tmp/tsa.log")
[ -n "$tsa_port" ] || fail "the test time-stamp authority did not start" "$tmp/tsa.log"
echo "2. Demo signing key $keys/operator.key (custody keygen) and a TEST time-stamp authority"
echo "   at http://127.0.0.1:$tsa_port/ (a throwaway CA made just now: trusted by nobody else)"

# 3. Crawl.
echo ""
echo "3. Capturing it, signed and time-stamped:"
echo "   custody crawl -o demo-case --key $keys/operator.key --tsa http://127.0.0.1:$tsa_port/ $(echo "$seeds" | tr '\n' ' ' | sed 's/ *$//')"
# shellcheck disable=SC2086
(cd "$top" && "$custody" crawl -o "$case_dir" --key "$keys/operator.key" \
	--tsa "http://127.0.0.1:$tsa_port/" $seeds) >"$tmp/crawl.log" 2>&1 ||
	fail "custody crawl exited with status $?" "$tmp/crawl.log"
tail -3 "$tmp/crawl.log" | indent
ls "$case_dir"/*.warc.zst >/dev/null 2>&1 || fail "the crawl wrote no .warc.zst file in $case_dir" "$tmp/crawl.log"

# 4. List.
echo ""
echo "4. What was captured:  custody ls demo-case"
"$custody" ls "$case_dir" >"$tmp/ls.log" 2>&1 || fail "custody ls exited with status $?" "$tmp/ls.log"
indent <"$tmp/ls.log"

# 5. Verify against the demo anchors: the operator's certificate and the test TSA's CA.
echo ""
echo "5. Checking the evidence:"
echo "   custody-verify --trust $keys/operator.crt --tsa-trust $keys/tsa/tsa-ca.pem --report demo-case/report.html demo-case"
"$verify" --trust "$keys/operator.crt" --tsa-trust "$keys/tsa/tsa-ca.pem" \
	--report "$case_dir/report.html" "$case_dir" >"$tmp/verify.log" 2>&1
rc=$?
sed -n '1p;$p' "$tmp/verify.log" | indent
case $rc in
0) echo "    => verified: every record is unaltered, sealed, signed by the demo operator and" \
	"time-stamped (by a TEST authority: in real cases use a TSA the court trusts)." ;;
*) fail "custody-verify exited with status $rc (expected 0, verified)" "$tmp/verify.log" ;;
esac

# 6. Detection on one doxing page, masked.
page=samples/site/thread/101.html
echo ""
echo "6. Personal data on one doxing page (masked):  custody scan $page"
(cd "$top" && "$custody" scan "$page") >"$tmp/scan.log" 2>&1
rc=$?
if grep -q 'not available in this build' "$tmp/scan.log"; then
	echo "    (detection is not part of this build yet)"
elif [ $rc -ne 0 ]; then
	fail "custody scan exited with status $rc" "$tmp/scan.log"
else
	indent <"$tmp/scan.log"
fi

echo ""
echo "Done. The case directory is $case_dir"
echo "The verifier's report for a reader (open in a browser): $case_dir/report.html"
cat <<'EOF'
Try next:
    bin/custody ls demo-case                         list the captures again
    bin/custody-verify --json demo-case              the verifier's verdict as JSON
    zstd -dc demo-case/capture-*-00000.warc.zst | less the raw WARC records, byte for byte
    bin/custody scan --reveal samples/site/thread/102.html        the GB18030 page, unmasked
    printf '13800138002\n' | bin/custody watch-hash -o /tmp/victim.watch -  a victim's phone, hashed
    bin/custody scan --watch /tmp/victim.watch samples/site/thread/102.html  ...found on the page
    samples/LABELS.md                                what the sample site hides, page by page
EOF
