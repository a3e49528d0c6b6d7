/*
 * parser.h - turn fetched bodies into typed records: TikTok Research API
 * JSON, eBay Browse JSON, eBay sold-listings HTML (and the generic
 * "ebay-listings" extractor of a user's [site.NAME]), Poshmark vm-rest JSON;
 * price, count and hashtag patterns (PCRE2, JIT).
 *
 * Threads: every function here is thread-safe and re-entrant. Patterns are
 * compiled once (pthread_once); match data is per call; libxml2 is
 * initialised once. tg_parse_init() may be called from the main thread
 * before starting workers (libxml2 asks for that); the parsers call it too.
 *
 * Ownership: a tg_parse_result owns everything it points to (records,
 * strings, links) in one arena; tg_parse_result_free() releases it all in
 * one call and zeroes the struct. tg_parse_*() zero `out` first, so
 * tg_parse_result_free() is always safe after any of them, whatever they
 * returned (a block page returns TG_EBLOCKED with `out` filled).
 *
 * JSON: the adapters run on a strict RFC 8259 pull tokenizer
 * (parser/json_scan.c) that accepts what jansson accepts (UTF-8 checked,
 * surrogates paired, no control characters), except that a number too
 * large for 64 bits (or a double) only loses its field instead of failing
 * the whole response. A response that does not validate yields no records.
 *
 * Limits: inputs above TG_PARSE_MAX_INPUT bytes are refused (TG_ETOOBIG);
 * JSON nesting is bounded at 2048 levels (as jansson; deeper is TG_EPARSE,
 * checked without recursion), HTML by libxml2's default depth limit; every
 * arena has a cap (TG_PARSE_MAX_ARENA).
 */
#ifndef TRENDGUARD_PARSER_H
#define TRENDGUARD_PARSER_H

#include "trendguard/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TG_PARSE_MAX_INPUT (8u * 1024 * 1024)
#define TG_PARSE_MAX_ARENA (64u * 1024 * 1024)

typedef enum tg_parse_kind {
    TG_PARSE_AUTO = 0,
    TG_PARSE_TIKTOK_QUERY,    /* Research API /v2/research/video/query/ response */
    TG_PARSE_EBAY_BROWSE,     /* Browse API item_summary/search response */
    TG_PARSE_EBAY_SOLD,       /* sold-listings HTML page (s-item or s-card) */
    TG_PARSE_EBAY_LISTINGS,   /* generic site extractor: listings + every <a href> */
    TG_PARSE_POSHMARK_ITEM,   /* vm-rest single post ({"data": {...}} or the post) */
    TG_PARSE_POSHMARK_SEARCH, /* vm-rest search / closet ({"data": [...], "more": ...}) */
    TG_PARSE_TIKTOK_COMMENTS, /* Research API /v2/research/video/comment/list/ response */
    TG_PARSE_TIKTOK_USER      /* Research API /v2/research/user/info/ response */
} tg_parse_kind;

/* "tiktok-query", "ebay-browse", "ebay-sold", ..., "tiktok-comments",
 * "tiktok-user"; never NULL. */
const char *tg_parse_kind_name(tg_parse_kind k);
/* Accepts the names above and the aliases of `trendguard parse --as`
 * ("ebay-sold-html", "poshmark-post", "poshmark-posts", "auto");
 * returns -1 when unknown. */
int tg_parse_kind_from_name(const char *name);
/* Guess a kind from the body (JSON keys / HTML markers); TG_PARSE_AUTO when unsure. */
tg_parse_kind tg_parse_detect(const char *buf, size_t len);

typedef enum tg_parse_layout {
    TG_LAYOUT_NONE = 0,
    TG_LAYOUT_JSON,
    TG_LAYOUT_S_ITEM, /* eBay <li class="s-item"> */
    TG_LAYOUT_S_CARD  /* eBay <li class="s-card"> (2025 layout) */
} tg_parse_layout;
/* "json", "s-item", "s-card", "none". */
const char *tg_parse_layout_name(tg_parse_layout l);

