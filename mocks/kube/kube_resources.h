/* kube_resources.h: the table of resources the mock Kubernetes API serves (group, version,
 * kind, plural, scope, short names), looked up by the names kubectl and clients use. */
#ifndef KUBE_RESOURCES_H
#define KUBE_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct kube_resource {
    const char *group;       /* "" for the core group */
    const char *version;
    const char *kind;
    const char *plural;
    const char *singular;
    const char *short_names[3]; /* NULL-terminated */
    bool namespaced;
    bool has_status;         /* a /status subresource exists */
    bool has_generation;     /* metadata.generation is kept */
} kube_resource;

/* All served resources, ending with an entry whose plural is NULL. */
const kube_resource *kube_resources_all(void);
size_t kube_resources_count(void);
/* By group, version and plural (as in a REST path). NULL when not served. */
const kube_resource *kube_resource_by_path(const char *group, const char *version, const char *plural);
/* By what a kubectl user types: plural, singular, short name, kind (any case), optionally
 * qualified as "NAME.GROUP" ("statefulsets.apps", "sandboxes.agents.x-k8s.io"). */
const kube_resource *kube_resource_by_user_name(const char *name);
/* By apiVersion ("v1", "apps/v1") and kind, as in a manifest. */
const kube_resource *kube_resource_by_kind(const char *api_version, const char *kind);
/* "v1" or "apps/v1". Static storage per resource. */
const char *kube_resource_api_version(const kube_resource *r);
/* Whether r is served from a CustomResourceDefinition (kube_crd.h) rather than built in. */
bool kube_resource_is_custom(const kube_resource *r);
/* Whether group is the group of a custom resource of the table. */
bool kube_group_is_custom(const char *group);
/* Index of r in kube_resources_all(). */
size_t kube_resource_index(const kube_resource *r);

#endif
