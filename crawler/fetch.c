/*
 * The fetcher: one libuv loop driving curl's multi-socket API.
 *
 * It follows curl's docs/examples/multi-uv.c and closes its known gaps:
 * a poll error is passed to curl as CURL_CSELECT_ERR (not dropped),
 * completions are drained after every socket action including the timer's,
 * msg->data.result is read (the example ignores it), and teardown is
 * curl_multi_cleanup, then closing the timer and the poll handles, after
 * which the caller runs the loop once more and uv_loop_close() returns 0.
 *
 * Limits live here: timeouts, a low-speed (stall) limit, a header byte cap
 * counted in the header callback, a body cap on the DECOMPRESSED stream
 * (the write callback sees decoded bytes; a gzip bomb stops at the cap),
 * and redirects, which we follow ourselves so that each hop is checked:
 * http/https only, in-scope hosts only, and the Authorization header or
 * Basic credentials only ever go to the first host.
 */
#include "crawler/crawl_int.h"
#include "trendguard/error.h"
#include "trendguard/log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tg_fetch {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    tg_fetch_limits lim;
    tg_fetch_req **active;
    size_t nactive, aactive;
    struct sock_ctx *socks; /* live poll handles, closed at teardown if curl did not */
    const char *cainfo;     /* $TG_CA_FILE: CA bundle instead of the system's, or NULL */
};

typedef struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    tg_fetch *f;
    struct sock_ctx *prev, *next;
} sock_ctx;

static void sock_unlink(tg_fetch *f, sock_ctx *sc)
{
    if (sc->prev)
        sc->prev->next = sc->next;
    else
        f->socks = sc->next;
    if (sc->next)
        sc->next->prev = sc->prev;
    sc->prev = sc->next = NULL;
}

static void drain(tg_fetch *f);

/* ---- libuv <-> curl glue ---------------------------------------------- */

static void on_poll_close(uv_handle_t *h)
{
    tg_free(h->data);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    sock_ctx *sc = h->data;
    tg_fetch *f = sc->f;
    int flags = 0;
    if (status < 0) {
        flags = CURL_CSELECT_ERR;
    } else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    int running;
    curl_multi_socket_action(f->multi, sc->fd, flags, &running);
    drain(f);
}

static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)e;
    tg_fetch *f = userp;
    sock_ctx *sc = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (sc) {
            sock_unlink(f, sc);
            uv_poll_stop(&sc->poll);
            uv_close((uv_handle_t *)&sc->poll, on_poll_close);
            curl_multi_assign(f->multi, s, NULL);
        }
        return 0;
    }
    if (!sc) {
        sc = tg_calloc(1, sizeof *sc);
        if (!sc)
            return -1;
        sc->fd = s;
        sc->f = f;
        if (uv_poll_init_socket(f->loop, &sc->poll, s) != 0) {
            tg_free(sc);
            return -1;
        }
        sc->poll.data = sc;
        sc->next = f->socks;
        if (f->socks)
            f->socks->prev = sc;
        f->socks = sc;
        curl_multi_assign(f->multi, s, sc);
    }
    int ev = 0;
    if (what & CURL_POLL_IN)
        ev |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        ev |= UV_WRITABLE;
    uv_poll_start(&sc->poll, ev, on_poll);
    return 0;
}

static void on_timer(uv_timer_t *t)
{
    tg_fetch *f = t->data;
    int running;
    curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain(f); /* the timer path completes transfers too (timeouts!) */
}

static int on_timeout(CURLM *m, long ms, void *userp)
{
    (void)m;
    tg_fetch *f = userp;
    if (ms < 0)
        uv_timer_stop(&f->timer);
    else
        uv_timer_start(&f->timer, on_timer, (uint64_t)ms, 0);
    return 0;
}

/* ---- per-transfer callbacks ------------------------------------------- */

static size_t on_write(char *p, size_t sz, size_t n, void *ud)
{
    tg_fetch_req *req = ud;
    size_t len = sz * n;
    if (req->res.body.len + len > req->res.body.cap || tg_buf_add(&req->res.body, p, len)) {
        req->toobig = true;
        return 0; /* aborts with CURLE_WRITE_ERROR */
    }
    return len;
}

static bool hdr_is(const char *p, size_t len, const char *name, const char **val, size_t *vlen)
{
    size_t nl = strlen(name);
    if (len <= nl || p[nl] != ':' || strncasecmp(p, name, nl) != 0)
        return false;
    const char *v = p + nl + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    *val = v;
    *vlen = (size_t)(end - v);
    return true;
}

