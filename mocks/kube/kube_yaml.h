/* kube_yaml.h: YAML documents to and from cJSON (libyaml), for request bodies the API server
 * accepts as YAML, manifests kubectl applies, and `kubectl -o yaml` output. */
#ifndef KUBE_YAML_H
#define KUBE_YAML_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* Every document of a YAML stream, as a JSON array (empty documents are skipped). Plain
 * scalars become null, booleans and numbers as YAML 1.1 resolves them; quoted ones stay
 * strings. NULL and *error (malloc'd, with line and column) on a syntax error. */
cJSON *kube_yaml_parse_all(const char *text, size_t len, char **error);
/* The first document, or NULL with *error set (also when there is none). */
cJSON *kube_yaml_parse(const char *text, size_t len, char **error);
/* Block-style YAML as kubectl prints it: map keys sorted, two-space indent, sequences in a
 * map not indented. Returns a malloc'd string. */
char *kube_yaml_emit(const cJSON *doc);

#endif
