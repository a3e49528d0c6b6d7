/*
 * revisit.h - adaptive re-poll intervals, shared by the sources (crawler/sources/ only).
 *
 * Young things change fast, old ones hardly at all: a recurring job whose
 * newest item is at most a week old is re-polled every poll_every, 2x that
 * when its newest item is up to two weeks old, 4x beyond. "Item" is the
 * source's: a TikTok creation window's last day, the newest active listing
 * a resale query found (Poshmark created_at, eBay Browse itemCreationDate),
 * the newest sale on an eBay sold-listings query.
 *
 * A paged chain carries its newest time (epoch seconds, 0 = none seen) as
 * the last field of the item state, so the interval chosen on the last page
 * covers every page of the chain, also across a restart.
 */
#ifndef TG_SOURCES_REVISIT_H
#define TG_SOURCES_REVISIT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline double tg_src__revisit_factor(double age_days)
{
    return age_days <= 7 ? 1.0 : age_days <= 14 ? 2.0 : 4.0;
}

/* Factor for a chain whose newest item is at `newest` (0: unknown -> 1x). */
static inline double tg_src__revisit_newest(int64_t newest, int64_t now)
{
    return newest > 0 ? tg_src__revisit_factor((double)(now - newest) / 86400.0) : 1.0;
}

/* The newest time kept in a state "... NEWEST" (its last field; 0 when absent). */
static inline int64_t tg_src__state_newest(const char *state, int fields_before)
{
    long long v = 0;
    const char *p = state;
    for (int i = 0; i < fields_before && p; i++) {
        p += strspn(p, " ");
        p = strchr(p, ' ');
    }
    if (p && sscanf(p, "%lld", &v) == 1 && v > 0)
        return (int64_t)v;
    return 0;
}

#endif
