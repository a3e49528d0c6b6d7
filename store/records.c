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
    unsigned char k[TG_STORE__SNAP_KEY], v[TG_STORE__SNAP_VMAX];
    size_t vl = tg_store__snapshot_kv(k, v, s);
    return tg_store_raw_put(t, TG_DB_SNAPSHOTS, k, sizeof k, v, vl);
}

/* A snapshot's place in key order: the key as two numbers, and its input index. */
typedef struct {
    uint64_t video_id;
    uint64_t tkey; /* t with the sign bit flipped, as in the key */
    size_t idx;
} snap_ord;

static uint64_t snap_tkey(int64_t t)
{
    return (uint64_t)t ^ (UINT64_C(1) << 63);
}

/* Byte d of the 16-byte key, d = 0 the least significant (the time's last byte). */
static unsigned snap_byte(const snap_ord *o, int d)
{
    return (unsigned)((d < 8 ? o->tkey >> (8 * d) : o->video_id >> (8 * (d - 8))) & 0xff);
}

/*
 * The order of n snapshots by (video_id, t), or NULL when out of memory.
 * An LSD radix sort, one pass per key byte from the least significant: it is
 * stable, so a repeated key keeps its input order (the last put wins), and
 * bytes that are the same in every entry (the high bytes of the ids and
 * times of one batch) are skipped, so a batch takes ~4 passes, about a fifth
 * of qsort's instructions here.
 */
static snap_ord *sort_snaps(const tg_snapshot *s, size_t n)
{
    snap_ord *a = tg_malloc(n * sizeof *a), *b = tg_malloc(n * sizeof *b);
    size_t(*cnt)[256] = tg_calloc(16, sizeof *cnt);
    if (!a || !b || !cnt) {
        tg_free(a);
        tg_free(b);
        tg_free(cnt);
        return NULL;
    }
    /* which key bytes differ anywhere: only those need a pass */
    uint64_t vdiff = 0, tdiff = 0;
    for (size_t i = 0; i < n; i++) {
        a[i] = (snap_ord){s[i].video_id, snap_tkey(s[i].t), i};
        vdiff |= a[i].video_id ^ a[0].video_id;
        tdiff |= a[i].tkey ^ a[0].tkey;
    }
    for (int d = 0; d < 16; d++) {
        uint64_t diff = d < 8 ? tdiff >> (8 * d) : vdiff >> (8 * (d - 8));
        if ((diff & 0xff) == 0)
            continue; /* every entry has the same byte here */
        size_t *c = cnt[d];
        for (size_t i = 0; i < n; i++)
            c[snap_byte(&a[i], d)]++;
        size_t pos = 0;
        for (int v = 0; v < 256; v++) {
            size_t k = c[v];
            c[v] = pos;
            pos += k;
        }
        for (size_t i = 0; i < n; i++)
            b[c[snap_byte(&a[i], d)]++] = a[i];
        snap_ord *x = a;
        a = b;
        b = x;
    }
    tg_free(b);
    tg_free(cnt);
    return a;
}

static bool snaps_sorted(const tg_snapshot *s, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (s[i].video_id < s[i - 1].video_id ||
            (s[i].video_id == s[i - 1].video_id && s[i].t < s[i - 1].t))
            return false;
    return true;
}

/*
 * Put n snapshots in key order through the transaction's one cursor: each
 * put then usually lands on the leaf page the cursor already holds, and
 * keys beyond the database's last key are appended (MDB_APPEND: no search,
 * full pages). A repeated key is written again, so the last one in the
 * input wins, as with n single puts.
 */
