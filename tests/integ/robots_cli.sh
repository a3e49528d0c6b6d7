#!/bin/bash
# `trendguard robots check` on the project's own robots.txt: groups, UA tokens, usage errors.
set -u
fail() { echo "FAIL: $*"; exit 1; }
R="$TG_ROOT/tests/fixtures/parser/robots_small.txt"
"$TG" robots --help | grep -q 'robots check --robots FILE' || fail "--help"
out=$("$TG" robots check --robots "$R" --agent 'TrendGuard/0.1 (+https://example.org/bot)' \
    'https://h/private/x' 'https://h/sch/i.html?_nkw=a&LH_Sold=1' 'https://h/sch/i.html?_nkw=a' 'https://h/a.pdf')
[ "$out" = "https://h/private/x allowed
https://h/sch/i.html?_nkw=a&LH_Sold=1 disallowed
https://h/sch/i.html?_nkw=a allowed
https://h/a.pdf disallowed" ] || fail "TrendGuard group: $out"
out=$("$TG" robots check 'https://h/private/x' 'https://h/private/ok' --agent Other --robots "$R")
[ "$out" = "https://h/private/x disallowed
https://h/private/ok allowed" ] || fail "* group: $out"
"$TG" robots parse "$R" | grep -q 'crawl-delay 0.5$' || fail "crawl-delay"
"$TG" robots check https://h/ >/dev/null 2>&1; [ $? -eq 64 ] || fail "missing --robots is 64"
"$TG" robots check --robots /nonexistent https://h/ >/dev/null 2>&1; [ $? -eq 66 ] || fail "missing file 66"
echo ok
