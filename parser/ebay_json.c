/*
 * eBay Browse API item_summary/search adapter (json_scan tokenizer):
 *     {"href", "total", "next", "limit", "offset",
 *      "itemSummaries": [{"itemId": "v1|N|0", "legacyItemId": "N", "title",
 *                         "price": {"value": "12.34", "currency": "USD"},
 *                         "itemWebUrl", "condition", "itemEndDate",
 *                         "buyingOptions": ["FIXED_PRICE"],
 *                         "itemCreationDate": "2023-03-07T12:04:38.000Z"}, ...]}
 * Prices are JSON strings; they are read as text and converted with the
 * price pattern, never taken as JSON numbers. One pass: items are read
 * where they stand, an "errors" array anywhere wins over them (jansson's
 * rule for repeated keys, the last one wins, is kept).
 */
#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "v1|385462201428|0" -> "385462201428" */
static const char *legacy_of(tg_parse_arena *a, const char *item_id)
{
    const char *p = strchr(item_id, '|');
    if (!p)
        return tg_parse__strdup(a, item_id);
    p++;
    const char *e = strchr(p, '|');
    return tg_parse__strndup(a, p, e ? (size_t)(e - p) : strlen(p));
}

/* Amount of a {"value", "currency"} object; cur gets a 3-letter currency. */
static double money(const tg_jtok *o, const char *end, char cur[4])
{
    tg_jtok v, c;
    char vb[64], cb[8];
    tg_parse__json_get(o, end, "value", &v);
    tg_parse__json_get(o, end, "currency", &c);
    char *cs = tg_parse__json_text(&c, cb, sizeof cb);
    if (cs && strlen(cs) == 3)
        memcpy(cur, cs, 4);
    if (cs != cb)
        tg_free(cs);
    double d = NAN;
    if (v.type != TG_J_STRING) {
        if (tg_parse__json_f64(&v, &d) != TG_OK)
            d = NAN;
        return d;
    }
    char *vs = tg_parse__json_text(&v, vb, sizeof vb);
    tg_price p;
    if (vs && tg_parse_price(vs, strlen(vs), &p) == TG_OK)
        d = p.low;
    if (vs != vb)
        tg_free(vs);
    return d;
}

enum {
    I_ITEMID,
    I_LEGACY,
    I_PRICE,
    I_MARKETING,
    I_TITLE,
    I_URL,
    I_COND,
    I_END,
    I_BUYING,
    I_CREATED,
    I_N
};
static const tg_jkey item_keys[I_N] = {TG_JKEY("itemId"),        TG_JKEY("legacyItemId"),
                                       TG_JKEY("price"),         TG_JKEY("marketingPrice"),
                                       TG_JKEY("title"),         TG_JKEY("itemWebUrl"),
                                       TG_JKEY("condition"),     TG_JKEY("itemEndDate"),
                                       TG_JKEY("buyingOptions"), TG_JKEY("itemCreationDate")};

static char *dup_or(tg_parse_arena *a, const tg_jtok *t, const char *dflt)
{
    if (t->type == TG_J_STRING)
        return tg_parse__json_dup(a, t);
    return dflt ? tg_parse__strdup(a, dflt) : NULL;
}

/* buyingOptions: the strings joined with ';' (capped like every tg_buf). */
static char *joined(tg_parse_arena *a, const tg_jtok *arr, const char *end)
{
    tg_jscan sc;
    tg_jtok x;
    tg_buf b;
    tg_buf_init(&b, 1024);
    tg_parse__json_open(&sc, arr, end);
    while (tg_parse__json_elem(&sc) > 0 && tg_parse__json_value(&sc, &x) == TG_OK) {
        char xb[256], *xs = tg_parse__json_text(&x, xb, sizeof xb);
        if (xs) {
            if (b.len)
                tg_buf_addc(&b, ';');
            tg_buf_adds(&b, xs);
        }
        if (xs != xb)
            tg_free(xs);
        tg_parse__json_skip(&sc, &x);
    }
    char *s = tg_parse__strdup(a, b.data ? b.data : "");
    tg_buf_free(&b);
    return s;
}

/* One item object (its '{' read); TG_EPARSE for one without an id. */
static int item_of(tg_parse_arena *a, tg_jscan *sc, tg_parse_listing *l)
{
    tg_jtok f[I_N], mp;
    int ret = tg_parse__json_fields(sc, item_keys, I_N, f);
    const char *end = sc->end;
    if (ret)
        return ret;
    bool has_id = f[I_ITEMID].type == TG_J_STRING, has_legacy = f[I_LEGACY].type == TG_J_STRING;
    if (!has_id && !has_legacy)
        return TG_EPARSE;
    char cur[4] = "";
    l->base.source = TG_SRC_EBAY;
    l->base.status = TG_LISTING_ACTIVE;
    l->base.original_price = NAN;
    l->base.price_low = l->base.price_high = money(&f[I_PRICE], end, cur);
    tg_parse__json_get(&f[I_MARKETING], end, "originalPrice", &mp);
    if (mp.type != TG_J_NONE) {
        char c2[4] = "";
        l->base.original_price = money(&mp, end, c2);
    }
    l->item_id = dup_or(a, &f[I_ITEMID], NULL);
    l->base.listing_id = has_legacy ? tg_parse__json_dup(a, &f[I_LEGACY])
                                    : legacy_of(a, l->item_id ? l->item_id : "");
    l->base.title = dup_or(a, &f[I_TITLE], "");
    l->base.url = dup_or(a, &f[I_URL], "");
    l->base.currency = tg_parse__strdup(a, cur);
    l->condition = dup_or(a, &f[I_COND], NULL);
    l->end_date = dup_or(a, &f[I_END], NULL);
    if (!l->base.listing_id || !l->base.title || !l->base.url || !l->base.currency ||
        (has_id && !l->item_id) || (f[I_COND].type == TG_J_STRING && !l->condition) ||
        (f[I_END].type == TG_J_STRING && !l->end_date))
        return TG_ENOMEM;
    if (f[I_BUYING].type == TG_J_ARRAY && !(l->buying_options = joined(a, &f[I_BUYING], end)))
        return TG_ENOMEM;
    char tb[64], *ts = tg_parse__json_text(&f[I_CREATED], tb, sizeof tb);
    if (ts && tg_time_parse(ts, &l->created_at) != TG_OK)
        l->created_at = 0;
    if (ts != tb)
        tg_free(ts);
    l->likes = l->comments = -1;
    return TG_OK;
}

