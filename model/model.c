/*
 * model.c - a trained model: loading (directory or store), prediction and
 * scoring with tiers and reasons.
 *
 * Prediction walks the booster's trees in plain C (forest.c: the same
 * floats as XGBoost, no lock); a model forest.c cannot reproduce predicts
 * through XGBoost.
 *
 * XGBoost boundary: every XGBoost call happens under the model's mutex,
 * its output buffers are copied before the mutex is released (they die at
 * the next call on the thread), and a failing call's XGBGetLastError() is
 * logged once here and turned into TG_EMODEL.
 */
#include "model_int.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <xgboost/c_api.h>

#define SCORE_CHUNK 65536

struct tg_model {
    BoosterHandle h;
    pthread_mutex_t mu;
    char id[64];
    double prior_w;           /* scale_pos_weight used in training: undone on output */
    tg_model__forest *forest; /* NULL: predict through XGBoost */
};

int tg_model__xgb_fail(const char *what)
{
    tg_error("model", "%s: %s", what, XGBGetLastError());
    return TG_EMODEL;
}

static int model_new(tg_model **out)
{
    tg_model *m = tg_calloc(1, sizeof *m);
    if (!m)
        return TG_ENOMEM;
    if (XGBoosterCreate(NULL, 0, &m->h) != 0) {
        tg_free(m);
        return tg_model__xgb_fail("XGBoosterCreate");
    }
    pthread_mutex_init(&m->mu, NULL);
    m->prior_w = 1.0;
    *out = m;
    return TG_OK;
}

/* Read our attributes (id, prior weight) kept in the booster. */
static void read_attrs(tg_model *m)
{
    const char *v = NULL;
    int ok = 0;
    if (XGBoosterGetAttr(m->h, "tg_model_id", &v, &ok) == 0 && ok && v)
        snprintf(m->id, sizeof m->id, "%s", v);
    if (XGBoosterGetAttr(m->h, "tg_prior_weight", &v, &ok) == 0 && ok && v) {
        double w = strtod(v, NULL);
        if (w > 0 && isfinite(w))
            m->prior_w = w;
    }
}

/*
 * Read the trees for forest.c. Only running out of memory fails the load: a
 * model forest.c declines keeps predicting through XGBoost.
 */
static int load_forest(tg_model *m)
{
    bst_ulong len = 0;
    const char *buf = NULL;
    if (XGBoosterSaveModelToBuffer(m->h, "{\"format\": \"json\"}", &len, &buf) != 0) {
        tg_model__xgb_fail("XGBoosterSaveModelToBuffer");
        return TG_OK;
    }
    int rc = tg_model__forest_load(&m->forest, buf, (size_t)len);
    return rc == TG_ENOMEM ? rc : TG_OK;
}

/* features.json must list this build's features in the same order. */
static int check_features(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/features.json", dir);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        tg_error("model", "%s: %s", path, je.text);
        return TG_EMODEL;
    }
    json_t *names = json_object_get(j, "features");
    int rc = TG_OK;
    if (!json_is_array(names) || json_array_size(names) != TG_FEAT__COUNT) {
        rc = TG_EMODEL;
    } else {
        for (int i = 0; i < TG_FEAT__COUNT; i++) {
            const char *n = json_string_value(json_array_get(names, (size_t)i));
            if (!n || strcmp(n, tg_model_feature_name(i)) != 0)
                rc = TG_EMODEL;
        }
    }
    if (rc)
        tg_error("model", "%s: features differ from this build's", path);
    json_decref(j);
    return rc;
}

int tg_model_load_dir(tg_model **out, const char *dir)
{
    char path[4096];
    tg_model *m = NULL;
    *out = NULL;
    int rc = check_features(dir);
    if (rc)
        return rc;
    if ((rc = model_new(&m)))
        return rc;
    snprintf(path, sizeof path, "%s/model.json", dir);
    if (XGBoosterLoadModel(m->h, path) != 0) {
        rc = tg_model__xgb_fail(path);
        tg_model_free(&m);
        return rc;
    }
    read_attrs(m);
    if ((rc = load_forest(m))) {
        tg_model_free(&m);
        return rc;
    }
    *out = m;
    return TG_OK;
}

