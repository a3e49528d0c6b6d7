/*
 * url.h - URL resolution and canonicalisation for dedup and scope.
 *
 * Canonical form: lower-case scheme and host, default port dropped (80 for
 * http, 443 for https), empty path -> "/", fragment dropped, tracking
 * parameters dropped (utm_*, _trksid, _trkparms, _from, hash, fbclid,
 * gclid, mkcid, mkrid, mkevt, campid, customid, toolid, ssPageName,
 * _ga, mc_cid, mc_eid), remaining query parameters sorted (stable, byte
 * order of the whole "k=v" pair), "?" dropped when nothing remains.
 *
 * Ownership: every char ** result is tg_malloc'd; the caller tg_free()s it.
 * Only http and https URLs are accepted (TG_EDATA otherwise).
 */
#ifndef TRENDGUARD_URL_H
#define TRENDGUARD_URL_H

#include <stdbool.h>
#include <stddef.h>

#define TG_URL_MAX 8192

/* Resolve ref against base (RFC 3986 section 5.2, dot segments removed; the
 * fragment is dropped: it never changes what a server returns).
 * Returns TG_OK, TG_EDATA (not http(s) or unparsable) or TG_ENOMEM. */
int tg_url_resolve(const char *base, const char *ref, char **out);
/* Canonical form of an absolute http(s) URL (see above). */
int tg_url_canonical(const char *url, char **out);
/* Lower-case host of url (no port) into buf. TG_OK, TG_EDATA or TG_ETOOBIG. */
int tg_url_host(const char *url, char *buf, size_t n);
/* "scheme://host[:port]" (port only when not the default) into buf. */
int tg_url_origin(const char *url, char *buf, size_t n);
/* Is the query parameter name a tracking parameter that canonical drops? */
bool tg_url_is_tracking_param(const char *name, size_t n);

#endif
