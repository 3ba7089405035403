/* test_as_units.c: the CRD machinery with cases taken from the agent-sandbox CRDs: loading
 * each release, served versions and priority, schema defaulting, pruning paths, validation
 * messages, the CEL immutability rule, the conversion webhook both ways, the name hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent_sandbox.h"
#include "kube_crd_schema.h"
#include "osh_buf.h"

static kube_crd *crd(const char *release)
{
    char *error = NULL;
    kube_crd *c = agent_sandbox_crd(release, NULL, &error);
    if (!c)
        fail_msg("%s: %s", release, error ? error : "(none)");
    return c;
}

static const cJSON *schema(kube_crd *c, const char *version)
{
    const kube_crd_version *v = kube_crd_version_named(c, version);
    assert_non_null(v);
    return v->schema;
}

static cJSON *parse(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    return j;
}

#define POD_TEMPLATE "\"podTemplate\": {\"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"i\"}]}}"

static void releases_serve_what_the_crds_say(void **state)
{
    (void)state;
    kube_crd *c = crd("0.5");
    const kube_crd_version *served[4];
    assert_int_equal(kube_crd_served_sorted(c, served, 4), 2);
    assert_string_equal(served[0]->name, "v1beta1");
    assert_string_equal(served[1]->name, "v1alpha1");
    assert_string_equal(kube_crd_storage(c)->name, "v1beta1");
    assert_string_equal(served[1]->warning,
                        "agents.x-k8s.io/v1alpha1 Sandbox is deprecated; use agents.x-k8s.io/v1beta1 Sandbox instead");
    assert_null(served[0]->warning);
    assert_true(served[1]->scale && !served[0]->scale);
    assert_string_equal(served[1]->scale_spec, "spec.replicas");
    assert_string_equal(served[1]->scale_selector, "status.selector");
    assert_int_equal(cJSON_GetArraySize(served[0]->columns), 3);
    assert_string_equal(c->conversion, "Webhook");
    kube_crd_unref(c);
    c = crd("0.1");
    assert_int_equal(kube_crd_served_sorted(c, served, 4), 1);
    assert_string_equal(served[0]->name, "v1alpha1");
    assert_null(served[0]->columns);
    kube_crd_unref(c);
    c = crd("1.0");
    assert_int_equal(kube_crd_served_sorted(c, served, 4), 1);
    assert_string_equal(served[0]->name, "v1beta1");
    assert_string_equal(c->conversion, "None");
    kube_crd_unref(c);
    char *error = NULL;
    assert_null(agent_sandbox_crd("none", NULL, &error));
    assert_null(error);
    assert_null(agent_sandbox_crd("0.9", NULL, &error));
    assert_string_equal(error, "agent_sandbox: unknown release \"0.9\" (expected \"0.1\", \"0.5\", \"1.0\" or \"none\")");
    free(error);
}

static void malformed_crd_documents_are_named(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"{\"kind\": \"ConfigMap\"}", "kind: expected CustomResourceDefinition"},
        {"{\"kind\": \"CustomResourceDefinition\", \"metadata\": {\"name\": \"x\"}}", "spec.group: expected string"},
        {"{\"kind\": \"CustomResourceDefinition\", \"metadata\": {\"name\": \"sandboxes.agents.x-k8s.io\"}, \"spec\": "
         "{\"group\": \"agents.x-k8s.io\", \"names\": {\"kind\": \"Sandbox\", \"plural\": \"sandboxes\"}, \"versions\": "
         "[{\"name\": \"v1beta1\", \"served\": true, \"storage\": true}]}}",
         "spec.versions[0].schema.openAPIV3Schema: expected object"},
        {"{\"kind\": \"CustomResourceDefinition\", \"metadata\": {\"name\": \"sandboxes.agents.x-k8s.io\"}, \"spec\": "
         "{\"group\": \"agents.x-k8s.io\", \"names\": {\"kind\": \"Sandbox\", \"plural\": \"sandboxes\"}, \"versions\": "
         "[{\"name\": \"v1beta1\", \"served\": true, \"schema\": {\"openAPIV3Schema\": {}}}]}}",
         "spec.versions: exactly one version must be the storage version (found 0)"},
        {"{\"kind\": \"CustomResourceDefinition\", \"metadata\": {\"name\": \"widgets.example.com\"}, \"spec\": "
         "{\"group\": \"example.com\", \"names\": {\"kind\": \"Widget\", \"plural\": \"widgets\"}, \"versions\": "
         "[{\"name\": \"v1\", \"served\": true, \"storage\": true, \"schema\": {\"openAPIV3Schema\": {}}}]}}",
         "spec.versions[0]: example.com/v1 widgets is not in the mock's resource table (kube_resources.c)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *doc = parse(cases[i][0]);
        char *error = NULL;
        assert_null(kube_crd_parse(doc, &error));
        assert_string_equal(error, cases[i][1]);
        free(error);
        cJSON_Delete(doc);
    }
    char *error = NULL;
    assert_null(kube_crd_load_file("/nonexistent/crd.yaml", "sandboxes.agents.x-k8s.io", &error));
    assert_string_equal(error, "/nonexistent/crd.yaml: No such file or directory");
    free(error);
}

static void defaults_from_the_schema(void **state)
{
    (void)state;
    kube_crd *c = crd("0.5");
    cJSON *obj = parse("{\"spec\": {\"podTemplate\": {\"spec\": {\"containers\": [{\"name\": \"a\", \"ports\": "
                       "[{\"containerPort\": 80}]}]}}}}");
    kube_schema_default(schema(c, "v1beta1"), obj);
    const cJSON *spec = cJSON_GetObjectItem(obj, "spec");
    assert_string_equal(cJSON_GetObjectItem(spec, "operatingMode")->valuestring, "Running");
    assert_string_equal(cJSON_GetObjectItem(spec, "shutdownPolicy")->valuestring, "Retain");
    const cJSON *port = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "podTemplate"), "spec"), "containers"), 0), "ports"), 0);
    assert_string_equal(cJSON_GetObjectItem(port, "protocol")->valuestring, "TCP");
    assert_null(cJSON_GetObjectItem(obj, "status")); /* no parent, no default */
    cJSON_Delete(obj);
    obj = parse("{\"spec\": {" POD_TEMPLATE "}}");
    kube_schema_default(schema(c, "v1alpha1"), obj);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "spec"), "replicas")->valueint, 1);
    cJSON_Delete(obj);
    kube_crd_unref(c);
}

