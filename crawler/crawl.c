#include <stdatomic.h>
/*
 * The crawl engine: scheduler, dispatch, thread-pool parsing and the one
 * batching writer.
 *
 * Life of an item: the scheduler scans the frontier for due items and
 * leases them in memory (a key set); a source builds the request; the
 * host's politeness state, the source's daily budget and robots.txt decide
 * when it may start; the fetcher runs it; the source parses the response
 * on libuv's thread pool into a tg_result; the writer applies a batch of
 * results in ONE LMDB transaction, each result's records together with
 * the move or deletion of its frontier item; only then does the lease end.
 * A crash anywhere before that commit leaves the item where it was.
 */
#include "crawler/crawl_int.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/parser.h"
#include "trendguard/robots.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SOURCES 8
#define ROBOTS_TTL (24 * 3600)
#define FETCHLOG_MAX 10000
#define TOKEN_SKEW 300

/* cli.c: set by the SIGINT/SIGTERM and SIGHUP handlers. */
extern volatile int tg_cli_stop;
extern volatile int tg_cli_reload;

/* ---- a small string set (leases, round membership) -------------------- */

typedef struct keyset {
    char **slot;
    size_t cap, n, tomb;
} keyset;

#define TOMB ((char *)1)

static size_t ks_find(const keyset *s, const char *k, uint64_t h)
{
    size_t i = h & (s->cap - 1), first_tomb = SIZE_MAX;
    for (;;) {
        char *e = s->slot[i];
        if (!e)
            return first_tomb != SIZE_MAX ? first_tomb : i;
        if (e == TOMB) {
            if (first_tomb == SIZE_MAX)
                first_tomb = i;
        } else if (strcmp(e, k) == 0) {
            return i;
        }
        i = (i + 1) & (s->cap - 1);
    }
}

static bool ks_has(const keyset *s, const char *k)
{
    if (!s->cap)
        return false;
    size_t i = ks_find(s, k, tg_hash64(k, strlen(k)));
    return s->slot[i] && s->slot[i] != TOMB;
}

static int ks_grow(keyset *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 64;
    if ((s->n + 1) * 2 < s->cap)
        ncap = s->cap; /* only tombstones: rehash in place size */
    char **old = s->slot;
    size_t ocap = s->cap;
    s->slot = tg_calloc(ncap, sizeof *s->slot);
    if (!s->slot) {
        s->slot = old;
        return TG_ENOMEM;
    }
    s->cap = ncap;
    s->tomb = 0;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i] && old[i] != TOMB) {
            size_t j = ks_find(s, old[i], tg_hash64(old[i], strlen(old[i])));
            s->slot[j] = old[i];
        }
    }
    tg_free(old);
    return TG_OK;
}

static int ks_add(keyset *s, const char *k)
{
    if ((s->n + s->tomb + 1) * 4 >= s->cap * 3 && ks_grow(s))
        return TG_ENOMEM;
    size_t i = ks_find(s, k, tg_hash64(k, strlen(k)));
    if (s->slot[i] && s->slot[i] != TOMB)
        return TG_OK;
    char *d = tg_strdup(k);
    if (!d)
        return TG_ENOMEM;
    if (s->slot[i] == TOMB)
        s->tomb--;
    s->slot[i] = d;
    s->n++;
    return TG_OK;
}

static void ks_del(keyset *s, const char *k)
{
    if (!s->cap)
        return;
    size_t i = ks_find(s, k, tg_hash64(k, strlen(k)));
    if (s->slot[i] && s->slot[i] != TOMB) {
        tg_free(s->slot[i]);
        s->slot[i] = TOMB;
        s->n--;
        s->tomb++;
    }
}

static void ks_free(keyset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i] && s->slot[i] != TOMB)
            tg_free(s->slot[i]);
    tg_free(s->slot);
    memset(s, 0, sizeof *s);
}

/* ---- robots cache ----------------------------------------------------- */

typedef struct robots_ent {
    struct robots_ent *next;
    char origin[256];
    tg_robots *r;
    int64_t fetched;
    bool fetching;
    double next_look; /* fleet: when to look in Redis again (mono) */
} robots_ent;

/* ---- the engine ------------------------------------------------------- */

struct tg_crawl {
    tg_config *cfg;
    tg_crawl_opts opts;
    tg_crawl_stats st;
    tg_store *store;
    uv_loop_t loop;
    tg_fetch *fetch;
    tg_polite *polite;
    uv_timer_t tick, wake;
    tg_catalog cat;

    const tg_source_ops *src[MAX_SOURCES];
    int nsrc;
    tg_token tok[MAX_SOURCES];
    int64_t src_offset[MAX_SOURCES]; /* source clock - local clock */
    bool src_clock[MAX_SOURCES];     /* offset known */
    bool seeded[MAX_SOURCES];
    int32_t seeded_day[MAX_SOURCES];
    int64_t paused_until[MAX_SOURCES];
    tg_quota quota[2]; /* 0 tiktok, 1 ebay */
    char **scope;

    tg_job *ready, *ready_tail;
    size_t nready;
    keyset leased;
    keyset round_done;
    keyset touched;    /* --once: items leased in this run (their retries belong to it) */
    bool dirty;        /* the frontier changed since the last scan */
    bool more_due;     /* the last scan stopped with due items left */
    uint64_t next_due; /* earliest un-leased future item (ms), 0 unknown */
    int parsing;
    int side_fetches; /* token and robots fetches in flight */

    tg_result *pend, *pend_tail;
    size_t npend;
    bool writing;
    int fatal;

    robots_ent *robots;
    tg_metrics *metrics;

    /* --fleet: the frontier, politeness, budgets, tokens and robots live in
     * Redis (fleet.c); the results go to its stream; no store is opened */
    tg_fleet *fleet;
    bool leader;
    bool fleet_down;               /* the last DONE failed: results wait in memory */
    bool fleet_seeded;             /* this leader seeded every source (NS:seeded set) */
    long fleet_left;               /* the round's outstanding items at the last lease */
    double t_lease;                /* last LEASE (mono) */
    double t_done;                 /* last DONE (mono) */
    double t_stop;                 /* when stopping began (mono) */
    double t_once;                 /* last look whether the fleet's round is done (mono) */
    double t_renew;                /* last lease renewal / leader check */
    double t_clock;                /* last look for the shared source clock */
    uint64_t fleet_stale;          /* results dropped by fencing */
    uint64_t bad_tok[MAX_SOURCES]; /* hash of a token refused with 401 */
    struct {
        char host[256];
        double until; /* mono */
    } gate_wait[16];  /* hosts whose START said "wait": ask again after that */
    uint64_t reqid;
    bool stopping, closing;
    double t_start, t_last_progress, t_last_tick;
    unsigned ticks;
    uint64_t last_pages;
    int64_t last_log;
};

static void pump(tg_crawl *c);
static void flush(tg_crawl *c, bool force);

/* A leased item leaves the engine without a result: in memory the lease
 * just ends; a fleet worker gives it back to Redis (due again at once). */
static void lease_end(tg_crawl *c, const char *key)
{
    ks_del(&c->leased, key);
    if (c->fleet)
        tg_fleet__drop(c->fleet, key);
}

const char *tg_crawl_errclass_name(tg_errclass ec)
{
    switch (ec) {
#define TG__EC_NAME(name, str)                                                                     \
    case TG_EC_##name:                                                                             \
        return str;
        TG_ERRCLASS_MAP(TG__EC_NAME)
#undef TG__EC_NAME
    default:
        return "none";
    }
}

/*
 * With [crawl] clock = source, intervals such as poll_every are in the
 * source's time, which may run faster than ours (a simulated world runs a
 * day per second). The frontier keeps local due times, so a source-time
 * interval is divided by the measured speed of the source's clock: the
 * advance of its Date headers over our monotonic clock since the first one.
 * 1.0 until measured, and always 1.0 with clock = system.
 */
static _Atomic double src_speed = 1.0;
static int64_t speed_date0;
static double speed_mono0;

static void learn_speed(int64_t date)
{
    double now = tg_mono();
    if (!speed_date0) {
        speed_date0 = date;
        speed_mono0 = now;
        return;
    }
    double el = now - speed_mono0;
    /* a day of source time (a fast simulated clock) or 30 s of ours */
    if (el < 0.2 || date <= speed_date0 || (date - speed_date0 < 3600 && el < 30))
        return;
    double v = (double)(date - speed_date0) / el;
    if (v < 1.0)
        v = 1.0;
    if (v > 1e7)
        v = 1e7;
    atomic_store(&src_speed, v);
}

uint64_t tg_crawl__after_ms(double source_s)
{
    double local_s = source_s / atomic_load(&src_speed);
    return tg_crawl__now_ms() + (uint64_t)(local_s * 1000);
}

uint64_t tg_crawl__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const tg_config *tg_crawl__cfg(const tg_crawl *c)
{
    return c->cfg;
}

const tg_catalog *tg_crawl__catalog(const tg_crawl *c)
{
    return &c->cat;
}

const char *const *tg_crawl__scope(const tg_crawl *c)
{
    return (const char *const *)c->scope;
}

bool tg_crawl__once(const tg_crawl *c)
{
    return c->opts.once;
}

static int src_index(const tg_crawl *c, const tg_source_ops *s)
{
    for (int i = 0; i < c->nsrc; i++)
        if (c->src[i] == s)
            return i;
    return 0;
}

int64_t tg_crawl__src_now(const tg_crawl *c)
{
    /* the first source with a known clock decides (one world, one clock) */
    if (c->cfg->clock_source)
        for (int i = 0; i < c->nsrc; i++)
            if (c->src_clock[i])
                return tg_now() + c->src_offset[i];
    return tg_now();
}

const char *tg_crawl__token(tg_crawl *c, const tg_source_ops *s)
{
    tg_token *t = &c->tok[src_index(c, s)];
    /* refresh before expiry: 5 minutes early, or a quarter of a short lifetime */
    if (!t->value || tg_now() + t->skew >= t->expires)
        return NULL;
    return t->value;
}

void tg_crawl__token_invalid(tg_crawl *c, const tg_source_ops *s)
{
    tg_token *t = &c->tok[src_index(c, s)];
    if (t->value) /* the fleet's copy of it is no good either */
        c->bad_tok[src_index(c, s)] = tg_hash64(t->value, strlen(t->value));
    tg_free(t->value);
    t->value = NULL;
    t->expires = 0;
}

/* ---- results: retry / fail helpers ------------------------------------ */

static long class_budget(const tg_crawl *c, tg_errclass ec)
{
    switch (ec) {
    case TG_EC_NETWORK:
    case TG_EC_TIMEOUT:
    case TG_EC_HTTP5XX:
    case TG_EC_BLOCKED: /* with exponential backoff; then the next poll */
        return c->cfg->retry_max;
    case TG_EC_PARSE:
        return c->cfg->retry_max < 1 ? c->cfg->retry_max : 1;
    case TG_EC_RATELIMIT:
        return 1000000; /* rate limits are not item failures */
    default:
        return 0;
    }
}

static double poll_every(const tg_crawl *c, const tg_source_ops *s)
{
    if (s == &tg_src__tiktok)
        return c->cfg->tiktok_poll_every;
    if (s == &tg_src__ebay || s == &tg_src__ebaysold)
        return c->cfg->ebay_poll_every;
    if (s == &tg_src__poshmark)
        return c->cfg->poshmark_poll_every;
    return 0; /* site pages are one-shot */
}

