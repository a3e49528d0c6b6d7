/*
 * eBay Browse API item_summary/search adapter (jansson):
 *     {"href", "total", "next", "limit", "offset",
 *      "itemSummaries": [{"itemId": "v1|N|0", "legacyItemId": "N", "title",
 *                         "price": {"value": "12.34", "currency": "USD"},
 *                         "itemWebUrl", "condition", "itemEndDate",
 *                         "buyingOptions": ["FIXED_PRICE"]}, ...]}
 * Prices are JSON strings; they are read as text and converted with the
 * price pattern, never taken as JSON numbers.
 */
#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <math.h>
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

static double money(json_t *o, char cur[4])
{
    const char *v = tg_parse__jstr(o, "value");
    const char *c = tg_parse__jstr(o, "currency");
    if (c && strlen(c) == 3)
        memcpy(cur, c, 4);
    if (!v) {
        json_t *n = json_object_get(o, "value");
        return json_is_number(n) ? json_number_value(n) : NAN;
    }
    tg_price p;
    if (tg_parse_price(v, strlen(v), &p) != TG_OK)
        return NAN;
    return p.low;
}

static int item_of(tg_parse_arena *a, json_t *it, tg_parse_listing *l)
{
    const char *item_id = tg_parse__jstr(it, "itemId");
    const char *legacy = tg_parse__jstr(it, "legacyItemId");
    if (!item_id && !legacy)
        return TG_EPARSE;
    char cur[4] = "";
    l->base.source = TG_SRC_EBAY;
    l->base.status = TG_LISTING_ACTIVE;
    l->base.original_price = NAN;
    l->base.price_low = l->base.price_high = money(json_object_get(it, "price"), cur);
    json_t *mp = json_object_get(json_object_get(it, "marketingPrice"), "originalPrice");
    if (mp) {
        char c2[4] = "";
        l->base.original_price = money(mp, c2);
    }
    const char *title = tg_parse__jstr(it, "title");
    const char *url = tg_parse__jstr(it, "itemWebUrl");
    const char *cond = tg_parse__jstr(it, "condition");
    const char *end = tg_parse__jstr(it, "itemEndDate");
    l->item_id = item_id ? tg_parse__strdup(a, item_id) : NULL;
    l->base.listing_id = legacy ? tg_parse__strdup(a, legacy) : legacy_of(a, item_id ? item_id : "");
    l->base.title = tg_parse__strdup(a, title ? title : "");
    l->base.url = tg_parse__strdup(a, url ? url : "");
    l->base.currency = tg_parse__strdup(a, cur);
    l->condition = cond ? tg_parse__strdup(a, cond) : NULL;
    l->end_date = end ? tg_parse__strdup(a, end) : NULL;
    if (!l->base.listing_id || !l->base.title || !l->base.url || !l->base.currency ||
        (item_id && !l->item_id) || (cond && !l->condition) || (end && !l->end_date))
        return TG_ENOMEM;
    json_t *bo = json_object_get(it, "buyingOptions"), *x;
    size_t i;
    if (json_is_array(bo)) {
        tg_buf b;
        tg_buf_init(&b, 1024);
        json_array_foreach(bo, i, x) if (json_is_string(x))
        {
            if (b.len)
                tg_buf_addc(&b, ';');
            tg_buf_adds(&b, json_string_value(x));
        }
        l->buying_options = tg_parse__strdup(a, b.data ? b.data : "");
        tg_buf_free(&b);
        if (!l->buying_options)
            return TG_ENOMEM;
    }
    l->likes = l->comments = -1;
    return TG_OK;
}

int tg_parse_ebay_browse(const char *buf, size_t len, tg_parse_result *out)
{
    int ret = tg_parse__begin(out, TG_PARSE_EBAY_BROWSE);
    json_t *root = NULL;
    if (ret)
        return ret;
    out->layout = TG_LAYOUT_JSON;
    root = tg_parse__json_load(buf, len, &ret);
    if (!root)
        goto out;
    if (!json_is_object(root)) {
        ret = TG_EPARSE;
        goto out;
    }
    tg_parse_arena *a = out->arena;
    json_t *errs = json_object_get(root, "errors");
    if (json_is_array(errs) && json_array_size(errs) > 0) {
        json_t *e0 = json_array_get(errs, 0);
        int64_t id = tg_parse__jint(e0, "errorId", 0);
        const char *msg = tg_parse__jstr(e0, "message");
        char code[32];
        snprintf(code, sizeof code, "%lld", (long long)id);
        out->error_code = tg_parse__strdup(a, code);
        out->error_message = msg ? tg_parse__strdup(a, msg) : NULL;
        out->api_err = id == 1001                    ? TG_APIERR_TOKEN_INVALID
                       : id == 2001                  ? TG_APIERR_RATE_LIMIT
                       : (id >= 10000 && id < 20000) ? TG_APIERR_INTERNAL
                                                     : TG_APIERR_OTHER;
        ret = TG_OK;
        goto out;
    }
    json_t *list = json_object_get(root, "itemSummaries");
    if (!list && !json_object_get(root, "total")) {
        ret = TG_EPARSE;
        goto out;
    }
    out->total = tg_parse__jint(root, "total", -1);
    out->offset = tg_parse__jint(root, "offset", -1);
    const char *next = tg_parse__jstr(root, "next");
    if (next && !(out->next = tg_parse__strdup(a, next))) {
        ret = TG_ENOMEM;
        goto out;
    }
    out->has_more = next != NULL;
    tg_parse_vec lv = {.elem = sizeof(tg_parse_listing)};
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it)
    {
        tg_parse_listing tmp;
        memset(&tmp, 0, sizeof tmp);
        int r = item_of(a, it, &tmp);
        if (r == TG_ENOMEM) {
            ret = r;
            goto out;
        }
        if (r)
            continue;
        tg_parse_listing *slot = tg_parse__vec_push(a, &lv);
        if (!slot) {
            ret = TG_ENOMEM;
            goto out;
        }
        *slot = tmp;
    }
    out->listings = lv.data;
    out->n_listings = lv.n;
    ret = TG_OK;
out:
    json_decref(root);
    return ret;
}
