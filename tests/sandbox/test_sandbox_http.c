/* test_sandbox_http.c: the client's HTTP behaviour against a scripted server (the shared
 * mock_http front with canned answers chosen per test): request shapes, authentication,
 * error mapping of Status and non-Status bodies, the 504 timeout, and the watcher's resume
 * and 410 relist sequence, which a stateful API mock cannot easily force. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Canned-answer tables leave the stream flag out when it is false. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "k8s_client.h"
#include "kube_script.h"
#include "mock_http.h"
#include "osh_str.h"
#include "sandbox_client.h"
#include "sandbox_test_util.h"
#include "sandbox_watch.h"

typedef kube_canned canned;
typedef kube_script fixture;

static int setup(void **state)
{
    *state = kube_script_start("/tmp/osh-sbx-http", "tok-123");
    unsetenv("OPENSHELL_KUBE_API_TIMEOUT_MS");
    setenv("OPENSHELL_POLL_INTERVAL_MS", "0", 1);
    /* A proxy in the environment must not divert the calls (nothing listens there). */
    setenv("http_proxy", "http://127.0.0.1:1", 1);
    setenv("HTTPS_PROXY", "http://127.0.0.1:1", 1);
    return 0;
}

static int teardown(void **state)
{
    kube_script_free(*state);
    return 0;
}

static k8s_client *client_for(fixture *f)
{
    char *error = NULL;
    k8s_config *config = k8s_config_from_file(f->kubeconfig, &error);
    if (!config)
        fail_msg("%s", error);
    return k8s_client_new(config);
}

static const char *seen_field(fixture *f, int index, const char *key)
{
    const cJSON *entry = cJSON_GetArrayItem(f->seen, index);
    const cJSON *value = cJSON_GetObjectItem(entry, key);
    return cJSON_IsString(value) ? value->valuestring : NULL;
}

static void create_posts_the_object_with_token(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{201, "{\"kind\": \"Sandbox\", \"metadata\": {\"name\": \"demo\", \"uid\": \"u-1\"}}"}};
    kube_script_play(f, answers, 1);
    k8s_client *client = client_for(f);
    cJSON *object = cJSON_Parse("{\"kind\": \"Sandbox\", \"metadata\": {\"name\": \"demo\"}}");
    cJSON *created = NULL;
    k8s_error err = {0};
    assert_int_equal(sandbox_create(client, "openshell", object, &created, &err), 0);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(created, "metadata"), "uid")->valuestring, "u-1");
    assert_string_equal(seen_field(f, 0, "method"), "POST");
    assert_string_equal(seen_field(f, 0, "path"), "/apis/agents.x-k8s.io/v1alpha1/namespaces/openshell/sandboxes");
    assert_string_equal(seen_field(f, 0, "auth"), "Bearer tok-123");
    assert_string_equal(seen_field(f, 0, "content_type"), "application/json");
    cJSON *sent = cJSON_Parse(seen_field(f, 0, "body"));
    assert_true(cJSON_Compare(sent, object, 1));
    cJSON_Delete(sent);
    cJSON_Delete(created);
    cJSON_Delete(object);
    k8s_client_free(client);
}

