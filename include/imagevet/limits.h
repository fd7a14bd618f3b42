/* limits.h: every safety limit in one structure, passed down to every stage.
 * Hitting one is IVET_E_LIMIT naming the limit and where. */
#ifndef IMAGEVET_LIMITS_H
#define IMAGEVET_LIMITS_H

#include <stdint.h>

#include "imagevet/error.h"

struct ivet_limits {
    uint64_t max_layer_compressed;      /* bytes of one layer blob */
    uint64_t max_layer_bytes;           /* decompressed bytes of one layer */
    uint64_t max_image_compressed;      /* all layer blobs together */
    uint64_t max_image_bytes;           /* all decompressed layers together */
    uint64_t max_ratio;                 /* decompressed / compressed, per layer (0 = off) */
    uint64_t max_entries;               /* tar entries in one layer */
    uint64_t max_path;                  /* bytes of one entry path or link target */
    uint64_t max_file_scan;             /* bytes any analyzer reads of one file */
    uint64_t max_image_scan;            /* bytes analyzers read over the whole image */
    uint64_t max_json;                  /* manifest, index, config documents */
    uint64_t max_capture;               /* bytes of one file kept for image-level analysis */
    uint64_t max_image_capture;         /* bytes kept for image-level analysis, all files */
};

/* Defaults: 8 GiB compressed and 32 GiB decompressed per layer, 64/256 GiB per
 * image, ratio 1000, 2M entries, 4096-byte paths, 64 MiB scanned per file,
 * unlimited per image, 8 MiB JSON, 16 MiB per captured file, 512 MiB captured
 * in all. The image-wide byte limits count compressed blob bytes and the
 * declared sizes of the layers' regular files. */
IVET_API struct ivet_limits ivet_limits_default(void);

#endif