static void pruning_reports_paths(void **state)
{
    (void)state;
    kube_crd *c = crd("0.1");
    cJSON *obj = parse("{\"apiVersion\": \"agents.x-k8s.io/v1alpha1\", \"kind\": \"Sandbox\", \"metadata\": {\"name\": \"x\"},"
                       " \"spec\": {\"logLevel\": \"debug\", \"environment\": {\"A\": \"1\"}, \"agentSocket\": \"/s\","
                       " \"podTemplate\": {\"metadata\": {\"name\": \"n\", \"labels\": {\"a\": \"b\"}}, \"spec\": "
                       "{\"containers\": [{\"name\": \"a\", \"bogus\": 1}]}}}, \"extra\": true}");
    cJSON *pruned = cJSON_CreateArray();
    kube_schema_prune(schema(c, "v1alpha1"), obj, pruned);
    char *text = cJSON_PrintUnformatted(pruned);
    assert_string_equal(text, "[\"spec.logLevel\",\"spec.environment\",\"spec.agentSocket\",\"spec.podTemplate.metadata.name\","
                              "\"spec.podTemplate.spec.containers[0].bogus\",\"extra\"]");
    free(text);
    assert_non_null(cJSON_GetObjectItem(obj, "metadata")); /* the root's metadata is ObjectMeta */
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "spec"), "podTemplate"), "metadata"));
    cJSON_Delete(pruned);
    cJSON_Delete(obj);
    kube_crd_unref(c);
}

static char *causes_text(const cJSON *causes)
{
    osh_buf b = OSH_BUF_INIT;
    const cJSON *cause;
    cJSON_ArrayForEach(cause, causes)
    {
        char *t = kube_schema_cause_text(cause);
        osh_buf_append_str(&b, t);
        osh_buf_append_str(&b, "\n");
        free(t);
    }
    return b.data ? b.data : strdup("");
}

static void validate_one(const cJSON *s, const char *json, const char *old_json, const char *want)
{
    cJSON *obj = parse(json), *old = old_json ? parse(old_json) : NULL;
    cJSON *causes = cJSON_CreateArray();
    kube_schema_validate(s, obj, old, causes);
    char *text = causes_text(causes);
    assert_string_equal(text, want);
    free(text);
    cJSON_Delete(causes);
    cJSON_Delete(obj);
    cJSON_Delete(old);
}

