/* fuzz_secdb.c: the Alpine secdb importer on hostile JSON, into an in-memory
 * database (one transaction per input, rolled back). */
#include <stdint.h>
#include <stdlib.h>

#include "vulndb/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ivet_vulndb *db;
    struct ivet_err err = IVET_ERR_INIT;
    if (!db && !(db = ivet_vulndb_open(":memory:", IVET_VULNDB_WRITE, &err)))
        abort();
    struct ivet_vulndb_stats st = { 0 };
    if (ivet_store_begin(db, &err) < 0)
        abort();
    (void)ivet_secdb_import_json(db, (const char *)data, size, "fuzz", NULL, &st, &err);
    ivet_store_rollback(db);
    ivet_err_release(&err);
    return 0;
}
