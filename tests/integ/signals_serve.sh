#!/bin/bash
# Signals and the servers: `trendguard serve` and `trendguard sim serve` stop on
# SIGTERM and on SIGINT within 5 s, exit 0, and say so; while a client holds
# a request open (a slow upload) the stop still happens within those 5 s.
# The store the dashboard served stays readable afterwards.
set -u
TG=${TG:-build/trendguard}
d=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$d"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cp "$TG" "$d/tg" 2>/dev/null || { sleep 2; cp "$TG" "$d/tg"; } || fail "cannot copy $TG"
TG=$d/tg
cd "$d"
"$TG" sim world --seed 9 --products 6 --days 30 --orders 300 --out w >/dev/null || fail "sim world"
printf '[store]\npath = s\n[privacy]\npepper_env = TG_SIG_PEPPER\n[serve]\nbind = 127.0.0.1\n' >t.ini
export TG_SIG_PEPPER=signals-test-pepper
for k in products orders returns; do
    "$TG" ingest $k w/$k.csv -c t.ini >/dev/null 2>&1 || fail "ingest $k"
done

# start_wait NAME PORTFILE CMD...: start a server in the background, wait for its port
start_wait() {
    local name=$1 pf=$2
    shift 2
    rm -f "$pf"
    "$@" >"$name.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
    [ -s "$pf" ] || { tail -3 "$name.log"; fail "$name did not start"; }
    curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$(cat "$pf")/" || fail "$name: no answer"
}

# stop_check NAME SIGNAL: send it, wait at most 5 s, want exit 0
stop_check() {
    local name=$1 sig=$2 t0 waited=0 rc
    t0=$(date +%s.%N)
    kill -"$sig" "$pid"
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt 50 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -0 "$pid" 2>/dev/null && fail "$name still running 5 s after SIG$sig"
    wait "$pid"
    rc=$?
    pid=
    [ $rc -eq 0 ] || { tail -3 "$name.log"; fail "$name exited $rc after SIG$sig, want 0"; }
    grep -Eq "Sanitizer|runtime error" "$name.log" && fail "$name: sanitizer report"
    printf '%s: SIG%s -> exit 0 after %.2f s\n' "$name" "$sig" "$(echo "$(date +%s.%N) - $t0" | bc)"
}

for sig in TERM INT; do
    start_wait serve sport "$TG" serve -c t.ini --port 0 --port-file sport
    curl -sf --max-time 5 "http://127.0.0.1:$(cat sport)/healthz" >/dev/null || fail "healthz"
    # a client that sends its body slowly keeps a connection open across the stop
    (
        for i in 1 2 3 4 5 6 7 8 9 10; do
            printf '{"orders":[' 2>/dev/null
            sleep 1
        done
    ) | curl -s -o /dev/null --max-time 15 -H 'Content-Type: application/json' \
        -X POST --data-binary @- "http://127.0.0.1:$(cat sport)/v1/score" &
    slow=$!
    sleep 0.5
    stop_check serve $sig
    grep -q "serve: stopping" serve.log || fail "serve did not say it stops"
    kill $slow 2>/dev/null
    wait $slow 2>/dev/null

    start_wait sim simport "$TG" sim serve --world w --port 0 --port-file simport --speed 0
    curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$(cat simport)/robots.txt" ||
        fail "sim robots.txt"
    stop_check sim $sig
    grep -q "stopping after" sim.log || fail "sim serve did not say it stops"
done
"$TG" store stats -c t.ini >/dev/null || fail "store stats after the server stopped"
echo ok
