/* test_common.c: unit tests for the neutral utilities in common/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "osh_base64.h"
#include "osh_buf.h"
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
    char *p = osh_str_printf("%s-%d", "x", 7);
    assert_string_equal(p, "x-7");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_grows_and_stays_terminated), cmocka_unit_test(buf_appends_binary),
        cmocka_unit_test(base64_rfc4648_vectors),         cmocka_unit_test(base64url_uses_url_alphabet),
        cmocka_unit_test(base64_decode_is_strict),        cmocka_unit_test(str_helpers),
        cmocka_unit_test(base64_refusal_leaves_empty_buffer_unallocated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
