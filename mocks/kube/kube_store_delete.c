/* kube_store_delete.c: DELETE with the generic registry's semantics (see kube_store.h and
 * docs/mocks.md): what each kind answers, marking for deletion (grace periods, finalizers),
 * namespaces going Terminating, and the garbage collector's part (Background, Foreground,
 * Orphan), carried out at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube_meta.h"
#include "kube_store_internal.h"
#include "osh_str.h"

/* ---- delete ---- */

static bool node_ready_locked(kube_store *s, const char *node)
{
    kube_entry *e = kube_store_find_locked(s, kube_resource_by_path("", "v1", "nodes"), NULL, node);
    if (!e)
        return false;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e->obj->json, "status"),
                                                           "conditions"))
    {
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "type"));
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "status"));
        if (type && strcmp(type, "Ready") == 0)
            return st && strcmp(st, "True") == 0;
    }
    return false;
}

/* RFC 3339 UTC of now + seconds (malloc'd). */
static char *time_after(int seconds)
{
    time_t t = time(NULL) + seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return osh_str_dup(buf);
}

static void set_number(cJSON *obj, const char *key, double v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    cJSON_AddNumberToObject(obj, key, v);
}

/* Marks e as being deleted and keeps it, as the generic registry does: a pod (graceful) gets
 * deletionTimestamp = now + its grace period; every other kind now, with a grace period of 0
 * and its generation bumped (markAsDeleting). gc_finalizer ("orphan", "foregroundDeletion")
 * is added for the garbage collector. An object already being deleted is left as it is. */
static void mark_deleting(kube_store *s, const kube_resource *r, kube_entry *e, int grace, const char *gc_finalizer)
{
    if (kube_meta_get(e->obj->json, "deletionTimestamp"))
        return;
    cJSON *copy = cJSON_Duplicate(e->obj->json, true);
    cJSON *meta = kube_meta_object(copy);
    bool pod = strcmp(r->plural, "pods") == 0;
    if (pod && grace < 0) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(copy, "spec"),
                                                          "terminationGracePeriodSeconds");
        grace = cJSON_IsNumber(t) && t->valuedouble >= 0 && t->valuedouble < 1e9 ? (int)t->valuedouble : 30;
    }
    char *when = time_after(pod ? grace : 0);
    kube_meta_set(copy, "deletionTimestamp", when);
    free(when);
    set_number(meta, "deletionGracePeriodSeconds", pod ? grace : 0);
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(meta, "generation");
    if (!pod && cJSON_IsNumber(gen) && gen->valuedouble > 0)
        set_number(meta, "generation", gen->valuedouble + 1);
    if (gc_finalizer) {
        cJSON *fin = cJSON_GetObjectItemCaseSensitive(meta, "finalizers");
        if (!cJSON_IsArray(fin)) {
            cJSON_DeleteItemFromObjectCaseSensitive(meta, "finalizers");
            fin = cJSON_AddArrayToObject(meta, "finalizers");
        }
        cJSON_AddItemToArray(fin, cJSON_CreateString(gc_finalizer));
    }
    kube_store_replace_locked(s, r, e, copy);
}

static void collect_garbage_locked(kube_store *s, const char *owner_uid);

/* Deletes e now, with what depends on it; returns the object as removed. Lock held. */
cJSON *kube_store_delete_now_locked(kube_store *s, const kube_resource *r, kube_entry *e, bool orphan)
{
    cJSON *gone = kube_store_remove_locked(s, r, e);
    const char *uid = kube_meta_get(gone, "uid");
    if (strcmp(r->plural, "namespaces") == 0) {
        /* the namespace controller empties a deleted namespace */
        const char *name = kube_meta_get(gone, "name");
        for (size_t c = 0; c < s->n_colls; c++) {
            kube_collection *coll = s->colls[c];
            for (size_t j = coll->n; coll->r->namespaced && j-- > 0;) {
                if (j >= coll->n)
                    continue; /* garbage collection took more than one */
                const char *ons = kube_meta_get(coll->items[j]->obj->json, "namespace");
                if (ons && strcmp(ons, name) == 0)
                    cJSON_Delete(kube_store_delete_now_locked(s, coll->r, coll->items[j], orphan));
            }
        }
    }
    if (!orphan && uid)
        collect_garbage_locked(s, uid);
    return gone;
}

