/*
 * tiktok.c - the TikTok Research API as the simulated world serves it:
 * POST /v2/oauth/token/ and POST /v2/research/video/query/.
 *
 * A query's result set is every video carrying one of the hashtags, created
 * inside [start_date 00:00, end_date 24:00) UTC and before virtual now,
 * ordered by (create_time, id). The cursor is an offset into that order, so
 * videos appearing later (created after a previous page was served) only
 * ever append: paging returns each video of a window exactly once.
 */
#include "sim/sim_int.h"

#include "trendguard/error.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TAGS 20

enum {
    F_ID = 1 << 0,
    F_VIDEO_ID = 1 << 1,
    F_DESC = 1 << 2,
    F_CREATE = 1 << 3,
    F_REGION = 1 << 4,
    F_SHARE = 1 << 5,
    F_VIEW = 1 << 6,
    F_LIKE = 1 << 7,
    F_COMMENT = 1 << 8,
    F_TAGS = 1 << 9,
    F_USER = 1 << 10,
    F_MUSIC = 1 << 11,
    F_EFFECT = 1 << 12,
};

#define F_DEFAULT                                                                                  \
    (F_ID | F_DESC | F_CREATE | F_REGION | F_SHARE | F_VIEW | F_LIKE | F_COMMENT | F_TAGS | F_USER)

static const struct {
    const char *name;
    unsigned bit;
} field_names[] = {
    {"id", F_ID},
    {"video_id", F_VIDEO_ID},
    {"video_description", F_DESC},
    {"create_time", F_CREATE},
    {"region_code", F_REGION},
    {"share_count", F_SHARE},
    {"view_count", F_VIEW},
    {"like_count", F_LIKE},
    {"comment_count", F_COMMENT},
    {"hashtag_names", F_TAGS},
    {"username", F_USER},
    {"music_id", F_MUSIC},
    {"effect_ids", F_EFFECT},
};

static int error_json(const tg_sim__req *rq, tg_sim__resp *rs, int status, const char *code,
                      const char *msg)
{
    char log_id[64];
    tg_sim__log_id(rq, log_id, sizeof log_id);
    rs->status = status;
    rs->ctype = "application/json";
    int rc = TG_SIM__PUTL(&rs->body, "{\"data\":{},\"error\":{\"code\":\"");
    if (rc == TG_OK)
        rc = tg_sim__puts(&rs->body, code);
    if (rc == TG_OK)
        rc = TG_SIM__PUTL(&rs->body, "\",\"message\":");
    if (rc == TG_OK)
        rc = tg_sim__putjs(&rs->body, msg);
    if (rc == TG_OK)
        rc = TG_SIM__PUTL(&rs->body, ",\"log_id\":\"");
    if (rc == TG_OK)
        rc = tg_sim__puts(&rs->body, log_id);
    if (rc == TG_OK)
        rc = TG_SIM__PUTL(&rs->body, "\"}}");
    return rc;
}

int tg_sim__tiktok_token(const tg_sim__req *rq, tg_sim__resp *rs)
{
    char key[256], secret[256], grant[64], log_id[64];
    const char *want_key, *want_secret;
    tg_sim__tiktok_creds(rq->srv, &want_key, &want_secret);
    tg_sim__log_id(rq, log_id, sizeof log_id);
    rs->ctype = "application/json";
    if (!tg_sim__form_get(rq->body, "grant_type", grant, sizeof grant) ||
        strcmp(grant, "client_credentials") != 0) {
        rs->status = 400;
        return tg_buf_printf(&rs->body,
                             "{\"error\":\"invalid_request\",\"error_description\":"
                             "\"grant_type must be client_credentials\",\"log_id\":\"%s\"}",
                             log_id);
    }
    if (!tg_sim__form_get(rq->body, "client_key", key, sizeof key) || !*key ||
        !tg_sim__form_get(rq->body, "client_secret", secret, sizeof secret) || !*secret ||
        (want_key && strcmp(key, want_key) != 0) ||
        (want_secret && strcmp(secret, want_secret) != 0)) {
        rs->status = 401;
        return tg_buf_printf(&rs->body,
                             "{\"error\":\"invalid_client\",\"error_description\":"
                             "\"Client key or secret is incorrect.\",\"log_id\":\"%s\"}",
                             log_id);
    }
    char tok[128];
    int rc = tg_sim__token_issue(rq->srv, 't', tok, sizeof tok);
    if (rc)
        return rc;
    rs->status = 200;
    return tg_buf_printf(&rs->body,
                         "{\"access_token\":\"%s\",\"expires_in\":%.0f,\"token_type\":\"Bearer\"}",
                         tok, tg_sim__token_ttl(rq->srv));
}

