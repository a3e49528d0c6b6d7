/*
 * result_codec.c - a tg_result as bytes, for the fleet's NS:results stream.
 *
 * A fleet worker encodes what one fetch produced; the sink decodes it and
 * hands the list to tg_crawl__apply(). The records reuse the store's record
 * codecs (store/codec.c: each record is its LMDB key and value), so a record
 * crosses the stream in exactly the bytes it will have in the store.
 *
 * FORMAT (version 1; primitives as in store/store_int.h)
 *   u8 0x01 version
 *   item          vstr key, uvar due_ms, u8 kind, uvar attempts, vstr state
 *   uvar fate     (enum tg_fate)
 *   [fate == TG_FATE_NEXT] next item (as above)
 *   u8 flags      1 round_done, 2 page, 4 retry
 *   uvar ec, svar status, ostr url, uvar reqid, svar obs_t
 *   uvar n, n x (blob key, blob value)      videos     (tg_store__enc_video)
 *   uvar n, n x (blob key, blob value)      snapshots
 *   uvar n, n x (blob key, blob value)      listings
 *   uvar n, n x (blob key, blob value)      price observations
 *   uvar n, n x (vstr hashtag, svar day)    hashtag-days to recompute
 *   uvar n, n x (item, ostr seen, ostr site, svar max_pages)  discovered items
 *   u8 has_meta   [1] vstr meta_key, vstr meta_val
 *   u8 has_robots [1] vstr host, uvar mode, blob body
 *
 *   ostr  u8 0 (NULL) or u8 1 and a vstr
 *   blob  uvar n, n bytes, one 0x00 (not counted; a C string for readers)
 *
 * Like the store's records, fields are only appended within a version and a
 * reader ignores trailing bytes; any other deviation is TG_EDATA.
 *
 * Decoding copies the input into the result's arena once and lets every
 * string point into that copy (the record decoders return pointers into the
 * bytes they are given), so a decoded result owns all its memory.
 */
#include "crawler/crawl_int.h"
#include "store/store_int.h"
#include "trendguard/error.h"

#include <string.h>

#define RESULT_V1 0x01
/* An encoded result larger than this is refused (both ways). */
#define RESULT_MAX_BYTES ((size_t)64 << 20)

enum { F_ROUND_DONE = 1, F_PAGE = 2, F_RETRY = 4 };

/* Accumulate the first error of a chain of appends (as in store/codec.c). */
#define W(expr)                                                                                    \
    do {                                                                                           \
        if (rc == 0)                                                                               \
            rc = (expr);                                                                           \
    } while (0)

/* ---- encoding ------------------------------------------------------------ */

static int put_blob(tg_buf *b, const void *p, size_t n)
{
    int rc = tg_store__put_uvar(b, n);
    W(tg_buf_add(b, p, n));
    W(tg_buf_addc(b, 0));
    return rc;
}

static int put_ostr(tg_buf *b, const char *s)
{
    int rc = tg_buf_addc(b, s ? 1 : 0);
    if (s)
        W(tg_store__put_vstr(b, s));
    return rc;
}

static int put_item(tg_buf *b, const tg_item *it)
{
    int rc = tg_store__put_vstr(b, it->key);
    W(tg_store__put_uvar(b, it->due_ms));
    W(tg_buf_addc(b, (char)it->kind));
    W(tg_store__put_uvar(b, it->attempts));
    W(tg_store__put_vstr(b, it->state));
    return rc;
}

