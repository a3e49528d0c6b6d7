/*
 * server.c - tg_web: routing, authentication, metrics, the libmicrohttpd
 * glue and the static writer.
 *
 * Every route is code: the path is matched against a fixed table and its
 * one variable segment must pass a strict character check, so there is no
 * file to reach by traversal. Every response carries the same security
 * headers (CSP without any external source; the pages need no script).
 */
#include "web/web_int.h"

#include "trendguard/error.h"
#include "trendguard/log.h"
#include "trendguard/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *const route_names[] = {
#define TG__WEB_ROUTE_NAME(id, name) name,
    TG_WEB_ROUTES(TG__WEB_ROUTE_NAME)
#undef TG__WEB_ROUTE_NAME
};

static const int status_codes[TG_WEB_NSTATUS] = {200, 400, 401, 404, 405, 413, 500, 503, 0};
/* Latency bucket upper bounds, seconds (the last is +Inf). */
static const double buckets[TG_WEB_NBUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005,
                                                0.01,   0.025,   0.05,   0.1,   0.5,   INFINITY};

/* ---- parameters ---------------------------------------------------------- */

const char *tg_web__param(const tg_web_req *req, const char *key)
{
    for (int i = 0; i < req->nparams; i++)
        if (strcmp(req->params[i].key, key) == 0)
            return req->params[i].value ? req->params[i].value : "";
    return NULL;
}

bool tg_web__params_ok(tg_web_rctx *rc, const char *const *allowed, bool json)
{
    char msg[160];
    if (rc->req->nparams > TG_WEB_MAX_PARAMS) {
        snprintf(msg, sizeof msg, "too many query parameters (at most %d)", TG_WEB_MAX_PARAMS);
        goto bad;
    }
    for (int i = 0; i < rc->req->nparams; i++) {
        const char *k = rc->req->params[i].key;
        bool ok = false;
        for (int a = 0; allowed[a] && !ok; a++)
            ok = strcmp(allowed[a], k) == 0;
        for (int j = 0; ok && j < i; j++)
            if (strcmp(rc->req->params[j].key, k) == 0) {
                snprintf(msg, sizeof msg, "query parameter given twice");
                goto bad;
            }
        if (!ok) {
            snprintf(msg, sizeof msg, "unknown query parameter");
            goto bad;
        }
        const char *v = rc->req->params[i].value;
        if (v && strlen(v) > 256) {
            snprintf(msg, sizeof msg, "query parameter too long");
            goto bad;
        }
    }
    return true;
bad:
    if (json)
        tg_web__json_error(rc->resp, 400, msg);
    else
        tg_web__html_error(rc, 400, msg);
    return false;
}

bool tg_web__valid_hashtag(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') || n >= 100)
            return false;
    }
    return n > 0;
}

bool tg_web__valid_product_id(const char *s)
{
    size_t n = 0;
    if (s[0] == '.' || s[0] == '-')
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.') ||
            n >= 64)
            return false;
    }
    return n > 0 && !strstr(s, "..");
}

bool tg_web_is_loopback(const char *bind)
{
    if (!bind || !*bind)
        return true;
    if (strcmp(bind, "localhost") == 0 || strcmp(bind, "::1") == 0)
        return true;
    struct in_addr a;
    if (inet_pton(AF_INET, bind, &a) != 1)
        return false;
    return (ntohl(a.s_addr) >> 24) == 127;
}

/* ---- lifecycle ----------------------------------------------------------- */

