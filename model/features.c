/*
 * features.c - the point-in-time feature context.
 *
 * tg_model_ctx_build() copies what the features need out of one read
 * snapshot into flat arrays, grouped and sorted so that a feature of an
 * order at time t0 is a handful of binary searches:
 *   - per hashtag: the daily series, its daily view gains and the running
 *     argmax of the gain (so "peak so far" at any index is O(1));
 *   - per product: reviews sorted by time with prefix sums, resale
 *     observations condensed to one row per day (count, median of the last
 *     14 days), the purchase times of its orders and the times of its
 *     returns (all and "Regret"), sorted;
 *   - per customer (pseudonym): purchase times with product index, return
 *     times, sorted.
 * Every query cuts at t0 (strictly before), or at the day before t0's day
 * for daily aggregates. docs/FEATURES.md is the reference.
 */
#include "model_int.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/sentiment.h"
#include "trendguard/trends.h"
#include "trendguard/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DAY TG_MODEL__DAY
#define RESALE_WINDOW_DAYS 14
#define PRODUCT_SMOOTH_N 10.0
#define PRODUCT_PRIOR 0.2
#define CUSTOMER_SMOOTH_N 2.0
#define CUSTOMER_PRIOR 0.2
#define MAX_DAY_SPAN 20000 /* resale day rows per product: ~55 years */

/* ---- small containers -------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    char data[];
} arena_block;

typedef struct arena {
    arena_block *head;
} arena;

static char *arena_strdup(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    if (!a->head || a->head->size - a->head->used < n) {
        size_t sz = n > (1 << 20) ? n : (1 << 20);
        arena_block *b = tg_malloc(sizeof *b + sz);
        if (!b)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->size = sz;
        a->head = b;
    }
    char *p = a->head->data + a->head->used;
    memcpy(p, s, n);
    a->head->used += n;
    return p;
}

static void arena_free(arena *a)
{
    while (a->head) {
        arena_block *n = a->head->next;
        tg_free(a->head);
        a->head = n;
    }
}

/* Open-addressing map from a byte key (pointer kept, not copied) to int32. */
typedef struct kmap {
    const void **key;
    uint32_t *klen;
    int32_t *val;
    size_t mask, n;
} kmap;

static int kmap_init(kmap *m, size_t want)
{
    size_t cap = 64;
    while (cap < want * 2 + 1)
        cap <<= 1;
    m->key = tg_calloc(cap, sizeof *m->key);
    m->klen = tg_calloc(cap, sizeof *m->klen);
    m->val = tg_calloc(cap, sizeof *m->val);
    m->mask = cap - 1;
    m->n = 0;
    return m->key && m->klen && m->val ? TG_OK : TG_ENOMEM;
}

static void kmap_free(kmap *m)
{
    tg_free(m->key);
    tg_free(m->klen);
    tg_free(m->val);
    memset(m, 0, sizeof *m);
}

static size_t kmap_slot(const kmap *m, const void *k, size_t kl)
{
    size_t i = (size_t)tg_hash64(k, kl) & m->mask;
    while (m->key[i] && !(m->klen[i] == kl && memcmp(m->key[i], k, kl) == 0))
        i = (i + 1) & m->mask;
    return i;
}

static int32_t kmap_get(const kmap *m, const void *k, size_t kl)
{
    if (!m->key)
        return -1;
    size_t i = kmap_slot(m, k, kl);
    return m->key[i] ? m->val[i] : -1;
}

static int kmap_grow(kmap *m)
{
    kmap nm;
    if (kmap_init(&nm, (m->mask + 1)) != TG_OK) {
        kmap_free(&nm);
        return TG_ENOMEM;
    }
    for (size_t i = 0; i <= m->mask; i++)
        if (m->key[i]) {
            size_t j = kmap_slot(&nm, m->key[i], m->klen[i]);
            nm.key[j] = m->key[i];
            nm.klen[j] = m->klen[i];
            nm.val[j] = m->val[i];
            nm.n++;
        }
    kmap_free(m);
    *m = nm;
    return TG_OK;
}

/* Insert when absent; *idx gets the existing or the new value. */
static int kmap_put(kmap *m, const void *k, size_t kl, int32_t v, int32_t *idx)
{
    if ((m->n + 1) * 2 > m->mask + 1 && kmap_grow(m) != TG_OK)
        return TG_ENOMEM;
    size_t i = kmap_slot(m, k, kl);
    if (!m->key[i]) {
        m->key[i] = k;
        m->klen[i] = (uint32_t)kl;
        m->val[i] = v;
        m->n++;
    }
    if (idx)
        *idx = m->val[i];
    return TG_OK;
}

/* Growable array of fixed-size items. */
typedef struct vec {
    void *p;
    size_t n, cap, isz;
} vec;

static void *vec_push(vec *v)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 64;
        void *np = tg_realloc(v->p, nc * v->isz);
        if (!np)
            return NULL;
        v->p = np;
        v->cap = nc;
    }
    return (char *)v->p + v->isz * v->n++;
}

