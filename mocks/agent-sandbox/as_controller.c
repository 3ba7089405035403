/* as_controller.c: the agent-sandbox v0.5.6 Sandbox controller (controllers/
 * sandbox_controller.go, facts in reference/upstream/agent-sandbox-v0.5.6.md), played on a
 * store: per Sandbox, PVCs → pod → Service → status with the conditions Suspended,
 * PodScheduled, Finished and Ready; suspend and resume; shutdownTime expiry. Pods move in
 * as_kubelet.c. Every change goes through the store's public operations (watchable, with new
 * resourceVersions). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "as_internal.h"
#include "kube_crd_schema.h"
#include "kube_meta.h"
#include "osh_buf.h"
#include "osh_str.h"

#define POD_NAME_ANN "agents.x-k8s.io/pod-name"

static const cJSON *get(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }
static const kube_resource *res(const char *plural) { return kube_resource_by_path("", "v1", plural); }
static void drop(kube_result r) { cJSON_Delete(r.body); }

/* ---- one Sandbox ---- */

typedef struct sandbox {
    kube_store *s;
    const agent_sandbox_knobs *k;
    kube_crd *crd;
    const kube_resource *sr;
    char *owner_api;          /* storage apiVersion, for owner references */
    const cJSON *obj;         /* as stored */
    const char *ns, *name, *uid;
    char hash[9];
    double generation;
    bool suspended;
    const cJSON *spec;
    char *error;              /* the reconcile error of this pass (Ready=False ReconcilerError) */
    int owned_pods;
    bool changed;
} sandbox;

static void fail(sandbox *sb, char *msg)
{
    if (!sb->error)
        sb->error = msg;
    else
        free(msg);
}

/* controllerRef uid: NULL when the object has none. */
static const char *controller_uid(const cJSON *o)
{
    const cJSON *ref;
    cJSON_ArrayForEach(ref, get(get(o, "metadata"), "ownerReferences"))
    {
        if (cJSON_IsTrue(get(ref, "controller")))
            return cJSON_GetStringValue(get(ref, "uid"));
    }
    return NULL;
}

static cJSON *owner_refs(const sandbox *sb)
{
    cJSON *refs = cJSON_CreateArray(), *ref = cJSON_CreateObject();
    cJSON_AddStringToObject(ref, "apiVersion", sb->owner_api);
    cJSON_AddStringToObject(ref, "kind", "Sandbox");
    cJSON_AddStringToObject(ref, "name", sb->name);
    cJSON_AddStringToObject(ref, "uid", sb->uid);
    cJSON_AddBoolToObject(ref, "controller", true);
    cJSON_AddBoolToObject(ref, "blockOwnerDeletion", true);
    cJSON_AddItemToArray(refs, ref);
    return refs;
}

/* Whether an unowned object may be adopted (SC:1327-1341). */
static bool adoptable(const sandbox *sb, const cJSON *o)
{
    const cJSON *labels = get(get(o, "metadata"), "labels");
    const char *a = cJSON_GetStringValue(get(labels, "agents.x-k8s.io/adoptable"));
    const char *h = cJSON_GetStringValue(get(labels, AS_HASH_LABEL));
    return (a && strcmp(a, "true") == 0) || (h && strcmp(h, sb->hash) == 0);
}

/* Owned → true; unowned and authorized → adopted (true); else false with the error set. */
static bool own_or_adopt(sandbox *sb, const kube_resource *r, const cJSON *o, const char *kind)
{
    const char *cu = controller_uid(o);
    const char *oname = kube_meta_get(o, "name");
    if (cu && strcmp(cu, sb->uid) == 0)
        return true;
    if (cu) {
        const cJSON *ref = cJSON_GetArrayItem(get(get(o, "metadata"), "ownerReferences"), 0);
        fail(sb, osh_str_printf("%s \"%s\" is owned by %s/%s (UID: %s), not by sandbox \"%s\"", kind, oname,
                                cJSON_GetStringValue(get(ref, "kind")), cJSON_GetStringValue(get(ref, "name")), cu,
                                sb->name));
        return false;
    }
    if (!adoptable(sb, o)) {
        fail(sb, osh_str_printf("cannot adopt unowned %s \"%s\": missing required pool authorization label "
                                "(agents.x-k8s.io/adoptable=true) or sandbox tracking label (%s=%s)",
                                kind, oname, AS_HASH_LABEL, sb->hash));
        return false;
    }
    cJSON *patch = cJSON_CreateObject();
    cJSON_AddItemToObject(cJSON_AddObjectToObject(patch, "metadata"), "ownerReferences", owner_refs(sb));
    drop(kube_store_patch(sb->s, r, sb->ns, oname, KUBE_PATCH_MERGE, patch, false, false));
    cJSON_Delete(patch);
    sb->changed = true;
    return true;
}