void tg_result__retry(tg_crawl *c, tg_job *job, tg_errclass ec, long status)
{
    tg_result *r = job->res;
    long budget = class_budget(c, ec);
    int attempt = r->item.attempts + 1;
    if (ec != TG_EC_RATELIMIT && attempt > budget) {
        tg_result__fail(r, ec, status, poll_every(c, job->src));
        return;
    }
    /* full jitter from a per-item generator: this runs on pool threads too */
    tg_rng rng;
    tg_rng_seed(&rng, tg_hash64(r->item.key, strlen(r->item.key)) ^ r->reqid ^ (uint64_t)attempt);
    double ceil = ldexp(1.0, attempt > 30 ? 30 : attempt - 1);
    if (ceil > c->cfg->backoff_cap_s)
        ceil = c->cfg->backoff_cap_s;
    double d = tg_rng_unif(&rng) * ceil;
    if (d < 0.05)
        d = 0.05;
    r->fate = TG_FATE_NEXT;
    r->next_item = r->item;
    r->next_item.attempts = (uint16_t)(ec == TG_EC_RATELIMIT ? r->item.attempts : attempt);
    r->next_item.due_ms = tg_crawl__now_ms() + (uint64_t)(d * 1000);
    r->ec = ec;
    r->status = status;
    r->retry = true;
}

/* ---- the writer --------------------------------------------------------- */

typedef struct wbatch {
    uv_work_t w;
    tg_crawl *c;
    tg_result *list;
    size_t n;
    int rc;
    struct {
        const char *source;
        int32_t day;
        long used;
    } q[2];
    int nq;
    int64_t now;
    double secs;
} wbatch;

static size_t put_vstr(unsigned char *v, const char *s, size_t cap)
{
    size_t ul = strlen(s), n = 0;
    if (ul > cap)
        ul = cap;
    size_t l = ul;
    do {
        unsigned char b = l & 0x7f;
        l >>= 7;
        v[n++] = b | (l ? 0x80 : 0);
    } while (l);
    memcpy(v + n, s, ul);
    n += ul;
    v[n++] = 0;
    return n;
}

static int put_fetchlog(tg_store_txn *t, const tg_result *r, int64_t now)
{
    unsigned char k[16], v[1600];
    uint64_t tt = (uint64_t)now ^ (1ull << 63);
    for (int i = 0; i < 8; i++) {
        k[i] = (unsigned char)(tt >> (56 - 8 * i));
        k[8 + i] = (unsigned char)(r->reqid >> (56 - 8 * i));
    }
    size_t n = 0;
    v[n++] = 1;
    v[n++] = (unsigned char)r->ec;
    v[n++] = (unsigned char)((r->status >> 8) & 0xff);
    v[n++] = (unsigned char)(r->status & 0xff);
    n += put_vstr(v + n, r->url ? r->url : "", 1024);
    n += put_vstr(v + n, r->item.key ? r->item.key : "", 500);
    return tg_store_raw_put(t, TG_DB_FETCHLOG, k, sizeof k, v, n);
}

typedef struct trim_ctx {
    size_t n, drop, got;
    unsigned char (*keys)[16];
} trim_ctx;

static int trim_count(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    (void)k;
    (void)kl;
    (void)v;
    (void)vl;
    ((trim_ctx *)ctx)->n++;
    return 0;
}

static int trim_collect(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    (void)v;
    (void)vl;
    trim_ctx *tc = ctx;
    if (tc->got >= tc->drop)
        return 1;
    if (kl == 16)
        memcpy(tc->keys[tc->got++], k, 16);
    return 0;
}

/* Keep the newest FETCHLOG_MAX failed fetches (keys are time-ordered). */
static int trim_fetchlog(tg_store_txn *t)
{
    tg_store_read *rd = tg_store_txn_reader(t);
    trim_ctx tc = {0, 0, 0, NULL};
    size_t max = FETCHLOG_MAX;
    const char *e = getenv("TG_CRAWL_FETCHLOG_MAX"); /* tests: exercise the trim */
    if (e && atol(e) > 0)
        max = (size_t)atol(e);
    int rc = tg_store_raw_iter(rd, TG_DB_FETCHLOG, NULL, 0, trim_count, &tc);
    if (rc || tc.n <= max)
        return rc;
    tc.drop = tc.n - max;
    if (!(tc.keys = tg_malloc(tc.drop * 16)))
        return TG_ENOMEM;
    rc = tg_store_raw_iter(rd, TG_DB_FETCHLOG, NULL, 0, trim_collect, &tc);
    if (rc == 1)
        rc = TG_OK;
    for (size_t i = 0; i < tc.got && !rc; i++)
        rc = tg_store_raw_del(t, TG_DB_FETCHLOG, tc.keys[i], 16);
    tg_free(tc.keys);
    return rc;
}

static int put_robots(tg_store_txn *t, const tg_result *r, int64_t now)
{
    size_t n = 10 + r->robots_len;
    unsigned char *v = tg_malloc(n);
    if (!v)
        return TG_ENOMEM;
    uint64_t tt = (uint64_t)now ^ (1ull << 63);
    v[0] = 1;
    for (int i = 0; i < 8; i++)
        v[1 + i] = (unsigned char)(tt >> (56 - 8 * i));
    v[9] = (unsigned char)r->robots_mode;
    if (r->robots_len)
        memcpy(v + 10, r->robots_body, r->robots_len);
    int rc = tg_store_raw_put(t, TG_DB_ROBOTS, r->robots_host, strlen(r->robots_host), v, n);
    tg_free(v);
    return rc;
}

/* Count of pages admitted for a site (meta "site.NAME.pages"). */
static long site_pages(tg_store_read *rd, const char *site)
{
    char key[160];
    snprintf(key, sizeof key, "site.%s.pages", site);
    const void *v;
    size_t vl;
    if (tg_store_meta_get(rd, key, &v, &vl) || vl != 8)
        return 0;
    long n;
    memcpy(&n, v, 8);
    return n;
}

int tg_crawl__add_item(tg_store_txn *t, const tg_new_item *ni, int64_t now)
{
    tg_result *col = t ? NULL : tg_frontier__collector();
    if (col) { /* fleet leader seeding: Redis applies seen and max_pages */
        tg_new_item c = *ni;
        c.it.key = tg_arena__strdup(&col->a, ni->it.key);
        c.it.state = tg_arena__strdup(&col->a, ni->it.state ? ni->it.state : "");
        c.seen = ni->seen ? tg_arena__strdup(&col->a, ni->seen) : NULL;
        c.site = ni->site ? tg_arena__strdup(&col->a, ni->site) : NULL;
        if (!c.it.key || !c.it.state || (ni->seen && !c.seen) || (ni->site && !c.site))
            return TG_ENOMEM;
        return TG_VEC_PUSH(col->items, c);
    }
    if (!t)
        return TG_EINVAL;
    tg_store_read *rd = tg_store_txn_reader(t);
    if (ni->seen) {
        const void *v;
        size_t vl;
        size_t sl = strlen(ni->seen);
        if (sl > 500)
            return TG_OK;
        if (tg_store_raw_get(rd, TG_DB_SEEN, ni->seen, sl, &v, &vl) == TG_OK)
            return TG_OK;
        long pages = 0;
        if (ni->site && ni->max_pages > 0) {
            pages = site_pages(rd, ni->site);
            if (pages >= ni->max_pages)
                return TG_OK;
        }
        unsigned char tv[8];
        uint64_t tt = (uint64_t)now ^ (1ull << 63);
        for (int i = 0; i < 8; i++)
            tv[i] = (unsigned char)(tt >> (56 - 8 * i));
        int rc = tg_store_raw_put(t, TG_DB_SEEN, ni->seen, sl, tv, 8);
        if (rc)
            return rc;
        if (ni->site) {
            char key[160];
            snprintf(key, sizeof key, "site.%s.pages", ni->site);
            pages++;
            if ((rc = tg_store_meta_put(t, key, &pages, 8)))
                return rc;
        }
        return tg_frontier__put(t, &ni->it);
    }
    bool added;
    return tg_frontier__put_absent(t, &ni->it, &added);
}

/* ---- hashtag-day aggregates ---------------------------------------------- */

typedef struct agg_video {
    uint64_t id;
} agg_video;

typedef struct agg_ctx {
    TG_VEC(uint64_t) ids;
    int64_t end; /* exclusive end of the day */
    tg_snapshot last;
    bool have;
} agg_ctx;

static int collect_id(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    (void)v;
    (void)vl;
    agg_ctx *a = ctx;
    if (kl < 8)
        return 0;
    const unsigned char *p = (const unsigned char *)k + kl - 8;
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id = (id << 8) | p[i];
    return TG_VEC_PUSH(a->ids, id);
}

static int last_snap(const tg_snapshot *s, void *ctx)
{
    agg_ctx *a = ctx;
    if (s->t >= a->end)
        return 1; /* time order: nothing later counts */
    a->last = *s;
    a->have = true;
    return 0;
}

typedef struct author_views {
    char *name;
    int64_t views;
} author_views;

static int cmp_author(const void *a, const void *b)
{
    return strcmp(((const author_views *)a)->name, ((const author_views *)b)->name);
}

