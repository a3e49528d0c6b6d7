#!/bin/bash
# Signals and a long ingest: `trendguard ingest orders` of a large file is
# stopped by SIGTERM and by SIGINT part-way. ingest installs no handler, so it
# ends at once by the signal (status 143 / 130); LMDB aborts the open write
# transaction, so only whole batches are in the store. The store must then
# open (store stats, python3-lmdb), and ingesting the file again must finish
# with every row stored exactly once (ingest is idempotent).
set -u
TG=${TG:-build/trendguard}
d=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$d"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cp "$TG" "$d/tg" 2>/dev/null || { sleep 2; cp "$TG" "$d/tg"; } || fail "cannot copy $TG"
TG=$d/tg
cd "$d"
rows=600000
awk -v n=$rows 'BEGIN {
    print "order_id,customer_id,product_id,purchase_time,price_paid,customer_age,zip"
    for (i = 1; i <= n; i++)
        printf "O-%07d,cust-%d,P-%d,2026-0%d-%02dT10:00:00Z,%d.50,%d,%05d\n",
            i, i % 9973, i % 40, 1 + i % 9, 1 + i % 28, 5 + i % 90, 18 + i % 60, i % 99999
}' >orders.csv
for sig in TERM INT; do # one store per signal
    printf '[store]\npath = s%s\n[privacy]\npepper_env = TG_SIG_PEPPER\n' $sig >$sig.ini
done
export TG_SIG_PEPPER=signals-test-pepper

orders_in_store() { # ini
    "$TG" store stats -c "$1" --format json | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)["databases"]["orders"]["entries"])'
}

for sig in TERM INT; do
    # env --default-signal: a background job of a script starts with SIGINT ignored
    env --default-signal=INT "$TG" ingest orders orders.csv -c $sig.ini --batch 20000 \
        >/dev/null 2>ingest.log &
    pid=$!
    # wait until some batches are committed
    for _ in $(seq 200); do
        [ -s s$sig/data.mdb ] && [ "$(stat -c %s s$sig/data.mdb)" -gt 4000000 ] && break
        sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null || fail "ingest finished before SIG$sig (make the file bigger)"
    kill -"$sig" "$pid"
    waited=0
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt 50 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -0 "$pid" 2>/dev/null && fail "ingest still running 5 s after SIG$sig"
    wait "$pid"
    rc=$?
    pid=
    want=$((128 + $(kill -l "$sig")))
    [ $rc -eq $want ] || fail "ingest exited $rc after SIG$sig, want $want"
    n=$(orders_in_store $sig.ini) || fail "store stats after SIG$sig"
    echo "SIG$sig: exit $rc, $n of $rows orders committed"
    [ "$n" -lt $rows ] || fail "SIG$sig landed after the end"
    [ $((n % 20000)) -eq 0 ] || fail "$n orders: not whole batches"
done

/usr/bin/python3 - sTERM <<'PY' || fail "python3-lmdb cannot read the store"
import lmdb, sys
env = lmdb.open(sys.argv[1], readonly=True, lock=False, max_dbs=64)
with env.begin() as txn:
    db = env.open_db(b"orders", txn=txn, create=False)
    print("python3-lmdb: orders", sum(1 for _ in txn.cursor(db=db)))
PY
"$TG" ingest orders orders.csv -c TERM.ini --batch 20000 >/dev/null 2>&1 || fail "ingest again"
n=$(orders_in_store TERM.ini)
[ "$n" -eq $rows ] || fail "$n orders after a full ingest, want $rows"
echo "after a full ingest: $n orders, each once"
echo ok
