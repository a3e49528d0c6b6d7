/*
 * The fleet backend: the crawl's shared state in Redis (docs/FLEET.md has
 * the keys and the failure story; fleet_lua.h the scripts).
 *
 * One synchronous hiredis connection, used on the loop thread only, with
 * short timeouts (Redis is near: a LAN round trip). When Redis is
 * unreachable every call fails fast with TG_ENET until the next reconnect
 * attempt (backoff 0.5 s doubling to 30 s); the engine keeps its leased
 * jobs and results in memory and retries. State changes are logged once.
 *
 * The worker remembers the token of every lease it holds (a small hash
 * map): DONE sends it so that a late result of a re-leased item is
 * dropped by the script (fencing), and renewal extends only leases whose
 * token is still current.
 */
#include "crawler/crawl_int.h"
#include "crawler/fleet_lua.h"
#include "trendguard/error.h"
#include "trendguard/log.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NBUCKET 1024
#define DONE_MAX_ARGS 4096 /* one DONE call carries at most this many arguments */
#define BACKOFF_MIN 0.5
#define BACKOFF_MAX 30.0

enum { S_LEASE, S_START, S_DONE, S_RENEW, S_RELEASE, S_LEADER, S__N };
static const char *const scripts[S__N] = {LUA_LEASE, LUA_START,   LUA_DONE,
                                          LUA_RENEW, LUA_RELEASE, LUA_LEADER};

typedef struct held {
    struct held *next;
    uint64_t tok;
    uint64_t due;
    char key[];
} held;

/* A fetch that ended: its host slot goes back, its status may set backoff. */
typedef struct ended {
    struct ended *next;
    long status;
    double retry_after;
    char slot[64];
    char host[];
} ended;

struct tg_fleet {
    char host[256];
    int port, db;
    char ns[64];
    char id[128];
    long lease_ms;
    double backoff_base, backoff_cap;
    redisContext *rc;
    char sha[S__N][41];
    double retry_at, backoff;
    bool down_logged;
    bool leader;
    uint64_t calls;
    held *b[NBUCKET];
    size_t nheld;
    ended *ends;
    size_t nends;
    tg_buf drops; /* RELEASE arguments queued: key\0tok\0due\0 ... */
    size_t ndrops;
    tg_rng rng;
};

/* ---- URL and setup ------------------------------------------------------ */

static int parse_url(tg_fleet *f, const char *url)
{
    const char *p = url;
    if (strncmp(p, "redis://", 8) != 0)
        return TG_ECONFIG;
    p += 8;
    if (strchr(p, '@'))
        return TG_ECONFIG; /* no password support (docs/FLEET.md) */
    size_t hl = strcspn(p, ":/");
    if (!hl || hl >= sizeof f->host)
        return TG_ECONFIG;
    memcpy(f->host, p, hl);
    f->host[hl] = 0;
    p += hl;
    f->port = 6379;
    f->db = 0;
    char *end;
    if (*p == ':') {
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v < 1 || v > 65535)
            return TG_ECONFIG;
        f->port = (int)v;
        p = end;
    }
    if (*p == '/' && p[1]) {
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end || v < 0 || v > 15)
            return TG_ECONFIG;
        f->db = (int)v;
    } else if (*p && strcmp(p, "/") != 0) {
        return TG_ECONFIG;
    }
    return TG_OK;
}