static bool owned_by(const kube_entry *e, const char *owner_uid)
{
    const cJSON *ref;
    cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e->obj->json, "metadata"),
                                                             "ownerReferences"))
    {
        const char *u = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ref, "uid"));
        if (u && strcmp(u, owner_uid) == 0)
            return true;
    }
    return false;
}

/* What the garbage collector does after an owner goes (Background): deletes its dependents.
 * Only the owned list is scanned, so deleting objects nobody points at stays O(1). */
static void collect_garbage_locked(kube_store *s, const char *owner_uid)
{
    for (size_t j = 0; j < s->n_owned; j++) {
        kube_entry *e = s->owned[j];
        if (!owned_by(e, owner_uid))
            continue;
        cJSON_Delete(kube_store_delete_now_locked(s, e->r, e, false));
        j = (size_t)-1; /* the list changed: start over */
    }
}

/* The registries whose Delete answers the deleted object rather than a Status
 * (ReturnDeletedObject in kubernetes/pkg/registry: pods, persistentvolumes,
 * persistentvolumeclaims; namespaces answer the namespace from their own Delete). Every
 * other served kind, custom resources included, answers Status Success with details. */
static bool returns_deleted_object(const kube_resource *r)
{
    /* services: ReturnDeletedObject since the 1.23 rewrite of their registry (from memory:
     * the stored sources read here predate it); not served by this branch yet */
    static const char *const plurals[] = {"pods", "persistentvolumes", "persistentvolumeclaims", "namespaces", "services"};
    if (r->group[0])
        return false;
    for (size_t i = 0; i < sizeof(plurals) / sizeof(plurals[0]); i++)
        if (strcmp(r->plural, plurals[i]) == 0)
            return true;
    return false;
}

static kube_result forbid_protected_namespace(const char *name)
{
    /* the NamespaceLifecycle admission plugin protects these */
    char *msg = osh_str_printf("namespaces \"%s\" is forbidden: this namespace may not be deleted", name);
    cJSON *details = cJSON_CreateObject();
    cJSON_AddStringToObject(details, "name", name);
    cJSON_AddStringToObject(details, "kind", "namespaces");
    kube_result res = {403, kube_status_failure(403, "Forbidden", msg, details)};
    free(msg);
    return res;
}

static kube_result check_propagation(const char *prop)
{
    if (!prop || strcmp(prop, "Orphan") == 0 || strcmp(prop, "Background") == 0 || strcmp(prop, "Foreground") == 0)
        return (kube_result){0, NULL};
    char *msg = osh_str_printf("DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: "
                               "\"%s\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
                               prop);
    kube_result res = {422, kube_status_failure(422, "Invalid", msg, NULL)};
    free(msg);
    return res;
}

/* Deletes or marks e as the apiserver's generic registry does (lock held). */
/* A pod on a node that is not Ready waits for its kubelet to confirm the deletion. */
static bool graceful_pod_pending(kube_store *s, const kube_resource *r, const cJSON *obj, int grace)
{
    const char *node = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "spec"), "nodeName"));
    return strcmp(r->plural, "pods") == 0 && grace != 0 && node && *node && !node_ready_locked(s, node);
}

static bool is_gc_finalizer(const char *f)
{
    return f && (strcmp(f, "orphan") == 0 || strcmp(f, "foregroundDeletion") == 0);
}

