/* scan.c: placeholder until the orchestrator lands. */
#include "imagevet/scan.h"

#include <string.h>

void ivet_scan_opts_init(struct ivet_scan_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->limits = ivet_limits_default();
}

struct ivet_report *ivet_scan(const struct ivet_scan_opts *o, struct ivet_err *err)
{
    (void)o;
    ivet_err_set(err, IVET_E_UNSUPPORTED, "scan is not implemented yet");
    return NULL;
}
