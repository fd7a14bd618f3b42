/* config.c: checks on the image configuration, its build history and file
 * metadata (no content): the Dockle / CIS Docker Benchmark section 4 family
 * and a few more. Content-based checks live in contents.c and secrets. */
#include "analyze/analyzer.h"
#include "analyze/contents.h"
#include "ref/ref.h"
#include "report/report.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const struct ivet_check checks[] = {
    { "CONF-USER-ROOT", "config", IVET_SEV_MEDIUM, "Container runs as root",
      "Create an unprivileged user and set USER to it (USER 10001 or a named user) in the last stage." },
    { "CONF-NO-HEALTHCHECK", "config", IVET_SEV_LOW, "No HEALTHCHECK defined",
      "Add a HEALTHCHECK so orchestrators notice a wedged container, or accept this if the platform probes it." },
    { "CONF-SSH-PORT", "config", IVET_SEV_MEDIUM, "SSH port 22 exposed",
      "Do not run an SSH daemon in a container; use docker exec / kubectl exec for access." },
    { "CONF-SENSITIVE-VOLUME", "config", IVET_SEV_HIGH, "VOLUME on a sensitive host path",
      "Remove VOLUME entries for /, /proc, /sys, /dev or the Docker socket; the image should not ask for the host." },
    { "CONF-SECRET-ENV", "config", IVET_SEV_HIGH, "Credential stored in an ENV variable",
      "Never bake secrets into ENV: pass them at run time (secrets, mounted files) and rotate the exposed value." },
    { "CONF-SECRET-HISTORY", "config", IVET_SEV_HIGH, "Credential visible in the build history",
      "Build arguments and ENV values are recorded in the image history; use build secrets (RUN --mount=type=secret) and rotate the value." },
    { "CONF-HISTORY-ADD", "provenance", IVET_SEV_LOW, "ADD used instead of COPY",
      "Use COPY for local files; ADD silently unpacks archives and fetches URLs." },
    { "CONF-ADD-URL", "provenance", IVET_SEV_MEDIUM, "ADD fetches a remote URL at build time",
      "Download with a pinned checksum (curl + sha256sum -c) or COPY a vetted file instead of ADD <url>." },
    { "CONF-UPDATE-ALONE", "config", IVET_SEV_LOW, "Package index updated without installing in the same step",
      "Combine 'apt-get update' with the install in one RUN so a cached stale index is never used." },
    { "CONF-APT-CACHE", "config", IVET_SEV_LOW, "apt lists left in the image",
      "End the RUN that installs packages with 'rm -rf /var/lib/apt/lists/*'." },
    { "CONF-APK-CACHE", "config", IVET_SEV_LOW, "apk add without --no-cache",
      "Use 'apk add --no-cache' so the package index does not ship in the image." },
    { "CONF-DIST-UPGRADE", "config", IVET_SEV_LOW, "dist-upgrade in the build",
      "Avoid dist-upgrade in images; rebuild on a newer base image instead." },
    { "CONF-SUDO", "config", IVET_SEV_MEDIUM, "sudo used in the build",
      "Build steps already run as root; remove sudo and do not ship it in the image." },
    { "CONF-TAG-LATEST", "provenance", IVET_SEV_LOW, "Image referenced by a moving ':latest' tag",
      "Pin the image by a version tag and, better, by digest (name@sha256:...)." },
    { "CONF-UNPINNED-BASE", "provenance", IVET_SEV_LOW, "Base image not pinned",
      "Pin the base image in FROM by version and digest so rebuilds are reproducible." },
    { "CONF-SETUID-FILE", "config", IVET_SEV_INFO, "setuid/setgid file",
      "Confirm each setuid/setgid file is needed; remove the bit (chmod u-s,g-s) from the rest." },
    { "CONF-SETUID-UNUSUAL", "config", IVET_SEV_MEDIUM, "setuid/setgid file outside system directories",
      "A setuid file outside /bin, /sbin, /usr/bin, /usr/sbin, /usr/lib* is unusual: remove the bit or the file." },
    { "CONF-SETUID-UNOWNED", "config", IVET_SEV_MEDIUM, "setuid/setgid file that no installed package owns",
      "A setuid file the package manager does not know was added by hand: find out what it is, then remove it or its setuid bit." },
    { "CONF-PRIVATE-KEY-FILE", "secrets", IVET_SEV_HIGH, "Private key file shipped in the image",
      "Remove the key from every layer (a later 'rm' does not remove it from the image) and rotate it." },
    { "CONF-CREDENTIAL-FILE", "secrets", IVET_SEV_MEDIUM, "Credential file shipped in the image",
      "Remove the file from every layer and pass credentials at run time; rotate what it held." },
    { "CONF-UNNECESSARY-FILE", "config", IVET_SEV_INFO, "File that rarely belongs in an image",
      "Exclude VCS metadata and editor/OS files with .dockerignore." },
    { "CONF-DUPLICATE-ID", "config", IVET_SEV_MEDIUM, "Duplicate UID or GID in /etc/passwd or /etc/group",
      "Give every user and group its own ID; duplicates let one account act as another." },
    { "CONF-TAR-TRAILING-DATA", "config", IVET_SEV_MEDIUM, "Bytes after the end of a layer's tar",
      "Extractors stop at the tar's end-of-archive blocks, so these bytes ship with the image while "
      "no file shows them. Rebuild the layer with a standard tool and find out what wrote them." },
};