/* Drops ownerReferences to owner_uid from every dependent (MODIFIED each). */
static void orphan_dependents_locked(kube_store *s, const char *owner_uid)
{
    for (size_t j = 0; j < s->n_owned; j++) {
        kube_entry *d = s->owned[j];
        cJSON *copy = cJSON_Duplicate(d->obj->json, true);
        cJSON *refs = cJSON_GetObjectItemCaseSensitive(kube_meta_object(copy), "ownerReferences");
        bool changed = false;
        for (int k = cJSON_GetArraySize(refs); k-- > 0;) {
            const char *u = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(refs, k), "uid"));
            if (u && strcmp(u, owner_uid) == 0) {
                cJSON_DeleteItemFromArray(refs, k);
                changed = true;
            }
        }
        if (cJSON_GetArraySize(refs) == 0)
            cJSON_DeleteItemFromObjectCaseSensitive(kube_meta_object(copy), "ownerReferences");
        if (!changed) {
            cJSON_Delete(copy);
            continue;
        }
        kube_store_replace_locked(s, d->r, d, copy); /* may leave the owned list: look at slot j again */
        if (j < s->n_owned && s->owned[j] != d)
            j--;
    }
}

/* The garbage collector's work once only its finalizers keep a deleted object: orphan
 * (dependents lose their ownerReference) or foregroundDeletion (dependents are deleted
 * first), then the object goes. Done at once, where the real collector works shortly after. */
void kube_store_run_gc_locked(kube_store *s, const kube_resource *r, kube_entry *e)
{
    const cJSON *fin = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e->obj->json, "metadata"), "finalizers");
    bool orphan = false, foreground = false;
    const cJSON *f;
    cJSON_ArrayForEach(f, fin)
    {
        const char *name = cJSON_GetStringValue(f);
        if (!is_gc_finalizer(name))
            return;
        orphan = orphan || strcmp(name, "orphan") == 0;
        foreground = foreground || strcmp(name, "foregroundDeletion") == 0;
    }
    if (!kube_meta_get(e->obj->json, "deletionTimestamp") || (!orphan && !foreground))
        return;
    char *uid = osh_str_dup(kube_meta_get(e->obj->json, "uid"));
    if (uid && orphan)
        orphan_dependents_locked(s, uid);
    else if (uid)
        collect_garbage_locked(s, uid);
    free(uid);
    if (graceful_pod_pending(s, r, e->obj->json, -1)) {
        cJSON *copy = cJSON_Duplicate(e->obj->json, true);
        cJSON_DeleteItemFromObjectCaseSensitive(kube_meta_object(copy), "finalizers");
        kube_store_replace_locked(s, r, e, copy);
        return;
    }
    cJSON_Delete(kube_store_delete_now_locked(s, r, e, true));
}

/* Terminating first (MODIFIED, the answer), then, as the namespace controller would, the
 * contents and the namespace itself go. */
static kube_result delete_namespace_locked(kube_store *s, const kube_resource *r, kube_entry *e)
{
    if (!kube_meta_get(e->obj->json, "deletionTimestamp")) {
        cJSON *copy = cJSON_Duplicate(e->obj->json, true);
        char *now = kube_meta_now();
        kube_meta_set(copy, "deletionTimestamp", now);
        free(now);
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "status");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(copy, "status"), "phase", "Terminating");
        kube_store_replace_locked(s, r, e, copy);
    }
    kube_result res = {200, cJSON_Duplicate(e->obj->json, true)};
    const cJSON *fin = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e->obj->json, "metadata"), "finalizers");
    if (cJSON_GetArraySize(fin) == 0)
        cJSON_Delete(kube_store_delete_now_locked(s, r, e, false));
    return res;
}

