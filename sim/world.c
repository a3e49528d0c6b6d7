/*
 * world.c - the deterministic world generator. docs/SIM.md describes the
 * generative model in prose; this file is its one implementation.
 *
 * Every component draws from its own PRNG stream (seed, component name,
 * index) so that adding a draw in one place does not reshuffle the rest,
 * and the server can rebuild exactly the same videos and listings.
 */
#include "sim/sim_int.h"

#include "trendguard/error.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const tg_sim__regions[] = {"US", "CA", "GB", "AU", "PH", "VN", "ID"};
const char *const tg_sim__categories[] = {"footwear", "beauty",  "home",
                                          "gadgets",  "apparel", "toys"};
const char *const tg_sim__conditions[] = {"New", "New (Other)", "Pre-Owned", "Open box"};

static const char *const adjectives[] = {
    "Cloud",  "Glow",   "Velvet", "Mini",   "Aura",    "Puffy",  "Crystal", "Retro",  "Mellow",
    "Pocket", "Cozy",   "Neon",   "Silk",   "Frosted", "Hydro",  "Lunar",   "Peachy", "Bubble",
    "Matte",  "Sunset", "Dreamy", "Pastel", "Cosmic",  "Twisty", "Golden"};
#define NADJ ((int)(sizeof adjectives / sizeof adjectives[0]))

static const char *const nouns[6][5] = {
    {"Slides", "Sneakers", "Clogs", "Platform Boots", "Loafers"},
    {"Lip Oil", "Serum", "Blush Stick", "Face Mist", "Brow Gel"},
    {"Lamp", "Tumbler", "Throw Blanket", "Ice Roller", "Mug Warmer"},
    {"Mini Projector", "Earbuds", "Photo Printer", "Ring Light", "Instant Camera"},
    {"Cargo Pants", "Hoodie", "Bodysuit", "Puffer Vest", "Bucket Hat"},
    {"Squish Pal", "Fidget Cube", "Plush", "Slime Kit", "Building Set"}};

/* Median retail price and log-spread per category. */
static const double cat_price[6][2] = {{60, 0.45}, {24, 0.4}, {40, 0.45},
                                       {90, 0.9},  {45, 0.4}, {28, 0.4}};

static const char *const tag_suffix[] = {"review", "haul", "dupe", "tiktokmademebuyit", "finds"};

static const char *const user_a[] = {"lily", "jay", "mia", "noah", "zoe",  "kai",  "ava",  "leo",
                                     "emma", "max", "ivy", "sam",  "nina", "theo", "ruby", "finn"};
static const char *const user_b[] = {"_shops",   ".daily", "_finds", "vibes",  ".haul",
                                     "_reviews", "loves",  "_tries", ".edits", "xo"};

static const char *const desc_tpl[] = {
    "obsessed with my new %s \xf0\x9f\x98\x8d",
    "ok the %s actually lives up to the hype",
    "honest review: %s",
    "%s unboxing!!",
    "is the %s worth it?",
    "day 3 of using the %s",
    "POV: you finally got the %s",
    "returning my %s... not for me",
    /* bot templates */
    "\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5 %s \xf0\x9f\x94\xa5\xf0\x9f\x94\xa5 link in bio",
    "BEST %s EVER buy now",
};
#define NDESC_ORGANIC 8

/* Review sentences: [0] positive, [1] mixed, [2] negative, [3] hype regret. */
const char *const tg_sim__review_sentences[][8] = {
    {"Love it, works great.", "Excellent quality and fast shipping.",
     "Really happy with this purchase.", "Looks amazing and feels sturdy.",
     "Best thing I bought this year.", "Great value, highly recommend.",
     "Perfect, exactly as described.", "Super comfortable and well made."},
    {"It is okay, nothing special.", "Decent but a bit smaller than expected.",
     "Fine for the price.", "Average quality, does the job.", "Not bad, not great either.",
     "Works, but the finish is so-so.", "Mixed feelings about it.", "It is fine I guess."},
    {"Terrible quality, broke after a week.", "Very disappointed with this.",
     "Cheap and flimsy, would not recommend.", "Awful, looks nothing like the pictures.",
     "Poor quality and bad fit.", "Waste of money.", "Fell apart quickly, really bad.",
     "Worst purchase, do not buy."},
    {"Totally overhyped on TikTok.", "Bought it because of the trend, regret it.",
     "The hype was not worth it.", "Saw it everywhere online, huge letdown.",
     "Fun for a day, then boring.", "Only bought it because everyone had one.",
     "Trend is over and so is my interest.", "Not worth the hype at all."}};

/* ------------------------------------------------------------------------ */

static void stream(tg_rng *r, uint64_t seed, const char *what, uint64_t idx)
{
    tg_rng_seed(r, seed ^ tg_hash64(what, strlen(what)) ^ (idx * 0x9e3779b97f4a7c15ULL));
}

static double unif(tg_rng *r, double a, double b)
{
    return a + (b - a) * tg_rng_unif(r);
}

static double lognorm(tg_rng *r, double median, double sigma)
{
    return median * exp(sigma * tg_rng_norm(r));
}

