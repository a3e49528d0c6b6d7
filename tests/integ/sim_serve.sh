#!/bin/bash
# `trendguard sim serve`: loopback only, port 0 + --port-file, Date header in
# virtual time, TikTok token/query/paging/errors/quota reset at virtual midnight,
# eBay token/browse/sold pages in both layouts, Poshmark search paging and items,
# robots.txt, the JSON-lines log, fault injection, shapes against the real fixtures
# (or the project's shape files without ../shared), clean SIGTERM shutdown.
set -u
d=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
PY=/usr/bin/python3
SHAPE="$TG_ROOT/tests/fixtures/sim/shape.py"
FX="${SHARED:-/nonexistent}/fixtures"

"$TG" sim world --seed 21 --out "$d/w" >/dev/null || fail "world"
START=$(date -u -d 2026-01-01 +%s)

start_server() { # name, options...
    local name=$1; shift
    "$TG" sim serve --world "$d/w" --port 0 --port-file "$d/$name.port" "$@" \
        >"$d/$name.out" 2>"$d/$name.err" &
    pids+=($!); eval "${name}_pid=$!"
    for _ in $(seq 100); do [ -s "$d/$name.port" ] && break; sleep 0.05; done
    [ -s "$d/$name.port" ] || { cat "$d/$name.err"; fail "$name did not start"; }
    eval "${name}_port=$(cat "$d/$name.port")"
}

# A frozen clock (speed 0) at day 70, with a log.
start_server a --speed 0 --start-day 70 --log "$d/a.log" --quota 0
A="http://127.0.0.1:$a_port"
grep -qx "$A" "$d/a.out" || fail "base URL not printed: $(cat "$d/a.out")"

# Loopback only.
if command -v ss >/dev/null; then
    ss -ltn 2>/dev/null | grep -q "127.0.0.1:$a_port " || fail "not listening on 127.0.0.1:$a_port"
    ss -ltn 2>/dev/null | grep -E "(0.0.0.0|\*|\[::\]):$a_port " && fail "listening beyond loopback"
fi
other=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -v '^127\.' | grep -v : | head -1)
if [ -n "$other" ]; then
    curl -s -m 2 "http://$other:$a_port/robots.txt" >/dev/null && fail "reachable on $other"
fi

# Date header = virtual now.
want=$(LC_ALL=C date -u -d "@$((START + 70 * 86400))" '+%a, %d %b %Y %H:%M:%S GMT')
got=$(curl -s -D - -o /dev/null "$A/robots.txt" | tr -d '\r' | sed -n 's/^Date: //p')
[ "$got" = "$want" ] || fail "Date header '$got', want '$want'"

# robots.txt
robots=$(curl -s "$A/robots.txt")
grep -qx "Allow: /sch/" <<<"$robots" || fail "robots: /sch/ not allowed"
grep -qx "Disallow: /itm/" <<<"$robots" || fail "robots: /itm/ not disallowed"
grep -q "^Allow: /vm-rest/" <<<"$robots" || fail "robots: /vm-rest/ not allowed"

# TikTok token.
curl -s -X POST -d 'client_key=k&client_secret=s&grant_type=client_credentials' "$A/v2/oauth/token/" >"$d/tok.json"
TOK=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["expires_in"]==7200 and d["token_type"]=="Bearer" and d["access_token"].startswith("clt."); print(d["access_token"])' "$d/tok.json") || fail "token: $(cat "$d/tok.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d 'client_key=&client_secret=s&grant_type=client_credentials' "$A/v2/oauth/token/")
[ "$code" = 401 ] || fail "empty client_key gave $code"

TAG=$(awk -F, 'NR>1 && $2==0 {print $1; exit}' "$d/w/truth/bots.csv")
FIELDS=id,video_description,create_time,region_code,share_count,view_count,like_count,comment_count,hashtag_names,username
query() { # token start end max cursor [search_id] [fields]
    local sid=""; [ -n "${6:-}" ] && sid=",\"search_id\":\"$6\""
    curl -s -w '\n%{http_code}' -X POST -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        "$A/v2/research/video/query/?fields=${7:-$FIELDS}" \
        -d "{\"query\":{\"and\":[{\"operation\":\"IN\",\"field_name\":\"hashtag_name\",\"field_values\":[\"$TAG\"]}]},\"start_date\":\"$2\",\"end_date\":\"$3\",\"max_count\":$4,\"cursor\":$5$sid}"
}
out=$(query bogus 20260101 20260130 10 0); [ "$(tail -1 <<<"$out")" = 401 ] || fail "bad token not 401"
grep -q '"access_token_invalid"' <<<"$out" || fail "401 without access_token_invalid"
out=$(query "$TOK" 20260101 20260205 10 0); [ "$(tail -1 <<<"$out")" = 400 ] || fail "35-day window not 400"
grep -q '"invalid_params"' <<<"$out" || fail "400 without invalid_params"
out=$(query "$TOK" 20260101 20260130 101 0); [ "$(tail -1 <<<"$out")" = 400 ] || fail "max_count 101 not 400"

