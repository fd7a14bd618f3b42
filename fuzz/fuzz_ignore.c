/* fuzz_ignore.c: the .imagevetignore parser and rule lookup on hostile text. */
#include <stdint.h>

#include "analyze/vulns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_ignore ig = { 0 };
    struct ivet_err err = IVET_ERR_INIT;
    if (ivet_ignore_parse(&ig, (const char *)data, size, "fuzz", &err) == 0 && ig.n > 0) {
        const struct ivet_ignore_rule *exp;
        (void)ivet_ignore_find(&ig, ig.v[0].id, "A,B", "pkg", "2026-01-01", &exp);
    }
    ivet_ignore_release(&ig);
    ivet_err_release(&err);
    return 0;
}
