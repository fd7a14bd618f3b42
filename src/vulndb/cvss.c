/* cvss.c: CVSS v3.x base vectors to base scores, with the formula and
 * constants of the CVSS v3.1 specification (FIRST, section 7). v3.0 vectors
 * are scored the same way (v3.1 changed only the rounding helper, which
 * never moves a published score by more than 0.1). */
#include <math.h>
#include <string.h>

#include "vulndb/store.h"

/* Round up to one decimal, avoiding floating-point artefacts (spec
 * Appendix A: Roundup). */
static double roundup(double x)
{
    long long i = llround(x * 100000.0);
    if (i % 10000 == 0)
        return (double)i / 100000.0;
    return (floor((double)i / 10000.0) + 1.0) / 10.0;
}

struct metric {
    const char *name;
    const char *values;         /* letters allowed */
    char got;
};

double ivet_cvss3_score(const char *vector)
{
    if (!vector || (strncmp(vector, "CVSS:3.0/", 9) != 0 && strncmp(vector, "CVSS:3.1/", 9) != 0))
        return -1;
    struct metric m[] = { { "AV", "NALP", 0 }, { "AC", "LH", 0 }, { "PR", "NLH", 0 },
                          { "UI", "NR", 0 },   { "S", "UC", 0 },  { "C", "HLN", 0 },
                          { "I", "HLN", 0 },   { "A", "HLN", 0 } };
    const char *p = vector + 9;
    while (*p) {
        const char *colon = strchr(p, ':');
        if (!colon)
            return -1;
        size_t nlen = (size_t)(colon - p);
        char val = colon[1];
        if (!val || (colon[2] && colon[2] != '/'))
            return -1;
        bool known = false;
        for (size_t i = 0; i < IVET_ARRAY_LEN(m); i++) {
            if (strlen(m[i].name) != nlen || memcmp(m[i].name, p, nlen) != 0)
                continue;
            if (m[i].got || !strchr(m[i].values, val))
                return -1;          /* repeated metric or bad value */
            m[i].got = val;
            known = true;
        }
        (void)known;                /* temporal/environmental metrics are ignored */
        p = colon + 2;
        if (*p == '/')
            p++;
    }
    for (size_t i = 0; i < IVET_ARRAY_LEN(m); i++)
        if (!m[i].got)
            return -1;
    bool changed = m[4].got == 'C';
    double av = m[0].got == 'N' ? 0.85 : m[0].got == 'A' ? 0.62 : m[0].got == 'L' ? 0.55 : 0.2;
    double ac = m[1].got == 'L' ? 0.77 : 0.44;
    double pr = m[2].got == 'N' ? 0.85 : m[2].got == 'L' ? (changed ? 0.68 : 0.62)
                                                          : (changed ? 0.5 : 0.27);
    double ui = m[3].got == 'N' ? 0.85 : 0.62;
    double cia[3];
    for (int i = 0; i < 3; i++)
        cia[i] = m[5 + i].got == 'H' ? 0.56 : m[5 + i].got == 'L' ? 0.22 : 0.0;
    double iss = 1.0 - (1.0 - cia[0]) * (1.0 - cia[1]) * (1.0 - cia[2]);
    double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
    double exploit = 8.22 * av * ac * pr * ui;
    if (impact <= 0)
        return 0.0;
    double base = changed ? 1.08 * (impact + exploit) : impact + exploit;
    return roundup(base < 10.0 ? base : 10.0);
}
