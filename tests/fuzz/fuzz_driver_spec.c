/* fuzz_driver_spec.c: the --spec document of `driver create` (the driver dialect of
 * sandbox_spec.h), the create validation and the create body (driver.h). Invariants: a
 * refusal names a JSON path ("spec...: ...") or says the text is not JSON; a validation
 * refusal is a message; a valid spec always builds an object whose containers hold the agent
 * with the identity variables last. */
#include <stdio.h>

#include "driver.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    char *error = NULL;
    sandbox_spec *spec = sandbox_spec_parse_dialect(text, SANDBOX_SPEC_DRIVER, &error);
    free(text);
    if (!spec) {
        FUZZ_CHECK(error && (strncmp(error, "spec", 4) == 0 || strncmp(error, "not valid JSON", 14) == 0));
        free(error);
        return 0;
    }
    driver_config config = driver_config_defaults();
    config.client_tls_secret = "openshell-client-tls";
    config.host_gateway_ip = "172.17.0.1";
    char *invalid = NULL;
    if (driver_validate_create(&config, "fuzz", spec, &invalid) != 0) {
        FUZZ_CHECK(invalid && *invalid != '\0');
        free(invalid);
        sandbox_spec_free(spec);
        return 0;
    }
    driver_create_context ctx = {.api_version = "v1beta1", .uid = 1000, .gid = 1000};
    cJSON *obj = driver_build_object("0f2c7c1e-4d57-4b8e-9d6a-1f0e2a3b4c5d", "fuzz", spec, &config, &ctx);
    const cJSON *pod = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "spec"), "podTemplate"), "spec");
    const cJSON *agent = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(pod, "containers"), 0);
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(agent, "env");
    const cJSON *last = cJSON_GetArrayItem(env, cJSON_GetArraySize(env) - 1);
    FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(agent, "name")));
    FUZZ_CHECK(strcmp(cJSON_GetObjectItemCaseSensitive(last, "name")->valuestring, "OPENSHELL_SANDBOX_GID") == 0);
    char *printed = cJSON_PrintUnformatted(obj);
    FUZZ_CHECK(printed != NULL);
    cJSON_free(printed);
    cJSON_Delete(obj);
    sandbox_spec_free(spec);
    return 0;
}
