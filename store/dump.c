/*
 * dump.c - stored entries as JSON objects, for `store scan/get` and the
 * JSON-lines exports. Field names follow the record structs of store.h.
 */
#include "store/store_int.h"

#include "trendguard/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int tg_store_json_str(tg_buf *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    int rc = tg_buf_addc(o, '"');
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    for (; rc == 0 && *p; p++) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            rc = tg_buf_add(o, e, 2);
        } else if (c == '\n') {
            rc = tg_buf_add(o, "\\n", 2);
        } else if (c == '\r') {
            rc = tg_buf_add(o, "\\r", 2);
        } else if (c == '\t') {
            rc = tg_buf_add(o, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            rc = tg_buf_add(o, e, 6);
        } else {
            rc = tg_buf_addc(o, (char)c);
        }
    }
    if (rc == 0)
        rc = tg_buf_addc(o, '"');
    return rc;
}

static int hexs(tg_buf *o, const void *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *b = p;
    int rc = tg_buf_addc(o, '"');
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char e[2] = {hex[b[i] >> 4], hex[b[i] & 15]};
        rc = tg_buf_add(o, e, 2);
    }
    if (rc == 0)
        rc = tg_buf_addc(o, '"');
    return rc;
}

/* A small JSON object writer: the first error sticks. */
typedef struct {
    tg_buf *o;
    int rc;
    int n;
} jw;

static void key(jw *w, const char *k)
{
    if (w->rc)
        return;
    w->rc = tg_buf_adds(w->o, w->n++ ? ",\"" : "{\"");
    if (!w->rc)
        w->rc = tg_buf_adds(w->o, k);
    if (!w->rc)
        w->rc = tg_buf_add(w->o, "\":", 2);
}

static void js(jw *w, const char *k, const char *v)
{
    key(w, k);
    if (w->rc)
        return;
    w->rc = v ? tg_store_json_str(w->o, v) : tg_buf_adds(w->o, "null");
}

static void ji(jw *w, const char *k, int64_t v)
{
    key(w, k);
    if (!w->rc)
        w->rc = tg_buf_printf(w->o, "%lld", (long long)v);
}

static void ju(jw *w, const char *k, uint64_t v)
{
    key(w, k);
    if (!w->rc)
        w->rc = tg_buf_printf(w->o, "\"%llu\"", (unsigned long long)v); /* > 2^53: string */
}

static void jd(jw *w, const char *k, double v)
{
    key(w, k);
    if (!w->rc)
        w->rc = isfinite(v) ? tg_buf_printf(w->o, "%.15g", v) : tg_buf_adds(w->o, "null");
}

static void jb(jw *w, const char *k, bool v)
{
    key(w, k);
    if (!w->rc)
        w->rc = tg_buf_adds(w->o, v ? "true" : "false");
}

/* Times: ISO 8601 string, null for 0 (unknown) where zero means unknown. */
static void jt(jw *w, const char *k, int64_t t, bool zero_null)
{
    key(w, k);
    if (w->rc)
        return;
    if (zero_null && t == 0) {
        w->rc = tg_buf_adds(w->o, "null");
        return;
    }
    if (t < -(INT64_C(1) << 50) || t > (INT64_C(1) << 50)) { /* beyond any calendar */
        w->rc = tg_buf_printf(w->o, "%lld", (long long)t);
        return;
    }
    char b[32];
    w->rc = tg_buf_printf(w->o, "\"%s\"", tg_time_format(t, b, sizeof b));
}

static void jday(jw *w, const char *k, int32_t day)
{
    key(w, k);
    if (w->rc)
        return;
    char b[32];
    w->rc = tg_buf_printf(w->o, "\"%s\"", tg_date_format((int64_t)day * 86400, b, sizeof b));
}

static int jend(jw *w)
{
    if (!w->rc)
        w->rc = tg_buf_adds(w->o, w->n ? "}" : "{}");
    return w->rc;
}

