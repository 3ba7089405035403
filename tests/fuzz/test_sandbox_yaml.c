/* test_sandbox_yaml.c: regression tests for what fuzz.kubeconfig found in impl/sandbox: deep
 * nesting overflowed the stack, mapping keys that are mappings grew exponentially (and then
 * crashed on a NULL print), and a refused *-data member leaked its buffer (ASan checks that). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k8s_config.h"
#include "k8s_yaml.h"

static void assert_refused(const char *text, const char *phrase)
{
    char *error = NULL;
    cJSON *doc = k8s_yaml_parse(text, &error);
    assert_null(doc);
    assert_non_null(error);
    if (!strstr(error, phrase))
        fail_msg("error %s does not say %s", error, phrase);
    free(error);
}

static void test_deep_nesting_is_refused(void **state)
{
    size_t n = 30000;
    char *text = malloc(n + 1);
    memset(text, '[', n);
    text[n] = '\0';
    assert_refused(text, "line 1: YAML nested deeper than 1000 levels");
    free(text);
    /* 1000 levels are still read. */
    char *ok = malloc(2001);
    memset(ok, '[', 1000);
    memset(ok + 1000, ']', 1000);
    ok[2000] = '\0';
    char *error = NULL;
    cJSON *doc = k8s_yaml_parse(ok, &error);
    assert_non_null(doc);
    assert_null(error);
    cJSON_Delete(doc);
    free(ok);
}

static void test_collection_keys_are_refused(void **state)
{
    assert_refused("{{a: x}: x}", "line 1: mapping keys must be scalars");
    assert_refused("users:\n  ? [a, b]\n  : x\n", "line 2: mapping keys must be scalars");
    /* Scalar keys that are not strings still become their text. */
    char *error = NULL;
    cJSON *doc = k8s_yaml_parse("true: 1\n~: 2\n", &error);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "true")), "1");
    cJSON_Delete(doc);
}

static void test_bad_certificate_data_is_refused_without_leaking(void **state)
{
    const char *text = "clusters:\n- name: c\n  cluster:\n    server: https://x\n"
                       "    certificate-authority-data: \"QUFB!!!!\"\n"
                       "contexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n"
                       "users:\n- name: u\n  user: {}\n";
    char *error = NULL;
    k8s_config *c = k8s_config_from_text(text, "/nonexistent", "kubeconfig test", &error);
    assert_null(c);
    assert_non_null(error);
    assert_non_null(strstr(error, "certificate-authority-data is not valid base64"));
    free(error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deep_nesting_is_refused),
        cmocka_unit_test(test_collection_keys_are_refused),
        cmocka_unit_test(test_bad_certificate_data_is_refused_without_leaking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