/* Retry-After: delta-seconds or an HTTP-date (RFC 9110 10.2.3); -1 when garbage. */
static double parse_retry_after(const char *v, size_t n, int64_t date)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, v, n);
    tmp[n] = 0;
    bool digits = true;
    for (size_t i = 0; i < n; i++)
        digits &= isdigit((unsigned char)tmp[i]) != 0;
    if (digits) {
        if (n > 9)
            return 1e9; /* absurd: the caller caps it */
        return (double)atol(tmp);
    }
    int64_t t;
    if (tg_http_date_parse(tmp, &t))
        return -1;
    int64_t ref = date ? date : tg_now();
    return t > ref ? (double)(t - ref) : 0;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    tg_fetch_req *req = ud;
    size_t len = sz * n;
    req->header_bytes += len;
    if (req->header_bytes > req->f->lim.max_header) {
        req->toobig = true;
        return 0;
    }
    tg_fetch_res *r = &req->res;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) { /* a new response (1xx, then final) */
        r->content_type[0] = 0;
        r->date = 0;
        r->retry_after = -1;
        tg_free(req->location);
        req->location = NULL;
        return len;
    }
    const char *v;
    size_t vl;
    if (hdr_is(p, len, "content-type", &v, &vl)) {
        size_t k = vl < sizeof r->content_type - 1 ? vl : sizeof r->content_type - 1;
        memcpy(r->content_type, v, k);
        r->content_type[k] = 0;
    } else if (hdr_is(p, len, "date", &v, &vl)) {
        char tmp[64];
        if (vl < sizeof tmp) {
            memcpy(tmp, v, vl);
            tmp[vl] = 0;
            int64_t t;
            if (tg_http_date_parse(tmp, &t) == 0)
                r->date = t;
        }
    } else if (hdr_is(p, len, "retry-after", &v, &vl)) {
        r->retry_after = parse_retry_after(v, vl, r->date);
    } else if (hdr_is(p, len, "location", &v, &vl)) {
        tg_free(req->location);
        req->location = tg_strndup(v, vl);
    }
    return len;
}

/* ---- helpers ------------------------------------------------------------ */

/* A dotted quad curl keeps as written: 4 decimal parts, 0..255, no leading zeros. */
static bool plain_ipv4(const char *h, size_t n)
{
    int parts = 0;
    size_t i = 0;
    while (i < n) {
        size_t k = 0;
        unsigned v = 0;
        while (i + k < n && h[i + k] >= '0' && h[i + k] <= '9' && k < 4)
            v = v * 10 + (unsigned)(h[i + k++] - '0');
        if (k == 0 || k > 3 || v > 255 || (k > 1 && h[i] == '0'))
            return false;
        parts++;
        i += k;
        if (i < n && (h[i] != '.' || i + 1 == n))
            return false;
        i += i < n;
    }
    return parts == 4;
}

/*
 * The common case without curl's URL parser (which costs ~8,000
 * instructions a call, and the site source asks once per link): a plain
 * "http(s)://host[:port]" with an ASCII host name or dotted quad and no
 * byte curl would reject. Anything else (userinfo, IPv6, IDN, percent
 * escapes, numeric hosts curl normalises such as 127.1 or 0x7f000001,
 * spaces or control bytes anywhere) goes to curl, so the answer is
 * curl's in every case. Returns 1 when it does not apply.
 */
static int origin_fast(const char *url, char *buf, size_t n)
{
    size_t ns;
    if (strncasecmp(url, "http://", 7) == 0)
        ns = 4;
    else if (strncasecmp(url, "https://", 8) == 0)
        ns = 5;
    else
        return 1;
    const char *h = url + ns + 3;
    size_t nh = 0;
    while (isalnum((unsigned char)h[nh]) || h[nh] == '-' || h[nh] == '.')
        nh++;
    if (nh == 0 || h[nh - 1] == '.')
        return 1;
    const char *p = h + nh;
    unsigned port = ns == 5 ? 443 : 80;
    if (*p == ':') {
        size_t k = 0;
        port = 0;
        while (p[1 + k] >= '0' && p[1 + k] <= '9' && k < 5)
            port = port * 10 + (unsigned)(p[1 + k++] - '0');
        if (k == 0 || p[1] == '0' || port > 65535)
            return 1;
        p += 1 + k;
    }
    if (*p && *p != '/' && *p != '?' && *p != '#')
        return 1;
    if (h[0] >= '0' && h[0] <= '9' && !plain_ipv4(h, nh))
        return 1;
    for (const unsigned char *q = (const unsigned char *)p; *q; q++)
        if (*q <= ' ' || *q == 0x7f)
            return 1;
    /* "scheme://host:port", built by hand (snprintf alone cost more than the rest) */
    char digits[6];
    int nd = 0;
    do
        digits[nd++] = (char)('0' + port % 10);
    while ((port /= 10) > 0);
    size_t need = ns + 3 + nh + 1 + (size_t)nd + 1;
    if (need > n)
        return TG_EDATA;
    char *o = buf;
    memcpy(o, ns == 5 ? "https://" : "http://", ns + 3);
    o += ns + 3;
    for (size_t i = 0; i < nh; i++)
        *o++ = h[i] >= 'A' && h[i] <= 'Z' ? (char)(h[i] - 'A' + 'a') : h[i];
    *o++ = ':';
    while (nd > 0)
        *o++ = digits[--nd];
    *o = 0;
    return TG_OK;
}

