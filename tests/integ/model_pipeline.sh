#!/bin/bash
# The regret model end to end on a small simulated world (no crawl, so the
# trend features are NAN): sim world -> ingest -> train -> score -> eval.
# Checks the outputs and their keys, reproducibility of training, stored
# predictions, scoring from a model directory, tiers, and eval's numbers
# (AUC on the validation period must beat chance; the ratio to the oracle is
# printed for the report, not asserted against the 0.97 demo goal).
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"
export TG_TEST_PEPPER=model-test-pepper
printf '[store]\npath = st\nmap_size_mb = 256\n[privacy]\npepper_env = TG_TEST_PEPPER\n[model]\nrounds = 150\n' > t.ini

"$TG" sim world --seed 11 --products 20 --orders 8000 --days 120 --out w > sim.txt || fail "sim world"
for k in products orders returns reviews zips; do
    "$TG" ingest $k w/$k.csv -c t.ini > /dev/null 2>&1 || fail "ingest $k"
done

"$TG" train --help | grep -q -- '--valid-from' || fail "train --help"
"$TG" train -c t.ini > /dev/null 2>&1; [ $? -eq 64 ] || fail "train without --out must be a usage error"
"$TG" train -c t.ini --out m1 > train1.txt 2> train1.err || fail "train: $(cat train1.err)"
for f in model.json features.json report.json report.txt; do [ -s m1/$f ] || fail "m1/$f missing"; done
grep -q 'baseline(logreg)' train1.txt || fail "report.txt not printed"
/usr/bin/python3 - m1/report.json m1/features.json <<'PY' || fail "report.json"
import json, sys, math
r = json.load(open(sys.argv[1])); f = json.load(open(sys.argv[2]))
for k in ["auc","pr_auc","logloss","brier","base_rate","threshold","precision","recall","f1",
          "accuracy","confusion","top_decile_precision","calibration","importance","split",
          "imputed_labels","baseline"]:
    assert k in r, k
c = r["confusion"]; s = r["split"]
assert c["tp"] + c["fp"] + c["tn"] + c["fn"] == s["n_valid"], (c, s)
assert s["n_train"] > 3000 and s["n_valid"] > 1000, s
assert s["train_to"] <= s["valid_from"], s
assert 0.55 < r["auc"] <= 1 and 0.5 < r["baseline"]["auc"] <= 1, r["auc"]
assert 0 < r["base_rate"] < 0.6
assert len(r["calibration"]) == 10 and sum(b["n"] for b in r["calibration"]) == s["n_valid"]
assert set(r["importance"]) == set(f["features"]) and len(f["features"]) == 24
assert r["importance"]["days_since_peak"] == 0  # no crawl: trend features are all NAN
assert sum(r["importance"].values()) > 0
print("train auc", r["auc"], "baseline", r["baseline"]["auc"], "valid_from", s["valid_from"])
open("valid_from", "w").write(s["valid_from"])
PY
# seeded: a second run gives the same model
"$TG" train -c t.ini --out m2 --no-store > /dev/null 2>&1 || fail "train 2"
cmp <(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["auc"], r["best_iteration"])' m1/report.json) \
    <(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["auc"], r["best_iteration"])' m2/report.json) \
    || fail "training is not reproducible"
# --valid-from moves the split
"$TG" train -c t.ini --out m3 --no-store --valid-from 2026-03-01 --until 2026-04-15 > /dev/null 2>&1 || fail "train --valid-from"
/usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["split"]; assert s["valid_from"]=="2026-03-01", s' m3/report.json || fail "valid-from ignored"

# score from the store's model (and store the predictions)
"$TG" score -c t.ini --orders w/orders.csv --out preds.csv 2> score.err || fail "score: $(cat score.err)"
head -1 preds.csv | grep -qx 'order_id,regret_risk,tier,reasons,purchase_time' || fail "score header"
[ "$(wc -l < preds.csv)" -eq 8001 ] || fail "score rows $(wc -l < preds.csv)"
"$TG" store get --db predictions O0000042 -c t.ini | grep -q '"model_id":"m' || fail "prediction not stored"
# the same model from its directory gives the same risks; stdin and jsonl work
head -201 w/orders.csv | "$TG" score -c t.ini --orders - --model m1 --format jsonl --no-store > p.jsonl \
    || fail "score --model dir"
/usr/bin/python3 - p.jsonl preds.csv <<'PY' || fail "dir model differs from the stored model"
import json, sys, csv
a = {j["order_id"]: j["regret_risk"] for j in map(json.loads, open(sys.argv[1]))}
b = {r["order_id"]: float(r["regret_risk"]) for r in csv.DictReader(open(sys.argv[2]))}
assert len(a) == 200
for k, v in a.items(): assert abs(v - b[k]) < 1e-6, (k, v, b[k])
PY
# tiers follow the config
printf '[store]\npath = st\n[privacy]\npepper_env = TG_TEST_PEPPER\n[interventions]\nemail_offer_at = 0.3\nsms_at = 0.2\n' > lo.ini
"$TG" score -c lo.ini --orders w/orders.csv --no-store --no-reasons > lo.csv 2>/dev/null || fail "score lo"
/usr/bin/python3 - lo.csv <<'PY' || fail "tiers"
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    x = float(r["regret_risk"]); t = r["tier"]
    assert t == ("email_offer" if x >= 0.3 else "sms_reminder" if x >= 0.2 else "none"), r
    assert r["reasons"] == ""
PY
# a new order (not in the store) is scored from its CSV columns
printf 'order_id,customer_id,product_id,purchase_time,price_paid,customer_age,zip\nNEW1,C000001,P0003,2026-04-20T10:00:00Z,25.00,31,10073\n' > new.csv
"$TG" score -c t.ini --orders new.csv --no-store | grep -q '^NEW1,0\.[0-9]*,' || fail "new order"

# eval against the truth on the validation period
vf=$(cat valid_from)
"$TG" eval --truth w/truth/regret.csv --predictions preds.csv --from "$vf" --format json > ev.json || fail "eval"
cat ev.json
/usr/bin/python3 - ev.json <<'PY' || fail "eval numbers"
import json, sys
e = json.load(open(sys.argv[1]))
assert set(e) == {"auc", "oracle_auc", "ratio", "n"}, e
assert 1000 < e["n"] < 8000, e
assert e["auc"] > 0.55 and e["oracle_auc"] > 0.55, e
assert abs(e["ratio"] - e["auc"] / e["oracle_auc"]) < 2e-3, e
PY
# eval fails cleanly on a file without the columns
echo 'a,b' > bad.csv
"$TG" eval --truth w/truth/regret.csv --predictions bad.csv > /dev/null 2>&1; [ $? -eq 65 ] || fail "eval bad file rc"
echo ok
