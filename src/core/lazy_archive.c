/* lazy_archive.c: libarchive (Debian libarchive13), loaded on first use (lazylib.h). */
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/lazylib.h"

#define AE struct archive_entry *e
#define AR struct archive *a
#define ARCHIVE_FUNCS(X, XV, XN, L)                                                               \
    X(L, mode_t, archive_entry_filetype, (AE), (e), 0)                                            \
    X(L, mode_t, archive_entry_mode, (AE), (e), 0)                                                \
    X(L, la_int64_t, archive_entry_uid, (AE), (e), 0)                                             \
    X(L, la_int64_t, archive_entry_gid, (AE), (e), 0)                                             \
    X(L, la_int64_t, archive_entry_size, (AE), (e), 0)                                            \
    X(L, int, archive_entry_size_is_set, (AE), (e), 0)                                            \
    X(L, time_t, archive_entry_mtime, (AE), (e), 0)                                               \
    X(L, const char *, archive_entry_pathname, (AE), (e), NULL)                                   \
    X(L, const char *, archive_entry_pathname_utf8, (AE), (e), NULL)                              \
    X(L, const char *, archive_entry_hardlink, (AE), (e), NULL)                                   \
    X(L, const char *, archive_entry_hardlink_utf8, (AE), (e), NULL)                              \
    X(L, const char *, archive_entry_symlink, (AE), (e), NULL)                                    \
    X(L, const char *, archive_entry_symlink_utf8, (AE), (e), NULL)                               \
    X(L, const char *, archive_error_string, (AR), (a), "libarchive could not be loaded")         \
    X(L, struct archive *, archive_read_new, (void), (), NULL)                                    \
    X(L, int, archive_read_free, (AR), (a), ARCHIVE_FATAL)                                        \
    X(L, int, archive_read_support_format_tar, (AR), (a), ARCHIVE_FATAL)                          \
    X(L, int, archive_read_support_format_zip, (AR), (a), ARCHIVE_FATAL)                          \
    X(L, int, archive_read_support_format_zip_seekable, (AR), (a), ARCHIVE_FATAL)                 \
    X(L, int, archive_read_support_format_zip_streamable, (AR), (a), ARCHIVE_FATAL)               \
    X(L, int, archive_read_open,                                                                  \
      (AR, void *d, archive_open_callback *o, archive_read_callback *r, archive_close_callback *c), \
      (a, d, o, r, c), ARCHIVE_FATAL)                                                              \
    X(L, int, archive_read_open2,                                                                 \
      (AR, void *d, archive_open_callback *o, archive_read_callback *r, archive_skip_callback *s,  \
       archive_close_callback *c), (a, d, o, r, s, c), ARCHIVE_FATAL)                              \
    X(L, int, archive_read_open_filename, (AR, const char *f, size_t bs), (a, f, bs), ARCHIVE_FATAL) \
    X(L, int, archive_read_open_memory, (AR, const void *p, size_t n), (a, p, n), ARCHIVE_FATAL)  \
    X(L, int, archive_read_next_header, (AR, struct archive_entry **e), (a, e), ARCHIVE_FATAL)    \
    X(L, la_ssize_t, archive_read_data, (AR, void *p, size_t n), (a, p, n), ARCHIVE_FATAL)        \
    X(L, int, archive_read_data_block, (AR, const void **p, size_t *n, la_int64_t *off),          \
      (a, p, n, off), ARCHIVE_FATAL)                                                               \
    XN(L, archive_set_error)

#ifndef IVET_SONAME_ARCHIVE                 /* set by CMake from the library found */
#define IVET_SONAME_ARCHIVE "libarchive.so.13"
#define IVET_PACKAGE_ARCHIVE "libarchive13"
#endif
IVET_LAZY_DEFINE(archive, ARCHIVE_FUNCS, IVET_SONAME_ARCHIVE, IVET_PACKAGE_ARCHIVE)

/* A printf-style function cannot pass its arguments on: format here. */
void archive_set_error(struct archive *a, int code, const char *fmt, ...)
{
    if (!ivet_lazylib_load(&ivet_lib_archive))
        return;
    if (!fmt) {                         /* libarchive's way to clear the error */
        IVET_LAZY_FN(archive, archive_set_error)(a, code, NULL);
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    IVET_LAZY_FN(archive, archive_set_error)(a, code, "%s", msg);
}
