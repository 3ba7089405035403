/* test_impl_cli.c: argument parsing (rules §3.1, 3.5), doctor exec escaping (9.5), the
 * DOCKER_HOST and ssh endpoints (3.6, 4.11), the test knobs (3.7), NAV_GATEWAY_TLS_ENABLED
 * (8.1), and the exact exec command strings (5.2, 5.3, 8.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_args.h"
#include "docker_client.h"
#include "gateway.h"
#include "gw_internal.h"
#include "gw_timing.h"
#include "osh_str.h"
#include "spec_scripts.h"

static int parse(cli_args *a, char **error, int argc, ...)
{
    char *argv[32];
    va_list ap;
    va_start(ap, argc);
    argv[0] = "openshell";
    for (int i = 1; i <= argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    argv[argc + 1] = NULL;
    static char *saved[32];
    memcpy(saved, argv, sizeof(argv));
    return cli_parse(argc + 1, saved, a, error);
}

static void parses_start_flags(void **state)
{
    cli_args a;
    char *error;
    assert_int_equal(parse(&a, &error, 13, "gateway", "start", "--name", "t", "--port=9090", "--recreate", "--gpu",
                           "--plaintext", "--gateway-host", "h", "-g", "other", "--disable-gateway-auth"),
                     0);
    assert_int_equal(a.command, CLI_GATEWAY_START);
    assert_string_equal(a.name, "t");
    assert_int_equal(a.port, 9090);
    assert_true(a.recreate && a.gpu && a.plaintext && a.disable_gateway_auth);
    assert_string_equal(a.gateway_host, "h");
    assert_string_equal(a.gateway, "other");
    assert_int_equal(parse(&a, &error, 4, "-g", "x", "gateway", "info"), 0);
    assert_int_equal(a.command, CLI_GATEWAY_INFO);
    assert_string_equal(a.gateway, "x");
    assert_int_equal(parse(&a, &error, 3, "gateway", "info", "--gateway=y"), 0);
    assert_string_equal(a.gateway, "y");
}

static void expect_usage_error(const char *phrase, int argc, ...)
{
    char *argv[32];
    va_list ap;
    va_start(ap, argc);
    argv[0] = "openshell";
    for (int i = 1; i <= argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    cli_args a;
    char *error = NULL;
    assert_int_equal(cli_parse(argc + 1, argv, &a, &error), 2);
    assert_non_null(error);
    if (!strstr(error, phrase))
        fail_msg("error '%s' lacks '%s'", error, phrase);
    free(error);
}

static void usage_errors(void **state)
{
    expect_usage_error("--port", 4, "gateway", "start", "--port", "0");
    expect_usage_error("--port", 4, "gateway", "start", "--port", "70000");
    expect_usage_error("--port", 4, "gateway", "start", "--port", "x");
    expect_usage_error("--port", 3, "gateway", "start", "--port=");
    expect_usage_error("a value is required for '--name'", 3, "gateway", "start", "--name");
    expect_usage_error("unexpected argument '--bogus'", 3, "gateway", "start", "--bogus");
    expect_usage_error("unexpected argument '--port'", 4, "gateway", "stop", "--port", "1");
    expect_usage_error("unrecognized subcommand 'launch'", 2, "gateway", "launch");
    expect_usage_error("unrecognized subcommand 'nope'", 1, "nope");
    expect_usage_error("requires a subcommand", 1, "gateway");
    expect_usage_error("a command is required", 0);
    expect_usage_error("doctor exec needs a command", 3, "doctor", "exec", "--");
    expect_usage_error("the required argument", 2, "debug", "node-name");
    expect_usage_error("unexpected argument 'b'", 4, "gateway", "select", "a", "b");
    expect_usage_error("--tail", 4, "doctor", "logs", "--tail", "-3");
    expect_usage_error("a value is required for '-g'", 3, "gateway", "info", "-g");
}

static void help_and_version(void **state)
{
    cli_args a;
    char *error;
    assert_int_equal(parse(&a, &error, 1, "--help"), 0);
    assert_int_equal(a.command, CLI_HELP);
    assert_string_equal(a.help_topic, "");
    assert_int_equal(parse(&a, &error, 2, "gateway", "--help"), 0);
    assert_string_equal(a.help_topic, "gateway");
    assert_int_equal(parse(&a, &error, 4, "gateway", "start", "--port", "1"), 0);
    assert_int_equal(parse(&a, &error, 3, "doctor", "exec", "-h"), 0);
    assert_string_equal(a.help_topic, "doctor exec");
    assert_non_null(strstr(cli_usage("doctor exec"), "-- COMMAND"));
    assert_int_equal(parse(&a, &error, 1, "--version"), 0);
    assert_int_equal(a.command, CLI_VERSION);
}

static void exec_logs_nodename_sandbox(void **state)
{
    cli_args a;
    char *error;
    assert_int_equal(parse(&a, &error, 7, "doctor", "exec", "--name", "g", "--", "echo", "--name"), 0);
    assert_int_equal(a.exec_argc, 2);
    assert_string_equal(a.exec_argv[1], "--name");
    assert_int_equal(parse(&a, &error, 5, "doctor", "logs", "-n", "5", "--follow"), 0);
    assert_string_equal(a.tail, "5");
    assert_true(a.follow);
    assert_int_equal(parse(&a, &error, 3, "debug", "node-name", "-abc-"), 0);
    assert_string_equal(a.positional, "-abc-");
    assert_int_equal(parse(&a, &error, 3, "debug", "node-name", ""), 0);
    assert_string_equal(a.positional, "");
    assert_int_equal(parse(&a, &error, 4, "-g", "x", "sandbox", "watch"), 0);
    assert_int_equal(a.command, CLI_SANDBOX);
    assert_int_equal(a.sandbox_index, 3);
}

static void shell_escape(void **state)
{
    const char *cases[][2] = {{"", "''"},
                              {"echo", "echo"},
                              {"a-b_c./,:=@9", "a-b_c./,:=@9"},
                              {"a b", "'a b'"},
                              {"it's", "'it'\\''s'"},
                              {"$HOME", "'$HOME'"},
                              {"*", "'*'"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = gw_shell_escape(cases[i][0]);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
}

static void docker_host_parsing(void **state)
{
    docker_endpoint ep;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(docker_endpoint_parse(NULL, &ep, &err), 0);
    assert_int_equal(ep.transport, DOCKER_TRANSPORT_UNIX);
    assert_string_equal(ep.address, "/var/run/docker.sock");
    docker_endpoint_free(&ep);
    assert_int_equal(docker_endpoint_parse("unix:///tmp/d.sock", &ep, &err), 0);
    assert_string_equal(ep.address, "/tmp/d.sock");
    docker_endpoint_free(&ep);
    assert_int_equal(docker_endpoint_parse("tcp://127.0.0.2:2375/", &ep, &err), 0);
    assert_int_equal(ep.transport, DOCKER_TRANSPORT_TCP);
    assert_string_equal(ep.address, "127.0.0.2:2375");
    docker_endpoint_free(&ep);
    assert_int_equal(docker_endpoint_parse("tcp://docker", &ep, &err), 0);
    assert_string_equal(ep.address, "docker:2375");
    docker_endpoint_free(&ep);
    const char *bad[] = {"ftp://x", "unix://", "tcp://", "npipe:////./pipe/docker", "/var/run/docker.sock"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(docker_endpoint_parse(bad[i], &ep, &err), -1);
        assert_non_null(strstr(gw_error_text(&err), "unsupported DOCKER_HOST scheme"));
        assert_int_equal(err.code, GW_E_INVALID);
    }
    gw_error_clear(&err);
}

static void ssh_endpoint(void **state)
{
    docker_endpoint ep;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(docker_endpoint_ssh("ssh://me@box:2222", "/k", &ep, &err), 0);
    const char *want[] = {"ssh", "-i", "/k", "-p", "2222", "-T", "--", "me@box", "docker", "system", "dial-stdio", NULL};
    for (int i = 0; want[i]; i++)
        assert_string_equal(ep.ssh_argv[i], want[i]);
    assert_null(ep.ssh_argv[11]);
    assert_int_equal(ep.bounds.request_ms, 0); /* bounds come from docker_bounds_from_env */
    docker_endpoint_free(&ep);
    assert_int_equal(docker_endpoint_ssh("me@box", NULL, &ep, &err), 0);
    assert_string_equal(ep.ssh_argv[1], "-T");
    assert_string_equal(ep.ssh_argv[3], "me@box");
    docker_endpoint_free(&ep);
    char *host = gw_ssh_host_of("ssh://me@box:22");
    assert_string_equal(host, "box:22");
    free(host);
    host = gw_ssh_host_of("plainhost");
    assert_string_equal(host, "plainhost");
    free(host);
    /* Without a working `ssh -G` the host resolves to itself (rules §4.6). */
    char *saved = strdup(getenv("PATH"));
    setenv("PATH", "/nonexistent", 1);
    host = gw_ssh_resolve_host("box");
    assert_string_equal(host, "box");
    free(host);
    /* With one, the "hostname" line of its configuration dump (stderr is not read). */
    char dir[] = "/tmp/osh-ssh-G-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *fake = osh_str_printf("%s/ssh", dir);
    FILE *script = fopen(fake, "w");
    assert_non_null(script);
    fputs("#!/bin/sh\necho noise >&2\nprintf 'user me\\nhostname  10.1.2.3 \\nport 22\\n'\n", script);
    fclose(script);
    assert_int_equal(chmod(fake, 0755), 0);
    setenv("PATH", dir, 1);
    host = gw_ssh_resolve_host("box");
    assert_string_equal(host, "10.1.2.3");
    free(host);
    unlink(fake);
    rmdir(dir);
    free(fake);
    setenv("PATH", saved, 1);
    free(saved);
}

