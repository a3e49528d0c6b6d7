/*
 * Price, count, hashtag and sold-date patterns (PCRE2, JIT when available).
 * Patterns are compiled once (pthread_once) and shared read-only; every
 * call makes its own match data, so all of this is thread-safe.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <math.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One amount: optional country prefix, symbol or code, the digits, optional trailing code. */
static const char PRICE_RE[] =
    "(?i)(?:\\b(US|C|CA|AU|A|NZ|HK|SG)\\s?)?([$\\x{a3}\\x{20ac}\\x{a5}]|\\b(?:USD|GBP|EUR|CAD|AUD|"
    "JPY|CHF)\\b)?[\\s\\x{a0}]*(\\d(?:[\\d,.]|[\\x{a0} ](?=\\d{3}\\b))*)(?<=\\d)"
    "(?:[\\s\\x{a0}]*(USD|GBP|EUR|\\x{20ac}|\\x{a3}))?";
static const char RANGE_SEP_RE[] = "^[\\s\\x{a0}]*(?:to|-|\\x{2013}|\\x{2014})[\\s\\x{a0}]*$";
static const char COUNT_RE[] = "^\\s*(\\d+(?:[.,]\\d+)*)\\s*([KkMmBb])?\\s*$";
static const char HASHTAG_RE[] = "#([\\p{L}\\p{N}_\\p{Mn}]+)";
static const char SOLD_RE[] =
    "(?i)(?:sold|ended)?[\\s\\x{a0}]*(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?"
    "[\\s\\x{a0}]+(\\d{1,2}),?[\\s\\x{a0}]+(\\d{4})|(\\d{1,2})[\\s\\x{a0}]+(jan|feb|mar|apr|may|"
    "jun|"
    "jul|aug|sep|oct|nov|dec)[a-z]*\\.?,?[\\s\\x{a0}]+(\\d{4}))";

enum { RE_PRICE, RE_RANGE, RE_COUNT, RE_HASHTAG, RE_SOLD, RE__N };
static pcre2_code *re[RE__N];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void compile_all(void)
{
    const char *src[RE__N] = {PRICE_RE, RANGE_SEP_RE, COUNT_RE, HASHTAG_RE, SOLD_RE};
    for (int i = 0; i < RE__N; i++) {
        int ec;
        PCRE2_SIZE eo;
        re[i] = pcre2_compile((PCRE2_SPTR)src[i], PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &ec, &eo, NULL);
        if (re[i])
            (void)pcre2_jit_compile(re[i], PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
    }
    xmlInitParser();
}

void tg_parse__pcre_init(void)
{
    pthread_once(&once, compile_all);
}

void tg_parse_init(void)
{
    tg_parse__pcre_init();
}

/* Run pattern i over s[0..n) from offset; returns the rc (> 0 on a match). */
static int run(int i, const char *s, size_t n, size_t off, pcre2_match_data *md)
{
    if (!re[i])
        return -1;
    return pcre2_match(re[i], (PCRE2_SPTR)s, n, off, 0, md, NULL);
}

static size_t grp(pcre2_match_data *md, int g, const char *s, const char **p)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (ov[2 * g] == PCRE2_UNSET) {
        *p = NULL;
        return 0;
    }
    *p = s + ov[2 * g];
    return ov[2 * g + 1] - ov[2 * g];
}

/*
 * Digits with separators -> value. The last '.' or ',' followed by exactly
 * one or two digits (and nothing else) is the decimal point; every other
 * separator groups thousands ("1,234.56", "1.234,56", "10,00", "1,234").
 */
static int number_value(const char *p, size_t n, double *out)
{
    char buf[64];
    size_t k = 0;
    ssize_t dec = -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '.' || p[i] == ',') {
            size_t d = 0;
            while (i + 1 + d < n && isdigit((unsigned char)p[i + 1 + d]))
                d++;
            if (i + 1 + d == n && (d == 1 || d == 2))
                dec = (ssize_t)i;
        }
    }
    for (size_t i = 0; i < n && k < sizeof buf - 1; i++) {
        if (isdigit((unsigned char)p[i]))
            buf[k++] = p[i];
        else if ((ssize_t)i == dec)
            buf[k++] = '.';
    }
    buf[k] = 0;
    if (!k)
        return TG_EDATA;
    char *end;
    *out = strtod(buf, &end);
    return *end ? TG_EDATA : TG_OK;
}