int tg_store_entry_json(tg_db db, const void *k, size_t kl, const void *v, size_t vl, tg_buf *out)
{
    jw w = {out, 0, 0};
    size_t mark = out->len;
    int dec = TG_EDATA;
    switch (db) {
    case TG_DB_PRODUCTS: {
        tg_product p;
        if ((dec = tg_store__dec_product(k, kl, v, vl, &p)) == 0) {
            js(&w, "product_id", p.product_id);
            js(&w, "name", p.name);
            js(&w, "category", p.category);
            jd(&w, "price", p.price);
            js(&w, "hashtags", p.hashtags);
            js(&w, "resale_query", p.resale_query);
            jt(&w, "launch_date", p.launch_date, true);
        }
        break;
    }
    case TG_DB_TRENDS: {
        tg_trend t;
        if ((dec = tg_store__dec_trend(k, kl, v, vl, &t)) == 0) {
            js(&w, "hashtag", t.hashtag);
            jd(&w, "bot_score", t.bot_score);
            jb(&w, "is_bot", t.is_bot);
            jt(&w, "first_seen", t.first_seen, true);
            jt(&w, "updated", t.updated, true);
        }
        break;
    }
    case TG_DB_VIDEOS: {
        tg_video x;
        if ((dec = tg_store__dec_video(k, kl, v, vl, &x)) == 0) {
            ju(&w, "id", x.id);
            js(&w, "username", x.username);
            js(&w, "description", x.description);
            js(&w, "hashtags", x.hashtags);
            js(&w, "region", x.region);
            jt(&w, "create_time", x.create_time, true);
            jt(&w, "first_seen", x.first_seen, true);
        }
        break;
    }
    case TG_DB_VIDEO_TAGS: {
        tg_store__rd r;
        tg_store__rd_init(&r, k, kl);
        const char *tag = tg_store__key_take_str(&r);
        const unsigned char *id = tg_store__get_bytes(&r, 8);
        if (tag && id && r.p == r.end) {
            dec = 0;
            js(&w, "hashtag", tag);
            ju(&w, "video_id", tg_store__get_be64(id));
        }
        break;
    }
    case TG_DB_SNAPSHOTS: {
        tg_snapshot s;
        if ((dec = tg_store__dec_snapshot(k, kl, v, vl, &s)) == 0) {
            ju(&w, "video_id", s.video_id);
            jt(&w, "t", s.t, false);
            ji(&w, "views", s.views);
            ji(&w, "likes", s.likes);
            ji(&w, "comments", s.comments);
            ji(&w, "shares", s.shares);
        }
        break;
    }
    case TG_DB_HASHTAG_DAYS: {
        tg_hashtag_day d;
        if ((dec = tg_store__dec_hashtag_day(k, kl, v, vl, &d)) == 0) {
            js(&w, "hashtag", d.hashtag);
            jday(&w, "day", d.day);
            ji(&w, "videos", d.videos);
            ji(&w, "new_videos", d.new_videos);
            ji(&w, "authors", d.authors);
            ji(&w, "views", d.views);
            ji(&w, "likes", d.likes);
            ji(&w, "comments", d.comments);
            ji(&w, "shares", d.shares);
            jd(&w, "top_author_share", d.top_author_share);
            jd(&w, "bot_score", d.bot_score);
        }
        break;
    }
    case TG_DB_LISTINGS: {
        tg_listing l;
        if ((dec = tg_store__dec_listing(k, kl, v, vl, &l)) == 0) {
            js(&w, "source", tg_store_source_name(l.source));
            js(&w, "listing_id", l.listing_id);
            js(&w, "product_id", l.product_id);
            js(&w, "title", l.title);
            js(&w, "url", l.url);
            js(&w, "currency", l.currency);
            jd(&w, "price_low", l.price_low);
            jd(&w, "price_high", l.price_high);
            jd(&w, "original_price", l.original_price);
            js(&w, "status", l.status == TG_LISTING_SOLD ? "sold" : "active");
            jt(&w, "first_seen", l.first_seen, true);
            jt(&w, "sold_at", l.sold_at, true);
        }
        break;
    }
    case TG_DB_PRICES: {
        tg_price_obs p;
        if ((dec = tg_store__dec_price_obs(k, kl, v, vl, &p)) == 0) {
            js(&w, "product_id", p.product_id);
            jt(&w, "t", p.t, false);
            js(&w, "source", tg_store_source_name(p.source));
            js(&w, "listing_id", p.listing_id);
            jd(&w, "price", p.price);
            js(&w, "status", p.status == TG_LISTING_SOLD ? "sold" : "active");
        }
        break;
    }
    case TG_DB_ORDERS: {
        tg_order o;
        if ((dec = tg_store__dec_order(k, kl, v, vl, &o)) == 0) {
            js(&w, "order_id", o.order_id);
            key(&w, "customer");
            if (!w.rc)
                w.rc = hexs(out, o.customer, 32);
            js(&w, "product_id", o.product_id);
            jt(&w, "purchase_time", o.purchase_time, false);
            jd(&w, "price_paid", o.price_paid);
            if (o.age >= 0)
                ji(&w, "age", o.age);
            else
                js(&w, "age", NULL);
            js(&w, "zip", o.zip);
        }
        break;
    }
    case TG_DB_RETURNS: {
        tg_return r;
        if ((dec = tg_store__dec_return(k, kl, v, vl, &r)) == 0) {
            js(&w, "order_id", r.order_id);
            jt(&w, "return_time", r.return_time, false);
            js(&w, "reason", r.reason);
        }
        break;
    }
    case TG_DB_REVIEWS: {
        tg_review r;
        if ((dec = tg_store__dec_review(k, kl, v, vl, &r)) == 0) {
            js(&w, "review_id", r.review_id);
            js(&w, "product_id", r.product_id);
            jt(&w, "review_time", r.review_time, false);
            if (r.rating > 0)
                ji(&w, "rating", r.rating);
            else
                js(&w, "rating", NULL);
            js(&w, "text", r.text);
        }
        break;
    }
    case TG_DB_ZIPS: {
        const char *zip;
        double inc;
        if ((dec = tg_store__dec_zip(k, kl, v, vl, &zip, &inc)) == 0) {
            js(&w, "zip", zip);
            jd(&w, "median_income", inc);
        }
        break;
    }
    case TG_DB_PREDICTIONS: {
        tg_prediction p;
        if ((dec = tg_store__dec_prediction(k, kl, v, vl, &p)) == 0) {
            js(&w, "order_id", p.order_id);
            jd(&w, "risk", p.risk);
            js(&w, "tier", p.tier);
            js(&w, "reasons", p.reasons);
            jt(&w, "scored_at", p.scored_at, false);
            js(&w, "model_id", p.model_id);
        }
        break;
    }
    case TG_DB_INTERVENTIONS: {
        tg_intervention iv;
        if ((dec = tg_store__dec_intervention(k, kl, v, vl, &iv)) == 0) {
            js(&w, "order_id", iv.order_id);
            jday(&w, "day", iv.day);
            js(&w, "action", iv.action);
            jd(&w, "risk", iv.risk);
            jb(&w, "control", iv.control);
        }
        break;
    }
    case TG_DB_META: {
        /* meta keys are ASCII names; the pepper is a secret and never shown */
        char name[64];
        if (kl == 0 || kl >= sizeof name || memchr(k, 0, kl))
            break;
        memcpy(name, k, kl);
        name[kl] = 0;
        bool printable = true;
        for (size_t i = 0; i < vl; i++)
            if (((const unsigned char *)v)[i] < 0x20 || ((const unsigned char *)v)[i] >= 0x7f)
                printable = false;
        dec = 0;
        js(&w, "key", name);
        if (strcmp(name, "pepper") == 0 || strstr(name, "token") || strstr(name, "secret")) {
            key(&w, "value");
            if (!w.rc)
                w.rc = tg_buf_printf(out, "\"(secret, %zu bytes)\"", vl);
        } else if (printable) {
            char *tmp = tg_strndup(v, vl);
            if (!tmp)
                return TG_ENOMEM;
            js(&w, "value", tmp);
            tg_free(tmp);
        } else {
            key(&w, "value_hex");
            if (!w.rc)
                w.rc = hexs(out, v, vl);
        }
        break;
    }
    default:
        break;
    }
    if (dec) { /* raw: module-owned or undecodable */
        out->len = mark;
        w.n = 0;
        w.rc = 0;
        key(&w, "key_hex");
        if (!w.rc)
            w.rc = hexs(out, k, kl);
        key(&w, "value_hex");
        if (!w.rc)
            w.rc = hexs(out, v, vl);
    }
    return jend(&w);
}
