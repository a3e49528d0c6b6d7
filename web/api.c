/*
 * api.c - the JSON API (docs/API.md, docs/openapi.yaml). Bodies are built
 * with jansson; the product nudge is precomputed per cache build.
 */
#include "web/web_int.h"

#include "trendguard/error.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CART_MAX_ITEMS 100
#define HIGH_REGRET 0.5

void tg_web__json_error(tg_web_resp *resp, int status, const char *msg)
{
    json_t *o = json_pack("{s:s}", "error", msg);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    tg_buf_reset(&resp->body);
    resp->status = status;
    resp->content_type = "application/json";
    if (s)
        tg_buf_adds(&resp->body, s);
    else
        tg_buf_adds(&resp->body, "{\"error\":\"internal error\"}");
    tg_buf_addc(&resp->body, '\n');
    free(s);
    json_decref(o);
}

/* Serialise o (stolen) as the 200 body. */
static void send_json(tg_web_resp *resp, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(o);
    if (!s) {
        tg_web__json_error(resp, 500, "out of memory");
        return;
    }
    tg_buf_reset(&resp->body);
    resp->status = 200;
    resp->content_type = "application/json";
    if (tg_buf_adds(&resp->body, s) || tg_buf_addc(&resp->body, '\n'))
        tg_web__json_error(resp, 500, "response too large");
    free(s);
}

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(round(v * 1e6) / 1e6) : json_null();
}

static json_t *jday(int32_t day)
{
    char d[16];
    tg_date_format((int64_t)day * 86400, d, sizeof d);
    return json_string(d);
}

static bool parse_stage(const char *s, tg_stage *out)
{
    for (int i = TG_STAGE_NONE; i <= TG_STAGE_DEAD; i++)
        if (strcmp(s, tg_lifecycle_stage_name((tg_stage)i)) == 0) {
            *out = (tg_stage)i;
            return true;
        }
    return false;
}

static json_t *trend_json(const tg_web_trend *t)
{
    json_t *o = json_pack("{s:s,s:s,s:b,s:o,s:i,s:b,s:i,s:I}", "hashtag", t->hashtag, "stage",
                          tg_lifecycle_stage_name(t->stage), "is_bot", t->is_bot, "bot_score",
                          jnum(t->bot_score), "lasted_days", t->lasted_days, "ended", t->ended,
                          "products", t->nproducts, "days", (json_int_t)t->n);
    if (o)
        json_object_set_new(o, "peak_day", t->peak_day >= 0 ? jday(t->peak_day) : json_null());
    return o;
}

void tg_web__api_trends(tg_web_rctx *rc)
{
    static const char *const allowed[] = {"stage", "bot", NULL};
    if (!tg_web__params_ok(rc, allowed, true))
        return;
    const char *st = tg_web__param(rc->req, "stage"), *bot = tg_web__param(rc->req, "bot");
    tg_stage want = TG_STAGE_NONE;
    if (st && !parse_stage(st, &want)) {
        tg_web__json_error(rc->resp, 400, "stage must be none, rising, peak, decline or dead");
        return;
    }
    if (bot && strcmp(bot, "true") != 0 && strcmp(bot, "false") != 0) {
        tg_web__json_error(rc->resp, 400, "bot must be true or false");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < rc->c->ntrends; i++) {
        const tg_web_trend *t = &rc->c->trends[i];
        if (st && t->stage != want)
            continue;
        if (bot && t->is_bot != (bot[0] == 't'))
            continue;
        json_array_append_new(arr, trend_json(t));
    }
    send_json(rc->resp, json_pack("{s:o}", "trends", arr));
}

/* "YYYY-MM-DD" query parameter into a day; absent leaves *day. */
static bool day_param(tg_web_rctx *rc, const char *key, int32_t *day)
{
    const char *s = tg_web__param(rc->req, key);
    if (!s)
        return true;
    int64_t t;
    if (strlen(s) != 10 || tg_time_parse(s, &t) != TG_OK) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s must be a date YYYY-MM-DD", key);
        tg_web__json_error(rc->resp, 400, msg);
        return false;
    }
    *day = tg_day_of(t);
    return true;
}

