/* fuzz_gw_config.c: gateway metadata files (gw_config.h) as the CLI finds them on disk,
 * possibly hand-edited or corrupt. Invariants: a refusal says `failed to parse gateway
 * metadata`; an accepted file re-serializes to text that parses to the same serialization. */
#include <stdio.h>

#include "fuzz_util.h"
#include "gw_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    gw_metadata m;
    gw_error err = GW_ERROR_INIT;
    if (gw_metadata_parse(text, &m, &err) == 0) {
        char *json = gw_metadata_to_json(&m);
        gw_metadata again;
        gw_error err2 = GW_ERROR_INIT;
        FUZZ_CHECK(gw_metadata_parse(json, &again, &err2) == 0);
        char *json2 = gw_metadata_to_json(&again);
        FUZZ_CHECK(strcmp(json, json2) == 0);
        FUZZ_CHECK(again.gateway_port == m.gateway_port && again.is_remote == m.is_remote);
        free(json2);
        free(json);
        gw_metadata_free(&again);
        gw_metadata_free(&m);
    } else {
        FUZZ_CHECK(err.message && strcmp(err.message, "failed to parse gateway metadata") == 0);
    }
    gw_error_clear(&err);
    free(text);
    return 0;
}