/* ---- helpers */

static bool is_system_dir(const char *p)
{
    static const char *const dirs[] = { "/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/lib/",
                                        "/usr/libexec/", "/lib/", "/lib64/", "/usr/lib64/", "/usr/lib32/" };
    for (size_t i = 0; i < IVET_ARRAY_LEN(dirs); i++)
        if (ivet_startswith(p, dirs[i]))
            return true;
    return false;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Inside a dependency tree or documentation, names like .env are fixtures. */
static bool in_vendor_tree(const char *p)
{
    return strstr(p, "/node_modules/") || strstr(p, "/vendor/") || strstr(p, "/site-packages/") ||
           strstr(p, "/dist-packages/") || ivet_startswith(p, "/usr/share/doc/") || strstr(p, "/test/") ||
           strstr(p, "/tests/") || strstr(p, "/testdata/");
}

static int classify_credential_file(const char *path)
{
    static const char *const keys[] = { "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk",
                                         "id_ed25519_sk" };
    static const char *const creds[] = { "credentials.json", "credentials", "credential", "password.txt",
                                         "passwords.txt", "secret_token.rb", "carrierwave.rb", "omniauth.rb",
                                         "credentials.xml", ".env", ".netrc", ".pgpass", ".git-credentials",
                                         ".pypirc", ".htpasswd", ".my.cnf", "secrets.yml", "secrets.yaml" };
    static const char *const exts[] = { ".secret", ".ovpn", ".private_key", ".cscfg", ".rdp", ".p12",
                                        ".pfx", ".keystore", ".jks", ".ppk" };
    const char *b = base_name(path);
    int c = 0;
    for (size_t i = 0; i < IVET_ARRAY_LEN(keys) && !c; i++)
        if (!strcmp(b, keys[i]))
            c = 2;
    for (size_t i = 0; i < IVET_ARRAY_LEN(creds) && !c; i++)
        if (!strcmp(b, creds[i]))
            c = 1;
    for (size_t i = 0; i < IVET_ARRAY_LEN(exts) && !c; i++)
        if (ivet_endswith(b, exts[i]))
            c = 1;
    if (!c && (ivet_endswith(path, "/.aws/credentials") || ivet_endswith(path, "/.docker/config.json") ||
               ivet_endswith(path, "/.kube/config") || ivet_endswith(path, "/.ssh/id_rsa")))
        c = 1;
    /* the (costlier) tree test only for names that matched */
    return c && !in_vendor_tree(path) ? c : 0;
}

static int cfg_on_entry(struct ivet_lctx *lx, void *state, const struct ivet_entry *e, struct ivet_err *err)
{
    (void)state;
    int r = 0;
    if (e->whiteout || e->opaque)
        return 0;
    if (!strcmp(e->path, "/etc/passwd") || !strcmp(e->path, "/etc/group") ||
        (ivet_startswith(e->path, "/var/lib/dpkg/info/") && ivet_endswith(e->path, ".list")) ||
        !strcmp(e->path, "/lib/apk/db/installed"))
        ivet_lctx_capture(lx, e);
    if (e->type == IVET_ENTRY_FILE && (e->mode & 06000)) {
        char ev[64];
        snprintf(ev, sizeof(ev), "mode %04o, owner %llu:%llu", e->mode & 07777, (unsigned long long)e->uid,
                 (unsigned long long)e->gid);
        r = ivet_lctx_finding(lx, is_system_dir(e->path) ? "CONF-SETUID-FILE" : "CONF-SETUID-UNUSUAL",
                              e->path, 0, ev, err);
        if (r < 0)
            return r;
    }
    if (e->type == IVET_ENTRY_FILE) {
        int c = classify_credential_file(e->path);
        if (c)
            r = ivet_lctx_finding(lx, c == 2 ? "CONF-PRIVATE-KEY-FILE" : "CONF-CREDENTIAL-FILE", e->path, 0,
                                  NULL, err);
        else if (!strcmp(base_name(e->path), ".DS_Store") && !in_vendor_tree(e->path))
            r = ivet_lctx_finding(lx, "CONF-UNNECESSARY-FILE", e->path, 0, NULL, err);
    } else if (e->type == IVET_ENTRY_DIR && !strcmp(base_name(e->path), ".git") && !in_vendor_tree(e->path)) {
        r = ivet_lctx_finding(lx, "CONF-UNNECESSARY-FILE", e->path, 0, "version-control metadata", err);
    }
    return r < 0 ? r : 0;
}

/* ---- config */

static json_t *cfg_get(const struct ivet_image *img, const char *key)
{
    return json_object_get(json_object_get(img->config, "config"), key);
}

static bool user_is_root(const char *u)
{
    if (!u || !*u)
        return true;
    size_t n = strcspn(u, ":");
    return (n == 1 && u[0] == '0') || (n == 4 && !strncmp(u, "root", 4));
}

/* Does an environment or argument NAME look like it holds a credential? */
bool ivet_config_secret_name(const char *name, size_t len)
{
    char up[128];
    if (len == 0 || len >= sizeof(up))
        return false;
    for (size_t i = 0; i < len; i++)
        up[i] = (char)toupper((unsigned char)name[i]);
    up[len] = 0;
    static const char *const not_secret_suffix[] = { "_FILE", "_PATH", "_DIR", "_URL", "_ID", "_NAME",
                                                     "_USER", "_USERNAME", "_LENGTH", "_SIZE", "_TYPE" };
    for (size_t i = 0; i < IVET_ARRAY_LEN(not_secret_suffix); i++)
        if (ivet_endswith(up, not_secret_suffix[i]))
            return false;
    if (!strcmp(up, "GPG_KEY") || !strcmp(up, "GPG_KEYS") || ivet_endswith(up, "_GPG_KEY"))
        return false;
    /* split into tokens on anything that is not a letter or digit */
    const char *toks[16];
    size_t nt = 0;
    for (char *p = up; *p && nt < IVET_ARRAY_LEN(toks);) {
        while (*p && !isalnum((unsigned char)*p))
            *p++ = 0;
        if (!*p)
            break;
        toks[nt++] = p;
        while (*p && isalnum((unsigned char)*p))
            p++;
    }
    static const char *const strong[] = { "PASSWORD", "PASSWD", "PASS", "SECRET", "TOKEN", "APIKEY",
                                          "CREDENTIAL", "CREDENTIALS", "PRIVATEKEY", "SECRETKEY", "ACCESSKEY" };
    static const char *const key_prefix[] = { "API", "ACCESS", "SECRET", "PRIVATE", "AUTH", "ENCRYPTION",
                                              "SIGNING", "MASTER", "CLIENT", "LICENSE" };
    for (size_t i = 0; i < nt; i++) {
        for (size_t k = 0; k < IVET_ARRAY_LEN(strong); k++)
            if (!strcmp(toks[i], strong[k]))
                return true;
        if (!strcmp(toks[i], "KEY") && i > 0)
            for (size_t k = 0; k < IVET_ARRAY_LEN(key_prefix); k++)
                if (!strcmp(toks[i - 1], key_prefix[k]))
                    return true;
    }
    return false;
}

/* A value that is a reference to a secret rather than the secret itself. */
bool ivet_config_secret_placeholder(const char *v, size_t n)
{
    if (n == 0)
        return true;
    if (v[0] == '$' || v[0] == '/')
        return true;
    static const char *const ph[] = { "changeme", "change-me", "xxx", "none", "null", "false", "true",
                                       "example", "secret", "password", "<password>", "your-password" };
    for (size_t i = 0; i < IVET_ARRAY_LEN(ph); i++)
        if (strlen(ph[i]) == n && !strncasecmp(v, ph[i], n))
            return true;
    return false;
}

static int secret_evidence(const char *name, size_t nlen, const char *val, size_t vlen, char *out,
                           size_t outlen)
{
    char *red = ivet_redact(val, vlen, 4);
    if (!red)
        return -1;
    snprintf(out, outlen, "%.*s=%s", (int)IVET_MIN(nlen, (size_t)80), name, red);
    ivet_free(red);
    return 0;
}

static int check_env(struct ivet_ictx *ix, struct ivet_err *err)
{
    json_t *env = cfg_get(ix->image, "Env");
    size_t i;
    json_t *v;
    json_array_foreach(env, i, v) {
        const char *s = json_string_value(v);
        const char *eq = s ? strchr(s, '=') : NULL;
        if (!eq || !ivet_config_secret_name(s, (size_t)(eq - s)))
            continue;
        const char *val = eq + 1;
        if (ivet_config_secret_placeholder(val, strlen(val)))
            continue;
        char ev[160];
        if (secret_evidence(s, (size_t)(eq - s), val, strlen(val), ev, sizeof(ev)) < 0)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        int r = ivet_ictx_finding(ix, "CONF-SECRET-ENV", NULL, -1, ev, err);
        if (r < 0)
            return r;
    }
    return 0;
}

static int check_config(struct ivet_ictx *ix, struct ivet_err *err)
{
    const struct ivet_image *img = ix->image;
    int r;
    const char *user = json_string_value(cfg_get(img, "User"));
    if (user_is_root(user)) {
        char ev[96];
        snprintf(ev, sizeof(ev), "USER %s", user && *user ? user : "(not set: defaults to root)");
        if ((r = ivet_ictx_finding(ix, "CONF-USER-ROOT", NULL, -1, ev, err)) < 0)
            return r;
    }
    json_t *hc = cfg_get(img, "Healthcheck");
    json_t *test = json_object_get(hc, "Test");
    const char *t0 = json_string_value(json_array_get(test, 0));
    if (!hc || !json_array_size(test) || (t0 && !strcmp(t0, "NONE")))
        if ((r = ivet_ictx_finding(ix, "CONF-NO-HEALTHCHECK", NULL, -1, NULL, err)) < 0)
            return r;
    const char *port;
    json_t *pv;
    json_object_foreach(cfg_get(img, "ExposedPorts"), port, pv) {
        if (!strcmp(port, "22") || !strcmp(port, "22/tcp"))
            if ((r = ivet_ictx_finding(ix, "CONF-SSH-PORT", NULL, -1, "EXPOSE 22/tcp", err)) < 0)
                return r;
    }
    const char *vol;
    json_object_foreach(cfg_get(img, "Volumes"), vol, pv) {
        static const char *const bad[] = { "/", "/proc", "/sys", "/dev", "/var/run/docker.sock",
                                           "/run/docker.sock", "/var/run", "/run" };
        char *n = ivet_path_normalize(vol);
        if (!n)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        bool hit = false;
        for (size_t i = 0; i < IVET_ARRAY_LEN(bad); i++)
            hit |= !strcmp(n, bad[i]) || (strcmp(bad[i], "/") && ivet_startswith(n, bad[i]) && n[strlen(bad[i])] == '/');
        ivet_free(n);
        if (hit && (r = ivet_ictx_finding(ix, "CONF-SENSITIVE-VOLUME", NULL, -1, vol, err)) < 0)
            return r;
    }
    if ((r = check_env(ix, err)) < 0)
        return r;
    const char *base = json_string_value(
        json_object_get(cfg_get(img, "Labels"), "org.opencontainers.image.base.name"));
    if (base && !strchr(base, '@')) {
        const char *slash = strrchr(base, '/');
        const char *colon = strrchr(slash ? slash : base, ':');
        if (!colon || !strcmp(colon, ":latest"))
            if ((r = ivet_ictx_finding(ix, "CONF-UNPINNED-BASE", NULL, -1, base, err)) < 0)
                return r;
    }
    return 0;
}

/* ---- history */

/* Is `word` present in s as a whole shell word? */
static bool has_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(s, word); p; p = strstr(p + 1, word)) {
        bool left = p == s || strchr(" \t;&|(\"'`", p[-1]);
        bool right = !p[n] || strchr(" \t;&|)\"'`", p[n]);
        if (left && right)
            return true;
    }
    return false;
}

