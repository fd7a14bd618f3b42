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

/* Writes an OCI image layout into a fresh temporary directory: each layer is
 * stored as given (plain tar, or already compressed: pass the media type),
 * `config_json` is the config document with "rootfs.diff_ids" filled in here
 * from the layers' uncompressed bytes when the config has none ("diff_ids":
 * null). Returns the directory (caller frees; remove with tu_rm_rf). */
struct tu_layer {
    const uint8_t *blob;        /* bytes as stored */
    size_t len;
    const char *media_type;     /* NULL: application/vnd.oci.image.layer.v1.tar */
    const uint8_t *tar;         /* uncompressed bytes for the diff_id (NULL: same as blob) */
    size_t tar_len;
};
char *tu_oci_layout(const char *config_json, const struct tu_layer *layers, size_t nlayers);
void tu_rm_rf(const char *dir);
/* A file `rel` under dir, and a blob under dir/blobs/sha256 (its digest into *d). */
void tu_write_file(const char *dir, const char *rel, const void *p, size_t n);
void tu_write_blob(const char *dir, const void *p, size_t n, struct ivet_digest *d);

#endif
