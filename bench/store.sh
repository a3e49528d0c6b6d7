#!/bin/bash
# Store benchmarks, all measured in this run, one row each:
#   ingest of a generated 1,000,000-row orders CSV (rows/s, peak RSS),
#   batched snapshot writes through tg_store_write + tg_store_put_snapshots
#   (writes/s; one tg_store_put_snapshot per write beside it),
#   export orders as CSV (rows/s).
# Each figure is the median of 3 runs (this 2-core machine is shared, so a
# single run is noisy), wall-clock rate first, then rows per CPU-second.
# Peers, same machine, data and median-of-3: sqlite3 .import of the same CSV,
# python3-lmdb writing the same snapshot keys in the same batches (put one
# by one, and putmulti of the sorted batch), mdb_dump of the orders database.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
TG=${TG:-$ROOT/build/trendguard}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
N=${BENCH_ROWS:-1000000}
SNAPS=${BENCH_SNAPSHOTS:-2000000}
RUNS=3
PKGS=$(sed -n "s/^PKGS := //p" "${TG_ROOT:-$ROOT}/Makefile")  # link flags exactly as the Makefile
now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t <= 0) print "-"; else printf "%.0f", n / t }'; }
fmt() { awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else { s = sprintf("%.0f", x); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }; print s o } }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
cpu_of() { awk '{ print $1 + $2 }' "$1"; } # file holding "%U %S"

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
load=$(cut -d' ' -f1 /proc/loadavg)

# 1. ingest (into a fresh store each run; the last one is kept for the export)
ing_w=() ing_c=() rss=()
for i in $(seq $RUNS); do
    rm -rf "$tmp/st"
    printf '[store]\npath = %s/st\n[privacy]\npepper_env = TG_BENCH_PEPPER\n' "$tmp" > "$tmp/b.ini"
    t0=$(now)
    /usr/bin/time -f '%U %S %M' -o "$tmp/ingest.time" "$TG" ingest orders "$tmp/orders.csv" -c "$tmp/b.ini" --quiet > "$tmp/ingest.out" 2> "$tmp/ingest.err"
    t1=$(now)
    grep -q "stored $N," "$tmp/ingest.out" || { echo "ingest failed: $(cat "$tmp/ingest.out") $(tail -5 "$tmp/ingest.err")" >&2; exit 1; }
    ing_w+=("$(rate "$N" "$(elapsed "$t0" "$t1")")")
    ing_c+=("$(rate "$N" "$(cpu_of "$tmp/ingest.time")")")
    rss+=("$(awk '{ printf "%.0f", $3 / 1024 }' "$tmp/ingest.time")")
done
peer_ing="-"
if command -v sqlite3 > /dev/null; then
    p=()
    for i in $(seq $RUNS); do
        rm -f "$tmp/peer.sqlite"
        p0=$(now)
        printf '.mode csv\n.import %s orders\n' "$tmp/orders.csv" | sqlite3 "$tmp/peer.sqlite" 2>/dev/null
        p1=$(now)
        p+=("$(rate "$N" "$(elapsed "$p0" "$p1")")")
    done
    rm -f "$tmp/peer.sqlite"
    peer_ing="sqlite3 .import (no validation, no HMAC): $(fmt "$(median "${p[@]}")") rows/s"
fi
echo "| store | ingest ${N} orders | $(fmt "$(median "${ing_w[@]}")") rows/s wall, $(fmt "$(median "${ing_c[@]}")") per CPU-s; peak RSS $(median "${rss[@]}") MB (load $load, $(nproc) cores) | ≥ 500,000 rows/s | $peer_ing |"

# 2. snapshot writes (a downstream program linked with libtrendguard.a)
cc -std=c11 -O2 -I"$ROOT/include" -o "$tmp/downstream" "$ROOT/tests/fixtures/store/downstream.c" \
   "$ROOT/build/libtrendguard.a" $(pkg-config --libs $PKGS) -lm -lpthread || exit 1
