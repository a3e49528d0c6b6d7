/* The JSON pull tokenizer (parser/json_scan.c): RFC 8259 edges, escapes,
 * surrogates, UTF-8, numbers, depth, truncation, and the field helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parser_int.h"
#include "trendguard/error.h"
#include "trendguard/util.h"

/* Walk a whole document the way a generic consumer would: every value
 * read, every string decoded (checking the decoded length bound). */
static int walk_n(const char *buf, size_t len)
{
    tg_jscan sc;
    tg_jtok t;
    tg_parse__json_init(&sc, buf, len);
    if (tg_parse__json_value(&sc, &t))
        return sc.err;
    while (sc.depth > 0) {
        tg_jtok k;
        int r = tg_parse__json_in_object(&sc) ? tg_parse__json_member(&sc, &k)
                                              : tg_parse__json_elem(&sc);
        if (r < 0)
            return r;
        if (r == 0)
            continue;
        if (tg_parse__json_value(&sc, &t))
            return sc.err;
        if (t.type == TG_J_STRING) {
            char *d = malloc(t.n + 1);
            size_t n;
            assert_non_null(d);
            assert_int_equal(tg_parse__json_str(&t, d, t.n + 1, &n), TG_OK);
            assert_true(n <= t.n);
            free(d);
        }
    }
    return tg_parse__json_finish(&sc);
}

static int walk(const char *s)
{
    return walk_n(s, strlen(s));
}

/* The single string value of `[ "..." ]`, decoded into out. */
static int str1(const char *doc, char *out, size_t cap, size_t *n)
{
    tg_jscan sc;
    tg_jtok t;
    tg_parse__json_init(&sc, doc, strlen(doc));
    if (tg_parse__json_value(&sc, &t) || tg_parse__json_elem(&sc) != 1 ||
        tg_parse__json_value(&sc, &t))
        return TG_EPARSE;
    return tg_parse__json_str(&t, out, cap, n);
}

/* The single number of `[N]` as a token. */
static tg_jtok num1(const char *doc)
{
    tg_jscan sc;
    tg_jtok t;
    tg_parse__json_init(&sc, doc, strlen(doc));
    assert_int_equal(tg_parse__json_value(&sc, &t), TG_OK);
    assert_int_equal(tg_parse__json_elem(&sc), 1);
    assert_int_equal(tg_parse__json_value(&sc, &t), TG_OK);
    return t;
}

