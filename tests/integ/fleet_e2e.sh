#!/bin/bash
# The fleet end to end against the simulated world (frozen clock), compared
# with a single-process `crawl --once` of the same world:
#  1. three workers and a sink; `kill -9` one worker and the sink mid-round,
#     restart the sink: the store holds exactly what the single-process
#     crawl stored (every record once, no observation twice);
#  2. Redis (appendonly yes) killed with -9 mid-round and restarted on the
#     same port and files: the workers and the sink carry on, the round
#     completes and the store again matches.
set -u
TG=${TG:-build/trendguard}
root=${TG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v redis-server >/dev/null || { echo "skip: redis-server not installed"; exit 77; }
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    for f in "$work"/*.log; do [ -e "$f" ] && { echo "== $f"; tail -5 "$f"; }; done
    exit 1
}
cp "$TG" "$work/tg" 2>/dev/null || { sleep 2; cp "$TG" "$work/tg"; } || fail "cannot copy $TG"
TG=$work/tg
cd "$work"

. "$root/tests/fixtures/fleet/world.sh"
drained() { # PORT NS: nothing left in the stream nor pending
    for _ in $(seq 300); do
        [ "$(redis-cli -p "$1" XLEN "$2:results")" = 0 ] &&
            [ "$(redis-cli -p "$1" XPENDING "$2:results" sink | head -1)" = 0 ] && return 0
        sleep 0.1
    done
    fail "stream $2:results not drained"
}
sink() { # INI LOG
    "$TG" --log-format=json store sink -c "$1" --fleet 2>>"$2" &
    SINK=$!
    pids+=($SINK)
}
workers() { # INI N: start N --once workers (pids in $W)
    W=()
    for i in $(seq "$2"); do
        "$TG" --log-format=json crawl -c "$1" --fleet --once 2>"${1%.ini}-w$i.log" &
        W+=($!)
        pids+=($!)
    done
}
same_store() { # INI: the same records as the single-process crawl
    for db in videos snapshots listings prices hashtag_days; do
        "$TG" store scan -c "$1" --db "$db" >"$db.fleet" || fail "scan $db"
        cmp -s "$db.ref" "$db.fleet" ||
            fail "$1: $db differs from the single-process crawl ($(wc -l <"$db.ref") vs $(wc -l <"$db.fleet") lines)"
    done
    echo "$1: the same $(wc -l <videos.ref) videos, $(wc -l <snapshots.ref) snapshots, $(wc -l <listings.ref) listings, $(wc -l <prices.ref) prices, $(wc -l <hashtag_days.ref) hashtag days"
}

sim_up 6
conf() { # STORE RPORT NS
    printf '[store]\npath = %s\n' "$1"
    sim_conf 15 4
    printf '[fleet]\nredis = redis://127.0.0.1:%s/0\nnamespace = %s\nlease_s = 2s\n' "$2" "$3"
}

# the reference: one process, one round
conf ref 1 x >ref.ini
timeout 120 "$TG" crawl -c ref.ini --once 2>ref.log || fail "single-process crawl"
for db in videos snapshots listings prices hashtag_days; do
    "$TG" store scan -c ref.ini --db "$db" >"$db.ref" || fail "scan $db"
done
[ "$(wc -l <videos.ref)" -gt 100 ] || fail "reference crawl stored too little"

# 1. kill -9 a worker and the sink mid-round
RP=$(free_port)
start_redis "$RP" r1 no
conf f1 "$RP" k1 >k1.ini
sink k1.ini sink1.log
workers k1.ini 3
sleep 2
kill -9 "${W[2]}" "$SINK" 2>/dev/null || fail "a worker or the sink ended before the kill"
wait "${W[2]}" "$SINK" 2>/dev/null
sink k1.ini sink2.log
for i in 0 1; do wait_for "${W[$i]}" 120 || fail "k1 worker $((i + 1))"; done
drained "$RP" k1
kill -TERM "$SINK"
wait_for "$SINK" 30 || fail "sink did not stop on SIGTERM"
grep -h 'calls_per_fetch' k1-w*.log | sed 's/.*"msg":"//; s/"}$//'
same_store k1.ini
redis-cli -p "$RP" shutdown nosave >/dev/null 2>&1

# 2. Redis killed and restarted mid-round (appendonly yes, everysec)
RP=$(free_port)
start_redis "$RP" r2 yes
conf f2 "$RP" k2 >k2.ini
sink k2.ini sink3.log
workers k2.ini 2
sleep 2
kill -9 "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null
sleep 1
start_redis "$RP" r2 yes
for i in 0 1; do wait_for "${W[$i]}" 120 || fail "k2 worker $((i + 1))"; done
grep -q 'unreachable' k2-w1.log k2-w2.log || fail "the workers never noticed Redis was gone"
drained "$RP" k2
kill -TERM "$SINK"
wait_for "$SINK" 30 || fail "sink did not stop on SIGTERM"
same_store k2.ini
redis-cli -p "$RP" shutdown nosave >/dev/null 2>&1
echo "ok"
