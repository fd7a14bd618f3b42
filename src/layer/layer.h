/* layer.h: one layer blob, read once: digest of the compressed bytes,
 * decompression chosen by magic, digest of the tar (diff_id), tar entries
 * handed to a walker. Nothing is written to disk; nothing is executed.
 * Also the overlay merge (whiteouts, opaque directories) into the final view. */
#ifndef IVET_LAYER_H
#define IVET_LAYER_H

#include "core/core.h"

enum ivet_compression {
    IVET_COMPRESSION_DETECT = 0,        /* decide by the first bytes */
    IVET_COMPRESSION_NONE,
    IVET_COMPRESSION_GZIP,
    IVET_COMPRESSION_ZSTD,
};
const char *ivet_compression_name(enum ivet_compression c);

/* A layer as the manifest and config describe it. */
struct ivet_layer_desc {
    int index;                          /* 0 = bottom layer */
    struct ivet_digest digest;          /* blob digest from the manifest */
    struct ivet_digest diff_id;         /* from config rootfs.diff_ids */
    bool have_digest;                   /* false for docker-archive layers named by diff_id only */
    char *media_type;                   /* as declared (may lie; bytes decide) */
    uint64_t size;                      /* declared blob size, 0 when unknown */
    bool size_known;
    char *created_by;                   /* matching history entry, or NULL */
    char *history_created;              /* its "created" timestamp, or NULL */
    /* filled by the scan */
    enum ivet_compression compression;
    uint64_t tar_bytes;                 /* decompressed bytes */
    uint64_t entries;
    uint64_t trailing, trailing_nonzero;        /* after the tar's end (ivet_tar_stats) */
};

/* Wraps a compressed stream in a decompressor. The first bytes decide,
 * whatever `c` (the declared compression) says, since media types lie:
 * 1f 8b gzip (ISA-L, multi-member), 28 b5 2f fd zstd (multi-frame), xz and
 * bzip2 are IVET_E_UNSUPPORTED, anything else is a plain tar passed through.
 * The peek reads from `in` before returning. `*detected` (optional) receives
 * what was chosen. The output is capped by lim->max_layer_bytes and
 * lim->max_ratio (checked past 1 MiB of output; lim NULL = no limits);
 * truncated, corrupt or trailing data is IVET_E_FORMAT; `what` names the
 * blob in every error. Not thread-safe; one reader at a time. */
struct ivet_istream *ivet_istream_decompress(struct ivet_istream *in, enum ivet_compression c,
                                             const struct ivet_limits *lim, const char *what,
                                             enum ivet_compression *detected, struct ivet_err *err);

/* Runs `in` on a separate thread, handing bytes over through a bounded ring
 * of buffers (8 x 512 KiB), so the stages before and after it use two cores.
 * `in` is only touched by that thread until close(). Upstream failures reach
 * the reader after the bytes before them, with their code and message.
 * close() stops and joins the thread, also when the reader stopped early.
 * ivet_istream_borrow on it lends the ring's bytes without a copy. */
struct ivet_istream *ivet_istream_pipe(struct ivet_istream *in, struct ivet_err *err);

enum ivet_entry_type {
    IVET_ENTRY_FILE = 0, IVET_ENTRY_DIR, IVET_ENTRY_SYMLINK, IVET_ENTRY_HARDLINK,
    IVET_ENTRY_CHAR, IVET_ENTRY_BLOCK, IVET_ENTRY_FIFO, IVET_ENTRY_OTHER,
};

/* One tar entry, borrowed for the duration of the callbacks about it. */
struct ivet_entry {
    const char *path;           /* normalised "/a/b"; for whiteouts: the path removed */
    const char *linkname;       /* symlink target as written, or hardlink target
                                 * normalised; NULL otherwise */
    enum ivet_entry_type type;
    uint32_t mode;              /* permission bits including 07000 */
    uint64_t uid, gid;
    uint64_t size;              /* content bytes (regular files) */
    int64_t mtime;
    bool whiteout;              /* ".wh.NAME": `path` (the NAME) is deleted */
    bool opaque;                /* ".wh..wh..opq": `path` (the directory) hides lower content */
    uint64_t index;             /* 0-based position in the layer */
    uint8_t marks;              /* IVET_MARK_*: what analyzers learned of the content
                                 * during the pass (set for the merge only) */
};

