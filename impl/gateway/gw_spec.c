/* gw_spec.c: host environment, SANs, image references and the container create body. */
#include "gw_spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

char *gw_env_trimmed(const char *name)
{
    const char *v = getenv(name);
    if (!v)
        return NULL;
    char *t = osh_str_trim_dup(v);
    if (!*t) {
        free(t);
        return NULL;
    }
    return t;
}

static bool truthy(const char *v)
{
    return v && (osh_str_ieq(v, "1") || osh_str_ieq(v, "true") || osh_str_ieq(v, "yes") || osh_str_ieq(v, "on"));
}

void gw_host_env_read(gw_host_env *env)
{
    memset(env, 0, sizeof(*env));
    env->docker_host = gw_env_trimmed("DOCKER_HOST");
    env->cluster_image = gw_env_trimmed("OPENSHELL_CLUSTER_IMAGE");
    env->image_tag = gw_env_trimmed("IMAGE_TAG");
    env->registry_host = gw_env_trimmed("OPENSHELL_REGISTRY_HOST");
    env->registry_namespace = gw_env_trimmed("OPENSHELL_REGISTRY_NAMESPACE");
    env->image_repo_base = gw_env_trimmed("IMAGE_REPO_BASE");
    env->openshell_image_repo_base = gw_env_trimmed("OPENSHELL_IMAGE_REPO_BASE");
    char *insecure = gw_env_trimmed("OPENSHELL_REGISTRY_INSECURE");
    env->registry_insecure = truthy(insecure);
    free(insecure);
    env->registry_endpoint = gw_env_trimmed("OPENSHELL_REGISTRY_ENDPOINT");
    env->registry_username = gw_env_trimmed("OPENSHELL_REGISTRY_USERNAME");
    env->registry_password = gw_env_trimmed("OPENSHELL_REGISTRY_PASSWORD");
    char *push = gw_env_trimmed("OPENSHELL_PUSH_IMAGES");
    if (push)
        env->push_images_raw = osh_str_dup(getenv("OPENSHELL_PUSH_IMAGES"));
    free(push);
}

void gw_host_env_free(gw_host_env *env)
{
    char **fields[] = {&env->docker_host, &env->cluster_image, &env->image_tag, &env->registry_host,
                       &env->registry_namespace, &env->image_repo_base, &env->openshell_image_repo_base,
                       &env->registry_endpoint, &env->registry_username, &env->registry_password,
                       &env->push_images_raw};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
}

void gw_strv_push(gw_strv *v, const char *s)
{
    char **grown = realloc(v->items, sizeof(char *) * (v->len + 2));
    if (!grown)
        abort();
    v->items = grown;
    v->items[v->len++] = osh_str_dup(s);
    v->items[v->len] = NULL;
}

bool gw_strv_contains(const gw_strv *v, const char *s)
{
    for (size_t i = 0; i < v->len; i++)
        if (strcmp(v->items[i], s) == 0)
            return true;
    return false;
}

void gw_strv_free(gw_strv *v)
{
    for (size_t i = 0; i < v->len; i++)
        free(v->items[i]);
    free(v->items);
    v->items = NULL;
    v->len = 0;
}

char *gw_local_host_from_docker_host(const char *docker_host)
{
    if (!docker_host || !osh_str_starts_with(docker_host, "tcp://"))
        return NULL;
    const char *auth = docker_host + strlen("tcp://");
    size_t auth_len = strcspn(auth, "/");
    if (auth_len == 0)
        return NULL;
    char *authority = osh_str_ndup(auth, auth_len);
    char *host;
    if (authority[0] == '[') {
        size_t end = strcspn(authority + 1, "]");
        host = osh_str_ndup(authority + 1, end);
    } else {
        host = osh_str_ndup(authority, strcspn(authority, ":"));
    }
    free(authority);
    char *trimmed = osh_str_trim_dup(host);
    free(host);
    if (!*trimmed || strcmp(trimmed, "localhost") == 0 || strcmp(trimmed, "127.0.0.1") == 0 ||
        strcmp(trimmed, "::1") == 0) {
        free(trimmed);
        return NULL;
    }
    return trimmed;
}

void gw_sans_add(gw_strv *sans, const char *host)
{
    if (host && *host && !gw_strv_contains(sans, host))
        gw_strv_push(sans, host);
}

