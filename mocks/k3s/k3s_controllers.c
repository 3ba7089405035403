/* k3s_controllers.c: the simulated cluster's controllers (see k3s_controllers.h). They use
 * only the store's public operations, so every change they make is an ordinary, watchable
 * change with a new resourceVersion. */
#include "k3s_controllers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_sandbox.h"
#include "kube_meta.h"
#include "osh_str.h"

static const kube_resource *res(const char *plural) { return kube_resource_by_user_name(plural); }

/* o.a.b, or o.a when b is NULL. */
static const cJSON *at(const cJSON *o, const char *a, const char *b)
{
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(o, a);
    return b ? cJSON_GetObjectItemCaseSensitive(first, b) : first;
}

static cJSON *ready_conditions(const char *status, const char *reason, const char *message)
{
    cJSON *conds = cJSON_CreateArray();
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "Ready");
    cJSON_AddStringToObject(c, "status", status);
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", message);
    char *now = kube_meta_now();
    cJSON_AddStringToObject(c, "lastHeartbeatTime", now);
    cJSON_AddStringToObject(c, "lastTransitionTime", now);
    free(now);
    cJSON_AddItemToArray(conds, c);
    return conds;
}

static const char *str_or_empty(const cJSON *v)
{
    const char *s = cJSON_GetStringValue(v);
    return s ? s : "";
}

static bool node_is_ready(const cJSON *node)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, at(node, "status", "conditions"))
    {
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "type"));
        if (t && strcmp(t, "Ready") == 0)
        {
            const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "status"));
            return st && strcmp(st, "True") == 0;
        }
    }
    return false;
}

static void set_node_ready(kube_store *s, const char *name, bool ready)
{
    kube_result cur = kube_store_get(s, res("nodes"), NULL, name);
    if (cur.code == 200 && node_is_ready(cur.body) == ready) {
        cJSON_Delete(cur.body);
        return;
    }
    cJSON *status = cJSON_CreateObject();
    cJSON_AddItemToObject(status, "conditions",
                          ready ? ready_conditions("True", "KubeletReady", "kubelet is posting ready status")
                                : ready_conditions("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."));
    if (cur.code == 200) {
        cJSON *patch = cJSON_CreateObject();
        cJSON_AddItemToObject(patch, "status", status);
        kube_result r = kube_store_patch(s, res("nodes"), NULL, name, KUBE_PATCH_STRATEGIC, patch, true, false);
        cJSON_Delete(r.body);
        cJSON_Delete(patch);
    } else {
        cJSON *node = cJSON_CreateObject();
        kube_meta_set(node, "name", name);
        cJSON *labels = cJSON_AddObjectToObject(kube_meta_object(node), "labels");
        cJSON_AddStringToObject(labels, "kubernetes.io/hostname", name);
        cJSON_AddStringToObject(labels, "kubernetes.io/os", "linux");
        cJSON_AddStringToObject(labels, "node-role.kubernetes.io/control-plane", "true");
        cJSON_AddStringToObject(labels, "node-role.kubernetes.io/master", "true");
        cJSON *info = cJSON_AddObjectToObject(status, "nodeInfo");
        cJSON_AddStringToObject(info, "kubeletVersion", "v1.35.2+k3s1");
        cJSON_AddStringToObject(info, "osImage", "K3s v1.35.2+k3s1");
        cJSON_AddStringToObject(info, "kernelVersion", "6.1.0-simulated");
        cJSON_AddStringToObject(info, "containerRuntimeVersion", "containerd://2.0.5-k3s1");
        cJSON *addrs = cJSON_AddArrayToObject(status, "addresses");
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "type", "InternalIP");
        cJSON_AddStringToObject(a, "address", "172.18.0.2");
        cJSON_AddItemToArray(addrs, a);
        cJSON_AddItemToObject(node, "status", status);
        kube_result r = kube_store_create(s, res("nodes"), NULL, node, false);
        cJSON_Delete(r.body);
        cJSON_Delete(node);
    }
    cJSON_Delete(cur.body);
}

