/* Round-trips of every store record codec, key ordering, and rejection of bad bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store_int.h"
#include "trendguard/error.h"

#include <math.h>
#include <string.h>

static tg_buf kb, vb;

static int setup(void **st)
{
    (void)st;
    tg_buf_init(&kb, TG_STORE_MAX_KEY);
    tg_buf_init(&vb, TG_STORE_MAX_VALUE);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    tg_buf_free(&kb);
    tg_buf_free(&vb);
    return 0;
}

/* Every strict prefix of a valid value must be rejected, never crash. */
#define CHECK_TRUNCATIONS(dec, type)                                                               \
    do {                                                                                           \
        for (size_t n_ = 0; n_ < vb.len; n_++) {                                                   \
            type t_;                                                                               \
            assert_int_equal(dec(kb.data, kb.len, vb.data, n_, &t_), TG_EDATA);                    \
        }                                                                                          \
        type t2_;                                                                                  \
        assert_int_equal(dec(kb.data, kb.len > 0 ? kb.len - 1 : 0, vb.data, vb.len, &t2_),         \
                         TG_EDATA);                                                                \
    } while (0)

static void test_codec__product(void **st)
{
    (void)st;
    tg_product p = {"P-1",     "Stanley Quencher, 40oz", "drinkware",
                    45.5,      "stanleycup;tumbler",     "stanley quencher 40oz",
                    1700000000};
    assert_int_equal(tg_store__enc_product(&kb, &vb, &p), 0);
    tg_product o;
    assert_int_equal(tg_store__dec_product(kb.data, kb.len, vb.data, vb.len, &o), 0);
    assert_string_equal(o.product_id, "P-1");
    assert_string_equal(o.name, p.name);
    assert_string_equal(o.category, p.category);
    assert_true(o.price == 45.5);
    assert_string_equal(o.hashtags, p.hashtags);
    assert_string_equal(o.resale_query, p.resale_query);
    assert_int_equal(o.launch_date, 1700000000);
    CHECK_TRUNCATIONS(tg_store__dec_product, tg_product);
}

static void test_codec__trend_video_snapshot(void **st)
{
    (void)st;
    tg_trend tr = {"stanleycup", 0.25, true, -5, 1700000001};
    assert_int_equal(tg_store__enc_trend(&kb, &vb, &tr), 0);
    tg_trend to;
    assert_int_equal(tg_store__dec_trend(kb.data, kb.len, vb.data, vb.len, &to), 0);
    assert_string_equal(to.hashtag, "stanleycup");
    assert_true(to.bot_score == 0.25 && to.is_bot);
    assert_int_equal(to.first_seen, -5);
    assert_int_equal(to.updated, 1700000001);
    CHECK_TRUNCATIONS(tg_store__dec_trend, tg_trend);

    tg_video v = {UINT64_C(7234567890123456789),
                  "alice",
                  "desc \xc3\xa9",
                  "a;b",
                  "US",
                  1700000000,
                  1700000100};
    assert_int_equal(tg_store__enc_video(&kb, &vb, &v), 0);
    tg_video vo;
    assert_int_equal(tg_store__dec_video(kb.data, kb.len, vb.data, vb.len, &vo), 0);
    assert_true(vo.id == v.id);
    assert_string_equal(vo.username, "alice");
    assert_string_equal(vo.description, v.description);
    assert_string_equal(vo.hashtags, "a;b");
    assert_string_equal(vo.region, "US");
    assert_int_equal(vo.create_time, v.create_time);
    assert_int_equal(vo.first_seen, v.first_seen);
    CHECK_TRUNCATIONS(tg_store__dec_video, tg_video);

    tg_snapshot s = {v.id, 1700000200, INT64_MAX, -1, 0, 12345};
    assert_int_equal(tg_store__enc_snapshot(&kb, &vb, &s), 0);
    assert_int_equal(kb.len, 16);
    tg_snapshot so;
    assert_int_equal(tg_store__dec_snapshot(kb.data, kb.len, vb.data, vb.len, &so), 0);
    assert_true(so.video_id == v.id);
    assert_int_equal(so.t, s.t);
    assert_true(so.views == INT64_MAX);
    assert_int_equal(so.likes, -1);
    assert_int_equal(so.comments, 0);
    assert_int_equal(so.shares, 12345);
    CHECK_TRUNCATIONS(tg_store__dec_snapshot, tg_snapshot);
}

