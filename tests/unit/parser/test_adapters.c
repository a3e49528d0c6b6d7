/* TikTok / eBay / Poshmark adapters and the eBay HTML extractor on the
 * project's own fixtures (tests/fixtures/parser), plus threads and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trendguard/error.h"
#include "trendguard/parser.h"
#include "trendguard/util.h"

static char *load(const char *name, size_t *len)
{
    char path[1024];
    const char *root = getenv("TG_ROOT");
    snprintf(path, sizeof path, "%s/tests/fixtures/parser/%s", root ? root : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void test_tiktok__query(void **state)
{
    (void)state;
    size_t n;
    char *b = load("tiktok_query.json", &n);
    tg_parse_result r;
    assert_int_equal(tg_parse(TG_PARSE_AUTO, b, n, NULL, &r), TG_OK);
    assert_int_equal(r.kind, TG_PARSE_TIKTOK_QUERY);
    assert_int_equal(r.n_videos, 2); /* the item without an id is dropped */
    assert_true(r.videos[0].id == UINT64_C(7301234567890123456));
    assert_true(r.videos[1].id == UINT64_C(7301234567890123457)); /* from video_id */
    assert_string_equal(r.videos[0].username, "cupfan");
    assert_int_equal(r.videos[0].views, 125000);
    assert_int_equal(r.videos[0].shares, 45);
    assert_int_equal(r.videos[1].comments, -1);
    assert_int_equal(r.videos[1].n_hashtags, 1); /* from the description */
    assert_string_equal(r.videos[1].hashtags[0], "stanleycup");
    assert_string_equal(r.videos[0].hashtags_joined, "stanleycup;fyp");
    assert_int_equal(r.cursor, 200);
    assert_true(r.has_more);
    assert_string_equal(r.search_id, "7201388525814961198");
    assert_int_equal(r.api_err, TG_APIERR_NONE);
    tg_parse_result_free(&r);
    assert_null(r.arena);
    free(b);
}

static void test_tiktok__errors(void **state)
{
    (void)state;
    size_t n;
    tg_parse_result r;
    char *b = load("tiktok_search_expired.json", &n);
    assert_int_equal(tg_parse_tiktok_query(b, n, &r), TG_OK);
    assert_int_equal(r.api_err, TG_APIERR_SEARCH_EXPIRED);
    assert_int_equal(r.n_videos, 0);
    tg_parse_result_free(&r);
    free(b);
    b = load("tiktok_rate_limit.json", &n);
    assert_int_equal(tg_parse_tiktok_query(b, n, &r), TG_OK);
    assert_int_equal(r.api_err, TG_APIERR_RATE_LIMIT);
    assert_string_equal(r.log_id, "L3");
    tg_parse_result_free(&r);
    free(b);
    const char *tok_invalid = "{\"error\":{\"code\":\"access_token_invalid\",\"message\":\"x\"}}";
    assert_int_equal(tg_parse_tiktok_query(tok_invalid, strlen(tok_invalid), &r), TG_OK);
    assert_int_equal(r.api_err, TG_APIERR_TOKEN_INVALID);
    tg_parse_result_free(&r);
    const char *internal = "{\"data\":{},\"error\":{\"code\":\"internal_error\",\"message\":\"\"}}";
    assert_int_equal(tg_parse_tiktok_query(internal, strlen(internal), &r), TG_OK);
    assert_int_equal(r.api_err, TG_APIERR_INTERNAL);
    tg_parse_result_free(&r);
    assert_int_equal(tg_parse_tiktok_query("{\"data\": [1,", 12, &r), TG_EPARSE);
    tg_parse_result_free(&r);
}

static void test_token__response(void **state)
{
    (void)state;
    size_t n;
    char *b = load("tiktok_token.json", &n), *tok;
    int64_t exp;
    assert_int_equal(tg_parse_token(b, n, &tok, &exp), TG_OK);
    assert_string_equal(tok, "clt.example-token-value");
    assert_int_equal(exp, 7200);
    tg_free(tok);
    free(b);
    const char *err = "{\"error\":\"invalid_client\",\"error_description\":\"bad\"}";
    assert_int_equal(tg_parse_token(err, strlen(err), &tok, &exp), TG_EAUTH);
    assert_null(tok);
}

