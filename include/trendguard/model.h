/*
 * model.h - the regret model: point-in-time features, training (XGBoost C
 * API), loading a trained model and scoring orders.
 *
 * Scoring, the way the server and the interventions batch use it:
 *
 *     tg_store_read *r;   tg_store_read_begin(store, &r);
 *     tg_model *m;        tg_model_load_store(&m, r, NULL);      // latest model
 *                         // or tg_model_load_dir(&m, "out/model");
 *     tg_model_ctx *fx;   tg_model_ctx_build(&fx, r, NULL);      // preload once
 *     tg_model_score sc;
 *     tg_model_score_order(m, fx, &order, &tiers, &sc);          // sc.risk, sc.tier, sc.reasons
 *     ...
 *     tg_model_ctx_free(&fx); tg_model_free(&m); tg_store_read_end(&r);
 *
 * Point in time: every feature of an order is computed from data observable
 * strictly before the order's purchase_time (t0): hashtag days up to day(t0)-1,
 * price observations with t <= t0, reviews with review_time < t0, returns with
 * return_time < t0, earlier orders with purchase_time < t0. docs/FEATURES.md
 * lists each feature and its exact window. Missing values are NAN, never 0.
 *
 * Ownership and threads:
 * - tg_model_ctx is a copy of what it needs from the read snapshot (it does
 *   not keep the snapshot): after tg_model_ctx_build() returns, the caller
 *   may end the read. It is immutable, so any number of threads may compute
 *   features and score against one ctx at once. It reflects the store as of
 *   its build; rebuild it to see newer data.
 * - tg_model wraps an XGBoost booster and, read once at load, a copy of its
 *   trees that model/forest.c walks in plain C: the same floats as XGBoost's
 *   own prediction (tests/unit/model/test_forest.c), no lock, no allocation,
 *   a few microseconds per order. tg_model_score_* and tg_model_predict may
 *   be called from any number of threads on one tg_model at once. (A model
 *   forest.c does not reproduce - not one TrendGuard trains - predicts through
 *   XGBoost under a mutex instead; still thread-safe, just serialised.)
 * - tg_model_score is filled by value; `tier` points to a static string.
 */
#ifndef TRENDGUARD_MODEL_H
#define TRENDGUARD_MODEL_H

#include "trendguard/config.h"
#include "trendguard/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The features, in model column order: XX(name, description). The names are
 * those of DIR/features.json, report.json's importance and score reasons.
 */
#define TG_MODEL_FEATURES(XX)                                                                      \
    XX(days_since_peak, "days since the highest smoothed daily view gain so far")                  \
    XX(trend_stage, "lifecycle stage: 0 rising, 1 peak, 2 decline, 3 dead (day before)")           \
    XX(log_views, "log1p of the hashtag's total views the day before")                             \
    XX(view_velocity_7d, "log1p(views d-1) - log1p(views d-8)")                                    \
    XX(like_rate, "likes / views the day before")                                                  \
    XX(gain_vs_peak, "smoothed daily view gain / its peak so far (lifecycle ratio)")               \
    XX(bot_score, "hashtag bot score as stored for the day before")                                \
    XX(top_author_share, "share of views held by the top 3 authors, day before")                   \
    XX(hype_vs_quality, "log1p(views) / mean review rating so far")                                \
    XX(resale_discount, "1 - median resale price (last 14 days, t<=t0) / retail")                  \
    XX(resale_growth, "resale observations last 7 days / previous 7 days")                         \
    XX(sentiment_mean, "mean review sentiment (compound) of reviews before t0")                    \
    XX(rating_mean, "mean review rating before t0")                                                \
    XX(review_count, "number of reviews before t0")                                                \
    XX(age, "customer age")                                                                        \
    XX(price, "price paid")                                                                        \
    XX(price_income, "price paid / zip median income * 1000")                                      \
    XX(category, "category code (stable hash of the name, mod 1024)")                              \
    XX(days_since_launch, "days since the product's launch date")                                  \
    XX(product_return_rate, "product's smoothed past return rate (returns before t0)")             \
    XX(product_regret_rate, "product's smoothed past 'Regret' return rate")                        \
    XX(customer_return_rate, "customer's smoothed past return rate")                               \
    XX(customer_orders, "customer's orders before t0")                                             \
    XX(bracketing, "same customer bought the same product in the 7 days before t0")

typedef enum tg_model_feature {
#define TG__MODEL_FEAT_ENUM(name, desc) TG_FEAT_##name,
    TG_MODEL_FEATURES(TG__MODEL_FEAT_ENUM)
#undef TG__MODEL_FEAT_ENUM
        TG_FEAT__COUNT
} tg_model_feature;

/* Name / description of feature i; "?" out of range. */
const char *tg_model_feature_name(int i);
const char *tg_model_feature_desc(int i);

/* ---- point-in-time feature context ---------------------------------- */

typedef struct tg_model_ctx tg_model_ctx;