/* ---- the context ------------------------------------------------------ */

typedef struct series {
    int32_t *day;
    double *views, *likes, *bot, *tas;
    double *gain;    /* daily view gain (NAN on the first row) */
    int32_t *peakix; /* running argmax of gain up to and including i, -1 none */
    /* the lifecycle (model/lifecycle.c, point-in-time) of the daily gains */
    int8_t *stage;     /* tg_stage */
    int32_t *peak_day; /* peak so far */
    float *ratio;      /* smoothed gain / peak so far */
    size_t n;
} series;

typedef struct resale_day {
    double median; /* of observations in [d-14, d-1], NAN when none */
    int32_t count; /* observations on day d */
} resale_day;

typedef struct product {
    const char *id;
    double price, category;
    int64_t launch;
    int32_t series; /* -1 none */
    /* reviews */
    int64_t *rev_t;
    double *rev_rating_sum, *rev_sent_sum; /* prefix sums, [0] = 0 */
    int32_t *rev_rated;                    /* prefix count of rated reviews */
    size_t nrev;
    /* resale: rows for days first_day .. first_day + ndays - 1 */
    int32_t resale_first;
    resale_day *resale;
    int32_t *resale_cum; /* prefix sums of count, [0] = 0 */
    size_t ndays;
    /* orders and returns */
    int64_t *ord_t, *ret_t, *reg_t;
    size_t nord, nret, nreg;
} product;

typedef struct cust_order {
    int64_t t;
    int32_t product;
} cust_order;

typedef struct customer {
    cust_order *ord;
    int64_t *ret_t;
    size_t nord, nret;
} customer;

typedef struct ord_rec {
    tg_order o;
    int32_t product; /* -1 unknown */
    int32_t customer;
    int64_t ret_time; /* 0: no return */
    const char *ret_reason;
} ord_rec;

struct tg_model_ctx {
    arena strings;
    int bracket_days;
    kmap prod_map, cust_map, order_map, tag_map, zip_map;
    vec products; /* product */
    vec series;   /* series */
    vec customers;
    vec orders;     /* ord_rec */
    vec zip_income; /* double */
    uint8_t (*cust_keys)[32];
    int64_t data_end;
};

/* ---- building ----------------------------------------------------------- */

typedef struct build {
    tg_model_ctx *c;
    tg_store_read *r;
    const tg_sentiment *sent;
    vec rev;  /* rev_tmp */
    vec obs;  /* obs_tmp */
    vec days; /* tg_hashtag_day copy */
    int rc;
} build;

typedef struct rev_tmp {
    int32_t product;
    int64_t t;
    int rating;
    double sent;
} rev_tmp;

typedef struct obs_tmp {
    int64_t t;
    double price;
} obs_tmp;

static void note_time(tg_model_ctx *c, int64_t t)
{
    if (t > c->data_end)
        c->data_end = t;
}

static double category_code(const char *cat)
{
    if (!cat || !*cat)
        return NAN;
    return (double)(tg_hash64(cat, strlen(cat)) % 1024);
}

static int series_cb(const tg_hashtag_day *d, void *ctx)
{
    build *b = ctx;
    tg_hashtag_day *x = vec_push(&b->days);
    if (!x)
        return TG_ENOMEM;
    *x = *d;
    x->hashtag = NULL;
    note_time(b->c, (int64_t)d->day * DAY + DAY - 1);
    return 0;
}

static int lifecycle(series *s, int32_t *out, int32_t idx);

static int load_series(build *b, const char *tag, int32_t *out)
{
    tg_model_ctx *c = b->c;
    *out = -1;
    b->days.n = 0;
    int rc = tg_store_iter_hashtag_days(b->r, tag, INT32_MIN, INT32_MAX, series_cb, b);
    if (rc)
        return rc;
    if (b->days.n == 0)
        return TG_OK;
    size_t n = b->days.n;
    series *s = vec_push(&c->series);
    if (!s)
        return TG_ENOMEM;
    memset(s, 0, sizeof *s);
    s->n = n;
    s->day = tg_malloc(n * sizeof *s->day);
    s->views = tg_malloc(n * sizeof(double));
    s->likes = tg_malloc(n * sizeof(double));
    s->bot = tg_malloc(n * sizeof(double));
    s->tas = tg_malloc(n * sizeof(double));
    s->gain = tg_malloc(n * sizeof(double));
    s->peakix = tg_malloc(n * sizeof(int32_t));
    s->stage = tg_malloc(n * sizeof(int8_t));
    s->peak_day = tg_malloc(n * sizeof(int32_t));
    s->ratio = tg_malloc(n * sizeof(float));
    if (!s->day || !s->views || !s->likes || !s->bot || !s->tas || !s->gain || !s->peakix ||
        !s->stage || !s->peak_day || !s->ratio)
        return TG_ENOMEM;
    const tg_hashtag_day *d = b->days.p;
    int32_t best = -1;
    for (size_t i = 0; i < n; i++) {
        s->day[i] = d[i].day;
        s->views[i] = d[i].views >= 0 ? (double)d[i].views : NAN;
        s->likes[i] = d[i].likes >= 0 ? (double)d[i].likes : NAN;
        s->bot[i] = d[i].bot_score;
        s->tas[i] = d[i].top_author_share;
        s->gain[i] = NAN;
        if (i > 0 && isfinite(s->views[i]) && isfinite(s->views[i - 1])) {
            double gap = (double)(s->day[i] - s->day[i - 1]);
            s->gain[i] = (s->views[i] - s->views[i - 1]) / (gap > 0 ? gap : 1);
        }
        if (isfinite(s->gain[i]) && (best < 0 || s->gain[i] > s->gain[best]))
            best = (int32_t)i;
        s->peakix[i] = best;
    }
    return lifecycle(s, out, (int32_t)(c->series.n - 1));
}

