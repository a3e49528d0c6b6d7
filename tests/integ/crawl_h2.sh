#!/bin/bash
# HTTP/2 and connection reuse, seen from the server: nginx (TLS + http2, and a
# plain HTTP/1.1 listener) logs each request's protocol and connection number
# while a [site] crawl fetches 30 pages with up to 8 connections.
#   - https: every request is HTTP/2.0 and all of them share ONE connection
#     (multiplexed; curl waits for it instead of opening more, CURLOPT_PIPEWAIT);
#   - http:  HTTP/1.1 keep-alive: at most max_per_host connections, each reused;
#   - TLS verification stays on: without $TG_CA_FILE the self-signed server is
#     refused and nothing is stored.
# Needs nginx with http_v2 + ssl and the openssl tool (skips otherwise).
set -u
TG=${TG:-build/trendguard}
command -v nginx >/dev/null || { echo "skip: nginx not installed"; exit 77; }
command -v openssl >/dev/null || { echo "skip: openssl tool not installed"; exit 77; }
nginx -V 2>&1 | grep -q -- --with-http_v2_module || { echo "skip: nginx without http_v2"; exit 77; }
work=$(mktemp -d)
chmod 755 "$work" # nginx workers may run as another user
cleanup() {
    [ -s "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cp "$TG" "$work/tg" 2>/dev/null || { sleep 2; cp "$TG" "$work/tg"; } || fail "cannot copy $TG"
TG=$work/tg
cd "$work"

# 30 result pages of 3 listings, each linking to the next two
mkdir -p site/p
for n in $(seq 0 29); do
    {
        echo "<html><head><title>results $n</title></head><body><ul>"
        for i in 1 2 3; do
            echo "<li class=\"s-item\"><a class=\"s-item__link\" href=\"/item/$n-$i\">"
            echo "<div class=\"s-item__title\"><span>thing $n $i</span></div></a>"
            echo "<span class=\"s-item__price\">\$$n.${i}9</span></li>"
        done
        echo "</ul><a href=\"/p/$(((n + 1) % 30)).html\">n</a>"
        echo "<a href=\"/p/$(((n + 2) % 30)).html\">m</a></body></html>"
    } > "site/p/$n.html"
done
echo '<html><body><a href="/p/0.html">start</a></body></html>' > site/index.html
printf 'User-agent: *\nDisallow: /item/\n' > site/robots.txt
chmod -R a+rX site

openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 ||
    fail "openssl req"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PS=$(free_port)
PH=$(free_port)
cat > nginx.conf <<NGX
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 256; }
http {
  log_format p '\$server_port \$server_protocol \$connection \$request_uri';
  access_log $work/access.log p;
  keepalive_requests 1000;
  types { text/html html; text/plain txt; }
  server { listen 127.0.0.1:$PS ssl http2; root $work/site;
           ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem; }
  server { listen 127.0.0.1:$PH; root $work/site; }
}
NGX
nginx -c "$work/nginx.conf" -p "$work" 2>nginx.out || { cat nginx.out; fail "nginx did not start"; }
for _ in $(seq 50); do [ -s nginx.pid ] && break; sleep 0.1; done

crawl() { # NAME URL-BASE -> crawls into store-NAME
    cat > "$1.ini" <<INI
[store]
path = store-$1
[crawl]
max_connections = 8
max_per_host = 8
rate_per_host = 100000
respect_robots = true
[site.$1]
start_url = $2/index.html
follow = ^$(echo "$2" | sed 's/[.]/\\./g')/p/[0-9]+\.html\$
extractor = ebay-listings
max_pages = 1000
INI
    timeout 60 "$TG" --log-level=warn crawl -c "$1.ini" --once --no-progress 2>"$1.err"
}
listings() {
    "$TG" store stats -c "$1.ini" | awk '$1 == "listings" { print $2 }'
}

# 1. TLS verification on: the self-signed server is refused
unset TG_CA_FILE
crawl noca "https://127.0.0.1:$PS" || fail "crawl without CA exited non-zero"
[ "$(listings noca)" = 0 ] || fail "stored listings from an unverified TLS server"
grep -q " $PS " access.log && fail "a request reached the server without a verified certificate"

# 2. HTTP/2 over TLS: one multiplexed connection
TG_CA_FILE=$work/cert.pem crawl h2 "https://127.0.0.1:$PS" || fail "h2 crawl exited non-zero"
[ "$(listings h2)" = 90 ] || fail "h2: $(listings h2) listings stored, want 90 (30 pages x 3)"
awk -v p="$PS" '$1 == p' access.log > h2.log
n=$(wc -l < h2.log)
[ "$n" -eq 32 ] || fail "h2: $n requests, want 32 (robots.txt, index, 30 pages)"
bad=$(awk '$2 != "HTTP/2.0"' h2.log | wc -l)
[ "$bad" -eq 0 ] || fail "h2: $bad requests were not HTTP/2.0: $(head -3 h2.log)"
conns=$(awk '{ print $3 }' h2.log | sort -u | wc -l)
[ "$conns" -eq 1 ] || fail "h2: $conns connections for $n requests, want 1 (multiplexed)"

# 3. HTTP/1.1: keep-alive reuse, never more than max_per_host connections
crawl h1 "http://127.0.0.1:$PH" || fail "h1 crawl exited non-zero"
[ "$(listings h1)" = 90 ] || fail "h1: $(listings h1) listings stored, want 90"
awk -v p="$PH" '$1 == p' access.log > h1.log
n=$(wc -l < h1.log)
conns=$(awk '{ print $3 }' h1.log | sort -u | wc -l)
[ "$(awk '$2 != "HTTP/1.1"' h1.log | wc -l)" -eq 0 ] || fail "h1: not HTTP/1.1: $(head -3 h1.log)"
[ "$conns" -le 8 ] || fail "h1: $conns connections, max_per_host is 8"
[ "$conns" -lt "$n" ] || fail "h1: $conns connections for $n requests: no reuse"
echo "ok: h2 32 requests on 1 connection; h1 $n requests on $conns connections"
