/*
 * crawl_int.h - internals of the crawl engine (crawler/ only).
 *
 * The pieces, in dependency order (docs/internals/crawler.md has the tour):
 *
 *   arena.c       per-result arena: one page's records live and die together
 *   fetch.c       libuv loop + curl multi-socket; limits; manual redirects
 *   frontier.c    the durable queue in LMDB (TG_DB_FRONTIER / _IDX)
 *   politeness.c  per-host state: token bucket, concurrency cap, backoff
 *   quota.c       per-source daily API budgets (TG_DB_QUOTAS)
 *   catalog.c     the products to track (catalog CSV + store products)
 *   crawl.c       scheduler, thread-pool parsing, the batching writer
 *   sources/      what each source fetches and how a response becomes records
 *
 * Threads: everything runs on the loop thread except tg_source_ops.parse
 * (libuv thread pool, one result per call, touching only that result) and
 * the writer's transaction (thread pool, one at a time).
 *
 * FRONTIER FORMAT (owned by frontier.c; raw databases of the store)
 *   frontier      be64 due_ms, item key bytes => 01 u8 kind, be16 attempts,
 *                 state bytes (the rest; source-specific text)
 *   frontier_idx  item key bytes => be64 due_ms
 *   Item keys are "SOURCE/..." text: "tiktok/stanleycup/19723",
 *   "ebay/P001/", "ebaysold/P001", "posh/P001", "site/bench/<url>".
 *   A lease is in memory for this single-process backend: an item stays in
 *   the frontier until the transaction that stores its results replaces or
 *   deletes it, so a crash simply hands it out again.
 *
 *   seen          dedup key text ("site/bench/<canonical url>") => be64t
 *                 first-seen time. Platform records dedup by their own key
 *                 (listings by source + platform id, videos by id).
 *   quotas        source name => 01 be32t day, be64 used
 *   robots        host ("http://h:p") => 01 be64t fetched_at, u8 mode
 *                 (0 parsed, 1 allow-all, 2 disallow-all), body bytes
 *   fetchlog      be64t t, be64 request id => 01 u8 class (tg_errclass),
 *                 be16 status, vstr url, vstr item key (the newest 10,000
 *                 failed fetches)
 *   meta          "crawl.last_success.SOURCE" => ASCII UTC time;
 *                 "SOURCE.token" => "EXPIRES TOKEN"; "site.NAME.pages" =>
 *                 native long (pages admitted)
 */
#ifndef TRENDGUARD_CRAWL_INT_H
#define TRENDGUARD_CRAWL_INT_H

#include "trendguard/config.h"
#include "trendguard/crawl.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

/* ---- arena ------------------------------------------------------------ */

typedef struct tg_arena_chunk tg_arena_chunk;
typedef struct tg_arena {
    tg_arena_chunk *head;
    size_t total; /* bytes handed out */
    size_t cap;   /* hard cap; allocations beyond it fail */
} tg_arena;

