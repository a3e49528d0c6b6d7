/*
 * store.c - the LMDB environment: open/close, read snapshots, the write
 * transaction with map growth, raw access and meta.
 *
 * Ownership (LMDB's rule, restated): an MDB_val returned by a get or cursor
 * points into the map (read txn) or into dirty pages (write txn) and is valid
 * until the next update in that txn or its end.
 */
#include "store/store_int.h"

#include "trendguard/error.h"
#include "trendguard/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static const char *const db_names[TG_DB__COUNT] = {
    [TG_DB_META] = "meta",
    [TG_DB_PRODUCTS] = "products",
    [TG_DB_TRENDS] = "trends",
    [TG_DB_VIDEOS] = "videos",
    [TG_DB_VIDEO_TAGS] = "video_tags",
    [TG_DB_SNAPSHOTS] = "snapshots",
    [TG_DB_HASHTAG_DAYS] = "hashtag_days",
    [TG_DB_LISTINGS] = "listings",
    [TG_DB_PRICES] = "prices",
    [TG_DB_FRONTIER] = "frontier",
    [TG_DB_FRONTIER_IDX] = "frontier_idx",
    [TG_DB_SEEN] = "seen",
    [TG_DB_ROBOTS] = "robots",
    [TG_DB_QUOTAS] = "quotas",
    [TG_DB_FETCHLOG] = "fetchlog",
    [TG_DB_ORDERS] = "orders",
    [TG_DB_RETURNS] = "returns",
    [TG_DB_REVIEWS] = "reviews",
    [TG_DB_ZIPS] = "zips",
    [TG_DB_MODELS] = "models",
    [TG_DB_PREDICTIONS] = "predictions",
    [TG_DB_INTERVENTIONS] = "interventions",
};

const char *tg_db_name(tg_db db)
{
    if ((int)db < 0 || db >= TG_DB__COUNT)
        return "unknown";
    return db_names[db];
}

static const char *const src_names[] = {NULL, "tiktok", "ebay", "ebay_sold", "poshmark", "site"};

const char *tg_store_source_name(tg_source s)
{
    if ((int)s < 1 || (int)s > 5)
        return "unknown";
    return src_names[s];
}

tg_source tg_store_source_parse(const char *name)
{
    for (int i = 1; i <= 5; i++)
        if (name && strcmp(name, src_names[i]) == 0)
            return (tg_source)i;
    return (tg_source)0;
}

int tg_store__err(int rc, const char *what)
{
    switch (rc) {
    case MDB_SUCCESS:
        return TG_OK;
    case MDB_NOTFOUND:
        return TG_ENOTFOUND;
    case MDB_MAP_FULL:
        return TG_EMAPFULL;
    case ENOMEM:
        return TG_ENOMEM;
    case ENOSPC:
        return TG_ENOSPC;
    case MDB_BAD_VALSIZE:
        tg_warn("store", "%s: %s", what, mdb_strerror(rc));
        return TG_ETOOBIG;
    default:
        tg_error("store", "%s: %s", what, mdb_strerror(rc));
        return TG_ESTORE;
    }
}

/* ---- open / close -------------------------------------------------------- */

#define DEFAULT_MAP_MB 1024

static int open_dbs(tg_store *s)
{
    bool rdonly = (s->flags & TG_STORE_RDONLY) != 0;
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(s->env, NULL, rdonly ? MDB_RDONLY : 0, &txn);
    if (rc)
        return tg_store__err(rc, "begin");
    for (int i = 0; i < TG_DB__COUNT; i++) {
        rc = mdb_dbi_open(txn, db_names[i], rdonly ? 0 : MDB_CREATE, &s->dbi[i]);
        if (rc == MDB_NOTFOUND && rdonly) {
            s->have[i] = 0;
            continue;
        }
        if (rc) {
            mdb_txn_abort(txn);
            return tg_store__err(rc, db_names[i]);
        }
        s->have[i] = 1;
    }
    if (!rdonly) {
        MDB_val k = {14, (void *)"schema_version"}, v;
        rc = mdb_get(txn, s->dbi[TG_DB_META], &k, &v);
        if (rc == MDB_NOTFOUND) {
            char ver[16];
            int n = snprintf(ver, sizeof ver, "%d", TG_STORE_SCHEMA_VERSION);
            v.mv_size = (size_t)n;
            v.mv_data = ver;
            rc = mdb_put(txn, s->dbi[TG_DB_META], &k, &v, 0);
        } else if (rc == 0 && (v.mv_size != 1 || *(char *)v.mv_data != '1')) {
            tg_error("store", "%s: unsupported schema_version %.*s", s->path, (int)v.mv_size,
                     (char *)v.mv_data);
            mdb_txn_abort(txn);
            return TG_ESTORE;
        }
        if (rc) {
            mdb_txn_abort(txn);
            return tg_store__err(rc, "schema_version");
        }
        rc = mdb_txn_commit(txn);
        return rc ? tg_store__err(rc, "commit") : TG_OK;
    }
    /* committing (not aborting) keeps the dbi handles of a read txn */
    rc = mdb_txn_commit(txn);
    return rc ? tg_store__err(rc, "commit") : TG_OK;
}

