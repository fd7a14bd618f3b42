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
int cmd_vercmp(int argc, char **argv);
int cmd_db(int argc, char **argv);

#endif
