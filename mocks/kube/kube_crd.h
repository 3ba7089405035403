/* kube_crd.h: a CustomResourceDefinition as the API server serves it: which versions are
 * served and stored, their subresources, printer columns and openAPIV3Schema, and how objects
 * convert between versions. Read from the CRD document itself (apiextensions.k8s.io/v1), so a
 * world serves whatever CRD it is given; the conversion webhook is a callback supplied by the
 * component that plays the CRD's controller (mocks/agent-sandbox for Sandboxes).
 *
 * A CRD is immutable once parsed and reference counted: stores and watch streams share it. */
#ifndef KUBE_CRD_H
#define KUBE_CRD_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "kube_resources.h"

typedef struct kube_crd_version {
    char *name;             /* "v1beta1" */
    bool served, storage, deprecated;
    char *warning;          /* the Warning text of a deprecated version, else NULL */
    bool status;            /* the status subresource */
    bool scale;             /* the scale subresource, with its three paths ("spec.replicas") */
    char *scale_spec, *scale_status, *scale_selector;
    cJSON *columns;         /* additionalPrinterColumns, or NULL (then Name and Age) */
    cJSON *schema;          /* openAPIV3Schema */
    const kube_resource *r; /* the resource table entry of this version */
} kube_crd_version;

typedef struct kube_crd kube_crd;

/* The conversion webhook: a new object at to_version ("agents.x-k8s.io/v1beta1"), or NULL with
 * *error set when the object cannot be converted. */
typedef cJSON *(*kube_crd_convert_fn)(const cJSON *obj, const char *to_api_version, char **error);

struct kube_crd {
    int refs;
    char *name;             /* "sandboxes.agents.x-k8s.io" */
    char *group, *kind, *list_kind, *plural, *singular;
    char *short_names[4];   /* NULL-terminated */
    bool namespaced;
    kube_crd_version *versions;
    size_t n_versions;
    char *conversion;       /* "None" or "Webhook" */
    kube_crd_convert_fn convert;
};

/* Parses one CRD document (JSON form). NULL and *error (malloc'd, naming the field) when it is
 * not a usable CRD, e.g. "spec.versions[1].schema.openAPIV3Schema: expected object", or when a
 * version has no entry in the resource table. */
kube_crd *kube_crd_parse(const cJSON *doc, char **error);
/* The largest CRD document read from a file (the v0.5.6 Sandbox CRD is about 600 KB). */
#define KUBE_CRD_FILE_MAX (16u << 20)
/* The CRD named name ("sandboxes.agents.x-k8s.io") in YAML text of one or more documents;
 * origin names the text in errors ("PATH: ..."). */
kube_crd *kube_crd_load_text(const char *text, size_t len, const char *origin, const char *name, char **error);
/* The same, read from a file. */
kube_crd *kube_crd_load_file(const char *path, const char *name, char **error);
kube_crd *kube_crd_ref(kube_crd *crd);
void kube_crd_unref(kube_crd *crd);

/* A version by name (served or not), NULL when the CRD has none of that name. */
const kube_crd_version *kube_crd_version_named(const kube_crd *crd, const char *name);
/* The storage version. */
const kube_crd_version *kube_crd_storage(const kube_crd *crd);
/* Served versions in the apiserver's priority order (GA > beta > alpha, higher numbers first);
 * returns how many were written to out (at most max). */
size_t kube_crd_served_sorted(const kube_crd *crd, const kube_crd_version **out, size_t max);
/* "agents.x-k8s.io/v1beta1". malloc'd. */
char *kube_crd_api_version(const kube_crd *crd, const kube_crd_version *v);

/* obj converted to version v (a copy; NULL and *error when conversion fails). Objects already at
 * v are copied; "None" conversion only rewrites apiVersion, as the apiserver does. */
cJSON *kube_crd_convert(const kube_crd *crd, const cJSON *obj, const kube_crd_version *v, char **error);

#endif
