/*
 * The bot-trend filter. Evidence per hashtag comes from the store: its
 * hashtag-day aggregates (cumulative totals of the videos known by each
 * day) and, for the final verdict, the latest snapshot of each of its
 * videos. The score is a weighted mean of components in [0,1], each 0 for
 * what organic TikTok engagement looks like and 1 for what purchased
 * engagement looks like (docs/LIFECYCLE.md, "Bot-inflated trends"):
 *
 *   like rate      likes/views: 0 at the organic median 8%, 1 at the
 *                  organic 5th percentile 1.1% or below (log scale)   0.45
 *   comment rate   comments/likes: 0 at 3%, 1 at 0.5% or below          0.15
 *   share rate     shares/views: 0 at 0.4%, 1 at 0.05% or below         0.10
 *   authors        videos per author: 0 at 1.5, 1 at 5 or more; or, with
 *                  >= 10 videos, the top-3 authors' share of views: 0 at
 *                  50%, 1 at 90% (the larger of the two; with a handful of
 *                  videos the top 3 authors trivially hold most views)  0.15
 *   burst          the largest one-day gain's share of all views:
 *                  0 at 30%, 1 at 70%                                   0.10
 *   Benford        first-digit MAD of per-video views (n >= 30):
 *                  0 at 0.012, 1 at 0.024 (Nigrini's bands)            0.05
 * A component whose inputs are missing is left out and the weights of the
 * others renormalised. Flag: score >= TG_BOTS_THRESHOLD.
 *
 * Each hashtag-day also gets a point-in-time score (from the aggregates up
 * to that day only), which the model reads as a feature.
 */
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/trends.h"
#include "trendguard/util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* 0 at `organic`, 1 at `bad` or beyond, on a log scale (organic > bad > 0). */
static double low_is_bad(double x, double organic, double bad)
{
    if (!isfinite(x))
        return NAN;
    if (x <= 0)
        return 1;
    return clamp01(log(organic / x) / log(organic / bad));
}

static double author_component(const tg_bot_evidence *e)
{
    double c = NAN;
    if (e->videos > 0 && e->authors > 0)
        c = clamp01(((double)e->videos / (double)e->authors - 1.5) / 3.5);
    if (e->videos >= 10 && isfinite(e->top_author_share)) {
        double t = clamp01((e->top_author_share - 0.5) / 0.4);
        c = isfinite(c) && c > t ? c : t;
    }
    return c;
}

void tg_bots_score(tg_bot_evidence *e)
{
    struct {
        double c, w;
    } k[6] = {
        {e->views > 0 && e->likes >= 0
             ? low_is_bad((double)e->likes / (double)e->views, 0.08, 0.011)
             : NAN,
         0.45},
        {e->likes > 0 && e->comments >= 0
             ? low_is_bad((double)e->comments / (double)e->likes, 0.03, 0.005)
             : NAN,
         0.15},
        {e->views > 0 && e->shares >= 0
             ? low_is_bad((double)e->shares / (double)e->views, 0.004, 0.0005)
             : NAN,
         0.10},
        {author_component(e), 0.15},
        {isfinite(e->burst) ? clamp01((e->burst - 0.3) / 0.4) : NAN, 0.10},
        {isfinite(e->benford_mad) ? clamp01((e->benford_mad - 0.012) / 0.012) : NAN, 0.05},
    };
    double s = 0, w = 0;
    for (int i = 0; i < 6; i++) {
        if (isfinite(k[i].c)) {
            s += k[i].c * k[i].w;
            w += k[i].w;
        }
    }
    e->score = w > 0 ? s / w : 0;
    e->is_bot = e->score >= TG_BOTS_THRESHOLD;
    e->like_rate = e->views > 0 && e->likes >= 0 ? (double)e->likes / (double)e->views : NAN;
    e->comment_rate =
        e->likes > 0 && e->comments >= 0 ? (double)e->comments / (double)e->likes : NAN;
    e->share_rate = e->views > 0 && e->shares >= 0 ? (double)e->shares / (double)e->views : NAN;
}

/* ---- collecting evidence from the store -------------------------------- */

typedef struct tagacc {
    char *name;
    int64_t *views; /* per-video latest views (Benford) */
    size_t nv, av;
    double seed_bad, seed_all;
    tg_hashtag_day *days; /* copies; hashtag points to name */
    size_t nd, ad;
} tagacc;

