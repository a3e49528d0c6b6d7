#!/bin/bash
# Headless Chromium over every dashboard page of a store built from the
# simulated world: each page must load and render (a screenshot of each goes
# to $TG_BUILD/browser/), log no console error (CSP violations included), and
# every chart (<svg>) must have data points and a title. The pages run no
# script, so the DOM Chromium renders is the served HTML; the chart checks
# read that HTML (one Chromium start per page keeps the test ~3 s a page).
# Usage: dashboard.sh BASE_URL PAGE...   (exit 77 when chromium is absent)
set -u
base=$1; shift
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { echo "skip: chromium absent (apt-get install -y chromium)"; exit 77; }
shots="${TG_BUILD:-build}/browser"
mkdir -p "$shots"
shots=$(cd "$shots" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --disable-default-apps --mute-audio
       --enable-logging=stderr --v=0 --window-size=1280,1600)
bad=0
for page in "$@"; do
    name=$(echo "$page" | sed 's#^/$#home#; s#^/##; s#/#-#g')
    prof="$work/profile-$name"   # a fresh user data dir per page
    curl -s -o "$work/$name.html" "$base$page" || { echo "FAIL $page: fetch"; bad=1; continue; }
    rm -f "$shots/$name.png"
    timeout 60 "$CHROME" "${flags[@]}" --user-data-dir="$prof" \
        --screenshot="$shots/$name.png" "$base$page" >/dev/null 2>"$work/$name.log"
    rc=$?
    if [ $rc -ne 0 ] || ! grep -q "</html>" "$work/$name.html"; then
        echo "FAIL $page: chromium exit $rc or no page"; tail -5 "$work/$name.log"; bad=1; continue
    fi
    if grep -E "CONSOLE|Refused to|Uncaught|ERR_" "$work/$name.log" | grep -v "favicon" >"$work/$name.err"; then
        echo "FAIL $page: console errors:"; head -5 "$work/$name.err"; bad=1
    fi
    /usr/bin/python3 - "$work/$name.html" "$page" <<'EOF' || bad=1
import re, sys
html, page = open(sys.argv[1]).read(), sys.argv[2]
svgs = re.findall(r'<svg\b.*?</svg>', html, re.S)
for i, s in enumerate(svgs):
    pts = len(re.findall(r'class="(?:pt|bar)"', s))
    if pts == 0:
        print('FAIL %s: chart %d has no data points' % (page, i)); sys.exit(1)
    if not re.search(r'<title\b', s) or 'role="img"' not in s:
        print('FAIL %s: chart %d lacks role/title' % (page, i)); sys.exit(1)
if not re.search(r'<title>[^<]+</title>', html):
    print('FAIL %s: no <title>' % page); sys.exit(1)
print('ok   %s: %d chart(s), %d data points' % (page, len(svgs),
      len(re.findall(r'class="(?:pt|bar)"', html))))
EOF
    [ -s "$shots/$name.png" ] || { echo "FAIL $page: no screenshot"; bad=1; }
done
exit $bad
