/* fuzz_notify.c: registry notification envelopes on hostile bytes: every
 * push taken from them must name a well-formed image reference. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ref/ref.h"
#include "server/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_push *p = NULL;
    size_t n = 0, skipped = 0;
    struct ivet_err err = IVET_ERR_INIT;
    if (ivet_notify_parse((const char *)data, size, &p, &n, &skipped, &err) < 0) {
        ivet_err_release(&err);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        /* the reference the scan will read names the host the event named */
        struct ivet_ref ref = { 0 };
        if (ivet_ref_parse(&ref, p[i].image, &err) < 0 || strcasecmp(ref.registry, p[i].host) != 0 || !ref.digest ||
            strpbrk(p[i].image, " ?#%\\\"'"))
            abort();
        ivet_ref_release(&ref);
        ivet_push_release(&p[i]);
    }
    ivet_free(p);
    return 0;
}
