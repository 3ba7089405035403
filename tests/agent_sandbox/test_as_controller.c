/* test_as_controller.c: the agent-sandbox controller in a world, over HTTP (rules §14.3):
 * the children it makes (PVC, pod, Service) and their shape, the pod's script by request
 * counts, conditions and status, suspend/resume, shutdownTime expiry with Delete and Retain,
 * owner-reference collection, and the knobs (Unschedulable, Failed, a foreign pod, two owned
 * pods, paused, a status write at request N); the Warning headers of the API on the way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "mock_world.h"
#include "osh_buf.h"
#include "osh_str.h"

typedef struct reply {
    long code;
    osh_buf body, headers;
} reply;

static size_t collect(char *p, size_t size, size_t n, void *user)
{
    osh_buf_append(user, p, size * n);
    return size * n;
}

static mock_world *world(const char *scenario_json)
{
    cJSON *scenario = cJSON_Parse(scenario_json);
    assert_non_null(scenario);
    char *error = NULL;
    mock_world_options o = {.kube_enabled = true};
    mock_world *w = mock_world_new(scenario, &o, &error);
    cJSON_Delete(scenario);
    if (!w)
        fail_msg("mock_world_new: %s", error);
    return w;
}

/* One API request; the JSON answer (NULL when none). */
static cJSON *call(mock_world *w, reply *r, const char *method, const char *path, const char *ctype, const char *body)
{
    osh_buf_reset(&r->body);
    osh_buf_reset(&r->headers);
    CURL *c = curl_easy_init();
    char *url = osh_str_printf("%s%s", mock_world_kube_url(w), path);
    struct curl_slist *h = NULL;
    char *ct = osh_str_printf("Content-Type: %s", ctype ? ctype : "application/json");
    h = curl_slist_append(h, ct);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    free(ct);
    free(url);
    return cJSON_Parse(osh_buf_str(&r->body));
}

static int get_code(mock_world *w, const char *path)
{
    reply r = {0};
    cJSON_Delete(call(w, &r, "GET", path, NULL, NULL));
    osh_buf_free(&r.body);
    osh_buf_free(&r.headers);
    return (int)r.code;
}

/* The value at a dotted path with [i] indexes and [type=X] condition lookups, as a string. */
static char *at(const cJSON *o, const char *dotted)
{
    char *copy = osh_str_dup(dotted), *save = NULL;
    const cJSON *cur = o;
    for (char *seg = strtok_r(copy, ".", &save); seg && cur; seg = strtok_r(NULL, ".", &save)) {
        char *br = strchr(seg, '[');
        if (br)
            *br = '\0';
        cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
        if (br && strncmp(br + 1, "type=", 5) == 0) {
            char want[64];
            snprintf(want, sizeof(want), "%.*s", (int)(strchr(br + 1, ']') - (br + 6)), br + 6);
            const cJSON *it, *found = NULL;
            cJSON_ArrayForEach(it, cur) if (!found && strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "type")), want) == 0)
                found = it;
            cur = found;
        } else if (br) {
            cur = cJSON_GetArrayItem(cur, atoi(br + 1));
        }
    }
    free(copy);
    if (!cur)
        return osh_str_dup("<none>");
    if (cJSON_IsString(cur))
        return osh_str_dup(cur->valuestring);
    char *t = cJSON_PrintUnformatted(cur);
    char *d = osh_str_dup(t);
    free(t);
    return d;
}

static void expect_at(const cJSON *o, const char *path, const char *want)
{
    char *got = at(o, path);
    if (strcmp(got, want) != 0)
        fail_msg("%s: expected %s, got %s", path, want, got);
    free(got);
}

