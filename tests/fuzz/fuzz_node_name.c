/* fuzz_node_name.c: gateway names as the user types them (gw_names.h): the k3s node name
 * normalization (rules §2), validation (rules §3.2) and the resource name. Invariants of the node
 * name: "openshell-" + suffix, 11..253 bytes, only [a-z0-9-], the suffix neither starts nor
 * ends with '-', and normalizing the suffix again gives the same name. */
#include <stdio.h>

#include "fuzz_util.h"
#include "gw_names.h"

static void check_node_name(const char *name, size_t len)
{
    char *node = gw_node_name(name, len);
    size_t n = strlen(node), prefix = strlen(GW_NODE_PREFIX);
    FUZZ_CHECK(n >= 11 && n <= 253);
    FUZZ_CHECK(strncmp(node, GW_NODE_PREFIX, prefix) == 0);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((node[i] >= 'a' && node[i] <= 'z') || (node[i] >= '0' && node[i] <= '9') || node[i] == '-');
    const char *suffix = node + prefix;
    FUZZ_CHECK(suffix[0] != '-' && node[n - 1] != '-');
    char *again = gw_node_name(suffix, strlen(suffix));
    FUZZ_CHECK(strcmp(again, node) == 0);
    free(again);
    free(node);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_node_name((const char *)data, size);
    char *name = fuzz_strndup(data, size);
    gw_error err = GW_ERROR_INIT;
    if (gw_validate_name(name, &err) == 0) {
        FUZZ_CHECK(*name && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !strchr(name, '/'));
        char *resource = gw_resource_name(name);
        FUZZ_CHECK(strncmp(resource, "openshell-cluster-", 18) == 0 && strcmp(resource + 18, name) == 0);
        free(resource);
    } else {
        FUZZ_CHECK(err.code == GW_E_USAGE && err.message);
    }
    gw_error_clear(&err);
    free(name);
    return 0;
}
