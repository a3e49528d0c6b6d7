/*
 * server.c - the mock sources' HTTP server (libmicrohttpd, 127.0.0.1 only).
 *
 * Threads: libmicrohttpd's internal thread pool (epoll) calls on_request()
 * concurrently. The world is read-only; the only shared mutable state is
 * the quota counter and the request log, both under `mu`. Tokens are
 * stateless (signed with a per-server secret), so validating one takes no
 * lock. Fault draws come from a per-thread PRNG.
 *
 * The virtual clock: now = world start + start_day + elapsed real seconds
 * x speed. Every response carries it as its Date header (libmicrohttpd's
 * own Date is suppressed).
 */
#include "sim/sim_int.h"

#include "trendguard/error.h"
#include "trendguard/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BODY_CAP (256 * 1024)
#define CACHE_SLOTS 4096

typedef struct cache_slot {
    uint64_t key;
    tg_sim__blob *blob;
} cache_slot;

struct tg_sim_server {
    const tg_sim_world *w;
    tg_sim_server_opts o;
    char *tiktok_key, *tiktok_secret;
    struct MHD_Daemon *d;
    int port;
    double t0;
    int64_t v0;
    uint64_t secret;
    pthread_mutex_t mu;
    int64_t quota_day;
    long quota_used;
    FILE *log;
    atomic_ulong responses;
    int32_t *posh_by_hex;
    int32_t nposh;
    pthread_mutex_t cache_mu;
    cache_slot *cache;
};

static _Thread_local tg_rng tl_rng;
static _Thread_local int tl_rng_init;

static double thread_unif(void)
{
    if (!tl_rng_init) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t seed =
            (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)&tl_rng;
        tg_rng_seed(&tl_rng, seed);
        tl_rng_init = 1;
    }
    return tg_rng_unif(&tl_rng);
}

void tg_sim_server_opts_default(tg_sim_server_opts *o)
{
    memset(o, 0, sizeof *o);
    o->speed = 1.0;
    o->quota = 1000;
    o->threads = 2;
    o->token_ttl = 7200;
}

static int64_t vnow(const tg_sim_server *s)
{
    return s->v0 + (int64_t)floor((tg_mono() - s->t0) * s->o.speed);
}

int64_t tg_sim_server_now(const tg_sim_server *s)
{
    return vnow(s);
}
int tg_sim_server_port(const tg_sim_server *s)
{
    return s->port;
}
unsigned long tg_sim_server_responses(const tg_sim_server *s)
{
    return atomic_load(&((tg_sim_server *)s)->responses);
}

void tg_sim__tiktok_creds(const tg_sim_server *s, const char **key, const char **secret)
{
    *key = s->tiktok_key;
    *secret = s->tiktok_secret;
}

double tg_sim__token_ttl(const tg_sim_server *s)
{
    return s->o.token_ttl;
}
double tg_sim__speed(const tg_sim_server *s)
{
    return s->o.speed;
}

/* ------------------------------------------------------------------------ */
/* Tokens: PREFIX + 16 hex expiry (ms of server uptime) + 16 hex nonce + 16 hex MAC */

static uint64_t token_mac(const tg_sim_server *s, char kind, uint64_t exp, uint64_t nonce)
{
    uint64_t v[4] = {s->secret, (uint64_t)(unsigned char)kind, exp, nonce};
    return tg_hash64(v, sizeof v);
}

static const char *token_prefix(char kind)
{
    return kind == 't' ? "clt." : "v^1.1#i^1#r^0#p^1#I^3#f^0#t^H4s";
}

int tg_sim__token_issue(tg_sim_server *s, char kind, char *out, size_t n)
{
    uint64_t exp = (uint64_t)((tg_mono() - s->t0 + s->o.token_ttl) * 1000.0);
    (void)thread_unif(); /* seeds this thread's PRNG */
    uint64_t nonce = tg_rng_next(&tl_rng);
    int k = snprintf(out, n, "%s%016" PRIx64 "%016" PRIx64 "%016" PRIx64, token_prefix(kind), exp,
                     nonce, token_mac(s, kind, exp, nonce));
    return (k < 0 || (size_t)k >= n) ? TG_EINVAL : TG_OK;
}

