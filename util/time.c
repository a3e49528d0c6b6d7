/* Time parsing and formatting; everything is UTC seconds since the epoch. */
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int64_t tg_days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static int digits(const char *s, size_t n, size_t pos, size_t cnt, int *out)
{
    if (pos + cnt > n)
        return -1;
    int v = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (!isdigit((unsigned char)s[pos + i]))
            return -1;
        v = v * 10 + (s[pos + i] - '0');
    }
    *out = v;
    return 0;
}

static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

int tg_time_parse_n(const char *s, size_t n, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    if (digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' || digits(s, n, 5, 2, &mo) || s[7] != '-' ||
        digits(s, n, 8, 2, &d))
        return TG_EDATA;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        return TG_EDATA;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return TG_EDATA;
    size_t p = 10;
    int64_t off = 0;
    if (p < n) {
        if (s[p] != 'T' && s[p] != ' ' && s[p] != 't')
            return TG_EDATA;
        p++;
        if (digits(s, n, p, 2, &h) || p + 2 >= n || s[p + 2] != ':' || digits(s, n, p + 3, 2, &mi))
            return TG_EDATA;
        p += 5;
        if (p < n && s[p] == ':') {
            if (digits(s, n, p + 1, 2, &se))
                return TG_EDATA;
            p += 3;
            if (p < n && (s[p] == '.' || s[p] == ',')) {
                p++;
                while (p < n && isdigit((unsigned char)s[p]))
                    p++;
            }
        }
        if (h > 23 || mi > 59 || se > 60)
            return TG_EDATA;
        if (p < n) {
            if ((s[p] == 'Z' || s[p] == 'z') && p + 1 == n) {
                p++;
            } else if (s[p] == '+' || s[p] == '-') {
                int oh, om = 0;
                if (digits(s, n, p + 1, 2, &oh))
                    return TG_EDATA;
                size_t q = p + 3;
                if (q < n && s[q] == ':')
                    q++;
                if (q < n) {
                    if (digits(s, n, q, 2, &om))
                        return TG_EDATA;
                    q += 2;
                }
                if (q != n || oh > 23 || om > 59)
                    return TG_EDATA;
                off = (oh * 3600 + om * 60) * (s[p] == '+' ? 1 : -1);
                p = q;
            } else {
                return TG_EDATA;
            }
        }
    }
    if (p != n)
        return TG_EDATA;
    *out = tg_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    return TG_OK;
}

int tg_time_parse(const char *s, int64_t *out)
{
    return tg_time_parse_n(s, strlen(s), out);
}

static const char *const mon_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const wday_names[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};

int tg_http_date_parse(const char *s, int64_t *out)
{
    /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
    char wd[8], mon[8], tz[8];
    int d, y, h, mi, se;
    if (sscanf(s, "%3s, %d %3s %d %d:%d:%d %3s", wd, &d, mon, &y, &h, &mi, &se, tz) != 8)
        return TG_EDATA;
    if (strcmp(tz, "GMT") != 0)
        return TG_EDATA;
    int m = -1;
    for (int i = 0; i < 12; i++)
        if (strcmp(mon, mon_names[i]) == 0)
            m = i + 1;
    if (m < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || y < 1970 || y > 9999)
        return TG_EDATA;
    *out = tg_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
    return TG_OK;
}

/* Times are clamped to years 0001..9999: outside input never overflows. */
#define TG_TIME_MIN (-62135596800LL)
#define TG_TIME_MAX 253402300799LL
static int64_t clamp_t(int64_t t)
{
    return t < TG_TIME_MIN ? TG_TIME_MIN : t > TG_TIME_MAX ? TG_TIME_MAX : t;
}

static int32_t floordiv_day(int64_t t)
{
    t = clamp_t(t);
    return (int32_t)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
}

int32_t tg_day_of(int64_t t)
{
    return floordiv_day(t);
}

char *tg_time_format(int64_t t, char *buf, size_t n)
{
    t = clamp_t(t);
    int64_t day = floordiv_day(t);
    int64_t sec = t - day * 86400;
    int y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(buf, n, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
    return buf;
}

char *tg_date_format(int64_t t, char *buf, size_t n)
{
    t = clamp_t(t);
    int y;
    unsigned m, d;
    civil_from_days(floordiv_day(t), &y, &m, &d);
    snprintf(buf, n, "%04d-%02u-%02u", y, m, d);
    return buf;
}

char *tg_http_date_format(int64_t t, char *buf, size_t n)
{
    t = clamp_t(t);
    int64_t day = floordiv_day(t);
    int64_t sec = t - day * 86400;
    int y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    int wd = (int)(((day % 7) + 7) % 7);
    snprintf(buf, n, "%s, %02u %s %04d %02d:%02d:%02d GMT", wday_names[wd], d, mon_names[m - 1], y,
             (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
    return buf;
}

int64_t tg_now(void)
{
    return (int64_t)time(NULL);
}

double tg_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int tg_duration_parse(const char *s, double *seconds)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return TG_EDATA;
    while (*end == ' ')
        end++;
    double mult;
    if (*end == 0 || strcmp(end, "s") == 0)
        mult = 1;
    else if (strcmp(end, "ms") == 0)
        mult = 0.001;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        mult = 60;
    else if (strcmp(end, "h") == 0)
        mult = 3600;
    else if (strcmp(end, "d") == 0)
        mult = 86400;
    else
        return TG_EDATA;
    *seconds = v * mult;
    return TG_OK;
}
