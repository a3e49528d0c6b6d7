/*
 * world_io.c - writing a world to disk (the retailer CSVs, the truth files,
 * world.json) and loading it back. world.json holds only the parameters:
 * the generator is deterministic, so the server rebuilds the world from
 * them instead of reading a serialised copy.
 */
#include "sim/sim_int.h"

#include "trendguard/error.h"
#include "trendguard/log.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define WORLD_FORMAT "trendguard-sim-world"
#define WORLD_VERSION 1

static int mkdir_p(const char *path)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp)
        return TG_EINVAL;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == 0) {
            char c = tmp[i];
            tmp[i] = 0;
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
                tg_error("sim", "mkdir %s: %s", tmp, strerror(errno));
                return TG_EIO;
            }
            tmp[i] = c;
        }
    }
    return TG_OK;
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        tg_error("sim", "%s: %s", path, strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *name)
{
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad) {
        tg_error("sim", "writing %s failed", name);
        return TG_EIO;
    }
    return TG_OK;
}

/* RFC 4180 field: quoted when it holds a comma, quote or newline. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int write_products(const tg_sim_world *w, const char *dir)
{
    FILE *f = open_out(dir, "products.csv");
    if (!f)
        return TG_EIO;
    fputs("product_id,name,category,price,hashtags,resale_query,launch_date\n", f);
    for (int32_t i = 0; i < w->nproducts; i++) {
        const tg_sim__product *p = &w->products[i];
        char d[16], tags[128];
        /* Launch: a few weeks before the trend starts (or the world starts). */
        const tg_sim__hashtag *h = &w->tags[p->tag[0]];
        int64_t launch = (h->trending ? h->t_start : w->p.start) - 21 * TG_SIM__DAY;
        tg_date_format(launch, d, sizeof d);
        snprintf(tags, sizeof tags, "%s%s%s", h->name, p->tag[1] >= 0 ? ";" : "",
                 p->tag[1] >= 0 ? w->tags[p->tag[1]].name : "");
        fprintf(f, "%s,", p->id);
        csv_field(f, p->name);
        fprintf(f, ",%s,%.2f,%s,", tg_sim__categories[p->category], p->price, tags);
        csv_field(f, p->query);
        fprintf(f, ",%s\n", d);
    }
    return close_out(f, "products.csv");
}

static const char *reason_name(uint8_t r)
{
    switch (r) {
    case 1:
        return "Regret";
    case 2:
        return "Defective";
    case 3:
        return "Wrong size";
    default:
        return "";
    }
}

static int write_orders(const tg_sim_world *w, const char *dir)
{
    FILE *f = open_out(dir, "orders.csv"), *rf = open_out(dir, "returns.csv"),
         *tf = open_out(dir, "truth/regret.csv");
    int rc = TG_EIO;
    if (!f || !rf || !tf)
        goto out;
    fputs("order_id,customer_id,product_id,purchase_time,price_paid,customer_age,zip\n", f);
    fputs("order_id,return_time,reason\n", rf);
    fputs("order_id,p_true,regretted\n", tf);
    for (long i = 0; i < w->norders; i++) {
        const tg_sim__order *o = &w->orders[i];
        const tg_sim__customer *c = &w->customers[o->customer];
        char t[32];
        tg_time_format(o->time, t, sizeof t);
        fprintf(f, "O%07ld,C%06d,%s,%s,%.2f,%d,%05d\n", i + 1, (int)o->customer + 1,
                w->products[o->product].id, t, o->price_paid, c->age, w->zip_code[c->zip]);
        fprintf(tf, "O%07ld,%.6f,%d\n", i + 1, o->p_true, o->regretted);
        if (o->return_time) {
            tg_time_format(o->return_time, t, sizeof t);
            fprintf(rf, "O%07ld,%s,%s\n", i + 1, t,
                    (o->reason & 0x80) ? "" : reason_name(o->reason));
        }
    }
    rc = TG_OK;
out:
    if (f && close_out(f, "orders.csv"))
        rc = TG_EIO;
    if (rf && close_out(rf, "returns.csv"))
        rc = TG_EIO;
    if (tf && close_out(tf, "truth/regret.csv"))
        rc = TG_EIO;
    return rc;
}

