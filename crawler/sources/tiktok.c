/*
 * TikTok Research API source.
 *
 * Jobs: one per tracked hashtag and creation window of [tiktok] window_days
 * (<= 30, the API's limit), aligned to multiples of window_days since the
 * epoch, covering lookback_days back from the source's today. Key
 * "tiktok/HASHTAG/STARTDAY", state "CURSOR SEARCH_ID" (empty at the start
 * of a chain). The chain position is written with every page, in the same
 * transaction as that page's videos, so a restart resumes mid-chain.
 *
 * Each page stores each video once, a snapshot of its counts at the
 * observation time, and asks the writer to recompute the hashtag-day
 * aggregates of the observed day. "Search id invalid or expired" restarts
 * the window; 500s are retried by the engine with backoff (and cost
 * quota: every request is counted when sent).
 */
#include "crawler/crawl_int.h"
#include "crawler/sources/revisit.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/parser.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS                                                                                     \
    "id,video_description,create_time,region_code,share_count,view_count,like_count,"              \
    "comment_count,hashtag_names,username"

static bool tt_enabled(const tg_config *cfg)
{
    return cfg->tiktok_api_base && *cfg->tiktok_api_base;
}

static int tt_seed(tg_crawl *c, tg_store_txn *t, int64_t src_now)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    const tg_catalog *cat = tg_crawl__catalog(c);
    long wd = cfg->tiktok_window_days;
    int32_t today = tg_day_of(src_now);
    int32_t first = today - (int32_t)cfg->tiktok_lookback_days;
    first -= ((first % wd) + wd) % wd;
    for (size_t h = 0; h < cat->nhashtags; h++) {
        for (int32_t d = first; d <= today; d += (int32_t)wd) {
            char key[200];
            snprintf(key, sizeof key, "tiktok/%s/%d", cat->hashtags[h], (int)d);
            tg_item it = {key, tg_crawl__now_ms(), TG_SRC_TIKTOK, 0, (char *)""};
            bool added;
            int rc = tg_frontier__put_absent(t, &it, &added);
            if (rc)
                return rc;
        }
    }
    return TG_OK;
}

/* key "tiktok/HASHTAG/DAY" -> hashtag (into buf) and start day */
static int split_key(const char *key, char *tag, size_t n, int32_t *start)
{
    const char *p = key + strlen("tiktok/");
    const char *slash = strrchr(p, '/');
    if (!slash || (size_t)(slash - p) >= n || slash == p)
        return TG_EDATA;
    memcpy(tag, p, (size_t)(slash - p));
    tag[slash - p] = 0;
    *start = (int32_t)strtol(slash + 1, NULL, 10);
    return TG_OK;
}

static void ymd(int32_t day, char out[9])
{
    char b[16];
    tg_date_format((int64_t)day * 86400, b, sizeof b);
    snprintf(out, 9, "%.4s%.2s%.2s", b, b + 5, b + 8);
}

static int tt_build(tg_crawl *c, tg_job *job)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    const char *tok = tg_crawl__token(c, &tg_src__tiktok);
    if (!tok)
        return TG_BUILD_NEED_TOKEN;
    char tag[128];
    int32_t start;
    if (split_key(job->item.key, tag, sizeof tag, &start))
        return TG_BUILD_SKIP;
    int32_t today = tg_day_of(tg_crawl__src_now(c));
    int32_t end = start + (int32_t)cfg->tiktok_window_days - 1;
    if (end > today)
        end = today;
    if (end < start)
        return TG_BUILD_SKIP;
    long long cursor = 0;
    char sid[128] = "";
    sscanf(job->item.state, "%lld %127s", &cursor, sid);
    char sd[9], ed[9];
    ymd(start, sd);
    ymd(end, ed);

    int rc = TG_ENOMEM;
    json_t *q = json_pack("{s:{s:[{s:s,s:s,s:[s]}]},s:s,s:s,s:i,s:I}", "query", "and", "operation",
                          "IN", "field_name", "hashtag_name", "field_values", tag, "start_date", sd,
                          "end_date", ed, "max_count", 100, "cursor", (json_int_t)cursor);
    if (!q)
        return TG_ENOMEM;
    if (sid[0])
        json_object_set_new(q, "search_id", json_string(sid));
    if (cfg->tiktok_region && *cfg->tiktok_region) {
        json_t *and = json_object_get(json_object_get(q, "query"), "and");
        json_array_append_new(and, json_pack("{s:s,s:s,s:[s]}", "operation", "IN", "field_name",
                                             "region_code", "field_values", cfg->tiktok_region));
    }
    char *body = json_dumps(q, JSON_COMPACT);
    json_decref(q);
    if (!body)
        return TG_ENOMEM;
    tg_fetch_req *r = &job->req;
    r->body = tg_strdup(body);
    free(body);
    size_t ul = strlen(cfg->tiktok_api_base) + 64 + sizeof FIELDS;
    r->url = tg_malloc(ul);
    r->auth = tg_malloc(strlen(tok) + 32);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (!r->body || !r->url || !r->auth || !h) {
        curl_slist_free_all(h);
        goto out;
    }
    r->headers = h;
    r->body_len = strlen(r->body);
    snprintf(r->url, ul, "%s/v2/research/video/query/?fields=" FIELDS, cfg->tiktok_api_base);
    sprintf(r->auth, "Authorization: Bearer %s", tok);
    r->method = "POST";
    r->follow = false; /* an API does not redirect us; a 3xx is an error */
    rc = TG_BUILD_OK;
