/* test_impl_cli_files.c: the openshell binary on commands that need no daemon, or none that
 * answers: name resolution (rules §3.3), validation before side effects (3.2), exit codes (3.5),
 * info/select output (9.2), preflight failures (4.1), the TLS knob (8.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_config.h"
#include "impl_proc.h"
#include "osh_str.h"

typedef struct cli_fixture {
    char *tmp;
    char *root;  /* config root */
    char **env;
    impl_proc_result r;
} cli_fixture;

static int setup(void **state)
{
    cli_fixture *f = calloc(1, sizeof(*f));
    char tmpl[] = "/tmp/osh-impl-cli-XXXXXX";
    f->tmp = strdup(mkdtemp(tmpl));
    f->root = osh_str_printf("%s/config/openshell", f->tmp);
    char *e[] = {osh_str_printf("PATH=%s", getenv("PATH")), osh_str_printf("HOME=%s/home", f->tmp),
                 osh_str_printf("XDG_CONFIG_HOME=%s/config", f->tmp),
                 osh_str_printf("DOCKER_HOST=unix://%s/no-docker.sock", f->tmp),
                 osh_str_dup("OPENSHELL_POLL_INTERVAL_MS=0")};
    for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
        impl_env_set(&f->env, e[i]);
        free(e[i]);
    }
    const char *copied[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
    for (size_t i = 0; i < 3; i++)
        if (getenv(copied[i])) {
            char *v = osh_str_printf("%s=%s", copied[i], getenv(copied[i]));
            impl_env_set(&f->env, v);
            free(v);
        }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    cli_fixture *f = *state;
    char *cmd = osh_str_printf("rm -rf '%s'", f->tmp);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    impl_env_free(f->env);
    impl_proc_result_free(&f->r);
    free(f->root);
    free(f->tmp);
    free(f);
    return 0;
}

static int run(cli_fixture *f, ...)
{
    char *argv[32] = {OPENSHELL_BIN};
    va_list ap;
    va_start(ap, f);
    int n = 1;
    for (char *a; (a = va_arg(ap, char *));)
        argv[n++] = a;
    va_end(ap);
    impl_proc_result_free(&f->r);
    impl_proc_run(argv, f->env, &f->r);
    return f->r.exit_code;
}

static void contains(const osh_buf *b, const char *needle)
{
    if (!strstr(osh_buf_str(b), needle))
        fail_msg("expected '%s' in:\n%s", needle, osh_buf_str(b));
}

static void store(cli_fixture *f, const char *name, const char *endpoint, const char *remote)
{
    gw_metadata m = {.name = (char *)name, .gateway_endpoint = (char *)endpoint, .gateway_port = 8080,
                     .is_remote = remote != NULL, .remote_host = (char *)remote,
                     .resolved_host = remote ? "10.0.0.9" : NULL};
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(gw_metadata_store(f->root, &m, &err), 0);
}

static bool root_exists(cli_fixture *f) { return access(f->root, F_OK) == 0; }

static void info_output(void **state)
{
    cli_fixture *f = *state;
    store(f, "a", "https://127.0.0.1:8080", NULL);
    store(f, "r", "https://10.0.0.9:8080", "me@box");
    assert_int_equal(run(f, "gateway", "info", "--name", "a", NULL), 0);
    assert_string_equal(osh_buf_str(&f->r.out), "Gateway Info\n\n  Gateway: a\n  Gateway endpoint: https://127.0.0.1:8080\n");
    assert_int_equal(run(f, "gateway", "info", "--name", "r", NULL), 0);
    assert_string_equal(osh_buf_str(&f->r.out), "Gateway Info\n\n  Gateway: r\n  Gateway endpoint: https://10.0.0.9:8080\n"
                                                "  Remote host: me@box\n  Resolved host: 10.0.0.9\n");
    assert_int_equal(run(f, "gateway", "info", "--name", "ghost", NULL), 1);
    contains(&f->r.err, "No gateway metadata found for 'ghost'");
    contains(&f->r.err, "Deploy a gateway first with: openshell gateway start --name ghost");
    char *bad = osh_str_printf("%s/gateways/bad_metadata.json", f->root);
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(gw_write_file_atomic(bad, "[]", 2, 0600, &err), 0);
    free(bad);
    assert_int_equal(run(f, "gateway", "info", "--name", "bad", NULL), 1);
    contains(&f->r.err, "failed to parse gateway metadata");
}

static void name_resolution_precedence(void **state)
{
    cli_fixture *f = *state;
    store(f, "a", "https://127.0.0.1:8080", NULL);
    store(f, "b", "https://127.0.0.1:8080", NULL);
    store(f, "c", "https://127.0.0.1:8080", NULL);
    store(f, "openshell", "https://127.0.0.1:8080", NULL);
    assert_int_equal(run(f, "gateway", "info", NULL), 0);
    contains(&f->r.out, "Gateway: openshell");
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(gw_active_gateway_write(f->root, "c", &err), 0);
    assert_int_equal(run(f, "gateway", "info", NULL), 0);
    contains(&f->r.out, "Gateway: c");
    impl_env_set(&f->env, "OPENSHELL_GATEWAY= a ");
    assert_int_equal(run(f, "gateway", "info", NULL), 0);
    contains(&f->r.out, "Gateway: a");
    assert_int_equal(run(f, "gateway", "info", "-g", "b", NULL), 0);
    contains(&f->r.out, "Gateway: b");
    assert_int_equal(run(f, "-g", "b", "gateway", "info", "--name", "c", NULL), 0);
    contains(&f->r.out, "Gateway: c");
}

