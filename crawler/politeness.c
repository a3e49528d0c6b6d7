/*
 * Politeness is state of a host, not of a worker: a token bucket (rate
 * requests/s, burst of one second's worth), a concurrency cap, a floor on
 * the interval between starts (robots Crawl-delay), and backoff after 429
 * and 503 that honours Retry-After (seconds or HTTP-date), capped, with
 * full jitter when the server did not say, decaying by one level after
 * each success once the backoff has passed. This is the in-process
 * backend; the fleet keeps the same per-host state in Redis.
 */
#include "crawler/crawl_int.h"
#include "trendguard/error.h"

#include <math.h>
#include <string.h>

#define NBUCKET 256

typedef struct host {
    struct host *next;
    double tokens, last_refill;
    long inflight;
    double not_before; /* backoff: no start before this */
    double last_start;
    double delay_floor; /* Crawl-delay */
    int level;          /* backoff level */
    char name[];
} host;

struct tg_polite {
    tg_polite_cfg cfg;
    host *b[NBUCKET];
    tg_rng rng;
};

int tg_polite__new(tg_polite **out, const tg_polite_cfg *cfg, uint64_t seed)
{
    tg_polite *p = tg_calloc(1, sizeof *p);
    if (!p)
        return TG_ENOMEM;
    p->cfg = *cfg;
    if (p->cfg.backoff_base_s <= 0)
        p->cfg.backoff_base_s = 1;
    tg_rng_seed(&p->rng, seed);
    *out = p;
    return TG_OK;
}

void tg_polite__set_cfg(tg_polite *p, const tg_polite_cfg *cfg)
{
    p->cfg = *cfg;
    if (p->cfg.backoff_base_s <= 0)
        p->cfg.backoff_base_s = 1;
}

void tg_polite__free(tg_polite **pp)
{
    tg_polite *p = *pp;
    if (!p)
        return;
    for (int i = 0; i < NBUCKET; i++) {
        host *h = p->b[i];
        while (h) {
            host *n = h->next;
            tg_free(h);
            h = n;
        }
    }
    tg_free(p);
    *pp = NULL;
}

static host *get(tg_polite *p, const char *name, double now)
{
    uint64_t hv = tg_hash64(name, strlen(name));
    host **slot = &p->b[hv % NBUCKET];
    for (host *h = *slot; h; h = h->next)
        if (strcmp(h->name, name) == 0)
            return h;
    size_t n = strlen(name);
    host *h = tg_calloc(1, sizeof *h + n + 1);
    if (!h)
        return NULL;
    memcpy(h->name, name, n + 1);
    h->tokens = 1;
    h->last_refill = now;
    h->last_start = -1e18;
    h->next = *slot;
    *slot = h;
    return h;
}

static double burst(const tg_polite *p)
{
    return p->cfg.rate > 1 ? p->cfg.rate : 1;
}

static void refill(tg_polite *p, host *h, double now)
{
    if (now > h->last_refill) {
        h->tokens += (now - h->last_refill) * p->cfg.rate;
        if (h->tokens > burst(p))
            h->tokens = burst(p);
        h->last_refill = now;
    }
}

double tg_polite__wait(tg_polite *p, const char *name, double now)
{
    host *h = get(p, name, now);
    if (!h)
        return 0.1;
    if (h->inflight >= p->cfg.max_inflight)
        return 0.05; /* a completion will wake the scheduler sooner */
    double w = 0;
    if (h->not_before > now)
        w = h->not_before - now;
    if (h->delay_floor > 0 && h->last_start + h->delay_floor > now + w)
        w = h->last_start + h->delay_floor - now;
    refill(p, h, now);
    if (h->tokens < 1) {
        double need = (1 - h->tokens) / p->cfg.rate;
        if (need > w)
            w = need;
    }
    return w;
}

void tg_polite__start(tg_polite *p, const char *name, double now)
{
    host *h = get(p, name, now);
    if (!h)
        return;
    refill(p, h, now);
    h->tokens -= 1;
    h->inflight++;
    h->last_start = now;
}

double tg_polite__backoff(tg_polite *p, int attempt, double base_s, double cap_s)
{
    if (attempt < 1)
        attempt = 1;
    double ceil = base_s * ldexp(1.0, attempt > 40 ? 40 : attempt - 1);
    if (ceil > cap_s)
        ceil = cap_s;
    return tg_rng_unif(&p->rng) * ceil; /* full jitter */
}

double tg_polite__done(tg_polite *p, const char *name, double now, long status, double retry_after)
{
    host *h = get(p, name, now);
    if (!h)
        return 0;
    if (h->inflight > 0)
        h->inflight--;
    if (status == 429 || status == 503) {
        h->level++;
        double d;
        if (retry_after >= 0)
            d = retry_after; /* the server said; no jitter below what it asked */
        else
            d = tg_polite__backoff(p, h->level, p->cfg.backoff_base_s, p->cfg.backoff_cap_s);
        if (d > p->cfg.backoff_cap_s)
            d = p->cfg.backoff_cap_s;
        if (now + d > h->not_before)
            h->not_before = now + d;
        return d;
    }
    if (status > 0 && status < 500 && h->level > 0 && now >= h->not_before)
        h->level--; /* decay after a quiet success */
    return 0;
}

void tg_polite__set_delay(tg_polite *p, const char *name, double delay_s)
{
    host *h = get(p, name, tg_mono());
    if (h)
        h->delay_floor = delay_s > 0 ? delay_s : 0;
}
