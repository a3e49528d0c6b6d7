/*
 * parser_int.h - internals shared by the parser module: the result arena
 * and small JSON helpers.
 *
 *   arena.c      tg_parse_arena: everything one parse produced, freed at once
 *   price.c      PCRE2 patterns: prices, counts, hashtags, sold dates
 *   tiktok.c     TikTok Research API query/token responses (jansson)
 *   ebay_json.c  eBay Browse item_summary/search (jansson)
 *   ebay_html.c  eBay sold-listings / generic listings pages (libxml2 SAX push)
 *   poshmark.c   Poshmark vm-rest item and search/closet responses
 *   parse.c      dispatch, kind names, detection, token responses
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

void tg_parse__pcre_init(void);

#endif
