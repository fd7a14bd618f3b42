/* fuzz_image_path.c: the IMAGE argument parser and the --platform parser. */
#include <stdint.h>
#include <string.h>

#include "source/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_err err = IVET_ERR_INIT;
    char *s = ivet_malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    struct ivet_image_arg a;
    if (ivet_image_arg_parse(s, &a, &err) == 0) {
        /* a parsed argument always has a location, and at most one of ref and index */
        if (!a.location || !a.location[0] || (a.ref && a.index >= 0))
            __builtin_trap();
        ivet_image_arg_release(&a);
    }
    ivet_err_release(&err);
    struct ivet_platform p;
    if (ivet_platform_parse(&p, s, &err) == 0) {
        char buf[128];
        ivet_platform_format(&p, buf, sizeof(buf));
        if (!ivet_platform_match(&p, &p))
            __builtin_trap();
    }
    ivet_err_release(&err);
    ivet_free(s);
    return 0;
}
