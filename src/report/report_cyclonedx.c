/* report_cyclonedx.c: the package inventory as a CycloneDX 1.5 JSON BOM:
 * the image as metadata.component (container), the distribution as an
 * operating-system component, every package as a library component with
 * its purl, and dependencies image -> os -> OS packages, image -> others. */
#include "report/report_sbom.h"

#include <string.h>

#include "imagevet/imagevet.h"

#define CDX_SET(o, k, v)                                                        \
    do {                                                                        \
        if (json_object_set_new((o), (k), (v)) < 0)                             \
            goto nomem;                                                         \
    } while (0)

static bool os_package(const struct ivet_package *p)
{
    return !strcmp(p->type, "apk") || !strcmp(p->type, "deb") || !strcmp(p->type, "rpm");
}

static json_t *prop(const char *name, const char *value)
{
    return json_pack("{s:s,s:o}", "name", name, "value", ivet_sbom_jstr(value));
}

static json_t *image_component(const struct ivet_report *r, const char *ref)
{
    char *name = ivet_sbom_image_name(r), *purl = ivet_sbom_image_purl(r);
    json_t *c = json_object(), *props = json_array();
    if (!name || !c || !props)
        goto nomem;
    CDX_SET(c, "type", json_string("container"));
    CDX_SET(c, "bom-ref", ivet_sbom_jstr(ref));
    CDX_SET(c, "name", ivet_sbom_jstr(name));
    if (ivet_sbom_image_version(r))
        CDX_SET(c, "version", json_string(ivet_sbom_image_version(r)));
    if (purl)
        CDX_SET(c, "purl", ivet_sbom_jstr(purl));
    if (r->image.reference)
        json_array_append_new(props, prop("imagevet:image:reference", r->image.reference));
    if (r->image.config_digest.text[0])
        json_array_append_new(props, prop("imagevet:image:config_digest", r->image.config_digest.text));
    if (r->image.platform)
        json_array_append_new(props, prop("imagevet:image:platform", r->image.platform));
    for (size_t i = 0; i < r->image.nlayers; i++) {
        const char *id = ivet_sbom_layer_id(r, (int)i);
        if (id)
            json_array_append_new(props, prop("imagevet:image:diff_id", id));
    }
    if (json_array_size(props))
        CDX_SET(c, "properties", props);
    else
        json_decref(props);
    props = NULL;
    ivet_free(name);
    ivet_free(purl);
    return c;
nomem:
    json_decref(c);
    json_decref(props);
    ivet_free(name);
    ivet_free(purl);
    return NULL;
}

static json_t *package_component(const struct ivet_report *r, const struct ivet_package *p,
                                 const char *ref)
{
    json_t *c = json_object(), *props = json_array();
    if (!c || !props)
        goto nomem;
    CDX_SET(c, "type", json_string("library"));
    CDX_SET(c, "bom-ref", ivet_sbom_jstr(ref));
    CDX_SET(c, "name", ivet_sbom_jstr(p->name));
    CDX_SET(c, "version", ivet_sbom_jstr(p->version));
    if (p->purl)
        CDX_SET(c, "purl", ivet_sbom_jstr(p->purl));
    if (p->license && *p->license) {
        json_t *lic = json_pack("[{s:{s:o}}]", "license", "name", ivet_sbom_jstr(p->license));
        if (!lic)
            goto nomem;
        CDX_SET(c, "licenses", lic);
    }
    json_array_append_new(props, prop("imagevet:package:type", p->type));
    if (p->path)
        json_array_append_new(props, prop("imagevet:package:path", p->path));
    const char *layer = ivet_sbom_layer_id(r, p->layer);
    if (layer)
        json_array_append_new(props, prop("imagevet:package:layer_diff_id", layer));
    if (p->source_name)
        json_array_append_new(props, prop("imagevet:package:source_name", p->source_name));
    if (p->source_version)
        json_array_append_new(props, prop("imagevet:package:source_version", p->source_version));
    if (p->arch)
        json_array_append_new(props, prop("imagevet:package:arch", p->arch));
    CDX_SET(c, "properties", props);
    return c;
nomem:
    json_decref(c);
    json_decref(props);
    return NULL;
}

/* bom-refs must be unique: the purl, then "#2", "#3"... for repeats (the
 * same npm package installed in two places). */
