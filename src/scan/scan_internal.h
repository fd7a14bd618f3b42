/* scan_internal.h: the orchestrator's per-layer job, shared by scan.c
 * (ordering, merge, image checks) and scan_layer.c (the pass over one layer). */
#ifndef IVET_SCAN_INTERNAL_H
#define IVET_SCAN_INTERNAL_H

#include <stdatomic.h>

#include "analyze/analyzer.h"
#include "analyze/capture.h"
#include "imagevet/scan.h"
#include "report/report.h"

/* An entry as recorded during the pass, replayed into the merged view. */
struct scan_rec {
    char *path, *linkname;      /* in the job's string arena */
    enum ivet_entry_type type;
    uint32_t mode;
    uint64_t uid, gid, size;
    int64_t mtime;
    bool whiteout, opaque;
    uint8_t marks;              /* IVET_MARK_*, from ivet_lctx_mark */
};

struct scan_arena;              /* chunked string storage, freed at once */

/* Image-wide counters for the image-wide limits (all layers run at once). */
struct scan_totals {
    _Atomic uint64_t compressed;        /* blob bytes read */
    _Atomic uint64_t content;           /* declared sizes of regular files */
    _Atomic uint64_t captured;          /* bytes kept by captures */
};

struct scan_job {
    struct ivet_source *src;
    struct ivet_layer_desc *desc;
    const struct ivet_scan_opts *opts;
    enum ivet_layer_split split;
    size_t nanalyzers;
    struct ivet_lctx *lctx;             /* one per analyzer */
    void **states;                      /* one per analyzer */
    uint64_t runs;                      /* analyzers taking part in this scan (bit i: analyzer i) */
    const void *owner;                  /* the scan, for the check catalog (ivet_check_set_owner) */
    uint64_t want_mask;                 /* analyzers that want the current entry's data */
    bool capturing;                     /* the current entry is being captured */
    bool capture_requested;             /* set by ivet_lctx_capture during on_entry */
    struct ivet_captures *captures;
    struct scan_rec *recs;
    size_t nrecs, caprecs;
    struct scan_arena *arena;
    struct scan_totals *totals;         /* image-wide counters, shared by the jobs */
    struct ivet_err err;
    bool ok;
};

int scan_layer_run(struct scan_job *job);
void scan_job_release(struct scan_job *job);
/* wraps a blob stream to count bytes into *counter */
struct ivet_istream *scan_count_stream(struct ivet_istream *in, struct scan_job *job,
                                       struct ivet_err *err);

/* attest.c: reading a document beside the image (an attestation, a
 * signature) failed: does that stop the scan? Only a digest mismatch (and
 * running out of memory) does; anything else leaves the image vettable and
 * the failure on record, as a finding. */
bool scan_read_fatal(const struct ivet_err *err);
/* err's message, after prefix, as text for the report (escaped and cut at
 * 400 bytes); releases err. NULL when out of memory. */
char *scan_error_text(struct ivet_err *err, const char *prefix);
/* attest.c: reads the in-toto statements the image's index attaches to its
 * manifest into r->image.attestations (left NULL when there are none). A
 * digest mismatch is an error; a statement that does not parse is kept with
 * its "error", for the provenance analyzer to report. */
int scan_attestations(struct ivet_source *src, struct ivet_report *r, uint64_t max_json, struct ivet_err *err);
/* signatures.c: the cosign signatures stored by tag next to the image
 * (sha256-<hex>.sig for the manifest and for the index it was picked from)
 * into r->image.signatures; sets signatures_searched when the source can
 * look. A payload whose bytes do not match its digest is an error; other
 * problems are kept as the entry's "error". */
int scan_signatures(struct ivet_source *src, struct ivet_report *r, uint64_t max_json, struct ivet_err *err);

#endif
