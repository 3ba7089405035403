/* test_sandbox_kubeconfig_diff.c: the C kubeconfig reader against the official Python client
 * (kubeconfig_reference.py, python3-kubernetes) on a set of kubeconfig variants: both must
 * refuse the same files and resolve the others to the same server, credentials, CA and
 * verification setting. Exits 77 when /usr/bin/python3 lacks the kubernetes module.
 *
 * Known, deliberate differences: a tokenFile's content is trimmed here (client-go does the
 * same); the Python client keeps the trailing newline, so tokens are compared trimmed. A
 * context naming a user that does not exist is refused here, as kube-rs and client-go do;
 * the Python client quietly uses no credentials (variants marked python_accepts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k8s_config.h"
#include "osh_buf.h"
#include "osh_str.h"
#include "sandbox_test_util.h"

#define REFERENCE OSH_SOURCE_DIR "/tests/sandbox/kubeconfig_reference.py"

typedef struct variant {
    const char *name;
    const char *text;
    bool python_accepts; /* only the Python client accepts it (see the top comment) */
} variant;

#define CTX "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"

static const variant variants[] = {
    {"token-and-data", CTX "clusters: [{name: c, cluster: {server: 'https://h:1', certificate-authority-data: aGVsbG8tY2E=}}]\n"
                       "users: [{name: u, user: {token: abc, client-certificate-data: aGVsbG8tY2VydA==, client-key-data: aGVsbG8ta2V5}}]\n", false},
    {"files-relative", CTX "clusters: [{name: c, cluster: {server: 'https://10.0.0.1:6443', certificate-authority: ca.pem}}]\n"
                       "users: [{name: u, user: {client-certificate: client.pem, client-key: client.key}}]\n", false},
    {"insecure-tokenfile", CTX "clusters: [{name: c, cluster: {server: 'https://h:1/', insecure-skip-tls-verify: true}}]\n"
                           "users: [{name: u, user: {tokenFile: token.txt}}]\n", false},
    {"token-beats-basic", CTX "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
                          "users: [{name: u, user: {token: t, username: admin, password: pw}}]\n", false},
    {"basic-only", CTX "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:8080'}}]\n"
                   "users: [{name: u, user: {username: admin, password: pw}}]\n", false},
    {"wrapped-data", CTX "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
                     "    certificate-authority-data: |\n      aGVsbG8t\n      Y2E=\n"
                     "users: [{name: u, user: {token: t}}]\n", false},
    {"path-prefix", CTX "clusters: [{name: c, cluster: {server: 'https://h:1/k8s/clusters/c-1'}}]\n"
                    "users: [{name: u, user: {token: t}}]\n", false},
    {"json-format", "{\"apiVersion\": \"v1\", \"kind\": \"Config\", \"current-context\": \"x\", \"contexts\": [{\"name\": \"x\","
                    " \"context\": {\"cluster\": \"c\", \"user\": \"u\"}}], \"clusters\": [{\"name\": \"c\", \"cluster\":"
                    " {\"server\": \"https://j:2\", \"certificate-authority-data\": \"aGVsbG8tY2E=\"}}], \"users\":"
                    " [{\"name\": \"u\", \"user\": {\"token\": \"json-token\"}}]}", false},
    {"second-context", "current-context: y\ncontexts:\n- name: x\n  context: {cluster: c1, user: u1}\n"
                       "- name: y\n  context: {cluster: c2, user: u2}\n"
                       "clusters:\n- {name: c1, cluster: {server: 'https://one'}}\n- {name: c2, cluster: {server: 'https://two'}}\n"
                       "users:\n- {name: u1, user: {token: one}}\n- {name: u2, user: {token: two}}\n", false},
    {"no-user-in-context", "current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
                           "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n", false},
    {"missing-context", "current-context: nope\n" CTX "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
                        "users: [{name: u, user: {token: t}}]\n", false},
    {"missing-user", CTX "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\nusers: []\n", true},
    {"missing-cluster", CTX "clusters: []\nusers: [{name: u, user: {token: t}}]\n", false},
    {"no-current-context", "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                           "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\nusers: [{name: u, user: {token: t}}]\n", false},
    {"not-yaml", "current-context: [unclosed\n", false},
};

static char dir[64];

static char *variant_path(const char *name) { return osh_str_printf("%s/%s", dir, name); }

static void write_variants(void)
{
    strcpy(dir, "/tmp/osh-sbx-kdiff-XXXXXX");
    assert_non_null(mkdtemp(dir));
    const char *files[][2] = {{"ca.pem", "CA-PEM\n"}, {"client.pem", "CERT-PEM\n"}, {"client.key", "KEY-PEM\n"},
                              {"token.txt", "file-token\n"}};
    for (size_t i = 0; i < 4; i++) {
        char *path = variant_path(files[i][0]);
        test_write_file(path, files[i][1]);
        free(path);
    }
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
        char *path = variant_path(variants[i].name);
        test_write_file(path, variants[i].text);
        free(path);
    }
}