/* One RUN step split into its && / ; separated commands is more than we need:
 * these checks look at the whole step, as Dockle does. */
static int check_step(struct ivet_ictx *ix, const char *cb, int layer, struct ivet_err *err)
{
    int r = 0;
    char ev[200];
    snprintf(ev, sizeof(ev), "%.190s", cb);
    const char *nop = strstr(cb, "#(nop)");
    const char *instr = nop ? nop + 6 : cb;
    while (*instr == ' ')
        instr++;
    if (ivet_startswith(instr, "ADD ")) {
        const char *arg = instr + 4;
        while (*arg == ' ')
            arg++;
        if (ivet_startswith(arg, "http://") || ivet_startswith(arg, "https://"))
            r = ivet_ictx_finding(ix, "CONF-ADD-URL", NULL, layer, ev, err);
        else if (!(ivet_startswith(arg, "file:") && strstr(arg, " in / ")) &&
                 !(ivet_startswith(arg, "file:") && ivet_endswith(arg, " in /")))
            /* `ADD file:<sha> in /` is how base images unpack their root
             * filesystem: the recommended use of ADD, not a finding. */
            r = ivet_ictx_finding(ix, "CONF-HISTORY-ADD", NULL, layer, ev, err);
        return r;
    }
    if (nop)
        return 0;               /* metadata instructions (ENV, LABEL, ...) are checked in the config */
    bool apt = has_word(cb, "apt-get") || has_word(cb, "apt");
    if (apt && has_word(cb, "update") && !has_word(cb, "install") && !has_word(cb, "upgrade"))
        if ((r = ivet_ictx_finding(ix, "CONF-UPDATE-ALONE", NULL, layer, ev, err)) < 0)
            return r;
    if (apt && has_word(cb, "install") && !strstr(cb, "/var/lib/apt/lists"))
        if ((r = ivet_ictx_finding(ix, "CONF-APT-CACHE", NULL, layer, ev, err)) < 0)
            return r;
    if (apt && has_word(cb, "dist-upgrade"))
        if ((r = ivet_ictx_finding(ix, "CONF-DIST-UPGRADE", NULL, layer, ev, err)) < 0)
            return r;
    if (has_word(cb, "apk") && has_word(cb, "add") && !strstr(cb, "--no-cache") && !strstr(cb, "/var/cache/apk"))
        if ((r = ivet_ictx_finding(ix, "CONF-APK-CACHE", NULL, layer, ev, err)) < 0)
            return r;
    if (has_word(cb, "sudo"))
        if ((r = ivet_ictx_finding(ix, "CONF-SUDO", NULL, layer, ev, err)) < 0)
            return r;
    return 0;
}

