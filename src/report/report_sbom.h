/* report_sbom.h: what the two SBOM renderers (report_cyclonedx.c,
 * report_spdx.c) share: the image's name and purl, a fresh UUID, the
 * creation time and JSON strings safe for untrusted text. */
#ifndef IVET_REPORT_SBOM_H
#define IVET_REPORT_SBOM_H

#include "report/report.h"

/* Random (version 4) UUID, lowercase: 36 characters and a NUL. */
int ivet_sbom_uuid(char out[37], struct ivet_err *err);
/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" ($SOURCE_DATE_EPOCH when set). */
void ivet_sbom_timestamp(char out[21]);
/* The image's short name: the last path segment of the reference, without
 * transport, tag, digest or ".tar", lowercase; "image" when empty. Fresh. */
char *ivet_sbom_image_name(const struct ivet_report *r);
/* The image's version: the manifest digest, else the config digest, else NULL. */
const char *ivet_sbom_image_version(const struct ivet_report *r);
/* pkg:oci/<name>@sha256%3A<hex>?arch=..&tag=.. or NULL when no digest. Fresh. */
char *ivet_sbom_image_purl(const struct ivet_report *r);
/* json_string of untrusted text: invalid UTF-8 and control characters are
 * replaced (never NULL for a non-NULL s unless out of memory). */
json_t *ivet_sbom_jstr(const char *s);
/* The diff_id of a layer index, or NULL. */
const char *ivet_sbom_layer_id(const struct ivet_report *r, int layer);

#endif
