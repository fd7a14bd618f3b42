/* entrypoint.c: finds the file that runs first when a container starts:
 * ENTRYPOINT + CMD, through init wrappers (tini, dumb-init, gosu, env ...),
 * `sh -c "..."` strings and interpreters given a script, looked up in the
 * config's PATH and the final filesystem (symlinks followed by the caller's
 * resolve()). Also reads the script's "#!" line and the scripts it names.
 * Nothing is executed; no variable is expanded. */
#include "analyze/contents.h"

#include <string.h>

#define MAX_STEPS 8             /* wrappers and `sh -c` levels followed */
#define MAX_NAMED 32
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void ivet_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        ivet_free(*p);
    ivet_free(v);
}

static int strv_push(char ***v, size_t *n, char *s)
{
    if (!s)
        return -1;
    char **nv = ivet_reallocarray(*v, *n + 2, sizeof(*nv));
    if (!nv) {
        ivet_free(s);
        return -1;
    }
    nv[(*n)++] = s;
    nv[*n] = NULL;
    *v = nv;
    return 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static const char *const skip_builtins[] = {
    "set", "export", "cd", "umask", "ulimit", "trap", "echo", "printf", ":", "true", "unset",
    "shopt", "test", "[", "readonly", "local", "declare", "typeset", "wait", NULL,
};

/* ---- shell words */

struct words {
    char **v;
    size_t n;
    struct ivet_buf w;
    bool have;                  /* a word is open (even an empty quoted one) */
    bool oom;
};

static void word_end(struct words *ws)
{
    if (!ws->have)
        return;
    char *s = ivet_buf_detach(&ws->w);
    if (!s || strv_push(&ws->v, &ws->n, s) < 0)
        ws->oom = true;
    ws->have = false;
}

static void word_add(struct words *ws, char c)
{
    struct ivet_err e = IVET_ERR_INIT;
    if (ivet_buf_append(&ws->w, &c, 1, &e) < 0)
        ws->oom = true;
    ivet_err_release(&e);
    ws->have = true;
}

/* The command just ended: keep it if it is a real one. */
static bool command_end(struct words *ws)
{
    word_end(ws);
    size_t skip = 0;
    while (skip < ws->n && (strchr(ws->v[skip], '=') && ws->v[skip][0] != '=' &&
                            ws->v[skip][0] != '-' && ws->v[skip][0] != '/'))
        skip++;                 /* VAR=value prefixes */
    if (skip < ws->n && strcmp(ws->v[skip], "exec") == 0)
        skip++;
    if (skip < ws->n && !in_list(ws->v[skip], skip_builtins)) {
        if (skip) {
            for (size_t i = 0; i < skip; i++)
                ivet_free(ws->v[i]);
            memmove(ws->v, ws->v + skip, (ws->n - skip + 1) * sizeof(*ws->v));
            ws->n -= skip;
        }
        return true;
    }
    for (size_t i = 0; i < ws->n; i++)
        ivet_free(ws->v[i]);
    ws->n = 0;
    if (ws->v)
        ws->v[0] = NULL;
    return false;
}

char **ivet_shell_first_command(const char *s)
{
    struct words ws = { 0 };
    ivet_buf_init(&ws.w, 4096);
    char q = 0;
    bool done = false;
    for (const char *p = s; *p && !done && !ws.oom; p++) {
        char c = *p;
        if (q == '\'') {
            if (c == '\'')
                q = 0;
            else
                word_add(&ws, c);
        } else if (q == '"') {
            if (c == '"')
                q = 0;
            else if (c == '\\' && p[1] && strchr("\"\\$`", p[1]))
                word_add(&ws, *++p);
            else
                word_add(&ws, c);
        } else if (c == '\'' || c == '"') {
            q = c;
            ws.have = true;
        } else if (c == '\\' && p[1]) {
            word_add(&ws, *++p);
        } else if (c == ' ' || c == '\t') {
            word_end(&ws);
        } else if (c == ';' || c == '&' || c == '|' || c == '\n' || c == '(' || c == ')') {
            done = command_end(&ws);
        } else if (c == '#' && !ws.have) {
            while (p[1] && p[1] != '\n')
                p++;
        } else {
            word_add(&ws, c);
        }
    }
    if (!done && !ws.oom)
        done = command_end(&ws);
    ivet_buf_release(&ws.w);
    if (ws.oom) {
        ivet_strv_free(ws.v);
        return NULL;
    }
    if (!ws.v)
        ws.v = ivet_calloc(1, sizeof(*ws.v));
    return ws.v;
}

/* ---- lookup */

struct ctx {
    const struct ivet_ep_fs *fs;
    const char *path_env;       /* PATH from the config, or the default */
    const char *wd;             /* WorkingDir, or "/" */
};

static char *join(const char *dir, const char *name)
{
    char *j = ivet_asprintf("%s/%s", dir, name);
    char *n = j ? ivet_path_normalize(j) : NULL;
    ivet_free(j);
    return n;
}

/* Resolves a command name like the kernel and a shell would. */
static char *find_cmd(const struct ctx *c, const char *cmd, bool need_exec, uint32_t *mode)
{
    if (!*cmd)
        return NULL;
    if (strchr(cmd, '/')) {
        char *p = cmd[0] == '/' ? ivet_path_normalize(cmd) : join(c->wd, cmd);
        char *r = p ? c->fs->resolve(c->fs->arg, p, mode) : NULL;
        ivet_free(p);
        return r;
    }
    for (const char *d = c->path_env; *d;) {
        const char *e = strchr(d, ':');
        size_t n = e ? (size_t)(e - d) : strlen(d);
        char dir[1024];
        if (n > 0 && n < sizeof(dir)) {
            memcpy(dir, d, n);
            dir[n] = 0;
            char *p = join(dir, cmd);
            char *r = p ? c->fs->resolve(c->fs->arg, p, mode) : NULL;
            ivet_free(p);
            if (r && (!need_exec || (*mode & 0111)))
                return r;
            ivet_free(r);
        }
        d += n;
        if (*d == ':')
            d++;
    }
    return NULL;
}

static const char *const shells[] = { "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", NULL };
static const char *const inits[] = { "tini", "tini-static", "dumb-init", "catatonit", "docker-init",
                                     "nohup", "setsid", NULL };
static const char *const user_switch[] = { "gosu", "su-exec", NULL };

static bool is_interpreter(const char *b)
{
    static const char *const names[] = { "python", "perl", "ruby", "node", "nodejs", "php", "lua", NULL };
    for (const char *const *n = names; *n; n++)
        if (ivet_startswith(b, *n) && (!b[strlen(*n)] || strchr("0123456789.", b[strlen(*n)])))
            return true;
    return false;
}

/* One step: argv -> the next argv to look at (wrappers, `sh -c`) or the
 * final command. Returns the index of the command word and sets *next when
 * the command hands over to another one. */
static size_t unwrap(char **argv, size_t i, char ***next)
{
    *next = NULL;
    for (int guard = 0; argv[i] && guard < 16; guard++) {
        const char *b = base_name(argv[i]);
        if (in_list(b, inits)) {
            i++;
            while (argv[i] && argv[i][0] == '-' && strcmp(argv[i], "--") != 0)
                i++;
            if (argv[i] && strcmp(argv[i], "--") == 0)
                i++;
        } else if (in_list(b, user_switch) && argv[i + 1]) {
            i += 2;
        } else if (strcmp(b, "env") == 0) {
            i++;
            while (argv[i] && (argv[i][0] == '-' || strchr(argv[i], '=')))
                i++;
        } else if (strcmp(b, "busybox") == 0 && argv[i + 1] && in_list(argv[i + 1], shells)) {
            i++;
        } else if (in_list(b, shells) && argv[i + 1] && argv[i + 1][0] == '-' && strchr(argv[i + 1], 'c') &&
                   argv[i + 1][1] != '-' && argv[i + 2]) {
            *next = ivet_shell_first_command(argv[i + 2]);
            return i;
        } else {
            break;
        }
    }
    return i;
}

/* After an interpreter or shell: the script argument, if any. */
static const char *script_arg(char **argv, size_t i)
{
    const char *b = base_name(argv[i]);
    bool shell = in_list(b, shells);
    if (!shell && !is_interpreter(b))
        return NULL;
    for (size_t k = i + 1; argv[k]; k++) {
        if (strcmp(argv[k], "-c") == 0 || (!shell && (strcmp(argv[k], "-m") == 0 ||
                                                      strcmp(argv[k], "-e") == 0 || strcmp(argv[k], "-r") == 0)))
            return NULL;        /* module or inline code, no file */
        if (argv[k][0] != '-')
            return argv[k];
    }
    return NULL;
}

/* "#!/usr/bin/env -S python3 -u" -> the resolved interpreter */
static char *shebang(const struct ctx *c, const struct ivet_bytes *b)
{
    if (!b || b->len < 3 || memcmp(b->ptr, "#!", 2) != 0)
        return NULL;
    size_t n = 2;
    while (n < b->len && n < 256 && b->ptr[n] != '\n')
        n++;
    char *line = ivet_strndup((const char *)b->ptr + 2, n - 2);
    if (!line)
        return NULL;
    char **w = ivet_shell_first_command(line);
    ivet_free(line);
    char *r = NULL;
    uint32_t mode = 0;
    if (w && w[0]) {
        size_t k = 0;
        if (strcmp(base_name(w[0]), "env") == 0)
            for (k = 1; w[k] && w[k][0] == '-'; k++)
                ;
        if (w[k])
            r = find_cmd(c, w[k], k > 0, &mode);
        if (!r && w[k])
            r = ivet_strdup(w[k]);
    }
    ivet_strv_free(w);
    return r;
}

/* Absolute paths in the script that name other scripts. */
static int named_scripts(const struct ctx *c, struct ivet_entrypoint *ep, struct ivet_bytes b)
{
    const char *s = (const char *)b.ptr;
    for (size_t i = 0; i < b.len && ep->nnamed < MAX_NAMED; i++) {
        if (s[i] != '/' || (i > 0 && !strchr(" \t\n\"'=;(`", s[i - 1])))
            continue;
        size_t k = i;
        while (k < b.len && k - i < 512 &&
               (strchr("._/-+@", s[k]) || (s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'z') ||
                (s[k] >= 'A' && s[k] <= 'Z')))
            k++;
        char *p = ivet_strndup(s + i, k - i);
        if (!p)
            return -1;
        uint32_t mode;
        char *r = c->fs->resolve(c->fs->arg, p, &mode);
        ivet_free(p);
        i = k;
        if (!r || strcmp(r, ep->path) == 0 || !c->fs->script(c->fs->arg, r)) {
            ivet_free(r);
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < ep->nnamed && !dup; j++)
            dup = strcmp(ep->named[j], r) == 0;
        if (dup) {
            ivet_free(r);
            continue;
        }
        if (strv_push(&ep->named, &ep->nnamed, r) < 0)
            return -1;
    }
    return 0;
}

char **ivet_config_argv(json_t *cfg)
{
    char **v = NULL;
    size_t n = 0;
    const char *keys[] = { "Entrypoint", "Cmd" };
    for (int k = 0; k < 2; k++) {
        json_t *a = json_object_get(cfg, keys[k]);
        size_t i;
        json_t *x;
        if (json_is_string(a) && strv_push(&v, &n, ivet_strdup(json_string_value(a))) < 0)
            goto oom;
        json_array_foreach(a, i, x)
            if (json_is_string(x) && strv_push(&v, &n, ivet_strdup(json_string_value(x))) < 0)
                goto oom;
    }
    if (!v)
        v = ivet_calloc(1, sizeof(*v));
    return v;
oom:
    ivet_strv_free(v);
    return NULL;
}

static const char *config_path_env(json_t *cfg)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(cfg, "Env"), i, x) {
        const char *s = json_string_value(x);
        if (s && ivet_startswith(s, "PATH="))
            return s + 5;
    }
    return DEFAULT_PATH;
}