static int write_reviews(const tg_sim_world *w, const char *dir)
{
    FILE *f = open_out(dir, "reviews.csv");
    if (!f)
        return TG_EIO;
    tg_buf b;
    tg_buf_init(&b, 4096);
    int rc = TG_OK;
    fputs("review_id,product_id,review_time,rating,text\n", f);
    for (long i = 0; i < w->nreviews && rc == TG_OK; i++) {
        const tg_sim__review *r = &w->reviews[i];
        char t[32];
        tg_time_format(r->time, t, sizeof t);
        tg_buf_reset(&b);
        rc = tg_sim__review_text(r, &b);
        fprintf(f, "R%07ld,%s,%s,%d,", i + 1, w->products[r->product].id, t, r->rating);
        csv_field(f, b.data ? b.data : "");
        fputc('\n', f);
    }
    tg_buf_free(&b);
    int rc2 = close_out(f, "reviews.csv");
    return rc ? rc : rc2;
}

static int write_zips(const tg_sim_world *w, const char *dir)
{
    FILE *f = open_out(dir, "zips.csv");
    if (!f)
        return TG_EIO;
    fputs("zip,median_income\n", f);
    for (int32_t i = 0; i < w->nzips; i++)
        fprintf(f, "%05d,%.0f\n", w->zip_code[i], w->zip_income[i]);
    return close_out(f, "zips.csv");
}

static int write_truth_tags(const tg_sim_world *w, const char *dir)
{
    FILE *b = open_out(dir, "truth/bots.csv"), *t = open_out(dir, "truth/trends.csv");
    int rc = TG_EIO;
    if (!b || !t)
        goto out;
    fputs("hashtag,is_bot\n", b);
    fputs("hashtag,start,peak,decline,death\n", t);
    for (int32_t i = 0; i < w->ntags; i++) {
        const tg_sim__hashtag *h = &w->tags[i];
        fprintf(b, "%s,%d\n", h->name, h->bot ? 1 : 0);
        if (!h->trending)
            continue;
        char s1[16], s2[16], s3[16], s4[16];
        fprintf(t, "%s,%s,%s,%s,%s\n", h->name, tg_date_format(h->t_start, s1, sizeof s1),
                tg_date_format(h->t_peak, s2, sizeof s2),
                tg_date_format(h->t_decline, s3, sizeof s3),
                tg_date_format(h->t_death, s4, sizeof s4));
    }
    rc = TG_OK;
out:
    if (b && close_out(b, "truth/bots.csv"))
        rc = TG_EIO;
    if (t && close_out(t, "truth/trends.csv"))
        rc = TG_EIO;
    return rc;
}

