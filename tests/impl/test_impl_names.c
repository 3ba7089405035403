/* test_impl_names.c: node-name vectors N1-N36 (rules §2), gateway-name validation (rules §3.2),
 * resource names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "gw_names.h"
#include "osh_buf.h"

static char *rep(const char *unit, int n)
{
    osh_buf b = OSH_BUF_INIT;
    for (int i = 0; i < n; i++)
        osh_buf_append_str(&b, unit);
    return osh_buf_detach(&b);
}

static char *cat2(char *a, const char *b)
{
    osh_buf out = OSH_BUF_INIT;
    osh_buf_append_str(&out, a);
    osh_buf_append_str(&out, b);
    free(a);
    return osh_buf_detach(&out);
}

static void expect_node(const char *input, size_t len, const char *want_suffix, size_t want_len)
{
    char *got = gw_node_name(input, len);
    char *want = cat2(strdup("openshell-"), want_suffix);
    assert_string_equal(got, want);
    assert_int_equal(strlen(got), want_len);
    free(got);
    free(want);
}

static void node_name_fixed_vectors(void **state)
{
    struct {
        const char *in;
        const char *out;
        size_t len;
    } v[] = {
        {"Prod_US", "prod-us", 17},           /* N1 */
        {"._Prod..__-Gateway-.", "prod-gateway", 22},
        {"...___---", "gateway", 17},
        {"", "gateway", 17},                   /* N5 */
        {"openshell", "openshell", 19},
        {"my-gateway", "my-gateway", 20},
        {"12345", "12345", 15},
        {"-abc-", "abc", 13},
        {"Prod.US", "prod-us", 17},            /* N10 */
        {"a--b", "a-b", 13},
        {"a b\tc", "a-b-c", 15},
        {"caf\xC3\xA9", "caf", 13},
        {"\xC3\xBC" "ber", "ber", 13},
        {"\xE6\x97\xA5\xE6\x9C\xAC", "gateway", 17}, /* N15 */
        {"a\xE6\x97\xA5\xE6\x9C\xAC" "b", "a-b", 13},
        {"\xC3\x84", "gateway", 17},
        {"\xC3\xA9" "1", "1", 11},
        {"\xEF\xBC\xA1" "b", "b", 11},
        {"ABC123", "abc123", 16},              /* N20 */
        {"GATEWAY", "gateway", 17},
        {"_", "gateway", 17},
        {"a", "a", 11},
        {"openshell-Cluster", "openshell-cluster", 27},
        {"dev.local_TEST-01", "dev-local-test-01", 27}, /* N25 */
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        expect_node(v[i].in, strlen(v[i].in), v[i].out, v[i].len);
}

static void node_name_long_vectors(void **state)
{
    char *x243 = rep("x", 243), *x242 = rep("x", 242), *x241 = rep("x", 241);
    char *in;
    in = rep("A", 400); /* N4 */
    char *a243 = rep("a", 243);
    expect_node(in, strlen(in), a243, 253);
    free(in);
    in = cat2(rep("-", 300), "b"); /* N26 */
    expect_node(in, strlen(in), "b", 11);
    free(in);
    expect_node(x243, 243, x243, 253); /* N27 */
    in = rep("x", 244);                /* N28 */
    expect_node(in, 244, x243, 253);
    free(in);
    in = cat2(strdup(x243), "-"); /* N29 */
    expect_node(in, strlen(in), x243, 253);
    free(in);
    in = cat2(strdup(x242), "-y"); /* N30 */
    expect_node(in, strlen(in), x242, 252);
    free(in);
    in = cat2(strdup(x242), "_yyyyy"); /* N31 */
    expect_node(in, strlen(in), x242, 252);
    free(in);
    in = cat2(strdup(x241), "..z"); /* N32 */
    char *want = cat2(strdup(x241), "-z");
    expect_node(in, strlen(in), want, 253);
    free(want);
    free(in);
    in = rep("a-", 200); /* N33 */
    want = rep("a-", 122);
    want[243] = '\0';
    expect_node(in, strlen(in), want, 253);
    assert_int_equal(want[242], 'a');
    free(want);
    free(in);
    in = rep("9", 250); /* N34 */
    want = rep("9", 243);
    expect_node(in, strlen(in), want, 253);
    free(want);
    free(in);
    char *a242 = rep("a", 242);
    in = cat2(strdup(a242), "\xC3\xA9"); /* N35 */
    expect_node(in, strlen(in), a242, 252);
    free(in);
    in = cat2(rep("a", 244), "\xC3\xA9"); /* N36 */
    expect_node(in, strlen(in), a243, 253);
    free(in);
    free(a242);
    free(a243);
    free(x243);
    free(x242);
    free(x241);
}

static void node_name_counts_embedded_nul_as_other_byte(void **state)
{
    expect_node("a\0b", 3, "a-b", 13);
}

static void expect_invalid(const char *name, const char *phrase)
{
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(gw_validate_name(name, &err), -1);
    assert_int_equal(err.code, GW_E_USAGE);
    assert_non_null(strstr(gw_error_text(&err), phrase));
    gw_error_clear(&err);
}

static void validation_refuses_bad_names(void **state)
{
    const char *chars = "gateway name contains invalid characters (allowed: alphanumeric, '.', '-', '_')";
    expect_invalid("", "gateway name is empty");
    expect_invalid(NULL, "gateway name is empty");
    expect_invalid("bad/name", chars);
    expect_invalid("a b", chars);
    expect_invalid("a:b", chars);
    expect_invalid("caf\xC3\xA9", chars);
    expect_invalid("tab\there", chars);
    expect_invalid(".", "gateway name must not be '.' or '..'");
    expect_invalid("..", "gateway name must not be '.' or '..'");
}

static void validation_accepts_normalizable_names(void **state)
{
    const char *ok[] = {"Prod_US", "dev.local_TEST-01", "openshell", "...", "-x-", "_", "a", "12345"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        gw_error err = GW_ERROR_INIT;
        assert_int_equal(gw_validate_name(ok[i], &err), 0);
        assert_null(err.message);
    }
}

static void resource_name_keeps_the_name_verbatim(void **state)
{
    char *r = gw_resource_name("Prod_US");
    assert_string_equal(r, "openshell-cluster-Prod_US");
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(node_name_fixed_vectors),
        cmocka_unit_test(node_name_long_vectors),
        cmocka_unit_test(node_name_counts_embedded_nul_as_other_byte),
        cmocka_unit_test(validation_refuses_bad_names),
        cmocka_unit_test(validation_accepts_normalizable_names),
        cmocka_unit_test(resource_name_keeps_the_name_verbatim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
