/* driver_pod.c: spec.podTemplate of the create body (rules §13.3), the combined topology with
 * the image-volume supervisor side-load, as the reference builds it
 * (sandbox_template_to_k8s_with_validated_config, driver.rs:3430-3774, then the side-load
 * 2495-2575 and the workspace transform 3053-3151). Arrays keep the reference's order;
 * maps it iterates in hash order are taken in ascending byte order of keys. */
#include "driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"
#include "sandbox_translate.h" /* upsert_env (driver.rs:4076-4086), mounts, container_resources */

#define TLS_VOLUME "openshell-client-tls"
#define TLS_DIR "/etc/openshell-tls/client"
#define SA_TOKEN_VOLUME "openshell-sa-token"
#define SA_TOKEN_DIR "/var/run/secrets/openshell"
#define SUPERVISOR_VOLUME "openshell-supervisor-bin"
#define SUPERVISOR_DIR "/opt/openshell/bin"
#define WORKSPACE "workspace"
#define WORKSPACE_ROOT "/sandbox"
#define WORKSPACE_INIT_DIR "/workspace-pvc"
#define SA_TOKEN_TTL_SECS 3600
/* driver.rs:3120-3132, with Rust's line continuations joined. */
#define WORKSPACE_INIT_SCRIPT                                                                                    \
    "if [ ! -f " WORKSPACE_INIT_DIR "/.workspace-initialized ]; then if [ -d " WORKSPACE_ROOT " ]; then "        \
    "tmp=$(mktemp) && rm -f \"$tmp\" && (cd " WORKSPACE_ROOT " && find . -mindepth 1 -maxdepth 1 -exec tar "    \
    "-cf \"$tmp\" {} +) && if [ -f \"$tmp\" ]; then tar -C " WORKSPACE_INIT_DIR " --no-same-owner "            \
    "--no-same-permissions --touch -xf \"$tmp\" && rm -f \"$tmp\"; fi; fi && touch " WORKSPACE_INIT_DIR          \
    "/.workspace-initialized; fi"

static void env_remove(cJSON *env, const char *key)
{
    for (int i = cJSON_GetArraySize(env) - 1; i >= 0; i--) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(env, i), "name");
        if (cJSON_IsString(name) && strcmp(name->valuestring, key) == 0)
            cJSON_DeleteItemFromArray(env, i);
    }
}

/* The spec environment: spec.environment plus OPENSHELL_LOG_LEVEL (spec_pod_env, driver.rs:3282-3291). */
static void spec_env(const sandbox_spec *spec, sandbox_strmap *out)
{
    for (size_t i = 0; spec && i < spec->environment.count; i++)
        sandbox_strmap_set(out, spec->environment.keys[i], spec->environment.values[i]);
    if (spec && *spec->log_level)
        sandbox_strmap_set(out, "OPENSHELL_LOG_LEVEL", spec->log_level);
}

/* OPENSHELL_MAIN_PROCESS_SPEC (sandbox_env.rs:33-111): {"version":1,"command":[...],"tty":B}. */
static char *main_process_spec(const sandbox_spec *spec)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "version", 1);
    cJSON *command = cJSON_AddArrayToObject(doc, "command");
    bool custom = spec && spec->command;
    if (custom) {
        for (char **c = spec->command; *c; c++)
            cJSON_AddItemToArray(command, cJSON_CreateString(*c));
    } else {
        cJSON_AddItemToArray(command, cJSON_CreateString("/bin/bash"));
        cJSON_AddItemToArray(command, cJSON_CreateString("-l"));
    }
    cJSON_AddBoolToObject(doc, "tty", custom ? spec->tty : true);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return text;
}

/* OPENSHELL_TELEMETRY_ENABLED: the gateway's own setting, "true" unless 0/false/no/off
 * (telemetry.rs:326-341). */
static const char *telemetry_value(void)
{
    const char *v = getenv("OPENSHELL_TELEMETRY_ENABLED");
    char *t = osh_str_trim_dup(v ? v : "true");
    bool off = osh_str_ieq(t, "0") || osh_str_ieq(t, "false") || osh_str_ieq(t, "no") || osh_str_ieq(t, "off");
    free(t);
    return off ? "false" : "true";
}

