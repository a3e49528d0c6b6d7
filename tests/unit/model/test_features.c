/*
 * Point-in-time features: no leakage, NAN for missing, exact values on a
 * hand-checked case.
 *
 * The leakage test generates one seeded synthetic store (products with a
 * hashtag series, resale observations, reviews, orders, returns, zips),
 * computes the features of sampled orders, then rebuilds the store twice
 * per sampled order: once without any record dated after its purchase time
 * t0 (daily rows: day >= day(t0)), once with every such record altered.
 * The order's features must be bit-identical in all three. A control case
 * alters one record dated BEFORE t0 and checks that the features do change,
 * so the comparison can fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trendguard/error.h"
#include "trendguard/model.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY 86400
#define T0 1767225600 /* 2026-01-01 */
#define NPROD 4
#define NDAYS 90
#define NORD 400
#define NCUST 40

enum mode { FULL = 0, CUT = 1, ALTER = 2, ALTER_PAST = 3 };

typedef struct gen {
    int64_t cut;
    enum mode mode;
} gen;

/* Keep / alter a record dated t: returns 0 drop, 1 keep, 2 keep altered. */
static int fate(const gen *g, int64_t t)
{
    if (g->mode == FULL)
        return 1;
    if (g->mode == ALTER_PAST)
        return t < g->cut && t >= g->cut - 20 * DAY ? 2 : 1;
    if (t <= g->cut)
        return 1;
    return g->mode == CUT ? 0 : 2;
}

static int gen_fn(tg_store_txn *txn, void *ctx)
{
    const gen *g = ctx;
    tg_rng r;
    tg_rng_seed(&r, 12345);
    char id[32], tag[32], lid[32];
    int rc;
    for (int p = 0; p < NPROD; p++) {
        snprintf(id, sizeof id, "P%d", p);
        snprintf(tag, sizeof tag, "tag%d", p);
        tg_product pr = {id,  "thing",      p % 2 ? "home" : "beauty", 20.0 + p * 10, tag,
                         "q", T0 - 10 * DAY};
        if ((rc = tg_store_put_product(txn, &pr)))
            return rc;
        int64_t views = 0;
        for (int d = 0; d < NDAYS; d++) {
            int32_t day = tg_day_of(T0) + d;
            double hype = exp(-pow((d - 30.0 - p * 5) / 10.0, 2));
            views += (int64_t)(1000 + 100000 * hype * (0.8 + 0.4 * tg_rng_unif(&r)));
            int f = fate(g, (int64_t)day * DAY + DAY - 1);
            /* a daily row describes the whole day: it is "after t0" from day(t0) on */
            if (g->mode != FULL && g->mode != ALTER_PAST && day >= tg_day_of(g->cut))
                f = g->mode == CUT ? 0 : 2;
            tg_hashtag_day hd = {tag, day, d + 1, 1, 1, views, views / 10, 5, 1, 0.3, 0.1};
            if (f == 2) {
                hd.views = views * 7 + 3;
                hd.likes = 1;
                hd.bot_score = 0.99;
                hd.top_author_share = 0.9;
            }
            /* skip the put, never the draws below: the stream must stay aligned */
            if (f != 0 && (rc = tg_store_put_hashtag_day(txn, &hd)))
                return rc;
            /* resale observations */
            for (int k = 0; k < 3; k++) {
                int64_t t = T0 + (int64_t)d * DAY + (int64_t)(tg_rng_unif(&r) * DAY);
                double price =
                    (20.0 + p * 10) * (1.2 - 0.8 * d / NDAYS) * (0.9 + 0.2 * tg_rng_unif(&r));
                int f2 = fate(g, t);
                if (f2 == 0)
                    continue;
                snprintf(lid, sizeof lid, "L%d_%d_%d", p, d, k);
                tg_price_obs po = {
                    id, t, TG_SRC_EBAY, lid, f2 == 2 ? price * 3 : price, TG_LISTING_ACTIVE};
                if ((rc = tg_store_put_price_obs(txn, &po)))
                    return rc;
            }
        }
    }
    for (int i = 0; i < 120; i++) {
        snprintf(id, sizeof id, "R%03d", i);
        snprintf(tag, sizeof tag, "P%d", (int)(tg_rng_next(&r) % NPROD));
        int64_t t = T0 + (int64_t)(tg_rng_unif(&r) * NDAYS * DAY);
        int rating = 1 + (int)(tg_rng_next(&r) % 5);
        int f = fate(g, t);
        if (f == 0)
            continue;
        tg_review rv = {id, tag, t, f == 2 ? 6 - rating : rating,
                        f == 2 ? "absolutely terrible, broke at once" : "great, love it"};
        if (rating <= 2 && f == 1)
            rv.text = "disappointing and cheap";
        if ((rc = tg_store_put_review(txn, &rv)))
            return rc;
    }
    for (int z = 0; z < 5; z++) {
        snprintf(id, sizeof id, "%05d", 10000 + z);
        if ((rc = tg_store_put_zip(txn, id, 40000 + z * 10000)))
            return rc;
    }
    for (int i = 0; i < NORD; i++) {
        char oid[32], pid[32], zip[16];
        snprintf(oid, sizeof oid, "O%04d", i);
        snprintf(pid, sizeof pid, "P%d", (int)(tg_rng_next(&r) % NPROD));
        snprintf(zip, sizeof zip, "%05d", 10000 + (int)(tg_rng_next(&r) % 5));
        int64_t t = T0 + (int64_t)(tg_rng_unif(&r) * (NDAYS - 5) * DAY);
        tg_order o = {oid, {0}, pid, t, 25.0 + (double)(tg_rng_next(&r) % 30), 20 + i % 40, zip};
        o.customer[0] = (uint8_t)(tg_rng_next(&r) % NCUST);
        o.customer[5] = 7;
        bool ret = tg_rng_unif(&r) < 0.35;
        int64_t rt = t + (int64_t)(tg_rng_unif(&r) * 25 * DAY);
        const char *reason = tg_rng_unif(&r) < 0.5   ? "Regret"
                             : tg_rng_unif(&r) < 0.5 ? ""
                                                     : "Damaged";
        int f = fate(g, t);
        if (f == 0)
            continue;
        if (f == 2) {
            o.price_paid += 100;
            o.age = 99;
        }
        if ((rc = tg_store_put_order(txn, &o)))
            return rc;
        if (!ret)
            continue;
        int fr = fate(g, rt);
        if (fr == 0)
            continue;
        tg_return re = {oid, fr == 2 ? rt + 3600 : rt, fr == 2 ? "Damaged" : reason};
        if ((rc = tg_store_put_return(txn, &re)))
            return rc;
    }
    return 0;
}

