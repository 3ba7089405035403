/* osh_json_check.h: "these keys, these types" for hand-written JSON document validators.
 * A validator describes one object as a table of fields; the check refuses an unknown key
 * (listing the table's keys, so the list can never fall out of date with what is accepted),
 * a value of the wrong type and a missing required key, naming the key's path. What a table
 * cannot say (enumerations, ranges, one-of rules) stays in the validator, after the check. */
#ifndef OSH_JSON_CHECK_H
#define OSH_JSON_CHECK_H

#include <stdbool.h>
#include <cjson/cJSON.h>

/* The JSON types a field accepts, or-ed together. */
enum osh_json_type {
    OSH_JSON_STRING = 1 << 0,
    OSH_JSON_NUMBER = 1 << 1,
    OSH_JSON_BOOL = 1 << 2,
    OSH_JSON_NULL = 1 << 3,
    OSH_JSON_OBJECT = 1 << 4,
    OSH_JSON_ARRAY = 1 << 5,   /* any array */
    OSH_JSON_STRINGS = 1 << 6, /* an array whose items are all strings */
    OSH_JSON_ANY = (1 << 7) - 1
};

typedef struct osh_json_field {
    const char *key;
    unsigned types;                        /* osh_json_type bits */
    bool required;
    const struct osh_json_field *fields;   /* optional: the table of an object value, or of
                                              each item of an array value */
} osh_json_field;

/* What was wrong: the codes callers and tests branch on. */
typedef enum osh_json_problem {
    OSH_JSON_OK = 0,
    OSH_JSON_NOT_OBJECT,  /* "WHERE: expected object" */
    OSH_JSON_UNKNOWN_KEY, /* "WHERE.KEY: unknown key (expected one of: K1, K2, ...)" */
    OSH_JSON_WRONG_TYPE,  /* "WHERE.KEY: expected TYPES" */
    OSH_JSON_MISSING      /* "WHERE.KEY: required (TYPES)" */
} osh_json_problem;

/* Checks obj against fields (ended by a {NULL} row). where is the path of obj ("scenario",
 * "scenario.steps[2]"; NULL or "" for a document's root, whose keys are then named alone).
 * Unknown keys are looked for first, in document order; then each field in table order.
 * Returns OSH_JSON_OK, or the problem with a malloc'd message in *error. */
osh_json_problem osh_json_check(const cJSON *obj, const osh_json_field *fields, const char *where, char **error);

/* Whether v is one of types. */
bool osh_json_is(const cJSON *v, unsigned types);

/* "string, null or array of strings": the words the messages use, malloc'd. */
char *osh_json_types_text(unsigned types);

/* "where.key" ("key" when where is NULL or empty), malloc'd. */
char *osh_json_path(const char *where, const char *key);

#endif
