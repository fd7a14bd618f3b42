/* source_int.h: what the local sources share and nothing outside src/source/
 * needs: the index of an image archive's members, the blob store (a
 * directory or an archive holding an OCI layout) and the OCI layout logic
 * that runs over either. */
#ifndef IVET_SOURCE_INT_H
#define IVET_SOURCE_INT_H

#include "source/source.h"

/* ---- tar_index.c: members of an image ARCHIVE on disk (docker-archive,
 * oci-archive), found by walking the tar headers with pread. Read-only once
 * built, so several threads may open members at once. */
enum ivet_tar_mtype {
    IVET_TAR_FILE = 0, IVET_TAR_DIR, IVET_TAR_SYMLINK, IVET_TAR_HARDLINK, IVET_TAR_OTHER,
};
struct ivet_tar_member {
    char *name;                 /* normalised: "a/b" (no leading "./" or "/", no ".", no "..") */
    char *linkname;             /* as written, for links; else NULL */
    uint64_t off;               /* offset of the content in the archive */
    uint64_t size;
    enum ivet_tar_mtype type;
    size_t seq;                 /* position in the archive */
};
#define IVET_TAR_INDEX_MAX_MEMBERS 100000
struct ivet_tar_index_limits {
    size_t max_members;         /* 0 = IVET_TAR_INDEX_MAX_MEMBERS */
    size_t max_name;            /* bytes of a member name; 0 = 4096 */
};
struct ivet_tar_index;
/* Takes ownership of fd (closed on failure too). `name` names the archive in
 * errors. A truncated archive, a bad header checksum, a member name that
 * leaves the archive ("../x") or too many members is an error. */
struct ivet_tar_index *ivet_tar_index_new(int fd, const char *name, const struct ivet_tar_index_limits *lim,
                                          struct ivet_err *err);
struct ivet_tar_index *ivet_tar_index_open(const char *path, const struct ivet_tar_index_limits *lim,
                                           struct ivet_err *err);
void ivet_tar_index_free(struct ivet_tar_index *t);
const char *ivet_tar_index_name(const struct ivet_tar_index *t);
/* Members in name order (duplicates resolved: the last one in the archive wins). */
size_t ivet_tar_index_count(const struct ivet_tar_index *t);
const struct ivet_tar_member *ivet_tar_index_at(const struct ivet_tar_index *t, size_t i);
/* The member `name` ("./x" and "x" are the same), following symlinks and hard
 * links inside the archive (at most 16 hops). A link that leaves the archive
 * is IVET_E_FORMAT; a missing member IVET_E_NOTFOUND. Borrowed. */
const struct ivet_tar_member *ivet_tar_index_find(const struct ivet_tar_index *t, const char *name,
                                                  struct ivet_err *err);
/* Without following links and without allocating; NULL when absent (names
 * of 1024 bytes or more are never found). */
const struct ivet_tar_member *ivet_tar_index_peek(const struct ivet_tar_index *t, const char *name);
/* Opens a regular member (after following links) as a stream of its content. */
struct ivet_istream *ivet_tar_index_open_member(const struct ivet_tar_index *t, const char *name,
                                                uint64_t *size, struct ivet_err *err);
/* Is the first block of `p` (at least 512 bytes) a tar header with a valid checksum? */
bool ivet_tar_header_ok(const uint8_t *p, size_t n);

/* ---- blob_store.c: files of an OCI layout ("oci-layout", "index.json",
 * "blobs/<alg>/<hex>") in a directory or an archive. */
struct ivet_blobstore;
struct ivet_blobstore_ops {
    /* Opens a regular file of the layout; *size receives its size. Missing is
     * IVET_E_NOTFOUND naming it. Thread-safe. */
    struct ivet_istream *(*open)(struct ivet_blobstore *bs, const char *rel, uint64_t *size,
                                 struct ivet_err *err);
    /* 0 and *size when the file exists, -IVET_E_NOTFOUND when not. */
    int (*stat)(struct ivet_blobstore *bs, const char *rel, uint64_t *size, struct ivet_err *err);
    void (*free)(struct ivet_blobstore *bs);
};
struct ivet_blobstore {
    const struct ivet_blobstore_ops *ops;
    char *name;                 /* the directory or archive path, for messages */
};
/* A directory: every component is opened with O_NOFOLLOW, so a symlinked
 * "blobs" or blob never leads outside it. */
struct ivet_blobstore *ivet_blobstore_dir(const char *dir, struct ivet_err *err);
/* An archive's members (takes ownership of t, even on failure). */
struct ivet_blobstore *ivet_blobstore_archive(struct ivet_tar_index *t, struct ivet_err *err);
void ivet_blobstore_free(struct ivet_blobstore *bs);
/* "blobs/sha256/<hex>" for a digest, into buf */
void ivet_blob_path(const struct ivet_digest *d, char *buf, size_t n);
/* Reads a small file whole (at most max bytes, IVET_E_LIMIT beyond). */
int ivet_blobstore_read(struct ivet_blobstore *bs, const char *rel, uint64_t max, char **out, size_t *len,
                        struct ivet_err *err);
/* Reads the blob `d` whole (at most max bytes) and checks its digest and,
 * when size_known, its size. Errors name `what` and the blob. */
int ivet_blob_read_verified(struct ivet_blobstore *bs, const struct ivet_digest *d, bool size_known,
                            uint64_t size, uint64_t max, const char *what, char **out, size_t *len,
                            struct ivet_err *err);

/* ---- oci_layout.c: an OCI image layout over a blob store. */
/* A source over bs (owned, even on failure) for the layout's image named by
 * a->ref (a tag, or a full name for Docker >= 25 archives) or a->index. */
struct ivet_source *ivet_oci_source_new(struct ivet_blobstore *bs, const struct ivet_image_arg *a,
                                        const char *transport, const struct ivet_source_opts *o,
                                        struct ivet_err *err);

/* ---- oci_archive.c, docker_archive.c: sources over an archive already
 * indexed (the bare-path bidder indexes it once). Both take ownership of t. */
struct ivet_source *ivet_oci_archive_from_index(struct ivet_tar_index *t, const struct ivet_image_arg *a,
                                                const struct ivet_source_opts *o, struct ivet_err *err);
struct ivet_source *ivet_docker_archive_from_index(struct ivet_tar_index *t, const struct ivet_image_arg *a,
                                                   const struct ivet_source_opts *o, struct ivet_err *err);
/* Does the archive hold an OCI layout (index.json and blobs/)? */
bool ivet_tar_index_has_oci_layout(const struct ivet_tar_index *t);
/* Index limits derived from the source options. */
struct ivet_tar_index_limits ivet_tar_index_limits_from(const struct ivet_source_opts *o);

/* ---- open.c helpers */
/* img->reference from src->reference (or `fallback`) unless already set. */
int ivet_image_set_reference(struct ivet_image *img, const struct ivet_source *src, const char *fallback,
                             struct ivet_err *err);
/* Image names equal up to Docker's implicit "docker.io/" and "library/". */
bool ivet_src_name_matches(const char *have, const char *want);
/* A terminal-safe, shortened copy of untrusted text for messages. */
const char *ivet_src_shown(const char *s, char *buf, size_t n);

#endif
