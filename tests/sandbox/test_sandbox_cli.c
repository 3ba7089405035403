/* test_sandbox_cli.c: `sandbox ...` through the command driver, without any API server:
 * --dry-run against every golden document, flag defaults, usage errors (exit 2, nothing
 * attempted), spec refusals naming the JSON path, --help, and a missing configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osh_str.h"
#include "sandbox_test_util.h"

#define GOLDEN_DIR OSH_FIXTURES_DIR "/golden/sandbox"

static char tmpdir[64];

/* No kubeconfig, no in-cluster: commands that need the API must fail before any request. */
static char *isolated_env[] = {"KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
                               "HOME=/nonexistent-home", NULL};

static int setup(void **state)
{
    strcpy(tmpdir, "/tmp/osh-sbx-cli-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char *cmd = osh_str_printf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static int run(test_run_result *r, const char *const *args)
{
    const char *argv[48];
    int n = test_cli_prefix(argv);
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    test_run((char *const *)argv, isolated_env, r);
    return r->exit_code;
}

/* The golden's create command line, with --dry-run. */
static void golden_dry_run(const char *name)
{
    char *input_path = osh_str_printf("%s/%s.input.json", GOLDEN_DIR, name);
    char *expected_path = osh_str_printf("%s/%s.json", GOLDEN_DIR, name);
    cJSON *input = test_load_json(input_path);
    cJSON *expected = test_load_json(expected_path);
    char *spec_path = osh_str_printf("%s/%s.spec.json", tmpdir, name);
    char skew[32];
    const char *args[40];
    int n = test_golden_create_args(input, spec_path, skew, args);
    args[n++] = "--dry-run";
    args[n] = NULL;
    test_run_result r;
    int code = run(&r, args);
    if (code != 0)
        fail_msg("%s: exit %d: %s", name, code, r.err);
    cJSON *actual = cJSON_Parse(r.out);
    bool equal = test_json_equal(name, expected, actual);
    cJSON_Delete(actual);
    test_run_result_free(&r);
    cJSON_Delete(expected);
    cJSON_Delete(input);
    free(spec_path);
    free(input_path);
    free(expected_path);
    assert_true(equal);
}

static void dry_run_matches_every_golden(void **state)
{
    char **names;
    int count = test_list_golden_cases(GOLDEN_DIR, &names);
    assert_true(count >= 20);
    for (int i = 0; i < count; i++) {
        golden_dry_run(names[i]);
        free(names[i]);
    }
    free(names);
}

static const cJSON *agent_env(const cJSON *obj, const char *name)
{
    const cJSON *spec = cJSON_GetObjectItem(obj, "spec");
    const cJSON *pod = cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "podTemplate"), "spec");
    const cJSON *agent = cJSON_GetArrayItem(cJSON_GetObjectItem(pod, "containers"), 0);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(agent, "env"))
    {
        if (strcmp(cJSON_GetObjectItem(e, "name")->valuestring, name) == 0)
            return cJSON_GetObjectItem(e, "value");
    }
    return NULL;
}

