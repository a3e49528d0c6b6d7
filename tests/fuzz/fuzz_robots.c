/* libFuzzer target: robots.txt parsing and matching on arbitrary bytes. */
#include "trendguard/error.h"
#include "trendguard/robots.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_robots *r = NULL;
    if (tg_robots_parse((const char *)data, size, "TrendGuard/0.1", &r) != TG_OK)
        return 0;
    static const char *urls[] = {"https://h/", "https://h/a/b?c=d", "https://h/index.html",
                                 "https://h/%E3%83%84", "/x$y*z"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
        (void)tg_robots_allowed(r, urls[i]);
    /* the first line of the input as a URL too */
    char u[512];
    size_t n = 0;
    while (n < size && n < sizeof u - 1 && data[n] != '\n' && data[n])
        u[n] = (char)data[n], n++;
    u[n] = 0;
    (void)tg_robots_allowed(r, u);
    (void)tg_robots_crawl_delay(r);
    tg_robots_free(&r);
    if (r)
        __builtin_trap();
    return 0;
}
