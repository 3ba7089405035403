/* conf_check.h: evaluating a scenario's "expect" blocks against what happened: the step's
 * exit status and output, files, the world's state and its request journals. */
#ifndef CONF_CHECK_H
#define CONF_CHECK_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "conf_proc.h"
#include "conf_result.h"
#include "conf_world.h"

typedef struct conf_observation {
    const conf_proc_result *proc;       /* the step's process; NULL after all steps */
    const conf_world_backend *backend;  /* NULL when the scenario has no world */
    void *world;
    int docker_from, kube_from;         /* journal window: entries from these indexes on */
    cJSON *docker_journal, *kube_journal, *state; /* fetched lazily, owned */
} conf_observation;

/* Evaluate every check of expect; each failed one is added to r under where. */
void conf_check_block(const cJSON *expect, conf_observation *obs, const char *where,
                      conf_result *r);
void conf_observation_release(conf_observation *obs);

/* True when a journal entry matches a request matcher (docs/conformance.md). */
bool conf_check_entry_matches(const cJSON *matcher, const cJSON *entry);

/* One line per journal entry: "#seq METHOD /path?query -> status"; malloc'd. */
char *conf_check_journal_lines(const cJSON *journal, int from);

/* Short printable form of a matcher ("POST /containers/{id}/start"); malloc'd. */
char *conf_check_matcher_text(const cJSON *matcher);

#endif