/* NAME=value words in a history line: BuildKit records build arguments as
 * "|2 NAME=value NAME2=value /bin/sh -c ...", and `export NAME=value` is common. */
static int check_step_secrets(struct ivet_ictx *ix, const char *cb, int layer, struct ivet_err *err)
{
    const char *p = cb;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';' || *p == '&' || *p == '|')
            p++;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t' && *p != ';' && *p != '&' && *p != '|')
            p++;
        const char *eq = memchr(w, '=', (size_t)(p - w));
        if (!eq || eq == w)
            continue;
        size_t nlen = (size_t)(eq - w);
        bool name_ok = true;
        for (size_t i = 0; i < nlen; i++)
            name_ok &= isalnum((unsigned char)w[i]) || w[i] == '_';
        const char *val = eq + 1;
        size_t vlen = (size_t)(p - val);
        if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
            val++;
            vlen -= 2;
        }
        if (!name_ok || !ivet_config_secret_name(w, nlen) || ivet_config_secret_placeholder(val, vlen))
            continue;
        char ev[160];
        if (secret_evidence(w, nlen, val, vlen, ev, sizeof(ev)) < 0)
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        return ivet_ictx_finding(ix, "CONF-SECRET-HISTORY", NULL, layer, ev, err);
    }
    return 0;
}

