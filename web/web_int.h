/*
 * web_int.h - internals of `trendguard serve`.
 *
 * Files:
 *   server.c  tg_web_open/close/handle: routing, auth, metrics, libmicrohttpd
 *             glue, the static writer
 *   cache.c   the aggregates every page and the nudges read (one snapshot,
 *             rebuilt when the store's last_write changes)
 *   api.c     the JSON API (/v1/...)
 *   pages.c   the HTML dashboard and its inline SVG charts
 *
 * The cache is immutable once built. Readers take the rwlock shared while
 * they use it; a rebuild happens outside the lock and only the pointer swap
 * takes it exclusively, so a slow rebuild never stalls requests.
 */
#ifndef TRENDGUARD_WEB_INT_H
#define TRENDGUARD_WEB_INT_H

#include "trendguard/interventions.h"
#include "trendguard/model.h"
#include "trendguard/trends.h"
#include "trendguard/web.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Routes, for dispatch and metrics: XX(id, name). */
#define TG_WEB_ROUTES(XX)                                                                          \
    XX(HOME, "page_home")                                                                          \
    XX(P_CATEGORIES, "page_categories")                                                            \
    XX(P_TRENDS, "page_trends")                                                                    \
    XX(P_TREND, "page_trend")                                                                      \
    XX(P_PRICES, "page_prices")                                                                    \
    XX(P_PRICE, "page_price")                                                                      \
    XX(P_INTERVENTIONS, "page_interventions")                                                      \
    XX(P_ALERTS, "page_alerts")                                                                    \
    XX(P_PRODUCTS, "page_products")                                                                \
    XX(P_PRODUCT, "page_product")                                                                  \
    XX(TRENDS, "trends")                                                                           \
    XX(SERIES, "trend_series")                                                                     \
    XX(PRICES, "product_prices")                                                                   \
    XX(NUDGE, "product_nudge")                                                                     \
    XX(SCORE, "score")                                                                             \
    XX(CART, "cart_nudge")                                                                         \
    XX(METRICS, "metrics")                                                                         \
    XX(HEALTHZ, "healthz")                                                                         \
    XX(NOTFOUND, "not_found")

typedef enum tg_web_route {
#define TG__WEB_ROUTE_ENUM(id, name) TG_WEB_R_##id,
    TG_WEB_ROUTES(TG__WEB_ROUTE_ENUM)
#undef TG__WEB_ROUTE_ENUM
        TG_WEB_R__COUNT
} tg_web_route;

/* Status codes we count separately; anything else is "other". */
#define TG_WEB_NSTATUS 9
#define TG_WEB_NBUCKETS 12

typedef struct tg_web_metrics {
    atomic_ulong count[TG_WEB_R__COUNT][TG_WEB_NSTATUS];
    atomic_ulong bucket[TG_WEB_R__COUNT][TG_WEB_NBUCKETS]; /* cumulative at export */
    atomic_ulong sum_us[TG_WEB_R__COUNT];
    atomic_ulong cache_builds;
} tg_web_metrics;

/* ---- cache ----------------------------------------------------------- */

typedef struct tg_web_day_value {
    int32_t day;
    double value;
} tg_web_day_value;

typedef struct tg_web_trend {
    char *hashtag;
    bool is_bot;
    double bot_score; /* NAN when not scored */
    size_t n;         /* days */
    int32_t *days;
    double *values; /* daily view gain */
    tg_stage *stages;
    tg_stage stage;   /* of the last day (NONE without data) */
    int32_t peak_day; /* -1 without data */
    int lasted_days;  /* first active day .. first dead day (or last day) */
    bool ended;       /* reached "dead" */
    int nproducts;
} tg_web_trend;

typedef struct tg_web_product {
    char *id, *name, *category, *hashtags;
    double price;
    long orders, returns6m; /* returns within 180 days of purchase */
    double keep_rate;       /* NAN without orders */
    double risk;            /* mean stored prediction, else return rate; NAN */
    long npred;
    int trend; /* index of its main trend (the hashtag with most data), -1 */
    /* weekly regret risk (predictions, else returns) for alerts */
    double last_week_risk, prev_risk;
    long last_week_n;
    /* daily resale median and count */
    size_t nprice;
    tg_web_day_value *price_median;
    double resale_drop; /* 1 - last median / retail, NAN */
    char *nudge_json;   /* precomputed GET /v1/products/{id}/nudge body */
} tg_web_product;

