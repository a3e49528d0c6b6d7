#!/bin/bash
# Signals and the crawler, over a crawl of the simulated world (frozen virtual
# clock, as crawl_kill.sh):
# - SIGTERM, then SIGINT, in the middle of a crawl: the crawler says it stops,
#   exits 0 (documented in `crawl --help`) within 10 s, the store is readable,
#   and a resumed crawl ends with the same records and frontier as one
#   uninterrupted crawl (in-flight items went back to the frontier).
# - SIGHUP with a changed value: the log says the config was reloaded and the
#   crawl goes on; SIGHUP with a broken config: the reload is refused and the
#   crawl goes on with the running config. The crawl then finishes with the
#   same store as the uninterrupted one (no work lost by reloading).
set -u
TG=${TG:-build/trendguard}
work=$(mktemp -d)
simpid= crawlpid=
cleanup() {
    [ -n "$crawlpid" ] && kill -9 "$crawlpid" 2>/dev/null
    [ -n "$simpid" ] && kill "$simpid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cp "$TG" "$work/tg" 2>/dev/null || { sleep 2; cp "$TG" "$work/tg"; } || fail "cannot copy $TG"
TG=$work/tg
root=${TG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$work"
. "$root/tests/fixtures/crawl/frozen_sim.sh"
frozen_sim_start "$work"
frozen_sim_conf ref 300 >ref.ini
timeout 120 "$TG" crawl -c ref.ini --once --no-progress 2>ref.log || { tail ref.log; fail "reference crawl"; }

# start a crawl, wait until it has stored something, send $2, time the exit
stop_with() { # ini signal log
    local db=${1%.ini}/data.mdb size0=0
    [ -s "$db" ] && size0=$(stat -c %s "$db")
    "$TG" crawl -c "$1" --once --no-progress 2>>"$3" &
    crawlpid=$!
    # until this run has committed something (the store grew by 32 KiB)
    for _ in $(seq 200); do
        [ -s "$db" ] && [ "$(stat -c %s "$db")" -gt $((size0 + 32768)) ] && break
        sleep 0.05
    done
    kill -0 "$crawlpid" 2>/dev/null || fail "crawl ended before $2 could be sent (too short?)"
    local t0=$(date +%s.%N)
    kill -"$2" "$crawlpid"
    local waited=0
    while kill -0 "$crawlpid" 2>/dev/null && [ $waited -lt 100 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -0 "$crawlpid" 2>/dev/null && fail "crawl still running 10 s after SIG$2"
    wait "$crawlpid"
    local rc=$?
    crawlpid=
    local dt=$(echo "$(date +%s.%N) - $t0" | bc)
    [ $rc -eq 0 ] || { tail -3 "$3"; fail "crawl exited $rc after SIG$2, want 0"; }
    grep -q "stopping: in-flight items go back to the frontier" "$3" ||
        fail "no 'stopping' line after SIG$2"
    "$TG" store stats -c "$1" >/dev/null || fail "store stats after SIG$2"
    printf 'SIG%s: exited 0 after %.2f s\n' "$2" "$dt"
}

# --- SIGTERM and SIGINT, then resume -------------------------------------
frozen_sim_conf stopped 60 >stopped.ini # a slower crawl, so the signals land mid-crawl
stop_with stopped.ini TERM term.log
stop_with stopped.ini INT int.log
sed -i 's/^rate_per_host = .*/rate_per_host = 300/' stopped.ini
timeout 120 "$TG" crawl -c stopped.ini --once --no-progress 2>>stopped.log || fail "resume"

# --- SIGHUP: reload a changed value, refuse a broken config ---------------
frozen_sim_conf hup 40 >hup.ini
"$TG" crawl -c hup.ini --once --no-progress 2>hup.log &
crawlpid=$!
sleep 1
kill -0 "$crawlpid" 2>/dev/null || fail "crawl ended before SIGHUP"
sed -i 's/^rate_per_host = .*/rate_per_host = 30/' hup.ini # changed, still slow
kill -HUP "$crawlpid"
for _ in $(seq 50); do grep -q "config reloaded" hup.log && break; sleep 0.1; done
grep -q "config reloaded" hup.log || fail "no 'config reloaded' line after SIGHUP"
cp hup.ini hup.good
echo "rate_per_host = fast" >>hup.ini # not a number: the reload must be refused
kill -HUP "$crawlpid"
for _ in $(seq 50); do grep -q "reload refused" hup.log && break; sleep 0.1; done
grep -q "reload refused, keeping the running config" hup.log ||
    fail "a broken config was not refused on SIGHUP"
kill -0 "$crawlpid" 2>/dev/null || fail "the crawl died after a refused reload"
sed 's/^rate_per_host = .*/rate_per_host = 300/' hup.good >hup.ini # now finish quickly
kill -HUP "$crawlpid"
timeout 120 tail --pid="$crawlpid" -f /dev/null
wait "$crawlpid" || fail "crawl with reloads exited $?"
crawlpid=
[ "$(grep -c "config reloaded" hup.log)" -ge 2 ] || fail "the last reload was not logged"
echo "SIGHUP: reloaded, refused a broken config, reloaded again; the crawl finished"

for db in videos video_tags snapshots hashtag_days listings prices frontier_idx seen; do
    "$TG" store scan -c ref.ini --db $db >$db.ref || fail "scan $db"
    for run in stopped hup; do
        "$TG" store scan -c $run.ini --db $db >$db.$run || fail "scan $db ($run)"
        if [ $db = frontier_idx ]; then # due times differ between runs; the items must not
            sed -i 's/"value_hex": *"[0-9a-f]*"//' $db.ref $db.$run
        fi
        cmp -s $db.ref $db.$run || { diff $db.ref $db.$run | head -5; fail "$db differs ($run)"; }
    done
    echo "$db: $(wc -l <$db.ref) entries, identical after stops and reloads"
done
[ "$(wc -l <videos.ref)" -gt 100 ] || fail "reference crawl too small"
echo ok