static char *unique_ref(const struct ivet_report *r, size_t i)
{
    const struct ivet_package *p = &r->packages[i];
    const char *base = p->purl ? p->purl : p->name;
    unsigned seen = 0;
    for (size_t k = 0; k < i; k++) {
        const char *b = r->packages[k].purl ? r->packages[k].purl : r->packages[k].name;
        if (!strcmp(b, base))
            seen++;
    }
    return seen ? ivet_asprintf("%s#%u", base, seen + 1) : ivet_strdup(base);
}

json_t *ivet_report_to_cyclonedx(const struct ivet_report *r, struct ivet_err *err)
{
    char uuid[37], ts[21];
    if (ivet_sbom_uuid(uuid, err) < 0)
        return NULL;
    ivet_sbom_timestamp(ts);
    json_t *doc = json_object(), *comps = json_array(), *deps = json_array();
    json_t *img_deps = json_array(), *os_deps = json_array();
    const char *img_ref = "image";
    char *os_ref = NULL, *serial = ivet_asprintf("urn:uuid:%s", uuid);
    if (!doc || !comps || !deps || !img_deps || !os_deps || !serial)
        goto nomem;
    CDX_SET(doc, "bomFormat", json_string("CycloneDX"));
    CDX_SET(doc, "specVersion", json_string("1.5"));
    CDX_SET(doc, "serialNumber", json_string(serial));
    CDX_SET(doc, "version", json_integer(1));
    json_t *img = image_component(r, img_ref);
    json_t *meta = img ? json_pack("{s:s,s:{s:[{s:s,s:s,s:s}]},s:o}", "timestamp", ts, "tools",
                                   "components", "type", "application", "name", "imagevet",
                                   "version", IMAGEVET_VERSION, "component", img)
                       : NULL;
    if (!meta)
        goto nomem;
    CDX_SET(doc, "metadata", meta);
    if (r->os_id) {
        os_ref = ivet_asprintf("os:%s-%s", r->os_id, r->os_version ? r->os_version : "unknown");
        json_t *os = json_object();
        if (!os_ref || !os)
            goto nomem;
        CDX_SET(os, "type", json_string("operating-system"));
        CDX_SET(os, "bom-ref", ivet_sbom_jstr(os_ref));
        CDX_SET(os, "name", ivet_sbom_jstr(r->os_id));
        if (r->os_version)
            CDX_SET(os, "version", ivet_sbom_jstr(r->os_version));
        if (r->os_name)
            CDX_SET(os, "description", ivet_sbom_jstr(r->os_name));
        json_array_append_new(comps, os);
        json_array_append_new(img_deps, ivet_sbom_jstr(os_ref));
    }
    for (size_t i = 0; i < r->npackages; i++) {
        const struct ivet_package *p = &r->packages[i];
        char *ref = unique_ref(r, i);
        json_t *c = ref ? package_component(r, p, ref) : NULL;
        if (!c) {
            ivet_free(ref);
            goto nomem;
        }
        json_array_append_new(comps, c);
        json_array_append_new(os_ref && os_package(p) ? os_deps : img_deps, ivet_sbom_jstr(ref));
        ivet_free(ref);
    }
    CDX_SET(doc, "components", comps);
    comps = NULL;
    json_array_append_new(deps, json_pack("{s:s,s:o}", "ref", img_ref, "dependsOn", img_deps));
    img_deps = NULL;
    if (os_ref) {
        json_array_append_new(deps, json_pack("{s:o,s:o}", "ref", ivet_sbom_jstr(os_ref),
                                              "dependsOn", os_deps));
        os_deps = NULL;
    }
    CDX_SET(doc, "dependencies", deps);
    deps = NULL;
    json_decref(os_deps);
    ivet_free(os_ref);
    ivet_free(serial);
    return doc;
nomem:
    json_decref(doc);
    json_decref(comps);
    json_decref(deps);
    json_decref(img_deps);
    json_decref(os_deps);
    ivet_free(os_ref);
    ivet_free(serial);
    ivet_err_set(err, IVET_E_NOMEM, "out of memory rendering CycloneDX");
    return NULL;
}

int ivet_report_write_cyclonedx(const struct ivet_report *r, FILE *out, bool color,
                                struct ivet_err *err)
{
    (void)color;                        /* JSON: no colour */
    json_t *doc = ivet_report_to_cyclonedx(r, err);
    if (!doc)
        return -err->code;
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc < 0 || fputc('\n', out) == EOF || fflush(out) == EOF)
        return ivet_err_sys(err, IVET_E_IO, "cannot write the CycloneDX document");
    return 0;
}
