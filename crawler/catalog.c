/*
 * What to track: the products of the [catalog] products CSV (columns
 * product_id, hashtags (';'-separated), resale_query, by header name) and
 * the products already ingested into the store, plus [tiktok] hashtags.
 * Hashtags are normalised to lower case without '#'.
 */
#include "crawler/crawl_int.h"
#include "store/csv.h"
#include "trendguard/error.h"
#include "trendguard/log.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static int add_tag(tg_catalog *cat, const char *s, size_t n)
{
    while (n && (isspace((unsigned char)*s) || *s == '#')) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n > 100)
        return TG_OK;
    char tag[101];
    for (size_t i = 0; i < n; i++)
        tag[i] = (char)tolower((unsigned char)s[i]);
    tag[n] = 0;
    for (size_t i = 0; i < cat->nhashtags; i++)
        if (strcmp(cat->hashtags[i], tag) == 0)
            return TG_OK;
    size_t alloc = cat->nhashtags;
    char **nv = tg_realloc(cat->hashtags, (alloc + 1) * sizeof *nv);
    if (!nv)
        return TG_ENOMEM;
    cat->hashtags = nv;
    if (!(cat->hashtags[cat->nhashtags] = tg_strdup(tag)))
        return TG_ENOMEM;
    cat->nhashtags++;
    return TG_OK;
}

static int add_tags(tg_catalog *cat, const char *list, char sep)
{
    if (!list)
        return TG_OK;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, sep);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int rc = add_tag(cat, p, n);
        if (rc)
            return rc;
        p += n;
        if (*p)
            p++;
    }
    return TG_OK;
}

static int add_product(tg_catalog *cat, const char *id, const char *tags, const char *q)
{
    if (!id || !*id)
        return TG_OK;
    for (size_t i = 0; i < cat->n; i++)
        if (strcmp(cat->p[i].product_id, id) == 0)
            return TG_OK;
    tg_track_product *nv = tg_realloc(cat->p, (cat->n + 1) * sizeof *nv);
    if (!nv)
        return TG_ENOMEM;
    cat->p = nv;
    tg_track_product *t = &cat->p[cat->n];
    t->product_id = tg_strdup(id);
    t->hashtags = tg_strdup(tags ? tags : "");
    t->resale_query = tg_strdup(q ? q : "");
    cat->n++;
    if (!t->product_id || !t->hashtags || !t->resale_query)
        return TG_ENOMEM;
    return add_tags(cat, tags, ';');
}

static int load_csv(tg_catalog *cat, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        tg_error("crawl", "catalog %s: %s", path, strerror(errno));
        return TG_EIO;
    }
    tg_store_csv c;
    int rc = tg_store_csv_init(&c, f, 1 << 20);
    if (rc)
        goto out_close;
    int col_id = -1, col_tags = -1, col_q = -1;
    if ((rc = tg_store_csv_next(&c)) != 1) {
        rc = rc == 0 ? TG_OK : rc;
        goto out_free;
    }
    for (int i = 0; i < c.nf; i++) {
        const char *h = tg_store_csv_field(&c, i);
        if (strcmp(h, "product_id") == 0)
            col_id = i;
        else if (strcmp(h, "hashtags") == 0)
            col_tags = i;
        else if (strcmp(h, "resale_query") == 0)
            col_q = i;
    }
    if (col_id < 0) {
        tg_error("crawl", "catalog %s: no product_id column", path);
        rc = TG_EDATA;
        goto out_free;
    }
    while ((rc = tg_store_csv_next(&c)) != 0) {
        if (rc < 0) {
            if (rc == TG_EIO)
                goto out_free;
            tg_warn("crawl", "catalog %s:%ld: skipped: %s", path, c.rec_line,
                    c.why ? c.why : tg_strerror(rc));
            continue;
        }
        if (col_id >= c.nf)
            continue;
        rc = add_product(cat, tg_store_csv_field(&c, col_id),
                         col_tags >= 0 && col_tags < c.nf ? tg_store_csv_field(&c, col_tags) : "",
                         col_q >= 0 && col_q < c.nf ? tg_store_csv_field(&c, col_q) : "");
        if (rc)
            goto out_free;
    }
    rc = TG_OK;
out_free:
    tg_store_csv_free(&c);
out_close:
    fclose(f);
    return rc;
}

static int from_store(const tg_product *p, void *ctx)
{
    return add_product(ctx, p->product_id, p->hashtags, p->resale_query);
}

int tg_catalog__load(tg_catalog *cat, const tg_config *cfg, tg_store *s)
{
    memset(cat, 0, sizeof *cat);
    int rc = add_tags(cat, cfg->tiktok_hashtags, ',');
    if (rc == TG_OK && cfg->catalog_products)
        rc = load_csv(cat, cfg->catalog_products);
    if (rc == TG_OK && s) {
        tg_store_read *r;
        if (tg_store_read_begin(s, &r) == TG_OK) {
            rc = tg_store_iter_products(r, from_store, cat);
            tg_store_read_end(&r);
        }
    }
    return rc;
}

void tg_catalog__free(tg_catalog *cat)
{
    for (size_t i = 0; i < cat->n; i++) {
        tg_free(cat->p[i].product_id);
        tg_free(cat->p[i].hashtags);
        tg_free(cat->p[i].resale_query);
    }
    for (size_t i = 0; i < cat->nhashtags; i++)
        tg_free(cat->hashtags[i]);
    tg_free(cat->p);
    tg_free(cat->hashtags);
    memset(cat, 0, sizeof *cat);
}
