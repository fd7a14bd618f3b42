/* reg_creds.c: finds registry credentials the way Docker does: explicit
 * --username/--password-stdin, else $DOCKER_CONFIG/config.json (or
 * ~/.docker/config.json): credHelpers[host], auths[host], credsStore. A
 * credential helper is a program on the HOST that the user configured; it is
 * run without a shell, fed the server URL on stdin, and its JSON answer is
 * parsed with a bound. Secrets never reach a message: errors name only where
 * the credentials came from. */
#include "source/reg.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

extern char **environ;

#define MAX_CONFIG (4u << 20)
#define MAX_HELPER_OUT (64u << 10)
#define HUB_KEY "https://index.docker.io/v1/"

static void wipe_free(char *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s, strlen(s));
    ivet_free(s);
}

void ivet_reg_creds_release(struct ivet_reg_creds *c)
{
    wipe_free(c->username);
    wipe_free(c->password);
    wipe_free(c->identity_token);
    memset(c, 0, sizeof(*c));
}

bool ivet_reg_creds_present(const struct ivet_reg_creds *c)
{
    return (c->username && c->password) || c->identity_token;
}

static bool is_hub(const char *h)
{
    return !strcmp(h, "docker.io") || !strcmp(h, "index.docker.io") ||
           !strcmp(h, "registry-1.docker.io");
}

const char *ivet_reg_config_key(const char *host)
{
    return is_hub(host) ? HUB_KEY : host;
}

/* The host[:port] part of a config.json key ("https://host:5000/v1/" ->
 * "host:5000"), into buf. */
static void key_host(const char *key, char *buf, size_t n)
{
    const char *p = strstr(key, "://");
    p = p ? p + 3 : key;
    size_t l = strcspn(p, "/");
    if (l >= n)
        l = n - 1;
    memcpy(buf, p, l);
    buf[l] = 0;
}

static bool key_matches(const char *key, const char *host)
{
    char kh[256];
    key_host(key, kh, sizeof(kh));
    if (is_hub(host))
        return is_hub(kh);
    return !strcmp(kh, host);
}

/* "user:pass" base64 -> username, password */
static int decode_auth(const char *b64, struct ivet_reg_creds *out, struct ivet_err *err)
{
    size_t n = strlen(b64);
    if (n == 0 || n > 8192 || n % 4)
        return ivet_err_set(err, IVET_E_FORMAT, "config.json: \"auth\" is not base64 of user:password");
    unsigned char *raw = ivet_malloc(n / 4 * 3 + 1);
    if (!raw)
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    int l = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
    int rc = 0;
    if (l < 0) {
        rc = ivet_err_set(err, IVET_E_FORMAT, "config.json: \"auth\" is not base64 of user:password");
        goto out;
    }
    while (l > 0 && n > 0 && b64[n - 1] == '=') {  /* DecodeBlock counts the padding */
        l--;
        n--;
    }
    raw[l] = 0;
    char *colon = memchr(raw, ':', (size_t)l);
    if (!colon || memchr(raw, 0, (size_t)l)) {
        rc = ivet_err_set(err, IVET_E_FORMAT, "config.json: \"auth\" is not base64 of user:password");
        goto out;
    }
    *colon = 0;
    out->username = ivet_strdup((char *)raw);
    out->password = ivet_strdup(colon + 1);
    if (!out->username || !out->password)
        rc = ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    OPENSSL_cleanse(raw, n / 4 * 3 + 1);
    ivet_free(raw);
    return rc;
}

static int dup_field(json_t *o, const char *name, char **dst, struct ivet_err *err)
{
    const char *s = json_string_value(json_object_get(o, name));
    if (!s || !*s)
        return 0;
    if (!(*dst = ivet_strdup(s)))
        return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
    return 1;
}

static int from_auth_entry(json_t *e, struct ivet_reg_creds *out, struct ivet_err *err)
{
    const char *auth = json_string_value(json_object_get(e, "auth"));
    int rc;
    if (auth && *auth) {
        if ((rc = decode_auth(auth, out, err)) < 0)
            return rc;
    } else {
        if ((rc = dup_field(e, "username", &out->username, err)) < 0 ||
            (rc = dup_field(e, "password", &out->password, err)) < 0)
            return rc;
    }
    if ((rc = dup_field(e, "identitytoken", &out->identity_token, err)) < 0)
        return rc;
    return ivet_reg_creds_present(out) ? 1 : 0;
}