typedef struct tg_web_category {
    char *name;
    long orders, returns6m, products;
    double risk; /* mean over its orders' risks */
    double risk_sum;
    long risk_n;
} tg_web_category;

typedef struct tg_web_cache {
    char last_write[32];
    int64_t built_at;
    int64_t data_end; /* latest purchase time seen */
    tg_web_product *products;
    size_t nproducts;
    size_t *pidx; /* open-addressing index into products (SIZE_MAX empty) */
    size_t pidx_cap;
    tg_web_trend *trends;
    size_t ntrends;
    tg_web_category *cats;
    size_t ncats;
    long orders, returns6m, predictions, interventions;
    bool have_iv;
    tg_interventions_report iv;
    tg_model_ctx *fx; /* NULL without a model */
    tg_store_db_stat stats[32];
    int nstats;
} tg_web_cache;

struct MHD_Daemon;

struct tg_web {
    const tg_config *cfg;
    tg_store *store;
    pthread_rwlock_t lock;
    pthread_mutex_t build_mu;
    tg_web_cache *cache;
    atomic_llong checked_at_ms; /* last staleness check */
    atomic_bool refresher_on;   /* a background thread keeps the cache fresh */
    atomic_bool refresher_stop;
    pthread_t refresher;
    tg_model *model; /* NULL when no model is in the store; shared by every thread */
    tg_model_tiers tiers;
    struct MHD_Daemon *mhd;
    int port;
    char *token;
    bool need_auth;
    tg_web_metrics m;
};

/* Render context: one request. */
typedef struct tg_web_rctx {
    tg_web *w;
    const tg_web_cache *c;
    const tg_web_req *req;
    tg_web_resp *resp;
    bool static_links; /* write links as flat .html file names */
} tg_web_rctx;

/* cache.c */
int tg_web__cache_build(tg_web *w, tg_web_cache **out);
void tg_web__cache_free(tg_web_cache **c);
/* Take the current cache (shared lock held until release); rebuilds when stale. */
const tg_web_cache *tg_web__cache_acquire(tg_web *w);
/* Rebuild the cache if the store changed (skipped while another rebuild runs). */
void tg_web__cache_refresh(tg_web *w);
void tg_web__cache_release(tg_web *w);
const tg_web_product *tg_web__product(const tg_web_cache *c, const char *id);
const tg_web_trend *tg_web__trend(const tg_web_cache *c, const char *tag);
bool tg_web__trending(tg_stage s);

/* api.c: each fills rc->resp. */
void tg_web__api_trends(tg_web_rctx *rc);
void tg_web__api_series(tg_web_rctx *rc, const char *tag);
void tg_web__api_prices(tg_web_rctx *rc, const char *id);
void tg_web__api_nudge(tg_web_rctx *rc, const char *id);
void tg_web__api_score(tg_web_rctx *rc);
void tg_web__api_cart(tg_web_rctx *rc);
/* {"error": msg} with status. */
void tg_web__json_error(tg_web_resp *resp, int status, const char *msg);
/* Build the nudge body of a product (cache.c uses it at build time). */
char *tg_web__nudge_json(const tg_web_cache *c, const tg_web_product *p);

/* pages.c */
void tg_web__page(tg_web_rctx *rc, tg_web_route route, const char *arg);
void tg_web__html_error(tg_web_rctx *rc, int status, const char *msg);
/* HTML-escape s into b. */
int tg_web__esc(tg_buf *b, const char *s);

/* server.c: parameter helpers. */
const char *tg_web__param(const tg_web_req *req, const char *key);
/* Every parameter is in the allowed list (NULL-terminated); else 400 filled. */
bool tg_web__params_ok(tg_web_rctx *rc, const char *const *allowed, bool json);
bool tg_web__valid_hashtag(const char *s);
bool tg_web__valid_product_id(const char *s);

#endif
