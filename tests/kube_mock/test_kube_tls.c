/* test_kube_tls.c (label integration): the mock Kubernetes API served over HTTPS by a world
 * (mock_world kube_tls) and by openshell-mockd: libcurl verifies the served certificate
 * against fixtures/tls/mock-cert.pem (and refuses it without that CA), the kubeconfig trusts
 * it through certificate-authority-data, a given cert/key pair is served, and unreadable or
 * mismatched files are refused with messages naming them; openshell-mockd --kube https://
 * serves it (kube: https://..., kubeconfig) or fails naming a missing --tls-cert file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "mock_world.h"
#include "osh_base64.h"
#include "osh_buf.h"
#include "osh_file.h"
#include "osh_str.h"
#include "test_shell.h"

#define CERT OSH_FIXTURES_DIR "/tls/mock-cert.pem"
#define KEY OSH_FIXTURES_DIR "/tls/mock-key.pem"

static size_t collect(char *data, size_t size, size_t n, void *user)
{
    osh_buf_append(user, data, size * n);
    return size * n;
}

/* GET url+path; returns the curl code, *status the HTTP status. cainfo NULL = system CAs. */
static CURLcode https_get(const char *url, const char *path, const char *cainfo, long *status,
                          osh_buf *body)
{
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char *full = osh_str_printf("%s%s", url, path);
    curl_easy_setopt(c, CURLOPT_URL, full);
    if (cainfo)
        curl_easy_setopt(c, CURLOPT_CAINFO, cainfo);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    free(full);
    return rc;
}

static char *read_all(const char *path)
{
    char *error = NULL;
    char *text = osh_file_read(path, 1 << 20, NULL, &error);
    if (!text)
        fail_msg("%s", error);
    return text;
}

static mock_world *tls_world(const char *cert, const char *key, char **error)
{
    mock_world_options o = {.kube_enabled = true, .kube_tls = true, .kube_tls_cert_path = cert,
                            .kube_tls_key_path = key};
    return mock_world_new(NULL, &o, error);
}

static void test_default_certificate_verifies(void **state)
{
    (void)state;
    char *error = NULL;
    mock_world *w = tls_world(NULL, NULL, &error);
    assert_non_null(w);
    const char *url = mock_world_kube_url(w);
    assert_true(osh_str_starts_with(url, "https://127.0.0.1:"));
    osh_buf body = OSH_BUF_INIT;
    long status = 0;
    assert_int_equal(https_get(url, "/api/v1/namespaces/openshell", CERT, &status, &body), CURLE_OK);
    assert_int_equal(status, 200);
    assert_non_null(strstr(osh_buf_str(&body), "\"name\":\"openshell\""));
    /* localhost is in the SAN too */
    char *local = osh_str_printf("https://localhost:%s", strrchr(url, ':') + 1);
    osh_buf_reset(&body);
    assert_int_equal(https_get(local, "/version", CERT, &status, &body), CURLE_OK);
    assert_int_equal(status, 200);
    free(local);
    /* the request went through the journal like a plain one */
    cJSON *journal = mock_world_journal(w, "kube");
    assert_int_equal(cJSON_GetArraySize(journal), 2);
    cJSON_Delete(journal);
    osh_buf_free(&body);
    mock_world_free(w);
}

static void test_untrusted_without_ca(void **state)
{
    (void)state;
    char *error = NULL;
    mock_world *w = tls_world(NULL, NULL, &error);
    assert_non_null(w);
    osh_buf body = OSH_BUF_INIT;
    long status = 0;
    CURLcode rc = https_get(mock_world_kube_url(w), "/version", NULL, &status, &body);
    assert_int_equal(rc, CURLE_PEER_FAILED_VERIFICATION);
    /* plain HTTP on the TLS port is not served as HTTP */
    char *plain = osh_str_printf("http://127.0.0.1:%s", strrchr(mock_world_kube_url(w), ':') + 1);
    status = 0;
    https_get(plain, "/version", NULL, &status, &body);
    assert_int_not_equal(status, 200);
    free(plain);
    osh_buf_free(&body);
    mock_world_free(w);
}

static void test_kubeconfig_has_ca_data(void **state)
{
    (void)state;
    char *error = NULL;
    mock_world *w = tls_world(NULL, NULL, &error);
    assert_non_null(w);
    char dir[] = "/tmp/kube-tls-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = osh_str_printf("%s/kubeconfig", dir);
    assert_int_equal(mock_world_write_kubeconfig(w, path, &error), 0);
    char *text = read_all(path);
    char *cert = read_all(CERT);
    osh_buf ca = OSH_BUF_INIT;
    osh_base64_encode(&ca, cert, strlen(cert));
    char *line = osh_str_printf("certificate-authority-data: %s\n", osh_buf_str(&ca));
    assert_non_null(strstr(text, line));
    char *server = osh_str_printf("server: %s\n", mock_world_kube_url(w));
    assert_non_null(strstr(text, server));
    assert_null(strstr(text, "insecure"));
    free(server);
    free(line);
    osh_buf_free(&ca);
    free(cert);
    free(text);
    unlink(path);
    rmdir(dir);
    free(path);
    mock_world_free(w);
}

