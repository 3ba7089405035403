/* as_knobs.c: the controller object and its knobs, read from a world document's
 * "kube.agent_sandbox_controller" (docs/scenarios.md). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as_internal.h"
#include "kube_meta.h"
#include "osh_json_check.h"
#include "osh_str.h"

static const osh_json_field knob_fields[] = {
    {"paused", OSH_JSON_BOOL, false, NULL},         {"pod_outcome", OSH_JSON_STRING, false, NULL},
    {"pod_steps_per_request", OSH_JSON_NUMBER, false, NULL}, {"foreign_pod", OSH_JSON_BOOL, false, NULL},
    {"two_pods", OSH_JSON_BOOL, false, NULL},       {"status_write_at", OSH_JSON_NUMBER, false, NULL},
    {"node", OSH_JSON_STRING, false, NULL},         {"comment", OSH_JSON_STRING, false, NULL},
    {NULL, 0, false, NULL}};

static const cJSON *get(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

agent_sandbox_controller *agent_sandbox_controller_new(const cJSON *knobs, char **error)
{
    *error = NULL;
    if (knobs && osh_json_check(knobs, knob_fields, "kube.agent_sandbox_controller", error) != OSH_JSON_OK)
        return NULL;
    static const char *const counts[] = {"pod_steps_per_request", "status_write_at"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        const cJSON *n = get(knobs, counts[i]);
        if (n && (n->valuedouble < 0 || n->valuedouble > 1e9)) {
            *error = osh_str_printf("kube.agent_sandbox_controller.%s: expected a number from 0 to 1000000000", counts[i]);
            return NULL;
        }
    }
    const char *outcome = cJSON_GetStringValue(get(knobs, "pod_outcome"));
    if (get(knobs, "pod_outcome") && (!outcome || (strcmp(outcome, "Unschedulable") != 0 &&
                                                   strcmp(outcome, "Failed") != 0 && strcmp(outcome, "Succeeded") != 0))) {
        *error = osh_str_dup("kube.agent_sandbox_controller.pod_outcome: expected \"Unschedulable\", \"Failed\" or "
                             "\"Succeeded\"");
        return NULL;
    }
    const char *node = cJSON_GetStringValue(get(knobs, "node"));
    if (get(knobs, "node") && (!node || kube_meta_name_problem(node, false))) {
        *error = osh_str_dup("kube.agent_sandbox_controller.node: expected a node name");
        return NULL;
    }
    agent_sandbox_controller *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    pthread_mutex_init(&c->lock, NULL);
    c->pod_outcome = outcome ? osh_str_dup(outcome) : NULL;
    c->node = osh_str_dup(node ? node : "agent-sandbox-node");
    c->k.paused = cJSON_IsTrue(get(knobs, "paused"));
    c->k.foreign_pod = cJSON_IsTrue(get(knobs, "foreign_pod"));
    c->k.two_pods = cJSON_IsTrue(get(knobs, "two_pods"));
    const cJSON *steps = get(knobs, "pod_steps_per_request");
    c->k.pod_steps_per_request = cJSON_IsNumber(steps) ? steps->valueint : 3;
    c->k.status_write_at = cJSON_IsNumber(get(knobs, "status_write_at")) ? (long)get(knobs, "status_write_at")->valuedouble : 0;
    c->k.pod_outcome = c->pod_outcome;
    c->k.node = c->node;
    return c;
}

void agent_sandbox_controller_free(agent_sandbox_controller *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c->pod_outcome);
    free(c->node);
    free(c);
}
