/* report_spdx.c: the package inventory as an SPDX 2.3 JSON document: the
 * image as the described CONTAINER package, the distribution as an
 * OPERATING_SYSTEM package, every package with its purl as a
 * PACKAGE-MANAGER external reference, and DESCRIBES/CONTAINS relationships. */
#include "report/report_sbom.h"

#include <ctype.h>
#include <string.h>

#include "analyze/packages.h"
#include "imagevet/imagevet.h"

#define SPDX_SET(o, k, v)                                                       \
    do {                                                                        \
        if (json_object_set_new((o), (k), (v)) < 0)                             \
            goto nomem;                                                         \
    } while (0)

/* SPDXRef-<prefix>-<sanitised name>-<n>: only [A-Za-z0-9.-] may follow "SPDXRef-". */
static char *spdx_id(const char *prefix, const char *name, size_t n)
{
    char clean[80];
    size_t k = 0;
    for (const char *p = name; *p && k < sizeof(clean) - 1; p++)
        clean[k++] = (isalnum((unsigned char)*p) || *p == '.' || *p == '-') ? *p : '-';
    clean[k] = 0;
    return ivet_asprintf("SPDXRef-%s-%s-%zu", prefix, k ? clean : "x", n);
}

static json_t *purl_ref(const char *purl)
{
    return json_pack("[{s:s,s:s,s:o}]", "referenceCategory", "PACKAGE-MANAGER", "referenceType",
                     "purl", "referenceLocator", ivet_sbom_jstr(purl));
}

static json_t *relationship(const char *a, const char *type, const char *b)
{
    return json_pack("{s:o,s:s,s:o}", "spdxElementId", ivet_sbom_jstr(a), "relationshipType", type,
                     "relatedSpdxElement", ivet_sbom_jstr(b));
}

static json_t *package(const struct ivet_report *r, const struct ivet_package *p, const char *id)
{
    json_t *o = json_object();
    char *comment = NULL;
    if (!o)
        return NULL;
    SPDX_SET(o, "SPDXID", json_string(id));
    SPDX_SET(o, "name", ivet_sbom_jstr(p->name));
    SPDX_SET(o, "versionInfo", ivet_sbom_jstr(p->version));
    SPDX_SET(o, "downloadLocation", json_string("NOASSERTION"));
    SPDX_SET(o, "filesAnalyzed", json_false());
    SPDX_SET(o, "primaryPackagePurpose", json_string("LIBRARY"));
    if (p->path) {
        char *src = ivet_asprintf("%s package listed in %s", p->type, p->path);
        if (!src)
            goto nomem;
        json_t *s = ivet_sbom_jstr(src);
        ivet_free(src);
        SPDX_SET(o, "sourceInfo", s);
    }
    const char *layer = ivet_sbom_layer_id(r, p->layer);
    if (layer) {
        if (!(comment = ivet_asprintf("added by layer %s", layer)))
            goto nomem;
        SPDX_SET(o, "comment", json_string(comment));
    }
    if (p->purl)
        SPDX_SET(o, "externalRefs", purl_ref(p->purl));
    ivet_free(comment);
    return o;
nomem:
    ivet_free(comment);
    json_decref(o);
    return NULL;
}

