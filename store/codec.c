/*
 * codec.c - key and value encodings of the store (format: store_int.h).
 *
 * Decoders are written for hostile input: every read goes through the
 * tg_store__rd cursor whose error is sticky, so a record is checked once at
 * the end instead of after each field.
 */
#include "store/store_int.h"

#include "trendguard/error.h"

#include <math.h>
#include <string.h>

/* ---- primitives ---------------------------------------------------------- */

int tg_store__key_str(tg_buf *b, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    int rc = tg_buf_add(b, s, n);
    if (rc == 0)
        rc = tg_buf_add(b, "", 1);
    return rc;
}

int tg_store__key_be64(tg_buf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 7; i >= 0; i--) {
        x[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    return tg_buf_add(b, x, 8);
}

int tg_store__key_be64t(tg_buf *b, int64_t v)
{
    return tg_store__key_be64(b, (uint64_t)v ^ (UINT64_C(1) << 63));
}

int tg_store__key_be32t(tg_buf *b, int32_t v)
{
    uint32_t u = (uint32_t)v ^ UINT32_C(0x80000000);
    unsigned char x[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 8), (unsigned char)u};
    return tg_buf_add(b, x, 4);
}

uint64_t tg_store__get_be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

uint32_t tg_store__get_be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int tg_store__put_uvar(tg_buf *b, uint64_t v)
{
    unsigned char x[10];
    size_t n = 0;
    while (v >= 0x80) {
        x[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    x[n++] = (unsigned char)v;
    return tg_buf_add(b, x, n);
}

int tg_store__put_svar(tg_buf *b, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0); /* zigzag */
    return tg_store__put_uvar(b, z);
}

int tg_store__put_f64(tg_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(u >> (8 * i));
    return tg_buf_add(b, x, 8);
}

int tg_store__put_vstr(tg_buf *b, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    int rc = tg_store__put_uvar(b, n);
    if (rc == 0)
        rc = tg_buf_add(b, s, n);
    if (rc == 0)
        rc = tg_buf_add(b, "", 1);
    return rc;
}

void tg_store__rd_init(tg_store__rd *r, const void *p, size_t n)
{
    r->p = p;
    r->end = r->p + n;
    r->err = 0;
}

uint64_t tg_store__get_uvar(tg_store__rd *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->err = TG_EDATA;
            return 0;
        }
        unsigned c = *r->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->err = TG_EDATA;
    return 0;
}

