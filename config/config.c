/*
 * INI configuration: one table describes every key (section, name, type,
 * where it lives in tg_config, default). Loading, validation, defaults and
 * `config show` all walk the same table, so they cannot disagree.
 */
#include "trendguard/config.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum ktype { K_STR, K_SECRET, K_LONG, K_DOUBLE, K_DUR, K_BOOL, K_CLOCK };

struct key {
    const char *section;
    const char *name;
    enum ktype type;
    size_t off;
    const char *def; /* default as text, NULL for none */
    double min, max; /* numeric bounds */
};

#define O(f) offsetof(tg_config, f)
static const struct key keys[] = {
    {"store", "path", K_STR, O(store_path), "trendguard.lmdb", 0, 0},
    {"store", "map_size_mb", K_LONG, O(map_size_mb), "1024", 1, 1 << 22},

    {"crawl", "user_agent", K_STR, O(user_agent),
     "TrendGuard/0.1 (+https://example.invalid/trendguard)", 0, 0},
    {"crawl", "max_connections", K_LONG, O(max_connections), "64", 1, 4096},
    {"crawl", "max_per_host", K_LONG, O(max_per_host), "8", 1, 1024},
    {"crawl", "rate_per_host", K_DOUBLE, O(rate_per_host), "10", 0.001, 1e6},
    {"crawl", "timeout_s", K_DUR, O(timeout_s), "30s", 0.1, 86400},
    {"crawl", "connect_timeout_s", K_DUR, O(connect_timeout_s), "10s", 0.1, 3600},
    {"crawl", "low_speed_bytes", K_LONG, O(low_speed_bytes), "100", 0, 1 << 30},
    {"crawl", "low_speed_s", K_DUR, O(low_speed_s), "15s", 1, 3600},
    {"crawl", "max_body_kb", K_LONG, O(max_body_kb), "8192", 1, 1 << 22},
    {"crawl", "max_header_kb", K_LONG, O(max_header_kb), "64", 1, 1 << 16},
    {"crawl", "max_redirects", K_LONG, O(max_redirects), "5", 0, 50},
    {"crawl", "clock", K_CLOCK, O(clock_source), "system", 0, 0},
    {"crawl", "respect_robots", K_BOOL, O(respect_robots), "true", 0, 0},
    {"crawl", "backoff_cap_s", K_DUR, O(backoff_cap_s), "1h", 0, 7 * 86400},
    {"crawl", "retry_max", K_LONG, O(retry_max), "5", 0, 100},
    {"crawl", "write_batch", K_LONG, O(write_batch), "256", 1, 1 << 20},

    {"tiktok", "api_base", K_STR, O(tiktok_api_base), NULL, 0, 0},
    {"tiktok", "client_key", K_STR, O(tiktok_client_key), NULL, 0, 0},
    {"tiktok", "client_secret", K_SECRET, O(tiktok_client_secret), NULL, 0, 0},
    {"tiktok", "client_secret_env", K_STR, O(tiktok_client_secret_env), NULL, 0, 0},
    {"tiktok", "hashtags", K_STR, O(tiktok_hashtags), NULL, 0, 0},
    {"tiktok", "region", K_STR, O(tiktok_region), NULL, 0, 0},
    {"tiktok", "poll_every", K_DUR, O(tiktok_poll_every), "1d", 1, 365 * 86400.0},
    {"tiktok", "daily_quota", K_LONG, O(tiktok_daily_quota), "1000", 1, 100000000},
    {"tiktok", "quota_reserve", K_LONG, O(tiktok_quota_reserve), "20", 0, 100000000},
    {"tiktok", "window_days", K_LONG, O(tiktok_window_days), "7", 1, 30},
    {"tiktok", "lookback_days", K_LONG, O(tiktok_lookback_days), "30", 1, 3650},

    {"ebay", "api_base", K_STR, O(ebay_api_base), NULL, 0, 0},
    {"ebay", "web_base", K_STR, O(ebay_web_base), NULL, 0, 0},
    {"ebay", "client_id", K_STR, O(ebay_client_id), NULL, 0, 0},
    {"ebay", "client_secret", K_SECRET, O(ebay_client_secret), NULL, 0, 0},
    {"ebay", "client_secret_env", K_STR, O(ebay_client_secret_env), NULL, 0, 0},
    {"ebay", "poll_every", K_DUR, O(ebay_poll_every), "1d", 1, 365 * 86400.0},
    {"ebay", "daily_quota", K_LONG, O(ebay_daily_quota), "5000", 1, 100000000},
    {"ebay", "quota_reserve", K_LONG, O(ebay_quota_reserve), "50", 0, 100000000},

    {"poshmark", "web_base", K_STR, O(poshmark_web_base), NULL, 0, 0},
    {"poshmark", "poll_every", K_DUR, O(poshmark_poll_every), "1d", 1, 365 * 86400.0},

    {"catalog", "products", K_STR, O(catalog_products), NULL, 0, 0},

    {"privacy", "pepper_env", K_STR, O(pepper_env), "TRENDGUARD_PEPPER", 0, 0},

    {"fleet", "redis", K_STR, O(fleet_redis), NULL, 0, 0},
    {"fleet", "namespace", K_STR, O(fleet_namespace), "tg", 0, 0},
    {"fleet", "lease_s", K_DUR, O(fleet_lease_s), "60s", 1, 86400},
    {"fleet", "worker_id", K_STR, O(fleet_worker_id), NULL, 0, 0},

    {"model", "label_empty_reason", K_STR, O(label_empty_reason), "trend", 0, 0},
    {"model", "seed", K_LONG, O(model_seed), "42", 0, 2147483647.0},
    {"model", "rounds", K_LONG, O(model_rounds), "400", 1, 100000},
    {"model", "max_depth", K_LONG, O(model_max_depth), "5", 1, 20},
    {"model", "eta", K_DOUBLE, O(model_eta), "0.05", 0.0001, 1},
    {"model", "sentiment_lexicon", K_STR, O(sentiment_lexicon), NULL, 0, 0},

    {"interventions", "email_offer_at", K_DOUBLE, O(tier_email_offer), "0.8", 0, 1},
    {"interventions", "sms_at", K_DOUBLE, O(tier_sms), "0.6", 0, 1},
    {"interventions", "control_share", K_DOUBLE, O(control_share), "0.2", 0, 0.9},
    {"interventions", "window_h", K_DOUBLE, O(window_h), "48", 1, 24 * 365},
    {"interventions", "offer_cost", K_DOUBLE, O(offer_cost), "5", 0, 1e9},
    {"interventions", "return_cost", K_DOUBLE, O(return_cost), "15", 0, 1e9},
    {"interventions", "optout_file", K_STR, O(optout_file), NULL, 0, 0},

    {"serve", "bind", K_STR, O(serve_bind), "127.0.0.1", 0, 0},
    {"serve", "port", K_LONG, O(serve_port), "8080", 0, 65535},
    {"serve", "token", K_SECRET, O(serve_token), NULL, 0, 0},
    {"serve", "token_env", K_STR, O(serve_token_env), NULL, 0, 0},
};
#undef O
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct loadctx {
    tg_config *cfg;
    char *err;
    size_t errlen;
    const char *file;
};

