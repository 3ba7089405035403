/* fuzz_sandbox_spec.c: the --spec SandboxSpec document of `sandbox create` (sandbox_spec.h)
 * and its translation into the Sandbox object (sandbox_translate.h). Invariants: a refusal
 * names a JSON path ("spec...: ...") or says the text is not JSON; an accepted spec always
 * translates into an object with apiVersion, kind, metadata and spec. */
#include <stdio.h>

#include "fuzz_util.h"
#include "sandbox_spec.h"
#include "sandbox_translate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    char *error = NULL;
    sandbox_spec *spec = sandbox_spec_parse(text, &error);
    if (!spec) {
        FUZZ_CHECK(error && (strncmp(error, "spec", 4) == 0 || strncmp(error, "not valid JSON", 14) == 0));
        free(error);
        free(text);
        return 0;
    }
    FUZZ_CHECK(error == NULL);
    sandbox_client_config config = {.namespace_ = "openshell",
                                    .default_image = "ghcr.io/nvidia/openshell/sandbox:dev",
                                    .image_pull_policy = "IfNotPresent",
                                    .grpc_endpoint = "https://openshell.openshell.svc:8080",
                                    .ssh_listen_addr = "0.0.0.0:2222",
                                    .ssh_handshake_secret = "s3cret",
                                    .ssh_handshake_skew_secs = 300,
                                    .client_tls_secret = "openshell-client-tls",
                                    .host_gateway_ip = "172.17.0.1"};
    cJSON *obj = sandbox_build_object("0f2c7c1e-4d57-4b8e-9d6a-1f0e2a3b4c5d", "fuzz", spec, &config);
    FUZZ_CHECK(cJSON_IsObject(obj));
    FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(obj, "apiVersion")));
    FUZZ_CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(obj, "metadata")));
    FUZZ_CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(obj, "spec")));
    char *printed = cJSON_PrintUnformatted(obj);
    FUZZ_CHECK(printed != NULL);
    cJSON_free(printed);
    cJSON_Delete(obj);
    sandbox_spec_free(spec);
    free(text);
    return 0;
}
