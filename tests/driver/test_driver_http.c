/* test_driver_http.c: `openshell driver ...` against a scripted server (the shared mock_http
 * front with canned answers chosen per test): the probe order, the requests of create,
 * lookup, delete (preconditions), stop/start (merge patch, the polls), the error mapping,
 * timeouts, the watch's resume/restart sequence, and that bad input sends nothing. The
 * stateful cluster (controller, races) is judged by the conformance DRV- scenarios. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "kube_script.h"
#include "mock_http.h"
#include "osh_str.h"
#include "sandbox_test_util.h"

#define OPENSHELL OSH_BIN_DIR "/openshell"
#define BASE "/apis/agents.x-k8s.io"
#define NS_STATUS_404                                                                                        \
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"the server could not " \
    "find the requested resource\",\"reason\":\"NotFound\",\"code\":404}"
#define EMPTY_LIST "{\"kind\":\"SandboxList\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":[]}"

typedef kube_canned canned;
typedef kube_script fixture;

static int setup(void **state)
{
    *state = kube_script_start("/tmp/osh-drv-http", "tok");
    return 0;
}

static int teardown(void **state)
{
    kube_script_free(*state);
    return 0;
}


/* Run `openshell driver ARGS... --kubeconfig K` with env entries. */
static void run(fixture *f, const char *const *args, const char *const *env, test_run_result *r)
{
    const char *argv[40] = {OPENSHELL, "driver"};
    size_t n = 2;
    for (; *args; args++)
        argv[n++] = *args;
    argv[n++] = "--kubeconfig";
    argv[n++] = f->kubeconfig;
    argv[n] = NULL;
    const char *base_env[12] = {"OPENSHELL_POLL_INTERVAL_MS=0", "OPENSHELL_KUBE_API_TIMEOUT_MS",
                                "OPENSHELL_SANDBOX_STOP_TIMEOUT_MS", "http_proxy=http://127.0.0.1:1"};
    size_t e = 4;
    for (; env && *env; env++)
        base_env[e++] = *env;
    base_env[e] = NULL;
    test_run((char *const *)argv, (char *const *)base_env, r);
}

static const cJSON *seen(fixture *f, int i)
{
    const cJSON *entry = cJSON_GetArrayItem(f->seen, i);
    if (!entry)
        fail_msg("request %d was not sent (%d seen)", i, cJSON_GetArraySize(f->seen));
    return entry;
}

static const char *seen_field(fixture *f, int i, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(seen(f, i), key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void expect_request(fixture *f, int i, const char *method, const char *path, const char *query_part)
{
    assert_string_equal(seen_field(f, i, "method"), method);
    assert_string_equal(seen_field(f, i, "path"), path);
    if (query_part && !strstr(seen_field(f, i, "query"), query_part))
        fail_msg("request %d query '%s' lacks '%s'", i, seen_field(f, i, "query"), query_part);
}

static void expect_result(const test_run_result *r, int exit_code, const char *out, const char *err_part)
{
    if (r->exit_code != exit_code || (out && strcmp(r->out, out) != 0) || (err_part && !strstr(r->err, err_part)))
        fail_msg("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout '%s', stderr containing '%s'", r->exit_code,
                 exit_code, r->out, r->err, out ? out : "(any)", err_part ? err_part : "(any)");
}

/* ---------------- probe (§13.2) ---------------- */

static void probe_selects_v1beta1_with_one_request(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{200, EMPTY_LIST}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"probe", NULL}, NULL, &r);
    expect_result(&r, 0, "v1beta1\n", NULL);
    assert_int_equal(cJSON_GetArraySize(f->seen), 1);
    expect_request(f, 0, "GET", BASE "/v1beta1/namespaces/openshell/sandboxes", "limit=1");
    test_run_result_free(&r);
}