#define SB "/apis/agents.x-k8s.io/v1beta1/namespaces/default/sandboxes"
#define SANDBOX(extra)                                                                                              \
    "{\"apiVersion\": \"agents.x-k8s.io/v1beta1\", \"kind\": \"Sandbox\", \"metadata\": {\"name\": \"demo\"},"     \
    " \"spec\": {" extra "\"podTemplate\": {\"metadata\": {\"labels\": {\"team\": \"ml\", \"agents.x-k8s.io/x\": \"no\"},"  \
    " \"annotations\": {\"note\": \"n\"}}, \"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"i\","        \
    " \"ports\": [{\"containerPort\": 8080, \"name\": \"http\"}]}], \"volumes\": [{\"name\": \"work\", \"emptyDir\": {}}]}},"  \
    " \"volumeClaimTemplates\": [{\"metadata\": {\"name\": \"work\", \"labels\": {\"l\": \"v\"}}, \"spec\": "        \
    "{\"accessModes\": [\"ReadWriteOnce\"], \"resources\": {\"requests\": {\"storage\": \"1Gi\"}}}}]}}"

static cJSON *get(mock_world *w, const char *path)
{
    reply r = {0};
    cJSON *o = call(w, &r, "GET", path, NULL, NULL);
    if (r.code != 200)
        fail_msg("GET %s: %ld %s", path, r.code, osh_buf_str(&r.body));
    osh_buf_free(&r.body);
    osh_buf_free(&r.headers);
    return o;
}

static void create(mock_world *w, const char *body)
{
    reply r = {0};
    cJSON_Delete(call(w, &r, "POST", SB, NULL, body));
    if (r.code != 201)
        fail_msg("create: %ld %s", r.code, osh_buf_str(&r.body));
    osh_buf_free(&r.body);
    osh_buf_free(&r.headers);
}

static void patch(mock_world *w, const char *path, const char *body)
{
    reply r = {0};
    cJSON_Delete(call(w, &r, "PATCH", path, "application/merge-patch+json", body));
    if (r.code != 200)
        fail_msg("patch: %ld %s", r.code, osh_buf_str(&r.body));
    osh_buf_free(&r.body);
    osh_buf_free(&r.headers);
}

#define POD "/api/v1/namespaces/default/pods/demo"
#define PVC "/api/v1/namespaces/default/persistentvolumeclaims/work-demo"
#define SVC "/api/v1/namespaces/default/services/demo"

