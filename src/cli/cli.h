/* cli.h: the subcommands. Each parses its arguments and calls the public API. */
#ifndef IVET_CLI_H
#define IVET_CLI_H

#include "imagevet/imagevet.h"

int cmd_scan(int argc, char **argv);
int cmd_name(int argc, char **argv);

#endif
