/*
 * sim_int.h - internals of the simulated world shared by the generator
 * (world.c), the file writer (world_io.c) and the server (server.c and the
 * per-source renderers tiktok.c, ebay.c, poshmark.c).
 *
 * The world is a set of flat arrays built once and read-only afterwards, so
 * the server's threads share it without locks. Times are int64 seconds.
 * Indices into the arrays are int32 (worlds are small: tens of thousands of
 * videos and listings, up to millions of orders).
 */
#ifndef TRENDGUARD_SIM_INT_H
#define TRENDGUARD_SIM_INT_H

#include "trendguard/sim.h"
#include "trendguard/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TG_SIM__DAY 86400

typedef struct tg_sim__hashtag {
    char name[48];
    int32_t product;
    bool trending;
    bool bot;
    double amp;        /* hype amplitude 0..1 (0 when not trending) */
    int64_t t_start;   /* rise begins */
    int64_t t_peak;    /* maximum */
    int64_t t_decline; /* curve below 50% of the peak after it */
    int64_t t_death;   /* curve below 5% */
    double tau_decay;  /* seconds: after the peak f = exp(-(t-peak)/tau) */
    int32_t *vids;     /* video indices sorted by (create_time, id) */
    int32_t nvids;
} tg_sim__hashtag;

typedef struct tg_sim__video {
    uint64_t id;
    int64_t create_time;
    int32_t tag[2]; /* hashtag indices; tag[1] may be -1 */
    int32_t user;   /* index into usernames */
    double v_final; /* views it saturates at */
    double tau;     /* growth time constant, seconds (organic) */
    float like_rate, comment_rate, share_rate;
    uint8_t bot;
    uint8_t region;   /* index into tg_sim__regions */
    uint8_t desc_tpl; /* description template */
    char *frag_desc;  /* pre-rendered video_description value (a JSON string) */
    char *frag_pre;   /* pre-rendered {"id":..,"video_description":..,"create_time":..,
                       * "region_code":"..", of the default field set */
    char *frag_post;  /* "hashtag_names":[..],"username":".."} of the default set */
    uint16_t pre_len, post_len;
} tg_sim__video;

enum { TG_SIM__EBAY = 0, TG_SIM__POSH = 1 };

typedef struct tg_sim__listing {
    uint64_t legacy_id; /* eBay item number; Poshmark uses hex_id */
    char hex_id[25];
    uint8_t site;
    uint8_t auction;
    uint8_t cond;  /* condition index */
    uint8_t noise; /* bit 0 price range, bit 1 strikethrough, bit 2 paid shipping */
    int32_t product;
    int32_t seller;
    int64_t created;
    int64_t sold;                  /* 0 when never sold */
    int64_t ends;                  /* eBay end (created + 30 d) / 0 for Poshmark */
    double price;                  /* asking / sold price, USD */
    double orig_price;             /* struck-through or Poshmark original price */
    double ship;                   /* shipping cost; 0 = free */
    int64_t key_created, key_sold; /* Poshmark paging keys: seconds*100 + k, unique per product */
} tg_sim__listing;

typedef struct tg_sim__product {
    char id[16];
    char name[80];
    char query[80]; /* resale query, lowercase */
    int category;
    double price;
    double quality; /* latent 0..1 */
    double base_demand;
    int32_t tag[2]; /* tag[1] may be -1 */
    int32_t *ebay;  /* listing indices of this product on eBay, sorted by sold desc */
    int32_t nebay;
    int32_t nebay_all;     /* length of ebay_active */
    int32_t *ebay_active;  /* all eBay listings sorted by created desc */
    int32_t *posh_created; /* Poshmark listings sorted by key_created desc */
    int32_t *posh_sold;    /* sold Poshmark listings sorted by key_sold desc */
    int32_t nposh, nposh_sold;
    double m0; /* resale price / retail before any trend */
} tg_sim__product;

typedef struct tg_sim__order {
    int32_t product;
    int32_t customer;
    int64_t time;
    double price_paid;
    double p_true;
    uint8_t regretted;
    int64_t return_time; /* 0 = not returned */
    uint8_t reason;      /* 0 none, 1 Regret, 2 Defective, 3 Wrong size */
} tg_sim__order;

typedef struct tg_sim__review {
    int32_t product;
    int64_t time;
    uint8_t rating;
    uint16_t tpl[3]; /* sentence template indices */
} tg_sim__review;

typedef struct tg_sim__customer {
    uint8_t age;
    int32_t zip;
} tg_sim__customer;

struct tg_sim_world {
    tg_sim_params p;
    int64_t end;
    tg_sim__product *products;
    int32_t nproducts;
    tg_sim__hashtag *tags;
    int32_t ntags;
    tg_sim__video *videos;
    int32_t nvideos;
    char (*users)[32];
    int32_t nusers;
    tg_sim__listing *listings;
    int32_t nlistings;
    tg_sim__order *orders;
    long norders;
    tg_sim__customer *customers;
    int32_t ncustomers;
    int32_t *zip_code; /* 5-digit zip per zip index */
    double *zip_income;
    int32_t nzips;
    tg_sim__review *reviews;
    long nreviews;
    tg_sim_summary summary;
    char (*sellers)[32];
    int32_t nsellers;
};

extern const char *const tg_sim__regions[];
extern const char *const tg_sim__categories[];
extern const char *const tg_sim__conditions[];
extern const char *const tg_sim__review_sentences[][8];

/* The hashtag curve f(t) in [0,1] (0 for non-trending hashtags). */
double tg_sim__curve(const tg_sim__hashtag *h, int64_t t);
/* Resale price / retail of product p at time t, and the maximum up to t. */
double tg_sim__resale_mult(const tg_sim_world *w, const tg_sim__product *p, int64_t t,
                           double *max_so_far);