int tg_web_open(tg_web **out, const tg_config *cfg, tg_store *store)
{
    int rc;
    tg_web *w = tg_calloc(1, sizeof *w);
    *out = NULL;
    if (!w)
        return TG_ENOMEM;
    w->cfg = cfg;
    w->store = store;
    w->port = -1;
    pthread_rwlock_init(&w->lock, NULL);
    pthread_mutex_init(&w->build_mu, NULL);
    tg_model_tiers_from_config(cfg, &w->tiers);
    tg_store_read *r;
    if ((rc = tg_store_read_begin(store, &r)))
        goto fail;
    rc = tg_model_load_store(&w->model, r, NULL);
    if (rc) {
        if (rc != TG_ENOTFOUND)
            tg_warn("serve", "cannot load the model from the store: %s", tg_strerror(rc));
        w->model = NULL;
    }
    tg_store_read_end(&r);
    if ((rc = tg_web__cache_build(w, &w->cache)))
        goto fail;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    atomic_store(&w->checked_at_ms, (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    *out = w;
    return TG_OK;
fail:
    tg_web_close(&w);
    return rc;
}

void tg_web_close(tg_web **wp)
{
    tg_web *w = *wp;
    if (!w)
        return;
    if (w->mhd)
        MHD_stop_daemon(w->mhd);
    if (atomic_load(&w->refresher_on)) {
        atomic_store(&w->refresher_stop, true);
        pthread_join(w->refresher, NULL);
    }
    tg_web__cache_free(&w->cache);
    tg_model_free(&w->model);
    if (w->token) {
        memset(w->token, 0, strlen(w->token));
        tg_free(w->token);
    }
    pthread_rwlock_destroy(&w->lock);
    pthread_mutex_destroy(&w->build_mu);
    tg_free(w);
    *wp = NULL;
}

void tg_web_resp_free(tg_web_resp *resp)
{
    tg_buf_free(&resp->body);
}

/* ---- routing --------------------------------------------------------------- */

/* Constant-time comparison of the bearer token. */
static bool auth_ok(const tg_web *w, const char *hdr)
{
    if (!w->need_auth)
        return true;
    if (!hdr || strncmp(hdr, "Bearer ", 7) != 0)
        return false;
    const char *t = hdr + 7;
    size_t a = strlen(t), b = strlen(w->token);
    unsigned char d = (unsigned char)(a != b);
    for (size_t i = 0; i < b; i++)
        d |= (unsigned char)(t[i < a ? i : 0] ^ w->token[i]);
    return d == 0;
}

/* Match "/prefix/{arg}/suffix"; arg copied into buf. */
static bool match(const char *path, const char *prefix, const char *suffix, char *buf, size_t n)
{
    size_t pl = strlen(prefix);
    if (strncmp(path, prefix, pl) != 0)
        return false;
    const char *a = path + pl, *e = strchr(a, '/');
    size_t al = e ? (size_t)(e - a) : strlen(a);
    if (!al || al >= n)
        return false;
    if (suffix ? !e || strcmp(e, suffix) != 0 : e != NULL)
        return false;
    memcpy(buf, a, al);
    buf[al] = 0;
    return true;
}

static void metrics_page(tg_web_rctx *rc);

static tg_web_route dispatch(tg_web_rctx *rc)
{
    const tg_web_req *q = rc->req;
    const char *p = q->path ? q->path : "";
    bool get = strcmp(q->method, "GET") == 0 || strcmp(q->method, "HEAD") == 0;
    bool post = strcmp(q->method, "POST") == 0;
    char arg[128];
    tg_web_route r = TG_WEB_R_NOTFOUND;
    bool want_post = false, json = strncmp(p, "/v1/", 4) == 0;

    if (strcmp(p, "/healthz") == 0)
        r = TG_WEB_R_HEALTHZ;
    else if (strcmp(p, "/metrics") == 0)
        r = TG_WEB_R_METRICS;
    else if (strcmp(p, "/v1/trends") == 0)
        r = TG_WEB_R_TRENDS;
    else if (match(p, "/v1/trends/", "/series", arg, sizeof arg))
        r = TG_WEB_R_SERIES;
    else if (match(p, "/v1/products/", "/prices", arg, sizeof arg))
        r = TG_WEB_R_PRICES;
    else if (match(p, "/v1/products/", "/nudge", arg, sizeof arg))
        r = TG_WEB_R_NUDGE;
    else if (strcmp(p, "/v1/score") == 0)
        r = TG_WEB_R_SCORE, want_post = true;
    else if (strcmp(p, "/v1/cart/nudge") == 0)
        r = TG_WEB_R_CART, want_post = true;
    else if (strcmp(p, "/") == 0 || strcmp(p, "/index.html") == 0)
        r = TG_WEB_R_HOME;
    else if (strcmp(p, "/categories") == 0)
        r = TG_WEB_R_P_CATEGORIES;
    else if (strcmp(p, "/trends") == 0)
        r = TG_WEB_R_P_TRENDS;
    else if (match(p, "/trends/", NULL, arg, sizeof arg))
        r = TG_WEB_R_P_TREND;
    else if (strcmp(p, "/prices") == 0)
        r = TG_WEB_R_P_PRICES;
    else if (match(p, "/prices/", NULL, arg, sizeof arg))
        r = TG_WEB_R_P_PRICE;
    else if (strcmp(p, "/interventions") == 0)
        r = TG_WEB_R_P_INTERVENTIONS;
    else if (strcmp(p, "/alerts") == 0)
        r = TG_WEB_R_P_ALERTS;
    else if (strcmp(p, "/products") == 0)
        r = TG_WEB_R_P_PRODUCTS;
    else if (match(p, "/products/", NULL, arg, sizeof arg))
        r = TG_WEB_R_P_PRODUCT;

    rc->resp->route = route_names[r];
    if (r != TG_WEB_R_HEALTHZ && !auth_ok(rc->w, q->authorization)) {
        tg_web__json_error(rc->resp, 401, "missing or wrong bearer token");
        return r;
    }
    if (r == TG_WEB_R_NOTFOUND) {
        if (json)
            tg_web__json_error(rc->resp, 404, "no such route");
        else
            tg_web__html_error(rc, 404, "No such page.");
        return r;
    }
    if (want_post ? !post : !get) {
        tg_web__json_error(rc->resp, 405, want_post ? "use POST" : "use GET");
        return r;
    }
    /* The variable segment: strict character classes (no '/', no "..", no '%'). */
    bool tag_arg = r == TG_WEB_R_SERIES || r == TG_WEB_R_P_TREND;
    bool id_arg = r == TG_WEB_R_PRICES || r == TG_WEB_R_NUDGE || r == TG_WEB_R_P_PRICE ||
                  r == TG_WEB_R_P_PRODUCT;
    if ((tag_arg && !tg_web__valid_hashtag(arg)) || (id_arg && !tg_web__valid_product_id(arg))) {
        const char *msg = tag_arg ? "hashtag must be 1..100 of a-z, 0-9, _"
                                  : "product id must be 1..64 of A-Z a-z 0-9 _ - .";
        if (json)
            tg_web__json_error(rc->resp, 400, msg);
        else
            tg_web__html_error(rc, 400, msg);
        return r;
    }
    if (r == TG_WEB_R_HEALTHZ) {
        if (!tg_web__params_ok(rc, (const char *const[]){NULL}, true))
            return r;
        rc->resp->status = 200;
        rc->resp->content_type = "application/json";
        tg_buf_printf(&rc->resp->body, "{\"status\":\"ok\",\"model\":%s,\"last_write\":\"%s\"}\n",
                      rc->w->model ? "true" : "false", rc->c->last_write);
        return r;
    }
    switch (r) {
    case TG_WEB_R_METRICS:
        if (tg_web__params_ok(rc, (const char *const[]){NULL}, true))
            metrics_page(rc);
        break;
    case TG_WEB_R_TRENDS:
        tg_web__api_trends(rc);
        break;
    case TG_WEB_R_SERIES:
        tg_web__api_series(rc, arg);
        break;
    case TG_WEB_R_PRICES:
        tg_web__api_prices(rc, arg);
        break;
    case TG_WEB_R_NUDGE:
        tg_web__api_nudge(rc, arg);
        break;
    case TG_WEB_R_SCORE:
        tg_web__api_score(rc);
        break;
    case TG_WEB_R_CART:
        tg_web__api_cart(rc);
        break;
    default:
        tg_web__page(rc, r, arg);
        break;
    }
    return r;
}

static void record(tg_web *w, tg_web_route r, int status, double secs)
{
    int si = TG_WEB_NSTATUS - 1;
    for (int i = 0; i < TG_WEB_NSTATUS - 1; i++)
        if (status_codes[i] == status)
            si = i;
    atomic_fetch_add_explicit(&w->m.count[r][si], 1, memory_order_relaxed);
    int b = 0;
    while (b < TG_WEB_NBUCKETS - 1 && secs > buckets[b])
        b++;
    atomic_fetch_add_explicit(&w->m.bucket[r][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&w->m.sum_us[r], (unsigned long)(secs * 1e6), memory_order_relaxed);
}

static int handle(tg_web *w, const tg_web_req *req, tg_web_resp *resp, bool static_links)
{
    double t0 = tg_mono();
    memset(resp, 0, sizeof *resp);
    tg_buf_init(&resp->body, TG_WEB_MAX_RESP);
    resp->status = 500;
    resp->content_type = "text/plain";
    tg_web_rctx rc = {.w = w, .req = req, .resp = resp, .static_links = static_links};
    rc.c = tg_web__cache_acquire(w);
    tg_web_route r = TG_WEB_R_NOTFOUND;
    if (!rc.c) {
        tg_web__json_error(resp, 503, "store not loaded");
    } else if (req->body_len > TG_WEB_MAX_BODY) {
        tg_web__json_error(resp, 413, "request body over 64 KiB");
    } else {
        r = dispatch(&rc);
    }
    tg_web__cache_release(w);
    if (!resp->body.data) {
        /* even the error body failed (allocation): say so with no body */
        resp->status = 500;
    }
    if (strcmp(req->method, "HEAD") == 0)
        tg_buf_reset(&resp->body);
    record(w, r, resp->status, tg_mono() - t0);
    return resp->body.data || resp->status != 500 ? TG_OK : TG_ENOMEM;
}

int tg_web_handle(tg_web *w, const tg_web_req *req, tg_web_resp *resp)
{
    return handle(w, req, resp, false);
}

/* ---- metrics ------------------------------------------------------------ */

static void metrics_page(tg_web_rctx *rc)
{
    tg_web *w = rc->w;
    tg_buf *b = &rc->resp->body;
    tg_buf_adds(b, "# HELP trendguard_http_requests_total HTTP requests by route and status.\n"
                   "# TYPE trendguard_http_requests_total counter\n");
    for (int r = 0; r < TG_WEB_R__COUNT; r++)
        for (int s = 0; s < TG_WEB_NSTATUS; s++) {
            unsigned long v = atomic_load(&w->m.count[r][s]);
            if (!v)
                continue;
            char st[8];
            if (status_codes[s])
                snprintf(st, sizeof st, "%d", status_codes[s]);
            else
                snprintf(st, sizeof st, "other");
            tg_buf_printf(b, "trendguard_http_requests_total{route=\"%s\",status=\"%s\"} %lu\n",
                          route_names[r], st, v);
        }
    tg_buf_adds(b, "# HELP trendguard_http_request_duration_seconds Time to build a response.\n"
                   "# TYPE trendguard_http_request_duration_seconds histogram\n");
    for (int r = 0; r < TG_WEB_R__COUNT; r++) {
        unsigned long cum = 0;
        for (int k = 0; k < TG_WEB_NBUCKETS; k++)
            cum += atomic_load(&w->m.bucket[r][k]);
        if (!cum)
            continue;
        cum = 0;
        for (int k = 0; k < TG_WEB_NBUCKETS; k++) {
            cum += atomic_load(&w->m.bucket[r][k]);
            if (isinf(buckets[k]))
                tg_buf_printf(b,
                              "trendguard_http_request_duration_seconds_bucket{route=\"%s\","
                              "le=\"+Inf\"} %lu\n",
                              route_names[r], cum);
            else
                tg_buf_printf(b,
                              "trendguard_http_request_duration_seconds_bucket{route=\"%s\","
                              "le=\"%g\"} %lu\n",
                              route_names[r], buckets[k], cum);
        }
        tg_buf_printf(b, "trendguard_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
                      route_names[r], (double)atomic_load(&w->m.sum_us[r]) / 1e6);
        tg_buf_printf(b, "trendguard_http_request_duration_seconds_count{route=\"%s\"} %lu\n",
                      route_names[r], cum);
    }
    const tg_web_cache *c = rc->c;
    tg_buf_adds(b, "# HELP trendguard_store_entries Entries per store database.\n"
                   "# TYPE trendguard_store_entries gauge\n");
    for (int i = 0; i < c->nstats; i++)
        tg_buf_printf(b, "trendguard_store_entries{db=\"%s\"} %zu\n", c->stats[i].name,
                      c->stats[i].entries);
    tg_buf_adds(b, "# HELP trendguard_store_bytes Bytes (pages x page size) per store database.\n"
                   "# TYPE trendguard_store_bytes gauge\n");
    for (int i = 0; i < c->nstats; i++)
        tg_buf_printf(b, "trendguard_store_bytes{db=\"%s\"} %zu\n", c->stats[i].name,
                      c->stats[i].bytes);
    tg_buf_printf(b,
                  "# HELP trendguard_cache_builds_total Rebuilds of the dashboard cache.\n"
                  "# TYPE trendguard_cache_builds_total counter\n"
                  "trendguard_cache_builds_total %lu\n"
                  "# HELP trendguard_cache_built_timestamp_seconds When the cache was built.\n"
                  "# TYPE trendguard_cache_built_timestamp_seconds gauge\n"
                  "trendguard_cache_built_timestamp_seconds %lld\n"
                  "# HELP trendguard_model_loaded Whether a model is loaded for /v1/score.\n"
                  "# TYPE trendguard_model_loaded gauge\n"
                  "trendguard_model_loaded %d\n",
                  atomic_load(&w->m.cache_builds), (long long)c->built_at, w->model ? 1 : 0);
    rc->resp->status = 200;
    rc->resp->content_type = "text/plain; version=0.0.4";
}

/* ---- libmicrohttpd ------------------------------------------------------ */

/* Per connection request state: the request body so far. */
typedef struct tg_web_conn {
    tg_buf body;
    bool too_big;
    bool answered;    /* a response is queued (the early 413) */
    size_t discarded; /* body bytes dropped past the limit */
} conn_state;

#define DISCARD_MAX (8u * 1024 * 1024)

typedef struct arg_collect {
    tg_web_param p[TG_WEB_MAX_PARAMS + 1];
    int n;
} arg_collect;

static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    (void)kind;
    arg_collect *a = cls;
    if (a->n <= TG_WEB_MAX_PARAMS)
        a->p[a->n] = (tg_web_param){key, value};
    a->n++;
    return a->n > TG_WEB_MAX_PARAMS ? MHD_NO : MHD_YES;
}

static void add_headers(struct MHD_Response *r, const char *ctype)
{
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cache-Control", "no-store");
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, tg_web_resp *resp)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp->body.len, resp->body.data ? resp->body.data : (void *)"", MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    add_headers(r, resp->content_type);
    if (resp->status == 401)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    if (resp->status == 405)
        MHD_add_response_header(r, "Allow",
                                strcmp(resp->route, "score") == 0 ||
                                        strcmp(resp->route, "cart_nudge") == 0
                                    ? "POST"
                                    : "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Handle the request as received so far and queue the response. */
static enum MHD_Result answer(tg_web *w, struct MHD_Connection *conn, conn_state *cs,
                              const char *method, const char *url)
{
    arg_collect args = {.n = 0};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_arg, &args);
    tg_web_req req = {
        .method = method,
        .path = url,
        .params = args.p,
        .nparams = args.n,
        .body = cs->body.data,
        .body_len = cs->too_big ? TG_WEB_MAX_BODY + 1 : cs->body.len,
        .authorization =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
    };
    tg_web_resp resp;
    handle(w, &req, &resp, false);
    enum MHD_Result ret = send_resp(conn, &resp);
    tg_web_resp_free(&resp);
    cs->answered = true;
    return ret;
}

/* A Content-Length over the body limit (or not a number). */
static bool declared_too_big(struct MHD_Connection *conn)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return false;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    return errno || end == cl || n > TG_WEB_MAX_BODY;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    tg_web *w = cls;
    conn_state *cs = *con_cls;
    if (!cs) {
        cs = tg_calloc(1, sizeof *cs);
        if (!cs)
            return MHD_NO;
        tg_buf_init(&cs->body, TG_WEB_MAX_BODY);
        *con_cls = cs;
        /* A body declared over the limit is refused before it is read:
         * libmicrohttpd sends the 413 and closes the connection. */
        if (declared_too_big(conn)) {
            cs->too_big = true;
            return answer(w, conn, cs, method, url);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!cs->too_big && tg_buf_add(&cs->body, upload_data, *upload_data_size) != TG_OK)
            cs->too_big = true;
        cs->discarded += cs->too_big ? *upload_data_size : 0;
        *upload_data_size = 0;
        /* A chunked body over the limit is read and dropped so that the
         * client, still sending, sees the 413 at the end; past DISCARD_MAX
         * the connection is closed instead. */
        return cs->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
    }
    return cs->answered ? MHD_YES : answer(w, conn, cs, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    conn_state *cs = *con_cls;
    if (cs) {
        tg_buf_free(&cs->body);
        tg_free(cs);
        *con_cls = NULL;
    }
}

static void *refresher_main(void *arg)
{
    tg_web *w = arg;
    while (!atomic_load(&w->refresher_stop)) {
        for (int i = 0; i < 20 && !atomic_load(&w->refresher_stop); i++) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (!atomic_load(&w->refresher_stop))
            tg_web__cache_refresh(w);
    }
    return NULL;
}

int tg_web_start(tg_web *w, const tg_web_listen *l)
{
    const char *bind = l->bind && *l->bind ? l->bind : "127.0.0.1";
    if (strcmp(bind, "localhost") == 0)
        bind = "127.0.0.1";
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)l->port);
    if (l->port < 0 || l->port > 65535 || inet_pton(AF_INET, bind, &sa.sin_addr) != 1) {
        tg_error("serve", "bind must be a dotted IPv4 address, port 0..65535");
        return TG_EINVAL;
    }
    w->need_auth = !tg_web_is_loopback(bind);
    if (w->need_auth) {
        if (!l->token || strlen(l->token) < 16) {
            tg_error("serve",
                     "refusing to listen on %s without a bearer token of 16+ characters "
                     "([serve] token or token_env)",
                     bind);
            return TG_EAUTH;
        }
        if (!(w->token = tg_strdup(l->token)))
            return TG_ENOMEM;
    }
    unsigned threads = l->threads > 0 ? (unsigned)l->threads : 2;
    unsigned timeout = l->timeout_s ? l->timeout_s : 10;
    w->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                                  MHD_ALLOW_SUSPEND_RESUME,
                              0, NULL, NULL, on_request, w, MHD_OPTION_SOCK_ADDR,
                              (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, threads,
                              MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_CONNECTION_LIMIT,
                              1024u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_END);
    if (!w->mhd) {
        tg_error("serve", "cannot listen on %s:%d: %s", bind, l->port, strerror(errno));
        return TG_EIO;
    }
    if (pthread_create(&w->refresher, NULL, refresher_main, w) == 0)
        atomic_store(&w->refresher_on, true);
    else
        tg_warn("serve", "no background cache refresh: requests will refresh it");
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_BIND_PORT);
    w->port = di ? di->port : l->port;
    return TG_OK;
}

