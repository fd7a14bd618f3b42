/* report_sbom.c: helpers shared by the CycloneDX and SPDX renderers. */
#include "report/report_sbom.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/packages.h"

int ivet_sbom_uuid(char out[37], struct ivet_err *err)
{
    uint8_t b[16];
    if (RAND_bytes(b, sizeof(b)) != 1)
        return ivet_err_set(err, IVET_E_INTERNAL, "cannot get random bytes for a uuid");
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
    return 0;
}

void ivet_sbom_timestamp(char out[21])
{
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    uint64_t v;
    if (sde && ivet_parse_u64(sde, &v))
        t = (time_t)v;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *ivet_sbom_image_name(const struct ivet_report *r)
{
    const char *ref = r->image.reference ? r->image.reference : "";
    const char *p = strstr(ref, "://");
    if (p)
        ref = p + 3;
    else if (r->image.transport && ivet_startswith(ref, r->image.transport) &&
             ref[strlen(r->image.transport)] == ':')
        ref = ref + strlen(r->image.transport) + 1;
    const char *at = strchr(ref, '@');
    size_t n = at ? (size_t)(at - ref) : strlen(ref);
    while (n && ref[n - 1] == '/')
        n--;
    const char *slash = NULL;
    for (size_t i = 0; i < n; i++)
        if (ref[i] == '/')
            slash = ref + i;
    const char *base = slash ? slash + 1 : ref;
    size_t bn = n - (size_t)(base - ref);
    const char *colon = memchr(base, ':', bn);
    if (colon)
        bn = (size_t)(colon - base);
    if (bn > 4 && !memcmp(base + bn - 4, ".tar", 4))
        bn -= 4;
    if (!bn)
        return ivet_strdup("image");
    char *out = ivet_strndup(base, bn);
    for (char *q = out; q && *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return out;
}

const char *ivet_sbom_image_version(const struct ivet_report *r)
{
    if (r->image.have_manifest_digest)
        return r->image.manifest_digest.text;
    if (r->image.config_digest.text[0])
        return r->image.config_digest.text;
    return NULL;
}

/* The tag of a registry-style reference ("name:tag"), or NULL. */
static char *image_tag(const struct ivet_report *r)
{
    if (!r->image.transport || strcmp(r->image.transport, "docker") || !r->image.reference)
        return NULL;
    const char *ref = r->image.reference;
    const char *slash = strrchr(ref, '/');
    const char *colon = strchr(slash ? slash : ref, ':');
    const char *at = strchr(ref, '@');
    if (!colon || (at && at < colon))
        return NULL;
    return ivet_strndup(colon + 1, at ? (size_t)(at - colon - 1) : strlen(colon + 1));
}

char *ivet_sbom_image_purl(const struct ivet_report *r)
{
    const char *ver = ivet_sbom_image_version(r);
    if (!ver)
        return NULL;
    char *name = ivet_sbom_image_name(r), *tag = image_tag(r), *arch = NULL;
    if (r->image.platform) {
        const char *s = strchr(r->image.platform, '/');
        if (s) {
            const char *e = strchr(s + 1, '/');
            arch = e ? ivet_strndup(s + 1, (size_t)(e - s - 1)) : ivet_strdup(s + 1);
        }
    }
    struct ivet_purl_qual q[] = { { "arch", arch }, { "tag", tag } };
    char *purl = name ? ivet_purl("oci", NULL, name, ver, q, IVET_ARRAY_LEN(q)) : NULL;
    /* the oci purl type writes the digest's colon encoded (sha256%3A...) */
    char *colon = purl ? strstr(purl, "@sha256:") : NULL;
    if (colon) {
        char *fixed = ivet_asprintf("%.*s@sha256%%3A%s", (int)(colon - purl), purl, colon + 8);
        ivet_free(purl);
        purl = fixed;
    }
    ivet_free(name);
    ivet_free(tag);
    ivet_free(arch);
    return purl;
}

json_t *ivet_sbom_jstr(const char *s)
{
    if (!s)
        s = "";
    json_t *j = json_string(s);
    if (j)
        return j;
    char *clean = ivet_sanitize(s, strlen(s), 4096);
    j = clean ? json_string(clean) : NULL;
    ivet_free(clean);
    return j;
}

const char *ivet_sbom_layer_id(const struct ivet_report *r, int layer)
{
    if (layer < 0 || (size_t)layer >= r->image.nlayers)
        return NULL;
    const struct ivet_layer_desc *d = &r->image.layers[layer];
    if (d->diff_id.text[0])
        return d->diff_id.text;
    return d->have_digest ? d->digest.text : NULL;
}
