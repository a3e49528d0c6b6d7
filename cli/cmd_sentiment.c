/* trendguard sentiment eval FILE | score TEXT */
#include "cli.h"
#include "trendguard/error.h"
#include "trendguard/sentiment.h"
#include "trendguard/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES (64 * 1024)

static void help(FILE *out)
{
    fprintf(out,
            "usage: trendguard sentiment eval FILE [--format text|json] [-c CONFIG]\n"
            "       trendguard sentiment score TEXT... [--format text|json] [-c CONFIG]\n\n"
            "eval   score a tab-separated file of sentence<TAB>label (label 0 or 1) and print\n"
            "       the accuracy (a sentence is positive when its score is > 0; neutral\n"
            "       counts as negative)\n"
            "score  print the compound score in [-1, 1] of TEXT\n"
            "-c     use [model] sentiment_lexicon (a VADER-format file) instead of the\n"
            "       built-in lexicon\n");
}

static int eval_file(const tg_sentiment *s, const char *path, tg_fmt fmt)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f)
        return tg_cli_fail("sentiment", TG_EIO, "cannot open %s", path);
    char *line = malloc(LINE_MAX_BYTES);
    if (!line) {
        if (f != stdin)
            fclose(f);
        return tg_cli_fail("sentiment", TG_ENOMEM, "out of memory");
    }
    long n = 0, ok = 0, bad = 0, lineno = 0;
    while (fgets(line, LINE_MAX_BYTES, f)) {
        lineno++;
        char *tab = strrchr(line, '\t');
        if (!tab) {
            if (line[strspn(line, " \r\n")] != 0) {
                fprintf(stderr, "trendguard sentiment: %s:%ld: no tab, skipped\n", path, lineno);
                bad++;
            }
            continue;
        }
        *tab = 0;
        int label = atoi(tab + 1);
        if (tab[1] != '0' && tab[1] != '1') {
            fprintf(stderr, "trendguard sentiment: %s:%ld: label not 0/1, skipped\n", path, lineno);
            bad++;
            continue;
        }
        double sc = tg_sentiment_score(s, line);
        int pred = sc > 0 ? 1 : 0;
        n++;
        ok += (pred == label);
    }
    int ioerr = ferror(f);
    free(line);
    if (f != stdin)
        fclose(f);
    if (ioerr)
        return tg_cli_fail("sentiment", TG_EIO, "read error on %s", path);
    if (n == 0)
        return tg_cli_fail("sentiment", TG_EDATA, "%s: no labelled sentence", path);
    double acc = (double)ok / (double)n;
    if (fmt == TG_FMT_JSON || fmt == TG_FMT_JSONL)
        printf("{\"accuracy\": %.4f, \"n\": %ld, \"skipped\": %ld}\n", acc, n, bad);
    else
        printf("accuracy %.4f (%ld of %ld correct, %ld skipped)\n", acc, ok, n, bad);
    return 0;
}

int tg_cmd_sentiment(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *cpath = NULL;
    tg_fmt fmt = TG_FMT_TEXT;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cpath = optarg;
            break;
        case 'f':
            if (tg_cli_parse_format(optarg, &fmt) != 0)
                return tg_cli_usage("sentiment", "bad --format '%s'", optarg);
            break;
        case 'h':
            help(stdout);
            return 0;
        default:
            return tg_cli_usage("sentiment", "bad option");
        }
    }
    if (optind >= argc)
        return tg_cli_usage("sentiment", "expected eval FILE or score TEXT");
    const char *verb = argv[optind++];
    if (strcmp(verb, "eval") != 0 && strcmp(verb, "score") != 0)
        return tg_cli_usage("sentiment", "unknown verb '%s' (expected eval or score)", verb);
    if (optind >= argc)
        return tg_cli_usage("sentiment", "%s needs an argument", verb);
    tg_sentiment *s = NULL;
    int rc = 0;
    if (cpath) {
        tg_config cfg;
        rc = tg_cli_load_config("sentiment", cpath, &cfg);
        if (rc)
            return rc;
        if (cfg.sentiment_lexicon) {
            int err = tg_sentiment_open(&s, cfg.sentiment_lexicon);
            if (err) {
                rc = tg_cli_fail("sentiment", err, "lexicon %s", cfg.sentiment_lexicon);
                tg_config_free(&cfg);
                return rc;
            }
        }
        tg_config_free(&cfg);
    }
    if (strcmp(verb, "eval") == 0) {
        if (optind + 1 < argc)
            rc = tg_cli_usage("sentiment", "eval takes one FILE");
        else
            rc = eval_file(s, argv[optind], fmt);
    } else {
        tg_buf b;
        tg_buf_init(&b, 1 << 20);
        for (int i = optind; i < argc && rc == 0; i++)
            if ((i > optind && tg_buf_addc(&b, ' ') != TG_OK) || tg_buf_adds(&b, argv[i]) != TG_OK)
                rc = tg_cli_fail("sentiment", TG_ETOOBIG, "text too long");
        if (rc == 0) {
            double sc = tg_sentiment_score(s, b.data ? b.data : "");
            if (fmt == TG_FMT_JSON || fmt == TG_FMT_JSONL)
                printf("{\"score\": %.4f}\n", sc);
            else
                printf("%.4f\n", sc);
        }
        tg_buf_free(&b);
    }
    tg_sentiment_free(&s);
    return rc;
}