/* build_env_list + apply_required_env + apply_resolved_identity_env (driver.rs:3937-4103). */
static cJSON *build_env(const char *id, const char *name, const sandbox_spec *spec, const driver_config *config,
                        const driver_create_context *ctx)
{
    cJSON *env = cJSON_CreateArray();
    sandbox_strmap user = {0}, from_spec = {0};
    spec_env(spec, &from_spec);
    const sandbox_template *t = spec ? spec->template_ : NULL;
    for (size_t i = 0; t && i < t->environment.count; i++) {
        sandbox_env_upsert(env, t->environment.keys[i], t->environment.values[i]);
        sandbox_strmap_set(&user, t->environment.keys[i], t->environment.values[i]);
    }
    for (size_t i = 0; i < from_spec.count; i++) {
        sandbox_env_upsert(env, from_spec.keys[i], from_spec.values[i]);
        sandbox_strmap_set(&user, from_spec.keys[i], from_spec.values[i]);
    }
    if (user.count) {
        cJSON *map = cJSON_CreateObject();
        for (size_t i = 0; i < user.count; i++)
            cJSON_AddStringToObject(map, user.keys[i], user.values[i]);
        char *json = cJSON_PrintUnformatted(map);
        sandbox_env_upsert(env, "OPENSHELL_USER_ENVIRONMENT", json);
        cJSON_free(json);
        cJSON_Delete(map);
    }
    sandbox_strmap_clear(&user);
    sandbox_strmap_clear(&from_spec);
    char *process = main_process_spec(spec);
    sandbox_env_upsert(env, "OPENSHELL_MAIN_PROCESS_SPEC", process);
    cJSON_free(process);
    sandbox_env_upsert(env, "OPENSHELL_SANDBOX_ID", id);
    sandbox_env_upsert(env, "OPENSHELL_SANDBOX", name);
    sandbox_env_upsert(env, "OPENSHELL_ENDPOINT", config->grpc_endpoint);
    sandbox_env_upsert(env, "OPENSHELL_TELEMETRY_ENABLED", telemetry_value());
    sandbox_env_upsert(env, "OPENSHELL_NETWORK_RUNTIME_CAPABILITIES", "");
    if (*config->ssh_socket_path)
        sandbox_env_upsert(env, "OPENSHELL_SSH_SOCKET_PATH", config->ssh_socket_path);
    if (*config->client_tls_secret) {
        sandbox_env_upsert(env, "OPENSHELL_TLS_CA", TLS_DIR "/ca.crt");
        sandbox_env_upsert(env, "OPENSHELL_TLS_CERT", TLS_DIR "/tls.crt");
        sandbox_env_upsert(env, "OPENSHELL_TLS_KEY", TLS_DIR "/tls.key");
    }
    sandbox_env_upsert(env, "OPENSHELL_K8S_SA_TOKEN_FILE", SA_TOKEN_DIR "/token");
    static const char *const identity[] = {"OPENSHELL_OCI_IMAGE_USER", "OPENSHELL_SANDBOX_UID", "OPENSHELL_SANDBOX_GID"};
    for (size_t i = 0; i < 3; i++)
        env_remove(env, identity[i]);
    char uid[24], gid[24];
    snprintf(uid, sizeof uid, "%lu", ctx->uid);
    snprintf(gid, sizeof gid, "%lu", ctx->gid);
    sandbox_env_upsert(env, identity[0], "");
    sandbox_env_upsert(env, identity[1], uid);
    sandbox_env_upsert(env, identity[2], gid);
    return env;
}

/* container_resources (driver.rs:3872-3934): the template's resources, GPU limit = count. */
static cJSON *build_resources(const sandbox_spec *spec)
{
    if (!spec || !(spec->gpu || spec->has_gpu_count))
        return sandbox_container_resources(spec, NULL);
    char count[24];
    snprintf(count, sizeof count, "%lu", spec->has_gpu_count ? spec->gpu_count : 1UL);
    return sandbox_container_resources(spec, count);
}

