/*
 * test_web.c - tg_web_handle without sockets: routing, parameter validation,
 * auth, JSON shapes, HTML escaping and charts, metrics, the static writer.
 * The fixture store is built here through the store's write API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trendguard/config.h"
#include "trendguard/error.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"
#include "trendguard/web.h"
#include "web/web_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fx {
    char dir[64];
    char store_path[96];
    tg_config cfg;
    tg_store *s;
    tg_web *w;
} fx;

#define DAY0 20454 /* 2026-01-01 */

static int fill(tg_store_txn *t, void *ctx)
{
    (void)ctx;
    int rc = 0;
    tg_product p1 = {
        "P1", "Glow <script>alert(1)</script> Cup", "drinkware", 40.0, "glowcup", "glow cup", 0};
    tg_product p2 = {"P2", "Plain Mug", "drinkware", 12.0, "", "plain mug", 0};
    tg_product p3 = {"P3", "Bot Lamp", "lighting", 25.0, "botlamp", "bot lamp", 0};
    rc |= tg_store_put_product(t, &p1);
    rc |= tg_store_put_product(t, &p2);
    rc |= tg_store_put_product(t, &p3);
    tg_trend tr = {"botlamp", 0.93, true, 0, 0};
    rc |= tg_store_put_trend(t, &tr);
    /* glowcup: rises for 10 days, peaks, declines to nothing by day 40 */
    int64_t views = 0, bviews = 0;
    for (int i = 0; i < 45; i++) {
        double gain = i < 10 ? 1000.0 * (i + 1) : fmax(0, 10000.0 - 400.0 * (i - 10));
        views += (int64_t)gain;
        tg_hashtag_day d = {"glowcup",  DAY0 + i,    10 + i,      1,   5,  views,
                            views / 12, views / 100, views / 200, 0.2, 0.1};
        rc |= tg_store_put_hashtag_day(t, &d);
        bviews += i < 20 ? 5000 : 0;
        tg_hashtag_day b = {"botlamp", DAY0 + i, 3, 0, 2, bviews, bviews / 500, 0, 0, 0.9, 0.9};
        rc |= tg_store_put_hashtag_day(t, &b);
    }
    for (int i = 0; i < 30; i++) {
        char lid[16];
        snprintf(lid, sizeof lid, "L%d", i);
        tg_price_obs po = {"P1",        (int64_t)(DAY0 + i) * 86400 + 3600,
                           TG_SRC_EBAY, lid,
                           40.0 - i,    TG_LISTING_ACTIVE};
        rc |= tg_store_put_price_obs(t, &po);
    }
    for (int i = 0; i < 60; i++) {
        char oid[16];
        snprintf(oid, sizeof oid, "O%03d", i);
        tg_order o = {
            oid, {0},    i % 3 == 0 ? "P2" : "P1", (int64_t)(DAY0 + i / 2) * 86400 + 600, 30.0,
            30,  "10001"};
        o.customer[0] = (uint8_t)i;
        rc |= tg_store_put_order(t, &o);
        if (i % 4 == 0) {
            tg_return r = {oid, o.purchase_time + 5 * 86400, "Regret"};
            rc |= tg_store_put_return(t, &r);
        }
        tg_prediction pr = {oid, i % 3 == 0 ? 0.1 : 0.7, "none", "", o.purchase_time, "m1"};
        rc |= tg_store_put_prediction(t, &pr);
        if (i >= 40) {
            tg_intervention iv = {oid, DAY0 + 25, i % 2 ? "control" : "sms_reminder", 0.7,
                                  i % 2 == 1};
            rc |= tg_store_put_intervention(t, &iv);
        }
    }
    return rc ? TG_ESTORE : TG_OK;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/tg-web-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->store_path, sizeof f->store_path, "%s/store", f->dir);
    tg_config_defaults(&f->cfg);
    tg_store *ws;
    assert_int_equal(tg_store_open(&ws, f->store_path, TG_STORE_CREATE), TG_OK);
    assert_int_equal(tg_store_write(ws, fill, NULL), TG_OK);
    tg_store_close(&ws);
    assert_int_equal(tg_store_open(&f->s, f->store_path, TG_STORE_RDONLY), TG_OK);
    assert_int_equal(tg_web_open(&f->w, &f->cfg, f->s), TG_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tg_web_close(&f->w);
    tg_store_close(&f->s);
    tg_config_free(&f->cfg);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Issue one request; returns the status and leaves the body in *resp. */
static int req(fx *f, const char *method, const char *path, const char *query, const char *body,
               tg_web_resp *resp)
{
    tg_web_param params[TG_WEB_MAX_PARAMS + 2];
    char qbuf[512];
    int n = 0;
    if (query) {
        snprintf(qbuf, sizeof qbuf, "%s", query);
        for (char *tok = strtok(qbuf, "&"); tok && n < TG_WEB_MAX_PARAMS + 2;
             tok = strtok(NULL, "&")) {
            char *eq = strchr(tok, '=');
            if (eq)
                *eq = 0;
            params[n++] = (tg_web_param){tok, eq ? eq + 1 : ""};
        }
    }
    tg_web_req r = {method, path, params, n, body, body ? strlen(body) : 0, NULL};
    assert_int_equal(tg_web_handle(f->w, &r, resp), TG_OK);
    return resp->status;
}

static json_t *get_json(fx *f, const char *path, const char *query, int want)
{
    tg_web_resp resp;
    int st = req(f, "GET", path, query, NULL, &resp);
    if (st != want)
        fprintf(stderr, "GET %s -> %d: %s\n", path, st, resp.body.data);
    assert_int_equal(st, want);
    assert_string_equal(resp.content_type, "application/json");
    json_error_t je;
    json_t *o = json_loads(resp.body.data, 0, &je);
    assert_non_null(o);
    tg_web_resp_free(&resp);
    return o;
}

static void test_web__status_table(void **state)
{
    fx *f = *state;
    static const struct {
        const char *method, *path, *query, *body;
        int status;
    } cases[] = {
        {"GET", "/healthz", NULL, NULL, 200},
        {"GET", "/metrics", NULL, NULL, 200},
        {"GET", "/v1/trends", NULL, NULL, 200},
        {"GET", "/v1/trends", "stage=decline", NULL, 200},
        {"GET", "/v1/trends", "stage=soaring", NULL, 400},
        {"GET", "/v1/trends", "bogus=1", NULL, 400},
        {"GET", "/v1/trends", "stage=peak&stage=dead", NULL, 400},
        {"GET", "/v1/trends/glowcup/series", NULL, NULL, 200},
        {"GET", "/v1/trends/glowcup/series", "from=2026-01-05&to=2026-01-10", NULL, 200},
        {"GET", "/v1/trends/glowcup/series", "from=yesterday", NULL, 400},
        {"GET", "/v1/trends/glowcup/series", "from=2026-02-01&to=2026-01-01", NULL, 400},
        {"GET", "/v1/trends/nosuchtag/series", NULL, NULL, 404},
        {"GET", "/v1/trends/Bad-Tag/series", NULL, NULL, 400},
        {"GET", "/v1/trends/../series", NULL, NULL, 400},
        {"GET", "/v1/products/P1/prices", NULL, NULL, 200},
        {"GET", "/v1/products/P1/prices", "source=ebay&limit=5", NULL, 200},
        {"GET", "/v1/products/P1/prices", "source=amazon", NULL, 400},
        {"GET", "/v1/products/P1/prices", "limit=0", NULL, 400},
        {"GET", "/v1/products/P9/prices", NULL, NULL, 404},
        {"GET", "/v1/products/P1/nudge", NULL, NULL, 200},
        {"GET", "/v1/products/..%2f..%2fetc/nudge", NULL, NULL, 400},
        {"GET", "/v1/products/../../etc/passwd", NULL, NULL, 404},
        {"GET", "/v1/products/P9/nudge", NULL, NULL, 404},
        {"POST", "/v1/products/P1/nudge", NULL, NULL, 405},
        {"GET", "/v1/score", NULL, NULL, 405},
        {"POST", "/v1/score", NULL, "not json", 400},
        {"POST", "/v1/score", NULL, "{\"product_id\": 5}", 400},
        {"POST", "/v1/score", NULL, "{\"product_id\": \"P1\", \"evil\": 1}", 400},
        {"POST", "/v1/score", NULL, "{\"product_id\":\"P1\",\"customer_age\":500}", 400},
        /* no model in this store: a clear 503, not a crash */
        {"POST", "/v1/score", NULL, "{\"product_id\":\"P1\",\"price_paid\":20}", 503},
        {"POST", "/v1/cart/nudge", NULL, "{\"items\":[\"P1\",\"P2\",\"P3\"]}", 200},
        {"POST", "/v1/cart/nudge", NULL, "{\"items\":[]}", 400},
        {"POST", "/v1/cart/nudge", NULL, "{\"items\":[\"a/b\"]}", 400},
        {"POST", "/v1/cart/nudge", NULL, "[1,2]", 400},
        {"GET", "/", NULL, NULL, 200},
        {"HEAD", "/", NULL, NULL, 200},
        {"GET", "/categories", NULL, NULL, 200},
        {"GET", "/trends", NULL, NULL, 200},
        {"GET", "/trends/glowcup", NULL, NULL, 200},
        {"GET", "/trends/nosuch", NULL, NULL, 404},
        {"GET", "/prices", NULL, NULL, 200},
        {"GET", "/prices/P1", NULL, NULL, 200},
        {"GET", "/interventions", NULL, NULL, 200},
        {"GET", "/alerts", NULL, NULL, 200},
        {"GET", "/products", NULL, NULL, 200},
        {"GET", "/products/P1", NULL, NULL, 200},
        {"GET", "/products/P1", "x=1", NULL, 400},
        {"GET", "/etc/passwd", NULL, NULL, 404},
        {"GET", "/static/../../etc/passwd", NULL, NULL, 404},
        {"DELETE", "/", NULL, NULL, 405},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tg_web_resp resp;
        int st = req(f, cases[i].method, cases[i].path, cases[i].query, cases[i].body, &resp);
        if (st != cases[i].status)
            fprintf(stderr, "%s %s ?%s -> %d (want %d): %.300s\n", cases[i].method, cases[i].path,
                    cases[i].query ? cases[i].query : "", st, cases[i].status,
                    resp.body.data ? resp.body.data : "");
        assert_int_equal(st, cases[i].status);
        if (st >= 400 && strncmp(cases[i].path, "/v1/", 4) == 0) {
            assert_string_equal(resp.content_type, "application/json");
            assert_non_null(strstr(resp.body.data, "\"error\""));
        }
        tg_web_resp_free(&resp);
    }
}

static void test_web__too_many_params_and_big_body(void **state)
{
    fx *f = *state;
    tg_web_resp resp;
    char q[256] = "";
    for (int i = 0; i < TG_WEB_MAX_PARAMS + 1; i++)
        strcat(q, i ? "&stage=x" : "stage=x");
    assert_int_equal(req(f, "GET", "/v1/trends", q, NULL, &resp), 400);
    tg_web_resp_free(&resp);
    tg_web_req r = {"POST", "/v1/score", NULL, 0, "{}", TG_WEB_MAX_BODY + 1, NULL};
    assert_int_equal(tg_web_handle(f->w, &r, &resp), TG_OK);
    assert_int_equal(resp.status, 413);
    tg_web_resp_free(&resp);
}

static void test_web__json_shapes(void **state)
{
    fx *f = *state;
    json_t *o = get_json(f, "/v1/trends", NULL, 200);
    json_t *arr = json_object_get(o, "trends");
    assert_true(json_array_size(arr) == 2);
    json_t *bot = json_array_get(arr, 0); /* sorted: botlamp, glowcup */
    assert_string_equal(json_string_value(json_object_get(bot, "hashtag")), "botlamp");
    assert_true(json_is_true(json_object_get(bot, "is_bot")));
    json_decref(o);

    o = get_json(f, "/v1/trends", "bot=true", 200);
    assert_int_equal(json_array_size(json_object_get(o, "trends")), 1);
    json_decref(o);

    o = get_json(f, "/v1/trends/glowcup/series", "from=2026-01-05&to=2026-01-10", 200);
    assert_int_equal(json_array_size(json_object_get(o, "series")), 6);
    assert_int_equal(json_array_size(json_object_get(o, "lifecycle")), 6);
    json_t *d0 = json_array_get(json_object_get(o, "series"), 0);
    assert_string_equal(json_string_value(json_object_get(d0, "day")), "2026-01-05");
    assert_true(json_is_integer(json_object_get(d0, "views")));
    json_decref(o);

    o = get_json(f, "/v1/products/P1/prices", "limit=5", 200);
    assert_int_equal(json_array_size(json_object_get(o, "observations")), 5);
    assert_true(json_is_true(json_object_get(o, "truncated")));
    assert_int_equal(json_array_size(json_object_get(o, "daily_median")), 30);
    /* last median 11 vs retail 40: a 72.5% drop */
    assert_true(fabs(json_real_value(json_object_get(o, "resale_drop")) - 0.725) < 1e-6);
    json_decref(o);

    /* P1: 40 orders, returns on every 4th order overall -> count them */
    o = get_json(f, "/v1/products/P1/nudge", NULL, 200);
    long orders = (long)json_integer_value(json_object_get(o, "orders"));
    long rets = (long)json_integer_value(json_object_get(o, "returns_6m"));
    assert_int_equal(orders, 40);
    assert_int_equal(rets, 10);
    double keep = json_real_value(json_object_get(o, "keep_rate_6m"));
    assert_true(fabs(keep - 0.75) < 1e-9);
    assert_true(fabs(json_real_value(json_object_get(o, "regret_risk")) - 0.7) < 1e-6);
    const char *msg = json_string_value(json_object_get(o, "message"));
    assert_non_null(strstr(msg, "Trend Alert: 75% of buyers keep this more than 6 months"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "trend"), "hashtag")),
                        "glowcup");
    json_decref(o);
}

