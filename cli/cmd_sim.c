/*
 * trendguard sim - the simulated world.
 *
 *   trendguard sim world --seed N --out DIR [--products 60] [--days 150]
 *                        [--orders 60000] [--start 2026-01-01]
 *   trendguard sim serve --world DIR [--port P] [--speed X] [--start-day D]
 *                        [--fault-rate R] [--quota N] [--log FILE] [--port-file F]
 */
#include "cli.h"

#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/sim.h"
#include "trendguard/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char world_usage[] =
    "usage: trendguard sim world --seed N --out DIR [--products N] [--days N]\n"
    "                            [--orders N] [--start YYYY-MM-DD]\n"
    "\n"
    "Generate a deterministic simulated world (same options -> same bytes) into DIR:\n"
    "  products.csv orders.csv returns.csv reviews.csv zips.csv   retailer files\n"
    "  world.json                                                 what `sim serve` rebuilds from\n"
    "  truth/regret.csv truth/bots.csv truth/trends.csv truth/summary.json\n"
    "\n"
    "Options:\n"
    "  --seed N         world seed (required)\n"
    "  --out DIR        output directory, created if missing (required)\n"
    "  --products N     number of products (default 60)\n"
    "  --days N         length of the world in days (default 150)\n"
    "  --orders N       number of orders (default 60000)\n"
    "  --start DATE     first day, UTC (default 2026-01-01)\n"
    "  -h, --help       this help\n"
    "\n"
    "Prints a one-line summary (base rate, oracle AUC, counts) to stdout.\n";

static const char serve_usage[] =
    "usage: trendguard sim serve --world DIR [--port P] [--speed X] [--start-day D]\n"
    "                            [--fault-rate R] [--quota N] [--log FILE] [--port-file F]\n"
    "\n"
    "Serve the world in DIR on 127.0.0.1 in the shapes of the TikTok Research API, the\n"
    "eBay Browse API and sold-listing pages, and Poshmark's JSON (see docs/SIM.md).\n"
    "\n"
    "Options:\n"
    "  --world DIR        a directory written by `trendguard sim world` (required)\n"
    "  --port P           TCP port on 127.0.0.1; 0 (default) picks a free one\n"
    "  --port-file F      write the bound port to F (after binding)\n"
    "  --speed X          virtual seconds per real second (default 1; 86400 = a day a second)\n"
    "  --start-day D      virtual clock starts at world start + D days (default 0)\n"
    "  --fault-rate R     share of requests answered with a fault: TikTok 500 internal_error\n"
    "                     (or, rarely, an expired search id), eBay block page, 500s (default 0)\n"
    "  --quota N          TikTok query requests per virtual UTC day, 0 = unlimited (default 1000)\n"
    "  --threads N        server threads (default 2)\n"
    "  --token-ttl SECS   token lifetime in real seconds (default 7200)\n"
    "  --tiktok-key K     only accept this client_key (default: any non-empty)\n"
    "  --tiktok-secret S  only accept this client_secret (default: any non-empty)\n"
    "  --log FILE         JSON-lines request log\n"
    "  -h, --help         this help\n"
    "\n"
    "Prints the base URL (http://127.0.0.1:PORT) on stdout once listening; stops cleanly\n"
    "on SIGINT/SIGTERM.\n";

static const char sim_usage[] =
    "usage: trendguard sim world --seed N --out DIR [...]\n"
    "       trendguard sim serve --world DIR [...]\n"
    "\n"
    "'trendguard sim world --help' and 'trendguard sim serve --help' describe the options.\n";

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int cmd_world(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'},     {"out", required_argument, NULL, 'o'},
        {"products", required_argument, NULL, 'p'}, {"days", required_argument, NULL, 'd'},
        {"orders", required_argument, NULL, 'n'},   {"start", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *cmd = "sim world";
    tg_sim_params p;
    tg_sim_params_default(&p);
    const char *out = NULL;
    bool have_seed = false;
    long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 's': {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || *optarg == '-')
                return tg_cli_usage(cmd, "--seed: expected a non-negative integer");
            p.seed = s;
            have_seed = true;
            break;
        }
        case 'o':
            out = optarg;
            break;
        case 'p':
            if (parse_long(optarg, 1, 5000, &v))
                return tg_cli_usage(cmd, "--products: expected 1..5000");
            p.products = (int)v;
            break;
        case 'd':
            if (parse_long(optarg, 7, 3650, &v))
                return tg_cli_usage(cmd, "--days: expected 7..3650");
            p.days = (int)v;
            break;
        case 'n':
            if (parse_long(optarg, 0, 10000000, &v))
                return tg_cli_usage(cmd, "--orders: expected 0..10000000");
            p.orders = v;
            break;
        case 't':
            if (tg_time_parse(optarg, &p.start) || p.start % 86400 != 0)
                return tg_cli_usage(cmd, "--start: expected a date YYYY-MM-DD");
            break;
        case 'h':
            fputs(world_usage, stdout);
            return 0;
        default:
            return tg_cli_usage(cmd, "bad option");
        }
    }
    if (optind < argc)
        return tg_cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (!have_seed)
        return tg_cli_usage(cmd, "--seed is required");
    if (!out)
        return tg_cli_usage(cmd, "--out is required");
    tg_sim_summary s;
    int rc = tg_sim_world_generate(&p, out, &s);
    if (rc)
        return tg_cli_fail(cmd, rc, "%s: %s", out, tg_strerror(rc));
    printf("world %s: seed=%llu products=%ld hashtags=%ld (bot %ld) videos=%ld "
           "ebay_listings=%ld poshmark_listings=%ld orders=%ld returns=%ld reviews=%ld "
           "base_rate=%.4f oracle_auc=%.4f\n",
           out, (unsigned long long)p.seed, s.products, s.hashtags, s.bot_hashtags, s.videos,
           s.ebay_listings, s.poshmark_listings, s.orders, s.returns, s.reviews, s.base_rate,
           s.oracle_auc);
    return tg_cli_close_out(cmd, stdout);
}

