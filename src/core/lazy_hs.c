/* lazy_hs.c: Vectorscan (Debian libvectorscan5), loaded on first use (lazylib.h). */
#include <hs.h>

#include "core/lazylib.h"

#define HS_FUNCS(X, XV, XN, L)                                                                    \
    X(L, const char *, hs_version, (void), (), "not loaded")                                      \
    X(L, hs_error_t, hs_populate_platform, (hs_platform_info_t *p), (p), HS_INVALID)              \
    X(L, hs_error_t, hs_compile_multi,                                                            \
      (const char *const *ex, const unsigned int *fl, const unsigned int *ids, unsigned int n,      \
       unsigned int mode, const hs_platform_info_t *p, hs_database_t **db, hs_compile_error_t **ce), \
      (ex, fl, ids, n, mode, p, db, ce), HS_COMPILER_ERROR)                                        \
    X(L, hs_error_t, hs_free_compile_error, (hs_compile_error_t *ce), (ce), HS_INVALID)           \
    X(L, hs_error_t, hs_serialize_database, (const hs_database_t *db, char **b, size_t *n),       \
      (db, b, n), HS_INVALID)                                                                      \
    X(L, hs_error_t, hs_deserialize_database, (const char *b, const size_t n, hs_database_t **db), \
      (b, n, db), HS_INVALID)                                                                      \
    X(L, hs_error_t, hs_free_database, (hs_database_t *db), (db), HS_INVALID)                     \
    X(L, hs_error_t, hs_alloc_scratch, (const hs_database_t *db, hs_scratch_t **s), (db, s), HS_INVALID) \
    X(L, hs_error_t, hs_clone_scratch, (const hs_scratch_t *s, hs_scratch_t **d), (s, d), HS_INVALID) \
    X(L, hs_error_t, hs_free_scratch, (hs_scratch_t *s), (s), HS_INVALID)                         \
    X(L, hs_error_t, hs_open_stream, (const hs_database_t *db, unsigned int f, hs_stream_t **st), \
      (db, f, st), HS_INVALID)                                                                     \
    X(L, hs_error_t, hs_scan_stream,                                                              \
      (hs_stream_t *st, const char *d, unsigned int n, unsigned int f, hs_scratch_t *s,           \
       match_event_handler cb, void *c), (st, d, n, f, s, cb, c), HS_INVALID)                      \
    X(L, hs_error_t, hs_close_stream, (hs_stream_t *st, hs_scratch_t *s, match_event_handler cb, void *c), \
      (st, s, cb, c), HS_INVALID)                                                                  \
    X(L, hs_error_t, hs_scan,                                                                     \
      (const hs_database_t *db, const char *d, unsigned int n, unsigned int f, hs_scratch_t *s,   \
       match_event_handler cb, void *c), (db, d, n, f, s, cb, c), HS_INVALID)

#ifndef IVET_SONAME_HS                 /* set by CMake from the library found */
#define IVET_SONAME_HS "libhs.so.5"
#define IVET_PACKAGE_HS "libvectorscan5"
#endif
IVET_LAZY_DEFINE(hs, HS_FUNCS, IVET_SONAME_HS, IVET_PACKAGE_HS)
