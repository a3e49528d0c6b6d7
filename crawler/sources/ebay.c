/*
 * eBay: the Browse API (active listings) and the sold-listings web pages.
 *
 * Browse jobs: "ebay/PRODUCT/BAND" (BAND "" = every price, else "LO-HI"),
 * state = the next offset. item_summary/search?q=RESALE_QUERY&limit=200&
 * offset=N; a result set is capped at 10,000 items, so a query whose total
 * is larger is split into price bands (each its own recurring job).
 * Listings get the product id of the query that found them and an active
 * price observation at the observation time.
 *
 * Sold jobs: "ebaysold/PRODUCT", state = the page number.
 * /sch/i.html?_nkw=Q&LH_Sold=1&LH_Complete=1&_pgn=N, robots.txt honoured
 * (scraped = true). Sold listings get a sold price observation at their
 * sold date. A block page is error class "blocked", never zero listings.
 */
#include "crawler/crawl_int.h"
#include "crawler/sources/revisit.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/parser.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BROWSE_LIMIT 200
#define BROWSE_CAP 10000
#define SOLD_MAX_PAGES 50

static const struct {
    const char *band;
    double lo, hi;
} bands[] = {{"0-10", 0, 10},     {"10-25", 10, 25},     {"25-50", 25, 50},
             {"50-100", 50, 100}, {"100-250", 100, 250}, {"250-1000", 250, 1000},
             {"1000-", 1000, -1}};

static const tg_track_product *product_of(tg_crawl *c, const char *key, const char *prefix,
                                          char *band, size_t bn)
{
    const tg_catalog *cat = tg_crawl__catalog(c);
    const char *p = key + strlen(prefix);
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (band) {
        snprintf(band, bn, "%s", slash ? slash + 1 : "");
    }
    for (size_t i = 0; i < cat->n; i++)
        if (strlen(cat->p[i].product_id) == n && strncmp(cat->p[i].product_id, p, n) == 0)
            return &cat->p[i];
    return NULL;
}

static bool api_enabled(const tg_config *cfg)
{
    return cfg->ebay_api_base && *cfg->ebay_api_base;
}

static bool web_enabled(const tg_config *cfg)
{
    return cfg->ebay_web_base && *cfg->ebay_web_base;
}

static int seed_products(tg_crawl *c, tg_store_txn *t, const char *prefix, int kind)
{
    const tg_catalog *cat = tg_crawl__catalog(c);
    for (size_t i = 0; i < cat->n; i++) {
        if (!cat->p[i].resale_query[0])
            continue;
        char key[300];
        snprintf(key, sizeof key, "%s%s%s", prefix, cat->p[i].product_id,
                 kind == TG_SRC_EBAY ? "/" : "");
        tg_item it = {key, tg_crawl__now_ms(), (uint8_t)kind, 0, (char *)""};
        bool added;
        int rc = tg_frontier__put_absent(t, &it, &added);
        if (rc)
            return rc;
    }
    return TG_OK;
}

static int api_seed(tg_crawl *c, tg_store_txn *t, int64_t now)
{
    (void)now;
    return seed_products(c, t, "ebay/", TG_SRC_EBAY);
}

static int web_seed(tg_crawl *c, tg_store_txn *t, int64_t now)
{
    (void)now;
    return seed_products(c, t, "ebaysold/", TG_SRC_EBAY_SOLD);
}

static int api_build(tg_crawl *c, tg_job *job)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    char band[32];
    const tg_track_product *p = product_of(c, job->item.key, "ebay/", band, sizeof band);
    if (!p || !p->resale_query[0])
        return TG_BUILD_SKIP;
    const char *tok = tg_crawl__token(c, &tg_src__ebay);
    if (!tok)
        return TG_BUILD_NEED_TOKEN;
    long offset = atol(job->item.state);
    tg_arena a;
    tg_arena__init(&a, 1 << 20);
    int rc = TG_ENOMEM;
    char *q = tg_fetch__urlencode(&a, p->resale_query);
    char *filter = NULL;
    if (band[0]) {
        double lo = 0, hi = -1;
        for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++)
            if (strcmp(bands[i].band, band) == 0) {
                lo = bands[i].lo;
                hi = bands[i].hi;
            }
        char f[128];
        if (hi > 0)
            snprintf(f, sizeof f, "price:[%g..%g],priceCurrency:USD", lo, hi);
        else
            snprintf(f, sizeof f, "price:[%g],priceCurrency:USD", lo);
        filter = tg_fetch__urlencode(&a, f);
        if (!filter)
            goto out;
    }
    if (!q)
        goto out;
    job->req.url =
        tg_malloc(strlen(cfg->ebay_api_base) + strlen(q) + (filter ? strlen(filter) : 0) + 128);
    job->req.auth = tg_malloc(strlen(tok) + 32);
    job->req.headers = curl_slist_append(NULL, "X-EBAY-C-MARKETPLACE-ID: EBAY_US");
    if (!job->req.url || !job->req.auth || !job->req.headers)
        goto out;
    sprintf(job->req.url, "%s/buy/browse/v1/item_summary/search?q=%s&limit=%d&offset=%ld%s%s",
            cfg->ebay_api_base, q, BROWSE_LIMIT, offset, filter ? "&filter=" : "",
            filter ? filter : "");
    sprintf(job->req.auth, "Authorization: Bearer %s", tok);
    rc = TG_BUILD_OK;
