/* crawler/url.c: resolution (RFC 3986 5.4 examples), canonical form, hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "trendguard/error.h"
#include "trendguard/url.h"
#include "trendguard/util.h"

static void resolves(const char *base, const char *ref, const char *want)
{
    char *out = NULL;
    int rc = tg_url_resolve(base, ref, &out);
    if (rc != TG_OK || strcmp(out, want))
        fail_msg("resolve(%s, %s) = %d '%s', want '%s'", base, ref, rc, out ? out : "", want);
    tg_free(out);
}

static void test_url__resolve_rfc3986(void **state)
{
    (void)state;
    const char *b = "http://a/b/c/d;p?q";
    resolves(b, "g", "http://a/b/c/g");
    resolves(b, "./g", "http://a/b/c/g");
    resolves(b, "g/", "http://a/b/c/g/");
    resolves(b, "/g", "http://a/g");
    resolves(b, "//g", "http://g");
    resolves(b, "?y", "http://a/b/c/d;p?y");
    resolves(b, "g?y", "http://a/b/c/g?y");
    resolves(b, "#s", "http://a/b/c/d;p?q");
    resolves(b, "", "http://a/b/c/d;p?q");
    resolves(b, ".", "http://a/b/c/");
    resolves(b, "..", "http://a/b/");
    resolves(b, "../g", "http://a/b/g");
    resolves(b, "../../g", "http://a/g");
    resolves(b, "../../../g", "http://a/g");
    resolves(b, "/./g", "http://a/g");
    resolves(b, "g;x=1/../y", "http://a/b/c/y");
    resolves("https://www.ebay.com", "/itm/1", "https://www.ebay.com/itm/1");
    resolves(b, "HTTPS://H/x", "https://H/x"); /* scheme lower-cased (fuzz finding) */
    char *out = NULL;
    assert_int_equal(tg_url_resolve(b, "javascript:alert(1)", &out), TG_EDATA);
    assert_int_equal(tg_url_resolve(b, "mailto:x@y", &out), TG_EDATA);
    assert_int_equal(tg_url_resolve("ftp://x/", "g", &out), TG_EDATA);
    assert_null(out);
}

static void canon(const char *in, const char *want)
{
    char *out = NULL;
    int rc = tg_url_canonical(in, &out);
    if (rc != TG_OK || strcmp(out, want))
        fail_msg("canonical(%s) = %d '%s', want '%s'", in, rc, out ? out : "", want);
    tg_free(out);
}

static void test_url__canonical(void **state)
{
    (void)state;
    canon("HTTP://WWW.Ebay.COM:80/itm/1?b=2&a=1#frag", "http://www.ebay.com/itm/1?a=1&b=2");
    canon("https://www.ebay.com:443", "https://www.ebay.com/");
    canon("https://h:8443/x", "https://h:8443/x");
    canon("https://www.ebay.com/itm/165919136140?hash=item26&_trksid=p2&utm_source=x&mkevt=1",
          "https://www.ebay.com/itm/165919136140");
    canon("http://h/a/./b/../c?utm_campaign=z&q=stanley+cup", "http://h/a/c?q=stanley+cup");
    canon("http://h/p?z=1&z=0", "http://h/p?z=0&z=1");
    char *out = NULL;
    assert_int_equal(tg_url_canonical("file:///etc/passwd", &out), TG_EDATA);
    assert_int_equal(tg_url_canonical("/relative", &out), TG_EDATA);
    assert_int_equal(tg_url_canonical("HTTP://./1?b=2", &out), TG_EDATA); /* fuzz finding */
    assert_null(out);
    assert_true(tg_url_is_tracking_param("utm_medium", 10));
    assert_false(tg_url_is_tracking_param("q", 1));
}

/* canonical's copy shortcut for URLs already in canonical form must agree
 * with the full path: an upper-case scheme letter always takes the full
 * path, so "hTtp://..." is the oracle for "http://..." */
static void test_url__canonical_shortcut(void **state)
{
    (void)state;
    static const char *const rest[] = {"://127.0.0.1:8089/p/1.html",
                                       "://h/",
                                       "://h",
                                       "://h:80/x",
                                       "://h:080/x",
                                       "://h:/x",
                                       "://h:443/x",
                                       "://H/x",
                                       "://h./x",
                                       "://h/a/./b",
                                       "://h/a/../b",
                                       "://h/.x/y",
                                       "://h/x?b=1&a=2",
                                       "://h/x#f",
                                       "://u@h/x",
                                       "://[::1]/x",
                                       "://h_x/y",
                                       "://h/a b",
                                       "://h/%2e%2e/x",
                                       "://h/x/..",
                                       "://h//x",
                                       "://h/x;p=1",
                                       "://ex-ample.com/item/5-8",
                                       "://h:8080",
                                       "://h\\evil/x",
                                       "://h:99999/x"};
    for (int https = 0; https < 2; https++) {
        for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
            char a[128], b[128];
            snprintf(a, sizeof a, "%s%s", https ? "https" : "http", rest[i]);
            snprintf(b, sizeof b, "%s%s", https ? "hTtps" : "hTtp", rest[i]);
            char *ca = NULL, *cb = NULL;
            int ra = tg_url_canonical(a, &ca), rb = tg_url_canonical(b, &cb);
            if (ra != rb || (ra == TG_OK && strcmp(ca, cb)))
                fail_msg("canonical(%s) = %d '%s' but canonical(%s) = %d '%s'", a, ra, ca ? ca : "",
                         b, rb, cb ? cb : "");
            tg_free(ca);
            tg_free(cb);
        }
    }
}

static void test_url__host_and_origin(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(tg_url_host("https://User@WWW.Ebay.com:8443/x", buf, sizeof buf), TG_OK);
    assert_string_equal(buf, "www.ebay.com");
    assert_int_equal(tg_url_host("http://[::1]:8080/", buf, sizeof buf), TG_OK);
    assert_string_equal(buf, "[::1]");
    assert_int_equal(tg_url_origin("HTTP://127.0.0.1:80/p/1.html", buf, sizeof buf), TG_OK);
    assert_string_equal(buf, "http://127.0.0.1");
    assert_int_equal(tg_url_origin("http://127.0.0.1:8080/p", buf, sizeof buf), TG_OK);
    assert_string_equal(buf, "http://127.0.0.1:8080");
    assert_int_equal(tg_url_host("no-scheme", buf, sizeof buf), TG_EDATA);
    char tiny[4];
    assert_int_equal(tg_url_host("http://example.com/", tiny, sizeof tiny), TG_ETOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url__resolve_rfc3986),
        cmocka_unit_test(test_url__canonical),
        cmocka_unit_test(test_url__canonical_shortcut),
        cmocka_unit_test(test_url__host_and_origin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
