/* test_docker_cli_cluster.c (label docker-cli): a cluster container made by the installed
 * docker CLI (`docker run ... server` with the k3s volume) is simulated like the bootstrap's:
 * `docker exec` runs the simulated kubectl, health turns healthy, and the state survives
 * `docker rm -f` + a new container on the same volume. Skipped (77) without the docker CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "mock_world.h"
#include "osh_buf.h"
#include "osh_str.h"
#include "test_shell.h"

static mock_world *w;

static int sh(const char *cmd, osh_buf *out)
{
    char *full = osh_str_printf("DOCKER_HOST=%s; export DOCKER_HOST; %s", mock_world_docker_unix_url(w), cmd);
    int status = test_shell(full, out);
    free(full);
    return status;
}

static void test_docker_cli_cluster(void **state)
{
    (void)state;
    char *error = NULL;
    mock_world_options o = {.kube_enabled = true};
    w = mock_world_new(NULL, &o, &error);
    assert_non_null(w);
    osh_buf out = OSH_BUF_INIT;
    assert_int_equal(sh("docker volume create k3s-data", &out), 0);
    assert_int_equal(sh("docker run -d --name c1 --hostname first -v k3s-data:/var/lib/rancher/k3s "
                        "ghcr.io/nvidia/openshell/cluster:dev server --disable=traefik", &out), 0);
    assert_int_equal(sh("docker exec c1 kubectl get nodes -o name", &out), 0);
    assert_string_equal(osh_buf_str(&out), "node/first\n");
    assert_int_equal(sh("docker exec c1 sh -c 'kubectl get statefulset -n openshell --no-headers -o custom-columns=N:.metadata.name,R:.status.readyReplicas'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "openshell   1\n");
    /* health is counted in inspects (docker exec inspects too): from the second on, healthy */
    sh("docker inspect -f '{{.State.Health.Status}}' c1", &out);
    assert_int_equal(sh("docker inspect -f '{{.State.Health.Status}}' c1", &out), 0);
    assert_string_equal(osh_buf_str(&out), "healthy\n");
    assert_int_equal(sh("docker exec c1 frobnicate", &out), 127);
    /* issue 13 item 6: kubectl reads its manifest from the exec's stdin (-f -), as the
     * reference CLI pipes secrets into `kubectl apply -f -` */
    assert_int_equal(sh("printf 'apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: fromstdin\\n' | "
                        "docker exec -i c1 kubectl apply -f -", &out), 0);
    assert_string_equal(osh_buf_str(&out), "namespace/fromstdin created\n");
    assert_int_equal(sh("printf 'apiVersion: v1\\nkind: Secret\\nmetadata:\\n  name: s1\\n  namespace: fromstdin\\n"
                        "data:\\n  k: dg==\\n' | docker exec -i c1 sh -c 'kubectl create -f -'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "secret/s1 created\n");
    assert_int_equal(sh("docker exec c1 kubectl get secret s1 -n fromstdin -o jsonpath='{.data.k}'", &out), 0);
    assert_string_equal(osh_buf_str(&out), "dg==");
    /* without -i the manifest does not reach kubectl */
    assert_int_equal(sh("printf 'kind: Namespace\\n' | docker exec c1 kubectl apply -f -", &out), 1);
    assert_int_equal(sh("docker rm -f c1", &out), 0);
    assert_int_equal(sh("docker run -d --name c2 --hostname second -v k3s-data:/var/lib/rancher/k3s "
                        "ghcr.io/nvidia/openshell/cluster:dev server", &out), 0);
    assert_int_equal(sh("docker exec c2 kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name", &out), 0);
    assert_string_equal(osh_buf_str(&out), "first\nsecond\n");
    osh_buf_free(&out);
    mock_world_free(w);
}

int main(void)
{
    if (system("docker --version >/dev/null 2>&1") != 0) {
        printf("skipping: the docker CLI is not installed\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_docker_cli_cluster)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
