/* kube_discovery.h: the discovery documents (/version, /api, /apis, APIResourceList). */
#ifndef KUBE_DISCOVERY_H
#define KUBE_DISCOVERY_H

#include <cjson/cJSON.h>

cJSON *kube_discovery_version(void);
cJSON *kube_discovery_api_versions(void);
cJSON *kube_discovery_group_list(void);
/* APIGroup for /apis/{group}; NULL when the group is not served. */
cJSON *kube_discovery_group(const char *group);
/* APIResourceList for /api/v1 (group "") or /apis/{group}/{version}; NULL when not served. */
cJSON *kube_discovery_resource_list(const char *group, const char *version);

#endif
