/*
 * train.c - training with a time split, the report, and keeping the model.
 *
 * Steps: build the point-in-time context from one read snapshot, label the
 * orders, keep the labelled ones purchased before --until, split by purchase
 * time (validation = from --valid-from, default the last 30% of the time
 * span), build the feature matrices, boost one round at a time with
 * XGBoost's C API evaluating validation AUC after each round (early stop
 * after PATIENCE rounds without a gain), slice the booster to the best round,
 * then measure it on validation and write DIR/{model,features,report}.json,
 * DIR/report.txt and the model into the store.
 */
#include "model_int.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <xgboost/c_api.h>

#define PATIENCE 40
#define CAL_BINS 10

typedef struct ix_t {
    int64_t t;
    size_t i;
} ix_t;

static int cmp_ix(const void *a, const void *b)
{
    const ix_t *x = a, *y = b;
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    return (x->i > y->i) - (x->i < y->i);
}

typedef struct train_state {
    float *xtr, *ytr, *xva, *yva;
    size_t ntr, nva;
    DMatrixHandle dtr, dva;
    BoosterHandle h, best;
    double *pva, *ptr;
    int *yiva, *yitr;
    char *model_buf;
    size_t model_len;
    json_t *report;
} train_state;

static double parse_auc(const char *s)
{
    const char *p = strstr(s, "auc:");
    return p ? strtod(p + 4, NULL) : NAN;
}

