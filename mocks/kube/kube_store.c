/* kube_store.c: the object store and the apiserver's write semantics (see kube_store.h).
 * Import and export live in kube_store_io.c, watch support in kube_store_watch.c. */
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

#define EVENT_HISTORY 2048

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
    for (size_t i = 0; i < s->n_entries; i++)
        cJSON_Delete(s->entries[i].obj);
    free(s->entries);
    for (size_t i = 0; i < s->n_events; i++)
        cJSON_Delete(s->events[i].obj);
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

static void run_hook(kube_store *s)
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

/* ---- entries and events (lock held) ---- */

ssize_t kube_store_find_locked(kube_store *s, const kube_resource *r, const char *ns, const char *name)
{
    for (size_t i = 0; i < s->n_entries; i++) {
        if (s->entries[i].r != r)
            continue;
        const char *n = kube_meta_get(s->entries[i].obj, "name");
        const char *o = kube_meta_get(s->entries[i].obj, "namespace");
        if (n && strcmp(n, name) == 0 && (!r->namespaced || (o && ns && strcmp(o, ns) == 0)))
            return (ssize_t)i;
    }
    return -1;
}

static void record_event(kube_store *s, const char *type, const kube_resource *r, const cJSON *obj)
{
    if (s->n_events == EVENT_HISTORY) {
        s->compacted_rv = s->events[0].rv;
        cJSON_Delete(s->events[0].obj);
        memmove(s->events, s->events + 1, (EVENT_HISTORY - 1) * sizeof(*s->events));
        s->n_events--;
    }
    if (s->n_events == s->cap_events) {
        s->cap_events = s->cap_events ? s->cap_events * 2 : 64;
        s->events = realloc(s->events, s->cap_events * sizeof(*s->events));
        if (!s->events)
            abort();
    }
    kube_event *e = &s->events[s->n_events++];
    snprintf(e->type, sizeof(e->type), "%s", type);
    e->rv = s->rv;
    e->r = r;
    e->obj = cJSON_Duplicate(obj, true);
    pthread_cond_broadcast(&s->changed);
    for (size_t i = 0; i < sizeof(s->listeners) / sizeof(s->listeners[0]); i++)
        if (s->listeners[i].fn)
            s->listeners[i].fn(s->listeners[i].user);
}

/* Gives obj the next resourceVersion. */
static void bump_rv(kube_store *s, cJSON *obj)
{
    s->rv++;
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", s->rv);
    kube_meta_set(obj, "resourceVersion", buf);
}

void kube_store_insert_locked(kube_store *s, const kube_resource *r, cJSON *obj)
{
    if (s->n_entries == s->cap_entries) {
        s->cap_entries = s->cap_entries ? s->cap_entries * 2 : 32;
        s->entries = realloc(s->entries, s->cap_entries * sizeof(*s->entries));
        if (!s->entries)
            abort();
    }
    s->entries[s->n_entries].r = r;
    s->entries[s->n_entries].obj = obj;
    s->n_entries++;
}

static void remove_entry(kube_store *s, size_t i)
{
    bump_rv(s, s->entries[i].obj);
    record_event(s, "DELETED", s->entries[i].r, s->entries[i].obj);
    cJSON_Delete(s->entries[i].obj);
    memmove(s->entries + i, s->entries + i + 1, (s->n_entries - i - 1) * sizeof(*s->entries));
    s->n_entries--;
}

static void replace_entry(kube_store *s, size_t i, cJSON *obj)
{
    bump_rv(s, obj);
    cJSON_Delete(s->entries[i].obj);
    s->entries[i].obj = obj;
    record_event(s, "MODIFIED", s->entries[i].r, obj);
}

/* ---- get and list ---- */

kube_result kube_store_get(kube_store *s, const kube_resource *r, const char *ns, const char *name)
{
    pthread_mutex_lock(&s->lock);
    ssize_t i = kube_store_find_locked(s, r, ns, name);
    kube_result res = i < 0 ? kube_err_not_found(r, name) : (kube_result){200, cJSON_Duplicate(s->entries[i].obj, true)};
    pthread_mutex_unlock(&s->lock);
    return res;
}

static int compare_items(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    const char *nx = kube_meta_get(x, "namespace"), *ny = kube_meta_get(y, "namespace");
    int c = strcmp(nx ? nx : "", ny ? ny : "");
    if (c)
        return c;
    return strcmp(kube_meta_get(x, "name"), kube_meta_get(y, "name"));
}

