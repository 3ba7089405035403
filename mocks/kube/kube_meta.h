/* kube_meta.h: object metadata as the apiserver fills and checks it: names (DNS-1123),
 * UIDs, timestamps, and accessors for metadata fields and dotted field paths. */
#ifndef KUBE_META_H
#define KUBE_META_H

#include <stdbool.h>
#include <cjson/cJSON.h>

/* NULL when valid, else the apiserver's explanation (static text). Namespaces are RFC 1123
 * labels (63 bytes), every other served kind an RFC 1123 subdomain (253 bytes). */
const char *kube_meta_name_problem(const char *name, bool label);
/* A fresh random UUIDv4 (malloc'd). */
char *kube_meta_new_uid(void);
/* The current UTC time as RFC 3339 with second precision ("2026-11-25T14:43:00Z"), malloc'd. */
char *kube_meta_now(void);
/* The value at a dotted field path ("spec.nodeName", "status.conditions"), or NULL. */
const cJSON *kube_field_at(const cJSON *obj, const char *dotted);
/* metadata.X as a string, or NULL. */
const char *kube_meta_get(const cJSON *obj, const char *field);
/* Sets metadata.X to a string, creating metadata if needed. */
void kube_meta_set(cJSON *obj, const char *field, const char *value);
/* The metadata object, created when missing. */
cJSON *kube_meta_object(cJSON *obj);
/* Five random lower-case alphanumerics, as generateName appends. */
void kube_meta_random_suffix(char out[6]);

/* Sets apiVersion and kind and moves them to the front, as the apiserver serializes them. */
void kube_meta_type_first(cJSON *obj, const char *api_version, const char *kind);

#endif
