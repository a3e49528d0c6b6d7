#!/bin/bash
# `trendguard config check|show`: exit codes, FILE:LINE errors, masked secrets.
set -u
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$TG" config check "$TG_ROOT/config/trendguard.ini" >/dev/null || fail "example config rejected"
"$TG" config check "$TG_ROOT/config/demo.ini" >/dev/null || fail "demo config rejected"
printf '[crawl]\nmax_connections = 8\nmax_per_host = x\n' > "$d/bad.ini"
out=$("$TG" config check "$d/bad.ini" 2>&1); rc=$?
[ $rc -eq 78 ] || fail "bad config exit $rc, want 78"
[[ "$out" == "$d/bad.ini:3: "* ]] || fail "no FILE:LINE in: $out"
printf '[tiktok]\napi_base = http://127.0.0.1:1\nclient_key = k\nclient_secret = supersecretvalue\n' > "$d/s.ini"
out=$("$TG" config show "$d/s.ini") || fail "show failed"
[[ "$out" == *supersecretvalue* ]] && fail "secret shown"
[[ "$out" == *"client_secret = ***"* ]] || fail "secret not masked: $out"
# options before or after positionals
"$TG" config -c "$d/s.ini" check >/dev/null || fail "-c before verb"
"$TG" config check >/dev/null 2>&1; [ $? -eq 64 ] || fail "missing file should be usage error"
"$TG" config frob "$d/s.ini" >/dev/null 2>&1; [ $? -eq 64 ] || fail "unknown verb should be 64"
"$TG" config check "$d/nonexistent.ini" >/dev/null 2>&1; [ $? -eq 78 ] || fail "missing file should be 78"
"$TG" --help | grep -q '^  crawl ' || fail "--help lists no crawl"
"$TG" nosuchcmd >/dev/null 2>&1; [ $? -eq 64 ] || fail "unknown command should be 64"
echo ok