kube_result kube_store_list(kube_store *s, const kube_resource *r, const char *ns, const char *label_selector,
                            const char *field_selector)
{
    char *error = NULL;
    kube_selector *ls = kube_label_selector_parse(label_selector, &error);
    if (!ls) {
        kube_result res = kube_err_bad_request(error);
        free(error);
        return res;
    }
    kube_selector *fs = kube_field_selector_parse(field_selector, r, &error);
    if (!fs) {
        kube_selector_free(ls);
        kube_result res = kube_err_bad_request(error);
        free(error);
        return res;
    }
    pthread_mutex_lock(&s->lock);
    size_t n = 0;
    const cJSON **matches = calloc(s->n_entries + 1, sizeof(*matches));
    for (size_t i = 0; i < s->n_entries; i++) {
        const cJSON *o = s->entries[i].obj;
        const char *ons = kube_meta_get(o, "namespace");
        if (s->entries[i].r != r || (r->namespaced && ns && (!ons || strcmp(ons, ns) != 0)))
            continue;
        if (kube_selector_matches(ls, o) && kube_selector_matches(fs, o))
            matches[n++] = o;
    }
    qsort(matches, n, sizeof(*matches), compare_items);
    cJSON *list = cJSON_CreateObject();
    char *kind = osh_str_printf("%sList", r->kind);
    cJSON_AddStringToObject(list, "kind", kind);
    free(kind);
    cJSON_AddStringToObject(list, "apiVersion", kube_resource_api_version(r));
    cJSON *meta = cJSON_AddObjectToObject(list, "metadata");
    char rv[32];
    snprintf(rv, sizeof(rv), "%lld", s->rv);
    cJSON_AddStringToObject(meta, "resourceVersion", rv);
    cJSON *items = cJSON_AddArrayToObject(list, "items");
    for (size_t i = 0; i < n; i++) {
        cJSON *copy = cJSON_Duplicate(matches[i], true);
        /* Items of a list carry no apiVersion/kind in the apiserver's answers. */
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "apiVersion");
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "kind");
        cJSON_AddItemToArray(items, copy);
    }
    pthread_mutex_unlock(&s->lock);
    free(matches);
    kube_selector_free(ls);
    kube_selector_free(fs);
    return (kube_result){200, list};
}

/* ---- create ---- */

static bool namespace_exists_locked(kube_store *s, const char *ns)
{
    return kube_store_find_locked(s, kube_resource_by_path("", "v1", "namespaces"), NULL, ns) >= 0;
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
    if (kube_store_find_locked(s, r, ns, name) >= 0)
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
            bump_rv(s, copy);
            kube_store_insert_locked(s, r, cJSON_Duplicate(copy, true));
            record_event(s, "ADDED", r, copy);
        }
        res = (kube_result){201, copy};
        copy = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    cJSON_Delete(copy);
    if (res.code == 201 && !dry_run)
        run_hook(s);
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

static kube_result commit_update(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                                 const cJSON *new_obj, bool status_only, bool dry_run)
{
    ssize_t i = kube_store_find_locked(s, r, ns, name);
    if (i < 0)
        return kube_err_not_found(r, name);
    kube_result res = merge_update(r, s->entries[i].obj, new_obj, name, status_only);
    if (res.code != 200)
        return res;
    if (dry_run)
        return res;
    cJSON *copy = cJSON_Duplicate(res.body, true);
    replace_entry(s, (size_t)i, copy);
    kube_meta_set(res.body, "resourceVersion", kube_meta_get(copy, "resourceVersion"));
    /* an object whose last finalizer went away while it was being deleted is gone now */
    const cJSON *fin = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(copy, "metadata"), "finalizers");
    if (kube_meta_get(copy, "deletionTimestamp") && cJSON_GetArraySize(fin) == 0 && strcmp(r->plural, "pods") != 0)
        remove_entry(s, (size_t)i);
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
        run_hook(s);
    return res;
}

kube_result kube_store_patch(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                             kube_patch_type type, const cJSON *patch, bool status_only, bool dry_run)
{
    if (!r->namespaced)
        ns = NULL;
    pthread_mutex_lock(&s->lock);
    ssize_t i = kube_store_find_locked(s, r, ns, name);
    if (i < 0) {
        pthread_mutex_unlock(&s->lock);
        return kube_err_not_found(r, name);
    }
    char *error = NULL;
    const cJSON *cur = s->entries[i].obj;
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
        run_hook(s);
    return res;
}

/* ---- delete ---- */

static bool node_ready_locked(kube_store *s, const char *node)
{
    ssize_t i = kube_store_find_locked(s, kube_resource_by_path("", "v1", "nodes"), NULL, node);
    if (i < 0)
        return false;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s->entries[i].obj, "status"),
                                                           "conditions"))
    {
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "type"));
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "status"));
        if (type && strcmp(type, "Ready") == 0)
            return st && strcmp(st, "True") == 0;
    }
    return false;
}

/* Marks the object as being deleted (deletionTimestamp) and keeps it. */
static void mark_deleting(kube_store *s, size_t i, int grace)
{
    cJSON *copy = cJSON_Duplicate(s->entries[i].obj, true);
    if (!kube_meta_get(copy, "deletionTimestamp")) {
        char *now = kube_meta_now();
        kube_meta_set(copy, "deletionTimestamp", now);
        free(now);
        cJSON *meta = kube_meta_object(copy);
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "deletionGracePeriodSeconds");
        cJSON_AddNumberToObject(meta, "deletionGracePeriodSeconds", grace < 0 ? 30 : grace);
    }
    replace_entry(s, i, copy);
}

