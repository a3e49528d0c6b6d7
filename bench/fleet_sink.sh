#!/bin/bash
# Fleet sink benchmark: how fast `trendguard store sink --fleet` drains a
# backlog of results from NS:results into a fresh store (the sink is the
# fleet's only store writer, so this caps the fleet's stored-page rate).
# The backlog is written beforehand by tests/fixtures/fleet/feed.c: RESULTS
# results shaped like TikTok pages of PER videos (each with its snapshot),
# over 20 hashtags and 30 days. Median of 3 runs, each on a new store and a
# new stream; wall-clock rate first, then per CPU-second of the sink
# (from /proc), and the sink's Redis commands per batch (its stats line).
# No peer: nothing else reads this stream into LMDB.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
TG=${TG:-$ROOT/build/trendguard}
command -v redis-server > /dev/null || { echo "| fleet | sink drain | skipped: no redis-server | - | - |"; exit 0; }
tmp=$(mktemp -d)
RP=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
SP=
cleanup() {
    [ -n "$SP" ] && kill -9 "$SP" 2> /dev/null
    redis-cli -p "$RP" shutdown nosave > /dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
RESULTS=${BENCH_SINK_RESULTS:-3000}
PER=${BENCH_SINK_PER:-40}
RUNS=3
PKGS=$(sed -n "s/^PKGS := //p" "$ROOT/Makefile")
cc -std=c11 -D_GNU_SOURCE -O2 -I"$ROOT" -I"$ROOT/include" $(pkg-config --cflags $PKGS) \
    -o "$tmp/feed" "$ROOT/tests/fixtures/fleet/feed.c" "$ROOT/build/libtrendguard.a" \
    $(pkg-config --libs $PKGS) -lm -lpthread || { echo "| fleet | sink drain | FAILED (feed build) | - | - |"; exit 1; }
redis-server --port "$RP" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" > "$tmp/redis.log" 2>&1 &
for _ in $(seq 50); do redis-cli -p "$RP" ping 2> /dev/null | grep -q PONG && break; sleep 0.1; done
tck=$(getconf CLK_TCK)
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
walls=() cpus=() calls=()
for run in $(seq $RUNS); do
    ns=b$run
    printf '[store]\npath = %s/st%s\n[fleet]\nredis = redis://127.0.0.1:%s/0\nnamespace = %s\n' \
        "$tmp" "$run" "$RP" "$ns" > "$tmp/t.ini"
    "$tmp/feed" 127.0.0.1 "$RP" "$ns" 0 "$RESULTS" "$PER" || { echo "| fleet | sink drain | FAILED (feed) | - | - |"; exit 1; }
    t0=$(date +%s.%N)
    "$TG" store sink -c "$tmp/t.ini" --fleet > "$tmp/sink$run.log" 2>&1 &
    SP=$!
    while [ "$(redis-cli -p "$RP" xlen "$ns:results")" != 0 ]; do
        kill -0 "$SP" 2> /dev/null || { echo "| fleet | sink drain | FAILED (sink died) | - | - |"; exit 1; }
        sleep 0.02
    done
    t1=$(date +%s.%N)
    cpu=$(awk -v t="$tck" '{ print ($14 + $15) / t }' "/proc/$SP/stat")
    kill -TERM "$SP"; wait "$SP"; SP=
    walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
    cpus+=("$cpu")
    calls+=("$(sed -n 's/.*applied in \([0-9]*\) commits.* \([0-9]*\) redis calls.*/\2 \1/p' "$tmp/sink$run.log" |
        awk '{ printf "%.1f", $1 / ($2 ? $2 : 1) }')")
done
w=$(median "${walls[@]}")
c=$(median "${cpus[@]}")
rate=$(awk -v n="$RESULTS" -v t="$w" 'BEGIN { printf "%.0f", n / t }')
recs=$(awk -v n="$RESULTS" -v p="$PER" -v t="$w" 'BEGIN { printf "%.0f", 2 * n * p / t }')
cpurate=$(awk -v n="$RESULTS" -v t="$c" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print "-" }')
echo "| fleet | sink: drain a backlog of $RESULTS results × $PER videos + snapshots into a new store (batches of 512) | $rate results/s ($recs records/s) wall, $cpurate results per CPU-s; $(median "${calls[@]}") Redis commands per batch (load $(cut -d' ' -f1 /proc/loadavg), $(nproc) cores) | - | - |"
