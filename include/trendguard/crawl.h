/*
 * crawl.h - the crawl engine: `trendguard crawl`.
 *
 * One libuv loop drives curl's multi-socket API; pages are parsed on libuv's
 * thread pool; one writer commits results to the LMDB store in batches. The
 * frontier (what to fetch next, and when) lives in the store, so a crawler
 * killed at any moment resumes where its last commit left it: an item is
 * marked done in the same write transaction that stores what its fetch
 * produced. docs/internals/crawler.md walks through the pieces.
 *
 * Ownership: tg_crawl_run() borrows cfg and opts for its whole run; nothing
 * it returns needs freeing.
 */
#ifndef TRENDGUARD_CRAWL_H
#define TRENDGUARD_CRAWL_H

#include "trendguard/config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Error classes of failed fetches. Each has its own retry budget; the class
 * is what TG_DB_FETCHLOG records and what progress and status report.
 */
#define TG_ERRCLASS_MAP(XX)                                                                        \
    XX(NETWORK, "network")   /* connect/reset/short body/bad framing */                            \
    XX(TIMEOUT, "timeout")   /* connect, total or low-speed (stall) */                             \
    XX(HTTP5XX, "5xx")       /* server errors (retried, may cost quota) */                         \
    XX(RATELIMIT, "429")     /* 429 (and 503 with Retry-After): not a failure */                   \
    XX(HTTP4XX, "4xx")       /* permanent client errors */                                         \
    XX(AUTH, "auth")         /* 401/403 from an API after one refresh */                           \
    XX(PARSE, "parse")       /* the body was not what the source expects */                        \
    XX(BLOCKED, "blocked")   /* a block page ("Something went wrong") */                           \
    XX(TOOBIG, "toobig")     /* header or decompressed body over its cap */                        \
    XX(REDIRECT, "redirect") /* too many redirects / loop */                                       \
    XX(SCOPE, "scope")       /* redirect off-scope or to a non-http URL */                         \
    XX(ROBOTS, "robots")     /* disallowed by robots.txt */                                        \
    XX(QUOTA, "quota")       /* daily API budget spent */

typedef enum tg_errclass {
    TG_EC_NONE = 0,
#define TG__EC_ENUM(name, str) TG_EC_##name,
    TG_ERRCLASS_MAP(TG__EC_ENUM)
#undef TG__EC_ENUM
        TG_EC__COUNT
} tg_errclass;

/* "network", "timeout", ...; "none" for TG_EC_NONE. Never NULL. */
const char *tg_crawl_errclass_name(tg_errclass c);

typedef struct tg_crawl_opts {
    bool once;                     /* one round: every due job, paging to its end, then exit */
    double duration_s;             /* stop after this long (0 = unbounded) */
    int metrics_port;              /* Prometheus text on 127.0.0.1:P; 0 = off unless a port file
                                    * is given (then any free port) */
    const char *metrics_port_file; /* write the bound metrics port here (tests) */
    bool progress;                 /* a live progress line on stderr (a TTY) */
    const char *only; /* run only this source ("tiktok", "ebay", "site", ...) or NULL */
    bool fleet;       /* a fleet worker: shared state in [fleet] redis, results to its
                       * stream, no store opened (docs/FLEET.md) */
} tg_crawl_opts;

/* Counters of one run (also what --metrics-port serves). */
typedef struct tg_crawl_stats {
    uint64_t fetched;      /* responses received */
    uint64_t stored;       /* results committed (items done or advanced) */
    uint64_t pages_stored; /* pages whose records were committed */
    uint64_t records;      /* records written (videos, snapshots, listings, ...) */
    uint64_t retries;
    uint64_t errors[TG_EC__COUNT];
    uint64_t bytes;
    uint64_t commits;
} tg_crawl_stats;

/*
 * Run the crawler over cfg until the round ends (opts->once), the duration
 * passes, or SIGINT/SIGTERM (tg_cli_stop) asks it to stop; SIGHUP
 * (tg_cli_reload) reloads the config file. In-flight items go back to the
 * frontier untouched (their lease simply ends). stats may be NULL.
 * Returns TG_OK or a TG_E* code (store, config, loop failures; never
 * because a page was bad).
 */
int tg_crawl_run(const tg_config *cfg, const tg_crawl_opts *opts, tg_crawl_stats *stats);

/*
 * `crawl status`: per source the last success, backlog (items due now and
 * queued), budget left today and recent errors, read from the store.
 * json: one JSON document; otherwise CSV with a header.
 */
int tg_crawl_status(const tg_config *cfg, FILE *out, bool json);

#endif