static int cmp_views_desc(const void *a, const void *b)
{
    int64_t x = ((const author_views *)a)->views, y = ((const author_views *)b)->views;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int64_t add_count(int64_t acc, int64_t v)
{
    return v > 0 ? acc + v : acc;
}

static int recompute_day(tg_store_txn *t, const char *hashtag, int32_t day)
{
    tg_store_read *rd = tg_store_txn_reader(t);
    agg_ctx a;
    memset(&a, 0, sizeof a);
    a.end = ((int64_t)day + 1) * 86400;
    size_t hl = strlen(hashtag);
    char *prefix = tg_malloc(hl + 1);
    author_views *av = NULL;
    tg_arena names;
    tg_arena__init(&names, (size_t)64 << 20);
    int rc = TG_ENOMEM;
    if (!prefix)
        goto out;
    memcpy(prefix, hashtag, hl + 1); /* str key: bytes then one 0x00 */
    rc = tg_store_raw_iter(rd, TG_DB_VIDEO_TAGS, prefix, hl + 1, collect_id, &a);
    if (rc)
        goto out;
    tg_hashtag_day d;
    memset(&d, 0, sizeof d);
    d.hashtag = hashtag;
    d.day = day;
    d.bot_score = NAN;
    av = tg_calloc(a.ids.n ? a.ids.n : 1, sizeof *av);
    size_t nav = 0;
    rc = TG_ENOMEM;
    if (!av)
        goto out;
    for (size_t i = 0; i < a.ids.n; i++) {
        tg_video v;
        if (tg_store_get_video(rd, a.ids.v[i], &v) != TG_OK)
            continue;
        if (v.create_time >= a.end)
            continue;
        char *user = tg_arena__strdup(&names, v.username ? v.username : "");
        int32_t cday = tg_day_of(v.create_time);
        a.have = false;
        rc = tg_store_iter_snapshots(rd, a.ids.v[i], last_snap, &a);
        if (rc < 0)
            goto out;
        if (!a.have)
            continue;
        d.videos++;
        if (cday == day)
            d.new_videos++;
        d.views = add_count(d.views, a.last.views);
        d.likes = add_count(d.likes, a.last.likes);
        d.comments = add_count(d.comments, a.last.comments);
        d.shares = add_count(d.shares, a.last.shares);
        if (!user) {
            rc = TG_ENOMEM;
            goto out;
        }
        av[nav].name = user;
        av[nav].views = a.last.views > 0 ? a.last.views : 0;
        nav++;
    }
    /* authors: distinct names; top 3 authors' share of the views */
    tg_qsort(av, nav, sizeof *av, cmp_author);
    size_t na = 0;
    for (size_t i = 0; i < nav; i++) {
        if (na && strcmp(av[na - 1].name, av[i].name) == 0)
            av[na - 1].views += av[i].views;
        else
            av[na++] = av[i];
    }
    d.authors = (int64_t)na;
    tg_qsort(av, na, sizeof *av, cmp_views_desc);
    int64_t top = 0;
    for (size_t i = 0; i < na && i < 3; i++)
        top += av[i].views;
    d.top_author_share = d.views > 0 ? (double)top / (double)d.views : NAN;
    rc = d.videos ? tg_store_put_hashtag_day(t, &d) : TG_OK;
out:
    tg_free(prefix);
    tg_free(av);
    tg_free(a.ids.v);
    tg_arena__free(&names);
    return rc;
}

static int apply_listing(tg_store_txn *t, const tg_listing *l)
{
    tg_listing old, nl = *l;
    if (tg_store_get_listing(tg_store_txn_reader(t), l->source, l->listing_id, &old) == TG_OK) {
        if (old.first_seen && (!nl.first_seen || old.first_seen < nl.first_seen))
            nl.first_seen = old.first_seen;
        if (!nl.product_id && old.product_id && *old.product_id)
            nl.product_id = old.product_id;
        if (old.status == TG_LISTING_SOLD && nl.status != TG_LISTING_SOLD) {
            /* a sold listing does not come back to life from a stale page */
            nl.status = TG_LISTING_SOLD;
            nl.sold_at = old.sold_at;
        }
    }
    return tg_store_put_listing(t, &nl);
}

int tg_crawl__apply(tg_store_txn *t, tg_result *list, int64_t now, bool frontier)
{
    int rc = TG_OK;
    TG_VEC(tg_tagday) days = {0};
    for (tg_result *r = list; r; r = r->next) {
        for (size_t i = 0; i < r->videos.n && !rc; i++)
            rc = tg_store_put_video(t, &r->videos.v[i], NULL);
        for (size_t i = 0; i < r->snaps.n && !rc; i++)
            rc = tg_store_put_snapshot(t, &r->snaps.v[i]);
        for (size_t i = 0; i < r->listings.n && !rc; i++)
            rc = apply_listing(t, &r->listings.v[i]);
        for (size_t i = 0; i < r->prices.n && !rc; i++)
            rc = tg_store_put_price_obs(t, &r->prices.v[i]);
        for (size_t i = 0; i < r->items.n && !rc && frontier; i++)
            rc = tg_crawl__add_item(t, &r->items.v[i], r->obs_t ? r->obs_t : now);
        for (size_t i = 0; i < r->tagdays.n && !rc; i++) {
            bool dup = false;
            for (size_t j = 0; j < days.n; j++)
                dup |= days.v[j].day == r->tagdays.v[i].day &&
                       strcmp(days.v[j].hashtag, r->tagdays.v[i].hashtag) == 0;
            if (!dup)
                rc = TG_VEC_PUSH(days, r->tagdays.v[i]);
        }
        if (rc)
            break;
        if (frontier && r->item.key && *r->item.key) {
            if (r->fate == TG_FATE_DONE)
                rc = tg_frontier__del(t, r->item.key);
            else if (r->fate == TG_FATE_NEXT)
                rc = tg_frontier__put(t, &r->next_item);
        }
        if (!rc && r->ec != TG_EC_NONE && r->ec != TG_EC_RATELIMIT)
            rc = put_fetchlog(t, r, now);
        if (!rc && r->robots_host)
            rc = put_robots(t, r, now);
        if (!rc && r->meta_key)
            rc = tg_store_meta_put(t, r->meta_key, r->meta_val, strlen(r->meta_val));
        if (rc)
            break;
    }
    for (size_t i = 0; i < days.n && !rc; i++)
        rc = recompute_day(t, days.v[i].hashtag, days.v[i].day);
    /* last success per source ("crawl.last_success.tiktok" => ASCII time) */
    const char *done[8];
    int ndone = 0;
    for (tg_result *r = list; r && !rc; r = r->next) {
        if (!r->page || r->ec != TG_EC_NONE || !r->item.key)
            continue;
        const char *slash = strchr(r->item.key, '/');
        size_t pl = slash ? (size_t)(slash - r->item.key) : 0;
        bool seen = false;
        for (int i = 0; i < ndone; i++)
            seen |= strncmp(done[i], r->item.key, pl + 1) == 0;
        if (seen || !pl || pl > 40 || ndone == 8)
            continue;
        done[ndone++] = r->item.key;
        char key[64], val[32];
        snprintf(key, sizeof key, "crawl.last_success.%.*s", (int)pl, r->item.key);
        tg_time_format(r->obs_t ? r->obs_t : now, val, sizeof val);
        rc = tg_store_meta_put(t, key, val, strlen(val));
    }
    bool logged = false;
    for (tg_result *r = list; r; r = r->next)
        logged |= r->ec != TG_EC_NONE && r->ec != TG_EC_RATELIMIT;
    if (!rc && logged)
        rc = trim_fetchlog(t);
    tg_free(days.v);
    return rc;
}

static int apply(tg_store_txn *t, void *ctx)
{
    wbatch *b = ctx;
    int rc = tg_crawl__apply(t, b->list, b->now, true);
    for (int i = 0; i < b->nq && !rc; i++)
        rc = tg_quota__save(t, b->q[i].source, b->q[i].day, b->q[i].used);
    return rc;
}

static void write_work(uv_work_t *w)
{
    wbatch *b = w->data;
    double t0 = tg_mono();
    b->rc = tg_store_write(b->c->store, apply, b);
    b->secs = tg_mono() - t0;
}

static void write_done(uv_work_t *w, int status)
{
    (void)status;
    wbatch *b = w->data;
    tg_crawl *c = b->c;
    c->writing = false;
    if (b->rc) {
        tg_error("crawl", "store write failed: %s", tg_strerror(b->rc));
        c->fatal = b->rc;
        c->stopping = true;
    } else {
        c->st.commits++;
        tg_debug("crawl",
                 "commit: %zu results in %.3fs at +%.3fs (inflight %d, ready %zu, parsing %d)",
                 b->n, b->secs, tg_mono() - c->t_start, tg_fetch__inflight(c->fetch), c->nready,
                 c->parsing);
    }
    tg_result *r = b->list;
    while (r) {
        tg_result *n = r->next;
        if (r->item.key && *r->item.key) {
            if (!b->rc) {
                c->st.stored++;
                if (r->page)
                    c->st.pages_stored++;
                c->st.records += r->videos.n + r->snaps.n + r->listings.n + r->prices.n;
                if (c->opts.once && r->round_done)
                    ks_add(&c->round_done, r->item.key);
            }
            ks_del(&c->leased, r->item.key);
        }
        tg_result__free(r);
        r = n;
    }
    tg_free(b);
    c->dirty = true;
    pump(c);
}

/*
 * Fleet: the writer's batch becomes DONE scripts (fleet.c) instead of a
 * store transaction; the sink stores what they put on the stream. Redis
 * unreachable: the results stay pending and go with a later flush (their
 * leases may lapse meanwhile: fencing drops those, the items are fetched
 * again).
 */
static void fleet_flush(tg_crawl *c, bool force)
{
    /* small batches: a host slot stays taken until its fetch's DONE */
    if (!force && c->npend < 16 && tg_mono() - c->t_done < 0.02)
        return;
    c->t_done = tg_mono();
    do {
        size_t sent = 0;
        long stale = 0;
        if (tg_fleet__done(c->fleet, c->pend, 128, c->opts.once, &sent, &stale)) {
            if (!c->fleet_down)
                tg_warn("crawl", "results wait in memory until redis is back (%zu pending)",
                        c->npend);
            c->fleet_down = true;
            return;
        }
        if (c->fleet_down)
            tg_info("crawl", "redis is back: delivering %zu pending result(s)", c->npend);
        c->fleet_down = false;
        c->fleet_stale += (uint64_t)stale;
        c->st.stored -= (uint64_t)stale < c->st.stored ? (uint64_t)stale : c->st.stored;
        uint64_t soon = tg_crawl__now_ms() + 50;
        for (size_t i = 0; i < sent; i++) {
            tg_result *r = c->pend;
            /* a next page or a discovered item may be due now: LEASE at once */
            if (r->items.n || (r->fate == TG_FATE_NEXT && r->next_item.due_ms <= soon))
                c->dirty = true;
            c->pend = r->next;
            if (!c->pend)
                c->pend_tail = NULL;
            c->npend--;
            if (r->item.key && *r->item.key) {
                c->st.stored++;
                if (r->page)
                    c->st.pages_stored++;
                c->st.records += r->videos.n + r->snaps.n + r->listings.n + r->prices.n;
                ks_del(&c->leased, r->item.key);
            }
            tg_result__free(r);
        }
        if (sent)
            c->st.commits++;
    } while (c->npend);
}

static void flush(tg_crawl *c, bool force)
{
    if (c->fleet) {
        fleet_flush(c, force);
        return;
    }
    if (c->writing || !c->npend)
        return;
    if (!force && c->npend < (size_t)c->cfg->write_batch)
        return;
    wbatch *b = tg_calloc(1, sizeof *b);
    if (!b) {
        c->fatal = TG_ENOMEM;
        c->stopping = true;
        return;
    }
    b->c = c;
    b->list = c->pend;
    b->n = c->npend;
    b->now = tg_crawl__src_now(c);
    c->pend = c->pend_tail = NULL;
    c->npend = 0;
    for (int i = 0; i < 2; i++) {
        tg_quota *q = &c->quota[i];
        if (q->source && q->unsaved) {
            b->q[b->nq].source = q->source;
            b->q[b->nq].day = q->day;
            b->q[b->nq].used = q->used;
            b->nq++;
            q->unsaved = 0;
        }
    }
    b->w.data = b;
    c->writing = true;
    if (uv_queue_work(&c->loop, &b->w, write_work, write_done)) {
        c->writing = false;
        c->fatal = TG_EINTERNAL;
        c->stopping = true;
    }
}

static void push_result(tg_crawl *c, tg_result *r)
{
    r->next = NULL;
    if (c->pend_tail)
        c->pend_tail->next = r;
    else
        c->pend = r;
    c->pend_tail = r;
    c->npend++;
    if (r->ec != TG_EC_NONE)
        c->st.errors[r->ec]++;
    if (r->retry)
        c->st.retries++;
    flush(c, false);
}

/* ---- jobs ---------------------------------------------------------------- */

static const tg_source_ops *src_of_key(const tg_crawl *c, const char *key)
{
    for (int i = 0; i < c->nsrc; i++)
        if (strncmp(key, c->src[i]->prefix, strlen(c->src[i]->prefix)) == 0)
            return c->src[i];
    return NULL;
}

static void job_free(tg_job *j)
{
    if (!j)
        return;
    tg_fetch__req_free(&j->req);
    tg_free(j->item.key);
    tg_free(j->item.state);
    if (j->res)
        tg_result__free(j->res);
    tg_free(j);
}

/* Finish a job without a fetch (robots, skip, build failure). */
static void job_result(tg_crawl *c, tg_job *j, tg_errclass ec)
{
    tg_result *r = tg_result__new(&j->item);
    if (!r) {
        lease_end(c, j->item.key);
        job_free(j);
        return;
    }
    if (ec != TG_EC_NONE) {
        tg_result__fail(r, ec, 0, poll_every(c, j->src));
        r->url = j->req.url ? tg_arena__strdup(&r->a, j->req.url) : NULL;
    }
    job_free(j);
    push_result(c, r);
}

static void ready_unlink(tg_crawl *c, tg_job *prev, tg_job *j)
{
    if (prev)
        prev->next = j->next;
    else
        c->ready = j->next;
    if (c->ready_tail == j)
        c->ready_tail = prev;
    j->next = NULL;
    c->nready--;
}

static void ready_push(tg_crawl *c, tg_job *j)
{
    j->next = NULL;
    if (c->ready_tail)
        c->ready_tail->next = j;
    else
        c->ready = j;
    c->ready_tail = j;
    c->nready++;
}

/* A job for a leased item at the end of the ready queue. */
static int enqueue(tg_crawl *c, const tg_source_ops *src, const tg_item *it)
{
    tg_job *j = tg_calloc(1, sizeof *j);
    if (!j)
        return TG_ENOMEM;
    j->c = c;
    j->src = src;
    j->item = *it;
    j->item.key = tg_strdup(it->key);
    j->item.state = tg_strdup(it->state);
    if (!j->item.key || !j->item.state || ks_add(&c->leased, it->key) ||
        (c->opts.once && ks_add(&c->touched, it->key))) {
        job_free(j);
        return TG_ENOMEM;
    }
    ready_push(c, j);
    return TG_OK;
}

typedef struct scan_ctx {
    tg_crawl *c;
    uint64_t now;
    size_t want;
    int rc;
} scan_ctx;

static int scan_cb(const tg_item *it, void *ctx)
{
    scan_ctx *s = ctx;
    tg_crawl *c = s->c;
    if (ks_has(&c->leased, it->key) || ks_has(&c->round_done, it->key))
        return 0;
    const tg_source_ops *src = src_of_key(c, it->key);
    if (!src)
        return 0; /* a source no longer configured (or --only) */
    int si = src_index(c, src);
    if (c->paused_until[si] > tg_now())
        return 0;
    if (it->due_ms > s->now) {
        if (c->opts.once && !ks_has(&c->touched, it->key))
            return 0; /* not part of this round: keep looking for one that is */
        c->next_due = it->due_ms;
        return 1;
    }
    if (s->want == 0) {
        c->more_due = true; /* stopped early: look again when the queue runs low */
        return 1;
    }
    int rc = enqueue(c, src, it);
    if (rc)
        return rc;
    s->want--;
    return 0;
}

/* A leased fleet item: a job, or given back (non-zero) when this worker
 * cannot take it (source not configured here, paused). */
static int fleet_take(const tg_item *it, void *ctx)
{
    tg_crawl *c = ctx;
    const tg_source_ops *src = src_of_key(c, it->key);
    if (!src || (c->paused_until[src_index(c, src)] > tg_now() && !c->opts.once))
        return 1; /* (--once: the pump marks it done with the round) */
    return enqueue(c, src, it) ? 1 : 0;
}

static void fleet_scan(tg_crawl *c)
{
    /* lease what can start soon and leave the rest to the other workers */
    size_t want = (size_t)c->cfg->max_connections;
    if (want > (size_t)c->cfg->max_per_host * 2)
        want = (size_t)c->cfg->max_per_host * 2;
    if (want > 64)
        want = 64;
    uint64_t now = tg_crawl__now_ms();
    if (c->nready >= want / 2 + 1)
        return;
    /* a LEASE when the last one filled up (more is due), an item fell due,
     * or four times a second (other workers discover items too) */
    if (!c->dirty && !c->more_due && tg_mono() - c->t_lease < 0.25 &&
        !(c->next_due && c->next_due <= now))
        return;
    c->t_lease = tg_mono();
    uint64_t next = 0;
    long left = 0;
    const char *skip[MAX_SOURCES];
    int nskip = 0;
    for (int i = 0; i < c->nsrc; i++) /* --once: paused items must leave the round */
        if (c->paused_until[i] > tg_now() && !c->opts.once)
            skip[nskip++] = c->src[i]->prefix;
    size_t ask = want - c->nready, before = c->nready;
    c->more_due = false;
    if (tg_fleet__lease(c->fleet, ask, c->opts.once, skip, nskip, fleet_take, c, &next, &left) ==
        TG_OK) {
        c->next_due = next;
        c->fleet_left = left;
        c->more_due = c->nready - before == ask;
    } else {
        c->fleet_left = -1; /* unknown */
    }
    c->dirty = false;
}

static void scan(tg_crawl *c)
{
    if (c->fleet) {
        fleet_scan(c);
        return;
    }
    size_t cap = (size_t)c->cfg->max_connections * 4;
    if (cap < 256)
        cap = 256;
    if (c->nready >= cap / 2)
        return;
    tg_store_read *r;
    if (tg_store_read_begin(c->store, &r))
        return;
    scan_ctx s = {c, tg_crawl__now_ms(), cap - c->nready, 0};
    c->next_due = 0;
    c->more_due = false;
    int rc = tg_frontier__scan(r, UINT64_MAX, scan_cb, &s);
    tg_store_read_end(&r);
    if (rc < 0)
        tg_warn("crawl", "frontier scan: %s", tg_strerror(rc));
    c->dirty = false;
}

/* ---- tokens --------------------------------------------------------------- */

typedef struct side_req {
    tg_fetch_req req;
    tg_crawl *c;
    int si;
    robots_ent *re;
} side_req;

static void learn_clock(tg_crawl *c, int si, const tg_fetch_res *res)
{
    if (res->date && c->fleet && c->cfg->clock_source && !c->src_clock[si]) {
        /* one world, one clock: tell the other workers (tokens may come from Redis) */
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)(res->date - tg_now()));
        tg_fleet__set(c->fleet, "clock", v, strlen(v), 0, false, NULL);
        for (int i = 0; i < c->nsrc; i++) {
            c->src_offset[i] = res->date - tg_now();
            c->src_clock[i] = true;
        }
    }
    if (res->date) {
        c->src_offset[si] = res->date - tg_now();
        c->src_clock[si] = true;
        if (c->cfg->clock_source)
            learn_speed(res->date);
    }
}

