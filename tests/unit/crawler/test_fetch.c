/* The fetcher on a real libuv loop against an in-process loopback server:
 * Authorization never follows a redirect to another host (but does on the same
 * origin), the header cap, and a clean teardown (uv_loop_close() == 0). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crawler/crawl_int.h"
#include "trendguard/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int lfd, port;
static pthread_t thr;
static volatile int auth_seen[8]; /* per path index: 1 = had Authorization, 0 = not, -1 unseen */
static const char *paths[] = {"/redir", "/land", "/same", "/land2", "/bighdr", NULL};

static int path_index(const char *p)
{
    for (int i = 0; paths[i]; i++)
        if (strncmp(p, paths[i], strlen(paths[i])) == 0 && p[strlen(paths[i])] == ' ')
            return i;
    return -1;
}

static void *serve(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(lfd, NULL, NULL);
        if (c < 0)
            return NULL;
        char req[8192];
        size_t n = 0;
        while (n < sizeof req - 1) {
            ssize_t k = recv(c, req + n, sizeof req - 1 - n, 0);
            if (k <= 0)
                break;
            n += (size_t)k;
            req[n] = 0;
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        req[n] = 0;
        const char *sp = strchr(req, ' ');
        int i = sp ? path_index(sp + 1) : -1;
        if (i >= 0)
            auth_seen[i] = strcasestr(req, "\r\nAuthorization:") != NULL;
        char out[512];
        if (i == 0)
            snprintf(out, sizeof out,
                     "HTTP/1.1 302 Found\r\nLocation: http://localhost:%d/land\r\n"
                     "Content-Length: 0\r\nConnection: close\r\n\r\n",
                     port);
        else if (i == 2)
            snprintf(out, sizeof out,
                     "HTTP/1.1 302 Found\r\nLocation: /land2\r\n"
                     "Content-Length: 0\r\nConnection: close\r\n\r\n");
        else if (i == 4) {
            static const char head[] = "HTTP/1.1 200 OK\r\nX-Big: ";
            send(c, head, sizeof head - 1, MSG_NOSIGNAL);
            char big[4096];
            memset(big, 'x', sizeof big);
            for (int k = 0; k < 8; k++)
                send(c, big, sizeof big, MSG_NOSIGNAL);
            snprintf(out, sizeof out, "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        } else
            snprintf(out, sizeof out,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                     "Content-Length: 2\r\nConnection: close\r\n\r\nok");
        send(c, out, strlen(out), MSG_NOSIGNAL);
        close(c);
    }
}

static int setup(void **s)
{
    (void)s;
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 64))
        return -1;
    socklen_t sl = sizeof sa;
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    port = ntohs(sa.sin_port);
    return pthread_create(&thr, NULL, serve, NULL);
}

static int teardown(void **s)
{
    (void)s;
    shutdown(lfd, SHUT_RDWR);
    close(lfd);
    pthread_join(thr, NULL);
    return 0;
}

struct done {
    tg_errclass ec;
    long status;
    int calls;
    char body[64];
};

static void on_done(tg_fetch_req *req, tg_fetch_res *res)
{
    struct done *d = req->ud;
    d->ec = res->ec;
    d->status = res->status;
    d->calls++;
    snprintf(d->body, sizeof d->body, "%.*s", (int)res->body.len,
             res->body.data ? res->body.data : "");
}

static void run_one(const char *path, const char *const *scope, struct done *d, size_t max_header)
{
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    tg_fetch_limits lim = {10, 5, 5, 1, 1 << 20, max_header, 5, 8, 8, "tg-test"};
    tg_fetch *f;
    assert_int_equal(tg_fetch__new(&f, &loop, &lim), TG_OK);
    tg_fetch_req req;
    memset(&req, 0, sizeof req);
    req.url = tg_malloc(128);
    snprintf(req.url, 128, "http://127.0.0.1:%d%s", port, path);
    req.auth = tg_strdup("Authorization: Bearer sekret");
    req.follow = true;
    req.scope = scope;
    req.cb = on_done;
    req.ud = d;
    tg_fetch__start(f, &req);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(d->calls, 1);
    tg_fetch__req_free(&req);
    tg_fetch__free(&f);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0); /* every handle closed */
}

static void test_fetch__no_auth_to_another_host(void **s)
{
    (void)s;
    char o1[64], o2[64];
    snprintf(o1, sizeof o1, "http://127.0.0.1:%d", port);
    snprintf(o2, sizeof o2, "http://localhost:%d", port);
    const char *scope[] = {o1, o2, NULL};
    for (int i = 0; i < 8; i++)
        auth_seen[i] = -1;
    struct done d = {0};
    run_one("/redir", scope, &d, 65536);
    assert_int_equal(d.ec, TG_EC_NONE);
    assert_string_equal(d.body, "ok");
    assert_int_equal(auth_seen[0], 1); /* the first host got it */
    assert_int_equal(auth_seen[1], 0); /* the other host did not */

    struct done d2 = {0};
    run_one("/same", scope, &d2, 65536);
    assert_int_equal(d2.ec, TG_EC_NONE);
    assert_int_equal(auth_seen[3], 1); /* same origin: still sent */
}

static void test_fetch__redirect_out_of_scope(void **s)
{
    (void)s;
    char o1[64];
    snprintf(o1, sizeof o1, "http://127.0.0.1:%d", port);
    const char *scope[] = {o1, NULL};
    auth_seen[1] = -1;
    struct done d = {0};
    run_one("/redir", scope, &d, 65536);
    assert_int_equal(d.ec, TG_EC_SCOPE);
    assert_int_equal(auth_seen[1], -1); /* never fetched */
}

static void test_fetch__header_cap(void **s)
{
    (void)s;
    struct done d = {0};
    run_one("/bighdr", NULL, &d, 16384);
    assert_int_equal(d.ec, TG_EC_TOOBIG);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fetch__no_auth_to_another_host),
        cmocka_unit_test(test_fetch__redirect_out_of_scope),
        cmocka_unit_test(test_fetch__header_cap),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