static void probe_falls_back_to_v1alpha1_on_either_404(void **state)
{
    fixture *f = *state;
    static const canned status_404[] = {{404, NS_STATUS_404}, {200, EMPTY_LIST}};
    static const canned plain_404[] = {{404, "404 page not found\n", false, "text/plain"}, {200, EMPTY_LIST}};
    const canned *tables[] = {status_404, plain_404};
    for (int t = 0; t < 2; t++) {
        cJSON_Delete(f->seen);
        f->seen = cJSON_CreateArray();
        kube_script_play(f, tables[t], 2);
        test_run_result r;
        run(f, (const char *[]){"probe", "--namespace", "team", NULL}, NULL, &r);
        expect_result(&r, 0, "v1alpha1\n", NULL);
        expect_request(f, 0, "GET", BASE "/v1beta1/namespaces/team/sandboxes", "limit=1");
        expect_request(f, 1, "GET", BASE "/v1alpha1/namespaces/team/sandboxes", "limit=1");
        test_run_result_free(&r);
    }
}

static void probe_with_neither_version_fails(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{404, "404 page not found\n", false, "text/plain"},
                                     {404, "404 page not found\n", false, "text/plain"}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"create", "--name", "demo", NULL}, NULL, &r);
    expect_result(&r, 1, "", "no supported Agent Sandbox API version is available; tried v1beta1, v1alpha1");
    assert_int_equal(cJSON_GetArraySize(f->seen), 2); /* no POST */
    test_run_result_free(&r);
}

static void probe_403_stops_at_once(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {403, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"sandboxes.agents.x-k8s.io is forbidden: "
              "User \\\"x\\\" cannot list\",\"reason\":\"Forbidden\",\"code\":403}"}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"create", "--name", "demo", NULL}, NULL, &r);
    expect_result(&r, 1, "", "kubernetes API error 403 Forbidden: sandboxes.agents.x-k8s.io is forbidden");
    assert_int_equal(cJSON_GetArraySize(f->seen), 1); /* v1alpha1 never probed */
    test_run_result_free(&r);
}

static void fixed_api_version_skips_the_probe(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{200, "{\"items\":[]}"}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"list", "--api-version", "v1alpha1", NULL}, NULL, &r);
    expect_result(&r, 0, "", NULL);
    assert_int_equal(cJSON_GetArraySize(f->seen), 1);
    expect_request(f, 0, "GET", BASE "/v1alpha1/namespaces/openshell/sandboxes",
                   "labelSelector=openshell.ai%2Fmanaged-by%3Dopenshell%2Copenshell.ai%2Fsandbox-id%2Copenshell.ai%2Fgateway-id%3Dopenshell");
    test_run_result_free(&r);
}

/* ---------------- create (§13.3) ---------------- */

static void create_sends_the_golden_body(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {200, EMPTY_LIST},
        {200, "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"openshell\",\"annotations\":{\"unrelated\":\"x\"}}}"},
        {201, "{\"metadata\":{\"name\":\"default--demo\",\"uid\":\"uid-1\"}}"}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f,
        (const char *[]){"create", "--name", "demo", "--id", "8f14e45f-ceea-467f-a0e6-5b7c9a1d2e3f",
                         "--default-image", "ghcr.io/nvidia/openshell/sandbox:latest", "--image-pull-policy",
                         "IfNotPresent", "--grpc-endpoint", "https://openshell.openshell.svc.cluster.local:8080",
                         "--client-tls-secret", "openshell-client-tls", NULL},
        NULL, &r);
    expect_result(&r, 0, "created default--demo uid-1 v1beta1\n", NULL);
    expect_request(f, 1, "GET", "/api/v1/namespaces/openshell", NULL);
    expect_request(f, 2, "POST", BASE "/v1beta1/namespaces/openshell/sandboxes", NULL);
    assert_string_equal(seen_field(f, 2, "content_type"), "application/json");
    cJSON *body = cJSON_Parse(seen_field(f, 2, "body"));
    cJSON *golden = test_load_json(OSH_FIXTURES_DIR "/golden/driver/minimal.json");
    assert_true(test_json_equal("create body", golden, body));
    cJSON_Delete(golden);
    cJSON_Delete(body);
    test_run_result_free(&r);
}

