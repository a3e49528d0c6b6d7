#!/bin/bash
# `trendguard parse` on the project's own small fixtures: options, exit codes, output shape.
set -u
fail() { echo "FAIL: $*"; exit 1; }
P="$TG_ROOT/tests/fixtures/parser"
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
"$TG" parse --help | grep -q '^usage: trendguard parse' || fail "--help"
out=$("$TG" parse "$P/tiktok_query.json") || fail "tiktok exit"
[[ "$out" == *'{"id":7301234567890123456,"create_time":1700000000,"username":"cupfan"'* ]] || fail "tiktok id: $out"
[ "$(echo "$out" | tail -1 | grep -c '"records":2')" = 1 ] || fail "tiktok records"
# options after the positionals, --out
"$TG" parse "$P/ebay_sold_sitem.html" --as ebay-sold --out "$d/o.jsonl" || fail "--out"
grep -q '"id":"155385467387".*"price":10.0,"price_high":20.0' "$d/o.jsonl" || fail "range"
grep -q '"original_price":1250.0' "$d/o.jsonl" || fail "strikethrough kept apart"
grep -q '"url":"https://www.ebay.com/itm/Amazon-Card/155385467387?x=1"' "$d/o.jsonl" || fail "relative url resolved"
# API error object: printed summary + exit 65
"$TG" parse tiktok-query "$P/tiktok_search_expired.json" > "$d/e" 2>/dev/null; rc=$?
[ $rc -eq 65 ] || fail "API error exit $rc"
grep -q '"error_code":"invalid_params"' "$d/e" || fail "error code"
"$TG" parse "$P/ebay_block.html" >/dev/null 2>&1; [ $? -eq 65 ] || fail "block exit"
"$TG" parse frob "$P/ebay_block.html" >/dev/null 2>&1; [ $? -eq 64 ] || fail "unknown kind 64"
"$TG" parse "$d/missing.json" >/dev/null 2>&1; rc=$?; [ $rc -eq 66 ] || fail "missing file exit $rc"
# generic extractor with links
"$TG" parse --links --base http://127.0.0.1:9/p/1.html ebay-listings "$P/ebay_sold_sitem.html" > "$d/l" || fail "links"
grep -q '{"link":"http://127.0.0.1:9/sch/i.html?_nkw=amazon+gift+card&LH_Sold=1&_pgn=2"}' "$d/l" || fail "link resolved"
# truncated and garbage input: an error, never a crash
head -c 700 "$P/ebay_sold_sitem.html" > "$d/t.html"
"$TG" parse ebay-sold "$d/t.html" >/dev/null 2>&1; rc=$?; [ $rc -le 65 ] || fail "truncated html rc $rc"
head -c 300 "$P/tiktok_query.json" > "$d/t.json"
"$TG" parse tiktok-query "$d/t.json" >/dev/null 2>&1; [ $? -eq 65 ] || fail "truncated json"
# JSON adapters byte for byte against golden outputs (printed by the jansson
# adapters before the json_scan rewrite)
for spec in "tiktok-query tiktok_query" "tiktok-query tiktok_rate_limit" \
    "tiktok-query tiktok_search_expired" "ebay-browse ebay_browse" \
    "poshmark-post poshmark_item" "poshmark-posts poshmark_search"; do
    set -- $spec
    "$TG" parse "$1" "$P/$2.json" 2>/dev/null | cmp -s - "$P/golden/$2.jsonl" || fail "$2: output differs from golden/$2.jsonl"
done
# Research API comments and user info: detected, ids exact, counts
out=$("$TG" parse "$P/tiktok_comments.json") || fail "comments exit"
[[ "$out" == *'{"id":7302000000000000002,"video_id":7301234567890123456,"parent_comment_id":7302000000000000001,"create_time":1700000200,"text":"same","likes":0,"replies":null}'* ]] || fail "comments: $out"
[[ "$(echo "$out" | tail -1)" == *'"records":3,'*'"kind":"tiktok-comments","cursor":3,"has_more":false'* ]] || fail "comments summary"
out=$("$TG" parse "$P/tiktok_user.json") || fail "user exit"
[[ "$out" == *'"verified":true,"followers":12345678,"following":0,"likes":9007199254740993,"videos":321}'* ]] || fail "user: $out"
"$TG" parse tiktok-comments "$P/tiktok_query.json" >/dev/null 2>&1; [ $? -eq 65 ] || fail "query as comments"
# 100,000 nested arrays: a parse error (65), never a crash
printf '%*s' 100000 '' | tr ' ' '[' > "$d/deep.json"
for k in tiktok-query ebay-browse poshmark-posts; do
    "$TG" parse "$k" "$d/deep.json" >/dev/null 2>&1; rc=$?
    [ $rc -eq 65 ] || fail "deep nesting as $k: exit $rc, want 65"
done
# invalid UTF-8 inside a string: refused
printf '{"data":{"videos":[{"id":1,"desc":"\xc0\xaf"}]}}' > "$d/utf8.json"
"$TG" parse tiktok-query "$d/utf8.json" >/dev/null 2>&1; [ $? -eq 65 ] || fail "bad UTF-8 accepted"
# a number too large for 64 bits loses its field, not the response
printf '{"data":{"videos":[{"id":7301234567890123456,"view_count":1e999,"like_count":5}]}}' > "$d/big.json"
out=$("$TG" parse tiktok-query "$d/big.json") || fail "big number: exit $?"
[[ "$out" == *'"id":7301234567890123456,'*'"views":null,"likes":5'* ]] || fail "big number: $out"
echo ok