int tg_fleet__open(tg_fleet **out, const tg_config *cfg)
{
    *out = NULL;
    if (!cfg->fleet_redis || !*cfg->fleet_redis) {
        tg_error("fleet", "--fleet needs [fleet] redis = redis://HOST:PORT/DB");
        return TG_ECONFIG;
    }
    tg_fleet *f = tg_calloc(1, sizeof *f);
    if (!f)
        return TG_ENOMEM;
    if (parse_url(f, cfg->fleet_redis)) {
        tg_error("fleet", "[fleet] redis: expected redis://HOST[:PORT][/DB] (no password), got %s",
                 cfg->fleet_redis);
        tg_free(f);
        return TG_ECONFIG;
    }
    const char *ns = cfg->fleet_namespace ? cfg->fleet_namespace : "tg";
    if (!*ns || strlen(ns) >= sizeof f->ns || strpbrk(ns, " \t\r\n")) {
        tg_error("fleet", "[fleet] namespace: 1..63 characters without spaces");
        tg_free(f);
        return TG_ECONFIG;
    }
    snprintf(f->ns, sizeof f->ns, "%s", ns);
    if (cfg->fleet_worker_id && *cfg->fleet_worker_id) {
        snprintf(f->id, sizeof f->id, "%s", cfg->fleet_worker_id);
    } else {
        char hn[64] = "host";
        gethostname(hn, sizeof hn - 1);
        hn[sizeof hn - 1] = 0;
        snprintf(f->id, sizeof f->id, "%s:%ld", hn, (long)getpid());
    }
    f->lease_ms = (long)(cfg->fleet_lease_s * 1000);
    f->backoff_base = 1;
    f->backoff_cap = cfg->backoff_cap_s;
    tg_buf_init(&f->drops, (size_t)16 << 20);
    tg_rng_seed(&f->rng, tg_hash64(f->id, strlen(f->id)) ^ (uint64_t)tg_now());
    *out = f;
    return TG_OK;
}

void tg_fleet__close(tg_fleet **fp)
{
    tg_fleet *f = *fp;
    if (!f)
        return;
    for (int i = 0; i < NBUCKET; i++) {
        while (f->b[i]) {
            held *n = f->b[i]->next;
            tg_free(f->b[i]);
            f->b[i] = n;
        }
    }
    while (f->ends) {
        ended *n = f->ends->next;
        tg_free(f->ends);
        f->ends = n;
    }
    tg_buf_free(&f->drops);
    if (f->rc)
        redisFree(f->rc);
    tg_free(f);
    *fp = NULL;
}

const char *tg_fleet__id(const tg_fleet *f)
{
    return f->id;
}

const char *tg_fleet__ns(const tg_fleet *f)
{
    return f->ns;
}

uint64_t tg_fleet__calls(const tg_fleet *f)
{
    return f->calls;
}

/* ---- the connection ------------------------------------------------------- */

static void went_down(tg_fleet *f, const char *reason)
{
    char why[128]; /* reason may live in the context freed below */
    snprintf(why, sizeof why, "%s", reason);
    if (f->rc) {
        redisFree(f->rc);
        f->rc = NULL;
    }
    f->backoff = f->backoff ? f->backoff * 2 : BACKOFF_MIN;
    if (f->backoff > BACKOFF_MAX)
        f->backoff = BACKOFF_MAX;
    f->retry_at = tg_mono() + f->backoff;
    if (!f->down_logged) {
        tg_warn("fleet", "redis %s:%d unreachable (%s): retrying with backoff", f->host, f->port,
                why);
        f->down_logged = true;
    }
}

static redisReply *call_argv(tg_fleet *f, int argc, const char **argv, const size_t *lens)
{
    f->calls++;
    redisReply *r = redisCommandArgv(f->rc, argc, argv, lens);
    if (!r)
        went_down(f, f->rc && f->rc->errstr[0] ? f->rc->errstr : "no reply");
    return r;
}