static char root[] = "/tmp/tg_test_features_XXXXXX";
static int nstores;

static void make_ctx(const gen *g, tg_model_ctx **out)
{
    char path[256];
    snprintf(path, sizeof path, "%s/s%d", root, nstores++);
    tg_store *s = NULL;
    assert_int_equal(tg_store_open_ex(&s, path, TG_STORE_CREATE, 64), TG_OK);
    assert_int_equal(tg_store_write(s, gen_fn, (void *)g), TG_OK);
    tg_store_read *r = NULL;
    assert_int_equal(tg_store_read_begin(s, &r), TG_OK);
    assert_int_equal(tg_model_ctx_build(out, r, NULL), TG_OK);
    tg_store_read_end(&r);
    tg_store_close(&s);
}

static void get_order(const char *id, const gen *g, tg_order *o, char *pid, char *zip)
{
    /* read the order back from a FULL store */
    char path[256];
    snprintf(path, sizeof path, "%s/s%d", root, nstores++);
    tg_store *s = NULL;
    assert_int_equal(tg_store_open_ex(&s, path, TG_STORE_CREATE, 64), TG_OK);
    assert_int_equal(tg_store_write(s, gen_fn, (void *)g), TG_OK);
    tg_store_read *r = NULL;
    assert_int_equal(tg_store_read_begin(s, &r), TG_OK);
    assert_int_equal(tg_store_get_order(r, id, o), TG_OK);
    strcpy(pid, o->product_id);
    strcpy(zip, o->zip);
    o->product_id = pid;
    o->zip = zip;
    o->order_id = NULL;
    tg_store_read_end(&r);
    tg_store_close(&s);
}