#define XGB(call, what)                                                                            \
    do {                                                                                           \
        if ((call) != 0) {                                                                         \
            rc = tg_model__xgb_fail(what);                                                         \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

typedef struct store_ctx {
    const char *id;
    const char *model;
    size_t model_len;
    const char *report;
} store_ctx;

static int store_fn(tg_store_txn *t, void *ctx)
{
    store_ctx *s = ctx;
    char key[96];
    snprintf(key, sizeof key, "model/%s", s->id);
    int rc = tg_store_raw_put(t, TG_DB_MODELS, key, strlen(key), s->model, s->model_len);
    if (rc)
        return rc;
    snprintf(key, sizeof key, "report/%s", s->id);
    rc = tg_store_raw_put(t, TG_DB_MODELS, key, strlen(key), s->report, strlen(s->report));
    if (rc)
        return rc;
    return tg_store_raw_put(t, TG_DB_MODELS, "latest", 6, s->id, strlen(s->id));
}

static int write_features_json(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/features.json", dir);
    json_t *j = json_object(), *a = json_array(), *d = json_array();
    for (int i = 0; i < TG_FEAT__COUNT; i++) {
        json_array_append_new(a, json_string(tg_model_feature_name(i)));
        json_array_append_new(d, json_string(tg_model_feature_desc(i)));
    }
    json_object_set_new(j, "features", a);
    json_object_set_new(j, "descriptions", d);
    json_object_set_new(j, "missing", json_string("NaN"));
    int rc = json_dump_file(j, path, JSON_INDENT(2)) == 0 ? TG_OK : TG_EIO;
    json_decref(j);
    return rc;
}

/* Threshold (on a 0.01 grid) maximising F1 of (score, y): run on training predictions. */
static double best_f1_threshold(const double *s, const int *y, size_t n)
{
    size_t npos = 0, tp[101] = {0}, fp[101] = {0};
    for (size_t i = 0; i < n; i++) {
        npos += y[i];
        int b = (int)floor(s[i] * 100.0);
        b = b < 0 ? 0 : b > 100 ? 100 : b;
        /* s >= q/100 for every q <= b */
        (y[i] ? tp : fp)[b]++;
    }
    double best = 0.5, bestf = -1;
    size_t ctp = 0, cfp = 0;
    for (int q = 100; q >= 1; q--) {
        ctp += tp[q];
        cfp += fp[q];
        double prec = ctp + cfp ? (double)ctp / (double)(ctp + cfp) : 0;
        double rec = npos ? (double)ctp / (double)npos : 0;
        double f = prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0;
        if (f > bestf) {
            bestf = f;
            best = q / 100.0;
        }
    }
    return best;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* Metrics of validation predictions into the report. */
static void add_metrics(json_t *rep, const double *p, const int *y, size_t n, double th)
{
    double ll = 0, brier = 0, pos = 0;
    size_t tp = 0, fp = 0, tn = 0, fn = 0;
    for (size_t i = 0; i < n; i++) {
        double q = p[i] < 1e-15 ? 1e-15 : p[i] > 1 - 1e-15 ? 1 - 1e-15 : p[i];
        ll -= y[i] ? log(q) : log(1 - q);
        brier += (p[i] - y[i]) * (p[i] - y[i]);
        pos += y[i];
        bool pr = p[i] >= th;
        tp += pr && y[i];
        fp += pr && !y[i];
        tn += !pr && !y[i];
        fn += !pr && y[i];
    }
    double prec = tp + fp ? (double)tp / (double)(tp + fp) : 0;
    double rec = tp + fn ? (double)tp / (double)(tp + fn) : 0;
    json_object_set_new(rep, "auc", json_real(tg_model_auc(p, y, n)));
    json_object_set_new(rep, "pr_auc", json_real(tg_model__pr_auc(p, y, n)));
    json_object_set_new(rep, "logloss", json_real(n ? ll / (double)n : NAN));
    json_object_set_new(rep, "brier", json_real(n ? brier / (double)n : NAN));
    json_object_set_new(rep, "base_rate", json_real(n ? pos / (double)n : NAN));
    json_object_set_new(rep, "threshold", json_real(th));
    json_object_set_new(rep, "precision", json_real(prec));
    json_object_set_new(rep, "recall", json_real(rec));
    json_object_set_new(rep, "f1", json_real(prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0));
    json_object_set_new(rep, "accuracy", json_real(n ? (double)(tp + tn) / (double)n : 0));
    json_object_set_new(rep, "confusion",
                        json_pack("{s:I,s:I,s:I,s:I}", "tp", (json_int_t)tp, "fp", (json_int_t)fp,
                                  "tn", (json_int_t)tn, "fn", (json_int_t)fn));
    /* top decile precision: labels of the 10% highest scores */
    double *s = tg_malloc((n ? n : 1) * 2 * sizeof(double));
    if (s) {
        /* pack (score, y) pairs for a descending sort */
        for (size_t i = 0; i < n; i++) {
            s[2 * i] = p[i];
            s[2 * i + 1] = y[i];
        }
        tg_qsort(s, n, 2 * sizeof(double), cmp_desc);
        size_t k = n / 10, hit = 0;
        for (size_t i = 0; i < k; i++)
            hit += s[2 * i + 1] > 0.5;
        json_object_set_new(rep, "top_decile_precision", json_real(k ? (double)hit / k : NAN));
        tg_free(s);
    }
    json_t *cal = json_array();
    for (int b = 0; b < CAL_BINS; b++) {
        double lo = (double)b / CAL_BINS, hi = (double)(b + 1) / CAL_BINS, sp = 0, sy = 0;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (p[i] >= lo && (p[i] < hi || (b == CAL_BINS - 1 && p[i] <= hi))) {
                sp += p[i];
                sy += y[i];
                m++;
            }
        json_array_append_new(
            cal, json_pack("{s:f,s:f,s:I,s:o,s:o}", "lo", lo, "hi", hi, "n", (json_int_t)m,
                           "mean_pred", m ? json_real(sp / (double)m) : json_null(), "observed",
                           m ? json_real(sy / (double)m) : json_null()));
    }
    json_object_set_new(rep, "calibration", cal);
}

static void date_str(int64_t t, char *buf, size_t n)
{
    tg_date_format(t, buf, n);
}

static int write_report_txt(const char *dir, json_t *r)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/report.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return TG_EIO;
    json_t *sp = json_object_get(r, "split"), *cf = json_object_get(r, "confusion");
    fprintf(f, "TrendGuard regret model %s\n\n", json_string_value(json_object_get(r, "model_id")));
    fprintf(f, "split: train purchases before %s (%lld orders), validation from %s (%lld orders)\n",
            json_string_value(json_object_get(sp, "train_to")),
            (long long)json_integer_value(json_object_get(sp, "n_train")),
            json_string_value(json_object_get(sp, "valid_from")),
            (long long)json_integer_value(json_object_get(sp, "n_valid")));
    fprintf(f, "labels: %lld imputed regrets (empty reason, trend rule), base rate %.4f\n",
            (long long)json_integer_value(json_object_get(r, "imputed_labels")),
            json_real_value(json_object_get(r, "base_rate")));
    fprintf(f, "rounds: best %lld of %lld\n\n",
            (long long)json_integer_value(json_object_get(r, "best_iteration")) + 1,
            (long long)json_integer_value(json_object_get(r, "rounds_run")));
    fprintf(f, "validation        xgboost   baseline(logreg)\n");
    fprintf(f, "  auc             %.4f    %.4f\n", json_real_value(json_object_get(r, "auc")),
            json_real_value(json_object_get(json_object_get(r, "baseline"), "auc")));
    const char *keys[] = {"pr_auc",    "logloss",   "brier",
                          "threshold", "precision", "recall",
                          "f1",        "accuracy",  "top_decile_precision",
                          NULL};
    for (int i = 0; keys[i]; i++)
        fprintf(f, "  %-22s%.4f\n", keys[i], json_real_value(json_object_get(r, keys[i])));
    fprintf(f, "  confusion       tp %lld  fp %lld  tn %lld  fn %lld\n",
            (long long)json_integer_value(json_object_get(cf, "tp")),
            (long long)json_integer_value(json_object_get(cf, "fp")),
            (long long)json_integer_value(json_object_get(cf, "tn")),
            (long long)json_integer_value(json_object_get(cf, "fn")));
    fprintf(f, "\ncalibration (bin: n, mean predicted, observed)\n");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "calibration"), i, v)
    {
        json_int_t m = json_integer_value(json_object_get(v, "n"));
        if (m == 0)
            continue;
        fprintf(f, "  [%.1f,%.1f)  %7lld  %.3f  %.3f\n", json_real_value(json_object_get(v, "lo")),
                json_real_value(json_object_get(v, "hi")), (long long)m,
                json_real_value(json_object_get(v, "mean_pred")),
                json_real_value(json_object_get(v, "observed")));
    }
    fprintf(f, "\nimportance (total gain)\n");
    const char *k;
    json_object_foreach(json_object_get(r, "importance"), k, v)
        fprintf(f, "  %-22s %.1f\n", k, json_real_value(v));
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return TG_EIO;
    return TG_OK;
}