static void validation_messages(void **state)
{
    (void)state;
    kube_crd *c = crd("0.5");
    const cJSON *alpha = schema(c, "v1alpha1"), *beta = schema(c, "v1beta1");
    validate_one(beta, "{}", NULL, "spec: Required value\n");
    validate_one(beta, "{\"spec\": {}}", NULL, "spec.podTemplate: Required value\n");
    validate_one(beta, "{\"spec\": {\"podTemplate\": {\"spec\": {}}}}", NULL, "spec.podTemplate.spec.containers: Required value\n");
    validate_one(alpha, "{\"spec\": {" POD_TEMPLATE ", \"replicas\": 2}}", NULL,
                 "spec.replicas: Invalid value: 2: spec.replicas in body should be less than or equal to 1\n");
    validate_one(alpha, "{\"spec\": {" POD_TEMPLATE ", \"replicas\": -1}}", NULL,
                 "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0\n");
    validate_one(alpha, "{\"spec\": {" POD_TEMPLATE ", \"replicas\": \"one\"}}", NULL,
                 "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"\n");
    validate_one(beta, "{\"spec\": {" POD_TEMPLATE ", \"operatingMode\": \"Paused\"}}", NULL,
                 "spec.operatingMode: Unsupported value: \"Paused\": supported values: \"Running\", \"Suspended\"\n");
    /* a type error on an enum field reports the enum too (apiextensions validation_test.go) */
    validate_one(beta, "{\"spec\": {" POD_TEMPLATE ", \"operatingMode\": true}}", NULL,
                 "spec.operatingMode: Invalid value: \"boolean\": spec.operatingMode in body must be of type string: "
                 "\"boolean\"\nspec.operatingMode: Unsupported value: true: supported values: \"Running\", \"Suspended\"\n");
    validate_one(beta, "{\"spec\": {" POD_TEMPLATE ", \"shutdownTime\": \"tomorrow\"}}", NULL,
                 "spec.shutdownTime: Invalid value: \"tomorrow\": spec.shutdownTime in body must be of type date-time: "
                 "\"tomorrow\"\n");
    validate_one(beta, "{\"spec\": {" POD_TEMPLATE ", \"volumeClaimTemplates\": {}}}", NULL,
                 "spec.volumeClaimTemplates: Invalid value: \"object\": spec.volumeClaimTemplates in body must be of "
                 "type array: \"object\"\n");
    kube_crd_unref(c);
}

static void cel_immutability(void **state)
{
    (void)state;
    kube_crd *c = crd("0.5");
    const cJSON *beta = schema(c, "v1beta1");
    const char *with = "{\"spec\": {" POD_TEMPLATE ", \"volumeClaimTemplates\": [{\"metadata\": {\"name\": \"w\"}, \"spec\": {}}]}}";
    const char *other = "{\"spec\": {" POD_TEMPLATE ", \"volumeClaimTemplates\": [{\"metadata\": {\"name\": \"v\"}, \"spec\": {}}]}}";
    const char *without = "{\"spec\": {" POD_TEMPLATE "}}";
    const char *msg = "spec: Invalid value: \"object\": volumeClaimTemplates is immutable\n";
    validate_one(beta, with, NULL, "");        /* a transition rule is not checked on create */
    validate_one(beta, with, with, "");
    validate_one(beta, without, without, "");
    validate_one(beta, without, with, msg);
    validate_one(beta, with, without, msg);
    validate_one(beta, other, with, msg);
    validate_one(schema(c, "v1alpha1"), without, with, ""); /* v1alpha1 has no rule */
    bool ok;
    assert_int_equal(kube_schema_rule_eval("self.size() > 0", NULL, NULL, &ok), -1);
    assert_int_equal(kube_schema_rule_eval("has(self.a) && !has(self.b)", NULL, NULL, &ok), 0);
    assert_false(ok);
    cJSON *o = parse("{\"a\": 1}");
    assert_int_equal(kube_schema_rule_eval("has(self.a) && !has(self.b)", o, NULL, &ok), 0);
    assert_true(ok);
    cJSON_Delete(o);
    kube_crd_unref(c);
}

static void conversion_both_ways(void **state)
{
    (void)state;
    char *error = NULL;
    cJSON *alpha = parse("{\"apiVersion\": \"agents.x-k8s.io/v1alpha1\", \"kind\": \"Sandbox\", \"metadata\": {\"name\": \"s\"},"
                         " \"spec\": {" POD_TEMPLATE ", \"replicas\": 0, \"shutdownPolicy\": \"Delete\"}}");
    cJSON *beta = agent_sandbox_convert(alpha, "agents.x-k8s.io/v1beta1", &error);
    assert_non_null(beta);
    const cJSON *spec = cJSON_GetObjectItem(beta, "spec");
    assert_string_equal(cJSON_GetObjectItem(spec, "operatingMode")->valuestring, "Suspended");
    assert_string_equal(cJSON_GetObjectItem(spec, "shutdownPolicy")->valuestring, "Delete");
    assert_null(cJSON_GetObjectItem(spec, "replicas"));
    const char *state_json = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(beta, "metadata"), "annotations"),
                                                 "api.agents.x-k8s.io/v1alpha1-sandbox-state")->valuestring;
    cJSON *saved = parse(state_json);
    assert_true(cJSON_Compare(saved, alpha, true));
    cJSON_Delete(saved);
    cJSON *back = agent_sandbox_convert(beta, "agents.x-k8s.io/v1alpha1", &error);
    assert_true(cJSON_Compare(back, alpha, true)); /* lossless, annotation stripped */
    cJSON_Delete(back);
    /* resumed in v1beta1: replicas 1 in v1alpha1 */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(beta, "spec"), "operatingMode", cJSON_CreateString("Running"));
    back = agent_sandbox_convert(beta, "agents.x-k8s.io/v1alpha1", &error);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(back, "spec"), "replicas")->valueint, 1);
    cJSON_Delete(back);
    cJSON_Delete(beta);
    /* a v1beta1 object never written through v1alpha1 */
    beta = parse("{\"apiVersion\": \"agents.x-k8s.io/v1beta1\", \"kind\": \"Sandbox\", \"metadata\": {\"name\": \"s\"},"
                 " \"spec\": {" POD_TEMPLATE ", \"operatingMode\": \"Running\"}, \"status\": {\"nodeName\": \"n\","
                 " \"podIPs\": [\"10.0.0.1\"]}}");
    back = agent_sandbox_convert(beta, "agents.x-k8s.io/v1alpha1", &error);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(back, "spec"), "replicas")->valueint, 1);
    const cJSON *st = cJSON_GetObjectItem(back, "status");
    assert_null(cJSON_GetObjectItem(st, "nodeName"));
    assert_int_equal(cJSON_GetObjectItem(st, "replicas")->valueint, 1);
    assert_non_null(cJSON_GetObjectItem(st, "podIPs"));
    cJSON_Delete(back);
    cJSON_Delete(beta);
    cJSON_Delete(alpha);
    /* replicas omitted in v1alpha1 stays omitted on the way back */
    alpha = parse("{\"apiVersion\": \"agents.x-k8s.io/v1alpha1\", \"kind\": \"Sandbox\", \"metadata\": {\"name\": \"s\"},"
                  " \"spec\": {" POD_TEMPLATE "}}");
    beta = agent_sandbox_convert(alpha, "agents.x-k8s.io/v1beta1", &error);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(beta, "spec"), "operatingMode")->valuestring, "Running");
    back = agent_sandbox_convert(beta, "agents.x-k8s.io/v1alpha1", &error);
    assert_true(cJSON_Compare(back, alpha, true));
    cJSON_Delete(back);
    cJSON_Delete(beta);
    assert_null(agent_sandbox_convert(alpha, "agents.x-k8s.io/v2", &error));
    assert_string_equal(error, "unsupported conversion from agents.x-k8s.io/v1alpha1 to agents.x-k8s.io/v2");
    free(error);
    cJSON_Delete(alpha);
}