/* Error objects inside an otherwise well-formed API response. */
typedef enum tg_api_error {
    TG_APIERR_NONE = 0,       /* "ok" / no error object */
    TG_APIERR_INVALID_PARAMS, /* invalid_params (other than the search id) */
    TG_APIERR_SEARCH_EXPIRED, /* invalid_params + "search id ... invalid or expired" */
    TG_APIERR_TOKEN_INVALID,  /* access_token_invalid (or eBay 1001 invalid token) */
    TG_APIERR_RATE_LIMIT,     /* rate_limit_exceeded (daily quota) */
    TG_APIERR_INTERNAL,       /* internal_error (retry with backoff) */
    TG_APIERR_OTHER
} tg_api_error;

/* A TikTok video with the counts observed in this response. */
typedef struct tg_parse_video {
    uint64_t id;             /* "id" or "video_id"; never through a double */
    const char *username;    /* "" when absent */
    const char *description; /* "" when absent */
    const char *region;      /* "" when absent */
    int64_t create_time;     /* epoch seconds, 0 when absent */
    const char **hashtags;   /* lower case, no '#'; from hashtag_names or the text */
    size_t n_hashtags;
    const char *hashtags_joined;            /* ';'-joined (tg_video.hashtags form) */
    int64_t views, likes, comments, shares; /* -1 when absent */
} tg_parse_video;

/* A listing: the store record plus what some sources add. */
typedef struct tg_parse_listing {
    tg_listing base;              /* source, listing_id, title, url, currency, prices,
                                   * original_price (NAN), status, sold_at (0); strings
                                   * are never NULL except product_id (always NULL) */
    const char *item_id;          /* eBay Browse "v1|N|0"; NULL otherwise */
    const char *condition;        /* eBay condition; NULL when absent */
    const char *end_date;         /* eBay itemEndDate text; NULL when absent */
    const char *buying_options;   /* eBay buyingOptions joined with ';'; NULL when absent */
    const char *brand, *size;     /* Poshmark; NULL when absent */
    const char *inventory_status; /* Poshmark "available" | "sold_out" | ...; NULL */
    int64_t created_at;           /* Poshmark created_at, eBay Browse itemCreationDate;
                                   * 0 when absent */
    int64_t status_changed_at;    /* Poshmark; 0 when absent */
    int64_t likes, comments;      /* Poshmark counts; -1 when absent */
} tg_parse_listing;

/* A TikTok comment (Research API comment list). Ids are read from their
 * digits, never through a double. */
typedef struct tg_parse_comment {
    uint64_t id;
    uint64_t video_id;          /* 0 when absent */
    uint64_t parent_comment_id; /* 0 when absent */
    const char *text;           /* "" when absent */
    int64_t create_time;        /* epoch seconds, 0 when absent */
    int64_t likes, replies;     /* like_count, reply_count; -1 when absent */
} tg_parse_comment;

/* A TikTok account (Research API user info; the response does not repeat
 * the username that was asked for). */
typedef struct tg_parse_user {
    const char *display_name, *bio, *avatar_url; /* "" when absent */
    bool verified;                               /* is_verified */
    int64_t followers, following, likes, videos; /* -1 when absent */
} tg_parse_user;

typedef struct tg_parse_arena tg_parse_arena;

typedef struct tg_parse_result {
    tg_parse_kind kind;
    tg_parse_layout layout;
    bool blocked; /* eBay block page ("Something went wrong") */

    tg_parse_video *videos; /* TikTok */
    size_t n_videos;
    tg_parse_listing *listings; /* eBay, Poshmark, generic site */
    size_t n_listings;
    const char **links; /* TG_PARSE_EBAY_LISTINGS: absolute <a href>s, in order */
    size_t n_links;
    tg_parse_comment *comments; /* TG_PARSE_TIKTOK_COMMENTS */
    size_t n_comments;
    tg_parse_user *users; /* TG_PARSE_TIKTOK_USER: one when data is an object */
    size_t n_users;

    /* Paging. TikTok: cursor, has_more, search_id (comments: cursor, has_more). eBay Browse: total,
     * offset, next (URL or NULL). eBay HTML: next (absolute URL of the next
     * page or NULL). Poshmark: next_max_id (NULL/"" or a value <= 0 = end),
     * has_more. */
    int64_t cursor;
    bool has_more;
    const char *search_id;
    int64_t total, offset;
    const char *next;
    const char *next_max_id;

    /* API error object (TikTok "error", eBay "errors"); TG_APIERR_NONE when ok. */
    tg_api_error api_err;
    const char *error_code, *error_message, *log_id; /* NULL when absent */

    tg_parse_arena *arena;
} tg_parse_result;

