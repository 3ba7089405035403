/* test_impl_config.c: config root (rules §1), metadata JSON (9.1), active gateway and the
 * gateway list (9.2), and the atomic mTLS store (8.3), under a temporary XDG_CONFIG_HOME. */
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
#include "gw_internal.h"
#include "osh_file.h"
#include "osh_str.h"

/* The file's text; the test fails when it cannot be read. */
static char *read_whole(const char *path, size_t *len)
{
    char *error = NULL;
    char *text = osh_file_read(path, 1 << 20, len, &error);
    if (!text)
        fail_msg("%s", error);
    return text;
}

static char *tmp_root;

static int make_tmp(void **state)
{
    char tmpl[] = "/tmp/osh-impl-config-XXXXXX";
    tmp_root = strdup(mkdtemp(tmpl));
    setenv("XDG_CONFIG_HOME", tmp_root, 1);
    return 0;
}

static int drop_tmp(void **state)
{
    char *cmd = osh_str_printf("rm -rf '%s'", tmp_root);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(tmp_root);
    return 0;
}

static char *root_dir(void)
{
    gw_error err = GW_ERROR_INIT;
    char *root = gw_config_root(&err);
    assert_non_null(root);
    return root;
}

static void config_root_rules(void **state)
{
    char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *root = root_dir();
    char *want = osh_str_printf("%s/openshell", tmp_root);
    assert_string_equal(root, want);
    free(root);
    free(want);
    setenv("XDG_CONFIG_HOME", "", 1);
    setenv("HOME", "/home/x", 1);
    root = root_dir();
    assert_string_equal(root, "/home/x/.config/openshell");
    free(root);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    gw_error err = GW_ERROR_INIT;
    assert_null(gw_config_root(&err));
    assert_string_equal(gw_error_text(&err), "HOME is not set");
    assert_int_equal(err.code, GW_E_CONFIG);
    gw_error_clear(&err);
    if (saved_home)
        setenv("HOME", saved_home, 1);
    free(saved_home);
    setenv("XDG_CONFIG_HOME", tmp_root, 1);
}

static void metadata_json_is_exact(void **state)
{
    gw_metadata m = {.name = "openshell", .gateway_endpoint = "https://127.0.0.1:8080", .gateway_port = 8080};
    char *json = gw_metadata_to_json(&m);
    assert_string_equal(json, "{\n  \"name\": \"openshell\",\n  \"gateway_endpoint\": \"https://127.0.0.1:8080\",\n"
                              "  \"is_remote\": false,\n  \"gateway_port\": 8080\n}");
    free(json);
    gw_metadata r = {.name = "r\"q", .gateway_endpoint = "https://h:1", .is_remote = true, .gateway_port = 1,
                     .remote_host = "u@h", .resolved_host = "10.0.0.1"};
    json = gw_metadata_to_json(&r);
    assert_string_equal(json, "{\n  \"name\": \"r\\\"q\",\n  \"gateway_endpoint\": \"https://h:1\",\n"
                              "  \"is_remote\": true,\n  \"gateway_port\": 1,\n  \"remote_host\": \"u@h\",\n"
                              "  \"resolved_host\": \"10.0.0.1\"\n}");
    free(json);
}

static void metadata_parse_accepts_and_refuses(void **state)
{
    gw_metadata m;
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(gw_metadata_parse("{\"name\":\"a\",\"gateway_endpoint\":\"https://x:1\",\"is_remote\":false,"
                                       "\"gateway_port\":1,\"auth_mode\":\"edge\",\"future\":[1]}\n",
                                       &m, &err),
                     0);
    assert_string_equal(m.name, "a");
    assert_string_equal(m.auth_mode, "edge");
    assert_int_equal(m.gateway_port, 1);
    gw_metadata_free(&m);
    const char *bad[] = {"[]", "{not json", "", "{\"name\": 5, \"gateway_endpoint\": \"x\"}", "{\"name\": \"a\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(gw_metadata_parse(bad[i], &m, &err), -1);
        assert_string_equal(gw_error_text(&err), "failed to parse gateway metadata");
        assert_int_equal(err.code, GW_E_CONFIG);
    }
    gw_error_clear(&err);
}

