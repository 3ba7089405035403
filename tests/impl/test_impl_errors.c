/* test_impl_errors.c: the error model of the gateway library (gw_error.h) and the CLI's exit
 * table (cli_exit.h, rules §3.5): a text per code, the one mapping from a Docker answer to a
 * code (the 500 body is the real dockerd 20.10's), codes kept through prefixing, every code's
 * exit status, and the statuses docs/rules.md §3.5 promises. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_exit.h"
#include "docker_client.h"
#include "gw_error.h"
#include "gw_names.h"
#include "osh_file.h"
#include "osh_str.h"

#ifndef OSH_SOURCE_DIR
#error OSH_SOURCE_DIR must name the source tree
#endif

/* Asked of the real dockerd 20.10: two containers publishing host port 18931, the second
 * start answers 500 with this body. */
#define REAL_PORT_ALLOCATED                                                                                    \
    "{\"message\":\"driver failed programming external connectivity on endpoint errmodel-probe-b "           \
    "(0e80ea2137cf7c7edcf923fb188872f663a6da3bc9e7c3db56ba3f86f0201d91): Bind for 0.0.0.0:18931 failed: port " \
    "is already allocated\"}"

static void every_code_has_its_own_text(void **state)
{
    (void)state;
    for (int i = 0; i < GW_E_LAST; i++) {
        const char *text = gw_strerror((gw_code)i);
        assert_non_null(text);
        assert_string_not_equal(text, "unknown error code");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(text, gw_strerror((gw_code)j));
    }
    assert_string_equal(gw_strerror(GW_E_LAST), "unknown error code");
    assert_string_equal(gw_strerror((gw_code)-1), "unknown error code");
    assert_string_equal(gw_strerror(GW_E_PORT_IN_USE), "port already in use");
}

static void docker_answers_map_to_codes(void **state)
{
    (void)state;
    assert_int_equal(gw_docker_code(404, "No such container: x"), GW_E_NOT_FOUND);
    assert_int_equal(gw_docker_code(409, "Conflict. The container name is already in use"), GW_E_CONFLICT);
    assert_int_equal(gw_docker_code(500, "Bind for 0.0.0.0:8080 failed: port is already allocated"), GW_E_PORT_IN_USE);
    /* The phrase means a held port only on a 500: another status keeps its own code. */
    assert_int_equal(gw_docker_code(409, "port is already allocated"), GW_E_CONFLICT);
    assert_int_equal(gw_docker_code(400, "port is already allocated"), GW_E_DOCKER);
    assert_int_equal(gw_docker_code(500, "plain failure"), GW_E_DOCKER);
    assert_int_equal(gw_docker_code(500, NULL), GW_E_DOCKER);
    assert_int_equal(gw_docker_code(400, "bad parameter"), GW_E_DOCKER);
    assert_int_equal(gw_docker_code(503, ""), GW_E_DOCKER);
}

static void status_error_carries_the_code(void **state)
{
    (void)state;
    docker_response r = DOCKER_RESPONSE_INIT;
    r.status = 500;
    osh_buf_append_str(&r.body, REAL_PORT_ALLOCATED);
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(docker_status_error(&r, &err), -1);
    assert_int_equal(err.code, GW_E_PORT_IN_USE);
    assert_int_equal(err.status, 500);
    assert_true(osh_str_starts_with(gw_error_text(&err), "Docker responded with status code 500: driver failed"));
    docker_response_free(&r);
    r = (docker_response)DOCKER_RESPONSE_INIT;
    r.status = 409;
    osh_buf_append_str(&r.body, "{\"message\":\"conflict: unable to remove repository reference\"}");
    docker_status_error(&r, &err);
    assert_int_equal(err.code, GW_E_CONFLICT);
    assert_int_equal(err.status, 409);
    docker_response_free(&r);
    gw_error_clear(&err);
    assert_int_equal(err.code, GW_OK);
    assert_int_equal(err.status, 0);
    assert_null(err.message);
}