int64_t tg_store__get_svar(tg_store__rd *r)
{
    uint64_t z = tg_store__get_uvar(r);
    return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

const unsigned char *tg_store__get_bytes(tg_store__rd *r, size_t n)
{
    if (r->err || (size_t)(r->end - r->p) < n) {
        r->err = TG_EDATA;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    return p;
}

double tg_store__get_f64(tg_store__rd *r)
{
    const unsigned char *p = tg_store__get_bytes(r, 8);
    if (!p)
        return NAN;
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = (u << 8) | p[i];
    double d;
    memcpy(&d, &u, 8);
    return d;
}

unsigned tg_store__get_u8(tg_store__rd *r)
{
    const unsigned char *p = tg_store__get_bytes(r, 1);
    return p ? *p : 0;
}

const char *tg_store__get_vstr(tg_store__rd *r)
{
    uint64_t n = tg_store__get_uvar(r);
    if (r->err || n >= (uint64_t)(r->end - r->p)) {
        r->err = TG_EDATA;
        return "";
    }
    const unsigned char *s = r->p;
    if (s[n] != 0 || memchr(s, 0, (size_t)n)) {
        r->err = TG_EDATA;
        return "";
    }
    r->p += n + 1;
    return (const char *)s;
}

const char *tg_store__key_take_str(tg_store__rd *r)
{
    if (r->err)
        return NULL;
    const unsigned char *z = memchr(r->p, 0, (size_t)(r->end - r->p));
    if (!z) {
        r->err = TG_EDATA;
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p = z + 1;
    return s;
}

static int32_t take_be32t(tg_store__rd *r)
{
    const unsigned char *p = tg_store__get_bytes(r, 4);
    return p ? (int32_t)(tg_store__get_be32(p) ^ UINT32_C(0x80000000)) : 0;
}

static int64_t take_be64t(tg_store__rd *r)
{
    const unsigned char *p = tg_store__get_bytes(r, 8);
    return p ? (int64_t)(tg_store__get_be64(p) ^ (UINT64_C(1) << 63)) : 0;
}

static uint64_t take_be64(tg_store__rd *r)
{
    const unsigned char *p = tg_store__get_bytes(r, 8);
    return p ? tg_store__get_be64(p) : 0;
}

/* Start a value: check the version byte. */
static void value_begin(tg_store__rd *r, const void *v, size_t vl)
{
    tg_store__rd_init(r, v, vl);
    if (tg_store__get_u8(r) != TG_STORE_REC_V1)
        r->err = TG_EDATA;
}

/* A key must be consumed exactly. */
static int key_end(tg_store__rd *k)
{
    return (k->err || k->p != k->end) ? TG_EDATA : TG_OK;
}

static void reset2(tg_buf *kb, tg_buf *vb)
{
    tg_buf_reset(kb);
    tg_buf_reset(vb);
}

/* Accumulate the first error of a chain of appends. */
#define W(expr)                                                                                    \
    do {                                                                                           \
        if (rc == 0)                                                                               \
            rc = (expr);                                                                           \
    } while (0)

/* ---- products ------------------------------------------------------------ */

int tg_store__enc_product(tg_buf *kb, tg_buf *vb, const tg_product *p)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_store__key_str(kb, p->product_id));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_store__put_vstr(vb, p->name));
    W(tg_store__put_vstr(vb, p->category));
    W(tg_store__put_f64(vb, p->price));
    W(tg_store__put_vstr(vb, p->hashtags));
    W(tg_store__put_vstr(vb, p->resale_query));
    W(tg_store__put_svar(vb, p->launch_date));
    return rc;
}

int tg_store__dec_product(const void *k, size_t kl, const void *v, size_t vl, tg_product *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->product_id = tg_store__key_take_str(&kr);
    value_begin(&r, v, vl);
    o->name = tg_store__get_vstr(&r);
    o->category = tg_store__get_vstr(&r);
    o->price = tg_store__get_f64(&r);
    o->hashtags = tg_store__get_vstr(&r);
    o->resale_query = tg_store__get_vstr(&r);
    o->launch_date = tg_store__get_svar(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

/* ---- trends -------------------------------------------------------------- */

int tg_store__enc_trend(tg_buf *kb, tg_buf *vb, const tg_trend *t)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_store__key_str(kb, t->hashtag));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_store__put_f64(vb, t->bot_score));
    W(tg_buf_addc(vb, t->is_bot ? 1 : 0));
    W(tg_store__put_svar(vb, t->first_seen));
    W(tg_store__put_svar(vb, t->updated));
    return rc;
}

int tg_store__dec_trend(const void *k, size_t kl, const void *v, size_t vl, tg_trend *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->hashtag = tg_store__key_take_str(&kr);
    value_begin(&r, v, vl);
    o->bot_score = tg_store__get_f64(&r);
    o->is_bot = tg_store__get_u8(&r) != 0;
    o->first_seen = tg_store__get_svar(&r);
    o->updated = tg_store__get_svar(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

/* ---- videos -------------------------------------------------------------- */

int tg_store__enc_video(tg_buf *kb, tg_buf *vb, const tg_video *x)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_store__key_be64(kb, x->id));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_store__put_vstr(vb, x->username));
    W(tg_store__put_vstr(vb, x->description));
    W(tg_store__put_vstr(vb, x->hashtags));
    W(tg_store__put_vstr(vb, x->region));
    W(tg_store__put_svar(vb, x->create_time));
    W(tg_store__put_svar(vb, x->first_seen));
    return rc;
}

