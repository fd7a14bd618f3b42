/* lazy_yara.c: libyara (Debian libyara9), loaded on first use (lazylib.h). */
#include <yara.h>

#include "core/lazylib.h"

#define YARA_FUNCS(X, XV, XN, L)                                                                  \
    X(L, int, yr_initialize, (void), (), ERROR_INTERNAL_FATAL_ERROR)                              \
    X(L, int, yr_finalize, (void), (), ERROR_INTERNAL_FATAL_ERROR)                                \
    X(L, int, yr_compiler_create, (YR_COMPILER **c), (c), ERROR_INTERNAL_FATAL_ERROR)             \
    XV(L, yr_compiler_destroy, (YR_COMPILER *c), (c))                                             \
    XV(L, yr_compiler_set_callback, (YR_COMPILER *c, YR_COMPILER_CALLBACK_FUNC cb, void *u), (c, cb, u)) \
    X(L, int, yr_compiler_add_file, (YR_COMPILER *c, FILE *f, const char *ns, const char *name),  \
      (c, f, ns, name), 1)                                                                         \
    X(L, int, yr_compiler_get_rules, (YR_COMPILER *c, YR_RULES **r), (c, r), ERROR_INTERNAL_FATAL_ERROR) \
    X(L, int, yr_rules_destroy, (YR_RULES *r), (r), ERROR_INTERNAL_FATAL_ERROR)                   \
    X(L, int, yr_rules_scan_mem,                                                                  \
      (YR_RULES *r, const uint8_t *b, size_t n, int f, YR_CALLBACK_FUNC cb, void *u, int t),      \
      (r, b, n, f, cb, u, t), ERROR_INTERNAL_FATAL_ERROR)

#ifndef IVET_SONAME_YARA                 /* set by CMake from the library found */
#define IVET_SONAME_YARA "libyara.so.9"
#define IVET_PACKAGE_YARA "libyara9"
#endif
IVET_LAZY_DEFINE(yara, YARA_FUNCS, IVET_SONAME_YARA, IVET_PACKAGE_YARA)
