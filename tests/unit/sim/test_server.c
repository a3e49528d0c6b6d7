/* sim/server.c through the C API: start on port 0, virtual Date, tokens, stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <string.h>

#include "trendguard/error.h"
#include "trendguard/sim.h"
#include "trendguard/util.h"

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    tg_buf_add(ud, p, sz * n);
    return sz * n;
}

static long fetch(const char *url, const char *post, tg_buf *body, tg_buf *hdrs)
{
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, hdrs);
    if (post)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
    long code = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    return code;
}

static void test_server__start_serve_stop(void **state)
{
    (void)state;
    tg_sim_params p;
    tg_sim_params_default(&p);
    p.products = 4;
    p.days = 30;
    p.orders = 200;
    tg_sim_world *w = NULL;
    assert_int_equal(tg_sim_world_build(&p, &w), TG_OK);
    tg_sim_server_opts o;
    tg_sim_server_opts_default(&o);
    o.speed = 0;
    o.start_day = 10;
    tg_sim_server *s = NULL;
    assert_int_equal(tg_sim_server_start(&o, w, &s), TG_OK);
    int port = tg_sim_server_port(s);
    assert_true(port > 0 && port < 65536);
    assert_true(tg_sim_server_now(s) == p.start + 10 * 86400);

    char url[128];
    tg_buf b, h;
    tg_buf_init(&b, 1 << 20);
    tg_buf_init(&h, 1 << 16);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/robots.txt", port);
    assert_int_equal(fetch(url, NULL, &b, &h), 200);
    assert_non_null(strstr(b.data, "Disallow: /itm/"));
    char date[40], want[64];
    tg_http_date_format(p.start + 10 * 86400, date, sizeof date);
    snprintf(want, sizeof want, "Date: %s", date);
    assert_non_null(strstr(h.data, want));

    tg_buf_reset(&b);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v2/oauth/token/", port);
    assert_int_equal(
        fetch(url, "client_key=a&client_secret=b&grant_type=client_credentials", &b, &h), 200);
    assert_non_null(strstr(b.data, "\"access_token\":\"clt."));
    tg_buf_reset(&b);
    assert_int_equal(fetch(url, "client_key=a&grant_type=client_credentials", &b, &h), 401);
    tg_buf_reset(&b);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/nope", port);
    assert_int_equal(fetch(url, NULL, &b, &h), 404);
    assert_true(tg_sim_server_responses(s) == 4);

    tg_buf_free(&b);
    tg_buf_free(&h);
    tg_sim_server_stop(&s);
    assert_null(s);
    tg_sim_world_free(&w);

    /* A taken port is an I/O error, not a crash. */
    assert_int_equal(tg_sim_world_build(&p, &w), TG_OK);
    tg_sim_server *a = NULL, *bsrv = NULL;
    assert_int_equal(tg_sim_server_start(&o, w, &a), TG_OK);
    o.port = tg_sim_server_port(a);
    assert_int_equal(tg_sim_server_start(&o, w, &bsrv), TG_EIO);
    assert_null(bsrv);
    tg_sim_server_stop(&a);
    tg_sim_world_free(&w);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server__start_serve_stop),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
