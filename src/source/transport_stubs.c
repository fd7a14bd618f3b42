/* transport_stubs.c: the docker:// (registry) and docker-daemon: transports
 * until registry.c and daemon.c provide them; delete this file when they land. */
#include "source/source.h"

struct ivet_source *ivet_source_open_docker(const char *ref, const struct ivet_source_opts *o,
                                            struct ivet_err *err)
{
    (void)o;
    ivet_err_set(err, IVET_E_UNSUPPORTED, "'%.200s': the registry (docker://) transport is not available yet",
                 ref ? ref : "");
    return NULL;
}

struct ivet_source *ivet_source_open_daemon(const char *ref, const struct ivet_source_opts *o,
                                            struct ivet_err *err)
{
    (void)o;
    ivet_err_set(err, IVET_E_UNSUPPORTED, "'%.200s': the docker-daemon: transport is not available yet",
                 ref ? ref : "");
    return NULL;
}
