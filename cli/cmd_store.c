/* trendguard store stats|get|scan|backup|sink : inspect the trend store. */
#include "cli.h"

#include "trendguard/error.h"
#include "trendguard/store.h"
#include "trendguard/store_write.h"
#include "trendguard/util.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: trendguard store stats [--format text|json]      (-c CONFIG | --store DIR)\n"
            "       trendguard store get --db NAME KEY [--hex]\n"
            "       trendguard store scan --db NAME [--prefix P] [--hex] [--limit N]\n"
            "       trendguard store backup DIR\n"
            "       trendguard store sink [options]   (fleet mode; see store sink --help)\n\n"
            "stats   entries and bytes per database and the last write time; --format json\n"
            "        prints {\"databases\": {NAME: {\"entries\": N, \"bytes\": N}, ...},\n"
            "        \"last_write\": \"...\"}\n"
            "get     one entry as a JSON line (exit 66 when absent)\n"
            "scan    entries in key order as JSON lines; records are decoded, other\n"
            "        databases print key_hex/value_hex\n"
            "backup  a consistent, compacted copy into DIR (safe while a writer runs)\n\n"
            "KEY / --prefix: the text of the key (an id; meta key names), a decimal video id\n"
            "for videos and snapshots, SOURCE:ID for listings (e.g. ebay:123); --hex takes\n"
            "the raw key bytes in hex (composite keys: docs/STORE.md).\n"
            "databases:");
    for (int i = 0; i < TG_DB__COUNT; i++)
        fprintf(out, " %s", tg_db_name((tg_db)i));
    fprintf(out, "\n\noptions:\n"
                 "  -c, --config FILE  config ([store] path)\n"
                 "      --store DIR    the store directory (overrides the config's)\n"
                 "      --db NAME      database for get/scan\n"
                 "      --prefix P     scan only keys starting with P\n"
                 "      --hex          KEY/--prefix are hex bytes\n"
                 "      --limit N      scan at most N entries\n"
                 "      --format F     stats output: text (default) or json\n"
                 "  -h, --help         this help\n");
}

static int from_hex(const char *s, tg_buf *out)
{
    size_t n = strlen(s);
    if (n % 2)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]))
            return -1;
        char b[3] = {s[i], s[i + 1], 0};
        if (tg_buf_addc(out, (char)strtoul(b, NULL, 16)))
            return -1;
    }
    return 0;
}

/* Encode a user-given key (or prefix) for db; full=1 adds the string terminator. */
static int user_key(tg_db db, const char *s, int hex, int full, tg_buf *out)
{
    if (hex)
        return from_hex(s, out);
    if (db == TG_DB_VIDEOS || db == TG_DB_SNAPSHOTS) {
        char *end;
        errno = 0;
        unsigned long long id = strtoull(s, &end, 10);
        if (*end || errno || !*s)
            return -1;
        unsigned char b[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (unsigned char)(id & 0xff);
            id >>= 8;
        }
        return tg_buf_add(out, b, 8) ? -1 : 0;
    }
    if (db == TG_DB_LISTINGS) {
        const char *colon = strchr(s, ':');
        if (!colon)
            return -1;
        char src[32];
        snprintf(src, sizeof src, "%.*s", (int)(colon - s), s);
        tg_source so = tg_store_source_parse(src);
        if (!so)
            return -1;
        if (tg_buf_addc(out, (char)so) || tg_buf_adds(out, colon + 1))
            return -1;
        return full && tg_buf_add(out, "", 1) ? -1 : 0;
    }
    if (tg_buf_adds(out, s))
        return -1;
    int terminated = db != TG_DB_META && db != TG_DB_FRONTIER && db != TG_DB_FRONTIER_IDX &&
                     db != TG_DB_SEEN && db != TG_DB_ROBOTS && db != TG_DB_QUOTAS &&
                     db != TG_DB_FETCHLOG && db != TG_DB_MODELS;
    return full && terminated && tg_buf_add(out, "", 1) ? -1 : 0;
}

typedef struct {
    tg_db db;
    long limit, n;
    tg_buf line;
    int err;
} scan_ctx;

static int scan_cb(const void *k, size_t kl, const void *v, size_t vl, void *c)
{
    scan_ctx *x = c;
    if (x->limit >= 0 && x->n >= x->limit)
        return 1;
    tg_buf_reset(&x->line);
    x->err = tg_store_entry_json(x->db, k, kl, v, vl, &x->line);
    if (x->err)
        return 2;
    fwrite(x->line.data, 1, x->line.len, stdout);
    fputc('\n', stdout);
    x->n++;
    return 0;
}

static int do_stats(tg_store_read *r, tg_fmt fmt)
{
    tg_store_db_stat st[TG_DB__COUNT];
    int n = tg_store_stats(r, st, TG_DB__COUNT);
    if (n < 0)
        return n;
    const void *lw;
    size_t lwl;
    char last[64] = "";
    if (tg_store_meta_get(r, "last_write", &lw, &lwl) == TG_OK && lwl < sizeof last) {
        memcpy(last, lw, lwl);
        last[lwl] = 0;
    }
    if (fmt == TG_FMT_JSON || fmt == TG_FMT_JSONL) {
        printf("{\"databases\": {");
        for (int i = 0; i < n; i++)
            printf("%s\"%s\": {\"entries\": %zu, \"bytes\": %zu}", i ? ", " : "", st[i].name,
                   st[i].entries, st[i].bytes);
        if (last[0])
            printf("}, \"last_write\": \"%s\"}\n", last);
        else
            printf("}, \"last_write\": null}\n");
        return 0;
    }
    printf("%-14s %12s %14s\n", "database", "entries", "bytes");
    for (int i = 0; i < n; i++)
        printf("%-14s %12zu %14zu\n", st[i].name, st[i].entries, st[i].bytes);
    printf("last_write: %s\n", last[0] ? last : "never");
    return 0;
}