typedef struct series_ctx {
    json_t *arr;
    long n, cap;
} series_ctx;

static int on_series_day(const tg_hashtag_day *d, void *vctx)
{
    series_ctx *s = vctx;
    if (s->n++ >= s->cap)
        return 1;
    json_t *o = json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "day", jday(d->day),
                          "videos", (json_int_t)d->videos, "new_videos", (json_int_t)d->new_videos,
                          "authors", (json_int_t)d->authors, "views", (json_int_t)d->views, "likes",
                          (json_int_t)d->likes, "comments", (json_int_t)d->comments, "shares",
                          (json_int_t)d->shares, "top_author_share", jnum(d->top_author_share),
                          "bot_score", jnum(d->bot_score));
    json_array_append_new(s->arr, o);
    return 0;
}

void tg_web__api_series(tg_web_rctx *rc, const char *tag)
{
    static const char *const allowed[] = {"from", "to", NULL};
    if (!tg_web__params_ok(rc, allowed, true))
        return;
    int32_t from = INT32_MIN, to = INT32_MAX;
    if (!day_param(rc, "from", &from) || !day_param(rc, "to", &to))
        return;
    if (from > to) {
        tg_web__json_error(rc->resp, 400, "from is after to");
        return;
    }
    const tg_web_trend *t = tg_web__trend(rc->c, tag);
    if (!t) {
        tg_web__json_error(rc->resp, 404, "unknown hashtag");
        return;
    }
    /* A fresh read transaction: the series is read live from the store. */
    tg_store_read *r;
    if (tg_store_read_begin(rc->w->store, &r)) {
        tg_web__json_error(rc->resp, 503, "store unavailable");
        return;
    }
    series_ctx s = {json_array(), 0, 20000};
    int e = tg_store_iter_hashtag_days(r, tag, from, to, on_series_day, &s);
    tg_store_read_end(&r);
    if (e < 0 || !s.arr) {
        json_decref(s.arr);
        tg_web__json_error(rc->resp, 500, "store read failed");
        return;
    }
    json_t *stages = json_array();
    for (size_t i = 0; stages && i < t->n; i++) {
        if (t->days[i] < from || t->days[i] > to)
            continue;
        json_array_append_new(stages, json_pack("{s:o,s:o,s:s}", "day", jday(t->days[i]),
                                                "view_gain", jnum(t->values[i]), "stage",
                                                tg_lifecycle_stage_name(t->stages[i])));
    }
    json_t *o = trend_json(t);
    if (o) {
        json_object_set_new(o, "series", s.arr);
        json_object_set_new(o, "lifecycle", stages ? stages : json_array());
    } else {
        json_decref(s.arr);
        json_decref(stages);
    }
    send_json(rc->resp, o);
}

typedef struct prices_ctx {
    json_t *arr;
    tg_source src;
    long n, cap;
} prices_ctx;

static int on_price(const tg_price_obs *p, void *vctx)
{
    prices_ctx *s = vctx;
    if (s->src && p->source != s->src)
        return 0;
    if (s->n++ >= s->cap)
        return 1;
    char t[32];
    tg_time_format(p->t, t, sizeof t);
    json_array_append_new(s->arr, json_pack("{s:s,s:s,s:s,s:o,s:s}", "t", t, "source",
                                            tg_store_source_name(p->source), "listing_id",
                                            p->listing_id, "price", jnum(p->price), "status",
                                            p->status == TG_LISTING_SOLD ? "sold" : "active"));
    return 0;
}

