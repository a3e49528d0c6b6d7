/*
 * sink.c - the fleet sink: NS:results (Redis stream) -> the LMDB store.
 *
 * The sink is the store's only writer in a fleet. Its loop:
 *
 *   LOCK     take or renew NS:sink:lock (SET NX PX lease, renewed by a
 *            compare-and-pexpire script): one sink per namespace.
 *   CLAIM    XAUTOCLAIM every pending entry of the group to ourselves
 *            (JUSTID; min-idle 0: holding the lock, the consumers that own
 *            them are sinks that died or lost the lock), then forget the
 *            consumers left with nothing pending.
 *   PENDING  XREADGROUP ... STREAMS NS:results <cursor from 0>: our own
 *            pending entries, in id order.
 *   NEW      XREADGROUP ... COUNT 512 BLOCK 1000 STREAMS NS:results >.
 *
 * Each batch is decoded (tg_result__decode) and applied in ONE write
 * transaction with tg_crawl__apply(t, list, now, false), which also stores
 * the batch's last stream id in meta "fleet.sink.last_id". Only then are the
 * entries acknowledged and deleted (XACK + XDEL in one script).
 *
 * Why this is exactly-once: the group hands out new entries in id order,
 * and before reading new ones the sink replays every pending entry (ours
 * and dead sinks') in id order, so the store always holds exactly the
 * entries with id <= last_id. An entry at or below it (a crash between
 * commit and XACK, or Redis losing its last second of acks) is skipped.
 * An entry that does not decode is logged and dropped: it can never apply;
 * so is a result the store refuses as bad data (commit(): its batch is then
 * applied result by result). Any other store error stops the sink.
 *
 * Redis unreachable (any command fails): pause 1 s doubling to 30 s, then
 * start over at LOCK, which replays what was not acknowledged.
 */
#include "crawler/crawl_int.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/sink.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern volatile int tg_cli_stop;

#define BATCH "512"
#define BLOCK_MS "1000"
#define PAUSE_MIN 1.0
#define PAUSE_MAX 30.0
#define LAST_ID_KEY "fleet.sink.last_id"