/* Stage, peak so far and ratio of every row from tg_lifecycle_compute(). */
static int lifecycle(series *s, int32_t *out, int32_t idx)
{
    size_t n = s->n;
    double *act = tg_malloc(n * sizeof *act);
    tg_lifecycle_point *pt = tg_malloc(n * sizeof *pt);
    int rc = TG_ENOMEM;
    if (!act || !pt)
        goto out;
    for (size_t i = 0; i < n; i++)
        act[i] = isfinite(s->gain[i]) && s->gain[i] > 0 ? s->gain[i] : 0;
    rc = tg_lifecycle_compute(s->day, act, n, pt);
    if (rc)
        goto out;
    for (size_t i = 0; i < n; i++) {
        s->stage[i] = (int8_t)pt[i].stage;
        s->peak_day[i] = pt[i].peak_day;
        s->ratio[i] = (float)pt[i].ratio;
    }
    *out = idx;
out:
    tg_free(act);
    tg_free(pt);
    return rc;
}

static int product_cb(const tg_product *p, void *ctx)
{
    build *b = ctx;
    tg_model_ctx *c = b->c;
    product *x = vec_push(&c->products);
    if (!x)
        return TG_ENOMEM;
    memset(x, 0, sizeof *x);
    x->id = arena_strdup(&c->strings, p->product_id);
    if (!x->id)
        return TG_ENOMEM;
    x->price = p->price;
    x->category = category_code(p->category);
    x->launch = p->launch_date;
    x->series = -1;
    if (kmap_put(&c->prod_map, x->id, strlen(x->id), (int32_t)(c->products.n - 1), NULL))
        return TG_ENOMEM;
    /* The product's first hashtag (lower case) that has a series. */
    const char *h = p->hashtags ? p->hashtags : "";
    while (*h && x->series < 0) {
        const char *e = strchr(h, ';');
        size_t len = e ? (size_t)(e - h) : strlen(h);
        char tag[128];
        if (len > 0 && len < sizeof tag) {
            for (size_t i = 0; i < len; i++)
                tag[i] = (char)((h[i] >= 'A' && h[i] <= 'Z') ? h[i] + 32 : h[i]);
            tag[len] = 0;
            char *key = arena_strdup(&c->strings, tag);
            if (!key)
                return TG_ENOMEM;
            int32_t si = kmap_get(&c->tag_map, key, len);
            if (si < 0) {
                int rc = load_series(b, key, &si);
                if (rc)
                    return rc;
                if (kmap_put(&c->tag_map, key, len, si, NULL))
                    return TG_ENOMEM;
            }
            x->series = si;
        }
        h = e ? e + 1 : h + len;
    }
    return 0;
}

static int order_cb(const tg_order *o, void *ctx)
{
    build *b = ctx;
    tg_model_ctx *c = b->c;
    ord_rec *x = vec_push(&c->orders);
    if (!x)
        return TG_ENOMEM;
    memset(x, 0, sizeof *x);
    x->o = *o;
    x->o.order_id = arena_strdup(&c->strings, o->order_id);
    x->o.product_id = arena_strdup(&c->strings, o->product_id ? o->product_id : "");
    x->o.zip = arena_strdup(&c->strings, o->zip ? o->zip : "");
    x->ret_reason = "";
    if (!x->o.order_id || !x->o.product_id || !x->o.zip)
        return TG_ENOMEM;
    note_time(c, o->purchase_time);
    return 0;
}

static int return_cb(const tg_return *r, void *ctx)
{
    build *b = ctx;
    tg_model_ctx *c = b->c;
    int32_t i = kmap_get(&c->order_map, r->order_id, strlen(r->order_id));
    note_time(c, r->return_time);
    if (i < 0)
        return 0; /* a return of an unknown order: ignored */
    ord_rec *o = (ord_rec *)c->orders.p + i;
    if (o->ret_time && o->ret_time <= r->return_time)
        return 0; /* keep the first return */
    o->ret_time = r->return_time;
    o->ret_reason = arena_strdup(&c->strings, r->reason ? r->reason : "");
    return o->ret_reason ? 0 : TG_ENOMEM;
}

