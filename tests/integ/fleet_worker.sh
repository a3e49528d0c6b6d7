#!/bin/bash
# Fleet workers without a sink: three `crawl --fleet --once` workers share one
# simulated world through a private redis-server. One is killed with -9
# mid-round; the other two finish the round (its leases lapse and come back).
# From the simulator's request log: the fleet never exceeds the per-host rate
# nor TikTok's daily budget; robots.txt and each token are fetched once
# fleet-wide. In Redis: no lease left, every item done with the round, one
# stream entry per result that carried data.
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
fail() { echo "FAIL: $*"; exit 1; }
cp "$TG" "$work/tg" 2>/dev/null || { sleep 2; cp "$TG" "$work/tg"; } || fail "cannot copy $TG"
TG=$work/tg
cd "$work"

. "$root/tests/fixtures/fleet/world.sh"
sim_up 6
RP=$(free_port)
start_redis "$RP" r no
RATE=12
{
    sim_conf $RATE 4 "daily_quota = 40" "quota_reserve = 5"
    printf '[fleet]\nredis = redis://127.0.0.1:%s/0\nnamespace = t1\nlease_s = 2s\n' "$RP"
} >c.ini

wpids=()
for i in 1 2 3; do
    "$TG" --log-format=json crawl -c c.ini --fleet --once 2>"w$i.log" &
    wpids+=($!)
    pids+=($!)
done
sleep 2
kill -9 "${wpids[2]}" 2>/dev/null || fail "worker 3 ended before the kill"
for i in 0 1; do
    wait_for "${wpids[$i]}" 120 || { tail -5 "w$((i + 1)).log"; fail "worker $((i + 1)) failed"; }
done
grep -q 'round done (fleet)' w1.log || fail "worker 1 did not see the round end"
grep -h 'calls_per_fetch' w1.log w2.log | sed 's/.*"msg":"//; s/"}$//'

# the work was shared: at least two workers fetched
shared=$(grep -h 'calls_per_fetch' w1.log w2.log w3.log | grep -vc 'fetched=0 ')
[ "$shared" -ge 2 ] || fail "only $shared worker(s) fetched anything"

# Redis: no lease left, every remaining item done with the round
[ "$(redis-cli -p "$RP" ZCARD t1:fr:lease)" -eq 0 ] || fail "leases left"
[ "$(redis-cli -p "$RP" HLEN t1:fr:tok)" -eq 0 ] || fail "lease tokens left"
items=$(redis-cli -p "$RP" HLEN t1:fr:item)
[ "$items" -gt 20 ] || fail "only $items items in the frontier"
notdone=$(redis-cli -p "$RP" --raw HKEYS t1:fr:item | while read -r k; do
    [ "$(redis-cli -p "$RP" SISMEMBER t1:fr:round "$k")" = 1 ] || echo "$k"; done | wc -l)
[ "$notdone" -eq 0 ] || fail "$notdone item(s) not done with the round"
[ "$(redis-cli -p "$RP" XLEN t1:results)" -gt 20 ] || fail "results stream too short"
[ "$(redis-cli -p "$RP" GET t1:seeded)" = 1 ] || fail "no seeded flag"

# the simulator's log: budget, rate, robots, tokens
q=$(grep -c '/v2/research/video/query/' req.log)
echo "TikTok queries with a fleet budget of 40 (reserve 5): $q"
[ "$q" -le 35 ] || fail "the fleet sent $q TikTok queries over its budget of 35"
[ "$q" -ge 20 ] || fail "only $q TikTok queries"
grep -q 'daily budget spent' w1.log w2.log || fail "nobody noticed the spent budget"
[ "$(grep -c '"/robots.txt"' req.log)" -eq 1 ] || fail "robots.txt fetched more than once"
[ "$(grep -c '/v2/oauth/token/' req.log)" -eq 1 ] || fail "TikTok token fetched more than once"
[ "$(grep -c '/identity/v1/oauth2/token' req.log)" -eq 1 ] || fail "eBay token fetched more than once"
/usr/bin/python3 - "$RATE" <<'PY' || fail "per-host rate"
import collections, datetime, json, sys
rate = float(sys.argv[1])
per = collections.Counter()
for line in open("req.log"):
    e = json.loads(line)
    if "oauth" in e["path"] or e["path"] == "/robots.txt":
        continue  # token and robots fetches are not paced (same as one process)
    t = datetime.datetime.strptime(e["t_real"], "%Y-%m-%dT%H:%M:%SZ").timestamp()
    per[int(t)] += 1
secs = sorted(per)
worst = 0
for w in range(1, 6):
    # a bucket of max(rate, 1) plus rate per second; +1 s for the log's whole seconds
    bound = max(rate, 1) + rate * (w + 1)
    for s in secs:
        n = sum(per.get(s + k, 0) for k in range(w))
        worst = max(worst, n / bound)
        assert n <= bound, f"{n} requests in {w}s from {s} (bound {bound:.0f})"
print(f"rate ok: {sum(per.values())} paced requests over {len(secs)}s, worst window at "
      f"{worst:.0%} of its bound")
PY
echo "ok"
