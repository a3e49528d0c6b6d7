/*
 * web.h - `trendguard serve`: the manager dashboard (server-rendered HTML
 * with inline SVG charts), the consumer JSON API and Prometheus metrics,
 * over a read-only store.
 *
 * The request handling is a plain function, tg_web_handle(), that knows
 * nothing about sockets: the libmicrohttpd glue (tg_web_start) calls it,
 * the unit tests call it directly, and the static writer (tg_web_write_static)
 * calls it for every dashboard page. Every route is code; there are no files
 * served from disk, so there is nothing to traverse.
 *
 * Usage:
 *     tg_web *w;
 *     tg_web_open(&w, &cfg, store);            // store opened TG_STORE_RDONLY
 *     tg_web_listen l = { .bind = "127.0.0.1", .port = 0 };
 *     tg_web_start(w, &l);                     // libmicrohttpd, 2 threads
 *     printf("%d\n", tg_web_port(w));
 *     ... until a signal ...
 *     tg_web_close(&w);                        // stops the server too
 *
 * Threads: tg_web_handle may be called from many threads at once. Routes
 * that read the store live (a trend's series, a product's prices, a score
 * with a customer_id) begin their own read transaction (readers beside a
 * writer); the others read the cache and, for a score, the shared model.
 * Cached aggregates (per product keep rates, category risk, trend stages)
 * are rebuilt when the store's "last_write" changes, at most every
 * `cache_ttl_s` seconds.
 *
 * Ownership: the config and the store passed to tg_web_open must outlive the
 * tg_web. Responses own their body (tg_web_resp_free).
 */
#ifndef TRENDGUARD_WEB_H
#define TRENDGUARD_WEB_H

#include "trendguard/config.h"
#include "trendguard/store.h"
#include "trendguard/util.h"

#include <stddef.h>

typedef struct tg_web tg_web;

/* Request body limit (POST), and the most query parameters a request may carry. */
#define TG_WEB_MAX_BODY (64u * 1024u)
#define TG_WEB_MAX_PARAMS 16
/* Response bodies are capped too (a page over this is a 500, not a crash). */
#define TG_WEB_MAX_RESP (8u * 1024u * 1024u)

typedef struct tg_web_param {
    const char *key;
    const char *value;
} tg_web_param;

/* One request, already split by the transport. Strings belong to the caller. */
typedef struct tg_web_req {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* percent-decoded path, no query */
    const tg_web_param *params;
    int nparams;
    const char *body; /* may be NULL */
    size_t body_len;
    const char *authorization; /* the Authorization header or NULL */
} tg_web_req;

typedef struct tg_web_resp {
    int status;
    const char *content_type; /* static string */
    tg_buf body;
    const char *route; /* static route name for metrics ("score", "page_home", ...) */
} tg_web_resp;

typedef struct tg_web_listen {
    const char *bind;   /* dotted IPv4 address; NULL = "127.0.0.1" */
    int port;           /* 0 = a free port */
    int threads;        /* 0 = 2 */
    unsigned timeout_s; /* per connection; 0 = 10 */
    const char *token;  /* bearer token; required when bind is not loopback */
} tg_web_listen;

/* Create the application over an open store. TG_ENOMEM. */
int tg_web_open(tg_web **out, const tg_config *cfg, tg_store *store);
/* Stop the server if started and free everything; *w becomes NULL. */
void tg_web_close(tg_web **w);

/*
 * Handle one request. Always fills resp (status 200/400/401/404/405/413/500)
 * and returns TG_OK, or TG_ENOMEM when even the error body could not be made.
 * The caller frees resp with tg_web_resp_free.
 */
int tg_web_handle(tg_web *w, const tg_web_req *req, tg_web_resp *resp);
void tg_web_resp_free(tg_web_resp *resp);

/* True for 127.0.0.0/8, "::1" and "localhost". */
bool tg_web_is_loopback(const char *bind);

/*
 * Start libmicrohttpd. TG_EAUTH when bind is not loopback and no token is
 * given; TG_EIO when the address cannot be bound; TG_EINVAL for a bad bind.
 */
int tg_web_start(tg_web *w, const tg_web_listen *l);
/* The bound port (after port 0), or -1 before tg_web_start. */
int tg_web_port(const tg_web *w);

/*
 * Write every dashboard page as a static .html file into dir (created if
 * missing), links rewritten to the file names. Returns TG_OK or TG_EIO.
 * *npages (may be NULL) receives the number of files written.
 */
int tg_web_write_static(tg_web *w, const char *dir, int *npages);

#endif