static void save_token(tg_crawl *c, int si)
{
    tg_token *t = &c->tok[si];
    tg_item none = {(char *)"", 0, 0, 0, (char *)""};
    tg_result *r = tg_result__new(&none);
    if (!r)
        return;
    r->fate = TG_FATE_NONE;
    r->meta_key = tg_arena__printf(&r->a, "%s.token", c->src[si]->name);
    r->meta_val = tg_arena__printf(&r->a, "%lld %s", (long long)t->expires, t->value);
    if (!r->meta_key || !r->meta_val) {
        tg_result__free(r);
        return;
    }
    push_result(c, r);
}

static void load_token(tg_crawl *c, int si)
{
    tg_store_read *r;
    if (tg_store_read_begin(c->store, &r))
        return;
    char key[64];
    snprintf(key, sizeof key, "%s.token", c->src[si]->name);
    const void *v;
    size_t vl;
    if (tg_store_meta_get(r, key, &v, &vl) == TG_OK && vl < 8192) {
        char *s = tg_strndup(v, vl);
        char *sp = s ? strchr(s, ' ') : NULL;
        if (sp && sp[1]) {
            c->tok[si].expires = strtoll(s, NULL, 10);
            c->tok[si].skew = TOKEN_SKEW;
            c->tok[si].value = tg_strdup(sp + 1);
        }
        tg_free(s);
    }
    tg_store_read_end(&r);
}

/* The new token for the whole fleet; the refresh lock goes. */
static void fleet_save_token(tg_crawl *c, int si)
{
    tg_token *t = &c->tok[si];
    char name[80], *val = NULL;
    snprintf(name, sizeof name, "token:%s", c->src[si]->name);
    size_t n = strlen(t->value) + 32;
    if ((val = tg_malloc(n))) {
        snprintf(val, n, "%lld %s", (long long)t->expires, t->value);
        long ttl = (long)(t->expires - tg_now()) * 1000;
        tg_fleet__set(c->fleet, name, val, strlen(val), ttl > 1000 ? ttl : 1000, false, NULL);
        tg_free(val);
    }
}

static void token_done(tg_fetch_req *req, tg_fetch_res *res)
{
    side_req *sr = (side_req *)req;
    tg_crawl *c = sr->c;
    int si = sr->si;
    tg_token *t = &c->tok[si];
    c->side_fetches--;
    t->fetching = false;
    if (c->fleet) {
        char name[80];
        snprintf(name, sizeof name, "toklock:%s", c->src[si]->name);
        tg_fleet__del(c->fleet, name);
    }
    learn_clock(c, si, res);
    if (res->ec == TG_EC_NONE && !c->stopping) {
        char *tok = NULL;
        int64_t exp = 0;
        int rc = c->src[si]->token_parse(c, res, &tok, &exp);
        if (rc == TG_OK) {
            tg_free(t->value);
            t->fails = 0;
            t->gen++;
            t->value = tok;
            t->expires = tg_now() + (exp > 0 ? exp : 3600);
            t->skew = exp >= 4 * TOKEN_SKEW || exp <= 0 ? TOKEN_SKEW : exp / 4;
            tg_info("crawl", "%s: new access token (expires in %llds)", c->src[si]->name,
                    (long long)exp);
            if (c->fleet)
                fleet_save_token(c, si);
            else
                save_token(c, si);
        } else {
            tg_warn("crawl", "%s: token response: %s", c->src[si]->name, tg_strerror(rc));
            c->paused_until[si] = tg_now() + 5;
        }
    } else if (!c->stopping) {
        tg_warn("crawl", "%s: token request failed: %s (%s)", c->src[si]->name,
                tg_crawl_errclass_name(res->ec), res->errmsg);
        c->st.errors[res->ec ? res->ec : TG_EC_AUTH]++;
        t->fails++;
        if (res->ec == TG_EC_AUTH) {
            tg_error("crawl", "%s: credentials refused; source paused", c->src[si]->name);
            c->paused_until[si] = INT64_MAX;
        } else if (c->opts.once && t->fails > c->cfg->retry_max) {
            tg_error("crawl", "%s: no token after %d attempts; source skipped this round",
                     c->src[si]->name, t->fails);
            c->paused_until[si] = INT64_MAX;
        } else {
            double d = ldexp(1.0, t->fails > 12 ? 12 : t->fails);
            c->paused_until[si] =
                tg_now() + (int64_t)(d < c->cfg->backoff_cap_s ? d : c->cfg->backoff_cap_s);
        }
    }
    tg_fetch__req_free(&sr->req);
    tg_free(sr);
    c->dirty = true;
    pump(c);
}

/*
 * Fleet tokens: NS:token:SOURCE holds "EXPIRES TOKEN" (like the store's
 * meta value); a worker without one adopts it, and only the holder of
 * NS:toklock:SOURCE (SET NX PX) asks the API for a new one, so the fleet
 * refreshes once. Returns true when no fetch is needed now (adopted, or
 * another worker is refreshing: look again shortly).
 */
static bool fleet_token(tg_crawl *c, int si, bool clock)
{
    tg_token *t = &c->tok[si];
    if (tg_mono() < t->next_look)
        return true; /* every waiting job asks: look in Redis twice a second at most */
    t->next_look = tg_mono() + 0.5;
    char name[80];
    snprintf(name, sizeof name, "token:%s", c->src[si]->name);
    char *v = NULL;
    if (tg_fleet__get(c->fleet, name, &v, NULL) == TG_ENET)
        return true;
    char *sp = v ? strchr(v, ' ') : NULL;
    if (sp && sp[1] && !clock) {
        int64_t exp = strtoll(v, NULL, 10);
        uint64_t h = tg_hash64(sp + 1, strlen(sp + 1));
        if (tg_now() + TOKEN_SKEW < exp && h != c->bad_tok[si]) {
            char *tok = tg_strdup(sp + 1);
            if (tok) {
                tg_free(t->value);
                t->value = tok;
                t->expires = exp;
                t->skew = TOKEN_SKEW;
                t->gen++;
                c->dirty = true;
            }
            tg_free(v);
            return tok != NULL;
        }
    }
    tg_free(v);
    snprintf(name, sizeof name, "toklock:%s", c->src[si]->name);
    bool got = false;
    const char *id = tg_fleet__id(c->fleet);
    if (tg_fleet__set(c->fleet, name, id, strlen(id), 30000, true, &got) || !got)
        return true; /* another worker is refreshing */
    return false;
}