static int bool_parse(const char *v, bool *out)
{
    if (tg_streq_ci(v, "true") || tg_streq_ci(v, "yes") || tg_streq_ci(v, "on") ||
        strcmp(v, "1") == 0)
        *out = true;
    else if (tg_streq_ci(v, "false") || tg_streq_ci(v, "no") || tg_streq_ci(v, "off") ||
             strcmp(v, "0") == 0)
        *out = false;
    else
        return -1;
    return 0;
}

/* Set one key from text; returns NULL or a static description of the problem. */
static const char *set_key(tg_config *cfg, const struct key *k, const char *v)
{
    char *base = (char *)cfg;
    switch (k->type) {
    case K_STR:
    case K_SECRET: {
        char **slot = (char **)(base + k->off);
        char *d = tg_strdup(v);
        if (!d)
            return "out of memory";
        tg_free(*slot);
        *slot = d;
        return NULL;
    }
    case K_LONG: {
        char *end;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (end == v || *end || errno)
            return "expected an integer";
        if (x < k->min || x > k->max)
            return "value out of range";
        *(long *)(base + k->off) = x;
        return NULL;
    }
    case K_DOUBLE: {
        char *end;
        double x = strtod(v, &end);
        if (end == v || *end || !isfinite(x))
            return "expected a number";
        if (x < k->min || x > k->max)
            return "value out of range";
        *(double *)(base + k->off) = x;
        return NULL;
    }
    case K_DUR: {
        double x;
        if (tg_duration_parse(v, &x))
            return "expected a duration like 90s, 15m, 6h or 1d";
        if (x < k->min || x > k->max)
            return "duration out of range";
        *(double *)(base + k->off) = x;
        return NULL;
    }
    case K_BOOL:
        if (bool_parse(v, (bool *)(base + k->off)))
            return "expected true or false";
        return NULL;
    case K_CLOCK:
        if (strcmp(v, "system") == 0)
            *(bool *)(base + k->off) = false;
        else if (strcmp(v, "source") == 0)
            *(bool *)(base + k->off) = true;
        else
            return "expected system or source";
        return NULL;
    }
    return "bad key type";
}

