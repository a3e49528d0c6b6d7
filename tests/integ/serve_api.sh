#!/bin/bash
# `trendguard serve` end to end: sim world -> ingest -> (train, score) ->
# serve on a free loopback port -> every route with curl: status codes, JSON
# shapes, 400s on bad parameters, 404s, traversal attempts, body limit,
# security headers, metrics; refusal to bind non-loopback without a token,
# and with one every route but /healthz (dashboard included) needs it;
# --static-out; interventions run twice changes nothing.
set -u
d=$(mktemp -d)
pid= tpid=
cleanup() {
    for p in $pid $tpid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$d"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$d/serve.log" ] && tail -5 "$d/serve.log"; exit 1; }
PY=/usr/bin/python3
export TG_WEB_TEST_PEPPER=web-test-pepper

bash "$TG_ROOT/tests/fixtures/web/build-store.sh" "$d" 0 || fail "fixture store"
have_model=0; [ -d "$d/model" ] && [ -s "$d/pred.csv" ] && have_model=1
[ $have_model = 1 ] || echo "note: no model (train/score unavailable): /v1/score is checked for 503"

"$TG" serve --help | grep -q -- "--static-out" || fail "serve --help"
"$TG" serve -c "$d/t.ini" --port 99999 >/dev/null 2>&1; [ $? -eq 64 ] || fail "bad port not 64"
"$TG" serve -c "$d/t.ini" --bind 0.0.0.0 --port 0 >"$d/nl.out" 2>&1; rc=$?
[ $rc -ne 0 ] || fail "non-loopback bind without a token started"
grep -qi "token" "$d/nl.out" || fail "refusal does not mention the token: $(cat "$d/nl.out")"

# bound off loopback with a token: it says so at start, and every route but
# /healthz - dashboard pages included - needs the bearer token
sed 's/^\[serve\]$/[serve]\ntoken_env = TG_SERVE_TEST_TOKEN/' "$d/t.ini" > "$d/tok.ini"
export TG_SERVE_TEST_TOKEN=serve-test-token-0123456789
"$TG" serve -c "$d/tok.ini" --bind 0.0.0.0 --port 0 --port-file "$d/tport" >"$d/tok.log" 2>&1 &
tpid=$!
for _ in $(seq 100); do [ -s "$d/tport" ] && break; sleep 0.05; done
[ -s "$d/tport" ] || fail "token server did not start: $(cat "$d/tok.log")"
TB="http://127.0.0.1:$(cat "$d/tport")"
grep -q "requires 'Authorization: Bearer" "$d/tok.log" || fail "no notice of the token at start"
for p in / /products /categories /metrics /v1/trends /no/such/page; do
    got=$(curl -s -o "$d/body" -w '%{http_code}' "$TB$p")
    [ "$got" = 401 ] || fail "$p without the token -> $got"
    got=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong-token-0123456789" "$TB$p")
    [ "$got" = 401 ] || fail "$p with a wrong token -> $got"
done
grep -q "$TG_SERVE_TEST_TOKEN" "$d/tok.log" "$d/body" && fail "the token is printed"
for p in / /products /v1/trends; do
    got=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TG_SERVE_TEST_TOKEN" "$TB$p")
    [ "$got" = 200 ] || fail "$p with the token -> $got"
done
got=$(curl -s -o /dev/null -w '%{http_code}' "$TB/healthz"); [ "$got" = 200 ] || fail "healthz behind the token"
kill "$tpid"; wait "$tpid" 2>/dev/null; tpid=

"$TG" serve -c "$d/t.ini" --port 0 --port-file "$d/port" >"$d/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
[ -s "$d/port" ] || fail "server did not start"
P=$(cat "$d/port")
grep -q "serving on http://127.0.0.1:$P/" "$d/serve.log" || fail "start line"
B="http://127.0.0.1:$P"

code() { curl -s -o "$d/body" -w '%{http_code}' "$@"; }
expect() { # status url [curl args...]
    local want=$1; shift
    local got; got=$(code "$@")
    [ "$got" = "$want" ] || fail "$* -> $got, want $want: $(head -c 300 "$d/body")"
}
json_ok() { $PY -c "import json,sys; d=json.load(open('$d/body')); $1" || fail "json check '$1' on $(head -c 300 "$d/body")"; }

