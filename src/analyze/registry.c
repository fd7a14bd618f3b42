/* registry.c: the explicit, ordered list of analyzers. Adding a check family
 * means one file in src/analyze/ and one line here. Image-level callbacks run
 * in this order, so inventory comes before vulnerability matching. */
#include "analyze/analyzer.h"

extern const struct ivet_analyzer ivet_analyzer_config;
extern const struct ivet_analyzer ivet_analyzer_names;
extern const struct ivet_analyzer ivet_analyzer_provenance;
extern const struct ivet_analyzer ivet_analyzer_signature;
extern const struct ivet_analyzer ivet_analyzer_filedigest;
extern const struct ivet_analyzer ivet_analyzer_contents;
extern const struct ivet_analyzer ivet_analyzer_inventory;
extern const struct ivet_analyzer ivet_analyzer_vulns;

const struct ivet_analyzer *const ivet_analyzers[] = {
    &ivet_analyzer_config,
    &ivet_analyzer_names,
    &ivet_analyzer_provenance,
    &ivet_analyzer_signature,
    &ivet_analyzer_filedigest,          /* imagevet diff only */
    &ivet_analyzer_contents,
    &ivet_analyzer_inventory,           /* packages and OS: before vulnerability matching */
    &ivet_analyzer_vulns,               /* last: needs the inventory's packages */
    NULL,
};