static void test_ebay__browse(void **state)
{
    (void)state;
    size_t n;
    char *b = load("ebay_browse.json", &n);
    tg_parse_result r;
    assert_int_equal(tg_parse(TG_PARSE_EBAY_BROWSE, b, n, NULL, &r), TG_OK);
    assert_int_equal(r.n_listings, 2);
    assert_int_equal(r.total, 3);
    assert_int_equal(r.offset, 0);
    assert_non_null(r.next);
    assert_string_equal(r.listings[0].base.listing_id, "110551234567");
    assert_true(fabs(r.listings[0].base.price_low - 1234.56) < 1e-9);
    assert_string_equal(r.listings[0].buying_options, "FIXED_PRICE;BEST_OFFER");
    /* legacy id derived from v1|N|0 when absent */
    assert_string_equal(r.listings[1].base.listing_id, "110559876543");
    assert_true(isnan(r.listings[1].base.original_price));
    assert_int_equal(r.listings[0].created_at, 0); /* no itemCreationDate */
    tg_parse_result_free(&r);
    free(b);
    /* itemCreationDate (ISO 8601 with milliseconds) becomes created_at */
    const char *doc = "{\"total\":2,\"itemSummaries\":[{\"itemId\":\"v1|1|0\","
                      "\"itemCreationDate\":\"2023-03-07T12:04:38.000Z\"},"
                      "{\"itemId\":\"v1|2|0\",\"itemCreationDate\":\"yesterday\"}]}";
    assert_int_equal(tg_parse(TG_PARSE_EBAY_BROWSE, doc, strlen(doc), NULL, &r), TG_OK);
    assert_int_equal(r.n_listings, 2);
    assert_int_equal(r.listings[0].created_at, 1678190678);
    assert_int_equal(r.listings[1].created_at, 0);
    tg_parse_result_free(&r);
}

static void test_poshmark__search_and_item(void **state)
{
    (void)state;
    size_t n;
    char *b = load("poshmark_search.json", &n);
    tg_parse_result r;
    assert_int_equal(tg_parse(TG_PARSE_AUTO, b, n, NULL, &r), TG_OK);
    assert_int_equal(r.n_listings, 2);
    const tg_parse_listing *l = &r.listings[0];
    assert_string_equal(l->base.listing_id, "65a1b2c3d4e5f6a7b8c9d0e1");
    assert_int_equal(l->base.status, TG_LISTING_SOLD);
    assert_int_equal(l->base.sold_at, 1705770900); /* 2024-01-20T09:15:00-08:00 */
    assert_true(fabs(l->base.original_price - 98.0) < 1e-9);
    assert_int_equal(r.listings[1].base.status, TG_LISTING_ACTIVE);
    assert_int_equal(r.listings[1].base.sold_at, 0);
    assert_string_equal(r.next_max_id, "1705700000.5");
    assert_true(r.has_more);
    tg_parse_result_free(&r);
    free(b);
    b = load("poshmark_item.json", &n);
    assert_int_equal(tg_parse(TG_PARSE_POSHMARK_ITEM, b, n, NULL, &r), TG_OK);
    assert_int_equal(r.n_listings, 1);
    assert_string_equal(r.listings[0].brand, "Champion");
    tg_parse_result_free(&r);
    free(b);
    const char *end = "{\"data\": [], \"more\": {\"next_max_id\": -1}}";
    assert_int_equal(tg_parse_poshmark(end, strlen(end), &r), TG_OK);
    assert_false(r.has_more);
    tg_parse_result_free(&r);
}

