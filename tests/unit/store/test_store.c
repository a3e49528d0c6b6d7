/* The LMDB store: open/create, typed puts and gets, range iteration, map growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trendguard/error.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static int mkstore(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/tg-store-test-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    strcat(dir, "/s.lmdb");
    return 0;
}

static int rmstore(void **st)
{
    (void)st;
    char cmd[300];
    char *slash = strrchr(dir, '/');
    *slash = 0;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ctx: int, 1 on the first write (the video is new then). */
static int put_days(tg_store_txn *t, void *ctx)
{
    int first = *(int *)ctx;
    for (int d = 0; d < 10; d++) {
        tg_hashtag_day hd = {"stanleycup", 19700 + d, d, 1, 1, 1000 * d, 0, 0, 0, 0.1, NAN};
        int rc = tg_store_put_hashtag_day(t, &hd);
        if (rc)
            return rc;
    }
    tg_hashtag_day other = {"stanleycupx", 19703, 1, 1, 1, 5, 0, 0, 0, 0, NAN};
    int rc = tg_store_put_hashtag_day(t, &other);
    for (int i = 0; rc == 0 && i < 5; i++) {
        tg_snapshot s = {42, 1700000000 + i * 60, i * 10, i, -1, 0};
        rc = tg_store_put_snapshot(t, &s);
    }
    tg_product p = {"P-1", "Cup", "drinkware", 45, "stanleycup", "stanley cup", 0};
    if (rc == 0)
        rc = tg_store_put_product(t, &p);
    for (int i = 0; rc == 0 && i < 6; i++) {
        char lid[16];
        snprintf(lid, sizeof lid, "L%d", i);
        tg_price_obs po = {"P-1",  1700000000 + i * 86400, TG_SRC_EBAY, lid,
                           40 - i, TG_LISTING_ACTIVE};
        rc = tg_store_put_price_obs(t, &po);
    }
    tg_prediction pr = {"O-1", 0.7, "sms_reminder", "a;b", 1700000000, "m1"};
    if (rc == 0)
        rc = tg_store_put_prediction(t, &pr);
    if (rc == 0)
        rc = tg_store_put_zip(t, "02139", 90000);
    tg_video v = {99, "bob", "d", "stanleycup;cup", "US", 1, 2};
    bool is_new = false;
    if (rc == 0)
        rc = tg_store_put_video(t, &v, &is_new);
    if (rc == 0 && is_new != (first == 1))
        return TG_EINTERNAL;
    if (rc == 0)
        rc = tg_store_put_video(t, &v, &is_new);
    if (rc == 0 && is_new)
        return TG_EINTERNAL;
    return rc;
}

typedef struct {
    int n;
    int64_t sum;
    int64_t last;
} acc;

static int day_cb(const tg_hashtag_day *d, void *c)
{
    acc *a = c;
    assert_string_equal(d->hashtag, "stanleycup");
    assert_true(d->day > a->last);
    a->last = d->day;
    a->n++;
    a->sum += d->views;
    return 0;
}

static int snap_cb(const tg_snapshot *s, void *c)
{
    acc *a = c;
    assert_true(s->video_id == 42);
    assert_true(s->t > a->last);
    a->last = s->t;
    a->n++;
    return 0;
}

static int price_cb(const tg_price_obs *p, void *c)
{
    acc *a = c;
    a->n++;
    a->sum += (int64_t)p->price;
    return a->n == 3 ? 7 : 0; /* stop after 3 */
}

