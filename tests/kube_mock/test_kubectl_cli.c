/* test_kubectl_cli.c (label kubectl): the installed kubectl against the mock Kubernetes API:
 * get nodes in every output form, delete node, namespaces, secret via create --dry-run |
 * apply, jsonpath, Sandbox apply/get/delete, rollout restart/status, get -w, and the
 * apiserver's 404/409/422 errors as kubectl prints them. Skipped (77) without kubectl. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "k3s_controllers.h"
#include "mock_kube.h"
#include "osh_buf.h"
#include "osh_str.h"
#include "test_shell.h"

static mock_kube *kube;
static char tmpdir[] = "/tmp/kubectl-cli-XXXXXX";

static void reconcile(kube_store *s, void *user) { k3s_reconcile(s, user); }

static void write_file(const char *name, const char *text)
{
    char *path = osh_str_printf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir))
        return -1;
    char *error = NULL;
    kube = mock_kube_new(NULL, &error);
    if (!kube)
        return -1;
    const char *seed =
        "{\"nodes\": ["
        " {\"metadata\": {\"name\": \"openshell-openshell\", \"labels\": {\"node-role.kubernetes.io/control-plane\": \"true\"}},"
        "  \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"True\"}],"
        "   \"addresses\": [{\"type\": \"InternalIP\", \"address\": \"172.18.0.2\"}],"
        "   \"nodeInfo\": {\"kubeletVersion\": \"v1.35.2+k3s1\", \"osImage\": \"K3s\", \"kernelVersion\": \"6.1\", \"containerRuntimeVersion\": \"containerd://2.0\"}}},"
        " {\"metadata\": {\"name\": \"3f9a1c2b4d5e\"}, \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"Unknown\"}],"
        "   \"nodeInfo\": {\"kubeletVersion\": \"v1.35.2+k3s1\"}}}],"
        "\"namespaces\": [{\"metadata\": {\"name\": \"default\"}}, {\"metadata\": {\"name\": \"openshell\"}}],"
        "\"statefulsets\": [{\"metadata\": {\"name\": \"openshell\", \"namespace\": \"openshell\"},"
        "  \"spec\": {\"replicas\": 1, \"updateStrategy\": {\"type\": \"RollingUpdate\", \"rollingUpdate\": {\"partition\": 0}},"
        "   \"template\": {\"metadata\": {\"labels\": {\"app\": \"openshell\"}}, \"spec\": {\"containers\": [{\"name\": \"gw\", \"image\": \"gw:1\"}]}}}}]}";
    cJSON *doc = cJSON_Parse(seed);
    kube_store *s = kube_store_import(doc, &error);
    cJSON_Delete(doc);
    if (!s)
        return -1;
    kube_store_set_hook(s, reconcile, "openshell-openshell");
    k3s_reconcile(s, "openshell-openshell");
    mock_kube_set_default_store(kube, s);
    kube_store_unref(s);
    char *kc = osh_str_printf("%s/kubeconfig", tmpdir);
    int rc = mock_kube_write_kubeconfig(kube, kc, &error);
    setenv("KUBECONFIG", kc, 1);
    free(kc);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    mock_kube_free(kube);
    char *cmd = osh_str_printf("rm -rf %s", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static void test_get_nodes_forms(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(test_shell("kubectl get nodes", &out), 0);
    assert_true(osh_str_starts_with(osh_buf_str(&out), "NAME                  STATUS     ROLES           AGE   VERSION\n"));
    assert_non_null(strstr(osh_buf_str(&out), "\n3f9a1c2b4d5e          NotReady   <none>"));
    assert_non_null(strstr(osh_buf_str(&out), "\nopenshell-openshell   Ready      control-plane"));
    assert_int_equal(test_shell("kubectl get nodes -o wide", &out), 0);
    assert_non_null(strstr(osh_buf_str(&out), "INTERNAL-IP"));
    assert_non_null(strstr(osh_buf_str(&out), "172.18.0.2"));
    assert_int_equal(test_shell("kubectl get nodes -o json", &out), 0);
    cJSON *j = cJSON_Parse(osh_buf_str(&out));
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "kind")->valuestring, "List");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 2);
    cJSON_Delete(j);
    assert_int_equal(test_shell("kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name", &out), 0);
    assert_string_equal(osh_buf_str(&out), "3f9a1c2b4d5e\nopenshell-openshell\n");
    assert_int_equal(test_shell("kubectl get nodes --no-headers", &out), 0);
    assert_true(osh_str_starts_with(osh_buf_str(&out), "3f9a1c2b4d5e "));
    osh_buf_free(&out);
}

static void test_errors_as_kubectl_prints_them(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(test_shell("kubectl get secret nope -n openshell", &out), 1);
    assert_string_equal(osh_buf_str(&out), "Error from server (NotFound): secrets \"nope\" not found\n");
    write_file("bad.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: Bad_Name\n");
    char *cmd = osh_str_printf("kubectl apply -f %s/bad.yaml", tmpdir);
    assert_int_equal(test_shell(cmd, &out), 1);
    free(cmd);
    assert_true(osh_str_starts_with(osh_buf_str(&out), "The Namespace \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label"));
    write_file("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dup\n");
    cmd = osh_str_printf("kubectl create -f %s/ns.yaml", tmpdir);
    assert_int_equal(test_shell(cmd, &out), 0);
    assert_int_equal(test_shell(cmd, &out), 1);
    assert_non_null(strstr(osh_buf_str(&out), "Error from server (AlreadyExists): error when creating"));
    assert_non_null(strstr(osh_buf_str(&out), "namespaces \"dup\" already exists"));
    free(cmd);
    osh_buf_free(&out);
}

static void test_namespaces_and_secret(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(test_shell("kubectl create namespace team-a --dry-run=client -o yaml | kubectl apply -f -", &out), 0);
    assert_string_equal(osh_buf_str(&out), "namespace/team-a created\n");
    assert_int_equal(test_shell("kubectl get namespace team-a -o name", &out), 0);
    assert_string_equal(osh_buf_str(&out), "namespace/team-a\n");
    assert_int_equal(test_shell("kubectl create secret generic s1 -n team-a --from-literal=ca.crt=hello --dry-run=client -o yaml"
                        " | kubectl apply -f -", &out), 0);
    assert_string_equal(osh_buf_str(&out), "secret/s1 created\n");
    assert_int_equal(test_shell("kubectl -n team-a get secret s1 -o jsonpath='{.data.ca\\.crt}{\"\\n\"}'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "aGVsbG8=\n");
    /* kubectl's typed create sends protobuf */
    assert_int_equal(test_shell("kubectl create namespace team-b", &out), 0);
    assert_string_equal(osh_buf_str(&out), "namespace/team-b created\n");
    assert_int_equal(test_shell("kubectl create namespace team-b", &out), 1);
    assert_string_equal(osh_buf_str(&out), "Error from server (AlreadyExists): namespaces \"team-b\" already exists\n");
    assert_int_equal(test_shell("kubectl create namespace Bad_Name", &out), 1);
    assert_true(osh_str_starts_with(osh_buf_str(&out), "The Namespace \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""));
    assert_int_equal(test_shell("kubectl create secret generic s2 -n team-b --from-literal=k=v", &out), 0);
    assert_string_equal(osh_buf_str(&out), "secret/s2 created\n");
    assert_int_equal(test_shell("kubectl get secret s2 -n team-b -o jsonpath={.data.k}", &out), 0);
    assert_string_equal(osh_buf_str(&out), "dg==");
    /* PATCH through kubectl's own patch, label and annotate */
    assert_int_equal(test_shell("kubectl patch secret s2 -n team-b -p '{\"metadata\":{\"labels\":{\"x\":\"y\"}}}'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "secret/s2 patched\n");
    assert_int_equal(test_shell("kubectl patch secret s2 -n team-b --type=merge -p '{\"data\":{\"c\":\"ZA==\"}}'", &out), 0);
    assert_int_equal(test_shell("kubectl patch secret s2 -n team-b --type=json -p '[{\"op\":\"remove\",\"path\":\"/data/k\"}]'", &out), 0);
    assert_int_equal(test_shell("kubectl get secret s2 -n team-b -o jsonpath='{.metadata.labels.x} {.data}'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "y {\"c\":\"ZA==\"}");
    assert_int_equal(test_shell("kubectl label namespace team-b team=b", &out), 0);
    assert_string_equal(osh_buf_str(&out), "namespace/team-b labeled\n");
    assert_int_equal(test_shell("kubectl get namespaces -l team=b -o name", &out), 0);
    assert_string_equal(osh_buf_str(&out), "namespace/team-b\n");
    assert_int_equal(test_shell("kubectl get namespace team-b -o jsonpath='{.metadata.labels.kubernetes\\.io/metadata\\.name}'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "team-b");
    assert_int_equal(test_shell("kubectl delete namespace default", &out), 1);
    assert_string_equal(osh_buf_str(&out), "Error from server (Forbidden): namespaces \"default\" is forbidden: this namespace may not be deleted\n");
    assert_int_equal(test_shell("kubectl delete namespace team-b", &out), 0);
    assert_int_equal(test_shell("kubectl delete namespace team-a", &out), 0);
    assert_string_equal(osh_buf_str(&out), "namespace \"team-a\" deleted\n");
    assert_int_equal(test_shell("kubectl get secret s1 -n team-a", &out), 1);
    osh_buf_free(&out);
}

static void test_sandbox_apply_get_delete(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT;
    write_file("sb.yaml", "apiVersion: agents.x-k8s.io/v1alpha1\nkind: Sandbox\nmetadata:\n  name: demo\n  namespace: openshell\n"
                          "spec:\n  podTemplate:\n    spec:\n      containers:\n      - name: agent\n        image: busybox\n");
    char *apply = osh_str_printf("kubectl apply -f %s/sb.yaml", tmpdir);
    assert_int_equal(test_shell(apply, &out), 0);
    assert_string_equal(osh_buf_str(&out), "sandbox.agents.x-k8s.io/demo created\n");
    assert_int_equal(test_shell(apply, &out), 0);
    assert_string_equal(osh_buf_str(&out), "sandbox.agents.x-k8s.io/demo unchanged\n");
    assert_int_equal(test_shell("kubectl get sandboxes -n openshell", &out), 0);
    assert_true(osh_str_starts_with(osh_buf_str(&out), "NAME   AGE\ndemo   "));
    char *del = osh_str_printf("kubectl delete -f %s/sb.yaml", tmpdir);
    assert_int_equal(test_shell(del, &out), 0);
    assert_string_equal(osh_buf_str(&out), "sandbox.agents.x-k8s.io \"demo\" deleted\n");
    assert_int_equal(test_shell("kubectl get sandbox demo -n openshell", &out), 1);
    assert_string_equal(osh_buf_str(&out), "Error from server (NotFound): sandboxes.agents.x-k8s.io \"demo\" not found\n");
    free(apply);
    free(del);
    osh_buf_free(&out);
}

static void test_rollout_restart_and_status(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT;
    /* the "all" category of discovery: pods and statefulsets */
    assert_int_equal(test_shell("kubectl get all -n openshell -o name", &out), 0);
    assert_non_null(strstr(osh_buf_str(&out), "statefulset.apps/openshell\n"));
    assert_non_null(strstr(osh_buf_str(&out), "pod/openshell-0\n"));
    assert_int_equal(test_shell("kubectl rollout restart statefulset/openshell -n openshell", &out), 0);
    assert_string_equal(osh_buf_str(&out), "statefulset.apps/openshell restarted\n");
    assert_int_equal(test_shell("kubectl rollout status statefulset/openshell -n openshell --timeout=60s", &out), 0);
    assert_string_equal(osh_buf_str(&out), "partitioned roll out complete: 1 new pods have been updated...\n");
    assert_int_equal(test_shell("kubectl get statefulset openshell -n openshell -o jsonpath='{.metadata.generation} {.status.observedGeneration}'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "2 2");
    osh_buf_free(&out);
}

static void test_explain_from_openapi(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(test_shell("kubectl explain sandbox.spec.podTemplate", &out), 0);
    assert_non_null(strstr(osh_buf_str(&out), "KIND:       Sandbox"));
    assert_non_null(strstr(osh_buf_str(&out), "FIELD: podTemplate <Object>"));
    assert_int_equal(test_shell("kubectl explain statefulsets.spec.replicas", &out), 0);
    assert_non_null(strstr(osh_buf_str(&out), "FIELD: replicas <integer>"));
    assert_int_equal(test_shell("kubectl explain pods.spec.nodeName", &out), 0);
    assert_non_null(strstr(osh_buf_str(&out), "FIELD: nodeName <string>"));
    osh_buf_free(&out);
}

static void test_delete_node(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(test_shell("kubectl delete node 3f9a1c2b4d5e", &out), 0);
    assert_string_equal(osh_buf_str(&out), "node \"3f9a1c2b4d5e\" deleted\n");
    assert_int_equal(test_shell("kubectl get nodes -o name", &out), 0);
    assert_string_equal(osh_buf_str(&out), "node/openshell-openshell\n");
    assert_int_equal(test_shell("kubectl delete node 3f9a1c2b4d5e", &out), 1);
    assert_string_equal(osh_buf_str(&out), "Error from server (NotFound): nodes \"3f9a1c2b4d5e\" not found\n");
    osh_buf_free(&out);
}

/* kubectl pages through 40 more nodes (--chunk-size), the raw pages carry the apiserver's
 * continue token and remainingItemCount, and a token never issued is refused. */
static void test_paging_many_nodes(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT, whole = OSH_BUF_INIT;
    kube_store *s = mock_kube_current_store(kube);
    for (int i = 0; i < 40; i++) {
        char *json = osh_str_printf("{\"metadata\": {\"name\": \"bulk-%02d\", \"labels\": {\"bulk\": \"yes\"}}}", i);
        cJSON *o = cJSON_Parse(json);
        kube_result r = kube_store_create(s, kube_resource_by_user_name("nodes"), NULL, o, false);
        assert_int_equal(r.code, 201);
        cJSON_Delete(r.body);
        cJSON_Delete(o);
        free(json);
    }
    kube_store_unref(s);
    assert_int_equal(test_shell("kubectl get nodes --chunk-size=0 -o name", &whole), 0);
    assert_int_equal(test_shell("kubectl get nodes --chunk-size=7 -o name", &out), 0);
    assert_string_equal(osh_buf_str(&out), osh_buf_str(&whole));
    size_t lines = 0;
    for (const char *p = osh_buf_str(&whole); *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 42);
    assert_non_null(strstr(osh_buf_str(&whole), "node/bulk-00\nnode/bulk-01\n"));
    /* the table form pages too (kubectl asks for as=Table with limit and continue) */
    assert_int_equal(test_shell("kubectl get nodes --chunk-size=7 -v=6 2>&1 | grep -c 'nodes?continue=.*limit=7'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "5\n"); /* pages 2..6 of 42 */
    assert_int_equal(test_shell("kubectl get nodes --chunk-size=7 --no-headers | wc -l", &out), 0);
    assert_string_equal(osh_buf_str(&out), "42\n");
    assert_int_equal(test_shell("kubectl get --raw '/api/v1/nodes?limit=3'", &out), 0);
    cJSON *page = cJSON_Parse(osh_buf_str(&out));
    assert_non_null(page);
    const cJSON *meta = cJSON_GetObjectItem(page, "metadata");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(page, "items")), 3);
    assert_int_equal(cJSON_GetObjectItem(meta, "remainingItemCount")->valueint, 39);
    assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItem(meta, "continue")));
    cJSON_Delete(page);
    assert_int_equal(test_shell("kubectl get --raw '/api/v1/nodes?limit=3&continue=bogus'", &out), 1);
    assert_non_null(strstr(osh_buf_str(&out), "invalid continue token: continue key is not valid: illegal base64 data at input byte 4"));
    assert_int_equal(test_shell("kubectl get --raw '/api/v1/nodes?limit=x'", &out), 1);
    assert_non_null(strstr(osh_buf_str(&out), "strconv.ParseInt: parsing \\\"x\\\": invalid syntax") ||
                    strstr(osh_buf_str(&out), "strconv.ParseInt: parsing \"x\": invalid syntax"));
    /* deleting them: nodes answer a Status, which kubectl reports as deleted */
    assert_int_equal(test_shell("kubectl delete nodes -l bulk=yes | wc -l", &out), 0);
    assert_string_equal(osh_buf_str(&out), "40\n");
    assert_int_equal(test_shell("kubectl get nodes --chunk-size=7 -o name | wc -l", &out), 0);
    assert_string_equal(osh_buf_str(&out), "2\n");
    osh_buf_free(&out);
    osh_buf_free(&whole);
}

/* Reads from fd until text appears (or EOF); true when seen. */
static bool read_until(int fd, osh_buf *acc, const char *text)
{
    char buf[1024];
    while (!strstr(osh_buf_str(acc), text)) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            return false;
        osh_buf_append(acc, buf, (size_t)n);
    }
    return true;
}

static void test_get_watch_sees_event(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        execlp("kubectl", "kubectl", "get", "namespaces", "-w", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    osh_buf acc = OSH_BUF_INIT;
    /* after the initial list, a new object arrives through the watch (from the list's
     * resourceVersion, so no ordering with the watch request matters) */
    assert_true(read_until(fds[0], &acc, "openshell"));
    kube_store *s = mock_kube_current_store(kube);
    cJSON *ns = cJSON_Parse("{\"metadata\": {\"name\": \"watched-ns\"}}");
    kube_result r = kube_store_create(s, kube_resource_by_user_name("namespaces"), NULL, ns, false);
    assert_int_equal(r.code, 201);
    cJSON_Delete(r.body);
    cJSON_Delete(ns);
    kube_store_unref(s);
    assert_true(read_until(fds[0], &acc, "watched-ns"));
    /* the whole line: the name, spaces up to the column, the phase */
    const char *line = strstr(osh_buf_str(&acc), "watched-ns");
    while (!strchr(line, '\n')) {
        size_t off = (size_t)(line - osh_buf_str(&acc));
        char buf[256];
        ssize_t n = read(fds[0], buf, sizeof(buf));
        assert_true(n > 0);
        osh_buf_append(&acc, buf, (size_t)n);
        line = osh_buf_str(&acc) + off;
    }
    const char *p = line + strlen("watched-ns");
    while (*p == ' ')
        p++;
    assert_true(p > line + strlen("watched-ns"));
    assert_true(osh_str_starts_with(p, "Active"));
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    close(fds[0]);
    osh_buf_free(&acc);
}

int main(void)
{
    if (system("kubectl version --client >/dev/null 2>&1") != 0) {
        printf("skipping: kubectl is not installed\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_nodes_forms),
        cmocka_unit_test(test_paging_many_nodes),
        cmocka_unit_test(test_errors_as_kubectl_prints_them),
        cmocka_unit_test(test_namespaces_and_secret),
        cmocka_unit_test(test_sandbox_apply_get_delete),
        cmocka_unit_test(test_rollout_restart_and_status),
        cmocka_unit_test(test_get_watch_sees_event),
        cmocka_unit_test(test_explain_from_openapi),
        cmocka_unit_test(test_delete_node),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