/* Connected (or reconnected just now)? false while backing off. */
static bool ensure(tg_fleet *f)
{
    if (f->rc)
        return true;
    if (tg_mono() < f->retry_at)
        return false;
    struct timeval ct = {0, 500000}, to = {2, 0};
    f->rc = redisConnectWithTimeout(f->host, f->port, ct);
    if (!f->rc || f->rc->err) {
        went_down(f, f->rc ? f->rc->errstr : "out of memory");
        return false;
    }
    redisSetTimeout(f->rc, to);
    if (f->db) {
        char db[16];
        snprintf(db, sizeof db, "%d", f->db);
        const char *av[] = {"SELECT", db};
        redisReply *r = call_argv(f, 2, av, NULL);
        if (!r)
            return false;
        bool ok = r->type != REDIS_REPLY_ERROR;
        freeReplyObject(r);
        if (!ok) {
            went_down(f, "SELECT refused");
            return false;
        }
    }
    for (int i = 0; i < S__N; i++) {
        const char *av[] = {"SCRIPT", "LOAD", scripts[i]};
        redisReply *r = call_argv(f, 3, av, NULL);
        if (!r)
            return false;
        if (r->type != REDIS_REPLY_STRING || r->len != 40) {
            tg_error("fleet", "SCRIPT LOAD failed: %s",
                     r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
            freeReplyObject(r);
            went_down(f, "SCRIPT LOAD failed");
            return false;
        }
        memcpy(f->sha[i], r->str, 40);
        f->sha[i][40] = 0;
        freeReplyObject(r);
    }
    /* the results stream and its consumer group (BUSYGROUP: it exists) */
    char stream[96];
    snprintf(stream, sizeof stream, "%s:results", f->ns);
    const char *av[] = {"XGROUP", "CREATE", stream, "sink", "0", "MKSTREAM"};
    redisReply *r = call_argv(f, 6, av, NULL);
    if (!r)
        return false;
    freeReplyObject(r);
    if (f->down_logged)
        tg_info("fleet", "redis %s:%d reachable again", f->host, f->port);
    f->down_logged = false;
    f->backoff = 0;
    return true;
}

bool tg_fleet__up(tg_fleet *f)
{
    return ensure(f);
}

/* EVALSHA script with argv (lens may be NULL: all NUL-terminated). */
static redisReply *eval(tg_fleet *f, int s, int nkeys, int argc, const char **argv,
                        const size_t *lens)
{
    if (!ensure(f))
        return NULL;
    int n = argc + 3;
    const char **av = tg_malloc((size_t)n * sizeof *av);
    size_t *al = tg_malloc((size_t)n * sizeof *al);
    redisReply *r = NULL;
    if (!av || !al)
        goto out;
    char nk[12];
    snprintf(nk, sizeof nk, "%d", nkeys);
    av[0] = "EVALSHA";
    av[1] = f->sha[s];
    av[2] = nk;
    for (int i = 0; i < 3; i++)
        al[i] = strlen(av[i]);
    for (int i = 0; i < argc; i++) {
        av[3 + i] = argv[i];
        al[3 + i] = lens ? lens[i] : strlen(argv[i]);
    }
    r = call_argv(f, n, av, al);
    if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
        /* Redis restarted under us without dropping the connection (rare):
         * run the body once, which caches it again */
        freeReplyObject(r);
        av[0] = "EVAL";
        av[1] = scripts[s];
        al[0] = 4;
        al[1] = strlen(scripts[s]);
        r = call_argv(f, n, av, al);
    }
    if (r && r->type == REDIS_REPLY_ERROR) {
        tg_error("fleet", "script %d: %s", s, r->str);
        freeReplyObject(r);
        r = NULL;
    }
out:
    tg_free(av);
    tg_free(al);
    return r;
}

/* ---- held leases ------------------------------------------------------------ */

static held **held_slot(tg_fleet *f, const char *key)
{
    held **p = &f->b[tg_hash64(key, strlen(key)) % NBUCKET];
    while (*p && strcmp((*p)->key, key) != 0)
        p = &(*p)->next;
    return p;
}

static int hold(tg_fleet *f, const char *key, uint64_t tok, uint64_t due)
{
    held **p = held_slot(f, key);
    if (*p) {
        (*p)->tok = tok;
        (*p)->due = due;
        return TG_OK;
    }
    size_t kl = strlen(key);
    held *h = tg_malloc(sizeof *h + kl + 1);
    if (!h)
        return TG_ENOMEM;
    h->next = NULL;
    h->tok = tok;
    h->due = due;
    memcpy(h->key, key, kl + 1);
    *p = h;
    f->nheld++;
    return TG_OK;
}

static void unhold(tg_fleet *f, const char *key)
{
    held **p = held_slot(f, key);
    if (*p) {
        held *h = *p;
        *p = h->next;
        tg_free(h);
        f->nheld--;
    }
}

size_t tg_fleet__held(const tg_fleet *f)
{
    return f->nheld;
}

