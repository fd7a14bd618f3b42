/* ivet_pull.c: a test driver for the e2e scripts: opens an IMAGE through
 * ivet_source_open, resolves it, and reads every layer blob (in parallel, on
 * the thread pool) through the digest check, printing what it verified:
 *
 *   ivet_pull [--username U --password-stdin] [--insecure-registry H]...
 *             [--ca-file F] [--platform os/arch] [--progress] IMAGE
 *
 * Exit status follows imagevet's: 0 verified, 2 could not be verified. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"

struct job {
    struct ivet_source *src;
    struct ivet_layer_desc *d;
    struct ivet_err err;
    uint64_t bytes;
};

static void pull_layer(void *arg)
{
    struct job *j = arg;
    struct ivet_istream *s = j->src->ops->open_blob(j->src, j->d, &j->err);
    /* a registry blob is named by its digest; a daemon layer (uncompressed) by its diff_id */
    s = ivet_istream_digest(s, j->d->have_digest ? &j->d->digest : &j->d->diff_id, "layer blob",
                            NULL, &j->err);
    char tmp[65536];
    ssize_t n;
    while (s && (n = ivet_istream_read(s, tmp, sizeof(tmp), &j->err)) > 0)
        j->bytes += (uint64_t)n;
    ivet_istream_close(s);
}

static char *read_stdin_line(void)
{
    static char buf[4096];
    if (!fgets(buf, sizeof(buf), stdin))
        return NULL;
    buf[strcspn(buf, "\r\n")] = 0;
    return buf;
}

int main(int argc, char **argv)
{
    struct ivet_source_opts o;
    struct ivet_err err = IVET_ERR_INIT;
    const char *insecure[16] = { 0 };
    size_t ninsecure = 0;
    const char *image = NULL;
    memset(&o, 0, sizeof(o));
    o.limits = ivet_limits_default();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--username") && i + 1 < argc)
            o.username = argv[++i];
        else if (!strcmp(argv[i], "--password-stdin"))
            o.password = read_stdin_line();
        else if (!strcmp(argv[i], "--insecure-registry") && i + 1 < argc && ninsecure < 15)
            insecure[ninsecure++] = argv[++i];
        else if (!strcmp(argv[i], "--ca-file") && i + 1 < argc)
            o.ca_file = argv[++i];
        else if (!strcmp(argv[i], "--platform") && i + 1 < argc) {
            if (ivet_platform_parse(&o.platform, argv[++i], &err) < 0)
                goto fail;
            o.platform_set = true;
        } else if (!strcmp(argv[i], "--progress"))
            o.progress = true;
        else
            image = argv[i];
    }
    o.insecure_hosts = insecure;
    if (!image) {
        fprintf(stderr, "usage: ivet_pull [options] IMAGE\n");
        return 2;
    }
    struct ivet_image img;
    memset(&img, 0, sizeof(img));
    struct ivet_source *src = ivet_source_open(image, &o, &err);
    if (!src || src->ops->resolve(src, &img, &err) < 0) {
        ivet_err_wrap(&err, "'%s'", image);
        ivet_image_release(&img);
        ivet_source_free(src);
        goto fail;
    }
    printf("transport: %s\n", src->ops->transport);
    if (img.have_manifest_digest)
        printf("digest: %s\n", img.manifest_digest.text);
    if (img.have_index_digest)
        printf("index: %s\n", img.index_digest.text);
    printf("config: %s\nplatform: %s\nlayers: %zu\n", img.config_digest.text,
           img.platform ? img.platform : "", img.nlayers);
    for (size_t i = 0; i < img.nnotes; i++)
        printf("note: %s\n", img.notes[i]);
    struct job *jobs = calloc(img.nlayers ? img.nlayers : 1, sizeof(*jobs));
    struct ivet_pool *pool = ivet_pool_new(4, &err);
    if (!jobs || !pool) {
        free(jobs);
        ivet_image_release(&img);
        ivet_source_free(src);
        goto fail;
    }
    for (size_t i = 0; i < img.nlayers; i++) {
        jobs[i] = (struct job){ src, &img.layers[i], IVET_ERR_INIT, 0 };
        ivet_pool_submit(pool, pull_layer, &jobs[i], &err);
    }
    ivet_pool_free(pool);
    int status = 0;
    for (size_t i = 0; i < img.nlayers; i++) {
        if (jobs[i].err.code) {
            fprintf(stderr, "ivet_pull: layer %zu: %s\n", i, ivet_err_msg(&jobs[i].err));
            status = ivet_err_exit_status(jobs[i].err.code);
        } else {
            printf("layer %zu: %s %llu bytes verified\n", i,
                   img.layers[i].have_digest ? img.layers[i].digest.text : img.layers[i].diff_id.text,
                   (unsigned long long)jobs[i].bytes);
        }
        ivet_err_release(&jobs[i].err);
    }
    free(jobs);
    ivet_image_release(&img);
    ivet_source_free(src);
    return status;
fail:
    fprintf(stderr, "ivet_pull: %s\n", ivet_err_msg(&err));
    int st = ivet_err_exit_status(err.code);
    ivet_err_release(&err);
    return st;
}