static void currency_of(const char *pre, size_t npre, const char *sym, size_t nsym,
                        const char *post, size_t npost, char cur[4])
{
    cur[0] = 0;
    const char *c = sym ? sym : post;
    size_t nc = sym ? nsym : npost;
    if (!c)
        return;
    if (nc == 1 && c[0] == '$') {
        const char *code = "USD";
        if (pre) {
            if ((npre == 1 && toupper((unsigned char)pre[0]) == 'C') ||
                (npre == 2 && strncasecmp(pre, "CA", 2) == 0))
                code = "CAD";
            else if ((npre == 1 && toupper((unsigned char)pre[0]) == 'A') ||
                     (npre == 2 && strncasecmp(pre, "AU", 2) == 0))
                code = "AUD";
            else if (npre == 2 && strncasecmp(pre, "NZ", 2) == 0)
                code = "NZD";
            else if (npre == 2 && strncasecmp(pre, "HK", 2) == 0)
                code = "HKD";
            else if (npre == 2 && strncasecmp(pre, "SG", 2) == 0)
                code = "SGD";
        }
        memcpy(cur, code, 4);
    } else if (nc == 2 && (unsigned char)c[0] == 0xc2 && (unsigned char)c[1] == 0xa3) {
        memcpy(cur, "GBP", 4);
    } else if (nc == 2 && (unsigned char)c[0] == 0xc2 && (unsigned char)c[1] == 0xa5) {
        memcpy(cur, "JPY", 4);
    } else if (nc == 3 && (unsigned char)c[0] == 0xe2) {
        memcpy(cur, "EUR", 4);
    } else if (nc == 3) {
        for (int i = 0; i < 3; i++)
            cur[i] = (char)toupper((unsigned char)c[i]);
        cur[3] = 0;
    }
}

int tg_parse_price(const char *s, size_t n, tg_price *out)
{
    int ret = TG_EDATA;
    memset(out, 0, sizeof *out);
    tg_parse__pcre_init();
    if (!re[RE_PRICE])
        return TG_EINTERNAL;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re[RE_PRICE], NULL);
    if (!md)
        return TG_ENOMEM;
    if (run(RE_PRICE, s, n, 0, md) > 0) {
        const char *pre, *sym, *num, *post;
        size_t npre = grp(md, 1, s, &pre), nsym = grp(md, 2, s, &sym);
        size_t nnum = grp(md, 3, s, &num), npost = grp(md, 4, s, &post);
        double v;
        if (number_value(num, nnum, &v) != TG_OK)
            goto out;
        currency_of(pre, npre, sym, nsym, post, npost, out->currency);
        out->low = out->high = v;
        ret = TG_OK;
        /* a range: "<amount> to <amount>" */
        size_t end = pcre2_get_ovector_pointer(md)[1];
        if (run(RE_PRICE, s, n, end, md) > 0) {
            size_t st = pcre2_get_ovector_pointer(md)[0];
            const char *num2;
            size_t nnum2 = grp(md, 3, s, &num2);
            pcre2_match_data *md2 = pcre2_match_data_create_from_pattern(re[RE_RANGE], NULL);
            if (!md2) {
                ret = TG_ENOMEM;
                goto out;
            }
            double v2;
            if (run(RE_RANGE, s + end, st - end, 0, md2) > 0 &&
                number_value(num2, nnum2, &v2) == TG_OK && v2 >= v)
                out->high = v2;
            pcre2_match_data_free(md2);
        }
    } else {
        /* "Free" (shipping, giveaways) = 0 */
        for (size_t i = 0; i + 4 <= n; i++) {
            if (strncasecmp(s + i, "free", 4) == 0) {
                ret = TG_OK;
                break;
            }
        }
    }
out:
    pcre2_match_data_free(md);
    return ret;
}

