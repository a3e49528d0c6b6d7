/*
 * sink.h - the fleet sink: `trendguard store sink -c FILE --fleet`.
 *
 * Fleet workers (`trendguard crawl --fleet`) append what each fetch produced
 * to the Redis stream NS:results; the sink is the single LMDB writer that
 * reads it through the consumer group "sink", applies each batch in one
 * write transaction, and only then acknowledges and deletes the entries.
 * The last applied stream id is committed in the same transaction (meta
 * "fleet.sink.last_id"), so a sink killed between its commit and its XACK
 * skips those entries when they are delivered again: every entry is applied
 * once. docs/FLEET.md has the whole story; crawler/sink.c the details.
 *
 * Ownership: tg_sink_run() borrows cfg and opts for its whole run.
 */
#ifndef TRENDGUARD_SINK_H
#define TRENDGUARD_SINK_H

#include "trendguard/config.h"

#include <stdint.h>

typedef struct tg_sink_stats {
    uint64_t entries; /* stream entries read */
    uint64_t applied; /* results applied to the store */
    uint64_t skipped; /* entries at or below fleet.sink.last_id (applied before) */
    uint64_t bad;     /* entries that did not decode (logged, acknowledged, dropped) */
    uint64_t commits; /* LMDB write transactions */
    uint64_t calls;   /* Redis commands sent */
} tg_sink_stats;

typedef struct tg_sink_opts {
    double duration_s; /* stop after this long (0 = until SIGINT/SIGTERM) */
    /* Called after every commit, before the entries are acknowledged (the
     * window a crash test aims at); n counts commits from 1. May be NULL. */
    void (*after_commit)(void *ud, uint64_t n);
    void *ud;
} tg_sink_opts;

/*
 * Run the sink over cfg ([store] path, [fleet]) until the duration passes
 * or tg_cli_stop is set (SIGINT/SIGTERM): the batch in hand is finished
 * first. Redis unreachable: waits with backoff (1 s doubling to 30 s) and
 * continues. Only one sink runs per namespace (the lock NS:sink:lock);
 * a second one waits for it. stats may be NULL.
 * Returns TG_OK, TG_ECONFIG, or a store error (TG_ESTORE, TG_EMAPFULL, ...).
 */
int tg_sink_run(const tg_config *cfg, const tg_sink_opts *opts, tg_sink_stats *stats);

#endif
