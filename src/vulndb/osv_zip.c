/* osv_zip.c: imports an OSV per-ecosystem dump (<Ecosystem>/all.zip: one
 * JSON record per member) straight from the zip file with libarchive's zip
 * reader: members are inflated one at a time into memory, never written to
 * disk. The whole dump is one transaction, driven by import.c. */
#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#include "vulndb/store.h"
#include "core/lazylib.h"

#define MAX_RECORD (16u << 20)

int ivet_osv_import_zip(struct ivet_vulndb *db, const char *path, FILE *log,
                        struct ivet_vulndb_stats *st, struct ivet_err *err)
{
    if (ivet_lazylib_require(&ivet_lib_archive, err) < 0)
        return -(int)err->code;
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    struct ivet_buf b;
    int rc = 0;
    ivet_buf_init(&b, MAX_RECORD);
    struct ivet_osv_reader *rd = ivet_osv_reader_new(err);
    if (!a || !rd) {
        archive_read_free(a);
        ivet_osv_reader_free(rd);
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    }
    ivet_osv_reader_set_fresh(rd, ivet_store_source_rows(db, "osv") == 0);
    archive_read_support_format_zip(a);
    if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
        rc = ivet_err_set(err, IVET_E_FORMAT, "'%s': %s", path, archive_error_string(a));
        goto out;
    }
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        if (archive_entry_filetype(e) != AE_IFREG || !name || !ivet_endswith(name, ".json"))
            continue;
        ivet_buf_reset(&b);
        char chunk[65536];
        la_ssize_t n;
        while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
            if ((rc = ivet_buf_append(&b, chunk, (size_t)n, err)) < 0) {
                ivet_err_wrap(err, "'%s': member '%s'", path, name);
                goto out;
            }
        if (n < 0) {
            rc = ivet_err_set(err, IVET_E_FORMAT, "'%s': member '%s': %s", path, name,
                              archive_error_string(a));
            goto out;
        }
        rc = ivet_osv_reader_import(rd, db, b.ptr ? b.ptr : "", b.len, name, log, st, err);
        if (rc == -IVET_E_FORMAT) {
            /* one malformed member does not spoil the dump */
            if (log)
                fprintf(log, "%s: %s (skipped)\n", path, ivet_err_msg(err));
            ivet_err_release(err);
            st->skipped++;
            rc = 0;
        }
        if (rc < 0)
            goto out;
    }
    if (r != ARCHIVE_EOF)
        rc = ivet_err_set(err, IVET_E_FORMAT, "'%s': %s", path, archive_error_string(a));
out:
    ivet_buf_release(&b);
    archive_read_free(a);
    ivet_osv_reader_free(rd);
    return rc;
}
