/* trendguard crawl - crawl the configured sources into the store. */
#include "cli.h"

#include "trendguard/crawl.h"
#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: trendguard crawl -c FILE [--fleet] [--once] [--duration D] [--only SOURCE]\n"
            "                        [--metrics-port P [--metrics-port-file F]]\n"
            "                        [--progress|--no-progress]\n"
            "       trendguard crawl status -c FILE [--format csv|json]\n\n"
            "Crawl the sources of the config ([tiktok], [ebay], [poshmark], [site.NAME])\n"
            "into the store. The frontier lives in the store: stop it any way you like\n"
            "(even kill -9) and the next run resumes where the last commit left it.\n\n"
            "Options:\n"
            "  -c, --config FILE     the config (or $TRENDGUARD_CONFIG)\n"
            "      --fleet           one worker of a fleet: frontier, politeness, budgets,\n"
            "                        tokens and robots in [fleet] redis; results go to its\n"
            "                        stream for `store sink --fleet` (no store is opened);\n"
            "                        with --once it exits when the fleet's round is done\n"
            "      --once            one round: every due job, paging to its end, then exit\n"
            "      --duration D      stop after D (e.g. 90s, 10m, 2h); default: run on\n"
            "      --only SOURCE     crawl one source: tiktok, ebay, ebay_sold, poshmark, site\n"
            "      --metrics-port P  Prometheus text at http://127.0.0.1:P/metrics\n"
            "      --metrics-port-file F  write the metrics port to F (with P 0: any free)\n"
            "      --progress        a live progress line on stderr (default on a TTY)\n"
            "      --no-progress     JSON/text log lines only\n"
            "      --format F        status: csv (default) or json\n"
            "  -h, --help            this help\n\n"
            "Signals: SIGINT/SIGTERM stop gracefully (in-flight items return to the\n"
            "frontier), SIGHUP reloads rates, budgets, retries and poll intervals.\n"
            "Exit codes: 0 ok, 64 usage, 74 store I/O, 78 config.\n");
}

int tg_cmd_crawl(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"once", no_argument, NULL, 'o'},
        {"fleet", no_argument, NULL, 'F'},
        {"duration", required_argument, NULL, 'd'},
        {"only", required_argument, NULL, 's'},
        {"metrics-port", required_argument, NULL, 'm'},
        {"metrics-port-file", required_argument, NULL, 'M'},
        {"progress", no_argument, NULL, 'p'},
        {"no-progress", no_argument, NULL, 'P'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *fmt = "csv";
    tg_crawl_opts o;
    memset(&o, 0, sizeof o);
    o.progress = isatty(2) && tg_log_is_text();
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config = optarg;
            break;
        case 'o':
            o.once = true;
            break;
        case 'F':
            o.fleet = true;
            break;
        case 'd':
            if (tg_duration_parse(optarg, &o.duration_s) || o.duration_s <= 0)
                return tg_cli_usage("crawl", "--duration: expected e.g. 90s, 10m, 2h");
            break;
        case 's':
            if (strcmp(optarg, "tiktok") && strcmp(optarg, "ebay") && strcmp(optarg, "ebay_sold") &&
                strcmp(optarg, "poshmark") && strcmp(optarg, "site"))
                return tg_cli_usage("crawl", "--only: expected tiktok, ebay, ebay_sold, "
                                             "poshmark or site");
            o.only = optarg;
            break;
        case 'm': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 65535)
                return tg_cli_usage("crawl", "--metrics-port: expected a port 0..65535");
            o.metrics_port = (int)v;
            break;
        }
        case 'M':
            o.metrics_port_file = optarg;
            break;
        case 'p':
            o.progress = true;
            break;
        case 'P':
            o.progress = false;
            break;
        case 'f':
            fmt = optarg;
            break;
        case 'h':
            usage(stdout);
            return TG_EX_OK;
        default:
            return tg_cli_usage("crawl", "unknown option '%s'", argv[optind - 1]);
        }
    }
    bool status = false;
    if (optind < argc) {
        if (strcmp(argv[optind], "status") == 0 && optind + 1 == argc)
            status = true;
        else
            return tg_cli_usage("crawl", "unexpected argument '%s'", argv[optind]);
    }
    if (status && o.fleet)
        return tg_cli_usage("crawl", "status reads the store: run it where the sink writes");
    if (status && strcmp(fmt, "csv") && strcmp(fmt, "json"))
        return tg_cli_usage("crawl", "--format: expected csv or json");

    tg_config cfg;
    int ex = tg_cli_load_config("crawl", config, &cfg);
    if (ex) {
        tg_config_free(&cfg);
        return ex;
    }
    int rc;
    if (status) {
        rc = tg_crawl_status(&cfg, stdout, strcmp(fmt, "json") == 0);
        tg_config_free(&cfg);
        if (rc)
            return tg_cli_fail("crawl", rc, "status: %s", tg_strerror(rc));
        return tg_cli_close_out("crawl", stdout);
    }
    if (!getenv("UV_THREADPOOL_SIZE")) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        char buf[16];
        snprintf(buf, sizeof buf, "%ld", n < 2 ? 2 : n > 64 ? 64 : n);
        setenv("UV_THREADPOOL_SIZE", buf, 1); /* parsers + the writer */
    }
    tg_cli_catch_signals();
    tg_crawl_stats st;
    rc = tg_crawl_run(&cfg, &o, &st);
    tg_config_free(&cfg);
    if (rc)
        return tg_cli_fail("crawl", rc, "%s", tg_strerror(rc));
    return TG_EX_OK;
}
