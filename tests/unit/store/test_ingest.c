/* Ingest through the library: pseudonyms equal OpenSSL's HMAC() for short and
 * long (> block size) peppers; batches; --strict writes nothing; the meta pepper
 * is created once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/ingest.h"
#include "trendguard/error.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[256];

static int mkstore(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/tg-ingest-test-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    strcat(dir, "/s");
    return 0;
}

static int rmstore(void **st)
{
    (void)st;
    char cmd[300];
    *strrchr(dir, '/') = 0;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char orders[] = "order_id,customer_id,product_id,purchase_time,price_paid,"
                             "customer_age,zip\n"
                             "A,alice,P,2026-01-01,1,,\n"
                             "B,bob,P,2026-01-02,2,40,\n"
                             "C,alice,P,2026-01-03,3,41,\n";

static void ingest_with(tg_store *s, const uint8_t *pep, size_t plen, int strict, const char *csv,
                        tg_ingest_summary *sum, int want_rc)
{
    FILE *f = fmemopen((void *)csv, strlen(csv), "r");
    assert_non_null(f);
    tg_ingest_opts o = {"mem", NULL, strict, 2, pep, plen, 0};
    assert_int_equal(tg_store_ingest(s, TG_INGEST_ORDERS, f, &o, sum), want_rc);
    fclose(f);
}

static void check_pseudonyms(tg_store *s, const uint8_t *pep, size_t plen)
{
    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(s, &r), 0);
    tg_order a, c;
    assert_int_equal(tg_store_get_order(r, "A", &a), 0);
    assert_int_equal(tg_store_get_order(r, "C", &c), 0);
    uint8_t want[32];
    assert_int_equal(tg_store_pseudonym(pep, plen, "alice", 5, want), 0);
    assert_memory_equal(a.customer, want, 32);
    assert_memory_equal(c.customer, want, 32);
    tg_order b;
    assert_int_equal(tg_store_get_order(r, "B", &b), 0);
    assert_memory_not_equal(b.customer, want, 32);
    assert_int_equal(b.age, 40);
    assert_int_equal(a.age, -1);
    tg_store_read_end(&r);
}

static void test_ingest__pseudonyms_match_hmac(void **st)
{
    (void)st;
    tg_store *s;
    assert_int_equal(tg_store_open(&s, dir, TG_STORE_CREATE), 0);
    tg_ingest_summary sum;
    const uint8_t shortp[] = "pepper";
    ingest_with(s, shortp, 6, 0, orders, &sum, 0);
    assert_int_equal(sum.read, 3);
    assert_int_equal(sum.stored, 3);
    check_pseudonyms(s, shortp, 6);
    uint8_t longp[100];
    for (int i = 0; i < 100; i++)
        longp[i] = (uint8_t)(i * 37 + 1);
    ingest_with(s, longp, sizeof longp, 0, orders, &sum, 0);
    check_pseudonyms(s, longp, sizeof longp);
    tg_store_close(&s);
}

static void test_ingest__strict_writes_nothing(void **st)
{
    (void)st;
    tg_store *s;
    assert_int_equal(tg_store_open(&s, dir, TG_STORE_CREATE), 0);
    tg_ingest_summary sum;
    char bad[512];
    snprintf(bad, sizeof bad, "%sD,dan,P,yesterday,1,,\n", orders);
    ingest_with(s, (const uint8_t *)"p", 1, 1, bad, &sum, TG_EDATA);
    assert_int_equal(sum.stored, 0);
    assert_int_equal(sum.skipped, 1);
    assert_int_equal(sum.by_reason[TG_INGEST_R_bad_time], 1);
    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(s, &r), 0);
    tg_order o;
    assert_int_equal(tg_store_get_order(r, "A", &o), TG_ENOTFOUND);
    tg_store_read_end(&r);
    /* without --strict the good rows go in, in batches of 2 */
    ingest_with(s, (const uint8_t *)"p", 1, 0, bad, &sum, 0);
    assert_int_equal(sum.stored, 3);
    assert_int_equal(sum.skipped, 1);
    tg_store_close(&s);
}

static void test_ingest__meta_pepper_created_once(void **st)
{
    (void)st;
    tg_store *s;
    assert_int_equal(tg_store_open(&s, dir, TG_STORE_CREATE), 0);
    unsetenv("TG_UNIT_PEPPER");
    uint8_t *p1, *p2;
    size_t l1, l2;
    assert_int_equal(tg_store_ingest_pepper(s, "TG_UNIT_PEPPER", &p1, &l1), 0);
    assert_int_equal(tg_store_ingest_pepper(s, "TG_UNIT_PEPPER", &p2, &l2), 0);
    assert_int_equal(l1, 32);
    assert_int_equal(l2, 32);
    assert_memory_equal(p1, p2, 32);
    tg_free(p2);
    setenv("TG_UNIT_PEPPER", "from-env", 1);
    assert_int_equal(tg_store_ingest_pepper(s, "TG_UNIT_PEPPER", &p2, &l2), 0);
    assert_int_equal(l2, 8);
    assert_memory_equal(p2, "from-env", 8);
    unsetenv("TG_UNIT_PEPPER");
    tg_free(p1);
    tg_free(p2);
    tg_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ingest__pseudonyms_match_hmac, mkstore, rmstore),
        cmocka_unit_test_setup_teardown(test_ingest__strict_writes_nothing, mkstore, rmstore),
        cmocka_unit_test_setup_teardown(test_ingest__meta_pepper_created_once, mkstore, rmstore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
