#!/bin/bash
# trends bots/list/show on a small simulated world crawled once over loopback:
# the bot filter against the world's truth file (F1 >= 0.95, not worse than
# the seed's rule), the JSON shape, and lifecycle rows that agree between
# `list --day D` and `show H` (point in time).
set -u
fail() { echo "FAIL: $*"; exit 1; }
d=$(mktemp -d); sp=
trap '[ -n "$sp" ] && kill "$sp" 2>/dev/null; wait 2>/dev/null; rm -rf "$d"' EXIT
"$TG" sim world --seed 11 --products 24 --days 90 --orders 500 --out "$d/w" >/dev/null 2>&1 || fail "sim world"
"$TG" sim serve --world "$d/w" --port 0 --port-file "$d/port" --speed 86400 --start-day 75 \
    >"$d/sim.log" 2>&1 &
sp=$!
for _ in $(seq 300); do [ -s "$d/port" ] && break; sleep 0.1; done
[ -s "$d/port" ] || fail "simulator did not start: $(tail -3 "$d/sim.log")"
# poll every real second (= one virtual day) so the store holds a daily series
sed -e "s|127.0.0.1:8931|127.0.0.1:$(cat "$d/port")|g" -e 's|^poll_every = 1d|poll_every = 1s|' \
    "$TG_ROOT/config/demo.ini" > "$d/t.ini"
cp -r "$d/w" "$d/world"   # demo.ini names world/products.csv next to itself
"$TG" ingest products "$d/w/products.csv" -c "$d/t.ini" >/dev/null 2>&1 || fail "ingest products"
"$TG" crawl -c "$d/t.ini" --only tiktok --duration 8s >"$d/crawl.log" 2>&1 || fail "crawl: $(tail -3 "$d/crawl.log")"
kill "$sp"; wait "$sp" 2>/dev/null; sp=

out=$("$TG" trends bots -c "$d/t.ini" --truth "$d/w/truth/bots.csv") || fail "bots exit $?"
echo "$out" | head -1 | grep -q '^rule,precision,recall,f1,tp,fp,fn,tn$' || fail "csv header: $out"
f1=$(echo "$out" | awk -F, '$1=="filter"{print $4}'); s1=$(echo "$out" | awk -F, '$1=="seed_rule"{print $4}')
tp=$(echo "$out" | awk -F, '$1=="filter"{print $5}')
[ "${tp:-0}" -ge 1 ] || fail "no bot hashtag found at all: $out"
awk -v f="$f1" 'BEGIN{exit !(f >= 0.95)}' || fail "filter F1 $f1 < 0.95"
awk -v f="$f1" -v s="$s1" 'BEGIN{exit !(f >= s)}' || fail "filter F1 $f1 below the seed rule's $s1"
echo "bots: filter F1 $f1, seed rule F1 $s1" >&2
"$TG" trends bots -c "$d/t.ini" --truth "$d/w/truth/bots.csv" --format json > "$d/b.json" || fail "json"
/usr/bin/python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
for k in ("filter", "seed_rule"):
    assert set(("precision", "recall", "f1")) <= set(j[k]), j
' "$d/b.json" || fail "json shape: $(cat "$d/b.json")"

"$TG" trends list -c "$d/t.ini" > "$d/list.csv" || fail "list"
head -1 "$d/list.csv" | grep -q '^hashtag,day,stage,' || fail "list header"
[ "$(tail -n +2 "$d/list.csv" | wc -l)" -ge 10 ] || fail "list has few rows"
tail -n +2 "$d/list.csv" | cut -d, -f3 | sort -u | grep -qvE '^(none|rising|peak|decline|dead)$' && fail "bad stage"
# flagged hashtags carry is_bot=true in list
bot=$(awk -F, 'NR>1 && $2==1 {print $1; exit}' "$d/w/truth/bots.csv")
grep -q "^$bot,.*,true$" "$d/list.csv" || fail "truth bot hashtag $bot not flagged in list"
# point in time: list --day D equals show H's row for D
tag=$(tail -n +2 "$d/list.csv" | head -1 | cut -d, -f1)
"$TG" trends show "$tag" -c "$d/t.ini" > "$d/show.csv" || fail "show"
[ "$(tail -n +2 "$d/show.csv" | wc -l)" -ge 2 ] || fail "show: too few days"
row=$(tail -n +2 "$d/show.csv" | head -1); day=$(echo "$row" | cut -d, -f2)
l=$("$TG" trends list -c "$d/t.ini" --day "$day" | grep "^$tag,") || fail "list --day $day has no $tag"
[ "$(echo "$l" | cut -d, -f3,7)" = "$(echo "$row" | cut -d, -f4,6)" ] || fail "point in time: list '$l' vs show '$row'"
"$TG" trends show nosuchtag -c "$d/t.ini" >/dev/null 2>&1; [ $? -eq 66 ] || fail "unknown hashtag should be 66"
"$TG" trends frob -c "$d/t.ini" >/dev/null 2>&1; [ $? -eq 64 ] || fail "unknown verb 64"
echo ok
