/* names_analyzer.c: the "names" analyzer: inside a scan, runs the name,
 * publisher and popularity checks on the reference the image was named by
 * (the registry reference itself, a docker-archive's RepoTags, an OCI
 * ref.name annotation that is a full reference). The checks themselves are
 * in names.c, publisher.c and popularity.c; this file is the glue and the
 * catalog. */
#include "analyze/analyzer.h"
#include "analyze/names.h"
#include "analyze/names_run.h"
#include "report/report.h"

#include <string.h>

#include "imagevet/scan.h"

const struct ivet_check ivet_names_checks[] = {
    { "PUB-KNOWN-BAD", "publisher", IVET_SEV_CRITICAL,
      "Publisher was reported as distributing malicious images",
      "Do not run this image. Remove it and any container started from it, and look for miners or backdoors on hosts that ran it." },
    { "PUB-UNKNOWN", "publisher", IVET_SEV_MEDIUM,
      "Publisher has no trust badge and is not trusted by policy",
      "Prefer a Docker Official Image or a verified publisher's image; if you know this publisher, add it to your policy's trusted namespaces (--trust)." },
    { "NAME-HOMOGLYPH", "name", IVET_SEV_HIGH,
      "Name imitates a trusted name with look-alike characters",
      "Check the spelling character by character (1/l/i, 0/o, rn/m, vv/w, 5/s) and pull the real image it imitates." },
    { "NAME-TYPO", "name", IVET_SEV_HIGH,
      "Name is a small misspelling of a trusted name",
      "Check the spelling; typosquatters register near misses of popular names. Pull the real image instead." },
    { "NAME-OFFICIAL-FOREIGN-NS", "name", IVET_SEV_MEDIUM,
      "Official image name under an unknown namespace",
      "An official image has no namespace (docker.io/library/NAME). Use the official image unless you know and trust this namespace." },
    { "NAME-BORROWED-TRUST", "name", IVET_SEV_MEDIUM,
      "Name borrows a trusted name or claims to be official",
      "Official images and verified publishers do not need 'official' in their names. Find the publisher's real namespace." },
    { "NAME-REGISTRY-LOOKALIKE", "name", IVET_SEV_HIGH,
      "Registry host imitates a well-known registry",
      "Check the registry host; pull from the real registry (docker.io, ghcr.io, gcr.io, quay.io, ...)." },
    { "POP-IMITATOR-LOW-PULLS", "popularity", IVET_SEV_HIGH,
      "Rarely pulled repository whose name imitates a popular image",
      "The popular image it imitates is the one people mean; use that one." },
    { "POP-NEW-REPO", "popularity", IVET_SEV_LOW,
      "Repository was registered less than 30 days ago",
      "New repositories have no track record; prefer an established publisher or review the image closely." },
    { "POP-STALE", "popularity", IVET_SEV_LOW,
      "Repository has not been updated for more than two years",
      "Stale images miss security fixes; look for a maintained alternative or rebuild from source." },
    { "POP-RUN-PRIVILEGED", "popularity", IVET_SEV_HIGH,
      "Docker Hub page recommends running with --privileged",
      "A privileged container can take over the host. Run without --privileged and grant only what is needed." },
    { "POP-RUN-HOST-ROOT", "popularity", IVET_SEV_HIGH,
      "Docker Hub page recommends mounting the host's root filesystem",
      "Mounting / hands the host's files to the container. Mount only the directories it needs, read-only when possible." },
    { "POP-RUN-DOCKER-SOCK", "popularity", IVET_SEV_HIGH,
      "Docker Hub page recommends mounting the Docker socket",
      "Access to /var/run/docker.sock is root on the host. Avoid it, or use a socket proxy that allows only what is needed." },
    { "POP-RUN-HOST-NET", "popularity", IVET_SEV_MEDIUM,
      "Docker Hub page recommends host networking",
      "--net=host removes network isolation. Publish the ports it needs instead." },
    { "POP-RUN-HOST-PID", "popularity", IVET_SEV_MEDIUM,
      "Docker Hub page recommends sharing the host's PID namespace",
      "--pid=host lets the container see and signal every host process. Drop it unless this is a host monitoring tool you trust." },
    { "POP-RUN-CAP-ADD", "popularity", IVET_SEV_MEDIUM,
      "Docker Hub page recommends adding capabilities",
      "Added capabilities (SYS_ADMIN, NET_ADMIN, ...) widen what the container may do to the host; grant only what you have checked is needed." },
};
const size_t ivet_names_nchecks = IVET_ARRAY_LEN(ivet_names_checks);

