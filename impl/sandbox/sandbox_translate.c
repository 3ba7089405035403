/* sandbox_translate.c: SandboxSpec + client configuration -> Sandbox object (rules §10.2-§10.4).
 * Key insertion order follows the golden documents of §10.5 so --dry-run output reads like
 * them, although key order carries no meaning. */
#include "sandbox_translate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLS_MOUNT_PATH "/etc/openshell-tls/client"
#define TLS_VOLUME_NAME "openshell-client-tls"
#define SUPERVISOR_VOLUME_NAME "openshell-supervisor-bin"
#define SUPERVISOR_DIR "/opt/openshell/bin"
#define SUPERVISOR_BINARY SUPERVISOR_DIR "/openshell-sandbox"
#define WORKSPACE_NAME "workspace"
#define WORKSPACE_INIT_SCRIPT                                                                      \
    "if [ ! -f /workspace-pvc/.workspace-initialized ]; then if [ -d /sandbox ]; then cp -a "      \
    "/sandbox/. /workspace-pvc/; fi && touch /workspace-pvc/.workspace-initialized; fi"

static const char *str_or_empty(const char *s) { return s ? s : ""; }
static int is_set(const char *s) { return s && *s; }

void sandbox_env_upsert(cJSON *env, const char *key, const char *value)
{
    cJSON *entry;
    cJSON_ArrayForEach(entry, env)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(entry, "name");
        if (cJSON_IsString(name) && strcmp(name->valuestring, key) == 0) {
            cJSON_ReplaceItemInObjectCaseSensitive(entry, "value", cJSON_CreateString(value));
            return;
        }
    }
    entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "name", key);
    cJSON_AddStringToObject(entry, "value", value);
    cJSON_AddItemToArray(env, entry);
}

static void env_upsert_map(cJSON *env, const sandbox_strmap *map)
{
    for (size_t i = 0; i < map->count; i++)
        sandbox_env_upsert(env, map->keys[i], map->values[i]);
}

static cJSON *build_env(const char *id, const char *name, const sandbox_spec *spec,
                        const sandbox_client_config *config)
{
    cJSON *env = cJSON_CreateArray();
    if (spec && spec->template_)
        env_upsert_map(env, &spec->template_->environment);
    if (spec)
        env_upsert_map(env, &spec->environment);
    sandbox_env_upsert(env, "OPENSHELL_SANDBOX_ID", id);
    sandbox_env_upsert(env, "OPENSHELL_SANDBOX", name);
    sandbox_env_upsert(env, "OPENSHELL_ENDPOINT", str_or_empty(config->grpc_endpoint));
    sandbox_env_upsert(env, "OPENSHELL_SANDBOX_COMMAND", "sleep infinity");
    if (is_set(config->ssh_listen_addr))
        sandbox_env_upsert(env, "OPENSHELL_SSH_LISTEN_ADDR", config->ssh_listen_addr);
    sandbox_env_upsert(env, "OPENSHELL_SSH_HANDSHAKE_SECRET", str_or_empty(config->ssh_handshake_secret));
    char skew[32];
    snprintf(skew, sizeof skew, "%llu", config->ssh_handshake_skew_secs);
    sandbox_env_upsert(env, "OPENSHELL_SSH_HANDSHAKE_SKEW_SECS", skew);
    if (is_set(config->client_tls_secret)) {
        sandbox_env_upsert(env, "OPENSHELL_TLS_CA", TLS_MOUNT_PATH "/ca.crt");
        sandbox_env_upsert(env, "OPENSHELL_TLS_CERT", TLS_MOUNT_PATH "/tls.crt");
        sandbox_env_upsert(env, "OPENSHELL_TLS_KEY", TLS_MOUNT_PATH "/tls.key");
    }
    return env;
}

cJSON *sandbox_volume_mount(const char *name, const char *path, bool read_only)
{
    cJSON *mount = cJSON_CreateObject();
    cJSON_AddStringToObject(mount, "name", name);
    cJSON_AddStringToObject(mount, "mountPath", path);
    if (read_only)
        cJSON_AddTrueToObject(mount, "readOnly");
    return mount;
}

cJSON *sandbox_secret_volume(const char *name, const char *secret_name)
{
    cJSON *volume = cJSON_CreateObject();
    cJSON_AddStringToObject(volume, "name", name);
    cJSON *secret = cJSON_AddObjectToObject(volume, "secret");
    cJSON_AddStringToObject(secret, "secretName", secret_name);
    cJSON_AddNumberToObject(secret, "defaultMode", 256); /* 0400 */
    return volume;
}

