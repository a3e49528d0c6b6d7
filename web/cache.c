/*
 * cache.c - the aggregates behind the dashboard and the nudges, computed
 * from one read snapshot: per product orders, 6-month keep rate, mean regret
 * risk, weekly risk (for supply-chain alerts) and daily resale medians; per
 * hashtag the daily view gains and lifecycle stages; per category risk.
 *
 * Why a cache: the nudge endpoint must answer in microseconds, and a keep
 * rate needs every order and return of a product. The cache is rebuilt when
 * the store's meta "last_write" changes (checked at most every 2 s).
 */
#include "web/web_int.h"

#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIX_MONTHS (180 * 86400LL)
#define WEEK (7 * 86400LL)
#define CHECK_EVERY_MS 2000

/* ---- an order map: order_id -> (product, time) ------------------------ */

typedef struct oent {
    char *id;
    int64_t t;
    int32_t p; /* product index, -1 unknown */
    float risk;
    bool returned;
} oent;

typedef struct omap {
    oent *e;
    size_t n, cap;
} omap;

static void omap_free(omap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        tg_free(m->e[i].id);
    tg_free(m->e);
    memset(m, 0, sizeof *m);
}

static oent *omap_find(const omap *m, const char *id)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1, i = tg_hash64(id, strlen(id)) & mask;
    while (m->e[i].id) {
        if (strcmp(m->e[i].id, id) == 0)
            return &m->e[i];
        i = (i + 1) & mask;
    }
    return NULL;
}

static int omap_add(omap *m, const char *id, oent **out)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 1024;
        oent *ne = tg_calloc(nc, sizeof *ne);
        if (!ne)
            return TG_ENOMEM;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->e[i].id)
                continue;
            size_t j = tg_hash64(m->e[i].id, strlen(m->e[i].id)) & (nc - 1);
            while (ne[j].id)
                j = (j + 1) & (nc - 1);
            ne[j] = m->e[i];
        }
        tg_free(m->e);
        m->e = ne;
        m->cap = nc;
    }
    size_t mask = m->cap - 1, i = tg_hash64(id, strlen(id)) & mask;
    while (m->e[i].id) {
        if (strcmp(m->e[i].id, id) == 0) {
            *out = &m->e[i];
            return TG_OK;
        }
        i = (i + 1) & mask;
    }
    if (!(m->e[i].id = tg_strdup(id)))
        return TG_ENOMEM;
    m->n++;
    *out = &m->e[i];
    return TG_OK;
}

/* ---- lookups ------------------------------------------------------------ */

const tg_web_product *tg_web__product(const tg_web_cache *c, const char *id)
{
    if (!c->pidx_cap)
        return NULL;
    size_t mask = c->pidx_cap - 1, i = tg_hash64(id, strlen(id)) & mask;
    while (c->pidx[i] != SIZE_MAX) {
        const tg_web_product *p = &c->products[c->pidx[i]];
        if (strcmp(p->id, id) == 0)
            return p;
        i = (i + 1) & mask;
    }
    return NULL;
}

static int cmp_trend(const void *a, const void *b)
{
    return strcmp(((const tg_web_trend *)a)->hashtag, ((const tg_web_trend *)b)->hashtag);
}

const tg_web_trend *tg_web__trend(const tg_web_cache *c, const char *tag)
{
    tg_web_trend key = {.hashtag = (char *)tag};
    return c->ntrends ? bsearch(&key, c->trends, c->ntrends, sizeof key, cmp_trend) : NULL;
}

bool tg_web__trending(tg_stage s)
{
    return s == TG_STAGE_RISING || s == TG_STAGE_PEAK || s == TG_STAGE_DECLINE;
}

/* ---- building ------------------------------------------------------------ */

typedef struct bctx {
    tg_web *w;
    tg_web_cache *c;
    tg_store_read *r;
    omap orders;
    size_t pcap, tcap;
    int err;
    /* scratch for one hashtag's series */
    int32_t *days;
    double *views;
    size_t n, cap;
    /* scratch for one product's prices */
    double *px;
    int32_t *pday;
    size_t pn, pcap2;
} bctx;

