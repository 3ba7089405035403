/* test_sandbox_mock.c: `sandbox ...` end to end against the mock Kubernetes API server
 * (mocks/kube): the scenarios of rules §12.9. The stored object must equal the golden
 * document, the journal must show what was (or was not) sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mock_cluster.h"
#include "mock_kube.h"
#include "osh_str.h"
#include "sandbox_client.h"
#include "sandbox_spec.h"
#include "sandbox_test_util.h"
#include "sandbox_translate.h"

#define GOLDEN_DIR OSH_FIXTURES_DIR "/golden/sandbox"
#define SANDBOXES_GLOB "/apis/agents.x-k8s.io/v1alpha1/namespaces/*/sandboxes*"

typedef mock_cluster fixture;

static int setup(void **state)
{
    *state = mock_cluster_start("/tmp/osh-sbx-mock");
    return 0;
}

static int teardown(void **state) { return mock_cluster_free(*state); }

static size_t journal_count(fixture *f, const char *method, const char *glob)
{
    return mock_http_journal_count(mock_kube_http(f->kube), method, glob);
}

/* Run the driver with args (NULL-terminated) plus --kubeconfig; env may be NULL. */
static int run_cli(fixture *f, test_run_result *r, char *const env[], const char *const *args)
{
    const char *argv[48];
    int n = test_cli_prefix(argv);
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n++] = "--kubeconfig";
    argv[n++] = f->kubeconfig;
    argv[n] = NULL;
    test_run((char *const *)argv, env, r);
    return r->exit_code;
}

/* The stored object without what the server adds (uid, resourceVersion, timestamps...). */
static cJSON *stored_sandbox(fixture *f, const char *ns, const char *name)
{
    kube_store *s = mock_kube_current_store(f->kube);
    kube_result res = kube_store_get(s, mock_cluster_resource("agents.x-k8s.io", "v1alpha1", "sandboxes"), ns, name);
    kube_store_unref(s);
    if (res.code != 200) {
        cJSON_Delete(res.body);
        return NULL;
    }
    cJSON *metadata = cJSON_GetObjectItem(res.body, "metadata");
    const char *server_fields[] = {"uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"};
    for (size_t i = 0; i < sizeof server_fields / sizeof *server_fields; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(metadata, server_fields[i]);
    cJSON_DeleteItemFromObjectCaseSensitive(res.body, "status");
    return res.body;
}

static char *stored_uid(fixture *f, const char *ns, const char *name)
{
    kube_store *s = mock_kube_current_store(f->kube);
    kube_result res = kube_store_get(s, mock_cluster_resource("agents.x-k8s.io", "v1alpha1", "sandboxes"), ns, name);
    kube_store_unref(s);
    const cJSON *uid = cJSON_GetObjectItem(cJSON_GetObjectItem(res.body, "metadata"), "uid");
    char *out = cJSON_IsString(uid) ? osh_str_dup(uid->valuestring) : NULL;
    cJSON_Delete(res.body);
    return out;
}

/* The body of the last journaled POST. */
static cJSON *last_posted_body(fixture *f)
{
    cJSON *journal = mock_http_journal_json(mock_kube_http(f->kube));
    cJSON *body = NULL;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, journal)
    {
        const cJSON *method = cJSON_GetObjectItem(entry, "method");
        if (cJSON_IsString(method) && strcmp(method->valuestring, "POST") == 0) {
            cJSON_Delete(body);
            body = cJSON_Parse(cJSON_GetObjectItem(entry, "body")->valuestring);
        }
    }
    cJSON_Delete(journal);
    return body;
}

/* SBX-G1 / SBX-G2: the CLI with the §10.5 configuration. */
static void cli_create_stores_golden(fixture *f, const char *name)
{
    char *input_path = osh_str_printf("%s/%s.input.json", GOLDEN_DIR, name);
    char *expected_path = osh_str_printf("%s/%s.json", GOLDEN_DIR, name);
    cJSON *input = test_load_json(input_path);
    cJSON *expected = test_load_json(expected_path);
    const char *sbx_name = cJSON_GetObjectItem(input, "name")->valuestring;
    char *spec_path = osh_str_printf("%s/%s.spec.json", f->dir, name);
    char skew[32];
    const char *args[40];
    int n = test_golden_create_args(input, spec_path, skew, args);
    args[n] = NULL;
    test_run_result r;
    if (run_cli(f, &r, NULL, args) != 0)
        fail_msg("%s: exit %d: %s", name, r.exit_code, r.err);
    char *uid = stored_uid(f, "openshell", sbx_name);
    assert_non_null(uid);
    char *want = osh_str_printf("created %s %s\n", sbx_name, uid);
    assert_string_equal(r.out, want);
    cJSON *sent = last_posted_body(f);
    cJSON *stored = stored_sandbox(f, "openshell", sbx_name);
    bool sent_ok = test_json_equal("sent body", expected, sent);
    cJSON *as_stored = test_golden_as_stored(expected);
    bool stored_ok = test_json_equal("stored object", as_stored, stored);
    cJSON_Delete(as_stored);
    cJSON_Delete(sent);
    cJSON_Delete(stored);
    free(want);
    free(uid);
    test_run_result_free(&r);
    cJSON_Delete(expected);
    cJSON_Delete(input);
    free(spec_path);
    free(input_path);
    free(expected_path);
    assert_true(sent_ok && stored_ok);
}

