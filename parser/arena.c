/*
 * The result arena: one parse's records and strings live in a chain of
 * chunks freed by tg_parse_result_free(). TG_ARENA_DEBUG=1 gives every
 * allocation its own chunk so sanitizers see exact bounds.
 */
#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN 16384

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    max_align_t data[];
} chunk;

struct tg_parse_arena {
    chunk *head;
    size_t total;
};

static bool arena_debug(void)
{
    static int mode = -1; /* benign race: every thread computes the same value */
    if (mode < 0) {
        const char *e = getenv("TG_ARENA_DEBUG");
        mode = e && *e == '1';
    }
    return mode == 1;
}

int tg_parse__begin(tg_parse_result *r, tg_parse_kind kind)
{
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->cursor = -1;
    r->total = -1;
    r->offset = -1;
    r->arena = tg_calloc(1, sizeof *r->arena);
    return r->arena ? TG_OK : TG_ENOMEM;
}

void *tg_parse__alloc(tg_parse_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n || a->total + need > TG_PARSE_MAX_ARENA)
        return NULL;
    bool dbg = arena_debug();
    chunk *c = a->head;
    if (dbg || !c || c->size - c->used < need) {
        size_t sz = dbg ? need : (need > CHUNK_MIN ? need : CHUNK_MIN);
        c = tg_malloc(sizeof *c + sz);
        if (!c)
            return NULL;
        c->size = sz;
        c->used = 0;
        if (a->head && !dbg && need > CHUNK_MIN) {
            c->next = a->head->next; /* one-off: keep the current chunk in front */
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = (char *)c->data + c->used;
    c->used += need;
    a->total += need;
    memset(p, 0, n);
    return p;
}

char *tg_parse__strndup(tg_parse_arena *a, const char *s, size_t n)
{
    char *p = tg_parse__alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *tg_parse__strdup(tg_parse_arena *a, const char *s)
{
    return tg_parse__strndup(a, s, strlen(s));
}

void *tg_parse__vec_push(tg_parse_arena *a, tg_parse_vec *v)
{
    if (v->n == v->alloc) {
        size_t na = v->alloc ? v->alloc * 2 : 16;
        void *nd = tg_parse__alloc(a, na * v->elem);
        if (!nd)
            return NULL;
        if (v->n)
            memcpy(nd, v->data, v->n * v->elem); /* old block stays in the arena */
        v->data = nd;
        v->alloc = na;
    }
    void *p = (char *)v->data + v->n * v->elem;
    memset(p, 0, v->elem);
    v->n++;
    return p;
}

void tg_parse_result_free(tg_parse_result *r)
{
    if (!r)
        return;
    if (r->arena) {
        chunk *c = r->arena->head;
        while (c) {
            chunk *n = c->next;
            tg_free(c);
            c = n;
        }
        tg_free(r->arena);
    }
    memset(r, 0, sizeof *r);
}

const char *tg_parse__jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int64_t tg_parse__jint(json_t *o, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    if (json_is_string(v)) {
        int64_t c;
        const char *s = json_string_value(v);
        if (*s && tg_parse_count(s, strlen(s), &c) == TG_OK)
            return c;
    }
    return dflt;
}

json_t *tg_parse__json_load(const char *buf, size_t len, int *err)
{
    json_error_t je;
    if (len > TG_PARSE_MAX_INPUT) {
        *err = TG_ETOOBIG;
        return NULL;
    }
    json_t *root = json_loadb(buf, len, JSON_ALLOW_NUL, &je);
    if (!root) {
        *err = TG_EPARSE;
        return NULL;
    }
    *err = TG_OK;
    return root;
}