int ivet_reg_config_lookup(const char *text, size_t len, const char *host,
                           struct ivet_reg_creds *out, char **helper, struct ivet_err *err)
{
    json_error_t je;
    *helper = NULL;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return ivet_err_set(err, IVET_E_FORMAT, "docker config: malformed JSON at line %d column %d",
                            je.line, je.column);
    }
    int rc = 0;
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(root, "credHelpers"), key, v) {
        if (json_is_string(v) && key_matches(key, host)) {
            rc = (*helper = ivet_strdup(json_string_value(v))) ? 1
                 : ivet_err_set(err, IVET_E_NOMEM, "out of memory");
            goto out;
        }
    }
    json_object_foreach(json_object_get(root, "auths"), key, v) {
        if (json_is_object(v) && key_matches(key, host)) {
            rc = from_auth_entry(v, out, err);
            if (rc != 0)
                goto out;
            ivet_reg_creds_release(out);
        }
    }
    const char *store = json_string_value(json_object_get(root, "credsStore"));
    if (store && *store)
        rc = (*helper = ivet_strdup(store)) ? 1 : ivet_err_set(err, IVET_E_NOMEM, "out of memory");
out:
    json_decref(root);
    return rc;
}

int ivet_reg_helper_parse(const char *text, size_t len, struct ivet_reg_creds *out,
                          struct ivet_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);  /* two "Secret"s: refused */
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return ivet_err_set(err, IVET_E_FORMAT, "credential helper answer is not a JSON object");
    }
    const char *user = json_string_value(json_object_get(root, "Username"));
    const char *secret = json_string_value(json_object_get(root, "Secret"));
    int rc = 0;
    if (!secret || !*secret)
        goto out;
    /* "<token>" as the user name marks an identity (refresh) token */
    if (user && !strcmp(user, "<token>"))
        out->identity_token = ivet_strdup(secret);
    else if (user && *user) {
        out->username = ivet_strdup(user);
        out->password = ivet_strdup(secret);
    }
    if ((!out->identity_token && !out->username) || (out->username && !out->password)) {
        ivet_reg_creds_release(out);
        rc = user && *user ? ivet_err_set(err, IVET_E_NOMEM, "out of memory") : 0;
        goto out;
    }
    rc = 1;
out:
    json_decref(root);
    return rc;
}

