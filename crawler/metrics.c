/*
 * --metrics-port: Prometheus text exposition of the crawl's counters on
 * 127.0.0.1 only (libmicrohttpd, its own thread). The loop thread publishes
 * a snapshot under a mutex every tick; the HTTP thread only reads that
 * snapshot, so no counter is read while it is being written.
 */
#include "crawler/crawl_int.h"
#include "trendguard/error.h"
#include "trendguard/log.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct tg_metrics {
    struct MHD_Daemon *d;
    pthread_mutex_t mu;
    tg_metrics_snap snap;
    int port;
};

static enum MHD_Result on_req(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    tg_metrics *m = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return MHD_NO;
    struct MHD_Response *r;
    unsigned code = MHD_HTTP_OK;
    if (strcmp(url, "/metrics") != 0) {
        static const char nf[] = "not found: try /metrics\n";
        r = MHD_create_response_from_buffer(sizeof nf - 1, (void *)nf, MHD_RESPMEM_PERSISTENT);
        code = MHD_HTTP_NOT_FOUND;
    } else {
        tg_metrics_snap s;
        pthread_mutex_lock(&m->mu);
        s = m->snap;
        pthread_mutex_unlock(&m->mu);
        tg_buf b;
        tg_buf_init(&b, 1 << 16);
        tg_buf_printf(&b,
                      "# HELP tg_crawl_fetched_total Responses received.\n"
                      "# TYPE tg_crawl_fetched_total counter\ntg_crawl_fetched_total %llu\n"
                      "# HELP tg_crawl_pages_stored_total Pages whose records were committed.\n"
                      "# TYPE tg_crawl_pages_stored_total counter\n"
                      "tg_crawl_pages_stored_total %llu\n"
                      "# HELP tg_crawl_records_total Records written.\n"
                      "# TYPE tg_crawl_records_total counter\ntg_crawl_records_total %llu\n"
                      "# HELP tg_crawl_retries_total Retries scheduled.\n"
                      "# TYPE tg_crawl_retries_total counter\ntg_crawl_retries_total %llu\n"
                      "# HELP tg_crawl_bytes_total Body bytes received (decompressed).\n"
                      "# TYPE tg_crawl_bytes_total counter\ntg_crawl_bytes_total %llu\n"
                      "# HELP tg_crawl_commits_total Store write transactions.\n"
                      "# TYPE tg_crawl_commits_total counter\ntg_crawl_commits_total %llu\n"
                      "# HELP tg_crawl_in_flight Transfers in flight.\n"
                      "# TYPE tg_crawl_in_flight gauge\ntg_crawl_in_flight %d\n"
                      "# HELP tg_crawl_queued Items leased and waiting to start.\n"
                      "# TYPE tg_crawl_queued gauge\ntg_crawl_queued %zu\n"
                      "# HELP tg_crawl_errors_total Failed fetches by error class.\n"
                      "# TYPE tg_crawl_errors_total counter\n",
                      (unsigned long long)s.st.fetched, (unsigned long long)s.st.pages_stored,
                      (unsigned long long)s.st.records, (unsigned long long)s.st.retries,
                      (unsigned long long)s.st.bytes, (unsigned long long)s.st.commits, s.inflight,
                      s.queued);
        for (int i = 1; i < TG_EC__COUNT; i++)
            tg_buf_printf(&b, "tg_crawl_errors_total{class=\"%s\"} %llu\n",
                          tg_crawl_errclass_name((tg_errclass)i),
                          (unsigned long long)s.st.errors[i]);
        tg_buf_printf(&b, "# HELP tg_crawl_budget_left Requests left in today's API budget.\n"
                          "# TYPE tg_crawl_budget_left gauge\n");
        for (int i = 0; i < 2; i++)
            if (s.budget_src[i][0])
                tg_buf_printf(&b, "tg_crawl_budget_left{source=\"%s\"} %ld\n", s.budget_src[i],
                              s.budget_left[i]);
        r = MHD_create_response_from_buffer(b.len, b.data ? b.data : (void *)"",
                                            MHD_RESPMEM_MUST_COPY);
        tg_buf_free(&b);
    }
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
    enum MHD_Result ok = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ok;
}

int tg_metrics__start(tg_metrics **out, int port)
{
    tg_metrics *m = tg_calloc(1, sizeof *m);
    if (!m)
        return TG_ENOMEM;
    pthread_mutex_init(&m->mu, NULL);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)(port > 0 ? port : 0));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            on_req, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_CONNECTION_LIMIT, 16U, MHD_OPTION_CONNECTION_TIMEOUT, 10U,
                            MHD_OPTION_END);
    if (!m->d) {
        pthread_mutex_destroy(&m->mu);
        tg_free(m);
        tg_error("crawl", "metrics: cannot listen on 127.0.0.1:%d", port);
        return TG_EIO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
    m->port = di ? di->port : port;
    *out = m;
    return TG_OK;
}

int tg_metrics__port(const tg_metrics *m)
{
    return m->port;
}

void tg_metrics__publish(tg_metrics *m, const tg_metrics_snap *s)
{
    pthread_mutex_lock(&m->mu);
    m->snap = *s;
    pthread_mutex_unlock(&m->mu);
}

void tg_metrics__stop(tg_metrics **mp)
{
    tg_metrics *m = *mp;
    if (!m)
        return;
    MHD_stop_daemon(m->d);
    pthread_mutex_destroy(&m->mu);
    tg_free(m);
    *mp = NULL;
}