static int add_trend(bctx *b, const char *tag)
{
    if (!*tag)
        return TG_OK;
    if (b->c->ntrends == b->tcap) {
        size_t nc = b->tcap ? b->tcap * 2 : 64;
        tg_web_trend *nt = tg_realloc(b->c->trends, nc * sizeof *nt);
        if (!nt)
            return TG_ENOMEM;
        b->c->trends = nt;
        b->tcap = nc;
    }
    tg_web_trend *t = &b->c->trends[b->c->ntrends];
    memset(t, 0, sizeof *t);
    if (!(t->hashtag = tg_strdup(tag)))
        return TG_ENOMEM;
    t->bot_score = NAN;
    t->peak_day = -1;
    b->c->ntrends++;
    return TG_OK;
}

static int on_product(const tg_product *p, void *vb)
{
    bctx *b = vb;
    tg_web_cache *c = b->c;
    if (c->nproducts == b->pcap) {
        size_t nc = b->pcap ? b->pcap * 2 : 64;
        tg_web_product *np = tg_realloc(c->products, nc * sizeof *np);
        if (!np)
            goto oom;
        c->products = np;
        b->pcap = nc;
    }
    tg_web_product *x = &c->products[c->nproducts];
    memset(x, 0, sizeof *x);
    c->nproducts++;
    x->id = tg_strdup(p->product_id);
    x->name = tg_strdup(p->name ? p->name : "");
    x->category = tg_strdup(p->category && *p->category ? p->category : "uncategorised");
    x->hashtags = tg_strdup(p->hashtags ? p->hashtags : "");
    if (!x->id || !x->name || !x->category || !x->hashtags)
        goto oom;
    x->price = p->price;
    x->keep_rate = x->risk = x->resale_drop = NAN;
    x->last_week_risk = x->prev_risk = NAN;
    x->trend = -1;
    /* its hashtags become trends too */
    char tag[128];
    const char *s = x->hashtags;
    while (*s) {
        size_t l = strcspn(s, ";");
        if (l && l < sizeof tag) {
            memcpy(tag, s, l);
            tag[l] = 0;
            if (add_trend(b, tag))
                goto oom;
        }
        s += l;
        if (*s)
            s++;
    }
    return 0;
oom:
    b->err = TG_ENOMEM;
    return 1;
}

static int on_trend(const tg_trend *t, void *vb)
{
    bctx *b = vb;
    if (add_trend(b, t->hashtag)) {
        b->err = TG_ENOMEM;
        return 1;
    }
    tg_web_trend *x = &b->c->trends[b->c->ntrends - 1];
    x->is_bot = t->is_bot;
    x->bot_score = t->bot_score;
    return 0;
}

static int on_day(const tg_hashtag_day *d, void *vb)
{
    bctx *b = vb;
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 256;
        int32_t *nd = tg_realloc(b->days, nc * sizeof *nd);
        if (!nd)
            goto oom;
        b->days = nd;
        double *nv = tg_realloc(b->views, nc * sizeof *nv);
        if (!nv)
            goto oom;
        b->views = nv;
        b->cap = nc;
    }
    b->days[b->n] = d->day;
    b->views[b->n] = d->views < 0 ? NAN : (double)d->views;
    b->n++;
    return 0;
oom:
    b->err = TG_ENOMEM;
    return 1;
}

