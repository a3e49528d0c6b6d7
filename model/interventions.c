/*
 * interventions.c - the nightly interventions batch and its report
 * (include/trendguard/interventions.h says what and why).
 *
 * A run reads in one snapshot, decides in memory, then writes every
 * decision in one write transaction whose function only replays the array
 * (tg_store_write may run it twice when the map grows).
 */
#include "trendguard/interventions.h"

#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"
#include "store/ingest.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Cap on one line of the opt-out or scores file. */
#define LINE_MAX_BYTES 4096

/* ------------------------------------------------------------------------ */
/* A small string-keyed open-addressing table (keys copied). */

typedef struct smap_ent {
    char *key;
    double v;
    int32_t day;
    int flags;
} smap_ent;

typedef struct smap {
    smap_ent *e;
    size_t n, cap; /* cap is a power of two */
} smap;

static void smap_free(smap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        tg_free(m->e[i].key);
    tg_free(m->e);
    memset(m, 0, sizeof *m);
}

static smap_ent *smap_find(const smap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1, i = tg_hash64(key, strlen(key)) & mask;
    while (m->e[i].key) {
        if (strcmp(m->e[i].key, key) == 0)
            return &m->e[i];
        i = (i + 1) & mask;
    }
    return NULL;
}

static int smap_grow(smap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    smap_ent *ne = tg_calloc(ncap, sizeof *ne);
    if (!ne)
        return TG_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->e[i].key)
            continue;
        size_t j = tg_hash64(m->e[i].key, strlen(m->e[i].key)) & (ncap - 1);
        while (ne[j].key)
            j = (j + 1) & (ncap - 1);
        ne[j] = m->e[i];
    }
    tg_free(m->e);
    m->e = ne;
    m->cap = ncap;
    return TG_OK;
}