int ivet_entrypoint_resolve(json_t *config, const struct ivet_ep_fs *fs, struct ivet_entrypoint *ep,
                            struct ivet_err *err)
{
    memset(ep, 0, sizeof(*ep));
    json_t *cfg = json_object_get(config, "config");
    if (!cfg)
        cfg = json_object_get(config, "container_config");
    const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));
    struct ctx c = { fs, config_path_env(cfg), wd && wd[0] == '/' ? wd : "/" };
    char **argv = ivet_config_argv(cfg);
    if (!argv)
        goto oom;
    uint32_t mode = 0;
    for (int step = 0; step < MAX_STEPS && argv[0]; step++) {
        char **next = NULL;
        size_t i = unwrap(argv, 0, &next);
        if (next) {
            ivet_strv_free(argv);
            argv = next;
            if (!argv[0])
                break;
            continue;
        }
        if (!argv[i])
            break;
        ivet_free(ep->command);
        if (!(ep->command = ivet_strdup(argv[i])))
            goto oom;
        ivet_free(ep->path);
        ep->path = find_cmd(&c, argv[i], true, &mode);
        const char *script = script_arg(argv, i);
        if (script) {
            /* a script argument is a file name, never looked up in PATH */
            char *rel = script[0] == '/' ? ivet_path_normalize(script) : join(c.wd, script);
            char *sp = rel ? fs->resolve(fs->arg, rel, &mode) : NULL;
            ivet_free(rel);
            if (sp) {
                ivet_free(ep->path);
                ep->path = sp;
                ivet_free(ep->command);
                ivet_free(ep->runner);
                ep->runner = NULL;
                if (!(ep->command = ivet_strdup(script)) || !(ep->runner = ivet_strdup(base_name(argv[i]))))
                    goto oom;
                ep->runner_lenient = in_list(ep->runner, shells) || ivet_startswith(ep->runner, "php");
            }
        }
        break;
    }
    ivet_strv_free(argv);
    argv = NULL;
    if (ep->path) {
        const struct ivet_bytes *bp = fs->script(fs->arg, ep->path);
        struct ivet_bytes b = bp ? *bp : (struct ivet_bytes){ 0 };   /* bp lasts until the next call */
        if (bp) {
            ep->interpreter = shebang(&c, &b);
            if (named_scripts(&c, ep, b) < 0)
                goto oom;
        }
    }
    return 0;
oom:
    ivet_strv_free(argv);
    ivet_entrypoint_release(ep);
    return ivet_err_set(err, IVET_E_NOMEM, "out of memory resolving the entrypoint");
}

void ivet_entrypoint_release(struct ivet_entrypoint *ep)
{
    ivet_free(ep->path);
    ivet_free(ep->command);
    ivet_free(ep->interpreter);
    ivet_free(ep->runner);
    ivet_strv_free(ep->named);
    memset(ep, 0, sizeof(*ep));
}
