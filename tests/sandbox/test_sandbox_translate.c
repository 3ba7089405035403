/* test_sandbox_translate.c: the Sandbox object of rules §10.2-§10.4 against every golden
 * document in fixtures/golden/sandbox (one cmocka test per golden case). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"
#include "sandbox_spec.h"
#include "sandbox_test_util.h"
#include "sandbox_translate.h"

#define GOLDEN_DIR OSH_FIXTURES_DIR "/golden/sandbox"

static void golden_case(void **state)
{
    const char *name = *state;
    char *input_path = osh_str_printf("%s/%s.input.json", GOLDEN_DIR, name);
    char *expected_path = osh_str_printf("%s/%s.json", GOLDEN_DIR, name);
    cJSON *input = test_load_json(input_path);
    cJSON *expected = test_load_json(expected_path);
    sandbox_client_config config;
    test_config_from_golden(input, &config);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(input, "id");
    const cJSON *sbx_name = cJSON_GetObjectItemCaseSensitive(input, "name");
    const cJSON *spec_json = cJSON_GetObjectItemCaseSensitive(input, "spec");
    assert_true(cJSON_IsString(id) && cJSON_IsString(sbx_name));
    sandbox_spec *spec = NULL;
    if (spec_json) {
        char *error = NULL;
        spec = sandbox_spec_from_json(spec_json, &error);
        if (!spec)
            fail_msg("%s: spec refused: %s", name, error);
    }
    cJSON *actual = sandbox_build_object(id->valuestring, sbx_name->valuestring, spec, &config);
    bool equal = test_json_equal(name, expected, actual);
    cJSON_Delete(actual);
    sandbox_spec_free(spec);
    cJSON_Delete(expected);
    cJSON_Delete(input);
    free(input_path);
    free(expected_path);
    assert_true(equal);
}

/* The rules' own examples must be among the goldens, so the matrix cannot silently shrink. */
static void goldens_include_spec_examples(void **state)
{
    const struct CMUnitTest *tests = *state;
    (void)tests;
    char **names;
    int count = test_list_golden_cases(GOLDEN_DIR, &names);
    bool g1 = false, g2 = false;
    for (int i = 0; i < count; i++) {
        g1 |= strcmp(names[i], "g1-minimal") == 0;
        g2 |= strcmp(names[i], "g2-full") == 0;
        free(names[i]);
    }
    free(names);
    assert_true(g1 && g2);
    assert_true(count >= 20);
}

int main(void)
{
    char **names;
    int count = test_list_golden_cases(GOLDEN_DIR, &names);
    struct CMUnitTest *tests = calloc((size_t)count + 1, sizeof *tests);
    for (int i = 0; i < count; i++) {
        tests[i].name = names[i];
        tests[i].test_func = golden_case;
        tests[i].initial_state = names[i];
    }
    tests[count].name = "goldens_include_spec_examples";
    tests[count].test_func = goldens_include_spec_examples;
    int failed = _cmocka_run_group_tests("sandbox.translate", tests, (size_t)count + 1, NULL, NULL);
    for (int i = 0; i < count; i++)
        free(names[i]);
    free(names);
    free(tests);
    return failed;
}