/* Marks an analyzer may set on a file during the layer pass (ivet_lctx_mark);
 * the merged view keeps them on the node. */
#define IVET_MARK_BINARY_FORMAT 1u      /* a program's or data format's header: the content
                                         * rules ran their binary set over it */

struct ivet_walker_ops {
    /* Returns 1 to receive the entry's content through on_data, 0 to skip it,
     * -code to stop the walk. */
    int (*on_entry)(void *ctx, const struct ivet_entry *e, struct ivet_err *err);
    int (*on_data)(void *ctx, const struct ivet_entry *e, const void *p, size_t n,
                   struct ivet_err *err);
    /* Called after the content (or right after on_entry when skipped). */
    int (*on_entry_end)(void *ctx, const struct ivet_entry *e, struct ivet_err *err);
};

/* Walks the tar in `s` (consumed and closed) with libarchive fed from our
 * stream, handing entries to ops, then reads to EOF so wrappers below see
 * every byte. Enforces max_entries and max_path (lim NULL = defaults); sparse
 * holes are delivered as zeros up to max_file_scan. Every entry's content is
 * read even when on_entry returns 0. An empty stream is an empty layer; a
 * last member cut in its padding (umoci 0.4.7) ends the archive; EOF inside
 * declared content is IVET_E_FORMAT. Errors name the entry; failures of `s`
 * come back unchanged. `ops` (and each callback) may be NULL. */
int ivet_tar_walk(struct ivet_istream *s, const struct ivet_walker_ops *ops, void *ctx,
                  const struct ivet_limits *lim, uint64_t *entries, struct ivet_err *err);

/* A second reading of a tar's block structure (tar_frame.c), fed the same
 * bytes as the tar reader: where the archive ends and what follows it. */
struct ivet_tar_frame {
    uint8_t hdr[512];                   /* the header block being gathered */
    size_t hlen;
    uint64_t skip;                      /* data and padding bytes still to pass */
    uint64_t next_size;                 /* pax "size" for the next entry, or UINT64_MAX */
    uint64_t entries;                   /* entry headers (not pax or GNU name blocks) */
    unsigned zeros;                     /* zero blocks in a row */
    bool ended;                         /* two zero blocks seen */
    bool lost;                          /* something this reader does not know: no verdict */
    uint64_t after, nonzero_after;      /* bytes after the end, and how many are not zero */
    /* pax records as they stream by */
    bool in_pax, pax_global, pax_pending, pax_is_size, pax_val_ok, pax_val_bad;
    int pax_state;
    uint64_t pax_left, pax_val, pax_len, pax_done;
    size_t pax_keylen;
    char pax_key[5];
};
void ivet_tar_frame_init(struct ivet_tar_frame *f);
void ivet_tar_frame_feed(struct ivet_tar_frame *f, const void *p, size_t n);

/* What a walk saw, for callers that need more than the entry count. */
struct ivet_tar_stats {
    uint64_t entries;                   /* entries handed to the walker */
    uint64_t bytes;                     /* bytes read from the stream (the tar's size) */
    /* Bytes after the end-of-archive blocks, and how many of them are not
     * zero; both 0 when the end could not be told for sure. */
    uint64_t trailing, trailing_nonzero;
    bool stream_failed;                 /* the failure came from the stream, whose
                                         * error already names the blob */
};
/* ivet_tar_walk with statistics (st optional, filled on success and failure). */
int ivet_tar_walk_ex(struct ivet_istream *s, const struct ivet_walker_ops *ops, void *ctx,
                     const struct ivet_limits *lim, struct ivet_tar_stats *st,
                     struct ivet_err *err);

