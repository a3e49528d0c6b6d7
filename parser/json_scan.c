/*
 * json_scan.c - a strict, allocation-free pull tokenizer for RFC 8259 JSON,
 * used by the hot adapters (tiktok.c, ebay_json.c, poshmark.c).
 *
 * Why not jansson here (DESIGN.md names jansson): building a jansson DOM
 * of a response and then looking keys up costs more than the whole parse
 * budget. Measured with bench/parse.sh on the real eBay Browse capture:
 * json_loadb alone ran at 76.9 MB/s per core and the jansson adapters at
 * 64.9-87.4 MB/s, against a goal of 150. On the same real captures the
 * adapters on this scanner ran at 613-1227 MB/s per core (bench/parse.sh,
 * two runs on a loaded 2-core machine) and executed 15-18 instructions per
 * input byte against the jansson adapters' 137-152 (callgrind, trendguard parse
 * --repeat, Browse / Poshmark closet / TikTok feed). The scanner only validates
 * and hands out spans into the caller's buffer: nothing is copied or
 * allocated unless an adapter keeps a string (tg_parse__json_dup), and
 * fields nobody reads are skipped. jansson stays everywhere speed does not
 * matter (config, API, sim, token responses).
 *
 * What it accepts is what json_loadb(JSON_ALLOW_NUL) accepts, so the
 * adapters' verdicts did not change: the same grammar, whitespace, escapes
 * (a high surrogate must be followed by a low one; a lone low surrogate is
 * an error), strict UTF-8 (no overlong forms, no UTF-8-encoded surrogates,
 * nothing above U+10FFFF), no control characters in strings, no \u0000 in
 * keys, and the same depth limit (a value nested deeper than
 * TG_JSON_MAX_DEPTH is an error, never a deep recursion: the scanner keeps
 * one bit per open container and does not recurse). One deliberate
 * difference: jansson refuses a whole document when one integer does not
 * fit in 64 bits or one real overflows a double; the scanner accepts any
 * number the grammar allows, and the conversion helpers report such a
 * value as unusable, so only that field is lost. (And a raw NUL byte right
 * after a number or a literal, which jansson 2.14 skips by accident, is an
 * error here as RFC 8259 says.)
 */
#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int fail(tg_jscan *sc)
{
    sc->err = TG_EPARSE;
    return TG_EPARSE;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

void tg_parse__json_init(tg_jscan *sc, const char *buf, size_t len)
{
    sc->p = buf;
    sc->end = buf + len;
    sc->depth = 0;
    sc->first = false;
    sc->err = TG_OK;
}

static bool top_is_object(const tg_jscan *sc)
{
    unsigned d = sc->depth - 1;
    return (sc->kinds[d >> 3] >> (d & 7)) & 1;
}

bool tg_parse__json_in_object(const tg_jscan *sc)
{
    return sc->depth > 0 && top_is_object(sc);
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Four hex digits at p (p + 4 <= end checked by the caller) or -1. */
static long hex4(const unsigned char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Length of the valid UTF-8 sequence at p (first byte >= 0x80), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    unsigned long cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/*
 * True when one of the 8 bytes of w needs a closer look inside a string:
 * '"', '\\', a control character (< 0x20) or a non-ASCII byte. The usual
 * "has a zero byte" bit trick (Hacker's Delight 6-1), applied three times;
 * it may flag a byte next to a real hit, never miss one, so the slow path
 * below decides byte by byte.
 */
static bool needs_look(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    uint64_t t = ((q - ones) & ~q) | ((b - ones) & ~b) | (w - ones * 0x20) | w;
    return (t & highs) != 0;
}

/* sc->p is just after the opening quote. */
static int scan_string(tg_jscan *sc, tg_jtok *t)
{
    const unsigned char *p = (const unsigned char *)sc->p;
    const unsigned char *end = (const unsigned char *)sc->end;
    t->type = TG_J_STRING;
    t->s = sc->p;
    t->escaped = t->nul = false;
    for (;;) {
        while (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (needs_look(w))
                break;
            p += 8;
        }
        if (p >= end)
            return fail(sc);
        unsigned char c = *p;
        if (c == '"') {
            t->n = (size_t)((const char *)p - t->s);
            sc->p = (const char *)p + 1;
            return TG_OK;
        }
        if (c == '\\') {
            t->escaped = true;
            if (end - p < 2)
                return fail(sc);
            c = p[1];
            if (c != 'u') {
                if (!strchr("\"\\/bfnrt", c) || !c)
                    return fail(sc);
                p += 2;
                continue;
            }
            if (end - p < 6)
                return fail(sc);
            long u = hex4(p + 2);
            if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
                return fail(sc);
            p += 6;
            if (u == 0)
                t->nul = true;
            if (u >= 0xd800 && u <= 0xdbff) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
                    return fail(sc);
                long lo = hex4(p + 2);
                if (lo < 0xdc00 || lo > 0xdfff)
                    return fail(sc);
                p += 6;
            }
        } else if (c < 0x20) {
            return fail(sc);
        } else if (c < 0x80) {
            p++;
        } else {
            size_t n = utf8_len(p, end);
            if (!n)
                return fail(sc);
            p += n;
        }
    }
}

static bool digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

/* Past the run of one or more digits at p; NULL when there is none. */
static const char *digits(const char *p, const char *end)
{
    if (!digit(p, end))
        return NULL;
    while (digit(p, end))
        p++;
    return p;
}

static int scan_number(tg_jscan *sc, tg_jtok *t)
{
    const char *p = sc->p, *end = sc->end;
    t->s = p;
    t->type = TG_J_INT;
    if (*p == '-')
        p++;
    if (p < end && *p == '0')
        p++; /* a leading zero stands alone: "01" fails at the next token */
    else if (!(p = digits(p, end)))
        return fail(sc);
    if (p < end && *p == '.') {
        if (!(p = digits(p + 1, end)))
            return fail(sc);
        t->type = TG_J_REAL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!(p = digits(p, end)))
            return fail(sc);
        t->type = TG_J_REAL;
    }
    t->n = (size_t)(p - t->s);
    sc->p = p;
    return TG_OK;
}

static int literal(tg_jscan *sc, tg_jtok *t, const char *word, size_t n, tg_jtype type)
{
    if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, word, n) != 0)
        return fail(sc);
    t->type = type;
    t->s = sc->p;
    t->n = n;
    sc->p += n;
    return TG_OK;
}