static int check_history(struct ivet_ictx *ix, struct ivet_err *err)
{
    json_t *hist = json_object_get(ix->image->config, "history");
    size_t i;
    json_t *h;
    int layer = 0, r;
    json_array_foreach(hist, i, h) {
        bool empty = json_is_true(json_object_get(h, "empty_layer"));
        const char *cb = json_string_value(json_object_get(h, "created_by"));
        int at = empty || (size_t)layer >= ix->image->nlayers ? -1 : layer;
        if (cb) {
            if ((r = check_step(ix, cb, at, err)) < 0)
                return r;
            if ((r = check_step_secrets(ix, cb, at, err)) < 0)
                return r;
            if (!strstr(cb, "@sha256:") && (strstr(cb, "FROM ") || strstr(cb, "docker pull ")) && strstr(cb, ":latest"))
                if ((r = ivet_ictx_finding(ix, "CONF-UNPINNED-BASE", NULL, at, cb, err)) < 0)
                    return r;
        }
        if (!empty)
            layer++;
    }
    return 0;
}

static int check_reference(struct ivet_ictx *ix, struct ivet_err *err)
{
    const struct ivet_image *img = ix->image;
    if (!img->transport || (strcmp(img->transport, "docker") && strcmp(img->transport, "docker-daemon")))
        return 0;
    struct ivet_ref ref = { 0 };
    struct ivet_err e2 = IVET_ERR_INIT;
    const char *name = img->reference;
    if (name && ivet_startswith(name, "docker://"))
        name += 9;
    int r = 0;
    if (name && ivet_ref_parse(&ref, name, &e2) == 0 && !ref.digest && ref.tag && !strcmp(ref.tag, "latest"))
        r = ivet_ictx_finding(ix, "CONF-TAG-LATEST", NULL, -1, ref.tag_implicit ? "no tag given: latest" : name, err);
    ivet_ref_release(&ref);
    ivet_err_release(&e2);
    return r;
}