# Paging: every video of the window exactly once, ids as bare integers > 2^53.
cursor=0; sid=""; : >"$d/pages"
for i in $(seq 200); do
    out=$(query "$TOK" 20260110 20260208 37 $cursor "$sid")
    [ "$(tail -1 <<<"$out")" = 200 ] || fail "page $i: $out"
    head -n -1 <<<"$out" >"$d/page.json"; cat "$d/page.json" >>"$d/pages"; echo >>"$d/pages"
    read -r cursor more sid < <($PY -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; print(d["cursor"], d["has_more"], d["search_id"])' "$d/page.json")
    [ "$more" = True ] || break
done
$PY - "$d/pages" "$d/w" "$TAG" "$START" <<'PYEOF' || fail "paging"
import json, sys, re
pages = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tag, start = sys.argv[3], int(sys.argv[4])
ids = [v["id"] for p in pages for v in p["data"]["videos"]]
assert len(ids) > 50, len(ids)
assert len(ids) == len(set(ids)), "duplicate videos across pages"
lo, hi = start + 9 * 86400, start + 39 * 86400
now = start + 70 * 86400
for p in pages:
    for v in p["data"]["videos"]:
        assert isinstance(v["id"], int) and v["id"] > 2**53
        assert lo <= v["create_time"] < hi, v["create_time"]
        assert tag in v["hashtag_names"] and "#" + tag in v["video_description"]
        assert 0 <= v["like_count"] <= v["view_count"]
# raw text: ids are bare integers, not strings
raw = open(sys.argv[1]).read()
assert re.search(r'"id":\d{16,}', raw) and not re.search(r'"id":"', raw)
print("paged", len(ids), "videos in", len(pages), "pages")
PYEOF
# A wrong search id is refused like an expired one.
out=$(query "$TOK" 20260110 20260208 37 37 12345); [ "$(tail -1 <<<"$out")" = 400 ] || fail "bad search_id not 400"
grep -q 'Search Id 12345 is invalid or expired' <<<"$out" || fail "search id message"

# Shapes against the real fixture (or our shape file of it).
if [ -d "$FX" ]; then echo "shapes: comparing with $FX"; REF_T="$FX/tiktok/JBGruber_traktok__research_example_resp_q_videos.json"
    REF_E="$FX/ebay/gaurav-arun_ebay-alerts__browse_item_summary_search_iphone_limit100_CONVERTED.json"
    REF_PI="$FX/poshmark/michaelbutler_phposh__item_response_1.json"; REF_PS="$FX/poshmark/michaelbutler_phposh__multi_item_response_1.json"
else echo "shapes: ../shared absent, comparing with tests/fixtures/sim/shapes"; S="$TG_ROOT/tests/fixtures/sim/shapes"
    REF_T=$S/tiktok_query.json; REF_E=$S/ebay_browse.json; REF_PI=$S/poshmark_item.json; REF_PS=$S/poshmark_search.json; fi
query "$TOK" 20260110 20260208 5 0 "" video_id,music_id,effect_ids,hashtag_names,region_code,create_time,video_description,view_count,comment_count | head -n -1 >"$d/t.json"
$PY "$SHAPE" check "$d/t.json" "$REF_T" --exact || fail "TikTok shape"

# eBay.
ET=$(curl -s -u id:secret -X POST -d 'grant_type=client_credentials&scope=https%3A%2F%2Fapi.ebay.com%2Foauth%2Fapi_scope' "$A/identity/v1/oauth2/token" | $PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') || fail "ebay token"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d 'grant_type=client_credentials' "$A/identity/v1/oauth2/token")
[ "$code" = 401 ] || fail "ebay token without Basic auth gave $code"
Q=$(awk -F, 'NR==2 {print $6}' "$d/w/products.csv"); QP=${Q// /+}
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer nope" "$A/buy/browse/v1/item_summary/search?q=$QP")
[ "$code" = 401 ] || fail "browse with bad token gave $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ET" "$A/buy/browse/v1/item_summary/search?q=$QP&limit=201")
[ "$code" = 400 ] || fail "limit 201 gave $code"
curl -s -H "Authorization: Bearer $ET" -H 'X-EBAY-C-MARKETPLACE-ID: EBAY_US' "$A/buy/browse/v1/item_summary/search?q=$QP&limit=3" >"$d/e.json"
$PY "$SHAPE" check "$d/e.json" "$REF_E" --allow-extra itemSummaries[].itemEndDate,itemSummaries[].currentBidPrice,itemSummaries[].bidCount \
    --require total,limit,offset,itemSummaries[].itemId,itemSummaries[].price.value,itemSummaries[].legacyItemId || fail "eBay browse shape"
$PY - "$d/e.json" <<'PYEOF' || fail "browse values"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["total"] > 3 and "next" in d and d["limit"] == 3
for it in d["itemSummaries"]:
    assert it["itemId"] == "v1|%s|0" % it["legacyItemId"]
    assert isinstance(it["price"]["value"], str) and float(it["price"]["value"]) > 0
PYEOF
# the product with the most sold listings so far (its page 1 has a next link)
for q in $(awk -F, 'NR>1 {gsub(/ /, "+", $6); print $6}' "$d/w/products.csv"); do
    curl -s "$A/sch/i.html?_nkw=$q&LH_Sold=1&LH_Complete=1&_pgn=1" >"$d/p1.html"
    grep -q 'type=next class="pagination__next' "$d/p1.html" && { QP=$q; break; }
done
curl -s "$A/sch/i.html?_nkw=$QP&LH_Sold=1&LH_Complete=1&_pgn=1" >"$d/p1.html"
curl -s "$A/sch/i.html?_nkw=$QP&LH_Sold=1&LH_Complete=1&_pgn=2" >"$d/p2.html"
grep -q 'class=s-item__price>' "$d/p1.html" || fail "page 1 is not the s-item layout"
grep -q 's-card__price' "$d/p1.html" && fail "page 1 mixes layouts"
grep -q 's-card__price' "$d/p2.html" || fail "page 2 is not the s-card layout"
grep -q 'Shop on eBay' "$d/p1.html" || fail "no placeholder item"
grep -Eq '<span class=POSITIVE>Sold  [A-Z][a-z]{2} [0-9]{1,2}, 2026</span>' "$d/p1.html" || fail "no sold date"
grep -q 'type=next class="pagination__next' "$d/p1.html" || fail "page 1 has no next link"
curl -s --compressed "$A/sch/i.html?_nkw=$QP&LH_Sold=1&LH_Complete=1&_pgn=1" | cmp -s - "$d/p1.html" || fail "gzip page differs"
enc=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "$A/sch/i.html?_nkw=$QP&LH_Sold=1&LH_Complete=1&_pgn=1" | tr -d '\r' | sed -n 's/^Content-Encoding: //p')
[ "$enc" = gzip ] || fail "no gzip when asked"
n1=$(grep -o 'class="s-item s-item__pl-on-bottom" data-view' "$d/p1.html" | wc -l)
[ "$n1" -eq 61 ] || fail "page 1 has $n1 items, want 60 + placeholder"

# Poshmark: sold search paging returns every sold listing exactly once; items resolve.
$PY - "$A" "$Q" "$d" "$REF_PS" "$REF_PI" "$SHAPE" <<'PYEOF' || fail "poshmark"
import json, subprocess, sys, urllib.parse, urllib.request
A, Q, d, ref_s, ref_i, shape = sys.argv[1:]
def get(url):
    with urllib.request.urlopen(url) as r:
        return r.read()
seen, max_id, pages = [], None, 0
while True:
    req = {"query": Q, "count": 7, "filters": {"inventory_status": ["sold_out"]}}
    if max_id is not None:
        req["max_id"] = max_id
    body = get(A + "/vm-rest/posts?request=" + urllib.parse.quote(json.dumps(req)))
    if pages == 0:
        open(d + "/ps.json", "wb").write(body)
    doc = json.loads(body)
    pages += 1
    for it in doc["data"]:
        assert it["inventory"]["status"] == "sold_out" and isinstance(it["price_amount"]["val"], str)
        seen.append(it["id"])
    max_id = doc["more"]["next_max_id"]
    if max_id <= 0:
        break
    assert pages < 500
assert len(seen) == len(set(seen)) and len(seen) > 7, (len(seen), len(set(seen)))
# the same search in one page gives the same set
req = {"query": Q, "count": 100, "filters": {"inventory_status": ["sold_out"]}}
doc = json.loads(get(A + "/vm-rest/posts?request=" + urllib.parse.quote(json.dumps(req))))
if doc["more"]["next_max_id"] <= 0:
    assert set(it["id"] for it in doc["data"]) == set(seen)
item = get(A + "/vm-rest/posts/" + seen[0])
open(d + "/pi.json", "wb").write(item)
assert json.loads(item)["data"]["id"] == seen[0]
try:
    get(A + "/vm-rest/posts/ffffffffffffffffffffffff"); raise SystemExit("404 expected")
except urllib.error.HTTPError as e:
    assert e.code == 404
# first_published_at is in the real search response, not in the real item fixture
for ours, ref, extra in ((d + "/ps.json", ref_s, "-"), (d + "/pi.json", ref_i, "data.first_published_at")):
    r = subprocess.run(["/usr/bin/python3", shape, "check", ours, ref, "--allow-extra", extra],
                       capture_output=True, text=True)
    assert r.returncode == 0, ours + ": " + r.stdout
print("poshmark: %d sold listings in %d pages" % (len(seen), pages))
PYEOF

# Request log: JSON lines with the documented keys.
$PY - "$d/a.log" <<'PYEOF' || fail "log"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) > 20
for l in lines:
    assert {"t_virtual", "t_real", "method", "path", "status", "client"} <= set(l), l
