/*
 * ingest.c - retailer CSVs into the store (see ingest.h).
 *
 * Pipeline per batch: CSV record -> validated fields -> encoded key/value
 * appended to a batch buffer -> one tg_store_write() replays the buffer.
 * Encoding outside the transaction keeps the write function repeatable (a
 * MAP_FULL retry replays the same bytes) and the write transaction short.
 */
#include "store/ingest.h"

#include "store/csv.h"
#include "store/store_int.h"
#include "trendguard/error.h"
#include "trendguard/log.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECORD (1u << 20)
#define MAX_ID 200
#define STRICT_CAP ((size_t)2 << 30) /* encoded bytes held for --strict */

static const char *const kind_names[TG_INGEST__COUNT] = {"products", "orders", "returns", "reviews",
                                                         "zips"};

/* Header columns of each kind, in the documented order. */
static const char *const columns[TG_INGEST__COUNT][8] = {
    {"product_id", "name", "category", "price", "hashtags", "resale_query", "launch_date", NULL},
    {"order_id", "customer_id", "product_id", "purchase_time", "price_paid", "customer_age", "zip",
     NULL},
    {"order_id", "return_time", "reason", NULL},
    {"review_id", "product_id", "review_time", "rating", "text", NULL},
    {"zip", "median_income", NULL},
};

static const char *const reason_ids[] = {
#define TG__R_ID(id, msg) #id,
    TG_INGEST_REASONS(TG__R_ID)
#undef TG__R_ID
};
static const char *const reason_msgs[] = {
#define TG__R_MSG(id, msg) msg,
    TG_INGEST_REASONS(TG__R_MSG)
#undef TG__R_MSG
};

