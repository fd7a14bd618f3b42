/* contents.c: the contents analyzer's per-layer half. Every regular file of
 * every layer streams through the content rules (data/rules/, rules.c) and,
 * when given, the user's YARA rules (contents_yara.c); its first bytes tell
 * whether it is an ELF packed with UPX or statically linked; its place and
 * mode flag executables in temporary or hidden directories. Scripts are kept
 * (bounded) for the entrypoint; passwd and shadow are captured. The image
 * half (accounts, config strings, entrypoint) is contents_image.c. */
#include "analyze/contents_int.h"

#include <stdio.h>
#include <string.h>

static const struct ivet_check checks[] = {
    { "CONT-EXEC-UPX", "contents", IVET_SEV_HIGH, "Executable packed with UPX",
      "Packed executables hide their code from inspection; malware and miners use UPX for that. "
      "Ship unpacked binaries from a package or a verified build." },
    { "CONT-EXEC-STATIC", "contents", IVET_SEV_MEDIUM,
      "Statically linked executable in an unexpected place",
      "Dropped tools and miners are usually static binaries in home, temporary or configuration "
      "directories. Check what the file is and remove it unless it belongs there." },
    { "CONT-EXEC-TMP", "contents", IVET_SEV_HIGH, "Executable file in a temporary directory",
      "Droppers stage their payloads in /tmp, /var/tmp and /dev/shm. Nothing in an image should "
      "need an executable there; remove it." },
    { "CONT-EXEC-HIDDEN", "contents", IVET_SEV_MEDIUM, "Executable in a hidden directory",
      "Malware hides in dot-directories. Check what the program is and remove it unless a known "
      "tool put it there." },
    { "CONT-ACCOUNT-UID0", "contents", IVET_SEV_CRITICAL, "Extra user with UID 0 in /etc/passwd",
      "A second root account is a classic backdoor. Remove the entry." },
    { "CONT-ACCOUNT-EMPTY-PASSWORD", "contents", IVET_SEV_HIGH, "Account with an empty password",
      "Anyone can log in or su to this account without a password. Lock it ('!' or '*')." },
    { "CONT-ENTRY-SSHD", "contents", IVET_SEV_HIGH, "The container starts an SSH daemon",
      "An SSH server in a container opens remote access nobody asked for. Use `docker exec` or "
      "orchestration tooling instead." },
    { "CONT-ENTRY-BINARY-SCRIPT", "contents", IVET_SEV_HIGH,
      "The entrypoint runs a file with a binary header as a script",
      "A shell or php is given a file that starts like a program or a data format. Both run what "
      "follows the bytes they cannot parse, so such a file can hide commands from text checks. "
      "Find out what the file is; run programs directly and keep scripts as text." },
    { "CONT-SCAN-TRUNCATED", "contents", IVET_SEV_INFO, "File scanned only up to the per-file cap",
      "Content past the cap was not inspected. Raise the limit to scan all of it." },
    { "CONT-SCAN-YARA-INCOMPLETE", "contents", IVET_SEV_INFO, "YARA rules did not finish on a file",
      "A user-supplied YARA rule timed out or matched too often; fix the rule to check the file." },
    { "CONT-SCAN-IMAGE-CAP", "contents", IVET_SEV_INFO,
      "Content scanning stopped at the per-image cap",
      "Files after the cap were not inspected. Raise the limit to scan all of them." },
};

/* ---- setup */

static int contents_setup(const struct ivet_scan_opts *o, void **global, struct ivet_err *err)
{
    *global = NULL;
    if (o->no_content)
        return 0;               /* --no-content: every callback is a no-op */
    struct contents_global *g = ivet_calloc(1, sizeof(*g));
    if (!g)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    pthread_mutex_init(&g->lock, NULL);
    g->limits = o->limits;
    char *dir = ivet_data_path(o->data_dir, "rules", err);
    int rc = dir ? ivet_rules_load(dir, o->cache_dir, &g->rs, err) : -(int)err->code;
    ivet_free(dir);
    if (rc == 0)
        rc = ivet_check_register(ivet_rules_checks(g->rs), ivet_rules_count(g->rs), err);
    if (rc == 0 && o->yara_rules)
        rc = ivet_contents_yara_setup(g, o->yara_rules, err);
    /* on failure too: teardown frees it, after the scan has taken what it
     * registered out of the check catalog */
    *global = g;
    return rc;
}

