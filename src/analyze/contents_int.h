/* contents_int.h: state shared by the contents analyzer's files
 * (contents.c, contents_image.c, contents_yara.c). */
#ifndef IVET_CONTENTS_INT_H
#define IVET_CONTENTS_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "analyze/analyzer.h"
#include "analyze/contents.h"
#include "analyze/rules.h"
#include "imagevet/scan.h"

#define SCRIPT_MAX (64u << 10)          /* scripts kept for the entrypoint, per file */
#define SCRIPTS_TOTAL_MAX (64u << 20)   /* ... and in total */
#define YARA_FILE_MAX (16u << 20)       /* bytes of one file handed to YARA */

struct kept_script {
    char *path;
    int layer;
    struct ivet_bytes content;          /* owned */
};

struct contents_yara;

/* Once per scan (setup). Layers run in parallel: the script store is
 * guarded by `lock`, the counters are atomic. */
struct contents_global {
    struct ivet_ruleset *rs;
    struct ivet_limits limits;
    struct contents_yara *yara;         /* NULL without --yara-rules */
    pthread_mutex_t lock;
    struct kept_script *scripts;
    size_t nscripts, capscripts, script_bytes;
    _Atomic uint64_t image_scanned;
    atomic_bool image_cap_hit;
};

/* Per layer (zeroed by the orchestrator). */
struct contents_layer {
    struct ivet_rules_stream *st;
    bool active;                        /* the current entry is being scanned */
    uint8_t head[4096];
    size_t headlen;
    bool keep_script;
    struct ivet_buf script;
    struct ivet_buf yara_buf;           /* the file for YARA (only with rules) */
    bool yara_on;
};

void ivet_contents_free_global(struct contents_global *g);
/* A catalog finding for the current layer. */
int ivet_contents_finding(struct ivet_lctx *lx, const char *id, const char *path, uint32_t line,
                          const char *evidence, struct ivet_err *err);
/* contents_image.c */
int ivet_contents_on_image(struct ivet_ictx *ix, struct ivet_err *err);
/* contents_yara.c */
int ivet_contents_yara_setup(struct contents_global *g, const char *path, struct ivet_err *err);
void ivet_contents_yara_teardown(struct contents_global *g);
int ivet_contents_yara_layer_begin(struct contents_global *g, struct contents_layer *s, struct ivet_err *err);
void ivet_contents_yara_layer_free(struct contents_layer *s);
int ivet_contents_yara_begin(struct contents_global *g, struct contents_layer *s, const struct ivet_entry *e,
                             struct ivet_err *err);
int ivet_contents_yara_data(struct contents_global *g, struct contents_layer *s, const void *p, size_t n,
                            struct ivet_err *err);
int ivet_contents_yara_end(struct ivet_lctx *lx, struct contents_layer *s, const struct ivet_entry *e,
                           struct ivet_err *err);

#endif