static cJSON *build_agent(const char *id, const char *name, const sandbox_spec *spec, const driver_config *config,
                          const driver_create_context *ctx, const char *image, bool inject)
{
    cJSON *agent = cJSON_CreateObject();
    cJSON_AddStringToObject(agent, "name", "agent");
    if (*image) {
        cJSON_AddStringToObject(agent, "image", image);
        if (*config->image_pull_policy)
            cJSON_AddStringToObject(agent, "imagePullPolicy", config->image_pull_policy);
    }
    cJSON_AddItemToObject(agent, "env", build_env(id, name, spec, config, ctx));
    cJSON *sc = cJSON_AddObjectToObject(agent, "securityContext");
    static const char *const caps[] = {"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYSLOG"};
    cJSON_AddItemToObject(cJSON_AddObjectToObject(sc, "capabilities"), "add", cJSON_CreateStringArray(caps, 4));
    cJSON_AddNumberToObject(sc, "runAsUser", 0);
    cJSON *mounts = cJSON_AddArrayToObject(agent, "volumeMounts");
    if (*config->client_tls_secret)
        cJSON_AddItemToArray(mounts, sandbox_volume_mount(TLS_VOLUME, TLS_DIR, true));
    cJSON_AddItemToArray(mounts, sandbox_volume_mount(SA_TOKEN_VOLUME, SA_TOKEN_DIR, true));
    for (size_t i = 0; spec && i < spec->mount_count; i++) {
        /* k8s-openapi's VolumeMount: readOnly always written, subPath when given. */
        cJSON *m = sandbox_volume_mount(spec->mounts[i].name, spec->mounts[i].path, false);
        cJSON_AddBoolToObject(m, "readOnly", spec->mounts[i].read_only);
        if (spec->mounts[i].sub_path)
            cJSON_AddStringToObject(m, "subPath", spec->mounts[i].sub_path);
        cJSON_AddItemToArray(mounts, m);
    }
    cJSON_AddItemToArray(mounts, sandbox_volume_mount(SUPERVISOR_VOLUME, SUPERVISOR_DIR, true));
    if (inject)
        cJSON_AddItemToArray(mounts, sandbox_volume_mount(WORKSPACE, WORKSPACE_ROOT, false));
    cJSON *resources = build_resources(spec);
    if (resources)
        cJSON_AddItemToObject(agent, "resources", resources);
    static const char *const command[] = {SUPERVISOR_DIR "/openshell-sandbox", "--workdir", WORKSPACE_ROOT};
    cJSON_AddItemToObject(agent, "command", cJSON_CreateStringArray(command, 3));
    return agent;
}

static cJSON *build_volumes(const sandbox_spec *spec, const driver_config *config)
{
    cJSON *volumes = cJSON_CreateArray();
    if (*config->client_tls_secret)
        cJSON_AddItemToArray(volumes, sandbox_secret_volume(TLS_VOLUME, config->client_tls_secret));
    cJSON *token = cJSON_CreateObject();
    cJSON_AddStringToObject(token, "name", SA_TOKEN_VOLUME);
    cJSON *projected = cJSON_AddObjectToObject(token, "projected");
    cJSON *source = cJSON_CreateObject();
    cJSON *sa = cJSON_AddObjectToObject(source, "serviceAccountToken");
    cJSON_AddStringToObject(sa, "audience", "openshell-gateway");
    cJSON_AddNumberToObject(sa, "expirationSeconds", SA_TOKEN_TTL_SECS);
    cJSON_AddStringToObject(sa, "path", "token");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(projected, "sources"), source);
    cJSON_AddNumberToObject(projected, "defaultMode", 256);
    cJSON_AddItemToArray(volumes, token);
    for (size_t i = 0; spec && i < spec->mount_count; i++) {
        bool seen = false; /* one volume per name, however many mounts use it */
        for (size_t j = 0; j < i; j++)
            seen = seen || strcmp(spec->mounts[j].name, spec->mounts[i].name) == 0;
        if (seen)
            continue;
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "name", spec->mounts[i].name);
        cJSON *pvc = cJSON_AddObjectToObject(v, "persistentVolumeClaim");
        cJSON_AddStringToObject(pvc, "claimName", spec->mounts[i].claim);
        cJSON_AddBoolToObject(pvc, "readOnly", spec->mounts[i].read_only);
        cJSON_AddItemToArray(volumes, v);
    }
    cJSON *supervisor = cJSON_CreateObject();
    cJSON_AddStringToObject(supervisor, "name", SUPERVISOR_VOLUME);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(supervisor, "image"), "reference", config->supervisor_image);
    cJSON_AddItemToArray(volumes, supervisor);
    return volumes;
}