void tg_web__api_prices(tg_web_rctx *rc, const char *id)
{
    static const char *const allowed[] = {"from", "to", "source", "limit", NULL};
    if (!tg_web__params_ok(rc, allowed, true))
        return;
    int32_t from = INT32_MIN / 2, to = INT32_MAX / 2;
    if (!day_param(rc, "from", &from) || !day_param(rc, "to", &to))
        return;
    if (from > to) {
        tg_web__json_error(rc->resp, 400, "from is after to");
        return;
    }
    prices_ctx s = {NULL, 0, 0, 10000};
    const char *src = tg_web__param(rc->req, "source");
    if (src && !(s.src = tg_store_source_parse(src))) {
        tg_web__json_error(rc->resp, 400, "source must be ebay, ebay_sold, poshmark or site");
        return;
    }
    const char *lim = tg_web__param(rc->req, "limit");
    if (lim) {
        char *end;
        long v = strtol(lim, &end, 10);
        if (!*lim || *end || v < 1 || v > 10000) {
            tg_web__json_error(rc->resp, 400, "limit must be 1..10000");
            return;
        }
        s.cap = v;
    }
    const tg_web_product *p = tg_web__product(rc->c, id);
    if (!p) {
        tg_web__json_error(rc->resp, 404, "unknown product");
        return;
    }
    tg_store_read *r;
    if (tg_store_read_begin(rc->w->store, &r)) {
        tg_web__json_error(rc->resp, 503, "store unavailable");
        return;
    }
    s.arr = json_array();
    int e = tg_store_iter_prices(r, id, (int64_t)from * 86400, (int64_t)to * 86400 + 86399,
                                 on_price, &s);
    tg_store_read_end(&r);
    if (e < 0 || !s.arr) {
        json_decref(s.arr);
        tg_web__json_error(rc->resp, 500, "store read failed");
        return;
    }
    json_t *daily = json_array();
    for (size_t i = 0; daily && i < p->nprice; i++) {
        if (p->price_median[i].day < from || p->price_median[i].day > to)
            continue;
        json_array_append_new(daily, json_pack("{s:o,s:o}", "day", jday(p->price_median[i].day),
                                               "median", jnum(p->price_median[i].value)));
    }
    send_json(rc->resp, json_pack("{s:s,s:o,s:o,s:b,s:o,s:o}", "product_id", p->id, "retail_price",
                                  jnum(p->price), "resale_drop", jnum(p->resale_drop), "truncated",
                                  s.n > s.cap, "daily_median", daily ? daily : json_array(),
                                  "observations", s.arr));
}

/* ---- nudges ------------------------------------------------------------ */

char *tg_web__nudge_json(const tg_web_cache *c, const tg_web_product *p)
{
    const tg_web_trend *t = p->trend >= 0 ? &c->trends[p->trend] : NULL;
    bool trending = t && tg_web__trending(t->stage);
    double regret = isfinite(p->risk) ? p->risk : NAN;
    bool alert = trending || (isfinite(regret) && regret >= HIGH_REGRET) ||
                 (isfinite(p->keep_rate) && p->keep_rate < 1 - HIGH_REGRET);
    char msg[256];
    if (!isfinite(p->keep_rate))
        snprintf(msg, sizeof msg, "No purchase history for this item yet.");
    else if (alert)
        snprintf(msg, sizeof msg,
                 "Trend Alert: %.0f%% of buyers keep this more than 6 months. Still want it?",
                 p->keep_rate * 100);
    else
        snprintf(msg, sizeof msg, "%.0f%% of buyers keep this more than 6 months.",
                 p->keep_rate * 100);
    json_t *trend = t ? json_pack("{s:s,s:s,s:b,s:i,s:b}", "hashtag", t->hashtag, "stage",
                                  tg_lifecycle_stage_name(t->stage), "is_bot", t->is_bot,
                                  "lasted_days", t->lasted_days, "ended", t->ended)
                      : json_null();
    json_t *o =
        json_pack("{s:s,s:s,s:I,s:I,s:o,s:o,s:s,s:o,s:b,s:b,s:s}", "product_id", p->id, "name",
                  p->name, "orders", (json_int_t)p->orders, "returns_6m", (json_int_t)p->returns6m,
                  "keep_rate_6m", jnum(p->keep_rate), "regret_risk", jnum(regret), "risk_source",
                  p->npred ? "predictions" : "returns", "trend", trend, "trending", trending,
                  "alert", alert, "message", msg);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(o);
    if (!s)
        return NULL;
    char *r = tg_strdup(s);
    free(s);
    return r;
}