out:
    tg_arena__free(&a);
    return rc;
}

static int push_listing(tg_result *r, const tg_parse_listing *pl, tg_source src, const char *pid,
                        int64_t obs_t)
{
    tg_listing l = pl->base;
    l.source = src;
    l.product_id = pid;
    l.listing_id = tg_arena__strdup(&r->a, pl->base.listing_id);
    l.title = tg_arena__strdup(&r->a, pl->base.title ? pl->base.title : "");
    l.url = tg_arena__strdup(&r->a, pl->base.url ? pl->base.url : "");
    l.currency = tg_arena__strdup(&r->a, pl->base.currency ? pl->base.currency : "");
    l.first_seen = obs_t;
    if (!l.listing_id || !*l.listing_id || !l.title || !l.url || !l.currency)
        return l.listing_id && !*l.listing_id ? TG_OK : TG_ENOMEM;
    int rc = TG_VEC_PUSH(r->listings, l);
    if (rc || !pid || isnan(l.price_low))
        return rc;
    tg_price_obs po = {pid, obs_t, src, l.listing_id, l.price_low, l.status};
    if (l.status == TG_LISTING_SOLD && l.sold_at)
        po.t = l.sold_at;
    return TG_VEC_PUSH(r->prices, po);
}

static void api_parse(tg_crawl *c, tg_job *job, const tg_fetch_res *res)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    tg_result *r = job->res;
    double poll = cfg->ebay_poll_every;
    char band[32];
    const tg_track_product *p = product_of(c, job->item.key, "ebay/", band, sizeof band);
    tg_parse_result pr;
    int rc = tg_parse_ebay_browse(res->body.data ? res->body.data : "", res->body.len, &pr);
    if (!p) {
        r->fate = TG_FATE_DONE;
        goto out;
    }
    if (rc != TG_OK || res->status >= 300 || pr.api_err != TG_APIERR_NONE) {
        if (pr.api_err == TG_APIERR_TOKEN_INVALID)
            tg_result__fail(r, TG_EC_AUTH, res->status, poll);
        else if (res->status >= 400)
            tg_result__fail(r, TG_EC_HTTP4XX, res->status, poll);
        else
            tg_result__retry(c, job, TG_EC_PARSE, res->status);
        goto out;
    }
    r->page = true;
    /* the chain's newest listing, when the API says when it was listed */
    int64_t newest = tg_src__state_newest(job->item.state, 1);
    char *pid = tg_arena__strdup(&r->a, p->product_id);
    for (size_t i = 0; i < pr.n_listings && pid; i++) {
        if (push_listing(r, &pr.listings[i], TG_SRC_EBAY, pid, r->obs_t))
            goto oom;
        if (pr.listings[i].created_at > newest)
            newest = pr.listings[i].created_at;
    }
    long offset = atol(job->item.state);
    if (pr.total > BROWSE_CAP && !band[0]) {
        /* split by price band: each band is its own recurring job */
        for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++) {
            tg_new_item ni = {{tg_arena__printf(&r->a, "ebay/%s/%s", p->product_id, bands[i].band),
                               tg_crawl__now_ms(), TG_SRC_EBAY, 0, (char *)""},
                              NULL,
                              NULL,
                              0};
            if (!ni.it.key || TG_VEC_PUSH(r->items, ni))
                goto oom;
        }
        tg_result__next(r, "", tg_crawl__after_ms(poll), true);
        goto out;
    }
    long next = offset + BROWSE_LIMIT;
    long limit = pr.total < BROWSE_CAP ? (long)pr.total : BROWSE_CAP;
    if (pr.n_listings > 0 && next < limit && (pr.next || pr.total > 0)) {
        char st[48];
        snprintf(st, sizeof st, "%ld %lld", next, (long long)newest);
        tg_result__next(r, st, tg_crawl__now_ms(), false);
    } else {
        double f = tg_src__revisit_newest(newest, r->obs_t); /* adaptive revisit */
        tg_result__next(r, "", tg_crawl__after_ms(poll * f), true);
    }
    goto out;
oom:
    r->listings.n = r->prices.n = r->items.n = 0;
    tg_result__retry(c, job, TG_EC_PARSE, res->status);
out:
    tg_parse_result_free(&pr);
}