cJSON *sandbox_container_resources(const sandbox_spec *spec, const char *gpu_count)
{
    const sandbox_template *t = spec ? spec->template_ : NULL;
    /* The spec parser admits only an object (or nothing) as template.resources. */
    cJSON *resources = (t && t->resources) ? cJSON_Duplicate(t->resources, 1) : cJSON_CreateObject();
    if (gpu_count) {
        cJSON *limits = cJSON_GetObjectItemCaseSensitive(resources, "limits");
        if (!cJSON_IsObject(limits)) {
            cJSON_DeleteItemFromObjectCaseSensitive(resources, "limits");
            limits = cJSON_AddObjectToObject(resources, "limits");
        }
        cJSON_DeleteItemFromObjectCaseSensitive(limits, "nvidia.com/gpu");
        cJSON_AddStringToObject(limits, "nvidia.com/gpu", gpu_count);
    }
    if (!resources->child) {
        cJSON_Delete(resources);
        return NULL;
    }
    return resources;
}

static cJSON *security_context(int with_capabilities)
{
    cJSON *sc = cJSON_CreateObject();
    if (with_capabilities) {
        static const char *caps[] = {"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYSLOG"};
        cJSON *capabilities = cJSON_AddObjectToObject(sc, "capabilities");
        cJSON_AddItemToObject(capabilities, "add", cJSON_CreateStringArray(caps, 4));
    }
    cJSON_AddNumberToObject(sc, "runAsUser", 0);
    return sc;
}

static cJSON *build_agent_container(const char *id, const char *name, const sandbox_spec *spec,
                                    const sandbox_client_config *config, const char *image, int inject)
{
    cJSON *agent = cJSON_CreateObject();
    cJSON_AddStringToObject(agent, "name", "agent");
    if (*image) {
        cJSON_AddStringToObject(agent, "image", image);
        if (is_set(config->image_pull_policy))
            cJSON_AddStringToObject(agent, "imagePullPolicy", config->image_pull_policy);
    }
    cJSON_AddItemToObject(agent, "env", build_env(id, name, spec, config));
    cJSON_AddItemToObject(agent, "securityContext", security_context(1));
    cJSON *mounts = cJSON_AddArrayToObject(agent, "volumeMounts");
    if (is_set(config->client_tls_secret))
        cJSON_AddItemToArray(mounts, sandbox_volume_mount(TLS_VOLUME_NAME, TLS_MOUNT_PATH, true));
    cJSON_AddItemToArray(mounts, sandbox_volume_mount(SUPERVISOR_VOLUME_NAME, SUPERVISOR_DIR, true));
    if (inject)
        cJSON_AddItemToArray(mounts, sandbox_volume_mount(WORKSPACE_NAME, "/sandbox", false));
    cJSON *resources = sandbox_container_resources(spec, spec && spec->gpu ? "1" : NULL);
    if (resources)
        cJSON_AddItemToObject(agent, "resources", resources);
    static const char *command[] = {SUPERVISOR_BINARY};
    cJSON_AddItemToObject(agent, "command", cJSON_CreateStringArray(command, 1));
    return agent;
}

static cJSON *build_volumes(const sandbox_client_config *config)
{
    cJSON *volumes = cJSON_CreateArray();
    if (is_set(config->client_tls_secret))
        cJSON_AddItemToArray(volumes, sandbox_secret_volume(TLS_VOLUME_NAME, config->client_tls_secret));
    cJSON *supervisor = cJSON_CreateObject();
    cJSON_AddStringToObject(supervisor, "name", SUPERVISOR_VOLUME_NAME);
    cJSON *host_path = cJSON_AddObjectToObject(supervisor, "hostPath");
    cJSON_AddStringToObject(host_path, "path", SUPERVISOR_DIR);
    cJSON_AddStringToObject(host_path, "type", "DirectoryOrCreate");
    cJSON_AddItemToArray(volumes, supervisor);
    return volumes;
}

static cJSON *build_host_aliases(const char *ip)
{
    static const char *hostnames[] = {"host.docker.internal", "host.openshell.internal"};
    cJSON *alias = cJSON_CreateObject();
    cJSON_AddStringToObject(alias, "ip", ip);
    cJSON_AddItemToObject(alias, "hostnames", cJSON_CreateStringArray(hostnames, 2));
    cJSON *aliases = cJSON_CreateArray();
    cJSON_AddItemToArray(aliases, alias);
    return aliases;
}

