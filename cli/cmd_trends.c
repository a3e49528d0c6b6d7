/* trendguard trends list|show|bots - trend lifecycle and bot-inflated trends. */
#include "cli.h"
#include "trendguard/config.h"
#include "trendguard/error.h"
#include "trendguard/store.h"
#include "trendguard/trends.h"
#include "trendguard/util.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(
        out,
        "usage: trendguard trends list [-c CFG] [--store DIR] [--day YYYY-MM-DD] [--format F] "
        "[--out FILE]\n"
        "       trendguard trends show HASHTAG [-c CFG] [--store DIR] [--format F] [--out FILE]\n"
        "       trendguard trends bots [-c CFG] [--store DIR] [--truth FILE] [--dry-run] [--format "
        "F]\n\n"
        "list  one row per hashtag: its lifecycle stage on --day (default: its last day),\n"
        "      computed from the data up to that day only, with the bot score and flag\n"
        "show  one row per day of HASHTAG: daily views gained, stage, highest point so far,\n"
        "      days since it, 7-day velocity, point-in-time bot score\n"
        "bots  score every hashtag for bot-inflated engagement and store the flags\n"
        "      (unless --dry-run); prints the evidence per hashtag, or with --truth FILE\n"
        "      (hashtag,is_bot CSV) precision, recall and F1 of the filter and of the seed's\n"
        "      rule (a video is kept when views/likes < 100; a hashtag is flagged when more\n"
        "      than half of its views come from videos the rule drops)\n"
        "  -c, --config FILE   config ([store] path)\n"
        "      --store DIR     the store directory (overrides the config)\n"
        "      --format F      csv (default), jsonl or json\n"
        "      --out FILE      write there instead of stdout\n"
        "Stages and thresholds: docs/LIFECYCLE.md.\n");
}

typedef struct out_t {
    FILE *f;
    tg_fmt fmt;
    json_t *all; /* --format json: one array */
    bool header_done;
} out_t;