static void children_script_and_status(void **state)
{
    (void)state;
    mock_world *w = world("{\"kube\": {\"agent_sandbox_controller\": {\"pod_steps_per_request\": 1}}}");
    reply r = {0};
    cJSON_Delete(call(w, &r, "POST", SB, NULL, SANDBOX("\"service\": true, \"bogus\": 1, ")));
    assert_int_equal(r.code, 201);
    assert_non_null(strstr(osh_buf_str(&r.headers), "Warning: 299 - \"unknown field \\\"spec.bogus\\\"\""));
    /* request 1 (this GET): the pod is scheduled */
    cJSON *o = get(w, PVC);
    expect_at(o, "metadata.labels", "{\"l\":\"v\",\"agents.x-k8s.io/sandbox-name-hash\":\"aefd3536\"}");
    expect_at(o, "metadata.ownerReferences[0].kind", "Sandbox");
    expect_at(o, "metadata.ownerReferences[0].apiVersion", "agents.x-k8s.io/v1beta1");
    expect_at(o, "metadata.ownerReferences[0].controller", "true");
    expect_at(o, "metadata.ownerReferences[0].blockOwnerDeletion", "true");
    expect_at(o, "spec.resources.requests.storage", "1Gi");
    cJSON_Delete(o);
    o = get(w, SB "/demo"); /* request 2: running, not ready */
    expect_at(o, "metadata.annotations", "{\"agents.x-k8s.io/pod-name\":\"demo\"}");
    expect_at(o, "status.conditions[type=Suspended].reason", "NotSuspended");
    expect_at(o, "status.conditions[type=PodScheduled].status", "True");
    expect_at(o, "status.conditions[type=Ready].message", "Pod is Running but not Ready; Service Exists");
    expect_at(o, "status.selector", "agents.x-k8s.io/sandbox-name-hash=aefd3536");
    expect_at(o, "status.nodeName", "<none>"); /* a nodeName-only change waits for Ready */
    cJSON_Delete(o);
    o = get(w, SB "/demo"); /* request 3: ready */
    expect_at(o, "status.conditions[type=Ready].status", "True");
    expect_at(o, "status.conditions[type=Ready].reason", "DependenciesReady");
    expect_at(o, "status.conditions[type=Ready].message", "Pod is Ready; Service Exists");
    expect_at(o, "status.conditions[type=Ready].observedGeneration", "1");
    expect_at(o, "status.service", "demo");
    expect_at(o, "status.serviceFQDN", "demo.default.svc.cluster.local");
    expect_at(o, "status.nodeName", "agent-sandbox-node");
    expect_at(o, "status.podIPs[0]", "10.42.0.64");
    cJSON_Delete(o);
    o = get(w, POD);
    expect_at(o, "metadata.labels", "{\"team\":\"ml\",\"agents.x-k8s.io/sandbox-name-hash\":\"aefd3536\"}");
    expect_at(o, "metadata.annotations", "{\"note\":\"n\",\"agents.x-k8s.io/propagated-labels\":\"team\","
                                         "\"agents.x-k8s.io/propagated-annotations\":\"note\"}");
    expect_at(o, "spec.volumes", "[{\"name\":\"work\",\"persistentVolumeClaim\":{\"claimName\":\"work-demo\"}}]");
    expect_at(o, "status.phase", "Running");
    cJSON_Delete(o);
    o = get(w, SVC);
    expect_at(o, "spec.clusterIP", "None");
    expect_at(o, "spec.selector", "{\"agents.x-k8s.io/sandbox-name-hash\":\"aefd3536\"}");
    expect_at(o, "spec.ports", "[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\",\"targetPort\":8080}]");
    cJSON_Delete(o);
    /* suspend: the pod is deleted (terminating first), PVC and Service kept */
    patch(w, SB "/demo", "{\"spec\": {\"operatingMode\": \"Suspended\"}}");
    o = get(w, SB "/demo"); /* this request finishes the pod's termination */
    expect_at(o, "status.conditions[type=Suspended].status", "True");
    expect_at(o, "status.conditions[type=Suspended].reason", "PodTerminated");
    expect_at(o, "status.conditions[type=Ready].reason", "SandboxSuspended");
    expect_at(o, "status.conditions[type=Ready].message", "Sandbox is suspended");
    expect_at(o, "status.conditions[type=PodScheduled]", "<none>");
    expect_at(o, "metadata.annotations", "{}");
    cJSON_Delete(o);
    assert_int_equal(get_code(w, POD), 404);
    assert_int_equal(get_code(w, PVC), 200);
    assert_int_equal(get_code(w, SVC), 200);
    /* the same object through v1alpha1: replicas 0, with the deprecation Warning */
    o = call(w, &r, "GET", "/apis/agents.x-k8s.io/v1alpha1/namespaces/default/sandboxes/demo", NULL, NULL);
    expect_at(o, "spec.replicas", "0");
    assert_non_null(strstr(osh_buf_str(&r.headers), "Warning: 299 - \"agents.x-k8s.io/v1alpha1 Sandbox is deprecated; "
                                                    "use agents.x-k8s.io/v1beta1 Sandbox instead\""));
    cJSON_Delete(o);
    /* resume through v1alpha1: a new pod with the same claim */
    patch(w, "/apis/agents.x-k8s.io/v1alpha1/namespaces/default/sandboxes/demo", "{\"spec\": {\"replicas\": 1}}");
    o = get(w, POD);
    expect_at(o, "spec.volumes[0].persistentVolumeClaim.claimName", "work-demo");
    cJSON_Delete(o);
    o = get(w, SB "/demo");
    expect_at(o, "spec.operatingMode", "Running");
    expect_at(o, "status.conditions[type=Suspended].reason", "NotSuspended");
    cJSON_Delete(o);
    /* delete: the garbage collector takes pod, PVC and Service */
    cJSON_Delete(call(w, &r, "DELETE", SB "/demo", NULL, NULL));
    assert_int_equal(r.code, 200);
    assert_int_equal(get_code(w, POD), 404);
    assert_int_equal(get_code(w, PVC), 404);
    assert_int_equal(get_code(w, SVC), 404);
    osh_buf_free(&r.body);
    osh_buf_free(&r.headers);
    mock_world_free(w);
}

