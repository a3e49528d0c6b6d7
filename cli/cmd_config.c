/* trendguard config check|show FILE */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out, "usage: trendguard config check FILE\n"
                 "       trendguard config show FILE\n"
                 "       trendguard config keys\n\n"
                 "check  validate FILE; prints 'FILE: ok' or 'FILE:LINE: message' (exit 78)\n"
                 "show   print the effective config (defaults filled in, secrets masked)\n"
                 "keys   list every known key with its type and default (CSV)\n"
                 "FILE may also be given as -c FILE.\n");
}

int tg_cmd_config(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'h':
            help(stdout);
            return 0;
        default:
            return tg_cli_usage("config", "bad option");
        }
    }
    if (optind >= argc)
        return tg_cli_usage("config", "expected check or show");
    const char *verb = argv[optind++];
    if (strcmp(verb, "keys") == 0) {
        tg_config_keys(stdout);
        return 0;
    }
    if (optind < argc)
        path = argv[optind++];
    if (optind < argc)
        return tg_cli_usage("config", "unexpected argument '%s'", argv[optind]);
    if (!path)
        return tg_cli_usage("config", "expected a config FILE");
    if (strcmp(verb, "check") != 0 && strcmp(verb, "show") != 0)
        return tg_cli_usage("config", "unknown verb '%s' (expected check or show)", verb);
    tg_config cfg;
    int rc = tg_cli_load_config("config", path, &cfg);
    if (rc == 0) {
        if (strcmp(verb, "check") == 0)
            printf("%s: ok\n", path);
        else
            tg_config_show(&cfg, stdout);
    }
    tg_config_free(&cfg);
    return rc;
}
