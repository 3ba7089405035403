/* kube_discovery.c: discovery documents shaped like the apiserver's (k3s v1.35.2+k3s1). The
 * aggregated discovery kubectl asks for first is not served; kubectl falls back to these. */
#include "kube_discovery.h"

#include <stdlib.h>
#include <string.h>

#include "kube_resources.h"
#include "osh_str.h"

cJSON *kube_discovery_version(void)
{
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "major", "1");
    cJSON_AddStringToObject(v, "minor", "35");
    cJSON_AddStringToObject(v, "emulationMajor", "1");
    cJSON_AddStringToObject(v, "emulationMinor", "35");
    cJSON_AddStringToObject(v, "minCompatibilityMajor", "1");
    cJSON_AddStringToObject(v, "minCompatibilityMinor", "34");
    cJSON_AddStringToObject(v, "gitVersion", "v1.35.2+k3s1");
    cJSON_AddStringToObject(v, "gitCommit", "0000000000000000000000000000000000000000");
    cJSON_AddStringToObject(v, "gitTreeState", "clean");
    cJSON_AddStringToObject(v, "buildDate", "2026-02-20T00:00:00Z");
    cJSON_AddStringToObject(v, "goVersion", "go1.25.7");
    cJSON_AddStringToObject(v, "compiler", "gc");
    cJSON_AddStringToObject(v, "platform", "linux/amd64");
    return v;
}

static cJSON *server_addresses(void)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "clientCIDR", "0.0.0.0/0");
    cJSON_AddStringToObject(a, "serverAddress", "127.0.0.1:6443");
    cJSON_AddItemToArray(arr, a);
    return arr;
}

cJSON *kube_discovery_api_versions(void)
{
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "kind", "APIVersions");
    cJSON *versions = cJSON_AddArrayToObject(v, "versions");
    cJSON_AddItemToArray(versions, cJSON_CreateString("v1"));
    cJSON_AddItemToObject(v, "serverAddressByClientCIDRs", server_addresses());
    return v;
}

static cJSON *group_doc(const char *group, const char *version, bool with_type)
{
    cJSON *g = cJSON_CreateObject();
    if (with_type) {
        cJSON_AddStringToObject(g, "kind", "APIGroup");
        cJSON_AddStringToObject(g, "apiVersion", "v1");
    }
    cJSON_AddStringToObject(g, "name", group);
    char *gv = osh_str_printf("%s/%s", group, version);
    cJSON *versions = cJSON_AddArrayToObject(g, "versions");
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "groupVersion", gv);
    cJSON_AddStringToObject(v, "version", version);
    cJSON_AddItemToArray(versions, v);
    cJSON *pref = cJSON_AddObjectToObject(g, "preferredVersion");
    cJSON_AddStringToObject(pref, "groupVersion", gv);
    cJSON_AddStringToObject(pref, "version", version);
    free(gv);
    return g;
}

cJSON *kube_discovery_group_list(void)
{
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "kind", "APIGroupList");
    cJSON_AddStringToObject(l, "apiVersion", "v1");
    cJSON *groups = cJSON_AddArrayToObject(l, "groups");
    cJSON_AddItemToArray(groups, group_doc("apps", "v1", false));
    cJSON_AddItemToArray(groups, group_doc("agents.x-k8s.io", "v1alpha1", false));
    return l;
}

cJSON *kube_discovery_group(const char *group)
{
    for (const kube_resource *r = kube_resources_all(); r->plural; r++)
        if (r->group[0] && strcmp(r->group, group) == 0)
            return group_doc(r->group, r->version, true);
    return NULL;
}

static void add_verbs(cJSON *res, bool full)
{
    cJSON *verbs = cJSON_AddArrayToObject(res, "verbs");
    const char *all[] = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
    const char *sub[] = {"get", "patch", "update"};
    for (size_t i = 0; i < (full ? 8u : 3u); i++)
        cJSON_AddItemToArray(verbs, cJSON_CreateString(full ? all[i] : sub[i]));
}

static cJSON *resource_entry(const kube_resource *r, bool status)
{
    cJSON *e = cJSON_CreateObject();
    char *name = status ? osh_str_printf("%s/status", r->plural) : osh_str_dup(r->plural);
    cJSON_AddStringToObject(e, "name", name);
    free(name);
    cJSON_AddStringToObject(e, "singularName", status ? "" : r->singular);
    cJSON_AddBoolToObject(e, "namespaced", r->namespaced);
    cJSON_AddStringToObject(e, "kind", r->kind);
    add_verbs(e, !status);
    if (!status && r->short_names[0]) {
        cJSON *sn = cJSON_AddArrayToObject(e, "shortNames");
        for (size_t i = 0; r->short_names[i]; i++)
            cJSON_AddItemToArray(sn, cJSON_CreateString(r->short_names[i]));
    }
    if (!status && (strcmp(r->plural, "pods") == 0 || strcmp(r->plural, "statefulsets") == 0 ||
                    strcmp(r->plural, "deployments") == 0)) {
        cJSON *cat = cJSON_AddArrayToObject(e, "categories");
        cJSON_AddItemToArray(cat, cJSON_CreateString("all"));
    }
    if (!status)
        cJSON_AddStringToObject(e, "storageVersionHash", "");
    return e;
}

cJSON *kube_discovery_resource_list(const char *group, const char *version)
{
    cJSON *l = NULL, *list = NULL;
    for (const kube_resource *r = kube_resources_all(); r->plural; r++) {
        if (strcmp(r->group, group) != 0 || strcmp(r->version, version) != 0)
            continue;
        if (!l) {
            l = cJSON_CreateObject();
            cJSON_AddStringToObject(l, "kind", "APIResourceList");
            cJSON_AddStringToObject(l, "apiVersion", "v1");
            cJSON_AddStringToObject(l, "groupVersion", kube_resource_api_version(r));
            list = cJSON_AddArrayToObject(l, "resources");
        }
        cJSON_AddItemToArray(list, resource_entry(r, false));
        if (r->has_status)
            cJSON_AddItemToArray(list, resource_entry(r, true));
    }
    return l;
}
