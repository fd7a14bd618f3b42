/* fuzz_manifest.c: manifest, config and index JSON through the functions the
 * sources use on them. The first byte picks the function (and for configs the
 * number of layers, for indexes the wanted platform); the rest is the document. */
#include <stdint.h>
#include <string.h>

#include "source/source.h"

static const char *const platforms[] = { NULL, "linux/amd64", "linux/arm64", "linux/arm/v7", "windows/amd64" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_image img;
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const char *doc = (const char *)data + 1;
    size_t len = size - 1;
    memset(&img, 0, sizeof(img));
    switch (sel & 3) {
    case 0:
        ivet_image_apply_manifest(&img, doc, len, &err);
        break;
    case 1:
        img.nlayers = (sel >> 2) & 7;
        img.layers = img.nlayers ? ivet_calloc(img.nlayers, sizeof(*img.layers)) : NULL;
        if (img.nlayers && !img.layers)
            img.nlayers = 0;
        ivet_image_apply_config(&img, doc, len, &err);
        break;
    default: {
        json_t *j = ivet_json_parse(doc, len, "index", &err);
        if (!j)
            break;
        struct ivet_source_opts o;
        memset(&o, 0, sizeof(o));
        const char *p = platforms[(sel >> 2) % (sizeof(platforms) / sizeof(platforms[0]))];
        if (p && ivet_platform_parse(&o.platform, p, &err) == 0)
            o.platform_set = true;
        struct ivet_digest d;
        char *mt = NULL;
        if ((sel & 3) == 2 && ivet_index_pick(j, &o, &d, &mt, &err) == 0)
            ivet_free(mt);
        else
            (void)ivet_json_doc_kind(j, "document", &err);
        json_decref(j);
        break;
    }
    }
    ivet_image_release(&img);
    ivet_err_release(&err);
    return 0;
}