int tg_store_open_ex(tg_store **out, const char *path, int flags, long map_size_mb)
{
    *out = NULL;
    if (!path || !*path)
        return TG_EINVAL;
    tg_store *s = tg_calloc(1, sizeof *s);
    if (!s)
        return TG_ENOMEM;
    int err = TG_ENOMEM;
    s->flags = flags;
    atomic_init(&s->readers, 0);
    if (pthread_mutex_init(&s->remap, NULL) != 0) {
        tg_free(s);
        return TG_ENOMEM;
    }
    s->path = tg_strdup(path);
    if (!s->path)
        goto out_free;
    if (map_size_mb <= 0)
        map_size_mb = DEFAULT_MAP_MB;
    s->map_size = (size_t)map_size_mb << 20;

    struct stat st;
    if (stat(path, &st) != 0) {
        if (!(flags & TG_STORE_CREATE) || (flags & TG_STORE_RDONLY)) {
            tg_error("store", "%s: no such store", path);
            err = TG_ENOTFOUND;
            goto out_free;
        }
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            tg_error("store", "%s: mkdir: %s", path, strerror(errno));
            err = TG_EIO;
            goto out_free;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        tg_error("store", "%s: not a directory", path);
        err = TG_EIO;
        goto out_free;
    }

    int rc = mdb_env_create(&s->env);
    if (rc) {
        err = tg_store__err(rc, "env_create");
        goto out_free;
    }
    mdb_env_set_maxdbs(s->env, TG_DB__COUNT + 8);
    mdb_env_set_maxreaders(s->env, 512);
    mdb_env_set_mapsize(s->env, s->map_size);
    /*
     * MDB_NOMETASYNC: one fsync per commit instead of two. LMDB stays
     * consistent; after an OS crash (not a process crash) the last
     * transaction may be lost. kill -9 loses nothing committed.
     */
    unsigned eflags = MDB_NOTLS | MDB_NOMETASYNC;
    if (flags & TG_STORE_RDONLY)
        eflags |= MDB_RDONLY;
    rc = mdb_env_open(s->env, path, eflags, 0644);
    if (rc) {
        if (rc == ENOENT)
            tg_error("store", "%s: no store here", path);
        err = rc == ENOENT ? TG_ENOTFOUND : tg_store__err(rc, path);
        goto out_env;
    }
    MDB_envinfo info;
    if (mdb_env_info(s->env, &info) == 0 && info.me_mapsize > s->map_size)
        s->map_size = info.me_mapsize;
    err = open_dbs(s);
    if (err)
        goto out_env;
    *out = s;
    return TG_OK;

out_env:
    mdb_env_close(s->env);
out_free:
    pthread_mutex_destroy(&s->remap);
    tg_free(s->path);
    tg_free(s);
    return err;
}

int tg_store_open(tg_store **out, const char *path, int flags)
{
    return tg_store_open_ex(out, path, flags, 0);
}

void tg_store_close(tg_store **sp)
{
    if (!sp || !*sp)
        return;
    tg_store *s = *sp;
    mdb_env_close(s->env);
    pthread_mutex_destroy(&s->remap);
    tg_free(s->path);
    tg_free(s);
    *sp = NULL;
}

/* ---- reads --------------------------------------------------------------- */

/*
 * Map size changes. LMDB remaps only while no transaction of this process
 * is open (a read handle's pointers would dangle). Read handles are counted
 * in s->readers, and begun and counted under s->remap; remap() changes the
 * size under the same lock once the count is zero, so no read can start
 * meanwhile. Until then every new begin fails with MDB_MAP_RESIZED and waits
 * here too, so the open handles drain. want = 0 adopts the size another
 * process grew the map to.
 */