static void delete_and_pod_ip_outcomes(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {200, "{\"kind\": \"Sandbox\"}"},
        {202, "{\"kind\": \"Sandbox\"}"},
        {404, "{\"kind\": \"Status\", \"status\": \"Failure\", \"reason\": \"NotFound\", \"code\": 404, \"message\": \"gone\"}"},
        {200, "{\"status\": {\"podIP\": \"10.42.0.7\"}}"},
        {200, "{\"status\": {\"phase\": \"Pending\"}}"},
        {404, "{\"kind\": \"Status\", \"code\": 404, \"status\": \"Failure\", \"reason\": \"NotFound\"}"},
        {200, "not json"},
    };
    kube_script_play(f, answers, 7);
    k8s_client *client = client_for(f);
    k8s_error err = {0};
    bool deleted = false;
    assert_int_equal(sandbox_delete(client, "ns", "a", &deleted, &err), 0);
    assert_true(deleted);
    assert_int_equal(sandbox_delete(client, "ns", "a", &deleted, &err), 0);
    assert_true(deleted);
    assert_int_equal(sandbox_delete(client, "ns", "a", &deleted, &err), 0);
    assert_false(deleted);
    assert_string_equal(seen_field(f, 0, "method"), "DELETE");
    assert_string_equal(seen_field(f, 0, "path"), "/apis/agents.x-k8s.io/v1alpha1/namespaces/ns/sandboxes/a");
    char *ip = NULL;
    assert_int_equal(sandbox_pod_ip(client, "ns", "p", &ip, &err), 0);
    assert_string_equal(ip, "10.42.0.7");
    free(ip);
    assert_string_equal(seen_field(f, 3, "path"), "/api/v1/namespaces/ns/pods/p");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(sandbox_pod_ip(client, "ns", "p", &ip, &err), 0);
        assert_null(ip);
    }
    /* a body that is not a Pod at all is an error, as kube-rs fails to decode it */
    assert_int_equal(sandbox_pod_ip(client, "ns", "p", &ip, &err), -1);
    assert_null(ip);
    assert_string_equal(err.message, "malformed JSON in the Kubernetes API's answer to GET /api/v1/namespaces/ns/pods/p");
    k8s_error_clear(&err);
    k8s_client_free(client);
}

static void errors_keep_code_reason_message(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {409, "{\"kind\": \"Status\", \"apiVersion\": \"v1\", \"status\": \"Failure\", \"message\":"
              " \"sandboxes.agents.x-k8s.io \\\"demo\\\" already exists\", \"reason\": \"AlreadyExists\", \"code\": 409}"},
        {403, "{\"kind\": \"Status\", \"status\": \"Failure\", \"message\": \"forbidden: no\", \"reason\": \"Forbidden\", \"code\": 403}"},
        {502, "bad gateway text\n"},
        {500, "{\"kind\": \"Status\", \"status\": \"Failure\", \"message\": \"boom\", \"reason\": \"InternalError\", \"code\": 500}"},
    };
    kube_script_play(f, answers, 4);
    k8s_client *client = client_for(f);
    k8s_error err = {0};
    cJSON *object = cJSON_CreateObject(), *created = NULL;
    assert_int_equal(sandbox_create(client, "ns", object, &created, &err), -1);
    assert_int_equal(err.code, 409);
    assert_string_equal(err.reason, "AlreadyExists");
    assert_string_equal(err.message, "sandboxes.agents.x-k8s.io \"demo\" already exists");
    bool deleted = true;
    assert_int_equal(sandbox_delete(client, "ns", "x", &deleted, &err), -1);
    assert_int_equal(err.code, 403);
    assert_string_equal(err.message, "forbidden: no");
    assert_false(deleted);
    char *ip = NULL;
    assert_int_equal(sandbox_pod_ip(client, "ns", "p", &ip, &err), -1);
    assert_int_equal(err.code, 502);
    assert_string_equal(err.reason, "Bad Gateway"); /* the status line's reason phrase */
    assert_string_equal(err.message, "bad gateway text");
    assert_int_equal(sandbox_pod_ip(client, "ns", "p", &ip, &err), -1);
    assert_string_equal(err.reason, "InternalError");
    k8s_error_clear(&err);
    cJSON_Delete(object);
    k8s_client_free(client);
}

static void malformed_answers_are_named(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{201, "{\"metadata\": "}};
    kube_script_play(f, answers, 1);
    k8s_client *client = client_for(f);
    k8s_error err = {0};
    cJSON *object = cJSON_CreateObject(), *created = NULL;
    assert_int_equal(sandbox_create(client, "ns", object, &created, &err), -1);
    assert_int_equal(err.code, 0);
    assert_string_equal(err.message, "malformed JSON in the Kubernetes API's answer to POST "
                                     "/apis/agents.x-k8s.io/v1alpha1/namespaces/ns/sandboxes");
    k8s_error_clear(&err);
    cJSON_Delete(object);
    k8s_client_free(client);
}

