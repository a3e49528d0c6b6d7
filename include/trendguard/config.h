/*
 * config.h - the typed, validated configuration (INI, read with libinih).
 *
 * tg_config_load() fills a tg_config from a file. An unknown section or key,
 * a bad value or a missing required key fails with TG_ECONFIG and a message
 * "FILE:LINE: what" in `err` (exit 78). Secrets may be given inline or through
 * an environment variable (`client_secret_env = NAME`); tg_config_secret()
 * resolves them. tg_config_show() prints the effective config with every
 * secret masked. The reference for every key is docs/CONFIG.md.
 *
 * Ownership: every string in tg_config belongs to the config and dies with
 * tg_config_free().
 */
#ifndef TRENDGUARD_CONFIG_H
#define TRENDGUARD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TG_CONFIG_MAX_SITES 16

typedef struct tg_site_config {
    char *name;
    char *start_url;
    char *follow;    /* PCRE2 regex on absolute URLs */
    char *extractor; /* "ebay-listings" */
    long max_pages;
} tg_site_config;

typedef struct tg_config {
    char *path; /* the file this came from */

    /* [store] */
    char *store_path;
    long map_size_mb;

    /* [crawl] */
    char *user_agent;
    long max_connections;
    long max_per_host;
    double rate_per_host; /* requests/s per host (token bucket) */
    double timeout_s;     /* total per transfer */
    double connect_timeout_s;
    long low_speed_bytes; /* below this many bytes/s ... */
    double low_speed_s;   /* ... for this long is a stall */
    long max_body_kb;     /* decompressed */
    long max_header_kb;
    long max_redirects;
    bool clock_source; /* clock = source */
    bool respect_robots;
    double backoff_cap_s;
    long retry_max;
    long write_batch; /* results per LMDB write transaction */

    /* [tiktok] */
    char *tiktok_api_base;
    char *tiktok_client_key;
    char *tiktok_client_secret;
    char *tiktok_client_secret_env;
    char *tiktok_hashtags; /* comma-separated; the catalog's hashtags are added */
    char *tiktok_region;
    double tiktok_poll_every;
    long tiktok_daily_quota;
    long tiktok_quota_reserve;
    long tiktok_window_days;
    long tiktok_lookback_days;

    /* [ebay] */
    char *ebay_api_base;
    char *ebay_web_base;
    char *ebay_client_id;
    char *ebay_client_secret;
    char *ebay_client_secret_env;
    double ebay_poll_every;
    long ebay_daily_quota;
    long ebay_quota_reserve;

    /* [poshmark] */
    char *poshmark_web_base;
    double poshmark_poll_every;

    /* [site.NAME] */
    tg_site_config sites[TG_CONFIG_MAX_SITES];
    int nsites;

    /* [catalog] */
    char *catalog_products;

    /* [privacy] */
    char *pepper_env;

    /* [fleet] */
    char *fleet_redis;
    char *fleet_namespace;
    double fleet_lease_s;
    char *fleet_worker_id;

    /* [model] */
    char *label_empty_reason; /* "trend" (peak+7d .. death) or "none" */
    long model_seed;
    long model_rounds;
    long model_max_depth;
    double model_eta;
    char *sentiment_lexicon; /* optional VADER-format file */

    /* [interventions] */
    double tier_email_offer; /* risk >= this: email + offer */
    double tier_sms;         /* risk >= this: SMS reminder */
    double control_share;
    double window_h;
    double offer_cost;
    double return_cost;
    char *optout_file;

    /* [serve] */
    char *serve_bind;
    long serve_port;
    char *serve_token;
    char *serve_token_env;
} tg_config;

/* Fill cfg with the defaults (no file). TG_OK or TG_ENOMEM (then free it). */
int tg_config_defaults(tg_config *cfg);
/*
 * Load and validate `path` into cfg (defaults first). On failure returns
 * TG_ECONFIG (or TG_EIO / TG_ENOMEM) with "FILE:LINE: message" in err.
 * Relative paths in the file ([store] path, [catalog] products) are resolved
 * against the directory of the config file.
 */
int tg_config_load(tg_config *cfg, const char *path, char *err, size_t errlen);
void tg_config_free(tg_config *cfg);
/*
 * Resolve a secret: the inline value, else the environment variable named by
 * env_name. Returns NULL when neither is set. The result belongs to the
 * config or the environment; do not free it.
 */
const char *tg_config_secret(const char *inline_value, const char *env_name);
/* Print the effective config as INI with secrets masked. */
void tg_config_show(const tg_config *cfg, FILE *out);

/* Print every known key as CSV: section,key,type,default. */
void tg_config_keys(FILE *out);

#endif
