/*
 * A user's [site.NAME]: start at start_url, follow links whose canonical
 * URL matches `follow` (PCRE2), extract listings with the configured
 * extractor (ebay-listings), stop admitting pages at max_pages. Jobs are
 * one-shot: "site/NAME/CANONICAL-URL" (or "site/NAME/#HASH" for URLs too
 * long for an LMDB key), state = the canonical URL. Dedup is exact on the
 * canonical URL (TG_DB_SEEN), so a page is fetched once however many
 * pages link to it and however often the crawler restarts. Links leaving
 * the crawl's hosts are dropped; robots.txt applies.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "crawler/crawl_int.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/parser.h"
#include "trendguard/url.h"

#include <inttypes.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define KEY_MAX 440

static bool site_enabled(const tg_config *cfg)
{
    return cfg->nsites > 0;
}

static const tg_site_config *site_of(tg_crawl *c, const char *key)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    const char *p = key + strlen("site/");
    for (int i = 0; i < cfg->nsites; i++) {
        size_t n = strlen(cfg->sites[i].name);
        if (strncmp(p, cfg->sites[i].name, n) == 0 && p[n] == '/')
            return &cfg->sites[i];
    }
    return NULL;
}

static char *key_for(tg_arena *a, const char *site, const char *canon)
{
    if (strlen(canon) + strlen(site) + 7 <= KEY_MAX)
        return tg_arena__printf(a, "site/%s/%s", site, canon);
    return tg_arena__printf(a, "site/%s/#%016" PRIx64, site, tg_hash64(canon, strlen(canon)));
}

static int site_seed(tg_crawl *c, tg_store_txn *t, int64_t now)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    int rc = TG_OK;
    for (int i = 0; i < cfg->nsites && !rc; i++) {
        const tg_site_config *s = &cfg->sites[i];
        char *canon = NULL;
        if (!s->start_url || tg_url_canonical(s->start_url, &canon)) {
            tg_warn("crawl", "site.%s: start_url is not an http(s) URL", s->name);
            continue;
        }
        tg_arena a;
        tg_arena__init(&a, 1 << 20);
        char *key = key_for(&a, s->name, canon);
        if (key) {
            tg_new_item ni = {
                {key, tg_crawl__now_ms(), TG_SRC_SITE, 0, canon}, key, s->name, s->max_pages};
            rc = tg_crawl__add_item(t, &ni, now);
        } else {
            rc = TG_ENOMEM;
        }
        tg_arena__free(&a);
        tg_free(canon);
    }
    return rc;
}

static int site_build(tg_crawl *c, tg_job *job)
{
    if (!site_of(c, job->item.key) || !job->item.state[0])
        return TG_BUILD_SKIP;
    job->req.url = tg_strdup(job->item.state);
    if (!job->req.url)
        return TG_ENOMEM;
    job->req.follow = true;
    return TG_BUILD_OK;
}

static bool origin_in_scope(tg_crawl *c, const char *url)
{
    char o[300];
    if (tg_fetch__origin(url, o, sizeof o))
        return false;
    for (const char *const *s = tg_crawl__scope(c); s && *s; s++)
        if (strcmp(*s, o) == 0)
            return true;
    return false;
}

/*
 * The compiled `follow` patterns, shared by the parse threads: compiling
 * one costs as much as matching ~30 links, and every page needs it. A
 * compiled pcre2_code is read-only while matching (each parse has its own
 * match data), so one copy per pattern serves every thread. Keyed by the
 * pattern text (a reloaded config may bring new ones); kept until exit.
 */
#define RE_CACHE 16
static pthread_mutex_t re_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *pattern;
    pcre2_code *re;
} re_cache[RE_CACHE];

static const pcre2_code *follow_re(const char *pattern, pcre2_code **own)
{
    const pcre2_code *re = NULL;
    *own = NULL;
    pthread_mutex_lock(&re_mu);
    int i = 0;
    for (; i < RE_CACHE && re_cache[i].pattern; i++)
        if (strcmp(re_cache[i].pattern, pattern) == 0)
            break;
    if (i < RE_CACHE && re_cache[i].pattern) {
        re = re_cache[i].re;
    } else {
        int err;
        PCRE2_SIZE off;
        pcre2_code *code =
            pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
        char *copy = code && i < RE_CACHE ? tg_strdup(pattern) : NULL;
        if (copy) {
            re_cache[i].pattern = copy;
            re_cache[i].re = code;
        } else {
            *own = code; /* the cache is full (or out of memory): this parse's own copy */
        }
        re = code; /* NULL for a bad regex (config validation reports it) */
    }
    pthread_mutex_unlock(&re_mu);
    return re;
}

