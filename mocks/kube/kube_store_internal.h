/* kube_store_internal.h: the store's data, shared by kube_store.c and kube_store_io.c only. */
#ifndef KUBE_STORE_INTERNAL_H
#define KUBE_STORE_INTERNAL_H

#include <pthread.h>
#include <sys/types.h>

#include "kube_store.h"

typedef struct kube_entry {
    const kube_resource *r;
    cJSON *obj;
} kube_entry;

typedef struct kube_event {
    char type[10];   /* ADDED, MODIFIED, DELETED */
    long long rv;
    const kube_resource *r;
    cJSON *obj;
} kube_event;

struct kube_store {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int refs;
    long long rv;           /* last resourceVersion handed out */
    long long compacted_rv; /* events up to this version are gone */
    kube_entry *entries;
    size_t n_entries, cap_entries;
    kube_event *events;
    size_t n_events, cap_events;
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
ssize_t kube_store_find_locked(kube_store *s, const kube_resource *r, const char *ns, const char *name);
void kube_store_insert_locked(kube_store *s, const kube_resource *r, cJSON *obj);
/* Validates and fills a new object's metadata; .code == 0 when admitted. keep_status keeps
 * status, uid and creationTimestamp as given (import). */
kube_result kube_store_admit_new_locked(kube_store *s, const kube_resource *r, const char *ns, cJSON *obj,
                                        bool keep_status);

/* Releases the installed CRDs (kube_store_crd.c); called when the store is freed. */
void kube_store_free_crds_locked(kube_store *s);

#endif