static void stalled_api_times_out_with_504(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{200, "{}"}, {200, "{}"}, {200, "{}"}};
    kube_script_play(f, answers, 3);
    mock_http_fault stall = MOCK_HTTP_FAULT_INIT;
    stall.delay_ms = 5000;
    mock_http_fault_add(f->server, &stall);
    k8s_client *client = client_for(f);
    k8s_client_set_timeout_ms(client, 200);
    k8s_error err = {0};
    cJSON *object = cJSON_CreateObject(), *created = NULL;
    assert_int_equal(sandbox_create(client, "ns", object, &created, &err), -1);
    assert_int_equal(err.code, 504);
    assert_string_equal(err.reason, "Timeout");
    assert_string_equal(err.status, "Failure");
    assert_string_equal(err.message, "timed out after 1s waiting for Kubernetes API");
    bool deleted;
    assert_int_equal(sandbox_delete(client, "ns", "x", &deleted, &err), -1);
    assert_int_equal(err.code, 504);
    char *ip;
    assert_int_equal(sandbox_pod_ip(client, "ns", "p", &ip, &err), -1);
    assert_int_equal(err.code, 504);
    k8s_error_clear(&err);
    cJSON_Delete(object);
    k8s_client_free(client);
    mock_http_fault_clear(f->server);
}

static void unreachable_server_is_not_an_api_error(void **state)
{
    k8s_config *config = calloc(1, sizeof *config);
    config->server = osh_str_dup("http://127.0.0.1:1");
    k8s_client *client = k8s_client_new(config);
    k8s_error err = {0};
    bool deleted;
    assert_int_equal(sandbox_delete(client, "ns", "x", &deleted, &err), -1);
    assert_int_equal(err.code, 0);
    assert_non_null(strstr(err.message, "cannot reach the Kubernetes API at http://127.0.0.1:1"));
    k8s_error_clear(&err);
    k8s_client_free(client);
}

/* The token an exec plugin prints reaches the server as the bearer token. */
static void cli_exec_plugin_token_is_sent(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{200, "{\"status\": {\"podIP\": \"10.0.0.9\"}}"}};
    kube_script_play(f, answers, 1);
    char *plugin = osh_str_printf("%s/plugin.sh", f->dir);
    test_write_file(plugin, "#!/bin/sh\necho '{\"kind\": \"ExecCredential\", \"status\": {\"token\": \"exec-tok\"}}'\n");
    chmod(plugin, 0755);
    char *text = test_read_file(f->kubeconfig);
    char *kubeconfig = osh_str_printf("%s/exec-kubeconfig", f->dir);
    char *replaced = strstr(text, "{token: tok-123}");
    assert_non_null(replaced);
    *replaced = '\0';
    char *exec_text = osh_str_printf("%s{exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh}}}]\n", text);
    test_write_file(kubeconfig, exec_text);
    char *argv[] = {TEST_SANDBOX_DRIVER, "pod-ip", "p", "--kubeconfig", kubeconfig, NULL};
    test_run_result r;
    test_run(argv, NULL, &r);
    if (r.exit_code != 0 || strcmp(r.out, "10.0.0.9\n") != 0)
        fail_msg("exit %d, out [%s], err [%s]", r.exit_code, r.out, r.err);
    assert_string_equal(seen_field(f, 0, "auth"), "Bearer exec-tok");
    test_run_result_free(&r);
    unlink(kubeconfig);
    unlink(plugin);
    free(exec_text);
    free(kubeconfig);
    free(text);
    free(plugin);
}

