/*
 * poshmark.c - Poshmark's own JSON as the simulated world serves it:
 * GET /vm-rest/posts?request=<url-encoded JSON> (search, newest first,
 * paged by more.next_max_id) and GET /vm-rest/posts/{24-hex id}.
 *
 * Paging keys are "seconds.hundredths" decimals (like the real
 * next_max_id 1590339263.92), unique per product, compared as integers
 * (seconds * 100 + hundredths) so no float rounding can skip an item.
 * The last page answers next_max_id -1.
 */
#include "sim/sim_int.h"

#include "trendguard/error.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sizes[] = {"XS", "S", "M", "L", "XL", "OS", "7", "8", "9"};
static const char *const departments[] = {"Women", "Women", "Home", "Electronics", "Men", "Kids"};

static int posh_error(tg_sim__resp *rs, int status, const char *type, const char *msg)
{
    rs->status = status;
    rs->ctype = "application/json";
    int rc = tg_buf_printf(&rs->body,
                           "{\"error\":{\"statusCode\":%d,\"errorType\":\"%s\","
                           "\"errorMessage\":",
                           status, type);
    rc = rc ? rc : tg_sim__putjs(&rs->body, msg);
    return rc ? rc : TG_SIM__PUTL(&rs->body, "}}");
}

static int put_time(tg_buf *b, int64_t t)
{
    char s[40];
    tg_sim__pacific_time(t, s, sizeof s);
    int rc = TG_SIM__PUTL(b, "\"");
    rc = rc ? rc : tg_sim__puts(b, s);
    return rc ? rc : TG_SIM__PUTL(b, "\"");
}

static int put_amount(tg_buf *b, double v)
{
    char s[32];
    snprintf(s, sizeof s, "%.1f", v);
    int rc = TG_SIM__PUTL(b, "{\"val\":\"");
    rc = rc ? rc : tg_sim__puts(b, s);
    return rc ? rc : TG_SIM__PUTL(b, "\",\"currency_code\":\"USD\",\"currency_symbol\":\"$\"}");
}

static int put_key(tg_buf *b, int64_t key)
{
    int rc = tg_sim__puti(b, key / 100);
    return rc ? rc : tg_buf_printf(b, ".%02d", (int)(key % 100));
}