static int open_container(tg_jscan *sc, tg_jtok *t, bool object)
{
    unsigned d = sc->depth++;
    if (object)
        sc->kinds[d >> 3] |= (unsigned char)(1u << (d & 7));
    else
        sc->kinds[d >> 3] &= (unsigned char)~(1u << (d & 7));
    t->type = object ? TG_J_OBJECT : TG_J_ARRAY;
    t->s = sc->p;
    t->n = 1;
    sc->p++;
    sc->first = true;
    return TG_OK;
}

int tg_parse__json_value(tg_jscan *sc, tg_jtok *t)
{
    if (sc->err)
        return sc->err;
    /* jansson counts every value, scalars included: the same limit here */
    if (sc->depth >= TG_JSON_MAX_DEPTH)
        return fail(sc);
    sc->p = skip_ws(sc->p, sc->end);
    if (sc->p >= sc->end)
        return fail(sc);
    t->escaped = t->nul = false;
    switch (*sc->p) {
    case '{':
        return open_container(sc, t, true);
    case '[':
        return open_container(sc, t, false);
    case '"':
        sc->p++;
        return scan_string(sc, t);
    case 't':
        return literal(sc, t, "true", 4, TG_J_TRUE);
    case 'f':
        return literal(sc, t, "false", 5, TG_J_FALSE);
    case 'n':
        return literal(sc, t, "null", 4, TG_J_NULL);
    default:
        if (*sc->p == '-' || (*sc->p >= '0' && *sc->p <= '9'))
            return scan_number(sc, t);
        return fail(sc);
    }
}

/* At a ',' or the closing bracket `close` of the current container:
 * 1 when a member/element follows (the ',' consumed), 0 when closed. */
static int next_or_close(tg_jscan *sc, char close)
{
    if (sc->err)
        return sc->err;
    if (!sc->depth)
        return fail(sc);
    sc->p = skip_ws(sc->p, sc->end);
    if (sc->p >= sc->end)
        return fail(sc);
    if (*sc->p == close) {
        sc->p++;
        sc->depth--;
        sc->first = false; /* the parent has at least this value */
        return 0;
    }
    if (!sc->first) {
        if (*sc->p != ',')
            return fail(sc);
        sc->p = skip_ws(sc->p + 1, sc->end);
    }
    sc->first = false;
    return 1;
}

int tg_parse__json_member(tg_jscan *sc, tg_jtok *key)
{
    int r = next_or_close(sc, '}');
    if (r <= 0)
        return r;
    if (sc->p >= sc->end || *sc->p != '"')
        return fail(sc);
    sc->p++;
    if (scan_string(sc, key) || key->nul) /* jansson: no NUL in keys */
        return fail(sc);
    sc->p = skip_ws(sc->p, sc->end);
    if (sc->p >= sc->end || *sc->p != ':')
        return fail(sc);
    sc->p++;
    return 1;
}

int tg_parse__json_elem(tg_jscan *sc)
{
    return next_or_close(sc, ']');
}

