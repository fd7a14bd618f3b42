/* lazylib.c: loads a third-party shared object and its symbols on first use
 * (lazylib.h says why). */
#include "core/lazylib.h"

#include <dlfcn.h>
#include <stdio.h>

void ivet_lazylib_open(struct ivet_lazylib *l)
{
    /* RTLD_LOCAL: the library's symbols stay out of the global scope, where
     * the stubs of the same names live. */
    void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(l->why, sizeof(l->why), "%s", e ? e : "dlopen failed");
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        dlerror();
        l->slots[i] = dlsym(h, l->names[i]);
        if (!l->slots[i]) {
            snprintf(l->why, sizeof(l->why), "symbol '%s' missing", l->names[i]);
            return;                     /* the handle stays open: harmless */
        }
    }
    atomic_store_explicit(&l->ok, true, memory_order_release);
}

bool ivet_lazylib_load(struct ivet_lazylib *l)
{
    if (atomic_load_explicit(&l->ok, memory_order_acquire))
        return true;
    pthread_once(&l->once, l->init);
    return atomic_load_explicit(&l->ok, memory_order_acquire);
}

int ivet_lazylib_require(struct ivet_lazylib *l, struct ivet_err *err)
{
    if (ivet_lazylib_load(l))
        return 0;
    return ivet_err_set(err, IVET_E_UNSUPPORTED, "cannot load %s: %s (install the Debian package %s)",
                        l->soname, l->why, l->package);
}