static void test_web__cart_message(void **state)
{
    fx *f = *state;
    tg_web_resp resp;
    assert_int_equal(req(f, "POST", "/v1/cart/nudge", NULL,
                         "{\"items\":[\"P1\",{\"product_id\":\"P2\"},\"P3\",\"P404\"]}", &resp),
                     200);
    json_t *o = json_loads(resp.body.data, 0, NULL);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "items")), 4);
    long trending = (long)json_integer_value(json_object_get(o, "trending"));
    long high = (long)json_integer_value(json_object_get(o, "high_regret"));
    char want[128];
    snprintf(want, sizeof want, "You're buying %ld trending item", trending);
    if (trending)
        assert_non_null(strstr(json_string_value(json_object_get(o, "message")), want));
    assert_true(high <= trending);
    json_t *p404 = json_array_get(json_object_get(o, "products"), 3);
    assert_true(json_is_false(json_object_get(p404, "known")));
    json_decref(o);
    tg_web_resp_free(&resp);
}

static void test_web__pages_escape_and_charts(void **state)
{
    fx *f = *state;
    tg_web_resp resp;
    assert_int_equal(req(f, "GET", "/products/P1", NULL, NULL, &resp), 200);
    assert_null(strstr(resp.body.data, "<script>"));
    assert_non_null(strstr(resp.body.data, "&lt;script&gt;"));
    assert_non_null(strstr(resp.body.data, "<title>"));
    tg_web_resp_free(&resp);

    assert_int_equal(req(f, "GET", "/trends/glowcup", NULL, NULL, &resp), 200);
    const char *b = resp.body.data;
    assert_non_null(strstr(b, "<svg role=\"img\""));
    assert_non_null(strstr(b, "<desc id="));
    int pts = 0;
    for (const char *p = b; (p = strstr(p, "class=\"pt\"")); p++)
        pts++;
    assert_int_equal(pts, 45);
    assert_non_null(strstr(b, "stage-peak"));
    assert_non_null(strstr(b, "stage-decline"));
    assert_null(strstr(b, "src=\"http"));
    tg_web_resp_free(&resp);

    assert_int_equal(req(f, "GET", "/trends/botlamp", NULL, NULL, &resp), 200);
    assert_non_null(strstr(resp.body.data, "bot-inflated"));
    tg_web_resp_free(&resp);

    assert_int_equal(req(f, "GET", "/categories", NULL, NULL, &resp), 200);
    assert_non_null(strstr(resp.body.data, "class=\"bar\""));
    assert_non_null(strstr(resp.body.data, "drinkware"));
    tg_web_resp_free(&resp);

    assert_int_equal(req(f, "GET", "/interventions", NULL, NULL, &resp), 200);
    assert_non_null(strstr(resp.body.data, "class=\"bar\""));
    assert_null(strstr(resp.body.data, "No data yet"));
    tg_web_resp_free(&resp);
}