/* Take the lock when free, renew it when ours: 1 held, 0 someone else's. */
static const char LUA_LOCK[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end\n"
    "if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end\n"
    "return 0\n";
/* Acknowledge and delete a batch of entries in one round trip. */
static const char LUA_ACKDEL[] = "redis.call('XACK', KEYS[1], 'sink', unpack(ARGV))\n"
                                 "return redis.call('XDEL', KEYS[1], unpack(ARGV))\n";

/* A stream id "MS-SEQ". */
typedef struct sid {
    uint64_t ms, seq;
} sid;

enum phase { P_LOCK, P_CLAIM, P_PENDING, P_NEW };

typedef struct sink {
    const tg_config *cfg;
    const tg_sink_opts *opts;
    tg_sink_stats st;
    tg_store *store;
    tg_fleet *f;
    char stream[96], lock[96];
    char token[160]; /* the lock's value: our id and a nonce of this run */
    char lease_ms[24];
    double lease_s;
    sid last; /* fleet.sink.last_id of the store */
    enum phase phase;
    char cursor[48];     /* CLAIM / PENDING position */
    double renew_at;     /* next lock renewal (monotonic) */
    bool waiting_logged; /* "another sink holds the lock" said */
    bool replay_logged;  /* "skipped new entries at or below last_id" said */
} sink;

/* ---- stream ids ----------------------------------------------------------- */

static bool sid_parse(const char *s, size_t n, sid *out)
{
    char buf[48];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    if (buf[0] < '0' || buf[0] > '9')
        return false;
    out->ms = strtoull(buf, &end, 10);
    if (*end != '-' || end[1] < '0' || end[1] > '9')
        return false;
    out->seq = strtoull(end + 1, &end, 10);
    return *end == 0;
}

static int sid_cmp(sid a, sid b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    return a.seq < b.seq ? -1 : a.seq > b.seq;
}

/* ---- Redis helpers ---------------------------------------------------------- */

/* A command; NULL when Redis is down (the caller pauses). An error reply is
 * logged and freed (NULL too) unless keep_err. */
static redisReply *cmd(sink *s, bool keep_err, int argc, const char **argv, const size_t *lens)
{
    s->st.calls++;
    redisReply *r = tg_fleet__cmd(s->f, argc, argv, lens);
    if (r && r->type == REDIS_REPLY_ERROR && !keep_err) {
        tg_error("sink", "redis: %s: %s", argv[0], r->str);
        freeReplyObject(r);
        r = NULL;
    }
    return r;
}

/* Create the group (and stream) when it is missing (Redis lost its data). */
static int make_group(sink *s)
{
    const char *av[] = {"XGROUP", "CREATE", s->stream, "sink", "0", "MKSTREAM"};
    redisReply *r = cmd(s, true, 6, av, NULL);
    if (!r)
        return TG_ENET;
    freeReplyObject(r); /* BUSYGROUP: it exists */
    return TG_OK;
}

/* ---- the store side ----------------------------------------------------------- */

typedef struct apply_ctx {
    tg_result *list;
    int64_t now;
    sid last;
} apply_ctx;

static int apply_fn(tg_store_txn *t, void *ctx)
{
    apply_ctx *a = ctx;
    int rc = tg_crawl__apply(t, a->list, a->now, false);
    if (rc)
        return rc;
    /* last_id only grows, whoever writes (a sink that lost its lock may
     * still commit one late batch) */
    const void *v;
    size_t vl;
    sid cur;
    if (tg_store_meta_get(tg_store_txn_reader(t), LAST_ID_KEY, &v, &vl) == TG_OK &&
        sid_parse(v, vl, &cur) && sid_cmp(cur, a->last) >= 0)
        return TG_OK;
    char buf[48];
    int n = snprintf(buf, sizeof buf, "%llu-%llu", (unsigned long long)a->last.ms,
                     (unsigned long long)a->last.seq);
    return tg_store_meta_put(t, LAST_ID_KEY, buf, (size_t)n);
}

static int load_last(sink *s)
{
    tg_store_read *r;
    int rc = tg_store_read_begin(s->store, &r);
    if (rc)
        return rc;
    const void *v;
    size_t vl;
    s->last = (sid){0, 0};
    if (tg_store_meta_get(r, LAST_ID_KEY, &v, &vl) == TG_OK && !sid_parse(v, vl, &s->last)) {
        tg_error("sink", "meta %s is not a stream id", LAST_ID_KEY);
        rc = TG_EDATA;
    }
    tg_store_read_end(&r);
    return rc;
}

/* A data error: the store refuses the batch because of what is in it (a
 * record without its key, a key over LMDB's limit), and always will. */
static bool refused(int rc)
{
    return rc == TG_EDATA || rc == TG_EINVAL || rc == TG_ETOOBIG;
}

/* Apply a batch (results in list order, rids their stream ids, top the batch's
 * last id) in one transaction. A batch the store refuses would be refused
 * again at every restart and wedge the sink, so then each result is applied
 * alone and those refused are dropped (logged, counted as bad). */
static int commit(sink *s, tg_result *head, const sid *rids, sid top, size_t *napplied)
{
    apply_ctx a = {.list = head, .now = tg_now(), .last = top};
    int rc = tg_store_write(s->store, apply_fn, &a);
    if (!refused(rc))
        return rc;
    tg_warn("sink", "the store refused a batch (%s): applying its results one by one",
            tg_strerror(rc));
    size_t i = 0;
    for (tg_result *r = head; r; r = r->next, i++) {
        tg_result *nx = r->next;
        r->next = NULL;
        a.list = r;
        a.last = rids[i];
        rc = tg_store_write(s->store, apply_fn, &a);
        r->next = nx;
        if (refused(rc)) {
            tg_error("sink", "entry %llu-%llu refused by the store (%s): dropped",
                     (unsigned long long)rids[i].ms, (unsigned long long)rids[i].seq,
                     tg_strerror(rc));
            s->st.bad++;
            (*napplied)--;
        } else if (rc) {
            return rc;
        }
    }
    return TG_OK;
}

/* ---- the lock ---------------------------------------------------------------- */

/* TG_OK with *held, or TG_ENET. */
static int lock(sink *s, bool *held)
{
    const char *av[] = {"EVAL", LUA_LOCK, "1", s->lock, s->token, s->lease_ms};
    redisReply *r = cmd(s, false, 6, av, NULL);
    if (!r)
        return TG_ENET;
    *held = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    if (*held)
        s->renew_at = tg_mono() + s->lease_s / 3;
    return TG_OK;
}

/* ---- a batch --------------------------------------------------------------- */

/* Apply the entries of an XREADGROUP / XRANGE-like reply (an array of
 * [id, [field, value, ...] or nil]), then acknowledge and delete them. */
static int apply_entries(sink *s, const redisReply *ents, sid *last_seen)
{
    int rc = TG_OK;
    size_t n = ents->elements;
    if (!n)
        return TG_OK;
    /* EVAL LUA_ACKDEL 1 stream id... */
    const char **av = tg_calloc(n + 4, sizeof *av);
    size_t *al = tg_calloc(n + 4, sizeof *al);
    sid *rids = tg_calloc(n, sizeof *rids); /* the stream id of each result */
    tg_result *head = NULL, **tail = &head;
    sid top = s->last;
    size_t napply = 0;
    double t_decode = tg_mono(), t_commit = 0;
    if (!av || !al || !rids) {
        rc = TG_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const redisReply *e = ents->element[i];
        sid id;
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING ||
            !sid_parse(e->element[0]->str, e->element[0]->len, &id)) {
            tg_error("sink", "unexpected stream entry shape; stopping");
            rc = TG_EINTERNAL;
            goto out;
        }
        av[4 + i] = e->element[0]->str;
        al[4 + i] = e->element[0]->len;
        *last_seen = id;
        s->st.entries++;
        const redisReply *fv = e->element[1];
        if (fv->type != REDIS_REPLY_ARRAY)
            continue; /* deleted from the stream while pending: nothing to apply */
        if (sid_cmp(id, s->last) <= 0) {
            s->st.skipped++;
            if (s->phase == P_NEW && !s->replay_logged) {
                tg_warn("sink",
                        "new entry %s at or below %s: already applied (Redis lost acks, or "
                        "its clock went back), skipped",
                        e->element[0]->str, LAST_ID_KEY);
                s->replay_logged = true;
            }
            continue;
        }
        const redisReply *val = NULL;
        for (size_t j = 0; j + 1 < fv->elements; j += 2)
            if (fv->element[j]->type == REDIS_REPLY_STRING && fv->element[j]->len == 1 &&
                fv->element[j]->str[0] == 'r')
                val = fv->element[j + 1];
        tg_result *res = NULL;
        int drc = val && val->type == REDIS_REPLY_STRING
                      ? tg_result__decode(val->str, val->len, &res)
                      : TG_EDATA;
        if (drc == TG_ENOMEM) {
            rc = drc;
            goto out;
        }
        if (drc) {
            tg_error("sink", "entry %s does not decode as a result: dropped", e->element[0]->str);
            s->st.bad++;
        } else {
            *tail = res;
            tail = &res->next;
            rids[napply++] = id;
        }
        top = id;
    }
    t_decode = tg_mono() - t_decode;
    if (napply) {
        /* Still ours? A sink that lost the lock must not write. Renewed less
         * than lease/3 ago, it is ours for 2/3 of a lease more: no round trip
         * then (a sink stopped longer than that between here and the commit,
         * e.g. SIGSTOP, can still write once: harmless, the writes are
         * idempotent by key). */
        bool held = true;
        if (tg_mono() >= s->renew_at)
            rc = lock(s, &held);
        if (rc)
            goto out;
        if (!held) {
            tg_warn("sink", "lost %s to another sink: batch left to it", s->lock);
            s->phase = P_LOCK;
            goto out;
        }
        double t0 = tg_mono();
        size_t napplied = napply;
        rc = commit(s, head, rids, top, &napplied);
        t_commit = tg_mono() - t0;
        if (rc) {
            tg_error("sink", "store write failed: %s", tg_strerror(rc));
            goto out;
        }
        s->last = top;
        s->st.applied += napplied;
        s->st.commits++;
        if (s->opts && s->opts->after_commit)
            s->opts->after_commit(s->opts->ud, s->st.commits);
    }
    av[0] = "EVAL";
    av[1] = LUA_ACKDEL;
    av[2] = "1";
    av[3] = s->stream;
    for (int i = 0; i < 4; i++)
        al[i] = strlen(av[i]);
    double t1 = tg_mono();
    redisReply *r = cmd(s, false, (int)n + 4, av, al);
    if (r)
        freeReplyObject(r);
    else
        rc = TG_ENET;
    tg_debug("sink", "batch: %zu entries, %zu applied; decode %.3fs, commit %.3fs, ack %.3fs", n,
             napply, t_decode, t_commit, tg_mono() - t1);
out:
    while (head) {
        tg_result *nx = head->next;
        tg_result__free(head);
        head = nx;
    }
    tg_free(av);
    tg_free(al);
    tg_free(rids);
    return rc;
}