/*
 * Parse buf[0..len) as `kind` (TG_PARSE_AUTO: tg_parse_detect()). base_url
 * (may be NULL) resolves relative links and listing URLs in HTML.
 * Returns TG_OK (also when the body is a well-formed API error object: see
 * out->api_err), TG_EBLOCKED (an eBay block page: out->blocked set, zero
 * listings), TG_EPARSE (not the expected shape), TG_ETOOBIG (over a limit),
 * TG_ENOMEM, TG_EINVAL (unknown kind). Always release with
 * tg_parse_result_free().
 */
int tg_parse(tg_parse_kind kind, const char *buf, size_t len, const char *base_url,
             tg_parse_result *out);
int tg_parse_tiktok_query(const char *buf, size_t len, tg_parse_result *out);
int tg_parse_ebay_browse(const char *buf, size_t len, tg_parse_result *out);
int tg_parse_ebay_html(const char *buf, size_t len, const char *base_url, bool want_links,
                       tg_parse_result *out);
int tg_parse_poshmark(const char *buf, size_t len, tg_parse_result *out);
int tg_parse_tiktok_comments(const char *buf, size_t len, tg_parse_result *out);
int tg_parse_tiktok_user(const char *buf, size_t len, tg_parse_result *out);
void tg_parse_result_free(tg_parse_result *r);

/*
 * OAuth token responses (TikTok client-credentials and eBay, same shape:
 * {"access_token": "...", "expires_in": 7200, ...}). *token is tg_malloc'd
 * (tg_free it; never log it). An error object ({"error": ...}) gives
 * TG_EAUTH; anything else malformed TG_EPARSE.
 */
int tg_parse_token(const char *buf, size_t len, char **token, int64_t *expires_in);

/* ---- patterns (PCRE2, JIT) ------------------------------------------- */

typedef struct tg_price {
    double low, high; /* high == low unless a "X to Y" range; "Free" = 0 */
    char currency[4]; /* ISO code ("USD", "GBP", "EUR", ...) or "" when unknown */
} tg_price;

/*
 * Parse a price text: "$1,234.56", "US $12.00", "£8.99", "EUR 10,00",
 * "C $5.00", "AU $7", "$10.00 to $20.00", "Free". Returns TG_OK or
 * TG_EDATA when no price is present.
 */
int tg_parse_price(const char *s, size_t n, tg_price *out);
/* Abbreviated counts: "13.9M", "257.5K", "1,234", "1.2B", "42" -> int64.
 * TG_OK or TG_EDATA. */
int tg_parse_count(const char *s, size_t n, int64_t *out);
/* Call cb for each #hashtag in text, lower-cased (ASCII) and without '#'
 * (tag points into a per-call buffer valid during the callback). cb returning
 * nonzero stops and is returned. Returns TG_OK or cb's value. */
typedef int (*tg_hashtag_cb)(const char *tag, size_t n, void *ctx);
int tg_parse_hashtags(const char *text, size_t n, tg_hashtag_cb cb, void *ctx);
/* eBay sold-date text ("Sold  Oct 14, 2023", "Sold Oct 14, 2023",
 * "Sold 14 Oct 2023") -> epoch seconds at 00:00 UTC. TG_OK or TG_EDATA. */
int tg_parse_sold_date(const char *s, size_t n, int64_t *out);

/* Initialise libxml2 and compile the patterns; idempotent, thread-safe. */
void tg_parse_init(void);

#endif