static int site_handler(struct loadctx *c, const char *name, const char *key, const char *v)
{
    tg_config *cfg = c->cfg;
    tg_site_config *s = NULL;
    for (int i = 0; i < cfg->nsites; i++)
        if (strcmp(cfg->sites[i].name, name) == 0)
            s = &cfg->sites[i];
    if (!s) {
        if (cfg->nsites == TG_CONFIG_MAX_SITES) {
            snprintf(c->err, c->errlen, "too many [site.*] sections (max %d)", TG_CONFIG_MAX_SITES);
            return 0;
        }
        s = &cfg->sites[cfg->nsites];
        memset(s, 0, sizeof *s);
        s->name = tg_strdup(name);
        if (!s->name) {
            snprintf(c->err, c->errlen, "out of memory");
            return 0;
        }
        s->max_pages = 100000;
        cfg->nsites++;
    }
    if (!key)
        return 1;
    if (strcmp(key, "max_pages") == 0) {
        char *end;
        long x = strtol(v, &end, 10);
        if (end == v || *end || x < 1) {
            snprintf(c->err, c->errlen, "[site.%s] max_pages: expected a positive integer", name);
            return 0;
        }
        s->max_pages = x;
        return 1;
    }
    char **slot = strcmp(key, "start_url") == 0   ? &s->start_url
                  : strcmp(key, "follow") == 0    ? &s->follow
                  : strcmp(key, "extractor") == 0 ? &s->extractor
                                                  : NULL;
    if (!slot) {
        snprintf(c->err, c->errlen, "unknown key '%s' in [site.%s]", key, name);
        return 0;
    }
    if (slot == &s->extractor && strcmp(v, "ebay-listings") != 0) {
        snprintf(c->err, c->errlen,
                 "[site.%s] extractor: unknown extractor '%s' (known: ebay-listings)", name, v);
        return 0;
    }
    tg_free(*slot);
    *slot = tg_strdup(v);
    if (!*slot) {
        snprintf(c->err, c->errlen, "out of memory");
        return 0;
    }
    return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct loadctx *c = user;
    if (strncmp(section, "site.", 5) == 0 && section[5])
        return site_handler(c, section + 5, name, value);
    int known_section = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        if (strcmp(keys[i].section, section) != 0)
            continue;
        known_section = 1;
        if (name && strcmp(keys[i].name, name) == 0) {
            const char *why = set_key(c->cfg, &keys[i], value);
            if (why) {
                snprintf(c->err, c->errlen, "[%s] %s = %s: %s", section, name,
                         keys[i].type == K_SECRET ? "***" : value, why);
                return 0;
            }
            return 1;
        }
    }
    if (!known_section) {
        snprintf(c->err, c->errlen, "unknown section [%s]", section);
        return 0;
    }
    if (!name)
        return 1; /* section start */
    snprintf(c->err, c->errlen, "unknown key '%s' in [%s]", name, section);
    return 0;
}

int tg_config_defaults(tg_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].def && set_key(cfg, &keys[i], keys[i].def))
            return TG_ENOMEM; /* defaults are valid: only allocation can fail */
    return TG_OK;
}

