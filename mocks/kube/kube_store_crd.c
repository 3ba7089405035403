/* kube_store_crd.c: the CustomResourceDefinitions a store serves (see kube_store.h), and
 * moving objects to a CRD's storage version when it is installed. */
#include <stdlib.h>
#include <string.h>

#include "kube_crd.h"
#include "kube_store_internal.h"

void kube_store_free_crds_locked(kube_store *s)
{
    for (size_t i = 0; i < s->n_crds; i++)
        kube_crd_unref(s->crds[i]);
    s->n_crds = 0;
}

/* Objects of crd's resource stored under a version other than the storage one (imported from
 * a scenario that names another version) are converted to the storage version. */
static void rehome_locked(kube_store *s, const kube_crd *crd)
{
    const kube_crd_version *storage = kube_crd_storage(crd);
    for (size_t i = 0; i < s->n_entries; i++) {
        const kube_resource *r = s->entries[i].r;
        if (r == storage->r || strcmp(r->group, crd->group) != 0 || strcmp(r->plural, crd->plural) != 0)
            continue;
        char *error = NULL;
        cJSON *converted = kube_crd_convert(crd, s->entries[i].obj, storage, &error);
        free(error);
        if (!converted)
            continue; /* kept as it was: the conversion webhook refused it */
        cJSON_Delete(s->entries[i].obj);
        s->entries[i].obj = converted;
        s->entries[i].r = storage->r;
    }
}

void kube_store_install_crd(kube_store *s, kube_crd *crd)
{
    pthread_mutex_lock(&s->lock);
    size_t i = 0;
    while (i < s->n_crds && strcmp(s->crds[i]->name, crd->name) != 0)
        i++;
    if (i < s->n_crds) {
        kube_crd_unref(s->crds[i]);
        s->crds[i] = kube_crd_ref(crd);
    } else if (s->n_crds < sizeof(s->crds) / sizeof(s->crds[0])) {
        s->crds[s->n_crds++] = kube_crd_ref(crd);
    }
    rehome_locked(s, crd);
    pthread_mutex_unlock(&s->lock);
}

kube_crd *kube_store_crd(kube_store *s, const char *group, const char *plural)
{
    kube_crd *found = NULL;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_crds && !found; i++)
        if (strcmp(s->crds[i]->group, group) == 0 && strcmp(s->crds[i]->plural, plural) == 0)
            found = kube_crd_ref(s->crds[i]);
    pthread_mutex_unlock(&s->lock);
    return found;
}

void kube_store_copy_crds(kube_store *dst, kube_store *src)
{
    if (dst == src)
        return;
    kube_crd *crds[4];
    size_t n = 0;
    pthread_mutex_lock(&src->lock);
    for (size_t i = 0; i < src->n_crds; i++)
        crds[n++] = kube_crd_ref(src->crds[i]);
    pthread_mutex_unlock(&src->lock);
    for (size_t i = 0; i < n; i++) {
        kube_store_install_crd(dst, crds[i]);
        kube_crd_unref(crds[i]);
    }
}

void kube_store_remove_crd(kube_store *s, const char *name)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_crds; i++) {
        if (strcmp(s->crds[i]->name, name) != 0)
            continue;
        kube_crd_unref(s->crds[i]);
        memmove(&s->crds[i], &s->crds[i + 1], (s->n_crds - i - 1) * sizeof(s->crds[0]));
        s->n_crds--;
        break;
    }
    pthread_mutex_unlock(&s->lock);
}

const kube_resource *kube_store_storage_of(kube_store *s, const kube_resource *r)
{
    if (!r || !kube_resource_is_custom(r))
        return r;
    kube_crd *crd = kube_store_crd(s, r->group, r->plural);
    const kube_crd_version *v = crd ? kube_crd_version_named(crd, r->version) : NULL;
    const kube_resource *out = v && v->served ? kube_crd_storage(crd)->r : NULL;
    kube_crd_unref(crd);
    return out;
}

cJSON *kube_store_to_storage(kube_store *s, const kube_resource *r, const cJSON *obj)
{
    kube_crd *crd = kube_resource_is_custom(r) ? kube_store_crd(s, r->group, r->plural) : NULL;
    char *error = NULL;
    cJSON *out = crd ? kube_crd_convert(crd, obj, kube_crd_storage(crd), &error) : NULL;
    free(error);
    kube_crd_unref(crd);
    return out ? out : cJSON_Duplicate(obj, true);
}
