/* test_sandbox_kubeconfig.c: kubeconfig reading (YAML and JSON; token, client certificate,
 * CA as data or file, insecure-skip-tls-verify; context errors), in-cluster configuration,
 * the source order of k8s_config_load, and the YAML reader. */
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

#include "k8s_config.h"
#include "k8s_yaml.h"
#include "osh_str.h"
#include "sandbox_test_util.h"

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    strcpy(tmpdir, "/tmp/osh-sbx-kcfg-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int remove_tmpdir(void **state)
{
    char *cmd = osh_str_printf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static char *write_tmp(const char *name, const char *text)
{
    char *path = osh_str_printf("%s/%s", tmpdir, name);
    test_write_file(path, text);
    return path;
}

static k8s_config *load_text(const char *text, char **error)
{
    return k8s_config_from_text(text, tmpdir, "kubeconfig test", error);
}

/* "hello-ca" etc. in base64 */
#define B64_CA "aGVsbG8tY2E="
#define B64_CERT "aGVsbG8tY2VydA=="
#define B64_KEY "aGVsbG8ta2V5"

static const char TOKEN_YAML[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: b\n"
    "contexts:\n"
    "- name: a\n"
    "  context: {cluster: one, user: u1}\n"
    "- name: b\n"
    "  context:\n"
    "    cluster: two\n"
    "    user: u2\n"
    "clusters:\n"
    "- name: one\n"
    "  cluster: {server: 'https://one:6443'}\n"
    "- name: two\n"
    "  cluster:\n"
    "    server: https://127.0.0.1:6443\n"
    "    certificate-authority-data: " B64_CA "\n"
    "users:\n"
    "- name: u1\n"
    "  user: {token: wrong}\n"
    "- name: u2\n"
    "  user:\n"
    "    token: \"s3cret\"\n";

static void token_and_ca_data_from_current_context(void **state)
{
    char *error = NULL;
    k8s_config *c = load_text(TOKEN_YAML, &error);
    assert_non_null(c);
    assert_string_equal(c->server, "https://127.0.0.1:6443");
    assert_string_equal(c->token, "s3cret");
    assert_int_equal(c->ca_data_len, 8);
    assert_memory_equal(c->ca_data, "hello-ca", 8);
    assert_null(c->ca_file);
    assert_null(c->cert_data);
    assert_false(c->insecure_skip_tls_verify);
    assert_non_null(strstr(c->source, "context b"));
    k8s_config_free(c);
}

static void client_certificate_data_and_insecure(void **state)
{
    char *error = NULL;
    k8s_config *c = load_text("current-context: x\n"
                               "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                               "clusters: [{name: c, cluster: {server: 'https://h:1', insecure-skip-tls-verify: true,"
                               " proxy-url: 'http://proxy:3128'}}]\n"
                               "users: [{name: u, user: {client-certificate-data: " B64_CERT
                               ", client-key-data: " B64_KEY "}}]\n",
                               &error);
    assert_non_null(c);
    assert_true(c->insecure_skip_tls_verify);
    assert_string_equal(c->proxy_url, "http://proxy:3128");
    assert_int_equal(c->cert_data_len, 10);
    assert_memory_equal(c->cert_data, "hello-cert", 10);
    assert_memory_equal(c->key_data, "hello-key", 9);
    assert_null(c->token);
    k8s_config_free(c);
}

static void files_resolve_relative_to_the_kubeconfig(void **state)
{
    char *token = write_tmp("token.txt", "  file-token\n");
    free(token);
    char *path = write_tmp("config",
                           "current-context: x\n"
                           "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                           "clusters: [{name: c, cluster: {server: 'https://h:1', certificate-authority: ca.pem}}]\n"
                           "users: [{name: u, user: {client-certificate: /abs/cert.pem, client-key: key.pem,"
                           " tokenFile: token.txt}}]\n");
    char *error = NULL;
    k8s_config *c = k8s_config_from_file(path, &error);
    if (!c)
        fail_msg("%s", error);
    char *ca = osh_str_printf("%s/ca.pem", tmpdir);
    char *key = osh_str_printf("%s/key.pem", tmpdir);
    assert_string_equal(c->ca_file, ca);
    assert_string_equal(c->cert_file, "/abs/cert.pem");
    assert_string_equal(c->key_file, key);
    assert_string_equal(c->token, "file-token");
    free(ca);
    free(key);
    k8s_config_free(c);
    free(path);
}

static void data_may_be_wrapped_in_lines(void **state)
{
    char *error = NULL;
    k8s_config *c = load_text("current-context: x\n"
                              "contexts: [{name: x, context: {cluster: c}}]\n"
                              "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
                              "    certificate-authority-data: |\n      aGVsbG8t\n      Y2E=\n",
                              &error);
    if (!c)
        fail_msg("%s", error);
    assert_int_equal(c->ca_data_len, 8);
    assert_memory_equal(c->ca_data, "hello-ca", 8);
    k8s_config_free(c);
}

static void json_kubeconfig_and_string_insecure(void **state)
{
    char *error = NULL;
    k8s_config *c = load_text("{\"current-context\": \"j\", \"contexts\": [{\"name\": \"j\", \"context\":"
                               " {\"cluster\": \"c\", \"user\": \"u\"}}], \"clusters\": [{\"name\": \"c\", \"cluster\":"
                               " {\"server\": \"http://127.0.0.1:8001\", \"insecure-skip-tls-verify\": \"true\"}}],"
                               " \"users\": [{\"name\": \"u\", \"user\": {\"username\": \"admin\", \"password\": \"pw\"}}]}",
                               &error);
    assert_non_null(c);
    assert_string_equal(c->server, "http://127.0.0.1:8001");
    assert_true(c->insecure_skip_tls_verify);
    assert_string_equal(c->username, "admin");
    assert_string_equal(c->password, "pw");
    k8s_config_free(c);
}

static void assert_load_error(const char *text, const char *phrase)
{
    char *error = NULL;
    k8s_config *c = load_text(text, &error);
    if (c)
        fail_msg("accepted: %s", text);
    if (!strstr(error, phrase))
        fail_msg("error \"%s\" lacks \"%s\"", error, phrase);
    free(error);
}

static void insecure_takes_yaml_booleans(void **state)
{
    const char *values[] = {"true", "True", "yes", "on", "y", "\"true\"", "false", "no", "off", "\"nope\""};
    for (int i = 0; i < 10; i++) {
        char *text = osh_str_printf("current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
                                    "clusters: [{name: c, cluster: {server: 'https://h', insecure-skip-tls-verify: %s}}]\n",
                                    values[i]);
        char *error = NULL;
        k8s_config *c = load_text(text, &error);
        assert_non_null(c);
        if (c->insecure_skip_tls_verify != (i < 6))
            fail_msg("insecure-skip-tls-verify: %s read as %d", values[i], c->insecure_skip_tls_verify);
        k8s_config_free(c);
        free(text);
    }
}

static void context_errors_are_clear(void **state)
{
    assert_load_error("current-context: gone\ncontexts: [{name: x, context: {cluster: c}}]\n",
                      "kubeconfig test: context \"gone\" not found");
    assert_load_error("contexts: []\n", "no current-context is set");
    assert_load_error("current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                      "clusters: [{name: c, cluster: {server: 'https://h'}}]\n",
                      "user \"u\" of context \"x\" not found");
    assert_load_error("current-context: x\ncontexts: [{name: x, context: {cluster: nope}}]\n",
                      "cluster \"nope\" of context \"x\" not found");
    assert_load_error("current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
                      "clusters: [{name: c, cluster: {}}]\n",
                      "the cluster has no server");
    assert_load_error("current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                      "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
                      "users: [{name: u, user: {token: 'a', client-key-data: '@@@'}}]\n",
                      "client-key-data is not valid base64");
    assert_load_error("current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                      "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
                      "users: [{name: u, user: {auth-provider: {name: gcp}}}]\n",
                      "auth-provider credentials are not supported");
    assert_load_error("current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
                      "clusters: [{name: c, cluster: {server: '//'}}]\n",
                      "the cluster's server \"//\" is not a URL");
    assert_load_error("current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                      "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
                      "users: [{name: u, user: {tokenFile: /dev/zero}}]\n",
                      "cannot read /dev/zero: larger than");
    assert_load_error("- just\n- a list\n", "not a kubeconfig");
    assert_load_error("key: [unclosed\n", "kubeconfig test: line");
}

static void missing_file_is_named(void **state)
{
    char *error = NULL;
    assert_null(k8s_config_from_file("/nonexistent/kubeconfig", &error));
    assert_non_null(strstr(error, "/nonexistent/kubeconfig"));
    free(error);
    assert_null(k8s_config_from_file(tmpdir, &error));
    assert_non_null(strstr(error, "Is a directory"));
    free(error);
}

static void in_cluster_reads_token_and_ca(void **state)
{
    char *t = write_tmp("token", "sa-token\n");
    free(t);
    setenv("KUBERNETES_SERVICE_HOST", "10.43.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    char *error = NULL;
    k8s_config *c = k8s_config_in_cluster(tmpdir, &error);
    assert_non_null(c);
    assert_string_equal(c->server, "https://10.43.0.1:443");
    assert_string_equal(c->token, "sa-token");
    char *ca = osh_str_printf("%s/ca.crt", tmpdir);
    assert_string_equal(c->ca_file, ca);
    free(ca);
    k8s_config_free(c);
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    c = k8s_config_in_cluster(tmpdir, &error);
    assert_string_equal(c->server, "https://[fd00::1]:443");
    k8s_config_free(c);
    unsetenv("KUBERNETES_SERVICE_HOST");
    assert_null(k8s_config_in_cluster(tmpdir, &error));
    assert_non_null(strstr(error, "KUBERNETES_SERVICE_HOST"));
    free(error);
    unsetenv("KUBERNETES_SERVICE_PORT");
}

/* --kubeconfig beats KUBECONFIG (first path) beats ~/.kube/config. */
static void load_order(void **state)
{
    const char *fmt = "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
                      "clusters: [{name: c, cluster: {server: 'https://%s'}}]\n";
    char *text;
    text = osh_str_printf(fmt, "explicit");
    char *explicit_path = write_tmp("explicit", text);
    free(text);
    text = osh_str_printf(fmt, "env");
    char *env_path = write_tmp("env", text);
    free(text);
    char *k8s_dir = osh_str_printf("%s/.kube", tmpdir);
    mkdir(k8s_dir, 0700);
    text = osh_str_printf(fmt, "home");
    char *home_path = write_tmp(".kube/config", text);
    free(text);
    char *kubeconfig_env = osh_str_printf("::%s:/second/path", env_path);
    setenv("KUBECONFIG", kubeconfig_env, 1);
    setenv("HOME", tmpdir, 1);
    char *error = NULL;
    k8s_config *c = k8s_config_load(explicit_path, &error);
    assert_string_equal(c->server, "https://explicit");
    k8s_config_free(c);
    c = k8s_config_load(NULL, &error);
    assert_string_equal(c->server, "https://env");
    k8s_config_free(c);
    unsetenv("KUBECONFIG");
    c = k8s_config_load(NULL, &error);
    assert_string_equal(c->server, "https://home");
    k8s_config_free(c);
    unlink(home_path);
    unsetenv("KUBERNETES_SERVICE_HOST");
    assert_null(k8s_config_load(NULL, &error));
    assert_non_null(strstr(error, "no Kubernetes configuration"));
    free(error);
    free(kubeconfig_env);
    free(k8s_dir);
    free(explicit_path);
    free(env_path);
    free(home_path);
}

static char *write_plugin(const char *name, const char *body)
{
    char *script = osh_str_printf("#!/bin/sh\n%s", body);
    char *path = write_tmp(name, script);
    chmod(path, 0755);
    free(script);
    return path;
}

static k8s_config *load_with_exec(const char *user_yaml, char **error)
{
    char *text = osh_str_printf("current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                                "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
                                "users:\n- name: u\n  user:\n%s",
                                user_yaml);
    k8s_config *c = load_text(text, error);
    free(text);
    return c;
}

static void exec_plugin_token(void **state)
{
    /* The token is made of an argument and an env entry; KUBERNETES_EXEC_INFO must be set. */
    char *plugin = write_plugin("plugin.sh",
                                "case \"$KUBERNETES_EXEC_INFO\" in *ExecCredential*) ;; *) exit 9 ;; esac\n"
                                "printf '{\"apiVersion\": \"client.authentication.k8s.io/v1\", \"kind\": \"ExecCredential\","
                                " \"status\": {\"token\": \"%s-%s\"}}' \"$1\" \"$PLUGIN_SUFFIX\"\n");
    setenv("PLUGIN_SUFFIX", "from-parent", 1); /* the kubeconfig's env entry wins */
    char *error = NULL;
    k8s_config *c = load_with_exec("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                                   "      command: ./plugin.sh\n      args: [from-arg]\n"
                                   "      env: [{name: PLUGIN_SUFFIX, value: from-env}]\n",
                                   &error);
    if (!c)
        fail_msg("%s", error);
    assert_string_equal(c->token, "from-arg-from-env");
    k8s_config_free(c);
    unsetenv("PLUGIN_SUFFIX");
    /* a static token wins */
    c = load_with_exec("    token: static\n    exec: {command: ./plugin.sh, args: [x]}\n", &error);
    assert_string_equal(c->token, "static");
    k8s_config_free(c);
    free(plugin);
}

static void exec_plugin_client_certificate(void **state)
{
    char *plugin = write_plugin("cert.sh", "echo '{\"kind\": \"ExecCredential\", \"status\": {\"clientCertificateData\":"
                                           " \"CERT\", \"clientKeyData\": \"KEY\"}}'\n");
    char *error = NULL;
    k8s_config *c = load_with_exec("    exec: {command: ./cert.sh}\n", &error);
    if (!c)
        fail_msg("%s", error);
    assert_null(c->token);
    assert_int_equal(c->cert_data_len, 4);
    assert_memory_equal(c->cert_data, "CERT", 4);
    assert_memory_equal(c->key_data, "KEY", 3);
    k8s_config_free(c);
    free(plugin);
}

static void exec_plugin_failures_are_named(void **state)
{
    char *failing = write_plugin("fail.sh", "echo oops >&2\nexit 3\n");
    char *garbage = write_plugin("garbage.sh", "echo not-json\n");
    char *empty = write_plugin("empty.sh", "echo '{\"kind\": \"ExecCredential\", \"status\": {}}'\n");
    char *flood = write_plugin("flood.sh", "exec cat /dev/zero\n");
    struct {
        const char *user, *phrase;
    } cases[] = {
        {"    exec: {command: ./fail.sh}\n", "fail.sh: exited with status 3"},
        {"    exec: {command: ./garbage.sh}\n", "garbage.sh: the output is not an ExecCredential"},
        {"    exec: {command: ./empty.sh}\n", "neither a token nor a client certificate"},
        {"    exec: {command: osh-no-such-plugin}\n", "exec plugin osh-no-such-plugin: cannot run it"},
        {"    exec: {args: [x]}\n", "exec plugin: command is missing"},
        {"    exec: {command: ./flood.sh}\n", "flood.sh: printed more than 1048576 bytes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *error = NULL;
        k8s_config *c = load_with_exec(cases[i].user, &error);
        if (c || !strstr(error, cases[i].phrase))
            fail_msg("case %zu: %s", i, c ? "accepted" : error);
        assert_non_null(strstr(error, "kubeconfig test (context x): "));
        free(error);
    }
    free(failing);
    free(garbage);
    free(empty);
    free(flood);
}

static void yaml_reader_types(void **state)
{
    char *error = NULL;
    cJSON *doc = k8s_yaml_parse("a: true\nb: 'true'\nc: ~\nd: 12\ne: [x, {f: g}]\n", &error);
    assert_non_null(doc);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(doc, "a")));
    assert_string_equal(cJSON_GetObjectItem(doc, "b")->valuestring, "true");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(doc, "c")));
    assert_string_equal(cJSON_GetObjectItem(doc, "d")->valuestring, "12");
    cJSON *e = cJSON_GetObjectItem(doc, "e");
    assert_int_equal(cJSON_GetArraySize(e), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(e, 1), "f")->valuestring, "g");
    cJSON_Delete(doc);
    assert_null(k8s_yaml_parse("a: &x 1\nb: *x\n", &error));
    assert_non_null(strstr(error, "aliases are not supported"));
    free(error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_and_ca_data_from_current_context),
        cmocka_unit_test(client_certificate_data_and_insecure),
        cmocka_unit_test(files_resolve_relative_to_the_kubeconfig),
        cmocka_unit_test(data_may_be_wrapped_in_lines),
        cmocka_unit_test(json_kubeconfig_and_string_insecure),
        cmocka_unit_test(insecure_takes_yaml_booleans),
        cmocka_unit_test(context_errors_are_clear),
        cmocka_unit_test(missing_file_is_named),
        cmocka_unit_test(in_cluster_reads_token_and_ca),
        cmocka_unit_test(load_order),
        cmocka_unit_test(exec_plugin_token),
        cmocka_unit_test(exec_plugin_client_certificate),
        cmocka_unit_test(exec_plugin_failures_are_named),
        cmocka_unit_test(yaml_reader_types),
    };
    return cmocka_run_group_tests_name("sandbox.kubeconfig", tests, make_tmpdir, remove_tmpdir);
}
