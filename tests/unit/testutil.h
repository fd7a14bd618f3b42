/* testutil.h: helpers for the cmocka unit tests. */
#ifndef IVET_TESTUTIL_H
#define IVET_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"

/* ../shared/testdata (or $IVET_SHARED_DIR/testdata) joined with rel, or NULL
 * when absent: the caller skips with a message (tu_skip_no_shared). */
char *tu_shared_path(const char *rel);
/* Prints why and calls cmocka's skip(). */
#define tu_skip_no_shared(what)                                                  \
    do {                                                                         \
        print_message("SKIP: %s not found (no ../shared/testdata in this clone)\n", what); \
        skip();                                                                  \
    } while (0)
/* The source tree, from $IVET_SOURCE_DIR. */
const char *tu_source_dir(void);
/* Reads a whole file; NULL when missing. */
char *tu_read_file(const char *path, size_t *len);

/* Builds a tar archive in memory with libarchive's writer (an independent
 * implementation of the format). Entries: type 'f' file, 'd' dir, 'l' symlink,
 * 'h' hardlink. */
struct tu_tar;
struct tu_tar *tu_tar_new(void);
void tu_tar_add(struct tu_tar *t, char type, const char *path, unsigned mode, const void *data,
                size_t len, const char *link);
/* Finishes the archive; returns the bytes (owned by t) */
const uint8_t *tu_tar_bytes(struct tu_tar *t, size_t *len);
void tu_tar_free(struct tu_tar *t);

#endif