typedef struct tg_model_ctx_opts {
    const char *sentiment_lexicon; /* optional VADER-format file, NULL = built-in */
    int bracket_days;              /* 0 = 7 */
} tg_model_ctx_opts;

/*
 * Preload every series the features need from the snapshot r (products,
 * hashtag days, price observations, reviews with their sentiment, orders,
 * returns, zip incomes). opts may be NULL. TG_ENOMEM, store errors.
 */
int tg_model_ctx_build(tg_model_ctx **out, tg_store_read *r, const tg_model_ctx_opts *opts);
void tg_model_ctx_free(tg_model_ctx **c);

/*
 * Features of one order as of o->purchase_time into out[TG_FEAT__COUNT].
 * The order need not be in the store (an unknown product gives NAN product
 * features, an unknown customer zero past orders). Thread-safe.
 */
int tg_model_features(const tg_model_ctx *c, const tg_order *o, float *out);

/* ---- trained model ---------------------------------------------------- */

typedef struct tg_model tg_model;

/* Load DIR/model.json (+ DIR/features.json checked against this build). */
int tg_model_load_dir(tg_model **out, const char *dir);
/*
 * Load a model kept in the store (TG_DB_MODELS) by id, or the latest when
 * model_id is NULL. TG_ENOTFOUND when there is none, TG_EMODEL when XGBoost
 * refuses it.
 */
int tg_model_load_store(tg_model **out, tg_store_read *r, const char *model_id);
void tg_model_free(tg_model **m);
/* The model's id (e.g. "m20260314T102200Z"); owned by the model. */
const char *tg_model_id(const tg_model *m);

typedef struct tg_model_tiers {
    double email_offer_at; /* risk >= this: "email_offer" (default 0.8) */
    double sms_at;         /* risk >= this: "sms_reminder" (default 0.6) */
} tg_model_tiers;

#define TG_MODEL_REASONS_MAX 160
#define TG_MODEL_NREASONS 3

typedef struct tg_model_score {
    double risk;      /* 0..1 */
    const char *tier; /* static: "email_offer", "sms_reminder" or "none" */
    /* ';'-separated names of the (up to 3) features pushing the risk up most
     * (XGBoost's approximate per-feature contributions: the Saabas path
     * attribution, pred_contribs + approx_contribs); "" when not asked for. */
    char reasons[TG_MODEL_REASONS_MAX];
} tg_model_score;

/* Tiers from [interventions] email_offer_at / sms_at. */
void tg_model_tiers_from_config(const tg_config *cfg, tg_model_tiers *t);
/* "email_offer" / "sms_reminder" / "none" for a risk. tiers NULL = defaults. */
const char *tg_model_tier(const tg_model_tiers *tiers, double risk);

/*
 * Score n orders (features as of each one's purchase time) into out[n].
 * with_reasons also computes contributions for the reasons (one more walk
 * of the trees per order). tiers NULL = defaults.
 * Thread-safe (see above). TG_ENOMEM, TG_EMODEL.
 */
int tg_model_score_orders(tg_model *m, const tg_model_ctx *c, const tg_order *orders, size_t n,
                          const tg_model_tiers *tiers, bool with_reasons, tg_model_score *out);
/* One order, with reasons. */
int tg_model_score_order(tg_model *m, const tg_model_ctx *c, const tg_order *o,
                         const tg_model_tiers *tiers, tg_model_score *out);
/* Score a ready feature matrix (n rows x TG_FEAT__COUNT floats): risks only. */
int tg_model_predict(tg_model *m, const float *x, size_t n, double *risk);

/* ---- training --------------------------------------------------------- */

typedef struct tg_model_train_opts {
    const char *out_dir; /* required: model.json, features.json, report.json, report.txt */
    int64_t until;       /* use orders purchased before this (0 = all) */
    int64_t valid_from;  /* validation = purchases from here (0 = last 30% of time) */
    bool keep_in_store;  /* also store the model (TG_DB_MODELS) */
    bool quiet;          /* no progress on stderr */
    /* When set, also write the matrices as raw little-endian float32:
     * PREFIX.train.x / .train.y / .valid.x / .valid.y (row-major,
     * TG_FEAT__COUNT columns, NaN missing) - for benchmarks. */
    const char *dump_prefix;
    /* Label every return within 30 days as positive (a plain return model,
     * for data without "Regret" reasons, e.g. UCI Online Retail). */
    bool label_any_return;
} tg_model_train_opts;

/*
 * Build features and labels for every order of the store, train with a time
 * split and write the outputs. cfg gives [model] (seed, rounds, max_depth,
 * eta, label_empty_reason, sentiment_lexicon). err gets a message.
 */
int tg_model_train(tg_store *s, const tg_config *cfg, const tg_model_train_opts *opts, char *err,
                   size_t errlen);

/* ---- metrics ------------------------------------------------------------ */

/* ROC AUC of score against 0/1 labels (ties averaged); NAN if one class. */
double tg_model_auc(const double *score, const int *y, size_t n);

#endif
