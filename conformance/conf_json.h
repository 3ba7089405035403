/* conf_json.h: the small query language scenarios use to point into JSON documents
 * (world state, journal bodies, files, stdout) and the predicates they apply there.
 *
 * Path syntax (docs/conformance.md): segments separated by '.', each a key, optionally
 * followed by selectors: [N] (index, negative counts from the end), ["key"] (a key that
 * holds dots), [sub.path=value] (the first array element or object member whose sub.path
 * renders as value). The empty path is the document itself. */
#ifndef CONF_JSON_H
#define CONF_JSON_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "osh_json_check.h"

/* Resolve path in doc. Returns the node (owned by doc) or NULL when absent. A malformed
 * path also gives NULL and sets *error (malloc'd) when error is non-NULL. */
const cJSON *conf_json_find(const cJSON *doc, const char *path, char **error);

/* Check that a path string is well formed; NULL when fine, else a malloc'd message. */
char *conf_json_path_error(const char *path);

/* Apply the predicate object pred ({"equals": ..., "contains": ..., ...}) to value (NULL
 * when the path matched nothing). Returns true when every predicate holds; otherwise
 * false and *why gets a malloc'd one-line explanation. */
bool conf_json_predicate(const cJSON *value, const cJSON *pred, char **why);

/* A predicate set's keys and their types ("path" and "what", a label, included), the ones
 * conf_json_predicate understands: the validator checks predicate sets against it. */
extern const osh_json_field conf_json_predicate_fields[];

/* A scalar as the text a [key=value] selector compares against: strings verbatim,
 * numbers without a fraction as integers, true/false/null as words. NULL for containers. */
char *conf_json_scalar_text(const cJSON *v);

/* Pretty-printed JSON (2-space indent) of v, or "(absent)" for NULL; malloc'd. */
char *conf_json_pretty(const cJSON *v);

/* Deep equality: object key order ignored, array order kept, numbers compared exactly
 * as doubles. */
bool conf_json_equal(const cJSON *a, const cJSON *b);

/* Every member of expected is present in actual with a subset-equal value; arrays must
 * have the same length and subset-equal elements in order; scalars must be equal. */
bool conf_json_subset(const cJSON *expected, const cJSON *actual);

#endif
