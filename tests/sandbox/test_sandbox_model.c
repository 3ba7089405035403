/* test_sandbox_model.c: pure helpers of the client: the phase table and id extraction of
 * rules §10.7, the GPU message, error mapping of §10.1, the timeout bound and message of
 * §10.6, pod IP parsing, UUIDv4 format and the resource paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_client.h"
#include "osh_str.h"
#include "sandbox_client.h"
#include "sandbox_uuid.h"
#include "sandbox_watch.h"

static sandbox_phase phase_of(const char *json)
{
    cJSON *obj = cJSON_Parse(json);
    assert_non_null(obj);
    sandbox_phase phase = sandbox_derive_phase(obj);
    cJSON_Delete(obj);
    return phase;
}

#define READY(status, reason)                                                                      \
    "{\"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"" status "\", \"reason\": \"" reason "\"}]}}"

static void phase_table(void **state)
{
    assert_int_equal(phase_of("{\"metadata\": {\"deletionTimestamp\": \"2026-01-01T00:00:00Z\"}, " "\"status\": {}}"),
                     SANDBOX_PHASE_DELETING);
    assert_int_equal(phase_of("{\"metadata\": {\"deletionTimestamp\": \"x\"}, \"status\": {\"conditions\":"
                              " [{\"type\": \"Ready\", \"status\": \"True\"}]}}"),
                     SANDBOX_PHASE_DELETING);
    assert_int_equal(phase_of("{\"metadata\": {\"name\": \"a\"}}"), SANDBOX_PHASE_UNKNOWN);
    assert_int_equal(phase_of("{\"status\": null}"), SANDBOX_PHASE_UNKNOWN);
    assert_int_equal(phase_of(READY("True", "")), SANDBOX_PHASE_READY);
    assert_int_equal(phase_of(READY("true", "")), SANDBOX_PHASE_READY);
    assert_int_equal(phase_of(READY("False", "ReconcilerError")), SANDBOX_PHASE_PROVISIONING);
    assert_int_equal(phase_of(READY("false", "dependenciesnotready")), SANDBOX_PHASE_PROVISIONING);
    assert_int_equal(phase_of(READY("False", "Unschedulable")), SANDBOX_PHASE_ERROR);
    assert_int_equal(phase_of(READY("False", "")), SANDBOX_PHASE_ERROR);
    assert_int_equal(phase_of(READY("Unknown", "")), SANDBOX_PHASE_PROVISIONING);
    assert_int_equal(phase_of("{\"status\": {}}"), SANDBOX_PHASE_PROVISIONING);
    assert_int_equal(phase_of("{\"status\": {\"conditions\": [{\"type\": \"Other\", \"status\": \"False\"}]}}"),
                     SANDBOX_PHASE_PROVISIONING);
    /* the first Ready condition wins */
    assert_int_equal(phase_of("{\"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"True\"},"
                              " {\"type\": \"Ready\", \"status\": \"False\"}]}}"),
                     SANDBOX_PHASE_READY);
    assert_string_equal(sandbox_phase_name(SANDBOX_PHASE_UNKNOWN), "Unknown");
    assert_string_equal(sandbox_phase_name(SANDBOX_PHASE_PROVISIONING), "Provisioning");
    assert_string_equal(sandbox_phase_name(SANDBOX_PHASE_READY), "Ready");
    assert_string_equal(sandbox_phase_name(SANDBOX_PHASE_ERROR), "Error");
    assert_string_equal(sandbox_phase_name(SANDBOX_PHASE_DELETING), "Deleting");
}

static char *id_of(const char *json)
{
    cJSON *obj = cJSON_Parse(json);
    assert_non_null(obj);
    char *id = sandbox_object_id(obj);
    cJSON_Delete(obj);
    return id;
}