json_t *ivet_report_to_spdx(const struct ivet_report *r, struct ivet_err *err)
{
    char uuid[37], ts[21];
    if (ivet_sbom_uuid(uuid, err) < 0)
        return NULL;
    ivet_sbom_timestamp(ts);
    char *name = ivet_sbom_image_name(r), *ns = NULL, *purl = ivet_sbom_image_purl(r);
    char *creator = ivet_asprintf("Tool: imagevet-%s", IMAGEVET_VERSION);
    json_t *doc = json_object(), *pkgs = json_array(), *rels = json_array(), *img = json_object();
    if (!name || !creator || !doc || !pkgs || !rels || !img)
        goto nomem;
    /* a URI: the name percent-encoded */
    struct ivet_buf nb;
    ivet_buf_init(&nb, 4096);
    if (ivet_buf_puts(&nb, "https://imagevet.invalid/spdx/", err) < 0 ||
        ivet_purl_encode(&nb, name, err) < 0 || ivet_buf_printf(&nb, err, "-%s", uuid) < 0) {
        ivet_buf_release(&nb);
        goto nomem;
    }
    ns = ivet_buf_detach(&nb);
    ivet_buf_release(&nb);
    if (!ns)
        goto nomem;
    SPDX_SET(doc, "spdxVersion", json_string("SPDX-2.3"));
    SPDX_SET(doc, "dataLicense", json_string("CC0-1.0"));
    SPDX_SET(doc, "SPDXID", json_string("SPDXRef-DOCUMENT"));
    SPDX_SET(doc, "name", ivet_sbom_jstr(r->image.reference ? r->image.reference : name));
    SPDX_SET(doc, "documentNamespace", ivet_sbom_jstr(ns));
    SPDX_SET(doc, "creationInfo", json_pack("{s:s,s:[s]}", "created", ts, "creators", creator));

    SPDX_SET(img, "SPDXID", json_string("SPDXRef-image"));
    SPDX_SET(img, "name", ivet_sbom_jstr(name));
    if (ivet_sbom_image_version(r))
        SPDX_SET(img, "versionInfo", json_string(ivet_sbom_image_version(r)));
    SPDX_SET(img, "downloadLocation", json_string("NOASSERTION"));
    SPDX_SET(img, "filesAnalyzed", json_false());
    SPDX_SET(img, "primaryPackagePurpose", json_string("CONTAINER"));
    if (purl)
        SPDX_SET(img, "externalRefs", purl_ref(purl));
    json_array_append_new(pkgs, img);
    img = NULL;
    json_array_append_new(rels, relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-image"));
    if (r->os_id) {
        json_t *os = json_pack("{s:s,s:o,s:s,s:b,s:s}", "SPDXID", "SPDXRef-operating-system", "name",
                               ivet_sbom_jstr(r->os_id), "downloadLocation", "NOASSERTION",
                               "filesAnalyzed", 0, "primaryPackagePurpose", "OPERATING_SYSTEM");
        if (!os)
            goto nomem;
        if (r->os_version)
            SPDX_SET(os, "versionInfo", ivet_sbom_jstr(r->os_version));
        json_array_append_new(pkgs, os);
        json_array_append_new(rels, relationship("SPDXRef-image", "CONTAINS",
                                                 "SPDXRef-operating-system"));
    }
    for (size_t i = 0; i < r->npackages; i++) {
        const struct ivet_package *p = &r->packages[i];
        char *id = spdx_id(p->type, p->name, i + 1);
        json_t *o = id ? package(r, p, id) : NULL;
        if (!o) {
            ivet_free(id);
            goto nomem;
        }
        json_array_append_new(pkgs, o);
        json_array_append_new(rels, relationship("SPDXRef-image", "CONTAINS", id));
        ivet_free(id);
    }
    SPDX_SET(doc, "packages", pkgs);
    pkgs = NULL;
    SPDX_SET(doc, "relationships", rels);
    rels = NULL;
    ivet_free(name);
    ivet_free(ns);
    ivet_free(purl);
    ivet_free(creator);
    return doc;
nomem:
    json_decref(doc);
    json_decref(pkgs);
    json_decref(rels);
    json_decref(img);
    ivet_free(name);
    ivet_free(ns);
    ivet_free(purl);
    ivet_free(creator);
    ivet_err_set(err, IVET_E_NOMEM, "out of memory rendering SPDX");
    return NULL;
}

int ivet_report_write_spdx(const struct ivet_report *r, FILE *out, bool color,
                           struct ivet_err *err)
{
    (void)color;                        /* JSON: no colour */
    json_t *doc = ivet_report_to_spdx(r, err);
    if (!doc)
        return -err->code;
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc < 0 || fputc('\n', out) == EOF || fflush(out) == EOF)
        return ivet_err_sys(err, IVET_E_IO, "cannot write the SPDX document");
    return 0;
}
