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

#include "osh_args.h"
#include "osh_base64.h"
#include "osh_buf.h"
#include "osh_file.h"
#include "osh_json_check.h"
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

/* ---- osh_json_check ---- */

static const osh_json_field port_fields[] = {{"host", OSH_JSON_STRING, true, NULL},
                                             {"port", OSH_JSON_NUMBER, false, NULL},
                                             {NULL, 0, false, NULL}};
static const osh_json_field doc_fields[] = {{"name", OSH_JSON_STRING, true, NULL},
                                            {"tags", OSH_JSON_STRING | OSH_JSON_STRINGS, false, NULL},
                                            {"on", OSH_JSON_BOOL, false, NULL},
                                            {"ports", OSH_JSON_ARRAY, false, port_fields},
                                            {"main", OSH_JSON_OBJECT | OSH_JSON_NULL, false, port_fields},
                                            {NULL, 0, false, NULL}};

/* The problem and message of checking text against doc_fields at where. */
static osh_json_problem json_check_text(const char *text, const char *where, char **error)
{
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    *error = NULL;
    osh_json_problem p = osh_json_check(doc, doc_fields, where, error);
    cJSON_Delete(doc);
    return p;
}

static void json_check_accepts_a_document_of_the_table(void **state)
{
    (void)state;
    char *error = NULL;
    assert_int_equal(json_check_text("{\"name\": \"a\", \"tags\": [\"x\", \"y\"], \"on\": false, \"ports\": "
                                     "[{\"host\": \"h\", \"port\": 1}], \"main\": null}",
                                     "doc", &error),
                     OSH_JSON_OK);
    assert_null(error);
    assert_int_equal(json_check_text("{\"name\": \"a\", \"tags\": \"x\"}", "doc", &error), OSH_JSON_OK);
}

static void json_check_names_an_unknown_key_and_lists_the_table(void **state)
{
    (void)state;
    char *error = NULL;
    assert_int_equal(json_check_text("{\"name\": \"a\", \"nme\": 1}", "doc", &error), OSH_JSON_UNKNOWN_KEY);
    assert_string_equal(error, "doc.nme: unknown key (expected one of: name, tags, on, ports, main)");
    free(error);
    /* at a document's root the key is named alone */
    assert_int_equal(json_check_text("{\"x\": 1}", NULL, &error), OSH_JSON_UNKNOWN_KEY);
    assert_string_equal(error, "x: unknown key (expected one of: name, tags, on, ports, main)");
    free(error);
}

static void json_check_names_a_wrong_type_and_the_expected_one(void **state)
{
    (void)state;
    char *error = NULL;
    assert_int_equal(json_check_text("{\"name\": 5}", "doc", &error), OSH_JSON_WRONG_TYPE);
    assert_string_equal(error, "doc.name: expected string");
    free(error);
    assert_int_equal(json_check_text("{\"name\": \"a\", \"tags\": [\"x\", 1]}", "doc", &error), OSH_JSON_WRONG_TYPE);
    assert_string_equal(error, "doc.tags: expected string or array of strings");
    free(error);
    assert_int_equal(json_check_text("{\"name\": \"a\", \"on\": \"yes\"}", "doc", &error), OSH_JSON_WRONG_TYPE);
    assert_string_equal(error, "doc.on: expected true or false");
    free(error);
    assert_int_equal(json_check_text("{\"name\": \"a\", \"main\": []}", "doc", &error), OSH_JSON_WRONG_TYPE);
    assert_string_equal(error, "doc.main: expected null or object");
    free(error);
}

static void json_check_names_a_missing_required_key(void **state)
{
    (void)state;
    char *error = NULL;
    assert_int_equal(json_check_text("{\"on\": true}", "doc", &error), OSH_JSON_MISSING);
    assert_string_equal(error, "doc.name: required (string)");
    free(error);
}

static void json_check_follows_nested_tables_with_their_path(void **state)
{
    (void)state;
    char *error = NULL;
    assert_int_equal(json_check_text("{\"name\": \"a\", \"ports\": [{\"host\": \"h\"}, {\"host\": \"h\", \"prt\": 1}]}",
                                     "scenario.world", &error),
                     OSH_JSON_UNKNOWN_KEY);
    assert_string_equal(error, "scenario.world.ports[1].prt: unknown key (expected one of: host, port)");
    free(error);
    assert_int_equal(json_check_text("{\"name\": \"a\", \"main\": {\"port\": 1}}", "doc", &error), OSH_JSON_MISSING);
    assert_string_equal(error, "doc.main.host: required (string)");
    free(error);
    assert_int_equal(json_check_text("{\"name\": \"a\", \"ports\": [3]}", "doc", &error), OSH_JSON_NOT_OBJECT);
    assert_string_equal(error, "doc.ports[0]: expected object");
    free(error);
}

