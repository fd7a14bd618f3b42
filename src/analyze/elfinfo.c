/* elfinfo.c: reads an ELF header and its program headers from the first
 * bytes of a file: is it a program, is it statically linked, is it packed
 * with UPX. Every offset is checked against the bytes at hand. */
#include "analyze/contents.h"

#include <string.h>


void ivet_elf_inspect(const uint8_t *h, size_t n, struct ivet_elfinfo *out)
{
    memset(out, 0, sizeof(*out));
    /* UPX writes its "UPX!" l_info magic right after the headers. */
    if (n >= 4 && ivet_bytes_find(ivet_bytes_make(h, IVET_MIN(n, (size_t)1024)), IVET_BYTES_LIT("UPX!")))
        out->upx = true;
    if (n < 52 || memcmp(h, "\x7f" "ELF", 4) != 0)
        return;
    unsigned cls = h[4], data = h[5];
    if ((cls != 1 && cls != 2) || (data != 1 && data != 2))
        return;
    bool b64 = cls == 2, le = data == 1;
    if (b64 && n < 64)
        return;
    out->elf = true;
    out->type = (uint16_t)ivet_load_uint(h + 16, 2, !le);
    uint64_t phoff = b64 ? ivet_load_uint(h + 32, 8, !le) : ivet_load_uint(h + 28, 4, !le);
    unsigned phentsize = (unsigned)ivet_load_uint(h + (b64 ? 54 : 42), 2, !le);
    unsigned phnum = (unsigned)ivet_load_uint(h + (b64 ? 56 : 44), 2, !le);
    unsigned want = b64 ? 56 : 32;
    if (phentsize < want || phnum == 0 || phnum == 0xffff || phoff > n ||
        (uint64_t)phentsize * phnum > n - phoff)
        return;
    out->phdrs_seen = true;
    for (unsigned i = 0; i < phnum; i++) {
        uint32_t t = (uint32_t)ivet_load_uint(h + phoff + (uint64_t)i * phentsize, 4, !le);
        if (t == 3)
            out->interp = true;
        else if (t == 2)
            out->dynamic = true;
    }
}

bool ivet_elf_is_static(const struct ivet_elfinfo *ei, const char *path, uint32_t mode)
{
    if (!ei->elf || !ei->phdrs_seen || ei->interp)
        return false;
    if (ei->type == 2)
        return true;
    if (ei->type != 3 || !(mode & 0111))
        return false;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return !strstr(base, ".so") && !ivet_startswith(base, "ld-") && !ivet_startswith(base, "lib");
}
