/*
 * The fleet backend against a private redis-server (started here on a free
 * loopback port, killed at the end; exit 77 when redis-server is absent):
 * [fleet] redis URLs, LEASE order and tokens, fencing of a stale DONE,
 * renewal, RELEASE, put-absent and seen/max_pages of discovered items,
 * START's token bucket, slots and daily quota, the leader key, and the
 * frontier value codec the fleet shares with LMDB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crawler/crawl_int.h"
#include "trendguard/error.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t redis_pid;
static int redis_port;
static char redis_dir[64];

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    int p = -1;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &l) == 0)
        p = ntohs(a.sin_port);
    if (s >= 0)
        close(s);
    return p;
}

static redisContext *raw(void)
{
    struct timeval tv = {1, 0};
    return redisConnectWithTimeout("127.0.0.1", redis_port, tv);
}

static long long ll(const char *fmt, ...)
{
    redisContext *c = raw();
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    long long v = -1;
    if (r && r->type == REDIS_REPLY_INTEGER)
        v = r->integer;
    else if (r && r->type == REDIS_REPLY_STRING)
        v = atoll(r->str);
    if (r)
        freeReplyObject(r);
    redisFree(c);
    return v;
}

static bool start_redis(void)
{
    if (access("/usr/bin/redis-server", X_OK) != 0)
        return false;
    snprintf(redis_dir, sizeof redis_dir, "/tmp/tg_fleet_XXXXXX");
    if (!mkdtemp(redis_dir))
        return false;
    redis_port = free_port();
    char port[16];
    snprintf(port, sizeof port, "%d", redis_port);
    redis_pid = fork();
    if (redis_pid == 0) {
        freopen("/dev/null", "w", stdout);
        execl("/usr/bin/redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1",
              "--save", "", "--appendonly", "no", "--dir", redis_dir, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        redisContext *c = raw();
        bool up = c && !c->err;
        if (c)
            redisFree(c);
        if (up)
            return true;
        usleep(50000);
    }
    return false;
}

static void stop_redis(void)
{
    if (redis_pid > 0) {
        kill(redis_pid, SIGKILL);
        waitpid(redis_pid, NULL, 0);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", redis_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", redis_dir);
}

static tg_fleet *open_fleet(const char *ns, const char *id, double lease_s)
{
    tg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", redis_port);
    cfg.fleet_redis = url;
    cfg.fleet_namespace = (char *)ns;
    cfg.fleet_worker_id = (char *)id;
    cfg.fleet_lease_s = lease_s;
    cfg.backoff_cap_s = 60;
    tg_fleet *f = NULL;
    assert_int_equal(tg_fleet__open(&f, &cfg), TG_OK);
    return f;
}

/* Put items through a keyless DONE (the leader's seeding path). */
static void seed(tg_fleet *f, const char *const *keys, int n)
{
    tg_item none = {(char *)"", 0, 0, 0, (char *)""};
    tg_result *r = tg_result__new(&none);
    assert_non_null(r);
    r->fate = TG_FATE_NONE;
    tg_frontier__collect(r);
    for (int i = 0; i < n; i++) {
        tg_item it = {(char *)keys[i], 1000 + (uint64_t)i, 3, 0, (char *)"st"};
        bool added;
        assert_int_equal(tg_frontier__put_absent(NULL, &it, &added), TG_OK);
    }
    tg_frontier__collect(NULL);
    size_t sent;
    long stale = 0;
    assert_int_equal(tg_fleet__done(f, r, 10, false, &sent, &stale), TG_OK);
    assert_int_equal(sent, 1);
    tg_result__free(r);
}

typedef struct got {
    char keys[8][64];
    tg_item it[8];
    char state[8][32];
    int n;
} got;

static int take(const tg_item *it, void *ctx)
{
    got *g = ctx;
    snprintf(g->keys[g->n], sizeof g->keys[g->n], "%s", it->key);
    snprintf(g->state[g->n], sizeof g->state[g->n], "%s", it->state);
    g->it[g->n] = *it; /* it's strings live during the call only: point at the copies */
    g->it[g->n].key = g->keys[g->n];
    g->it[g->n].state = g->state[g->n];
    g->n++;
    return 0;
}

