/*
 * store_int.h - internals of the LMDB trend store, and its on-disk format.
 *
 * THE FILE FORMAT (schema_version 1)
 * ==================================
 * A store is a directory holding one LMDB environment (data.mdb, lock.mdb).
 * It holds the named databases below (LMDB "sub-databases", opened by name
 * with mdb_dbi_open; no MDB_DUPSORT, no MDB_INTEGERKEY: every key is compared
 * as bytes, memcmp order).
 *
 * Primitive encodings
 * -------------------
 *   str     in a KEY: the UTF-8 bytes followed by one 0x00 byte. Strings
 *           never contain 0x00, so "ab\0" sorts before "abc\0" and a prefix
 *           scan over "ab\0" never sees "abc".
 *   u8      one byte.
 *   be32t   a signed 32-bit value (a day number) as big-endian uint32 with
 *           the sign bit flipped: stored = (uint32)v ^ 0x80000000. Unsigned
 *           byte order then equals numeric order. Decode: v = stored - 2^31.
 *   be64t   a signed 64-bit time (seconds since the epoch, UTC) likewise:
 *           stored = (uint64)v ^ 2^63, big-endian. Decode: v = stored - 2^63.
 *   be64    an unsigned 64-bit id (TikTok video id), big-endian.
 *
 *   In a VALUE:
 *   uvar    unsigned LEB128 varint (7 bits per byte, low group first, high
 *           bit = more), at most 10 bytes.
 *   svar    a signed int64 zigzag-mapped ((v << 1) ^ (v >> 63)) then uvar;
 *           -1 ("absent") takes one byte.
 *   f64     IEEE-754 binary64, 8 bytes little-endian (NaN = absent).
 *   vstr    uvar byte length n, the n bytes, then one 0x00 byte (not counted
 *           in n; lets readers hand out C strings that point into the map).
 *   blob32  32 raw bytes.
 *
 * Every record VALUE starts with a version byte (currently 0x01). A reader
 * must reject a version it does not know; fields are only ever appended
 * within a version, so readers ignore trailing bytes.
 *
 * Databases (key => value)
 * ------------------------
 *   meta           ASCII name (no 0x00) => raw bytes. "schema_version" =>
 *                  ASCII decimal ("1"); "last_write" => ASCII UTC time
 *                  "2026-03-14T10:22:00Z" of the last committed write;
 *                  "pepper" => 32 random bytes (only when no pepper came from
 *                  the environment). Other modules keep small values here.
 *   products       str product_id => 01 vstr name, vstr category, f64 price,
 *                  vstr hashtags (';'-separated), vstr resale_query,
 *                  svar launch_date (0 unknown)
 *   trends         str hashtag => 01 f64 bot_score, u8 is_bot, svar first_seen,
 *                  svar updated
 *   videos         be64 video_id => 01 vstr username, vstr description,
 *                  vstr hashtags, vstr region, svar create_time,
 *                  svar first_seen
 *   video_tags     str hashtag, be64 video_id => 01 (index; value is just the
 *                  version byte)
 *   snapshots      be64 video_id, be64t t => 01 svar views, svar likes,
 *                  svar comments, svar shares (-1 absent)
 *   hashtag_days   str hashtag, be32t day => 01 svar videos, svar new_videos,
 *                  svar authors, svar views, svar likes, svar comments,
 *                  svar shares, f64 top_author_share, f64 bot_score
 *   listings       u8 source, str listing_id => 01 vstr product_id ("" =
 *                  none), vstr title, vstr url, vstr currency, f64 price_low,
 *                  f64 price_high, f64 original_price, u8 status (1 active,
 *                  2 sold), svar first_seen, svar sold_at
 *   prices         str product_id, be64t t, u8 source, str listing_id =>
 *                  01 f64 price, u8 status
 *   orders         str order_id => 01 blob32 customer (HMAC-SHA256 pseudonym),
 *                  vstr product_id, svar purchase_time, f64 price_paid,
 *                  svar age (-1 unknown), vstr zip
 *   returns        str order_id => 01 svar return_time, vstr reason
 *   reviews        str review_id => 01 vstr product_id, svar review_time,
 *                  svar rating (-1 unknown), vstr text
 *   zips           str zip => 01 f64 median_income
 *   predictions    str order_id => 01 f64 risk, vstr tier, vstr reasons,
 *                  svar scored_at, vstr model_id
 *   interventions  str order_id, be32t day => 01 vstr action, f64 risk,
 *                  u8 control
 *   frontier, frontier_idx, seen, robots, quotas, fetchlog, models:
 *                  owned by the module that writes them (raw API); their
 *                  layout is documented in that module.
 *
 * Source codes (u8): 1 tiktok, 2 ebay, 3 ebay_sold, 4 poshmark, 5 site.
 *
 * Concurrency: one writer at a time (LMDB's writer lock); readers in any
 * process see the snapshot of the last commit when their read began. The
 * environment is opened with MDB_NOTLS so a read handle is not bound to the
 * thread that opened it.
 */
#ifndef TRENDGUARD_STORE_INT_H
#define TRENDGUARD_STORE_INT_H

#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>

#define TG_STORE_SCHEMA_VERSION 1
#define TG_STORE_REC_V1 0x01
/* Upper bound of one encoded key or value we produce (LMDB's key limit is 511). */
#define TG_STORE_MAX_KEY 511
#define TG_STORE_MAX_VALUE (16u << 20)

