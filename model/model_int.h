/*
 * model_int.h - internals shared by the files of the model module:
 * the sentiment lexicon table, labels, and small helpers of training.
 */
#ifndef TRENDGUARD_MODEL_INT_H
#define TRENDGUARD_MODEL_INT_H

#include "trendguard/model.h"
#include "trendguard/store.h"

#include <stddef.h>
#include <stdint.h>

#define TG_MODEL__DAY 86400
#define TG_MODEL__LABEL_WINDOW (30 * TG_MODEL__DAY)

/* A group of space-separated words sharing one valence (sentiment_lexicon.c). */
typedef struct tg_model__lexgroup {
    double valence;
    const char *words;
} tg_model__lexgroup;

const tg_model__lexgroup *tg_model__lexicon_groups(size_t *n);

/*
 * Labels (labels.c). For every order of the ctx: 1 regret, 0 not, -1 not
 * labelled (purchase + 30 days beyond the data's end). `imputed` counts
 * empty-reason returns labelled regret by the trend rule.
 */
typedef struct tg_model__labels {
    int8_t *y;    /* per ctx order, in ctx order */
    long imputed; /* empty reason -> regret by the trend rule */
    long empty;   /* returns with an empty reason */
    long regret;  /* label 1 */
    long unlabelled;
    int64_t data_end;
} tg_model__labels;

int tg_model__labels_build(const tg_model_ctx *c, bool trend_rule, bool any_return,
                           tg_model__labels *out);
void tg_model__labels_free(tg_model__labels *l);

/* Accessors of the ctx's order table (features.c). */
size_t tg_model__ctx_norders(const tg_model_ctx *c);
const tg_order *tg_model__ctx_order(const tg_model_ctx *c, size_t i);
/* Return of order i: return time (0 none) and reason ("" when empty). */
int64_t tg_model__ctx_return(const tg_model_ctx *c, size_t i, const char **reason);
/* Latest time of any record the ctx holds. */
int64_t tg_model__ctx_data_end(const tg_model_ctx *c);
/*
 * The trend window of the order's product hashtag as estimated from the full
 * crawled series (labels only, never features): peak day + 7 and death day.
 * Returns false when the product has no series.
 */
bool tg_model__ctx_trend_window(const tg_model_ctx *c, size_t i, int64_t *from, int64_t *to);

/* Log XGBGetLastError() with what; returns TG_EMODEL. */
int tg_model__xgb_fail(const char *what);

/*
 * The booster's trees in plain C (forest.c): same floats as XGBoost's CPU
 * predictor, no lock, no allocation per call. Nodes of a tree are stored so
 * that a node's right child is left + 1; left < 0 marks a leaf, whose value
 * is the leaf value (else the split threshold: x < value goes left).
 */
typedef struct tg_model__node {
    float value;
    int32_t left;
    uint16_t feature;
    uint8_t default_left; /* NaN goes left */
} tg_model__node;

typedef struct tg_model__forest {
    tg_model__node *nodes;
    float *mean; /* per node: hessian-weighted mean of its leaves (contributions) */
    size_t nnodes;
    int32_t *roots;
    size_t ntrees;
    float base_margin;
} tg_model__forest;

/*
 * Read the trees from a booster's JSON model (XGBoosterSaveModelToBuffer,
 * format json). TG_EMODEL when the model is one forest.c does not reproduce
 * (the caller keeps using XGBoost), TG_ENOMEM.
 */
int tg_model__forest_load(tg_model__forest **out, const char *json, size_t len);
void tg_model__forest_free(tg_model__forest **f);
/* Margin (log-odds) of one row of TG_FEAT__COUNT floats, NaN = missing. */
float tg_model__forest_margin(const tg_model__forest *f, const float *x);
/* XGBoost's logistic transform of a margin. */
float tg_model__sigmoid(float margin);
/* Approximate (Saabas) contributions of one row: TG_FEAT__COUNT + 1 floats, bias last. */
void tg_model__forest_contribs(const tg_model__forest *f, const float *x, float *contrib);

/* Average precision (area under the precision-recall curve). */
double tg_model__pr_auc(const double *score, const int *y, size_t n);

/* Logistic regression baseline (baseline.c): standardised, NAN -> mean, L2. */
int tg_model__logreg_auc(const float *xtr, const float *ytr, size_t ntr, const float *xva,
                         const float *yva, size_t nva, int nf, double *auc);

#endif