int tg_model_train(tg_store *s, const tg_config *cfg, const tg_model_train_opts *o, char *err,
                   size_t errlen)
{
    int rc = TG_OK;
    tg_store_read *r = NULL;
    tg_model_ctx *c = NULL;
    tg_model__labels lab = {0};
    ix_t *ix = NULL;
    train_state st = {0};
    char path[4096], id[64], d1[16], d2[16];
    double t_start = tg_mono();
    err[0] = 0;
    if (!o->out_dir) {
        snprintf(err, errlen, "no output directory");
        return TG_EINVAL;
    }
    if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", o->out_dir, strerror(errno));
        return TG_EIO;
    }
    if ((rc = tg_store_read_begin(s, &r)))
        goto out;
    tg_model_ctx_opts co = {cfg->sentiment_lexicon, 0};
    double t_ctx = tg_mono();
    if ((rc = tg_model_ctx_build(&c, r, &co)))
        goto out;
    t_ctx = tg_mono() - t_ctx;
    bool trend_rule = !cfg->label_empty_reason || strcmp(cfg->label_empty_reason, "trend") == 0;
    if ((rc = tg_model__labels_build(c, trend_rule, o->label_any_return, &lab)))
        goto out;
    size_t n = tg_model__ctx_norders(c), m = 0;
    ix = tg_malloc((n ? n : 1) * sizeof *ix);
    if (!ix) {
        rc = TG_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t t = tg_model__ctx_order(c, i)->purchase_time;
        if (lab.y[i] < 0 || (o->until && t >= o->until))
            continue;
        ix[m++] = (ix_t){t, i};
    }
    if (m < 20) {
        snprintf(err, errlen, "only %zu labelled orders (need at least 20)", m);
        rc = TG_EDATA;
        goto out;
    }
    tg_qsort(ix, m, sizeof *ix, cmp_ix);
    int64_t vf = o->valid_from;
    if (!vf)
        vf = ix[0].t + (int64_t)(0.7 * (double)(ix[m - 1].t - ix[0].t));
    size_t ntr = 0;
    while (ntr < m && ix[ntr].t < vf)
        ntr++;
    size_t nva = m - ntr;
    if (ntr < 10 || nva < 10) {
        snprintf(err, errlen, "time split leaves %zu training and %zu validation orders", ntr, nva);
        rc = TG_EDATA;
        goto out;
    }
    st.ntr = ntr;
    st.nva = nva;
    st.xtr = tg_malloc(ntr * TG_FEAT__COUNT * sizeof(float));
    st.xva = tg_malloc(nva * TG_FEAT__COUNT * sizeof(float));
    st.ytr = tg_malloc(ntr * sizeof(float));
    st.yva = tg_malloc(nva * sizeof(float));
    st.pva = tg_malloc(nva * sizeof(double));
    st.ptr = tg_malloc(ntr * sizeof(double));
    st.yiva = tg_malloc(nva * sizeof(int));
    st.yitr = tg_malloc(ntr * sizeof(int));
    if (!st.xtr || !st.xva || !st.ytr || !st.yva || !st.pva || !st.ptr || !st.yiva || !st.yitr) {
        rc = TG_ENOMEM;
        goto out;
    }
    double t_feat = tg_mono();
    double npos = 0;
    for (size_t k = 0; k < m; k++) {
        size_t i = ix[k].i;
        bool tr = k < ntr;
        size_t row = tr ? k : k - ntr;
        float *x = (tr ? st.xtr : st.xva) + row * TG_FEAT__COUNT;
        tg_model_features(c, tg_model__ctx_order(c, i), x);
        (tr ? st.ytr : st.yva)[row] = (float)lab.y[i];
        (tr ? st.yitr : st.yiva)[row] = lab.y[i];
        if (tr)
            npos += lab.y[i];
    }
    t_feat = tg_mono() - t_feat;
    if (npos == 0 || npos == (double)ntr) {
        snprintf(err, errlen, "training labels are all %s", npos == 0 ? "0" : "1");
        rc = TG_EDATA;
        goto out;
    }
    double spw = ((double)ntr - npos) / npos;
    if (!o->quiet)
        tg_info("train", "%zu train / %zu valid orders, %d features built in %.2fs, base rate %.4f",
                ntr, nva, TG_FEAT__COUNT, t_feat, npos / (double)ntr);

    if (o->dump_prefix) {
        struct {
            const char *suf;
            const float *p;
            size_t n;
        } parts[] = {{"train.x", st.xtr, ntr * TG_FEAT__COUNT},
                     {"train.y", st.ytr, ntr},
                     {"valid.x", st.xva, nva * TG_FEAT__COUNT},
                     {"valid.y", st.yva, nva}};
        for (int k = 0; k < 4; k++) {
            snprintf(path, sizeof path, "%s.%s", o->dump_prefix, parts[k].suf);
            FILE *df = fopen(path, "wb");
            bool ok = df && fwrite(parts[k].p, sizeof(float), parts[k].n, df) == parts[k].n;
            if (df && fclose(df) != 0)
                ok = false;
            if (!ok) {
                snprintf(err, errlen, "cannot write %s", path);
                rc = TG_EIO;
                goto out;
            }
        }
    }

    /* XGBoost */
    double t_train = tg_mono();
    XGB(XGDMatrixCreateFromMat(st.xtr, ntr, TG_FEAT__COUNT, NAN, &st.dtr), "DMatrix(train)");
    XGB(XGDMatrixCreateFromMat(st.xva, nva, TG_FEAT__COUNT, NAN, &st.dva), "DMatrix(valid)");
    XGB(XGDMatrixSetFloatInfo(st.dtr, "label", st.ytr, ntr), "label(train)");
    XGB(XGDMatrixSetFloatInfo(st.dva, "label", st.yva, nva), "label(valid)");
    DMatrixHandle both[2] = {st.dtr, st.dva};
    XGB(XGBoosterCreate(both, 2, &st.h), "XGBoosterCreate");
    char sbuf[64];
    struct {
        const char *k, *v;
    } params[] = {{"objective", "binary:logistic"},
                  {"eval_metric", "auc"},
                  {"tree_method", "hist"},
                  {"nthread", "2"},
                  {"subsample", "0.8"},
                  {"colsample_bytree", "0.8"},
                  {"min_child_weight", "5"},
                  {NULL, NULL}};
    for (int i = 0; params[i].k; i++)
        XGB(XGBoosterSetParam(st.h, params[i].k, params[i].v), params[i].k);
    snprintf(sbuf, sizeof sbuf, "%ld", cfg->model_seed);
    XGB(XGBoosterSetParam(st.h, "seed", sbuf), "seed");
    snprintf(sbuf, sizeof sbuf, "%ld", cfg->model_max_depth);
    XGB(XGBoosterSetParam(st.h, "max_depth", sbuf), "max_depth");
    snprintf(sbuf, sizeof sbuf, "%.17g", cfg->model_eta);
    XGB(XGBoosterSetParam(st.h, "eta", sbuf), "eta");
    snprintf(sbuf, sizeof sbuf, "%.17g", spw);
    XGB(XGBoosterSetParam(st.h, "scale_pos_weight", sbuf), "scale_pos_weight");
    const char *names[TG_FEAT__COUNT];
    for (int i = 0; i < TG_FEAT__COUNT; i++)
        names[i] = tg_model_feature_name(i);
    XGB(XGBoosterSetStrFeatureInfo(st.h, "feature_name", names, TG_FEAT__COUNT), "feature_name");
    double best_auc = -1;
    int best_it = 0, it;
    const char *evn[1] = {"valid"};
    for (it = 0; it < cfg->model_rounds; it++) {
        const char *res;
        XGB(XGBoosterUpdateOneIter(st.h, it, st.dtr), "XGBoosterUpdateOneIter");
        XGB(XGBoosterEvalOneIter(st.h, it, &st.dva, evn, 1, &res), "XGBoosterEvalOneIter");
        double a = parse_auc(res);
        if (a > best_auc) {
            best_auc = a;
            best_it = it;
        } else if (it - best_it >= PATIENCE) {
            it++;
            break;
        }
    }
    int rounds_run = it;
    XGB(XGBoosterSlice(st.h, 0, best_it + 1, 1, &st.best), "XGBoosterSlice");
    t_train = tg_mono() - t_train;

    /* id and attributes */
    int64_t now = tg_now();
    struct tm tmv;
    time_t tt = (time_t)now;
    gmtime_r(&tt, &tmv);
    strftime(id, sizeof id, "m%Y%m%dT%H%M%SZ", &tmv);
    XGB(XGBoosterSetAttr(st.best, "tg_model_id", id), "attr");
    snprintf(sbuf, sizeof sbuf, "%.17g", spw);
    XGB(XGBoosterSetAttr(st.best, "tg_prior_weight", sbuf), "attr");
    XGB(XGBoosterSetStrFeatureInfo(st.best, "feature_name", names, TG_FEAT__COUNT), "feature_name");

    /* predictions (class weight undone: p / (p + w(1-p))) */
    {
        bst_ulong len;
        const float *res;
        XGB(XGBoosterPredict(st.best, st.dva, 0, 0, 0, &len, &res), "predict(valid)");
        for (size_t i = 0; i < nva; i++)
            st.pva[i] = res[i] / (res[i] + spw * (1 - res[i]));
        XGB(XGBoosterPredict(st.best, st.dtr, 0, 0, 0, &len, &res), "predict(train)");
        for (size_t i = 0; i < ntr; i++)
            st.ptr[i] = res[i] / (res[i] + spw * (1 - res[i]));
    }
    double th = best_f1_threshold(st.ptr, st.yitr, ntr);
    st.report = json_object();
    json_t *rep = st.report;
    json_object_set_new(rep, "model_id", json_string(id));
    add_metrics(rep, st.pva, st.yiva, nva, th);
    json_object_set_new(rep, "threshold_rule", json_string("max F1 on training predictions"));
    json_object_set_new(rep, "probabilities",
                        json_string("class weight undone: p/(p+w(1-p)), w=scale_pos_weight"));
    json_object_set_new(rep, "train_auc", json_real(tg_model_auc(st.ptr, st.yitr, ntr)));
    /* importance */
    {
        bst_ulong nfeat, dim;
        const char **fn;
        const bst_ulong *shape;
        const float *sc;
        json_t *imp = json_object();
        for (int i = 0; i < TG_FEAT__COUNT; i++)
            json_object_set_new(imp, tg_model_feature_name(i), json_real(0));
        XGB(XGBoosterFeatureScore(st.best, "{\"importance_type\": \"total_gain\"}", &nfeat, &fn,
                                  &dim, &shape, &sc),
            "XGBoosterFeatureScore");
        for (bst_ulong i = 0; i < nfeat; i++)
            json_object_set_new(imp, fn[i], json_real(sc[i]));
        json_object_set_new(rep, "importance", imp);
        json_object_set_new(rep, "importance_type", json_string("total_gain"));
    }
    date_str(ix[ntr - 1].t, d1, sizeof d1);
    date_str(vf, d2, sizeof d2);
    json_object_set_new(rep, "split",
                        json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "train_to", d1, "valid_from", d2,
                                  "n_train", (json_int_t)ntr, "n_valid", (json_int_t)nva,
                                  "train_to_t", (json_int_t)ix[ntr - 1].t, "valid_from_t",
                                  (json_int_t)vf));
    json_object_set_new(rep, "imputed_labels", json_integer(lab.imputed));
    json_object_set_new(rep, "empty_reason_returns", json_integer(lab.empty));
    json_object_set_new(rep, "unlabelled_orders", json_integer(lab.unlabelled));
    json_object_set_new(rep, "label_empty_reason", json_string(trend_rule ? "trend" : "none"));
    json_object_set_new(rep, "label",
                        json_string(o->label_any_return ? "any return within 30 days"
                                                        : "return within 30 days, reason Regret"));
    json_object_set_new(rep, "best_iteration", json_integer(best_it));
    json_object_set_new(rep, "rounds_run", json_integer(rounds_run));
    json_object_set_new(rep, "valid_auc_best_round", json_real(best_auc));
    json_object_set_new(rep, "scale_pos_weight", json_real(spw));
    json_object_set_new(rep, "params",
                        json_pack("{s:I,s:I,s:f,s:I,s:s,s:I}", "seed", (json_int_t)cfg->model_seed,
                                  "max_depth", (json_int_t)cfg->model_max_depth, "eta",
                                  cfg->model_eta, "rounds", (json_int_t)cfg->model_rounds,
                                  "tree_method", "hist", "nthread", (json_int_t)2));
    {
        double bauc = NAN;
        double t_b = tg_mono();
        if ((rc = tg_model__logreg_auc(st.xtr, st.ytr, ntr, st.xva, st.yva, nva, TG_FEAT__COUNT,
                                       &bauc)))
            goto out;
        json_object_set_new(rep, "baseline",
                            json_pack("{s:s,s:o,s:f}", "model", "logistic regression (IRLS, L2)",
                                      "auc", isfinite(bauc) ? json_real(bauc) : json_null(),
                                      "seconds", tg_mono() - t_b));
    }
    json_object_set_new(rep, "timing",
                        json_pack("{s:f,s:f,s:f,s:f}", "context_s", t_ctx, "features_s", t_feat,
                                  "train_s", t_train, "total_s", tg_mono() - t_start));

    /* outputs */
    snprintf(path, sizeof path, "%s/model.json", o->out_dir);
    XGB(XGBoosterSaveModel(st.best, path), "XGBoosterSaveModel");
    if ((rc = write_features_json(o->out_dir)))
        goto out;
    snprintf(path, sizeof path, "%s/report.json", o->out_dir);
    if (json_dump_file(rep, path, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) != 0) {
        rc = TG_EIO;
        snprintf(err, errlen, "cannot write %s", path);
        goto out;
    }
    if ((rc = write_report_txt(o->out_dir, rep))) {
        snprintf(err, errlen, "cannot write %s/report.txt", o->out_dir);
        goto out;
    }
    if (o->keep_in_store) {
        bst_ulong len;
        const char *mb;
        XGB(XGBoosterSaveModelToBuffer(st.best, "{\"format\": \"json\"}", &len, &mb),
            "XGBoosterSaveModelToBuffer");
        st.model_buf = tg_malloc(len ? len : 1);
        if (!st.model_buf) {
            rc = TG_ENOMEM;
            goto out;
        }
        memcpy(st.model_buf, mb, len);
        st.model_len = len;
        char *rj = json_dumps(rep, JSON_COMPACT);
        tg_store_read_end(&r);
        store_ctx sc = {id, st.model_buf, st.model_len, rj ? rj : "{}"};
        rc = tg_store_write(s, store_fn, &sc);
        free(rj);
        if (rc)
            goto out;
    }
out:
    if (rc && !err[0])
        snprintf(err, errlen, "%s", tg_strerror(rc));
    if (st.dtr)
        XGDMatrixFree(st.dtr);
    if (st.dva)
        XGDMatrixFree(st.dva);
    if (st.h)
        XGBoosterFree(st.h);
    if (st.best)
        XGBoosterFree(st.best);
    json_decref(st.report);
    tg_free(st.model_buf);
    tg_free(st.xtr);
    tg_free(st.xva);
    tg_free(st.ytr);
    tg_free(st.yva);
    tg_free(st.pva);
    tg_free(st.ptr);
    tg_free(st.yiva);
    tg_free(st.yitr);
    tg_free(ix);
    tg_model__labels_free(&lab);
    tg_model_ctx_free(&c);
    tg_store_read_end(&r);
    return rc;
}
