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

/* ---- OCI layouts for scan-level tests */
#include <jansson.h>
#include <unistd.h>

void tu_write_file(const char *dir, const char *rel, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

void tu_write_blob(const char *dir, const void *p, size_t n, struct ivet_digest *d)
{
    ivet_sha256(p, n, d);
    char rel[128];
    snprintf(rel, sizeof(rel), "blobs/sha256/%s", ivet_digest_hex(d));
    tu_write_file(dir, rel, p, n);
}

char *tu_oci_layout(const char *config_json, const struct tu_layer *layers, size_t nlayers)
{
    char tmpl[] = "/tmp/ivet-test-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    dir = strdup(dir);
    char p[4096];
    snprintf(p, sizeof(p), "%s/blobs", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
    mkdir(p, 0755);
    tu_write_file(dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);

    json_error_t jerr;
    json_t *cfg = json_loads(config_json, 0, &jerr);
    assert_non_null(cfg);
    json_t *rootfs = json_object_get(cfg, "rootfs");
    if (!rootfs) {
        rootfs = json_object();
        json_object_set_new(cfg, "rootfs", rootfs);
    }
    json_object_set_new(rootfs, "type", json_string("layers"));
    if (!json_is_array(json_object_get(rootfs, "diff_ids"))) {
        json_t *ids = json_array();
        for (size_t i = 0; i < nlayers; i++) {
            struct ivet_digest d;
            const uint8_t *t = layers[i].tar ? layers[i].tar : layers[i].blob;
            size_t tl = layers[i].tar ? layers[i].tar_len : layers[i].len;
            ivet_sha256(t, tl, &d);
            json_array_append_new(ids, json_string(d.text));
        }
        json_object_set_new(rootfs, "diff_ids", ids);
    }
    char *cfgtxt = json_dumps(cfg, JSON_COMPACT);
    json_decref(cfg);
    struct ivet_digest cd;
    tu_write_blob(dir, cfgtxt, strlen(cfgtxt), &cd);

    json_t *man = json_object();
    json_object_set_new(man, "schemaVersion", json_integer(2));
    json_object_set_new(man, "mediaType", json_string("application/vnd.oci.image.manifest.v1+json"));
    json_t *c = json_object();
    json_object_set_new(c, "mediaType", json_string("application/vnd.oci.image.config.v1+json"));
    json_object_set_new(c, "digest", json_string(cd.text));
    json_object_set_new(c, "size", json_integer((json_int_t)strlen(cfgtxt)));
    json_object_set_new(man, "config", c);
    free(cfgtxt);
    json_t *ls = json_array();
    for (size_t i = 0; i < nlayers; i++) {
        struct ivet_digest d;
        tu_write_blob(dir, layers[i].blob, layers[i].len, &d);
        json_t *l = json_object();
        json_object_set_new(l, "mediaType", json_string(layers[i].media_type ? layers[i].media_type
                                                         : "application/vnd.oci.image.layer.v1.tar"));
        json_object_set_new(l, "digest", json_string(d.text));
        json_object_set_new(l, "size", json_integer((json_int_t)layers[i].len));
        json_array_append_new(ls, l);
    }
    json_object_set_new(man, "layers", ls);
    char *mantxt = json_dumps(man, JSON_COMPACT);
    json_decref(man);
    struct ivet_digest md;
    tu_write_blob(dir, mantxt, strlen(mantxt), &md);
    char idx[1024];
    int n = snprintf(idx, sizeof(idx),
                     "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                     "\"digest\":\"%s\",\"size\":%zu,\"annotations\":{\"org.opencontainers.image.ref.name\":\"test\"}}]}",
                     md.text, strlen(mantxt));
    free(mantxt);
    tu_write_file(dir, "index.json", idx, (size_t)n);
    return dir;
}

void tu_rm_rf(const char *dir)
{
    char cmd[4200];
    if (!dir || strncmp(dir, "/tmp/ivet-test-", 15) != 0)
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}