static void test_url(void **s)
{
    (void)s;
    static const char *const bad[] = {"http://x",     "redis://",          "redis://a:0/0",
                                      "redis://a:b",  "redis://u:p@h:1/0", "redis://h:1/99",
                                      "redis://h:1/x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tg_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.fleet_redis = (char *)bad[i];
        tg_fleet *f = NULL;
        assert_int_equal(tg_fleet__open(&f, &cfg), TG_ECONFIG);
        assert_null(f);
    }
    tg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.fleet_redis = (char *)"redis://h.example:6380/3";
    tg_fleet *f = NULL;
    assert_int_equal(tg_fleet__open(&f, &cfg), TG_OK);
    assert_string_equal(tg_fleet__ns(f), "tg");
    assert_non_null(strchr(tg_fleet__id(f), ':')); /* hostname:pid */
    tg_fleet__close(&f);
}

static void test_codec(void **s)
{
    (void)s;
    tg_item it = {(char *)"k", 5, 0x11, 515, (char *)"cursor=7"}, back;
    tg_buf b;
    tg_buf_init(&b, 0);
    assert_int_equal(tg_frontier__encode(&it, &b), TG_OK);
    assert_int_equal(b.len, 4 + strlen("cursor=7"));
    char buf[64];
    assert_int_equal(tg_frontier__decode(b.data, b.len, &back, buf, sizeof buf), TG_OK);
    assert_int_equal(back.kind, 0x11);
    assert_int_equal(back.attempts, 515);
    assert_string_equal(back.state, "cursor=7");
    assert_int_equal(tg_frontier__decode(b.data, b.len, &back, buf, 4), TG_ETOOBIG);
    b.data[0] = 9;
    assert_int_equal(tg_frontier__decode(b.data, b.len, &back, buf, sizeof buf), TG_EDATA);
    assert_int_equal(tg_frontier__decode(b.data, 3, &back, buf, sizeof buf), TG_EDATA);
    tg_buf_free(&b);
}

/* A late DONE of an item that was leased again is dropped by its token. */
static void test_fencing(void **s)
{
    (void)s;
    tg_fleet *a = open_fleet("f1", "a", 1), *b = open_fleet("f1", "b", 60);
    static const char *const keys[] = {"posh/P1", "posh/P2"};
    seed(a, keys, 2);
    seed(a, keys, 1); /* put-absent: no duplicate, no move */
    assert_int_equal(ll("ZCARD f1:fr:due"), 2);
    got g = {0};
    uint64_t next;
    long left;
    assert_int_equal(tg_fleet__lease(a, 1, false, NULL, 0, take, &g, &next, &left), TG_OK);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.keys[0], "posh/P1"); /* due order */
    assert_string_equal(g.state[0], "st");
    assert_int_equal(g.it[0].kind, 3);
    assert_int_equal(left, 2);
    assert_int_equal(tg_fleet__held(a), 1);
    usleep(1100 * 1000); /* a's lease (1 s) lapses */
    got h = {0};
    assert_int_equal(tg_fleet__lease(b, 5, false, NULL, 0, take, &h, &next, &left), TG_OK);
    assert_int_equal(h.n, 2); /* the lapsed item came back */
    /* a's late result: stale, dropped with everything it carried */
    tg_result *r = tg_result__new(&g.it[0]);
    r->fate = TG_FATE_DONE;
    tg_new_item ni;
    memset(&ni, 0, sizeof ni);
    ni.it = (tg_item){(char *)"posh/NEW", 1, 3, 0, (char *)""};
    assert_int_equal(TG_VEC_PUSH(r->items, ni), 0);
    size_t sent;
    long stale = 0;
    assert_int_equal(tg_fleet__done(a, r, 10, false, &sent, &stale), TG_OK);
    assert_int_equal(sent, 1);
    assert_int_equal(stale, 1);
    assert_int_equal(ll("HEXISTS f1:fr:item posh/P1"), 1);
    assert_int_equal(ll("HEXISTS f1:fr:item posh/NEW"), 0);
    assert_int_equal(ll("ZCARD f1:fr:lease"), 2);
    tg_result__free(r);
    /* b's result counts: the item is deleted, the discovered one added */
    r = tg_result__new(&h.it[0]);
    r->fate = TG_FATE_DONE;
    assert_int_equal(TG_VEC_PUSH(r->items, ni), 0);
    stale = 0;
    assert_int_equal(tg_fleet__done(b, r, 10, false, &sent, &stale), TG_OK);
    assert_int_equal(stale, 0);
    assert_int_equal(ll("HEXISTS f1:fr:item %s", h.keys[0]), 0);
    assert_int_equal(ll("ZSCORE f1:fr:due posh/NEW"), 1);
    assert_int_equal(ll("ZCARD f1:fr:lease"), 1);
    tg_result__free(r);
    /* give the other one back: due again at its old due time */
    tg_fleet__drop(b, h.keys[1]);
    assert_int_equal(tg_fleet__tick(b, false), TG_OK);
    assert_int_equal(ll("ZCARD f1:fr:lease"), 0);
    assert_int_equal(ll("ZSCORE f1:fr:due %s", h.keys[1]), (long long)h.it[1].due_ms);
    tg_fleet__close(&a);
    tg_fleet__close(&b);
}

