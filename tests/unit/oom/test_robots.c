/*
 * Allocation-failure loop over robots.txt parsing: tg_robots_parse() of a
 * file with several groups, wildcards, percent-encoding and non-ASCII bytes,
 * with the Nth allocation failing, N = 1, 2, ... until a pass completes.
 * Every failed pass must return TG_ENOMEM with a NULL object (no half-built
 * rule set that would allow what the file disallows); a pass that succeeds
 * must answer every probe exactly as the clean parse does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oom/oom.h"
#include "trendguard/robots.h"

static const char robots[] = "# several groups; ours is the second\n"
                             "User-agent: *\n"
                             "Disallow: /private/\n"
                             "Allow: /private/ok$\n"
                             "Crawl-delay: 2\n"
                             "\n"
                             "User-agent: TrendGuard\n"
                             "User-agent: otherbot\n"
                             "Disallow: /sch/*LH_Sold=1\n"
                             "Allow: /sch/\n"
                             "Disallow: /*.pdf$\n"
                             "Disallow: /caf\xc3\xa9/\n"
                             "Disallow: /a%2fb\n"
                             "Allow: /itm/\n"
                             "Disallow: /itm/*?nojs\n"
                             "Crawl-delay: 0.5\n"
                             "Sitemap: https://example.com/sitemap.xml\n"
                             "\n"
                             "User-agent: TrendGuard\n"
                             "Disallow: /later-group/\n"
                             "garbage line without colon\n";

static const char *const probes[] = {
    "/",
    "/sch/i.html?_nkw=cup",
    "/sch/i.html?_nkw=cup&LH_Sold=1",
    "/doc.pdf",
    "/doc.pdf?x",
    "/caf%C3%A9/menu",
    "/caf\xc3\xa9/menu",
    "/a%2Fb",
    "/itm/123",
    "/itm/123?nojs=1",
    "/later-group/x",
    "/private/x",
    "http://127.0.0.1:8080/sch/?LH_Sold=1",
};
#define NPROBES (sizeof probes / sizeof *probes)

static void answers(const tg_robots *r, bool *out, double *delay, size_t *rules)
{
    for (size_t i = 0; i < NPROBES; i++)
        out[i] = tg_robots_allowed(r, probes[i]);
    *delay = tg_robots_crawl_delay(r);
    *rules = tg_robots_rule_count(r);
}

static void test_oom__robots(void **state)
{
    (void)state;
    const char *agent = "TrendGuard/0.1 (+https://example.com/bot)";
    tg_robots *r = NULL;
    bool want[NPROBES], got[NPROBES];
    double want_delay, got_delay;
    size_t want_rules, got_rules;
    assert_int_equal(tg_robots_parse(robots, sizeof robots - 1, agent, &r), TG_OK);
    answers(r, want, &want_delay, &want_rules);
    tg_robots_free(&r);
    assert_true(want_rules >= 8);
    assert_false(want[2]); /* the file's rules really are in force */
    assert_true(want[1]);

    long n, failed = 0;
    int rc = -1;
    for (n = 1; n < OOM_MAX_PASSES; n++) {
        tg_alloc_fail_at(n);
        rc = tg_robots_parse(robots, sizeof robots - 1, agent, &r);
        long made = tg_alloc_count();
        tg_alloc_fail_at(0);
        if (rc != TG_OK) {
            if (rc != TG_ENOMEM)
                fail_msg("pass %ld: %s, want TG_ENOMEM", n, tg_strerror(rc));
            if (r)
                fail_msg("pass %ld: failed but handed out an object", n);
            failed++;
        } else {
            answers(r, got, &got_delay, &got_rules);
            tg_robots_free(&r);
            if (memcmp(got, want, sizeof want) != 0 || got_rules != want_rules ||
                got_delay != want_delay)
                fail_msg("pass %ld: succeeded with different rules", n);
        }
        if (made < n)
            break;
    }
    assert_int_equal(rc, TG_OK);
    assert_true(failed > 5);
    print_message("robots: %ld passes, %ld failed with TG_ENOMEM\n", n, failed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom__robots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