out:
    return rc;
}

static bool tracked(tg_crawl *c, const char *tag)
{
    const tg_catalog *cat = tg_crawl__catalog(c);
    for (size_t i = 0; i < cat->nhashtags; i++)
        if (strcmp(cat->hashtags[i], tag) == 0)
            return true;
    return false;
}

static int add_tagday(tg_result *r, const char *tag)
{
    int32_t day = tg_day_of(r->obs_t);
    for (size_t i = 0; i < r->tagdays.n; i++)
        if (r->tagdays.v[i].day == day && strcmp(r->tagdays.v[i].hashtag, tag) == 0)
            return TG_OK;
    tg_tagday td = {tg_arena__strdup(&r->a, tag), day};
    if (!td.hashtag)
        return TG_ENOMEM;
    return TG_VEC_PUSH(r->tagdays, td);
}

static void tt_parse(tg_crawl *c, tg_job *job, const tg_fetch_res *res)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    tg_result *r = job->res;
    tg_parse_result pr;
    char tag[128];
    int32_t start;
    double poll = cfg->tiktok_poll_every;
    if (split_key(job->item.key, tag, sizeof tag, &start)) {
        r->fate = TG_FATE_DONE;
        return;
    }
    int rc = tg_parse_tiktok_query(res->body.data ? res->body.data : "", res->body.len, &pr);
    if (rc != TG_OK) {
        if (res->status >= 400)
            tg_result__fail(r, TG_EC_HTTP4XX, res->status, poll);
        else
            tg_result__retry(c, job, TG_EC_PARSE, res->status);
        goto out;
    }
    switch (pr.api_err) {
    case TG_APIERR_NONE:
        break;
    case TG_APIERR_SEARCH_EXPIRED:
        /* restart this window from its first page */
        tg_result__next(r, "", tg_crawl__now_ms(), false);
        r->ec = TG_EC_HTTP4XX;
        r->status = res->status;
        goto out;
    case TG_APIERR_INTERNAL:
        tg_result__retry(c, job, TG_EC_HTTP5XX, res->status);
        goto out;
    case TG_APIERR_RATE_LIMIT:
        tg_result__retry(c, job, TG_EC_RATELIMIT, res->status);
        goto out;
    case TG_APIERR_TOKEN_INVALID:
        tg_result__retry(c, job, TG_EC_AUTH, res->status);
        goto out;
    default:
        tg_result__fail(r, res->status >= 400 ? TG_EC_HTTP4XX : TG_EC_PARSE, res->status, poll);
        goto out;
    }
    if (res->status >= 300) {
        tg_result__fail(r, TG_EC_HTTP4XX, res->status, poll);
        goto out;
    }
    r->page = true;
    for (size_t i = 0; i < pr.n_videos; i++) {
        const tg_parse_video *pv = &pr.videos[i];
        if (!pv->id)
            continue;
        tg_video v = {
            .id = pv->id,
            .username = tg_arena__strdup(&r->a, pv->username),
            .description = tg_arena__strdup(&r->a, pv->description),
            .hashtags = tg_arena__strdup(&r->a, pv->hashtags_joined ? pv->hashtags_joined : ""),
            .region = tg_arena__strdup(&r->a, pv->region),
            .create_time = pv->create_time,
            .first_seen = r->obs_t,
        };
        tg_snapshot s = {pv->id, r->obs_t, pv->views, pv->likes, pv->comments, pv->shares};
        if (!v.username || !v.description || !v.hashtags || !v.region ||
            TG_VEC_PUSH(r->videos, v) || TG_VEC_PUSH(r->snaps, s))
            goto oom;
    }
    /* the observed day of every tracked hashtag these videos carry: a video
     * found through one hashtag counts in the others' aggregates too, so
     * the final aggregates do not depend on the order pages arrived in */
    if (add_tagday(r, tag))
        goto oom;
    for (size_t i = 0; i < pr.n_videos; i++)
        for (size_t k = 0; k < pr.videos[i].n_hashtags; k++)
            if (tracked(c, pr.videos[i].hashtags[k]) && add_tagday(r, pr.videos[i].hashtags[k]))
                goto oom;
    int32_t today = tg_day_of(tg_crawl__src_now(c));
    if (pr.has_more && pr.n_videos > 0 && pr.cursor > 0 && pr.search_id && *pr.search_id &&
        strlen(pr.search_id) < 120) {
        char st[160];
        snprintf(st, sizeof st, "%lld %s", (long long)pr.cursor, pr.search_id);
        tg_result__next(r, st, tg_crawl__now_ms(), false);
    } else if (start + cfg->tiktok_window_days - 1 < today - cfg->tiktok_lookback_days) {
        r->fate = TG_FATE_DONE; /* the window slid out of the lookback */
        r->round_done = true;
    } else {
        /* adaptive revisit: young videos change fast, old ones hardly at all */
        double f = tg_src__revisit_factor(today - (start + (int32_t)cfg->tiktok_window_days - 1));
        tg_result__next(r, "", tg_crawl__after_ms(poll * f), true);
    }
    goto out;