bool tg_sim__token_ok(tg_sim_server *s, char kind, const char *hdr)
{
    if (!hdr || strncasecmp(hdr, "Bearer ", 7) != 0)
        return false;
    const char *t = hdr + 7;
    while (*t == ' ')
        t++;
    const char *pre = token_prefix(kind);
    size_t pl = strlen(pre);
    if (strncmp(t, pre, pl) != 0 || strlen(t + pl) != 48)
        return false;
    char part[17];
    uint64_t f[3];
    for (int i = 0; i < 3; i++) {
        memcpy(part, t + pl + 16 * i, 16);
        part[16] = 0;
        char *end;
        f[i] = strtoull(part, &end, 16);
        if (*end)
            return false;
    }
    if (token_mac(s, kind, f[0], f[1]) != f[2])
        return false;
    return (double)f[0] / 1000.0 > tg_mono() - s->t0;
}

bool tg_sim__quota_take(tg_sim_server *s, int64_t now)
{
    if (s->o.quota <= 0)
        return true;
    int64_t day = now >= 0 ? now / TG_SIM__DAY : (now - TG_SIM__DAY + 1) / TG_SIM__DAY;
    bool ok;
    pthread_mutex_lock(&s->mu);
    if (day != s->quota_day) {
        s->quota_day = day;
        s->quota_used = 0;
    }
    ok = s->quota_used < s->o.quota;
    if (ok)
        s->quota_used++;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

void tg_sim__log_id(const tg_sim__req *rq, char *out, size_t n)
{
    char t[32];
    tg_time_format(rq->now, t, sizeof t); /* 2026-03-14T10:22:00Z */
    char digits[16];
    int j = 0;
    for (const char *p = t; *p && j < 14; p++)
        if (*p >= '0' && *p <= '9')
            digits[j++] = *p;
    digits[j] = 0;
    (void)thread_unif(); /* seeds this thread's PRNG */
    uint64_t a = tg_rng_next(&tl_rng), b = tg_rng_next(&tl_rng);
    snprintf(out, n, "%s%016" PRIX64 "%04X", digits, a, (unsigned)(b & 0xffff));
}

const char *tg_sim__arg(const tg_sim__req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *tg_sim__header(const tg_sim__req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool tg_sim__form_get(const char *body, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    for (const char *p = body; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t j = 0;
            for (size_t i = nl + 1; i < len && j + 1 < n; i++) {
                char c = p[i];
                if (c == '+')
                    c = ' ';
                else if (c == '%' && i + 2 < len + 1 && hexval(p[i + 1]) >= 0 &&
                         hexval(p[i + 2]) >= 0) {
                    c = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
                    i += 2;
                }
                out[j++] = c;
            }
            out[j] = 0;
            return true;
        }
        p = amp ? amp + 1 : NULL;
    }
    return false;
}

static int cmp_hex(const void *a, const void *b, void *ctx)
{
    const tg_sim__listing *l = ctx;
    return strcmp(l[*(const int32_t *)a].hex_id, l[*(const int32_t *)b].hex_id);
}

int32_t tg_sim__posh_find(const tg_sim_server *s, const char *hex)
{
    int32_t lo = 0, hi = s->nposh - 1;
    while (lo <= hi) {
        int32_t mid = (lo + hi) / 2;
        int c = strcmp(s->w->listings[s->posh_by_hex[mid]].hex_id, hex);
        if (c == 0)
            return s->posh_by_hex[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

void tg_sim__blob_release(void *p)
{
    tg_sim__blob *b = p;
    if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
        tg_free(b);
}

tg_sim__blob *tg_sim__cache_get(tg_sim_server *s, uint64_t key)
{
    cache_slot *sl = &s->cache[key % CACHE_SLOTS];
    tg_sim__blob *b = NULL;
    pthread_mutex_lock(&s->cache_mu);
    if (sl->blob && sl->key == key) {
        b = sl->blob;
        __atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
    }
    pthread_mutex_unlock(&s->cache_mu);
    return b;
}

tg_sim__blob *tg_sim__cache_put(tg_sim_server *s, uint64_t key, const char *data, size_t len)
{
    tg_sim__blob *b = tg_malloc(sizeof *b + len + 1);
    if (!b)
        return NULL;
    b->refs = 2; /* the cache's and the caller's */
    b->len = len;
    memcpy(b->data, data, len);
    b->data[len] = 0;
    cache_slot *sl = &s->cache[key % CACHE_SLOTS];
    pthread_mutex_lock(&s->cache_mu);
    tg_sim__blob *old = sl->blob;
    sl->key = key;
    sl->blob = b;
    pthread_mutex_unlock(&s->cache_mu);
    tg_sim__blob_release(old);
    return b;
}

/* ------------------------------------------------------------------------ */

static const char robots_txt[] = "# TrendGuard simulated marketplace\n"
                                 "User-agent: *\n"
                                 "Allow: /sch/\n"
                                 "Allow: /vm-rest/\n"
                                 "Disallow: /itm/\n"
                                 "Disallow: /listing/\n"
                                 "Disallow: /myb/\n"
                                 "Disallow: /sl/\n"
                                 "Disallow: /*?_trksid=\n"
                                 "\n"
                                 "User-agent: BadBot\n"
                                 "Disallow: /\n";

static int simple(tg_sim__resp *rs, int status, const char *ctype, const char *body)
{
    rs->status = status;
    rs->ctype = ctype;
    return tg_sim__puts(&rs->body, body);
}

static int render_clock(const tg_sim__req *rq, tg_sim__resp *rs)
{
    char t[32], h[40];
    tg_time_format(rq->now, t, sizeof t);
    tg_http_date_format(rq->now, h, sizeof h);
    const tg_sim_world *w = rq->w;
    rs->status = 200;
    rs->ctype = "application/json";
    return tg_buf_printf(&rs->body,
                         "{\"now\":%" PRId64 ",\"now_iso\":\"%s\",\"now_http\":\"%s\","
                         "\"day\":%.4f,\"speed\":%g,\"world_start\":%" PRId64 "}",
                         rq->now, t, h, (double)(rq->now - w->p.start) / TG_SIM__DAY,
                         rq->srv->o.speed, w->p.start);
}

static int route(const tg_sim__req *rq, tg_sim__resp *rs)
{
    const char *u = rq->url;
    bool get = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
    bool post = strcmp(rq->method, "POST") == 0;
    if (strcmp(u, "/v2/oauth/token/") == 0 || strcmp(u, "/v2/oauth/token") == 0)
        return post ? tg_sim__tiktok_token(rq, rs)
                    : simple(rs, 405, "application/json", "{\"error\":\"method_not_allowed\"}");
    if (strcmp(u, "/v2/research/video/query/") == 0 || strcmp(u, "/v2/research/video/query") == 0)
        return post ? tg_sim__tiktok_query(rq, rs)
                    : simple(rs, 405, "application/json", "{\"error\":\"method_not_allowed\"}");
    if (strcmp(u, "/identity/v1/oauth2/token") == 0)
        return post ? tg_sim__ebay_token(rq, rs)
                    : simple(rs, 405, "application/json", "{\"error\":\"method_not_allowed\"}");
    if (get && strcmp(u, "/buy/browse/v1/item_summary/search") == 0)
        return tg_sim__ebay_browse(rq, rs);
    if (get && strcmp(u, "/sch/i.html") == 0)
        return tg_sim__ebay_sold(rq, rs);
    if (get && strcmp(u, "/vm-rest/posts") == 0)
        return tg_sim__posh_search(rq, rs);
    if (get && strncmp(u, "/vm-rest/posts/", 15) == 0)
        return tg_sim__posh_item(rq, u + 15, rs);
    if (get && strcmp(u, "/robots.txt") == 0)
        return simple(rs, 200, "text/plain; charset=utf-8", robots_txt);
    if (get && strcmp(u, "/__sim/clock") == 0)
        return render_clock(rq, rs);
    return simple(rs, 404, "text/html; charset=utf-8",
                  "<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
                  "<body><h1>Not Found</h1></body></html>");
}

typedef struct conn_ctx {
    tg_buf body;
    bool too_big;
} conn_ctx;

static conn_ctx no_body_marker; /* *con_cls of requests without a body */

static void log_request(tg_sim_server *s, const tg_sim__req *rq, int status,
                        struct MHD_Connection *c)
{
    char client[64] = "?";
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
                  client, sizeof client);
    char tv[32], tr[32];
    tg_time_format(rq->now, tv, sizeof tv);
    tg_time_format(tg_now(), tr, sizeof tr);
    tg_buf line;
    tg_buf_init(&line, 16384);
    tg_buf_printf(&line, "{\"t_virtual\":\"%s\",\"t_real\":\"%s\",\"method\":", tv, tr);
    tg_sim__putjs(&line, rq->method);
    TG_SIM__PUTL(&line, ",\"path\":");
    tg_sim__putjs(&line, rq->url);
    tg_buf_printf(&line, ",\"status\":%d,\"client\":\"%s\"", status, client);
    const char *host = tg_sim__header(rq, "Host");
    if (host) {
        TG_SIM__PUTL(&line, ",\"host\":");
        tg_sim__putjs(&line, host);
    }
    TG_SIM__PUTL(&line, "}\n");
    pthread_mutex_lock(&s->mu);
    if (line.data)
        fputs(line.data, s->log);
    fflush(s->log);
    pthread_mutex_unlock(&s->mu);
    tg_buf_free(&line);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    tg_sim_server *s = cls;
    bool has_body = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
    conn_ctx *cc = *con_cls;
    if (!has_body) {
        /* Answer on the second call: a response queued before the request is fully
         * read makes libmicrohttpd close the connection (no keep-alive). */
        if (!cc) {
            *con_cls = &no_body_marker;
            return MHD_YES;
        }
        cc = NULL;
    } else {
        if (!cc) {
            cc = tg_calloc(1, sizeof *cc);
            if (!cc)
                return MHD_NO;
            tg_buf_init(&cc->body, BODY_CAP);
            *con_cls = cc;
            return MHD_YES;
        }
        if (*upload_data_size) {
            if (!cc->too_big && tg_buf_add(&cc->body, upload_data, *upload_data_size))
                cc->too_big = true;
            *upload_data_size = 0;
            return MHD_YES;
        }
    }
    tg_sim__req rq;
    memset(&rq, 0, sizeof rq);
    rq.srv = s;
    rq.w = s->w;
    rq.conn = c;
    rq.method = method;
    rq.url = url;
    rq.body = (cc && cc->body.data) ? cc->body.data : "";
    rq.body_len = cc ? cc->body.len : 0;
    rq.now = vnow(s);
    rq.fault = thread_unif();
    rq.fault2 = thread_unif();
    rq.fault_rate = s->o.fault_rate;
    char host[80];
    snprintf(host, sizeof host, "127.0.0.1:%d", s->port);
    const char *hh = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    if (hh && strlen(hh) < sizeof host &&
        strspn(hh, "abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-[]") == strlen(hh))
        snprintf(host, sizeof host, "%s", hh);
    rq.host = host;
    tg_sim__resp rs;
    memset(&rs, 0, sizeof rs);
    tg_buf_init(&rs.body, 64 * 1024 * 1024);
    int rc;
    if (cc && cc->too_big)
        rc = simple(&rs, 413, "application/json", "{\"error\":\"request body too large\"}");
    else
        rc = route(&rq, &rs);
    if (rc) {
        tg_buf_reset(&rs.body);
        simple(&rs, 500, "text/plain", "internal error\n");
    }
    size_t len = rs.body.len;
    char *data = tg_buf_detach(&rs.body);
    struct MHD_Response *r;
    if (rs.blob) {
        tg_free(data);
        data = NULL;
        r = MHD_create_response_from_buffer_with_free_callback_cls(rs.blob->len, rs.blob->data,
                                                                   tg_sim__blob_release, rs.blob);
        if (!r)
            tg_sim__blob_release(rs.blob);
    } else if (data)
        r = MHD_create_response_from_buffer_with_free_callback(len, data, tg_free);
    else
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        tg_free(data);
        return MHD_NO;
    }
    char date[40];
    tg_http_date_format(rq.now, date, sizeof date);
    MHD_add_response_header(r, "Date", date);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs.ctype ? rs.ctype : "text/plain");
    MHD_add_response_header(r, "Server", "trendguard-sim");
    if (rs.hdr_name)
        MHD_add_response_header(r, rs.hdr_name, rs.hdr_value);
    if (rs.hdr2_name)
        MHD_add_response_header(r, rs.hdr2_name, rs.hdr2_value);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)rs.status, r);
    MHD_destroy_response(r);
    atomic_fetch_add(&s->responses, 1);
    if (s->log)
        log_request(s, &rq, rs.status, c);
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn_ctx *cc = *con_cls;
    if (cc && cc != &no_body_marker) {
        tg_buf_free(&cc->body);
        tg_free(cc);
        *con_cls = NULL;
    }
}

