/* kube_index.c: the string-keyed hash map of kube_index.h (FNV-1a hashes). */
#include "kube_index.h"

#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

static uint64_t hash_of(const char *key)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h ? h : 1; /* 0 marks an empty slot */
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const kube_index *ix, const char *key, uint64_t h)
{
    size_t mask = ix->cap - 1, i = (size_t)h & mask;
    while (ix->slots[i].hash && !(ix->slots[i].hash == h && strcmp(ix->slots[i].key, key) == 0))
        i = (i + 1) & mask;
    return i;
}

void *kube_index_get(const kube_index *ix, const char *key)
{
    if (!ix->count)
        return NULL;
    size_t i = find_slot(ix, key, hash_of(key));
    return ix->slots[i].hash ? ix->slots[i].value : NULL;
}

static void grow(kube_index *ix)
{
    kube_index old = *ix;
    ix->cap = old.cap ? old.cap * 2 : 64;
    ix->slots = calloc(ix->cap, sizeof(*ix->slots));
    if (!ix->slots)
        abort();
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].hash)
            ix->slots[find_slot(ix, old.slots[i].key, old.slots[i].hash)] = old.slots[i];
    free(old.slots);
}

void kube_index_put(kube_index *ix, const char *key, void *value)
{
    if ((ix->count + 1) * 2 > ix->cap)
        grow(ix);
    uint64_t h = hash_of(key);
    size_t i = find_slot(ix, key, h);
    if (!ix->slots[i].hash)
        ix->count++;
    ix->slots[i] = (kube_index_slot){h, key, value};
}

void *kube_index_remove(kube_index *ix, const char *key)
{
    if (!ix->count)
        return NULL;
    size_t mask = ix->cap - 1, i = find_slot(ix, key, hash_of(key));
    if (!ix->slots[i].hash)
        return NULL;
    void *value = ix->slots[i].value;
    /* backward-shift: move later members of the probe run into the hole */
    for (size_t j = (i + 1) & mask; ix->slots[j].hash; j = (j + 1) & mask) {
        size_t home = (size_t)ix->slots[j].hash & mask;
        /* j's entry may move to i unless its home lies cyclically in (i, j] */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            ix->slots[i] = ix->slots[j];
            i = j;
        }
    }
    ix->slots[i] = (kube_index_slot){0, NULL, NULL};
    ix->count--;
    return value;
}

void kube_index_free(kube_index *ix)
{
    free(ix->slots);
    *ix = (kube_index)KUBE_INDEX_INIT;
}