static void create_conflict_and_unreadable_namespace(void **state)
{
    fixture *f = *state;
    /* the namespace GET failing falls back to UID/GID 1000; a 409 is "sandbox already exists" */
    static const canned answers[] = {
        {200, EMPTY_LIST},
        {403, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"no\",\"reason\":\"Forbidden\",\"code\":403}"},
        {409, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"sandboxes.agents.x-k8s.io \\\"default--demo\\\" "
              "already exists\",\"reason\":\"AlreadyExists\",\"code\":409}"}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"create", "--name", "demo", NULL}, NULL, &r);
    expect_result(&r, 1, "", "kubernetes API error 409 AlreadyExists: sandbox already exists");
    assert_non_null(strstr(seen_field(f, 2, "body"), "{\"name\":\"OPENSHELL_SANDBOX_UID\",\"value\":\"1000\"}"));
    test_run_result_free(&r);
}

static void create_with_uid_reads_no_namespace(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{200, EMPTY_LIST}, {201, "{\"metadata\":{\"name\":\"default--demo\"}}"}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"create", "--name", "demo", "--sandbox-uid", "4242", NULL}, NULL, &r);
    expect_result(&r, 0, "created default--demo unknown v1beta1\n", NULL);
    assert_int_equal(cJSON_GetArraySize(f->seen), 2);
    expect_request(f, 1, "POST", BASE "/v1beta1/namespaces/openshell/sandboxes", NULL);
    test_run_result_free(&r);
}

/* Every refusal happens before any request (§13.3 step 1): exit 2 and an empty journal. */
static void bad_input_sends_nothing(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{200, EMPTY_LIST}};
    KUBE_SCRIPT_PLAY(f, answers);
    char *spec_bad = osh_str_printf("%s/bad.json", f->dir);
    char *spec_gpu0 = osh_str_printf("%s/gpu0.json", f->dir);
    char *spec_mount = osh_str_printf("%s/mount.json", f->dir);
    char *spec_text = osh_str_printf("%s/text.json", f->dir);
    test_write_file(spec_bad, "{\"template\": {\"labels\": {\"team\": 5}}}");
    test_write_file(spec_gpu0, "{\"gpu_count\": 0}");
    test_write_file(spec_mount, "{\"mounts\": [{\"claim\": \"c\", \"path\": \"/sandbox\"}]}");
    test_write_file(spec_text, "not json");
    char *long_name = osh_str_printf("%055d", 0);
    const struct {
        const char *args[8];
        const char *phrase;
    } cases[] = {
        {{"create", "--name", "Demo"}, "sandbox name must be a DNS-1123 label"},
        {{"create", "--name", long_name},
         "combined Kubernetes resource name 'default--0000000000000000000000000000000000000000000000000000000' is 64 "
         "characters, exceeding the DNS-1123 limit of 63"},
        {{"create", "--name", "demo", "--spec", spec_gpu0}, "gpu count must be greater than 0"},
        {{"create", "--name", "demo", "--spec", spec_bad}, "spec.template.labels.team: expected string"},
        {{"create", "--name", "demo", "--spec", spec_text}, "not valid JSON"},
        {{"create", "--name", "demo", "--spec", spec_mount}, "is reserved for the OpenShell workspace"},
        {{"create", "--name", "demo", "--spec", "/nonexistent/spec.json"}, "cannot read"},
        {{"create"}, "--name is required"},
        {{"create", "--name", "demo", "--sandbox-uid", "-1"}, "--sandbox-uid must be an integer"},
        {{"probe", "--api-version", "v2"}, "--api-version must be auto, v1beta1 or v1alpha1"},
        {{"list", "--workspace", "Team"}, "--workspace must be a DNS-1123 label"},
        {{"get"}, "--id is required"},
        {{"delete", "--id", "a,b"}, "--id must be a label value"},
        {{"watch", "--max-events", "0"}, "--max-events must be a positive integer"},
        {{"stop", "--id", "x", "--bogus"}, "unknown flag '--bogus'"},
        {{"frobnicate"}, "unknown command 'driver frobnicate'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        test_run_result r;
        run(f, cases[i].args, NULL, &r);
        expect_result(&r, 2, "", cases[i].phrase);
        test_run_result_free(&r);
    }
    assert_int_equal(cJSON_GetArraySize(f->seen), 0);
    free(long_name);
    unlink(spec_bad);
    unlink(spec_gpu0);
    unlink(spec_mount);
    unlink(spec_text);
    free(spec_bad);
    free(spec_gpu0);
    free(spec_mount);
    free(spec_text);
}