/* Copies a map minus keys with reserved prefixes; appends the kept keys, comma-joined and
 * sorted, to keys_out (NULL when none). */
static cJSON *user_map(const cJSON *m, char **keys_out)
{
    cJSON *out = cJSON_CreateObject();
    const char *names[64];
    size_t n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, m)
    {
        if (osh_str_starts_with(e->string, "agents.x-k8s.io/") ||
            osh_str_starts_with(e->string, "extensions.agents.x-k8s.io/") ||
            strcmp(e->string, "opentelemetry.io/trace-context") == 0 || !cJSON_IsString(e))
            continue;
        cJSON_AddStringToObject(out, e->string, e->valuestring);
        if (n < 64)
            names[n++] = e->string;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    osh_buf b = OSH_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        osh_buf_append_str(&b, i ? "," : "");
        osh_buf_append_str(&b, names[i]);
    }
    *keys_out = b.data;
    return out;
}

static void reconcile_pvcs(sandbox *sb)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, get(sb->spec, "volumeClaimTemplates"))
    {
        const char *tname = cJSON_GetStringValue(get(get(t, "metadata"), "name"));
        if (!tname)
            continue;
        char *claim = osh_str_printf("%s-%s", tname, sb->name);
        kube_result got = kube_store_get(sb->s, res("persistentvolumeclaims"), sb->ns, claim);
        if (got.code == 200) {
            own_or_adopt(sb, res("persistentvolumeclaims"), got.body, "PersistentVolumeClaim");
        } else {
            cJSON *pvc = cJSON_CreateObject();
            kube_meta_set(pvc, "name", claim);
            cJSON *meta = kube_meta_object(pvc);
            const cJSON *tl = get(get(t, "metadata"), "labels"), *ta = get(get(t, "metadata"), "annotations");
            cJSON *labels = cJSON_IsObject(tl) ? cJSON_Duplicate(tl, true) : cJSON_CreateObject();
            cJSON_DeleteItemFromObjectCaseSensitive(labels, AS_HASH_LABEL);
            cJSON_AddStringToObject(labels, AS_HASH_LABEL, sb->hash);
            cJSON_AddItemToObject(meta, "labels", labels);
            if (cJSON_IsObject(ta))
                cJSON_AddItemToObject(meta, "annotations", cJSON_Duplicate(ta, true));
            cJSON_AddItemToObject(meta, "ownerReferences", owner_refs(sb));
            const cJSON *spec = get(t, "spec");
            cJSON_AddItemToObject(pvc, "spec", spec ? cJSON_Duplicate(spec, true) : cJSON_CreateObject());
            drop(kube_store_create(sb->s, res("persistentvolumeclaims"), sb->ns, pvc, false));
            cJSON_Delete(pvc);
            sb->changed = true;
        }
        cJSON_Delete(got.body);
        free(claim);
    }
}

static void set_pod_name_annotation(sandbox *sb, const char *value)
{
    const char *have = cJSON_GetStringValue(get(get(get(sb->obj, "metadata"), "annotations"), POD_NAME_ANN));
    if ((!value && !have) || (value && have && *have))
        return; /* never overwrites a different non-empty value (SC:1274-1299) */
    cJSON *patch = cJSON_CreateObject();
    cJSON *ann = cJSON_AddObjectToObject(cJSON_AddObjectToObject(patch, "metadata"), "annotations");
    cJSON_AddItemToObject(ann, POD_NAME_ANN, value ? cJSON_CreateString(value) : cJSON_CreateNull());
    drop(kube_store_patch(sb->s, sb->sr, sb->ns, sb->name, KUBE_PATCH_MERGE, patch, false, false));
    cJSON_Delete(patch);
    sb->changed = true;
}