int tg_store__dec_video(const void *k, size_t kl, const void *v, size_t vl, tg_video *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->id = take_be64(&kr);
    value_begin(&r, v, vl);
    o->username = tg_store__get_vstr(&r);
    o->description = tg_store__get_vstr(&r);
    o->hashtags = tg_store__get_vstr(&r);
    o->region = tg_store__get_vstr(&r);
    o->create_time = tg_store__get_svar(&r);
    o->first_seen = tg_store__get_svar(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

/* ---- snapshots ----------------------------------------------------------- */

/* Unsigned LEB128 into p (room for 10 bytes); returns the bytes written. */
static size_t uvar_to(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static size_t svar_to(unsigned char *p, int64_t v)
{
    return uvar_to(p, ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0));
}

/* Spelled out byte by byte: compilers turn this into one byte swap and store. */
static void be64_to(unsigned char *p, uint64_t v)
{
    p[0] = (unsigned char)(v >> 56);
    p[1] = (unsigned char)(v >> 48);
    p[2] = (unsigned char)(v >> 40);
    p[3] = (unsigned char)(v >> 32);
    p[4] = (unsigned char)(v >> 24);
    p[5] = (unsigned char)(v >> 16);
    p[6] = (unsigned char)(v >> 8);
    p[7] = (unsigned char)v;
}

size_t tg_store__snapshot_kv(unsigned char k[TG_STORE__SNAP_KEY],
                             unsigned char v[TG_STORE__SNAP_VMAX], const tg_snapshot *s)
{
    be64_to(k, s->video_id);
    be64_to(k + 8, (uint64_t)s->t ^ (UINT64_C(1) << 63));
    size_t n = 0;
    v[n++] = TG_STORE_REC_V1;
    n += svar_to(v + n, s->views);
    n += svar_to(v + n, s->likes);
    n += svar_to(v + n, s->comments);
    n += svar_to(v + n, s->shares);
    return n;
}

int tg_store__enc_snapshot(tg_buf *kb, tg_buf *vb, const tg_snapshot *s)
{
    unsigned char k[TG_STORE__SNAP_KEY], v[TG_STORE__SNAP_VMAX];
    size_t vl = tg_store__snapshot_kv(k, v, s);
    reset2(kb, vb);
    int rc = tg_buf_add(kb, k, sizeof k);
    if (rc == 0)
        rc = tg_buf_add(vb, v, vl);
    return rc;
}

int tg_store__dec_snapshot(const void *k, size_t kl, const void *v, size_t vl, tg_snapshot *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->video_id = take_be64(&kr);
    o->t = take_be64t(&kr);
    value_begin(&r, v, vl);
    o->views = tg_store__get_svar(&r);
    o->likes = tg_store__get_svar(&r);
    o->comments = tg_store__get_svar(&r);
    o->shares = tg_store__get_svar(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

/* ---- hashtag days -------------------------------------------------------- */

int tg_store__enc_hashtag_day(tg_buf *kb, tg_buf *vb, const tg_hashtag_day *d)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_store__key_str(kb, d->hashtag));
    W(tg_store__key_be32t(kb, d->day));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_store__put_svar(vb, d->videos));
    W(tg_store__put_svar(vb, d->new_videos));
    W(tg_store__put_svar(vb, d->authors));
    W(tg_store__put_svar(vb, d->views));
    W(tg_store__put_svar(vb, d->likes));
    W(tg_store__put_svar(vb, d->comments));
    W(tg_store__put_svar(vb, d->shares));
    W(tg_store__put_f64(vb, d->top_author_share));
    W(tg_store__put_f64(vb, d->bot_score));
    return rc;
}

int tg_store__dec_hashtag_day(const void *k, size_t kl, const void *v, size_t vl, tg_hashtag_day *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->hashtag = tg_store__key_take_str(&kr);
    o->day = take_be32t(&kr);
    value_begin(&r, v, vl);
    o->videos = tg_store__get_svar(&r);
    o->new_videos = tg_store__get_svar(&r);
    o->authors = tg_store__get_svar(&r);
    o->views = tg_store__get_svar(&r);
    o->likes = tg_store__get_svar(&r);
    o->comments = tg_store__get_svar(&r);
    o->shares = tg_store__get_svar(&r);
    o->top_author_share = tg_store__get_f64(&r);
    o->bot_score = tg_store__get_f64(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

/* ---- listings ------------------------------------------------------------ */

int tg_store__enc_listing(tg_buf *kb, tg_buf *vb, const tg_listing *l)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_buf_addc(kb, (char)(unsigned char)l->source));
    W(tg_store__key_str(kb, l->listing_id));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_store__put_vstr(vb, l->product_id));
    W(tg_store__put_vstr(vb, l->title));
    W(tg_store__put_vstr(vb, l->url));
    W(tg_store__put_vstr(vb, l->currency));
    W(tg_store__put_f64(vb, l->price_low));
    W(tg_store__put_f64(vb, l->price_high));
    W(tg_store__put_f64(vb, l->original_price));
    W(tg_buf_addc(vb, (char)(unsigned char)l->status));
    W(tg_store__put_svar(vb, l->first_seen));
    W(tg_store__put_svar(vb, l->sold_at));
    return rc;
}

