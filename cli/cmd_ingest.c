/* trendguard ingest KIND FILE|- : retailer CSVs into the store. */
#include "cli.h"

#include "store/ingest.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/store.h"
#include "trendguard/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(
        out,
        "usage: trendguard ingest KIND FILE|- (-c CONFIG | --store DIR) [options]\n\n"
        "KIND and the CSV header each needs (columns in any order, extra ones ignored):\n"
        "  products  product_id,name,category,price,hashtags,resale_query,launch_date\n"
        "  orders    order_id,customer_id,product_id,purchase_time,price_paid,customer_age,zip\n"
        "  returns   order_id,return_time,reason\n"
        "  reviews   review_id,product_id,review_time,rating,text\n"
        "  zips      zip,median_income\n"
        "FILE '-' reads stdin. Times: ISO 8601 (2026-03-14T10:22:00Z) or a date.\n\n"
        "options:\n"
        "  -c, --config FILE   config ([store] path, map_size_mb; [privacy] pepper_env)\n"
        "      --store DIR     the store directory (overrides the config's)\n"
        "      --strict        refuse the whole file (write nothing) if any row is bad\n"
        "      --batch N       rows per write transaction (default 50000)\n"
        "      --format F      summary as text (default) or json\n"
        "      --quiet         do not list bad rows (they are still counted)\n"
        "  -h, --help          this help\n\n"
        "Bad rows go to stderr as FILE:LINE: reason and are skipped; a summary follows.\n"
        "Customer ids are stored only as HMAC-SHA256(pepper, id); the pepper comes from\n"
        "the variable named by [privacy] pepper_env (default TRENDGUARD_PEPPER), else a\n"
        "random one kept in the store's meta.\n"
        "exit: 0 ok (bad rows skipped), 65 bad header / --strict saw a bad row / no row\n"
        "stored, 74 I/O error, 78 config error.\n");
}

static void print_summary(FILE *out, const char *kind, const char *name, const tg_ingest_summary *s,
                          tg_fmt fmt)
{
    if (fmt == TG_FMT_JSON || fmt == TG_FMT_JSONL) {
        fprintf(out, "{\"kind\":\"%s\",\"read\":%ld,\"stored\":%ld,\"skipped\":%ld,", kind, s->read,
                s->stored, s->skipped);
        fprintf(out, "\"skipped_by_reason\":{");
        int first = 1;
        for (int r = 0; r < TG_INGEST_R__COUNT; r++) {
            if (!s->by_reason[r])
                continue;
            fprintf(out, "%s\"%s\":%ld", first ? "" : ",",
                    tg_store_ingest_reason_id((tg_ingest_reason)r), s->by_reason[r]);
            first = 0;
        }
        fprintf(out, "},\"unknown_refs\":%ld}\n", s->unknown_refs);
        return;
    }
    fprintf(out, "%s (%s): read %ld, stored %ld, skipped %ld\n", name, kind, s->read, s->stored,
            s->skipped);
    for (int r = 0; r < TG_INGEST_R__COUNT; r++)
        if (s->by_reason[r])
            fprintf(out, "  skipped %-10s %ld (%s)\n",
                    tg_store_ingest_reason_id((tg_ingest_reason)r), s->by_reason[r],
                    tg_store_ingest_reason_msg((tg_ingest_reason)r));
    if (s->unknown_refs)
        fprintf(out, "  note: %ld rows refer to a %s not in the store (stored anyway)\n",
                s->unknown_refs, strcmp(kind, "orders") == 0 ? "product" : "order");
}

int tg_cmd_ingest(int argc, char **argv)
{
    enum { O_STORE = 256, O_STRICT, O_BATCH, O_FORMAT, O_QUIET };
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"store", required_argument, NULL, O_STORE},
                                         {"strict", no_argument, NULL, O_STRICT},
                                         {"batch", required_argument, NULL, O_BATCH},
                                         {"format", required_argument, NULL, O_FORMAT},
                                         {"quiet", no_argument, NULL, O_QUIET},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *cfgpath = NULL, *store_path = NULL;
    int strict = 0, quiet = 0;
    long batch = 0;
    tg_fmt fmt = TG_FMT_TEXT;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfgpath = optarg;
            break;
        case O_STORE:
            store_path = optarg;
            break;
        case O_STRICT:
            strict = 1;
            break;
        case O_QUIET:
            quiet = 1;
            break;
        case O_BATCH: {
            char *end;
            errno = 0;
            batch = strtol(optarg, &end, 10);
            if (*end || errno || batch < 1 || batch > 10000000)
                return tg_cli_usage("ingest", "--batch wants 1..10000000");
            break;
        }
        case O_FORMAT:
            if (tg_cli_parse_format(optarg, &fmt) || fmt == TG_FMT_CSV)
                return tg_cli_usage("ingest", "--format wants text or json");
            break;
        case 'h':
            help(stdout);
            return 0;
        default:
            return tg_cli_usage("ingest", "bad option");
        }
    }
    if (argc - optind != 2)
        return tg_cli_usage("ingest", "expected KIND and FILE (see --help)");
    const char *kind = argv[optind], *file = argv[optind + 1];
    int k = tg_store_ingest_kind(kind);
    if (k < 0)
        return tg_cli_usage("ingest",
                            "unknown kind '%s' (products, orders, returns, reviews, "
                            "zips)",
                            kind);

    FILE *in = stdin;
    const char *name = "-";
    if (strcmp(file, "-") != 0) {
        in = fopen(file, "rb");
        name = file;
        if (!in)
            return tg_cli_fail("ingest", TG_EIO, "%s: %s", file, strerror(errno));
    }
    tg_config cfg;
    tg_store *s = NULL;
    int rc;
    int ex = tg_cli_open_store("ingest", cfgpath, store_path, TG_STORE_CREATE, &cfg, &s);
    if (ex)
        goto out_store;
    uint8_t *pepper = NULL;
    size_t plen = 0;
    if (k == TG_INGEST_ORDERS) {
        rc = tg_store_ingest_pepper(s, cfg.pepper_env, &pepper, &plen);
        if (rc) {
            ex = tg_cli_fail("ingest", rc, "pepper: %s", tg_strerror(rc));
            goto out_store;
        }
    }
    tg_ingest_opts o = {name, quiet ? NULL : stderr, strict, batch, pepper, plen, 0};
    tg_ingest_summary sum;
    rc = tg_store_ingest(s, (tg_ingest_kind)k, in, &o, &sum);
    if (!sum.header_ok && sum.header_error[0]) {
        fprintf(stderr, "%s\n", sum.header_error);
    } else {
        print_summary(stdout, kind, name, &sum, fmt);
        if (rc == TG_EDATA && strict)
            fprintf(stderr, "trendguard ingest: %s: --strict: %ld bad rows, nothing written\n",
                    name, sum.skipped);
        else if (rc == TG_EDATA)
            fprintf(stderr, "trendguard ingest: %s: no row could be stored\n", name);
    }
    if (rc && rc != TG_EDATA)
        fprintf(stderr, "trendguard ingest: %s: %s\n", name, tg_strerror(rc));
    ex = tg_exit_code(rc);
    tg_free(pepper);
out_store:
    tg_store_close(&s);
    if (in != stdin)
        fclose(in);
    tg_config_free(&cfg);
    return ex;
}
