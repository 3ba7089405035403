/* kube_store_data.c: the store's data structures (see kube_store_internal.h): stored
 * versions, the per-resource collections with their hash index and lazy key order, the list
 * of objects that have owners, and the ring of changes; every write goes through
 * kube_store_record_locked, which also wakes watchers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube_meta.h"
#include "kube_store_internal.h"
#include "osh_str.h"

/* ---- stored versions, collections and the owned list (lock held) ---- */

kube_obj *kube_obj_new(const char *key, cJSON *json)
{
    kube_obj *o = malloc(sizeof(*o));
    if (!o)
        abort();
    o->refs = 1;
    o->key = osh_str_dup(key);
    o->json = json;
    return o;
}

kube_obj *kube_obj_ref(kube_obj *o)
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

kube_entry *kube_store_insert_obj_locked(kube_store *s, const kube_resource *r, kube_obj *o)
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
    kube_store_insert_obj_locked(s, r, kube_obj_new(key, obj));
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
        kube_obj *o = kube_obj_new(e->key, moved);
        kube_obj_unref(e->obj);
        unlink_entry(s, from, e); /* the last item fills slot i: already visited */
        kube_store_insert_obj_locked(s, to, o);
    }
}

/* ---- the event history (lock held) ---- */

kube_event *kube_store_event_at(kube_store *s, size_t i)
{
    return &s->events[(s->ev_first + i) % KUBE_EVENT_HISTORY];
}

/* Records an event at the store's current version, sharing obj and prev (referenced). */
void kube_store_record_locked(kube_store *s, const char *type, const kube_resource *r, kube_obj *obj, kube_obj *prev)
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
    e->obj = kube_obj_ref(obj);
    e->prev = kube_obj_ref(prev);
    pthread_cond_broadcast(&s->changed);
    for (size_t i = 0; i < sizeof(s->listeners) / sizeof(s->listeners[0]); i++)
        if (s->listeners[i].fn)
            s->listeners[i].fn(s->listeners[i].user);
}

/* Gives obj the next resourceVersion. */
void kube_store_bump_rv_locked(kube_store *s, cJSON *obj)
{
    s->rv++;
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", s->rv);
    kube_meta_set(obj, "resourceVersion", buf);
}

/* Removes e at the next resourceVersion (DELETED event); returns a copy of the object as
 * removed, carrying that version, as the apiserver answers and the watch event shows it. */
cJSON *kube_store_remove_locked(kube_store *s, const kube_resource *r, kube_entry *e)
{
    cJSON *gone = cJSON_Duplicate(e->obj->json, true);
    kube_store_bump_rv_locked(s, gone);
    kube_obj *final = kube_obj_new(e->key, cJSON_Duplicate(gone, true));
    kube_store_record_locked(s, "DELETED", r, final, e->obj);
    kube_obj_unref(final);
    kube_obj_unref(e->obj);
    unlink_entry(s, r, e);
    return gone;
}

/* Replaces e's version with json (taken) at the next resourceVersion (MODIFIED event). */
void kube_store_replace_locked(kube_store *s, const kube_resource *r, kube_entry *e, cJSON *json)
{
    kube_store_bump_rv_locked(s, json);
    kube_obj *prev = e->obj;
    e->obj = kube_obj_new(e->key, json);
    kube_store_record_locked(s, "MODIFIED", r, e->obj, prev);
    kube_obj_unref(prev);
    track_owned(s, e);
}