assert any(l["path"] == "/v2/research/video/query/" and l["status"] == 401 for l in lines)
assert all(l["t_virtual"].startswith("2026-03-12T00:00:00") for l in lines)
PYEOF

# Clean shutdown on SIGTERM.
kill -TERM "$a_pid"; for _ in $(seq 40); do kill -0 "$a_pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$a_pid" 2>/dev/null && fail "server still running after SIGTERM"
wait "$a_pid"; rc=$?; [ $rc -eq 0 ] || fail "exit $rc after SIGTERM"

# Quota per virtual UTC day, reset at virtual midnight: 3 requests allowed, the clock
# starts 8 virtual seconds before midnight and runs at 2x.
start_server q --quota 3 --speed 2 --start-day "$($PY -c 'print(10 + (86400 - 8) / 86400)')"
A="http://127.0.0.1:$q_port"
TOK=$(curl -s -X POST -d 'client_key=k&client_secret=s&grant_type=client_credentials' "$A/v2/oauth/token/" | $PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
codes=""
for i in 1 2 3 4; do codes="$codes $(query "$TOK" 20260101 20260110 1 0 | tail -1)"; done
[ "$codes" = " 200 200 200 429" ] || fail "quota codes:$codes"
out=$(query "$TOK" 20260101 20260110 1 0); grep -q rate_limit_exceeded <<<"$out" || fail "429 body"
ra=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $TOK" "$A/v2/research/video/query/" \
    -d '{"query":{"and":[{"operation":"IN","field_name":"hashtag_name","field_values":["x"]}]},"start_date":"20260101","end_date":"20260102"}' \
    | tr -d '\r' | sed -n 's/^Retry-After: //p')
[ -n "$ra" ] && [ "$ra" -ge 1 ] && [ "$ra" -le 4 ] || fail "Retry-After '$ra', want 1..4 real seconds"
left=$(curl -s "$A/__sim/clock" | $PY -c 'import json,sys; n=json.load(sys.stdin)["now"]; print((86400 - n % 86400) / 2 + 0.3)')
$PY -c "import sys; sys.exit(0 if 0 < $left < 5 else 1)" || fail "clock: $left s to midnight"
sleep "$left"
out=$(query "$TOK" 20260101 20260110 1 0); [ "$(tail -1 <<<"$out")" = 200 ] || fail "quota not reset at virtual midnight: $out"
day=$(curl -s "$A/__sim/clock" | $PY -c 'import json,sys; print(int(json.load(sys.stdin)["day"]))')
[ "$day" = 11 ] || fail "virtual day $day after midnight, want 11"

# Faults: every request fails; tokens expire after --token-ttl real seconds.
start_server f --fault-rate 1 --quota 0 --token-ttl 2
A="http://127.0.0.1:$f_port"
TOK=$(curl -s -X POST -d 'client_key=k&client_secret=s&grant_type=client_credentials' "$A/v2/oauth/token/" | $PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
out=$(query "$TOK" 20260101 20260110 5 0); [ "$(tail -1 <<<"$out")" = 500 ] || fail "fault-rate 1 gave $(tail -1 <<<"$out")"
grep -q '"internal_error"' <<<"$out" || fail "500 without internal_error"
curl -s "$A/sch/i.html?_nkw=$QP&LH_Sold=1&LH_Complete=1" | grep -q "Something went wrong" || fail "no block page"
sleep 2.2
out=$(query "$TOK" 20260101 20260110 5 0); [ "$(tail -1 <<<"$out")" = 401 ] || fail "expired token gave $(tail -1 <<<"$out")"
echo ok
