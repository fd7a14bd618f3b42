/* fuzz_ref.c: the image reference parser on arbitrary bytes. A parsed
 * reference must re-parse from its normalised form to the same result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ref/ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_err err = IVET_ERR_INIT;
    if (size > 1024)
        return 0;
    char *s = ivet_strndup((const char *)data, size);
    if (!s)
        return 0;
    struct ivet_ref r, again;
    if (ivet_ref_parse(&r, s, &err) == 0) {
        if (ivet_ref_parse(&again, r.normalized, &err) != 0 ||
            strcmp(again.normalized, r.normalized) != 0)
            abort();
        ivet_ref_release(&again);
        (void)ivet_ref_endpoint(&r);
        ivet_ref_release(&r);
    }
    ivet_err_release(&err);
    ivet_free(s);
    return 0;
}
