/* kubectl_jsonpath.h: kubectl's JSONPath templates ({.a.b}, {.items[*].x}, {['k']}, {.a\.b},
 * {"\n"} literals, [N], [*], [?(@.k=="v")] filters, {range ...}{end}) and its printing rules
 * (strings raw, other values as JSON, several results joined by spaces). */
#ifndef KUBECTL_JSONPATH_H
#define KUBECTL_JSONPATH_H

#include <cjson/cJSON.h>

#include "osh_buf.h"

/* Appends the rendering of template over doc to out. Returns 0, or -1 with *error set
 * (malloc'd): a syntax error, or "KEY is not found" for a missing key. */
int kubectl_jsonpath_render(const char *template_text, const cJSON *doc, osh_buf *out, char **error);

/* The values of one expression without braces (".metadata.name"), for custom-columns.
 * Returns a cJSON array of references (items are duplicates; caller deletes), or NULL with
 * *error set. Missing keys give an empty array. */
cJSON *kubectl_jsonpath_eval(const char *expr, const cJSON *doc, char **error);

#endif
