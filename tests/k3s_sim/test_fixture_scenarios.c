/* test_fixture_scenarios.c: every world scenario in fixtures/scenarios loads (a world is
 * built from it and torn down), and each names the rules case it sets up in "comment". */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mock_world.h"
#include "osh_file.h"

static cJSON *read_json(const char *path)
{
    char *error = NULL;
    char *text = osh_file_read(path, 1 << 20, NULL, &error);
    if (!text)
        fail_msg("%s", error);
    cJSON *j = cJSON_Parse(text);
    free(text);
    return j;
}

static void test_every_fixture_builds_a_world(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob(OSH_FIXTURES_DIR "/scenarios/*.json", 0, NULL, &g), 0);
    assert_true(g.gl_pathc >= 20);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        cJSON *s = read_json(g.gl_pathv[i]);
        if (!s)
            fail_msg("%s: not JSON", g.gl_pathv[i]);
        assert_true(cJSON_IsString(cJSON_GetObjectItem(s, "comment")));
        char *error = NULL;
        mock_world_options o = {.kube_enabled = true};
        mock_world *w = mock_world_new(s, &o, &error);
        if (!w)
            fail_msg("%s: %s", g.gl_pathv[i], error);
        mock_world_free(w);
        cJSON_Delete(s);
    }
    globfree(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_fixture_builds_a_world)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