int tg_store_put_snapshots(tg_store_txn *t, const tg_snapshot *snaps, size_t n)
{
    if (n == 0)
        return TG_OK;
    if (!snaps || n > TG_STORE_MAX_BATCH)
        return TG_EINVAL;
    int rc;
    MDB_cursor *c = tg_store__cursor(&t->rd, TG_DB_SNAPSHOTS, &rc);
    if (!c)
        return rc;
    snap_ord *ord = NULL;
    if (!snaps_sorted(snaps, n)) {
        ord = sort_snaps(snaps, n);
        if (!ord)
            return TG_ENOMEM;
    }
    /* the greatest key stored so far: puts above it may append */
    unsigned char last[TG_STORE__SNAP_KEY];
    bool have_last = false, may_append = true;
    MDB_val lk, lv;
    int mrc = mdb_cursor_get(c, &lk, &lv, MDB_LAST);
    if (mrc == 0 && lk.mv_size == sizeof last) {
        memcpy(last, lk.mv_data, sizeof last);
        have_last = true;
    } else if (mrc == 0) {
        may_append = false; /* a key that is not a snapshot's: never append */
    } else if (mrc != MDB_NOTFOUND) {
        rc = tg_store__err(mrc, "snapshots");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const tg_snapshot *s = ord ? &snaps[ord[i].idx] : &snaps[i];
        unsigned char k[TG_STORE__SNAP_KEY], v[TG_STORE__SNAP_VMAX];
        size_t vl = tg_store__snapshot_kv(k, v, s);
        unsigned flags = 0;
        if (may_append && (!have_last || memcmp(k, last, sizeof k) > 0)) {
            flags = MDB_APPEND;
            memcpy(last, k, sizeof k);
            have_last = true;
        }
        MDB_val mk = {sizeof k, k}, mv = {vl, v};
        mrc = mdb_cursor_put(c, &mk, &mv, flags);
        if (mrc) {
            if (mrc == MDB_MAP_FULL)
                t->map_full = 1;
            rc = tg_store__err(mrc, "snapshots");
            goto out;
        }
    }
    rc = TG_OK;
out:
    tg_free(ord);
    return rc;
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

/* A key built on the stack (point gets allocate nothing). */
typedef struct {
    unsigned char b[TG_STORE_MAX_KEY];
    size_t n;
    int err;
} keybuf;

static void kb_add(keybuf *k, const void *p, size_t n)
{
    if (k->err || n > sizeof k->b - k->n) {
        k->err = TG_EINVAL;
        return;
    }
    memcpy(k->b + k->n, p, n);
    k->n += n;
}

/* A str key field: the bytes and their 0x00 (store_int.h). */
static void kb_str(keybuf *k, const char *s)
{
    kb_add(k, s ? s : "", strlen(s ? s : "") + 1);
}

static void kb_be64(keybuf *k, uint64_t v)
{
    unsigned char x[8];
    for (int i = 7; i >= 0; i--) {
        x[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    kb_add(k, x, 8);
}

/*
 * Look key k up in db through r's cursor on db, handing back the key as
 * LMDB stores it too, so decoded strings point into the map rather than
 * into the caller's key buffer.
 */
static int lookup(tg_store_read *r, tg_db db, const keybuf *k, const void **kp, size_t *kl,
                  const void **v, size_t *vl)
{
    if (k->err)
        return k->err;
    if (!r->s->have[db])
        return TG_ENOTFOUND;
    int rc;
    MDB_cursor *c = tg_store__cursor(r, db, &rc);
    if (!c)
        return rc;
    MDB_val mk = {k->n, (void *)k->b}, mv;
    int mrc = mdb_cursor_get(c, &mk, &mv, MDB_SET_KEY);
    if (mrc)
        return tg_store__err(mrc, tg_db_name(db));
    *kp = mk.mv_data;
    *kl = mk.mv_size;
    *v = mv.mv_data;
    *vl = mv.mv_size;
    return TG_OK;
}

/* Look k up in db and decode it with dec into out. */
#define GET_DECODED(r, db, k, dec, out)                                                            \
    do {                                                                                           \
        const void *kp_ = NULL, *v_ = NULL;                                                        \
        size_t kl_ = 0, vl_ = 0;                                                                   \
        int rc_ = lookup(r, db, k, &kp_, &kl_, &v_, &vl_);                                         \
        return rc_ ? rc_ : dec(kp_, kl_, v_, vl_, out);                                            \
    } while (0)

int tg_store_get_product(tg_store_read *r, const char *product_id, tg_product *out)
{
    keybuf k = {.n = 0};
    kb_str(&k, product_id);
    GET_DECODED(r, TG_DB_PRODUCTS, &k, tg_store__dec_product, out);
}

int tg_store_get_video(tg_store_read *r, uint64_t id, tg_video *out)
{
    keybuf k = {.n = 0};
    kb_be64(&k, id);
    GET_DECODED(r, TG_DB_VIDEOS, &k, tg_store__dec_video, out);
}

int tg_store_get_trend(tg_store_read *r, const char *hashtag, tg_trend *out)
{
    keybuf k = {.n = 0};
    kb_str(&k, hashtag);
    GET_DECODED(r, TG_DB_TRENDS, &k, tg_store__dec_trend, out);
}

int tg_store_get_order(tg_store_read *r, const char *order_id, tg_order *out)
{
    keybuf k = {.n = 0};
    kb_str(&k, order_id);
    GET_DECODED(r, TG_DB_ORDERS, &k, tg_store__dec_order, out);
}

int tg_store_get_prediction(tg_store_read *r, const char *order_id, tg_prediction *out)
{
    keybuf k = {.n = 0};
    kb_str(&k, order_id);
    GET_DECODED(r, TG_DB_PREDICTIONS, &k, tg_store__dec_prediction, out);
}

int tg_store_get_listing(tg_store_read *r, tg_source src, const char *listing_id, tg_listing *out)
{
    keybuf k = {.n = 0};
    unsigned char so = (unsigned char)src;
    kb_add(&k, &so, 1);
    kb_str(&k, listing_id);
    GET_DECODED(r, TG_DB_LISTINGS, &k, tg_store__dec_listing, out);
}

int tg_store_get_zip_income(tg_store_read *r, const char *zip, double *income)
{
    keybuf k = {.n = 0};
    kb_str(&k, zip);
    const void *kp = NULL, *v = NULL;
    size_t kl = 0, vl = 0;
    int rc = lookup(r, TG_DB_ZIPS, &k, &kp, &kl, &v, &vl);
    if (rc)
        return rc;
    const char *z;
    return tg_store__dec_zip(kp, kl, v, vl, &z, income);
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
