/*
 * ingest.h - load retailer CSVs (products, orders, returns, reviews, zips)
 * into the store.
 *
 * Columns are matched by header name, in any order; extra columns are
 * ignored. A bad row is reported on `report` as "NAME:LINE: reason", skipped
 * and counted under one of the tg_ingest_reason buckets. Rows are parsed and
 * encoded outside LMDB and written in batches (one write transaction per
 * `batch` rows), so a re-run after a crash simply rewrites the same keys:
 * ingest is idempotent. With `strict`, the whole file is validated first and
 * written in ONE transaction only when no row is bad.
 *
 * Customer ids are replaced by HMAC-SHA256(pepper, id) before anything is
 * stored; the raw id is never logged, stored or reported.
 */
#ifndef TRENDGUARD_STORE_INGEST_H
#define TRENDGUARD_STORE_INGEST_H

#include "trendguard/store.h"

#include <stdint.h>
#include <stdio.h>

typedef enum tg_ingest_kind {
    TG_INGEST_PRODUCTS = 0,
    TG_INGEST_ORDERS,
    TG_INGEST_RETURNS,
    TG_INGEST_REVIEWS,
    TG_INGEST_ZIPS,
    TG_INGEST__COUNT
} tg_ingest_kind;

#define TG_INGEST_REASONS(XX)                                                                      \
    XX(csv, "malformed CSV")                                                                       \
    XX(too_long, "record too long")                                                                \
    XX(fields, "wrong number of fields")                                                           \
    XX(missing, "missing required value")                                                          \
    XX(bad_time, "bad time")                                                                       \
    XX(bad_number, "bad number")                                                                   \
    XX(range, "value out of range")                                                                \
    XX(utf8, "invalid UTF-8")                                                                      \
    XX(id_too_long, "id too long")

typedef enum tg_ingest_reason {
#define TG__R_ENUM(id, msg) TG_INGEST_R_##id,
    TG_INGEST_REASONS(TG__R_ENUM)
#undef TG__R_ENUM
        TG_INGEST_R__COUNT
} tg_ingest_reason;

typedef struct tg_ingest_opts {
    const char *name; /* for messages: the file name, "-" for stdin */
    FILE *report;     /* bad-row lines go here (stderr); NULL = quiet */
    int strict;
    long batch; /* rows per write transaction; 0 = 50000 */
    const uint8_t *pepper;
    size_t pepper_len;
    long max_report; /* at most this many bad-row lines (0 = 1000); all are counted */
} tg_ingest_opts;

typedef struct tg_ingest_summary {
    long read, stored, skipped;
    long by_reason[TG_INGEST_R__COUNT];
    long unknown_refs; /* orders whose product, returns whose order is not in the store */
    int header_ok;
    char header_error[256];
} tg_ingest_summary;

/* "products" ... "zips" -> kind; -1 when unknown. */
int tg_store_ingest_kind(const char *name);
const char *tg_store_ingest_reason_id(tg_ingest_reason r);
const char *tg_store_ingest_reason_msg(tg_ingest_reason r);

/*
 * The pepper: the value of the environment variable env_name when set and
 * non-empty; otherwise the store's meta "pepper", created (32 random bytes)
 * on first use with a warning. *out is tg_malloc'ed.
 */
int tg_store_ingest_pepper(tg_store *s, const char *env_name, uint8_t **out, size_t *len);

/* HMAC-SHA256(pepper, id) into out. */
int tg_store_pseudonym(const uint8_t *pepper, size_t plen, const char *id, size_t idlen,
                       uint8_t out[32]);

/*
 * Ingest one CSV stream. Returns TG_OK (even when rows were skipped),
 * TG_EDATA when the header is unusable, when `strict` saw a bad row, or when
 * no row was stored though some were read; TG_EIO on a read error.
 */
int tg_store_ingest(tg_store *s, tg_ingest_kind kind, FILE *in, const tg_ingest_opts *opts,
                    tg_ingest_summary *sum);

#endif