static void cli_unreachable_server_exits_1(void **state)
{
    fixture *f = *state;
    char *kubeconfig = osh_str_printf("%s/unreachable", f->dir);
    test_write_file(kubeconfig, "current-context: t\ncontexts: [{name: t, context: {cluster: c}}]\n"
                                "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\n");
    const char *commands[][3] = {{"create", "--name", "x"}, {"delete", "x", NULL}, {"pod-ip", "x", NULL}, {"watch", NULL, NULL}};
    for (int i = 0; i < 4; i++) {
        char *argv[8] = {TEST_SANDBOX_DRIVER};
        int n = 1;
        for (int k = 0; k < 3 && commands[i][k]; k++)
            argv[n++] = (char *)commands[i][k];
        argv[n++] = "--kubeconfig";
        argv[n++] = kubeconfig;
        argv[n] = NULL;
        test_run_result r;
        test_run(argv, NULL, &r);
        if (r.exit_code != 1 || !osh_str_starts_with(r.err, "error: cannot reach the Kubernetes API at http://127.0.0.1:1: "))
            fail_msg("%s: exit %d, err [%s]", commands[i][0], r.exit_code, r.err);
        assert_string_equal(r.out, "");
        test_run_result_free(&r);
    }
    unlink(kubeconfig);
    free(kubeconfig);
}

/* Watch recorder: keeps "TYPE id name Phase" lines; stops after `limit`. */
typedef struct recorder {
    osh_buf lines;
    int count, limit;
    osh_buf warnings;
} recorder;

static bool record_event(const sandbox_event *e, void *user)
{
    recorder *r = user;
    osh_buf_appendf(&r->lines, "%s %s %s %s\n", e->type == SANDBOX_EVENT_APPLIED ? "APPLIED" : "DELETED", e->id,
                    e->name, sandbox_phase_name(e->phase));
    return ++r->count < r->limit;
}

static void record_warning(const char *text, void *user)
{
    recorder *r = user;
    osh_buf_appendf(&r->warnings, "%s\n", text);
}

#define OBJ(name, labels, rv, status)                                                              \
    "{\"metadata\": {\"name\": \"" name "\", \"resourceVersion\": \"" rv "\"" labels "}" status "}"
#define ID_LABEL(id) ", \"labels\": {\"openshell.ai/sandbox-id\": \"" id "\"}"
#define READY_TRUE ", \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"True\"}]}"