char *gw_image_ref(const char *flag_image, const gw_host_env *env)
{
    if (flag_image && *flag_image)
        return osh_str_dup(flag_image);
    if (env->cluster_image)
        return osh_str_dup(env->cluster_image);
    return osh_str_printf("ghcr.io/nvidia/openshell/cluster:%s", env->image_tag ? env->image_tag : "dev");
}

void gw_image_ref_split(const char *ref, char **repo, char **tag)
{
    if (strchr(ref, '@')) {
        *repo = osh_str_dup(ref);
        *tag = osh_str_dup("");
        return;
    }
    const char *colon = strrchr(ref, ':');
    if (colon && !strchr(colon + 1, '/')) {
        *repo = osh_str_ndup(ref, (size_t)(colon - ref));
        *tag = osh_str_dup(colon + 1);
        return;
    }
    *repo = osh_str_dup(ref);
    *tag = osh_str_dup("latest");
}

bool gw_image_ref_is_local(const char *ref)
{
    char *repo, *tag;
    gw_image_ref_split(ref, &repo, &tag);
    bool local = strchr(repo, '/') == NULL;
    free(repo);
    free(tag);
    return local;
}

void gw_gpu_resolve(bool gpu_requested, bool cdi_supported, gw_strv *out)
{
    if (!gpu_requested)
        return;
    gw_strv_push(out, cdi_supported ? "nvidia.com/gpu=all" : "legacy");
}

static void env_add(cJSON *arr, const char *key, const char *value)
{
    char *entry = osh_str_printf("%s=%s", key, value);
    cJSON_AddItemToArray(arr, cJSON_CreateString(entry));
    free(entry);
}

static char *repo_base(const gw_host_env *env, const char *registry_host)
{
    if (env->image_repo_base)
        return osh_str_dup(env->image_repo_base);
    if (env->openshell_image_repo_base)
        return osh_str_dup(env->openshell_image_repo_base);
    if (strcmp(registry_host, "ghcr.io") == 0)
        return osh_str_dup("ghcr.io/nvidia/openshell");
    return osh_str_printf("%s/%s", registry_host, env->registry_namespace ? env->registry_namespace : "openshell");
}

static void env_add_registry(cJSON *arr, const gw_container_spec *s)
{
    const gw_host_env *env = s->env;
    const char *password = env->registry_password ? env->registry_password
                           : (s->registry_token && *s->registry_token) ? s->registry_token
                                                                        : NULL;
    if (!password)
        return;
    const char *user = env->registry_username ? env->registry_username
                       : (s->registry_username && *s->registry_username) ? s->registry_username
                                                                          : "__token__";
    env_add(arr, "REGISTRY_USERNAME", user);
    env_add(arr, "REGISTRY_PASSWORD", password);
}

static void env_add_sans(cJSON *arr, const gw_container_spec *s)
{
    if (!s->sans || s->sans->len == 0)
        return;
    char *joined = osh_str_dup("");
    for (size_t i = 0; i < s->sans->len; i++) {
        char *next = osh_str_printf("%s%s%s", joined, i ? "," : "", s->sans->items[i]);
        free(joined);
        joined = next;
    }
    env_add(arr, "EXTRA_SANS", joined);
    free(joined);
}

cJSON *gw_container_env(const gw_container_spec *s)
{
    const gw_host_env *env = s->env;
    const char *registry_host = env->registry_host ? env->registry_host : "ghcr.io";
    cJSON *arr = cJSON_CreateArray();
    env_add(arr, "REGISTRY_MODE", "external");
    env_add(arr, "REGISTRY_HOST", registry_host);
    env_add(arr, "REGISTRY_INSECURE", env->registry_insecure ? "true" : "false");
    char *base = repo_base(env, registry_host);
    env_add(arr, "IMAGE_REPO_BASE", base);
    free(base);
    env_add(arr, "OPENSHELL_NODE_NAME", s->node_name);
    if (env->registry_endpoint)
        env_add(arr, "REGISTRY_ENDPOINT", env->registry_endpoint);
    env_add_registry(arr, s);
    env_add_sans(arr, s);
    if (s->ssh_gateway_host) {
        char port[16];
        snprintf(port, sizeof(port), "%d", s->host_port);
        env_add(arr, "SSH_GATEWAY_HOST", s->ssh_gateway_host);
        env_add(arr, "SSH_GATEWAY_PORT", port);
    }
    if (env->push_images_raw) {
        env_add(arr, "PUSH_IMAGE_REFS", env->push_images_raw);
        env_add(arr, "IMAGE_TAG", env->image_tag ? env->image_tag : "dev");
        env_add(arr, "IMAGE_PULL_POLICY", "IfNotPresent");
    } else if (env->image_tag) {
        env_add(arr, "IMAGE_TAG", env->image_tag);
    }
    if (s->plaintext)
        env_add(arr, "DISABLE_TLS", "true");
    if (s->plaintext || s->disable_gateway_auth)
        env_add(arr, "DISABLE_GATEWAY_AUTH", "true");
    if (s->gpu_devices && s->gpu_devices->len > 0)
        env_add(arr, "GPU_ENABLED", "true");
    return arr;
}

