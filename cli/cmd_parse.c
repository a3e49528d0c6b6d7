/* trendguard parse [--as KIND] [KIND] FILE - a saved page/response as JSON lines. */
#include "cli.h"
#include "trendguard/error.h"
#include "trendguard/parser.h"
#include "trendguard/util.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void help(FILE *out)
{
    fprintf(
        out,
        "usage: trendguard parse [--as KIND] [--base URL] [--links] [--out FILE] [KIND] FILE\n\n"
        "Parse a saved API response or page and print one JSON line per record, then\n"
        "{\"summary\": {\"records\": N, \"layout\": \"s-item|s-card|json|none\", \"blocked\": "
        "B}}.\n\n"
        "KIND: tiktok-query, tiktok-comments, tiktok-user, ebay-browse, ebay-sold\n"
        "      (ebay-sold-html), ebay-listings, poshmark-item (poshmark-post),\n"
        "      poshmark-search (poshmark-posts), auto (default)\n"
        "  --as KIND     the kind (same as the positional KIND)\n"
        "  --base URL    resolve relative links of HTML pages against URL\n"
        "                (default for eBay pages: https://www.ebay.com/)\n"
        "  --links       also print {\"link\": URL} for every <a href> (ebay-listings)\n"
        "  --out FILE    write to FILE instead of stdout\n"
        "  --repeat N    parse N times and print only a timing line (benchmarks):\n"
        "                {\"bench\": {\"bytes\", \"records\", \"runs\", \"cpu_s\", \"mb_s\", "
        "\"records_s\"}}\n"
        "Videos: {\"id\", \"create_time\", \"username\", \"description\", \"region\", "
        "\"hashtags\",\n"
        "         \"views\", \"likes\", \"comments\", \"shares\"} (absent counts are null)\n"
        "Comments: {\"id\", \"video_id\", \"parent_comment_id\", \"create_time\", \"text\",\n"
        "         \"likes\", \"replies\"}; users: {\"display_name\", \"bio\", \"avatar_url\",\n"
        "         \"verified\", \"followers\", \"following\", \"likes\", \"videos\"}\n"
        "Listings: {\"source\", \"id\", \"title\", \"price\", \"price_high\" (ranges only),\n"
        "         \"original_price\" (when shown), \"currency\", \"status\", \"sold_at\" (when\n"
        "         known, YYYY-MM-DD), \"url\", ...source extras}\n"
        "Exit: 0 ok, 65 block page, API error object or unparsable input,\n"
        "      66/74 cannot read FILE.\n");
}

static int read_file(const char *path, tg_buf *b)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return errno == ENOENT ? TG_ENOTFOUND : TG_EIO;
    char chunk[65536];
    size_t n;
    int ret = TG_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if ((ret = tg_buf_add(b, chunk, n)) != TG_OK)
            break;
    if (ret == TG_OK && ferror(f))
        ret = TG_EIO;
    if (f != stdin)
        fclose(f);
    if (ret == TG_OK && !b->data)
        ret = tg_buf_add(b, "", 0) == TG_OK && b->data ? TG_OK : TG_OK;
    return ret;
}

static json_t *count_json(int64_t v)
{
    return v < 0 ? json_null() : json_integer((json_int_t)v);
}

static const char *source_name(tg_source s)
{
    switch (s) {
    case TG_SRC_TIKTOK:
        return "tiktok";
    case TG_SRC_EBAY:
        return "ebay";
    case TG_SRC_EBAY_SOLD:
        return "ebay_sold";
    case TG_SRC_POSHMARK:
        return "poshmark";
    default:
        return "site";
    }
}

static void put_str(json_t *o, const char *k, const char *v)
{
    if (v)
        json_object_set_new(o, k, json_string(v));
}

static int emit(FILE *out, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(o);
    if (!s)
        return TG_ENOMEM;
    fputs(s, out);
    fputc('\n', out);
    free(s);
    return TG_OK;
}

static void put_money(json_t *o, const char *k, double v)
{
    if (!isnan(v))
        json_object_set_new(o, k, json_real(v));
}

