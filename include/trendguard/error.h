/*
 * error.h - the one error enum of TrendGuard.
 *
 * Every verb in the project returns an int: 0 (TG_OK) on success or one of the
 * negative TG_E* codes below. The table is an X-macro so that the enum,
 * tg_strerror(), tg_errname() and the sysexits mapping cannot drift apart
 * (the libuv UV_ERRNO_MAP idea). Library errors (curl, LMDB, libuv, XGBoost)
 * are converted once, at the boundary, and their own message is logged there.
 */
#ifndef TRENDGUARD_ERROR_H
#define TRENDGUARD_ERROR_H

/* XX(name, sysexit, message) */
#define TG_ERRNO_MAP(XX)                                                                           \
    XX(ENOMEM, 71, "out of memory")                                                                \
    XX(EINVAL, 64, "invalid argument")                                                             \
    XX(EUSAGE, 64, "usage error")                                                                  \
    XX(EDATA, 65, "bad input data")                                                                \
    XX(EPARSE, 65, "parse error")                                                                  \
    XX(EBLOCKED, 65, "blocked by the site")                                                        \
    XX(ENOTFOUND, 66, "not found")                                                                 \
    XX(EEXIST, 73, "already exists")                                                               \
    XX(EIO, 74, "input/output error")                                                              \
    XX(ENOSPC, 74, "no space left on device")                                                      \
    XX(ESTORE, 74, "store error")                                                                  \
    XX(EMAPFULL, 74, "store map full")                                                             \
    XX(ENET, 69, "network error")                                                                  \
    XX(ETIMEOUT, 69, "timed out")                                                                  \
    XX(EHTTP, 69, "HTTP error")                                                                    \
    XX(ERATELIMIT, 75, "rate limited")                                                             \
    XX(EQUOTA, 75, "quota exhausted")                                                              \
    XX(EAUTH, 77, "authentication failed")                                                         \
    XX(EROBOTS, 77, "disallowed by robots.txt")                                                    \
    XX(ETOOBIG, 65, "input exceeds limit")                                                         \
    XX(ESCOPE, 65, "outside crawl scope")                                                          \
    XX(ECONFIG, 78, "configuration error")                                                         \
    XX(EMODEL, 70, "model error")                                                                  \
    XX(EINTERNAL, 70, "internal error")                                                            \
    XX(EINTR, 75, "interrupted")

typedef enum tg_err {
    TG_OK = 0,
#define TG__ERR_ENUM(name, sx, msg) TG_##name,
    TG__ERR_FIRST = -1000,
    TG_ERRNO_MAP(TG__ERR_ENUM)
#undef TG__ERR_ENUM
        TG__ERR_LAST
} tg_err;

/* Human-readable message for an error code; never NULL. */
const char *tg_strerror(int err);
/* Short symbolic name, e.g. "EDATA"; never NULL. */
const char *tg_errname(int err);
/* The sysexits(3) code a command should exit with for err (0 for TG_OK). */
int tg_exit_code(int err);

#endif
