/*
 * util.h - small shared pieces: allocation (with failure injection), a
 * growable byte buffer with a hard cap, time and duration parsing.
 *
 * Allocation: every allocation of project code goes through tg_malloc and
 * friends so that tests can make the Nth allocation fail (curl's torture
 * mode, SQLite's OOM loop): set TG_FAIL_ALLOC=N in the environment or call
 * tg_alloc_fail_at(N). Memory from tg_malloc is released with tg_free.
 */
#ifndef TRENDGUARD_UTIL_H
#define TRENDGUARD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *tg_malloc(size_t n);
void *tg_calloc(size_t n, size_t size);
void *tg_realloc(void *p, size_t n);
char *tg_strdup(const char *s);
char *tg_strndup(const char *s, size_t n);
void tg_free(void *p);
/* Make allocation number n (1-based, counted from now) fail; 0 disables. */
void tg_alloc_fail_at(long n);
/* Number of allocations made since the last tg_alloc_fail_at(). */
long tg_alloc_count(void);

/*
 * tg_buf: a growable byte buffer. Always NUL-terminated (data[len] == 0)
 * once anything was added. `cap` is a hard limit on len: appends beyond it
 * fail with TG_ETOOBIG and leave the buffer unchanged (curl's dynbuf rule).
 */
typedef struct tg_buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t cap;
} tg_buf;

void tg_buf_init(tg_buf *b, size_t cap);
int tg_buf_add(tg_buf *b, const void *p, size_t n);
int tg_buf_adds(tg_buf *b, const char *s);
int tg_buf_printf(tg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tg_buf_addc(tg_buf *b, char c);
void tg_buf_reset(tg_buf *b);
void tg_buf_free(tg_buf *b);
/* Hand the data to the caller (who tg_free()s it) and reset the buffer. */
char *tg_buf_detach(tg_buf *b);

/*
 * Time. TrendGuard keeps times as int64 seconds since the Unix epoch, UTC.
 * tg_time_parse accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][.fff](Z|±HH:MM)"
 * and "YYYY-MM-DD HH:MM[:SS]" (taken as UTC). Returns TG_OK or TG_EDATA.
 */
int tg_time_parse(const char *s, int64_t *out);
int tg_time_parse_n(const char *s, size_t n, int64_t *out);
/* RFC 7231 HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT"). */
int tg_http_date_parse(const char *s, int64_t *out);
/* Format as "2026-03-14T10:22:00Z" into buf (>= 21 bytes). */
char *tg_time_format(int64_t t, char *buf, size_t n);
/* Format as "2026-03-14" into buf (>= 11 bytes). */
char *tg_date_format(int64_t t, char *buf, size_t n);
/* Format as an HTTP-date into buf (>= 30 bytes). */
char *tg_http_date_format(int64_t t, char *buf, size_t n);
/* Day number (days since 1970-01-01) of t, flooring negative times. */
int32_t tg_day_of(int64_t t);
/* Civil date <-> days since epoch (Howard Hinnant's algorithm). */
int64_t tg_days_from_civil(int y, unsigned m, unsigned d);
/* Wall-clock now, seconds, and a monotonic clock in seconds (double). */
int64_t tg_now(void);
double tg_mono(void);

/* Durations: "90s", "15m", "6h", "1d", "250ms" or a bare number of seconds. */
int tg_duration_parse(const char *s, double *seconds);

/* qsort that accepts an empty (possibly NULL) array, which qsort(3) does not. */
static inline void tg_qsort(void *base, size_t n, size_t size,
                            int (*cmp)(const void *, const void *))
{
    extern void qsort(void *, size_t, size_t, int (*)(const void *, const void *));
    if (n > 1)
        qsort(base, n, size, cmp);
}

/* Case-insensitive ASCII comparisons. */
bool tg_streq_ci(const char *a, const char *b);
/* Trim ASCII whitespace in place; returns s. */
char *tg_trim(char *s);

/* Deterministic 64-bit PRNG (splitmix64 seeded xoshiro256**). */
typedef struct tg_rng {
    uint64_t s[4];
} tg_rng;
void tg_rng_seed(tg_rng *r, uint64_t seed);
uint64_t tg_rng_next(tg_rng *r);
/* Uniform double in [0,1). */
double tg_rng_unif(tg_rng *r);
/* Standard normal. */
double tg_rng_norm(tg_rng *r);
/* 64-bit hash of bytes (FNV-1a then a splitmix finaliser). */
uint64_t tg_hash64(const void *p, size_t n);

#endif
