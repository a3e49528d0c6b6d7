#!/bin/bash
# Exports: every kind in CSV and JSONL, --from/--to, --out, formula escaping,
# the price aggregation (median/min/max/count per source and day, drop vs
# retail), the SVG chart, pseudonyms only, usage errors.
set -u
FIX="$TG_ROOT/tests/fixtures/store"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"
BUILD_DIR=${TG_BUILD:-$TG_ROOT/build}
PKGS=$(sed -n "s/^PKGS := //p" "${TG_ROOT:-$ROOT}/Makefile")  # link flags exactly as the Makefile
SAN=""; case "$BUILD_DIR" in */san) SAN="-fsanitize=address,undefined";; esac
cc -std=c11 -O1 $SAN -I"$TG_ROOT/include" -o downstream "$TG_ROOT/tests/fixtures/store/downstream.c" \
   "$BUILD_DIR/libtrendguard.a" $(pkg-config --libs $PKGS) -lm -lpthread || fail "build downstream"
./downstream populate st || fail populate
export TG_TEST_PEPPER=pep
printf '[store]\npath = st\n[privacy]\npepper_env = TG_TEST_PEPPER\n' > t.ini
"$TG" ingest products "$FIX/products.csv" -c t.ini > /dev/null 2>&1 || fail "products"
"$TG" ingest orders "$FIX/orders_good.csv" -c t.ini > /dev/null 2>&1 || fail "orders"
"$TG" ingest returns "$FIX/returns.csv" -c t.ini > /dev/null 2>&1 || fail "returns"

# series, with a day window
"$TG" export series --hashtag stanleycup -c t.ini --from 2026-03-16 --to 2026-03-17 > s.csv || fail "series"
cat > s.want <<'W'
hashtag,day,videos,new_videos,authors,views,likes,comments,shares,top_author_share,bot_score
stanleycup,2026-03-16,11,1,3,2000,100,10,1,0.25,0.1
stanleycup,2026-03-17,12,2,3,3000,200,20,2,0.25,0.1
W
diff -u s.want s.csv || fail "series csv"
"$TG" export series --hashtag stanleycup -c t.ini --format jsonl > s.jsonl || fail "series jsonl"
python3 - s.jsonl <<'PY' || fail "series jsonl content"
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
assert len(rows)==5 and rows[0]["day"]=="2026-03-15" and rows[4]["bot_score"] is None, rows
PY

# videos: CSV quoting and formula escaping; JSON ids as strings
"$TG" export videos --hashtag stanleycup -c t.ini --out v.csv 2> v.err || fail "videos"
grep -q '3 rows to v.csv' v.err || fail "videos --out message $(cat v.err)"
python3 - v.csv <<'PY' || fail "videos csv"
import csv,sys
rows=list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows)==3, rows
assert rows[0]["description"]=='my cup, "new"', rows[0]
assert rows[1]["description"].startswith("'="), rows[1]   # formula neutralised
assert rows[2]["video_id"]=="7300000000000000003" and rows[2]["views"]=="900" and rows[2]["comments"]=="", rows[2]
PY
"$TG" export videos --hashtag stanleycup -c t.ini --format jsonl | python3 -c '
import json,sys
r=[json.loads(l) for l in sys.stdin]
assert r[0]["video_id"]=="7300000000000000001" and r[0]["comments"] is None, r[0]' || fail "videos jsonl"
"$TG" export videos --hashtag stanleycup -c t.ini --from 2026-03-15T02:30:00Z | grep -c '^73' | grep -qx 1 || fail "videos --from"

# prices: aggregation and drop vs retail (fixture: ebay 40,41,42 / poshmark 43,44 on day 0)
"$TG" export prices --product P-CUP -c t.ini --svg chart.svg > p.csv || fail "prices"
head -3 p.csv > p3
cat > p.want <<'W'
product_id,day,source,count,median,min,max,retail_price,drop_pct
P-CUP,2026-03-15,ebay,3,41,40,42,45,8.89
P-CUP,2026-03-15,poshmark,2,43.5,43,44,45,3.33
W
diff -u p.want p3 || fail "prices aggregation"
[ "$(grep -c . p.csv)" -eq 7 ] || fail "prices rows"
"$TG" export prices --product P-CUP -c t.ini --to 2026-03-15 --format jsonl | grep -c . | grep -qx 2 || fail "prices --to"
python3 - chart.svg <<'PY' || fail "svg"
import sys, xml.etree.ElementTree as ET
ns={"s":"http://www.w3.org/2000/svg"}
root=ET.parse(sys.argv[1]).getroot()
assert root.get("role")=="img"
assert "P-CUP" in root.find("s:title",ns).text
assert "retail price 45.00" in root.find("s:desc",ns).text
texts=[t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
assert "Day (UTC)" in texts and "Price" in texts, texts
assert len(list(root.iter("{http://www.w3.org/2000/svg}polyline")))==2
PY

# orders: pseudonym only, joined with returns
"$TG" export orders -c t.ini > o.csv || fail "orders"
! grep -q 'cust-' o.csv || fail "raw customer id exported"
python3 - o.csv <<'PY' || fail "orders csv"
import csv,sys,hmac,hashlib
rows={r["order_id"]:r for r in csv.DictReader(open(sys.argv[1], newline=""))}
assert rows["O-1"]["customer"]==hmac.new(b"pep",b"cust-alice",hashlib.sha256).hexdigest()
assert rows["O-1"]["returned"]=="1" and rows["O-1"]["return_reason"]=="changed my mind"
assert rows["O-2"]["returned"]=="1" and rows["O-2"]["return_reason"]=="" and rows["O-2"]["age"]==""
PY
"$TG" export orders -c t.ini --to 2026-03-14T05:00:00Z --format jsonl > ot.jsonl || fail "orders --to"
[ "$(grep -c . ot.jsonl)" -eq 1 ] && grep -q '"order_id":"O-2"' ot.jsonl || fail "orders --to: $(cat ot.jsonl)"

# predictions
"$TG" export predictions -c t.ini > pr.csv || fail "predictions"
grep -qx 'O1,0.812500,email_offer,trend_age;price_drop,2026-03-15T00:00:00Z,model-1' pr.csv || fail "predictions: $(cat pr.csv)"

# usage errors
"$TG" export series -c t.ini > /dev/null 2>&1; [ $? -eq 64 ] || fail "series without --hashtag"
"$TG" export orders --svg x.svg -c t.ini > /dev/null 2>&1; [ $? -eq 64 ] || fail "--svg on orders"
"$TG" export orders --from nope -c t.ini > /dev/null 2>&1; [ $? -eq 64 ] || fail "bad --from"
"$TG" export orders --store nowhere > /dev/null 2>&1; [ $? -eq 66 ] || fail "missing store"
"$TG" export --help | grep -q 'drop_pct' || fail help
echo ok
