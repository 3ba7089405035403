/* fuzz_kube_yaml.c: YAML as the mock API server accepts it in request bodies and kubectl
 * apply -f reads it (mocks/kube/kube_yaml.h). Invariants: a refusal has a message; every parsed
 * document printed as YAML (kubectl -o yaml) parses back to the same JSON. */
#include <stdio.h>

#include "fuzz_util.h"
#include "kube_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *error = NULL;
    cJSON *docs = kube_yaml_parse_all((const char *)data, size, &error);
    if (!docs) {
        FUZZ_CHECK(error != NULL);
        free(error);
        return 0;
    }
    FUZZ_CHECK(error == NULL && cJSON_IsArray(docs));
    const cJSON *doc;
    cJSON_ArrayForEach(doc, docs)
    {
        char *yaml = kube_yaml_emit(doc);
        cJSON *again = kube_yaml_parse(yaml, strlen(yaml), &error);
        if (!again || !cJSON_Compare(again, doc, true)) {
            char *a = cJSON_PrintUnformatted(doc), *b = again ? cJSON_PrintUnformatted(again) : NULL;
            fprintf(stderr, "YAML round trip changed %s\ninto %s\nvia:\n%s\n(%s)\n", a, b ? b : "(refused)", yaml,
                    error ? error : "");
            FUZZ_CHECK(!"round trip");
        }
        cJSON_Delete(again);
        free(yaml);
    }
    cJSON_Delete(docs);
    return 0;
}