/* A renewed lease outlives its first expiry; a NEXT fate moves the item. */
static void test_renew_next(void **s)
{
    (void)s;
    tg_fleet *a = open_fleet("f2", "a", 1);
    static const char *const keys[] = {"tiktok/x/1"};
    seed(a, keys, 1);
    got g = {0};
    uint64_t next;
    long left;
    assert_int_equal(tg_fleet__lease(a, 5, false, NULL, 0, take, &g, &next, &left), TG_OK);
    long long e0 = ll("ZSCORE f2:fr:lease tiktok/x/1");
    usleep(600 * 1000);
    assert_int_equal(tg_fleet__tick(a, true), TG_OK);
    long long e1 = ll("ZSCORE f2:fr:lease tiktok/x/1");
    assert_true(e1 >= e0 + 500);
    usleep(600 * 1000); /* past the first expiry, within the renewed one */
    tg_fleet *b = open_fleet("f2", "b", 1);
    got h = {0};
    assert_int_equal(tg_fleet__lease(b, 5, false, NULL, 0, take, &h, &next, &left), TG_OK);
    assert_int_equal(h.n, 0);
    tg_result *r = tg_result__new(&g.it[0]);
    tg_result__next(r, "cursor=2", 99, false);
    size_t sent;
    long stale = 0;
    assert_int_equal(tg_fleet__done(a, r, 10, true, &sent, &stale), TG_OK);
    assert_int_equal(stale, 0);
    assert_int_equal(ll("ZSCORE f2:fr:due tiktok/x/1"), 99);
    assert_int_equal(ll("SISMEMBER f2:fr:round tiktok/x/1"), 0);
    tg_result__free(r);
    /* --once: with the item in NS:fr:round, the round is done */
    got k = {0};
    assert_int_equal(tg_fleet__lease(b, 5, true, NULL, 0, take, &k, &next, &left), TG_OK);
    assert_int_equal(k.n, 1);
    r = tg_result__new(&k.it[0]);
    tg_result__next(r, "", 99, true);
    assert_int_equal(tg_fleet__done(b, r, 10, true, &sent, &stale), TG_OK);
    tg_result__free(r);
    got m = {0};
    assert_int_equal(tg_fleet__lease(b, 5, true, NULL, 0, take, &m, &next, &left), TG_OK);
    assert_int_equal(m.n, 0);
    assert_int_equal(left, 0);
    /* a paused source's prefix is skipped */
    assert_int_equal(
        tg_fleet__lease(b, 5, false, (const char *const[]){"tiktok/"}, 1, take, &m, &next, &left),
        TG_OK);
    assert_int_equal(m.n, 0);
    tg_fleet__close(&a);
    tg_fleet__close(&b);
}

/* Discovered items: seen keys once, max_pages per site. */
static void test_seen(void **s)
{
    (void)s;
    tg_fleet *a = open_fleet("f3", "a", 30);
    tg_item none = {(char *)"", 0, 0, 0, (char *)""};
    tg_result *r = tg_result__new(&none);
    r->fate = TG_FATE_NONE;
    static const char *const urls[] = {"site/s/a", "site/s/b", "site/s/a", "site/s/c"};
    for (int i = 0; i < 4; i++) {
        tg_new_item ni = {{(char *)urls[i], 1, 5, 0, (char *)""}, urls[i], "s", 2};
        assert_int_equal(TG_VEC_PUSH(r->items, ni), 0);
    }
    size_t sent;
    long stale = 0;
    assert_int_equal(tg_fleet__done(a, r, 10, false, &sent, &stale), TG_OK);
    tg_result__free(r);
    assert_int_equal(ll("HLEN f3:fr:item"), 2); /* a, b; a again is seen; c over max_pages */
    assert_int_equal(ll("HGET f3:site:pages s"), 2);
    assert_int_equal(ll("SCARD f3:seen"), 2);
    tg_fleet__close(&a);
}