static bool helper_name_ok(const char *h)
{
    if (!*h || strlen(h) > 64)
        return false;
    for (const char *p = h; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

/* Writes `in` to the child's stdin and reads its stdout (bounded). */
static int talk(int to, int from, const char *in, struct ivet_buf *outb, struct ivet_err *err)
{
    size_t off = 0, n = strlen(in);
    while (off < n) {
        ssize_t w = write(to, in + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break;              /* the helper may exit without reading; its answer decides */
        off += (size_t)w;
    }
    close(to);
    char tmp[4096];
    for (;;) {
        ssize_t r = read(from, tmp, sizeof(tmp));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ivet_err_sys(err, IVET_E_IO, "cannot read the credential helper's answer");
        if (r == 0)
            return 0;
        if (ivet_buf_append(outb, tmp, (size_t)r, err) < 0)
            return ivet_err_set(err, IVET_E_LIMIT, "credential helper answer exceeds %u bytes",
                                MAX_HELPER_OUT);
    }
}

int ivet_reg_creds_from_helper(const char *helper, const char *server_url,
                               struct ivet_reg_creds *out, struct ivet_err *err)
{
    if (!helper_name_ok(helper))
        return ivet_err_set(err, IVET_E_USAGE, "invalid credential helper name '%s'", helper);
    char prog[96];
    snprintf(prog, sizeof(prog), "docker-credential-%s", helper);
    int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, rc = 0;
    pid_t pid = -1;
    struct ivet_buf b;
    ivet_buf_init(&b, MAX_HELPER_OUT);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
        rc = ivet_err_sys(err, IVET_E_IO, "cannot run '%s'", prog);
        goto out;
    }
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = { prog, (char *)"get", NULL };
    int e = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    if (e) {
        errno = e;
        pid = -1;
        rc = ivet_err_sys(err, IVET_E_AUTH, "cannot run credential helper '%s'", prog);
        goto out;
    }
    close(in[0]);
    close(outp[1]);
    in[0] = outp[1] = -1;
    /* A helper that exits without reading must not kill us with SIGPIPE: block
     * it in this thread only (the signal goes to the writing thread), then
     * discard one that our write raised. */
    sigset_t pipe_set, old_mask;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
    char line[512];
    snprintf(line, sizeof(line), "%s\n", server_url);
    rc = talk(in[1], outp[0], line, &b, err);
    const struct timespec zero = { 0, 0 };
    if (!sigismember(&old_mask, SIGPIPE))
        while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
            ;
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    in[1] = -1;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    if (rc < 0)
        goto out;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        /* "credentials not found in native keychain": not an error, just none */
        rc = b.len && strstr(b.ptr, "not found") ? 0
             : ivet_err_set(err, IVET_E_AUTH, "credential helper '%s' failed for '%s'", prog, server_url);
        goto out;
    }
    rc = ivet_reg_helper_parse(b.ptr ? b.ptr : "", b.len, out, err);
    if (rc < 0)
        ivet_err_wrap(err, "'%s'", prog);
    else if (rc > 0)
        snprintf(out->origin, sizeof(out->origin), "credential helper '%s'", helper);
out:
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (outp[i] >= 0)
            close(outp[i]);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    if (b.ptr)
        OPENSSL_cleanse(b.ptr, b.len);
    ivet_buf_release(&b);
    return rc;
}

static char *config_path(void)
{
    const char *d = getenv("DOCKER_CONFIG");
    if (d && *d)
        return ivet_asprintf("%s/config.json", d);
    const char *h = getenv("HOME");
    if (!h || !*h)
        return NULL;
    return ivet_asprintf("%s/.docker/config.json", h);
}

int ivet_reg_creds_find(const char *host, const char *username, const char *password,
                        struct ivet_reg_creds *out, struct ivet_err *err)
{
    memset(out, 0, sizeof(*out));
    if (username || password) {
        if (!username || !password)
            return ivet_err_set(err, IVET_E_USAGE, "--username and --password-stdin go together");
        out->username = ivet_strdup(username);
        out->password = ivet_strdup(password);
        if (!out->username || !out->password) {
            ivet_reg_creds_release(out);
            return ivet_err_set(err, IVET_E_NOMEM, "out of memory");
        }
        snprintf(out->origin, sizeof(out->origin), "--username");
        return 1;
    }
    char *path = config_path(), *text = NULL, *helper = NULL;
    size_t len = 0;
    int rc = 0;
    if (!path)
        return 0;
    struct ivet_istream *s = ivet_istream_open_file(path, err);
    if (!s) {
        rc = err->code == IVET_E_NOTFOUND ? 0 : -err->code;
        if (rc == 0)
            ivet_err_release(err);
        goto out;
    }
    if ((rc = ivet_istream_slurp(s, MAX_CONFIG, &text, &len, err)) < 0) {
        ivet_istream_close(s);
        ivet_err_wrap(err, "'%s'", path);
        goto out;
    }
    ivet_istream_close(s);
    rc = ivet_reg_config_lookup(text, len, host, out, &helper, err);
    if (rc < 0) {
        ivet_err_wrap(err, "'%s'", path);
        goto out;
    }
    if (helper) {
        rc = ivet_reg_creds_from_helper(helper, ivet_reg_config_key(host), out, err);
    } else if (rc > 0) {
        snprintf(out->origin, sizeof(out->origin), "config.json");
    }
out:
    if (text) {
        OPENSSL_cleanse(text, len);
        ivet_free(text);
    }
    ivet_free(helper);
    ivet_free(path);
    return rc;
}
