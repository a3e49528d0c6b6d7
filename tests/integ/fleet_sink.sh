#!/bin/bash
# The fleet sink (`store sink --fleet`) against a real redis-server: encoded
# results fed into NS:results land in the store once (counts of videos,
# snapshots, listings, fetch-log entries), the stream is acknowledged and
# emptied, meta fleet.sink.last_id is the last entry, a garbage entry is
# dropped without stopping the sink, so is a result the store refuses (its
# batch is then applied result by result), SIGTERM exits 0, a second sink waits
# for the first one's lock; usage errors.
set -u
. "$TG_ROOT/tests/fixtures/fleet/lib.sh"

"$TG" store sink --help | grep -q "usage: trendguard store sink" || fail "--help"
"$TG" store sink -c /nonexistent.ini > /dev/null 2>&1; [ $? = 64 ] || fail "no --fleet: not 64"
"$TG" store sink --fleet --bogus > /dev/null 2>&1; [ $? = 64 ] || fail "bad option: not 64"
printf '[store]\npath = st\n' > nofleet.ini
"$TG" store sink -c nofleet.ini --fleet > /dev/null 2>&1; [ $? = 78 ] || fail "no [fleet] redis: not 78"

start_redis no
write_ini t1 2s
echo "worker_id = sinkA" >> t.ini # both sinks below: the lock must still tell them apart
"$FEED" 127.0.0.1 "$RP" t1 0 1200 || fail "feed"
"$TG" store sink -c t.ini --fleet > sink.log 2>&1 &
SINK=$!; pids+=("$SINK")
wait_drained t1
# more while it runs, with one entry that is not a result in the middle
"$FEED" 127.0.0.1 "$RP" t1 1200 300 || fail "feed 2"
"$FEED" 127.0.0.1 "$RP" t1 --garbage || fail "feed garbage"
"$FEED" 127.0.0.1 "$RP" t1 1500 300 || fail "feed 3"
wait_drained t1
# a result the store refuses, in one batch with good ones (the sink is
# stopped meanwhile so that they are read together)
kill -STOP "$SINK"
"$FEED" 127.0.0.1 "$RP" t1 1800 100 || fail "feed 4"
"$FEED" 127.0.0.1 "$RP" t1 --refused || fail "feed refused"
"$FEED" 127.0.0.1 "$RP" t1 1900 100 || fail "feed 5"
kill -CONT "$SINK"
wait_drained t1

# a second sink on the same namespace (and the same worker_id) waits for the lock
"$TG" store sink -c t.ini --fleet --duration 2s > sink2.log 2>&1 || fail "second sink exit"
grep -q "another sink holds t1:sink:lock" sink2.log || fail "second sink did not wait"

kill -TERM "$SINK"; wait "$SINK"; rc=$?
[ $rc = 0 ] || fail "SIGTERM: exit $rc"
grep -q '2002 entries, 2000 results applied in [0-9]* commits, 0 skipped, 2 bad' sink.log ||
    fail "stats line: $(tail -1 sink.log)"
grep -q 'does not decode as a result: dropped' sink.log || fail "garbage not reported"
grep -q 'refused by the store (invalid argument): dropped' sink.log || fail "refusal not reported"

[ "$(count videos)" = 2000 ] || fail "videos $(count videos)"
[ "$(count snapshots)" = 2000 ] || fail "snapshots $(count snapshots)"
[ "$(count listings)" = 400 ] || fail "listings $(count listings)"
[ "$(count fetchlog)" = 667 ] || fail "fetchlog $(count fetchlog)"
[ "$(count hashtag_days)" = 1 ] || fail "hashtag_days $(count hashtag_days)"
[ "$(rcli xlen t1:results)" = 0 ] || fail "stream not emptied"
# the hashtag-day aggregate covers every video: recomputed from the store
"$TG" store scan --db hashtag_days --store st | grep -q '"videos":2000' ||
    fail "hashtag day: $("$TG" store scan --db hashtag_days --store st)"
last=$("$TG" store get --db meta fleet.sink.last_id --store st)
rcli xinfo stream t1:results | grep -A1 -x last-generated-id | tail -1 > want_id
echo "$last" | grep -q "$(cat want_id)" || fail "last_id $last, stream's last $(cat want_id)"
echo "ok"