void ivet_contents_free_global(struct contents_global *g)
{
    if (!g)
        return;
    ivet_rules_free(g->rs);
    ivet_contents_yara_teardown(g);
    for (size_t i = 0; i < g->nscripts; i++) {
        ivet_free(g->scripts[i].path);
        ivet_free((void *)g->scripts[i].content.ptr);
    }
    ivet_free(g->scripts);
    pthread_mutex_destroy(&g->lock);
    ivet_free(g);
}

static void contents_teardown(void *global)
{
    ivet_contents_free_global(global);
}

/* ---- per layer */

static int contents_layer_begin(struct ivet_lctx *lx, void *state, struct ivet_err *err)
{
    struct contents_layer *s = state;
    struct contents_global *g = lx->global;
    if (!g)
        return 0;
    s->st = ivet_rules_stream_new(g->rs, err);
    if (!s->st)
        return -(int)err->code;
    ivet_buf_init(&s->script, SCRIPT_MAX);
    return ivet_contents_yara_layer_begin(g, s, err);
}

static void contents_layer_free(void *state)
{
    struct contents_layer *s = state;
    ivet_rules_stream_free(s->st);
    ivet_buf_release(&s->script);
    ivet_contents_yara_layer_free(s);
}

static bool image_cap_left(struct contents_global *g, uint64_t *left)
{
    uint64_t used = atomic_load(&g->image_scanned);
    if (used >= g->limits.max_image_scan)
        return false;
    *left = g->limits.max_image_scan - used;
    return true;
}

static int contents_on_entry(struct ivet_lctx *lx, void *state, const struct ivet_entry *e,
                             struct ivet_err *err)
{
    struct contents_layer *s = state;
    struct contents_global *g = lx->global;
    s->active = false;
    if (!g || e->type != IVET_ENTRY_FILE || e->whiteout)
        return 0;
    if (strcmp(e->path, "/etc/passwd") == 0 || strcmp(e->path, "/etc/shadow") == 0)
        ivet_lctx_capture(lx, e);
    uint64_t left, max = lx->limits->max_file_scan;
    if (!image_cap_left(g, &left)) {
        if (!atomic_exchange(&g->image_cap_hit, true))
            return ivet_contents_finding(lx, "CONT-SCAN-IMAGE-CAP", e->path, 0, NULL, err);
        return 0;
    }
    if (max == 0 || left < max)
        max = left;
    int rc = ivet_rules_stream_begin(s->st, e->path, max, err);
    if (rc < 0)
        return rc;
    s->active = true;
    s->headlen = 0;
    ivet_buf_reset(&s->script);
    s->keep_script = e->size <= SCRIPT_MAX;
    return ivet_contents_yara_begin(g, s, e, err) < 0 ? -(int)err->code : 1;
}

static int contents_on_data(struct ivet_lctx *lx, void *state, const struct ivet_entry *e, const void *p,
                            size_t n, struct ivet_err *err)
{
    struct contents_layer *s = state;
    (void)e;
    if (!s->active)
        return 0;
    if (s->headlen < sizeof(s->head)) {
        size_t k = IVET_MIN(n, sizeof(s->head) - s->headlen);
        memcpy(s->head + s->headlen, p, k);
        s->headlen += k;
    }
    if (s->keep_script) {
        /* only files that start with "#!" are scripts worth keeping */
        if ((s->headlen >= 2 && memcmp(s->head, "#!", 2) != 0) || s->script.len + n > SCRIPT_MAX)
            s->keep_script = false;
        else if (ivet_buf_append(&s->script, p, n, err) < 0)
            return -(int)err->code;
    }
    int rc = ivet_rules_stream_data(s->st, p, n, err);
    if (rc == 0)
        rc = ivet_contents_yara_data(lx->global, s, p, n, err);
    return rc;
}

