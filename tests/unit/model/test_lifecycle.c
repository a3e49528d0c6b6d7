/* model/lifecycle.c: stages on shaped series; point-in-time (no future reads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "trendguard/error.h"
#include "trendguard/trends.h"

#define N 90

/* rise for 20 days, plateau 5, decay to nothing */
static double shape(int i)
{
    if (i < 20)
        return 100.0 * (i + 1);
    if (i < 25)
        return 2000.0;
    return 2000.0 * exp(-(i - 25) / 6.0);
}

static void test_lifecycle__stages_in_order(void **state)
{
    (void)state;
    int32_t days[N];
    double v[N];
    tg_lifecycle_point p[N];
    for (int i = 0; i < N; i++) {
        days[i] = 19000 + i;
        v[i] = shape(i);
    }
    assert_int_equal(tg_lifecycle_compute(days, v, N, p), TG_OK);
    assert_int_equal(p[5].stage, TG_STAGE_RISING);
    assert_int_equal(p[15].stage, TG_STAGE_RISING);
    assert_int_equal(p[24].stage, TG_STAGE_PEAK);
    assert_int_equal(p[35].stage, TG_STAGE_DECLINE);
    assert_int_equal(p[80].stage, TG_STAGE_DEAD);
    /* stages never go back from dead on a monotone decay */
    for (int i = 1; i < N; i++)
        if (p[i - 1].stage == TG_STAGE_DEAD)
            assert_int_equal(p[i].stage, TG_STAGE_DEAD);
    /* highest point so far and days since it */
    assert_int_equal(p[10].peak_day, 19010);
    assert_int_equal(p[10].days_since_peak, 0);
    assert_true(p[40].peak_value >= 1999.0 && p[40].peak_value <= 2001.0);
    assert_int_equal(p[40].days_since_peak, 40 - (p[40].peak_day - 19000));
    assert_true(p[10].velocity7 > 0);
    assert_true(p[40].velocity7 < 0);
    assert_string_equal(tg_lifecycle_stage_name(p[80].stage), "dead");
}

static void test_lifecycle__point_in_time(void **state)
{
    (void)state;
    /* day k's point is the same whether or not later days exist */
    int32_t days[N];
    double v[N];
    tg_lifecycle_point full[N], part[N];
    for (int i = 0; i < N; i++) {
        days[i] = 19000 + i;
        v[i] = shape(i);
    }
    assert_int_equal(tg_lifecycle_compute(days, v, N, full), TG_OK);
    for (int k = 1; k <= N; k += 7) {
        assert_int_equal(tg_lifecycle_compute(days, v, (size_t)k, part), TG_OK);
        const tg_lifecycle_point *a = &part[k - 1], *b = &full[k - 1];
        assert_int_equal(a->stage, b->stage);
        assert_int_equal(a->peak_day, b->peak_day);
        assert_int_equal(a->days_since_peak, b->days_since_peak);
        assert_true(a->peak_value == b->peak_value && a->velocity7 == b->velocity7 &&
                    a->ratio == b->ratio && a->value == b->value);
    }
}

static void test_lifecycle__gaps_none_and_errors(void **state)
{
    (void)state;
    int32_t days[3] = {10, 11, 30};
    double v[3] = {0, NAN, 0};
    tg_lifecycle_point p[3];
    assert_int_equal(tg_lifecycle_compute(days, v, 3, p), TG_OK);
    assert_int_equal(p[2].stage, TG_STAGE_NONE);
    /* a gap of 19 days after a spike: the window sees zeros, so dead */
    double w[3] = {500, 500, 0};
    assert_int_equal(tg_lifecycle_compute(days, w, 3, p), TG_OK);
    assert_int_equal(p[2].stage, TG_STAGE_DEAD);
    assert_int_equal(p[2].days_since_peak, 19);
    int32_t bad[2] = {5, 5};
    assert_int_equal(tg_lifecycle_compute(bad, v, 2, p), TG_EINVAL);
    assert_int_equal(tg_lifecycle_compute(NULL, v, 2, p), TG_EINVAL);
    assert_int_equal(tg_lifecycle_compute(days, v, 0, p), TG_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle__stages_in_order),
        cmocka_unit_test(test_lifecycle__point_in_time),
        cmocka_unit_test(test_lifecycle__gaps_none_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
