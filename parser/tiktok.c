/*
 * TikTok adapters. The Research API video query response is the contract:
 *     {"data": {"videos": [...], "cursor": 100, "search_id": "...",
 *               "has_more": true},
 *      "error": {"code": "ok", "message": "", "log_id": "..."}}
 * Items carry "id" or "video_id" as a bare 64-bit integer; it is read from
 * its digits, never through a double. Counts may be absent (-1). The same
 * extractor also accepts the web item structs of captured feeds
 * (itemList[], stats{playCount...}, challenges[]) so real captures can be
 * replayed; that is a convenience, not the contract.
 *
 * One pass with the json_scan tokenizer: the video list is read where it
 * stands; small objects (error, stats, author) are re-read from their
 * spans; everything else is skipped. Which list counts is decided after
 * the whole document validated, with jansson's rule for repeated keys
 * (the last one wins).
 */
#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <stdlib.h>
#include <string.h>

/* Item fields; the K_* ranges below are priority lists ("first present"). */
enum {
    F_ID,
    F_VIDEO_ID,
    F_DESC, /* 4 keys */
    F_TIME = F_DESC + 4,
    F_REGION = F_TIME + 2,
    F_VIEWS = F_REGION + 2, /* F_VIEWS .. F_SHARE + 2 are also the stats keys */
    F_LIKES = F_VIEWS + 3,
    F_COMM = F_LIKES + 3,
    F_SHARE = F_COMM + 2,
    F_STATS = F_SHARE + 2,
    F_USERNAME,
    F_AUTHOR,
    F_AUTHORMETA,
    F_HASHTAG_NAMES,
    F_CHALLENGES,
    F_HASHTAGS,
    F_N
};
static const tg_jkey item_keys[F_N] = {
    TG_JKEY("id"),
    TG_JKEY("video_id"),
    TG_JKEY("video_description"),
    TG_JKEY("desc"),
    TG_JKEY("text"),
    TG_JKEY("description"),
    TG_JKEY("create_time"),
    TG_JKEY("createTime"),
    TG_JKEY("region_code"),
    TG_JKEY("region"),
    TG_JKEY("view_count"),
    TG_JKEY("playCount"),
    TG_JKEY("play_count"),
    TG_JKEY("like_count"),
    TG_JKEY("diggCount"),
    TG_JKEY("digg_count"),
    TG_JKEY("comment_count"),
    TG_JKEY("commentCount"),
    TG_JKEY("share_count"),
    TG_JKEY("shareCount"),
    TG_JKEY("stats"),
    TG_JKEY("username"),
    TG_JKEY("author"),
    TG_JKEY("authorMeta"),
    TG_JKEY("hashtag_names"),
    TG_JKEY("challenges"),
    TG_JKEY("hashtags"),
};
#define STATS_FIRST F_VIEWS
#define STATS_N (F_STATS - F_VIEWS)

/* First present, non-null value of vals[from .. from + n) (NULL if none). */
static const tg_jtok *any(const tg_jtok *vals, size_t from, size_t n)
{
    for (size_t i = from; i < from + n; i++)
        if (vals[i].type != TG_J_NONE && vals[i].type != TG_J_NULL)
            return &vals[i];
    return NULL;
}

static bool id_of(const tg_jtok *v, uint64_t *out)
{
    if (!v)
        return false;
    if (v->type == TG_J_INT) {
        /* a positive integer, digit by digit: ids exceed 2^53 */
        uint64_t x = 0;
        if (v->s[0] == '-')
            return false;
        for (size_t i = 0; i < v->n; i++) {
            unsigned d = (unsigned)(v->s[i] - '0');
            if (x > (UINT64_MAX - d) / 10)
                return false;
            x = x * 10 + d;
        }
        *out = x;
        return x > 0;
    }
    char buf[32];
    char *s = tg_parse__json_text(v, buf, sizeof buf);
    bool ok = s && *s && strlen(s) <= 20;
    for (const char *p = s; ok && *p; p++)
        ok = *p >= '0' && *p <= '9';
    if (ok) {
        *out = strtoull(s, NULL, 10);
        ok = *out > 0;
    }
    if (s != buf)
        tg_free(s);
    return ok;
}