static void create_pod(sandbox *sb, const char *pod_name, bool owned)
{
    const cJSON *tpl = get(sb->spec, "podTemplate");
    cJSON *pod = cJSON_CreateObject();
    kube_meta_set(pod, "name", pod_name);
    cJSON *meta = kube_meta_object(pod);
    char *label_keys = NULL, *ann_keys = NULL;
    cJSON *labels = user_map(get(get(tpl, "metadata"), "labels"), &label_keys);
    cJSON *anns = user_map(get(get(tpl, "metadata"), "annotations"), &ann_keys);
    if (owned) /* a foreign pod (the knob) lacks the tracking label too, so it is not adoptable */
        cJSON_AddStringToObject(labels, AS_HASH_LABEL, sb->hash);
    if (label_keys)
        cJSON_AddStringToObject(anns, "agents.x-k8s.io/propagated-labels", label_keys);
    if (ann_keys)
        cJSON_AddStringToObject(anns, "agents.x-k8s.io/propagated-annotations", ann_keys);
    free(label_keys);
    free(ann_keys);
    cJSON_AddItemToObject(meta, "labels", labels);
    if (anns->child)
        cJSON_AddItemToObject(meta, "annotations", anns);
    else
        cJSON_Delete(anns);
    if (owned)
        cJSON_AddItemToObject(meta, "ownerReferences", owner_refs(sb));
    const cJSON *tspec = get(tpl, "spec");
    cJSON *spec = tspec ? cJSON_Duplicate(tspec, true) : cJSON_CreateObject();
    /* MergeVolumeClaimVolumes: template volumes named like a claim template give way, and one
     * claim volume per template is appended */
    cJSON *vols = cJSON_GetObjectItemCaseSensitive(spec, "volumes");
    const cJSON *t;
    cJSON_ArrayForEach(t, get(sb->spec, "volumeClaimTemplates"))
    {
        const char *tname = cJSON_GetStringValue(get(get(t, "metadata"), "name"));
        if (!tname)
            continue;
        if (!cJSON_IsArray(vols)) {
            cJSON_DeleteItemFromObjectCaseSensitive(spec, "volumes");
            vols = cJSON_AddArrayToObject(spec, "volumes");
        }
        for (int i = cJSON_GetArraySize(vols) - 1; i >= 0; i--) {
            const char *vn = cJSON_GetStringValue(get(cJSON_GetArrayItem(vols, i), "name"));
            if (vn && strcmp(vn, tname) == 0)
                cJSON_DeleteItemFromArray(vols, i);
        }
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "name", tname);
        char *claim = osh_str_printf("%s-%s", tname, sb->name);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(v, "persistentVolumeClaim"), "claimName", claim);
        free(claim);
        cJSON_AddItemToArray(vols, v);
    }
    cJSON_AddItemToObject(pod, "spec", spec);
    drop(kube_store_create(sb->s, res("pods"), sb->ns, pod, false));
    cJSON_Delete(pod);
    sb->changed = true;
}

