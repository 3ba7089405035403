/* kubectl_print.h: kubectl's output formats for objects: tables (tabwriter-aligned, from the
 * server-side Table), -o name, -o json, -o yaml, -o jsonpath, -o custom-columns. */
#ifndef KUBECTL_PRINT_H
#define KUBECTL_PRINT_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "kube_resources.h"
#include "osh_buf.h"

/* One printed item: its resource and the object (with apiVersion/kind). */
typedef struct kubectl_item {
    const kube_resource *r;
    cJSON *obj;
} kubectl_item;

/* JSON as kubectl prints it: keys sorted, 4-space indent, "key": value. Ends with "\n". */
void kubectl_print_json(osh_buf *out, const cJSON *doc);
/* "statefulset.apps/openshell", "pod/x". */
void kubectl_print_name(osh_buf *out, const kube_resource *r, const cJSON *obj);
/* The table of items (all of one resource), wide for -o wide, with a NAMESPACE column when
 * with_namespace. */
void kubectl_print_table(osh_buf *out, const kube_resource *r, const cJSON *items, bool wide, bool with_namespace,
                         bool no_headers);
/* -o custom-columns=SPEC. Returns 0, or -1 with *error set. */
int kubectl_print_custom_columns(osh_buf *out, const char *spec, const cJSON *items, bool no_headers, char **error);
/* Aligns tab-separated lines like Go's tabwriter (minwidth 6, padding 3). */
void kubectl_tabwrite(osh_buf *out, const char *text);
/* A deep copy with object keys sorted (Go map order), for json/yaml output. */
cJSON *kubectl_sorted_copy(const cJSON *v);

#endif