/* ---- LEASE --------------------------------------------------------------------- */

int tg_fleet__lease(tg_fleet *f, size_t n, bool once, const char *const *skip, int nskip,
                    tg_frontier_cb cb, void *ctx, uint64_t *next_due, long *left)
{
    char now[24], lease[24], nn[24];
    snprintf(now, sizeof now, "%llu", (unsigned long long)tg_crawl__now_ms());
    snprintf(lease, sizeof lease, "%ld", f->lease_ms);
    snprintf(nn, sizeof nn, "%zu", n);
    const char *av[5 + 16] = {f->ns, now, lease, nn, once ? "1" : "0"};
    for (int i = 0; i < nskip && i < 16; i++)
        av[5 + i] = skip[i];
    redisReply *r = eval(f, S_LEASE, 0, 5 + (nskip < 16 ? nskip : 16), av, NULL);
    if (!r)
        return TG_ENET;
    int rc = TG_OK;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
        r->element[0]->type != REDIS_REPLY_ARRAY) {
        rc = TG_EDATA;
        goto out;
    }
    redisReply *items = r->element[0];
    *next_due = r->element[1]->type == REDIS_REPLY_STRING && r->element[1]->len
                    ? strtoull(r->element[1]->str, NULL, 10)
                    : 0;
    *left = r->element[2]->type == REDIS_REPLY_STRING ? strtol(r->element[2]->str, NULL, 10) : 0;
    char *buf = tg_malloc(16384);
    if (!buf) {
        rc = TG_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i + 3 < items->elements; i += 4) {
        redisReply **e = items->element + i;
        tg_item it;
        if (e[0]->type != REDIS_REPLY_STRING || e[3]->type != REDIS_REPLY_STRING ||
            e[0]->len >= 1024 ||
            tg_frontier__decode(e[3]->str, e[3]->len, &it, buf + 1024, 16384 - 1024)) {
            tg_warn("fleet", "a malformed frontier entry was skipped");
            continue;
        }
        memcpy(buf, e[0]->str, e[0]->len);
        buf[e[0]->len] = 0;
        it.key = buf;
        it.due_ms = strtoull(e[1]->str, NULL, 10);
        uint64_t tok = strtoull(e[2]->str, NULL, 10);
        if ((rc = hold(f, it.key, tok, it.due_ms)))
            break;
        if (cb(&it, ctx)) { /* not taken after all: give it back */
            tg_fleet__drop(f, it.key);
        }
    }
    tg_free(buf);
out:
    freeReplyObject(r);
    return rc;
}

/* ---- arguments of the scripts ---------------------------------------------------- */

typedef struct args {
    const char **v;
    size_t *l;
    size_t n, cap;
    tg_arena a; /* numbers and encodings */
} args;

static int arg(args *a, const char *s, size_t len)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 256;
        const char **nv = tg_realloc(a->v, nc * sizeof *nv);
        if (!nv)
            return TG_ENOMEM;
        a->v = nv;
        size_t *nl = tg_realloc(a->l, nc * sizeof *nl);
        if (!nl)
            return TG_ENOMEM;
        a->l = nl;
        a->cap = nc;
    }
    a->v[a->n] = s ? s : "";
    a->l[a->n] = s ? len : 0;
    a->n++;
    return TG_OK;
}

static int args_s(args *a, const char *s)
{
    return arg(a, s, s ? strlen(s) : 0);
}

static int args_u(args *a, unsigned long long v)
{
    char *s = tg_arena__printf(&a->a, "%llu", v);
    return s ? args_s(a, s) : TG_ENOMEM;
}

/* The bytes an encoder wrote into b (rc its result) as one argument; frees b. */
static int args_buf(args *a, tg_buf *b, int rc)
{
    char *p = rc ? NULL : tg_arena__alloc(&a->a, b->len ? b->len : 1);
    if (!rc && !p)
        rc = TG_ENOMEM;
    if (!rc) {
        memcpy(p, b->data, b->len);
        rc = arg(a, p, b->len);
    }
    tg_buf_free(b);
    return rc;
}