/* Where ivet_layer_scan splits its stages over two threads. */
enum ivet_layer_split {
    IVET_SPLIT_NONE = 0,                /* every stage on the calling thread */
    IVET_SPLIT_BEFORE_DIFF_ID,          /* helper: read, blob digest, decompression;
                                         * caller: diff_id digest, tar walk, walker */
    IVET_SPLIT_AFTER_DIFF_ID,           /* the helper also computes the diff_id digest */
};
#define IVET_SPLIT_COUNT 3

/* One pass over one layer blob: limit(max_layer_compressed, declared size)
 * -> digest(blob, when d->have_digest) -> decompress -> digest(diff_id, when
 * set) -> tar walk. `blob` is consumed. d->compression, d->tar_bytes and
 * d->entries are filled (also on failure, as far as the pass got). A digest
 * mismatch is IVET_E_DIGEST naming "layer blob 'sha256:..'" or "layer
 * 'sha256:..' (diff_id)", and whatever the walker collected must then be
 * thrown away by the caller. Errors of the walk itself are wrapped with
 * "layer 'sha256:..'". `split` places the thread split (bench/results/scan-*.md
 * measures both points: which half is heavier depends on the walker's work).
 * lim NULL = defaults. */
int ivet_layer_scan(struct ivet_istream *blob, struct ivet_layer_desc *d,
                    const struct ivet_limits *lim, enum ivet_layer_split split,
                    const struct ivet_walker_ops *ops, void *ctx, struct ivet_err *err);

/* ---- merge.c: the overlay view. Layers are applied bottom-up. */
struct ivet_fsnode {
    char *path;                 /* "/a/b" */
    enum ivet_entry_type type;
    uint32_t mode;
    uint64_t uid, gid, size;
    char *linkname;
    int layer;                  /* index of the layer this version comes from */
    uint8_t marks;              /* IVET_MARK_* of that version */
};

/* A file a lower layer ships that the final view does not show. */
struct ivet_hidden {
    char *path;
    enum ivet_entry_type type;
    uint32_t mode;
    uint64_t size;
    int layer;                  /* the layer that ships it */
    int hidden_by;              /* the layer that deleted or replaced it */
};

struct ivet_fsview;
struct ivet_fsview *ivet_fsview_new(struct ivet_err *err);
void ivet_fsview_free(struct ivet_fsview *v);
/* Applies one entry of layer `layer` (call in layer order, entries in tar
 * order): adds or replaces the node, or for whiteouts removes the subtree,
 * for opaque markers removes what lower layers have under the directory. */
int ivet_fsview_apply(struct ivet_fsview *v, int layer, const struct ivet_entry *e,
                      struct ivet_err *err);
const struct ivet_fsnode *ivet_fsview_lookup(const struct ivet_fsview *v, const char *path);
/* Follows symlinks (absolute and relative, at most 40 hops, never leaving the
 * image's root) and returns the final node, or NULL. */
const struct ivet_fsnode *ivet_fsview_resolve(const struct ivet_fsview *v, const char *path);
/* Is `path` as shipped by `layer` visible in the final view? If not and
 * hidden_by is given, it receives the layer that hid it. */
bool ivet_fsview_visible(const struct ivet_fsview *v, const char *path, int layer, int *hidden_by);
/* Iteration over visible nodes in path order (sorted on first call after a change). */
size_t ivet_fsview_count(const struct ivet_fsview *v);
const struct ivet_fsnode *ivet_fsview_at(struct ivet_fsview *v, size_t i);
/* Shipped-but-hidden files (regular files and symlinks only), in the order found. */
size_t ivet_fsview_hidden_count(const struct ivet_fsview *v);
const struct ivet_hidden *ivet_fsview_hidden_at(const struct ivet_fsview *v, size_t i);

#endif