static void test_ebay_html__sitem(void **state)
{
    (void)state;
    size_t n;
    char *b = load("ebay_sold_sitem.html", &n);
    tg_parse_result r;
    assert_int_equal(
        tg_parse(TG_PARSE_EBAY_SOLD, b, n, "https://www.ebay.com/sch/i.html?_nkw=x", &r), TG_OK);
    assert_int_equal(r.layout, TG_LAYOUT_S_ITEM);
    assert_int_equal(r.n_listings, 3); /* "Shop on eBay" placeholder skipped */
    const tg_parse_listing *a = &r.listings[0], *c = &r.listings[1];
    assert_string_equal(a->base.listing_id, "165919136140");
    assert_string_equal(a->base.title, "Amazon $200 Gift Card"); /* minus "New Listing" */
    assert_true(fabs(a->base.price_low - 1195.5) < 1e-9);
    assert_true(fabs(a->base.original_price - 1250.0) < 1e-9);
    assert_int_equal(a->base.sold_at, 1697241600);
    assert_int_equal(a->base.status, TG_LISTING_SOLD);
    assert_string_equal(c->base.listing_id, "155385467387");
    assert_true(fabs(c->base.price_low - 10.0) < 1e-9 && fabs(c->base.price_high - 20.0) < 1e-9);
    assert_string_equal(c->base.url, "https://www.ebay.com/itm/Amazon-Card/155385467387?x=1");
    assert_int_equal(r.listings[2].base.status, TG_LISTING_ACTIVE);
    assert_string_equal(r.next,
                        "https://www.ebay.com/sch/i.html?_nkw=amazon+gift+card&LH_Sold=1&_pgn=2");
    tg_parse_result_free(&r);
    free(b);
}

static void test_ebay_html__scard_and_block(void **state)
{
    (void)state;
    size_t n;
    char *b = load("ebay_scard.html", &n);
    tg_parse_result r;
    assert_int_equal(tg_parse_ebay_html(b, n, NULL, false, &r), TG_OK);
    assert_int_equal(r.layout, TG_LAYOUT_S_CARD);
    assert_int_equal(r.n_listings, 2);
    assert_string_equal(r.listings[0].base.currency, "GBP");
    assert_true(fabs(r.listings[0].base.original_price - 80.0) < 1e-9);
    assert_string_equal(r.listings[1].base.listing_id, "357408589137");
    tg_parse_result_free(&r);
    free(b);
    b = load("ebay_block.html", &n);
    assert_int_equal(tg_parse_ebay_html(b, n, NULL, false, &r), TG_EBLOCKED);
    assert_true(r.blocked);
    assert_int_equal(r.n_listings, 0);
    tg_parse_result_free(&r);
    free(b);
}

static void test_ebay_html__generic_links(void **state)
{
    (void)state;
    const char *page =
        "<html><body><ul class=srp-results><li class=\"s-item\"><div class=\"s-item__info\">"
        "<a class=\"s-item__link\" href=\"/item/3-1\"><div class=\"s-item__title\"><span>"
        "stanley cup</span></div></a><div class=\"s-item__details\"><span class=\"s-item__price\">"
        "$1,234.50</span></div></div></li></ul><nav><a class=\"pg\" href=\"/p/4.html\">page 4</a> "
        "<a href=\"../p/5.html#top\">5</a></nav></body></html>";
    tg_parse_result r;
    assert_int_equal(
        tg_parse(TG_PARSE_EBAY_LISTINGS, page, strlen(page), "http://127.0.0.1:8080/p/3.html", &r),
        TG_OK);
    assert_int_equal(r.n_listings, 1);
    assert_string_equal(r.listings[0].base.url, "http://127.0.0.1:8080/item/3-1");
    assert_string_equal(r.listings[0].base.listing_id, "http://127.0.0.1:8080/item/3-1");
    assert_true(fabs(r.listings[0].base.price_low - 1234.5) < 1e-9);
    assert_int_equal(r.n_links, 3);
    assert_string_equal(r.links[1], "http://127.0.0.1:8080/p/4.html");
    assert_string_equal(r.links[2], "http://127.0.0.1:8080/p/5.html"); /* fragment dropped */
    tg_parse_result_free(&r);
}