static void knob_outcomes(void **state)
{
    (void)state;
    const char *cases[][4] = {
        {"{\"pod_outcome\": \"Unschedulable\"}", "status.conditions[type=PodScheduled].reason", "Unschedulable", NULL},
        {"{\"pod_outcome\": \"Failed\"}", "status.conditions[type=Ready].reason", "PodFailed", "PodFailed"},
        {"{\"pod_outcome\": \"Succeeded\"}", "status.conditions[type=Ready].reason", "PodSucceeded", "PodSucceeded"},
        {"{\"two_pods\": true}", "status.conditions[type=Ready].message",
         "multiple Pods (2) are controlled by this Sandbox; refusing to choose or create a Pod", NULL},
        {"{\"foreign_pod\": true}", "status.conditions[type=Ready].reason", "ReconcilerError", NULL},
        {"{\"paused\": true}", "status", "<none>", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *doc = osh_str_printf("{\"kube\": {\"agent_sandbox_controller\": %s}}", cases[i][0]);
        mock_world *w = world(doc);
        free(doc);
        create(w, SANDBOX(""));
        cJSON_Delete(get(w, "/api/v1/namespaces"));
        cJSON *o = get(w, SB "/demo");
        expect_at(o, cases[i][1], cases[i][2]);
        if (cases[i][3])
            expect_at(o, "status.conditions[type=Finished].reason", cases[i][3]);
        cJSON_Delete(o);
        mock_world_free(w);
    }
    /* the foreign pod is not deleted on suspend: PodNotOwned */
    mock_world *w = world("{\"kube\": {\"agent_sandbox_controller\": {\"foreign_pod\": true}}}");
    create(w, SANDBOX(""));
    patch(w, SB "/demo", "{\"spec\": {\"operatingMode\": \"Suspended\"}}");
    cJSON *o = get(w, SB "/demo");
    expect_at(o, "status.conditions[type=Suspended].reason", "PodNotOwned");
    cJSON_Delete(o);
    assert_int_equal(get_code(w, POD), 200);
    mock_world_free(w);
}

static void status_write_at_request_n(void **state)
{
    (void)state;
    mock_world *w = world("{\"kube\": {\"agent_sandbox_controller\": {\"status_write_at\": 4}}}");
    create(w, SANDBOX("")); /* request 1 */
    cJSON *o = get(w, SB "/demo"); /* request 2 */
    char *rv = at(o, "metadata.resourceVersion");
    cJSON_Delete(o);
    cJSON_Delete(get(w, "/api/v1/namespaces")); /* request 3 */
    o = get(w, SB "/demo");                      /* request 4: the injected write */
    char *rv2 = at(o, "metadata.resourceVersion");
    assert_string_not_equal(rv, rv2);
    cJSON_Delete(o);
    /* a client patch naming the old resourceVersion now conflicts */
    reply r = {0};
    char *body = osh_str_printf("{\"metadata\": {\"resourceVersion\": \"%s\"}, \"spec\": {\"operatingMode\": \"Suspended\"}}", rv);
    cJSON_Delete(call(w, &r, "PATCH", SB "/demo", "application/merge-patch+json", body));
    assert_int_equal(r.code, 409);
    free(body);
    free(rv);
    free(rv2);
    osh_buf_free(&r.body);
    osh_buf_free(&r.headers);
    mock_world_free(w);
}

static void expiry(void **state)
{
    (void)state;
    mock_world *w = world("{}");
    create(w, SANDBOX("\"service\": true, "));
    cJSON_Delete(get(w, SB "/demo"));
    patch(w, SB "/demo", "{\"spec\": {\"shutdownTime\": \"2000-01-01T00:00:00Z\"}}");
    cJSON *o = get(w, SB "/demo");
    expect_at(o, "status.conditions[type=Ready].reason", "SandboxExpired");
    expect_at(o, "status.conditions[type=Ready].message", "Sandbox has expired");
    expect_at(o, "status.service", "<none>");
    cJSON_Delete(o);
    assert_int_equal(get_code(w, SVC), 404);
    assert_int_equal(get_code(w, POD), 404);
    assert_int_equal(get_code(w, PVC), 200); /* Retain keeps the claims */
    mock_world_free(w);
    w = world("{}");
    create(w, SANDBOX("\"shutdownPolicy\": \"Delete\", "));
    assert_int_equal(get_code(w, PVC), 200);
    patch(w, SB "/demo", "{\"spec\": {\"shutdownTime\": \"2000-01-01T00:00:00Z\"}}");
    assert_int_equal(get_code(w, SB "/demo"), 404);
    assert_int_equal(get_code(w, PVC), 404);
    mock_world_free(w);
}

static void schema_refusals(void **state)
{
    (void)state;
    mock_world *w = world("{}");
    reply r = {0};
    cJSON *o = call(w, &r, "POST", SB "?fieldValidation=Strict", NULL, SANDBOX("\"logLevel\": \"x\", "));
    assert_int_equal(r.code, 400);
    expect_at(o, "message", "Sandbox in version \"v1beta1\" cannot be handled as a Sandbox: strict decoding error: "
                            "unknown field \"spec.logLevel\"");
    cJSON_Delete(o);
    o = call(w, &r, "POST", SB "?fieldValidation=Bogus", NULL, SANDBOX(""));
    assert_int_equal(r.code, 400);
    cJSON_Delete(o);
    o = call(w, &r, "POST", SB, NULL, "{\"apiVersion\": \"agents.x-k8s.io/v1beta1\", \"kind\": \"Sandbox\", "
                                      "\"metadata\": {\"name\": \"x\"}, \"spec\": {\"operatingMode\": \"Off\"}}");
    assert_int_equal(r.code, 422);
    expect_at(o, "message", "Sandbox.agents.x-k8s.io \"x\" is invalid: [spec.podTemplate: Required value, "
                            "spec.operatingMode: Unsupported value: \"Off\": supported values: \"Running\", \"Suspended\"]");
    expect_at(o, "reason", "Invalid");
    expect_at(o, "details.causes[0].reason", "FieldValueRequired");
    cJSON_Delete(o);
    create(w, SANDBOX(""));
    o = call(w, &r, "PATCH", SB "/demo", "application/merge-patch+json", "{\"spec\": {\"volumeClaimTemplates\": null}}");
    assert_int_equal(r.code, 422);
    expect_at(o, "message", "Sandbox.agents.x-k8s.io \"demo\" is invalid: spec: Invalid value: \"object\": "
                            "volumeClaimTemplates is immutable");
    cJSON_Delete(o);
    o = call(w, &r, "PATCH", SB "/demo", "application/strategic-merge-patch+json", "{}");
    assert_int_equal(r.code, 415);
    cJSON_Delete(o);
    o = call(w, &r, "PATCH", SB "/demo", "application/merge-patch+json", "{not json");
    assert_int_equal(r.code, 400);
    cJSON_Delete(o);
    /* an unserved version and subresource */
    assert_int_equal(get_code(w, "/apis/agents.x-k8s.io/v1beta1/namespaces/default/sandboxes/demo/scale"), 404);
    assert_int_equal(get_code(w, "/apis/agents.x-k8s.io/v2/namespaces/default/sandboxes"), 404);
    osh_buf_free(&r.body);
    osh_buf_free(&r.headers);
    mock_world_free(w);
    char *error = NULL;
    cJSON *bad = cJSON_Parse("{\"kube\": {\"agent_sandbox\": \"2.0\"}}");
    assert_null(mock_world_new(bad, NULL, &error));
    assert_string_equal(error, "kube.agent_sandbox: expected \"0.1\", \"0.5\", \"1.0\" or \"none\"");
    free(error);
    cJSON_Delete(bad);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(children_script_and_status), cmocka_unit_test(knob_outcomes),
        cmocka_unit_test(status_write_at_request_n),  cmocka_unit_test(expiry),
        cmocka_unit_test(schema_refusals),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