static int build_trend_series(bctx *b, tg_web_trend *t)
{
    b->n = 0;
    int rc = tg_store_iter_hashtag_days(b->r, t->hashtag, INT32_MIN, INT32_MAX, on_day, b);
    if (b->err)
        return b->err;
    if (rc < 0)
        return rc;
    if (!b->n)
        return TG_OK;
    /* Fill gaps so the series is one value per day. */
    size_t span = (size_t)(b->days[b->n - 1] - b->days[0]) + 1;
    if (span > 5000)
        span = 5000;
    t->days = tg_malloc(span * sizeof *t->days);
    t->values = tg_malloc(span * sizeof *t->values);
    t->stages = tg_malloc(span * sizeof *t->stages);
    tg_lifecycle_point *pts = tg_malloc(span * sizeof *pts);
    if (!t->days || !t->values || !t->stages || !pts) {
        tg_free(pts);
        return TG_ENOMEM;
    }
    double prev = NAN;
    size_t k = 0;
    for (size_t i = 0; i < span; i++) {
        int32_t day = b->days[0] + (int32_t)i;
        while (k < b->n && b->days[k] < day)
            k++;
        double v = NAN;
        if (k < b->n && b->days[k] == day)
            v = b->views[k];
        double gain = 0;
        if (isfinite(v)) {
            gain = isfinite(prev) ? v - prev : 0;
            if (gain < 0)
                gain = 0;
            prev = v;
        }
        t->days[i] = day;
        t->values[i] = gain;
    }
    t->n = span;
    rc = tg_lifecycle_compute(t->days, t->values, span, pts);
    if (rc == TG_OK) {
        int first = -1, dead = -1;
        for (size_t i = 0; i < span; i++) {
            t->stages[i] = pts[i].stage;
            if (first < 0 && pts[i].stage != TG_STAGE_NONE)
                first = (int)i;
            if (dead < 0 && first >= 0 && pts[i].stage == TG_STAGE_DEAD)
                dead = (int)i;
        }
        t->stage = pts[span - 1].stage;
        t->peak_day = pts[span - 1].peak_day;
        t->ended = dead >= 0;
        t->lasted_days = first < 0 ? 0 : (dead >= 0 ? dead : (int)span - 1) - first + 1;
    }
    tg_free(pts);
    return rc;
}

static int on_order(const tg_order *o, void *vb)
{
    bctx *b = vb;
    oent *e;
    if (omap_add(&b->orders, o->order_id, &e)) {
        b->err = TG_ENOMEM;
        return 1;
    }
    const tg_web_product *p = tg_web__product(b->c, o->product_id);
    e->p = p ? (int32_t)(p - b->c->products) : -1;
    e->t = o->purchase_time;
    e->risk = NAN;
    if (o->purchase_time > b->c->data_end)
        b->c->data_end = o->purchase_time;
    b->c->orders++;
    if (p)
        b->c->products[e->p].orders++;
    return 0;
}

static int on_return(const tg_return *r, void *vb)
{
    bctx *b = vb;
    oent *e = omap_find(&b->orders, r->order_id);
    if (!e || r->return_time - e->t > SIX_MONTHS || e->returned)
        return 0;
    e->returned = true;
    b->c->returns6m++;
    if (e->p >= 0)
        b->c->products[e->p].returns6m++;
    return 0;
}

static int on_prediction(const tg_prediction *p, void *vb)
{
    bctx *b = vb;
    oent *e = omap_find(&b->orders, p->order_id);
    if (!e || !isfinite(p->risk))
        return 0;
    e->risk = (float)p->risk;
    b->c->predictions++;
    return 0;
}

static int on_iv(const tg_intervention *iv, void *vb)
{
    (void)iv;
    ((bctx *)vb)->c->interventions++;
    return 0;
}