static void test_json_scan__grammar(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "{}",
        "[]",
        " \t\r\n[ ] \n",
        "{\"a\":1}",
        "{\"a\" : [1, -0, 0.5, 1e10, 1E-2, -1.5e+3]}",
        "[true,false,null,\"x\",{},[]]",
        "[0]",
        "[-0.0]",
        "[1e0]",
        "[123456789012345678901234567890]", /* any magnitude is grammatical */
        "{\"a\":{\"b\":{\"c\":[[[\"d\"]]]}}}",
        "[\"\"]",
        "{\"\":0}",
    };
    static const char *const bad[] = {
        "",
        " ",
        "[01]",
        "[-]",
        "[1.]",
        "[.5]",
        "[1e]",
        "[1e+]",
        "[+1]",
        "[0x1]",
        "[--1]",
        "[1.5.2]",
        "{} x",
        "{}{}",
        "[1,]",
        "{\"a\":1,}",
        "{,}",
        "{\"a\" 1}",
        "[\"a\" \"b\"]",
        "[1 2]",
        "[tru]",
        "[truex]",
        "[nul]",
        "[NaN]",
        "[Infinity]",
        "{\"a\":}",
        "{a:1}",
        "['a']",
        "[1}",
        "{\"a\":1]",
        "]",
        "}",
        "[",
        "{",
        "\"x",
        "[\"x]",
        "{\"a\"}",
        "[,1]",
        "[1,,2]",
        "\xef\xbb\xbf{}", /* no BOM */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (walk(ok[i]) != TG_OK)
            fail_msg("should parse: %s", ok[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (walk(bad[i]) != TG_EPARSE)
            fail_msg("should fail: %s", bad[i]);
}

static void test_json_scan__truncation(void **state)
{
    (void)state;
    /* every proper prefix of a document is an error, the whole is not */
    const char *doc = "{\"data\": {\"videos\": [{\"id\": 7301234567890123456, \"t\": "
                      "\"a\\u00e9\\ud83d\\ude00\\n\", \"x\": [1.5e3, -0, true, null]}],"
                      " \"has_more\": false}}";
    size_t n = strlen(doc);
    assert_int_equal(walk_n(doc, n), TG_OK);
    for (size_t i = 0; i < n; i++)
        if (walk_n(doc, i) != TG_EPARSE)
            fail_msg("prefix of %zu bytes parsed", i);
}

static void test_json_scan__escapes(void **state)
{
    (void)state;
    char out[64];
    size_t n;
    assert_int_equal(str1("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", out, sizeof out, &n), TG_OK);
    assert_int_equal(n, 8);
    assert_memory_equal(out, "\"\\/\b\f\n\r\t", 8);
    assert_int_equal(str1("[\"caf\\u00e9 \\u20AC\"]", out, sizeof out, &n), TG_OK);
    assert_string_equal(out, "caf\xc3\xa9 \xe2\x82\xac");
    /* a surrogate pair is one 4-byte character */
    assert_int_equal(str1("[\"\\ud83d\\ude00\"]", out, sizeof out, &n), TG_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
    assert_int_equal(str1("[\"\\uDBFF\\uDFFF\"]", out, sizeof out, &n), TG_OK);
    assert_memory_equal(out, "\xf4\x8f\xbf\xbf", 4);
    /* \u0000 is kept in the decoded length; the C string stops there */
    assert_int_equal(str1("[\"a\\u0000b\"]", out, sizeof out, &n), TG_OK);
    assert_int_equal(n, 3);
    assert_int_equal(strlen(out), 1);
    /* a short buffer is refused, never overrun */
    assert_int_equal(str1("[\"abcdef\"]", out, 6, &n), TG_ETOOBIG);
    assert_int_equal(str1("[\"\\u00e9\\u00e9\\u00e9\"]", out, 6, &n), TG_ETOOBIG);
    assert_int_equal(str1("[\"\\u00e9\\u00e9\\u00e9\"]", out, 7, &n), TG_OK);

    static const char *const bad[] = {
        "[\"\\ud83d\"]",        /* lone high surrogate */
        "[\"\\ud83dx\"]",       /* high surrogate, no escape after */
        "[\"\\ud83d\\u0041\"]", /* high surrogate, then not a low one */
        "[\"\\ude00\"]",        /* lone low surrogate */
        "[\"\\x41\"]",          "[\"\\u12G4\"]", "[\"\\u12\"]",
        "[\"\\U0041\"]",        "[\"\\'\"]",     "[\"a\tb\"]", /* raw control characters */
        "[\"a\nb\"]",           "[\"a\x01\"]",   "[\"\\",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (walk(bad[i]) != TG_EPARSE)
            fail_msg("should fail: %s", bad[i]);
    /* NUL is fine in a value, not in a key (as jansson) */
    assert_int_equal(walk("{\"a\":\"\\u0000\"}"), TG_OK);
    assert_int_equal(walk("{\"a\\u0000\":1}"), TG_EPARSE);
}

static void test_json_scan__utf8(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "[\"\xc3\xa9\"]",
        "[\"\xe2\x82\xac\"]",
        "[\"\xf0\x9f\x98\x80\"]",
        "[\"\xf4\x8f\xbf\xbf\"]", /* U+10FFFF */
        "[\"\xed\x9f\xbf\"]",     /* U+D7FF */
        "[\"\xee\x80\x80\"]",     /* U+E000 */
        "[\"\x7f\"]",             /* DEL is not a control character in JSON */
    };
    static const char *const bad[] = {
        "[\"\xc3\"]",             /* truncated sequence */
        "[\"\xc3(\"]",            /* bad continuation */
        "[\"\xc0\xaf\"]",         /* overlong '/' */
        "[\"\xc1\xbf\"]",         /* overlong */
        "[\"\xe0\x80\xaf\"]",     /* overlong 3-byte */
        "[\"\xf0\x80\x80\xaf\"]", /* overlong 4-byte */
        "[\"\xed\xa0\x80\"]",     /* UTF-8-encoded surrogate U+D800 */
        "[\"\xf4\x90\x80\x80\"]", /* above U+10FFFF */
        "[\"\xf5\x80\x80\x80\"]",
        "[\"\xff\"]",
        "[\"\x80\"]",
        "[\xc3\xa9]", /* non-ASCII outside a string */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (walk(ok[i]) != TG_OK)
            fail_msg("should parse #%zu", i);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (walk(bad[i]) != TG_EPARSE)
            fail_msg("should fail #%zu", i);
    /* a long ASCII run with one bad byte at each position of an 8-byte word */
    for (size_t pos = 0; pos < 24; pos++) {
        char doc[40];
        memset(doc, 'a', sizeof doc);
        doc[0] = '[';
        doc[1] = '"';
        doc[2 + pos] = (char)0xff;
        memcpy(doc + 34, "\"]", 2);
        assert_int_equal(walk_n(doc, 36), TG_EPARSE);
        doc[2 + pos] = '"'; /* a quote there ends the string early: then junk */
        assert_int_equal(walk_n(doc, 36), TG_EPARSE);
        doc[2 + pos] = 'b';
        assert_int_equal(walk_n(doc, 36), TG_OK);
    }
}

static void test_json_scan__numbers(void **state)
{
    (void)state;
    int64_t i;
    double d;
    tg_jtok t = num1("[9223372036854775807]");
    assert_int_equal(t.type, TG_J_INT);
    assert_int_equal(tg_parse__json_i64(&t, &i), TG_OK);
    assert_true(i == INT64_MAX);
    t = num1("[-9223372036854775808]");
    assert_int_equal(tg_parse__json_i64(&t, &i), TG_OK);
    assert_true(i == INT64_MIN);
    t = num1("[9223372036854775808]");
    assert_int_equal(tg_parse__json_i64(&t, &i), TG_EDATA);
    t = num1("[-9223372036854775809]");
    assert_int_equal(tg_parse__json_i64(&t, &i), TG_EDATA);
    /* above 2^53: exact, never through a double */
    t = num1("[7301234567890123457]");
    assert_int_equal(tg_parse__json_i64(&t, &i), TG_OK);
    assert_true(i == INT64_C(7301234567890123457));
    t = num1("[-0]");
    assert_int_equal(t.type, TG_J_INT);
    assert_int_equal(tg_parse__json_i64(&t, &i), TG_OK);
    assert_int_equal(i, 0);
    t = num1("[-0.0]");
    assert_int_equal(t.type, TG_J_REAL);
    assert_int_equal(tg_parse__json_f64(&t, &d), TG_OK);
    assert_true(d == 0 && signbit(d));
    t = num1("[1.5e3]");
    assert_int_equal(t.type, TG_J_REAL);
    assert_int_equal(tg_parse__json_i64(&t, &i), TG_EINVAL);
    assert_int_equal(tg_parse__json_f64(&t, &d), TG_OK);
    assert_true(d == 1500.0);
    t = num1("[1E-2]");
    assert_int_equal(tg_parse__json_f64(&t, &d), TG_OK);
    assert_true(d == 0.01);
    t = num1("[1e999]");
    assert_int_equal(tg_parse__json_f64(&t, &d), TG_EDATA); /* overflow */
    t = num1("[-1e999]");
    assert_int_equal(tg_parse__json_f64(&t, &d), TG_EDATA);
    t = num1("[1e-999]");
    assert_int_equal(tg_parse__json_f64(&t, &d), TG_OK); /* underflow is 0 */
    assert_true(d == 0);
    /* a very long number goes through the heap copy */
    char big[400] = "[0.";
    memset(big + 3, '5', 390);
    strcpy(big + 393, "]");
    t = num1(big);
    assert_int_equal(t.n, 392);
    assert_int_equal(tg_parse__json_f64(&t, &d), TG_OK);
    assert_true(fabs(d - 0.5555555555) < 1e-9);
    /* counts: integers, truncated reals, count text; out of range is dflt */
    assert_int_equal(tg_parse__json_count(&(tg_jtok){0}, -7), -7);
    t = num1("[1.9]");
    assert_int_equal(tg_parse__json_count(&t, -1), 1);
    t = num1("[1e300]");
    assert_int_equal(tg_parse__json_count(&t, -1), -1);
    t = num1("[99999999999999999999]");
    assert_int_equal(tg_parse__json_count(&t, -1), -1);
    tg_jscan sc;
    tg_parse__json_init(&sc, "\"1.2K\"", 6);
    assert_int_equal(tg_parse__json_value(&sc, &t), TG_OK);
    assert_int_equal(tg_parse__json_count(&t, -1), 1200);
}

static char *nested(size_t depth, const char *inner)
{
    size_t n = strlen(inner);
    char *s = malloc(2 * depth + n + 1);
    assert_non_null(s);
    memset(s, '[', depth);
    memcpy(s + depth, inner, n);
    memset(s + depth + n, ']', depth);
    s[2 * depth + n] = 0;
    return s;
}

static void test_json_scan__depth(void **state)
{
    (void)state;
    /* jansson's rule: a value may sit at most TG_JSON_MAX_DEPTH levels deep */
    char *s = nested(TG_JSON_MAX_DEPTH - 1, "1");
    assert_int_equal(walk(s), TG_OK);
    free(s);
    s = nested(TG_JSON_MAX_DEPTH, "");
    assert_int_equal(walk(s), TG_OK);
    free(s);
    s = nested(TG_JSON_MAX_DEPTH, "1");
    assert_int_equal(walk(s), TG_EPARSE);
    free(s);
    /* 100,000 levels: an error, not a stack overflow, through every adapter */
    s = nested(100000, "");
    assert_int_equal(walk(s), TG_EPARSE);
    tg_parse_result r;
    for (int k = TG_PARSE_TIKTOK_QUERY; k <= TG_PARSE_POSHMARK_SEARCH; k++) {
        if (k == TG_PARSE_EBAY_SOLD || k == TG_PARSE_EBAY_LISTINGS)
            continue;
        assert_int_equal(tg_parse((tg_parse_kind)k, s, strlen(s), NULL, &r), TG_EPARSE);
        assert_int_equal(r.n_videos + r.n_listings, 0);
        tg_parse_result_free(&r);
    }
    free(s);
    /* deep objects too, and skipping a deep value */
    size_t depth = 5000;
    char *o = malloc(depth * 6 + 16);
    assert_non_null(o);
    size_t p = 0;
    for (size_t i = 0; i < depth; i++)
        p += (size_t)sprintf(o + p, "{\"a\":");
    o[p++] = '1';
    memset(o + p, '}', depth);
    o[p + depth] = 0;
    assert_int_equal(walk(o), TG_EPARSE);
    assert_int_equal(tg_parse(TG_PARSE_TIKTOK_QUERY, o, strlen(o), NULL, &r), TG_EPARSE);
    tg_parse_result_free(&r);
    free(o);
}

static void test_json_scan__fields(void **state)
{
    (void)state;
    static const tg_jkey keys[] = {TG_JKEY("id"), TG_JKEY("obj"), TG_JKEY("s")};
    const char *doc = "{\"id\":1,\"skip\":{\"id\":9,\"x\":[1,{\"y\":2}]},\"i\\u0064\":2,"
                      "\"obj\":{\"k\":\"v\",\"k\":\"w\"},\"more\":[[]]}";
    tg_jscan sc;
    tg_jtok t, f[3], g;
    tg_parse__json_init(&sc, doc, strlen(doc));
    assert_int_equal(tg_parse__json_value(&sc, &t), TG_OK);
    assert_int_equal(tg_parse__json_fields(&sc, keys, 3, f), TG_OK);
    assert_int_equal(tg_parse__json_finish(&sc), TG_OK);
    /* the last "id" wins, matched through its escaped spelling; nested ones
     * do not count */
    int64_t i;
    assert_int_equal(tg_parse__json_i64(&f[0], &i), TG_OK);
    assert_int_equal(i, 2);
    assert_int_equal(f[2].type, TG_J_NONE);
    assert_int_equal(f[1].type, TG_J_OBJECT);
    assert_int_equal(tg_parse__json_get(&f[1], sc.end, "k", &g), TG_OK);
    char out[8];
    size_t n;
    assert_int_equal(tg_parse__json_str(&g, out, sizeof out, &n), TG_OK);
    assert_string_equal(out, "w");
    assert_int_equal(tg_parse__json_get(&f[0], sc.end, "k", &g), TG_EPARSE); /* not an object */
    assert_int_equal(g.type, TG_J_NONE);
    /* errors are sticky */
    tg_parse__json_init(&sc, "[1,]", 4);
    assert_int_equal(tg_parse__json_value(&sc, &t), TG_OK);
    assert_int_equal(tg_parse__json_skip(&sc, &t), TG_EPARSE);
    assert_int_equal(tg_parse__json_value(&sc, &t), TG_EPARSE);
    assert_int_equal(tg_parse__json_finish(&sc), TG_EPARSE);
}

static void test_json_scan__adapters_numbers(void **state)
{
    (void)state;
    /* a number out of range loses its field, not the response (jansson
     * refused the whole document) */
    const char *doc = "{\"data\":{\"videos\":[{\"id\":7301234567890123456,\"view_count\":1e999,"
                      "\"like_count\":99999999999999999999,\"comment_count\":3}],"
                      "\"cursor\":1e400}}";
    tg_parse_result r;
    assert_int_equal(tg_parse(TG_PARSE_TIKTOK_QUERY, doc, strlen(doc), NULL, &r), TG_OK);
    assert_int_equal(r.n_videos, 1);
    assert_true(r.videos[0].id == UINT64_C(7301234567890123456));
    assert_int_equal(r.videos[0].views, -1);
    assert_int_equal(r.videos[0].likes, -1);
    assert_int_equal(r.videos[0].comments, 3);
    assert_int_equal(r.cursor, -1);
    tg_parse_result_free(&r);
    /* ids above 2^63 are still exact */
    doc = "{\"data\":{\"videos\":[{\"id\":18446744073709551615},{\"id\":18446744073709551616}]}}";
    assert_int_equal(tg_parse(TG_PARSE_TIKTOK_QUERY, doc, strlen(doc), NULL, &r), TG_OK);
    assert_int_equal(r.n_videos, 1);
    assert_true(r.videos[0].id == UINT64_MAX);
    tg_parse_result_free(&r);
    /* a repeated key: the last one counts */
    doc = "{\"data\":[{\"id\":\"5de18684a6e3ea2a8a0ba67a\"}],\"data\":{\"id\":"
          "\"5de18684a6e3ea2a8a0ba67b\",\"title\":\"x\\u00e9\"}}";
    assert_int_equal(tg_parse(TG_PARSE_POSHMARK_SEARCH, doc, strlen(doc), NULL, &r), TG_OK);
    assert_int_equal(r.kind, TG_PARSE_POSHMARK_ITEM);
    assert_int_equal(r.n_listings, 1);
    assert_string_equal(r.listings[0].base.listing_id, "5de18684a6e3ea2a8a0ba67b");
    assert_string_equal(r.listings[0].base.title, "x\xc3\xa9");
    tg_parse_result_free(&r);
    /* invalid JSON after valid records: nothing is kept */
    doc = "{\"itemSummaries\":[{\"itemId\":\"v1|1|0\",\"title\":\"t\"}],\"total\":1,}";
    assert_int_equal(tg_parse(TG_PARSE_EBAY_BROWSE, doc, strlen(doc), NULL, &r), TG_EPARSE);
    assert_int_equal(r.n_listings, 0);
    assert_int_equal(r.total, -1);
    tg_parse_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_scan__grammar),
        cmocka_unit_test(test_json_scan__truncation),
        cmocka_unit_test(test_json_scan__escapes),
        cmocka_unit_test(test_json_scan__utf8),
        cmocka_unit_test(test_json_scan__numbers),
        cmocka_unit_test(test_json_scan__depth),
        cmocka_unit_test(test_json_scan__fields),
        cmocka_unit_test(test_json_scan__adapters_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
