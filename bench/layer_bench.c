/* layer_bench.c: times ivet_layer_scan alone on one layer blob file, with a
 * walker that does no analysis, so the layer pipeline can be compared with
 * `igzip -dc` on the same bytes. Built and run by bench/scan.sh.
 *
 *   layer_bench [--pipelined[=before|after]] [--content] [--digest sha256:..] [--diff-id sha256:..] BLOB
 *
 * --content asks for every file's bytes (each chunk is touched), as content
 * analyzers would; without it every entry is skipped after its header.
 * Prints one line: mode, wall seconds, tar bytes, entries, U MB/s, C MB/s. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "layer/layer.h"

struct sink {
    uint64_t touched;
    bool content;
};

static int on_entry(void *ctx, const struct ivet_entry *e, struct ivet_err *err)
{
    (void)err;
    struct sink *s = ctx;
    return s->content && e->type == IVET_ENTRY_FILE;
}

static int on_data(void *ctx, const struct ivet_entry *e, const void *p, size_t n,
                   struct ivet_err *err)
{
    (void)e;
    (void)err;
    struct sink *s = ctx;
    const uint8_t *b = p;
    s->touched += b[0] + b[n - 1];      /* the first and last byte: the chunk is real */
    return 0;
}

static const struct ivet_walker_ops ops = { on_entry, on_data, NULL };

int main(int argc, char **argv)
{
    enum ivet_layer_split split = IVET_SPLIT_NONE;
    struct sink sink = { 0, false };
    struct ivet_layer_desc d;
    struct ivet_err err = IVET_ERR_INIT;
    const char *path = NULL;
    memset(&d, 0, sizeof(d));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pipelined") == 0 || strcmp(argv[i], "--pipelined=before") == 0)
            split = IVET_SPLIT_BEFORE_DIFF_ID;
        else if (strcmp(argv[i], "--pipelined=after") == 0)
            split = IVET_SPLIT_AFTER_DIFF_ID;
        else if (strcmp(argv[i], "--content") == 0)
            sink.content = true;
        else if (strcmp(argv[i], "--digest") == 0 && i + 1 < argc) {
            if (ivet_digest_parse(&d.digest, argv[++i], &err) < 0)
                goto fail;
            d.have_digest = true;
        } else if (strcmp(argv[i], "--diff-id") == 0 && i + 1 < argc) {
            if (ivet_digest_parse(&d.diff_id, argv[++i], &err) < 0)
                goto fail;
        } else
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: layer_bench [--pipelined[=before|after]] [--content] [--digest D] [--diff-id D] BLOB\n");
        return 2;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return 2;
    }
    struct ivet_limits lim = ivet_limits_default();
    double t0 = ivet_now();
    if (ivet_layer_scan(ivet_istream_open_file(path, &err), &d, &lim, split, &ops, &sink,
                        &err) < 0)
        goto fail;
    double dt = ivet_now() - t0;
    printf("%s%s wall %.3f s, tar %llu bytes, %llu entries, %.0f U MB/s, %.0f C MB/s (%s)\n",
           split == IVET_SPLIT_NONE ? "single" : split == IVET_SPLIT_BEFORE_DIFF_ID ? "pipelined, split before diff_id" : "pipelined, split after diff_id", sink.content ? "+content" : "", dt,
           (unsigned long long)d.tar_bytes, (unsigned long long)d.entries, d.tar_bytes / dt / 1e6,
           (double)st.st_size / dt / 1e6, ivet_compression_name(d.compression));
    return 0;
fail:
    fprintf(stderr, "layer_bench: %s\n", ivet_err_msg(&err));
    ivet_err_release(&err);
    return 2;
}