int ivet_contents_finding(struct ivet_lctx *lx, const char *id, const char *path, uint32_t line,
                          const char *evidence, struct ivet_err *err)
{
    if (!ivet_findings_add_check(&lx->findings, id, path, line, lx->layer, evidence, err))
        return -(int)err->code;
    return 0;
}

static int on_hit(void *arg, const struct ivet_rule_hit *h, struct ivet_err *err)
{
    struct ivet_lctx *lx = ((void **)arg)[0];
    const char *path = ((void **)arg)[1];
    const struct ivet_check *c = &h->rule->check;
    char *ev = NULL;
    if (h->count > 1)
        ev = ivet_asprintf("%s [%llu matches in the file]", h->evidence ? h->evidence : "",
                           (unsigned long long)h->count);
    struct ivet_finding *f = ivet_findings_add(&lx->findings, c->id, c->category, c->severity, c->title,
                                               c->remediation, path, h->line, lx->layer,
                                               ev ? ev : h->evidence, err);
    ivet_free(ev);
    if (!f)
        return -(int)err->code;
    f->truncated = h->truncated;
    return 0;
}

/* In a temporary directory, or below a dot-directory no known tool uses. */
static bool in_dir(const char *path, const char *dir)
{
    return ivet_startswith(path, dir) && path[strlen(dir)] == '/';
}

static bool in_tmp(const char *path)
{
    return in_dir(path, "/tmp") || in_dir(path, "/var/tmp") || in_dir(path, "/dev/shm");
}

static bool in_hidden_dir(const char *path)
{
    static const char *const known[] = {
        ".cargo", ".rustup", ".local", ".npm", ".nvm", ".cache", ".m2", ".gradle", ".sdkman",
        ".pyenv", ".rbenv", ".bun", ".deno", ".dotnet", ".vscode-server", ".git", ".venv",
        ".yarn", ".pnpm", ".config", ".node-gyp", ".conda", ".julia", ".ghcup", ".cabal", ".stack",
        ".opam", ".nuget", ".bin", ".build-id", ".jenkins", ".krew", ".oh-my-zsh", NULL,
    };
    const char *last = strrchr(path, '/');
    for (const char *p = path; p && p < last; p = strchr(p + 1, '/')) {
        if (p[1] != '.' || p[2] == '/' || (p[2] == '.' && p[3] == '/'))
            continue;
        const char *end = strchr(p + 1, '/');
        size_t n = (size_t)(end - p - 1);
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = strlen(*k) == n && memcmp(*k, p + 1, n) == 0;
        if (!ok)
            return true;
    }
    return false;
}

/* Static programs are normal in system and application directories; in a
 * home, temporary, configuration or data directory they are suspicious. */
static bool static_unexpected(const char *path)
{
    static const char *const dirs[] = { "/tmp", "/var/tmp", "/dev", "/root", "/home", "/etc", "/run",
                                        "/var/run", "/var/log", "/var/spool", "/var/mail", "/mnt",
                                        "/media", "/boot", "/proc", "/sys", NULL };
    for (const char *const *d = dirs; *d; d++)
        if (in_dir(path, *d))
            return true;
    return in_hidden_dir(path);
}

static int file_checks(struct ivet_lctx *lx, struct contents_layer *s, const struct ivet_entry *e,
                       struct ivet_err *err)
{
    struct ivet_elfinfo ei;
    ivet_elf_inspect(s->head, s->headlen, &ei);
    bool script = s->headlen >= 2 && memcmp(s->head, "#!", 2) == 0;
    bool exec = (e->mode & 0111) != 0;
    const char *kind = ei.elf ? "ELF program" : script ? "script" : "file";
    char ev[96];
    int rc = 0;
    if (ei.elf && ei.upx) {
        snprintf(ev, sizeof(ev), "UPX! marker in the first KiB of a %s", kind);
        rc = ivet_contents_finding(lx, "CONT-EXEC-UPX", e->path, 0, ev, err);
    }
    if (rc == 0 && exec && e->size > 0 && in_tmp(e->path)) {
        snprintf(ev, sizeof(ev), "%s, mode %04o", kind, (unsigned)(e->mode & 07777));
        rc = ivet_contents_finding(lx, "CONT-EXEC-TMP", e->path, 0, ev, err);
    } else if (rc == 0 && (ei.elf || script) && exec && in_hidden_dir(e->path)) {
        snprintf(ev, sizeof(ev), "%s, mode %04o", kind, (unsigned)(e->mode & 07777));
        rc = ivet_contents_finding(lx, "CONT-EXEC-HIDDEN", e->path, 0, ev, err);
    }
    if (rc == 0 && ivet_elf_is_static(&ei, e->path, e->mode) && static_unexpected(e->path))
        rc = ivet_contents_finding(lx, "CONT-EXEC-STATIC", e->path, 0, "ELF program without an interpreter",
                                   err);
    return rc;
}

