/* kube_store.c: the store's life cycle and the apiserver's semantics of get, create, update
 * and patch (see kube_store.h). The data structures live in kube_store_data.c, DELETE in
 * kube_store_delete.c, lists and pagination in kube_store_list.c, import and export in
 * kube_store_io.c, watch support in kube_store_watch.c. */
#include "kube_store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube_meta.h"
#include "kube_patch.h"
#include "kube_selector.h"
#include "osh_str.h"

static _Thread_local int hook_depth;

kube_store *kube_store_new_empty(void)
{
    kube_store *s = calloc(1, sizeof(*s));
    if (!s)
        abort();
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->changed, &attr);
    pthread_condattr_destroy(&attr);
    s->refs = 1;
    s->rv = 1;
    s->events = calloc(KUBE_EVENT_HISTORY, sizeof(*s->events));
    if (!s->events)
        abort();
    return s;
}

kube_store *kube_store_new(void)
{
    kube_store *s = kube_store_new_empty();
    const char *names[] = {"default", "kube-system", "kube-public", "kube-node-lease"};
    const kube_resource *ns = kube_resource_by_path("", "v1", "namespaces");
    for (size_t i = 0; i < 4; i++) {
        cJSON *o = cJSON_CreateObject();
        kube_meta_set(o, "name", names[i]);
        kube_result r = kube_store_create(s, ns, NULL, o, false);
        cJSON_Delete(r.body);
        cJSON_Delete(o);
    }
    kube_store_compact(s);
    return s;
}

kube_store *kube_store_ref(kube_store *s)
{
    pthread_mutex_lock(&s->lock);
    s->refs++;
    pthread_mutex_unlock(&s->lock);
    return s;
}

