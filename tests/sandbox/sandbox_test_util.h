/* sandbox_test_util.h: helpers shared by the sandbox tests: files, golden inputs, JSON diffs. */
#ifndef SANDBOX_TEST_UTIL_H
#define SANDBOX_TEST_UTIL_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "sandbox_translate.h"

/* The whole file as a malloc'd string, or NULL. */
char *test_read_file(const char *path);
/* Parse a JSON file; fails the test when it cannot. */
cJSON *test_load_json(const char *path);
/* Write text to path; fails the test when it cannot. */
void test_write_file(const char *path, const char *text);
/* Point config at the strings of a golden input's "config" member (they live in input). */
void test_config_from_golden(const cJSON *input, sandbox_client_config *config);
/* The `sandbox create` command line of a golden input into args[0..]: its name, id and
 * configuration as flags (the skew printed into skew[32]), and --spec spec_path with the spec
 * written there when the input has one. Returns the count (at most 25; args is not
 * terminated). The strings point into input, skew and spec_path. */
int test_golden_create_args(const cJSON *input, const char *spec_path, char skew[32], const char **args);
/* True when a and b are equal JSON (key order ignored, array order kept); on a difference
 * prints both documents to stderr with the label. */
bool test_json_equal(const char *label, const cJSON *expected, const cJSON *actual);
/* Sorted malloc'd list of the golden case names (file "X.input.json" gives "X"); returns count. */
int test_list_golden_cases(const char *dir, char ***names);

/* The result of running a command. */
typedef struct test_run_result {
    int exit_code;   /* -1 when it did not exit normally */
    char *out;       /* stdout */
    char *err;       /* stderr */
} test_run_result;

/* Run argv (argv[0] a path) with extra environment entries ("K=V", or "K" to unset), wait,
 * and capture its output. */
void test_run(char *const argv[], char *const env[], test_run_result *result);
void test_run_result_free(test_run_result *result);

/* Start argv with stdout on a pipe (read end in *out_fd), stderr to err_path, stdin from
 * /dev/null. Returns the pid. */
int test_spawn_reading(char *const argv[], char *const env[], const char *err_path, int *out_fd);
/* Start `sandbox watch --kubeconfig KUBECONFIG --max-events MAX` (test_cli_prefix's command)
 * as test_spawn_reading does. Returns the pid. */
int test_spawn_watch(const char *kubeconfig, const char *max_events, const char *err_path, int *out_fd);
/* Read one '\n'-terminated line from fd (blocking) into a malloc'd string without the
 * newline; NULL at end of file. */
char *test_read_line(int fd);

/* The sandbox command driver built next to the tests, and the openshell CLI. */
#define TEST_SANDBOX_DRIVER OSH_BIN_DIR "/sandbox_driver"
#define TEST_OPENSHELL OSH_BIN_DIR "/openshell"

/* Which command runs `sandbox ...`: the driver (default) or `openshell sandbox` when main()
 * got --openshell. Returns the remaining argc-style flag consumed (0 or 1). */
int test_cli_select(int argc, char **argv);
/* Write the command prefix into argv ({driver} or {openshell, "sandbox"}); returns its length. */
int test_cli_prefix(const char **argv);

/* The golden Sandbox as the API server stores it (rules §14.2): spec.logLevel,
 * spec.environment and spec.agentSocket are in neither Sandbox CRD, so they are pruned. */
cJSON *test_golden_as_stored(const cJSON *golden);

#endif
