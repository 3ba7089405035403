/* kube_discovery.c: discovery documents shaped like the apiserver's (k3s v1.35.2+k3s1). The
 * aggregated discovery kubectl asks for first is not served; kubectl falls back to these. */
#include "kube_discovery.h"

#include <stdlib.h>
#include <string.h>

#include "kube_crd.h"
#include "kube_resources.h"
#include "osh_str.h"

cJSON *kube_discovery_version(void)
{
    static const char *const fields[][2] = {
        {"major", "1"},
        {"minor", "35"},
        {"emulationMajor", "1"},
        {"emulationMinor", "35"},
        {"minCompatibilityMajor", "1"},
        {"minCompatibilityMinor", "34"},
        {"gitVersion", "v1.35.2+k3s1"},
        {"gitCommit", "0000000000000000000000000000000000000000"},
        {"gitTreeState", "clean"},
        {"buildDate", "2026-02-20T00:00:00Z"},
        {"goVersion", "go1.25.7"},
        {"compiler", "gc"},
        {"platform", "linux/amd64"},
    };
    cJSON *v = cJSON_CreateObject();
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        cJSON_AddStringToObject(v, fields[i][0], fields[i][1]);
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

/* The APIGroup of a CRD's group: served versions in priority order, the first preferred. */
static cJSON *crd_group_doc(const kube_crd *crd, bool with_type)
{
    const kube_crd_version *served[8];
    size_t n = kube_crd_served_sorted(crd, served, 8);
    if (n == 0)
        return NULL;
    cJSON *g = cJSON_CreateObject();
    if (with_type) {
        cJSON_AddStringToObject(g, "kind", "APIGroup");
        cJSON_AddStringToObject(g, "apiVersion", "v1");
    }
    cJSON_AddStringToObject(g, "name", crd->group);
    cJSON *versions = cJSON_AddArrayToObject(g, "versions");
    for (size_t i = 0; i < n; i++) {
        char *gv = kube_crd_api_version(crd, served[i]);
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "groupVersion", gv);
        cJSON_AddStringToObject(v, "version", served[i]->name);
        cJSON_AddItemToArray(versions, v);
        if (i == 0) {
            cJSON *pref = cJSON_AddObjectToObject(g, "preferredVersion");
            cJSON_AddStringToObject(pref, "groupVersion", gv);
            cJSON_AddStringToObject(pref, "version", served[i]->name);
        }
        free(gv);
    }
    return g;
}

/* The CRD of the first custom resource of group, referenced, or NULL. */
static kube_crd *crd_of_group(kube_store *s, const char *group)
{
    for (const kube_resource *r = kube_resources_all(); r->plural; r++)
        if (kube_resource_is_custom(r) && strcmp(r->group, group) == 0)
            return kube_store_crd(s, r->group, r->plural);
    return NULL;
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

cJSON *kube_discovery_group_list(kube_store *s)
{
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "kind", "APIGroupList");
    cJSON_AddStringToObject(l, "apiVersion", "v1");
    cJSON *groups = cJSON_AddArrayToObject(l, "groups");
    cJSON_AddItemToArray(groups, group_doc("apps", "v1", false));
    kube_crd *crd = crd_of_group(s, "agents.x-k8s.io");
    cJSON *g = crd ? crd_group_doc(crd, false) : NULL;
    if (g)
        cJSON_AddItemToArray(groups, g);
    kube_crd_unref(crd);
    return l;
}

cJSON *kube_discovery_group(kube_store *s, const char *group)
{
    kube_crd *crd = crd_of_group(s, group);
    if (crd) {
        cJSON *g = crd_group_doc(crd, true);
        kube_crd_unref(crd);
        return g;
    }
    for (const kube_resource *r = kube_resources_all(); r->plural; r++)
        if (r->group[0] && !kube_resource_is_custom(r) && strcmp(r->group, group) == 0)
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

/* The scale subresource entry, as the apiserver lists it for a CRD. */
static cJSON *scale_entry(const kube_resource *r)
{
    cJSON *e = cJSON_CreateObject();
    char *name = osh_str_printf("%s/scale", r->plural);
    cJSON_AddStringToObject(e, "name", name);
    free(name);
    cJSON_AddStringToObject(e, "singularName", "");
    cJSON_AddBoolToObject(e, "namespaced", r->namespaced);
    cJSON_AddStringToObject(e, "group", "autoscaling");
    cJSON_AddStringToObject(e, "version", "v1");
    cJSON_AddStringToObject(e, "kind", "Scale");
    add_verbs(e, false);
    return e;
}

cJSON *kube_discovery_resource_list(kube_store *s, const char *group, const char *version)
{
    cJSON *l = NULL, *list = NULL;
    for (const kube_resource *r = kube_resources_all(); r->plural; r++) {
        if (strcmp(r->group, group) != 0 || strcmp(r->version, version) != 0)
            continue;
        const kube_crd_version *cv = NULL;
        kube_crd *crd = NULL;
        if (kube_resource_is_custom(r)) {
            crd = kube_store_crd(s, r->group, r->plural);
            cv = kube_crd_version_named(crd, r->version);
            if (!cv || !cv->served) {
                kube_crd_unref(crd);
                continue;
            }
        }
        if (!l) {
            l = cJSON_CreateObject();
            cJSON_AddStringToObject(l, "kind", "APIResourceList");
            cJSON_AddStringToObject(l, "apiVersion", "v1");
            cJSON_AddStringToObject(l, "groupVersion", kube_resource_api_version(r));
            list = cJSON_AddArrayToObject(l, "resources");
        }
        cJSON_AddItemToArray(list, resource_entry(r, false));
        if (cv ? cv->status : r->has_status)
            cJSON_AddItemToArray(list, resource_entry(r, true));
        if (cv && cv->scale)
            cJSON_AddItemToArray(list, scale_entry(r));
        kube_crd_unref(crd);
    }
    return l;
}
