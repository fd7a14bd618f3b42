/* vercmp.h: the per-ecosystem comparators behind include/imagevet/version.h.
 * Each returns IVET_VCMP_OK and sets *res to -1/0/1, or says which side is
 * invalid. Version strings are NUL-terminated and at most IVET_VERSION_MAX
 * bytes (the dispatcher checks the length). */
#ifndef IVET_VERCMP_H
#define IVET_VERCMP_H

#include <stdbool.h>
#include <stddef.h>

#include "imagevet/version.h"

enum { IVET_VCMP_OK = 0, IVET_VCMP_BAD_A = 1, IVET_VCMP_BAD_B = 2 };

int ivet_vercmp_apk(const char *a, const char *b, int *res);
int ivet_vercmp_deb(const char *a, const char *b, int *res);
int ivet_vercmp_rpm(const char *a, const char *b, int *res);
int ivet_vercmp_semver(const char *a, const char *b, int *res);
int ivet_vercmp_pep440(const char *a, const char *b, int *res);
int ivet_vercmp_go(const char *a, const char *b, int *res);
int ivet_vercmp_maven(const char *a, const char *b, int *res);

/* rpm's segment comparison (rpmvercmp) on two bare strings, no epoch or
 * release split: what `rpmdev-vercmp` does for one field. Never fails. */
int ivet_rpmvercmp(const char *a, size_t alen, const char *b, size_t blen);

/* apk-tools' strict syntax check (apk_version_validate). */
bool ivet_apk_version_valid(const char *v);

/* Helpers shared by the comparators (vercmp.c). */
/* Compares two runs of decimal digits by value (leading zeros ignored). */
int ivet_vcmp_digits(const char *a, size_t alen, const char *b, size_t blen);
static inline int ivet_vcmp_sign(long v) { return (v > 0) - (v < 0); }

#endif
