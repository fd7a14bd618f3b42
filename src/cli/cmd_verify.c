/* cmd_verify.c: `imagevet verify --key FILE IMAGE`: is the image signed
 * (cosign) with one of these keys? Resolves the image, reads its signatures
 * and checks them; no layer is read. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void verify_usage(FILE *f)
{
    fprintf(f,
        "usage: imagevet verify --key FILE [--key FILE...] [options] IMAGE\n"
        "\n"
        "Checks that IMAGE carries a cosign signature (the sha256-<digest>.sig tag\n"
        "beside it, for the manifest or the index it was picked from) that verifies\n"
        "with one of the public keys (PEM: ECDSA, RSA, Ed25519). Offline: no\n"
        "transparency log, no keyless certificates. No layer is read; run\n"
        "`imagevet scan --key FILE` to vet the image's content too.\n"
        "\n"
        "  -k, --key FILE            a public key (repeatable: any one of them)\n"
        "  -f, --format FMT          text (default) or json (the imagevet report)\n"
        "      --platform OS/ARCH[/VARIANT]  platform to pick from a multi-platform image\n"
        CLI_REGISTRY_USAGE
        "\n"
        "exit status: 0 verified, 1 not verified (no signature by any of the keys, or a\n"
        "transport that carries none: docker-daemon:, old docker-archive files), 2 the\n"
        "image or a key could not be read\n");
}

enum { O_PLATFORM = 256 };
#define MAX_KEYS 16

static const struct option longopts[] = {
    { "key", required_argument, NULL, 'k' },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { "platform", required_argument, NULL, O_PLATFORM },
    CLI_REGISTRY_LONGOPTS,
    { 0 },
};

/* The evidence of the first finding `id`, or NULL. */
static const char *evidence_of(const struct ivet_report *r, const char *id)
{
    for (size_t i = 0; i < ivet_report_nfindings(r); i++) {
        const char *fid, *ev;
        ivet_report_finding(r, i, &fid, &ev);
        if (!strcmp(fid, id))
            return ev ? ev : "";
    }
    return NULL;
}

int cmd_verify(int argc, char **argv)
{
    struct ivet_scan_opts o;
    struct ivet_err err = IVET_ERR_INIT;
    const char *keys[MAX_KEYS + 1] = { 0 }, *format = "text";
    size_t nkeys = 0;
    struct cli_registry reg = { 0 };
    int c, status = 2;
    ivet_scan_opts_init(&o);
    o.verify_only = true;
    o.offline = true;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:f:h", longopts, NULL)) != -1) {
        int r = cli_registry_opt(&reg, &o, c, optarg, "verify");
        if (r < 0)
            return 2;
        if (r)
            continue;
        switch (c) {
        case 'k':
            if (nkeys == MAX_KEYS) {
                fprintf(stderr, "imagevet verify: at most %d --key files\n", MAX_KEYS);
                return 2;
            }
            keys[nkeys++] = optarg;
            break;
        case 'f': format = optarg; break;
        case 'h': verify_usage(stdout); return 0;
        case O_PLATFORM: o.platform = optarg; break;
        default: verify_usage(stderr); return 2;
        }
    }
    if (optind != argc - 1 || !nkeys) {
        fprintf(stderr, !nkeys ? "imagevet verify: no --key given\n"
                        : optind >= argc ? "imagevet verify: no image given\n"
                                         : "imagevet verify: one image at a time\n");
        verify_usage(stderr);
        return 2;
    }
    if (strcmp(format, "text") && strcmp(format, "json")) {
        fprintf(stderr, "imagevet verify: unknown format '%s' (text or json)\n", format);
        return 2;
    }
    o.image = argv[optind];
    o.keys = keys;
    if (cli_registry_apply(&reg, &o, "verify") < 0)
        return 2;
    struct ivet_report *r = ivet_scan(&o, &err);
    if (!r) {
        status = cli_fail("verify", &err);
        goto done;
    }
    const char *ok = evidence_of(r, "PROV-SIGNED"), *no = evidence_of(r, "PROV-NOT-SIGNED");
    if (!strcmp(format, "json")) {
        status = ivet_report_render(r, "json", stdout, false, &err) < 0 ? cli_fail("verify", &err) : ok ? 0 : 1;
    } else {
        const char *digest = ivet_report_digest(r);
        if (ok)
            printf("verified: %s (%s): %s\n", o.image, digest, ok);
        else
            printf("NOT verified: %s (%s): %s\n", o.image, digest, no ? no : "no signature checked");
        status = ok ? 0 : 1;
    }
    ivet_report_free(r);
done:
    cli_registry_release(&reg);
    return status;
}
