#!/bin/bash
# The real UCI Online Retail invoices: convert with scripts/online-retail-to-csv,
# ingest products, orders, returns; every converted row must be stored, every
# return must point at a stored order, and the export must not leak customer ids.
set -u
DATA="${SHARED:-$TG_ROOT/../shared}/data/uci_online_retail/online_retail.csv.gz"
[ -f "$DATA" ] || { echo "skip: ../shared absent (no $DATA)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"
"$TG_ROOT/scripts/online-retail-to-csv" "$DATA" csv 2> conv.err || fail "convert: $(cat conv.err)"
cat conv.err
grep -q '^online-retail: 541909 lines in;' conv.err || fail "converter did not read all 541909 invoice lines"
export TG_TEST_PEPPER=retail-test
printf '[store]\npath = st\nmap_size_mb = 64\n[privacy]\npepper_env = TG_TEST_PEPPER\n' > t.ini
for kind in products orders returns; do
    rows=$(( $(wc -l < csv/$kind.csv) - 1 ))
    [ "$rows" -gt 0 ] || fail "$kind.csv empty"
    "$TG" ingest $kind csv/$kind.csv -c t.ini --format json > $kind.json 2> $kind.err || fail "ingest $kind: $(tail -3 $kind.err)"
    cat $kind.json
    python3 - $kind.json $rows <<'PY' || fail "$kind summary"
import json, sys
s = json.load(open(sys.argv[1])); rows = int(sys.argv[2])
assert s["read"] == rows and s["stored"] == rows and s["skipped"] == 0, (s, rows)
assert s["unknown_refs"] == 0, s   # every order's product / every return's order exists
PY
done
# the converter's counts, cross-checked on the store itself
"$TG" store stats --format json -c t.ini > stats.json
python3 - stats.json conv.err <<'PY' || fail "store counts"
import json, re, sys
d = json.load(open(sys.argv[1]))["databases"]
m = re.search(r"(\d+) orders, (\d+) returns .* (\d+) products", open(sys.argv[2]).read())
orders, returns, products = map(int, m.groups())
assert d["orders"]["entries"] == orders and d["returns"]["entries"] == returns, d
assert d["products"]["entries"] == products, d
assert orders > 390000 and returns > 5000, (orders, returns)
PY
"$TG" export orders -c t.ini --to 2010-12-01 --out dec1.csv 2>/dev/null || fail "export"
! grep -q ',17850,' dec1.csv || fail "raw customer id in the export"
grep -q '^536365-1,[0-9a-f]\{64\},85123A,2010-12-01T08:26:00Z,15.3,' dec1.csv || fail "first order row: $(sed -n 2p dec1.csv)"
echo ok
