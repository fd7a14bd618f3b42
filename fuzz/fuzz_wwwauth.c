/* fuzz_wwwauth.c: the WWW-Authenticate challenge parser on arbitrary bytes.
 * A parse either fails with IVET_E_FORMAT and leaves nothing allocated, or
 * yields a known scheme whose parameters are NUL-free strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source/reg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_err err = IVET_ERR_INIT;
    if (size > 16384)
        return 0;
    char *s = ivet_strndup((const char *)data, size);
    if (!s)
        return 0;
    struct ivet_reg_challenge c;
    if (ivet_reg_challenge_parse(s, &c, &err) == 0) {
        if (c.scheme < IVET_REG_AUTH_BASIC || c.scheme > IVET_REG_AUTH_OTHER)
            abort();
        if ((c.realm && strlen(c.realm) > size) || (c.scope && strlen(c.scope) > size))
            abort();
        ivet_reg_challenge_release(&c);
    } else {
        if (err.code != IVET_E_FORMAT || c.realm || c.service || c.scope)
            abort();
    }
    ivet_err_release(&err);
    ivet_free(s);
    return 0;
}
