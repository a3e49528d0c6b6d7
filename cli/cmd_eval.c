/* trendguard eval --truth FILE --predictions FILE [--from DATE] [--format text|json] */
#include "cli.h"
#include "store/csv.h"
#include "trendguard/error.h"
#include "trendguard/model.h"
#include "trendguard/store.h"
#include "trendguard/util.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 50000000

static void help(FILE *out)
{
    fprintf(out, "usage: trendguard eval --truth FILE --predictions FILE [--from DATE]\n"
                 "                       [-c CONFIG] [--format text|json]\n\n"
                 "Compare predictions (the CSV of `trendguard score`: order_id,regret_risk,...)\n"
                 "with a truth file (order_id,p_true,regretted). Prints the AUC of regret_risk\n"
                 "against regretted, the oracle AUC of p_true, their ratio and n, over the orders\n"
                 "in both files purchased from DATE on. Purchase times come from the predictions'\n"
                 "purchase_time column, else from the store of -c CONFIG.\n");
}

typedef struct row {
    char *id;
    double risk;
    int64_t t; /* 0 unknown */
} row;

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const row *)a)->id, ((const row *)b)->id);
}

static int col_of(const tg_store_csv *c, const char *name)
{
    for (int i = 0; i < c->nf; i++)
        if (strcmp(tg_store_csv_field(c, i), name) == 0)
            return i;
    return -1;
}

static int read_preds(const char *path, row **out, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return tg_cli_fail("eval", TG_EIO, "cannot open %s", path);
    tg_store_csv c;
    tg_store_csv_init(&c, f, 1 << 20);
    int rc = 0, e = tg_store_csv_next(&c);
    size_t cap = 0;
    int ci = -1, cr = -1, ct = -1;
    if (e == 1) {
        ci = col_of(&c, "order_id");
        cr = col_of(&c, "regret_risk");
        if (cr < 0)
            cr = col_of(&c, "risk");
        ct = col_of(&c, "purchase_time");
    }
    if (ci < 0 || cr < 0) {
        rc = tg_cli_fail("eval", TG_EDATA, "%s: need order_id and regret_risk columns", path);
        goto out;
    }
    while ((e = tg_store_csv_next(&c)) != 0) {
        if (e < 0 || ci >= c.nf || cr >= c.nf) {
            rc = tg_cli_fail("eval", e < 0 ? e : TG_EDATA, "%s:%ld: bad row", path, c.rec_line);
            goto out;
        }
        if (*n == cap) {
            if (cap >= MAX_ROWS) {
                rc = tg_cli_fail("eval", TG_ETOOBIG, "%s: too many rows", path);
                goto out;
            }
            cap = cap ? cap * 2 : 1024;
            row *nr = tg_realloc(*out, cap * sizeof *nr);
            if (!nr) {
                rc = tg_cli_fail("eval", TG_ENOMEM, "out of memory");
                goto out;
            }
            *out = nr;
        }
        row *r = &(*out)[*n];
        char *end;
        r->risk = strtod(tg_store_csv_field(&c, cr), &end);
        if (end == tg_store_csv_field(&c, cr) || !isfinite(r->risk)) {
            rc = tg_cli_fail("eval", TG_EDATA, "%s:%ld: bad regret_risk", path, c.rec_line);
            goto out;
        }
        r->t = 0;
        if (ct >= 0 && ct < c.nf && tg_time_parse(tg_store_csv_field(&c, ct), &r->t) != TG_OK)
            r->t = 0;
        r->id = tg_strdup(tg_store_csv_field(&c, ci));
        if (!r->id) {
            rc = tg_cli_fail("eval", TG_ENOMEM, "out of memory");
            goto out;
        }
        (*n)++;
    }
out:
    tg_store_csv_free(&c);
    fclose(f);
    return rc;
}

