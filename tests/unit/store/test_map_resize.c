/*
 * Another process grows the map: a process that opened the store with the
 * old, smaller map gets MDB_MAP_RESIZED for new snapshots until it adopts the
 * new size, which LMDB allows only with none of its transactions open.
 *  - store backup must adopt it and produce a complete copy;
 *  - a reader holding a read handle keeps reading it while a second read
 *    begins (that one waits for the first to end, then sees the new data).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trendguard/error.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[256], st_path[300], bk_path[300];

static int mkdirs(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/tg-backup-test-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(st_path, sizeof st_path, "%s/st", dir);
    snprintf(bk_path, sizeof bk_path, "%s/bk", dir);
    return 0;
}

static int rmdirs(void **st)
{
    (void)st;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int write_n(tg_store_txn *t, void *c)
{
    long n = *(long *)c;
    for (long i = 0; i < n; i++) {
        tg_snapshot s = {(uint64_t)(i % 997), (int64_t)i * 60, i, i, i, i};
        int rc = tg_store_put_snapshot(t, &s);
        if (rc)
            return rc;
    }
    return TG_OK;
}

static size_t snapshot_entries(const char *path)
{
    tg_store *s = NULL;
    assert_int_equal(tg_store_open(&s, path, TG_STORE_RDONLY), TG_OK);
    tg_store_read *r;
    assert_int_equal(tg_store_read_begin(s, &r), TG_OK);
    tg_store_db_stat stats[TG_DB__COUNT];
    assert_int_equal(tg_store_stats(r, stats, TG_DB__COUNT), TG_DB__COUNT);
    tg_store_read_end(&r);
    tg_store_close(&s);
    return stats[TG_DB_SNAPSHOTS].entries;
}

static void child(int in, int out)
{
    char c;
    if (read(in, &c, 1) != 1) /* the store exists */
        _exit(2);
    tg_store *s = NULL;
    if (tg_store_open_ex(&s, st_path, TG_STORE_RDONLY, 1) != TG_OK)
        _exit(3);
    if (write(out, "r", 1) != 1 || read(in, &c, 1) != 1) /* the map has grown */
        _exit(4);
    int rc = tg_store_backup(s, bk_path);
    tg_store_close(&s);
    _exit(rc == TG_OK ? 0 : 5);
}

/*
 * The script both tests share: fork child(in, out); create the store with a
 * 1 MiB map and 100 snapshots; tell the child ("o"), which opens it and
 * answers ("r"); write 60,000 snapshots (the map doubles a few times); tell
 * the child ("g") and wait for it. The child's exit status must be 0.
 */
static void with_growing_writer(void (*child_fn)(int in, int out))
{
    int to_child[2], to_parent[2];
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(to_parent), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child_fn(to_child[0], to_parent[1]);
    tg_store *s = NULL;
    assert_int_equal(tg_store_open_ex(&s, st_path, TG_STORE_CREATE, 1), TG_OK);
    long n = 100;
    assert_int_equal(tg_store_write(s, write_n, &n), TG_OK);
    char c;
    assert_int_equal(write(to_child[1], "o", 1), 1);
    assert_int_equal(read(to_parent[0], &c, 1), 1);
    n = 60000; /* rewrites the first 100 keys, adds the rest */
    assert_int_equal(tg_store_write(s, write_n, &n), TG_OK);
    assert_int_equal(write(to_child[1], "g", 1), 1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    tg_store_close(&s);
    close(to_child[0]);
    close(to_child[1]);
    close(to_parent[0]);
    close(to_parent[1]);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_backup_after_another_process_grew_the_map(void **st)
{
    (void)st;
    with_growing_writer(child);
    assert_int_equal(snapshot_entries(bk_path), 60000);
}

static size_t count_in(tg_store_read *r)
{
    tg_store_db_stat stats[TG_DB__COUNT];
    if (tg_store_stats(r, stats, TG_DB__COUNT) != TG_DB__COUNT)
        return (size_t)-1;
    return stats[TG_DB_SNAPSHOTS].entries;
}

typedef struct {
    tg_store *s;
    atomic_int rc; /* -1 while its read_begin has not returned */
    size_t seen;
} second_read;

static void *second_reader(void *c)
{
    second_read *x = c;
    tg_store_read *r;
    int rc = tg_store_read_begin(x->s, &r);
    if (rc == TG_OK) {
        x->seen = count_in(r);
        tg_store_read_end(&r);
    }
    atomic_store(&x->rc, rc);
    return NULL;
}

static void reader_child(int in, int out)
{
    char c;
    if (read(in, &c, 1) != 1)
        _exit(2);
    tg_store *s = NULL;
    if (tg_store_open_ex(&s, st_path, TG_STORE_RDONLY, 1) != TG_OK)
        _exit(3);
    tg_store_read *r1;
    if (tg_store_read_begin(s, &r1) != TG_OK || count_in(r1) != 100)
        _exit(4);
    if (write(out, "r", 1) != 1 || read(in, &c, 1) != 1) /* the map has grown */
        _exit(5);
    second_read x = {.s = s, .seen = 0};
    atomic_init(&x.rc, -1);
    pthread_t th;
    if (pthread_create(&th, NULL, second_reader, &x) != 0)
        _exit(6);
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    /* the first handle still reads its snapshot: the map was not moved under it */
    int ok = count_in(r1) == 100 && atomic_load(&x.rc) == -1; /* the second still waits */
    tg_store_read_end(&r1);
    pthread_join(th, NULL);
    tg_store_close(&s);
    if (!ok)
        _exit(7);
    _exit(atomic_load(&x.rc) == TG_OK && x.seen == 60000 ? 0 : 8);
}

static void test_reader_keeps_its_handle_while_the_map_grows(void **st)
{
    (void)st;
    with_growing_writer(reader_child);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_backup_after_another_process_grew_the_map, mkdirs,
                                        rmdirs),
        cmocka_unit_test_setup_teardown(test_reader_keeps_its_handle_while_the_map_grows, mkdirs,
                                        rmdirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