static void help_at_every_level(void **state)
{
    fixture *f = *state;
    const char *commands[] = {"probe", "create", "get", "list", "delete", "stop", "start", "watch"};
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        test_run_result r;
        run(f, (const char *[]){commands[i], "--help", NULL}, NULL, &r);
        char *want = osh_str_printf("usage: openshell driver %s", commands[i]);
        expect_result(&r, 0, NULL, NULL);
        assert_non_null(strstr(r.out, want));
        free(want);
        test_run_result_free(&r);
    }
    /* docs/driver.md shows each command's first usage line as --help prints it */
    char *doc = test_read_file(OSH_SOURCE_DIR "/docs/driver.md");
    assert_non_null(doc);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        test_run_result h;
        run(f, (const char *[]){commands[i], "--help", NULL}, NULL, &h);
        char *line = osh_str_ndup(h.out + strlen("usage: "), strcspn(h.out + strlen("usage: "), "\n"));
        if (!strstr(doc, line))
            fail_msg("docs/driver.md lacks the usage line '%s'", line);
        free(line);
        test_run_result_free(&h);
    }
    free(doc);
    test_run_result r;
    run(f, (const char *[]){"--help", NULL}, NULL, &r);
    expect_result(&r, 0, NULL, NULL);
    assert_non_null(strstr(r.out, "probe|create|get|list|delete|stop|start|watch"));
    test_run_result_free(&r);
    assert_int_equal(cJSON_GetArraySize(f->seen), 0);
}

/* ---------------- lookup, delete (§13.4, §13.5) ---------------- */

#define ITEM(NAME, ID, RV, STATUS)                                                                              \
    "{\"metadata\":{\"name\":\"" NAME "\",\"namespace\":\"openshell\",\"uid\":\"u-" NAME "\",\"resourceVersion\":\"" RV \
    "\",\"labels\":{\"openshell.ai/managed-by\":\"openshell\",\"openshell.ai/sandbox-id\":\"" ID "\","            \
    "\"openshell.ai/gateway-id\":\"openshell\"},\"annotations\":{\"openshell.ai/sandbox-id\":\"" ID "\","         \
    "\"openshell.ai/sandbox-name\":\"" NAME "\",\"openshell.ai/sandbox-workspace\":\"default\"}}" STATUS "}"
#define LIST1(ITEM_) "{\"metadata\":{\"resourceVersion\":\"9\"},\"items\":[" ITEM_ "]}"

