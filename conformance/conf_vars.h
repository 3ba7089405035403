/* conf_vars.h: ${NAME} substitution in scenario strings. Known names are replaced, unknown
 * ${...} are left as they are (shell scripts in expected exec commands use that syntax).
 * ${repeat:N:TEXT} expands to TEXT repeated N times (TEXT ends at the first '}'). */
#ifndef CONF_VARS_H
#define CONF_VARS_H

#include <cjson/cJSON.h>

/* vars: an object of string members. Returns a malloc'd string. */
char *conf_vars_expand(const char *s, const cJSON *vars);

/* Expand every string value (not keys) in place, recursively. */
void conf_vars_expand_tree(cJSON *node, const cJSON *vars);

#endif