int tg_parse_count(const char *s, size_t n, int64_t *out)
{
    int ret = TG_EDATA;
    tg_parse__pcre_init();
    if (!re[RE_COUNT])
        return TG_EINTERNAL;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re[RE_COUNT], NULL);
    if (!md)
        return TG_ENOMEM;
    if (run(RE_COUNT, s, n, 0, md) > 0) {
        const char *num, *suf;
        size_t nn = grp(md, 1, s, &num), ns = grp(md, 2, s, &suf);
        char buf[64];
        size_t k = 0;
        double mult = 1;
        if (ns) {
            switch (tolower((unsigned char)suf[0])) {
            case 'k':
                mult = 1e3;
                break;
            case 'm':
                mult = 1e6;
                break;
            default:
                mult = 1e9;
                break;
            }
        }
        /* with a suffix, '.' or a lone ',' is a decimal point; otherwise ',' groups */
        for (size_t i = 0; i < nn && k < sizeof buf - 1; i++) {
            if (num[i] == ',')
                buf[k++] = ns ? '.' : 0;
            else
                buf[k++] = num[i];
            if (!buf[k - 1])
                k--;
        }
        buf[k] = 0;
        if (!ns) {
            /* "686000.0": a float rendering; "1.234.567": grouped */
            size_t dots = 0;
            for (size_t i = 0; i < k; i++)
                dots += buf[i] == '.';
            if (dots > 1) {
                size_t j = 0;
                for (size_t i = 0; i < k; i++)
                    if (buf[i] != '.')
                        buf[j++] = buf[i];
                buf[j] = 0;
            }
        }
        char *end;
        double v = strtod(buf, &end) * mult;
        if (!*end && isfinite(v) && v >= 0 && v < 9.2e18) {
            *out = (int64_t)llround(v);
            if (!ns && !strchr(buf, '.')) /* exact integers beyond 2^53 */
                *out = (int64_t)strtoll(buf, NULL, 10);
            ret = TG_OK;
        }
    }
    pcre2_match_data_free(md);
    return ret;
}

int tg_parse_hashtags(const char *text, size_t n, tg_hashtag_cb cb, void *ctx)
{
    int ret = TG_OK;
    char buf[256];
    tg_parse__pcre_init();
    if (!re[RE_HASHTAG])
        return TG_EINTERNAL;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re[RE_HASHTAG], NULL);
    if (!md)
        return TG_ENOMEM;
    size_t off = 0;
    while (off < n && run(RE_HASHTAG, text, n, off, md) > 0) {
        const char *t;
        size_t nt = grp(md, 1, text, &t);
        off = pcre2_get_ovector_pointer(md)[1];
        if (nt >= sizeof buf)
            continue; /* absurdly long: not a hashtag anyone searches */
        for (size_t i = 0; i < nt; i++)
            buf[i] = (char)tolower((unsigned char)t[i]);
        buf[nt] = 0;
        ret = cb(buf, nt, ctx);
        if (ret)
            break;
    }
    pcre2_match_data_free(md);
    return ret;
}

static int month_of(const char *m)
{
    static const char *names = "janfebmaraprmayjunjulaugsepoctnovdec";
    for (int i = 0; i < 12; i++)
        if (strncasecmp(m, names + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

static int digits(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n && i < 9; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

int tg_parse_sold_date(const char *s, size_t n, int64_t *out)
{
    int ret = TG_EDATA;
    tg_parse__pcre_init();
    if (!re[RE_SOLD])
        return TG_EINTERNAL;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re[RE_SOLD], NULL);
    if (!md)
        return TG_ENOMEM;
    if (run(RE_SOLD, s, n, 0, md) > 0) {
        const char *m, *d, *y;
        size_t nd, ny;
        if (grp(md, 1, s, &m)) {
            nd = grp(md, 2, s, &d);
            ny = grp(md, 3, s, &y);
        } else {
            nd = grp(md, 4, s, &d);
            grp(md, 5, s, &m);
            ny = grp(md, 6, s, &y);
        }
        /* the input need not be NUL-terminated: read the groups by length */
        int mon = month_of(m), day = digits(d, nd), year = digits(y, ny);
        if (mon && day >= 1 && day <= 31 && year >= 1995 && year <= 2100) {
            *out = tg_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400;
            ret = TG_OK;
        }
    }
    pcre2_match_data_free(md);
    return ret;
}
