/*
 * sim.h - the simulated world and its mock TikTok / eBay / Poshmark servers.
 *
 * No machine here reaches the real sources, so TrendGuard ships a
 * deterministic world (docs/SIM.md describes the generative model) and an
 * embedded HTTP server (libmicrohttpd, 127.0.0.1 only) that serves it in the
 * real APIs' shapes with a virtual clock.
 *
 * Generating:
 *     tg_sim_params p;
 *     tg_sim_params_default(&p);
 *     p.seed = 7;
 *     tg_sim_world_generate(&p, "world/");   // CSVs, truth/, world.json
 *
 * Serving (in-process):
 *     tg_sim_world *w;
 *     tg_sim_world_load("world/", &w);       // regenerates from world.json
 *     tg_sim_server_opts o;
 *     tg_sim_server_opts_default(&o);
 *     o.speed = 86400;                        // one virtual day per second
 *     tg_sim_server *s;
 *     tg_sim_server_start(&o, w, &s);
 *     ... tg_sim_server_port(s) ...
 *     tg_sim_server_stop(&s);                 // before freeing the world
 *     tg_sim_world_free(&w);
 *
 * Determinism: the same parameters always give byte-identical files and the
 * same served data (videos, listings) for the same virtual instant.
 */
#ifndef TRENDGUARD_SIM_H
#define TRENDGUARD_SIM_H

#include <stdbool.h>
#include <stdint.h>

/* What defines a world. Everything else is derived from these. */
typedef struct tg_sim_params {
    uint64_t seed;
    int products;  /* default 60, 1..5000 */
    int days;      /* default 150, 7..3650 */
    long orders;   /* default 60000, 0..10,000,000 */
    int64_t start; /* first day, UTC midnight seconds; default 2026-01-01 */
} tg_sim_params;

void tg_sim_params_default(tg_sim_params *p);
/* TG_EINVAL when a parameter is out of its range. */
int tg_sim_params_check(const tg_sim_params *p);

/* An in-memory world. Read-only once built; safe to share between threads. */
typedef struct tg_sim_world tg_sim_world;

/* Build the world of p in memory. *out is owned by the caller. */
int tg_sim_world_build(const tg_sim_params *p, tg_sim_world **out);
/*
 * Read DIR/world.json (written by tg_sim_world_generate) and rebuild the
 * world. TG_ENOTFOUND without it, TG_EDATA when it is malformed.
 */
int tg_sim_world_load(const char *dir, tg_sim_world **out);
/* Frees *w and sets it to NULL; NULL is fine. */
void tg_sim_world_free(tg_sim_world **w);
const tg_sim_params *tg_sim_world_params(const tg_sim_world *w);

/* Headline numbers of a world (also written to truth/summary.json). */
typedef struct tg_sim_summary {
    long products, hashtags, bot_hashtags, trending_hashtags, videos;
    long ebay_listings, poshmark_listings, orders, customers, returns, reviews;
    long regretted;
    double base_rate;  /* regretted / orders */
    double oracle_auc; /* AUC of p_true against the realised regret */
    double mean_p_true;
} tg_sim_summary;
void tg_sim_world_summary(const tg_sim_world *w, tg_sim_summary *out);

/*
 * Build the world of p and write it under outdir (created if missing):
 * products.csv orders.csv returns.csv reviews.csv zips.csv world.json and
 * truth/{regret.csv,bots.csv,trends.csv,summary.json}. If summary is not
 * NULL it is filled. TG_EIO on write errors (the message is logged).
 */
int tg_sim_world_generate(const tg_sim_params *p, const char *outdir, tg_sim_summary *summary);

/* AUC (Mann-Whitney, ties counted half) of scores against 0/1 labels. */
double tg_sim_auc(const double *score, const unsigned char *label, long n);

/* ------------------------------------------------------------------------ */
/* The server */

typedef struct tg_sim_server tg_sim_server;

typedef struct tg_sim_server_opts {
    int port;             /* 0 = pick a free port */
    double speed;         /* virtual seconds per real second; default 1 */
    double start_day;     /* virtual clock starts at world start + start_day days */
    double fault_rate;    /* 0..1 share of requests that fail (500 / block page) */
    long quota;           /* TikTok query requests per virtual UTC day; 0 = unlimited */
    int threads;          /* libmicrohttpd thread pool size; default 2 */
    const char *log_path; /* JSON-lines request log, or NULL */
    const char *tiktok_key, *tiktok_secret; /* if set, the token endpoint checks them */
    double token_ttl;                       /* token lifetime in REAL seconds; default 7200 */
} tg_sim_server_opts;

void tg_sim_server_opts_default(tg_sim_server_opts *o);
/*
 * Start serving w on 127.0.0.1. The world must outlive the server.
 * TG_EIO when the port cannot be bound, TG_EINVAL for bad options.
 */
int tg_sim_server_start(const tg_sim_server_opts *o, const tg_sim_world *w, tg_sim_server **out);
/* The bound port (useful after port 0). */
int tg_sim_server_port(const tg_sim_server *s);
/* The server's virtual now, seconds since the epoch. */
int64_t tg_sim_server_now(const tg_sim_server *s);
/* Number of responses sent so far. */
unsigned long tg_sim_server_responses(const tg_sim_server *s);
/* Stop, close the log and free; *s becomes NULL. NULL is fine. */
void tg_sim_server_stop(tg_sim_server **s);

#endif
