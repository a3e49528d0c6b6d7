/* sim/world.c: determinism, bands of the default world, bot vs organic engagement, AUC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "sim/sim_int.h"
#include "trendguard/error.h"
#include "trendguard/sim.h"
#include "trendguard/util.h"

static void test_world__auc_known_values(void **state)
{
    (void)state;
    double s[] = {0.1, 0.4, 0.35, 0.8};
    unsigned char y[] = {0, 0, 1, 1};
    /* pairs (pos,neg): (.35,.1)+ (.35,.4)- (.8,.1)+ (.8,.4)+ -> 3/4 */
    assert_true(fabs(tg_sim_auc(s, y, 4) - 0.75) < 1e-12);
    double t[] = {0.5, 0.5};
    unsigned char z[] = {0, 1};
    assert_true(fabs(tg_sim_auc(t, z, 2) - 0.5) < 1e-12);
    unsigned char all[] = {1, 1};
    assert_true(isnan(tg_sim_auc(t, all, 2)));
}

static void test_world__params_checked(void **state)
{
    (void)state;
    tg_sim_params p;
    tg_sim_params_default(&p);
    assert_int_equal(tg_sim_params_check(&p), TG_OK);
    p.products = 0;
    tg_sim_world *w = (tg_sim_world *)1;
    assert_int_equal(tg_sim_world_build(&p, &w), TG_EINVAL);
    assert_null(w);
    tg_sim_params_default(&p);
    p.start += 3600; /* not a midnight */
    assert_int_equal(tg_sim_params_check(&p), TG_EINVAL);
}

static void test_world__same_seed_same_world(void **state)
{
    (void)state;
    tg_sim_params p;
    tg_sim_params_default(&p);
    p.seed = 42;
    p.products = 15;
    p.days = 60;
    p.orders = 4000;
    tg_sim_world *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(tg_sim_world_build(&p, &a), TG_OK);
    assert_int_equal(tg_sim_world_build(&p, &b), TG_OK);
    p.seed = 43;
    assert_int_equal(tg_sim_world_build(&p, &c), TG_OK);
    assert_int_equal(a->nvideos, b->nvideos);
    assert_int_equal(a->nlistings, b->nlistings);
    for (int32_t i = 0; i < a->nvideos; i++) {
        assert_true(a->videos[i].id == b->videos[i].id);
        assert_true(a->videos[i].v_final == b->videos[i].v_final);
    }
    for (long i = 0; i < a->norders; i++)
        assert_true(a->orders[i].p_true == b->orders[i].p_true);
    /* A different seed is a different world. */
    bool differ = a->nvideos != c->nvideos;
    for (int32_t i = 0; !differ && i < a->nvideos; i++)
        differ = a->videos[i].id != c->videos[i].id;
    assert_true(differ);
    tg_sim_world_free(&a);
    tg_sim_world_free(&b);
    tg_sim_world_free(&c);
    assert_null(a);
}

static void test_world__default_bands(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        tg_sim_params p;
        tg_sim_params_default(&p);
        p.seed = seed;
        tg_sim_world *w = NULL;
        assert_int_equal(tg_sim_world_build(&p, &w), TG_OK);
        tg_sim_summary s;
        tg_sim_world_summary(w, &s);
        assert_true(s.base_rate >= 0.12 && s.base_rate <= 0.20);
        assert_true(s.oracle_auc >= 0.80 && s.oracle_auc <= 0.90);
        double bot_share = (double)s.bot_hashtags / (double)s.hashtags;
        assert_true(bot_share >= 0.18 && bot_share <= 0.27);
        /* Orders are sorted by time and inside the world. */
        for (long i = 1; i < w->norders; i++)
            assert_true(w->orders[i - 1].time <= w->orders[i].time);
        assert_true(w->orders[0].time >= p.start);
        assert_true(w->orders[w->norders - 1].time < w->end);
        /* Returns within 30 days; about 15% with an empty reason. */
        long ret = 0, blank = 0;
        for (long i = 0; i < w->norders; i++) {
            const tg_sim__order *o = &w->orders[i];
            if (!o->return_time)
                continue;
            ret++;
            blank += (o->reason & 0x80) != 0;
            assert_true(o->return_time > o->time && o->return_time - o->time <= 30 * 86400);
        }
        double bs = (double)blank / (double)ret;
        assert_true(bs > 0.12 && bs < 0.18);
        tg_sim_world_free(&w);
    }
}