int tg_fetch__origin(const char *url, char *buf, size_t n)
{
    int rc = origin_fast(url, buf, n);
    if (rc <= 0)
        return rc;
    rc = TG_EDATA;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    if (!u)
        return TG_ENOMEM;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
        goto out;
    if (snprintf(buf, n, "%s://%s:%s", scheme, host, port) >= (int)n)
        goto out;
    for (char *q = buf; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    rc = TG_OK;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

char *tg_fetch__urlencode(tg_arena *a, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *d = tg_arena__alloc(a, n * 3 + 1), *q = d;
    if (!d)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            *q++ = (char)*p;
        } else {
            *q++ = '%';
            *q++ = hex[*p >> 4];
            *q++ = hex[*p & 15];
        }
    }
    *q = 0;
    return d;
}

tg_errclass tg_fetch__classify(int curl_code, long status, bool toobig)
{
    if (toobig)
        return TG_EC_TOOBIG;
    switch (curl_code) {
    case CURLE_OK:
        break;
    case CURLE_OPERATION_TIMEDOUT:
        return TG_EC_TIMEOUT;
    case CURLE_TOO_MANY_REDIRECTS:
        return TG_EC_REDIRECT;
    /* CURLE_UNSUPPORTED_PROTOCOL here is an HTTP/0.9 or garbage status line: we
     * follow redirects ourselves, so curl never meets a foreign scheme */
    case CURLE_OUT_OF_MEMORY: /* curl's answer to a header line over its own cap */
    case CURLE_FILESIZE_EXCEEDED:
        return TG_EC_TOOBIG;
    default:
        return TG_EC_NETWORK;
    }
    if (status >= 200 && status < 300)
        return TG_EC_NONE;
    if (status == 429)
        return TG_EC_RATELIMIT;
    if (status >= 500 && status < 600)
        return TG_EC_HTTP5XX;
    if (status == 401 || status == 403)
        return TG_EC_AUTH;
    if (status >= 300 && status < 400)
        return TG_EC_REDIRECT;
    if (status >= 400 && status < 500)
        return TG_EC_HTTP4XX;
    return TG_EC_NETWORK;
}

static void active_del(tg_fetch *f, tg_fetch_req *req)
{
    for (size_t i = 0; i < f->nactive; i++) {
        if (f->active[i] == req) {
            f->active[i] = f->active[--f->nactive];
            return;
        }
    }
}

static int active_add(tg_fetch *f, tg_fetch_req *req)
{
    if (tg_result__grow((void **)&f->active, &f->aactive, f->nactive + 1, sizeof *f->active))
        return TG_ENOMEM;
    f->active[f->nactive++] = req;
    return TG_OK;
}

/* Build the header list of the current hop (auth only on the first origin). */
static int hop_headers(tg_fetch_req *req, bool same_origin)
{
    curl_slist_free_all(req->hdrs_sent);
    req->hdrs_sent = NULL;
    struct curl_slist *l = NULL, *n;
    for (struct curl_slist *h = req->headers; h; h = h->next) {
        if (!(n = curl_slist_append(l, h->data)))
            goto fail;
        l = n;
    }
    if (req->method && strcmp(req->method, "POST") == 0) {
        if (!(n = curl_slist_append(l, "Expect:")))
            goto fail;
        l = n;
    }
    if (same_origin && req->auth) {
        if (!(n = curl_slist_append(l, req->auth)))
            goto fail;
        l = n;
    }
    req->hdrs_sent = l;
    curl_easy_setopt(req->easy, CURLOPT_HTTPHEADER, l);
    curl_easy_setopt(req->easy, CURLOPT_USERPWD, same_origin ? req->userpwd : NULL);
    return TG_OK;
fail:
    curl_slist_free_all(l);
    return TG_ENOMEM;
}