static void id_extraction(void **state)
{
    char *id = id_of("{\"metadata\": {\"name\": \"sandbox-x\", \"labels\": {\"openshell.ai/sandbox-id\": \"i1\"}}}");
    assert_string_equal(id, "i1");
    free(id);
    id = id_of("{\"metadata\": {\"name\": \"sandbox-abc\"}}");
    assert_string_equal(id, "abc");
    free(id);
    id = id_of("{\"metadata\": {\"name\": \"sandbox-abc\", \"labels\": {\"other\": \"y\"}}}");
    assert_string_equal(id, "abc");
    free(id);
    assert_null(id_of("{\"metadata\": {\"name\": \"demo\"}}"));
    assert_null(id_of("{\"metadata\": {\"name\": \"my-sandbox-abc\"}}"));
    assert_null(id_of("{}"));
}

static char *message_of(const char *json)
{
    cJSON *obj = cJSON_Parse(json);
    char *m = sandbox_user_message(obj);
    cJSON_Delete(obj);
    return m;
}

static void gpu_unschedulable_message(void **state)
{
    const char *gpu_spec = "\"spec\": {\"podTemplate\": {\"spec\": {\"containers\": [{\"name\": \"agent\", "
                           "\"resources\": {\"limits\": {\"nvidia.com/gpu\": \"1\"}}}]}}}";
    char *json = osh_str_printf( "{%s, \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"False\", "
                            "\"reason\": \"Unschedulable\", \"message\": \"0/1 nodes\"}]}}", gpu_spec);
    char *m = message_of(json);
    assert_true(strncmp(m, "GPU sandbox could not be scheduled on the active gateway", 56) == 0);
    free(m);
    free(json);
    m = message_of("{\"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"False\", "
                   "\"reason\": \"Unschedulable\", \"message\": \"0/1 nodes\"}]}}");
    assert_string_equal(m, "0/1 nodes");
    free(m);
    assert_null(message_of("{\"status\": {}}"));
}

static void error_from_status_body(void **state)
{
    k8s_error err = {0};
    k8s_error_from_response(&err, 409, "Conflict",
                             "{\"kind\": \"Status\", \"apiVersion\": \"v1\", \"status\": \"Failure\", \"message\":"
                             " \"sandboxes.agents.x-k8s.io \\\"demo\\\" already exists\", \"reason\": \"AlreadyExists\","
                             " \"code\": 409}");
    assert_int_equal(err.code, 409);
    assert_string_equal(err.reason, "AlreadyExists");
    assert_string_equal(err.status, "Failure");
    assert_string_equal(err.message, "sandboxes.agents.x-k8s.io \"demo\" already exists");
    k8s_error_from_response(&err, 403, "Forbidden", "{\"kind\": \"Status\", \"reason\": \"Forbidden\", \"message\": \"no\"}");
    assert_int_equal(err.code, 403); /* no code in the body: the HTTP status */
    k8s_error_clear(&err);
}

static void error_from_other_body(void **state)
{
    k8s_error err = {0};
    k8s_error_from_response(&err, 502, "Bad Gateway", "upstream down\n");
    assert_int_equal(err.code, 502);
    assert_string_equal(err.reason, "Bad Gateway");
    assert_string_equal(err.message, "upstream down");
    k8s_error_from_response(&err, 403, "", "{\"message\": \"not a status\"}");
    assert_int_equal(err.code, 403);
    assert_string_equal(err.reason, "Forbidden"); /* standard phrase when the line had none */
    assert_string_equal(err.message, "{\"message\": \"not a status\"}");
    k8s_error_clear(&err);
    assert_null(err.message);
}

static void timeout_bound_and_message(void **state)
{
    unsetenv("OPENSHELL_KUBE_API_TIMEOUT_MS");
    assert_int_equal(k8s_timeout_ms_from_env(), 30000);
    setenv("OPENSHELL_KUBE_API_TIMEOUT_MS", "200", 1);
    assert_int_equal(k8s_timeout_ms_from_env(), 200);
    setenv("OPENSHELL_KUBE_API_TIMEOUT_MS", "600000", 1);
    assert_int_equal(k8s_timeout_ms_from_env(), 600000);
    const char *invalid[] = {"0", "600001", "-5", "1s", "", " 200", "99999999999999999999"};
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        setenv("OPENSHELL_KUBE_API_TIMEOUT_MS", invalid[i], 1);
        assert_int_equal(k8s_timeout_ms_from_env(), 30000);
    }
    unsetenv("OPENSHELL_KUBE_API_TIMEOUT_MS");
    char *m = k8s_timeout_message(30000);
    assert_string_equal(m, "timed out after 30s waiting for Kubernetes API");
    free(m);
    m = k8s_timeout_message(200);
    assert_string_equal(m, "timed out after 1s waiting for Kubernetes API");
    free(m);
    m = k8s_timeout_message(1001);
    assert_string_equal(m, "timed out after 2s waiting for Kubernetes API");
    free(m);
}