static int setup(void **st)
{
    (void)st;
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_features__no_leakage(void **st)
{
    (void)st;
    gen full = {0, FULL};
    tg_model_ctx *cf = NULL;
    make_ctx(&full, &cf);
    const char *ids[] = {"O0005", "O0050", "O0123", "O0200", "O0333", "O0399"};
    int nonnan_trend = 0;
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        tg_order o;
        char pid[32], zip[16];
        get_order(ids[k], &full, &o, pid, zip);
        float f0[TG_FEAT__COUNT], f1[TG_FEAT__COUNT], f2[TG_FEAT__COUNT], f3[TG_FEAT__COUNT];
        assert_int_equal(tg_model_features(cf, &o, f0), TG_OK);
        nonnan_trend += !isnan(f0[TG_FEAT_days_since_peak]);
        gen cut = {o.purchase_time, CUT}, alt = {o.purchase_time, ALTER},
            past = {o.purchase_time, ALTER_PAST};
        tg_model_ctx *cc = NULL, *ca = NULL, *cp = NULL;
        make_ctx(&cut, &cc);
        make_ctx(&alt, &ca);
        make_ctx(&past, &cp);
        assert_int_equal(tg_model_features(cc, &o, f1), TG_OK);
        assert_int_equal(tg_model_features(ca, &o, f2), TG_OK);
        assert_int_equal(tg_model_features(cp, &o, f3), TG_OK);
        for (int i = 0; i < TG_FEAT__COUNT; i++) {
            if (memcmp(&f0[i], &f1[i], sizeof(float)) != 0 ||
                memcmp(&f0[i], &f2[i], sizeof(float)) != 0)
                fail_msg("order %s feature %s leaks: full %g, cut %g, altered %g", ids[k],
                         tg_model_feature_name(i), (double)f0[i], (double)f1[i], (double)f2[i]);
        }
        /* control: altering the past must show up, or this test could not fail */
        assert_true(memcmp(f0, f3, sizeof f0) != 0);
        tg_model_ctx_free(&cc);
        tg_model_ctx_free(&ca);
        tg_model_ctx_free(&cp);
    }
    assert_true(nonnan_trend >= 4);
    tg_model_ctx_free(&cf);
}

static void test_features__missing_is_nan(void **st)
{
    (void)st;
    gen full = {0, FULL};
    tg_model_ctx *c = NULL;
    make_ctx(&full, &c);
    /* an unknown product, unknown zip and age, before any data */
    tg_order o = {"X1", {0}, "NOPE", T0 - 100 * DAY, NAN, -1, "99999"};
    o.customer[0] = 200;
    float f[TG_FEAT__COUNT];
    assert_int_equal(tg_model_features(c, &o, f), TG_OK);
    assert_true(isnan(f[TG_FEAT_age]));
    assert_true(isnan(f[TG_FEAT_price]));
    assert_true(isnan(f[TG_FEAT_price_income]));
    assert_true(isnan(f[TG_FEAT_days_since_peak]));
    assert_true(isnan(f[TG_FEAT_resale_discount]));
    assert_true(isnan(f[TG_FEAT_sentiment_mean]));
    assert_true(isnan(f[TG_FEAT_category]));
    /* an unknown customer has no past orders: 0 is a count, not a missing value */
    assert_true(f[TG_FEAT_customer_orders] == 0.0f);
    /* a known product before its first data: trend and reviews unknown, category known */
    tg_order o2 = {"X2", {0}, "P1", T0 - 5 * DAY, 30.0, 33, "10001"};
    assert_int_equal(tg_model_features(c, &o2, f), TG_OK);
    assert_true(isnan(f[TG_FEAT_log_views]));
    assert_true(isnan(f[TG_FEAT_rating_mean]));
    assert_false(isnan(f[TG_FEAT_category]));
    assert_float_equal(f[TG_FEAT_price_income], 30.0 / 50000.0 * 1000.0, 1e-5);
    assert_float_equal(f[TG_FEAT_days_since_launch], 5.0, 1e-5);
    assert_float_equal(f[TG_FEAT_review_count], 0.0, 0);
    tg_model_ctx_free(&c);
}

static void test_features__names(void **st)
{
    (void)st;
    assert_string_equal(tg_model_feature_name(0), "days_since_peak");
    assert_string_equal(tg_model_feature_name(TG_FEAT_bracketing), "bracketing");
    assert_string_equal(tg_model_feature_name(TG_FEAT__COUNT), "?");
    for (int i = 0; i < TG_FEAT__COUNT; i++)
        for (int j = i + 1; j < TG_FEAT__COUNT; j++)
            assert_true(strcmp(tg_model_feature_name(i), tg_model_feature_name(j)) != 0);
}

static void test_metrics__auc(void **st)
{
    (void)st;
    double s[] = {0.1, 0.4, 0.35, 0.8};
    int y[] = {0, 0, 1, 1};
    assert_float_equal(tg_model_auc(s, y, 4), 0.75, 1e-12);
    double t[] = {0.5, 0.5, 0.5, 0.5};
    assert_float_equal(tg_model_auc(t, y, 4), 0.5, 1e-12);
    int one[] = {1, 1, 1, 1};
    assert_true(isnan(tg_model_auc(s, one, 4)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_features__no_leakage),
        cmocka_unit_test(test_features__missing_is_nan),
        cmocka_unit_test(test_features__names),
        cmocka_unit_test(test_metrics__auc),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