static void defaults_without_flags(void **state)
{
    test_run_result r;
    assert_int_equal(run(&r, (const char *[]){"create", "--name", "d", "--dry-run", NULL}), 0);
    cJSON *obj = cJSON_Parse(r.out);
    assert_non_null(obj);
    const cJSON *metadata = cJSON_GetObjectItem(obj, "metadata");
    assert_string_equal(cJSON_GetObjectItem(metadata, "namespace")->valuestring, "openshell");
    const char *id = cJSON_GetObjectItem(cJSON_GetObjectItem(metadata, "labels"), "openshell.ai/sandbox-id")->valuestring;
    assert_int_equal(strlen(id), 36); /* a random UUIDv4 */
    assert_int_equal(id[14], '4');
    assert_string_equal(agent_env(obj, "OPENSHELL_SANDBOX_ID")->valuestring, id);
    assert_string_equal(agent_env(obj, "OPENSHELL_SSH_LISTEN_ADDR")->valuestring, "0.0.0.0:2222");
    assert_string_equal(agent_env(obj, "OPENSHELL_SSH_HANDSHAKE_SKEW_SECS")->valuestring, "300");
    assert_string_equal(agent_env(obj, "OPENSHELL_ENDPOINT")->valuestring, "");
    assert_null(agent_env(obj, "OPENSHELL_TLS_CA"));
    const cJSON *pod = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "spec"), "podTemplate"), "spec");
    assert_null(cJSON_GetObjectItem(pod, "hostAliases"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(pod, "volumes")), 1);
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(pod, "containers"), 0), "image"));
    cJSON_Delete(obj);
    test_run_result_free(&r);

    /* two runs, two ids */
    assert_int_equal(run(&r, (const char *[]){"create", "--name", "d", "--dry-run", NULL}), 0);
    char *first = osh_str_dup(r.out);
    test_run_result_free(&r);
    assert_int_equal(run(&r, (const char *[]){"create", "--name", "d", "--dry-run", NULL}), 0);
    assert_string_not_equal(first, r.out);
    free(first);
    test_run_result_free(&r);

    /* the global -g/--gateway is accepted and has no effect */
    assert_int_equal(run(&r, (const char *[]){"create", "--name", "d", "-g", "gw", "--gateway=gw2", "--dry-run", NULL}), 0);
    assert_non_null(strstr(r.out, "\"name\":\t\"d\""));
    test_run_result_free(&r);

    /* --flag=value form, and an explicit empty listen address drops the variable */
    assert_int_equal(run(&r, (const char *[]){"create", "--name=d", "--ssh-listen-addr=", "--dry-run", NULL}), 0);
    obj = cJSON_Parse(r.out);
    assert_null(agent_env(obj, "OPENSHELL_SSH_LISTEN_ADDR"));
    cJSON_Delete(obj);
    test_run_result_free(&r);
}

static void expect_usage_error(const char *const *args, const char *phrase)
{
    test_run_result r;
    int code = run(&r, args);
    if (code != 2 || !strstr(r.err, phrase))
        fail_msg("%s ...: exit %d, stderr: %s (wanted 2 and \"%s\")", args[0], code, r.err, phrase);
    assert_string_equal(r.out, "");
    test_run_result_free(&r);
}

static void usage_errors_exit_2(void **state)
{
    expect_usage_error((const char *[]){NULL}, "usage: openshell sandbox");
    expect_usage_error((const char *[]){"explode", NULL}, "unknown command 'sandbox explode'");
    expect_usage_error((const char *[]){"create", NULL}, "--name is required");
    expect_usage_error((const char *[]){"create", "--name", "", NULL}, "--name must not be empty");
    expect_usage_error((const char *[]){"create", "--name", "x", "--bogus", NULL}, "unknown flag '--bogus'");
    expect_usage_error((const char *[]){"create", "--name", NULL}, "flag '--name' needs a value");
    expect_usage_error((const char *[]){"create", "--name", "--dry-run", NULL}, "flag '--name' needs a value");
    expect_usage_error((const char *[]){"create", "--name", "x", "extra", NULL}, "unexpected argument 'extra'");
    expect_usage_error((const char *[]){"create", "--name", "x", "--dry-run=yes", NULL}, "takes no value");
    expect_usage_error((const char *[]){"create", "--name", "x", "--ssh-handshake-skew-secs", "-1", NULL},
                       "--ssh-handshake-skew-secs must be a non-negative integer");
    expect_usage_error((const char *[]){"create", "--name", "x", "--ssh-handshake-skew-secs", "99999999999999999999999", NULL},
                       "--ssh-handshake-skew-secs must be a non-negative integer");
    expect_usage_error((const char *[]){"create", "--name", "x", "--namespace", "", NULL}, "--namespace must not be empty");
    expect_usage_error((const char *[]){"create", "--name", "x", "-n", "y", NULL}, "unknown flag '-n'");
    expect_usage_error((const char *[]){"create", "--name", "x", "-g", NULL}, "flag '-g' needs a value");
    expect_usage_error((const char *[]){"delete", NULL}, "NAME is required");
    expect_usage_error((const char *[]){"delete", "a", "b", NULL}, "unexpected argument 'b'");
    expect_usage_error((const char *[]){"pod-ip", "--namespace", "x", NULL}, "NAME is required");
    expect_usage_error((const char *[]){"pod-ip", "p", "--max-events", "1", NULL}, "unknown flag '--max-events'");
    expect_usage_error((const char *[]){"watch", "name", NULL}, "unexpected argument 'name'");
    expect_usage_error((const char *[]){"watch", "--max-events", "0", NULL}, "--max-events must be a positive integer");
    expect_usage_error((const char *[]){"watch", "--max-events", "x", NULL}, "--max-events must be a positive integer");
}

