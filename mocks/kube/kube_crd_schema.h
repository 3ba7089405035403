/* kube_crd_schema.h: what the API server does with a CRD version's structural openAPIV3Schema
 * on every write: defaulting, pruning of unknown fields, and validation (types, required,
 * enum, minimum/maximum, lengths, pattern, date-time, and the x-kubernetes-validations rules
 * of the small CEL subset CRDs use for immutability), with the apiserver's messages.
 *
 * Paths are written as the apiserver writes them: "spec.podTemplate.spec.containers[0].name". */
#ifndef KUBE_CRD_SCHEMA_H
#define KUBE_CRD_SCHEMA_H

#include <cjson/cJSON.h>

/* Fills in the schema's defaults where the parent exists and the field is missing (or null
 * and not nullable). The root's metadata is left alone. */
void kube_schema_default(const cJSON *schema, cJSON *obj);

/* Drops fields the schema does not declare (unless x-kubernetes-preserve-unknown-fields),
 * appending each dropped path as a string to pruned (may be NULL). The root's apiVersion, kind
 * and metadata are kept. */
void kube_schema_prune(const cJSON *schema, cJSON *obj, cJSON *pruned);

/* Validates obj; each problem is appended to causes as {"reason", "message", "field"} with
 * the apiserver's texts (reason FieldValueRequired, FieldValueNotSupported,
 * FieldValueTypeInvalid, FieldValueInvalid). old is the stored object on update (transition
 * rules such as oldSelf comparisons are only checked then), NULL on create. Returns how many
 * causes were added. */
int kube_schema_validate(const cJSON *schema, const cJSON *obj, const cJSON *old, cJSON *causes);

/* Evaluates one x-kubernetes-validations rule of the supported CEL subset (self/oldSelf
 * member access, has(), ==, !=, !, &&, ||, parentheses, true, false). Returns 0 with *result
 * set, or -1 when the rule is outside the subset or reads a missing field. */
#include <stdbool.h>
int kube_schema_rule_eval(const char *rule, const cJSON *self, const cJSON *old, bool *result);

/* "field: message" for one cause, as the apiserver joins them into a Status message
 * (malloc'd). */
char *kube_schema_cause_text(const cJSON *cause);

#endif
