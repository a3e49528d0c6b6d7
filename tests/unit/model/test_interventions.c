/*
 * test_interventions.c - the interventions batch on a fixture store:
 * window, tiers, control rule, opt-outs by order id and by customer
 * pseudonym, idempotence, no double treatment across days; the Wilson
 * interval; reading a world's stated effect; the report's arms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trendguard/config.h"
#include "trendguard/error.h"
#include "trendguard/interventions.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 20500
#define NORD 400

typedef struct fx {
    char dir[64], path[96];
    tg_config cfg;
    tg_store *s;
} fx;

/* Orders spread over days DAY-3 .. DAY (two an hour), risk i/NORD, customer = i % 97. */
static int fill(tg_store_txn *t, void *ctx)
{
    fx *f = ctx;
    int rc = 0;
    for (int i = 0; i < NORD; i++) {
        char oid[16];
        snprintf(oid, sizeof oid, "O%04d", i);
        tg_order o = {oid, {0}, "P1", (int64_t)(DAY - 3) * 86400 + i * 900, 10, 30, "1"};
        char cust[16];
        snprintf(cust, sizeof cust, "C%03d", i % 97);
        tg_store_read *r = tg_store_txn_reader(t);
        rc |= tg_interventions_pseudonym(r, &f->cfg, cust, o.customer);
        rc |= tg_store_put_order(t, &o);
        tg_prediction p = {oid, (double)i / NORD, "none", "", 0, "m"};
        rc |= tg_store_put_prediction(t, &p);
        if (i % 3 == 0) {
            tg_return ret = {oid, o.purchase_time + 86400, ""};
            rc |= tg_store_put_return(t, &ret);
        }
    }
    return rc ? TG_ESTORE : TG_OK;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/tg-iv-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/store", f->dir);
    tg_config_defaults(&f->cfg);
    setenv("TG_IV_UNIT_PEPPER", "unit-pepper", 1);
    tg_free(f->cfg.pepper_env);
    f->cfg.pepper_env = tg_strdup("TG_IV_UNIT_PEPPER");
    f->cfg.tier_email_offer = 0.8;
    f->cfg.tier_sms = 0.6;
    f->cfg.control_share = 0.25;
    f->cfg.window_h = 48;
    assert_int_equal(tg_store_open(&f->s, f->path, TG_STORE_CREATE), TG_OK);
    assert_int_equal(tg_store_write(f->s, fill, f), TG_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tg_store_close(&f->s);
    tg_config_free(&f->cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

typedef struct collect {
    int n, control, email, sms, optout;
    int32_t min_day, max_day;
    char seen[NORD];
    int dup;
} collect;

static int on_iv(const tg_intervention *iv, void *ctx)
{
    collect *c = ctx;
    int i = atoi(iv->order_id + 1);
    if (c->seen[i])
        c->dup++;
    c->seen[i] = 1;
    c->n++;
    c->control += iv->control;
    c->email += strcmp(iv->action, "email_offer") == 0;
    c->sms += strcmp(iv->action, "sms_reminder") == 0;
    c->optout += strcmp(iv->action, "optout") == 0;
    if (!c->min_day || iv->day < c->min_day)
        c->min_day = iv->day;
    if (iv->day > c->max_day)
        c->max_day = iv->day;
    /* the tier follows the stored risk */
    double risk = (double)i / NORD;
    assert_true(fabs(iv->risk - risk) < 1e-9);
    if (strcmp(iv->action, "email_offer") == 0)
        assert_true(risk >= 0.8);
    if (strcmp(iv->action, "sms_reminder") == 0)
        assert_true(risk >= 0.6 && risk < 0.8);
    assert_true(risk >= 0.6);
    return 0;
}

static void scan(fx *f, collect *c)
{
    memset(c, 0, sizeof *c);
    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(f->s, &r), TG_OK);
    assert_true(tg_store_iter_interventions(r, on_iv, c) >= 0);
    tg_store_read_end(&r);
}

static void test_interventions__window_tiers_control(void **state)
{
    fx *f = *state;
    tg_interventions_opts o = {.day = DAY};
    tg_interventions_stats st;
    char err[256];
    assert_int_equal(tg_interventions_run(f->s, &f->cfg, &o, &st, err, sizeof err), TG_OK);
    /* the window is the 48 h before the end of DAY: days DAY-1 and DAY */
    int in_window = 0;
    for (int i = 0; i < NORD; i++) {
        int64_t t = (int64_t)(DAY - 3) * 86400 + i * 900;
        in_window += t >= (int64_t)(DAY - 1) * 86400 && t < (int64_t)(DAY + 1) * 86400;
    }
    assert_int_equal(st.window_orders, in_window);
    assert_int_equal(st.unscored, 0);
    collect c;
    scan(f, &c);
    assert_int_equal(c.n, st.written);
    assert_int_equal(c.n, st.email_offer + st.sms_reminder + st.control + st.optout);
    assert_int_equal(c.email, st.email_offer);
    assert_int_equal(c.control, st.control);
    assert_true(st.control > 0 && st.email_offer > 0 && st.sms_reminder > 0);
    /* roughly a quarter of the eligible orders are control */
    double share = (double)st.control / (double)c.n;
    assert_true(share > 0.05 && share < 0.5);

    /* twice: nothing changes */
    tg_interventions_stats st2;
    assert_int_equal(tg_interventions_run(f->s, &f->cfg, &o, &st2, err, sizeof err), TG_OK);
    assert_int_equal(st2.written, st.written);
    assert_int_equal(st2.control, st.control);
    collect c2;
    scan(f, &c2);
    assert_int_equal(c2.n, c.n);
    assert_int_equal(c2.dup, 0);

    /* the next day overlaps the window: orders decided on DAY are not decided again */
    o.day = DAY + 1;
    assert_int_equal(tg_interventions_run(f->s, &f->cfg, &o, &st2, err, sizeof err), TG_OK);
    assert_true(st2.already > 0);
    scan(f, &c2);
    assert_int_equal(c2.dup, 0);
}

static void test_interventions__optout(void **state)
{
    fx *f = *state;
    char op[128];
    snprintf(op, sizeof op, "%s/optout.txt", f->dir);
    FILE *fp = fopen(op, "w");
    assert_non_null(fp);
    /* an order id (O0300, risk 0.75) and a customer id (C011: orders with i % 97 == 11) */
    fprintf(fp, "# comment\nO0300\n\nC011\n");
    fclose(fp);
    tg_interventions_opts o = {.day = DAY, .optout_path = op};
    tg_interventions_stats st;
    char err[256];
    assert_int_equal(tg_interventions_run(f->s, &f->cfg, &o, &st, err, sizeof err), TG_OK);
    /* expected opt-outs: eligible in-window orders that are O0399 or of customer 11 */
    long want = 0;
    for (int i = 0; i < NORD; i++) {
        int64_t t = (int64_t)(DAY - 3) * 86400 + i * 900;
        bool in = t >= (int64_t)(DAY - 1) * 86400 && t < (int64_t)(DAY + 1) * 86400;
        if (in && (double)i / NORD >= 0.6 && (i == 300 || i % 97 == 11))
            want++;
    }
    assert_true(want >= 2);
    assert_int_equal(st.optout, want);
}

static void test_interventions__control_rule(void **state)
{
    (void)state;
    uint8_t p[32];
    int in = 0;
    for (int k = 0; k < 10000; k++) {
        for (int j = 0; j < 32; j++)
            p[j] = (uint8_t)(k * 31 + j * 7 + (k >> 3));
        bool a = tg_interventions_in_control(p, 0.2);
        assert_true(a == tg_interventions_in_control(p, 0.2)); /* deterministic */
        assert_false(tg_interventions_in_control(p, 0));
        if (a)
            assert_true(tg_interventions_in_control(p, 0.5)); /* monotone in the share */
        in += a;
    }
    assert_true(in > 1700 && in < 2300);
}

static void test_interventions__wilson(void **state)
{
    (void)state;
    double lo, hi;
    tg_interventions_wilson(50, 100, 1.96, &lo, &hi);
    assert_true(fabs(lo - 0.4038) < 1e-3 && fabs(hi - 0.5962) < 1e-3);
    tg_interventions_wilson(0, 20, 1.96, &lo, &hi);
    assert_true(lo == 0 && fabs(hi - 0.1611) < 1e-3);
    tg_interventions_wilson(0, 0, 1.96, &lo, &hi);
    assert_true(lo == 0 && hi == 1);
}

static void test_interventions__truth_effect(void **state)
{
    fx *f = *state;
    char p[128];
    double e[2];
    snprintf(p, sizeof p, "%s/s.json", f->dir);
    FILE *fp = fopen(p, "w");
    fprintf(fp, "{\"intervention_effect\":{\"email_offer\":-0.35,\"sms_reminder\":-0.2}}");
    fclose(fp);
    assert_int_equal(tg_interventions_truth_effect(p, e), TG_OK);
    assert_true(fabs(e[0] - 0.35) < 1e-12 && fabs(e[1] - 0.2) < 1e-12);
    fp = fopen(p, "w");
    fprintf(fp, "{\"intervention_effect\":0.1}");
    fclose(fp);
    assert_int_equal(tg_interventions_truth_effect(p, e), TG_OK);
    assert_true(fabs(e[1] - 0.1) < 1e-12);
    fp = fopen(p, "w");
    fprintf(fp, "{\"other\":1}");
    fclose(fp);
    assert_int_equal(tg_interventions_truth_effect(p, e), TG_ENOTFOUND);
    fp = fopen(p, "w");
    fprintf(fp, "{\"intervention_effect\":\"big\"}");
    fclose(fp);
    assert_int_equal(tg_interventions_truth_effect(p, e), TG_EDATA);
    snprintf(p, sizeof p, "%s/none.json", f->dir);
    assert_int_equal(tg_interventions_truth_effect(p, e), TG_ENOTFOUND);
}

static void test_interventions__report_on_store(void **state)
{
    fx *f = *state;
    tg_interventions_opts o = {.day = DAY};
    tg_interventions_stats st;
    char err[256];
    assert_int_equal(tg_interventions_run(f->s, &f->cfg, &o, &st, err, sizeof err), TG_OK);
    tg_interventions_report r;
    assert_int_equal(tg_interventions_report_build(f->s, &f->cfg, NULL, 1, &r, err, sizeof err),
                     TG_OK);
    const tg_interventions_arm *all = &r.arm[TG_IV_ARM_ALL];
    assert_int_equal(all->treated.n, st.email_offer + st.sms_reminder);
    assert_int_equal(all->control.n, st.control);
    assert_int_equal(r.arm[0].treated.n + r.arm[1].treated.n, all->treated.n);
    assert_int_equal(r.arm[0].control.n + r.arm[1].control.n, all->control.n);
    /* outcomes are the store's returns: every third order */
    collect c;
    scan(f, &c);
    long want = 0;
    for (int i = 0; i < NORD; i++)
        want += c.seen[i] && i % 3 == 0;
    assert_true(want > 0);
    assert_int_equal(all->treated.returned + all->control.returned, want);
    assert_true(all->treated.returned <= all->treated.n);
    assert_true(all->treated.lo <= all->treated.rate && all->treated.rate <= all->treated.hi);
    assert_true(fabs(r.offer_cost - (double)st.email_offer * f->cfg.offer_cost) < 1e-9);
    assert_false(r.simulated);
    assert_false(r.have_truth);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_interventions__window_tiers_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interventions__optout, setup, teardown),
        cmocka_unit_test(test_interventions__control_rule),
        cmocka_unit_test(test_interventions__wilson),
        cmocka_unit_test_setup_teardown(test_interventions__truth_effect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interventions__report_on_store, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
