/*
 * Per-result arena (nginx pools, h2o per-request pools): everything one
 * fetch produced lives in one arena and dies in one call. TG_ARENA_DEBUG=1
 * in the environment sends every allocation to its own chunk so sanitizers
 * see exact bounds (nginx's NGX_DEBUG_PALLOC).
 */
#include "crawler/crawl_int.h"
#include "trendguard/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN 4096

struct tg_arena_chunk {
    tg_arena_chunk *next;
    size_t size, used;
    max_align_t data[];
};

static int debug_mode = -1;

void tg_arena__init(tg_arena *a, size_t cap)
{
    a->head = NULL;
    a->total = 0;
    a->cap = cap;
    if (debug_mode < 0) {
        const char *e = getenv("TG_ARENA_DEBUG");
        debug_mode = e && *e == '1';
    }
}

void *tg_arena__alloc(tg_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n || a->total + need > a->cap)
        return NULL;
    tg_arena_chunk *c = a->head;
    if (debug_mode || !c || c->size - c->used < need) {
        size_t sz = debug_mode ? need : (need > CHUNK_MIN ? need : CHUNK_MIN);
        c = tg_malloc(sizeof *c + sz);
        if (!c)
            return NULL;
        c->size = sz;
        c->used = 0;
        if (a->head && !debug_mode && need > CHUNK_MIN) {
            /* a big one-off: keep the current chunk in front for small ones */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = (char *)c->data + c->used;
    c->used += need;
    a->total += need;
    return p;
}

char *tg_arena__strndup(tg_arena *a, const char *s, size_t n)
{
    char *d = tg_arena__alloc(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *tg_arena__strdup(tg_arena *a, const char *s)
{
    return s ? tg_arena__strndup(a, s, strlen(s)) : NULL;
}

char *tg_arena__printf(tg_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *d = tg_arena__alloc(a, (size_t)n + 1);
    if (!d)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

void tg_arena__free(tg_arena *a)
{
    tg_arena_chunk *c = a->head;
    while (c) {
        tg_arena_chunk *n = c->next;
        tg_free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}

int tg_result__grow(void **v, size_t *alloc, size_t need, size_t elem)
{
    if (need <= *alloc)
        return 0;
    if (need > (1u << 20))
        return TG_ENOMEM;
    size_t na = *alloc ? *alloc * 2 : 16;
    while (na < need)
        na *= 2;
    void *nv = tg_realloc(*v, na * elem);
    if (!nv)
        return TG_ENOMEM;
    *v = nv;
    *alloc = na;
    return 0;
}

tg_result *tg_result__new(const tg_item *it)
{
    tg_result *r = tg_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    tg_arena__init(&r->a, (size_t)256 << 20);
    r->item.key = tg_arena__strdup(&r->a, it->key);
    r->item.state = tg_arena__strdup(&r->a, it->state ? it->state : "");
    r->item.due_ms = it->due_ms;
    r->item.kind = it->kind;
    r->item.attempts = it->attempts;
    if (!r->item.key || !r->item.state) {
        tg_result__free(r);
        return NULL;
    }
    r->fate = TG_FATE_DONE;
    return r;
}

void tg_result__free(tg_result *r)
{
    if (!r)
        return;
    tg_free(r->videos.v);
    tg_free(r->snaps.v);
    tg_free(r->listings.v);
    tg_free(r->prices.v);
    tg_free(r->tagdays.v);
    tg_free(r->items.v);
    tg_arena__free(&r->a);
    tg_free(r);
}

void tg_result__next(tg_result *r, const char *state, uint64_t due_ms, bool round_done)
{
    r->fate = TG_FATE_NEXT;
    r->next_item.key = r->item.key;
    r->next_item.kind = r->item.kind;
    r->next_item.attempts = 0;
    r->next_item.due_ms = due_ms;
    r->next_item.state = tg_arena__strdup(&r->a, state ? state : "");
    if (!r->next_item.state)
        r->next_item.state = r->item.state;
    r->round_done = round_done;
}

void tg_result__fail(tg_result *r, tg_errclass ec, long status, double poll_every_s)
{
    r->ec = ec;
    r->status = status;
    if (poll_every_s > 0)
        tg_result__next(r, "", tg_crawl__after_ms(poll_every_s), true);
    else
        r->fate = TG_FATE_DONE;
}
