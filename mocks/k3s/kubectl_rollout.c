/* kubectl_rollout.c: `kubectl rollout restart|status` for statefulsets and deployments, with
 * kubectl's status viewers' messages. The simulated cluster reconciles at once, so status
 * never waits: an unfinished rollout ends as kubectl's timeout does. */
#include <stdlib.h>
#include <string.h>

#include "kube_meta.h"
#include "kubectl_internal.h"
#include "kubectl_print.h"
#include "osh_str.h"

static int num(const cJSON *o, const char *a, const char *b, int fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
    return cJSON_IsNumber(v) ? v->valueint : fallback;
}

static int generation(const cJSON *o)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "metadata"), "generation");
    return cJSON_IsNumber(g) ? g->valueint : 0;
}

/* kubectl's StatefulSetStatusViewer. Returns true when done. */
static bool statefulset_status(const cJSON *o, osh_buf *msg)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(o, "spec");
    const cJSON *strategy = cJSON_GetObjectItemCaseSensitive(spec, "updateStrategy");
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(strategy, "type"));
    int replicas = num(o, "spec", "replicas", 1);
    int observed = num(o, "status", "observedGeneration", 0);
    if (observed == 0 || generation(o) > observed) {
        osh_buf_append_str(msg, "Waiting for statefulset spec update to be observed...\n");
        return false;
    }
    int ready = num(o, "status", "readyReplicas", 0), updated = num(o, "status", "updatedReplicas", 0);
    if (ready < replicas) {
        osh_buf_appendf(msg, "Waiting for %d pods to be ready...\n", replicas - ready);
        return false;
    }
    const cJSON *ru = cJSON_GetObjectItemCaseSensitive(strategy, "rollingUpdate");
    if ((!type || strcmp(type, "RollingUpdate") == 0) && ru) {
        const cJSON *partition = cJSON_GetObjectItemCaseSensitive(ru, "partition");
        if (cJSON_IsNumber(partition) && updated < replicas - partition->valueint) {
            osh_buf_appendf(msg, "Waiting for partitioned roll out to finish: %d out of %d new pods have been updated...\n",
                            updated, replicas - partition->valueint);
            return false;
        }
        osh_buf_appendf(msg, "partitioned roll out complete: %d new pods have been updated...\n", updated);
        return true;
    }
    const char *cur = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "status"), "currentRevision"));
    const char *upd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "status"), "updateRevision"));
    if (!cur || !upd || strcmp(cur, upd) != 0) {
        osh_buf_appendf(msg, "waiting for statefulset rolling update to complete %d pods at revision %s...\n", updated,
                        upd ? upd : "");
        return false;
    }
    osh_buf_appendf(msg, "statefulset rolling update complete %d pods at revision %s...\n",
                    num(o, "status", "currentReplicas", 0), cur);
    return true;
}

/* kubectl's DeploymentStatusViewer. */
static bool deployment_status(const cJSON *o, const char *name, osh_buf *msg)
{
    if (generation(o) > num(o, "status", "observedGeneration", 0)) {
        osh_buf_append_str(msg, "Waiting for deployment spec update to be observed...\n");
        return false;
    }
    int replicas = num(o, "spec", "replicas", 1), updated = num(o, "status", "updatedReplicas", 0);
    int total = num(o, "status", "replicas", 0), available = num(o, "status", "availableReplicas", 0);
    if (updated < replicas) {
        osh_buf_appendf(msg, "Waiting for deployment \"%s\" rollout to finish: %d out of %d new replicas have been updated...\n",
                        name, updated, replicas);
        return false;
    }
    if (total > updated) {
        osh_buf_appendf(msg, "Waiting for deployment \"%s\" rollout to finish: %d old replicas are pending termination...\n",
                        name, total - updated);
        return false;
    }
    if (available < updated) {
        osh_buf_appendf(msg, "Waiting for deployment \"%s\" rollout to finish: %d of %d updated replicas are available...\n",
                        name, available, updated);
        return false;
    }
    osh_buf_appendf(msg, "deployment \"%s\" successfully rolled out\n", name);
    return true;
}

static int restart(const kubectl_env *env, const kubectl_target *t, const char *ns, osh_buf *out, osh_buf *err)
{
    char *now = kube_meta_now();
    cJSON *patch = cJSON_CreateObject();
    cJSON *ann = cJSON_AddObjectToObject(
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(patch, "spec"), "template"), "metadata"),
        "annotations");
    cJSON_AddStringToObject(ann, "kubectl.kubernetes.io/restartedAt", now);
    free(now);
    kube_result res = kube_store_patch(env->store, t->r, ns, t->name, KUBE_PATCH_STRATEGIC, patch, false, false);
    cJSON_Delete(patch);
    int rc = 0;
    if (res.code == 200) {
        osh_buf line = OSH_BUF_INIT;
        kubectl_print_name(&line, t->r, res.body);
        if (line.len)
            line.data[--line.len] = '\0';
        osh_buf_appendf(out, "%s restarted\n", osh_buf_str(&line));
        osh_buf_free(&line);
    } else {
        kubectl_print_status_error(err, res.body);
        rc = 1;
    }
    cJSON_Delete(res.body);
    return rc;
}

static int status(const kubectl_env *env, const kubectl_target *t, const char *ns, osh_buf *out, osh_buf *err)
{
    kube_result res = kube_store_get(env->store, t->r, ns, t->name);
    if (res.code != 200) {
        kubectl_print_status_error(err, res.body);
        cJSON_Delete(res.body);
        return 1;
    }
    bool done = strcmp(t->r->plural, "statefulsets") == 0 ? statefulset_status(res.body, out)
                                                          : deployment_status(res.body, t->name, out);
    cJSON_Delete(res.body);
    if (!done)
        osh_buf_append_str(err, "error: timed out waiting for the condition\n");
    return done ? 0 : 1;
}

int kubectl_rollout(const kubectl_env *env, const kubectl_args *a, osh_buf *out, osh_buf *err)
{
    if (a->n_pos < 2 || (strcmp(a->pos[0], "restart") != 0 && strcmp(a->pos[0], "status") != 0)) {
        osh_buf_append_str(err, "error: the simulated kubectl supports `rollout restart` and `rollout status`\n");
        return 1;
    }
    kubectl_args sub = *a;
    sub.pos = a->pos + 1;
    sub.n_pos = a->n_pos - 1;
    kubectl_target *t;
    size_t n;
    if (kubectl_targets(env->store, &sub, &t, &n, err) != 0)
        return 1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!t[i].name || (strcmp(t[i].r->plural, "statefulsets") != 0 && strcmp(t[i].r->plural, "deployments") != 0)) {
            osh_buf_appendf(err, "error: %s is not supported by rollout\n", t[i].r->plural);
            rc = 1;
            break;
        }
        const char *ns = kubectl_namespace(a);
        rc = strcmp(a->pos[0], "restart") == 0 ? restart(env, &t[i], ns, out, err) : status(env, &t[i], ns, out, err);
    }
    kubectl_targets_free(t, n);
    return rc;
}