static void test_limits__hostile(void **state)
{
    (void)state;
    tg_parse_result r;
    /* JSON nested deeper than jansson's limit: an error, not a crash */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    assert_non_null(deep);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = 0;
    assert_int_equal(tg_parse(TG_PARSE_TIKTOK_QUERY, deep, 2 * depth, NULL, &r), TG_EPARSE);
    tg_parse_result_free(&r);
    /* HTML nested 200,000 deep */
    size_t hd = 200000;
    char *h = malloc(5 * hd + 1);
    assert_non_null(h);
    for (size_t i = 0; i < hd; i++)
        memcpy(h + 5 * i, "<div>", 5);
    h[5 * hd] = 0;
    int rc = tg_parse(TG_PARSE_EBAY_SOLD, h, 5 * hd, NULL, &r);
    assert_true(rc == TG_OK || rc == TG_EPARSE);
    assert_int_equal(r.n_listings, 0);
    tg_parse_result_free(&r);
    /* over the input cap */
    assert_int_equal(tg_parse(TG_PARSE_EBAY_SOLD, h, (size_t)TG_PARSE_MAX_INPUT + 1, NULL, &r),
                     TG_ETOOBIG);
    tg_parse_result_free(&r);
    free(deep);
    free(h);
}

/* Parsers run on libuv worker threads: many threads at once must agree. */
typedef struct job {
    char *buf;
    size_t len;
    size_t got;
} job;

static void *worker(void *p)
{
    job *j = p;
    for (int k = 0; k < 50; k++) {
        tg_parse_result r;
        if (tg_parse(TG_PARSE_EBAY_SOLD, j->buf, j->len, "https://www.ebay.com/", &r) == TG_OK)
            j->got += r.n_listings;
        tg_parse_result_free(&r);
    }
    return NULL;
}