int tg_model_load_store(tg_model **out, tg_store_read *r, const char *model_id)
{
    const void *v;
    size_t vl;
    char id[64], key[96];
    tg_model *m = NULL;
    int rc;
    *out = NULL;
    if (!model_id) {
        rc = tg_store_raw_get(r, TG_DB_MODELS, "latest", 6, &v, &vl);
        if (rc)
            return rc;
        if (vl == 0 || vl >= sizeof id)
            return TG_EDATA;
        memcpy(id, v, vl);
        id[vl] = 0;
        model_id = id;
    }
    snprintf(key, sizeof key, "model/%s", model_id);
    rc = tg_store_raw_get(r, TG_DB_MODELS, key, strlen(key), &v, &vl);
    if (rc)
        return rc;
    if ((rc = model_new(&m)))
        return rc;
    if (XGBoosterLoadModelFromBuffer(m->h, v, (bst_ulong)vl) != 0) {
        rc = tg_model__xgb_fail("XGBoosterLoadModelFromBuffer");
        tg_model_free(&m);
        return rc;
    }
    read_attrs(m);
    if (!m->id[0])
        snprintf(m->id, sizeof m->id, "%s", model_id);
    if ((rc = load_forest(m))) {
        tg_model_free(&m);
        return rc;
    }
    *out = m;
    return TG_OK;
}

void tg_model_free(tg_model **pm)
{
    if (!pm || !*pm)
        return;
    tg_model *m = *pm;
    XGBoosterFree(m->h);
    tg_model__forest_free(&m->forest);
    pthread_mutex_destroy(&m->mu);
    tg_free(m);
    *pm = NULL;
}

const char *tg_model_id(const tg_model *m)
{
    return m->id;
}

/* Undo the class weight of training: p' = p / (p + w (1 - p)). */
static double unweight(double p, double w)
{
    if (w == 1.0)
        return p;
    double d = p + w * (1.0 - p);
    return d > 0 ? p / d : 0.0;
}

