/*
 * trendguard - one binary, many subcommands.
 *
 * Global options (anywhere on the line): --log-format=text|json|auto,
 * --log-level=debug|info|warn|error|off. Everything else belongs to the
 * subcommand.
 */
#include "cli.h"

#include "trendguard/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TG_VERSION
#define TG_VERSION "0.1.0"
#endif

struct cmd {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
};

static const struct cmd cmds[] = {
#define TG__CMD_ROW(name, help) {#name, tg_cmd_##name, help},
    TG_CMD_LIST(TG__CMD_ROW)
#undef TG__CMD_ROW
};

static void usage(FILE *out)
{
    fprintf(out, "usage: trendguard [--log-format=text|json] [--log-level=LEVEL] COMMAND [ARGS]\n\n"
                 "TrendGuard learns which TikTok-driven purchases will be regretted.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(out, "  %-14s %s\n", cmds[i].name, cmds[i].help);
    fprintf(out, "\n'trendguard COMMAND --help' describes a command's options.\n"
                 "Exit codes: 0 ok, 64 usage, 65 bad data, 74 I/O, 78 config (sysexits).\n");
}

int main(int argc, char **argv)
{
    tg_log_level lvl = TG_LOG_INFO;
    tg_log_format fmt = TG_LOG_AUTO;
    const char *e;
    if ((e = getenv("TRENDGUARD_LOG_LEVEL")))
        (void)tg_log_parse_level(e, &lvl);
    if ((e = getenv("TRENDGUARD_LOG_FORMAT")))
        (void)tg_log_parse_format(e, &fmt);
    /* Strip the global options wherever they are. */
    int n = 1;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--log-format=", 13) == 0) {
            if (tg_log_parse_format(argv[i] + 13, &fmt)) {
                fprintf(stderr, "trendguard: --log-format: expected text, json or auto\n");
                return TG_EX_USAGE;
            }
        } else if (strncmp(argv[i], "--log-level=", 12) == 0) {
            if (tg_log_parse_level(argv[i] + 12, &lvl)) {
                fprintf(stderr, "trendguard: --log-level: expected debug, info, warn, error "
                                "or off\n");
                return TG_EX_USAGE;
            }
        } else {
            argv[n++] = argv[i];
        }
    }
    argc = n;
    argv[argc] = NULL;
    tg_log_setup(lvl, fmt, stderr);

    if (argc < 2) {
        usage(stderr);
        return TG_EX_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("trendguard %s\n", TG_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "trendguard: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return TG_EX_USAGE;
}
