/* as_internal.h: what the controller's files share (as_knobs.c, as_controller.c,
 * as_kubelet.c); not part of agent_sandbox.h. */
#ifndef AS_INTERNAL_H
#define AS_INTERNAL_H

#include <pthread.h>

#include "agent_sandbox.h"

#define AS_HASH_LABEL "agents.x-k8s.io/sandbox-name-hash"

struct agent_sandbox_controller {
    pthread_mutex_t lock;
    agent_sandbox_knobs k;
    char *pod_outcome, *node;
    long requests;
};

/* The condition of that type in a conditions array, or NULL. */
const cJSON *as_find_condition(const cJSON *conds, const char *type);
/* Whether the pod's condition of that type is True. */
bool as_pod_condition_true(const cJSON *pod, const char *type);

#endif