int tg_cmd_store(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "sink") == 0)
        return tg_cmd_store_sink(argc - 1, argv + 1);
    enum { O_STORE = 256, O_DB, O_PREFIX, O_HEX, O_LIMIT, O_FORMAT };
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"store", required_argument, NULL, O_STORE},
                                         {"db", required_argument, NULL, O_DB},
                                         {"prefix", required_argument, NULL, O_PREFIX},
                                         {"hex", no_argument, NULL, O_HEX},
                                         {"limit", required_argument, NULL, O_LIMIT},
                                         {"format", required_argument, NULL, O_FORMAT},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *cfgpath = NULL, *store_path = NULL, *dbname = NULL, *prefix = NULL;
    int hex = 0, c;
    long limit = -1;
    tg_fmt fmt = TG_FMT_TEXT;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfgpath = optarg;
            break;
        case O_STORE:
            store_path = optarg;
            break;
        case O_DB:
            dbname = optarg;
            break;
        case O_PREFIX:
            prefix = optarg;
            break;
        case O_HEX:
            hex = 1;
            break;
        case O_LIMIT: {
            char *end;
            errno = 0;
            limit = strtol(optarg, &end, 10);
            if (*end || errno || limit < 0)
                return tg_cli_usage("store", "--limit wants a number >= 0");
            break;
        }
        case O_FORMAT:
            if (tg_cli_parse_format(optarg, &fmt) || fmt == TG_FMT_CSV)
                return tg_cli_usage("store", "--format wants text or json");
            break;
        case 'h':
            help(stdout);
            return 0;
        default:
            return tg_cli_usage("store", "bad option");
        }
    }
    if (optind >= argc)
        return tg_cli_usage("store", "expected stats, get, scan, backup or sink");
    const char *verb = argv[optind++];
    int nargs = argc - optind;
    int want = strcmp(verb, "get") == 0 || strcmp(verb, "backup") == 0 ? 1 : 0;
    if (strcmp(verb, "stats") && strcmp(verb, "get") && strcmp(verb, "scan") &&
        strcmp(verb, "backup"))
        return tg_cli_usage("store", "unknown verb '%s'", verb);
    if (nargs != want)
        return tg_cli_usage("store", "%s: expected %d argument%s", verb, want,
                            want == 1 ? "" : "s");
    int db = -1;
    if (strcmp(verb, "get") == 0 || strcmp(verb, "scan") == 0) {
        if (!dbname)
            return tg_cli_usage("store", "%s needs --db NAME", verb);
        db = tg_db_parse(dbname);
        if (db < 0)
            return tg_cli_usage("store", "no database '%s' (see --help)", dbname);
    }

    tg_config cfg;
    tg_store *s = NULL;
    tg_store_read *r = NULL;
    tg_buf key;
    tg_buf_init(&key, 511);
    int rc;
    int ex = tg_cli_open_store("store", cfgpath, store_path, TG_STORE_RDONLY, &cfg, &s);
    if (ex)
        goto out;
    if (strcmp(verb, "backup") == 0) {
        rc = tg_store_backup(s, argv[optind]);
        if (rc)
            ex = tg_cli_fail("store", rc, "backup to %s: %s", argv[optind], tg_strerror(rc));
        else
            printf("backup: %s\n", argv[optind]);
        goto out;
    }
    rc = tg_store_read_begin(s, &r);
    if (rc) {
        ex = tg_cli_fail("store", rc, "%s", tg_strerror(rc));
        goto out;
    }
    if (strcmp(verb, "stats") == 0) {
        rc = do_stats(r, fmt);
        if (rc)
            ex = tg_cli_fail("store", rc, "stats: %s", tg_strerror(rc));
        goto out;
    }
    if (strcmp(verb, "get") == 0) {
        if (user_key((tg_db)db, argv[optind], hex, 1, &key) || key.len == 0) {
            ex = tg_cli_usage("store", "bad key '%s' for %s", argv[optind], dbname);
            goto out;
        }
        const void *v;
        size_t vl;
        rc = tg_store_raw_get(r, (tg_db)db, key.data, key.len, &v, &vl);
        if (rc) {
            ex = tg_cli_fail("store", rc, "%s: %s", argv[optind], tg_strerror(rc));
            goto out;
        }
        scan_ctx x = {(tg_db)db, -1, 0, {0}, 0};
        tg_buf_init(&x.line, 0);
        scan_cb(key.data, key.len, v, vl, &x);
        tg_buf_free(&x.line);
        goto out;
    }
    /* scan */
    if (prefix && user_key((tg_db)db, prefix, hex, 0, &key)) {
        ex = tg_cli_usage("store", "bad prefix '%s' for %s", prefix, dbname);
        goto out;
    }
    scan_ctx x = {(tg_db)db, limit, 0, {0}, 0};
    tg_buf_init(&x.line, 0);
    rc = tg_store_raw_iter(r, (tg_db)db, key.data, key.len, scan_cb, &x);
    tg_buf_free(&x.line);
    if (rc == 2 || x.err)
        ex = tg_cli_fail("store", x.err ? x.err : TG_EINTERNAL, "scan: output error");
    else if (rc < 0)
        ex = tg_cli_fail("store", rc, "scan: %s", tg_strerror(rc));
out:
    if (fflush(stdout) != 0 && !ex)
        ex = TG_EX_IOERR;
    tg_buf_free(&key);
    tg_store_read_end(&r);
    tg_store_close(&s);
    tg_config_free(&cfg);
    return ex;
}
