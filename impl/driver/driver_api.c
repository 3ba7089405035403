/* driver_api.c: the driver's requests (rules §13.2-§13.6): version probe, namespace read,
 * create, lookup and list by label selector, delete with preconditions, the operating-state
 * merge patch. Each call is bounded as §10.6 by the shared client. The stop wait is
 * driver_stop.c. */
#include "driver.h"

#include <stdlib.h>
#include <string.h>

#include "driver_internal.h"
#include "osh_str.h"

static const char *const VERSIONS[] = {"v1beta1", "v1alpha1"};

char *driver_sandbox_path(const char *version, const char *namespace_, const char *name)
{
    char *ns = k8s_escape(namespace_);
    char *path;
    if (name) {
        char *n = k8s_escape(name);
        path = osh_str_printf("/apis/%s/%s/namespaces/%s/sandboxes/%s", DRIVER_GROUP, version, ns, n);
        free(n);
    } else {
        path = osh_str_printf("/apis/%s/%s/namespaces/%s/sandboxes", DRIVER_GROUP, version, ns);
    }
    free(ns);
    return path;
}

char *driver_lookup_selector(const driver_config *config, const char *id)
{
    return osh_str_printf("%s=openshell,%s=%s,%s=%s", DRIVER_LABEL_MANAGED_BY, DRIVER_LABEL_ID, id,
                          DRIVER_LABEL_GATEWAY_ID, config->gateway_id);
}

char *driver_list_selector(const driver_config *config)
{
    return osh_str_printf("%s=openshell,%s,%s=%s", DRIVER_LABEL_MANAGED_BY, DRIVER_LABEL_ID, DRIVER_LABEL_GATEWAY_ID,
                          config->gateway_id);
}

/* One bounded call whose answer must be 2xx; the answer's body parsed into *out when out is
 * given. Returns 0, or -1 with err set (non-2xx: the §10.1 mapping). */
int driver_call_json(k8s_client *client, const char *method, const char *path, const char *content_type,
                     const char *body, cJSON **out, long *status, k8s_error *err)
{
    k8s_response resp;
    int rc = k8s_client_call_typed(client, method, path, content_type, body, &resp, err);
    if (status)
        *status = rc == 0 ? resp.status : 0;
    if (rc == 0 && (resp.status < 200 || resp.status > 299)) {
        rc = k8s_error_from_answer(err, &resp);
    }
    if (rc == 0 && out) {
        *out = cJSON_Parse(osh_buf_str(&resp.body));
        if (!cJSON_IsObject(*out)) {
            cJSON_Delete(*out);
            *out = NULL;
            char *what = osh_str_printf("%s %s", method, path);
            rc = k8s_error_malformed(err, what);
            free(what);
        }
    }
    k8s_response_free(&resp);
    return rc;
}

int driver_probe(k8s_client *client, const driver_config *config, const char **version, k8s_error *err)
{
    for (size_t i = 0; i < 2; i++) {
        if (strcmp(config->api_version, VERSIONS[i]) == 0) {
            *version = VERSIONS[i];
            return 0;
        }
    }
    for (size_t i = 0; i < 2; i++) {
        char *base = driver_sandbox_path(VERSIONS[i], config->namespace_, NULL);
        char *path = osh_str_printf("%s?limit=1", base);
        long status = 0;
        int rc = driver_call_json(client, "GET", path, NULL, NULL, NULL, &status, err);
        free(path);
        free(base);
        if (rc == 0) {
            *version = VERSIONS[i];
            return 0;
        }
        if (err->code != 404) /* only a 404 (Status or plain text) tries the next version */
            return -1;
        k8s_error_clear(err);
    }
    k8s_error_set(err, 0, NULL, "no supported Agent Sandbox API version is available; tried v1beta1, v1alpha1");
    return -1;
}

cJSON *driver_namespace_annotations(k8s_client *client, const driver_config *config)
{
    if (config->has_uid)
        return NULL;
    char *ns = k8s_escape(config->namespace_);
    char *path = osh_str_printf("/api/v1/namespaces/%s", ns);
    free(ns);
    cJSON *object = NULL;
    k8s_error err = {0};
    int rc = driver_call_json(client, "GET", path, NULL, NULL, &object, NULL, &err);
    free(path);
    k8s_error_clear(&err);
    cJSON *annotations = NULL;
    if (rc == 0) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(object, "metadata"),
                                                          "annotations");
        if (cJSON_IsObject(a))
            annotations = cJSON_Duplicate(a, 1);
    }
    cJSON_Delete(object);
    return annotations;
}