struct tg_store {
    MDB_env *env;
    MDB_dbi dbi[TG_DB__COUNT];
    unsigned char have[TG_DB__COUNT]; /* 0: the db does not exist (read-only open) */
    int flags;
    size_t map_size;
    char *path;
    atomic_int readers;    /* open read handles of this process (map growth waits) */
    pthread_mutex_t remap; /* read begins vs map resizes (store.c) */
};

struct tg_store_read {
    tg_store *s;
    MDB_txn *txn;
    int owned; /* 1: begun by tg_store_read_begin; 0: view of a write txn */
    /*
     * One cursor per database, opened on first use and kept until the
     * transaction ends, for point gets and (in a write txn) puts: an
     * operation on a key that lies on the leaf page the cursor already holds
     * skips the descent from the root (LMDB checks the current page first),
     * which is what makes key-ordered batches and a get followed by a put
     * of the same key cheap. Scans open cursors of their own.
     */
    MDB_cursor *cur[TG_DB__COUNT];
};

struct tg_store_txn {
    tg_store *s;
    MDB_txn *txn;
    tg_store_read rd; /* its cursors are the write cursors */
    tg_buf kb, vb;    /* scratch for encoding */
    int map_full;     /* a put hit MDB_MAP_FULL */
};

/* The transaction's cursor on db (opened on first use); NULL on error (*rc set). */
MDB_cursor *tg_store__cursor(tg_store_read *r, tg_db db, int *rc);
/* Close the cursors of r (before its transaction ends). */
void tg_store__close_cursors(tg_store_read *r);

/* LMDB error -> TG error, logging mdb_strerror once (the boundary). */
int tg_store__err(int mdb_rc, const char *what);

/* Key builders: append primitives to a buffer (capped by TG_STORE_MAX_KEY). */
int tg_store__key_str(tg_buf *b, const char *s);
int tg_store__key_be32t(tg_buf *b, int32_t v);
int tg_store__key_be64t(tg_buf *b, int64_t v);
int tg_store__key_be64(tg_buf *b, uint64_t v);
uint64_t tg_store__get_be64(const unsigned char *p);
uint32_t tg_store__get_be32(const unsigned char *p);

/* Value writers. */
int tg_store__put_uvar(tg_buf *b, uint64_t v);
int tg_store__put_svar(tg_buf *b, int64_t v);
int tg_store__put_f64(tg_buf *b, double v);
int tg_store__put_vstr(tg_buf *b, const char *s);

/* Value reader: a cursor over bytes; any overrun sets err (sticky). */
typedef struct tg_store__rd {
    const unsigned char *p, *end;
    int err;
} tg_store__rd;
void tg_store__rd_init(tg_store__rd *r, const void *p, size_t n);
uint64_t tg_store__get_uvar(tg_store__rd *r);
int64_t tg_store__get_svar(tg_store__rd *r);
double tg_store__get_f64(tg_store__rd *r);
unsigned tg_store__get_u8(tg_store__rd *r);
const char *tg_store__get_vstr(tg_store__rd *r);
const unsigned char *tg_store__get_bytes(tg_store__rd *r, size_t n);
/* Split a NUL-terminated string off the front of a key; NULL when malformed. */
const char *tg_store__key_take_str(tg_store__rd *r);

/*
 * Record codecs. enc_* build the key into kb and the value into vb (both
 * reset first). dec_* parse a key/value pair into the record, whose strings
 * then point into k or v; they return TG_OK or TG_EDATA (never crash, for
 * any input: the fuzz target tests/fuzz/fuzz_codec.c checks that).
 */
#define TG_STORE__CODECS(XX)                                                                       \
    XX(product, tg_product)                                                                        \
    XX(trend, tg_trend)                                                                            \
    XX(video, tg_video)                                                                            \
    XX(snapshot, tg_snapshot)                                                                      \
    XX(hashtag_day, tg_hashtag_day)                                                                \
    XX(listing, tg_listing)                                                                        \
    XX(price_obs, tg_price_obs)                                                                    \
    XX(order, tg_order)                                                                            \
    XX(return, tg_return)                                                                          \
    XX(review, tg_review)                                                                          \
    XX(prediction, tg_prediction)                                                                  \
    XX(intervention, tg_intervention)

#define TG_STORE__CODEC_DECL(name, type)                                                           \
    int tg_store__enc_##name(tg_buf *kb, tg_buf *vb, const type *rec);                             \
    int tg_store__dec_##name(const void *k, size_t kl, const void *v, size_t vl, type *out);
TG_STORE__CODECS(TG_STORE__CODEC_DECL)
#undef TG_STORE__CODEC_DECL

/*
 * A snapshot's key and value into fixed arrays, without a tg_buf (the hot
 * path of batched writes); returns the value's length.
 */
#define TG_STORE__SNAP_KEY 16
#define TG_STORE__SNAP_VMAX (1 + 4 * 10)
size_t tg_store__snapshot_kv(unsigned char k[TG_STORE__SNAP_KEY],
                             unsigned char v[TG_STORE__SNAP_VMAX], const tg_snapshot *s);

/* zips: key str zip, value 01 f64. */
int tg_store__enc_zip(tg_buf *kb, tg_buf *vb, const char *zip, double income);
int tg_store__dec_zip(const void *k, size_t kl, const void *v, size_t vl, const char **zip,
                      double *income);

#endif