/* One JSON line per variant from the Python client. */
static cJSON **run_reference(test_run_result *r)
{
    size_t n = sizeof variants / sizeof *variants;
    char **argv = calloc(n + 3, sizeof *argv);
    argv[0] = "/usr/bin/python3";
    argv[1] = REFERENCE;
    for (size_t i = 0; i < n; i++)
        argv[i + 2] = variant_path(variants[i].name);
    test_run(argv, NULL, r);
    for (size_t i = 0; i < n; i++)
        free(argv[i + 2]);
    free(argv);
    if (r->exit_code == 77)
        return NULL;
    if (r->exit_code != 0)
        fail_msg("reference failed (%d): %s", r->exit_code, r->err);
    cJSON **out = calloc(n, sizeof *out);
    char *line = r->out;
    for (size_t i = 0; i < n; i++) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        out[i] = cJSON_Parse(line);
        assert_non_null(out[i]);
        line = nl + 1;
    }
    return out;
}

static const char *ref_string(const cJSON *ref, const char *key)
{
    const cJSON *item = cJSON_GetObjectItem(ref, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* data bytes, else the file's content, else NULL (malloc'd). */
static char *pem_of(const char *data, size_t len, const char *file)
{
    if (data)
        return osh_str_ndup(data, len);
    return file ? test_read_file(file) : NULL;
}

static bool same(const char *what, const char *variant_name, const char *expected, const char *actual)
{
    if ((!expected && !actual) || (expected && actual && strcmp(expected, actual) == 0))
        return true;
    fprintf(stderr, "%s: %s differs: python [%s] C [%s]\n", variant_name, what, expected ? expected : "(none)",
            actual ? actual : "(none)");
    return false;
}

static bool compare_one(const variant *v, const cJSON *ref)
{
    char *path = variant_path(v->name);
    char *error = NULL;
    k8s_config *c = k8s_config_from_file(path, &error);
    free(path);
    const char *ref_error = ref_string(ref, "error");
    if (v->python_accepts) {
        bool ok = !ref_error && !c;
        if (!ok)
            fprintf(stderr, "%s: expected Python to accept and C to refuse\n", v->name);
        free(error);
        k8s_config_free(c);
        return ok;
    }
    if (ref_error || !c) {
        bool ok = ref_error && !c;
        if (!ok)
            fprintf(stderr, "%s: python %s, C %s\n", v->name, ref_error ? ref_error : "accepts", c ? "accepts" : error);
        free(error);
        k8s_config_free(c);
        return ok;
    }
    char *token = c->token ? osh_str_trim_dup(c->token) : NULL;
    char *ref_token = ref_string(ref, "token") ? osh_str_trim_dup(ref_string(ref, "token")) : NULL;
    char *ca = pem_of(c->ca_data, c->ca_data_len, c->ca_file);
    char *cert = pem_of(c->cert_data, c->cert_data_len, c->cert_file);
    char *key = pem_of(c->key_data, c->key_data_len, c->key_file);
    /* The C client sends basic auth only without a token; the Python client drops it then. */
    const char *username = c->token ? NULL : c->username;
    const char *password = c->token ? NULL : c->password;
    bool ok = same("server", v->name, ref_string(ref, "server"), c->server);
    ok &= same("token", v->name, ref_token, token);
    ok &= same("username", v->name, ref_string(ref, "username"), username);
    ok &= same("password", v->name, ref_string(ref, "password"), password);
    ok &= same("ca", v->name, ref_string(ref, "ca"), ca);
    ok &= same("cert", v->name, ref_string(ref, "cert"), cert);
    ok &= same("key", v->name, ref_string(ref, "key"), key);
    ok &= same("insecure", v->name, cJSON_IsTrue(cJSON_GetObjectItem(ref, "insecure")) ? "true" : "false",
               c->insecure_skip_tls_verify ? "true" : "false");
    free(token);
    free(ref_token);
    free(ca);
    free(cert);
    free(key);
    k8s_config_free(c);
    return ok;
}

static void c_reader_matches_python_client(void **state)
{
    cJSON **refs = *state;
    size_t n = sizeof variants / sizeof *variants;
    int differences = 0;
    for (size_t i = 0; i < n; i++)
        differences += !compare_one(&variants[i], refs[i]);
    assert_int_equal(differences, 0);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        printf("/usr/bin/python3 is missing: skipping\n");
        return 77;
    }
    write_variants();
    test_run_result r;
    cJSON **refs = run_reference(&r);
    if (!refs) {
        printf("%s", r.out);
        test_run_result_free(&r);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(c_reader_matches_python_client, refs),
    };
    int failed = cmocka_run_group_tests_name("sandbox.kubeconfig.python", tests, NULL, NULL);
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++)
        cJSON_Delete(refs[i]);
    free(refs);
    test_run_result_free(&r);
    char *cmd = osh_str_printf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        failed++;
    free(cmd);
    return failed;
}