static void metadata_store_load_remove(void **state)
{
    char *root = root_dir();
    gw_error err = GW_ERROR_INIT;
    gw_metadata m;
    assert_int_equal(gw_metadata_load(root, "ghost", &m, &err), -1);
    assert_int_equal(err.code, GW_E_NOT_FOUND);
    assert_non_null(strstr(gw_error_text(&err), "No gateway metadata found for 'ghost'"));
    assert_non_null(strstr(gw_error_text(&err), "Deploy a gateway first with: openshell gateway start --name ghost"));
    gw_metadata w = {.name = "g1", .gateway_endpoint = "https://127.0.0.1:9090", .gateway_port = 9090};
    assert_int_equal(gw_metadata_store(root, &w, &err), 0);
    char *dir = osh_str_printf("%s/gateways", root);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(gw_metadata_load(root, "g1", &m, &err), 0);
    assert_int_equal(m.gateway_port, 9090);
    gw_metadata_free(&m);
    char *path = gw_metadata_path(root, "g1");
    size_t len;
    char *text = read_whole(path, &len);
    assert_int_not_equal(text[len - 1], '\n');
    free(text);
    assert_int_equal(gw_metadata_remove(root, "g1", &err), 0);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(gw_metadata_remove(root, "g1", &err), 0);
    free(path);
    free(dir);
    gw_error_clear(&err);
    free(root);
}

static void list_is_sorted_and_skips_bad_files(void **state)
{
    char *root = root_dir();
    gw_error err = GW_ERROR_INIT;
    gw_metadata *list;
    assert_int_equal(gw_metadata_list(root, &list, &err), 0);
    const char *names[] = {"zeta", "alpha", "Mid"};
    for (int i = 0; i < 3; i++) {
        gw_metadata w = {.name = (char *)names[i], .gateway_endpoint = "https://127.0.0.1:8080", .gateway_port = 8080};
        assert_int_equal(gw_metadata_store(root, &w, &err), 0);
    }
    char *bad = osh_str_printf("%s/gateways/broken_metadata.json", root);
    assert_int_equal(gw_write_file_atomic(bad, "[]", 2, 0600, &err), 0);
    int n = gw_metadata_list(root, &list, &err);
    assert_int_equal(n, 3);
    assert_string_equal(list[0].name, "Mid");
    assert_string_equal(list[1].name, "alpha");
    assert_string_equal(list[2].name, "zeta");
    gw_metadata_list_free(list, n);
    free(bad);
    free(root);
}

static void active_gateway_file(void **state)
{
    char *root = root_dir();
    gw_error err = GW_ERROR_INIT;
    assert_null(gw_active_gateway_read(root));
    assert_int_equal(gw_active_gateway_write(root, "b", &err), 0);
    char *path = gw_active_gateway_path(root);
    size_t len;
    char *text = read_whole(path, &len);
    assert_int_equal(len, 1);
    assert_string_equal(text, "b");
    free(text);
    assert_int_equal(gw_active_gateway_clear_if(root, "a", &err), 0);
    char *active = gw_active_gateway_read(root);
    assert_string_equal(active, "b");
    free(active);
    assert_int_equal(gw_write_file_atomic(path, "  b \n", 5, 0600, &err), 0);
    assert_int_equal(gw_active_gateway_clear_if(root, "b", &err), 0);
    assert_null(gw_active_gateway_read(root));
    free(path);
    free(root);
}

static void expect_file(const char *dir, const char *name, const char *content, int mode)
{
    char *path = osh_str_printf("%s/%s", dir, name);
    size_t len;
    char *text = read_whole(path, &len);
    assert_non_null(text);
    assert_string_equal(text, content);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if (mode)
        assert_int_equal(st.st_mode & 0777, mode);
    free(text);
    free(path);
}