void tg_web__api_nudge(tg_web_rctx *rc, const char *id)
{
    if (!tg_web__params_ok(rc, (const char *const[]){NULL}, true))
        return;
    const tg_web_product *p = tg_web__product(rc->c, id);
    if (!p) {
        tg_web__json_error(rc->resp, 404, "unknown product");
        return;
    }
    tg_buf_reset(&rc->resp->body);
    rc->resp->status = 200;
    rc->resp->content_type = "application/json";
    if (tg_buf_adds(&rc->resp->body, p->nudge_json) || tg_buf_addc(&rc->resp->body, '\n'))
        tg_web__json_error(rc->resp, 500, "response too large");
}

/* A validated POST /v1/score request. */
typedef struct score_req {
    tg_order ord;
    bool with_reasons;
    char product_id[72], order_id[72], zip[24];
} score_req;

static json_t *parse_body(tg_web_rctx *rc)
{
    if (!rc->req->body || !rc->req->body_len) {
        tg_web__json_error(rc->resp, 400, "a JSON body is required");
        return NULL;
    }
    json_error_t je;
    json_t *o = json_loadb(rc->req->body, rc->req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        tg_web__json_error(rc->resp, 400, "the body must be a JSON object");
        return NULL;
    }
    return o;
}

static bool score_parse(tg_web_rctx *rc, score_req *q)
{
    static const char *const allowed[] = {"reasons", NULL};
    if (!tg_web__params_ok(rc, allowed, true))
        return false;
    const char *rs = tg_web__param(rc->req, "reasons");
    if (rs && strcmp(rs, "true") != 0 && strcmp(rs, "false") != 0) {
        tg_web__json_error(rc->resp, 400, "reasons must be true or false");
        return false;
    }
    q->with_reasons = !rs || rs[0] == 't';
    json_t *o = parse_body(rc);
    if (!o)
        return false;
    const char *bad = NULL;
    json_t *jp = json_object_get(o, "product_id"), *jt = json_object_get(o, "purchase_time");
    json_t *jprice = json_object_get(o, "price_paid"), *jage = json_object_get(o, "customer_age");
    json_t *jzip = json_object_get(o, "zip"), *jcust = json_object_get(o, "customer_id");
    json_t *jid = json_object_get(o, "order_id");
    tg_order ord;
    memset(&ord, 0, sizeof ord);
    ord.age = -1;
    ord.zip = "";
    ord.order_id = "request";
    const char *key;
    json_t *val;
    json_object_foreach(o, key, val)
    {
        if (strcmp(key, "product_id") && strcmp(key, "purchase_time") &&
            strcmp(key, "price_paid") && strcmp(key, "customer_age") && strcmp(key, "zip") &&
            strcmp(key, "customer_id") && strcmp(key, "order_id")) {
            bad = "unknown field";
            goto out_bad;
        }
    }
    if (!json_is_string(jp) || !tg_web__valid_product_id(json_string_value(jp))) {
        bad = "product_id must be a product id string";
        goto out_bad;
    }
    ord.product_id = json_string_value(jp);
    if (json_is_string(jt)) {
        if (tg_time_parse(json_string_value(jt), &ord.purchase_time) != TG_OK) {
            bad = "purchase_time must be an ISO 8601 time";
            goto out_bad;
        }
    } else if (json_is_integer(jt)) {
        ord.purchase_time = json_integer_value(jt);
    } else if (!jt) {
        ord.purchase_time = rc->c->data_end ? rc->c->data_end : tg_now();
    } else {
        bad = "purchase_time must be an ISO 8601 time or epoch seconds";
        goto out_bad;
    }
    if (!jprice)
        ord.price_paid = NAN;
    else if (json_is_number(jprice) && json_number_value(jprice) >= 0 &&
             json_number_value(jprice) < 1e9)
        ord.price_paid = json_number_value(jprice);
    else {
        bad = "price_paid must be a number >= 0";
        goto out_bad;
    }
    if (jage) {
        if (!json_is_integer(jage) || json_integer_value(jage) < 0 ||
            json_integer_value(jage) > 130) {
            bad = "customer_age must be an integer 0..130";
            goto out_bad;
        }
        ord.age = (int)json_integer_value(jage);
    }
    if (jzip) {
        if (!json_is_string(jzip) || json_string_length(jzip) > 16) {
            bad = "zip must be a short string";
            goto out_bad;
        }
        ord.zip = json_string_value(jzip);
    }
    if (jid) {
        if (!json_is_string(jid) || json_string_length(jid) == 0 || json_string_length(jid) > 64) {
            bad = "order_id must be a string of 1..64 characters";
            goto out_bad;
        }
        ord.order_id = json_string_value(jid);
    }
    if (jcust) {
        if (!json_is_string(jcust) || json_string_length(jcust) == 0 ||
            json_string_length(jcust) > 128) {
            bad = "customer_id must be a string of 1..128 characters";
            goto out_bad;
        }
        tg_store_read *r = NULL;
        int e = tg_store_read_begin(rc->w->store, &r);
        if (!e)
            e = tg_interventions_pseudonym(r, rc->w->cfg, json_string_value(jcust), ord.customer);
        tg_store_read_end(&r);
        if (e) {
            json_decref(o);
            tg_web__json_error(rc->resp, 503, "customer pseudonyms unavailable (no pepper)");
            return false;
        }
    }
    if (!isfinite(ord.price_paid)) {
        const tg_web_product *p = tg_web__product(rc->c, ord.product_id);
        ord.price_paid = p ? p->price : NAN;
    }
    /* copy what the order points at: the JSON dies here */
    snprintf(q->product_id, sizeof q->product_id, "%s", ord.product_id);
    snprintf(q->order_id, sizeof q->order_id, "%s", ord.order_id);
    snprintf(q->zip, sizeof q->zip, "%s", ord.zip);
    q->ord = ord;
    q->ord.product_id = q->product_id;
    q->ord.order_id = q->order_id;
    q->ord.zip = q->zip;
    json_decref(o);
    if (!rc->w->model || !rc->c->fx) {
        tg_web__json_error(rc->resp, 503, "no trained model in the store");
        return false;
    }
    return true;
out_bad:
    json_decref(o);
    tg_web__json_error(rc->resp, 400, bad);
    return false;
}