static void create_g1(void **state) { cli_create_stores_golden(*state, "g1-minimal"); }
static void create_g2(void **state) { cli_create_stores_golden(*state, "g2-full"); }


/* Every golden through the library: stored equals golden, then delete it again. */
static void every_golden_is_stored_verbatim(void **state)
{
    fixture *f = *state;
    mock_cluster_create_namespace(f, "team-a");
    char **names;
    int count = test_list_golden_cases(GOLDEN_DIR, &names);
    char *error = NULL;
    k8s_client *client = k8s_client_new(k8s_config_from_file(f->kubeconfig, &error));
    int failures = 0;
    for (int i = 0; i < count; i++) {
        char *input_path = osh_str_printf("%s/%s.input.json", GOLDEN_DIR, names[i]);
        char *expected_path = osh_str_printf("%s/%s.json", GOLDEN_DIR, names[i]);
        cJSON *input = test_load_json(input_path);
        cJSON *expected = test_load_json(expected_path);
        sandbox_client_config config;
        test_config_from_golden(input, &config);
        const cJSON *spec_json = cJSON_GetObjectItem(input, "spec");
        sandbox_spec *spec = spec_json ? sandbox_spec_from_json(spec_json, &error) : NULL;
        const char *name = cJSON_GetObjectItem(input, "name")->valuestring;
        cJSON *object = sandbox_build_object(cJSON_GetObjectItem(input, "id")->valuestring, name, spec, &config);
        cJSON *created = NULL;
        k8s_error err = {0};
        const cJSON *vct = cJSON_GetObjectItem(cJSON_GetObjectItem(expected, "spec"), "volumeClaimTemplates");
        if (vct && !cJSON_IsArray(vct)) {
            /* the CRD says array: the API server refuses the object (rules §14.2) */
            assert_int_not_equal(sandbox_create(client, config.namespace_, object, &created, &err), 0);
            assert_int_equal(err.code, 422);
            k8s_error_clear(&err);
            cJSON_Delete(object);
            sandbox_spec_free(spec);
            cJSON_Delete(expected);
            cJSON_Delete(input);
            free(input_path);
            free(expected_path);
            free(names[i]);
            continue;
        }
        if (sandbox_create(client, config.namespace_, object, &created, &err) != 0)
            fail_msg("%s: create failed: %d %s", names[i], err.code, err.message);
        cJSON *stored = stored_sandbox(f, config.namespace_, name);
        cJSON *as_stored = test_golden_as_stored(expected);
        failures += !test_json_equal(names[i], as_stored, stored);
        cJSON_Delete(as_stored);
        bool deleted = false;
        assert_int_equal(sandbox_delete(client, config.namespace_, name, &deleted, &err), 0);
        assert_true(deleted);
        cJSON_Delete(stored);
        cJSON_Delete(created);
        cJSON_Delete(object);
        sandbox_spec_free(spec);
        cJSON_Delete(expected);
        cJSON_Delete(input);
        free(input_path);
        free(expected_path);
        free(names[i]);
    }
    free(names);
    k8s_client_free(client);
    assert_int_equal(failures, 0);
    assert_int_equal(journal_count(f, "POST", SANDBOXES_GLOB), (size_t)count);
}

static void expect_cli(fixture *f, char *const env[], const char *const *args, int exit_code, const char *out,
                       const char *err_phrase)
{
    test_run_result r;
    run_cli(f, &r, env, args);
    if (r.exit_code != exit_code || (out && strcmp(r.out, out) != 0) || !strstr(r.err, err_phrase))
        fail_msg("sandbox %s: exit %d, stdout [%s], stderr [%s]; wanted %d [%s] [%s]", args[0], r.exit_code, r.out,
                 r.err, exit_code, out ? out : "*", err_phrase);
    test_run_result_free(&r);
}

