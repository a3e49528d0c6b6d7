/* The streaming RFC 4180 reader: quoting, line ends, BOM, line numbers, bounds, resync. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/csv.h"
#include "trendguard/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *mem(const char *s, size_t n)
{
    FILE *f = fmemopen((void *)s, n, "r");
    assert_non_null(f);
    return f;
}

static void test_csv__rfc4180(void **st)
{
    (void)st;
    static const char in[] = "\xEF\xBB\xBF"
                             "a,b,c\r\n"
                             "\"x, y\",\"he said \"\"hi\"\"\",\"two\r\nlines\"\r\n"
                             "\r\n"
                             ",,\n"
                             "last,row,no-newline";
    FILE *f = mem(in, sizeof in - 1);
    tg_store_csv c;
    assert_int_equal(tg_store_csv_init(&c, f, 1024), 0);
    assert_int_equal(tg_store_csv_next(&c), 1);
    assert_int_equal(c.nf, 3);
    assert_string_equal(tg_store_csv_field(&c, 0), "a"); /* BOM stripped */
    assert_int_equal(c.rec_line, 1);
    assert_int_equal(tg_store_csv_next(&c), 1);
    assert_int_equal(c.rec_line, 2);
    assert_string_equal(tg_store_csv_field(&c, 0), "x, y");
    assert_string_equal(tg_store_csv_field(&c, 1), "he said \"hi\"");
    assert_string_equal(tg_store_csv_field(&c, 2), "two\r\nlines");
    assert_int_equal(c.flen[2], 10);
    assert_int_equal(tg_store_csv_next(&c), 1); /* the empty line was skipped */
    assert_int_equal(c.rec_line, 5);
    assert_int_equal(c.nf, 3);
    assert_string_equal(tg_store_csv_field(&c, 2), "");
    assert_int_equal(tg_store_csv_next(&c), 1);
    assert_int_equal(c.rec_line, 6);
    assert_string_equal(tg_store_csv_field(&c, 2), "no-newline");
    assert_int_equal(tg_store_csv_next(&c), 0);
    assert_int_equal(tg_store_csv_next(&c), 0);
    tg_store_csv_free(&c);
    fclose(f);
}

static void test_csv__bad_records_resync(void **st)
{
    (void)st;
    static const char in[] = "a,b\n"
                             "bad\"quote,1\n"
                             "\"closed\"junk,2\n"
                             "ok,3\n"
                             "\"never closed,4\n";
    FILE *f = mem(in, sizeof in - 1);
    tg_store_csv c;
    assert_int_equal(tg_store_csv_init(&c, f, 1024), 0);
    assert_int_equal(tg_store_csv_next(&c), 1);
    assert_int_equal(tg_store_csv_next(&c), TG_EDATA);
    assert_int_equal(c.rec_line, 2);
    assert_string_equal(c.why, "quote inside an unquoted field");
    assert_int_equal(tg_store_csv_next(&c), TG_EDATA);
    assert_int_equal(c.rec_line, 3);
    assert_string_equal(c.why, "text after a closing quote");
    assert_int_equal(tg_store_csv_next(&c), 1);
    assert_int_equal(c.rec_line, 4);
    assert_string_equal(tg_store_csv_field(&c, 0), "ok");
    assert_string_equal(tg_store_csv_field(&c, 1), "3");
    assert_int_equal(tg_store_csv_next(&c), TG_EDATA);
    assert_string_equal(c.why, "unterminated quoted field");
    assert_int_equal(tg_store_csv_next(&c), 0);
    tg_store_csv_free(&c);
    fclose(f);
}

static void test_csv__bounds_and_nul(void **st)
{
    (void)st;
    char in[4096];
    size_t n = 0;
    n += (size_t)sprintf(in + n, "h\n");
    memset(in + n, 'x', 200);
    n += 200;
    in[n++] = '\n';
    n += (size_t)sprintf(in + n, "short\n");
    in[n++] = 'a';
    in[n++] = 0;
    in[n++] = 'b';
    in[n++] = '\r'; /* a lone CR ends a record too */
    n += (size_t)sprintf(in + n, "end");
    FILE *f = mem(in, n);
    tg_store_csv c;
    assert_int_equal(tg_store_csv_init(&c, f, 100), 0);
    assert_int_equal(tg_store_csv_next(&c), 1);
    assert_int_equal(tg_store_csv_next(&c), TG_ETOOBIG);
    assert_int_equal(c.rec_line, 2);
    assert_int_equal(tg_store_csv_next(&c), 1);
    assert_string_equal(tg_store_csv_field(&c, 0), "short");
    assert_int_equal(c.rec_line, 3);
    assert_int_equal(tg_store_csv_next(&c), TG_EDATA);
    assert_string_equal(c.why, "NUL byte in field");
    assert_int_equal(tg_store_csv_next(&c), 1);
    assert_string_equal(tg_store_csv_field(&c, 0), "end");
    assert_int_equal(c.rec_line, 5);
    assert_int_equal(tg_store_csv_next(&c), 0);
    tg_store_csv_free(&c);
    fclose(f);
}

static void test_csv__many_fields_and_big_input(void **st)
{
    (void)st;
    /* more fields than the initial capacity, and input larger than the read buffer */
    size_t cap = 600000;
    char *in = malloc(cap);
    assert_non_null(in);
    size_t n = 0;
    for (int i = 0; i < 99; i++)
        n += (size_t)sprintf(in + n, "f%d,", i);
    n += (size_t)sprintf(in + n, "f99\n");
    long rows = 0;
    while (n + 64 < cap) {
        n += (size_t)sprintf(in + n, "\"r%ld\",%ld,\"q\"\"\"\n", rows, rows * 7);
        rows++;
    }
    FILE *f = mem(in, n);
    tg_store_csv c;
    assert_int_equal(tg_store_csv_init(&c, f, 1 << 16), 0);
    assert_int_equal(tg_store_csv_next(&c), 1);
    assert_int_equal(c.nf, 100);
    assert_string_equal(tg_store_csv_field(&c, 99), "f99");
    long got = 0;
    int rc;
    while ((rc = tg_store_csv_next(&c)) == 1) {
        char want[32];
        sprintf(want, "r%ld", got);
        assert_string_equal(tg_store_csv_field(&c, 0), want);
        assert_string_equal(tg_store_csv_field(&c, 2), "q\"");
        assert_int_equal(c.rec_line, got + 2);
        got++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(got, rows);
    tg_store_csv_free(&c);
    fclose(f);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv__rfc4180),
        cmocka_unit_test(test_csv__bad_records_resync),
        cmocka_unit_test(test_csv__bounds_and_nul),
        cmocka_unit_test(test_csv__many_fields_and_big_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
