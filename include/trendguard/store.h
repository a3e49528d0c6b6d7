/*
 * store.h - the TrendGuard trend store (LMDB): the read API for downstream C
 * jobs, and the record types every module shares.
 *
 * One LMDB environment (a directory) holds named databases; docs/STORE.md
 * and store/store_int.h describe the exact on-disk layout. One process
 * writes at a time (the crawler, ingest, or the fleet sink); any number of
 * readers in other processes see consistent snapshots while it writes.
 *
 * Reading:
 *     tg_store *s;
 *     tg_store_open(&s, "demo.lmdb", TG_STORE_RDONLY);
 *     tg_store_read *r;
 *     tg_store_read_begin(s, &r);            // one consistent snapshot
 *     tg_store_iter_hashtag_days(r, "stanleycup", 0, INT64_MAX, cb, ctx);
 *     tg_store_read_end(&r);
 *     tg_store_close(&s);
 *
 * Ownership: strings inside records passed to a callback or filled by a get
 * point into the LMDB map or into the read handle and are valid only until
 * the callback returns / the next call on the same read handle / the end
 * of the read. Copy what you keep. Records you pass to put functions stay
 * yours.
 *
 * Times are int64 seconds since the epoch (UTC); days are days since
 * 1970-01-01. Absent counts are -1; absent doubles are NAN.
 *
 * Processes and threads: open a store ONCE per process and share the handle
 * between threads (LMDB forbids two environments on the same files in one
 * process). Read handles may move between threads (MDB_NOTLS) but one handle
 * is used by one thread at a time. When a write fills the map, the map is
 * grown only once this process has no read handle open (it waits up to 5 s,
 * then the write fails with TG_EMAPFULL): do not hold a read handle across a
 * tg_store_write() in the same process.
 *
 * Errors: TG_OK, TG_ENOTFOUND (no such store / key), TG_EINVAL, TG_ENOMEM,
 * TG_EMAPFULL, TG_ESTORE (an LMDB error, logged with mdb_strerror).
 */
#ifndef TRENDGUARD_STORE_H
#define TRENDGUARD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tg_store tg_store;
typedef struct tg_store_read tg_store_read;

#define TG_STORE_RDONLY 0x1
#define TG_STORE_CREATE 0x2

/* Video sources / listing sources. */
typedef enum tg_source {
    TG_SRC_TIKTOK = 1,
    TG_SRC_EBAY = 2,      /* Browse API, active listings */
    TG_SRC_EBAY_SOLD = 3, /* sold-listings pages */
    TG_SRC_POSHMARK = 4,
    TG_SRC_SITE = 5 /* a user's [site.NAME] */
} tg_source;

typedef struct tg_product {
    const char *product_id;
    const char *name;
    const char *category;
    double price;
    const char *hashtags; /* ';'-separated, no '#' */
    const char *resale_query;
    int64_t launch_date; /* 0 when unknown */
} tg_product;

typedef struct tg_video {
    uint64_t id;
    const char *username;
    const char *description;
    const char *hashtags; /* ';'-separated, lower case, no '#' */
    const char *region;
    int64_t create_time;
    int64_t first_seen;
} tg_video;

typedef struct tg_snapshot {
    uint64_t video_id;
    int64_t t;                              /* observation time */
    int64_t views, likes, comments, shares; /* -1 when absent */
} tg_snapshot;

/* Per hashtag and day: totals over the hashtag's videos as last seen that day. */
typedef struct tg_hashtag_day {
    const char *hashtag;
    int32_t day;
    int64_t videos;     /* distinct videos known by that day */
    int64_t new_videos; /* created that day */
    int64_t authors;    /* distinct authors */
    int64_t views, likes, comments, shares;
    double top_author_share; /* share of views held by the top 3 authors */
    double bot_score;        /* 0..1, NAN when not scored */
} tg_hashtag_day;

typedef struct tg_trend {
    const char *hashtag;
    double bot_score; /* 0..1 */
    bool is_bot;
    int64_t first_seen;
    int64_t updated;
} tg_trend;

typedef enum tg_listing_status { TG_LISTING_ACTIVE = 1, TG_LISTING_SOLD = 2 } tg_listing_status;

typedef struct tg_listing {
    tg_source source;
    const char *listing_id; /* platform id: eBay legacy id, Poshmark 24-hex, ... */
    const char *product_id; /* product whose resale query found it, may be NULL */
    const char *title;
    const char *url;
    const char *currency;
    double price_low, price_high; /* high == low unless a range */
    double original_price;        /* struck-through / original, NAN when absent */
    tg_listing_status status;
    int64_t first_seen;
    int64_t sold_at; /* 0 when not sold / unknown */
} tg_listing;

typedef struct tg_price_obs {
    const char *product_id;
    int64_t t;
    tg_source source;
    const char *listing_id;
    double price;
    tg_listing_status status;
} tg_price_obs;

typedef struct tg_order {
    const char *order_id;
    uint8_t customer[32]; /* HMAC-SHA256 pseudonym, never the raw id */
    const char *product_id;
    int64_t purchase_time;
    double price_paid;
    int age; /* -1 unknown */
    const char *zip;
} tg_order;

typedef struct tg_return {
    const char *order_id;
    int64_t return_time;
    const char *reason; /* "" when empty */
} tg_return;