static int parse_date(const char *s, int64_t *out)
{
    if (!s || strlen(s) != 8)
        return -1;
    for (int i = 0; i < 8; i++)
        if (!isdigit((unsigned char)s[i]))
            return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[4] - '0') * 10 + (s[5] - '0'), d = (s[6] - '0') * 10 + (s[7] - '0');
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    *out = tg_days_from_civil(y, (unsigned)m, (unsigned)d) * TG_SIM__DAY;
    return 0;
}

static int parse_fields(const char *s, unsigned *out)
{
    if (!s || !*s) {
        *out = F_DEFAULT;
        return 0;
    }
    unsigned f = 0;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        bool found = false;
        for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
            if (strlen(field_names[i].name) == n && strncmp(field_names[i].name, s, n) == 0) {
                f |= field_names[i].bit;
                found = true;
            }
        if (!found && n)
            return -1;
        s += n + (e ? 1 : 0);
    }
    *out = f;
    return 0;
}

static int cmp_vid(const void *a, const void *b, void *ctx)
{
    const tg_sim__video *v = ctx;
    const tg_sim__video *x = &v[*(const int32_t *)a], *y = &v[*(const int32_t *)b];
    if (x->create_time != y->create_time)
        return x->create_time < y->create_time ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* First index in h's sorted videos with create_time >= t. */
static int32_t lower_bound(const tg_sim_world *w, const tg_sim__hashtag *h, int64_t t)
{
    int32_t lo = 0, hi = h->nvids;
    while (lo < hi) {
        int32_t mid = (lo + hi) / 2;
        if (w->videos[h->vids[mid]].create_time < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int render_video(const tg_sim_world *w, const tg_sim__video *v, unsigned f, int64_t now,
                        tg_buf *b)
{
    uint64_t views, likes, comments, shares;
    tg_sim__video_counts(v, now, &views, &likes, &comments, &shares);
    if (f == F_DEFAULT) { /* the common case: static parts were rendered at start */
        int rc = tg_sim__put(b, v->frag_pre, v->pre_len);
        rc = rc ? rc : TG_SIM__PUTL(b, "\"share_count\":");
        rc = rc ? rc : tg_sim__putu(b, shares);
        rc = rc ? rc : TG_SIM__PUTL(b, ",\"view_count\":");
        rc = rc ? rc : tg_sim__putu(b, views);
        rc = rc ? rc : TG_SIM__PUTL(b, ",\"like_count\":");
        rc = rc ? rc : tg_sim__putu(b, likes);
        rc = rc ? rc : TG_SIM__PUTL(b, ",\"comment_count\":");
        rc = rc ? rc : tg_sim__putu(b, comments);
        return rc ? rc : tg_sim__put(b, v->frag_post, v->post_len);
    }
    int rc = TG_SIM__PUTL(b, "{");
    bool first = true;
#define SEP()                                                                                      \
    do {                                                                                           \
        if (!first)                                                                                \
            rc = rc ? rc : TG_SIM__PUTL(b, ",");                                                   \
        first = false;                                                                             \
    } while (0)
    if (f & F_ID) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"id\":");
        rc = rc ? rc : tg_sim__putu(b, v->id);
    }
    if (f & F_VIDEO_ID) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"video_id\":");
        rc = rc ? rc : tg_sim__putu(b, v->id);
    }
    if (f & F_DESC) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"video_description\":");
        rc = rc ? rc : tg_sim__puts(b, v->frag_desc);
    }
    if (f & F_CREATE) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"create_time\":");
        rc = rc ? rc : tg_sim__puti(b, v->create_time);
    }
    if (f & F_REGION) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"region_code\":\"");
        rc = rc ? rc : tg_sim__puts(b, tg_sim__regions[v->region]);
        rc = rc ? rc : TG_SIM__PUTL(b, "\"");
    }
    if (f & F_SHARE) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"share_count\":");
        rc = rc ? rc : tg_sim__putu(b, shares);
    }
    if (f & F_VIEW) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"view_count\":");
        rc = rc ? rc : tg_sim__putu(b, views);
    }
    if (f & F_LIKE) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"like_count\":");
        rc = rc ? rc : tg_sim__putu(b, likes);
    }
    if (f & F_COMMENT) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"comment_count\":");
        rc = rc ? rc : tg_sim__putu(b, comments);
    }
    if (f & F_TAGS) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"hashtag_names\":[\"");
        rc = rc ? rc : tg_sim__puts(b, w->tags[v->tag[0]].name);
        if (v->tag[1] >= 0) {
            rc = rc ? rc : TG_SIM__PUTL(b, "\",\"");
            rc = rc ? rc : tg_sim__puts(b, w->tags[v->tag[1]].name);
        }
        rc = rc ? rc : TG_SIM__PUTL(b, "\"]");
    }
    if (f & F_USER) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"username\":\"");
        rc = rc ? rc : tg_sim__puts(b, w->users[v->user]);
        rc = rc ? rc : TG_SIM__PUTL(b, "\"");
    }
    if (f & F_MUSIC) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"music_id\":");
        rc = rc ? rc : tg_sim__putu(b, (v->id ^ 0x5bd1e995ULL) | (1ULL << 62));
    }
    if (f & F_EFFECT) {
        SEP();
        rc = rc ? rc : TG_SIM__PUTL(b, "\"effect_ids\":[\"0\"]");
    }