static int args_item(args *a, const tg_item *it)
{
    tg_buf b;
    tg_buf_init(&b, (size_t)1 << 20);
    return args_buf(a, &b, tg_frontier__encode(it, &b));
}

/* slot status retry_after jitter of an ended fetch */
static int add_ended(tg_fleet *f, args *a, const ended *e)
{
    char *ra = tg_arena__printf(&a->a, "%.3f", e->retry_after);
    char *jit = tg_arena__printf(&a->a, "%.4f", tg_rng_unif(&f->rng));
    if (!ra || !jit)
        return TG_ENOMEM;
    int rc = args_s(a, e->slot);
    if (!rc)
        rc = args_u(a, (unsigned long long)(e->status > 0 ? e->status : 0));
    if (!rc)
        rc = args_s(a, ra);
    return rc ? rc : args_s(a, jit);
}

static void args_free(args *a)
{
    tg_free(a->v);
    tg_free(a->l);
    tg_arena__free(&a->a);
    memset(a, 0, sizeof *a);
}

/* ---- START ----------------------------------------------------------------------- */

int tg_fleet__start(tg_fleet *f, const char *host, uint64_t reqid, double rate, long max_inflight,
                    const char *quota_key, long quota_cap, double *wait_s)
{
    char now[24], rt[32], mi[24], slot[64], ttl[24], qc[24], base[24], cap[24];
    snprintf(now, sizeof now, "%llu", (unsigned long long)tg_crawl__now_ms());
    snprintf(rt, sizeof rt, "%.6g", rate);
    snprintf(mi, sizeof mi, "%ld", max_inflight);
    snprintf(slot, sizeof slot, "%.40s/%llu", f->id, (unsigned long long)reqid);
    snprintf(ttl, sizeof ttl, "%ld", f->lease_ms);
    snprintf(qc, sizeof qc, "%ld", quota_cap);
    snprintf(base, sizeof base, "%.3f", f->backoff_base);
    snprintf(cap, sizeof cap, "%.3f", f->backoff_cap);
    args a;
    memset(&a, 0, sizeof a);
    tg_arena__init(&a.a, (size_t)1 << 20);
    const char *fixed[] = {f->ns, host, now, rt, mi, slot, ttl, quota_key ? quota_key : "",
                           qc,    base, cap};
    int rc = TG_OK;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && !rc; i++)
        rc = args_s(&a, fixed[i]);
    /* this host's ended fetches ride along: their slots are free before the check */
    size_t nend = 0;
    for (ended *e = f->ends; e && !rc && nend < 256; e = e->next) {
        if (strcmp(e->host, host) != 0)
            continue;
        rc = add_ended(f, &a, e);
        nend++;
    }
    redisReply *r = rc ? NULL : eval(f, S_START, 0, (int)a.n, a.v, a.l);
    args_free(&a);
    *wait_s = 0.5;
    if (!r)
        return rc ? rc : TG_ENET;
    for (ended **pe = &f->ends; *pe && nend;) {
        ended *e = *pe;
        if (strcmp(e->host, host) != 0) {
            pe = &e->next;
            continue;
        }
        *pe = e->next;
        tg_free(e);
        f->nends--;
        nend--;
    }
    rc = TG_OK;
    if (r->type != REDIS_REPLY_STRING)
        rc = TG_EDATA;
    else if (strcmp(r->str, "Q") == 0)
        rc = TG_EQUOTA;
    else
        *wait_s = atof(r->str);
    freeReplyObject(r);
    return rc;
}

void tg_fleet__fetch_end(tg_fleet *f, const char *host, uint64_t reqid, long status,
                         double retry_after)
{
    size_t hl = strlen(host);
    ended *e = tg_malloc(sizeof *e + hl + 1);
    if (!e)
        return; /* the slot lapses with its expiry */
    e->status = status;
    e->retry_after = retry_after;
    snprintf(e->slot, sizeof e->slot, "%.40s/%llu", f->id, (unsigned long long)reqid);
    memcpy(e->host, host, hl + 1);
    e->next = f->ends;
    f->ends = e;
    f->nends++;
}

