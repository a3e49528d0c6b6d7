/*
 * trends.h - trend lifecycle (model/lifecycle.c) and the bot-trend filter
 * (parser/bots.c). Thresholds and their reasons: docs/LIFECYCLE.md.
 *
 * Lifecycle: a pure, point-in-time function over one hashtag's daily series.
 * The stage of day i uses only values[0..i]: "peak" means the highest value
 * seen so far, never the series' final maximum.
 *
 * Bot filter: scores each hashtag from its hashtag-day aggregates (store)
 * and, where available, per-video snapshots; stores tg_trend {bot_score,
 * is_bot}. Flagged data is kept (marked), never dropped.
 */
#ifndef TRENDGUARD_TRENDS_H
#define TRENDGUARD_TRENDS_H

#include "trendguard/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- lifecycle ------------------------------------------------------- */

typedef enum tg_stage {
    TG_STAGE_NONE = 0, /* no activity yet */
    TG_STAGE_RISING,
    TG_STAGE_PEAK,
    TG_STAGE_DECLINE,
    TG_STAGE_DEAD
} tg_stage;

/* "none", "rising", "peak", "decline", "dead". */
const char *tg_lifecycle_stage_name(tg_stage s);

typedef struct tg_lifecycle_point {
    int32_t day;  /* the series' day */
    double value; /* the activity measure of that day (e.g. daily views) */
    tg_stage stage;
    double peak_value;       /* highest (smoothed) value so far */
    int32_t peak_day;        /* day of that highest point */
    int32_t days_since_peak; /* day - peak_day */
    double velocity7;        /* (mean of last 7 days - mean of the 7 before) / max(peak, 1) */
    double ratio;            /* smoothed value / peak_value (0..1) */
} tg_lifecycle_point;

/*
 * Compute the stage of every day of a series. days must be increasing
 * (gaps count as zero activity); values are the daily activity (>= 0,
 * NAN treated as 0). out has n entries. Pure: no allocation, no I/O.
 * Returns TG_OK or TG_EINVAL (NULL pointers, days not increasing).
 */
int tg_lifecycle_compute(const int32_t *days, const double *values, size_t n,
                         tg_lifecycle_point *out);

/* ---- bot-trend filter ------------------------------------------------- */

/* Per-hashtag evidence the filter scores (also useful as model features). */
typedef struct tg_bot_evidence {
    const char *hashtag;
    int64_t views, likes, comments, shares; /* latest cumulative totals */
    int64_t videos, authors;
    double like_rate;        /* likes / views */
    double comment_rate;     /* comments / likes */
    double share_rate;       /* shares / views */
    double top_author_share; /* max over days */
    double burst;            /* max one-day share of the final views (0..1) */
    double benford_mad;      /* first-digit MAD of per-video views; NAN when n < 30 */
    double seed_bad_share;   /* share of views from videos failing views/likes < 100 */
    double score;            /* 0..1 */
    bool is_bot;
    bool seed_flag; /* the seed's rule: seed_bad_share > 0.5 */
} tg_bot_evidence;

/* Score one hashtag's evidence (fills score and is_bot). Pure. */
void tg_bots_score(tg_bot_evidence *e);
/* Threshold on the score above which a hashtag is flagged. */
#define TG_BOTS_THRESHOLD 0.5

/*
 * Read every hashtag's days (and its videos' latest snapshots) from the
 * store at path, score them, and (unless dry_run) write tg_trend records and
 * each hashtag-day's point-in-time bot_score (from that day's aggregates and
 * the days before it only).
 * *out (tg_malloc'd array, tg_bots_evidence_free) and *n receive the
 * evidence; out may be NULL. Returns TG_OK or a store error.
 */
int tg_bots_run(const char *store_path, bool dry_run, tg_bot_evidence **out, size_t *n);
void tg_bots_evidence_free(tg_bot_evidence **e, size_t n);

/* Precision/recall/F1 of a set of flags against a truth file. */
typedef struct tg_prf {
    double precision, recall, f1;
    long tp, fp, fn, tn;
} tg_prf;

/*
 * Read a "hashtag,is_bot" CSV (header optional; is_bot 0/1/true/false) and
 * compare: filter = e[i].is_bot, seed = e[i].seed_flag. Only hashtags present
 * in both are counted (a hashtag the store never saw has no evidence for
 * either rule). Returns TG_OK, TG_EIO or TG_EDATA (a malformed line).
 */
int tg_bots_evaluate(const char *truth_path, const tg_bot_evidence *e, size_t n, tg_prf *filter,
                     tg_prf *seed);

#endif
