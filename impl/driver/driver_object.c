/* driver_object.c: the create side of rules §13.3 that is not the pod: input validation (all
 * of it before any request), the CR name, the UID/GID resolution, and the Sandbox envelope
 * (labels, annotations, spec). The pod template is driver_pod.c. */
#include "driver.h"

#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

#define WORKSPACE_ROOT "/sandbox"
#define SA_TOKEN_DIR "/var/run/secrets/openshell"

driver_config driver_config_defaults(void)
{
    return (driver_config){
        .namespace_ = "openshell",
        .gateway_id = "openshell",
        .workspace = "default",
        .api_version = "auto",
        .default_image = "",
        .image_pull_policy = "",
        .grpc_endpoint = "",
        .client_tls_secret = "",
        .host_gateway_ip = "",
        .supervisor_image = "ghcr.io/nvidia/openshell/supervisor:dev",
        .ssh_socket_path = "/run/openshell/ssh.sock",
        .storage_size = "2Gi",
        .storage_class = "",
    };
}

char *driver_cr_name(const driver_config *config, const char *name)
{
    return osh_str_printf("%s--%s", config->workspace, name);
}

bool driver_is_dns_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* A DNS-1123 subdomain: at most 253, dot-separated labels. */
static bool is_dns_subdomain(const char *s)
{
    if (strlen(s) > 253 || !*s)
        return false;
    char *copy = osh_str_dup(s);
    bool ok = true;
    char *save = NULL;
    size_t parts = 0;
    for (char *part = strtok_r(copy, ".", &save); part; part = strtok_r(NULL, ".", &save), parts++)
        ok = ok && driver_is_dns_label(part);
    ok = ok && s[0] != '.' && s[strlen(s) - 1] != '.' && !strstr(s, "..") && parts > 0;
    free(copy);
    return ok;
}

/* Path-component containment, as Rust's Path::starts_with: "/sandbox/x" is under "/sandbox",
 * "/sandboxes" is not. Trailing slashes are ignored. */
static bool path_is_or_under(const char *path, const char *parent)
{
    size_t pn = strlen(parent);
    while (pn > 1 && parent[pn - 1] == '/')
        pn--;
    if (strncmp(path, parent, pn) != 0)
        return false;
    const char *rest = path + pn;
    return *rest == '\0' || *rest == '/' || (pn == 1 && parent[0] == '/');
}

/* -1 with *error set to message (malloc'd): the validators' one way to refuse. */
static int refuse(char **error, char *message)
{
    *error = message;
    return -1;
}

/* The checks the reference applies to driver_config mounts (driver.rs:318-366,
 * driver_mounts.rs:200-208), for the harness's simpler `mounts` list. */
static int validate_mount(const sandbox_spec *spec, size_t i, char **error)
{
    const sandbox_mount *m = &spec->mounts[i];
    if (!driver_is_dns_label(m->name))
        return refuse(error, osh_str_printf("spec.mounts[%zu].name '%s' must be a DNS-1123 label", i, m->name));
    if (strcmp(m->name, "workspace") == 0 || osh_str_starts_with(m->name, "openshell-") ||
        strcmp(m->name, "spiffe-workload-api") == 0)
        return refuse(error, osh_str_printf("volume name '%s' is reserved for OpenShell-managed volumes", m->name));
    if (!is_dns_subdomain(m->claim))
        return refuse(error, osh_str_printf("spec.mounts[%zu].claim '%s' must be a DNS-1123 subdomain", i, m->claim));
    if (m->path[0] != '/' || strcmp(m->path, "/") == 0 || strstr(m->path, "/../") || strstr(m->path, "/./") ||
        osh_str_ends_with(m->path, "/..") || osh_str_ends_with(m->path, "/."))
        return refuse(error, osh_str_printf("mount target '%s' must be an absolute, normalized path below the root",
                                            m->path));
    if (path_is_or_under(WORKSPACE_ROOT, m->path))
        return refuse(error, osh_str_printf("mount target '%s' is reserved for the OpenShell workspace", m->path));
    if (path_is_or_under(m->path, SA_TOKEN_DIR) || path_is_or_under(SA_TOKEN_DIR, m->path))
        return refuse(error, osh_str_printf("mount path '%s' conflicts with reserved OpenShell path '%s'", m->path,
                                            SA_TOKEN_DIR));
    for (size_t j = 0; j < i; j++) {
        if (strcmp(spec->mounts[j].name, m->name) == 0 && strcmp(spec->mounts[j].claim, m->claim) != 0)
            return refuse(error, osh_str_printf("duplicate kubernetes driver_config volume '%s'", m->name));
        if (path_is_or_under(spec->mounts[j].path, m->path) && path_is_or_under(m->path, spec->mounts[j].path))
            return refuse(error, osh_str_printf("duplicate kubernetes driver_config mount target '%s'", m->path));
    }
    return 0;
}

