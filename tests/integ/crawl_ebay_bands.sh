#!/bin/bash
# eBay Browse: Basic-auth token, Bearer on searches, and a query whose total is over
# the 10,000-item cap split into price bands, each band crawled as its own job.
set -u
TG=${TG:-build/trendguard}
ROOT=${TG_ROOT:-$PWD}
work=$(mktemp -d)
srvpid=
cleanup() { [ -n "$srvpid" ] && kill "$srvpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cp "$TG" "$work/tg" 2>/dev/null || { sleep 2; cp "$TG" "$work/tg"; } || fail "cannot copy $TG"
TG=$work/tg
cd "$work"
/usr/bin/python3 "$ROOT/tests/fixtures/crawl/ebay_bands_server.py" port req.log &
srvpid=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || fail "server did not start"
P=$(cat port)
printf 'product_id,name,category,price,hashtags,resale_query,launch_date\nP1,Cloud Slides,shoes,25,cloudslides,cloud slides,2026-01-01\n' > products.csv
cat > c.ini <<INI
[store]
path = store
[ebay]
api_base = http://127.0.0.1:$P
client_id = my-app
client_secret = my-secret
[catalog]
products = products.csv
INI
timeout 60 "$TG" crawl -c c.ini --once 2>crawl.log || { tail crawl.log; fail "crawl"; }
grep -q 'my-secret' crawl.log && fail "secret in the log"
/usr/bin/python3 - <<'PY' || fail "requests"
import json
reqs = [json.loads(l) for l in open("req.log")]
tok = [r for r in reqs if r["path"].startswith("/identity")]
assert len(tok) == 1 and tok[0]["auth"] == "Basic", tok
s = [r for r in reqs if r["path"].endswith("/search")]
assert all(r["auth"] == "Bearer" for r in s), s
assert all(r["q"]["q"] == ["cloud slides"] for r in s), s
filters = sorted(r["q"]["filter"][0] for r in s if "filter" in r["q"])
assert len(filters) == 7, filters
assert "price:[10..25],priceCurrency:USD" in filters, filters
print(len(s), "searches,", len(filters), "price bands")
PY
n=$("$TG" store scan -c c.ini --db listings | grep -c '"product_id": *"P1"')
echo "listings: $n"
[ "$n" -eq 17 ] || fail "expected 3 unbanded + 7 bands x 2 = 17 listings, got $n"
p=$("$TG" store scan -c c.ini --db prices | wc -l)
[ "$p" -eq 17 ] || fail "expected 17 price observations, got $p"
"$TG" store scan -c c.ini --db listings | grep -q '"listing_id": *"100100".*"price_low": *11' ||
    fail "band listing price"
echo ok