int tg_store_ingest_kind(const char *name)
{
    for (int i = 0; i < TG_INGEST__COUNT; i++)
        if (name && strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

const char *tg_store_ingest_reason_id(tg_ingest_reason r)
{
    return (unsigned)r < TG_INGEST_R__COUNT ? reason_ids[r] : "unknown";
}

const char *tg_store_ingest_reason_msg(tg_ingest_reason r)
{
    return (unsigned)r < TG_INGEST_R__COUNT ? reason_msgs[r] : "unknown";
}

/* ---- pepper and pseudonyms ---------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t n;
} pepper_put;

static int put_pepper(tg_store_txn *t, void *ctx)
{
    pepper_put *pp = ctx;
    /* another writer may have created it meanwhile: keep theirs */
    const void *v;
    size_t vl;
    if (tg_store_meta_get(tg_store_txn_reader(t), "pepper", &v, &vl) == TG_OK)
        return TG_EEXIST;
    return tg_store_meta_put(t, "pepper", pp->p, pp->n);
}

static int read_pepper(tg_store *s, uint8_t **out, size_t *len)
{
    tg_store_read *r;
    int rc = tg_store_read_begin(s, &r);
    if (rc)
        return rc;
    const void *v;
    size_t vl;
    rc = tg_store_meta_get(r, "pepper", &v, &vl);
    if (rc == TG_OK) {
        *out = tg_malloc(vl);
        if (!*out)
            rc = TG_ENOMEM;
        else {
            memcpy(*out, v, vl);
            *len = vl;
        }
    }
    tg_store_read_end(&r);
    return rc;
}

int tg_store_ingest_pepper(tg_store *s, const char *env_name, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const char *e = env_name && *env_name ? getenv(env_name) : NULL;
    if (e && *e) {
        *len = strlen(e);
        *out = tg_malloc(*len);
        if (!*out)
            return TG_ENOMEM;
        memcpy(*out, e, *len);
        return TG_OK;
    }
    int rc = read_pepper(s, out, len);
    if (rc != TG_ENOTFOUND)
        return rc;
    uint8_t fresh[32];
    if (RAND_bytes(fresh, sizeof fresh) != 1) {
        tg_error("ingest", "RAND_bytes failed");
        return TG_EINTERNAL;
    }
    pepper_put pp = {fresh, sizeof fresh};
    rc = tg_store_write(s, put_pepper, &pp);
    if (rc && rc != TG_EEXIST)
        return rc;
    if (rc == 0)
        tg_warn("ingest",
                "environment variable %s is not set: created a random pepper and kept it in "
                "the store's meta (set %s to control pseudonyms yourself)",
                env_name ? env_name : "(none)", env_name ? env_name : "[privacy] pepper_env");
    return read_pepper(s, out, len);
}

/*
 * HMAC-SHA256 with the key's inner and outer pad states computed once
 * (RFC 2104): per id we copy two digest contexts instead of re-deriving
 * them, and avoid OpenSSL's per-call algorithm lookup. Same output as HMAC().
 */
typedef struct {
    EVP_MD *md;
    EVP_MD_CTX *in, *out, *tmp;
} pseudo;

static void pseudo_free(pseudo *p)
{
    EVP_MD_CTX_free(p->in);
    EVP_MD_CTX_free(p->out);
    EVP_MD_CTX_free(p->tmp);
    EVP_MD_free(p->md);
    memset(p, 0, sizeof *p);
}

static int pseudo_init(pseudo *p, const uint8_t *key, size_t klen)
{
    memset(p, 0, sizeof *p);
    unsigned char k[64] = {0}, pad[64];
    p->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    p->in = EVP_MD_CTX_new();
    p->out = EVP_MD_CTX_new();
    p->tmp = EVP_MD_CTX_new();
    if (!p->md || !p->in || !p->out || !p->tmp)
        goto fail;
    if (klen > 64) {
        unsigned int n = 0;
        if (!EVP_Digest(key, klen, k, &n, p->md, NULL))
            goto fail;
    } else if (klen) {
        memcpy(k, key, klen);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    if (!EVP_DigestInit_ex(p->in, p->md, NULL) || !EVP_DigestUpdate(p->in, pad, 64))
        goto fail;
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    if (!EVP_DigestInit_ex(p->out, p->md, NULL) || !EVP_DigestUpdate(p->out, pad, 64))
        goto fail;
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    return TG_OK;
fail:
    OPENSSL_cleanse(k, sizeof k);
    pseudo_free(p);
    return TG_EINTERNAL;
}

static int pseudo_run(pseudo *p, const char *id, size_t idlen, uint8_t out[32])
{
    unsigned char inner[32];
    unsigned int n = 0;
    if (!EVP_MD_CTX_copy_ex(p->tmp, p->in) || !EVP_DigestUpdate(p->tmp, id, idlen) ||
        !EVP_DigestFinal_ex(p->tmp, inner, &n) || !EVP_MD_CTX_copy_ex(p->tmp, p->out) ||
        !EVP_DigestUpdate(p->tmp, inner, 32) || !EVP_DigestFinal_ex(p->tmp, out, &n) || n != 32)
        return TG_EINTERNAL;
    return TG_OK;
}

int tg_store_pseudonym(const uint8_t *pepper, size_t plen, const char *id, size_t idlen,
                       uint8_t out[32])
{
    unsigned int n = 32;
    if (!HMAC(EVP_sha256(), pepper, (int)plen, (const unsigned char *)id, idlen, out, &n) ||
        n != 32)
        return TG_EINTERNAL;
    return TG_OK;
}

/* ---- field validation ---------------------------------------------------- */

static bool utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned min;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            min = 0x80;
            c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            min = 0x800;
            c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            min = 0x10000;
            c &= 0x07;
        } else
            return false;
        if (i + len > n)
            return false;
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            c = (c << 6) | (s[i + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static bool parse_num(const char *s, double *out)
{
    while (*s == ' ')
        s++;
    if (!*s)
        return false;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (*end || errno == ERANGE || !isfinite(d))
        return false;
    *out = d;
    return true;
}

static bool parse_int(const char *s, long *out)
{
    while (*s == ' ')
        s++;
    if (!*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    while (*end == ' ')
        end++;
    if (*end || errno)
        return false;
    *out = v;
    return true;
}

/* ---- the batch of encoded puts ------------------------------------------ */

/*
 * Entry layout in the batch buffer: u8 db, u8 refdb, u16 kl, u32 vl, u16 rl,
 * then key, value, ref (a key that should exist in refdb; rl may be 0).
 */
typedef struct {
    tg_buf buf;
    long rows;
    long unknown; /* set by the write fn */
} batch;

static int batch_add(batch *b, tg_db db, const tg_buf *k, const tg_buf *v, tg_db refdb,
                     const void *ref, size_t rl)
{
    unsigned char h[10];
    h[0] = (unsigned char)db;
    h[1] = (unsigned char)refdb;
    h[2] = (unsigned char)(k->len >> 8);
    h[3] = (unsigned char)k->len;
    uint32_t vl = (uint32_t)v->len;
    memcpy(h + 4, &vl, 4);
    h[8] = (unsigned char)(rl >> 8);
    h[9] = (unsigned char)rl;
    int rc = tg_buf_add(&b->buf, h, sizeof h);
    if (rc == 0)
        rc = tg_buf_add(&b->buf, k->data, k->len);
    if (rc == 0)
        rc = tg_buf_add(&b->buf, v->data, v->len);
    if (rc == 0 && rl)
        rc = tg_buf_add(&b->buf, ref, rl);
    return rc;
}

static int batch_write(tg_store_txn *t, void *ctx)
{
    batch *b = ctx;
    b->unknown = 0;
    const unsigned char *p = (const unsigned char *)b->buf.data;
    const unsigned char *end = p + b->buf.len;
    tg_store_read *rd = tg_store_txn_reader(t);
    while (p < end) {
        tg_db db = (tg_db)p[0], refdb = (tg_db)p[1];
        size_t kl = ((size_t)p[2] << 8) | p[3];
        uint32_t vl;
        memcpy(&vl, p + 4, 4);
        size_t rl = ((size_t)p[8] << 8) | p[9];
        p += 10;
        int rc = tg_store_raw_put(t, db, p, kl, p + kl, vl);
        if (rc)
            return rc;
        if (rl) {
            const void *v;
            size_t l;
            rc = tg_store_raw_get(rd, refdb, p + kl + vl, rl, &v, &l);
            if (rc == TG_ENOTFOUND)
                b->unknown++;
            else if (rc)
                return rc;
        }
        p += kl + vl + rl;
    }
    return TG_OK;
}

/* ---- rows ---------------------------------------------------------------- */

typedef struct {
    tg_ingest_kind kind;
    int col[8]; /* record index of each documented column */
    int ncols;  /* header width */
    const tg_ingest_opts *o;
    tg_ingest_summary *sum;
    tg_buf kb, vb;
    long reported;
    pseudo ps;
} ictx;

static void bad(ictx *x, long line, tg_ingest_reason r, const char *detail)
{
    x->sum->skipped++;
    x->sum->by_reason[r]++;
    long maxr = x->o->max_report ? x->o->max_report : 1000;
    if (!x->o->report)
        return;
    if (x->reported < maxr)
        fprintf(x->o->report, "%s:%ld: %s%s%s\n", x->o->name, line, reason_msgs[r],
                detail ? ": " : "", detail ? detail : "");
    else if (x->reported == maxr)
        fprintf(x->o->report, "%s: more bad rows; only counting from here\n", x->o->name);
    x->reported++;
}

#define F(i) tg_store_csv_field(c, x->col[i])

/* Check all fields for UTF-8 and the id column for presence and length. */
static int common_checks(ictx *x, tg_store_csv *c, int idcol)
{
    for (int i = 0; i < c->nf; i++) {
        if (!utf8_ok((const unsigned char *)tg_store_csv_field(c, i), c->flen[i])) {
            bad(x, c->rec_line, TG_INGEST_R_utf8, NULL);
            return -1;
        }
    }
    const char *id = F(idcol);
    if (!*id) {
        bad(x, c->rec_line, TG_INGEST_R_missing, columns[x->kind][idcol]);
        return -1;
    }
    if (strlen(id) > MAX_ID) {
        bad(x, c->rec_line, TG_INGEST_R_id_too_long, columns[x->kind][idcol]);
        return -1;
    }
    return 0;
}

static int need_time(ictx *x, tg_store_csv *c, int i, int64_t *t)
{
    const char *s = F(i);
    if (!*s) {
        bad(x, c->rec_line, TG_INGEST_R_missing, columns[x->kind][i]);
        return -1;
    }
    if (tg_time_parse(s, t)) {
        bad(x, c->rec_line, TG_INGEST_R_bad_time, columns[x->kind][i]);
        return -1;
    }
    return 0;
}

static int need_money(ictx *x, tg_store_csv *c, int i, double *v)
{
    const char *s = F(i);
    if (!*s) {
        bad(x, c->rec_line, TG_INGEST_R_missing, columns[x->kind][i]);
        return -1;
    }
    if (!parse_num(s, v)) {
        bad(x, c->rec_line, TG_INGEST_R_bad_number, columns[x->kind][i]);
        return -1;
    }
    if (*v < 0 || *v > 1e12) {
        bad(x, c->rec_line, TG_INGEST_R_range, columns[x->kind][i]);
        return -1;
    }
    return 0;
}

/* Normalise "#Stanley; Cup" -> "stanley;cup" into out (cap bytes). */
static void norm_tags(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    const char *p = in;
    while (*p && n + 1 < cap) {
        while (*p == ' ' || *p == '#' || *p == ';')
            p++;
        if (!*p)
            break;
        if (n && n + 1 < cap)
            out[n++] = ';';
        while (*p && *p != ';' && n + 1 < cap) {
            if (*p != ' ' && *p != '#')
                out[n++] = (char)tolower((unsigned char)*p);
            p++;
        }
    }
    out[n] = 0;
}

/* Returns 0 when the row was encoded into the batch, -1 when skipped, <-1 error. */
static int do_row(ictx *x, tg_store_csv *c, batch *b)
{
    int rc = 0;
    switch (x->kind) {
    case TG_INGEST_PRODUCTS: {
        if (common_checks(x, c, 0))
            return -1;
        tg_product p = {F(0), F(1), F(2), 0, NULL, F(5), 0};
        if (need_money(x, c, 3, &p.price))
            return -1;
        if (*F(6) && tg_time_parse(F(6), &p.launch_date)) {
            bad(x, c->rec_line, TG_INGEST_R_bad_time, "launch_date");
            return -1;
        }
        char tags[1024];
        norm_tags(F(4), tags, sizeof tags);
        p.hashtags = tags;
        rc = tg_store__enc_product(&x->kb, &x->vb, &p);
        if (rc == 0)
            rc = batch_add(b, TG_DB_PRODUCTS, &x->kb, &x->vb, TG_DB_META, NULL, 0);
        break;
    }
    case TG_INGEST_ORDERS: {
        if (common_checks(x, c, 0))
            return -1;
        const char *cust = F(1);
        if (!*cust) {
            bad(x, c->rec_line, TG_INGEST_R_missing, "customer_id");
            return -1;
        }
        if (!*F(2)) {
            bad(x, c->rec_line, TG_INGEST_R_missing, "product_id");
            return -1;
        }
        if (strlen(F(2)) > MAX_ID) {
            bad(x, c->rec_line, TG_INGEST_R_id_too_long, "product_id");
            return -1;
        }
        tg_order o = {F(0), {0}, F(2), 0, 0, -1, F(6)};
        if (need_time(x, c, 3, &o.purchase_time) || need_money(x, c, 4, &o.price_paid))
            return -1;
        if (*F(5)) {
            long age;
            if (!parse_int(F(5), &age)) {
                bad(x, c->rec_line, TG_INGEST_R_bad_number, "customer_age");
                return -1;
            }
            if (age < 0 || age > 130) {
                bad(x, c->rec_line, TG_INGEST_R_range, "customer_age");
                return -1;
            }
            o.age = (int)age;
        }
        rc = pseudo_run(&x->ps, cust, strlen(cust), o.customer);
        if (rc == 0)
            rc = tg_store__enc_order(&x->kb, &x->vb, &o);
        if (rc == 0)
            rc = batch_add(b, TG_DB_ORDERS, &x->kb, &x->vb, TG_DB_PRODUCTS, o.product_id,
                           strlen(o.product_id) + 1);
        break;
    }
    case TG_INGEST_RETURNS: {
        if (common_checks(x, c, 0))
            return -1;
        tg_return r = {F(0), 0, F(2)};
        if (need_time(x, c, 1, &r.return_time))
            return -1;
        rc = tg_store__enc_return(&x->kb, &x->vb, &r);
        if (rc == 0)
            rc = batch_add(b, TG_DB_RETURNS, &x->kb, &x->vb, TG_DB_ORDERS, r.order_id,
                           strlen(r.order_id) + 1);
        break;
    }
    case TG_INGEST_REVIEWS: {
        if (common_checks(x, c, 0))
            return -1;
        tg_review r = {F(0), F(1), 0, -1, F(4)};
        if (need_time(x, c, 2, &r.review_time))
            return -1;
        if (*F(3)) {
            long v;
            if (!parse_int(F(3), &v)) {
                bad(x, c->rec_line, TG_INGEST_R_bad_number, "rating");
                return -1;
            }
            if (v < 1 || v > 5) {
                bad(x, c->rec_line, TG_INGEST_R_range, "rating");
                return -1;
            }
            r.rating = (int)v;
        }
        rc = tg_store__enc_review(&x->kb, &x->vb, &r);
        if (rc == 0)
            rc = batch_add(b, TG_DB_REVIEWS, &x->kb, &x->vb, TG_DB_META, NULL, 0);
        break;
    }
    case TG_INGEST_ZIPS: {
        if (common_checks(x, c, 0))
            return -1;
        double inc;
        if (need_money(x, c, 1, &inc))
            return -1;
        rc = tg_store__enc_zip(&x->kb, &x->vb, F(0), inc);
        if (rc == 0)
            rc = batch_add(b, TG_DB_ZIPS, &x->kb, &x->vb, TG_DB_META, NULL, 0);
        break;
    }
    default:
        return TG_EINVAL;
    }
    if (rc == TG_ETOOBIG && x->o->strict) {
        tg_error("ingest", "%s: file too large to hold for --strict", x->o->name);
        return rc;
    }
    if (rc == TG_ETOOBIG) { /* an oversized field: skip the row */
        bad(x, c->rec_line, TG_INGEST_R_too_long, NULL);
        return -1;
    }
    if (rc)
        return rc;
    b->rows++;
    return 0;
}

static int header(ictx *x, tg_store_csv *c)
{
    for (int i = 0; i < 8; i++)
        x->col[i] = -1;
    int rc = tg_store_csv_next(c);
    if (rc == 0) {
        snprintf(x->sum->header_error, sizeof x->sum->header_error, "%s:1: empty file", x->o->name);
        return TG_EDATA;
    }
    if (rc < 0) {
        if (rc == TG_EIO || rc == TG_ENOMEM)
            return rc;
        snprintf(x->sum->header_error, sizeof x->sum->header_error, "%s:%ld: bad header: %s",
                 x->o->name, c->rec_line, c->why ? c->why : tg_strerror(rc));
        return TG_EDATA;
    }
    x->ncols = c->nf;
    for (int i = 0; i < c->nf; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s", tg_store_csv_field(c, i));
        tg_trim(name);
        for (int j = 0; columns[x->kind][j]; j++) {
            if (tg_streq_ci(name, columns[x->kind][j])) {
                if (x->col[j] >= 0) {
                    snprintf(x->sum->header_error, sizeof x->sum->header_error,
                             "%s:%ld: duplicate column %s", x->o->name, c->rec_line,
                             columns[x->kind][j]);
                    return TG_EDATA;
                }
                x->col[j] = i;
            }
        }
    }
    for (int j = 0; columns[x->kind][j]; j++) {
        if (x->col[j] < 0) {
            snprintf(x->sum->header_error, sizeof x->sum->header_error,
                     "%s:%ld: missing column %s (a %s file needs:", x->o->name, c->rec_line,
                     columns[x->kind][j], kind_names[x->kind]);
            size_t n = strlen(x->sum->header_error);
            for (int k = 0; columns[x->kind][k] && n < sizeof x->sum->header_error; k++)
                n += (size_t)snprintf(x->sum->header_error + n, sizeof x->sum->header_error - n,
                                      "%s%s", k ? "," : " ", columns[x->kind][k]);
            if (n + 2 < sizeof x->sum->header_error)
                strcat(x->sum->header_error, ")");
            return TG_EDATA;
        }
    }
    x->sum->header_ok = 1;
    return TG_OK;
}

static int flush(tg_store *s, batch *b, tg_ingest_summary *sum)
{
    if (b->rows == 0)
        return TG_OK;
    int rc = tg_store_write(s, batch_write, b);
    if (rc)
        return rc;
    sum->stored += b->rows;
    sum->unknown_refs += b->unknown;
    b->rows = 0;
    tg_buf_reset(&b->buf);
    return TG_OK;
}

int tg_store_ingest(tg_store *s, tg_ingest_kind kind, FILE *in, const tg_ingest_opts *opts,
                    tg_ingest_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    if ((unsigned)kind >= TG_INGEST__COUNT)
        return TG_EINVAL;
    if (kind == TG_INGEST_ORDERS && (!opts->pepper || !opts->pepper_len))
        return TG_EINVAL;
    ictx x;
    memset(&x, 0, sizeof x);
    x.kind = kind;
    x.o = opts;
    x.sum = sum;
    tg_buf_init(&x.kb, TG_STORE_MAX_KEY);
    tg_buf_init(&x.vb, MAX_RECORD + 4096);
    batch b;
    memset(&b, 0, sizeof b);
    tg_buf_init(&b.buf, opts->strict ? STRICT_CAP : 0);
    long per_txn = opts->batch > 0 ? opts->batch : 50000;
    tg_store_csv c;
    int err = TG_OK;
    if (kind == TG_INGEST_ORDERS && (err = pseudo_init(&x.ps, opts->pepper, opts->pepper_len)))
        goto out;
    err = tg_store_csv_init(&c, in, MAX_RECORD);
    if (err)
        goto out;
    err = header(&x, &c);
    if (err)
        goto out_csv;
    for (;;) {
        int rc = tg_store_csv_next(&c);
        if (rc == 0)
            break;
        if (rc == TG_EIO) {
            err = rc;
            goto out_csv;
        }
        sum->read++;
        if (rc == TG_EDATA) {
            bad(&x, c.rec_line, TG_INGEST_R_csv, c.why);
            continue;
        }
        if (rc == TG_ETOOBIG) {
            bad(&x, c.rec_line, TG_INGEST_R_too_long, c.why);
            continue;
        }
        if (rc < 0) {
            err = rc;
            goto out_csv;
        }
        if (c.nf != x.ncols) {
            char d[64];
            snprintf(d, sizeof d, "%d, header has %d", c.nf, x.ncols);
            bad(&x, c.rec_line, TG_INGEST_R_fields, d);
            continue;
        }
        rc = do_row(&x, &c, &b);
        if (rc < -1) {
            err = rc;
            goto out_csv;
        }
        if (!opts->strict && b.rows >= per_txn) {
            err = flush(s, &b, sum);
            if (err)
                goto out_csv;
        }
    }
    if (opts->strict && sum->skipped) {
        err = TG_EDATA;
        goto out_csv;
    }
    err = flush(s, &b, sum);
    if (err)
        goto out_csv;
    if (sum->read > 0 && sum->stored == 0)
        err = TG_EDATA;
out_csv:
    tg_store_csv_free(&c);
out:
    pseudo_free(&x.ps);
    tg_buf_free(&x.kb);
    tg_buf_free(&x.vb);
    tg_buf_free(&b.buf);
    return err;
}
