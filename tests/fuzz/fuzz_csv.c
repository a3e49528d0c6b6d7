/* libFuzzer target: the streaming CSV reader on arbitrary bytes. */
#include "store/csv.h"

#include "trendguard/error.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    tg_store_csv c;
    /* a small record bound so the TG_ETOOBIG path is exercised too */
    if (tg_store_csv_init(&c, f, 256) == 0) {
        int rc;
        long prev_line = 0, n = 0;
        while ((rc = tg_store_csv_next(&c)) != 0 && rc != TG_EIO && n++ < 100000) {
            if (c.rec_line < prev_line)
                __builtin_trap(); /* line numbers never go back */
            prev_line = c.rec_line;
            if (rc == 1)
                for (int i = 0; i < c.nf; i++)
                    if (strlen(tg_store_csv_field(&c, i)) != c.flen[i])
                        __builtin_trap(); /* fields are NUL-free and terminated */
        }
        tg_store_csv_free(&c);
    }
    fclose(f);
    return 0;
}
