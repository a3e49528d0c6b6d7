#!/bin/bash
# The fleet sink killed (SIGKILL) between its LMDB commit and its XACK, via the
# test hook TG_TEST_CRASH_AFTER_COMMIT=N; a new sink (another consumer name)
# takes the lapsed lock, claims the dead one's pending entries, skips those
# at or below meta fleet.sink.last_id and applies the rest: nothing twice
# (the fetch log would grow: its key is the apply time, and the restart is
# more than a second later), nothing lost.
set -u
. "$TG_ROOT/tests/fixtures/fleet/lib.sh"

start_redis no
write_ini t2 2s
"$FEED" 127.0.0.1 "$RP" t2 0 1500 || fail "feed"
TG_TEST_CRASH_AFTER_COMMIT=2 "$TG" store sink -c t.ini --fleet > crash.log 2>&1
rc=$?
[ $rc = 137 ] || fail "crash hook: exit $rc, want 137 (SIGKILL)"
grep -q "TG_TEST_CRASH_AFTER_COMMIT reached" crash.log || fail "hook message"
pending=$(rcli xpending t2:results sink | head -1)
[ "$pending" = 512 ] || fail "pending after the crash: $pending, want 512 (committed, not acked)"
[ "$(count videos)" = 1024 ] || fail "videos after the crash: $(count videos)"
sleep 1.2 # a re-applied result would get a new fetch-log key

"$TG" store sink -c t.ini --fleet > sink.log 2>&1 &
SINK=$!; pids+=("$SINK")
wait_drained t2
"$FEED" 127.0.0.1 "$RP" t2 1500 100 || fail "feed 2"
wait_drained t2
kill -TERM "$SINK"; wait "$SINK" || fail "sink exit"
[ "$(count videos)" = 1600 ] || fail "videos $(count videos)"
[ "$(count snapshots)" = 1600 ] || fail "snapshots $(count snapshots)"
[ "$(count listings)" = 320 ] || fail "listings $(count listings)"
[ "$(count fetchlog)" = 534 ] || fail "fetchlog $(count fetchlog), want 534: applied twice?"
grep -q "claimed 512 pending entries" sink.log || fail "no claim: $(cat sink.log)"
grep -q "512 skipped" sink.log || fail "skipped count: $(tail -1 sink.log)"
# the dead sink's consumer is forgotten once its entries were claimed
[ "$(rcli xinfo consumers t2:results sink | grep -c -x name)" = 1 ] || fail "stale consumers"
echo "ok"
