/* test_sandbox_tls.c: the kubeconfig's TLS settings really reach the connection: CA as file
 * and as data, insecure-skip-tls-verify, and client certificates (file and data) against a
 * server that requires one. The server is `openssl s_server -WWW` serving a pod document
 * from a temp dir, with certificates made by the openssl CLI; without openssl the test
 * exits 77 (skipped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osh_base64.h"
#include "osh_buf.h"
#include "osh_str.h"
#include "sandbox_test_util.h"

static char dir[64];

static void sh(const char *fmt, const char *arg)
{
    char *cmd = osh_str_printf(fmt, arg, arg, arg, arg, arg, arg);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("command failed (%d): %s", rc, cmd);
    free(cmd);
}

static int make_pki(void **state)
{
    strcpy(dir, "/tmp/osh-sbx-tls-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    const char *ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    char *cmd = osh_str_printf(
        "cd '%s' && exec >/dev/null 2>&1 && "
        "openssl req -x509 %s -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca && "
        "openssl req -x509 %s -keyout other.key -out other.pem -days 2 -subj /CN=other-ca && "
        "openssl req %s -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 && "
        "printf 'subjectAltName=IP:127.0.0.1\\n' > srv.ext && "
        "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile srv.ext && "
        "openssl req %s -keyout client.key -out client.csr -subj /CN=sandbox-client && "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 && "
        "openssl req %s -keyout named.key -out named.csr -subj /CN=kubernetes.test && "
        "printf 'subjectAltName=DNS:kubernetes.test\\n' > named.ext && "
        "openssl x509 -req -in named.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out named.pem -days 2 -extfile named.ext && "
        "mkdir -p api/v1/namespaces/openshell/pods && "
        "printf '{\"status\": {\"podIP\": \"10.1.2.3\"}}' > api/v1/namespaces/openshell/pods/p",
        dir, ec, ec, ec, ec, ec);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static int remove_pki(void **state)
{
    sh("rm -rf '%s'", dir);
    return 0;
}

typedef struct tls_server {
    pid_t pid;
    int out_fd;
    int port;
} tls_server;

/* Start s_server in dir; extra are more s_server flags. Waits for its ACCEPT line. */
static void server_start_as(tls_server *s, const char *cert, const char *extra)
{
    char *script = osh_str_printf("cd '%s' && exec openssl s_server -accept 0 -cert %s.pem -key %s.key -WWW %s 2>&1",
                                  dir, cert, cert, extra);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    char *err_path = osh_str_printf("%s/server.err", dir);
    s->pid = test_spawn_reading(argv, NULL, err_path, &s->out_fd);
    s->port = 0;
    char *line;
    while (!s->port && (line = test_read_line(s->out_fd))) {
        const char *colon = strrchr(line, ':');
        if (osh_str_starts_with(line, "ACCEPT") && colon)
            s->port = atoi(colon + 1);
        free(line);
    }
    free(err_path);
    free(script);
    if (!s->port)
        fail_msg("openssl s_server did not start");
}

static void server_start(tls_server *s, const char *extra) { server_start_as(s, "srv", extra); }

static void server_stop(tls_server *s)
{
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    close(s->out_fd);
}

static char *file_base64(const char *name)
{
    char *path = osh_str_printf("%s/%s", dir, name);
    char *text = test_read_file(path);
    assert_non_null(text);
    osh_buf b = OSH_BUF_INIT;
    osh_base64_encode(&b, text, strlen(text));
    free(text);
    free(path);
    return osh_buf_detach(&b);
}

