/* imagevet.h: the umbrella header of libimagevet. */
#ifndef IMAGEVET_H
#define IMAGEVET_H

#define IMAGEVET_VERSION "0.1.0"

#include "imagevet/error.h"
#include "imagevet/limits.h"
#include "imagevet/scan.h"
#include "imagevet/name.h"
#include "imagevet/diff.h"
#include "imagevet/server.h"

#endif