int tg_parse__json_skip(tg_jscan *sc, const tg_jtok *t)
{
    if (sc->err)
        return sc->err;
    if (t->type != TG_J_OBJECT && t->type != TG_J_ARRAY)
        return TG_OK;
    unsigned target = sc->depth - 1;
    while (sc->depth > target) {
        tg_jtok k, v;
        int r = top_is_object(sc) ? tg_parse__json_member(sc, &k) : tg_parse__json_elem(sc);
        if (r < 0)
            return r;
        if (r && tg_parse__json_value(sc, &v))
            return sc->err;
    }
    return TG_OK;
}

int tg_parse__json_finish(tg_jscan *sc)
{
    if (sc->err)
        return sc->err;
    if (sc->depth)
        return fail(sc);
    sc->p = skip_ws(sc->p, sc->end);
    return sc->p == sc->end ? TG_OK : fail(sc);
}

int tg_parse__json_open(tg_jscan *sub, const tg_jtok *t, const char *end)
{
    tg_jtok o;
    if (t->type != TG_J_OBJECT && t->type != TG_J_ARRAY)
        return TG_EPARSE;
    tg_parse__json_init(sub, t->s, (size_t)(end - t->s));
    return tg_parse__json_value(sub, &o);
}

/* ---- keys and fields ---------------------------------------------------- */

bool tg_parse__json_is(const tg_jtok *k, const char *lit, size_t n)
{
    if (!k->escaped)
        return k->n == n && memcmp(k->s, lit, n) == 0;
    char tmp[64];
    size_t m;
    return tg_parse__json_str(k, tmp, sizeof tmp, &m) == TG_OK && m == n &&
           memcmp(tmp, lit, n) == 0;
}

int tg_parse__json_fields(tg_jscan *sc, const tg_jkey *keys, size_t n, tg_jtok *vals)
{
    tg_jtok k;
    int r;
    for (size_t i = 0; i < n; i++)
        vals[i].type = TG_J_NONE;
    while ((r = tg_parse__json_member(sc, &k)) > 0)
        if (tg_parse__json_field(sc, &k, keys, n, vals))
            return sc->err;
    return r < 0 ? r : sc->err;
}

int tg_parse__json_field(tg_jscan *sc, const tg_jtok *k, const tg_jkey *keys, size_t n,
                         tg_jtok *vals)
{
    for (size_t i = 0; i < n; i++) {
        if (!tg_parse__json_is(k, keys[i].name, keys[i].len))
            continue;
        /* a repeated key: the last one wins, as in jansson */
        if (tg_parse__json_value(sc, &vals[i]) || tg_parse__json_skip(sc, &vals[i]))
            return sc->err;
        return TG_OK;
    }
    return tg_parse__json_skip_value(sc);
}

int tg_parse__json_skip_value(tg_jscan *sc)
{
    tg_jtok v;
    if (tg_parse__json_value(sc, &v))
        return sc->err;
    return tg_parse__json_skip(sc, &v);
}

int tg_parse__json_get(const tg_jtok *obj, const char *end, const char *key, tg_jtok *out)
{
    tg_jkey k = {key, strlen(key)};
    tg_jscan sc;
    out->type = TG_J_NONE;
    if (obj->type != TG_J_OBJECT || tg_parse__json_open(&sc, obj, end))
        return TG_EPARSE;
    return tg_parse__json_fields(&sc, &k, 1, out);
}

/* ---- values ---------------------------------------------------------- */