/* ---- DONE -------------------------------------------------------------------------- */

/* The fixed 14 fields of one DONE entry, then its discovered items. */
static int add_entry(tg_fleet *f, args *a, const tg_result *r, bool once, const ended *e)
{
    int rc;
    const char *key = r && r->item.key ? r->item.key : "";
    held **hp = *key ? held_slot(f, key) : NULL;
    uint64_t tok = hp && *hp ? (*hp)->tok : 0;
    if ((rc = args_s(a, key)) || (rc = *key ? args_u(a, tok) : args_s(a, "")))
        return rc;
    int fate = r ? r->fate : TG_FATE_NONE;
    if ((rc = args_u(a, (unsigned long long)(fate == TG_FATE_DONE   ? 0
                                             : fate == TG_FATE_NEXT ? 1
                                                                    : 2))))
        return rc;
    if (r && fate == TG_FATE_NEXT) {
        if ((rc = args_s(a, r->next_item.key)) || (rc = args_item(a, &r->next_item)) ||
            (rc = args_u(a, r->next_item.due_ms)))
            return rc;
    } else {
        uint64_t due = hp && *hp ? (*hp)->due : tg_crawl__now_ms();
        if ((rc = args_s(a, "")) || (rc = args_s(a, "")) || (rc = args_u(a, due)))
            return rc;
    }
    if ((rc = args_s(a, r && once && r->round_done ? "1" : "0")))
        return rc;
    /* the encoded result, when it carries anything for the store */
    bool data = r && (r->videos.n || r->snaps.n || r->listings.n || r->prices.n || r->tagdays.n ||
                      r->robots_host || r->meta_key ||
                      (r->ec != TG_EC_NONE && r->ec != TG_EC_RATELIMIT) || r->page);
    if (data) {
        tg_buf b;
        tg_buf_init(&b, (size_t)256 << 20);
        if ((rc = args_buf(a, &b, tg_result__encode(r, &b))))
            return rc;
    } else if ((rc = args_s(a, ""))) {
        return rc;
    }
    if (e) {
        if ((rc = args_s(a, e->host)) || (rc = add_ended(f, a, e)))
            return rc;
    } else if ((rc = args_s(a, "")) || (rc = args_s(a, "")) || (rc = args_s(a, "0")) ||
               (rc = args_s(a, "-1")) || (rc = args_s(a, "0"))) {
        return rc;
    }
    size_t ni = r ? r->items.n : 0;
    if ((rc = args_u(a, ni)))
        return rc;
    for (size_t i = 0; i < ni; i++) {
        const tg_new_item *it = &r->items.v[i];
        if ((rc = args_s(a, it->it.key)) || (rc = args_item(a, &it->it)) ||
            (rc = args_u(a, it->it.due_ms)) || (rc = args_s(a, it->seen)) ||
            (rc = args_s(a, it->site)) ||
            (rc = args_u(a, (unsigned long long)(it->max_pages > 0 ? it->max_pages : 0))))
            return rc;
    }
    return TG_OK;
}

static int args_head(tg_fleet *f, args *a)
{
    char *base = tg_arena__printf(&a->a, "%.3f", f->backoff_base);
    char *cap = tg_arena__printf(&a->a, "%.3f", f->backoff_cap);
    int rc = base && cap ? TG_OK : TG_ENOMEM;
    if (!rc && !(rc = args_s(a, f->ns)) && !(rc = args_u(a, tg_crawl__now_ms())) &&
        !(rc = args_s(a, base)))
        rc = args_s(a, cap);
    return rc;
}

static int send_done(tg_fleet *f, args *a, long *stale)
{
    redisReply *r = eval(f, S_DONE, 0, (int)a->n, a->v, a->l);
    if (!r)
        return TG_ENET;
    if (r->type == REDIS_REPLY_INTEGER)
        *stale += (long)r->integer;
    freeReplyObject(r);
    return TG_OK;
}

