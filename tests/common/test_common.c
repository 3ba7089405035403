/* test_common.c: unit tests for the neutral utilities in common/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osh_base64.h"
#include "osh_buf.h"
#include "osh_file.h"
#include "osh_proc.h"
#include "osh_str.h"

static void buf_grows_and_stays_terminated(void **state)
{
    osh_buf b = OSH_BUF_INIT;
    assert_string_equal(osh_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        osh_buf_appendf(&b, "%d,", i % 10);
    assert_int_equal(b.len, 2000);
    assert_int_equal(b.data[b.len], '\0');
    osh_buf_consume(&b, 1998);
    assert_string_equal(osh_buf_str(&b), "9,");
    osh_buf_consume(&b, 50);
    assert_int_equal(b.len, 0);
    char *s = osh_buf_detach(&b);
    assert_string_equal(s, "");
    free(s);
    assert_null(b.data);
}

static void buf_appends_binary(void **state)
{
    osh_buf b = OSH_BUF_INIT;
    osh_buf_append(&b, "a\0b", 3);
    osh_buf_append_char(&b, 'c');
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "a\0bc", 4);
    osh_buf_free(&b);
}

static void base64_rfc4648_vectors(void **state)
{
    static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        osh_buf enc = OSH_BUF_INIT, dec = OSH_BUF_INIT;
        osh_base64_encode(&enc, plain[i], strlen(plain[i]));
        assert_string_equal(osh_buf_str(&enc), coded[i]);
        assert_true(osh_base64_decode(&dec, coded[i], strlen(coded[i])));
        assert_string_equal(osh_buf_str(&dec), plain[i]);
        osh_buf_free(&enc);
        osh_buf_free(&dec);
    }
}

static void base64url_uses_url_alphabet(void **state)
{
    osh_buf enc = OSH_BUF_INIT;
    const unsigned char in[] = {0xfb, 0xff, 0xbf};
    osh_base64url_encode(&enc, in, 3);
    assert_string_equal(osh_buf_str(&enc), "-_-_");
    osh_buf_free(&enc);
}

static void base64_decode_is_strict(void **state)
{
    static const char *bad[] = {"Zg",       "Zg=",  "!!notbase64", "Zm9v\n", "Z===", "Zg==Zg==",
                                "Zm=v",     "-_-_", "Zh==",        "Zm9=",    "QUFB!!!!"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        osh_buf out = OSH_BUF_INIT;
        osh_buf_append_str(&out, "keep");
        assert_false(osh_base64_decode(&out, bad[i], strlen(bad[i])));
        assert_string_equal(osh_buf_str(&out), "keep");
        osh_buf_free(&out);
    }
}

static void base64_refusal_leaves_empty_buffer_unallocated(void **state)
{
    osh_buf out = OSH_BUF_INIT;
    assert_false(osh_base64_decode(&out, "QUFB!!!!", 8)); /* first quad decodes, second fails */
    assert_null(out.data);
    assert_int_equal(out.len, 0);
}

static void base64_sextet_knows_both_alphabets(void **state)
{
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 64; i++) {
        assert_int_equal(osh_base64_sextet((unsigned char)std[i], false), i);
        assert_int_equal(osh_base64_sextet((unsigned char)url[i], true), i);
    }
    static const char neither[] = "=.\n \xff";
    for (const char *c = neither; *c; c++) {
        assert_int_equal(osh_base64_sextet((unsigned char)*c, false), -1);
        assert_int_equal(osh_base64_sextet((unsigned char)*c, true), -1);
    }
    assert_int_equal(osh_base64_sextet('-', false), -1);
    assert_int_equal(osh_base64_sextet('/', true), -1);
}

static void str_list_grows_and_frees(void **state)
{
    char **list = NULL;
    size_t n = 0;
    for (int i = 0; i < 100; i++)
        osh_str_list_push(&list, &n, osh_str_printf("item%d", i));
    assert_int_equal(n, 100);
    assert_string_equal(list[0], "item0");
    assert_string_equal(list[99], "item99");
    osh_str_list_free(list, n); /* ASan: every string and the list freed */
    osh_str_list_free(NULL, 0);
}

static void capture_reports_output_status_and_limits(void **state)
{
    osh_buf out = OSH_BUF_INIT;
    char *say[] = {"sh", "-c", "echo hi; echo err >&2; exit 3", NULL};
    assert_int_equal(osh_capture(say, &(osh_capture_options){.stderr_null = true}, &out), 3);
    assert_string_equal(osh_buf_str(&out), "hi\n");
    osh_buf_free(&out);
    char *env[] = {"env", NULL}, *const only[] = {"A=1", NULL};
    assert_int_equal(osh_capture(env, &(osh_capture_options){.envp = only}, &out), 0);
    assert_string_equal(osh_buf_str(&out), "A=1\n");
    osh_buf_free(&out);
    char *cat[] = {"cat", NULL}; /* reads /dev/null, not the test's stdin */
    assert_int_equal(osh_capture(cat, &(osh_capture_options){.stdin_null = true}, &out), 0);
    assert_int_equal(out.len, 0);
    osh_buf_free(&out);
    char *yes[] = {"yes", NULL};
    assert_int_equal(osh_capture(yes, &(osh_capture_options){.limit = 10000}, &out), OSH_CAPTURE_TOO_LONG);
    assert_true(out.len > 10000);
    osh_buf_free(&out);
    char *missing[] = {"/nonexistent/osh-no-such-program", NULL};
    assert_int_equal(osh_capture(missing, &(osh_capture_options){0}, &out), OSH_CAPTURE_FAILED);
    osh_buf_free(&out);
}