/* Insert (or find) key; *out points at the entry. */
static int smap_put(smap *m, const char *key, smap_ent **out)
{
    smap_ent *f = smap_find(m, key);
    if (f) {
        *out = f;
        return TG_OK;
    }
    if ((m->n + 1) * 2 > m->cap) {
        int rc = smap_grow(m);
        if (rc)
            return rc;
    }
    size_t mask = m->cap - 1, i = tg_hash64(key, strlen(key)) & mask;
    while (m->e[i].key)
        i = (i + 1) & mask;
    m->e[i].key = tg_strdup(key);
    if (!m->e[i].key)
        return TG_ENOMEM;
    m->e[i].v = 0;
    m->e[i].day = 0;
    m->e[i].flags = 0;
    m->n++;
    *out = &m->e[i];
    return TG_OK;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------------ */
/* Pseudonyms and the control group. */

bool tg_interventions_in_control(const uint8_t customer[32], double share)
{
    if (share <= 0)
        return false;
    /* A hash of the pseudonym, not its raw bytes: the pseudonym is already
     * uniform, but hashing keeps the rule independent of how it was made. */
    uint64_t h = tg_hash64(customer, 32) ^ 0x9e3779b97f4a7c15ull;
    double u = (double)(h >> 11) * (1.0 / 9007199254740992.0);
    return u < share;
}

int tg_interventions_pseudonym(tg_store_read *r, const tg_config *cfg, const char *customer_id,
                               uint8_t out[32])
{
    /* The pepper as tg_store_ingest_pepper() finds it (environment first,
     * then the store's meta), but never created here: a store without one
     * has no pseudonyms to match. The HMAC is ingest's own function. */
    const void *key = NULL;
    size_t klen = 0;
    const char *env = cfg && cfg->pepper_env ? getenv(cfg->pepper_env) : NULL;
    if (env && *env) {
        key = env;
        klen = strlen(env);
    } else if (!r || tg_store_meta_get(r, "pepper", &key, &klen) != TG_OK || klen == 0) {
        return TG_ENOTFOUND;
    }
    return tg_store_pseudonym(key, klen, customer_id, strlen(customer_id), out);
}

/* ------------------------------------------------------------------------ */
/* Input files. */

/* Read one line (capped) into buf; returns length, -1 at EOF, -2 too long. */
static long read_line(FILE *f, char *buf, size_t cap)
{
    if (!fgets(buf, (int)cap, f))
        return -1;
    size_t n = strlen(buf);
    if (n == cap - 1 && buf[n - 1] != '\n' && !feof(f))
        return -2;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = 0;
    return (long)n;
}

/* Split a simple CSV line (no quoted commas in the columns we read). */
static int split_csv(char *line, char **cols, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        cols[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = 0;
        p = c + 1;
    }
    for (int i = 0; i < n; i++) {
        char *s = cols[i];
        size_t l = strlen(s);
        if (l >= 2 && s[0] == '"' && s[l - 1] == '"') {
            s[l - 1] = 0;
            cols[i] = s + 1;
        }
    }
    return n;
}

/*
 * Load an order_id -> value CSV. The value column is the first header named
 * one of `names`. Only ids in `want` are kept when want is not NULL.
 */
static int load_id_values(const char *path, const char *const *names, const smap *want, smap *out,
                          char *err, size_t errlen)
{
    int rc = TG_OK;
    char *line = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        return TG_EIO;
    }
    line = tg_malloc(LINE_MAX_BYTES);
    if (!line) {
        rc = TG_ENOMEM;
        goto out_close;
    }
    char *cols[64];
    long n = read_line(f, line, LINE_MAX_BYTES);
    if (n < 0) {
        seterr(err, errlen, "%s: empty or unreadable header", path);
        rc = TG_EDATA;
        goto out_free;
    }
    char *hdr = line;
    if ((unsigned char)hdr[0] == 0xEF && (unsigned char)hdr[1] == 0xBB &&
        (unsigned char)hdr[2] == 0xBF)
        hdr += 3;
    int nc = split_csv(hdr, cols, 64), idc = -1, vc = -1;
    for (int i = 0; i < nc; i++) {
        if (strcmp(cols[i], "order_id") == 0 && idc < 0)
            idc = i;
        for (int k = 0; names[k] && vc < 0; k++)
            if (strcmp(cols[i], names[k]) == 0)
                vc = i;
    }
    if (idc < 0 || vc < 0) {
        seterr(err, errlen, "%s:1: need an order_id and a %s column", path, names[0]);
        rc = TG_EDATA;
        goto out_free;
    }
    long lineno = 1;
    while ((n = read_line(f, line, LINE_MAX_BYTES)) != -1) {
        lineno++;
        if (n == -2) {
            seterr(err, errlen, "%s:%ld: line too long", path, lineno);
            rc = TG_EDATA;
            goto out_free;
        }
        if (n == 0)
            continue;
        nc = split_csv(line, cols, 64);
        if (nc <= idc || nc <= vc) {
            seterr(err, errlen, "%s:%ld: too few columns", path, lineno);
            rc = TG_EDATA;
            goto out_free;
        }
        if (want && !smap_find(want, cols[idc]))
            continue;
        char *end;
        errno = 0;
        double v = strtod(cols[vc], &end);
        if (end == cols[vc] || *end || errno || !isfinite(v) || v < 0 || v > 1) {
            seterr(err, errlen, "%s:%ld: bad %s '%s'", path, lineno, names[0], cols[vc]);
            rc = TG_EDATA;
            goto out_free;
        }
        smap_ent *e;
        if ((rc = smap_put(out, cols[idc], &e)))
            goto out_free;
        e->v = v;
    }
out_free:
    tg_free(line);
out_close:
    fclose(f);
    return rc;
}

typedef struct optout {
    smap orders;    /* raw lines: order ids (and customer ids, harmlessly) */
    smap customers; /* hex of the pseudonym */
} optout;

static void hex32(const uint8_t b[32], char out[65])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[64] = 0;
}