static int item_rec(tg_parse_arena *a, tg_jscan *sc, void *rec)
{
    return item_of(a, sc, rec);
}

enum { R_ERRORS, R_ITEMS, R_TOTAL, R_OFFSET, R_NEXT, R_N };
static const tg_jkey root_keys[R_N] = {TG_JKEY("errors"), TG_JKEY("itemSummaries"),
                                       TG_JKEY("total"), TG_JKEY("offset"), TG_JKEY("next")};

typedef struct doc {
    tg_jtok f[R_N];
    tg_jtok e0;      /* the first element of the last "errors" array */
    tg_parse_vec lv; /* the last itemSummaries array's listings */
} doc;

/* "errors" (its '[' read): remember the first element, skip the rest. */
static int errors_of(tg_jscan *sc, tg_jtok *e0)
{
    tg_jtok x;
    int r, i = 0;
    e0->type = TG_J_NONE;
    while ((r = tg_parse__json_elem(sc)) > 0) {
        if (tg_parse__json_value(sc, &x) || tg_parse__json_skip(sc, &x))
            return sc->err;
        if (!i++)
            *e0 = x;
    }
    return r;
}

static int scan_doc(tg_parse_arena *a, const char *buf, size_t len, doc *d)
{
    tg_jscan sc;
    tg_jtok root, k;
    int r;
    tg_parse__json_init(&sc, buf, len);
    if (tg_parse__json_value(&sc, &root))
        return TG_EPARSE;
    if (root.type != TG_J_OBJECT)
        return TG_EPARSE; /* a Browse response is an object */
    while ((r = tg_parse__json_member(&sc, &k)) > 0) {
        if (tg_parse__json_is(&k, "errors", 6)) {
            if (tg_parse__json_value(&sc, &d->f[R_ERRORS]))
                return sc.err;
            r = d->f[R_ERRORS].type == TG_J_ARRAY ? errors_of(&sc, &d->e0)
                                                  : tg_parse__json_skip(&sc, &d->f[R_ERRORS]);
        } else if (tg_parse__json_is(&k, "itemSummaries", 13)) {
            if (tg_parse__json_value(&sc, &d->f[R_ITEMS]))
                return sc.err;
            r = d->f[R_ITEMS].type == TG_J_ARRAY
                    ? tg_parse__json_records(a, &sc, &d->lv, sizeof(tg_parse_listing), item_rec)
                    : tg_parse__json_skip(&sc, &d->f[R_ITEMS]);
        } else {
            r = tg_parse__json_field(&sc, &k, root_keys + R_TOTAL, 3, d->f + R_TOTAL);
        }
        if (r)
            return r;
    }
    if (r < 0)
        return r;
    return tg_parse__json_finish(&sc);
}

int tg_parse_ebay_browse(const char *buf, size_t len, tg_parse_result *out)
{
    int ret = tg_parse__json_begin(out, TG_PARSE_EBAY_BROWSE, len);
    if (ret)
        return ret;
    tg_parse_arena *a = out->arena;
    const char *end = buf + len;
    doc d;
    memset(&d, 0, sizeof d);
    ret = scan_doc(a, buf, len, &d);
    if (ret)
        return tg_parse__json_reject(out, ret);
    if (d.f[R_ERRORS].type == TG_J_ARRAY && d.e0.type != TG_J_NONE) {
        tg_jtok id_t, msg;
        tg_parse__json_get(&d.e0, end, "errorId", &id_t);
        tg_parse__json_get(&d.e0, end, "message", &msg);
        int64_t id = tg_parse__json_count(&id_t, 0);
        char code[32];
        snprintf(code, sizeof code, "%lld", (long long)id);
        out->error_code = tg_parse__strdup(a, code);
        out->error_message = msg.type == TG_J_STRING ? tg_parse__json_dup(a, &msg) : NULL;
        out->api_err = id == 1001                    ? TG_APIERR_TOKEN_INVALID
                       : id == 2001                  ? TG_APIERR_RATE_LIMIT
                       : (id >= 10000 && id < 20000) ? TG_APIERR_INTERNAL
                                                     : TG_APIERR_OTHER;
        return TG_OK;
    }
    if (d.f[R_ITEMS].type == TG_J_NONE && d.f[R_TOTAL].type == TG_J_NONE)
        return TG_EPARSE;
    out->total = tg_parse__json_count(&d.f[R_TOTAL], -1);
    out->offset = tg_parse__json_count(&d.f[R_OFFSET], -1);
    if (d.f[R_NEXT].type == TG_J_STRING && !(out->next = tg_parse__json_dup(a, &d.f[R_NEXT])))
        return TG_ENOMEM;
    out->has_more = out->next != NULL;
    if (d.f[R_ITEMS].type == TG_J_ARRAY) {
        out->listings = d.lv.data;
        out->n_listings = d.lv.n;
    }
    return TG_OK;
}
