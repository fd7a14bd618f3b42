/* fuzz_pymeta.c: the Python METADATA/PKG-INFO parser on hostile bytes. */
#include <stdint.h>
#include <string.h>

#include "analyze/packages.h"

static int sink(void *arg, const struct ivet_package *p, struct ivet_err *err)
{
    (void)err;
    /* touch every string so the sanitizers see out-of-bounds ones */
    size_t *n = arg;
    *n += strlen(p->type) + strlen(p->name) + strlen(p->version) + strlen(p->purl) +
          (p->source_name ? strlen(p->source_name) : 0) + (p->license ? strlen(p->license) : 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_err err = IVET_ERR_INIT;
    size_t total = 0;
    struct ivet_pkgctx c = { .path = "/fuzz/input", .layer = 0, .distro_id = "fuzz",
                             .distro_version = "1", .sink = { sink, &total } };
    (void)ivet_python_meta_parse(ivet_bytes_make(data, size), &c, &err);
    ivet_err_release(&err);
    return 0;
}
