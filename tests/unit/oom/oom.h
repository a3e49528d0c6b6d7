/*
 * oom.h - shared pieces of the allocation-failure loops (tests/unit/oom/).
 *
 * The loop (curl's torture mode, SQLite's OOM tests): run an operation with
 * tg_alloc_fail_at(N) for N = 1, 2, ... until a pass makes fewer than N
 * allocations (nothing was failed: the operation completed). Every failed
 * pass must return an error code, leak nothing (LeakSanitizer in the
 * SANITIZE build) and leave the store either as it was or complete.
 *
 * tg_alloc_fail_at() fails exactly one allocation (the Nth); later ones
 * succeed again, so code that retries or falls back is exercised too.
 *
 * What the counter sees: every tg_malloc/tg_calloc/tg_realloc of TrendGuard,
 * plus libxml2's and jansson's allocations once oom_hook_libraries() routed
 * them through tg_malloc (in these tests only; the product leaves the
 * libraries' allocators alone). LMDB, libcurl, PCRE2 and libc (stdio, qsort)
 * allocate with malloc directly and are not failed here.
 */
#ifndef TG_TEST_OOM_H
#define TG_TEST_OOM_H

#include "trendguard/error.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <jansson.h>
#include <libxml/globals.h>
#include <libxml/xmlmemory.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* No loop here should need more passes than this; a bigger count means the
 * operation never completes (every pass fails) and the test says so. */
#define OOM_MAX_PASSES 20000

static inline char *oom_xml_strdup(const char *s)
{
    return tg_strdup(s);
}

/* Route libxml2's and jansson's allocations through the failure counter.
 * Call first in main(), before either library allocated anything. */
static inline void oom_hook_libraries(void)
{
    xmlMemSetup(tg_free, tg_malloc, tg_realloc, oom_xml_strdup);
    json_set_alloc_funcs(tg_malloc, tg_free);
}

/* A fresh scratch directory (mkdtemp) into dir; returns 0 or -1. */
static inline int oom_tmpdir(char *dir, size_t n)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, n, "%s/tg-oom-XXXXXX", t && *t ? t : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static inline int oom_rmrf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static inline int oom_dump_cb(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    tg_buf *b = ctx;
    int rc = 0;
    for (size_t i = 0; i < kl && !rc; i++)
        rc = tg_buf_printf(b, "%02x", ((const unsigned char *)k)[i]);
    rc = rc ? rc : tg_buf_addc(b, '=');
    for (size_t i = 0; i < vl && !rc; i++)
        rc = tg_buf_printf(b, "%02x", ((const unsigned char *)v)[i]);
    return rc ? rc : tg_buf_addc(b, '\n');
}

/*
 * Every entry of every database of the store at path, as hex "key=value"
 * lines under a "# name" line per database, into out (tg_buf_free it).
 * The meta database is left out when skip_meta (it holds a write time).
 * Opening the store and decoding its B-trees is the consistency check.
 */
static inline int oom_dump_store(const char *path, bool skip_meta, tg_buf *out)
{
    tg_store *s = NULL;
    tg_store_read *r = NULL;
    tg_buf_init(out, (size_t)64 << 20);
    int rc = tg_store_open(&s, path, TG_STORE_RDONLY);
    if (rc)
        goto out;
    rc = tg_store_read_begin(s, &r);
    for (int db = 0; db < TG_DB__COUNT && !rc; db++) {
        if (skip_meta && db == TG_DB_META)
            continue;
        rc = tg_buf_printf(out, "# %s\n", tg_db_name((tg_db)db));
        if (!rc)
            rc = tg_store_raw_iter(r, (tg_db)db, NULL, 0, oom_dump_cb, out);
    }
out:
    tg_store_read_end(&r);
    tg_store_close(&s);
    return rc;
}

/* Count the entries of db through the raw iterator. */
static inline int oom_count_cb(const void *k, size_t kl, const void *v, size_t vl, void *ctx)
{
    (void)k, (void)kl, (void)v, (void)vl;
    ++*(size_t *)ctx;
    return 0;
}

#endif
