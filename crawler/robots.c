/*
 * robots.txt (RFC 9309), following Google's reference matcher
 * (google/robotstxt robots.cc) rule for rule so its test cases hold:
 * - lines end at LF, CR or CRLF; a UTF-8 BOM (or a prefix of one) is
 *   skipped; '#' starts a comment; lines are cut at 16,664 bytes;
 * - "key: value", or "key value" without a colon when the value is one token;
 *   keys are matched by prefix, case-insensitively, with the common typos
 *   Google accepts ("useragent", "dissallow", ...);
 * - consecutive user-agent lines form a group; an allow/disallow line ends
 *   the run, so the next user-agent starts a new group;
 * - when any group names our product token, only such groups count
 *   (the "*" groups are ignored entirely); else the "*" groups count;
 * - the longest matching pattern wins, allow wins ties, empty patterns
 *   never win (priority 0);
 * - "Allow: /x/index.html" also allows "/x/" exactly (Google's rule).
 */
#include "trendguard/robots.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 16663 /* Google: kMaxLineLen (2083 * 8) - 1 */

typedef struct rule {
    char *pat;  /* escaped pattern */
    size_t len; /* its length = its priority */
    bool allow;
    bool specific; /* from a group naming our agent (else from a "*" group) */
} rule;

struct tg_robots {
    tg_robots_mode mode;
    rule *rules;
    size_t n, alloc;
    bool ever_specific;
    double delay_specific, delay_global;
};

bool tg_robots_valid_agent(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!(isalpha((unsigned char)*s) || *s == '-' || *s == '_'))
            return false;
    return true;
}

/* Product token: the leading [A-Za-z_-] run. */
static size_t token_len(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && (isalpha((unsigned char)s[k]) || s[k] == '-' || s[k] == '_'))
        k++;
    return k;
}

char *tg_robots_path_of(const char *url, char *buf, size_t n)
{
    size_t ulen = strlen(url);
    size_t start = 0;
    if (ulen >= 2 && url[0] == '/' && url[1] == '/')
        start = 2;
    size_t early = start + strcspn(url + start, "/?;");
    const char *pe = strstr(url + start, "://");
    size_t proto_end = pe ? (size_t)(pe - url) : (size_t)-1;
    if (early < ulen && early < proto_end)
        proto_end = (size_t)-1;
    proto_end = proto_end == (size_t)-1 ? start : proto_end + 3;
    size_t ps = proto_end + strcspn(url + proto_end, "/?;");
    const char *res = "/";
    size_t rlen = 1;
    bool prepend = false;
    if (ps < ulen) {
        const char *h = strchr(url + start, '#');
        size_t hash = h ? (size_t)(h - url) : ulen;
        if (hash >= ps) {
            res = url + ps;
            rlen = hash - ps;
            prepend = url[ps] != '/';
        }
    }
    size_t k = 0;
    if (n == 0)
        return buf;
    if (prepend && k < n - 1)
        buf[k++] = '/';
    for (size_t i = 0; i < rlen && k < n - 1; i++)
        buf[k++] = res[i];
    buf[k] = 0;
    return buf;
}

/* Percent-encode bytes >= 0x80, upper-case the hex of existing %xx. */
static char *escape_pattern(const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char *o = tg_malloc(3 * n + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            o[k++] = '%';
            o[k++] = (char)toupper((unsigned char)s[i + 1]);
            o[k++] = (char)toupper((unsigned char)s[i + 2]);
            i += 2;
        } else if (c >= 0x80) {
            o[k++] = '%';
            o[k++] = hex[c >> 4];
            o[k++] = hex[c & 15];
        } else {
            o[k++] = (char)c;
        }
    }
    o[k] = 0;
    return o;
}

static int add_rule(tg_robots *r, const char *pat, size_t n, bool allow, bool specific)
{
    if (r->n == r->alloc) {
        size_t na = r->alloc ? r->alloc * 2 : 16;
        rule *nr = tg_realloc(r->rules, na * sizeof *nr);
        if (!nr)
            return TG_ENOMEM;
        r->rules = nr;
        r->alloc = na;
    }
    char *e = escape_pattern(pat, n);
    if (!e)
        return TG_ENOMEM;
    r->rules[r->n++] = (rule){e, strlen(e), allow, specific};
    return TG_OK;
}

enum key { K_UNKNOWN, K_UA, K_ALLOW, K_DISALLOW, K_SITEMAP, K_DELAY };

static bool starts_ci(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && strncasecmp(s, p, k) == 0;
}

static enum key key_of(const char *s, size_t n)
{
    if (starts_ci(s, n, "user-agent") || starts_ci(s, n, "useragent") ||
        starts_ci(s, n, "user agent"))
        return K_UA;
    if (starts_ci(s, n, "allow"))
        return K_ALLOW;
    if (starts_ci(s, n, "disallow") || starts_ci(s, n, "dissallow") ||
        starts_ci(s, n, "dissalow") || starts_ci(s, n, "disalow") || starts_ci(s, n, "diasllow") ||
        starts_ci(s, n, "disallaw"))
        return K_DISALLOW;
    if (starts_ci(s, n, "sitemap") || starts_ci(s, n, "site-map"))
        return K_SITEMAP;
    if (starts_ci(s, n, "crawl-delay") || starts_ci(s, n, "crawldelay"))
        return K_DELAY;
    return K_UNKNOWN;
}

