/* The fleet's result codec (crawler/result_codec.c): a result with every field
 * and vector filled survives encode/decode field by field and re-encodes to
 * the same bytes; every truncation and corrupted bytes give TG_EDATA (never a
 * crash, never a partial result); a failed encode leaves the buffer as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crawler/crawl_int.h"
#include "trendguard/error.h"

#include <math.h>
#include <string.h>

static tg_result *full_result(void)
{
    tg_item it = {.key = "tiktok/stanleycup/19723",
                  .due_ms = 1773480000123ull,
                  .kind = 1,
                  .attempts = 3,
                  .state = "cursor=40"};
    tg_result *r = tg_result__new(&it);
    assert_non_null(r);
    r->fate = TG_FATE_NEXT;
    r->next_item = (tg_item){.key = "tiktok/stanleycup/19723",
                             .due_ms = 1773480060000ull,
                             .kind = 1,
                             .attempts = 0,
                             .state = "cursor=60"};
    r->round_done = true;
    r->page = true;
    r->retry = false;
    r->ec = TG_EC_HTTP5XX;
    r->status = 503;
    r->url = "http://127.0.0.1:8080/api/search?q=stanleycup&cursor=40";
    r->reqid = 0x1122334455667788ull;
    r->obs_t = 1773480000;
    tg_video v = {.id = 7300000000000000001ull,
                  .username = "alice",
                  .description = "my cup",
                  .hashtags = "stanleycup;cups",
                  .region = "US",
                  .create_time = 1773400000,
                  .first_seen = 1773480000};
    assert_int_equal(TG_VEC_PUSH(r->videos, v), 0);
    v.id++;
    v.username = "bob";
    v.description = ""; /* empty strings travel too */
    assert_int_equal(TG_VEC_PUSH(r->videos, v), 0);
    tg_snapshot s = {
        .video_id = v.id, .t = 1773480000, .views = 1000, .likes = -1, .comments = 0, .shares = 5};
    assert_int_equal(TG_VEC_PUSH(r->snaps, s), 0);
    tg_listing l = {.source = TG_SRC_EBAY,
                    .listing_id = "v1|1234|0",
                    .product_id = "P001",
                    .title = "Stanley Quencher 40oz",
                    .url = "http://127.0.0.1/itm/1234",
                    .currency = "USD",
                    .price_low = 39.5,
                    .price_high = 45.0,
                    .original_price = NAN,
                    .status = TG_LISTING_ACTIVE,
                    .first_seen = 1773480000,
                    .sold_at = 0};
    assert_int_equal(TG_VEC_PUSH(r->listings, l), 0);
    l.listing_id = "v1|999|0";
    l.product_id = NULL; /* "no product" stays NULL */
    l.status = TG_LISTING_SOLD;
    l.sold_at = 1773470000;
    assert_int_equal(TG_VEC_PUSH(r->listings, l), 0);
    tg_price_obs p = {.product_id = "P001",
                      .t = 1773480000,
                      .source = TG_SRC_EBAY,
                      .listing_id = "v1|1234|0",
                      .price = 39.5,
                      .status = TG_LISTING_ACTIVE};
    assert_int_equal(TG_VEC_PUSH(r->prices, p), 0);
    tg_tagday d = {.hashtag = "stanleycup", .day = 20526};
    assert_int_equal(TG_VEC_PUSH(r->tagdays, d), 0);
    d.day = -3;
    assert_int_equal(TG_VEC_PUSH(r->tagdays, d), 0);
    tg_new_item ni = {
        .it = {.key = "site/bench/http://h/a", .due_ms = 5, .kind = 5, .attempts = 0, .state = ""},
        .seen = "site/bench/http://h/a",
        .site = "bench",
        .max_pages = 2000};
    assert_int_equal(TG_VEC_PUSH(r->items, ni), 0);
    ni.it.key = "ebay/P002/";
    ni.seen = NULL;
    ni.site = NULL;
    ni.max_pages = 0;
    assert_int_equal(TG_VEC_PUSH(r->items, ni), 0);
    r->meta_key = "ebay.token";
    r->meta_val = "1773483600 tok-abc";
    r->robots_host = "http://127.0.0.1:8081";
    r->robots_mode = 0;
    static const char body[] = "User-agent: *\nDisallow: /private\n\0after-nul";
    r->robots_body = body;
    r->robots_len = sizeof body - 1;
    return r;
}

static void assert_item_equal(const tg_item *a, const tg_item *b)
{
    assert_string_equal(a->key, b->key);
    assert_true(a->due_ms == b->due_ms);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->attempts, b->attempts);
    assert_string_equal(a->state, b->state);
}

