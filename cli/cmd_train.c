/* trendguard train -c FILE [--until DATE] [--valid-from DATE] --out DIR */
#include "cli.h"
#include "trendguard/error.h"
#include "trendguard/model.h"
#include "trendguard/store.h"
#include "trendguard/util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: trendguard train -c CONFIG --out DIR [--until DATE] [--valid-from DATE]\n"
            "                        [--no-store] [--quiet] [--dump-matrix PREFIX]\n"
            "                        [--label-any-return]\n\n"
            "Train the regret model (XGBoost) on the store's orders with a time split:\n"
            "orders purchased before --valid-from train, later ones validate (default: the\n"
            "last 30%% of the purchase-time span). --until drops orders purchased from DATE on.\n"
            "Orders whose 30-day return window ends after the data are not labelled.\n"
            "Writes DIR/model.json, DIR/features.json, DIR/report.json, DIR/report.txt and\n"
            "keeps the model in the store (unless --no-store). Uses [model] seed, rounds,\n"
            "max_depth, eta, label_empty_reason, sentiment_lexicon.\n"
            "DATE is YYYY-MM-DD or an ISO 8601 time (UTC).\n"
            "--label-any-return labels every return within 30 days as positive (a plain\n"
            "return model for data without 'Regret' reasons).\n"
            "--dump-matrix PREFIX also writes the feature matrices and labels as raw float32\n"
            "(PREFIX.train.x, .train.y, .valid.x, .valid.y; %d columns) for benchmarks.\n",
            TG_FEAT__COUNT);
}

int tg_cmd_train(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"valid-from", required_argument, NULL, 'v'},
                                         {"no-store", no_argument, NULL, 'n'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"dump-matrix", required_argument, NULL, 'D'},
                                         {"label-any-return", no_argument, NULL, 'A'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *cpath = NULL;
    tg_model_train_opts to = {0};
    to.keep_in_store = true;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:o:u:v:nqD:Ah", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cpath = optarg;
            break;
        case 'o':
            to.out_dir = optarg;
            break;
        case 'u':
            if (tg_time_parse(optarg, &to.until) != TG_OK)
                return tg_cli_usage("train", "bad --until '%s'", optarg);
            break;
        case 'v':
            if (tg_time_parse(optarg, &to.valid_from) != TG_OK)
                return tg_cli_usage("train", "bad --valid-from '%s'", optarg);
            break;
        case 'n':
            to.keep_in_store = false;
            break;
        case 'q':
            to.quiet = true;
            break;
        case 'D':
            to.dump_prefix = optarg;
            break;
        case 'A':
            to.label_any_return = true;
            break;
        case 'h':
            help(stdout);
            return 0;
        default:
            return tg_cli_usage("train", "bad option");
        }
    }
    if (optind < argc)
        return tg_cli_usage("train", "unexpected argument '%s'", argv[optind]);
    if (!to.out_dir)
        return tg_cli_usage("train", "--out DIR is required");
    tg_config cfg;
    int rc = tg_cli_load_config("train", cpath, &cfg);
    if (rc)
        return rc;
    tg_store *s = NULL;
    int err = tg_store_open_ex(&s, cfg.store_path, to.keep_in_store ? 0 : TG_STORE_RDONLY,
                               cfg.map_size_mb);
    if (err) {
        rc = tg_cli_fail("train", err, "cannot open store %s", cfg.store_path);
        goto out;
    }
    char msg[512];
    err = tg_model_train(s, &cfg, &to, msg, sizeof msg);
    if (err) {
        rc = tg_cli_fail("train", err, "%s", msg);
        goto out;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/report.txt", to.out_dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            fputs(line, stdout);
        fclose(f);
    }
out:
    tg_store_close(&s);
    tg_config_free(&cfg);
    return rc;
}
