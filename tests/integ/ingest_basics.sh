#!/bin/bash
# Retailer ingest: every bad-row reason with FILE:LINE, --strict, idempotent
# re-ingest, changed rows update, pseudonyms (no raw customer id in the store),
# the pepper from the environment or from meta, stdin, exit codes.
set -u
FIX="$TG_ROOT/tests/fixtures/store"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"
printf '[store]\npath = st\n[privacy]\npepper_env = TG_TEST_PEPPER\n' > t.ini
unset TG_TEST_PEPPER

"$TG" ingest products "$FIX/products.csv" -c t.ini > out 2> err || fail "products rc=$?"
grep -q 'read 2, stored 2, skipped 0' out || fail "products summary: $(cat out)"
"$TG" store get --db products P-CUP -c t.ini > p.json || fail "get product"
python3 - p.json <<'PY' || fail "product fields"
import json,sys
p=json.load(open(sys.argv[1]))
assert p["name"]=='Quencher, 40oz "H2.0"', p
assert p["hashtags"]=="stanleycup;cup", p
assert p["price"]==45 and p["launch_date"]=="2023-09-01T00:00:00Z", p
PY
"$TG" store get --db products P-BAG -c t.ini | grep -q '"name":"Belt\\r\\nBag"' || fail "multi-line quoted field"

# every bad-row reason, reported as FILE:LINE: reason
"$TG" ingest orders "$FIX/orders_bad.csv" -c t.ini --format json > sum.json 2> err; rc=$?
[ $rc -eq 0 ] || fail "orders_bad rc=$rc"
grep -q 'created a random pepper' err || fail "no pepper warning: $(cat err)"
for want in 'orders_bad.csv:3: bad number: price_paid' 'orders_bad.csv:4: bad time: purchase_time' \
            'orders_bad.csv:5: value out of range: customer_age' 'orders_bad.csv:6: missing required value: customer_id' \
            'orders_bad.csv:8: wrong number of fields' 'orders_bad.csv:9: malformed CSV: quote inside an unquoted field' \
            'orders_bad.csv:10: malformed CSV: text after a closing quote' 'orders_bad.csv:11: bad time: purchase_time' \
            'orders_bad.csv:12: value out of range: price_paid' 'orders_bad.csv:14: invalid UTF-8' \
            'orders_bad.csv:15: missing required value: order_id' 'orders_bad.csv:16: id too long: order_id'; do
    grep -qF "$want" err || fail "missing report '$want'; got: $(cat err)"
done
python3 - sum.json <<'PY' || fail "summary json: $(cat sum.json)"
import json,sys
s=json.load(open(sys.argv[1]))
assert s["read"]==15 and s["stored"]==3 and s["skipped"]==12, s
assert s["skipped_by_reason"]=={"bad_number":1,"bad_time":2,"range":2,"missing":2,"fields":1,"csv":2,"utf8":1,"id_too_long":1}, s
assert s["unknown_refs"]==1, s
PY
# the raw customer ids never reach the store
for id in cust-alice cust-erin cust-jo; do
    ! grep -qa -- "$id" st/data.mdb || fail "raw customer id $id in data.mdb"
done
"$TG" store scan --db meta -c t.ini | grep -q '"pepper","value":"(secret, 32 bytes)"' || fail "pepper not masked"

# a record longer than the 1 MiB bound
python3 -c '
print("order_id,customer_id,product_id,purchase_time,price_paid,customer_age,zip")
print("O-big,c," + "x"*1100000 + ",2026-03-14,1,1,1")
print("O-after,c,P-CUP,2026-03-14,1,1,1")' > big.csv
"$TG" ingest orders big.csv -c t.ini > out 2> err || fail "big rc=$?"
grep -q 'big.csv:2: record too long' err || fail "too long: $(cat err)"
grep -q 'read 2, stored 1, skipped 1' out || fail "big summary $(cat out)"

