/*
 * The frontier: a durable, due-time ordered queue in the store (layout in
 * crawl_int.h). This is the LMDB backend; a Redis backend for the fleet
 * slots in behind the same functions. An item is never popped: it stays
 * where it is until the write transaction that stores its results moves it
 * (paging, next poll, retry) or deletes it, so a crash loses nothing and
 * the in-memory lease of the single-process crawler dies with the process.
 */
#include "crawler/crawl_int.h"
#include "trendguard/error.h"

#include <string.h>

#define FR_V1 0x01
#define FR_MAX_KEY 480

static void be64_put(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t be64_get(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static int get_due(tg_store_read *r, const char *key, uint64_t *due)
{
    const void *v;
    size_t vl;
    int rc = tg_store_raw_get(r, TG_DB_FRONTIER_IDX, key, strlen(key), &v, &vl);
    if (rc)
        return rc;
    if (vl != 8)
        return TG_EDATA;
    *due = be64_get(v);
    return TG_OK;
}

static int del_at(tg_store_txn *t, const char *key, uint64_t due)
{
    unsigned char k[8 + FR_MAX_KEY];
    size_t kl = strlen(key);
    be64_put(k, due);
    memcpy(k + 8, key, kl);
    int rc = tg_store_raw_del(t, TG_DB_FRONTIER, k, 8 + kl);
    return rc == TG_ENOTFOUND ? TG_OK : rc;
}

int tg_frontier__encode(const tg_item *it, tg_buf *out)
{
    const char *st = it->state ? it->state : "";
    unsigned char h[4] = {FR_V1, it->kind, (unsigned char)(it->attempts >> 8),
                          (unsigned char)it->attempts};
    int rc = tg_buf_add(out, h, 4);
    return rc ? rc : tg_buf_add(out, st, strlen(st));
}

int tg_frontier__decode(const void *v, size_t vl, tg_item *it, char *buf, size_t bufn)
{
    const unsigned char *vp = v;
    if (vl < 4 || vp[0] != FR_V1)
        return TG_EDATA;
    if (vl - 4 + 1 > bufn)
        return TG_ETOOBIG;
    memcpy(buf, vp + 4, vl - 4);
    buf[vl - 4] = 0;
    it->state = buf;
    it->kind = vp[1];
    it->attempts = (uint16_t)((vp[2] << 8) | vp[3]);
    return TG_OK;
}

int tg_frontier__put(tg_store_txn *t, const tg_item *it)
{
    size_t kl = strlen(it->key), sl = strlen(it->state ? it->state : "");
    if (kl == 0 || kl > FR_MAX_KEY)
        return TG_EINVAL;
    uint64_t old;
    int rc = get_due(tg_store_txn_reader(t), it->key, &old);
    if (rc == TG_OK && old != it->due_ms && (rc = del_at(t, it->key, old)))
        return rc;
    if (rc && rc != TG_ENOTFOUND)
        return rc;
    unsigned char k[8 + FR_MAX_KEY];
    be64_put(k, it->due_ms);
    memcpy(k + 8, it->key, kl);
    tg_buf v;
    tg_buf_init(&v, 4 + sl);
    rc = tg_frontier__encode(it, &v);
    if (!rc)
        rc = tg_store_raw_put(t, TG_DB_FRONTIER, k, 8 + kl, v.data, v.len);
    tg_buf_free(&v);
    if (rc)
        return rc;
    return tg_store_raw_put(t, TG_DB_FRONTIER_IDX, it->key, kl, k, 8);
}

/* The fleet leader runs the sources' seed functions unchanged, with a NULL
 * transaction: their puts are collected into one result that goes to Redis
 * as a DONE without a key (put-absent there). Loop thread only. */
static tg_result *collector;

void tg_frontier__collect(tg_result *into)
{
    collector = into;
}

tg_result *tg_frontier__collector(void)
{
    return collector;
}

int tg_frontier__put_absent(tg_store_txn *t, const tg_item *it, bool *added)
{
    *added = false;
    if (!t) {
        if (!collector)
            return TG_EINVAL;
        tg_new_item ni;
        memset(&ni, 0, sizeof ni);
        ni.it = *it;
        ni.it.key = tg_arena__strdup(&collector->a, it->key);
        ni.it.state = tg_arena__strdup(&collector->a, it->state ? it->state : "");
        if (!ni.it.key || !ni.it.state)
            return TG_ENOMEM;
        *added = true;
        return TG_VEC_PUSH(collector->items, ni);
    }
    if (tg_frontier__has(tg_store_txn_reader(t), it->key))
        return TG_OK;
    int rc = tg_frontier__put(t, it);
    *added = rc == TG_OK;
    return rc;
}

bool tg_frontier__has(tg_store_read *r, const char *key)
{
    uint64_t due;
    return get_due(r, key, &due) == TG_OK;
}

int tg_frontier__del(tg_store_txn *t, const char *key)
{
    uint64_t due;
    int rc = get_due(tg_store_txn_reader(t), key, &due);
    if (rc == TG_ENOTFOUND)
        return TG_OK;
    if (rc)
        return rc;
    if ((rc = del_at(t, key, due)))
        return rc;
    rc = tg_store_raw_del(t, TG_DB_FRONTIER_IDX, key, strlen(key));
    return rc == TG_ENOTFOUND ? TG_OK : rc;
}

/* Decode one frontier entry into it (pointers into buf). */
static int decode(const void *k, size_t kl, const void *v, size_t vl, tg_item *it, char *buf,
                  size_t bufn)
{
    const unsigned char *kp = k, *vp = v;
    if (kl <= 8 || vl < 4 || vp[0] != FR_V1)
        return TG_EDATA;
    size_t klen = kl - 8, slen = vl - 4;
    if (klen + slen + 2 > bufn)
        return TG_ETOOBIG;
    memcpy(buf, kp + 8, klen);
    buf[klen] = 0;
    memcpy(buf + klen + 1, vp + 4, slen);
    buf[klen + 1 + slen] = 0;
    it->key = buf;
    it->state = buf + klen + 1;
    it->due_ms = be64_get(kp);
    it->kind = vp[1];
    it->attempts = (uint16_t)((vp[2] << 8) | vp[3]);
    return TG_OK;
}

struct scan_ctx {
    tg_frontier_cb cb;
    void *ctx;
    char buf[16384];
};

static int scan_one(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    struct scan_ctx *sc = ctx;
    tg_item it;
    if (decode(k, kl, v, vl, &it, sc->buf, sizeof sc->buf))
        return 0; /* a foreign or oversized entry: skip it, never crash */
    return sc->cb(&it, sc->ctx);
}

int tg_frontier__scan(tg_store_read *r, uint64_t until_ms, tg_frontier_cb cb, void *ctx)
{
    struct scan_ctx *sc = tg_malloc(sizeof *sc);
    if (!sc)
        return TG_ENOMEM;
    sc->cb = cb;
    sc->ctx = ctx;
    unsigned char to[8];
    be64_put(to, until_ms == UINT64_MAX ? UINT64_MAX : until_ms + 1);
    int rc = tg_store_raw_range(r, TG_DB_FRONTIER, NULL, 0, until_ms == UINT64_MAX ? NULL : to,
                                until_ms == UINT64_MAX ? 0 : 8, scan_one, sc);
    tg_free(sc);
    return rc;
}

struct count_ctx {
    uint64_t now;
    const char *prefix;
    size_t plen, due, total;
};

static int count_one(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    (void)v;
    (void)vl;
    struct count_ctx *cc = ctx;
    if (kl < 8)
        return 0;
    if (cc->prefix && (kl - 8 < cc->plen || memcmp((const char *)k + 8, cc->prefix, cc->plen)))
        return 0;
    cc->total++;
    if (be64_get(k) <= cc->now)
        cc->due++;
    return 0;
}

int tg_frontier__count(tg_store_read *r, uint64_t now_ms, const char *prefix, size_t *due,
                       size_t *total)
{
    struct count_ctx cc = {now_ms, prefix, prefix ? strlen(prefix) : 0, 0, 0};
    int rc = tg_store_raw_iter(r, TG_DB_FRONTIER, NULL, 0, count_one, &cc);
    if (due)
        *due = cc.due;
    if (total)
        *total = cc.total;
    return rc;
}
