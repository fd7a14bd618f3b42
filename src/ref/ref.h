/* ref.h: image references parsed and normalised exactly as Docker does
 * (distribution/reference grammar): default registry docker.io, "library/"
 * for single-component Hub names, index.docker.io and registry-1.docker.io as
 * aliases of docker.io, ports, tags, digests. */
#ifndef IVET_REF_H
#define IVET_REF_H

#include "core/core.h"

struct ivet_ref {
    char *registry;             /* "docker.io", "localhost:5000", "ghcr.io" */
    char *path;                 /* "library/nginx", "team/app" */
    char *tag;                  /* "1.27", or "latest" when neither tag nor digest given */
    char *digest;               /* "sha256:...", or NULL */
    bool tag_implicit;          /* the tag was filled in as "latest" */
    char *normalized;           /* "docker.io/library/nginx:latest" (tag and/or @digest) */
    char *familiar;             /* "nginx:latest" as Docker prints it */
};

/* Parses s. Invalid references are IVET_E_USAGE with a message that says
 * which part is wrong. */
int ivet_ref_parse(struct ivet_ref *r, const char *s, struct ivet_err *err);
void ivet_ref_release(struct ivet_ref *r);
/* The registry host to contact: "registry-1.docker.io" for docker.io. Borrowed. */
const char *ivet_ref_endpoint(const struct ivet_ref *r);

#endif
