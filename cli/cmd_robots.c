/* trendguard robots check|parse - robots.txt (RFC 9309) from a file. */
#include "cli.h"
#include "trendguard/error.h"
#include "trendguard/robots.h"
#include "trendguard/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_AGENT "TrendGuard"

static void help(FILE *out)
{
    fprintf(out, "usage: trendguard robots check --robots FILE [--agent UA] URL...\n"
                 "       trendguard robots parse [--agent UA] FILE...\n\n"
                 "check  print 'URL allowed' or 'URL disallowed' for each URL (exit 0)\n"
                 "parse  print 'FILE: N rules for AGENT, crawl-delay D' for each file\n"
                 "  --robots FILE  the robots.txt to check against ('-' = stdin)\n"
                 "  --agent UA     user agent; its product token (e.g. TrendGuard from\n"
                 "                 'TrendGuard/0.1 (+https://...)') selects the groups\n"
                 "                 (default " DEFAULT_AGENT ")\n"
                 "Matching follows RFC 9309 as Google's parser applies it: longest match wins,\n"
                 "Allow wins ties, '*' and a final '$'; the first 512 KiB are parsed.\n");
}

static int slurp(const char *path, tg_buf *b)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return errno == ENOENT ? TG_ENOTFOUND : TG_EIO;
    char chunk[65536];
    size_t n;
    int ret = TG_OK;
    /* read at most the parsed limit; the rest is ignored as RFC 9309 allows */
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        size_t room = TG_ROBOTS_MAX_BYTES - b->len;
        if ((ret = tg_buf_add(b, chunk, n < room ? n : room)) != TG_OK || n >= room)
            break;
    }
    if (ferror(f))
        ret = TG_EIO;
    if (f != stdin)
        fclose(f);
    return ret;
}

int tg_cmd_robots(int argc, char **argv)
{
    static const struct option opts[] = {{"robots", required_argument, NULL, 'r'},
                                         {"agent", required_argument, NULL, 'a'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *robots = NULL, *agent = DEFAULT_AGENT;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:a:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            robots = optarg;
            break;
        case 'a':
            agent = optarg;
            break;
        case 'h':
            help(stdout);
            return 0;
        default:
            return tg_cli_usage("robots", "bad option");
        }
    }
    if (optind >= argc)
        return tg_cli_usage("robots", "expected check or parse");
    const char *verb = argv[optind++];
    if (!strcmp(verb, "check")) {
        if (!robots)
            return tg_cli_usage("robots", "check needs --robots FILE");
        tg_buf b;
        tg_buf_init(&b, TG_ROBOTS_MAX_BYTES);
        int err = slurp(robots, &b);
        if (err) {
            tg_buf_free(&b);
            return tg_cli_fail("robots", err, "%s: %s", robots, strerror(errno));
        }
        tg_robots *r = NULL;
        err = tg_robots_parse(b.data, b.len, agent, &r);
        tg_buf_free(&b);
        if (err)
            return tg_cli_fail("robots", err, "%s: %s", robots, tg_strerror(err));
        for (int i = optind; i < argc; i++)
            printf("%s %s\n", argv[i], tg_robots_allowed(r, argv[i]) ? "allowed" : "disallowed");
        tg_robots_free(&r);
        return fflush(stdout) ? TG_EX_IOERR : 0;
    }
    if (!strcmp(verb, "parse")) {
        if (robots)
            argv[--optind] = (char *)robots;
        if (optind >= argc)
            return tg_cli_usage("robots", "parse needs FILE");
        int rc = 0;
        for (int i = optind; i < argc; i++) {
            tg_buf b;
            tg_buf_init(&b, TG_ROBOTS_MAX_BYTES);
            int err = slurp(argv[i], &b);
            tg_robots *r = NULL;
            if (!err)
                err = tg_robots_parse(b.data, b.len, agent, &r);
            tg_buf_free(&b);
            if (err) {
                rc = tg_cli_fail("robots", err, "%s: %s", argv[i], tg_strerror(err));
                continue;
            }
            printf("%s: %zu rules for %s, crawl-delay %g\n", argv[i], tg_robots_rule_count(r),
                   agent, tg_robots_crawl_delay(r));
            tg_robots_free(&r);
        }
        return rc;
    }
    return tg_cli_usage("robots", "unknown verb '%s' (expected check or parse)", verb);
}
