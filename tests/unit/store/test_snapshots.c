/*
 * Batched snapshot writes (tg_store_put_snapshots): the same stored bytes as
 * one tg_store_put_snapshot per element in input order, for unsorted input,
 * repeated keys, negative times, keys below and above what is stored
 * (the MDB_APPEND path), and across map growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trendguard/error.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[256];

static int mkdirs(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/tg-snaps-test-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int rmdirs(void **st)
{
    (void)st;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static tg_store *open_store(const char *name, long map_mb)
{
    char p[300];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    tg_store *s = NULL;
    assert_int_equal(tg_store_open_ex(&s, p, TG_STORE_CREATE, map_mb), TG_OK);
    return s;
}

typedef struct {
    const tg_snapshot *v;
    size_t n;
    int single; /* 1: one tg_store_put_snapshot each */
} put_ctx;

static int put_fn(tg_store_txn *t, void *c)
{
    put_ctx *p = c;
    if (!p->single)
        return tg_store_put_snapshots(t, p->v, p->n);
    for (size_t i = 0; i < p->n; i++) {
        int rc = tg_store_put_snapshot(t, &p->v[i]);
        if (rc)
            return rc;
    }
    return TG_OK;
}

static int collect(const void *k, size_t kl, const void *v, size_t vl, void *c)
{
    tg_buf *b = c;
    unsigned char l[2] = {(unsigned char)kl, (unsigned char)vl};
    if (tg_buf_add(b, l, 2) || tg_buf_add(b, k, kl) || tg_buf_add(b, v, vl))
        return TG_ENOMEM;
    return 0;
}

/* Every stored snapshot entry, length-prefixed, in key order. */
static void dump(tg_store *s, tg_buf *out)
{
    tg_buf_init(out, 0);
    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(s, &r), TG_OK);
    assert_int_equal(tg_store_raw_iter(r, TG_DB_SNAPSHOTS, NULL, 0, collect, out), TG_OK);
    tg_store_read_end(&r);
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A batch: ids from a small set (so keys repeat), times around 0 and far apart. */
static void fill(tg_snapshot *v, size_t n, int64_t tbase)
{
    static const uint64_t ids[] = {1,         2, 255, 256, 65536, UINT64_C(7300000000000000001),
                                   UINT64_MAX};
    for (size_t i = 0; i < n; i++) {
        v[i].video_id = ids[next() % 7];
        v[i].t = tbase + (int64_t)(next() % 50) * 900 - 20 * 900;
        v[i].views = (int64_t)(next() % 1000000);
        v[i].likes = (int64_t)i; /* tells repeated keys apart */
        v[i].comments = -1;
        v[i].shares = (int64_t)(next() % 3) - 1;
    }
}

static void test_batch_equals_single_puts(void **st)
{
    (void)st;
    tg_store *a = open_store("a", 0), *b = open_store("b", 0);
    enum { N = 3000 };
    tg_snapshot *v = malloc(N * sizeof *v);
    assert_non_null(v);
    /* batch 1: an empty store (all appended); 2: overlapping times (inserts and
     * overwrites); 3: later times (appends after the last key mixed with inserts) */
    const int64_t bases[] = {0, 10 * 900, 1700000000};
    for (int k = 0; k < 3; k++) {
        fill(v, N, bases[k]);
        put_ctx pa = {v, N, 0}, pb = {v, N, 1};
        assert_int_equal(tg_store_write(a, put_fn, &pa), TG_OK);
        assert_int_equal(tg_store_write(b, put_fn, &pb), TG_OK);
        tg_buf da, db;
        dump(a, &da);
        dump(b, &db);
        assert_true(da.len > 0);
        assert_int_equal(da.len, db.len);
        assert_memory_equal(da.data, db.data, da.len);
        tg_buf_free(&da);
        tg_buf_free(&db);
    }
    free(v);
    tg_store_close(&a);
    tg_store_close(&b);
}

