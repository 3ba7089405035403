/* kube_discovery.h: the discovery documents (/version, /api, /apis, APIResourceList). */
#ifndef KUBE_DISCOVERY_H
#define KUBE_DISCOVERY_H

#include <cjson/cJSON.h>

#include "kube_store.h"

cJSON *kube_discovery_version(void);
cJSON *kube_discovery_api_versions(void);
/* Groups of custom resources are listed only with the versions their CRD in s serves. */
cJSON *kube_discovery_group_list(kube_store *s);
/* APIGroup for /apis/{group}; NULL when the group is not served. */
cJSON *kube_discovery_group(kube_store *s, const char *group);
/* APIResourceList for /api/v1 (group "") or /apis/{group}/{version}; NULL when not served. */
cJSON *kube_discovery_resource_list(kube_store *s, const char *group, const char *version);

#endif
