#!/bin/bash
# make install honours PREFIX and DESTDIR: binary, library, headers, man page, pkg-config file;
# a downstream program compiles against the installed header and links the installed library.
set -u
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
rel=${TG_BUILD#"$TG_ROOT"/}
make -s -C "$TG_ROOT" install DESTDIR="$d" PREFIX=/opt/tg BUILD="$rel" >"$d/log" 2>&1 || { cat "$d/log"; fail "make install"; }
for f in bin/trendguard lib/libtrendguard.a include/trendguard/store.h include/trendguard/error.h \
         share/man/man1/trendguard.1 lib/pkgconfig/trendguard.pc; do
    [ -e "$d/opt/tg/$f" ] || fail "missing $f"
done
"$d/opt/tg/bin/trendguard" --version | grep -q '^trendguard ' || fail "installed binary does not run"
grep -q '^prefix=/opt/tg' "$d/opt/tg/lib/pkgconfig/trendguard.pc" || fail "pc prefix"
cat > "$d/down.c" <<'C'
#include <trendguard/store.h>
#include <trendguard/error.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    tg_store *s = NULL;
    int rc = tg_store_open(&s, argv[1], TG_STORE_CREATE);
    if (rc) { fprintf(stderr, "%s\n", tg_strerror(rc)); return 1; }
    tg_store_close(&s);
    rc = tg_store_open(&s, argv[1], TG_STORE_RDONLY);
    if (rc) { fprintf(stderr, "%s\n", tg_strerror(rc)); return 1; }
    tg_store_read *r = NULL;
    if (tg_store_read_begin(s, &r)) return 1;
    tg_product p;
    rc = tg_store_get_product(r, "nope", &p);
    tg_store_read_end(&r);
    tg_store_close(&s);
    puts(rc == TG_ENOTFOUND ? "notfound-ok" : "unexpected");
    return argc < 2;
}
C
PKGS="libuv libcurl libxml-2.0 libpcre2-8 lmdb jansson inih libmicrohttpd hiredis libcrypto xgboost"
san=""; case "$TG_BUILD" in */san) san="-fsanitize=address,undefined" ;; esac
cc -std=c11 $san -I"$d/opt/tg/include" -o "$d/down" "$d/down.c" "$d/opt/tg/lib/libtrendguard.a" \
    $(pkg-config --libs $PKGS) -lm -lpthread || fail "downstream build"
[ "$("$d/down" "$d/store")" = notfound-ok ] || fail "downstream run"
echo ok