/* The pod the Sandbox stands for now (a copy), or NULL. */
static cJSON *reconcile_pod(sandbox *sb)
{
    char *selector = osh_str_printf("%s=%s", AS_HASH_LABEL, sb->hash);
    kube_result list = kube_store_list(sb->s, res("pods"), sb->ns, selector, NULL);
    free(selector);
    cJSON *owned = NULL;
    const cJSON *p;
    cJSON_ArrayForEach(p, get(list.body, "items"))
    {
        const char *cu = controller_uid(p);
        if (cu && strcmp(cu, sb->uid) == 0) {
            sb->owned_pods++;
            if (!owned)
                owned = cJSON_Duplicate(p, true);
        }
    }
    cJSON_Delete(list.body);
    if (sb->owned_pods > 1) {
        cJSON_Delete(owned);
        return NULL;
    }
    const char *ann = cJSON_GetStringValue(get(get(get(sb->obj, "metadata"), "annotations"), POD_NAME_ANN));
    const char *pod_name = ann && *ann ? ann : sb->name;
    kube_result got = kube_store_get(sb->s, res("pods"), sb->ns, pod_name);
    cJSON *pod = got.code == 200 ? got.body : NULL;
    if (got.code != 200) {
        cJSON_Delete(got.body);
        if (ann && *ann)
            set_pod_name_annotation(sb, NULL);
    }
    if (owned && (!pod || strcmp(kube_meta_get(owned, "name"), kube_meta_get(pod, "name")) != 0)) {
        cJSON_Delete(pod);
        pod = owned;
        owned = NULL;
    }
    cJSON_Delete(owned);
    if (sb->suspended) {
        const char *cu = pod ? controller_uid(pod) : NULL;
        if (pod && cu && strcmp(cu, sb->uid) == 0 && !kube_meta_get(pod, "deletionTimestamp")) {
            kube_delete_opts o = {-1, NULL, false};
            drop(kube_store_delete(sb->s, res("pods"), sb->ns, kube_meta_get(pod, "name"), &o));
            sb->changed = true;
        }
        if (ann)
            set_pod_name_annotation(sb, NULL);
        return pod;
    }
    if (!pod && sb->k->foreign_pod && !ann) {
        create_pod(sb, sb->name, false); /* someone else's pod holds the name */
        kube_result again = kube_store_get(sb->s, res("pods"), sb->ns, sb->name);
        pod = again.code == 200 ? again.body : (cJSON_Delete(again.body), NULL);
    }
    if (pod) {
        if (!own_or_adopt(sb, res("pods"), pod, "Pod")) {
            set_pod_name_annotation(sb, NULL);
            return pod;
        }
    } else {
        create_pod(sb, sb->name, true);
        if (sb->k->two_pods) {
            char *extra = osh_str_printf("%s-extra", sb->name);
            create_pod(sb, extra, true);
            free(extra);
        }
        kube_result again = kube_store_get(sb->s, res("pods"), sb->ns, sb->name);
        pod = again.code == 200 ? again.body : (cJSON_Delete(again.body), NULL);
    }
    if (pod)
        set_pod_name_annotation(sb, kube_meta_get(pod, "name"));
    return pod;
}

static cJSON *service_ports(const sandbox *sb)
{
    cJSON *ports = cJSON_CreateArray();
    const char *lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < 2; l++) {
        const cJSON *ct;
        cJSON_ArrayForEach(ct, get(get(get(sb->spec, "podTemplate"), "spec"), lists[l]))
        {
            const char *restart = cJSON_GetStringValue(get(ct, "restartPolicy"));
            if (l == 1 && !(restart && strcmp(restart, "Always") == 0))
                continue;
            const cJSON *cp;
            cJSON_ArrayForEach(cp, get(ct, "ports"))
            {
                const cJSON *port = get(cp, "containerPort");
                if (!cJSON_IsNumber(port) || port->valueint == 0)
                    continue;
                const char *proto = cJSON_GetStringValue(get(cp, "protocol"));
                proto = proto ? proto : "TCP";
                bool dup = false;
                const cJSON *have;
                cJSON_ArrayForEach(have, ports)
                dup = dup || (get(have, "port")->valueint == port->valueint &&
                              strcmp(cJSON_GetStringValue(get(have, "protocol")), proto) == 0);
                if (dup)
                    continue;
                cJSON *sp = cJSON_CreateObject();
                const char *name = cJSON_GetStringValue(get(cp, "name"));
                char gen[64];
                snprintf(gen, sizeof(gen), "p-%d-%s", port->valueint, proto);
                for (char *g = gen; *g; g++)
                    *g = (char)(*g >= 'A' && *g <= 'Z' ? *g + 32 : *g);
                cJSON_AddStringToObject(sp, "name", name ? name : gen);
                cJSON_AddNumberToObject(sp, "port", port->valueint);
                cJSON_AddStringToObject(sp, "protocol", proto);
                cJSON_AddNumberToObject(sp, "targetPort", port->valueint);
                cJSON_AddItemToArray(ports, sp);
            }
        }
    }
    return ports;
}