/* One record vector: its count, then each record's store key and value. */
#define PUT_RECORDS(vec, name)                                                                     \
    do {                                                                                           \
        W(tg_store__put_uvar(out, (vec).n));                                                       \
        for (size_t i_ = 0; i_ < (vec).n && !rc; i_++) {                                           \
            W(tg_store__enc_##name(&kb, &vb, &(vec).v[i_]));                                       \
            W(put_blob(out, kb.data, kb.len));                                                     \
            W(put_blob(out, vb.data, vb.len));                                                     \
        }                                                                                          \
    } while (0)

int tg_result__encode(const tg_result *r, tg_buf *out)
{
    tg_buf kb, vb;
    tg_buf_init(&kb, TG_STORE_MAX_KEY + 1);
    tg_buf_init(&vb, TG_STORE_MAX_VALUE);
    size_t start = out->len;
    int rc = tg_buf_addc(out, RESULT_V1);
    W(put_item(out, &r->item));
    W(tg_store__put_uvar(out, (uint64_t)r->fate));
    if (r->fate == TG_FATE_NEXT)
        W(put_item(out, &r->next_item));
    W(tg_buf_addc(out, (char)((r->round_done ? F_ROUND_DONE : 0) | (r->page ? F_PAGE : 0) |
                              (r->retry ? F_RETRY : 0))));
    W(tg_store__put_uvar(out, (uint64_t)r->ec));
    W(tg_store__put_svar(out, r->status));
    W(put_ostr(out, r->url));
    W(tg_store__put_uvar(out, r->reqid));
    W(tg_store__put_svar(out, r->obs_t));
    PUT_RECORDS(r->videos, video);
    PUT_RECORDS(r->snaps, snapshot);
    PUT_RECORDS(r->listings, listing);
    PUT_RECORDS(r->prices, price_obs);
    W(tg_store__put_uvar(out, r->tagdays.n));
    for (size_t i = 0; i < r->tagdays.n && !rc; i++) {
        W(tg_store__put_vstr(out, r->tagdays.v[i].hashtag));
        W(tg_store__put_svar(out, r->tagdays.v[i].day));
    }
    W(tg_store__put_uvar(out, r->items.n));
    for (size_t i = 0; i < r->items.n && !rc; i++) {
        const tg_new_item *ni = &r->items.v[i];
        W(put_item(out, &ni->it));
        W(put_ostr(out, ni->seen));
        W(put_ostr(out, ni->site));
        W(tg_store__put_svar(out, ni->max_pages));
    }
    W(tg_buf_addc(out, r->meta_key ? 1 : 0));
    if (r->meta_key) {
        W(tg_store__put_vstr(out, r->meta_key));
        W(tg_store__put_vstr(out, r->meta_val ? r->meta_val : ""));
    }
    W(tg_buf_addc(out, r->robots_host ? 1 : 0));
    if (r->robots_host) {
        W(tg_store__put_vstr(out, r->robots_host));
        W(tg_store__put_uvar(out, (uint64_t)r->robots_mode));
        W(put_blob(out, r->robots_len ? r->robots_body : "", r->robots_len));
    }
    if (!rc && out->len - start > RESULT_MAX_BYTES)
        rc = TG_ETOOBIG;
    if (rc) { /* leave out as it was: a partial result must never be sent */
        out->len = start;
        if (out->data)
            out->data[start] = 0;
    }
    tg_buf_free(&kb);
    tg_buf_free(&vb);
    return rc;
}

/* ---- decoding ------------------------------------------------------------ */

/* A blob: its bytes (NUL-terminated, may hold NULs) and length. */
static const char *get_blob(tg_store__rd *rd, size_t *n)
{
    uint64_t len = tg_store__get_uvar(rd);
    if (rd->err || len >= (uint64_t)(rd->end - rd->p) || rd->p[len] != 0) {
        rd->err = TG_EDATA;
        *n = 0;
        return "";
    }
    const char *p = (const char *)rd->p;
    rd->p += len + 1;
    *n = (size_t)len;
    return p;
}

static const char *get_ostr(tg_store__rd *rd)
{
    unsigned has = tg_store__get_u8(rd);
    if (has > 1)
        rd->err = TG_EDATA;
    return has == 1 ? tg_store__get_vstr(rd) : NULL;
}

/* The decoded strings point into the result's own (mutable) copy of the input,
 * hence the casts from const for tg_item's char * fields. */
static void get_item(tg_store__rd *rd, tg_item *it)
{
    it->key = (char *)tg_store__get_vstr(rd);
    it->due_ms = tg_store__get_uvar(rd);
    it->kind = (uint8_t)tg_store__get_u8(rd);
    uint64_t att = tg_store__get_uvar(rd);
    if (att > UINT16_MAX)
        rd->err = TG_EDATA;
    it->attempts = (uint16_t)att;
    it->state = (char *)tg_store__get_vstr(rd);
}

/* A count of elements that each take at least one byte: more than the bytes
 * left is malformed (and must not size an allocation). */
static size_t get_count(tg_store__rd *rd)
{
    uint64_t n = tg_store__get_uvar(rd);
    if (rd->err || n > (uint64_t)(rd->end - rd->p) || n > (1u << 20)) {
        rd->err = TG_EDATA;
        return 0;
    }
    return (size_t)n;
}

#define GET_RECORDS(vec, name)                                                                     \
    do {                                                                                           \
        size_t n_ = get_count(&rd);                                                                \
        for (size_t i_ = 0; i_ < n_ && !rd.err && !rc; i_++) {                                     \
            size_t kl_, vl_;                                                                       \
            const char *k_ = get_blob(&rd, &kl_);                                                  \
            const char *v_ = get_blob(&rd, &vl_);                                                  \
            memset(&rec_##name, 0, sizeof rec_##name);                                             \
            if (!rd.err && tg_store__dec_##name(k_, kl_, v_, vl_, &rec_##name) != TG_OK)           \
                rd.err = TG_EDATA;                                                                 \
            if (!rd.err)                                                                           \
                rc = TG_VEC_PUSH(vec, rec_##name);                                                 \
        }                                                                                          \
    } while (0)

int tg_result__decode(const void *p, size_t n, tg_result **out)
{
    *out = NULL;
    if (!p || n < 1 || n > RESULT_MAX_BYTES || *(const unsigned char *)p != RESULT_V1)
        return TG_EDATA;
    int rc = TG_ENOMEM;
    tg_result *r = tg_result__new(&(tg_item){.key = "", .state = ""});
    if (!r)
        goto out;
    char *copy = tg_arena__alloc(&r->a, n);
    if (!copy)
        goto out;
    memcpy(copy, p, n);
    rc = TG_OK;

    tg_store__rd rd;
    tg_store__rd_init(&rd, copy, n);
    (void)tg_store__get_u8(&rd); /* the version, checked above */
    get_item(&rd, &r->item);
    uint64_t fate = tg_store__get_uvar(&rd);
    if (fate > TG_FATE_NONE)
        rd.err = TG_EDATA;
    r->fate = (int)fate;
    if (r->fate == TG_FATE_NEXT)
        get_item(&rd, &r->next_item);
    unsigned flags = tg_store__get_u8(&rd);
    if (flags & ~(unsigned)(F_ROUND_DONE | F_PAGE | F_RETRY))
        rd.err = TG_EDATA;
    r->round_done = flags & F_ROUND_DONE;
    r->page = flags & F_PAGE;
    r->retry = flags & F_RETRY;
    uint64_t ec = tg_store__get_uvar(&rd);
    if (ec >= TG_EC__COUNT)
        rd.err = TG_EDATA;
    r->ec = (tg_errclass)ec;
    r->status = (long)tg_store__get_svar(&rd);
    r->url = get_ostr(&rd);
    r->reqid = tg_store__get_uvar(&rd);
    r->obs_t = tg_store__get_svar(&rd);

    tg_video rec_video;
    tg_snapshot rec_snapshot;
    tg_listing rec_listing;
    tg_price_obs rec_price_obs;
    GET_RECORDS(r->videos, video);
    GET_RECORDS(r->snaps, snapshot);
    GET_RECORDS(r->listings, listing);
    GET_RECORDS(r->prices, price_obs);

    size_t nd = get_count(&rd);
    for (size_t i = 0; i < nd && !rd.err && !rc; i++) {
        tg_tagday d;
        d.hashtag = tg_store__get_vstr(&rd);
        int64_t day = tg_store__get_svar(&rd);
        if (day < INT32_MIN || day > INT32_MAX)
            rd.err = TG_EDATA;
        d.day = (int32_t)day;
        if (!rd.err)
            rc = TG_VEC_PUSH(r->tagdays, d);
    }
    size_t ni = get_count(&rd);
    for (size_t i = 0; i < ni && !rd.err && !rc; i++) {
        tg_new_item it;
        memset(&it, 0, sizeof it);
        get_item(&rd, &it.it);
        it.seen = get_ostr(&rd);
        it.site = get_ostr(&rd);
        it.max_pages = (long)tg_store__get_svar(&rd);
        if (!rd.err)
            rc = TG_VEC_PUSH(r->items, it);
    }
    unsigned has_meta = tg_store__get_u8(&rd);
    if (has_meta == 1) {
        r->meta_key = tg_store__get_vstr(&rd);
        r->meta_val = tg_store__get_vstr(&rd);
    }
    unsigned has_robots = has_meta > 1 ? 0 : tg_store__get_u8(&rd);
    if (has_meta > 1 || has_robots > 1)
        rd.err = TG_EDATA;
    if (has_robots == 1) {
        r->robots_host = tg_store__get_vstr(&rd);
        uint64_t mode = tg_store__get_uvar(&rd);
        if (mode > 2)
            rd.err = TG_EDATA;
        r->robots_mode = (int)mode;
        r->robots_body = get_blob(&rd, &r->robots_len);
    }
    if (!rc && rd.err)
        rc = TG_EDATA;
out:
    if (rc) {
        tg_result__free(r);
        return rc;
    }
    *out = r;
    return TG_OK;
}
