/* fuzz_kube_patch.c: PATCH bodies a client sends to the mock API server (mocks/kube/kube_patch.h):
 * JSON merge patch, strategic merge patch and JSON patch. Input: the patch, then after a NUL
 * byte an optional target document (a Deployment-like object otherwise). Invariants: a refusal
 * has a message; the inputs are left unchanged; a merge patch applied twice changes nothing
 * more (RFC 7386 is idempotent). */
#include <stdio.h>

#include "fuzz_util.h"
#include "kube_patch.h"

static const char default_target[] =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"openshell\",\"labels\":{\"a\":\"b\"}},"
    "\"spec\":{\"replicas\":1,\"template\":{\"spec\":{\"containers\":[{\"name\":\"openshell\",\"image\":\"x:1\","
    "\"env\":[{\"name\":\"A\",\"value\":\"1\"}],\"ports\":[{\"containerPort\":8080}]}],\"volumes\":[{\"name\":\"v\"}]}}}}";

typedef cJSON *(*patch_fn)(const cJSON *, const cJSON *, char **);

static cJSON *apply(patch_fn fn, const cJSON *target, const cJSON *patch)
{
    char *before_t = cJSON_PrintUnformatted(target), *before_p = cJSON_PrintUnformatted(patch);
    char *error = NULL;
    cJSON *out = fn(target, patch, &error);
    FUZZ_CHECK(out ? error == NULL : error != NULL);
    free(error);
    char *after_t = cJSON_PrintUnformatted(target), *after_p = cJSON_PrintUnformatted(patch);
    FUZZ_CHECK(strcmp(before_t, after_t) == 0 && strcmp(before_p, after_p) == 0);
    cJSON_free(before_t);
    cJSON_free(before_p);
    cJSON_free(after_t);
    cJSON_free(after_p);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *patch_text, *target_text;
    fuzz_split(data, size, &patch_text, &target_text);
    cJSON *patch = cJSON_Parse(patch_text);
    cJSON *target = *target_text ? cJSON_Parse(target_text) : NULL;
    if (!target)
        target = cJSON_Parse(default_target);
    if (patch) {
        cJSON *merged = apply(kube_merge_patch, target, patch);
        if (merged) {
            cJSON *twice = apply(kube_merge_patch, merged, patch);
            FUZZ_CHECK(!twice || cJSON_Compare(twice, merged, true));
            cJSON_Delete(twice);
        }
        cJSON_Delete(merged);
        cJSON_Delete(apply(kube_strategic_merge_patch, target, patch));
        cJSON_Delete(apply(kube_json_patch, target, patch));
    }
    cJSON_Delete(patch);
    cJSON_Delete(target);
    free(patch_text);
    free(target_text);
    return 0;
}