/* Returns whether the Service exists (owned) after this pass. */
static bool reconcile_service(sandbox *sb, cJSON *status)
{
    const cJSON *want = get(sb->spec, "service");
    kube_result got = kube_store_get(sb->s, res("services"), sb->ns, sb->name);
    bool exists = got.code == 200;
    const char *cu = exists ? controller_uid(got.body) : NULL;
    bool owned = cu && strcmp(cu, sb->uid) == 0;
    if (cJSON_IsFalse(want) && owned) {
        kube_delete_opts o = {-1, NULL, false};
        drop(kube_store_delete(sb->s, res("services"), sb->ns, sb->name, &o));
        sb->changed = true;
        exists = false;
    } else if (cJSON_IsTrue(want) && !exists) {
        cJSON *svc = cJSON_CreateObject();
        kube_meta_set(svc, "name", sb->name);
        cJSON *meta = kube_meta_object(svc);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(meta, "labels"), AS_HASH_LABEL, sb->hash);
        cJSON_AddItemToObject(meta, "ownerReferences", owner_refs(sb));
        cJSON *spec = cJSON_AddObjectToObject(svc, "spec");
        cJSON_AddStringToObject(spec, "clusterIP", "None");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(spec, "selector"), AS_HASH_LABEL, sb->hash);
        cJSON *ports = service_ports(sb);
        if (ports->child)
            cJSON_AddItemToObject(spec, "ports", ports);
        else
            cJSON_Delete(ports);
        drop(kube_store_create(sb->s, res("services"), sb->ns, svc, false));
        cJSON_Delete(svc);
        sb->changed = true;
        exists = owned = true;
    } else if (exists && cu && !owned) {
        fail(sb, osh_str_printf("Service \"%s\" is owned by another controller (UID: %s), not by sandbox \"%s\"", sb->name,
                                cu, sb->name));
    }
    cJSON_Delete(got.body);
    bool counted = exists && (owned || cJSON_IsTrue(want));
    if (counted && !cJSON_IsFalse(want)) {
        cJSON_AddStringToObject(status, "service", sb->name);
        char *fqdn = osh_str_printf("%s.%s.svc.cluster.local", sb->name, sb->ns);
        cJSON_AddStringToObject(status, "serviceFQDN", fqdn);
        free(fqdn);
    }
    return counted && !cJSON_IsFalse(want);
}

/* ---- conditions ---- */