void kube_store_unref(kube_store *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    int left = --s->refs;
    pthread_mutex_unlock(&s->lock);
    if (left > 0)
        return;
    for (size_t c = 0; c < s->n_colls; c++) {
        kube_collection *coll = s->colls[c];
        for (size_t i = 0; i < coll->n; i++) {
            kube_obj_unref(coll->items[i]->obj);
            free(coll->items[i]->key);
            free(coll->items[i]);
        }
        free(coll->items);
        kube_index_free(&coll->by_key);
        free(coll);
    }
    free(s->colls);
    free(s->owned);
    for (size_t i = 0; i < s->n_events; i++) {
        kube_obj_unref(kube_store_event_at(s, i)->obj);
        kube_obj_unref(kube_store_event_at(s, i)->prev);
    }
    free(s->events);
    kube_store_free_crds_locked(s);
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void kube_store_set_hook(kube_store *s, kube_store_hook hook, void *user)
{
    pthread_mutex_lock(&s->lock);
    s->hook = hook;
    s->hook_user = user;
    pthread_mutex_unlock(&s->lock);
}

void kube_store_run_hook(kube_store *s)
{
    pthread_mutex_lock(&s->lock);
    kube_store_hook hook = s->hook;
    void *user = s->hook_user;
    pthread_mutex_unlock(&s->lock);
    if (!hook || hook_depth > 0)
        return;
    hook_depth++;
    hook(s, user);
    hook_depth--;
}

long long kube_store_resource_version(kube_store *s)
{
    pthread_mutex_lock(&s->lock);
    long long rv = s->rv;
    pthread_mutex_unlock(&s->lock);
    return rv;
}

/* ---- get ---- */

kube_result kube_store_get(kube_store *s, const kube_resource *r, const char *ns, const char *name)
{
    pthread_mutex_lock(&s->lock);
    kube_entry *e = kube_store_find_locked(s, r, ns, name);
    kube_result res = !e ? kube_err_not_found(r, name) : (kube_result){200, cJSON_Duplicate(e->obj->json, true)};
    pthread_mutex_unlock(&s->lock);
    return res;
}

/* ---- create ---- */

static bool namespace_exists_locked(kube_store *s, const char *ns)
{
    return kube_store_find_locked(s, kube_resource_by_path("", "v1", "namespaces"), NULL, ns) != NULL;
}

/* What the apiserver's PrepareForCreate does to status and defaults. */
static void prepare_for_create(const kube_resource *r, cJSON *obj)
{
    if (r->has_status && strcmp(r->plural, "nodes") != 0)
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
    if (strcmp(r->plural, "namespaces") == 0) {
        /* the apiserver labels every namespace with its name (since 1.21) */
        cJSON *meta = kube_meta_object(obj);
        cJSON *labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
        if (!cJSON_IsObject(labels)) {
            cJSON_DeleteItemFromObjectCaseSensitive(meta, "labels");
            labels = cJSON_AddObjectToObject(meta, "labels");
        }
        cJSON_DeleteItemFromObjectCaseSensitive(labels, "kubernetes.io/metadata.name");
        cJSON_AddStringToObject(labels, "kubernetes.io/metadata.name", kube_meta_get(obj, "name"));
        cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
        if (!spec)
            spec = cJSON_AddObjectToObject(obj, "spec");
        if (!cJSON_GetObjectItemCaseSensitive(spec, "finalizers")) {
            cJSON *f = cJSON_AddArrayToObject(spec, "finalizers");
            cJSON_AddItemToArray(f, cJSON_CreateString("kubernetes"));
        }
        cJSON *st = cJSON_AddObjectToObject(obj, "status");
        cJSON_AddStringToObject(st, "phase", "Active");
    } else if (strcmp(r->plural, "pods") == 0 || strcmp(r->plural, "persistentvolumeclaims") == 0 ||
               strcmp(r->plural, "persistentvolumes") == 0) {
        cJSON *st = cJSON_AddObjectToObject(obj, "status");
        cJSON_AddStringToObject(st, "phase", "Pending");
    } else if (strcmp(r->plural, "secrets") == 0 && !cJSON_GetObjectItemCaseSensitive(obj, "type")) {
        cJSON_AddStringToObject(obj, "type", "Opaque");
    }
}

/* Checks kind/apiVersion, the name and the namespace; fills metadata. NULL result code = ok. */
kube_result kube_store_admit_new_locked(kube_store *s, const kube_resource *r, const char *ns, cJSON *obj,
                                        bool keep_status)
{
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "kind"));
    const char *apiv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "apiVersion"));
    if ((kind && strcmp(kind, r->kind) != 0) || (apiv && strcmp(apiv, kube_resource_api_version(r)) != 0)) {
        char *msg = osh_str_printf("the API version in the data (%s) does not match the expected API version (%s)",
                                   apiv ? apiv : "", kube_resource_api_version(r));
        if (kind && strcmp(kind, r->kind) != 0) {
            free(msg);
            msg = osh_str_printf("the object provided is unrecognized (must be of type %s): kind %s", r->kind, kind);
        }
        kube_result res = kube_err_bad_request(msg);
        free(msg);
        return res;
    }
    kube_meta_type_first(obj, kube_resource_api_version(r), r->kind);
    cJSON *meta = kube_meta_object(obj);
    const char *name = kube_meta_get(obj, "name");
    const char *gen_name = kube_meta_get(obj, "generateName");
    if ((!name || !*name) && gen_name && *gen_name) {
        char suffix[6];
        kube_meta_random_suffix(suffix);
        char *full = osh_str_printf("%s%s", gen_name, suffix);
        kube_meta_set(obj, "name", full);
        free(full);
        name = kube_meta_get(obj, "name");
    }
    if (!name || !*name)
        return kube_err_invalid(r, "", "metadata.name", NULL, "name or generateName is required");
    const char *problem = kube_meta_name_problem(name, strcmp(r->plural, "namespaces") == 0);
    if (problem)
        return kube_err_invalid(r, name, "metadata.name", name, problem);
    if (r->namespaced) {
        const char *ons = kube_meta_get(obj, "namespace");
        if (ons && *ons && strcmp(ons, ns) != 0)
            return kube_err_bad_request("the namespace of the provided object does not match the namespace sent on the request");
        if (!ons || strcmp(ons, ns) != 0)
            kube_meta_set(obj, "namespace", ns);
        if (!namespace_exists_locked(s, ns))
            return kube_err_not_found(kube_resource_by_path("", "v1", "namespaces"), ns);
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "namespace");
    }
    if (kube_store_find_locked(s, r, ns, name))
        return kube_err_already_exists(r, name);
    char *uid = kube_meta_new_uid(), *now = kube_meta_now();
    if (!kube_meta_get(obj, "uid") || !keep_status)
        kube_meta_set(obj, "uid", uid);
    if (!kube_meta_get(obj, "creationTimestamp") || !keep_status)
        kube_meta_set(obj, "creationTimestamp", now);
    free(uid);
    free(now);
    if (!keep_status) {
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "deletionTimestamp");
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "generation");
    }
    if (r->has_generation && !cJSON_GetObjectItemCaseSensitive(meta, "generation"))
        cJSON_AddNumberToObject(meta, "generation", 1);
    if (!keep_status)
        prepare_for_create(r, obj);
    return (kube_result){0, NULL};
}

