/*
 * Poshmark vm-rest adapter (jansson): a single post ({"data": {...}}), or a
 * search/closet page ({"data": [...], "more": {"next_max_id": ...}}).
 * Prices come from the string fields price_amount.val and
 * original_price_amount.val. A sold_out item's sold time is its
 * inventory.status_changed_at (falling back to the post's own
 * status_changed_at).
 */
#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double amount(json_t *o)
{
    const char *v = tg_parse__jstr(o, "val");
    if (!v) {
        json_t *n = json_object_get(o, "val");
        return json_is_number(n) ? json_number_value(n) : NAN;
    }
    tg_price p;
    return tg_parse_price(v, strlen(v), &p) == TG_OK ? p.low : NAN;
}

static int64_t when(json_t *o, const char *key)
{
    const char *s = tg_parse__jstr(o, key);
    int64_t t;
    return s && tg_time_parse(s, &t) == TG_OK ? t : 0;
}

static bool hex24(const char *s)
{
    if (!s || strlen(s) != 24)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return false;
    return true;
}

static int post_of(tg_parse_arena *a, json_t *p, tg_parse_listing *l)
{
    const char *id = tg_parse__jstr(p, "id");
    if (!hex24(id))
        return TG_EPARSE;
    json_t *pa = json_object_get(p, "price_amount");
    json_t *inv = json_object_get(p, "inventory");
    const char *cur = tg_parse__jstr(pa, "currency_code");
    const char *title = tg_parse__jstr(p, "title");
    const char *brand = tg_parse__jstr(p, "brand");
    const char *size = tg_parse__jstr(p, "size");
    const char *status = tg_parse__jstr(inv, "status");
    char url[128];
    snprintf(url, sizeof url, "https://poshmark.com/listing/%s", id);
    l->base.source = TG_SRC_POSHMARK;
    l->base.listing_id = tg_parse__strdup(a, id);
    l->base.title = tg_parse__strdup(a, title ? title : "");
    l->base.url = tg_parse__strdup(a, url);
    l->base.currency = tg_parse__strdup(a, cur ? cur : "USD");
    l->base.price_low = l->base.price_high = amount(pa);
    l->base.original_price = amount(json_object_get(p, "original_price_amount"));
    l->brand = brand ? tg_parse__strdup(a, brand) : NULL;
    l->size = size ? tg_parse__strdup(a, size) : NULL;
    l->inventory_status = status ? tg_parse__strdup(a, status) : NULL;
    if (!l->base.listing_id || !l->base.title || !l->base.url || !l->base.currency ||
        (brand && !l->brand) || (size && !l->size) || (status && !l->inventory_status))
        return TG_ENOMEM;
    l->created_at = when(p, "created_at");
    l->status_changed_at = when(inv, "status_changed_at");
    if (!l->status_changed_at)
        l->status_changed_at = when(p, "status_changed_at");
    bool sold = status && (!strcmp(status, "sold_out") || !strcmp(status, "sold"));
    l->base.status = sold ? TG_LISTING_SOLD : TG_LISTING_ACTIVE;
    l->base.sold_at = sold ? l->status_changed_at : 0;
    l->likes = tg_parse__jint(p, "like_count", -1);
    l->comments = tg_parse__jint(p, "comment_count", -1);
    return TG_OK;
}

static int push(tg_parse_arena *a, tg_parse_vec *v, json_t *p)
{
    tg_parse_listing tmp;
    memset(&tmp, 0, sizeof tmp);
    int r = post_of(a, p, &tmp);
    if (r)
        return r == TG_ENOMEM ? r : TG_OK; /* skip a post without a valid id */
    tg_parse_listing *slot = tg_parse__vec_push(a, v);
    if (!slot)
        return TG_ENOMEM;
    *slot = tmp;
    return TG_OK;
}

int tg_parse_poshmark(const char *buf, size_t len, tg_parse_result *out)
{
    int ret = tg_parse__begin(out, TG_PARSE_POSHMARK_SEARCH);
    json_t *root = NULL;
    if (ret)
        return ret;
    out->layout = TG_LAYOUT_JSON;
    root = tg_parse__json_load(buf, len, &ret);
    if (!root)
        goto out;
    tg_parse_arena *a = out->arena;
    json_t *data = json_is_object(root) ? json_object_get(root, "data") : NULL;
    tg_parse_vec lv = {.elem = sizeof(tg_parse_listing)};
    if (json_is_array(data)) {
        size_t i;
        json_t *p;
        json_array_foreach(data, i, p) if ((ret = push(a, &lv, p)) != TG_OK) goto out;
        json_t *more = json_object_get(root, "more");
        json_t *nm = json_object_get(more, "next_max_id");
        char num[64] = "";
        if (json_is_string(nm))
            snprintf(num, sizeof num, "%s", json_string_value(nm));
        else if (json_is_integer(nm))
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(nm));
        else if (json_is_real(nm))
            snprintf(num, sizeof num, "%.15g", json_real_value(nm));
        if (*num && !(out->next_max_id = tg_parse__strdup(a, num))) {
            ret = TG_ENOMEM;
            goto out;
        }
        out->has_more = *num && strtod(num, NULL) > 0;
    } else if (json_is_object(data) || (json_is_object(root) && json_object_get(root, "id"))) {
        out->kind = TG_PARSE_POSHMARK_ITEM;
        if ((ret = push(a, &lv, json_is_object(data) ? data : root)) != TG_OK)
            goto out;
    } else {
        ret = TG_EPARSE;
        goto out;
    }
    out->listings = lv.data;
    out->n_listings = lv.n;
    ret = TG_OK;
out:
    json_decref(root);
    return ret;
}