const cJSON *as_find_condition(const cJSON *conds, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, conds)
    {
        const char *t = cJSON_GetStringValue(get(c, "type"));
        if (t && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

bool as_pod_condition_true(const cJSON *pod, const char *type)
{
    const char *st = cJSON_GetStringValue(get(as_find_condition(get(get(pod, "status"), "conditions"), type), "status"));
    return st && strcmp(st, "True") == 0;
}

/* meta.SetStatusCondition: lastTransitionTime only moves when status flips. */
static void set_condition(cJSON *conds, const cJSON *old, const char *type, const char *status, const char *reason,
                          const char *message, double generation)
{
    const cJSON *prev = as_find_condition(old, type);
    const char *prev_status = cJSON_GetStringValue(get(prev, "status"));
    const char *prev_time = cJSON_GetStringValue(get(prev, "lastTransitionTime"));
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", status);
    cJSON_AddNumberToObject(c, "observedGeneration", generation);
    char *now = kube_meta_now();
    cJSON_AddStringToObject(c, "lastTransitionTime", prev_status && strcmp(prev_status, status) == 0 && prev_time ? prev_time : now);
    free(now);
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", message);
    cJSON_AddItemToArray(conds, c);
}
static void compute_conditions(sandbox *sb, const cJSON *pod, bool svc_exists, cJSON *status)
{
    const cJSON *old = get(get(sb->obj, "status"), "conditions");
    cJSON *conds = cJSON_AddArrayToObject(status, "conditions");
    bool owned = pod && controller_uid(pod) && strcmp(controller_uid(pod), sb->uid) == 0;
    bool multiple = sb->owned_pods > 1;
    if (!sb->suspended)
        set_condition(conds, old, "Suspended", "False", "NotSuspended", "Sandbox is not suspended", sb->generation);
    else if (multiple)
        set_condition(conds, old, "Suspended", "Unknown", "PodStateUnknown",
                      "Pod state is unknown. Sandbox suspension cannot be confirmed", sb->generation);
    else if (!pod)
        set_condition(conds, old, "Suspended", "True", "PodTerminated", "Pod has been terminated. Sandbox is suspended",
                      sb->generation);
    else if (!owned)
        set_condition(conds, old, "Suspended", "False", "PodNotOwned",
                      "Refused to delete pod because it is not owned by this sandbox", sb->generation);
    else
        set_condition(conds, old, "Suspended", "False", "PodTerminating", "Pod is terminating. Sandbox is suspending",
                      sb->generation);
    const char *phase = pod ? cJSON_GetStringValue(get(get(pod, "status"), "phase")) : NULL;
    phase = phase ? phase : "";
    if (owned && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0))
        set_condition(conds, old, "Finished", "True", phase[0] == 'S' ? "PodSucceeded" : "PodFailed",
                      phase[0] == 'S' ? "Pod completed successfully" : "Pod failed", sb->generation);
    if (multiple) {
        set_condition(conds, old, "PodScheduled", "Unknown", "PodSchedulingUnknown",
                      "Pod state is unknown. Pod scheduling cannot be determined", sb->generation);
    } else if (owned) {
        const cJSON *ps = as_find_condition(get(get(pod, "status"), "conditions"), "PodScheduled");
        const char *st = cJSON_GetStringValue(get(ps, "status"));
        const char *reason = cJSON_GetStringValue(get(ps, "reason"));
        const char *msg = cJSON_GetStringValue(get(ps, "message"));
        if (st)
            set_condition(conds, old, "PodScheduled", st,
                          reason && *reason ? reason : strcmp(st, "True") == 0 ? "PodScheduled" : "PodSchedulingUnknown",
                          msg ? msg : "", sb->generation);
        else
            set_condition(conds, old, "PodScheduled", "Unknown", "PodSchedulingUnknown",
                          "Pod has not reported a PodScheduled condition yet", sb->generation);
    }
    const cJSON *want_svc = get(sb->spec, "service");
    bool svc_required = cJSON_IsBool(want_svc) ? cJSON_IsTrue(want_svc) : svc_exists;
    const char *suffix = !svc_required ? "" : svc_exists ? "; Service Exists" : "; Service does not exist";
    char *msg = NULL;
    const char *st = "False", *reason = "DependenciesNotReady";
    bool has_ip = cJSON_GetArraySize(get(get(pod, "status"), "podIPs")) > 0;
    if (multiple) {
        reason = "MultiplePods";
        msg = osh_str_printf("multiple Pods (%d) are controlled by this Sandbox; refusing to choose or create a Pod",
                             sb->owned_pods);
    } else if (sb->error) {
        reason = "ReconcilerError";
        msg = osh_str_printf("Error seen: %s", sb->error);
    } else if (sb->suspended) {
        reason = "SandboxSuspended";
        msg = osh_str_dup(pod ? "Sandbox is suspending" : "Sandbox is suspended");
    } else if (pod && strcmp(phase, "Succeeded") == 0) {
        reason = "PodSucceeded";
        msg = osh_str_dup("Pod completed successfully");
    } else if (pod && strcmp(phase, "Failed") == 0) {
        reason = "PodFailed";
        msg = osh_str_dup("Pod failed");
    } else if (pod && strcmp(phase, "Running") == 0 && as_pod_condition_true(pod, "Ready") && has_ip &&
               (!svc_required || svc_exists)) {
        st = "True";
        reason = "DependenciesReady";
        msg = osh_str_printf("Pod is Ready%s", svc_required ? "; Service Exists" : "");
    } else if (!pod) {
        msg = osh_str_printf("Pod does not exist%s", suffix);
    } else if (strcmp(phase, "Running") != 0) {
        msg = osh_str_printf("Pod exists with phase: %s%s", phase, suffix);
    } else if (!as_pod_condition_true(pod, "Ready")) {
        msg = osh_str_printf("Pod is Running but not Ready%s", suffix);
    } else {
        msg = osh_str_printf("Pod is Ready but has no podIPs yet%s", suffix);
    }
    set_condition(conds, old, "Ready", st, reason, msg, sb->generation);
    free(msg);
}

/* Writes status through the status subresource when it changed (pruned to what the storage
 * version's schema holds, as the apiserver would). */
static void write_status(sandbox *sb, cJSON *status)
{
    const kube_crd_version *storage = kube_crd_storage(sb->crd);
    cJSON *wrapper = cJSON_CreateObject();
    cJSON_AddItemToObject(wrapper, "status", status);
    const cJSON *st_schema = get(get(storage->schema, "properties"), "status");
    if (st_schema)
        kube_schema_prune(st_schema, status, NULL);
    const cJSON *old = get(sb->obj, "status");
    if (!(old && cJSON_Compare(old, status, true))) {
        cJSON *obj = cJSON_Duplicate(sb->obj, true);
        kube_result cur = kube_store_get(sb->s, sb->sr, sb->ns, sb->name);
        if (cur.code == 200)
            kube_meta_set(obj, "resourceVersion", kube_meta_get(cur.body, "resourceVersion"));
        cJSON_Delete(cur.body);
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
        cJSON_AddItemToObject(obj, "status", cJSON_Duplicate(status, true));
        drop(kube_store_update(sb->s, sb->sr, sb->ns, sb->name, obj, true, false));
        cJSON_Delete(obj);
        sb->changed = true;
    }
    cJSON_Delete(wrapper);
}

static bool expired(const cJSON *spec)
{
    const char *t = cJSON_GetStringValue(get(spec, "shutdownTime"));
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!t || !strptime(t, "%Y-%m-%dT%H:%M:%S", &tm))
        return false;
    return time(NULL) >= timegm(&tm);
}

