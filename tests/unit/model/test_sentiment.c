/* The sentiment scorer: lexicon, negation, intensifiers, but-clauses, caps, '!', files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "trendguard/error.h"
#include "trendguard/sentiment.h"
#include "trendguard/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static double sc(const char *t)
{
    return tg_sentiment_score(NULL, t);
}

static void test_sentiment__polarity(void **st)
{
    (void)st;
    assert_true(tg_sentiment_builtin_size() > 300);
    assert_true(sc("I love this, it is great") > 0.5);
    assert_true(sc("awful, horrible waste of money") < -0.5);
    assert_true(sc("") == 0.0);
    assert_true(sc("the box arrived on tuesday") == 0.0);
    double s = sc("lovely lovely lovely lovely lovely lovely lovely lovely");
    assert_true(s < 1.0 && s > 0.9);
}

static void test_sentiment__rules(void **st)
{
    (void)st;
    /* negation flips within the window */
    assert_true(sc("it is good") > 0);
    assert_true(sc("it is not good") < 0);
    assert_true(sc("it isn't good") < 0);
    assert_true(sc("not bad") > 0);
    /* ...but a warning stays a warning */
    assert_true(sc("don't waste your money") < 0);
    /* a negated comparative is praise */
    assert_true(sc("couldn't be happier") > 0);
    /* bare negation is a complaint */
    assert_true(sc("the charger does not work") < 0);
    assert_true(sc("it doesn't hold a charge") < 0);
    /* intensifiers and dampeners */
    assert_true(sc("very good") > sc("good"));
    assert_true(sc("slightly good") < sc("good"));
    /* capitals in mixed text and exclamation marks emphasise */
    assert_true(sc("this is GOOD stuff") > sc("this is good stuff"));
    assert_true(sc("good!!!") > sc("good"));
    assert_true(sc("bad!!!") < sc("bad"));
    /* the clause after "but" dominates */
    assert_true(sc("the price is great but the quality is bad") < 0);
    assert_true(sc("the price is bad but the quality is great") > 0);
    /* suffixes */
    assert_true(sc("it disappoints") < 0);
}

static void test_sentiment__lexicon_file(void **st)
{
    (void)st;
    char path[] = "/tmp/tg_lex_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("zorp\t3.1\t0.5\t[3, 3, 3]\nblarg\t-2.5\t0.4\t[-2]\nbroken line\n", f);
    fclose(f);
    tg_sentiment *s = NULL;
    assert_int_equal(tg_sentiment_open(&s, path), TG_OK);
    assert_non_null(s);
    assert_true(tg_sentiment_score(s, "so zorp") > 0.5);
    assert_true(tg_sentiment_score(s, "blarg") < 0);
    /* the file replaces the built-in list */
    assert_true(tg_sentiment_score(s, "great") == 0.0);
    tg_sentiment_free(&s);
    assert_null(s);
    unlink(path);
    assert_int_equal(tg_sentiment_open(&s, "/nonexistent/lexicon.txt"), TG_EIO);
    char path2[] = "/tmp/tg_lex_XXXXXX";
    fd = mkstemp(path2);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs("no tabs here\n", f);
    fclose(f);
    assert_int_equal(tg_sentiment_open(&s, path2), TG_EDATA);
    assert_null(s);
    unlink(path2);
}

static void test_sentiment__long_text(void **st)
{
    (void)st;
    size_t n = 200000;
    char *t = malloc(n + 1);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        t[i] = "good "[i % 5];
    t[n] = 0;
    double s = sc(t);
    assert_true(s > 0 && s <= 1.0);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sentiment__polarity),
        cmocka_unit_test(test_sentiment__rules),
        cmocka_unit_test(test_sentiment__lexicon_file),
        cmocka_unit_test(test_sentiment__long_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