static int review_cb(const tg_review *r, void *ctx)
{
    build *b = ctx;
    int32_t p = kmap_get(&b->c->prod_map, r->product_id, strlen(r->product_id));
    note_time(b->c, r->review_time);
    if (p < 0)
        return 0;
    rev_tmp *x = vec_push(&b->rev);
    if (!x)
        return TG_ENOMEM;
    x->product = p;
    x->t = r->review_time;
    x->rating = r->rating;
    x->sent = r->text && *r->text ? tg_sentiment_score(b->sent, r->text) : NAN;
    return 0;
}

static int obs_cb(const tg_price_obs *p, void *ctx)
{
    build *b = ctx;
    if (!(p->price > 0) || !isfinite(p->price))
        return 0;
    obs_tmp *x = vec_push(&b->obs);
    if (!x)
        return TG_ENOMEM;
    x->t = p->t;
    x->price = p->price;
    note_time(b->c, p->t);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_rev(const void *a, const void *b)
{
    const rev_tmp *x = a, *y = b;
    if (x->product != y->product)
        return x->product < y->product ? -1 : 1;
    return (x->t > y->t) - (x->t < y->t);
}

static int cmp_cust_order(const void *a, const void *b)
{
    const cust_order *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

/* Resale rows of one product from its observations (sorted by time). */
static int build_resale(product *p, obs_tmp *obs, size_t n)
{
    if (n == 0)
        return TG_OK;
    int32_t first = tg_day_of(obs[0].t), last = tg_day_of(obs[n - 1].t) + RESALE_WINDOW_DAYS + 1;
    if (last - first + 1 > MAX_DAY_SPAN)
        first = last + 1 - MAX_DAY_SPAN;
    size_t nd = (size_t)(last - first + 1);
    p->resale = tg_calloc(nd, sizeof *p->resale);
    p->resale_cum = tg_calloc(nd + 1, sizeof *p->resale_cum);
    double *win = tg_malloc(n * sizeof *win);
    int rc = TG_OK;
    if (!p->resale || !p->resale_cum || !win) {
        rc = TG_ENOMEM;
        goto out;
    }
    p->resale_first = first;
    p->ndays = nd;
    for (size_t i = 0; i < n; i++) {
        int32_t d = tg_day_of(obs[i].t);
        if (d >= first)
            p->resale[d - first].count++;
    }
    for (size_t k = 0; k < nd; k++)
        p->resale_cum[k + 1] = p->resale_cum[k] + p->resale[k].count;
    /* median over observations with day in [d-14, d-1] */
    size_t lo = 0, hi = 0;
    for (size_t k = 0; k < nd; k++) {
        int32_t d = first + (int32_t)k;
        while (hi < n && tg_day_of(obs[hi].t) <= d - 1)
            hi++;
        while (lo < hi && tg_day_of(obs[lo].t) < d - RESALE_WINDOW_DAYS)
            lo++;
        size_t m = hi - lo;
        if (m == 0) {
            p->resale[k].median = NAN;
            continue;
        }
        for (size_t j = 0; j < m; j++)
            win[j] = obs[lo + j].price;
        tg_qsort(win, m, sizeof *win, cmp_double);
        p->resale[k].median = m % 2 ? win[m / 2] : 0.5 * (win[m / 2 - 1] + win[m / 2]);
    }
out:
    tg_free(win);
    return rc;
}

static int build_products(build *b)
{
    tg_model_ctx *c = b->c;
    product *P = c->products.p;
    /* reviews */
    rev_tmp *rv = b->rev.p;
    if (b->rev.n)
        tg_qsort(rv, b->rev.n, sizeof *rv, cmp_rev);
    for (size_t i = 0; i < b->rev.n;) {
        size_t j = i;
        while (j < b->rev.n && rv[j].product == rv[i].product)
            j++;
        product *p = &P[rv[i].product];
        size_t n = j - i;
        p->nrev = n;
        p->rev_t = tg_malloc(n * sizeof *p->rev_t);
        p->rev_rating_sum = tg_malloc((n + 1) * sizeof(double));
        p->rev_sent_sum = tg_malloc((n + 1) * sizeof(double));
        p->rev_rated = tg_malloc((n + 1) * sizeof(int32_t));
        if (!p->rev_t || !p->rev_rating_sum || !p->rev_sent_sum || !p->rev_rated)
            return TG_ENOMEM;
        p->rev_rating_sum[0] = p->rev_sent_sum[0] = 0;
        p->rev_rated[0] = 0;
        for (size_t k = 0; k < n; k++) {
            const rev_tmp *r = &rv[i + k];
            p->rev_t[k] = r->t;
            bool rated = r->rating >= 1 && r->rating <= 5;
            p->rev_rating_sum[k + 1] = p->rev_rating_sum[k] + (rated ? r->rating : 0);
            p->rev_rated[k + 1] = p->rev_rated[k] + rated;
            p->rev_sent_sum[k + 1] = p->rev_sent_sum[k] + (isfinite(r->sent) ? r->sent : 0);
        }
        i = j;
    }
    /* resale observations */
    for (size_t i = 0; i < c->products.n; i++) {
        b->obs.n = 0;
        int rc = tg_store_iter_prices(b->r, P[i].id, INT64_MIN, INT64_MAX, obs_cb, b);
        if (rc)
            return rc;
        /* iteration is ascending by time per the store's contract */
        rc = build_resale(&P[i], b->obs.p, b->obs.n);
        if (rc)
            return rc;
    }
    return TG_OK;
}

static int build_orders(build *b)
{
    tg_model_ctx *c = b->c;
    ord_rec *O = c->orders.p;
    product *P = c->products.p;
    size_t n = c->orders.n;
    size_t *pn_ord = tg_calloc(c->products.n + 1, sizeof(size_t));
    size_t *pn_ret = tg_calloc(c->products.n + 1, sizeof(size_t));
    size_t *pn_reg = tg_calloc(c->products.n + 1, sizeof(size_t));
    int rc = TG_ENOMEM;
    if (!pn_ord || !pn_ret || !pn_reg)
        goto out;
    c->cust_keys = tg_malloc((n ? n : 1) * sizeof *c->cust_keys);
    if (!c->cust_keys)
        goto out;
    /* customers, products */
    for (size_t i = 0; i < n; i++) {
        ord_rec *o = &O[i];
        o->product = kmap_get(&c->prod_map, o->o.product_id, strlen(o->o.product_id));
        int32_t ci;
        memcpy(c->cust_keys[c->customers.n], o->o.customer, 32);
        if (kmap_put(&c->cust_map, c->cust_keys[c->customers.n], 32, (int32_t)c->customers.n, &ci))
            goto out;
        if (ci == (int32_t)c->customers.n) {
            customer *cu = vec_push(&c->customers);
            if (!cu)
                goto out;
            memset(cu, 0, sizeof *cu);
        }
        o->customer = ci;
        customer *cu = (customer *)c->customers.p + ci;
        cu->nord++;
        if (o->ret_time)
            cu->nret++;
        if (o->product >= 0) {
            pn_ord[o->product]++;
            if (o->ret_time) {
                pn_ret[o->product]++;
                if (tg_streq_ci(o->ret_reason, "regret"))
                    pn_reg[o->product]++;
            }
        }
        /* zip income, once per zip */
        if (o->o.zip[0] && kmap_get(&c->zip_map, o->o.zip, strlen(o->o.zip)) < 0) {
            double inc = NAN;
            int zr = tg_store_get_zip_income(b->r, o->o.zip, &inc);
            if (zr != TG_OK && zr != TG_ENOTFOUND) {
                rc = zr;
                goto out;
            }
            double *z = vec_push(&c->zip_income);
            if (!z)
                goto out;
            *z = zr == TG_OK ? inc : NAN;
            if (kmap_put(&c->zip_map, o->o.zip, strlen(o->o.zip), (int32_t)(c->zip_income.n - 1),
                         NULL))
                goto out;
        }
    }
    P = c->products.p;
    for (size_t p = 0; p < c->products.n; p++) {
        P[p].ord_t = tg_malloc((pn_ord[p] + 1) * sizeof(int64_t));
        P[p].ret_t = tg_malloc((pn_ret[p] + 1) * sizeof(int64_t));
        P[p].reg_t = tg_malloc((pn_reg[p] + 1) * sizeof(int64_t));
        if (!P[p].ord_t || !P[p].ret_t || !P[p].reg_t)
            goto out;
    }
    customer *C = c->customers.p;
    for (size_t k = 0; k < c->customers.n; k++) {
        C[k].ord = tg_malloc((C[k].nord + 1) * sizeof *C[k].ord);
        C[k].ret_t = tg_malloc((C[k].nret + 1) * sizeof(int64_t));
        if (!C[k].ord || !C[k].ret_t)
            goto out;
        C[k].nord = C[k].nret = 0;
    }
    for (size_t i = 0; i < n; i++) {
        ord_rec *o = &O[i];
        customer *cu = &C[o->customer];
        cu->ord[cu->nord++] = (cust_order){o->o.purchase_time, o->product};
        if (o->ret_time)
            cu->ret_t[cu->nret++] = o->ret_time;
        if (o->product >= 0) {
            product *p = &P[o->product];
            p->ord_t[p->nord++] = o->o.purchase_time;
            if (o->ret_time) {
                p->ret_t[p->nret++] = o->ret_time;
                if (tg_streq_ci(o->ret_reason, "regret"))
                    p->reg_t[p->nreg++] = o->ret_time;
            }
        }
    }
    for (size_t p = 0; p < c->products.n; p++) {
        tg_qsort(P[p].ord_t, P[p].nord, sizeof(int64_t), cmp_i64);
        tg_qsort(P[p].ret_t, P[p].nret, sizeof(int64_t), cmp_i64);
        tg_qsort(P[p].reg_t, P[p].nreg, sizeof(int64_t), cmp_i64);
    }
    for (size_t k = 0; k < c->customers.n; k++) {
        tg_qsort(C[k].ord, C[k].nord, sizeof *C[k].ord, cmp_cust_order);
        tg_qsort(C[k].ret_t, C[k].nret, sizeof(int64_t), cmp_i64);
    }
    rc = TG_OK;
out:
    tg_free(pn_ord);
    tg_free(pn_ret);
    tg_free(pn_reg);
    return rc;
}

int tg_model_ctx_build(tg_model_ctx **out, tg_store_read *r, const tg_model_ctx_opts *opts)
{
    int rc;
    tg_sentiment *sent = NULL;
    build b = {0};
    tg_model_ctx *c = tg_calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return TG_ENOMEM;
    c->bracket_days = opts && opts->bracket_days > 0 ? opts->bracket_days : 7;
    c->products.isz = sizeof(product);
    c->series.isz = sizeof(series);
    c->customers.isz = sizeof(customer);
    c->orders.isz = sizeof(ord_rec);
    c->zip_income.isz = sizeof(double);
    b.c = c;
    b.r = r;
    b.rev.isz = sizeof(rev_tmp);
    b.obs.isz = sizeof(obs_tmp);
    b.days.isz = sizeof(tg_hashtag_day);
    if (opts && opts->sentiment_lexicon) {
        rc = tg_sentiment_open(&sent, opts->sentiment_lexicon);
        if (rc)
            goto out_fail;
    }
    b.sent = sent;
    if ((rc = kmap_init(&c->prod_map, 64)) || (rc = kmap_init(&c->tag_map, 64)) ||
        (rc = kmap_init(&c->cust_map, 1024)) || (rc = kmap_init(&c->zip_map, 1024)))
        goto out_fail;
    if ((rc = tg_store_iter_products(r, product_cb, &b)))
        goto out_fail;
    if ((rc = tg_store_iter_orders(r, order_cb, &b)))
        goto out_fail;
    if ((rc = kmap_init(&c->order_map, c->orders.n)))
        goto out_fail;
    for (size_t i = 0; i < c->orders.n; i++) {
        const char *id = ((ord_rec *)c->orders.p)[i].o.order_id;
        if ((rc = kmap_put(&c->order_map, id, strlen(id), (int32_t)i, NULL)))
            goto out_fail;
    }
    if ((rc = tg_store_iter_returns(r, return_cb, &b)))
        goto out_fail;
    if ((rc = tg_store_iter_reviews(r, review_cb, &b)))
        goto out_fail;
    if ((rc = build_products(&b)))
        goto out_fail;
    if ((rc = build_orders(&b)))
        goto out_fail;
    *out = c;
    c = NULL;
    rc = TG_OK;
out_fail:
    tg_free(b.rev.p);
    tg_free(b.obs.p);
    tg_free(b.days.p);
    tg_sentiment_free(&sent);
    if (c)
        tg_model_ctx_free(&c);
    return rc;
}

void tg_model_ctx_free(tg_model_ctx **pc)
{
    if (!pc || !*pc)
        return;
    tg_model_ctx *c = *pc;
    product *P = c->products.p;
    for (size_t i = 0; i < c->products.n; i++) {
        tg_free(P[i].rev_t);
        tg_free(P[i].rev_rating_sum);
        tg_free(P[i].rev_sent_sum);
        tg_free(P[i].rev_rated);
        tg_free(P[i].resale);
        tg_free(P[i].resale_cum);
        tg_free(P[i].ord_t);
        tg_free(P[i].ret_t);
        tg_free(P[i].reg_t);
    }
    series *S = c->series.p;
    for (size_t i = 0; i < c->series.n; i++) {
        tg_free(S[i].day);
        tg_free(S[i].views);
        tg_free(S[i].likes);
        tg_free(S[i].bot);
        tg_free(S[i].tas);
        tg_free(S[i].gain);
        tg_free(S[i].peakix);
        tg_free(S[i].stage);
        tg_free(S[i].peak_day);
        tg_free(S[i].ratio);
    }
    customer *C = c->customers.p;
    for (size_t i = 0; i < c->customers.n; i++) {
        tg_free(C[i].ord);
        tg_free(C[i].ret_t);
    }
    tg_free(c->products.p);
    tg_free(c->series.p);
    tg_free(c->customers.p);
    tg_free(c->orders.p);
    tg_free(c->zip_income.p);
    tg_free(c->cust_keys);
    kmap_free(&c->prod_map);
    kmap_free(&c->cust_map);
    kmap_free(&c->order_map);
    kmap_free(&c->tag_map);
    kmap_free(&c->zip_map);
    arena_free(&c->strings);
    tg_free(c);
    *pc = NULL;
}

/* ---- queries ------------------------------------------------------------ */

/* Number of elements of a sorted array strictly below t. */
static size_t count_below(const int64_t *a, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void trend_features(const series *s, int32_t d0, float *f)
{
    /* rows with day <= d0 - 1 */
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->day[mid] <= d0 - 1)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return;
    size_t last = lo - 1;
    double v = s->views[last];
    f[TG_FEAT_log_views] = isfinite(v) ? (float)log1p(v) : NAN;
    if (isfinite(v) && v > 0 && isfinite(s->likes[last]))
        f[TG_FEAT_like_rate] = (float)(s->likes[last] / v);
    f[TG_FEAT_bot_score] = (float)s->bot[last];
    f[TG_FEAT_top_author_share] = (float)s->tas[last];
    /* 7-day velocity: against the last row on or before d0 - 8 */
    int32_t target = d0 - 8;
    size_t l2 = 0, h2 = last + 1;
    while (l2 < h2) {
        size_t mid = l2 + (h2 - l2) / 2;
        if (s->day[mid] <= target)
            l2 = mid + 1;
        else
            h2 = mid;
    }
    if (l2 > 0 && isfinite(v) && isfinite(s->views[l2 - 1]))
        f[TG_FEAT_view_velocity_7d] = (float)(log1p(v) - log1p(s->views[l2 - 1]));
    /* stage and peak so far from the lifecycle of the rows up to d0 - 1 */
    switch ((tg_stage)s->stage[last]) {
    case TG_STAGE_RISING:
        f[TG_FEAT_trend_stage] = 0.0f;
        break;
    case TG_STAGE_PEAK:
        f[TG_FEAT_trend_stage] = 1.0f;
        break;
    case TG_STAGE_DECLINE:
        f[TG_FEAT_trend_stage] = 2.0f;
        break;
    case TG_STAGE_DEAD:
        f[TG_FEAT_trend_stage] = 3.0f;
        break;
    default:
        return; /* no activity yet: stage, peak and ratio unknown */
    }
    f[TG_FEAT_days_since_peak] = (float)(d0 - s->peak_day[last]);
    f[TG_FEAT_gain_vs_peak] = s->ratio[last];
}

static void product_features(const tg_model_ctx *c, const product *p, const tg_order *o, float *f)
{
    int64_t t0 = o->purchase_time;
    int32_t d0 = tg_day_of(t0);
    f[TG_FEAT_category] = (float)p->category;
    if (p->launch > 0)
        f[TG_FEAT_days_since_launch] = (float)((double)(t0 - p->launch) / DAY);
    if (p->series >= 0)
        trend_features((const series *)c->series.p + p->series, d0, f);
    /* reviews strictly before t0 */
    size_t k = count_below(p->rev_t, p->nrev, t0);
    f[TG_FEAT_review_count] = (float)k;
    if (k > 0)
        f[TG_FEAT_sentiment_mean] = (float)(p->rev_sent_sum[k] / (double)k);
    if (k > 0 && p->rev_rated[k] > 0) {
        double mr = p->rev_rating_sum[k] / p->rev_rated[k];
        f[TG_FEAT_rating_mean] = (float)mr;
        if (!isnan(f[TG_FEAT_log_views]))
            f[TG_FEAT_hype_vs_quality] = f[TG_FEAT_log_views] / (float)mr;
    }
    /* resale: daily rows strictly before t0's day */
    if (p->ndays > 0) {
        int64_t off = (int64_t)d0 - p->resale_first;
        if (off >= 0 && (size_t)off < p->ndays) {
            double med = p->resale[off].median;
            if (isfinite(med) && p->price > 0)
                f[TG_FEAT_resale_discount] = (float)(1.0 - med / p->price);
        } /* past the last row no observation is inside the window: NAN */
        /* counts in [d0-7, d0-1] vs [d0-14, d0-8] */
        int64_t a = off - 7, bb = off, z = off - 14;
        int64_t nd = (int64_t)p->ndays;
#define CLAMP(x) ((x) < 0 ? 0 : (x) > nd ? nd : (x))
        double recent = p->resale_cum[CLAMP(bb)] - p->resale_cum[CLAMP(a)];
        double before = p->resale_cum[CLAMP(a)] - p->resale_cum[CLAMP(z)];
#undef CLAMP
        if (off > 0)
            f[TG_FEAT_resale_growth] = (float)((recent + 1.0) / (before + 1.0));
    }
    /* past return rates, smoothed */
    double no = (double)count_below(p->ord_t, p->nord, t0);
    double nr = (double)count_below(p->ret_t, p->nret, t0);
    double ng = (double)count_below(p->reg_t, p->nreg, t0);
    f[TG_FEAT_product_return_rate] =
        (float)((nr + PRODUCT_PRIOR * PRODUCT_SMOOTH_N) / (no + PRODUCT_SMOOTH_N));
    f[TG_FEAT_product_regret_rate] =
        (float)((ng + PRODUCT_PRIOR * PRODUCT_SMOOTH_N) / (no + PRODUCT_SMOOTH_N));
}

int tg_model_features(const tg_model_ctx *c, const tg_order *o, float *f)
{
    for (int i = 0; i < TG_FEAT__COUNT; i++)
        f[i] = NAN;
    int64_t t0 = o->purchase_time;
    f[TG_FEAT_age] = o->age >= 0 ? (float)o->age : NAN;
    f[TG_FEAT_price] = isfinite(o->price_paid) ? (float)o->price_paid : NAN;
    if (o->zip && o->zip[0] && isfinite(o->price_paid)) {
        int32_t zi = kmap_get(&c->zip_map, o->zip, strlen(o->zip));
        double inc = zi >= 0 ? ((const double *)c->zip_income.p)[zi] : NAN;
        if (isfinite(inc) && inc > 0)
            f[TG_FEAT_price_income] = (float)(o->price_paid / inc * 1000.0);
    }
    int32_t pi = o->product_id ? kmap_get(&c->prod_map, o->product_id, strlen(o->product_id)) : -1;
    if (pi >= 0)
        product_features(c, (const product *)c->products.p + pi, o, f);
    /* customer */
    int32_t ci = kmap_get(&c->cust_map, o->customer, 32);
    double no = 0, nr = 0, br = 0;
    if (ci >= 0) {
        const customer *cu = (const customer *)c->customers.p + ci;
        size_t lo = 0, hi = cu->nord;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cu->ord[mid].t < t0)
                lo = mid + 1;
            else
                hi = mid;
        }
        no = (double)lo;
        nr = (double)count_below(cu->ret_t, cu->nret, t0);
        int64_t from = t0 - (int64_t)c->bracket_days * DAY;
        for (size_t k = lo; k > 0 && cu->ord[k - 1].t >= from; k--)
            if (pi >= 0 && cu->ord[k - 1].product == pi)
                br++;
    }
    f[TG_FEAT_customer_orders] = (float)no;
    f[TG_FEAT_customer_return_rate] =
        (float)((nr + CUSTOMER_PRIOR * CUSTOMER_SMOOTH_N) / (no + CUSTOMER_SMOOTH_N));
    f[TG_FEAT_bracketing] = (float)br;
    return TG_OK;
}