void k3s_register_node(kube_store *s, const char *node)
{
    kube_result list = kube_store_list(s, res("nodes"), NULL, NULL, NULL);
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(list.body, "items"))
    {
        const char *name = kube_meta_get(n, "name");
        if (strcmp(name, node) != 0)
            set_node_ready(s, name, false);
    }
    cJSON_Delete(list.body);
    set_node_ready(s, node, true);
}

void k3s_nodes_not_ready(kube_store *s)
{
    kube_result list = kube_store_list(s, res("nodes"), NULL, NULL, NULL);
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(list.body, "items")) set_node_ready(s, kube_meta_get(n, "name"), false);
    cJSON_Delete(list.body);
}

/* ---- pods ---- */

static bool node_ready_in(kube_store *s, const char *node)
{
    kube_result r = kube_store_get(s, res("nodes"), NULL, node);
    bool ready = r.code == 200 && node_is_ready(r.body);
    cJSON_Delete(r.body);
    return ready;
}

/* Pod GC and kubelet: returns true when something changed. */
static bool reconcile_pods(kube_store *s, const char *ready_node)
{
    bool changed = false;
    kube_result list = kube_store_list(s, res("pods"), NULL, NULL, NULL);
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(list.body, "items"))
    {
        const char *node = cJSON_GetStringValue(at(p, "spec", "nodeName"));
        if (!node || !*node)
            continue;
        bool terminating = kube_meta_get(p, "deletionTimestamp") != NULL;
        kube_result n = kube_store_get(s, res("nodes"), NULL, node);
        bool node_exists = n.code == 200;
        cJSON_Delete(n.body);
        kube_delete_opts o = {-1, NULL, false};
        if (!node_exists && !terminating) {
            kube_result d = kube_store_delete(s, res("pods"), kube_meta_get(p, "namespace"), kube_meta_get(p, "name"), &o);
            cJSON_Delete(d.body);
            changed = true;
        } else if (terminating && ready_node && strcmp(node, ready_node) == 0 && node_ready_in(s, node)) {
            o.grace_period_seconds = 0;
            kube_result d = kube_store_delete(s, res("pods"), kube_meta_get(p, "namespace"), kube_meta_get(p, "name"), &o);
            cJSON_Delete(d.body);
            changed = true;
        }
    }
    cJSON_Delete(list.body);
    return changed;
}

/* ---- workloads ---- */

static unsigned fnv(const char *s, long generation)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return (h ^ (unsigned)generation) * 16777619u;
}

static long generation_of(const cJSON *o)
{
    /* a seeded object may carry any number: only a plausible one is cast (1e300 would be UB) */
    const cJSON *g = at(o, "metadata", "generation");
    return cJSON_IsNumber(g) && g->valuedouble >= 0 && g->valuedouble <= 1e15 ? (long)g->valuedouble : 1;
}

/* Whether a claim the pod uses is bound to a PV with affinity to another node. */
static bool claims_elsewhere(kube_store *s, const char *ns, const char *pod, const char *node)
{
    bool elsewhere = false;
    kube_result pvcs = kube_store_list(s, res("persistentvolumeclaims"), ns, NULL, NULL);
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(pvcs.body, "items"))
    {
        const char *name = kube_meta_get(c, "name");
        if (!osh_str_ends_with(name, pod) || strlen(name) <= strlen(pod) || name[strlen(name) - strlen(pod) - 1] != '-')
            continue;
        const char *vol = cJSON_GetStringValue(at(c, "spec", "volumeName"));
        kube_result pv = vol ? kube_store_get(s, res("persistentvolumes"), NULL, vol) : (kube_result){404, NULL};
        const cJSON *terms = at(at(pv.body, "spec", "nodeAffinity"), "required", "nodeSelectorTerms");
        const cJSON *expr = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(terms, 0), "matchExpressions"), 0);
        const char *affinity = cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(expr, "values"), 0));
        if (affinity && strcmp(affinity, node) != 0)
            elsewhere = true;
        cJSON_Delete(pv.body);
    }
    cJSON_Delete(pvcs.body);
    return elsewhere;
}