static void name_hash(void **state)
{
    (void)state;
    char h[9];
    agent_sandbox_name_hash("test", h);
    assert_string_equal(h, "afd071e5");
    agent_sandbox_name_hash("my-sandbox", h);
    assert_string_equal(h, "374de8f5");
    agent_sandbox_name_hash("default--my-sandbox", h);
    assert_string_equal(h, "1e818488");
}

static void controller_knobs_are_checked(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"[]", "kube.agent_sandbox_controller: expected object"},
        {"{\"pause\": true}", "kube.agent_sandbox_controller.pause: unknown key (expected one of: paused, pod_outcome, "
                               "pod_steps_per_request, foreign_pod, two_pods, status_write_at, node, comment)"},
        {"{\"pod_steps_per_request\": \"3\"}", "kube.agent_sandbox_controller.pod_steps_per_request: expected number"},
        {"{\"paused\": 1}", "kube.agent_sandbox_controller.paused: expected true or false"},
        {"{\"status_write_at\": -1}", "kube.agent_sandbox_controller.status_write_at: expected a number from 0 to 1000000000"},
        {"{\"pod_outcome\": \"Crashed\"}",
         "kube.agent_sandbox_controller.pod_outcome: expected \"Unschedulable\", \"Failed\" or \"Succeeded\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *k = parse(cases[i][0]);
        char *error = NULL;
        assert_null(agent_sandbox_controller_new(k, &error));
        assert_string_equal(error, cases[i][1]);
        free(error);
        cJSON_Delete(k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(releases_serve_what_the_crds_say),
        cmocka_unit_test(malformed_crd_documents_are_named),
        cmocka_unit_test(defaults_from_the_schema),
        cmocka_unit_test(pruning_reports_paths),
        cmocka_unit_test(validation_messages),
        cmocka_unit_test(cel_immutability),
        cmocka_unit_test(conversion_both_ways),
        cmocka_unit_test(name_hash),
        cmocka_unit_test(controller_knobs_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