/* ---- accessors for labels and training --------------------------------- */

size_t tg_model__ctx_norders(const tg_model_ctx *c)
{
    return c->orders.n;
}

const tg_order *tg_model__ctx_order(const tg_model_ctx *c, size_t i)
{
    return &((const ord_rec *)c->orders.p)[i].o;
}

int64_t tg_model__ctx_return(const tg_model_ctx *c, size_t i, const char **reason)
{
    const ord_rec *o = (const ord_rec *)c->orders.p + i;
    if (reason)
        *reason = o->ret_reason;
    return o->ret_time;
}

int64_t tg_model__ctx_data_end(const tg_model_ctx *c)
{
    return c->data_end;
}

bool tg_model__ctx_trend_window(const tg_model_ctx *c, size_t i, int64_t *from, int64_t *to)
{
    const ord_rec *o = (const ord_rec *)c->orders.p + i;
    if (o->product < 0)
        return false;
    const product *p = (const product *)c->products.p + o->product;
    if (p->series < 0)
        return false;
    const series *s = (const series *)c->series.p + p->series;
    if (s->n < 2 || s->peakix[s->n - 1] < 0)
        return false;
    int32_t pk = s->peakix[s->n - 1];
    double peak = s->gain[pk];
    int32_t death = s->day[s->n - 1] + 1;
    for (size_t k = (size_t)pk + 1; k < s->n; k++)
        if (isfinite(s->gain[k]) && s->gain[k] < 0.05 * peak) {
            death = s->day[k];
            break;
        }
    *from = ((int64_t)s->day[pk] + 7) * DAY;
    *to = (int64_t)death * DAY + DAY - 1;
    return true;
}

const char *tg_model_feature_name(int i)
{
    static const char *const names[] = {
#define TG__N(name, desc) #name,
        TG_MODEL_FEATURES(TG__N)
#undef TG__N
    };
    return i >= 0 && i < TG_FEAT__COUNT ? names[i] : "?";
}

const char *tg_model_feature_desc(int i)
{
    static const char *const descs[] = {
#define TG__D(name, desc) desc,
        TG_MODEL_FEATURES(TG__D)
#undef TG__D
    };
    return i >= 0 && i < TG_FEAT__COUNT ? descs[i] : "?";
}