static void test_threads__concurrent(void **state)
{
    (void)state;
    size_t n;
    char *b = load("ebay_sold_sitem.html", &n);
    pthread_t t[6];
    job j[6];
    for (int i = 0; i < 6; i++) {
        j[i] = (job){b, n, 0};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &j[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(j[i].got, 150);
    }
    free(b);
}

static void test_alloc__failure_loop(void **state)
{
    (void)state;
    size_t n;
    char *b = load("ebay_sold_sitem.html", &n);
    int saw_ok = 0;
    for (long k = 1; k < 400 && !saw_ok; k++) {
        tg_parse_result r;
        tg_alloc_fail_at(k);
        int rc = tg_parse(TG_PARSE_EBAY_SOLD, b, n, "https://www.ebay.com/", &r);
        tg_alloc_fail_at(0);
        assert_true(rc == TG_OK || rc == TG_ENOMEM);
        if (rc == TG_OK && r.n_listings == 3)
            saw_ok = 1;
        tg_parse_result_free(&r);
    }
    assert_true(saw_ok);
    free(b);
}

static void test_tiktok__comments(void **state)
{
    (void)state;
    size_t n;
    char *b = load("tiktok_comments.json", &n);
    tg_parse_result r;
    assert_int_equal(tg_parse(TG_PARSE_AUTO, b, n, NULL, &r), TG_OK);
    assert_int_equal(r.kind, TG_PARSE_TIKTOK_COMMENTS);
    assert_int_equal(r.n_comments, 3); /* the one without an id is dropped */
    assert_true(r.comments[0].id == UINT64_C(7302000000000000001));
    assert_true(r.comments[0].video_id == UINT64_C(7301234567890123456));
    assert_true(r.comments[0].parent_comment_id == UINT64_C(7301234567890123456));
    assert_string_equal(r.comments[0].text,
                        "love it \xe2\x9d\xa4\xef\xb8\x8f \xf0\x9f\x98\x80 \"quoted\"");
    assert_int_equal(r.comments[0].create_time, 1700000100);
    assert_int_equal(r.comments[0].likes, 12);
    assert_int_equal(r.comments[0].replies, 2);
    assert_true(r.comments[1].id == UINT64_C(7302000000000000002)); /* from a string */
    assert_true(r.comments[1].parent_comment_id == UINT64_C(7302000000000000001));
    assert_int_equal(r.comments[1].likes, 0);
    assert_int_equal(r.comments[1].replies, -1);
    assert_string_equal(r.comments[2].text, "");
    assert_true(r.comments[2].video_id == 0);
    assert_int_equal(r.comments[2].likes, -1);
    assert_int_equal(r.comments[2].replies, 1200);
    assert_int_equal(r.cursor, 3);
    assert_false(r.has_more);
    assert_string_equal(r.log_id, "20231114CCCC");
    tg_parse_result_free(&r);
    /* a video query is not a comment list */
    char *q = load("tiktok_query.json", &n);
    assert_int_equal(tg_parse(TG_PARSE_TIKTOK_COMMENTS, q, n, NULL, &r), TG_EPARSE);
    tg_parse_result_free(&r);
    free(q);
    free(b);
}

static void test_tiktok__user(void **state)
{
    (void)state;
    size_t n;
    char *b = load("tiktok_user.json", &n);
    tg_parse_result r;
    assert_int_equal(tg_parse(TG_PARSE_AUTO, b, n, NULL, &r), TG_OK);
    assert_int_equal(r.kind, TG_PARSE_TIKTOK_USER);
    assert_int_equal(r.n_users, 1);
    assert_string_equal(r.users[0].display_name, "Cup Fan \xe2\x98\x95");
    assert_string_equal(r.users[0].bio, "cups\nand more");
    assert_string_equal(r.users[0].avatar_url, "https://cdn.example/a.jpg");
    assert_true(r.users[0].verified);
    assert_int_equal(r.users[0].followers, 12345678);
    assert_int_equal(r.users[0].following, 0);
    assert_true(r.users[0].likes == INT64_C(9007199254740993)); /* 2^53 + 1, exact */
    assert_int_equal(r.users[0].videos, 321);
    tg_parse_result_free(&r);
    /* an error object: no user, the error classified */
    char *e = load("tiktok_rate_limit.json", &n);
    assert_int_equal(tg_parse(TG_PARSE_TIKTOK_USER, e, n, NULL, &r), TG_OK);
    assert_int_equal(r.n_users, 0);
    assert_int_equal(r.api_err, TG_APIERR_RATE_LIMIT);
    tg_parse_result_free(&r);
    free(e);
    free(b);
}

/* Every allocation of the JSON adapters failing in turn: an error or the
 * full result, never a crash or a leak (the sanitizer build checks). */
static void test_alloc__json_failure_loop(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        tg_parse_kind kind;
        size_t records;
    } cases[] = {
        {"tiktok_query.json", TG_PARSE_TIKTOK_QUERY, 2},
        {"tiktok_comments.json", TG_PARSE_TIKTOK_COMMENTS, 3},
        {"tiktok_user.json", TG_PARSE_TIKTOK_USER, 1},
        {"ebay_browse.json", TG_PARSE_EBAY_BROWSE, 2},
        {"poshmark_search.json", TG_PARSE_POSHMARK_SEARCH, 2},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n;
        char *b = load(cases[c].file, &n);
        int saw_ok = 0, saw_enomem = 0;
        for (long k = 1; k < 400 && !saw_ok; k++) {
            tg_parse_result r;
            tg_alloc_fail_at(k);
            int rc = tg_parse(cases[c].kind, b, n, NULL, &r);
            tg_alloc_fail_at(0);
            assert_true(rc == TG_OK || rc == TG_ENOMEM);
            saw_enomem |= rc == TG_ENOMEM;
            if (rc == TG_OK)
                saw_ok = r.n_videos + r.n_listings + r.n_comments + r.n_users == cases[c].records;
            tg_parse_result_free(&r);
        }
        if (!saw_ok || !saw_enomem)
            fail_msg("%s: ok %d enomem %d", cases[c].file, saw_ok, saw_enomem);
        free(b);
    }
}

int main(void)
{
    tg_parse_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiktok__query),
        cmocka_unit_test(test_tiktok__errors),
        cmocka_unit_test(test_tiktok__comments),
        cmocka_unit_test(test_tiktok__user),
        cmocka_unit_test(test_token__response),
        cmocka_unit_test(test_ebay__browse),
        cmocka_unit_test(test_poshmark__search_and_item),
        cmocka_unit_test(test_ebay_html__sitem),
        cmocka_unit_test(test_ebay_html__scard_and_block),
        cmocka_unit_test(test_ebay_html__generic_links),
        cmocka_unit_test(test_limits__hostile),
        cmocka_unit_test(test_threads__concurrent),
        cmocka_unit_test(test_alloc__failure_loop),
        cmocka_unit_test(test_alloc__json_failure_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
