#!/bin/bash
# Crawl benchmark: ../shared/bench/run_peers.sh serves 5,000 eBay-style listing
# pages with nginx on loopback and times wrk, wget2 and Scrapy on them; our row
# is scripts/bench-crawl (fetch, robots, extract and store every listing).
# Prints markdown rows: | area | measure | result | goal | peers (same run) |
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$root/../shared}
runner=$SHARED/bench/run_peers.sh
if [ ! -x "$runner" ] && [ ! -f "$runner" ]; then
    echo "| crawl | pages/s | skipped: ../shared absent | >= 8,000 | - |"; exit 0
fi
if ! command -v nginx >/dev/null; then
    echo "| crawl | pages/s | skipped: nginx missing (apt-get install nginx-light) | >= 8,000 | - |"
    exit 0
fi
cpu=$(mktemp); out=$(mktemp)
trap 'rm -f "$cpu" "$out"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# 2,000 pages keep the run near 2 minutes (Scrapy does ~20 pages/s here);
# BENCH_PAGES=5000 reproduces the issue's size
TG_BENCH_CPU_FILE=$cpu bash "$runner" --pages "${BENCH_PAGES:-2000}" --port "$port" \
    --project "$root/scripts/bench-crawl" > "$out" 2>&2
cat "$out" >&2
row() { awk -v t="$1" '$1 == t' "$out"; }
peer() { # tool column
    local r; r=$(row "$1")
    if [ -z "$r" ]; then echo "$1 absent"; return; fi
    case "$r" in *skipped*) echo "$1 skipped"; return;; esac
    echo "$r" | awk -v t="$1" '{ if (t == "wrk") printf "wrk %s resp/s", $4;
        else printf "%s %s pages/s, %s MB", t, $4, $5 }'
}
peers="$(peer wrk); $(peer wget2); $(peer scrapy)"
p=$(row project)
if [ -z "$p" ]; then
    echo "| crawl | pages/s | FAILED (no project row) | >= 8,000 | $peers |"; exit 0
fi
pages=$(echo "$p" | awk '{print $2}'); pps=$(echo "$p" | awk '{print $4}')
rss=$(echo "$p" | awk '{print $5}'); note=$(echo "$p" | awk '{ $1=$2=$3=$4=$5=""; print }' | sed 's/^ *//')
echo "| crawl | pages/s, site crawl with every listing stored ($pages pages${note:+, $note}) | $pps | >= 8,000 | $peers |"
if [ -s "$cpu" ] && [ "${pages:-0}" -gt 0 ]; then
    read -r u s m e < "$cpu"
    awk -v u="$u" -v s="$s" -v n="$pages" 'BEGIN { printf "| crawl | CPU seconds per 1,000 pages (user+sys) | %.3f | - | - |\n", (u + s) * 1000 / n }'
    awk -v m="$m" 'BEGIN { printf "| crawl | peak RSS of the crawl (MB) | %.1f | <= 64 | - |\n", m / 1024 }'
fi