static int load_optout(const char *path, tg_store_read *r, const tg_config *cfg, optout *oo,
                       char *err, size_t errlen)
{
    int rc = TG_OK;
    bool warned = false;
    FILE *f = fopen(path, "r");
    if (!f) {
        seterr(err, errlen, "opt-out file %s: %s", path, strerror(errno));
        return TG_EIO;
    }
    char line[512];
    long n, lineno = 0;
    while ((n = read_line(f, line, sizeof line)) != -1) {
        lineno++;
        if (n == -2) {
            seterr(err, errlen, "%s:%ld: line too long", path, lineno);
            rc = TG_EDATA;
            goto out_close;
        }
        char *s = tg_trim(line);
        char *comma = strchr(s, ',');
        if (comma)
            *comma = 0; /* a CSV with the id first is fine */
        s = tg_trim(s);
        if (!*s || *s == '#' || strcmp(s, "customer_id") == 0 || strcmp(s, "order_id") == 0)
            continue;
        smap_ent *e;
        if ((rc = smap_put(&oo->orders, s, &e)))
            goto out_close;
        uint8_t ps[32];
        int prc = tg_interventions_pseudonym(r, cfg, s, ps);
        if (prc == TG_OK) {
            char hx[65];
            hex32(ps, hx);
            if ((rc = smap_put(&oo->customers, hx, &e)))
                goto out_close;
        } else if (!warned) {
            tg_warn("interventions", "no pepper: opt-out lines match order ids only");
            warned = true;
        }
    }
out_close:
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The run. */

typedef struct decision {
    char *order_id;
    const char *action; /* static */
    double risk;
    bool control;
} decision;

typedef struct run_ctx {
    const tg_config *cfg;
    const tg_interventions_opts *opts;
    tg_store_read *rd;
    tg_interventions_stats *st;
    smap *prior;  /* order_id -> earliest day decided */
    smap *scores; /* order_id -> risk from a file */
    optout *oo;
    int64_t from, to;
    decision *d;
    size_t nd, capd;
    int err;
} run_ctx;

static int add_decision(run_ctx *c, const char *order_id, const char *action, double risk,
                        bool control)
{
    if (c->nd == c->capd) {
        size_t nc = c->capd ? c->capd * 2 : 256;
        decision *nd = tg_realloc(c->d, nc * sizeof *nd);
        if (!nd)
            return TG_ENOMEM;
        c->d = nd;
        c->capd = nc;
    }
    char *id = tg_strdup(order_id);
    if (!id)
        return TG_ENOMEM;
    c->d[c->nd++] = (decision){id, action, risk, control};
    return TG_OK;
}

static int on_order(const tg_order *o, void *vctx)
{
    run_ctx *c = vctx;
    if (o->purchase_time < c->from || o->purchase_time >= c->to)
        return 0;
    c->st->window_orders++;
    smap_ent *pe = smap_find(c->prior, o->order_id);
    if (pe && pe->day != c->opts->day) {
        c->st->already++;
        return 0;
    }
    double risk = NAN;
    tg_prediction pred;
    smap_ent *se;
    if (tg_store_get_prediction(c->rd, o->order_id, &pred) == TG_OK && isfinite(pred.risk))
        risk = pred.risk;
    else if (c->scores && (se = smap_find(c->scores, o->order_id)))
        risk = se->v;
    else if (c->opts->scorer) {
        double r;
        if (c->opts->scorer(c->opts->scorer_ctx, c->rd, o, &r) == TG_OK)
            risk = r;
    }
    if (!isfinite(risk)) {
        c->st->unscored++;
        return 0;
    }
    const char *tier = risk >= c->cfg->tier_email_offer ? "email_offer"
                       : risk >= c->cfg->tier_sms       ? "sms_reminder"
                                                        : NULL;
    if (!tier) {
        c->st->below++;
        return 0;
    }
    const char *action = tier;
    bool control = false;
    char hx[65];
    hex32(o->customer, hx);
    if (smap_find(&c->oo->orders, o->order_id) || smap_find(&c->oo->customers, hx)) {
        action = "optout";
        c->st->optout++;
    } else if (tg_interventions_in_control(o->customer, c->cfg->control_share)) {
        action = "control";
        control = true;
        c->st->control++;
    } else if (tier[0] == 'e') {
        c->st->email_offer++;
    } else {
        c->st->sms_reminder++;
    }
    int rc = add_decision(c, o->order_id, action, risk, control);
    if (rc) {
        c->err = rc;
        return 1;
    }
    return 0;
}

static int on_prior(const tg_intervention *iv, void *vctx)
{
    run_ctx *c = vctx;
    smap_ent *e = smap_find(c->prior, iv->order_id);
    if (!e) {
        int rc = smap_put(c->prior, iv->order_id, &e);
        if (rc) {
            c->err = rc;
            return 1;
        }
        e->day = iv->day;
    } else if (iv->day < e->day) {
        e->day = iv->day;
    }
    return 0;
}

static int write_decisions(tg_store_txn *t, void *vctx)
{
    run_ctx *c = vctx;
    for (size_t i = 0; i < c->nd; i++) {
        tg_intervention iv = {c->d[i].order_id, c->opts->day, c->d[i].action, c->d[i].risk,
                              c->d[i].control};
        int rc = tg_store_put_intervention(t, &iv);
        if (rc)
            return rc;
    }
    return TG_OK;
}

static int cmp_decision(const void *a, const void *b)
{
    return strcmp(((const decision *)a)->order_id, ((const decision *)b)->order_id);
}

int tg_interventions_run(tg_store *s, const tg_config *cfg, const tg_interventions_opts *opts,
                         tg_interventions_stats *st, char *err, size_t errlen)
{
    int rc = TG_OK;
    smap prior = {0}, scores = {0};
    optout oo = {{0}, {0}};
    tg_store_read *rd = NULL;
    run_ctx c = {.cfg = cfg, .opts = opts, .st = st, .prior = &prior};
    memset(st, 0, sizeof *st);
    c.to = ((int64_t)opts->day + 1) * 86400;
    c.from = c.to - (int64_t)llround(cfg->window_h * 3600.0);

    if (opts->scores_path) {
        static const char *const names[] = {"risk", "p_true", NULL};
        if ((rc = load_id_values(opts->scores_path, names, NULL, &scores, err, errlen)))
            goto out;
        c.scores = &scores;
    }
    if ((rc = tg_store_read_begin(s, &rd))) {
        seterr(err, errlen, "cannot read the store: %s", tg_strerror(rc));
        goto out;
    }
    c.rd = rd;
    const char *op = opts->optout_path ? opts->optout_path : cfg->optout_file;
    if (op && (rc = load_optout(op, rd, cfg, &oo, err, errlen)))
        goto out;
    c.oo = &oo;
    rc = tg_store_iter_interventions(rd, on_prior, &c);
    if (c.err || rc < 0) {
        rc = c.err ? c.err : rc;
        seterr(err, errlen, "reading interventions: %s", tg_strerror(rc));
        goto out;
    }
    rc = tg_store_iter_orders(rd, on_order, &c);
    if (c.err || rc < 0) {
        rc = c.err ? c.err : rc;
        seterr(err, errlen, "reading orders: %s", tg_strerror(rc));
        goto out;
    }
    rc = TG_OK;
    tg_store_read_end(&rd);
    if (c.nd)
        tg_qsort(c.d, c.nd, sizeof *c.d, cmp_decision);
    if (c.nd && (rc = tg_store_write(s, write_decisions, &c))) {
        seterr(err, errlen, "writing interventions: %s", tg_strerror(rc));
        goto out;
    }
    st->written = (long)c.nd;
    if (opts->csv) {
        char day[16];
        tg_date_format((int64_t)opts->day * 86400, day, sizeof day);
        fprintf(opts->csv, "order_id,day,action,risk,control\n");
        for (size_t i = 0; i < c.nd; i++)
            fprintf(opts->csv, "%s,%s,%s,%.4f,%d\n", c.d[i].order_id, day, c.d[i].action,
                    c.d[i].risk, c.d[i].control ? 1 : 0);
    }
out:
    tg_store_read_end(&rd);
    for (size_t i = 0; i < c.nd; i++)
        tg_free(c.d[i].order_id);
    tg_free(c.d);
    smap_free(&prior);
    smap_free(&scores);
    smap_free(&oo.orders);
    smap_free(&oo.customers);
    return rc;
}

static int on_last(const tg_order *o, void *vctx)
{
    int64_t *t = vctx;
    if (o->purchase_time > *t)
        *t = o->purchase_time;
    return 0;
}

int tg_interventions_last_day(tg_store *s, int32_t *day)
{
    tg_store_read *r;
    int64_t t = INT64_MIN;
    int rc = tg_store_read_begin(s, &r);
    if (rc)
        return rc;
    rc = tg_store_iter_orders(r, on_last, &t);
    tg_store_read_end(&r);
    if (rc < 0)
        return rc;
    if (t == INT64_MIN)
        return TG_ENOTFOUND;
    *day = tg_day_of(t);
    return TG_OK;
}

/* ------------------------------------------------------------------------ */
/* The report. */

void tg_interventions_wilson(long k, long n, double z, double *lo, double *hi)
{
    if (n <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double p = (double)k / (double)n, nn = (double)n, z2 = z * z;
    double den = 1 + z2 / nn;
    double mid = (p + z2 / (2 * nn)) / den;
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / den;
    *lo = fmax(0, mid - half);
    *hi = fmin(1, mid + half);
}

static bool effect_value(json_t *v, double *out)
{
    if (!json_is_number(v))
        return false;
    double x = json_number_value(v);
    if (!isfinite(x) || x < -1 || x > 1)
        return false;
    *out = fabs(x); /* -0.35 (a change of p) and 0.35 (a reduction) mean the same */
    return true;
}

int tg_interventions_truth_effect(const char *path, double effect[2])
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root)
        return errno == ENOENT ? TG_ENOTFOUND : TG_EDATA;
    int rc = TG_EDATA;
    json_t *e = json_object_get(root, "intervention_effect");
    if (!e) {
        rc = TG_ENOTFOUND;
    } else if (json_is_object(e)) {
        if (effect_value(json_object_get(e, "email_offer"), &effect[0]) &&
            effect_value(json_object_get(e, "sms_reminder"), &effect[1]))
            rc = TG_OK;
    } else if (effect_value(e, &effect[0])) {
        effect[1] = effect[0];
        rc = TG_OK;
    }
    json_decref(root);
    return rc;
}