static bool pod_ready(kube_store *s, const cJSON *pod)
{
    const char *node = cJSON_GetStringValue(at(pod, "spec", "nodeName"));
    if (!node || kube_meta_get(pod, "deletionTimestamp") || !node_ready_in(s, node))
        return false;
    return !claims_elsewhere(s, kube_meta_get(pod, "namespace"), kube_meta_get(pod, "name"), node);
}

static void create_pod(kube_store *s, const cJSON *owner, const char *kind, const char *ns, const char *name,
                       const char *revision, const char *node)
{
    cJSON *pod = cJSON_CreateObject();
    kube_meta_set(pod, "name", name);
    cJSON *meta = kube_meta_object(pod);
    const cJSON *tmeta = at(at(owner, "spec", "template"), "metadata", "labels");
    cJSON *labels = tmeta ? cJSON_Duplicate(tmeta, true) : cJSON_CreateObject();
    cJSON_AddStringToObject(labels, strcmp(kind, "StatefulSet") == 0 ? "controller-revision-hash" : "pod-template-hash",
                            revision);
    cJSON_AddItemToObject(meta, "labels", labels);
    cJSON *refs = cJSON_AddArrayToObject(meta, "ownerReferences");
    cJSON *ref = cJSON_CreateObject();
    cJSON_AddStringToObject(ref, "apiVersion", strcmp(kind, "Sandbox") == 0 ? "agents.x-k8s.io/v1alpha1" : "apps/v1");
    cJSON_AddStringToObject(ref, "kind", kind);
    cJSON_AddStringToObject(ref, "name", kube_meta_get(owner, "name"));
    cJSON_AddStringToObject(ref, "uid", kube_meta_get(owner, "uid"));
    cJSON_AddBoolToObject(ref, "controller", true);
    cJSON_AddItemToArray(refs, ref);
    const cJSON *tspec = at(at(owner, "spec", "template"), "spec", NULL);
    cJSON *spec = tspec ? cJSON_Duplicate(tspec, true) : cJSON_CreateObject();
    cJSON_DeleteItemFromObjectCaseSensitive(spec, "nodeName");
    cJSON_AddStringToObject(spec, "nodeName", node);
    cJSON_AddItemToObject(pod, "spec", spec);
    kube_result r = kube_store_create(s, res("pods"), ns, pod, false);
    cJSON_Delete(r.body);
    cJSON_Delete(pod);
}

static unsigned fnv(const char *s, long generation);

/* Running, with a pod IP derived from the name (stable across reconciles). */
static void set_pod_status(kube_store *s, const cJSON *pod, bool ready)
{
    cJSON *status = cJSON_CreateObject();
    cJSON_AddStringToObject(status, "phase", "Running");
    char ip[32];
    snprintf(ip, sizeof(ip), "10.42.0.%u", 10 + fnv(kube_meta_get(pod, "name"), 0) % 240);
    cJSON_AddStringToObject(status, "podIP", ip);
    cJSON_AddStringToObject(status, "hostIP", "172.18.0.2");
    cJSON *conds = ready_conditions(ready ? "True" : "False", ready ? "" : "ContainersNotReady", "");
    cJSON_AddItemToObject(status, "conditions", conds);
    cJSON *css = cJSON_AddArrayToObject(status, "containerStatuses");
    const cJSON *c;
    cJSON_ArrayForEach(c, at(pod, "spec", "containers"))
    {
        cJSON *cs = cJSON_CreateObject();
        cJSON_AddStringToObject(cs, "name", str_or_empty(cJSON_GetObjectItemCaseSensitive(c, "name")));
        cJSON_AddStringToObject(cs, "image", str_or_empty(cJSON_GetObjectItemCaseSensitive(c, "image")));
        cJSON_AddBoolToObject(cs, "ready", ready);
        cJSON_AddNumberToObject(cs, "restartCount", 0);
        cJSON_AddBoolToObject(cs, "started", true);
        cJSON_AddItemToArray(css, cs);
    }
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(pod, "status");
    bool same = old && cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(old, "podIP")) && node_is_ready(pod) == ready;
    if (!same) {
        cJSON *patch = cJSON_CreateObject();
        cJSON_AddItemToObject(patch, "status", status);
        kube_result r = kube_store_patch(s, res("pods"), kube_meta_get(pod, "namespace"), kube_meta_get(pod, "name"),
                                         KUBE_PATCH_MERGE, patch, true, false);
        cJSON_Delete(r.body);
        cJSON_Delete(patch);
    } else {
        cJSON_Delete(status);
    }
}