static bool isws(char c)
{
    return c == ' ' || c == '\t';
}

typedef struct pstate {
    tg_robots *r;
    const char *agent;
    size_t nagent;
    bool seen_global, seen_specific, seen_sep;
    int err;
} pstate;

static void line(pstate *p, const char *s, size_t n)
{
    const char *h = memchr(s, '#', n);
    if (h)
        n = (size_t)(h - s);
    while (n && isws(*s))
        s++, n--;
    while (n && isws(s[n - 1]))
        n--;
    if (!n)
        return;
    const char *colon = memchr(s, ':', n);
    const char *ks = s, *vs;
    size_t kn, vn;
    if (colon) {
        kn = (size_t)(colon - s);
        vs = colon + 1;
        vn = n - kn - 1;
    } else {
        /* "key value" is accepted only when the value is a single token */
        size_t k = 0;
        while (k < n && !isws(s[k]))
            k++;
        if (k == n)
            return;
        kn = k;
        vs = s + k;
        vn = n - k;
        while (vn && isws(*vs))
            vs++, vn--;
        for (size_t i = 0; i < vn; i++)
            if (isws(vs[i]))
                return;
    }
    while (kn && isws(ks[kn - 1]))
        kn--;
    while (vn && isws(*vs))
        vs++, vn--;
    if (!kn)
        return;
    tg_robots *r = p->r;
    switch (key_of(ks, kn)) {
    case K_UA:
        if (p->seen_sep)
            p->seen_global = p->seen_specific = p->seen_sep = false;
        if (vn >= 1 && vs[0] == '*' && (vn == 1 || isws(vs[1]))) {
            p->seen_global = true;
        } else {
            size_t t = token_len(vs, vn);
            if (t && t == p->nagent && strncasecmp(vs, p->agent, t) == 0) {
                p->seen_specific = true;
                r->ever_specific = true;
            }
        }
        break;
    case K_ALLOW:
    case K_DISALLOW: {
        if (!p->seen_global && !p->seen_specific)
            break; /* rules outside any group are ignored */
        p->seen_sep = true;
        bool allow = key_of(ks, kn) == K_ALLOW;
        if (add_rule(r, vs, vn, allow, p->seen_specific)) {
            p->err = TG_ENOMEM;
            return;
        }
        if (allow) {
            /* Google: "/x/index.htm*" also allows "/x/" exactly */
            const char *sl = NULL;
            for (size_t i = vn; i-- > 0;)
                if (vs[i] == '/') {
                    sl = vs + i;
                    break;
                }
            if (sl && (size_t)(vs + vn - sl) >= 10 && strncmp(sl, "/index.htm", 10) == 0) {
                size_t len = (size_t)(sl - vs) + 1;
                char *np = tg_malloc(len + 2);
                if (!np) {
                    p->err = TG_ENOMEM;
                    return;
                }
                memcpy(np, vs, len);
                np[len] = '$';
                if (add_rule(r, np, len + 1, true, p->seen_specific))
                    p->err = TG_ENOMEM;
                tg_free(np);
            }
        }
        break;
    }
    case K_DELAY: {
        if (!p->seen_global && !p->seen_specific)
            break;
        char tmp[32];
        size_t k = vn < sizeof tmp - 1 ? vn : sizeof tmp - 1;
        memcpy(tmp, vs, k);
        tmp[k] = 0;
        char *end;
        double d = strtod(tmp, &end);
        if (end != tmp && d >= 0 && d < 86400) {
            if (p->seen_specific)
                r->delay_specific = d;
            else
                r->delay_global = d;
        }
        break;
    }
    default:
        break;
    }
}