static void token_fetch(tg_crawl *c, int si, bool clock)
{
    tg_token *t = &c->tok[si];
    if (t->fetching || c->stopping)
        return;
    if (c->fleet && fleet_token(c, si, clock))
        return;
    side_req *sr = tg_calloc(1, sizeof *sr);
    if (!sr)
        return;
    sr->c = c;
    sr->si = si;
    if (c->src[si]->token_build(c, &sr->req)) {
        tg_fetch__req_free(&sr->req);
        tg_free(sr);
        c->paused_until[si] = INT64_MAX;
        tg_error("crawl", "%s: no credentials configured; source paused", c->src[si]->name);
        return;
    }
    t->fetching = true;
    sr->req.cb = token_done;
    sr->req.reqid = ++c->reqid;
    sr->req.scope = tg_crawl__scope(c);
    c->side_fetches++;
    tg_fetch__start(c->fetch, &sr->req);
}

/* ---- robots --------------------------------------------------------------- */

static robots_ent *robots_get(tg_crawl *c, const char *origin)
{
    for (robots_ent *e = c->robots; e; e = e->next)
        if (strcmp(e->origin, origin) == 0)
            return e;
    robots_ent *e = tg_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    snprintf(e->origin, sizeof e->origin, "%s", origin);
    e->next = c->robots;
    c->robots = e;
    /* the store's cache (24 h); a fleet worker looks in Redis (robots_check) */
    tg_store_read *r;
    if (c->store && tg_store_read_begin(c->store, &r) == TG_OK) {
        const void *v;
        size_t vl;
        if (tg_store_raw_get(r, TG_DB_ROBOTS, origin, strlen(origin), &v, &vl) == TG_OK &&
            vl >= 10 && ((const unsigned char *)v)[0] == 1) {
            const unsigned char *p = v;
            uint64_t tt = 0;
            for (int i = 0; i < 8; i++)
                tt = (tt << 8) | p[1 + i];
            int64_t at = (int64_t)(tt ^ (1ull << 63));
            if (tg_now() - at < ROBOTS_TTL) {
                int mode = p[9];
                int rc = mode == TG_ROBOTS_PARSE ? tg_robots_parse((const char *)p + 10, vl - 10,
                                                                   c->cfg->user_agent, &e->r)
                                                 : tg_robots_new_mode((tg_robots_mode)mode, &e->r);
                if (rc == TG_OK)
                    e->fetched = at;
            }
        }
        tg_store_read_end(&r);
    }
    if (e->r) {
        double d = tg_robots_crawl_delay(e->r);
        if (d > 0)
            tg_polite__set_delay(c->polite, origin, d);
    }
    return e;
}

static int robots_use(tg_crawl *c, robots_ent *e, int mode, const char *body, size_t len);

static void robots_done(tg_fetch_req *req, tg_fetch_res *res)
{
    side_req *sr = (side_req *)req;
    tg_crawl *c = sr->c;
    robots_ent *e = sr->re;
    c->side_fetches--;
    e->fetching = false;
    long status = res->ec == TG_EC_NONE || res->ec == TG_EC_HTTP4XX || res->ec == TG_EC_AUTH ||
                          res->ec == TG_EC_HTTP5XX || res->ec == TG_EC_RATELIMIT
                      ? res->status
                      : 0;
    tg_robots_mode mode = tg_robots_status_policy(status);
    const char *body = res->body.data ? res->body.data : "";
    int rc = robots_use(c, e, mode, body, res->body.len);
    if (c->fleet) {
        char name[300];
        if (rc == TG_OK) {
            size_t n = mode == TG_ROBOTS_PARSE ? res->body.len : 0;
            if (n > TG_ROBOTS_MAX_BYTES)
                n = TG_ROBOTS_MAX_BYTES;
            char *v = tg_malloc(n + 3);
            if (v) {
                v[0] = (char)('0' + mode);
                v[1] = ' ';
                memcpy(v + 2, body, n);
                snprintf(name, sizeof name, "robots:%s", e->origin);
                tg_fleet__set(c->fleet, name, v, n + 2, (long)ROBOTS_TTL * 1000, false, NULL);
                tg_free(v);
            }
        }
        snprintf(name, sizeof name, "robotslock:%s", e->origin);
        tg_fleet__del(c->fleet, name);
    }
    if (rc == TG_OK) {
        e->fetched = tg_now();
        tg_info("crawl", "robots.txt of %s: %s (HTTP %ld, %zu rules)", e->origin,
                mode == TG_ROBOTS_PARSE       ? "rules"
                : mode == TG_ROBOTS_ALLOW_ALL ? "allow all"
                                              : "disallow all",
                res->status, tg_robots_rule_count(e->r));
        tg_item none = {(char *)"", 0, 0, 0, (char *)""};
        tg_result *r = tg_result__new(&none);
        if (r) {
            r->fate = TG_FATE_NONE;
            r->robots_host = tg_arena__strdup(&r->a, e->origin);
            r->robots_mode = (int)mode;
            size_t n = mode == TG_ROBOTS_PARSE ? res->body.len : 0;
            if (n > TG_ROBOTS_MAX_BYTES)
                n = TG_ROBOTS_MAX_BYTES;
            r->robots_body = n ? tg_arena__strndup(&r->a, res->body.data, n) : "";
            r->robots_len = n;
            if (r->robots_host && r->robots_body)
                push_result(c, r);
            else
                tg_result__free(r);
        }
    }
    tg_fetch__req_free(&sr->req);
    tg_free(sr);
    pump(c);
}

/* A parsed robots.txt (or its mode) for e; TG_OK when e->r was set. */
static int robots_use(tg_crawl *c, robots_ent *e, int mode, const char *body, size_t len)
{
    tg_robots_free(&e->r);
    int rc = mode == TG_ROBOTS_PARSE ? tg_robots_parse(body, len, c->cfg->user_agent, &e->r)
                                     : tg_robots_new_mode((tg_robots_mode)mode, &e->r);
    if (rc == TG_OK) {
        double d = tg_robots_crawl_delay(e->r);
        if (d > 0 && c->fleet) { /* the floor of the host's START script */
            char v[32];
            snprintf(v, sizeof v, "%.3f", d);
            char name[300];
            snprintf(name, sizeof name, "host:%s", e->origin);
            tg_fleet__hset(c->fleet, name, "delay", v);
        } else if (d > 0) {
            tg_polite__set_delay(c->polite, e->origin, d);
        }
    }
    return rc;
}

/*
 * Fleet: NS:robots:ORIGIN holds "MODE BODY" for a day (EX 86400); the one
 * worker holding NS:robotslock:ORIGIN fetches it, the others wait for it.
 * Returns true when a fetch by this worker may start.
 */
static bool fleet_robots(tg_crawl *c, robots_ent *e)
{
    if (tg_mono() < e->next_look)
        return false;
    e->next_look = tg_mono() + 0.3;
    char name[300];
    snprintf(name, sizeof name, "robots:%s", e->origin);
    char *v = NULL;
    size_t vl = 0;
    int rc = tg_fleet__get(c->fleet, name, &v, &vl);
    if (rc == TG_OK && vl >= 2 && v[1] == ' ' && v[0] >= '0' && v[0] <= '2' &&
        robots_use(c, e, v[0] - '0', v + 2, vl - 2) == TG_OK)
        e->fetched = tg_now();
    tg_free(v);
    if (rc != TG_ENOTFOUND)
        return false;
    snprintf(name, sizeof name, "robotslock:%s", e->origin);
    bool got = false;
    const char *id = tg_fleet__id(c->fleet);
    tg_fleet__set(c->fleet, name, id, strlen(id), 30000, true, &got);
    return got;
}

/* Is the job's URL allowed? 1 yes, 0 no, -1 not known yet (a fetch started). */
static int robots_check(tg_crawl *c, tg_job *j)
{
    if (!c->cfg->respect_robots || !j->scraped)
        return 1;
    robots_ent *e = robots_get(c, j->host);
    if (!e)
        return -1;
    if (e->r && tg_now() - e->fetched < ROBOTS_TTL)
        return tg_robots_allowed(e->r, j->req.url) ? 1 : 0;
    if (e->fetching || c->stopping)
        return -1;
    if (c->fleet && !fleet_robots(c, e))
        return e->r && tg_now() - e->fetched < ROBOTS_TTL ? robots_check(c, j) : -1;
    side_req *sr = tg_calloc(1, sizeof *sr);
    if (!sr)
        return -1;
    sr->c = c;
    sr->re = e;
    sr->req.url = tg_malloc(strlen(e->origin) + 16);
    if (!sr->req.url) {
        tg_free(sr);
        return -1;
    }
    sprintf(sr->req.url, "%s/robots.txt", e->origin);
    sr->req.follow = true; /* RFC 9309: follow at least five redirects */
    sr->req.scope = NULL;  /* same origin only: a foreign robots.txt is not ours */
    sr->req.cb = robots_done;
    sr->req.reqid = ++c->reqid;
    e->fetching = true;
    c->side_fetches++;
    tg_fetch__start(c->fetch, &sr->req);
    return -1;
}

/* ---- fetch completion ------------------------------------------------------ */

static void on_wake(uv_timer_t *t);

static void parse_work(uv_work_t *w)
{
    tg_job *j = w->data;
    j->src->parse(j->c, j, &j->req.res);
}

static void parse_done(uv_work_t *w, int status)
{
    (void)status;
    tg_job *j = w->data;
    tg_crawl *c = j->c;
    c->parsing--;
    tg_result *r = j->res;
    j->res = NULL;
    tg_free(w);
    job_free(j);
    push_result(c, r);
    pump(c);
}

