#!/bin/bash
# `trendguard interventions run|report` on a small simulated world:
# tiers, opt-outs, a control group chosen per pseudonymous customer, running
# twice changes nothing, and the report's measured effect (simulated
# outcomes) contains the world's stated effect in its 95% interval.
set -u
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
PY=/usr/bin/python3

"$TG" sim world --seed 11 --products 20 --days 60 --orders 12000 --out "$d/w" >/dev/null 2>&1 \
    || fail "sim world failed"
cat > "$d/t.ini" <<EOF
[store]
path = store.lmdb
map_size_mb = 128
[privacy]
pepper_env = TG_IV_TEST_PEPPER
[interventions]
email_offer_at = 0.3
sms_at = 0.15
control_share = 0.5
window_h = 48
offer_cost = 5
return_cost = 15
EOF
export TG_IV_TEST_PEPPER=iv-test-pepper
for k in products orders returns; do
    "$TG" ingest "$k" "$d/w/$k.csv" -c "$d/t.ini" >/dev/null 2>&1 || fail "ingest $k"
done

# usage errors
"$TG" interventions run -c "$d/t.ini" --date 2026-13-01 >/dev/null 2>&1; [ $? -eq 64 ] || fail "bad date not 64"
"$TG" interventions frob -c "$d/t.ini" >/dev/null 2>&1; [ $? -eq 64 ] || fail "bad verb not 64"
"$TG" interventions run --date 2026-01-05 -c "$d/missing.ini" >/dev/null 2>&1; [ $? -eq 78 ] || fail "missing config not 78"
"$TG" interventions --help | grep -q "interventions run" || fail "--help"

# opt-out: a customer with purchases on 2026-01-20, pseudonymised like ingest does
cust=$(awk -F, '$4 ~ /^2026-01-20/ {print $2; exit}' "$d/w/orders.csv")
[ -n "$cust" ] || fail "no customer on 2026-01-20"
printf '# opt-outs\n%s\n' "$cust" > "$d/optout.txt"
"$TG" interventions run -c "$d/t.ini" --date 2026-01-20 --scores "$d/w/truth/regret.csv" \
    --optout "$d/optout.txt" --out "$d/day20.csv" 2>"$d/day20.log" || fail "run day 20: $(cat "$d/day20.log")"
head -1 "$d/day20.csv" | grep -qx 'order_id,day,action,risk,control' || fail "CRM CSV header"
$PY - "$d" "$cust" <<'EOF' || fail "opt-out / tiers check"
import csv, sys
d, cust = sys.argv[1], sys.argv[2]
orders = {r['order_id']: r for r in csv.DictReader(open(d + '/w/orders.csv'))}
rows = list(csv.DictReader(open(d + '/day20.csv')))
assert rows, 'no decisions'
opt = [r for r in rows if orders[r['order_id']]['customer_id'] == cust]
others = [r for r in rows if orders[r['order_id']]['customer_id'] != cust]
assert all(r['action'] == 'optout' for r in opt), opt
assert all(r['action'] != 'optout' for r in others)
for r in rows:
    risk = float(r['risk'])
    assert risk >= 0.15, r
    if r['action'] == 'email_offer': assert risk >= 0.3, r
    if r['action'] == 'sms_reminder': assert 0.15 <= risk < 0.3, r
    assert (r['action'] == 'control') == (r['control'] == '1'), r
EOF

# a range of days, twice: the second run decides nothing new and changes no record
"$TG" interventions run -c "$d/t.ini" --from 2026-01-03 --to 2026-03-01 \
    --scores "$d/w/truth/regret.csv" --out "$d/run1.csv" 2>"$d/run1.log" || fail "run 1: $(tail -3 "$d/run1.log")"
n1=$("$TG" store stats -c "$d/t.ini" | awk '$1=="interventions"{print $2}')
"$TG" interventions run -c "$d/t.ini" --from 2026-01-03 --to 2026-03-01 \
    --scores "$d/w/truth/regret.csv" --out "$d/run2.csv" 2>"$d/run2.log" || fail "run 2"
n2=$("$TG" store stats -c "$d/t.ini" | awk '$1=="interventions"{print $2}')
[ -n "$n1" ] && [ "$n1" -gt 100 ] || fail "too few intervention records: '$n1'"
[ "$n1" = "$n2" ] || fail "second run changed the record count $n1 -> $n2"
cmp -s "$d/run1.csv" "$d/run2.csv" || fail "second run wrote different decisions"
# day 20 was decided by its own run: orders of that day are not decided again
grep -q ',2026-01-20,' "$d/run1.csv" || fail "day 20 missing from the range CSV"
$PY - "$d" <<'EOF' || fail "control group check"
import csv, sys
d = sys.argv[1]
orders = {r['order_id']: r for r in csv.DictReader(open(d + '/w/orders.csv'))}
rows = list(csv.DictReader(open(d + '/run1.csv')))
ids = [r['order_id'] for r in rows]
assert len(ids) == len(set(ids)), 'an order decided twice'
d20 = {r['order_id'] for r in csv.DictReader(open(d + '/day20.csv'))}
groups = {}
for r in rows:
    if r['action'] == 'optout': continue
    groups.setdefault(orders[r['order_id']]['customer_id'], set()).add(r['control'])
mixed = [c for c, g in groups.items() if len(g) > 1]
assert not mixed, 'customers in both groups: %s' % mixed[:3]
ctrl = sum(1 for r in rows if r['control'] == '1')
share = ctrl / len(rows)
assert 0.35 < share < 0.65, 'control share %.2f' % share
EOF

# the report on simulated outcomes contains the world's truth
"$TG" interventions report -c "$d/t.ini" --world "$d/w" --format json > "$d/rep.json" 2>"$d/rep.log" \
    || fail "report: $(cat "$d/rep.log")"
$PY - "$d" <<'EOF' || fail "report check: $(cat "$d/rep.json")"
import json, sys
r = json.load(open(sys.argv[1] + '/rep.json'))
assert r['outcomes'] == 'simulated'
for arm in r['arms'][:2]:
    t, c, e = arm['treated'], arm['control'], arm['relative_effect']
    assert t['n'] > 50 and c['n'] > 50, arm
    assert t['ci_low'] <= t['rate'] <= t['ci_high']
    assert e['ci_low'] <= arm['truth_effect'] <= e['ci_high'], arm
    assert arm['truth_in_ci'] is True
    assert e['value'] > 0, 'no measured effect'
assert r['truth_in_ci'] is True
assert abs(r['offer_cost'] - 5 * r['email_offers']) < 1e-6
EOF
# a different seed draws different outcomes (the draws are really used)
"$TG" interventions report -c "$d/t.ini" --world "$d/w" --seed 2 > "$d/rep2.csv" 2>/dev/null || fail "report seed 2"
"$TG" interventions report -c "$d/t.ini" --world "$d/w" --seed 1 > "$d/rep1.csv" 2>/dev/null || fail "report seed 1"
cmp -s "$d/rep1.csv" "$d/rep2.csv" && fail "seed does not change the simulated outcomes"
# store outcomes (real returns) also report
"$TG" interventions report -c "$d/t.ini" > "$d/rep3.csv" 2>/dev/null || fail "report on store returns"
grep -q '^store_returns,all,' "$d/rep3.csv" || fail "store_returns row"
echo ok
