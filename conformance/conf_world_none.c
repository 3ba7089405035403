/* conf_world_none.c: the world backend of a build without the mocks: every world-using
 * scenario fails with a clear message, so nothing is ever silently passed. */
#include "conf_world.h"

#include "osh_str.h"

static void *none_create(const cJSON *doc, const conf_world_settings *s, char **error)
{
    *error = osh_str_dup("this openshell-conformance was built without the mock world "
                         "(mocks/world); scenarios that need one cannot run");
    return NULL;
}

static void none_destroy(void *w) {}
static const char *none_url(void *w) { return NULL; }
static int none_kubeconfig(void *w, const char *path, char **error)
{
    *error = osh_str_dup("no mock world");
    return -1;
}
static cJSON *none_state(void *w) { return NULL; }
static cJSON *none_journal(void *w, const char *which) { return NULL; }

const conf_world_backend conf_world_default_backend = {
    "none", none_create, none_destroy, none_url, none_url, none_url,
    none_kubeconfig, none_state, none_journal,
};
