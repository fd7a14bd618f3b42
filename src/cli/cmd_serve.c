/* cmd_serve.c: `imagevet serve`: vet what is pushed to your registry. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void serve_usage(FILE *f)
{
    fprintf(f,
        "usage: imagevet serve --store sqlite:PATH --registry HOST[:PORT] [options]\n"
        "\n"
        "Vets every image pushed to the registries named with --registry. Point the\n"
        "registry's notifications at http://LISTEN/v1/notifications (Docker\n"
        "Distribution: the 'notifications: endpoints:' section of its config, with\n"
        "'headers: {Authorization: [Bearer TOKEN]}' when a token is set). Each push of\n"
        "a manifest or index is queued in the store, which survives restarts, and\n"
        "vetted with the options below; GET /v1/scans/DIGEST gives its verdict and\n"
        "report, POST /v1/scans {\"image\": REF} queues one by hand, GET /v1/health\n"
        "the queue. Scans run one at a time. SIGINT or SIGTERM stop the server once the\n"
        "running scan ends (a second signal ends it at once).\n"
        "\n"
        "  --listen HOST:PORT      address to listen on (default 127.0.0.1:8080)\n"
        "  --store sqlite:PATH     the queue and the reports\n"
        "  --registry HOST[:PORT]  a registry whose pushes to vet (repeatable; pushes to\n"
        "                          others are ignored, so a notification cannot make the\n"
        "                          server pull from anywhere else)\n"
        "  --token-file FILE       POSTs must carry 'Authorization: Bearer <the file's first\n"
        "                          line>' (required when listening beyond loopback)\n"
        "scans:\n"
        "  --policy FILE, --key FILE (repeatable), --offline, --no-content, --threads N,\n"
        "  --data-dir DIR, --vulndb PATH, --cache-dir DIR: as for imagevet scan\n"
        CLI_REGISTRY_USAGE
        "\n"
        "exit status: 0 stopped by a signal, 2 could not start\n");
}

enum { O_LISTEN = 256, O_STORE, O_REGISTRY, O_TOKENFILE, O_POLICY, O_KEY, O_OFFLINE, O_NOCONTENT,
       O_THREADS, O_DATADIR, O_VULNDB, O_CACHEDIR };
#define MAX_REGISTRIES 32
#define MAX_KEYS 16

static const struct option longopts[] = {
    { "help", no_argument, NULL, 'h' },
    { "listen", required_argument, NULL, O_LISTEN },
    { "store", required_argument, NULL, O_STORE },
    { "registry", required_argument, NULL, O_REGISTRY },
    { "token-file", required_argument, NULL, O_TOKENFILE },
    { "policy", required_argument, NULL, O_POLICY },
    { "key", required_argument, NULL, O_KEY },
    { "offline", no_argument, NULL, O_OFFLINE },
    { "no-content", no_argument, NULL, O_NOCONTENT },
    { "threads", required_argument, NULL, O_THREADS },
    { "data-dir", required_argument, NULL, O_DATADIR },
    { "vulndb", required_argument, NULL, O_VULNDB },
    { "cache-dir", required_argument, NULL, O_CACHEDIR },
    CLI_REGISTRY_LONGOPTS,
    { 0 },
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* The first line of FILE, without the newline; NULL when unreadable or empty. */
static char *read_token(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char buf[1024];
    char *t = fgets(buf, sizeof(buf), f) ? buf : NULL;
    fclose(f);
    if (!t)
        return NULL;
    buf[strcspn(buf, "\r\n")] = 0;
    char *s = buf[0] ? strdup(buf) : NULL;
    memset(buf, 0, sizeof(buf));
    return s;
}

int cmd_serve(int argc, char **argv)
{
    struct ivet_scan_opts o;
    struct ivet_serve_opts so = { 0 };
    struct ivet_err err = IVET_ERR_INIT;
    struct cli_registry reg = { 0 };
    const char *registries[MAX_REGISTRIES + 1] = { 0 }, *keys[MAX_KEYS + 1] = { 0 }, *token_file = NULL;
    size_t nreg = 0, nkeys = 0;
    char *token = NULL;
    int c, status = 2;
    uint64_t v;
    ivet_scan_opts_init(&o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int r = cli_registry_opt(&reg, &o, c, optarg, "serve");
        if (r < 0)
            return 2;
        if (r)
            continue;
        switch (c) {
        case 'h': serve_usage(stdout); return 0;
        case O_LISTEN: so.listen = optarg; break;
        case O_STORE: so.store = optarg; break;
        case O_REGISTRY:
            if (nreg == MAX_REGISTRIES) {
                fprintf(stderr, "imagevet serve: at most %d --registry hosts\n", MAX_REGISTRIES);
                return 2;
            }
            registries[nreg++] = optarg;
            break;
        case O_TOKENFILE: token_file = optarg; break;
        case O_POLICY: o.policy_file = optarg; break;
        case O_KEY:
            if (nkeys == MAX_KEYS) {
                fprintf(stderr, "imagevet serve: at most %d --key files\n", MAX_KEYS);
                return 2;
            }
            keys[nkeys++] = optarg;
            break;
        case O_OFFLINE: o.offline = true; break;
        case O_NOCONTENT: o.no_content = true; break;
        case O_THREADS:
            if (cli_parse_size(optarg, &v) < 0 || v == 0 || v > 256) {
                fprintf(stderr, "imagevet serve: --threads takes a number from 1 to 256\n");
                return 2;
            }
            o.threads = (unsigned)v;
            break;
        case O_DATADIR: o.data_dir = optarg; break;
        case O_VULNDB: o.vulndb = optarg; break;
        case O_CACHEDIR: o.cache_dir = optarg; break;
        default: serve_usage(stderr); return 2;
        }
    }
    if (optind != argc || !so.store || !nreg) {
        fprintf(stderr, optind != argc ? "imagevet serve: unexpected argument '%s'\n"
                        : !so.store ? "imagevet serve: no --store given%s\n"
                                    : "imagevet serve: no --registry given%s\n",
                optind != argc ? argv[optind] : "");
        serve_usage(stderr);
        return 2;
    }
    if (token_file && !(token = read_token(token_file))) {
        fprintf(stderr, "imagevet serve: --token-file '%s': cannot read a token from it\n", token_file);
        return 2;
    }
    if (cli_registry_apply(&reg, &o, "serve") < 0)
        goto done;
    if (nkeys)
        o.keys = keys;
    so.registries = registries;
    so.token = token;
    so.scan = &o;
    struct sigaction sa = { 0 };
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;         /* a second signal ends the process at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    status = ivet_serve(&so, &stop_flag, &err) < 0 ? cli_fail("serve", &err) : 0;
done:
    if (token) {
        memset(token, 0, strlen(token));
        free(token);
    }
    cli_registry_release(&reg);
    return status;
}