static int on_price(const tg_price_obs *p, void *vb)
{
    bctx *b = vb;
    if (!isfinite(p->price) || p->price <= 0)
        return 0;
    if (b->pn == b->pcap2) {
        size_t nc = b->pcap2 ? b->pcap2 * 2 : 256;
        double *nx = tg_realloc(b->px, nc * sizeof *nx);
        if (!nx)
            goto oom;
        b->px = nx;
        int32_t *nd = tg_realloc(b->pday, nc * sizeof *nd);
        if (!nd)
            goto oom;
        b->pday = nd;
        b->pcap2 = nc;
    }
    b->px[b->pn] = p->price;
    b->pday[b->pn] = tg_day_of(p->t);
    b->pn++;
    return 0;
oom:
    b->err = TG_ENOMEM;
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int build_prices(bctx *b, tg_web_product *p)
{
    b->pn = 0;
    int rc = tg_store_iter_prices(b->r, p->id, INT64_MIN, INT64_MAX, on_price, b);
    if (b->err)
        return b->err;
    if (rc < 0)
        return rc;
    if (!b->pn)
        return TG_OK;
    /* Observations come in time order, so days are grouped already. */
    size_t ndays = 1;
    for (size_t i = 1; i < b->pn; i++)
        ndays += b->pday[i] != b->pday[i - 1];
    p->price_median = tg_malloc(ndays * sizeof *p->price_median);
    if (!p->price_median)
        return TG_ENOMEM;
    size_t s = 0;
    for (size_t i = 1; i <= b->pn; i++) {
        if (i < b->pn && b->pday[i] == b->pday[s])
            continue;
        size_t n = i - s;
        tg_qsort(b->px + s, n, sizeof *b->px, cmp_double);
        double med = n % 2 ? b->px[s + n / 2] : (b->px[s + n / 2 - 1] + b->px[s + n / 2]) / 2;
        p->price_median[p->nprice++] = (tg_web_day_value){b->pday[s], med};
        s = i;
    }
    if (p->price > 0)
        p->resale_drop = 1 - p->price_median[p->nprice - 1].value / p->price;
    return TG_OK;
}

static tg_web_category *category(bctx *b, const char *name, int *err)
{
    tg_web_cache *c = b->c;
    for (size_t i = 0; i < c->ncats; i++)
        if (strcmp(c->cats[i].name, name) == 0)
            return &c->cats[i];
    tg_web_category *nc = tg_realloc(c->cats, (c->ncats + 1) * sizeof *nc);
    if (!nc) {
        *err = TG_ENOMEM;
        return NULL;
    }
    c->cats = nc;
    tg_web_category *x = &c->cats[c->ncats];
    memset(x, 0, sizeof *x);
    if (!(x->name = tg_strdup(name))) {
        *err = TG_ENOMEM;
        return NULL;
    }
    x->risk = NAN;
    c->ncats++;
    return x;
}

static int cmp_cat(const void *a, const void *b)
{
    const tg_web_category *x = a, *y = b;
    double rx = isfinite(x->risk) ? x->risk : -1, ry = isfinite(y->risk) ? y->risk : -1;
    if (rx != ry)
        return rx < ry ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* Per product and category: risk means, weekly risk, keep rate. */
static int aggregate(bctx *b)
{
    tg_web_cache *c = b->c;
    bool use_pred = c->predictions > 0;
    int64_t week_from = c->data_end - WEEK;
    size_t np = c->nproducts;
    double *sum = tg_calloc(np * 4 + 1, sizeof *sum);
    long *cnt = tg_calloc(np * 4 + 1, sizeof *cnt);
    int err = TG_OK;
    if (!sum || !cnt) {
        err = TG_ENOMEM;
        goto out;
    }
    /* sum[4p]: all risk, [4p+1]: last week, [4p+2]: before last week */
    for (size_t i = 0; i < b->orders.cap; i++) {
        const oent *e = &b->orders.e[i];
        if (!e->id || e->p < 0)
            continue;
        double v = use_pred ? e->risk : (e->returned ? 1.0 : 0.0);
        if (!isfinite(v))
            continue;
        size_t k = (size_t)e->p * 4;
        sum[k] += v;
        cnt[k]++;
        size_t w = e->t >= week_from ? 1 : 2;
        sum[k + w] += v;
        cnt[k + w]++;
    }
    for (size_t i = 0; i < np; i++) {
        tg_web_product *p = &c->products[i];
        if (p->orders)
            p->keep_rate = 1.0 - (double)p->returns6m / (double)p->orders;
        if (cnt[4 * i])
            p->risk = sum[4 * i] / (double)cnt[4 * i];
        p->npred = use_pred ? cnt[4 * i] : 0;
        if (cnt[4 * i + 1])
            p->last_week_risk = sum[4 * i + 1] / (double)cnt[4 * i + 1];
        p->last_week_n = cnt[4 * i + 1];
        if (cnt[4 * i + 2])
            p->prev_risk = sum[4 * i + 2] / (double)cnt[4 * i + 2];
        tg_web_category *cat = category(b, p->category, &err);
        if (!cat)
            goto out;
        cat->products++;
        cat->orders += p->orders;
        cat->returns6m += p->returns6m;
        cat->risk_sum += sum[4 * i];
        cat->risk_n += cnt[4 * i];
        /* the main trend: the product's hashtag with the longest series */
        const char *s = p->hashtags;
        char tag[128];
        size_t best = 0;
        while (*s) {
            size_t l = strcspn(s, ";");
            if (l && l < sizeof tag) {
                memcpy(tag, s, l);
                tag[l] = 0;
                const tg_web_trend *t = tg_web__trend(c, tag);
                if (t && (p->trend < 0 || t->n > best)) {
                    p->trend = (int)(t - c->trends);
                    best = t->n;
                }
            }
            s += l;
            if (*s)
                s++;
        }
        if (p->trend >= 0)
            c->trends[p->trend].nproducts++;
    }
    for (size_t i = 0; i < c->ncats; i++)
        if (c->cats[i].risk_n)
            c->cats[i].risk = c->cats[i].risk_sum / (double)c->cats[i].risk_n;
    if (c->ncats)
        tg_qsort(c->cats, c->ncats, sizeof *c->cats, cmp_cat);
out:
    tg_free(sum);
    tg_free(cnt);
    return err;
}

static int build_index(tg_web_cache *c)
{
    size_t cap = 16;
    while (cap < c->nproducts * 2 + 2)
        cap *= 2;
    c->pidx = tg_malloc(cap * sizeof *c->pidx);
    if (!c->pidx)
        return TG_ENOMEM;
    for (size_t i = 0; i < cap; i++)
        c->pidx[i] = SIZE_MAX;
    c->pidx_cap = cap;
    for (size_t k = 0; k < c->nproducts; k++) {
        const char *id = c->products[k].id;
        size_t i = tg_hash64(id, strlen(id)) & (cap - 1);
        while (c->pidx[i] != SIZE_MAX)
            i = (i + 1) & (cap - 1);
        c->pidx[i] = k;
    }
    return TG_OK;
}

static void dedupe_trends(tg_web_cache *c)
{
    if (!c->ntrends)
        return;
    tg_qsort(c->trends, c->ntrends, sizeof *c->trends, cmp_trend);
    size_t o = 0;
    for (size_t i = 0; i < c->ntrends; i++) {
        if (o && strcmp(c->trends[o - 1].hashtag, c->trends[i].hashtag) == 0) {
            /* keep the bot verdict of the trends database */
            if (isfinite(c->trends[i].bot_score)) {
                c->trends[o - 1].bot_score = c->trends[i].bot_score;
                c->trends[o - 1].is_bot = c->trends[i].is_bot;
            }
            tg_free(c->trends[i].hashtag);
            continue;
        }
        c->trends[o++] = c->trends[i];
    }
    c->ntrends = o;
}

int tg_web__cache_build(tg_web *w, tg_web_cache **out)
{
    int rc;
    bctx b = {.w = w};
    *out = NULL;
    tg_web_cache *c = tg_calloc(1, sizeof *c);
    if (!c)
        return TG_ENOMEM;
    b.c = c;
    c->built_at = tg_now();
    if ((rc = tg_store_read_begin(w->store, &b.r)))
        goto fail;
    const void *v;
    size_t vl;
    if (tg_store_meta_get(b.r, "last_write", &v, &vl) == TG_OK && vl < sizeof c->last_write) {
        memcpy(c->last_write, v, vl);
        c->last_write[vl] = 0;
    }
#define ITER(call)                                                                                 \
    do {                                                                                           \
        rc = (call);                                                                               \
        if (b.err) {                                                                               \
            rc = b.err;                                                                            \
            goto fail;                                                                             \
        }                                                                                          \
        if (rc < 0)                                                                                \
            goto fail;                                                                             \
    } while (0)
    ITER(tg_store_iter_products(b.r, on_product, &b));
    if ((rc = build_index(c)))
        goto fail;
    ITER(tg_store_iter_trends(b.r, on_trend, &b));
    dedupe_trends(c);
    for (size_t i = 0; i < c->ntrends; i++)
        if ((rc = build_trend_series(&b, &c->trends[i])))
            goto fail;
    ITER(tg_store_iter_orders(b.r, on_order, &b));
    ITER(tg_store_iter_returns(b.r, on_return, &b));
    ITER(tg_store_iter_predictions(b.r, on_prediction, &b));
    ITER(tg_store_iter_interventions(b.r, on_iv, &b));
#undef ITER
    for (size_t i = 0; i < c->nproducts; i++)
        if ((rc = build_prices(&b, &c->products[i])))
            goto fail;
    if ((rc = aggregate(&b)))
        goto fail;
    for (size_t i = 0; i < c->nproducts; i++)
        if (!(c->products[i].nudge_json = tg_web__nudge_json(c, &c->products[i]))) {
            rc = TG_ENOMEM;
            goto fail;
        }
    rc = tg_store_stats(b.r, c->stats, (int)(sizeof c->stats / sizeof c->stats[0]));
    c->nstats = rc > 0 ? rc : 0;
    if (w->model && (rc = tg_model_ctx_build(&c->fx, b.r, NULL))) {
        tg_warn("serve", "model features unavailable: %s", tg_strerror(rc));
        c->fx = NULL;
    }
    tg_store_read_end(&b.r);
    if (c->interventions) {
        char err[256];
        if (tg_interventions_report_build(w->store, w->cfg, NULL, 0, &c->iv, err, sizeof err) ==
            TG_OK)
            c->have_iv = true;
    }
    rc = TG_OK;
    *out = c;
    goto out;
fail:
    tg_store_read_end(&b.r);
    tg_web__cache_free(&c);
out:
    omap_free(&b.orders);
    tg_free(b.days);
    tg_free(b.views);
    tg_free(b.px);
    tg_free(b.pday);
    atomic_fetch_add(&w->m.cache_builds, 1);
    return rc;
}

void tg_web__cache_free(tg_web_cache **cp)
{
    tg_web_cache *c = *cp;
    if (!c)
        return;
    for (size_t i = 0; i < c->nproducts; i++) {
        tg_web_product *p = &c->products[i];
        tg_free(p->id);
        tg_free(p->name);
        tg_free(p->category);
        tg_free(p->hashtags);
        tg_free(p->price_median);
        tg_free(p->nudge_json);
    }
    tg_free(c->products);
    tg_free(c->pidx);
    for (size_t i = 0; i < c->ntrends; i++) {
        tg_web_trend *t = &c->trends[i];
        tg_free(t->hashtag);
        tg_free(t->days);
        tg_free(t->values);
        tg_free(t->stages);
    }
    tg_free(c->trends);
    for (size_t i = 0; i < c->ncats; i++)
        tg_free(c->cats[i].name);
    tg_free(c->cats);
    tg_model_ctx_free(&c->fx);
    tg_free(c);
    *cp = NULL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Is the store newer than the cache? One short read transaction. */
static bool stale(tg_web *w, const tg_web_cache *c)
{
    tg_store_read *r;
    if (tg_store_read_begin(w->store, &r))
        return false;
    const void *v;
    size_t vl;
    bool s = false;
    if (tg_store_meta_get(r, "last_write", &v, &vl) == TG_OK)
        s = vl != strlen(c->last_write) || memcmp(v, c->last_write, vl) != 0;
    tg_store_read_end(&r);
    return s;
}

/* Rebuild when the store changed; only one thread at a time. */
void tg_web__cache_refresh(tg_web *w)
{
    if (pthread_mutex_trylock(&w->build_mu) != 0)
        return;
    pthread_rwlock_rdlock(&w->lock);
    bool need = !w->cache || stale(w, w->cache);
    pthread_rwlock_unlock(&w->lock);
    if (need) {
        tg_web_cache *nc = NULL;
        if (tg_web__cache_build(w, &nc) == TG_OK) {
            pthread_rwlock_wrlock(&w->lock);
            tg_web_cache *old = w->cache;
            w->cache = nc;
            pthread_rwlock_unlock(&w->lock);
            tg_web__cache_free(&old);
        }
    }
    pthread_mutex_unlock(&w->build_mu);
}

const tg_web_cache *tg_web__cache_acquire(tg_web *w)
{
    /* With the server running, a background thread refreshes (so a rebuild
     * never delays a request); without it (static pages, tests) the request
     * that notices first does. */
    if (!atomic_load(&w->refresher_on)) {
        long long now = now_ms(), last = atomic_load(&w->checked_at_ms);
        if (now - last >= CHECK_EVERY_MS &&
            atomic_compare_exchange_strong(&w->checked_at_ms, &last, now))
            tg_web__cache_refresh(w);
    }
    pthread_rwlock_rdlock(&w->lock);
    return w->cache;
}

void tg_web__cache_release(tg_web *w)
{
    pthread_rwlock_unlock(&w->lock);
}