static void query_encoding(void **state)
{
    osh_buf p = OSH_BUF_INIT;
    osh_buf_append_str(&p, "/images/create");
    docker_path_add_query(&p, "fromImage", "ghcr.io/nvidia/openshell/cluster");
    docker_path_add_query(&p, "tag", "v 1");
    assert_string_equal(osh_buf_str(&p), "/images/create?fromImage=ghcr.io%2Fnvidia%2Fopenshell%2Fcluster&tag=v%201");
    osh_buf_free(&p);
}

static void knobs(void **state)
{
    assert_int_equal(gw_parse_poll_interval("0"), 0);
    assert_int_equal(gw_parse_poll_interval("600000"), 600000);
    assert_int_equal(gw_parse_poll_interval("600001"), -1);
    assert_int_equal(gw_parse_poll_interval("-1"), -1);
    assert_int_equal(gw_parse_poll_interval("1x"), -1);
    assert_int_equal(gw_parse_poll_interval(""), -1);
    /* the follower's end wait: nominal without the knob, knob + 50 ms with it, never more */
    unsetenv("OPENSHELL_POLL_INTERVAL_MS");
    assert_int_equal(gw_wait_bound_ms(1000), 1000);
    setenv("OPENSHELL_POLL_INTERVAL_MS", "1", 1);
    assert_int_equal(gw_wait_bound_ms(1000), 51);
    setenv("OPENSHELL_POLL_INTERVAL_MS", "5000", 1);
    assert_int_equal(gw_wait_bound_ms(1000), 1000);
    unsetenv("OPENSHELL_POLL_INTERVAL_MS");
    assert_int_equal(cli_parse_port("65535"), 65535);
    assert_int_equal(cli_parse_port("+80"), -1);
}

