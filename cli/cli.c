/* Shared helpers of the subcommands. */
#include "cli.h"

#include "trendguard/error.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

volatile int tg_cli_stop;
volatile int tg_cli_reload;

int tg_cli_parse_format(const char *s, tg_fmt *out)
{
    if (strcmp(s, "csv") == 0)
        *out = TG_FMT_CSV;
    else if (strcmp(s, "jsonl") == 0)
        *out = TG_FMT_JSONL;
    else if (strcmp(s, "json") == 0)
        *out = TG_FMT_JSON;
    else if (strcmp(s, "text") == 0)
        *out = TG_FMT_TEXT;
    else
        return -1;
    return 0;
}

FILE *tg_cli_open_out(const char *cmd, const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "trendguard %s: %s: %s\n", cmd, path, strerror(errno));
    return f;
}

int tg_cli_close_out(const char *cmd, FILE *f)
{
    if (!f)
        return 0;
    int bad = ferror(f);
    if (f == stdout)
        bad |= fflush(f) != 0;
    else
        bad |= fclose(f) != 0;
    if (bad) {
        fprintf(stderr, "trendguard %s: write failed: %s\n", cmd, strerror(errno));
        return TG_EX_IOERR;
    }
    return 0;
}

int tg_cli_load_config(const char *cmd, const char *path, tg_config *cfg)
{
    if (!path)
        path = getenv("TRENDGUARD_CONFIG");
    if (!path) {
        (void)tg_config_defaults(cfg);
        fprintf(stderr, "trendguard %s: no config: pass -c FILE (or set TRENDGUARD_CONFIG)\n", cmd);
        return TG_EX_USAGE;
    }
    char err[1024];
    int rc = tg_config_load(cfg, path, err, sizeof err);
    if (rc) {
        fprintf(stderr, "%s\n", err);
        return tg_exit_code(rc);
    }
    return 0;
}

int tg_cli_open_store(const char *cmd, const char *cfgpath, const char *store_path, int flags,
                      tg_config *cfg, tg_store **out)
{
    *out = NULL;
    (void)tg_config_defaults(cfg);
    if (cfgpath || !store_path) {
        tg_config_free(cfg);
        int ex = tg_cli_load_config(cmd, cfgpath, cfg);
        if (ex)
            return ex;
    }
    if (!store_path)
        store_path = cfg->store_path;
    int rc = tg_store_open_ex(out, store_path, flags, cfg->map_size_mb);
    if (rc)
        return tg_cli_fail(cmd, rc, "%s: cannot open store: %s", store_path, tg_strerror(rc));
    return 0;
}

int tg_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "trendguard %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'trendguard %s --help'.\n", cmd);
    return TG_EX_USAGE;
}

int tg_cli_fail(const char *cmd, int err, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "trendguard %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    return tg_exit_code(err);
}

static void on_stop(int sig)
{
    (void)sig;
    tg_cli_stop++;
    if (tg_cli_stop >= 3)
        _exit(130); /* third Ctrl-C: the user insists */
}

static void on_hup(int sig)
{
    (void)sig;
    tg_cli_reload = 1;
}

void tg_cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}