/* XGBoost's own prediction: the fallback for models forest.c declines. */
static int predict_xgb(tg_model *m, const float *x, size_t n, double *risk, float *contrib)
{
    DMatrixHandle d = NULL;
    int rc = TG_OK;
    char arr[256];
    const bst_ulong *shape = NULL;
    bst_ulong dim = 0, len = 0;
    const float *res = NULL;
    /* In-place prediction on the dense rows (no DMatrix copy). */
    snprintf(arr, sizeof arr,
             "{\"data\": [%llu, true], \"shape\": [%zu, %d], \"typestr\": \"<f4\", "
             "\"version\": 3}",
             (unsigned long long)(uintptr_t)x, n, TG_FEAT__COUNT);
    pthread_mutex_lock(&m->mu);
    if (XGBoosterPredictFromDense(m->h, arr,
                                  "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
                                  "\"iteration_end\": 0, \"strict_shape\": false, "
                                  "\"missing\": NaN, \"cache_id\": 0}",
                                  NULL, &shape, &dim, &res) != 0) {
        rc = tg_model__xgb_fail("XGBoosterPredictFromDense");
        goto out_unlock;
    }
    for (size_t i = 0; i < n; i++)
        risk[i] = unweight(res[i], m->prior_w);
    if (contrib) {
        if (XGDMatrixCreateFromMat(x, (bst_ulong)n, TG_FEAT__COUNT, NAN, &d) != 0) {
            rc = tg_model__xgb_fail("XGDMatrixCreateFromMat");
            goto out_unlock;
        }
        /* 4|8: approximate (Saabas, path-based) contributions - exact TreeSHAP
         * costs about 2 ms per order with a few hundred trees. */
        if (XGBoosterPredict(m->h, d, 4 | 8, 0, 0, &len, &res) != 0 ||
            len != n * (TG_FEAT__COUNT + 1)) {
            rc = tg_model__xgb_fail("XGBoosterPredict(contribs)");
            goto out_free;
        }
        memcpy(contrib, res, len * sizeof(float));
    }
out_free:
    XGDMatrixFree(d);
out_unlock:
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/*
 * Predict rows of x; contrib (may be NULL) gets n * (TG_FEAT__COUNT + 1)
 * approximate contributions. Caller holds no lock.
 */
static int predict(tg_model *m, const float *x, size_t n, double *risk, float *contrib)
{
    if (m->forest) {
        for (size_t i = 0; i < n; i++) {
            const float *row = x + i * TG_FEAT__COUNT;
            risk[i] =
                unweight(tg_model__sigmoid(tg_model__forest_margin(m->forest, row)), m->prior_w);
            if (contrib)
                tg_model__forest_contribs(m->forest, row, contrib + i * (TG_FEAT__COUNT + 1));
        }
        return TG_OK;
    }
    return predict_xgb(m, x, n, risk, contrib);
}

int tg_model_predict(tg_model *m, const float *x, size_t n, double *risk)
{
    if (n == 0)
        return TG_OK;
    return predict(m, x, n, risk, NULL);
}

void tg_model_tiers_from_config(const tg_config *cfg, tg_model_tiers *t)
{
    t->email_offer_at = cfg->tier_email_offer;
    t->sms_at = cfg->tier_sms;
}

const char *tg_model_tier(const tg_model_tiers *tiers, double risk)
{
    double e = tiers ? tiers->email_offer_at : 0.8, s = tiers ? tiers->sms_at : 0.6;
    if (risk >= e)
        return "email_offer";
    if (risk >= s)
        return "sms_reminder";
    return "none";
}

/* Names of the (up to 3) largest positive contributions, ';'-separated. */
static void reasons_of(const float *c, char *out, size_t outn)
{
    int top[TG_MODEL_NREASONS];
    int k = 0;
    bool used[TG_FEAT__COUNT] = {false};
    for (; k < TG_MODEL_NREASONS; k++) {
        int best = -1;
        for (int j = 0; j < TG_FEAT__COUNT; j++)
            if (!used[j] && c[j] > 0 && (best < 0 || c[j] > c[best]))
                best = j;
        if (best < 0)
            break;
        used[best] = true;
        top[k] = best;
    }
    size_t pos = 0;
    out[0] = 0;
    for (int i = 0; i < k; i++) {
        int w =
            snprintf(out + pos, outn - pos, "%s%s", i ? ";" : "", tg_model_feature_name(top[i]));
        if (w < 0 || (size_t)w >= outn - pos)
            break;
        pos += (size_t)w;
    }
}

static void fill_score(tg_model_score *s, double risk, const float *contrib,
                       const tg_model_tiers *tiers)
{
    s->risk = risk;
    s->tier = tg_model_tier(tiers, risk);
    s->reasons[0] = 0;
    if (contrib)
        reasons_of(contrib, s->reasons, sizeof s->reasons);
}

int tg_model_score_orders(tg_model *m, const tg_model_ctx *c, const tg_order *orders, size_t n,
                          const tg_model_tiers *tiers, bool with_reasons, tg_model_score *out)
{
    size_t chunk = n < SCORE_CHUNK ? n : SCORE_CHUNK;
    float *x = NULL, *contrib = NULL;
    double *risk = NULL;
    int rc = TG_OK;
    if (n == 0)
        return TG_OK;
    if (m->forest) {
        /* row by row on the stack: nothing to batch, nothing to allocate */
        float row[TG_FEAT__COUNT], contribs[TG_FEAT__COUNT + 1] = {0};
        for (size_t i = 0; i < n; i++) {
            double r;
            tg_model_features(c, &orders[i], row);
            predict(m, row, 1, &r, with_reasons ? contribs : NULL);
            fill_score(&out[i], r, with_reasons ? contribs : NULL, tiers);
        }
        return TG_OK;
    }
    x = tg_malloc(chunk * TG_FEAT__COUNT * sizeof *x);
    risk = tg_malloc(chunk * sizeof *risk);
    if (with_reasons)
        contrib = tg_malloc(chunk * (TG_FEAT__COUNT + 1) * sizeof *contrib);
    if (!x || !risk || (with_reasons && !contrib)) {
        rc = TG_ENOMEM;
        goto out;
    }
    for (size_t base = 0; base < n; base += chunk) {
        size_t k = n - base < chunk ? n - base : chunk;
        for (size_t i = 0; i < k; i++)
            tg_model_features(c, &orders[base + i], x + i * TG_FEAT__COUNT);
        if ((rc = predict(m, x, k, risk, contrib)))
            goto out;
        for (size_t i = 0; i < k; i++)
            fill_score(&out[base + i], risk[i], contrib ? contrib + i * (TG_FEAT__COUNT + 1) : NULL,
                       tiers);
    }
out:
    tg_free(x);
    tg_free(risk);
    tg_free(contrib);
    return rc;
}

int tg_model_score_order(tg_model *m, const tg_model_ctx *c, const tg_order *o,
                         const tg_model_tiers *tiers, tg_model_score *out)
{
    return tg_model_score_orders(m, c, o, 1, tiers, true, out);
}