static int poisson(tg_rng *r, double lambda)
{
    if (lambda <= 0)
        return 0;
    if (lambda > 30) {
        double x = lambda + sqrt(lambda) * tg_rng_norm(r);
        return x < 0 ? 0 : (int)(x + 0.5);
    }
    double L = exp(-lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= tg_rng_unif(r);
    } while (p > L);
    return k - 1;
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

double tg_sim__curve(const tg_sim__hashtag *h, int64_t t)
{
    if (!h->trending || t <= h->t_start)
        return 0.0;
    if (t < h->t_peak) {
        double x = (double)(t - h->t_start) / (double)(h->t_peak - h->t_start);
        return x * x;
    }
    return exp(-(double)(t - h->t_peak) / h->tau_decay);
}

double tg_sim__resale_mult(const tg_sim_world *w, const tg_sim__product *p, int64_t t,
                           double *max_so_far)
{
    const tg_sim__hashtag *h = &w->tags[p->tag[0]];
    double m;
    if (!h->trending) {
        double frac = clampd((double)(t - w->p.start) / ((double)w->p.days * TG_SIM__DAY), 0, 1);
        m = p->m0 * (1.0 - 0.05 * frac);
        if (max_so_far)
            *max_so_far = p->m0;
        return m;
    }
    double mpk = p->m0 * (1.0 + 0.5 * h->amp);
    if (t < h->t_peak) {
        m = p->m0 * (1.0 + 0.5 * h->amp * tg_sim__curve(h, t));
        if (max_so_far)
            *max_so_far = m;
        return m;
    }
    double k = 0.15 + 0.9 * (1.0 - p->quality) + 0.6 * h->amp + (h->bot ? 0.3 : 0.0);
    m = mpk * exp(-k * (double)(t - h->t_peak) / (30.0 * TG_SIM__DAY));
    if (m < 0.25 * p->m0)
        m = 0.25 * p->m0;
    if (max_so_far)
        *max_so_far = mpk;
    return m;
}

void tg_sim__video_counts(const tg_sim__video *v, int64_t t, uint64_t *views, uint64_t *likes,
                          uint64_t *comments, uint64_t *shares)
{
    double frac = 0;
    int64_t age = t - v->create_time;
    if (age >= 0) {
        if (v->bot) {
            /* Bursty: purchased views land in three jumps. */
            int64_t b1 = 7200 + (int64_t)(v->id % 20) * 3600;
            frac = 0.5 + (age >= b1 ? 0.3 : 0) + (age >= b1 + TG_SIM__DAY ? 0.2 : 0);
        } else {
            frac = 1.0 - exp(-(double)age / v->tau);
        }
    }
    /* Non-negative values: truncation is floor, without a libm call per count. */
    uint64_t vw = (uint64_t)(v->v_final * frac);
    uint64_t lk = (uint64_t)((double)vw * v->like_rate);
    *views = vw;
    *likes = lk;
    *comments = (uint64_t)((double)lk * v->comment_rate);
    *shares = (uint64_t)((double)vw * v->share_rate);
}

int32_t tg_sim__tag_find(const tg_sim_world *w, const char *name)
{
    if (*name == '#')
        name++;
    for (int32_t i = 0; i < w->ntags; i++)
        if (tg_streq_ci(w->tags[i].name, name))
            return i;
    return -1;
}

static void norm_query(const char *in, char *out, size_t n)
{
    size_t j = 0;
    bool space = true;
    for (; *in && j + 1 < n; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == '+' || isspace(c)) {
            if (!space)
                out[j++] = ' ';
            space = true;
        } else {
            out[j++] = (char)tolower(c);
            space = false;
        }
    }
    while (j && out[j - 1] == ' ')
        j--;
    out[j] = 0;
}

int32_t tg_sim__product_match(const tg_sim_world *w, const char *query)
{
    char q[128];
    norm_query(query, q, sizeof q);
    if (!*q)
        return -1;
    for (int32_t i = 0; i < w->nproducts; i++)
        if (strcmp(w->products[i].query, q) == 0)
            return i;
    /* Every word of the query inside the product's query. */
    for (int32_t i = 0; i < w->nproducts; i++) {
        char tmp[128];
        memcpy(tmp, q, sizeof tmp);
        bool all = true;
        for (char *save = NULL, *tok = strtok_r(tmp, " ", &save); tok;
             tok = strtok_r(NULL, " ", &save))
            if (!strstr(w->products[i].query, tok)) {
                all = false;
                break;
            }
        if (all)
            return i;
    }
    return -1;
}

int tg_sim__review_text(const tg_sim__review *r, tg_buf *b)
{
    int rc = TG_OK;
    for (int i = 0; i < 3 && rc == TG_OK; i++) {
        if (r->tpl[i] == 0xffff)
            continue;
        int set = r->tpl[i] >> 8, k = r->tpl[i] & 0xff;
        if (b->len)
            rc = tg_buf_addc(b, ' ');
        if (rc == TG_OK)
            rc = tg_buf_adds(b, tg_sim__review_sentences[set][k & 7]);
    }
    return rc;
}