int tg_cmd_parse(int argc, char **argv)
{
    static const struct option opts[] = {{"as", required_argument, NULL, 'a'},
                                         {"base", required_argument, NULL, 'b'},
                                         {"links", no_argument, NULL, 'l'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"repeat", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *kind_s = NULL, *base = NULL, *outp = NULL, *path = NULL;
    bool links = false;
    long repeat = 0;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "a:b:lo:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            kind_s = optarg;
            break;
        case 'b':
            base = optarg;
            break;
        case 'l':
            links = true;
            break;
        case 'o':
            outp = optarg;
            break;
        case 'r': {
            char *end;
            repeat = strtol(optarg, &end, 10);
            if (*end || repeat < 1 || repeat > 1000000)
                return tg_cli_usage("parse", "--repeat: expected 1..1000000");
            break;
        }
        case 'h':
            help(stdout);
            return 0;
        default:
            return tg_cli_usage("parse", "bad option");
        }
    }
    if (argc - optind == 2 && !kind_s) {
        kind_s = argv[optind++];
    }
    if (argc - optind != 1)
        return tg_cli_usage("parse", "expected [KIND] FILE");
    path = argv[optind];
    int kind = tg_parse_kind_from_name(kind_s ? kind_s : "auto");
    if (kind < 0)
        return tg_cli_usage("parse", "unknown kind '%s'", kind_s);
    if (links && kind == TG_PARSE_EBAY_SOLD)
        kind = TG_PARSE_EBAY_LISTINGS;

    if (!base && (kind == TG_PARSE_EBAY_SOLD || kind == TG_PARSE_AUTO))
        base = "https://www.ebay.com/"; /* saved eBay pages carry site-relative links */
    tg_buf b;
    tg_buf_init(&b, TG_PARSE_MAX_INPUT + 1);
    int err = read_file(path, &b);
    if (err == TG_ETOOBIG)
        return tg_cli_fail("parse", err, "%s: larger than %u bytes", path, TG_PARSE_MAX_INPUT);
    if (err) {
        tg_buf_free(&b);
        return tg_cli_fail("parse", err, "%s: %s", path, strerror(errno));
    }
    tg_parse_result r;
    if (repeat) {
        /* CPU time of this thread: MB/s per core, whatever else runs */
        struct timespec t0, t1;
        size_t records = 0;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        for (long i = 0; i < repeat; i++) {
            err = tg_parse((tg_parse_kind)kind, b.data ? b.data : "", b.len, base, &r);
            records += r.n_videos + r.n_listings + r.n_comments + r.n_users;
            tg_parse_result_free(&r);
            if (err && err != TG_EBLOCKED)
                break;
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        double cpu = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        size_t bytes = b.len;
        tg_buf_free(&b);
        if (err && err != TG_EBLOCKED)
            return tg_cli_fail("parse", err, "%s: %s", path, tg_strerror(err));
        printf("{\"bench\": {\"bytes\": %zu, \"records\": %zu, \"runs\": %ld, \"cpu_s\": %.6f, "
               "\"mb_s\": %.1f, \"records_s\": %.0f}}\n",
               bytes, records / (size_t)repeat, repeat, cpu,
               cpu > 0 ? (double)bytes * (double)repeat / 1e6 / cpu : 0.0,
               cpu > 0 ? (double)records / cpu : 0.0);
        return 0;
    }
    err = tg_parse((tg_parse_kind)kind, b.data ? b.data : "", b.len, base, &r);
    tg_buf_free(&b);
    if (err && err != TG_EBLOCKED) {
        tg_parse_result_free(&r);
        return tg_cli_fail("parse", err, "%s: %s", path, tg_strerror(err));
    }
    FILE *out = tg_cli_open_out("parse", outp);
    if (!out) {
        tg_parse_result_free(&r);
        return TG_EX_CANTCREAT;
    }
    for (size_t i = 0; i < r.n_videos; i++) {
        const tg_parse_video *v = &r.videos[i];
        json_t *o = json_object(), *tags = json_array();
        json_object_set_new(o, "id", json_integer((json_int_t)v->id));
        json_object_set_new(o, "create_time", json_integer(v->create_time));
        put_str(o, "username", v->username);
        put_str(o, "description", v->description);
        put_str(o, "region", v->region);
        for (size_t k = 0; k < v->n_hashtags; k++)
            json_array_append_new(tags, json_string(v->hashtags[k]));
        json_object_set_new(o, "hashtags", tags);
        json_object_set_new(o, "views", count_json(v->views));
        json_object_set_new(o, "likes", count_json(v->likes));
        json_object_set_new(o, "comments", count_json(v->comments));
        json_object_set_new(o, "shares", count_json(v->shares));
        emit(out, o);
    }
    for (size_t i = 0; i < r.n_comments; i++) {
        const tg_parse_comment *cm = &r.comments[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer((json_int_t)cm->id));
        json_object_set_new(o, "video_id", json_integer((json_int_t)cm->video_id));
        json_object_set_new(o, "parent_comment_id",
                            json_integer((json_int_t)cm->parent_comment_id));
        json_object_set_new(o, "create_time", json_integer(cm->create_time));
        put_str(o, "text", cm->text);
        json_object_set_new(o, "likes", count_json(cm->likes));
        json_object_set_new(o, "replies", count_json(cm->replies));
        emit(out, o);
    }
    for (size_t i = 0; i < r.n_users; i++) {
        const tg_parse_user *u = &r.users[i];
        json_t *o = json_object();
        put_str(o, "display_name", u->display_name);
        put_str(o, "bio", u->bio);
        put_str(o, "avatar_url", u->avatar_url);
        json_object_set_new(o, "verified", json_boolean(u->verified));
        json_object_set_new(o, "followers", count_json(u->followers));
        json_object_set_new(o, "following", count_json(u->following));
        json_object_set_new(o, "likes", count_json(u->likes));
        json_object_set_new(o, "videos", count_json(u->videos));
        emit(out, o);
    }
    for (size_t i = 0; i < r.n_listings; i++) {
        const tg_parse_listing *l = &r.listings[i];
        json_t *o = json_object();
        char d[32];
        put_str(o, "source", source_name(l->base.source));
        put_str(o, "id", l->base.listing_id);
        put_str(o, "title", l->base.title);
        put_money(o, "price", l->base.price_low);
        if (!isnan(l->base.price_high) && l->base.price_high != l->base.price_low)
            put_money(o, "price_high", l->base.price_high);
        put_money(o, "original_price", l->base.original_price);
        put_str(o, "currency", l->base.currency);
        put_str(o, "status", l->base.status == TG_LISTING_SOLD ? "sold" : "active");
        if (l->base.sold_at)
            put_str(o, "sold_at", tg_date_format(l->base.sold_at, d, sizeof d));
        put_str(o, "url", l->base.url);
        put_str(o, "item_id", l->item_id);
        put_str(o, "condition", l->condition);
        put_str(o, "end_date", l->end_date);
        put_str(o, "buying_options", l->buying_options);
        put_str(o, "brand", l->brand);
        put_str(o, "size", l->size);
        put_str(o, "inventory_status", l->inventory_status);
        if (l->created_at)
            put_str(o, "created_at", tg_time_format(l->created_at, d, sizeof d));
        if (l->status_changed_at)
            put_str(o, "status_changed_at", tg_time_format(l->status_changed_at, d, sizeof d));
        if (l->likes >= 0)
            json_object_set_new(o, "likes", json_integer(l->likes));
        emit(out, o);
    }
    if (links) {
        for (size_t i = 0; i < r.n_links; i++) {
            json_t *o = json_object();
            put_str(o, "link", r.links[i]);
            emit(out, o);
        }
    }
    json_t *s = json_object();
    json_object_set_new(
        s, "records",
        json_integer((json_int_t)(r.n_videos + r.n_listings + r.n_comments + r.n_users)));
    put_str(s, "layout", tg_parse_layout_name(r.layout));
    json_object_set_new(s, "blocked", json_boolean(r.blocked));
    put_str(s, "kind", tg_parse_kind_name(r.kind));
    if (r.total >= 0)
        json_object_set_new(s, "total", json_integer(r.total));
    if (r.cursor >= 0)
        json_object_set_new(s, "cursor", json_integer(r.cursor));
    put_str(s, "search_id", r.search_id);
    json_object_set_new(s, "has_more", json_boolean(r.has_more));
    put_str(s, "next", r.next);
    put_str(s, "next_max_id", r.next_max_id);
    put_str(s, "error_code", r.error_code);
    put_str(s, "error_message", r.error_message);
    json_t *top = json_object();
    json_object_set_new(top, "summary", s);
    emit(out, top);
    rc = tg_cli_close_out("parse", out);
    if (r.blocked && !rc) {
        fprintf(stderr, "trendguard parse: %s: blocked page (%s)\n", path,
                tg_strerror(TG_EBLOCKED));
        rc = tg_exit_code(TG_EBLOCKED);
    }
    if (r.api_err != TG_APIERR_NONE && !rc) {
        fprintf(stderr, "trendguard parse: %s: API error %s: %s\n", path,
                r.error_code ? r.error_code : "?", r.error_message ? r.error_message : "");
        rc = tg_exit_code(TG_EDATA);
    }
    tg_parse_result_free(&r);
    return rc;
}