typedef struct tg_review {
    const char *review_id;
    const char *product_id;
    int64_t review_time;
    int rating; /* 1..5, -1 unknown */
    const char *text;
} tg_review;

typedef struct tg_prediction {
    const char *order_id;
    double risk;
    const char *tier;    /* "email_offer", "sms_reminder", "none" */
    const char *reasons; /* ';'-separated feature names */
    int64_t scored_at;
    const char *model_id;
} tg_prediction;

typedef struct tg_intervention {
    const char *order_id;
    int32_t day;        /* the run's day */
    const char *action; /* "email_offer", "sms_reminder", "control", "optout" */
    double risk;
    bool control;
} tg_intervention;

/* Open (and with TG_STORE_CREATE create) a store directory. */
int tg_store_open(tg_store **out, const char *path, int flags);
/* Like tg_store_open with an explicit map size in MiB (0 = default). */
int tg_store_open_ex(tg_store **out, const char *path, int flags, long map_size_mb);
void tg_store_close(tg_store **s);

/* A read snapshot. Many may be open at once (one per thread). */
int tg_store_read_begin(tg_store *s, tg_store_read **out);
void tg_store_read_end(tg_store_read **r);

/* Callbacks return 0 to continue, non-zero to stop (that value is returned). */
typedef int (*tg_hashtag_day_cb)(const tg_hashtag_day *d, void *ctx);
typedef int (*tg_snapshot_cb)(const tg_snapshot *s, void *ctx);
typedef int (*tg_price_obs_cb)(const tg_price_obs *p, void *ctx);
typedef int (*tg_video_cb)(const tg_video *v, void *ctx);
typedef int (*tg_product_cb)(const tg_product *p, void *ctx);
typedef int (*tg_order_cb)(const tg_order *o, void *ctx);
typedef int (*tg_return_cb)(const tg_return *r, void *ctx);
typedef int (*tg_review_cb)(const tg_review *r, void *ctx);
typedef int (*tg_trend_cb)(const tg_trend *t, void *ctx);
typedef int (*tg_listing_cb)(const tg_listing *l, void *ctx);
typedef int (*tg_prediction_cb)(const tg_prediction *p, void *ctx);
typedef int (*tg_intervention_cb)(const tg_intervention *p, void *ctx);

/* A hashtag's daily series, days in [from_day, to_day], ascending. */
int tg_store_iter_hashtag_days(tg_store_read *r, const char *hashtag, int32_t from_day,
                               int32_t to_day, tg_hashtag_day_cb cb, void *ctx);
/* A video's snapshots in time order. */
int tg_store_iter_snapshots(tg_store_read *r, uint64_t video_id, tg_snapshot_cb cb, void *ctx);
/* A product's price observations with t in [from, to], ascending. */
int tg_store_iter_prices(tg_store_read *r, const char *product_id, int64_t from, int64_t to,
                         tg_price_obs_cb cb, void *ctx);
/* Every record of a kind, in key order. */
int tg_store_iter_products(tg_store_read *r, tg_product_cb cb, void *ctx);
int tg_store_iter_videos(tg_store_read *r, tg_video_cb cb, void *ctx);
int tg_store_iter_trends(tg_store_read *r, tg_trend_cb cb, void *ctx);
int tg_store_iter_listings(tg_store_read *r, tg_listing_cb cb, void *ctx);
int tg_store_iter_orders(tg_store_read *r, tg_order_cb cb, void *ctx);
int tg_store_iter_returns(tg_store_read *r, tg_return_cb cb, void *ctx);
int tg_store_iter_reviews(tg_store_read *r, tg_review_cb cb, void *ctx);
int tg_store_iter_predictions(tg_store_read *r, tg_prediction_cb cb, void *ctx);
int tg_store_iter_interventions(tg_store_read *r, tg_intervention_cb cb, void *ctx);

/* Point lookups: TG_OK, or TG_ENOTFOUND. */
int tg_store_get_product(tg_store_read *r, const char *product_id, tg_product *out);
int tg_store_get_video(tg_store_read *r, uint64_t id, tg_video *out);
int tg_store_get_trend(tg_store_read *r, const char *hashtag, tg_trend *out);
int tg_store_get_order(tg_store_read *r, const char *order_id, tg_order *out);
int tg_store_get_prediction(tg_store_read *r, const char *order_id, tg_prediction *out);
/* Median income of a zip, or TG_ENOTFOUND. */
int tg_store_get_zip_income(tg_store_read *r, const char *zip, double *income);

/* "tiktok", "ebay", "ebay_sold", "poshmark", "site"; "unknown" otherwise. */
const char *tg_store_source_name(tg_source s);
/* The inverse; 0 when the name is unknown. */
tg_source tg_store_source_parse(const char *name);
/* Entries and bytes (pages * page size) of one named database (by name). */
typedef struct tg_store_db_stat {
    const char *name;
    size_t entries;
    size_t bytes;
} tg_store_db_stat;
/*
 * Fill up to n stats (one per named database, in tg_db order); returns how
 * many were filled or a negative TG_E* code.
 */
int tg_store_stats(tg_store_read *r, tg_store_db_stat *out, int n);
/*
 * A consistent, compacted copy of the store into directory dir (created when
 * absent; must not already hold a store). Safe while a writer runs: LMDB
 * copies one read snapshot (mdb_env_copy2 with MDB_CP_COMPACT).
 */
int tg_store_backup(tg_store *s, const char *dir);

#endif
