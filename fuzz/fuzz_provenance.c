/* fuzz_provenance.c: an in-toto statement on hostile bytes: its reduced copy
 * (ivet_prov_slim), what the provenance analyzer reads from that (SLSA v0.2
 * and v1), and the source URL and revision comparisons on the strings found. */
#include <stdint.h>
#include <string.h>

#include "analyze/analyzer.h"

static size_t touch(const char *s)
{
    char out[64];
    if (!s)
        return 0;
    ivet_prov_norm_source(s, out, sizeof(out));
    return strlen(s) + strlen(out) + ivet_prov_same_revision(s, "0123456789abcdef");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *full = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    /* the analyzer reads the reduced copy the scan keeps */
    json_t *st = full ? ivet_prov_slim(full) : NULL;
    json_decref(full);
    size_t n = 0;
    static const char *const types[] = { "https://slsa.dev/provenance/v0.2", "https://slsa.dev/provenance/v1",
                                         "https://spdx.dev/Document", NULL };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        struct ivet_prov p;
        if (!ivet_prov_read(st, types[i], &p))
            continue;
        n += touch(p.builder) + touch(p.build_type) + touch(p.source) + touch(p.revision) + touch(p.vcs_source) +
             touch(p.vcs_revision);
        const char *k;
        json_t *v;
        json_object_foreach(p.args, k, v) {
            n += strlen(k) + touch(json_string_value(v));
        }
    }
    /* the raw bytes as a URL and a revision too, in pieces */
    char buf[512];
    size_t m = size < sizeof(buf) - 1 ? size : sizeof(buf) - 1;
    memcpy(buf, data, m);
    buf[m] = 0;
    n += touch(buf);
    json_decref(st);
    (void)n;                            /* the strlen calls are what the sanitizers watch */
    return 0;
}
