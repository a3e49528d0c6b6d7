/* crawler/robots.c: own cases, plus Google's valid_user_agent and
 * path_params_query cases read from $SHARED/fixtures/robotstxt (skipped
 * when ../shared is absent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trendguard/error.h"
#include "trendguard/robots.h"
#include "trendguard/util.h"

static bool allowed(const char *txt, const char *agent, const char *url)
{
    return tg_robots_is_allowed(txt, strlen(txt), agent, url);
}

static void test_robots__longest_match_and_ties(void **state)
{
    (void)state;
    const char *t = "user-agent: FooBot\nallow: /page\ndisallow: /*.html\nallow: /page.html$\n"
                    "disallow: /x\nallow: /x\n";
    assert_false(allowed(t, "FooBot", "http://a.com/index.html"));
    assert_true(allowed(t, "FooBot", "http://a.com/page.html"));    /* longer allow */
    assert_false(allowed(t, "FooBot", "http://a.com/page.html?q")); /* $ anchors */
    assert_true(allowed(t, "FooBot", "http://a.com/x/y"));          /* tie: allow wins */
    assert_true(allowed(t, "FooBot", "http://a.com/"));
}

static void test_robots__groups_and_agents(void **state)
{
    (void)state;
    const char *t = "User-agent: *\nDisallow: /private/\n\n"
                    "User-agent: TrendGuard\nUser-agent: other\nDisallow: /sch/*LH_Sold=1\n"
                    "Crawl-delay: 0.5\n";
    const char *ua = "TrendGuard/0.1 (+https://example.org/bot)";
    /* the specific group replaces "*": /private/ is allowed for us */
    assert_true(allowed(t, ua, "https://www.ebay.com/private/x"));
    assert_false(allowed(t, ua, "https://www.ebay.com/sch/i.html?_nkw=a&LH_Sold=1"));
    assert_true(allowed(t, "trendguard", "https://www.ebay.com/sch/i.html?_nkw=a"));
    assert_false(allowed(t, "SomeoneElse", "https://www.ebay.com/private/x"));
    assert_false(allowed(t, "Trend Guard", "https://www.ebay.com/private/x"));
    tg_robots *r = NULL;
    assert_int_equal(tg_robots_parse(t, strlen(t), ua, &r), TG_OK);
    assert_true(tg_robots_crawl_delay(r) == 0.5);
    tg_robots_free(&r);
    assert_null(r);
}

static void test_robots__encoding_and_lines(void **state)
{
    (void)state;
    /* CR-only lines, missing colon, BOM, UTF-8 pattern percent-encoded */
    const char *t = "\xef\xbb\xbfUser-agent: *\rDisallow /a\rDisallow: /caf\xc3\xa9\r";
    assert_false(allowed(t, "x", "http://h/a/b"));
    assert_false(allowed(t, "x", "http://h/caf%C3%A9/menu"));
    assert_true(allowed(t, "x", "http://h/b"));
    /* comments, unknown keys, sitemap do not end a group */
    const char *u = "user-agent: a # c\nsitemap: http://h/s.xml\nfoo: bar\ndisallow: /z\n";
    assert_false(allowed(u, "a", "http://h/z"));
    /* empty file, empty disallow */
    assert_true(allowed("", "a", "http://h/z"));
    assert_true(allowed("user-agent: *\ndisallow:\n", "a", "http://h/z"));
}

static void test_robots__status_policy_and_modes(void **state)
{
    (void)state;
    assert_int_equal(tg_robots_status_policy(200), TG_ROBOTS_PARSE);
    assert_int_equal(tg_robots_status_policy(404), TG_ROBOTS_ALLOW_ALL);
    assert_int_equal(tg_robots_status_policy(403), TG_ROBOTS_ALLOW_ALL);
    assert_int_equal(tg_robots_status_policy(503), TG_ROBOTS_DISALLOW_ALL);
    assert_int_equal(tg_robots_status_policy(0), TG_ROBOTS_DISALLOW_ALL);
    tg_robots *r;
    assert_int_equal(tg_robots_new_mode(TG_ROBOTS_DISALLOW_ALL, &r), TG_OK);
    assert_false(tg_robots_allowed(r, "http://h/"));
    tg_robots_free(&r);
    assert_int_equal(tg_robots_new_mode(TG_ROBOTS_ALLOW_ALL, &r), TG_OK);
    assert_true(tg_robots_allowed(r, "http://h/"));
    tg_robots_free(&r);
}

