/* trendguard export series|videos|prices|orders|predictions : tables for researchers. */
#include "cli.h"

#include "store/export.h"
#include "trendguard/error.h"
#include "trendguard/store.h"
#include "trendguard/util.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: trendguard export KIND [options]   (-c CONFIG | --store DIR)\n\n"
            "KIND:\n"
            "  series --hashtag H       daily totals of a hashtag: hashtag,day,videos,new_videos,\n"
            "                           authors,views,likes,comments,shares,top_author_share,\n"
            "                           bot_score\n"
            "  videos --hashtag H       its videos with their last snapshot: video_id,username,\n"
            "                           description,hashtags,region,create_time,first_seen,\n"
            "                           last_seen,views,likes,comments,shares\n"
            "  prices --product P       daily resale prices per source: product_id,day,source,\n"
            "                           count,median,min,max,retail_price,drop_pct\n"
            "                           (drop_pct = (retail - median) / retail * 100)\n"
            "  orders                   order_id,customer (HMAC pseudonym, hex),product_id,\n"
            "                           purchase_time,price_paid,age,zip,returned,return_time,\n"
            "                           return_reason\n"
            "  predictions              order_id,risk,tier,reasons,scored_at,model_id\n\n"
            "options:\n"
            "  -c, --config FILE  config ([store] path)\n"
            "      --store DIR    the store directory (overrides the config's)\n"
            "      --format F     csv (default, with a header) or jsonl\n"
            "      --from DATE    only rows at or after DATE (YYYY-MM-DD or ISO 8601 time)\n"
            "      --to DATE      only rows up to DATE (a bare date includes that whole day)\n"
            "      --out FILE     write to FILE instead of stdout\n"
            "      --svg FILE     prices only: also draw an SVG chart of the daily medians\n"
            "                     per source against the retail price\n"
            "  -h, --help         this help\n\n"
            "The row filter is on: day (series), create_time (videos), observation time\n"
            "(prices), purchase_time (orders), scored_at (predictions). CSV cells starting\n"
            "with = + - @ TAB or CR are prefixed with ' so spreadsheets do not run them.\n");
}

static int parse_bound(const char *s, int end, int64_t *out)
{
    if (tg_time_parse(s, out))
        return -1;
    if (end && strlen(s) == 10) /* a bare date: through the end of that day */
        *out += 86399;
    return 0;
}

int tg_cmd_export(int argc, char **argv)
{
    enum { O_STORE = 256, O_FORMAT, O_FROM, O_TO, O_OUT, O_SVG, O_HASHTAG, O_PRODUCT };
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"store", required_argument, NULL, O_STORE},
                                         {"format", required_argument, NULL, O_FORMAT},
                                         {"from", required_argument, NULL, O_FROM},
                                         {"to", required_argument, NULL, O_TO},
                                         {"out", required_argument, NULL, O_OUT},
                                         {"svg", required_argument, NULL, O_SVG},
                                         {"hashtag", required_argument, NULL, O_HASHTAG},
                                         {"product", required_argument, NULL, O_PRODUCT},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *cfgpath = NULL, *store_path = NULL, *outpath = NULL, *svgpath = NULL;
    tg_export_opts o = {0, INT64_MIN, INT64_MAX, NULL, NULL, NULL};
    tg_fmt fmt = TG_FMT_CSV;
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
        case O_FORMAT:
            if (tg_cli_parse_format(optarg, &fmt) || (fmt != TG_FMT_CSV && fmt != TG_FMT_JSONL))
                return tg_cli_usage("export", "--format wants csv or jsonl");
            break;
        case O_FROM:
            if (parse_bound(optarg, 0, &o.from))
                return tg_cli_usage("export", "--from: bad date '%s'", optarg);
            break;
        case O_TO:
            if (parse_bound(optarg, 1, &o.to))
                return tg_cli_usage("export", "--to: bad date '%s'", optarg);
            break;
        case O_OUT:
            outpath = optarg;
            break;
        case O_SVG:
            svgpath = optarg;
            break;
        case O_HASHTAG:
            o.hashtag = optarg;
            if (*o.hashtag == '#')
                o.hashtag++;
            break;
        case O_PRODUCT:
            o.product = optarg;
            break;
        case 'h':
            help(stdout);
            return 0;
        default:
            return tg_cli_usage("export", "bad option");
        }
    }
    if (argc - optind != 1)
        return tg_cli_usage("export", "expected one KIND (series, videos, prices, orders, "
                                      "predictions)");
    int kind = tg_store_export_kind(argv[optind]);
    if (kind < 0)
        return tg_cli_usage("export", "unknown kind '%s'", argv[optind]);
    if ((kind == TG_EXPORT_SERIES || kind == TG_EXPORT_VIDEOS) && !o.hashtag)
        return tg_cli_usage("export", "%s needs --hashtag H", argv[optind]);
    if (kind == TG_EXPORT_PRICES && !o.product)
        return tg_cli_usage("export", "prices needs --product P");
    if (svgpath && kind != TG_EXPORT_PRICES)
        return tg_cli_usage("export", "--svg is for prices only");
    if (o.from > o.to)
        return tg_cli_usage("export", "--from is after --to");
    o.jsonl = fmt == TG_FMT_JSONL;

    tg_config cfg;
    tg_store *s = NULL;
    tg_store_read *r = NULL;
    FILE *out = NULL;
    int rc;
    int ex = tg_cli_open_store("export", cfgpath, store_path, TG_STORE_RDONLY, &cfg, &s);
    if (ex)
        goto out;
    rc = tg_store_read_begin(s, &r);
    if (rc) {
        ex = tg_cli_fail("export", rc, "%s", tg_strerror(rc));
        goto out;
    }
    out = tg_cli_open_out("export", outpath);
    if (!out) {
        ex = TG_EX_CANTCREAT;
        goto out;
    }
    o.out = out;
    long rows = 0;
    rc = tg_store_export(r, (tg_export_kind)kind, &o, &rows);
    if (rc)
        ex = tg_cli_fail("export", rc, "%s: %s", argv[optind], tg_strerror(rc));
    int cex = tg_cli_close_out("export", out);
    if (!ex)
        ex = cex;
    if (!ex && svgpath) {
        FILE *svg = tg_cli_open_out("export", svgpath);
        if (!svg) {
            ex = TG_EX_CANTCREAT;
            goto out;
        }
        rc = tg_store_export_prices_svg(r, &o, svg);
        if (rc)
            ex = tg_cli_fail("export", rc, "--svg: %s", tg_strerror(rc));
        cex = tg_cli_close_out("export", svg);
        if (!ex)
            ex = cex;
    }
    if (!ex && outpath && strcmp(outpath, "-") != 0)
        fprintf(stderr, "export %s: %ld rows to %s\n", argv[optind], rows, outpath);
out:
    tg_store_read_end(&r);
    tg_store_close(&s);
    tg_config_free(&cfg);
    return ex;
}