static void context_keeps_the_code(void **state)
{
    (void)state;
    gw_error err = GW_ERROR_INIT;
    gw_fail(&err, GW_E_PORT_IN_USE, "Docker responded with status code 500: %s", "port is already allocated");
    err.status = 500;
    gw_error_prefix(&err, "failed to start gateway container: ");
    gw_error_append(&err, " (%d)", 1);
    assert_int_equal(err.code, GW_E_PORT_IN_USE);
    assert_int_equal(err.status, 500);
    assert_string_equal(gw_error_text(&err),
                        "failed to start gateway container: Docker responded with status code 500: port is already "
                        "allocated (1)");
    /* gw_fail replaces code, status and message. */
    gw_fail(&err, GW_E_IO, "failed to write %s", "x");
    assert_int_equal(err.code, GW_E_IO);
    assert_int_equal(err.status, 0);
    assert_string_equal(gw_error_text(&err), "failed to write x");
    gw_error_clear(&err);
    /* Context on an empty error is a failure of its own, never GW_OK with a message. */
    gw_error_prefix(&err, "context");
    assert_int_equal(err.code, GW_E_FAILED);
    assert_string_equal(gw_error_text(&err), "context");
    gw_error moved = GW_ERROR_INIT;
    gw_error_move(&moved, &err);
    assert_int_equal(moved.code, GW_E_FAILED);
    assert_int_equal(err.code, GW_OK);
    assert_null(err.message);
    gw_error_clear(&moved);
}

static void a_bad_name_is_a_usage_error(void **state)
{
    (void)state;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(gw_validate_name("bad/name", &err), -1);
    assert_int_equal(err.code, GW_E_USAGE);
    assert_int_equal(cli_exit_status(err.code), CLI_EXIT_USAGE);
    gw_error_clear(&err);
}

static void exit_table(void **state)
{
    (void)state;
    assert_int_equal(cli_exit_status(GW_OK), 0);
    assert_int_equal(cli_exit_status(GW_E_USAGE), 2);
    for (int i = 0; i < GW_E_LAST; i++)
        if (i != GW_OK && i != GW_E_USAGE)
            assert_int_equal(cli_exit_status((gw_code)i), 1);
    /* Nothing outside the codes may pass for success. */
    assert_int_equal(cli_exit_status(GW_E_LAST), 1);
    assert_int_equal(cli_exit_status((gw_code)-1), 1);
    assert_int_equal(cli_exit_status((gw_code)1000), 1);
    /* A call that failed without setting a code still fails. */
    gw_error none = GW_ERROR_INIT;
    assert_int_equal(cli_failure_status(&none), 1);
    gw_error usage = {GW_E_USAGE, 0, NULL};
    assert_int_equal(cli_failure_status(&usage), 2);
}

/* The codes of the table in §3.5 of docs/rules.md ("| 0 | ..."), as a bit set. */
static unsigned documented_statuses(void)
{
    char *error = NULL;
    char *doc = osh_file_read(OSH_SOURCE_DIR "/docs/rules.md", 4u << 20, NULL, &error);
    if (!doc)
        fail_msg("docs/rules.md: %s", error);
    const char *section = strstr(doc, "### §3.5 Exit status");
    assert_non_null(section);
    const char *end = strstr(section + 1, "\n### ");
    unsigned set = 0;
    for (const char *line = section; line && (!end || line < end); line = strchr(line + 1, '\n')) {
        int code = -1;
        if (sscanf(line, "\n| %d |", &code) == 1 && code >= 0 && code < 32)
            set |= 1u << code;
    }
    free(doc);
    return set;
}

static void exit_table_matches_the_rules(void **state)
{
    (void)state;
    unsigned produced = 0;
    for (int i = 0; i < GW_E_LAST; i++)
        produced |= 1u << cli_exit_status((gw_code)i);
    /* 0, 1 and 2; the table's `N` row is doctor exec passing on its command's status. */
    assert_int_equal(documented_statuses(), produced);
    assert_int_equal(produced, (1u << CLI_EXIT_OK) | (1u << CLI_EXIT_FAILED) | (1u << CLI_EXIT_USAGE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_has_its_own_text),
        cmocka_unit_test(docker_answers_map_to_codes),
        cmocka_unit_test(status_error_carries_the_code),
        cmocka_unit_test(context_keeps_the_code),
        cmocka_unit_test(a_bad_name_is_a_usage_error),
        cmocka_unit_test(exit_table),
        cmocka_unit_test(exit_table_matches_the_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