static void tls_wanted(void **state)
{
    bool fetch;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(gw_tls_wanted(false, NULL, &fetch, &err), 0);
    assert_true(fetch);
    assert_int_equal(gw_tls_wanted(true, "true", &fetch, &err), 0);
    assert_false(fetch);
    assert_int_equal(gw_tls_wanted(false, " NO ", &fetch, &err), 0);
    assert_false(fetch);
    assert_int_equal(gw_tls_wanted(false, "Yes", &fetch, &err), 0);
    assert_true(fetch);
    assert_int_equal(gw_tls_wanted(false, "maybe", &fetch, &err), -1);
    assert_non_null(strstr(gw_error_text(&err), "NAV_GATEWAY_TLS_ENABLED must be true or false"));
    /* An environment value, not a usage error: rules §8.1 exits 1. */
    assert_int_equal(err.code, GW_E_INVALID);
    assert_int_equal(cli_exit_status(err.code), CLI_EXIT_FAILED);
    gw_error_clear(&err);
}

static void exec_scripts_match_spec(void **state)
{
    assert_string_equal(gw_stale_script_s1(), SPEC_S1);
    assert_string_equal(gw_stale_script_s3(), SPEC_S3);
    assert_string_equal(gw_stale_script_s4(), SPEC_S4);
    assert_string_equal(gw_mtls_script(), SPEC_M1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_start_flags),
        cmocka_unit_test(usage_errors),
        cmocka_unit_test(help_and_version),
        cmocka_unit_test(exec_logs_nodename_sandbox),
        cmocka_unit_test(shell_escape),
        cmocka_unit_test(docker_host_parsing),
        cmocka_unit_test(ssh_endpoint),
        cmocka_unit_test(query_encoding),
        cmocka_unit_test(knobs),
        cmocka_unit_test(tls_wanted),
        cmocka_unit_test(exec_scripts_match_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
