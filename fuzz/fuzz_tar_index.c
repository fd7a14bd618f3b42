/* fuzz_tar_index.c: the image archive member index on hostile tar bytes:
 * index, look every member up (following links) and read it. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "source/source_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_err err = IVET_ERR_INIT;
    int fd = memfd_create("fuzz-archive", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    struct ivet_tar_index_limits lim = { 256, 1024 };
    struct ivet_tar_index *t = ivet_tar_index_new(fd, "fuzz.tar", &lim, &err);
    ivet_err_release(&err);
    if (!t)
        return 0;
    for (size_t i = 0; i < ivet_tar_index_count(t); i++) {
        const struct ivet_tar_member *m = ivet_tar_index_at(t, i);
        uint64_t sz = 0;
        struct ivet_istream *s = ivet_tar_index_open_member(t, m->name, &sz, &err);
        if (s) {
            char buf[4096];
            while (ivet_istream_read(s, buf, sizeof(buf), &err) > 0)
                ;
            ivet_istream_close(s);
        }
        ivet_err_release(&err);
    }
    (void)ivet_tar_index_peek(t, "manifest.json");
    (void)ivet_tar_index_find(t, "../index.json", &err);
    ivet_err_release(&err);
    ivet_tar_index_free(t);
    return 0;
}