static void fetch_done(tg_fetch_req *req, tg_fetch_res *res)
{
    tg_job *j = req->ud;
    tg_crawl *c = j->c;
    int si = src_index(c, j->src);
    if (c->fleet) { /* the slot goes back and backoff is recorded with the next DONE */
        tg_fleet__fetch_end(c->fleet, j->host, req->reqid, res->status, res->retry_after);
        c->gate_wait[tg_hash64(j->host, strlen(j->host)) % 16].until = 0;
    } else
        tg_polite__done(c->polite, j->host, tg_mono(), res->status, res->retry_after);
    c->st.fetched++;
    c->st.bytes += res->body.len;
    learn_clock(c, si, res);
    if (c->stopping || (res->curl_code == CURLE_ABORTED_BY_CALLBACK && res->ec == TG_EC_NETWORK &&
                        strcmp(res->errmsg, "aborted") == 0)) {
        /* back to the frontier untouched: the lease just ends */
        lease_end(c, j->item.key);
        job_free(j);
        return;
    }
    if (res->ec != TG_EC_NONE)
        tg_log(TG_LOG_INFO, "crawl", req->reqid, "%s %s: %s (%s, HTTP %ld)", j->src->name,
               j->item.key, tg_crawl_errclass_name(res->ec), res->errmsg, res->status);
    else
        tg_log(TG_LOG_DEBUG, "crawl", req->reqid, "%s %s: HTTP %ld, %zu bytes, %.3fs", j->src->name,
               j->item.key, res->status, res->body.len, res->elapsed);
    j->obs_t = c->cfg->clock_source && res->date ? res->date : tg_now();
    j->res = tg_result__new(&j->item);
    if (!j->res) {
        lease_end(c, j->item.key);
        job_free(j);
        return;
    }
    tg_result *r = j->res;
    r->reqid = req->reqid;
    r->obs_t = j->obs_t;
    r->url = tg_arena__strdup(&r->a, req->orig_url ? req->orig_url : req->url);

    /* classes the engine handles for every source */
    tg_errclass ec = res->ec;
    if (ec == TG_EC_AUTH && j->src->token_build) {
        tg_token *t = &c->tok[si];
        bool stale = j->tok_gen != t->gen || !t->value; /* sent with an older token */
        if (!stale && t->refreshes++ < 1) {
            tg_info("crawl", "%s: 401, refreshing the token once", j->src->name);
            tg_crawl__token_invalid(c, j->src);
            stale = true;
        }
        if (stale) {
            tg_result__free(j->res);
            j->res = NULL;
            tg_fetch__req_free(&j->req);
            ready_push(c, j);
            uv_timer_start(&c->wake, on_wake, 0, 0);
            return;
        }
    }
    if (ec == TG_EC_NONE && j->src->token_build)
        c->tok[si].refreshes = 0;
    if (ec == TG_EC_RATELIMIT && j->src->quota_index >= 0 && res->status == 429 &&
        j->src == &tg_src__tiktok) {
        /* TikTok's 429 means the day's budget is gone on their side */
        tg_quota *q = &c->quota[j->src->quota_index];
        q->used = q->limit;
        q->unsaved++;
    }
    if (ec == TG_EC_RATELIMIT || ec == TG_EC_NETWORK || ec == TG_EC_TIMEOUT ||
        ec == TG_EC_HTTP5XX) {
        tg_result__retry(c, j, ec, res->status);
        tg_result *rr = j->res;
        j->res = NULL;
        job_free(j);
        push_result(c, rr);
        return;
    }
    if (ec != TG_EC_NONE && ec != TG_EC_HTTP4XX && ec != TG_EC_AUTH) {
        tg_result__fail(r, ec, res->status, poll_every(c, j->src));
        j->res = NULL;
        job_free(j);
        push_result(c, r);
        return;
    }
    /* 2xx and 4xx bodies go to the source (an API explains its 400s) */
    uv_work_t *w = tg_calloc(1, sizeof *w);
    if (!w) {
        lease_end(c, j->item.key);
        job_free(j);
        return;
    }
    w->data = j;
    c->parsing++;
    if (uv_queue_work(&c->loop, w, parse_work, parse_done)) {
        c->parsing--;
        tg_free(w);
        lease_end(c, j->item.key);
        job_free(j);
    }
}

/* ---- the scheduler ---------------------------------------------------------- */

static void on_wake(uv_timer_t *t)
{
    pump(t->data);
}

enum { GATE_GO, GATE_WAIT, GATE_DROPPED };

static bool clock_known(const tg_crawl *c)
{
    bool known = !c->cfg->clock_source;
    for (int k = 0; k < c->nsrc && !known; k++)
        known = c->src_clock[k];
    return known;
}

/*
 * Fleet --once: an item this round cannot fetch (its source paused, its
 * budget spent) goes back untouched but counts as done with the round
 * (NS:fr:round), or the fleet's round would never end.
 */
static void skip_round(tg_crawl *c, tg_job *j)
{
    tg_result *r = tg_result__new(&j->item);
    if (!r) {
        lease_end(c, j->item.key);
        job_free(j);
        return;
    }
    r->fate = TG_FATE_NONE;
    r->round_done = true;
    job_free(j);
    push_result(c, r);
}

/* The day's budget of a source is spent: pause it until its midnight (and
 * drop job j's lease when j is given). */
static void budget_spent(tg_crawl *c, tg_job *j, int si, tg_quota *q, int64_t src_now, bool known)
{
    int64_t until = tg_quota__until_reset(src_now);
    c->paused_until[si] = tg_now() + 1 + (int64_t)((double)until / atomic_load(&src_speed));
    if (!known) /* look again once a token fetch has told the source's time */
        c->paused_until[si] = tg_now() + 2;
    if (!q->announced) {
        q->announced = true;
        tg_warn("crawl",
                "%s: daily budget spent (%ld of %ld, reserve %ld); paused for "
                "%llds until 00:00 UTC",
                c->src[si]->name, q->used, q->limit, q->reserve, (long long)until);
    }
    if (j) {
        lease_end(c, j->item.key);
        job_free(j);
    }
}

/* Politeness and the daily budget, in this process. */
static int local_gate(tg_crawl *c, tg_job *j, int si, double *wait_s)
{
    double w = tg_polite__wait(c->polite, j->host, tg_mono());
    if (w > 0) {
        *wait_s = w;
        return GATE_WAIT;
    }
    if (j->src->quota_index >= 0) {
        tg_quota *q = &c->quota[j->src->quota_index];
        /* budgets reset at 00:00 UTC of the source's clock (clock = source) */
        int64_t src_now = tg_crawl__src_now(c);
        bool known = clock_known(c);
        if (!known &&
            q->stored_day) /* until the source's clock is heard, its day is the stored one */
            src_now = (int64_t)q->stored_day * 86400;
        if (!tg_quota__can(q, src_now)) {
            budget_spent(c, j, si, q, src_now, known);
            return GATE_DROPPED;
        }
        tg_quota__spend(q, src_now);
    }
    tg_polite__start(c->polite, j->host, tg_mono());
    return GATE_GO;
}

/* The source clock another worker learnt (NS:clock, seconds ahead of ours). */
static void fleet_clock(tg_crawl *c)
{
    if (clock_known(c) || tg_mono() - c->t_clock < 0.5)
        return;
    c->t_clock = tg_mono();
    char *v = NULL;
    if (tg_fleet__get(c->fleet, "clock", &v, NULL) == TG_OK) {
        for (int i = 0; i < c->nsrc; i++) {
            c->src_offset[i] = strtoll(v, NULL, 10);
            c->src_clock[i] = true;
        }
        tg_info("crawl", "source clock from the fleet: %+llds", (long long)c->src_offset[0]);
    }
    tg_free(v);
}

/* Politeness and the daily budget, fleet-wide: one START script. */
static int fleet_gate(tg_crawl *c, tg_job *j, int si, double *wait_s)
{
    char qkey[64];
    const char *qk = NULL;
    long cap = 0;
    tg_quota *q = NULL;
    int64_t src_now = tg_crawl__src_now(c);
    if (j->src->quota_index >= 0) {
        q = &c->quota[j->src->quota_index];
        fleet_clock(c);
        if (!clock_known(c)) { /* the budget's day is the source's */
            *wait_s = 0.5;
            return GATE_WAIT;
        }
        snprintf(qkey, sizeof qkey, "%s:%d", q->source, (int)tg_day_of(src_now));
        qk = qkey;
        cap = q->limit - q->reserve;
    }
    /* every ready job of a host would ask: remember the host's answer */
    double now = tg_mono();
    size_t gi = tg_hash64(j->host, strlen(j->host)) % 16;
    if (strcmp(c->gate_wait[gi].host, j->host) == 0 && c->gate_wait[gi].until > now) {
        *wait_s = c->gate_wait[gi].until - now;
        return GATE_WAIT;
    }
    double w = 0;
    int rc = tg_fleet__start(c->fleet, j->host, c->reqid + 1, c->cfg->rate_per_host,
                             c->cfg->max_per_host, qk, cap, &w);
    if (rc == TG_OK && w > 0) {
        snprintf(c->gate_wait[gi].host, sizeof c->gate_wait[gi].host, "%s", j->host);
        c->gate_wait[gi].until = now + w;
    }
    if (rc == TG_EQUOTA && q) {
        q->used = q->limit - q->reserve;
        if (c->opts.once) { /* pause the source; its items are out of this round */
            budget_spent(c, NULL, si, q, src_now, true);
            skip_round(c, j);
        } else {
            budget_spent(c, j, si, q, src_now, true);
        }
        return GATE_DROPPED;
    }
    if (rc || w > 0) {
        *wait_s = rc ? 0.5 : w;
        return GATE_WAIT;
    }
    if (q)
        q->used++;
    return GATE_GO;
}

/* Try to start job j; returns 1 started/finished, 0 wait (*wait_s set). */
static int try_start(tg_crawl *c, tg_job *j, double *wait_s)
{
    int si = src_index(c, j->src);
    if (!j->req.url) {
        int rc = j->src->build(c, j);
        if (rc == TG_BUILD_NEED_TOKEN) {
            tg_fetch__req_free(&j->req);
            token_fetch(c, si, false);
            *wait_s = 0.5;
            return 0;
        }
        if (rc == TG_BUILD_SKIP) {
            job_result(c, j, TG_EC_NONE);
            return 1;
        }
        if (rc != TG_BUILD_OK) {
            tg_warn("crawl", "%s %s: cannot build the request: %s", j->src->name, j->item.key,
                    tg_strerror(rc));
            job_result(c, j, TG_EC_PARSE);
            return 1;
        }
        j->tok_gen = c->tok[si].gen;
        if (tg_fetch__origin(j->req.url, j->host, sizeof j->host)) {
            job_result(c, j, TG_EC_SCOPE);
            return 1;
        }
        j->scraped = j->src->scraped;
    }
    int allowed = robots_check(c, j);
    if (allowed < 0) {
        *wait_s = 0.2;
        return 0;
    }
    if (allowed == 0) {
        tg_log(TG_LOG_INFO, "crawl", 0, "%s: disallowed by robots.txt", j->req.url);
        job_result(c, j, TG_EC_ROBOTS);
        return 1;
    }
    int g = c->fleet ? fleet_gate(c, j, si, wait_s) : local_gate(c, j, si, wait_s);
    if (g != GATE_GO)
        return g == GATE_WAIT ? 0 : 1;
    j->req.cb = fetch_done;
    j->req.ud = j;
    j->req.reqid = ++c->reqid;
    if (!j->req.scope)
        j->req.scope = tg_crawl__scope(c);
    tg_fetch__start(c->fetch, &j->req);
    return 1;
}

static bool idle(const tg_crawl *c)
{
    return !c->nready && !tg_fetch__inflight(c->fetch) && !c->parsing && !c->npend && !c->writing &&
           !c->side_fetches;
}

static void seed(tg_crawl *c);

/*
 * clock = source: items scheduled before the source's speed was measured
 * carry local due times for a speed of 1. When the measured speed moves by
 * more than half, every future due time is rescaled by old/new speed.
 */
static double rescaled_speed = 1.0;

typedef struct rescale_ctx {
    uint64_t now;
    double factor;
    tg_item *items;
    size_t n, cap;
    int err;
} rescale_ctx;

static int rescale_collect(const tg_item *it, void *ctx)
{
    rescale_ctx *rc = ctx;
    if (it->due_ms <= rc->now)
        return 0;
    if (rc->n == rc->cap) {
        size_t nc = rc->cap ? rc->cap * 2 : 256;
        tg_item *ni = tg_realloc(rc->items, nc * sizeof *ni);
        if (!ni)
            return rc->err = TG_ENOMEM;
        rc->items = ni;
        rc->cap = nc;
    }
    tg_item *d = &rc->items[rc->n];
    *d = *it;
    d->key = tg_strdup(it->key);
    d->state = tg_strdup(it->state ? it->state : "");
    if (!d->key || !d->state) {
        tg_free(d->key);
        tg_free(d->state);
        return rc->err = TG_ENOMEM;
    }
    rc->n++;
    return 0;
}

static int rescale_fn(tg_store_txn *t, void *ctx)
{
    rescale_ctx *rc = ctx;
    for (size_t i = 0; i < rc->n; i++) { /* a rerun after map growth starts clean */
        tg_free(rc->items[i].key);
        tg_free(rc->items[i].state);
    }
    rc->n = 0;
    int err = tg_frontier__scan(tg_store_txn_reader(t), UINT64_MAX, rescale_collect, rc);
    if (err || rc->err)
        return err ? err : rc->err;
    for (size_t i = 0; i < rc->n; i++) {
        tg_item *it = &rc->items[i];
        it->due_ms = rc->now + (uint64_t)((double)(it->due_ms - rc->now) * rc->factor);
        if ((err = tg_frontier__put(t, it)))
            return err;
    }
    return TG_OK;
}