int tg_cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {{"truth", required_argument, NULL, 't'},
                                         {"predictions", required_argument, NULL, 'p'},
                                         {"from", required_argument, NULL, 'F'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *truth = NULL, *preds = NULL, *cpath = NULL;
    int64_t from = INT64_MIN;
    tg_fmt fmt = TG_FMT_TEXT;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:p:F:c:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            truth = optarg;
            break;
        case 'p':
            preds = optarg;
            break;
        case 'F':
            if (tg_time_parse(optarg, &from) != TG_OK)
                return tg_cli_usage("eval", "bad --from '%s'", optarg);
            break;
        case 'c':
            cpath = optarg;
            break;
        case 'f':
            if (tg_cli_parse_format(optarg, &fmt) != 0)
                return tg_cli_usage("eval", "bad --format '%s'", optarg);
            break;
        case 'h':
            help(stdout);
            return 0;
        default:
            return tg_cli_usage("eval", "bad option");
        }
    }
    if (optind < argc)
        return tg_cli_usage("eval", "unexpected argument '%s'", argv[optind]);
    if (!truth || !preds)
        return tg_cli_usage("eval", "--truth and --predictions are required");
    row *rows = NULL;
    size_t nrows = 0;
    double *s = NULL, *pt = NULL;
    int *y = NULL;
    size_t n = 0;
    FILE *tf = NULL;
    tg_store *st = NULL;
    tg_store_read *rd = NULL;
    tg_store_csv tc;
    bool tc_init = false;
    int rc = read_preds(preds, &rows, &nrows);
    if (rc)
        goto out;
    tg_qsort(rows, nrows, sizeof *rows, cmp_row);
    if (from != INT64_MIN && cpath) {
        tg_config cfg;
        if ((rc = tg_cli_load_config("eval", cpath, &cfg)))
            goto out;
        int e = tg_store_open_ex(&st, cfg.store_path, TG_STORE_RDONLY, cfg.map_size_mb);
        tg_config_free(&cfg);
        if (e || (e = tg_store_read_begin(st, &rd))) {
            rc = tg_cli_fail("eval", e, "cannot open the store");
            goto out;
        }
        for (size_t i = 0; i < nrows; i++) {
            tg_order o;
            if (rows[i].t == 0 && tg_store_get_order(rd, rows[i].id, &o) == TG_OK)
                rows[i].t = o.purchase_time;
        }
    }
    tf = fopen(truth, "r");
    if (!tf) {
        rc = tg_cli_fail("eval", TG_EIO, "cannot open %s", truth);
        goto out;
    }
    tg_store_csv_init(&tc, tf, 1 << 16);
    tc_init = true;
    int e = tg_store_csv_next(&tc);
    int ci = e == 1 ? col_of(&tc, "order_id") : -1, cp = e == 1 ? col_of(&tc, "p_true") : -1,
        cy = e == 1 ? col_of(&tc, "regretted") : -1;
    if (ci < 0 || cp < 0 || cy < 0) {
        rc = tg_cli_fail("eval", TG_EDATA, "%s: need order_id,p_true,regretted", truth);
        goto out;
    }
    s = tg_malloc((nrows ? nrows : 1) * sizeof *s);
    pt = tg_malloc((nrows ? nrows : 1) * sizeof *pt);
    y = tg_malloc((nrows ? nrows : 1) * sizeof *y);
    if (!s || !pt || !y) {
        rc = tg_cli_fail("eval", TG_ENOMEM, "out of memory");
        goto out;
    }
    long no_time = 0;
    while ((e = tg_store_csv_next(&tc)) != 0) {
        if (e < 0 || ci >= tc.nf || cp >= tc.nf || cy >= tc.nf) {
            rc = tg_cli_fail("eval", e < 0 ? e : TG_EDATA, "%s:%ld: bad row", truth, tc.rec_line);
            goto out;
        }
        row key = {(char *)tg_store_csv_field(&tc, ci), 0, 0};
        row *hit = bsearch(&key, rows, nrows, sizeof *rows, cmp_row);
        if (!hit)
            continue;
        if (from != INT64_MIN) {
            if (hit->t == 0) {
                no_time++;
                continue;
            }
            if (hit->t < from)
                continue;
        }
        if (n >= nrows)
            break; /* duplicate truth rows */
        s[n] = hit->risk;
        pt[n] = strtod(tg_store_csv_field(&tc, cp), NULL);
        y[n] = atoi(tg_store_csv_field(&tc, cy)) != 0;
        n++;
    }
    if (no_time)
        fprintf(stderr, "trendguard eval: %ld orders without a purchase time were left out\n",
                no_time);
    if (n == 0) {
        rc = tg_cli_fail("eval", TG_EDATA, "no order in both files%s",
                         from != INT64_MIN ? " from that date" : "");
        goto out;
    }
    double auc = tg_model_auc(s, y, n), oracle = tg_model_auc(pt, y, n);
    double ratio = oracle > 0 ? auc / oracle : NAN;
    if (fmt == TG_FMT_JSON || fmt == TG_FMT_JSONL)
        printf("{\"auc\": %.4f, \"oracle_auc\": %.4f, \"ratio\": %.4f, \"n\": %zu}\n", auc, oracle,
               ratio, n);
    else
        printf("auc %.4f  oracle_auc %.4f  ratio %.4f  n %zu\n", auc, oracle, ratio, n);
    if (!isfinite(auc)) {
        fprintf(stderr, "trendguard eval: AUC undefined (one class only)\n");
        rc = TG_EX_DATAERR;
    }
out:
    if (tc_init)
        tg_store_csv_free(&tc);
    if (tf)
        fclose(tf);
    for (size_t i = 0; i < nrows; i++)
        tg_free(rows[i].id);
    tg_free(rows);
    tg_free(s);
    tg_free(pt);
    tg_free(y);
    tg_store_read_end(&rd);
    tg_store_close(&st);
    return rc;
}
