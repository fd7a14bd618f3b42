/* oci_archive.c: oci-archive:PATH[:TAG], an OCI image layout inside a tar
 * file, read in place through the archive's member index. The layout logic
 * itself is oci_layout.c's. */
#include "source/source_int.h"

#include <string.h>

struct ivet_tar_index_limits ivet_tar_index_limits_from(const struct ivet_source_opts *o)
{
    uint64_t mp = o->limits.max_path ? o->limits.max_path : 4096;
    return (struct ivet_tar_index_limits){ 0, (size_t)IVET_MIN(mp, 65536) };
}

bool ivet_tar_index_has_oci_layout(const struct ivet_tar_index *t)
{
    if (!ivet_tar_index_peek(t, "index.json"))
        return false;
    for (size_t i = 0; i < ivet_tar_index_count(t); i++)
        if (ivet_startswith(ivet_tar_index_at(t, i)->name, "blobs/"))
            return true;
    return false;
}

struct ivet_source *ivet_oci_archive_from_index(struct ivet_tar_index *t, const struct ivet_image_arg *a,
                                                const struct ivet_source_opts *o, struct ivet_err *err)
{
    if (!t)
        return NULL;
    if (!ivet_tar_index_peek(t, "oci-layout")) {
        bool docker = ivet_tar_index_peek(t, "manifest.json") != NULL;
        ivet_err_set(err, IVET_E_FORMAT, "'%s' is not an OCI archive: it has no oci-layout member%s",
                     ivet_tar_index_name(t), docker ? " (it looks like a docker-archive: use docker-archive:PATH)" : "");
        ivet_tar_index_free(t);
        return NULL;
    }
    return ivet_oci_source_new(ivet_blobstore_archive(t, err), a, "oci-archive", o, err);
}

struct ivet_source *ivet_source_open_oci_archive(const struct ivet_image_arg *a,
                                                 const struct ivet_source_opts *o, struct ivet_err *err)
{
    struct ivet_tar_index_limits tl = ivet_tar_index_limits_from(o);
    return ivet_oci_archive_from_index(ivet_tar_index_open(a->location, &tl, err), a, o, err);
}