/* What a workload controller works with: names derived from the workload's generation. */
typedef struct workload {
    const kube_resource *r;
    const cJSON *obj;
    bool sts;
    const char *ns, *name;
    long generation;
    char revision[64], pod_name[300];
} workload;

static void workload_init(workload *wl, const kube_resource *r, const cJSON *obj)
{
    wl->r = r;
    wl->obj = obj;
    wl->sts = strcmp(r->plural, "statefulsets") == 0;
    wl->ns = kube_meta_get(obj, "namespace");
    wl->name = kube_meta_get(obj, "name");
    wl->generation = generation_of(obj);
    unsigned h = fnv(wl->name, wl->generation);
    if (wl->sts) {
        snprintf(wl->revision, sizeof(wl->revision), "%s-%08x", wl->name, h);
        snprintf(wl->pod_name, sizeof(wl->pod_name), "%s-0", wl->name);
    } else {
        snprintf(wl->revision, sizeof(wl->revision), "%x", h & 0xfffffff);
        snprintf(wl->pod_name, sizeof(wl->pod_name), "%s-%s-%05x", wl->name, wl->revision, fnv(wl->revision, 7) & 0xfffff);
    }
}

static const char *pod_revision(const workload *wl, const cJSON *pod)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        at(pod, "metadata", "labels"), wl->sts ? "controller-revision-hash" : "pod-template-hash"));
}

/* Deletes owned pods of an old revision on the Ready node; returns the pod that stands for the
 * workload now (up to date, or old and not replaceable yet), or NULL. */
static const cJSON *owned_pod(kube_store *s, const workload *wl, const cJSON *pods, const char *ready_node,
                              bool *changed)
{
    const cJSON *p, *current = NULL;
    const char *uid = kube_meta_get(wl->obj, "uid");
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(pods, "items"))
    {
        const cJSON *ref = cJSON_GetArrayItem(at(p, "metadata", "ownerReferences"), 0);
        const char *ruid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ref, "uid"));
        bool owned = (ruid && uid && strcmp(ruid, uid) == 0) || (wl->sts && strcmp(kube_meta_get(p, "name"), wl->pod_name) == 0);
        if (!owned)
            continue;
        const char *hash = pod_revision(wl, p);
        const char *on = cJSON_GetStringValue(at(p, "spec", "nodeName"));
        bool outdated = !hash || strcmp(hash, wl->revision) != 0;
        bool on_ready_node = ready_node && on && strcmp(on, ready_node) == 0;
        if (outdated && !kube_meta_get(p, "deletionTimestamp") && on_ready_node) {
            kube_delete_opts o = {-1, NULL, false};
            kube_result d = kube_store_delete(s, res("pods"), wl->ns, kube_meta_get(p, "name"), &o);
            cJSON_Delete(d.body);
            *changed = true;
        } else {
            current = p;
        }
    }
    return current;
}