int tg_web_port(const tg_web *w)
{
    return w->port;
}

/* ---- static pages --------------------------------------------------------- */

static int write_page(tg_web *w, const char *dir, const char *path, const char *file, int *n)
{
    tg_web_req req = {.method = "GET", .path = path};
    tg_web_resp resp;
    int rc = handle(w, &req, &resp, true);
    if (rc == TG_OK && resp.status != 200) {
        tg_error("serve", "static page %s answered %d", path, resp.status);
        rc = TG_EINTERNAL;
    }
    if (rc == TG_OK) {
        size_t pl = strlen(dir) + strlen(file) + 2;
        char *fp = tg_malloc(pl);
        FILE *f = fp ? (snprintf(fp, pl, "%s/%s", dir, file), fopen(fp, "w")) : NULL;
        if (!f || fwrite(resp.body.data, 1, resp.body.len, f) != resp.body.len) {
            tg_error("serve", "cannot write %s: %s", fp ? fp : file, strerror(errno));
            rc = TG_EIO;
        }
        if (f && fclose(f) != 0 && rc == TG_OK)
            rc = TG_EIO;
        tg_free(fp);
        (*n)++;
    }
    tg_web_resp_free(&resp);
    return rc;
}

int tg_web_write_static(tg_web *w, const char *dir, int *npages)
{
    int n = 0, rc = TG_OK;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        tg_error("serve", "cannot create %s: %s", dir, strerror(errno));
        return TG_EIO;
    }
    static const char *const fixed[][2] = {
        {"/", "index.html"},           {"/categories", "categories.html"},
        {"/trends", "trends.html"},    {"/prices", "prices.html"},
        {"/alerts", "alerts.html"},    {"/interventions", "interventions.html"},
        {"/products", "products.html"}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && !rc; i++)
        rc = write_page(w, dir, fixed[i][0], fixed[i][1], &n);
    /* The per-item pages: names taken from the cache under its lock. */
    const tg_web_cache *c = tg_web__cache_acquire(w);
    size_t nt = c ? c->ntrends : 0, np = c ? c->nproducts : 0;
    char **names = tg_calloc(nt + np + 1, sizeof *names);
    for (size_t i = 0; names && i < nt; i++)
        names[i] = tg_strdup(c->trends[i].hashtag);
    for (size_t i = 0; names && i < np; i++)
        names[nt + i] = tg_strdup(c->products[i].id);
    tg_web__cache_release(w);
    if (!names)
        return TG_ENOMEM;
    for (size_t i = 0; i < nt + np && !rc; i++) {
        if (!names[i]) {
            rc = TG_ENOMEM;
            break;
        }
        bool tag = i < nt;
        if (tag ? !tg_web__valid_hashtag(names[i]) : !tg_web__valid_product_id(names[i]))
            continue; /* an id we would not route cannot be a page */
        char path[192], file[192];
        if (tag) {
            snprintf(path, sizeof path, "/trends/%s", names[i]);
            snprintf(file, sizeof file, "trend-%s.html", names[i]);
            rc = write_page(w, dir, path, file, &n);
        } else {
            snprintf(path, sizeof path, "/products/%s", names[i]);
            snprintf(file, sizeof file, "product-%s.html", names[i]);
            rc = write_page(w, dir, path, file, &n);
            if (!rc) {
                snprintf(path, sizeof path, "/prices/%s", names[i]);
                snprintf(file, sizeof file, "prices-%s.html", names[i]);
                rc = write_page(w, dir, path, file, &n);
            }
        }
    }
    for (size_t i = 0; i < nt + np; i++)
        tg_free(names[i]);
    tg_free(names);
    if (npages)
        *npages = n;
    return rc;
}