/* Organic like/view ratios sit in the real band; bot ones far below it. */
static void test_world__bot_engagement_is_low(void **state)
{
    (void)state;
    tg_sim_params p;
    tg_sim_params_default(&p);
    p.seed = 5;
    tg_sim_world *w = NULL;
    assert_int_equal(tg_sim_world_build(&p, &w), TG_OK);
    long org = 0, org_in = 0, bot = 0, bot_low = 0;
    for (int32_t i = 0; i < w->nvideos; i++) {
        const tg_sim__video *v = &w->videos[i];
        uint64_t views, likes, comments, shares;
        tg_sim__video_counts(v, w->end + 60 * 86400, &views, &likes, &comments, &shares);
        if (views < 1000)
            continue;
        double r = (double)likes / (double)views;
        if (v->bot) {
            bot++;
            bot_low += r < 0.011;
        } else {
            org++;
            org_in += r >= 0.011 && r <= 0.22;
        }
        /* Counts never shrink over time. */
        uint64_t v2, l2, c2, s2;
        tg_sim__video_counts(v, v->create_time + 3600, &v2, &l2, &c2, &s2);
        assert_true(v2 <= views && l2 <= likes);
    }
    assert_true(org > 1000 && bot > 100);
    assert_true((double)org_in / (double)org > 0.85);
    assert_true((double)bot_low / (double)bot > 0.95);
    /* Ids above 2^53 and unique per hashtag index order. */
    for (int32_t i = 0; i < w->nvideos; i++)
        assert_true(w->videos[i].id > (1ULL << 53));
    for (int32_t t = 0; t < w->ntags; t++)
        for (int32_t k = 1; k < w->tags[t].nvids; k++)
            assert_true(w->videos[w->tags[t].vids[k - 1]].create_time <=
                        w->videos[w->tags[t].vids[k]].create_time);
    tg_sim_world_free(&w);
}

/* Resale prices fall after the peak for trending products. */
static void test_world__resale_falls_after_peak(void **state)
{
    (void)state;
    tg_sim_params p;
    tg_sim_params_default(&p);
    p.seed = 9;
    tg_sim_world *w = NULL;
    assert_int_equal(tg_sim_world_build(&p, &w), TG_OK);
    int checked = 0;
    for (int32_t i = 0; i < w->nproducts; i++) {
        const tg_sim__product *pr = &w->products[i];
        const tg_sim__hashtag *h = &w->tags[pr->tag[0]];
        if (!h->trending)
            continue;
        double mx;
        double at_peak = tg_sim__resale_mult(w, pr, h->t_peak, &mx);
        double later = tg_sim__resale_mult(w, pr, h->t_peak + 30 * 86400, &mx);
        assert_true(later < at_peak);
        assert_true(fabs(mx - at_peak) < 1e-9);
        checked++;
    }
    assert_true(checked > 30);
    tg_sim_world_free(&w);
}

static void test_world__fmt_helpers(void **state)
{
    (void)state;
    tg_buf b;
    tg_buf_init(&b, 1024);
    assert_int_equal(tg_sim__putmoney(&b, 1234.5, true), TG_OK);
    assert_string_equal(b.data, "1,234.50");
    tg_buf_reset(&b);
    tg_sim__putjs(&b, "a\"b\\c\n\x01");
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
    tg_buf_reset(&b);
    tg_sim__puti(&b, INT64_MIN);
    assert_string_equal(b.data, "-9223372036854775808");
    tg_buf_reset(&b);
    tg_sim__puth(&b, "<a & \"b\">");
    assert_string_equal(b.data, "&lt;a &amp; &quot;b&quot;&gt;");
    tg_buf_free(&b);
    char t[40];
    /* 2026-01-15 12:00Z is PST (-8), 2026-07-01 12:00Z is PDT (-7). */
    tg_sim__pacific_time(1768478400, t, sizeof t);
    assert_string_equal(t, "2026-01-15T04:00:00-08:00");
    tg_sim__pacific_time(1782907200, t, sizeof t);
    assert_string_equal(t, "2026-07-01T05:00:00-07:00");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_world__auc_known_values),
        cmocka_unit_test(test_world__params_checked),
        cmocka_unit_test(test_world__same_seed_same_world),
        cmocka_unit_test(test_world__default_bands),
        cmocka_unit_test(test_world__bot_engagement_is_low),
        cmocka_unit_test(test_world__resale_falls_after_peak),
        cmocka_unit_test(test_world__fmt_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
