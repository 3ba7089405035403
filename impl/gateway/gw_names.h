/* gw_names.h: what a gateway name turns into: validation (rules §3.2), the k3s node name
 * (rules §2) and the Docker resource names (rules §0). */
#ifndef GW_NAMES_H
#define GW_NAMES_H

#include <stddef.h>

#include "gw_error.h"

#define GW_DEFAULT_NAME "openshell"
#define GW_NODE_PREFIX "openshell-"
#define GW_NODE_SUFFIX_MAX 243 /* 253 (Kubernetes name limit) - strlen("openshell-") */

/* Normalized node name of len bytes of name (may contain NUL bytes); malloc'd. */
char *gw_node_name(const char *name, size_t len);

/* 0 when name may be used for containers and file paths; else -1 with GW_E_USAGE (a bad
 * gateway name is a usage error, rules §3.5) and the rules §3.2 key phrase. */
int gw_validate_name(const char *name, gw_error *err);

/* "openshell-cluster-{name}": the container, the volume and the network; malloc'd. */
char *gw_resource_name(const char *name);

#endif
