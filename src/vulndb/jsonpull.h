/* jsonpull.h: a small pull reader for JSON (RFC 8259), for importing large
 * dumps fast: no tree, no allocation per value; values the caller does not
 * ask for are skipped. Errors are sticky: after the first one every call
 * fails and ivet_jp_error() says what and at which byte.
 *
 *   ivet_jp_init(&jp, text, len);
 *   if (ivet_jp_obj_begin(&jp))
 *       while (ivet_jp_obj_next(&jp, &key)) {        // key borrowed until the next call
 *           if (!strcmp(key, "id")) id = ivet_jp_string(&jp, &n);
 *           else ivet_jp_skip(&jp);
 *       }
 *   if (!ivet_jp_finish(&jp)) ... ivet_jp_error(&jp)
 */
#ifndef IVET_JSONPULL_H
#define IVET_JSONPULL_H

#include "core/core.h"

enum ivet_jp_type { IVET_JP_NONE, IVET_JP_OBJECT, IVET_JP_ARRAY, IVET_JP_STRING, IVET_JP_NUMBER,
                    IVET_JP_TRUE, IVET_JP_FALSE, IVET_JP_NULL };

#define IVET_JP_MAX_DEPTH 64

struct ivet_jp {
    const char *p, *end, *start;
    int depth;
    bool need_comma[IVET_JP_MAX_DEPTH + 1];
    bool failed;
    char msg[96];
    struct ivet_buf key, str;   /* unescaped key and string values */
};

void ivet_jp_init(struct ivet_jp *jp, const char *text, size_t len);
void ivet_jp_release(struct ivet_jp *jp);
/* Type of the next value (IVET_JP_NONE on error or at the end). */
enum ivet_jp_type ivet_jp_peek(struct ivet_jp *jp);
bool ivet_jp_obj_begin(struct ivet_jp *jp);
/* Next member's key (unescaped, NUL-terminated, borrowed), or NULL at '}'. */
const char *ivet_jp_obj_next(struct ivet_jp *jp);
bool ivet_jp_arr_begin(struct ivet_jp *jp);
/* True when another element follows; false at ']' (or on error). */
bool ivet_jp_arr_next(struct ivet_jp *jp);
/* A string value, unescaped and NUL-terminated (borrowed until the next
 * string). A value of another type is skipped and gives NULL (no error). */
const char *ivet_jp_string(struct ivet_jp *jp, size_t *len);
/* Skips one value of any type. */
bool ivet_jp_skip(struct ivet_jp *jp);
/* True when only whitespace follows and nothing failed. */
bool ivet_jp_finish(struct ivet_jp *jp);
bool ivet_jp_failed(const struct ivet_jp *jp);
const char *ivet_jp_error(const struct ivet_jp *jp);

#endif
