#!/bin/bash
# Sources under stress: (1) a sim answering 20% of requests with faults (TikTok
# 500 internal_error and expired search ids, eBay block pages, 500s) must end with
# the same store as a clean crawl: retries and window restarts recover
# everything; (2) a small TikTok daily budget stops the source at limit - reserve,
# says so once, and `crawl status` shows the budget spent.
set -u
TG=${TG:-build/trendguard}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
# a private copy: other builds may relink the binary while this test runs
cp "$TG" "$work/tg" 2>/dev/null || { sleep 2; cp "$TG" "$work/tg"; } || fail "cannot copy $TG"
TG=$work/tg
cd "$work"
timeout 60 "$TG" sim world --seed 21 --out w --products 5 --days 40 --orders 50 >/dev/null || fail world
serve() { # name extra-args...
    local name=$1; shift
    "$TG" sim serve --world w --port 0 --port-file "$name.port" --speed 0 --start-day 35 "$@" \
        --log "$name.req" >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do [ -s "$name.port" ] && break; sleep 0.1; done
    [ -s "$name.port" ] || fail "sim $name did not start"
}
serve clean --quota 0
serve faulty --quota 0 --fault-rate 0.2
serve quota --quota 0
serve ttl --quota 0 --token-ttl 2
conf() { # store port quota reserve
    cat <<INI
[store]
path = $1
[crawl]
clock = source
rate_per_host = 500
max_per_host = 8
retry_max = 8
backoff_cap_s = 2s
[tiktok]
api_base = http://127.0.0.1:$2
client_key = k
client_secret = s
lookback_days = 30
daily_quota = $3
quota_reserve = $4
[ebay]
api_base = http://127.0.0.1:$2
web_base = http://127.0.0.1:$2
client_id = id
client_secret = s
[poshmark]
web_base = http://127.0.0.1:$2
[catalog]
products = w/products.csv
INI
}
conf clean "$(cat clean.port)" 100000 0 > clean.ini
conf faulty "$(cat faulty.port)" 100000 0 > faulty.ini
conf quota "$(cat quota.port)" 12 2 > quota.ini
conf ttl "$(cat ttl.port)" 100000 0 | sed 's/^rate_per_host = 500/rate_per_host = 12/' > ttl.ini
timeout 120 "$TG" crawl -c clean.ini --once 2>clean.log || fail "clean crawl"
timeout 180 "$TG" crawl -c faulty.ini --once 2>faulty.log || { tail faulty.log; fail "faulty crawl"; }
faults=$(grep -c '"status":5[0-9][0-9]' faulty.req)
echo "faulty server answered $faults requests with 5xx"
[ "$faults" -ge 5 ] || fail "the fault injection did not happen ($faults)"
for db in videos snapshots hashtag_days listings prices; do
    # listing URLs carry each server's port: compare without it
    "$TG" store scan -c clean.ini --db $db | sed 's/127\.0\.0\.1:[0-9]*/HOST/g' > $db.clean
    "$TG" store scan -c faulty.ini --db $db | sed 's/127\.0\.0\.1:[0-9]*/HOST/g' > $db.faulty
    cmp -s $db.clean $db.faulty || { diff $db.clean $db.faulty | head -4; fail "$db differs under faults"; }
    echo "$db: $(wc -l < $db.clean) identical under faults"
done

# tokens that expire mid-crawl (2 s): 401s lead to one refresh each, nothing fails
timeout 120 "$TG" crawl -c ttl.ini --once --only tiktok 2>ttl.log || fail "ttl crawl"
n401=$(grep -c '"status":401' ttl.req); ntok=$(grep -c 'oauth/token' ttl.req)
echo "token expiry: $n401 answers 401, $ntok token requests"
[ "$ntok" -ge 2 ] || fail "the token was never refreshed"
[ "$("$TG" store stats -c ttl.ini --format json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["databases"]["fetchlog"]["entries"])')" -eq 0 ] ||
    fail "fetches failed across token expiry"
"$TG" store scan -c ttl.ini --db videos > videos.ttl
cmp -s videos.ttl videos.clean || fail "videos differ across token expiry"

timeout 60 "$TG" --log-format=json crawl -c quota.ini --once --only tiktok 2>quota.log ||
    fail "quota crawl"
sent=$(grep -c '/v2/research/video/query/' quota.req)
echo "TikTok queries sent with a budget of 12 (reserve 2): $sent"
[ "$sent" -eq 10 ] || fail "sent $sent queries, expected 10"
n=$(grep -c 'daily budget spent' quota.log)
[ "$n" -eq 1 ] || fail "budget message said $n times"
"$TG" crawl status -c quota.ini --format json | /usr/bin/python3 -c '
import json, sys
d = {s["source"]: s for s in json.load(sys.stdin)["sources"]}
assert d["tiktok"]["budget_left"] == 0, d["tiktok"]
print("status: tiktok budget_left 0")' || fail "status budget"
# the next run the same day sends nothing more (the count is persisted)
timeout 60 "$TG" crawl -c quota.ini --once --only tiktok 2>quota2.log || fail "quota crawl 2"
sent2=$(grep -c '/v2/research/video/query/' quota.req)
[ "$sent2" -eq "$sent" ] || fail "a spent budget sent $((sent2 - sent)) more queries"
echo ok
