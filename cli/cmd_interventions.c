/* trendguard interventions run|report - the nightly batch and its measured effect. */
#include "cli.h"

#include "trendguard/error.h"
#include "trendguard/interventions.h"
#include "trendguard/store.h"
#include "trendguard/util.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: trendguard interventions run -c FILE [--date D | --from D --to D] [--scores CSV]\n"
    "                                    [--optout FILE] [--out CSV]\n"
    "       trendguard interventions report -c FILE [--world DIR | --truth FILE] [--seed N]\n"
    "                                       [--format csv|json]\n"
    "\n"
    "run     decide day D's interventions (default: the latest purchase day) for the\n"
    "        purchases of the last [interventions] window_h hours: risk >=\n"
    "        email_offer_at -> email_offer, >= sms_at -> sms_reminder; opt-outs honoured; a "
    "control group\n"
    "        (control_share, by pseudonymous customer) left untreated. Decisions go to\n"
    "        the store and, as CSV for the CRM, to --out (default stdout). Risk comes\n"
    "        from stored predictions, else --scores (CSV with order_id and risk or\n"
    "        p_true). Running twice for a day changes nothing. --from/--to run each day\n"
    "        of a range in turn.\n"
    "report  return rates of treated vs control orders per arm (email_offer,\n"
    "        sms_reminder, all) with Wilson 95% intervals, the difference and the\n"
    "        relative effect with 95% intervals, returns avoided, offer cost and net\n"
    "        effect (the totals on stderr for csv). --world DIR (or --truth\n"
    "        DIR/truth/summary.json) draws outcomes from the simulated world's p_true\n"
    "        with its stated intervention_effect applied to treated orders (seeded by\n"
    "        --seed, default 1) and says whether each truth lies inside its interval.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   configuration (or $TRENDGUARD_CONFIG)\n"
    "      --date D        the run's day, YYYY-MM-DD (default: the day of the latest\n"
    "                      purchase in the store)\n"
    "      --from D --to D run every day from D to D inclusive\n"
    "      --scores CSV    risk per order when the store has no prediction\n"
    "      --optout FILE   opt-out list (customer or order ids, one a line);\n"
    "                      default [interventions] optout_file\n"
    "  -o, --out FILE      CSV for the CRM (run) / report output\n"
    "      --format F      report: csv (default) or json\n"
    "  -h, --help          this help\n";

static int parse_day(const char *s, int32_t *day)
{
    int64_t t;
    if (tg_time_parse(s, &t) != TG_OK)
        return -1;
    *day = tg_day_of(t);
    return 0;
}