static void test_store__write_and_read(void **st)
{
    (void)st;
    tg_store *s = NULL;
    assert_int_equal(tg_store_open(&s, dir, TG_STORE_RDONLY), TG_ENOTFOUND);
    assert_int_equal(tg_store_open(&s, dir, TG_STORE_CREATE), 0);
    int first = 1;
    assert_int_equal(tg_store_write(s, put_days, &first), 0);
    first = 0;

    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(s, &r), 0);
    acc a = {0, 0, INT64_MIN};
    assert_int_equal(tg_store_iter_hashtag_days(r, "stanleycup", 19702, 19705, day_cb, &a), 0);
    assert_int_equal(a.n, 4);
    assert_int_equal(a.sum, 1000 * (2 + 3 + 4 + 5));
    a = (acc){0, 0, INT64_MIN};
    assert_int_equal(tg_store_iter_hashtag_days(r, "stanleycup", 0, INT32_MAX, day_cb, &a), 0);
    assert_int_equal(a.n, 10);
    a = (acc){0, 0, INT64_MIN};
    assert_int_equal(tg_store_iter_snapshots(r, 42, snap_cb, &a), 0);
    assert_int_equal(a.n, 5);
    a = (acc){0, 0, INT64_MIN};
    assert_int_equal(tg_store_iter_snapshots(r, 43, snap_cb, &a), 0);
    assert_int_equal(a.n, 0);
    a = (acc){0, 0, 0};
    assert_int_equal(tg_store_iter_prices(r, "P-1", 1700000000 + 86400, INT64_MAX, price_cb, &a),
                     7);
    assert_int_equal(a.n, 3);
    assert_int_equal(a.sum, 39 + 38 + 37);
    a = (acc){0, 0, 0};
    assert_int_equal(tg_store_iter_prices(r, "P-1", 0, 1700000000 + 86400, price_cb, &a), 0);
    assert_int_equal(a.n, 2);

    tg_product p;
    assert_int_equal(tg_store_get_product(r, "P-1", &p), 0);
    assert_string_equal(p.name, "Cup");
    assert_int_equal(tg_store_get_product(r, "P-2", &p), TG_ENOTFOUND);
    tg_prediction pr;
    assert_int_equal(tg_store_get_prediction(r, "O-1", &pr), 0);
    assert_string_equal(pr.tier, "sms_reminder");
    double inc = 0;
    assert_int_equal(tg_store_get_zip_income(r, "02139", &inc), 0);
    assert_true(inc == 90000);
    tg_video v;
    assert_int_equal(tg_store_get_video(r, 99, &v), 0);
    assert_string_equal(v.username, "bob");
    /* video_tags index holds both hashtags */
    int n = 0;
    const void *val;
    size_t vl;
    unsigned char key[20] = "cup";
    memset(key + 4, 0, 8);
    key[11] = 99;
    assert_int_equal(tg_store_raw_get(r, TG_DB_VIDEO_TAGS, key, 12, &val, &vl), 0);
    (void)n;
    assert_int_equal(tg_store_meta_get(r, "schema_version", &val, &vl), 0);
    assert_int_equal(vl, 1);
    assert_memory_equal(val, "1", 1);
    assert_int_equal(tg_store_meta_get(r, "last_write", &val, &vl), 0);
    assert_int_equal(vl, 20);

    tg_store_db_stat stats[TG_DB__COUNT];
    assert_int_equal(tg_store_stats(r, stats, TG_DB__COUNT), TG_DB__COUNT);
    assert_string_equal(stats[TG_DB_HASHTAG_DAYS].name, "hashtag_days");
    assert_int_equal(stats[TG_DB_HASHTAG_DAYS].entries, 11);
    assert_int_equal(stats[TG_DB_SNAPSHOTS].entries, 5);
    tg_store_read_end(&r);
    assert_null(r);

    /* idempotent: writing again leaves counts unchanged */
    assert_int_equal(tg_store_write(s, put_days, &first), 0);
    assert_int_equal(tg_store_read_begin(s, &r), 0);
    assert_int_equal(tg_store_stats(r, stats, TG_DB__COUNT), TG_DB__COUNT);
    assert_int_equal(stats[TG_DB_HASHTAG_DAYS].entries, 11);
    assert_int_equal(stats[TG_DB_PRICES].entries, 6);
    tg_store_read_end(&r);
    tg_store_close(&s);
    assert_null(s);

    /* read-only open sees the data and refuses writes */
    assert_int_equal(tg_store_open(&s, dir, TG_STORE_RDONLY), 0);
    assert_int_equal(tg_store_write(s, put_days, &first), TG_EINVAL);
    assert_int_equal(tg_store_read_begin(s, &r), 0);
    assert_int_equal(tg_store_get_product(r, "P-1", &p), 0);
    tg_store_read_end(&r);
    tg_store_close(&s);
}

static int put_many(tg_store_txn *t, void *ctx)
{
    int *calls = ctx;
    (*calls)++;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    for (int i = 0; i < 3000; i++) {
        char id[32];
        snprintf(id, sizeof id, "P-%06d", i);
        tg_product p = {id, big, "c", i, "", "", 0};
        int rc = tg_store_put_product(t, &p);
        if (rc)
            return rc;
    }
    return 0;
}

static void test_store__map_full_grows(void **st)
{
    (void)st;
    tg_store *s = NULL;
    /* 1 MiB map; 3000 x 2 KB needs about 6+ MiB */
    assert_int_equal(tg_store_open_ex(&s, dir, TG_STORE_CREATE, 1), 0);
    int calls = 0;
    assert_int_equal(tg_store_write(s, put_many, &calls), 0);
    assert_true(calls > 1); /* it was retried after growing */
    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(s, &r), 0);
    tg_product p;
    assert_int_equal(tg_store_get_product(r, "P-002999", &p), 0);
    assert_true(p.price == 2999);
    tg_store_read_end(&r);
    tg_store_close(&s);
}

static int fail_fn(tg_store_txn *t, void *ctx)
{
    (void)ctx;
    tg_product p = {"ghost", "g", "", 1, "", "", 0};
    int rc = tg_store_put_product(t, &p);
    return rc ? rc : TG_EDATA;
}

static void test_store__fn_error_aborts(void **st)
{
    (void)st;
    tg_store *s = NULL;
    assert_int_equal(tg_store_open(&s, dir, TG_STORE_CREATE), 0);
    assert_int_equal(tg_store_write(s, fail_fn, NULL), TG_EDATA);
    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(s, &r), 0);
    tg_product p;
    assert_int_equal(tg_store_get_product(r, "ghost", &p), TG_ENOTFOUND);
    tg_store_read_end(&r);
    tg_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store__write_and_read, mkstore, rmstore),
        cmocka_unit_test_setup_teardown(test_store__map_full_grows, mkstore, rmstore),
        cmocka_unit_test_setup_teardown(test_store__fn_error_aborts, mkstore, rmstore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