/* A count: -1 when absent, negative, or neither a number nor count text. */
static int64_t count_of(const tg_jtok *v)
{
    double d;
    if (!v)
        return -1;
    if (v->type == TG_J_REAL)
        return tg_parse__json_f64(v, &d) == TG_OK && d >= 0 && d < 9.2e18 ? (int64_t)d : -1;
    if (v->type == TG_J_STRING)
        return tg_parse__json_count(v, -1);
    int64_t c = tg_parse__json_count(v, -1);
    return c >= 0 ? c : -1;
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

/* A string token to add_tag: with its decoded length (jansson's
 * json_string_length) or cut at a \u0000 (strlen), as the fields were read. */
static void add_tag_tok(tagacc *t, const tg_jtok *v, bool full_length)
{
    char buf[256];
    size_t n;
    if (full_length) {
        if (v->type == TG_J_STRING && tg_parse__json_str(v, buf, sizeof buf, &n) == TG_OK)
            add_tag(t, buf, n); /* longer ones add_tag would skip anyway */
        return;
    }
    char *s = tg_parse__json_text(v, buf, sizeof buf);
    if (s)
        add_tag(t, s, strlen(s));
    if (s != buf)
        tg_free(s);
}

static int tags_of(tagacc *t, const tg_jtok *vals, const char *end)
{
    static const char *const member[] = {[F_CHALLENGES] = "title", [F_HASHTAGS] = "name"};
    int which = vals[F_HASHTAG_NAMES].type == TG_J_ARRAY ? F_HASHTAG_NAMES
                : vals[F_CHALLENGES].type == TG_J_ARRAY  ? F_CHALLENGES
                : vals[F_HASHTAGS].type == TG_J_ARRAY    ? F_HASHTAGS
                                                         : -1;
    tg_jscan sc;
    tg_jtok x, y;
    if (which < 0)
        return TG_OK;
    tg_parse__json_open(&sc, &vals[which], end);
    while (!t->err && tg_parse__json_elem(&sc) > 0) {
        if (tg_parse__json_value(&sc, &x))
            return sc.err;
        if (x.type == TG_J_STRING && which != F_CHALLENGES) {
            /* hashtag_names kept jansson's json_string_length, hashtags strlen */
            add_tag_tok(t, &x, which == F_HASHTAG_NAMES);
        } else if (x.type == TG_J_OBJECT && which != F_HASHTAG_NAMES) {
            tg_parse__json_get(&x, end, member[which], &y);
            add_tag_tok(t, &y, false);
        }
        tg_parse__json_skip(&sc, &x);
    }
    return t->err;
}

/* One item object (its '{' read); TG_EPARSE for an item without an id. */
static int video_of(tg_parse_arena *a, tg_jscan *sc, tg_parse_video *v)
{
    tg_jtok f[F_N], stats[STATS_N], u;
    int ret = tg_parse__json_fields(sc, item_keys, F_N, f);
    if (ret)
        return ret;
    if (!id_of(any(f, F_ID, 2), &v->id))
        return TG_EPARSE;
    const char *end = sc->end;
    const tg_jtok *user = f[F_USERNAME].type == TG_J_STRING ? &f[F_USERNAME] : NULL;
    if (!user && f[F_AUTHOR].type == TG_J_STRING)
        user = &f[F_AUTHOR];
    if (!user) {
        tg_parse__json_get(&f[F_AUTHOR], end, "uniqueId", &u);
        if (u.type != TG_J_STRING)
            tg_parse__json_get(&f[F_AUTHORMETA], end, "name", &u);
        user = u.type == TG_J_STRING ? &u : NULL;
    }
    const tg_jtok *d = any(f, F_DESC, 4), *r = any(f, F_REGION, 2);
    v->username = user ? tg_parse__json_dup(a, user) : tg_parse__strdup(a, "");
    v->description =
        d && d->type == TG_J_STRING ? tg_parse__json_dup(a, d) : tg_parse__strdup(a, "");
    v->region = r && r->type == TG_J_STRING ? tg_parse__json_dup(a, r) : tg_parse__strdup(a, "");
    if (!v->username || !v->description || !v->region)
        return TG_ENOMEM;
    v->create_time = count_of(any(f, F_TIME, 2));
    if (v->create_time < 0)
        v->create_time = 0;

    /* counts: the item's own fields first, then its "stats" object */
    bool have_stats = false;
    int64_t *counts[] = {&v->views, &v->likes, &v->comments, &v->shares};
    const size_t from[] = {F_VIEWS, F_LIKES, F_COMM, F_SHARE, F_STATS};
    for (size_t i = 0; i < 4; i++) {
        const tg_jtok *c = any(f, from[i], from[i + 1] - from[i]);
        if (!c && f[F_STATS].type == TG_J_OBJECT) {
            if (!have_stats) {
                tg_jscan ss;
                tg_parse__json_open(&ss, &f[F_STATS], end);
                tg_parse__json_fields(&ss, item_keys + STATS_FIRST, STATS_N, stats);
                have_stats = true;
            }
            c = any(stats, from[i] - STATS_FIRST, from[i + 1] - from[i]);
        }
        *counts[i] = count_of(c);
    }

    tagacc t = {.a = a, .v = {.elem = sizeof(const char *)}};
    if ((ret = tags_of(&t, f, end)) != TG_OK)
        return ret;
    if (!t.err && t.v.n == 0)
        tg_parse_hashtags(v->description, strlen(v->description), tag_cb, &t);
    if (t.err)
        return t.err;
    v->hashtags = t.v.data;
    v->n_hashtags = t.v.n;
    size_t len = 1;
    for (size_t i = 0; i < t.v.n; i++)
        len += strlen(v->hashtags[i]) + 1;
    char *j = tg_parse__alloc(a, len), *p = j;
    if (!j)
        return TG_ENOMEM;
    for (size_t i = 0; i < t.v.n; i++) {
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

/* The "error" object of a Research API response into out (api_err, code,
 * message, log_id); nothing when err is not an object. */
static int error_of(tg_parse_arena *a, const tg_jtok *err, const char *end, tg_parse_result *out)
{
    tg_jtok code, msg, log_id;
    char cb[64], mb[256];
    if (err->type != TG_J_OBJECT)
        return TG_OK;
    tg_parse__json_get(err, end, "code", &code);
    tg_parse__json_get(err, end, "message", &msg);
    tg_parse__json_get(err, end, "log_id", &log_id);
    char *cs = tg_parse__json_text(&code, cb, sizeof cb);
    char *ms = tg_parse__json_text(&msg, mb, sizeof mb);
    out->api_err = classify(cs, ms);
    if (cs != cb)
        tg_free(cs);
    if (ms != mb)
        tg_free(ms);
    if ((code.type == TG_J_STRING && !(out->error_code = tg_parse__json_dup(a, &code))) ||
        (msg.type == TG_J_STRING && !(out->error_message = tg_parse__json_dup(a, &msg))) ||
        (log_id.type == TG_J_STRING && !(out->log_id = tg_parse__json_dup(a, &log_id))))
        return TG_ENOMEM;
    return TG_OK;
}

static int video_rec(tg_parse_arena *a, tg_jscan *sc, void *rec)
{
    return video_of(a, sc, rec);
}

/* Read value v (just scanned): a list into *vec, any other container skipped. */
static int list_or_skip(tg_parse_arena *a, tg_jscan *sc, const tg_jtok *v, tg_parse_vec *vec)
{
    return v->type == TG_J_ARRAY
               ? tg_parse__json_records(a, sc, vec, sizeof(tg_parse_video), video_rec)
               : tg_parse__json_skip(sc, v);
}

enum { R_DATA, R_ERROR, R_ITEMLIST, R_ITEMS, R_HASMORE, R_CURSOR, R_N };
static const tg_jkey root_keys[R_N] = {TG_JKEY("data"),  TG_JKEY("error"),   TG_JKEY("itemList"),
                                       TG_JKEY("items"), TG_JKEY("hasMore"), TG_JKEY("cursor")};
enum { D_VIDEOS, D_CURSOR, D_HAS_MORE, D_SEARCH_ID, D_N };
static const tg_jkey data_keys[D_N] = {TG_JKEY("videos"), TG_JKEY("cursor"), TG_JKEY("has_more"),
                                       TG_JKEY("search_id")};

/* The document, one pass: root fields in f, data's in df, the lists read. */
typedef struct doc {
    tg_jtok root, f[R_N], df[D_N];
    tg_parse_vec lists[R_N]; /* by root key: data (its videos), itemList, items */
    tg_parse_vec root_list;  /* a root array of items */
} doc;

static int data_of(tg_parse_arena *a, tg_jscan *sc, doc *d)
{
    tg_jtok k;
    int r;
    for (size_t i = 0; i < D_N; i++)
        d->df[i].type = TG_J_NONE;
    d->lists[R_DATA] = (tg_parse_vec){.elem = sizeof(tg_parse_video)};
    while ((r = tg_parse__json_member(sc, &k)) > 0) {
        if (tg_parse__json_is(&k, "videos", 6)) {
            if (tg_parse__json_value(sc, &d->df[D_VIDEOS]))
                return sc->err;
            if ((r = list_or_skip(a, sc, &d->df[D_VIDEOS], &d->lists[R_DATA])) != TG_OK)
                return r;
        } else if (tg_parse__json_field(sc, &k, data_keys + 1, D_N - 1, d->df + 1)) {
            return sc->err;
        }
    }
    return r;
}

static int scan_doc(tg_parse_arena *a, const char *buf, size_t len, doc *d)
{
    tg_jscan sc;
    tg_jtok k;
    int r;
    tg_parse__json_init(&sc, buf, len);
    if (tg_parse__json_value(&sc, &d->root))
        return TG_EPARSE;
    if (d->root.type == TG_J_ARRAY) {
        if ((r = list_or_skip(a, &sc, &d->root, &d->root_list)) != TG_OK)
            return r;
    } else if (d->root.type == TG_J_OBJECT) {
        while ((r = tg_parse__json_member(&sc, &k)) > 0) {
            int i = -1;
            for (int j = 0; j < R_N && i < 0; j++)
                if (tg_parse__json_is(&k, root_keys[j].name, root_keys[j].len))
                    i = j;
            if (i < 0) {
                if (tg_parse__json_skip_value(&sc))
                    return sc.err;
                continue;
            }
            if (tg_parse__json_value(&sc, &d->f[i]))
                return sc.err;
            if (i == R_DATA && d->f[i].type == TG_J_OBJECT)
                r = data_of(a, &sc, d);
            else if (i == R_DATA || i == R_ITEMLIST || i == R_ITEMS)
                r = list_or_skip(a, &sc, &d->f[i], &d->lists[i]);
            else
                r = tg_parse__json_skip(&sc, &d->f[i]);
            if (r)
                return r;
        }
        if (r < 0)
            return r;
    } else {
        return TG_EPARSE; /* a bare scalar is not a response */
    }
    return tg_parse__json_finish(&sc);
}

int tg_parse_tiktok_query(const char *buf, size_t len, tg_parse_result *out)
{
    int ret = tg_parse__json_begin(out, TG_PARSE_TIKTOK_QUERY, len);
    if (ret)
        return ret;
    tg_parse_arena *a = out->arena;
    doc d;
    memset(&d, 0, sizeof d);
    for (size_t i = 0; i < R_N; i++)
        d.f[i].type = TG_J_NONE;
    ret = scan_doc(a, buf, len, &d);
    if (ret)
        return tg_parse__json_reject(out, ret);
    const char *end = buf + len;
    const tg_parse_vec *list = NULL;
    bool list_ok = true;
    if ((ret = error_of(a, &d.f[R_ERROR], end, out)) != TG_OK)
        return ret;
    if (d.f[R_DATA].type == TG_J_OBJECT) {
        if (d.df[D_VIDEOS].type != TG_J_NONE) {
            list = &d.lists[R_DATA];
            list_ok = d.df[D_VIDEOS].type == TG_J_ARRAY;
        }
        out->cursor = tg_parse__json_count(&d.df[D_CURSOR], -1);
        out->has_more = d.df[D_HAS_MORE].type == TG_J_TRUE;
        const tg_jtok *sid = &d.df[D_SEARCH_ID];
        int64_t n;
        char num[32];
        if (sid->type == TG_J_STRING && !(out->search_id = tg_parse__json_dup(a, sid)))
            return TG_ENOMEM;
        if (sid->type == TG_J_INT && tg_parse__json_i64(sid, &n) == TG_OK) {
            snprintf(num, sizeof num, "%lld", (long long)n);
            if (!(out->search_id = tg_parse__strdup(a, num)))
                return TG_ENOMEM;
        }
    } else if (d.root.type == TG_J_ARRAY) {
        list = &d.root_list; /* captured arrays of item structs */
    } else {
        int i = d.f[R_ITEMLIST].type != TG_J_NONE ? R_ITEMLIST
                : d.f[R_ITEMS].type != TG_J_NONE  ? R_ITEMS
                                                  : -1;
        if (i >= 0) {
            list = &d.lists[i];
            list_ok = d.f[i].type == TG_J_ARRAY;
        }
        out->has_more = d.f[R_HASMORE].type == TG_J_TRUE;
        out->cursor = tg_parse__json_count(&d.f[R_CURSOR], -1);
    }
    if (!list && out->api_err == TG_APIERR_NONE && d.f[R_DATA].type != TG_J_OBJECT)
        return TG_EPARSE;
    if (!list_ok)
        return TG_EPARSE;
    if (list) {
        out->videos = list->data;
        out->n_videos = list->n;
    }
    return TG_OK;
}

/* ---- Research API comments and user info ------------------------------
 *     {"data": {"comments": [{"id", "video_id", "parent_comment_id", "text",
 *                             "create_time", "like_count", "reply_count"}],
 *               "cursor": 300, "has_more": true}, "error": {...}}
 *     {"data": {"display_name", "bio_description", "avatar_url",
 *               "is_verified", "follower_count", "following_count",
 *               "likes_count", "video_count"}, "error": {...}}
 * Small responses: the root's data and error are read from their spans.
 */

/* Root "data" and "error" of a Research API response; TG_EPARSE when the
 * document does not validate or is not an object. */
static int research_root(const char *buf, size_t len, tg_jtok *data, tg_jtok *err)
{
    static const tg_jkey keys[] = {TG_JKEY("data"), TG_JKEY("error")};
    tg_jtok root, f[2];
    tg_jscan sc;
    tg_parse__json_init(&sc, buf, len);
    if (tg_parse__json_value(&sc, &root) || root.type != TG_J_OBJECT ||
        tg_parse__json_fields(&sc, keys, 2, f) || tg_parse__json_finish(&sc))
        return TG_EPARSE;
    *data = f[0];
    *err = f[1];
    return TG_OK;
}

enum { C_ID, C_VIDEO, C_PARENT, C_TEXT, C_TIME, C_LIKES, C_REPLIES, C_N };
static const tg_jkey comment_keys[C_N] = {
    TG_JKEY("id"),          TG_JKEY("video_id"),   TG_JKEY("parent_comment_id"), TG_JKEY("text"),
    TG_JKEY("create_time"), TG_JKEY("like_count"), TG_JKEY("reply_count")};

static int comment_rec(tg_parse_arena *a, tg_jscan *sc, void *rec)
{
    tg_parse_comment *c = rec;
    tg_jtok f[C_N];
    if (tg_parse__json_fields(sc, comment_keys, C_N, f))
        return sc->err;
    if (!id_of(&f[C_ID], &c->id))
        return TG_EPARSE;
    if (!id_of(&f[C_VIDEO], &c->video_id))
        c->video_id = 0;
    if (!id_of(&f[C_PARENT], &c->parent_comment_id))
        c->parent_comment_id = 0;
    c->text =
        f[C_TEXT].type == TG_J_STRING ? tg_parse__json_dup(a, &f[C_TEXT]) : tg_parse__strdup(a, "");
    if (!c->text)
        return TG_ENOMEM;
    c->create_time = count_of(&f[C_TIME]);
    if (c->create_time < 0)
        c->create_time = 0;
    c->likes = count_of(&f[C_LIKES]);
    c->replies = count_of(&f[C_REPLIES]);
    return TG_OK;
}

int tg_parse_tiktok_comments(const char *buf, size_t len, tg_parse_result *out)
{
    static const tg_jkey keys[] = {TG_JKEY("comments"), TG_JKEY("cursor"), TG_JKEY("has_more")};
    int ret = tg_parse__json_begin(out, TG_PARSE_TIKTOK_COMMENTS, len);
    tg_jtok data, err, f[3];
    tg_jscan sc;
    tg_parse_vec cv = {.elem = sizeof(tg_parse_comment)};
    if (ret)
        return ret;
    if ((ret = research_root(buf, len, &data, &err)) != TG_OK)
        return tg_parse__json_reject(out, ret);
    const char *end = buf + len;
    if ((ret = error_of(out->arena, &err, end, out)) != TG_OK)
        return ret;
    if (out->api_err != TG_APIERR_NONE)
        return TG_OK; /* an error object: no data to read */
    if (data.type != TG_J_OBJECT)
        return TG_EPARSE;
    tg_parse__json_open(&sc, &data, end);
    tg_parse__json_fields(&sc, keys, 3, f);
    out->cursor = tg_parse__json_count(&f[1], -1);
    out->has_more = f[2].type == TG_J_TRUE;
    if (f[0].type != TG_J_ARRAY)
        return TG_EPARSE; /* not a comment list (a video query, say) */
    tg_parse__json_open(&sc, &f[0], end);
    ret = tg_parse__json_records(out->arena, &sc, &cv, sizeof(tg_parse_comment), comment_rec);
    if (ret)
        return ret;
    out->comments = cv.data;
    out->n_comments = cv.n;
    return TG_OK;
}

enum { U_NAME, U_BIO, U_AVATAR, U_VERIFIED, U_FOLLOWERS, U_FOLLOWING, U_LIKES, U_VIDEOS, U_N };
static const tg_jkey user_keys[U_N] = {TG_JKEY("display_name"),   TG_JKEY("bio_description"),
                                       TG_JKEY("avatar_url"),     TG_JKEY("is_verified"),
                                       TG_JKEY("follower_count"), TG_JKEY("following_count"),
                                       TG_JKEY("likes_count"),    TG_JKEY("video_count")};

int tg_parse_tiktok_user(const char *buf, size_t len, tg_parse_result *out)
{
    int ret = tg_parse__json_begin(out, TG_PARSE_TIKTOK_USER, len);
    tg_jtok data, err, f[U_N];
    tg_jscan sc;
    if (ret)
        return ret;
    if ((ret = research_root(buf, len, &data, &err)) != TG_OK)
        return tg_parse__json_reject(out, ret);
    const char *end = buf + len;
    tg_parse_arena *a = out->arena;
    if ((ret = error_of(a, &err, end, out)) != TG_OK)
        return ret;
    if (out->api_err != TG_APIERR_NONE)
        return TG_OK; /* an error object: no data to read */
    if (data.type != TG_J_OBJECT)
        return TG_EPARSE;
    tg_parse__json_open(&sc, &data, end);
    tg_parse__json_fields(&sc, user_keys, U_N, f);
    size_t known = 0;
    for (size_t i = 0; i < U_N; i++)
        known += f[i].type != TG_J_NONE;
    if (!known)
        return TG_EPARSE; /* not a user info object */
    tg_parse_user *u = tg_parse__alloc(a, sizeof *u);
    if (!u)
        return TG_ENOMEM;
    const char **strs[] = {&u->display_name, &u->bio, &u->avatar_url};
    for (size_t i = 0; i < 3; i++) {
        *strs[i] =
            f[i].type == TG_J_STRING ? tg_parse__json_dup(a, &f[i]) : tg_parse__strdup(a, "");
        if (!*strs[i])
            return TG_ENOMEM;
    }
    u->verified = f[U_VERIFIED].type == TG_J_TRUE;
    u->followers = count_of(&f[U_FOLLOWERS]);
    u->following = count_of(&f[U_FOLLOWING]);
    u->likes = count_of(&f[U_LIKES]);
    u->videos = count_of(&f[U_VIDEOS]);
    out->users = u;
    out->n_users = 1;
    return TG_OK;
}
