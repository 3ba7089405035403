/* test_docker_units.c: the Docker mock's building blocks without HTTP: stdcopy framing,
 * name validation, path normalization, tar round trips, reference normalization, and the
 * built-in exec handler. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "docker_tar.h"

void dk_exec_builtin(mock_docker *d, const char *container_id, const char *const *argv,
                     size_t argc, mock_docker_exec_result *res);

static void test_frame_header(void **state)
{
    osh_buf b = OSH_BUF_INIT;
    dk_frame_append(&b, 2, "oops\n", 5);
    dk_frame_append(&b, 1, "", 0);
    assert_int_equal(b.len, 8 + 5 + 8);
    const unsigned char want[8] = {2, 0, 0, 0, 0, 0, 0, 5};
    assert_memory_equal(b.data, want, 8);
    assert_memory_equal(b.data + 8, "oops\n", 5);
    const unsigned char empty[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(b.data + 13, empty, 8);
    osh_buf_free(&b);
}

static void test_frame_length_big_endian(void **state)
{
    size_t n = 70000; /* needs three length bytes */
    char *payload = malloc(n);
    memset(payload, 'x', n);
    osh_buf b = OSH_BUF_INIT;
    dk_frame_append(&b, 1, payload, n);
    const unsigned char *h = (const unsigned char *)b.data;
    assert_int_equal(h[4], 0);
    assert_int_equal(h[5], 0x01);
    assert_int_equal(h[6], 0x11);
    assert_int_equal(h[7], 0x70);
    assert_int_equal(b.len, n + 8);
    free(payload);
    osh_buf_free(&b);
}

static void test_valid_names(void **state)
{
    const char *good[] = {"ab", "openshell-cluster-t", "a_b.c-d", "0x", "A9", NULL};
    const char *bad[] = {"a", "", "-bad", "_x", ".x", "a/b", "a b", "ä1", "x:y", NULL};
    for (size_t i = 0; good[i]; i++)
        if (!dk_valid_name(good[i]))
            fail_msg("%s should be valid", good[i]);
    for (size_t i = 0; bad[i]; i++)
        if (dk_valid_name(bad[i]))
            fail_msg("%s should be invalid", bad[i]);
    assert_false(dk_valid_name(NULL));
}

