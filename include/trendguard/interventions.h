/*
 * interventions.h - the nightly interventions batch and its report.
 *
 * A run for day D looks at the purchases made in the last `[interventions]
 * window_h` hours before the end of D (UTC), takes each order's regret risk
 * (a stored prediction, else the optional scores table, else the optional
 * scorer callback), and decides an action:
 *
 *     risk >= email_offer_at  ->  "email_offer"  (email plus an offer)
 *     risk >= sms_at          ->  "sms_reminder"
 *     otherwise               ->  nothing is written
 *
 * Before acting, an eligible order whose customer (or order id) is on the
 * opt-out list gets "optout", and one whose pseudonymous customer hashes
 * below control_share gets "control" (left untreated, so the report can
 * compare). The choice depends only on the 32-byte pseudonym, so a customer
 * is always in the same group. Orders already decided on an earlier day are
 * skipped, and records are keyed (order_id, day), so running twice for a day
 * changes nothing.
 *
 * The report compares the return (regret) rate of treated orders with that
 * of the control orders of the same tier: Wilson 95% intervals per group, a
 * normal-approx interval for the difference, and the relative effect
 * 1 - rate_t/rate_c with a log-ratio interval. Outcomes are the store's returns, or - on a
 * simulated world - draws from truth/regret.csv's p_true with the world's
 * stated intervention effect applied to treated orders (deterministic
 * per order id and seed).
 */
#ifndef TRENDGUARD_INTERVENTIONS_H
#define TRENDGUARD_INTERVENTIONS_H

#include "trendguard/config.h"
#include "trendguard/store.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Optional scorer: fill *risk for an order; TG_ENOTFOUND when it cannot. */
typedef int (*tg_interventions_scorer)(void *ctx, tg_store_read *r, const tg_order *o,
                                       double *risk);

typedef struct tg_interventions_opts {
    int32_t day;             /* the run's day (days since epoch) */
    const char *scores_path; /* CSV with order_id and risk (or p_true) columns, or NULL */
    const char *optout_path; /* overrides [interventions] optout_file when set */
    tg_interventions_scorer scorer;
    void *scorer_ctx;
    FILE *csv; /* CRM file: header + one row per decision; may be NULL */
} tg_interventions_opts;

typedef struct tg_interventions_stats {
    long window_orders; /* purchases inside the window */
    long unscored;      /* no risk available */
    long below;         /* risk under sms_at */
    long already;       /* decided on an earlier day */
    long email_offer, sms_reminder, control, optout;
    long written; /* records put (re-puts included) */
} tg_interventions_stats;

/*
 * Run the batch for opts->day and write the decisions to the store (one
 * write transaction). Returns TG_OK, TG_EIO (opt-out or scores file),
 * TG_EDATA (bad scores file) or a store error; err gets a message.
 */
int tg_interventions_run(tg_store *s, const tg_config *cfg, const tg_interventions_opts *opts,
                         tg_interventions_stats *st, char *err, size_t errlen);

/* The day of the latest purchase in the store (the default run day). TG_ENOTFOUND. */
int tg_interventions_last_day(tg_store *s, int32_t *day);

/* The control-group rule: true when the pseudonym's hash falls below share. */
bool tg_interventions_in_control(const uint8_t customer[32], double share);

/*
 * The customer pseudonym used by ingest: HMAC-SHA256(pepper, customer_id).
 * The pepper is the environment variable named by [privacy] pepper_env, else
 * the store's meta "pepper". TG_ENOTFOUND when neither exists.
 */
int tg_interventions_pseudonym(tg_store_read *r, const tg_config *cfg, const char *customer_id,
                               uint8_t out[32]);

typedef struct tg_interventions_group {
    long n, returned;
    double rate, lo, hi; /* Wilson 95% */
} tg_interventions_group;

/*
 * One comparison: treated orders of an action versus the control orders of
 * the same tier (control records keep their risk, so a control order with
 * risk >= email_offer_at is the email arm's control).
 */
typedef struct tg_interventions_arm {
    const char *action; /* "email_offer", "sms_reminder", "all" */
    tg_interventions_group treated, control;
    double diff, diff_lo, diff_hi;       /* rate_c - rate_t, 95% normal approx */
    double effect, effect_lo, effect_hi; /* 1 - rate_t/rate_c, 95% log-ratio; NAN if no data */
    double returns_avoided;              /* diff * treated.n (0 without data) */
    bool have_truth;
    double truth_effect; /* the world's relative reduction of p for this action */
    bool truth_in_ci;
} tg_interventions_arm;

#define TG_IV_ARM_EMAIL 0
#define TG_IV_ARM_SMS 1
#define TG_IV_ARM_ALL 2

typedef struct tg_interventions_report {
    tg_interventions_arm arm[3]; /* email_offer, sms_reminder, all together */
    long email_offers, sms_reminders, controls, optouts;
    double returns_avoided; /* email arm + sms arm */
    double offer_cost;      /* email_offers * [interventions] offer_cost */
    double net;             /* returns_avoided * return_cost - offer_cost */
    bool simulated;         /* outcomes drawn from a world's truth */
    bool have_truth;
    bool truth_in_ci; /* every arm with data in both groups contains its truth */
} tg_interventions_report;

/*
 * Build the report over every stored intervention. world_dir (may be NULL)
 * switches to simulated outcomes from world_dir/truth/; seed picks the draws.
 */
int tg_interventions_report_build(tg_store *s, const tg_config *cfg, const char *world_dir,
                                  uint64_t seed, tg_interventions_report *out, char *err,
                                  size_t errlen);

/* Wilson score interval for k successes in n trials at z (1.96 for 95%). */
void tg_interventions_wilson(long k, long n, double z, double *lo, double *hi);

/*
 * Read a world's stated intervention effects from truth/summary.json:
 * "intervention_effect": {"email_offer": -0.35, "sms_reminder": -0.2} (the
 * relative change of a treated order's regret probability; one number
 * applies to both). effect[0] (email) and effect[1] (sms) receive the
 * reduction as a positive share (0.35). TG_ENOTFOUND, TG_EDATA.
 */
int tg_interventions_truth_effect(const char *summary_json_path, double effect[2]);

#endif
