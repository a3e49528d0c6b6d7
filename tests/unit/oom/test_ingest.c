/*
 * Allocation-failure loop over ingest: open a store, ingest a small products
 * CSV and an orders CSV (good and bad rows, two rows per write transaction)
 * with the Nth allocation failing, for N = 1, 2, ... until a pass completes.
 * One store is used for every pass (ingest is idempotent), so partial
 * commits of failed passes must add up to the clean result.
 *
 * Each failed pass must return TG_ENOMEM (not a crash, not a silent skip);
 * after it the store opens, and every entry in it is one the clean run
 * stores (batches are all-or-nothing). A pass that returns TG_OK must report
 * exactly the clean run's counts. At the end the store equals a store
 * ingested once without failures. LeakSanitizer (SANITIZE build) checks
 * that no pass leaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oom/oom.h"
#include "store/ingest.h"

static const char products[] = "product_id,name,category,price,hashtags,resale_query,launch_date\n"
                               "P-CUP,\"Quencher, 40oz\",drinkware,45.00,#StanleyCup;Cup,stanley "
                               "quencher,2023-09-01\n"
                               "P-BAG,Belt bag,bags,38,#beltbag,lulu belt bag,2024-01-15\n"
                               "P-BAD,no price,x,,,,\n";

static const char orders[] = "order_id,customer_id,product_id,purchase_time,price_paid,"
                             "customer_age,zip\n"
                             "O-1,cust-alice,P-CUP,2026-03-14T10:22:00Z,19.50,34,02139\n"
                             "O-2,cust-bob,P-BAG,2026-03-14,20,,10001\n"
                             "O-3,cust-carol,P-CUP,not-a-time,3,,\n"
                             "O-4,cust-dave,P-NOPE,2026-03-15,4,30,10001\n"
                             "O-5,cust-erin,P-CUP,2026-03-16,4.5,41,\n"
                             "O-6,cust-alice,P-BAG,2026-03-17 08:00,38,34,02139\n"
                             "O-7,cust-frank\n"
                             "O-8,\"cust-gina\",P-CUP,2026-03-18,1e2,52,94110\n";

static const uint8_t pepper[] = "a test pepper, not a secret";

typedef struct {
    tg_ingest_summary prod, ord;
} counts;

static int ingest_text(tg_store *s, tg_ingest_kind kind, const char *csv, tg_ingest_summary *sum)
{
    FILE *in = fmemopen((void *)csv, strlen(csv), "r");
    FILE *report = fopen("/dev/null", "w");
    int rc = TG_EIO;
    if (in && report) {
        tg_ingest_opts o = {"mem.csv", report, 0, 2, pepper, sizeof pepper - 1, 0};
        memset(sum, 0, sizeof *sum);
        rc = tg_store_ingest(s, kind, in, &o, sum);
    }
    if (in)
        fclose(in);
    if (report)
        fclose(report);
    return rc;
}

/* One pass: open (create) the store and ingest both files. */
static int run(const char *path, counts *c)
{
    tg_store *s = NULL;
    int rc = tg_store_open(&s, path, TG_STORE_CREATE);
    if (rc == TG_OK)
        rc = ingest_text(s, TG_INGEST_PRODUCTS, products, &c->prod);
    if (rc == TG_OK)
        rc = ingest_text(s, TG_INGEST_ORDERS, orders, &c->ord);
    tg_store_close(&s);
    return rc;
}

/* Is every line of part also a line of whole? */
static int lines_subset(const char *part, const char *whole)
{
    for (const char *p = part; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        int found = 0;
        for (const char *w = whole; w && *w && !found;) {
            const char *wn = strchr(w, '\n');
            size_t m = wn ? (size_t)(wn - w + 1) : strlen(w);
            found = m == n && memcmp(w, p, n) == 0;
            w += m;
        }
        if (!found && strncmp(p, "# ", 2) != 0)
            return 0;
        p += n;
    }
    return 1;
}

static void test_oom__ingest(void **state)
{
    (void)state;
    char dir[512], ref[600], path[600];
    assert_int_equal(oom_tmpdir(dir, sizeof dir), 0);
    snprintf(ref, sizeof ref, "%s/ref", dir);
    snprintf(path, sizeof path, "%s/oom", dir);

    counts clean;
    assert_int_equal(run(ref, &clean), TG_OK);
    assert_true(clean.ord.stored >= 4 && clean.ord.skipped >= 2); /* the CSV has both kinds */
    tg_buf want;
    assert_int_equal(oom_dump_store(ref, &want), TG_OK);

    long n, failed = 0;
    int rc = -1;
    for (n = 1; n < OOM_MAX_PASSES; n++) {
        counts c;
        tg_alloc_fail_at(n);
        rc = run(path, &c);
        long made = tg_alloc_count();
        tg_alloc_fail_at(0);
        if (rc != TG_OK) {
            /* the error says what happened; no other code stands for a failed allocation */
            if (rc != TG_ENOMEM)
                fail_msg("pass %ld: %s (%d), want TG_ENOMEM", n, tg_strerror(rc), rc);
            failed++;
        } else {
            /* completed: with the failure absorbed, nothing may have been dropped */
            assert_int_equal(c.ord.stored, clean.ord.stored);
            assert_int_equal(c.ord.skipped, clean.ord.skipped);
            assert_int_equal(c.prod.stored, clean.prod.stored);
        }
        if (access(path, F_OK) == 0) {
            tg_buf got;
            int drc = oom_dump_store(path, &got);
            /* a pass that failed inside tg_store_open may leave an empty directory
             * (no data.mdb yet); anything else must open */
            if (drc != TG_OK && drc != TG_ENOMEM && drc != TG_ENOTFOUND)
                fail_msg("pass %ld: store does not open: %s", n, tg_strerror(drc));
            if (drc == TG_OK && !lines_subset(got.data, want.data))
                fail_msg("pass %ld: the store holds an entry the clean run does not", n);
            tg_buf_free(&got);
        }
        if (made < n) /* nothing was failed: the operation completed */
            break;
    }
    assert_int_equal(rc, TG_OK);
    assert_true(failed > 10); /* the loop really failed allocations */
    print_message("ingest: %ld passes, %ld failed with TG_ENOMEM\n", n, failed);

    tg_buf got;
    assert_int_equal(oom_dump_store(path, &got), TG_OK);
    assert_string_equal(got.data, want.data);
    tg_buf_free(&got);
    tg_buf_free(&want);
    assert_int_equal(oom_rmrf(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom__ingest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