static void rescale_frontier(tg_crawl *c)
{
    double v = atomic_load(&src_speed);
    if (!c->cfg->clock_source || (v < rescaled_speed * 1.5 && v > rescaled_speed / 1.5))
        return;
    rescale_ctx rc = {tg_crawl__now_ms(), rescaled_speed / v, NULL, 0, 0, 0};
    int err = tg_store_write(c->store, rescale_fn, &rc);
    for (size_t i = 0; i < rc.n; i++) {
        tg_free(rc.items[i].key);
        tg_free(rc.items[i].state);
    }
    tg_free(rc.items);
    if (err) {
        tg_warn("crawl", "rescaling due times to the source clock failed: %s", tg_strerror(err));
        return;
    }
    tg_info("crawl", "source clock runs %.0fx: %zu scheduled item(s) rescaled", v, rc.n);
    rescaled_speed = v;
    c->dirty = true;
}

static void pump(tg_crawl *c)
{
    if (c->closing)
        return;
    if (c->stopping) {
        flush(c, true);
        if (c->fleet && c->npend && !c->t_stop)
            c->t_stop = tg_mono();
        if (c->fleet && c->npend && tg_mono() - c->t_stop > 10) {
            /* Redis still away: their leases lapse and the items are fetched again */
            tg_warn("fleet", "stopping with %zu result(s) not delivered (redis unreachable)",
                    c->npend);
            while (c->pend) {
                tg_result *n = c->pend->next;
                tg_result__free(c->pend);
                c->pend = n;
            }
            c->pend_tail = NULL;
            c->npend = 0;
        }
        if (!tg_fetch__inflight(c->fetch) && !c->parsing && !c->writing && !c->npend &&
            !c->side_fetches) {
            c->closing = true;
            uv_stop(&c->loop);
        }
        return;
    }
    if (!c->fleet) /* fleet: every worker keeps its own speed (docs/FLEET.md) */
        rescale_frontier(c);
    seed(c);
    /* rescan only when the frontier changed (a commit) or an item fell due:
     * rescanning on every completion while everything due is leased would
     * walk the leased head of the queue thousands of times */
    if (c->dirty || (c->more_due && c->nready < (size_t)c->cfg->max_connections) ||
        (c->next_due && c->next_due <= tg_crawl__now_ms()))
        scan(c);
    double min_wait = 1.0;
    tg_job *prev = NULL, *j = c->ready;
    long cap = c->cfg->max_connections;
    /* backpressure: bodies waiting for a parser count against the cap too,
     * so a slow parse bounds memory instead of queueing every page */
    while (j && tg_fetch__inflight(c->fetch) < cap && c->parsing < cap) {
        tg_job *next = j->next;
        double w = 0;
        int si = src_index(c, j->src);
        if (c->paused_until[si] > tg_now()) {
            ready_unlink(c, prev, j);
            if (c->fleet && c->opts.once)
                skip_round(c, j);
            else {
                lease_end(c, j->item.key);
                job_free(j);
            }
            j = next;
            continue;
        }
        ready_unlink(c, prev, j);
        if (try_start(c, j, &w)) {
            j = next;
            continue;
        }
        /* put it back where it was */
        j->next = next;
        if (prev)
            prev->next = j;
        else
            c->ready = j;
        if (!next)
            c->ready_tail = j;
        c->nready++;
        if (w < min_wait)
            min_wait = w;
        prev = j;
        j = next;
    }
    if (c->next_due) {
        uint64_t now = tg_crawl__now_ms();
        double d = c->next_due > now ? (double)(c->next_due - now) / 1000 : 0;
        if (d < min_wait)
            min_wait = d;
    }
    if (min_wait < 0.001)
        min_wait = 0.001;
    uv_timer_start(&c->wake, on_wake, (uint64_t)(min_wait * 1000), 0);
    flush(c, !tg_fetch__inflight(c->fetch) && !c->parsing);

    if (c->opts.once && idle(c) && c->fleet && tg_mono() - c->t_once >= 0.25) {
        /* the fleet's round is done when the leader has seeded it and nothing
         * of it is due or leased anywhere (a LEASE after the flag's GET) */
        c->t_once = tg_mono();
        char *v = NULL;
        if (tg_fleet__get(c->fleet, "seeded", &v, NULL) == TG_OK) {
            c->dirty = true;
            scan(c);
            if (!c->nready && c->fleet_left == 0) {
                tg_info("crawl", "round done (fleet)");
                c->stopping = true;
                pump(c);
            }
        }
        tg_free(v);
        return;
    }
    if (c->opts.once && c->fleet)
        return;
    if (c->opts.once && idle(c)) {
        bool waiting = false; /* a source still waiting for its first token/clock */
        for (int i = 0; i < c->nsrc; i++)
            waiting |= !c->seeded[i] && c->paused_until[i] != INT64_MAX;
        scan(c);
        if (!c->nready && !c->next_due && !waiting) {
            tg_info("crawl", "round done");
            c->stopping = true;
            pump(c);
        }
    }
}

/* ---- seeding ------------------------------------------------------------------ */

typedef struct seed_ctx {
    tg_crawl *c;
    int si;
    int64_t src_now;
} seed_ctx;

static int seed_fn(tg_store_txn *t, void *ctx)
{
    seed_ctx *s = ctx;
    return s->c->src[s->si]->seed(s->c, t, s->src_now);
}

/* Fleet leader: the source's seed function with a NULL transaction fills
 * one result's discovered items (frontier.c's collector); its DONE puts
 * them in Redis when absent, like the store transaction would. */
static int fleet_seed(tg_crawl *c, int si, int64_t now)
{
    tg_item none = {(char *)"", 0, 0, 0, (char *)""};
    tg_result *r = tg_result__new(&none);
    if (!r)
        return TG_ENOMEM;
    r->fate = TG_FATE_NONE;
    tg_frontier__collect(r);
    int rc = c->src[si]->seed(c, NULL, now);
    tg_frontier__collect(NULL);
    if (rc) {
        tg_result__free(r);
        return rc;
    }
    push_result(c, r);
    return TG_OK;
}

static void seed(tg_crawl *c)
{
    if (c->fleet && !c->leader)
        return; /* one scheduler at a time */
    bool all = true;
    for (int i = 0; i < c->nsrc; i++) {
        const tg_source_ops *s = c->src[i];
        if (c->paused_until[i] == INT64_MAX)
            continue;
        /* windowed sources wait for the source's clock (its Date header) */
        if (s == &tg_src__tiktok && c->cfg->clock_source && !c->src_clock[i] && c->fleet)
            fleet_clock(c);
        if (s == &tg_src__tiktok && c->cfg->clock_source && !c->src_clock[i]) {
            if (c->paused_until[i] <= tg_now())
                token_fetch(c, i, true); /* its response's Date tells the source's time */
            all = false;
            continue;
        }
        int64_t now = tg_crawl__src_now(c);
        int32_t day = tg_day_of(now);
        if (c->seeded[i] && (c->opts.once || c->seeded_day[i] == day))
            continue;
        seed_ctx sc = {c, i, now};
        int rc = c->fleet ? fleet_seed(c, i, now) : tg_store_write(c->store, seed_fn, &sc);
        if (rc) {
            tg_error("crawl", "%s: seeding jobs failed: %s", s->name, tg_strerror(rc));
            c->fatal = rc;
            c->stopping = true;
            return;
        }
        c->seeded[i] = true;
        c->seeded_day[i] = day;
        c->dirty = true;
    }
    if (c->fleet && all && !c->fleet_seeded && !c->stopping) {
        /* NS:seeded tells --once workers that the round has its items */
        flush(c, true);
        if (!c->npend && tg_fleet__set(c->fleet, "seeded", "1", 1, 0, false, NULL) == TG_OK)
            c->fleet_seeded = true;
    }
}

/* ---- ticks: signals, progress, duration --------------------------------------- */

static bool quota_used_by(const tg_crawl *c, int qi)
{
    for (int k = 0; k < c->nsrc; k++)
        if (c->src[k]->quota_index == qi)
            return true;
    return false;
}

static void progress(tg_crawl *c, bool final)
{
    double now = tg_mono();
    double dt = now - c->t_last_progress;
    if (!final && dt < 1.0)
        return;
    double rate = dt > 0 ? (double)(c->st.pages_stored - c->last_pages) / dt : 0;
    c->last_pages = c->st.pages_stored;
    c->t_last_progress = now;
    char errs[256] = "";
    size_t n = 0;
    for (int i = 1; i < TG_EC__COUNT; i++)
        if (c->st.errors[i] && n < sizeof errs - 32)
            n += (size_t)snprintf(errs + n, sizeof errs - n, " %s=%llu",
                                  tg_crawl_errclass_name((tg_errclass)i),
                                  (unsigned long long)c->st.errors[i]);
    char quota[128] = "";
    n = 0;
    for (int i = 0; i < 2; i++)
        if (c->quota[i].source && quota_used_by(c, i))
            n += (size_t)snprintf(quota + n, sizeof quota - n, " %s_left=%ld", c->quota[i].source,
                                  tg_quota__left(&c->quota[i]));
    if (c->opts.progress) {
        fprintf(stderr, "\r\033[K%.0f pages/s  stored %llu  in flight %d  queued %zu  errors:%s%s",
                rate, (unsigned long long)c->st.stored, tg_fetch__inflight(c->fetch), c->nready,
                errs[0] ? errs : " none", quota);
        if (final)
            fputc('\n', stderr);
        fflush(stderr);
    } else if (final || tg_now() - c->last_log >= 10) {
        c->last_log = tg_now();
        tg_info("crawl",
                "progress: fetched=%llu stored=%llu pages=%llu records=%llu inflight=%d "
                "queued=%zu retries=%llu errors:%s%s",
                (unsigned long long)c->st.fetched, (unsigned long long)c->st.stored,
                (unsigned long long)c->st.pages_stored, (unsigned long long)c->st.records,
                tg_fetch__inflight(c->fetch), c->nready, (unsigned long long)c->st.retries,
                errs[0] ? errs : " none", quota);
    }
}

static int reload_config(tg_crawl *c);

/* Fleet housekeeping: leases given back, held leases renewed and the
 * leader key kept (or taken) three times per lease. */
static void fleet_tick(tg_crawl *c)
{
    double every = c->cfg->fleet_lease_s / 3;
    bool renew = tg_mono() - c->t_renew >= (every < 10 ? every : 10);
    if (tg_fleet__tick(c->fleet, renew) == TG_OK && renew) {
        c->t_renew = tg_mono();
        if (!c->stopping) {
            int got = tg_fleet__leader(c->fleet);
            c->leader = got > 0;
            if (got == 2) {
                /* a new scheduler seeds again (put-absent: harmless); so does
                 * one whose key was gone (Redis restarted without its data) */
                memset(c->seeded, 0, sizeof c->seeded);
                c->fleet_seeded = false;
            }
        }
    }
}