/* Writes the workload's status when it differs; true when it did. */
static bool write_workload_status(kube_store *s, const workload *wl, bool exists, bool ready, bool updated)
{
    cJSON *status = cJSON_CreateObject();
    cJSON_AddNumberToObject(status, "observedGeneration", (double)wl->generation);
    cJSON_AddNumberToObject(status, "replicas", exists ? 1 : 0);
    cJSON_AddNumberToObject(status, "readyReplicas", ready ? 1 : 0);
    cJSON_AddNumberToObject(status, "updatedReplicas", updated ? 1 : 0);
    cJSON_AddNumberToObject(status, "availableReplicas", ready ? 1 : 0);
    if (wl->sts) {
        cJSON_AddNumberToObject(status, "currentReplicas", updated ? 1 : 0);
        cJSON_AddStringToObject(status, "currentRevision", wl->revision);
        cJSON_AddStringToObject(status, "updateRevision", wl->revision);
    }
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(wl->obj, "status");
    cJSON *merged = cJSON_Duplicate(old ? old : status, true);
    const cJSON *f;
    cJSON_ArrayForEach(f, status)
    {
        cJSON_DeleteItemFromObjectCaseSensitive(merged, f->string);
        cJSON_AddItemToObject(merged, f->string, cJSON_Duplicate(f, true));
    }
    bool differs = !old || !cJSON_Compare(old, merged, true);
    cJSON_Delete(merged);
    if (!differs) {
        cJSON_Delete(status);
        return false;
    }
    cJSON *patch = cJSON_CreateObject();
    cJSON_AddItemToObject(patch, "status", status);
    kube_result u = kube_store_patch(s, wl->r, wl->ns, wl->name, KUBE_PATCH_MERGE, patch, true, false);
    cJSON_Delete(u.body);
    cJSON_Delete(patch);
    return true;
}

/* The local-path provisioner and the StatefulSet controller's claim step: each claim
 * template of a StatefulSet gets a PVC {template}-{pod} when missing, bound to a new PV with
 * node affinity to the node the pod runs on (a claim deleted under a running pod is made
 * again, as the StatefulSet controller does). True when it created something. */
static bool provision_claims(kube_store *s, const workload *wl, const char *node)
{
    bool changed = false;
    const cJSON *t;
    cJSON_ArrayForEach(t, at(wl->obj, "spec", "volumeClaimTemplates"))
    {
        const char *tname = kube_meta_get(t, "name");
        if (!tname)
            continue;
        char *claim = osh_str_printf("%s-%s", tname, wl->pod_name);
        kube_result got = kube_store_get(s, res("persistentvolumeclaims"), wl->ns, claim);
        cJSON_Delete(got.body);
        if (got.code == 404) {
            unsigned h = fnv(claim, (long)fnv(node, wl->generation));
            char *pv_name = osh_str_printf("pvc-%08x-%04x-%04x-%04x-%08x%04x", h, h >> 16, h & 0xffff, (h >> 8) & 0xffff,
                                           fnv(node, 3), h >> 20);
            const cJSON *storage = at(at(at(t, "spec", "resources"), "requests", NULL), "storage", NULL);
            const char *size = cJSON_GetStringValue(storage) ? storage->valuestring : "1Gi";
            char *pv = osh_str_printf(
                "{\"metadata\": {\"name\": \"%s\"}, \"spec\": {\"capacity\": {\"storage\": \"%s\"},"
                " \"accessModes\": [\"ReadWriteOnce\"], \"persistentVolumeReclaimPolicy\": \"Delete\","
                " \"storageClassName\": \"local-path\", \"claimRef\": {\"kind\": \"PersistentVolumeClaim\","
                " \"namespace\": \"%s\", \"name\": \"%s\"}, \"nodeAffinity\": {\"required\": {\"nodeSelectorTerms\":"
                " [{\"matchExpressions\": [{\"key\": \"kubernetes.io/hostname\", \"operator\": \"In\", \"values\": [\"%s\"]}]}]}}},"
                " \"status\": {\"phase\": \"Bound\"}}",
                pv_name, size, wl->ns, claim, node);
            char *pvc = osh_str_printf(
                "{\"metadata\": {\"name\": \"%s\", \"namespace\": \"%s\"}, \"spec\": {\"accessModes\": [\"ReadWriteOnce\"],"
                " \"resources\": {\"requests\": {\"storage\": \"%s\"}}, \"storageClassName\": \"local-path\","
                " \"volumeName\": \"%s\"}, \"status\": {\"phase\": \"Bound\", \"capacity\": {\"storage\": \"%s\"},"
                " \"accessModes\": [\"ReadWriteOnce\"]}}",
                claim, wl->ns, size, pv_name, size);
            const char *plural[] = {"persistentvolumes", "persistentvolumeclaims"};
            char *json[] = {pv, pvc};
            for (int i = 0; i < 2; i++) {
                cJSON *obj = cJSON_Parse(json[i]);
                kube_result r = kube_store_create(s, res(plural[i]), i ? wl->ns : NULL, obj, false);
                cJSON_Delete(r.body);
                cJSON_Delete(obj);
                free(json[i]);
            }
            free(pv_name);
            changed = true;
        }
        free(claim);
    }
    return changed;
}