static void test_codec__hashtag_day_listing_price(void **st)
{
    (void)st;
    tg_hashtag_day d = {"tag", -3, 10, 2, 7, 1000000, 50, -1, 3, 0.5, NAN};
    assert_int_equal(tg_store__enc_hashtag_day(&kb, &vb, &d), 0);
    tg_hashtag_day o;
    assert_int_equal(tg_store__dec_hashtag_day(kb.data, kb.len, vb.data, vb.len, &o), 0);
    assert_string_equal(o.hashtag, "tag");
    assert_int_equal(o.day, -3);
    assert_int_equal(o.videos, 10);
    assert_int_equal(o.new_videos, 2);
    assert_int_equal(o.authors, 7);
    assert_int_equal(o.views, 1000000);
    assert_int_equal(o.likes, 50);
    assert_int_equal(o.comments, -1);
    assert_int_equal(o.shares, 3);
    assert_true(o.top_author_share == 0.5);
    assert_true(isnan(o.bot_score));
    CHECK_TRUNCATIONS(tg_store__dec_hashtag_day, tg_hashtag_day);

    tg_listing l = {TG_SRC_POSHMARK,
                    "65a1b2c3d4e5f60718293a4b",
                    NULL,
                    "Stanley 40oz",
                    "http://x/",
                    "USD",
                    30,
                    35,
                    NAN,
                    TG_LISTING_SOLD,
                    1700000000,
                    1700000500};
    assert_int_equal(tg_store__enc_listing(&kb, &vb, &l), 0);
    tg_listing lo;
    assert_int_equal(tg_store__dec_listing(kb.data, kb.len, vb.data, vb.len, &lo), 0);
    assert_int_equal(lo.source, TG_SRC_POSHMARK);
    assert_string_equal(lo.listing_id, l.listing_id);
    assert_null(lo.product_id);
    assert_string_equal(lo.title, l.title);
    assert_string_equal(lo.url, l.url);
    assert_string_equal(lo.currency, "USD");
    assert_true(lo.price_low == 30 && lo.price_high == 35 && isnan(lo.original_price));
    assert_int_equal(lo.status, TG_LISTING_SOLD);
    assert_int_equal(lo.sold_at, 1700000500);
    CHECK_TRUNCATIONS(tg_store__dec_listing, tg_listing);

    tg_price_obs p = {"P-1", 1700000000, TG_SRC_EBAY, "1234567890", 29.99, TG_LISTING_ACTIVE};
    assert_int_equal(tg_store__enc_price_obs(&kb, &vb, &p), 0);
    tg_price_obs po;
    assert_int_equal(tg_store__dec_price_obs(kb.data, kb.len, vb.data, vb.len, &po), 0);
    assert_string_equal(po.product_id, "P-1");
    assert_int_equal(po.t, p.t);
    assert_int_equal(po.source, TG_SRC_EBAY);
    assert_string_equal(po.listing_id, "1234567890");
    assert_true(po.price == 29.99);
    assert_int_equal(po.status, TG_LISTING_ACTIVE);
    CHECK_TRUNCATIONS(tg_store__dec_price_obs, tg_price_obs);
}

static void test_codec__retail(void **st)
{
    (void)st;
    tg_order ord = {"O-1", {0}, "P-1", 1700000000, 19.5, 34, "02139"};
    for (int i = 0; i < 32; i++)
        ord.customer[i] = (uint8_t)(i * 7);
    assert_int_equal(tg_store__enc_order(&kb, &vb, &ord), 0);
    tg_order oo;
    assert_int_equal(tg_store__dec_order(kb.data, kb.len, vb.data, vb.len, &oo), 0);
    assert_string_equal(oo.order_id, "O-1");
    assert_memory_equal(oo.customer, ord.customer, 32);
    assert_string_equal(oo.product_id, "P-1");
    assert_int_equal(oo.purchase_time, ord.purchase_time);
    assert_true(oo.price_paid == 19.5);
    assert_int_equal(oo.age, 34);
    assert_string_equal(oo.zip, "02139");
    CHECK_TRUNCATIONS(tg_store__dec_order, tg_order);

    tg_return rt = {"O-1", 1700100000, ""};
    assert_int_equal(tg_store__enc_return(&kb, &vb, &rt), 0);
    tg_return ro;
    assert_int_equal(tg_store__dec_return(kb.data, kb.len, vb.data, vb.len, &ro), 0);
    assert_string_equal(ro.order_id, "O-1");
    assert_int_equal(ro.return_time, rt.return_time);
    assert_string_equal(ro.reason, "");
    CHECK_TRUNCATIONS(tg_store__dec_return, tg_return);

    tg_review rv = {"R-9", "P-1", 1700000000, 4, "good,\n\"really\""};
    assert_int_equal(tg_store__enc_review(&kb, &vb, &rv), 0);
    tg_review rvo;
    assert_int_equal(tg_store__dec_review(kb.data, kb.len, vb.data, vb.len, &rvo), 0);
    assert_string_equal(rvo.review_id, "R-9");
    assert_string_equal(rvo.product_id, "P-1");
    assert_int_equal(rvo.rating, 4);
    assert_string_equal(rvo.text, rv.text);
    CHECK_TRUNCATIONS(tg_store__dec_review, tg_review);

    assert_int_equal(tg_store__enc_zip(&kb, &vb, "02139", 81000.5), 0);
    const char *z;
    double inc;
    assert_int_equal(tg_store__dec_zip(kb.data, kb.len, vb.data, vb.len, &z, &inc), 0);
    assert_string_equal(z, "02139");
    assert_true(inc == 81000.5);
}