typedef struct coll {
    tagacc *tags;
    size_t n, alloc;
    size_t *slots; /* open addressing: index + 1, 0 = empty */
    size_t nslots;
    tg_snapshot last;
    bool have;
    int err;
} coll;

static int grow_slots(coll *c)
{
    size_t ns = c->nslots ? c->nslots * 2 : 1024;
    size_t *s = tg_calloc(ns, sizeof *s);
    if (!s)
        return TG_ENOMEM;
    for (size_t i = 0; i < c->n; i++) {
        size_t h = tg_hash64(c->tags[i].name, strlen(c->tags[i].name)) & (ns - 1);
        while (s[h])
            h = (h + 1) & (ns - 1);
        s[h] = i + 1;
    }
    tg_free(c->slots);
    c->slots = s;
    c->nslots = ns;
    return TG_OK;
}

static tagacc *tag_get(coll *c, const char *name, size_t len)
{
    if (!len)
        return NULL;
    if ((c->n + 1) * 2 > c->nslots && grow_slots(c)) {
        c->err = TG_ENOMEM;
        return NULL;
    }
    size_t h = tg_hash64(name, len) & (c->nslots - 1);
    while (c->slots[h]) {
        tagacc *t = &c->tags[c->slots[h] - 1];
        if (strlen(t->name) == len && !memcmp(t->name, name, len))
            return t;
        h = (h + 1) & (c->nslots - 1);
    }
    if (c->n == c->alloc) {
        size_t na = c->alloc ? c->alloc * 2 : 256;
        tagacc *nt = tg_realloc(c->tags, na * sizeof *nt);
        if (!nt) {
            c->err = TG_ENOMEM;
            return NULL;
        }
        c->tags = nt;
        c->alloc = na;
    }
    tagacc *t = &c->tags[c->n];
    memset(t, 0, sizeof *t);
    t->name = tg_strndup(name, len);
    if (!t->name) {
        c->err = TG_ENOMEM;
        return NULL;
    }
    for (size_t i = 0; i < len; i++)
        t->name[i] = (char)tolower((unsigned char)t->name[i]);
    c->slots[h] = ++c->n;
    return t;
}

static int last_snap(const tg_snapshot *s, void *ctx)
{
    coll *c = ctx;
    c->last = *s;
    c->have = true;
    return 0;
}

typedef struct vctx {
    coll *c;
    tg_store_read *r;
} vctx;

static int video_cb(const tg_video *v, void *ctx)
{
    vctx *x = ctx;
    coll *c = x->c;
    c->have = false;
    int rc = tg_store_iter_snapshots(x->r, v->id, last_snap, c);
    if (rc < 0)
        return rc;
    const char *p = v->hashtags ? v->hashtags : "";
    while (*p) {
        size_t k = strcspn(p, ";");
        tagacc *t = tag_get(c, p, k);
        if (c->err)
            return c->err;
        if (t && c->have && c->last.views >= 0) {
            int64_t vw = c->last.views, lk = c->last.likes;
            t->seed_all += (double)vw;
            /* the seed keeps a video when views/likes < 100 */
            if (!(lk > 0 && (double)vw / (double)lk < 100.0))
                t->seed_bad += (double)vw;
            if (t->nv == t->av) {
                size_t na = t->av ? t->av * 2 : 32;
                int64_t *nvw = tg_realloc(t->views, na * sizeof *nvw);
                if (!nvw)
                    return TG_ENOMEM;
                t->views = nvw;
                t->av = na;
            }
            t->views[t->nv++] = vw;
        }
        p += k + (p[k] == ';');
    }
    return 0;
}

static int product_cb(const tg_product *pr, void *ctx)
{
    coll *c = ctx;
    const char *p = pr->hashtags ? pr->hashtags : "";
    while (*p) {
        size_t k = strcspn(p, ";");
        if (k && *p == '#')
            p++, k--;
        tag_get(c, p, k);
        if (c->err)
            return c->err;
        p += k + (p[k] == ';');
    }
    return 0;
}

static int day_cb(const tg_hashtag_day *d, void *ctx)
{
    tagacc *t = ctx;
    if (t->nd == t->ad) {
        size_t na = t->ad ? t->ad * 2 : 64;
        tg_hashtag_day *nd = tg_realloc(t->days, na * sizeof *nd);
        if (!nd)
            return TG_ENOMEM;
        t->days = nd;
        t->ad = na;
    }
    t->days[t->nd] = *d;
    t->days[t->nd].hashtag = t->name;
    t->nd++;
    return 0;
}

