/* libFuzzer target: the INI config loader (data written to a temp file). */
#include "trendguard/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/tg-fuzz-config-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(path);
        return 0;
    }
    fwrite(data, 1, size, f);
    fclose(f);
    tg_config cfg;
    char err[512];
    (void)tg_config_load(&cfg, path, err, sizeof err);
    tg_config_free(&cfg);
    unlink(path);
    return 0;
}