/* US Pacific time with the post-2007 DST rule. */
static int64_t nth_sunday(int y, unsigned m, int nth)
{
    int64_t d = tg_days_from_civil(y, m, 1);
    int wd = (int)((d + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
    if (wd < 0)
        wd += 7;
    return d + (7 - wd) % 7 + 7 * (nth - 1);
}

char *tg_sim__pacific_time(int64_t t, char *buf, size_t n)
{
    char tmp[32];
    tg_date_format(t, tmp, sizeof tmp);
    int y = atoi(tmp);
    int64_t dst_on = nth_sunday(y, 3, 2) * TG_SIM__DAY + 10 * 3600;  /* 2am PST */
    int64_t dst_off = nth_sunday(y, 11, 1) * TG_SIM__DAY + 9 * 3600; /* 2am PDT */
    int off = (t >= dst_on && t < dst_off) ? -7 : -8;
    tg_time_format(t + off * 3600, tmp, sizeof tmp); /* "YYYY-MM-DDTHH:MM:SSZ" */
    size_t L = strlen(tmp);
    if (L && tmp[L - 1] == 'Z')
        tmp[L - 1] = 0;
    snprintf(buf, n, "%s-0%d:00", tmp, -off);
    return buf;
}

/* ------------------------------------------------------------------------ */

void tg_sim_params_default(tg_sim_params *p)
{
    memset(p, 0, sizeof *p);
    p->seed = 1;
    p->products = 60;
    p->days = 150;
    p->orders = 60000;
    p->start = tg_days_from_civil(2026, 1, 1) * TG_SIM__DAY;
}

int tg_sim_params_check(const tg_sim_params *p)
{
    if (p->products < 1 || p->products > 5000 || p->days < 7 || p->days > 3650 || p->orders < 0 ||
        p->orders > 10000000 || p->start % TG_SIM__DAY != 0)
        return TG_EINVAL;
    return TG_OK;
}

const tg_sim_params *tg_sim_world_params(const tg_sim_world *w)
{
    return &w->p;
}

void tg_sim_world_summary(const tg_sim_world *w, tg_sim_summary *out)
{
    *out = w->summary;
}

void tg_sim_world_free(tg_sim_world **pw)
{
    if (!pw || !*pw)
        return;
    tg_sim_world *w = *pw;
    for (int32_t i = 0; i < w->ntags; i++)
        tg_free(w->tags[i].vids);
    for (int32_t i = 0; i < w->nvideos; i++) {
        tg_free(w->videos[i].frag_desc);
        tg_free(w->videos[i].frag_pre);
    }
    for (int32_t i = 0; i < w->nproducts; i++) {
        tg_free(w->products[i].ebay);
        tg_free(w->products[i].ebay_active);
        tg_free(w->products[i].posh_created);
        tg_free(w->products[i].posh_sold);
    }
    tg_free(w->products);
    tg_free(w->tags);
    tg_free(w->videos);
    tg_free(w->users);
    tg_free(w->listings);
    tg_free(w->orders);
    tg_free(w->customers);
    tg_free(w->zip_code);
    tg_free(w->zip_income);
    tg_free(w->reviews);
    tg_free(w->sellers);
    tg_free(w);
    *pw = NULL;
}

/* ------------------------------------------------------------------------ */
/* Products and hashtags */

static bool name_taken(const tg_sim_world *w, int32_t n, const char *name)
{
    for (int32_t i = 0; i < n; i++)
        if (strcmp(w->products[i].name, name) == 0)
            return true;
    return false;
}

static bool tag_taken(const tg_sim_world *w, int32_t n, const char *name)
{
    for (int32_t i = 0; i < n; i++)
        if (strcmp(w->tags[i].name, name) == 0)
            return true;
    return false;
}

static void make_tag_name(tg_sim_world *w, int32_t ti, const char *base, const char *suffix)
{
    char name[48];
    size_t j = 0;
    for (const char *s = base; *s && j < 30; s++)
        if (isalnum((unsigned char)*s))
            name[j++] = (char)tolower((unsigned char)*s);
    name[j] = 0;
    if (suffix)
        snprintf(name + j, sizeof name - j, "%s", suffix);
    char cand[48];
    snprintf(cand, sizeof cand, "%s", name);
    for (int k = 2; tag_taken(w, ti, cand); k++)
        snprintf(cand, sizeof cand, "%.36s%d", name, k % 1000);
    memcpy(w->tags[ti].name, cand, sizeof cand);
}

static int gen_products(tg_sim_world *w)
{
    const tg_sim_params *p = &w->p;
    w->nproducts = p->products;
    w->products = tg_calloc((size_t)w->nproducts, sizeof *w->products);
    w->tags = tg_calloc((size_t)w->nproducts * 2, sizeof *w->tags);
    if (!w->products || !w->tags)
        return TG_ENOMEM;
    tg_rng r;
    stream(&r, p->seed, "products", 0);
    int32_t nt = 0;
    for (int32_t i = 0; i < w->nproducts; i++) {
        tg_sim__product *pr = &w->products[i];
        snprintf(pr->id, sizeof pr->id, "P%04d", (int)i + 1);
        pr->category = (int)(tg_rng_next(&r) % 6);
        char name[80];
        for (int tries = 0;; tries++) {
            const char *adj = adjectives[tg_rng_next(&r) % NADJ];
            const char *noun = nouns[pr->category][tg_rng_next(&r) % 5];
            if (tries < 50)
                snprintf(name, sizeof name, "%s %s", adj, noun);
            else
                snprintf(name, sizeof name, "%s %s %d", adj, noun, tries);
            if (!name_taken(w, i, name))
                break;
        }
        memcpy(pr->name, name, sizeof name);
        for (size_t k = 0; k <= strlen(name); k++)
            pr->query[k] = (char)tolower((unsigned char)name[k]);
        double price = lognorm(&r, cat_price[pr->category][0], cat_price[pr->category][1]);
        price = clampd(price, 8, 1500);
        pr->price = floor(price) + (price >= 100 ? 0.0 : 0.99);
        pr->quality = unif(&r, 0.08, 0.95);
        pr->base_demand = lognorm(&r, 1.0, 0.5);
        pr->m0 = 0.45 + 0.4 * pr->quality;

        bool trending = tg_rng_unif(&r) >= 0.15;
        double amp = unif(&r, 0.3, 1.0);
        double start_d = unif(&r, -20, p->days - 45);
        double rise_d = unif(&r, 6, 25);
        double tau_d = unif(&r, 6, 25);
        int ntag = tg_rng_unif(&r) < 0.5 ? 2 : 1;
        double shift_d = unif(&r, 0, 5), tau2 = unif(&r, 0.8, 1.2);
        const char *suf = tag_suffix[tg_rng_next(&r) % 5];
        for (int k = 0; k < ntag; k++) {
            tg_sim__hashtag *h = &w->tags[nt];
            make_tag_name(w, nt, name, k ? suf : NULL);
            h->product = i;
            h->trending = trending;
            if (trending) {
                double s = start_d + (k ? shift_d : 0);
                h->amp = k ? amp * 0.5 : amp;
                h->t_start = p->start + (int64_t)(s * TG_SIM__DAY);
                h->t_peak = h->t_start + (int64_t)(rise_d * TG_SIM__DAY);
                h->tau_decay = tau_d * (k ? tau2 : 1.0) * TG_SIM__DAY;
                h->t_decline = h->t_peak + (int64_t)(h->tau_decay * log(2.0));
                h->t_death = h->t_peak + (int64_t)(h->tau_decay * log(20.0));
            }
            pr->tag[k] = nt++;
        }
        if (ntag == 1)
            pr->tag[1] = -1;
    }
    w->ntags = nt;
    /* Bot-inflated trends: ~22% of all hashtags, whole products at a time. */
    long want = lround(0.22 * nt), have = 0;
    int32_t *order = tg_malloc((size_t)w->nproducts * sizeof *order);
    if (!order)
        return TG_ENOMEM;
    for (int32_t i = 0; i < w->nproducts; i++)
        order[i] = i;
    for (int32_t i = w->nproducts - 1; i > 0; i--) {
        int32_t j = (int32_t)(tg_rng_next(&r) % (uint64_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int32_t k = 0; k < w->nproducts && have < want; k++) {
        tg_sim__product *pr = &w->products[order[k]];
        if (!w->tags[pr->tag[0]].trending)
            continue;
        for (int j = 0; j < 2; j++)
            if (pr->tag[j] >= 0) {
                w->tags[pr->tag[j]].bot = true;
                have++;
            }
    }
    tg_free(order);
    return TG_OK;
}

/* ------------------------------------------------------------------------ */
/* Videos */

static int cmp_vid_time(const void *a, const void *b, void *ctx)
{
    const tg_sim__video *v = ctx;
    const tg_sim__video *x = &v[*(const int32_t *)a], *y = &v[*(const int32_t *)b];
    if (x->create_time != y->create_time)
        return x->create_time < y->create_time ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static double organic_like_rate(tg_rng *r)
{
    /* Skewed lognormal: median 8%, 5th pct ~1.1%, 95th ~22%. */
    double z = tg_rng_norm(r);
    double lr = 0.08 * exp(z < 0 ? 1.2 * z : 0.62 * z);
    return clampd(lr, 0.002, 0.6);
}

static int add_video(tg_sim_world *w, int32_t *cap, tg_rng *r, int32_t tag, int32_t tag2,
                     int64_t ct, int32_t bot_user0)
{
    if (w->nvideos == *cap) {
        int32_t nc = *cap ? *cap * 2 : 4096;
        tg_sim__video *nv = tg_realloc(w->videos, (size_t)nc * sizeof *nv);
        if (!nv)
            return TG_ENOMEM;
        w->videos = nv;
        *cap = nc;
    }
    const tg_sim__hashtag *h = &w->tags[tag];
    tg_sim__video *v = &w->videos[w->nvideos];
    memset(v, 0, sizeof *v);
    v->create_time = ct;
    v->id = ((uint64_t)ct << 32) | ((uint64_t)w->nvideos << 8) | (tg_rng_next(r) & 0xff);
    v->tag[0] = tag;
    v->tag[1] = tag2;
    v->bot = h->bot;
    double boost = 1.0 + 6.0 * h->amp * tg_sim__curve(h, ct);
    if (h->bot) {
        v->v_final = lognorm(r, 40000, 0.6) * boost;
        v->like_rate = (float)clampd(lognorm(r, 0.004, 0.35), 0.0005, 0.009);
        v->comment_rate = (float)lognorm(r, 0.004, 0.5);
        v->share_rate = (float)lognorm(r, 0.0002, 0.5);
        v->user = bot_user0 + (int32_t)(tg_rng_next(r) % 4);
        v->region = (uint8_t)(4 + tg_rng_next(r) % 3);
        v->desc_tpl = (uint8_t)(NDESC_ORGANIC + tg_rng_next(r) % 2);
        v->tau = TG_SIM__DAY;
    } else {
        v->v_final = lognorm(r, 4000, 1.3) * boost;
        v->like_rate = (float)organic_like_rate(r);
        v->comment_rate = (float)lognorm(r, 0.03, 0.5);
        v->share_rate = (float)lognorm(r, 0.004, 0.7);
        v->user = (int32_t)(tg_rng_next(r) % 3000);
        double u = tg_rng_unif(r);
        v->region = u < 0.7 ? 0 : u < 0.78 ? 1 : u < 0.88 ? 2 : u < 0.94 ? 3 : 4;
        v->desc_tpl = (uint8_t)(tg_rng_next(r) % NDESC_ORGANIC);
        v->tau = unif(r, 0.5, 4.0) * TG_SIM__DAY;
    }
    w->nvideos++;
    return TG_OK;
}

static int render_desc(tg_sim_world *w, tg_sim__video *v)
{
    const tg_sim__product *pr = &w->products[w->tags[v->tag[0]].product];
    char text[320];
    int n = snprintf(text, sizeof text, desc_tpl[v->desc_tpl], pr->name);
    for (int k = 0; k < 2 && n > 0 && (size_t)n < sizeof text; k++)
        if (v->tag[k] >= 0)
            n += snprintf(text + n, sizeof text - (size_t)n, " #%s", w->tags[v->tag[k]].name);
    tg_buf b;
    tg_buf_init(&b, 4096);
    if (tg_sim__putjs(&b, text)) {
        tg_buf_free(&b);
        return TG_ENOMEM;
    }
    v->frag_desc = tg_buf_detach(&b);
    if (!v->frag_desc)
        return TG_ENOMEM;
    /* The default field set's static parts, around the four counts. */
    int rc = TG_SIM__PUTL(&b, "{\"id\":");
    rc = rc ? rc : tg_sim__putu(&b, v->id);
    rc = rc ? rc : TG_SIM__PUTL(&b, ",\"video_description\":");
    rc = rc ? rc : tg_sim__puts(&b, v->frag_desc);
    rc = rc ? rc : TG_SIM__PUTL(&b, ",\"create_time\":");
    rc = rc ? rc : tg_sim__puti(&b, v->create_time);
    rc = rc ? rc : TG_SIM__PUTL(&b, ",\"region_code\":\"");
    rc = rc ? rc : tg_sim__puts(&b, tg_sim__regions[v->region]);
    rc = rc ? rc : TG_SIM__PUTL(&b, "\",");
    size_t pre = b.len;
    rc = rc ? rc : tg_sim__put(&b, "", 1); /* NUL separator */
    rc = rc ? rc : TG_SIM__PUTL(&b, ",\"hashtag_names\":[\"");
    rc = rc ? rc : tg_sim__puts(&b, w->tags[v->tag[0]].name);
    if (v->tag[1] >= 0) {
        rc = rc ? rc : TG_SIM__PUTL(&b, "\",\"");
        rc = rc ? rc : tg_sim__puts(&b, w->tags[v->tag[1]].name);
    }
    rc = rc ? rc : TG_SIM__PUTL(&b, "\"],\"username\":\"");
    rc = rc ? rc : tg_sim__puts(&b, w->users[v->user]);
    rc = rc ? rc : TG_SIM__PUTL(&b, "\"}");
    if (rc) {
        tg_buf_free(&b);
        return rc;
    }
    size_t total = b.len;
    v->frag_pre = tg_buf_detach(&b);
    if (!v->frag_pre)
        return TG_ENOMEM;
    v->pre_len = (uint16_t)pre;
    v->frag_post = v->frag_pre + pre + 1;
    v->post_len = (uint16_t)(total - pre - 1);
    return TG_OK;
}

static int gen_videos(tg_sim_world *w)
{
    const tg_sim_params *p = &w->p;
    int32_t cap = 0;
    int64_t lo = p->start - 30 * TG_SIM__DAY, hi = w->end;
    /* Usernames: 3000 organic + 4 per bot hashtag. */
    int32_t nbot = 0;
    for (int32_t i = 0; i < w->ntags; i++)
        nbot += w->tags[i].bot;
    w->nusers = 3000 + 4 * nbot;
    w->users = tg_calloc((size_t)w->nusers, sizeof *w->users);
    if (!w->users)
        return TG_ENOMEM;
    tg_rng ur;
    stream(&ur, p->seed, "users", 0);
    for (int32_t i = 0; i < 3000; i++)
        snprintf(w->users[i], sizeof w->users[i], "%s%s%u", user_a[tg_rng_next(&ur) % 16],
                 user_b[tg_rng_next(&ur) % 10], (unsigned)(i * 7 + tg_rng_next(&ur) % 7));
    int32_t bu = 3000;
    for (int32_t ti = 0; ti < w->ntags; ti++) {
        tg_sim__hashtag *h = &w->tags[ti];
        const tg_sim__product *pr = &w->products[h->product];
        int32_t other = pr->tag[0] == ti ? pr->tag[1] : pr->tag[0];
        tg_rng r;
        stream(&r, p->seed, "videos", (uint64_t)ti);
        int32_t bot_user0 = bu;
        if (h->bot) {
            for (int k = 0; k < 4; k++)
                snprintf(w->users[bu++], sizeof w->users[0], "deals%s%u",
                         k % 2 ? "_official" : "hub", (unsigned)(1000 + ti * 4 + k));
        }
        int n;
        if (!h->trending)
            n = 20 + (int)(tg_rng_next(&r) % 31);
        else if (h->bot)
            n = (int)(60 + 150 * h->amp);
        else
            n = (int)(120 + 500 * h->amp);
        int64_t bursts[6];
        for (int k = 0; k < 6; k++)
            bursts[k] = h->t_start + (int64_t)(tg_rng_unif(&r) *
                                               (double)(h->t_peak - h->t_start + TG_SIM__DAY * 5));
        for (int k = 0; k < n; k++) {
            int64_t ct;
            if (!h->trending || tg_rng_unif(&r) < 0.12) {
                ct = lo + (int64_t)(tg_rng_unif(&r) * (double)(hi - lo));
            } else if (h->bot) {
                ct = bursts[tg_rng_next(&r) % 6] + (int64_t)(tg_rng_unif(&r) * 6 * 3600);
            } else {
                /* Rejection sampling from the curve. */
                int64_t a = h->t_start, b = h->t_death + 10 * TG_SIM__DAY;
                for (int tries = 0;; tries++) {
                    ct = a + (int64_t)(tg_rng_unif(&r) * (double)(b - a));
                    if (tries > 200 || tg_rng_unif(&r) < tg_sim__curve(h, ct))
                        break;
                }
            }
            if (ct < lo || ct >= hi)
                continue;
            int32_t t2 = (other >= 0 && tg_rng_unif(&r) < 0.3) ? other : -1;
            int rc = add_video(w, &cap, &r, ti, t2, ct, bot_user0);
            if (rc)
                return rc;
        }
    }
    /* Per-hashtag indices sorted by (create_time, id). */
    int32_t *cnt = tg_calloc((size_t)w->ntags, sizeof *cnt);
    if (!cnt)
        return TG_ENOMEM;
    for (int32_t i = 0; i < w->nvideos; i++)
        for (int k = 0; k < 2; k++)
            if (w->videos[i].tag[k] >= 0)
                cnt[w->videos[i].tag[k]]++;
    for (int32_t t = 0; t < w->ntags; t++) {
        w->tags[t].vids = tg_malloc((size_t)(cnt[t] ? cnt[t] : 1) * sizeof(int32_t));
        if (!w->tags[t].vids) {
            tg_free(cnt);
            return TG_ENOMEM;
        }
    }
    tg_free(cnt);
    for (int32_t i = 0; i < w->nvideos; i++)
        for (int k = 0; k < 2; k++) {
            int32_t t = w->videos[i].tag[k];
            if (t >= 0)
                w->tags[t].vids[w->tags[t].nvids++] = i;
        }
    for (int32_t t = 0; t < w->ntags; t++)
        qsort_r(w->tags[t].vids, (size_t)w->tags[t].nvids, sizeof(int32_t), cmp_vid_time,
                w->videos);
    for (int32_t i = 0; i < w->nvideos; i++) {
        int rc = render_desc(w, &w->videos[i]);
        if (rc)
            return rc;
    }
    return TG_OK;
}

/* ------------------------------------------------------------------------ */
/* Resale listings */

static double round_price(tg_rng *r, double v, bool whole)
{
    if (v < 1)
        v = 1;
    if (whole)
        return floor(v + 0.5);
    double u = tg_rng_unif(r);
    if (u < 0.5)
        return floor(v) + 0.99;
    if (u < 0.7)
        return floor(v);
    return floor(v * 100 + 0.5) / 100;
}

typedef struct sort_ctx {
    const tg_sim__listing *l;
    int by; /* 0 sold desc, 1 created desc, 2 key_created desc, 3 key_sold desc */
} sort_ctx;

static int cmp_listing(const void *a, const void *b, void *vctx)
{
    const sort_ctx *c = vctx;
    int32_t ia = *(const int32_t *)a, ib = *(const int32_t *)b;
    const tg_sim__listing *x = &c->l[ia], *y = &c->l[ib];
    int64_t kx, ky;
    switch (c->by) {
    case 0:
        kx = x->sold;
        ky = y->sold;
        break;
    case 1:
        kx = x->created;
        ky = y->created;
        break;
    case 2:
        kx = x->key_created;
        ky = y->key_created;
        break;
    default:
        kx = x->key_sold;
        ky = y->key_sold;
        break;
    }
    if (kx != ky)
        return kx > ky ? -1 : 1;
    return ia > ib ? -1 : ia < ib;
}

static void uniq_keys(tg_sim__listing *l, const int32_t *idx, int32_t n, bool sold)
{
    int64_t prev = INT64_MAX;
    for (int32_t i = 0; i < n; i++) {
        int64_t *k = sold ? &l[idx[i]].key_sold : &l[idx[i]].key_created;
        if (*k >= prev)
            *k = prev - 1;
        prev = *k;
    }
}

static int gen_listings(tg_sim_world *w)
{
    const tg_sim_params *p = &w->p;
    int32_t cap = 0;
    w->nsellers = 600;
    w->sellers = tg_calloc((size_t)w->nsellers, sizeof *w->sellers);
    if (!w->sellers)
        return TG_ENOMEM;
    tg_rng sr;
    stream(&sr, p->seed, "sellers", 0);
    for (int32_t i = 0; i < w->nsellers; i++)
        snprintf(w->sellers[i], sizeof w->sellers[i], "%s%s%u", user_a[tg_rng_next(&sr) % 16],
                 i % 3 ? "_closet" : "resale", (unsigned)(10 + tg_rng_next(&sr) % 990));
    for (int32_t pi = 0; pi < w->nproducts; pi++) {
        tg_sim__product *pr = &w->products[pi];
        const tg_sim__hashtag *h = &w->tags[pr->tag[0]];
        tg_rng r;
        stream(&r, p->seed, "listings", (uint64_t)pi);
        int32_t first = w->nlistings;
        for (int64_t day = p->start - 30 * TG_SIM__DAY; day < w->end; day += TG_SIM__DAY) {
            int64_t mid = day + TG_SIM__DAY / 2;
            double f = tg_sim__curve(h, mid);
            double dump = 0;
            if (h->trending && mid > h->t_peak)
                dump = (1.0 - f) * exp(-(double)(mid - h->t_peak) / (40.0 * TG_SIM__DAY));
            double rate = 0.5 + 5.0 * h->amp * f + 3.0 * h->amp * dump;
            int n = poisson(&r, rate);
            for (int k = 0; k < n; k++) {
                if (w->nlistings == cap) {
                    int32_t nc = cap ? cap * 2 : 4096;
                    tg_sim__listing *nl = tg_realloc(w->listings, (size_t)nc * sizeof *nl);
                    if (!nl)
                        return TG_ENOMEM;
                    w->listings = nl;
                    cap = nc;
                }
                tg_sim__listing *l = &w->listings[w->nlistings];
                memset(l, 0, sizeof *l);
                l->product = pi;
                l->created = day + (int64_t)(tg_rng_unif(&r) * TG_SIM__DAY);
                l->site = tg_rng_unif(&r) < 0.6 ? TG_SIM__EBAY : TG_SIM__POSH;
                l->seller = (int32_t)(tg_rng_next(&r) % (uint64_t)w->nsellers);
                double m = tg_sim__resale_mult(w, pr, l->created, NULL);
                double ask = pr->price * m * exp(0.1 * tg_rng_norm(&r));
                uint64_t gi = (uint64_t)w->nlistings;
                if (l->site == TG_SIM__EBAY) {
                    l->legacy_id = 120000000000ULL + gi * 1009 + tg_rng_next(&r) % 1000;
                    l->auction = tg_rng_unif(&r) < 0.3;
                    l->cond = (uint8_t)(tg_rng_next(&r) % 4);
                    l->ends = l->created + 30 * TG_SIM__DAY;
                    l->price = round_price(&r, ask, false);
                    if (tg_rng_unif(&r) < 0.75) {
                        double delay = -log(1.0 - tg_rng_unif(&r)) * 5.0 * TG_SIM__DAY;
                        if (l->auction)
                            delay = 7.0 * TG_SIM__DAY;
                        if (delay < 29.0 * TG_SIM__DAY) {
                            l->sold = l->created + 60 + (int64_t)delay;
                            if (l->auction) /* the hammer price follows the market */
                                l->price = round_price(
                                    &r,
                                    pr->price * tg_sim__resale_mult(w, pr, l->sold, NULL) *
                                        exp(0.08 * tg_rng_norm(&r)),
                                    false);
                        }
                    }
                    uint8_t nz = 0;
                    if (tg_rng_unif(&r) < 0.06)
                        nz |= 1;
                    if (tg_rng_unif(&r) < 0.12) {
                        nz |= 2;
                        l->orig_price = floor(l->price * unif(&r, 1.1, 1.5)) + 0.99;
                    }
                    if (tg_rng_unif(&r) < 0.4) {
                        nz |= 4;
                        l->ship = floor(unif(&r, 3, 12)) + 0.99;
                    }
                    l->noise = nz;
                } else {
                    uint64_t rnd = tg_rng_next(&r);
                    snprintf(l->hex_id, sizeof l->hex_id, "%08x%010llx%06x",
                             (unsigned)(uint32_t)l->created,
                             (unsigned long long)(rnd & 0xffffffffffULL),
                             (unsigned)(gi & 0xffffff));
                    l->cond = (uint8_t)(tg_rng_unif(&r) < 0.3 ? 0 : 2);
                    l->price = round_price(&r, ask, true);
                    l->orig_price = floor(pr->price + 0.5);
                    if (tg_rng_unif(&r) < 0.55) {
                        double delay = -log(1.0 - tg_rng_unif(&r)) * 10.0 * TG_SIM__DAY;
                        l->sold = l->created + 60 + (int64_t)delay;
                    }
                    l->key_created = l->created * 100 + (int64_t)(tg_rng_next(&r) % 99) + 1;
                    l->key_sold = l->sold * 100 + (int64_t)(tg_rng_next(&r) % 99) + 1;
                }
                w->nlistings++;
            }
        }
        /* Per-product indices. */
        int32_t ne = 0, np = 0, nps = 0;
        for (int32_t i = first; i < w->nlistings; i++) {
            if (w->listings[i].site == TG_SIM__EBAY)
                ne++;
            else {
                np++;
                nps += w->listings[i].sold != 0;
            }
        }
        pr->ebay = tg_malloc((size_t)(ne + 1) * sizeof(int32_t));
        pr->ebay_active = tg_malloc((size_t)(ne + 1) * sizeof(int32_t));
        pr->posh_created = tg_malloc((size_t)(np + 1) * sizeof(int32_t));
        pr->posh_sold = tg_malloc((size_t)(nps + 1) * sizeof(int32_t));
        if (!pr->ebay || !pr->ebay_active || !pr->posh_created || !pr->posh_sold)
            return TG_ENOMEM;
        int32_t a = 0, b = 0, c = 0, d = 0;
        for (int32_t i = first; i < w->nlistings; i++) {
            const tg_sim__listing *l = &w->listings[i];
            if (l->site == TG_SIM__EBAY) {
                pr->ebay_active[b++] = i;
                if (l->sold)
                    pr->ebay[a++] = i;
            } else {
                pr->posh_created[c++] = i;
                if (l->sold)
                    pr->posh_sold[d++] = i;
            }
        }
        pr->nebay = a;
        pr->nebay_all = b;
        pr->nposh = c;
        pr->nposh_sold = d;
        sort_ctx sc = {w->listings, 0};
        qsort_r(pr->ebay, (size_t)a, sizeof(int32_t), cmp_listing, &sc);
        sc.by = 1;
        qsort_r(pr->ebay_active, (size_t)b, sizeof(int32_t), cmp_listing, &sc);
        sc.by = 2;
        qsort_r(pr->posh_created, (size_t)c, sizeof(int32_t), cmp_listing, &sc);
        uniq_keys(w->listings, pr->posh_created, c, false);
        sc.by = 3;
        qsort_r(pr->posh_sold, (size_t)d, sizeof(int32_t), cmp_listing, &sc);
        uniq_keys(w->listings, pr->posh_sold, d, true);
    }
    return TG_OK;
}

/* ------------------------------------------------------------------------ */
/* Customers, orders, regret, returns, reviews */

static int cmp_order(const void *a, const void *b)
{
    const tg_sim__order *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->product != y->product)
        return x->product < y->product ? -1 : 1;
    return (x->customer > y->customer) - (x->customer < y->customer);
}

static int cmp_review(const void *a, const void *b)
{
    const tg_sim__review *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return (x->product > y->product) - (x->product < y->product);
}

/* Deterministic part of the regret logit of order o (without noise and intercept). */
static double regret_score(const tg_sim_world *w, const tg_sim__order *o)
{
    const tg_sim__product *pr = &w->products[o->product];
    const tg_sim__hashtag *h = &w->tags[pr->tag[0]];
    const tg_sim__customer *c = &w->customers[o->customer];
    double amp = h->trending ? h->amp : 0;
    double post = 0;
    if (h->trending && o->time > h->t_peak)
        post = fmin((double)(o->time - h->t_peak) / TG_SIM__DAY, 60.0) / 60.0;
    double mmax, m = tg_sim__resale_mult(w, pr, o->time, &mmax);
    double disc = mmax > 0 ? 1.0 - m / mmax : 0;
    double income = w->zip_income[c->zip];
    double x = 1.6 * amp * (1.0 - pr->quality) + 1.8 * post * amp + 1.5 * disc -
               1.6 * (pr->quality - 0.5) - 0.035 * ((double)c->age - 35.0) +
               0.55 * log(o->price_paid / (income / 1000.0)) + (h->bot ? 0.7 : 0.0);
    return x;
}

#define TG_SIM__BASE_RATE 0.16
#define TG_SIM__NOISE_SD 0.2
#define TG_SIM__SCALE 1.0

static double sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static int gen_orders(tg_sim_world *w)
{
    const tg_sim_params *p = &w->p;
    tg_rng r;
    /* Zips and customers. */
    w->nzips = 400;
    w->zip_code = tg_malloc((size_t)w->nzips * sizeof *w->zip_code);
    w->zip_income = tg_malloc((size_t)w->nzips * sizeof *w->zip_income);
    if (!w->zip_code || !w->zip_income)
        return TG_ENOMEM;
    stream(&r, p->seed, "zips", 0);
    for (int32_t i = 0; i < w->nzips; i++) {
        w->zip_code[i] = 10000 + i * 223 + (int32_t)(tg_rng_next(&r) % 200);
        w->zip_income[i] = floor(clampd(lognorm(&r, 68000, 0.35), 22000, 250000) / 100) * 100;
    }
    w->ncustomers = (int32_t)(p->orders / 3 > 0 ? p->orders / 3 : 1);
    w->customers = tg_calloc((size_t)w->ncustomers, sizeof *w->customers);
    if (!w->customers)
        return TG_ENOMEM;
    stream(&r, p->seed, "customers", 0);
    for (int32_t i = 0; i < w->ncustomers; i++) {
        double age = 18 + fabs(tg_rng_norm(&r)) * 16;
        w->customers[i].age = (uint8_t)clampd(age, 18, 80);
        w->customers[i].zip = (int32_t)(tg_rng_next(&r) % (uint64_t)w->nzips);
    }
    w->norders = p->orders;
    if (w->norders == 0)
        return TG_OK;
    w->orders = tg_calloc((size_t)w->norders, sizeof *w->orders);
    /* Demand weights per (day, product). */
    size_t ncell = (size_t)p->days * (size_t)w->nproducts;
    double *cum = tg_malloc(ncell * sizeof *cum);
    double *score = tg_malloc((size_t)w->norders * sizeof *score);
    int rc = TG_ENOMEM;
    if (!w->orders || !cum || !score)
        goto out;
    double tot = 0;
    for (int d = 0; d < p->days; d++)
        for (int32_t pi = 0; pi < w->nproducts; pi++) {
            const tg_sim__product *pr = &w->products[pi];
            int64_t mid = p->start + (int64_t)d * TG_SIM__DAY + TG_SIM__DAY / 2;
            double f = tg_sim__curve(&w->tags[pr->tag[0]], mid);
            tot += pr->base_demand * (1.0 + 8.0 * w->tags[pr->tag[0]].amp * f);
            cum[(size_t)d * (size_t)w->nproducts + (size_t)pi] = tot;
        }
    stream(&r, p->seed, "orders", 0);
    for (long i = 0; i < w->norders; i++) {
        double u = tg_rng_unif(&r) * tot;
        size_t lo = 0, hi = ncell - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cum[mid] <= u)
                lo = mid + 1;
            else
                hi = mid;
        }
        tg_sim__order *o = &w->orders[i];
        int d = (int)(lo / (size_t)w->nproducts);
        o->product = (int32_t)(lo % (size_t)w->nproducts);
        o->time = p->start + (int64_t)d * TG_SIM__DAY + (int64_t)(tg_rng_unif(&r) * TG_SIM__DAY);
        o->customer = (int32_t)(tg_rng_next(&r) % (uint64_t)w->ncustomers);
        double price = w->products[o->product].price;
        if (tg_rng_unif(&r) < 0.1)
            price = floor(price * unif(&r, 0.8, 0.95) * 100 + 0.5) / 100;
        o->price_paid = price;
    }
    tg_qsort(w->orders, (size_t)w->norders, sizeof *w->orders, cmp_order);
    /* Regret: the deterministic score, moderate noise, an intercept calibrated so that
     * the mean p_true is the base rate, then one Bernoulli draw per order. */
    stream(&r, p->seed, "regret-noise", 0);
    for (long i = 0; i < w->norders; i++)
        score[i] =
            TG_SIM__SCALE * regret_score(w, &w->orders[i]) + TG_SIM__NOISE_SD * tg_rng_norm(&r);
    double lo = -20, hi = 20;
    for (int it = 0; it < 60; it++) {
        double b0 = (lo + hi) / 2, s = 0;
        for (long i = 0; i < w->norders; i++)
            s += sigmoid(b0 + score[i]);
        if (s / (double)w->norders < TG_SIM__BASE_RATE)
            lo = b0;
        else
            hi = b0;
    }
    double b0 = (lo + hi) / 2;
    stream(&r, p->seed, "regret-draw", 0);
    tg_rng rr;
    stream(&rr, p->seed, "returns", 0);
    for (long i = 0; i < w->norders; i++) {
        tg_sim__order *o = &w->orders[i];
        o->p_true = floor(sigmoid(b0 + score[i]) * 1e6 + 0.5) / 1e6;
        o->regretted = tg_rng_unif(&r) < o->p_true;
        if (o->regretted) {
            o->reason = 1;
            o->return_time = o->time + (int64_t)(unif(&rr, 2, 29.5) * TG_SIM__DAY);
        } else if (tg_rng_unif(&rr) < 0.06) {
            o->reason = tg_rng_unif(&rr) < 0.4 ? 2 : 3;
            o->return_time = o->time + (int64_t)(unif(&rr, 1, 29.5) * TG_SIM__DAY);
        }
        if (o->return_time && tg_rng_unif(&rr) < 0.15)
            o->reason |= 0x80; /* reason left empty by the store clerk */
    }
    rc = TG_OK;
out:
    tg_free(cum);
    tg_free(score);
    return rc;
}

static int gen_reviews(tg_sim_world *w)
{
    tg_rng r;
    stream(&r, w->p.seed, "reviews", 0);
    long cap = w->norders / 8 + 16;
    w->reviews = tg_malloc((size_t)cap * sizeof *w->reviews);
    if (!w->reviews)
        return TG_ENOMEM;
    for (long i = 0; i < w->norders; i++) {
        const tg_sim__order *o = &w->orders[i];
        if (tg_rng_unif(&r) >= 0.12)
            continue;
        int64_t t = o->time + (int64_t)(unif(&r, 3, 20) * TG_SIM__DAY);
        double q = w->products[o->product].quality;
        double lat = 1.0 + 4.0 * q + 0.9 * tg_rng_norm(&r) - (o->regretted ? 1.0 : 0.0);
        int rating = (int)clampd(floor(lat + 0.5), 1, 5);
        if (t >= w->end)
            continue;
        if (w->nreviews == cap) {
            long nc = cap * 2;
            tg_sim__review *nr = tg_realloc(w->reviews, (size_t)nc * sizeof *nr);
            if (!nr)
                return TG_ENOMEM;
            w->reviews = nr;
            cap = nc;
        }
        tg_sim__review *rv = &w->reviews[w->nreviews++];
        rv->product = o->product;
        rv->time = t;
        rv->rating = (uint8_t)rating;
        int set = rating >= 4 ? 0 : rating == 3 ? 1 : 2;
        int ns = 1 + (int)(tg_rng_next(&r) % 2);
        for (int k = 0; k < 3; k++)
            rv->tpl[k] = 0xffff;
        for (int k = 0; k < ns; k++)
            rv->tpl[k] = (uint16_t)((set << 8) | (int)(tg_rng_next(&r) % 8));
        if (o->regretted && rating <= 3 && tg_rng_unif(&r) < 0.6)
            rv->tpl[2] = (uint16_t)((3 << 8) | (int)(tg_rng_next(&r) % 8));
    }
    tg_qsort(w->reviews, (size_t)w->nreviews, sizeof *w->reviews, cmp_review);
    return TG_OK;
}

static void summarize(tg_sim_world *w)
{
    tg_sim_summary *s = &w->summary;
    memset(s, 0, sizeof *s);
    s->products = w->nproducts;
    s->hashtags = w->ntags;
    for (int32_t i = 0; i < w->ntags; i++) {
        s->bot_hashtags += w->tags[i].bot;
        s->trending_hashtags += w->tags[i].trending;
    }
    s->videos = w->nvideos;
    for (int32_t i = 0; i < w->nlistings; i++) {
        if (w->listings[i].site == TG_SIM__EBAY)
            s->ebay_listings++;
        else
            s->poshmark_listings++;
    }
    s->orders = w->norders;
    s->customers = w->ncustomers;
    s->reviews = w->nreviews;
    s->base_rate = s->oracle_auc = NAN;
    double psum = 0;
    double *sc = tg_malloc((size_t)(w->norders ? w->norders : 1) * sizeof *sc);
    unsigned char *lb = tg_malloc((size_t)(w->norders ? w->norders : 1));
    for (long i = 0; i < w->norders; i++) {
        const tg_sim__order *o = &w->orders[i];
        s->returns += o->return_time != 0;
        s->regretted += o->regretted;
        psum += o->p_true;
        if (sc && lb) {
            sc[i] = o->p_true;
            lb[i] = o->regretted;
        }
    }
    if (w->norders) {
        s->base_rate = (double)s->regretted / (double)w->norders;
        s->mean_p_true = psum / (double)w->norders;
        s->oracle_auc = (sc && lb) ? tg_sim_auc(sc, lb, w->norders) : NAN;
    }
    tg_free(sc);
    tg_free(lb);
}

int tg_sim_world_build(const tg_sim_params *p, tg_sim_world **out)
{
    *out = NULL;
    int rc = tg_sim_params_check(p);
    if (rc)
        return rc;
    tg_sim_world *w = tg_calloc(1, sizeof *w);
    if (!w)
        return TG_ENOMEM;
    w->p = *p;
    w->end = p->start + (int64_t)p->days * TG_SIM__DAY;
    if ((rc = gen_products(w)) || (rc = gen_videos(w)) || (rc = gen_listings(w)) ||
        (rc = gen_orders(w)) || (rc = gen_reviews(w))) {
        tg_sim_world_free(&w);
        return rc;
    }
    summarize(w);
    *out = w;
    return TG_OK;
}

/* ------------------------------------------------------------------------ */

typedef struct auc_item {
    double s;
    unsigned char y;
} auc_item;

static int cmp_auc(const void *a, const void *b)
{
    double x = ((const auc_item *)a)->s, y = ((const auc_item *)b)->s;
    return (x > y) - (x < y);
}

double tg_sim_auc(const double *score, const unsigned char *label, long n)
{
    auc_item *it = tg_malloc((size_t)(n > 0 ? n : 1) * sizeof *it);
    if (!it)
        return NAN;
    long pos = 0;
    for (long i = 0; i < n; i++) {
        it[i].s = score[i];
        it[i].y = label[i] ? 1 : 0;
        pos += it[i].y;
    }
    long neg = n - pos;
    if (!pos || !neg) {
        tg_free(it);
        return NAN;
    }
    tg_qsort(it, (size_t)n, sizeof *it, cmp_auc);
    /* Sum of positive ranks with mid-ranks for ties. */
    double rank_sum = 0;
    long i = 0;
    while (i < n) {
        long j = i;
        while (j + 1 < n && it[j + 1].s == it[i].s)
            j++;
        double mid = (double)(i + j) / 2.0 + 1.0;
        for (long k = i; k <= j; k++)
            if (it[k].y)
                rank_sum += mid;
        i = j + 1;
    }
    tg_free(it);
    return (rank_sum - (double)pos * (double)(pos + 1) / 2.0) / ((double)pos * (double)neg);
}