static void test_given_pair_is_served(void **state)
{
    (void)state;
    char dir[] = "/tmp/kube-tls-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *cert = osh_str_printf("%s/c.pem", dir), *key = osh_str_printf("%s/k.pem", dir);
    char *cmd = osh_str_printf("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=given "
                               "-addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s 2>/dev/null",
                               key, cert);
    if (system(cmd) != 0) {
        free(cmd), free(cert), free(key);
        rmdir(dir);
        skip(); /* openssl missing: the given-pair path cannot be exercised */
    }
    char *error = NULL;
    mock_world *w = tls_world(cert, key, &error);
    assert_non_null(w);
    osh_buf body = OSH_BUF_INIT;
    long status = 0;
    assert_int_equal(https_get(mock_world_kube_url(w), "/version", cert, &status, &body), CURLE_OK);
    assert_int_equal(status, 200);
    /* the committed test CA does not vouch for the given certificate */
    assert_int_equal(https_get(mock_world_kube_url(w), "/version", CERT, &status, &body),
                     CURLE_PEER_FAILED_VERIFICATION);
    osh_buf_free(&body);
    mock_world_free(w);
    unlink(cert), unlink(key), rmdir(dir);
    free(cmd), free(cert), free(key);
}

static void test_bad_files_are_named(void **state)
{
    (void)state;
    char *error = NULL;
    assert_null(tls_world("/nonexistent/cert.pem", KEY, &error));
    assert_string_equal(error, "cannot read TLS certificate /nonexistent/cert.pem: No such file or directory");
    free(error);
    error = NULL;
    assert_null(tls_world(CERT, "/nonexistent/key.pem", &error));
    assert_string_equal(error, "cannot read TLS key /nonexistent/key.pem: No such file or directory");
    free(error);
    error = NULL;
    assert_null(tls_world(CERT, NULL, &error));
    assert_non_null(strstr(error, "both a certificate and a key"));
    free(error);
    error = NULL;
    /* a key given as the certificate: GnuTLS refuses, the message names both files */
    assert_null(tls_world(KEY, KEY, &error));
    assert_non_null(strstr(error, "could not start a TLS daemon"));
    assert_non_null(strstr(error, "certificate " KEY));
    free(error);
    error = NULL;
    assert_null(tls_world("/dev/null", KEY, &error));
    assert_string_equal(error, "cannot read TLS certificate /dev/null: file is empty");
    free(error);
}

/* openshell-mockd: exit status and stderr of a run that must fail at start. */
static int run_mockd(const char *args, osh_buf *out)
{
    char *cmd = osh_str_printf("%s --docker unix:///tmp/kube-tls-mockd-%d.sock %s", MOCKD_BIN, (int)getpid(), args);
    int status = test_shell(cmd, out);
    free(cmd);
    return status;
}

static void test_mockd_missing_cert(void **state)
{
    (void)state;
    osh_buf out = OSH_BUF_INIT;
    int rc = run_mockd("--kube https://127.0.0.1:0 --tls-cert /nonexistent/mock.pem --tls-key " KEY, &out);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(osh_buf_str(&out), "/nonexistent/mock.pem: No such file or directory"));
    assert_null(strstr(osh_buf_str(&out), "ready"));
    osh_buf_reset(&out);
    rc = run_mockd("--kube https://127.0.0.1:0 --tls-cert " CERT, &out);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(osh_buf_str(&out), "--tls-cert given without --tls-key"));
    osh_buf_reset(&out);
    rc = run_mockd("--kube http://127.0.0.1:0 --tls-cert " CERT " --tls-key " KEY, &out);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(osh_buf_str(&out), "need --kube https://"));
    osh_buf_free(&out);
}

/* mockd serving https: prints the https URL, the API answers verified, the kubeconfig it
 * writes trusts the certificate, and SIGTERM ends it with status 0. */
static void test_mockd_serves_https(void **state)
{
    (void)state;
    char dir[] = "/tmp/kube-tls-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *sock = osh_str_printf("unix://%s/d.sock", dir), *kc = osh_str_printf("%s/kc", dir);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl(MOCKD_BIN, MOCKD_BIN, "--docker", sock, "--kube", "https://127.0.0.1:0",
              "--kubeconfig-out", kc, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *out = fdopen(fds[0], "r");
    char *line = NULL, *url = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, out) > 0 && strcmp(line, "ready\n") != 0)
        if (osh_str_starts_with(line, "kube: ")) {
            free(url);
            url = osh_str_trim_dup(line + strlen("kube: "));
        }
    free(line);
    assert_non_null(url);
    assert_true(osh_str_starts_with(url, "https://127.0.0.1:"));
    osh_buf body = OSH_BUF_INIT;
    long status = 0;
    assert_int_equal(https_get(url, "/api/v1/namespaces", CERT, &status, &body), CURLE_OK);
    assert_int_equal(status, 200);
    char *text = read_all(kc);
    assert_non_null(strstr(text, "certificate-authority-data: "));
    char *server = osh_str_printf("server: %s\n", url);
    assert_non_null(strstr(text, server));
    kill(pid, SIGTERM);
    int wstatus = 0;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), 0);
    fclose(out);
    free(server), free(text);
    osh_buf_free(&body);
    unlink(kc);
    unlink(sock + 7);
    rmdir(dir);
    free(sock), free(kc), free(url);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_certificate_verifies),
        cmocka_unit_test(test_untrusted_without_ca),
        cmocka_unit_test(test_kubeconfig_has_ca_data),
        cmocka_unit_test(test_given_pair_is_served),
        cmocka_unit_test(test_bad_files_are_named),
        cmocka_unit_test(test_mockd_missing_cert),
        cmocka_unit_test(test_mockd_serves_https),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
