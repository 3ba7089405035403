/* kube_store.c: the object store and the apiserver's write semantics (see kube_store.h and,
 * for the data structures, kube_store_internal.h). Lists and pagination live in
 * kube_store_list.c, import and export in kube_store_io.c, watch support in
 * kube_store_watch.c. */
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

/* ---- stored versions, collections and the owned list (lock held) ---- */

static kube_obj *obj_new(const char *key, cJSON *json)
{
    kube_obj *o = malloc(sizeof(*o));
    if (!o)
        abort();
    o->refs = 1;
    o->key = osh_str_dup(key);
    o->json = json;
    return o;
}

static kube_obj *obj_ref(kube_obj *o)
{
    if (o)
        o->refs++;
    return o;
}

void kube_obj_unref(kube_obj *o)
{
    if (!o || --o->refs > 0)
        return;
    cJSON_Delete(o->json);
    free(o->key);
    free(o);
}

char *kube_store_key(const kube_resource *r, const char *ns, const char *name)
{
    if (r->namespaced)
        return osh_str_printf("%s/%s", ns ? ns : "", name);
    return osh_str_dup(name);
}

kube_collection *kube_store_collection(kube_store *s, const kube_resource *r, int create)
{
    for (size_t i = 0; i < s->n_colls; i++)
        if (s->colls[i]->r == r)
            return s->colls[i];
    if (!create)
        return NULL;
    kube_collection *c = calloc(1, sizeof(*c));
    kube_collection **grown = realloc(s->colls, (s->n_colls + 1) * sizeof(*s->colls));
    if (!c || !grown)
        abort();
    c->r = r;
    c->sorted = 1;
    s->colls = grown;
    s->colls[s->n_colls++] = c;
    return c;
}

kube_entry *kube_store_find_locked(kube_store *s, const kube_resource *r, const char *ns, const char *name)
{
    kube_collection *c = kube_store_collection(s, r, 0);
    if (!c || !name || (r->namespaced && !ns))
        return NULL;
    char *key = kube_store_key(r, ns, name);
    kube_entry *e = kube_index_get(&c->by_key, key);
    free(key);
    return e;
}

static int has_owner_refs(const cJSON *json)
{
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(json, "metadata"),
                                                               "ownerReferences")) > 0;
}

/* Keeps e in the owned list exactly when its current version has ownerReferences. */
static void track_owned(kube_store *s, kube_entry *e)
{
    int owned = has_owner_refs(e->obj->json);
    if (owned && e->owned_slot == KUBE_NOT_OWNED) {
        if (s->n_owned == s->cap_owned) {
            s->cap_owned = s->cap_owned ? s->cap_owned * 2 : 16;
            s->owned = realloc(s->owned, s->cap_owned * sizeof(*s->owned));
            if (!s->owned)
                abort();
        }
        e->owned_slot = s->n_owned;
        s->owned[s->n_owned++] = e;
    } else if (!owned && e->owned_slot != KUBE_NOT_OWNED) {
        kube_entry *moved = s->owned[--s->n_owned];
        s->owned[e->owned_slot] = moved;
        moved->owned_slot = e->owned_slot;
        e->owned_slot = KUBE_NOT_OWNED;
    }
}

static kube_entry *insert_obj(kube_store *s, const kube_resource *r, kube_obj *o)
{
    kube_collection *c = kube_store_collection(s, r, 1);
    kube_entry *e = calloc(1, sizeof(*e));
    if (!e)
        abort();
    e->r = r;
    e->key = osh_str_dup(o->key);
    e->obj = o;
    e->owned_slot = KUBE_NOT_OWNED;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->items = realloc(c->items, c->cap * sizeof(*c->items));
        if (!c->items)
            abort();
    }
    /* appending in key order (bulk creation of node-0001, node-0002...) keeps it sorted */
    if (c->n > 0 && strcmp(c->items[c->n - 1]->key, e->key) > 0)
        c->sorted = 0;
    e->slot = c->n;
    c->items[c->n++] = e;
    kube_index_put(&c->by_key, e->key, e);
    track_owned(s, e);
    return e;
}