static void str_helpers(void **state)
{
    char *t = osh_str_trim_dup(" \t a b \n");
    assert_string_equal(t, "a b");
    free(t);
    t = osh_str_trim_dup("   ");
    assert_string_equal(t, "");
    free(t);
    assert_true(osh_str_starts_with("openshell-x", "openshell-"));
    assert_false(osh_str_starts_with("open", "openshell-"));
    assert_true(osh_str_ends_with("a.json", ".json"));
    assert_false(osh_str_ends_with("n", ".json"));
    assert_true(osh_str_ieq("YES", "yes"));
    const char *url = "unix:///run/docker.sock";
    assert_ptr_equal(osh_str_after(url, "unix://"), url + strlen("unix://"));
    assert_null(osh_str_after("tcp://h:1", "unix://"));
    assert_null(osh_str_after("unix:/", "unix://")); /* shorter than the prefix */
    assert_string_equal(osh_str_after("sha256:", "sha256:"), "");
    assert_string_equal(osh_str_skip_prefix("sha256:abc", "sha256:"), "abc");
    const char *bare = "abc";
    assert_ptr_equal(osh_str_skip_prefix(bare, "sha256:"), bare);
    char *p = osh_str_printf("%s-%d", "x", 7);
    assert_string_equal(p, "x-7");
    free(p);
}

/* A temporary file holding size bytes of 'x' (the caller unlinks and frees the path). */
static char *temp_file_of(size_t size)
{
    char *path = strdup("/tmp/osh-test-file-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    for (size_t i = 0; i < size; i++)
        fputc('x', f);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void file_read_whole_file_exactly_at_the_limit(void **state)
{
    (void)state;
    char *path = temp_file_of(200000); /* larger than one read chunk */
    char *error = NULL;
    size_t len = 0;
    char *text = osh_file_read(path, 200000, &len, &error);
    assert_null(error);
    assert_non_null(text);
    assert_int_equal(len, 200000);
    assert_int_equal(strlen(text), 200000);
    free(text);
    unlink(path);
    free(path);
}

static void file_read_refuses_a_file_over_the_limit(void **state)
{
    (void)state;
    char *path = temp_file_of(200001);
    char *error = NULL;
    size_t len = 7;
    errno = 0;
    assert_null(osh_file_read(path, 200000, &len, &error));
    assert_int_equal(errno, EFBIG);
    assert_int_equal(len, 7); /* untouched */
    char *want = NULL;
    assert_true(asprintf(&want, "%s: larger than 200000 bytes", path) > 0);
    assert_string_equal(error, want);
    free(want);
    free(error);
    unlink(path);
    free(path);
}

static void file_read_names_a_missing_file_and_keeps_errno(void **state)
{
    (void)state;
    char *error = NULL;
    errno = 0;
    assert_null(osh_file_read("/nonexistent/osh-file", 10, NULL, &error));
    assert_int_equal(errno, ENOENT);
    assert_string_equal(error, "/nonexistent/osh-file: No such file or directory");
    free(error);
    errno = 0;
    assert_null(osh_file_read("/tmp", 10, NULL, &error)); /* a directory: the read fails */
    assert_int_equal(errno, EISDIR);
    assert_string_equal(error, "/tmp: Is a directory");
    free(error);
}

static void file_read_empty_file_is_an_empty_string(void **state)
{
    (void)state;
    char *path = temp_file_of(0);
    char *error = NULL;
    size_t len = 9;
    char *text = osh_file_read(path, 0, &len, &error);
    assert_non_null(text);
    assert_int_equal(len, 0);
    assert_string_equal(text, "");
    free(text);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_grows_and_stays_terminated), cmocka_unit_test(buf_appends_binary),
        cmocka_unit_test(base64_rfc4648_vectors),         cmocka_unit_test(base64url_uses_url_alphabet),
        cmocka_unit_test(base64_decode_is_strict),        cmocka_unit_test(str_helpers),
        cmocka_unit_test(base64_sextet_knows_both_alphabets), cmocka_unit_test(str_list_grows_and_frees),
        cmocka_unit_test(capture_reports_output_status_and_limits),
        cmocka_unit_test(base64_refusal_leaves_empty_buffer_unallocated),
        cmocka_unit_test(file_read_whole_file_exactly_at_the_limit),
        cmocka_unit_test(file_read_refuses_a_file_over_the_limit),
        cmocka_unit_test(file_read_names_a_missing_file_and_keeps_errno),
        cmocka_unit_test(file_read_empty_file_is_an_empty_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
