/* kube_store_internal.h: the store's data, shared by the kube_store*.c files only.
 *
 * Objects are kept per resource (a collection): a hash index by key for get/create/update/
 * delete in constant time, and a dense array that is sorted lazily (by key, the order of the
 * apiserver's etcd keys) when a list needs it. Every stored version of an object is
 * immutable and reference counted, so the event history shares versions with the
 * collections instead of copying them; each event also keeps the version it replaced, which
 * is how a paginated list is served from a consistent snapshot at an older resourceVersion
 * (as etcd serves a continue token) for as long as the history reaches back that far. */
#ifndef KUBE_STORE_INTERNAL_H
#define KUBE_STORE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>

#include "kube_index.h"
#include "kube_store.h"

#define KUBE_EVENT_HISTORY KUBE_STORE_HISTORY

/* One stored version of an object; never changed once stored (lock held for refs). */
typedef struct kube_obj {
    int refs;
    char *key; /* "namespace/name" or "name" */
    cJSON *json;
} kube_obj;

typedef struct kube_entry {
    const kube_resource *r;
    char *key;         /* the index's key; same text as obj->key */
    kube_obj *obj;     /* the current version */
    size_t slot;       /* position in its collection's items */
    size_t owned_slot; /* position in the store's owned list, or KUBE_NOT_OWNED */
} kube_entry;

#define KUBE_NOT_OWNED ((size_t)-1)

typedef struct kube_collection {
    const kube_resource *r;
    kube_index by_key;
    kube_entry **items;
    size_t n, cap;
    int sorted; /* items are in key order */
} kube_collection;

typedef struct kube_event {
    char type[10]; /* ADDED, MODIFIED, DELETED */
    long long rv;
    const kube_resource *r;
    kube_obj *obj;  /* after the change (DELETED: as removed, with the deletion's version) */
    kube_obj *prev; /* before the change; NULL for ADDED */
} kube_event;

struct kube_store {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int refs;
    long long rv;           /* last resourceVersion handed out */
    long long compacted_rv; /* events up to this version are gone */
    kube_collection **colls;
    size_t n_colls;
    kube_entry **owned; /* entries with ownerReferences, for garbage collection */
    size_t n_owned, cap_owned;
    kube_event *events; /* a ring of KUBE_EVENT_HISTORY */
    size_t ev_first, n_events;
    kube_store_hook hook;
    void *hook_user;
    struct {
        int id;
        kube_store_listener fn;
        void *user;
    } listeners[16];
    int next_listener_id;
    struct kube_crd *crds[4]; /* the CustomResourceDefinitions installed (kube_store_crd.c) */
    size_t n_crds;
};

kube_store *kube_store_new_empty(void);
/* The store key of ns/name for r ("ns/name", or "name" for a cluster-scoped r), malloc'd. */
char *kube_store_key(const kube_resource *r, const char *ns, const char *name);
/* r's collection; created when create is set, else NULL when r has none yet. */
kube_collection *kube_store_collection(kube_store *s, const kube_resource *r, int create);
kube_entry *kube_store_find_locked(kube_store *s, const kube_resource *r, const char *ns, const char *name);
/* Stores obj (taken) as a new entry without recording an event (import). */
void kube_store_insert_locked(kube_store *s, const kube_resource *r, cJSON *obj);
/* Validates and fills a new object's metadata; .code == 0 when admitted. keep_status keeps
 * status, uid and creationTimestamp as given (import). */
kube_result kube_store_admit_new_locked(kube_store *s, const kube_resource *r, const char *ns, cJSON *obj,
                                        bool keep_status);
/* Moves every object stored under `from` to `to` (another version of the same resource, as
 * when a CRD's storage version changes), each through convert (NULL: as it is; a NULL result,
 * or a name `to` already holds, keeps that object where it was). No event and no new
 * resourceVersion: clients see the same objects. Lock held. */
typedef cJSON *(*kube_store_convert_fn)(const cJSON *obj, void *user);
void kube_store_move_locked(kube_store *s, const kube_resource *from, const kube_resource *to,
                            kube_store_convert_fn convert, void *user);
/* Sorts the collection's items by key if a change left them unsorted. */
void kube_collection_sort(kube_collection *c);

kube_obj *kube_obj_new(const char *key, cJSON *json);
kube_obj *kube_obj_ref(kube_obj *o);
void kube_obj_unref(kube_obj *o);

/* Writes (lock held; each takes the next resourceVersion and records the change). */
void kube_store_bump_rv_locked(kube_store *s, cJSON *obj);
kube_entry *kube_store_insert_obj_locked(kube_store *s, const kube_resource *r, kube_obj *o);
void kube_store_record_locked(kube_store *s, const char *type, const kube_resource *r, kube_obj *obj, kube_obj *prev);
/* Removes e (DELETED); returns the object as removed, with the deletion's version. */
cJSON *kube_store_remove_locked(kube_store *s, const kube_resource *r, kube_entry *e);
/* Replaces e's version with json, taken (MODIFIED). */
void kube_store_replace_locked(kube_store *s, const kube_resource *r, kube_entry *e, cJSON *json);
/* Deletes e now with what depends on it (unless orphan); returns the object as removed. */
cJSON *kube_store_delete_now_locked(kube_store *s, const kube_resource *r, kube_entry *e, bool orphan);
/* Carries out the garbage collector's finalizers once they are all that keeps e. */
void kube_store_run_gc_locked(kube_store *s, const kube_resource *r, kube_entry *e);
/* The mutation hook, outside the lock, after a successful write. */
void kube_store_run_hook(kube_store *s);
/* The i-th retained event, oldest first. */
kube_event *kube_store_event_at(kube_store *s, size_t i);

/* Releases the installed CRDs (kube_store_crd.c); called when the store is freed. */
void kube_store_free_crds_locked(kube_store *s);

#endif
