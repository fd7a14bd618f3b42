/* fuzz_signature.c: what a cosign signature brings from the image's
 * repository, on hostile bytes: the simple-signing payload and the base64
 * signature annotation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char digest[] = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const char *why = ivet_cosign_payload_problem((const char *)data, size, digest);
    if (why && !*why)
        abort();                        /* a refusal always says why */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    unsigned char out[512];
    long l = ivet_base64_decode(s, out, sizeof(out));
    if (l > (long)sizeof(out))
        abort();
    free(s);
    return 0;
}
