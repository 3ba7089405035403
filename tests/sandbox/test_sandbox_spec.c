/* test_sandbox_spec.c: the strict SandboxSpec parser: accepted shapes and every refusal,
 * which must name the JSON path of the offending value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox_spec.h"

static void assert_refused(const char *text, const char *expected_error)
{
    char *error = NULL;
    sandbox_spec *spec = sandbox_spec_parse(text, &error);
    if (spec)
        fail_msg("accepted: %s", text);
    assert_non_null(error);
    if (strcmp(error, expected_error) != 0)
        fail_msg("for %s: got \"%s\", expected \"%s\"", text, error, expected_error);
    free(error);
}

static void refuses_wrong_types_with_paths(void **state)
{
    assert_refused("{\"template\": {\"labels\": {\"team\": 5}}}", "spec.template.labels.team: expected string");
    assert_refused("{\"template\": {\"annotations\": {\"a\": null}}}", "spec.template.annotations.a: expected string");
    assert_refused("{\"template\": {\"environment\": []}}", "spec.template.environment: expected object of strings");
    assert_refused("{\"environment\": {\"X\": true}}", "spec.environment.X: expected string");
    assert_refused("{\"gpu\": \"yes\"}", "spec.gpu: expected boolean");
    assert_refused("{\"gpu\": 1}", "spec.gpu: expected boolean");
    assert_refused("{\"log_level\": 3}", "spec.log_level: expected string");
    assert_refused("{\"template\": []}", "spec.template: expected object");
    assert_refused("{\"template\": {\"image\": {}}}", "spec.template.image: expected string");
    assert_refused("{\"template\": {\"runtime_class_name\": 1}}", "spec.template.runtime_class_name: expected string");
    assert_refused("{\"template\": {\"agent_socket\": false}}", "spec.template.agent_socket: expected string");
    assert_refused("{\"template\": {\"resources\": \"1\"}}", "spec.template.resources: expected object");
    assert_refused("{\"template\": {\"resources\": []}}", "spec.template.resources: expected object");
    assert_refused("[]", "spec: expected object");
    assert_refused("\"x\"", "spec: expected object");
}

static void refuses_unknown_fields(void **state)
{
    assert_refused("{\"logLevel\": \"debug\"}", "spec.logLevel: unknown field");
    assert_refused("{\"template\": {\"volumeClaimTemplates\": []}}", "spec.template.volumeClaimTemplates: unknown field");
    assert_refused("{\"gpu\": true, \"replicas\": 1}", "spec.replicas: unknown field");
    assert_refused("{\"gpu\": true, \"gpu\": false}", "spec.gpu: duplicate field");
    assert_refused("{\"template\": {\"image\": \"a\", \"labels\": {}, \"image\": \"b\"}}",
                   "spec.template.image: duplicate field");
}

static void refuses_text_that_is_not_json(void **state)
{
    char *error = NULL;
    assert_null(sandbox_spec_parse("log_level: debug\n", &error));
    assert_non_null(strstr(error, "not valid JSON"));
    free(error);
    assert_null(sandbox_spec_parse("{\"gpu\": true} trailing", &error));
    assert_non_null(strstr(error, "not valid JSON"));
    free(error);
    assert_null(sandbox_spec_parse("", &error));
    assert_non_null(strstr(error, "not valid JSON"));
    free(error);
}

static void parses_every_member(void **state)
{
    char *error = NULL;
    sandbox_spec *spec = sandbox_spec_parse(
        "{\"log_level\": \"debug\", \"environment\": {\"B\": \"2\", \"A\": \"1\"}, \"gpu\": true,"
        " \"template\": {\"image\": \"i\", \"runtime_class_name\": \"r\", \"agent_socket\": \"s\","
        " \"labels\": {\"l\": \"1\"}, \"annotations\": {\"a\": \"2\"}, \"environment\": {\"T\": \"3\"},"
        " \"resources\": {\"limits\": {\"cpu\": 2}}, \"volume_claim_templates\": 7}}",
        &error);
    assert_non_null(spec);
    assert_string_equal(spec->log_level, "debug");
    assert_int_equal(spec->environment.count, 2);
    assert_string_equal(spec->environment.keys[0], "A"); /* kept sorted */
    assert_string_equal(spec->environment.values[1], "2");
    assert_true(spec->gpu);
    const sandbox_template *t = spec->template_;
    assert_non_null(t);
    assert_string_equal(t->image, "i");
    assert_string_equal(t->runtime_class_name, "r");
    assert_string_equal(t->agent_socket, "s");
    assert_string_equal(t->labels.values[0], "1");
    assert_string_equal(t->annotations.keys[0], "a");
    assert_string_equal(t->environment.values[0], "3");
    assert_true(cJSON_IsObject(t->resources));
    assert_true(cJSON_IsNumber(t->volume_claim_templates));
    sandbox_spec_free(spec);
}

static void null_means_absent(void **state)
{
    char *error = NULL;
    sandbox_spec *spec = sandbox_spec_parse("{\"template\": {\"volume_claim_templates\": null}, \"gpu\": null}", &error);
    assert_non_null(spec);
    assert_false(spec->gpu);
    assert_null(spec->template_->volume_claim_templates);
    sandbox_spec_free(spec);
    spec = sandbox_spec_parse("{\"template\": null}", &error);
    assert_non_null(spec);
    assert_null(spec->template_);
    sandbox_spec_free(spec);
    spec = sandbox_spec_parse("{\"template\": {\"volume_claim_templates\": {}}}", &error);
    assert_non_null(spec);
    assert_true(cJSON_IsObject(spec->template_->volume_claim_templates)); /* {} counts as present */
    sandbox_spec_free(spec);
}

static void strmap_upsert_replaces_and_sorts(void **state)
{
    sandbox_strmap map = {0};
    sandbox_strmap_set(&map, "b", "1");
    sandbox_strmap_set(&map, "a", "2");
    sandbox_strmap_set(&map, "B", "3");
    sandbox_strmap_set(&map, "b", "4");
    assert_int_equal(map.count, 3);
    assert_string_equal(map.keys[0], "B");
    assert_string_equal(map.keys[1], "a");
    assert_string_equal(map.keys[2], "b");
    assert_string_equal(map.values[2], "4");
    sandbox_strmap_clear(&map);
    assert_int_equal(map.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refuses_wrong_types_with_paths),
        cmocka_unit_test(refuses_unknown_fields),
        cmocka_unit_test(refuses_text_that_is_not_json),
        cmocka_unit_test(parses_every_member),
        cmocka_unit_test(null_means_absent),
        cmocka_unit_test(strmap_upsert_replaces_and_sorts),
    };
    return cmocka_run_group_tests_name("sandbox.spec", tests, NULL, NULL);
}
