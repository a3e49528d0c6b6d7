/*
 * parser_int.h - internals shared by the parser module: the result arena
 * and small JSON helpers.
 *
 *   arena.c      tg_parse_arena: everything one parse produced, freed at once
 *   price.c      PCRE2 patterns: prices, counts, hashtags, sold dates
 *   json_scan.c  strict allocation-free JSON pull tokenizer (the adapters' hot path)
 *   tiktok.c     TikTok Research API query, comments, user info (json_scan)
 *   ebay_json.c  eBay Browse item_summary/search (json_scan)
 *   ebay_html.c  eBay sold-listings / generic listings pages (libxml2 SAX push)
 *   poshmark.c   Poshmark vm-rest item and search/closet responses (json_scan)
 *   parse.c      dispatch, kind names, detection, token responses (jansson)
 *   bots.c       the bot-trend filter
 */
#ifndef TRENDGUARD_PARSER_INT_H
#define TRENDGUARD_PARSER_INT_H

#include "trendguard/parser.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct tg_parse_arena;

/* Create the arena of r (r zeroed first). TG_OK or TG_ENOMEM. */
int tg_parse__begin(tg_parse_result *r, tg_parse_kind kind);
void *tg_parse__alloc(tg_parse_arena *a, size_t n);
char *tg_parse__strndup(tg_parse_arena *a, const char *s, size_t n);
char *tg_parse__strdup(tg_parse_arena *a, const char *s);

/* A growable array of fixed-size elements living in the arena. */
typedef struct tg_parse_vec {
    void *data;
    size_t n, alloc, elem;
} tg_parse_vec;
/* Pointer to a new zeroed element, or NULL (arena cap). */
void *tg_parse__vec_push(tg_parse_arena *a, tg_parse_vec *v);

/* JSON helpers: NULL/0/-1 when absent or of the wrong type. */
const char *tg_parse__jstr(json_t *o, const char *key);
int64_t tg_parse__jint(json_t *o, const char *key, int64_t dflt);
/* Load JSON with the project's limits. NULL with *err set on failure. */
json_t *tg_parse__json_load(const char *buf, size_t len, int *err);

/* ---- json_scan.c: strict pull tokenizer over a caller's buffer ----------
 *
 * Usage: tg_parse__json_init(), then tg_parse__json_value() for the root;
 * inside an object loop on tg_parse__json_member() (1: a key was read and
 * its ':' consumed, read the value next; 0: the '}' was consumed), inside
 * an array on tg_parse__json_elem() (1: an element follows; 0: ']'
 * consumed). A container value must be walked or passed with
 * tg_parse__json_skip(); tg_parse__json_finish() checks that only
 * whitespace follows the root. Errors (TG_EPARSE) are sticky: after one,
 * every call returns it. Tokens point into the buffer, which must outlive
 * them; nothing is allocated. Strings stay escaped until
 * tg_parse__json_str()/tg_parse__json_dup() decode them.
 */
#define TG_JSON_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

typedef enum tg_jtype {
    TG_J_NONE = 0, /* absent (a field that was not in the object) */
    TG_J_OBJECT,
    TG_J_ARRAY,
    TG_J_STRING,
    TG_J_INT,  /* a number without fraction or exponent (any magnitude) */
    TG_J_REAL, /* a number with a fraction or an exponent */
    TG_J_TRUE,
    TG_J_FALSE,
    TG_J_NULL
} tg_jtype;

typedef struct tg_jtok {
    tg_jtype type;
    bool escaped;  /* string: holds a backslash escape */
    bool nul;      /* string: holds \u0000 */
    const char *s; /* string: after the opening quote; number: its text;
                    * container: its opening bracket */
    size_t n;      /* string: raw length between the quotes; number: length */
} tg_jtok;

typedef struct tg_jscan {
    const char *p, *end;
    unsigned depth; /* open containers */
    bool first;     /* no member/element read yet in the current container */
    int err;
    unsigned char kinds[TG_JSON_MAX_DEPTH / 8]; /* bit per level: 1 = object */
} tg_jscan;

typedef struct tg_jkey {
    const char *name;
    size_t len;
} tg_jkey;
#define TG_JKEY(s)                                                                                 \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }

