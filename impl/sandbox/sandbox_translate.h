/* sandbox_translate.h: the Sandbox object sent to Kubernetes for a sandbox create
 * (rules §10.2-§10.4): envelope, spec keys, the agent pod template and the default
 * workspace claim. Pure: no I/O. */
#ifndef OSH_SANDBOX_TRANSLATE_H
#define OSH_SANDBOX_TRANSLATE_H

#include <cjson/cJSON.h>

#include "sandbox_spec.h"

/* The client configuration of §10.3. NULL strings count as empty. */
typedef struct sandbox_client_config {
    const char *namespace_;
    const char *default_image;
    const char *image_pull_policy;
    const char *grpc_endpoint;
    const char *ssh_listen_addr;
    const char *ssh_handshake_secret;
    unsigned long long ssh_handshake_skew_secs;
    const char *client_tls_secret;
    const char *host_gateway_ip;
} sandbox_client_config;

#define SANDBOX_API_GROUP "agents.x-k8s.io"
#define SANDBOX_API_VERSION "agents.x-k8s.io/v1alpha1"
#define SANDBOX_LABEL_ID "openshell.ai/sandbox-id"
#define SANDBOX_LABEL_MANAGED_BY "openshell.ai/managed-by"

/* Upsert of (key, value) into a container's env list: replaced in place, else appended (rules
 * §10.4; the driver's upsert_env is the same rule). */
void sandbox_env_upsert(cJSON *env, const char *key, const char *value);
/* The pieces of the pod both generations build alike (§10.4; the driver's
 * container_resources, volumes and mounts, §13.4): one volumeMounts entry, and the container's
 * resources: the template's, with limits["nvidia.com/gpu"] = gpu_count when gpu_count is not
 * NULL; NULL when that leaves them empty. */
cJSON *sandbox_volume_mount(const char *name, const char *path, bool read_only);
/* The volume of the client TLS secret (mode 0400). */
cJSON *sandbox_secret_volume(const char *name, const char *secret_name);
cJSON *sandbox_container_resources(const sandbox_spec *spec, const char *gpu_count);

/* The request body of a create. spec may be NULL (a sandbox without spec). */
cJSON *sandbox_build_object(const char *id, const char *name, const sandbox_spec *spec,
                            const sandbox_client_config *config);

#endif
