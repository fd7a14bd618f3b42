/* testutil.c: see testutil.h. */
#include "testutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *tu_shared_path(const char *rel)
{
    const char *base = getenv("IVET_SHARED_DIR");
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s/testdata/%s", base ? base : "../shared", rel);
    struct stat st;
    if (stat(buf, &st) != 0)
        return NULL;
    return strdup(buf);
}

const char *tu_source_dir(void)
{
    const char *s = getenv("IVET_SOURCE_DIR");
    return s ? s : ".";
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = 0;
        if (len)
            *len = (size_t)n;
    }
    return b;
}

struct tu_tar {
    struct archive *a;
    uint8_t *buf;
    size_t cap, used;
    bool done;
};

struct tu_tar *tu_tar_new(void)
{
    struct tu_tar *t = calloc(1, sizeof(*t));
    t->cap = 64u << 20;
    t->buf = malloc(t->cap);
    t->a = archive_write_new();
    archive_write_set_format_pax_restricted(t->a);
    archive_write_set_bytes_in_last_block(t->a, 1);
    archive_write_open_memory(t->a, t->buf, t->cap, &t->used);
    return t;
}

void tu_tar_add(struct tu_tar *t, char type, const char *path, unsigned mode, const void *data,
                size_t len, const char *link)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path);
    archive_entry_set_perm(e, mode);
    archive_entry_set_mtime(e, 1700000000, 0);
    switch (type) {
    case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
    case 'l': archive_entry_set_filetype(e, AE_IFLNK); archive_entry_set_symlink(e, link); break;
    case 'h': archive_entry_set_filetype(e, AE_IFREG); archive_entry_set_hardlink(e, link); break;
    default: archive_entry_set_filetype(e, AE_IFREG); archive_entry_set_size(e, (la_int64_t)len); break;
    }
    archive_write_header(t->a, e);
    if (type == 'f' && len)
        archive_write_data(t->a, data, len);
    archive_entry_free(e);
}

const uint8_t *tu_tar_bytes(struct tu_tar *t, size_t *len)
{
    if (!t->done) {
        archive_write_close(t->a);
        t->done = true;
    }
    *len = t->used;
    return t->buf;
}

void tu_tar_free(struct tu_tar *t)
{
    if (!t)
        return;
    archive_write_free(t->a);
    free(t->buf);
    free(t);
}
