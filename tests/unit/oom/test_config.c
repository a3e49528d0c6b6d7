/*
 * Allocation-failure loop over config loading: the project's two example
 * configs (config/trendguard.ini: every section, sites, secrets from the
 * environment; config/demo.ini) loaded with tg_config_load() with the Nth
 * allocation failing, N = 1, 2, ... until a pass completes. A failed pass
 * must say so (TG_ENOMEM, or TG_ECONFIG with a message) and free what it
 * built (tg_config_free after a failure, LeakSanitizer in the SANITIZE
 * build); a pass that succeeds must show exactly the clean config
 * (tg_config_show, secrets masked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oom/oom.h"
#include "trendguard/config.h"

static void show(const tg_config *c, tg_buf *out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    tg_config_show(c, f);
    assert_int_equal(fclose(f), 0);
    tg_buf_init(out, (size_t)1 << 20);
    assert_int_equal(tg_buf_add(out, text, len), TG_OK);
    free(text);
}

static void loop_over(const char *name)
{
    const char *root = getenv("TG_ROOT");
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/config/%s", root ? root : ".", name);
    tg_config c;
    tg_buf want, got;
    assert_int_equal(tg_config_load(&c, path, err, sizeof err), TG_OK);
    show(&c, &want);
    tg_config_free(&c);
    assert_true(want.len > 200);

    long n, failed = 0;
    int rc = -1;
    for (n = 1; n < OOM_MAX_PASSES; n++) {
        err[0] = 0;
        tg_alloc_fail_at(n);
        rc = tg_config_load(&c, path, err, sizeof err);
        long made = tg_alloc_count();
        tg_alloc_fail_at(0);
        if (rc != TG_OK) {
            if (rc != TG_ENOMEM && rc != TG_ECONFIG)
                fail_msg("%s pass %ld: %s, want TG_ENOMEM", name, n, tg_strerror(rc));
            if (!err[0])
                fail_msg("%s pass %ld: failed without a message", name, n);
            failed++;
        } else {
            show(&c, &got);
            if (strcmp(got.data, want.data) != 0)
                fail_msg("%s pass %ld: loaded a different config", name, n);
            tg_buf_free(&got);
        }
        tg_config_free(&c);
        if (made < n)
            break;
    }
    assert_int_equal(rc, TG_OK);
    assert_true(failed > 10);
    print_message("config %s: %ld passes, %ld failed\n", name, n, failed);
    tg_buf_free(&want);
}

static void test_oom__config_example(void **state)
{
    (void)state;
    setenv("TIKTOK_CLIENT_SECRET", "s3cret-from-env", 1);
    setenv("EBAY_CLIENT_SECRET", "another-s3cret", 1);
    loop_over("trendguard.ini");
}

static void test_oom__config_demo(void **state)
{
    (void)state;
    loop_over("demo.ini");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom__config_example),
        cmocka_unit_test(test_oom__config_demo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
