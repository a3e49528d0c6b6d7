/* trendguard score -c FILE --orders FILE|- [--model DIR] [--format csv|jsonl] [--out F] */
#include "cli.h"
#include "store/csv.h"
#include "trendguard/error.h"
#include "trendguard/interventions.h"
#include "trendguard/model.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ORDERS 50000000

static void help(FILE *out)
{
    fprintf(
        out,
        "usage: trendguard score -c CONFIG --orders FILE|- [--model DIR]\n"
        "                        [--format csv|jsonl] [--out FILE] [--no-store] [--no-reasons]\n\n"
        "Score orders (orders CSV: order_id,customer_id,product_id,purchase_time,\n"
        "price_paid,customer_age,zip; only order_id is needed for orders already in the\n"
        "store) with the latest model in the store, or the one in DIR. Features are\n"
        "computed as of each order's purchase time. Writes\n"
        "order_id,regret_risk,tier,reasons,purchase_time (CSV with a header, or JSON\n"
        "lines) and stores the predictions (unless --no-store). Tiers come from\n"
        "[interventions] email_offer_at and sms_at; reasons are the features pushing\n"
        "the risk up most (XGBoost's approximate per-feature contributions);\n"
        "--no-reasons skips them (much faster).\n");
}

typedef struct orders {
    tg_order *o;
    size_t n, cap;
    long bad;
} orders;

static int col_of(const tg_store_csv *c, const char *name)
{
    for (int i = 0; i < c->nf; i++)
        if (strcmp(tg_store_csv_field(c, i), name) == 0)
            return i;
    return -1;
}

static char *dup_field(const tg_store_csv *c, int i)
{
    return tg_strdup(i >= 0 && i < c->nf ? tg_store_csv_field(c, i) : "");
}

static int read_orders(const char *path, tg_store_read *r, const tg_config *cfg, orders *os)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f)
        return tg_cli_fail("score", TG_EIO, "cannot open %s", path);
    tg_store_csv c;
    int rc = 0, e;
    tg_store_csv_init(&c, f, 1 << 20);
    int ci[7] = {-1, -1, -1, -1, -1, -1, -1};
    static const char *const cols[7] = {"order_id",   "customer_id",  "product_id", "purchase_time",
                                        "price_paid", "customer_age", "zip"};
    e = tg_store_csv_next(&c);
    if (e != 1) {
        rc = tg_cli_fail("score", e < 0 ? e : TG_EDATA, "%s: no header", path);
        goto out;
    }
    for (int k = 0; k < 7; k++)
        ci[k] = col_of(&c, cols[k]);
    if (ci[0] < 0) {
        rc = tg_cli_fail("score", TG_EDATA, "%s: no order_id column", path);
        goto out;
    }
    while ((e = tg_store_csv_next(&c)) != 0) {
        if (e == TG_EIO) {
            rc = tg_cli_fail("score", e, "%s: read error", path);
            goto out;
        }
        if (e < 0) {
            fprintf(stderr, "trendguard score: %s:%ld: %s, skipped\n", path, c.rec_line,
                    c.why ? c.why : tg_strerror(e));
            os->bad++;
            continue;
        }
        if (os->n == os->cap) {
            if (os->cap >= MAX_ORDERS) {
                rc = tg_cli_fail("score", TG_ETOOBIG, "more than %d orders", MAX_ORDERS);
                goto out;
            }
            size_t nc = os->cap ? os->cap * 2 : 1024;
            tg_order *no = tg_realloc(os->o, nc * sizeof *no);
            if (!no) {
                rc = tg_cli_fail("score", TG_ENOMEM, "out of memory");
                goto out;
            }
            os->o = no;
            os->cap = nc;
        }
        tg_order *o = &os->o[os->n];
        memset(o, 0, sizeof *o);
        const char *id = tg_store_csv_field(&c, ci[0]);
        tg_order st;
        if (tg_store_get_order(r, id, &st) == TG_OK) {
            *o = st;
            o->order_id = tg_strdup(st.order_id);
            o->product_id = tg_strdup(st.product_id ? st.product_id : "");
            o->zip = tg_strdup(st.zip ? st.zip : "");
        } else {
            int64_t t;
            const char *ts = ci[3] >= 0 && ci[3] < c.nf ? tg_store_csv_field(&c, ci[3]) : "";
            if (ci[2] < 0 || tg_time_parse(ts, &t) != TG_OK) {
                fprintf(stderr,
                        "trendguard score: %s:%ld: order %s not in the store and no "
                        "product_id/purchase_time, skipped\n",
                        path, c.rec_line, id);
                os->bad++;
                continue;
            }
            o->purchase_time = t;
            o->order_id = tg_strdup(id);
            o->product_id = dup_field(&c, ci[2]);
            o->zip = dup_field(&c, ci[6]);
            const char *pp = ci[4] >= 0 && ci[4] < c.nf ? tg_store_csv_field(&c, ci[4]) : "";
            o->price_paid = *pp ? strtod(pp, NULL) : NAN;
            const char *ag = ci[5] >= 0 && ci[5] < c.nf ? tg_store_csv_field(&c, ci[5]) : "";
            o->age = *ag ? atoi(ag) : -1;
            const char *cu = ci[1] >= 0 && ci[1] < c.nf ? tg_store_csv_field(&c, ci[1]) : "";
            if (*cu && tg_interventions_pseudonym(r, cfg, cu, o->customer) != TG_OK)
                memset(o->customer, 0, sizeof o->customer);
        }
        if (!o->order_id || !o->product_id || !o->zip) {
            rc = tg_cli_fail("score", TG_ENOMEM, "out of memory");
            os->n++;
            goto out;
        }
        os->n++;
    }