static void watch_lists_resumes_and_relists(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        /* 1: the list */
        {200, "{\"kind\": \"SandboxList\", \"metadata\": {\"resourceVersion\": \"10\"}, \"items\": ["
              OBJ("sandbox-abc", "", "9", "") ", " OBJ("nolabel", "", "8", "") "]}"},
        /* 2: a stream with two events, then it ends */
        {200, "{\"type\": \"ADDED\", \"object\": " OBJ("s1", ID_LABEL("i1"), "11", "") "}\n"
              "{\"type\": \"BOOKMARK\", \"object\": {\"metadata\": {\"resourceVersion\": \"12\"}}}\n"
              "{\"type\": \"MODIFIED\", \"object\": " OBJ("s1", ID_LABEL("i1"), "13", READY_TRUE) "}\n", true},
        /* 3: resumed from 13, the history is gone */
        {200, "{\"type\": \"ERROR\", \"object\": {\"kind\": \"Status\", \"code\": 410, \"reason\": \"Expired\","
              " \"message\": \"too old resource version\"}}\n", true},
        /* 4: relist */
        {200, "{\"metadata\": {\"resourceVersion\": \"20\"}, \"items\": [" OBJ("s1", ID_LABEL("i1"), "13", READY_TRUE) "]}"},
        /* 5: watch from 20 answered 410 at the HTTP level */
        {410, "{\"kind\": \"Status\", \"code\": 410, \"reason\": \"Gone\"}"},
        /* 6: relist, empty */
        {200, "{\"metadata\": {\"resourceVersion\": \"30\"}, \"items\": []}"},
        /* 7: the deletion, unterminated last line */
        {200, "{\"type\": \"DELETED\", \"object\": {\"metadata\": {\"name\": \"s1\", \"resourceVersion\": \"31\","
              " \"deletionTimestamp\": \"2026-01-01T00:00:00Z\", \"labels\": {\"openshell.ai/sandbox-id\": \"i1\"}}}}", true},
    };
    kube_script_play(f, answers, 7);
    k8s_client *client = client_for(f);
    recorder r = {.limit = 5};
    sandbox_watch_options options = {.namespace_ = "openshell", .on_event = record_event,
                                     .on_warning = record_warning, .user = &r};
    k8s_error err = {0};
    assert_int_equal(sandbox_watch_run(client, &options, &err), 0);
    assert_string_equal(osh_buf_str(&r.lines), "APPLIED abc sandbox-abc Unknown\n"
                                               "APPLIED i1 s1 Unknown\n"
                                               "APPLIED i1 s1 Ready\n"
                                               "APPLIED i1 s1 Ready\n"
                                               "DELETED i1 s1 Deleting\n");
    assert_string_equal(osh_buf_str(&r.warnings), "sandbox id not found on object\n");
    const char *base = "/apis/agents.x-k8s.io/v1alpha1/namespaces/openshell/sandboxes";
    for (int i = 0; i < 7; i++) {
        assert_string_equal(seen_field(f, i, "method"), "GET");
        assert_string_equal(seen_field(f, i, "path"), base);
    }
    assert_string_equal(seen_field(f, 0, "query"), "");
    assert_non_null(strstr(seen_field(f, 1, "query"), "watch=1"));
    assert_non_null(strstr(seen_field(f, 1, "query"), "resourceVersion=10"));
    assert_non_null(strstr(seen_field(f, 2, "query"), "resourceVersion=13"));
    assert_string_equal(seen_field(f, 3, "query"), "");
    assert_non_null(strstr(seen_field(f, 4, "query"), "resourceVersion=20"));
    assert_string_equal(seen_field(f, 5, "query"), "");
    assert_non_null(strstr(seen_field(f, 6, "query"), "resourceVersion=30"));
    osh_buf_free(&r.lines);
    osh_buf_free(&r.warnings);
    k8s_client_free(client);
}

#define LINE1 "{\"type\": \"ADDED\", \"object\": " OBJ("s1", ID_LABEL("i1"), "2", "") "}\n"

/* A stream cut in the middle of an event is an ended stream: resume from the last event. */
static void watch_resumes_after_a_broken_stream(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {200, "{\"metadata\": {\"resourceVersion\": \"1\"}, \"items\": []}"},
        {200, LINE1 "{\"type\": \"MODIFIED\", \"object\": " OBJ("s1", ID_LABEL("i1"), "3", READY_TRUE) "}\n", true},
        {200, "{\"type\": \"DELETED\", \"object\": " OBJ("s1", ID_LABEL("i1"), "4", "") "}\n", true},
    };
    kube_script_play(f, answers, 3);
    mock_http_fault cut = MOCK_HTTP_FAULT_INIT;
    cut.nth = 2;
    cut.truncate_after = (long)strlen(LINE1) + 20;
    mock_http_fault_add(f->server, &cut);
    k8s_client *client = client_for(f);
    recorder r = {.limit = 2};
    sandbox_watch_options options = {.namespace_ = "ns", .on_event = record_event, .on_warning = record_warning, .user = &r};
    k8s_error err = {0};
    assert_int_equal(sandbox_watch_run(client, &options, &err), 0);
    assert_string_equal(osh_buf_str(&r.lines), "APPLIED i1 s1 Unknown\nDELETED i1 s1 Unknown\n");
    assert_string_equal(osh_buf_str(&r.warnings), "");
    assert_non_null(strstr(seen_field(f, 2, "query"), "resourceVersion=2&"));
    osh_buf_free(&r.lines);
    osh_buf_free(&r.warnings);
    k8s_client_free(client);
    mock_http_fault_clear(f->server);
}