static void delete_sends_preconditions_and_maps_404_409(void **state)
{
    fixture *f = *state;
    const int statuses[] = {200, 409, 404, 403};
    const char *outputs[] = {"deleted default--a\n", "not found id-a\n", "not found id-a\n", ""};
    for (int i = 0; i < 4; i++) {
        cJSON_Delete(f->seen);
        f->seen = cJSON_CreateArray();
        canned answers[] = {{200, EMPTY_LIST},
                            {200, LIST1(ITEM("default--a", "id-a", "41", ""))},
                            {statuses[i], "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"m\",\"reason\":\"R\","
                                          "\"code\":0}"}};
        kube_script_play(f, answers, 3);
        test_run_result r;
        run(f, (const char *[]){"delete", "--id", "id-a", NULL}, NULL, &r);
        expect_result(&r, statuses[i] == 403 ? 1 : 0, outputs[i], statuses[i] == 403 ? "kubernetes API error 403" : NULL);
        expect_request(f, 1, "GET", BASE "/v1beta1/namespaces/openshell/sandboxes",
                       "labelSelector=openshell.ai%2Fmanaged-by%3Dopenshell%2Copenshell.ai%2Fsandbox-id%3Did-a%2C"
                       "openshell.ai%2Fgateway-id%3Dopenshell");
        expect_request(f, 2, "DELETE", BASE "/v1beta1/namespaces/openshell/sandboxes/default--a", NULL);
        cJSON *body = cJSON_Parse(seen_field(f, 2, "body"));
        cJSON *want = cJSON_Parse("{\"preconditions\":{\"uid\":\"u-default--a\",\"resourceVersion\":\"41\"}}");
        assert_true(test_json_equal("delete body", want, body));
        cJSON_Delete(want);
        cJSON_Delete(body);
        test_run_result_free(&r);
    }
}

static void delete_of_nothing_sends_no_delete(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{200, EMPTY_LIST}, {200, EMPTY_LIST}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"delete", "--id", "gone", "--gateway-id", "gw-2", NULL}, NULL, &r);
    expect_result(&r, 0, "not found gone\n", NULL);
    assert_int_equal(cJSON_GetArraySize(f->seen), 2);
    assert_non_null(strstr(seen_field(f, 1, "query"), "openshell.ai%2Fgateway-id%3Dgw-2"));
    test_run_result_free(&r);
}

/* ---------------- get, list (§13.7) ---------------- */

#define STATUS_READY ",\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"DependenciesReady\"}]}"
#define STATUS_SUSP                                                                                       \
    ",\"status\":{\"conditions\":[{\"type\":\"Suspended\",\"status\":\"True\",\"reason\":\"x\"},"          \
    "{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"SandboxSuspended\"}]}"

static void get_and_list_lines(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {200, EMPTY_LIST},
        {200, LIST1(ITEM("default--a", "id-a", "1", STATUS_READY))},
        {200, EMPTY_LIST},
        {200, EMPTY_LIST},
        {200, EMPTY_LIST},
        {200, "{\"items\":[" ITEM("default--c", "id-c", "1", STATUS_SUSP) "," ITEM("default--b", "id-b", "2", "") ","
              "{\"metadata\":{\"name\":\"foreign\",\"labels\":{\"openshell.ai/sandbox-id\":\"f\"}}}]}"}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"get", "--id", "id-a", NULL}, NULL, &r);
    expect_result(&r, 0, "id-a default--a Ready DependenciesReady\n", NULL);
    test_run_result_free(&r);
    run(f, (const char *[]){"get", "--id", "id-x", NULL}, NULL, &r);
    expect_result(&r, 1, "", "error: sandbox not found");
    test_run_result_free(&r);
    run(f, (const char *[]){"list", NULL}, NULL, &r);
    expect_result(&r, 0, "id-b default--b Unknown -\nid-c default--c Stopped SandboxSuspended\n", "skipping");
    test_run_result_free(&r);
}

static void list_follows_continue_tokens(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {200, "{\"metadata\":{\"resourceVersion\":\"9\",\"continue\":\"tok/1\"},\"items\":[" ITEM("default--b", "id-b", "1", "") "]}"},
        {200, "{\"metadata\":{\"resourceVersion\":\"9\"},\"items\":[" ITEM("default--a", "id-a", "2", "") "]}"}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"list", "--api-version", "v1beta1", NULL}, NULL, &r);
    expect_result(&r, 0, "id-a default--a Unknown -\nid-b default--b Unknown -\n", NULL);
    assert_non_null(strstr(seen_field(f, 1, "query"), "continue=tok%2F1"));
    assert_null(strstr(seen_field(f, 0, "query"), "limit="));
    test_run_result_free(&r);
}

