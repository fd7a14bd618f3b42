/* capture.h: file contents kept during a layer's pass for image-level
 * analysis (package databases, passwd, scripts named by the entrypoint). */
#ifndef IVET_CAPTURE_H
#define IVET_CAPTURE_H

#include "core/core.h"

struct ivet_capture {
    char *path;
    int layer;
    bool truncated;
    struct ivet_bytes content;  /* owned: content.ptr is freed with the store */
};

struct ivet_captures;
struct ivet_captures *ivet_captures_new(struct ivet_err *err);
void ivet_captures_free(struct ivet_captures *c);
/* Starts capturing path (replaces an earlier capture of the same path in this store). */
int ivet_captures_begin(struct ivet_captures *c, const char *path, int layer, struct ivet_err *err);
/* Appends to the capture begun last; past `max` bytes sets truncated. */
int ivet_captures_data(struct ivet_captures *c, const void *p, size_t n, uint64_t max,
                       struct ivet_err *err);
const struct ivet_capture *ivet_captures_find(const struct ivet_captures *c, const char *path);
size_t ivet_captures_count(const struct ivet_captures *c);
const struct ivet_capture *ivet_captures_at(const struct ivet_captures *c, size_t i);

#endif