static void test_robots__large_file(void **state)
{
    (void)state;
    /* >= 500 KiB parsed: a rule at ~510 KB still counts */
    size_t n = 520 * 1024;
    char *b = malloc(n + 64);
    assert_non_null(b);
    size_t k = (size_t)sprintf(b, "user-agent: *\n");
    while (k < 510 * 1024)
        k += (size_t)sprintf(b + k, "# padding comment line padding comment line\n");
    k += (size_t)sprintf(b + k, "disallow: /late\n");
    assert_false(tg_robots_is_allowed(b, k, "x", "http://h/late"));
    free(b);
}

static void test_robots__own_valid_agent_and_path(void **state)
{
    (void)state;
    assert_true(tg_robots_valid_agent("Foobot-Bar"));
    assert_true(tg_robots_valid_agent("Foo_Bar"));
    assert_false(tg_robots_valid_agent(""));
    assert_false(tg_robots_valid_agent("Foobot/2.1"));
    assert_false(tg_robots_valid_agent("Foo Bar"));
    char buf[256];
    assert_string_equal(tg_robots_path_of("http://www.example.com", buf, sizeof buf), "/");
    assert_string_equal(tg_robots_path_of("http://www.example.com/a?b#c", buf, sizeof buf), "/a?b");
    assert_string_equal(tg_robots_path_of("example.com?a", buf, sizeof buf), "/?a");
}

static json_t *shared_cases(void)
{
    char path[1024];
    const char *sh = getenv("SHARED");
    snprintf(path, sizeof path, "%s/fixtures/robotstxt/google_cases.jsonl", sh ? sh : "../shared");
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    json_t *all = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *c = json_loads(line, 0, NULL);
        if (c)
            json_array_append_new(all, c);
    }
    free(line);
    fclose(f);
    return all;
}

static void test_robots__google_valid_agent_and_path(void **state)
{
    (void)state;
    json_t *all = shared_cases();
    if (!all) {
        print_message("skip: ../shared absent (google_cases.jsonl)\n");
        skip();
    }
    size_t i, n_ua = 0, n_path = 0;
    json_t *c;
    json_array_foreach(all, i, c)
    {
        const char *kind = json_string_value(json_object_get(c, "kind"));
        if (!kind)
            continue;
        if (!strcmp(kind, "valid_user_agent")) {
            const char *ua = json_string_value(json_object_get(c, "user_agent"));
            bool want = json_is_true(json_object_get(c, "expected_valid"));
            if (tg_robots_valid_agent(ua ? ua : "") != want)
                fail_msg("valid_user_agent id %lld '%s'",
                         (long long)json_integer_value(json_object_get(c, "id")), ua);
            n_ua++;
        } else if (!strcmp(kind, "path_params_query")) {
            const char *url = json_string_value(json_object_get(c, "url"));
            const char *want = json_string_value(json_object_get(c, "expected_path"));
            char buf[4096];
            tg_robots_path_of(url, buf, sizeof buf);
            if (strcmp(buf, want))
                fail_msg("path_params_query '%s' -> '%s', want '%s'", url, buf, want);
            n_path++;
        }
    }
    json_decref(all);
    assert_int_equal(n_ua, 11);
    assert_int_equal(n_path, 19);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_robots__longest_match_and_ties),
        cmocka_unit_test(test_robots__groups_and_agents),
        cmocka_unit_test(test_robots__encoding_and_lines),
        cmocka_unit_test(test_robots__status_policy_and_modes),
        cmocka_unit_test(test_robots__large_file),
        cmocka_unit_test(test_robots__own_valid_agent_and_path),
        cmocka_unit_test(test_robots__google_valid_agent_and_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
