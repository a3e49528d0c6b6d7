/*
 * export.c - researcher tables (see export.h).
 *
 * Output goes through a small row writer that knows the column names (CSV
 * header, JSON keys) and formats numbers and times by hand into one buffer
 * flushed every 64 KiB: exports stream millions of rows, and snprintf per
 * cell would dominate.
 */
#include "store/export.h"

#include "store/store_int.h"
#include "trendguard/error.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[TG_EXPORT__COUNT] = {"series", "videos", "prices", "orders",
                                                         "predictions"};

int tg_store_export_kind(const char *name)
{
    for (int i = 0; i < TG_EXPORT__COUNT; i++)
        if (name && strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

/* ---- the row writer ------------------------------------------------------ */

typedef struct {
    FILE *f;
    int jsonl;
    const char *const *cols;
    int col; /* next column of the current row */
    tg_buf b;
    int err;
    long rows;
} rw;

static void rw_flush(rw *w)
{
    if (w->b.len && fwrite(w->b.data, 1, w->b.len, w->f) != w->b.len)
        w->err = TG_EIO;
    tg_buf_reset(&w->b);
}

static inline void put(rw *w, const char *s, size_t n)
{
    /* hot path: room in the buffer (tg_buf keeps data[len] == 0) */
    if (w->b.len + n + 1 <= w->b.alloc) {
        memcpy(w->b.data + w->b.len, s, n);
        w->b.len += n;
        w->b.data[w->b.len] = 0;
        return;
    }
    if (!w->err && tg_buf_add(&w->b, s, n))
        w->err = TG_ENOMEM;
}

static void puts_(rw *w, const char *s)
{
    put(w, s, strlen(s));
}

static int rw_init(rw *w, FILE *f, int jsonl, const char *const *cols)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->jsonl = jsonl;
    w->cols = cols;
    tg_buf_init(&w->b, 0);
    if (!jsonl) {
        for (int i = 0; cols[i]; i++) {
            if (i)
                put(w, ",", 1);
            puts_(w, cols[i]);
        }
        put(w, "\n", 1);
    }
    return w->err;
}

static int rw_done(rw *w)
{
    rw_flush(w);
    tg_buf_free(&w->b);
    if (!w->err && fflush(w->f) != 0)
        w->err = TG_EIO;
    return w->err;
}

static void cell_json(rw *w)
{
    put(w, w->col ? ",\"" : "{\"", 2);
    puts_(w, w->cols[w->col]);
    put(w, "\":", 2);
}

/* Start a cell: separator / JSON key. */
static inline void cell(rw *w)
{
    if (w->jsonl)
        cell_json(w);
    else if (w->col)
        put(w, ",", 1);
    w->col++;
}

static void row_end(rw *w)
{
    if (w->jsonl)
        put(w, "}\n", 2);
    else
        put(w, "\n", 1);
    w->col = 0;
    w->rows++;
    if (w->b.len >= (64u << 10))
        rw_flush(w);
}

static void c_null(rw *w)
{
    cell(w);
    if (w->jsonl)
        put(w, "null", 4);
}

static void c_str(rw *w, const char *s)
{
    if (!s) {
        c_null(w);
        return;
    }
    cell(w);
    if (w->jsonl) {
        if (!w->err && tg_store_json_str(&w->b, s))
            w->err = TG_ENOMEM;
        return;
    }
    /* formula injection: =, +, -, @, TAB, CR as first character */
    bool formula = *s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r';
    /* one pass for the length and whether a character needs quoting */
    size_t n = 0;
    bool quote = formula;
    for (unsigned char ch; (ch = (unsigned char)s[n]) != 0; n++)
        quote |= ch == ',' || ch == '"' || ch == '\r' || ch == '\n';
    if (!quote) {
        put(w, s, n);
        return;
    }
    put(w, "\"", 1);
    if (formula)
        put(w, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            put(w, "\"\"", 2);
        else
            put(w, p, 1);
    }
    put(w, "\"", 1);
}

static void c_i64(rw *w, int64_t v)
{
    cell(w);
    char tmp[24];
    char *e = tmp + sizeof tmp, *p = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    put(w, p, (size_t)(e - p));
}

/* Counts: -1 (absent) becomes empty/null. */
static void c_count(rw *w, int64_t v)
{
    if (v < 0)
        c_null(w);
    else
        c_i64(w, v);
}

static void c_u64str(rw *w, uint64_t v)
{
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    if (w->jsonl) { /* ids above 2^53 as strings */
        cell(w);
        put(w, "\"", 1);
        puts_(w, tmp);
        put(w, "\"", 1);
    } else {
        cell(w);
        puts_(w, tmp);
    }
}

static void c_f64(rw *w, double v)
{
    if (!isfinite(v)) {
        c_null(w);
        return;
    }
    /*
     * Money: a value that is exactly the double nearest some whole number of
     * cents (115.17 is not 11517 / 100 in binary, but it is the double
     * nearest to it) prints as that decimal, which reads back as the same
     * double; anything else goes through %.10g.
     */
    double cents = nearbyint(v * 100.0);
    if (fabs(v) < 1e13 && cents / 100.0 == v) {
        int64_t c = (int64_t)cents;
        cell(w);
        char tmp[32];
        char *e = tmp + sizeof tmp, *p = e;
        uint64_t u = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;
        unsigned frac = (unsigned)(u % 100);
        u /= 100;
        if (frac) {
            if (frac % 10) {
                *--p = (char)('0' + frac % 10);
                *--p = (char)('0' + frac / 10);
            } else {
                *--p = (char)('0' + frac / 10);
            }
            *--p = '.';
        }
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (c < 0)
            *--p = '-';
        put(w, p, (size_t)(e - p));
        return;
    }
    cell(w);
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%.10g", v);
    put(w, tmp, (size_t)n);
}

static void civil(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

/* "00" .. "99": two digits per lookup. */
static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

static char *two(char *p, unsigned v)
{
    memcpy(p, digit_pairs + 2 * (v % 100), 2);
    return p + 2;
}

/* "YYYY-MM-DD" (10) or "YYYY-MM-DDTHH:MM:SSZ" (20) into p. */
static size_t fmt_time(char *p, int64_t t, bool with_time)
{
    if (t < -(INT64_C(1) << 50) || t > (INT64_C(1) << 50))
        return (size_t)snprintf(p, 24, "%lld", (long long)t);
    int64_t day = t / 86400;
    if (t % 86400 < 0)
        day--;
    int64_t sec = t - day * 86400;
    int y;
    unsigned m, d;
    civil(day, &y, &m, &d);
    if (y < 0 || y > 9999)
        return (size_t)snprintf(p, 24, "%d", y);
    char *q = two(two(p, (unsigned)y / 100), (unsigned)y % 100);
    *q++ = '-';
    q = two(q, m);
    *q++ = '-';
    q = two(q, d);
    if (!with_time)
        return 10;
    *q++ = 'T';
    q = two(q, (unsigned)(sec / 3600));
    *q++ = ':';
    q = two(q, (unsigned)(sec / 60 % 60));
    *q++ = ':';
    q = two(q, (unsigned)(sec % 60));
    *q++ = 'Z';
    return 20;
}

static void c_time(rw *w, int64_t t, bool zero_null)
{
    if (zero_null && t == 0) {
        c_null(w);
        return;
    }
    cell(w);
    char tmp[32];
    size_t n = fmt_time(tmp, t, true);
    if (w->jsonl)
        put(w, "\"", 1);
    put(w, tmp, n);
    if (w->jsonl)
        put(w, "\"", 1);
}

static void c_day(rw *w, int32_t day)
{
    cell(w);
    char tmp[32];
    size_t n = fmt_time(tmp, (int64_t)day * 86400, false);
    if (w->jsonl)
        put(w, "\"", 1);
    put(w, tmp, n);
    if (w->jsonl)
        put(w, "\"", 1);
}

static void c_bool(rw *w, bool v)
{
    cell(w);
    puts_(w, w->jsonl ? (v ? "true" : "false") : (v ? "1" : "0"));
}

/* "00" .. "ff": a byte's two hex digits per lookup. */
static const char hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/* Hex of at most 32 bytes (a pseudonym). */
static void c_hex(rw *w, const uint8_t *p, size_t n)
{
    cell(w);
    char tmp[2 * 32 + 2];
    char *q = tmp;
    if (n > 32)
        n = 32;
    if (w->jsonl)
        *q++ = '"';
    for (size_t i = 0; i < n; i++, q += 2)
        memcpy(q, hex_pairs + 2 * p[i], 2);
    if (w->jsonl)
        *q++ = '"';
    put(w, tmp, (size_t)(q - tmp));
}

/* ---- series -------------------------------------------------------------- */

static const char *const series_cols[] = {
    "hashtag", "day",      "videos", "new_videos",       "authors",   "views",
    "likes",   "comments", "shares", "top_author_share", "bot_score", NULL};

static int series_cb(const tg_hashtag_day *d, void *c)
{
    rw *w = c;
    c_str(w, d->hashtag);
    c_day(w, d->day);
    c_count(w, d->videos);
    c_count(w, d->new_videos);
    c_count(w, d->authors);
    c_count(w, d->views);
    c_count(w, d->likes);
    c_count(w, d->comments);
    c_count(w, d->shares);
    c_f64(w, d->top_author_share);
    c_f64(w, d->bot_score);
    row_end(w);
    return w->err;
}

static int32_t day_clamp(int64_t t)
{
    int64_t d = t / 86400; /* floor division without negating t (INT64_MIN) */
    if (t % 86400 < 0)
        d--;
    return d < INT32_MIN ? INT32_MIN : d > INT32_MAX ? INT32_MAX : (int32_t)d;
}

/* ---- videos -------------------------------------------------------------- */

static const char *const video_cols[] = {
    "video_id",  "username", "description", "hashtags", "region", "create_time", "first_seen",
    "last_seen", "views",    "likes",       "comments", "shares", NULL};

typedef struct {
    rw *w;
    tg_store_read *r;
    const tg_export_opts *o;
    tg_snapshot last;
    int have;
} video_ctx;

static int last_snap_cb(const tg_snapshot *s, void *c)
{
    video_ctx *v = c;
    v->last = *s;
    v->have = 1;
    return 0;
}

static int video_tag_cb(const void *k, size_t kl, const void *val, size_t vl, void *c)
{
    (void)val;
    (void)vl;
    video_ctx *x = c;
    if (kl < 8)
        return 0;
    uint64_t id = tg_store__get_be64((const unsigned char *)k + kl - 8);
    tg_video v;
    if (tg_store_get_video(x->r, id, &v) != TG_OK)
        return 0; /* index entry without a video: skip */
    if (v.create_time < x->o->from || v.create_time > x->o->to)
        return 0;
    x->have = 0;
    int rc = tg_store_iter_snapshots(x->r, id, last_snap_cb, x);
    if (rc)
        return rc;
    rw *w = x->w;
    c_u64str(w, v.id);
    c_str(w, v.username);
    c_str(w, v.description);
    c_str(w, v.hashtags);
    c_str(w, v.region);
    c_time(w, v.create_time, true);
    c_time(w, v.first_seen, true);
    if (x->have) {
        c_time(w, x->last.t, false);
        c_count(w, x->last.views);
        c_count(w, x->last.likes);
        c_count(w, x->last.comments);
        c_count(w, x->last.shares);
    } else {
        for (int i = 0; i < 5; i++)
            c_null(w);
    }
    row_end(w);
    return w->err;
}

/* ---- prices -------------------------------------------------------------- */

static const char *const price_cols[] = {"product_id", "day", "source",       "count",    "median",
                                         "min",        "max", "retail_price", "drop_pct", NULL};

#define NSRC 6
typedef struct {
    double *v;
    size_t n, cap;
} dvec;

typedef struct price_day {
    int32_t day;
    tg_source src;
    long count;
    double median, min, max;
} price_day;

typedef struct {
    int32_t day;
    dvec by_src[NSRC];
    int have;
    /* the finished daily rows (for the SVG) */
    price_day *rows;
    size_t nrows, caprows;
    int err;
} price_agg;

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void agg_flush(price_agg *a)
{
    for (int s = 0; s < NSRC; s++) {
        dvec *d = &a->by_src[s];
        if (!d->n)
            continue;
        tg_qsort(d->v, d->n, sizeof *d->v, dcmp);
        double med = d->n % 2 ? d->v[d->n / 2] : (d->v[d->n / 2 - 1] + d->v[d->n / 2]) / 2;
        if (a->nrows == a->caprows) {
            size_t nc = a->caprows ? a->caprows * 2 : 64;
            price_day *p = tg_realloc(a->rows, nc * sizeof *p);
            if (!p) {
                a->err = TG_ENOMEM;
                return;
            }
            a->rows = p;
            a->caprows = nc;
        }
        a->rows[a->nrows++] =
            (price_day){a->day, (tg_source)s, (long)d->n, med, d->v[0], d->v[d->n - 1]};
        d->n = 0;
    }
}

static int price_cb(const tg_price_obs *p, void *c)
{
    price_agg *a = c;
    int32_t day = day_clamp(p->t);
    if (a->have && day != a->day)
        agg_flush(a);
    a->day = day;
    a->have = 1;
    if (!isfinite(p->price))
        return a->err;
    int s = (int)p->source >= 0 && (int)p->source < NSRC ? (int)p->source : 0;
    dvec *d = &a->by_src[s];
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 16;
        double *v = tg_realloc(d->v, nc * sizeof *v);
        if (!v)
            return a->err = TG_ENOMEM;
        d->v = v;
        d->cap = nc;
    }
    d->v[d->n++] = p->price;
    return a->err;
}

static void agg_free(price_agg *a)
{
    for (int s = 0; s < NSRC; s++)
        tg_free(a->by_src[s].v);
    tg_free(a->rows);
}

static int collect_prices(tg_store_read *r, const tg_export_opts *o, price_agg *a, double *retail)
{
    memset(a, 0, sizeof *a);
    tg_product p;
    *retail = NAN;
    if (tg_store_get_product(r, o->product, &p) == TG_OK)
        *retail = p.price;
    int rc = tg_store_iter_prices(r, o->product, o->from, o->to, price_cb, a);
    if (rc == 0 && a->have)
        agg_flush(a);
    if (rc == 0)
        rc = a->err;
    return rc;
}

/* ---- orders -------------------------------------------------------------- */

static const char *const order_cols[] = {
    "order_id", "customer", "product_id",  "purchase_time", "price_paid", "age",
    "zip",      "returned", "return_time", "return_reason", NULL};

/* Orders merge-joined with returns (both keyed by order id) using two cursors. */
static int export_orders(tg_store_read *r, const tg_export_opts *o, rw *w)
{
    tg_store *s = r->s;
    if (!s->have[TG_DB_ORDERS])
        return TG_OK;
    MDB_cursor *co = NULL, *cr = NULL;
    int rc = mdb_cursor_open(r->txn, s->dbi[TG_DB_ORDERS], &co);
    if (rc)
        return tg_store__err(rc, "cursor");
    int have_ret =
        s->have[TG_DB_RETURNS] && mdb_cursor_open(r->txn, s->dbi[TG_DB_RETURNS], &cr) == 0;
    MDB_val k, v, rk, rv;
    int rrc = have_ret ? mdb_cursor_get(cr, &rk, &rv, MDB_FIRST) : MDB_NOTFOUND;
    int err = 0;
    for (rc = mdb_cursor_get(co, &k, &v, MDB_FIRST); rc == 0 && !w->err;
         rc = mdb_cursor_get(co, &k, &v, MDB_NEXT)) {
        tg_order ord;
        if (tg_store__dec_order(k.mv_data, k.mv_size, v.mv_data, v.mv_size, &ord))
            continue;
        /* advance the returns cursor to >= this order key */
        int cmp = -1;
        while (rrc == 0) {
            size_t n = rk.mv_size < k.mv_size ? rk.mv_size : k.mv_size;
            cmp = memcmp(rk.mv_data, k.mv_data, n);
            if (cmp == 0)
                cmp = rk.mv_size < k.mv_size ? -1 : rk.mv_size > k.mv_size;
            if (cmp >= 0)
                break;
            rrc = mdb_cursor_get(cr, &rk, &rv, MDB_NEXT);
        }
        if (ord.purchase_time < o->from || ord.purchase_time > o->to)
            continue;
        tg_return ret;
        bool returned =
            rrc == 0 && cmp == 0 &&
            tg_store__dec_return(rk.mv_data, rk.mv_size, rv.mv_data, rv.mv_size, &ret) == 0;
        c_str(w, ord.order_id);
        c_hex(w, ord.customer, 32);
        c_str(w, ord.product_id);
        c_time(w, ord.purchase_time, false);
        c_f64(w, ord.price_paid);
        if (ord.age >= 0)
            c_i64(w, ord.age);
        else
            c_null(w);
        c_str(w, ord.zip);
        c_bool(w, returned);
        if (returned) {
            c_time(w, ret.return_time, false);
            c_str(w, ret.reason);
        } else {
            c_null(w);
            c_null(w);
        }
        row_end(w);
    }
    if (rc && rc != MDB_NOTFOUND)
        err = tg_store__err(rc, "orders");
    mdb_cursor_close(co);
    if (cr)
        mdb_cursor_close(cr);
    return err;
}

/* ---- predictions --------------------------------------------------------- */

static const char *const pred_cols[] = {"order_id",  "risk",     "tier", "reasons",
                                        "scored_at", "model_id", NULL};

typedef struct {
    rw *w;
    const tg_export_opts *o;
} pred_ctx;

static int pred_cb(const tg_prediction *p, void *c)
{
    pred_ctx *x = c;
    if (p->scored_at < x->o->from || p->scored_at > x->o->to)
        return 0;
    rw *w = x->w;
    c_str(w, p->order_id);
    if (isfinite(p->risk)) {
        cell(w);
        char tmp[32];
        int n = snprintf(tmp, sizeof tmp, "%.6f", p->risk);
        put(w, tmp, (size_t)n);
    } else {
        c_null(w);
    }
    c_str(w, p->tier);
    c_str(w, p->reasons);
    c_time(w, p->scored_at, false);
    c_str(w, p->model_id);
    row_end(w);
    return w->err;
}

/* ---- entry point --------------------------------------------------------- */

int tg_store_export(tg_store_read *r, tg_export_kind kind, const tg_export_opts *o, long *rows)
{
    static const char *const *const cols[TG_EXPORT__COUNT] = {series_cols, video_cols, price_cols,
                                                              order_cols, pred_cols};
    if (rows)
        *rows = 0;
    if ((unsigned)kind >= TG_EXPORT__COUNT)
        return TG_EINVAL;
    if ((kind == TG_EXPORT_SERIES || kind == TG_EXPORT_VIDEOS) && (!o->hashtag || !*o->hashtag))
        return TG_EINVAL;
    if (kind == TG_EXPORT_PRICES && (!o->product || !*o->product))
        return TG_EINVAL;
    rw w;
    int rc = rw_init(&w, o->out, o->jsonl, cols[kind]);
    switch (kind) {
    case TG_EXPORT_SERIES:
        if (rc == 0)
            rc = tg_store_iter_hashtag_days(r, o->hashtag, day_clamp(o->from), day_clamp(o->to),
                                            series_cb, &w);
        break;
    case TG_EXPORT_VIDEOS: {
        video_ctx x = {&w, r, o, {0}, 0};
        tg_buf pre;
        tg_buf_init(&pre, TG_STORE_MAX_KEY);
        if (rc == 0)
            rc = tg_store__key_str(&pre, o->hashtag);
        if (rc == 0)
            rc = tg_store_raw_iter(r, TG_DB_VIDEO_TAGS, pre.data, pre.len, video_tag_cb, &x);
        tg_buf_free(&pre);
        break;
    }
    case TG_EXPORT_PRICES: {
        price_agg a;
        double retail;
        if (rc == 0)
            rc = collect_prices(r, o, &a, &retail);
        else
            memset(&a, 0, sizeof a);
        for (size_t i = 0; rc == 0 && i < a.nrows; i++) {
            price_day *d = &a.rows[i];
            c_str(&w, o->product);
            c_day(&w, d->day);
            c_str(&w, tg_store_source_name(d->src));
            c_i64(&w, d->count);
            c_f64(&w, d->median);
            c_f64(&w, d->min);
            c_f64(&w, d->max);
            c_f64(&w, retail);
            if (isfinite(retail) && retail > 0) {
                cell(&w);
                char tmp[32];
                int n = snprintf(tmp, sizeof tmp, "%.2f", (retail - d->median) / retail * 100);
                put(&w, tmp, (size_t)n);
            } else {
                c_null(&w);
            }
            row_end(&w);
        }
        agg_free(&a);
        break;
    }
    case TG_EXPORT_ORDERS:
        if (rc == 0)
            rc = export_orders(r, o, &w);
        break;
    case TG_EXPORT_PREDICTIONS: {
        pred_ctx x = {&w, o};
        if (rc == 0)
            rc = tg_store_iter_predictions(r, pred_cb, &x);
        break;
    }
    default:
        break;
    }
    int e2 = rw_done(&w);
    if (rows)
        *rows = w.rows;
    return rc ? rc : e2;
}

/* ---- SVG ----------------------------------------------------------------- */

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

int tg_store_export_prices_svg(tg_store_read *r, const tg_export_opts *o, FILE *f)
{
    static const char *const colors[NSRC] = {"#666666", "#1b9e77", "#d95f02",
                                             "#7570b3", "#e7298a", "#66a61e"};
    if (!o->product || !*o->product)
        return TG_EINVAL;
    price_agg a;
    double retail;
    int rc = collect_prices(r, o, &a, &retail);
    if (rc) {
        agg_free(&a);
        return rc;
    }
    const double W = 800, H = 420, L = 70, R = 160, T = 50, B = 60;
    int32_t d0 = INT32_MAX, d1 = INT32_MIN;
    double lo = isfinite(retail) ? retail : INFINITY, hi = isfinite(retail) ? retail : -INFINITY;
    for (size_t i = 0; i < a.nrows; i++) {
        if (a.rows[i].day < d0)
            d0 = a.rows[i].day;
        if (a.rows[i].day > d1)
            d1 = a.rows[i].day;
        if (a.rows[i].median < lo)
            lo = a.rows[i].median;
        if (a.rows[i].median > hi)
            hi = a.rows[i].median;
    }
    if (!isfinite(lo)) {
        lo = 0;
        hi = 1;
    }
    if (hi - lo < 1e-9)
        hi = lo + 1;
    lo = lo > 0 ? lo * 0.9 : lo - 1;
    hi *= 1.05;
    if (d0 > d1)
        d0 = d1 = 0;
    double span = d1 > d0 ? (double)(d1 - d0) : 1;
#define XP(d) (L + ((double)((d)-d0)) / span * (W - L - R))
#define YP(v) (T + (1 - ((v)-lo) / (hi - lo)) * (H - T - B))
    char day0[16], day1[16];
    fmt_time(day0, (int64_t)d0 * 86400, false);
    day0[10] = 0;
    fmt_time(day1, (int64_t)d1 * 86400, false);
    day1[10] = 0;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-labelledby=\"t d\">\n",
            W, H, W, H);
    fprintf(f, "<title id=\"t\">Resale price of ");
    xml_text(f, o->product);
    fprintf(f,
            " by day</title>\n<desc id=\"d\">Daily median resale price per source from %s "
            "to %s (%zu day-source points)",
            day0, day1, a.nrows);
    if (isfinite(retail))
        fprintf(f, ", compared with the retail price %.2f (dashed line)", retail);
    fprintf(f, ".</desc>\n");
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", W, H);
    fprintf(f,
            "<g stroke=\"black\" stroke-width=\"1\">"
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
            L, H - B, W - R, H - B, L, T, L, H - B);
    fprintf(f, "<g font-family=\"sans-serif\" font-size=\"12\">\n");
    for (int i = 0; i <= 4; i++) {
        double v = lo + (hi - lo) * i / 4;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", L - 6,
                YP(v) + 4, v);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", L, H - B + 18, day0);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", W - R, H - B + 18,
            day1);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">Day (UTC)</text>\n",
            (L + W - R) / 2, H - 15);
    fprintf(f,
            "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 18 "
            "%.1f)\">Price</text>\n",
            (T + H - B) / 2, (T + H - B) / 2);
    fprintf(f,
            "<text x=\"%.1f\" y=\"28\" text-anchor=\"middle\" font-size=\"15\">Resale price "
            "of ",
            W / 2);
    xml_text(f, o->product);
    fprintf(f, "</text>\n</g>\n");
    if (isfinite(retail))
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\" "
                "stroke-dasharray=\"6 4\"><title>retail price %.2f</title></line>\n",
                L, YP(retail), W - R, YP(retail), retail);
    int legend = 0;
    for (int s = 0; s < NSRC; s++) {
        size_t n = 0;
        for (size_t i = 0; i < a.nrows; i++)
            n += a.rows[i].src == (tg_source)s;
        if (!n)
            continue;
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colors[s]);
        for (size_t i = 0; i < a.nrows; i++)
            if (a.rows[i].src == (tg_source)s)
                fprintf(f, "%.1f,%.1f ", XP(a.rows[i].day), YP(a.rows[i].median));
        fprintf(f, "\"><title>%s daily median</title></polyline>\n",
                tg_store_source_name((tg_source)s));
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"12\" "
                "fill=\"%s\">%s median</text>\n",
                W - R + 10, T + 16.0 * legend++, colors[s], tg_store_source_name((tg_source)s));
    }
    if (isfinite(retail))
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"12\">"
                "retail (dashed)</text>\n",
                W - R + 10, T + 16.0 * legend);
    fprintf(f, "</svg>\n");
#undef XP
#undef YP
    agg_free(&a);
    return ferror(f) ? TG_EIO : TG_OK;
}