int tg_robots_parse(const char *buf, size_t len, const char *agent, tg_robots **out)
{
    if (!out)
        return TG_EINVAL;
    *out = NULL;
    tg_robots *r = tg_calloc(1, sizeof *r);
    if (!r)
        return TG_ENOMEM;
    r->mode = TG_ROBOTS_PARSE;
    r->delay_specific = r->delay_global = -1;
    if (!agent)
        agent = "";
    /* "TrendGuard/0.1 (+https://...)" obeys "TrendGuard"; a bare agent is taken
     * whole, so an invalid one ("Foo Bar") matches no group, as Google does */
    size_t alen = strlen(agent), tlen = token_len(agent, alen);
    pstate p = {.r = r, .agent = agent, .nagent = tlen < alen && agent[tlen] == '/' ? tlen : alen};
    if (!buf)
        len = 0;
    if (len > TG_ROBOTS_MAX_BYTES)
        len = TG_ROBOTS_MAX_BYTES;
    char *u8 = NULL;
    if (len >= 2 && (((unsigned char)buf[0] == 0xff && (unsigned char)buf[1] == 0xfe) ||
                     ((unsigned char)buf[0] == 0xfe && (unsigned char)buf[1] == 0xff))) {
        /* UTF-16 (seen in the wild): ASCII code units kept, others become '?' */
        bool le = (unsigned char)buf[0] == 0xff;
        u8 = tg_malloc(len / 2 + 1);
        if (!u8) {
            tg_robots_free(&r);
            return TG_ENOMEM;
        }
        size_t k = 0;
        for (size_t j = 2; j + 1 < len; j += 2) {
            unsigned cu = le ? (unsigned char)buf[j] | (unsigned char)buf[j + 1] << 8
                             : (unsigned char)buf[j] << 8 | (unsigned char)buf[j + 1];
            u8[k++] = cu < 0x80 ? (char)cu : '?';
        }
        buf = u8;
        len = k;
    }
    /* skip a UTF-8 BOM or any prefix of one */
    static const unsigned char bom[3] = {0xef, 0xbb, 0xbf};
    size_t i = 0;
    while (i < 3 && i < len && (unsigned char)buf[i] == bom[i])
        i++;
    while (i < len && !p.err) {
        size_t s = i;
        while (i < len && buf[i] != '\n' && buf[i] != '\r')
            i++;
        size_t n = i - s;
        line(&p, buf + s, n > MAX_LINE ? MAX_LINE : n);
        if (i < len && buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
            i++;
        i++;
    }
    tg_free(u8);
    if (p.err) {
        tg_robots_free(&r);
        return p.err;
    }
    *out = r;
    return TG_OK;
}

int tg_robots_new_mode(tg_robots_mode mode, tg_robots **out)
{
    *out = tg_calloc(1, sizeof **out);
    if (!*out)
        return TG_ENOMEM;
    (*out)->mode = mode;
    (*out)->delay_specific = (*out)->delay_global = -1;
    return TG_OK;
}

void tg_robots_free(tg_robots **rp)
{
    if (!rp || !*rp)
        return;
    tg_robots *r = *rp;
    for (size_t i = 0; i < r->n; i++)
        tg_free(r->rules[i].pat);
    tg_free(r->rules);
    tg_free(r);
    *rp = NULL;
}

/* Does pat match a prefix of path? '*' = any run, a final '$' = end of path. */
static bool matches(const char *path, size_t pn, const char *pat, size_t qn)
{
    bool anchored = qn > 0 && pat[qn - 1] == '$';
    if (anchored)
        qn--;
    size_t i = 0, j = 0, star_j = (size_t)-1, star_i = 0;
    while (j < qn || (anchored && i < pn)) {
        if (j < qn && pat[j] == '*') {
            star_j = j++;
            star_i = i;
        } else if (j < qn && i < pn && pat[j] == path[i]) {
            i++;
            j++;
        } else if (j == qn && !anchored) {
            return true;
        } else if (star_j != (size_t)-1 && star_i < pn) {
            j = star_j + 1;
            i = ++star_i;
        } else {
            return false;
        }
    }
    return true;
}

bool tg_robots_allowed(const tg_robots *r, const char *url)
{
    if (!r)
        return true;
    if (r->mode == TG_ROBOTS_ALLOW_ALL)
        return true;
    if (r->mode == TG_ROBOTS_DISALLOW_ALL)
        return false;
    char small[2048];
    size_t ulen = strlen(url);
    char *path = ulen + 2 <= sizeof small ? small : tg_malloc(ulen + 2);
    if (!path)
        return false; /* out of memory: the safe answer */
    tg_robots_path_of(url, path, ulen + 2);
    size_t pn = strlen(path);
    long allow_s = -1, dis_s = -1, allow_g = -1, dis_g = -1;
    for (size_t k = 0; k < r->n; k++) {
        const rule *ru = &r->rules[k];
        long *slot =
            ru->specific ? (ru->allow ? &allow_s : &dis_s) : (ru->allow ? &allow_g : &dis_g);
        if ((long)ru->len > *slot && matches(path, pn, ru->pat, ru->len))
            *slot = (long)ru->len;
    }
    if (path != small)
        tg_free(path);
    if (allow_s > 0 || dis_s > 0)
        return !(dis_s > allow_s);
    if (r->ever_specific)
        return true;
    if (allow_g > 0 || dis_g > 0)
        return !(dis_g > allow_g);
    return true;
}

double tg_robots_crawl_delay(const tg_robots *r)
{
    if (!r)
        return -1;
    if (r->ever_specific)
        return r->delay_specific;
    return r->delay_global;
}

size_t tg_robots_rule_count(const tg_robots *r)
{
    return r ? r->n : 0;
}

tg_robots_mode tg_robots_status_policy(long status)
{
    if (status >= 200 && status < 300)
        return TG_ROBOTS_PARSE;
    if (status >= 400 && status < 500)
        return TG_ROBOTS_ALLOW_ALL;
    return TG_ROBOTS_DISALLOW_ALL; /* 5xx, unreachable (0), anything odd */
}

bool tg_robots_is_allowed(const char *buf, size_t len, const char *agent, const char *url)
{
    tg_robots *r = NULL;
    if (tg_robots_parse(buf, len, agent, &r) != TG_OK)
        return false;
    bool ok = tg_robots_allowed(r, url);
    tg_robots_free(&r);
    return ok;
}
