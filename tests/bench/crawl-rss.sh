#!/bin/sh
# crawl-rss.sh — custody's peak RSS must stay flat as a crawl grows: the same loopback nginx
# site layout (../shared/corpus/mksite.py) at several sizes, custody alone, default options.
#
#   tests/bench/crawl-rss.sh CUSTODY_BINARY [PAGES...]     (default: 2000 20000)
#
# Prints pages, seconds, pages/s and peak RSS (/usr/bin/time) per size. Run by `make bench`
# (BENCH_RSS_PAGES); quote the RSS figures, not the times (the machines are shared).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$top/../shared}
custody=$1; shift
case "$custody" in /*) ;; *) custody="$PWD/$custody" ;; esac
[ $# -gt 0 ] || set -- 2000 20000
work=$(mktemp -d /tmp/crawlrss.XXXXXX); chmod 755 "$work"
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
for pages in "$@"; do
	rm -rf "$work/site" "$work/case"
	python3 "$SHARED/corpus/mksite.py" "$work/site" --pages "$pages" --kib 20 >/dev/null
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat > "$work/nginx.conf" <<EOC
worker_processes 1; pid $work/nginx.pid; error_log $work/nginx.err; daemon on;
events { worker_connections 1024; }
http { access_log off; types { text/html html; text/plain txt; }
  server { listen 127.0.0.1:$port; root $work/site; keepalive_requests 100000; } }
EOC
	PATH=$PATH:/usr/sbin nginx -c "$work/nginx.conf"; sleep 0.3
	/usr/bin/time -f '%e %M' -o "$work/t" "$custody" crawl -q --depth 1000 --json -o "$work/case" \
		"http://127.0.0.1:$port/index.html" >"$work/summary.json" 2>"$work/err" || true
	read -r secs rss <"$work/t"
	fetched=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fetched"])' "$work/summary.json")
	echo "custody crawl: $pages-page site: $fetched pages in ${secs}s ($(echo "$fetched / $secs" | bc) p/s), peak RSS $((rss / 1024)) MB"
	kill "$(cat "$work/nginx.pid")"; sleep 0.3
done
