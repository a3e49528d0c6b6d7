/* Leveled logging: text on a terminal, JSON lines otherwise. */
#include "trendguard/log.h"
#include "trendguard/util.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static tg_log_level g_level = TG_LOG_INFO;
static tg_log_format g_fmt = TG_LOG_AUTO;
static FILE *g_out;

static const char *lvl_name[] = {"debug", "info", "warn", "error"};

void tg_log_setup(tg_log_level level, tg_log_format fmt, FILE *out)
{
    g_level = level;
    g_out = out;
    if (fmt == TG_LOG_AUTO)
        fmt = isatty(fileno(out ? out : stderr)) ? TG_LOG_TEXT : TG_LOG_JSON;
    g_fmt = fmt;
}

tg_log_level tg_log_get_level(void)
{
    return g_level;
}

int tg_log_is_text(void)
{
    if (g_fmt == TG_LOG_AUTO)
        return isatty(fileno(g_out ? g_out : stderr));
    return g_fmt == TG_LOG_TEXT;
}

int tg_log_parse_level(const char *s, tg_log_level *out)
{
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, lvl_name[i]) == 0) {
            *out = (tg_log_level)i;
            return 0;
        }
    if (strcasecmp(s, "off") == 0) {
        *out = TG_LOG_OFF;
        return 0;
    }
    return -1;
}

int tg_log_parse_format(const char *s, tg_log_format *out)
{
    if (strcmp(s, "text") == 0)
        *out = TG_LOG_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = TG_LOG_JSON;
    else if (strcmp(s, "auto") == 0)
        *out = TG_LOG_AUTO;
    else
        return -1;
    return 0;
}

static void json_escape(tg_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            tg_buf_addc(b, '\\');
            tg_buf_addc(b, (char)c);
        } else if (c < 0x20) {
            tg_buf_printf(b, "\\u%04x", c);
        } else {
            tg_buf_addc(b, (char)c);
        }
    }
}

void tg_log(tg_log_level lvl, const char *component, unsigned long long reqid, const char *fmt, ...)
{
    if (lvl < g_level || lvl >= TG_LOG_OFF)
        return;
    FILE *out = g_out ? g_out : stderr;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char ts[32];
    tg_time_format(tg_now(), ts, sizeof ts);
    tg_buf b;
    tg_buf_init(&b, 0);
    if (tg_log_is_text()) {
        tg_buf_printf(&b, "%s %-5s %s: ", ts, lvl_name[lvl], component);
        if (reqid)
            tg_buf_printf(&b, "[req %llu] ", reqid);
        tg_buf_adds(&b, msg);
        tg_buf_addc(&b, '\n');
    } else {
        tg_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"", ts, lvl_name[lvl]);
        json_escape(&b, component);
        tg_buf_adds(&b, "\"");
        if (reqid)
            tg_buf_printf(&b, ",\"req\":%llu", reqid);
        tg_buf_adds(&b, ",\"msg\":\"");
        json_escape(&b, msg);
        tg_buf_adds(&b, "\"}\n");
    }
    if (b.data)
        fwrite(b.data, 1, b.len, out);
    fflush(out);
    tg_buf_free(&b);
}

const char *tg_log_redact(const char *secret, char *buf, size_t n)
{
    if (!secret || !*secret)
        snprintf(buf, n, "(unset)");
    else
        snprintf(buf, n, "%.2s***", strlen(secret) > 8 ? secret : "");
    return buf;
}