#undef SEP
    return rc ? rc : TG_SIM__PUTL(b, "}");
}

static void search_id_of(const int32_t *tags, int ntags, const int *regions, int nreg, int64_t ws,
                         int64_t we, char *out, size_t n)
{
    uint64_t v[MAX_TAGS + 16];
    int k = 0;
    v[k++] = (uint64_t)ws;
    v[k++] = (uint64_t)we;
    for (int i = 0; i < ntags; i++)
        v[k++] = (uint64_t)tags[i] + 1000;
    for (int i = 0; i < nreg && k < (int)(sizeof v / sizeof v[0]); i++)
        v[k++] = (uint64_t)regions[i] + 100000;
    uint64_t h = tg_hash64(v, (size_t)k * sizeof v[0]);
    snprintf(out, n, "%llu",
             (unsigned long long)(h % 9000000000000000000ULL + 100000000000000000ULL));
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int tg_sim__tiktok_query(const tg_sim__req *rq, tg_sim__resp *rs)
{
    const tg_sim_world *w = rq->w;
    if (!tg_sim__token_ok(rq->srv, 't', tg_sim__header(rq, "Authorization")))
        return error_json(rq, rs, 401, "access_token_invalid",
                          "The access token is invalid or not found in the request.");
    if (!tg_sim__quota_take(rq->srv, rq->now)) {
        rs->hdr_name = "Retry-After";
        /* Real seconds until virtual midnight (HTTP clients wait in real time). */
        double wait = (double)(TG_SIM__DAY - (rq->now % TG_SIM__DAY));
        double speed = tg_sim__speed(rq->srv);
        wait = speed > 0 ? ceil(wait / speed) : 3600;
        snprintf(rs->hdr_buf, sizeof rs->hdr_buf, "%.0f", wait < 1 ? 1 : wait);
        rs->hdr_value = rs->hdr_buf;
        return error_json(rq, rs, 429, "rate_limit_exceeded",
                          "The API rate limit was exceeded. Try again after the daily quota "
                          "resets at 00:00 UTC.");
    }
    if (rq->fault < rq->fault_rate)
        return error_json(rq, rs, 500, "internal_error",
                          "Something went wrong. Please try again later.");
    unsigned fields;
    if (parse_fields(tg_sim__arg(rq, "fields"), &fields))
        return error_json(rq, rs, 400, "invalid_params", "Invalid fields requested.");

    json_error_t jerr;
    json_t *j = json_loadb(rq->body, rq->body_len, 0, &jerr);
    int32_t tags[MAX_TAGS];
    int regions[8];
    int ntags = 0, nreg = 0;
    int32_t *ids = NULL;
    int rc;
    if (!j || !json_is_object(j)) {
        rc = error_json(rq, rs, 400, "invalid_params", "Request body is not a JSON object.");
        goto out;
    }
    json_t *q = json_object_get(j, "query"), *and_ = q ? json_object_get(q, "and") : NULL;
    if (!json_is_array(and_)) {
        rc = error_json(rq, rs, 400, "invalid_params", "query.and must be a list of conditions.");
        goto out;
    }
    size_t ci;
    json_t *cond;
    json_array_foreach(and_, ci, cond)
    {
        const char *fname = json_string_value(json_object_get(cond, "field_name"));
        const char *op = json_string_value(json_object_get(cond, "operation"));
        json_t *vals = json_object_get(cond, "field_values");
        if (!fname || !op || !json_is_array(vals) || json_array_size(vals) == 0 ||
            (strcmp(op, "IN") != 0 && strcmp(op, "EQ") != 0) ||
            (strcmp(op, "EQ") == 0 && json_array_size(vals) != 1)) {
            rc = error_json(rq, rs, 400, "invalid_params",
                            "Invalid condition: field_name, operation (EQ or IN) and "
                            "field_values are required.");
            goto out;
        }
        size_t vi;
        json_t *v;
        if (strcmp(fname, "hashtag_name") == 0) {
            json_array_foreach(vals, vi, v)
            {
                const char *s = json_string_value(v);
                if (!s || ntags >= MAX_TAGS) {
                    rc = error_json(rq, rs, 400, "invalid_params",
                                    "hashtag_name takes up to 20 strings.");
                    goto out;
                }
                int32_t t = tg_sim__tag_find(w, s);
                if (t >= 0)
                    tags[ntags++] = t;
            }
        } else if (strcmp(fname, "region_code") == 0) {
            json_array_foreach(vals, vi, v)
            {
                const char *s = json_string_value(v);
                if (!s || nreg >= 8) {
                    rc = error_json(rq, rs, 400, "invalid_params",
                                    "region_code takes up to 8 strings.");
                    goto out;
                }
                for (int k = 0; k < 7; k++)
                    if (strcasecmp(s, tg_sim__regions[k]) == 0)
                        regions[nreg++] = k;
                if (nreg == 0)
                    regions[nreg++] = 99; /* unknown region: matches nothing */
            }
        } else {
            rc = error_json(rq, rs, 400, "invalid_params",
                            "The simulator supports field_name hashtag_name and region_code.");
            goto out;
        }
    }
    int64_t ws, we;
    if (parse_date(json_string_value(json_object_get(j, "start_date")), &ws) ||
        parse_date(json_string_value(json_object_get(j, "end_date")), &we)) {
        rc = error_json(rq, rs, 400, "invalid_params",
                        "start_date and end_date are required, as YYYYMMDD.");
        goto out;
    }
    if (we < ws || we - ws > 30 * TG_SIM__DAY) {
        rc = error_json(rq, rs, 400, "invalid_params",
                        "end_date must be no earlier than start_date and no more than 30 days "
                        "after it.");
        goto out;
    }
    json_t *mc = json_object_get(j, "max_count"), *cu = json_object_get(j, "cursor");
    json_int_t max_count = mc ? (json_is_integer(mc) ? json_integer_value(mc) : -1) : 20;
    json_int_t cursor = cu ? (json_is_integer(cu) ? json_integer_value(cu) : -1) : 0;
    if (max_count < 1 || max_count > 100 || cursor < 0) {
        rc = error_json(rq, rs, 400, "invalid_params",
                        "max_count must be 1..100 and cursor a non-negative integer.");
        goto out;
    }
    /* Canonical query -> search id. */
    tg_qsort(tags, (size_t)ntags, sizeof tags[0], cmp_i32);
    int nt = 0;
    for (int i = 0; i < ntags; i++)
        if (i == 0 || tags[i] != tags[i - 1])
            tags[nt++] = tags[i];
    ntags = nt;
    char sid[32];
    search_id_of(tags, ntags, regions, nreg, ws, we, sid, sizeof sid);
    json_t *sj = json_object_get(j, "search_id");
    const char *given = json_string_value(sj);
    if (given && *given &&
        (strcmp(given, sid) != 0 || (cursor > 0 && rq->fault2 < rq->fault_rate * 0.2))) {
        char msg[160];
        snprintf(msg, sizeof msg, "Search Id %.40s is invalid or expired", given);
        rc = error_json(rq, rs, 400, "invalid_params", msg);
        goto out;
    }
    /* Collect the window's videos. */
    int64_t hi = we + TG_SIM__DAY;
    if (hi > rq->now + 1)
        hi = rq->now + 1;
    size_t total = 0;
    for (int i = 0; i < ntags; i++) {
        const tg_sim__hashtag *h = &w->tags[tags[i]];
        if (hi > ws)
            total += (size_t)(lower_bound(w, h, hi) - lower_bound(w, h, ws));
    }
    ids = tg_malloc((total ? total : 1) * sizeof *ids);
    if (!ids) {
        rc = TG_ENOMEM;
        goto out;
    }
    size_t n = 0;
    for (int i = 0; i < ntags && hi > ws; i++) {
        const tg_sim__hashtag *h = &w->tags[tags[i]];
        for (int32_t k = lower_bound(w, h, ws), e = lower_bound(w, h, hi); k < e; k++) {
            const tg_sim__video *v = &w->videos[h->vids[k]];
            if (nreg) {
                bool ok = false;
                for (int r = 0; r < nreg; r++)
                    ok |= regions[r] == v->region;
                if (!ok)
                    continue;
            }
            ids[n++] = h->vids[k];
        }
    }
    if (ntags > 1) {
        qsort_r(ids, n, sizeof *ids, cmp_vid, w->videos);
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (m == 0 || ids[m - 1] != ids[i])
                ids[m++] = ids[i];
        n = m;
    }
    size_t from = (size_t)cursor < n ? (size_t)cursor : n;
    size_t to = from + (size_t)max_count < n ? from + (size_t)max_count : n;
    char log_id[64];
    tg_sim__log_id(rq, log_id, sizeof log_id);
    rs->status = 200;
    rs->ctype = "application/json";
    tg_buf *b = &rs->body;
    rc = tg_sim__reserve(b, 512 + (to - from) * 400);
    rc = rc ? rc : TG_SIM__PUTL(b, "{\"data\":{\"videos\":[");
    for (size_t i = from; i < to && rc == TG_OK; i++) {
        if (i > from)
            rc = TG_SIM__PUTL(b, ",");
        if (rc == TG_OK)
            rc = render_video(w, &w->videos[ids[i]], fields, rq->now, b);
    }
    if (rc == TG_OK)
        rc = TG_SIM__PUTL(b, "],\"cursor\":");
    if (rc == TG_OK)
        rc = tg_sim__putu(b, to);
    if (rc == TG_OK)
        rc = to < n ? TG_SIM__PUTL(b, ",\"has_more\":true,\"search_id\":\"")
                    : TG_SIM__PUTL(b, ",\"has_more\":false,\"search_id\":\"");
    if (rc == TG_OK)
        rc = tg_sim__puts(b, sid);
    if (rc == TG_OK)
        rc = TG_SIM__PUTL(b, "\"},\"error\":{\"code\":\"ok\",\"message\":\"\",\"log_id\":\"");
    if (rc == TG_OK)
        rc = tg_sim__puts(b, log_id);
    if (rc == TG_OK)
        rc = TG_SIM__PUTL(b, "\"}}");
out:
    tg_free(ids);
    json_decref(j);
    return rc;
}