void tg_parse__json_init(tg_jscan *sc, const char *buf, size_t len);
int tg_parse__json_value(tg_jscan *sc, tg_jtok *t);
int tg_parse__json_member(tg_jscan *sc, tg_jtok *key);
int tg_parse__json_elem(tg_jscan *sc);
int tg_parse__json_skip(tg_jscan *sc, const tg_jtok *t);
int tg_parse__json_skip_value(tg_jscan *sc);
int tg_parse__json_finish(tg_jscan *sc);
bool tg_parse__json_in_object(const tg_jscan *sc);
/* A new scanner positioned inside container t (already validated); end is
 * the end of t's buffer. */
int tg_parse__json_open(tg_jscan *sub, const tg_jtok *t, const char *end);
/* Key k equals lit[0..n) after unescaping. */
bool tg_parse__json_is(const tg_jtok *k, const char *lit, size_t n);
/* After an object's '{': read all its members; vals[i] gets the value of
 * keys[i] (the last one when repeated; TG_J_NONE when absent), container
 * values skipped (open them with tg_parse__json_open). */
int tg_parse__json_fields(tg_jscan *sc, const tg_jkey *keys, size_t n, tg_jtok *vals);
/* The value of a member whose key k was just read: into vals[i] when k is
 * keys[i] (containers skipped), otherwise skipped. TG_OK or TG_EPARSE. */
int tg_parse__json_field(tg_jscan *sc, const tg_jtok *k, const tg_jkey *keys, size_t n,
                         tg_jtok *vals);
/* Member `key` of validated object obj (TG_J_NONE when absent or obj is
 * not an object). */
int tg_parse__json_get(const tg_jtok *obj, const char *end, const char *key, tg_jtok *out);
/* Decode string t into dst (NUL-terminated; *len excludes the NUL and may
 * be less than strlen when t holds \u0000). TG_ETOOBIG when cap is short:
 * cap = t->n + 1 always suffices. */
int tg_parse__json_str(const tg_jtok *t, char *dst, size_t cap, size_t *len);
/* Decoded copy of string t in the arena, or NULL (arena cap). */
char *tg_parse__json_dup(tg_parse_arena *a, const tg_jtok *t);
/* Decoded string t as a C string (cut at a \u0000, as jansson's C strings
 * were): in small[0..cap) when it fits, else tg_malloc'd (free it when the
 * result is not small). NULL when t is not a string or on ENOMEM. */
char *tg_parse__json_text(const tg_jtok *t, char *small, size_t cap);
/* Integer t exactly; TG_EDATA when it does not fit, TG_EINVAL if not TG_J_INT. */
int tg_parse__json_i64(const tg_jtok *t, int64_t *out);
/* Number t as a double; TG_EDATA when it overflows. */
int tg_parse__json_f64(const tg_jtok *t, double *out);
/* What the adapters read as a count or a time: an integer, a real
 * (truncated) or a string the count pattern accepts ("1.2K"); dflt for
 * anything else, absent, or out of the int64 range. */
int64_t tg_parse__json_count(const tg_jtok *t, int64_t dflt);

/* An adapter's record parser: called with an object's '{' read and rec a
 * zeroed element; must read the whole object. TG_OK keeps the record,
 * TG_EPARSE drops it (no id), anything else stops the parse. */
typedef int (*tg_parse_json_record_fn)(tg_parse_arena *a, tg_jscan *sc, void *rec);
/* After an array's '[': fn on every object element into v (reset first,
 * elements of `elem` bytes); other elements are skipped. */
int tg_parse__json_records(tg_parse_arena *a, tg_jscan *sc, tg_parse_vec *v, size_t elem,
                           tg_parse_json_record_fn fn);
/* tg_parse__begin() for a JSON adapter: layout JSON, TG_ETOOBIG over the
 * input limit. */
int tg_parse__json_begin(tg_parse_result *out, tg_parse_kind kind, size_t len);
/* A document that did not validate yields nothing: reset out (kind and
 * the JSON layout kept) and return TG_ENOMEM or TG_EPARSE. */
int tg_parse__json_reject(tg_parse_result *out, int err);

void tg_parse__pcre_init(void);

#endif
