/*
 * records.c - typed puts, point lookups and iterations over the record
 * databases, on top of codec.c and the raw access of store.c.
 */
#include "store/store_int.h"

#include "trendguard/error.h"
#include "trendguard/log.h"

#include <limits.h>
#include <string.h>

/* Returned by a trampoline to end a scan early without it being an error. */
#define SCAN_DONE (INT_MIN + 17)

static int put_kv(tg_store_txn *t, tg_db db, int enc_rc)
{
    if (enc_rc)
        return enc_rc;
    return tg_store_raw_put(t, db, t->kb.data, t->kb.len, t->vb.data, t->vb.len);
}

int tg_store_put_product(tg_store_txn *t, const tg_product *p)
{
    if (!p->product_id || !*p->product_id)
        return TG_EINVAL;
    return put_kv(t, TG_DB_PRODUCTS, tg_store__enc_product(&t->kb, &t->vb, p));
}

int tg_store_put_trend(tg_store_txn *t, const tg_trend *tr)
{
    if (!tr->hashtag || !*tr->hashtag)
        return TG_EINVAL;
    return put_kv(t, TG_DB_TRENDS, tg_store__enc_trend(&t->kb, &t->vb, tr));
}

int tg_store_put_snapshot(tg_store_txn *t, const tg_snapshot *s)
{
    return put_kv(t, TG_DB_SNAPSHOTS, tg_store__enc_snapshot(&t->kb, &t->vb, s));
}

int tg_store_put_hashtag_day(tg_store_txn *t, const tg_hashtag_day *d)
{
    if (!d->hashtag || !*d->hashtag)
        return TG_EINVAL;
    return put_kv(t, TG_DB_HASHTAG_DAYS, tg_store__enc_hashtag_day(&t->kb, &t->vb, d));
}

int tg_store_put_listing(tg_store_txn *t, const tg_listing *l)
{
    if (!l->listing_id || !*l->listing_id)
        return TG_EINVAL;
    return put_kv(t, TG_DB_LISTINGS, tg_store__enc_listing(&t->kb, &t->vb, l));
}

int tg_store_put_price_obs(tg_store_txn *t, const tg_price_obs *p)
{
    if (!p->product_id || !*p->product_id)
        return TG_EINVAL;
    return put_kv(t, TG_DB_PRICES, tg_store__enc_price_obs(&t->kb, &t->vb, p));
}

int tg_store_put_order(tg_store_txn *t, const tg_order *o)
{
    if (!o->order_id || !*o->order_id)
        return TG_EINVAL;
    return put_kv(t, TG_DB_ORDERS, tg_store__enc_order(&t->kb, &t->vb, o));
}

int tg_store_put_return(tg_store_txn *t, const tg_return *r)
{
    if (!r->order_id || !*r->order_id)
        return TG_EINVAL;
    return put_kv(t, TG_DB_RETURNS, tg_store__enc_return(&t->kb, &t->vb, r));
}

int tg_store_put_review(tg_store_txn *t, const tg_review *r)
{
    if (!r->review_id || !*r->review_id)
        return TG_EINVAL;
    return put_kv(t, TG_DB_REVIEWS, tg_store__enc_review(&t->kb, &t->vb, r));
}

int tg_store_put_zip(tg_store_txn *t, const char *zip, double median_income)
{
    if (!zip || !*zip)
        return TG_EINVAL;
    return put_kv(t, TG_DB_ZIPS, tg_store__enc_zip(&t->kb, &t->vb, zip, median_income));
}

int tg_store_put_prediction(tg_store_txn *t, const tg_prediction *p)
{
    if (!p->order_id || !*p->order_id)
        return TG_EINVAL;
    return put_kv(t, TG_DB_PREDICTIONS, tg_store__enc_prediction(&t->kb, &t->vb, p));
}

int tg_store_put_intervention(tg_store_txn *t, const tg_intervention *iv)
{
    if (!iv->order_id || !*iv->order_id)
        return TG_EINVAL;
    return put_kv(t, TG_DB_INTERVENTIONS, tg_store__enc_intervention(&t->kb, &t->vb, iv));
}

