/* conf_run.h: running one scenario: temp dirs, world, environment, steps, checks. */
#ifndef CONF_RUN_H
#define CONF_RUN_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "conf_result.h"
#include "conf_scenario.h"
#include "conf_world.h"

typedef struct conf_run_config {
    char **impl;                        /* the command prefix that stands for `openshell` */
    const cJSON *missing;               /* capabilities the implementation lacks (array) */
    const conf_world_backend *backend;  /* where scenarios' worlds are built (conf_world.h) */
    bool keep_going;                    /* run later steps and checks after a failed step */
    bool keep_temp;                     /* leave the scenario's temp dir for inspection */
    const char *temp_root;              /* where scenario temp dirs go */
    int default_timeout_ms;             /* per step, unless the scenario says otherwise */
    bool keep_state;                    /* keep the final state in the result even on a pass */
} conf_run_config;

/* Run s and fill *r (r is overwritten). Thread-safe for distinct results. */
void conf_run_scenario(const conf_run_config *cfg, const conf_scenario *s, conf_result *r);

#endif
