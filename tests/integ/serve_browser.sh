#!/bin/bash
# Browser test of the dashboard (tests/browser/dashboard.sh) against
# `trendguard serve` over a store built from the simulated world, with a
# short crawl so trend and price charts have data. Skips without chromium.
set -u
command -v chromium >/dev/null || { echo "skip: chromium absent (apt-get install -y chromium)"; exit 77; }
d=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
export TG_WEB_TEST_PEPPER=web-test-pepper
bash "$TG_ROOT/tests/fixtures/web/build-store.sh" "$d" 6 || fail "fixture store"
"$TG" serve -c "$d/t.ini" --port 0 --port-file "$d/port" >"$d/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
[ -s "$d/port" ] || fail "server did not start: $(cat "$d/serve.log")"
B="http://127.0.0.1:$(cat "$d/port")"
# one hashtag with a series and one product with prices, when the crawl got any
tag=$(curl -s "$B/v1/trends" | /usr/bin/python3 -c "
import json,sys; t=json.load(sys.stdin)['trends']; t.sort(key=lambda x: -x['days']); print(t[0]['hashtag'] if t else '')")
[ -n "$tag" ] || fail "no hashtag"
pages=(/ /categories /trends "/trends/$tag" /prices /prices/P0001 /interventions /alerts
       /products /products/P0001)
bash "$TG_ROOT/tests/browser/dashboard.sh" "$B" "${pages[@]}"
