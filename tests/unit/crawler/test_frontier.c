/* The LMDB frontier: due order, moves, put_absent, deletion, counts; quotas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crawler/crawl_int.h"
#include "trendguard/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[256];
static tg_store *st;

static int setup(void **s)
{
    (void)s;
    snprintf(dir, sizeof dir, "/tmp/tg_frontier_XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(tg_store_open(&st, dir, TG_STORE_CREATE), TG_OK);
    return 0;
}

static int teardown(void **s)
{
    (void)s;
    tg_store_close(&st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

struct puts {
    tg_item items[8];
    int n;
};

static int put_all(tg_store_txn *t, void *ctx)
{
    struct puts *p = ctx;
    for (int i = 0; i < p->n; i++) {
        int rc = tg_frontier__put(t, &p->items[i]);
        if (rc)
            return rc;
    }
    return 0;
}

struct seen {
    char keys[16][64];
    uint64_t due[16];
    char state[16][64];
    int n;
};

static int collect(const tg_item *it, void *ctx)
{
    struct seen *s = ctx;
    if (s->n < 16) {
        snprintf(s->keys[s->n], 64, "%s", it->key);
        snprintf(s->state[s->n], 64, "%s", it->state);
        s->due[s->n] = it->due_ms;
        s->n++;
    }
    return 0;
}

static void scan_all(struct seen *s, uint64_t until)
{
    memset(s, 0, sizeof *s);
    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(st, &r), TG_OK);
    assert_int_equal(tg_frontier__scan(r, until, collect, s), TG_OK);
    tg_store_read_end(&r);
}

static void test_frontier__due_order_and_move(void **s)
{
    (void)s;
    struct puts p = {{{(char *)"b/2", 2000, 1, 0, (char *)"s2"},
                      {(char *)"a/1", 3000, 1, 0, (char *)"s1"},
                      {(char *)"c/3", 1000, 1, 3, (char *)""}},
                     3};
    assert_int_equal(tg_store_write(st, put_all, &p), TG_OK);
    struct seen sn;
    scan_all(&sn, UINT64_MAX);
    assert_int_equal(sn.n, 3);
    assert_string_equal(sn.keys[0], "c/3"); /* due order, not key order */
    assert_string_equal(sn.keys[1], "b/2");
    assert_string_equal(sn.keys[2], "a/1");
    scan_all(&sn, 2000);
    assert_int_equal(sn.n, 2); /* until is inclusive */

    /* moving an item keeps exactly one entry for its key */
    struct puts m = {{{(char *)"c/3", 5000, 1, 4, (char *)"next"}}, 1};
    assert_int_equal(tg_store_write(st, put_all, &m), TG_OK);
    scan_all(&sn, UINT64_MAX);
    assert_int_equal(sn.n, 3);
    assert_string_equal(sn.keys[2], "c/3");
    assert_string_equal(sn.state[2], "next");
    assert_int_equal(sn.due[2], 5000);
}

static int del_b(tg_store_txn *t, void *ctx)
{
    (void)ctx;
    int rc = tg_frontier__del(t, "b/2");
    if (rc)
        return rc;
    return tg_frontier__del(t, "never/there"); /* deleting the absent is fine */
}

static int absent(tg_store_txn *t, void *ctx)
{
    bool *added = ctx;
    tg_item it = {(char *)"a/1", 1, 1, 0, (char *)"other"};
    int rc = tg_frontier__put_absent(t, &it, &added[0]);
    tg_item it2 = {(char *)"d/4", 1, 1, 0, (char *)""};
    if (!rc)
        rc = tg_frontier__put_absent(t, &it2, &added[1]);
    return rc;
}

static void test_frontier__put_absent_and_del(void **s)
{
    (void)s;
    bool added[2] = {true, false};
    assert_int_equal(tg_store_write(st, absent, added), TG_OK);
    assert_false(added[0]);
    assert_true(added[1]);
    assert_int_equal(tg_store_write(st, del_b, NULL), TG_OK);
    struct seen sn;
    scan_all(&sn, UINT64_MAX);
    assert_int_equal(sn.n, 3); /* a/1, c/3, d/4 */
    for (int i = 0; i < sn.n; i++)
        assert_string_not_equal(sn.keys[i], "b/2");
    assert_string_equal(sn.keys[0], "d/4");
    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(st, &r), TG_OK);
    assert_true(tg_frontier__has(r, "a/1"));
    assert_false(tg_frontier__has(r, "b/2"));
    size_t due, total;
    assert_int_equal(tg_frontier__count(r, 3000, NULL, &due, &total), TG_OK);
    assert_int_equal(total, 3);
    assert_int_equal(due, 2);
    assert_int_equal(tg_frontier__count(r, 3000, "c/", &due, &total), TG_OK);
    assert_int_equal(total, 1);
    assert_int_equal(due, 0);
    tg_store_read_end(&r);
}

static int save_q(tg_store_txn *t, void *ctx)
{
    tg_quota *q = ctx;
    return tg_quota__save(t, q->source, q->day, q->used);
}

static void test_quota__budget_reserve_and_reset(void **s)
{
    (void)s;
    int64_t t0 = 86400 * 20000 + 3600; /* 01:00 UTC */
    tg_quota q;
    tg_quota__init(&q, "tiktok", 10, 2);
    for (int i = 0; i < 8; i++) {
        assert_true(tg_quota__can(&q, t0));
        tg_quota__spend(&q, t0);
    }
    assert_false(tg_quota__can(&q, t0)); /* the reserve is kept back */
    assert_int_equal(tg_quota__left(&q), 0);
    assert_int_equal(tg_quota__until_reset(t0), 86400 - 3600);
    assert_int_equal(tg_store_write(st, save_q, &q), TG_OK);

    /* persisted: a new process sees the same count the same day ... */
    tg_quota q2;
    tg_quota__init(&q2, "tiktok", 10, 2);
    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(st, &r), TG_OK);
    assert_int_equal(tg_quota__load(&q2, r, t0 + 60), TG_OK);
    assert_int_equal(q2.used, 8);
    assert_false(tg_quota__can(&q2, t0 + 60));
    /* ... and a fresh budget after 00:00 UTC */
    tg_quota q3;
    tg_quota__init(&q3, "tiktok", 10, 2);
    assert_int_equal(tg_quota__load(&q3, r, t0 + 86400), TG_OK);
    assert_int_equal(q3.used, 0);
    tg_store_read_end(&r);
    assert_true(tg_quota__can(&q2, t0 + 86400 - 3600)); /* rolls over in memory too */
    assert_int_equal(q2.used, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frontier__due_order_and_move),
        cmocka_unit_test(test_frontier__put_absent_and_del),
        cmocka_unit_test(test_quota__budget_reserve_and_reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
