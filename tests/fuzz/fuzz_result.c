/*
 * libFuzzer target: the fleet's result decoder (crawler/result_codec.c) on
 * arbitrary bytes. A result that decodes must re-encode to bytes that decode
 * again and re-encode to the very same bytes (the encoding is canonical).
 */
#include "crawler/crawl_int.h"
#include "trendguard/error.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_result *r = NULL, *again = NULL;
    int rc = tg_result__decode(data, size, &r);
    if (rc != TG_OK) {
        if (rc != TG_EDATA || r)
            __builtin_trap();
        return 0;
    }
    tg_buf b1, b2;
    tg_buf_init(&b1, (size_t)128 << 20);
    tg_buf_init(&b2, (size_t)128 << 20);
    if (tg_result__encode(r, &b1) != TG_OK)
        __builtin_trap();
    if (tg_result__decode(b1.data, b1.len, &again) != TG_OK)
        __builtin_trap();
    if (tg_result__encode(again, &b2) != TG_OK || b1.len != b2.len ||
        memcmp(b1.data, b2.data, b1.len) != 0)
        __builtin_trap();
    tg_buf_free(&b1);
    tg_buf_free(&b2);
    tg_result__free(again);
    tg_result__free(r);
    return 0;
}
