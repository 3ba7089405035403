/* test_sandbox_world.c: `sandbox ...` in a simulated machine (mocks/world), through nothing
 * but the world contract: a scenario document sets the Kubernetes objects and faults, the
 * world writes the kubeconfig, and its state and journal show the result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mock_world.h"
#include "osh_str.h"
#include "sandbox_test_util.h"

#define GOLDEN_DIR OSH_FIXTURES_DIR "/golden/sandbox"

typedef struct fixture {
    mock_world *world;
    char dir[64];
    char *kubeconfig;
} fixture;

static fixture *start_world(const char *scenario_json)
{
    fixture *f = calloc(1, sizeof *f);
    cJSON *scenario = scenario_json ? cJSON_Parse(scenario_json) : NULL;
    assert_true(!scenario_json || scenario);
    char *error = NULL;
    /* the §10 client runs on the reference commit's release (rules §14.1) */
    mock_world_options opts = {.kube_enabled = true, .agent_sandbox = "0.1"};
    f->world = mock_world_new(scenario, &opts, &error);
    cJSON_Delete(scenario);
    if (!f->world)
        fail_msg("mock_world_new: %s", error);
    strcpy(f->dir, "/tmp/osh-sbx-world-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->kubeconfig = osh_str_printf("%s/kubeconfig", f->dir);
    if (mock_world_write_kubeconfig(f->world, f->kubeconfig, &error) != 0)
        fail_msg("%s", error);
    return f;
}

static void stop_world(fixture *f)
{
    mock_world_free(f->world);
    unlink(f->kubeconfig);
    rmdir(f->dir);
    free(f->kubeconfig);
    free(f);
}

static test_run_result sandbox(fixture *f, const char *const *args)
{
    const char *argv[40];
    int n = test_cli_prefix(argv);
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    /* The connection comes from KUBECONFIG this time, not from the flag. */
    char *env_kubeconfig = osh_str_printf("KUBECONFIG=%s", f->kubeconfig);
    char *env[] = {env_kubeconfig, NULL};
    test_run_result r;
    test_run((char *const *)argv, env, &r);
    free(env_kubeconfig);
    return r;
}

/* The world's stored sandbox `name` without the fields the server adds, or NULL. */
static cJSON *stored_sandbox(fixture *f, const char *name)
{
    cJSON *state = mock_world_state(f->world);
    const cJSON *item;
    cJSON *found = NULL;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(cJSON_GetObjectItem(state, "kube"), "sandboxes"))
    {
        cJSON *metadata = cJSON_GetObjectItem(item, "metadata");
        if (strcmp(cJSON_GetObjectItem(metadata, "name")->valuestring, name) == 0)
            found = cJSON_Duplicate(item, 1);
    }
    cJSON_Delete(state);
    if (found) {
        cJSON *metadata = cJSON_GetObjectItem(found, "metadata");
        const char *server_fields[] = {"uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"};
        for (size_t i = 0; i < sizeof server_fields / sizeof *server_fields; i++)
            cJSON_DeleteItemFromObjectCaseSensitive(metadata, server_fields[i]);
        cJSON_DeleteItemFromObjectCaseSensitive(found, "status");
        /* the agent-sandbox controller names the pod it made (rules §14.3) */
        cJSON *ann = cJSON_GetObjectItem(metadata, "annotations");
        cJSON_DeleteItemFromObjectCaseSensitive(ann, "agents.x-k8s.io/pod-name");
        if (ann && !ann->child)
            cJSON_DeleteItemFromObjectCaseSensitive(metadata, "annotations");
    }
    return found;
}

static void default_world_stores_g1(void **state)
{
    fixture *f = start_world(NULL);
    test_run_result r = sandbox(f, (const char *[]){
        "create", "--name", "demo", "--id", "8f14e45f-ceea-467f-a0e6-5b7c9a1d2e3f",
        "--default-image", "ghcr.io/nvidia/openshell/sandbox:latest", "--image-pull-policy", "IfNotPresent",
        "--grpc-endpoint", "https://openshell.openshell.svc.cluster.local:8080", "--ssh-handshake-secret", "hs-secret",
        "--client-tls-secret", "openshell-client-tls", "--host-gateway-ip", "172.17.0.1", NULL});
    if (r.exit_code != 0)
        fail_msg("create: %s", r.err);
    assert_true(osh_str_starts_with(r.out, "created demo "));
    test_run_result_free(&r);
    cJSON *expected = test_load_json(GOLDEN_DIR "/g1-minimal.json");
    cJSON *stored = stored_sandbox(f, "demo");
    bool equal = test_json_equal("g1 in the world", expected, stored);
    cJSON_Delete(stored);
    cJSON_Delete(expected);
    assert_true(equal);

    r = sandbox(f, (const char *[]){"delete", "demo", NULL});
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "deleted demo\n");
    test_run_result_free(&r);
    assert_null(stored_sandbox(f, "demo"));
    cJSON *journal = mock_world_journal(f->world, "kube");
    int posts = 0, deletes = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, journal)
    {
        const char *method = cJSON_GetObjectItem(entry, "method")->valuestring;
        posts += strcmp(method, "POST") == 0;
        deletes += strcmp(method, "DELETE") == 0;
    }
    cJSON_Delete(journal);
    assert_int_equal(posts, 1);
    assert_int_equal(deletes, 1);
    stop_world(f);
}

static void scenario_pods_and_faults(void **state)
{
    fixture *f = start_world(
        "{\"kube\": {\"objects\": {\"pods\": ["
        "{\"metadata\": {\"name\": \"with-ip\", \"namespace\": \"openshell\"}, \"spec\": {\"containers\": [{\"name\": \"a\"}]},"
        " \"status\": {\"phase\": \"Running\", \"podIP\": \"10.42.0.7\"}},"
        "{\"metadata\": {\"name\": \"garbage-ip\", \"namespace\": \"openshell\"}, \"spec\": {\"containers\": [{\"name\": \"a\"}]},"
        " \"status\": {\"podIP\": \"garbage\"}}]},"
        " \"faults\": [{\"method\": \"DELETE\", \"path\": \"/apis/agents.x-k8s.io/v1alpha1/namespaces/openshell/sandboxes/*\","
        " \"status\": 403, \"body\": {\"kind\": \"Status\", \"apiVersion\": \"v1\", \"status\": \"Failure\","
        " \"message\": \"denied by scenario\", \"reason\": \"Forbidden\", \"code\": 403}}]}}");
    struct {
        const char *args[4];
        int exit_code;
        const char *out, *err;
    } cases[] = {
        {{"pod-ip", "with-ip"}, 0, "10.42.0.7\n", ""},
        {{"pod-ip", "garbage-ip"}, 0, "none\n", ""},
        {{"pod-ip", "missing"}, 0, "none\n", ""},
        {{"delete", "x"}, 1, "", "error: kubernetes API error 403 Forbidden: denied by scenario\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        test_run_result r = sandbox(f, (const char *[]){cases[i].args[0], cases[i].args[1], NULL});
        if (r.exit_code != cases[i].exit_code || strcmp(r.out, cases[i].out) || strcmp(r.err, cases[i].err))
            fail_msg("case %zu: exit %d out [%s] err [%s]", i, r.exit_code, r.out, r.err);
        test_run_result_free(&r);
    }
    stop_world(f);
}

int main(int argc, char **argv)
{
    int openshell = test_cli_select(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_world_stores_g1),
        cmocka_unit_test(scenario_pods_and_faults),
    };
    return cmocka_run_group_tests_name(openshell ? "sandbox.world.openshell" : "sandbox.world", tests, NULL, NULL);
}
