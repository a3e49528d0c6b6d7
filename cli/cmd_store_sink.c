/* trendguard store sink - the fleet's single LMDB writer (NS:results -> the store). */
#include "cli.h"

#include "trendguard/error.h"
#include "trendguard/sink.h"
#include "trendguard/util.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: trendguard store sink -c FILE --fleet [--duration D]\n\n"
                 "Apply the results of fleet workers (`trendguard crawl --fleet`) to the\n"
                 "store of the config: reads the Redis stream NS:results ([fleet] redis,\n"
                 "namespace) through the consumer group \"sink\", commits each batch of up\n"
                 "to 512 results in one LMDB transaction, then acknowledges and deletes\n"
                 "the entries. Every entry is applied once, even when the sink is killed\n"
                 "between its commit and its acknowledgement. One sink runs per namespace\n"
                 "(NS:sink:lock); a second one waits. docs/FLEET.md has the details.\n\n"
                 "Options:\n"
                 "  -c, --config FILE   the config (or $TRENDGUARD_CONFIG)\n"
                 "      --fleet         required: the sink only exists in fleet mode\n"
                 "      --duration D    stop after D (e.g. 90s, 10m); default: run on\n"
                 "  -h, --help          this help\n\n"
                 "Redis unreachable: the sink pauses (1 s doubling to 30 s) and continues.\n"
                 "Signals: SIGINT/SIGTERM finish the batch in hand, then exit 0.\n"
                 "Test hook: TG_TEST_CRASH_AFTER_COMMIT=N kills the sink (SIGKILL) right\n"
                 "after its Nth commit, before the acknowledgement.\n"
                 "Exit codes: 0 ok, 64 usage, 74 store I/O, 78 config.\n");
}

/* TG_TEST_CRASH_AFTER_COMMIT: die like kill -9 between commit and XACK. */
static void crash_after(void *ud, uint64_t n)
{
    if (n >= *(uint64_t *)ud) {
        fprintf(stderr, "trendguard store sink: TG_TEST_CRASH_AFTER_COMMIT reached\n");
        raise(SIGKILL);
    }
}

int tg_cmd_store_sink(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"fleet", no_argument, NULL, 'F'},
        {"duration", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    bool fleet = false;
    tg_sink_opts o;
    memset(&o, 0, sizeof o);
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config = optarg;
            break;
        case 'F':
            fleet = true;
            break;
        case 'd':
            if (tg_duration_parse(optarg, &o.duration_s) || o.duration_s <= 0)
                return tg_cli_usage("store sink", "--duration: expected e.g. 90s, 10m, 2h");
            break;
        case 'h':
            usage(stdout);
            return TG_EX_OK;
        default:
            return tg_cli_usage("store sink", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return tg_cli_usage("store sink", "unexpected argument '%s'", argv[optind]);
    if (!fleet)
        return tg_cli_usage("store sink", "--fleet is required (the sink reads the fleet's "
                                          "Redis stream)");
    uint64_t crash_n = 0;
    const char *crash = getenv("TG_TEST_CRASH_AFTER_COMMIT");
    if (crash && *crash) {
        char *end;
        unsigned long long v = strtoull(crash, &end, 10);
        if (*end || v == 0)
            return tg_cli_usage("store sink", "TG_TEST_CRASH_AFTER_COMMIT: expected N >= 1");
        crash_n = v;
        o.after_commit = crash_after;
        o.ud = &crash_n;
    }

    tg_config cfg;
    int ex = tg_cli_load_config("store sink", config, &cfg);
    if (ex) {
        tg_config_free(&cfg);
        return ex;
    }
    tg_cli_catch_signals();
    tg_sink_stats st;
    int rc = tg_sink_run(&cfg, &o, &st);
    tg_config_free(&cfg);
    if (rc)
        return tg_cli_fail("store sink", rc, "%s", tg_strerror(rc));
    return TG_EX_OK;
}