static void bad_spec_files_exit_2(void **state)
{
    char *bad_type = osh_str_printf("%s/bad-type.json", tmpdir);
    test_write_file(bad_type, "{\"template\": {\"labels\": {\"team\": 5}}}");
    expect_usage_error((const char *[]){"create", "--name", "x", "--spec", bad_type, NULL},
                       "spec.template.labels.team: expected string");
    char *unknown = osh_str_printf("%s/unknown.json", tmpdir);
    test_write_file(unknown, "{\"template\": {\"imag\": \"x\"}}");
    expect_usage_error((const char *[]){"create", "--name", "x", "--spec", unknown, "--dry-run", NULL},
                       "spec.template.imag: unknown field");
    char *not_json = osh_str_printf("%s/not.json", tmpdir);
    test_write_file(not_json, "log_level: debug\n");
    expect_usage_error((const char *[]){"create", "--name", "x", "--spec", not_json, NULL}, "not valid JSON");
    expect_usage_error((const char *[]){"create", "--name", "x", "--spec", "/dev/zero", NULL}, "larger than");
    expect_usage_error((const char *[]){"create", "--name", "x", "--spec", tmpdir, NULL}, "cannot read: Is a directory");
    char *missing = osh_str_printf("%s/missing.json", tmpdir);
    expect_usage_error((const char *[]){"create", "--name", "x", "--spec", missing, NULL}, "cannot read");
    free(bad_type);
    free(unknown);
    free(not_json);
    free(missing);
}

static void help_exits_0(void **state)
{
    const char *commands[] = {"create", "delete", "pod-ip", "watch"};
    for (int i = 0; i < 4; i++) {
        test_run_result r;
        assert_int_equal(run(&r, (const char *[]){commands[i], "--help", NULL}), 0);
        char *want = osh_str_printf("usage: openshell sandbox %s", commands[i]);
        assert_non_null(strstr(r.out, want));
        free(want);
        test_run_result_free(&r);
    }
    test_run_result r;
    assert_int_equal(run(&r, (const char *[]){"--help", NULL}), 0);
    assert_non_null(strstr(r.out, "create|delete|pod-ip|watch"));
    test_run_result_free(&r);
}

static void no_configuration_exits_1(void **state)
{
    const char *const *commands[] = {
        (const char *[]){"create", "--name", "x", NULL},
        (const char *[]){"delete", "x", NULL},
        (const char *[]){"pod-ip", "x", NULL},
        (const char *[]){"watch", NULL},
    };
    for (int i = 0; i < 4; i++) {
        test_run_result r;
        assert_int_equal(run(&r, commands[i]), 1);
        assert_non_null(strstr(r.err, "error: no Kubernetes configuration"));
        assert_string_equal(r.out, "");
        test_run_result_free(&r);
    }
    test_run_result r;
    assert_int_equal(run(&r, (const char *[]){"delete", "x", "--kubeconfig", "/nonexistent/kc", NULL}), 1);
    assert_non_null(strstr(r.err, "/nonexistent/kc"));
    test_run_result_free(&r);
}

int main(int argc, char **argv)
{
    int openshell = test_cli_select(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dry_run_matches_every_golden),
        cmocka_unit_test(defaults_without_flags),
        cmocka_unit_test(usage_errors_exit_2),
        cmocka_unit_test(bad_spec_files_exit_2),
        cmocka_unit_test(help_exits_0),
        cmocka_unit_test(no_configuration_exits_1),
    };
    return cmocka_run_group_tests_name(openshell ? "sandbox.cli.openshell" : "sandbox.cli", tests, setup, teardown);
}
