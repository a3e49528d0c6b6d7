#!/bin/bash
# The store under stress: a downstream C program built only against the public
# header and libtrendguard.a; a reader process sees whole transactions while a
# writer runs; kill -9 during a large ingest then a re-run equals an
# uninterrupted ingest; a tiny map grows instead of failing; backup while
# writing gives a consistent copy.
set -u
command -v mdb_stat > /dev/null || { echo "skip: mdb_stat (lmdb-utils) missing"; exit 77; }
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"
BUILD_DIR=${TG_BUILD:-$TG_ROOT/build}
PKGS=$(sed -n "s/^PKGS := //p" "${TG_ROOT:-$ROOT}/Makefile")  # link flags exactly as the Makefile
SAN=""; case "$BUILD_DIR" in */san) SAN="-fsanitize=address,undefined";; esac
cc -std=c11 -O1 -Wall -Wextra -Werror $SAN -I"$TG_ROOT/include" -o downstream \
   "$TG_ROOT/tests/fixtures/store/downstream.c" "$BUILD_DIR/libtrendguard.a" \
   $(pkg-config --libs $PKGS) -lm -lpthread || fail "downstream program does not build"

# 1. downstream reads what it wrote, through the documented API
./downstream populate ds.lmdb || fail populate
./downstream read ds.lmdb > read.out || fail read
cat > read.want <<'W'
day 1 views 2000 bot set
day 2 views 3000 bot set
day 3 views 4000 bot set
snap t+0 views 200
snap t+86400 views 400
snap t+172800 views 600
prices from day 1: 10
prediction O1 0.8125 email_offer
prediction nope: not found
W
diff -u read.want read.out || fail "downstream read differs"

# 2. consistent snapshots across processes while a writer commits
./downstream writer cons.lmdb 1 || fail "writer init"
./downstream writer cons.lmdb 3000 & wpid=$!; pids+=($wpid)
./downstream reader cons.lmdb 2 > reader.out || fail "reader saw an inconsistent snapshot: $(cat reader.out)"
# backup while the writer runs
"$TG" store backup bk.lmdb --store cons.lmdb > /dev/null || fail "backup during writes"
wait $wpid || fail "writer failed"
cat reader.out
awk '{ if ($4 != 0 || $2 < 10 || $6 < 2) exit 1 }' reader.out || fail "reader: $(cat reader.out)"
./downstream reader bk.lmdb 0.2 > bk.out || fail "backup inconsistent: $(cat bk.out)"

# 3. kill -9 during a large ingest, then re-run == uninterrupted
python3 - <<'PY'
import random
r = random.Random(7)
with open("big.csv", "w") as f:
    f.write("order_id,customer_id,product_id,purchase_time,price_paid,customer_age,zip\n")
    for i in range(300000):
        f.write("O%07d,C%05d,P%03d,2026-0%d-%02dT10:%02d:00Z,%d.%02d,%s,%05d\n" % (
            i, r.randrange(50000), r.randrange(500), r.randrange(1, 10), r.randrange(1, 29),
            r.randrange(60), r.randrange(1, 300), r.randrange(100), r.choice(["", "34", "51"]),
            r.randrange(99999)))
PY
export TG_TEST_PEPPER=fixed-pepper
printf '[store]\npath = full.lmdb\nmap_size_mb = 1\n[privacy]\npepper_env = TG_TEST_PEPPER\n' > full.ini
printf '[store]\npath = killed.lmdb\nmap_size_mb = 1\n[privacy]\npepper_env = TG_TEST_PEPPER\n' > killed.ini
"$TG" ingest orders big.csv -c full.ini --batch 20000 > full.out 2> full.err || fail "full ingest: $(tail -3 full.err)"
grep -q 'read 300000, stored 300000' full.out || fail "full summary $(cat full.out)"
grep -q 'map grown' full.err || fail "a 1 MiB map should have grown: $(tail -3 full.err)"
killed_mid=0
for attempt in 1 2 3 4 5; do
    rm -rf killed.lmdb
    # a throttled producer keeps the ingest busy for ~1.5 s, so a kill at a
    # random moment lands while batches are being parsed and committed
    python3 -c '
import sys, time
lines = open("big.csv").readlines()
for i in range(0, len(lines), 10000):
    sys.stdout.write("".join(lines[i:i + 10000])); sys.stdout.flush(); time.sleep(0.05)
' 2>/dev/null | "$TG" ingest orders - -c killed.ini --batch 20000 > /dev/null 2>&1 &
    kpid=$!; pids+=($kpid)
    # once a batch is committed, kill -9 at a random moment soon after
    for i in $(seq 1 300); do
        e=$(mdb_stat -s orders killed.lmdb 2>/dev/null | awk '/Entries:/ { print $2 }')
        [ "${e:-0}" -gt 0 ] && break
        sleep 0.02
    done
    sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
    ipid=$(pgrep -n -f "ingest orders - -c killed.ini" || true)
    [ -n "$ipid" ] && kill -9 "$ipid" 2>/dev/null
    wait $kpid 2>/dev/null
    n=$("$TG" store stats --format json --store killed.lmdb | python3 -c 'import json,sys;print(json.load(sys.stdin)["databases"]["orders"]["entries"])') || fail "store unreadable after kill -9"
    echo "after kill -9: $n orders committed"
    if [ "$n" -gt 0 ] && [ "$n" -lt 300000 ]; then killed_mid=1; break; fi
done
[ $killed_mid -eq 1 ] || fail "could not kill the ingest mid-run"
[ $((n % 20000)) -eq 0 ] || fail "a partial batch is visible: $n"
"$TG" ingest orders big.csv -c killed.ini --batch 20000 > /dev/null 2>&1 || fail "re-run"
"$TG" store scan --db orders --store full.lmdb > a.dump
"$TG" store scan --db orders --store killed.lmdb > b.dump
[ "$(wc -l < a.dump)" -eq 300000 ] || fail "full dump size"
cmp -s a.dump b.dump || fail "killed+re-run store differs from the uninterrupted one"
echo ok
