/* lazylib.h: third-party libraries loaded on first use. libcurl, libarchive,
 * Vectorscan and YARA (with their own dependencies, 40-odd shared objects)
 * cost about 10 ms of dynamic loading at every start, libcrypto another 2 ms,
 * which `imagevet name`, `vercmp` or `--version` never need.
 * src/core/lazy_<lib>.c define the library's functions that imagevet calls,
 * with the library's own prototypes (so the compiler checks them); the first
 * call dlopen()s the Debian package's shared object by its soname and later
 * calls go straight through.
 *
 * Entry points call ivet_lazylib_require() first, so that a missing library
 * is a clear error (exit 2) naming the file and the Debian package. A stub
 * reached without the library returns its function's failure value (NULL,
 * an error code). */
#ifndef IVET_LAZYLIB_H
#define IVET_LAZYLIB_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/core.h"

struct ivet_lazylib {
    const char *soname;                 /* "libcurl.so.4" */
    const char *package;                /* the Debian package shipping it */
    const char *const *names;           /* the symbols, in slot order */
    void **slots;                       /* their addresses once loaded */
    size_t n;
    void (*init)(void);                 /* ivet_lazylib_open(this), for pthread_once */
    pthread_once_t once;
    atomic_bool ok;
    char why[256];                      /* dlerror() when loading failed */
};

extern struct ivet_lazylib ivet_lib_curl, ivet_lib_archive, ivet_lib_hs, ivet_lib_yara, ivet_lib_crypto,
    ivet_lib_mhd;

/* Loads l once (thread-safe); false when the library or a symbol is missing. */
bool ivet_lazylib_load(struct ivet_lazylib *l);
/* The loading itself (l->init calls it under pthread_once). */
void ivet_lazylib_open(struct ivet_lazylib *l);
/* Loads l, or fails with IVET_E_UNSUPPORTED naming the library, the reason
 * and the package to install. */
int ivet_lazylib_require(struct ivet_lazylib *l, struct ivet_err *err);

/* For the stub files. A library's table is a macro TABLE(X, XV, XN, lib)
 * listing X(lib, ret, name, params, args, failure value) for functions with
 * a result, XV(lib, name, params, args) for void ones and XN(lib, name) for
 * those whose stub is written by hand (variadic ones).
 * IVET_LAZY_DEFINE(lib, TABLE, soname, package) defines the library object
 * `ivet_lib_<lib>`, its symbol table and one stub per X and XV entry. */
#define IVET_LAZY_NAME_(lib, ret, name, params, args, fail) #name,
#define IVET_LAZY_NAMEV_(lib, name, params, args) #name,
#define IVET_LAZY_NAMEN_(lib, name) #name,
#define IVET_LAZY_ENUM_(lib, ret, name, params, args, fail) IVET_LAZY_I_##name,
#define IVET_LAZY_ENUMV_(lib, name, params, args) IVET_LAZY_I_##name,
#define IVET_LAZY_ENUMN_(lib, name) IVET_LAZY_I_##name,
#define IVET_LAZY_STUB_(lib, ret, name, params, args, fail)                                       \
    ret name params                                                                               \
    {                                                                                             \
        if (!ivet_lazylib_load(&ivet_lib_##lib))                                                  \
            return fail;                                                                          \
        return IVET_LAZY_FN(lib, name) args;                                                      \
    }
#define IVET_LAZY_STUBV_(lib, name, params, args)                                                 \
    void name params                                                                              \
    {                                                                                             \
        if (ivet_lazylib_load(&ivet_lib_##lib))                                                   \
            IVET_LAZY_FN(lib, name) args;                                                         \
    }
#define IVET_LAZY_NONE_(lib, name)
#define IVET_LAZY_DEFINE(lib, TABLE, so, pkg)                                                     \
    enum { TABLE(IVET_LAZY_ENUM_, IVET_LAZY_ENUMV_, IVET_LAZY_ENUMN_, lib) IVET_LAZY_N_##lib };  \
    static const char *const lib##_names[] = {                                                    \
        TABLE(IVET_LAZY_NAME_, IVET_LAZY_NAMEV_, IVET_LAZY_NAMEN_, lib) NULL };                   \
    static void *lib##_slots[IVET_LAZY_N_##lib];                                                  \
    static void lib##_init(void);                                                                 \
    struct ivet_lazylib ivet_lib_##lib = { so, pkg, lib##_names, lib##_slots, IVET_LAZY_N_##lib, \
                                           lib##_init, PTHREAD_ONCE_INIT, false, "" };           \
    static void lib##_init(void)                                                                  \
    {                                                                                             \
        ivet_lazylib_open(&ivet_lib_##lib);                                                       \
    }                                                                                             \
    TABLE(IVET_LAZY_STUB_, IVET_LAZY_STUBV_, IVET_LAZY_NONE_, lib)
/* The loaded address of `name`, with its own type. */
#define IVET_LAZY_FN(lib, name) ((__typeof__(&name))lib##_slots[IVET_LAZY_I_##name])

#endif
