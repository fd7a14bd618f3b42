/* diff.h: `imagevet diff`: two images compared file by file, the way the
 * hygiene checklist asks ("build it yourself and compare"): the published
 * image against your own rebuild. Content is compared by the sha256 of each
 * file as the merged image shows it; times are ignored, since rebuilds
 * never reproduce them. */
#ifndef IMAGEVET_DIFF_H
#define IMAGEVET_DIFF_H

#include <stdbool.h>
#include <stdio.h>

#include "imagevet/error.h"
#include "imagevet/scan.h"

struct ivet_diff;

struct ivet_diff_opts {
    const struct ivet_scan_opts *a, *b; /* how each image is read (image, platform, registry
                                         * access, limits); content rules are not run */
    const char **ignore;                /* fnmatch(3) patterns of paths to leave out ('*' also
                                         * matches '/'), NULL-terminated, or NULL */
};

/* Reads both images and compares them. NULL and err set when either image
 * cannot be read (the error names which). */
IVET_API struct ivet_diff *ivet_diff_images(const struct ivet_diff_opts *o, struct ivet_err *err);
/* format: "table" or "json" (schema imagevet/diff/v1). */
IVET_API int ivet_diff_render(const struct ivet_diff *d, const char *format, FILE *out, struct ivet_err *err);
/* Any difference in files, configuration or packages (after the ignores)? */
IVET_API bool ivet_diff_differs(const struct ivet_diff *d);
IVET_API void ivet_diff_free(struct ivet_diff *d);

#endif