/*
 * The 200 body of a score, written directly: the hot path of the API, where
 * building and dumping a jansson tree cost more than scoring the order.
 * Numbers as jnum() + send_json() print them (6 decimals, %.6g).
 */
static void score_respond(tg_web_resp *resp, const score_req *q, const tg_model_score *sc,
                          const char *model_id)
{
    tg_buf *b = &resp->body;
    tg_buf_reset(b);
    int rc = tg_buf_adds(b, "{\"order_id\":");
    rc = rc ? rc : tg_store_json_str(b, q->ord.order_id);
    rc = rc ? rc : tg_buf_adds(b, ",\"product_id\":");
    rc = rc ? rc : tg_store_json_str(b, q->ord.product_id);
    if (!rc && isfinite(sc->risk))
        rc = tg_buf_printf(b, ",\"risk\":%.6g", round(sc->risk * 1e6) / 1e6);
    else if (!rc)
        rc = tg_buf_adds(b, ",\"risk\":null");
    rc = rc ? rc : tg_buf_printf(b, ",\"tier\":\"%s\",\"reasons\":[", sc->tier);
    /* reasons are feature names (a-z, _), ';'-separated */
    for (const char *r = sc->reasons; !rc && *r;) {
        size_t l = strcspn(r, ";");
        if (l)
            rc = tg_buf_printf(b, "%s\"%.*s\"", r == sc->reasons ? "" : ",", (int)l, r);
        r += l;
        if (*r)
            r++;
    }
    rc = rc ? rc : tg_buf_adds(b, "],\"model_id\":");
    rc = rc ? rc : tg_store_json_str(b, model_id);
    rc = rc ? rc : tg_buf_adds(b, "}\n");
    if (rc) {
        tg_web__json_error(resp, 500, "out of memory");
        return;
    }
    resp->status = 200;
    resp->content_type = "application/json";
}

