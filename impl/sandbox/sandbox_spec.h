/* sandbox_spec.h: the SandboxSpec input of a sandbox create (rules §10.3) and its strict JSON
 * parser. The accepted schema is documented in docs/sandbox.md. */
#ifndef OSH_SANDBOX_SPEC_H
#define OSH_SANDBOX_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* A string map, kept in ascending byte order of keys (the env upsert order of §10.4). */
typedef struct sandbox_strmap {
    size_t count;
    char **keys;
    char **values;
} sandbox_strmap;

typedef struct sandbox_template {
    char *image;              /* "" when not given */
    char *runtime_class_name; /* "" when not given */
    char *agent_socket;       /* "" when not given */
    sandbox_strmap labels;
    sandbox_strmap annotations;
    sandbox_strmap environment;
    cJSON *resources;              /* a JSON object, or NULL */
    cJSON *volume_claim_templates; /* any non-null JSON value, or NULL when absent or null */
} sandbox_template;

/* A claim mounted into the agent container (driver dialect, rules §13.3 `mounts`). */
typedef struct sandbox_mount {
    char *name;     /* the pod volume name; defaults to the claim */
    char *claim;    /* the PersistentVolumeClaim */
    char *path;     /* the mount path in the agent container, as given */
    char *sub_path; /* NULL when not given */
    bool read_only; /* default true */
} sandbox_mount;

typedef struct sandbox_spec {
    char *log_level; /* "" when not given */
    sandbox_strmap environment;
    bool gpu;
    sandbox_template *template_; /* NULL when there is none */
    /* Driver dialect only (rules §13.3); zero in the §10 dialect. */
    bool has_gpu_count;
    unsigned long gpu_count; /* 0..4294967295; 0 is refused later by the driver's validation */
    char **command;          /* NULL-terminated; NULL when not given or empty */
    bool tty;
    sandbox_mount *mounts;
    size_t mount_count;
} sandbox_spec;

/* Which keys a --spec document may hold: the §10 client's, or the driver's (§13.3: also
 * `command`, `tty`, `gpu_count` and `mounts`; no `template.volume_claim_templates`, which
 * the reference removed from its template). */
typedef enum sandbox_spec_dialect { SANDBOX_SPEC_CLIENT, SANDBOX_SPEC_DRIVER } sandbox_spec_dialect;

/* Parse a SandboxSpec document. Unknown keys and ill-typed values are refused: returns NULL
 * and sets *error to a malloc'd "spec.template.labels.team: expected string". A JSON null
 * for any member of spec or template means "not given". */
sandbox_spec *sandbox_spec_from_json(const cJSON *json, char **error);
/* The same from text; text that is not JSON is refused with "not valid JSON ...". */
sandbox_spec *sandbox_spec_parse(const char *text, char **error);
/* Both, for either dialect (the two above are the client dialect). */
sandbox_spec *sandbox_spec_from_json_dialect(const cJSON *json, sandbox_spec_dialect dialect, char **error);
sandbox_spec *sandbox_spec_parse_dialect(const char *text, sandbox_spec_dialect dialect, char **error);
void sandbox_spec_free(sandbox_spec *spec);

/* Upsert key=value, keeping keys sorted. */
void sandbox_strmap_set(sandbox_strmap *map, const char *key, const char *value);
void sandbox_strmap_clear(sandbox_strmap *map);

#endif
