/* config/config.c: typed loading, FILE:LINE errors, secrets, defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trendguard/config.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

static char path[64];

static int load_text(const char *text, tg_config *cfg, char *err, size_t n)
{
    strcpy(path, "/tmp/tg_cfg_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    int rc = tg_config_load(cfg, path, err, n);
    unlink(path);
    return rc;
}

static void test_config__defaults_and_types(void **state)
{
    (void)state;
    tg_config c;
    char err[512];
    assert_int_equal(load_text("[store]\npath = /data/tg.lmdb\nmap_size_mb = 64\n"
                               "[crawl]\ntimeout_s = 15m\nclock = source\nrespect_robots = no\n"
                               "[tiktok]\napi_base = http://127.0.0.1:1\nclient_key = k\n"
                               "hashtags = a, b\npoll_every = 6h\n",
                               &c, err, sizeof err),
                     TG_OK);
    assert_string_equal(c.store_path, "/data/tg.lmdb");
    assert_int_equal(c.map_size_mb, 64);
    assert_true(c.timeout_s == 900);
    assert_true(c.clock_source);
    assert_false(c.respect_robots);
    assert_true(c.tiktok_poll_every == 21600);
    assert_int_equal(c.tiktok_daily_quota, 1000); /* default */
    assert_int_equal(c.max_connections, 64);
    tg_config_free(&c);
}

static void expect_error(const char *text, const char *want)
{
    tg_config c;
    char err[512] = "";
    if (load_text(text, &c, err, sizeof err) != TG_ECONFIG)
        fail_msg("config accepted: %s", text);
    char full[600];
    snprintf(full, sizeof full, "%s:%s", path, want);
    if (strncmp(err, full, strlen(full)) != 0)
        fail_msg("got '%s', want prefix '%s'", err, full);
    tg_config_free(&c);
}

static void test_config__errors_have_lines(void **state)
{
    (void)state;
    expect_error("[store]\npath = x\n[nope]\nk = v\n", "4: unknown section [nope]");
    /* a section without keys never reaches libinih's handler */
    expect_error("[store]\npath = x\n\n[storre]\n", "4: unknown section [storre]");
    expect_error("[nope]\n[store]\npath = x\n", "1: unknown section [nope]");
    expect_error("[store]\n\npathh = x\n", "3: unknown key 'pathh' in [store]");
    expect_error("[crawl]\nmax_connections = many\n",
                 "2: [crawl] max_connections = many: expected an integer");
    expect_error("[crawl]\ntimeout_s = 5 weeks\n",
                 "2: [crawl] timeout_s = 5 weeks: expected a duration");
    expect_error("[crawl]\nclock = lunar\n", "2: [crawl] clock = lunar: expected system or source");
    expect_error("[store]\nmap_size_mb = 0\n", "2: [store] map_size_mb = 0: value out of range");
    expect_error("[site.x]\nstart_url = http://a/\nextractor = magic\n", "3: [site.x] extractor");
    expect_error("[tiktok]\nclient_secret = hunter2hunter2\nbogus = 1\n", "3: unknown key 'bogus'");
    /* Missing required key: no line, but the file. */
    expect_error("[tiktok]\napi_base = http://127.0.0.1:9\n", " [tiktok] client_key is required");
    expect_error("this is not ini\n", "1: syntax error");
}

static void test_config__secret_never_echoed(void **state)
{
    (void)state;
    tg_config c;
    char err[512] = "";
    assert_int_equal(load_text("[serve]\ntoken = s3cr3t-token\nport = x\n", &c, err, sizeof err),
                     TG_ECONFIG);
    assert_null(strstr(err, "s3cr3t"));
    tg_config_free(&c);
    assert_int_equal(load_text("[tiktok]\napi_base = http://127.0.0.1:9\nclient_key = k\n"
                               "client_secret = topsecretvalue\n",
                               &c, err, sizeof err),
                     TG_OK);
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    tg_config_show(&c, m);
    fclose(m);
    assert_null(strstr(buf, "topsecretvalue"));
    assert_non_null(strstr(buf, "client_secret = ***"));
    free(buf);
    tg_config_free(&c);
}

static void test_config__secret_from_env(void **state)
{
    (void)state;
    setenv("TG_TEST_SECRET", "fromenv", 1);
    assert_string_equal(tg_config_secret(NULL, "TG_TEST_SECRET"), "fromenv");
    assert_string_equal(tg_config_secret("inline", "TG_TEST_SECRET"), "inline");
    unsetenv("TG_TEST_SECRET");
    assert_null(tg_config_secret(NULL, "TG_TEST_SECRET"));
    assert_null(tg_config_secret("", NULL));
}

static void test_config__sites_and_relative_paths(void **state)
{
    (void)state;
    tg_config c;
    char err[512];
    assert_int_equal(
        load_text("[store]\npath = rel.lmdb\n[site.bench]\nstart_url = http://127.0.0.1/\n"
                  "follow = /page/\nextractor = ebay-listings\nmax_pages = 10\n",
                  &c, err, sizeof err),
        TG_OK);
    assert_string_equal(c.store_path, "/tmp/rel.lmdb");
    assert_int_equal(c.nsites, 1);
    assert_string_equal(c.sites[0].name, "bench");
    assert_int_equal(c.sites[0].max_pages, 10);
    tg_config_free(&c);
}

/* Allocation-failure injection: fail the Nth allocation for N = 1, 2, ...
 * until loading succeeds; every failing pass must end with an error and free
 * everything (LeakSanitizer checks the latter under SANITIZE=address). */
static void test_config__alloc_failures(void **state)
{
    (void)state;
    const char *text = "[store]\npath = rel.lmdb\n[tiktok]\napi_base = http://127.0.0.1:1\n"
                       "client_key = k\nclient_secret = s\nhashtags = a,b\n"
                       "[site.bench]\nstart_url = http://127.0.0.1/\nfollow = x\n"
                       "extractor = ebay-listings\n[catalog]\nproducts = p.csv\n";
    int n, rc = -1;
    for (n = 1; n < 1000; n++) {
        tg_config c;
        char err[512] = "";
        tg_alloc_fail_at(n);
        rc = load_text(text, &c, err, sizeof err);
        tg_alloc_fail_at(0);
        tg_config_free(&c);
        if (rc == TG_OK)
            break;
        assert_true(rc == TG_ENOMEM || rc == TG_ECONFIG);
        assert_true(err[0] != 0);
    }
    assert_int_equal(rc, TG_OK);
    assert_true(n > 5); /* the loop really exercised failures */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config__defaults_and_types),
        cmocka_unit_test(test_config__errors_have_lines),
        cmocka_unit_test(test_config__secret_never_echoed),
        cmocka_unit_test(test_config__secret_from_env),
        cmocka_unit_test(test_config__sites_and_relative_paths),
        cmocka_unit_test(test_config__alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