static void handle_expiry(sandbox *sb)
{
    const cJSON *old = get(get(sb->obj, "status"), "conditions");
    const char *reason = cJSON_GetStringValue(get(as_find_condition(old, "Ready"), "reason"));
    cJSON *status = cJSON_CreateObject();
    cJSON *conds = cJSON_AddArrayToObject(status, "conditions");
    const cJSON *c;
    cJSON_ArrayForEach(c, old)
    {
        const char *t = cJSON_GetStringValue(get(c, "type"));
        if (t && strcmp(t, "Ready") != 0 && strcmp(t, "PodScheduled") != 0)
            cJSON_AddItemToArray(conds, cJSON_Duplicate(c, true));
    }
    set_condition(conds, old, "Ready", "False", "SandboxExpired", "Sandbox has expired", sb->generation);
    if (!reason || strcmp(reason, "SandboxExpired") != 0) {
        /* pass 1: the condition only, other status fields kept */
        cJSON *first = cJSON_Duplicate(get(sb->obj, "status") ? get(sb->obj, "status") : status, true);
        cJSON_ReplaceItemInObjectCaseSensitive(first, "conditions", cJSON_Duplicate(conds, true));
        cJSON_Delete(status);
        write_status(sb, first);
        return;
    }
    const char *ann = cJSON_GetStringValue(get(get(get(sb->obj, "metadata"), "annotations"), POD_NAME_ANN));
    const char *kinds[] = {"pods", "services"};
    const char *names[] = {ann && *ann ? ann : sb->name, sb->name};
    for (int i = 0; i < 2; i++) {
        kube_result got = kube_store_get(sb->s, res(kinds[i]), sb->ns, names[i]);
        const char *cu = got.code == 200 ? controller_uid(got.body) : NULL;
        if (cu && strcmp(cu, sb->uid) == 0) {
            kube_delete_opts o = {-1, NULL, false};
            drop(kube_store_delete(sb->s, res(kinds[i]), sb->ns, names[i], &o));
            sb->changed = true;
        }
        cJSON_Delete(got.body);
    }
    const char *policy = cJSON_GetStringValue(get(sb->spec, "shutdownPolicy"));
    if (policy && strcmp(policy, "Delete") == 0) {
        kube_delete_opts o = {-1, NULL, false};
        drop(kube_store_delete(sb->s, sb->sr, sb->ns, sb->name, &o));
        sb->changed = true;
        cJSON_Delete(status);
        return;
    }
    write_status(sb, status);
}