static double benford_mad(const int64_t *v, size_t n)
{
    size_t cnt[10] = {0}, tot = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t x = v[i];
        if (x <= 0)
            continue;
        while (x >= 10)
            x /= 10;
        cnt[x]++;
        tot++;
    }
    if (tot < 30)
        return NAN;
    double mad = 0;
    for (int d = 1; d <= 9; d++)
        mad += fabs((double)cnt[d] / (double)tot - log10(1.0 + 1.0 / d));
    return mad / 9;
}

/* Evidence from days[0..upto] (point in time). */
static void evidence_upto(const tagacc *t, size_t upto, tg_bot_evidence *e)
{
    const tg_hashtag_day *d = &t->days[upto];
    e->hashtag = t->name;
    e->views = d->views;
    e->likes = d->likes;
    e->comments = d->comments;
    e->shares = d->shares;
    e->videos = d->videos;
    e->authors = d->authors;
    e->top_author_share = NAN;
    double maxgain = 0, prev = 0;
    for (size_t i = 0; i <= upto; i++) {
        const tg_hashtag_day *x = &t->days[i];
        if (isfinite(x->top_author_share) &&
            (!isfinite(e->top_author_share) || x->top_author_share > e->top_author_share))
            e->top_author_share = x->top_author_share;
        double v = x->views > 0 ? (double)x->views : 0;
        if (v - prev > maxgain)
            maxgain = v - prev;
        prev = v > prev ? v : prev;
    }
    e->burst = d->views > 0 && upto >= 2 ? maxgain / (double)d->views : NAN;
    e->benford_mad = NAN;
    e->seed_bad_share = NAN;
}

typedef struct wctx {
    coll *c;
    tg_bot_evidence *ev;
    int64_t now;
} wctx;

static int write_fn(tg_store_txn *txn, void *ctx)
{
    wctx *w = ctx;
    tg_store_read *rd = tg_store_txn_reader(txn);
    for (size_t i = 0; i < w->c->n; i++) {
        tagacc *t = &w->c->tags[i];
        if (!t->nd)
            continue;
        for (size_t k = 0; k < t->nd; k++) {
            tg_bot_evidence e;
            memset(&e, 0, sizeof e);
            evidence_upto(t, k, &e);
            tg_bots_score(&e);
            t->days[k].bot_score = e.score;
            int rc = tg_store_put_hashtag_day(txn, &t->days[k]);
            if (rc)
                return rc;
        }
        tg_trend tr, old;
        memset(&tr, 0, sizeof tr);
        tr.hashtag = t->name;
        tr.bot_score = w->ev[i].score;
        tr.is_bot = w->ev[i].is_bot;
        tr.first_seen = w->now;
        tr.updated = w->now;
        if (tg_store_get_trend(rd, t->name, &old) == TG_OK && old.first_seen)
            tr.first_seen = old.first_seen;
        int rc = tg_store_put_trend(txn, &tr);
        if (rc)
            return rc;
    }
    return TG_OK;
}

static void coll_free(coll *c)
{
    for (size_t i = 0; i < c->n; i++) {
        tg_free(c->tags[i].name);
        tg_free(c->tags[i].views);
        tg_free(c->tags[i].days);
    }
    tg_free(c->tags);
    tg_free(c->slots);
}

