/* record_scenario_internal.h: shared by the files of --recording-to-scenario (not a public API). */
#ifndef RECORD_SCENARIO_INTERNAL_H
#define RECORD_SCENARIO_INTERNAL_H

#include "record_internal.h"

typedef struct reading {
    const rec_document *d;
    cJSON *world, *docker, *cluster;
    char *cluster_name;    /* the cluster container's name (as the client named it) */
    char *cluster_id;
    char *cluster_volume;  /* bound at /var/lib/rancher/k3s */
    long start_seq;        /* its last successful start */
} reading;

/* The answer as text: a body, or a raw stream's pieces joined (big JSON answers arrive
 * chunked). Caller frees. */
char *scn_answer_text(const rec_exchange *e);
cJSON *scn_answer_json(const rec_exchange *e);
/* The path without /vX.Y. */
const char *scn_upath(const rec_exchange *e);
/* method and the path's prefix and (optional) suffix match. */
bool scn_is(const rec_exchange *e, const char *method, const char *prefix, const char *suffix);
/* What follows key_eq ("name=") in the query, to the query's end; NULL when absent. */
const char *scn_query_after(const rec_exchange *e, const char *key_eq);
/* The object name in /PREFIX/{name}[SUFFIX]; caller frees. */
char *scn_name_in(const rec_exchange *e, const char *prefix, const char *suffix);
/* Was an object of this kind created by the client before exchange i? */
bool scn_created_before(const reading *r, size_t i, const char *create_path, const char *name);
/* Does an array of objects hold one whose key is value? */
bool scn_listed(const cJSON *arr, const char *key, const char *value);
/* parent[key], created (array or object) when missing. */
cJSON *scn_section(cJSON *parent, const char *key, bool array);
void scn_copy_keys(cJSON *to, const cJSON *from, const char *const *keys);

/* record_scenario_cluster.c: fills r->cluster. */
void scn_read_cluster(reading *r);

#endif