/* ---- the phases ------------------------------------------------------------- */

/* A step's "nothing to do now, try again in a second" (TG_E* codes are < 0). */
#define STEP_WAIT 1

static int step_lock(sink *s)
{
    bool held = false;
    int rc = lock(s, &held);
    if (rc)
        return rc;
    if (!held) {
        if (!s->waiting_logged)
            tg_warn("sink", "another sink holds %s: waiting for it to stop or lapse", s->lock);
        s->waiting_logged = true;
        return STEP_WAIT;
    }
    if (s->waiting_logged)
        tg_info("sink", "took %s", s->lock);
    s->waiting_logged = false;
    rc = make_group(s);
    if (rc)
        return rc;
    s->phase = P_CLAIM;
    snprintf(s->cursor, sizeof s->cursor, "0-0");
    return TG_OK;
}

/* Consumers other than us with nothing pending are sinks that are gone. */
static int forget_consumers(sink *s)
{
    const char *av[] = {"XINFO", "CONSUMERS", s->stream, "sink"};
    redisReply *r = cmd(s, false, 4, av, NULL);
    if (!r)
        return TG_ENET;
    int rc = TG_OK;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements && !rc; i++) {
        const redisReply *c = r->element[i];
        const char *name = NULL;
        long long pending = -1;
        for (size_t j = 0; c->type == REDIS_REPLY_ARRAY && j + 1 < c->elements; j += 2) {
            const redisReply *k = c->element[j], *v = c->element[j + 1];
            if (k->type != REDIS_REPLY_STRING)
                continue;
            if (strcmp(k->str, "name") == 0 && v->type == REDIS_REPLY_STRING)
                name = v->str;
            else if (strcmp(k->str, "pending") == 0 && v->type == REDIS_REPLY_INTEGER)
                pending = v->integer;
        }
        if (!name || pending != 0 || strcmp(name, tg_fleet__id(s->f)) == 0)
            continue;
        const char *dv[] = {"XGROUP", "DELCONSUMER", s->stream, "sink", name};
        redisReply *d = cmd(s, false, 5, dv, NULL);
        if (d)
            freeReplyObject(d);
        else
            rc = TG_ENET;
    }
    freeReplyObject(r);
    return rc;
}

