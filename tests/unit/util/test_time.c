/* util/time.c and util/misc.c: parsing, formatting, durations, PRNG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "trendguard/error.h"
#include "trendguard/util.h"

static void test_time__iso_forms(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(tg_time_parse("2026-03-14T10:22:00Z", &t), TG_OK);
    assert_int_equal(t, 1773483720);
    assert_int_equal(tg_time_parse("2026-03-14", &t), TG_OK);
    assert_int_equal(t, 1773446400);
    assert_int_equal(tg_time_parse("2026-03-14T12:22:00+02:00", &t), TG_OK);
    assert_int_equal(t, 1773483720);
    assert_int_equal(tg_time_parse("2026-03-14 10:22", &t), TG_OK);
    assert_int_equal(t, 1773483720);
    assert_int_equal(tg_time_parse("2026-03-14T10:22:00.123Z", &t), TG_OK);
    assert_int_equal(t, 1773483720);
    assert_int_equal(tg_time_parse("1969-12-31T23:59:59Z", &t), TG_OK);
    assert_int_equal(t, -1);
}

static void test_time__rejects(void **state)
{
    (void)state;
    int64_t t;
    const char *bad[] = {"",
                         "2026-13-01",
                         "2026-02-30",
                         "2025-02-29",
                         "2026-1-01",
                         "26-01-01",
                         "2026-01-01T25:00Z",
                         "2026-01-01Tx",
                         "2026-01-01Q",
                         "2026-01-01T10:00:00ZZ",
                         "2026-01-01T10:00+99"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tg_time_parse(bad[i], &t), TG_EDATA);
    assert_int_equal(tg_time_parse("2024-02-29", &t), TG_OK);
}

static void test_time__format_roundtrip(void **state)
{
    (void)state;
    char buf[40];
    int64_t t;
    for (int64_t x = -86400 * 400; x < 86400LL * 365 * 80; x += 86400 * 17 + 3607) {
        tg_time_format(x, buf, sizeof buf);
        assert_int_equal(tg_time_parse(buf, &t), TG_OK);
        assert_int_equal(t, x);
    }
    assert_string_equal(tg_date_format(1773483720, buf, sizeof buf), "2026-03-14");
    assert_int_equal(tg_day_of(-1), -1);
    assert_int_equal(tg_day_of(86399), 0);
    /* extreme values clamp instead of overflowing (a fuzzer finding) */
    assert_string_equal(tg_time_format(INT64_MAX, buf, sizeof buf), "9999-12-31T23:59:59Z");
    assert_string_equal(tg_time_format(INT64_MIN, buf, sizeof buf), "0001-01-01T00:00:00Z");
    assert_string_equal(tg_date_format(INT64_MIN + 1, buf, sizeof buf), "0001-01-01");
}

static void test_time__http_date(void **state)
{
    (void)state;
    char buf[40];
    int64_t t;
    assert_int_equal(tg_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t), TG_OK);
    assert_int_equal(t, 784111777);
    assert_string_equal(tg_http_date_format(784111777, buf, sizeof buf),
                        "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_int_equal(tg_http_date_parse("garbage", &t), TG_EDATA);
    assert_int_equal(tg_http_date_parse("Sun, 06 Nov 1994 08:49:37 PST", &t), TG_EDATA);
}

static void test_time__durations(void **state)
{
    (void)state;
    double s;
    assert_int_equal(tg_duration_parse("90s", &s), TG_OK);
    assert_true(s == 90);
    assert_int_equal(tg_duration_parse("15m", &s), TG_OK);
    assert_true(s == 900);
    assert_int_equal(tg_duration_parse("6h", &s), TG_OK);
    assert_true(s == 21600);
    assert_int_equal(tg_duration_parse("1d", &s), TG_OK);
    assert_true(s == 86400);
    assert_int_equal(tg_duration_parse("250ms", &s), TG_OK);
    assert_true(s == 0.25);
    assert_int_equal(tg_duration_parse("12", &s), TG_OK);
    assert_true(s == 12);
    assert_int_equal(tg_duration_parse("1w", &s), TG_EDATA);
    assert_int_equal(tg_duration_parse("-3s", &s), TG_EDATA);
    assert_int_equal(tg_duration_parse("h", &s), TG_EDATA);
}

static void test_misc__rng_deterministic(void **state)
{
    (void)state;
    tg_rng a, b;
    tg_rng_seed(&a, 7);
    tg_rng_seed(&b, 7);
    for (int i = 0; i < 1000; i++)
        assert_true(tg_rng_next(&a) == tg_rng_next(&b));
    tg_rng_seed(&b, 8);
    assert_true(tg_rng_next(&a) != tg_rng_next(&b));
    double sum = 0;
    for (int i = 0; i < 10000; i++) {
        double u = tg_rng_unif(&a);
        assert_true(u >= 0 && u < 1);
        sum += u;
    }
    assert_true(sum / 10000 > 0.45 && sum / 10000 < 0.55);
}

static void test_buf__cap(void **state)
{
    (void)state;
    tg_buf b;
    tg_buf_init(&b, 8);
    assert_int_equal(tg_buf_adds(&b, "12345678"), TG_OK);
    assert_int_equal(tg_buf_adds(&b, "9"), TG_ETOOBIG);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678");
    tg_buf_free(&b);
    tg_buf_init(&b, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(tg_buf_printf(&b, "%04d", i), TG_OK);
    assert_int_equal(b.len, 4000);
    assert_memory_equal(b.data + 3996, "0999", 4);
    tg_buf_free(&b);
}

static void test_alloc__fail_injection(void **state)
{
    (void)state;
    tg_alloc_fail_at(2);
    void *a = tg_malloc(10);
    void *b = tg_malloc(10);
    void *c = tg_malloc(10);
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    tg_free(a);
    tg_free(c);
    tg_alloc_fail_at(0);
}

static void test_error__table(void **state)
{
    (void)state;
    assert_string_equal(tg_strerror(TG_OK), "success");
    assert_string_equal(tg_errname(TG_EDATA), "EDATA");
    assert_int_equal(tg_exit_code(TG_EDATA), 65);
    assert_int_equal(tg_exit_code(TG_ECONFIG), 78);
    assert_int_equal(tg_exit_code(TG_EIO), 74);
    assert_int_equal(tg_exit_code(TG_EUSAGE), 64);
    assert_string_equal(tg_strerror(12345), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time__iso_forms),
        cmocka_unit_test(test_time__rejects),
        cmocka_unit_test(test_time__format_roundtrip),
        cmocka_unit_test(test_time__http_date),
        cmocka_unit_test(test_time__durations),
        cmocka_unit_test(test_misc__rng_deterministic),
        cmocka_unit_test(test_buf__cap),
        cmocka_unit_test(test_alloc__fail_injection),
        cmocka_unit_test(test_error__table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
