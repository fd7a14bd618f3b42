/* cli.h: the subcommands. Each parses its arguments and calls the public API;
 * none holds logic beyond argument handling. */
#ifndef IVET_CLI_H
#define IVET_CLI_H

#include <stdint.h>

#include "imagevet/imagevet.h"

int cmd_scan(int argc, char **argv);
int cmd_sbom(int argc, char **argv);
int cmd_name(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* cli_util.c */
/* "512", "64K", "8MiB", "2G" -> bytes; -1 on junk */
int cli_parse_size(const char *s, uint64_t *out);
/* prints "imagevet CMD: message", releases err, returns its exit status */
int cli_fail(const char *cmd, struct ivet_err *err);
/* one line from stdin without the newline (for --password-stdin); caller frees */
char *cli_read_secret_stdin(void);
/* Appends the comma-separated names of $IMAGEVET_TRUST to trust[] (at most
 * max in all), pointing into *copy, which the caller frees. -1 when there are
 * too many or on OOM. */
int cli_trust_from_env(const char **trust, size_t *nt, size_t max, char **copy);
/* The registry options scan, verify and diff share: list CLI_REGISTRY_LONGOPTS
 * in the command's getopt table, hand every option to cli_registry_opt, and
 * call cli_registry_apply after the loop. */
enum { CLI_O_USER = 1000, CLI_O_PWSTDIN, CLI_O_CAFILE, CLI_O_INSECURE };
#define CLI_REGISTRY_LONGOPTS                                                                     \
    { "username", required_argument, NULL, CLI_O_USER },                                         \
    { "password-stdin", no_argument, NULL, CLI_O_PWSTDIN },                                       \
    { "ca-file", required_argument, NULL, CLI_O_CAFILE },                                         \
    { "insecure-registry", required_argument, NULL, CLI_O_INSECURE }
#define CLI_REGISTRY_USAGE                                                                        \
    "      --username USER       registry user name\n"                                            \
    "      --password-stdin      read the registry password from standard input\n"                \
    "      --ca-file FILE        trust this CA bundle for registry TLS\n"                         \
    "      --insecure-registry HOST[:PORT]  allow plain HTTP / unverified TLS for this host\n"
#define CLI_MAX_INSECURE 32
struct cli_registry {
    const char *insecure[CLI_MAX_INSECURE + 1];
    size_t ninsecure;
    bool pw_stdin;
    char *password;             /* read by cli_registry_apply; wiped by cli_registry_release */
};
/* 1 when c was a registry option (stored), 0 when not, -1 on an error (printed). */
int cli_registry_opt(struct cli_registry *r, struct ivet_scan_opts *o, int c, const char *arg, const char *cmd);
/* Fills o's insecure hosts and password (read from stdin now); -1 on an error (printed). */
int cli_registry_apply(struct cli_registry *r, struct ivet_scan_opts *o, const char *cmd);
void cli_registry_release(struct cli_registry *r);
int cmd_vercmp(int argc, char **argv);
int cmd_db(int argc, char **argv);

#endif