/* SBX-CONFLICT */
static void create_twice_conflicts(void **state)
{
    fixture *f = *state;
    const char *args[] = {"create", "--name", "twice", "--id", "i-2", NULL};
    test_run_result r;
    assert_int_equal(run_cli(f, &r, NULL, args), 0);
    assert_true(osh_str_starts_with(r.out, "created twice "));
    test_run_result_free(&r);
    expect_cli(f, NULL, args, 1, "", "error: kubernetes API error 409 AlreadyExists: ");
}

/* A namespace that does not exist: the API's 404 is an error for create. */
static void create_in_missing_namespace_fails(void **state)
{
    fixture *f = *state;
    expect_cli(f, NULL, (const char *[]){"create", "--name", "x", "--namespace", "nowhere", NULL}, 1, "",
               "error: kubernetes API error 404 NotFound: ");
}

/* SBX-DEL-OK / SBX-DEL-404 / SBX-DEL-403 */
static void delete_outcomes(void **state)
{
    fixture *f = *state;
    test_run_result r;
    assert_int_equal(run_cli(f, &r, NULL, (const char *[]){"create", "--name", "x", NULL}), 0);
    test_run_result_free(&r);
    expect_cli(f, NULL, (const char *[]){"delete", "x", NULL}, 0, "deleted x\n", "");
    assert_null(stored_sandbox(f, "openshell", "x"));
    expect_cli(f, NULL, (const char *[]){"delete", "x", NULL}, 0, "not found x\n", "");
    mock_http_fault forbid = MOCK_HTTP_FAULT_INIT;
    forbid.method = "DELETE";
    forbid.status = 403;
    forbid.body = "{\"kind\": \"Status\", \"apiVersion\": \"v1\", \"metadata\": {}, \"status\": \"Failure\", \"message\":"
                  " \"sandboxes.agents.x-k8s.io \\\"x\\\" is forbidden: User \\\"mock\\\" cannot delete resource\","
                  " \"reason\": \"Forbidden\", \"details\": {\"name\": \"x\"}, \"code\": 403}";
    mock_http_fault_add(mock_kube_http(f->kube), &forbid);
    expect_cli(f, NULL, (const char *[]){"delete", "x", NULL}, 1, "",
               "error: kubernetes API error 403 Forbidden: sandboxes.agents.x-k8s.io \"x\" is forbidden");
    assert_int_equal(journal_count(f, "DELETE", SANDBOXES_GLOB), 3);
}

static void create_pod(fixture *f, const char *name, const char *pod_ip)
{
    char *json = osh_str_printf("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"%s\"},"
                                " \"spec\": {\"containers\": [{\"name\": \"agent\", \"image\": \"busy:1\"}]}}",
                                name);
    mock_cluster_create(f, "", "v1", "pods", "openshell", json);
    free(json);
    if (!pod_ip)
        return;
    kube_store *s = mock_kube_current_store(f->kube);
    char *status = osh_str_printf("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"%s\","
                                  " \"namespace\": \"openshell\"}, \"status\": {\"phase\": \"Running\", \"podIP\": \"%s\"}}",
                                  name, pod_ip);
    cJSON *obj = cJSON_Parse(status);
    kube_result res = kube_store_update(s, mock_cluster_resource("", "v1", "pods"), "openshell", name, obj, true, false);
    if (res.code != 200)
        fail_msg("pod status update: %d", res.code);
    cJSON_Delete(res.body);
    cJSON_Delete(obj);
    free(status);
    kube_store_unref(s);
}

/* SBX-PODIP */
static void pod_ip_variants(void **state)
{
    fixture *f = *state;
    create_pod(f, "with-ip", "10.42.0.7");
    create_pod(f, "without-ip", NULL);
    create_pod(f, "garbage-ip", "garbage");
    expect_cli(f, NULL, (const char *[]){"pod-ip", "with-ip", NULL}, 0, "10.42.0.7\n", "");
    expect_cli(f, NULL, (const char *[]){"pod-ip", "without-ip", NULL}, 0, "none\n", "");
    expect_cli(f, NULL, (const char *[]){"pod-ip", "missing", NULL}, 0, "none\n", "");
    expect_cli(f, NULL, (const char *[]){"pod-ip", "garbage-ip", NULL}, 0, "none\n", "");
    assert_int_equal(journal_count(f, "GET", "/api/v1/namespaces/openshell/pods/*"), 4);
}

/* SBX-TIMEOUT */
static void stalled_api_times_out(void **state)
{
    fixture *f = *state;
    mock_http_fault stall = MOCK_HTTP_FAULT_INIT;
    stall.delay_ms = 10000;
    mock_http_fault_add(mock_kube_http(f->kube), &stall);
    char *env[] = {"OPENSHELL_KUBE_API_TIMEOUT_MS=200", NULL};
    const char *want = "error: kubernetes API error 504 Timeout: timed out after 1s waiting for Kubernetes API\n";
    expect_cli(f, env, (const char *[]){"create", "--name", "slow", NULL}, 1, "", want);
    expect_cli(f, env, (const char *[]){"delete", "slow", NULL}, 1, "", want);
    expect_cli(f, env, (const char *[]){"pod-ip", "slow", NULL}, 1, "", want);
    mock_http_fault_clear(mock_kube_http(f->kube));
}

