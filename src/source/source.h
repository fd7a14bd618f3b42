/* source.h: where an image comes from. A source resolves an image argument
 * (transport:location) to a manifest, a config and layer descriptors, and
 * opens blobs as pull streams. Layer digests are checked by the caller (the
 * layer pipeline); small documents by the source as it reads them (resolve,
 * read_doc). */
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
    json_t *attestations;               /* in-toto statements attached to the manifest through
                                         * the index (scan/attest.c): an array of
                                         * {"digest", "predicate_type", "statement"|"error"}, or NULL */
    json_t *signatures;                 /* cosign signatures found by tag (scan/signatures.c): an
                                         * array of {"signed", "tag", "layer", "payload",
                                         * "signature"|"error"}, or NULL */
    bool signatures_searched;           /* the source could look for them (read_tag) */
    struct ivet_digest index_digest;    /* digest of the index the reference named (registry; an
                                         * OCI layout's outermost nested index) */
    bool have_index_digest;
    /* added by the sources: */
    char **notes;                       /* oddities tolerated while resolving (e.g. history
                                         * and layers disagree), for the report's notes */
    size_t nnotes;
};
/* Appends a printf-formatted note to img->notes. */
int ivet_image_note(struct ivet_image *img, struct ivet_err *err, const char *fmt, ...)
    IVET_PRINTF(3, 4);
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
    /* Optional, for a source that serves every blob from one stream read front
     * to back (docker-daemon:): where d's blob comes in that stream (-1:
     * unknown). The scan then opens the layers one after another in that
     * order. open_blob stays correct in any order and from several threads;
     * only the cost changes. */
    long (*stream_rank)(struct ivet_source *src, const struct ivet_layer_desc *d);
    /* Optional: reads a small document of the image's repository whole (a
     * manifest when `manifest`, else a blob: registries serve the two from
     * different endpoints), at most `max` bytes, and checks its digest (and
     * its size when size_known). Missing is -IVET_E_NOTFOUND. For documents
     * beside the image, such as the attestation manifests of its index. */
    int (*read_doc)(struct ivet_source *src, const struct ivet_digest *d, bool manifest, bool size_known,
                    uint64_t size, uint64_t max, char **raw, size_t *len, struct ivet_err *err);
    /* Optional: reads the manifest that `tag` names in the image's repository
     * (or layout), at most max bytes; *digest receives the digest of what was
     * read. Missing is -IVET_E_NOTFOUND. For documents found by tag, such as
     * cosign's sha256-<hex>.sig signatures. */
    int (*read_tag)(struct ivet_source *src, const char *tag, uint64_t max, char **raw, size_t *len,
                    struct ivet_digest *digest, struct ivet_err *err);
    void (*free)(struct ivet_source *src);
};
struct ivet_source {
    const struct ivet_source_ops *ops;
    struct ivet_source_opts opts;
    char *reference;                    /* the IMAGE argument as given (set and freed by
                                         * ivet_source_open / ivet_source_free) */
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

/* ---- added by the sources */
/* ivet_json_parse with an explicit size limit (ivet_json_parse uses the default max_json). */
json_t *ivet_json_parse_max(const char *raw, size_t len, uint64_t max, const char *what,
                            struct ivet_err *err);
#define IVET_MAX_LAYERS 4096            /* layers in one manifest */
#define IVET_MAX_INDEX_DEPTH 8          /* index -> index -> ... nesting */

/* Media types this code knows. */
#define IVET_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IVET_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define IVET_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IVET_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define IVET_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define IVET_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
/* true for an OCI index or a Docker manifest list media type */
bool ivet_media_type_is_index(const char *mt);
/* true for an OCI image manifest or a Docker schema2 manifest media type */
bool ivet_media_type_is_manifest(const char *mt);
/* What a manifest-or-index document is, from its mediaType or, when absent, its
 * shape ("manifests" -> index, "layers" -> manifest). Returns 1 index, 0
 * manifest, -code when it is neither (schema1, artifacts) naming `what`. */
int ivet_json_doc_kind(json_t *doc, const char *what, struct ivet_err *err);
/* "linux/amd64, linux/arm64/v8" (the pickable platforms of an index) appended to b. */
int ivet_index_platforms(json_t *index, struct ivet_buf *b, struct ivet_err *err);
/* Fills p from a descriptor's "platform" object; false when it has none. */
bool ivet_platform_from_json(struct ivet_platform *p, json_t *platform);
/* Equal after normalisation (x86_64 -> amd64, aarch64 -> arm64, arm64 -> v8,
 * arm -> v7, amd64 -> v1 when no variant is given). */
bool ivet_platform_match(const struct ivet_platform *want, const struct ivet_platform *have);

/* ---- the image argument (open.c). A pure parser, so it can be fuzzed. */
enum ivet_transport {
    IVET_TRANSPORT_BARE = 0,            /* no prefix: an existing path or a registry name */
    IVET_TRANSPORT_DOCKER_ARCHIVE,      /* docker-archive:PATH[:REF|:@N] */
    IVET_TRANSPORT_OCI,                 /* oci:DIR[:TAG|:@N] */
    IVET_TRANSPORT_OCI_ARCHIVE,         /* oci-archive:PATH[:TAG|:@N] */
    IVET_TRANSPORT_DOCKER,              /* docker://REF */
    IVET_TRANSPORT_DOCKER_DAEMON,       /* docker-daemon:REF */
};
struct ivet_image_arg {
    enum ivet_transport transport;
    char *location;                     /* path, or the reference for docker/daemon/bare */
    char *ref;                          /* tag or reference after PATH:, or NULL */
    long index;                         /* N of PATH:@N, or -1 */
};
/* Splits an IMAGE argument. As skopeo does, the first ':' after the path
 * transports separates the path from the tag/reference. Unknown transports
 * that skopeo knows (dir:, containers-storage:, ...) are IVET_E_UNSUPPORTED;
 * empty parts are IVET_E_USAGE. */
int ivet_image_arg_parse(const char *s, struct ivet_image_arg *a, struct ivet_err *err);
void ivet_image_arg_release(struct ivet_image_arg *a);
const char *ivet_transport_name(enum ivet_transport t);

/* Transport constructors (ivet_source_open dispatches to them). The registry
 * one (reg_source.c) takes a reference without "docker://" ("alpine:3.19",
 * "127.0.0.1:5000/team/app@sha256:..."), the daemon one (daemon.c) an image
 * name or ID as the daemon knows it. Neither touches the network before
 * resolve(). */
struct ivet_source *ivet_source_open_docker(const char *ref, const struct ivet_source_opts *o,
                                            struct ivet_err *err);
struct ivet_source *ivet_source_open_daemon(const char *ref, const struct ivet_source_opts *o,
                                            struct ivet_err *err);
struct ivet_source *ivet_source_open_docker_archive(const struct ivet_image_arg *a,
                                                    const struct ivet_source_opts *o,
                                                    struct ivet_err *err);
struct ivet_source *ivet_source_open_oci(const struct ivet_image_arg *a,
                                         const struct ivet_source_opts *o, struct ivet_err *err);
struct ivet_source *ivet_source_open_oci_archive(const struct ivet_image_arg *a,
                                                 const struct ivet_source_opts *o,
                                                 struct ivet_err *err);

#endif
