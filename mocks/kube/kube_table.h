/* kube_table.h: the server-side meta.k8s.io/v1 Table of each served resource (the columns
 * the apiserver's printers define), used for `as=Table` answers and by the simulated kubectl
 * for its default and wide output. */
#ifndef KUBE_TABLE_H
#define KUBE_TABLE_H

#include <stdbool.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "kube_resources.h"

/* A Table of the given objects (items of a List, or one object). include_object: "None",
 * "Object" or NULL/"Metadata" (PartialObjectMetadata), as the includeObject parameter. */
cJSON *kube_table_build(const kube_resource *r, const cJSON *items, const char *include_object,
                        const char *resource_version);
/* The pieces of every Table, the served kinds' and the custom resources' (kube_crd_view.c):
 * a Table without rows (metadata.resourceVersion when given) and its columnDefinitions and rows
 * arrays; */
cJSON *kube_table_new(const char *resource_version, cJSON **columns, cJSON **rows);
/* one column definition; */
void kube_table_add_column(cJSON *columns, const char *name, const char *type, const char *format,
                           const char *description, int priority);
/* and the row's "object" as include_object asks: NULL for "None", the object for "Object" (with
 * r's kind and apiVersion when it has no kind and r is given), else its PartialObjectMetadata. */
cJSON *kube_table_row_object(const cJSON *o, const kube_resource *r, const char *include_object);
/* HumanDuration as kubectl prints ages ("45s", "5m3s", "3h", "12d"). */
void kube_table_human_duration(long seconds, char *out, size_t size);
/* Age of an object from its metadata.creationTimestamp, at now. */
void kube_table_age(const cJSON *obj, time_t now, char *out, size_t size);

#endif