/* ---------------- stop, start (§13.6) ---------------- */

static void stop_v1beta1_patches_then_polls_until_suspended(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {200, EMPTY_LIST},
        {200, LIST1(ITEM("default--a", "id-a", "41", STATUS_READY))},
        {200, "{}"},
        {200, ITEM("default--a", "id-a", "42", STATUS_READY)},
        {200, ITEM("default--a", "id-a", "43", ",\"status\":{\"conditions\":[{\"type\":\"Suspended\",\"status\":\"False\",\"reason\":\"PodTerminating\"}]}")},
        {200, ITEM("default--a", "id-a", "44", STATUS_SUSP)}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"stop", "--id", "id-a", NULL}, NULL, &r);
    expect_result(&r, 0, "stopped default--a\n", NULL);
    expect_request(f, 2, "PATCH", BASE "/v1beta1/namespaces/openshell/sandboxes/default--a", NULL);
    assert_string_equal(seen_field(f, 2, "content_type"), "application/merge-patch+json");
    cJSON *body = cJSON_Parse(seen_field(f, 2, "body"));
    cJSON *want = cJSON_Parse("{\"metadata\":{\"resourceVersion\":\"41\"},\"spec\":{\"operatingMode\":\"Suspended\"}}");
    assert_true(test_json_equal("stop patch", want, body));
    cJSON_Delete(want);
    cJSON_Delete(body);
    for (int i = 3; i < 6; i++)
        expect_request(f, i, "GET", BASE "/v1beta1/namespaces/openshell/sandboxes/default--a", NULL);
    assert_int_equal(cJSON_GetArraySize(f->seen), 6);
    test_run_result_free(&r);
}

static void stop_v1alpha1_ends_on_the_pods_404(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {200, LIST1(ITEM("default--a", "id-a", "41", ""))},
        {200, "{}"},
        {200, ITEM("default--a", "id-a", "42", STATUS_READY)},
        {200, "{\"kind\":\"Pod\"}"},
        {200, ITEM("default--a", "id-a", "43", STATUS_READY)},
        {404, NS_STATUS_404}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"stop", "--id", "id-a", "--api-version", "v1alpha1", NULL}, NULL, &r);
    expect_result(&r, 0, "stopped default--a\n", NULL);
    cJSON *body = cJSON_Parse(seen_field(f, 1, "body"));
    cJSON *want = cJSON_Parse("{\"metadata\":{\"resourceVersion\":\"41\"},\"spec\":{\"replicas\":0}}");
    assert_true(test_json_equal("stop patch", want, body));
    cJSON_Delete(want);
    cJSON_Delete(body);
    expect_request(f, 3, "GET", "/api/v1/namespaces/openshell/pods/default--a", NULL);
    expect_request(f, 5, "GET", "/api/v1/namespaces/openshell/pods/default--a", NULL);
    test_run_result_free(&r);
}

