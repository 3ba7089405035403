/* kube_patch.h: the three patch types of PATCH requests. Each returns a new document and
 * leaves its inputs unchanged; on failure NULL with *error set (malloc'd). */
#ifndef KUBE_PATCH_H
#define KUBE_PATCH_H

#include <cjson/cJSON.h>

/* application/merge-patch+json (RFC 7386): null deletes, objects merge, the rest replaces. */
cJSON *kube_merge_patch(const cJSON *target, const cJSON *patch, char **error);
/* application/strategic-merge-patch+json: a merge patch where lists of objects with a known
 * merge key (containers, initContainers, env, volumes, volumeMounts, ports, conditions, ...)
 * merge element by element, "$patch": "delete"/"replace" directives are honoured and the
 * "$setElementOrder/..." and "$retainKeys" directives are accepted and ignored. */
cJSON *kube_strategic_merge_patch(const cJSON *target, const cJSON *patch, char **error);
/* application/json-patch+json (RFC 6902): add, remove, replace, move, copy, test. */
cJSON *kube_json_patch(const cJSON *target, const cJSON *ops, char **error);

#endif
