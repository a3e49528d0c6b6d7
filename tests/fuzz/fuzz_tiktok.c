/* libFuzzer target: TikTok Research API adapters on arbitrary bytes. */
#include "trendguard/error.h"
#include "trendguard/parser.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_parse_result r;
    /* the three Research API kinds share the tokenizer and the error object */
    static const tg_parse_kind kinds[] = {TG_PARSE_TIKTOK_QUERY, TG_PARSE_TIKTOK_COMMENTS,
                                          TG_PARSE_TIKTOK_USER};
    int rc =
        tg_parse(kinds[size % 3], (const char *)data, size, "https://www.ebay.com/sch/i.html", &r);
    if (rc != TG_OK && rc != TG_EBLOCKED && rc != TG_EPARSE && rc != TG_ETOOBIG && rc != TG_ENOMEM)
        __builtin_trap(); /* only documented errors */
    if (rc == TG_OK) {
        /* every record is complete: ids and strings present */
        for (size_t i = 0; i < r.n_listings; i++)
            if (!r.listings[i].base.listing_id || !r.listings[i].base.title ||
                !r.listings[i].base.url || !r.listings[i].base.currency)
                __builtin_trap();
        for (size_t i = 0; i < r.n_videos; i++)
            if (!r.videos[i].id || !r.videos[i].username || !r.videos[i].hashtags_joined)
                __builtin_trap();
        for (size_t i = 0; i < r.n_comments; i++)
            if (!r.comments[i].id || !r.comments[i].text)
                __builtin_trap();
        for (size_t i = 0; i < r.n_users; i++)
            if (!r.users[i].display_name || !r.users[i].bio || !r.users[i].avatar_url)
                __builtin_trap();
    }
    tg_parse_result_free(&r);
    return 0;
}
