/* libFuzzer target: URL resolution and canonicalisation. Canonical form is a
 * fixed point: canonicalising it again changes nothing. */
#include "trendguard/error.h"
#include "trendguard/url.h"
#include "trendguard/util.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[4096];
    if (size >= sizeof buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    if (strlen(buf) != size)
        return 0;
    char *a = NULL, *b = NULL, *c = NULL;
    if (tg_url_canonical(buf, &a) == TG_OK) {
        if (tg_url_canonical(a, &b) != TG_OK || strcmp(a, b))
            __builtin_trap();
    }
    if (tg_url_resolve("https://www.ebay.com/sch/i.html?_nkw=x&_pgn=1", buf, &c) == TG_OK &&
        strncmp(c, "http", 4))
        __builtin_trap();
    char host[256];
    (void)tg_url_host(buf, host, sizeof host);
    tg_free(a);
    tg_free(b);
    tg_free(c);
    return 0;
}