static kube_result delete_locked(kube_store *s, const kube_resource *r, kube_entry *e, const kube_delete_opts *opts)
{
    const cJSON *obj = e->obj->json;
    const cJSON *fin = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "finalizers");
    const char *prop = opts->propagation;
    const char *gc_finalizer = !prop                                ? NULL
                               : strcmp(prop, "Orphan") == 0     ? "orphan"
                               : strcmp(prop, "Foreground") == 0 ? "foregroundDeletion"
                                                                  : NULL;
    bool kept = cJSON_GetArraySize(fin) > 0 || graceful_pod_pending(s, r, obj, opts->grace_period_seconds) ||
                gc_finalizer || strcmp(r->plural, "namespaces") == 0;
    if (opts->dry_run) {
        if (kept || returns_deleted_object(r))
            return (kube_result){200, cJSON_Duplicate(obj, true)};
        return (kube_result){200, kube_status_success(r, kube_meta_get(obj, "name"), kube_meta_get(obj, "uid"))};
    }
    if (strcmp(r->plural, "namespaces") == 0)
        return delete_namespace_locked(s, r, e);
    if (kept) {
        /* not gone yet: every kind answers the object, now with its deletionTimestamp */
        mark_deleting(s, r, e, opts->grace_period_seconds, gc_finalizer);
        kube_result res = {200, cJSON_Duplicate(e->obj->json, true)};
        kube_store_run_gc_locked(s, r, e);
        return res;
    }
    cJSON *gone = kube_store_delete_now_locked(s, r, e, false);
    if (returns_deleted_object(r))
        return (kube_result){200, gone};
    kube_result res = {200, kube_status_success(r, kube_meta_get(gone, "name"), kube_meta_get(gone, "uid"))};
    cJSON_Delete(gone);
    return res;
}

/* DeleteOptions.preconditions as the apiserver's storage checks them (uid first, then
 * resourceVersion; storage/interfaces.go Preconditions.Check), worded as the etcd3 store's
 * InvalidObj error that the registry turns into a 409 Conflict. NULL when met. */
static char *precondition_failure(const kube_resource *r, const char *ns, const char *name, const cJSON *obj,
                                  const kube_preconditions *pre)
{
    if (!pre)
        return NULL;
    const char *uid = kube_meta_get(obj, "uid"), *rv = kube_meta_get(obj, "resourceVersion");
    char *why = NULL;
    if (pre->uid && strcmp(pre->uid, uid ? uid : "") != 0)
        why = osh_str_printf("Precondition failed: UID in precondition: %s, UID in object meta: %s",
                             pre->uid, uid ? uid : "");
    else if (pre->resource_version && strcmp(pre->resource_version, rv ? rv : "") != 0)
        why = osh_str_printf("Precondition failed: ResourceVersion in precondition: %s, ResourceVersion in object meta: %s",
                             pre->resource_version, rv ? rv : "");
    if (!why)
        return NULL;
    char *key = r->group[0] ? (ns ? osh_str_printf("/registry/%s/%s/%s/%s", r->group, r->plural, ns, name)
                                  : osh_str_printf("/registry/%s/%s/%s", r->group, r->plural, name))
                            : (ns ? osh_str_printf("/registry/%s/%s/%s", r->plural, ns, name)
                                  : osh_str_printf("/registry/%s/%s", r->plural, name));
    char *text = osh_str_printf("StorageError: invalid object, Code: 4, Key: %s, ResourceVersion: 0, "
                                "AdditionalErrorMsg: %s", key, why);
    free(key);
    free(why);
    return text;
}

kube_result kube_store_delete(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                              const kube_delete_opts *opts)
{
    return kube_store_delete_if(s, r, ns, name, opts, NULL);
}

kube_result kube_store_delete_if(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                                 const kube_delete_opts *opts, const kube_preconditions *pre)
{
    kube_delete_opts defaults = {-1, NULL, false};
    if (!opts)
        opts = &defaults;
    kube_result res = check_propagation(opts->propagation);
    if (res.code)
        return res;
    if (!r->namespaced)
        ns = NULL;
    if (strcmp(r->plural, "namespaces") == 0 &&
        (strcmp(name, "default") == 0 || strcmp(name, "kube-system") == 0 || strcmp(name, "kube-public") == 0))
        return forbid_protected_namespace(name);
    pthread_mutex_lock(&s->lock);
    kube_entry *e = kube_store_find_locked(s, r, ns, name);
    char *unmet = e ? precondition_failure(r, ns, name, e->obj->json, pre) : NULL;
    if (unmet)
        res = kube_err_conflict_because(r, name, unmet);
    else
        res = e ? delete_locked(s, r, e, opts) : kube_err_not_found(r, name);
    pthread_mutex_unlock(&s->lock);
    if (e && !unmet && !opts->dry_run)
        kube_store_run_hook(s);
    free(unmet);
    return res;
}