static void stop_refusals_conflicts_and_deadline(void **state)
{
    fixture *f = *state;
    static const canned not_owned[] = {
        {200, LIST1(ITEM("default--a", "id-a", "41", ""))},
        {200, "{}"},
        {200, ITEM("default--a", "id-a", "42", ",\"status\":{\"conditions\":[{\"type\":\"Suspended\",\"status\":\"False\","
                  "\"reason\":\"PodNotOwned\",\"message\":\"pod default--a is not owned\"}]}")}};
    KUBE_SCRIPT_PLAY(f, not_owned);
    test_run_result r;
    run(f, (const char *[]){"stop", "--id", "id-a", "--api-version", "v1beta1", NULL}, NULL, &r);
    expect_result(&r, 1, "", "error: Kubernetes sandbox stop rejected: pod default--a is not owned");
    test_run_result_free(&r);

    static const canned conflict[] = {
        {200, LIST1(ITEM("default--a", "id-a", "41", ""))},
        {409, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"Operation cannot be fulfilled on "
              "sandboxes.agents.x-k8s.io \\\"default--a\\\": the object has been modified; please apply your changes "
              "to the latest version and try again\",\"reason\":\"Conflict\",\"code\":409}"}};
    KUBE_SCRIPT_PLAY(f, conflict);
    run(f, (const char *[]){"start", "--id", "id-a", "--api-version", "v1beta1", NULL}, NULL, &r);
    expect_result(&r, 1, "", "409 Conflict: sandbox already exists");
    test_run_result_free(&r);

    static const canned never[] = {{200, LIST1(ITEM("default--a", "id-a", "41", ""))},
                                   {200, "{}"},
                                   {200, ITEM("default--a", "id-a", "42", STATUS_READY)}};
    KUBE_SCRIPT_PLAY(f, never);
    f->repeat_last = true;
    run(f, (const char *[]){"stop", "--id", "id-a", "--api-version", "v1beta1", NULL},
        (const char *[]){"OPENSHELL_SANDBOX_STOP_TIMEOUT_MS=300", "OPENSHELL_POLL_INTERVAL_MS=20", NULL}, &r);
    f->repeat_last = false;
    expect_result(&r, 1, "", "error: timed out after 1s waiting for Kubernetes sandbox to stop");
    assert_true(cJSON_GetArraySize(f->seen) >= 4);
    test_run_result_free(&r);
}

static void start_patches_running_and_does_not_wait(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{200, LIST1(ITEM("default--a", "id-a", "41", STATUS_SUSP))}, {200, "{}"}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"start", "--id", "id-a", "--api-version", "v1beta1", NULL}, NULL, &r);
    expect_result(&r, 0, "started default--a\n", NULL);
    assert_int_equal(cJSON_GetArraySize(f->seen), 2);
    assert_non_null(strstr(seen_field(f, 1, "body"), "\"operatingMode\":\"Running\""));
    test_run_result_free(&r);
    static const canned missing[] = {{200, EMPTY_LIST}};
    KUBE_SCRIPT_PLAY(f, missing);
    run(f, (const char *[]){"start", "--id", "nope", "--api-version", "v1beta1", NULL}, NULL, &r);
    expect_result(&r, 1, "", "error: sandbox not found");
    test_run_result_free(&r);
}

/* ---------------- errors and timeouts ---------------- */

static void non_status_bodies_timeouts_and_no_server(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {{500, "boom\n", false, "text/plain"}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"probe", NULL}, NULL, &r);
    expect_result(&r, 1, "", "error: kubernetes API error 500 Internal Server Error: boom");
    test_run_result_free(&r);

    static const canned ok[] = {{200, EMPTY_LIST}};
    KUBE_SCRIPT_PLAY(f, ok);
    mock_http_fault stall = MOCK_HTTP_FAULT_INIT;
    stall.delay_ms = 5000;
    mock_http_fault_add(f->server, &stall);
    run(f, (const char *[]){"probe", NULL}, (const char *[]){"OPENSHELL_KUBE_API_TIMEOUT_MS=200", NULL}, &r);
    expect_result(&r, 1, "", "error: kubernetes API error 504 Timeout: timed out after 1s waiting for Kubernetes API");
    test_run_result_free(&r);
    mock_http_fault_clear(f->server);

    char *dead = osh_str_printf("%s/dead", f->dir);
    test_write_file(dead, "apiVersion: v1\nkind: Config\ncurrent-context: t\n"
                          "contexts: [{name: t, context: {cluster: c, user: u}}]\n"
                          "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\nusers: [{name: u, user: {}}]\n");
    const char *argv[] = {OPENSHELL, "driver", "probe", "--kubeconfig", dead, NULL};
    test_run((char *const *)argv, NULL, &r);
    expect_result(&r, 1, "", "error: cannot reach the Kubernetes API at http://127.0.0.1:1");
    test_run_result_free(&r);
    unlink(dead);
    free(dead);
}