static int api_token_build(tg_crawl *c, tg_fetch_req *req)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    const char *secret = tg_config_secret(cfg->ebay_client_secret, cfg->ebay_client_secret_env);
    if (!cfg->ebay_client_id || !secret)
        return TG_ECONFIG;
    static const char form[] = "grant_type=client_credentials&scope=https%3A%2F%2Fapi.ebay.com%"
                               "2Foauth%2Fapi_scope";
    req->body = tg_strdup(form);
    req->url = tg_malloc(strlen(cfg->ebay_api_base) + 40);
    req->userpwd = tg_malloc(strlen(cfg->ebay_client_id) + strlen(secret) + 2);
    req->headers = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
    if (!req->body || !req->url || !req->userpwd || !req->headers)
        return TG_ENOMEM;
    req->body_len = strlen(form);
    sprintf(req->url, "%s/identity/v1/oauth2/token", cfg->ebay_api_base);
    sprintf(req->userpwd, "%s:%s", cfg->ebay_client_id, secret);
    req->method = "POST";
    return TG_OK;
}

static int api_token_parse(tg_crawl *c, const tg_fetch_res *res, char **token, int64_t *exp)
{
    (void)c;
    return tg_parse_token(res->body.data ? res->body.data : "", res->body.len, token, exp);
}

/* ---- sold pages ------------------------------------------------------------ */

static int web_build(tg_crawl *c, tg_job *job)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    const tg_track_product *p = product_of(c, job->item.key, "ebaysold/", NULL, 0);
    if (!p || !p->resale_query[0])
        return TG_BUILD_SKIP;
    long page = atol(job->item.state);
    if (page < 1)
        page = 1;
    tg_arena a;
    tg_arena__init(&a, 1 << 20);
    char *q = tg_fetch__urlencode(&a, p->resale_query);
    int rc = TG_ENOMEM;
    if (!q)
        goto out;
    job->req.url = tg_malloc(strlen(cfg->ebay_web_base) + strlen(q) + 96);
    if (!job->req.url)
        goto out;
    sprintf(job->req.url, "%s/sch/i.html?_nkw=%s&LH_Sold=1&LH_Complete=1&_pgn=%ld",
            cfg->ebay_web_base, q, page);
    job->req.follow = true;
    rc = TG_BUILD_OK;
out:
    tg_arena__free(&a);
    return rc;
}

static void web_parse(tg_crawl *c, tg_job *job, const tg_fetch_res *res)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    tg_result *r = job->res;
    double poll = cfg->ebay_poll_every;
    const tg_track_product *p = product_of(c, job->item.key, "ebaysold/", NULL, 0);
    tg_parse_result pr;
    int rc = tg_parse_ebay_html(res->body.data ? res->body.data : "", res->body.len, res->final_url,
                                false, &pr);
    if (!p) {
        r->fate = TG_FATE_DONE;
        goto out;
    }
    if (rc == TG_EBLOCKED || pr.blocked) {
        tg_result__retry(c, job, TG_EC_BLOCKED, res->status);
        goto out;
    }
    if (res->status >= 300) {
        tg_result__fail(r, TG_EC_HTTP4XX, res->status, poll);
        goto out;
    }
    if (rc != TG_OK) {
        tg_result__retry(c, job, rc == TG_ETOOBIG ? TG_EC_TOOBIG : TG_EC_PARSE, res->status);
        goto out;
    }
    r->page = true;
    int64_t newest = tg_src__state_newest(job->item.state, 1); /* the newest sale */
    char *pid = tg_arena__strdup(&r->a, p->product_id);
    for (size_t i = 0; i < pr.n_listings && pid; i++) {
        tg_parse_listing pl = pr.listings[i];
        pl.base.status = TG_LISTING_SOLD;
        if (pl.base.sold_at > newest)
            newest = pl.base.sold_at;
        if (push_listing(r, &pl, TG_SRC_EBAY_SOLD, pid, r->obs_t)) {
            r->listings.n = r->prices.n = 0;
            tg_result__retry(c, job, TG_EC_PARSE, res->status);
            goto out;
        }
    }
    long page = atol(job->item.state);
    if (page < 1)
        page = 1;
    if (pr.next && pr.n_listings > 0 && page < SOLD_MAX_PAGES) {
        char st[48];
        snprintf(st, sizeof st, "%ld %lld", page + 1, (long long)newest);
        tg_result__next(r, st, tg_crawl__now_ms(), false);
    } else {
        /* adaptive revisit: a query that has not sold for weeks is polled less */
        double f = tg_src__revisit_newest(newest, r->obs_t);
        tg_result__next(r, "", tg_crawl__after_ms(poll * f), true);
    }
out:
    tg_parse_result_free(&pr);
}

const tg_source_ops tg_src__ebay = {
    .name = "ebay",
    .prefix = "ebay/",
    .quota_index = 1,
    .scraped = false,
    .enabled = api_enabled,
    .seed = api_seed,
    .build = api_build,
    .parse = api_parse,
    .token_build = api_token_build,
    .token_parse = api_token_parse,
};

const tg_source_ops tg_src__ebaysold = {
    .name = "ebay_sold",
    .prefix = "ebaysold/",
    .quota_index = -1,
    .scraped = true,
    .enabled = web_enabled,
    .seed = web_seed,
    .build = web_build,
    .parse = web_parse,
    .token_build = NULL,
    .token_parse = NULL,
};