/* Make *slot absolute relative to the config file's directory. */
static int resolve_rel(const char *cfgpath, char **slot)
{
    const char *p = *slot;
    if (!p || p[0] == '/' || strstr(p, "://"))
        return TG_OK;
    const char *slash = strrchr(cfgpath, '/');
    if (!slash)
        return TG_OK;
    size_t dl = (size_t)(slash - cfgpath);
    char *r = tg_malloc(dl + 1 + strlen(p) + 1);
    if (!r)
        return TG_ENOMEM;
    memcpy(r, cfgpath, dl);
    r[dl] = '/';
    strcpy(r + dl + 1, p);
    tg_free(*slot);
    *slot = r;
    return TG_OK;
}

static int is_http_url(const char *u)
{
    return u && (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0);
}

/* libinih calls the handler only for keys, so a section with no keys is
 * never seen by handler(): look at every "[name]" line ourselves. Returns
 * the line of the first unknown section (0: none) and names it in why. */
static int unknown_empty_section(FILE *f, char *why, size_t whylen)
{
    char line[512];
    int n = 0;
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        n++;
        const char *p = line;
        if (n == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
            (unsigned char)p[2] == 0xBF)
            p += 3; /* UTF-8 BOM, as libinih skips it */
        while (*p == ' ' || *p == '\t')
            p++;
        const char *end = *p == '[' ? strchr(p, ']') : NULL;
        if (!end)
            continue;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
        if (strncmp(name, "site.", 5) == 0 && name[5])
            continue;
        bool known = false;
        for (size_t i = 0; i < NKEYS && !known; i++)
            known = strcmp(keys[i].section, name) == 0;
        if (!known) {
            snprintf(why, whylen, "unknown section [%s]", name);
            return n;
        }
    }
    return 0;
}

int tg_config_load(tg_config *cfg, const char *path, char *err, size_t errlen)
{
    int drc = tg_config_defaults(cfg);
    cfg->path = drc ? NULL : tg_strdup(path);
    if (!cfg->path) {
        snprintf(err, errlen, "%s: out of memory", path);
        return TG_ENOMEM;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return TG_ECONFIG;
    }
    char why[512] = "";
    struct loadctx c = {cfg, why, sizeof why, path};
    int line = ini_parse_file(f, handler, &c);
    if (line == 0)
        line = unknown_empty_section(f, why, sizeof why);
    fclose(f);
    if (line != 0) {
        if (line < 0)
            snprintf(err, errlen, "%s: cannot read", path);
        else
            snprintf(err, errlen, "%s:%d: %s", path, line, why[0] ? why : "syntax error");
        return TG_ECONFIG;
    }
    /* Cross-key validation. */
    const char *bad = NULL;
    if (cfg->tier_sms > cfg->tier_email_offer)
        bad = "[interventions] sms_at must not exceed email_offer_at";
    else if (cfg->max_per_host > cfg->max_connections)
        bad = "[crawl] max_per_host must not exceed max_connections";
    else if (cfg->tiktok_api_base && !is_http_url(cfg->tiktok_api_base))
        bad = "[tiktok] api_base must be an http(s) URL";
    else if (cfg->tiktok_api_base && !cfg->tiktok_client_key)
        bad = "[tiktok] client_key is required when api_base is set";
    else if (cfg->ebay_api_base && !is_http_url(cfg->ebay_api_base))
        bad = "[ebay] api_base must be an http(s) URL";
    else if (cfg->ebay_web_base && !is_http_url(cfg->ebay_web_base))
        bad = "[ebay] web_base must be an http(s) URL";
    else if (cfg->ebay_api_base && !cfg->ebay_client_id)
        bad = "[ebay] client_id is required when api_base is set";
    else if (cfg->poshmark_web_base && !is_http_url(cfg->poshmark_web_base))
        bad = "[poshmark] web_base must be an http(s) URL";
    else if (cfg->fleet_redis && strncmp(cfg->fleet_redis, "redis://", 8) != 0)
        bad = "[fleet] redis must look like redis://HOST:PORT/DB";
    else if (strcmp(cfg->label_empty_reason, "trend") != 0 &&
             strcmp(cfg->label_empty_reason, "none") != 0)
        bad = "[model] label_empty_reason must be trend or none";
    for (int i = 0; !bad && i < cfg->nsites; i++) {
        if (!cfg->sites[i].start_url || !is_http_url(cfg->sites[i].start_url))
            bad = "a [site.*] section needs start_url = http(s)://...";
        else if (!cfg->sites[i].extractor)
            bad = "a [site.*] section needs extractor = ebay-listings";
    }
    if (bad) {
        snprintf(err, errlen, "%s: %s", path, bad);
        return TG_ECONFIG;
    }
    if (resolve_rel(path, &cfg->store_path) || resolve_rel(path, &cfg->catalog_products) ||
        resolve_rel(path, &cfg->optout_file) || resolve_rel(path, &cfg->sentiment_lexicon)) {
        snprintf(err, errlen, "%s: out of memory", path);
        return TG_ENOMEM;
    }
    return TG_OK;
}

