/* names_run.c: runs one reference through the publisher and name checks and,
 * for Docker Hub references when online, the popularity checks. Turns every
 * Docker Hub failure into a note: metadata is a signal, never a reason for
 * the scan itself to fail. */
#include "analyze/names_run.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void ivet_names_run_init(struct ivet_names_run *run)
{
    memset(run, 0, sizeof(*run));
}

void ivet_names_run_release(struct ivet_names_run *run)
{
    ivet_ref_release(&run->ref);
    ivet_findings_release(&run->findings);
    json_decref(run->publisher);
    json_decref(run->popularity);
    for (size_t i = 0; i < run->nnotes; i++)
        ivet_free(run->notes[i]);
    ivet_free(run->notes);
    run->publisher = run->popularity = NULL;
    run->notes = NULL;
    run->nnotes = 0;
}

static int note(struct ivet_names_run *run, struct ivet_err *err, const char *fmt, ...)
    IVET_PRINTF(3, 4);
static int note(struct ivet_names_run *run, struct ivet_err *err, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    char **v = ivet_reallocarray(run->notes, run->nnotes + 1, sizeof(*v));
    if (!v)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory adding a note");
    run->notes = v;
    if (!(v[run->nnotes] = ivet_strdup(buf)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory adding a note");
    run->nnotes++;
    return 0;
}

/* Docker Hub's own badge for the repository (search API, fetched with the
 * metadata) decides a publisher that imagevet's shipped data did not know:
 * the trust level rises to what Hub says, and PUB-UNKNOWN goes, as do the
 * name findings that a trusted publisher never receives (it owns its names, as
 * check_hub in names.c has it) and the imitation behind POP-IMITATOR-*. A
 * badge never lowers a level, nor overrides known-bad or a trust the data or
 * the policy already gave. */
static void apply_badge(struct ivet_names_run *run, struct ivet_publisher *pub, const char *badge,
                        char *imitated)
{
    enum ivet_trust t;
    if (!badge || pub->trust != IVET_TRUST_UNKNOWN)
        return;
    if (!strcmp(badge, "verified_publisher"))
        t = IVET_TRUST_VERIFIED;
    else if (!strcmp(badge, "open_source"))
        t = IVET_TRUST_SPONSORED;
    else
        return;         /* "official" only exists under library/, decided from the data */
    pub->trust = t;
    snprintf(pub->basis, sizeof(pub->basis), "Docker Hub shows the '%s' badge for '%s'", badge, run->ref.path);
    if (imitated)
        imitated[0] = 0;
    size_t k = 0;
    for (size_t i = 0; i < run->findings.n; i++) {
        const char *id = run->findings.v[i].id;
        if (!strcmp(id, "PUB-UNKNOWN") || !strncmp(id, "NAME-", 5))
            ivet_finding_release(&run->findings.v[i]);
        else
            run->findings.v[k++] = run->findings.v[i];
    }
    run->findings.n = k;
}

static int popularity(struct ivet_names_run *run, struct ivet_publisher *pub, char *imitated,
                      struct ivet_err *err)
{
    struct ivet_hub_opts ho = { run->hub_url, run->cache_dir, 0, 0 };
    struct ivet_err herr = IVET_ERR_INIT;
    json_t *repo = NULL;
    int rc = ivet_hub_fetch(&ho, run->ref.path, &repo, &herr);
    if (rc == -IVET_E_NOMEM) {
        ivet_err_move(err, &herr);
        return rc;
    }
    if (rc < 0) {
        rc = note(run, err, "popularity skipped: Docker Hub metadata for '%s' unavailable: %s",
                  run->ref.path, ivet_err_msg(&herr));
        ivet_err_release(&herr);
        return rc;
    }
    long long now = run->now ? run->now : (long long)time(NULL);
    apply_badge(run, pub, json_string_value(json_object_get(repo, "_badge")), imitated);
    rc = ivet_popularity_eval(repo, imitated, now, &run->findings, &run->popularity, err);
    json_t *readme = json_object_get(repo, "full_description");
    if (rc == 0 && json_is_string(readme))
        rc = ivet_popularity_scan_readme(json_string_value(readme), &run->findings, err);
    json_decref(repo);
    return rc;
}

int ivet_names_run(const struct ivet_names_db *db, const char *refstr, struct ivet_names_run *run,
                   struct ivet_err *err)
{
    struct ivet_publisher pub;
    char imitated[256];
    int rc = ivet_ref_parse(&run->ref, refstr, err);
    if (rc < 0)
        return rc;
    if ((rc = ivet_names_check(db, &run->ref, &run->findings, &pub, imitated, sizeof(imitated), err)) < 0)
        return rc;
    if (strcmp(run->ref.registry, "docker.io") != 0)
        rc = 0;
    else if (run->offline)
        rc = note(run, err, "popularity skipped: offline");
    else
        rc = popularity(run, &pub, imitated, err);
    if (rc == 0 && !(run->publisher = ivet_publisher_json(&pub)))
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory building the publisher section");
    return rc;
}
