#!/bin/bash
# Crawl the simulated world end to end (TikTok, eBay API + sold pages, Poshmark)
# with `crawl --once` and assert what landed in the store; then a second round
# must add nothing (dedup, frontier resumes), and `crawl status` must report.
set -u
TG=${TG:-build/trendguard}
work=$(mktemp -d)
simpid=
cleanup() { [ -n "$simpid" ] && kill "$simpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
# a private copy: other builds may relink the binary while this test runs
cp "$TG" "$work/tg" 2>/dev/null || { sleep 2; cp "$TG" "$work/tg"; } || fail "cannot copy $TG"
TG=$work/tg
cd "$work"

timeout 60 "$TG" sim world --seed 11 --out w --products 6 --days 40 --orders 50 >/dev/null ||
    fail "sim world"
"$TG" sim serve --world w --port 0 --port-file port --speed 0 --start-day 35 --quota 0 \
    --log req.log >/dev/null 2>&1 &
simpid=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || fail "sim did not start"
P=$(cat port)
cat > c.ini <<INI
[store]
path = store
[crawl]
clock = source
rate_per_host = 2000
max_per_host = 8
[tiktok]
api_base = http://127.0.0.1:$P
client_key = k
client_secret = s
lookback_days = 30
window_days = 7
[ebay]
api_base = http://127.0.0.1:$P
web_base = http://127.0.0.1:$P
client_id = id
client_secret = topsecret-ebay
[poshmark]
web_base = http://127.0.0.1:$P
[catalog]
products = w/products.csv
INI
timeout 120 "$TG" --log-format=json crawl -c c.ini --once 2>log1 || { tail log1; fail "crawl 1"; }
grep -q 'topsecret-ebay' log1 && fail "a secret reached the log"
grep -q '"s"' log1 && true
count() { "$TG" store stats -c c.ini --format json |
    /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['databases']['$1']['entries'])"; }
v=$(count videos); s=$(count snapshots); h=$(count hashtag_days); l=$(count listings)
p=$(count prices); f=$(count fetchlog)
echo "videos=$v snapshots=$s hashtag_days=$h listings=$l prices=$p fetchlog=$f"
[ "$v" -gt 100 ] || fail "videos=$v"
[ "$s" -eq "$v" ] || fail "one snapshot per video in one frozen-time round ($s vs $v)"
[ "$h" -ge 1 ] || fail "hashtag days=$h"
[ "$l" -gt 50 ] || fail "listings=$l"
[ "$p" -ge "$l" ] || fail "prices=$p < listings=$l"
# every source stored something with its own source code
for src in ebay ebay_sold poshmark; do
    "$TG" store scan -c c.ini --db listings | grep -q "\"source\": *\"$src\"" ||
        fail "no $src listing"
done
# eBay listings carry the product of the query that found them
"$TG" store scan -c c.ini --db listings --limit 5 | grep -q '"product_id": *"P0' ||
    fail "listing without product id"
# hashtag days are sums over the videos: views of the day > 0
"$TG" store scan -c c.ini --db hashtag_days | /usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
assert rows, "no hashtag days"
for r in rows:
    assert r["videos"] > 0 and r["views"] > 0 and r["authors"] > 0, r
    assert 0 < r["top_author_share"] <= 1, r
print("hashtag days ok:", len(rows))' || fail "hashtag days content"
# adaptive revisits: an old creation window is re-polled later than a young one
"$TG" store scan -c c.ini --db frontier_idx | /usr/bin/python3 -c '
import json, sys, collections
by = collections.defaultdict(dict)
for l in sys.stdin:
    e = json.loads(l)
    k = bytes.fromhex(e["key_hex"]).decode()
    if not k.startswith("tiktok/"): continue
    _, tag, day = k.split("/")
    by[tag][int(day)] = int(e["value_hex"], 16) / 1000.0
tag, w = sorted(by.items())[0]
days = sorted(w)
young, old = w[days[-1]], w[days[0]]
assert old - young > 2 * 86400, (tag, old - young)
print("revisit: oldest window of", tag, "due %.1f days after the youngest" % ((old - young) / 86400))
' || fail "adaptive revisit"
# robots.txt was fetched once and cached in the store
n=$(grep -c '"/robots.txt"' req.log); [ "$n" -eq 1 ] || fail "robots fetched $n times"
# a second round: everything is scheduled for its next poll, nothing is re-fetched
before=$(wc -l < req.log)
timeout 60 "$TG" crawl -c c.ini --once 2>log2 || { tail log2; fail "crawl 2"; }
after=$(wc -l < req.log)
[ "$(count videos)" -eq "$v" ] || fail "round 2 changed videos"
[ "$(count listings)" -eq "$l" ] || fail "round 2 changed listings"
echo "requests in round 2: $((after - before))"
[ $((after - before)) -le 2 ] || fail "round 2 re-fetched $((after - before)) requests"
"$TG" crawl status -c c.ini --format json > st.json || fail "status"
/usr/bin/python3 - <<'PY' || fail "status content"
import json
d = {s["source"]: s for s in json.load(open("st.json"))["sources"]}
assert d["tiktok"]["configured"] and d["tiktok"]["last_success"], d["tiktok"]
assert d["tiktok"]["queued"] > 0 and d["tiktok"]["budget_left"] > 0, d["tiktok"]
assert not d["site"]["configured"], d["site"]
print("status ok")
PY
"$TG" crawl status -c c.ini | head -1 | grep -q '^source,configured,last_success' || fail "csv"
# continuous mode: metrics on loopback while it runs, SIGTERM stops it cleanly
"$TG" crawl -c c.ini --metrics-port 0 --metrics-port-file mp 2>log3 &
cpid=$!
for _ in $(seq 50); do [ -s mp ] && break; sleep 0.1; done
[ -s mp ] || { kill $cpid; fail "no metrics port"; }
sleep 0.3
curl -sf "http://127.0.0.1:$(cat mp)/metrics" > metrics.txt || { kill $cpid; fail "metrics fetch"; }
grep -q '^tg_crawl_fetched_total [0-9]' metrics.txt || { kill $cpid; fail "metrics content"; }
grep -q '^tg_crawl_errors_total{class="timeout"} 0' metrics.txt || { kill $cpid; fail "metrics classes"; }
grep -q '^tg_crawl_budget_left{source="tiktok"} [0-9]' metrics.txt || { kill $cpid; fail "budget"; }
# SIGHUP reloads the config
sed -i 's/^rate_per_host = 2000/rate_per_host = 1500/' c.ini
kill -HUP $cpid
for _ in $(seq 30); do grep -q 'config reloaded' log3 && break; sleep 0.1; done
grep -q 'config reloaded' log3 || { kill $cpid; fail "SIGHUP did not reload"; }
kill -TERM $cpid
for _ in $(seq 50); do kill -0 $cpid 2>/dev/null || break; sleep 0.1; done
kill -0 $cpid 2>/dev/null && { kill -9 $cpid; fail "SIGTERM did not stop the crawler in 5s"; }
wait $cpid; rc=$?
[ $rc -eq 0 ] || { tail log3; fail "SIGTERM exit $rc"; }
# --duration bounds a continuous run
timeout 20 "$TG" crawl -c c.ini --duration 1s 2>log4 || fail "--duration run"
grep -q 'duration reached' log4 || fail "--duration not reached"
echo ok
