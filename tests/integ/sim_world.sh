#!/bin/bash
# `trendguard sim world`: same seed -> byte-identical files, another seed -> another
# world, the truth bands (base rate 12-20%, oracle AUC 0.80-0.90), file headers,
# 15% empty return reasons, usage errors.
set -u
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
PY=/usr/bin/python3
"$TG" sim world --seed 11 --out "$d/a" >"$d/a.out" || fail "world a"
"$TG" sim world --out "$d/b" --seed 11 >/dev/null || fail "world b (options in another order)"
"$TG" sim world --seed 12 --out "$d/c" >/dev/null || fail "world c"
files="products.csv orders.csv returns.csv reviews.csv zips.csv world.json truth/regret.csv truth/bots.csv truth/trends.csv truth/summary.json"
for f in $files; do
    [ -s "$d/a/$f" ] || fail "missing $f"
    cmp -s "$d/a/$f" "$d/b/$f" || fail "$f differs between two runs with the same seed"
done
cmp -s "$d/a/orders.csv" "$d/c/orders.csv" && fail "seed 12 gave the same orders as seed 11"
grep -q "oracle_auc=" "$d/a.out" || fail "no summary line"
# Headers exactly as the ingest formats expect.
[ "$(head -1 "$d/a/products.csv")" = "product_id,name,category,price,hashtags,resale_query,launch_date" ] || fail "products header"
[ "$(head -1 "$d/a/orders.csv")" = "order_id,customer_id,product_id,purchase_time,price_paid,customer_age,zip" ] || fail "orders header"
[ "$(head -1 "$d/a/returns.csv")" = "order_id,return_time,reason" ] || fail "returns header"
[ "$(head -1 "$d/a/reviews.csv")" = "review_id,product_id,review_time,rating,text" ] || fail "reviews header"
[ "$(head -1 "$d/a/zips.csv")" = "zip,median_income" ] || fail "zips header"
[ "$(head -1 "$d/a/truth/regret.csv")" = "order_id,p_true,regretted" ] || fail "regret header"
[ "$(head -1 "$d/a/truth/bots.csv")" = "hashtag,is_bot" ] || fail "bots header"
[ "$(head -1 "$d/a/truth/trends.csv")" = "hashtag,start,peak,decline,death" ] || fail "trends header"
[ "$(($(wc -l < "$d/a/orders.csv") - 1))" -eq 60000 ] || fail "default should be 60000 orders"
[ "$(($(wc -l < "$d/a/products.csv") - 1))" -eq 60 ] || fail "default should be 60 products"
$PY - "$d/a" <<'PYEOF' || fail "truth checks"
import csv, json, sys
d = sys.argv[1]
s = json.load(open(d + "/truth/summary.json"))
assert 0.12 <= s["base_rate"] <= 0.20, s["base_rate"]
assert 0.80 <= s["oracle_auc"] <= 0.90, s["oracle_auc"]
assert s["intervention_effect"]["email_offer"] < 0 and s["intervention_effect"]["sms_reminder"] < 0
rows = list(csv.DictReader(open(d + "/truth/regret.csv")))
assert len(rows) == s["counts"]["orders"]
rate = sum(int(r["regretted"]) for r in rows) / len(rows)
assert abs(rate - s["base_rate"]) < 1e-6, (rate, s["base_rate"])
# Recompute the oracle AUC from the file (Mann-Whitney with ties).
pairs = sorted((float(r["p_true"]), int(r["regretted"])) for r in rows)
pos = sum(y for _, y in pairs); neg = len(pairs) - pos
rank_sum = 0.0; i = 0
while i < len(pairs):
    j = i
    while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]: j += 1
    mid = (i + j) / 2 + 1
    rank_sum += mid * sum(y for _, y in pairs[i:j + 1]); i = j + 1
auc = (rank_sum - pos * (pos + 1) / 2) / (pos * neg)
assert abs(auc - s["oracle_auc"]) < 1e-4, (auc, s["oracle_auc"])
rets = list(csv.DictReader(open(d + "/returns.csv")))
blank = sum(1 for r in rets if r["reason"] == "") / len(rets)
assert 0.12 < blank < 0.18, blank
assert {r["reason"] for r in rets} == {"", "Regret", "Defective", "Wrong size"}
bots = list(csv.DictReader(open(d + "/truth/bots.csv")))
share = sum(int(b["is_bot"]) for b in bots) / len(bots)
assert 0.18 <= share <= 0.27, share
prods = list(csv.DictReader(open(d + "/products.csv")))
tags = {t for p in prods for t in p["hashtags"].split(";")}
assert tags == {b["hashtag"] for b in bots}
assert all(not t.startswith("#") and t for t in tags)
revs = list(csv.DictReader(open(d + "/reviews.csv")))
assert all(1 <= int(r["rating"]) <= 5 and r["text"] for r in revs)
print("truth ok", s["base_rate"], s["oracle_auc"])
PYEOF
# Smaller worlds work too and keep their own parameters.
"$TG" sim world --seed 3 --out "$d/s" --products 5 --days 30 --orders 500 --start 2025-06-01 >/dev/null || fail "small world"
[ "$(($(wc -l < "$d/s/orders.csv") - 1))" -eq 500 ] || fail "--orders ignored"
grep -q '"start": "2025-06-01"' "$d/s/world.json" || fail "--start not recorded"
# Usage.
"$TG" sim world --help | grep -q -- "--seed" || fail "help"
"$TG" sim world --out "$d/x" >/dev/null 2>&1; [ $? -eq 64 ] || fail "missing --seed should be 64"
"$TG" sim world --seed 1 --out "$d/x" --products 0 >/dev/null 2>&1; [ $? -eq 64 ] || fail "bad --products should be 64"
"$TG" sim world --seed 1 --out /proc/nope/x >/dev/null 2>&1; [ $? -eq 74 ] || fail "unwritable out should be 74"
"$TG" sim frob >/dev/null 2>&1; [ $? -eq 64 ] || fail "unknown sim verb should be 64"
"$TG" sim serve --help | grep -q -- "--fault-rate" || fail "serve help"
"$TG" sim serve >/dev/null 2>&1; [ $? -eq 64 ] || fail "serve without --world should be 64"
"$TG" sim serve --world "$d/a" --speed -1 >/dev/null 2>&1; [ $? -eq 64 ] || fail "negative speed should be 64"
"$TG" sim serve --world "$d/nope" >/dev/null 2>&1; [ $? -eq 66 ] || fail "missing world should be 66"
echo '{"format":"something else"}' > "$d/bad.json"; mkdir -p "$d/bad"; mv "$d/bad.json" "$d/bad/world.json"
"$TG" sim serve --world "$d/bad" >/dev/null 2>&1; [ $? -eq 65 ] || fail "bad world.json should be 65"
echo ok
