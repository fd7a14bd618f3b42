/* rules_validate.c: the validators a rule can name with `validate =`. A
 * validator sees the exact matched bytes and confirms or rejects them. Add a
 * validator by writing its function and one table line. */
#include "analyze/rules.h"

#include <math.h>
#include <string.h>

static bool v_monero(const uint8_t *p, size_t n, double param)
{
    (void)param;
    return ivet_monero_address_valid((const char *)p, n);
}

/* Luhn check digit over the digits of the match (spaces and dashes ignored). */
static bool v_luhn(const uint8_t *p, size_t n, double param)
{
    (void)param;
    unsigned sum = 0, digits = 0;
    for (size_t i = n; i-- > 0;) {
        if (p[i] == ' ' || p[i] == '-')
            continue;
        if (p[i] < '0' || p[i] > '9')
            return false;
        unsigned d = (unsigned)(p[i] - '0');
        if (digits++ & 1)
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return digits >= 12 && sum % 10 == 0;
}

/* Shannon entropy of the match in bits per byte, at least `param`. */
static bool v_entropy(const uint8_t *p, size_t n, double param)
{
    unsigned cnt[256] = { 0 };
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        cnt[p[i]]++;
    double h = 0;
    for (int i = 0; i < 256; i++) {
        if (!cnt[i])
            continue;
        double q = (double)cnt[i] / (double)n;
        h -= q * log2(q);
    }
    return h >= param;
}

static const struct ivet_rule_validator validators[] = {
    { "monero", v_monero },
    { "luhn", v_luhn },
    { "entropy", v_entropy },
};

const struct ivet_rule_validator *ivet_rule_validator_find(const char *name)
{
    for (size_t i = 0; i < IVET_ARRAY_LEN(validators); i++)
        if (strcmp(validators[i].name, name) == 0)
            return &validators[i];
    return NULL;
}