/* Emit one row: names[i] = values (json). CSV prints a header first. */
static void row(out_t *o, const char *const *names, json_t **vals, int n)
{
    if (o->fmt == TG_FMT_CSV) {
        if (!o->header_done) {
            for (int i = 0; i < n; i++)
                fprintf(o->f, "%s%s", i ? "," : "", names[i]);
            fputc('\n', o->f);
            o->header_done = true;
        }
        for (int i = 0; i < n; i++) {
            if (i)
                fputc(',', o->f);
            if (json_is_string(vals[i])) {
                const char *s = json_string_value(vals[i]);
                if (strpbrk(s, ",\"\n")) {
                    fputc('"', o->f);
                    for (; *s; s++) {
                        if (*s == '"')
                            fputc('"', o->f);
                        fputc(*s, o->f);
                    }
                    fputc('"', o->f);
                } else {
                    fputs(s, o->f);
                }
            } else if (!json_is_null(vals[i])) {
                char *t = json_dumps(vals[i], JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
                if (t)
                    fputs(t, o->f);
                free(t);
            }
            json_decref(vals[i]);
        }
        fputc('\n', o->f);
        return;
    }
    json_t *obj = json_object();
    for (int i = 0; i < n; i++)
        json_object_set_new(obj, names[i], vals[i]);
    if (o->fmt == TG_FMT_JSON) {
        json_array_append_new(o->all, obj);
        return;
    }
    char *t = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    if (t)
        fprintf(o->f, "%s\n", t);
    free(t);
    json_decref(obj);
}

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jday(int32_t d)
{
    char b[16];
    return json_string(tg_date_format((int64_t)d * 86400, b, sizeof b));
}

/* ---- a hashtag's daily series ------------------------------------------ */

typedef struct series {
    int32_t *days;
    double *views; /* cumulative views by the end of that day */
    double *bot;   /* point-in-time bot score of that day */
    size_t n, alloc;
} series;

static int series_cb(const tg_hashtag_day *d, void *ctx)
{
    series *s = ctx;
    if (s->n == s->alloc) {
        size_t na = s->alloc ? s->alloc * 2 : 64;
        int32_t *nd = tg_realloc(s->days, na * sizeof *nd);
        if (!nd)
            return TG_ENOMEM;
        s->days = nd;
        double *nv = tg_realloc(s->views, na * sizeof *nv);
        if (!nv)
            return TG_ENOMEM;
        s->views = nv;
        double *nb = tg_realloc(s->bot, na * sizeof *nb);
        if (!nb)
            return TG_ENOMEM;
        s->bot = nb;
        s->alloc = na;
    }
    s->days[s->n] = d->day;
    s->views[s->n] = d->views >= 0 ? (double)d->views : NAN;
    s->bot[s->n] = d->bot_score;
    s->n++;
    return 0;
}

static void series_free(series *s)
{
    tg_free(s->days);
    tg_free(s->views);
    tg_free(s->bot);
    memset(s, 0, sizeof *s);
}

/*
 * Calendar-complete daily gains from the cumulative series: a gap of g days
 * spreads its gain evenly. The three arrays (tg_malloc) have n entries.
 */
static int daily(const series *s, int32_t **days, double **vals, double **bot, size_t *n)
{
    *days = NULL;
    *vals = *bot = NULL;
    *n = 0;
    if (!s->n)
        return TG_OK;
    size_t span = (size_t)(s->days[s->n - 1] - s->days[0]) + 1;
    if (span > 20000)
        return TG_EDATA;
    *days = tg_malloc(span * sizeof **days);
    *vals = tg_malloc(span * sizeof **vals);
    *bot = tg_malloc(span * sizeof **bot);
    if (!*days || !*vals || !*bot)
        return TG_ENOMEM;
    double prev = NAN, pb = NAN;
    size_t k = 0;
    for (size_t i = 0; i < span; i++) {
        int32_t d = s->days[0] + (int32_t)i;
        (*days)[i] = d;
        (*vals)[i] = 0;
        (*bot)[i] = pb;
        if (k < s->n && s->days[k] == d) {
            double v = s->views[k];
            if (isfinite(v)) {
                double gain = isfinite(prev) ? v - prev : v;
                int32_t gap = k > 0 ? d - s->days[k - 1] : 1;
                if (gain < 0)
                    gain = 0;
                for (int32_t g = 0; g < gap && (size_t)g <= i; g++)
                    (*vals)[i - (size_t)g] = gain / gap;
                prev = v;
            }
            pb = (*bot)[i] = s->bot[k];
            k++;
        }
    }
    *n = span;
    return TG_OK;
}

/* ---- hashtag names ------------------------------------------------------ */

typedef struct names {
    char **v;
    size_t n, alloc;
} names;

static int add_name(names *ns, const char *s, size_t len)
{
    if (!len)
        return 0;
    if (ns->n == ns->alloc) {
        size_t na = ns->alloc ? ns->alloc * 2 : 128;
        char **nv = tg_realloc(ns->v, na * sizeof *nv);
        if (!nv)
            return TG_ENOMEM;
        ns->v = nv;
        ns->alloc = na;
    }
    if (*s == '#')
        s++, len--;
    if (!(ns->v[ns->n] = tg_strndup(s, len)))
        return TG_ENOMEM;
    for (char *p = ns->v[ns->n]; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    ns->n++;
    return 0;
}

static int split_names(names *ns, const char *p)
{
    while (p && *p) {
        size_t k = strcspn(p, ";");
        int rc = add_name(ns, p, k);
        if (rc)
            return rc;
        p += k + (p[k] == ';');
    }
    return 0;
}

static int trend_name_cb(const tg_trend *t, void *ctx)
{
    return add_name(ctx, t->hashtag, strlen(t->hashtag));
}

static int product_name_cb(const tg_product *p, void *ctx)
{
    return split_names(ctx, p->hashtags);
}

static int video_name_cb(const tg_video *v, void *ctx)
{
    return split_names(ctx, v->hashtags);
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int all_names(tg_store_read *r, names *ns)
{
    int rc = tg_store_iter_trends(r, trend_name_cb, ns);
    if (!rc)
        rc = tg_store_iter_products(r, product_name_cb, ns);
    if (!rc && ns->n == 0)
        rc = tg_store_iter_videos(r, video_name_cb, ns);
    if (rc)
        return rc;
    tg_qsort(ns->v, ns->n, sizeof *ns->v, cmpstr);
    size_t k = 0;
    for (size_t i = 0; i < ns->n; i++) {
        if (k && !strcmp(ns->v[k - 1], ns->v[i]))
            tg_free(ns->v[i]);
        else
            ns->v[k++] = ns->v[i];
    }
    ns->n = k;
    return 0;
}

static void names_free(names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        tg_free(ns->v[i]);
    tg_free(ns->v);
}

/* ---- verbs ---------------------------------------------------------------- */

static int lifecycle_of(tg_store_read *r, const char *tag, int32_t **days, double **vals,
                        double **bot, tg_lifecycle_point **pts, size_t *n)
{
    series s;
    memset(&s, 0, sizeof s);
    *pts = NULL;
    int rc = tg_store_iter_hashtag_days(r, tag, INT32_MIN, INT32_MAX, series_cb, &s);
    if (!rc)
        rc = daily(&s, days, vals, bot, n);
    series_free(&s);
    if (rc || !*n)
        return rc;
    *pts = tg_malloc(*n * sizeof **pts);
    if (!*pts)
        return TG_ENOMEM;
    return tg_lifecycle_compute(*days, *vals, *n, *pts);
}

static int do_list(tg_store_read *r, out_t *o, int32_t asof)
{
    static const char *const cols[] = {"hashtag",    "day",      "stage",           "views_day",
                                       "peak_value", "peak_day", "days_since_peak", "velocity7",
                                       "bot_score",  "is_bot"};
    names ns;
    memset(&ns, 0, sizeof ns);
    int rc = all_names(r, &ns);
    for (size_t i = 0; !rc && i < ns.n; i++) {
        int32_t *days = NULL;
        double *vals = NULL, *bot = NULL;
        tg_lifecycle_point *pts = NULL;
        size_t n = 0;
        rc = lifecycle_of(r, ns.v[i], &days, &vals, &bot, &pts, &n);
        size_t k = n;
        if (!rc && n) {
            k = n - 1;
            if (asof != INT32_MIN) {
                if (asof < days[0])
                    k = n; /* nothing known yet on that day */
                else if (asof < days[n - 1])
                    k = (size_t)(asof - days[0]);
            }
        }
        if (!rc && k < n) {
            tg_trend tr;
            bool have = tg_store_get_trend(r, ns.v[i], &tr) == TG_OK;
            /* as of an earlier day, only that day's point-in-time score */
            bool latest = asof == INT32_MIN || asof >= days[n - 1];
            double bs = latest && have ? tr.bot_score : bot[k];
            json_t *v[10] = {
                json_string(ns.v[i]),
                jday(days[k]),
                json_string(tg_lifecycle_stage_name(pts[k].stage)),
                jnum(pts[k].value),
                jnum(pts[k].peak_value),
                jday(pts[k].peak_day),
                json_integer(pts[k].days_since_peak),
                jnum(pts[k].velocity7),
                jnum(bs),
                isfinite(bs) ? json_boolean(latest && have ? tr.is_bot : bs >= TG_BOTS_THRESHOLD)
                             : json_null()};
            row(o, cols, v, 10);
        }
        tg_free(days);
        tg_free(vals);
        tg_free(bot);
        tg_free(pts);
    }
    names_free(&ns);
    return rc;
}

static int do_show(tg_store_read *r, out_t *o, const char *tag)
{
    static const char *const cols[] = {"hashtag",   "day",        "views_day",
                                       "stage",     "peak_value", "days_since_peak",
                                       "velocity7", "bot_score"};
    int32_t *days = NULL;
    double *vals = NULL, *bot = NULL;
    tg_lifecycle_point *pts = NULL;
    size_t n = 0;
    char low[256];
    snprintf(low, sizeof low, "%s", *tag == '#' ? tag + 1 : tag);
    for (char *p = low; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    int rc = lifecycle_of(r, low, &days, &vals, &bot, &pts, &n);
    if (!rc && !n)
        rc = TG_ENOTFOUND;
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *v[8] = {json_string(low),        jday(days[i]),
                        jnum(vals[i]),           json_string(tg_lifecycle_stage_name(pts[i].stage)),
                        jnum(pts[i].peak_value), json_integer(pts[i].days_since_peak),
                        jnum(pts[i].velocity7),  jnum(bot[i])};
        row(o, cols, v, 8);
    }
    tg_free(days);
    tg_free(vals);
    tg_free(bot);
    tg_free(pts);
    return rc;
}

static json_t *prf_json(const tg_prf *p)
{
    return json_pack("{s:f,s:f,s:f,s:I,s:I,s:I,s:I}", "precision", p->precision, "recall",
                     p->recall, "f1", p->f1, "tp", (json_int_t)p->tp, "fp", (json_int_t)p->fp, "fn",
                     (json_int_t)p->fn, "tn", (json_int_t)p->tn);
}

int tg_cmd_trends(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"store", required_argument, NULL, 's'},
                                         {"day", required_argument, NULL, 'd'},
                                         {"truth", required_argument, NULL, 't'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *cfgpath = NULL, *store_path = NULL, *day_s = NULL, *truth = NULL, *outp = NULL;
    bool dry = false;
    tg_fmt fmt = TG_FMT_CSV;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:d:t:nf:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfgpath = optarg;
            break;
        case 's':
            store_path = optarg;
            break;
        case 'd':
            day_s = optarg;
            break;
        case 't':
            truth = optarg;
            break;
        case 'n':
            dry = true;
            break;
        case 'f':
            if (tg_cli_parse_format(optarg, &fmt) || fmt == TG_FMT_TEXT)
                return tg_cli_usage("trends", "--format must be csv, jsonl or json");
            break;
        case 'o':
            outp = optarg;
            break;
        case 'h':
            help(stdout);
            return 0;
        default:
            return tg_cli_usage("trends", "bad option");
        }
    }
    if (optind >= argc)
        return tg_cli_usage("trends", "expected list, show or bots");
    const char *verb = argv[optind++];
    const char *tag = NULL;
    if (!strcmp(verb, "show")) {
        if (optind >= argc)
            return tg_cli_usage("trends", "show needs a HASHTAG");
        tag = argv[optind++];
    } else if (strcmp(verb, "list") && strcmp(verb, "bots")) {
        return tg_cli_usage("trends", "unknown verb '%s' (expected list, show or bots)", verb);
    }
    if (optind < argc)
        return tg_cli_usage("trends", "unexpected argument '%s'", argv[optind]);
    int32_t asof = INT32_MIN;
    if (day_s) {
        int64_t t;
        if (tg_time_parse(day_s, &t))
            return tg_cli_usage("trends", "--day: expected YYYY-MM-DD, got '%s'", day_s);
        asof = tg_day_of(t);
    }
    if (truth && strcmp(verb, "bots"))
        return tg_cli_usage("trends", "--truth is for bots");

    tg_config cfg;
    tg_config_defaults(&cfg);
    int ex = 0;
    if (cfgpath || !store_path) {
        tg_config_free(&cfg);
        if ((ex = tg_cli_load_config("trends", cfgpath, &cfg)) != 0) {
            tg_config_free(&cfg);
            return ex;
        }
    }
    if (!store_path)
        store_path = cfg.store_path;
    out_t o = {.fmt = fmt};
    o.f = tg_cli_open_out("trends", outp);
    if (!o.f) {
        tg_config_free(&cfg);
        return TG_EX_CANTCREAT;
    }
    if (fmt == TG_FMT_JSON)
        o.all = json_array();
    int rc = 0;
    if (!strcmp(verb, "bots")) {
        tg_bot_evidence *ev = NULL;
        size_t n = 0;
        rc = tg_bots_run(store_path, dry, &ev, &n);
        if (rc) {
            ex = tg_cli_fail("trends", rc, "%s: %s", store_path, tg_strerror(rc));
        } else if (truth) {
            tg_prf f, s;
            rc = tg_bots_evaluate(truth, ev, n, &f, &s);
            if (rc) {
                ex = tg_cli_fail("trends", rc, "%s: %s", truth, tg_strerror(rc));
            } else if (fmt == TG_FMT_JSON) {
                json_decref(o.all);
                o.all = json_pack("{s:o,s:o}", "filter", prf_json(&f), "seed_rule", prf_json(&s));
            } else {
                static const char *const cols[] = {"rule", "precision", "recall", "f1",
                                                   "tp",   "fp",        "fn",     "tn"};
                const tg_prf *p[2] = {&f, &s};
                const char *nm[2] = {"filter", "seed_rule"};
                for (int i = 0; i < 2; i++) {
                    json_t *v[8] = {json_string(nm[i]),      json_real(p[i]->precision),
                                    json_real(p[i]->recall), json_real(p[i]->f1),
                                    json_integer(p[i]->tp),  json_integer(p[i]->fp),
                                    json_integer(p[i]->fn),  json_integer(p[i]->tn)};
                    row(&o, cols, v, 8);
                }
            }
        } else {
            static const char *const cols[] = {
                "hashtag",     "score",         "is_bot",     "seed_flag",        "views",
                "likes",       "comments",      "shares",     "videos",           "authors",
                "like_rate",   "comment_rate",  "share_rate", "top_author_share", "burst",
                "benford_mad", "seed_bad_share"};
            for (size_t i = 0; i < n; i++) {
                const tg_bot_evidence *e = &ev[i];
                json_t *v[17] = {
                    json_string(e->hashtag),    json_real(e->score),       json_boolean(e->is_bot),
                    json_boolean(e->seed_flag), json_integer(e->views),    json_integer(e->likes),
                    json_integer(e->comments),  json_integer(e->shares),   json_integer(e->videos),
                    json_integer(e->authors),   jnum(e->like_rate),        jnum(e->comment_rate),
                    jnum(e->share_rate),        jnum(e->top_author_share), jnum(e->burst),
                    jnum(e->benford_mad),       jnum(e->seed_bad_share)};
                row(&o, cols, v, 17);
            }
        }
        tg_bots_evidence_free(&ev, n);
    } else {
        tg_store *s = NULL;
        tg_store_read *r = NULL;
        rc = tg_store_open(&s, store_path, TG_STORE_RDONLY);
        if (!rc)
            rc = tg_store_read_begin(s, &r);
        if (!rc)
            rc = tag ? do_show(r, &o, tag) : do_list(r, &o, asof);
        if (rc)
            ex = tg_cli_fail("trends", rc, "%s: %s", tag ? tag : store_path, tg_strerror(rc));
        tg_store_read_end(&r);
        tg_store_close(&s);
    }
    if (fmt == TG_FMT_JSON && o.all) {
        if (!ex) {
            char *t =
                json_dumps(o.all, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
            if (t)
                fprintf(o.f, "%s\n", t);
            free(t);
        }
        json_decref(o.all);
    }
    int cx = tg_cli_close_out("trends", o.f);
    tg_config_free(&cfg);
    return ex ? ex : cx;
}