static void select_and_list(void **state)
{
    cli_fixture *f = *state;
    assert_int_equal(run(f, "gateway", "select", NULL), 0);
    assert_string_equal(osh_buf_str(&f->r.out), "No gateways found.\n\nDeploy a gateway with: openshell gateway start\n");
    store(f, "longer-name", "https://127.0.0.1:8080", NULL);
    store(f, "b", "https://10.0.0.9:9", "me@box");
    assert_int_equal(run(f, "gateway", "select", "b", NULL), 0);
    contains(&f->r.err, "\xE2\x9C\x93 Active gateway set to 'b'");
    char *active = gw_active_gateway_read(f->root);
    assert_string_equal(active, "b");
    free(active);
    assert_int_equal(run(f, "gateway", "select", "nope", NULL), 1);
    contains(&f->r.err, "No gateway metadata found for 'nope'");
    assert_int_equal(run(f, "gateway", "select", NULL), 0);
    assert_string_equal(osh_buf_str(&f->r.out),
                        "  NAME         ENDPOINT                TYPE    AUTH\n"
                        "* b            https://10.0.0.9:9      remote  mtls\n"
                        "  longer-name  https://127.0.0.1:8080  local   mtls\n");
    contains(&f->r.err, "Select a gateway with: openshell gateway select <name>");
    assert_int_equal(run(f, "gateway", "select", "-g", "longer-name", NULL), 0);
    contains(&f->r.out, "* longer-name");
    assert_int_equal(run(f, "gateway", "select", "bad/name", NULL), 2);
}

static void usage_errors_leave_nothing(void **state)
{
    cli_fixture *f = *state;
    assert_int_equal(run(f, "gateway", "start", "--name", "bad/name", NULL), 2);
    contains(&f->r.err, "gateway name contains invalid characters");
    assert_int_equal(run(f, "gateway", "start", "--name", "", NULL), 2);
    contains(&f->r.err, "gateway name is empty");
    assert_int_equal(run(f, "gateway", "start", "--name", "..", NULL), 2);
    assert_int_equal(run(f, "gateway", "start", "--port", "70000", NULL), 2);
    assert_int_equal(run(f, "doctor", "logs", "--name", "a b", NULL), 2);
    assert_int_equal(run(f, "gateway", "destroy", "-g", ".", NULL), 2);
    assert_int_equal(run(f, "gateway", "frobnicate", NULL), 2);
    assert_int_equal(run(f, "doctor", "exec", "--", NULL), 2);
    impl_env_set(&f->env, "OPENSHELL_GATEWAY=x:y");
    assert_int_equal(run(f, "gateway", "info", NULL), 2);
    assert_false(root_exists(f));
}

static void help_and_version(void **state)
{
    cli_fixture *f = *state;
    assert_int_equal(run(f, "--version", NULL), 0);
    contains(&f->r.out, "openshell ");
    const char *levels[][3] = {{"--help", NULL, NULL},           {"gateway", "--help", NULL},
                               {"gateway", "start", "--help"},  {"doctor", "exec", "--help"},
                               {"debug", "node-name", "--help"}, {"gateway", "select", "-h"}};
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        assert_int_equal(run(f, levels[i][0], levels[i][1], levels[i][2], NULL), 0);
        contains(&f->r.out, "Usage: openshell");
    }
    assert_int_equal(run(f, "debug", "node-name", "Prod_US", NULL), 0);
    assert_string_equal(osh_buf_str(&f->r.out), "openshell-prod-us\n");
}

static void preflight_failures(void **state)
{
    cli_fixture *f = *state;
    assert_int_equal(run(f, "gateway", "start", NULL), 1);
    contains(&f->r.err, "Docker socket exists but the daemon is not responding");
    contains(&f->r.err, "DOCKER_HOST is set to 'unix://");
    contains(&f->r.err, "Verify Docker is working with: docker info");
    contains(&f->r.err, "x Gateway failed: openshell");
    impl_env_set(&f->env, "DOCKER_HOST=ftp://x");
    assert_int_equal(run(f, "gateway", "start", NULL), 1);
    contains(&f->r.err, "Failed to create Docker client");
    contains(&f->r.err, "unsupported DOCKER_HOST scheme");
    contains(&f->r.err, "Verify Docker is working with: docker info");
    impl_env_set(&f->env, "PATH=/nonexistent");
    assert_int_equal(run(f, "gateway", "start", "--remote", "me@box", NULL), 1);
    contains(&f->r.err, "Deploying remote gateway openshell...");
    contains(&f->r.err, "could not run ssh to reach the Docker daemon on me@box: No such file or directory");
    char *path = osh_str_printf("PATH=%s", getenv("PATH"));
    impl_env_set(&f->env, path);
    free(path);
    impl_env_set(&f->env, "NAV_GATEWAY_TLS_ENABLED=maybe");
    assert_int_equal(run(f, "gateway", "start", NULL), 1);
    contains(&f->r.err, "NAV_GATEWAY_TLS_ENABLED must be true or false");
    impl_env_set(&f->env, "NAV_GATEWAY_TLS_ENABLED");
    impl_env_set(&f->env, "XDG_CONFIG_HOME");
    impl_env_set(&f->env, "HOME");
    assert_int_equal(run(f, "gateway", "start", NULL), 1);
    contains(&f->r.err, "HOME is not set");
    assert_int_equal(run(f, "gateway", "info", "--name", "bad name", NULL), 2);
    assert_false(root_exists(f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(info_output, setup, teardown),
        cmocka_unit_test_setup_teardown(name_resolution_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(select_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(usage_errors_leave_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(help_and_version, setup, teardown),
        cmocka_unit_test_setup_teardown(preflight_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
