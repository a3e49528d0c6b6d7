/* Allocation wrappers with Nth-allocation failure injection. */
#include "trendguard/util.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long alloc_count;
static atomic_long fail_at = -1; /* -1: not initialised from the environment */

static int should_fail(void)
{
    long f = atomic_load(&fail_at);
    if (f < 0) {
        const char *e = getenv("TG_FAIL_ALLOC");
        f = e ? atol(e) : 0;
        atomic_store(&fail_at, f);
    }
    long n = atomic_fetch_add(&alloc_count, 1) + 1;
    return f > 0 && n == f;
}

void tg_alloc_fail_at(long n)
{
    atomic_store(&alloc_count, 0);
    atomic_store(&fail_at, n);
}

long tg_alloc_count(void)
{
    return atomic_load(&alloc_count);
}

void *tg_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *tg_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *tg_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

char *tg_strndup(const char *s, size_t n)
{
    char *d = tg_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *tg_strdup(const char *s)
{
    return tg_strndup(s, strlen(s));
}

void tg_free(void *p)
{
    free(p);
}