/* The reference to judge: the registry reference the user gave, else the
 * first RepoTag / ref.name annotation that parses as a full reference. */
static const char *pick_reference(const struct ivet_image *img)
{
    static const char *const registry_transports[] = { "docker", "registry", "docker-daemon" };
    if (img->transport)
        for (size_t i = 0; i < IVET_ARRAY_LEN(registry_transports); i++)
            if (!strcmp(img->transport, registry_transports[i]) && img->reference) {
                const char *r = img->reference;
                if (ivet_startswith(r, "docker://"))
                    r += 9;
                else if (ivet_startswith(r, "docker-daemon:"))
                    r += 14;
                return r;
            }
    for (size_t i = 0; i < img->nrepo_tags; i++) {
        const char *t = img->repo_tags[i];
        /* an OCI ref.name is often just a tag ("1.0"): only names count */
        if (t && (strchr(t, '/') || strchr(t, ':')) && !ivet_startswith(t, "sha256:"))
            return t;
    }
    return NULL;
}

static int names_on_image(struct ivet_ictx *ix, struct ivet_err *err)
{
    struct ivet_names_run run;
    const char *refstr = pick_reference(ix->image);
    struct ivet_report *r = ix->report;
    if (!refstr)
        return ivet_report_note(r, err, "name checks skipped: the image carries no reference (no RepoTags or ref.name)");
    ivet_names_run_init(&run);
    run.offline = ix->opts->offline;
    run.hub_url = ix->opts->hub_url;
    run.cache_dir = ix->opts->cache_dir;
    int rc = ivet_names_run(ix->global, refstr, &run, err);
    if (rc == -IVET_E_USAGE) {
        /* a RepoTag that is not a valid reference is worth a note, not a failed scan */
        rc = ivet_report_note(r, err, "name checks skipped: %s", ivet_err_msg(err));
        ivet_names_run_release(&run);
        return rc;
    }
    if (rc < 0)
        goto out;
    if ((rc = ivet_findings_splice(&r->findings, &run.findings, err)) < 0)
        goto out;
    for (size_t i = 0; i < run.nnotes; i++)
        if ((rc = ivet_report_note(r, err, "%s", run.notes[i])) < 0)
            goto out;
    if (!r->image_extra && !(r->image_extra = json_object())) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory adding the publisher section");
        goto out;
    }
    if (run.publisher && json_object_set(r->image_extra, "publisher", run.publisher) < 0)
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory adding the publisher section");
    if (!rc && run.popularity && json_object_set(r->image_extra, "popularity", run.popularity) < 0)
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory adding the popularity section");
out:
    ivet_names_run_release(&run);
    return rc;
}

static int names_setup(const struct ivet_scan_opts *o, void **global, struct ivet_err *err)
{
    struct ivet_names_db *db = ivet_names_db_load(o->data_dir, err);
    if (!db)
        return ivet_err_wrap(err, "name reference data");
    for (const char **t = o->trusted_namespaces; t && *t; t++)
        if (ivet_names_db_trust(db, *t, err) < 0) {
            ivet_names_db_free(db);
            return -err->code;
        }
    *global = db;
    return 0;
}

static void names_teardown(void *global)
{
    ivet_names_db_free(global);
}

const struct ivet_analyzer ivet_analyzer_names = {
    .name = "names",
    .checks = ivet_names_checks,
    .nchecks = IVET_ARRAY_LEN(ivet_names_checks),
    .setup = names_setup,
    .teardown = names_teardown,
    .on_image = names_on_image,
};
