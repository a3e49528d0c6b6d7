/*
 * store_write.h - the store's write side (internal to TrendGuard: the
 * crawler, ingest, the sink, the trainer and the scorer write; downstream
 * jobs only read through store.h).
 *
 * All writes happen inside tg_store_write(), which runs `fn` in one LMDB
 * write transaction and commits it. When LMDB reports MDB_MAP_FULL the
 * transaction is aborted, the map is grown and `fn` runs again from the
 * start, so `fn` must only touch the store through `txn` (no side effects it
 * cannot repeat). A non-zero return from `fn` aborts and is returned.
 *
 * Crash safety rests on this: a frontier item is marked done in the same
 * transaction that stores what its fetch produced.
 */
#ifndef TRENDGUARD_STORE_WRITE_H
#define TRENDGUARD_STORE_WRITE_H

#include "trendguard/store.h"

typedef struct tg_store_txn tg_store_txn;

/* The named databases. Layout of each: store/store_int.h, docs/STORE.md. */
typedef enum tg_db {
    TG_DB_META = 0,
    TG_DB_PRODUCTS,
    TG_DB_TRENDS,
    TG_DB_VIDEOS,
    TG_DB_VIDEO_TAGS, /* hashtag -> video ids index */
    TG_DB_SNAPSHOTS,
    TG_DB_HASHTAG_DAYS,
    TG_DB_LISTINGS,
    TG_DB_PRICES,
    TG_DB_FRONTIER,     /* due-time ordered queue (crawler-owned values) */
    TG_DB_FRONTIER_IDX, /* item key -> due time */
    TG_DB_SEEN,         /* dedup: canonical id -> first seen */
    TG_DB_ROBOTS,
    TG_DB_QUOTAS,
    TG_DB_FETCHLOG, /* failed fetches with their error class */
    TG_DB_ORDERS,
    TG_DB_RETURNS,
    TG_DB_REVIEWS,
    TG_DB_ZIPS,
    TG_DB_MODELS,
    TG_DB_PREDICTIONS,
    TG_DB_INTERVENTIONS,
    TG_DB__COUNT
} tg_db;

/* The database's name in LMDB ("videos", "snapshots", ...). */
const char *tg_db_name(tg_db db);

typedef int (*tg_store_write_fn)(tg_store_txn *txn, void *ctx);
int tg_store_write(tg_store *s, tg_store_write_fn fn, void *ctx);
/* A read view of the write transaction (sees its own uncommitted writes). */
tg_store_read *tg_store_txn_reader(tg_store_txn *txn);

/* Typed puts. Re-putting the same key overwrites (idempotent). */
int tg_store_put_product(tg_store_txn *t, const tg_product *p);
/* Stores the video when absent; *is_new (may be NULL) says whether it was. */
int tg_store_put_video(tg_store_txn *t, const tg_video *v, bool *is_new);
/* Snapshots are keyed (video_id, t): a repeated observation overwrites itself. */
int tg_store_put_snapshot(tg_store_txn *t, const tg_snapshot *s);
/*
 * n snapshots at once (n <= TG_STORE_MAX_BATCH): the same result as n calls
 * of tg_store_put_snapshot in that order (a repeated key: the last wins),
 * but sorted and written in key order through one cursor (keys above the
 * last stored one are appended), which saves LMDB most of its tree
 * searches when the input is not already in key order. The array is not
 * modified.
 */
#define TG_STORE_MAX_BATCH ((size_t)1 << 24)
int tg_store_put_snapshots(tg_store_txn *t, const tg_snapshot *s, size_t n);
int tg_store_put_hashtag_day(tg_store_txn *t, const tg_hashtag_day *d);
int tg_store_put_trend(tg_store_txn *t, const tg_trend *tr);
int tg_store_put_listing(tg_store_txn *t, const tg_listing *l);
int tg_store_put_price_obs(tg_store_txn *t, const tg_price_obs *p);
int tg_store_put_order(tg_store_txn *t, const tg_order *o);
int tg_store_put_return(tg_store_txn *t, const tg_return *r);
int tg_store_put_review(tg_store_txn *t, const tg_review *r);
int tg_store_put_zip(tg_store_txn *t, const char *zip, double median_income);
int tg_store_put_prediction(tg_store_txn *t, const tg_prediction *p);
int tg_store_put_intervention(tg_store_txn *t, const tg_intervention *iv);
/* A listing by (source, id), for status transitions. */
int tg_store_get_listing(tg_store_read *r, tg_source src, const char *listing_id, tg_listing *out);

/*
 * Raw access for module-owned databases (frontier, robots, quotas, meta,
 * models): the module owns the value codec. Values from raw_get/raw_iter
 * live until the next update in the transaction or its end.
 */
int tg_store_raw_put(tg_store_txn *t, tg_db db, const void *k, size_t kl, const void *v, size_t vl);
int tg_store_raw_del(tg_store_txn *t, tg_db db, const void *k, size_t kl);
int tg_store_raw_get(tg_store_read *r, tg_db db, const void *k, size_t kl, const void **v,
                     size_t *vl);
typedef int (*tg_raw_cb)(const void *k, size_t kl, const void *v, size_t vl, void *ctx);
/* Entries whose key starts with prefix (plen may be 0), in key order. */
int tg_store_raw_iter(tg_store_read *r, tg_db db, const void *prefix, size_t plen, tg_raw_cb cb,
                      void *ctx);
/* Entries with from <= key < to (either may be NULL for open ends). */
int tg_store_raw_range(tg_store_read *r, tg_db db, const void *from, size_t fl, const void *to,
                       size_t tl, tg_raw_cb cb, void *ctx);

/* Meta: small named values ("schema_version", "pepper", "last_write", tokens). */
int tg_store_meta_put(tg_store_txn *t, const char *key, const void *v, size_t vl);
int tg_store_meta_get(tg_store_read *r, const char *key, const void **v, size_t *vl);

/* The database called name ("videos", ...); -1 when there is none. */
int tg_db_parse(const char *name);

/*
 * Append one stored entry of db as a JSON object (no newline) to out:
 * record databases are decoded to their fields (times as ISO 8601 UTC,
 * pseudonyms as hex, NaN as null); module-owned databases, and entries that
 * do not decode, as {"key_hex": ..., "value_hex": ...}.
 */
struct tg_buf;
int tg_store_entry_json(tg_db db, const void *k, size_t kl, const void *v, size_t vl,
                        struct tg_buf *out);
/* JSON string literal of s (quotes included) appended to out. */
int tg_store_json_str(struct tg_buf *out, const char *s);

#endif