static int render_post(const tg_sim__req *rq, const tg_sim__listing *l, tg_buf *b)
{
    const tg_sim_world *w = rq->w;
    const tg_sim__product *p = &w->products[l->product];
    bool sold = l->sold && l->sold <= rq->now;
    int64_t changed = sold ? l->sold : l->created;
    uint64_t h = tg_hash64(l->hex_id, 24);
    int likes = (int)(h % 23), shares = (int)((h >> 8) % 40), comments = (int)((h >> 16) % 4);
    const char *size = sizes[(h >> 24) % 9];
    char title[160];
    snprintf(title, sizeof title, "%s%s", p->name,
             (h >> 32) % 3 == 0   ? " NWT"
             : (h >> 32) % 3 == 1 ? " - worn once"
                                  : "");
    int rc = TG_SIM__PUTL(b, "{\"id\":\"");
    rc = rc ? rc : tg_sim__puts(b, l->hex_id);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"title\":");
    rc = rc ? rc : tg_sim__putjs(b, title);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"description\":");
    rc = rc ? rc
            : tg_sim__putjs(b, l->cond == 0 ? "Brand new with tags, never used."
                                            : "Gently used, great condition. Bundle to save!");
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"brand\":");
    rc = rc ? rc : tg_sim__putjs(b, p->name);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"size\":\"");
    rc = rc ? rc : tg_sim__puts(b, size);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"condition\":\"");
    rc = rc ? rc : tg_sim__puts(b, l->cond == 0 ? "nwt" : "not_nwt");
    rc = rc ? rc
            : TG_SIM__PUTL(b,
                           "\",\"category\":\"Other\",\"catalog\":{\"department_obj\":{\"id\":\"");
    rc = rc ? rc : tg_buf_printf(b, "%024x", 0x1008c10 + p->category);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"display\":\"");
    rc = rc ? rc : tg_sim__puts(b, departments[p->category]);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"slug\":\"");
    rc = rc ? rc : tg_sim__puts(b, departments[p->category]);
    rc = rc ? rc : TG_SIM__PUTL(b, "\"},\"category_obj\":{\"id\":\"");
    rc = rc ? rc : tg_buf_printf(b, "%024x", 0x7008c10 + p->category);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"display\":\"");
    rc = rc ? rc : tg_sim__puts(b, tg_sim__categories[p->category]);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"slug\":\"");
    rc = rc ? rc : tg_sim__puts(b, tg_sim__categories[p->category]);
    rc = rc ? rc : TG_SIM__PUTL(b, "\"}},\"price_amount\":");
    rc = rc ? rc : put_amount(b, l->price);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"original_price_amount\":");
    rc = rc ? rc : put_amount(b, l->orig_price);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"price\":");
    rc = rc ? rc : tg_sim__putu(b, (uint64_t)l->price);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"original_price\":");
    rc = rc ? rc : tg_sim__putu(b, (uint64_t)l->orig_price);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"inventory\":{\"status\":\"");
    rc = rc ? rc : (sold ? TG_SIM__PUTL(b, "sold_out") : TG_SIM__PUTL(b, "available"));
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"status_changed_at\":");
    rc = rc ? rc : put_time(b, changed);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"size_quantities\":[{\"size_id\":\"");
    rc = rc ? rc : tg_sim__puts(b, size);
    rc = rc ? rc
            : tg_buf_printf(b,
                            "\",\"quantity_available\":%d,\"quantity_reserved\":0,"
                            "\"quantity_sold\":%d}],\"multi_item\":false",
                            sold ? 0 : 1, sold ? 1 : 0);
    if (sold)
        rc = rc ? rc : TG_SIM__PUTL(b, ",\"nfs_reason\":\"s\"");
    rc = rc ? rc : TG_SIM__PUTL(b, "},\"status\":\"");
    rc = rc ? rc : (sold ? TG_SIM__PUTL(b, "sold") : TG_SIM__PUTL(b, "published"));
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"status_changed_at\":");
    rc = rc ? rc : put_time(b, changed);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"created_at\":");
    rc = rc ? rc : put_time(b, l->created);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"first_published_at\":");
    rc = rc ? rc : put_time(b, l->created);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"updated_at\":");
    rc = rc ? rc : put_time(b, changed);
    rc = rc ? rc
            : tg_buf_printf(b,
                            ",\"like_count\":%d,\"share_count\":%d,\"comment_count\":%d,"
                            "\"aggregates\":{\"shares\":%d,\"comments\":%d,\"likes\":%d}",
                            likes, shares, comments, shares, comments, likes);
    rc = rc ? rc : TG_SIM__PUTL(b, ",\"creator_id\":\"");
    rc = rc ? rc : tg_buf_printf(b, "%024x", 0x5be12335 + l->seller);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"creator_username\":\"");
    rc = rc ? rc : tg_sim__puts(b, w->sellers[l->seller]);
    rc = rc ? rc : TG_SIM__PUTL(b, "\",\"creator_display_handle\":\"");
    rc = rc ? rc : tg_sim__puts(b, w->sellers[l->seller]);
    rc = rc ? rc
            : TG_SIM__PUTL(b, "\",\"origin_domain\":\"us\",\"destination_domains\":[\"us\"],"
                              "\"has_offer\":false,\"pictures\":[],\"picture_url\":"
                              "\"https://di2ponv0v5otw.cloudfront.net/posts/sim/m_");
    rc = rc ? rc : tg_sim__puts(b, l->hex_id);
    return rc ? rc : TG_SIM__PUTL(b, ".jpg\"}");
}

int tg_sim__posh_item(const tg_sim__req *rq, const char *hex, tg_sim__resp *rs)
{
    if (rq->fault < rq->fault_rate)
        return posh_error(rs, 500, "InternalServerError", "Something went wrong.");
    size_t n = strlen(hex);
    bool ok = n == 24;
    for (size_t i = 0; ok && i < n; i++)
        ok = isxdigit((unsigned char)hex[i]) && !isupper((unsigned char)hex[i]);
    int32_t li = ok ? tg_sim__posh_find(rq->srv, hex) : -1;
    if (li < 0 || rq->w->listings[li].created > rq->now)
        return posh_error(rs, 404, "ResourceNotFound", "This listing could not be found.");
    rs->status = 200;
    rs->ctype = "application/json";
    int rc = TG_SIM__PUTL(&rs->body, "{\"data\":");
    rc = rc ? rc : render_post(rq, &rq->w->listings[li], &rs->body);
    return rc ? rc : TG_SIM__PUTL(&rs->body, "}");
}