static int write_port_file(const char *path, int port)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return TG_EIO;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return TG_EIO;
    }
    return TG_OK;
}

static int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"world", required_argument, NULL, 'w'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"speed", required_argument, NULL, 's'},
                                         {"start-day", required_argument, NULL, 'd'},
                                         {"fault-rate", required_argument, NULL, 'f'},
                                         {"quota", required_argument, NULL, 'q'},
                                         {"log", required_argument, NULL, 'l'},
                                         {"port-file", required_argument, NULL, 'P'},
                                         {"threads", required_argument, NULL, 'T'},
                                         {"token-ttl", required_argument, NULL, 'E'},
                                         {"tiktok-key", required_argument, NULL, 'K'},
                                         {"tiktok-secret", required_argument, NULL, 'S'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cmd = "sim serve";
    tg_sim_server_opts o;
    tg_sim_server_opts_default(&o);
    const char *world = NULL, *port_file = NULL;
    long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "w:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'w':
            world = optarg;
            break;
        case 'p':
            if (parse_long(optarg, 0, 65535, &v))
                return tg_cli_usage(cmd, "--port: expected 0..65535");
            o.port = (int)v;
            break;
        case 's':
            if (parse_double(optarg, 0, 1e9, &o.speed))
                return tg_cli_usage(cmd, "--speed: expected a number >= 0");
            break;
        case 'd':
            if (parse_double(optarg, -3650, 3650, &o.start_day))
                return tg_cli_usage(cmd, "--start-day: expected a number of days");
            break;
        case 'f':
            if (parse_double(optarg, 0, 1, &o.fault_rate))
                return tg_cli_usage(cmd, "--fault-rate: expected 0..1");
            break;
        case 'q':
            if (parse_long(optarg, 0, 1000000000, &o.quota))
                return tg_cli_usage(cmd, "--quota: expected a count >= 0");
            break;
        case 'T':
            if (parse_long(optarg, 1, 64, &v))
                return tg_cli_usage(cmd, "--threads: expected 1..64");
            o.threads = (int)v;
            break;
        case 'E':
            if (parse_double(optarg, 1, 1e9, &o.token_ttl))
                return tg_cli_usage(cmd, "--token-ttl: expected seconds >= 1");
            break;
        case 'l':
            o.log_path = optarg;
            break;
        case 'P':
            port_file = optarg;
            break;
        case 'K':
            o.tiktok_key = optarg;
            break;
        case 'S':
            o.tiktok_secret = optarg;
            break;
        case 'h':
            fputs(serve_usage, stdout);
            return 0;
        default:
            return tg_cli_usage(cmd, "bad option");
        }
    }
    if (optind < argc)
        return tg_cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (!world)
        return tg_cli_usage(cmd, "--world is required");
    tg_sim_world *w = NULL;
    int rc = tg_sim_world_load(world, &w);
    if (rc)
        return tg_cli_fail(cmd, rc, "%s: cannot load the world: %s", world, tg_strerror(rc));
    tg_cli_catch_signals();
    tg_sim_server *s = NULL;
    rc = tg_sim_server_start(&o, w, &s);
    if (rc) {
        tg_sim_world_free(&w);
        return tg_cli_fail(cmd, rc, "cannot start the server: %s", tg_strerror(rc));
    }
    int port = tg_sim_server_port(s);
    int ex = 0;
    if (port_file && write_port_file(port_file, port)) {
        ex = tg_cli_fail(cmd, TG_EIO, "%s: cannot write the port file", port_file);
        goto out;
    }
    printf("http://127.0.0.1:%d\n", port);
    fflush(stdout);
    tg_info("sim", "serving %s on 127.0.0.1:%d (speed %g, start day %g)", world, port, o.speed,
            o.start_day);
    while (!tg_cli_stop) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    tg_info("sim", "stopping after %lu responses", tg_sim_server_responses(s));
out:
    tg_sim_server_stop(&s);
    tg_sim_world_free(&w);
    return ex;
}

int tg_cmd_sim(int argc, char **argv)
{
    if (argc < 2) {
        fputs(sim_usage, stderr);
        return TG_EX_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(sim_usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "world") == 0)
        return cmd_world(argc - 1, argv + 1);
    if (strcmp(argv[1], "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    return tg_cli_usage("sim", "unknown subcommand '%s' (world, serve)", argv[1]);
}
