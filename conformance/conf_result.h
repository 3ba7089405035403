/* conf_result.h: what running one scenario produced, as plain data the reporters read. */
#ifndef CONF_RESULT_H
#define CONF_RESULT_H

#include <stdbool.h>

#include "conf_scenario.h"

typedef enum conf_status { CONF_PASS, CONF_FAIL, CONF_SKIP } conf_status;

typedef struct conf_failure {
    char *where;    /* "step 2 (gateway start)" or "after all steps" */
    char *message;  /* one line */
    char *expected; /* optional multi-line texts the HTML report diffs; NULL when n/a */
    char *actual;
} conf_failure;

typedef struct conf_step_record {
    char *name;
    char *command;  /* printable command line */
    int exit_code;  /* -1 when killed or not started */
    int signal;
    bool timed_out;
    char *out;
    char *err;
    double seconds;
} conf_step_record;

typedef struct conf_result {
    const conf_scenario *scenario;
    conf_status status;
    char *skip_reason;
    double seconds;
    conf_failure *failures;
    int n_failures;
    conf_step_record *steps;
    int n_steps;
    /* Kept only for failed scenarios: the request journals as one line per request, and
     * the final world state as pretty JSON. */
    char *docker_journal;
    char *kube_journal;
    char *state;
} conf_result;

void conf_result_add_failure(conf_result *r, const char *where, char *message, char *expected,
                             char *actual);
void conf_result_clear(conf_result *r);

#endif