expect 200 "$B/healthz"; json_ok "assert d['status']=='ok'"
expect 200 "$B/v1/trends"; json_ok "assert isinstance(d['trends'], list) and len(d['trends'])>0 and {'hashtag','stage','is_bot','lasted_days'} <= set(d['trends'][0])"
tag=$($PY -c "import json; print(json.load(open('$d/body'))['trends'][0]['hashtag'])")
expect 200 "$B/v1/trends?stage=rising"; json_ok "assert all(t['stage']=='rising' for t in d['trends'])"
expect 400 "$B/v1/trends?stage=bogus"; json_ok "assert 'error' in d"
expect 400 "$B/v1/trends?nope=1"
expect 200 "$B/v1/trends/$tag/series"; json_ok "assert d['hashtag']=='$tag' and isinstance(d['series'], list)"
expect 400 "$B/v1/trends/$tag/series?from=2026-99-01"
expect 404 "$B/v1/trends/no_such_tag_zz/series"
expect 400 "$B/v1/trends/UPPER/series"
expect 200 "$B/v1/products/P0001/prices"; json_ok "assert d['product_id']=='P0001' and 'observations' in d and 'daily_median' in d"
expect 400 "$B/v1/products/P0001/prices?source=amazon"
expect 404 "$B/v1/products/NOPE/prices"
expect 200 "$B/v1/products/P0001/nudge"
json_ok "assert 0<=d['keep_rate_6m']<=1 and 'months' in d['message'] and d['orders']>0 and 'regret_risk' in d"
keep=$($PY -c "import json; print(round(json.load(open('$d/body'))['keep_rate_6m']*100))")
# the keep rate is computed from the world's orders and returns: check it independently
$PY - "$d" "$keep" <<'EOF' || fail "keep rate differs from orders/returns"
import csv, sys
from datetime import datetime
d, keep = sys.argv[1], int(sys.argv[2])
t = lambda s: datetime.fromisoformat(s.replace('Z', '+00:00'))
orders = {r['order_id']: r for r in csv.DictReader(open(d + '/w/orders.csv')) if r['product_id'] == 'P0001'}
ret = {r['order_id'] for r in csv.DictReader(open(d + '/w/returns.csv'))
       if r['order_id'] in orders and (t(r['return_time']) - t(orders[r['order_id']]['purchase_time'])).days <= 180}
assert round(100 * (1 - len(ret) / len(orders))) == keep, (len(ret), len(orders), keep)
EOF
expect 404 "$B/v1/products/NOPE/nudge"
expect 405 "$B/v1/products/P0001/nudge" -X POST
cart='{"items":["P0001","P0002",{"product_id":"P0003"}]}'
expect 200 "$B/v1/cart/nudge" -X POST -H 'Content-Type: application/json' -d "$cart"
json_ok "assert d['items']==3 and 'message' in d and len(d['products'])==3"
expect 400 "$B/v1/cart/nudge" -X POST -d '{"items":"P0001"}'
expect 400 "$B/v1/cart/nudge" -X POST -d 'garbage'
order='{"product_id":"P0001","purchase_time":"2026-02-10T12:00:00Z","price_paid":30,"customer_age":24,"zip":"10001"}'
if [ $have_model = 1 ]; then
    expect 200 "$B/v1/score" -X POST -d "$order"
    json_ok "assert 0<=d['risk']<=1 and d['tier'] in ('none','sms_reminder','email_offer') and isinstance(d['reasons'], list)"
else
    expect 503 "$B/v1/score" -X POST -d "$order"
fi
if [ $have_model = 1 ]; then
    # many at once, on the server's threads together: each gets its own answer
    cat > "$d/one.sh" <<'EOF'
i=$1; r=false; [ $((i % 2)) = 0 ] && r=true
curl -s -X POST -d "{\"product_id\":\"P000$((i % 9 + 1))\",\"order_id\":\"o$i\",\"customer_age\":$((i % 50 + 18))}" "$2/v1/score?reasons=$r"
echo
EOF
    seq 1 60 | xargs -P 20 -I{} bash "$d/one.sh" {} "$B" > "$d/many"
    $PY - "$d/many" <<'EOF' || fail "concurrent scores"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(rows) == 60, len(rows)
assert sorted(r['order_id'] for r in rows) == sorted('o%d' % i for i in range(1, 61))
for r in rows:
    i = int(r['order_id'][1:])
    assert r['product_id'] == 'P000%d' % (i % 9 + 1), r
    assert (len(r['reasons']) > 0) == (i % 2 == 0), r
EOF
fi
expect 400 "$B/v1/score" -X POST -d '{"product_id":"P0001","customer_age":-3}'
expect 400 "$B/v1/score" -X POST -d '{"product_id":"../x"}'
expect 400 "$B/v1/score" -X POST
expect 405 "$B/v1/score"
head -c 70000 /dev/zero | tr '\0' 'a' > "$d/big"
expect 413 "$B/v1/score" -X POST --data-binary @"$d/big"
expect 413 "$B/v1/score" -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$d/big"
# a body declared over the limit is refused before it is sent; an endless
# chunked body is cut off (the server does not read it for ever)
$PY - "$P" <<'EOF' || fail "body limits on the wire"
import socket, sys, time
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")
head = s.recv(4096)
assert head.startswith(b"HTTP/1.1 413"), head[:80]
s.close()
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"POST /v1/score HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
chunk = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"
t0, sent = time.time(), 0
try:
    while time.time() - t0 < 5:
        s.sendall(chunk)
        sent += len(chunk)
    raise AssertionError("still reading after %d bytes" % sent)
