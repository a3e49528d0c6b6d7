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
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* No loop here should need more passes than this; a bigger count means the
 * operation never completes (every pass fails) and the test says so. */
#define OOM_MAX_PASSES 20000

/* What one pass reported (shared with the parent when passes are forked). */
typedef struct oom_pass {
    int rc;         /* the operation's TG_* result */
    long made;      /* allocations counted during the pass */
    long aux;       /* a number the operation reports (e.g. records parsed) */
    int lib_failed; /* the failed allocation was one of libxml2's */
    int done;       /* the child got to the end of the pass */
} oom_pass;

static oom_pass oom_local, *oom_cur = &oom_local;

static inline void *oom_xml_malloc(size_t n)
{
    void *p = tg_malloc(n);
    if (!p)
        oom_cur->lib_failed = 1;
    return p;
}

static inline void *oom_xml_realloc(void *q, size_t n)
{
    void *p = tg_realloc(q, n);
    if (!p)
        oom_cur->lib_failed = 1;
    return p;
}

static inline char *oom_xml_strdup(const char *s)
{
    char *p = tg_strdup(s);
    if (!p)
        oom_cur->lib_failed = 1;
    return p;
}

/*
 * Route jansson's allocations through the failure counter, and libxml2's
 * too when TG_OOM_LIBXML2=1. libxml2 2.9.14 (Debian 12) often loops forever
 * when one of its own allocations fails in the middle of htmlParseChunk, so
 * with it most passes end in a (stopped, tolerated) hang and the loop takes
 * minutes; it is opt-in. Call first in main(), before either library
 * allocated anything. Returns whether libxml2 is hooked.
 */
static inline int oom_hook_libraries(void)
{
    json_set_alloc_funcs(tg_malloc, tg_free);
    const char *e = getenv("TG_OOM_LIBXML2");
    if (!e || strcmp(e, "1") != 0)
        return 0;
    xmlMemSetup(tg_free, oom_xml_malloc, oom_xml_realloc, oom_xml_strdup);
    return 1;
}

/*
 * Run fn(ctx, &aux) with the Nth allocation failing in a forked child, so a
 * pass that hangs (a library looping after a failed allocation) can be
 * stopped after timeout_s and a pass that crashes or leaks (LeakSanitizer
 * makes the child exit non-zero) is told apart from one that returned.
 * Returns 0 when the child returned normally (*out filled), 1 when it hung
 * (killed; out->lib_failed says whether libxml2's allocation had failed),
 * -1 when it crashed or exited non-zero (*status holds the wait status).
 */
static inline int oom_fork_pass(long n, int (*fn)(void *, long *), void *ctx, double timeout_s,
                                oom_pass *out, int *status)
{
    oom_pass *sh =
        mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return -1;
    memset(sh, 0, sizeof *sh);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        oom_cur = sh;
        tg_alloc_fail_at(n);
        long aux = 0;
        int rc = fn(ctx, &aux);
        sh->made = tg_alloc_count();
        tg_alloc_fail_at(0);
        sh->rc = rc;
        sh->aux = aux;
        sh->done = 1;
        exit(0); /* exit, not _exit: LeakSanitizer checks the child here */
    }
    int ret = -1;
    *status = 0;
    if (pid < 0)
        goto out;
    for (double waited = 0;; waited += 0.002) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid)
            break;
        if (waited >= timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            *out = *sh;
            ret = 1;
            goto out;
        }
        usleep(2000);
    }
    *out = *sh;
    ret = WIFEXITED(*status) && WEXITSTATUS(*status) == 0 && sh->done ? 0 : -1;
out:
    munmap(sh, sizeof *sh);
    return ret;
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
    if (kl == 10 && memcmp(k, "last_write", 10) == 0) /* meta: wall time of the last commit */
        return 0;
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
 * Meta's "last_write" (the wall time of the last commit) is left out.
 * Opening the store and decoding its B-trees is the consistency check.
 */
static inline int oom_dump_store(const char *path, tg_buf *out)
{
    tg_store *s = NULL;
    tg_store_read *r = NULL;
    tg_buf_init(out, (size_t)64 << 20);
    int rc = tg_store_open(&s, path, TG_STORE_RDONLY);
    if (rc)
        goto out;
    rc = tg_store_read_begin(s, &r);
    for (int db = 0; db < TG_DB__COUNT && !rc; db++) {
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