static void test_codec__prediction_intervention(void **st)
{
    (void)st;
    tg_prediction p = {"O-1", 0.87, "email_offer", "trend_age;price_drop", 1700000000, "m-1"};
    assert_int_equal(tg_store__enc_prediction(&kb, &vb, &p), 0);
    tg_prediction o;
    assert_int_equal(tg_store__dec_prediction(kb.data, kb.len, vb.data, vb.len, &o), 0);
    assert_string_equal(o.order_id, "O-1");
    assert_true(o.risk == 0.87);
    assert_string_equal(o.tier, "email_offer");
    assert_string_equal(o.reasons, p.reasons);
    assert_int_equal(o.scored_at, p.scored_at);
    assert_string_equal(o.model_id, "m-1");
    CHECK_TRUNCATIONS(tg_store__dec_prediction, tg_prediction);

    tg_intervention iv = {"O-1", 19700, "control", 0.4, true};
    assert_int_equal(tg_store__enc_intervention(&kb, &vb, &iv), 0);
    tg_intervention io;
    assert_int_equal(tg_store__dec_intervention(kb.data, kb.len, vb.data, vb.len, &io), 0);
    assert_string_equal(io.order_id, "O-1");
    assert_int_equal(io.day, 19700);
    assert_string_equal(io.action, "control");
    assert_true(io.risk == 0.4 && io.control);
    CHECK_TRUNCATIONS(tg_store__dec_intervention, tg_intervention);
}

static void test_codec__key_order_and_versions(void **st)
{
    (void)st;
    /* be64t keys sort numerically, negatives first */
    int64_t ts[] = {INT64_MIN, -100, -1, 0, 1, 1700000000, INT64_MAX};
    unsigned char prev[8] = {0};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        tg_buf_reset(&kb);
        assert_int_equal(tg_store__key_be64t(&kb, ts[i]), 0);
        if (i)
            assert_true(memcmp(prev, kb.data, 8) < 0);
        memcpy(prev, kb.data, 8);
    }
    /* "ab" sorts before "abc" and is not its prefix */
    tg_buf a, b;
    tg_buf_init(&a, 64);
    tg_buf_init(&b, 64);
    tg_store__key_str(&a, "ab");
    tg_store__key_str(&b, "abc");
    assert_true(memcmp(a.data, b.data, a.len) != 0);
    tg_buf_free(&a);
    tg_buf_free(&b);
    /* an unknown version byte is rejected */
    tg_trend tr = {"x", 0.1, false, 1, 2};
    tg_store__enc_trend(&kb, &vb, &tr);
    vb.data[0] = 2;
    tg_trend o;
    assert_int_equal(tg_store__dec_trend(kb.data, kb.len, vb.data, vb.len, &o), TG_EDATA);
    /* a string with an embedded NUL or missing terminator is rejected */
    tg_product p = {"P", "ab", "", 1, "", "", 0};
    tg_store__enc_product(&kb, &vb, &p);
    vb.data[4] = (char)0x58; /* 01 02 a b [NUL] -> X */
    tg_product po;
    assert_int_equal(tg_store__dec_product(kb.data, kb.len, vb.data, vb.len, &po), TG_EDATA);
    /* varints: -1 is one byte; 10-byte max */
    tg_buf_reset(&vb);
    tg_store__put_svar(&vb, -1);
    assert_int_equal(vb.len, 1);
    tg_buf_reset(&vb);
    tg_store__put_svar(&vb, INT64_MIN);
    assert_int_equal(vb.len, 10);
    tg_store__rd r;
    tg_store__rd_init(&r, vb.data, vb.len);
    assert_true(tg_store__get_svar(&r) == INT64_MIN);
    assert_int_equal(r.err, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_codec__product, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__trend_video_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__hashtag_day_listing_price, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__retail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__prediction_intervention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__key_order_and_versions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
