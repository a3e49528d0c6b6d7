/*
 * export.h - tables for researchers out of the store: a hashtag's daily
 * series, its videos, a product's daily resale prices against its retail
 * price, orders (pseudonymous) and predictions; CSV or JSON lines, plus an
 * SVG chart of the price series.
 *
 * CSV follows RFC 4180 with a header row; a text cell that a spreadsheet
 * would run as a formula (starting with = + - @ TAB or CR) is prefixed with
 * a single quote. Numbers are written as numbers; absent values are empty
 * (CSV) or null (JSON). Times are ISO 8601 UTC, days YYYY-MM-DD.
 */
#ifndef TRENDGUARD_STORE_EXPORT_H
#define TRENDGUARD_STORE_EXPORT_H

#include "trendguard/store.h"

#include <stdint.h>
#include <stdio.h>

typedef enum tg_export_kind {
    TG_EXPORT_SERIES = 0,
    TG_EXPORT_VIDEOS,
    TG_EXPORT_PRICES,
    TG_EXPORT_ORDERS,
    TG_EXPORT_PREDICTIONS,
    TG_EXPORT__COUNT
} tg_export_kind;

typedef struct tg_export_opts {
    int jsonl;           /* 0: CSV with a header, 1: JSON lines */
    int64_t from, to;    /* inclusive time bounds (INT64_MIN/MAX for none) */
    const char *hashtag; /* series, videos */
    const char *product; /* prices */
    FILE *out;
} tg_export_opts;

/* "series" ... "predictions" -> kind, -1 when unknown. */
int tg_store_export_kind(const char *name);
/* Write the table; *rows (may be NULL) gets the number of data rows. */
int tg_store_export(tg_store_read *r, tg_export_kind kind, const tg_export_opts *o, long *rows);
/*
 * An accessible SVG line chart (<title>, <desc>, axis labels) of the daily
 * median resale price per source and the retail price, for o->product.
 */
int tg_store_export_prices_svg(tg_store_read *r, const tg_export_opts *o, FILE *svg);

#endif