static int write_json(json_t *j, const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = json_dump_file(j, path, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
    json_decref(j);
    if (rc) {
        tg_error("sim", "%s: write failed", path);
        return TG_EIO;
    }
    return TG_OK;
}

/* A JSON number, or null for NaN (an AUC without both classes). */
static json_t *real_or_null(double x)
{
    return isnan(x) ? json_null() : json_real(x);
}

static int write_summary(const tg_sim_world *w, const char *dir)
{
    const tg_sim_summary *s = &w->summary;
    char st[16], en[16];
    json_t *j = json_pack(
        "{s:o, s:o, s:f, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
        " s:{s:f, s:f}, s:I, s:s, s:s, s:i}",
        "base_rate", real_or_null(s->base_rate), "oracle_auc", real_or_null(s->oracle_auc),
        "mean_p_true", s->mean_p_true, "counts", "products", (json_int_t)s->products, "hashtags",
        (json_int_t)s->hashtags, "trending_hashtags", (json_int_t)s->trending_hashtags,
        "bot_hashtags", (json_int_t)s->bot_hashtags, "videos", (json_int_t)s->videos,
        "ebay_listings", (json_int_t)s->ebay_listings, "poshmark_listings",
        (json_int_t)s->poshmark_listings, "orders", (json_int_t)s->orders, "customers",
        (json_int_t)s->customers, "returns", (json_int_t)s->returns, "reviews",
        (json_int_t)s->reviews, "regretted", (json_int_t)s->regretted, "intervention_effect",
        "email_offer", -0.35, "sms_reminder", -0.20, "seed", (json_int_t)w->p.seed, "start",
        tg_date_format(w->p.start, st, sizeof st), "end", tg_date_format(w->end, en, sizeof en),
        "days", w->p.days);
    if (!j)
        return TG_ENOMEM;
    return write_json(j, dir, "truth/summary.json");
}

static int write_world_json(const tg_sim_world *w, const char *dir)
{
    char st[16];
    json_t *j = json_pack("{s:s, s:i, s:I, s:i, s:i, s:I, s:s}", "format", WORLD_FORMAT, "version",
                          WORLD_VERSION, "seed", (json_int_t)w->p.seed, "products", w->p.products,
                          "days", w->p.days, "orders", (json_int_t)w->p.orders, "start",
                          tg_date_format(w->p.start, st, sizeof st));
    if (!j)
        return TG_ENOMEM;
    return write_json(j, dir, "world.json");
}

int tg_sim_world_generate(const tg_sim_params *p, const char *outdir, tg_sim_summary *summary)
{
    tg_sim_world *w = NULL;
    int rc = tg_sim_world_build(p, &w);
    if (rc)
        return rc;
    char truth[4096];
    snprintf(truth, sizeof truth, "%s/truth", outdir);
    if ((rc = mkdir_p(truth)) || (rc = write_products(w, outdir)) ||
        (rc = write_orders(w, outdir)) || (rc = write_reviews(w, outdir)) ||
        (rc = write_zips(w, outdir)) || (rc = write_truth_tags(w, outdir)) ||
        (rc = write_summary(w, outdir)) || (rc = write_world_json(w, outdir)))
        goto out;
    if (summary)
        *summary = w->summary;
out:
    tg_sim_world_free(&w);
    return rc;
}

int tg_sim_world_load(const char *dir, tg_sim_world **out)
{
    *out = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/world.json", dir);
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j) {
        FILE *f = fopen(path, "r");
        if (!f) {
            tg_error("sim", "%s: %s", path, strerror(errno));
            return TG_ENOTFOUND;
        }
        fclose(f);
        tg_error("sim", "%s:%d: %s", path, err.line, err.text);
        return TG_EDATA;
    }
    tg_sim_params p;
    tg_sim_params_default(&p);
    const char *fmt = NULL, *start = NULL;
    json_int_t seed = 0, orders = 0;
    int version = 0;
    int rc = TG_EDATA;
    if (json_unpack_ex(j, &err, 0, "{s:s, s:i, s:I, s:i, s:i, s:I, s:s}", "format", &fmt, "version",
                       &version, "seed", &seed, "products", &p.products, "days", &p.days, "orders",
                       &orders, "start", &start) ||
        strcmp(fmt, WORLD_FORMAT) != 0 || version != WORLD_VERSION) {
        tg_error("sim", "%s: not a version %d world file (%s)", path, WORLD_VERSION, err.text);
        goto out;
    }
    p.seed = (uint64_t)seed;
    p.orders = (long)orders;
    if (tg_time_parse(start, &p.start)) {
        tg_error("sim", "%s: bad start date '%s'", path, start);
        goto out;
    }
    rc = tg_sim_world_build(&p, out);
out:
    json_decref(j);
    return rc;
}
