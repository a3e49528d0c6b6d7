/*
 * Poshmark vm-rest adapter (json_scan tokenizer): a single post
 * ({"data": {...}} or the post itself), or a search/closet page
 * ({"data": [...], "more": {"next_max_id": ...}}). Prices come from the
 * string fields price_amount.val and original_price_amount.val. A sold_out
 * item's sold time is its inventory.status_changed_at (falling back to the
 * post's own status_changed_at). One pass: the posts of "data" are read
 * where they stand; a repeated key counts once, the last (as in jansson).
 */
#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    P_ID,
    P_PRICE,
    P_INVENTORY,
    P_TITLE,
    P_BRAND,
    P_SIZE,
    P_ORIGINAL,
    P_CREATED,
    P_CHANGED,
    P_LIKES,
    P_COMMENTS,
    P_N
};
static const tg_jkey post_keys[P_N] = {TG_JKEY("id"),
                                       TG_JKEY("price_amount"),
                                       TG_JKEY("inventory"),
                                       TG_JKEY("title"),
                                       TG_JKEY("brand"),
                                       TG_JKEY("size"),
                                       TG_JKEY("original_price_amount"),
                                       TG_JKEY("created_at"),
                                       TG_JKEY("status_changed_at"),
                                       TG_JKEY("like_count"),
                                       TG_JKEY("comment_count")};

/* {"val": "39.0"} (a string for the price pattern, or a number). */
static double amount(const tg_jtok *o, const char *end)
{
    tg_jtok v;
    char vb[64];
    double d = NAN;
    tg_parse__json_get(o, end, "val", &v);
    if (v.type != TG_J_STRING)
        return tg_parse__json_f64(&v, &d) == TG_OK ? d : NAN;
    char *vs = tg_parse__json_text(&v, vb, sizeof vb);
    tg_price p;
    if (vs && tg_parse_price(vs, strlen(vs), &p) == TG_OK)
        d = p.low;
    if (vs != vb)
        tg_free(vs);
    return d;
}

