/* fuzz_osrelease.c: os-release and the distribution release files on hostile bytes. */
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
    struct ivet_osinfo os = { 0 };
    const char *eol;
    (void)ivet_os_release_parse(ivet_bytes_make(data, size), &os, &err);
    (void)ivet_os_eol(os.id, os.version_id, &eol);
    ivet_osinfo_release(&os);
    for (const char *const *f = ivet_os_files; *f; f++) {
        (void)ivet_os_fallback_parse(*f, ivet_bytes_make(data, size), &os, &err);
        ivet_osinfo_release(&os);
    }
    (void)c;
    ivet_err_release(&err);
    return 0;
}
