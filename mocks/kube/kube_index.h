/* kube_index.h: a hash map from a string key to a pointer, for the store's lookups by
 * "namespace/name" in constant time. Open addressing with linear probing and backward-shift
 * deletion (no tombstones); the table doubles at 1/2 load. Keys are not copied: each must
 * stay valid, unchanged, while it is in the map. Not thread-safe (the store's lock guards it). */
#ifndef KUBE_INDEX_H
#define KUBE_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct kube_index_slot {
    uint64_t hash; /* 0 = empty */
    const char *key;
    void *value;
} kube_index_slot;

typedef struct kube_index {
    kube_index_slot *slots;
    size_t cap, count; /* cap is 0 or a power of two */
} kube_index;

#define KUBE_INDEX_INIT {NULL, 0, 0}

void *kube_index_get(const kube_index *ix, const char *key);
/* Adds or replaces; the map keeps the key pointer. */
void kube_index_put(kube_index *ix, const char *key, void *value);
/* Removes key; returns its value, or NULL when absent. */
void *kube_index_remove(kube_index *ix, const char *key);
void kube_index_free(kube_index *ix);

#endif