void tg_web__api_score(tg_web_rctx *rc)
{
    score_req q;
    memset(&q, 0, sizeof q);
    if (!score_parse(rc, &q))
        return;
    tg_model *m = rc->w->model;
    tg_model_score sc;
    if (tg_model_score_orders(m, rc->c->fx, &q.ord, 1, &rc->w->tiers, q.with_reasons, &sc) !=
        TG_OK) {
        tg_web__json_error(rc->resp, 500, "scoring failed");
        return;
    }
    score_respond(rc->resp, &q, &sc, tg_model_id(m));
}

void tg_web__api_cart(tg_web_rctx *rc)
{
    if (!tg_web__params_ok(rc, (const char *const[]){NULL}, true))
        return;
    json_t *o = parse_body(rc);
    if (!o)
        return;
    json_t *items = json_object_get(o, "items");
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > CART_MAX_ITEMS || json_object_size(o) != 1) {
        json_decref(o);
        tg_web__json_error(rc->resp, 400,
                           "body must be {\"items\": [...]} with 1..100 product ids or "
                           "{\"product_id\": ...} objects");
        return;
    }
    json_t *out = json_array();
    long trending = 0, high = 0, n = 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *id = NULL;
        if (json_is_string(it))
            id = json_string_value(it);
        else if (json_is_object(it) && json_is_string(json_object_get(it, "product_id")))
            id = json_string_value(json_object_get(it, "product_id"));
        if (!id || !tg_web__valid_product_id(id)) {
            json_decref(out);
            json_decref(o);
            tg_web__json_error(rc->resp, 400, "each item must be a valid product id");
            return;
        }
        n++;
        const tg_web_product *p = tg_web__product(rc->c, id);
        const tg_web_trend *t = p && p->trend >= 0 ? &rc->c->trends[p->trend] : NULL;
        bool tr = t && tg_web__trending(t->stage);
        double regret = p ? (isfinite(p->risk)        ? p->risk
                             : isfinite(p->keep_rate) ? 1 - p->keep_rate
                                                      : NAN)
                          : NAN;
        bool hi = isfinite(regret) && regret >= HIGH_REGRET;
        trending += tr;
        high += tr && hi;
        json_array_append_new(out, json_pack("{s:s,s:b,s:b,s:o,s:o}", "product_id", id, "known",
                                             p != NULL, "trending", tr, "regret_rate", jnum(regret),
                                             "hashtag", t ? json_string(t->hashtag) : json_null()));
    }
    char msg[256];
    if (trending == 0)
        snprintf(msg, sizeof msg, "None of your %ld item%s is trending.", n, n == 1 ? "" : "s");
    else
        snprintf(msg, sizeof msg,
                 "You're buying %ld trending item%s. %ld ha%s 50%%+ regret rates. "
                 "Proceed?",
                 trending, trending == 1 ? "" : "s", high, high == 1 ? "s" : "ve");
    json_decref(o);
    send_json(rc->resp, json_pack("{s:I,s:I,s:I,s:b,s:s,s:o}", "items", (json_int_t)n, "trending",
                                  (json_int_t)trending, "high_regret", (json_int_t)high, "alert",
                                  trending > 0, "message", msg, "products", out));
}
