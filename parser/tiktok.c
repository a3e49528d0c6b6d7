/*
 * TikTok adapters (jansson). The Research API video query response is the
 * contract:
 *     {"data": {"videos": [...], "cursor": 100, "search_id": "...",
 *               "has_more": true},
 *      "error": {"code": "ok", "message": "", "log_id": "..."}}
 * Items carry "id" or "video_id" as a bare 64-bit integer; we read it with
 * json_integer_value (long long), never through a double. Counts may be
 * absent (-1). The same extractor also accepts the web item structs of
 * captured feeds (itemList[], stats{playCount...}, challenges[]) so real
 * captures can be replayed; that is a convenience, not the contract.
 */
#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <stdlib.h>
#include <string.h>

static bool id_of(json_t *v, uint64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        if (!*s || strlen(s) > 20)
            return false;
        for (const char *p = s; *p; p++)
            if (*p < '0' || *p > '9')
                return false;
        *out = strtoull(s, &end, 10);
        return *out > 0;
    }
    return false;
}

/* First present of several keys (obj may be NULL). */
static json_t *any(json_t *o, const char *const *keys)
{
    for (; *keys; keys++) {
        json_t *v = json_object_get(o, *keys);
        if (v && !json_is_null(v))
            return v;
    }
    return NULL;
}

static int64_t count_of(json_t *item, json_t *stats, const char *const *keys)
{
    json_t *v = any(item, keys);
    if (!v && stats)
        v = any(stats, keys);
    if (json_is_integer(v))
        return json_integer_value(v) >= 0 ? (int64_t)json_integer_value(v) : -1;
    if (json_is_real(v))
        return json_real_value(v) >= 0 ? (int64_t)json_real_value(v) : -1;
    if (json_is_string(v)) {
        int64_t c;
        const char *s = json_string_value(v);
        if (tg_parse_count(s, strlen(s), &c) == TG_OK)
            return c;
    }
    return -1;
}

typedef struct tagacc {
    tg_parse_arena *a;
    tg_parse_vec v; /* const char * */
    int err;
} tagacc;

static int add_tag(tagacc *t, const char *tag, size_t n)
{
    if (!n)
        return 0;
    char low[256];
    if (n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)((tag[i] >= 'A' && tag[i] <= 'Z') ? tag[i] + 32 : tag[i]);
    if (low[0] == '#') {
        memmove(low, low + 1, n - 1);
        n--;
    }
    low[n] = 0;
    for (size_t i = 0; i < t->v.n; i++)
        if (strcmp(((const char **)t->v.data)[i], low) == 0)
            return 0;
    const char **slot = tg_parse__vec_push(t->a, &t->v);
    char *d = slot ? tg_parse__strndup(t->a, low, n) : NULL;
    if (!d) {
        t->err = TG_ENOMEM;
        return TG_ENOMEM;
    }
    *slot = d;
    return 0;
}

static int tag_cb(const char *tag, size_t n, void *ctx)
{
    return add_tag(ctx, tag, n);
}

static int video_of(tg_parse_arena *a, json_t *it, tg_parse_video *v)
{
    static const char *const K_ID[] = {"id", "video_id", NULL};
    static const char *const K_DESC[] = {"video_description", "desc", "text", "description", NULL};
    static const char *const K_TIME[] = {"create_time", "createTime", NULL};
    static const char *const K_REGION[] = {"region_code", "region", NULL};
    static const char *const K_VIEWS[] = {"view_count", "playCount", "play_count", NULL};
    static const char *const K_LIKES[] = {"like_count", "diggCount", "digg_count", NULL};
    static const char *const K_COMM[] = {"comment_count", "commentCount", NULL};
    static const char *const K_SHARE[] = {"share_count", "shareCount", NULL};

    if (!json_is_object(it) || !id_of(any(it, K_ID), &v->id))
        return TG_EPARSE;
    json_t *stats = json_object_get(it, "stats");
    const char *user = tg_parse__jstr(it, "username");
    if (!user) {
        json_t *au = json_object_get(it, "author");
        user = json_is_string(au) ? json_string_value(au) : tg_parse__jstr(au, "uniqueId");
        if (!user)
            user = tg_parse__jstr(json_object_get(it, "authorMeta"), "name");
    }
    json_t *d = any(it, K_DESC);
    const char *desc = json_is_string(d) ? json_string_value(d) : "";
    json_t *r = any(it, K_REGION);
    v->username = tg_parse__strdup(a, user ? user : "");
    v->description = tg_parse__strdup(a, desc);
    v->region = tg_parse__strdup(a, json_is_string(r) ? json_string_value(r) : "");
    if (!v->username || !v->description || !v->region)
        return TG_ENOMEM;
    v->create_time = count_of(it, NULL, K_TIME);
    if (v->create_time < 0)
        v->create_time = 0;
    v->views = count_of(it, stats, K_VIEWS);
    v->likes = count_of(it, stats, K_LIKES);
    v->comments = count_of(it, stats, K_COMM);
    v->shares = count_of(it, stats, K_SHARE);

    tagacc t = {.a = a, .v = {.elem = sizeof(const char *)}};
    json_t *names = json_object_get(it, "hashtag_names"), *x;
    size_t i;
    if (json_is_array(names)) {
        json_array_foreach(names, i, x) if (json_is_string(x))
            add_tag(&t, json_string_value(x), json_string_length(x));
    } else if (json_is_array(json_object_get(it, "challenges"))) {
        json_array_foreach(json_object_get(it, "challenges"), i, x)
        {
            const char *s = tg_parse__jstr(x, "title");
            if (s)
                add_tag(&t, s, strlen(s));
        }
    } else if (json_is_array(json_object_get(it, "hashtags"))) {
        json_array_foreach(json_object_get(it, "hashtags"), i, x)
        {
            const char *s = json_is_string(x) ? json_string_value(x) : tg_parse__jstr(x, "name");
            if (s)
                add_tag(&t, s, strlen(s));
        }
    }
    if (!t.err && t.v.n == 0)
        tg_parse_hashtags(desc, strlen(desc), tag_cb, &t);
    if (t.err)
        return t.err;
    v->hashtags = t.v.data;
    v->n_hashtags = t.v.n;
    size_t len = 1;
    for (i = 0; i < t.v.n; i++)
        len += strlen(v->hashtags[i]) + 1;
    char *j = tg_parse__alloc(a, len), *p = j;
    if (!j)
        return TG_ENOMEM;
    for (i = 0; i < t.v.n; i++) {
        size_t l = strlen(v->hashtags[i]);
        if (i)
            *p++ = ';';
        memcpy(p, v->hashtags[i], l);
        p += l;
    }
    *p = 0;
    v->hashtags_joined = j;
    return TG_OK;
}

