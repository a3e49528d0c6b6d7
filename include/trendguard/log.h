/*
 * log.h - leveled logging. Readable lines on a terminal, JSON lines
 * otherwise (or as forced by --log-format). Secrets must never be passed to
 * the logger: callers log ids and sizes, not tokens; tg_log_redact() masks a
 * value for the rare place that has to mention one.
 */
#ifndef TRENDGUARD_LOG_H
#define TRENDGUARD_LOG_H

#include <stdio.h>

typedef enum tg_log_level {
    TG_LOG_DEBUG = 0,
    TG_LOG_INFO,
    TG_LOG_WARN,
    TG_LOG_ERROR,
    TG_LOG_OFF
} tg_log_level;

typedef enum tg_log_format { TG_LOG_AUTO = 0, TG_LOG_TEXT, TG_LOG_JSON } tg_log_format;

void tg_log_setup(tg_log_level level, tg_log_format fmt, FILE *out);
int tg_log_parse_level(const char *s, tg_log_level *out);
int tg_log_parse_format(const char *s, tg_log_format *out);
tg_log_level tg_log_get_level(void);
/* True when log lines are human text (a terminal or --log-format=text). */
int tg_log_is_text(void);

/*
 * Log one event. `component` is a short module name ("crawl", "ingest").
 * `reqid` is a per-fetch request id or 0. The message is printf-style.
 */
void tg_log(tg_log_level lvl, const char *component, unsigned long long reqid, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define tg_debug(comp, ...) tg_log(TG_LOG_DEBUG, comp, 0, __VA_ARGS__)
#define tg_info(comp, ...) tg_log(TG_LOG_INFO, comp, 0, __VA_ARGS__)
#define tg_warn(comp, ...) tg_log(TG_LOG_WARN, comp, 0, __VA_ARGS__)
#define tg_error(comp, ...) tg_log(TG_LOG_ERROR, comp, 0, __VA_ARGS__)

/* "ab***" style mask of a secret into buf; never prints more than 2 chars. */
const char *tg_log_redact(const char *secret, char *buf, size_t n);

#endif