/* ---------------- watch (§13.7) ---------------- */

static void watch_resumes_on_end_and_restarts_on_410(void **state)
{
    fixture *f = *state;
    static const canned answers[] = {
        {200, EMPTY_LIST},
        {200, "{\"metadata\":{\"resourceVersion\":\"10\"},\"items\":[" ITEM("default--a", "id-a", "9", "") "]}"},
        {200, "{\"type\":\"MODIFIED\",\"object\":" ITEM("default--a", "id-a", "11", STATUS_READY) "}\n", true},
        {200, "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"12\"}}}\n"
              "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\",\"message\":\"too old resource version: 12 (20)\"}}\n",
         true},
        {200, "{\"metadata\":{\"resourceVersion\":\"20\"},\"items\":[]}"},
        {200, "{\"type\":\"DELETED\",\"object\":" ITEM("default--a", "id-a", "21", STATUS_READY) "}\n", true}};
    KUBE_SCRIPT_PLAY(f, answers);
    test_run_result r;
    run(f, (const char *[]){"watch", "--max-events", "4", NULL}, NULL, &r);
    expect_result(&r, 0,
                  "APPLIED id-a default--a Unknown\nAPPLIED id-a default--a Ready\nRESTARTED\nDELETED id-a\n",
                  "too old resource version");
    expect_request(f, 1, "GET", BASE "/v1beta1/namespaces/openshell/sandboxes",
                   "labelSelector=openshell.ai%2Fmanaged-by%3Dopenshell%2Copenshell.ai%2Fsandbox-id");
    assert_non_null(strstr(seen_field(f, 1, "query"), "limit=500"));
    expect_request(f, 2, "GET", BASE "/v1beta1/namespaces/openshell/sandboxes", "resourceVersion=10");
    assert_non_null(strstr(seen_field(f, 2, "query"), "watch=true"));
    expect_request(f, 3, "GET", BASE "/v1beta1/namespaces/openshell/sandboxes", "resourceVersion=11");
    assert_null(strstr(seen_field(f, 4, "query"), "watch"));
    expect_request(f, 5, "GET", BASE "/v1beta1/namespaces/openshell/sandboxes", "resourceVersion=20");
    test_run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(probe_selects_v1beta1_with_one_request, setup, teardown),
        cmocka_unit_test_setup_teardown(probe_falls_back_to_v1alpha1_on_either_404, setup, teardown),
        cmocka_unit_test_setup_teardown(probe_with_neither_version_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(probe_403_stops_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(fixed_api_version_skips_the_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(create_sends_the_golden_body, setup, teardown),
        cmocka_unit_test_setup_teardown(create_conflict_and_unreadable_namespace, setup, teardown),
        cmocka_unit_test_setup_teardown(create_with_uid_reads_no_namespace, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_input_sends_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(help_at_every_level, setup, teardown),
        cmocka_unit_test_setup_teardown(delete_sends_preconditions_and_maps_404_409, setup, teardown),
        cmocka_unit_test_setup_teardown(delete_of_nothing_sends_no_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(get_and_list_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(list_follows_continue_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_v1beta1_patches_then_polls_until_suspended, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_v1alpha1_ends_on_the_pods_404, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_refusals_conflicts_and_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(start_patches_running_and_does_not_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(non_status_bodies_timeouts_and_no_server, setup, teardown),
        cmocka_unit_test_setup_teardown(watch_resumes_on_end_and_restarts_on_410, setup, teardown),
    };
    return cmocka_run_group_tests_name("driver.http", tests, NULL, NULL);
}
