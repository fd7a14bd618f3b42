/* fuzz_hub.c: a Docker Hub repository response (hostile network input) through
 * the popularity signals and the README `docker run` scanner. The first byte
 * picks the mode: even = the bytes are the response JSON, odd = the bytes are
 * a README. */
#include <stdint.h>
#include <string.h>

#include "analyze/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ivet_err err = IVET_ERR_INIT;
    struct ivet_findings out = { 0 };
    if (size < 1 || size > (1u << 16))
        return 0;
    char *text = ivet_strndup((const char *)data + 1, size - 1);
    if (!text)
        return 0;
    if (data[0] & 1) {
        (void)ivet_popularity_scan_readme(text, &out, &err);
    } else {
        json_t *repo = json_loads(text, 0, NULL), *section = NULL;
        if (json_is_object(repo)) {
            (void)ivet_popularity_eval(repo, (data[0] & 2) ? "nginx" : "", 1795171200, &out, &section, &err);
            json_t *readme = json_object_get(repo, "full_description");
            if (json_is_string(readme))
                (void)ivet_popularity_scan_readme(json_string_value(readme), &out, &err);
        }
        json_decref(section);
        json_decref(repo);
    }
    ivet_findings_release(&out);
    ivet_err_release(&err);
    ivet_free(text);
    return 0;
}
