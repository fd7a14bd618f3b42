/* fuzz_vercmp.c: every version comparator on hostile strings. The first byte
 * picks the ecosystem; the rest is split at the first NUL (or newline) into
 * the two versions. Checks antisymmetry and reflexivity on the way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "imagevet/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 2 * IVET_VERSION_MAX)
        return 0;
    enum ivet_vereco eco = (enum ivet_vereco)(data[0] % IVET_VERECO_COUNT);
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *b = buf + strcspn(buf, "\n");
    if (*b)
        *b++ = '\0';
    const char *a = buf;
    struct ivet_err err = IVET_ERR_INIT;
    int r1, r2, r3;
    int ok1 = ivet_vercmp_eco(eco, a, b, &r1, &err);
    ivet_err_release(&err);
    int ok2 = ivet_vercmp_eco(eco, b, a, &r2, &err);
    ivet_err_release(&err);
    if (ok1 == 0 && ok2 == 0 && r1 != -r2)
        abort();                    /* compare(a,b) must be -compare(b,a) */
    if (ok1 == 0 && ivet_vercmp_eco(eco, a, a, &r3, &err) == 0 && r3 != 0)
        abort();
    ivet_err_release(&err);
    (void)ivet_version_valid(eco, a);
    free(buf);
    return 0;
}