int driver_validate_create(const driver_config *config, const char *name, const sandbox_spec *spec,
                          char **error)
{
    /* The reference's order: GPU count, name, then (ValidateSandboxCreate) the length. */
    if (spec && spec->has_gpu_count && spec->gpu_count == 0)
        return refuse(error, osh_str_dup("gpu count must be greater than 0"));
    if (!driver_is_dns_label(name))
        return refuse(error, osh_str_dup("sandbox name must be a DNS-1123 label: use lowercase alphanumeric "
                                         "characters or '-', start and end with an alphanumeric character, and "
                                         "use at most 63 characters"));
    size_t n = strlen(config->workspace) + 2 + strlen(name);
    if (n > DRIVER_MAX_KUBE_NAME)
        return refuse(error, osh_str_printf("combined Kubernetes resource name '%s--%s' is %zu characters, "
                                            "exceeding the DNS-1123 limit of %d",
                                            config->workspace, name, n, DRIVER_MAX_KUBE_NAME));
    for (size_t i = 0; spec && i < spec->mount_count; i++) {
        if (validate_mount(spec, i, error) != 0)
            return -1;
    }
    return 0;
}

/* "<start>/<size>" with start in 1..4294967294 (config.rs:639-655). */
static bool parse_range_start(const cJSON *annotations, const char *key, unsigned long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(annotations, key);
    if (!cJSON_IsString(v))
        return false;
    const char *slash = strchr(v->valuestring, '/');
    if (!slash)
        return false;
    char *head = osh_str_ndup(v->valuestring, (size_t)(slash - v->valuestring));
    char *start = osh_str_trim_dup(head);
    free(head);
    char *end = NULL;
    bool ok = start[0] >= '0' && start[0] <= '9';
    unsigned long long value = ok ? strtoull(start, &end, 10) : 0;
    ok = ok && end && *end == '\0' && value >= 1 && value <= 4294967294ULL;
    free(start);
    if (ok)
        *out = (unsigned long)value;
    return ok;
}

void driver_resolve_identity(const driver_config *config, const cJSON *namespace_annotations, unsigned long *uid,
                             unsigned long *gid)
{
    if (config->has_uid) {
        *uid = config->uid;
        *gid = config->has_gid ? config->gid : config->uid;
        return;
    }
    *uid = DRIVER_DEFAULT_UID;
    parse_range_start(namespace_annotations, DRIVER_ANNOTATION_SCC_UID_RANGE, uid);
    *gid = *uid;
    if (config->has_gid)
        *gid = config->gid;
    else
        parse_range_start(namespace_annotations, DRIVER_ANNOTATION_SCC_GROUPS, gid);
}

bool driver_spec_mounts_workspace(const sandbox_spec *spec)
{
    for (size_t i = 0; spec && i < spec->mount_count; i++)
        if (path_is_or_under(spec->mounts[i].path, WORKSPACE_ROOT))
            return true;
    return false;
}

static cJSON *default_claim_templates(const driver_config *config)
{
    cJSON *claim_spec = cJSON_CreateObject();
    const char *modes[] = {"ReadWriteOnce"};
    cJSON_AddItemToObject(claim_spec, "accessModes", cJSON_CreateStringArray(modes, 1));
    cJSON *requests = cJSON_AddObjectToObject(cJSON_AddObjectToObject(claim_spec, "resources"), "requests");
    cJSON_AddStringToObject(requests, "storage", *config->storage_size ? config->storage_size : "2Gi");
    if (*config->storage_class)
        cJSON_AddStringToObject(claim_spec, "storageClassName", config->storage_class);
    cJSON *claim = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(claim, "metadata"), "name", "workspace");
    cJSON_AddItemToObject(claim, "spec", claim_spec);
    cJSON *list = cJSON_CreateArray();
    cJSON_AddItemToArray(list, claim);
    return list;
}

