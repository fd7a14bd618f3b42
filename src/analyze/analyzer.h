/* analyzer.h: the interface every check family implements, and the contexts
 * the scan hands to it. An analyzer sees each layer's entries during the one
 * pass over that layer (layers run in parallel, so per-layer state lives in
 * `state`), and the whole image once at the end (config, history, merged
 * filesystem view, files captured during the pass). Analyzers never do I/O
 * on image content themselves and never include source/. */
#ifndef IVET_ANALYZER_H
#define IVET_ANALYZER_H

#include <jansson.h>

#include "core/core.h"
#include "layer/layer.h"
#include "source/source.h"
#include "analyze/finding.h"

struct ivet_scan_opts;

/* Per-layer context: one per layer, used by one thread at a time. */
struct ivet_lctx {
    int layer;                          /* layer index, 0 = bottom */
    const struct ivet_layer_desc *desc;
    const struct ivet_scan_opts *opts;
    const struct ivet_limits *limits;
    struct ivet_findings findings;      /* this layer's findings */
    struct ivet_captures *captures;     /* files kept for image-level analysis */
    void *global;                       /* the analyzer's setup() result */
    void *job;                          /* private to the orchestrator */
};

/* Adds a finding for entry path `path` in this layer, using the check's
 * catalog entry (id must be in some analyzer's checks table, or a dynamic
 * one such as a YARA rule name: then pass sev/title explicitly through
 * ivet_findings_add). `evidence` is untrusted text (sanitised here), may be NULL. */
int ivet_lctx_finding(struct ivet_lctx *lx, const char *check_id, const char *path,
                      uint32_t line, const char *evidence, struct ivet_err *err);
/* Asks the pass to keep this entry's content (up to limits->max_capture;
 * a longer file is kept truncated and marked so) for on_image. Call from
 * on_entry; the entry's content is then delivered even if no analyzer
 * wants it through on_data. Returns 0. */
int ivet_lctx_capture(struct ivet_lctx *lx, const struct ivet_entry *e);
/* Adds IVET_MARK_* bits to the entry being analysed (from on_entry through
 * on_entry_end); the merged view's node for it carries them. */
void ivet_lctx_mark(struct ivet_lctx *lx, unsigned marks);

/* Image context, for on_image (single-threaded, after all layers). */
struct ivet_ictx {
    const struct ivet_scan_opts *opts;
    const struct ivet_image *image;
    struct ivet_fsview *view;           /* merged view */
    struct ivet_report *report;         /* findings, packages, sections */
    void *global;
};
/* Content of a captured file as the final image shows it (follows symlinks
 * in the merged view). NULL when the file is absent, not captured, or hidden.
 * `layer` (optional) receives the layer it came from; `truncated` whether the
 * capture was cut at max_capture. Borrowed until the scan ends. */
const struct ivet_bytes *ivet_ictx_file(struct ivet_ictx *ix, const char *path, int *layer,
                                        bool *truncated);
/* Every captured version of every file in every layer, visible or not:
 * calls fn for each (path, layer, content). Stops on fn < 0. */
int ivet_ictx_each_capture(struct ivet_ictx *ix,
                           int (*fn)(void *arg, const char *path, int layer, const struct ivet_bytes *b,
                                     bool truncated),
                           void *arg);
/* Image-level finding (layer -1 unless given). */
int ivet_ictx_finding(struct ivet_ictx *ix, const char *check_id, const char *path, int layer,
                      const char *evidence, struct ivet_err *err);

/* The kinds of run an analyzer takes part in (ivet_analyzer.modes). */
#define IVET_MODE_SCAN 1u               /* imagevet scan (and sbom, serve) */
#define IVET_MODE_VERIFY 2u             /* imagevet verify: signatures only, no layer read */
#define IVET_MODE_DIFF 4u               /* imagevet diff: the file tree and what it compares */