int tg_store_put_video(tg_store_txn *t, const tg_video *v, bool *is_new)
{
    if (is_new)
        *is_new = false;
    int rc = tg_store__enc_video(&t->kb, &t->vb, v);
    if (rc)
        return rc;
    const void *old;
    size_t oldl;
    rc = tg_store_raw_get(&t->rd, TG_DB_VIDEOS, t->kb.data, t->kb.len, &old, &oldl);
    if (rc == TG_OK)
        return TG_OK; /* already known: first sighting wins */
    if (rc != TG_ENOTFOUND)
        return rc;
    rc = tg_store_raw_put(t, TG_DB_VIDEOS, t->kb.data, t->kb.len, t->vb.data, t->vb.len);
    if (rc)
        return rc;
    /* hashtag index: "tag\0" + be64 id => 01 */
    const char *h = v->hashtags ? v->hashtags : "";
    while (*h) {
        const char *e = strchr(h, ';');
        size_t n = e ? (size_t)(e - h) : strlen(h);
        if (n > 0 && n < TG_STORE_MAX_KEY - 16) {
            tg_buf_reset(&t->kb);
            rc = tg_buf_add(&t->kb, h, n);
            if (rc == 0)
                rc = tg_buf_add(&t->kb, "", 1);
            if (rc == 0)
                rc = tg_store__key_be64(&t->kb, v->id);
            if (rc == 0)
                rc = tg_store_raw_put(t, TG_DB_VIDEO_TAGS, t->kb.data, t->kb.len, "\1", 1);
            if (rc)
                return rc;
        }
        h += n;
        if (*h == ';')
            h++;
    }
    if (is_new)
        *is_new = true;
    return TG_OK;
}

/* ---- point lookups ------------------------------------------------------- */

/* Look key kb up in db and decode it with dec. */
#define GET_BODY(db, dec, out)                                                                     \
    do {                                                                                           \
        const void *v;                                                                             \
        size_t vl;                                                                                 \
        const void *k;                                                                             \
        size_t kl;                                                                                 \
        int rc_ = lookup(r, db, &kb, &k, &kl, &v, &vl);                                            \
        tg_buf_free(&kb);                                                                          \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
        return dec(k, kl, v, vl, out);                                                             \
    } while (0)

/*
 * Point get that also hands back the key as LMDB stores it, so decoded
 * strings point into the map rather than into our temporary key buffer.
 */
static int lookup(tg_store_read *r, tg_db db, tg_buf *kb, const void **k, size_t *kl,
                  const void **v, size_t *vl)
{
    if (!kb->data)
        return TG_ENOMEM;
    if (!r->s->have[db])
        return TG_ENOTFOUND;
    MDB_cursor *c;
    int rc = mdb_cursor_open(r->txn, r->s->dbi[db], &c);
    if (rc)
        return tg_store__err(rc, "cursor");
    MDB_val mk = {kb->len, kb->data}, mv;
    rc = mdb_cursor_get(c, &mk, &mv, MDB_SET_KEY);
    mdb_cursor_close(c);
    if (rc)
        return tg_store__err(rc, tg_db_name(db));
    *k = mk.mv_data;
    *kl = mk.mv_size;
    *v = mv.mv_data;
    *vl = mv.mv_size;
    return TG_OK;
}

int tg_store_get_product(tg_store_read *r, const char *product_id, tg_product *out)
{
    tg_buf kb;
    tg_buf_init(&kb, TG_STORE_MAX_KEY);
    if (tg_store__key_str(&kb, product_id)) {
        tg_buf_free(&kb);
        return TG_EINVAL;
    }
    GET_BODY(TG_DB_PRODUCTS, tg_store__dec_product, out);
}

int tg_store_get_video(tg_store_read *r, uint64_t id, tg_video *out)
{
    tg_buf kb;
    tg_buf_init(&kb, TG_STORE_MAX_KEY);
    if (tg_store__key_be64(&kb, id)) {
        tg_buf_free(&kb);
        return TG_ENOMEM;
    }
    GET_BODY(TG_DB_VIDEOS, tg_store__dec_video, out);
}

int tg_store_get_trend(tg_store_read *r, const char *hashtag, tg_trend *out)
{
    tg_buf kb;
    tg_buf_init(&kb, TG_STORE_MAX_KEY);
    if (tg_store__key_str(&kb, hashtag)) {
        tg_buf_free(&kb);
        return TG_EINVAL;
    }
    GET_BODY(TG_DB_TRENDS, tg_store__dec_trend, out);
}

