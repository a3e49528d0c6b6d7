#!/bin/bash
# Throughput of the simulated sources (`trendguard sim serve`): wrk -t2 -c64 -d5s
# against the TikTok query (max_count 100, and 20) and an eBay sold-listings page
# (60 items, ~100 KB; identity and gzip) and robots.txt (server overhead). Prints
# markdown rows; every number is measured here. The machine's load (`uptime`) is
# printed to stderr: other work on the same 2 cores lowers these numbers.
set -u
cd "$(dirname "$0")/.."
TG=${TG:-$PWD/build/trendguard}
command -v wrk >/dev/null || { echo "| sim | wrk missing | - | - | - |"; exit 0; }
d=$(mktemp -d); sp=""
trap '[ -n "$sp" ] && kill "$sp" 2>/dev/null; wait 2>/dev/null; rm -rf "$d"' EXIT
DUR=${SIM_BENCH_SECONDS:-5}
echo "sim bench: load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$TG" sim world --seed 1 --out "$d/w" >/dev/null
"$TG" sim serve --world "$d/w" --port 0 --port-file "$d/port" --start-day 120 --quota 0 \
    >/dev/null 2>"$d/err" &
sp=$!
for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
P=$(cat "$d/port"); A="http://127.0.0.1:$P"
TOK=$(curl -s -X POST -d 'client_key=bench&client_secret=bench&grant_type=client_credentials' \
    "$A/v2/oauth/token/" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# the hashtag and the resale query of the product with the most videos / sold listings
TAG=$(awk -F, 'NR>1 && $2==0 {print $1; exit}' "$d/w/truth/bots.csv")
best=0; Q=""
for q in $(awk -F, 'NR>1 {gsub(/ /, "+", $6); print $6}' "$d/w/products.csv"); do
    n=$(curl -s "$A/sch/i.html?_nkw=$q&LH_Sold=1&LH_Complete=1&_pgn=1" | grep -o '<span class=BOLD>[0-9]*' | head -1 | grep -o '[0-9]*$')
    [ "${n:-0}" -gt "$best" ] && { best=$n; Q=$q; }
done
rps() { grep -o 'Requests/sec: *[0-9.]*' | grep -o '[0-9.]*$' | cut -d. -f1; }
non2xx() { grep -o 'Non-2xx or 3xx responses: *[0-9]*' | grep -o '[0-9]*$'; }
row() { # measure, wrk output
    local r n; r=$(rps <<<"$2"); n=$(non2xx <<<"$2")
    echo "| sim | $1 | ${r:-?} responses/s${n:+ ($n non-2xx)} | >= 20,000 responses/s | - |"
}
for max in 100 20; do
    out=$(SIM_TOKEN=$TOK SIM_TAG=$TAG SIM_START=20260201 SIM_END=20260302 SIM_MAX=$max \
        wrk -t2 -c64 -d"${DUR}s" -s bench/sim_tiktok.lua "$A/" 2>&1)
    bytes=$(curl -s -X POST -H "Authorization: Bearer $TOK" \
        "$A/v2/research/video/query/?fields=id,video_description,create_time,region_code,share_count,view_count,like_count,comment_count,hashtag_names,username" \
        -d "{\"query\":{\"and\":[{\"operation\":\"IN\",\"field_name\":\"hashtag_name\",\"field_values\":[\"$TAG\"]}]},\"start_date\":\"20260201\",\"end_date\":\"20260302\",\"max_count\":$max}" | wc -c)
    row "TikTok video query, max_count $max (${bytes} B), wrk -t2 -c64" "$out"
done
bytes=$(curl -s "$A/sch/i.html?_nkw=$Q&LH_Sold=1&LH_Complete=1&_pgn=1" | wc -c)
out=$(wrk -t2 -c64 -d"${DUR}s" "$A/sch/i.html?_nkw=$Q&LH_Sold=1&LH_Complete=1&_pgn=1" 2>&1)
row "eBay sold page 1 (${bytes} B), wrk -t2 -c64" "$out"
gzbytes=$(curl -s -H 'Accept-Encoding: gzip' "$A/sch/i.html?_nkw=$Q&LH_Sold=1&LH_Complete=1&_pgn=1" | wc -c)
out=$(wrk -t2 -c64 -d"${DUR}s" -H 'Accept-Encoding: gzip' "$A/sch/i.html?_nkw=$Q&LH_Sold=1&LH_Complete=1&_pgn=1" 2>&1)
row "eBay sold page 1, gzip as curl crawlers ask (${gzbytes} B), wrk -t2 -c64" "$out"
out=$(wrk -t2 -c64 -d"${DUR}s" "$A/robots.txt" 2>&1)
row "robots.txt (tiny response: server overhead), wrk -t2 -c64" "$out"