# idempotent: same file again gives an identical dump; same pepper from meta
"$TG" ingest orders "$FIX/orders_good.csv" -c t.ini > /dev/null 2>&1 || fail "good"
"$TG" store scan --db orders -c t.ini > d1
"$TG" ingest orders "$FIX/orders_good.csv" -c t.ini > /dev/null 2> err || fail "good again"
! grep -q 'random pepper' err || fail "pepper re-created"
"$TG" store scan --db orders -c t.ini > d2
cmp -s d1 d2 || fail "re-ingest changed the store"
[ "$(grep -c . d1)" -eq 5 ] || fail "expected 5 orders, got $(cat d1)"
# a changed row updates its record
sed 's/19.50/21.00/' "$FIX/orders_good.csv" | "$TG" ingest orders - -c t.ini > out 2>&1 || fail "stdin"
"$TG" store get --db orders O-1 -c t.ini | grep -q '"price_paid":21,' || fail "update"
# same customer -> same pseudonym; differs from a different pepper
c1=$("$TG" store get --db orders O-1 -c t.ini | python3 -c 'import json,sys;print(json.load(sys.stdin)["customer"])')
[ ${#c1} -eq 64 ] || fail "pseudonym hex $c1"
TG_TEST_PEPPER=other "$TG" ingest orders "$FIX/orders_good.csv" -c t.ini > /dev/null 2> err || fail "env pepper"
! grep -q 'random pepper' err || fail "warned despite env pepper"
c2=$("$TG" store get --db orders O-1 -c t.ini | python3 -c 'import json,sys;print(json.load(sys.stdin)["customer"])')
[ "$c1" != "$c2" ] || fail "pepper from env not used"
expect=$(python3 -c 'import hmac,hashlib;print(hmac.new(b"other",b"cust-alice",hashlib.sha256).hexdigest())')
[ "$c2" = "$expect" ] || fail "pseudonym is not HMAC-SHA256(pepper,id): $c2 vs $expect"

# --strict: any bad row refuses the whole file
"$TG" store stats --format json -c t.ini > s1
"$TG" ingest orders "$FIX/orders_bad.csv" -c t.ini --strict --quiet > out 2> err; rc=$?
[ $rc -eq 65 ] || fail "strict rc=$rc"
grep -q 'nothing written' err || fail "strict message $(cat err)"
"$TG" store stats --format json -c t.ini > s2
python3 -c 'import json,sys;a=json.load(open("s1"));b=json.load(open("s2"));assert a["databases"]==b["databases"]' || fail "strict wrote"
"$TG" ingest returns "$FIX/returns.csv" -c t.ini --strict > out 2>&1 || fail "strict good file rc=$?"
grep -q 'stored 2' out || fail "strict good $(cat out)"

# other kinds
"$TG" ingest reviews "$FIX/reviews.csv" -c t.ini > out 2> err || fail "reviews"
grep -q 'reviews.csv:3: value out of range: rating' err || fail "rating range $(cat err)"
grep -q 'read 3, stored 2, skipped 1' out || fail "reviews summary $(cat out)"
"$TG" ingest zips "$FIX/zips.csv" -c t.ini > out 2> err || fail "zips"
grep -q 'zips.csv:3: bad number: median_income' err || fail "zips $(cat err)"

# header problems, all-bad files, I/O errors, usage
printf 'order_id,customer_id\nO,c\n' > hdr.csv
"$TG" ingest orders hdr.csv -c t.ini > out 2> err; rc=$?
[ $rc -eq 65 ] || fail "missing column rc=$rc"
grep -q 'hdr.csv:1: missing column product_id' err || fail "header msg $(cat err)"
printf 'zip,median_income\nx,y\n' > allbad.csv
"$TG" ingest zips allbad.csv -c t.ini > /dev/null 2>&1; rc=$?
[ $rc -eq 65 ] || fail "all-bad rc=$rc"
"$TG" ingest zips /nonexistent.csv -c t.ini > /dev/null 2>&1; rc=$?
[ $rc -eq 74 ] || fail "missing file rc=$rc"
"$TG" ingest nonsense x.csv -c t.ini > /dev/null 2>&1; rc=$?
[ $rc -eq 64 ] || fail "bad kind rc=$rc"
"$TG" ingest --help | grep -q 'order_id,customer_id,product_id,purchase_time,price_paid,customer_age,zip' || fail "help"
echo ok