/* XAUTOCLAIM the group's pending entries to us, a page at a time. */
static int step_claim(sink *s)
{
    const char *av[] = {"XAUTOCLAIM", s->stream, "sink",  tg_fleet__id(s->f), "0", s->cursor,
                        "COUNT",      BATCH,     "JUSTID"};
    redisReply *r = cmd(s, false, 9, av, NULL);
    if (!r)
        return TG_ENET;
    int rc = TG_OK;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[0]->len >= sizeof s->cursor) {
        tg_error("sink", "unexpected XAUTOCLAIM reply");
        rc = TG_EINTERNAL;
        goto out;
    }
    if (r->element[1]->type == REDIS_REPLY_ARRAY && r->element[1]->elements)
        tg_info("sink", "claimed %zu pending entries", r->element[1]->elements);
    snprintf(s->cursor, sizeof s->cursor, "%s", r->element[0]->str);
    if (strcmp(s->cursor, "0-0") == 0) {
        rc = forget_consumers(s);
        s->phase = P_PENDING;
        snprintf(s->cursor, sizeof s->cursor, "0");
    }
out:
    freeReplyObject(r);
    return rc;
}

/* One XREADGROUP (pending replay from the cursor, or new entries). */
static int step_read(sink *s)
{
    bool pend = s->phase == P_PENDING;
    const char *av[] = {"XREADGROUP", "GROUP",  "sink",    tg_fleet__id(s->f), "COUNT", BATCH,
                        "BLOCK",      BLOCK_MS, "STREAMS", s->stream,          ">"};
    int ac = 11;
    if (pend) { /* no BLOCK: pending entries are there or not */
        av[6] = "STREAMS";
        av[7] = s->stream;
        av[8] = s->cursor;
        ac = 9;
    }
    redisReply *r = cmd(s, true, ac, av, NULL);
    if (!r)
        return TG_ENET;
    int rc = TG_OK;
    if (r->type == REDIS_REPLY_ERROR) {
        if (strncmp(r->str, "NOGROUP", 7) == 0) { /* Redis lost the stream: start over */
            tg_warn("sink", "%s has no group \"sink\" (Redis lost its data?): recreating it",
                    s->stream);
            s->phase = P_LOCK;
        } else {
            tg_error("sink", "redis: XREADGROUP: %s", r->str);
            rc = TG_ENET;
        }
        goto out;
    }
    const redisReply *ents = NULL;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 2)
        ents = r->element[0]->element[1];
    if (!ents || ents->type != REDIS_REPLY_ARRAY || ents->elements == 0) {
        if (pend)
            s->phase = P_NEW; /* replay done */
        goto out;             /* (BLOCK timed out: nil) */
    }
    sid seen = {0, 0};
    rc = apply_entries(s, ents, &seen);
    if (!rc && pend)
        snprintf(s->cursor, sizeof s->cursor, "%llu-%llu", (unsigned long long)seen.ms,
                 (unsigned long long)seen.seq);
