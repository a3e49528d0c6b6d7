#!/bin/bash
# Every kind=allowed case of Google's robots.txt tests through
# `trendguard robots check`, plus the real robots.txt files parse.
set -u
fail() { echo "FAIL: $*"; exit 1; }
F="${SHARED:-../shared}/fixtures/robotstxt"
[ -f "$F/google_cases.jsonl" ] || { echo "skip: ../shared absent"; exit 77; }
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
# Group the cases by (robots.txt, agent): one run checks all of a group's URLs.
# Files per group G: G.txt (robots), G.ua, G.urls (one per line), G.want.
/usr/bin/python3 - "$F/google_cases.jsonl" "$d" <<'PY' || fail "case split"
import json, sys
groups, n = {}, 0
for line in open(sys.argv[1], encoding="utf-8"):
    c = json.loads(line)
    if c["kind"] != "allowed":
        continue
    assert "\n" not in c["url"]
    groups.setdefault((c["robots_txt"], c["user_agent"]), []).append(c)
    n += 1
for g, ((txt, ua), cases) in enumerate(groups.items()):
    p = "%s/g%03d" % (sys.argv[2], g)
    open(p + ".txt", "wb").write(txt.encode("utf-8"))
    open(p + ".ua", "w").write(ua)
    open(p + ".urls", "w").write("".join(c["url"] + "\n" for c in cases))
    open(p + ".want", "w").write("".join("%d %s\n" % (c["id"], "allowed" if c["expected_allowed"] else "disallowed") for c in cases))
print(n, file=open(sys.argv[2] + "/count", "w"))
PY
total=0; bad=0
for t in "$d"/g*.txt; do
    g=${t%.txt}
    mapfile -t urls < "$g.urls"
    "$TG" robots check --robots "$t" --agent "$(cat "$g.ua")" -- "${urls[@]}" > "$g.got" || fail "exit $? on $g"
    [ "$(wc -l < "$g.got")" = "${#urls[@]}" ] || fail "$(basename "$g"): ${#urls[@]} URLs, got $(wc -l < "$g.got") lines"
    while read -r id want && read -r got <&3; do
        total=$((total + 1))
        [ "${got##* }" = "$want" ] || { bad=$((bad + 1)); echo "case $id: got '${got##* }' want '$want'"; }
    done < "$g.want" 3< "$g.got"
done
[ "$total" = "$(cat "$d/count")" ] && [ "$total" -ge 145 ] || fail "ran $total cases"
[ $bad -eq 0 ] || fail "$bad of $total Google cases wrong"
out=$("$TG" robots parse "$F"/real/*) || fail "real robots.txt files did not all parse"
[ "$(echo "$out" | wc -l)" -eq "$(ls "$F"/real | wc -l)" ] || fail "parse lines"
echo "$out" | grep -q 'protego__twitter.com.robots.txt: .* crawl-delay 1$' || fail "twitter crawl-delay"
# eBay's real file, as our crawler sees it
out=$("$TG" robots check --robots "$F/real/protego__www.ebay.com.robots.txt" --agent "TrendGuard/0.1 (+https://example.org)" \
    "https://www.ebay.com/itm/123" "https://www.ebay.com/b/foo?LH_Sold=1")
[ "$out" = "https://www.ebay.com/itm/123 allowed
https://www.ebay.com/b/foo?LH_Sold=1 disallowed" ] || fail "ebay robots: $out"
echo "ok: $total Google cases"
