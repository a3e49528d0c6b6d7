#!/bin/bash
# Adaptive revisits for resale queries: after one round, a Poshmark query whose
# newest active listing is a day old is due again after poll_every, one whose
# newest is 60 days old after 4x poll_every; a query with only sold-out
# listings keeps 1x. The same for eBay sold-listings queries by their newest
# sale. Read from the frontier's due times (frontier_idx).
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
/usr/bin/python3 "$ROOT/tests/fixtures/crawl/revisit_server.py" port req.log &
srvpid=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || fail "server did not start"
P=$(cat port)
{
    echo "product_id,name,category,price,hashtags,resale_query,launch_date"
    echo "PY,Young,shoes,25,young,young slides,2026-01-01"
    echo "PO,Old,shoes,25,old,old slides,2026-01-01"
    echo "PS,Sold,shoes,25,sold,sold slides,2026-01-01"
} > products.csv
cat > c.ini <<INI
[store]
path = store
[crawl]
rate_per_host = 1000
[ebay]
web_base = http://127.0.0.1:$P
poll_every = 1h
[poshmark]
web_base = http://127.0.0.1:$P
poll_every = 1h
[catalog]
products = products.csv
INI
t0=$(date +%s)
timeout 60 "$TG" crawl -c c.ini --once --no-progress 2>crawl.log || { tail crawl.log; fail "crawl"; }
n=$(grep -c -e /vm-rest/posts -e /sch/i.html req.log)
[ "$n" -eq 6 ] || fail "$n searches, want 6 (3 Poshmark + 3 eBay sold)"
"$TG" store scan -c c.ini --db frontier_idx > idx.jsonl || fail "scan frontier_idx"
/usr/bin/python3 - "$t0" <<'PY' || fail "revisit intervals"
import json, sys
t0 = int(sys.argv[1])
due = {}
for l in open("idx.jsonl"):
    e = json.loads(l)
    due[bytes.fromhex(e["key_hex"]).decode()] = int(e["value_hex"], 16) / 1000.0 - t0
want = {"posh/PY": 1, "posh/PO": 4, "posh/PS": 1, "ebaysold/PY": 1, "ebaysold/PO": 4}
for key, f in want.items():
    assert key in due, (key, sorted(due))
    hours = due[key] / 3600
    # due = crawl time + f * 1h (the crawl itself takes seconds)
    assert f - 0.05 < hours < f + 0.05, (key, hours, f)
    print("%-12s due in %.2f h (%dx poll_every)" % (key, hours, f))
PY
echo ok