static void test_web__metrics_count_requests(void **state)
{
    fx *f = *state;
    tg_web_resp resp;
    for (int i = 0; i < 3; i++) {
        req(f, "GET", "/v1/products/P1/nudge", NULL, NULL, &resp);
        tg_web_resp_free(&resp);
    }
    req(f, "GET", "/v1/products/P9/nudge", NULL, NULL, &resp);
    tg_web_resp_free(&resp);
    assert_int_equal(req(f, "GET", "/metrics", NULL, NULL, &resp), 200);
    const char *b = resp.body.data;
    assert_non_null(
        strstr(b, "trendguard_http_requests_total{route=\"product_nudge\",status=\"200\"} 3\n"));
    assert_non_null(
        strstr(b, "trendguard_http_requests_total{route=\"product_nudge\",status=\"404\"} 1\n"));
    assert_non_null(strstr(b, "trendguard_http_request_duration_seconds_bucket{route="
                              "\"product_nudge\",le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(b, "trendguard_store_entries{db=\"orders\"} 60\n"));
    tg_web_resp_free(&resp);
}

static void test_web__auth(void **state)
{
    fx *f = *state;
    /* non-loopback without a token is refused before anything listens */
    tg_web_listen l = {.bind = "0.0.0.0", .port = 0, .token = NULL};
    assert_int_equal(tg_web_start(f->w, &l), TG_EAUTH);
    l.token = "short";
    assert_int_equal(tg_web_start(f->w, &l), TG_EAUTH);
    assert_true(tg_web_is_loopback("127.0.0.1"));
    assert_true(tg_web_is_loopback("127.1.2.3"));
    assert_true(tg_web_is_loopback("localhost"));
    assert_false(tg_web_is_loopback("0.0.0.0"));
    assert_false(tg_web_is_loopback("10.0.0.1"));
    /* the check itself, as it runs when bound to another address */
    f->w->need_auth = true;
    f->w->token = tg_strdup("0123456789abcdef-token");
    tg_web_resp resp;
    tg_web_req r = {"GET", "/v1/trends", NULL, 0, NULL, 0, NULL};
    tg_web_handle(f->w, &r, &resp);
    assert_int_equal(resp.status, 401);
    tg_web_resp_free(&resp);
    r.authorization = "Bearer 0123456789abcdef-tokex";
    tg_web_handle(f->w, &r, &resp);
    assert_int_equal(resp.status, 401);
    tg_web_resp_free(&resp);
    r.authorization = "Bearer 0123456789abcdef-token";
    tg_web_handle(f->w, &r, &resp);
    assert_int_equal(resp.status, 200);
    tg_web_resp_free(&resp);
    /* the dashboard pages, metrics, POSTs and unknown paths are protected too */
    static const char *const guarded[] = {"/",         "/categories", "/trends/glowcup",
                                          "/products", "/metrics",    "/v1/score",
                                          "/nowhere",  "/index.html"};
    for (size_t i = 0; i < sizeof guarded / sizeof guarded[0]; i++) {
        tg_web_req g = {
            strcmp(guarded[i], "/v1/score") ? "GET" : "POST", guarded[i], NULL, 0, "{}", 2, NULL};
        tg_web_handle(f->w, &g, &resp);
        assert_int_equal(resp.status, 401);
        assert_null(strstr(resp.body.data, "<html"));
        tg_web_resp_free(&resp);
        g.authorization = "Bearer 0123456789abcdef-token";
        tg_web_handle(f->w, &g, &resp);
        assert_int_not_equal(resp.status, 401);
        tg_web_resp_free(&resp);
    }
    r.path = "/healthz";
    r.authorization = NULL;
    tg_web_handle(f->w, &r, &resp);
    assert_int_equal(resp.status, 200);
    assert_null(strstr(resp.body.data, "0123456789abcdef"));
    tg_web_resp_free(&resp);
    f->w->need_auth = false;
}

static void test_web__static_pages(void **state)
{
    fx *f = *state;
    char out[128];
    snprintf(out, sizeof out, "%s/site", f->dir);
    int n = 0;
    assert_int_equal(tg_web_write_static(f->w, out, &n), TG_OK);
    /* 7 fixed pages + 2 trends + 3 products x (consumer + prices) */
    assert_int_equal(n, 7 + 2 + 3 * 2);
    char path[200];
    snprintf(path, sizeof path, "%s/trend-glowcup.html", out);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char buf[65536];
    size_t len = fread(buf, 1, sizeof buf - 1, fp);
    buf[len] = 0;
    fclose(fp);
    assert_non_null(strstr(buf, "href=\"index.html\""));
    assert_null(strstr(buf, "href=\"/"));
}

static void test_web__validators(void **state)
{
    (void)state;
    assert_true(tg_web__valid_hashtag("stanley_cup2"));
    assert_false(tg_web__valid_hashtag(""));
    assert_false(tg_web__valid_hashtag("Stanley"));
    assert_false(tg_web__valid_hashtag("a/b"));
    assert_false(tg_web__valid_hashtag("a%2e"));
    assert_true(tg_web__valid_product_id("P0001"));
    assert_true(tg_web__valid_product_id("sku-1.2_x"));
    assert_false(tg_web__valid_product_id(".."));
    assert_false(tg_web__valid_product_id("a..b"));
    assert_false(tg_web__valid_product_id(".hidden"));
    assert_false(tg_web__valid_product_id("a/b"));
    assert_false(tg_web__valid_product_id(""));
    tg_buf b;
    tg_buf_init(&b, 1024);
    tg_web__esc(&b, "<a href=\"x\">'&'</a>");
    assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    tg_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_web__status_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web__too_many_params_and_big_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web__json_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web__cart_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web__pages_escape_and_charts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web__metrics_count_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web__auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web__static_pages, setup, teardown),
        cmocka_unit_test(test_web__validators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