int tg_fleet__done(tg_fleet *f, tg_result *list, size_t max, bool once, size_t *sent, long *stale)
{
    *sent = 0;
    if (!ensure(f))
        return TG_ENET;
    args a;
    memset(&a, 0, sizeof a);
    tg_arena__init(&a.a, (size_t)512 << 20);
    int rc = args_head(f, &a);
    size_t n = 0;
    for (tg_result *r = list; r && n < max && !rc; r = r->next) {
        if (n && a.n > DONE_MAX_ARGS)
            break;
        rc = add_entry(f, &a, r, once, NULL);
        n++;
    }
    /* ended fetches ride along: their slots go back, backoff is recorded */
    ended *e = f->ends;
    size_t ne = 0;
    for (; e && !rc && a.n < DONE_MAX_ARGS * 2; e = e->next, ne++)
        rc = add_entry(f, &a, NULL, once, e);
    if (!rc && (n || ne))
        rc = send_done(f, &a, stale);
    args_free(&a);
    if (rc)
        return rc;
    for (size_t i = 0; i < ne; i++) {
        ended *x = f->ends;
        f->ends = x->next;
        f->nends--;
        tg_free(x);
    }
    size_t i = 0;
    for (tg_result *r = list; r && i < n; r = r->next, i++)
        if (r->item.key && *r->item.key)
            unhold(f, r->item.key);
    *sent = n;
    return TG_OK;
}

/* ---- RELEASE, RENEW, LEADER (ticks) --------------------------------------------- */

void tg_fleet__drop(tg_fleet *f, const char *key)
{
    held **hp = held_slot(f, key);
    if (!*hp)
        return;
    char num[48];
    snprintf(num, sizeof num, "%llu", (unsigned long long)(*hp)->tok);
    int rc = tg_buf_add(&f->drops, key, strlen(key) + 1);
    if (!rc)
        rc = tg_buf_add(&f->drops, num, strlen(num) + 1);
    snprintf(num, sizeof num, "%llu", (unsigned long long)(*hp)->due);
    if (!rc)
        rc = tg_buf_add(&f->drops, num, strlen(num) + 1);
    if (!rc)
        f->ndrops++;
    unhold(f, key); /* on failure the lease simply expires */
}

static int send_drops(tg_fleet *f)
{
    if (!f->ndrops)
        return TG_OK;
    size_t n = 1 + 3 * f->ndrops;
    const char **av = tg_malloc(n * sizeof *av);
    if (!av)
        return TG_ENOMEM;
    av[0] = f->ns;
    const char *p = f->drops.data;
    for (size_t i = 1; i < n; i++) {
        av[i] = p;
        p += strlen(p) + 1;
    }
    redisReply *r = eval(f, S_RELEASE, 0, (int)n, av, NULL);
    tg_free(av);
    if (!r)
        return TG_ENET;
    freeReplyObject(r);
    tg_buf_reset(&f->drops);
    f->ndrops = 0;
    return TG_OK;
}

static int renew(tg_fleet *f)
{
    if (!f->nheld)
        return TG_OK;
    args a;
    memset(&a, 0, sizeof a);
    tg_arena__init(&a.a, (size_t)64 << 20);
    char lease[24];
    snprintf(lease, sizeof lease, "%ld", f->lease_ms);
    int rc = args_s(&a, f->ns);
    if (!rc)
        rc = args_u(&a, tg_crawl__now_ms());
    if (!rc)
        rc = args_s(&a, lease);
    for (int i = 0; i < NBUCKET && !rc; i++)
        for (held *h = f->b[i]; h && !rc; h = h->next)
            if (!(rc = args_s(&a, h->key)))
                rc = args_u(&a, h->tok);
    if (!rc) {
        redisReply *r = eval(f, S_RENEW, 0, (int)a.n, a.v, a.l);
        if (r)
            freeReplyObject(r);
        else
            rc = TG_ENET;
    }
    args_free(&a);
    return rc;
}

int tg_fleet__tick(tg_fleet *f, bool renew_now)
{
    if (!ensure(f))
        return TG_ENET;
    int rc = send_drops(f);
    if (!rc && renew_now)
        rc = renew(f);
    return rc;
}

