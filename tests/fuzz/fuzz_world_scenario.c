/* fuzz_world_scenario.c: scenario documents (docs/scenarios.md) as mock_world_new reads them
 * (mocks/world, mocks/docker/docker_scenario*.c, mocks/k3s/k3s_config.c, the kube store
 * import). Arbitrary JSON must be refused with a message, never crash. The world is built
 * in-process without the Kubernetes API server (kube_enabled = false), so only the Docker
 * mock's private unix socket is opened for a scenario that parses. Invariant: failure gives
 * a message; success gives a world whose state snapshot is an object. */
#include <stdio.h>

#include "fuzz_util.h"
#include "kube_store.h"
#include "mock_world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    if (!doc)
        return 0;
    mock_world_options opts = {.kube_enabled = false};
    char *error = NULL;
    mock_world *w = mock_world_new(doc, &opts, &error);
    if (w) {
        FUZZ_CHECK(error == NULL);
        cJSON *state = mock_world_state(w);
        FUZZ_CHECK(cJSON_IsObject(state));
        cJSON_Delete(state);
        mock_world_free(w);
    } else {
        FUZZ_CHECK(error && *error);
        free(error);
    }
    /* The kube section's objects, which a world without the API server does not import. */
    const cJSON *objects = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "kube"), "objects");
    if (objects) {
        error = NULL;
        kube_store *s = kube_store_import(objects, &error);
        FUZZ_CHECK(s ? error == NULL : error != NULL);
        kube_store_unref(s);
        free(error);
    }
    cJSON_Delete(doc);
    return 0;
}