kube_result kube_store_create(kube_store *s, const kube_resource *r, const char *ns, const cJSON *obj, bool dry_run)
{
    if (!cJSON_IsObject(obj))
        return kube_err_bad_request("the body of the request was in an unknown format - accepted media types include: "
                                    "application/json, application/yaml");
    cJSON *copy = cJSON_Duplicate(obj, true);
    pthread_mutex_lock(&s->lock);
    kube_result res = kube_store_admit_new_locked(s, r, r->namespaced ? ns : NULL, copy, false);
    if (res.code == 0) {
        if (!dry_run) {
            kube_store_bump_rv_locked(s, copy);
            char *key = kube_store_key(r, kube_meta_get(copy, "namespace"), kube_meta_get(copy, "name"));
            kube_entry *e = kube_store_insert_obj_locked(s, r, kube_obj_new(key, cJSON_Duplicate(copy, true)));
            free(key);
            kube_store_record_locked(s, "ADDED", r, e->obj, NULL);
        }
        res = (kube_result){201, copy};
        copy = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    cJSON_Delete(copy);
    if (res.code == 201 && !dry_run)
        kube_store_run_hook(s);
    return res;
}

/* ---- update and patch ---- */

static void keep_item(cJSON *dst, const cJSON *src, const char *key)
{
    cJSON_DeleteItemFromObjectCaseSensitive(dst, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, key);
    if (v)
        cJSON_AddItemToObject(dst, key, cJSON_Duplicate(v, true));
}

/* The stored object that replaces old with the client's new one (lock held), or an error. */
static kube_result merge_update(const kube_resource *r, const cJSON *old, const cJSON *new_obj, const char *name,
                                bool status_only)
{
    const char *new_name = kube_meta_get(new_obj, "name");
    if (new_name && strcmp(new_name, name) != 0) {
        char *msg = osh_str_printf("the name of the object (%s) does not match the name on the URL (%s)", new_name, name);
        kube_result res = kube_err_bad_request(msg);
        free(msg);
        return res;
    }
    const char *new_rv = kube_meta_get(new_obj, "resourceVersion");
    if (new_rv && *new_rv && strcmp(new_rv, kube_meta_get(old, "resourceVersion")) != 0)
        return kube_err_conflict(r, name);
    cJSON *out = cJSON_Duplicate(status_only ? old : new_obj, true);
    if (status_only) {
        keep_item(out, new_obj, "status");
    } else {
        if (r->has_status)
            keep_item(out, old, "status");
        cJSON *meta = kube_meta_object(out);
        const cJSON *old_meta = cJSON_GetObjectItemCaseSensitive(old, "metadata");
        const char *fixed[] = {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                               "deletionGracePeriodSeconds", "generation"};
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
            keep_item(meta, old_meta, fixed[i]);
        kube_meta_type_first(out, kube_resource_api_version(r), r->kind);
        if (r->has_generation &&
            !cJSON_Compare(cJSON_GetObjectItemCaseSensitive(old, "spec"), cJSON_GetObjectItemCaseSensitive(out, "spec"), true)) {
            cJSON *gen = cJSON_GetObjectItemCaseSensitive(meta, "generation");
            double g = cJSON_IsNumber(gen) ? gen->valuedouble : 0;
            cJSON_DeleteItemFromObjectCaseSensitive(meta, "generation");
            cJSON_AddNumberToObject(meta, "generation", g + 1);
        }
    }
    return (kube_result){200, out};
}

static int finalizer_count(const cJSON *obj)
{
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "finalizers"));
}

