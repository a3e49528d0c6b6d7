#!/bin/bash
# Store benchmarks, all measured in this run:
#   ingest of a generated 1,000,000-row orders CSV (rows/s, peak RSS),
#   batched snapshot writes through tg_store_write (writes/s),
#   export orders (rows/s).
# Peers, same machine and data: sqlite3 .import of the same CSV, python3-lmdb
# puts of the same snapshot keys, mdb_dump of the orders database.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
TG=${TG:-$ROOT/build/trendguard}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
N=${BENCH_ROWS:-1000000}
PKGS=$(sed -n "s/^PKGS := //p" "${TG_ROOT:-$ROOT}/Makefile")  # link flags exactly as the Makefile
now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t <= 0) print "-"; else printf "%.0f", n / t }'; }
fmt() { awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else { s = sprintf("%.0f", x); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }; print s o } }'; }

python3 - "$tmp/orders.csv" "$N" <<'PY'
import random, sys
r = random.Random(42)
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    f.write("order_id,customer_id,product_id,purchase_time,price_paid,customer_age,zip\n")
    for i in range(n):
        f.write("O%08d,C%06d,P%04d,2026-%02d-%02dT%02d:%02d:00Z,%d.%02d,%s,%05d\n" % (
            i, r.randrange(200000), r.randrange(5000), r.randrange(1, 13), r.randrange(1, 29),
            r.randrange(24), r.randrange(60), r.randrange(1, 500), r.randrange(100),
            r.choice(["", "23", "34", "51", "67"]), r.randrange(99999)))
PY
export TG_BENCH_PEPPER=bench-pepper
printf '[store]\npath = %s/st\n[privacy]\npepper_env = TG_BENCH_PEPPER\n' "$tmp" > "$tmp/b.ini"

# 1. ingest
t0=$(now)
/usr/bin/time -v "$TG" ingest orders "$tmp/orders.csv" -c "$tmp/b.ini" --quiet > "$tmp/ingest.out" 2> "$tmp/ingest.time"
t1=$(now)
grep -q "stored $N," "$tmp/ingest.out" || { echo "ingest failed: $(cat "$tmp/ingest.out") $(tail -5 "$tmp/ingest.time")" >&2; exit 1; }
ing_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
rss_mb=$(awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$tmp/ingest.time")
peer_ing="-"
if command -v sqlite3 > /dev/null; then
    p0=$(now)
    printf '.mode csv\n.import %s orders\n' "$tmp/orders.csv" | sqlite3 "$tmp/peer.sqlite" 2>/dev/null
    p1=$(now)
    peer_ing="sqlite3 .import (no validation, no HMAC): $(fmt "$(rate "$N" "$(awk -v a="$p0" -v b="$p1" 'BEGIN{print b-a}')")") rows/s"
fi
ing_cpu=$(awk -F: '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$tmp/ingest.time")
echo "| store | ingest ${N} orders (rows/s, wall) | $(fmt "$(rate "$N" "$ing_s")") | ≥ 500,000 | $peer_ing |"
echo "| store | ingest ${N} orders (rows per CPU-second) | $(fmt "$(rate "$N" "$ing_cpu")") | - | load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores |"
echo "| store | ingest peak RSS | ${rss_mb} MB | - | - |"

# 2. snapshot writes (a downstream program linked with libtrendguard.a)
cc -std=c11 -O2 -I"$ROOT/include" -o "$tmp/downstream" "$ROOT/tests/fixtures/store/downstream.c" \
   "$ROOT/build/libtrendguard.a" $(pkg-config --libs $PKGS) -lm -lpthread || exit 1
snap=$(/usr/bin/time -f 'cpu %U %S' -o "$tmp/snap.time" "$tmp/downstream" bench-snapshots "$tmp/snap.lmdb" 2000000 100000 | awk '{ print $6 }')
snap_cpu=$(awk '{ print $2 + $3 }' "$tmp/snap.time")
peer_snap="-"
if /usr/bin/python3 -c 'import lmdb' 2>/dev/null; then
    peer_snap="python3-lmdb put, same keys and batches: $(fmt "$(/usr/bin/python3 - "$tmp/peer.lmdb" <<'PY'
import lmdb, struct, sys, time
env = lmdb.open(sys.argv[1], map_size=1 << 31, max_dbs=4)
db = env.open_db(b"snapshots")
n, batch = 500000, 100000
t0 = time.monotonic()
for b0 in range(0, n, batch):
    with env.begin(write=True) as txn:
        for i in range(b0, b0 + batch):
            k = struct.pack(">QQ", 7300000000000000000 + i % 10000, (1700000000 + (i // 10000) * 900) ^ (1 << 63))
            txn.put(k, bytes([1, (i * 2) & 0x7f, 0, 0, 1]), db=db)
print(n / (time.monotonic() - t0))
PY
)")/s"
fi
echo "| store | snapshot writes, 2M in txns of 100k (writes/s, wall) | $(fmt "$snap") | ≥ 1,000,000 | $peer_snap |"
echo "| store | snapshot writes (per CPU-second) | $(fmt "$(rate 2000000 "$snap_cpu")") | - | - |"

# 3. export orders
t0=$(now)
/usr/bin/time -f '%U %S' -o "$tmp/export.time" "$TG" export orders -c "$tmp/b.ini" --out "$tmp/export.csv" 2> /dev/null || exit 1
t1=$(now)
exp_cpu=$(awk '{ print $1 + $2 }' "$tmp/export.time")
rows=$(( $(wc -l < "$tmp/export.csv") - 1 ))
[ "$rows" -eq "$N" ] || { echo "export wrote $rows rows" >&2; exit 1; }
peer_exp="-"
if command -v mdb_dump > /dev/null; then
    p0=$(now); mdb_dump -s orders "$tmp/st" > /dev/null; p1=$(now)
    peer_exp="mdb_dump -s orders (raw hex): $(fmt "$(rate "$N" "$(awk -v a="$p0" -v b="$p1" 'BEGIN{print b-a}')")") rows/s"
fi
echo "| store | export orders CSV (rows/s, wall) | $(fmt "$(rate "$rows" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")") | ≥ 2,000,000 | $peer_exp |"
echo "| store | export orders CSV (rows per CPU-second) | $(fmt "$(rate "$rows" "$exp_cpu")") | - | - |"
