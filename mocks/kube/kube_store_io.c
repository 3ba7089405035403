/* kube_store_io.c: export of a store to JSON and import back, the form in which cluster state
 * lives "on a Docker volume" and in scenario files (see kube_store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_meta.h"
#include "kube_store_internal.h"
#include "osh_str.h"

cJSON *kube_store_export(kube_store *s)
{
    cJSON *doc = cJSON_CreateObject();
    pthread_mutex_lock(&s->lock);
    cJSON_AddNumberToObject(doc, "resourceVersion", (double)s->rv);
    for (const kube_resource *r = kube_resources_all(); r->plural; r++) {
        cJSON *list = NULL;
        for (size_t i = 0; i < s->n_entries; i++) {
            if (s->entries[i].r != r)
                continue;
            if (!list)
                list = cJSON_AddArrayToObject(doc, r->plural);
            cJSON_AddItemToArray(list, cJSON_Duplicate(s->entries[i].obj, true));
        }
    }
    pthread_mutex_unlock(&s->lock);
    return doc;
}

static void ensure_namespace_locked(kube_store *s, const char *ns)
{
    const kube_resource *nsr = kube_resource_by_path("", "v1", "namespaces");
    if (kube_store_find_locked(s, nsr, NULL, ns) >= 0)
        return;
    cJSON *o = cJSON_CreateObject();
    kube_meta_set(o, "name", ns);
    kube_result res = kube_store_admit_new_locked(s, nsr, NULL, o, false);
    cJSON_Delete(res.body);
    s->rv++;
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", s->rv);
    kube_meta_set(o, "resourceVersion", buf);
    kube_store_insert_locked(s, nsr, o);
}

/* Imports one object; false with *error set when it is unusable. */
static bool import_object(kube_store *s, const kube_resource *r, const cJSON *item, size_t idx, char **error)
{
    if (!cJSON_IsObject(item)) {
        *error = osh_str_printf("%s[%zu]: expected object", r->plural, idx);
        return false;
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "metadata"), "name");
    if (!cJSON_IsString(name)) {
        *error = osh_str_printf("%s[%zu]: metadata.name: expected string", r->plural, idx);
        return false;
    }
    cJSON *obj = cJSON_Duplicate(item, true);
    const char *ns = NULL;
    if (r->namespaced) {
        ns = kube_meta_get(obj, "namespace");
        if (!ns)
            kube_meta_set(obj, "namespace", "default");
        ns = kube_meta_get(obj, "namespace");
        ensure_namespace_locked(s, ns);
    }
    char *rv_given = osh_str_dup(kube_meta_get(obj, "resourceVersion"));
    kube_result res = kube_store_admit_new_locked(s, r, ns, obj, true);
    if (res.code != 0) {
        const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res.body, "message"));
        *error = osh_str_printf("%s[%zu]: %s", r->plural, idx, msg ? msg : "rejected");
        cJSON_Delete(res.body);
        cJSON_Delete(obj);
        free(rv_given);
        return false;
    }
    long long rv = rv_given ? atoll(rv_given) : 0;
    if (rv <= 0)
        rv = s->rv + 1;
    if (rv > s->rv)
        s->rv = rv;
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", rv);
    kube_meta_set(obj, "resourceVersion", buf);
    free(rv_given);
    kube_store_insert_locked(s, r, obj);
    return true;
}

static bool import_list(kube_store *s, const kube_resource *r, const cJSON *list, char **error)
{
    if (!cJSON_IsArray(list)) {
        *error = osh_str_printf("%s: expected array", r->plural);
        return false;
    }
    size_t idx = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        /* an object naming another version of the same resource is stored under that version */
        const kube_resource *named = kube_resource_by_kind(
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "apiVersion")),
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "kind")));
        if (!import_object(s, named && strcmp(named->plural, r->plural) == 0 ? named : r, item, idx++, error))
            return false;
    }
    return true;
}

kube_store *kube_store_import(const cJSON *doc, char **error)
{
    *error = NULL;
    if (!cJSON_IsObject(doc)) {
        *error = osh_str_dup("expected object");
        return NULL;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, doc)
    {
        if (strcmp(item->string, "resourceVersion") == 0)
            continue;
        const kube_resource *r = kube_resource_by_user_name(item->string);
        if (!r || strcmp(r->plural, item->string) != 0) {
            *error = osh_str_printf("%s: unknown resource (expected a plural such as nodes, pods, "
                                    "persistentvolumes)",
                                    item->string);
            return NULL;
        }
    }
    /* checked before any cast: (long long)1e300 is undefined behaviour */
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(doc, "resourceVersion");
    if (rv && !(cJSON_IsNumber(rv) && rv->valuedouble >= 0 && rv->valuedouble <= 9007199254740992.0 &&
                rv->valuedouble == (double)(long long)rv->valuedouble)) {
        *error = osh_str_dup("resourceVersion: expected an integer between 0 and 9007199254740992");
        return NULL;
    }
    kube_store *s = kube_store_new_empty();
    pthread_mutex_lock(&s->lock);
    const kube_resource *nsr = kube_resource_by_path("", "v1", "namespaces");
    bool ok = true;
    const cJSON *nslist = cJSON_GetObjectItemCaseSensitive(doc, "namespaces");
    if (nslist)
        ok = import_list(s, nsr, nslist, error);
    if (ok && !nslist) {
        const char *defaults[] = {"default", "kube-system", "kube-public", "kube-node-lease"};
        for (size_t i = 0; i < 4; i++)
            ensure_namespace_locked(s, defaults[i]);
    }
    cJSON_ArrayForEach(item, doc)
    {
        if (!ok || strcmp(item->string, "resourceVersion") == 0 || strcmp(item->string, "namespaces") == 0)
            continue;
        ok = import_list(s, kube_resource_by_user_name(item->string), item, error);
    }
    if (rv && (long long)rv->valuedouble > s->rv)
        s->rv = (long long)rv->valuedouble;
    s->compacted_rv = s->rv;
    pthread_mutex_unlock(&s->lock);
    if (!ok) {
        kube_store_unref(s);
        return NULL;
    }
    return s;
}
