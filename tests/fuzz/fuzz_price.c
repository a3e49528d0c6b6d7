/* libFuzzer target: the price, count, hashtag and sold-date patterns. */
#include "trendguard/error.h"
#include "trendguard/parser.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int tag_cb(const char *t, size_t n, void *ctx)
{
    (void)ctx;
    if (strlen(t) != n || n == 0)
        __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    tg_price p;
    if (tg_parse_price(s, size, &p) == TG_OK &&
        (!isfinite(p.low) || p.low < 0 || p.high < p.low || strlen(p.currency) > 3))
        __builtin_trap();
    int64_t c;
    if (tg_parse_count(s, size, &c) == TG_OK && c < 0)
        __builtin_trap();
    tg_parse_hashtags(s, size, tag_cb, NULL);
    int64_t t;
    (void)tg_parse_sold_date(s, size, &t);
    return 0;
}
