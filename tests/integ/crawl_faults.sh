#!/bin/bash
# Fault tests: crawl a loopback server that misbehaves in every way we know
# (tests/fixtures/crawl/fault_server.py) and check that the crawler survives each
# fault within its limits (time, memory), records the right error class in the
# fetch log, retries what deserves a retry (honouring Retry-After), and stores
# listings only from the pages that really had them.
set -u
TG=${TG:-build/trendguard}
ROOT=${TG_ROOT:-$PWD}
work=$(mktemp -d)
srvpid=
cleanup() { [ -n "$srvpid" ] && kill "$srvpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
# a private copy: other builds may relink the binary while this test runs
cp "$TG" "$work/tg" 2>/dev/null || { sleep 2; cp "$TG" "$work/tg"; } || fail "cannot copy $TG"
TG=$work/tg
cd "$work"
/usr/bin/python3 "$ROOT/tests/fixtures/crawl/fault_server.py" port req.log &
srvpid=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || fail "fault server did not start"
P=$(cat port)
cat > c.ini <<INI
[store]
path = store
[crawl]
rate_per_host = 1000
max_per_host = 32
max_connections = 64
timeout_s = 8s
connect_timeout_s = 2s
low_speed_bytes = 100
low_speed_s = 2s
max_body_kb = 4096
max_header_kb = 16
max_redirects = 5
retry_max = 1
backoff_cap_s = 2s
[site.faults]
start_url = http://127.0.0.1:$P/index.html
follow = ^http://127\.0\.0\.1:$P/(?!item/)
extractor = ebay-listings
max_pages = 1000
INI
t0=$SECONDS
/usr/bin/time -f '%M' -o rss timeout 60 "$TG" --log-format=json crawl -c c.ini --once 2>crawl.log
rc=$?
[ $rc -eq 0 ] || { tail -20 crawl.log; fail "crawl exited $rc"; }
el=$((SECONDS - t0)); rss=$(tail -1 rss)
echo "crawl took ${el}s, peak RSS ${rss} KB"
[ "$el" -le 40 ] || fail "took ${el}s"
[ "$rss" -lt 262144 ] || fail "peak RSS ${rss} KB (the 20 MB bomb or 3 MB line was held?)"

"$TG" store scan -c c.ini --db fetchlog > fetchlog.jsonl || fail "scan fetchlog"
"$TG" store scan -c c.ini --db listings > listings.jsonl || fail "scan listings"
/usr/bin/python3 - "$P" <<'PY' || fail "fault classes / stored records"
import json, re, sys
classes = [None, "network", "timeout", "5xx", "429", "4xx", "auth", "parse", "blocked",
           "toobig", "redirect", "scope", "robots", "quota"]
def vstr(b, i):
    n = s = 0
    while True:
        c = b[i]; i += 1; n |= (c & 0x7f) << s; s += 7
        if not c & 0x80: break
    return b[i:i + n].decode(), i + n + 1
got = {}
for line in open("fetchlog.jsonl"):
    e = json.loads(line)
    v = bytes.fromhex(e["value_hex"])
    url, i = vstr(v, 4)
    path = re.sub(r"^http://127\.0\.0\.1:\d+/", "", url)
    got.setdefault(path, set()).add(classes[v[1]])
want = {
    "slow-headers": "timeout", "drip": "timeout", "stall": "timeout",
    "reset": "network", "short": "network", "garbage-status": "network",
    "bad-chunked": "network", "gzip-bomb": "toobig", "big-header": "toobig",
    "redirect-loop": "redirect", "redirect-chain/9": "redirect",
    "redirect-foreign": "scope", "redirect-ftp": "scope",
    "always-500": "5xx", "not-found": "4xx", "private/secret": "robots",
    "deep-json": "parse", "wrong-type": "parse",
}
bad = []
for p, c in want.items():
    if c not in got.get(p, set()):
        bad.append(f"{p}: want {c}, got {sorted(got.get(p, []))}")
for p in ["good", "redirect-ok", "flaky", "retry-after-secs", "retry-after-date",
          "retry-after-garbage", "retry-after-absurd", "huge-line"]:
    if p in got and got[p] - {"5xx", "429"}:
        bad.append(f"{p}: unexpected failure {sorted(got[p])}")
titles = [json.loads(l)["title"] for l in open("listings.jsonl")]
tags = {re.sub(r" item \d+$", "", t) for t in titles}
must = {"good", "redirect-target", "flaky", "retry-after-secs", "retry-after-date",
        "retry-after-garbage", "retry-after-absurd", "huge-line"}
allowed = must | {"nul-bytes"}
if not must <= tags: bad.append(f"missing listings from {sorted(must - tags)}")
if not tags <= allowed: bad.append(f"listings from pages that had none: {sorted(tags - allowed)}")
if bad:
    print("\n".join(bad)); sys.exit(1)
print(f"{len(want)} faults classified, {len(titles)} listings from {len(tags)} good pages")
PY
# Retry-After honoured: the second request came at least ~1 s after the first
/usr/bin/python3 - <<'PY' || fail "Retry-After not honoured"
import collections
t = collections.defaultdict(list)
for line in open("req.log"):
    ts, path = line.split()
    t[path].append(float(ts))
for p in ["/retry-after-secs", "/retry-after-date"]:
    assert len(t[p]) >= 2, (p, t[p])
    gap = t[p][1] - t[p][0]
    assert gap >= 0.9, (p, gap)
    print(p, "retried after %.2fs" % gap)
assert len(t["/always-500"]) == 2, t["/always-500"]   # retry_max = 1
assert len(t["/not-found"]) == 1                      # permanent: no retry
assert len(t["/redirect-loop"]) == 6, len(t["/redirect-loop"])  # 1 + 5 redirects
assert "/private/secret" not in t                     # robots.txt honoured
assert len(t["/robots.txt"]) == 1
assert len(t["/good"]) == 1                           # dedup
PY
# the fetch log keeps only the newest entries (cap lowered for the test)
sed -i 's#^path = store#path = store2#' c.ini
TG_CRAWL_FETCHLOG_MAX=5 timeout 60 "$TG" crawl -c c.ini --once 2>crawl2.log || fail "crawl 2"
n=$("$TG" store scan -c c.ini --db fetchlog | wc -l)
[ "$n" -eq 5 ] || fail "fetch log holds $n entries, cap 5"
echo ok
