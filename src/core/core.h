/* core.h: the internal toolbox every subsystem uses: allocation, bounded
 * buffers, byte slices, digests, pull streams, limits and small helpers.
 * Subsystems include "core/core.h"; nothing here depends on another subsystem. */
#ifndef IVET_CORE_H
#define IVET_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "imagevet/error.h"
#include "imagevet/limits.h"

#define IVET_INTERNAL __attribute__((visibility("hidden")))
#define IVET_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define IVET_MIN(a, b) ((a) < (b) ? (a) : (b))
#define IVET_MAX(a, b) ((a) > (b) ? (a) : (b))

/* A programmer bug, never an input check: prints and aborts. */
#define IVET_ASSERT(c)                                                          \
    do {                                                                        \
        if (!(c))                                                               \
            ivet_assert_fail(#c, __FILE__, __LINE__);                           \
    } while (0)
_Noreturn void ivet_assert_fail(const char *cond, const char *file, int line);

/* ---- alloc.c: every allocation goes through here, so tests can make the
 * Nth allocation fail (ivet_alloc_fail_after). Never exits on OOM. */
void *ivet_malloc(size_t n);
void *ivet_calloc(size_t nmemb, size_t size);
void *ivet_realloc(void *p, size_t n);
/* realloc of nmemb*size with overflow check */
void *ivet_reallocarray(void *p, size_t nmemb, size_t size);
char *ivet_strdup(const char *s);
char *ivet_strndup(const char *s, size_t n);
void ivet_free(void *p);
/* printf into a fresh string; NULL on OOM */
char *ivet_asprintf(const char *fmt, ...) IVET_PRINTF(1, 2);
/* Test hook: after `n` more successful allocations, every allocation fails;
 * n < 0 disables. Thread-safe (atomic). */
void ivet_alloc_fail_after(long n);
/* Bypass the hook (only err.c uses these). */
void *ivet_raw_malloc(size_t n);
void ivet_raw_free(void *p);

/* ---- bytes: a borrowed slice; never owns. */
struct ivet_bytes {
    const uint8_t *ptr;
    size_t len;
};
#define IVET_BYTES_LIT(s) ((struct ivet_bytes){ (const uint8_t *)(s), sizeof(s) - 1 })
static inline struct ivet_bytes ivet_bytes_make(const void *p, size_t n)
{
    return (struct ivet_bytes){ (const uint8_t *)p, n };
}
/* first occurrence of needle in hay, or NULL */
const uint8_t *ivet_bytes_find(struct ivet_bytes hay, struct ivet_bytes needle);

/* ---- buf.c: a growable byte buffer with a hard cap (curl's dynbuf).
 * Always NUL-terminated after a successful append (the NUL is not counted). */
struct ivet_buf {
    char *ptr;
    size_t len, cap;
    size_t max;                 /* growing past this is IVET_E_LIMIT */
};
void ivet_buf_init(struct ivet_buf *b, size_t max);
void ivet_buf_release(struct ivet_buf *b);
void ivet_buf_reset(struct ivet_buf *b);            /* len = 0, keeps memory */
int ivet_buf_append(struct ivet_buf *b, const void *p, size_t n, struct ivet_err *err);
int ivet_buf_puts(struct ivet_buf *b, const char *s, struct ivet_err *err);
int ivet_buf_printf(struct ivet_buf *b, struct ivet_err *err, const char *fmt, ...)
    IVET_PRINTF(3, 4);
/* Hands the string to the caller (NUL-terminated, never NULL after an append;
 * an empty buffer gives an empty string) and resets the buffer. NULL on OOM. */
char *ivet_buf_detach(struct ivet_buf *b);

/* An n-byte unsigned integer (n <= 8) stored at p in the given byte order. */
static inline uint64_t ivet_load_uint(const uint8_t *p, unsigned n, bool big_endian)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[big_endian ? n - 1 - i : i] << (8 * i);
    return v;
}

