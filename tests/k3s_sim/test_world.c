/* test_world.c: the world (Docker mock + Kubernetes mock + k3s simulator) driven over HTTP:
 * the default healthy cluster, state on the volume across recreation, volume removal, the
 * rules §11.4 exec answers through docker exec, and the rules §11.6 scenario knobs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "mock_world.h"
#include "osh_str.h"
#include "world_client.h"

#define KC "KUBECONFIG=/etc/rancher/k3s/k3s.yaml"
#define PV_AFFINITY "{.items[*].spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}"
#define S1 KC " kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name 2>/dev/null"
#define M1 KC " kubectl -n openshell get secret openshell-cli-client -o jsonpath='{.data.ca\\.crt}{\"\\n\"}{.data.tls\\.crt}{\"\\n\"}{.data.tls\\.key}'"
#define W1 KC " kubectl get statefulset/openshell -n openshell -o name 2>/dev/null"
#define S3 KC " kubectl get pods --all-namespaces --field-selector=status.phase=Running -o name 2>/dev/null; for pod_line in $(" KC " kubectl get pods --all-namespaces --no-headers 2>/dev/null | awk '$4 == \"Terminating\" {print $1\"/\"$2}'); do ns=${pod_line%%/*}; pod=${pod_line#*/}; " KC " kubectl delete pod \"$pod\" -n \"$ns\" --force --grace-period=0 --ignore-not-found 2>/dev/null; done"
#define S4 KC "; export KUBECONFIG; CURRENT_NODE=$(kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name 2>/dev/null | head -1); [ -z \"$CURRENT_NODE\" ] && exit 0; for pv in $(kubectl get pv -o jsonpath='{.items[*].metadata.name}' 2>/dev/null); do NODE=$(kubectl get pv \"$pv\" -o jsonpath='{.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}' 2>/dev/null); [ \"$NODE\" = \"$CURRENT_NODE\" ] && continue; NS=$(kubectl get pv \"$pv\" -o jsonpath='{.spec.claimRef.namespace}' 2>/dev/null); PVC=$(kubectl get pv \"$pv\" -o jsonpath='{.spec.claimRef.name}' 2>/dev/null); [ -n \"$PVC\" ] && kubectl delete pvc \"$PVC\" -n \"$NS\" --ignore-not-found 2>/dev/null; kubectl delete pv \"$pv\" --ignore-not-found 2>/dev/null; done"

#define GATEWAY_BODY(hostname_json, env_json)                                                                    \
    "{\"Image\": \"ghcr.io/nvidia/openshell/cluster:dev\", " hostname_json                                        \
    " \"Cmd\": [\"server\", \"--disable=traefik\"], \"Env\": [" env_json "],"                                      \
    " \"HostConfig\": {\"Binds\": [\"openshell-cluster-t:/var/lib/rancher/k3s\"]}}"

static mock_world *world(const char *scenario_json)
{
    cJSON *scenario = scenario_json ? cJSON_Parse(scenario_json) : NULL;
    assert_true(!scenario_json || scenario);
    char *error = NULL;
    mock_world_options o = {.kube_enabled = true};
    mock_world *w = mock_world_new(scenario, &o, &error);
    if (!w)
        fail_msg("mock_world_new: %s", error);
    cJSON_Delete(scenario);
    return w;
}

static char *start_gateway(mock_world *w, const char *body)
{
    assert_int_equal(wc_docker(w, "POST", "/volumes/create", "{\"Name\": \"openshell-cluster-t\"}", NULL), 201);
    char *id = wc_create(w, "openshell-cluster-t", body);
    assert_non_null(id);
    char *path = osh_str_printf("/containers/%s/start", id);
    assert_int_equal(wc_docker(w, "POST", path, NULL, NULL), 204);
    free(path);
    return id;
}

static void expect_health(mock_world *w, const char *id, const char *want)
{
    bool running;
    char *h = wc_inspect_health(w, id, &running);
    assert_non_null(h);
    assert_string_equal(h, want);
    free(h);
}