static tg_api_error classify(const char *code, const char *msg)
{
    if (!code || !strcmp(code, "ok") || !*code)
        return TG_APIERR_NONE;
    if (!strcmp(code, "invalid_params")) {
        if (msg && strcasestr(msg, "search") && strcasestr(msg, "id") &&
            (strcasestr(msg, "invalid") || strcasestr(msg, "expired")))
            return TG_APIERR_SEARCH_EXPIRED;
        return TG_APIERR_INVALID_PARAMS;
    }
    if (!strcmp(code, "access_token_invalid") || !strcmp(code, "invalid_token"))
        return TG_APIERR_TOKEN_INVALID;
    if (!strcmp(code, "rate_limit_exceeded"))
        return TG_APIERR_RATE_LIMIT;
    if (!strcmp(code, "internal_error"))
        return TG_APIERR_INTERNAL;
    return TG_APIERR_OTHER;
}

int tg_parse_tiktok_query(const char *buf, size_t len, tg_parse_result *out)
{
    int ret = tg_parse__begin(out, TG_PARSE_TIKTOK_QUERY);
    json_t *root = NULL;
    if (ret)
        return ret;
    out->layout = TG_LAYOUT_JSON;
    root = tg_parse__json_load(buf, len, &ret);
    if (!root)
        goto out;
    tg_parse_arena *a = out->arena;
    json_t *data = json_object_get(root, "data");
    json_t *err = json_object_get(root, "error");
    json_t *list = NULL;
    if (json_is_object(err)) {
        const char *code = tg_parse__jstr(err, "code"), *msg = tg_parse__jstr(err, "message");
        const char *log_id = tg_parse__jstr(err, "log_id");
        out->api_err = classify(code, msg);
        if ((code && !(out->error_code = tg_parse__strdup(a, code))) ||
            (msg && !(out->error_message = tg_parse__strdup(a, msg))) ||
            (log_id && !(out->log_id = tg_parse__strdup(a, log_id)))) {
            ret = TG_ENOMEM;
            goto out;
        }
    }
    if (json_is_object(data)) {
        list = json_object_get(data, "videos");
        out->cursor = tg_parse__jint(data, "cursor", -1);
        out->has_more = json_is_true(json_object_get(data, "has_more"));
        const char *sid = tg_parse__jstr(data, "search_id");
        json_t *sidv = json_object_get(data, "search_id");
        char num[32];
        if (!sid && json_is_integer(sidv)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(sidv));
            sid = num;
        }
        if (sid && !(out->search_id = tg_parse__strdup(a, sid))) {
            ret = TG_ENOMEM;
            goto out;
        }
    } else if (json_is_array(root)) {
        list = root; /* captured arrays of item structs */
    } else if (json_is_object(root)) {
        list = json_object_get(root, "itemList");
        if (!list)
            list = json_object_get(root, "items");
        json_t *hm = json_object_get(root, "hasMore");
        out->has_more = json_is_true(hm);
        out->cursor = tg_parse__jint(root, "cursor", -1);
    }
    if (!list && out->api_err == TG_APIERR_NONE && !json_is_object(data)) {
        ret = TG_EPARSE;
        goto out;
    }
    if (list && !json_is_array(list)) {
        ret = TG_EPARSE;
        goto out;
    }
    tg_parse_vec vv = {.elem = sizeof(tg_parse_video)};
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it)
    {
        tg_parse_video tmp;
        memset(&tmp, 0, sizeof tmp);
        int r = video_of(a, it, &tmp);
        if (r == TG_ENOMEM) {
            ret = r;
            goto out;
        }
        if (r)
            continue; /* an item without an id is not a video we can keep */
        tg_parse_video *slot = tg_parse__vec_push(a, &vv);
        if (!slot) {
            ret = TG_ENOMEM;
            goto out;
        }
        *slot = tmp;
    }
    out->videos = vv.data;
    out->n_videos = vv.n;
    ret = TG_OK;
out:
    json_decref(root);
    return ret;
}