/* flags of an order in the report */
#define F_EMAIL 1
#define F_SMS 2
#define F_CONTROL_EMAIL 4
#define F_CONTROL_SMS 8
#define F_OPTOUT 16

typedef struct rep_ctx {
    const tg_config *cfg;
    smap ivs;      /* order_id -> flags */
    smap returned; /* order ids with a return */
    int err;
} rep_ctx;

static int on_rep_iv(const tg_intervention *iv, void *vctx)
{
    rep_ctx *c = vctx;
    int f = 0;
    if (strcmp(iv->action, "email_offer") == 0)
        f = F_EMAIL;
    else if (strcmp(iv->action, "sms_reminder") == 0)
        f = F_SMS;
    else if (strcmp(iv->action, "control") == 0 || iv->control)
        f = iv->risk >= c->cfg->tier_email_offer ? F_CONTROL_EMAIL : F_CONTROL_SMS;
    else if (strcmp(iv->action, "optout") == 0)
        f = F_OPTOUT;
    if (!f)
        return 0;
    smap_ent *e;
    int rc = smap_put(&c->ivs, iv->order_id, &e);
    if (rc) {
        c->err = rc;
        return 1;
    }
    if (!e->flags)
        e->flags = f; /* the earliest record wins (iteration is by order, then day) */
    return 0;
}