static size_t put_utf8(char *d, unsigned long cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xc0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xe0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        d[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (char)(0xf0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    d[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

int tg_parse__json_str(const tg_jtok *t, char *dst, size_t cap, size_t *len)
{
    if (t->type != TG_J_STRING)
        return TG_EINVAL;
    const unsigned char *p = (const unsigned char *)t->s, *end = p + t->n;
    size_t o = 0;
    if (!t->escaped) {
        if (t->n >= cap)
            return TG_ETOOBIG;
        memcpy(dst, t->s, t->n);
        o = t->n;
        goto out;
    }
    /* the scanner validated the escapes; each one shrinks, so o <= t->n */
    while (p < end) {
        if (*p != '\\') {
            if (o + 1 >= cap)
                return TG_ETOOBIG;
            dst[o++] = (char)*p++;
            continue;
        }
        unsigned char c = p[1];
        unsigned long cp = c;
        p += 2;
        switch (c) {
        case 'b':
            cp = '\b';
            break;
        case 'f':
            cp = '\f';
            break;
        case 'n':
            cp = '\n';
            break;
        case 'r':
            cp = '\r';
            break;
        case 't':
            cp = '\t';
            break;
        case 'u':
            cp = (unsigned long)hex4(p);
            p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned long)hex4(p + 2) - 0xdc00);
                p += 6;
            }
            break;
        default: /* '"', '\\' and '/' stand for themselves */
            break;
        }
        size_t need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (o + need >= cap)
            return TG_ETOOBIG;
        o += put_utf8(dst + o, cp);
    }
out:
    dst[o] = 0;
    *len = o;
    return TG_OK;
}

char *tg_parse__json_dup(tg_parse_arena *a, const tg_jtok *t)
{
    size_t n;
    char *d = tg_parse__alloc(a, t->n + 1);
    if (d && tg_parse__json_str(t, d, t->n + 1, &n) != TG_OK)
        return NULL;
    return d;
}

int tg_parse__json_i64(const tg_jtok *t, int64_t *out)
{
    if (t->type != TG_J_INT)
        return TG_EINVAL;
    const char *p = t->s, *end = t->s + t->n;
    bool neg = *p == '-';
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (p += neg; p < end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (lim - d) / 10)
            return TG_EDATA;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return TG_OK;
}

int tg_parse__json_f64(const tg_jtok *t, double *out)
{
    if (t->type != TG_J_INT && t->type != TG_J_REAL)
        return TG_EINVAL;
    int64_t i;
    if (t->type == TG_J_INT && tg_parse__json_i64(t, &i) == TG_OK) {
        *out = (double)i; /* what jansson's json_number_value gives an integer */
        return TG_OK;
    }
    /* strtod wants a terminated string; numbers longer than this are rare */
    char small[64], *tmp = t->n < sizeof small ? small : tg_malloc(t->n + 1);
    if (!tmp)
        return TG_ENOMEM;
    memcpy(tmp, t->s, t->n);
    tmp[t->n] = 0;
    errno = 0;
    double d = strtod(tmp, NULL);
    int ret = (errno == ERANGE && isinf(d)) ? TG_EDATA : TG_OK;
    if (tmp != small)
        tg_free(tmp);
    if (ret == TG_OK)
        *out = d;
    return ret;
}

int64_t tg_parse__json_count(const tg_jtok *t, int64_t dflt)
{
    int64_t v;
    double d;
    switch (t->type) {
    case TG_J_INT:
        return tg_parse__json_i64(t, &v) == TG_OK ? v : dflt;
    case TG_J_REAL:
        /* jansson's callers cast the double; out of range is kept out here */
        if (tg_parse__json_f64(t, &d) != TG_OK || !(d > -9.2e18 && d < 9.2e18))
            return dflt;
        return (int64_t)d;
    case TG_J_STRING: {
        char small[256], *s = t->n < sizeof small ? small : tg_malloc(t->n + 1);
        size_t n;
        if (!s)
            return dflt;
        if (tg_parse__json_str(t, s, t->n + 1, &n) == TG_OK && *s &&
            tg_parse_count(s, strlen(s), &v) == TG_OK)
            dflt = v;
        if (s != small)
            tg_free(s);
        return dflt;
    }
    default:
        return dflt;
    }
}

char *tg_parse__json_text(const tg_jtok *t, char *small, size_t cap)
{
    size_t n;
    if (t->type != TG_J_STRING)
        return NULL;
    char *s = t->n < cap ? small : tg_malloc(t->n + 1);
    if (s && tg_parse__json_str(t, s, t->n + 1 > cap ? t->n + 1 : cap, &n) != TG_OK) {
        if (s != small)
            tg_free(s);
        return NULL;
    }
    return s;
}

/* ---- adapter glue ------------------------------------------------------ */

int tg_parse__json_records(tg_parse_arena *a, tg_jscan *sc, tg_parse_vec *v, size_t elem,
                           tg_parse_json_record_fn fn)
{
    tg_jtok it;
    int r;
    *v = (tg_parse_vec){.elem = elem};
    while ((r = tg_parse__json_elem(sc)) > 0) {
        if (tg_parse__json_value(sc, &it))
            return sc->err;
        if (it.type != TG_J_OBJECT) {
            if (tg_parse__json_skip(sc, &it))
                return sc->err;
            continue;
        }
        void *rec = tg_parse__vec_push(a, v);
        if (!rec)
            return TG_ENOMEM;
        r = fn(a, sc, rec);
        if (sc->err)
            return sc->err;
        if (r == TG_EPARSE) {
            v->n--; /* a record the source cannot identify is dropped */
            continue;
        }
        if (r)
            return r;
    }
    return r < 0 ? r : TG_OK;
}

int tg_parse__json_begin(tg_parse_result *out, tg_parse_kind kind, size_t len)
{
    int ret = tg_parse__begin(out, kind);
    if (ret)
        return ret;
    out->layout = TG_LAYOUT_JSON;
    return len > TG_PARSE_MAX_INPUT ? TG_ETOOBIG : TG_OK;
}

int tg_parse__json_reject(tg_parse_result *out, int err)
{
    tg_parse_kind kind = out->kind;
    tg_parse_result_free(out);
    if (tg_parse__begin(out, kind) == TG_OK)
        out->layout = TG_LAYOUT_JSON;
    return err == TG_ENOMEM ? err : TG_EPARSE;
}