void tg_arena__init(tg_arena *a, size_t cap);
void *tg_arena__alloc(tg_arena *a, size_t n);
char *tg_arena__strdup(tg_arena *a, const char *s);
char *tg_arena__strndup(tg_arena *a, const char *s, size_t n);
char *tg_arena__printf(tg_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tg_arena__free(tg_arena *a);

/* ---- fetch ------------------------------------------------------------ */

typedef struct tg_fetch tg_fetch;
typedef struct tg_fetch_req tg_fetch_req;

typedef struct tg_fetch_limits {
    double timeout_s, connect_timeout_s, low_speed_s;
    long low_speed_bytes;
    size_t max_body, max_header;
    long max_redirects;
    long max_connections, max_per_host;
    const char *user_agent;
} tg_fetch_limits;

typedef struct tg_fetch_res {
    int curl_code;  /* CURLE_* of the last transfer */
    long status;    /* HTTP status of the final response (0: none) */
    tg_errclass ec; /* TG_EC_NONE on a 2xx */
    char errmsg[160];
    tg_buf body; /* decompressed, capped */
    char content_type[96];
    int64_t date;       /* Date header, 0 when absent/garbage */
    double retry_after; /* seconds, -1 when absent/garbage */
    char *final_url;    /* tg_malloc'd */
    int redirects;
    double elapsed;
} tg_fetch_res;

typedef void (*tg_fetch_cb)(tg_fetch_req *req, tg_fetch_res *res);

struct tg_fetch_req {
    char *url;          /* owned (tg_malloc) */
    const char *method; /* "GET" (default) or "POST" */
    char *body;         /* owned; POST body */
    size_t body_len;
    struct curl_slist *headers; /* owned; sent to every hop */
    char *auth;                 /* owned; "Authorization: ..." sent to the first host only */
    char *userpwd;              /* owned; HTTP Basic user:password, first host only */
    bool follow;                /* follow redirects (manually, scope-checked) */
    const char *const *scope;   /* NULL-terminated "http://host:port" list, NULL = same host */
    uint64_t reqid;
    tg_fetch_cb cb;
    void *ud;
    /* private to fetch.c */
    CURL *easy;
    tg_fetch *f;
    tg_fetch_res res;
    char *first_origin;
    char *orig_url;               /* the URL asked for (before redirects) */
    struct curl_slist *hdrs_sent; /* headers (+ auth) of the current hop */
    size_t header_bytes;
    bool toobig;
    double t0;
    char *location;
};

int tg_fetch__new(tg_fetch **out, uv_loop_t *loop, const tg_fetch_limits *lim);
/* Start req; its cb runs on the loop thread once (also on failure to start). */
int tg_fetch__start(tg_fetch *f, tg_fetch_req *req);
/* Abort every transfer in flight: their callbacks run with TG_EC_NETWORK/"aborted". */
void tg_fetch__abort_all(tg_fetch *f);
int tg_fetch__inflight(const tg_fetch *f);
/* curl_multi_cleanup, close the poll handles and the timer; the loop must run after. */
void tg_fetch__free(tg_fetch **f);
/* Free a request and its response (not the ud). */
void tg_fetch__req_free(tg_fetch_req *req);
/* "scheme://host:port" of url into buf; returns TG_OK or TG_EDATA. */
int tg_fetch__origin(const char *url, char *buf, size_t n);
/* Percent-encode s for a query string (owned by the arena). */
char *tg_fetch__urlencode(tg_arena *a, const char *s);
/* Classify a finished response (status + curl code) into an error class. */
tg_errclass tg_fetch__classify(int curl_code, long status, bool toobig);

/* ---- frontier --------------------------------------------------------- */

typedef struct tg_item {
    char *key; /* "SOURCE/..." */
    uint64_t due_ms;
    uint8_t kind; /* tg_source of the job (1..5) or 0x10 + n for sub-kinds */
    uint16_t attempts;
    char *state; /* NUL-terminated text, may be "" */
} tg_item;

/* Put or move an item (deletes its previous position via the index). */
int tg_frontier__put(tg_store_txn *t, const tg_item *it);
/* Put only when the key is not in the frontier already. */
int tg_frontier__put_absent(tg_store_txn *t, const tg_item *it, bool *added);
int tg_frontier__del(tg_store_txn *t, const char *key);
bool tg_frontier__has(tg_store_read *r, const char *key);
typedef int (*tg_frontier_cb)(const tg_item *it, void *ctx);
/* Items with due_ms <= until_ms in due order; the item passed is valid during the call. */
int tg_frontier__scan(tg_store_read *r, uint64_t until_ms, tg_frontier_cb cb, void *ctx);
/* The frontier value of an item (01 u8 kind, be16 attempts, state), appended to out;
 * the fleet keeps the same bytes in NS:fr:item. */
int tg_frontier__encode(const tg_item *it, tg_buf *out);
/* Decode a value: kind, attempts, and state (copied NUL-terminated into buf). */
int tg_frontier__decode(const void *v, size_t vl, tg_item *it, char *buf, size_t bufn);
struct tg_result;
/* Fleet leader seeding: while a collector is set, tg_frontier__put_absent and
 * tg_crawl__add_item with a NULL transaction append to its items instead. */
void tg_frontier__collect(struct tg_result *into);
struct tg_result *tg_frontier__collector(void);
/* Count items (due before now_ms and total), per source prefix when prefix != NULL. */
int tg_frontier__count(tg_store_read *r, uint64_t now_ms, const char *prefix, size_t *due,
                       size_t *total);

/* ---- politeness (state of a host) ------------------------------------- */

typedef struct tg_polite tg_polite;
typedef struct tg_polite_cfg {
    double rate; /* tokens/s */
    long max_inflight;
    double backoff_cap_s;
    double backoff_base_s;
} tg_polite_cfg;

int tg_polite__new(tg_polite **out, const tg_polite_cfg *cfg, uint64_t seed);
void tg_polite__free(tg_polite **p);
void tg_polite__set_cfg(tg_polite *p, const tg_polite_cfg *cfg);
/* 0 when a request to host may start at now (seconds), else seconds to wait. */
double tg_polite__wait(tg_polite *p, const char *host, double now);
/* Take a token and a concurrency slot (after tg_polite__wait returned 0). */
void tg_polite__start(tg_polite *p, const char *host, double now);
/* A request ended: status, retry_after (<0 none); returns the backoff set (s). */
double tg_polite__done(tg_polite *p, const char *host, double now, long status, double retry_after);
/* A floor on the interval between request starts (robots Crawl-delay). */
void tg_polite__set_delay(tg_polite *p, const char *host, double delay_s);
/* Exponential backoff with full jitter for attempt n (>= 1), capped. */
double tg_polite__backoff(tg_polite *p, int attempt, double base_s, double cap_s);

/* ---- quota (daily API budgets) ---------------------------------------- */

typedef struct tg_quota {
    const char *source; /* "tiktok", "ebay" */
    long limit, reserve;
    int32_t day;        /* UTC day the count belongs to */
    long used;          /* persisted + spent since the last commit */
    long unsaved;       /* spent, not yet committed */
    bool announced;     /* said "spent" once */
    int32_t stored_day; /* the persisted count's day and count, so that a roll */
    long stored_used;   /* onto that day (clock = source) keeps what was spent */
} tg_quota;

void tg_quota__init(tg_quota *q, const char *source, long limit, long reserve);
/* Load the persisted count (resets when the stored day is not today). */
int tg_quota__load(tg_quota *q, tg_store_read *r, int64_t now);
/* True when one more request fits (limit - reserve). Rolls the day over. */
bool tg_quota__can(tg_quota *q, int64_t now);
void tg_quota__spend(tg_quota *q, int64_t now);
long tg_quota__left(const tg_quota *q);
/* Seconds until the next reset (00:00 UTC). */
int64_t tg_quota__until_reset(int64_t now);
/* Write day/used (the writer's transaction); adds n unsaved requests. */
int tg_quota__save(tg_store_txn *t, const char *source, int32_t day, long used);
int tg_quota__read(tg_store_read *r, const char *source, int32_t *day, long *used);

/* ---- catalog ---------------------------------------------------------- */

typedef struct tg_track_product {
    char *product_id;
    char *hashtags; /* ';'-separated */
    char *resale_query;
} tg_track_product;

typedef struct tg_catalog {
    tg_track_product *p;
    size_t n;
    char **hashtags; /* the union of [tiktok] hashtags and the products' */
    size_t nhashtags;
} tg_catalog;

int tg_catalog__load(tg_catalog *cat, const tg_config *cfg, tg_store *s);
void tg_catalog__free(tg_catalog *cat);

/* ---- results: what one fetch produced, applied by the writer ----------- */

enum tg_fate {
    TG_FATE_DONE = 0, /* delete the item */
    TG_FATE_NEXT,     /* replace the item with next_* (paging, re-poll, retry) */
    TG_FATE_NONE      /* leave the frontier as it is (aborted) */
};

typedef struct tg_new_item {
    tg_item it;
    const char *seen; /* put only when this dedup key is unseen (NULL: only if absent) */
    const char *site; /* counts against [site.NAME] max_pages (NULL: no limit) */
    long max_pages;
} tg_new_item;

typedef struct tg_tagday {
    const char *hashtag;
    int32_t day;
} tg_tagday;

#define TG_VEC(T)                                                                                  \
    struct {                                                                                       \
        T *v;                                                                                      \
        size_t n, alloc;                                                                           \
    }

typedef struct tg_result {
    struct tg_result *next;
    tg_arena a;
    tg_item item; /* the item fetched (strings in the arena) */
    int fate;
    tg_item next_item; /* for TG_FATE_NEXT */
    bool round_done;   /* the item finished its round (for --once) */
    bool page;         /* counts as a stored page */
    bool retry;        /* a retry was scheduled */
    tg_errclass ec;    /* failure recorded in the fetch log */
    long status;
    const char *url;
    uint64_t reqid;
    int64_t obs_t; /* observation time */
    TG_VEC(tg_video) videos;
    TG_VEC(tg_snapshot) snaps;
    TG_VEC(tg_listing) listings;
    TG_VEC(tg_price_obs) prices;
    TG_VEC(tg_tagday) tagdays;
    TG_VEC(tg_new_item) items;
    const char *meta_key; /* one meta value to put (tokens), may be NULL */
    const char *meta_val;
    const char *robots_host; /* a robots.txt result to cache */
    int robots_mode;
    const char *robots_body;
    size_t robots_len;
} tg_result;

/* Store what a list of results produced: records, the hashtag-day aggregates
 * they touch, failed fetches (fetch log), robots.txt bodies, meta values and
 * each source's last success. With frontier = true also the frontier moves
 * (fate) and the discovered items (single-process crawl); the fleet sink
 * passes false (the frontier lives in Redis). Runs inside a write txn. */
int tg_crawl__apply(tg_store_txn *t, tg_result *list, int64_t now, bool frontier);

/* Append to a result vector (tg_realloc, capped at 1<<20 entries); 0 or TG_ENOMEM. */
int tg_result__grow(void **v, size_t *alloc, size_t need, size_t elem);
#define TG_VEC_PUSH(vec, val)                                                                      \
    (tg_result__grow((void **)&(vec).v, &(vec).alloc, (vec).n + 1, sizeof(*(vec).v))               \
         ? TG_ENOMEM                                                                               \
         : ((vec).v[(vec).n++] = (val), 0))
void tg_result__free(tg_result *r);
/* A result as bytes for the fleet's NS:results stream (result_codec.c has the
 * format; records travel as their store key/value). encode appends to out and
 * leaves it unchanged on failure (TG_ENOMEM, TG_ETOOBIG). decode returns a new
 * result owning all its memory (free with tg_result__free; next is NULL), or
 * TG_EDATA for any malformed input, TG_ENOMEM. */
int tg_result__encode(const tg_result *r, tg_buf *out);
int tg_result__decode(const void *p, size_t n, tg_result **out);

/* ---- fleet: the shared state in Redis (fleet.c, docs/FLEET.md) --------- */

typedef struct tg_fleet tg_fleet;
/* Parse [fleet]; connects lazily (TG_ECONFIG on a bad URL). */
int tg_fleet__open(tg_fleet **out, const tg_config *cfg);
void tg_fleet__close(tg_fleet **f);
const char *tg_fleet__id(const tg_fleet *f);
const char *tg_fleet__ns(const tg_fleet *f);
/* Redis commands sent so far (round trips). */
uint64_t tg_fleet__calls(const tg_fleet *f);
/* Connected now (reconnects when the backoff allows)? */
bool tg_fleet__up(tg_fleet *f);
/* Leases held by this worker. */
size_t tg_fleet__held(const tg_fleet *f);
/* LEASE up to n due items, none whose key starts with one of skip[nskip]
 * (paused sources); cb per item (a non-zero return gives it back).
 * *next_due: earliest due item left (0 none); *left: items of the round
 * not done (leased + due; with once, minus NS:fr:round). TG_ENET: down. */
int tg_fleet__lease(tg_fleet *f, size_t n, bool once, const char *const *skip, int nskip,
                    tg_frontier_cb cb, void *ctx, uint64_t *next_due, long *left);
/* START: host gate + slot + daily quota (quota_key "SOURCE:DAY" or NULL).
 * TG_OK with *wait_s 0 (started) or > 0 (wait); TG_EQUOTA spent; TG_ENET. */
int tg_fleet__start(tg_fleet *f, const char *host, uint64_t reqid, double rate, long max_inflight,
                    const char *quota_key, long quota_cap, double *wait_s);
/* A started fetch ended: its slot and backoff ride on the next DONE. */
void tg_fleet__fetch_end(tg_fleet *f, const char *host, uint64_t reqid, long status,
                         double retry_after);
/* DONE for up to max results of list (fenced by lease tokens); *sent of
 * them went; *stale += results dropped as stale. TG_ENET: keep them. */
int tg_fleet__done(tg_fleet *f, tg_result *list, size_t max, bool once, size_t *sent, long *stale);
/* Give a lease back without a result (sent with the next tick). */
void tg_fleet__drop(tg_fleet *f, const char *key);
/* Send queued drops; renew every held lease when renew_now. */
int tg_fleet__tick(tg_fleet *f, bool renew_now);
/* Keep or take NS:leader: 0 another worker leads, 1 this one kept it, 2 this
 * one took it (free: first start, a lapsed leader, a Redis without its data). */
int tg_fleet__leader(tg_fleet *f);
/* NS:name string values (tokens, robots, locks, the source clock). */
int tg_fleet__get(tg_fleet *f, const char *name, char **out, size_t *len);
int tg_fleet__set(tg_fleet *f, const char *name, const void *val, size_t len, long ttl_ms, bool nx,
                  bool *done);
int tg_fleet__del(tg_fleet *f, const char *name);
int tg_fleet__hset(tg_fleet *f, const char *name, const char *field, const char *val);
struct redisReply;
/* ensure() + one command (the sink's stream calls); NULL while Redis is down
 * (backoff) or on a lost connection; the caller freeReplyObject()s. */
struct redisReply *tg_fleet__cmd(tg_fleet *f, int argc, const char **argv, const size_t *lens);

/* ---- metrics (--metrics-port) ------------------------------------------ */

typedef struct tg_metrics tg_metrics;
typedef struct tg_metrics_snap {
    tg_crawl_stats st;
    int inflight;
    size_t queued;
    char budget_src[2][16];
    long budget_left[2];
} tg_metrics_snap;
/* Serve Prometheus text on 127.0.0.1:port (0 = any free port). */
int tg_metrics__start(tg_metrics **out, int port);
int tg_metrics__port(const tg_metrics *m);
void tg_metrics__publish(tg_metrics *m, const tg_metrics_snap *s);
void tg_metrics__stop(tg_metrics **m);

/* ---- the engine and its sources --------------------------------------- */

typedef struct tg_crawl tg_crawl;

typedef struct tg_token {
    char *value;     /* the bearer token; never logged */
    int64_t expires; /* local time */
    int64_t skew;    /* refresh this many seconds before expiry */
    unsigned gen;    /* bumped with every new token */
    bool fetching;
    int refreshes;    /* refreshes after a 401 since the last success */
    int fails;        /* token requests failed in a row */
    double next_look; /* fleet: next look for the shared token (mono) */
} tg_token;

/* A fetch being prepared for an item. */
typedef struct tg_job {
    tg_crawl *c;
    struct tg_source_ops const *src;
    tg_item item;   /* tg_malloc'd strings */
    char host[256]; /* politeness key: "http://h:p" */
    bool scraped;   /* robots apply */
    tg_fetch_req req;
    tg_result *res;
    int64_t obs_t;
    unsigned tok_gen; /* the token generation the request was built with */
    struct tg_job *next;
} tg_job;

enum tg_build_rc {
    TG_BUILD_OK = 0,
    TG_BUILD_NEED_TOKEN = 1, /* ask the engine for a token first */
    TG_BUILD_SKIP = 2        /* nothing to fetch: drop the item */
};

typedef struct tg_source_ops {
    const char *name;   /* "tiktok" */
    const char *prefix; /* item key prefix, "tiktok/" */
    int quota_index;    /* index into tg_crawl quotas or -1 */
    bool scraped;       /* robots.txt applies */
    /* Is the source configured? */
    bool (*enabled)(const tg_config *cfg);
    /* Make sure its recurring jobs exist (runs in a write transaction). */
    int (*seed)(tg_crawl *c, tg_store_txn *t, int64_t src_now);
    /* Fill job->req for job->item (loop thread). Returns TG_BUILD_* or a TG_E* code. */
    int (*build)(tg_crawl *c, tg_job *job);
    /* Turn the response into job->res (thread pool; touch only job). */
    void (*parse)(tg_crawl *c, tg_job *job, const tg_fetch_res *res);
    /* Token: build the request / take the response (loop thread). NULL: no auth. */
    int (*token_build)(tg_crawl *c, tg_fetch_req *req);
    int (*token_parse)(tg_crawl *c, const tg_fetch_res *res, char **token, int64_t *expires_in);
} tg_source_ops;

extern const tg_source_ops tg_src__tiktok;
extern const tg_source_ops tg_src__ebay;
extern const tg_source_ops tg_src__ebaysold;
extern const tg_source_ops tg_src__poshmark;
extern const tg_source_ops tg_src__site;

/* Engine services for the sources. */
const tg_config *tg_crawl__cfg(const tg_crawl *c);
const tg_catalog *tg_crawl__catalog(const tg_crawl *c);
/* The token of a source (NULL when none or expiring within the skew). */
const char *tg_crawl__token(tg_crawl *c, const tg_source_ops *src);
/* Drop a source's token after a 401 (the next build asks for a new one). */
void tg_crawl__token_invalid(tg_crawl *c, const tg_source_ops *src);
/* The scope list of the crawl (for req->scope). */
const char *const *tg_crawl__scope(const tg_crawl *c);
/* The source's clock: local time plus the offset learnt from Date headers. */
int64_t tg_crawl__src_now(const tg_crawl *c);
bool tg_crawl__once(const tg_crawl *c);

/* Result helpers for sources. */
tg_result *tg_result__new(const tg_item *it);
/* Ask for a retry after backoff (attempts + 1; gives up past the class budget). */
void tg_result__retry(tg_crawl *c, tg_job *job, tg_errclass ec, long status);
/* Reschedule the same key with a new state at due_ms. */
void tg_result__next(tg_result *r, const char *state, uint64_t due_ms, bool round_done);
/* A permanent failure: log it; recurring items move to their next poll. */
void tg_result__fail(tg_result *r, tg_errclass ec, long status, double poll_every_s);

uint64_t tg_crawl__now_ms(void);
/* Local due time (ms) of an interval given in source time (clock = source). */
uint64_t tg_crawl__after_ms(double source_s);
/* Add a discovered item in a write transaction (dedup by ni->seen, max_pages). */
int tg_crawl__add_item(tg_store_txn *t, const tg_new_item *ni, int64_t now);

#endif
