/* names_fallback.c: weak stand-ins for two library functions that the scan
 * and report modules define (ivet_data_path, ivet_report_note), so the name
 * checks build and test on their own. The real definitions win at link time.
 * NEEDSWORK: delete this file once scan.c and report.c define both. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/core.h"
#include "imagevet/scan.h"
#include "report/report.h"

__attribute__((weak)) char *ivet_data_path(const char *data_dir, const char *rel, struct ivet_err *err)
{
    const char *dirs[] = { data_dir, getenv("IMAGEVET_DATA_DIR"), IVET_INSTALL_DATA_DIR,
                           IVET_SOURCE_DATA_DIR };
    for (size_t i = 0; i < IVET_ARRAY_LEN(dirs); i++) {
        if (!dirs[i] || !*dirs[i])
            continue;
        char *p = ivet_asprintf("%s/%s", dirs[i], rel);
        if (!p) {
            ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            return NULL;
        }
        if (access(p, R_OK) == 0)
            return p;
        ivet_free(p);
    }
    ivet_err_set(err, IVET_E_NOTFOUND, "cannot find data file '%s'", rel);
    return NULL;
}

__attribute__((weak)) int ivet_report_note(struct ivet_report *r, struct ivet_err *err,
                                           const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    char **v = ivet_reallocarray(r->notes, r->nnotes + 1, sizeof(*v));
    if (!v)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory adding a note");
    r->notes = v;
    if (!(v[r->nnotes] = ivet_strdup(buf)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory adding a note");
    r->nnotes++;
    return 0;
}