static int last_likes(const tg_snapshot *s, void *c)
{
    int64_t *out = c;
    if (s->t == 100)
        *out = s->likes;
    return 0;
}

static void test_repeated_key_last_wins(void **st)
{
    (void)st;
    tg_store *s = open_store("a", 0);
    /* sorted input with a repeat, then unsorted with a repeat */
    tg_snapshot sorted[] = {{9, 50, 1, 1, 1, 1}, {9, 100, 1, 2, 1, 1}, {9, 100, 1, 3, 1, 1}};
    tg_snapshot unsorted[] = {
        {9, 100, 1, 4, 1, 1}, {8, 5, 1, 0, 1, 1}, {9, 100, 1, 5, 1, 1}, {9, -7, 1, 0, 1, 1}};
    put_ctx p = {sorted, 3, 0};
    assert_int_equal(tg_store_write(s, put_fn, &p), TG_OK);
    tg_store_read *r;
    int64_t likes = 0;
    assert_int_equal(tg_store_read_begin(s, &r), TG_OK);
    assert_int_equal(tg_store_iter_snapshots(r, 9, last_likes, &likes), TG_OK);
    tg_store_read_end(&r);
    assert_int_equal(likes, 3);
    p = (put_ctx){unsorted, 4, 0};
    assert_int_equal(tg_store_write(s, put_fn, &p), TG_OK);
    assert_int_equal(tg_store_read_begin(s, &r), TG_OK);
    assert_int_equal(tg_store_iter_snapshots(r, 9, last_likes, &likes), TG_OK);
    tg_store_db_stat stats[TG_DB__COUNT];
    int n = tg_store_stats(r, stats, TG_DB__COUNT);
    tg_store_read_end(&r);
    assert_int_equal(likes, 5);
    assert_int_equal(n, TG_DB__COUNT);
    assert_int_equal(stats[TG_DB_SNAPSHOTS].entries, 4); /* 9/50 9/100 8/5 9/-7 */
    tg_store_close(&s);
}

static int bad_args_fn(tg_store_txn *t, void *c)
{
    (void)c;
    assert_int_equal(tg_store_put_snapshots(t, NULL, 0), TG_OK);
    assert_int_equal(tg_store_put_snapshots(t, NULL, 3), TG_EINVAL);
    tg_snapshot one = {1, 1, 1, 1, 1, 1};
    assert_int_equal(tg_store_put_snapshots(t, &one, TG_STORE_MAX_BATCH + 1), TG_EINVAL);
    return TG_OK;
}

static void test_bad_args(void **st)
{
    (void)st;
    tg_store *s = open_store("a", 0);
    assert_int_equal(tg_store_write(s, bad_args_fn, NULL), TG_OK);
    tg_store_close(&s);
}

static void test_map_growth(void **st)
{
    (void)st;
    tg_store *s = open_store("a", 1); /* 1 MiB: the batch needs several growths */
    enum { N = 200000 };
    tg_snapshot *v = malloc(N * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < N; i++) /* time-major: the batch must be sorted */
        v[i] = (tg_snapshot){1000 + i % 5000, (int64_t)(i / 5000) * 60, (int64_t)i, 0, 0, 0};
    put_ctx p = {v, N, 0};
    assert_int_equal(tg_store_write(s, put_fn, &p), TG_OK);
    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(s, &r), TG_OK);
    tg_store_db_stat stats[TG_DB__COUNT];
    assert_int_equal(tg_store_stats(r, stats, TG_DB__COUNT), TG_DB__COUNT);
    tg_store_read_end(&r);
    assert_int_equal(stats[TG_DB_SNAPSHOTS].entries, N);
    free(v);
    tg_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_equals_single_puts, mkdirs, rmdirs),
        cmocka_unit_test_setup_teardown(test_repeated_key_last_wins, mkdirs, rmdirs),
        cmocka_unit_test_setup_teardown(test_bad_args, mkdirs, rmdirs),
        cmocka_unit_test_setup_teardown(test_map_growth, mkdirs, rmdirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
