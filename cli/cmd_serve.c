/* trendguard serve - dashboard, JSON API and metrics over the store (web/). */
#include "cli.h"

#include "trendguard/error.h"
#include "trendguard/store.h"
#include "trendguard/web.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "usage: trendguard serve -c FILE [--port N] [--bind ADDR] [--port-file F] [--threads N]\n"
    "       trendguard serve -c FILE --static-out DIR\n"
    "\n"
    "Serve the manager dashboard (HTML with inline SVG charts), the JSON API\n"
    "(/v1/trends, /v1/trends/{hashtag}/series, /v1/products/{id}/prices,\n"
    "/v1/products/{id}/nudge, POST /v1/score, POST /v1/cart/nudge), Prometheus\n"
    "metrics (/metrics) and /healthz over a read-only view of the store\n"
    "(docs/API.md). The store may be written by a crawl at the same time.\n"
    "\n"
    "Binding to anything but loopback requires a bearer token ([serve] token or\n"
    "token_env, 16+ characters); every route but /healthz then needs\n"
    "'Authorization: Bearer TOKEN'. Without a token such a bind is refused.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE    configuration (or $TRENDGUARD_CONFIG)\n"
    "  -p, --port N         port (default [serve] port; 0 = a free port, printed)\n"
    "  -b, --bind ADDR      IPv4 address (default [serve] bind, 127.0.0.1)\n"
    "      --port-file F    write the bound port to F once listening\n"
    "      --threads N      server threads (default 2)\n"
    "      --static-out DIR write every dashboard page as static HTML into DIR and exit\n"
    "  -h, --help           this help\n";

int tg_cmd_serve(int argc, char **argv)
{
    static const struct option lo[] = {
        {"config", required_argument, NULL, 'c'},  {"port", required_argument, NULL, 'p'},
        {"bind", required_argument, NULL, 'b'},    {"port-file", required_argument, NULL, 'P'},
        {"threads", required_argument, NULL, 't'}, {"static-out", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    const char *cpath = NULL, *bind = NULL, *port_file = NULL, *static_out = NULL;
    long port = -1, threads = 2;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:p:b:h", lo, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'c':
            cpath = optarg;
            break;
        case 'b':
            bind = optarg;
            break;
        case 'P':
            port_file = optarg;
            break;
        case 's':
            static_out = optarg;
            break;
        case 'p':
            port = strtol(optarg, &end, 10);
            if (!*optarg || *end || port < 0 || port > 65535)
                return tg_cli_usage("serve", "bad --port '%s' (0..65535)", optarg);
            break;
        case 't':
            threads = strtol(optarg, &end, 10);
            if (!*optarg || *end || threads < 1 || threads > 64)
                return tg_cli_usage("serve", "bad --threads '%s' (1..64)", optarg);
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return tg_cli_usage("serve", "bad option");
        }
    }
    if (optind < argc)
        return tg_cli_usage("serve", "unexpected argument '%s'", argv[optind]);

    tg_config cfg;
    int ex = tg_cli_load_config("serve", cpath, &cfg);
    if (ex) {
        tg_config_free(&cfg); /* a failed load may hold defaults */
        return ex;
    }
    tg_store *s = NULL;
    tg_web *w = NULL;
    int rc = tg_store_open_ex(&s, cfg.store_path, TG_STORE_RDONLY, cfg.map_size_mb);
    if (rc) {
        ex = tg_cli_fail("serve", rc, "%s: cannot open the store: %s", cfg.store_path,
                         tg_strerror(rc));
        goto out;
    }
    if ((rc = tg_web_open(&w, &cfg, s))) {
        ex = tg_cli_fail("serve", rc, "cannot load the store: %s", tg_strerror(rc));
        goto out;
    }
    if (static_out) {
        int n = 0;
        if ((rc = tg_web_write_static(w, static_out, &n)))
            ex = tg_cli_fail("serve", rc, "%s: static pages not written: %s", static_out,
                             tg_strerror(rc));
        else
            printf("wrote %d pages to %s\n", n, static_out);
        goto out;
    }
    tg_web_listen l = {
        .bind = bind ? bind : cfg.serve_bind,
        .port = (int)(port >= 0 ? port : cfg.serve_port),
        .threads = (int)threads,
        .token = tg_config_secret(cfg.serve_token, cfg.serve_token_env),
    };
    if ((rc = tg_web_start(w, &l))) {
        ex = tg_cli_fail("serve", rc, "not serving (%s)", tg_strerror(rc));
        goto out;
    }
    const char *b = l.bind && *l.bind ? l.bind : "127.0.0.1";
    printf("serving on http://%s:%d/\n", b, tg_web_port(w));
    if (!tg_web_is_loopback(b))
        printf("bound to a non-loopback address: every route but /healthz requires "
               "'Authorization: Bearer <token>'\n");
    fflush(stdout);
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (!f || fprintf(f, "%d\n", tg_web_port(w)) < 0 || fclose(f) != 0) {
            ex = tg_cli_fail("serve", TG_EIO, "%s: cannot write the port file", port_file);
            goto out;
        }
    }
    tg_cli_catch_signals();
    while (!tg_cli_stop) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "serve: stopping\n");
out:
    tg_web_close(&w);
    tg_store_close(&s);
    tg_config_free(&cfg);
    return ex;
}