/* The workspace-init container: copies the image's /sandbox into the claim once. */
static cJSON *build_workspace_init(const char *image)
{
    cJSON *init = cJSON_CreateObject();
    cJSON_AddStringToObject(init, "name", "workspace-init");
    cJSON_AddStringToObject(init, "image", image);
    static const char *command[] = {"sh", "-c", WORKSPACE_INIT_SCRIPT};
    cJSON_AddItemToObject(init, "command", cJSON_CreateStringArray(command, 3));
    cJSON_AddItemToObject(init, "securityContext", security_context(0));
    cJSON *mounts = cJSON_AddArrayToObject(init, "volumeMounts");
    cJSON_AddItemToArray(mounts, sandbox_volume_mount(WORKSPACE_NAME, "/workspace-pvc", false));
    cJSON *list = cJSON_CreateArray();
    cJSON_AddItemToArray(list, init);
    return list;
}

static cJSON *strmap_to_object(const sandbox_strmap *map)
{
    cJSON *obj = cJSON_CreateObject();
    for (size_t i = 0; i < map->count; i++)
        cJSON_AddStringToObject(obj, map->keys[i], map->values[i]);
    return obj;
}

static cJSON *build_pod_template(const char *id, const char *name, const sandbox_spec *spec,
                                 const sandbox_client_config *config, int inject)
{
    const sandbox_template *t = spec ? spec->template_ : NULL;
    cJSON *pod_template = cJSON_CreateObject();
    if (t && (t->labels.count || t->annotations.count)) {
        cJSON *metadata = cJSON_AddObjectToObject(pod_template, "metadata");
        if (t->labels.count)
            cJSON_AddItemToObject(metadata, "labels", strmap_to_object(&t->labels));
        if (t->annotations.count)
            cJSON_AddItemToObject(metadata, "annotations", strmap_to_object(&t->annotations));
    }
    cJSON *pod_spec = cJSON_AddObjectToObject(pod_template, "spec");
    if (t && *t->runtime_class_name)
        cJSON_AddStringToObject(pod_spec, "runtimeClassName", t->runtime_class_name);
    const char *image = (t && *t->image) ? t->image : str_or_empty(config->default_image);
    cJSON *containers = cJSON_AddArrayToObject(pod_spec, "containers");
    cJSON_AddItemToArray(containers, build_agent_container(id, name, spec, config, image, inject));
    cJSON_AddItemToObject(pod_spec, "volumes", build_volumes(config));
    if (is_set(config->host_gateway_ip))
        cJSON_AddItemToObject(pod_spec, "hostAliases", build_host_aliases(config->host_gateway_ip));
    if (inject)
        cJSON_AddItemToObject(pod_spec, "initContainers", build_workspace_init(image));
    return pod_template;
}

static cJSON *default_volume_claim_templates(void)
{
    return cJSON_Parse("[{\"metadata\": {\"name\": \"workspace\"}, \"spec\": {\"accessModes\": "
                       "[\"ReadWriteOnce\"], \"resources\": {\"requests\": {\"storage\": \"2Gi\"}}}}]");
}

static cJSON *build_spec(const char *id, const char *name, const sandbox_spec *spec,
                         const sandbox_client_config *config)
{
    const sandbox_template *t = spec ? spec->template_ : NULL;
    int user_vct = t && t->volume_claim_templates;
    cJSON *out = cJSON_CreateObject();
    if (spec && *spec->log_level)
        cJSON_AddStringToObject(out, "logLevel", spec->log_level);
    if (spec && spec->environment.count)
        cJSON_AddItemToObject(out, "environment", strmap_to_object(&spec->environment));
    cJSON_AddItemToObject(out, "podTemplate", build_pod_template(id, name, spec, config, !user_vct));
    if (t && *t->agent_socket)
        cJSON_AddStringToObject(out, "agentSocket", t->agent_socket);
    cJSON_AddItemToObject(out, "volumeClaimTemplates",
                          user_vct ? cJSON_Duplicate(t->volume_claim_templates, 1)
                                   : default_volume_claim_templates());
    return out;
}

cJSON *sandbox_build_object(const char *id, const char *name, const sandbox_spec *spec,
                            const sandbox_client_config *config)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "apiVersion", SANDBOX_API_VERSION);
    cJSON_AddStringToObject(obj, "kind", "Sandbox");
    cJSON *metadata = cJSON_AddObjectToObject(obj, "metadata");
    cJSON_AddStringToObject(metadata, "name", name);
    cJSON_AddStringToObject(metadata, "namespace", str_or_empty(config->namespace_));
    cJSON *labels = cJSON_AddObjectToObject(metadata, "labels");
    cJSON_AddStringToObject(labels, SANDBOX_LABEL_ID, id);
    cJSON_AddStringToObject(labels, SANDBOX_LABEL_MANAGED_BY, "openshell");
    cJSON_AddItemToObject(obj, "spec", build_spec(id, name, spec, config));
    return obj;
}