static void test_path_normalize(void **state)
{
    const char *cases[][2] = {{"/tmp", "/tmp"}, {"/tmp/", "/tmp"}, {"/a/./b//c", "/a/b/c"},
                              {"/a/b/../c", "/a/c"}, {"/", "/"}, {"/a/..", "/"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = dk_path_normalize(cases[i][0]);
        assert_non_null(got);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
    assert_null(dk_path_normalize("/../etc"));
    assert_null(dk_path_normalize("/a/../../b"));
    assert_null(dk_path_normalize("relative/path"));
    assert_null(dk_path_normalize(NULL));
    char *clamped = dk_path_clamp("/../../etc/./x/..");
    assert_string_equal(clamped, "/etc");
    free(clamped);
}

static void test_normalize_ref(void **state)
{
    const char *cases[][2] = {{"busy", "busy:latest"}, {"busy:1", "busy:1"},
                              {"docker.io/library/busy:2", "busy:2"},
                              {"ghcr.io/nvidia/openshell/cluster:dev", "ghcr.io/nvidia/openshell/cluster:dev"},
                              {"localhost:5000/x", "localhost:5000/x:latest"},
                              {"repo@sha256:abc", "repo@sha256:abc"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = dk_normalize_ref(cases[i][0]);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
}

typedef struct seen {
    int count;
    char names[8][64];
    char types[8];
    char content[8][64];
} seen;

static int remember(void *ctx, const dk_tar_entry *e, char **error)
{
    seen *s = ctx;
    snprintf(s->names[s->count], 64, "%s", e->name);
    s->types[s->count] = e->type;
    snprintf(s->content[s->count], 64, "%.*s", (int)e->len, e->data);
    s->count++;
    return 0;
}

static void test_tar_round_trip(void **state)
{
    osh_buf tar = OSH_BUF_INIT;
    dk_tar_writer *w = dk_tar_writer_new(&tar);
    dk_tar_add_dir(w, "d", 0755, 0);
    dk_tar_add_file(w, "d/a.txt", 0644, 0, "hello\n", 6);
    dk_tar_add_symlink(w, "d/l", "a.txt", 0);
    dk_tar_finish(w);
    assert_int_equal(tar.len % 512, 0);
    seen s = {0};
    char *err = NULL;
    assert_int_equal(dk_tar_read(tar.data, tar.len, remember, &s, &err), 0);
    assert_int_equal(s.count, 3);
    assert_string_equal(s.names[0], "d/");
    assert_int_equal(s.types[0], 'd');
    assert_string_equal(s.names[1], "d/a.txt");
    assert_string_equal(s.content[1], "hello\n");
    assert_int_equal(s.types[2], 'l');
    osh_buf_free(&tar);
}

static void test_tar_errors(void **state)
{
    seen s = {0};
    char *err = NULL;
    assert_int_equal(dk_tar_read("notatar", 7, remember, &s, &err), -1);
    assert_non_null(err);
    free(err);
    err = NULL;
    /* Cut in the middle of a file's data. */
    osh_buf tar = OSH_BUF_INIT;
    dk_tar_writer *w = dk_tar_writer_new(&tar);
    char big[2000];
    memset(big, 'z', sizeof big);
    dk_tar_add_file(w, "f", 0644, 0, big, sizeof big);
    dk_tar_finish(w);
    assert_int_equal(dk_tar_read(tar.data, 1024, remember, &s, &err), -1);
    assert_string_equal(err, "unexpected EOF");
    free(err);
    osh_buf_free(&tar);
    /* An empty body is an empty archive. */
    err = NULL;
    assert_int_equal(dk_tar_read("", 0, remember, &s, &err), 0);
}

/* ---- Built-in exec handler, through a real instance (no HTTP) ------------------------- */

static const char *scenario =
    "{\"images\":[{\"ref\":\"busy:1\",\"config\":{\"Cmd\":[\"sh\"]}}],"
    " \"containers\":[{\"name\":\"box\",\"state\":\"running\",\"create\":{\"Image\":\"busy:1\","
    "  \"Hostname\":\"boxhost\"},\"files\":[{\"path\":\"/etc/motd\",\"content\":\"hi there\\n\"}]}]}";

typedef struct run {
    char out[256], err[256];
    int code;
} run;

static run exec_argv(mock_docker *d, const char *const *argv, size_t argc)
{
    char *id = mock_docker_container_id(d, "box");
    mock_docker_exec_result r = {OSH_BUF_INIT, OSH_BUF_INIT, 0, false, false, 0, NULL};
    dk_exec_builtin(d, id, argv, argc, &r);
    run out;
    snprintf(out.out, sizeof out.out, "%s", osh_buf_str(&r.out));
    snprintf(out.err, sizeof out.err, "%s", osh_buf_str(&r.err));
    out.code = r.exit_code;
    osh_buf_free(&r.out);
    osh_buf_free(&r.err);
    free(id);
    return out;
}

static run sh(mock_docker *d, const char *script)
{
    const char *argv[] = {"sh", "-c", script};
    return exec_argv(d, argv, 3);
}

static void test_builtin_commands(void **state)
{
    cJSON *s = cJSON_Parse(scenario);
    char *err = NULL;
    mock_docker *d = mock_docker_new(s, &err);
    cJSON_Delete(s);
    assert_non_null(d);
    const char *echo[] = {"echo", "a", "b c"};
    run r = exec_argv(d, echo, 3);
    assert_string_equal(r.out, "a b c\n");
    assert_int_equal(r.code, 0);
    const char *host[] = {"hostname"};
    assert_string_equal(exec_argv(d, host, 1).out, "boxhost\n");
    const char *f[] = {"false"};
    assert_int_equal(exec_argv(d, f, 1).code, 1);
    const char *cat[] = {"cat", "/etc/motd"};
    assert_string_equal(exec_argv(d, cat, 2).out, "hi there\n");
    const char *missing[] = {"cat", "/nope"};
    r = exec_argv(d, missing, 2);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.err, "cat: /nope: No such file or directory\n");
    const char *unknown[] = {"kubectl", "get", "nodes"};
    r = exec_argv(d, unknown, 3);
    assert_int_equal(r.code, 127);
    assert_string_equal(r.err, "sh: 1: kubectl: not found\n");
    mock_docker_free(d);
}

static void test_builtin_shell(void **state)
{
    cJSON *s = cJSON_Parse(scenario);
    char *err = NULL;
    mock_docker *d = mock_docker_new(s, &err);
    cJSON_Delete(s);
    run r = sh(d, "exit 3");
    assert_int_equal(r.code, 3);
    r = sh(d, "echo one; echo 'two words' >&2; exit 4; echo never");
    assert_string_equal(r.out, "one\n");
    assert_string_equal(r.err, "two words\n");
    assert_int_equal(r.code, 4);
    r = sh(d, "true && echo yes || echo no");
    assert_string_equal(r.out, "yes\n");
    r = sh(d, "false && echo yes || echo no");
    assert_string_equal(r.out, "no\n");
    r = sh(d, "KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl get nodes 2>/dev/null");
    assert_int_equal(r.code, 127);
    assert_string_equal(r.err, "");
    r = sh(d, "nosuch 2>&1");
    assert_string_equal(r.out, "sh: 1: nosuch: not found\n");
    r = sh(d, "cat /etc/motd; hostname");
    assert_string_equal(r.out, "hi there\nboxhost\n");
    r = sh(d, "echo \"quoted \\\"inner\\\"\"");
    assert_string_equal(r.out, "quoted \"inner\"\n");
    mock_docker_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_header),
        cmocka_unit_test(test_frame_length_big_endian),
        cmocka_unit_test(test_valid_names),
        cmocka_unit_test(test_path_normalize),
        cmocka_unit_test(test_normalize_ref),
        cmocka_unit_test(test_tar_round_trip),
        cmocka_unit_test(test_tar_errors),
        cmocka_unit_test(test_builtin_commands),
        cmocka_unit_test(test_builtin_shell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
