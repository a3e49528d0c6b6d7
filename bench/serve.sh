#!/bin/bash
# bench/serve.sh - `trendguard serve` under wrk on loopback: POST /v1/score
# (one order, with and without reasons) and GET /v1/products/{id}/nudge,
# rotating over the world's products, at 8, 16 and 32 connections. wrk runs
# one thread on the same 2 cores as the server, so a saturated server's p99
# is mostly queueing: the rows at fewer connections show the latency at a
# rate below saturation. Each row also gives the server's CPU time per
# request (user + system, from /proc), which moves far less with the other
# load on the machine than req/s does. Peer: nginx answering a static file of
# the nudge's size at the same connections, beside the nudge rows (the HTTP
# ceiling of this machine in this run). Prints markdown rows with what was measured.
# Knobs: BENCH_SERVE_S (5 s per row), BENCH_SERVE_CONNS ("8 16 32"),
# BENCH_SERVE_BASELINE (another trendguard binary measured the same way after).
set -u
cd "$(dirname "$0")/.."
TG=${TG:-$PWD/build/trendguard}
secs=${BENCH_SERVE_S:-5}
conns=${BENCH_SERVE_CONNS:-8 16 32}
goal=">= 20,000 req/s, p99 <= 2 ms"
command -v wrk >/dev/null || { echo "| serve | wrk absent | - | - | - |"; exit 0; }
d=$(mktemp -d)
pid= npid=
cleanup() {
    for p in $pid $npid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$d"
}
trap cleanup EXIT
export TG TG_WEB_TEST_PEPPER=web-test-pepper
bash tests/fixtures/web/build-store.sh "$d" 0 >&2 || { echo "| serve | fixture failed | - | - | - |"; exit 1; }
start() { # BIN: sets pid and B
    rm -f "$d/port"
    "$1" serve -c "$d/t.ini" --port 0 --port-file "$d/port" >"$d/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
    [ -s "$d/port" ] || { echo "| serve | server did not start | - | - | - |"; exit 1; }
    B="http://127.0.0.1:$(cat "$d/port")"
}
start "$TG"
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
curl -s -o "$d/nudge.json" "$B/v1/products/P0001/nudge"

# nginx as the peer: one small static file, as many workers as our threads
nginx_b=
if command -v nginx >/dev/null; then
    mkdir -p "$d/www" "$d/ngx"
    cp "$d/nudge.json" "$d/www/nudge.json"
    chmod 755 "$d" "$d/www"
    chmod 644 "$d/www/nudge.json"
    nport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat > "$d/ngx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $d/ngx/nginx.pid;
error_log $d/ngx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $d/ngx; proxy_temp_path $d/ngx; fastcgi_temp_path $d/ngx;
    uwsgi_temp_path $d/ngx; scgi_temp_path $d/ngx;
    server { listen 127.0.0.1:$nport; root $d/www; location / { default_type application/json; } }
}
EOF
    nginx -c "$d/ngx/nginx.conf" -p "$d/ngx" 2>"$d/ngx/start.log" &
    npid=$!
    for _ in $(seq 50); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nport/nudge.json")" = 200 ] && break
        sleep 0.1
    done
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nport/nudge.json")" = 200 ] &&
        nginx_b="http://127.0.0.1:$nport/nudge.json"
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
tck=$(getconf CLK_TCK)
# run URL LUA_OR_EMPTY CONNS -> "rps p50 p99 requests non2xx"
run() {
    local out
    if [ -n "$2" ]; then
        out=$(wrk -t1 -c"$3" -d"${secs}s" --latency -s "$2" "$1" 2>&1)
    else
        out=$(wrk -t1 -c"$3" -d"${secs}s" --latency "$1" 2>&1)
    fi
    echo "$out" >&2
    echo "$out" | awk '/^Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2}
        /requests in/ {n=$1} /Non-2xx/ {bad=$NF}
        END {printf "%.0f %s %s %s %s\n", r, p50, p99, n, bad+0}'
}
row() { # name lua conns [peer]
    local load c0 c1 rps p50 p99 n bad us peer="-"
    load=$(cut -d' ' -f1 /proc/loadavg)
    c0=$(cpu_ticks)
    read -r rps p50 p99 n bad <<<"$(run "$B" "$2" "$3")"
    c1=$(cpu_ticks)
    us=$(awk -v a="$c0" -v b="$c1" -v n="$n" -v t="$tck" 'BEGIN { if (n > 0) printf "%.1f", (b - a) * 1e6 / t / n; else print "?" }')
    if [ -n "${4:-}" ] && [ -n "$nginx_b" ]; then
        local nr np50 np99 nn nbad
        read -r nr np50 np99 nn nbad <<<"$(run "$nginx_b" "" "$3")"
        peer="nginx static file (same size, same -c): $nr req/s, p99 $np99"
    fi
    [ "$bad" != 0 ] && rps="$rps ($bad non-2xx)"
    echo "| serve | $1 (wrk -t1 -c$3, ${secs}s, load avg $load before) | $rps req/s, p50 $p50, p99 $p99; server CPU $us µs/request | $goal | $peer |"
}
for c in $conns; do
    row "POST /v1/score (with reasons)" "$d/score.lua" "$c"
    row "POST /v1/score?reasons=false" "$d/risk.lua" "$c"
    row "GET /v1/products/{id}/nudge" "$d/nudge.lua" "$c" peer
done
# Before/after in the same run: BENCH_SERVE_BASELINE=/path/to/an/older/trendguard
# serves the same store and gets the same rows, marked "baseline".
if [ -n "${BENCH_SERVE_BASELINE:-}" ]; then
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    start "$BENCH_SERVE_BASELINE"
    for c in $conns; do
        row "baseline: POST /v1/score (with reasons)" "$d/score.lua" "$c"
        row "baseline: POST /v1/score?reasons=false" "$d/risk.lua" "$c"
        row "baseline: GET /v1/products/{id}/nudge" "$d/nudge.lua" "$c"
    done
fi
