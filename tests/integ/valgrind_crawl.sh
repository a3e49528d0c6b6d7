#!/bin/bash
# valgrind --error-exitcode=1 --leak-check=full on a short crawl of the simulated world
# (the plain build only: sanitizer builds cannot run under valgrind).
set -u
command -v valgrind >/dev/null || { echo "skip: valgrind not installed"; exit 77; }
case "$TG_BUILD" in */san) echo "skip: sanitizer build (valgrind runs on the plain build)"; exit 77 ;; esac
d=$(mktemp -d); sim=""
trap '[ -n "$sim" ] && kill $sim 2>/dev/null; wait 2>/dev/null; rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cp "$TG" "$d/tg"; TG="$d/tg"
"$TG" sim world --seed 3 --products 4 --orders 200 --days 40 --out "$d/world" >/dev/null || fail "world"
"$TG" sim serve --world "$d/world" --port 0 --port-file "$d/port" --start-day 20 2>"$d/sim.log" &
sim=$!
for _ in $(seq 50); do [ -s "$d/port" ] && break; sleep 0.1; done
P=$(cat "$d/port")
cat > "$d/c.ini" <<INI
[store]
path = store.lmdb
map_size_mb = 16
[crawl]
rate_per_host = 1000
max_per_host = 8
clock = source
[tiktok]
api_base = http://127.0.0.1:$P
client_key = k
client_secret = s
window_days = 7
lookback_days = 14
[ebay]
api_base = http://127.0.0.1:$P
web_base = http://127.0.0.1:$P
client_id = c
client_secret = s
[poshmark]
web_base = http://127.0.0.1:$P
[catalog]
products = world/products.csv
INI
timeout 300 valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    "$TG" crawl -c "$d/c.ini" --once --no-progress 2>"$d/vg.log" || { tail -40 "$d/vg.log"; fail "valgrind reported errors"; }
"$TG" store stats -c "$d/c.ini" --format json | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)["databases"]
assert d["videos"]["entries"] > 0 and d["listings"]["entries"] > 0, d
print("stored", d["videos"]["entries"], "videos", d["listings"]["entries"], "listings")' || fail "nothing stored"
echo ok