int tg_store_get_order(tg_store_read *r, const char *order_id, tg_order *out)
{
    tg_buf kb;
    tg_buf_init(&kb, TG_STORE_MAX_KEY);
    if (tg_store__key_str(&kb, order_id)) {
        tg_buf_free(&kb);
        return TG_EINVAL;
    }
    GET_BODY(TG_DB_ORDERS, tg_store__dec_order, out);
}

int tg_store_get_prediction(tg_store_read *r, const char *order_id, tg_prediction *out)
{
    tg_buf kb;
    tg_buf_init(&kb, TG_STORE_MAX_KEY);
    if (tg_store__key_str(&kb, order_id)) {
        tg_buf_free(&kb);
        return TG_EINVAL;
    }
    GET_BODY(TG_DB_PREDICTIONS, tg_store__dec_prediction, out);
}

int tg_store_get_listing(tg_store_read *r, tg_source src, const char *listing_id, tg_listing *out)
{
    tg_buf kb;
    tg_buf_init(&kb, TG_STORE_MAX_KEY);
    if (tg_buf_addc(&kb, (char)(unsigned char)src) || tg_store__key_str(&kb, listing_id)) {
        tg_buf_free(&kb);
        return TG_EINVAL;
    }
    GET_BODY(TG_DB_LISTINGS, tg_store__dec_listing, out);
}

int tg_store_get_zip_income(tg_store_read *r, const char *zip, double *income)
{
    tg_buf kb;
    tg_buf_init(&kb, TG_STORE_MAX_KEY);
    if (tg_store__key_str(&kb, zip)) {
        tg_buf_free(&kb);
        return TG_EINVAL;
    }
    const void *k, *v;
    size_t kl, vl;
    int rc = lookup(r, TG_DB_ZIPS, &kb, &k, &kl, &v, &vl);
    tg_buf_free(&kb);
    if (rc)
        return rc;
    const char *z;
    return tg_store__dec_zip(k, kl, v, vl, &z, income);
}

/* ---- iterations ---------------------------------------------------------- */

/*
 * One trampoline per record type: decode, apply an optional upper bound on
 * a time field, call the user's callback.
 */
