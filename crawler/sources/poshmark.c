/*
 * Poshmark: the site's own vm-rest JSON. Jobs "posh/PRODUCT", state
 * "MAX_ID PAGES" (empty at the start). GET /vm-rest/posts?request=<url-
 * encoded {"query": Q, "count": 48, "max_id": N}>, paged by
 * more.next_max_id until it is absent or <= 0. Listings keep the product
 * of the query; an available item gets an active price observation at the
 * observation time, a sold_out item a sold observation at its
 * status_changed_at (the sold time). The writer keeps a listing's
 * first_seen and never turns a sold listing back to active.
 */
#include "crawler/crawl_int.h"
#include "crawler/sources/revisit.h"
#include "trendguard/error.h"
#include "trendguard/parser.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POSH_MAX_PAGES 50

static bool pm_enabled(const tg_config *cfg)
{
    return cfg->poshmark_web_base && *cfg->poshmark_web_base;
}

static const tg_track_product *product_of(tg_crawl *c, const char *key)
{
    const tg_catalog *cat = tg_crawl__catalog(c);
    const char *p = key + strlen("posh/");
    for (size_t i = 0; i < cat->n; i++)
        if (strcmp(cat->p[i].product_id, p) == 0)
            return &cat->p[i];
    return NULL;
}

static int pm_seed(tg_crawl *c, tg_store_txn *t, int64_t now)
{
    (void)now;
    const tg_catalog *cat = tg_crawl__catalog(c);
    for (size_t i = 0; i < cat->n; i++) {
        if (!cat->p[i].resale_query[0])
            continue;
        char key[300];
        snprintf(key, sizeof key, "posh/%s", cat->p[i].product_id);
        tg_item it = {key, tg_crawl__now_ms(), TG_SRC_POSHMARK, 0, (char *)""};
        bool added;
        int rc = tg_frontier__put_absent(t, &it, &added);
        if (rc)
            return rc;
    }
    return TG_OK;
}

static int pm_build(tg_crawl *c, tg_job *job)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    const tg_track_product *p = product_of(c, job->item.key);
    if (!p || !p->resale_query[0])
        return TG_BUILD_SKIP;
    char max_id[64] = "";
    sscanf(job->item.state, "%63s", max_id);
    json_t *q = json_pack("{s:s,s:i}", "query", p->resale_query, "count", 48);
    if (!q)
        return TG_ENOMEM;
    if (max_id[0])
        json_object_set_new(q, "max_id", json_string(max_id));
    char *js = json_dumps(q, JSON_COMPACT);
    json_decref(q);
    if (!js)
        return TG_ENOMEM;
    tg_arena a;
    tg_arena__init(&a, 1 << 20);
    char *enc = tg_fetch__urlencode(&a, js);
    free(js);
    int rc = TG_ENOMEM;
    if (!enc)
        goto out;
    job->req.url = tg_malloc(strlen(cfg->poshmark_web_base) + strlen(enc) + 40);
    if (!job->req.url)
        goto out;
    sprintf(job->req.url, "%s/vm-rest/posts?request=%s", cfg->poshmark_web_base, enc);
    rc = TG_BUILD_OK;
out:
    tg_arena__free(&a);
    return rc;
}

static void pm_parse(tg_crawl *c, tg_job *job, const tg_fetch_res *res)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    tg_result *r = job->res;
    double poll = cfg->poshmark_poll_every;
    const tg_track_product *p = product_of(c, job->item.key);
    tg_parse_result pr;
    int rc = tg_parse_poshmark(res->body.data ? res->body.data : "", res->body.len, &pr);
    if (!p) {
        r->fate = TG_FATE_DONE;
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
    /* the chain's newest active listing (adaptive revisit) */
    int64_t newest = tg_src__state_newest(job->item.state, 2);
    char *pid = tg_arena__strdup(&r->a, p->product_id);
    for (size_t i = 0; i < pr.n_listings && pid; i++) {
        const tg_parse_listing *pl = &pr.listings[i];
        tg_listing l = pl->base;
        l.source = TG_SRC_POSHMARK;
        l.product_id = pid;
        l.listing_id = tg_arena__strdup(&r->a, pl->base.listing_id);
        l.title = tg_arena__strdup(&r->a, pl->base.title ? pl->base.title : "");
        l.url = tg_arena__strdup(&r->a, pl->base.url ? pl->base.url : "");
        l.currency = tg_arena__strdup(&r->a, pl->base.currency ? pl->base.currency : "");
        l.first_seen = pl->created_at ? pl->created_at : r->obs_t;
        bool sold = pl->inventory_status && strcmp(pl->inventory_status, "sold_out") == 0;
        if (sold) {
            l.status = TG_LISTING_SOLD;
            l.sold_at = pl->status_changed_at ? pl->status_changed_at : r->obs_t;
        }
        if (!l.listing_id || !l.title || !l.url || !l.currency)
            goto oom;
        if (!*l.listing_id)
            continue;
        if (TG_VEC_PUSH(r->listings, l))
            goto oom;
        if (!sold && pl->created_at > newest)
            newest = pl->created_at;
        if (isnan(l.price_low))
            continue;
        tg_price_obs po = {pid,
                           sold ? l.sold_at : r->obs_t,
                           TG_SRC_POSHMARK,
                           l.listing_id,
                           l.price_low,
                           sold ? TG_LISTING_SOLD : TG_LISTING_ACTIVE};
        if (TG_VEC_PUSH(r->prices, po))
            goto oom;
    }
    long pages = 0;
    char cur[64] = "";
    sscanf(job->item.state, "%63s %ld", cur, &pages);
    const char *nm = pr.next_max_id;
    if (nm && *nm && strtod(nm, NULL) > 0 && strlen(nm) < 60 && pr.n_listings > 0 &&
        pages + 1 < POSH_MAX_PAGES && strcmp(nm, cur) != 0) {
        char st[128];
        snprintf(st, sizeof st, "%s %ld %lld", nm, pages + 1, (long long)newest);
        tg_result__next(r, st, tg_crawl__now_ms(), false);
    } else {
        /* adaptive revisit: a query whose listings are all old is polled less */
        double f = tg_src__revisit_newest(newest, r->obs_t);
        tg_result__next(r, "", tg_crawl__after_ms(poll * f), true);
    }
    goto out;
oom:
    r->listings.n = r->prices.n = 0;
    tg_result__retry(c, job, TG_EC_PARSE, res->status);
out:
    tg_parse_result_free(&pr);
}

const tg_source_ops tg_src__poshmark = {
    .name = "poshmark",
    .prefix = "posh/",
    .quota_index = -1,
    .scraped = true, /* the site's own JSON: robots.txt applies */
    .enabled = pm_enabled,
    .seed = pm_seed,
    .build = pm_build,
    .parse = pm_parse,
    .token_build = NULL,
    .token_parse = NULL,
};