/* ---- digest.c: sha256 through OpenSSL EVP (SHA-NI). */
#define IVET_DIGEST_HEX 64
struct ivet_digest {
    char text[7 + IVET_DIGEST_HEX + 1];     /* "sha256:<64 lowercase hex>" */
    uint8_t raw[32];
};
/* Parses "sha256:<64 hex>" (lowercase only, as the OCI spec requires). Other
 * algorithms are IVET_E_UNSUPPORTED; anything else IVET_E_FORMAT. */
int ivet_digest_parse(struct ivet_digest *d, const char *s, struct ivet_err *err);
bool ivet_digest_eq(const struct ivet_digest *a, const struct ivet_digest *b);
/* the 64 hex characters (borrowed, points into d->text) */
static inline const char *ivet_digest_hex(const struct ivet_digest *d) { return d->text + 7; }
/* One-shot sha256 of a buffer. */
void ivet_sha256(const void *p, size_t n, struct ivet_digest *out);

struct ivet_sha256;             /* incremental hasher */
struct ivet_sha256 *ivet_sha256_new(struct ivet_err *err);
void ivet_sha256_update(struct ivet_sha256 *h, const void *p, size_t n);
void ivet_sha256_final(struct ivet_sha256 *h, struct ivet_digest *out);
/* Starts over (after final), for the next input. */
void ivet_sha256_reset(struct ivet_sha256 *h);
void ivet_sha256_free(struct ivet_sha256 *h);

/* ---- istream.c: pull streams that chain (apk-tools' istream).
 * A wrapper owns its input from the moment it is called, even when it fails;
 * NULL in gives NULL out (the error is already in err), so a pipeline needs
 * one check at the end. Errors are sticky: once read() failed, every later
 * read() returns the same failure and close() returns it too. */
struct ivet_istream;
struct ivet_istream_ops {
    /* read up to n bytes; 0 at EOF; -code on failure (and sets *err) */
    ssize_t (*read)(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err);
    void (*close)(struct ivet_istream *s);  /* frees s and its input */
    /* Optional, for streams that hold their bytes in a buffer of their own:
     * like read, but may point *p into that buffer (valid until the next call
     * on the stream) instead of copying; else it reads into buf, *p = buf. */
    ssize_t (*borrow)(struct ivet_istream *s, const void **p, void *buf, size_t n,
                      struct ivet_err *err);
};
struct ivet_istream {
    const struct ivet_istream_ops *ops;
    int failed;                 /* sticky -code of the first failure, 0 when fine */
    struct ivet_err ferr;       /* copy of the first failure, replayed to later calls */
    uint64_t pos;               /* bytes returned so far */
};
/* Initialise the common part (for stream implementations). */
void ivet_istream_init(struct ivet_istream *s, const struct ivet_istream_ops *ops);
/* Reads up to n bytes: 0 at EOF, -code on failure (err set). */
ssize_t ivet_istream_read(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err);
/* Like ivet_istream_read, without a copy where the stream allows: *p points
 * at the bytes, in buf or in the stream's own buffer (valid until the next
 * call on s). */
ssize_t ivet_istream_borrow(struct ivet_istream *s, const void **p, void *buf, size_t n,
                            struct ivet_err *err);
/* Reads exactly n bytes; a short stream is IVET_E_FORMAT ("truncated"). */
int ivet_istream_read_full(struct ivet_istream *s, void *buf, size_t n, struct ivet_err *err);
/* Reads and discards to EOF (so digest wrappers see every byte). */
int ivet_istream_drain(struct ivet_istream *s, struct ivet_err *err);
/* Reads the whole stream into a fresh buffer of at most max bytes
 * (IVET_E_LIMIT beyond). *out is NUL-terminated; caller frees it. */
int ivet_istream_slurp(struct ivet_istream *s, size_t max, char **out, size_t *len,
                       struct ivet_err *err);
/* Closes and frees; NULL is a no-op. Returns the sticky failure, if any. */
int ivet_istream_close(struct ivet_istream *s);

/* Sources. `chunk` caps each read (0 = no cap) so tests hit every boundary. */
struct ivet_istream *ivet_istream_from_mem(const void *p, size_t n, size_t chunk,
                                           struct ivet_err *err);
/* Takes ownership of fd. Reads `len` bytes from `off` with pread (len
 * UINT64_MAX = to EOF); a shorter file is IVET_E_FORMAT naming `name`. */
