#!/bin/bash
# Real data: the UCI Online Retail invoices (../shared) converted by
# scripts/online-retail-to-csv, ingested, and a plain return model trained
# (--label-any-return; no trend, review or zip data, so those features are
# NAN) on a time split. Prints the validation AUC; asserts it beats chance
# clearly and the logistic baseline is reported beside it.
set -u
DATA="$SHARED/data/uci_online_retail/online_retail.csv.gz"
[ -f "$DATA" ] || { echo "skip: ../shared absent (uci_online_retail)"; exit 77; }
[ -x "$TG_ROOT/scripts/online-retail-to-csv" ] || { echo "skip: scripts/online-retail-to-csv missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp"
export TG_TEST_PEPPER=retail-test
printf '[store]\npath = st\nmap_size_mb = 2048\n[privacy]\npepper_env = TG_TEST_PEPPER\n[model]\nrounds = 80\n' > t.ini
"$TG_ROOT/scripts/online-retail-to-csv" "$DATA" csv 2> conv.err || fail "convert: $(cat conv.err)"
for k in products orders returns; do
    "$TG" ingest $k csv/$k.csv -c t.ini --quiet > /dev/null 2>&1 || fail "ingest $k"
done
"$TG" train -c t.ini --out m --no-store --label-any-return --until 2011-10-01 > train.txt 2>&1 || fail "train: $(tail -5 train.txt)"
/usr/bin/python3 - m/report.json <<'PY' || fail "report"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["split"]
print("online retail return model: valid AUC %.4f (logistic baseline %.4f), n_train %d, n_valid %d, base rate %.4f"
      % (r["auc"], r["baseline"]["auc"], s["n_train"], s["n_valid"], r["base_rate"]))
assert r["label"].startswith("any return"), r["label"]
assert s["n_train"] > 100000 and s["n_valid"] > 30000, s
assert r["auc"] > 0.65, r["auc"]
assert r["importance"]["days_since_peak"] == 0 and r["importance"]["customer_return_rate"] > 0
PY
echo ok