/* START: token bucket, concurrency slots (freed by an ended fetch riding on
 * the next START), the daily quota, backoff after a 429; the leader key. */
static void test_start(void **s)
{
    (void)s;
    tg_fleet *a = open_fleet("f4", "a", 30), *b = open_fleet("f4", "b", 30);
    const char *h = "http://h:1";
    double w;
    assert_int_equal(tg_fleet__start(a, h, 1, 100, 2, NULL, 0, &w), TG_OK);
    assert_true(w == 0);
    assert_int_equal(tg_fleet__start(b, h, 1, 100, 2, NULL, 0, &w), TG_OK);
    assert_true(w > 0); /* one token to start with: the next one in 10 ms */
    usleep(20000);
    assert_int_equal(tg_fleet__start(b, h, 2, 100, 2, NULL, 0, &w), TG_OK);
    assert_true(w == 0);
    usleep(20000);
    assert_int_equal(tg_fleet__start(b, h, 3, 100, 2, NULL, 0, &w), TG_OK);
    assert_true(w > 0 && w <= 0.05); /* both slots taken */
    tg_fleet__fetch_end(b, h, 2, 200, -1);
    assert_int_equal(tg_fleet__start(b, h, 4, 100, 2, NULL, 0, &w), TG_OK);
    assert_true(w == 0); /* its own ended fetch freed a slot first */
    /* quota: two per day fleet-wide */
    assert_int_equal(tg_fleet__start(a, "http://q:1", 1, 1000, 9, "tiktok:9", 2, &w), TG_OK);
    usleep(5000);
    assert_int_equal(tg_fleet__start(b, "http://q:1", 1, 1000, 9, "tiktok:9", 2, &w), TG_OK);
    usleep(5000);
    assert_int_equal(tg_fleet__start(a, "http://q:1", 2, 1000, 9, "tiktok:9", 2, &w), TG_EQUOTA);
    assert_int_equal(ll("GET f4:quota:tiktok:9"), 2);
    assert_true(ll("TTL f4:quota:tiktok:9") > 86400);
    /* a 429 with Retry-After: 5 s of backoff for everyone */
    tg_fleet__fetch_end(a, h, 1, 429, 5);
    size_t sent;
    long stale;
    assert_int_equal(tg_fleet__done(a, NULL, 10, false, &sent, &stale), TG_OK);
    assert_int_equal(tg_fleet__start(b, h, 5, 100, 9, NULL, 0, &w), TG_OK);
    assert_true(w > 4 && w <= 5);
    /* leader: one at a time */
    assert_int_equal(tg_fleet__leader(a), 2);
    assert_int_equal(tg_fleet__leader(b), 0);
    assert_int_equal(tg_fleet__leader(a), 1);
    assert_int_equal(ll("DEL f4:leader"), 1); /* lost (a Redis without its data) */
    assert_int_equal(tg_fleet__leader(a), 2);
    tg_fleet__close(&a);
    tg_fleet__close(&b);
}

/* Redis away: calls fail fast with TG_ENET (no hang), come back after. */
static void test_down(void **s)
{
    (void)s;
    tg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", free_port());
    cfg.fleet_redis = url;
    cfg.fleet_lease_s = 5;
    tg_fleet *f = NULL;
    assert_int_equal(tg_fleet__open(&f, &cfg), TG_OK);
    got g = {0};
    uint64_t next;
    long left;
    assert_int_equal(tg_fleet__lease(f, 1, false, NULL, 0, take, &g, &next, &left), TG_ENET);
    double w;
    assert_int_equal(tg_fleet__start(f, "http://h:1", 1, 1, 1, NULL, 0, &w), TG_ENET);
    assert_false(tg_fleet__up(f));
    tg_fleet__close(&f);
}

int main(void)
{
    const struct CMUnitTest offline[] = {
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_codec),
        cmocka_unit_test(test_down),
    };
    int rc = cmocka_run_group_tests(offline, NULL, NULL);
    if (!start_redis()) {
        printf("skip: redis-server absent or not starting (the Redis tests)\n");
        stop_redis();
        return rc ? rc : 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fencing),
        cmocka_unit_test(test_renew_next),
        cmocka_unit_test(test_seen),
        cmocka_unit_test(test_start),
    };
    rc |= cmocka_run_group_tests(tests, NULL, NULL);
    stop_redis();
    return rc;
}
