#!/bin/bash
# docs/STORE.md's Python example (python3-lmdb, layout only) reads a store the
# binary wrote and agrees with `trendguard export`.
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
/usr/bin/python3 -c 'import lmdb' 2>/dev/null || { echo "skip: /usr/bin/python3 has no lmdb module"; exit 77; }
cd "$tmp"
BUILD_DIR=${TG_BUILD:-$TG_ROOT/build}
PKGS=$(sed -n "s/^PKGS := //p" "${TG_ROOT:-$ROOT}/Makefile")  # link flags exactly as the Makefile
SAN=""; case "$BUILD_DIR" in */san) SAN="-fsanitize=address,undefined";; esac
cc -std=c11 -O1 $SAN -I"$TG_ROOT/include" -o downstream "$TG_ROOT/tests/fixtures/store/downstream.c" \
   "$BUILD_DIR/libtrendguard.a" $(pkg-config --libs $PKGS) -lm -lpthread || fail "build downstream"
./downstream populate st || fail populate
awk '/^```python$/{on=1;next} /^```$/{on=0} on' "$TG_ROOT/docs/STORE.md" > example.py
[ -s example.py ] || fail "no python block in docs/STORE.md"
/usr/bin/python3 example.py st stanleycup P-CUP > py.out || fail "example failed"
cat py.out
[ "$(grep -c '^day ' py.out)" -eq 5 ] || fail "series rows"
grep -qx 'day 20528 videos 11 views 2000 bot_score 0.1' py.out || fail "series decode"
grep -qx 'day 20531 videos 14 views 5000 bot_score nan' py.out || fail "NaN decode"
[ "$(grep -c '^price ' py.out)" -eq 15 ] || fail "price rows"
grep -qx 'price 1773532800 ebay L0-0 40.00 active' py.out || fail "price decode"
grep -qx 'price 1773532920 ebay L0-2 42.00 active' py.out || fail "price decode 2"
grep -qx 'price 1773705840 poshmark L2-4 34.00 active' py.out || fail "price decode 3"
# the same numbers through the binary
"$TG" export series --hashtag stanleycup --store st | awk -F, 'NR>1{print $6}' > views.bin
grep '^day ' py.out | awk '{print $6}' > views.py
diff -u views.bin views.py || fail "python and export disagree"
echo ok
