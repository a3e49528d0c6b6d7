/*
 * Daily API budgets (TikTok 1,000 requests/day, eBay 5,000/day), persisted
 * in TG_DB_QUOTAS and reset at 00:00 UTC. A reserve is kept back for
 * humans and retries. Requests are counted when they are sent (a 500
 * costs quota too); the count reaches the store with the writer's next
 * commit, so a crash can forget at most the requests in flight.
 * This is the LMDB backend; in a fleet the counter lives in Redis.
 */
#include "crawler/crawl_int.h"
#include "trendguard/error.h"

#include <string.h>

#define Q_V1 0x01

void tg_quota__init(tg_quota *q, const char *source, long limit, long reserve)
{
    memset(q, 0, sizeof *q);
    q->source = source;
    q->limit = limit;
    q->reserve = reserve;
}

int tg_quota__read(tg_store_read *r, const char *source, int32_t *day, long *used)
{
    const void *v;
    size_t vl;
    int rc = tg_store_raw_get(r, TG_DB_QUOTAS, source, strlen(source), &v, &vl);
    if (rc)
        return rc;
    const unsigned char *p = v;
    if (vl < 13 || p[0] != Q_V1)
        return TG_EDATA;
    uint32_t d = ((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 8) | p[4];
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | p[5 + i];
    *day = (int32_t)(d ^ 0x80000000u);
    *used = (long)u;
    return TG_OK;
}

int tg_quota__save(tg_store_txn *t, const char *source, int32_t day, long used)
{
    unsigned char v[13];
    uint32_t d = (uint32_t)day ^ 0x80000000u;
    v[0] = Q_V1;
    for (int i = 0; i < 4; i++)
        v[1 + i] = (unsigned char)(d >> (24 - 8 * i));
    uint64_t u = (uint64_t)(used < 0 ? 0 : used);
    for (int i = 0; i < 8; i++)
        v[5 + i] = (unsigned char)(u >> (56 - 8 * i));
    return tg_store_raw_put(t, TG_DB_QUOTAS, source, strlen(source), v, sizeof v);
}

int tg_quota__load(tg_quota *q, tg_store_read *r, int64_t now)
{
    int32_t day;
    long used;
    q->day = tg_day_of(now);
    q->used = 0;
    int rc = tg_quota__read(r, q->source, &day, &used);
    if (rc == TG_ENOTFOUND)
        return TG_OK;
    if (rc)
        return rc;
    q->stored_day = day;
    q->stored_used = used;
    if (day == q->day)
        q->used = used;
    return TG_OK;
}

static void roll(tg_quota *q, int64_t now)
{
    int32_t d = tg_day_of(now);
    if (d != q->day) {
        q->day = d;
        q->used = d == q->stored_day ? q->stored_used : 0;
        q->announced = false;
    }
}

bool tg_quota__can(tg_quota *q, int64_t now)
{
    roll(q, now);
    return q->used < q->limit - q->reserve;
}

void tg_quota__spend(tg_quota *q, int64_t now)
{
    roll(q, now);
    q->used++;
    q->unsaved++;
}

long tg_quota__left(const tg_quota *q)
{
    long left = q->limit - q->reserve - q->used;
    return left > 0 ? left : 0;
}

int64_t tg_quota__until_reset(int64_t now)
{
    int64_t next = ((int64_t)tg_day_of(now) + 1) * 86400;
    return next - now;
}
