/* tg_buf: growable, capped byte buffer. */
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tg_buf_init(tg_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap ? cap : (size_t)1 << 40;
}

static int grow(tg_buf *b, size_t need)
{
    if (need > b->cap)
        return TG_ETOOBIG;
    if (need + 1 <= b->alloc)
        return TG_OK;
    size_t a = b->alloc ? b->alloc : 64;
    while (a < need + 1)
        a *= 2;
    char *p = tg_realloc(b->data, a);
    if (!p)
        return TG_ENOMEM;
    b->data = p;
    b->alloc = a;
    return TG_OK;
}

int tg_buf_add(tg_buf *b, const void *p, size_t n)
{
    int rc = grow(b, b->len + n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return TG_OK;
}

int tg_buf_adds(tg_buf *b, const char *s)
{
    return tg_buf_add(b, s, strlen(s));
}

int tg_buf_addc(tg_buf *b, char c)
{
    return tg_buf_add(b, &c, 1);
}

int tg_buf_printf(tg_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TG_EINVAL;
    if ((size_t)n < sizeof tmp)
        return tg_buf_add(b, tmp, (size_t)n);
    int rc = grow(b, b->len + (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return TG_OK;
}

void tg_buf_reset(tg_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

void tg_buf_free(tg_buf *b)
{
    tg_free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

char *tg_buf_detach(tg_buf *b)
{
    char *d = b->data;
    if (!d)
        d = tg_strdup("");
    b->data = NULL;
    b->len = b->alloc = 0;
    return d;
}
