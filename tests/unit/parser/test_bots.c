/* parser/bots.c: scoring, a small synthetic store, evaluation against truth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trendguard/error.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/trends.h"
#include "trendguard/util.h"

static void test_bots__score_components(void **state)
{
    (void)state;
    tg_bot_evidence organic = {.views = 1000000,
                               .likes = 80000,
                               .comments = 2400,
                               .shares = 4000,
                               .top_author_share = 0.2,
                               .burst = 0.1,
                               .benford_mad = 0.004};
    tg_bots_score(&organic);
    assert_true(organic.score < 0.1);
    assert_false(organic.is_bot);
    tg_bot_evidence bot = {.views = 1000000,
                           .likes = 4000,
                           .comments = 16,
                           .shares = 200,
                           .videos = 150,
                           .authors = 8,
                           .top_author_share = 1.0,
                           .burst = 0.8,
                           .benford_mad = NAN};
    tg_bots_score(&bot);
    assert_true(bot.score > 0.9);
    assert_true(bot.is_bot);
    /* like rate alone at the organic 5th percentile is not enough to flag */
    tg_bot_evidence edge = {.views = 1000000,
                            .likes = 11000,
                            .comments = 330,
                            .shares = 4000,
                            .videos = 100,
                            .authors = 95,
                            .top_author_share = 0.3,
                            .burst = 0.2,
                            .benford_mad = NAN};
    tg_bots_score(&edge);
    assert_false(edge.is_bot);
    /* nothing known: score 0, not flagged */
    tg_bot_evidence none = {.views = -1,
                            .likes = -1,
                            .comments = -1,
                            .shares = -1,
                            .top_author_share = NAN,
                            .burst = NAN,
                            .benford_mad = NAN};
    tg_bots_score(&none);
    assert_false(none.is_bot);
    /* a handful of videos: the top 3 authors trivially hold most views */
    tg_bot_evidence few = {.views = 28602,
                           .likes = 512,
                           .comments = 17,
                           .shares = 208,
                           .videos = 4,
                           .authors = 4,
                           .top_author_share = 0.96,
                           .burst = NAN,
                           .benford_mad = NAN};
    tg_bots_score(&few);
    assert_false(few.is_bot);
}

typedef struct world {
    int ntags;
    int64_t t0;
} world;

/* organic hashtags org0..org9, bot hashtags bot0..bot4; 40 videos each */
static int fill(tg_store_txn *t, void *ctx)
{
    world *w = ctx;
    tg_rng r;
    tg_rng_seed(&r, 7);
    for (int h = 0; h < w->ntags; h++) {
        bool bot = h >= 10;
        char tag[16];
        snprintf(tag, sizeof tag, bot ? "bot%d" : "org%d", bot ? h - 10 : h);
        int64_t days_views[10] = {0}, days_likes[10] = {0}, days_com[10] = {0}, days_sh[10] = {0};
        int64_t vids[10] = {0};
        for (int k = 0; k < 40; k++) {
            tg_video v = {0};
            char user[16];
            snprintf(user, sizeof user, "u%d",
                     bot ? 900 + h * 4 + k % 4 : (int)(tg_rng_next(&r) % 3000));
            v.id = (uint64_t)h << 32 | (uint64_t)k;
            v.username = user;
            v.description = "";
            v.hashtags = tag;
            v.region = "US";
            int cday = bot ? 3 + k % 2 : k % 8;
            v.create_time = w->t0 + cday * 86400;
            int rc = tg_store_put_video(t, &v, NULL);
            if (rc)
                return rc;
            double views =
                bot ? 40000 * exp(0.6 * tg_rng_norm(&r)) : 4000 * exp(1.3 * tg_rng_norm(&r));
            double lr =
                bot ? 0.004 * exp(0.35 * tg_rng_norm(&r)) : 0.08 * exp(0.6 * tg_rng_norm(&r));
            double cr = bot ? 0.004 : 0.03, sr = bot ? 0.0002 : 0.004;
            for (int d = cday; d < 10; d++) {
                double frac = bot ? 1.0 : 1 - exp(-(d - cday + 1) / 2.0);
                tg_snapshot s = {v.id,
                                 w->t0 + d * 86400 + 3600,
                                 (int64_t)(views * frac),
                                 (int64_t)(views * frac * lr),
                                 (int64_t)(views * frac * lr * cr),
                                 (int64_t)(views * frac * sr)};
                if ((rc = tg_store_put_snapshot(t, &s)))
                    return rc;
                days_views[d] += s.views;
                days_likes[d] += s.likes;
                days_com[d] += s.comments;
                days_sh[d] += s.shares;
                vids[d]++;
            }
        }
        for (int d = 0; d < 10; d++) {
            if (!vids[d])
                continue;
            tg_hashtag_day hd = {tag,
                                 (int32_t)(w->t0 / 86400 + d),
                                 vids[d],
                                 0,
                                 bot ? 4 : 35,
                                 days_views[d],
                                 days_likes[d],
                                 days_com[d],
                                 days_sh[d],
                                 bot ? 1.0 : 0.25,
                                 NAN};
            int rc = tg_store_put_hashtag_day(t, &hd);
            if (rc)
                return rc;
        }
    }
    return TG_OK;
}

