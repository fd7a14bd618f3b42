/* test_vulndb_update.c: `db update` downloads against a local HTTP(S) server
 * on 127.0.0.1 (tests/unit/http_fixture.py, Python standard library):
 * first download, ETag/If-Modified-Since revalidation (304 keeps the data),
 * changed sources re-imported, HTTP errors, plain http refused unless
 * allowed, and TLS verification with and without the server's CA. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vulndb/match.h"

static char root[64];

struct server {
    pid_t pid;
    int port;
};

static pid_t running[2];        /* stopped by the group teardown if a test fails */

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++)
        if (running[i] > 0) {
            kill(running[i], SIGTERM);
            waitpid(running[i], NULL, 0);
        }
    return 0;
}

static bool start_server(struct server *s, const char *cert, const char *key)
{
    int fd[2];
    if (pipe(fd) != 0)
        return false;
    char script[1024];
    snprintf(script, sizeof(script), "%s/tests/unit/http_fixture.py", tu_source_dir());
    s->pid = fork();
    if (s->pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        if (cert)
            execlp("python3", "python3", script, root, cert, key, (char *)NULL);
        else
            execlp("python3", "python3", script, root, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    running[cert ? 1 : 0] = s->pid;
    FILE *f = fdopen(fd[0], "r");
    char line[64] = "";
    bool ok = f && fgets(line, sizeof(line), f) && sscanf(line, "PORT %d", &s->port) == 1;
    if (f)
        fclose(f);
    return ok;
}

static void stop_server(struct server *s)
{
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    for (int i = 0; i < 2; i++)
        if (running[i] == s->pid)
            running[i] = 0;
}

static void put_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *const ecos[] = { "PyPI", NULL };
static const char *const rels[] = { "v3.20", NULL };
static const char *const repos[] = { "main", NULL };

static void opts_for(struct ivet_vulndb_update_opts *o, const char *scheme, int port, char *base,
                     size_t n, char *deb, size_t dn, const char *debpath)
{
    ivet_vulndb_update_opts_init(o);
    snprintf(base, n, "%s://127.0.0.1:%d", scheme, port);
    snprintf(deb, dn, "%s/%s", base, debpath);
    o->osv_base = o->alpine_base = base;
    o->osv_ecosystems = ecos;
    o->alpine_releases = rels;
    o->alpine_repos = repos;
    o->debian_url = deb;
    o->timeout = 30;
}

static int run_update(struct ivet_vulndb *db, const struct ivet_vulndb_update_opts *o, char **log,
                      struct ivet_err *err)
{
    size_t len;
    FILE *f = open_memstream(log, &len);
    int rc = ivet_vulndb_update(db, o, f, NULL, err);
    fclose(f);
    return rc;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static char *first_id(struct ivet_vulndb *db, const char *type, const char *name, const char *v,
                      const char *os, const char *osver)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_match_key k;
    assert_int_equal(ivet_match_key_make(&k, type, name, v, name, NULL, os, osver, &err), 1);
    struct ivet_match *m;
    size_t n;
    assert_int_equal(ivet_vulndb_match(db, &k, &m, &n, NULL, &err), 0);
    char *id = n ? ivet_strdup(m[0].id) : ivet_strdup("");
    ivet_matches_free(m, n);
    ivet_match_key_release(&k);
    return id;
}

static void test_update_downloads_revalidates_and_reports_failures(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/ivet-httpfix-XXXXXX");
    assert_non_null(mkdtemp(root));
    put_file("PyPI/records/PYSEC-2099-1.json",
             "{\"id\":\"PYSEC-2099-1\",\"aliases\":[\"CVE-2099-1111\"],\"modified\":\"2099-01-01T00:00:00Z\","
             "\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"demo\"},"
             "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.0\"}]}]}]}");
    put_file("PyPI/records/PYSEC-2099-2.json",
             "{\"id\":\"PYSEC-2099-2\",\"modified\":\"2099-01-01T00:00:00Z\",\"affected\":[]}");
    put_file("v3.20/main.json",
             "{\"distroversion\":\"v3.20\",\"reponame\":\"main\",\"packages\":[{\"pkg\":{"
             "\"name\":\"zlib\",\"secfixes\":{\"1.3.1-r1\":[\"CVE-2099-2222\"]}}}]}");
    put_file("tracker.json",
             "{\"bash\":{\"CVE-2099-3333\":{\"releases\":{\"bookworm\":{\"status\":\"open\","
             "\"urgency\":\"low\"}}}}}");
    struct server srv;
    if (!start_server(&srv, NULL, NULL)) {
        print_message("SKIP: python3 could not start tests/unit/http_fixture.py\n");
        skip();
    }
    char *dbp = ivet_asprintf("%s/db/vulndb.sqlite", root);
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_vulndb *db = ivet_vulndb_open(dbp, IVET_VULNDB_WRITE, &err);
    assert_non_null(db);
    struct ivet_vulndb_update_opts o;
    char base[128], deb[192], *log = NULL;
    opts_for(&o, "http", srv.port, base, sizeof(base), deb, sizeof(deb), "tracker.json");

    /* plain http is refused unless asked for */
    assert_int_equal(run_update(db, &o, &log, &err), -IVET_E_NETWORK);
    assert_non_null(strstr(err.msg, "http://127.0.0.1"));
    ivet_err_release(&err);
    free(log);
    o.insecure_http = true;

    /* first run: everything downloaded and imported */
    assert_int_equal(run_update(db, &o, &log, &err), 0);
    assert_int_equal(count(log, "records from"), 3);
    free(log);
    char *id = first_id(db, "pypi", "demo", "1.5", NULL, NULL);
    assert_string_equal(id, "CVE-2099-1111");
    ivet_free(id);
    id = first_id(db, "apk", "zlib", "1.3.1-r0", "alpine", "3.20.1");
    assert_string_equal(id, "CVE-2099-2222");
    ivet_free(id);
    id = first_id(db, "deb", "bash", "5.2.15-2", "debian", "12");
    assert_string_equal(id, "CVE-2099-3333");
    ivet_free(id);
    struct ivet_vulndb_source *src;
    size_t n;
    assert_int_equal(ivet_vulndb_sources(db, &src, &n, &err), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(src[i].etag);
        assert_non_null(src[i].last_modified);
        assert_non_null(strstr(src[i].url, "http://127.0.0.1"));
    }
    assert_string_equal(src[2].name, "osv:PyPI");
    assert_int_equal(src[2].records, 2);
    ivet_vulndb_sources_free(src, n);

    /* second run: the server answers 304 to every conditional request */
    assert_int_equal(run_update(db, &o, &log, &err), 0);
    assert_int_equal(count(log, "not modified"), 3);
    free(log);
    id = first_id(db, "pypi", "demo", "1.5", NULL, NULL);
    assert_string_equal(id, "CVE-2099-1111");       /* 304 kept the data */
    ivet_free(id);

    /* a changed source is downloaded again, the others stay 304 */
    put_file("v3.20/main.json",
             "{\"distroversion\":\"v3.20\",\"reponame\":\"main\",\"packages\":[{\"pkg\":{"
             "\"name\":\"zlib\",\"secfixes\":{\"1.3.1-r1\":[\"CVE-2099-4444\"]}}}]}");
    assert_int_equal(run_update(db, &o, &log, &err), 0);
    assert_int_equal(count(log, "not modified"), 2);
    assert_int_equal(count(log, "alpine-secdb:v3.20/main: 1 records"), 1);
    free(log);
    id = first_id(db, "apk", "zlib", "1.3.1-r0", "alpine", "3.20.1");
    assert_string_equal(id, "CVE-2099-4444");
    ivet_free(id);

    /* a failing source is an error naming the URL; the others are still tried */
    opts_for(&o, "http", srv.port, base, sizeof(base), deb, sizeof(deb), "fail/tracker.json");
    o.insecure_http = true;
    assert_int_equal(run_update(db, &o, &log, &err), -IVET_E_NETWORK);
    assert_non_null(strstr(err.msg, "fail/tracker.json"));
    assert_non_null(strstr(err.msg, "500"));
    assert_int_equal(count(log, "not modified"), 2);
    ivet_err_release(&err);
    free(log);
    opts_for(&o, "http", srv.port, base, sizeof(base), deb, sizeof(deb), "missing.json");
    o.insecure_http = true;
    assert_int_equal(run_update(db, &o, &log, &err), -IVET_E_NETWORK);
    assert_non_null(strstr(err.msg, "404"));
    ivet_err_release(&err);
    free(log);
    stop_server(&srv);
    /* nobody listening */
    assert_int_equal(run_update(db, &o, &log, &err), -IVET_E_NETWORK);
    ivet_err_release(&err);
    free(log);

    /* TLS: verified against the CA given, refused without it */
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/key.pem -out %s/cert.pem "
             "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
             root, root);
    if (system(cmd) == 0) {
        char cert[128], key[128];
        snprintf(cert, sizeof(cert), "%s/cert.pem", root);
        snprintf(key, sizeof(key), "%s/key.pem", root);
        struct server tls;
        assert_true(start_server(&tls, cert, key));
        opts_for(&o, "https", tls.port, base, sizeof(base), deb, sizeof(deb), "tracker.json");
        assert_int_equal(run_update(db, &o, &log, &err), -IVET_E_NETWORK);
        print_message("untrusted server: %s\n", err.msg);
        ivet_err_release(&err);
        free(log);
        o.ca_file = cert;
        assert_int_equal(run_update(db, &o, &log, &err), 0);
        free(log);
        stop_server(&tls);
    } else {
        print_message("openssl CLI unavailable: TLS part not run\n");
    }
    ivet_vulndb_close(db);
    ivet_free(dbp);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_downloads_revalidates_and_reports_failures),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
