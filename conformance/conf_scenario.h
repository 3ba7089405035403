/* conf_scenario.h: loading and validating scenario documents (format: docs/conformance.md).
 *
 * A scenario stays a cJSON tree after loading: the runner reads it directly. Loading
 * checks every key and type up front, so a typo in a scenario is an error naming the file
 * and the JSON path, never a check that silently holds. */
#ifndef CONF_SCENARIO_H
#define CONF_SCENARIO_H

#include <stdbool.h>
#include <cjson/cJSON.h>

typedef struct conf_scenario {
    char *id;        /* the file name without .json */
    char *file;      /* full path */
    char *dir;       /* directory of the file */
    char *rule;      /* one sentence: the rule it pins */
    char *spec;      /* sections of docs/rules.md cited, joined by ", " */
    char *upstream;  /* upstream issue reproduced, or NULL */
    cJSON *doc;      /* the whole document, definitions merged into "matchers" */
} conf_scenario;

/* Load and validate one file. defs (may be NULL) is the shared definitions document
 * (_common.json: {"matchers": {...}, "vars": {...}}). Returns NULL with *error set. */
conf_scenario *conf_scenario_load(const char *file, const cJSON *defs, char **error);

/* Validate an already parsed document; returns NULL when fine, else a malloc'd message
 * naming the JSON path. Exposed for tests. */
char *conf_scenario_validate(const cJSON *doc);

/* Load a whole directory: every *.json not starting with '_' (sorted by name), plus
 * _common.json as shared definitions when present. Returns the count, or -1 with *error
 * set (the first invalid file stops the load: a broken catalogue must not half-run). */
int conf_scenario_load_dir(const char *dir, conf_scenario ***out, char **error);

void conf_scenario_free(conf_scenario *s);
void conf_scenario_free_all(conf_scenario **list, int n);

/* Comma-separated globs; true when id matches one (an empty filter matches everything). */
bool conf_scenario_filter_match(const char *filter, const char *id);

/* The capabilities the scenario needs ("needs" array), NULL-safe iteration helper. */
const cJSON *conf_scenario_needs(const conf_scenario *s);

#endif
