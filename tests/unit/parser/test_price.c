/* parser/price.c: prices, ranges, currencies, counts, hashtags, sold dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "trendguard/error.h"
#include "trendguard/parser.h"

static void price_is(const char *s, double lo, double hi, const char *cur)
{
    tg_price p;
    int rc = tg_parse_price(s, strlen(s), &p);
    if (rc != TG_OK)
        fail_msg("'%s' did not parse (%d)", s, rc);
    if (fabs(p.low - lo) > 1e-9 || fabs(p.high - hi) > 1e-9 || strcmp(p.currency, cur) != 0)
        fail_msg("'%s' -> %g..%g %s, want %g..%g %s", s, p.low, p.high, p.currency, lo, hi, cur);
}

static void test_price__forms(void **state)
{
    (void)state;
    price_is("$1,234.56", 1234.56, 1234.56, "USD");
    price_is("US $12.00", 12.0, 12.0, "USD");
    price_is("\xc2\xa3"
             "8.99",
             8.99, 8.99, "GBP");
    price_is("EUR 10,00", 10.0, 10.0, "EUR");
    price_is("EUR 3,500.00", 3500.0, 3500.0, "EUR");
    price_is("1.234,56 \xe2\x82\xac", 1234.56, 1234.56, "EUR");
    price_is("C $5.00", 5.0, 5.0, "CAD");
    price_is("AU $7", 7.0, 7.0, "AUD");
    price_is("$10.00 to $20.00", 10.0, 20.0, "USD");
    price_is("  $195.00  ", 195.0, 195.0, "USD");
    price_is("Free", 0, 0, "");
    price_is("58.0", 58.0, 58.0, "");
}

static void test_price__rejects(void **state)
{
    (void)state;
    tg_price p;
    const char *bad[] = {"", "abc", "$", "to"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tg_parse_price(bad[i], strlen(bad[i]), &p), TG_EDATA);
}

static void count_is(const char *s, int64_t want)
{
    int64_t v = -7;
    int rc = tg_parse_count(s, strlen(s), &v);
    if (rc != TG_OK || v != want)
        fail_msg("'%s' -> rc %d value %lld, want %lld", s, rc, (long long)v, (long long)want);
}

static void test_count__forms(void **state)
{
    (void)state;
    count_is("13.9M", 13900000);
    count_is("257.5K", 257500);
    count_is("1,234", 1234);
    count_is("1.2B", 1200000000);
    count_is("42", 42);
    count_is("686000.0", 686000);
    count_is("7028743950684949650", INT64_C(7028743950684949650));
    int64_t v;
    assert_int_equal(tg_parse_count("", 0, &v), TG_EDATA);
    assert_int_equal(tg_parse_count("12X", 3, &v), TG_EDATA);
    assert_int_equal(tg_parse_count("-5", 2, &v), TG_EDATA);
}

typedef struct tags {
    char got[8][64];
    int n;
} tags;

static int collect(const char *t, size_t n, void *ctx)
{
    tags *g = ctx;
    if (g->n < 8 && n < 64)
        memcpy(g->got[g->n++], t, n + 1);
    return 0;
}

static void test_hashtags__lowercase(void **state)
{
    (void)state;
    tags g = {0};
    const char *s = "lol #POV #Avengers_2 and #caf\xc3\xa9 # not#this? ok";
    assert_int_equal(tg_parse_hashtags(s, strlen(s), collect, &g), TG_OK);
    assert_int_equal(g.n, 4);
    assert_string_equal(g.got[0], "pov");
    assert_string_equal(g.got[1], "avengers_2");
    assert_string_equal(g.got[2], "caf\xc3\xa9");
    assert_string_equal(g.got[3], "this");
}

static void test_sold_date__forms(void **state)
{
    (void)state;
    int64_t t;
    const char *a = "Sold  Oct 14, 2023";
    assert_int_equal(tg_parse_sold_date(a, strlen(a), &t), TG_OK);
    assert_int_equal(t, 1697241600);
    const char *b = "Sold 14 Oct 2023";
    assert_int_equal(tg_parse_sold_date(b, strlen(b), &t), TG_OK);
    assert_int_equal(t, 1697241600);
    const char *c = "Sold\xc2\xa0 Feb 1, 2023";
    assert_int_equal(tg_parse_sold_date(c, strlen(c), &t), TG_OK);
    assert_int_equal(t, 1675209600);
    /* not NUL-terminated: the year ends the buffer (fuzz finding) */
    char e[18];
    memcpy(e, "Sold Oct 14, 2023", 17);
    e[17] = '7';
    assert_int_equal(tg_parse_sold_date(e, 17, &t), TG_OK);
    assert_int_equal(t, 1697241600);
    const char *d = "Sold Item";
    assert_int_equal(tg_parse_sold_date(d, strlen(d), &t), TG_EDATA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_price__forms),     cmocka_unit_test(test_price__rejects),
        cmocka_unit_test(test_count__forms),     cmocka_unit_test(test_hashtags__lowercase),
        cmocka_unit_test(test_sold_date__forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