/* shouldDeleteDuringUpdate: an update takes the last finalizers off an object being deleted
 * whose grace period is over (a pod waiting for its kubelet stays). */
static bool empties_finalizers(const cJSON *old, const cJSON *updated)
{
    const cJSON *grace = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(old, "metadata"),
                                                          "deletionGracePeriodSeconds");
    return finalizer_count(updated) == 0 && finalizer_count(old) > 0 && kube_meta_get(old, "deletionTimestamp") &&
           !(cJSON_IsNumber(grace) && grace->valuedouble > 0);
}
static kube_result commit_update(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                                 const cJSON *new_obj, bool status_only, bool dry_run)
{
    kube_entry *e = kube_store_find_locked(s, r, ns, name);
    if (!e)
        return kube_err_not_found(r, name);
    kube_result res = merge_update(r, e->obj->json, new_obj, name, status_only);
    if (res.code != 200 || dry_run)
        return res;
    if (empties_finalizers(e->obj->json, res.body)) {
        /* the apiserver deletes instead of writing (errEmptiedFinalizers): one DELETED event,
         * and the answer is the object as it was stored, at the deletion's version */
        cJSON_Delete(res.body);
        res.body = kube_store_delete_now_locked(s, r, e, false);
        return res;
    }
    cJSON *copy = cJSON_Duplicate(res.body, true);
    kube_store_replace_locked(s, r, e, copy);
    kube_meta_set(res.body, "resourceVersion", kube_meta_get(copy, "resourceVersion"));
    if (kube_meta_get(copy, "deletionTimestamp"))
        kube_store_run_gc_locked(s, r, e);
    return res;
}

kube_result kube_store_update(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                              const cJSON *obj, bool status_only, bool dry_run)
{
    if (!cJSON_IsObject(obj))
        return kube_err_bad_request("the body of the request was in an unknown format - accepted media types include: "
                                    "application/json, application/yaml");
    pthread_mutex_lock(&s->lock);
    kube_result res = commit_update(s, r, r->namespaced ? ns : NULL, name, obj, status_only, dry_run);
    pthread_mutex_unlock(&s->lock);
    if (res.code == 200 && !dry_run)
        kube_store_run_hook(s);
    return res;
}

kube_result kube_store_patch(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                             kube_patch_type type, const cJSON *patch, bool status_only, bool dry_run)
{
    if (!r->namespaced)
        ns = NULL;
    pthread_mutex_lock(&s->lock);
    kube_entry *e = kube_store_find_locked(s, r, ns, name);
    if (!e) {
        pthread_mutex_unlock(&s->lock);
        return kube_err_not_found(r, name);
    }
    char *error = NULL;
    const cJSON *cur = e->obj->json;
    cJSON *patched = type == KUBE_PATCH_JSON        ? kube_json_patch(cur, patch, &error)
                     : type == KUBE_PATCH_STRATEGIC ? kube_strategic_merge_patch(cur, patch, &error)
                                                    : kube_merge_patch(cur, patch, &error);
    kube_result res;
    if (!patched) {
        char *msg = osh_str_printf("the server rejected our request due to an error in our request: %s", error);
        res = kube_err_bad_request(msg);
        free(msg);
        free(error);
    } else {
        /* a patch only conflicts when it names a resourceVersion itself */
        const cJSON *pm = cJSON_GetObjectItemCaseSensitive(patch, "metadata");
        if (type == KUBE_PATCH_JSON || !cJSON_GetObjectItemCaseSensitive(pm, "resourceVersion"))
            kube_meta_set(patched, "resourceVersion", kube_meta_get(cur, "resourceVersion"));
        res = commit_update(s, r, ns, name, patched, status_only, dry_run);
        cJSON_Delete(patched);
    }
    pthread_mutex_unlock(&s->lock);
    if (res.code == 200 && !dry_run)
        kube_store_run_hook(s);
    return res;
}

