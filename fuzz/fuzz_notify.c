/* fuzz_notify.c: registry notification envelopes on hostile bytes: every
 * push taken from them must name a well-formed image reference. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
        /* host/repo@sha256:<64 hex>, and nothing that could change a URL */
        const char *at = strchr(p[i].image, '@');
        if (!at || strlen(at) != 1 + 7 + 64 || strpbrk(p[i].image, " ?#%\\\"'") ||
            strncmp(p[i].image, p[i].host, strlen(p[i].host)) != 0)
            abort();
        ivet_push_release(&p[i]);
    }
    ivet_free(p);
    return 0;
}