static void on_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
    (void)cls;
    tg_error("sim", "libmicrohttpd panic at %s:%u: %s", file, line, reason ? reason : "");
    abort();
}

int tg_sim_server_start(const tg_sim_server_opts *o, const tg_sim_world *w, tg_sim_server **out)
{
    *out = NULL;
    if (o->port < 0 || o->port > 65535 || o->speed < 0 || o->fault_rate < 0 || o->fault_rate > 1 ||
        o->threads < 1 || o->token_ttl <= 0)
        return TG_EINVAL;
    tg_sim_server *s = tg_calloc(1, sizeof *s);
    if (!s)
        return TG_ENOMEM;
    int rc = TG_ENOMEM;
    s->w = w;
    s->o = *o;
    s->o.log_path = NULL;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->cache_mu, NULL);
    s->cache = tg_calloc(CACHE_SLOTS, sizeof *s->cache);
    if (!s->cache)
        goto fail;
    s->quota_day = INT64_MIN;
    if ((o->tiktok_key && !(s->tiktok_key = tg_strdup(o->tiktok_key))) ||
        (o->tiktok_secret && !(s->tiktok_secret = tg_strdup(o->tiktok_secret))))
        goto fail;
    s->o.tiktok_key = s->tiktok_key;
    s->o.tiktok_secret = s->tiktok_secret;
    if (o->log_path) {
        s->log = fopen(o->log_path, "a");
        if (!s->log) {
            tg_error("sim", "%s: %s", o->log_path, strerror(errno));
            rc = TG_EIO;
            goto fail;
        }
    }
    /* Poshmark id index. */
    for (int32_t i = 0; i < w->nlistings; i++)
        s->nposh += w->listings[i].site == TG_SIM__POSH;
    s->posh_by_hex = tg_malloc((size_t)(s->nposh + 1) * sizeof(int32_t));
    if (!s->posh_by_hex)
        goto fail;
    for (int32_t i = 0, j = 0; i < w->nlistings; i++)
        if (w->listings[i].site == TG_SIM__POSH)
            s->posh_by_hex[j++] = i;
    qsort_r(s->posh_by_hex, (size_t)s->nposh, sizeof(int32_t), cmp_hex, w->listings);
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t v[3] = {(uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec, (uint64_t)getpid()};
        s->secret = tg_hash64(v, sizeof v);
    }
    s->v0 = w->p.start + (int64_t)llround(o->start_day * TG_SIM__DAY);
    s->t0 = tg_mono();
    (void)thread_unif();

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)o->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    MHD_set_panic_func(on_panic, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_SUPPRESS_DATE_NO_CLOCK | MHD_USE_TURBO;
    s->d =
        MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_LIMIT,
                         (unsigned)4096, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                         MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
    if (!s->d) {
        tg_error("sim", "cannot listen on 127.0.0.1:%d", o->port);
        rc = TG_EIO;
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : o->port;
    *out = s;
    return TG_OK;
fail:
    tg_sim_server_stop(&s);
    return rc;
}

void tg_sim_server_stop(tg_sim_server **ps)
{
    if (!ps || !*ps)
        return;
    tg_sim_server *s = *ps;
    if (s->d)
        MHD_stop_daemon(s->d);
    if (s->log)
        fclose(s->log);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->cache_mu);
    for (int i = 0; s->cache && i < CACHE_SLOTS; i++)
        tg_sim__blob_release(s->cache[i].blob);
    tg_free(s->cache);
    tg_free(s->posh_by_hex);
    tg_free(s->tiktok_key);
    tg_free(s->tiktok_secret);
    tg_free(s);
    *ps = NULL;
}
