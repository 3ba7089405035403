/* fuzz_kubeconfig.c: kubeconfig files, YAML or JSON (k8s_yaml.h, k8s_config.h). The YAML
 * reader runs on the raw input; the resolved configuration is built from its result with
 * every "exec" and "tokenFile" key removed first: an exec credential plugin would run the
 * command the fuzzer wrote, and a tokenFile of /dev/zero would never end. Invariants: a
 * refusal has a message; an accepted config has a server without a trailing '/'. */
#include <stdio.h>

#include "fuzz_util.h"
#include "k8s_config.h"
#include "k8s_yaml.h"

static void strip_exec(cJSON *node)
{
    if (cJSON_IsObject(node)) {
        cJSON_DeleteItemFromObjectCaseSensitive(node, "exec");
        cJSON_DeleteItemFromObjectCaseSensitive(node, "tokenFile");
    }
    cJSON *child;
    cJSON_ArrayForEach(child, node) strip_exec(child);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    char *error = NULL;
    cJSON *doc = k8s_yaml_parse(text, &error);
    if (!doc) {
        FUZZ_CHECK(error != NULL);
        free(error);
        free(text);
        return 0;
    }
    FUZZ_CHECK(error == NULL);
    strip_exec(doc);
    char *json = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (json) {
        k8s_config *c = k8s_config_from_text(json, "/nonexistent-fuzz-dir", "kubeconfig fuzz", &error);
        if (c) {
            size_t n = strlen(c->server);
            FUZZ_CHECK(n == 0 || c->server[n - 1] != '/');
            FUZZ_CHECK(!c->ca_data || c->ca_data_len <= strlen(json));
            k8s_config_free(c);
        } else {
            FUZZ_CHECK(error != NULL);
            free(error);
        }
        cJSON_free(json);
    }
    free(text);
    return 0;
}
