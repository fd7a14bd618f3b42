/* cmd_scan.c: `imagevet scan` argument handling. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: imagevet scan [options] IMAGE\n"
        "\n"
        "IMAGE is docker-archive:PATH, oci:DIR[:TAG], oci-archive:PATH[:TAG], docker://REF,\n"
        "docker-daemon:REF, a path (identified by its content) or a registry name.\n"
        "\n"
        "output:\n"
        "  -f, --format FMT          table (default), json, sarif (GitHub code scanning), junit\n"
        "                            (CI test reports), cyclonedx or spdx (the package inventory)\n"
        "  -o, --output FILE         write the report to FILE instead of stdout\n"
        "      --no-color            never colour the table (default: colour on a terminal)\n"
        "  -q, --quiet               no progress on stderr\n"
        "policy:\n"
        "      --fail-on LEVEL       fail (default) or warn: exit 1 already on a warning\n"
        "                            (overrides the policy file's fail_on)\n"
        "      --policy FILE         YAML policy file (docs/policy.md)\n"
        "      --trust NAMESPACE     trust a Docker Hub namespace, a registry host or\n"
        "                            registry/namespace (repeatable; also $IMAGEVET_TRUST,\n"
        "                            comma-separated)\n"
        "      --severity-fail SEV   a vulnerability of SEV (low..critical) or above fails\n"
        "      --key FILE            require a cosign signature by this public key (PEM; repeatable:\n"
        "                            any one of them)\n"
        "      --ignore-file FILE    ignore list (default: .imagevetignore when present)\n"
        "analysis:\n"
        "      --platform OS/ARCH[/VARIANT]  platform to pick from a multi-platform image\n"
        "      --threads N           worker threads (default: number of cores)\n"
        "      --no-content          skip content analysis (configuration checks stay)\n"
        "      --yara-rules PATH     also run these YARA rules (file or directory) over file contents\n"
        "      --offline             no network for metadata (Docker Hub popularity, ...)\n"
        "      --data-dir DIR        rule and reference data directory\n"
        "      --vulndb PATH         vulnerability database (default: the cache directory's)\n"
        "      --cache-dir DIR       compiled rules, Docker Hub answers and the default vulnerability\n"
        "                            database (default: $XDG_CACHE_HOME/imagevet or ~/.cache/imagevet)\n"
        "      --hub-url URL         Docker Hub API base URL\n"
        "registry:\n"
        CLI_REGISTRY_USAGE
        "limits (sizes take K, M, G suffixes):\n"
        "      --max-layer-size N    compressed bytes of one layer (default 8G)\n"
        "      --max-layer-bytes N   decompressed bytes of one layer (default 32G)\n"
        "      --max-image-size N    compressed bytes of all layers (default 64G)\n"
        "      --max-image-bytes N   bytes of all files in all layers (default 256G)\n"
        "      --max-ratio N         decompressed/compressed ratio of a layer (default 1000)\n"
        "      --max-entries N       tar entries in one layer (default 2000000)\n"
        "      --max-path N          bytes of one path (default 4096)\n"
        "      --max-file-scan N     bytes read of one file by content analyzers (default 64M)\n"
        "\n"
        "exit status: 0 pass or warn, 1 fail, 2 the image could not be vetted\n");
}

enum {
    O_NOCOLOR = 256, O_FAILON, O_POLICY, O_IGNORE, O_PLATFORM, O_THREADS, O_NOCONTENT, O_YARA,
    O_OFFLINE, O_DATADIR, O_VULNDB, O_CACHEDIR, O_HUBURL,
    O_MAXLAYER, O_MAXLAYERBYTES, O_MAXIMAGE, O_MAXIMAGESIZE, O_MAXRATIO, O_MAXENTRIES, O_MAXPATH, O_MAXFILESCAN,
    O_TRUST, O_SEVFAIL, O_KEY,
};

#define MAX_KEYS 16

#define MAX_TRUST 1024

static const struct option longopts[] = {
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { "no-color", no_argument, NULL, O_NOCOLOR },
    { "fail-on", required_argument, NULL, O_FAILON },
    { "policy", required_argument, NULL, O_POLICY },
    { "trust", required_argument, NULL, O_TRUST },
    { "severity-fail", required_argument, NULL, O_SEVFAIL },
    { "key", required_argument, NULL, O_KEY },
    { "ignore-file", required_argument, NULL, O_IGNORE },
    { "platform", required_argument, NULL, O_PLATFORM },
    { "threads", required_argument, NULL, O_THREADS },
    { "no-content", no_argument, NULL, O_NOCONTENT },
    { "yara-rules", required_argument, NULL, O_YARA },
    { "offline", no_argument, NULL, O_OFFLINE },
    { "data-dir", required_argument, NULL, O_DATADIR },
    { "vulndb", required_argument, NULL, O_VULNDB },
    { "cache-dir", required_argument, NULL, O_CACHEDIR },
    { "hub-url", required_argument, NULL, O_HUBURL },
    CLI_REGISTRY_LONGOPTS,
    { "max-layer-size", required_argument, NULL, O_MAXLAYER },
    { "max-layer-bytes", required_argument, NULL, O_MAXLAYERBYTES },
    { "max-image-bytes", required_argument, NULL, O_MAXIMAGE },
    { "max-image-size", required_argument, NULL, O_MAXIMAGESIZE },
    { "max-ratio", required_argument, NULL, O_MAXRATIO },
    { "max-entries", required_argument, NULL, O_MAXENTRIES },
    { "max-path", required_argument, NULL, O_MAXPATH },
    { "max-file-scan", required_argument, NULL, O_MAXFILESCAN },
    { 0 },
};

static int limit_arg(const char *name, const char *v, uint64_t *dst)
{
    if (cli_parse_size(v, dst) < 0 || *dst == 0) {
        fprintf(stderr, "imagevet scan: --%s: '%s' is not a positive size\n", name, v);
        return -1;
    }
    return 0;
}

int cmd_scan(int argc, char **argv)
{
    struct ivet_scan_opts o;
    struct ivet_err err = IVET_ERR_INIT;
    const char *format = "table", *output = NULL;
    bool color = isatty(1), quiet = false;
    enum ivet_fail_on fail_on = IVET_FAIL_ON_FAIL;
    bool fail_on_set = false;
    static const char *trust[MAX_TRUST + 1];
    size_t ntrust = 0;
    char *trust_env = NULL;
    struct cli_registry reg = { 0 };
    const char *keys[MAX_KEYS + 1] = { 0 };
    size_t nkeys = 0;
    int status = 2, c;
    ivet_scan_opts_init(&o);
    struct ivet_limits *L = &o.limits;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:qh", longopts, NULL)) != -1) {
        uint64_t v;
        int r = cli_registry_opt(&reg, &o, c, optarg, "scan");
        if (r < 0)
            return 2;
        if (r)
            continue;
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'q': quiet = true; break;
        case 'h': usage(stdout); return 0;
        case O_NOCOLOR: color = false; break;
        case O_FAILON:
            if (!strcmp(optarg, "warn"))
                fail_on = IVET_FAIL_ON_WARN;
            else if (!strcmp(optarg, "fail"))
                fail_on = IVET_FAIL_ON_FAIL;
            else {
                fprintf(stderr, "imagevet scan: --fail-on takes 'warn' or 'fail', not '%s'\n", optarg);
                return 2;
            }
            fail_on_set = true;
            break;
        case O_POLICY: o.policy_file = optarg; break;
        case O_TRUST:
            if (ntrust == MAX_TRUST) {
                fprintf(stderr, "imagevet scan: at most %d --trust names\n", MAX_TRUST);
                return 2;
            }
            trust[ntrust++] = optarg;
            break;
        case O_SEVFAIL: o.severity_fail = optarg; break;
        case O_KEY:
            if (nkeys == MAX_KEYS) {
                fprintf(stderr, "imagevet scan: at most %d --key files\n", MAX_KEYS);
                return 2;
            }
            keys[nkeys++] = optarg;
            break;
        case O_IGNORE: o.ignore_file = optarg; break;
        case O_PLATFORM: o.platform = optarg; break;
        case O_THREADS:
            if (cli_parse_size(optarg, &v) < 0 || v == 0 || v > 256) {
                fprintf(stderr, "imagevet scan: --threads takes a number from 1 to 256\n");
                return 2;
            }
            o.threads = (unsigned)v;
            break;
        case O_NOCONTENT: o.no_content = true; break;
        case O_YARA: o.yara_rules = optarg; break;
        case O_OFFLINE: o.offline = true; break;
        case O_DATADIR: o.data_dir = optarg; break;
        case O_VULNDB: o.vulndb = optarg; break;
        case O_CACHEDIR: o.cache_dir = optarg; break;
        case O_HUBURL: o.hub_url = optarg; break;
        case O_MAXLAYER: if (limit_arg("max-layer-size", optarg, &L->max_layer_compressed) < 0) return 2; break;
        case O_MAXLAYERBYTES: if (limit_arg("max-layer-bytes", optarg, &L->max_layer_bytes) < 0) return 2; break;
        case O_MAXIMAGE: if (limit_arg("max-image-bytes", optarg, &L->max_image_bytes) < 0) return 2; break;
        case O_MAXIMAGESIZE: if (limit_arg("max-image-size", optarg, &L->max_image_compressed) < 0) return 2; break;
        case O_MAXRATIO: if (limit_arg("max-ratio", optarg, &L->max_ratio) < 0) return 2; break;
        case O_MAXENTRIES: if (limit_arg("max-entries", optarg, &L->max_entries) < 0) return 2; break;
        case O_MAXPATH: if (limit_arg("max-path", optarg, &L->max_path) < 0) return 2; break;
        case O_MAXFILESCAN: if (limit_arg("max-file-scan", optarg, &L->max_file_scan) < 0) return 2; break;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, optind >= argc ? "imagevet scan: no image given\n" : "imagevet scan: one image at a time\n");
        usage(stderr);
        return 2;
    }
    if (!ivet_report_format_known(format)) {
        fprintf(stderr, "imagevet scan: unknown format '%s'\n", format);
        return 2;
    }
    o.image = argv[optind];
    o.progress = !quiet;
    if (nkeys)
        o.keys = keys;
    if (cli_trust_from_env(trust, &ntrust, MAX_TRUST, &trust_env) < 0) {
        fprintf(stderr, "imagevet scan: $IMAGEVET_TRUST: out of memory or more than %d names\n",
                MAX_TRUST);
        free(trust_env);
        return 2;
    }
    trust[ntrust] = NULL;
    if (ntrust)
        o.trusted_namespaces = trust;
    if (cli_registry_apply(&reg, &o, "scan") < 0) {
        free(trust_env);
        return 2;
    }
    if (!o.ignore_file && access(".imagevetignore", R_OK) == 0)
        o.ignore_file = ".imagevetignore";

    FILE *out = stdout;
    if (output && !(out = fopen(output, "w"))) {
        perror(output);
        goto done;
    }
    if (output)
        color = false;
    struct ivet_report *r = ivet_scan(&o, &err);
    if (!r) {
        status = cli_fail("scan", &err);
        goto done;
    }
    enum ivet_fail_on eff = fail_on_set ? fail_on : (enum ivet_fail_on)ivet_report_policy_fail_on(r);
    ivet_report_set_fail_on(r, eff);
    if (ivet_report_render(r, format, out, color, &err) < 0)
        status = cli_fail("scan", &err);
    else if (fflush(out) != 0 || ferror(out))
        status = 2, fprintf(stderr, "imagevet scan: cannot write the report\n");
    else
        status = ivet_report_exit_status(r, eff);
    ivet_report_free(r);
done:
    if (out && out != stdout && fclose(out) != 0 && status != 2) {
        perror(output);
        status = 2;
    }
    free(trust_env);
    cli_registry_release(&reg);
    return status;
}