static void assert_ostr_equal(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void test_result_codec__roundtrip_every_field(void **state)
{
    (void)state;
    tg_result *r = full_result();
    tg_buf b;
    tg_buf_init(&b, 1 << 20);
    assert_int_equal(tg_buf_adds(&b, "prefix"), TG_OK); /* encode appends */
    assert_int_equal(tg_result__encode(r, &b), TG_OK);
    tg_result *d = NULL;
    assert_int_equal(tg_result__decode(b.data + 6, b.len - 6, &d), TG_OK);
    assert_non_null(d);
    assert_null(d->next);

    assert_item_equal(&d->item, &r->item);
    assert_int_equal(d->fate, TG_FATE_NEXT);
    assert_item_equal(&d->next_item, &r->next_item);
    assert_true(d->round_done);
    assert_true(d->page);
    assert_false(d->retry);
    assert_int_equal(d->ec, TG_EC_HTTP5XX);
    assert_int_equal(d->status, 503);
    assert_string_equal(d->url, r->url);
    assert_true(d->reqid == r->reqid);
    assert_int_equal(d->obs_t, r->obs_t);

    assert_int_equal(d->videos.n, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_true(d->videos.v[i].id == r->videos.v[i].id);
        assert_string_equal(d->videos.v[i].username, r->videos.v[i].username);
        assert_string_equal(d->videos.v[i].description, r->videos.v[i].description);
        assert_string_equal(d->videos.v[i].hashtags, r->videos.v[i].hashtags);
        assert_string_equal(d->videos.v[i].region, r->videos.v[i].region);
        assert_int_equal(d->videos.v[i].create_time, r->videos.v[i].create_time);
        assert_int_equal(d->videos.v[i].first_seen, r->videos.v[i].first_seen);
    }
    assert_int_equal(d->snaps.n, 1);
    assert_true(d->snaps.v[0].video_id == r->snaps.v[0].video_id);
    assert_int_equal(d->snaps.v[0].t, 1773480000);
    assert_int_equal(d->snaps.v[0].views, 1000);
    assert_int_equal(d->snaps.v[0].likes, -1);
    assert_int_equal(d->snaps.v[0].comments, 0);
    assert_int_equal(d->snaps.v[0].shares, 5);
    assert_int_equal(d->listings.n, 2);
    for (size_t i = 0; i < 2; i++) {
        const tg_listing *x = &d->listings.v[i], *y = &r->listings.v[i];
        assert_int_equal(x->source, y->source);
        assert_string_equal(x->listing_id, y->listing_id);
        assert_ostr_equal(x->product_id, y->product_id);
        assert_string_equal(x->title, y->title);
        assert_string_equal(x->url, y->url);
        assert_string_equal(x->currency, y->currency);
        assert_true(x->price_low == y->price_low);
        assert_true(x->price_high == y->price_high);
        assert_true(isnan(x->original_price));
        assert_int_equal(x->status, y->status);
        assert_int_equal(x->first_seen, y->first_seen);
        assert_int_equal(x->sold_at, y->sold_at);
    }
    assert_int_equal(d->prices.n, 1);
    assert_string_equal(d->prices.v[0].product_id, "P001");
    assert_int_equal(d->prices.v[0].t, 1773480000);
    assert_int_equal(d->prices.v[0].source, TG_SRC_EBAY);
    assert_string_equal(d->prices.v[0].listing_id, "v1|1234|0");
    assert_true(d->prices.v[0].price == 39.5);
    assert_int_equal(d->prices.v[0].status, TG_LISTING_ACTIVE);
    assert_int_equal(d->tagdays.n, 2);
    assert_string_equal(d->tagdays.v[0].hashtag, "stanleycup");
    assert_int_equal(d->tagdays.v[0].day, 20526);
    assert_int_equal(d->tagdays.v[1].day, -3);
    assert_int_equal(d->items.n, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_item_equal(&d->items.v[i].it, &r->items.v[i].it);
        assert_ostr_equal(d->items.v[i].seen, r->items.v[i].seen);
        assert_ostr_equal(d->items.v[i].site, r->items.v[i].site);
        assert_int_equal(d->items.v[i].max_pages, r->items.v[i].max_pages);
    }
    assert_string_equal(d->meta_key, "ebay.token");
    assert_string_equal(d->meta_val, "1773483600 tok-abc");
    assert_string_equal(d->robots_host, "http://127.0.0.1:8081");
    assert_int_equal(d->robots_mode, 0);
    assert_int_equal(d->robots_len, r->robots_len);
    assert_memory_equal(d->robots_body, r->robots_body, r->robots_len);

    /* the decoded result owns its memory: it outlives the bytes and the original */
    tg_buf again;
    tg_buf_init(&again, 1 << 20);
    size_t enc_len = b.len - 6;
    char *enc = tg_malloc(enc_len);
    assert_non_null(enc);
    memcpy(enc, b.data + 6, enc_len);
    tg_buf_free(&b);
    tg_result__free(r);
    assert_int_equal(tg_result__encode(d, &again), TG_OK);
    assert_int_equal(again.len, enc_len);
    assert_memory_equal(again.data, enc, enc_len);
    tg_free(enc);
    tg_buf_free(&again);
    tg_result__free(d);
}

static void test_result_codec__minimal_result(void **state)
{
    (void)state;
    tg_item it = {.key = "posh/P001", .state = ""};
    tg_result *r = tg_result__new(&it);
    assert_non_null(r);
    tg_buf b;
    tg_buf_init(&b, 4096);
    assert_int_equal(tg_result__encode(r, &b), TG_OK);
    tg_result *d;
    assert_int_equal(tg_result__decode(b.data, b.len, &d), TG_OK);
    assert_string_equal(d->item.key, "posh/P001");
    assert_int_equal(d->fate, TG_FATE_DONE);
    assert_null(d->url);
    assert_null(d->meta_key);
    assert_null(d->robots_host);
    assert_int_equal(d->videos.n + d->snaps.n + d->listings.n + d->prices.n + d->items.n, 0);
    /* trailing bytes (fields of a later minor revision) are ignored */
    assert_int_equal(tg_buf_adds(&b, "future"), TG_OK);
    tg_result *d2;
    assert_int_equal(tg_result__decode(b.data, b.len, &d2), TG_OK);
    assert_string_equal(d2->item.key, "posh/P001");
    tg_result__free(d2);
    tg_result__free(d);
    tg_result__free(r);
    tg_buf_free(&b);
}

static void test_result_codec__truncated_and_garbage(void **state)
{
    (void)state;
    tg_result *r = full_result();
    tg_buf b;
    tg_buf_init(&b, 1 << 20);
    assert_int_equal(tg_result__encode(r, &b), TG_OK);
    tg_result__free(r);
    tg_result *d = (tg_result *)&d; /* must be reset to NULL on failure */

    /* every proper prefix is malformed: each field is required */
    for (size_t n = 0; n < b.len; n++) {
        assert_int_equal(tg_result__decode(b.data, n, &d), TG_EDATA);
        assert_null(d);
    }
    assert_int_equal(tg_result__decode(NULL, 0, &d), TG_EDATA);
    /* an unknown version */
    b.data[0] = 2;
    assert_int_equal(tg_result__decode(b.data, b.len, &d), TG_EDATA);
    b.data[0] = 1;
    /* every single byte flipped to every of a few values: decodes or TG_EDATA */
    static const unsigned char vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    size_t edata = 0;
    for (size_t i = 1; i < b.len; i++) {
        unsigned char saved = (unsigned char)b.data[i];
        for (size_t j = 0; j < sizeof vals; j++) {
            b.data[i] = (char)vals[j];
            int rc = tg_result__decode(b.data, b.len, &d);
            assert_true(rc == TG_OK || rc == TG_EDATA);
            if (rc == TG_OK)
                tg_result__free(d);
            else
                edata++;
        }
        b.data[i] = (char)saved;
    }
    assert_true(edata > 0);
    /* a huge count must not size an allocation */
    static const unsigned char huge[] = {1, 0, 0, 0, 0,    0,    0,    0,    0,
                                         0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f};
    assert_int_equal(tg_result__decode(huge, sizeof huge, &d), TG_EDATA);
    tg_buf_free(&b);
}

static void test_result_codec__encode_failure_leaves_buffer(void **state)
{
    (void)state;
    tg_result *r = full_result();
    tg_buf b;
    tg_buf_init(&b, 64); /* too small for the result */
    assert_int_equal(tg_buf_adds(&b, "keep"), TG_OK);
    assert_int_equal(tg_result__encode(r, &b), TG_ETOOBIG);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "keep");
    tg_buf_free(&b);
    tg_result__free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_codec__roundtrip_every_field),
        cmocka_unit_test(test_result_codec__minimal_result),
        cmocka_unit_test(test_result_codec__truncated_and_garbage),
        cmocka_unit_test(test_result_codec__encode_failure_leaves_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