cJSON *gw_container_cmd(const gw_container_spec *s)
{
    cJSON *arr = cJSON_CreateArray();
    const char *fixed[] = {"server", "--disable=traefik", "--tls-san=127.0.0.1", "--tls-san=localhost",
                           "--tls-san=host.docker.internal"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(fixed[i]));
    for (size_t i = 0; s->sans && i < s->sans->len; i++) {
        char *arg = osh_str_printf("--tls-san=%s", s->sans->items[i]);
        cJSON_AddItemToArray(arr, cJSON_CreateString(arg));
        free(arg);
    }
    return arr;
}

static cJSON *device_requests(const gw_strv *devices)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON *req = cJSON_CreateObject();
    if (devices->len == 1 && strcmp(devices->items[0], "legacy") == 0) {
        cJSON_AddStringToObject(req, "Driver", "nvidia");
        cJSON_AddNumberToObject(req, "Count", -1);
        const char *caps[] = {"gpu", "utility", "compute"};
        cJSON *outer = cJSON_AddArrayToObject(req, "Capabilities");
        cJSON_AddItemToArray(outer, cJSON_CreateStringArray(caps, 3));
    } else {
        cJSON_AddStringToObject(req, "Driver", "cdi");
        cJSON_AddItemToObject(req, "DeviceIDs", cJSON_CreateStringArray((const char *const *)devices->items,
                                                                        (int)devices->len));
    }
    cJSON_AddItemToArray(arr, req);
    return arr;
}

static cJSON *host_config(const gw_container_spec *s, const char *resource)
{
    cJSON *hc = cJSON_CreateObject();
    cJSON_AddBoolToObject(hc, "Privileged", 1);
    cJSON_AddStringToObject(hc, "CgroupnsMode", "host");
    cJSON *bindings = cJSON_AddObjectToObject(hc, "PortBindings");
    cJSON *list = cJSON_AddArrayToObject(bindings, "30051/tcp");
    cJSON *binding = cJSON_CreateObject();
    char port[16];
    snprintf(port, sizeof(port), "%d", s->host_port);
    cJSON_AddStringToObject(binding, "HostIp", "0.0.0.0");
    cJSON_AddStringToObject(binding, "HostPort", port);
    cJSON_AddItemToArray(list, binding);
    char *bind = osh_str_printf("%s:/var/lib/rancher/k3s", resource);
    cJSON *binds = cJSON_AddArrayToObject(hc, "Binds");
    cJSON_AddItemToArray(binds, cJSON_CreateString(bind));
    free(bind);
    cJSON_AddStringToObject(hc, "NetworkMode", resource);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(hc, "RestartPolicy"), "Name", "unless-stopped");
    const char *hosts[] = {"host.docker.internal:host-gateway", "host.openshell.internal:host-gateway"};
    cJSON_AddItemToObject(hc, "ExtraHosts", cJSON_CreateStringArray(hosts, 2));
    if (s->gpu_devices && s->gpu_devices->len > 0)
        cJSON_AddItemToObject(hc, "DeviceRequests", device_requests(s->gpu_devices));
    return hc;
}

cJSON *gw_container_create_body(const gw_container_spec *s)
{
    char *resource = osh_str_printf("openshell-cluster-%s", s->name);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "Image", s->image_ref);
    cJSON_AddStringToObject(body, "Hostname", s->node_name);
    cJSON_AddItemToObject(body, "Cmd", gw_container_cmd(s));
    cJSON_AddItemToObject(body, "Env", gw_container_env(s));
    cJSON_AddObjectToObject(cJSON_AddObjectToObject(body, "ExposedPorts"), "30051/tcp");
    cJSON_AddItemToObject(body, "HostConfig", host_config(s, resource));
    free(resource);
    return body;
}
