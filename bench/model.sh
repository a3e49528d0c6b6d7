#!/bin/bash
# Model benchmark on a simulated world of 500,000 orders (no crawl, so trend
# features are NAN): context + feature building and XGBoost training through
# the C API; the same parameters and number of rounds through Debian's
# python3-xgboost on the very same matrices (dumped by train --dump-matrix);
# batch scoring throughput (features as of each purchase + prediction).
# Prints markdown rows: | area | measure | result | goal | peers (same run) |
set -u
ORDERS=${BENCH_MODEL_ORDERS:-500000}
ROUNDS=${BENCH_MODEL_ROUNDS:-50}  # kept small so the script stays under ~2 minutes
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
export TG_BENCH_PEPPER=bench
printf '[store]\npath = st\nmap_size_mb = 4096\n[privacy]\npepper_env = TG_BENCH_PEPPER\n[model]\nrounds = %s\n' "$ROUNDS" > b.ini
"$TG" sim world --seed 5 --orders "$ORDERS" --out w >&2 || { echo "| model | FAILED (sim world) | - | - | - |"; exit 0; }
for k in products orders returns reviews zips; do
    "$TG" ingest $k w/$k.csv -c b.ini --quiet >&2 || { echo "| model | FAILED (ingest $k) | - | - | - |"; exit 0; }
done
t0=$(date +%s.%N)
"$TG" train -c b.ini --out m --dump-matrix mx >&2 || { echo "| model | FAILED (train) | - | - | - |"; exit 0; }
t1=$(date +%s.%N)
read ctx feat train rounds ntr auc <<<"$(/usr/bin/python3 -c '
import json; r = json.load(open("m/report.json")); t = r["timing"]
print(t["context_s"], t["features_s"], t["train_s"], r["rounds_run"], r["split"]["n_train"], r["auc"])')"
total=$(echo "$t1 - $t0" | bc -l)
py="python3-xgboost absent"
if /usr/bin/python3 -c 'import xgboost, numpy' 2>/dev/null; then
    pys=$(/usr/bin/python3 - "$rounds" m/report.json <<'PY'
import json, sys, time, numpy as np, xgboost as xgb
rounds = int(sys.argv[1]); r = json.load(open(sys.argv[2])); p = r["params"]
nf = 24
xtr = np.fromfile("mx.train.x", dtype="<f4").reshape(-1, nf); ytr = np.fromfile("mx.train.y", dtype="<f4")
xva = np.fromfile("mx.valid.x", dtype="<f4").reshape(-1, nf); yva = np.fromfile("mx.valid.y", dtype="<f4")
t = time.time()
dtr = xgb.DMatrix(xtr, label=ytr, missing=np.nan); dva = xgb.DMatrix(xva, label=yva, missing=np.nan)
params = {"objective": "binary:logistic", "eval_metric": "auc", "tree_method": "hist", "nthread": 2,
          "subsample": 0.8, "colsample_bytree": 0.8, "min_child_weight": 5, "seed": p["seed"],
          "max_depth": p["max_depth"], "eta": p["eta"], "scale_pos_weight": r["scale_pos_weight"]}
xgb.train(params, dtr, num_boost_round=rounds, evals=[(dva, "valid")], verbose_eval=False)
print("%.2f" % (time.time() - t))
PY
) && py="python3-xgboost $pys s ($rounds rounds, same matrix/params); C/Python $(printf '%.2f' "$(echo "$train / $pys" | bc -l)")"
fi
printf '| model | context + features for %s orders | %.2f s + %.2f s | seconds | - |\n' "$ORDERS" "$ctx" "$feat"
printf '| model | XGBoost training (C API, %s rows, %s rounds, 2 threads, valid AUC each round) | %.1f s (train total %.1f s; valid AUC %.3f) | - | %s |\n' \
    "$ntr" "$rounds" "$train" "$total" "$auc" "$py"
"$TG" score -c b.ini --orders w/orders.csv --no-store --no-reasons --out /dev/null 2> s1.err || { echo "| model | FAILED (score) | - | - | - |"; exit 0; }
head -50001 w/orders.csv > o50k.csv
"$TG" score -c b.ini --orders o50k.csv --no-store --out /dev/null 2> s2.err || { echo "| model | FAILED (score reasons) | - | - | - |"; exit 0; }
cat s1.err s2.err >&2
r1=$(sed -n 's/.*(\([0-9]*\) orders\/s).*/\1/p' s1.err); c1=$(sed -n 's/.*context \([0-9.]*\)s.*/\1/p' s1.err)
r2=$(sed -n 's/.*(\([0-9]*\) orders\/s).*/\1/p' s2.err)
printf '| model | batch scoring, features + predict (%s orders, risks only) | %s orders/s (+ %s s one-off context build) | >= 200,000 orders/s | - |\n' "$ORDERS" "$r1" "$c1"
printf '| model | batch scoring with reasons (approx. contributions, 50,000 orders) | %s orders/s | - | - |\n' "$r2"