static void watch_malformed_list_is_named(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{200, "[1, 2"}};
    kube_script_play(f, answers, 1);
    k8s_client *client = client_for(f);
    recorder r = {.limit = 10};
    sandbox_watch_options options = {.namespace_ = "ns", .on_event = record_event, .on_warning = record_warning, .user = &r};
    k8s_error err = {0};
    assert_int_equal(sandbox_watch_run(client, &options, &err), -1);
    assert_int_equal(err.code, 0);
    assert_string_equal(err.message, "malformed JSON in the Kubernetes API's answer to the sandbox list");
    assert_int_equal(r.count, 0);
    k8s_error_clear(&err);
    osh_buf_free(&r.lines);
    osh_buf_free(&r.warnings);
    k8s_client_free(client);
}

static void watch_gives_up_after_failures(void **state)
{
    fixture *f = *state;
#define FORBIDDEN "{\"kind\": \"Status\", \"code\": 403, \"status\": \"Failure\", \"reason\": \"Forbidden\", \"message\": \"no watch\"}"
    static const canned answers[] = {
        {200, "{\"metadata\": {\"resourceVersion\": \"1\"}, \"items\": []}"},
        {403, FORBIDDEN}, {403, FORBIDDEN}, {403, FORBIDDEN}, {403, FORBIDDEN}, {403, FORBIDDEN},
    };
    kube_script_play(f, answers, 6);
    k8s_client *client = client_for(f);
    recorder r = {.limit = 100};
    sandbox_watch_options options = {.namespace_ = "ns", .on_event = record_event, .on_warning = record_warning, .user = &r};
    k8s_error err = {0};
    assert_int_equal(sandbox_watch_run(client, &options, &err), -1);
    assert_int_equal(err.code, 403);
    assert_string_equal(err.message, "no watch");
    assert_int_equal(f->next, 6); /* the list and exactly 5 watch attempts */
    k8s_error_clear(&err);
    osh_buf_free(&r.lines);
    osh_buf_free(&r.warnings);
    k8s_client_free(client);
}

static void watch_list_failure_is_reported(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{403, "{\"kind\": \"Status\", \"code\": 403, \"status\": \"Failure\", \"reason\": \"Forbidden\", \"message\": \"cannot list\"}"}};
    kube_script_play(f, answers, 1);
    char *argv[] = {TEST_SANDBOX_DRIVER, "watch", "--kubeconfig", f->kubeconfig, NULL};
    test_run_result r;
    test_run(argv, NULL, &r);
    assert_int_equal(r.exit_code, 1);
    assert_string_equal(r.err, "error: kubernetes API error 403 Forbidden: cannot list\n");
    test_run_result_free(&r);
}

static void cli_watch_prints_lines(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {200, "{\"metadata\": {\"resourceVersion\": \"5\"}, \"items\": [" OBJ("sandbox-x1", "", "4", READY_TRUE) "]}"},
        {200, "{\"type\": \"DELETED\", \"object\": " OBJ("sandbox-x1", "", "6", READY_TRUE) "}\n", true},
    };
    kube_script_play(f, answers, 2);
    char *argv[] = {TEST_SANDBOX_DRIVER, "watch", "--kubeconfig", f->kubeconfig, "--max-events", "2", NULL};
    test_run_result r;
    test_run(argv, NULL, &r);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "APPLIED x1 sandbox-x1 Ready\nDELETED x1 sandbox-x1 Ready\n");
    test_run_result_free(&r);
}

