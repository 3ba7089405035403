/* k8s_yaml.h: a YAML document (a kubeconfig) read into a cJSON tree with libyaml.
 *
 * Mappings become objects, sequences arrays. Plain scalars true/false become booleans and
 * null/~/empty become null; every other scalar stays a string (a kubeconfig needs no numbers).
 * Aliases are refused. JSON input is accepted too: it is parsed with cJSON first. */
#ifndef OSH_K8S_YAML_H
#define OSH_K8S_YAML_H

#include <cjson/cJSON.h>

/* The first document of text, or NULL with *error set to a malloc'd message
 * ("line 3 column 5: mapping values are not allowed in this context"). */
cJSON *k8s_yaml_parse(const char *text, char **error);

#endif
