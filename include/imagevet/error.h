/* error.h: how every fallible imagevet function reports failure.
 *
 * A fallible function returns an int (0 on success, -IVET_E_* on failure) or a
 * pointer (NULL on failure) and takes `struct ivet_err *err` as its last
 * parameter. The error is set once where the problem is detected and gains
 * context on its way up ("layer 'sha256:..': entry 'usr/bin/x': ..."). */
#ifndef IMAGEVET_ERROR_H
#define IMAGEVET_ERROR_H

#include <stddef.h>

#if defined(__GNUC__)
#define IVET_API __attribute__((visibility("default")))
#define IVET_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define IVET_API
#define IVET_PRINTF(f, a)
#endif

/* X(name, number, exit status, short description). Stable numbers: append
 * only, never renumber or reuse. */
#define IVET_ERROR_TABLE(X)                                                     \
    X(IVET_OK,          0, 0, "ok")                                             \
    X(IVET_E_NOMEM,     1, 2, "out of memory")                                  \
    X(IVET_E_IO,        2, 2, "input/output error")                             \
    X(IVET_E_FORMAT,    3, 2, "malformed input")                                \
    X(IVET_E_DIGEST,    4, 2, "digest mismatch")                                \
    X(IVET_E_LIMIT,     5, 2, "safety limit reached")                           \
    X(IVET_E_NETWORK,   6, 2, "network error")                                  \
    X(IVET_E_UNSUPPORTED, 7, 2, "unsupported")                                  \
    X(IVET_E_USAGE,     8, 2, "usage error")                                    \
    X(IVET_E_NOTFOUND,  9, 2, "not found")                                      \
    X(IVET_E_AUTH,     10, 2, "authentication failed")                          \
    X(IVET_E_INTERNAL, 11, 2, "internal error")

enum ivet_code {
#define IVET_X_ENUM(name, num, exit, desc) name = num,
    IVET_ERROR_TABLE(IVET_X_ENUM)
#undef IVET_X_ENUM
};

struct ivet_err {
    enum ivet_code code;        /* IVET_OK until something fails */
    int sys_errno;              /* errno of the failing system call, else 0 */
    char *msg;                  /* "outermost: ...: innermost"; owned, NULL when OK */
};
#define IVET_ERR_INIT { IVET_OK, 0, NULL }

/* Record a failure where it is detected; replaces any earlier message.
 * Returns -code. Never fails (falls back to a static text on OOM). */
IVET_API int ivet_err_set(struct ivet_err *err, enum ivet_code code, const char *fmt, ...)
    IVET_PRINTF(3, 4);
/* Like ivet_err_set, and records errno and appends ": strerror(errno)". */
IVET_API int ivet_err_sys(struct ivet_err *err, enum ivet_code code, const char *fmt, ...)
    IVET_PRINTF(3, 4);
/* Prefix context to a recorded failure: "context: old message". Returns -err->code
 * (IVET_E_INTERNAL if nothing was recorded). */
IVET_API int ivet_err_wrap(struct ivet_err *err, const char *fmt, ...) IVET_PRINTF(2, 3);
/* Frees the message and resets to IVET_OK. */
IVET_API void ivet_err_release(struct ivet_err *err);
/* Moves src into dst (dst released first); src becomes IVET_OK. */
IVET_API void ivet_err_move(struct ivet_err *dst, struct ivet_err *src);
IVET_API const char *ivet_err_name(enum ivet_code code);
IVET_API const char *ivet_err_desc(enum ivet_code code);
IVET_API int ivet_err_exit_status(enum ivet_code code);
/* The message, or the code's description when there is none. Borrowed. */
IVET_API const char *ivet_err_msg(const struct ivet_err *err);

#endif