static bool reconcile_one(kube_store *s, const agent_sandbox_knobs *k, kube_crd *crd, const cJSON *obj)
{
    sandbox sb = {.s = s, .k = k, .crd = crd, .sr = kube_crd_storage(crd)->r, .obj = obj};
    sb.owner_api = kube_crd_api_version(crd, kube_crd_storage(crd));
    sb.ns = kube_meta_get(obj, "namespace");
    sb.name = kube_meta_get(obj, "name");
    sb.uid = kube_meta_get(obj, "uid");
    sb.spec = get(obj, "spec");
    if (!sb.ns || !sb.name || !sb.uid) {
        free(sb.owner_api);
        return false;
    }
    agent_sandbox_name_hash(sb.name, sb.hash);
    const cJSON *gen = get(get(obj, "metadata"), "generation");
    sb.generation = cJSON_IsNumber(gen) ? gen->valuedouble : 1;
    const char *mode = cJSON_GetStringValue(get(sb.spec, "operatingMode"));
    const cJSON *replicas = get(sb.spec, "replicas");
    sb.suspended = mode ? strcmp(mode, "Suspended") == 0 : cJSON_IsNumber(replicas) && replicas->valuedouble == 0;
    if (expired(sb.spec)) {
        handle_expiry(&sb);
    } else {
        reconcile_pvcs(&sb);
        cJSON *pod = reconcile_pod(&sb);
        cJSON *status = cJSON_CreateObject();
        bool owned = pod && controller_uid(pod) && strcmp(controller_uid(pod), sb.uid) == 0;
        if (pod && sb.owned_pods <= 1) {
            char *sel = osh_str_printf("%s=%s", AS_HASH_LABEL, sb.hash);
            cJSON_AddStringToObject(status, "selector", sel);
            free(sel);
        } else if (get(get(obj, "status"), "selector")) {
            cJSON_AddItemToObject(status, "selector", cJSON_Duplicate(get(get(obj, "status"), "selector"), true));
        }
        bool svc = sb.owned_pods > 1 ? false : reconcile_service(&sb, status);
        const cJSON *ips = get(get(pod, "status"), "podIPs");
        if (owned && cJSON_GetArraySize(ips) > 0) {
            cJSON *list = cJSON_AddArrayToObject(status, "podIPs");
            const cJSON *ip;
            cJSON_ArrayForEach(ip, ips) if (cJSON_GetStringValue(get(ip, "ip")))
                cJSON_AddItemToArray(list, cJSON_CreateString(get(ip, "ip")->valuestring));
        }
        const char *node = owned ? cJSON_GetStringValue(get(get(pod, "spec"), "nodeName")) : NULL;
        compute_conditions(&sb, pod, svc, status);
        const cJSON *st_schema = get(get(kube_crd_storage(crd)->schema, "properties"), "status");
        if (get(get(st_schema, "properties"), "replicas")) /* v1alpha1 storage: what scale reads */
            cJSON_AddNumberToObject(status, "replicas", owned && !sb.suspended ? 1 : 0);
        bool ready = as_pod_condition_true(pod, "Ready");
        /* a nodeName-only change waits for Ready (SC:742-745) */
        const char *old_node = cJSON_GetStringValue(get(get(obj, "status"), "nodeName"));
        if (node && *node && (ready || old_node))
            cJSON_AddStringToObject(status, "nodeName", node);
        write_status(&sb, status);
        cJSON_Delete(pod);
    }
    free(sb.error);
    free(sb.owner_api);
    return sb.changed;
}

static bool reconcile_all(kube_store *s, const agent_sandbox_knobs *k)
{
    kube_crd *crd = kube_store_crd(s, "agents.x-k8s.io", "sandboxes");
    if (!crd)
        return false;
    bool changed = false;
    kube_result list = kube_store_list(s, kube_crd_storage(crd)->r, NULL, NULL, NULL);
    const cJSON *sb;
    cJSON_ArrayForEach(sb, get(list.body, "items"))
    {
        if (!kube_meta_get(sb, "deletionTimestamp"))
            changed |= reconcile_one(s, k, crd, sb);
    }
    cJSON_Delete(list.body);
    kube_crd_unref(crd);
    return changed;
}

void agent_sandbox_controller_reconcile(agent_sandbox_controller *c, kube_store *s)
{
    pthread_mutex_lock(&c->lock);
    agent_sandbox_knobs k = c->k;
    pthread_mutex_unlock(&c->lock);
    if (k.paused)
        return;
    for (int round = 0; round < 8 && reconcile_all(s, &k); round++)
        ;
}