/* Counts of video v as of time t (0s before its creation). */
void tg_sim__video_counts(const tg_sim__video *v, int64_t t, uint64_t *views, uint64_t *likes,
                          uint64_t *comments, uint64_t *shares);
/* Hashtag index by name (case-insensitive), -1 when unknown. */
int32_t tg_sim__tag_find(const tg_sim_world *w, const char *name);
/* Product matching a free-text resale query, -1 when none. */
int32_t tg_sim__product_match(const tg_sim_world *w, const char *query);
/* Render review text into b. */
int tg_sim__review_text(const tg_sim__review *r, tg_buf *b);
/* "2026-03-01T10:22:00-08:00" in US Pacific time (with DST). */
char *tg_sim__pacific_time(int64_t t, char *buf, size_t n);

/* Fast appenders for rendering (no printf on hot paths). */
int tg_sim__put(tg_buf *b, const char *s, size_t n);
/* Make room for n more bytes up front (fewer reallocations on big responses). */
int tg_sim__reserve(tg_buf *b, size_t n);
#define TG_SIM__PUTL(b, lit) tg_sim__put((b), (lit), sizeof(lit) - 1)
int tg_sim__puts(tg_buf *b, const char *s);
int tg_sim__putu(tg_buf *b, uint64_t v);
int tg_sim__puti(tg_buf *b, int64_t v);
/* Money with two decimals, optional thousands separators. */
int tg_sim__putmoney(tg_buf *b, double v, bool commas);
/* JSON string literal with quotes. */
int tg_sim__putjs(tg_buf *b, const char *s);
/* HTML-escaped text. */
int tg_sim__puth(tg_buf *b, const char *s);

/* ------------------------------------------------------------------------ */
/* Server internals (server.c) used by the per-source renderers. */

struct MHD_Connection;

typedef struct tg_sim__req {
    tg_sim_server *srv;
    const tg_sim_world *w;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;  /* path, without the query string */
    const char *body; /* NUL-terminated request body (POST), "" otherwise */
    size_t body_len;
    int64_t now;   /* virtual now */
    double fault;  /* uniform [0,1) draw for fault injection */
    double fault2; /* a second independent draw */
    double fault_rate;
    const char *host; /* Host header or "127.0.0.1:PORT" */
} tg_sim__req;

/* A rendered body shared by many responses; freed when the last one is sent. */
typedef struct tg_sim__blob {
    long refs; /* atomic */
    size_t len;
    char data[];
} tg_sim__blob;

typedef struct tg_sim__resp {
    tg_sim__blob *blob; /* when set, the body is this blob (one reference) */
    int status;
    const char *ctype;
    tg_buf body;
    const char *hdr_name, *hdr_value; /* optional extra headers */
    const char *hdr2_name, *hdr2_value;
    char hdr_buf[64];
} tg_sim__resp;

/* GET argument (decoded) or NULL. */
const char *tg_sim__arg(const tg_sim__req *rq, const char *name);
/* Request header or NULL. */
const char *tg_sim__header(const tg_sim__req *rq, const char *name);
/* Tokens: stateless, signed with a per-server secret; kind 't' TikTok, 'e' eBay. */
int tg_sim__token_issue(tg_sim_server *s, char kind, char *out, size_t n);
bool tg_sim__token_ok(tg_sim_server *s, char kind, const char *bearer_header);
/* Count one TikTok query against the virtual day's quota; false when exhausted. */
bool tg_sim__quota_take(tg_sim_server *s, int64_t now);
/* "20260113024658" + 20 hex digits. */
void tg_sim__log_id(const tg_sim__req *rq, char *out, size_t n);
/* Configured TikTok credentials (NULL = accept any non-empty). */
void tg_sim__tiktok_creds(const tg_sim_server *s, const char **key, const char **secret);
double tg_sim__token_ttl(const tg_sim_server *s);
/* Virtual seconds per real second. */
double tg_sim__speed(const tg_sim_server *s);
/* Poshmark listing by 24-hex id, -1 when unknown. */
int32_t tg_sim__posh_find(const tg_sim_server *s, const char *hex);

/*
 * Response cache for pages that only change when the world's visible state
 * does (the sold-listing pages): key is a 64-bit hash of everything the page
 * depends on. get returns a new reference or NULL; put stores buf's bytes.
 */
tg_sim__blob *tg_sim__cache_get(tg_sim_server *s, uint64_t key);
tg_sim__blob *tg_sim__cache_put(tg_sim_server *s, uint64_t key, const char *data, size_t len);
void tg_sim__blob_release(void *blob);

/* Renderers; each fills resp (status, content type, body). */
int tg_sim__tiktok_token(const tg_sim__req *rq, tg_sim__resp *rs);
int tg_sim__tiktok_query(const tg_sim__req *rq, tg_sim__resp *rs);
int tg_sim__ebay_token(const tg_sim__req *rq, tg_sim__resp *rs);
int tg_sim__ebay_browse(const tg_sim__req *rq, tg_sim__resp *rs);
int tg_sim__ebay_sold(const tg_sim__req *rq, tg_sim__resp *rs);
int tg_sim__posh_search(const tg_sim__req *rq, tg_sim__resp *rs);
int tg_sim__posh_item(const tg_sim__req *rq, const char *hex, tg_sim__resp *rs);
/* Form-urlencoded body lookup (decoded into out); false when absent. */
bool tg_sim__form_get(const char *body, const char *name, char *out, size_t n);

#endif