static cJSON *build_workspace_init(const char *image, const driver_config *config)
{
    cJSON *init = cJSON_CreateObject();
    cJSON_AddStringToObject(init, "name", "workspace-init");
    cJSON_AddStringToObject(init, "image", image);
    static const char *const command[] = {"sh", "-c", WORKSPACE_INIT_SCRIPT};
    cJSON_AddItemToObject(init, "command", cJSON_CreateStringArray(command, 3));
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(init, "securityContext"), "runAsUser", 0);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(init, "volumeMounts"),
                         sandbox_volume_mount(WORKSPACE, WORKSPACE_INIT_DIR, false));
    if (*config->image_pull_policy)
        cJSON_AddStringToObject(init, "imagePullPolicy", config->image_pull_policy);
    return init;
}

static cJSON *strmap_object(const sandbox_strmap *map)
{
    cJSON *obj = cJSON_CreateObject();
    for (size_t i = 0; i < map->count; i++)
        cJSON_AddStringToObject(obj, map->keys[i], map->values[i]);
    return obj;
}

static cJSON *build_metadata(const char *id, const sandbox_template *t)
{
    cJSON *metadata = cJSON_CreateObject();
    if (t && t->labels.count)
        cJSON_AddItemToObject(metadata, "labels", strmap_object(&t->labels));
    cJSON *annotations = t ? strmap_object(&t->annotations) : cJSON_CreateObject();
    if (*id) {
        cJSON_DeleteItemFromObjectCaseSensitive(annotations, "openshell.io/sandbox-id");
        cJSON_AddStringToObject(annotations, "openshell.io/sandbox-id", id);
    }
    if (annotations->child)
        cJSON_AddItemToObject(metadata, "annotations", annotations);
    else
        cJSON_Delete(annotations);
    return metadata;
}

cJSON *driver_build_pod_template(const char *id, const char *name, const sandbox_spec *spec,
                                 const driver_config *config, const driver_create_context *ctx, bool inject)
{
    const sandbox_template *t = spec ? spec->template_ : NULL;
    cJSON *pod_template = cJSON_CreateObject();
    cJSON *metadata = build_metadata(id, t);
    if (metadata->child)
        cJSON_AddItemToObject(pod_template, "metadata", metadata);
    else
        cJSON_Delete(metadata);
    cJSON *pod = cJSON_AddObjectToObject(pod_template, "spec");
    if (t && *t->runtime_class_name)
        cJSON_AddStringToObject(pod, "runtimeClassName", t->runtime_class_name);
    cJSON_AddStringToObject(pod, "serviceAccountName", "default");
    cJSON_AddFalseToObject(pod, "automountServiceAccountToken");
    cJSON_AddStringToObject(pod, "restartPolicy", "Never");
    const char *image = (t && *t->image) ? t->image : config->default_image;
    cJSON_AddItemToArray(cJSON_AddArrayToObject(pod, "containers"),
                         build_agent(id, name, spec, config, ctx, image, inject));
    cJSON_AddItemToObject(pod, "volumes", build_volumes(spec, config));
    if (*config->host_gateway_ip) {
        static const char *const hostnames[] = {"host.docker.internal", "host.openshell.internal"};
        cJSON *alias = cJSON_CreateObject();
        cJSON_AddStringToObject(alias, "ip", config->host_gateway_ip);
        cJSON_AddItemToObject(alias, "hostnames", cJSON_CreateStringArray(hostnames, 2));
        cJSON_AddItemToArray(cJSON_AddArrayToObject(pod, "hostAliases"), alias);
    }
    if (inject) {
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(pod, "securityContext"), "fsGroup", (double)ctx->gid);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(pod, "initContainers"), build_workspace_init(image, config));
    }
    return pod_template;
}
