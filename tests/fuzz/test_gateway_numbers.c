/* test_gateway_numbers.c: regression tests for what fuzz.docker_answers and fuzz.gw_config
 * found: numbers from Docker answers and metadata files were cast to long/int unchecked, and
 * a value like 1e300 made that undefined behaviour (UBSan float-cast-overflow under clang). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "gw_config.h"
#include "gw_internal.h"

static void test_json_long_clamps(void **state)
{
    cJSON *doc = cJSON_Parse("[1e300, -1e300, 137, -1.9, \"7\", 9.2233720368547758e18]");
    assert_int_equal(gw_json_long(cJSON_GetArrayItem(doc, 0), -1), LONG_MAX);
    assert_int_equal(gw_json_long(cJSON_GetArrayItem(doc, 1), -1), LONG_MIN);
    assert_int_equal(gw_json_long(cJSON_GetArrayItem(doc, 2), -1), 137);
    assert_int_equal(gw_json_long(cJSON_GetArrayItem(doc, 3), -1), -1);
    assert_int_equal(gw_json_long(cJSON_GetArrayItem(doc, 4), -7), -7);
    assert_int_equal(gw_json_long(cJSON_GetArrayItem(doc, 5), -1), LONG_MAX);
    assert_int_equal(gw_json_long(NULL, 42), 42);
    cJSON_Delete(doc);
}

static void assert_port(const char *port, int expect_rc, long expect_port)
{
    char *text = NULL;
    assert_true(asprintf(&text, "{\"name\":\"a\",\"gateway_endpoint\":\"https://127.0.0.1:8080\",\"gateway_port\":%s}",
                         port) > 0);
    gw_metadata m;
    gw_error err = GW_ERROR_INIT;
    int rc = gw_metadata_parse(text, &m, &err);
    assert_int_equal(rc, expect_rc);
    if (rc == 0) {
        assert_int_equal(m.gateway_port, expect_port);
        gw_metadata_free(&m);
    } else {
        assert_string_equal(gw_error_text(&err), "failed to parse gateway metadata");
    }
    gw_error_clear(&err);
    free(text);
}

static void test_metadata_port_must_be_a_port(void **state)
{
    assert_port("8080", 0, 8080);
    assert_port("0", 0, 0);
    assert_port("65535", 0, 65535);
    assert_port("1e300", -1, 0);
    assert_port("-1", -1, 0);
    assert_port("65536", -1, 0);
    assert_port("8080.5", -1, 0);
    assert_port("\"8080\"", -1, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_long_clamps),
        cmocka_unit_test(test_metadata_port_must_be_a_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