int tg_bots_run(const char *store_path, bool dry_run, tg_bot_evidence **out, size_t *n)
{
    tg_store *s = NULL;
    tg_store_read *r = NULL;
    coll c;
    tg_bot_evidence *ev = NULL;
    memset(&c, 0, sizeof c);
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    int rc = tg_store_open(&s, store_path, dry_run ? TG_STORE_RDONLY : 0);
    if (rc)
        return rc;
    if ((rc = tg_store_read_begin(s, &r)) != TG_OK)
        goto out_close;
    vctx vx = {&c, r};
    if ((rc = tg_store_iter_products(r, product_cb, &c)) != TG_OK ||
        (rc = tg_store_iter_videos(r, video_cb, &vx)) != TG_OK)
        goto out_read;
    for (size_t i = 0; i < c.n; i++)
        if ((rc = tg_store_iter_hashtag_days(r, c.tags[i].name, INT32_MIN, INT32_MAX, day_cb,
                                             &c.tags[i])) != TG_OK)
            goto out_read;
    ev = tg_calloc(c.n ? c.n : 1, sizeof *ev);
    if (!ev) {
        rc = TG_ENOMEM;
        goto out_read;
    }
    for (size_t i = 0; i < c.n; i++) {
        tagacc *t = &c.tags[i];
        tg_bot_evidence *e = &ev[i];
        if (t->nd) {
            evidence_upto(t, t->nd - 1, e);
        } else {
            e->views = e->likes = e->comments = e->shares = -1;
            e->top_author_share = e->burst = NAN;
        }
        e->hashtag = t->name;
        e->benford_mad = benford_mad(t->views, t->nv);
        e->seed_bad_share = t->seed_all > 0 ? t->seed_bad / t->seed_all : NAN;
        e->seed_flag = t->seed_all > 0 && e->seed_bad_share > 0.5;
        tg_bots_score(e);
    }
    tg_store_read_end(&r);
    if (!dry_run) {
        wctx w = {&c, ev, tg_now()};
        if ((rc = tg_store_write(s, write_fn, &w)) != TG_OK)
            goto out_read;
    }
    /* hand the evidence over with its own copies of the names */
    if (out) {
        size_t k = 0;
        for (size_t i = 0; i < c.n; i++) {
            if (!c.tags[i].nd && c.tags[i].seed_all <= 0)
                continue; /* a product hashtag nothing was crawled for */
            ev[k] = ev[i];
            ev[k].hashtag = c.tags[i].name;
            c.tags[i].name = NULL; /* moved */
            k++;
        }
        *out = ev;
        *n = k;
        ev = NULL;
    }
    rc = TG_OK;
out_read:
    tg_store_read_end(&r);
out_close:
    tg_free(ev);
    coll_free(&c);
    tg_store_close(&s);
    return rc;
}

void tg_bots_evidence_free(tg_bot_evidence **e, size_t n)
{
    if (!e || !*e)
        return;
    for (size_t i = 0; i < n; i++)
        tg_free((char *)(*e)[i].hashtag);
    tg_free(*e);
    *e = NULL;
}

static void prf_finish(tg_prf *p)
{
    p->precision = p->tp + p->fp ? (double)p->tp / (double)(p->tp + p->fp) : 0;
    p->recall = p->tp + p->fn ? (double)p->tp / (double)(p->tp + p->fn) : 0;
    p->f1 = p->precision + p->recall > 0 ? 2 * p->precision * p->recall / (p->precision + p->recall)
                                         : 0;
}

static void prf_add(tg_prf *p, bool flagged, bool truth)
{
    if (flagged && truth)
        p->tp++;
    else if (flagged)
        p->fp++;
    else if (truth)
        p->fn++;
    else
        p->tn++;
}

int tg_bots_evaluate(const char *truth_path, const tg_bot_evidence *e, size_t n, tg_prf *filter,
                     tg_prf *seed)
{
    FILE *f = fopen(truth_path, "r");
    if (!f)
        return TG_EIO;
    memset(filter, 0, sizeof *filter);
    memset(seed, 0, sizeof *seed);
    char line[1024];
    int rc = TG_OK;
    long lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *nl = strpbrk(line, "\r\n");
        if (nl)
            *nl = 0;
        if (!*line)
            continue;
        char *comma = strchr(line, ',');
        if (!comma) {
            tg_warn("bots", "%s:%ld: expected hashtag,is_bot", truth_path, lineno);
            rc = TG_EDATA;
            break;
        }
        *comma = 0;
        char *tag = tg_trim(line), *val = tg_trim(comma + 1);
        if (*tag == '#')
            tag++;
        bool truth;
        if (!strcmp(val, "1") || tg_streq_ci(val, "true"))
            truth = true;
        else if (!strcmp(val, "0") || tg_streq_ci(val, "false"))
            truth = false;
        else if (lineno == 1)
            continue; /* header */
        else {
            tg_warn("bots", "%s:%ld: is_bot must be 0/1/true/false", truth_path, lineno);
            rc = TG_EDATA;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (tg_streq_ci(e[i].hashtag, tag)) {
                prf_add(filter, e[i].is_bot, truth);
                prf_add(seed, e[i].seed_flag, truth);
                break;
            }
        }
    }
    if (ferror(f))
        rc = TG_EIO;
    fclose(f);
    prf_finish(filter);
    prf_finish(seed);
    return rc;
}