/* sandbox_to_k8s_spec (driver.rs:3315-3385). */
static cJSON *build_spec(const char *id, const char *name, const sandbox_spec *spec, const driver_config *config,
                         const driver_create_context *ctx)
{
    bool inject = !driver_spec_mounts_workspace(spec);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "podTemplate", driver_build_pod_template(id, name, spec, config, ctx, inject));
    const sandbox_template *t = spec ? spec->template_ : NULL;
    if (t && *t->agent_socket)
        cJSON_AddStringToObject(out, "agentSocket", t->agent_socket);
    if (inject)
        cJSON_AddItemToObject(out, "volumeClaimTemplates", default_claim_templates(config));
    return out;
}

static void add_identity(cJSON *map, const char *id, const char *name, const char *workspace)
{
    cJSON_AddStringToObject(map, DRIVER_LABEL_ID, id);
    cJSON_AddStringToObject(map, DRIVER_LABEL_NAME, name);
    cJSON_AddStringToObject(map, DRIVER_LABEL_WORKSPACE, workspace);
}

/* Orders every object's members by key, recursively. The reference serializes its JSON with
 * serde_json without preserve_order (maps are BTreeMaps) and k8s-openapi's ObjectMeta in field
 * order, which is alphabetical too, so its body has every object's keys sorted; so has ours. */
static void sort_keys(cJSON *node)
{
    if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
        return;
    for (cJSON *c = node->child; c; c = c->next)
        sort_keys(c);
    if (!cJSON_IsObject(node) || !node->child)
        return;
    cJSON *sorted = NULL; /* insertion sort of the member list, stable */
    for (cJSON *c = node->child, *next; c; c = next) {
        next = c->next;
        cJSON **at = &sorted;
        while (*at && strcmp((*at)->string, c->string) <= 0)
            at = &(*at)->next;
        c->next = *at;
        *at = c;
    }
    cJSON *prev = NULL;
    for (cJSON *c = sorted; c; c = c->next) {
        c->prev = prev; /* cJSON keeps the head's prev pointing at the last member */
        prev = c;
    }
    sorted->prev = prev;
    node->child = sorted;
}

cJSON *driver_build_object(const char *id, const char *name, const sandbox_spec *spec, const driver_config *config,
                           const driver_create_context *ctx)
{
    cJSON *obj = cJSON_CreateObject();
    char *api_version = osh_str_printf("%s/%s", DRIVER_GROUP, ctx->api_version);
    cJSON_AddStringToObject(obj, "apiVersion", api_version);
    free(api_version);
    cJSON_AddStringToObject(obj, "kind", "Sandbox");
    cJSON *metadata = cJSON_AddObjectToObject(obj, "metadata");
    char *cr_name = driver_cr_name(config, name);
    cJSON_AddStringToObject(metadata, "name", cr_name);
    free(cr_name);
    cJSON_AddStringToObject(metadata, "namespace", config->namespace_);
    cJSON *labels = cJSON_AddObjectToObject(metadata, "labels");
    add_identity(labels, id, name, config->workspace);
    cJSON_AddStringToObject(labels, DRIVER_LABEL_MANAGED_BY, "openshell");
    cJSON_AddStringToObject(labels, DRIVER_LABEL_GATEWAY_ID, config->gateway_id);
    cJSON *annotations = cJSON_AddObjectToObject(metadata, "annotations");
    add_identity(annotations, id, name, config->workspace);
    /* With a configured UID the reference reads no namespace, so copies nothing (driver.rs:1131-1135). */
    static const char *const scc[] = {DRIVER_ANNOTATION_SCC_UID_RANGE, DRIVER_ANNOTATION_SCC_GROUPS};
    for (size_t i = 0; i < 2 && !config->has_uid; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx->namespace_annotations, scc[i]);
        if (cJSON_IsString(v))
            cJSON_AddStringToObject(annotations, scc[i], v->valuestring);
    }
    cJSON_AddItemToObject(obj, "spec", build_spec(id, name, spec, config, ctx));
    sort_keys(obj);
    return obj;
}
