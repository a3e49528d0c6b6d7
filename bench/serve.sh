#!/bin/bash
# bench/serve.sh - `trendguard serve` under wrk on loopback: POST /v1/score
# (one order, with reasons) and GET /v1/products/{id}/nudge, rotating over
# the world's products. Prints markdown rows with what wrk measured.
# Knobs: BENCH_SERVE_S (10 s per endpoint), BENCH_SERVE_CONNS (32).
set -u
cd "$(dirname "$0")/.."
TG=${TG:-$PWD/build/trendguard}
secs=${BENCH_SERVE_S:-10}
conns=${BENCH_SERVE_CONNS:-32}
command -v wrk >/dev/null || { echo "| serve | wrk absent | - | - | - |"; exit 0; }
d=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
export TG TG_WEB_TEST_PEPPER=web-test-pepper
bash tests/fixtures/web/build-store.sh "$d" 0 >&2 || { echo "| serve | fixture failed | - | - | - |"; exit 1; }
"$TG" serve -c "$d/t.ini" --port 0 --port-file "$d/port" >"$d/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
[ -s "$d/port" ] || { echo "| serve | server did not start | - | - | - |"; exit 1; }
B="http://127.0.0.1:$(cat "$d/port")"
nprod=$(($(wc -l < "$d/w/products.csv") - 1))

for variant in score:/v1/score risk:/v1/score?reasons=false; do
cat > "$d/${variant%%:*}.lua" <<EOF
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local body = string.format('{"product_id":"P%04d","purchase_time":"2026-02-%02dT12:00:00Z",'
    .. '"price_paid":%d,"customer_age":%d,"zip":"10001"}', n % $nprod + 1, n % 27 + 1,
    20 + n % 40, 18 + n % 50)
  return wrk.format(nil, "${variant#*:}", nil, body)
end
EOF
done
cat > "$d/nudge.lua" <<EOF
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", string.format("/v1/products/P%04d/nudge", n % $nprod + 1))
end
EOF
# sanity: both endpoints answer 200 before measuring
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"product_id":"P0001"}' "$B/v1/score")
[ "$code" = 200 ] || echo "serve bench: POST /v1/score answers $code (no model?)" >&2
row() { # name, lua
    local out; out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$2" "$B" 2>&1)
    echo "$out" >&2
    local rps p99 non2xx
    rps=$(echo "$out" | awk '/^Requests\/sec/ {printf "%.0f", $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    echo "| serve | $1 (wrk -t2 -c$conns, ${secs}s, same cores, load avg $load before) | ${rps:-?} req/s, p99 ${p99:-?}${non2xx:+, $non2xx non-2xx} | >= 20,000 req/s, p99 <= 2 ms | - |"
}
load=$(cut -d' ' -f1 /proc/loadavg)
row "POST /v1/score (with SHAP reasons)" "$d/score.lua"
row "POST /v1/score?reasons=false" "$d/risk.lua"
row "GET /v1/products/{id}/nudge" "$d/nudge.lua"