out:
    tg_store_csv_free(&c);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* A JSON string body (without quotes). */
static void json_str(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
}

/* A CSV field, quoted when needed (RFC 4180). */
static void csv_str(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

typedef struct put_ctx {
    const orders *os;
    const tg_model_score *sc;
    const char *model_id;
    int64_t now;
} put_ctx;

static int put_fn(tg_store_txn *t, void *ctx)
{
    put_ctx *p = ctx;
    for (size_t i = 0; i < p->os->n; i++) {
        tg_prediction pr = {p->os->o[i].order_id, p->sc[i].risk, p->sc[i].tier,
                            p->sc[i].reasons,     p->now,        p->model_id};
        int rc = tg_store_put_prediction(t, &pr);
        if (rc)
            return rc;
    }
    return 0;
}

int tg_cmd_score(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"orders", required_argument, NULL, 'i'},
                                         {"model", required_argument, NULL, 'm'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"no-store", no_argument, NULL, 'n'},
                                         {"no-reasons", no_argument, NULL, 'R'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *cpath = NULL, *opath = NULL, *mdir = NULL, *out = NULL;
    tg_fmt fmt = TG_FMT_CSV;
    bool store_preds = true, reasons = true;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:i:m:f:o:nRh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cpath = optarg;
            break;
        case 'i':
            opath = optarg;
            break;
        case 'm':
            mdir = optarg;
            break;
        case 'f':
            if (tg_cli_parse_format(optarg, &fmt) != 0 ||
                (fmt != TG_FMT_CSV && fmt != TG_FMT_JSONL))
                return tg_cli_usage("score", "bad --format '%s' (csv or jsonl)", optarg);
            break;
        case 'o':
            out = optarg;
            break;
        case 'n':
            store_preds = false;
            break;
        case 'R':
            reasons = false;
            break;
        case 'h':
            help(stdout);
            return 0;
        default:
            return tg_cli_usage("score", "bad option");
        }
    }
    if (optind < argc)
        return tg_cli_usage("score", "unexpected argument '%s'", argv[optind]);
    if (!opath)
        return tg_cli_usage("score", "--orders FILE|- is required");
    tg_config cfg;
    int rc = tg_cli_load_config("score", cpath, &cfg);
    if (rc)
        return rc;
    tg_store *s = NULL;
    tg_store_read *r = NULL;
    tg_model *m = NULL;
    tg_model_ctx *fx = NULL;
    tg_model_score *sc = NULL;
    orders os = {0};
    FILE *f = NULL;
    int err =
        tg_store_open_ex(&s, cfg.store_path, store_preds ? 0 : TG_STORE_RDONLY, cfg.map_size_mb);
    if (err) {
        rc = tg_cli_fail("score", err, "cannot open store %s", cfg.store_path);
        goto out;
    }
    if ((err = tg_store_read_begin(s, &r))) {
        rc = tg_cli_fail("score", err, "store read");
        goto out;
    }
    err = mdir ? tg_model_load_dir(&m, mdir) : tg_model_load_store(&m, r, NULL);
    if (err) {
        rc = tg_cli_fail("score", err, "cannot load the model from %s%s", mdir ? mdir : "the store",
                         err == TG_ENOTFOUND ? " (run trendguard train first)" : "");
        goto out;
    }
    if ((rc = read_orders(opath, r, &cfg, &os)))
        goto out;
    tg_model_ctx_opts co = {cfg.sentiment_lexicon, 0};
    double t_ctx = tg_mono();
    if ((err = tg_model_ctx_build(&fx, r, &co))) {
        rc = tg_cli_fail("score", err, "building the feature context");
        goto out;
    }
    t_ctx = tg_mono() - t_ctx;
    tg_store_read_end(&r);
    sc = tg_calloc(os.n ? os.n : 1, sizeof *sc);
    if (!sc) {
        rc = tg_cli_fail("score", TG_ENOMEM, "out of memory");
        goto out;
    }
    tg_model_tiers tiers;
    tg_model_tiers_from_config(&cfg, &tiers);
    double t_score = tg_mono();
    if ((err = tg_model_score_orders(m, fx, os.o, os.n, &tiers, reasons, sc))) {
        rc = tg_cli_fail("score", err, "scoring");
        goto out;
    }
    t_score = tg_mono() - t_score;
    f = tg_cli_open_out("score", out);
    if (!f) {
        rc = TG_EX_CANTCREAT;
        goto out;
    }
    char ts[32];
    if (fmt == TG_FMT_CSV)
        fputs("order_id,regret_risk,tier,reasons,purchase_time\n", f);
    for (size_t i = 0; i < os.n; i++) {
        tg_time_format(os.o[i].purchase_time, ts, sizeof ts);
        if (fmt == TG_FMT_CSV) {
            csv_str(f, os.o[i].order_id);
            fprintf(f, ",%.6f,%s,%s,%s\n", sc[i].risk, sc[i].tier, sc[i].reasons, ts);
        } else {
            fputs("{\"order_id\":\"", f);
            json_str(f, os.o[i].order_id);
            fprintf(f,
                    "\",\"regret_risk\":%.6f,\"tier\":\"%s\",\"reasons\":\"%s\","
                    "\"purchase_time\":\"%s\"}\n",
                    sc[i].risk, sc[i].tier, sc[i].reasons, ts);
        }
    }
    rc = tg_cli_close_out("score", f);
    if (rc)
        goto out;
    if (store_preds && os.n) {
        put_ctx pc = {&os, sc, tg_model_id(m), tg_now()};
        if ((err = tg_store_write(s, put_fn, &pc))) {
            rc = tg_cli_fail("score", err, "storing predictions");
            goto out;
        }
    }
    fprintf(stderr,
            "trendguard score: %zu orders scored with model %s (%ld skipped); context %.3fs, "
            "features+predict %.3fs (%.0f orders/s)\n",
            os.n, tg_model_id(m), os.bad, t_ctx, t_score,
            t_score > 0 ? (double)os.n / t_score : 0.0);
    if (os.bad)
        rc = TG_EX_DATAERR;
out:
    for (size_t i = 0; i < os.n; i++) {
        tg_free((char *)os.o[i].order_id);
        tg_free((char *)os.o[i].product_id);
        tg_free((char *)os.o[i].zip);
    }
    tg_free(os.o);
    tg_free(sc);
    tg_model_ctx_free(&fx);
    tg_model_free(&m);
    tg_store_read_end(&r);
    tg_store_close(&s);
    tg_config_free(&cfg);
    return rc;
}
