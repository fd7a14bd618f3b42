/* fuzz_jsonpull.c: the pull JSON reader on hostile bytes: walks every value,
 * reading strings (unescaping) in objects and arrays, then checks the end. */
#include <stdint.h>

#include "vulndb/jsonpull.h"

static void walk(struct ivet_jp *jp, int depth)
{
    switch (ivet_jp_peek(jp)) {
    case IVET_JP_OBJECT:
        if (ivet_jp_obj_begin(jp))
            while (ivet_jp_obj_next(jp))
                depth < 8 ? walk(jp, depth + 1) : (void)ivet_jp_skip(jp);
        break;
    case IVET_JP_ARRAY:
        if (ivet_jp_arr_begin(jp))
            while (ivet_jp_arr_next(jp))
                depth < 8 ? walk(jp, depth + 1) : (void)ivet_jp_skip(jp);
        break;
    case IVET_JP_STRING:
        (void)ivet_jp_string(jp, NULL);
        break;
    default:
        (void)ivet_jp_skip(jp);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_jp jp;
    ivet_jp_init(&jp, (const char *)data, size);
    walk(&jp, 0);
    (void)ivet_jp_finish(&jp);
    ivet_jp_release(&jp);
    return 0;
}