static void site_parse(tg_crawl *c, tg_job *job, const tg_fetch_res *res)
{
    tg_result *r = job->res;
    const tg_site_config *s = site_of(c, job->item.key);
    const pcre2_code *re = NULL;
    pcre2_code *own_re = NULL;
    pcre2_match_data *md = NULL;
    tg_parse_result pr;
    int rc = tg_parse(TG_PARSE_EBAY_LISTINGS, res->body.data ? res->body.data : "", res->body.len,
                      res->final_url, &pr);
    if (!s) {
        r->fate = TG_FATE_DONE;
        goto out;
    }
    if (res->status >= 300) {
        tg_result__fail(r, TG_EC_HTTP4XX, res->status, 0);
        goto out;
    }
    if (res->content_type[0] && !strstr(res->content_type, "html") &&
        !strstr(res->content_type, "xml")) {
        tg_result__fail(r, TG_EC_PARSE, res->status, 0); /* not a page: an image, JSON... */
        goto out;
    }
    if (rc == TG_EBLOCKED) {
        tg_result__retry(c, job, TG_EC_BLOCKED, res->status);
        goto out;
    }
    if (rc != TG_OK) {
        tg_result__fail(r, rc == TG_ETOOBIG ? TG_EC_TOOBIG : TG_EC_PARSE, res->status, 0);
        goto out;
    }
    r->page = true;
    r->fate = TG_FATE_DONE;
    for (size_t i = 0; i < pr.n_listings; i++) {
        tg_listing l = pr.listings[i].base;
        l.source = TG_SRC_SITE;
        l.product_id = NULL;
        const char *id = l.listing_id && *l.listing_id ? l.listing_id : l.url;
        if (!id || !*id)
            continue;
        l.listing_id = tg_arena__strdup(&r->a, id);
        l.title = tg_arena__strdup(&r->a, l.title ? l.title : "");
        l.url = tg_arena__strdup(&r->a, l.url ? l.url : "");
        l.currency = tg_arena__strdup(&r->a, l.currency ? l.currency : "");
        l.first_seen = r->obs_t;
        if (!l.listing_id || !l.title || !l.url || !l.currency || TG_VEC_PUSH(r->listings, l))
            goto oom;
    }
    if (s->follow && *s->follow) {
        re = follow_re(s->follow, &own_re);
        if (!re || !(md = pcre2_match_data_create_from_pattern(re, NULL)))
            goto out; /* config validation reports a bad regex; follow nothing */
    }
    for (size_t i = 0; i < pr.n_links; i++) {
        char *canon = NULL;
        if (tg_url_canonical(pr.links[i], &canon))
            continue;
        bool ok = origin_in_scope(c, canon) &&
                  (!re || pcre2_match(re, (PCRE2_SPTR)canon, strlen(canon), 0, 0, md, NULL) >= 0);
        if (ok) {
            char *key = key_for(&r->a, s->name, canon);
            char *st = tg_arena__strdup(&r->a, canon);
            tg_new_item ni = {
                {key, tg_crawl__now_ms(), TG_SRC_SITE, 0, st}, key, s->name, s->max_pages};
            if (!key || !st || TG_VEC_PUSH(r->items, ni)) {
                tg_free(canon);
                goto oom;
            }
        }
        tg_free(canon);
    }
    goto out;
oom:
    r->listings.n = r->items.n = 0;
    tg_result__retry(c, job, TG_EC_PARSE, res->status);
out:
    pcre2_match_data_free(md);
    pcre2_code_free(own_re);
    tg_parse_result_free(&pr);
}

const tg_source_ops tg_src__site = {
    .name = "site",
    .prefix = "site/",
    .quota_index = -1,
    .scraped = true,
    .enabled = site_enabled,
    .seed = site_seed,
    .build = site_build,
    .parse = site_parse,
    .token_build = NULL,
    .token_parse = NULL,
};