static void test_bots__store_run_and_evaluate(void **state)
{
    (void)state;
    char dir[] = "/tmp/tg_bots_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], truth[256];
    snprintf(path, sizeof path, "%s/store", dir);
    snprintf(truth, sizeof truth, "%s/bots.csv", dir);
    tg_store *s = NULL;
    assert_int_equal(tg_store_open(&s, path, TG_STORE_CREATE), TG_OK);
    world w = {15, 1700006400};
    assert_int_equal(tg_store_write(s, fill, &w), TG_OK);
    tg_store_close(&s);

    tg_bot_evidence *ev = NULL;
    size_t n = 0;
    assert_int_equal(tg_bots_run(path, false, &ev, &n), TG_OK);
    assert_int_equal(n, 15);
    for (size_t i = 0; i < n; i++) {
        bool is_bot_tag = !strncmp(ev[i].hashtag, "bot", 3);
        if (ev[i].is_bot != is_bot_tag)
            fail_msg("%s: score %.3f", ev[i].hashtag, ev[i].score);
        assert_true(ev[i].seed_flag == is_bot_tag);
        assert_true(isfinite(ev[i].benford_mad));
    }
    /* truth file: one organic tag marked bot to make the numbers non-trivial */
    FILE *f = fopen(truth, "w");
    assert_non_null(f);
    fprintf(f, "hashtag,is_bot\n");
    for (int h = 0; h < 10; h++)
        fprintf(f, "org%d,%d\n", h, h == 0);
    for (int h = 0; h < 5; h++)
        fprintf(f, "bot%d,1\n", h);
    fprintf(f, "neverseen,1\n");
    fclose(f);
    tg_prf fp, sp;
    assert_int_equal(tg_bots_evaluate(truth, ev, n, &fp, &sp), TG_OK);
    assert_int_equal(fp.tp, 5);
    assert_int_equal(fp.fn, 1);
    assert_int_equal(fp.fp, 0);
    assert_int_equal(fp.tn, 9);
    assert_true(fabs(fp.precision - 1.0) < 1e-12);
    assert_true(fabs(fp.recall - 5.0 / 6.0) < 1e-12);
    assert_true(fabs(fp.f1 - 2 * (5.0 / 6.0) / (1 + 5.0 / 6.0)) < 1e-12);
    tg_bots_evidence_free(&ev, n);
    assert_null(ev);

    /* flags and per-day scores landed in the store */
    assert_int_equal(tg_store_open(&s, path, TG_STORE_RDONLY), TG_OK);
    tg_store_read *r = NULL;
    assert_int_equal(tg_store_read_begin(s, &r), TG_OK);
    tg_trend tr;
    assert_int_equal(tg_store_get_trend(r, "bot3", &tr), TG_OK);
    assert_true(tr.is_bot);
    assert_int_equal(tg_store_get_trend(r, "org3", &tr), TG_OK);
    assert_false(tr.is_bot);
    tg_store_read_end(&r);
    tg_store_close(&s);

    /* a malformed truth file is an error */
    f = fopen(truth, "w");
    fprintf(f, "hashtag,is_bot\norg1,maybe\n");
    fclose(f);
    assert_int_equal(tg_bots_run(path, true, &ev, &n), TG_OK);
    assert_int_equal(tg_bots_evaluate(truth, ev, n, &fp, &sp), TG_EDATA);
    tg_bots_evidence_free(&ev, n);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bots__score_components),
        cmocka_unit_test(test_bots__store_run_and_evaluate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
