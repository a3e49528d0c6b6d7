/*
 * robots.h - robots.txt (RFC 9309), matched the way Google's reference
 * parser (google/robotstxt) does.
 *
 * - Groups are chosen by product token, case-insensitively: the agent
 *   "TrendGuard/0.1 (+https://...)" obeys groups for "trendguard"; when no
 *   group names it, the "*" groups apply; else everything is allowed.
 * - The longest matching path pattern wins; Allow wins a tie. '*' matches any
 *   run of characters, a final '$' anchors the end. Patterns and paths are
 *   compared after percent-encoding normalisation (non-ASCII bytes encoded,
 *   hex digits of %xx upper-cased).
 * - At least 500 KiB of the file is parsed (TG_ROBOTS_MAX_BYTES); the rest
 *   is ignored.
 * - HTTP status policy (tg_robots_status_policy): 2xx parse, 4xx allow all,
 *   5xx / unreachable disallow all.
 *
 * Ownership: tg_robots_parse() returns an object the caller frees with
 * tg_robots_free(&r). It copies what it keeps; it is immutable after parsing
 * so any number of threads may query it at once.
 */
#ifndef TRENDGUARD_ROBOTS_H
#define TRENDGUARD_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

#define TG_ROBOTS_MAX_BYTES (512u * 1024)

typedef struct tg_robots tg_robots;

typedef enum tg_robots_mode {
    TG_ROBOTS_PARSE = 0,   /* use the parsed rules */
    TG_ROBOTS_ALLOW_ALL,   /* e.g. robots.txt answered 4xx */
    TG_ROBOTS_DISALLOW_ALL /* e.g. 5xx or unreachable */
} tg_robots_mode;

/*
 * Parse buf[0..len) for the crawler's user agent `agent` (full UA string or
 * product token). Keeps only the rules that apply to that agent. Returns
 * TG_OK, TG_ENOMEM or TG_EINVAL (NULL out). Never fails on malformed
 * content (unknown lines are ignored, as RFC 9309 asks).
 */
int tg_robots_parse(const char *buf, size_t len, const char *agent, tg_robots **out);
/* An object that allows or disallows everything (mode != TG_ROBOTS_PARSE). */
int tg_robots_new_mode(tg_robots_mode mode, tg_robots **out);
void tg_robots_free(tg_robots **r);

/* Is url (absolute URL, or a path starting with '/') allowed? */
bool tg_robots_allowed(const tg_robots *r, const char *url);
/* Crawl-delay (seconds) of the matched group; < 0 when none given. */
double tg_robots_crawl_delay(const tg_robots *r);
/* Number of rules kept for the agent (tests, status). */
size_t tg_robots_rule_count(const tg_robots *r);

/* The policy for a robots.txt fetch result: status 0 = unreachable. */
tg_robots_mode tg_robots_status_policy(long http_status);

/* Is s a valid product token to obey ([A-Za-z_-]+, non-empty)? */
bool tg_robots_valid_agent(const char *s);
/* Path, params and query of url as matched against rules ("/" when empty);
 * written NUL-terminated into buf (truncated to n-1). Returns buf. */
char *tg_robots_path_of(const char *url, char *buf, size_t n);

/* One-shot helper: does robots text allow url for agent? */
bool tg_robots_is_allowed(const char *buf, size_t len, const char *agent, const char *url);

#endif