/* Run pod-ip p against the server with the given cluster and user YAML lines. */
static test_run_result pod_ip(const tls_server *s, const char *cluster_extra, const char *user_extra)
{
    char *kubeconfig = osh_str_printf("%s/kubeconfig", dir);
    char *text = osh_str_printf("current-context: t\n"
                                "contexts: [{name: t, context: {cluster: c, user: u}}]\n"
                                "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:%d\n%s"
                                "users:\n- name: u\n  user:\n    token: t0k\n%s",
                                s->port, cluster_extra, user_extra);
    test_write_file(kubeconfig, text);
    char *argv[] = {TEST_SANDBOX_DRIVER, "pod-ip", "p", "--kubeconfig", kubeconfig, NULL};
    test_run_result r;
    test_run(argv, NULL, &r);
    free(text);
    free(kubeconfig);
    return r;
}

static void expect_ip(test_run_result r)
{
    if (r.exit_code != 0 || strcmp(r.out, "10.1.2.3\n") != 0)
        fail_msg("exit %d, out [%s], err [%s]", r.exit_code, r.out, r.err);
    test_run_result_free(&r);
}

static void expect_tls_failure(test_run_result r)
{
    if (r.exit_code != 1 || !strstr(r.err, "error: cannot reach the Kubernetes API at https://127.0.0.1:"))
        fail_msg("exit %d, out [%s], err [%s]", r.exit_code, r.out, r.err);
    test_run_result_free(&r);
}

static void ca_file_and_ca_data(void **state)
{
    tls_server s;
    server_start(&s, "");
    expect_ip(pod_ip(&s, "    certificate-authority: ca.pem\n", ""));
    server_stop(&s);

    server_start(&s, "");
    char *ca = file_base64("ca.pem");
    char *line = osh_str_printf("    certificate-authority-data: %s\n", ca);
    expect_ip(pod_ip(&s, line, ""));
    free(line);
    free(ca);
    server_stop(&s);
}

static void wrong_ca_fails_unless_insecure(void **state)
{
    tls_server s;
    server_start(&s, "");
    expect_tls_failure(pod_ip(&s, "    certificate-authority: other.pem\n", ""));
    server_stop(&s);

    server_start(&s, "");
    expect_ip(pod_ip(&s, "    insecure-skip-tls-verify: true\n", ""));
    server_stop(&s);
}

static void client_certificate_files_and_data(void **state)
{
    const char *require = "-Verify 1 -CAfile ca.pem";
    tls_server s;
    server_start(&s, require);
    expect_tls_failure(pod_ip(&s, "    certificate-authority: ca.pem\n", ""));
    server_stop(&s);

    server_start(&s, require);
    expect_ip(pod_ip(&s, "    certificate-authority: ca.pem\n", "    client-certificate: client.pem\n    client-key: client.key\n"));
    server_stop(&s);

    server_start(&s, require);
    char *cert = file_base64("client.pem"), *key = file_base64("client.key");
    char *user = osh_str_printf("    client-certificate-data: %s\n    client-key-data: %s\n", cert, key);
    expect_ip(pod_ip(&s, "    certificate-authority: ca.pem\n", user));
    free(user);
    free(cert);
    free(key);
    server_stop(&s);
}

/* A certificate for kubernetes.test only: verification needs tls-server-name. */
static void tls_server_name_sets_the_checked_name(void **state)
{
    tls_server s;
    server_start_as(&s, "named", "");
    expect_tls_failure(pod_ip(&s, "    certificate-authority: ca.pem\n", ""));
    server_stop(&s);

    server_start_as(&s, "named", "");
    expect_ip(pod_ip(&s, "    certificate-authority: ca.pem\n    tls-server-name: kubernetes.test\n", ""));
    server_stop(&s);
}

int main(void)
{
    if (system("command -v openssl >/dev/null 2>&1") != 0) {
        printf("openssl CLI not installed: skipping the TLS tests\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ca_file_and_ca_data),
        cmocka_unit_test(wrong_ca_fails_unless_insecure),
        cmocka_unit_test(client_certificate_files_and_data),
        cmocka_unit_test(tls_server_name_sets_the_checked_name),
    };
    return cmocka_run_group_tests_name("sandbox.tls", tests, make_pki, remove_pki);
}
