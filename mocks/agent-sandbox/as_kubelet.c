/* as_kubelet.c: the part of the simulated cluster that moves Sandbox pods (scheduling, the
 * kubelet starting them and finishing terminations), pod_steps_per_request steps on every API
 * request, and the injected status write of the knobs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as_internal.h"
#include "kube_meta.h"
#include "osh_str.h"

static const cJSON *get(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }
static const kube_resource *res(const char *plural) { return kube_resource_by_path("", "v1", plural); }
static void drop(kube_result r) { cJSON_Delete(r.body); }

static cJSON *pod_conditions(const char *scheduled, const char *reason, const char *message, bool running, bool ready)
{
    cJSON *conds = cJSON_CreateArray();
    char *now = kube_meta_now();
    const char *types[] = {"PodScheduled", "Initialized", "ContainersReady", "Ready"};
    for (int i = 0; i < (running ? 4 : 1); i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "type", types[i]);
        const char *st = i == 0 ? scheduled : i == 1 ? "True" : ready ? "True" : "False";
        cJSON_AddStringToObject(c, "status", st);
        cJSON_AddNullToObject(c, "lastProbeTime");
        cJSON_AddStringToObject(c, "lastTransitionTime", now);
        if (i == 0 && reason) {
            cJSON_AddStringToObject(c, "reason", reason);
            cJSON_AddStringToObject(c, "message", message);
        } else if (i >= 2 && !ready) {
            cJSON_AddStringToObject(c, "reason", "ContainersNotReady");
        }
        cJSON_AddItemToArray(conds, c);
    }
    free(now);
    return conds;
}

/* Moves one Sandbox pod one step: scheduled → running → ready (or the scripted outcome);
 * a terminating pod goes away. */
static void step_pod(kube_store *s, const agent_sandbox_knobs *k, const cJSON *pod)
{
    const char *ns = kube_meta_get(pod, "namespace"), *name = kube_meta_get(pod, "name");
    if (kube_meta_get(pod, "deletionTimestamp")) {
        kube_delete_opts o = {0, NULL, false};
        drop(kube_store_delete(s, res("pods"), ns, name, &o));
        return;
    }
    const cJSON *st = get(pod, "status");
    const char *phase = cJSON_GetStringValue(get(st, "phase"));
    bool scheduled = as_pod_condition_true(pod, "PodScheduled");
    if (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0))
        return;
    const char *outcome = k->pod_outcome;
    cJSON *status = cJSON_CreateObject();
    if (!scheduled) {
        if (outcome && strcmp(outcome, "Unschedulable") == 0) {
            if (as_find_condition(get(st, "conditions"), "PodScheduled")) {
                cJSON_Delete(status);
                return;
            }
            cJSON_AddStringToObject(status, "phase", "Pending");
            cJSON_AddItemToObject(status, "conditions",
                                  pod_conditions("False", "Unschedulable",
                                                 "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes "
                                                 "are available: 1 No preemption victims found for incoming pod.",
                                                 false, false));
        } else {
            cJSON *bind = cJSON_CreateObject();
            cJSON_AddStringToObject(cJSON_AddObjectToObject(bind, "spec"), "nodeName", k->node ? k->node : "agent-sandbox-node");
            drop(kube_store_patch(s, res("pods"), ns, name, KUBE_PATCH_MERGE, bind, false, false));
            cJSON_Delete(bind);
            cJSON_AddStringToObject(status, "phase", "Pending");
            cJSON_AddItemToObject(status, "conditions", pod_conditions("True", NULL, NULL, false, false));
        }
    } else if (!phase || strcmp(phase, "Running") != 0) {
        const char *next = outcome && strcmp(outcome, "Unschedulable") != 0 ? outcome : "Running";
        cJSON_AddStringToObject(status, "phase", next);
        cJSON_AddStringToObject(status, "hostIP", "172.18.0.2");
        cJSON_AddItemToObject(status, "conditions", pod_conditions("True", NULL, NULL, true, false));
    } else if (!as_pod_condition_true(pod, "Ready")) {
        char ip[32];
        char hash[9];
        agent_sandbox_name_hash(name, hash);
        snprintf(ip, sizeof(ip), "10.42.0.%lu", 10 + strtoul(hash, NULL, 16) % 240);
        cJSON_AddStringToObject(status, "phase", "Running");
        cJSON_AddStringToObject(status, "hostIP", "172.18.0.2");
        cJSON_AddStringToObject(status, "podIP", ip);
        cJSON *ips = cJSON_AddArrayToObject(status, "podIPs");
        cJSON *one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "ip", ip);
        cJSON_AddItemToArray(ips, one);
        cJSON_AddItemToObject(status, "conditions", pod_conditions("True", NULL, NULL, true, true));
    } else {
        cJSON_Delete(status);
        return;
    }
    cJSON *patch = cJSON_CreateObject();
    cJSON_AddItemToObject(patch, "status", status);
    drop(kube_store_patch(s, res("pods"), ns, name, KUBE_PATCH_MERGE, patch, true, false));
    cJSON_Delete(patch);
}

static void step_pods(kube_store *s, const agent_sandbox_knobs *k)
{
    kube_result list = kube_store_list(s, res("pods"), NULL, AS_HASH_LABEL, NULL);
    const cJSON *p;
    cJSON_ArrayForEach(p, get(list.body, "items")) step_pod(s, k, p);
    cJSON_Delete(list.body);
}

/* The injected status write: every Sandbox's status written again (a new resourceVersion, as
 * a controller's status update racing a client does). */
static void inject_status_write(kube_store *s)
{
    kube_crd *crd = kube_store_crd(s, "agents.x-k8s.io", "sandboxes");
    if (!crd)
        return;
    const kube_resource *sr = kube_crd_storage(crd)->r;
    kube_result list = kube_store_list(s, sr, NULL, NULL, NULL);
    const cJSON *sb;
    cJSON_ArrayForEach(sb, get(list.body, "items"))
    {
        cJSON *patch = cJSON_Parse("{\"status\": {}}");
        drop(kube_store_patch(s, sr, kube_meta_get(sb, "namespace"), kube_meta_get(sb, "name"), KUBE_PATCH_MERGE, patch,
                              true, false));
        cJSON_Delete(patch);
    }
    cJSON_Delete(list.body);
    kube_crd_unref(crd);
}

void agent_sandbox_controller_tick(agent_sandbox_controller *c, kube_store *s)
{
    pthread_mutex_lock(&c->lock);
    long n = ++c->requests;
    agent_sandbox_knobs k = c->k;
    pthread_mutex_unlock(&c->lock);
    if (k.status_write_at > 0 && n == k.status_write_at)
        inject_status_write(s);
    if (k.paused)
        return;
    for (int i = 0; i < k.pod_steps_per_request; i++)
        step_pods(s, &k);
    agent_sandbox_controller_reconcile(c, s);
}