void tg_config_free(tg_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].type == K_STR || keys[i].type == K_SECRET) {
            char **slot = (char **)((char *)cfg + keys[i].off);
            tg_free(*slot);
            *slot = NULL;
        }
    for (int i = 0; i < cfg->nsites; i++) {
        tg_free(cfg->sites[i].name);
        tg_free(cfg->sites[i].start_url);
        tg_free(cfg->sites[i].follow);
        tg_free(cfg->sites[i].extractor);
    }
    cfg->nsites = 0;
    tg_free(cfg->path);
    cfg->path = NULL;
}

const char *tg_config_secret(const char *inline_value, const char *env_name)
{
    if (inline_value && *inline_value)
        return inline_value;
    if (env_name && *env_name) {
        const char *e = getenv(env_name);
        if (e && *e)
            return e;
    }
    return NULL;
}

void tg_config_show(const tg_config *cfg, FILE *out)
{
    const char *cur = "";
    const char *base = (const char *)cfg;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        if (strcmp(cur, k->section) != 0) {
            fprintf(out, "%s[%s]\n", i ? "\n" : "", k->section);
            cur = k->section;
        }
        switch (k->type) {
        case K_STR: {
            const char *v = *(char *const *)(base + k->off);
            if (v)
                fprintf(out, "%s = %s\n", k->name, v);
            else
                fprintf(out, "; %s is unset\n", k->name);
            break;
        }
        case K_SECRET: {
            const char *v = *(char *const *)(base + k->off);
            fprintf(out, "%s = %s\n", k->name, v ? "***" : "");
            break;
        }
        case K_LONG:
            fprintf(out, "%s = %ld\n", k->name, *(const long *)(base + k->off));
            break;
        case K_DOUBLE:
            fprintf(out, "%s = %g\n", k->name, *(const double *)(base + k->off));
            break;
        case K_DUR:
            fprintf(out, "%s = %gs\n", k->name, *(const double *)(base + k->off));
            break;
        case K_BOOL:
            fprintf(out, "%s = %s\n", k->name, *(const bool *)(base + k->off) ? "true" : "false");
            break;
        case K_CLOCK:
            fprintf(out, "%s = %s\n", k->name,
                    *(const bool *)(base + k->off) ? "source" : "system");
            break;
        }
    }
    for (int i = 0; i < cfg->nsites; i++) {
        const tg_site_config *s = &cfg->sites[i];
        fprintf(out, "\n[site.%s]\nstart_url = %s\n", s->name, s->start_url ? s->start_url : "");
        if (s->follow)
            fprintf(out, "follow = %s\n", s->follow);
        fprintf(out, "extractor = %s\nmax_pages = %ld\n", s->extractor ? s->extractor : "",
                s->max_pages);
    }
}

void tg_config_keys(FILE *out)
{
    static const char *const tname[] = {"string",   "secret", "integer",      "number",
                                        "duration", "bool",   "system|source"};
    fprintf(out, "section,key,type,default\n");
    for (size_t i = 0; i < NKEYS; i++)
        fprintf(out, "%s,%s,%s,%s\n", keys[i].section, keys[i].name, tname[keys[i].type],
                keys[i].def ? keys[i].def : "");
    fprintf(out, "site.NAME,start_url,string,\nsite.NAME,follow,string,\n"
                 "site.NAME,extractor,ebay-listings,\nsite.NAME,max_pages,integer,100000\n");
}