struct ivet_istream *ivet_istream_from_fd(int fd, uint64_t off, uint64_t len,
                                          const char *name, struct ivet_err *err);
/* Opens path read-only (O_NOFOLLOW is the caller's business: pass flags). */
struct ivet_istream *ivet_istream_open_file(const char *path, struct ivet_err *err);

/* Wrappers. ivet_istream_digest hashes every byte passing through and, at EOF,
 * compares against `expect`: a mismatch is IVET_E_DIGEST naming `what` and
 * both digests. `got` (optional) receives the digest at EOF. */
struct ivet_istream *ivet_istream_digest(struct ivet_istream *in, const struct ivet_digest *expect,
                                         const char *what, struct ivet_digest *got,
                                         struct ivet_err *err);
/* Fails with IVET_E_LIMIT naming `what` once more than max bytes pass, and
 * (when size_known) with IVET_E_FORMAT when EOF comes before or after
 * exactly `size` bytes. */
struct ivet_istream *ivet_istream_limit(struct ivet_istream *in, uint64_t max,
                                        bool size_known, uint64_t size, const char *what,
                                        struct ivet_err *err);

/* ---- pool.c: fixed thread pool. Jobs run in submission order across
 * `threads` workers; ivet_pool_wait blocks until all submitted jobs finish. */
struct ivet_pool;
typedef void (*ivet_job_fn)(void *arg);
struct ivet_pool *ivet_pool_new(unsigned threads, struct ivet_err *err);
int ivet_pool_submit(struct ivet_pool *p, ivet_job_fn fn, void *arg, struct ivet_err *err);
void ivet_pool_wait(struct ivet_pool *p);
void ivet_pool_free(struct ivet_pool *p);   /* waits, then joins; NULL ok */
unsigned ivet_ncpus(void);

/* ---- util.c */
/* strtoull-like for decimal with overflow check; returns false on junk */
bool ivet_parse_u64(const char *s, uint64_t *out);
/* JSON-safe and terminal-safe copy of up to max bytes of untrusted text: control
 * characters (C0, DEL and C1: U+0080-U+009F) and invalid UTF-8 become \xNN
 * escapes, a tab a blank. Fresh string. */
char *ivet_sanitize(const void *p, size_t n, size_t max);
/* Strict standard base64 of the NUL-terminated s (padding required, no
 * whitespace, zero bits after the last byte) into out, at most cap bytes.
 * Returns the length, or -1. */
long ivet_base64_decode(const char *s, unsigned char *out, size_t cap);
/* true when s starts with prefix */
bool ivet_startswith(const char *s, const char *prefix);
bool ivet_endswith(const char *s, const char *suffix);
/* Normalises a path from a tar entry to the form "/a/b" ("./a//b/" -> "/a/b",
 * "" and "." -> "/"), resolving ".." lexically as Docker's layer extraction
 * does (Go's filepath.Clean): "x/../etc/f" -> "/etc/f". A ".." above the root
 * stays at the root, and *escapes (when given) tells it happened: Docker
 * refuses such an entry as a breakout. Purely textual: nothing on the host is
 * consulted. Fresh string or NULL on OOM. */
char *ivet_path_normalize_ex(const char *p, bool *escapes);
char *ivet_path_normalize(const char *p);
/* Today's date (UTC) as "YYYY-MM-DD". */
void ivet_today(char out[11]);
/* imagevet's cache directory, with `sub` appended when not NULL: `dir` when
 * given (--cache-dir), else $XDG_CACHE_HOME/imagevet when that is absolute
 * (the XDG spec says to ignore a relative one), else $HOME/.cache/imagevet
 * when HOME is absolute. IVET_E_NOTFOUND when there is none. Nothing is
 * created. */
char *ivet_cache_path(const char *dir, const char *sub, struct ivet_err *err);
/* mkdir -p: creates path and its missing parents with `mode` (0700 for
 * caches); directories that exist are fine. Errors name the directory. */
int ivet_mkdir_p(const char *path, unsigned mode, struct ivet_err *err);
/* Time, monotonic seconds. */
double ivet_now(void);

#endif