/* Duplicate numeric IDs in the visible /etc/passwd and /etc/group. */
static int check_ids(struct ivet_ictx *ix, const char *path, struct ivet_err *err)
{
    int layer = -1;
    const struct ivet_bytes *b = ivet_ictx_file(ix, path, &layer, NULL);
    if (!b)
        return 0;
    enum { MAXIDS = 4096 };
    unsigned long *ids = ivet_calloc(MAXIDS, sizeof(*ids));
    if (!ids)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    size_t nids = 0;
    int rc = 0;
    const char *p = (const char *)b->ptr, *end = p + b->len;
    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        const char *f;
        size_t fl;
        /* name:x:ID:... -> the third field */
        if (ivet_colon_field(p, n, 2, &f, &fl) && fl && isdigit((unsigned char)*f)) {
            unsigned long id = strtoul(f, NULL, 10);       /* captures are NUL-terminated */
            for (size_t i = 0; i < nids; i++) {
                if (ids[i] == id) {
                    char ev[160];
                    snprintf(ev, sizeof(ev), "%s: id %lu used twice: %.*s", path, id,
                             (int)IVET_MIN(n, (size_t)80), p);
                    rc = ivet_ictx_finding(ix, "CONF-DUPLICATE-ID", path, layer, ev, err);
                    rc = rc < 0 ? rc : 1;
                    break;
                }
            }
            if (nids < MAXIDS)
                ids[nids++] = id;
        }
        p = nl ? nl + 1 : end;
    }
    ivet_free(ids);
    return rc < 0 ? rc : 0;
}

/* ---- setuid files no package owns */

struct owned {
    struct ivet_ictx *ix;
    const char *path;           /* the setuid file */
    bool found, have_db;
};