int tg_fleet__leader(tg_fleet *f)
{
    char key[96], lease[24];
    snprintf(key, sizeof key, "%s:leader", f->ns);
    snprintf(lease, sizeof lease, "%ld", f->lease_ms);
    const char *av[] = {key, f->id, lease};
    redisReply *r = eval(f, S_LEADER, 1, 3, av, NULL);
    bool was = f->leader;
    int got = f->leader ? 1 : 0;
    if (r) {
        got = r->type == REDIS_REPLY_INTEGER ? (int)r->integer : 0;
        f->leader = got > 0;
        freeReplyObject(r);
    } /* unreachable: keep the belief until the key would have lapsed anyway */
    if (f->leader != was)
        tg_info("fleet", "%s %s the leader", f->id, f->leader ? "is now" : "is no longer");
    return got;
}

/* ---- small shared values: tokens, robots, the source clock, flags ------------------- */

/* GET NS:name into *out (tg_malloc'd, NUL-terminated); TG_ENOTFOUND when absent. */
int tg_fleet__get(tg_fleet *f, const char *name, char **out, size_t *len)
{
    *out = NULL;
    if (!ensure(f))
        return TG_ENET;
    char key[600];
    snprintf(key, sizeof key, "%s:%s", f->ns, name);
    const char *av[] = {"GET", key};
    redisReply *r = call_argv(f, 2, av, NULL);
    if (!r)
        return TG_ENET;
    int rc = TG_ENOTFOUND;
    if (r->type == REDIS_REPLY_STRING) {
        *out = tg_malloc(r->len + 1);
        rc = *out ? TG_OK : TG_ENOMEM;
        if (*out) {
            memcpy(*out, r->str, r->len);
            (*out)[r->len] = 0;
            if (len)
                *len = r->len;
        }
    }
    freeReplyObject(r);
    return rc;
}

/* SET NS:name value [PX ttl_ms] [NX]; *done = whether it was set. */
int tg_fleet__set(tg_fleet *f, const char *name, const void *val, size_t len, long ttl_ms, bool nx,
                  bool *done)
{
    if (done)
        *done = false;
    if (!ensure(f))
        return TG_ENET;
    char key[600], ttl[24];
    snprintf(key, sizeof key, "%s:%s", f->ns, name);
    snprintf(ttl, sizeof ttl, "%ld", ttl_ms);
    const char *av[6] = {"SET", key, val, "PX", ttl, "NX"};
    size_t al[6] = {3, strlen(key), len, 2, strlen(ttl), 2};
    int n = ttl_ms > 0 ? 5 : 3;
    if (nx) {
        av[n] = "NX";
        al[n] = 2;
        n++;
    }
    redisReply *r = call_argv(f, n, av, al);
    if (!r)
        return TG_ENET;
    if (done)
        *done = r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    return TG_OK;
}

int tg_fleet__del(tg_fleet *f, const char *name)
{
    if (!ensure(f))
        return TG_ENET;
    char key[600];
    snprintf(key, sizeof key, "%s:%s", f->ns, name);
    const char *av[] = {"DEL", key};
    redisReply *r = call_argv(f, 2, av, NULL);
    if (!r)
        return TG_ENET;
    freeReplyObject(r);
    return TG_OK;
}

/* HSET NS:name field value (the host's Crawl-delay floor). */
int tg_fleet__hset(tg_fleet *f, const char *name, const char *field, const char *val)
{
    if (!ensure(f))
        return TG_ENET;
    char key[600];
    snprintf(key, sizeof key, "%s:%s", f->ns, name);
    const char *av[] = {"HSET", key, field, val};
    redisReply *r = call_argv(f, 4, av, NULL);
    if (!r)
        return TG_ENET;
    freeReplyObject(r);
    return TG_OK;
}

/* A raw command for the sink (XREADGROUP, XACK, ...): NULL while Redis is
 * down (backing off) or when the connection was just lost. */
redisReply *tg_fleet__cmd(tg_fleet *f, int argc, const char **argv, const size_t *lens)
{
    if (!ensure(f))
        return NULL;
    return call_argv(f, argc, argv, lens);
}