static void on_tick(uv_timer_t *t)
{
    tg_crawl *c = t->data;
    double now = tg_mono();
    if (c->t_last_tick > 0 && now - c->t_last_tick > 1.0)
        tg_warn("crawl", "event loop was blocked for %.2fs", now - c->t_last_tick);
    c->t_last_tick = now;
    if (tg_cli_stop && !c->stopping) {
        tg_info("crawl", "stopping: in-flight items go back to the frontier");
        c->stopping = true;
        tg_fetch__abort_all(c->fetch);
    }
    if (c->opts.duration_s > 0 && tg_mono() - c->t_start >= c->opts.duration_s && !c->stopping) {
        tg_info("crawl", "duration reached");
        c->stopping = true;
        tg_fetch__abort_all(c->fetch);
    }
    if (tg_cli_reload) {
        tg_cli_reload = 0;
        reload_config(c);
    }
    if (!c->closing)
        progress(c, false);
    if (c->metrics) {
        tg_metrics_snap ms;
        memset(&ms, 0, sizeof ms);
        ms.st = c->st;
        ms.inflight = tg_fetch__inflight(c->fetch);
        ms.queued = c->nready;
        for (int i = 0; i < 2; i++) {
            int si = -1;
            for (int k = 0; k < c->nsrc; k++)
                if (c->src[k]->quota_index == i)
                    si = k;
            if (si >= 0) {
                snprintf(ms.budget_src[i], sizeof ms.budget_src[i], "%s", c->quota[i].source);
                ms.budget_left[i] = tg_quota__left(&c->quota[i]);
            }
        }
        tg_metrics__publish(c->metrics, &ms);
    }
    if (++c->ticks % 10 == 0)
        c->dirty = true; /* paused sources resume, budgets reset: look again */
    if (c->fleet)
        fleet_tick(c);
    flush(c, true);
    pump(c);
}

/* ---- setup ---------------------------------------------------------------------- */

static int add_scope(tg_crawl *c, const char *url, size_t *n)
{
    if (!url)
        return TG_OK;
    char o[300];
    if (tg_fetch__origin(url, o, sizeof o))
        return TG_OK;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(c->scope[i], o) == 0)
            return TG_OK;
    char **ns = tg_realloc(c->scope, (*n + 2) * sizeof *ns);
    if (!ns)
        return TG_ENOMEM;
    c->scope = ns;
    if (!(c->scope[*n] = tg_strdup(o)))
        return TG_ENOMEM;
    (*n)++;
    c->scope[*n] = NULL;
    return TG_OK;
}

static int build_scope(tg_crawl *c)
{
    size_t n = 0;
    c->scope = tg_calloc(1, sizeof *c->scope);
    if (!c->scope)
        return TG_ENOMEM;
    const tg_config *f = c->cfg;
    int rc = add_scope(c, f->tiktok_api_base, &n);
    if (!rc)
        rc = add_scope(c, f->ebay_api_base, &n);
    if (!rc)
        rc = add_scope(c, f->ebay_web_base, &n);
    if (!rc)
        rc = add_scope(c, f->poshmark_web_base, &n);
    for (int i = 0; i < f->nsites && !rc; i++)
        rc = add_scope(c, f->sites[i].start_url, &n);
    return rc;
}

static void free_scope(tg_crawl *c)
{
    if (!c->scope)
        return;
    for (char **s = c->scope; *s; s++)
        tg_free(*s);
    tg_free(c->scope);
    c->scope = NULL;
}

static void set_polite(tg_crawl *c, tg_polite_cfg *pc)
{
    pc->rate = c->cfg->rate_per_host;
    pc->max_inflight = c->cfg->max_per_host;
    pc->backoff_cap_s = c->cfg->backoff_cap_s;
    pc->backoff_base_s = 1;
}

static int reload_config(tg_crawl *c)
{
    tg_config nc;
    char err[512];
    int rc = tg_config_load(&nc, c->cfg->path, err, sizeof err);
    if (rc) {
        tg_warn("crawl", "reload refused, keeping the running config: %s", err);
        tg_config_free(&nc);
        return rc;
    }
    /* politeness and budgets change live; sources and limits need a restart */
    c->cfg->rate_per_host = nc.rate_per_host;
    c->cfg->max_per_host = nc.max_per_host;
    c->cfg->backoff_cap_s = nc.backoff_cap_s;
    c->cfg->retry_max = nc.retry_max;
    c->cfg->write_batch = nc.write_batch;
    c->cfg->tiktok_poll_every = nc.tiktok_poll_every;
    c->cfg->ebay_poll_every = nc.ebay_poll_every;
    c->cfg->poshmark_poll_every = nc.poshmark_poll_every;
    c->quota[0].limit = nc.tiktok_daily_quota;
    c->quota[0].reserve = nc.tiktok_quota_reserve;
    c->quota[1].limit = nc.ebay_daily_quota;
    c->quota[1].reserve = nc.ebay_quota_reserve;
    tg_polite_cfg pc;
    set_polite(c, &pc);
    tg_polite__set_cfg(c->polite, &pc);
    tg_config_free(&nc);
    tg_info("crawl", "config reloaded (rates, budgets, retries, poll intervals)");
    return TG_OK;
}

static void on_close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* Shallow copy of the config whose strings stay owned by the caller's. */
int tg_crawl_run(const tg_config *cfg_in, const tg_crawl_opts *opts, tg_crawl_stats *stats)
{
    tg_crawl *c = tg_calloc(1, sizeof *c);
    if (!c)
        return TG_ENOMEM;
    tg_config cfg_copy = *cfg_in;
    c->cfg = &cfg_copy;
    c->opts = *opts;
    int rc = TG_OK;
    bool loop_ok = false;

    tg_parse_init();
    if (opts->fleet) /* a fleet worker needs no store: the sink writes it */
        rc = tg_fleet__open(&c->fleet, c->cfg);
    else
        rc = tg_store_open_ex(&c->store, c->cfg->store_path, TG_STORE_CREATE, c->cfg->map_size_mb);
    if (rc && c->fleet)
        goto out;
    if (rc) {
        if (!opts->fleet)
            tg_error("crawl", "cannot open the store %s: %s", c->cfg->store_path, tg_strerror(rc));
        goto out;
    }
    if ((rc = tg_catalog__load(&c->cat, c->cfg, c->store)))
        goto out;
    static const tg_source_ops *const all[] = {&tg_src__tiktok, &tg_src__ebay, &tg_src__ebaysold,
                                               &tg_src__poshmark, &tg_src__site};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!all[i]->enabled(c->cfg))
            continue;
        if (opts->only && strcmp(opts->only, all[i]->name) != 0)
            continue;
        c->src[c->nsrc++] = all[i];
    }
    if (!c->nsrc) {
        tg_error("crawl",
                 "no source configured (need [tiktok], [ebay], [poshmark] or [site.NAME])");
        rc = TG_ECONFIG;
        goto out;
    }
    tg_quota__init(&c->quota[0], "tiktok", c->cfg->tiktok_daily_quota,
                   c->cfg->tiktok_quota_reserve);
    tg_quota__init(&c->quota[1], "ebay", c->cfg->ebay_daily_quota, c->cfg->ebay_quota_reserve);
    if (c->store) { /* a fleet keeps budgets and tokens in Redis */
        tg_store_read *r;
        if ((rc = tg_store_read_begin(c->store, &r)))
            goto out;
        tg_quota__load(&c->quota[0], r, tg_now());
        tg_quota__load(&c->quota[1], r, tg_now());
        tg_store_read_end(&r);
        for (int i = 0; i < c->nsrc; i++)
            if (c->src[i]->token_build)
                load_token(c, i);
    }
    if ((rc = build_scope(c)))
        goto out;
    tg_polite_cfg pc;
    set_polite(c, &pc);
    if ((rc = tg_polite__new(&c->polite, &pc, (uint64_t)getpid() ^ (uint64_t)tg_now())))
        goto out;

    if (uv_loop_init(&c->loop)) {
        rc = TG_EINTERNAL;
        goto out;
    }
    loop_ok = true;
    tg_fetch_limits lim = {
        .timeout_s = c->cfg->timeout_s,
        .connect_timeout_s = c->cfg->connect_timeout_s,
        .low_speed_s = c->cfg->low_speed_s,
        .low_speed_bytes = c->cfg->low_speed_bytes,
        .max_body = (size_t)c->cfg->max_body_kb * 1024,
        .max_header = (size_t)c->cfg->max_header_kb * 1024,
        .max_redirects = c->cfg->max_redirects,
        .max_connections = c->cfg->max_connections,
        .max_per_host = c->cfg->max_per_host,
        .user_agent = c->cfg->user_agent,
    };
    if ((rc = tg_fetch__new(&c->fetch, &c->loop, &lim)))
        goto out;
    uv_timer_init(&c->loop, &c->tick);
    uv_timer_init(&c->loop, &c->wake);
    c->tick.data = c->wake.data = c;
    uv_timer_start(&c->tick, on_tick, 100, 100);
    if (opts->metrics_port >= 0 && (opts->metrics_port > 0 || opts->metrics_port_file)) {
        if ((rc = tg_metrics__start(&c->metrics, opts->metrics_port)))
            goto out;
        tg_info("crawl", "metrics on http://127.0.0.1:%d/metrics", tg_metrics__port(c->metrics));
        if (opts->metrics_port_file) {
            FILE *pf = fopen(opts->metrics_port_file, "w");
            if (pf) {
                fprintf(pf, "%d\n", tg_metrics__port(c->metrics));
                fclose(pf);
            }
        }
    }
    c->t_start = c->t_last_progress = tg_mono();
    c->dirty = true;
    if (c->fleet)
        tg_info("crawl", "fleet worker %s: crawling %d source(s) via %s (namespace %s)%s",
                tg_fleet__id(c->fleet), c->nsrc, c->cfg->fleet_redis, tg_fleet__ns(c->fleet),
                opts->once ? " (one round)" : "");
    else
        tg_info("crawl", "crawling %d source(s) into %s%s", c->nsrc, c->cfg->store_path,
                opts->once ? " (one round)" : "");
    pump(c);
    uv_run(&c->loop, UV_RUN_DEFAULT);
    progress(c, true);
    if (c->fatal)
        rc = c->fatal;

out:
    if (c->fetch)
        tg_fetch__free(&c->fetch);
    if (loop_ok) {
        uv_timer_stop(&c->tick);
        uv_timer_stop(&c->wake);
        uv_walk(&c->loop, on_close_walk, NULL);
        uv_run(&c->loop, UV_RUN_DEFAULT);
        int lc = uv_loop_close(&c->loop);
        if (lc)
            tg_error("crawl", "event loop did not close cleanly: %s", uv_strerror(lc));
    }
    while (c->ready) {
        tg_job *n = c->ready->next;
        if (c->fleet)
            tg_fleet__drop(c->fleet, c->ready->item.key);
        job_free(c->ready);
        c->ready = n;
    }
    if (c->fleet) {
        if (c->st.fetched || tg_fleet__held(c->fleet))
            tg_fleet__tick(c->fleet, false); /* give the leases back now, not after a lease */
        uint64_t calls = tg_fleet__calls(c->fleet);
        tg_info("fleet",
                "worker %s: fetched=%llu results=%llu stale=%llu redis_calls=%llu "
                "calls_per_fetch=%.2f",
                tg_fleet__id(c->fleet), (unsigned long long)c->st.fetched,
                (unsigned long long)c->st.stored, (unsigned long long)c->fleet_stale,
                (unsigned long long)calls,
                c->st.fetched ? (double)calls / (double)c->st.fetched : 0.0);
        tg_fleet__close(&c->fleet);
    }
    while (c->pend) {
        tg_result *n = c->pend->next;
        tg_result__free(c->pend);
        c->pend = n;
    }
    while (c->robots) {
        robots_ent *n = c->robots->next;
        tg_robots_free(&c->robots->r);
        tg_free(c->robots);
        c->robots = n;
    }
    for (int i = 0; i < MAX_SOURCES; i++)
        tg_free(c->tok[i].value);
    ks_free(&c->leased);
    ks_free(&c->round_done);
    ks_free(&c->touched);
    free_scope(c);
    tg_metrics__stop(&c->metrics);
    tg_polite__free(&c->polite);
    tg_catalog__free(&c->cat);
    tg_store_close(&c->store);
    if (stats)
        *stats = c->st;
    tg_free(c);
    return rc;
}