int tg_store__dec_listing(const void *k, size_t kl, const void *v, size_t vl, tg_listing *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->source = (tg_source)tg_store__get_u8(&kr);
    o->listing_id = tg_store__key_take_str(&kr);
    value_begin(&r, v, vl);
    o->product_id = tg_store__get_vstr(&r);
    if (!*o->product_id)
        o->product_id = NULL;
    o->title = tg_store__get_vstr(&r);
    o->url = tg_store__get_vstr(&r);
    o->currency = tg_store__get_vstr(&r);
    o->price_low = tg_store__get_f64(&r);
    o->price_high = tg_store__get_f64(&r);
    o->original_price = tg_store__get_f64(&r);
    o->status = (tg_listing_status)tg_store__get_u8(&r);
    o->first_seen = tg_store__get_svar(&r);
    o->sold_at = tg_store__get_svar(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

/* ---- price observations -------------------------------------------------- */

int tg_store__enc_price_obs(tg_buf *kb, tg_buf *vb, const tg_price_obs *p)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_store__key_str(kb, p->product_id));
    W(tg_store__key_be64t(kb, p->t));
    W(tg_buf_addc(kb, (char)(unsigned char)p->source));
    W(tg_store__key_str(kb, p->listing_id));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_store__put_f64(vb, p->price));
    W(tg_buf_addc(vb, (char)(unsigned char)p->status));
    return rc;
}

int tg_store__dec_price_obs(const void *k, size_t kl, const void *v, size_t vl, tg_price_obs *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->product_id = tg_store__key_take_str(&kr);
    o->t = take_be64t(&kr);
    o->source = (tg_source)tg_store__get_u8(&kr);
    o->listing_id = tg_store__key_take_str(&kr);
    value_begin(&r, v, vl);
    o->price = tg_store__get_f64(&r);
    o->status = (tg_listing_status)tg_store__get_u8(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

/* ---- orders, returns, reviews ------------------------------------------- */

int tg_store__enc_order(tg_buf *kb, tg_buf *vb, const tg_order *x)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_store__key_str(kb, x->order_id));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_buf_add(vb, x->customer, 32));
    W(tg_store__put_vstr(vb, x->product_id));
    W(tg_store__put_svar(vb, x->purchase_time));
    W(tg_store__put_f64(vb, x->price_paid));
    W(tg_store__put_svar(vb, x->age));
    W(tg_store__put_vstr(vb, x->zip));
    return rc;
}

int tg_store__dec_order(const void *k, size_t kl, const void *v, size_t vl, tg_order *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->order_id = tg_store__key_take_str(&kr);
    value_begin(&r, v, vl);
    const unsigned char *c = tg_store__get_bytes(&r, 32);
    if (c)
        memcpy(o->customer, c, 32);
    o->product_id = tg_store__get_vstr(&r);
    o->purchase_time = tg_store__get_svar(&r);
    o->price_paid = tg_store__get_f64(&r);
    int64_t age = tg_store__get_svar(&r);
    o->age = (age < -1 || age > 1000) ? -1 : (int)age;
    o->zip = tg_store__get_vstr(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

int tg_store__enc_return(tg_buf *kb, tg_buf *vb, const tg_return *x)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_store__key_str(kb, x->order_id));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_store__put_svar(vb, x->return_time));
    W(tg_store__put_vstr(vb, x->reason));
    return rc;
}

