/* gw_stale.c: stale-node cleanup (rules §5.2, 5.3): list the nodes, find the current one,
 * delete the others with their stuck pods and node-bound volumes. The command strings are
 * the exact contract the simulator matches. */
#include "gw_internal.h"

#include <stdlib.h>
#include <string.h>

#include "gw_timing.h"
#include "osh_str.h"

#define GW_STALE_ATTEMPTS 15
#define GW_STALE_SLEEP_MS 3000

#define KCFG "KUBECONFIG=/etc/rancher/k3s/k3s.yaml"

static const char S1[] = KCFG " kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name 2>/dev/null";

static const char S3[] =
    KCFG " kubectl get pods --all-namespaces --field-selector=status.phase=Running -o name 2>/dev/null; "
         "for pod_line in $(" KCFG " kubectl get pods --all-namespaces --no-headers 2>/dev/null | "
         "awk '$4 == \"Terminating\" {print $1\"/\"$2}'); do ns=${pod_line%%/*}; pod=${pod_line#*/}; " KCFG
         " kubectl delete pod \"$pod\" -n \"$ns\" --force --grace-period=0 --ignore-not-found 2>/dev/null; done";

static const char S4[] =
    KCFG "; export KUBECONFIG; CURRENT_NODE=$(kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name "
         "2>/dev/null | head -1); [ -z \"$CURRENT_NODE\" ] && exit 0; for pv in $(kubectl get pv -o "
         "jsonpath='{.items[*].metadata.name}' 2>/dev/null); do NODE=$(kubectl get pv \"$pv\" -o "
         "jsonpath='{.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}' 2>/dev/null); "
         "[ \"$NODE\" = \"$CURRENT_NODE\" ] && continue; NS=$(kubectl get pv \"$pv\" -o "
         "jsonpath='{.spec.claimRef.namespace}' 2>/dev/null); PVC=$(kubectl get pv \"$pv\" -o "
         "jsonpath='{.spec.claimRef.name}' 2>/dev/null); [ -n \"$PVC\" ] && kubectl delete pvc \"$PVC\" -n \"$NS\" "
         "--ignore-not-found 2>/dev/null; kubectl delete pv \"$pv\" --ignore-not-found 2>/dev/null; done";

const char *gw_stale_script_s1(void) { return S1; }
const char *gw_stale_script_s3(void) { return S3; }
const char *gw_stale_script_s4(void) { return S4; }

static void split_lines(const char *text, gw_strv *out)
{
    const char *p = text;
    while (*p) {
        size_t len = strcspn(p, "\n");
        char *line = osh_str_ndup(p, len);
        char *t = osh_str_trim_dup(line);
        if (*t)
            gw_strv_push(out, t);
        free(t);
        free(line);
        p += len;
        if (*p)
            p++;
    }
}

/* 1 with the node list filled, 0 when every attempt failed, -1 on an exec error. */
static int list_nodes(gw_ctx *ctx, gw_strv *nodes, gw_error *err)
{
    for (int attempt = 1; attempt <= GW_STALE_ATTEMPTS; attempt++) {
        gw_exec_result r;
        if (gw_exec_sh(ctx, S1, &r, err) != 0)
            return -1;
        bool ok = r.exit_code == 0;
        if (ok)
            split_lines(osh_buf_str(&r.output), nodes);
        gw_exec_result_free(&r);
        if (ok)
            return 1;
        if (attempt < GW_STALE_ATTEMPTS)
            gw_sleep_nominal(GW_STALE_SLEEP_MS);
    }
    return 0;
}

static char *current_node(gw_ctx *ctx, const gw_strv *nodes, const char *node_name, gw_error *err)
{
    if (gw_strv_contains(nodes, node_name))
        return osh_str_dup(node_name);
    const char *cmd[] = {"hostname", NULL};
    gw_exec_result r;
    if (gw_exec_capture(ctx, cmd, &r, err) != 0)
        return NULL;
    char *host = osh_str_trim_dup(osh_buf_str(&r.output));
    gw_exec_result_free(&r);
    return host;
}

static int run_logged(gw_ctx *ctx, const char *what, const char *script, gw_error *err)
{
    gw_exec_result r;
    if (gw_exec_sh(ctx, script, &r, err) != 0)
        return -1;
    gw_emit(ctx, GW_EVENT_VERBOSE, "%s exited with code %d", what, r.exit_code);
    gw_exec_result_free(&r);
    return 0;
}

static int remove_stale(gw_ctx *ctx, const gw_strv *stale, gw_error *err)
{
    osh_buf s2 = OSH_BUF_INIT;
    osh_buf_append_str(&s2, KCFG " kubectl delete node");
    for (size_t i = 0; i < stale->len; i++)
        osh_buf_appendf(&s2, " %s", stale->items[i]);
    osh_buf_append_str(&s2, " --ignore-not-found");
    int rc = run_logged(ctx, "stale node delete", osh_buf_str(&s2), err);
    osh_buf_free(&s2);
    if (rc == 0)
        rc = run_logged(ctx, "terminating pod cleanup", S3, err);
    if (rc == 0)
        rc = run_logged(ctx, "orphaned volume cleanup", S4, err);
    return rc;
}

int gw_stale_node_cleanup(gw_ctx *ctx, const char *node_name, gw_error *err)
{
    gw_strv nodes = {0}, stale = {0};
    int found = list_nodes(ctx, &nodes, err);
    int rc = found < 0 ? -1 : 0;
    if (found > 0) {
        char *current = current_node(ctx, &nodes, node_name, err);
        if (!current)
            rc = -1;
        for (size_t i = 0; current && i < nodes.len; i++)
            if (strcmp(nodes.items[i], current) != 0)
                gw_strv_push(&stale, nodes.items[i]);
        free(current);
    }
    if (rc == 0 && stale.len > 0) {
        rc = remove_stale(ctx, &stale, err);
        if (rc == 0)
            gw_emit(ctx, GW_EVENT_VERBOSE, "removed %zu stale node(s) and their orphaned pods", stale.len);
    }
    int count = rc == 0 ? (int)stale.len : -1;
    gw_strv_free(&nodes);
    gw_strv_free(&stale);
    return count;
}
