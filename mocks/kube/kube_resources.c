/* kube_resources.c: the served resource table (see kube_resources.h). The values follow the
 * apiserver's discovery documents (APIResourceList) for core/v1 and apps/v1, and the Sandbox
 * CRD in agent-sandbox.yaml. A custom resource has one entry per version any CRD of it may
 * serve; which of them are served, and how, comes from the CRD a store has installed
 * (kube_crd.h, kube_store_install_crd). */
#include "kube_resources.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static const kube_resource RESOURCES[] = {
    {"", "v1", "Namespace", "namespaces", "namespace", {"ns", NULL}, false, true, false},
    {"", "v1", "Node", "nodes", "node", {"no", NULL}, false, true, false},
    {"", "v1", "Pod", "pods", "pod", {"po", NULL}, true, true, false},
    {"", "v1", "Secret", "secrets", "secret", {NULL}, true, false, false},
    {"", "v1", "PersistentVolume", "persistentvolumes", "persistentvolume", {"pv", NULL}, false, true, false},
    {"", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", {"pvc", NULL}, true, true, false},
    {"", "v1", "Service", "services", "service", {"svc", NULL}, true, true, false},
    {"apps", "v1", "StatefulSet", "statefulsets", "statefulset", {"sts", NULL}, true, true, true},
    {"apps", "v1", "Deployment", "deployments", "deployment", {"deploy", NULL}, true, true, true},
    {"agents.x-k8s.io", "v1alpha1", "Sandbox", "sandboxes", "sandbox", {"sandbox", NULL}, true, true, true},
    {"agents.x-k8s.io", "v1beta1", "Sandbox", "sandboxes", "sandbox", {"sandbox", NULL}, true, true, true},
    {NULL, NULL, NULL, NULL, NULL, {NULL}, false, false, false},
};

static const char *API_VERSIONS[] = {"v1", "v1", "v1", "v1", "v1", "v1", "v1", "apps/v1", "apps/v1", "agents.x-k8s.io/v1alpha1",
                                     "agents.x-k8s.io/v1beta1"};

const kube_resource *kube_resources_all(void) { return RESOURCES; }

size_t kube_resources_count(void) { return sizeof(RESOURCES) / sizeof(RESOURCES[0]) - 1; }

size_t kube_resource_index(const kube_resource *r) { return (size_t)(r - RESOURCES); }

bool kube_resource_is_custom(const kube_resource *r)
{
    /* the built-in groups served here are the core group and apps */
    return r->group[0] && strcmp(r->group, "apps") != 0;
}

bool kube_group_is_custom(const char *group)
{
    for (const kube_resource *r = RESOURCES; r->plural; r++)
        if (kube_resource_is_custom(r) && strcmp(r->group, group) == 0)
            return true;
    return false;
}

const char *kube_resource_api_version(const kube_resource *r) { return API_VERSIONS[kube_resource_index(r)]; }

const kube_resource *kube_resource_by_path(const char *group, const char *version, const char *plural)
{
    for (const kube_resource *r = RESOURCES; r->plural; r++)
        if (strcmp(r->group, group) == 0 && strcmp(r->version, version) == 0 && strcmp(r->plural, plural) == 0)
            return r;
    return NULL;
}

static bool matches_user_name(const kube_resource *r, const char *name, size_t len)
{
    const char *names[] = {r->plural, r->singular, r->kind};
    for (size_t i = 0; i < 3; i++)
        if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0)
            return true;
    for (size_t i = 0; r->short_names[i]; i++)
        if (strlen(r->short_names[i]) == len && strncmp(r->short_names[i], name, len) == 0)
            return true;
    return false;
}

const kube_resource *kube_resource_by_user_name(const char *name)
{
    const char *dot = strchr(name, '.');
    size_t len = dot ? (size_t)(dot - name) : strlen(name);
    const char *group = dot ? dot + 1 : NULL;
    for (const kube_resource *r = RESOURCES; r->plural; r++) {
        if (!matches_user_name(r, name, len))
            continue;
        if (group && strcmp(group, r->group) != 0 && !(strncmp(group, r->version, strlen(r->version)) == 0 &&
                                                       group[strlen(r->version)] == '.' &&
                                                       strcmp(group + strlen(r->version) + 1, r->group) == 0))
            continue;
        return r;
    }
    return NULL;
}

const kube_resource *kube_resource_by_kind(const char *api_version, const char *kind)
{
    if (!api_version || !kind)
        return NULL;
    for (const kube_resource *r = RESOURCES; r->plural; r++)
        if (strcmp(kube_resource_api_version(r), api_version) == 0 && strcmp(r->kind, kind) == 0)
            return r;
    return NULL;
}
