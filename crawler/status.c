/*
 * `trendguard crawl status`: what the store says about each source - the
 * last successful page, the backlog (items due now / queued in total),
 * the budget left today and the failed fetches of the last 24 hours by
 * error class.
 */
#include "crawler/crawl_int.h"
#include "trendguard/error.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

typedef struct src_row {
    const char *name;   /* source name */
    const char *prefix; /* key prefix without '/' */
    bool on;
    char last[32];
    size_t due, total;
    long budget_left; /* -1: no budget */
    uint64_t errors[TG_EC__COUNT];
} src_row;

typedef struct log_ctx {
    src_row *rows;
    int n;
    int64_t since;
} log_ctx;

static int log_one(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    log_ctx *lc = ctx;
    const unsigned char *p = k, *q = v;
    if (kl != 16 || vl < 6 || q[0] != 1)
        return 0;
    uint64_t tt = 0;
    for (int i = 0; i < 8; i++)
        tt = (tt << 8) | p[i];
    int64_t t = (int64_t)(tt ^ (1ull << 63));
    if (t < lc->since)
        return 0;
    unsigned ec = q[1];
    /* skip the url vstr, then read the item key vstr */
    size_t off = 4, len = 0;
    int shift = 0;
    while (off < vl && shift < 64) {
        len |= (size_t)(q[off] & 0x7f) << shift;
        shift += 7;
        if (!(q[off++] & 0x80))
            break;
    }
    off += len + 1;
    len = 0;
    shift = 0;
    while (off < vl && shift < 64) {
        len |= (size_t)(q[off] & 0x7f) << shift;
        shift += 7;
        if (!(q[off++] & 0x80))
            break;
    }
    if (off + len > vl || ec >= TG_EC__COUNT)
        return 0;
    const char *key = (const char *)q + off;
    for (int i = 0; i < lc->n; i++) {
        size_t pl = strlen(lc->rows[i].prefix);
        if (len > pl && strncmp(key, lc->rows[i].prefix, pl) == 0 && key[pl] == '/')
            lc->rows[i].errors[ec]++;
    }
    return 0;
}

int tg_crawl_status(const tg_config *cfg, FILE *out, bool json)
{
    src_row rows[] = {
        {"tiktok", "tiktok", tg_src__tiktok.enabled(cfg), "", 0, 0, -1, {0}},
        {"ebay", "ebay", tg_src__ebay.enabled(cfg), "", 0, 0, -1, {0}},
        {"ebay_sold", "ebaysold", tg_src__ebaysold.enabled(cfg), "", 0, 0, -1, {0}},
        {"poshmark", "posh", tg_src__poshmark.enabled(cfg), "", 0, 0, -1, {0}},
        {"site", "site", tg_src__site.enabled(cfg), "", 0, 0, -1, {0}},
    };
    int n = (int)(sizeof rows / sizeof rows[0]);
    tg_store *s;
    int rc = tg_store_open_ex(&s, cfg->store_path, TG_STORE_RDONLY, cfg->map_size_mb);
    if (rc)
        return rc;
    tg_store_read *r;
    if ((rc = tg_store_read_begin(s, &r))) {
        tg_store_close(&s);
        return rc;
    }
    uint64_t now_ms = tg_crawl__now_ms();
    for (int i = 0; i < n; i++) {
        char pfx[32], key[64];
        snprintf(pfx, sizeof pfx, "%s/", rows[i].prefix);
        tg_frontier__count(r, now_ms, pfx, &rows[i].due, &rows[i].total);
        snprintf(key, sizeof key, "crawl.last_success.%s", rows[i].prefix);
        const void *v;
        size_t vl;
        if (tg_store_meta_get(r, key, &v, &vl) == TG_OK && vl < sizeof rows[i].last) {
            memcpy(rows[i].last, v, vl);
            rows[i].last[vl] = 0;
        }
    }
    /* budgets: the stored count of today (an older day means a fresh budget) */
    struct {
        int row;
        long limit, reserve;
    } b[] = {{0, cfg->tiktok_daily_quota, cfg->tiktok_quota_reserve},
             {1, cfg->ebay_daily_quota, cfg->ebay_quota_reserve}};
    for (int i = 0; i < 2; i++) {
        tg_quota q;
        tg_quota__init(&q, rows[b[i].row].name, b[i].limit, b[i].reserve);
        /* with clock = source the budget's day is the source's: take the
         * stored day as current (the source clock is not known here) */
        int64_t qnow = tg_now();
        int32_t qday;
        long qused;
        if (cfg->clock_source && tg_quota__read(r, rows[b[i].row].name, &qday, &qused) == TG_OK)
            qnow = (int64_t)qday * 86400;
        if (tg_quota__load(&q, r, qnow) == TG_OK)
            rows[b[i].row].budget_left = tg_quota__left(&q);
    }
    log_ctx lc = {rows, n, tg_now() - 86400};
    tg_store_raw_iter(r, TG_DB_FETCHLOG, NULL, 0, log_one, &lc);
    tg_store_read_end(&r);
    tg_store_close(&s);

    if (json) {
        json_t *doc = json_object(), *arr = json_array();
        for (int i = 0; i < n; i++) {
            json_t *errs = json_object();
            for (int e = 1; e < TG_EC__COUNT; e++)
                if (rows[i].errors[e])
                    json_object_set_new(errs, tg_crawl_errclass_name((tg_errclass)e),
                                        json_integer((json_int_t)rows[i].errors[e]));
            json_array_append_new(
                arr, json_pack("{s:s,s:b,s:o,s:I,s:I,s:o,s:o}", "source", rows[i].name,
                               "configured", rows[i].on, "last_success",
                               rows[i].last[0] ? json_string(rows[i].last) : json_null(), "due",
                               (json_int_t)rows[i].due, "queued", (json_int_t)rows[i].total,
                               "budget_left",
                               rows[i].budget_left >= 0 ? json_integer(rows[i].budget_left)
                                                        : json_null(),
                               "errors_24h", errs));
        }
        json_object_set_new(doc, "sources", arr);
        json_dumpf(doc, out, JSON_INDENT(2));
        fputc('\n', out);
        json_decref(doc);
    } else {
        fprintf(out, "source,configured,last_success,due,queued,budget_left,errors_24h\n");
        for (int i = 0; i < n; i++) {
            char errs[256] = "";
            size_t k = 0;
            for (int e = 1; e < TG_EC__COUNT; e++)
                if (rows[i].errors[e] && k < sizeof errs - 32)
                    k += (size_t)snprintf(errs + k, sizeof errs - k, "%s%s=%llu", k ? ";" : "",
                                          tg_crawl_errclass_name((tg_errclass)e),
                                          (unsigned long long)rows[i].errors[e]);
            char budget[24] = "";
            if (rows[i].budget_left >= 0)
                snprintf(budget, sizeof budget, "%ld", rows[i].budget_left);
            fprintf(out, "%s,%s,%s,%zu,%zu,%s,%s\n", rows[i].name, rows[i].on ? "yes" : "no",
                    rows[i].last, rows[i].due, rows[i].total, budget, errs);
        }
    }
    return TG_OK;
}