except (BrokenPipeError, ConnectionResetError, socket.timeout):
    pass
assert sent < 64 << 20, sent
EOF

# no route reaches a file, whatever the path
for p in "/../../../../etc/passwd" "/v1/products/..%2F..%2Fetc%2Fpasswd/nudge" \
         "/trends/..%2f..%2fetc%2fpasswd" "/%2e%2e/%2e%2e/etc/passwd" "/prices/....//etc"; do
    got=$(curl -s --path-as-is -o "$d/body" -w '%{http_code}' "$B$p")
    case $got in 400|404) ;; *) fail "$p -> $got";; esac
    grep -q "root:" "$d/body" && fail "$p leaked a file"
done
expect 404 "$B/no/such/page"

# dashboard pages: HTML, security headers, links resolve
for p in / /categories /trends "/trends/$tag" /prices /prices/P0001 /interventions /alerts \
         /products /products/P0001; do
    curl -s -D "$d/h" -o "$d/body" "$B$p" >/dev/null
    head -1 "$d/h" | grep -q " 200" || fail "$p: $(head -1 "$d/h")"
    grep -qi "^content-type: text/html" "$d/h" || fail "$p content type"
    grep -qi "^content-security-policy: default-src 'none'" "$d/h" || fail "$p CSP"
    grep -qi "^x-content-type-options: nosniff" "$d/h" || fail "$p nosniff"
    grep -q "<title>" "$d/body" || fail "$p title"
    grep -Eq '(src|href)="https?://' "$d/body" && fail "$p has an external asset"
    grep -q "$TG_WEB_TEST_PEPPER" "$d/body" && fail "$p shows the pepper"
done
curl -s "$B/" | grep -o 'href="/[^"]*"' | sed 's/href="//;s/"$//' | sort -u > "$d/links"
while read -r l; do
    got=$(curl -s -o /dev/null -w '%{http_code}' "$B$l"); [ "$got" = 200 ] || fail "home link $l -> $got"
done < "$d/links"

expect 200 "$B/metrics"
grep -q 'trendguard_http_requests_total{route="product_nudge",status="200"}' "$d/body" || fail "metrics counter"
grep -q 'trendguard_http_request_duration_seconds_bucket{route="score",le="+Inf"}' "$d/body" || fail "metrics histogram"
grep -q 'trendguard_store_entries{db="orders"} 6000' "$d/body" || fail "metrics store stats"

# a writer beside the server: the cache (and the metrics' store stats) follow it
before=$(curl -s "$B/metrics" | awk '$1=="trendguard_store_entries{db=\"interventions\"}" {print $2}')
"$TG" interventions run -c "$d/t.ini" --from 2026-03-01 --to 2026-03-03 \
    --scores "$d/w/truth/regret.csv" --out /dev/null 2>/dev/null || fail "iv run beside the server"
after=$before
for _ in $(seq 50); do
    after=$(curl -s "$B/metrics" | awk '$1=="trendguard_store_entries{db=\"interventions\"}" {print $2}')
    [ "$after" != "$before" ] && break; sleep 0.1
done
[ -n "$before" ] && [ "$after" -gt "$before" ] || fail "cache not refreshed after a write ($before -> $after)"

kill "$pid"; wait "$pid" 2>/dev/null; rc=$?; pid=
[ $rc -eq 0 ] || fail "server exit $rc after SIGTERM"
grep -Eq "Sanitizer|runtime error" "$d/serve.log" && fail "sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error' "$d/serve.log")"

# the same pages as static files
"$TG" serve -c "$d/t.ini" --static-out "$d/site" >/dev/null 2>&1 || fail "--static-out"
[ -s "$d/site/index.html" ] && [ -s "$d/site/product-P0001.html" ] || fail "static pages missing"
grep -q 'href="/' "$d/site/index.html" && fail "static page links to server paths"

# interventions run twice for a day: nothing changes
"$TG" interventions run -c "$d/t.ini" --date 2026-02-15 --out "$d/a.csv" 2>/dev/null || fail "iv run 1"
"$TG" interventions run -c "$d/t.ini" --date 2026-02-15 --out "$d/b.csv" 2>/dev/null || fail "iv run 2"
cmp -s "$d/a.csv" "$d/b.csv" || fail "interventions rerun differs"
echo ok
