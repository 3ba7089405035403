/* kube_store.h: the Kubernetes object store behind the mock API server and the k3s
 * simulator's kubectl. Plain data (a list of JSON objects with a resourceVersion counter and
 * a bounded event history for watches), guarded by one mutex, reference counted because the
 * API server and a cluster volume may both hold it. Every operation has the apiserver's
 * semantics and answers with a kube_result (code + object or Status). */
#ifndef KUBE_STORE_H
#define KUBE_STORE_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "kube_resources.h"
#include "kube_status.h"

typedef struct kube_store kube_store;

/* A store holding the namespaces default, kube-system, kube-public and kube-node-lease. */
kube_store *kube_store_new(void);
kube_store *kube_store_ref(kube_store *s);
void kube_store_unref(kube_store *s);

/* {"resourceVersion": N, "<plural>": [objects...], ...}: every object, by resource. */
cJSON *kube_store_export(kube_store *s);
/* A store from an export or a hand-written scenario document of the same shape. Objects may
 * omit uid, resourceVersion, creationTimestamp, apiVersion and kind (they are filled in); a
 * "namespaces" list is not required (namespaces used by objects are created). NULL and
 * *error set (e.g. "pods[1]: metadata.name: expected string") when the document is bad. */
kube_store *kube_store_import(const cJSON *doc, char **error);

typedef enum { KUBE_PATCH_MERGE, KUBE_PATCH_STRATEGIC, KUBE_PATCH_JSON } kube_patch_type;

typedef struct kube_delete_opts {
    int grace_period_seconds;   /* -1: the object's default */
    const char *propagation;    /* NULL, "Orphan", "Background", "Foreground" */
    bool dry_run;
} kube_delete_opts;

/* DeleteOptions.preconditions; a NULL member is not checked. */
typedef struct kube_preconditions {
    const char *uid;
    const char *resource_version;
} kube_preconditions;

kube_result kube_store_get(kube_store *s, const kube_resource *r, const char *ns, const char *name);
/* ns NULL = every namespace. Selectors may be NULL. A List with metadata.resourceVersion. */
kube_result kube_store_list(kube_store *s, const kube_resource *r, const char *ns, const char *label_selector,
                            const char *field_selector);
kube_result kube_store_create(kube_store *s, const kube_resource *r, const char *ns, const cJSON *obj, bool dry_run);
/* PUT: status_only for the /status subresource. */
kube_result kube_store_update(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                              const cJSON *obj, bool status_only, bool dry_run);
kube_result kube_store_patch(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                             kube_patch_type type, const cJSON *patch, bool status_only, bool dry_run);
kube_result kube_store_delete(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                              const kube_delete_opts *opts);
/* The same with preconditions (NULL: none): unmet ones are a 409 Conflict, the object stays. */
kube_result kube_store_delete_if(kube_store *s, const kube_resource *r, const char *ns, const char *name,
                                 const kube_delete_opts *opts, const kube_preconditions *pre);

/* The current resourceVersion (the last one handed out). */
long long kube_store_resource_version(kube_store *s);

/* Watch support: WatchEvents ({"type", "object"}) for r (ns NULL = all) with a
 * resourceVersion above since_rv, matching the selectors, appended to events. Returns 0, or
 * -1 when since_rv is older than the history kept (the caller answers 410 Gone) with
 * *oldest set to the oldest version still servable. *last_rv gets the store's version. */
int kube_store_events_since(kube_store *s, const kube_resource *r, const char *ns, long long since_rv,
                            const char *label_selector, const char *field_selector, cJSON *events,
                            long long *last_rv, long long *oldest);
/* Blocks until the store's version is above rv or timeout_ms passes. Returns true on change. */
bool kube_store_wait_change(kube_store *s, long long rv, int timeout_ms);
/* Drops the event history (what etcd compaction does): a watch from an older version gets 410. */
void kube_store_compact(kube_store *s);

/* Listeners are told of every change (with the store's lock held: they must not call the
 * store). A watch registers one to wake its stream. Returns an id for removal. */
typedef void (*kube_store_listener)(void *user);
int kube_store_add_listener(kube_store *s, kube_store_listener fn, void *user);
void kube_store_remove_listener(kube_store *s, int id);

/* Called after every successful mutation, outside the store's lock, on the mutating thread.
 * Mutations made by the hook itself do not call it again (controllers run to a fixpoint). */
typedef void (*kube_store_hook)(kube_store *s, void *user);
void kube_store_set_hook(kube_store *s, kube_store_hook hook, void *user);

/* CustomResourceDefinitions installed in the store (what the apiserver serves for them: see
 * kube_crd.h). Installing one re-homes objects of its resource held under another version to
 * the storage version, converted. At most 4; a CRD of the same name is replaced. */
struct kube_crd;
void kube_store_install_crd(kube_store *s, struct kube_crd *crd);
/* Uninstalls the CRD of that name ("sandboxes.agents.x-k8s.io"): its resource is no longer
 * served (objects stay stored, as etcd keeps them when a CRD goes). */
void kube_store_remove_crd(kube_store *s, const char *name);
/* The CRD serving group/plural, referenced for the caller (kube_crd_unref), or NULL. */
struct kube_crd *kube_store_crd(kube_store *s, const char *group, const char *plural);
/* For a store's own clients (the simulated cluster's kubectl): the entry a custom resource's
 * objects live under (its CRD's storage version), r itself for a built-in resource, NULL when
 * r's version is not served. */
const kube_resource *kube_store_storage_of(kube_store *s, const kube_resource *r);
/* obj (of resource r) converted to the storage version of its CRD; a copy as it is otherwise. */
cJSON *kube_store_to_storage(kube_store *s, const kube_resource *r, const cJSON *obj);
/* Installs every CRD of src into dst (a new cluster store gets the world's CRDs). */
void kube_store_copy_crds(kube_store *dst, kube_store *src);

#endif
