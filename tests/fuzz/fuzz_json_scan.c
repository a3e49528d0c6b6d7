/*
 * libFuzzer target: the JSON pull tokenizer (parser/json_scan.c) against
 * jansson on arbitrary bytes. Both must agree on accept/reject (except
 * where jansson refuses a number out of range: the tokenizer accepts any
 * number the grammar allows, by design; and jansson 2.14 skips a raw NUL
 * byte right after a number or a literal — it mistakes it for the end of its
 * one-character push-back buffer — where the tokenizer, like RFC 8259,
 * refuses it); every string decodes within its
 * raw length to valid UTF-8; the walk never goes deeper than the limit.
 */
#include "parser/parser_int.h"
#include "trendguard/error.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool valid_utf8(const unsigned char *s, size_t n)
{
    /* jansson's own checker, to compare with an independent implementation */
    json_t *j = json_stringn((const char *)s, n);
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

static int walk(const char *buf, size_t len)
{
    tg_jscan sc;
    tg_jtok t, k;
    tg_parse__json_init(&sc, buf, len);
    if (tg_parse__json_value(&sc, &t))
        return sc.err;
    if (t.type != TG_J_OBJECT && t.type != TG_J_ARRAY)
        return TG_EDATA; /* jansson (without JSON_DECODE_ANY) wants a container */
    while (sc.depth > 0) {
        if (sc.depth > TG_JSON_MAX_DEPTH)
            __builtin_trap();
        int r = tg_parse__json_in_object(&sc) ? tg_parse__json_member(&sc, &k)
                                              : tg_parse__json_elem(&sc);
        if (r < 0)
            return r;
        if (r == 0)
            continue;
        if (tg_parse__json_value(&sc, &t))
            return sc.err;
        if (t.type == TG_J_STRING) {
            char *d = malloc(t.n + 1);
            size_t n;
            if (!d)
                return TG_ENOMEM;
            if (tg_parse__json_str(&t, d, t.n + 1, &n) != TG_OK || n > t.n ||
                !valid_utf8((unsigned char *)d, n))
                __builtin_trap();
            free(d);
        }
        if (t.type == TG_J_INT || t.type == TG_J_REAL) {
            double x;
            int64_t i;
            tg_parse__json_f64(&t, &x);
            tg_parse__json_i64(&t, &i);
        }
    }
    return tg_parse__json_finish(&sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t e;
    int mine = walk((const char *)data, size);
    json_t *j = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &e);
    bool overflow = !j && json_error_code(&e) == json_error_numeric_overflow;
    bool raw_nul = memchr(data, 0, size) != NULL;
    if (!overflow && !raw_nul && (mine == TG_OK) != (j != NULL))
        __builtin_trap();
    json_decref(j);
    return 0;
}
