/* fuzz_tar.c: the tar walk on hostile bytes, with every entry applied to an
 * overlay view that is then resolved and iterated. The first byte sets the
 * read size, so chunk boundaries move between runs. */
#include "layer/layer.h"

#include <string.h>

struct fuzz_ctx {
    struct ivet_fsview *view;
    uint64_t sum;
};

static int on_entry(void *arg, const struct ivet_entry *e, struct ivet_err *err)
{
    struct fuzz_ctx *c = arg;
    /* layers must come in order: every 8 entries start a new one */
    if (c->view && ivet_fsview_apply(c->view, (int)(e->index / 8), e, err) < 0)
        return -(int)err->code;
    return e->index % 2 == 0;
}

static int on_data(void *arg, const struct ivet_entry *e, const void *p, size_t n,
                   struct ivet_err *err)
{
    (void)e;
    (void)err;
    struct fuzz_ctx *c = arg;
    const uint8_t *b = p;
    if (n)
        c->sum += b[0] + b[n - 1];
    return 0;
}

static const struct ivet_walker_ops ops = { on_entry, on_data, NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_limits lim = ivet_limits_default();
    struct fuzz_ctx c = { 0 };
    if (size < 1)
        return 0;
    lim.max_entries = 10000;
    lim.max_path = 1024;
    lim.max_file_scan = 1u << 16;
    c.view = ivet_fsview_new(&err);
    struct ivet_istream *s = ivet_istream_from_mem(data + 1, size - 1, 1u + data[0] * 7u, &err);
    if (ivet_tar_walk(s, &ops, &c, &lim, NULL, &err) == 0 && c.view) {
        size_t n = ivet_fsview_count(c.view);
        for (size_t i = 0; i < n; i++) {
            const struct ivet_fsnode *node = ivet_fsview_at(c.view, i);
            if (!node)
                break;
            (void)ivet_fsview_resolve(c.view, node->path);
            (void)ivet_fsview_visible(c.view, node->path, 0, NULL);
        }
        for (size_t i = 0; i < ivet_fsview_hidden_count(c.view); i++)
            (void)ivet_fsview_hidden_at(c.view, i);
    }
    ivet_fsview_free(c.view);
    ivet_err_release(&err);
    return 0;
}