struct ivet_analyzer {
    const char *name;                   /* "config", "contents", ... */
    unsigned modes;                     /* IVET_MODE_* it runs in; 0 means IVET_MODE_SCAN */
    const struct ivet_check *checks;    /* catalog of the IDs it can emit */
    size_t nchecks;
    /* Once per scan, before any layer: compile rules, read policy... The
     * result is handed back as lx->global / ix->global. Optional. A failing
     * setup frees what it made, or leaves it in *global: teardown gets a
     * non-NULL global whether setup succeeded or not. */
    int (*setup)(const struct ivet_scan_opts *o, void **global, struct ivet_err *err);
    void (*teardown)(void *global);
    /* Per layer. state is zeroed memory of state_size bytes. All optional. */
    size_t state_size;
    int (*layer_begin)(struct ivet_lctx *lx, void *state, struct ivet_err *err);
    /* Return 1 to receive the entry's content through on_data, 0 not. */
    int (*on_entry)(struct ivet_lctx *lx, void *state, const struct ivet_entry *e, struct ivet_err *err);
    int (*on_data)(struct ivet_lctx *lx, void *state, const struct ivet_entry *e, const void *p,
                   size_t n, struct ivet_err *err);
    int (*on_entry_end)(struct ivet_lctx *lx, void *state, const struct ivet_entry *e,
                        struct ivet_err *err);
    int (*layer_end)(struct ivet_lctx *lx, void *state, struct ivet_err *err);
    void (*layer_free)(void *state);    /* free what state points to (not state) */
    /* Once per image after the merge. */
    int (*on_image)(struct ivet_ictx *ix, struct ivet_err *err);
};

/* registry.c: the explicit, ordered list (NULL-terminated). Image-level
 * callbacks run in this order: inventory before vulnerability matching. */
extern const struct ivet_analyzer *const ivet_analyzers[];
/* Looks a check up in every analyzer's catalog (and the dynamic rule
 * catalogs registered with ivet_check_register; such an entry stays valid
 * while the scan that registered it runs). NULL when unknown. */
const struct ivet_check *ivet_check_find(const char *id);

/* config.c: does an ENV or build-argument NAME (len bytes) look like it holds a credential? */
bool ivet_config_secret_name(const char *name, size_t len);
/* ...and is its value (n bytes) a reference or a placeholder, not a secret ("", "$VAR", a path, "changeme")? */
bool ivet_config_secret_placeholder(const char *v, size_t n);

/* provenance.c: what one SLSA provenance statement says (all borrowed from
 * the statement). ivet_prov_read understands v0.2 and v1 as BuildKit writes
 * them and returns false for other predicate types. */
struct ivet_prov {
    const char *builder, *build_type;
    const char *source, *revision;          /* the build's configSource (a remote context) */
    const char *vcs_source, *vcs_revision;  /* what the client said about its checkout */
    json_t *args;                           /* build arguments ("build-arg:NAME": value), or NULL */
};
bool ivet_prov_read(json_t *st, const char *ptype, struct ivet_prov *p);
/* A copy of a statement with only what ivet_prov_read and the analyzer use
 * (_type, predicateType, up to 16 subjects, the provenance fields, up to 256
 * build arguments), so that a scan keeps kilobytes, not the statement. NULL
 * when out of memory. */
json_t *ivet_prov_slim(json_t *st);
/* A source repository URL reduced for comparison: scheme, user, default
 * port, ".git", "#ref" and case dropped ("https://GitHub.com/o/r.git#main",
 * "git@github.com:o/r" -> "github.com/o/r"). False when it did not fit in
 * cap bytes (out then holds a cut one). */
bool ivet_prov_norm_source(const char *in, char *out, size_t cap);
/* Whether two revisions are one: equal, or a commit id and its short form
 * (a hex prefix of at least 7 digits). */
bool ivet_prov_same_revision(const char *a, const char *b);

/* signature.c: does a cosign simple-signing payload (len bytes) say it signs
 * `signed_digest`? NULL when it does, else why not. */
const char *ivet_cosign_payload_problem(const char *payload, size_t len, const char *signed_digest);

#endif
