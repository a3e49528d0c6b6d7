/*
 * URL resolution (RFC 3986 section 5.2) and canonicalisation for dedup.
 * Only http(s) URLs are accepted: everything the crawler fetches is web.
 */
#include "trendguard/url.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct parts {
    const char *scheme, *auth, *path, *query, *frag;
    size_t nscheme, nauth, npath, nquery, nfrag;
    bool has_auth, has_query, has_frag;
} parts;

static void split(const char *u, parts *p)
{
    memset(p, 0, sizeof *p);
    const char *s = u;
    /* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    if (isalpha((unsigned char)*s)) {
        const char *q = s;
        while (isalnum((unsigned char)*q) || *q == '+' || *q == '-' || *q == '.')
            q++;
        if (*q == ':') {
            p->scheme = s;
            p->nscheme = (size_t)(q - s);
            s = q + 1;
        }
    }
    if (s[0] == '/' && s[1] == '/') {
        s += 2;
        p->has_auth = true;
        p->auth = s;
        p->nauth = strcspn(s, "/?#");
        s += p->nauth;
    }
    p->path = s;
    p->npath = strcspn(s, "?#");
    s += p->npath;
    if (*s == '?') {
        p->has_query = true;
        p->query = ++s;
        p->nquery = strcspn(s, "#");
        s += p->nquery;
    }
    if (*s == '#') {
        p->has_frag = true;
        p->frag = s + 1;
        p->nfrag = strlen(s + 1);
    }
}

static bool is_http(const char *s, size_t n)
{
    return (n == 4 && strncasecmp(s, "http", 4) == 0) ||
           (n == 5 && strncasecmp(s, "https", 5) == 0);
}

/* Does the path hold a "." or ".." segment? (each starts the path or follows a '/') */
static bool has_dot_segment(const char *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (in[i] == '.' && (i == 0 || in[i - 1] == '/'))
            return true;
    return false;
}

/* RFC 3986 5.2.4 remove_dot_segments, into b. */
static int remove_dots(tg_buf *b, const char *in, size_t n)
{
    if (!has_dot_segment(in, n))
        return tg_buf_add(b, in, n); /* the common case: nothing to remove */
    char *tmp = tg_strndup(in, n);
    if (!tmp)
        return TG_ENOMEM;
    char *s = tmp;
    size_t start = b->len;
    int ret = TG_OK;
    while (*s && ret == TG_OK) {
        if (!strncmp(s, "../", 3))
            s += 3;
        else if (!strncmp(s, "./", 2))
            s += 2;
        else if (!strncmp(s, "/./", 3))
            s += 2;
        else if (!strcmp(s, "/."))
            s[1] = 0, s += 0, s[0] = '/';
        else if (!strncmp(s, "/../", 4) || !strcmp(s, "/..")) {
            if (s[3] == 0) {
                s += 2;
                s[0] = '/';
            } else {
                s += 3;
            }
            while (b->len > start && b->data[b->len - 1] != '/')
                b->len--;
            if (b->len > start)
                b->len--;
            if (b->data)
                b->data[b->len] = 0;
        } else if (!strcmp(s, ".") || !strcmp(s, ".."))
            break;
        else {
            size_t k = 1 + strcspn(s + 1, "/");
            if (s[0] != '/')
                k = strcspn(s, "/");
            ret = tg_buf_add(b, s, k);
            s += k;
        }
    }
    tg_free(tmp);
    return ret;
}

int tg_url_resolve(const char *base, const char *ref, char **out)
{
    parts B, R;
    tg_buf b;
    int ret;
    *out = NULL;
    if (!base || !ref)
        return TG_EINVAL;
    while (*ref == ' ' || *ref == '\t' || *ref == '\n' || *ref == '\r')
        ref++;
    split(base, &B);
    split(ref, &R);
    if (!B.scheme || !is_http(B.scheme, B.nscheme) || !B.has_auth)
        return TG_EDATA;
    if (strlen(base) > TG_URL_MAX || strlen(ref) > TG_URL_MAX)
        return TG_ETOOBIG;
    tg_buf_init(&b, 2 * TG_URL_MAX + 16);
    if (R.scheme) {
        if (!is_http(R.scheme, R.nscheme) || !R.has_auth) {
            ret = TG_EDATA;
            goto out;
        }
        ret = tg_buf_adds(&b, R.nscheme == 5 ? "https://" : "http://"); /* lower case */
        if (!ret)
            ret = tg_buf_add(&b, R.auth, R.nauth);
        if (!ret)
            ret = remove_dots(&b, R.path, R.npath);
        if (!ret && R.has_query) {
            ret = tg_buf_addc(&b, '?');
            if (!ret)
                ret = tg_buf_add(&b, R.query, R.nquery);
        }
        goto out;
    }
    ret = tg_buf_adds(&b, B.nscheme == 5 ? "https://" : "http://");
    if (ret)
        goto out;
    if (R.has_auth) {
        ret = tg_buf_add(&b, R.auth, R.nauth);
        if (!ret)
            ret = remove_dots(&b, R.path, R.npath);
        if (!ret && R.has_query) {
            ret = tg_buf_addc(&b, '?');
            if (!ret)
                ret = tg_buf_add(&b, R.query, R.nquery);
        }
        goto out;
    }
    ret = tg_buf_add(&b, B.auth, B.nauth);
    if (ret)
        goto out;
    if (R.npath == 0) {
        ret = tg_buf_add(&b, B.path, B.npath);
        if (!ret && (R.has_query || B.has_query)) {
            ret = tg_buf_addc(&b, '?');
            if (!ret)
                ret = R.has_query ? tg_buf_add(&b, R.query, R.nquery)
                                  : tg_buf_add(&b, B.query, B.nquery);
        }
        goto out;
    }
    if (R.path[0] == '/') {
        ret = remove_dots(&b, R.path, R.npath);
    } else {
        /* merge: base path up to its last '/', then the reference */
        tg_buf m;
        tg_buf_init(&m, 2 * TG_URL_MAX + 16);
        if (B.npath == 0) {
            ret = tg_buf_addc(&m, '/');
        } else {
            size_t k = B.npath;
            while (k > 0 && B.path[k - 1] != '/')
                k--;
            ret = tg_buf_add(&m, B.path, k);
        }
        if (!ret)
            ret = tg_buf_add(&m, R.path, R.npath);
        if (!ret)
            ret = remove_dots(&b, m.data, m.len);
        tg_buf_free(&m);
    }
    if (!ret && R.has_query) {
        ret = tg_buf_addc(&b, '?');
        if (!ret)
            ret = tg_buf_add(&b, R.query, R.nquery);
    }
out:
    if (ret == TG_OK) {
        if (!b.data && (ret = tg_buf_adds(&b, "")) != TG_OK) {
            tg_buf_free(&b);
            return ret;
        }
        *out = tg_buf_detach(&b);
        return *out ? TG_OK : TG_ENOMEM;
    }
    tg_buf_free(&b);
    return ret;
}

bool tg_url_is_tracking_param(const char *name, size_t n)
{
    static const char *const exact[] = {"_trksid",  "_trkparms", "_from",      "hash",  "fbclid",
                                        "gclid",    "mkcid",     "mkrid",      "mkevt", "campid",
                                        "customid", "toolid",    "sspagename", "_ga",   "mc_cid",
                                        "mc_eid",   "amdata",    "_sp",        NULL};
    if (n >= 4 && strncasecmp(name, "utm_", 4) == 0)
        return true;
    for (int i = 0; exact[i]; i++)
        if (strlen(exact[i]) == n && strncasecmp(name, exact[i], n) == 0)
            return true;
    return false;
}

typedef struct qparam {
    const char *s;
    size_t n;
} qparam;

/* Append s[0..n) lower-cased (ASCII). */
static int add_lower(tg_buf *b, const char *s, size_t n)
{
    size_t at = b->len;
    int ret = tg_buf_add(b, s, n);
    for (size_t i = 0; !ret && i < n; i++) {
        char c = b->data[at + i];
        if (c >= 'A' && c <= 'Z')
            b->data[at + i] = (char)(c - 'A' + 'a'); /* no locale: hosts are ASCII here */
    }
    return ret;
}

static int qcmp(const void *a, const void *b)
{
    const qparam *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    if (c)
        return c;
    return (x->n > y->n) - (x->n < y->n);
}

/*
 * Is url already in canonical form, in the shape links resolved against a
 * page mostly have ("http://host[:port]/path", lower-case, no query, no
 * fragment, no dot segment, no default port)? Then canonical is a copy:
 * the site crawl asks for ~90 URLs a page and nearly all are like that.
 */
static bool plainly_canonical(const char *url, size_t len)
{
    size_t ns = strncmp(url, "http://", 7) == 0 ? 4 : strncmp(url, "https://", 8) == 0 ? 5 : 0;
    if (!ns)
        return false;
    const char *h = url + ns + 3, *p = h;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')
        p++;
    if (p == h || p[-1] == '.')
        return false;
    if (*p == ':') {
        const char *port = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        size_t np = (size_t)(p - port);
        if (np == 0 || (ns == 4 && np == 2 && !strncmp(port, "80", 2)) ||
            (ns == 5 && np == 3 && !strncmp(port, "443", 3)))
            return false;
    }
    if (*p != '/')
        return false;
    size_t np = len - (size_t)(p - url);
    return !memchr(p, '?', np) && !memchr(p, '#', np) && !has_dot_segment(p, np);
}

int tg_url_canonical(const char *url, char **out)
{
    parts p;
    tg_buf b;
    qparam *qs = NULL;
    int ret;
    *out = NULL;
    if (!url)
        return TG_EINVAL;
    size_t len = strlen(url);
    if (len > TG_URL_MAX)
        return TG_ETOOBIG;
    if (plainly_canonical(url, len)) {
        *out = tg_strndup(url, len);
        return *out ? TG_OK : TG_ENOMEM;
    }
    split(url, &p);
    if (!p.scheme || !is_http(p.scheme, p.nscheme) || !p.has_auth || p.nauth == 0)
        return TG_EDATA;
    tg_buf_init(&b, 2 * TG_URL_MAX);
    if ((ret = add_lower(&b, p.scheme, p.nscheme)) || (ret = tg_buf_add(&b, "://", 3)))
        goto out;
    /* authority: drop userinfo? keep it (rare); lower-case the host, drop a default port */
    const char *at = memchr(p.auth, '@', p.nauth);
    const char *h = at ? at + 1 : p.auth;
    size_t nh = p.nauth - (size_t)(h - p.auth);
    const char *colon = NULL;
    if (*h == '[') {
        const char *rb = memchr(h, ']', nh);
        colon = rb && (size_t)(rb + 1 - h) < nh && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(h, ':', nh);
    }
    size_t nhost = colon ? (size_t)(colon - h) : nh;
    if (at && (ret = tg_buf_add(&b, p.auth, (size_t)(h - p.auth))))
        goto out;
    while (nhost > 0 && h[nhost - 1] == '.')
        nhost--; /* "example.com." == "example.com" */
    if (nhost == 0) {
        ret = TG_EDATA;
        goto out;
    }
    if ((ret = add_lower(&b, h, nhost)))
        goto out;
    if (colon) {
        const char *port = colon + 1;
        size_t np = nh - (size_t)(port - h);
        bool https = p.nscheme == 5;
        bool dflt = np == 0 || (!https && np == 2 && !strncmp(port, "80", 2)) ||
                    (https && np == 3 && !strncmp(port, "443", 3));
        if (!dflt && ((ret = tg_buf_addc(&b, ':')) || (ret = tg_buf_add(&b, port, np))))
            goto out;
    }
    if (p.npath == 0)
        ret = tg_buf_addc(&b, '/');
    else
        ret = remove_dots(&b, p.path, p.npath);
    if (ret)
        goto out;
    if (p.has_query && p.nquery) {
        size_t cap = 1;
        for (size_t i = 0; i < p.nquery; i++)
            cap += p.query[i] == '&';
        qs = tg_calloc(cap, sizeof *qs);
        if (!qs) {
            ret = TG_ENOMEM;
            goto out;
        }
        size_t nq = 0;
        const char *s = p.query, *end = p.query + p.nquery;
        while (s < end) {
            const char *e = memchr(s, '&', (size_t)(end - s));
            if (!e)
                e = end;
            size_t n = (size_t)(e - s);
            size_t nn = strcspn(s, "=&");
            if (nn > n)
                nn = n;
            if (n && !tg_url_is_tracking_param(s, nn))
                qs[nq++] = (qparam){s, n};
            s = e + 1;
        }
        tg_qsort(qs, nq, sizeof *qs, qcmp);
        for (size_t i = 0; i < nq; i++) {
            if ((ret = tg_buf_addc(&b, i ? '&' : '?')) || (ret = tg_buf_add(&b, qs[i].s, qs[i].n)))
                goto out;
        }
    }
    *out = tg_buf_detach(&b);
    ret = *out ? TG_OK : TG_ENOMEM;
out:
    tg_free(qs);
    tg_buf_free(&b);
    return ret;
}

int tg_url_host(const char *url, char *buf, size_t n)
{
    parts p;
    split(url, &p);
    if (!p.has_auth || !p.nauth)
        return TG_EDATA;
    const char *at = memchr(p.auth, '@', p.nauth);
    const char *h = at ? at + 1 : p.auth;
    size_t nh = p.nauth - (size_t)(h - p.auth);
    size_t nhost;
    if (*h == '[') {
        const char *rb = memchr(h, ']', nh);
        nhost = rb ? (size_t)(rb + 1 - h) : nh;
    } else {
        const char *c = memchr(h, ':', nh);
        nhost = c ? (size_t)(c - h) : nh;
    }
    if (!nhost)
        return TG_EDATA;
    if (nhost + 1 > n)
        return TG_ETOOBIG;
    for (size_t i = 0; i < nhost; i++)
        buf[i] = (char)tolower((unsigned char)h[i]);
    buf[nhost] = 0;
    return TG_OK;
}

int tg_url_origin(const char *url, char *buf, size_t n)
{
    char *c = NULL;
    int ret = tg_url_canonical(url, &c);
    if (ret)
        return ret;
    const char *s = strstr(c, "://");
    size_t k = (size_t)(s + 3 - c) + strcspn(s + 3, "/?#");
    if (k + 1 > n) {
        ret = TG_ETOOBIG;
    } else {
        memcpy(buf, c, k);
        buf[k] = 0;
    }
    tg_free(c);
    return ret;
}
