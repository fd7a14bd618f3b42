/* source.h: where an image comes from. A source resolves an image argument
 * (transport:location) to a manifest, a config and layer descriptors, and
 * opens blobs as pull streams. Blob digests are checked by the caller
 * (layer pipeline) or by ivet_source_read_json for small documents. */
#ifndef IVET_SOURCE_H
#define IVET_SOURCE_H

#include <jansson.h>

#include "core/core.h"
#include "layer/layer.h"

struct ivet_platform {
    char os[32], arch[32], variant[32];         /* variant may be "" */
};
/* Parses "os/arch[/variant]". */
int ivet_platform_parse(struct ivet_platform *p, const char *s, struct ivet_err *err);
/* The platform this binary runs on (linux/amd64, linux/arm64/v8, ...). */
void ivet_platform_host(struct ivet_platform *p);
/* "os/arch[/variant]" into buf */
void ivet_platform_format(const struct ivet_platform *p, char *buf, size_t n);

/* The resolved image. All strings owned; freed by ivet_image_release. */
struct ivet_image {
    char *reference;                    /* as the user named it */
    char *transport;                    /* "docker-archive", "oci", "oci-archive", "docker", ... */
    struct ivet_digest manifest_digest;
    bool have_manifest_digest;          /* false for docker-archive (synthesised manifest) */
    struct ivet_digest config_digest;
    char *platform;                     /* "linux/amd64" from the config */
    char *config_raw;                   /* config JSON as stored (digest-verified) */
    size_t config_len;
    json_t *config;                     /* parsed config */
    char **repo_tags;                   /* RepoTags / ref.name annotations */
    size_t nrepo_tags;
    struct ivet_layer_desc *layers;     /* bottom first */
    size_t nlayers;
    json_t *manifest;                   /* parsed manifest (NULL for docker-archive) */
    json_t *index;                      /* the index it was picked from, or NULL */
    struct ivet_digest index_digest;    /* digest of that index (registry pulls) */
    bool have_index_digest;
    bool insecure_transport;            /* fetched over plain HTTP or unverified TLS */
};
void ivet_image_release(struct ivet_image *img);

struct ivet_source_opts {
    struct ivet_platform platform;      /* wanted platform */
    bool platform_set;                  /* false: host platform, any if single */
    struct ivet_limits limits;
    /* registry transport (docker://) */
    const char *username, *password;    /* explicit credentials, or NULL */
    const char *ca_file;
    const char **insecure_hosts;        /* "host[:port]", NULL-terminated, or NULL */
    bool progress;
};

struct ivet_source;
struct ivet_source_ops {
    const char *transport;
    /* Resolves the image (manifest, config, layers) into img. */
    int (*resolve)(struct ivet_source *src, struct ivet_image *img, struct ivet_err *err);
    /* Opens layer blob `d` as a raw (compressed) stream, not yet digest-checked.
     * Must be safe to call from several threads at once. */
    struct ivet_istream *(*open_blob)(struct ivet_source *src, const struct ivet_layer_desc *d,
                                      struct ivet_err *err);
    void (*free)(struct ivet_source *src);
};
struct ivet_source {
    const struct ivet_source_ops *ops;
    struct ivet_source_opts opts;
};

/* Opens "transport:location" (docker-archive:, oci:, oci-archive:, docker://,
 * docker-daemon:) or a bare path (identified by its content) or a bare name
 * (a registry reference). */
struct ivet_source *ivet_source_open(const char *image, const struct ivet_source_opts *o,
                                     struct ivet_err *err);
void ivet_source_free(struct ivet_source *src);

/* ---- helpers shared by the sources (manifest.c) */
/* Parses a config and fills img->config, platform, diff_ids into layers (must
 * already be allocated, nlayers set) and created_by from history (skipping
 * empty_layer entries). Errors when diff_ids and layers disagree. */
int ivet_image_apply_config(struct ivet_image *img, const char *raw, size_t len, struct ivet_err *err);
/* Parses an OCI or Docker v2 manifest into img->layers (digest, media type,
 * size) and img->config_digest. */
int ivet_image_apply_manifest(struct ivet_image *img, const char *raw, size_t len, struct ivet_err *err);
/* From an OCI index or Docker manifest list, picks the manifest descriptor for
 * the wanted platform (o->platform, or the host's, or the only one). A missing
 * platform is IVET_E_NOTFOUND listing the platforms present. `*digest` and
 * `*media_type` (fresh string) receive the choice. */
int ivet_index_pick(json_t *index, const struct ivet_source_opts *o, struct ivet_digest *digest,
                    char **media_type, struct ivet_err *err);
/* jansson parse with the limit and an error naming `what` with line/column */
json_t *ivet_json_parse(const char *raw, size_t len, const char *what, struct ivet_err *err);

#endif
