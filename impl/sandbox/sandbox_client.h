/* sandbox_client.h: the three Sandbox CRD calls of rules §10.1: create, delete, agent pod IP. */
#ifndef OSH_SANDBOX_CLIENT_H
#define OSH_SANDBOX_CLIENT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "k8s_client.h"

/* "/apis/agents.x-k8s.io/v1alpha1/namespaces/{ns}/sandboxes[/{name}]"; name may be NULL. Malloc'd. */
char *sandbox_resource_path(const char *namespace_, const char *name);

/* POST the object; 200/201 (and 202) give the created object in *created. Any other answer,
 * 409 AlreadyExists included, is an error. Returns 0 or -1 (err set). */
int sandbox_create(k8s_client *client, const char *namespace_, const cJSON *object, cJSON **created,
                   k8s_error *err);
/* DELETE: 200/202 -> *deleted = true, 404 -> *deleted = false, anything else an error. */
int sandbox_delete(k8s_client *client, const char *namespace_, const char *name, bool *deleted,
                   k8s_error *err);
/* GET the pod: *ip is its status.podIP in canonical form, or NULL ("none") when the pod is
 * missing (404) or its podIP is absent or not an IPv4/IPv6 address. */
int sandbox_pod_ip(k8s_client *client, const char *namespace_, const char *pod, char **ip, k8s_error *err);

/* status.podIP -> canonical address text (malloc'd) or NULL when not an IP address. */
char *sandbox_parse_pod_ip(const cJSON *pod);

#endif