/* from_kube (driver.rs:81-86): every 409 is "sandbox already exists". */
static void map_conflict(k8s_error *err)
{
    if (err->code == 409) {
        free(err->message);
        err->message = osh_str_dup("sandbox already exists");
    }
}

int driver_create(k8s_client *client, const char *version, const driver_config *config, const cJSON *object,
                  cJSON **created, k8s_error *err)
{
    char *path = driver_sandbox_path(version, config->namespace_, NULL);
    char *body = cJSON_PrintUnformatted(object);
    int rc = driver_call_json(client, "POST", path, "application/json", body, created, NULL, err);
    if (rc != 0)
        map_conflict(err);
    cJSON_free(body);
    free(path);
    return rc;
}

int driver_list(k8s_client *client, const char *version, const driver_config *config, const char *selector,
                long page_limit, cJSON **items, char **resource_version, k8s_error *err)
{
    *items = cJSON_CreateArray();
    if (resource_version)
        *resource_version = NULL;
    char *base = driver_sandbox_path(version, config->namespace_, NULL);
    char *sel = k8s_escape(selector);
    char *cont = NULL;
    int rc = 0;
    do {
        char *limit = page_limit > 0 ? osh_str_printf("&limit=%ld", page_limit) : osh_str_dup("");
        char *path = cont ? osh_str_printf("%s?labelSelector=%s%s&continue=%s", base, sel, limit, cont)
                          : osh_str_printf("%s?labelSelector=%s%s", base, sel, limit);
        free(limit);
        free(cont);
        cont = NULL;
        cJSON *list = NULL;
        rc = driver_call_json(client, "GET", path, NULL, NULL, &list, NULL, err);
        free(path);
        if (rc != 0)
            break;
        cJSON *page = cJSON_DetachItemFromObjectCaseSensitive(list, "items");
        cJSON *item;
        while (cJSON_IsArray(page) && (item = cJSON_DetachItemFromArray(page, 0)))
            cJSON_AddItemToArray(*items, item);
        cJSON_Delete(page);
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(list, "metadata");
        const cJSON *rv = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(meta, "continue");
        if (resource_version && cJSON_IsString(rv)) {
            free(*resource_version);
            *resource_version = osh_str_dup(rv->valuestring);
        }
        if (cJSON_IsString(next) && *next->valuestring)
            cont = k8s_escape(next->valuestring);
        cJSON_Delete(list);
    } while (cont);
    free(sel);
    free(base);
    if (rc != 0) {
        cJSON_Delete(*items);
        *items = NULL;
        if (resource_version) {
            free(*resource_version);
            *resource_version = NULL;
        }
    }
    return rc;
}

int driver_lookup(k8s_client *client, const char *version, const driver_config *config, const char *id,
                  cJSON **found, k8s_error *err)
{
    char *selector = driver_lookup_selector(config, id);
    cJSON *items = NULL;
    int rc = driver_list(client, version, config, selector, 0, &items, NULL, err);
    free(selector);
    *found = rc == 0 ? cJSON_DetachItemFromArray(items, 0) : NULL;
    cJSON_Delete(items);
    return rc;
}

const char *driver_meta_string(const cJSON *object, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(object, "metadata"), key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The listed object's namespace, else the configured one (driver.rs:1684-1687). */
const char *driver_object_namespace(const cJSON *listed, const driver_config *config)
{
    const char *ns = driver_meta_string(listed, "namespace");
    return *ns ? ns : config->namespace_;
}

int driver_patch_state(k8s_client *client, const char *version, const driver_config *config, const cJSON *listed,
                       bool running, k8s_error *err)
{
    const char *name = driver_meta_string(listed, "name");
    if (!*name) {
        k8s_error_set(err, 0, NULL, "sandbox resource has no name");
        return -1;
    }
    cJSON *patch = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(patch, "metadata"), "resourceVersion",
                            driver_meta_string(listed, "resourceVersion"));
    cJSON *spec = cJSON_AddObjectToObject(patch, "spec");
    if (strcmp(version, "v1alpha1") == 0)
        cJSON_AddNumberToObject(spec, "replicas", running ? 1 : 0);
    else
        cJSON_AddStringToObject(spec, "operatingMode", running ? "Running" : "Suspended");
    char *text = cJSON_PrintUnformatted(patch);
    char *path = driver_sandbox_path(version, driver_object_namespace(listed, config), name);
    int rc = driver_call_json(client, "PATCH", path, "application/merge-patch+json", text, NULL, NULL, err);
    if (rc != 0)
        map_conflict(err); /* a stale resourceVersion too (scenario DRV-STOP-RACE) */
    free(path);
    cJSON_free(text);
    cJSON_Delete(patch);
    return rc;
}