/* Is `want` ("/usr/bin/x") a line of a dpkg .list file? */
static int dpkg_owns(void *arg, const char *path, int layer, const struct ivet_bytes *b, bool truncated)
{
    struct owned *o = arg;
    (void)truncated;
    if (o->found || !ivet_startswith(path, "/var/lib/dpkg/info/") || !ivet_endswith(path, ".list"))
        return 0;
    int vis_layer = -1;
    if (!ivet_ictx_file(o->ix, path, &vis_layer, NULL) || vis_layer != layer)
        return 0;               /* only the versions the final image shows */
    o->have_db = true;
    size_t n = strlen(o->path);
    const char *p = (const char *)b->ptr, *end = p + b->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        if (len == n && !memcmp(p, o->path, n)) {
            o->found = true;
            return 0;
        }
        /* merged-/usr images: the package lists /bin/su, the file is /usr/bin/su */
        const char *b1 = strrchr(o->path, '/');
        if (len > strlen(b1) && len < 4096 && !memcmp(p + len - strlen(b1), b1, strlen(b1))) {
            char line[4096];
            memcpy(line, p, len);
            line[len] = 0;
            const struct ivet_fsnode *node = ivet_fsview_resolve(o->ix->view, line);
            if (node && !strcmp(node->path, o->path)) {
                o->found = true;
                return 0;
            }
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* Does the apk database list it ("F:usr/bin" then "R:x")? */
static void apk_owns(struct owned *o)
{
    const struct ivet_bytes *b = ivet_ictx_file(o->ix, "/lib/apk/db/installed", NULL, NULL);
    if (!b)
        return;
    o->have_db = true;
    const char *slash = strrchr(o->path, '/');
    size_t dlen = slash > o->path ? (size_t)(slash - o->path - 1) : 0;
    const char *dir = o->path + 1, *base = slash + 1;
    bool in_dir = false;
    const char *p = (const char *)b->ptr, *end = p + b->len;
    while (p < end && !o->found) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        if (len >= 2 && p[0] == 'F' && p[1] == ':')
            in_dir = len - 2 == dlen && !memcmp(p + 2, dir, dlen);
        else if (len >= 2 && p[0] == 'R' && p[1] == ':' && in_dir)
            o->found = len - 2 == strlen(base) && !memcmp(p + 2, base, len - 2);
        else if (len == 0)
            in_dir = false;
        p = nl ? nl + 1 : end;
    }
}

static int check_setuid_owners(struct ivet_ictx *ix, struct ivet_err *err)
{
    size_t n = ivet_fsview_count(ix->view);
    for (size_t i = 0; i < n; i++) {
        const struct ivet_fsnode *f = ivet_fsview_at(ix->view, i);
        if (f->type != IVET_ENTRY_FILE || !(f->mode & 06000))
            continue;
        struct owned o = { .ix = ix, .path = f->path };
        apk_owns(&o);
        if (!o.found)
            ivet_ictx_each_capture(ix, dpkg_owns, &o);
        /* without a package database nothing can be said about ownership */
        if (o.have_db && !o.found) {
            char ev[64];
            snprintf(ev, sizeof(ev), "mode %04o, in no package's file list", f->mode & 07777);
            int r = ivet_ictx_finding(ix, "CONF-SETUID-UNOWNED", f->path, f->layer, ev, err);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

/* Bytes after the end-of-archive blocks that are not a writer's zero
 * padding (tar_frame.c tells them apart, and says nothing when unsure). */
static int check_trailing(struct ivet_ictx *ix, struct ivet_err *err)
{
    for (size_t i = 0; i < ix->image->nlayers; i++) {
        const struct ivet_layer_desc *d = &ix->image->layers[i];
        if (!d->trailing_nonzero)
            continue;
        /* no path to show: the evidence names the layer */
        char ev[200];
        snprintf(ev, sizeof(ev), "layer %zu (%s): %llu bytes after the end-of-archive blocks, %llu of them not zero",
                 i, d->have_digest ? d->digest.text : d->diff_id.text, (unsigned long long)d->trailing,
                 (unsigned long long)d->trailing_nonzero);
        int r = ivet_ictx_finding(ix, "CONF-TAR-TRAILING-DATA", NULL, (int)i, ev, err);
        if (r < 0)
            return r;
    }
    return 0;
}

static int cfg_on_image(struct ivet_ictx *ix, struct ivet_err *err)
{
    int r;
    if ((r = check_trailing(ix, err)) < 0 || !ix->image->config)
        return r;
    if ((r = check_config(ix, err)) < 0 || (r = check_history(ix, err)) < 0 ||
        (r = check_reference(ix, err)) < 0 || (r = check_ids(ix, "/etc/passwd", err)) < 0 ||
        (r = check_ids(ix, "/etc/group", err)) < 0 || (r = check_setuid_owners(ix, err)) < 0)
        return r;
    return 0;
}

const struct ivet_analyzer ivet_analyzer_config = {
    .name = "config",
    .checks = checks,
    .nchecks = IVET_ARRAY_LEN(checks),
    .on_entry = cfg_on_entry,
    .on_image = cfg_on_image,
};
