/* fuzz_tar_frame.c: the second reading of a tar's block structure
 * (tar_frame.c) on hostile bytes, fed in pieces whose size the first byte
 * sets, with the invariants a caller relies on checked. */
#include "layer/layer.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] * 7 + 1;
    data++;
    size--;
    struct ivet_tar_frame f, g;
    ivet_tar_frame_init(&f);
    ivet_tar_frame_init(&g);
    for (size_t off = 0; off < size; off += chunk)
        ivet_tar_frame_feed(&f, data + off, size - off < chunk ? size - off : chunk);
    ivet_tar_frame_feed(&g, data, size);        /* one piece: the same verdict */
    if (f.ended != g.ended || f.lost != g.lost || f.after != g.after ||
        f.nonzero_after != g.nonzero_after || f.entries != g.entries)
        abort();
    if (f.nonzero_after > f.after || (!f.ended && f.after) || f.after > size)
        abort();
    return 0;
}