/* SBX-SPEC-BAD: exit 2 naming the path, and nothing reaches the API. */
static void bad_spec_sends_nothing(void **state)
{
    fixture *f = *state;
    char *bad = osh_str_printf("%s/bad.json", f->dir);
    test_write_file(bad, "{\"template\": {\"labels\": {\"team\": 5}}}");
    char *not_json = osh_str_printf("%s/not.json", f->dir);
    test_write_file(not_json, "{\"template\": ");
    expect_cli(f, NULL, (const char *[]){"create", "--name", "x", "--spec", bad, NULL}, 2, "",
               "spec.template.labels.team: expected string");
    expect_cli(f, NULL, (const char *[]){"create", "--name", "x", "--spec", not_json, NULL}, 2, "", "not valid JSON");
    assert_int_equal(journal_count(f, NULL, "*"), 0);
    free(bad);
    free(not_json);
}

/* SBX-WATCH: a pre-existing unlabelled sandbox-abc comes from the list; i1 is created and
 * deleted while watching. */
static void watch_reports_applied_and_deleted(void **state)
{
    fixture *f = *state;
    mock_cluster_create(f, "agents.x-k8s.io", "v1alpha1", "sandboxes", "openshell",
                        "{\"apiVersion\": \"agents.x-k8s.io/v1alpha1\", \"kind\": \"Sandbox\", \"metadata\": {\"name\": "
                        "\"sandbox-abc\"}, \"spec\": {\"podTemplate\": {\"spec\": {\"containers\": [{\"name\": \"agent\"}]}}}}");
    mock_cluster_create(f, "agents.x-k8s.io", "v1alpha1", "sandboxes", "openshell",
                        "{\"apiVersion\": \"agents.x-k8s.io/v1alpha1\", \"kind\": \"Sandbox\", \"metadata\": {\"name\": "
                        "\"no-id\"}, \"spec\": {\"podTemplate\": {\"spec\": {\"containers\": [{\"name\": \"agent\"}]}}}}");
    char *err_path = osh_str_printf("%s/watch.err", f->dir);
    int out_fd;
    pid_t pid = test_spawn_watch(f->kubeconfig, "3", err_path, &out_fd);
    char *line = test_read_line(out_fd);
    assert_non_null(line);
    assert_string_equal(line, "APPLIED abc sandbox-abc Unknown");
    free(line);
    test_run_result r;
    assert_int_equal(run_cli(f, &r, NULL, (const char *[]){"create", "--name", "s1", "--id", "i1", NULL}), 0);
    test_run_result_free(&r);
    assert_int_equal(run_cli(f, &r, NULL, (const char *[]){"delete", "s1", NULL}), 0);
    test_run_result_free(&r);
    line = test_read_line(out_fd);
    assert_non_null(line);
    assert_string_equal(line, "APPLIED i1 s1 Unknown");
    free(line);
    line = test_read_line(out_fd);
    assert_non_null(line);
    assert_true(osh_str_starts_with(line, "DELETED i1 s1 "));
    free(line);
    assert_null(test_read_line(out_fd));
    close(out_fd);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char *err = test_read_file(err_path);
    assert_non_null(strstr(err, "warning: sandbox id not found on object"));
    free(err);
    free(err_path);
    /* the watch started from the list's resourceVersion */
    assert_int_equal(journal_count(f, "GET", "/apis/agents.x-k8s.io/v1alpha1/namespaces/openshell/sandboxes"), 2);
}

int main(int argc, char **argv)
{
    int openshell = test_cli_select(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_g1, setup, teardown),
        cmocka_unit_test_setup_teardown(create_g2, setup, teardown),
        cmocka_unit_test_setup_teardown(every_golden_is_stored_verbatim, setup, teardown),
        cmocka_unit_test_setup_teardown(create_twice_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(create_in_missing_namespace_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(delete_outcomes, setup, teardown),
        cmocka_unit_test_setup_teardown(pod_ip_variants, setup, teardown),
        cmocka_unit_test_setup_teardown(stalled_api_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_spec_sends_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(watch_reports_applied_and_deleted, setup, teardown),
    };
    return cmocka_run_group_tests_name(openshell ? "sandbox.mock.openshell" : "sandbox.mock", tests, NULL, NULL);
}