int tg_store__dec_return(const void *k, size_t kl, const void *v, size_t vl, tg_return *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->order_id = tg_store__key_take_str(&kr);
    value_begin(&r, v, vl);
    o->return_time = tg_store__get_svar(&r);
    o->reason = tg_store__get_vstr(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

int tg_store__enc_review(tg_buf *kb, tg_buf *vb, const tg_review *x)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_store__key_str(kb, x->review_id));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_store__put_vstr(vb, x->product_id));
    W(tg_store__put_svar(vb, x->review_time));
    W(tg_store__put_svar(vb, x->rating));
    W(tg_store__put_vstr(vb, x->text));
    return rc;
}

int tg_store__dec_review(const void *k, size_t kl, const void *v, size_t vl, tg_review *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->review_id = tg_store__key_take_str(&kr);
    value_begin(&r, v, vl);
    o->product_id = tg_store__get_vstr(&r);
    o->review_time = tg_store__get_svar(&r);
    int64_t rating = tg_store__get_svar(&r);
    o->rating = (rating < 1 || rating > 5) ? -1 : (int)rating;
    o->text = tg_store__get_vstr(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

/* ---- zips ---------------------------------------------------------------- */

int tg_store__enc_zip(tg_buf *kb, tg_buf *vb, const char *zip, double income)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_store__key_str(kb, zip));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_store__put_f64(vb, income));
    return rc;
}

int tg_store__dec_zip(const void *k, size_t kl, const void *v, size_t vl, const char **zip,
                      double *income)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    *zip = tg_store__key_take_str(&kr);
    value_begin(&r, v, vl);
    *income = tg_store__get_f64(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

/* ---- predictions, interventions ----------------------------------------- */

int tg_store__enc_prediction(tg_buf *kb, tg_buf *vb, const tg_prediction *p)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_store__key_str(kb, p->order_id));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_store__put_f64(vb, p->risk));
    W(tg_store__put_vstr(vb, p->tier));
    W(tg_store__put_vstr(vb, p->reasons));
    W(tg_store__put_svar(vb, p->scored_at));
    W(tg_store__put_vstr(vb, p->model_id));
    return rc;
}

int tg_store__dec_prediction(const void *k, size_t kl, const void *v, size_t vl, tg_prediction *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->order_id = tg_store__key_take_str(&kr);
    value_begin(&r, v, vl);
    o->risk = tg_store__get_f64(&r);
    o->tier = tg_store__get_vstr(&r);
    o->reasons = tg_store__get_vstr(&r);
    o->scored_at = tg_store__get_svar(&r);
    o->model_id = tg_store__get_vstr(&r);
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}

int tg_store__enc_intervention(tg_buf *kb, tg_buf *vb, const tg_intervention *iv)
{
    int rc = 0;
    reset2(kb, vb);
    W(tg_store__key_str(kb, iv->order_id));
    W(tg_store__key_be32t(kb, iv->day));
    W(tg_buf_addc(vb, TG_STORE_REC_V1));
    W(tg_store__put_vstr(vb, iv->action));
    W(tg_store__put_f64(vb, iv->risk));
    W(tg_buf_addc(vb, iv->control ? 1 : 0));
    return rc;
}

int tg_store__dec_intervention(const void *k, size_t kl, const void *v, size_t vl,
                               tg_intervention *o)
{
    tg_store__rd kr, r;
    tg_store__rd_init(&kr, k, kl);
    o->order_id = tg_store__key_take_str(&kr);
    o->day = take_be32t(&kr);
    value_begin(&r, v, vl);
    o->action = tg_store__get_vstr(&r);
    o->risk = tg_store__get_f64(&r);
    o->control = tg_store__get_u8(&r) != 0;
    return (r.err || key_end(&kr)) ? TG_EDATA : TG_OK;
}