#define ITER_TRAMPOLINE(name, type, cbtype)                                                        \
    typedef struct {                                                                               \
        cbtype cb;                                                                                 \
        void *ctx;                                                                                 \
        int64_t hi;                                                                                \
        int64_t (*field)(const type *);                                                            \
    } name##_it;                                                                                   \
    static int name##_tramp(const void *k, size_t kl, const void *v, size_t vl, void *c)           \
    {                                                                                              \
        name##_it *it = c;                                                                         \
        type rec;                                                                                  \
        memset(&rec, 0, sizeof rec);                                                               \
        if (tg_store__dec_##name(k, kl, v, vl, &rec)) {                                            \
            tg_warn("store", "%s: undecodable record skipped", #name);                             \
            return 0;                                                                              \
        }                                                                                          \
        if (it->field && it->field(&rec) > it->hi)                                                 \
            return SCAN_DONE;                                                                      \
        return it->cb(&rec, it->ctx);                                                              \
    }

ITER_TRAMPOLINE(product, tg_product, tg_product_cb)
ITER_TRAMPOLINE(trend, tg_trend, tg_trend_cb)
ITER_TRAMPOLINE(video, tg_video, tg_video_cb)
ITER_TRAMPOLINE(snapshot, tg_snapshot, tg_snapshot_cb)
ITER_TRAMPOLINE(hashtag_day, tg_hashtag_day, tg_hashtag_day_cb)
ITER_TRAMPOLINE(listing, tg_listing, tg_listing_cb)
ITER_TRAMPOLINE(price_obs, tg_price_obs, tg_price_obs_cb)
ITER_TRAMPOLINE(order, tg_order, tg_order_cb)
ITER_TRAMPOLINE(return, tg_return, tg_return_cb)
ITER_TRAMPOLINE(review, tg_review, tg_review_cb)
ITER_TRAMPOLINE(prediction, tg_prediction, tg_prediction_cb)
ITER_TRAMPOLINE(intervention, tg_intervention, tg_intervention_cb)

static int64_t day_field(const tg_hashtag_day *d)
{
    return d->day;
}
static int64_t price_t_field(const tg_price_obs *p)
{
    return p->t;
}

/* Seek to start, continue while keys begin with prefix. */
static int scan_from(tg_store_read *r, tg_db db, const tg_buf *start, size_t plen, tg_raw_cb cb,
                     void *ctx)
{
    if (!r->s->have[db])
        return TG_OK;
    MDB_cursor *c;
    int rc = mdb_cursor_open(r->txn, r->s->dbi[db], &c);
    if (rc)
        return tg_store__err(rc, "cursor");
    MDB_val k = {start->len, start->data}, v;
    int ret = 0;
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == 0) {
        if (k.mv_size < plen || memcmp(k.mv_data, start->data, plen) != 0)
            break;
        ret = cb(k.mv_data, k.mv_size, v.mv_data, v.mv_size, ctx);
        if (ret)
            break;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    if (ret == SCAN_DONE)
        return TG_OK;
    if (ret)
        return ret;
    return rc == MDB_NOTFOUND || rc == 0 ? TG_OK : tg_store__err(rc, "cursor get");
}

int tg_store_iter_hashtag_days(tg_store_read *r, const char *hashtag, int32_t from_day,
                               int32_t to_day, tg_hashtag_day_cb cb, void *ctx)
{
    tg_buf kb;
    tg_buf_init(&kb, TG_STORE_MAX_KEY);
    int rc = tg_store__key_str(&kb, hashtag);
    size_t plen = kb.len;
    if (rc == 0)
        rc = tg_store__key_be32t(&kb, from_day);
    if (rc == 0) {
        hashtag_day_it it = {cb, ctx, to_day, day_field};
        rc = scan_from(r, TG_DB_HASHTAG_DAYS, &kb, plen, hashtag_day_tramp, &it);
    }
    tg_buf_free(&kb);
    return rc;
}

int tg_store_iter_snapshots(tg_store_read *r, uint64_t video_id, tg_snapshot_cb cb, void *ctx)
{
    tg_buf kb;
    tg_buf_init(&kb, TG_STORE_MAX_KEY);
    int rc = tg_store__key_be64(&kb, video_id);
    if (rc == 0) {
        snapshot_it it = {cb, ctx, 0, NULL};
        rc = scan_from(r, TG_DB_SNAPSHOTS, &kb, kb.len, snapshot_tramp, &it);
    }
    tg_buf_free(&kb);
    return rc;
}

int tg_store_iter_prices(tg_store_read *r, const char *product_id, int64_t from, int64_t to,
                         tg_price_obs_cb cb, void *ctx)
{
    tg_buf kb;
    tg_buf_init(&kb, TG_STORE_MAX_KEY);
    int rc = tg_store__key_str(&kb, product_id);
    size_t plen = kb.len;
    if (rc == 0)
        rc = tg_store__key_be64t(&kb, from);
    if (rc == 0) {
        price_obs_it it = {cb, ctx, to, price_t_field};
        rc = scan_from(r, TG_DB_PRICES, &kb, plen, price_obs_tramp, &it);
    }
    tg_buf_free(&kb);
    return rc;
}

#define ITER_ALL(fn, name, cbtype, db)                                                             \
    int fn(tg_store_read *r, cbtype cb, void *ctx)                                                 \
    {                                                                                              \
        name##_it it = {cb, ctx, 0, NULL};                                                         \
        return tg_store_raw_iter(r, db, NULL, 0, name##_tramp, &it);                               \
    }

ITER_ALL(tg_store_iter_products, product, tg_product_cb, TG_DB_PRODUCTS)
ITER_ALL(tg_store_iter_videos, video, tg_video_cb, TG_DB_VIDEOS)
ITER_ALL(tg_store_iter_trends, trend, tg_trend_cb, TG_DB_TRENDS)
ITER_ALL(tg_store_iter_listings, listing, tg_listing_cb, TG_DB_LISTINGS)
ITER_ALL(tg_store_iter_orders, order, tg_order_cb, TG_DB_ORDERS)
ITER_ALL(tg_store_iter_returns, return, tg_return_cb, TG_DB_RETURNS)
ITER_ALL(tg_store_iter_reviews, review, tg_review_cb, TG_DB_REVIEWS)
ITER_ALL(tg_store_iter_predictions, prediction, tg_prediction_cb, TG_DB_PREDICTIONS)
ITER_ALL(tg_store_iter_interventions, intervention, tg_intervention_cb, TG_DB_INTERVENTIONS)