static void collect_garbage_locked(kube_store *s, const char *owner_uid);

/* Deletes entry i now, with what depends on it; the caller holds the lock. */
static void delete_now_locked(kube_store *s, size_t i, bool orphan)
{
    const kube_resource *r = s->entries[i].r;
    char *uid = osh_str_dup(kube_meta_get(s->entries[i].obj, "uid"));
    char *name = osh_str_dup(kube_meta_get(s->entries[i].obj, "name"));
    remove_entry(s, i);
    if (strcmp(r->plural, "namespaces") == 0) {
        for (size_t j = s->n_entries; j-- > 0;) {
            const char *ons = kube_meta_get(s->entries[j].obj, "namespace");
            if (s->entries[j].r->namespaced && ons && strcmp(ons, name) == 0) {
                remove_entry(s, j);
                j = s->n_entries;
            }
        }
    }
    if (!orphan && uid)
        collect_garbage_locked(s, uid);
    free(uid);
    free(name);
}

static void collect_garbage_locked(kube_store *s, const char *owner_uid)
{
    for (size_t j = 0; j < s->n_entries; j++) {
        const cJSON *ref;
        bool owned = false;
        cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s->entries[j].obj, "metadata"),
                                                                 "ownerReferences"))
        {
            const char *u = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ref, "uid"));
            owned = owned || (u && strcmp(u, owner_uid) == 0);
        }
        if (owned) {
            delete_now_locked(s, j, false);
            j = (size_t)-1;
        }
    }
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
    const char *prop = opts->propagation;
    if (prop && strcmp(prop, "Orphan") != 0 && strcmp(prop, "Background") != 0 && strcmp(prop, "Foreground") != 0) {
        char *msg = osh_str_printf("DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: "
                                   "\"%s\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
                                   prop);
        kube_result res = {422, kube_status_failure(422, "Invalid", msg, NULL)};
        free(msg);
        return res;
    }
    if (!r->namespaced)
        ns = NULL;
    pthread_mutex_lock(&s->lock);
    ssize_t i = kube_store_find_locked(s, r, ns, name);
    if (i < 0) {
        pthread_mutex_unlock(&s->lock);
        return kube_err_not_found(r, name);
    }
    if (strcmp(r->plural, "namespaces") == 0 &&
        (strcmp(name, "default") == 0 || strcmp(name, "kube-system") == 0 || strcmp(name, "kube-public") == 0)) {
        pthread_mutex_unlock(&s->lock);
        /* the NamespaceLifecycle admission plugin protects these */
        char *msg = osh_str_printf("namespaces \"%s\" is forbidden: this namespace may not be deleted", name);
        cJSON *details = cJSON_CreateObject();
        cJSON_AddStringToObject(details, "name", name);
        cJSON_AddStringToObject(details, "kind", "namespaces");
        kube_result res = {403, kube_status_failure(403, "Forbidden", msg, details)};
        free(msg);
        return res;
    }
    cJSON *obj = s->entries[i].obj;
    char *unmet = precondition_failure(r, ns, name, obj, pre);
    if (unmet) {
        pthread_mutex_unlock(&s->lock);
        kube_result res = kube_err_conflict_because(r, name, unmet);
        free(unmet);
        return res;
    }
    const cJSON *fin = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "finalizers");
    const char *node = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "spec"), "nodeName"));
    bool graceful_pod = strcmp(r->plural, "pods") == 0 && opts->grace_period_seconds != 0 && node && *node &&
                        !node_ready_locked(s, node);
    bool keep = cJSON_GetArraySize(fin) > 0 || graceful_pod;
    kube_result res;
    if (opts->dry_run) {
        res = (kube_result){200, cJSON_Duplicate(obj, true)};
    } else if (keep) {
        mark_deleting(s, (size_t)i, opts->grace_period_seconds);
        res = (kube_result){200, cJSON_Duplicate(s->entries[i].obj, true)};
    } else {
        cJSON *gone = cJSON_Duplicate(obj, true);
        bool returns_object = strcmp(r->plural, "pods") == 0 || strcmp(r->plural, "namespaces") == 0 ||
                              strcmp(r->plural, "sandboxes") == 0;
        delete_now_locked(s, (size_t)i, prop && strcmp(prop, "Orphan") == 0);
        if (returns_object) {
            res = (kube_result){200, gone};
        } else {
            res = (kube_result){200, kube_status_success(r, name, kube_meta_get(gone, "uid"))};
            cJSON_Delete(gone);
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (!opts->dry_run)
        run_hook(s);
    return res;
}

