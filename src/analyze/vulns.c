/* vulns.c: the vulnerability analyzer: after the inventory analyzer has
 * filled r->packages, matches them against the local database and adds the
 * results to r->vulns (ignore rules applied), with notes for what could not
 * be checked and VULN-DB-STALE for an old database. The matching itself is
 * in vulns_match.c, the database in src/vulndb/. */
#include "analyze/vulns.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/analyzer.h"
#include "imagevet/scan.h"

#define DEFAULT_MAX_AGE_DAYS 7

static const struct ivet_check checks[] = {
    { "VULN-DB-STALE", "vulnerabilities", IVET_SEV_LOW,
      "The vulnerability database is out of date",
      "Run 'imagevet db update' (or 'db import' on an air-gapped machine) so that recently "
      "published vulnerabilities are matched." },
};

struct vulns_global {
    struct ivet_vulndb *db;
    char *db_path;              /* for the notes, also when there is no database */
    struct ivet_ignore ignore;
    char *ignore_path;
};

static void vulns_teardown(void *g)
{
    struct vulns_global *v = g;
    if (!v)
        return;
    ivet_vulndb_close(v->db);
    ivet_free(v->db_path);
    ivet_ignore_release(&v->ignore);
    ivet_free(v->ignore_path);
    ivet_free(v);
}

static int vulns_setup(const struct ivet_scan_opts *o, void **global, struct ivet_err *err)
{
    if (o->severity_fail && ivet_severity_parse(o->severity_fail) < 0)
        return ivet_err_set(err, IVET_E_USAGE, "--severity-fail '%s': expected low, medium, high or critical",
                            o->severity_fail);
    struct vulns_global *v = ivet_calloc(1, sizeof(*v));
    if (!v)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    /* a failed setup is not torn down by the scan: free here */
    int rc = 0;
    v->db_path = o->vulndb ? ivet_strdup(o->vulndb) : ivet_vulndb_default_path(o->cache_dir, err);
    if (v->db_path && !o->vulndb && o->cache_dir && access(v->db_path, F_OK) != 0) {
        /* a --cache-dir without a database of its own: the default one still serves */
        ivet_free(v->db_path);
        v->db_path = ivet_vulndb_default_path(NULL, err);
    }
    if (!v->db_path && o->vulndb) {
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        goto fail;
    }
    ivet_err_release(err);                  /* no HOME: reported as "no database" */
    if (v->db_path && access(v->db_path, F_OK) == 0) {
        v->db = ivet_vulndb_open(v->db_path, IVET_VULNDB_READ, err);
        if (!v->db) {
            rc = -err->code;                /* a broken database must not pass silently */
            goto fail;
        }
    }
    /* The CLI passes ./.imagevetignore when present; a named file must exist. */
    if (o->ignore_file) {
        if (!(v->ignore_path = ivet_strdup(o->ignore_file))) {
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            goto fail;
        }
        if (ivet_ignore_load(&v->ignore, o->ignore_file, err) < 0) {
            rc = ivet_err_wrap(err, "ignore file");
            goto fail;
        }
    }
    *global = v;
    return 0;
fail:
    vulns_teardown(v);
    return rc;
}

static int add_vuln(void *arg, const struct ivet_package *p, const struct ivet_match *m,
                    enum ivet_severity sev, struct ivet_err *err)
{
    struct ivet_report *r = arg;
    struct ivet_vuln v = {
        .id = m->id, .package = p->name, .installed = p->version, .fixed = m->fixed,
        .pkg_type = p->type, .severity = sev, .cvss = m->cvss, .source = m->source,
        .title = m->summary, .aliases = m->aliases, .path = p->path, .layer = p->layer,
    };
    return ivet_report_add_vuln(r, &v, err) ? 0 : -err->code;
}

static int stale_check(struct ivet_ictx *ix, struct vulns_global *v, int64_t newest,
                       struct ivet_err *err)
{
    unsigned max = ix->opts->vulndb_max_age_days ? ix->opts->vulndb_max_age_days
                                                 : DEFAULT_MAX_AGE_DAYS;
    int64_t age = (int64_t)time(NULL) - newest;
    if (age <= (int64_t)max * 86400)
        return 0;
    char ev[160];
    snprintf(ev, sizeof(ev), "last update %lld days ago (limit %u days): %s",
             (long long)(age / 86400), max, v->db_path);
    if (ivet_report_note(ix->report, err, "vulnerability database is %lld days old: run "
                         "imagevet db update", (long long)(age / 86400)) < 0)
        return -err->code;
    return ivet_ictx_finding(ix, "VULN-DB-STALE", NULL, -1, ev, err);
}

static int vulns_on_image(struct ivet_ictx *ix, struct ivet_err *err)
{
    struct vulns_global *v = ix->global;
    struct ivet_report *r = ix->report;
    int64_t newest = 0;
    if (!v->db)
        return ivet_report_note(r, err,
                                "vulnerability matching skipped: no database at %s "
                                "(run imagevet db update or db import)",
                                v->db_path ? v->db_path : "(no cache directory)");
    if (ivet_vulndb_counts(v->db, NULL, NULL, &newest, err) < 0)
        return -err->code;
    if (newest == 0)
        return ivet_report_note(r, err,
                                "vulnerability matching skipped: the database at %s is empty "
                                "(run imagevet db update or db import)", v->db_path);
    if (stale_check(ix, v, newest, err) < 0)
        return -err->code;
    char today[11];
    ivet_today(today);
    struct ivet_vulns_stats st = { 0 };
    int rc = ivet_vulns_match_packages(v->db, r->packages, r->npackages, r->os_id, r->os_version,
                                       &v->ignore, today, add_vuln, r, &st, err);
    if (rc < 0)
        return ivet_err_wrap(err, "vulnerability matching");
    if (st.ignored &&
        ivet_report_note(r, err, "%zu vulnerabilities ignored by %s", st.ignored,
                         v->ignore_path) < 0)
        return -err->code;
    if (st.expired &&
        ivet_report_note(r, err, "%zu vulnerabilities reported again: their ignore rules in %s "
                         "have expired", st.expired, v->ignore_path) < 0)
        return -err->code;
    if (st.unsupported &&
        ivet_report_note(r, err, "%zu packages not checked for vulnerabilities: no data source "
                         "for their type or distribution", st.unsupported) < 0)
        return -err->code;
    if (st.unjudged &&
        ivet_report_note(r, err, "%zu advisory ranges skipped: a version did not parse",
                         st.unjudged) < 0)
        return -err->code;
    return 0;
}

const struct ivet_analyzer ivet_analyzer_vulns = {
    .name = "vulns",
    .checks = checks,
    .nchecks = IVET_ARRAY_LEN(checks),
    .setup = vulns_setup,
    .teardown = vulns_teardown,
    .on_image = vulns_on_image,
};
