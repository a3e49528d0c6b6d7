#!/bin/bash
# Fleet benchmark: 1, 2 and 4 `crawl --fleet --once` workers crawl the same
# simulated world (frozen clock, no per-host pacing: rate 100000/s) through
# one private redis-server, each count in its own namespace. Throughput is
# fetched items per second of wall time from the first worker's start to the
# last one's exit; round trips are the workers' own count of Redis commands
# (every EVALSHA, GET, SET, ...) per fetched item. The sink is not running
# (bench/fleet_sink.sh measures it); results wait in the stream.
# Prints markdown rows: | area | measure | result | goal | peers (same run) |
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
TG=${TG:-$root/build/trendguard}
if ! command -v redis-server >/dev/null; then
    echo "| fleet | items/s | skipped: redis-server missing | - | - |"
    exit 0
fi
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cp "$TG" "$work/tg" && TG=$work/tg
cd "$work" || exit 1
fail() { echo "| fleet | items/s | FAILED: $* | - | - |"; exit 0; }
. "$root/tests/fixtures/fleet/world.sh"

SEED=5 sim_up "${BENCH_FLEET_PRODUCTS:-400}" --threads 2
SIM=${pids[-1]}
RP=$(free_port)
start_redis "$RP" r no
REDIS=$REDIS_PID
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user+sys clock ticks
conf() { # NS (no per-host pacing to speak of; a budget the run cannot spend)
    sim_conf 100000 32 "daily_quota = 10000000"
    printf '[fleet]\nredis = redis://127.0.0.1:%s/0\nnamespace = %s\nlease_s = 30s\n' "$RP" "$1"
}

# the single-process crawler on the same world (with its LMDB writes) as a peer
conf single | sed 's/^\[crawl\]/[store]\npath = single\n[crawl]/' >single.ini
t0=$(date +%s.%N)
"$TG" --log-format=json crawl -c single.ini --once 2>single.log
t1=$(date +%s.%N)
sfetched=$(grep 'progress: fetched=' single.log | tail -1 | sed 's/.*fetched=\([0-9]*\) .*/\1/')
single=$(awk -v f="${sfetched:-0}" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", f / (b - a) }')
echo "fleet: single process: ${sfetched:-0} items in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s" >&2

declare -A ips rtt busy
for n in 1 2 4; do
    conf "n$n" >"n$n.ini"
    s0=$(cpu $SIM) r0=$(cpu $REDIS)
    t0=$(date +%s.%N)
    wp=()
    for i in $(seq "$n"); do
        /usr/bin/time -f "%U %S" -o "n$n-$i.time" \
            "$TG" --log-format=json crawl -c "n$n.ini" --fleet --once 2>"n$n-$i.log" &
        wp+=($!)
    done
    ok=1
    for p in "${wp[@]}"; do wait "$p" || ok=0; done
    t1=$(date +%s.%N)
    tck=$(getconf CLK_TCK)
    wcpu=$(cat n"$n"-*.time | awk '{ s += $1 + $2 } END { printf "%.2f", s }')
    scpu=$(awk -v a="$s0" -v b="$(cpu $SIM)" -v t="$tck" 'BEGIN { printf "%.2f", (b - a) / t }')
    rcpu=$(awk -v a="$r0" -v b="$(cpu $REDIS)" -v t="$tck" 'BEGIN { printf "%.2f", (b - a) / t }')
    busy[$n]=$(awk -v w="$wcpu" -v s="$scpu" -v r="$rcpu" -v a="$t0" -v b="$t1" -v c="$(nproc)" \
        'BEGIN { printf "CPU s: workers %.1f, simulator %.1f, Redis %.1f = %.0f%% of %d cores", w, s, r, 100 * (w + s + r) / ((b - a) * c), c }')
    if [ $ok = 0 ]; then
        echo "| fleet | items/s, $n worker(s) | FAILED (a worker exited non-zero) | - | - |"
        continue
    fi
    read -r items calls < <(grep -h 'calls_per_fetch' n"$n"-*.log |
        sed 's/.*fetched=\([0-9]*\) .*redis_calls=\([0-9]*\) .*/\1 \2/' |
        awk '{ f += $1; c += $2 } END { print f, c }')
    ips[$n]=$(awk -v f="$items" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", f / (b - a) }')
    rtt[$n]=$(awk -v f="$items" -v c="$calls" 'BEGIN { printf "%.2f", c / f }')
    echo "fleet: $n worker(s): $items items in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s, $calls redis calls" >&2
done
cores=$(nproc)
for n in 1 2 4; do
    [ -n "${ips[$n]:-}" ] || continue
    goal="-"
    peers="single-process crawl $single items/s"
    if [ "$n" != 1 ] && [ -n "${ips[1]:-}" ]; then
        peers="$(awk -v a="${ips[$n]}" -v b="${ips[1]}" 'BEGIN { printf "%.2fx one worker", a / b }'); $peers"
        [ "$n" = 2 ] && goal=">= 1.6x one worker while CPU allows ($cores cores, shared with the simulator and Redis)"
    fi
    echo "| fleet | items/s, $n worker(s), $(grep -h 'calls_per_fetch' n$n-*.log | sed 's/.*fetched=\([0-9]*\) .*/\1/' | awk '{ s += $1 } END { print s }') items of the simulated world (${busy[$n]}) | ${ips[$n]} | $goal | $peers |"
done
for n in 1 2 4; do
    [ -n "${rtt[$n]:-}" ] || continue
    echo "| fleet | Redis round trips per fetched item, $n worker(s) | ${rtt[$n]} | <= 3 | - |"
done