static void test_default_world_comes_up(void **state)
{
    (void)state;
    mock_world *w = world(NULL);
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"openshell-t\",", "\"OPENSHELL_NODE_NAME=openshell-t\""));
    expect_health(w, id, "starting");
    expect_health(w, id, "healthy");
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(wc_sh(w, id, S1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "openshell-t\n");
    assert_int_equal(wc_sh(w, id, M1, &out), 0);
    int lines = 0;
    for (const char *p = osh_buf_str(&out); *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2);
    assert_true(osh_str_starts_with(osh_buf_str(&out), "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t")); /* -----BEGIN CERTIFICATE----- */
    assert_int_equal(wc_sh(w, id, W1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "statefulset.apps/openshell\n");
    const char *hostname[] = {"hostname"};
    assert_int_equal(wc_exec(w, id, hostname, 1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "openshell-t\n");
    const char *unknown[] = {"frobnicate"};
    assert_int_equal(wc_exec(w, id, unknown, 1, &out), 127);
    assert_non_null(strstr(osh_buf_str(&out), "frobnicate: not found"));
    /* the Kubernetes API serves the running cluster's state */
    assert_int_equal(wc_kube(w, "/api/v1/nodes", &out), 200);
    assert_non_null(strstr(osh_buf_str(&out), "\"name\":\"openshell-t\""));
    /* and the entrypoint logged the deterministic node name */
    char *path = osh_str_printf("/containers/%s/logs?stdout=1&stderr=1", id);
    assert_int_equal(wc_docker(w, "GET", path, NULL, &out), 200);
    free(path);
    assert_non_null(memmem(out.data, out.len, "Using deterministic k3s node name: openshell-t", 46));
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_recreate_keeps_state_and_stale_node(void **state)
{
    (void)state;
    mock_world *w = world(NULL);
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"openshell-t\",", "\"OPENSHELL_NODE_NAME=openshell-t\""));
    char *path = osh_str_printf("/containers/%s?force=1", id);
    assert_int_equal(wc_docker(w, "DELETE", path, NULL, NULL), 204);
    free(path);
    free(id);
    id = wc_create(w, "openshell-cluster-t", GATEWAY_BODY("\"Hostname\": \"other-host\",", ""));
    path = osh_str_printf("/containers/%s/start", id);
    assert_int_equal(wc_docker(w, "POST", path, NULL, NULL), 204);
    free(path);
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(wc_sh(w, id, S1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "openshell-t\nother-host\n");
    assert_int_equal(wc_sh(w, id, KC " kubectl get nodes --no-headers", &out), 0);
    assert_non_null(strstr(osh_buf_str(&out), "openshell-t   NotReady"));
    assert_non_null(strstr(osh_buf_str(&out), "other-host    Ready"));
    /* the old pod is bound to the stale node: the workload is not ready, health stays starting */
    expect_health(w, id, "starting");
    expect_health(w, id, "starting");
    /* S2 then S3 clear it; the pod comes back on the new node */
    assert_int_equal(wc_sh(w, id, KC " kubectl delete node openshell-t --ignore-not-found", &out), 0);
    assert_string_equal(osh_buf_str(&out), "node \"openshell-t\" deleted\n");
    assert_int_equal(wc_sh(w, id, S3, &out), 0);
    assert_non_null(strstr(osh_buf_str(&out), "pod \"openshell-0\" force deleted\n"));
    /* S-1: the claim's local-path PV still has affinity to the stale node, so the new pod
     * cannot be ready until S4 deletes the pair; then the claim is provisioned again */
    assert_int_equal(wc_sh(w, id, KC " kubectl get pv -o jsonpath='" PV_AFFINITY "'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "openshell-t");
    expect_health(w, id, "starting");
    assert_int_equal(wc_sh(w, id, S4, &out), 0);
    assert_true(osh_str_starts_with(osh_buf_str(&out), "persistentvolumeclaim \"workspace-openshell-0\" deleted\n"
                                                       "persistentvolume \"pvc-"));
    assert_true(osh_str_ends_with(osh_buf_str(&out), "\" deleted\n"));
    assert_int_equal(wc_sh(w, id, KC " kubectl get pv -o jsonpath='" PV_AFFINITY "'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "other-host");
    assert_int_equal(wc_sh(w, id, S4, &out), 0);
    assert_string_equal(osh_buf_str(&out), ""); /* nothing stale left */
    expect_health(w, id, "healthy");
    assert_int_equal(wc_sh(w, id, KC " kubectl get pod openshell-0 -n openshell -o jsonpath={.spec.nodeName}", &out), 0);
    assert_string_equal(osh_buf_str(&out), "other-host");
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_volume_removal_drops_state(void **state)
{
    (void)state;
    mock_world *w = world(NULL);
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"openshell-t\",", ""));
    cJSON *st = mock_world_state(w);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "clusters"), "openshell-cluster-t"));
    cJSON_Delete(st);
    char *path = osh_str_printf("/containers/%s?force=1", id);
    assert_int_equal(wc_docker(w, "DELETE", path, NULL, NULL), 204);
    free(path);
    assert_int_equal(wc_docker(w, "DELETE", "/volumes/openshell-cluster-t", NULL, NULL), 204);
    st = mock_world_state(w);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "clusters"), "openshell-cluster-t"));
    cJSON_Delete(st);
    /* a new container on a new volume of the same name starts from nothing */
    free(id);
    id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"fresh\",", ""));
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(wc_sh(w, id, S1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "fresh\n");
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_legacy_volume_cleanup_flow(void **state)
{
    (void)state;
    mock_world *w = world("{\"cluster\": {\"volumes\": {\"openshell-cluster-t\": {\"legacy_node\": \"3f9a1c2b4d5e\"}}}}");
    char *id = wc_create(w, "openshell-cluster-t", GATEWAY_BODY("\"Hostname\": \"openshell-openshell\",", "\"OPENSHELL_NODE_NAME=openshell-openshell\""));
    char *path = osh_str_printf("/containers/%s/start", id);
    assert_int_equal(wc_docker(w, "POST", path, NULL, NULL), 204);
    free(path);
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(wc_sh(w, id, S1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "3f9a1c2b4d5e\nopenshell-openshell\n");
    assert_int_equal(wc_sh(w, id, KC " kubectl delete node 3f9a1c2b4d5e --ignore-not-found", &out), 0);
    assert_int_equal(wc_sh(w, id, S3, &out), 0);
    assert_non_null(strstr(osh_buf_str(&out), "pod \"openshell-0\" force deleted"));
    assert_int_equal(wc_sh(w, id, S4, &out), 0);
    assert_string_equal(osh_buf_str(&out), "persistentvolumeclaim \"openshell-data-openshell-0\" deleted\n"
                                            "persistentvolume \"pvc-3f9a1c2b-legacy\" deleted\n");
    /* the legacy pair is gone; the StatefulSet's own claim is provisioned on the new node */
    assert_int_equal(wc_sh(w, id, KC " kubectl get pvc -A -o name", &out), 0);
    assert_string_equal(osh_buf_str(&out), "persistentvolumeclaim/workspace-openshell-0\n");
    /* two types in one get: each name carries its own kind */
    assert_int_equal(wc_sh(w, id, KC " kubectl get pv,pvc -A -o name", &out), 0);
    assert_true(osh_str_starts_with(osh_buf_str(&out), "persistentvolume/pvc-"));
    assert_true(osh_str_ends_with(osh_buf_str(&out), "\npersistentvolumeclaim/workspace-openshell-0\n"));
    assert_int_equal(wc_sh(w, id, KC " kubectl get pv -o jsonpath='" PV_AFFINITY "'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "openshell-openshell");
    assert_int_equal(wc_sh(w, id, S1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "openshell-openshell\n");
    expect_health(w, id, "starting");
    expect_health(w, id, "healthy");
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_knob_api_ready_after_s1(void **state)
{
    (void)state;
    mock_world *w = world("{\"cluster\": {\"api_ready_after_s1\": 2}}");
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(wc_sh(w, id, KC " kubectl get ns", &out), 1);
    assert_non_null(strstr(osh_buf_str(&out), "The connection to the server 127.0.0.1:6443 was refused"));
    assert_int_equal(wc_sh(w, id, S1, &out), 1);
    assert_string_equal(osh_buf_str(&out), "");
    assert_int_equal(wc_sh(w, id, S1, &out), 1);
    assert_int_equal(wc_sh(w, id, S1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "n1\n");
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
    w = world("{\"cluster\": {\"api_ready_after_s1\": \"never\"}}");
    id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    for (int i = 0; i < 3; i++)
        assert_int_equal(wc_sh(w, id, S1, &out), 1);
    assert_int_equal(wc_sh(w, id, M1, &out), 0);
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_knob_secret(void **state)
{
    (void)state;
    mock_world *w = world("{\"cluster\": {\"secret\": {\"after_m1\": 3}}}");
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(wc_sh(w, id, M1, &out), 1);
    assert_string_equal(osh_buf_str(&out), "Error from server (NotFound): secrets \"openshell-cli-client\" not found\n");
    assert_int_equal(wc_sh(w, id, M1, &out), 1);
    assert_int_equal(wc_sh(w, id, M1, &out), 0);
    free(id);
    mock_world_free(w);
    w = world("{\"cluster\": {\"secret\": {\"broken_key\": \"tls.key\"}}}");
    id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    assert_int_equal(wc_sh(w, id, M1, &out), 0);
    assert_true(osh_str_ends_with(osh_buf_str(&out), "\n!!notbase64"));
    free(id);
    mock_world_free(w);
    w = world("{\"cluster\": {\"secret\": {\"missing_key\": \"tls.crt\"}}}");
    id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    assert_int_equal(wc_sh(w, id, M1, &out), 1);
    assert_non_null(strstr(osh_buf_str(&out), "tls.crt is not found"));
    free(id);
    mock_world_free(w);
    w = world("{\"cluster\": {\"secret\": {\"never\": true}, \"health\": \"healthy\"}}");
    id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    expect_health(w, id, "healthy");
    for (int i = 0; i < 5; i++)
        assert_int_equal(wc_sh(w, id, M1, &out), 1);
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_knob_health_and_exit(void **state)
{
    (void)state;
    mock_world *w = world("{\"cluster\": {\"health\": [\"starting\", \"unhealthy\", \"healthy\"]}}");
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    expect_health(w, id, "starting");
    expect_health(w, id, "unhealthy");
    expect_health(w, id, "healthy");
    expect_health(w, id, "healthy");
    free(id);
    mock_world_free(w);
    w = world("{\"cluster\": {\"exit\": {\"at_inspect\": 2, \"code\": 137, \"error\": \"oom\", \"oom_killed\": true}}}");
    id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    bool running;
    char *h = wc_inspect_health(w, id, &running);
    assert_true(running);
    free(h);
    osh_buf out = OSH_BUF_INIT;
    char *path = osh_str_printf("/containers/%s/json", id);
    assert_int_equal(wc_docker(w, "GET", path, NULL, &out), 200);
    free(path);
    cJSON *j = cJSON_Parse(osh_buf_str(&out));
    const cJSON *st = cJSON_GetObjectItem(j, "State");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(st, "Running")));
    assert_int_equal(cJSON_GetObjectItem(st, "ExitCode")->valueint, 137);
    assert_string_equal(cJSON_GetObjectItem(st, "Error")->valuestring, "oom");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(st, "OOMKilled")));
    cJSON_Delete(j);
    assert_true(wc_sh(w, id, S1, &out) < -100); /* exec create: 409 not running */
    free(id);
    mock_world_free(w);
    /* at_m1 3: M1 call 3 never runs, the container dies after answering call 2 */
    w = world("{\"cluster\": {\"exit\": {\"at_m1\": 3, \"code\": 137, \"oom_killed\": true}, \"secret\": {\"never\": true}}}");
    id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    assert_int_equal(wc_sh(w, id, M1, &out), 1);
    h = wc_inspect_health(w, id, &running);
    assert_true(running);
    free(h);
    assert_int_equal(wc_sh(w, id, M1, &out), 1);
    h = wc_inspect_health(w, id, &running);
    assert_false(running);
    assert_true(wc_sh(w, id, M1, &out) < -100);
    free(h);
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_docker_scripted_health_is_kept(void **state)
{
    (void)state;
    mock_world *w = world("{\"docker\": {\"scripts\": {\"openshell-cluster-t\": {\"health\": [\"starting\", \"unhealthy\"]}}}}");
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    expect_health(w, id, "starting");
    expect_health(w, id, "unhealthy");
    expect_health(w, id, "unhealthy");
    free(id);
    mock_world_free(w);
}

static void test_knob_markers_logs_exit_code_null(void **state)
{
    (void)state;
    mock_world *w = world("{\"cluster\": {\"markers\": {\"dns_failure\": true, \"node_pressure\": [\"DiskPressure\"]},"
                          " \"logs\": [{\"at_inspect\": 2, \"generate\": {\"prefix\": \"line \", \"count\": 3}}],"
                          " \"exit_code_null\": [\"S1\"]}}");
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    expect_health(w, id, "starting");
    expect_health(w, id, "starting");
    osh_buf out = OSH_BUF_INIT;
    char *path = osh_str_printf("/containers/%s/logs?stdout=1&stderr=1", id);
    assert_int_equal(wc_docker(w, "GET", path, NULL, &out), 200);
    free(path);
    assert_non_null(memmem(out.data, out.len, "HEALTHCHECK_DNS_FAILURE: cannot resolve ghcr.io", 47));
    assert_non_null(memmem(out.data, out.len, "HEALTHCHECK_NODE_PRESSURE: DiskPressure", 39));
    assert_non_null(memmem(out.data, out.len, "line 3", 6));
    /* once, not at every inspect (no "repeat") */
    const char *first = memmem(out.data, out.len, "HEALTHCHECK_NODE_PRESSURE", 25);
    assert_null(memmem(first + 1, out.len - (size_t)(first + 1 - out.data), "HEALTHCHECK_NODE_PRESSURE", 25));
    assert_int_equal(wc_sh(w, id, S1, &out), -2);
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_adopts_running_scenario_container(void **state)
{
    (void)state;
    mock_world *w = world("{\"docker\": {\"volumes\": [{\"name\": \"openshell-cluster-t\"}], \"containers\": [{\"name\": \"openshell-cluster-t\","
                          " \"state\": \"running\", \"create\": " GATEWAY_BODY("", "\"OPENSHELL_NODE_NAME=openshell-t\"") "}]},"
                          " \"cluster\": {\"volumes\": {\"openshell-cluster-t\": {\"nodes\": [{\"metadata\": {\"name\": \"old1\"}}]}}}}");
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(wc_sh(w, "openshell-cluster-t", S1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "old1\nopenshell-t\n");
    osh_buf_free(&out);
    mock_world_free(w);
}

/* A tar holding one file name with data (libarchive, ustar). */
static void tar_one(osh_buf *out, const char *name, const void *data, size_t len)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_ustar(a);
    size_t cap = len + 8192, used = 0;
    char *buf = malloc(cap);
    archive_write_open_memory(a, buf, cap, &used);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, data, len);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    osh_buf_append(out, buf, used);
    free(buf);
}

static void test_push_flow_exec_answers(void **state)
{
    (void)state;
    mock_world *w = world(NULL);
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"openshell-t\",", "\"OPENSHELL_NODE_NAME=openshell-t\""));
    osh_buf inner = OSH_BUF_INIT, outer = OSH_BUF_INIT, out = OSH_BUF_INIT;
    const char *manifest = "[{\"Config\": \"c.json\", \"RepoTags\": [\"a/gateway:dev\", \"b/x:1\"], \"Layers\": []}]";
    tar_one(&inner, "manifest.json", manifest, strlen(manifest));
    tar_one(&outer, "openshell-images.tar", inner.data, inner.len);
    const char *ctr[] = {"ctr", "-a", "/run/k3s/containerd/containerd.sock", "-n", "k8s.io", "images", "import", "/tmp/openshell-images.tar"};
    assert_int_equal(wc_exec(w, id, ctr, 8, &out), 1); /* nothing uploaded yet */
    /* PUT the archive through the Docker API, as the bootstrap does */
    char *path = osh_str_printf("/containers/%s/archive?path=/tmp", id);
    assert_int_equal(wc_put_tar(w, path, outer.data, outer.len), 200);
    free(path);
    assert_int_equal(wc_exec(w, id, ctr, 8, &out), 0);
    assert_string_equal(osh_buf_str(&out), "unpacking a/gateway:dev ...done\nunpacking b/x:1 ...done\n");
    cJSON *st = mock_world_state(w);
    const cJSON *images = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "clusters"), "openshell-cluster-t"), "images");
    assert_int_equal(cJSON_GetArraySize(images), 2);
    cJSON_Delete(st);
    const char *rm[] = {"rm", "-f", "/tmp/openshell-images.tar"};
    assert_int_equal(wc_exec(w, id, rm, 3, &out), 0);
    assert_int_equal(wc_exec(w, id, ctr, 8, &out), 1);
    assert_int_equal(wc_sh(w, id, KC " kubectl rollout restart statefulset/openshell -n openshell", &out), 0);
    assert_string_equal(osh_buf_str(&out), "statefulset.apps/openshell restarted\n");
    assert_int_equal(wc_sh(w, id, KC " kubectl rollout status statefulset/openshell -n openshell --timeout=180s", &out), 0);
    assert_string_equal(osh_buf_str(&out), "partitioned roll out complete: 1 new pods have been updated...\n");
    assert_int_equal(wc_sh(w, id, KC " kubectl get deployment/openshell -n openshell -o name 2>/dev/null", &out), 1);
    assert_string_equal(osh_buf_str(&out), "");
    const char *ns[] = {"nslookup", "ghcr.io"};
    assert_int_equal(wc_exec(w, id, ns, 2, &out), 0);
    assert_non_null(strstr(osh_buf_str(&out), "Name:\tghcr.io"));
    /* a node deleted through exec is gone from the API too */
    assert_int_equal(wc_sh(w, id, KC " kubectl delete node openshell-t --ignore-not-found", &out), 0);
    assert_int_equal(wc_kube(w, "/api/v1/nodes/openshell-t", &out), 404);
    osh_buf_free(&inner);
    osh_buf_free(&outer);
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_node_name_sources(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT;
    /* no Hostname, no OPENSHELL_NODE_NAME: Docker's default hostname, the 12-hex ID prefix */
    mock_world *w = world(NULL);
    char *id = start_gateway(w, GATEWAY_BODY("", ""));
    assert_int_equal(wc_sh(w, id, S1, &out), 0);
    char *want = osh_str_printf("%.12s\n", id);
    assert_string_equal(osh_buf_str(&out), want);
    free(want);
    free(id);
    mock_world_free(w);
    /* --node-name in Cmd wins over the env and the hostname */
    w = world(NULL);
    id = start_gateway(w, "{\"Image\": \"ghcr.io/nvidia/openshell/cluster:dev\", \"Hostname\": \"h\","
                          " \"Cmd\": [\"server\", \"--node-name=from-flag\"], \"Env\": [\"OPENSHELL_NODE_NAME=from-env\"],"
                          " \"HostConfig\": {\"Binds\": [\"openshell-cluster-t:/var/lib/rancher/k3s\"]}}");
    assert_int_equal(wc_sh(w, id, S1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "from-flag\n");
    /* hostname answers the container hostname, not the node name */
    const char *hostname[] = {"hostname"};
    assert_int_equal(wc_exec(w, id, hostname, 1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "h\n");
    free(id);
    mock_world_free(w);
    osh_buf_free(&out);
}

static void test_no_healthcheck_image(void **state)
{
    (void)state;
    mock_world *w = world("{\"docker\": {\"images\": [{\"ref\": \"ghcr.io/nvidia/openshell/cluster:dev\", \"config\": {\"Cmd\": [\"server\"]}}]}}");
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    expect_health(w, id, "");
    expect_health(w, id, "");
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(wc_sh(w, id, S1, &out), 0);
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_scripted_exec_and_kube_faults(void **state)
{
    (void)state;
    mock_world *w = world("{\"docker\": {\"execs\": [{\"script\": \"" "KUBECONFIG=/etc/rancher/k3s/k3s.yaml echo 'a b'" "\", \"exit_code\": 3}]},"
                          " \"cluster\": {\"workload\": \"deployment\", \"dns_fails\": true},"
                          " \"kube\": {\"faults\": [{\"method\": \"GET\", \"path\": \"/api/v1/nodes\", \"status\": 503, \"body\": \"busy\"}]}}");
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    osh_buf out = OSH_BUF_INIT;
    const char *doc_exec[] = {"sh", "-lc", "KUBECONFIG=/etc/rancher/k3s/k3s.yaml echo 'a b'"};
    assert_int_equal(wc_exec(w, id, doc_exec, 3, &out), 3);
    assert_int_equal(wc_sh(w, id, KC " kubectl get statefulset/openshell -n openshell -o name 2>/dev/null", &out), 1);
    assert_int_equal(wc_sh(w, id, KC " kubectl get deployment/openshell -n openshell -o name 2>/dev/null", &out), 0);
    assert_string_equal(osh_buf_str(&out), "deployment.apps/openshell\n");
    expect_health(w, id, "starting");
    expect_health(w, id, "healthy");
    const char *ns[] = {"nslookup", "ghcr.io"};
    assert_int_equal(wc_exec(w, id, ns, 2, &out), 1);
    assert_int_equal(wc_kube(w, "/api/v1/nodes", &out), 503);
    assert_int_equal(wc_kube(w, "/api/v1/namespaces", &out), 200);
    cJSON *journal = mock_world_journal(w, "kube");
    assert_int_equal(cJSON_GetArraySize(journal), 2);
    cJSON_Delete(journal);
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_sandbox_controller(void **state)
{
    (void)state;
    /* release 0.5: the simulated kubectl's v1alpha1 manifest is stored converted to v1beta1 */
    mock_world *w = world(NULL);
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"n1\",", ""));
    osh_buf out = OSH_BUF_INIT;
    const char *manifest = "apiVersion: agents.x-k8s.io/v1alpha1\nkind: Sandbox\nmetadata:\n  name: sb1\n  namespace: openshell\n"
                           "spec:\n  podTemplate:\n    spec:\n      containers:\n      - name: agent\n        image: busybox\n";
    char *path = osh_str_printf("/containers/%s/archive?path=/tmp", id);
    osh_buf tar = OSH_BUF_INIT;
    tar_one(&tar, "sb.yaml", manifest, strlen(manifest));
    assert_int_equal(wc_put_tar(w, path, tar.data, tar.len), 200);
    free(path);
    osh_buf_free(&tar);
    assert_int_equal(wc_sh(w, id, KC " kubectl apply -f /tmp/sb.yaml", &out), 0);
    assert_string_equal(osh_buf_str(&out), "sandbox.agents.x-k8s.io/sb1 created\n");
    assert_int_equal(wc_kube(w, "/api/v1/namespaces/openshell/pods/sb1", &out), 200);
    cJSON *pod = cJSON_Parse(osh_buf_str(&out));
    assert_true(osh_str_starts_with(cJSON_GetObjectItem(cJSON_GetObjectItem(pod, "status"), "podIP")->valuestring, "10.42.0."));
    cJSON_Delete(pod);
    assert_int_equal(wc_sh(w, id, KC " kubectl get sandbox sb1 -n openshell -o jsonpath={.status.conditions[2].type}={.status.conditions[2].status}", &out), 0);
    assert_string_equal(osh_buf_str(&out), "Ready=True");
    assert_int_equal(wc_kube(w, "/apis/agents.x-k8s.io/v1beta1/namespaces/openshell/sandboxes/sb1", &out), 200);
    assert_non_null(strstr(osh_buf_str(&out), "\"operatingMode\":\"Running\""));
    assert_int_equal(wc_sh(w, id, KC " kubectl delete sandbox sb1 -n openshell", &out), 0);
    assert_int_equal(wc_kube(w, "/api/v1/namespaces/openshell/pods/sb1", &out), 404);
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_marked_container_probe_marker_and_health_delay(void **state)
{
    (void)state;
    mock_world *w = world("{\"cluster\": {\"containers\": [\"openshell-cluster-t\"], \"healthy_after_inspects\": 4,"
                          " \"markers\": {\"dns_probe_failed\": true, \"dns_host\": \"registry.local\"}}}");
    /* not "server": a cluster container only because the scenario names it */
    char *id = start_gateway(w, "{\"Image\": \"ghcr.io/nvidia/openshell/cluster:dev\", \"Hostname\": \"n1\", \"Cmd\": [\"agent\"],"
                                " \"HostConfig\": {\"Binds\": [\"openshell-cluster-t:/var/lib/rancher/k3s\"]}}");
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(wc_sh(w, id, S1, &out), 0);
    assert_string_equal(osh_buf_str(&out), "n1\n");
    expect_health(w, id, "starting");
    expect_health(w, id, "starting");
    expect_health(w, id, "starting");
    expect_health(w, id, "healthy"); /* DNS_PROBE_FAILED does not stop k3s */
    char *path = osh_str_printf("/containers/%s/logs?stdout=1&stderr=1", id);
    assert_int_equal(wc_docker(w, "GET", path, NULL, &out), 200);
    free(path);
    const char *probe = "DNS_PROBE_FAILED: cannot resolve registry.local after DNS proxy setup";
    const char *first = memmem(out.data, out.len, probe, strlen(probe));
    assert_non_null(first);
    assert_null(memmem(first + 1, out.len - (size_t)(first + 1 - out.data), probe, strlen(probe)));
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_default_images_and_pullable(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT;
    mock_world *w = world(NULL);
    assert_int_equal(wc_docker(w, "GET", "/images/ghcr.io/nvidia/openshell/cluster:dev/json", NULL, &out), 200);
    assert_non_null(strstr(osh_buf_str(&out), "cluster-healthcheck.sh"));
    assert_int_equal(wc_docker(w, "POST", "/images/create?fromImage=ghcr.io/nvidia/openshell/gateway&tag=dev", NULL, &out), 200);
    assert_int_equal(wc_docker(w, "GET", "/images/ghcr.io/nvidia/openshell/gateway:dev/json", NULL, &out), 200);
    mock_world_free(w);
    /* the scenario's own pullable list (even empty) decides; defaults can drop the image */
    w = world("{\"docker\": {\"pullable\": []}, \"defaults\": {\"cluster_image\": false}}");
    assert_int_equal(wc_docker(w, "GET", "/images/ghcr.io/nvidia/openshell/cluster:dev/json", NULL, &out), 404);
    wc_docker(w, "POST", "/images/create?fromImage=ghcr.io/nvidia/openshell/gateway&tag=dev", NULL, &out);
    assert_int_equal(wc_docker(w, "GET", "/images/ghcr.io/nvidia/openshell/gateway:dev/json", NULL, &out), 404);
    mock_world_free(w);
    osh_buf_free(&out);
}

/* S-2 (docs/docker-fidelity.md): `openshell doctor exec -- sh -c 'exit 3'` sends rules §9.5's
 * sh -lc with the KUBECONFIG prefix around a nested sh -c; the real shell answers 3. */
static void test_nested_sh_c(void **state)
{
    (void)state;
    mock_world *w = world(NULL);
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"openshell-t\",", "\"OPENSHELL_NODE_NAME=openshell-t\""));
    osh_buf out = OSH_BUF_INIT;
    const char *doctor[] = {"sh", "-lc", KC " sh -c 'exit 3'"};
    assert_int_equal(wc_exec(w, id, doctor, 3, &out), 3);
    assert_string_equal(osh_buf_str(&out), "");
    /* output, && and || inside the nested script, then the outer line goes on */
    const char *chain[] = {"sh", "-c", KC " sh -lc 'hostname && false || echo nested'; echo outer"};
    assert_int_equal(wc_exec(w, id, chain, 3, &out), 0);
    assert_string_equal(osh_buf_str(&out), "openshell-t\nnested\nouter\n");
    /* recursively: sh -c "sh -c '...'" */
    const char *twice[] = {"sh", "-c", "sh -c \"sh -c 'exit 4'\""};
    assert_int_equal(wc_exec(w, id, twice, 3, &out), 4);
    /* the nested exit ends the nested shell only */
    const char *after[] = {"sh", "-c", "sh -c 'echo in; exit 5; echo never'; echo after"};
    assert_int_equal(wc_exec(w, id, after, 3, &out), 0);
    assert_string_equal(osh_buf_str(&out), "in\nafter\n");
    const char *goes_on[] = {"sh", "-c", "sh -c 'exit 5' || echo failed"};
    assert_int_equal(wc_exec(w, id, goes_on, 3, &out), 0);
    assert_string_equal(osh_buf_str(&out), "failed\n");
    /* kubectl inside the nested script sees the cluster */
    const char *kube[] = {"sh", "-lc", KC " sh -c 'kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name'"};
    assert_int_equal(wc_exec(w, id, kube, 3, &out), 0);
    assert_string_equal(osh_buf_str(&out), "openshell-t\n");
    /* an unknown command inside the nested script: the simulator declines the line whole
     * and the Docker mock's fallback answers as a real shell would */
    const char *unknown[] = {"sh", "-lc", KC " sh -c 'frobnicate'"};
    assert_int_equal(wc_exec(w, id, unknown, 3, &out), 127);
    assert_non_null(strstr(osh_buf_str(&out), "not found"));
    /* sh without -c SCRIPT, and an unterminated nested quote, are not run */
    const char *script_file[] = {"sh", "-c", "sh /tmp/x.sh"};
    assert_int_equal(wc_exec(w, id, script_file, 3, &out), 127);
    const char *open_quote[] = {"sh", "-c", "sh -c 'exit 3"};
    assert_int_equal(wc_exec(w, id, open_quote, 3, &out), 127);
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

/* A seeded StatefulSet with an absurd metadata.generation (fuzzing): the controller does
 * not cast it (UB under -fno-sanitize-recover) and still brings the pod up. */
static void test_seeded_generation_out_of_range(void **state)
{
    (void)state;
    mock_world *w = world("{\"cluster\": {\"volumes\": {\"openshell-cluster-t\": {\"statefulsets\": [{\"metadata\":"
                          " {\"name\": \"openshell\", \"namespace\": \"openshell\", \"generation\": 1e300}}]}}}}");
    char *id = start_gateway(w, GATEWAY_BODY("\"Hostname\": \"openshell-t\",", "\"OPENSHELL_NODE_NAME=openshell-t\""));
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(wc_sh(w, id, KC " kubectl get pod openshell-0 -n openshell -o jsonpath={.spec.nodeName}", &out), 0);
    assert_string_equal(osh_buf_str(&out), "openshell-t");
    assert_int_equal(wc_sh(w, id, KC " kubectl get statefulset openshell -n openshell -o jsonpath={.metadata.generation}", &out), 0);
    assert_string_equal(osh_buf_str(&out), "1e+300");
    /* not LONG_MIN from an out-of-range cast: the controller treats it as generation 1 */
    assert_int_equal(wc_sh(w, id, KC " kubectl get statefulset openshell -n openshell -o jsonpath={.status.observedGeneration}", &out), 0);
    assert_string_equal(osh_buf_str(&out), "1");
    osh_buf_free(&out);
    free(id);
    mock_world_free(w);
}

static void test_scenario_errors(void **state)
{
    (void)state;
    const char *bad[][2] = {
        {"{\"cluster\": {\"helth\": []}}", "cluster.helth: unknown key (expected one of: containers, api_ready_after_s1, "
                                            "health, healthy_after_inspects, exit, logs, markers, secret, workload, "
                                            "exit_code_null, dns_fails, boot_log, volumes, comment)"},
        {"{\"cluster\": {\"logs\": [{\"at_start\": true, \"generate\": {\"prefix\": \"x\"}}]}}",
         "cluster.logs[0].generate.count: required (number)"},
        {"{\"cluster\": {\"markers\": {\"repeat\": 1}}}", "cluster.markers.repeat: expected true or false"},
        {"{\"cluster\": {\"health\": [\"healthy\", 2]}}", "cluster.health: expected string or array of strings"},
        {"{\"cluster\": {\"volumes\": []}}", "cluster.volumes: expected object"},
        {"{\"cluster\": {\"health\": [\"fine\"]}}", "cluster.health[0]: expected starting, healthy or unhealthy"},
        {"{\"cluster\": {\"api_ready_after_s1\": \"soon\"}}", "cluster.api_ready_after_s1"},
        {"{\"cluster\": {\"volumes\": {\"vol\": {\"pods\": [{\"metadata\": {}}]}}}}", "cluster.volumes.vol.pods[0]: metadata.name: expected string"},
        {"{\"cluster\": {\"exit\": {\"code\": 1}}}", "cluster.exit: needs at_inspect or at_m1"},
        {"{\"cluster\": {\"exit\": {\"at_inspect\": 1e300}}}", "cluster.exit.at_inspect: out of range"},
        {"{\"cluster\": {\"exit\": {\"at_m1\": 9.3e18}}}", "cluster.exit.at_m1: out of range"},
        {"{\"cluster\": {\"exit\": {\"at_inspect\": 1.5}}}", "cluster.exit.at_inspect: expected a whole number"},
        {"{\"cluster\": {\"exit\": {\"at_inspect\": 2, \"code\": 256}}}", "cluster.exit.code: out of range (at most 255)"},
        {"{\"cluster\": {\"healthy_after_inspects\": 1e19}}", "cluster.healthy_after_inspects: out of range"},
        {"{\"cluster\": {\"api_ready_after_s1\": 1e300}}", "cluster.api_ready_after_s1: out of range"},
        {"{\"kube\": {\"objects\": {\"widgets\": []}}}", "kube.objects.widgets: unknown resource"},
        {"{\"bogus\": 1}", "scenario.bogus: unknown key (expected one of: docker, cluster, kube, defaults, comment, "
                             "description, name); Docker objects go under"},
        {"{\"clusters\": {}}", "scenario.clusters: unknown key (expected one of: docker, cluster, kube, defaults, "
                                "comment, description, name)"},
        {"{\"defaults\": {\"image\": false}}", "scenario.defaults.image: unknown key (expected one of: cluster_image, pullable)"},
        {"{\"defaults\": {\"pullable\": 1}}", "scenario.defaults.pullable: expected true or false"},
        {"{\"kube\": []}", "scenario.kube: expected object"},
        {"{\"kube\": {\"objcts\": {}}}", "kube.objcts: unknown key (expected one of: objects, faults, agent_sandbox, "
                                           "agent_sandbox_crd, agent_sandbox_controller, comment)"},
        {"{\"kube\": {\"agent_sandbox\": 1}}", "kube.agent_sandbox: expected string"},
        {"{\"docker\": {\"containers\": [{\"name\": 5}]}}", "docker.containers[0]"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *s = cJSON_Parse(bad[i][0]);
        char *error = NULL;
        mock_world_options o = {.kube_enabled = true};
        assert_null(mock_world_new(s, &o, &error));
        if (!strstr(error, bad[i][1]))
            fail_msg("scenario %s: error \"%s\" lacks \"%s\"", bad[i][0], error, bad[i][1]);
        free(error);
        cJSON_Delete(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_world_comes_up),
        cmocka_unit_test(test_recreate_keeps_state_and_stale_node),
        cmocka_unit_test(test_volume_removal_drops_state),
        cmocka_unit_test(test_legacy_volume_cleanup_flow),
        cmocka_unit_test(test_knob_api_ready_after_s1),
        cmocka_unit_test(test_knob_secret),
        cmocka_unit_test(test_knob_health_and_exit),
        cmocka_unit_test(test_knob_markers_logs_exit_code_null),
        cmocka_unit_test(test_docker_scripted_health_is_kept),
        cmocka_unit_test(test_adopts_running_scenario_container),
        cmocka_unit_test(test_push_flow_exec_answers),
        cmocka_unit_test(test_node_name_sources),
        cmocka_unit_test(test_no_healthcheck_image),
        cmocka_unit_test(test_scripted_exec_and_kube_faults),
        cmocka_unit_test(test_sandbox_controller),
        cmocka_unit_test(test_marked_container_probe_marker_and_health_delay),
        cmocka_unit_test(test_default_images_and_pullable),
        cmocka_unit_test(test_nested_sh_c),
        cmocka_unit_test(test_seeded_generation_out_of_range),
        cmocka_unit_test(test_scenario_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