void kube_store_insert_locked(kube_store *s, const kube_resource *r, cJSON *obj)
{
    char *key = kube_store_key(r, kube_meta_get(obj, "namespace"), kube_meta_get(obj, "name"));
    insert_obj(s, r, obj_new(key, obj));
    free(key);
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp((*(kube_entry *const *)a)->key, (*(kube_entry *const *)b)->key);
}

void kube_collection_sort(kube_collection *c)
{
    if (c->sorted)
        return;
    qsort(c->items, c->n, sizeof(*c->items), compare_entries);
    for (size_t i = 0; i < c->n; i++)
        c->items[i]->slot = i;
    c->sorted = 1;
}

/* Takes e out of its collection and the owned list, and frees it (not its version). */
static void unlink_entry(kube_store *s, const kube_resource *r, kube_entry *e)
{
    kube_collection *c = kube_store_collection(s, r, 0);
    kube_index_remove(&c->by_key, e->key);
    kube_entry *moved = c->items[--c->n];
    if (moved != e) {
        c->items[e->slot] = moved;
        moved->slot = e->slot;
        c->sorted = 0;
    }
    if (e->owned_slot != KUBE_NOT_OWNED) {
        kube_entry *last = s->owned[--s->n_owned];
        s->owned[e->owned_slot] = last;
        last->owned_slot = e->owned_slot;
    }
    free(e->key);
    free(e);
}

void kube_store_move_locked(kube_store *s, const kube_resource *from, const kube_resource *to,
                            kube_store_convert_fn convert, void *user)
{
    kube_collection *c = kube_store_collection(s, from, 0);
    kube_collection *dst = kube_store_collection(s, to, 1);
    for (size_t i = c && from != to ? c->n : 0; i-- > 0;) {
        kube_entry *e = c->items[i];
        if (kube_index_get(&dst->by_key, e->key))
            continue;
        cJSON *moved = convert ? convert(e->obj->json, user) : cJSON_Duplicate(e->obj->json, true);
        if (!moved)
            continue;
        kube_obj *o = obj_new(e->key, moved);
        kube_obj_unref(e->obj);
        unlink_entry(s, from, e); /* the last item fills slot i: already visited */
        insert_obj(s, to, o);
    }
}

/* ---- the event history (lock held) ---- */

kube_event *kube_store_event_at(kube_store *s, size_t i)
{
    return &s->events[(s->ev_first + i) % KUBE_EVENT_HISTORY];
}