static int do_run(const tg_config *cfg, int32_t from, int32_t to, const char *scores,
                  const char *optout, const char *outp)
{
    tg_store *s = NULL;
    int ex = 0;
    FILE *csv = NULL;
    int rc = tg_store_open_ex(&s, cfg->store_path, 0, cfg->map_size_mb);
    if (rc)
        return tg_cli_fail("interventions", rc, "%s: cannot open the store: %s", cfg->store_path,
                           tg_strerror(rc));
    if (from == INT32_MIN) {
        if ((rc = tg_interventions_last_day(s, &from))) {
            ex = tg_cli_fail("interventions", rc, "no orders in the store: nothing to do (%s)",
                             tg_strerror(rc));
            goto out;
        }
        to = from;
    }
    if (!(csv = tg_cli_open_out("interventions", outp))) {
        ex = TG_EX_CANTCREAT;
        goto out;
    }
    for (int32_t d = from; d <= to; d++) {
        tg_interventions_opts o = {.day = d, .scores_path = scores, .optout_path = optout};
        tg_interventions_stats st;
        char err[512] = "";
        /* One CSV header: rows of later days follow the first day's header. */
        FILE *tmp = tmpfile();
        if (!tmp) {
            ex = tg_cli_fail("interventions", TG_EIO, "cannot create a temporary file");
            goto out;
        }
        o.csv = tmp;
        rc = tg_interventions_run(s, cfg, &o, &st, err, sizeof err);
        if (rc) {
            fclose(tmp);
            ex = tg_cli_fail("interventions", rc, "%s", err[0] ? err : tg_strerror(rc));
            goto out;
        }
        rewind(tmp);
        char line[1024];
        bool first = true;
        while (fgets(line, sizeof line, tmp)) {
            if (first && d != from) {
                first = false;
                continue;
            }
            first = false;
            fputs(line, csv);
        }
        fclose(tmp);
        char ds[16];
        tg_date_format((int64_t)d * 86400, ds, sizeof ds);
        fprintf(stderr,
                "interventions %s: %ld orders in window, %ld email_offer, %ld sms_reminder, "
                "%ld control, %ld optout, %ld below threshold, %ld unscored, %ld decided "
                "earlier\n",
                ds, st.window_orders, st.email_offer, st.sms_reminder, st.control, st.optout,
                st.below, st.unscored, st.already);
    }
out:
    if (csv) {
        int cx = tg_cli_close_out("interventions", csv);
        if (!ex)
            ex = cx;
    }
    tg_store_close(&s);
    return ex;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *group_json(const tg_interventions_group *g)
{
    return json_pack("{s:I,s:I,s:o,s:o,s:o}", "n", (json_int_t)g->n, "returned",
                     (json_int_t)g->returned, "rate", num(g->rate), "ci_low", num(g->lo), "ci_high",
                     num(g->hi));
}

static json_t *arm_json(const tg_interventions_arm *a)
{
    json_t *o = json_pack("{s:s,s:o,s:o,s:{s:o,s:o,s:o},s:{s:o,s:o,s:o},s:o}", "action", a->action,
                          "treated", group_json(&a->treated), "control", group_json(&a->control),
                          "difference", "value", num(a->diff), "ci_low", num(a->diff_lo), "ci_high",
                          num(a->diff_hi), "relative_effect", "value", num(a->effect), "ci_low",
                          num(a->effect_lo), "ci_high", num(a->effect_hi), "returns_avoided",
                          num(a->returns_avoided));
    if (o && a->have_truth) {
        json_object_set_new(o, "truth_effect", json_real(a->truth_effect));
        json_object_set_new(o, "truth_in_ci", json_boolean(a->truth_in_ci));
    }
    return o;
}

static void arm_csv(FILE *f, const tg_interventions_report *r, const tg_interventions_arm *a)
{
    fprintf(f,
            "%s,%s,%ld,%ld,%.6f,%.6f,%.6f,%ld,%ld,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,"
            "%.6f,%.2f,",
            r->simulated ? "simulated" : "store_returns", a->action, a->treated.n,
            a->treated.returned, a->treated.rate, a->treated.lo, a->treated.hi, a->control.n,
            a->control.returned, a->control.rate, a->control.lo, a->control.hi, a->diff, a->diff_lo,
            a->diff_hi, a->effect, a->effect_lo, a->effect_hi, a->returns_avoided);
    if (a->have_truth)
        fprintf(f, "%.6f,%s\n", a->truth_effect, a->truth_in_ci ? "true" : "false");
    else
        fprintf(f, ",\n");
}

static int do_report(const tg_config *cfg, const char *world, uint64_t seed, tg_fmt fmt,
                     const char *outp)
{
    tg_store *s = NULL;
    tg_interventions_report r;
    char err[512] = "";
    int ex = 0;
    int rc = tg_store_open(&s, cfg->store_path, TG_STORE_RDONLY);
    if (rc)
        return tg_cli_fail("interventions", rc, "%s: cannot open the store: %s", cfg->store_path,
                           tg_strerror(rc));
    rc = tg_interventions_report_build(s, cfg, world, seed, &r, err, sizeof err);
    tg_store_close(&s);
    if (rc)
        return tg_cli_fail("interventions", rc, "%s", err[0] ? err : tg_strerror(rc));
    FILE *f = tg_cli_open_out("interventions", outp);
    if (!f)
        return TG_EX_CANTCREAT;
    if (fmt == TG_FMT_JSON || fmt == TG_FMT_JSONL) {
        json_t *o = json_pack(
            "{s:s,s:[o,o,o],s:I,s:I,s:I,s:I,s:o,s:o,s:o}", "outcomes",
            r.simulated ? "simulated" : "store_returns", "arms", arm_json(&r.arm[0]),
            arm_json(&r.arm[1]), arm_json(&r.arm[2]), "email_offers", (json_int_t)r.email_offers,
            "sms_reminders", (json_int_t)r.sms_reminders, "controls", (json_int_t)r.controls,
            "optouts", (json_int_t)r.optouts, "returns_avoided", num(r.returns_avoided),
            "offer_cost", num(r.offer_cost), "net_effect", num(r.net));
        if (o && r.have_truth)
            json_object_set_new(o, "truth_in_ci", json_boolean(r.truth_in_ci));
        if (!o || json_dumpf(o, f, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) != 0)
            ex = TG_EX_SOFTWARE;
        fputc('\n', f);
        json_decref(o);
    } else {
        fprintf(f, "outcomes,arm,treated_n,treated_returned,treated_rate,treated_lo,treated_hi,"
                   "control_n,control_returned,control_rate,control_lo,control_hi,"
                   "difference,difference_lo,difference_hi,effect,effect_lo,effect_hi,"
                   "returns_avoided,truth_effect,truth_in_ci\n");
        for (int i = 0; i < 3; i++)
            arm_csv(f, &r, &r.arm[i]);
    }
    int cx = tg_cli_close_out("interventions", f);
    if (!ex && !cx && fmt == TG_FMT_CSV)
        fprintf(stderr,
                "interventions: %ld email offers, %ld SMS reminders, %ld control, %ld opted out; "
                "returns avoided %.1f, offer cost %.2f, net effect %.2f\n",
                r.email_offers, r.sms_reminders, r.controls, r.optouts, r.returns_avoided,
                r.offer_cost, r.net);
    return ex ? ex : cx;
}

int tg_cmd_interventions(int argc, char **argv)
{
    static const struct option lo[] = {{"config", required_argument, NULL, 'c'},
                                       {"date", required_argument, NULL, 'd'},
                                       {"from", required_argument, NULL, 'F'},
                                       {"to", required_argument, NULL, 'T'},
                                       {"scores", required_argument, NULL, 'S'},
                                       {"optout", required_argument, NULL, 'O'},
                                       {"out", required_argument, NULL, 'o'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"world", required_argument, NULL, 'w'},
                                       {"truth", required_argument, NULL, 't'},
                                       {"seed", required_argument, NULL, 's'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *cpath = NULL, *scores = NULL, *optout = NULL, *outp = NULL, *world = NULL;
    const char *date = NULL, *from = NULL, *to = NULL;
    char *truth_world = NULL;
    tg_fmt fmt = TG_FMT_CSV;
    uint64_t seed = 1;
    int c, ex;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'c':
            cpath = optarg;
            break;
        case 'd':
            date = optarg;
            break;
        case 'F':
            from = optarg;
            break;
        case 'T':
            to = optarg;
            break;
        case 'S':
            scores = optarg;
            break;
        case 'O':
            optout = optarg;
            break;
        case 'o':
            outp = optarg;
            break;
        case 'w':
            world = optarg;
            break;
        case 't': {
            /* DIR/truth/summary.json -> DIR */
            tg_free(truth_world);
            truth_world = tg_strdup(optarg);
            if (!truth_world)
                return TG_EX_SOFTWARE;
            for (int k = 0; k < 2; k++) {
                char *sl = strrchr(truth_world, '/');
                if (sl)
                    *sl = 0;
                else
                    strcpy(truth_world, ".");
            }
            world = truth_world;
            break;
        }
        case 's': {
            char *end;
            seed = strtoull(optarg, &end, 10);
            if (*end || !*optarg) {
                tg_free(truth_world);
                return tg_cli_usage("interventions", "bad --seed '%s'", optarg);
            }
            break;
        }
        case 'f':
            if (tg_cli_parse_format(optarg, &fmt) || fmt == TG_FMT_TEXT) {
                tg_free(truth_world);
                return tg_cli_usage("interventions", "bad --format '%s'", optarg);
            }
            break;
        case 'h':
            fputs(usage_text, stdout);
            tg_free(truth_world);
            return 0;
        default:
            tg_free(truth_world);
            return tg_cli_usage("interventions", "bad option");
        }
    }
    if (optind >= argc) {
        tg_free(truth_world);
        return tg_cli_usage("interventions", "missing verb (run or report)");
    }
    const char *verb = argv[optind];
    if (optind + 1 < argc) {
        tg_free(truth_world);
        return tg_cli_usage("interventions", "unexpected argument '%s'", argv[optind + 1]);
    }
    tg_config cfg;
    if (strcmp(verb, "run") == 0) {
        int32_t d0, d1;
        if (date && (from || to)) {
            ex = tg_cli_usage("interventions", "--date and --from/--to exclude each other");
            goto out_nocfg;
        }
        if (!!from != !!to) {
            ex = tg_cli_usage("interventions", "--from needs --to and the other way round");
            goto out_nocfg;
        }
        if (from) {
            if (parse_day(from, &d0) || parse_day(to, &d1) || d1 < d0 || d1 - d0 > 3660) {
                ex = tg_cli_usage("interventions", "bad --from/--to range");
                goto out_nocfg;
            }
        } else if (date) {
            if (parse_day(date, &d0)) {
                ex = tg_cli_usage("interventions", "bad --date '%s' (want YYYY-MM-DD)", date);
                goto out_nocfg;
            }
            d1 = d0;
        } else {
            d0 = d1 = INT32_MIN; /* the latest purchase day, found once the store is open */
        }
        if ((ex = tg_cli_load_config("interventions", cpath, &cfg)))
            goto out_cfg; /* a failed load may hold defaults: free them too */
        ex = do_run(&cfg, d0, d1, scores, optout, outp);
    } else if (strcmp(verb, "report") == 0) {
        if ((ex = tg_cli_load_config("interventions", cpath, &cfg)))
            goto out_cfg; /* a failed load may hold defaults: free them too */
        ex = do_report(&cfg, world, seed, fmt, outp);
    } else {
        ex = tg_cli_usage("interventions", "unknown verb '%s' (run or report)", verb);
        goto out_nocfg;
    }
out_cfg:
    tg_config_free(&cfg);
out_nocfg:
    tg_free(truth_world);
    return ex;
}