static void mtls_store_swaps_atomically(void **state)
{
    char *root = root_dir();
    char *dir = gw_mtls_dir(root, "g");
    char *tmp = osh_str_printf("%s.tmp", dir), *bak = osh_str_printf("%s.bak", dir);
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(gw_mtls_store(dir, "CA1", 3, "CRT1", 4, "KEY1", 4, &err), 0);
    expect_file(dir, "tls.key", "KEY1", 0600);
    /* A stale tmp dir from an earlier crash is replaced. */
    assert_int_equal(gw_mkdir_p(tmp, 0755, &err), 0);
    assert_int_equal(gw_mtls_store(dir, "CA2", 3, "CRT2", 4, "KEY2", 4, &err), 0);
    expect_file(dir, "ca.crt", "CA2", 0);
    expect_file(dir, "tls.crt", "CRT2", 0);
    expect_file(dir, "tls.key", "KEY2", 0600);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(access(bak, F_OK), -1);
    /* An empty file fails validation and leaves the old bundle. */
    assert_int_equal(gw_mtls_store(dir, "CA3", 3, "", 0, "KEY3", 4, &err), -1);
    assert_non_null(strstr(gw_error_text(&err), "is empty"));
    expect_file(dir, "ca.crt", "CA2", 0);
    assert_int_equal(access(tmp, F_OK), -1);
    gw_error_clear(&err);
    free(tmp);
    free(bak);
    free(dir);
    free(root);
}

static int parse_secret(const char *out, int code, char *got[3], gw_error *err)
{
    osh_buf d[3] = {OSH_BUF_INIT, OSH_BUF_INIT, OSH_BUF_INIT};
    int rc = gw_mtls_parse_secret(out, code, d, err);
    for (int i = 0; i < 3; i++)
        got[i] = osh_buf_detach(&d[i]);
    return rc;
}

static void free3(char *got[3])
{
    for (int i = 0; i < 3; i++)
        free(got[i]);
}

static void mtls_secret_answers(void **state)
{
    char *got[3];
    gw_error err = GW_ERROR_INIT;
    const char *not_yet[][2] = {
        {"Error from server (NotFound): secrets \"openshell-cli-client\" not found", "1"},
        {"", "0"},
        {"   \n", "0"},
        {"Q0E=\n\nS0VZ", "0"},
        {"Q0E=\nQ1JU", "0"},
        {"Q0E=\nQ1JU\nS0VZ", "1"},
        {"error: tls.key is not found", "0"},
    };
    for (size_t i = 0; i < sizeof(not_yet) / sizeof(not_yet[0]); i++) {
        assert_int_equal(parse_secret(not_yet[i][0], atoi(not_yet[i][1]), got, &err), 1);
        free3(got);
    }
    assert_int_equal(parse_secret(" Q0E= \nQ1JU\r\nS0VZ\n", 0, got, &err), 0);
    assert_string_equal(got[0], "CA");
    assert_string_equal(got[1], "CRT");
    assert_string_equal(got[2], "KEY");
    free3(got);
    assert_int_equal(parse_secret("Q0E=\nQ1JU\n!!notbase64", 0, got, &err), -1);
    assert_string_equal(gw_error_text(&err), "failed to fetch CLI mTLS secret openshell-cli-client: invalid base64 in tls.key");
    assert_int_equal(err.code, GW_E_MALFORMED);
    free3(got);
    assert_int_equal(parse_secret("Q0E\nQ1JU\nS0VZ", 0, got, &err), -1);
    assert_string_equal(gw_error_text(&err), "failed to fetch CLI mTLS secret openshell-cli-client: invalid base64 in ca.crt");
    free3(got);
    gw_error_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_root_rules),
        cmocka_unit_test(metadata_json_is_exact),
        cmocka_unit_test(metadata_parse_accepts_and_refuses),
        cmocka_unit_test(metadata_store_load_remove),
        cmocka_unit_test(list_is_sorted_and_skips_bad_files),
        cmocka_unit_test(active_gateway_file),
        cmocka_unit_test(mtls_store_swaps_atomically),
        cmocka_unit_test(mtls_secret_answers),
    };
    return cmocka_run_group_tests(tests, make_tmp, drop_tmp);
}
