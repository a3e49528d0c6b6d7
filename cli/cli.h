/*
 * cli.h - what every subcommand shares: the dispatch signatures, output
 * format selection, opening --out files, loading -c/--config, usage errors.
 *
 * Each subcommand lives in cli/cmd_NAME.c and exposes one function
 * `int tg_cmd_NAME(int argc, char **argv)` returning a sysexits code.
 * argv[0] is the subcommand's name; options are parsed with getopt_long so
 * they may come before or after positional arguments.
 */
#ifndef TRENDGUARD_CLI_H
#define TRENDGUARD_CLI_H

#include "trendguard/config.h"
#include "trendguard/store.h"

#include <stdio.h>

#define TG_EX_OK 0
#define TG_EX_USAGE 64
#define TG_EX_DATAERR 65
#define TG_EX_NOINPUT 66
#define TG_EX_SOFTWARE 70
#define TG_EX_CANTCREAT 73
#define TG_EX_IOERR 74
#define TG_EX_TEMPFAIL 75
#define TG_EX_CONFIG 78

#define TG_CMD_LIST(XX)                                                                            \
    XX(crawl, "crawl the configured sources into the store (--once, --duration, --fleet)")         \
    XX(sim, "simulated world: `sim world` generates one, `sim serve` serves it")                   \
    XX(ingest, "load retailer CSVs (products, orders, returns, reviews, zips)")                    \
    XX(store, "inspect the trend store: stats, get, scan, backup, sink")                           \
    XX(export, "export series, videos, prices, orders, predictions (CSV/JSONL/SVG)")               \
    XX(trends, "trend lifecycle and bot-inflated trends: list, show, bots")                        \
    XX(train, "train the regret model (XGBoost) with a time split")                                \
    XX(eval, "compare predictions with a truth file (AUC vs oracle)")                              \
    XX(score, "score orders: regret risk, tier, reasons")                                          \
    XX(interventions, "nightly interventions: run, report")                                        \
    XX(sentiment, "sentiment scorer: eval a labelled file, score text")                            \
    XX(serve, "dashboard, JSON API and metrics over the store")                                    \
    XX(robots, "robots.txt checks (RFC 9309)")                                                     \
    XX(parse, "parse a saved page or API response into records (JSON lines)")                      \
    XX(config, "check or show a config file")

#define TG__CMD_DECL(name, help) int tg_cmd_##name(int argc, char **argv);
TG_CMD_LIST(TG__CMD_DECL)
#undef TG__CMD_DECL

/* `trendguard store sink` (fleet mode); defined by the fleet module. */
int tg_cmd_store_sink(int argc, char **argv);

typedef enum tg_fmt { TG_FMT_CSV = 0, TG_FMT_JSONL, TG_FMT_JSON, TG_FMT_TEXT } tg_fmt;

/* "csv" | "jsonl" | "json" | "text"; returns 0 or -1. */
int tg_cli_parse_format(const char *s, tg_fmt *out);
/* Open path for writing ("-" or NULL means stdout). Prints the error itself. */
FILE *tg_cli_open_out(const char *cmd, const char *path);
/* Close what tg_cli_open_out returned; returns TG_EX_IOERR if a write failed. */
int tg_cli_close_out(const char *cmd, FILE *f);
/*
 * Load the config named by -c (or $TRENDGUARD_CONFIG when path is NULL).
 * Prints "FILE:LINE: message" on failure; returns 0 or a sysexits code.
 */
int tg_cli_load_config(const char *cmd, const char *path, tg_config *cfg);
/*
 * The store a command works on: store_path (--store DIR) when given, and then
 * a config is read only when cfgpath (-c) names one; otherwise the config's
 * [store] path. Fills *cfg (always: the caller tg_config_free()s it), opens
 * the store with flags (TG_STORE_RDONLY / TG_STORE_CREATE) and the config's
 * map size. Prints its errors; returns 0 or a sysexits code (*out NULL then).
 */
int tg_cli_open_store(const char *cmd, const char *cfgpath, const char *store_path, int flags,
                      tg_config *cfg, tg_store **out);
/* Print "trendguard CMD: message" and a --help hint to stderr; returns 64. */
int tg_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "trendguard CMD: message" to stderr; returns tg_exit_code(err). */
int tg_cli_fail(const char *cmd, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set by SIGINT/SIGTERM handlers installed with tg_cli_catch_signals(). */
extern volatile int tg_cli_stop;
extern volatile int tg_cli_reload;
void tg_cli_catch_signals(void);

#endif