static int on_rep_return(const tg_return *r, void *vctx)
{
    rep_ctx *c = vctx;
    if (!smap_find(&c->ivs, r->order_id))
        return 0;
    smap_ent *e;
    int rc = smap_put(&c->returned, r->order_id, &e);
    if (rc) {
        c->err = rc;
        return 1;
    }
    return 0;
}

static double unit_draw(const char *order_id, uint64_t seed)
{
    uint64_t h = tg_hash64(order_id, strlen(order_id)) ^ (seed * 0x9e3779b97f4a7c15ull);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

static void finish_arm(tg_interventions_arm *a)
{
    tg_interventions_group *gs[2] = {&a->treated, &a->control};
    for (int i = 0; i < 2; i++) {
        tg_interventions_group *g = gs[i];
        g->rate = g->n ? (double)g->returned / (double)g->n : NAN;
        tg_interventions_wilson(g->returned, g->n, 1.96, &g->lo, &g->hi);
    }
    const tg_interventions_group *t = &a->treated, *k = &a->control;
    a->diff = a->diff_lo = a->diff_hi = NAN;
    a->effect = a->effect_lo = a->effect_hi = NAN;
    a->returns_avoided = 0;
    if (!t->n || !k->n)
        return;
    a->diff = k->rate - t->rate;
    double se =
        sqrt(t->rate * (1 - t->rate) / (double)t->n + k->rate * (1 - k->rate) / (double)k->n);
    a->diff_lo = a->diff - 1.96 * se;
    a->diff_hi = a->diff + 1.96 * se;
    a->returns_avoided = a->diff * (double)t->n;
    if (t->returned > 0 && k->returned > 0) {
        double rr = t->rate / k->rate;
        double sl = sqrt(1.0 / (double)t->returned - 1.0 / (double)t->n +
                         1.0 / (double)k->returned - 1.0 / (double)k->n);
        a->effect = 1 - rr;
        a->effect_lo = 1 - rr * exp(1.96 * sl);
        a->effect_hi = 1 - rr * exp(-1.96 * sl);
    }
    if (a->have_truth && isfinite(a->effect_lo))
        a->truth_in_ci = a->truth_effect >= a->effect_lo && a->truth_effect <= a->effect_hi;
}

int tg_interventions_report_build(tg_store *s, const tg_config *cfg, const char *world_dir,
                                  uint64_t seed, tg_interventions_report *out, char *err,
                                  size_t errlen)
{
    int rc = TG_OK;
    rep_ctx c = {cfg, {0}, {0}, 0};
    smap ptrue = {0};
    char *path = NULL;
    tg_store_read *rd = NULL;
    double truth[2] = {NAN, NAN};
    memset(out, 0, sizeof *out);
    out->arm[0].action = "email_offer";
    out->arm[1].action = "sms_reminder";
    out->arm[2].action = "all";

    if ((rc = tg_store_read_begin(s, &rd))) {
        seterr(err, errlen, "cannot read the store: %s", tg_strerror(rc));
        goto out;
    }
    rc = tg_store_iter_interventions(rd, on_rep_iv, &c);
    if (c.err || rc < 0) {
        rc = c.err ? c.err : rc;
        seterr(err, errlen, "reading interventions: %s", tg_strerror(rc));
        goto out;
    }
    rc = TG_OK;
    if (world_dir) {
        size_t pl = strlen(world_dir) + 32;
        if (!(path = tg_malloc(pl))) {
            rc = TG_ENOMEM;
            goto out;
        }
        snprintf(path, pl, "%s/truth/summary.json", world_dir);
        rc = tg_interventions_truth_effect(path, truth);
        if (rc) {
            seterr(err, errlen, "%s: no usable \"intervention_effect\" (%s)", path,
                   tg_strerror(rc));
            goto out;
        }
        out->simulated = out->have_truth = true;
        for (int i = 0; i < 2; i++) {
            out->arm[i].have_truth = true;
            out->arm[i].truth_effect = truth[i];
        }
        snprintf(path, pl, "%s/truth/regret.csv", world_dir);
        static const char *const names[] = {"p_true", NULL};
        if ((rc = load_id_values(path, names, &c.ivs, &ptrue, err, errlen)))
            goto out;
    } else {
        rc = tg_store_iter_returns(rd, on_rep_return, &c);
        if (c.err || rc < 0) {
            rc = c.err ? c.err : rc;
            seterr(err, errlen, "reading returns: %s", tg_strerror(rc));
            goto out;
        }
        rc = TG_OK;
    }

    for (size_t i = 0; i < c.ivs.cap; i++) {
        smap_ent *e = &c.ivs.e[i];
        if (!e->key)
            continue;
        int f = e->flags;
        if (f & F_OPTOUT) {
            out->optouts++;
            continue;
        }
        int arm = (f & (F_EMAIL | F_CONTROL_EMAIL)) ? TG_IV_ARM_EMAIL : TG_IV_ARM_SMS;
        bool treated = f & (F_EMAIL | F_SMS);
        bool ret;
        if (world_dir) {
            smap_ent *p = smap_find(&ptrue, e->key);
            if (!p)
                continue; /* not an order of this world */
            double pt = treated ? p->v * (1 - truth[arm]) : p->v;
            ret = unit_draw(e->key, seed) < pt;
        } else {
            ret = smap_find(&c.returned, e->key) != NULL;
        }
        tg_interventions_group *g[2] = {treated ? &out->arm[arm].treated : &out->arm[arm].control,
                                        treated ? &out->arm[TG_IV_ARM_ALL].treated
                                                : &out->arm[TG_IV_ARM_ALL].control};
        for (int k = 0; k < 2; k++) {
            g[k]->n++;
            g[k]->returned += ret;
        }
        if (!treated)
            out->controls++;
        else if (arm == TG_IV_ARM_EMAIL)
            out->email_offers++;
        else
            out->sms_reminders++;
    }
    out->truth_in_ci = out->have_truth;
    bool any = false;
    for (int i = 0; i < 3; i++) {
        finish_arm(&out->arm[i]);
        if (i < 2 && out->have_truth && isfinite(out->arm[i].effect_lo)) {
            any = true;
            out->truth_in_ci &= out->arm[i].truth_in_ci;
        }
    }
    if (!any)
        out->truth_in_ci = false;
    out->returns_avoided = out->arm[0].returns_avoided + out->arm[1].returns_avoided;
    out->offer_cost = (double)out->email_offers * cfg->offer_cost;
    out->net = out->returns_avoided * cfg->return_cost - out->offer_cost;
out:
    tg_store_read_end(&rd);
    tg_free(path);
    smap_free(&c.ivs);
    smap_free(&c.returned);
    smap_free(&ptrue);
    return rc;
}