static char *pod_ip_of(const char *json)
{
    cJSON *pod = cJSON_Parse(json);
    char *ip = sandbox_parse_pod_ip(pod);
    cJSON_Delete(pod);
    return ip;
}

static void pod_ip_parsing(void **state)
{
    char *ip = pod_ip_of("{\"status\": {\"podIP\": \"10.42.0.7\"}}");
    assert_string_equal(ip, "10.42.0.7");
    free(ip);
    ip = pod_ip_of("{\"status\": {\"podIP\": \"FD00:0:0::7\"}}");
    assert_string_equal(ip, "fd00::7");
    free(ip);
    ip = pod_ip_of("{\"status\": {\"podIP\": \"::FFFF:0102:0304\"}}");
    assert_string_equal(ip, "::ffff:1.2.3.4"); /* printed as Rust's IpAddr prints it */
    free(ip);
    assert_null(pod_ip_of("{\"status\": {\"podIP\": \"garbage\"}}"));
    assert_null(pod_ip_of("{\"status\": {\"podIP\": \"010.42.0.7\"}}")); /* leading zeros: refused like Rust */
    assert_null(pod_ip_of("{\"status\": {\"podIP\": \"fe80::1%eth0\"}}"));
    assert_null(pod_ip_of("{\"status\": {\"podIP\": \" 10.42.0.7\"}}"));
    assert_null(pod_ip_of("{\"status\": {\"podIP\": \"\"}}"));
    assert_null(pod_ip_of("{\"status\": {\"podIP\": \"10.42.0.256\"}}"));
    assert_null(pod_ip_of("{\"status\": {\"podIP\": \"10.42.0\"}}"));
    assert_null(pod_ip_of("{\"status\": {\"podIP\": 7}}"));
    assert_null(pod_ip_of("{\"status\": {}}"));
    assert_null(pod_ip_of("{}"));
}

static bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

static void uuid_v4_format(void **state)
{
    char a[SANDBOX_UUID_LEN + 1], b[SANDBOX_UUID_LEN + 1];
    assert_int_equal(sandbox_uuid_v4(a), 0);
    assert_int_equal(sandbox_uuid_v4(b), 0);
    assert_int_equal(strlen(a), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(a[i], '-');
        else
            assert_true(is_hex(a[i]));
    }
    assert_int_equal(a[14], '4');
    assert_non_null(strchr("89ab", a[19]));
    assert_string_not_equal(a, b);
}

static void resource_paths(void **state)
{
    char *p = sandbox_resource_path("openshell", NULL);
    assert_string_equal(p, "/apis/agents.x-k8s.io/v1alpha1/namespaces/openshell/sandboxes");
    free(p);
    p = sandbox_resource_path("ns", "demo");
    assert_string_equal(p, "/apis/agents.x-k8s.io/v1alpha1/namespaces/ns/sandboxes/demo");
    free(p);
    p = sandbox_resource_path("ns", "a/b c");
    assert_string_equal(p, "/apis/agents.x-k8s.io/v1alpha1/namespaces/ns/sandboxes/a%2Fb%20c");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phase_table),
        cmocka_unit_test(id_extraction),
        cmocka_unit_test(gpu_unschedulable_message),
        cmocka_unit_test(error_from_status_body),
        cmocka_unit_test(error_from_other_body),
        cmocka_unit_test(timeout_bound_and_message),
        cmocka_unit_test(pod_ip_parsing),
        cmocka_unit_test(uuid_v4_format),
        cmocka_unit_test(resource_paths),
    };
    return cmocka_run_group_tests_name("sandbox.model", tests, NULL, NULL);
}