/* "1590339263.92" (or a bare integer) -> seconds*100 + hundredths. */
static int parse_key(json_t *v, int64_t *out)
{
    char buf[48];
    if (json_is_string(v))
        snprintf(buf, sizeof buf, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, sizeof buf, "%.2f", json_real_value(v));
    else
        return -1;
    char *dot = strchr(buf, '.');
    int frac = 0;
    if (dot) {
        *dot = 0;
        const char *f = dot + 1;
        if (isdigit((unsigned char)f[0]))
            frac = (f[0] - '0') * 10 + (isdigit((unsigned char)f[1]) ? f[1] - '0' : 0);
    }
    char *end;
    long long sec = strtoll(buf, &end, 10);
    if (end == buf || *end)
        return -1;
    *out = sec * 100 + (sec < 0 ? -frac : frac);
    return 0;
}

int tg_sim__posh_search(const tg_sim__req *rq, tg_sim__resp *rs)
{
    const tg_sim_world *w = rq->w;
    if (rq->fault < rq->fault_rate)
        return posh_error(rs, 500, "InternalServerError", "Something went wrong.");
    const char *req = tg_sim__arg(rq, "request");
    if (!req)
        return posh_error(rs, 400, "InvalidParameter", "The request parameter is required.");
    json_error_t jerr;
    json_t *j = json_loads(req, 0, &jerr);
    int rc;
    if (!json_is_object(j)) {
        rc = posh_error(rs, 400, "InvalidParameter", "The request parameter is not JSON.");
        goto out;
    }
    const char *query = json_string_value(json_object_get(j, "query"));
    json_t *cj = json_object_get(j, "count");
    json_int_t count = 48;
    if (json_is_integer(cj))
        count = json_integer_value(cj);
    else if (json_is_string(cj))
        count = atoll(json_string_value(cj));
    if (!query || count < 1 || count > 100) {
        rc = posh_error(rs, 400, "InvalidParameter", "query is required and count must be 1..100.");
        goto out;
    }
    int64_t max_key = INT64_MAX;
    json_t *mj = json_object_get(j, "max_id");
    if (mj && !json_is_null(mj) && parse_key(mj, &max_key)) {
        rc = posh_error(rs, 400, "InvalidParameter", "max_id is not a number.");
        goto out;
    }
    /* filters.inventory_status: ["sold_out"] | ["available"] | absent (everything). */
    int want = 0; /* 0 all, 1 available, 2 sold_out */
    json_t *st = json_object_get(json_object_get(j, "filters"), "inventory_status");
    if (json_is_array(st) && json_array_size(st) == 1) {
        const char *s = json_string_value(json_array_get(st, 0));
        if (s && strcmp(s, "sold_out") == 0)
            want = 2;
        else if (s && strcmp(s, "available") == 0)
            want = 1;
    }
    int32_t pi = tg_sim__product_match(w, query);
    const tg_sim__product *p = pi >= 0 ? &w->products[pi] : NULL;
    const int32_t *list = NULL;
    int32_t n = 0;
    if (p) {
        list = want == 2 ? p->posh_sold : p->posh_created;
        n = want == 2 ? p->nposh_sold : p->nposh;
    }
    rs->status = 200;
    rs->ctype = "application/json";
    tg_buf *b = &rs->body;
    rc = TG_SIM__PUTL(b, "{\"data\":[");
    json_int_t out = 0;
    int64_t last_key = -1;
    bool more = false;
    for (int32_t i = 0; i < n && rc == TG_OK; i++) {
        const tg_sim__listing *l = &w->listings[list[i]];
        int64_t key = want == 2 ? l->key_sold : l->key_created;
        if (key >= max_key || l->created > rq->now)
            continue;
        bool sold = l->sold && l->sold <= rq->now;
        if ((want == 2 && !sold) || (want == 1 && sold))
            continue;
        if (out == count) {
            more = true;
            break;
        }
        if (out++)
            rc = TG_SIM__PUTL(b, ",");
        rc = rc ? rc : render_post(rq, l, b);
        last_key = key;
    }
    char req_id[64];
    tg_sim__log_id(rq, req_id, sizeof req_id);
    rc = rc ? rc : TG_SIM__PUTL(b, "],\"more\":{\"next_max_id\":");
    rc = rc ? rc : (more ? put_key(b, last_key) : TG_SIM__PUTL(b, "-1"));
    rc = rc ? rc : TG_SIM__PUTL(b, "},\"req_id\":\"");
    rc = rc ? rc : tg_sim__puts(b, req_id);
    rc = rc ? rc : TG_SIM__PUTL(b, "\"}");
out:
    json_decref(j);
    return rc;
}
