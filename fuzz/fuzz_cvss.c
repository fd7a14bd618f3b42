/* fuzz_cvss.c: CVSS v3 vector parsing and OSV range evaluation on hostile
 * strings. The first byte picks the comparator; the input up to the first
 * newline is a CVSS vector and an events string, the rest a version. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vulndb/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *buf = malloc(size);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *ver = buf + strcspn(buf, "\n");
    if (*ver)
        *ver++ = '\0';
    double s = ivet_cvss3_score(buf);
    if (s > 10.0)
        abort();
    char *scratch = malloc(strlen(buf) + 1);
    const char *fix;
    if (scratch)
        (void)ivet_range_affects((enum ivet_vereco)(data[0] % IVET_VERECO_COUNT), buf, ver, scratch,
                                 &fix);
    free(scratch);
    free(buf);
    return 0;
}