oom:
    r->videos.n = r->snaps.n = r->tagdays.n = 0;
    tg_result__retry(c, job, TG_EC_PARSE, res->status);
out:
    tg_parse_result_free(&pr);
}

static int tt_token_build(tg_crawl *c, tg_fetch_req *req)
{
    const tg_config *cfg = tg_crawl__cfg(c);
    const char *secret = tg_config_secret(cfg->tiktok_client_secret, cfg->tiktok_client_secret_env);
    if (!cfg->tiktok_client_key || !secret)
        return TG_ECONFIG;
    tg_arena a;
    tg_arena__init(&a, 1 << 20);
    char *k = tg_fetch__urlencode(&a, cfg->tiktok_client_key);
    char *s = tg_fetch__urlencode(&a, secret);
    int rc = TG_ENOMEM;
    if (!k || !s)
        goto out;
    size_t n = strlen(k) + strlen(s) + 80;
    req->body = tg_malloc(n);
    req->url = tg_malloc(strlen(cfg->tiktok_api_base) + 32);
    req->headers = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
    if (!req->body || !req->url || !req->headers)
        goto out;
    snprintf(req->body, n, "client_key=%s&client_secret=%s&grant_type=client_credentials", k, s);
    req->body_len = strlen(req->body);
    sprintf(req->url, "%s/v2/oauth/token/", cfg->tiktok_api_base);
    req->method = "POST";
    rc = TG_OK;
out:
    tg_arena__free(&a);
    return rc;
}

static int tt_token_parse(tg_crawl *c, const tg_fetch_res *res, char **token, int64_t *exp)
{
    (void)c;
    return tg_parse_token(res->body.data ? res->body.data : "", res->body.len, token, exp);
}

const tg_source_ops tg_src__tiktok = {
    .name = "tiktok",
    .prefix = "tiktok/",
    .quota_index = 0,
    .scraped = false,
    .enabled = tt_enabled,
    .seed = tt_seed,
    .build = tt_build,
    .parse = tt_parse,
    .token_build = tt_token_build,
    .token_parse = tt_token_parse,
};