static int setup_easy(tg_fetch *f, tg_fetch_req *req)
{
    const tg_fetch_limits *L = &f->lim;
    CURL *e = req->easy;
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, req);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, req);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, req);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding curl decodes */
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(L->timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(L->connect_timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, L->low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)(L->low_speed_s + 0.5));
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)L->max_body);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* we follow, hop by hop */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, L->user_agent);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    if (f->cainfo)
        curl_easy_setopt(e, CURLOPT_CAINFO, f->cainfo); /* verification stays on */
    if (req->method && strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
    char origin[300];
    bool same = tg_fetch__origin(req->url, origin, sizeof origin) == TG_OK && req->first_origin &&
                strcmp(origin, req->first_origin) == 0;
    return hop_headers(req, same);
}

static int launch(tg_fetch *f, tg_fetch_req *req)
{
    req->header_bytes = 0;
    req->toobig = false;
    tg_buf_reset(&req->res.body);
    req->res.content_type[0] = 0;
    req->res.date = 0;
    req->res.retry_after = -1;
    int rc = setup_easy(f, req);
    if (rc)
        return rc;
    if (curl_multi_add_handle(f->multi, req->easy) != CURLM_OK)
        return TG_EINTERNAL;
    return active_add(f, req);
}

static void complete(tg_fetch *f, tg_fetch_req *req)
{
    (void)f;
    req->res.elapsed = tg_mono() - req->t0;
    tg_free(req->res.final_url);
    req->res.final_url = tg_strdup(req->url);
    req->cb(req, &req->res);
}

static bool in_scope(const tg_fetch_req *req, const char *origin)
{
    if (!req->scope)
        return req->first_origin && strcmp(origin, req->first_origin) == 0;
    for (const char *const *s = req->scope; *s; s++)
        if (strcmp(*s, origin) == 0)
            return true;
    return false;
}

/* A 3xx with Location: check the hop and start it. Returns true when started. */
static bool follow(tg_fetch *f, tg_fetch_req *req)
{
    tg_fetch_res *r = &req->res;
    if (req->res.redirects >= f->lim.max_redirects) {
        r->ec = TG_EC_REDIRECT;
        snprintf(r->errmsg, sizeof r->errmsg, "more than %ld redirects", f->lim.max_redirects);
        return false;
    }
    CURLU *u = curl_url();
    char *next = NULL, *scheme = NULL;
    bool ok = false;
    if (!u || curl_url_set(u, CURLUPART_URL, req->url, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_URL, req->location, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &next, 0) != CURLUE_OK) {
        r->ec = TG_EC_REDIRECT;
        snprintf(r->errmsg, sizeof r->errmsg, "bad redirect location");
        goto out;
    }
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        r->ec = TG_EC_SCOPE;
        snprintf(r->errmsg, sizeof r->errmsg, "redirect to a non-http scheme (%.20s)", scheme);
        goto out;
    }
    char origin[300];
    if (tg_fetch__origin(next, origin, sizeof origin) || !in_scope(req, origin)) {
        r->ec = TG_EC_SCOPE;
        snprintf(r->errmsg, sizeof r->errmsg, "redirect to an out-of-scope host");
        goto out;
    }
    char *nu = tg_strdup(next);
    if (!nu)
        goto out;
    tg_free(req->url);
    req->url = nu;
    long st = r->status;
    if (st == 303 || ((st == 301 || st == 302) && req->method && strcmp(req->method, "POST") == 0))
        req->method = "GET";
    r->redirects++;
    curl_easy_reset(req->easy);
    ok = launch(f, req) == TG_OK;
out:
    curl_free(next);
    curl_free(scheme);
    curl_url_cleanup(u);
    return ok;
}

static void finish(tg_fetch *f, tg_fetch_req *req, CURLcode rc)
{
    tg_fetch_res *r = &req->res;
    active_del(f, req);
    r->curl_code = (int)rc;
    r->status = 0;
    curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &r->status);
    r->ec = tg_fetch__classify((int)rc, r->status, req->toobig);
    if (rc != CURLE_OK)
        snprintf(r->errmsg, sizeof r->errmsg, "%s",
                 req->toobig ? "over the size limit" : curl_easy_strerror(rc));
    else if (r->ec != TG_EC_NONE)
        snprintf(r->errmsg, sizeof r->errmsg, "HTTP %ld", r->status);
    if (r->status == 503 && r->retry_after >= 0)
        r->ec = TG_EC_RATELIMIT;
    if (rc == CURLE_OK && r->status >= 300 && r->status < 400 && req->location && req->follow) {
        if (follow(f, req))
            return;
    }
    complete(f, req);
}