static void json_check_refuses_a_non_object(void **state)
{
    (void)state;
    char *error = NULL;
    assert_int_equal(json_check_text("[1]", "doc", &error), OSH_JSON_NOT_OBJECT);
    assert_string_equal(error, "doc: expected object");
    free(error);
    assert_int_equal(osh_json_check(NULL, doc_fields, NULL, &error), OSH_JSON_NOT_OBJECT);
    assert_string_equal(error, "document: expected object");
    free(error);
    char *words = osh_json_types_text(OSH_JSON_STRING | OSH_JSON_NULL | OSH_JSON_STRINGS);
    assert_string_equal(words, "string, null or array of strings");
    free(words);
    words = osh_json_types_text(OSH_JSON_BOOL | OSH_JSON_OBJECT);
    assert_string_equal(words, "true, false or object");
    free(words);
}

/* ---- osh_args ---- */

enum { ARG_NAME, ARG_VERBOSE, ARG_LINES };
static const osh_arg_flag arg_flags[] = {
    {"--name", NULL, "NAME", ARG_NAME, "the name"},
    {"--verbose", NULL, NULL, ARG_VERBOSE, "say more\nover two lines"},
    {"--lines", "-n", "N", ARG_LINES, NULL},
    {"--a-very-long-flag-name", NULL, "VALUE", ARG_NAME, "wraps"},
    OSH_ARGS_END};
static const osh_args_texts arg_texts = {"unknown '%s'", "'%s' needs a value", "'%s' takes none"};

/* Takes argv[*i] of words; returns the row's id or -1 with *error. */
static int take(char **words, int n, int *i, const char **value, char **error)
{
    const osh_arg_flag *f = osh_args_take(n, words, i, arg_flags, &arg_texts, value, error);
    return f ? f->id : -1;
}

static void args_take_every_form_of_a_flag(void **state)
{
    (void)state;
    char *words[] = {"prog", "--name", "x", "--name=y=z", "--verbose", "-n", "5", "--lines=", NULL};
    int i = 1;
    const char *value = NULL;
    char *error = NULL;
    assert_int_equal(take(words, 8, &i, &value, &error), ARG_NAME);
    assert_string_equal(value, "x");
    assert_int_equal(i, 2);
    i++;
    assert_int_equal(take(words, 8, &i, &value, &error), ARG_NAME);
    assert_string_equal(value, "y=z");
    i++;
    assert_int_equal(take(words, 8, &i, &value, &error), ARG_VERBOSE);
    assert_null(value);
    i++;
    assert_int_equal(take(words, 8, &i, &value, &error), ARG_LINES);
    assert_string_equal(value, "5");
    assert_int_equal(i, 6);
    i++;
    assert_int_equal(take(words, 8, &i, &value, &error), ARG_LINES);
    assert_string_equal(value, "");
    assert_null(error);
}

static void args_refuse_naming_the_flag(void **state)
{
    (void)state;
    char *words[] = {"prog", "--nam", "--verbose=1", "-n=5", "--name", NULL};
    const char *value = NULL;
    char *error = NULL;
    const char *want[] = {NULL, "unknown '--nam'", "'--verbose=1' takes none", "unknown '-n=5'", "'--name' needs a value"};
    for (int k = 1; k < 5; k++) {
        int i = k;
        assert_int_equal(take(words, 5, &i, &value, &error), -1);
        assert_string_equal(error, want[k]);
        assert_int_equal(i, k); /* nothing consumed */
        free(error);
    }
}

static void args_help_comes_from_the_table(void **state)
{
    (void)state;
    osh_buf b = OSH_BUF_INIT;
    osh_args_help(&b, arg_flags, 16);
    assert_string_equal(osh_buf_str(&b), "  --name NAME   the name\n"
                                         "  --verbose     say more\n"
                                         "                over two lines\n"
                                         "  --a-very-long-flag-name VALUE\n"
                                         "                wraps\n");
    osh_buf_free(&b);
    long v = 0;
    assert_int_equal(osh_args_int("42", 1, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(osh_args_int("0", 1, 100, &v), -1);
    assert_int_equal(osh_args_int("4x", 1, 100, &v), -1);
    assert_int_equal(osh_args_int("", 1, 100, &v), -1);
    assert_int_equal(v, 42);
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
        cmocka_unit_test(json_check_accepts_a_document_of_the_table),
        cmocka_unit_test(json_check_names_an_unknown_key_and_lists_the_table),
        cmocka_unit_test(json_check_names_a_wrong_type_and_the_expected_one),
        cmocka_unit_test(json_check_names_a_missing_required_key),
        cmocka_unit_test(json_check_follows_nested_tables_with_their_path),
        cmocka_unit_test(json_check_refuses_a_non_object),
        cmocka_unit_test(args_take_every_form_of_a_flag),
        cmocka_unit_test(args_refuse_naming_the_flag),
        cmocka_unit_test(args_help_comes_from_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
