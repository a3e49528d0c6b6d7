/* Per-host politeness: token bucket, concurrency cap, Crawl-delay floor,
 * Retry-After backoff (capped), jittered exponential backoff, decay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crawler/crawl_int.h"
#include "trendguard/error.h"

static void test_politeness__bucket_and_cap(void **s)
{
    (void)s;
    tg_polite *p;
    tg_polite_cfg cfg = {2.0, 2, 60, 1};
    assert_int_equal(tg_polite__new(&p, &cfg, 1), TG_OK);
    double t = 1000;
    /* a new host starts with one token (no burst before we know it) */
    assert_true(tg_polite__wait(p, "h", t) == 0);
    tg_polite__start(p, "h", t);
    double w = tg_polite__wait(p, "h", t);
    assert_true(w > 0.4 && w <= 0.5); /* ~ 1/rate */
    tg_polite__done(p, "h", t + 1, 200, -1);
    /* the bucket refills up to max(1, rate) = 2 tokens */
    assert_true(tg_polite__wait(p, "h", t + 5) == 0);
    tg_polite__start(p, "h", t + 5);
    assert_true(tg_polite__wait(p, "h", t + 5) == 0);
    tg_polite__start(p, "h", t + 5);
    /* three in flight would exceed the concurrency cap of 2 */
    assert_true(tg_polite__wait(p, "h", t + 10) > 0);
    tg_polite__done(p, "h", t + 10, 200, -1);
    tg_polite__done(p, "h", t + 10, 200, -1);
    assert_true(tg_polite__wait(p, "h", t + 10) == 0);
    /* other hosts are independent */
    assert_true(tg_polite__wait(p, "other", t) == 0);
    tg_polite__free(&p);
    assert_null(p);
}

static void test_politeness__crawl_delay_floor(void **s)
{
    (void)s;
    tg_polite *p;
    tg_polite_cfg cfg = {1000.0, 8, 60, 1};
    assert_int_equal(tg_polite__new(&p, &cfg, 1), TG_OK);
    tg_polite__set_delay(p, "h", 3.0);
    double t = tg_mono();
    tg_polite__start(p, "h", t);
    tg_polite__done(p, "h", t, 200, -1);
    double w = tg_polite__wait(p, "h", t + 1);
    assert_true(w > 1.9 && w <= 2.0); /* 3 s floor despite a fast bucket */
    tg_polite__free(&p);
}

static void test_politeness__retry_after_and_cap(void **s)
{
    (void)s;
    tg_polite *p;
    tg_polite_cfg cfg = {1000.0, 8, 30, 1};
    assert_int_equal(tg_polite__new(&p, &cfg, 7), TG_OK);
    double t = 500;
    tg_polite__start(p, "h", t);
    assert_true(tg_polite__done(p, "h", t, 429, 5) == 5); /* seconds, as told */
    assert_true(tg_polite__wait(p, "h", t + 4) > 0.9);
    assert_true(tg_polite__wait(p, "h", t + 5.01) == 0);
    tg_polite__start(p, "h", t + 6);
    assert_true(tg_polite__done(p, "h", t + 6, 503, 1e9) == 30); /* absurd: capped */
    /* no Retry-After: full jitter in [0, base * 2^(level-1)], capped */
    for (int i = 0; i < 200; i++) {
        double d = tg_polite__backoff(p, 3, 1.0, 30);
        assert_true(d >= 0 && d <= 4.0);
        d = tg_polite__backoff(p, 40, 1.0, 30);
        assert_true(d >= 0 && d <= 30.0);
    }
    tg_polite__free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_politeness__bucket_and_cap),
        cmocka_unit_test(test_politeness__crawl_delay_floor),
        cmocka_unit_test(test_politeness__retry_after_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
