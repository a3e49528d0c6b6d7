/*
 * fmt.c - fast appenders used to render responses. The server renders tens
 * of thousands of JSON videos and HTML items per second, so numbers and
 * escapes are written by hand instead of through printf.
 */
#include "sim/sim_int.h"

#include "trendguard/error.h"

#include <math.h>
#include <string.h>

int tg_sim__put(tg_buf *b, const char *s, size_t n)
{
    if (b->len + n < b->alloc) { /* fast path: room for the data and the NUL */
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = 0;
        return TG_OK;
    }
    return tg_buf_add(b, s, n);
}

int tg_sim__reserve(tg_buf *b, size_t n)
{
    if (b->len + n + 1 <= b->alloc)
        return TG_OK;
    if (b->len + n > b->cap)
        return TG_ETOOBIG;
    char *d = tg_realloc(b->data, b->len + n + 1);
    if (!d)
        return TG_ENOMEM;
    if (!b->data)
        d[0] = 0;
    b->data = d;
    b->alloc = b->len + n + 1;
    return TG_OK;
}

int tg_sim__puts(tg_buf *b, const char *s)
{
    return tg_sim__put(b, s, strlen(s));
}

int tg_sim__putu(tg_buf *b, uint64_t v)
{
    char tmp[24];
    int i = 24;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return tg_sim__put(b, tmp + i, (size_t)(24 - i));
}

int tg_sim__puti(tg_buf *b, int64_t v)
{
    if (v < 0) {
        int rc = tg_sim__put(b, "-", 1);
        return rc ? rc : tg_sim__putu(b, (uint64_t)(-(v + 1)) + 1);
    }
    return tg_sim__putu(b, (uint64_t)v);
}

int tg_sim__putmoney(tg_buf *b, double v, bool commas)
{
    if (v < 0)
        v = 0;
    uint64_t cents = (uint64_t)llround(v * 100.0);
    uint64_t whole = cents / 100, frac = cents % 100;
    char tmp[40];
    int i = 40;
    tmp[--i] = (char)('0' + frac % 10);
    tmp[--i] = (char)('0' + frac / 10);
    tmp[--i] = '.';
    int digits = 0;
    do {
        if (commas && digits && digits % 3 == 0)
            tmp[--i] = ',';
        tmp[--i] = (char)('0' + whole % 10);
        whole /= 10;
        digits++;
    } while (whole);
    return tg_sim__put(b, tmp + i, (size_t)(40 - i));
}

int tg_sim__putjs(tg_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    int rc = tg_sim__put(b, "\"", 1);
    const char *run = s;
    for (; rc == TG_OK && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = tg_sim__put(b, run, (size_t)(s - run));
        if (rc)
            break;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
            rc = tg_sim__put(b, esc, 2);
        } else if (c == '\n') {
            rc = tg_sim__put(b, "\\n", 2);
        } else {
            rc = tg_sim__put(b, esc, 6);
        }
        run = s + 1;
    }
    if (rc == TG_OK)
        rc = tg_sim__put(b, run, (size_t)(s - run));
    if (rc == TG_OK)
        rc = tg_sim__put(b, "\"", 1);
    return rc;
}

int tg_sim__puth(tg_buf *b, const char *s)
{
    int rc = TG_OK;
    const char *run = s;
    for (; rc == TG_OK && *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        default:
            continue;
        }
        rc = tg_sim__put(b, run, (size_t)(s - run));
        if (rc == TG_OK)
            rc = tg_sim__puts(b, rep);
        run = s + 1;
    }
    if (rc == TG_OK)
        rc = tg_sim__put(b, run, (size_t)(s - run));
    return rc;
}
