#!/bin/bash
# trendguard store stats|get|scan|backup: output shapes, prefixes, limits,
# key forms per database, exit codes, -c and --store.
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"
BUILD_DIR=${TG_BUILD:-$TG_ROOT/build}
PKGS=$(sed -n "s/^PKGS := //p" "${TG_ROOT:-$ROOT}/Makefile")  # link flags exactly as the Makefile
SAN=""; case "$BUILD_DIR" in */san) SAN="-fsanitize=address,undefined";; esac
cc -std=c11 -O1 $SAN -I"$TG_ROOT/include" -o downstream "$TG_ROOT/tests/fixtures/store/downstream.c" \
   "$BUILD_DIR/libtrendguard.a" $(pkg-config --libs $PKGS) -lm -lpthread || fail "build downstream"
./downstream populate st || fail populate
printf '[store]\npath = st\n' > t.ini

"$TG" store stats --format json -c t.ini > s.json || fail "stats json"
python3 - s.json <<'PY' || fail "stats json shape: $(cat s.json)"
import json, re, sys
s = json.load(open(sys.argv[1]))
assert set(s) == {"databases", "last_write"}, s
d = s["databases"]
assert d["hashtag_days"] == {"entries": 5, "bytes": d["hashtag_days"]["bytes"]} and d["hashtag_days"]["bytes"] > 0
assert d["snapshots"]["entries"] == 9 and d["videos"]["entries"] == 3 and d["prices"]["entries"] == 15
assert d["video_tags"]["entries"] == 6 and d["orders"]["entries"] == 0
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s["last_write"]), s
PY
"$TG" store stats --store st | grep -Eq '^hashtag_days +5 +[0-9]+$' || fail "stats text"

"$TG" store scan --db hashtag_days --prefix stanleycup --limit 2 --store st > scan.out || fail scan
[ "$(grep -c . scan.out)" -eq 2 ] || fail "limit: $(cat scan.out)"
head -1 scan.out | grep -q '^{"hashtag":"stanleycup","day":"2026-03-15","videos":10,' || fail "scan decode: $(head -1 scan.out)"
"$TG" store scan --db hashtag_days --prefix nope --store st | grep -c . | grep -qx 0 || fail "empty prefix"
"$TG" store scan --db snapshots --prefix 7300000000000000002 --store st | grep -c '"video_id":"7300000000000000002"' | grep -qx 3 || fail "snapshots by video prefix"
"$TG" store get --db videos 7300000000000000001 --store st | grep -q '"username":"user1"' || fail "get video"
"$TG" store get --db trends stanleycup --store st | grep -q '"is_bot":false' || fail "get trend"
"$TG" store get --db meta schema_version --store st | grep -qx '{"key":"schema_version","value":"1"}' || fail "get meta"
"$TG" store get --db products 502d43555000 --hex --store st | grep -q '"product_id":"P-CUP"' || fail "get --hex"
"$TG" store scan --db frontier --store st | grep -c . | grep -qx 0 || fail "empty raw db"

"$TG" store get --db products NOPE --store st > /dev/null 2>&1; [ $? -eq 66 ] || fail "missing key exit"
"$TG" store scan --db bogus --store st > /dev/null 2>&1; [ $? -eq 64 ] || fail "bad db exit"
"$TG" store get KEY --store st > /dev/null 2>&1; [ $? -eq 64 ] || fail "get without --db"
"$TG" store stats --store nowhere > /dev/null 2>&1; [ $? -eq 66 ] || fail "missing store exit"
"$TG" store frobnicate --store st > /dev/null 2>&1; [ $? -eq 64 ] || fail "bad verb"

"$TG" store backup bk --store st > /dev/null || fail backup
"$TG" store scan --db prices --store bk > b.dump && "$TG" store scan --db prices --store st > a.dump || fail "scan backup"
cmp -s a.dump b.dump || fail "backup differs"
"$TG" store backup bk --store st > /dev/null 2>&1; [ $? -eq 73 ] || fail "backup over an existing store must refuse"
"$TG" store --help | grep -q 'backup DIR' || fail help
echo ok