/* Brings one workload to one replica at its current revision; true when something changed. */
static bool reconcile_workload(kube_store *s, const kube_resource *r, const cJSON *w, const char *ready_node)
{
    workload wl;
    workload_init(&wl, r, w);
    bool changed = false;
    kube_result pods = kube_store_list(s, res("pods"), wl.ns, NULL, NULL);
    const cJSON *current = owned_pod(s, &wl, pods.body, ready_node, &changed);
    if (!current && ready_node && node_ready_in(s, ready_node)) {
        create_pod(s, w, wl.sts ? "StatefulSet" : "Deployment", wl.ns, wl.pod_name, wl.revision, ready_node);
        changed = true;
    }
    bool ready = false, updated = false;
    const char *current_node = current ? cJSON_GetStringValue(at(current, "spec", "nodeName")) : NULL;
    if (wl.sts && current_node && !kube_meta_get(current, "deletionTimestamp") && node_ready_in(s, current_node))
        changed |= provision_claims(s, &wl, current_node);
    if (current) {
        ready = pod_ready(s, current);
        const char *hash = pod_revision(&wl, current);
        updated = hash && strcmp(hash, wl.revision) == 0;
        if (!kube_meta_get(current, "deletionTimestamp") && ready_node)
            set_pod_status(s, current, ready);
    }
    changed |= write_workload_status(s, &wl, current != NULL, ready, updated);
    cJSON_Delete(pods.body);
    return changed;
}

static bool reconcile_workloads(kube_store *s, const char *plural, const char *ready_node)
{
    bool changed = false;
    const kube_resource *r = res(plural);
    kube_result list = kube_store_list(s, r, NULL, NULL, NULL);
    const cJSON *w;
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(list.body, "items"))
    {
        if (!kube_meta_get(w, "deletionTimestamp"))
            changed |= reconcile_workload(s, r, w, ready_node);
    }
    cJSON_Delete(list.body);
    return changed;
}

/* ---- sandboxes: the agent-sandbox controller of mocks/agent-sandbox, its pods scheduled to
 * the Ready node (one kubelet step per round) ---- */

static bool reconcile_sandboxes(kube_store *s, const char *ready_node)
{
    if (!ready_node || !node_ready_in(s, ready_node))
        return false;
    long long before = kube_store_resource_version(s);
    cJSON *knobs = cJSON_CreateObject();
    cJSON_AddStringToObject(knobs, "node", ready_node);
    char *error = NULL;
    agent_sandbox_controller *c = agent_sandbox_controller_new(knobs, &error);
    cJSON_Delete(knobs);
    free(error);
    if (!c)
        return false;
    agent_sandbox_controller_tick(c, s);
    agent_sandbox_controller_free(c);
    return kube_store_resource_version(s) != before;
}

void k3s_reconcile(kube_store *s, const char *ready_node)
{
    for (int round = 0; round < 6; round++) {
        bool changed = reconcile_sandboxes(s, ready_node);
        changed |= reconcile_pods(s, ready_node);
        changed |= reconcile_workloads(s, "statefulsets", ready_node);
        changed |= reconcile_workloads(s, "deployments", ready_node);
        if (!changed)
            break;
    }
}