/* Keeps a complete script for the entrypoint checks (bounded per file and
 * in total). */
static int keep_script(struct contents_global *g, struct contents_layer *s, const struct ivet_entry *e,
                       int layer, struct ivet_err *err)
{
    if (!s->keep_script || s->script.len < 2 || s->script.len != e->size)
        return 0;
    int rc = 0;
    pthread_mutex_lock(&g->lock);
    if (g->script_bytes + s->script.len > SCRIPTS_TOTAL_MAX)
        goto out;
    if (g->nscripts == g->capscripts) {
        size_t nc = g->capscripts ? g->capscripts * 2 : 64;
        struct kept_script *v = ivet_reallocarray(g->scripts, nc, sizeof(*v));
        if (!v) {
            rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory keeping '%s'", e->path);
            goto out;
        }
        g->scripts = v;
        g->capscripts = nc;
    }
    struct kept_script *k = &g->scripts[g->nscripts];
    k->layer = layer;
    k->path = ivet_strdup(e->path);
    size_t len = s->script.len;
    char *content = ivet_buf_detach(&s->script);
    if (!k->path || !content) {
        ivet_free(k->path);
        ivet_free(content);
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory keeping '%s'", e->path);
        goto out;
    }
    k->content = ivet_bytes_make(content, len);
    g->script_bytes += len;
    g->nscripts++;
out:
    pthread_mutex_unlock(&g->lock);
    return rc;
}

static int contents_on_entry_end(struct ivet_lctx *lx, void *state, const struct ivet_entry *e,
                                 struct ivet_err *err)
{
    struct contents_layer *s = state;
    struct contents_global *g = lx->global;
    if (!s->active)
        return 0;
    s->active = false;
    void *arg[2] = { lx, (void *)e->path };
    int rc = ivet_rules_stream_end(s->st, on_hit, arg, err);
    if (ivet_rules_stream_binary_set(s->st))
        ivet_lctx_mark(lx, IVET_MARK_BINARY_FORMAT);
    uint64_t scanned = ivet_rules_stream_bytes(s->st);
    atomic_fetch_add(&g->image_scanned, scanned);
    if (rc == 0 && ivet_rules_stream_truncated(s->st)) {
        char ev[96];
        snprintf(ev, sizeof(ev), "scanned %llu of %llu bytes", (unsigned long long)scanned,
                 (unsigned long long)e->size);
        rc = ivet_contents_finding(lx, "CONT-SCAN-TRUNCATED", e->path, 0, ev, err);
    }
    if (rc == 0)
        rc = file_checks(lx, s, e, err);
    if (rc == 0)
        rc = ivet_contents_yara_end(lx, s, e, err);
    if (rc == 0)
        rc = keep_script(g, s, e, lx->layer, err);
    return rc;
}

const struct ivet_analyzer ivet_analyzer_contents = {
    .name = "contents",
    .checks = checks,
    .nchecks = IVET_ARRAY_LEN(checks),
    .setup = contents_setup,
    .teardown = contents_teardown,
    .state_size = sizeof(struct contents_layer),
    .layer_begin = contents_layer_begin,
    .on_entry = contents_on_entry,
    .on_data = contents_on_data,
    .on_entry_end = contents_on_entry_end,
    .layer_free = contents_layer_free,
    .on_image = ivet_contents_on_image,
};
