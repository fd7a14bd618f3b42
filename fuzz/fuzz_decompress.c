/* fuzz_decompress.c: magic detection and decompression (gzip through ISA-L,
 * zstd, plain) on hostile bytes, with small limits so bombs end fast. The
 * first byte sets the read size of the input and of the reader. */
#include "layer/layer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[1u << 16];
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_limits lim = ivet_limits_default();
    if (size < 1)
        return 0;
    lim.max_layer_bytes = 1u << 22;
    lim.max_ratio = 200;
    size_t chunk = 1u + (data[0] & 0x3f) * 97u;
    size_t rd = data[0] & 0x40 ? 1u + data[0] % 13u : sizeof(out);
    enum ivet_compression kind;
    struct ivet_istream *s = ivet_istream_from_mem(data + 1, size - 1, chunk, &err);
    s = ivet_istream_decompress(s, IVET_COMPRESSION_DETECT, &lim, "fuzz", &kind, &err);
    if (s) {
        for (;;) {
            ssize_t r = ivet_istream_read(s, out, rd, &err);
            if (r <= 0)
                break;
        }
    }
    ivet_istream_close(s);
    ivet_err_release(&err);
    return 0;
}
