/* tg_fetch__origin's fast path (no curl URL parser for plain http(s) URLs)
 * must give curl's answer for every URL: a table of tricky cases and
 * seeded random mutations of them are checked against curl_url itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crawler/crawl_int.h"
#include "trendguard/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the reference: what tg_fetch__origin did before the fast path */
static int curl_origin(const char *url, char *buf, size_t n)
{
    int rc = TG_EDATA;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    assert_non_null(u);
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        snprintf(buf, n, "%s://%s:%s", scheme, host, port) < (int)n) {
        for (char *q = buf; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        rc = TG_OK;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

static const char *const cases[] = {
    "http://127.0.0.1:8089/p/1.html",
    "HTTP://Example.COM/a?b#c",
    "https://www.ebay.com/sch/i.html?_nkw=x",
    "https://www.ebay.com:443/",
    "http://www.ebay.com:80",
    "http://host:8080?x",
    "http://host:8080#frag",
    "http://host:/p",
    "http://host:0/p",
    "http://host:080/p",
    "http://host:65535/p",
    "http://host:65536/p",
    "http://host:123456/p",
    "http://127.1/p",
    "http://0x7f000001/p",
    "http://127.0.0.01/p",
    "http://256.1.1.1/p",
    "http://1.2.3.4.5/p",
    "http://1.2.3/p",
    "http://3com.com/p",
    "http://example.com./p",
    "http://user:pw@example.com/p",
    "http://[::1]:8080/p",
    "http://exa_mple.com/p",
    "http://ex%41mple.com/p",
    "http://example.com/a b",
    "http://example.com/a\tb",
    "http://example.com\\evil.com/",
    "http:/example.com/p",
    "http:example.com",
    "ftp://example.com/p",
    "mailto:x@example.com",
    "//example.com/p",
    "/p/1.html",
    "",
    "https://",
    "http://.example.com/",
    "http://-x-.com/",
    "http://xn--bcher-kva.example/",
    "http://b\xc3\xbc"
    "cher.example/",
};

static void check(const char *url)
{
    char a[300], b[300];
    int ra = tg_fetch__origin(url, a, sizeof a);
    int rb = curl_origin(url, b, sizeof b);
    if (ra != rb || (ra == TG_OK && strcmp(a, b) != 0)) {
        fprintf(stderr, "url %s: ours %d %s, curl %d %s\n", url, ra, ra ? "" : a, rb, rb ? "" : b);
        fail();
    }
}

static void test_fetch_origin__table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check(cases[i]);
    char buf[300];
    assert_int_equal(tg_fetch__origin("HTTP://Example.COM:8080/a", buf, sizeof buf), TG_OK);
    assert_string_equal(buf, "http://example.com:8080");
    assert_int_equal(tg_fetch__origin("https://x.org", buf, sizeof buf), TG_OK);
    assert_string_equal(buf, "https://x.org:443");
    assert_int_not_equal(tg_fetch__origin("https://x.org", buf, 10), TG_OK); /* too long */
}

static void test_fetch_origin__mutations(void **state)
{
    (void)state;
    static const char alphabet[] = "aZ09.-:/?#@%[]_ \t\\x\x7f\xc3";
    srand(42);
    for (int round = 0; round < 20000; round++) {
        char url[128];
        snprintf(url, sizeof url, "%s", cases[(size_t)rand() % 4]);
        size_t len = strlen(url);
        int edits = 1 + rand() % 3;
        for (int e = 0; e < edits && len > 1; e++) {
            size_t at = (size_t)rand() % len;
            char ch = alphabet[(size_t)rand() % (sizeof alphabet - 1)];
            if (rand() % 2) {
                url[at] = ch; /* replace */
            } else if (len + 1 < sizeof url) {
                memmove(url + at + 1, url + at, len - at + 1); /* insert */
                url[at] = ch;
                len++;
            }
        }
        check(url);
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fetch_origin__table),
        cmocka_unit_test(test_fetch_origin__mutations),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