static void cli_outputs_and_exit_codes(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {201, "{\"metadata\": {\"name\": \"demo\", \"uid\": \"8c1e-uid\"}}"},
        {409, "{\"kind\": \"Status\", \"status\": \"Failure\", \"message\": \"sandboxes.agents.x-k8s.io \\\"demo\\\" already exists\","
              " \"reason\": \"AlreadyExists\", \"code\": 409}"},
        {200, "{}"},
        {404, "{\"kind\": \"Status\", \"code\": 404, \"status\": \"Failure\", \"reason\": \"NotFound\", \"message\": \"nf\"}"},
        {403, "{\"kind\": \"Status\", \"code\": 403, \"status\": \"Failure\", \"reason\": \"Forbidden\", \"message\": \"denied\"}"},
        {200, "{\"status\": {\"podIP\": \"10.42.0.7\"}}"},
        {404, "{\"kind\": \"Status\", \"code\": 404, \"status\": \"Failure\", \"reason\": \"NotFound\"}"},
    };
    kube_script_play(f, answers, 7);
    struct {
        const char *args[4];
        int exit_code;
        const char *out, *err;
    } cases[] = {
        {{"create", "--name", "demo"}, 0, "created demo 8c1e-uid\n", ""},
        {{"create", "--name", "demo"}, 1, "",
         "error: kubernetes API error 409 AlreadyExists: sandboxes.agents.x-k8s.io \"demo\" already exists\n"},
        {{"delete", "x"}, 0, "deleted x\n", ""},
        {{"delete", "x"}, 0, "not found x\n", ""},
        {{"delete", "x"}, 1, "", "error: kubernetes API error 403 Forbidden: denied\n"},
        {{"pod-ip", "p"}, 0, "10.42.0.7\n", ""},
        {{"pod-ip", "p"}, 0, "none\n", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *argv[10] = {TEST_SANDBOX_DRIVER};
        int n = 1;
        for (int k = 0; k < 4 && cases[i].args[k]; k++)
            argv[n++] = (char *)cases[i].args[k];
        argv[n++] = "--kubeconfig";
        argv[n++] = f->kubeconfig;
        argv[n] = NULL;
        test_run_result r;
        test_run(argv, NULL, &r);
        if (r.exit_code != cases[i].exit_code || strcmp(r.out, cases[i].out) || strcmp(r.err, cases[i].err))
            fail_msg("case %zu: exit %d out [%s] err [%s]", i, r.exit_code, r.out, r.err);
        test_run_result_free(&r);
    }
}

static void cli_timeout_from_environment(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{200, "{}"}, {200, "{}"}};
    kube_script_play(f, answers, 2);
    mock_http_fault stall = MOCK_HTTP_FAULT_INIT;
    stall.delay_ms = 5000;
    mock_http_fault_add(f->server, &stall);
    char *env[] = {"OPENSHELL_KUBE_API_TIMEOUT_MS=200", NULL};
    char *create[] = {TEST_SANDBOX_DRIVER, "create", "--name", "t", "--kubeconfig", f->kubeconfig, NULL};
    char *delete[] = {TEST_SANDBOX_DRIVER, "delete", "t", "--kubeconfig", f->kubeconfig, NULL};
    char **commands[] = {create, delete};
    for (int i = 0; i < 2; i++) {
        test_run_result r;
        test_run(commands[i], env, &r);
        assert_int_equal(r.exit_code, 1);
        assert_string_equal(r.err, "error: kubernetes API error 504 Timeout: timed out after 1s waiting for Kubernetes API\n");
        test_run_result_free(&r);
    }
    mock_http_fault_clear(f->server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_posts_the_object_with_token, setup, teardown),
        cmocka_unit_test_setup_teardown(delete_and_pod_ip_outcomes, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_keep_code_reason_message, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_answers_are_named, setup, teardown),
        cmocka_unit_test_setup_teardown(stalled_api_times_out_with_504, setup, teardown),
        cmocka_unit_test(unreachable_server_is_not_an_api_error),
        cmocka_unit_test_setup_teardown(watch_lists_resumes_and_relists, setup, teardown),
        cmocka_unit_test_setup_teardown(watch_resumes_after_a_broken_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(watch_malformed_list_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(watch_gives_up_after_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(watch_list_failure_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(cli_watch_prints_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(cli_outputs_and_exit_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(cli_timeout_from_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(cli_unreachable_server_exits_1, setup, teardown),
        cmocka_unit_test_setup_teardown(cli_exec_plugin_token_is_sent, setup, teardown),
    };
    return cmocka_run_group_tests_name("sandbox.http", tests, NULL, NULL);
}