static int64_t when(const tg_jtok *t)
{
    char b[64];
    int64_t v = 0;
    char *s = tg_parse__json_text(t, b, sizeof b);
    if (s && tg_time_parse(s, &v) != TG_OK)
        v = 0;
    if (s != b)
        tg_free(s);
    return v;
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

static char *dup_or_null(tg_parse_arena *a, const tg_jtok *t)
{
    return t->type == TG_J_STRING ? tg_parse__json_dup(a, t) : NULL;
}

/* A post from its fields f (post_keys); TG_EPARSE without a valid id. */
static int post_of(tg_parse_arena *a, const tg_jtok *f, const char *end, tg_parse_listing *l)
{
    char ib[32], idb[25];
    char *id = tg_parse__json_text(&f[P_ID], ib, sizeof ib);
    bool ok = hex24(id);
    if (ok)
        memcpy(idb, id, sizeof idb);
    if (id != ib)
        tg_free(id);
    if (!ok)
        return TG_EPARSE;
    tg_jtok cur, status, changed;
    tg_parse__json_get(&f[P_PRICE], end, "currency_code", &cur);
    tg_parse__json_get(&f[P_INVENTORY], end, "status", &status);
    tg_parse__json_get(&f[P_INVENTORY], end, "status_changed_at", &changed);
    char url[128];
    snprintf(url, sizeof url, "https://poshmark.com/listing/%s", idb);
    l->base.source = TG_SRC_POSHMARK;
    l->base.listing_id = tg_parse__strdup(a, idb);
    l->base.title = f[P_TITLE].type == TG_J_STRING ? tg_parse__json_dup(a, &f[P_TITLE])
                                                   : tg_parse__strdup(a, "");
    l->base.url = tg_parse__strdup(a, url);
    l->base.currency =
        cur.type == TG_J_STRING ? tg_parse__json_dup(a, &cur) : tg_parse__strdup(a, "USD");
    l->base.price_low = l->base.price_high = amount(&f[P_PRICE], end);
    l->base.original_price = amount(&f[P_ORIGINAL], end);
    l->brand = dup_or_null(a, &f[P_BRAND]);
    l->size = dup_or_null(a, &f[P_SIZE]);
    l->inventory_status = dup_or_null(a, &status);
    if (!l->base.listing_id || !l->base.title || !l->base.url || !l->base.currency ||
        (f[P_BRAND].type == TG_J_STRING && !l->brand) ||
        (f[P_SIZE].type == TG_J_STRING && !l->size) ||
        (status.type == TG_J_STRING && !l->inventory_status))
        return TG_ENOMEM;
    l->created_at = when(&f[P_CREATED]);
    l->status_changed_at = when(&changed);
    if (!l->status_changed_at)
        l->status_changed_at = when(&f[P_CHANGED]);
    const char *st = l->inventory_status;
    bool sold = st && (!strcmp(st, "sold_out") || !strcmp(st, "sold"));
    l->base.status = sold ? TG_LISTING_SOLD : TG_LISTING_ACTIVE;
    l->base.sold_at = sold ? l->status_changed_at : 0;
    l->likes = tg_parse__json_count(&f[P_LIKES], -1);
    l->comments = tg_parse__json_count(&f[P_COMMENTS], -1);
    return TG_OK;
}

static int push(tg_parse_arena *a, tg_parse_vec *v, const tg_jtok *f, const char *end)
{
    tg_parse_listing tmp;
    memset(&tmp, 0, sizeof tmp);
    int r = post_of(a, f, end, &tmp);
    if (r)
        return r == TG_ENOMEM ? r : TG_OK; /* skip a post without a valid id */
    tg_parse_listing *slot = tg_parse__vec_push(a, v);
    if (!slot)
        return TG_ENOMEM;
    *slot = tmp;
    return TG_OK;
}

static int post_rec(tg_parse_arena *a, tg_jscan *sc, void *rec)
{
    tg_jtok f[P_N];
    int r = tg_parse__json_fields(sc, post_keys, P_N, f);
    return r ? r : post_of(a, f, sc->end, rec);
}

typedef struct doc {
    tg_jtok root, data, more;
    tg_jtok post[P_N];      /* the root's own post fields */
    tg_jtok data_post[P_N]; /* "data": {...} */
    tg_parse_vec lv;        /* "data": [...] */
} doc;

static int scan_doc(tg_parse_arena *a, const char *buf, size_t len, doc *d)
{
    tg_jscan sc;
    tg_jtok k;
    int r = 0;
    tg_parse__json_init(&sc, buf, len);
    if (tg_parse__json_value(&sc, &d->root))
        return TG_EPARSE;
    for (size_t i = 0; i < P_N; i++)
        d->post[i].type = TG_J_NONE;
    if (d->root.type != TG_J_OBJECT) {
        if (d->root.type != TG_J_ARRAY || tg_parse__json_skip(&sc, &d->root))
            return TG_EPARSE; /* a bare scalar is not a response */
        return tg_parse__json_finish(&sc);
    }
    while ((r = tg_parse__json_member(&sc, &k)) > 0) {
        if (tg_parse__json_is(&k, "data", 4)) {
            if (tg_parse__json_value(&sc, &d->data))
                return sc.err;
            if (d->data.type == TG_J_ARRAY)
                r = tg_parse__json_records(a, &sc, &d->lv, sizeof(tg_parse_listing), post_rec);
            else if (d->data.type == TG_J_OBJECT)
                r = tg_parse__json_fields(&sc, post_keys, P_N, d->data_post);
            else
                r = TG_OK;
        } else if (tg_parse__json_is(&k, "more", 4)) {
            if (tg_parse__json_value(&sc, &d->more))
                return sc.err;
            r = tg_parse__json_skip(&sc, &d->more);
        } else {
            r = tg_parse__json_field(&sc, &k, post_keys, P_N, d->post);
        }
        if (r)
            return r;
    }
    if (r < 0)
        return r;
    return tg_parse__json_finish(&sc);
}

/* more.next_max_id as text: a string (first 63 bytes), an integer or a real. */
static void next_max_id(const tg_jtok *more, const char *end, char num[64])
{
    tg_jtok nm;
    int64_t i;
    double d;
    char *s, b[64];
    num[0] = 0;
    tg_parse__json_get(more, end, "next_max_id", &nm);
    if ((s = tg_parse__json_text(&nm, b, sizeof b))) {
        snprintf(num, 64, "%s", s);
        if (s != b)
            tg_free(s);
    } else if (tg_parse__json_i64(&nm, &i) == TG_OK) {
        snprintf(num, 64, "%lld", (long long)i);
    } else if (nm.type == TG_J_REAL && tg_parse__json_f64(&nm, &d) == TG_OK) {
        snprintf(num, 64, "%.15g", d);
    }
}

int tg_parse_poshmark(const char *buf, size_t len, tg_parse_result *out)
{
    int ret = tg_parse__json_begin(out, TG_PARSE_POSHMARK_SEARCH, len);
    if (ret)
        return ret;
    tg_parse_arena *a = out->arena;
    const char *end = buf + len;
    doc d;
    memset(&d, 0, sizeof d);
    ret = scan_doc(a, buf, len, &d);
    if (ret)
        return tg_parse__json_reject(out, ret);
    tg_parse_vec lv = {.elem = sizeof(tg_parse_listing)};
    if (d.data.type == TG_J_ARRAY) {
        char num[64];
        lv = d.lv;
        next_max_id(&d.more, end, num);
        if (*num && !(out->next_max_id = tg_parse__strdup(a, num)))
            return TG_ENOMEM;
        out->has_more = *num && strtod(num, NULL) > 0;
    } else if (d.data.type == TG_J_OBJECT || d.post[P_ID].type != TG_J_NONE) {
        out->kind = TG_PARSE_POSHMARK_ITEM;
        if ((ret = push(a, &lv, d.data.type == TG_J_OBJECT ? d.data_post : d.post, end)) != TG_OK)
            return ret;
    } else {
        return TG_EPARSE;
    }
    out->listings = lv.data;
    out->n_listings = lv.n;
    return TG_OK;
}