out:
    freeReplyObject(r);
    return rc;
}

static int step(sink *s)
{
    if (s->phase != P_LOCK && tg_mono() >= s->renew_at) {
        bool held = false;
        int rc = lock(s, &held);
        if (rc)
            return rc;
        if (!held) {
            tg_warn("sink", "lost %s to another sink", s->lock);
            s->phase = P_LOCK;
        }
    }
    switch (s->phase) {
    case P_LOCK:
        return step_lock(s);
    case P_CLAIM:
        return step_claim(s);
    default:
        return step_read(s);
    }
}

/* Sleep up to secs, waking early on SIGINT/SIGTERM or the deadline. */
static void pause_for(double secs, double deadline)
{
    double until = tg_mono() + secs;
    while (!tg_cli_stop && tg_mono() < until && (!deadline || tg_mono() < deadline)) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int tg_sink_run(const tg_config *cfg, const tg_sink_opts *opts, tg_sink_stats *stats)
{
    sink s;
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    s.opts = opts;
    int rc = tg_fleet__open(&s.f, cfg);
    if (rc)
        goto out;
    snprintf(s.stream, sizeof s.stream, "%s:results", tg_fleet__ns(s.f));
    snprintf(s.lock, sizeof s.lock, "%s:sink:lock", tg_fleet__ns(s.f));
    /* A nonce keeps two sinks apart even when a shared config gives them
     * the same [fleet] worker_id. */
    const char *id = tg_fleet__id(s.f);
    uint64_t seed[4] = {tg_hash64(id, strlen(id)), (uint64_t)tg_now(), (uint64_t)(tg_mono() * 1e9),
                        (uint64_t)getpid()};
    snprintf(s.token, sizeof s.token, "%s#%016llx", id,
             (unsigned long long)tg_hash64(seed, sizeof seed));
    s.lease_s = cfg->fleet_lease_s > 0 ? cfg->fleet_lease_s : 60;
    snprintf(s.lease_ms, sizeof s.lease_ms, "%ld", (long)(s.lease_s * 1000));
    rc = tg_store_open_ex(&s.store, cfg->store_path, TG_STORE_CREATE, cfg->map_size_mb);
    if (rc) {
        tg_error("sink", "cannot open the store %s: %s", cfg->store_path, tg_strerror(rc));
        goto out;
    }
    rc = load_last(&s);
    if (rc)
        goto out;
    tg_info("sink", "sink %s: %s -> %s (last applied id %llu-%llu)", tg_fleet__id(s.f), s.stream,
            cfg->store_path, (unsigned long long)s.last.ms, (unsigned long long)s.last.seq);
    double deadline = opts && opts->duration_s > 0 ? tg_mono() + opts->duration_s : 0;
    double backoff = 0;
    bool down = false;
    while (!tg_cli_stop && (!deadline || tg_mono() < deadline)) {
        rc = step(&s);
        if (rc == TG_ENET) {
            /* Redis is down or refused: start over at LOCK, which replays what
             * was not acknowledged */
            if (!down)
                tg_warn("sink", "redis unreachable: pausing (1 s doubling to 30 s)");
            down = true;
            s.phase = P_LOCK;
            backoff = backoff ? backoff * 2 : PAUSE_MIN;
            if (backoff > PAUSE_MAX)
                backoff = PAUSE_MAX;
            pause_for(backoff, deadline);
            continue;
        }
        if (rc < 0)
            break;
        if (down)
            tg_info("sink", "redis reachable again: continuing");
        down = false;
        backoff = 0;
        if (rc == STEP_WAIT)
            pause_for(1, deadline);
    }
    rc = rc < 0 && rc != TG_ENET ? rc : TG_OK;
    tg_info("sink",
            "stopped: %llu entries, %llu results applied in %llu commits, %llu skipped, %llu "
            "bad, %llu redis calls",
            (unsigned long long)s.st.entries, (unsigned long long)s.st.applied,
            (unsigned long long)s.st.commits, (unsigned long long)s.st.skipped,
            (unsigned long long)s.st.bad, (unsigned long long)s.st.calls);
out:
    if (stats)
        *stats = s.st;
    tg_store_close(&s.store);
    tg_fleet__close(&s.f);
    return rc;
}
