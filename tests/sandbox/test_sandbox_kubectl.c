/* test_sandbox_kubectl.c: interoperability with kubectl on the mock Kubernetes API server:
 * kubectl accepts the object `sandbox create --dry-run` prints (client-side it goes through
 * the server's discovery and OpenAPI), and sees the object `sandbox create` stored; what
 * kubectl creates and deletes, `sandbox delete` and `sandbox watch` see. Exits 77 when
 * kubectl is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mock_cluster.h"
#include "mock_kube.h"
#include "osh_str.h"
#include "sandbox_test_util.h"

#define GOLDEN_DIR OSH_FIXTURES_DIR "/golden/sandbox"

static const char *kubectl_path(void)
{
    static const char *candidates[] = {"/usr/local/bin/kubectl", "/usr/bin/kubectl", NULL};
    for (int i = 0; candidates[i]; i++)
        if (access(candidates[i], X_OK) == 0)
            return candidates[i];
    return NULL;
}

typedef mock_cluster fixture;

static int setup(void **state)
{
    *state = mock_cluster_start("/tmp/osh-sbx-kubectl");
    return 0;
}

static int teardown(void **state) { return mock_cluster_free(*state); }

/* Runs kubectl --kubeconfig KC ARGS...; HOME points into the temp dir (kubectl's cache). */
static int kubectl(fixture *f, test_run_result *r, const char *const *args)
{
    const char *argv[24] = {kubectl_path(), "--kubeconfig", f->kubeconfig};
    int n = 3;
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char *home = osh_str_printf("HOME=%s", f->dir);
    char *env[] = {home, "KUBECONFIG", NULL};
    test_run((char *const *)argv, env, r);
    free(home);
    return r->exit_code;
}

static int sandbox(fixture *f, test_run_result *r, const char *const *args)
{
    const char *argv[24];
    int n = test_cli_prefix(argv);
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n++] = "--kubeconfig";
    argv[n++] = f->kubeconfig;
    argv[n] = NULL;
    test_run((char *const *)argv, NULL, r);
    return r->exit_code;
}

static void kubectl_creates_the_dry_run_object(void **state)
{
    fixture *f = *state;
    test_run_result r;
    assert_int_equal(sandbox(f, &r, (const char *[]){"create", "--name", "demo", "--id", "8f14e45f-ceea-467f-a0e6-5b7c9a1d2e3f",
                                                     "--default-image", "ghcr.io/nvidia/openshell/sandbox:latest",
                                                     "--dry-run", NULL}),
                     0);
    char *object_path = osh_str_printf("%s/demo.json", f->dir);
    test_write_file(object_path, r.out);
    test_run_result_free(&r);
    if (kubectl(f, &r, (const char *[]){"create", "-f", object_path, NULL}) != 0)
        fail_msg("kubectl create: %s", r.err);
    assert_string_equal(r.out, "sandbox.agents.x-k8s.io/demo created\n");
    test_run_result_free(&r);
    assert_int_equal(sandbox(f, &r, (const char *[]){"delete", "demo", NULL}), 0);
    assert_string_equal(r.out, "deleted demo\n");
    test_run_result_free(&r);
    free(object_path);
}

static void kubectl_reads_what_create_stored(void **state)
{
    fixture *f = *state;
    cJSON *input = test_load_json(GOLDEN_DIR "/g2-full.input.json");
    cJSON *expected = test_load_json(GOLDEN_DIR "/g2-full.json");
    char *spec_path = osh_str_printf("%s/spec.json", f->dir);
    char *spec_text = cJSON_Print(cJSON_GetObjectItem(input, "spec"));
    test_write_file(spec_path, spec_text);
    test_run_result r;
    int code = sandbox(f, &r, (const char *[]){"create", "--name", "trainer", "--id", "0c9d2b1e-5f3a-4e7b-9c8d-1a2b3c4d5e6f",
                                               "--spec", spec_path, "--image-pull-policy", "IfNotPresent",
                                               "--grpc-endpoint", "https://openshell.openshell.svc.cluster.local:8080",
                                               "--ssh-handshake-secret", "hs-secret", "--client-tls-secret",
                                               "openshell-client-tls", "--host-gateway-ip", "172.17.0.1", NULL});
    if (code != 0)
        fail_msg("create: %s", r.err);
    test_run_result_free(&r);
    if (kubectl(f, &r, (const char *[]){"get", "sandbox", "trainer", "-n", "openshell", "-o", "json", NULL}) != 0)
        fail_msg("kubectl get: %s", r.err);
    cJSON *got = cJSON_Parse(r.out);
    assert_non_null(got);
    cJSON *as_stored = test_golden_as_stored(expected);
    bool spec_equal = test_json_equal("spec", cJSON_GetObjectItem(as_stored, "spec"), cJSON_GetObjectItem(got, "spec"));
    cJSON_Delete(as_stored);
    bool labels_equal = test_json_equal("labels", cJSON_GetObjectItem(cJSON_GetObjectItem(expected, "metadata"), "labels"),
                                        cJSON_GetObjectItem(cJSON_GetObjectItem(got, "metadata"), "labels"));
    cJSON_Delete(got);
    test_run_result_free(&r);
    cJSON_free(spec_text);
    free(spec_path);
    cJSON_Delete(expected);
    cJSON_Delete(input);
    assert_true(spec_equal && labels_equal);
}

static void watch_sees_kubectl_changes(void **state)
{
    fixture *f = *state;
    char *manifest = osh_str_printf("%s/k1.yaml", f->dir);
    test_write_file(manifest, "apiVersion: agents.x-k8s.io/v1alpha1\nkind: Sandbox\nmetadata:\n  name: sandbox-k1\n"
                              "  namespace: openshell\nspec:\n  podTemplate:\n    spec:\n      containers:\n"
                              "      - name: agent\n        image: busy:1\n");
    char *err_path = osh_str_printf("%s/watch.err", f->dir);
    int out_fd;
    pid_t pid = test_spawn_watch(f->kubeconfig, "2", err_path, &out_fd);
    test_run_result r;
    if (kubectl(f, &r, (const char *[]){"apply", "-f", manifest, NULL}) != 0)
        fail_msg("kubectl apply: %s", r.err);
    test_run_result_free(&r);
    char *line = test_read_line(out_fd);
    assert_non_null(line);
    assert_string_equal(line, "APPLIED k1 sandbox-k1 Unknown");
    free(line);
    if (kubectl(f, &r, (const char *[]){"delete", "sandbox", "sandbox-k1", "-n", "openshell", NULL}) != 0)
        fail_msg("kubectl delete: %s", r.err);
    test_run_result_free(&r);
    line = test_read_line(out_fd);
    assert_non_null(line);
    assert_true(osh_str_starts_with(line, "DELETED k1 sandbox-k1 "));
    free(line);
    close(out_fd);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    free(err_path);
    free(manifest);
}

int main(int argc, char **argv)
{
    if (!kubectl_path()) {
        printf("kubectl is not installed: skipping\n");
        return 77;
    }
    int openshell = test_cli_select(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(kubectl_creates_the_dry_run_object, setup, teardown),
        cmocka_unit_test_setup_teardown(kubectl_reads_what_create_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(watch_sees_kubectl_changes, setup, teardown),
    };
    return cmocka_run_group_tests_name(openshell ? "sandbox.kubectl.openshell" : "sandbox.kubectl", tests, NULL, NULL);
}