/* Records an event at the store's current version, sharing obj and prev (referenced). */
static void record_event(kube_store *s, const char *type, const kube_resource *r, kube_obj *obj, kube_obj *prev)
{
    if (s->n_events == KUBE_EVENT_HISTORY) {
        kube_event *old = kube_store_event_at(s, 0);
        s->compacted_rv = old->rv;
        kube_obj_unref(old->obj);
        kube_obj_unref(old->prev);
        s->ev_first = (s->ev_first + 1) % KUBE_EVENT_HISTORY;
        s->n_events--;
    }
    kube_event *e = kube_store_event_at(s, s->n_events++);
    snprintf(e->type, sizeof(e->type), "%s", type);
    e->rv = s->rv;
    e->r = r;
    e->obj = obj_ref(obj);
    e->prev = obj_ref(prev);
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

/* Removes e at the next resourceVersion (DELETED event); returns a copy of the object as
 * removed, carrying that version, as the apiserver answers and the watch event shows it. */
static cJSON *remove_entry(kube_store *s, const kube_resource *r, kube_entry *e)
{
    cJSON *gone = cJSON_Duplicate(e->obj->json, true);
    bump_rv(s, gone);
    kube_obj *final = obj_new(e->key, cJSON_Duplicate(gone, true));
    record_event(s, "DELETED", r, final, e->obj);
    kube_obj_unref(final);
    kube_obj_unref(e->obj);
    unlink_entry(s, r, e);
    return gone;
}

/* Replaces e's version with json (taken) at the next resourceVersion (MODIFIED event). */
static void replace_entry(kube_store *s, const kube_resource *r, kube_entry *e, cJSON *json)
{
    bump_rv(s, json);
    kube_obj *prev = e->obj;
    e->obj = obj_new(e->key, json);
    record_event(s, "MODIFIED", r, e->obj, prev);
    kube_obj_unref(prev);
    track_owned(s, e);
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
            bump_rv(s, copy);
            char *key = kube_store_key(r, kube_meta_get(copy, "namespace"), kube_meta_get(copy, "name"));
            kube_entry *e = insert_obj(s, r, obj_new(key, cJSON_Duplicate(copy, true)));
            free(key);
            record_event(s, "ADDED", r, e->obj, NULL);
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

static void run_gc_finalizers_locked(kube_store *s, const kube_resource *r, kube_entry *e);

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
static cJSON *delete_now_locked(kube_store *s, const kube_resource *r, kube_entry *e, bool orphan);

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
        res.body = delete_now_locked(s, r, e, false);
        return res;
    }
    cJSON *copy = cJSON_Duplicate(res.body, true);
    replace_entry(s, r, e, copy);
    kube_meta_set(res.body, "resourceVersion", kube_meta_get(copy, "resourceVersion"));
    if (kube_meta_get(copy, "deletionTimestamp"))
        run_gc_finalizers_locked(s, r, e);
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
        run_hook(s);
    return res;
}

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
    replace_entry(s, r, e, copy);
}

static void collect_garbage_locked(kube_store *s, const char *owner_uid);

/* Deletes e now, with what depends on it; returns the object as removed. Lock held. */
static cJSON *delete_now_locked(kube_store *s, const kube_resource *r, kube_entry *e, bool orphan)
{
    cJSON *gone = remove_entry(s, r, e);
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
                    cJSON_Delete(delete_now_locked(s, coll->r, coll->items[j], orphan));
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
        cJSON_Delete(delete_now_locked(s, e->r, e, false));
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
        replace_entry(s, d->r, d, copy); /* may leave the owned list: look at slot j again */
        if (j < s->n_owned && s->owned[j] != d)
            j--;
    }
}

/* The garbage collector's work once only its finalizers keep a deleted object: orphan
 * (dependents lose their ownerReference) or foregroundDeletion (dependents are deleted
 * first), then the object goes. Done at once, where the real collector works shortly after. */
static void run_gc_finalizers_locked(kube_store *s, const kube_resource *r, kube_entry *e)
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
        replace_entry(s, r, e, copy);
        return;
    }
    cJSON_Delete(delete_now_locked(s, r, e, true));
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
        replace_entry(s, r, e, copy);
    }
    kube_result res = {200, cJSON_Duplicate(e->obj->json, true)};
    const cJSON *fin = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e->obj->json, "metadata"), "finalizers");
    if (cJSON_GetArraySize(fin) == 0)
        cJSON_Delete(delete_now_locked(s, r, e, false));
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
        run_gc_finalizers_locked(s, r, e);
        return res;
    }
    cJSON *gone = delete_now_locked(s, r, e, false);
    if (returns_deleted_object(r))
        return (kube_result){200, gone};
    kube_result res = {200, kube_status_success(r, kube_meta_get(gone, "name"), kube_meta_get(gone, "uid"))};
    cJSON_Delete(gone);
    return res;
}

kube_result kube_store_delete(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                              const kube_delete_opts *opts)
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
    res = e ? delete_locked(s, r, e, opts) : kube_err_not_found(r, name);
    pthread_mutex_unlock(&s->lock);
    if (e && !opts->dry_run)
        run_hook(s);
    return res;
}