static int begin_read(tg_store *s, MDB_txn **txn)
{
    pthread_mutex_lock(&s->remap);
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
    if (rc == 0)
        atomic_fetch_add(&s->readers, 1);
    pthread_mutex_unlock(&s->remap);
    return rc;
}

static int remap(tg_store *s, size_t want)
{
    for (int i = 0;; i++) {
        pthread_mutex_lock(&s->remap);
        if (atomic_load(&s->readers) == 0) {
            int rc = mdb_env_set_mapsize(s->env, want);
            MDB_envinfo info;
            if (rc == 0 && mdb_env_info(s->env, &info) == 0)
                s->map_size = info.me_mapsize;
            pthread_mutex_unlock(&s->remap);
            return rc ? tg_store__err(rc, "set_mapsize") : TG_OK;
        }
        pthread_mutex_unlock(&s->remap);
        if (i >= 500) {
            tg_error("store", "the map must be resized and read handles are still open after "
                              "5 s; giving up");
            return TG_EMAPFULL;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int tg_store_read_begin(tg_store *s, tg_store_read **out)
{
    *out = NULL;
    tg_store_read *r = tg_calloc(1, sizeof *r);
    if (!r)
        return TG_ENOMEM;
    int rc = begin_read(s, &r->txn);
    if (rc == MDB_MAP_RESIZED) { /* another process grew the map past ours */
        int err = remap(s, 0);
        if (err) {
            tg_free(r);
            return err;
        }
        rc = begin_read(s, &r->txn);
    }
    if (rc) {
        tg_free(r);
        return tg_store__err(rc, "read begin");
    }
    r->s = s;
    r->owned = 1;
    *out = r;
    return TG_OK;
}

void tg_store_read_end(tg_store_read **rp)
{
    if (!rp || !*rp)
        return;
    tg_store_read *r = *rp;
    if (r->owned) {
        tg_store__close_cursors(r);
        mdb_txn_abort(r->txn);
        atomic_fetch_sub(&r->s->readers, 1);
        tg_free(r);
    }
    *rp = NULL;
}

/* ---- writes -------------------------------------------------------------- */

tg_store_read *tg_store_txn_reader(tg_store_txn *t)
{
    return &t->rd;
}

static int write_last(tg_store_txn *t)
{
    char buf[32];
    tg_time_format(tg_now(), buf, sizeof buf);
    MDB_val k = {10, (void *)"last_write"}, v = {strlen(buf), buf};
    return mdb_put(t->txn, t->s->dbi[TG_DB_META], &k, &v, 0);
}

MDB_cursor *tg_store__cursor(tg_store_read *r, tg_db db, int *rc)
{
    if (!r->cur[db]) {
        int mrc = mdb_cursor_open(r->txn, r->s->dbi[db], &r->cur[db]);
        if (mrc) {
            r->cur[db] = NULL;
            *rc = tg_store__err(mrc, "cursor");
            return NULL;
        }
    }
    *rc = TG_OK;
    return r->cur[db];
}

void tg_store__close_cursors(tg_store_read *r)
{
    for (int i = 0; i < TG_DB__COUNT; i++) {
        if (r->cur[i])
            mdb_cursor_close(r->cur[i]);
        r->cur[i] = NULL;
    }
}

/* Double the map. */
static int grow_map(tg_store *s)
{
    size_t want = s->map_size * 2;
    int err = remap(s, want);
    if (err == TG_OK)
        tg_info("store", "map grown to %zu MiB", s->map_size >> 20);
    return err;
}

/*
 * A failed commit. LMDB reports a short write (the disk is full) as EIO; say
 * so when the store's file system has (almost) no room left for us.
 */
static int commit_err(tg_store *s, int rc)
{
    int fd;
    struct statvfs v;
    if (rc == EIO && mdb_env_get_fd(s->env, &fd) == 0 && fstatvfs(fd, &v) == 0) {
        uint64_t room = (uint64_t)(geteuid() == 0 ? v.f_bfree : v.f_bavail) * v.f_frsize;
        if (room < (UINT64_C(1) << 20))
            rc = ENOSPC;
    }
    if (rc == ENOSPC) {
        tg_error("store", "commit: no space left on device (%s)", s->path);
        return TG_ENOSPC;
    }
    return tg_store__err(rc, "commit");
}

int tg_store_write(tg_store *s, tg_store_write_fn fn, void *ctx)
{
    if (s->flags & TG_STORE_RDONLY)
        return TG_EINVAL;
    tg_store_txn t;
    memset(&t, 0, sizeof t);
    t.s = s;
    tg_buf_init(&t.kb, TG_STORE_MAX_KEY);
    tg_buf_init(&t.vb, TG_STORE_MAX_VALUE);
    int err;
    for (int attempt = 0;; attempt++) {
        int rc = mdb_txn_begin(s->env, NULL, 0, &t.txn);
        if (rc == MDB_MAP_RESIZED) {
            err = remap(s, 0);
            if (err)
                goto out;
            rc = mdb_txn_begin(s->env, NULL, 0, &t.txn);
        }
        if (rc) {
            err = tg_store__err(rc, "write begin");
            goto out;
        }
        t.rd.s = s;
        t.rd.txn = t.txn;
        t.rd.owned = 0;
        t.map_full = 0;
        err = fn(&t, ctx);
        tg_store__close_cursors(&t.rd);
        if (err == 0 && !t.map_full) {
            rc = write_last(&t);
            if (rc == 0) {
                rc = mdb_txn_commit(t.txn);
                t.txn = NULL;
            }
            if (rc == MDB_MAP_FULL)
                t.map_full = 1;
            else if (rc) {
                err = commit_err(s, rc);
                goto out;
            }
            if (!t.map_full)
                goto out;
        }
        if (t.txn)
            mdb_txn_abort(t.txn);
        t.txn = NULL;
        if (!t.map_full)
            goto out; /* fn failed for its own reasons */
        if (attempt >= 40) {
            err = TG_EMAPFULL;
            goto out;
        }
        err = grow_map(s);
        if (err)
            goto out;
    }
out:
    tg_store__close_cursors(&t.rd);
    if (t.txn)
        mdb_txn_abort(t.txn);
    tg_buf_free(&t.kb);
    tg_buf_free(&t.vb);
    return err;
}

/* ---- raw access ---------------------------------------------------------- */

static int db_ok(tg_store *s, tg_db db)
{
    return (int)db >= 0 && db < TG_DB__COUNT && s->have[db];
}

int tg_store_raw_put(tg_store_txn *t, tg_db db, const void *k, size_t kl, const void *v, size_t vl)
{
    if (!db_ok(t->s, db) || kl == 0 || kl > TG_STORE_MAX_KEY)
        return TG_EINVAL;
    int err;
    MDB_cursor *c = tg_store__cursor(&t->rd, db, &err);
    if (!c)
        return err;
    MDB_val mk = {kl, (void *)k}, mv = {vl, (void *)v};
    int rc = mdb_cursor_put(c, &mk, &mv, 0);
    if (rc == MDB_MAP_FULL)
        t->map_full = 1;
    return tg_store__err(rc, tg_db_name(db));
}

int tg_store_raw_del(tg_store_txn *t, tg_db db, const void *k, size_t kl)
{
    if (!db_ok(t->s, db) || kl == 0 || kl > TG_STORE_MAX_KEY)
        return TG_EINVAL;
    MDB_val mk = {kl, (void *)k};
    int rc = mdb_del(t->txn, t->s->dbi[db], &mk, NULL);
    if (rc == MDB_MAP_FULL)
        t->map_full = 1;
    return tg_store__err(rc, tg_db_name(db));
}

int tg_store_raw_get(tg_store_read *r, tg_db db, const void *k, size_t kl, const void **v,
                     size_t *vl)
{
    if (!db_ok(r->s, db))
        return TG_ENOTFOUND;
    if (kl == 0 || kl > TG_STORE_MAX_KEY)
        return TG_EINVAL;
    MDB_val mk = {kl, (void *)k}, mv;
    int rc = mdb_get(r->txn, r->s->dbi[db], &mk, &mv);
    if (rc)
        return tg_store__err(rc, tg_db_name(db));
    *v = mv.mv_data;
    *vl = mv.mv_size;
    return TG_OK;
}

static int keycmp(const void *a, size_t al, const void *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return al < bl ? -1 : al > bl ? 1 : 0;
}

int tg_store_raw_range(tg_store_read *r, tg_db db, const void *from, size_t fl, const void *to,
                       size_t tl, tg_raw_cb cb, void *ctx)
{
    if (!db_ok(r->s, db))
        return TG_OK;
    MDB_cursor *c;
    int rc = mdb_cursor_open(r->txn, r->s->dbi[db], &c);
    if (rc)
        return tg_store__err(rc, "cursor");
    MDB_val k = {fl, (void *)from}, v;
    int ret = 0;
    if (from && fl)
        rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    else
        rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    while (rc == 0) {
        if (to && keycmp(k.mv_data, k.mv_size, to, tl) >= 0)
            break;
        ret = cb(k.mv_data, k.mv_size, v.mv_data, v.mv_size, ctx);
        if (ret)
            break;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    if (ret)
        return ret;
    return rc == MDB_NOTFOUND || rc == 0 ? TG_OK : tg_store__err(rc, "cursor get");
}

int tg_store_raw_iter(tg_store_read *r, tg_db db, const void *prefix, size_t plen, tg_raw_cb cb,
                      void *ctx)
{
    if (!db_ok(r->s, db))
        return TG_OK;
    MDB_cursor *c;
    int rc = mdb_cursor_open(r->txn, r->s->dbi[db], &c);
    if (rc)
        return tg_store__err(rc, "cursor");
    MDB_val k = {plen, (void *)prefix}, v;
    int ret = 0;
    rc = mdb_cursor_get(c, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
    while (rc == 0) {
        if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
            break;
        ret = cb(k.mv_data, k.mv_size, v.mv_data, v.mv_size, ctx);
        if (ret)
            break;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    if (ret)
        return ret;
    return rc == MDB_NOTFOUND || rc == 0 ? TG_OK : tg_store__err(rc, "cursor get");
}

int tg_store_meta_put(tg_store_txn *t, const char *key, const void *v, size_t vl)
{
    return tg_store_raw_put(t, TG_DB_META, key, strlen(key), v, vl);
}

int tg_store_meta_get(tg_store_read *r, const char *key, const void **v, size_t *vl)
{
    return tg_store_raw_get(r, TG_DB_META, key, strlen(key), v, vl);
}

int tg_store_stats(tg_store_read *r, tg_store_db_stat *out, int n)
{
    int k = 0;
    for (int i = 0; i < TG_DB__COUNT && k < n; i++, k++) {
        out[k].name = db_names[i];
        out[k].entries = 0;
        out[k].bytes = 0;
        if (!r->s->have[i])
            continue;
        MDB_stat st;
        int rc = mdb_stat(r->txn, r->s->dbi[i], &st);
        if (rc)
            return tg_store__err(rc, "stat");
        out[k].entries = st.ms_entries;
        out[k].bytes =
            (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages) * (size_t)st.ms_psize;
    }
    return k;
}

int tg_db_parse(const char *name)
{
    for (int i = 0; i < TG_DB__COUNT; i++)
        if (name && strcmp(name, db_names[i]) == 0)
            return i;
    return -1;
}

int tg_store_backup(tg_store *s, const char *dir)
{
    struct stat st;
    char data[4096];
    if ((size_t)snprintf(data, sizeof data, "%s/data.mdb", dir) >= sizeof data)
        return TG_EINVAL;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            tg_error("store", "%s: not a directory", dir);
            return TG_EIO;
        }
        if (stat(data, &st) == 0) {
            tg_error("store", "%s: already holds a store", dir);
            return TG_EEXIST;
        }
    } else if (mkdir(dir, 0755) != 0) {
        tg_error("store", "%s: mkdir: %s", dir, strerror(errno));
        return TG_EIO;
    }
    int rc = mdb_env_copy2(s->env, dir, MDB_CP_COMPACT);
    if (rc == MDB_MAP_RESIZED) {
        /*
         * A writer in another process grew the map past ours since we
         * opened: adopt its size and copy again over the partial file
         * (LMDB creates it O_EXCL).
         */
        unlink(data);
        int err = remap(s, 0);
        if (err)
            return err;
        rc = mdb_env_copy2(s->env, dir, MDB_CP_COMPACT);
    }
    if (rc)
        unlink(data); /* no half copy that looks like a store */
    return rc ? tg_store__err(rc, "backup") : TG_OK;
}
