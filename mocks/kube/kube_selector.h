/* kube_selector.h: label selectors (a=b, a!=b, a in (x,y), a notin (x), a, !a) and field
 * selectors (path=value, path==value, path!=value) as the apiserver parses them. */
#ifndef KUBE_SELECTOR_H
#define KUBE_SELECTOR_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "kube_resources.h"

typedef struct kube_selector kube_selector;

/* NULL or "" selects everything. On a syntax error returns NULL and sets *error (malloc'd). */
kube_selector *kube_label_selector_parse(const char *text, char **error);
/* Fields: metadata.name and metadata.namespace for every resource; status.phase and
 * spec.nodeName for pods too. Another field is an error like the apiserver's
 * "field label not supported: X". */
kube_selector *kube_field_selector_parse(const char *text, const kube_resource *r, char **error);
bool kube_selector_matches(const kube_selector *s, const cJSON *obj);
void kube_selector_free(kube_selector *s);

#endif
