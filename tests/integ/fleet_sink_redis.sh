#!/bin/bash
# The fleet sink while Redis goes away: stopped (appendonly yes) mid-run and
# restarted on the same port, the sink logs the outage once, pauses, and
# continues; every result fed before and after lands once.
set -u
. "$TG_ROOT/tests/fixtures/fleet/lib.sh"

start_redis yes
write_ini t3 2s
"$TG" store sink -c t.ini --fleet > sink.log 2>&1 &
SINK=$!; pids+=("$SINK")
"$FEED" 127.0.0.1 "$RP" t3 0 700 || fail "feed"
wait_drained t3
"$FEED" 127.0.0.1 "$RP" t3 700 300 || fail "feed 2"
stop_redis
sleep 2
kill -0 "$SINK" 2> /dev/null || fail "sink died with Redis"
start_redis yes
"$FEED" 127.0.0.1 "$RP" t3 1000 500 || fail "feed 3"
wait_drained t3
kill -TERM "$SINK"; wait "$SINK" || fail "sink exit"
[ "$(grep -c 'redis unreachable: pausing' sink.log)" = 1 ] || fail "outage not logged once"
grep -q "redis reachable again" sink.log || fail "recovery not logged"
[ "$(count videos)" = 1500 ] || fail "videos $(count videos)"
[ "$(count fetchlog)" = 500 ] || fail "fetchlog $(count fetchlog)"
echo "ok"
