/* layer_scan.c: the one pass over one layer blob. It only assembles the
 * stream chain (size limit, blob digest, decompression, diff_id digest,
 * optional thread split) and runs the tar walk over it; every stage lives in
 * its own file. */
#include "layer/layer.h"

#include <stdio.h>

static bool digest_known(const struct ivet_digest *d)
{
    return d->text[0] != 0;
}

int ivet_layer_scan(struct ivet_istream *blob, struct ivet_layer_desc *d,
                    const struct ivet_limits *lim, enum ivet_layer_split split,
                    const struct ivet_walker_ops *ops, void *ctx, struct ivet_err *err)
{
    struct ivet_limits deflim;
    if (!lim) {
        deflim = ivet_limits_default();
        lim = &deflim;
    }
    bool have_blob = d->have_digest && digest_known(&d->digest);
    bool have_diff = digest_known(&d->diff_id);
    const struct ivet_digest *name = have_blob ? &d->digest : &d->diff_id;
    char blob_what[128], tar_what[128];
    snprintf(blob_what, sizeof(blob_what), "layer blob '%s'",
             digest_known(name) ? name->text : "(unnamed)");
    snprintf(tar_what, sizeof(tar_what), "layer '%s' (diff_id)",
             have_diff ? d->diff_id.text : "(unnamed)");

    d->compression = IVET_COMPRESSION_DETECT;
    d->tar_bytes = 0;
    d->entries = 0;
    d->trailing = d->trailing_nonzero = 0;
    /* Each wrapper owns its input even when it fails; NULL in gives NULL out. */
    struct ivet_istream *s = ivet_istream_limit(blob, lim->max_layer_compressed, d->size_known,
                                                d->size, blob_what, err);
    if (have_blob)
        s = ivet_istream_digest(s, &d->digest, blob_what, NULL, err);
    s = ivet_istream_decompress(s, IVET_COMPRESSION_DETECT, lim, blob_what, &d->compression, err);
    if (split == IVET_SPLIT_BEFORE_DIFF_ID)
        s = ivet_istream_pipe(s, err);
    /* An uncompressed blob already proved these very bytes. */
    bool same_bytes = have_blob && have_diff && d->compression == IVET_COMPRESSION_NONE &&
                      ivet_digest_eq(&d->digest, &d->diff_id);
    if (have_diff && !same_bytes)
        s = ivet_istream_digest(s, &d->diff_id, tar_what, NULL, err);
    if (split == IVET_SPLIT_AFTER_DIFF_ID)
        s = ivet_istream_pipe(s, err);
    if (!s)
        return -(err->code ? (int)err->code : IVET_E_INTERNAL);

    struct ivet_tar_stats st;
    int rc = ivet_tar_walk_ex(s, ops, ctx, lim, &st, err);
    d->tar_bytes = st.bytes;
    d->entries = st.entries;
    d->trailing = st.trailing;
    d->trailing_nonzero = st.trailing_nonzero;
    if (rc < 0 && !st.stream_failed)
        ivet_err_wrap(err, "layer '%s'", digest_known(name) ? name->text : "(unnamed)");
    return rc;
}
