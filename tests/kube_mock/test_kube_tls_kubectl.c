/* test_kube_tls_kubectl.c (label kubectl): the installed kubectl against the mock Kubernetes
 * API served over HTTPS with the public test certificate: with the kubeconfig the world
 * writes (certificate-authority-data, no insecure flag) it verifies the certificate and gets
 * nodes; with a kubeconfig trusting another CA it refuses the server. Skipped (77) without
 * kubectl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kube_resources.h"
#include "kube_store.h"
#include "mock_kube.h"
#include "mock_world.h"
#include "osh_buf.h"
#include "osh_str.h"
#include "test_shell.h"

static mock_world *world;
static char tmpdir[] = "/tmp/kube-tls-kubectl-XXXXXX";

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir))
        return -1;
    char *error = NULL;
    mock_world_options o = {.kube_enabled = true, .kube_tls = true};
    world = mock_world_new(NULL, &o, &error);
    if (!world) {
        fprintf(stderr, "%s\n", error);
        free(error);
        return -1;
    }
    cJSON *node = cJSON_Parse("{\"metadata\": {\"name\": \"tls-node\"},"
                              " \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"True\"}]}}");
    kube_result r = kube_store_create(mock_kube_default_store(mock_world_kube(world)),
                                      kube_resource_by_user_name("nodes"), NULL, node, false);
    cJSON_Delete(node);
    cJSON_Delete(r.body);
    char *kc = osh_str_printf("%s/kubeconfig", tmpdir);
    int rc = mock_world_write_kubeconfig(world, kc, &error);
    free(kc);
    if (rc != 0) {
        fprintf(stderr, "%s\n", error);
        free(error);
    }
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    mock_world_free(world);
    char *cmd = osh_str_printf("rm -rf %s", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static void test_get_nodes_verified(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT;
    char *cmd = osh_str_printf("kubectl --kubeconfig %s/kubeconfig get nodes --no-headers "
                               "-o custom-columns=NAME:.metadata.name", tmpdir);
    assert_int_equal(test_shell(cmd, &out), 0);
    assert_string_equal(osh_buf_str(&out), "tls-node\n");
    free(cmd);
    /* the server kubectl talked to is the https one */
    cmd = osh_str_printf("kubectl --kubeconfig %s/kubeconfig config view -o jsonpath={.clusters[0].cluster.server}", tmpdir);
    assert_int_equal(test_shell(cmd, &out), 0);
    assert_string_equal(osh_buf_str(&out), mock_world_kube_url(world));
    assert_true(osh_str_starts_with(osh_buf_str(&out), "https://127.0.0.1:"));
    free(cmd);
    osh_buf_free(&out);
}

static void test_other_ca_is_refused(void **state)
{
    (void)state;
    /* the same server trusted through the system CAs only: kubectl must refuse it */
    osh_buf out = OSH_BUF_INIT;
    char *cmd = osh_str_printf("kubectl --kubeconfig /dev/null --server %s --token t get nodes",
                               mock_world_kube_url(world));
    assert_int_not_equal(test_shell(cmd, &out), 0);
    assert_non_null(strstr(osh_buf_str(&out), "x509: certificate signed by unknown authority"));
    assert_null(strstr(osh_buf_str(&out), "tls-node"));
    free(cmd);
    osh_buf_free(&out);
}

int main(void)
{
    if (system("kubectl version --client >/dev/null 2>&1") != 0) {
        printf("skipping: kubectl is not installed\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_nodes_verified),
        cmocka_unit_test(test_other_ca_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