snap_run() { # mode -> "wall_rate cpu_rate"
    rm -rf "$tmp/snap.lmdb"
    local r
    r=$(/usr/bin/time -f '%U %S' -o "$tmp/snap.time" "$tmp/downstream" bench-snapshots "$tmp/snap.lmdb" "$SNAPS" 100000 "$1" | awk '{ print $6 }')
    [ -n "$r" ] || { echo "downstream bench-snapshots $1 failed" >&2; exit 1; }
    echo "$r $(rate "$SNAPS" "$(cpu_of "$tmp/snap.time")")"
}
sb_w=() sb_c=() ss_w=()
for i in $(seq $RUNS); do
    read -r w c <<< "$(snap_run batch)"; sb_w+=("$w"); sb_c+=("$c")
    read -r w c <<< "$(snap_run single)"; ss_w+=("$w")
done
rm -rf "$tmp/snap.lmdb"
peer_snap="-"
if /usr/bin/python3 -c 'import lmdb' 2>/dev/null; then
    py() { # mode -> writes/s
        rm -rf "$tmp/peer.lmdb"
        /usr/bin/python3 - "$tmp/peer.lmdb" "$SNAPS" "$1" <<'PY'
import lmdb, struct, sys, time
env = lmdb.open(sys.argv[1], map_size=1 << 32, max_dbs=4)
db = env.open_db(b"snapshots")
n, batch, mode = int(sys.argv[2]), 100000, sys.argv[3]
def key(i):  # the same (video, time) keys as downstream.c bench-snapshots
    return struct.pack(">QQ", 7300000000000000000 + i % 10000, (1700000000 + (i // 10000) * 900) ^ (1 << 63))
t0 = time.monotonic()
for b0 in range(0, n, batch):
    with env.begin(write=True) as txn:
        items = [(key(i), bytes([1, (i * 2) & 0x7f, 0, 0, 1])) for i in range(b0, min(n, b0 + batch))]
        if mode == "put":
            for k, v in items:
                txn.put(k, v, db=db)
        else:
            items.sort()
            txn.cursor(db=db).putmulti(items)
print(round(n / (time.monotonic() - t0)))
PY
    }
    pp=() pm=()
    for i in $(seq $RUNS); do pp+=("$(py put)"); pm+=("$(py putmulti)"); done
    rm -rf "$tmp/peer.lmdb"
    peer_snap="python3-lmdb, same keys and batches: put $(fmt "$(median "${pp[@]}")")/s, sorted putmulti $(fmt "$(median "${pm[@]}")")/s"
fi
echo "| store | snapshot writes, $(fmt "$SNAPS") in txns of 100k, tg_store_put_snapshots | $(fmt "$(median "${sb_w[@]}")")/s wall, $(fmt "$(median "${sb_c[@]}")") per CPU-s (one tg_store_put_snapshot each: $(fmt "$(median "${ss_w[@]}")")/s) | ≥ 1,000,000/s | $peer_snap |"

# 3. export orders (the store of the last ingest run)
ex_w=() ex_c=()
for i in $(seq $RUNS); do
    rm -f "$tmp/export.csv"
    t0=$(now)
    /usr/bin/time -f '%U %S' -o "$tmp/export.time" "$TG" export orders -c "$tmp/b.ini" --out "$tmp/export.csv" 2> /dev/null || exit 1
    t1=$(now)
    rows=$(( $(wc -l < "$tmp/export.csv") - 1 ))
    [ "$rows" -eq "$N" ] || { echo "export wrote $rows rows" >&2; exit 1; }
    ex_w+=("$(rate "$rows" "$(elapsed "$t0" "$t1")")")
    ex_c+=("$(rate "$rows" "$(cpu_of "$tmp/export.time")")")
done
peer_exp="-"
if command -v mdb_dump > /dev/null; then
    p=()
    for i in $(seq $RUNS); do
        p0=$(now); mdb_dump -s orders "$tmp/st" > "$tmp/peer.dump"; p1=$(now)
        p+=("$(rate "$N" "$(elapsed "$p0" "$p1")")")
    done
    peer_exp="mdb_dump -s orders (raw hex): $(fmt "$(median "${p[@]}")") rows/s"
fi
echo "| store | export ${N} orders as CSV (--out FILE) | $(fmt "$(median "${ex_w[@]}")") rows/s wall, $(fmt "$(median "${ex_c[@]}")") per CPU-s | ≥ 2,000,000 rows/s | $peer_exp |"
