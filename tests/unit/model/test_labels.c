/*
 * Labels: "Regret" within 30 days, the trend rule for empty reasons (peak + 7
 * days .. death, from the whole series), the 30-day cut-off, unlabelled
 * orders at the end of the data, and --label-any-return.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "model/model_int.h"
#include "trendguard/error.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define T0 1767225600 /* 2026-01-01, day 20454 */

/* Daily gains: 1000 rising to a peak of 100000 on day 10, then decaying to
 * below 5% of it by day 20; the series runs 60 days. */
static int64_t views_on(int d)
{
    int64_t v = 0;
    for (int k = 0; k <= d; k++) {
        double g = k <= 10 ? 1000.0 + 9900.0 * k : 100000.0 * exp(-(k - 10) / 3.0);
        v += (int64_t)g;
    }
    return v;
}

typedef struct ord {
    const char *id;
    int purchase_day;
    int return_day; /* -1 none */
    const char *reason;
} ord;

static const ord orders[] = {
    {"A", 1, 5, "Regret"},   /* regret */
    {"B", 1, 40, "Regret"},  /* returned after 30 days: not a regret */
    {"C", 5, 18, ""},        /* empty reason, day 18 in [peak+7=17, death]: imputed */
    {"D", 1, 12, ""},        /* empty reason before peak + 7: not imputed */
    {"E", 5, 15, "Damaged"}, /* another reason */
    {"F", 2, -1, NULL},      /* kept */
    {"G", 50, -1, NULL},     /* 30-day window ends after the data: unlabelled */
    {"H", 55, 56, "Regret"}, /* returned within 30 days: labelled even near the end */
};

static int fill(tg_store_txn *t, void *ctx)
{
    (void)ctx;
    int rc;
    tg_product p = {"P1", "x", "home", 30, "hype", "x", T0};
    if ((rc = tg_store_put_product(t, &p)))
        return rc;
    for (int d = 0; d < 60; d++) {
        tg_hashtag_day hd = {"hype", tg_day_of(T0) + d, 1, 1, 1, views_on(d), 1, 1, 1, 0.1, NAN};
        if ((rc = tg_store_put_hashtag_day(t, &hd)))
            return rc;
    }
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        tg_order o = {orders[i].id, {0}, "P1",   T0 + (int64_t)orders[i].purchase_day * DAY + 3600,
                      30,           30,  "10000"};
        o.customer[0] = (uint8_t)i;
        if ((rc = tg_store_put_order(t, &o)))
            return rc;
        if (orders[i].return_day < 0)
            continue;
        tg_return r = {orders[i].id, T0 + (int64_t)orders[i].return_day * DAY + 7200,
                       orders[i].reason};
        if ((rc = tg_store_put_return(t, &r)))
            return rc;
    }
    return 0;
}

static int8_t label_of(const tg_model_ctx *c, const tg_model__labels *l, const char *id)
{
    for (size_t i = 0; i < tg_model__ctx_norders(c); i++)
        if (strcmp(tg_model__ctx_order(c, i)->order_id, id) == 0)
            return l->y[i];
    fail_msg("order %s not found", id);
    return -2;
}

static void test_labels__rules(void **st)
{
    (void)st;
    char dir[] = "/tmp/tg_test_labels_XXXXXX";
    assert_non_null(mkdtemp(dir));
    tg_store *s = NULL;
    assert_int_equal(tg_store_open_ex(&s, dir, TG_STORE_CREATE, 16), TG_OK);
    assert_int_equal(tg_store_write(s, fill, NULL), TG_OK);
    tg_store_read *r = NULL;
    assert_int_equal(tg_store_read_begin(s, &r), TG_OK);
    tg_model_ctx *c = NULL;
    assert_int_equal(tg_model_ctx_build(&c, r, NULL), TG_OK);

    tg_model__labels l;
    assert_int_equal(tg_model__labels_build(c, true, false, &l), TG_OK);
    assert_int_equal(label_of(c, &l, "A"), 1);
    assert_int_equal(label_of(c, &l, "B"), 0);
    assert_int_equal(label_of(c, &l, "C"), 1);
    assert_int_equal(label_of(c, &l, "D"), 0);
    assert_int_equal(label_of(c, &l, "E"), 0);
    assert_int_equal(label_of(c, &l, "F"), 0);
    assert_int_equal(label_of(c, &l, "G"), -1);
    assert_int_equal(label_of(c, &l, "H"), 1);
    assert_int_equal(l.imputed, 1);
    assert_int_equal(l.empty, 2);
    assert_int_equal(l.unlabelled, 1);
    tg_model__labels_free(&l);

    /* label_empty_reason = none */
    assert_int_equal(tg_model__labels_build(c, false, false, &l), TG_OK);
    assert_int_equal(label_of(c, &l, "C"), 0);
    assert_int_equal(l.imputed, 0);
    tg_model__labels_free(&l);

    /* any return within 30 days */
    assert_int_equal(tg_model__labels_build(c, true, true, &l), TG_OK);
    assert_int_equal(label_of(c, &l, "D"), 1);
    assert_int_equal(label_of(c, &l, "E"), 1);
    assert_int_equal(label_of(c, &l, "B"), 0);
    tg_model__labels_free(&l);

    tg_model_ctx_free(&c);
    tg_store_read_end(&r);
    tg_store_close(&s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels__rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