static void drain(tg_fetch *f)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(f->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *e = msg->easy_handle;
        CURLcode rc = msg->data.result;
        tg_fetch_req *req = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&req);
        curl_multi_remove_handle(f->multi, e); /* msg is gone after this */
        if (req)
            finish(f, req, rc);
    }
}

/* ---- public (module) API ---------------------------------------------- */

int tg_fetch__new(tg_fetch **out, uv_loop_t *loop, const tg_fetch_limits *lim)
{
    tg_fetch *f = tg_calloc(1, sizeof *f);
    if (!f)
        return TG_ENOMEM;
    f->loop = loop;
    f->lim = *lim;
    /* a private CA (a company's own TLS crawl targets; tests/integ/crawl_h2.sh's
     * self-signed nginx): libcurl reads no environment variable for it */
    const char *ca = getenv("TG_CA_FILE");
    f->cainfo = ca && *ca ? ca : NULL;
    f->multi = curl_multi_init();
    if (!f->multi) {
        tg_free(f);
        return TG_ENOMEM;
    }
    uv_timer_init(loop, &f->timer);
    f->timer.data = f;
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_timeout);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, lim->max_connections);
    curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, lim->max_per_host);
    curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, lim->max_connections);
    curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    *out = f;
    return TG_OK;
}

int tg_fetch__start(tg_fetch *f, tg_fetch_req *req)
{
    req->f = f;
    req->t0 = tg_mono();
    req->res.retry_after = -1;
    req->res.redirects = 0;
    tg_buf_init(&req->res.body, f->lim.max_body);
    char origin[300];
    int rc = tg_fetch__origin(req->url, origin, sizeof origin);
    if (rc == TG_OK && !(req->first_origin = tg_strdup(origin)))
        rc = TG_ENOMEM;
    if (rc == TG_OK && !(req->orig_url = tg_strdup(req->url)))
        rc = TG_ENOMEM;
    if (rc == TG_OK && !(req->easy = curl_easy_init()))
        rc = TG_ENOMEM;
    if (rc == TG_OK)
        rc = launch(f, req);
    if (rc) {
        req->res.ec = rc == TG_EDATA ? TG_EC_SCOPE : TG_EC_NETWORK;
        snprintf(req->res.errmsg, sizeof req->res.errmsg, "cannot start: %s", tg_strerror(rc));
        complete(f, req);
    }
    return TG_OK;
}

int tg_fetch__inflight(const tg_fetch *f)
{
    return (int)f->nactive;
}

void tg_fetch__abort_all(tg_fetch *f)
{
    while (f->nactive) {
        tg_fetch_req *req = f->active[f->nactive - 1];
        f->nactive--;
        curl_multi_remove_handle(f->multi, req->easy);
        req->res.ec = TG_EC_NETWORK;
        req->res.curl_code = CURLE_ABORTED_BY_CALLBACK;
        snprintf(req->res.errmsg, sizeof req->res.errmsg, "aborted");
        complete(f, req);
    }
}

static void on_timer_close(uv_handle_t *h)
{
    tg_free(h->data);
}

void tg_fetch__free(tg_fetch **fp)
{
    tg_fetch *f = *fp;
    if (!f)
        return;
    tg_fetch__abort_all(f);
    curl_multi_cleanup(f->multi); /* tells us about the sockets it closes */
    while (f->socks) {
        sock_ctx *sc = f->socks;
        sock_unlink(f, sc);
        uv_poll_stop(&sc->poll);
        uv_close((uv_handle_t *)&sc->poll, on_poll_close);
    }
    tg_free(f->active);
    uv_timer_stop(&f->timer);
    uv_close((uv_handle_t *)&f->timer, on_timer_close); /* frees f */
    *fp = NULL;
}

void tg_fetch__req_free(tg_fetch_req *req)
{
    if (!req)
        return;
    if (req->easy)
        curl_easy_cleanup(req->easy);
    tg_free(req->url);
    tg_free(req->body);
    tg_free(req->auth);
    tg_free(req->userpwd);
    tg_free(req->first_origin);
    tg_free(req->orig_url);
    tg_free(req->location);
    curl_slist_free_all(req->headers);
    curl_slist_free_all(req->hdrs_sent);
    tg_buf_free(&req->res.body);
    tg_free(req->res.final_url);
    memset(req, 0, sizeof *req);
}
